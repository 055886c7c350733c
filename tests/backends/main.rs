//! Behaviour tests: every test body runs on SQLite, PostgreSQL and MariaDB
//! (see `weft_tests::backends`).

mod aliases;
mod crud;
mod dynamic;
mod errors;
mod exact;
mod execution;
mod in_list_limits;
mod joins;
mod limits;
mod locks;
mod mariadb_exact;
mod relations;
mod render;
mod roundtrip;
mod safety;
mod schema;
mod tables;
mod transactions;
mod types;
mod upsert;
mod writes;

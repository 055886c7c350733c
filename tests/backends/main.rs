//! Behaviour tests: every test body runs on SQLite, PostgreSQL and MariaDB
//! (see `weft_tests::backends`).

mod aggregates;
mod aliases;
mod crud;
mod ctes;
mod dynamic;
mod errors;
mod exact;
mod execution;
mod functions;
mod in_list_limits;
mod joins;
mod joins_more;
mod limits;
mod locks;
mod mariadb_exact;
mod migrate_cycle;
mod patch;
mod raw_sql;
mod relations;
mod render;
mod roundtrip;
mod safety;
mod schema;
mod set_ops;
mod subqueries;
mod tables;
mod transactions;
mod types;
mod upsert;
mod writes;

//! Behaviour tests: every test body runs on SQLite, PostgreSQL and MariaDB
//! (see `weft_tests::backend_test!`).

mod crud;
mod errors;
mod execution;
mod joins;
mod relations;
mod render;
mod safety;
mod schema;
mod tables;
mod transactions;
mod types;

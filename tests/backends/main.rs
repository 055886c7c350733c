//! Behaviour tests: every test body runs on SQLite, PostgreSQL and MariaDB
//! (see `weft_tests::backends`).

mod aggregates;
mod aliases;
mod borrowed_insert;
mod crud;
mod ctes;
mod defaults;
mod dynamic;
mod engines;
mod enums;
mod errors;
mod exact;
mod execution;
mod functions;
mod galera;
mod healing;
mod in_list_limits;
mod joins;
mod joins_more;
mod limits;
mod locks;
mod mariadb_exact;
mod migrate_cycle;
mod native_enums;
mod newtypes;
mod patch;
mod pull_check;
#[allow(dead_code)] // written by `models_source` (see pull_check.rs), compared byte for byte
#[rustfmt::skip]
mod pulled;
mod raw_sql;
mod rel_filters;
mod rel_nested_insert;
mod rel_one_through;
mod rel_preview;
mod rel_subsets;
mod relations;
mod render;
mod replicas;
mod retry;
mod roundtrip;
mod safety;
mod schema;
mod set_ops;
mod sqlite_native;
mod subqueries;
mod tables;
mod timeouts;
mod times_of_day;
mod timestamps;
mod transactions;
mod tx_spawn;
mod types;
mod types_more;
mod upsert;
mod writes;

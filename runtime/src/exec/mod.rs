//! Running statements: the database handle, transactions, binding, tracing and counting.
//!
//! - [`db`]: the [`Db`] handle, connecting, and what it knows of its server;
//! - `sqlite` (with the `sqlite` feature): how weft looks after the SQLite pools it builds
//!   (in-memory pools, cancelled statements);
//! - [`tx`]: transactions and savepoints, and their abort state;
//! - [`run`]: where statements run ([`Executor`], [`Target`]) and running them (tracing,
//!   counting, retries, cancellation);
//! - [`binds`]: turning values into each driver's arguments.

mod binds;
mod db;
mod run;
#[cfg(feature = "sqlite")]
mod sqlite;
mod tx;

pub use db::Db;
pub use run::{Executor, Target};
pub use tx::Tx;

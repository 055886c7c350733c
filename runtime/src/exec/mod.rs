//! Running statements: the database handle, transactions, tracing and counting. What runs
//! them is a driver (`crate::driver`); nothing here knows which.
//!
//! - [`db`]: the [`Db`] handle: a driver, the dialect of its server, counters;
//! - [`tx`]: transactions and savepoints, and their abort state;
//! - [`replicas`]: routing plain reads to read replicas;
//! - [`retry`]: running a transaction again after a conflict with another one;
//! - [`log`]: the `tracing` events of each statement (SQL, rows, time; binds at `trace`;
//!   slow statements);
//! - [`run`]: where statements run ([`Executor`], [`Target`]) and running them (tracing,
//!   counting, the abort state of the transaction they run in).

mod corpus;
mod db;
mod log;
mod replicas;
mod retry;
mod run;
mod session;
mod tx;

pub use db::Db;
pub use retry::{RetryPolicy, Retryable};
pub use run::{Executor, Target};
pub use session::Session;
pub use tx::{Tx, TxFuture};

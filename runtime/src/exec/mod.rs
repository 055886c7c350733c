//! Running statements: the database handle, transactions, tracing and counting. What runs
//! them is a driver (`crate::driver`); nothing here knows which.
//!
//! - [`db`]: the [`Db`] handle: a driver, the dialect of its server, counters;
//! - [`tx`]: transactions and savepoints, and their abort state;
//! - [`run`]: where statements run ([`Executor`], [`Target`]) and running them (tracing,
//!   counting, the abort state of the transaction they run in).

mod corpus;
mod db;
mod run;
mod session;
mod tx;

pub use db::Db;
pub use run::{Executor, Target};
pub use session::Session;
pub use tx::Tx;

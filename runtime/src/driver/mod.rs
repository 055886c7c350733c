//! Drivers: what runs statements for weft, behind two object-safe traits.
//!
//! - [`Driver`]: a pool. Runs one statement on a pooled connection, hands out a connection
//!   (for the statements of one relational load) or a transaction, and says what server it
//!   reached (which backend, its version, its limits).
//! - [`Connection`]: one connection. Runs statements, streaming rows into a callback, and
//!   begins, commits and rolls back transactions; a `begin` inside a transaction is a savepoint.
//!
//! Rows reach the callback as a [`RowRef`] over the driver's own row type, which implements
//! [`ColumnSource`](crate::decode::ColumnSource): nothing above this layer names a driver's
//! types. One implementation per sqlx driver (`sqlx_sqlite`, `sqlx_postgres`, `sqlx_mysql`),
//! each with its quirks: bind encoding, what a cancelled statement leaves behind, which errors
//! end a whole transaction. [`url`] picks one from a URL. A native SQLite driver is one more
//! file here implementing both traits and `ColumnSource`.
//!
//! Futures are boxed (one allocation per statement); rows are not (one virtual call per row,
//! one per column read).

#[cfg(any(feature = "postgres", feature = "mysql"))]
mod server_pool;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod sqlx_binds;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod sqlx_common;
#[cfg(feature = "mysql")]
mod sqlx_mysql;
#[cfg(feature = "postgres")]
mod sqlx_postgres;
#[cfg(feature = "sqlite")]
mod sqlx_sqlite;
pub(crate) mod url;

use futures_util::future::BoxFuture;

use crate::backend::Backend;
use crate::decode::RowRef;
use crate::dialect::Stmt;
use crate::error::{Error, Result};

#[cfg(feature = "sqlite")]
pub(crate) use sqlite::NativeSqliteDriver;
#[cfg(feature = "mysql")]
pub(crate) use sqlx_mysql::MySqlDriver;
#[cfg(feature = "postgres")]
pub(crate) use sqlx_postgres::PgDriver;
#[cfg(feature = "sqlite")]
pub(crate) use sqlx_sqlite::SqliteDriver;

/// Where a running statement hands its rows, one at a time, as they arrive.
pub(crate) type RowSink<'s> = dyn FnMut(RowRef<'_>) -> Result<()> + Send + 's;

/// Which rows of a statement are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    /// Every row.
    All,
    /// Only the first (the driver may stop reading after it).
    First,
}

/// What a driver knows of the server it reached, read once when the pool was made.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    /// The wire protocol's family.
    pub(crate) backend: Backend,
    /// The version the server reported (empty where the driver does not ask).
    pub(crate) version: String,
    /// The largest statement the server accepts, in bytes, where it has such a limit.
    pub(crate) max_packet: Option<usize>,
}

/// A pool of connections to one database.
pub(crate) trait Driver: Send + Sync + 'static {
    /// The server, as the driver found it.
    fn server(&self) -> &Server;

    /// Runs `stmt` on a pooled connection, handing its rows to `sink`; returns how many it
    /// handed over.
    fn fetch<'a>(
        &'a self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Runs `stmt` on a pooled connection, returning the number of rows affected.
    fn execute<'a>(&'a self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>>;

    /// A pooled connection, held for several statements (fails with [`Error::Query`] naming
    /// `(acquiring a connection)`).
    fn acquire(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>>;

    /// A pooled connection with a transaction begun on it (fails with
    /// [`Error::Transaction`]). Dropping the connection while the transaction is open rolls
    /// it back.
    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>>;

    /// Whether `error`, raised by a statement inside a transaction, ended the whole
    /// transaction on the server (not only its innermost savepoint). Errors the driver itself
    /// raised (I/O, protocol) count: the connection's state is unknown.
    fn ends_transaction(&self, error: &Error) -> bool;
}

/// One connection, held by a transaction or for the statements of one relational load.
pub(crate) trait Connection: Send {
    /// Runs `stmt`, handing its rows to `sink`; returns how many it handed over.
    fn fetch<'a>(
        &'a mut self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Runs `stmt`, returning the number of rows affected.
    fn execute<'a>(&'a mut self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>>;

    /// Begins a transaction, or a savepoint inside the open one (fails with
    /// [`Error::Transaction`]).
    fn begin(&mut self) -> BoxFuture<'_, Result<()>>;

    /// Commits the innermost transaction (releases the innermost savepoint).
    fn commit(&mut self) -> BoxFuture<'_, Result<()>>;

    /// Rolls the innermost transaction (or savepoint) back.
    fn rollback(&mut self) -> BoxFuture<'_, Result<()>>;

    /// Starts rolling the innermost transaction back without waiting (a transaction dropped
    /// while open); the driver finishes it before the connection runs anything else.
    fn start_rollback(&mut self);

    /// Whether a connection whose statement was cancelled (its future dropped) must not be
    /// used again: the driver cannot bring it back in step with the server.
    fn unusable_after_cancel(&self) -> bool;

    /// Closes the connection when it is dropped, instead of returning it to the pool.
    fn close_on_drop(&mut self);

    /// While `yes`, closes the connection if it is dropped (a session setting made for one
    /// statement and not yet undone: a statement timeout between its `SET` and its `RESET`,
    /// should the caller's future be dropped there). Nothing to do where a dropped
    /// connection never goes back to a pool with its session (the native SQLite driver's
    /// timeouts are its own).
    fn close_if_dropped(&mut self, _yes: bool) {}

    /// After a statement on this connection was cancelled (and the connection is usable, see
    /// [`unusable_after_cancel`](Connection::unusable_after_cancel)): waits until the
    /// statement has stopped and the connection runs the next one normally. Nothing to do
    /// where the driver already sees to it.
    fn settle_after_cancel(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// A client-side statement timeout's end, for the statements run until it is lifted
    /// (`None`): a driver that runs statements on the caller's thread (the native SQLite
    /// driver, in place) interrupts one still running then, since no timer can fire while
    /// it runs. Drivers whose statements await the server need nothing: the caller's timer
    /// drops the future.
    fn set_deadline(&mut self, _at: Option<std::time::Instant>) {}
}

//! What the three sqlx drivers share: running a statement through sqlx, its transaction
//! manager, and turning sqlx's errors into weft's.

use sqlx_core::transaction::TransactionManager;

use crate::decode::UNEXPECTED_NULL;
use crate::dialect::Stmt;
use crate::error::{Error, Result};

pub(super) fn query_error(sql: &Stmt<'_>, source: sqlx::Error) -> Error {
    Error::Query {
        sql: sql.text.clone().into_owned(),
        source,
    }
}

/// What a failed acquire for several statements reports as its statement.
pub(super) const ACQUIRE: &str = "(acquiring a connection)";

pub(super) fn acquire_error(source: sqlx::Error) -> Error {
    Error::Query {
        sql: ACQUIRE.into(),
        source,
    }
}

pub(super) fn transaction_error(action: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |source| Error::Transaction { action, source }
}

/// A column decode error as [`Error::Decode`] says it.
pub(super) fn decode_message(e: sqlx::Error) -> String {
    match e {
        sqlx::Error::ColumnDecode { source, .. }
            if source.is::<sqlx::error::UnexpectedNullError>() =>
        {
            UNEXPECTED_NULL.to_owned()
        }
        sqlx::Error::ColumnDecode { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// Runs `$stmt` with arguments `$args` on the sqlx executor `$conn`, handing rows to `$sink`
/// (a [`RowSink`](super::RowSink)); evaluates to the number of rows handed over, or the first
/// error (a driver's or the sink's), without returning from the caller: its guards see the
/// statement finish either way.
macro_rules! sqlx_fetch {
    ($conn:expr, $stmt:expr, $args:expr, $rows:expr, $sink:expr) => {
        $crate::driver::sqlx_common::sqlx_fetch!($conn, $stmt, $args, $rows, $sink, false)
    };
    // `$read_to_end`: a statement of which only the first row is wanted still reads the rest
    // of its results (the MySQL family: sqlx's `fetch_optional` stops at the first row and
    // leaves the rest, an error after it included, for the connection's next statement).
    ($conn:expr, $stmt:expr, $args:expr, $rows:expr, $sink:expr, $read_to_end:expr) => {
        async {
            use futures_util::TryStreamExt as _;
            let stmt: &$crate::dialect::Stmt<'_> = $stmt;
            let query = sqlx::query_with(sqlx::AssertSqlSafe(&*stmt.text), $args);
            let rows = match $rows {
                $crate::driver::Rows::First if $read_to_end => $crate::driver::Rows::All,
                rows => rows,
            };
            let only_first = $read_to_end && $rows == $crate::driver::Rows::First;
            match rows {
                $crate::driver::Rows::All => {
                    let mut rows = query.fetch($conn);
                    let mut n = 0u64;
                    while let Some(row) = rows
                        .try_next()
                        .await
                        .map_err(|source| $crate::driver::sqlx_common::query_error(stmt, source))?
                    {
                        if only_first && n > 0 {
                            continue;
                        }
                        $sink($crate::decode::RowRef::new(&row))?;
                        n += 1;
                    }
                    Ok(n)
                }
                // Tells the driver only one row is wanted (sqlx's SQLite worker then stops
                // stepping after it).
                $crate::driver::Rows::First => {
                    let row = query
                        .fetch_optional($conn)
                        .await
                        .map_err(|source| $crate::driver::sqlx_common::query_error(stmt, source))?;
                    match row {
                        Some(row) => {
                            $sink($crate::decode::RowRef::new(&row))?;
                            Ok(1u64)
                        }
                        None => Ok(0u64),
                    }
                }
            }
        }
        .await
    };
}

/// Runs `$stmt` with arguments `$args` on the sqlx executor `$conn`; evaluates to the rows
/// affected.
macro_rules! sqlx_execute {
    ($conn:expr, $stmt:expr, $args:expr) => {{
        let stmt: &$crate::dialect::Stmt<'_> = $stmt;
        sqlx::query_with(sqlx::AssertSqlSafe(&*stmt.text), $args)
            .execute($conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(|source| $crate::driver::sqlx_common::query_error(stmt, source))
    }};
}

pub(super) use {sqlx_execute, sqlx_fetch};

/// What happens to a pooled connection when it is dropped (weft's own pool, `server_pool`), from the least to the most
/// careful (marks only ever move up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum After {
    /// Back to the idle ones at once: its last statement ran to the end.
    Return,
    /// Settled first, in a task: what it sent or left open is finished, then it is pinged.
    Settle,
    /// Closed.
    Close,
}

/// A connection held out of a pool, and what its pool needs to know of the statements run on
/// it: whether a connection dropped now must be settled (pinged, a rollback queued without
/// waiting sent) before it is used again. sqlx's pool settles every connection it takes
/// back, so its connections ignore the marks; weft's own pool (`server_pool`) takes one back
/// at once when its last statement ran to the end.
pub(super) trait Held<DB: sqlx::Database> {
    /// The connection.
    fn conn(&mut self) -> std::result::Result<&mut DB::Connection, sqlx::Error>;

    /// Marks a statement (or a transaction's command) as started: a connection dropped before
    /// [`finished`](Held::finished) is handled as `if_dropped` says (settled, or closed where
    /// the driver cannot bring a cancelled statement back in step).
    fn started(&mut self, _if_dropped: After) {}

    /// Marks the started statement as ended, and what the connection needs before it is used
    /// again: nothing ([`After::Return`]) when it ran to the end or the server refused it and
    /// goes on; a settle when the driver failed it (I/O, protocol) or the server ended the
    /// session; a close where its state cannot be known.
    fn finished(&mut self, _then: After) {}

    /// Settles the connection before it is used again (a rollback queued without waiting).
    fn settle_on_drop(&mut self) {
        self.finished(After::Settle);
    }
}

impl<DB: sqlx::Database> Held<DB> for sqlx::pool::PoolConnection<DB> {
    fn conn(&mut self) -> std::result::Result<&mut DB::Connection, sqlx::Error> {
        Ok(self)
    }
}

/// Runs one of the transaction manager's commands on a [`Held`] connection; one whose
/// command failed or was cancelled is closed when it is dropped.
macro_rules! control {
    ($pooled:expr, $action:literal, |$conn:ident| $command:expr) => {{
        let pooled = $pooled;
        // Cancelled or failed, a command leaves the transaction's state on the server unknown
        // (a `BEGIN` sent, its depth not counted): the connection is closed, not reused.
        pooled.started(After::Close);
        let out = match pooled.conn() {
            Ok($conn) => $command.await,
            Err(e) => Err(e),
        };
        pooled.finished(if out.is_ok() {
            After::Return
        } else {
            After::Close
        });
        out.map_err(transaction_error($action))
    }};
}

/// Begins a transaction (a savepoint inside one) with sqlx's own transaction manager, as
/// `sqlx::Transaction` does: weft's transactions own their connection instead of borrowing it.
pub(super) async fn begin<DB: sqlx::Database>(pooled: &mut impl Held<DB>) -> Result<()> {
    control!(pooled, "begin", |conn| DB::TransactionManager::begin(
        conn, None
    ))
}

pub(super) async fn commit<DB: sqlx::Database>(pooled: &mut impl Held<DB>) -> Result<()> {
    control!(pooled, "commit", |conn| DB::TransactionManager::commit(
        conn
    ))
}

pub(super) async fn rollback<DB: sqlx::Database>(pooled: &mut impl Held<DB>) -> Result<()> {
    control!(pooled, "rollback", |conn| DB::TransactionManager::rollback(
        conn
    ))
}

/// Starts rolling back without waiting (a dropped transaction); the connection is settled
/// before it is used again, which sends the rollback.
pub(super) fn start_rollback<DB: sqlx::Database>(pooled: &mut impl Held<DB>) {
    if let Ok(conn) = pooled.conn() {
        DB::TransactionManager::start_rollback(conn);
    }
    pooled.settle_on_drop();
}

#[cfg(feature = "postgres")]
pub(super) fn in_transaction<DB: sqlx::Database>(conn: &DB::Connection) -> bool {
    DB::TransactionManager::get_transaction_depth(conn) > 0
}

/// The database's own error in a failed statement's `error`; `None` for errors the driver
/// raised itself (I/O, protocol, pool), after which the connection's state is unknown.
pub(super) fn database_error(error: &Error) -> Option<&(dyn sqlx::error::DatabaseError + 'static)> {
    match error {
        Error::Query { source, .. } | Error::StaleStatement { source, .. } => {
            source.as_database_error()
        }
        _ => None,
    }
}

/// Column `idx` decoded as `T`, with sqlx's decoder.
#[inline]
pub(super) fn get<'r, R, T>(row: &'r R, idx: usize) -> std::result::Result<T, String>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    row.try_get::<T, _>(idx).map_err(decode_message)
}

/// Whether column `idx` of `row` is NULL (an index past the end is not).
#[inline]
pub(super) fn is_null<R>(row: &R, idx: usize) -> bool
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
{
    use sqlx::ValueRef as _;
    row.try_get_raw(idx).map(|v| v.is_null()).unwrap_or(false)
}

/// How many columns `row` has.
#[inline]
pub(super) fn column_count<R: sqlx::Row>(row: &R) -> usize {
    row.columns().len()
}

/// The label of column `idx` of `row` (`""` past the last).
#[inline]
pub(super) fn column_name<R: sqlx::Row>(row: &R, idx: usize) -> &str {
    use sqlx::Column as _;
    row.columns().get(idx).map_or("", |c| c.name())
}

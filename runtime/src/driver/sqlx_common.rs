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
        async {
            use futures_util::TryStreamExt as _;
            let stmt: &$crate::dialect::Stmt<'_> = $stmt;
            let query = sqlx::query_with(sqlx::AssertSqlSafe(&*stmt.text), $args);
            match $rows {
                $crate::driver::Rows::All => {
                    let mut rows = query.fetch($conn);
                    let mut n = 0u64;
                    while let Some(row) = rows
                        .try_next()
                        .await
                        .map_err(|source| $crate::driver::sqlx_common::query_error(stmt, source))?
                    {
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

/// Begins a transaction (a savepoint inside one) with sqlx's own transaction manager, as
/// `sqlx::Transaction` does: weft's transactions own their connection instead of borrowing it.
pub(super) async fn begin<DB: sqlx::Database>(conn: &mut DB::Connection) -> Result<()> {
    DB::TransactionManager::begin(conn, None)
        .await
        .map_err(transaction_error("begin"))
}

pub(super) async fn commit<DB: sqlx::Database>(conn: &mut DB::Connection) -> Result<()> {
    DB::TransactionManager::commit(conn)
        .await
        .map_err(transaction_error("commit"))
}

pub(super) async fn rollback<DB: sqlx::Database>(conn: &mut DB::Connection) -> Result<()> {
    DB::TransactionManager::rollback(conn)
        .await
        .map_err(transaction_error("rollback"))
}

pub(super) fn start_rollback<DB: sqlx::Database>(conn: &mut DB::Connection) {
    DB::TransactionManager::start_rollback(conn);
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

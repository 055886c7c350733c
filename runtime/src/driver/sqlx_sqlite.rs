//! SQLite through sqlx, for a pool the caller built (`Db::from_sqlite_pool`): bind encoding,
//! and reading SQLite's loosely typed columns strictly.

use futures_util::future::BoxFuture;
use sqlx::Arguments as _;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteRow};

use super::sqlx_binds::{add_null, add_value, encode_all, scalar};
use super::sqlx_common::{
    self as common, acquire_error, get, query_error, sqlx_execute, sqlx_fetch, transaction_error,
};
use super::{Connection, Driver, RowSink, Rows, Server};
use crate::backend::Backend;
use crate::decode::{ColumnSource, UNEXPECTED_NULL, int_bool};
use crate::dialect::Stmt;
use crate::error::{Error, Result};
use crate::value::Value;

/// A SQLite pool of sqlx's, built by the caller (`Db::from_sqlite_pool`) and left as
/// configured. (`Db::connect` uses the native driver, `super::sqlite`.)
pub(crate) struct SqliteDriver {
    pool: sqlx::SqlitePool,
    server: Server,
}

impl SqliteDriver {
    /// Wraps a pool built elsewhere, left as configured.
    pub(crate) fn from_pool(pool: sqlx::SqlitePool) -> Self {
        SqliteDriver {
            pool,
            server: Server {
                backend: Backend::Sqlite,
                version: String::new(),
                max_packet: None,
            },
        }
    }

    async fn pooled(&self, sql: &Stmt<'_>) -> Result<PoolConnection<sqlx::Sqlite>> {
        self.pool
            .acquire()
            .await
            .map_err(|source| query_error(sql, source))
    }
}

impl Driver for SqliteDriver {
    fn server(&self) -> &Server {
        &self.server
    }

    fn fetch<'a>(
        &'a self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            let mut conn = self.pooled(stmt).await?;
            sqlx_fetch!(&mut *conn, stmt, args, rows, sink)
        })
    }

    fn execute<'a>(&'a self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            let mut conn = self.pooled(stmt).await?;
            sqlx_execute!(&mut *conn, stmt, args)
        })
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            let conn = self.pool.acquire().await.map_err(acquire_error)?;
            Ok(Box::new(SqliteConn { conn }) as Box<dyn Connection>)
        })
    }

    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(transaction_error("begin"))?;
            common::begin::<sqlx::Sqlite>(&mut conn).await?;
            Ok(Box::new(SqliteConn { conn }) as Box<dyn Connection>)
        })
    }

    fn ends_transaction(&self, error: &Error) -> bool {
        let Some(db) = common::database_error(error) else {
            return true;
        };
        // SQLite rolls back the whole transaction on these (busy, out of memory, I/O, full,
        // interrupted, corrupt) and reports its extended code's primary part.
        let primary = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map_or(0, |c| c & 0xff);
        matches!(primary, 5 | 7 | 9 | 10 | 11 | 13 | 26)
    }
}

/// A connection held by a transaction or a relational load.
struct SqliteConn {
    conn: PoolConnection<sqlx::Sqlite>,
}

impl Connection for SqliteConn {
    fn fetch<'a>(
        &'a mut self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            sqlx_fetch!(&mut *self.conn, stmt, args, rows, sink)
        })
    }

    fn execute<'a>(&'a mut self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            sqlx_execute!(&mut *self.conn, stmt, args)
        })
    }

    fn begin(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(common::begin::<sqlx::Sqlite>(&mut self.conn))
    }

    fn commit(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(common::commit::<sqlx::Sqlite>(&mut self.conn))
    }

    fn rollback(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(common::rollback::<sqlx::Sqlite>(&mut self.conn))
    }

    fn start_rollback(&mut self) {
        common::start_rollback::<sqlx::Sqlite>(&mut self.conn);
    }

    fn unusable_after_cancel(&self) -> bool {
        // A pool weft did not build is left as configured: sqlx's worker runs a cancelled
        // statement to its end, and the connection serves nothing else meanwhile.
        false
    }

    fn close_on_drop(&mut self) {
        self.conn.close_on_drop();
    }
}

/// Refuses a statement with more binds than SQLite takes in one statement.
pub(super) fn check_bind_count(sql: &Stmt<'_>) -> Result<()> {
    let limit = crate::dialect::Dialect::capabilities(&crate::dialect::Sqlite).max_bind_params;
    if sql.binds.len() > limit {
        return Err(Error::TooManyBinds {
            backend: Backend::Sqlite,
            limit,
            count: sql.binds.len(),
            hint: "an IN list of more than 1,000 floats is bound one parameter per value on \
                   SQLite (its JSON and text parsers do not read every double exactly); \
                   split the list over several queries, or put the values in a table and \
                   join or filter on it",
            sql: sql.text.clone().into_owned(),
        });
    }
    Ok(())
}

/// `stmt`'s binds as SQLite arguments.
fn arguments(sql: &Stmt<'_>) -> Result<SqliteArguments> {
    check_bind_count(sql)?;
    encode_all(
        sql,
        Default::default(),
        |args: &mut SqliteArguments, bind| {
            // sqlx's SQLite arguments own their text and bytes: `&str` and `&[u8]` are copied
            // once, into them (see `Insert`'s `BindSink` on why not moved).
            add_value!(args, scalar(bind)?, {
                Value::Null(t) => add_null!(args, *t, json = String, decimal = String),
                #[cfg(feature = "json")]
                Value::Json(s) => args.add(s.as_str()),
                // Fixed width, so the text sorts as the times do.
                #[cfg(feature = "chrono")]
                Value::Time(t) => args.add(crate::time::time_text(*t)),
                // SQLite has no decimal type: the exact text is stored.
                #[cfg(feature = "rust_decimal")]
                Value::Decimal(d) => args.add(d.to_string()),
            })
        },
    )
}

/// Refuses a NULL where the field is not an `Option`: sqlx would read it as `0`, `0.0`,
/// `false` or `""` (a NULL only reaches a getter for such a field).
#[inline]
fn not_null(row: &SqliteRow, idx: usize) -> std::result::Result<(), String> {
    if common::is_null(row, idx) {
        Err(UNEXPECTED_NULL.to_owned())
    } else {
        Ok(())
    }
}

/// Column `idx` decoded as `T`, refusing NULL.
#[inline]
fn strict<'r, T>(row: &'r SqliteRow, idx: usize) -> std::result::Result<T, String>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    not_null(row, idx)?;
    get(row, idx)
}

impl ColumnSource for SqliteRow {
    #[inline]
    fn column_count(&self) -> usize {
        super::sqlx_common::column_count(self)
    }

    #[inline]
    fn column_name(&self, idx: usize) -> &str {
        super::sqlx_common::column_name(self, idx)
    }

    #[inline]
    fn is_null(&self, idx: usize) -> bool {
        common::is_null(self, idx)
    }

    // SQLite has no boolean type: a BOOLEAN column holds integers, and sqlx reads any
    // non-zero one as `true`. Only 0 and 1 are booleans.
    fn bool(&self, idx: usize) -> std::result::Result<bool, String> {
        int_bool(strict(self, idx)?)
    }

    #[inline]
    fn i16(&self, idx: usize) -> std::result::Result<i16, String> {
        strict(self, idx)
    }

    #[inline]
    fn i32(&self, idx: usize) -> std::result::Result<i32, String> {
        strict(self, idx)
    }

    #[inline]
    fn i64(&self, idx: usize) -> std::result::Result<i64, String> {
        strict(self, idx)
    }

    fn u64(&self, idx: usize) -> std::result::Result<u64, String> {
        let int: i64 = strict(self, idx)?;
        u64::try_from(int).map_err(|_| format!("{int} is not an unsigned integer"))
    }

    // SQLite has one REAL type (8 bytes); an f32 widened to f64 narrows back exactly, and a
    // value that does not fit is an error, not a rounding.
    fn f32(&self, idx: usize) -> std::result::Result<f32, String> {
        crate::value::narrow_f32(strict(self, idx)?)
    }

    #[inline]
    fn f64(&self, idx: usize) -> std::result::Result<f64, String> {
        strict(self, idx)
    }

    #[inline]
    fn text(&self, idx: usize) -> std::result::Result<&str, String> {
        not_null(self, idx)?;
        // Borrowed; a failure says what the owned `String` decoder says.
        sqlx::Row::try_get::<&str, _>(self, idx).map_err(|_| owned_error::<String>(self, idx))
    }

    #[inline]
    fn bytes(&self, idx: usize) -> std::result::Result<&[u8], String> {
        not_null(self, idx)?;
        sqlx::Row::try_get::<&[u8], _>(self, idx).map_err(|_| owned_error::<Vec<u8>>(self, idx))
    }

    #[cfg(feature = "chrono")]
    fn timestamp(&self, idx: usize) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
        strict(self, idx)
    }

    #[cfg(feature = "chrono")]
    fn local_timestamp(&self, idx: usize) -> std::result::Result<chrono::NaiveDateTime, String> {
        strict(self, idx)
    }

    #[cfg(feature = "chrono")]
    fn date(&self, idx: usize) -> std::result::Result<chrono::NaiveDate, String> {
        strict(self, idx)
    }

    /// Stored as `HH:MM:SS.ffffff` (see the binding).
    #[cfg(feature = "chrono")]
    fn time(&self, idx: usize) -> std::result::Result<chrono::NaiveTime, String> {
        let text = self.text(idx)?;
        crate::time::parse_time(text).ok_or_else(|| crate::time::not_a("Time", text))
    }

    #[cfg(feature = "uuid")]
    fn uuid(&self, idx: usize) -> std::result::Result<uuid::Uuid, String> {
        strict(self, idx)
    }

    // SQLite has no decimal type: weft stores the exact text, scale included.
    #[cfg(feature = "rust_decimal")]
    fn decimal(&self, idx: usize) -> std::result::Result<rust_decimal::Decimal, String> {
        crate::decimal::parse_decimal(self.text(idx)?)
    }

    #[cfg(feature = "json")]
    fn json(&self, idx: usize) -> std::result::Result<&str, String> {
        self.text(idx)
    }
}

/// Why column `idx` does not decode as `T` (the owned type a borrowed read stands for).
#[cold]
fn owned_error<T>(row: &SqliteRow, idx: usize) -> String
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    match get::<_, T>(row, idx) {
        Err(message) => message,
        Ok(_) => "the value could not be borrowed from the row".to_owned(),
    }
}

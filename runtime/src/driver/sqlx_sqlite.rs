//! SQLite through sqlx: the pools weft builds (an in-memory database shares its one
//! connection; a cancelled statement does not block later ones), bind encoding, and reading
//! SQLite's loosely typed columns strictly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;
use sqlx::Arguments as _;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteRow};

use super::sqlx_binds::{add_null, add_value, encode_all, scalar};
use super::sqlx_common::{
    self as common, ACQUIRE, acquire_error, get, query_error, sqlx_execute, sqlx_fetch,
    transaction_error,
};
use super::{Connection, Driver, RowSink, Rows, Server};
use crate::backend::Backend;
use crate::decode::{ColumnSource, UNEXPECTED_NULL, int_bool};
use crate::dialect::Stmt;
use crate::error::{Error, Result};
use crate::value::Value;

/// What weft knows of a SQLite pool, to keep a cancelled statement from blocking later ones.
///
/// sqlx's SQLite worker runs a statement to its end even when its future is dropped (a
/// `tokio::time::timeout` ran out), and the connection serves nothing else meanwhile.
#[derive(Clone)]
enum PoolKind {
    /// A pool weft did not build (`Db::from_sqlite_pool`): left as configured.
    Foreign,
    /// A file database: a connection whose statement was cancelled is closed instead of
    /// being handed out again (the statement finishes on its own; the pool opens another).
    File,
    /// An in-memory database: one connection (it is the database), so it cannot be closed.
    /// A cancelled statement is interrupted instead (SQLite's progress handler), and the
    /// connection goes back to the pool only once it is idle again.
    Memory(Arc<MemoryPool>),
}

#[derive(Default)]
struct MemoryPool {
    /// Set when a statement is cancelled: the connection's progress handler then interrupts
    /// what runs; cleared once the connection is idle again (before it is handed out).
    interrupt: Arc<AtomicBool>,
    /// While a transaction holds the only connection: the task that began it (`None` outside
    /// a Tokio task).
    transaction_task: std::sync::Mutex<Option<Option<tokio::task::Id>>>,
}

/// How many SQLite virtual-machine instructions run between two looks at
/// [`MemoryPool::interrupt`]: short statements (a `ROLLBACK`) never see it.
const PROGRESS_OPS: i32 = 1000;

/// A SQLite pool.
pub(crate) struct SqliteDriver {
    pool: sqlx::SqlitePool,
    kind: PoolKind,
    server: Server,
}

impl SqliteDriver {
    /// Wraps a pool built elsewhere, left as configured.
    pub(crate) fn from_pool(pool: sqlx::SqlitePool) -> Self {
        SqliteDriver::new(pool, PoolKind::Foreign)
    }

    fn new(pool: sqlx::SqlitePool, kind: PoolKind) -> Self {
        SqliteDriver {
            pool,
            kind,
            server: Server {
                backend: Backend::Sqlite,
                version: String::new(),
                max_packet: None,
            },
        }
    }

    /// Opens `url` (a file database is created if missing); `memory` says it is an in-memory
    /// database, whose pool holds its one connection for good.
    pub(crate) async fn open(url: &str, memory: bool) -> std::result::Result<Self, sqlx::Error> {
        use std::str::FromStr;
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.create_if_missing(true);
        let mut pool = sqlx::sqlite::SqlitePoolOptions::new();
        let kind = if memory {
            let shared = Arc::new(MemoryPool::default());
            let (on_connect, on_release) = (shared.interrupt.clone(), shared.interrupt.clone());
            pool = pool
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .after_connect(move |conn, _| {
                    let interrupt = on_connect.clone();
                    Box::pin(async move {
                        conn.lock_handle()
                            .await?
                            .set_progress_handler(PROGRESS_OPS, move || {
                                !interrupt.load(Ordering::Acquire)
                            });
                        Ok(())
                    })
                })
                .after_release(move |conn, _| {
                    let interrupt = on_release.clone();
                    Box::pin(async move {
                        if interrupt.load(Ordering::Acquire) {
                            // Answered once the cancelled statement has stopped.
                            sqlx::Connection::ping(conn).await?;
                            interrupt.store(false, Ordering::Release);
                        }
                        Ok(true)
                    })
                });
            PoolKind::Memory(shared)
        } else {
            PoolKind::File
        };
        Ok(SqliteDriver::new(pool.connect_with(opts).await?, kind))
    }

    fn memory_pool(&self) -> Option<&Arc<MemoryPool>> {
        match &self.kind {
            PoolKind::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// Fails at once, rather than waiting for the pool (30 s) and failing then, when the only
    /// connection of an in-memory database is held by a transaction this task opened.
    fn check_only_connection(&self, sql: &str) -> Result<()> {
        if let Some(m) = self.memory_pool()
            && let Ok(task) = m.transaction_task.lock()
            && *task == Some(tokio::task::try_id())
        {
            return Err(Error::Busy {
                sql: sql.to_owned(),
            });
        }
        Ok(())
    }

    async fn pooled(&self, sql: &Stmt<'_>) -> Result<Watch<'_, PoolConnection<sqlx::Sqlite>>> {
        self.check_only_connection(&sql.text)?;
        let conn = self
            .pool
            .acquire()
            .await
            .map_err(|source| query_error(sql, source))?;
        Ok(Watch {
            kind: &self.kind,
            conn,
            finished: false,
        })
    }

    fn conn(&self, conn: PoolConnection<sqlx::Sqlite>, holds: Option<HoldsOnly>) -> SqliteConn {
        SqliteConn {
            conn,
            kind: self.kind.clone(),
            _holds: holds,
        }
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
            let mut watch = self.pooled(stmt).await?;
            let out = sqlx_fetch!(&mut *watch.conn, stmt, args, rows, sink);
            watch.finished = true;
            out
        })
    }

    fn execute<'a>(&'a self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            let mut watch = self.pooled(stmt).await?;
            let out = sqlx_execute!(&mut *watch.conn, stmt, args);
            watch.finished = true;
            out
        })
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            self.check_only_connection(ACQUIRE)?;
            let conn = self.pool.acquire().await.map_err(acquire_error)?;
            Ok(Box::new(self.conn(conn, None)) as Box<dyn Connection>)
        })
    }

    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            self.check_only_connection("BEGIN")?;
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(transaction_error("begin"))?;
            common::begin::<sqlx::Sqlite>(&mut conn).await?;
            let holds = self.memory_pool().map(|m| HoldsOnly::register(m.clone()));
            Ok(Box::new(self.conn(conn, holds)) as Box<dyn Connection>)
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
    kind: PoolKind,
    /// Dropped after the connection went back to the pool.
    _holds: Option<HoldsOnly>,
}

impl SqliteConn {
    fn watch(&mut self) -> Watch<'_, &mut sqlx::SqliteConnection> {
        Watch {
            kind: &self.kind,
            conn: &mut *self.conn,
            finished: false,
        }
    }
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
            let mut watch = self.watch();
            let out = sqlx_fetch!(&mut *watch.conn, stmt, args, rows, sink);
            watch.finished = true;
            out
        })
    }

    fn execute<'a>(&'a mut self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            let mut watch = self.watch();
            let out = sqlx_execute!(&mut *watch.conn, stmt, args);
            watch.finished = true;
            out
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
        // On a file database, a connection whose statement was cancelled is closed (the
        // statement runs on to its end on sqlx's worker; the pool opens another).
        matches!(self.kind, PoolKind::File)
    }

    fn close_on_drop(&mut self) {
        self.conn.close_on_drop();
    }

    /// On an in-memory database, the cancelled statement is being interrupted: once the
    /// connection answers, it has stopped, and the interrupt is lifted (as when the
    /// connection goes back to the pool), so that the holder's next statement runs.
    fn settle_after_cancel(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if let PoolKind::Memory(m) = &self.kind
                && m.interrupt.load(Ordering::Acquire)
            {
                sqlx::Connection::ping(&mut *self.conn)
                    .await
                    .map_err(acquire_error)?;
                m.interrupt.store(false, Ordering::Release);
            }
            Ok(())
        })
    }
}

/// Marks that a transaction holds the only connection of an in-memory pool, for as long as
/// it lives (see [`Error::Busy`]).
struct HoldsOnly(Arc<MemoryPool>);

impl HoldsOnly {
    fn register(pool: Arc<MemoryPool>) -> Self {
        if let Ok(mut task) = pool.transaction_task.lock() {
            *task = Some(tokio::task::try_id());
        }
        HoldsOnly(pool)
    }
}

impl Drop for HoldsOnly {
    fn drop(&mut self) {
        if let Ok(mut task) = self.0.transaction_task.lock() {
            *task = None;
        }
    }
}

/// Watches one statement: when its future is dropped before it finished, keeps the
/// statement from blocking later ones (see [`PoolKind`]). `C` is the pooled connection it
/// runs on (closed on a file database), or a held one (left to its owner).
struct Watch<'k, C: CloseOnDrop> {
    kind: &'k PoolKind,
    conn: C,
    finished: bool,
}

trait CloseOnDrop {
    fn close_on_drop(&mut self);
}

impl CloseOnDrop for &mut sqlx::SqliteConnection {
    fn close_on_drop(&mut self) {}
}

impl CloseOnDrop for PoolConnection<sqlx::Sqlite> {
    fn close_on_drop(&mut self) {
        PoolConnection::close_on_drop(self);
    }
}

impl<C: CloseOnDrop> Drop for Watch<'_, C> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        match self.kind {
            // Before the connection goes back to the pool (its `after_release` waits for the
            // interrupted statement to stop, then clears this).
            PoolKind::Memory(m) => m.interrupt.store(true, Ordering::Release),
            PoolKind::File => self.conn.close_on_drop(),
            PoolKind::Foreign => {}
        }
    }
}

/// `stmt`'s binds as SQLite arguments.
fn arguments(sql: &Stmt<'_>) -> Result<SqliteArguments> {
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

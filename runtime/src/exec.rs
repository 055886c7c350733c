//! Running statements: the database handle, transactions, binding, tracing and counting.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures_util::TryStreamExt;
use sqlx::{Arguments as _, AssertSqlSafe};
use tracing::Instrument;

use crate::backend::Backend;
use crate::error::{Error, Result, redact_url};
use crate::render::{BindRef, Sql, Stmt};
use crate::row::RowRef;
use crate::schema::{TableMeta, Tables, create_table_sql_for, drop_table_sql, in_dependency_order};
use crate::value::Value;

/// A handle to a database: a connection pool of one backend. Cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
/// let db = weft::Db::connect("sqlite::memory:").await?;
/// assert_eq!(db.backend(), weft::Backend::Sqlite);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    statements: AtomicU64,
    /// MariaDB (as opposed to MySQL proper) supports `INSERT/DELETE … RETURNING`.
    mariadb: bool,
    /// MySQL's `max_allowed_packet` as the server reported it when the handle was made: the
    /// largest statement it accepts (multi-row inserts are split under it).
    max_packet: Option<usize>,
    /// How weft looks after the SQLite pools it builds itself (see [`SqlitePoolKind`]).
    #[cfg(feature = "sqlite")]
    sqlite: SqlitePoolKind,
}

/// What weft knows of a SQLite pool, to keep a cancelled statement from blocking later ones.
///
/// sqlx's SQLite worker runs a statement to its end even when its future is dropped (a
/// `tokio::time::timeout` ran out), and the connection serves nothing else meanwhile.
#[cfg(feature = "sqlite")]
enum SqlitePoolKind {
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

#[cfg(feature = "sqlite")]
#[derive(Default)]
struct MemoryPool {
    /// Set when a statement is cancelled: the connection's progress handler then interrupts
    /// what runs; cleared once the connection is idle again (before it is handed out).
    interrupt: Arc<std::sync::atomic::AtomicBool>,
    /// While a transaction holds the only connection: the task that began it (`None` outside
    /// a Tokio task).
    transaction_task: std::sync::Mutex<Option<Option<tokio::task::Id>>>,
}

/// How many SQLite virtual-machine instructions run between two looks at
/// [`MemoryPool::interrupt`]: short statements (a `ROLLBACK`) never see it.
#[cfg(feature = "sqlite")]
const PROGRESS_OPS: i32 = 1000;

enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Connects to `url`: `sqlite::memory:`, `sqlite://path.db`, `postgres://…` or
    /// `mysql://…` (also `mariadb://…`).
    ///
    /// An in-memory SQLite database (`sqlite::memory:`, and `sqlite:` without a path, which
    /// would otherwise give each pooled connection a private database of its own) lives as
    /// long as its one connection, so its pool holds exactly one connection that never
    /// expires: every statement on the `Db` sees the same database. While a transaction holds
    /// that connection, a statement on the `Db` from the same task fails at once
    /// ([`Error::Busy`]) instead of waiting for a connection that cannot come. File databases
    /// are created if missing.
    ///
    /// A statement whose future is dropped before it finished (a timeout) does not hold up
    /// later ones: on an in-memory database it is interrupted, on a file database its
    /// connection is closed rather than reused.
    pub async fn connect(url: &str) -> Result<Db> {
        let shown = redact_url(url);
        let connect_err = |source| Error::Connect {
            url: shown.clone(),
            source,
        };
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => {
                #[cfg(feature = "sqlite")]
                {
                    use std::str::FromStr;
                    let (url, memory) = sqlite_memory_url(url);
                    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                        .map_err(connect_err)?
                        .create_if_missing(true);
                    let mut pool = sqlx::sqlite::SqlitePoolOptions::new();
                    let kind = if memory {
                        let shared = Arc::new(MemoryPool::default());
                        let (on_connect, on_release) =
                            (shared.interrupt.clone(), shared.interrupt.clone());
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
                        SqlitePoolKind::Memory(shared)
                    } else {
                        SqlitePoolKind::File
                    };
                    let pool = pool.connect_with(opts).await.map_err(connect_err)?;
                    return Ok(Db::build(Pool::Sqlite(pool), false, None, kind));
                }
                #[allow(unreachable_code)]
                Err(disabled(&shown, "sqlite"))
            }
            "postgres" | "postgresql" => {
                #[cfg(feature = "postgres")]
                {
                    let pool = sqlx::postgres::PgPoolOptions::new()
                        .test_before_acquire(false)
                        .connect(url)
                        .await
                        .map_err(connect_err)?;
                    return Ok(Db::from_postgres_pool(pool));
                }
                #[allow(unreachable_code)]
                Err(disabled(&shown, "postgres"))
            }
            "mysql" | "mariadb" => {
                #[cfg(feature = "mysql")]
                {
                    let url = url.replacen("mariadb:", "mysql:", 1);
                    let pool = sqlx::mysql::MySqlPoolOptions::new()
                        .test_before_acquire(false)
                        .connect(&url)
                        .await
                        .map_err(connect_err)?;
                    return Db::from_mysql_pool(pool).await;
                }
                #[allow(unreachable_code)]
                Err(disabled(&shown, "mysql"))
            }
            _ => Err(Error::Url {
                url: shown.clone(),
                reason: "expected a URL starting with `sqlite:`, `postgres://` or `mysql://`"
                    .into(),
            }),
        }
    }

    /// Wraps a SQLite pool you configured yourself.
    #[cfg(feature = "sqlite")]
    pub fn from_sqlite_pool(pool: sqlx::SqlitePool) -> Db {
        Db::new(Pool::Sqlite(pool), false)
    }

    /// Wraps a PostgreSQL pool you configured yourself.
    #[cfg(feature = "postgres")]
    pub fn from_postgres_pool(pool: sqlx::PgPool) -> Db {
        Db::new(Pool::Postgres(pool), false)
    }

    /// Wraps a MySQL or MariaDB pool you configured yourself (asks the server which it is, and
    /// the largest statement it accepts, `max_allowed_packet`, read once here).
    #[cfg(feature = "mysql")]
    pub async fn from_mysql_pool(pool: sqlx::MySqlPool) -> Result<Db> {
        let sql = "SELECT VERSION(), @@max_allowed_packet";
        let (version, packet): (String, u64) =
            sqlx::query_as(sql)
                .fetch_one(&pool)
                .await
                .map_err(|source| Error::Query {
                    sql: sql.into(),
                    source,
                })?;
        let packet = usize::try_from(packet).unwrap_or(usize::MAX);
        Ok(Db::build(
            Pool::MySql(pool),
            version.contains("MariaDB"),
            Some(packet),
            #[cfg(feature = "sqlite")]
            SqlitePoolKind::Foreign,
        ))
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    fn new(pool: Pool, mariadb: bool) -> Db {
        Db::build(
            pool,
            mariadb,
            None,
            #[cfg(feature = "sqlite")]
            SqlitePoolKind::Foreign,
        )
    }

    fn build(
        pool: Pool,
        mariadb: bool,
        max_packet: Option<usize>,
        #[cfg(feature = "sqlite")] sqlite: SqlitePoolKind,
    ) -> Db {
        Db {
            inner: Arc::new(Inner {
                pool,
                statements: AtomicU64::new(0),
                mariadb,
                max_packet,
                #[cfg(feature = "sqlite")]
                sqlite,
            }),
        }
    }

    /// The largest statement the server accepts, in bytes: MySQL's `max_allowed_packet`, as
    /// the server reported it when this handle was made (`None` on SQLite and PostgreSQL).
    /// Multi-row inserts are split under it; a row larger than it is refused with
    /// [`Error::Value`] before anything is sent. A later `SET GLOBAL max_allowed_packet` is
    /// not seen until a new handle is made.
    pub fn max_packet(&self) -> Option<usize> {
        self.inner.max_packet
    }

    /// The in-memory pool's state, when this is one weft built.
    #[cfg(feature = "sqlite")]
    fn memory_pool(&self) -> Option<&MemoryPool> {
        match &self.inner.sqlite {
            SqlitePoolKind::Memory(m) => Some(m),
            _ => None,
        }
    }

    fn pool_target(&self) -> Target<'_> {
        Target {
            db: self,
            conn: None,
            aborted: None,
        }
    }

    /// The backend (and SQL dialect) of this database.
    pub fn backend(&self) -> Backend {
        match self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => Backend::MySql,
        }
    }

    /// How many statements weft has sent through this handle (and its transactions) so far.
    /// Transaction control (`BEGIN`, `COMMIT`, savepoints) is not counted. Tests use it to
    /// prove how many round trips a query costs.
    pub fn statements_executed(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    /// The faster relation-loading strategy here: [`Strategy::default_for`](crate::Strategy::default_for)
    /// the backend (batched on the whole MySQL family; MySQL proper could not load in one
    /// statement anyway, its `JSON_ARRAYAGG` takes no `ORDER BY` or `LIMIT`).
    pub fn default_strategy(&self) -> crate::relation::Strategy {
        crate::relation::Strategy::default_for(self.backend())
    }

    pub(crate) fn is_mysql_proper(&self) -> bool {
        self.backend() == Backend::MySql && !self.inner.mariadb
    }

    pub(crate) fn supports_returning(&self, what: MutationKind) -> bool {
        match self.backend() {
            Backend::Sqlite | Backend::Postgres => true,
            Backend::MySql => self.inner.mariadb && what != MutationKind::Update,
        }
    }

    /// Starts a transaction. It rolls back when dropped without [`Tx::commit`].
    ///
    /// A statement that fails in it aborts it on every backend (as PostgreSQL does): later
    /// statements and [`Tx::commit`] fail with [`Error::TransactionAborted`], naming the
    /// failure, and nothing is committed. A failure inside a savepoint ([`Tx::begin`]) that
    /// is rolled back leaves the transaction usable.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        let begin_err = |source| Error::Transaction {
            action: "begin",
            source,
        };
        let conn = match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                self.check_only_connection("BEGIN")?;
                TxConn::Sqlite(TxHandle::begin(p, false).await.map_err(begin_err)?)
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                TxConn::Postgres(TxHandle::begin(p, false).await.map_err(begin_err)?)
            }
            // A MySQL connection whose statement was cancelled mid-way can be out of step with
            // the server (sqlx does not recover it): it is closed, never rolled back over.
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => TxConn::MySql(TxHandle::begin(p, true).await.map_err(begin_err)?),
        };
        Ok(Tx {
            conn,
            db: self.clone(),
            _holds: HoldsOnlyConnection::register(self),
        })
    }

    /// Runs `body` in a transaction: commits when it returns `Ok`, rolls back when it returns
    /// `Err` or panics.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// # let db = weft::Db::connect("sqlite::memory:").await?;
    /// let n = db.transaction(async |tx| {
    ///     // run queries with `.execute(&mut *tx)`, `.all(&mut *tx)`, …
    ///     Ok::<_, weft::Error>(1)
    /// }).await?;
    /// # assert_eq!(n, 1);
    /// # Ok(()) }
    /// ```
    ///
    /// The future is not `Send` (async closures cannot promise that yet); inside
    /// `tokio::spawn`, use [`Db::begin`] and [`Tx::commit`].
    pub async fn transaction<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&mut Tx<'static>) -> Result<T, E>,
        E: From<Error>,
    {
        run_in(self.begin().await?, body).await
    }

    /// Creates `tables` (each table after the tables it references), with their keys,
    /// foreign keys, unique constraints, defaults and indexes.
    ///
    /// For tests, examples and quick starts; production schemas want migrations.
    ///
    /// On the MySQL family, text columns get a binary NO PAD collation (`utf8mb4_nopad_bin` on
    /// MariaDB, `utf8mb4_0900_bin` on MySQL 8), whatever the database's default: text compares
    /// exactly, trailing spaces and case included, as on SQLite and PostgreSQL.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64 }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// db.create_tables::<(Post, User)>().await?; // any order: User is created first
    /// db.drop_tables::<(Post, User)>().await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_tables<T: Tables>(&self) -> Result<()> {
        self.create_tables_from(&T::metas()).await
    }

    /// [`create_tables`](Self::create_tables) from metadata chosen at run time.
    pub async fn create_tables_from(&self, tables: &[&TableMeta]) -> Result<()> {
        let backend = self.backend();
        let mysql_proper = self.is_mysql_proper();
        let mut tx = self.begin().await?;
        for table in in_dependency_order(tables) {
            for text in create_table_sql_for(table, backend, mysql_proper) {
                let sql = Sql {
                    backend,
                    text,
                    binds: Vec::new(),
                };
                (&mut tx).target().execute(&sql).await?;
            }
        }
        tx.commit().await
    }

    /// Drops `tables` if they exist, dependents first.
    pub async fn drop_tables<T: Tables>(&self) -> Result<()> {
        self.drop_tables_from(&T::metas()).await
    }

    /// [`drop_tables`](Self::drop_tables) from metadata chosen at run time.
    pub async fn drop_tables_from(&self, tables: &[&TableMeta]) -> Result<()> {
        let backend = self.backend();
        let mut order = in_dependency_order(tables);
        order.reverse();
        for table in order {
            let sql = Sql {
                backend,
                text: drop_table_sql(table, backend),
                binds: Vec::new(),
            };
            self.pool_target().execute(&sql).await?;
        }
        Ok(())
    }

    /// Runs one SQL statement of your own with bound values, returning the rows affected.
    /// The escape hatch for what the builder does not cover; values still travel as binds.
    pub async fn execute_sql(&self, text: &str, binds: Vec<Value>) -> Result<u64> {
        let sql = Sql {
            backend: self.backend(),
            text: text.to_owned(),
            binds,
        };
        self.pool_target().execute(&sql).await
    }
}

/// The URL to open and whether it is an in-memory database: `sqlite:` and `sqlite://`
/// without a path (which SQLite would open as a private temporary database per connection)
/// are `sqlite::memory:`.
#[cfg(feature = "sqlite")]
fn sqlite_memory_url(url: &str) -> (String, bool) {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let url = if path.is_empty() {
        let mut url = "sqlite::memory:".to_owned();
        if !params.is_empty() {
            url.push('?');
            url.push_str(params);
        }
        url
    } else {
        url.to_owned()
    };
    let memory = url.contains(":memory:") || params.split('&').any(|p| p == "mode=memory");
    (url, memory)
}

#[allow(dead_code)]
fn disabled(url: &str, feature: &str) -> Error {
    Error::Url {
        url: url.to_owned(),
        reason: format!("this build of weft lacks the `{feature}` feature"),
    }
}

async fn run_in<'c, T, E, F>(mut tx: Tx<'c>, body: F) -> Result<T, E>
where
    F: AsyncFnOnce(&mut Tx<'c>) -> Result<T, E>,
    E: From<Error>,
{
    // A panic in `body` unwinds through here and drops `tx`, which rolls it back.
    match body(&mut tx).await {
        // Refused (and rolled back) when a statement in `body` failed, even if `body`
        // ignored the error.
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// Why a transaction can run nothing more: the first statement that failed in it.
#[derive(Debug, Clone)]
pub(crate) struct Abort {
    /// The statement that failed.
    sql: String,
    /// How it failed.
    cause: String,
    /// The failure ended the whole transaction on the server (the connection was lost, a
    /// deadlock victim, an interrupted SQLite write, a cancelled statement), not only the
    /// innermost savepoint: rolling the savepoint back does not undo it.
    whole: bool,
    /// The statement was cancelled (its future dropped) before it finished.
    cancelled: bool,
}

impl Abort {
    fn refuse(&self, action: &'static str, sql: Option<&str>) -> Error {
        Error::TransactionAborted {
            action,
            sql: sql.map(str::to_owned),
            failed_sql: self.sql.clone(),
            cause: self.cause.clone(),
        }
    }

    /// The abort a failed statement causes, if it is a failure of the statement (not a
    /// value weft refused before sending, nor a row it could not decode: those leave the
    /// transaction as it was on every backend).
    fn of(error: &Error, backend: Backend) -> Option<Abort> {
        let (sql, source) = match error {
            Error::Query { sql, source } | Error::StaleStatement { sql, source } => (sql, source),
            _ => return None,
        };
        Some(Abort {
            sql: sql.clone(),
            cause: source.to_string(),
            whole: ends_transaction(source, backend),
            cancelled: false,
        })
    }
}

/// Whether `error` ends the whole transaction on the server, beyond its innermost savepoint.
/// Errors the driver raised (I/O, protocol, pool) count: the connection's state is unknown.
fn ends_transaction(error: &sqlx::Error, backend: Backend) -> bool {
    let Some(db) = error.as_database_error() else {
        return true;
    };
    let code = db.code();
    let code = code.as_deref().unwrap_or_default();
    match backend {
        // Connection exceptions, operator intervention (shutdown, cancel), internal errors.
        Backend::Postgres => ["08", "57", "XX"]
            .iter()
            .any(|class| code.starts_with(class)),
        // A deadlock (and, with `innodb_rollback_on_timeout`, a lock-wait timeout) rolls back
        // the whole InnoDB transaction; so does a lost connection.
        Backend::MySql => {
            #[cfg(feature = "mysql")]
            if let Some(e) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                && matches!(e.number(), 1205 | 1213)
            {
                return true;
            }
            code == "40001" || code.starts_with("08")
        }
        // SQLite rolls back the whole transaction on these (busy, out of memory, I/O, full,
        // interrupted, corrupt) and reports its extended code's primary part.
        Backend::Sqlite => {
            let primary = code.parse::<i32>().map_or(0, |c| c & 0xff);
            matches!(primary, 5 | 7 | 9 | 10 | 11 | 13 | 26)
        }
    }
}

/// A transaction (or savepoint) open on a connection, with its abort state: sqlx's
/// `Transaction`, plus what weft tracks.
struct TxHandle<'c, DB: sqlx::Database> {
    conn: TxOwner<'c, DB>,
    /// Rolled back when dropped while open.
    open: bool,
    aborted: Option<Abort>,
    /// The enclosing transaction's abort state, when this is a savepoint: an abort of the
    /// whole transaction reaches it when this savepoint ends.
    parent: Option<&'c mut Option<Abort>>,
    /// After a cancelled statement, close the connection instead of rolling back over it.
    close_if_cancelled: bool,
}

enum TxOwner<'c, DB: sqlx::Database> {
    Pooled(sqlx::pool::PoolConnection<DB>),
    Savepoint(&'c mut DB::Connection),
}

impl<DB: sqlx::Database> TxHandle<'static, DB> {
    async fn begin(pool: &sqlx::Pool<DB>, close_if_cancelled: bool) -> sqlx::Result<Self> {
        let mut conn = pool.acquire().await?;
        <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::begin(
            &mut conn, None,
        )
        .await?;
        Ok(TxHandle {
            conn: TxOwner::Pooled(conn),
            open: true,
            aborted: None,
            parent: None,
            close_if_cancelled,
        })
    }
}

impl<'c, DB: sqlx::Database> TxHandle<'c, DB> {
    /// The connection and the abort state, borrowed together.
    fn split(&mut self) -> (&mut DB::Connection, &mut Option<Abort>) {
        let conn = match &mut self.conn {
            TxOwner::Pooled(c) => &mut **c,
            TxOwner::Savepoint(c) => &mut **c,
        };
        (conn, &mut self.aborted)
    }

    async fn savepoint(&mut self) -> sqlx::Result<TxHandle<'_, DB>> {
        let close_if_cancelled = self.close_if_cancelled;
        let (conn, aborted) = self.split();
        <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::begin(conn, None)
            .await?;
        Ok(TxHandle {
            conn: TxOwner::Savepoint(conn),
            open: true,
            aborted: None,
            parent: Some(aborted),
            close_if_cancelled,
        })
    }

    /// Whether a statement was cancelled on a connection that must then not be used again.
    fn unusable(&self) -> bool {
        self.close_if_cancelled && self.aborted.as_ref().is_some_and(|a| a.cancelled)
    }

    async fn commit(mut self) -> sqlx::Result<()> {
        let done = <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::commit(
            self.split().0,
        )
        .await;
        if let Err(error) = &done {
            self.control_failed("RELEASE SAVEPOINT", error);
        }
        // Still open when it failed: dropping it rolls back, as sqlx does.
        self.open = done.is_err();
        done
    }

    /// Records that ending this savepoint failed: the enclosing transaction is in an unknown
    /// state.
    fn control_failed(&mut self, sql: &str, error: &sqlx::Error) {
        if let Some(parent) = self.parent.as_deref_mut()
            && parent.is_none()
        {
            *parent = Some(Abort {
                sql: sql.into(),
                cause: error.to_string(),
                whole: true,
                cancelled: false,
            });
        }
    }

    async fn rollback(mut self) -> sqlx::Result<()> {
        if self.unusable() {
            // Dropped: the connection is closed, and the server rolls back.
            return Ok(());
        }
        let done =
            <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::rollback(
                self.split().0,
            )
            .await;
        if let Err(error) = &done {
            self.control_failed("ROLLBACK TO SAVEPOINT", error);
        }
        self.open = false;
        done
    }
}

impl<DB: sqlx::Database> Drop for TxHandle<'_, DB> {
    fn drop(&mut self) {
        if let (Some(parent), Some(abort)) = (self.parent.as_deref_mut(), &self.aborted)
            && abort.whole
            && parent.is_none()
        {
            *parent = Some(abort.clone());
        }
        if !self.open {
            return;
        }
        let unusable = self.unusable();
        match &mut self.conn {
            TxOwner::Pooled(conn) if unusable => conn.close_on_drop(),
            // Its root transaction closes the connection.
            TxOwner::Savepoint(_) if unusable => {}
            _ => <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::start_rollback(
                self.split().0,
            ),
        }
    }
}

/// Marks that a transaction holds the only connection of an in-memory SQLite pool, for as
/// long as it lives (see [`Error::Busy`]).
struct HoldsOnlyConnection {
    #[cfg(feature = "sqlite")]
    db: Option<Db>,
}

impl HoldsOnlyConnection {
    #[allow(unused_variables)]
    fn register(db: &Db) -> Self {
        #[cfg(feature = "sqlite")]
        {
            let db = db.memory_pool().map(|m| {
                if let Ok(mut task) = m.transaction_task.lock() {
                    *task = Some(tokio::task::try_id());
                }
                db.clone()
            });
            HoldsOnlyConnection { db }
        }
        #[cfg(not(feature = "sqlite"))]
        HoldsOnlyConnection {}
    }

    /// A savepoint's: its root transaction holds the connection.
    fn none() -> Self {
        HoldsOnlyConnection {
            #[cfg(feature = "sqlite")]
            db: None,
        }
    }
}

impl Drop for HoldsOnlyConnection {
    fn drop(&mut self) {
        #[cfg(feature = "sqlite")]
        if let Some(m) = self.db.as_ref().and_then(Db::memory_pool)
            && let Ok(mut task) = m.transaction_task.lock()
        {
            *task = None;
        }
    }
}

/// Which statement a `RETURNING` clause is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum MutationKind {
    Insert,
    Update,
    Delete,
}

/// A transaction (or, nested, a savepoint). Dropping it without [`Tx::commit`] rolls it back.
///
/// A statement that fails in it aborts it, on every backend: see [`Db::begin`].
pub struct Tx<'c> {
    conn: TxConn<'c>,
    db: Db,
    _holds: HoldsOnlyConnection,
}

enum TxConn<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(TxHandle<'c, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(TxHandle<'c, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(TxHandle<'c, sqlx::MySql>),
}

macro_rules! on_tx {
    ($conn:expr, |$t:ident| $body:expr) => {
        match $conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite($t) => $body,
            #[cfg(feature = "postgres")]
            TxConn::Postgres($t) => $body,
            #[cfg(feature = "mysql")]
            TxConn::MySql($t) => $body,
        }
    };
}

impl<'c> Tx<'c> {
    /// Commits (a savepoint: releases it into the enclosing transaction).
    ///
    /// Fails with [`Error::TransactionAborted`], after rolling back, when a statement failed
    /// in this transaction (even one whose error was ignored): nothing of it is committed.
    pub async fn commit(self) -> Result<()> {
        if let Some(abort) = on_tx!(&self.conn, |h| h.aborted.clone()) {
            // A failed rollback is recorded in the enclosing transaction; the refusal is the
            // error that matters here.
            let _ = self.rollback().await;
            return Err(abort.refuse("commit", None));
        }
        on_tx!(self.conn, |h| h.commit().await).map_err(|source| Error::Transaction {
            action: "commit",
            source,
        })
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<()> {
        on_tx!(self.conn, |h| h.rollback().await).map_err(|source| Error::Transaction {
            action: "rollback",
            source,
        })
    }

    /// Starts a nested transaction: a savepoint that commits into this transaction.
    ///
    /// A failure inside it aborts only the savepoint, when the savepoint is rolled back
    /// (dropped, [`rollback`](Self::rollback), or a [`transaction`](Self::transaction) body
    /// returning `Err`): this transaction goes on. A failure that ends the whole transaction
    /// on the server (a lost connection, a deadlock) aborts this one too.
    pub async fn begin(&mut self) -> Result<Tx<'_>> {
        if let Some(abort) = on_tx!(&self.conn, |h| h.aborted.as_ref()) {
            return Err(abort.refuse("begin", None));
        }
        let begin_err = |source| Error::Transaction {
            action: "begin",
            source,
        };
        let conn = match &mut self.conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(h) => TxConn::Sqlite(h.savepoint().await.map_err(begin_err)?),
            #[cfg(feature = "postgres")]
            TxConn::Postgres(h) => TxConn::Postgres(h.savepoint().await.map_err(begin_err)?),
            #[cfg(feature = "mysql")]
            TxConn::MySql(h) => TxConn::MySql(h.savepoint().await.map_err(begin_err)?),
        };
        Ok(Tx {
            conn,
            db: self.db.clone(),
            _holds: HoldsOnlyConnection::none(),
        })
    }

    /// Runs `body` in a savepoint: released on `Ok`, rolled back on `Err` or panic, leaving
    /// the outer transaction open either way.
    pub async fn transaction<'s, T, E, F>(&'s mut self, body: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&mut Tx<'s>) -> Result<T, E>,
        E: From<Error>,
    {
        run_in(self.begin().await?, body).await
    }

    /// The backend of this transaction's database.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }
}

/// Where a query runs: `&Db` (a pooled connection per statement) or `&mut Tx` (inside a
/// transaction).
pub trait Executor: Send {
    #[doc(hidden)]
    fn target(&mut self) -> Target<'_>;
}

impl Executor for &Db {
    fn target(&mut self) -> Target<'_> {
        Target {
            db: self,
            conn: None,
            aborted: None,
        }
    }
}

impl Executor for Db {
    fn target(&mut self) -> Target<'_> {
        Target {
            db: self,
            conn: None,
            aborted: None,
        }
    }
}

impl Executor for &mut Tx<'_> {
    fn target(&mut self) -> Target<'_> {
        let (conn, aborted) = match &mut self.conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(h) => {
                let (c, a) = h.split();
                (ConnRef::Sqlite(c), a)
            }
            #[cfg(feature = "postgres")]
            TxConn::Postgres(h) => {
                let (c, a) = h.split();
                (ConnRef::Postgres(c), a)
            }
            #[cfg(feature = "mysql")]
            TxConn::MySql(h) => {
                let (c, a) = h.split();
                (ConnRef::MySql(c), a)
            }
        };
        Target {
            db: &self.db,
            conn: Some(conn),
            aborted: Some(aborted),
        }
    }
}

/// A borrowed place to run statements (see [`Executor`]).
#[doc(hidden)]
pub struct Target<'a> {
    db: &'a Db,
    conn: Option<ConnRef<'a>>,
    /// The transaction's abort state, when the target is a transaction.
    aborted: Option<&'a mut Option<Abort>>,
}

enum ConnRef<'a> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'a mut sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(&'a mut sqlx::MySqlConnection),
}

/// Runs `$body` (a `Result`) with `$e` bound to a sqlx executor and `$args` to the statement's
/// arguments for whichever backend the target is. `$in_tx` says whether the target is a
/// transaction (a PostgreSQL statement whose cached plan went stale is retried outside one).
macro_rules! on_target {
    ($target:expr, $sql:expr, $in_tx:expr, |$e:ident, $args:ident| $body:expr) => {{
        let target: &mut Target<'_> = $target;
        #[allow(unused_variables)] // read on PostgreSQL only
        let in_tx: bool = $in_tx;
        let db: &Db = target.db;
        match (&mut target.conn, &db.inner.pool) {
            #[cfg(feature = "sqlite")]
            (Some(ConnRef::Sqlite(c)), _) => {
                let $args = binds::sqlite($sql)?;
                let mut watch = SqliteWatch {
                    db,
                    conn: (),
                    finished: false,
                };
                let $e = &mut **c;
                let out = async { $body }.await;
                watch.finished = true;
                out
            }
            #[cfg(feature = "sqlite")]
            (None, Pool::Sqlite(p)) => {
                let $args = binds::sqlite($sql)?;
                db.check_only_connection(&$sql.text)?;
                let conn = p
                    .acquire()
                    .await
                    .map_err(|source| query_error($sql, source))?;
                let mut watch = SqliteWatch {
                    db,
                    conn,
                    finished: false,
                };
                let $e = &mut *watch.conn;
                let out = async { $body }.await;
                watch.finished = true;
                out
            }
            #[cfg(feature = "postgres")]
            (Some(ConnRef::Postgres(c)), _) => {
                let conn: &mut sqlx::PgConnection = c;
                let mut retried = false;
                loop {
                    let $args = binds::postgres($sql)?;
                    let $e = &mut *conn;
                    let out = async { $body }.await;
                    match stale_plan(conn, $sql, out, in_tx, &mut retried).await {
                        Some(out) => break out,
                        None => continue,
                    }
                }
            }
            #[cfg(feature = "postgres")]
            (None, Pool::Postgres(p)) => {
                let mut conn = p
                    .acquire()
                    .await
                    .map_err(|source| query_error($sql, source))?;
                let mut retried = false;
                loop {
                    let $args = binds::postgres($sql)?;
                    let $e = &mut *conn;
                    let out = async { $body }.await;
                    match stale_plan(&mut conn, $sql, out, false, &mut retried).await {
                        Some(out) => break out,
                        None => continue,
                    }
                }
            }
            #[cfg(feature = "mysql")]
            (Some(ConnRef::MySql(c)), _) => {
                let $args = binds::mysql($sql)?;
                let $e = &mut **c;
                $body
            }
            #[cfg(feature = "mysql")]
            (None, Pool::MySql(p)) => {
                let $args = binds::mysql($sql)?;
                let conn = p
                    .acquire()
                    .await
                    .map_err(|source| query_error($sql, source))?;
                // A connection whose statement was cancelled mid-way can be out of step with
                // the server (sqlx does not recover it): closed rather than reused.
                let mut watch = CloseIfCancelled {
                    conn,
                    finished: false,
                };
                let $e = &mut *watch.conn;
                let out = async { $body }.await;
                watch.finished = true;
                out
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("a transaction always belongs to its database's backend"),
        }
    }};
}

/// Whether `error` is PostgreSQL refusing a cached prepared statement whose result type
/// changed (a column's type altered behind weft's back).
#[cfg(feature = "postgres")]
fn is_stale_plan(error: &Error) -> bool {
    let Error::Query { source, .. } = error else {
        return false;
    };
    source
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
        .is_some_and(|e| {
            e.code() == "0A000"
                && (e.routine() == Some("RevalidateCachedQuery")
                    || e.message()
                        .contains("cached plan must not change result type"))
        })
}

/// What to do after a PostgreSQL statement ran with `out`: `Some` to return it, `None` to run
/// it once more. On a stale cached plan the connection's statement cache is cleared; outside
/// a transaction the statement runs again (it did nothing: the server refused it before
/// running it), inside one the transaction is already aborted by it, which the error says.
#[cfg(feature = "postgres")]
async fn stale_plan<T>(
    conn: &mut sqlx::PgConnection,
    sql: &Stmt<'_>,
    out: Result<T>,
    in_tx: bool,
    retried: &mut bool,
) -> Option<Result<T>> {
    let error = match out {
        Err(e) if is_stale_plan(&e) => e,
        out => return Some(out),
    };
    if let Err(source) = sqlx::Connection::clear_cached_statements(conn).await {
        return Some(Err(query_error(sql, source)));
    }
    if in_tx || *retried {
        let Error::Query { sql, source } = error else {
            return Some(Err(error));
        };
        return Some(Err(Error::StaleStatement { sql, source }));
    }
    *retried = true;
    None
}

/// A pooled connection running one statement, closed instead of reused if the statement's
/// future is dropped before it finished.
#[cfg(feature = "mysql")]
struct CloseIfCancelled<DB: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<DB>,
    finished: bool,
}

#[cfg(feature = "mysql")]
impl<DB: sqlx::Database> Drop for CloseIfCancelled<DB> {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.close_on_drop();
        }
    }
}

/// Watches one SQLite statement: when its future is dropped before it finished, keeps the
/// statement from blocking later ones (see [`SqlitePoolKind`]). `C` is the pooled connection
/// it runs on, or `()` on a transaction's or held connection.
#[cfg(feature = "sqlite")]
struct SqliteWatch<'d, C: CloseOnDrop> {
    db: &'d Db,
    conn: C,
    finished: bool,
}

#[cfg(feature = "sqlite")]
trait CloseOnDrop {
    fn close_on_drop(&mut self);
}

#[cfg(feature = "sqlite")]
impl CloseOnDrop for () {
    fn close_on_drop(&mut self) {}
}

#[cfg(feature = "sqlite")]
impl CloseOnDrop for sqlx::pool::PoolConnection<sqlx::Sqlite> {
    fn close_on_drop(&mut self) {
        sqlx::pool::PoolConnection::close_on_drop(self);
    }
}

#[cfg(feature = "sqlite")]
impl<C: CloseOnDrop> Drop for SqliteWatch<'_, C> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        match &self.db.inner.sqlite {
            // Before the connection goes back to the pool (its `after_release` waits for the
            // interrupted statement to stop, then clears this).
            SqlitePoolKind::Memory(m) => m.interrupt.store(true, Ordering::Release),
            SqlitePoolKind::File => self.conn.close_on_drop(),
            SqlitePoolKind::Foreign => {}
        }
    }
}

#[cfg(feature = "sqlite")]
impl Db {
    /// Fails at once, rather than waiting for the pool (30 s) and failing then, when the only
    /// connection of an in-memory SQLite database is held by a transaction this task opened.
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
}

/// Tracks one statement run in a transaction: refuses it when the transaction is already
/// aborted, and aborts the transaction when it fails or is cancelled (its future dropped
/// before it finished: whether it ran is unknown).
struct InTx<'a, 's> {
    aborted: Option<&'a mut Option<Abort>>,
    sql: &'s str,
    backend: Backend,
}

impl<'a, 's> InTx<'a, 's> {
    fn start(slot: &mut Option<&'a mut Option<Abort>>, sql: &'s Stmt<'_>) -> Result<Self> {
        if let Some(Some(abort)) = slot.as_deref() {
            return Err(abort.refuse("statement", Some(&sql.text)));
        }
        Ok(InTx {
            aborted: slot.take(),
            sql: &sql.text,
            backend: sql.backend,
        })
    }

    fn in_tx(&self) -> bool {
        self.aborted.is_some()
    }

    /// The statement ended with `out`: hands the transaction's state back.
    fn finish<T>(mut self, out: &Result<T>) -> Option<&'a mut Option<Abort>> {
        let slot = self.aborted.take()?;
        if slot.is_none()
            && let Err(e) = out
        {
            *slot = Abort::of(e, self.backend);
        }
        Some(slot)
    }
}

impl Drop for InTx<'_, '_> {
    fn drop(&mut self) {
        if let Some(slot) = self.aborted.as_deref_mut()
            && slot.is_none()
        {
            *slot = Some(Abort {
                sql: self.sql.to_owned(),
                cause: "the statement was cancelled (its future dropped) before it finished".into(),
                whole: true,
                cancelled: true,
            });
        }
    }
}

/// A pooled connection held for the statements of one relational query.
pub(crate) enum Held {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

impl<'a> Target<'a> {
    /// The database, for as long as the target borrows it.
    pub(crate) fn db_ref(&self) -> &'a Db {
        self.db
    }

    /// A pooled connection to run several statements on, when this target is the pool.
    pub(crate) async fn hold(&self) -> Result<Option<Held>> {
        if self.conn.is_some() {
            return Ok(None);
        }
        const ACQUIRE: &str = "(acquiring a connection)";
        let err = |source| Error::Query {
            sql: ACQUIRE.into(),
            source,
        };
        Ok(Some(match &self.db.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                self.db.check_only_connection(ACQUIRE)?;
                Held::Sqlite(p.acquire().await.map_err(err)?)
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Held::Postgres(p.acquire().await.map_err(err)?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Held::MySql(p.acquire().await.map_err(err)?),
        }))
    }

    /// A target on a held connection.
    pub(crate) fn on_held<'h>(db: &'h Db, held: &'h mut Held) -> Target<'h> {
        let conn = match held {
            #[cfg(feature = "sqlite")]
            Held::Sqlite(c) => ConnRef::Sqlite(c),
            #[cfg(feature = "postgres")]
            Held::Postgres(c) => ConnRef::Postgres(c),
            #[cfg(feature = "mysql")]
            Held::MySql(c) => ConnRef::MySql(c),
        };
        Target {
            db,
            conn: Some(conn),
            aborted: None,
        }
    }

    /// This target, reborrowed.
    pub(crate) fn reborrow(&mut self) -> Target<'_> {
        let conn = match &mut self.conn {
            None => None,
            #[cfg(feature = "sqlite")]
            Some(ConnRef::Sqlite(c)) => Some(ConnRef::Sqlite(c)),
            #[cfg(feature = "postgres")]
            Some(ConnRef::Postgres(c)) => Some(ConnRef::Postgres(c)),
            #[cfg(feature = "mysql")]
            Some(ConnRef::MySql(c)) => Some(ConnRef::MySql(c)),
        };
        Target {
            db: self.db,
            conn,
            aborted: self.aborted.as_deref_mut(),
        }
    }
}

impl Target<'_> {
    pub(crate) fn db(&self) -> &Db {
        self.db
    }

    pub(crate) fn in_transaction(&self) -> bool {
        self.conn.is_some()
    }

    /// Runs `sql` and decodes every row with `decode`, streaming (rows are decoded as they
    /// arrive; no intermediate row buffer).
    pub(crate) async fn fetch<O>(
        &mut self,
        sql: &Sql,
        decode: impl FnMut(RowRef<'_>, &str) -> Result<O> + Send,
    ) -> Result<Vec<O>>
    where
        O: Send,
    {
        self.fetch_stmt(&sql.stmt(), decode).await
    }

    /// [`fetch`](Self::fetch) for a statement whose binds may be borrowed.
    pub(crate) async fn fetch_stmt<O>(
        &mut self,
        sql: &Stmt<'_>,
        mut decode: impl FnMut(RowRef<'_>, &str) -> Result<O> + Send,
    ) -> Result<Vec<O>>
    where
        O: Send,
    {
        let db = self.db;
        let tx = InTx::start(&mut self.aborted, sql)?;
        let in_tx = tx.in_tx();
        let work = async {
            on_target!(self, sql, in_tx, |e, args| {
                let mut out = Vec::new();
                let mut rows = sqlx::query_with(AssertSqlSafe(&*sql.text), args).fetch(e);
                while let Some(row) = rows
                    .try_next()
                    .await
                    .map_err(|source| query_error(sql, source))?
                {
                    out.push(decode(row_ref(&row), &sql.text)?);
                }
                Ok(out)
            })
        };
        let out = instrumented(db, sql, work, |rows: &Vec<O>| rows.len() as u64).await;
        self.aborted = tx.finish(&out);
        out
    }

    /// Runs `sql` and decodes its first row, if any, with `decode`. Tells the driver only one
    /// row is wanted (sqlx's SQLite worker then stops stepping after it).
    pub(crate) async fn fetch_first<O>(
        &mut self,
        sql: &Sql,
        mut decode: impl FnMut(RowRef<'_>, &str) -> Result<O> + Send,
    ) -> Result<Option<O>>
    where
        O: Send,
    {
        let db = self.db;
        let sql = &sql.stmt();
        let tx = InTx::start(&mut self.aborted, sql)?;
        let in_tx = tx.in_tx();
        let work = async {
            on_target!(self, sql, in_tx, |e, args| {
                let row = sqlx::query_with(AssertSqlSafe(&*sql.text), args)
                    .fetch_optional(e)
                    .await
                    .map_err(|source| query_error(sql, source))?;
                row.map(|row| decode(row_ref(&row), &sql.text)).transpose()
            })
        };
        let out = instrumented(db, sql, work, |row: &Option<O>| u64::from(row.is_some())).await;
        self.aborted = tx.finish(&out);
        out
    }

    /// Runs `sql`, returning the number of rows affected.
    pub(crate) async fn execute(&mut self, sql: &Sql) -> Result<u64> {
        self.execute_stmt(&sql.stmt()).await
    }

    /// [`execute`](Self::execute) for a statement whose binds may be borrowed.
    pub(crate) async fn execute_stmt(&mut self, sql: &Stmt<'_>) -> Result<u64> {
        let db = self.db;
        let tx = InTx::start(&mut self.aborted, sql)?;
        let in_tx = tx.in_tx();
        let work = async {
            on_target!(self, sql, in_tx, |e, args| {
                let done = sqlx::query_with(AssertSqlSafe(&*sql.text), args)
                    .execute(e)
                    .await
                    .map_err(|source| query_error(sql, source))?;
                Ok(done.rows_affected())
            })
        };
        let out = instrumented(db, sql, work, |n: &u64| *n).await;
        self.aborted = tx.finish(&out);
        out
    }
}

fn query_error(sql: &Stmt<'_>, source: sqlx::Error) -> Error {
    Error::Query {
        sql: sql.text.clone().into_owned(),
        source,
    }
}

/// Runs one statement's `work` inside its tracing span, counting it and recording the rows it
/// returned or affected (`rows`) and how long it took.
async fn instrumented<T>(
    db: &Db,
    sql: &Stmt<'_>,
    work: impl Future<Output = Result<T>>,
    rows: impl Fn(&T) -> u64,
) -> Result<T> {
    let span = statement_span(sql);
    let started = Instant::now();
    db.inner.statements.fetch_add(1, Ordering::Relaxed);
    let out = work.instrument(span.clone()).await?;
    if !span.is_disabled() {
        span.record("rows", rows(&out));
        span.record("elapsed_us", started.elapsed().as_micros() as u64);
    }
    Ok(out)
}

trait AsRowRef {
    fn row_ref(&self) -> RowRef<'_>;
}

#[cfg(feature = "sqlite")]
impl AsRowRef for sqlx::sqlite::SqliteRow {
    fn row_ref(&self) -> RowRef<'_> {
        RowRef::Sqlite(self)
    }
}
#[cfg(feature = "postgres")]
impl AsRowRef for sqlx::postgres::PgRow {
    fn row_ref(&self) -> RowRef<'_> {
        RowRef::Postgres(self)
    }
}
#[cfg(feature = "mysql")]
impl AsRowRef for sqlx::mysql::MySqlRow {
    fn row_ref(&self) -> RowRef<'_> {
        RowRef::MySql(self)
    }
}

fn row_ref<R: AsRowRef>(row: &R) -> RowRef<'_> {
    row.row_ref()
}

fn statement_span(sql: &Stmt<'_>) -> tracing::Span {
    tracing::debug_span!(
        "weft.statement",
        db.system = %sql.backend,
        db.statement = %sql.text,
        rows = tracing::field::Empty,
        elapsed_us = tracing::field::Empty,
    )
}

/// Turning [`Value`]s into each driver's arguments, by reference: nothing is copied on the
/// way except into the driver's own buffers.
mod binds {
    use super::*;
    use sqlx::error::BoxDynError;

    fn value_err(sql: &Stmt<'_>, index: usize, reason: String) -> Error {
        if reason == crate::render::TOO_DEEP {
            return Error::TooDeep {
                limit: crate::expr::MAX_EXPRESSION_DEPTH,
                sql: sql.text.clone().into_owned(),
            };
        }
        Error::Value {
            index: index + 1,
            backend: sql.backend,
            reason,
            sql: sql.text.clone().into_owned(),
        }
    }

    /// Adds `$v` to `$args`: the backend's own arms first, then the values every driver
    /// encodes the same way.
    macro_rules! add_value {
        ($args:ident, $v:expr, { $($special:tt)* }) => {
            // A backend's own arm may shadow a common one.
            #[allow(unreachable_patterns)]
            match $v {
                $($special)*
                Value::Bool(b) => $args.add(*b),
                Value::I16(i) => $args.add(*i),
                Value::I32(i) => $args.add(*i),
                Value::I64(i) => $args.add(*i),
                Value::F32(f) => $args.add(*f),
                Value::F64(f) => $args.add(*f),
                Value::Text(s) => $args.add(s.as_str()),
                Value::Bytes(b) => $args.add(b.as_slice()),
                #[cfg(feature = "chrono")]
                Value::Timestamp(t) => $args.add(*t),
                #[cfg(feature = "chrono")]
                Value::LocalTimestamp(t) => $args.add(*t),
                #[cfg(feature = "chrono")]
                Value::Date(d) => $args.add(*d),
                #[cfg(feature = "uuid")]
                Value::Uuid(u) => $args.add(*u),
                // Refused by `check_storable` on the backends without arrays.
                Value::IntList(_) | Value::TextList(_) | Value::Array(..) => Err("array parameters are PostgreSQL-only".into()),
                // Refused by `check_storable` before any value is added.
                Value::Unencodable(why) => Err(why.clone().into()),
            }
        };
    }

    /// Typed NULLs: PostgreSQL infers parameter types and rejects `text` where it wanted
    /// `bigint`, so a NULL carries its column's type.
    macro_rules! add_null {
        ($args:ident, $ty:expr, json = $json:ty, decimal = $dec:ty) => {{
            use crate::value::SqlType as T;
            match $ty {
                T::Bool => $args.add(None::<bool>),
                T::SmallInt => $args.add(None::<i16>),
                T::Int => $args.add(None::<i32>),
                T::BigInt => $args.add(None::<i64>),
                T::Real => $args.add(None::<f32>),
                T::Double => $args.add(None::<f64>),
                T::Blob => $args.add(None::<Vec<u8>>),
                #[cfg(feature = "chrono")]
                T::Timestamp => $args.add(None::<chrono::DateTime<chrono::Utc>>),
                #[cfg(feature = "chrono")]
                T::LocalTimestamp => $args.add(None::<chrono::NaiveDateTime>),
                #[cfg(feature = "chrono")]
                T::Date => $args.add(None::<chrono::NaiveDate>),
                #[cfg(feature = "uuid")]
                T::Uuid => $args.add(None::<uuid::Uuid>),
                T::Json => $args.add(None::<$json>),
                T::Decimal => $args.add(None::<$dec>),
                _ => $args.add(None::<String>),
            }
        }};
    }

    fn encode_all<A: sqlx::Arguments>(
        sql: &Stmt<'_>,
        mut args: A,
        mut add: impl FnMut(&mut A, BindRef<'_>) -> Result<(), BoxDynError>,
    ) -> Result<A> {
        let n = sql.binds.len();
        args.reserve(n, 0);
        for i in 0..n {
            let bind = sql.binds.get(i);
            // Nothing a backend would change is sent: checked before encoding.
            let checked = match bind.array() {
                Err(v) => v.check_storable(sql.backend),
                Ok(_) if sql.backend != Backend::Postgres => {
                    Err("array parameters are PostgreSQL-only".into())
                }
                Ok((ty, elements)) => crate::value::check_elements(ty, elements, sql.backend),
            };
            checked.map_err(|why| value_err(sql, i, why.into_owned()))?;
            add(&mut args, bind).map_err(|e| value_err(sql, i, e.to_string()))?;
        }
        Ok(args)
    }

    /// The one value of a bind on the backends without array parameters.
    #[cfg(any(feature = "sqlite", feature = "mysql"))]
    fn scalar(bind: BindRef<'_>) -> Result<&Value, BoxDynError> {
        match bind {
            BindRef::Value(v) => Ok(v),
            BindRef::Column { .. } => Err("array parameters are PostgreSQL-only".into()),
        }
    }

    #[cfg(feature = "sqlite")]
    pub(super) fn sqlite(sql: &Stmt<'_>) -> Result<sqlx::sqlite::SqliteArguments> {
        let limit = Backend::Sqlite.max_bind_params();
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
            |args: &mut sqlx::sqlite::SqliteArguments, bind| {
                // sqlx's SQLite arguments own their text and bytes: `&str` and `&[u8]` are
                // copied once, into them (see `Insert`'s `BindSink` on why not moved).
                add_value!(args, scalar(bind)?, {
                    Value::Null(t) => add_null!(args, *t, json = String, decimal = String),
                    #[cfg(feature = "json")]
                    Value::Json(s) => args.add(s.as_str()),
                    // SQLite has no decimal type: the exact text is stored.
                    #[cfg(feature = "rust_decimal")]
                    Value::Decimal(d) => args.add(d.to_string()),
                })
            },
        )
    }

    #[cfg(feature = "postgres")]
    pub(super) fn postgres(sql: &Stmt<'_>) -> Result<sqlx::postgres::PgArguments> {
        encode_all(
            sql,
            Default::default(),
            |args: &mut sqlx::postgres::PgArguments, bind| {
                // Arrays (`Value::Array`, a column of a multi-row insert) have elements.
                let v = match bind.array() {
                    Ok((ty, elements)) => return pg_array(args, ty, elements),
                    Err(v) => v,
                };
                add_value!(args, v, {
                    Value::Null(t) => add_null!(args, *t, json = PgJsonNull, decimal = PgDecimalNull),
                    #[cfg(feature = "json")]
                    Value::Json(s) => args.add(pg_json::RawJson(s)),
                    #[cfg(feature = "rust_decimal")]
                    Value::Decimal(d) => args.add(crate::decimal::PgDecimal(*d)),
                    Value::IntList(list) => args.add(list.as_slice()),
                    Value::TextList(list) => args.add(list.as_slice()),
                })
            },
        )
    }

    /// Adds one array of `ty` (a column of a multi-row insert), encoding straight from the
    /// values, whose types `check_elements` has checked (so anything else is a `Null`).
    #[cfg(feature = "postgres")]
    fn pg_array(
        args: &mut sqlx::postgres::PgArguments,
        ty: crate::value::SqlType,
        elements: crate::render::Elements<'_>,
    ) -> Result<(), BoxDynError> {
        use crate::value::SqlType as T;
        use sqlx::postgres::PgBindIterExt as _;
        macro_rules! array {
            ($variant:ident, |$x:ident| $e:expr) => {
                args.add(
                    elements
                        .map(|v| match v {
                            Some(Value::$variant($x)) => Some($e),
                            _ => None,
                        })
                        .bind_iter(),
                )
            };
        }
        match ty {
            T::Bool => array!(Bool, |b| *b),
            T::SmallInt => array!(I16, |i| *i),
            T::Int => array!(I32, |i| *i),
            T::BigInt => array!(I64, |i| *i),
            T::Real => array!(F32, |f| *f),
            T::Double => array!(F64, |f| *f),
            T::Text => array!(Text, |s| s.as_str()),
            T::Blob => array!(Bytes, |b| b.as_slice()),
            #[cfg(feature = "chrono")]
            T::Timestamp => array!(Timestamp, |t| *t),
            #[cfg(feature = "chrono")]
            T::LocalTimestamp => array!(LocalTimestamp, |t| *t),
            #[cfg(feature = "chrono")]
            T::Date => array!(Date, |d| *d),
            #[cfg(feature = "uuid")]
            T::Uuid => array!(Uuid, |u| *u),
            #[cfg(feature = "rust_decimal")]
            T::Decimal => array!(Decimal, |d| crate::decimal::PgDecimal(*d)),
            #[cfg(feature = "json")]
            T::Json => array!(Json, |s| pg_json::RawJson(s)),
            #[allow(unreachable_patterns)]
            other => Err(format!("no array parameter for {other:?} columns").into()),
        }
    }

    /// Serialized JSON sent as `jsonb` as it is, borrowed (no copy, no re-parse). The server
    /// parses it, so text that is not JSON is refused there, never stored.
    #[cfg(all(feature = "postgres", feature = "json"))]
    mod pg_json {
        use sqlx::encode::{Encode, IsNull};
        use sqlx::error::BoxDynError;
        use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, Postgres};

        type Jsonb = sqlx::types::Json<()>;

        pub(super) struct RawJson<'a>(pub(super) &'a str);

        impl sqlx::Type<Postgres> for RawJson<'_> {
            fn type_info() -> PgTypeInfo {
                <Jsonb as sqlx::Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <Jsonb as sqlx::Type<Postgres>>::compatible(ty)
            }
        }

        impl PgHasArrayType for RawJson<'_> {
            fn array_type_info() -> PgTypeInfo {
                <Jsonb as PgHasArrayType>::array_type_info()
            }
            fn array_compatible(ty: &PgTypeInfo) -> bool {
                <Jsonb as PgHasArrayType>::array_compatible(ty)
            }
        }

        impl Encode<'_, Postgres> for RawJson<'_> {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                // The bytes of sqlx's `Json<T>` as a `jsonb` parameter (its type above, and
                // weft's JSON columns are JSONB): the format version, then the text.
                buf.push(1);
                buf.extend_from_slice(self.0.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    #[cfg(all(feature = "postgres", feature = "json"))]
    type PgJsonNull = sqlx::types::Json<Box<serde_json::value::RawValue>>;
    #[cfg(all(feature = "postgres", not(feature = "json")))]
    type PgJsonNull = String;
    #[cfg(all(feature = "postgres", feature = "rust_decimal"))]
    type PgDecimalNull = rust_decimal::Decimal;
    #[cfg(all(feature = "postgres", not(feature = "rust_decimal")))]
    type PgDecimalNull = String;

    #[cfg(feature = "mysql")]
    pub(super) fn mysql(sql: &Stmt<'_>) -> Result<sqlx::mysql::MySqlArguments> {
        encode_all(
            sql,
            Default::default(),
            |args: &mut sqlx::mysql::MySqlArguments, bind| {
                add_value!(args, scalar(bind)?, {
                    Value::Null(t) => add_null!(args, *t, json = String, decimal = String),
                    #[cfg(feature = "json")]
                    Value::Json(s) => args.add(s.as_str()),
                    #[cfg(feature = "rust_decimal")]
                    Value::Decimal(d) => args.add(*d),
                    // sqlx sends DateTime<Utc> as a TIMESTAMP parameter, whose range (1970–2038)
                    // MariaDB enforces by storing NULL. weft's columns are DATETIME(6), holding
                    // UTC: send the UTC wall-clock time as a DATETIME.
                    #[cfg(feature = "chrono")]
                    Value::Timestamp(t) => args.add(t.naive_utc()),
                })
            },
        )
    }
}

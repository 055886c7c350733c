//! The database handle: connecting to a URL or wrapping a pool, what weft knows of the server,
//! and the operations on the handle itself (starting transactions, creating and dropping
//! tables, raw statements).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::Executor;
use super::run::Target;
use super::tx::{Tx, TxFuture, run_boxed, run_in};
use crate::backend::Backend;
use crate::dialect::Sql;
use crate::dialect::{Capabilities, Dialect, Strategy};
use crate::dialect::{create_table_sql, drop_table_sql};
use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::schema::{TableMeta, Tables, in_dependency_order};
use crate::value::Value;

/// The default slow-statement threshold: one second.
const DEFAULT_SLOW_US: u64 = 1_000_000;

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
    pub(super) inner: Arc<Inner>,
    /// Every statement goes to the primary ([`Db::on_primary`]).
    pub(super) primary_only: bool,
    /// This handle's own statement timeout, before the default: `Some(Some(t))` from
    /// [`Db::with_statement_timeout`], `Some(None)` from [`Db::without_statement_timeout`].
    pub(super) timeout: Option<Option<Duration>>,
}

/// A driver, the dialect of its server, and counters.
pub(super) struct Inner {
    pub(super) driver: Box<dyn Driver>,
    /// Read replicas, where plain reads on the pool go (none for one server).
    pub(super) replicas: super::replicas::Replicas,
    pub(super) statements: AtomicU64,
    /// Statements slower than this many microseconds are logged at `warn` (`u64::MAX`: none).
    slow_us: AtomicU64,
    /// The default statement timeout, in microseconds (0: none); see
    /// [`Db::set_statement_timeout`].
    timeout_us: AtomicU64,
    /// How the server spells SQL and what it can do (MariaDB and MySQL proper share a
    /// driver; the server's version tells them apart).
    pub(super) dialect: &'static dyn Dialect,
    /// Read from the driver once: asked for at every statement.
    backend: Backend,
    /// MySQL's `max_allowed_packet` as the server reported it when the handle was made: the
    /// largest statement it accepts (multi-row inserts are split under it).
    max_packet: Option<usize>,
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
    /// SQLite runs on weft's own connections (the native driver, through rusqlite): a
    /// file database in WAL mode, with up to 10 connections. Short statements run in place on
    /// the calling task; long reads, statements that must wait for a lock and statements with
    /// many binds run on a blocking thread (`spawn_blocking`), so the runtime is not stalled.
    /// A statement whose future is dropped before it finished (a timeout) is interrupted and
    /// does not hold up later ones.
    pub async fn connect(url: &str) -> Result<Db> {
        Ok(Db::from_driver(crate::driver::url::connect(url).await?))
    }

    /// Wraps a SQLite pool of sqlx's that you configured yourself (statements then run
    /// through sqlx's SQLite driver, left as configured; `Db::connect` uses weft's faster
    /// native driver).
    #[cfg(feature = "sqlite")]
    pub fn from_sqlite_pool(pool: sqlx::SqlitePool) -> Db {
        Db::from_driver(Box::new(crate::driver::SqliteDriver::from_pool(pool)))
    }

    /// Wraps a PostgreSQL pool you configured yourself.
    ///
    /// The pool is taken to be PostgreSQL's (the server is not asked its version here, as
    /// [`Db::connect`] does to recognise CockroachDB).
    #[cfg(feature = "postgres")]
    pub fn from_postgres_pool(pool: sqlx::PgPool) -> Db {
        Db::from_driver(Box::new(crate::driver::PgDriver::from_pool(pool)))
    }

    /// Wraps a MySQL or MariaDB pool you configured yourself (asks the server which it is, and
    /// the largest statement it accepts, `max_allowed_packet`, read once here).
    #[cfg(feature = "mysql")]
    pub async fn from_mysql_pool(pool: sqlx::MySqlPool) -> Result<Db> {
        let driver = crate::driver::MySqlDriver::from_pool(pool).await?;
        Ok(Db::from_driver(Box::new(driver)))
    }

    /// A handle on `driver`, speaking the dialect of the server it reached.
    pub(crate) fn from_driver(driver: Box<dyn Driver>) -> Db {
        Db::from_parts(driver, super::replicas::Replicas::default())
    }

    /// A handle on a primary's `driver` and its `replicas`.
    pub(super) fn from_parts(driver: Box<dyn Driver>, replicas: super::replicas::Replicas) -> Db {
        let server = driver.server();
        let (backend, max_packet) = (server.backend, server.max_packet);
        let dialect = crate::dialect::for_server(backend, &server.version);
        Db {
            primary_only: false,
            timeout: None,
            inner: Arc::new(Inner {
                driver,
                replicas,
                statements: AtomicU64::new(0),
                slow_us: AtomicU64::new(DEFAULT_SLOW_US),
                timeout_us: AtomicU64::new(0),
                dialect,
                backend,
                max_packet,
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

    fn pool_target(&self) -> Target<'_> {
        Target {
            db: self,
            conn: None,
            aborted: None,
        }
    }

    /// The backend (and SQL dialect) of this database.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// How many statements weft has sent through this handle (and its transactions) so far.
    /// Transaction control (`BEGIN`, `COMMIT`, savepoints) is not counted, nor the setting of
    /// a statement timeout ([`set_statement_timeout`](Self::set_statement_timeout)). Tests use it to
    /// prove how many round trips a query costs.
    pub fn statements_executed(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    /// Logs every statement that takes `threshold` or longer as a `warn` event (target
    /// `weft::exec`, with its SQL and duration; never its values); `None` logs none. Applies
    /// to this handle and its clones. The default is one second.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// db.set_slow_statement_threshold(Some(std::time::Duration::from_millis(200)));
    /// assert_eq!(db.slow_statement_threshold(), Some(std::time::Duration::from_millis(200)));
    /// # Ok(()) }
    /// ```
    pub fn set_slow_statement_threshold(&self, threshold: Option<Duration>) {
        let us = threshold.map_or(u64::MAX, |t| {
            u64::try_from(t.as_micros()).unwrap_or(u64::MAX)
        });
        self.inner.slow_us.store(us, Ordering::Relaxed);
    }

    /// The slow-statement threshold (see
    /// [`set_slow_statement_threshold`](Self::set_slow_statement_threshold)).
    pub fn slow_statement_threshold(&self) -> Option<Duration> {
        match self.inner.slow_us.load(Ordering::Relaxed) {
            u64::MAX => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    /// Sets the statement timeout of this handle and its clones (and of the transactions and
    /// sessions begun on them): a statement that runs longer is stopped and fails with
    /// [`Error::Timeout`] ([`Error::is_timeout`]); `None` (the default) sets none. A handle
    /// made with [`with_statement_timeout`](Self::with_statement_timeout) keeps its own.
    ///
    /// The timeout bounds each statement, not a whole query: a relational query loading its
    /// relations batched runs one statement per level, each with the whole timeout. How it is
    /// kept depends on the dialect ([`Dialect::statement_timeout`]): the server stops the
    /// statement on PostgreSQL (`SET statement_timeout` before it and `RESET` after, on its
    /// connection: two more round trips) and MariaDB (`SET STATEMENT max_statement_time=… FOR`
    /// in the statement itself); on SQLite weft interrupts the statement at the deadline (read
    /// or write; a timed write commits only if it ran to its end). For a default without the round
    /// trips on PostgreSQL, set it on the server (`ALTER ROLE … SET statement_timeout`, or
    /// `?options=-c%20statement_timeout%3D5s` in the URL); its errors are
    /// [`is_timeout`](Error::is_timeout) too.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// use std::time::Duration;
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// db.set_statement_timeout(Some(Duration::from_secs(5)));
    /// assert_eq!(db.statement_timeout(), Some(Duration::from_secs(5)));
    /// # Ok(()) }
    /// ```
    pub fn set_statement_timeout(&self, timeout: Option<Duration>) {
        let us = timeout.map_or(0, |t| {
            // Rounded up: a timeout under a microsecond is still one.
            u64::try_from(t.as_nanos().div_ceil(1_000))
                .unwrap_or(u64::MAX)
                .max(1)
        });
        self.inner.timeout_us.store(us, Ordering::Relaxed);
    }

    /// A handle on the same pool whose statements (and the transactions and sessions begun on
    /// it) are stopped after `timeout`, whatever the default
    /// ([`set_statement_timeout`](Self::set_statement_timeout), which says how): the
    /// per-query timeout, for any query, since every query runs on a handle.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64 }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// use std::time::Duration;
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// # db.create_tables::<User>().await?;
    /// let users: Vec<User> = weft::select::<User>()
    ///     .all(&db.with_statement_timeout(Duration::from_millis(500)))
    ///     .await?;
    /// # assert!(users.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn with_statement_timeout(&self, timeout: Duration) -> Db {
        Db {
            inner: self.inner.clone(),
            primary_only: self.primary_only,
            timeout: Some(Some(timeout)),
        }
    }

    /// A handle on the same pool whose statements run without a timeout, whatever the
    /// default: for the statements that may take long on purpose (a report, a batch job).
    /// [`Db::migrate`] runs its statements so (a migration's DDL, and the wait for the
    /// migration lock, can take longer than a request's timeout).
    pub fn without_statement_timeout(&self) -> Db {
        Db {
            inner: self.inner.clone(),
            primary_only: self.primary_only,
            timeout: Some(None),
        }
    }

    /// The timeout this handle's statements run with (see
    /// [`set_statement_timeout`](Self::set_statement_timeout)).
    pub fn statement_timeout(&self) -> Option<Duration> {
        self.timeout
            .unwrap_or(match self.inner.timeout_us.load(Ordering::Relaxed) {
                0 => None,
                us => Some(Duration::from_micros(us)),
            })
    }

    /// The faster relation-loading strategy here for a query that loads no many-to-many
    /// relation, from the dialect's capabilities (batched everywhere; a query loading a
    /// many-to-many relation on SQLite defaults to one statement: see
    /// [`FindMany::strategy_on`](crate::FindMany::strategy_on)).
    pub fn default_strategy(&self) -> Strategy {
        self.capabilities().default_strategy
    }

    /// How this database spells SQL: chosen from the server's version where one wire protocol
    /// serves several dialects (MariaDB and MySQL proper).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// assert_eq!(db.dialect().name(), "SQLite");
    /// assert!(db.capabilities().returning_on_update);
    /// # Ok(()) }
    /// ```
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.inner.dialect
    }

    /// What this database can do (the dialect's capability record).
    pub fn capabilities(&self) -> &'static Capabilities {
        self.inner.dialect.capabilities()
    }

    /// Starts a transaction. It rolls back when dropped without [`Tx::commit`].
    ///
    /// A statement that fails in it aborts it on every backend (as PostgreSQL does): later
    /// statements and [`Tx::commit`] fail with [`Error::TransactionAborted`], naming the
    /// failure, and nothing is committed. A failure inside a savepoint ([`Tx::begin`]) that
    /// is rolled back leaves the transaction usable.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        let conn = self.inner.driver.begin().await?;
        Ok(Tx::new(conn, self.clone()))
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
    /// The future is not `Send` (Rust cannot yet promise that an async closure's future is
    /// `Send` for every borrow of the transaction): inside `tokio::spawn` or a web handler
    /// (axum, actix) rustc refuses it with "implementation of `AsyncFnOnce` is not general
    /// enough". Use [`Db::transaction_send`] there, or [`Db::begin`] and [`Tx::commit`].
    pub async fn transaction<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&mut Tx<'static>) -> Result<T, E>,
        E: From<Error>,
    {
        run_in(self.begin().await?, body).await
    }

    /// [`transaction`](Self::transaction) for `tokio::spawn` and web handlers: the body is a
    /// closure returning its future boxed (`Box::pin(async move { … })`), and the future of
    /// the whole transaction is `Send`. Commits when the body returns `Ok`, rolls back when it
    /// returns `Err`, panics or is dropped (a cancelled request).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// let task = tokio::spawn(async move {
    ///     db.transaction_send(|tx| Box::pin(async move {
    ///         // run queries with `.execute(&mut *tx)`, `.all(&mut *tx)`, …
    ///         weft::raw("SELECT 1").execute(&mut *tx).await?;
    ///         Ok::<_, weft::Error>(1)
    ///     }))
    ///     .await
    /// });
    /// assert_eq!(task.await.unwrap()?, 1);
    /// # Ok(()) }
    /// ```
    pub async fn transaction_send<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: for<'t> FnOnce(&'t mut Tx<'static>) -> TxFuture<'t, Result<T, E>>,
        E: From<Error>,
    {
        run_boxed(self.begin().await?, body).await
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
    pub async fn create_tables_from(&self, tables: &[&'static TableMeta]) -> Result<()> {
        let mut tx = self.begin().await?;
        for table in in_dependency_order(tables) {
            for text in create_table_sql(table, self.dialect()) {
                let sql = Sql {
                    dialect: self.dialect(),
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
        let mut order = in_dependency_order(tables);
        order.reverse();
        for table in order {
            let sql = Sql {
                dialect: self.dialect(),
                text: drop_table_sql(table, self.dialect()),
                binds: Vec::new(),
            };
            self.pool_target().execute(&sql).await?;
        }
        Ok(())
    }

    /// Runs one SQL statement of your own with bound values, returning the rows affected.
    /// The escape hatch for what the builder does not cover; values still travel as binds.
    ///
    /// The text goes to the server as written, placeholders included (`$1` on PostgreSQL, `?`
    /// elsewhere). [`weft::raw`](crate::raw) is the typed form: `?` on every database,
    /// placeholders counted against the values, rows read into your types, and it runs in a
    /// transaction too.
    pub async fn execute_sql(&self, text: &str, binds: Vec<Value>) -> Result<u64> {
        let sql = Sql {
            dialect: self.dialect(),
            text: text.to_owned(),
            binds,
        };
        self.pool_target().execute(&sql).await
    }
}

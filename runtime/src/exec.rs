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
}

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
    /// An in-memory SQLite database lives as long as its one connection, so its pool holds
    /// exactly one connection that never expires. File databases are created if missing.
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
                    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                        .map_err(connect_err)?
                        .create_if_missing(true);
                    let memory = url.contains(":memory:") || url.contains("mode=memory");
                    let mut pool = sqlx::sqlite::SqlitePoolOptions::new();
                    if memory {
                        pool = pool
                            .max_connections(1)
                            .min_connections(1)
                            .idle_timeout(None)
                            .max_lifetime(None);
                    }
                    let pool = pool.connect_with(opts).await.map_err(connect_err)?;
                    return Ok(Db::from_sqlite_pool(pool));
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
        Ok(Db::with_packet(
            Pool::MySql(pool),
            version.contains("MariaDB"),
            Some(packet),
        ))
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    fn new(pool: Pool, mariadb: bool) -> Db {
        Db::with_packet(pool, mariadb, None)
    }

    fn with_packet(pool: Pool, mariadb: bool, max_packet: Option<usize>) -> Db {
        Db {
            inner: Arc::new(Inner {
                pool,
                statements: AtomicU64::new(0),
                mariadb,
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
    pub async fn begin(&self) -> Result<Tx<'static>> {
        let begin_err = |source| Error::Transaction {
            action: "begin",
            source,
        };
        let conn = match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => TxConn::Sqlite(p.begin().await.map_err(begin_err)?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => TxConn::Postgres(p.begin().await.map_err(begin_err)?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => TxConn::MySql(p.begin().await.map_err(begin_err)?),
        };
        Ok(Tx {
            conn,
            db: self.clone(),
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

/// Which statement a `RETURNING` clause is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum MutationKind {
    Insert,
    Update,
    Delete,
}

/// A transaction (or, nested, a savepoint). Dropping it without [`Tx::commit`] rolls it back.
pub struct Tx<'c> {
    conn: TxConn<'c>,
    db: Db,
}

enum TxConn<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'c, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'c, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'c, sqlx::MySql>),
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
    /// Commits.
    pub async fn commit(self) -> Result<()> {
        on_tx!(self.conn, |t| t.commit().await).map_err(|source| Error::Transaction {
            action: "commit",
            source,
        })
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<()> {
        on_tx!(self.conn, |t| t.rollback().await).map_err(|source| Error::Transaction {
            action: "rollback",
            source,
        })
    }

    /// Starts a nested transaction: a savepoint that commits into this transaction.
    pub async fn begin(&mut self) -> Result<Tx<'_>> {
        let begin_err = |source| Error::Transaction {
            action: "begin",
            source,
        };
        let conn = match &mut self.conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(t) => TxConn::Sqlite(sqlx::Acquire::begin(t).await.map_err(begin_err)?),
            #[cfg(feature = "postgres")]
            TxConn::Postgres(t) => {
                TxConn::Postgres(sqlx::Acquire::begin(t).await.map_err(begin_err)?)
            }
            #[cfg(feature = "mysql")]
            TxConn::MySql(t) => TxConn::MySql(sqlx::Acquire::begin(t).await.map_err(begin_err)?),
        };
        Ok(Tx {
            conn,
            db: self.db.clone(),
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
        }
    }
}

impl Executor for Db {
    fn target(&mut self) -> Target<'_> {
        Target {
            db: self,
            conn: None,
        }
    }
}

impl Executor for &mut Tx<'_> {
    fn target(&mut self) -> Target<'_> {
        let conn = match &mut self.conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(t) => ConnRef::Sqlite(t),
            #[cfg(feature = "postgres")]
            TxConn::Postgres(t) => ConnRef::Postgres(t),
            #[cfg(feature = "mysql")]
            TxConn::MySql(t) => ConnRef::MySql(t),
        };
        Target {
            db: &self.db,
            conn: Some(conn),
        }
    }
}

/// A borrowed place to run statements (see [`Executor`]).
#[doc(hidden)]
pub struct Target<'a> {
    db: &'a Db,
    conn: Option<ConnRef<'a>>,
}

enum ConnRef<'a> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'a mut sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(&'a mut sqlx::MySqlConnection),
}

/// Runs `$body` with `$e` bound to a sqlx executor and `$args` to the statement's arguments
/// for whichever backend the target is.
macro_rules! on_target {
    ($target:expr, $sql:expr, |$e:ident, $args:ident| $body:expr) => {{
        let target: &mut Target<'_> = $target;
        match (&mut target.conn, &target.db.inner.pool) {
            #[cfg(feature = "sqlite")]
            (Some(ConnRef::Sqlite(c)), _) => {
                let $args = binds::sqlite($sql)?;
                let $e = &mut **c;
                $body
            }
            #[cfg(feature = "sqlite")]
            (None, Pool::Sqlite(p)) => {
                let $args = binds::sqlite($sql)?;
                let $e = p;
                $body
            }
            #[cfg(feature = "postgres")]
            (Some(ConnRef::Postgres(c)), _) => {
                let $args = binds::postgres($sql)?;
                let $e = &mut **c;
                $body
            }
            #[cfg(feature = "postgres")]
            (None, Pool::Postgres(p)) => {
                let $args = binds::postgres($sql)?;
                let $e = p;
                $body
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
                let $e = p;
                $body
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("a transaction always belongs to its database's backend"),
        }
    }};
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
        let err = |source| Error::Query {
            sql: "(acquiring a connection)".into(),
            source,
        };
        Ok(Some(match &self.db.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Held::Sqlite(p.acquire().await.map_err(err)?),
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
        Target { db: self.db, conn }
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
        let work = async {
            let mut out = Vec::new();
            on_target!(self, sql, |e, args| {
                let mut rows = sqlx::query_with(AssertSqlSafe(&*sql.text), args).fetch(e);
                while let Some(row) = rows
                    .try_next()
                    .await
                    .map_err(|source| query_error(sql, source))?
                {
                    out.push(decode(row_ref(&row), &sql.text)?);
                }
            });
            Ok(out)
        };
        instrumented(db, sql, work, |rows: &Vec<O>| rows.len() as u64).await
    }

    /// Runs `sql` and decodes its first row, if any, with `decode`. Tells the driver only one
    /// row is wanted (sqlx's SQLite worker then stops stepping after it).
    pub(crate) async fn fetch_first<O>(
        &mut self,
        sql: &Sql,
        decode: impl FnOnce(RowRef<'_>, &str) -> Result<O> + Send,
    ) -> Result<Option<O>>
    where
        O: Send,
    {
        let db = self.db;
        let sql = &sql.stmt();
        let work = async {
            on_target!(self, sql, |e, args| {
                let row = sqlx::query_with(AssertSqlSafe(&*sql.text), args)
                    .fetch_optional(e)
                    .await
                    .map_err(|source| query_error(sql, source))?;
                row.map(|row| decode(row_ref(&row), &sql.text)).transpose()
            })
        };
        instrumented(db, sql, work, |row: &Option<O>| u64::from(row.is_some())).await
    }

    /// Runs `sql`, returning the number of rows affected.
    pub(crate) async fn execute(&mut self, sql: &Sql) -> Result<u64> {
        self.execute_stmt(&sql.stmt()).await
    }

    /// [`execute`](Self::execute) for a statement whose binds may be borrowed.
    pub(crate) async fn execute_stmt(&mut self, sql: &Stmt<'_>) -> Result<u64> {
        let db = self.db;
        let work = async {
            on_target!(self, sql, |e, args| {
                let done = sqlx::query_with(AssertSqlSafe(&*sql.text), args)
                    .execute(e)
                    .await
                    .map_err(|source| query_error(sql, source))?;
                Ok(done.rows_affected())
            })
        };
        instrumented(db, sql, work, |n: &u64| *n).await
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

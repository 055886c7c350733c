//! The database handle: connecting to a URL or wrapping a pool, what weft knows of the server,
//! and the operations on the handle itself (starting transactions, creating and dropping
//! tables, raw statements).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Executor;
use super::run::Target;
#[cfg(feature = "sqlite")]
use super::sqlite::{MemoryPool, PROGRESS_OPS, SqlitePoolKind, sqlite_memory_url};
use super::tx::{HoldsOnlyConnection, Tx, TxConn, TxHandle, run_in};
use crate::backend::Backend;
use crate::dialect::{Capabilities, Dialect, Strategy};
use crate::dialect::{create_table_sql, drop_table_sql};
use crate::error::{Error, Result, redact_url};
use crate::render::Sql;
use crate::schema::{TableMeta, Tables, in_dependency_order};
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
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) pool: Pool,
    pub(super) statements: AtomicU64,
    /// How the server spells SQL and what it can do (MariaDB and MySQL proper share a pool
    /// type; the server's version tells them apart).
    pub(super) dialect: &'static dyn Dialect,
    /// MySQL's `max_allowed_packet` as the server reported it when the handle was made: the
    /// largest statement it accepts (multi-row inserts are split under it).
    max_packet: Option<usize>,
    /// How weft looks after the SQLite pools it builds itself (see [`SqlitePoolKind`]).
    #[cfg(feature = "sqlite")]
    pub(super) sqlite: SqlitePoolKind,
}
pub(super) enum Pool {
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
                    return Ok(Db::build(
                        Pool::Sqlite(pool),
                        &crate::dialect::Sqlite,
                        None,
                        kind,
                    ));
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
        Db::new(Pool::Sqlite(pool), &crate::dialect::Sqlite)
    }

    /// Wraps a PostgreSQL pool you configured yourself.
    #[cfg(feature = "postgres")]
    pub fn from_postgres_pool(pool: sqlx::PgPool) -> Db {
        Db::new(Pool::Postgres(pool), &crate::dialect::Postgres)
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
            crate::dialect::for_server(Backend::MySql, &version),
            Some(packet),
            #[cfg(feature = "sqlite")]
            SqlitePoolKind::Foreign,
        ))
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    fn new(pool: Pool, dialect: &'static dyn Dialect) -> Db {
        Db::build(
            pool,
            dialect,
            None,
            #[cfg(feature = "sqlite")]
            SqlitePoolKind::Foreign,
        )
    }

    fn build(
        pool: Pool,
        dialect: &'static dyn Dialect,
        max_packet: Option<usize>,
        #[cfg(feature = "sqlite")] sqlite: SqlitePoolKind,
    ) -> Db {
        Db {
            inner: Arc::new(Inner {
                pool,
                statements: AtomicU64::new(0),
                dialect,
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

    /// The faster relation-loading strategy here, from the dialect's capabilities (batched on
    /// PostgreSQL and the MySQL family, one statement on SQLite).
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
        let begin_err = |source| Error::Transaction {
            action: "begin",
            source,
        };
        let conn = match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                self.check_only_connection("BEGIN")?;
                // On a file database, a connection whose statement was cancelled is closed
                // (the statement runs on to its end on sqlx's worker; the pool opens another).
                let close = matches!(self.inner.sqlite, SqlitePoolKind::File);
                TxConn::Sqlite(TxHandle::begin(p, close).await.map_err(begin_err)?)
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
    pub async fn execute_sql(&self, text: &str, binds: Vec<Value>) -> Result<u64> {
        let sql = Sql {
            dialect: self.dialect(),
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

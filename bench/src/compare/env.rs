//! One backend's connections: weft's own (`Db::connect`), raw sqlx's pool, SeaORM's (on the
//! servers a pool of its own; on SQLite raw sqlx's, whose in-memory database holds the rows),
//! one that seeds the tables, plus Diesel's own connections.

use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;

use diesel::Connection as _;
use diesel_async::AsyncConnection as _;
use sea_orm::DatabaseConnection;
use sqlx::pool::PoolOptions;
use weft::{Backend, Db};

use super::harness::Settle;

/// The sqlx pool of one backend.
#[derive(Clone)]
pub enum Pool {
    /// SQLite (in memory).
    Sqlite(sqlx::SqlitePool),
    /// PostgreSQL.
    Postgres(sqlx::PgPool),
    /// MariaDB.
    MySql(sqlx::MySqlPool),
}

/// Everything the contestants of one backend use.
pub struct Env {
    /// The backend.
    pub backend: Backend,
    /// Its name in tables.
    pub name: &'static str,
    /// Raw sqlx's pool (on SQLite also SeaORM's: its in-memory database holds the rows).
    pub pool: Pool,
    /// SeaORM's pool: on the servers a connection of its own, so that no contestant's work
    /// warms another's server process (a PostgreSQL backend that ran SeaORM's larger
    /// statements keeps its freed heap, and raw sqlx's statements on it then run without the
    /// page faults weft's backend takes; see RESULTS.md, "One connection per contestant").
    pub sea_pool: Pool,
    /// weft, the contestant, as an application opens it (`Db::connect`): on the servers weft's
    /// own pool, reading the tables `db_seed` seeded; on SQLite weft's native driver on
    /// its own in-memory database, seeded with the same rows.
    pub db: &'static Db,
    /// weft over raw sqlx's pool (`Db::from_*_pool`): resets what raw sqlx and SeaORM wrote,
    /// and runs one informational W1 row.
    pub db_shared: &'static Db,
    /// What seeds and drops the tables: on the servers weft over a sqlx pool of its own, so
    /// that no contestant's connection is the one that ran the seeding (a PostgreSQL backend
    /// that freed the seed's large arrays keeps its heap: glibc raised its trim threshold,
    /// and W5 then runs without the ~300 page faults a load costs a backend that did not; see
    /// RESULTS.md); on SQLite raw sqlx's pool's (its in-memory database lives there).
    pub db_seed: &'static Db,
    /// Whether `db` is a database of its own (SQLite), seeded apart.
    pub db_apart: bool,
    /// SeaORM over `sea_pool`.
    pub sea: &'static DatabaseConnection,
    /// The pool under `db_seed` on the servers (`None` on SQLite, where it is `pool`).
    pub seed_pool: Option<Pool>,
    /// Diesel on SQLite: its own in-memory database, seeded with the same rows.
    pub diesel_sqlite: Option<Rc<RefCell<diesel::SqliteConnection>>>,
    /// Diesel on PostgreSQL.
    pub diesel_pg: Option<Rc<RefCell<diesel::PgConnection>>>,
    /// diesel-async (PostgreSQL).
    pub diesel_async: Option<Rc<tokio::sync::Mutex<diesel_async::AsyncPgConnection>>>,
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// The backend a command-line word names (`sqlite`, `postgres`, `mysql` or `mariadb`).
pub fn backend_named(name: &str) -> Option<Backend> {
    match name {
        "sqlite" => Some(Backend::Sqlite),
        "postgres" => Some(Backend::Postgres),
        "mysql" | "mariadb" => Some(Backend::MySql),
        _ => None,
    }
}

/// The word [`backend_named`] reads for `backend`.
pub fn backend_word(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
    }
}

/// The runtime every async contestant shares: tokio's default multi-thread flavour (one
/// worker per core). Blocking Diesel runs on the main thread.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The server URLs (`WEFT_TEST_POSTGRES_URL`, `WEFT_TEST_MYSQL_URL` override them).
pub fn server_url(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => "sqlite::memory:".into(),
        Backend::Postgres => std::env::var("WEFT_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        Backend::MySql => std::env::var("WEFT_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
    }
}

/// The pool options every sqlx-based contestant shares: one connection (the benchmark is
/// sequential; one connection also means one statement cache), never closed, and no ping
/// before each checkout (sqlx's `test_before_acquire` default would add a round trip to
/// every statement of every contestant).
fn shared_pool_options<DB: sqlx::Database>() -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
}

/// Three pools of [`shared_pool_options`] on one server.
async fn server_pools<DB: sqlx::Database>(url: &str) -> Result<[sqlx::Pool<DB>; 3], sqlx::Error> {
    let opts = shared_pool_options::<DB>();
    Ok([
        opts.clone().connect(url).await?,
        opts.clone().connect(url).await?,
        opts.connect(url).await?,
    ])
}

/// The same expression for each pool type: `on_pool!(pool, p => …)`.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
            Pool::MySql($p) => $body,
        }
    };
}

impl Pool {
    /// Connections idle in the pool, and open in all.
    pub fn idle_and_size(&self) -> (usize, u32) {
        on_pool!(self, p => (p.num_idle(), p.size()))
    }

    /// See [`Settle`]: resolves once every open connection is idle again.
    pub fn settle(&self) -> Settle {
        let pool = self.clone();
        Box::new(move || {
            let pool = pool.clone();
            Box::pin(async move {
                // Bounded: a connection that never comes back must not hang the benchmark.
                for _ in 0..1_000_000 {
                    let (idle, size) = pool.idle_and_size();
                    if idle >= size as usize {
                        break;
                    }
                    // Let the returning task (and SQLite's worker thread) have the CPU.
                    std::thread::yield_now();
                    tokio::task::yield_now().await;
                }
                0
            })
        })
    }
}

impl Env {
    /// Connects to `backend`. Errors name what could not be reached.
    pub async fn connect(backend: Backend) -> Result<Env, String> {
        let url = server_url(backend);
        let err = |what: &str, e: &dyn std::fmt::Display| format!("{what} on {backend}: {e}");
        match backend {
            Backend::Sqlite => {
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|e| err("sqlite options", &e))?;
                let pool = shared_pool_options()
                    .connect_with(opts)
                    .await
                    .map_err(|e| err("sqlx connect", &e))?;
                let mut diesel = diesel::SqliteConnection::establish(":memory:")
                    .map_err(|e| err("diesel connect", &e))?;
                // What sqlx sets on every SQLite connection.
                diesel::RunQueryDsl::execute(
                    diesel::sql_query("PRAGMA foreign_keys = ON"),
                    &mut diesel,
                )
                .map_err(|e| err("diesel pragma", &e))?;
                let shared = leak(Db::from_sqlite_pool(pool.clone()));
                let native = Db::connect("sqlite::memory:")
                    .await
                    .map_err(|e| err("weft connect", &e))?;
                Ok(Env {
                    backend,
                    name: "SQLite",
                    db: leak(native),
                    db_shared: shared,
                    db_seed: shared,
                    db_apart: true,
                    sea: leak(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(
                        pool.clone(),
                    )),
                    sea_pool: Pool::Sqlite(pool.clone()),
                    seed_pool: None,
                    pool: Pool::Sqlite(pool),
                    diesel_sqlite: Some(Rc::new(RefCell::new(diesel))),
                    diesel_pg: None,
                    diesel_async: None,
                })
            }
            Backend::Postgres => {
                // Raw sqlx's, SeaORM's and the seeding one: a connection each.
                let [pool, sea_pool, seed_pool] = server_pools::<sqlx::Postgres>(&url)
                    .await
                    .map_err(|e| err("sqlx connect", &e))?;
                let diesel =
                    diesel::PgConnection::establish(&url).map_err(|e| err("diesel connect", &e))?;
                let diesel_async = diesel_async::AsyncPgConnection::establish(&url)
                    .await
                    .map_err(|e| err("diesel-async connect", &e))?;
                let db = Db::connect(&url)
                    .await
                    .map_err(|e| err("weft connect", &e))?;
                Ok(Env {
                    backend,
                    name: "PostgreSQL",
                    db: leak(db),
                    db_shared: leak(Db::from_postgres_pool(pool.clone())),
                    db_seed: leak(Db::from_postgres_pool(seed_pool.clone())),
                    seed_pool: Some(Pool::Postgres(seed_pool)),
                    db_apart: false,
                    sea: leak(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
                        sea_pool.clone(),
                    )),
                    sea_pool: Pool::Postgres(sea_pool),
                    pool: Pool::Postgres(pool),
                    diesel_sqlite: None,
                    diesel_pg: Some(Rc::new(RefCell::new(diesel))),
                    diesel_async: Some(Rc::new(tokio::sync::Mutex::new(diesel_async))),
                })
            }
            Backend::MySql => {
                // Raw sqlx's, SeaORM's and the seeding one: a connection each.
                let [pool, sea_pool, seed_pool] = server_pools::<sqlx::MySql>(&url)
                    .await
                    .map_err(|e| err("sqlx connect", &e))?;
                let shared = Db::from_mysql_pool(pool.clone())
                    .await
                    .map_err(|e| err("weft", &e))?;
                let db = Db::connect(&url)
                    .await
                    .map_err(|e| err("weft connect", &e))?;
                Ok(Env {
                    backend,
                    name: "MariaDB",
                    db: leak(db),
                    db_shared: leak(shared),
                    db_seed: leak(
                        Db::from_mysql_pool(seed_pool.clone())
                            .await
                            .map_err(|e| err("weft", &e))?,
                    ),
                    seed_pool: Some(Pool::MySql(seed_pool)),
                    db_apart: false,
                    sea: leak(sea_orm::SqlxMySqlConnector::from_sqlx_mysql_pool(
                        sea_pool.clone(),
                    )),
                    sea_pool: Pool::MySql(sea_pool),
                    pool: Pool::MySql(pool),
                    diesel_sqlite: None,
                    diesel_pg: None,
                    diesel_async: None,
                })
            }
        }
    }

    /// Closes the sqlx pools (raw sqlx's, SeaORM's, the seeding one); Diesel's connections
    /// close when the `Env` is dropped. weft's own pool (`db`, leaked for the contestants'
    /// `'static` closures) keeps its one connection idle until it is reaped (10 minutes) or
    /// the process ends.
    pub async fn close(&self) {
        for pool in [
            Some(&self.pool),
            Some(&self.sea_pool),
            self.seed_pool.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            on_pool!(pool, p => p.close().await);
        }
    }

    /// The server's version string.
    pub async fn server_version(&self) -> String {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
            Backend::Postgres | Backend::MySql => "SELECT version()",
        };
        let r = on_pool!(&self.pool, p => sqlx::query_scalar::<_, String>(sql).fetch_one(p).await);
        r.unwrap_or_else(|e| format!("unknown ({e})"))
    }
}

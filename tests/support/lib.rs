//! Test support: run one test body against SQLite, PostgreSQL and MariaDB, each test in its
//! own database (SQLite in memory), schema (PostgreSQL) or database (MariaDB), dropped after.
//!
//! Server URLs come from `WEFT_TEST_POSTGRES_URL` and `WEFT_TEST_MYSQL_URL` (defaults: the
//! local servers). A server that cannot be reached fails the test, with a message naming the
//! variable and how to start the server: every behaviour is tested on all three backends, and
//! a backend is never skipped quietly.
//!
//! To run without a server, opt out explicitly: `WEFT_SKIP_BACKENDS=mysql,postgres cargo test`
//! (names: `postgres`, `mysql`; `mariadb` is accepted for `mysql`). Each skipped test says so
//! on stderr. `.ci/run` clears the variable, so CI always runs every backend.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::FutureExt;
use weft::{Backend, Db};

/// The PostgreSQL server tests use unless `WEFT_TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The MySQL-family server tests use unless `WEFT_TEST_MYSQL_URL` says otherwise.
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// Makes one test per backend from a plain `async fn`, so rustfmt formats the body:
///
/// ```ignore
/// use weft::Db;
/// use weft_tests::backends;
///
/// #[backends]
/// async fn inserts_and_reads(db: Db) -> weft::Result<()> {
///     // …
///     Ok(())
/// }
/// ```
/// adds a module `inserts_and_reads` with tests `sqlite`, `postgres` and `mysql`, each
/// calling [`run`]. Options:
/// - `strategies`: the body takes `(db: Db, strategy: weft::Strategy)` and runs once per
///   backend and relation-loading strategy (`sqlite_single_statement`, `sqlite_batched`, …).
/// - `requires(capability, !capability, …)`: fields of [`weft::Capabilities`]. On a backend
///   whose dialect lacks one (or, for `!capability`, has it), the body does not run and the
///   test prints `SKIPPED <test> on <backend>: needs <capability>` on stderr. Write a behaviour
///   that exists only on some dialects this way, and read `db.capabilities()` in the body
///   where only an expected value differs, rather than asking which database it is.
pub use weft_test_macros::backends;

/// What `#[backends]` expands to uses these paths; not for hand-written tests.
#[doc(hidden)]
pub mod __private {
    pub use tokio;
    pub use weft;

    use std::future::Future;
    use weft::{Backend, Capabilities, Db};

    /// One entry of `requires(…)`.
    pub struct Requirement {
        /// The entry as written (`returning_on_update`, `!lateral`).
        pub capability: &'static str,
        /// Whether the capability must hold (`false` for `!capability`).
        pub present: bool,
        /// Reads the capability from a dialect's record.
        pub holds: fn(&Capabilities) -> bool,
    }

    /// [`run`](crate::run), skipping the body (and saying so) when the dialect the server
    /// turns out to speak does not meet `requirements`.
    pub async fn run_requiring<F, Fut>(
        backend: Backend,
        test: &str,
        requirements: &[Requirement],
        body: F,
    ) where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = weft::Result<()>>,
    {
        crate::run(backend, test, |db| async move {
            let caps = db.capabilities();
            if let Some(unmet) = requirements.iter().find(|r| (r.holds)(caps) != r.present) {
                eprintln!("SKIPPED {test} on {backend}: needs {}", unmet.capability);
                return Ok(());
            }
            body(db).await
        })
        .await
    }
}

/// `ident` quoted for `db`'s dialect, for SQL a test writes by hand.
pub fn quote_ident(db: &Db, ident: &str) -> String {
    let mut out = String::new();
    db.dialect().quote_ident_into(&mut out, ident);
    out
}

/// How many statements a relational query sends: one in a single statement, or one for the
/// parents plus one per loaded relation (whose parents are not empty) when batched.
pub fn statements(strategy: weft::Strategy, relations: u64) -> u64 {
    match strategy {
        weft::Strategy::SingleStatement => 1,
        weft::Strategy::Batched => 1 + relations,
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test (in this run or a concurrent one) uses.
fn unique_name(test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut short: String = test.chars().take(30).collect();
    short.make_ascii_lowercase();
    format!("weft_{short}_{}_{n}_{nanos:x}", std::process::id())
}

/// Runs `body` on `backend` in an isolated database, then removes what it created (also when
/// the body panics, after which the panic continues).
pub async fn run<F, Fut>(backend: Backend, test: &str, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = weft::Result<()>>,
{
    if skipped(backend) {
        eprintln!("SKIPPED {test} on {backend}: WEFT_SKIP_BACKENDS opts out of it");
        return;
    }
    let isolated = Isolated::create(backend, test).await;
    let outcome = AssertUnwindSafe(body(isolated.db.clone()))
        .catch_unwind()
        .await;
    isolated.drop_all().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{test} on {backend} failed:\n{e}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A database handle confined to its own schema or database.
pub struct Isolated {
    /// The handle the test uses.
    pub db: Db,
    cleanup: Option<(Db, String)>,
}

impl Isolated {
    /// Creates the isolated database; panics, saying how to fix it, when the server cannot be
    /// reached.
    pub async fn create(backend: Backend, test: &str) -> Isolated {
        match backend {
            Backend::Sqlite => {
                let db = Db::connect("sqlite::memory:")
                    .await
                    .expect("in-memory SQLite always opens");
                Isolated { db, cleanup: None }
            }
            Backend::Postgres => {
                let url = server_url("WEFT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL);
                let admin = reach(Backend::Postgres, &url).await;
                let schema = unique_name(test);
                admin
                    .execute_sql(
                        &format!("CREATE SCHEMA {}", Backend::Postgres.quote_ident(&schema)),
                        vec![],
                    )
                    .await
                    .expect("create test schema");
                // `Db::connect`, weft's own pool, on the schema.
                let sep = if url.contains('?') { '&' } else { '?' };
                let db = Db::connect(&format!("{url}{sep}options=-c%20search_path%3D{schema}"))
                    .await
                    .expect("connect to test schema");
                Isolated {
                    db,
                    cleanup: Some((
                        admin,
                        format!(
                            "DROP SCHEMA IF EXISTS {} CASCADE",
                            Backend::Postgres.quote_ident(&schema)
                        ),
                    )),
                }
            }
            Backend::MySql => {
                let url = server_url("WEFT_TEST_MYSQL_URL", DEFAULT_MYSQL_URL);
                let admin = reach(Backend::MySql, &url).await;
                let name = unique_name(test);
                let quoted = Backend::MySql.quote_ident(&name);
                admin
                    .execute_sql(
                        &format!(
                            "CREATE DATABASE {quoted} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                        ),
                        vec![],
                    )
                    .await
                    .expect("create test database");
                // `Db::connect`, weft's own pool, on the database.
                let (server, params) = url.split_once('?').unwrap_or((&url, ""));
                let (server, _) = server.rsplit_once('/').expect("a URL naming a database");
                let params = if params.is_empty() {
                    String::new()
                } else {
                    format!("?{params}")
                };
                let db = Db::connect(&format!("{server}/{name}{params}"))
                    .await
                    .expect("connect to test database");
                Isolated {
                    db,
                    cleanup: Some((admin, format!("DROP DATABASE IF EXISTS {quoted}"))),
                }
            }
        }
    }

    /// Drops the schema or database.
    pub async fn drop_all(self) {
        if let Some((admin, sql)) = self.cleanup
            && let Err(e) = admin.execute_sql(&sql, vec![]).await
        {
            eprintln!("warning: could not clean up ({sql}): {e}");
        }
    }
}

fn server_url(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Whether `WEFT_SKIP_BACKENDS` (a comma-separated list) opts out of `backend`. An unknown
/// name panics rather than skipping nothing (or the wrong thing) silently.
fn skipped(backend: Backend) -> bool {
    let list = std::env::var("WEFT_SKIP_BACKENDS").unwrap_or_default();
    let mut skip = false;
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let named = match name.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::MySql,
            _ => panic!(
                "WEFT_SKIP_BACKENDS={list:?}: unknown backend {name:?} (accepted: postgres, mysql; \
                 SQLite is embedded and always runs)"
            ),
        };
        skip |= named == backend;
    }
    skip
}

/// Connects to the test server, or panics with what to do about it.
async fn reach(backend: Backend, url: &str) -> Db {
    let (var, skip_name) = match backend {
        Backend::Postgres => ("WEFT_TEST_POSTGRES_URL", "postgres"),
        _ => ("WEFT_TEST_MYSQL_URL", "mysql"),
    };
    match Db::connect(url).await {
        Ok(db) => db,
        Err(e) => panic!(
            "cannot reach the {backend} test server at {url}: {e}\n\
             Every test runs on all three backends. Start the server (`bash tests/run` starts \
             the local PostgreSQL and MariaDB before testing), point {var} at a reachable one, or \
             skip this backend explicitly with WEFT_SKIP_BACKENDS={skip_name}."
        ),
    }
}

/// The README's Rust code compiles and runs (as a doctest of this crate).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}

//! Each statement runs in a `weft.statement` span carrying its SQL, row count and duration, and
//! is logged as events: its SQL, rows and duration at `debug`, its binds at `trace` only, and a
//! `warn` when slower than the handle's threshold.
//!
//! A test binary of its own: every test here installs the global subscriber before weft runs
//! a statement, so no span callsite of weft's is registered (and its interest cached as
//! "nobody listens") before the subscriber exists, which made this test flaky among the others.

use std::io::Write;
use std::sync::{Mutex, Once};
use std::time::Duration;

use tracing_subscriber::fmt::format::FmtSpan;
use weft::Backend;

#[path = "backends/tables.rs"]
#[allow(dead_code)]
mod tables;

use tables::*;

/// What the subscriber wrote, from every thread: a span closes where its last handle is
/// dropped, and sqlx's SQLite worker thread holds one (it enters the statement's span while
/// running it) until it takes its next command. Each line names its backend.
static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Captured;

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One global subscriber for the whole test binary: scoped (thread-local) subscribers race
/// with other threads over tracing's cached callsite interest and miss spans now and then.
fn install_subscriber() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(|| Captured)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    });
}

async fn statements_are_traced(db: weft::Db) -> weft::Result<()> {
    seed(&db).await?;
    let users = weft::select::<User>()
        .filter(User::age.gt(1))
        .all(&db)
        .await?;
    assert_eq!(users.len(), 3);
    // Any later statement on the same connection: SQLite's worker drops the previous
    // statement's span (closing it) before it takes this one.
    weft::select::<User>().count(&db).await?;

    let system = format!("db.system={}", db.backend());
    let log =
        String::from_utf8_lossy(&CAPTURED.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    let closed: Vec<&str> = log
        .lines()
        // The span's close event (not the events logged inside it).
        .filter(|l| l.contains("weft::exec: close") && l.contains(&system))
        .filter(|l| l.contains("db.statement=SELECT") && l.contains(" > "))
        .collect();
    assert_eq!(closed.len(), 1, "{log}");
    assert!(closed[0].contains("weft.statement{"), "{log}");
    assert!(closed[0].contains("rows=3"), "{log}");
    assert!(closed[0].contains("elapsed_us="), "{log}");
    Ok(())
}

fn captured() -> String {
    String::from_utf8_lossy(&CAPTURED.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

async fn statements_are_logged(db: weft::Db) -> weft::Result<()> {
    seed(&db).await?;
    let backend = db.backend();
    let secret = format!("secret-{backend}-value");
    let users = weft::select::<User>()
        .filter(User::name.eq(secret.as_str()).and(User::email.is_null()))
        .all(&db)
        .await?;
    assert!(users.is_empty());

    let system = format!("db.system={backend}");
    let log = captured();
    let ours: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&system) && l.contains("weft::exec: SELECT"))
        .filter(|l| l.contains("IS NULL"))
        .collect();
    // `debug`: the SQL, rows and duration, never the value.
    let debug: Vec<&&str> = ours.iter().filter(|l| l.contains(" DEBUG ")).collect();
    assert_eq!(debug.len(), 1, "{log}");
    assert!(debug[0].contains("rows=0"), "{log}");
    assert!(debug[0].contains("elapsed="), "{log}");
    // `trace`: the binds.
    let trace: Vec<&&str> = ours.iter().filter(|l| l.contains(" TRACE ")).collect();
    assert_eq!(trace.len(), 1, "{log}");
    assert!(
        trace[0].contains(&format!("binds=[Text(\"{secret}\")]")),
        "{log}"
    );
    // The value appears at `trace` only (sqlx's own logs included).
    for line in log.lines().filter(|l| l.contains(&secret)) {
        assert!(line.contains(" TRACE "), "{line}");
    }
    // Nothing is slow at the default threshold (one second) in this test…
    assert_eq!(db.slow_statement_threshold(), Some(Duration::from_secs(1)));
    // …but everything is at zero.
    db.set_slow_statement_threshold(Some(Duration::ZERO));
    weft::select::<User>()
        .filter(User::age.ge(40))
        .count(&db)
        .await?;
    db.set_slow_statement_threshold(None);
    weft::select::<User>()
        .filter(User::age.ge(41))
        .count(&db)
        .await?;
    let log = captured();
    let slow: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&system) && l.contains(" WARN ") && l.contains("slow statement: "))
        .filter(|l| l.contains(">= "))
        .collect();
    assert_eq!(slow.len(), 1, "{log}");
    assert!(slow[0].contains("threshold=0ns"), "{log}");
    assert!(
        slow[0].contains(">= ?") || slow[0].contains(">= $1"),
        "{log}"
    );
    Ok(())
}

/// A failed statement is logged at `debug` with its error.
async fn failures_are_logged(db: weft::Db) -> weft::Result<()> {
    let backend = db.backend();
    // The table was never created.
    let failed = weft::select::<User>().count(&db).await;
    assert!(failed.is_err());
    let system = format!("db.system={backend}");
    let log = captured();
    let line = log
        .lines()
        .find(|l| {
            l.contains(&system)
                && l.contains(" DEBUG ")
                && l.contains("weft::exec: SELECT COUNT(*)")
                && l.contains("error=")
        })
        .unwrap_or_else(|| panic!("no failed statement logged: {log}"));
    assert!(!line.contains("rows="), "{line}");
    Ok(())
}

// One test per backend, like `#[backends]`, but the subscriber goes in before the isolated
// database is set up (which runs statements).
macro_rules! traced_on {
    ($($test:ident: $backend:ident),*) => {$(
        #[tokio::test]
        async fn $test() {
            install_subscriber();
            weft_tests::run(Backend::$backend, "statements_are_traced", statements_are_traced).await
        }
    )*};
}

traced_on!(sqlite: Sqlite, postgres: Postgres, mysql: MySql);

macro_rules! logged_on {
    ($($test:ident: $backend:ident),*) => {$(
        #[tokio::test]
        async fn $test() {
            install_subscriber();
            weft_tests::run(Backend::$backend, "statements_are_logged", statements_are_logged).await;
            weft_tests::run(Backend::$backend, "failures_are_logged", failures_are_logged).await
        }
    )*};
}

logged_on!(logged_sqlite: Sqlite, logged_postgres: Postgres, logged_mysql: MySql);

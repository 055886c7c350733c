//! Each statement runs in a `weft.statement` span carrying its SQL, row count and duration.
//!
//! A test binary of its own: every test here installs the global subscriber before weft runs
//! a statement, so no span callsite of weft's is registered (and its interest cached as
//! "nobody listens") before the subscriber exists, which made this test flaky among the others.

use std::io::Write;
use std::sync::{Mutex, Once};

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
            .with_max_level(tracing::Level::DEBUG)
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

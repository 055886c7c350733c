//! Each statement runs in a `weft.statement` span carrying its SQL, row count and duration.
//!
//! A test binary of its own: every test here installs the global subscriber before weft runs
//! a statement, so no span callsite of weft's is registered (and its interest cached as
//! "nobody listens") before the subscriber exists, which made this test flaky among the others.

use std::cell::RefCell;
use std::io::Write;
use std::sync::Once;

use tracing_subscriber::fmt::format::FmtSpan;
use weft::Backend;

#[path = "backends/tables.rs"]
#[allow(dead_code)]
mod tables;

use tables::*;

thread_local! {
    /// What the subscriber wrote on this thread (each test runs on its own thread, and its
    /// current-thread runtime closes its spans there).
    static CAPTURED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

struct ThreadBuffer;

impl Write for ThreadBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|c| c.borrow_mut().extend_from_slice(buf));
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
            .with_writer(|| ThreadBuffer)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    });
}

async fn statements_are_traced(db: weft::Db) -> weft::Result<()> {
    seed(&db).await?;
    CAPTURED.with(|c| c.borrow_mut().clear());
    let users = weft::select::<User>()
        .filter(User::age.gt(1))
        .all(&db)
        .await?;
    let log = CAPTURED.with(|c| String::from_utf8(c.borrow().clone()).unwrap());
    assert!(log.contains("weft.statement"), "{log}");
    assert!(log.contains("db.statement=SELECT"), "{log}");
    assert_eq!(users.len(), 3);
    assert!(log.contains("rows=3"), "{log}");
    assert!(log.contains("elapsed_us="), "{log}");
    Ok(())
}

// One test per backend, like `backend_test!`, but the subscriber goes in before the isolated
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

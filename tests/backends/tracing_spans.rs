//! Each statement runs in a `weft.statement` span carrying its SQL, row count and duration.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::format::FmtSpan;
use weft_tests::backend_test;

use crate::tables::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

backend_test!(async fn statements_are_traced(db) {
    seed(&db).await?;
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let users = {
        let _guard = tracing::subscriber::set_default(subscriber);
        weft::select::<User>().filter(User::age.gt(1)).all(&db).await?
    };
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("weft.statement"), "{log}");
    assert!(log.contains("db.statement=SELECT"), "{log}");
    assert!(log.contains(&format!("rows={}", users.len())), "{log}");
    assert!(log.contains("elapsed_us="), "{log}");
    Ok(())
});

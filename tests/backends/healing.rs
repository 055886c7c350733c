//! Connections that heal: a statement on the pool (outside a transaction) whose pooled
//! connection the server had already ended runs again on another connection; inside a
//! transaction the failure is reported and the transaction is gone.
//!
//! The test's own handle pools as `Db::connect` does (sqlx's ping before each acquire is off:
//! a round trip per statement), on the test's isolated schema or database: a dead connection
//! reaches weft, which must replace it.

use std::time::Duration;

use weft::{Backend, Db, Tx};
use weft_tests::backends;

use crate::tables::*;

/// A handle of weft's own (`Db::connect`) on the isolated schema or database of `db`.
async fn own_pool(db: &Db) -> weft::Result<Db> {
    let url = match db.backend() {
        Backend::Postgres => {
            let schema: Vec<String> = weft::raw("SELECT current_schema()::text")
                .fetch_all(db)
                .await?;
            let base = std::env::var("WEFT_TEST_POSTGRES_URL")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| weft_tests::DEFAULT_POSTGRES_URL.to_owned());
            let sep = if base.contains('?') { '&' } else { '?' };
            // Named after the schema, so the test can find its own connections.
            let schema = &schema[0];
            format!("{base}{sep}options=-c%20search_path%3D{schema}&application_name={schema}")
        }
        _ => {
            let name: Vec<String> = weft::raw("SELECT DATABASE()").fetch_all(db).await?;
            let base = std::env::var("WEFT_TEST_MYSQL_URL")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| weft_tests::DEFAULT_MYSQL_URL.to_owned());
            let (server, _) = base.rsplit_once('/').expect("a URL naming a database");
            format!("{server}/{}", name[0])
        }
    };
    Db::connect(&url).await
}

/// Ends every connection of `db`'s pool but `killer`'s, waiting until they are gone.
async fn kill_others(db: &Db, killer: &mut Tx<'static>) -> weft::Result<()> {
    if db.backend() == Backend::Postgres {
        // Activity is read once per transaction unless the snapshot is cleared.
        weft::raw("SELECT pg_stat_clear_snapshot()")
            .execute(&mut *killer)
            .await?;
    }
    let ids: Vec<String> = match db.backend() {
        Backend::Postgres => weft::raw(
            "SELECT pid::text FROM pg_stat_activity WHERE application_name = current_schema() \
             AND pid <> pg_backend_pid()",
        ),
        _ => weft::raw(
            "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() \
             AND ID <> CONNECTION_ID()",
        ),
    }
    .fetch_all(&mut *killer)
    .await?;
    assert!(!ids.is_empty(), "the pool has connections to kill");
    for id in ids {
        let id: u64 = id.parse().expect("a connection id is a number");
        let sql = match db.backend() {
            Backend::Postgres => format!("SELECT pg_terminate_backend({id}, 5000)"),
            _ => format!("KILL CONNECTION {id}"),
        };
        weft::raw(sql).execute(&mut *killer).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

#[backends]
async fn a_dead_pooled_connection_is_replaced(db: Db) -> weft::Result<()> {
    if db.backend() == Backend::Sqlite {
        eprintln!(
            "SKIPPED a_dead_pooled_connection_is_replaced on SQLite: it is embedded, with no \
             server to end its connections"
        );
        return Ok(());
    }
    seed(&db).await?;
    let db = own_pool(&db).await?;
    let mut a = db.begin().await?;
    let b = db.begin().await?;
    // Held to the end: the pool cannot hand it out, so it never kills itself.
    let mut killer = db.begin().await?;
    weft::select::<User>().count(&mut a).await?;
    b.rollback().await?; // idle in the pool
    // The pool takes a connection back in a task of its own (pinging it first): let it, so
    // the connection is idle in the pool, alive, when it is killed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    kill_others(&db, &mut killer).await?;

    // Inside a transaction: reported, and the transaction is gone.
    let failed = weft::select::<User>().count(&mut a).await;
    assert!(failed.is_err(), "{failed:?}");
    let commit = a.commit().await;
    assert!(
        matches!(commit, Err(weft::Error::TransactionAborted { .. })),
        "{commit:?}"
    );

    // On the pool: the read lands on the dead connection, and runs again on a live one (each
    // run is counted).
    let before = db.statements_executed();
    assert_eq!(weft::select::<User>().count(&db).await?, 3);
    assert!(db.statements_executed() - before >= 2);

    // A write too, when the server said it ended the session (PostgreSQL's FATAL 57P01):
    // nothing of it can have run. MariaDB says nothing (the socket is closed): whether a write
    // ran is then unknown, so it is reported, not run again (documented in docs/scaling.md).
    tokio::time::sleep(Duration::from_millis(300)).await;
    kill_others(&db, &mut killer).await?;
    let before = db.statements_executed();
    let write = weft::insert(new_user("healed", None, 1)).execute(&db).await;
    let written = match db.backend() {
        Backend::Postgres => {
            write?;
            assert!(db.statements_executed() - before >= 2);
            1
        }
        _ => {
            let error = write.expect_err("a write on a closed socket is reported");
            assert!(error.to_string().contains("EOF"), "{error}");
            0
        }
    };
    assert_eq!(weft::select::<User>().count(&db).await?, 3 + written);
    killer.rollback().await?;
    Ok(())
}

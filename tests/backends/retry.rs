//! `Db::transaction_with_retry`: a conflict with another transaction (a serialization
//! failure, a deadlock, SQLite's busy) runs the whole transaction again; any other error does
//! not; attempts are bounded; and the conflict is classified in `weft::Error`.
//!
//! The conflict is the server's own error on every backend. On PostgreSQL and MariaDB a
//! statement raises it with its real code (`RAISE … ERRCODE '40001'`, `SIGNAL … MYSQL_ERRNO =
//! 1213`), and a real deadlock between two connections is tested below; on SQLite (a file
//! database: the in-memory one has a single connection) a write after another connection
//! committed since the transaction's snapshot is refused with `SQLITE_BUSY_SNAPSHOT`.

use std::sync::atomic::{AtomicU32, Ordering};

use weft::{Backend, Conflict, Db, Error, RetryPolicy, Table, Tx};
use weft_tests::backends;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "counters")]
pub struct Counter {
    #[column(primary_key)]
    pub id: i64,
    pub n: i64,
}

/// A quick policy for tests.
fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts).backoff(
        std::time::Duration::from_millis(1),
        std::time::Duration::from_millis(20),
    )
}

static FILES: AtomicU32 = AtomicU32::new(0);

/// The database to test conflicts on: `db` itself, except on SQLite, a fresh file database in
/// WAL mode (returned with its path, removed by the caller).
async fn conflicting(db: Db) -> weft::Result<(Db, Option<std::path::PathBuf>)> {
    if db.backend() != Backend::Sqlite {
        return Ok((db, None));
    }
    let n = FILES.fetch_add(1, Ordering::Relaxed);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("weft_retry_{}_{n}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = Db::connect(&format!("sqlite://{}", path.display())).await?;
    db.execute_sql("PRAGMA journal_mode=WAL", vec![]).await?;
    Ok((db, Some(path)))
}

async fn counter(db: &Db) -> weft::Result<i64> {
    weft::select::<Counter>()
        .columns(Counter::n)
        .filter(Counter::id.eq(1))
        .one(db)
        .await
}

async fn bump(tx: &mut Tx<'static>, by: i64) -> weft::Result<u64> {
    weft::update::<Counter>()
        .set(Counter::n, Counter::n + by)
        .filter(Counter::id.eq(1))
        .execute(&mut *tx)
        .await
}

/// Inside `tx` (which has read the counter): another connection adds 100 to the counter and
/// commits, then `tx` meets a conflict (its next write on SQLite, a raised one elsewhere).
async fn provoke(db: &Db, tx: &mut Tx<'static>) -> weft::Result<()> {
    db.execute_sql("UPDATE counters SET n = n + 100 WHERE id = 1", vec![])
        .await?;
    let raise = match db.backend() {
        Backend::Sqlite => return Ok(()),
        Backend::Postgres => {
            "DO $$ BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = '40001'; END $$".to_owned()
        }
        Backend::MySql => {
            "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'provoked'".to_owned()
        }
    };
    weft::raw(raise).execute(&mut *tx).await?;
    Ok(())
}

fn expected(db: &Db) -> Conflict {
    match db.backend() {
        Backend::Sqlite => Conflict::Busy,
        Backend::Postgres => Conflict::Serialization,
        Backend::MySql => Conflict::Deadlock,
    }
}

#[backends]
async fn a_conflict_runs_the_transaction_again(db: Db) -> weft::Result<()> {
    let (db, file) = conflicting(db).await?;
    db.create_tables::<Counter>().await?;
    weft::insert(Counter { id: 1, n: 0 }).execute(&db).await?;

    // Without the loop, the conflict is the error, classified.
    let mut tx = db.begin().await?;
    counter_in(&mut tx).await?;
    let failed = match provoke(&db, &mut tx).await {
        Err(e) => e,
        Ok(()) => bump(&mut tx, 1).await.expect_err("the write conflicts"),
    };
    assert_eq!(failed.conflict(), Some(expected(&db)), "{failed}");
    drop(tx);
    assert_eq!(counter(&db).await?, 100);

    // With it: the first attempt meets the conflict, the second commits.
    let mut attempts = 0;
    let seen = db
        .transaction_with_retry(quick(3), async |tx| {
            attempts += 1;
            let seen = counter_in(tx).await?;
            if attempts == 1 {
                provoke(&db, tx).await?;
            }
            bump(tx, 1).await?;
            Ok::<_, Error>(seen)
        })
        .await?;
    assert_eq!((attempts, seen), (2, 200));
    assert_eq!(counter(&db).await?, 201);
    if let Some(path) = file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

async fn counter_in(tx: &mut Tx<'static>) -> weft::Result<i64> {
    weft::select::<Counter>()
        .columns(Counter::n)
        .filter(Counter::id.eq(1))
        .one(&mut *tx)
        .await
}

#[backends]
async fn attempts_are_bounded_and_other_errors_not_retried(db: Db) -> weft::Result<()> {
    let (db, file) = conflicting(db).await?;
    db.create_tables::<Counter>().await?;
    weft::insert(Counter { id: 1, n: 0 }).execute(&db).await?;

    // A conflict at every attempt: three attempts, then the last conflict.
    let mut attempts = 0;
    let out = db
        .transaction_with_retry(quick(3), async |tx| {
            attempts += 1;
            counter_in(tx).await?;
            provoke(&db, tx).await?;
            bump(tx, 1).await?;
            Ok::<_, Error>(())
        })
        .await;
    let error = out.expect_err("every attempt conflicts");
    assert_eq!((attempts, error.conflict()), (3, Some(expected(&db))));
    assert_eq!(counter(&db).await?, 300, "no attempt committed");

    // Any other error (here a duplicate key) is returned at once.
    let mut attempts = 0;
    let out = db
        .transaction_with_retry(quick(3), async |tx| {
            attempts += 1;
            weft::insert(Counter { id: 1, n: 0 })
                .execute(&mut *tx)
                .await?;
            Ok::<_, Error>(())
        })
        .await;
    let error = out.expect_err("the key is taken");
    assert_eq!((attempts, error.conflict()), (1, None));
    if let Some(path) = file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Two transactions lock two rows in opposite orders: the server picks one as the deadlock's
/// victim (`40P01`, `1213`); run in the retry loop, both commit.
#[backends]
async fn a_real_deadlock_is_retried(db: Db) -> weft::Result<()> {
    if !db.capabilities().row_locks.for_update {
        eprintln!(
            "SKIPPED a_real_deadlock_is_retried on {}: SQLite locks the whole database, so rows \
             cannot deadlock (its conflict, SQLITE_BUSY, is tested above)",
            db.backend()
        );
        return Ok(());
    }
    db.create_tables::<Counter>().await?;
    weft::insert_many([Counter { id: 1, n: 0 }, Counter { id: 2, n: 0 }])
        .execute(&db)
        .await?;
    let barrier = tokio::sync::Barrier::new(2);
    let attempts = AtomicU32::new(0);
    let conflicts = std::sync::Mutex::new(Vec::new());
    let side = async |first: i64, second: i64| {
        let mut mine = 0;
        db.transaction_with_retry(quick(5), async |tx| {
            mine += 1;
            attempts.fetch_add(1, Ordering::Relaxed);
            bump_row(tx, first).await?;
            if mine == 1 {
                barrier.wait().await;
            }
            let out = bump_row(tx, second).await;
            if let Err(e) = &out {
                conflicts.lock().unwrap().push(e.conflict());
            }
            out?;
            Ok::<_, Error>(())
        })
        .await
    };
    let (a, b) = tokio::join!(side(1, 2), side(2, 1));
    let conflicts = conflicts.into_inner().unwrap();
    let attempts = attempts.load(Ordering::Relaxed);
    let state = format!("attempts {attempts}, conflicts seen {conflicts:?}");
    if let Err(e) = a.and(b) {
        panic!("a side failed ({state}): {e}");
    }
    // One transaction is the victim at least once; every conflict seen is a deadlock, and
    // each one cost exactly one more attempt (a loaded server may pick a victim twice).
    assert!(!conflicts.is_empty(), "no deadlock was reported: {state}");
    assert!(
        conflicts.iter().all(|c| *c == Some(Conflict::Deadlock)),
        "a conflict other than a deadlock: {state}"
    );
    assert_eq!(attempts as usize, 2 + conflicts.len(), "{state}");
    let rows = weft::select::<Counter>()
        .columns(Counter::n)
        .order_by(Counter::id)
        .all(&db)
        .await?;
    assert_eq!(rows, [2, 2], "both transactions committed once: {state}");
    Ok(())
}

async fn bump_row(tx: &mut Tx<'static>, id: i64) -> weft::Result<u64> {
    weft::update::<Counter>()
        .set(Counter::n, Counter::n + 1)
        .filter(Counter::id.eq(id))
        .execute(&mut *tx)
        .await
}

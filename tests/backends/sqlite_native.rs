//! The native SQLite driver (`Db::connect("sqlite:…")`) under concurrency, cancellation and
//! long statements. SQLite only: the other backends' pools are servers' connections, and
//! these are the traps of an embedded database whose statements run on weft's own threads.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use weft::{Db, Error, Table};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "entries")]
pub struct Entry {
    #[column(primary_key, auto)]
    pub id: i64,
    pub task: i64,
    pub n: i64,
}

fn entry(task: i64, n: i64) -> NewEntry {
    NewEntry { id: None, task, n }
}

static FILES: AtomicU32 = AtomicU32::new(0);

/// A fresh file database (removed when dropped).
struct File {
    path: std::path::PathBuf,
}

impl File {
    fn new(name: &str) -> File {
        let n = FILES.fetch_add(1, Ordering::Relaxed);
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("weft_native_{name}_{}_{n}.db", std::process::id()));
        File::remove(&path);
        File { path }
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    fn remove(path: &std::path::Path) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        File::remove(&self.path);
    }
}

async fn count(db: impl weft::Executor) -> weft::Result<i64> {
    weft::raw("SELECT count(*) FROM entries")
        .fetch_one(db)
        .await
}

async fn count_of(db: &Db, task: i64) -> weft::Result<i64> {
    weft::raw("SELECT count(*) FROM entries WHERE task = ?")
        .bind(task)
        .fetch_one(db)
        .await
}

/// Counts forever (until interrupted).
const ENDLESS: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                       SELECT count(*) FROM c";

/// Rows for ever (until interrupted, or the reader stops).
const ENDLESS_ROWS: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                            SELECT x FROM c";

const TASKS: i64 = 64;
const WRITES: i64 = 20;
const IN_TX: i64 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_on_a_wal_file_lose_and_duplicate_nothing() -> weft::Result<()> {
    let file = File::new("wal");
    let db = Db::connect(&file.url()).await?;
    // File databases are in WAL mode by default.
    let mode: String = weft::raw("PRAGMA journal_mode").fetch_one(&db).await?;
    assert_eq!(mode, "wal");
    db.create_tables::<Entry>().await?;

    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                for n in 0..WRITES {
                    weft::insert(entry(task, n)).execute(&db).await?;
                    // Reads interleave with the other tasks' writes.
                    assert_eq!(count_of(&db, task).await?, n + 1);
                }
                // A transaction that writes first (it waits for the write lock rather than
                // failing), then reads its own writes.
                let mut tx = db.begin().await?;
                for n in WRITES..WRITES + IN_TX {
                    weft::insert(entry(task, n)).execute(&mut tx).await?;
                }
                let mine: i64 = weft::raw("SELECT count(*) FROM entries WHERE task = ?")
                    .bind(task)
                    .fetch_one(&mut tx)
                    .await?;
                assert_eq!(mine, WRITES + IN_TX);
                tx.commit().await?;
                weft::Result::Ok(())
            })
        })
        .collect();
    for task in tasks {
        // No SQLITE_BUSY reaches a caller: every wait for a lock is SQLite's busy timeout.
        task.await.expect("task")?;
    }

    let rows = weft::select::<Entry>().all(&db).await?;
    assert_eq!(rows.len() as i64, TASKS * (WRITES + IN_TX));
    let distinct: BTreeSet<(i64, i64)> = rows.iter().map(|e| (e.task, e.n)).collect();
    let expected: BTreeSet<(i64, i64)> = (0..TASKS)
        .flat_map(|t| (0..WRITES + IN_TX).map(move |n| (t, n)))
        .collect();
    assert_eq!(distinct, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_holds_one_connection_and_sees_its_writes() -> weft::Result<()> {
    let file = File::new("tx");
    let db = Db::connect(&file.url()).await?;
    db.create_tables::<Entry>().await?;
    let mut tx = db.begin().await?;
    weft::insert(entry(1, 1)).execute(&mut tx).await?;
    // Every statement of the transaction runs on its connection: it sees its write ...
    assert_eq!(count(&mut tx).await?, 1);
    for n in 2..=10 {
        weft::insert(entry(1, n)).execute(&mut tx).await?;
        assert_eq!(count(&mut tx).await?, n);
    }
    // ... which the pool's other connections do not see before the commit (and reading
    // there does not wait for the writer: WAL).
    assert_eq!(count(&db).await?, 0);
    tx.commit().await?;
    assert_eq!(count(&db).await?, 10);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_memory_database_is_one_database_for_every_statement() -> weft::Result<()> {
    let db = Db::connect("sqlite::memory:").await?;
    let other = Db::connect("sqlite::memory:").await?;
    db.create_tables::<Entry>().await?;
    let tasks: Vec<_> = (0..16)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                weft::insert(entry(task, 0)).execute(&db).await?;
                let mut tx = db.begin().await?;
                weft::insert(entry(task, 1)).execute(&mut tx).await?;
                tx.commit().await?;
                count(&db).await
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.expect("task")? >= 2);
    }
    assert_eq!(count(&db).await?, 32);
    // Another `sqlite::memory:` is another database.
    assert!(count(&other).await.is_err(), "no such table there");
    Ok(())
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: i64,
    pub body: String,
    pub tag: Option<String>,
}

/// A write with more binds than run in place goes to a blocking thread with copies of its
/// values: text comes back exactly as it went (empty, non-ASCII, an embedded NUL), on both
/// runtimes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_with_many_binds_keeps_every_text_exactly() -> weft::Result<()> {
    many_text_binds().await
}

#[tokio::test]
async fn a_write_with_many_binds_keeps_every_text_exactly_on_one_thread() -> weft::Result<()> {
    many_text_binds().await
}

async fn many_text_binds() -> weft::Result<()> {
    let db = Db::connect("sqlite::memory:").await?;
    db.create_tables::<Note>().await?;
    let texts = [
        "",
        "plain",
        "naïve café",
        "日本語のテキスト",
        "emoji 🦀🦀",
        "nul\0inside",
    ];
    let notes: Vec<Note> = (0..400)
        .map(|i| Note {
            id: i,
            body: format!("{}{i}", texts[i as usize % texts.len()]),
            tag: (i % 3 != 0).then(|| texts[(i as usize + 1) % texts.len()].to_owned()),
        })
        .collect();
    // 1,200 binds in one statement.
    weft::insert_many(notes.clone()).execute(&db).await?;
    let back = weft::find_many::<Note>()
        .order_by(Note::id)
        .all(&db)
        .await?;
    assert_eq!(back, notes);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_query_future_midway_leaves_the_connection_usable() -> weft::Result<()> {
    // In memory: the pool's one connection serves the next statements, so it must be usable.
    let db = Db::connect("sqlite::memory:").await?;
    db.create_tables::<Entry>().await?;
    weft::insert(entry(1, 1)).execute(&db).await?;
    for _ in 0..3 {
        // Rows stream for ever; the reader gives up after a while.
        let endless = weft::raw(ENDLESS_ROWS);
        let read = endless.fetch_all::<i64, _>(&db);
        let dropped = tokio::time::timeout(Duration::from_millis(30), read).await;
        assert!(dropped.is_err(), "an endless read finished");
        let next = tokio::time::timeout(Duration::from_secs(10), count(&db)).await;
        assert_eq!(next.expect("the next statement was blocked")?, 1);
    }

    // Inside a transaction: the transaction is aborted, and nothing of it stays open.
    let mut tx = db.begin().await?;
    weft::insert(entry(2, 1)).execute(&mut tx).await?;
    let endless = weft::raw(ENDLESS_ROWS);
    let read = endless.fetch_all::<i64, _>(&mut tx);
    assert!(
        tokio::time::timeout(Duration::from_millis(30), read)
            .await
            .is_err()
    );
    let after = count(&mut tx).await;
    assert!(
        matches!(after, Err(Error::TransactionAborted { .. })),
        "{after:?}"
    );
    drop(tx);
    // Rolled back, and the connection takes a new transaction.
    assert_eq!(count(&db).await?, 1);
    let mut tx = db.begin().await?;
    weft::insert(entry(3, 1)).execute(&mut tx).await?;
    tx.commit().await?;
    assert_eq!(count(&db).await?, 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_interrupts_a_long_statement_and_the_next_one_runs() -> weft::Result<()> {
    let file = File::new("timeout");
    for url in ["sqlite::memory:".to_owned(), file.url()] {
        let db = Db::connect(&url).await?;
        db.create_tables::<Entry>().await?;
        weft::insert(entry(1, 1)).execute(&db).await?;
        for _ in 0..3 {
            let started = Instant::now();
            let timed_out =
                tokio::time::timeout(Duration::from_millis(100), db.execute_sql(ENDLESS, vec![]))
                    .await;
            assert!(timed_out.is_err(), "an endless statement finished");
            // In memory the next statement needs the same connection: it runs only because
            // the endless one was interrupted.
            let next = tokio::time::timeout(Duration::from_secs(10), count(&db)).await;
            assert_eq!(next.expect("the next statement was blocked")?, 1, "{url}");
            assert!(started.elapsed() < Duration::from_secs(10));
        }
    }
    Ok(())
}

/// Rows in the long scan.
const SCAN: i64 = 100_000;

/// A database at `url` whose `entries` hold [`SCAN`] rows.
async fn scan_table(url: &str) -> weft::Result<Db> {
    let db = Db::connect(url).await?;
    db.create_tables::<Entry>().await?;
    db.execute_sql(
        &format!(
            "INSERT INTO entries (task, n) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL \
             SELECT x + 1 FROM c WHERE x < {SCAN}) SELECT 0, x FROM c"
        ),
        vec![],
    )
    .await?;
    Ok(db)
}

/// A task that counts milliseconds while it gets to run: a statement that held the runtime
/// shows as no tick.
fn ticker() -> (Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let ticks = Arc::new(AtomicU64::new(0));
    let task = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    (ticks, task)
}

#[tokio::test]
async fn a_long_scan_on_a_current_thread_runtime_neither_panics_nor_stalls() -> weft::Result<()> {
    let file = File::new("scan");
    for url in ["sqlite::memory:".to_owned(), file.url()] {
        let db = scan_table(&url).await?;
        // A task that ticks while the scan runs: the runtime is not held by it.
        let (ticks, ticker) = ticker();
        tokio::task::yield_now().await;
        let before = ticks.load(Ordering::Relaxed);
        let rows = weft::select::<Entry>().order_by(Entry::id).all(&db).await?;
        let during = ticks.load(Ordering::Relaxed) - before;
        ticker.abort();
        // Every row once, in order: the part read in place and the part read on a blocking
        // thread join up.
        assert_eq!(rows.len() as i64, SCAN, "{url}");
        assert!(
            rows.iter().zip(1..).all(|(e, n)| e.n == n && e.id == n),
            "{url}"
        );
        assert!(
            during > 0,
            "the runtime was held for the whole scan ({url})"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_ran_long_runs_again_in_place_without_holding_the_runtime() -> weft::Result<()>
{
    // The first scan runs past the in-place budget: it goes on on a blocking thread, and the
    // connection remembers it. The next ones run in place under `block_in_place`, the
    // runtime's other tasks moving to another thread: they go on ticking, and every row comes
    // once, in order, each time.
    let file = File::new("long_read");
    for url in ["sqlite::memory:".to_owned(), file.url()] {
        let db = scan_table(&url).await?;
        let (ticks, ticker) = ticker();
        for run in 0..3 {
            let before = ticks.load(Ordering::Relaxed);
            // On a worker thread, as a request handler reads.
            let read = tokio::spawn({
                let db = db.clone();
                async move { weft::select::<Entry>().order_by(Entry::id).all(&db).await }
            });
            let rows = read.await.expect("the read task panicked")?;
            let during = ticks.load(Ordering::Relaxed) - before;
            assert_eq!(rows.len() as i64, SCAN, "{url}, run {run}");
            assert!(
                rows.iter().zip(1..).all(|(e, n)| e.n == n && e.id == n),
                "{url}, run {run}"
            );
            assert!(during > 0, "the runtime was held by run {run} ({url})");
        }
        ticker.abort();
        // A long read known to the connection still gives way to a dropped future (after at
        // most its longer budget) and leaves the connection usable.
        let endless = weft::raw(ENDLESS_ROWS);
        for _ in 0..3 {
            let read = endless.fetch_all::<i64, _>(&db);
            let dropped = tokio::time::timeout(Duration::from_millis(30), read).await;
            assert!(dropped.is_err(), "an endless read finished ({url})");
            let next = tokio::time::timeout(Duration::from_secs(10), count(&db)).await;
            assert_eq!(
                next.expect("the next statement was blocked")?,
                SCAN,
                "{url}"
            );
        }
    }
    Ok(())
}

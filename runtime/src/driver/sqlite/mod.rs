//! The native SQLite driver: SQLite called through rusqlite on connections weft owns, in its
//! own small pool.
//!
//! Where a statement runs (see docs/design.md, "Native SQLite driver"):
//! - **In place**, on the async worker that polls it, by default: prepared once per
//!   connection (rusqlite's statement cache), bound by reference, stepped to its end, and
//!   each row handed to the sink straight from SQLite's buffers. The future completes in one
//!   poll. No thread hop: a lookup costs what SQLite costs.
//! - **On a blocking thread** (`tokio::task::spawn_blocking`, which exists on a current-thread
//!   runtime too) when in-place work would stall the runtime: a statement with more than
//!   [`IN_PLACE_MAX_BINDS`] binds; one that meets `SQLITE_BUSY` (the wait for the lock is
//!   SQLite's busy handler, which must not block the worker); one that runs past
//!   [`STEP_BUDGET`] in place (SQLite's progress handler watches the clock). Rows then cross
//!   in batches through a channel, and a dropped future interrupts the statement.
//!
//! A read over budget before it produced a row is interrupted and run again on the blocking
//! thread (it changed nothing). A read over budget after it delivered rows goes on there in
//! the same snapshot (a read transaction is opened around it when none is), skipping the rows
//! already delivered. A write is never interrupted for the budget: SQLite calls the progress
//! handler once more after the statement's last instruction, when an autocommit write has
//! already committed (running it again would write twice), and an interrupted write inside a
//! transaction rolls the whole transaction back. A write runs in place to its end (SQLite has
//! one writer at a time: moving it would not let another write run).
//!
//! No `unsafe`: every SQLite object stays behind rusqlite's safe API; a connection moves to a
//! blocking thread whole (rusqlite's `Connection` is `Send`), and no statement is held across
//! an `.await`.

mod bind;
mod error;
mod row;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use rusqlite::types::ValueRef;
use rusqlite::{OpenFlags, ffi};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use error::NativeSqliteError;
use row::{Packed, PackedRow, Row};

use super::{Connection, Driver, RowSink, Rows, Server};
use crate::backend::Backend;
use crate::decode::RowRef;
use crate::dialect::{Binds, Stmt};
use crate::error::{Error, Result};

/// How long a statement may run in place before it moves to a blocking thread.
const STEP_BUDGET: Duration = Duration::from_millis(1);
/// SQLite virtual-machine instructions between two calls of the progress handler (a few
/// tens of microseconds): short statements never call it.
const PROGRESS_OPS: i32 = 1000;
/// More binds than this are bound on a blocking thread (binding is itself work).
const IN_PLACE_MAX_BINDS: usize = 256;
/// How long a statement waits for another connection's lock (on a blocking thread).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a statement waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections of a file database's pool.
const FILE_POOL_SIZE: usize = 10;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;
/// Rows per message from a blocking thread.
const BATCH: usize = 256;
/// Column labels kept per connection (by SQL text) before the map is cleared.
const LABELS_KEPT: usize = 256;
/// In-place rows of at most this many columns are read without allocating.
const STACK_COLUMNS: usize = 16;

/// What the progress handler does (see [`Watch`]).
const MODE_OFF: u8 = 0;
const MODE_INTERRUPT: u8 = 1;
const MODE_NOTE: u8 = 2;

/// What a connection's progress handler watches, shared with it: the in-place budget of the
/// running statement, and a cancellation from the future that awaits a blocking one.
struct Watch {
    base: Instant,
    /// [`MODE_OFF`] (no budget), [`MODE_INTERRUPT`] (interrupt when over it) or
    /// [`MODE_NOTE`] (only note it).
    mode: AtomicU8,
    /// Nanoseconds after `base` when the budget runs out.
    deadline: AtomicU64,
    /// The budget ran out (1) and the handler interrupted the statement for it (2).
    over: AtomicU8,
    /// The running statement's number; a fresh one for each statement.
    statement: AtomicU64,
    /// The number of the statement to interrupt (a future dropped while it runs).
    cancel: AtomicU64,
    /// Nanoseconds after `base` when a client-side statement timeout interrupts whatever
    /// runs, read or write ([`NO_DEADLINE`]: none). Set by the connection's holder.
    stop_at: AtomicU64,
}

/// [`Watch::stop_at`] when no statement timeout is set.
const NO_DEADLINE: u64 = u64::MAX;

impl Watch {
    fn new() -> Self {
        Watch {
            base: Instant::now(),
            mode: AtomicU8::new(MODE_OFF),
            deadline: AtomicU64::new(0),
            over: AtomicU8::new(0),
            statement: AtomicU64::new(0),
            cancel: AtomicU64::new(u64::MAX),
            stop_at: AtomicU64::new(NO_DEADLINE),
        }
    }

    /// Sets or lifts (`None`) the statement timeout's end.
    fn stop_at(&self, at: Option<Instant>) {
        let at = at.map_or(NO_DEADLINE, |at| {
            u64::try_from(at.saturating_duration_since(self.base).as_nanos())
                .unwrap_or(NO_DEADLINE - 1)
        });
        self.stop_at.store(at, Ordering::Release);
    }

    fn has_deadline(&self) -> bool {
        self.stop_at.load(Ordering::Acquire) != NO_DEADLINE
    }

    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Starts a statement (a fresh number: a late cancellation of an earlier one does not
    /// reach it) with a budget, or none (`MODE_OFF`). Returns its number.
    fn start(&self, mode: u8) -> u64 {
        let n = self.statement.load(Ordering::Relaxed).wrapping_add(1) % (u64::MAX - 1);
        self.statement.store(n, Ordering::Relaxed);
        self.over.store(0, Ordering::Relaxed);
        if mode != MODE_OFF {
            let budget = u64::try_from(STEP_BUDGET.as_nanos()).unwrap_or(u64::MAX);
            self.deadline
                .store(self.now().saturating_add(budget), Ordering::Relaxed);
        }
        self.mode.store(mode, Ordering::Relaxed);
        n
    }

    /// The progress handler: `true` interrupts the running statement.
    fn tick(&self) -> bool {
        if self.cancel.load(Ordering::Acquire) == self.statement.load(Ordering::Relaxed) {
            return true;
        }
        let stop_at = self.stop_at.load(Ordering::Acquire);
        if stop_at != NO_DEADLINE && self.now() >= stop_at {
            return true;
        }
        let mode = self.mode.load(Ordering::Relaxed);
        if mode == MODE_OFF {
            return false;
        }
        if self.over.load(Ordering::Relaxed) == 0
            && self.now() > self.deadline.load(Ordering::Relaxed)
        {
            self.over.store(1, Ordering::Relaxed);
        }
        if self.over.load(Ordering::Relaxed) != 0 && mode == MODE_INTERRUPT {
            self.over.store(2, Ordering::Relaxed);
            return true;
        }
        false
    }
}

/// One connection weft owns.
struct Raw {
    conn: rusqlite::Connection,
    watch: Arc<Watch>,
    /// Column labels by SQL text (read once per statement text).
    labels: HashMap<Box<str>, Arc<[Box<str>]>>,
}

impl Raw {
    fn open(target: &Target) -> rusqlite::Result<Raw> {
        let conn = rusqlite::Connection::open_with_flags(&target.path, target.flags)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // In place, SQLite never waits for a lock: a busy statement moves to a blocking
        // thread, which sets the timeout.
        conn.busy_timeout(Duration::ZERO)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        let watch = Arc::new(Watch::new());
        let handler = watch.clone();
        conn.progress_handler(PROGRESS_OPS, Some(move || handler.tick()))?;
        Ok(Raw {
            conn,
            watch,
            labels: HashMap::new(),
        })
    }

    /// Ends whatever transaction the connection has open (one dropped, or begun by hand).
    fn settle(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// The labels of `st`'s columns, read once per SQL text.
fn labels(
    cache: &mut HashMap<Box<str>, Arc<[Box<str>]>>,
    text: &str,
    st: &rusqlite::Statement<'_>,
) -> Arc<[Box<str>]> {
    if let Some(l) = cache.get(text) {
        return l.clone();
    }
    let l: Arc<[Box<str>]> = st.column_names().into_iter().map(Box::from).collect();
    if cache.len() >= LABELS_KEPT {
        cache.clear();
    }
    cache.insert(text.into(), l.clone());
    l
}

/// What to open: the path or URI SQLite is given, and how.
struct Target {
    path: String,
    flags: OpenFlags,
}

/// The pool: idle connections, and a permit per connection that may be out.
struct Pool {
    target: Target,
    idle: Mutex<Vec<Raw>>,
    permits: Arc<Semaphore>,
    /// The write lock of weft's own connections to a file database, taken (in FIFO order)
    /// before a statement that writes and held until its connection has no transaction open:
    /// writers queue here instead of polling SQLite's lock (see [`take_writer`]).
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Set for an in-memory database (one connection, which is the database).
    memory: Option<MemoryState>,
}

#[derive(Default)]
struct MemoryState {
    /// While a transaction holds the only connection: the task that began it (`None` outside
    /// a Tokio task).
    transaction_task: Mutex<Option<Option<tokio::task::Id>>>,
}

impl Pool {
    async fn acquire(self: &Arc<Self>) -> std::result::Result<Slot, sqlx::Error> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut raw = match idle {
            Some(raw) => raw,
            None => Raw::open(&self.target).map_err(error::to_sqlx)?,
        };
        raw.settle();
        Ok(Slot {
            raw: Some(raw),
            pool: self.clone(),
            close: false,
            writer: None,
            _permit: permit,
        })
    }

    /// Fails at once, rather than waiting for the pool (30 s) and failing then, when the only
    /// connection of an in-memory database is held by a transaction this task opened.
    fn check_only_connection(&self, sql: &str) -> Result<()> {
        if let Some(m) = &self.memory
            && let Ok(task) = m.transaction_task.lock()
            && *task == Some(tokio::task::try_id())
        {
            return Err(Error::Busy {
                sql: sql.to_owned(),
            });
        }
        Ok(())
    }
}

/// A connection taken from the pool; it goes back when dropped (wherever that happens: on a
/// blocking thread whose future was dropped, too), with any transaction rolled back.
struct Slot {
    raw: Option<Raw>,
    pool: Arc<Pool>,
    /// Closed instead of returned (a file database's connection in an unknown state).
    close: bool,
    /// The pool's write lock, while this connection writes (released after the connection
    /// went back, its transaction rolled back).
    writer: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Released after the connection is back among the idle ones.
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    /// The connection (only `Drop` takes it out).
    fn raw(&mut self) -> std::result::Result<&mut Raw, Failure> {
        self.raw.as_mut().ok_or_else(|| {
            Failure::Sqlite(sqlx::Error::Protocol(
                "the SQLite connection was lost".into(),
            ))
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(mut raw) = self.raw.take() else {
            return;
        };
        raw.watch.mode.store(MODE_OFF, Ordering::Relaxed);
        // A holder dropped before it lifted its statement timeout leaves none behind.
        raw.watch.stop_at(None);
        raw.settle();
        // An in-memory database's one connection is the database: never closed.
        if self.close && self.pool.memory.is_none() {
            return;
        }
        if let Ok(mut idle) = self.pool.idle.lock() {
            idle.push(raw);
        }
    }
}

/// The native SQLite pool.
pub(crate) struct NativeSqliteDriver {
    pool: Arc<Pool>,
    server: Server,
}

static MEMORY_DATABASES: AtomicU64 = AtomicU64::new(0);

impl NativeSqliteDriver {
    /// Opens `url` (`sqlite::memory:` or `sqlite://path`, with SQLite's URI parameters
    /// `mode`, `cache`, `vfs`, `immutable`); `memory` says it is an in-memory database.
    pub(crate) async fn open(url: &str, memory: bool) -> std::result::Result<Self, sqlx::Error> {
        let (target, size) = if memory {
            // One connection, which is the database: every statement sees it.
            let n = MEMORY_DATABASES.fetch_add(1, Ordering::Relaxed);
            let target = Target {
                path: format!("file:weft-mem-{}-{n}?mode=memory", std::process::id()),
                flags: OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            };
            (target, 1)
        } else {
            (file_target(url)?, FILE_POOL_SIZE)
        };
        let wal = !memory && !target.flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY);
        let pool = Arc::new(Pool {
            target,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size)),
            // One connection needs no queue.
            writer: (!memory).then(|| Arc::new(tokio::sync::Mutex::new(()))),
            memory: memory.then(MemoryState::default),
        });
        // The first connection, opened on a blocking thread: switching a file database to WAL
        // may wait for another process's lock.
        let mut first = pool.acquire().await?;
        let first = tokio::task::spawn_blocking(move || {
            if wal && let Some(raw) = first.raw.as_mut() {
                let conn = &raw.conn;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
                    row.get::<_, String>(0)
                })?;
                conn.busy_timeout(Duration::ZERO)?;
            }
            Ok::<_, rusqlite::Error>(first)
        })
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
        .map_err(error::to_sqlx)?;
        drop(first);
        Ok(NativeSqliteDriver {
            pool,
            server: Server {
                backend: Backend::Sqlite,
                version: rusqlite::version().to_owned(),
                max_packet: None,
            },
        })
    }

    async fn slot(&self, sql: &str) -> Result<Slot> {
        self.pool.check_only_connection(sql)?;
        self.pool.acquire().await.map_err(|source| Error::Query {
            sql: sql.to_owned(),
            source,
        })
    }

    fn conn(&self, mut slot: Slot, holds: Option<HoldsOnly>) -> NativeConn {
        let watch = slot.raw().ok().map(|raw| raw.watch.clone());
        NativeConn {
            watch,
            state: State::Ready(Box::new(slot)),
            depth: 0,
            pending_rollbacks: 0,
            _holds: holds,
        }
    }
}

/// The file a `sqlite:` URL names, as a SQLite URI (`file:` path and the parameters SQLite
/// reads), created if missing unless `mode=ro`.
fn file_target(url: &str) -> std::result::Result<Target, sqlx::Error> {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let mut uri = String::from("file:");
    for c in path.chars() {
        match c {
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            '%' => uri.push_str("%25"),
            c => uri.push(c),
        }
    }
    let mut flags = OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut read_only = false;
    let mut sep = '?';
    for param in params.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key {
            "mode" | "cache" | "vfs" | "immutable" => {
                read_only |= key == "mode" && value == "ro";
                uri.push(sep);
                uri.push_str(param);
                sep = '&';
            }
            _ => {}
        }
    }
    if read_only {
        flags |= OpenFlags::SQLITE_OPEN_READ_ONLY;
    } else {
        flags |= OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    }
    Ok(Target { path: uri, flags })
}

/// How a statement failed: in SQLite (reported as the statement's or the transaction
/// control's error) or before it reached SQLite (a value weft refused).
enum Failure {
    Sqlite(sqlx::Error),
    Weft(Error),
}

impl Failure {
    fn query(self, sql: &str) -> Error {
        match self {
            Failure::Sqlite(source) => Error::Query {
                sql: sql.to_owned(),
                source,
            },
            Failure::Weft(e) => e,
        }
    }

    fn control(self, action: &'static str) -> Error {
        match self {
            Failure::Sqlite(source) => Error::Transaction { action, source },
            Failure::Weft(e) => e,
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sqlite(error::to_sqlx(e))
    }
}

/// What a statement's caller wants: its rows (handed to a sink) or the rows it changed.
enum Want<'s, 'k> {
    Rows(Rows, &'s mut RowSink<'k>),
    Affected,
}

/// What an in-place run came to.
enum Placed {
    Done(std::result::Result<u64, Failure>),
    /// Go on on a blocking thread.
    Move(Moved),
}

/// How a statement goes on on a blocking thread.
#[derive(Default)]
struct Moved {
    /// Rows already delivered in place (skipped there).
    skip: u64,
    /// A read transaction was opened in place to keep the snapshot: ended after it.
    snapshot: bool,
    /// The text holds several statements (run as a batch, without binds).
    batch: bool,
}

/// Whether `text` may give other rows when run again in the same snapshot.
fn nondeterministic(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("random") || lower.contains("changes()") || lower.contains("last_insert")
}

/// Whether a busy statement may wait for the lock and run again: SQLite allows it outside a
/// transaction, for `COMMIT`, and inside one that holds no lock yet (where SQLite itself would
/// have called the busy handler).
fn busy_retryable(conn: &rusqlite::Connection, was_autocommit: bool, text: &str) -> bool {
    if was_autocommit {
        return true;
    }
    let head = text.trim_start().get(..6).unwrap_or("");
    if head.eq_ignore_ascii_case("COMMIT")
        || head.get(..3).is_some_and(|h| h.eq_ignore_ascii_case("END"))
    {
        return true;
    }
    matches!(
        conn.transaction_state(None::<&str>),
        Ok(rusqlite::TransactionState::None)
    )
}

/// The rows a statement changed: none for a read or a schema change (SQLite's count is the
/// previous write's then).
fn affected(conn: &rusqlite::Connection, total_before: u64) -> u64 {
    if conn.total_changes() == total_before {
        0
    } else {
        conn.changes()
    }
}

/// Runs `sql` in place on `raw`, as far as its budget allows.
fn run_in_place(raw: &mut Raw, sql: &Stmt<'_>, want: &mut Want<'_, '_>) -> Placed {
    let Raw {
        conn,
        watch,
        labels: label_cache,
    } = raw;
    // Every value is checked before anything reaches SQLite (weft refuses some statements
    // through their binds: too deep, a raw fragment that does not fit, an unsupported
    // feature).
    let values = match (0..sql.binds.len())
        .map(|i| bind::encode(sql, i, sql.binds.get(i)))
        .collect::<Result<Vec<_>>>()
    {
        Ok(values) => values,
        Err(e) => return Placed::Done(Err(Failure::Weft(e))),
    };
    let mut st = match conn.prepare_cached(&sql.text) {
        Ok(st) => st,
        Err(rusqlite::Error::MultipleStatement) if values.is_empty() => {
            return Placed::Move(Moved {
                batch: true,
                ..Moved::default()
            });
        }
        Err(e) => return Placed::Done(Err(e.into())),
    };
    for (i, value) in values.into_iter().enumerate() {
        if let Err(e) = st.raw_bind_parameter(i + 1, value) {
            return Placed::Done(Err(e.into()));
        }
    }
    let readonly = st.readonly();
    let was_autocommit = conn.is_autocommit();
    let names = match want {
        Want::Rows(..) => labels(label_cache, &sql.text, &st),
        Want::Affected => Arc::from(Vec::new()),
    };
    let columns = names.len();
    let total_before = conn.total_changes();
    // A write under a statement timeout may be interrupted at the deadline, and SQLite calls
    // the progress handler once more after an autocommit write has committed: run it in a
    // transaction of its own, committed here only if it ran to its end.
    let own_tx = !readonly && was_autocommit && watch.has_deadline();
    if own_tx && let Err(e) = conn.execute_batch("BEGIN") {
        return Placed::Done(Err(e.into()));
    }
    // Only a read is interrupted for the budget: SQLite calls the progress handler once more
    // after a statement's last instruction, so an interrupted write may have committed.
    watch.start(if readonly { MODE_INTERRUPT } else { MODE_NOTE });
    let mut delivered = 0u64;
    let mut rows = st.raw_query();
    let outcome = loop {
        match rows.next() {
            Ok(Some(row)) => {
                let Want::Rows(which, sink) = want else {
                    continue;
                };
                let out = if columns <= STACK_COLUMNS {
                    let mut cells = [ValueRef::Null; STACK_COLUMNS];
                    for (i, cell) in cells.iter_mut().enumerate().take(columns) {
                        *cell = row.get_ref(i).unwrap_or(ValueRef::Null);
                    }
                    sink(RowRef::new(&Row {
                        cells: &cells[..columns],
                        names: &names,
                    }))
                } else {
                    let cells: Vec<ValueRef<'_>> = (0..columns)
                        .map(|i| row.get_ref(i).unwrap_or(ValueRef::Null))
                        .collect();
                    sink(RowRef::new(&Row {
                        cells: &cells[..],
                        names: &names,
                    }))
                };
                delivered += 1;
                if let Err(e) = out {
                    break Placed::Done(Err(Failure::Weft(e)));
                }
                if *which == Rows::First {
                    break Placed::Done(Ok(delivered));
                }
                if delivered == 1 {
                    // Rows were handed over: never interrupted for the budget from here.
                    watch.mode.store(MODE_NOTE, Ordering::Relaxed);
                }
                if watch.over.load(Ordering::Relaxed) != 0
                    && readonly
                    && !nondeterministic(&sql.text)
                {
                    // Keep the snapshot for the rest: a read transaction, opened while the
                    // statement still holds its read lock.
                    let snapshot = conn.is_autocommit();
                    if snapshot && conn.execute_batch("BEGIN").is_err() {
                        continue;
                    }
                    break Placed::Move(Moved {
                        skip: delivered,
                        snapshot,
                        batch: false,
                    });
                }
            }
            Ok(None) => {
                let n = match want {
                    Want::Rows(..) => delivered,
                    Want::Affected => affected(conn, total_before),
                };
                break Placed::Done(Ok(n));
            }
            Err(e) => {
                let fresh = delivered == 0;
                if fresh && watch.over.load(Ordering::Relaxed) == 2 {
                    break Placed::Move(Moved::default());
                }
                if fresh
                    && error::primary(&e) == Some(ffi::SQLITE_BUSY)
                    && busy_retryable(conn, was_autocommit, &sql.text)
                {
                    break Placed::Move(Moved::default());
                }
                break Placed::Done(Err(e.into()));
            }
        }
    };
    watch.mode.store(MODE_OFF, Ordering::Relaxed);
    drop(rows);
    if own_tx && !conn.is_autocommit() {
        let end = match outcome {
            Placed::Done(Ok(_)) => "COMMIT",
            _ => "ROLLBACK",
        };
        // The deadline was met or not while the statement ran; its end is not interrupted.
        let stop_at = watch.stop_at.swap(NO_DEADLINE, Ordering::AcqRel);
        let ended = conn.execute_batch(end);
        watch.stop_at.store(stop_at, Ordering::Release);
        if let Err(e) = ended {
            let _ = conn.execute_batch("ROLLBACK");
            return Placed::Done(Err(e.into()));
        }
    }
    outcome
}

/// A statement that runs on a blocking thread, owned.
struct Job {
    text: String,
    binds: Vec<rusqlite::types::Value>,
    /// `None`: the rows changed are wanted, not rows.
    rows: Option<Rows>,
    moved: Moved,
}

/// Rows sent from a blocking thread.
struct Batch {
    names: Arc<[Box<str>]>,
    /// How many rows (each `names.len()` cells of `packed`).
    rows: usize,
    packed: Packed,
}

/// Runs `job` to its end on `raw` (on a blocking thread), sending rows to `out`; waits for
/// other connections' locks up to [`BUSY_TIMEOUT`].
fn run_blocking(
    raw: &mut Raw,
    job: &Job,
    out: Option<&mpsc::Sender<Batch>>,
) -> rusqlite::Result<u64> {
    raw.conn.busy_timeout(BUSY_TIMEOUT)?;
    let result = step_blocking(raw, job, out);
    if job.moved.snapshot && !raw.conn.is_autocommit() {
        // The read transaction opened in place to keep the snapshot (nothing to commit).
        let _ = raw.conn.execute_batch("ROLLBACK");
    }
    raw.conn.busy_timeout(Duration::ZERO)?;
    result
}

fn step_blocking(
    raw: &mut Raw,
    job: &Job,
    out: Option<&mpsc::Sender<Batch>>,
) -> rusqlite::Result<u64> {
    let Raw {
        conn,
        labels: label_cache,
        ..
    } = raw;
    let total_before = conn.total_changes();
    if job.moved.batch {
        conn.execute_batch(&job.text)?;
        return Ok(match job.rows {
            Some(_) => 0,
            None => affected(conn, total_before),
        });
    }
    let mut st = conn.prepare_cached(&job.text)?;
    for (i, v) in job.binds.iter().enumerate() {
        st.raw_bind_parameter(i + 1, v)?;
    }
    let names = labels(label_cache, &job.text, &st);
    let columns = names.len();
    let mut rows = st.raw_query();
    let (mut seen, mut sent) = (0u64, 0u64);
    let mut batch = (0usize, Packed::default());
    while let Some(row) = rows.next()? {
        seen += 1;
        if seen <= job.moved.skip {
            continue;
        }
        let (Some(which), Some(out)) = (job.rows, out) else {
            continue;
        };
        for i in 0..columns {
            batch.1.push(row.get_ref(i).unwrap_or(ValueRef::Null));
        }
        batch.0 += 1;
        sent += 1;
        let last = which == Rows::First;
        if batch.0 >= BATCH || last {
            let (rows, packed) = std::mem::take(&mut batch);
            let names = names.clone();
            if out
                .blocking_send(Batch {
                    names,
                    rows,
                    packed,
                })
                .is_err()
            {
                // The future was dropped: nobody reads the rest.
                return Ok(sent);
            }
        }
        if last {
            return Ok(sent);
        }
    }
    if let Some(out) = out
        && batch.0 > 0
    {
        let (rows, packed) = batch;
        let _ = out.blocking_send(Batch {
            names,
            rows,
            packed,
        });
    }
    Ok(match job.rows {
        Some(_) => sent,
        None => affected(conn, total_before),
    })
}

/// Interrupts the blocking statement numbered `statement` when dropped, unless disarmed: its
/// future was dropped (a timeout) or stopped reading.
struct CancelOnDrop {
    watch: Arc<Watch>,
    statement: u64,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.watch.cancel.store(self.statement, Ordering::Release);
        }
    }
}

/// A blocking thread's result: the connection back, and the statement's outcome.
type Finished = (Slot, std::result::Result<u64, Failure>);

/// Starts `job` on a blocking thread with `slot`; returns the thread and the guard that
/// interrupts it if the caller goes away.
fn spawn(
    mut slot: Slot,
    job: Job,
    out: Option<mpsc::Sender<Batch>>,
) -> std::result::Result<(tokio::task::JoinHandle<Finished>, CancelOnDrop), Failure> {
    let watch = slot.raw()?.watch.clone();
    let statement = watch.start(MODE_OFF);
    let handle = tokio::task::spawn_blocking(move || {
        let result = slot
            .raw()
            .and_then(|raw| run_blocking(raw, &job, out.as_ref()).map_err(Failure::from));
        drop(out);
        (slot, result)
    });
    Ok((
        handle,
        CancelOnDrop {
            watch,
            statement,
            armed: true,
        },
    ))
}

/// The owned form of `sql` for a blocking thread.
fn job(sql: &Stmt<'_>, rows: Option<Rows>, moved: Moved) -> Result<Job> {
    Ok(Job {
        text: sql.text.clone().into_owned(),
        binds: bind::owned(sql)?,
        rows,
        moved,
    })
}

/// Runs `sql` on a connection taken from the pool for it: in place, then on a blocking
/// thread if need be (the connection goes back to the pool by itself, even from a blocking
/// thread whose future was dropped).
async fn run_pooled(
    mut slot: Slot,
    sql: &Stmt<'_>,
    mut want: Want<'_, '_>,
) -> std::result::Result<u64, Failure> {
    take_writer(&mut slot, &sql.text).await?;
    let moved = match place(slot.raw()?, sql, &mut want) {
        Ok(out) => return out,
        Err(moved) => moved,
    };
    let (job, send, receive) = prepare_job(sql, &want, moved)?;
    let (mut handle, guard) = spawn(slot, job, send)?;
    await_job(&mut handle, guard, receive, &mut want).await.1
}

/// Runs `sql` on a held connection: in place, then on a blocking thread if need be. While it
/// runs there the thread is parked in `state`, so a statement after a dropped future waits
/// for the connection to come back (the dropped statement is interrupted).
async fn run_held(
    state: &mut State,
    sql: &Stmt<'_>,
    mut want: Want<'_, '_>,
) -> std::result::Result<u64, Failure> {
    let State::Ready(slot) = state else {
        return Err(Failure::Weft(gone(&sql.text)));
    };
    take_writer(slot, &sql.text).await?;
    let moved = match place(slot.raw()?, sql, &mut want) {
        Ok(out) => {
            release_writer(slot);
            return out;
        }
        Err(moved) => moved,
    };
    let (job, send, receive) = prepare_job(sql, &want, moved)?;
    let State::Ready(slot) = std::mem::replace(state, State::Gone) else {
        return Err(Failure::Weft(gone(&sql.text)));
    };
    let (handle, guard) = spawn(*slot, job, send)?;
    *state = State::Running(handle);
    let State::Running(handle) = state else {
        return Err(Failure::Weft(gone(&sql.text)));
    };
    let (slot, out) = await_job(handle, guard, receive, &mut want).await;
    *state = match slot {
        Some(mut slot) => {
            release_writer(&mut slot);
            State::Ready(Box::new(slot))
        }
        None => State::Gone,
    };
    out
}

/// Takes the pool's write lock for `slot` before a statement that writes (a file database's
/// pool; not while the connection holds it already).
///
/// SQLite lets one connection write at a time, and a connection that finds the lock taken
/// polls for it (its busy handler sleeps and retries, unfairly: under load a writer can
/// starve past its busy timeout). weft's own connections queue for the lock here instead, in
/// order, without blocking a thread; SQLite's busy timeout is left for other processes. The
/// lock is held until the connection's transaction ends: a transaction takes it at its first
/// write. A wait longer than the busy timeout fails as SQLite would, with `SQLITE_BUSY`.
async fn take_writer(slot: &mut Slot, text: &str) -> std::result::Result<(), Failure> {
    let Some(lock) = slot.pool.writer.clone() else {
        return Ok(());
    };
    if slot.writer.is_some() || !writes(&slot.raw()?.conn, text) {
        return Ok(());
    }
    match tokio::time::timeout(BUSY_TIMEOUT, lock.lock_owned()).await {
        Ok(guard) => {
            slot.writer = Some(guard);
            Ok(())
        }
        Err(_) => Err(Failure::Sqlite(error::busy())),
    }
}

/// Releases the write lock once the connection has no transaction open.
fn release_writer(slot: &mut Slot) {
    if slot.writer.is_some() && slot.raw().is_ok_and(|raw| raw.conn.is_autocommit()) {
        slot.writer = None;
    }
}

/// Whether `text` may write (`BEGIN IMMEDIATE` too); a statement that does not prepare is
/// left to fail when it runs.
fn writes(conn: &rusqlite::Connection, text: &str) -> bool {
    match conn.prepare_cached(text) {
        Ok(st) => !st.readonly(),
        Err(rusqlite::Error::MultipleStatement) => true,
        Err(_) => false,
    }
}

/// Runs `sql` in place unless it has too many binds; `Err` says how it goes on on a blocking
/// thread.
fn place(
    raw: &mut Raw,
    sql: &Stmt<'_>,
    want: &mut Want<'_, '_>,
) -> std::result::Result<std::result::Result<u64, Failure>, Moved> {
    if let Err(e) = super::sqlx_sqlite::check_bind_count(sql) {
        return Ok(Err(Failure::Weft(e)));
    }
    if sql.binds.len() > IN_PLACE_MAX_BINDS {
        return Err(Moved::default());
    }
    match run_in_place(raw, sql, want) {
        Placed::Done(out) => Ok(out),
        Placed::Move(moved) => Err(moved),
    }
}

type Prepared = (
    Job,
    Option<mpsc::Sender<Batch>>,
    Option<mpsc::Receiver<Batch>>,
);

fn prepare_job(
    sql: &Stmt<'_>,
    want: &Want<'_, '_>,
    moved: Moved,
) -> std::result::Result<Prepared, Failure> {
    let rows = match want {
        Want::Rows(which, _) => Some(*which),
        Want::Affected => None,
    };
    let job = job(sql, rows, moved).map_err(Failure::Weft)?;
    Ok(match rows {
        Some(_) => {
            let (s, r) = mpsc::channel::<Batch>(4);
            (job, Some(s), Some(r))
        }
        None => (job, None, None),
    })
}

/// Hands the rows a blocking thread sends to the sink, then waits for the thread: the
/// connection back (`None` if the thread failed) and the statement's outcome.
async fn await_job(
    handle: &mut tokio::task::JoinHandle<Finished>,
    mut guard: CancelOnDrop,
    mut receive: Option<mpsc::Receiver<Batch>>,
    want: &mut Want<'_, '_>,
) -> (Option<Slot>, std::result::Result<u64, Failure>) {
    let mut sink_error = None;
    if let (Some(receive), Want::Rows(_, sink)) = (receive.as_mut(), want) {
        'recv: while let Some(batch) = receive.recv().await {
            let width = batch.names.len();
            for r in 0..batch.rows {
                let cells = PackedRow {
                    cells: batch
                        .packed
                        .cells
                        .get(r * width..(r + 1) * width)
                        .unwrap_or_default(),
                    bytes: &batch.packed.bytes,
                };
                if let Err(e) = sink(RowRef::new(&Row {
                    cells: &cells,
                    names: &batch.names,
                })) {
                    sink_error = Some(e);
                    break 'recv;
                }
            }
        }
    }
    if sink_error.is_some() {
        // Its rows are not wanted: stop the statement.
        guard.watch.cancel.store(guard.statement, Ordering::Release);
    }
    drop(receive);
    let joined = handle.await;
    guard.armed = false;
    match joined {
        Err(e) => (
            None,
            Err(Failure::Sqlite(sqlx::Error::Protocol(format!(
                "the SQLite thread failed: {e}"
            )))),
        ),
        Ok((slot, result)) => {
            let out = match sink_error {
                Some(e) => Err(Failure::Weft(e)),
                None => result,
            };
            (Some(slot), out)
        }
    }
}

#[cold]
fn gone(sql: &str) -> Error {
    Error::Query {
        sql: sql.to_owned(),
        source: sqlx::Error::Protocol("the SQLite connection was lost".into()),
    }
}

/// A held connection's place.
enum State {
    Ready(Box<Slot>),
    /// A statement runs on a blocking thread with the connection.
    Running(tokio::task::JoinHandle<Finished>),
    Gone,
}

/// A connection held by a transaction or a relational load.
struct NativeConn {
    state: State,
    /// Open transactions and savepoints.
    depth: u32,
    /// Transactions and savepoints dropped while open: rolled back before the next statement.
    pending_rollbacks: u32,
    /// Dropped after the connection went back to the pool.
    _holds: Option<HoldsOnly>,
    /// The connection's progress watch (also while a blocking thread has the connection).
    watch: Option<Arc<Watch>>,
}

impl NativeConn {
    /// Waits for a statement left running on a blocking thread (its future was dropped; it
    /// was interrupted), then rolls back the transactions dropped since.
    async fn ready(&mut self) -> std::result::Result<(), Failure> {
        if let State::Running(handle) = &mut self.state {
            self.state = match handle.await {
                Ok((slot, _)) => State::Ready(Box::new(slot)),
                Err(_) => State::Gone,
            };
        }
        while self.pending_rollbacks > 0 {
            self.pending_rollbacks -= 1;
            self.rollback_innermost().await?;
        }
        Ok(())
    }

    /// Runs a transaction control statement.
    async fn control(&mut self, text: &str) -> std::result::Result<(), Failure> {
        let stmt = control_stmt(text);
        run_held(&mut self.state, &stmt, Want::Affected)
            .await
            .map(|_| ())
    }

    fn in_transaction(&mut self) -> bool {
        match &mut self.state {
            State::Ready(slot) => slot.raw().is_ok_and(|raw| !raw.conn.is_autocommit()),
            _ => self.depth > 0,
        }
    }

    async fn begin_innermost(&mut self) -> std::result::Result<(), Failure> {
        let text = match self.depth {
            0 => Cow::Borrowed("BEGIN"),
            n => Cow::Owned(format!("SAVEPOINT weft_savepoint_{n}")),
        };
        self.control(&text).await?;
        self.depth += 1;
        Ok(())
    }

    async fn commit_innermost(&mut self) -> std::result::Result<(), Failure> {
        let text = match self.depth {
            0 | 1 => Cow::Borrowed("COMMIT"),
            n => Cow::Owned(format!("RELEASE SAVEPOINT weft_savepoint_{}", n - 1)),
        };
        self.control(&text).await?;
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }

    async fn rollback_innermost(&mut self) -> std::result::Result<(), Failure> {
        // SQLite may have rolled the whole transaction back already (an interrupted write, a
        // full disk): there is nothing left to roll back.
        if self.depth > 0 && !self.in_transaction() {
            self.depth -= 1;
            return Ok(());
        }
        let text = match self.depth {
            0 | 1 => Cow::Borrowed("ROLLBACK"),
            n => Cow::Owned(format!("ROLLBACK TO SAVEPOINT weft_savepoint_{}", n - 1)),
        };
        self.control(&text).await?;
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }
}

/// A transaction control statement.
fn control_stmt(text: &str) -> Stmt<'_> {
    Stmt {
        dialect: &crate::dialect::Sqlite,
        text: Cow::Borrowed(text),
        binds: Binds::Values(Cow::Borrowed(&[])),
    }
}

impl Connection for NativeConn {
    fn fetch<'a>(
        &'a mut self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            self.ready().await.map_err(|f| f.query(&stmt.text))?;
            run_held(&mut self.state, stmt, Want::Rows(rows, sink))
                .await
                .map_err(|f| f.query(&stmt.text))
        })
    }

    fn execute<'a>(&'a mut self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            self.ready().await.map_err(|f| f.query(&stmt.text))?;
            run_held(&mut self.state, stmt, Want::Affected)
                .await
                .map_err(|f| f.query(&stmt.text))
        })
    }

    fn begin(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.ready().await.map_err(|f| f.control("begin"))?;
            self.begin_innermost().await.map_err(|f| f.control("begin"))
        })
    }

    fn commit(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.ready().await.map_err(|f| f.control("commit"))?;
            self.commit_innermost()
                .await
                .map_err(|f| f.control("commit"))
        })
    }

    fn rollback(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.ready().await.map_err(|f| f.control("rollback"))?;
            self.rollback_innermost()
                .await
                .map_err(|f| f.control("rollback"))
        })
    }

    fn start_rollback(&mut self) {
        // Before the next statement; or, when the connection is dropped, as it goes back to
        // the pool (which rolls back whatever is open).
        if self.depth > self.pending_rollbacks {
            self.pending_rollbacks += 1;
        }
    }

    fn unusable_after_cancel(&self) -> bool {
        // A cancelled statement is interrupted, and the next one waits for it to stop.
        false
    }

    fn set_deadline(&mut self, at: Option<Instant>) {
        if let Some(watch) = &self.watch {
            watch.stop_at(at);
        }
    }

    fn close_on_drop(&mut self) {
        if let State::Ready(slot) = &mut self.state {
            slot.close = true;
        }
    }
}

/// Marks that a transaction holds the only connection of an in-memory pool, for as long as
/// it lives (see [`Error::Busy`]).
struct HoldsOnly(Arc<Pool>);

impl HoldsOnly {
    fn register(pool: &Arc<Pool>) -> Option<Self> {
        let memory = pool.memory.as_ref()?;
        if let Ok(mut task) = memory.transaction_task.lock() {
            *task = Some(tokio::task::try_id());
        }
        Some(HoldsOnly(pool.clone()))
    }
}

impl Drop for HoldsOnly {
    fn drop(&mut self) {
        if let Some(memory) = &self.0.memory
            && let Ok(mut task) = memory.transaction_task.lock()
        {
            *task = None;
        }
    }
}

impl Driver for NativeSqliteDriver {
    fn server(&self) -> &Server {
        &self.server
    }

    fn fetch<'a>(
        &'a self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let slot = self.slot(&stmt.text).await?;
            run_pooled(slot, stmt, Want::Rows(rows, sink))
                .await
                .map_err(|f| f.query(&stmt.text))
        })
    }

    fn execute<'a>(&'a self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let slot = self.slot(&stmt.text).await?;
            run_pooled(slot, stmt, Want::Affected)
                .await
                .map_err(|f| f.query(&stmt.text))
        })
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            let slot = self.slot(super::sqlx_common::ACQUIRE).await?;
            Ok(Box::new(self.conn(slot, None)) as Box<dyn Connection>)
        })
    }

    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            self.pool.check_only_connection("BEGIN")?;
            let slot = self
                .pool
                .acquire()
                .await
                .map_err(|source| Error::Transaction {
                    action: "begin",
                    source,
                })?;
            let mut conn = self.conn(slot, None);
            conn.begin_innermost()
                .await
                .map_err(|f| f.control("begin"))?;
            conn._holds = HoldsOnly::register(&self.pool);
            Ok(Box::new(conn) as Box<dyn Connection>)
        })
    }

    fn ends_transaction(&self, error: &Error) -> bool {
        let Some(db) = error.as_database_error() else {
            return true;
        };
        // SQLite rolls back the whole transaction on these (busy, out of memory, I/O, full,
        // interrupted, corrupt).
        let primary = db
            .try_downcast_ref::<NativeSqliteError>()
            .map_or(0, NativeSqliteError::primary);
        matches!(primary, 5 | 7 | 9 | 10 | 11 | 13 | 26)
    }
}

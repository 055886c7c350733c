//! The native SQLite driver: SQLite called through rusqlite on connections weft owns, in its
//! own small pool.
//!
//! Where a statement runs (see docs/design.md, "Native SQLite driver"):
//! - **In place**, on the async worker that polls it, by default: prepared once per
//!   connection (weft's own statement map, `link.rs`), bound by reference, stepped to its end, and
//!   each row handed to the sink straight from SQLite's buffers. The future completes in one
//!   poll. No thread hop: a lookup costs what SQLite costs.
//! - **On a blocking thread** (`tokio::task::spawn_blocking`, which exists on a current-thread
//!   runtime too) when in-place work would stall the runtime: a write with more than
//!   [`IN_PLACE_MAX_BINDS`] binds; one that meets `SQLITE_BUSY` (the wait for the lock is
//!   SQLite's busy handler, which must not block the worker); a read that runs past its
//!   budget in place (SQLite's progress handler watches the clock). Rows then cross in
//!   batches through a channel, and a dropped future interrupts the statement.
//!
//! A read's budget is [`STEP_BUDGET`]. A read that ran past it before (the connection
//! remembers it by its text) runs, on a multi-thread runtime, under `block_in_place` with a
//! budget of [`BLOCKING_BUDGET`]: the runtime's other tasks go on on another thread while it
//! steps here, without starting again or copying its rows. On a current-thread runtime, where
//! `block_in_place` panics, it keeps the short budget.
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
//! Every SQLite object stays behind rusqlite's safe API. The one `unsafe` is `link.rs`'s
//! `Send` for a connection kept together with its prepared statements: a connection moves to
//! a blocking thread whole, statements and all, and no statement is held across an `.await`.

mod bind;
mod blocking;
mod conn;
mod error;
mod in_place;
mod link;
mod row;
mod watch;

use blocking::*;
use conn::*;
use in_place::*;
use link::Link;
use watch::*;

use std::borrow::Cow;
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
/// How long a read that ran past [`STEP_BUDGET`] before may run in place under
/// `block_in_place` (the runtime goes on on another thread) before it moves to a blocking
/// thread: also how long a dropped future may wait for it to notice.
const BLOCKING_BUDGET: Duration = Duration::from_millis(50);
/// SQLite virtual-machine instructions between two calls of the progress handler (a few
/// tens of microseconds): short statements never call it.
const PROGRESS_OPS: i32 = 1000;
/// A write with more binds than this runs on a blocking thread: a write is never moved once
/// it runs, and so many rows take long enough to stall the runtime. A read with many binds
/// (a batched relation's keys) starts in place like any read: its budget moves it if need be.
const IN_PLACE_MAX_BINDS: usize = 256;
/// How long a statement waits for another connection's lock (on a blocking thread).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a statement waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections of a file database's pool.
const FILE_POOL_SIZE: usize = 10;
/// Rows per message from a blocking thread.
const BATCH: usize = 256;
/// Statements with at most this many binds encode them without allocating.
const STACK_BINDS: usize = 8;
/// In-place rows of at most this many columns are read without allocating.
const STACK_COLUMNS: usize = 16;

/// One connection weft owns.
struct Raw {
    /// The connection and the statements prepared on it.
    link: Link,
    watch: Arc<Watch>,
}

impl Raw {
    fn open(target: &Target) -> rusqlite::Result<Raw> {
        let conn = rusqlite::Connection::open_with_flags(&target.path, target.flags)?;
        // In place, SQLite never waits for a lock: a busy statement moves to a blocking
        // thread, which sets the timeout.
        conn.busy_timeout(Duration::ZERO)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        let watch = Arc::new(Watch::new());
        let handler = watch.clone();
        conn.progress_handler(PROGRESS_OPS, Some(move || handler.tick()))?;
        Ok(Raw {
            link: Link::new(conn),
            watch,
        })
    }

    /// Ends whatever transaction the connection has open (one dropped, or begun by hand).
    fn settle(&mut self) {
        let conn = self.link.conn();
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

/// What to open: the path or URI SQLite is given, and how.
struct Target {
    path: String,
    flags: OpenFlags,
}

/// The pool: idle connections, and a permit per connection that may be out.
struct Pool {
    target: Target,
    /// Boxed: a connection moves between the pool, its slot and a blocking thread as a pointer.
    #[allow(clippy::vec_box)] // the box is what moves, not the `Vec`'s storage
    idle: Mutex<Vec<Box<Raw>>>,
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
        if let Some(slot) = self.try_acquire() {
            return slot;
        }
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        self.slot_for(permit)
    }

    /// A connection when one is free now (no timer, no future); `None` when the pool must be
    /// waited for.
    fn try_acquire(self: &Arc<Self>) -> Option<std::result::Result<Slot, sqlx::Error>> {
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => Some(self.slot_for(permit)),
            Err(tokio::sync::TryAcquireError::Closed) => Some(Err(sqlx::Error::PoolClosed)),
            Err(tokio::sync::TryAcquireError::NoPermits) => None,
        }
    }

    /// An idle connection (or a new one) for `permit`.
    fn slot_for(
        self: &Arc<Self>,
        permit: OwnedSemaphorePermit,
    ) -> std::result::Result<Slot, sqlx::Error> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut raw = match idle {
            Some(raw) => raw,
            None => Box::new(Raw::open(&self.target).map_err(error::to_sqlx)?),
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
    raw: Option<Box<Raw>>,
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
        self.raw.as_deref_mut().ok_or_else(|| {
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
                let conn = raw.link.conn();
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
        let slot = match self.pool.try_acquire() {
            Some(slot) => slot,
            None => {
                self.pool.check_only_connection(sql)?;
                self.pool.acquire().await
            }
        };
        slot.map_err(|source| Error::Query {
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

/// Runs `sql` on a connection taken from the pool for it: in place, then on a blocking
/// thread if need be (the connection goes back to the pool by itself, even from a blocking
/// thread whose future was dropped).
async fn run_pooled(
    mut slot: Slot,
    sql: &Stmt<'_>,
    mut want: Want<'_, '_>,
) -> std::result::Result<u64, Failure> {
    let moved = loop {
        match place(&mut slot, sql, &mut want) {
            Placed::Done(out) => return out,
            Placed::Move(moved) => break moved,
            Placed::WaitForWriter => take_writer(&mut slot).await?,
        }
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
    let moved = loop {
        match place(slot, sql, &mut want) {
            Placed::Done(out) => {
                release_writer(slot);
                return out;
            }
            Placed::Move(moved) => break moved,
            Placed::WaitForWriter => take_writer(slot).await?,
        }
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

/// The pool's write lock as a statement that writes asks for it (see [`take_writer`]):
/// taken without waiting when it is free, or already held by the connection.
pub(super) struct Gate<'a> {
    lock: Option<&'a Arc<tokio::sync::Mutex<()>>>,
    held: &'a mut Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Gate<'_> {
    /// Whether a statement that writes may run now (`false`: wait for the lock first).
    pub(super) fn admit(&mut self) -> bool {
        let Some(lock) = self.lock else {
            return true;
        };
        if self.held.is_some() {
            return true;
        }
        match lock.clone().try_lock_owned() {
            Ok(guard) => {
                *self.held = Some(guard);
                true
            }
            Err(_) => false,
        }
    }
}

/// Waits for the pool's write lock for `slot` (a file database's pool), after a statement
/// found it taken.
///
/// SQLite lets one connection write at a time, and a connection that finds the lock taken
/// polls for it (its busy handler sleeps and retries, unfairly: under load a writer can
/// starve past its busy timeout). weft's own connections queue for the lock here instead, in
/// order, without blocking a thread; SQLite's busy timeout is left for other processes. The
/// lock is held until the connection's transaction ends: a transaction takes it at its first
/// write. A wait longer than the busy timeout fails as SQLite would, with `SQLITE_BUSY`.
async fn take_writer(slot: &mut Slot) -> std::result::Result<(), Failure> {
    let Some(lock) = slot.pool.writer.clone() else {
        return Ok(());
    };
    if slot.writer.is_some() {
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
    if slot.writer.is_some() && slot.raw().is_ok_and(|raw| raw.link.conn().is_autocommit()) {
        slot.writer = None;
    }
}

/// Runs `sql` in place on `slot`'s connection (a write with many binds goes straight to a
/// blocking thread), or says how it goes on.
fn place(slot: &mut Slot, sql: &Stmt<'_>, want: &mut Want<'_, '_>) -> Placed {
    if let Err(e) = super::sqlx_sqlite::check_bind_count(sql) {
        return Placed::Done(Err(Failure::Weft(e)));
    }
    let Slot {
        raw, pool, writer, ..
    } = slot;
    let Some(raw) = raw.as_deref_mut() else {
        return Placed::Done(Err(Failure::Weft(gone(&sql.text))));
    };
    let mut gate = Gate {
        lock: pool.writer.as_ref(),
        held: writer,
    };
    run_in_place(raw, sql, want, &mut gate)
}

#[cold]
fn gone(sql: &str) -> Error {
    Error::Query {
        sql: sql.to_owned(),
        source: sqlx::Error::Protocol("the SQLite connection was lost".into()),
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

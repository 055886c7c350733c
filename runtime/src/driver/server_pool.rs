//! weft's own pool of server connections (what `Db::connect` builds for PostgreSQL and the
//! MySQL family), and the one type the server drivers hold a connection by, whichever pool it
//! came from.
//!
//! Why not sqlx's pool: it pings every connection it takes back (`return_to_pool` runs the
//! ping in a task of its own), so every statement on it costs two round trips, and the next
//! checkout waits for that task. weft's pool takes a connection back at once when its last
//! statement ran to the end with the server in step, and settles it (rolls back what a
//! dropped transaction left open, pings, drops it if the ping fails) in a task only when it
//! was not: a statement cancelled or failed by the driver, a transaction left open or rolled
//! back without waiting. A dead idle connection is not looked for before a checkout; a
//! statement that meets one is run again by weft's healing (`exec::run`), as with sqlx's pool
//! without `test_before_acquire`.
//!
//! Sizes and times are sqlx's defaults: up to 10 connections, 30 s to get one, idle ones
//! closed after 10 minutes and every one after 30. The most recently returned connection is
//! handed out first (its statements are prepared, its pages warm); the rest age out.
//! `Db::from_postgres_pool` and `Db::from_mysql_pool` keep the sqlx pool they are given.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;

use super::sqlx_common::{After, Held};
use sqlx::{ConnectOptions as _, Connection as _, Database};
use sqlx_core::transaction::TransactionManager as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// How many connections may be out or idle at once.
const MAX_CONNECTIONS: usize = 10;
/// How long a checkout may wait for a free connection, or for a new one to open.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// An idle connection older than this (idle) is closed instead of handed out.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// A connection older than this is closed instead of handed out.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How long closing a connection politely may take before it is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

type Options<DB> = <<DB as Database>::Connection as sqlx::Connection>::Options;

/// The pool: how to open a connection, the idle ones, and a permit per connection.
pub(super) struct ServerPool<DB: Database> {
    options: Options<DB>,
    idle: Mutex<Vec<Idle<DB>>>,
    permits: Arc<Semaphore>,
}

struct Idle<DB: Database> {
    conn: DB::Connection,
    opened: Instant,
    since: Instant,
}

impl<DB: Database> ServerPool<DB> {
    /// A pool for `url`, with one connection opened now (a wrong URL, password or an
    /// unreachable server fails here, not at the first statement).
    pub(super) async fn open(url: &str) -> Result<Arc<Self>, sqlx::Error> {
        let options: Options<DB> = url.parse()?;
        let pool = Arc::new(ServerPool {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        });
        drop(pool.acquire().await?);
        Ok(pool)
    }

    /// A connection: an idle one when there is one (without a timer), else a new one, waiting
    /// for a permit while all are out; waiting and opening share one deadline.
    pub(super) async fn acquire(self: &Arc<Self>) -> Result<Lease<DB>, sqlx::Error> {
        let mut deadline = None;
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::Closed) => return Err(sqlx::Error::PoolClosed),
            Err(TryAcquireError::NoPermits) => {
                let at = tokio::time::Instant::now() + ACQUIRE_TIMEOUT;
                deadline = Some(at);
                tokio::time::timeout_at(at, self.permits.clone().acquire_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?
                    .map_err(|_| sqlx::Error::PoolClosed)?
            }
        };
        if let Some(idle) = self.take_idle() {
            return Ok(self.leased(idle.conn, idle.opened, permit));
        }
        let at = deadline.unwrap_or_else(|| tokio::time::Instant::now() + ACQUIRE_TIMEOUT);
        let conn = tokio::time::timeout_at(at, self.options.connect())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
        Ok(self.leased(conn, Instant::now(), permit))
    }

    /// The most recently returned idle connection that is young enough; older ones are closed.
    fn take_idle(&self) -> Option<Idle<DB>> {
        let now = Instant::now();
        loop {
            let idle = self.idle.lock().ok()?.pop()?;
            if now.saturating_duration_since(idle.since) < IDLE_TIMEOUT
                && now.saturating_duration_since(idle.opened) < MAX_LIFETIME
            {
                return Some(idle);
            }
            close_later(idle.conn);
        }
    }

    fn leased(
        self: &Arc<Self>,
        conn: DB::Connection,
        opened: Instant,
        permit: OwnedSemaphorePermit,
    ) -> Lease<DB> {
        Lease {
            conn: Some(conn),
            opened,
            after: After::Return,
            pool: self.clone(),
            permit: Some(permit),
        }
    }

    /// Returns `conn` to the idle ones, closing those idle too long (the oldest are first:
    /// a sequential workload keeps taking the newest, so nothing else would reach them).
    fn put_back(&self, conn: DB::Connection, opened: Instant) {
        let now = Instant::now();
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        while idle
            .first()
            .is_some_and(|oldest| now.saturating_duration_since(oldest.since) >= IDLE_TIMEOUT)
        {
            close_later(idle.remove(0).conn);
        }
        idle.push(Idle {
            conn,
            opened,
            since: now,
        });
    }
}

impl<DB: Database> Drop for ServerPool<DB> {
    /// Closes the idle connections politely (the pool goes when the last `Db` clone and the
    /// last lease have gone).
    fn drop(&mut self) {
        if let Ok(idle) = self.idle.get_mut() {
            for idle in idle.drain(..) {
                close_later(idle.conn);
            }
        }
    }
}

/// A connection out of [`ServerPool`]; it goes back (or is settled, or closed) when dropped.
pub(super) struct Lease<DB: Database> {
    /// Taken out only by `Drop`.
    conn: Option<DB::Connection>,
    opened: Instant,
    after: After,
    pool: Arc<ServerPool<DB>>,
    /// Released once the connection is back among the idle ones (or closed).
    permit: Option<OwnedSemaphorePermit>,
}

impl<DB: Database> Drop for Lease<DB> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let mut after = self.after;
        if DB::TransactionManager::get_transaction_depth(&conn) > 0 {
            after = after.max(After::Settle);
        }
        match after {
            After::Return => {
                self.pool.put_back(conn, self.opened);
                drop(self.permit.take());
            }
            After::Close => close_later(conn),
            After::Settle => {
                let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                    // No runtime to finish it on: the socket closes, and the server ends
                    // whatever was open.
                    return;
                };
                let pool = self.pool.clone();
                let opened = self.opened;
                let permit = self.permit.take();
                runtime.spawn(async move {
                    while DB::TransactionManager::get_transaction_depth(&conn) > 0 {
                        DB::TransactionManager::start_rollback(&mut conn);
                    }
                    match tokio::time::timeout(CLOSE_TIMEOUT, conn.ping()).await {
                        Ok(Ok(())) => pool.put_back(conn, opened),
                        _ => drop(conn),
                    }
                    drop(permit);
                });
            }
        }
    }
}

/// Closes `conn` politely in a task (dropped at once outside a Tokio runtime).
fn close_later<C: sqlx::Connection + 'static>(conn: C) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, conn.close()).await;
        });
    }
}

/// Where a server driver's connections come from: a sqlx pool it was given, or its own.
pub(super) enum Source<DB: Database> {
    Sqlx(sqlx::Pool<DB>),
    Own(Arc<ServerPool<DB>>),
}

impl<DB: Database> Source<DB> {
    /// A connection from the pool.
    pub(super) async fn acquire(&self) -> Result<Pooled<DB>, sqlx::Error> {
        let held = match self {
            Source::Sqlx(pool) => Holding::Sqlx(pool.acquire().await?),
            Source::Own(pool) => Holding::Own(pool.acquire().await?),
        };
        Ok(Pooled {
            held,
            running: None,
            close_if_dropped: false,
        })
    }
}

/// A connection taken from a [`Source`].
pub(super) struct Pooled<DB: Database> {
    held: Holding<DB>,
    /// While a statement runs: what to do with the connection if it is dropped before the
    /// statement ends (either pool: closing is the one thing sqlx's pool is told).
    running: Option<After>,
    /// Closed when dropped, whatever its statements said (a session setting not yet undone).
    close_if_dropped: bool,
}

enum Holding<DB: Database> {
    /// From sqlx's pool, which settles every connection it takes back itself.
    Sqlx(PoolConnection<DB>),
    Own(Lease<DB>),
}

impl<DB: Database> Held<DB> for Pooled<DB> {
    fn conn(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        match &mut self.held {
            Holding::Sqlx(conn) => Ok(conn),
            Holding::Own(lease) => lease
                .conn
                .as_mut()
                .ok_or_else(|| sqlx::Error::Protocol("the pooled connection was lost".into())),
        }
    }

    fn started(&mut self, if_dropped: After) {
        self.running = Some(if_dropped);
    }

    fn finished(&mut self, then: After) {
        self.running = None;
        self.mark(then);
    }
}

impl<DB: Database> Pooled<DB> {
    /// Closes the connection when it is dropped, instead of returning it.
    pub(super) fn close_on_drop(&mut self) {
        self.mark(After::Close);
    }

    /// Raises what the connection needs when it is dropped: sqlx's pool settles every
    /// connection itself, so only a close reaches it.
    fn mark(&mut self, after: After) {
        match &mut self.held {
            Holding::Sqlx(conn) if after == After::Close => conn.close_on_drop(),
            Holding::Sqlx(_) => {}
            Holding::Own(lease) => lease.after = lease.after.max(after),
        }
    }

    /// While `yes`, the connection is closed if it is dropped (see
    /// [`Connection::close_if_dropped`](super::Connection::close_if_dropped)).
    pub(super) fn close_if_dropped(&mut self, yes: bool) {
        self.close_if_dropped = yes;
    }
}

impl<DB: Database> Drop for Pooled<DB> {
    fn drop(&mut self) {
        if let Some(after) = self.running {
            self.mark(after);
        }
        if self.close_if_dropped {
            self.close_on_drop();
        }
    }
}

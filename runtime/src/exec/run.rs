//! Where statements run ([`Executor`], [`Target`]: the pool, a held connection or a
//! transaction) and running them through the driver: tracing, counting, and the abort state
//! of the transaction a statement runs in. Binding, retries and what a cancelled statement
//! leaves behind are the driver's (`crate::driver`).

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tracing::Instrument;

use super::db::Db;
use super::tx::{Abort, InTx, Tx};
use crate::decode::RowRef;
use crate::dialect::{Sql, StatementTimeout, Stmt};
use crate::driver::{Connection, RowSink, Rows};
use crate::error::{Error, Result, server_timeout};

/// Where a query runs: `&Db` (a pooled connection per statement) or `&mut Tx` (inside a
/// transaction).
pub trait Executor: Send {
    #[doc(hidden)]
    fn target(&mut self) -> Target<'_>;
}

impl Executor for &Db {
    fn target(&mut self) -> Target<'_> {
        Target {
            db: self,
            conn: None,
            aborted: None,
        }
    }
}

impl Executor for Db {
    fn target(&mut self) -> Target<'_> {
        Target {
            db: self,
            conn: None,
            aborted: None,
        }
    }
}

impl Executor for &mut Tx<'_> {
    fn target(&mut self) -> Target<'_> {
        let (db, conn, aborted) = self.split();
        Target {
            db,
            conn: Some(conn),
            aborted: Some(aborted),
        }
    }
}

/// A borrowed place to run statements (see [`Executor`]).
#[doc(hidden)]
pub struct Target<'a> {
    pub(super) db: &'a Db,
    pub(super) conn: Option<&'a mut dyn Connection>,
    /// The transaction's abort state, when the target is a transaction.
    pub(super) aborted: Option<&'a mut Option<Abort>>,
}

/// A pooled connection held for the statements of one relational query.
pub(crate) type Held = Box<dyn Connection>;

impl<'a> Target<'a> {
    /// The database, for as long as the target borrows it.
    pub(crate) fn db_ref(&self) -> &'a Db {
        self.db
    }

    /// A pooled connection to run several statements on, when this target is the pool.
    ///
    /// The future borrows the database, not the target (whose connection is not `Sync`), so
    /// a query holding it stays `Send`.
    pub(crate) fn hold(&self) -> impl Future<Output = Result<Option<Held>>> + Send + 'a {
        let (db, in_transaction) = (self.db, self.conn.is_some());
        async move {
            if in_transaction {
                return Ok(None);
            }
            db.route_load().acquire().await.map(Some)
        }
    }

    /// A target on a held connection.
    pub(crate) fn on_held<'h>(db: &'h Db, held: &'h mut Held) -> Target<'h> {
        Target {
            db,
            conn: Some(&mut **held),
            aborted: None,
        }
    }

    /// This target, reborrowed.
    pub(crate) fn reborrow(&mut self) -> Target<'_> {
        Target {
            db: self.db,
            conn: match &mut self.conn {
                Some(c) => Some(&mut **c),
                None => None,
            },
            aborted: self.aborted.as_deref_mut(),
        }
    }
}

impl Target<'_> {
    pub(crate) fn db(&self) -> &Db {
        self.db
    }

    pub(crate) fn in_transaction(&self) -> bool {
        self.conn.is_some()
    }

    /// Runs `sql` and decodes every row with `decode`, streaming (rows are decoded as they
    /// arrive; no intermediate row buffer).
    pub(crate) async fn fetch<O>(
        &mut self,
        sql: &Sql,
        decode: impl FnMut(RowRef<'_>, &str) -> Result<O> + Send,
    ) -> Result<Vec<O>>
    where
        O: Send,
    {
        self.fetch_stmt(&sql.stmt(), decode).await
    }

    /// [`fetch`](Self::fetch) for a statement whose binds may be borrowed.
    pub(crate) async fn fetch_stmt<O>(
        &mut self,
        sql: &Stmt<'_>,
        mut decode: impl FnMut(RowRef<'_>, &str) -> Result<O> + Send,
    ) -> Result<Vec<O>>
    where
        O: Send,
    {
        let mut out = Vec::new();
        let text: &str = &sql.text;
        let mut sink = |row: RowRef<'_>| {
            out.push(decode(row, text)?);
            Ok(())
        };
        self.fetch_into(sql, Rows::All, &mut sink).await?;
        Ok(out)
    }

    /// Runs `sql` and decodes its first row, if any, with `decode`. Tells the driver only one
    /// row is wanted (sqlx's SQLite worker then stops stepping after it).
    pub(crate) async fn fetch_first<O>(
        &mut self,
        sql: &Sql,
        mut decode: impl FnMut(RowRef<'_>, &str) -> Result<O> + Send,
    ) -> Result<Option<O>>
    where
        O: Send,
    {
        let sql = &sql.stmt();
        let mut out = None;
        let text: &str = &sql.text;
        let mut sink = |row: RowRef<'_>| {
            out = Some(decode(row, text)?);
            Ok(())
        };
        self.fetch_into(sql, Rows::First, &mut sink).await?;
        Ok(out)
    }

    /// Runs `sql`, handing the rows wanted to `sink`.
    async fn fetch_into(
        &mut self,
        sql: &Stmt<'_>,
        rows: Rows,
        sink: &mut RowSink<'_>,
    ) -> Result<u64> {
        let db = self.db;
        if let Some(timeout) = db.statement_timeout() {
            let work = Work::Fetch {
                rows,
                sink,
                delivered: false,
            };
            return self.timed(sql, timeout, work).await;
        }
        let tx = InTx::start(&mut self.aborted, sql, db)?;
        let out = match &mut self.conn {
            Some(conn) => instrumented(db, sql, conn.fetch(sql, rows, sink), |n: &u64| *n).await,
            None => {
                let mut retries = 0;
                loop {
                    let mut delivered = false;
                    let out = {
                        let mut watched = |row: RowRef<'_>| {
                            delivered = true;
                            sink(row)
                        };
                        let work = db.route(&sql.text).fetch(sql, rows, &mut watched);
                        instrumented(db, sql, work, |n: &u64| *n).await
                    };
                    match out {
                        Err(e) if !delivered && heals(&e, sql, &mut retries) => {}
                        out => break out,
                    }
                }
            }
        };
        self.aborted = tx.finish(&out);
        out
    }

    /// Runs `sql`, returning the number of rows affected.
    pub(crate) async fn execute(&mut self, sql: &Sql) -> Result<u64> {
        self.execute_stmt(&sql.stmt()).await
    }

    /// [`execute`](Self::execute) for a statement whose binds may be borrowed.
    pub(crate) async fn execute_stmt(&mut self, sql: &Stmt<'_>) -> Result<u64> {
        let db = self.db;
        if let Some(timeout) = db.statement_timeout() {
            return self.timed(sql, timeout, Work::Execute).await;
        }
        let tx = InTx::start(&mut self.aborted, sql, db)?;
        let out = match &mut self.conn {
            Some(conn) => instrumented(db, sql, conn.execute(sql), |n: &u64| *n).await,
            None => {
                let mut retries = 0;
                loop {
                    let work = db.inner.driver.execute(sql);
                    match instrumented(db, sql, work, |n: &u64| *n).await {
                        Err(e) if heals(&e, sql, &mut retries) => {}
                        out => break out,
                    }
                }
            }
        };
        self.aborted = tx.finish(&out);
        out
    }
}

/// What a statement does with its connection: fetch rows into a sink, or execute.
enum Work<'a, 's> {
    Fetch {
        rows: Rows,
        sink: &'a mut RowSink<'s>,
        /// Whether a row reached the sink (a statement that delivered rows is not run again).
        delivered: bool,
    },
    Execute,
}

impl Work<'_, '_> {
    fn delivered(&self) -> bool {
        matches!(
            self,
            Work::Fetch {
                delivered: true,
                ..
            }
        )
    }

    /// Runs `stmt` on `conn`; the rows fetched, or affected.
    async fn run(&mut self, conn: &mut dyn Connection, stmt: &Stmt<'_>) -> Result<u64> {
        match self {
            Work::Execute => conn.execute(stmt).await,
            Work::Fetch {
                rows,
                sink,
                delivered,
            } => {
                let mut watched = |row: RowRef<'_>| {
                    *delivered = true;
                    sink(row)
                };
                conn.fetch(stmt, *rows, &mut watched).await
            }
        }
    }
}

impl Target<'_> {
    /// Runs `sql` with a statement timeout, as its dialect keeps one (see
    /// [`StatementTimeout`]), on this target's connection or, on the pool, on a connection
    /// taken for it (so that the timeout's setting and the statement share it). Counted,
    /// traced and healed as any statement; a timeout fails with [`Error::Timeout`].
    async fn timed(
        &mut self,
        sql: &Stmt<'_>,
        timeout: Duration,
        mut work: Work<'_, '_>,
    ) -> Result<u64> {
        let db = self.db;
        let in_tx = self.aborted.is_some();
        let tx = InTx::start(&mut self.aborted, sql, db)?;
        let spelled = sql.dialect.statement_timeout(timeout, &sql.text);
        let rewritten;
        let stmt = match &spelled {
            StatementTimeout::Rewrite(text) => {
                rewritten = sql.with_text(text.clone());
                &rewritten
            }
            _ => sql,
        };
        let out = match &mut self.conn {
            Some(conn) => {
                let work = timed_on(&mut **conn, stmt, &spelled, timeout, &mut work, in_tx);
                instrumented(db, stmt, work, |n: &u64| *n).await
            }
            None => {
                let mut retries = 0;
                loop {
                    let out = match db.route(&sql.text).acquire().await {
                        Ok(mut conn) => {
                            let work =
                                timed_on(&mut *conn, stmt, &spelled, timeout, &mut work, false);
                            instrumented(db, stmt, work, |n: &u64| *n).await
                        }
                        Err(e) => Err(e),
                    };
                    match out {
                        Err(e) if !work.delivered() && heals(&e, sql, &mut retries) => {}
                        out => break out,
                    }
                }
            }
        };
        self.aborted = tx.finish(&out);
        out
    }
}

/// Runs `stmt` on `conn` with `timeout`, spelled for its dialect as `spelled`; `in_tx`: inside
/// a weft transaction (whose abort undoes a session setting).
async fn timed_on(
    conn: &mut dyn Connection,
    stmt: &Stmt<'_>,
    spelled: &StatementTimeout,
    timeout: Duration,
    work: &mut Work<'_, '_>,
    in_tx: bool,
) -> Result<u64> {
    let stopped = |out: Result<u64>| match out {
        Err(Error::Query { sql, source }) if server_timeout(&source) => Err(Error::Timeout {
            sql,
            after: timeout,
            source: Some(source),
        }),
        out => out,
    };
    match spelled {
        StatementTimeout::Rewrite(_) => stopped(work.run(conn, stmt).await),
        StatementTimeout::Around { set, reset } => {
            // Dropped before the reset (the caller's future cancelled), the connection must
            // not go back to a pool with the setting.
            conn.close_if_dropped(true);
            conn.execute(&Stmt::bare(stmt.dialect, set)).await?;
            let out = work.run(conn, stmt).await;
            // A transaction the failure aborted undoes the setting itself (and would refuse
            // the reset). Otherwise the connection must not keep it: reset, or closed.
            if out.is_ok() || !in_tx {
                let reset = conn.execute(&Stmt::bare(stmt.dialect, reset)).await;
                if let Err(e) = reset {
                    conn.close_on_drop();
                    if out.is_ok() {
                        return Err(e);
                    }
                }
            }
            conn.close_if_dropped(false);
            stopped(out)
        }
        StatementTimeout::Client => {
            let deadline = std::time::Instant::now() + timeout;
            conn.set_deadline(Some(deadline));
            let out = tokio::time::timeout(timeout, work.run(conn, stmt)).await;
            conn.set_deadline(None);
            client_timed_out(conn, stmt, timeout, deadline, out).await
        }
    }
}

/// The outcome of a statement run under a client-side timeout: the driver interrupted it at
/// the deadline (an interrupt error once the deadline has passed), or the timer dropped it.
async fn client_timed_out(
    conn: &mut dyn Connection,
    stmt: &Stmt<'_>,
    timeout: Duration,
    deadline: std::time::Instant,
    out: std::result::Result<Result<u64>, tokio::time::error::Elapsed>,
) -> Result<u64> {
    match out {
        // weft stopped it (the interrupt is its own), as when the timer drops it.
        Ok(Err(Error::Query { sql, source }))
            if std::time::Instant::now() >= deadline && crate::error::interrupted(&source) =>
        {
            Err(Error::Timeout {
                sql,
                after: timeout,
                source: None,
            })
        }
        Ok(out) => out,
        // The statement's future is dropped: the driver interrupts it, or its connection
        // must not be used again.
        Err(_) => {
            if conn.unusable_after_cancel() {
                conn.close_on_drop();
            } else {
                conn.settle_after_cancel().await?;
            }
            Err(Error::Timeout {
                sql: stmt.text.clone().into_owned(),
                after: timeout,
                source: None,
            })
        }
    }
}

/// How many dead pooled connections one statement goes through before its error is returned:
/// after a server restart every idle connection of the pool is dead, and each fails at once.
const DEAD_CONNECTIONS: u32 = 16;

/// Whether a statement that failed on a pooled connection (outside a transaction) is run again
/// on another: its connection was dead before the statement could run. That is certain when
/// the server said it had ended the session; when the socket merely failed, only for a
/// `SELECT` (weft's reads have no side effect), since a write may have run before the failure.
/// sqlx closes the dead connection instead of returning it to the pool.
fn heals(error: &crate::error::Error, sql: &Stmt<'_>, retries: &mut u32) -> bool {
    use crate::error::Dead;
    let safe = match error.dead_connection() {
        Some(Dead::Ended) => true,
        Some(Dead::Lost) => is_read(&sql.text),
        None => false,
    };
    if !safe || *retries >= DEAD_CONNECTIONS {
        return false;
    }
    *retries += 1;
    tracing::debug!(target: "weft::exec", %error, "weft.reconnect");
    true
}

/// Whether `text` is a plain read: a `SELECT` (a `WITH` may hide a write; it is not retried).
fn is_read(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(6)
        .collect::<String>()
        .to_ascii_uppercase();
    head == "SELECT"
}

/// Runs one statement's `work` inside its tracing span, counting it and recording the rows it
/// returned or affected (`rows`) and how long it took.
async fn instrumented<T>(
    db: &Db,
    sql: &Stmt<'_>,
    work: impl Future<Output = Result<T>>,
    rows: impl Fn(&T) -> u64,
) -> Result<T> {
    super::corpus::record(sql);
    let span = statement_span(sql);
    let started = Instant::now();
    db.inner.statements.fetch_add(1, Ordering::Relaxed);
    // No subscriber wants the span: the statement runs without entering it each poll.
    let out = if span.is_disabled() {
        work.await
    } else {
        work.instrument(span.clone()).await
    };
    let elapsed = started.elapsed();
    let n = out.as_ref().ok().map(rows);
    if let Some(n) = n
        && !span.is_disabled()
    {
        span.record("rows", n);
        span.record(
            "elapsed_us",
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        );
    }
    super::log::statement(db, sql, elapsed, n, out.as_ref().err());
    out
}

/// The span's target stays `weft::exec`, the module it was made in before `exec` was split
/// into files: subscribers' filters name it.
fn statement_span(sql: &Stmt<'_>) -> tracing::Span {
    tracing::debug_span!(
        target: "weft::exec",
        "weft.statement",
        db.system = %sql.dialect.backend(),
        db.statement = %sql.text,
        rows = tracing::field::Empty,
        elapsed_us = tracing::field::Empty,
    )
}

//! Where statements run ([`Executor`], [`Target`]: the pool, a held connection or a
//! transaction) and running them: binding, tracing and counting, retrying a stale PostgreSQL
//! plan, and keeping a cancelled statement from harming later ones.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Instant;

use futures_util::TryStreamExt;
use sqlx::AssertSqlSafe;
use tracing::Instrument;

use super::binds;
use super::db::{Db, Pool};
#[cfg(feature = "sqlite")]
use super::sqlite::SqliteWatch;
use super::tx::{Abort, InTx, Tx, TxConn};
use crate::error::{Error, Result};
use crate::render::{Sql, Stmt};
use crate::row::RowRef;

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
        let (conn, aborted) = match &mut self.conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(h) => {
                let (c, a) = h.split();
                (ConnRef::Sqlite(c), a)
            }
            #[cfg(feature = "postgres")]
            TxConn::Postgres(h) => {
                let (c, a) = h.split();
                (ConnRef::Postgres(c), a)
            }
            #[cfg(feature = "mysql")]
            TxConn::MySql(h) => {
                let (c, a) = h.split();
                (ConnRef::MySql(c), a)
            }
        };
        Target {
            db: &self.db,
            conn: Some(conn),
            aborted: Some(aborted),
        }
    }
}

/// A borrowed place to run statements (see [`Executor`]).
#[doc(hidden)]
pub struct Target<'a> {
    pub(super) db: &'a Db,
    pub(super) conn: Option<ConnRef<'a>>,
    /// The transaction's abort state, when the target is a transaction.
    pub(super) aborted: Option<&'a mut Option<Abort>>,
}

pub(super) enum ConnRef<'a> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'a mut sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(&'a mut sqlx::MySqlConnection),
}

/// Runs `$body` (a `Result`) with `$e` bound to a sqlx executor and `$args` to the statement's
/// arguments for whichever backend the target is. `$in_tx` says whether the target is a
/// transaction (a PostgreSQL statement whose cached plan went stale is retried outside one).
macro_rules! on_target {
    ($target:expr, $sql:expr, $in_tx:expr, |$e:ident, $args:ident| $body:expr) => {{
        let target: &mut Target<'_> = $target;
        #[allow(unused_variables)] // read on PostgreSQL only
        let in_tx: bool = $in_tx;
        let db: &Db = target.db;
        match (&mut target.conn, &db.inner.pool) {
            #[cfg(feature = "sqlite")]
            (Some(ConnRef::Sqlite(c)), _) => {
                let $args = binds::sqlite($sql)?;
                let mut watch = SqliteWatch {
                    db,
                    conn: (),
                    finished: false,
                };
                let $e = &mut **c;
                let out = async { $body }.await;
                watch.finished = true;
                out
            }
            #[cfg(feature = "sqlite")]
            (None, Pool::Sqlite(p)) => {
                let $args = binds::sqlite($sql)?;
                db.check_only_connection(&$sql.text)?;
                let conn = p
                    .acquire()
                    .await
                    .map_err(|source| query_error($sql, source))?;
                let mut watch = SqliteWatch {
                    db,
                    conn,
                    finished: false,
                };
                let $e = &mut *watch.conn;
                let out = async { $body }.await;
                watch.finished = true;
                out
            }
            #[cfg(feature = "postgres")]
            (Some(ConnRef::Postgres(c)), _) => {
                let conn: &mut sqlx::PgConnection = c;
                let mut retried = false;
                loop {
                    let $args = binds::postgres($sql)?;
                    let $e = &mut *conn;
                    let out = async { $body }.await;
                    match stale_plan(conn, $sql, out, in_tx, &mut retried).await {
                        Some(out) => break out,
                        None => continue,
                    }
                }
            }
            #[cfg(feature = "postgres")]
            (None, Pool::Postgres(p)) => {
                let mut conn = p
                    .acquire()
                    .await
                    .map_err(|source| query_error($sql, source))?;
                let mut retried = false;
                loop {
                    let $args = binds::postgres($sql)?;
                    let $e = &mut *conn;
                    let out = async { $body }.await;
                    match stale_plan(&mut conn, $sql, out, false, &mut retried).await {
                        Some(out) => break out,
                        None => continue,
                    }
                }
            }
            #[cfg(feature = "mysql")]
            (Some(ConnRef::MySql(c)), _) => {
                let $args = binds::mysql($sql)?;
                let $e = &mut **c;
                $body
            }
            #[cfg(feature = "mysql")]
            (None, Pool::MySql(p)) => {
                let $args = binds::mysql($sql)?;
                let conn = p
                    .acquire()
                    .await
                    .map_err(|source| query_error($sql, source))?;
                // A connection whose statement was cancelled mid-way can be out of step with
                // the server (sqlx does not recover it): closed rather than reused.
                let mut watch = CloseIfCancelled {
                    conn,
                    finished: false,
                };
                let $e = &mut *watch.conn;
                let out = async { $body }.await;
                watch.finished = true;
                out
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("a transaction always belongs to its database's backend"),
        }
    }};
}

/// Whether `error` is PostgreSQL refusing a cached prepared statement whose result type
/// changed (a column's type altered behind weft's back).
#[cfg(feature = "postgres")]
fn is_stale_plan(error: &Error) -> bool {
    let Error::Query { source, .. } = error else {
        return false;
    };
    source
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
        .is_some_and(|e| {
            e.code() == "0A000"
                && (e.routine() == Some("RevalidateCachedQuery")
                    || e.message()
                        .contains("cached plan must not change result type"))
        })
}

/// What to do after a PostgreSQL statement ran with `out`: `Some` to return it, `None` to run
/// it once more. On a stale cached plan the connection's statement cache is cleared; outside
/// a transaction the statement runs again (it did nothing: the server refused it before
/// running it), inside one the transaction is already aborted by it, which the error says.
#[cfg(feature = "postgres")]
async fn stale_plan<T>(
    conn: &mut sqlx::PgConnection,
    sql: &Stmt<'_>,
    out: Result<T>,
    in_tx: bool,
    retried: &mut bool,
) -> Option<Result<T>> {
    let error = match out {
        Err(e) if is_stale_plan(&e) => e,
        out => return Some(out),
    };
    if let Err(source) = sqlx::Connection::clear_cached_statements(conn).await {
        return Some(Err(query_error(sql, source)));
    }
    if in_tx || *retried {
        let Error::Query { sql, source } = error else {
            return Some(Err(error));
        };
        return Some(Err(Error::StaleStatement { sql, source }));
    }
    *retried = true;
    None
}

/// A pooled connection running one statement, closed instead of reused if the statement's
/// future is dropped before it finished.
#[cfg(feature = "mysql")]
struct CloseIfCancelled<DB: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<DB>,
    finished: bool,
}

#[cfg(feature = "mysql")]
impl<DB: sqlx::Database> Drop for CloseIfCancelled<DB> {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.close_on_drop();
        }
    }
}

/// A pooled connection held for the statements of one relational query.
pub(crate) enum Held {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

impl<'a> Target<'a> {
    /// The database, for as long as the target borrows it.
    pub(crate) fn db_ref(&self) -> &'a Db {
        self.db
    }

    /// A pooled connection to run several statements on, when this target is the pool.
    pub(crate) async fn hold(&self) -> Result<Option<Held>> {
        if self.conn.is_some() {
            return Ok(None);
        }
        const ACQUIRE: &str = "(acquiring a connection)";
        let err = |source| Error::Query {
            sql: ACQUIRE.into(),
            source,
        };
        Ok(Some(match &self.db.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                self.db.check_only_connection(ACQUIRE)?;
                Held::Sqlite(p.acquire().await.map_err(err)?)
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Held::Postgres(p.acquire().await.map_err(err)?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Held::MySql(p.acquire().await.map_err(err)?),
        }))
    }

    /// A target on a held connection.
    pub(crate) fn on_held<'h>(db: &'h Db, held: &'h mut Held) -> Target<'h> {
        let conn = match held {
            #[cfg(feature = "sqlite")]
            Held::Sqlite(c) => ConnRef::Sqlite(c),
            #[cfg(feature = "postgres")]
            Held::Postgres(c) => ConnRef::Postgres(c),
            #[cfg(feature = "mysql")]
            Held::MySql(c) => ConnRef::MySql(c),
        };
        Target {
            db,
            conn: Some(conn),
            aborted: None,
        }
    }

    /// This target, reborrowed.
    pub(crate) fn reborrow(&mut self) -> Target<'_> {
        let conn = match &mut self.conn {
            None => None,
            #[cfg(feature = "sqlite")]
            Some(ConnRef::Sqlite(c)) => Some(ConnRef::Sqlite(c)),
            #[cfg(feature = "postgres")]
            Some(ConnRef::Postgres(c)) => Some(ConnRef::Postgres(c)),
            #[cfg(feature = "mysql")]
            Some(ConnRef::MySql(c)) => Some(ConnRef::MySql(c)),
        };
        Target {
            db: self.db,
            conn,
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
        let db = self.db;
        let tx = InTx::start(&mut self.aborted, sql)?;
        let in_tx = tx.in_tx();
        let work = async {
            on_target!(self, sql, in_tx, |e, args| {
                let mut out = Vec::new();
                let mut rows = sqlx::query_with(AssertSqlSafe(&*sql.text), args).fetch(e);
                while let Some(row) = rows
                    .try_next()
                    .await
                    .map_err(|source| query_error(sql, source))?
                {
                    out.push(decode(row_ref(&row), &sql.text)?);
                }
                Ok(out)
            })
        };
        let out = instrumented(db, sql, work, |rows: &Vec<O>| rows.len() as u64).await;
        self.aborted = tx.finish(&out);
        out
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
        let db = self.db;
        let sql = &sql.stmt();
        let tx = InTx::start(&mut self.aborted, sql)?;
        let in_tx = tx.in_tx();
        let work = async {
            on_target!(self, sql, in_tx, |e, args| {
                let row = sqlx::query_with(AssertSqlSafe(&*sql.text), args)
                    .fetch_optional(e)
                    .await
                    .map_err(|source| query_error(sql, source))?;
                row.map(|row| decode(row_ref(&row), &sql.text)).transpose()
            })
        };
        let out = instrumented(db, sql, work, |row: &Option<O>| u64::from(row.is_some())).await;
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
        let tx = InTx::start(&mut self.aborted, sql)?;
        let in_tx = tx.in_tx();
        let work = async {
            on_target!(self, sql, in_tx, |e, args| {
                let done = sqlx::query_with(AssertSqlSafe(&*sql.text), args)
                    .execute(e)
                    .await
                    .map_err(|source| query_error(sql, source))?;
                Ok(done.rows_affected())
            })
        };
        let out = instrumented(db, sql, work, |n: &u64| *n).await;
        self.aborted = tx.finish(&out);
        out
    }
}

fn query_error(sql: &Stmt<'_>, source: sqlx::Error) -> Error {
    Error::Query {
        sql: sql.text.clone().into_owned(),
        source,
    }
}

/// Runs one statement's `work` inside its tracing span, counting it and recording the rows it
/// returned or affected (`rows`) and how long it took.
async fn instrumented<T>(
    db: &Db,
    sql: &Stmt<'_>,
    work: impl Future<Output = Result<T>>,
    rows: impl Fn(&T) -> u64,
) -> Result<T> {
    crate::corpus::record(sql);
    let span = statement_span(sql);
    let started = Instant::now();
    db.inner.statements.fetch_add(1, Ordering::Relaxed);
    let out = work.instrument(span.clone()).await?;
    if !span.is_disabled() {
        span.record("rows", rows(&out));
        span.record("elapsed_us", started.elapsed().as_micros() as u64);
    }
    Ok(out)
}

trait AsRowRef {
    fn row_ref(&self) -> RowRef<'_>;
}

#[cfg(feature = "sqlite")]
impl AsRowRef for sqlx::sqlite::SqliteRow {
    fn row_ref(&self) -> RowRef<'_> {
        RowRef::Sqlite(self)
    }
}
#[cfg(feature = "postgres")]
impl AsRowRef for sqlx::postgres::PgRow {
    fn row_ref(&self) -> RowRef<'_> {
        RowRef::Postgres(self)
    }
}
#[cfg(feature = "mysql")]
impl AsRowRef for sqlx::mysql::MySqlRow {
    fn row_ref(&self) -> RowRef<'_> {
        RowRef::MySql(self)
    }
}

fn row_ref<R: AsRowRef>(row: &R) -> RowRef<'_> {
    row.row_ref()
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

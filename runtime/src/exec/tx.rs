//! Transactions and savepoints: [`Tx`], the connection it holds, and its abort state (a
//! statement that fails in a transaction aborts it, on every backend).

use super::db::Db;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::render::Stmt;

pub(super) async fn run_in<'c, T, E, F>(mut tx: Tx<'c>, body: F) -> Result<T, E>
where
    F: AsyncFnOnce(&mut Tx<'c>) -> Result<T, E>,
    E: From<Error>,
{
    // A panic in `body` unwinds through here and drops `tx`, which rolls it back.
    match body(&mut tx).await {
        // Refused (and rolled back) when a statement in `body` failed, even if `body`
        // ignored the error.
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// Why a transaction can run nothing more: the first statement that failed in it.
#[derive(Debug, Clone)]
pub(crate) struct Abort {
    /// The statement that failed.
    sql: String,
    /// How it failed.
    cause: String,
    /// The failure ended the whole transaction on the server (the connection was lost, a
    /// deadlock victim, an interrupted SQLite write, a cancelled statement), not only the
    /// innermost savepoint: rolling the savepoint back does not undo it.
    whole: bool,
    /// The statement was cancelled (its future dropped) before it finished.
    cancelled: bool,
}

impl Abort {
    fn refuse(&self, action: &'static str, sql: Option<&str>) -> Error {
        Error::TransactionAborted {
            action,
            sql: sql.map(str::to_owned),
            failed_sql: self.sql.clone(),
            cause: self.cause.clone(),
        }
    }

    /// The abort a failed statement causes, if it is a failure of the statement (not a
    /// value weft refused before sending, nor a row it could not decode: those leave the
    /// transaction as it was on every backend).
    fn of(error: &Error, backend: Backend) -> Option<Abort> {
        let (sql, source) = match error {
            Error::Query { sql, source } | Error::StaleStatement { sql, source } => (sql, source),
            _ => return None,
        };
        Some(Abort {
            sql: sql.clone(),
            cause: source.to_string(),
            whole: ends_transaction(source, backend),
            cancelled: false,
        })
    }
}

/// Whether `error` ends the whole transaction on the server, beyond its innermost savepoint.
/// Errors the driver raised (I/O, protocol, pool) count: the connection's state is unknown.
fn ends_transaction(error: &sqlx::Error, backend: Backend) -> bool {
    let Some(db) = error.as_database_error() else {
        return true;
    };
    let code = db.code();
    let code = code.as_deref().unwrap_or_default();
    match backend {
        // Connection exceptions, operator intervention (shutdown, cancel), internal errors.
        Backend::Postgres => ["08", "57", "XX"]
            .iter()
            .any(|class| code.starts_with(class)),
        // A deadlock (and, with `innodb_rollback_on_timeout`, a lock-wait timeout) rolls back
        // the whole InnoDB transaction; so does a lost connection.
        Backend::MySql => {
            #[cfg(feature = "mysql")]
            if let Some(e) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                && matches!(e.number(), 1205 | 1213)
            {
                return true;
            }
            code == "40001" || code.starts_with("08")
        }
        // SQLite rolls back the whole transaction on these (busy, out of memory, I/O, full,
        // interrupted, corrupt) and reports its extended code's primary part.
        Backend::Sqlite => {
            let primary = code.parse::<i32>().map_or(0, |c| c & 0xff);
            matches!(primary, 5 | 7 | 9 | 10 | 11 | 13 | 26)
        }
    }
}

/// A transaction (or savepoint) open on a connection, with its abort state: sqlx's
/// `Transaction`, plus what weft tracks.
pub(super) struct TxHandle<'c, DB: sqlx::Database> {
    conn: TxOwner<'c, DB>,
    /// Rolled back when dropped while open.
    open: bool,
    aborted: Option<Abort>,
    /// The enclosing transaction's abort state, when this is a savepoint: an abort of the
    /// whole transaction reaches it when this savepoint ends.
    parent: Option<&'c mut Option<Abort>>,
    /// After a cancelled statement, close the connection instead of rolling back over it.
    close_if_cancelled: bool,
}

enum TxOwner<'c, DB: sqlx::Database> {
    Pooled(sqlx::pool::PoolConnection<DB>),
    Savepoint(&'c mut DB::Connection),
}

impl<DB: sqlx::Database> TxHandle<'static, DB> {
    pub(super) async fn begin(
        pool: &sqlx::Pool<DB>,
        close_if_cancelled: bool,
    ) -> sqlx::Result<Self> {
        let mut conn = pool.acquire().await?;
        <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::begin(
            &mut conn, None,
        )
        .await?;
        Ok(TxHandle {
            conn: TxOwner::Pooled(conn),
            open: true,
            aborted: None,
            parent: None,
            close_if_cancelled,
        })
    }
}

impl<'c, DB: sqlx::Database> TxHandle<'c, DB> {
    /// The connection and the abort state, borrowed together.
    pub(super) fn split(&mut self) -> (&mut DB::Connection, &mut Option<Abort>) {
        let conn = match &mut self.conn {
            TxOwner::Pooled(c) => &mut **c,
            TxOwner::Savepoint(c) => &mut **c,
        };
        (conn, &mut self.aborted)
    }

    async fn savepoint(&mut self) -> sqlx::Result<TxHandle<'_, DB>> {
        let close_if_cancelled = self.close_if_cancelled;
        let (conn, aborted) = self.split();
        <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::begin(conn, None)
            .await?;
        Ok(TxHandle {
            conn: TxOwner::Savepoint(conn),
            open: true,
            aborted: None,
            parent: Some(aborted),
            close_if_cancelled,
        })
    }

    /// Whether a statement was cancelled on a connection that must then not be used again.
    fn unusable(&self) -> bool {
        self.close_if_cancelled && self.aborted.as_ref().is_some_and(|a| a.cancelled)
    }

    async fn commit(mut self) -> sqlx::Result<()> {
        let done = <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::commit(
            self.split().0,
        )
        .await;
        if let Err(error) = &done {
            self.control_failed("RELEASE SAVEPOINT", error);
        }
        // Still open when it failed: dropping it rolls back, as sqlx does.
        self.open = done.is_err();
        done
    }

    /// Records that ending this savepoint failed: the enclosing transaction is in an unknown
    /// state.
    fn control_failed(&mut self, sql: &str, error: &sqlx::Error) {
        if let Some(parent) = self.parent.as_deref_mut()
            && parent.is_none()
        {
            *parent = Some(Abort {
                sql: sql.into(),
                cause: error.to_string(),
                whole: true,
                cancelled: false,
            });
        }
    }

    async fn rollback(mut self) -> sqlx::Result<()> {
        if self.unusable() {
            // Dropped: the connection is closed, and the server rolls back.
            return Ok(());
        }
        let done =
            <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::rollback(
                self.split().0,
            )
            .await;
        if let Err(error) = &done {
            self.control_failed("ROLLBACK TO SAVEPOINT", error);
        }
        self.open = false;
        done
    }
}

impl<DB: sqlx::Database> Drop for TxHandle<'_, DB> {
    fn drop(&mut self) {
        if let (Some(parent), Some(abort)) = (self.parent.as_deref_mut(), &self.aborted)
            && abort.whole
            && parent.is_none()
        {
            *parent = Some(abort.clone());
        }
        if !self.open {
            return;
        }
        let unusable = self.unusable();
        match &mut self.conn {
            TxOwner::Pooled(conn) if unusable => conn.close_on_drop(),
            // Its root transaction closes the connection.
            TxOwner::Savepoint(_) if unusable => {}
            _ => <DB::TransactionManager as sqlx_core::transaction::TransactionManager>::start_rollback(
                self.split().0,
            ),
        }
    }
}

/// Marks that a transaction holds the only connection of an in-memory SQLite pool, for as
/// long as it lives (see [`Error::Busy`]).
pub(super) struct HoldsOnlyConnection {
    #[cfg(feature = "sqlite")]
    db: Option<Db>,
}

impl HoldsOnlyConnection {
    #[allow(unused_variables)]
    pub(super) fn register(db: &Db) -> Self {
        #[cfg(feature = "sqlite")]
        {
            let db = db.memory_pool().map(|m| {
                if let Ok(mut task) = m.transaction_task.lock() {
                    *task = Some(tokio::task::try_id());
                }
                db.clone()
            });
            HoldsOnlyConnection { db }
        }
        #[cfg(not(feature = "sqlite"))]
        HoldsOnlyConnection {}
    }

    /// A savepoint's: its root transaction holds the connection.
    fn none() -> Self {
        HoldsOnlyConnection {
            #[cfg(feature = "sqlite")]
            db: None,
        }
    }
}

impl Drop for HoldsOnlyConnection {
    fn drop(&mut self) {
        #[cfg(feature = "sqlite")]
        if let Some(m) = self.db.as_ref().and_then(Db::memory_pool)
            && let Ok(mut task) = m.transaction_task.lock()
        {
            *task = None;
        }
    }
}

/// A transaction (or, nested, a savepoint). Dropping it without [`Tx::commit`] rolls it back.
///
/// A statement that fails in it aborts it, on every backend: see [`Db::begin`].
pub struct Tx<'c> {
    pub(super) conn: TxConn<'c>,
    pub(super) db: Db,
    pub(super) _holds: HoldsOnlyConnection,
}

pub(super) enum TxConn<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(TxHandle<'c, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(TxHandle<'c, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(TxHandle<'c, sqlx::MySql>),
}

macro_rules! on_tx {
    ($conn:expr, |$t:ident| $body:expr) => {
        match $conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite($t) => $body,
            #[cfg(feature = "postgres")]
            TxConn::Postgres($t) => $body,
            #[cfg(feature = "mysql")]
            TxConn::MySql($t) => $body,
        }
    };
}

impl<'c> Tx<'c> {
    /// Commits (a savepoint: releases it into the enclosing transaction).
    ///
    /// Fails with [`Error::TransactionAborted`], after rolling back, when a statement failed
    /// in this transaction (even one whose error was ignored): nothing of it is committed.
    pub async fn commit(self) -> Result<()> {
        if let Some(abort) = on_tx!(&self.conn, |h| h.aborted.clone()) {
            // A failed rollback is recorded in the enclosing transaction; the refusal is the
            // error that matters here.
            let _ = self.rollback().await;
            return Err(abort.refuse("commit", None));
        }
        on_tx!(self.conn, |h| h.commit().await).map_err(|source| Error::Transaction {
            action: "commit",
            source,
        })
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<()> {
        on_tx!(self.conn, |h| h.rollback().await).map_err(|source| Error::Transaction {
            action: "rollback",
            source,
        })
    }

    /// Starts a nested transaction: a savepoint that commits into this transaction.
    ///
    /// A failure inside it aborts only the savepoint, when the savepoint is rolled back
    /// (dropped, [`rollback`](Self::rollback), or a [`transaction`](Self::transaction) body
    /// returning `Err`): this transaction goes on. A failure that ends the whole transaction
    /// on the server (a lost connection, a deadlock) aborts this one too.
    pub async fn begin(&mut self) -> Result<Tx<'_>> {
        if let Some(abort) = on_tx!(&self.conn, |h| h.aborted.as_ref()) {
            return Err(abort.refuse("begin", None));
        }
        let begin_err = |source| Error::Transaction {
            action: "begin",
            source,
        };
        let conn = match &mut self.conn {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(h) => TxConn::Sqlite(h.savepoint().await.map_err(begin_err)?),
            #[cfg(feature = "postgres")]
            TxConn::Postgres(h) => TxConn::Postgres(h.savepoint().await.map_err(begin_err)?),
            #[cfg(feature = "mysql")]
            TxConn::MySql(h) => TxConn::MySql(h.savepoint().await.map_err(begin_err)?),
        };
        Ok(Tx {
            conn,
            db: self.db.clone(),
            _holds: HoldsOnlyConnection::none(),
        })
    }

    /// Runs `body` in a savepoint: released on `Ok`, rolled back on `Err` or panic, leaving
    /// the outer transaction open either way.
    pub async fn transaction<'s, T, E, F>(&'s mut self, body: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&mut Tx<'s>) -> Result<T, E>,
        E: From<Error>,
    {
        run_in(self.begin().await?, body).await
    }

    /// The backend of this transaction's database.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }
}

/// Tracks one statement run in a transaction: refuses it when the transaction is already
/// aborted, and aborts the transaction when it fails or is cancelled (its future dropped
/// before it finished: whether it ran is unknown).
pub(super) struct InTx<'a, 's> {
    aborted: Option<&'a mut Option<Abort>>,
    sql: &'s str,
    backend: Backend,
}

impl<'a, 's> InTx<'a, 's> {
    pub(super) fn start(
        slot: &mut Option<&'a mut Option<Abort>>,
        sql: &'s Stmt<'_>,
    ) -> Result<Self> {
        if let Some(Some(abort)) = slot.as_deref() {
            return Err(abort.refuse("statement", Some(&sql.text)));
        }
        Ok(InTx {
            aborted: slot.take(),
            sql: &sql.text,
            backend: sql.dialect.backend(),
        })
    }

    pub(super) fn in_tx(&self) -> bool {
        self.aborted.is_some()
    }

    /// The statement ended with `out`: hands the transaction's state back.
    pub(super) fn finish<T>(mut self, out: &Result<T>) -> Option<&'a mut Option<Abort>> {
        let slot = self.aborted.take()?;
        if slot.is_none()
            && let Err(e) = out
        {
            *slot = Abort::of(e, self.backend);
        }
        Some(slot)
    }
}

impl Drop for InTx<'_, '_> {
    fn drop(&mut self) {
        if let Some(slot) = self.aborted.as_deref_mut()
            && slot.is_none()
        {
            *slot = Some(Abort {
                sql: self.sql.to_owned(),
                cause: "the statement was cancelled (its future dropped) before it finished".into(),
                whole: true,
                cancelled: true,
            });
        }
    }
}

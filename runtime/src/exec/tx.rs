//! Transactions and savepoints: [`Tx`], the connection it holds, and its abort state (a
//! statement that fails in a transaction aborts it, on every backend).

use std::future::Future;
use std::pin::Pin;

use super::db::Db;
use crate::backend::Backend;
use crate::dialect::Stmt;
use crate::driver::{Connection, Driver};
use crate::error::{Error, Result};

pub(super) async fn run_in<'c, T, E, F>(mut tx: Tx<'c>, body: F) -> Result<T, E>
where
    F: AsyncFnOnce(&mut Tx<'c>) -> Result<T, E>,
    E: From<Error>,
{
    // A panic in `body` unwinds through here and drops `tx`, which rolls it back.
    let out = body(&mut tx).await;
    settle(tx, out).await
}

/// Ends `tx` by its body's outcome: commits on `Ok` (refused, and rolled back, when a
/// statement in the body failed, even if the body ignored the error), rolls back on `Err`.
async fn settle<T, E: From<Error>>(tx: Tx<'_>, out: Result<T, E>) -> Result<T, E> {
    match out {
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

/// The future a [`Db::transaction_send`] (or [`Tx::transaction_send`]) body returns: boxed,
/// so that it may borrow the transaction and still be `Send`. Make one with `Box::pin(async
/// move { … })`.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// [`run_in`] for a body whose future is boxed: the future of the whole transaction is `Send`
/// when `T` and `E` are, so it runs in `tokio::spawn` and web handlers.
pub(super) async fn run_boxed<'c, T, E, F>(mut tx: Tx<'c>, body: F) -> Result<T, E>
where
    F: for<'t> FnOnce(&'t mut Tx<'c>) -> TxFuture<'t, Result<T, E>>,
    E: From<Error>,
{
    // As in `run_in`: a panic drops `tx`, which rolls it back.
    let out = body(&mut tx).await;
    settle(tx, out).await
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
    fn of(error: &Error, driver: &dyn Driver) -> Option<Abort> {
        let (sql, source) = match error {
            Error::Query { sql, source } | Error::StaleStatement { sql, source } => (sql, source),
            // Stopped by the server (PostgreSQL aborts the transaction), or given up on by
            // weft (the statement was cancelled: its connection may be unusable).
            Error::Timeout { sql, source, .. } => {
                return Some(Abort {
                    sql: sql.clone(),
                    cause: error.to_string(),
                    whole: true,
                    cancelled: source.is_none(),
                });
            }
            _ => return None,
        };
        Some(Abort {
            sql: sql.clone(),
            cause: source.to_string(),
            whole: driver.ends_transaction(error),
            cancelled: false,
        })
    }
}

/// What a failed transaction control statement said (the driver's error, without weft's
/// framing).
fn cause(error: &Error) -> String {
    match error {
        Error::Transaction { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// A transaction (or, nested, a savepoint). Dropping it without [`Tx::commit`] rolls it back.
///
/// A statement that fails in it aborts it, on every backend: see [`Db::begin`].
pub struct Tx<'c> {
    conn: TxConn<'c>,
    pub(super) db: Db,
    /// Rolled back when dropped while open.
    open: bool,
    pub(super) aborted: Option<Abort>,
    /// The enclosing transaction's abort state, when this is a savepoint: an abort of the
    /// whole transaction reaches it when this savepoint ends.
    parent: Option<&'c mut Option<Abort>>,
}

enum TxConn<'c> {
    /// A transaction's own pooled connection.
    Root(Box<dyn Connection>),
    /// A savepoint's: its enclosing transaction's.
    Savepoint(&'c mut dyn Connection),
}

impl TxConn<'_> {
    fn get(&mut self) -> &mut dyn Connection {
        match self {
            TxConn::Root(c) => &mut **c,
            TxConn::Savepoint(c) => &mut **c,
        }
    }

    fn get_ref(&self) -> &dyn Connection {
        match self {
            TxConn::Root(c) => &**c,
            TxConn::Savepoint(c) => &**c,
        }
    }
}

impl Tx<'static> {
    /// A transaction begun on `conn`.
    pub(super) fn new(conn: Box<dyn Connection>, db: Db) -> Self {
        Tx {
            conn: TxConn::Root(conn),
            db,
            open: true,
            aborted: None,
            parent: None,
        }
    }
}

impl<'c> Tx<'c> {
    /// The connection and the abort state, borrowed together.
    pub(super) fn split(&mut self) -> (&Db, &mut dyn Connection, &mut Option<Abort>) {
        (&self.db, self.conn.get(), &mut self.aborted)
    }

    /// Commits (a savepoint: releases it into the enclosing transaction).
    ///
    /// Fails with [`Error::TransactionAborted`], after rolling back, when a statement failed
    /// in this transaction (even one whose error was ignored): nothing of it is committed.
    pub async fn commit(mut self) -> Result<()> {
        if let Some(abort) = self.aborted.clone() {
            // A failed rollback is recorded in the enclosing transaction; the refusal is the
            // error that matters here.
            let _ = self.rollback().await;
            return Err(abort.refuse("commit", None));
        }
        let done = self.conn.get().commit().await;
        if let Err(error) = &done {
            self.control_failed("RELEASE SAVEPOINT", error);
        }
        // Still open when it failed: dropping it rolls back, as sqlx does.
        self.open = done.is_err();
        done
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<()> {
        if self.unusable() {
            // Dropped: the connection is closed, and the server rolls back.
            return Ok(());
        }
        let done = self.conn.get().rollback().await;
        if let Err(error) = &done {
            self.control_failed("ROLLBACK TO SAVEPOINT", error);
        }
        self.open = false;
        done
    }

    /// Starts a nested transaction: a savepoint that commits into this transaction.
    ///
    /// A failure inside it aborts only the savepoint, when the savepoint is rolled back
    /// (dropped, [`rollback`](Self::rollback), or a [`transaction`](Self::transaction) body
    /// returning `Err`): this transaction goes on. A failure that ends the whole transaction
    /// on the server (a lost connection, a deadlock) aborts this one too.
    pub async fn begin(&mut self) -> Result<Tx<'_>> {
        if let Some(abort) = &self.aborted {
            return Err(abort.refuse("begin", None));
        }
        let conn = self.conn.get();
        conn.begin().await?;
        Ok(Tx {
            conn: TxConn::Savepoint(conn),
            db: self.db.clone(),
            open: true,
            aborted: None,
            parent: Some(&mut self.aborted),
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

    /// [`transaction`](Self::transaction) with a boxed body whose future is `Send` (see
    /// [`Db::transaction_send`]).
    pub async fn transaction_send<'s, T, E, F>(&'s mut self, body: F) -> Result<T, E>
    where
        F: for<'t> FnOnce(&'t mut Tx<'s>) -> TxFuture<'t, Result<T, E>>,
        E: From<Error>,
    {
        run_boxed(self.begin().await?, body).await
    }

    /// The backend of this transaction's database.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Whether a statement was cancelled on a connection that must then not be used again.
    fn unusable(&self) -> bool {
        self.aborted.as_ref().is_some_and(|a| a.cancelled)
            && self.conn.get_ref().unusable_after_cancel()
    }

    /// Records that ending this savepoint failed: the enclosing transaction is in an unknown
    /// state.
    fn control_failed(&mut self, sql: &str, error: &Error) {
        if let Some(parent) = self.parent.as_deref_mut()
            && parent.is_none()
        {
            *parent = Some(Abort {
                sql: sql.into(),
                cause: cause(error),
                whole: true,
                cancelled: false,
            });
        }
    }
}

impl Drop for Tx<'_> {
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
            TxConn::Root(conn) if unusable => conn.close_on_drop(),
            // Its root transaction closes the connection.
            TxConn::Savepoint(_) if unusable => {}
            conn => conn.get().start_rollback(),
        }
    }
}

/// Tracks one statement run in a transaction: refuses it when the transaction is already
/// aborted, and aborts the transaction when it fails or is cancelled (its future dropped
/// before it finished: whether it ran is unknown).
pub(super) struct InTx<'a, 's> {
    aborted: Option<&'a mut Option<Abort>>,
    sql: &'s str,
    db: &'a Db,
}

impl<'a, 's> InTx<'a, 's> {
    pub(super) fn start(
        slot: &mut Option<&'a mut Option<Abort>>,
        sql: &'s Stmt<'_>,
        db: &'a Db,
    ) -> Result<Self> {
        if let Some(Some(abort)) = slot.as_deref() {
            return Err(abort.refuse("statement", Some(&sql.text)));
        }
        Ok(InTx {
            aborted: slot.take(),
            sql: &sql.text,
            db,
        })
    }

    /// The statement ended with `out`: hands the transaction's state back.
    pub(super) fn finish<T>(mut self, out: &Result<T>) -> Option<&'a mut Option<Abort>> {
        let slot = self.aborted.take()?;
        if slot.is_none()
            && let Err(e) = out
        {
            *slot = Abort::of(e, &*self.db.inner.driver);
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

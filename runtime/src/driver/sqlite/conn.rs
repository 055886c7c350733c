//! A connection held by a transaction or a relational load: where it is (ready, or with a
//! statement on a blocking thread), its open transactions and savepoints, and the
//! [`Connection`] impl.

use super::*;

/// A held connection's place.
pub(super) enum State {
    Ready(Box<Slot>),
    /// A statement runs on a blocking thread with the connection.
    Running(tokio::task::JoinHandle<Finished>),
    Gone,
}

/// A connection held by a transaction or a relational load.
pub(super) struct NativeConn {
    pub(super) state: State,
    /// Open transactions and savepoints.
    pub(super) depth: u32,
    /// Transactions and savepoints dropped while open: rolled back before the next statement.
    pub(super) pending_rollbacks: u32,
    /// Dropped after the connection went back to the pool.
    pub(super) _holds: Option<HoldsOnly>,
    /// The connection's progress watch (also while a blocking thread has the connection).
    pub(super) watch: Option<Arc<Watch>>,
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
            State::Ready(slot) => slot.raw().is_ok_and(|raw| !raw.link.conn().is_autocommit()),
            _ => self.depth > 0,
        }
    }

    pub(super) async fn begin_innermost(&mut self) -> std::result::Result<(), Failure> {
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
pub(super) fn control_stmt(text: &str) -> Stmt<'_> {
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
pub(super) struct HoldsOnly(Arc<Pool>);

impl HoldsOnly {
    pub(super) fn register(pool: &Arc<Pool>) -> Option<Self> {
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

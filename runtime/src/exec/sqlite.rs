//! How weft looks after the SQLite pools it builds itself: an in-memory database shares its
//! one connection, and a cancelled statement (its future dropped) does not block later ones.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::db::Db;
use crate::error::{Error, Result};

/// What weft knows of a SQLite pool, to keep a cancelled statement from blocking later ones.
///
/// sqlx's SQLite worker runs a statement to its end even when its future is dropped (a
/// `tokio::time::timeout` ran out), and the connection serves nothing else meanwhile.
pub(super) enum SqlitePoolKind {
    /// A pool weft did not build (`Db::from_sqlite_pool`): left as configured.
    Foreign,
    /// A file database: a connection whose statement was cancelled is closed instead of
    /// being handed out again (the statement finishes on its own; the pool opens another).
    File,
    /// An in-memory database: one connection (it is the database), so it cannot be closed.
    /// A cancelled statement is interrupted instead (SQLite's progress handler), and the
    /// connection goes back to the pool only once it is idle again.
    Memory(Arc<MemoryPool>),
}

#[derive(Default)]
pub(super) struct MemoryPool {
    /// Set when a statement is cancelled: the connection's progress handler then interrupts
    /// what runs; cleared once the connection is idle again (before it is handed out).
    pub(super) interrupt: Arc<std::sync::atomic::AtomicBool>,
    /// While a transaction holds the only connection: the task that began it (`None` outside
    /// a Tokio task).
    pub(super) transaction_task: std::sync::Mutex<Option<Option<tokio::task::Id>>>,
}

/// How many SQLite virtual-machine instructions run between two looks at
/// [`MemoryPool::interrupt`]: short statements (a `ROLLBACK`) never see it.
pub(super) const PROGRESS_OPS: i32 = 1000;

/// The URL to open and whether it is an in-memory database: `sqlite:` and `sqlite://`
/// without a path (which SQLite would open as a private temporary database per connection)
/// are `sqlite::memory:`.
pub(super) fn sqlite_memory_url(url: &str) -> (String, bool) {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let url = if path.is_empty() {
        let mut url = "sqlite::memory:".to_owned();
        if !params.is_empty() {
            url.push('?');
            url.push_str(params);
        }
        url
    } else {
        url.to_owned()
    };
    let memory = url.contains(":memory:") || params.split('&').any(|p| p == "mode=memory");
    (url, memory)
}

/// Watches one SQLite statement: when its future is dropped before it finished, keeps the
/// statement from blocking later ones (see [`SqlitePoolKind`]). `C` is the pooled connection
/// it runs on, or `()` on a transaction's or held connection.
pub(super) struct SqliteWatch<'d, C: CloseOnDrop> {
    pub(super) db: &'d Db,
    pub(super) conn: C,
    pub(super) finished: bool,
}

pub(super) trait CloseOnDrop {
    fn close_on_drop(&mut self);
}

impl CloseOnDrop for () {
    fn close_on_drop(&mut self) {}
}

impl CloseOnDrop for sqlx::pool::PoolConnection<sqlx::Sqlite> {
    fn close_on_drop(&mut self) {
        sqlx::pool::PoolConnection::close_on_drop(self);
    }
}

impl<C: CloseOnDrop> Drop for SqliteWatch<'_, C> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        match &self.db.inner.sqlite {
            // Before the connection goes back to the pool (its `after_release` waits for the
            // interrupted statement to stop, then clears this).
            SqlitePoolKind::Memory(m) => m.interrupt.store(true, Ordering::Release),
            SqlitePoolKind::File => self.conn.close_on_drop(),
            SqlitePoolKind::Foreign => {}
        }
    }
}

impl Db {
    /// The in-memory pool's state, when this is one weft built.
    pub(super) fn memory_pool(&self) -> Option<&MemoryPool> {
        match &self.inner.sqlite {
            SqlitePoolKind::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// Fails at once, rather than waiting for the pool (30 s) and failing then, when the only
    /// connection of an in-memory SQLite database is held by a transaction this task opened.
    pub(super) fn check_only_connection(&self, sql: &str) -> Result<()> {
        if let Some(m) = self.memory_pool()
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

//! Read replicas: a [`Db`] made with a primary and replicas sends plain reads to a replica
//! (round robin) and everything else to the primary; [`Db::on_primary`] forces the primary.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::db::Db;
use crate::driver::Driver;
use crate::error::{Error, Result, redact_url};

/// The replicas of a [`Db`] (none for a handle on one server).
#[derive(Default)]
pub(super) struct Replicas {
    drivers: Vec<Box<dyn Driver>>,
    /// The next replica to read from.
    next: AtomicUsize,
    /// Statements sent to replicas.
    statements: AtomicU64,
}

impl Replicas {
    /// The next replica, in turn, if there is one.
    fn pick(&self) -> Option<&dyn Driver> {
        if self.drivers.is_empty() {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.drivers.len();
        self.statements.fetch_add(1, Ordering::Relaxed);
        Some(&*self.drivers[i])
    }
}

/// Whether `text` may run on a replica: a `SELECT` without a row lock (`FOR UPDATE`, `FOR
/// SHARE`, `LOCK IN SHARE MODE`, which weft renders last).
fn plain_read(text: &str) -> bool {
    let head = text.trim_start().get(..6).unwrap_or_default();
    if !head.eq_ignore_ascii_case("SELECT") {
        return false;
    }
    let tail = text.trim_end();
    let tail = tail.get(tail.len().saturating_sub(40)..).unwrap_or(tail);
    ![
        "FOR UPDATE",
        "FOR SHARE",
        "LOCK IN SHARE MODE",
        "NOWAIT",
        "SKIP LOCKED",
    ]
    .iter()
    .any(|clause| {
        tail.len() >= clause.len()
            && tail.as_bytes()[tail.len() - clause.len()..].eq_ignore_ascii_case(clause.as_bytes())
    })
}

impl Db {
    /// Connects to a primary and its read replicas (URLs as for [`Db::connect`], all of one
    /// backend). Plain reads run on the pool (`select`, `find_many`, `weft::raw` `SELECT`s
    /// without a row lock) go to a replica, in turn; everything else goes to the primary:
    /// writes, transactions (their reads included), `for_update` / `for_share`, DDL.
    ///
    /// A replica may lag behind the primary: a read on it may not see a write the primary has
    /// just acknowledged. To read your own writes, read through
    /// [`on_primary`](Self::on_primary) (or in a transaction).
    pub async fn connect_with_replicas<S: AsRef<str>>(
        primary: &str,
        replicas: impl IntoIterator<Item = S>,
    ) -> Result<Db> {
        let driver = crate::driver::url::connect(primary).await?;
        let backend = driver.server().backend;
        let mut drivers = Vec::new();
        for url in replicas {
            let url = url.as_ref();
            let replica = crate::driver::url::connect(url).await?;
            if replica.server().backend != backend {
                return Err(Error::Url {
                    url: redact_url(url),
                    reason: format!(
                        "a replica must be of its primary's backend ({backend}), not {}",
                        replica.server().backend
                    ),
                });
            }
            drivers.push(replica);
        }
        Ok(Db::from_parts(
            driver,
            Replicas {
                drivers,
                ..Replicas::default()
            },
        ))
    }

    /// This handle, sending every statement to the primary (a handle without replicas is
    /// returned as it is): for reads that must see the writes just made.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// let fresh = db.on_primary(); // `.all(&db.on_primary())`
    /// assert_eq!(fresh.replica_statements(), 0);
    /// # Ok(()) }
    /// ```
    pub fn on_primary(&self) -> Db {
        Db {
            inner: self.inner.clone(),
            primary_only: true,
            timeout: self.timeout,
        }
    }

    /// How many statements this handle (and its clones) sent to replicas so far.
    pub fn replica_statements(&self) -> u64 {
        self.inner.replicas.statements.load(Ordering::Relaxed)
    }

    /// Where a statement on the pool runs: a replica for a plain read, unless this handle
    /// reads on the primary; the primary otherwise.
    pub(super) fn route(&self, text: &str) -> &dyn Driver {
        if !self.primary_only
            && !self.inner.replicas.drivers.is_empty()
            && plain_read(text)
            && let Some(replica) = self.inner.replicas.pick()
        {
            return replica;
        }
        &*self.inner.driver
    }

    /// Where a relational load's held connection comes from (its statements are reads).
    pub(super) fn route_load(&self) -> &dyn Driver {
        if !self.primary_only
            && let Some(replica) = self.inner.replicas.pick()
        {
            return replica;
        }
        &*self.inner.driver
    }
}

#[cfg(test)]
mod tests {
    use super::plain_read;

    #[test]
    fn only_unlocked_selects_are_plain_reads() {
        assert!(plain_read("SELECT \"a\" FROM \"t\""));
        assert!(plain_read("  select 1"));
        assert!(!plain_read("SELECT \"a\" FROM \"t\" FOR UPDATE"));
        assert!(!plain_read("SELECT `a` FROM `t` LOCK IN SHARE MODE"));
        assert!(!plain_read("SELECT 1 FOR SHARE SKIP LOCKED"));
        assert!(!plain_read("INSERT INTO t VALUES (1) RETURNING id"));
        assert!(!plain_read(
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"
        ));
        assert!(!plain_read("SEL"));
    }
}

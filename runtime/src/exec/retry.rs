//! Running a transaction again when the database ended it for a conflict with another
//! transaction ([`Conflict`]): bounded attempts, jittered exponential backoff, and nothing
//! retried but conflicts. Layered on [`Db::transaction`]: each attempt is a whole new
//! transaction on a (possibly) new connection.

use std::time::Duration;

use super::db::Db;
use super::tx::Tx;
use crate::error::{Conflict, Error, Result};

/// How often, and how patiently, [`Db::transaction_with_retry`] runs a transaction again.
///
/// The default: 5 attempts in all; before retry `n` (1, 2, …) a pause drawn uniformly from
/// zero to `min(cap, first · 2ⁿ⁻¹)`, with `first` 10 ms and `cap` 1 s ("full jitter": the
/// transactions that conflicted do not come back in step and conflict again).
///
/// ```
/// use std::time::Duration;
/// let policy = weft::RetryPolicy::new(10).backoff(Duration::from_millis(2), Duration::from_millis(200));
/// assert_eq!(policy.max_attempts(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    attempts: u32,
    first: Duration,
    cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first: Duration::from_millis(10),
            cap: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// At most `attempts` runs of the transaction in all (the first one included; `0` is
    /// taken as `1`: run once, never retry), with the default backoff.
    pub fn new(attempts: u32) -> Self {
        RetryPolicy {
            attempts: attempts.max(1),
            ..RetryPolicy::default()
        }
    }

    /// Pauses before each retry drawn from zero to `first · 2ⁿ⁻¹` (retry `n`), never above
    /// `cap`.
    pub fn backoff(self, first: Duration, cap: Duration) -> Self {
        RetryPolicy { first, cap, ..self }
    }

    /// How many runs of the transaction at most, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// The pause before retry `retry` (1 for the second attempt).
    fn pause(&self, retry: u32) -> Duration {
        let doubled = self
            .first
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let ceiling = doubled.min(self.cap);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// An error [`Db::transaction_with_retry`] can look into for a [`Conflict`]: weft's
/// [`Error`], or your own error type wrapping it (return the wrapped error's
/// [`Error::conflict`]).
pub trait Retryable {
    /// The conflict this error reports, if it is one.
    fn conflict(&self) -> Option<Conflict>;
}

impl Retryable for Error {
    fn conflict(&self) -> Option<Conflict> {
        Error::conflict(self)
    }
}

impl Db {
    /// Runs `body` in a transaction as [`Db::transaction`] does, and runs it again, in a new
    /// transaction, when it failed for a conflict with another transaction ([`Conflict`]: a
    /// serialization or Galera certification failure, a deadlock, a lock-wait timeout,
    /// SQLite's busy), wherever the conflict struck: a statement, `BEGIN` or `COMMIT`. Any
    /// other error is returned at once, unretried; after `policy`'s last attempt the last
    /// conflict is returned (match it with [`Error::conflict`]).
    ///
    /// `body` may run several times, so it must not do anything outside the transaction that
    /// a retry would repeat (or make that harmless). Retries are traced (`weft.retry` events,
    /// target `weft::exec`, at debug level); count the attempts in `body` to report them.
    ///
    /// Where conflicts are routine rather than accidents, the dialect's capability record says
    /// so ([`Capabilities::retries_required`](crate::dialect::Capabilities::retries_required):
    /// CockroachDB, where every transaction is `SERIALIZABLE` across nodes): there, run every
    /// writing transaction through this method. On a Galera cluster (MariaDB's record, which
    /// cannot tell a cluster node from a lone server) certification failures are routine too;
    /// see `docs/scaling.md`. A statement timeout ([`Error::Timeout`]) is not a conflict.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// # let db = weft::Db::connect("sqlite::memory:").await?;
    /// let mut attempts = 0;
    /// let n = db
    ///     .transaction_with_retry(weft::RetryPolicy::default(), async |tx| {
    ///         attempts += 1;
    ///         // run queries with `.execute(&mut *tx)`, `.all(&mut *tx)`, …
    ///         Ok::<_, weft::Error>(1)
    ///     })
    ///     .await?;
    /// # assert_eq!((n, attempts), (1, 1));
    /// # Ok(()) }
    /// ```
    pub async fn transaction_with_retry<T, E, F>(
        &self,
        policy: RetryPolicy,
        mut body: F,
    ) -> Result<T, E>
    where
        F: AsyncFnMut(&mut Tx<'static>) -> Result<T, E>,
        E: From<Error> + Retryable,
    {
        let mut attempt = 1;
        loop {
            let error = match self.transaction(async |tx| body(tx).await).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let conflict = match error.conflict() {
                Some(c) if attempt < policy.attempts => c,
                _ => return Err(error),
            };
            let pause = policy.pause(attempt);
            tracing::debug!(
                target: "weft::exec",
                attempt,
                conflict = ?conflict,
                pause_us = u64::try_from(pause.as_micros()).unwrap_or(u64::MAX),
                "weft.retry"
            );
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RetryPolicy;
    use std::time::Duration;

    #[test]
    fn pauses_grow_and_stay_under_the_cap() {
        let p = RetryPolicy::new(0).backoff(Duration::from_millis(4), Duration::from_millis(10));
        assert_eq!(p.max_attempts(), 1);
        for _ in 0..100 {
            assert!(p.pause(1) <= Duration::from_millis(4));
            assert!(p.pause(2) <= Duration::from_millis(8));
            assert!(p.pause(3) <= Duration::from_millis(10));
            assert!(p.pause(40) <= Duration::from_millis(10));
        }
    }
}

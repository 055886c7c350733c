//! A connection's progress watch: the in-place step budget, a client-side statement
//! timeout's deadline, and the cancellation of a statement whose future was dropped, read by
//! SQLite's progress handler.

use super::*;

/// What the progress handler does (see [`Watch`]).
pub(super) const MODE_OFF: u8 = 0;
pub(super) const MODE_INTERRUPT: u8 = 1;
pub(super) const MODE_NOTE: u8 = 2;

/// What a connection's progress handler watches, shared with it: the in-place budget of the
/// running statement, and a cancellation from the future that awaits a blocking one.
pub(super) struct Watch {
    pub(super) base: Instant,
    /// [`MODE_OFF`] (no budget), [`MODE_INTERRUPT`] (interrupt when over it) or
    /// [`MODE_NOTE`] (only note it).
    pub(super) mode: AtomicU8,
    /// Nanoseconds after `base` when the budget runs out.
    pub(super) deadline: AtomicU64,
    /// The budget ran out (1) and the handler interrupted the statement for it (2).
    pub(super) over: AtomicU8,
    /// The running statement's number; a fresh one for each statement.
    pub(super) statement: AtomicU64,
    /// The number of the statement to interrupt (a future dropped while it runs).
    pub(super) cancel: AtomicU64,
    /// Nanoseconds after `base` when a client-side statement timeout interrupts whatever
    /// runs, read or write ([`NO_DEADLINE`]: none). Set by the connection's holder.
    pub(super) stop_at: AtomicU64,
}

/// [`Watch::stop_at`] when no statement timeout is set.
pub(super) const NO_DEADLINE: u64 = u64::MAX;

impl Watch {
    pub(super) fn new() -> Self {
        Watch {
            base: Instant::now(),
            mode: AtomicU8::new(MODE_OFF),
            deadline: AtomicU64::new(0),
            over: AtomicU8::new(0),
            statement: AtomicU64::new(0),
            cancel: AtomicU64::new(u64::MAX),
            stop_at: AtomicU64::new(NO_DEADLINE),
        }
    }

    /// Sets or lifts (`None`) the statement timeout's end.
    pub(super) fn stop_at(&self, at: Option<Instant>) {
        let at = at.map_or(NO_DEADLINE, |at| {
            u64::try_from(at.saturating_duration_since(self.base).as_nanos())
                .unwrap_or(NO_DEADLINE - 1)
        });
        self.stop_at.store(at, Ordering::Release);
    }

    pub(super) fn has_deadline(&self) -> bool {
        self.stop_at.load(Ordering::Acquire) != NO_DEADLINE
    }

    pub(super) fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Starts a statement (a fresh number: a late cancellation of an earlier one does not
    /// reach it) with a budget, or none (`MODE_OFF`). Returns its number.
    pub(super) fn start(&self, mode: u8) -> u64 {
        self.start_with(mode, STEP_BUDGET)
    }

    /// [`start`](Self::start) with a budget of `budget`.
    pub(super) fn start_with(&self, mode: u8, budget: Duration) -> u64 {
        let n = self.statement.load(Ordering::Relaxed).wrapping_add(1) % (u64::MAX - 1);
        self.statement.store(n, Ordering::Relaxed);
        self.over.store(0, Ordering::Relaxed);
        if mode != MODE_OFF {
            let budget = u64::try_from(budget.as_nanos()).unwrap_or(u64::MAX);
            self.deadline
                .store(self.now().saturating_add(budget), Ordering::Relaxed);
        }
        self.mode.store(mode, Ordering::Relaxed);
        n
    }

    /// The progress handler: `true` interrupts the running statement.
    pub(super) fn tick(&self) -> bool {
        if self.cancel.load(Ordering::Acquire) == self.statement.load(Ordering::Relaxed) {
            return true;
        }
        let stop_at = self.stop_at.load(Ordering::Acquire);
        if stop_at != NO_DEADLINE && self.now() >= stop_at {
            return true;
        }
        let mode = self.mode.load(Ordering::Relaxed);
        if mode == MODE_OFF {
            return false;
        }
        if self.over.load(Ordering::Relaxed) == 0
            && self.now() > self.deadline.load(Ordering::Relaxed)
        {
            self.over.store(1, Ordering::Relaxed);
        }
        if self.over.load(Ordering::Relaxed) != 0 && mode == MODE_INTERRUPT {
            self.over.store(2, Ordering::Relaxed);
            return true;
        }
        false
    }
}

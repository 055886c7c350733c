//! Timing: every contestant of a case runs interleaved in rounds, so slow drift of the
//! machine (frequency, the server's caches) spreads over all of them instead of favouring
//! whoever ran first.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

/// A future a contestant returns: a checksum of what it read or wrote.
pub type LocalFut = Pin<Box<dyn Future<Output = u64>>>;

/// One run of a workload, async (awaited on the shared tokio runtime) or blocking (sync
/// Diesel, called directly on the main thread).
pub enum Run {
    /// An async contestant.
    Async(Box<dyn FnMut() -> LocalFut>),
    /// A blocking contestant.
    Sync(Box<dyn FnMut() -> u64>),
}

impl Run {
    /// An async run from a closure returning a boxed future.
    pub fn future<F>(f: F) -> Run
    where
        F: FnMut() -> LocalFut + 'static,
    {
        Run::Async(Box::new(f))
    }

    /// A blocking run.
    pub fn blocking<F>(f: F) -> Run
    where
        F: FnMut() -> u64 + 'static,
    {
        Run::Sync(Box::new(f))
    }

    /// Runs once, untimed.
    pub fn once(&mut self, rt: &Runtime) -> u64 {
        match self {
            Run::Async(f) => rt.block_on(f()),
            Run::Sync(f) => f(),
        }
    }

    /// Runs `n` times, timing each run; `reset` (untimed) runs before each when given, and
    /// `settle` (untimed) after each. An async run's future is created before the clock
    /// starts: the clock times awaiting it, not the harness's boxing of it.
    pub fn timed(
        &mut self,
        rt: &Runtime,
        n: usize,
        mut reset: Option<&mut Run>,
        mut settle: Option<&mut Settle>,
        out: &mut Vec<Duration>,
    ) {
        match self {
            Run::Async(f) => {
                // `count` timed runs inside one `block_on`.
                let mut runs = |count: usize| {
                    rt.block_on(async {
                        for _ in 0..count {
                            let fut = f();
                            let start = Instant::now();
                            std::hint::black_box(fut.await);
                            out.push(start.elapsed());
                            if let Some(settle) = settle.as_deref_mut() {
                                settle().await;
                            }
                        }
                    })
                };
                match reset {
                    // A reset is itself run with `block_on`: one run per `block_on` then.
                    Some(reset) => {
                        for _ in 0..n {
                            reset.once(rt);
                            runs(1);
                        }
                    }
                    None => runs(n),
                }
            }
            Run::Sync(f) => {
                for _ in 0..n {
                    if let Some(reset) = reset.as_deref_mut() {
                        reset.once(rt);
                    }
                    let start = Instant::now();
                    std::hint::black_box(f());
                    out.push(start.elapsed());
                }
            }
        }
    }
}

/// Waits (untimed) until a pooled connection is back in its pool. sqlx returns a connection
/// in a spawned task that pings it first; without this, the next timed run would wait for the
/// previous run's return (on one shared connection) and timings would depend on when that
/// task happened to be scheduled.
pub type Settle = Box<dyn FnMut() -> LocalFut>;

/// The library a contestant uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lib {
    /// weft.
    Weft,
    /// Hand-written sqlx.
    Sqlx,
    /// SeaORM 2.
    SeaOrm,
    /// Diesel 2, blocking.
    Diesel,
    /// diesel-async.
    DieselAsync,
}

impl Lib {
    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Lib::Weft => "weft",
            Lib::Sqlx => "raw sqlx",
            Lib::SeaOrm => "SeaORM",
            Lib::Diesel => "Diesel",
            Lib::DieselAsync => "diesel-async",
        }
    }
}

/// One implementation of a workload.
pub struct Contestant {
    /// Its library.
    pub lib: Lib,
    /// Which variant (strategy, API) of the library, if it has several here.
    pub variant: &'static str,
    /// Whether this variant stands for its library in the ratios. For weft: the default
    /// strategy; for the others, the fastest variant is taken whatever this says.
    pub primary: bool,
    /// Informational rows (e.g. weft with `Db::connect`'s pool defaults) are shown but never
    /// stand for their library.
    pub info: bool,
    /// The workload.
    pub run: Run,
    /// Untimed preparation (emptying the insert table).
    pub reset: Option<Run>,
    /// Untimed wait after each run (see [`Settle`]).
    pub settle: Option<Settle>,
}

impl Contestant {
    /// A contestant without reset.
    pub fn new(lib: Lib, variant: &'static str, run: Run) -> Contestant {
        Contestant {
            lib,
            variant,
            primary: true,
            info: false,
            run,
            reset: None,
            settle: None,
        }
    }

    /// Marks a non-default variant.
    pub fn secondary(mut self) -> Contestant {
        self.primary = false;
        self
    }

    /// Marks an informational row.
    pub fn info(mut self) -> Contestant {
        self.primary = false;
        self.info = true;
        self
    }

    /// Adds an untimed wait after each run.
    pub fn with_settle(mut self, settle: Settle) -> Contestant {
        self.settle = Some(settle);
        self
    }

    /// `lib (variant)`.
    pub fn label(&self) -> String {
        if self.variant.is_empty() {
            self.lib.name().to_string()
        } else {
            format!("{} ({})", self.lib.name(), self.variant)
        }
    }
}

/// When contestants with a reset run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetEvery {
    /// Before every timed run (the 10,000-row insert starts from an empty table each time).
    Sample,
    /// Before every round (small inserts let the table grow a little within a round).
    Round,
}

/// One workload on one backend.
pub struct Case {
    /// `W1` … `W6`.
    pub workload: &'static str,
    /// What it does, e.g. "point lookup by primary key".
    pub title: &'static str,
    /// The backend's name.
    pub backend: &'static str,
    /// Everyone doing it.
    pub contestants: Vec<Contestant>,
    /// When resets run.
    pub reset_every: ResetEvery,
}

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Timed run time per contestant per case.
    pub per_contestant: Duration,
    /// Rounds the timed runs are spread over, at least: a case whose runs are short gets
    /// more, so that each contestant's turn lasts about [`Budget::turn`].
    pub rounds: usize,
    /// How long a contestant's turn in a round lasts, about (never shorter than one run).
    /// Short turns interleave the contestants finely, so that the machine's slower spells
    /// (another tenant's load, the server's background work) fall on all of them alike.
    pub turn: Duration,
    /// At least this many timed runs per contestant.
    pub min_samples: usize,
    /// Untimed warm-up per contestant.
    pub warmup: Duration,
}

impl Budget {
    /// The summary's default: about 2 s per contestant per case.
    pub const FULL: Budget = Budget {
        per_contestant: Duration::from_millis(2000),
        rounds: 10,
        turn: Duration::from_millis(20),
        min_samples: 20,
        warmup: Duration::from_millis(150),
    };
    /// A smoke test (CI): every contestant runs a few times.
    pub const QUICK: Budget = Budget {
        per_contestant: Duration::from_millis(30),
        rounds: 2,
        turn: Duration::from_millis(15),
        min_samples: 2,
        warmup: Duration::from_millis(0),
    };
}

/// What one contestant measured.
#[derive(Debug, Clone)]
pub struct Measured {
    /// `lib (variant)`.
    pub label: String,
    /// Its library.
    pub lib: Lib,
    /// See [`Contestant::primary`].
    pub primary: bool,
    /// See [`Contestant::info`].
    pub info: bool,
    /// The median run time.
    pub median: Duration,
    /// First and third quartiles.
    pub q1: Duration,
    /// Third quartile.
    pub q3: Duration,
    /// Timed runs.
    pub samples: usize,
    /// The checksum of its first run (all contestants of a case must agree).
    pub checksum: u64,
}

/// A measured case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// `W1` … `W6`.
    pub workload: &'static str,
    /// What it does.
    pub title: &'static str,
    /// The backend's name.
    pub backend: &'static str,
    /// Per contestant, in the case's order.
    pub measured: Vec<Measured>,
    /// Whether every contestant produced the same checksum.
    pub agree: bool,
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = pos - lo as f64;
    sorted[lo].mul_f64(1.0 - frac) + sorted[hi].mul_f64(frac)
}

/// How many rounds `budget` gives a case whose contestants' runs take `per_run`: turns of
/// about `budget.turn`, or one run of the slowest contestant, at least `budget.rounds`
/// and at most 400.
fn rounds_for(budget: &Budget, per_run: &[Duration]) -> usize {
    let slowest = per_run.iter().max().copied().unwrap_or_default();
    let turn = budget.turn.max(slowest).max(Duration::from_micros(1));
    let fit = (budget.per_contestant.as_secs_f64() / turn.as_secs_f64()).floor() as usize;
    fit.clamp(budget.rounds, 400.max(budget.rounds))
}

/// Measures every contestant of `case`: a checked first run each, a warm-up, then rounds in
/// which each contestant (in rotating order) runs for about `per_contestant / rounds`: as
/// many rounds as make each turn last about `budget.turn` (or one run of the slowest
/// contestant, if longer), and at least `budget.rounds`.
pub fn measure(rt: &Runtime, mut case: Case, budget: &Budget) -> CaseResult {
    let n = case.contestants.len();
    let mut checksums = Vec::with_capacity(n);
    let mut per_run = Vec::with_capacity(n);
    for c in &mut case.contestants {
        if let Some(reset) = c.reset.as_mut() {
            reset.once(rt);
        }
        let start = Instant::now();
        checksums.push(c.run.once(rt));
        let mut runs = 1u32;
        let mut elapsed = start.elapsed();
        if let Some(settle) = c.settle.as_mut() {
            rt.block_on(settle());
        }
        while elapsed < budget.warmup {
            if case.reset_every == ResetEvery::Sample
                && let Some(reset) = c.reset.as_mut()
            {
                reset.once(rt);
            }
            let start = Instant::now();
            c.run.once(rt);
            elapsed += start.elapsed();
            runs += 1;
            if let Some(settle) = c.settle.as_mut() {
                rt.block_on(settle());
            }
        }
        per_run.push(elapsed / runs);
    }
    let agree = checksums.iter().all(|&c| c == checksums[0]);

    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); n];
    let rounds = rounds_for(budget, &per_run);
    let slice = budget.per_contestant / rounds as u32;
    for round in 0..rounds {
        for k in 0..n {
            let i = (k + round) % n;
            let c = &mut case.contestants[i];
            let want = (slice.as_secs_f64() / per_run[i].as_secs_f64().max(1e-7)).ceil() as usize;
            let min_per_round = budget.min_samples.div_ceil(rounds);
            let count = want.clamp(min_per_round, 20_000);
            match case.reset_every {
                ResetEvery::Sample => c.run.timed(
                    rt,
                    count,
                    c.reset.as_mut(),
                    c.settle.as_mut(),
                    &mut samples[i],
                ),
                ResetEvery::Round => {
                    if let Some(reset) = c.reset.as_mut() {
                        reset.once(rt);
                    }
                    c.run
                        .timed(rt, count, None, c.settle.as_mut(), &mut samples[i]);
                }
            }
        }
    }
    let measured = case
        .contestants
        .iter()
        .zip(samples.iter_mut())
        .zip(checksums)
        .map(|((c, s), checksum)| {
            s.sort();
            Measured {
                label: c.label(),
                lib: c.lib,
                primary: c.primary,
                info: c.info,
                median: quantile(s, 0.5),
                q1: quantile(s, 0.25),
                q3: quantile(s, 0.75),
                samples: s.len(),
                checksum,
            }
        })
        .collect();
    CaseResult {
        workload: case.workload,
        title: case.title,
        backend: case.backend,
        measured,
        agree,
    }
}

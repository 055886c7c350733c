//! Runs one contestant of one case a fixed number of times, for a profiler: the runs happen
//! inside `profiled_runs`, so callgrind can count that function alone.
//!
//!     cargo build --release -p weft-bench --bin profile
//!     valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*profiled_runs*' \
//!         ./target/release/profile sqlite W6 "insert 1 row" weft 2000
//!
//! Arguments: backend, workload (`W6`), part of the case's title, the contestant's label
//! (`weft`, `raw sqlx (batched)`, `Diesel`…), runs. Prints the runs' wall time.

use std::process::ExitCode;
use std::time::Instant;

use weft_bench::compare::cases::{DATASETS, cases, cleanup, seed};
use weft_bench::compare::data::Dataset;
use weft_bench::compare::env::{Env, backend_named, runtime};
use weft_bench::compare::harness::Contestant;

/// The runs a profiler looks at.
#[inline(never)]
fn profiled_runs(rt: &tokio::runtime::Runtime, contestant: &mut Contestant, runs: usize) -> u64 {
    let mut sum = 0u64;
    for _ in 0..runs {
        sum = sum.wrapping_add(contestant.run.once(rt));
        if let Some(settle) = contestant.settle.as_mut() {
            rt.block_on(settle());
        }
    }
    sum
}

fn run(args: &[String]) -> Result<(), String> {
    let [backend, workload, title, label, runs] = args else {
        return Err("usage: profile BACKEND WORKLOAD TITLE-PART LABEL RUNS".into());
    };
    let backend = backend_named(backend).ok_or(format!("unknown backend `{backend}`"))?;
    let runs: usize = runs.parse().map_err(|_| "RUNS must be a number")?;
    weft_bench::compare::pin_to_last_cpu();
    let rt = runtime();
    let env = rt.block_on(Env::connect(backend))?;
    let all = DATASETS
        .iter()
        .chain(&[Dataset::UsersLarge, Dataset::UsersGroupsLarge]);
    for &dataset in all {
        let found = cases(&env, dataset).into_iter().find_map(|case| {
            (case.workload == workload && case.title.contains(title.as_str()))
                .then(|| case.contestants.into_iter().find(|c| c.label() == *label))
                .flatten()
        });
        let Some(mut contestant) = found else {
            continue;
        };
        rt.block_on(seed(&env, dataset))?;
        // Warm: statement caches, the pool's connection. An insert's table is emptied once,
        // before the runs (the profile is of the inserts alone).
        contestant.run.once(&rt);
        if let Some(reset) = contestant.reset.as_mut() {
            reset.once(&rt);
        }
        let start = Instant::now();
        let sum = profiled_runs(&rt, &mut contestant, runs);
        let elapsed = start.elapsed();
        println!(
            "{label}: {runs} runs in {elapsed:?} ({:?} each), checksum sum {sum}",
            elapsed / runs.max(1) as u32
        );
        rt.block_on(cleanup(&env))?;
        return Ok(());
    }
    Err(format!("no contestant `{label}` in {workload} `{title}`"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("profile: {e}");
            ExitCode::FAILURE
        }
    }
}

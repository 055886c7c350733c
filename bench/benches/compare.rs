//! The summary's workloads under criterion, one benchmark per backend, workload and
//! contestant (`SQLite/W4 …/weft (single statement)`), for statistics and history across
//! runs. Filter as usual:
//!
//!     cargo bench -p weft-bench --bench compare -- 'PostgreSQL/W4'
//!
//! `WEFT_BENCH_BACKENDS=sqlite,postgres` limits the backends (default: all three; an
//! unreachable server is skipped with a message). The ratios of one run are the summary's job
//! (`cargo run --release -p weft-bench --bin summary`).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use weft::Backend;
use weft_bench::compare::cases::{DATASETS, cases, cleanup, seed};
use weft_bench::compare::env::Env;
use weft_bench::compare::harness::ResetEvery;

fn backends() -> Vec<Backend> {
    let wanted = std::env::var("WEFT_BENCH_BACKENDS").unwrap_or_default();
    [
        ("sqlite", Backend::Sqlite),
        ("postgres", Backend::Postgres),
        ("mysql", Backend::MySql),
    ]
    .into_iter()
    .filter(|(name, _)| wanted.is_empty() || wanted.split(',').any(|w| w.trim() == *name))
    .map(|(_, b)| b)
    .collect()
}

fn compare(c: &mut Criterion) {
    // Like the summary: this process on one core, the servers on the others.
    weft_bench::compare::pin_to_last_cpu();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    for backend in backends() {
        let env = match rt.block_on(Env::connect(backend)) {
            Ok(env) => env,
            Err(e) => {
                eprintln!("\n*** SKIPPING {backend}: {e} ***\n");
                continue;
            }
        };
        for dataset in DATASETS {
            rt.block_on(seed(&env, dataset)).expect("seeding");
            for mut case in cases(&env, dataset) {
                let mut group =
                    c.benchmark_group(format!("{}/{} {}", env.name, case.workload, case.title));
                group
                    .sample_size(20)
                    .warm_up_time(Duration::from_millis(500))
                    .measurement_time(Duration::from_secs(2));
                let every_sample = case.reset_every == ResetEvery::Sample;
                for contestant in &mut case.contestants {
                    let label = contestant.label();
                    group.bench_function(label, |b| {
                        b.iter_custom(|iters| {
                            let mut samples = Vec::with_capacity(iters as usize);
                            let reset = match contestant.reset.as_mut() {
                                Some(reset) if every_sample => Some(reset),
                                Some(reset) => {
                                    reset.once(&rt);
                                    None
                                }
                                None => None,
                            };
                            contestant.run.timed(
                                &rt,
                                iters as usize,
                                reset,
                                contestant.settle.as_mut(),
                                &mut samples,
                            );
                            samples.iter().sum()
                        })
                    });
                }
                group.finish();
            }
        }
        if let Err(e) = rt.block_on(cleanup(&env)) {
            eprintln!("{e}");
        }
    }
}

criterion_group!(benches, compare);
criterion_main!(benches);

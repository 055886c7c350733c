//! Every workload of issue 4, every contestant (weft, raw sqlx, SeaORM 2, Diesel 2,
//! diesel-async), every backend, in one process; writes the medians and ratios to
//! `bench/RESULTS.md` (between its markers; the notes around them are kept).
//!
//!     cargo run --release -p weft-bench --bin summary
//!     cargo run --release -p weft-bench --bin summary -- [--quick] [--out FILE] [--only W4]
//!                                                        [--budget-ms N] [--turn-ms N] [--contestant TEXT] [--no-pin]
//!                                                        [sqlite|postgres|mysql …]
//!
//! `--show-sql` prints the SQL weft sends for W4 and W5 and exits. `--quick` runs each contestant a few times (a smoke test) and writes nothing unless `--out`
//! is given. The table in bench/PERFORMANCE.md and the README is rewritten by a full run only
//! (every workload, contestant and backend, into bench/RESULTS.md). Unreachable servers are
//! skipped with a message, or fail the run when `CI` is set.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use weft::Backend;
use weft_bench::compare::cases::{DATASETS, cases, cleanup, seed};
use weft_bench::compare::env::{Env, backend_named, runtime};
use weft_bench::compare::harness::{Budget, measure};
use weft_bench::compare::report::{self, Context, fmt_time, proc_field};

struct Args {
    backends: Vec<Backend>,
    budget: Budget,
    quick: bool,
    out: Option<String>,
    only: Vec<String>,
    contestant: Vec<String>,
    pin: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        backends: Vec::new(),
        budget: Budget::FULL,
        quick: false,
        out: None,
        only: Vec::new(),
        contestant: Vec::new(),
        pin: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--show-sql" => {
                show_sql();
                std::process::exit(0);
            }
            "--no-pin" => args.pin = false,
            "--quick" => {
                args.quick = true;
                args.budget = Budget::QUICK;
            }
            "--out" => args.out = Some(it.next().ok_or("--out needs a file")?),
            "--only" => args
                .only
                .push(it.next().ok_or("--only needs a workload (W1…W6)")?),
            "--contestant" => args
                .contestant
                .push(it.next().ok_or("--contestant needs part of a label")?),
            "--budget-ms" => {
                let ms: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--budget-ms needs a number")?;
                args.budget.per_contestant = Duration::from_millis(ms);
            }
            "--turn-ms" => {
                let ms: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--turn-ms needs a positive number")?;
                args.budget.turn = Duration::from_millis(ms);
            }
            other => match backend_named(other) {
                Some(backend) => args.backends.push(backend),
                None => return Err(format!("unknown argument `{other}`")),
            },
        }
    }
    if args.backends.is_empty() {
        args.backends = vec![Backend::Sqlite, Backend::Postgres, Backend::MySql];
    }
    if args.out.is_none() && !args.quick {
        args.out = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md").to_string());
    }
    Ok(args)
}

/// Prints the SQL weft sends for the relational workloads (W4, W5) on each backend, under
/// both strategies.
fn show_sql() {
    use weft::{Strategy, find_many};
    use weft_bench::{Post, User};
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        for strategy in [Strategy::SingleStatement, Strategy::Batched] {
            let w4 = find_many::<User>()
                .with(User::groups)
                .order_by(User::id)
                .limit(100)
                .strategy(strategy);
            let w5 = find_many::<User>()
                .with(User::posts.with(Post::comments))
                .strategy(strategy);
            for (name, statements) in [
                ("W4 page", w4.statements(backend)),
                ("W5", w5.statements(backend)),
            ] {
                for (i, sql) in statements.iter().enumerate() {
                    println!(
                        "-- {backend}, {name}, {strategy:?}, statement {}:\n{}\n",
                        i + 1,
                        sql.text
                    );
                }
            }
        }
    }
}

/// `YYYY-MM-DD HH:MM UTC` without a date crate (days-to-civil, Howard Hinnant's algorithm).
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("summary: {e}");
            return ExitCode::from(2);
        }
    };
    // Counted before pinning (afterwards this process sees one CPU).
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Before any thread starts, so that every thread inherits it.
    let pinned = if args.pin {
        weft_bench::compare::pin_to_last_cpu()
    } else {
        None
    };
    // The servers on the other CPUs for the whole run (a smoke test leaves them be); they get
    // their CPUs back when this guard drops, at the end of `main`.
    let servers_pinned = match pinned {
        Some(cpu) if !args.quick => weft_bench::compare::pin_servers(cpu),
        _ => None,
    };
    let rt = runtime();
    let started = Instant::now();
    let in_ci = std::env::var_os("CI").is_some();
    let mut results = Vec::new();
    let mut servers = Vec::new();
    let mut failed = false;
    let mut failed_backends = 0;
    for &backend in &args.backends {
        let env = match rt.block_on(Env::connect(backend)) {
            Ok(env) => env,
            Err(e) => {
                eprintln!("\n*** SKIPPING {backend}: {e} ***\n");
                failed |= in_ci;
                failed_backends += 1;
                continue;
            }
        };
        servers.push((env.name.to_string(), rt.block_on(env.server_version())));
        let mut env = Some(env);
        for dataset in DATASETS {
            // Building the cases touches no database: filter first, seed only when needed.
            let is_wanted = |c: &weft_bench::compare::harness::Case| {
                args.only.is_empty() || args.only.iter().any(|w| w == c.workload)
            };
            let Some(first) = env.as_ref() else { break };
            if !cases(first, dataset).iter().any(is_wanted) {
                continue;
            }
            // Every dataset on fresh connections, every contestant's its own: what a server
            // process ran before changes its speed (a PostgreSQL backend that freed large
            // allocations keeps its heap), so each contestant's connection has run the same
            // cases, and only this dataset's, when a case is timed (RESULTS.md, "One
            // connection per contestant").
            if let Some(old) = env.take() {
                rt.block_on(old.close());
            }
            let env = &*env.insert(match rt.block_on(Env::connect(backend)) {
                Ok(env) => env,
                Err(e) => {
                    eprintln!("summary: {e}");
                    return ExitCode::FAILURE;
                }
            });
            let wanted: Vec<_> = cases(env, dataset).into_iter().filter(is_wanted).collect();
            if let Err(e) = rt.block_on(seed(env, dataset)) {
                eprintln!("summary: {e}");
                return ExitCode::FAILURE;
            }
            for mut case in wanted {
                if !args.contestant.is_empty() {
                    case.contestants.retain(|c| {
                        args.contestant
                            .iter()
                            .any(|w| c.label().contains(w.as_str()))
                    });
                }
                eprintln!("{} {} {} …", env.name, case.workload, case.title);
                let r = measure(&rt, case, &args.budget);
                for m in &r.measured {
                    eprintln!(
                        "    {:<50} {:>10}  ({} runs)",
                        m.label,
                        fmt_time(m.median),
                        m.samples
                    );
                }
                if !r.agree {
                    eprintln!("    !!! contestants returned different results");
                    failed = true;
                }
                results.push(r);
            }
        }
        if let Some(env) = env.take() {
            if let Err(e) = rt.block_on(cleanup(&env)) {
                eprintln!("summary: {e}");
            }
            rt.block_on(env.close());
        }
    }

    let table = report::main_table(&results);
    println!("\n{table}");
    if let Some(out) = &args.out {
        let budget = if args.quick {
            "--quick (smoke test: not for reading)".to_string()
        } else {
            format!(
                "{} ms of timed runs per contestant per case, interleaved in turns of about {} ms (one run if longer; at least {} rounds), ≥ {} runs, after a checked first run and {} ms warm-up",
                args.budget.per_contestant.as_millis(),
                args.budget.turn.as_millis(),
                args.budget.rounds,
                args.budget.min_samples,
                args.budget.warmup.as_millis()
            )
        };
        let ctx = Context {
            cpus,
            cpu_model: proc_field("/proc/cpuinfo", "model name")
                .unwrap_or_else(|| "unknown".into()),
            memory: proc_field("/proc/meminfo", "MemTotal").unwrap_or_else(|| "unknown".into()),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            rustc: env!("BENCH_RUSTC_VERSION").to_string(),
            crates: env!("BENCH_CRATE_VERSIONS").to_string(),
            servers,
            commit: env!("BENCH_WEFT_COMMIT").to_string(),
            date: utc_now(),
            budget,
            pinned: match pinned {
                Some(cpu) => match &servers_pinned {
                    Some(servers) => format!(
                        "the benchmark process on CPU {cpu}, the servers' processes on CPU {} (sched_setaffinity; given back all CPUs afterwards)",
                        servers
                            .cpus
                            .iter()
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => format!(
                        "the benchmark process on CPU {cpu} (sched_setaffinity), the servers free to use the others"
                    ),
                },
                None => "not pinned".to_string(),
            },
            wall: started.elapsed(),
        };
        let generated = report::render(&ctx, &results);
        let ctx_line = format!("{} × {}, {}", ctx.cpus, ctx.cpu_model, ctx.date);
        let existing = std::fs::read_to_string(out).unwrap_or_default();
        if let Err(e) = std::fs::write(out, report::splice(&existing, &generated)) {
            eprintln!("summary: writing {out}: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {out}");
        // The README section's table follows the full run it came from.
        if !args.quick
            && args.only.is_empty()
            && args.contestant.is_empty()
            && args.backends.len() == 3
            && failed_backends == 0
        {
            let table = format!(
                "{}\n_{}; {}; medians of one run of the summary._",
                report::readme_table(&results),
                ctx_line,
                env!("BENCH_RUSTC_VERSION"),
            );
            // The same table in bench/PERFORMANCE.md and in the README's section, from a full
            // run only: a run of some workloads, contestants or backends, or one written
            // elsewhere (`--out`), leaves the published table alone.
            let full = args.only.is_empty()
                && args.contestant.is_empty()
                && args.backends.len() == 3
                && !args.quick
                && out.as_str() == concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md");
            for file in full
                .then_some([
                    concat!(env!("CARGO_MANIFEST_DIR"), "/PERFORMANCE.md"),
                    concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"),
                ])
                .into_iter()
                .flatten()
            {
                let Ok(existing) = std::fs::read_to_string(file) else {
                    continue;
                };
                let text = report::splice_between(
                    &existing,
                    "<!-- performance table: begin (generated by the summary) -->",
                    "<!-- performance table: end -->",
                    &table,
                );
                if std::fs::write(file, text).is_ok() {
                    eprintln!("wrote {file}");
                }
            }
        }
    }
    eprintln!("total {:.0} s", started.elapsed().as_secs_f64());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

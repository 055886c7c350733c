//! The markdown the summary writes: machine, versions, the ratio table and every
//! contestant's numbers.

use std::fmt::Write as _;
use std::time::Duration;

use super::harness::{CaseResult, Lib, Measured};

/// Where and with what the numbers were taken.
pub struct Context {
    /// `nproc`.
    pub cpus: usize,
    /// From `/proc/cpuinfo`.
    pub cpu_model: String,
    /// From `/proc/meminfo`.
    pub memory: String,
    /// Kernel release.
    pub kernel: String,
    /// `rustc -V` of the build.
    pub rustc: String,
    /// Crate versions from `Cargo.lock`.
    pub crates: String,
    /// Per backend: its server version.
    pub servers: Vec<(String, String)>,
    /// The weft commit the binary was built from (and whether runtime/ or macros/ had local
    /// changes then).
    pub commit: String,
    /// UTC date and time.
    pub date: String,
    /// The measuring budget, in words.
    pub budget: String,
    /// CPU pinning, in words.
    pub pinned: String,
    /// Total wall time of the run.
    pub wall: Duration,
}

/// The value of the first `key: value` line of `file` (`/proc/cpuinfo`, `/proc/meminfo`).
pub fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    Some(line.split(':').nth(1)?.trim().to_string())
}

/// A duration with three significant digits.
pub fn fmt_time(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs").replace(".0 ", " ")
    } else if us < 10_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else if us < 100_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else {
        format!("{:.0} ms", us / 1000.0)
    }
}

/// What stands for `lib` in the ratios: weft's default (primary) variant; the fastest
/// non-informational variant of anyone else.
pub fn representative(case: &CaseResult, lib: Lib) -> Option<&Measured> {
    let mut candidates = case.measured.iter().filter(|m| m.lib == lib && !m.info);
    if lib == Lib::Weft {
        candidates.find(|m| m.primary)
    } else {
        candidates.min_by_key(|m| m.median)
    }
}

fn ratio(a: Option<&Measured>, b: Option<&Measured>) -> Option<f64> {
    Some(a?.median.as_secs_f64() / b?.median.as_secs_f64())
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |r| format!("{r:.2}"))
}

/// Whether weft meets the target on this case: `None` when the case has none.
pub fn target(case: &CaseResult) -> Option<(bool, String)> {
    let weft = representative(case, Lib::Weft)?;
    let sqlx = ratio(Some(weft), representative(case, Lib::Sqlx))?;
    match case.workload {
        "W1" | "W2" | "W6" | "W7" | "W8" => {
            Some((sqlx <= 1.05, format!("≤ 1.05× sqlx: {sqlx:.3}")))
        }
        "W4" | "W5" => {
            let sea = ratio(Some(weft), representative(case, Lib::SeaOrm))?;
            Some((
                sqlx <= 1.0 && sea <= 0.5,
                format!("≤ 1.00× best sqlx: {sqlx:.3}; ≤ 0.5× SeaORM: {sea:.3}"),
            ))
        }
        _ => None,
    }
}

fn cell(m: Option<&Measured>) -> String {
    m.map_or_else(|| "—".to_string(), |m| fmt_time(m.median))
}

/// The main table: one row per case.
pub fn main_table(results: &[CaseResult]) -> String {
    let mut out = String::new();
    out.push_str(
        "| backend | workload | weft | raw sqlx | SeaORM | Diesel | diesel-async | weft / sqlx | weft / SeaORM | weft / Diesel | weft / diesel-async | target |\n",
    );
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for case in results {
        let get = |lib| representative(case, lib);
        let weft = get(Lib::Weft);
        let target = match target(case) {
            Some((true, why)) => format!("met ({why})"),
            Some((false, why)) => format!("**missed** ({why})"),
            None => "—".to_string(),
        };
        let flag = if case.agree {
            ""
        } else {
            " ⚠ results differ"
        };
        let _ = writeln!(
            out,
            "| {} | {} {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            case.backend,
            case.workload,
            case.title,
            flag,
            cell(weft),
            cell(get(Lib::Sqlx)),
            cell(get(Lib::SeaOrm)),
            cell(get(Lib::Diesel)),
            cell(get(Lib::DieselAsync)),
            fmt_ratio(ratio(weft, get(Lib::Sqlx))),
            fmt_ratio(ratio(weft, get(Lib::SeaOrm))),
            fmt_ratio(ratio(weft, get(Lib::Diesel))),
            fmt_ratio(ratio(weft, get(Lib::DieselAsync))),
            target,
        );
    }
    out
}

/// The compact table for the README's "Performance" section: weft's median and its ratios.
pub fn readme_table(results: &[CaseResult]) -> String {
    let mut out = String::new();
    out.push_str(
        "| workload | backend | weft | weft / raw sqlx | weft / SeaORM | weft / Diesel |\n",
    );
    out.push_str("|---|---|--:|--:|--:|--:|\n");
    for case in results {
        let get = |lib| representative(case, lib);
        let weft = get(Lib::Weft);
        let diesel = match (
            ratio(weft, get(Lib::Diesel)),
            ratio(weft, get(Lib::DieselAsync)),
        ) {
            (Some(d), Some(a)) => format!("{d:.2} (async {a:.2})"),
            (d, _) => fmt_ratio(d),
        };
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} |",
            case.workload,
            case.title,
            case.backend,
            cell(weft),
            fmt_ratio(ratio(weft, get(Lib::Sqlx))),
            fmt_ratio(ratio(weft, get(Lib::SeaOrm))),
            diesel,
        );
    }
    out
}

/// Every contestant of every case.
pub fn detail_tables(results: &[CaseResult]) -> String {
    let mut out = String::new();
    let mut backend = "";
    for case in results {
        if case.backend != backend {
            backend = case.backend;
            let _ = writeln!(out, "\n#### {backend}\n");
            out.push_str("| workload | contestant | median | q1 – q3 | runs | / weft |\n");
            out.push_str("|---|---|--:|--:|--:|--:|\n");
        }
        let weft = representative(case, Lib::Weft);
        for m in &case.measured {
            let stands = if representative(case, m.lib).map(|r| std::ptr::eq(r, m)) == Some(true) {
                "**"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "| {} {} | {stands}{}{stands}{} | {} | {} – {} | {} | {} |",
                case.workload,
                case.title,
                m.label,
                if m.info { " (info)" } else { "" },
                fmt_time(m.median),
                fmt_time(m.q1),
                fmt_time(m.q3),
                m.samples,
                fmt_ratio(ratio(Some(m), weft)),
            );
        }
    }
    out
}

/// The generated part of `RESULTS.md`.
pub fn render(ctx: &Context, results: &[CaseResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Generated by `cargo run --release -p weft-bench --bin summary` on {}.\n",
        ctx.date
    );
    out.push_str("| | |\n|---|---|\n");
    let _ = writeln!(
        out,
        "| machine | {} × {} (nproc {}), {} RAM, Linux {} |",
        ctx.cpus, ctx.cpu_model, ctx.cpus, ctx.memory, ctx.kernel
    );
    let _ = writeln!(out, "| rustc | {} |", ctx.rustc);
    let _ = writeln!(out, "| crates | {} |", ctx.crates);
    for (backend, version) in &ctx.servers {
        let _ = writeln!(out, "| {backend} | {version} |");
    }
    let _ = writeln!(out, "| weft commit | {} |", ctx.commit);
    let _ = writeln!(out, "| budget | {} |", ctx.budget);
    let _ = writeln!(out, "| pinning | {} |", ctx.pinned);
    let _ = writeln!(out, "| wall time | {:.0} s |", ctx.wall.as_secs_f64());
    out.push_str(
        "\nMedians per operation; ratios below 1 mean weft is faster. Raw sqlx and SeaORM \
        stand with their fastest variant, weft with its default strategy (the other strategy is in \
        the details).\n\n",
    );
    out.push_str(&main_table(results));
    out.push_str(
        "\n### Every contestant\n\n**Bold**: the variant that stands for its library in the \
        table above. `/ weft`: median relative to weft's.\n",
    );
    out.push_str(&detail_tables(results));
    out
}

/// Marks the generated part of `RESULTS.md`; everything outside is kept as written.
pub const BEGIN: &str = "<!-- summary: begin (generated, do not edit) -->";
/// End marker.
pub const END: &str = "<!-- summary: end -->";

/// Replaces the generated part of `existing` (or appends it).
pub fn splice(existing: &str, generated: &str) -> String {
    splice_between(existing, BEGIN, END, generated)
}

/// Replaces the text between `begin` and `end` in `existing` (or appends a new block).
pub fn splice_between(existing: &str, begin: &str, end: &str, generated: &str) -> String {
    let block = format!("{begin}\n{generated}\n{end}");
    match (existing.find(begin), existing.find(end)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{}{}", &existing[..b], block, &existing[e + end.len()..])
        }
        _ if existing.trim().is_empty() => format!("# weft benchmarks: results\n\n{block}\n"),
        _ => format!("{}\n\n{block}\n", existing.trim_end()),
    }
}

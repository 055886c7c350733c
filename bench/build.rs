//! Records what the summary prints about its own build: rustc's version and the versions of
//! the crates being compared (from the workspace's Cargo.lock).

use std::process::Command;

const CRATES: &[&str] = &[
    "weft",
    "sqlx",
    "sea-orm",
    "sea-query",
    "diesel",
    "diesel-async",
    "tokio-postgres",
    "libsqlite3-sys",
    "pq-sys",
    "tokio",
    "serde_json",
];

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=BENCH_RUSTC_VERSION={}", version.trim());

    // The weft the summary measures: the commit, and whether runtime/ or macros/ differed from
    // it when this was built.
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for path in ["runtime", "macros", ".git/HEAD", ".git/refs/heads"] {
        println!("cargo:rerun-if-changed={repo}/{path}");
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(repo)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--", "runtime", "macros"]).is_some_and(|s| !s.is_empty());
    println!(
        "cargo:rustc-env=BENCH_WEFT_COMMIT={commit}{}",
        if dirty {
            " + uncommitted changes in runtime/ or macros/"
        } else {
            ""
        }
    );

    let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock");
    println!("cargo:rerun-if-changed={lock_path}");
    let lock = std::fs::read_to_string(lock_path).unwrap_or_default();
    let mut found = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take())
            && CRATES.contains(&n.as_str())
        {
            found.push(format!("{n} {}", v.trim_matches('"')));
        }
    }
    found.sort_by_key(|s| CRATES.iter().position(|c| s.split(' ').next() == Some(c)));
    println!("cargo:rustc-env=BENCH_CRATE_VERSIONS={}", found.join(", "));
}

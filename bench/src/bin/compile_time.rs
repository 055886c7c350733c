//! Compile time of a generated schema (50 tables × 20 columns, each table belonging to the
//! previous one and having many of the next) written for weft, Diesel 2 and SeaORM 2.
//!
//!     cargo run --release -p weft-bench --bin compile_time [-- --out FILE] [--keep DIR] [weft|diesel|seaorm …]
//!
//! For each library it generates a standalone crate (its own workspace, the main workspace's
//! Cargo.lock copied in so versions match, its own target directory) under
//! `$CARGO_TARGET_DIR/compile-time` (or `--keep DIR`) and measures, in the dev profile:
//! a clean `cargo build` (dependencies included), a build of the schema crate alone
//! (dependencies already built), a rebuild after touching one table's file and after editing
//! one table, and the lines of the macro-expanded crate (`-Zunpretty=expanded`, through
//! `RUSTC_BOOTSTRAP=1` since stable rustc refuses `-Z` flags otherwise). Results go to
//! `bench/RESULTS.md` between the compile-time markers.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TABLES: usize = 50;
const TOUCHED: usize = 25;
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The 18 data columns: (Rust type, Diesel SQL type).
const DATA_COLUMNS: [(&str, &str); 8] = [
    ("String", "Text"),
    ("Option<String>", "Nullable<Text>"),
    ("i64", "BigInt"),
    ("Option<i64>", "Nullable<BigInt>"),
    ("i32", "Integer"),
    ("f64", "Double"),
    ("bool", "Bool"),
    ("Option<f64>", "Nullable<Double>"),
];

fn column_type(c: usize) -> (&'static str, &'static str) {
    DATA_COLUMNS[c % DATA_COLUMNS.len()]
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lib {
    Weft,
    Diesel,
    SeaOrm,
}

impl Lib {
    fn name(self) -> &'static str {
        match self {
            Lib::Weft => "weft",
            Lib::Diesel => "diesel",
            Lib::SeaOrm => "seaorm",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Lib::Weft => "weft",
            Lib::Diesel => "Diesel 2",
            Lib::SeaOrm => "SeaORM 2",
        }
    }
}

fn table_file(lib: Lib, i: usize, edit: usize) -> String {
    let mut s = String::new();
    let name = format!("T{i:02}");
    let data = |s: &mut String| {
        for c in 2..20 {
            let (ty, _) = column_type(c);
            let _ = writeln!(s, "    pub c{c:02}: {ty},");
        }
    };
    // The neighbours in the chain: the table this one belongs to, the one that belongs to it.
    let parent = i.checked_sub(1);
    let child = (i + 1 < TABLES).then_some(i + 1);
    let _ = writeln!(s, "//! Table {i} (generated; edit {edit}).\n");
    match lib {
        Lib::Weft => {
            s.push_str("use weft::{NotLoaded, Table};\n\nuse crate::*;\n\n");
            let mut params = Vec::new();
            if parent.is_some() {
                params.push("Parent = NotLoaded");
            }
            if child.is_some() {
                params.push("Children = NotLoaded");
            }
            let _ = writeln!(
                s,
                "#[derive(Table, Debug)]\n#[table(name = \"t{i:02}\", index(parent_id))]\npub struct {name}<{}> {{",
                params.join(", ")
            );
            s.push_str("    #[column(primary_key, auto)]\n    pub id: i64,\n");
            if let Some(p) = parent {
                let _ = writeln!(
                    s,
                    "    #[column(references = T{p:02}::id, on_delete = cascade)]\n    pub parent_id: i64,"
                );
            } else {
                s.push_str("    pub parent_id: i64,\n");
            }
            data(&mut s);
            if let Some(p) = parent {
                let _ = writeln!(s, "    #[relation(one = T{p:02})]\n    pub parent: Parent,");
            }
            if let Some(c) = child {
                let _ = writeln!(
                    s,
                    "    #[relation(many = T{c:02})]\n    pub children: Children,"
                );
            }
            s.push_str("}\n");
        }
        Lib::Diesel => {
            s.push_str("use diesel::prelude::*;\n\nuse crate::schema::*;\n\n");
            s.push_str(
                "#[derive(Queryable, Selectable, Identifiable, Insertable, Debug, Clone)]\n",
            );
            if let Some(p) = parent {
                s.push_str("#[derive(Associations)]\n");
                let _ = writeln!(
                    s,
                    "#[diesel(belongs_to(crate::T{p:02}, foreign_key = parent_id))]"
                );
            }
            let _ = writeln!(s, "#[diesel(table_name = t{i:02})]\npub struct {name} {{");
            s.push_str("    pub id: i64,\n    pub parent_id: i64,\n");
            data(&mut s);
            s.push_str("}\n");
        }
        Lib::SeaOrm => {
            s.push_str("use sea_orm::entity::prelude::*;\n\n");
            let _ = writeln!(
                s,
                "#[sea_orm::model]\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n#[sea_orm(table_name = \"t{i:02}\")]\npub struct Model {{"
            );
            s.push_str("    #[sea_orm(primary_key)]\n    pub id: i64,\n    pub parent_id: i64,\n");
            data(&mut s);
            if let Some(p) = parent {
                let _ = writeln!(
                    s,
                    "    #[sea_orm(belongs_to, from = \"parent_id\", to = \"id\")]\n    pub parent: BelongsTo<super::t{p:02}::Entity>,"
                );
            }
            if let Some(c) = child {
                let _ = writeln!(
                    s,
                    "    #[sea_orm(has_many)]\n    pub children: HasMany<super::t{c:02}::Entity>,"
                );
            }
            s.push_str("}\n\nimpl ActiveModelBehavior for ActiveModel {}\n");
        }
    }
    s
}

fn diesel_schema() -> String {
    let mut s = String::from("//! `diesel print-schema` style (generated).\n\n");
    for i in 0..TABLES {
        let _ = writeln!(
            s,
            "diesel::table! {{\n    t{i:02} (id) {{\n        id -> BigInt,\n        parent_id -> BigInt,"
        );
        for c in 2..20 {
            let _ = writeln!(s, "        c{c:02} -> {},", column_type(c).1);
        }
        s.push_str("    }\n}\n\n");
    }
    for i in 1..TABLES {
        let _ = writeln!(
            s,
            "diesel::joinable!(t{i:02} -> t{:02} (parent_id));",
            i - 1
        );
    }
    s.push_str("\ndiesel::allow_tables_to_appear_in_same_query!(\n");
    for i in 0..TABLES {
        let _ = writeln!(s, "    t{i:02},");
    }
    s.push_str(");\n");
    s
}

fn manifest(lib: Lib) -> String {
    let deps = match lib {
        Lib::Weft => format!(
            "weft = {{ path = \"{REPO}/runtime\", default-features = false, features = [\"sqlite\"] }}\n"
        ),
        Lib::Diesel => "# 20 columns need `32-column-tables` (tables of up to 16 columns compile without it).\n\
             diesel = { version = \"2.3\", default-features = false, features = [\"sqlite\", \"32-column-tables\"] }\n\
             # The same bundled SQLite that sqlx compiles for the other two.\n\
             libsqlite3-sys = { version = \"0.37\", features = [\"bundled\"] }\n"
            .to_string(),
        Lib::SeaOrm => "sea-orm = { version = \"2.0.4\", default-features = false, features = [\"macros\", \"runtime-tokio\", \"sqlx-sqlite\"] }\n"
            .to_string(),
    };
    format!(
        "[package]\nname = \"ct-{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{deps}",
        lib.name()
    )
}

fn lib_rs(lib: Lib) -> String {
    let mut s = String::from(
        "//! A generated 50-table schema (see weft-bench's compile_time).\n#![allow(dead_code, missing_docs)]\n\n",
    );
    if lib == Lib::Diesel {
        s.push_str("pub mod schema;\n");
    }
    if lib == Lib::SeaOrm {
        // SeaORM's `ModelEx` nests the related models' types; along a chain of 50 tables the
        // auto-trait checks pass rustc's default depth of 128 ("overflow evaluating the
        // requirement `…: Send`"), and rustc's own advice is to raise it.
        s.push_str("#![recursion_limit = \"512\"]\n");
    }
    for i in 0..TABLES {
        match lib {
            Lib::SeaOrm => {
                let _ = writeln!(s, "pub mod t{i:02};");
            }
            // Diesel's `table!` modules are named t00…: the model files get other names.
            Lib::Diesel => {
                let _ = writeln!(s, "mod m{i:02};\npub use m{i:02}::*;");
            }
            Lib::Weft => {
                let _ = writeln!(s, "mod t{i:02};\npub use t{i:02}::*;");
            }
        }
    }
    s
}

fn file_name(lib: Lib, i: usize) -> String {
    match lib {
        Lib::Diesel => format!("src/m{i:02}.rs"),
        _ => format!("src/t{i:02}.rs"),
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn generate(dir: &Path, lib: Lib) {
    let _ = std::fs::remove_dir_all(dir.join("src"));
    write(&dir.join("Cargo.toml"), &manifest(lib));
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(format!("{REPO}/Cargo.lock"), dir.join("Cargo.lock")).expect("lock");
    }
    write(&dir.join("src/lib.rs"), &lib_rs(lib));
    if lib == Lib::Diesel {
        write(&dir.join("src/schema.rs"), &diesel_schema());
    }
    for i in 0..TABLES {
        write(&dir.join(file_name(lib, i)), &table_file(lib, i, 0));
    }
}

fn cargo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Duration, String) {
    let start = Instant::now();
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("cargo");
    let took = start.elapsed();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown: String = stderr.chars().take(4000).collect();
        eprintln!("cargo {args:?} in {} failed:\n{shown}", dir.display());
        std::process::exit(1);
    }
    (took, String::from_utf8_lossy(&out.stdout).into_owned())
}

struct Measured {
    lib: Lib,
    clean: Duration,
    crate_only: Duration,
    touch: Duration,
    edit: Duration,
    source_lines: usize,
    expanded_lines: usize,
}

fn measure(root: &Path, lib: Lib) -> Measured {
    let dir = root.join(lib.name());
    eprintln!("{}: generating in {}", lib.title(), dir.display());
    generate(&dir, lib);
    let _ = std::fs::remove_dir_all(dir.join("target"));
    eprintln!("{}: clean build (dependencies included) …", lib.title());
    let (clean, _) = cargo(&dir, &["build", "--quiet"], &[]);
    let pkg = format!("ct-{}", lib.name());
    cargo(&dir, &["clean", "--quiet", "-p", &pkg], &[]);
    eprintln!("{}: schema crate alone …", lib.title());
    let (crate_only, _) = cargo(&dir, &["build", "--quiet"], &[]);
    let touched = dir.join(file_name(lib, TOUCHED));
    let text = std::fs::read_to_string(&touched).expect("read");
    std::thread::sleep(Duration::from_millis(20));
    write(&touched, &text);
    eprintln!("{}: rebuild after touching one table …", lib.title());
    let (touch, _) = cargo(&dir, &["build", "--quiet"], &[]);
    write(&touched, &table_file(lib, TOUCHED, 1));
    eprintln!("{}: rebuild after editing one table …", lib.title());
    let (edit, _) = cargo(&dir, &["build", "--quiet"], &[]);
    let source_lines = std::fs::read_dir(dir.join("src"))
        .expect("src")
        .map(|e| {
            std::fs::read_to_string(e.expect("entry").path())
                .expect("read")
                .lines()
                .count()
        })
        .sum();
    eprintln!("{}: expanding …", lib.title());
    let (_, expanded) = cargo(
        &dir,
        &["rustc", "--quiet", "--lib", "--", "-Zunpretty=expanded"],
        &[("RUSTC_BOOTSTRAP", "1")],
    );
    let expanded_lines = expanded.lines().count();
    eprintln!(
        "{}: clean {:.1} s, crate alone {:.1} s, touch {:.1} s, edit {:.1} s, {} source lines, {} expanded",
        lib.title(),
        clean.as_secs_f64(),
        crate_only.as_secs_f64(),
        touch.as_secs_f64(),
        edit.as_secs_f64(),
        source_lines,
        expanded_lines,
    );
    Measured {
        lib,
        clean,
        crate_only,
        touch,
        edit,
        source_lines,
        expanded_lines,
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn main() {
    let mut libs = Vec::new();
    let mut out = Some(format!("{}/RESULTS.md", env!("CARGO_MANIFEST_DIR")));
    let mut root: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "weft" => libs.push(Lib::Weft),
            "diesel" => libs.push(Lib::Diesel),
            "seaorm" => libs.push(Lib::SeaOrm),
            "--out" => out = args.next(),
            "--no-out" => out = None,
            "--keep" => root = args.next().map(PathBuf::from),
            other => {
                eprintln!("compile_time: unknown argument `{other}`");
                std::process::exit(2);
            }
        }
    }
    if libs.is_empty() {
        libs = vec![Lib::Weft, Lib::Diesel, Lib::SeaOrm];
    }
    let root = root.unwrap_or_else(|| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{REPO}/target"));
        PathBuf::from(target).join("compile-time")
    });
    let started = Instant::now();
    let results: Vec<Measured> = libs.iter().map(|&lib| measure(&root, lib)).collect();

    let mut table = String::new();
    let _ = writeln!(
        table,
        "Generated by `cargo run --release -p weft-bench --bin compile_time` ({} tables × 20 columns; each table has a foreign key to the previous one, a to-one relation to it and a to-many relation to the next; SQLite features only; dev profile; {} × `{}`; {:.0} s in all).\n",
        TABLES,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        weft_bench::compare::report::proc_field("/proc/cpuinfo", "model name").unwrap_or_default(),
        started.elapsed().as_secs_f64(),
    );
    table.push_str("| library | clean build (with dependencies) | schema crate alone | rebuild after touching one table | rebuild after editing one table | source lines | expanded lines | expanded lines per table |\n");
    table.push_str("|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for m in &results {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            m.lib.title(),
            secs(m.clean),
            secs(m.crate_only),
            secs(m.touch),
            secs(m.edit),
            m.source_lines,
            m.expanded_lines,
            m.expanded_lines / TABLES,
        );
    }
    println!("{table}");
    if let Some(out) = out {
        let existing = std::fs::read_to_string(&out).unwrap_or_default();
        let text = weft_bench::compare::report::splice_between(
            &existing,
            "<!-- compile-time: begin (generated, do not edit) -->",
            "<!-- compile-time: end -->",
            &table,
        );
        std::fs::write(&out, text).expect("write results");
        eprintln!("wrote {out}");
    }
}

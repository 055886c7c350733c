//! The SQL corpus: with `WEFT_SQL_CORPUS=<dir>` set, every statement weft sends is appended to
//! `<dir>/<pid>.tsv` as one line: dialect, text, binds. Comparing two corpora of the same test
//! run (before and after a change to rendering) shows every statement whose text or binds moved.
//! Off (one relaxed load per statement) unless the variable is set when the first statement runs.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};

use crate::dialect::{BindRef, Stmt};

static SINK: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();

fn sink() -> Option<&'static Mutex<std::fs::File>> {
    SINK.get_or_init(|| {
        let dir = std::env::var_os("WEFT_SQL_CORPUS").filter(|d| !d.is_empty())?;
        std::fs::create_dir_all(&dir).ok()?;
        let path = std::path::Path::new(&dir).join(format!("{}.tsv", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(Mutex::new(file))
    })
    .as_ref()
}

/// Appends `sql` to the corpus, if one is being recorded.
pub(crate) fn record(sql: &Stmt<'_>) {
    let Some(sink) = sink() else { return };
    let mut line = format!("{}\t{}\t", sql.dialect.backend(), escape(&sql.text));
    for i in 0..sql.binds.len() {
        if i > 0 {
            line.push_str(", ");
        }
        let shown = match sql.binds.get(i) {
            BindRef::Scalar(v) => format!("{v:?}"),
            BindRef::Column {
                ty,
                rows,
                width,
                col,
            } => {
                let mut s = format!("{ty:?}[");
                for at in (col..rows.len()).step_by(width.max(1)) {
                    let _ = write!(s, "{:?},", rows.get(at));
                }
                s.push(']');
                s
            }
        };
        // Long binds (megabyte rows, 70,000-value lists) as their length and a hash.
        if shown.len() > 200 {
            let _ = write!(line, "<{} chars, fnv {:016x}>", shown.len(), fnv(&shown));
        } else {
            line.push_str(&escape(&shown));
        }
    }
    line.push('\n');
    if let Ok(mut file) = sink.lock() {
        let _ = file.write_all(line.as_bytes());
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

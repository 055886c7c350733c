//! Migrations on disk: a folder per migration, `NNNN_name/`, holding `migration.sql` (its
//! statements, for one dialect) and `snapshot.json` (the schema after it).
//!
//! `migration.sql` starts with comment lines weft reads (`-- weft: dialect sqlite`,
//! `-- weft: foreign-keys off`); statements are separated by a line `-- weft: break`, so a
//! statement may hold semicolons and blank lines of its own.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::snapshot::Snapshot;
use super::sql::MigrationSql;
use crate::error::{Error, Result};

/// The file holding a migration's statements.
pub const SQL_FILE: &str = "migration.sql";
/// The file holding the schema after a migration.
pub const SNAPSHOT_FILE: &str = "snapshot.json";
const BREAK: &str = "-- weft: break";
const FK_OFF: &str = "-- weft: foreign-keys off";

/// One migration: its folder's name and its SQL file's text. [`embed_migrations!`] makes a
/// `&'static [Migration]` of a folder at compile time.
///
/// [`embed_migrations!`]: crate::embed_migrations
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// The folder's name, `0001_init`: migrations apply in the order of their names.
    pub name: Cow<'static, str>,
    /// The text of `migration.sql`.
    pub sql: Cow<'static, str>,
}

impl Migration {
    /// A migration compiled into the program (what [`embed_migrations!`] writes).
    ///
    /// [`embed_migrations!`]: crate::embed_migrations
    pub const fn embedded(name: &'static str, sql: &'static str) -> Migration {
        Migration {
            name: Cow::Borrowed(name),
            sql: Cow::Borrowed(sql),
        }
    }

    /// The SHA-256 of the SQL text, in hex: what the record of applied migrations keeps.
    pub fn checksum(&self) -> String {
        let digest = Sha256::digest(self.sql.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The statements, in order (the `-- weft:` lines left out).
    pub fn statements(&self) -> Vec<String> {
        self.sql
            .split(BREAK)
            .map(|s| {
                s.lines()
                    .filter(|l| !l.starts_with("-- weft:"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .map(|s| s.trim().trim_end_matches(';').trim_end().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// SQLite: whether it runs with foreign keys off (a table rebuild or a dropped table).
    pub fn foreign_keys_off(&self) -> bool {
        self.sql.lines().any(|l| l.trim() == FK_OFF)
    }
}

/// The text of a `migration.sql`.
pub fn render_sql(name: &str, dialect: &str, sql: &MigrationSql) -> String {
    let mut out = format!("-- weft: migration {name}\n-- weft: dialect {dialect}\n");
    if sql.foreign_keys_off {
        out.push_str(FK_OFF);
        out.push('\n');
    }
    for (i, s) in sql.statements.iter().enumerate() {
        if i > 0 {
            out.push_str(BREAK);
            out.push('\n');
        }
        out.push_str(s);
        out.push_str(";\n");
    }
    out
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Migration {
        what: path.display().to_string(),
        reason: format!("cannot {what}: {e}"),
    }
}

/// The migrations folder `dir`: its migrations in order of name. A missing folder is an
/// error; a folder without `migration.sql` is skipped only if it is empty.
pub fn read_dir(dir: &Path) -> Result<Vec<Migration>> {
    if !dir.is_dir() {
        return Err(Error::Migration {
            what: dir.display().to_string(),
            reason: "no such migrations folder; run `generate` first, or pass --dir".into(),
        });
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, "read the folder", e))? {
        let entry = entry.map_err(|e| io(dir, "read the folder", e))?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let file = path.join(SQL_FILE);
        let sql = std::fs::read_to_string(&file).map_err(|e| io(&file, "read", e))?;
        out.push(Migration {
            name: Cow::Owned(entry.file_name().to_string_lossy().into_owned()),
            sql: Cow::Owned(sql),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The snapshot of the last migration in `dir` (empty when there is none yet), and the number
/// the next one gets.
pub fn latest_snapshot(dir: &Path) -> Result<(Snapshot, u32)> {
    if !dir.exists() {
        return Ok((empty(), 1));
    }
    let migrations = read_dir(dir)?;
    let Some(last) = migrations.last() else {
        return Ok((empty(), 1));
    };
    let file = dir.join(last.name.as_ref()).join(SNAPSHOT_FILE);
    let json = std::fs::read_to_string(&file).map_err(|e| io(&file, "read", e))?;
    let snapshot = Snapshot::from_json(&json, &file.display().to_string())?;
    let number = last
        .name
        .split('_')
        .next()
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(migrations.len() as u32);
    Ok((snapshot, number + 1))
}

fn empty() -> Snapshot {
    Snapshot {
        version: super::snapshot::SNAPSHOT_VERSION,
        tables: Vec::new(),
    }
}

/// Writes migration `name` into `dir`, returning its folder.
pub fn write(dir: &Path, name: &str, sql: &str, snapshot: &Snapshot) -> Result<PathBuf> {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).map_err(|e| io(&folder, "create", e))?;
    let file = folder.join(SQL_FILE);
    std::fs::write(&file, sql).map_err(|e| io(&file, "write", e))?;
    let file = folder.join(SNAPSHOT_FILE);
    std::fs::write(&file, snapshot.to_json() + "\n").map_err(|e| io(&file, "write", e))?;
    Ok(folder)
}

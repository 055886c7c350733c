//! The commands.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use weft::migrate::{self, Ambiguity, NoGuessing, Renames, files};
use weft::{Db, Dialect, Error, Result, Schema};

use crate::out::Out;
use crate::{Cli, Command};

pub async fn run(schema: &Schema, cli: &Cli, out: &Out) -> Result<ExitCode> {
    match &cli.command {
        Command::Generate {
            name,
            dialect,
            yes,
            allow_data_loss,
        } => generate(
            schema,
            &cli.dir,
            name,
            dialect.as_deref(),
            *yes,
            *allow_data_loss,
            out,
        ),
        Command::Migrate { url } => apply(&cli.dir, url, out).await,
        Command::Push {
            url,
            yes,
            allow_data_loss,
        } => push(schema, url, *yes, *allow_data_loss, out).await,
        Command::Check { url } => check(schema, &cli.dir, url.as_deref(), out).await,
        Command::Pull {
            url,
            out: file,
            force,
            schema: name,
        } => pull(url, file.as_deref(), *force, name, out).await,
    }
}

fn dialect_named(name: &str) -> Result<&'static dyn Dialect> {
    Ok(match name {
        "sqlite" => &weft::dialect::Sqlite,
        "postgres" | "postgresql" => &weft::dialect::Postgres,
        "mysql" => &weft::dialect::MySql,
        "mariadb" => &weft::dialect::MariaDb,
        other => {
            return Err(Error::Migration {
                what: format!("dialect `{other}`"),
                reason: "unknown; use sqlite, postgres, mysql or mariadb".into(),
            });
        }
    })
}

/// The dialect of the migrations already written (their `-- weft: dialect` line).
fn written_dialect(dir: &Path) -> Result<Option<String>> {
    if !dir.exists() {
        return Ok(None);
    }
    Ok(files::read_dir(dir)?.first().and_then(|m| {
        m.sql
            .lines()
            .find_map(|l| l.strip_prefix("-- weft: dialect "))
            .map(|d| d.trim().to_owned())
    }))
}

/// Asks on the terminal whether each ambiguity is a rename.
struct Ask;

impl Renames for Ask {
    fn is_rename(&mut self, a: &Ambiguity) -> Option<bool> {
        let question = match &a.table {
            Some(t) => format!(
                "column {t}.{} is gone and {t}.{} is new: renamed? [y/N] ",
                a.from, a.to
            ),
            None => format!(
                "table {} is gone and {} is new: renamed? [y/N] ",
                a.from, a.to
            ),
        };
        print!("{question}");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        Some(matches!(line.trim(), "y" | "Y" | "yes"))
    }
}

fn generate(
    schema: &Schema,
    dir: &Path,
    name: &str,
    dialect: Option<&str>,
    yes: bool,
    allow_data_loss: bool,
    out: &Out,
) -> Result<ExitCode> {
    let written = written_dialect(dir)?;
    let dialect_name = match (dialect, &written) {
        (Some(d), Some(w)) if d != w => {
            return Err(Error::Migration {
                what: dir.display().to_string(),
                reason: format!(
                    "its migrations are for {w}, not {d}; use a folder per dialect (--dir)"
                ),
            });
        }
        (Some(d), _) => d.to_owned(),
        (None, Some(w)) => w.clone(),
        (None, None) => {
            return Err(Error::Migration {
                what: "generate".into(),
                reason: "which dialect? pass --dialect sqlite|postgres|mysql|mariadb (or set WEFT_DIALECT)".into(),
            });
        }
    };
    let d = dialect_named(&dialect_name)?;
    let (old, number) = files::latest_snapshot(dir)?;
    let new = schema.snapshot()?;
    let interactive = !yes && std::io::stdin().is_terminal();
    let diff = if interactive {
        migrate::diff(&old, &new, d, &mut Ask)?
    } else {
        migrate::diff(&old, &new, d, &mut NoGuessing)?
    };
    if diff.changes.is_empty() {
        out.ok("no changes: the migrations match the models");
        return Ok(ExitCode::SUCCESS);
    }
    out.step(&format!("changes for {dialect_name}:"));
    for c in &diff.changes {
        out.change(c);
    }
    diff.guard(allow_data_loss)?;
    let sql = migrate::migration_sql(&diff.changes, &old, &diff.snapshot, d);
    let folder_name = format!("{number:04}_{name}");
    let text = files::render_sql(&folder_name, &dialect_name, &sql);
    let folder = files::write(dir, &folder_name, &text, &diff.snapshot)?;
    out.ok(&format!("wrote {}", folder.display()));
    Ok(ExitCode::SUCCESS)
}

async fn apply(dir: &Path, url: &str, out: &Out) -> Result<ExitCode> {
    let migrations = files::read_dir(dir)?;
    let db = Db::connect(url).await?;
    out.step(&format!(
        "{} migration(s) in {}",
        migrations.len(),
        dir.display()
    ));
    let applied = db.migrate(&migrations).await?;
    for name in &applied {
        out.ok(&format!("applied {name}"));
    }
    if applied.is_empty() {
        out.ok("nothing to apply: the database is up to date");
    }
    Ok(ExitCode::SUCCESS)
}

async fn push(
    schema: &Schema,
    url: &str,
    yes: bool,
    allow_data_loss: bool,
    out: &Out,
) -> Result<ExitCode> {
    let db = Db::connect(url).await?;
    let interactive = !yes && std::io::stdin().is_terminal();
    let diff = if interactive {
        db.push(schema, &mut Ask, allow_data_loss).await?
    } else {
        db.push(schema, &mut NoGuessing, allow_data_loss).await?
    };
    if diff.changes.is_empty() {
        out.ok("no changes: the database matches the models");
    } else {
        for c in &diff.changes {
            out.change(c);
        }
        out.ok(&format!("pushed {} change(s)", diff.changes.len()));
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(schema: &Schema, dir: &Path, url: Option<&str>, out: &Out) -> Result<ExitCode> {
    let mut ok = true;
    let (old, _) = files::latest_snapshot(dir)?;
    let new = schema.snapshot()?;
    let dialect = written_dialect(dir)?.unwrap_or_else(|| "sqlite".into());
    let d = dialect_named(&dialect)?;
    match migrate::diff(&old, &new, d, &mut NoGuessing) {
        Ok(diff) if diff.changes.is_empty() => out.ok("the migrations match the models"),
        Ok(diff) => {
            ok = false;
            out.fail("the models differ from the latest migration (run `generate`):");
            for c in &diff.changes {
                out.change(c);
            }
        }
        Err(e) => {
            ok = false;
            out.fail(&format!("the models differ from the latest migration: {e}"));
        }
    }
    if let Some(url) = url {
        let migrations = files::read_dir(dir)?;
        let db = Db::connect(url).await?;
        match pending(&db, &migrations).await {
            Ok(p) if p.is_empty() => out.ok("the database has applied every migration"),
            Ok(p) => {
                ok = false;
                out.fail(&format!("the database has not applied: {}", p.join(", ")));
            }
            Err(e) => {
                ok = false;
                out.fail(&e.to_string());
            }
        }
        let live = db.introspect().await?;
        let drift = migrate::drift(&new, &live, db.dialect())?;
        if drift.is_empty() {
            out.ok("the database's tables match the models");
        } else {
            ok = false;
            out.fail(
                "the database's tables differ from the models (what it would take to match them):",
            );
            for c in &drift {
                out.change(c);
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn pull(
    url: &str,
    file: Option<&Path>,
    force: bool,
    name: &str,
    out: &Out,
) -> Result<ExitCode> {
    if let Some(file) = file
        && file.exists()
        && !force
    {
        return Err(Error::Migration {
            what: file.display().to_string(),
            reason: "exists; pass --force to overwrite it, or another --out".into(),
        });
    }
    let db = Db::connect(url).await?;
    let live = db.introspect().await?;
    let source = migrate::models_source(&live, name);
    match file {
        None => print!("{source}"),
        Some(file) => {
            std::fs::write(file, &source).map_err(|e| Error::Migration {
                what: file.display().to_string(),
                reason: format!("cannot write: {e}"),
            })?;
            out.ok(&format!(
                "wrote {} table(s) to {}",
                live.tables.len(),
                file.display()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The migrations the database has not applied; an error for a changed one.
async fn pending(db: &Db, migrations: &[weft::Migration]) -> Result<Vec<String>> {
    let status = db.migration_status(migrations).await?;
    Ok(status.pending)
}

//! Applying migrations: in name order, each once, recorded in [`MIGRATIONS_TABLE`] (name,
//! checksum, applied_at, duration), under a lock so that two processes starting at once
//! apply each migration exactly once.
//!
//! - PostgreSQL: a session advisory lock for the run; each migration in a transaction.
//! - SQLite: each migration in a `BEGIN IMMEDIATE` transaction (the database's write lock),
//!   which first checks the record again; foreign keys switched off outside it when the
//!   migration rebuilds or drops a table, and `PRAGMA foreign_key_check` before commit.
//! - CockroachDB: refused (its advisory-lock functions lock nothing; see
//!   `Dialect::migration_lock`).
//! - MySQL/MariaDB: `GET_LOCK` for the run. DDL commits implicitly there, so a migration is
//!   not atomic: its record is written before its first statement and counts the statements
//!   applied; a run that fails midway leaves the migration unfinished, and the next run
//!   resumes at the statement that failed (fix that statement and the ones after it).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::files::Migration;
use super::snapshot::MIGRATIONS_TABLE;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::exec::{Db, Session};
use crate::query::raw;

/// One row of the record.
struct Applied {
    name: String,
    checksum: String,
    steps: i64,
    finished: bool,
}

fn failed(migration: &str, reason: String) -> Error {
    Error::Migration {
        what: format!("migration `{migration}`"),
        reason,
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

struct Runner {
    s: Session,
    backend: Backend,
    table: String,
}

impl Runner {
    async fn exec(&mut self, sql: &str) -> Result<u64> {
        self.s.execute_sql(sql).await
    }

    async fn applied(&mut self) -> Result<Vec<Applied>> {
        let sql = format!(
            "SELECT name, checksum, steps, finished FROM {} ORDER BY name",
            self.table
        );
        let rows: Vec<(String, String, i64, i64)> = raw(sql).fetch_all(&mut self.s).await?;
        Ok(rows
            .into_iter()
            .map(|(name, checksum, steps, finished)| Applied {
                name,
                checksum,
                steps,
                finished: finished != 0,
            })
            .collect())
    }

    async fn record(
        &mut self,
        m: &Migration,
        steps: i64,
        finished: bool,
        started: Instant,
    ) -> Result<()> {
        let duration = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let sql = format!(
            "INSERT INTO {} (name, checksum, applied_at, duration_ms, steps, finished) VALUES (?, ?, ?, ?, ?, ?)",
            self.table
        );
        raw(sql)
            .bind(m.name.to_string())
            .bind(m.checksum())
            .bind(now_ms())
            .bind(duration)
            .bind(steps)
            .bind(i64::from(finished))
            .execute(&mut self.s)
            .await?;
        Ok(())
    }

    async fn update(
        &mut self,
        m: &Migration,
        steps: i64,
        finished: bool,
        started: Instant,
    ) -> Result<()> {
        let duration = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let sql = format!(
            "UPDATE {} SET checksum = ?, applied_at = ?, duration_ms = ?, steps = ?, finished = ? WHERE name = ?",
            self.table
        );
        raw(sql)
            .bind(m.checksum())
            .bind(now_ms())
            .bind(duration)
            .bind(steps)
            .bind(i64::from(finished))
            .bind(m.name.to_string())
            .execute(&mut self.s)
            .await?;
        Ok(())
    }

    /// One migration in a transaction (PostgreSQL, SQLite). `false` when another runner
    /// applied it meanwhile (SQLite's check under the write lock).
    async fn transactional(&mut self, m: &Migration) -> Result<bool> {
        let sqlite = self.backend == Backend::Sqlite;
        let fk_off = sqlite && m.foreign_keys_off();
        let fk_before: i64 = if fk_off {
            let on = raw("PRAGMA foreign_keys").fetch_one(&mut self.s).await?;
            self.exec("PRAGMA foreign_keys = OFF").await?;
            on
        } else {
            0
        };
        let out = self.transaction_body(m, sqlite).await;
        // The statement that failed is the error worth reporting; a connection whose rollback
        // failed too is in an unknown state and is closed rather than pooled.
        if out.is_err() && self.exec("ROLLBACK").await.is_err() {
            self.s.discard();
        }
        if fk_off {
            let restore = format!(
                "PRAGMA foreign_keys = {}",
                if fk_before != 0 { "ON" } else { "OFF" }
            );
            self.exec(&restore).await?;
        }
        out
    }

    async fn transaction_body(&mut self, m: &Migration, sqlite: bool) -> Result<bool> {
        let started = Instant::now();
        self.exec(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" })
            .await?;
        if sqlite && self.applied().await?.iter().any(|a| a.name == m.name) {
            self.exec("COMMIT").await?;
            return Ok(false);
        }
        let statements = m.statements();
        for (i, statement) in statements.iter().enumerate() {
            self.exec(statement).await.map_err(|e| {
                failed(
                    &m.name,
                    format!(
                        "statement {} of {} failed, nothing of it was applied: {e}",
                        i + 1,
                        statements.len()
                    ),
                )
            })?;
        }
        if sqlite {
            let broken: Vec<(String, Option<i64>, String, i64)> = raw("PRAGMA foreign_key_check")
                .fetch_all(&mut self.s)
                .await?;
            if let Some((table, row, parent, _)) = broken.first() {
                return Err(failed(
                    &m.name,
                    format!(
                        "{} row(s) would break a foreign key (first: table {table}, rowid {}, referencing {parent}); nothing of it was applied",
                        broken.len(),
                        row.map_or_else(|| "?".to_owned(), |r| r.to_string())
                    ),
                ));
            }
        }
        self.record(m, statements.len() as i64, true, started)
            .await?;
        self.exec("COMMIT").await?;
        Ok(true)
    }

    /// One migration on the MySQL family: statement by statement, resumable.
    async fn stepwise(&mut self, m: &Migration, resume: Option<i64>) -> Result<()> {
        let started = Instant::now();
        let statements = m.statements();
        let from = match resume {
            Some(steps) => steps.max(0) as usize,
            None => {
                self.record(m, 0, false, started).await?;
                0
            }
        };
        for (i, statement) in statements.iter().enumerate().skip(from) {
            if let Err(e) = self.exec(statement).await {
                return Err(failed(
                    &m.name,
                    format!(
                        "statement {} of {} failed; the {i} before it are applied (MySQL commits DDL at once). Fix the statement and run migrate again: it resumes there. {e}",
                        i + 1,
                        statements.len()
                    ),
                ));
            }
            self.update(m, i as i64 + 1, false, started).await?;
        }
        self.update(m, statements.len() as i64, true, started).await
    }
}

impl Db {
    /// Applies the migrations of `migrations` not applied yet, in name order, returning the
    /// names applied (see the module's documentation for the lock and transactions). Fails,
    /// before applying anything, when an applied migration's file changed (its checksum
    /// differs) or is missing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// const MIGRATIONS: &[weft::Migration] = &[weft::Migration::embedded(
    ///     "0001_init",
    ///     "CREATE TABLE \"note\" (\"id\" INTEGER NOT NULL, \"text\" TEXT NOT NULL);\n",
    /// )];
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// assert_eq!(db.migrate(MIGRATIONS).await?, ["0001_init"]);
    /// assert!(db.migrate(MIGRATIONS).await?.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn migrate(&self, migrations: &[Migration]) -> Result<Vec<String>> {
        let backend = self.backend();
        let mut table = String::new();
        self.dialect()
            .quote_ident_into(&mut table, MIGRATIONS_TABLE);
        // Without the handle's statement timeout: DDL and the wait for the lock may be long.
        let mut r = Runner {
            s: self.without_statement_timeout().session().await?,
            backend,
            table,
        };
        // The run's lock, from the dialect: a session lock where it has one; SQLite locks the
        // database per migration instead; elsewhere (CockroachDB) no lock is to be had.
        let lock = self.dialect().migration_lock();
        if lock.is_none() && backend != Backend::Sqlite {
            return Err(Error::Migration {
                what: "migrate".into(),
                reason: format!(
                    "{} has no session lock (PostgreSQL's advisory locks) to keep two processes \
                     from applying the same migration at once, so weft does not run migrations \
                     there: apply them from one process at a time with your own tooling (the \
                     migration files are plain SQL), e.g. one deploy step",
                    self.dialect().name()
                ),
            });
        }
        if let Some(lock) = lock {
            match lock.acquired {
                None => {
                    r.exec(lock.acquire).await?;
                }
                Some(expected) => {
                    let got: Option<i64> = raw(lock.acquire).fetch_one(&mut r.s).await?;
                    if got != Some(expected) {
                        return Err(Error::Migration {
                            what: "migrate".into(),
                            reason: "another process held the migration lock for 10 minutes; is a migration stuck?".into(),
                        });
                    }
                }
            }
        }
        let out = run(&mut r, migrations).await;
        if let Some(lock) = lock {
            r.exec(lock.release).await?;
        }
        out
    }
}

/// What a database has applied of a set of migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Applied, in name order.
    pub applied: Vec<String>,
    /// Not applied yet (or, on the MySQL family, started and not finished), in name order.
    pub pending: Vec<String>,
}

impl Db {
    /// Which of `migrations` this database has applied, without applying anything. Fails as
    /// [`Db::migrate`] does when an applied migration's file changed or is missing.
    pub async fn migration_status(&self, migrations: &[Migration]) -> Result<MigrationStatus> {
        let mut table = String::new();
        self.dialect()
            .quote_ident_into(&mut table, MIGRATIONS_TABLE);
        let mut r = Runner {
            s: self.session().await?,
            backend: self.backend(),
            table,
        };
        create_record(&mut r).await?;
        let applied = r.applied().await?;
        verify(&applied, migrations)?;
        let mut names: Vec<String> = migrations.iter().map(|m| m.name.to_string()).collect();
        names.sort();
        let (applied, pending) = names
            .into_iter()
            .partition(|n| applied.iter().any(|a| &a.name == n && a.finished));
        Ok(MigrationStatus { applied, pending })
    }
}

async fn create_record(r: &mut Runner) -> Result<()> {
    let text = if r.backend == Backend::MySql {
        "VARCHAR(255)"
    } else {
        "TEXT"
    };
    let create = format!(
        "CREATE TABLE IF NOT EXISTS {} (name {text} NOT NULL PRIMARY KEY, checksum {text} NOT NULL, applied_at BIGINT NOT NULL, duration_ms BIGINT NOT NULL, steps BIGINT NOT NULL, finished BIGINT NOT NULL)",
        r.table
    );
    r.exec(&create).await?;
    Ok(())
}

async fn run(r: &mut Runner, migrations: &[Migration]) -> Result<Vec<String>> {
    create_record(r).await?;
    let applied = r.applied().await?;
    verify(&applied, migrations)?;
    let mut sorted: Vec<&Migration> = migrations.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut done = Vec::new();
    for m in sorted {
        let record = applied.iter().find(|a| a.name == m.name);
        if record.is_some_and(|a| a.finished) {
            continue;
        }
        tracing::info!(target: "weft::migrate", migration = %m.name, "applying");
        let applied_now = if r.backend == Backend::MySql {
            r.stepwise(m, record.map(|a| a.steps)).await?;
            true
        } else {
            r.transactional(m).await?
        };
        if applied_now {
            done.push(m.name.to_string());
        }
    }
    Ok(done)
}

/// Every applied migration is among `migrations`, its file unchanged.
fn verify(applied: &[Applied], migrations: &[Migration]) -> Result<()> {
    for a in applied {
        let Some(m) = migrations.iter().find(|m| m.name == a.name) else {
            return Err(failed(
                &a.name,
                "was applied to this database but is not among the migrations; restore its folder"
                    .into(),
            ));
        };
        if a.finished && a.checksum != m.checksum() {
            return Err(failed(
                &a.name,
                format!(
                    "its file changed after it was applied (checksum {} was recorded, the file's is {}); restore it and put the change in a new migration",
                    a.checksum,
                    m.checksum()
                ),
            ));
        }
    }
    Ok(())
}

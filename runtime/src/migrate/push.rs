//! `push`: the diff between the schema and a development database applied straight to it,
//! without a migration file, for prototyping.
//!
//! The database's schema is the snapshot the last push left in [`PUSH_TABLE`] (none: an
//! empty database), so a change made by hand behind push's back is not seen. The same guard
//! as `generate` refuses changes that lose data unless allowed.

use super::diff::{Diff, Renames, diff};
use super::snapshot::{Schema, Snapshot};
use super::sql::migration_sql;
use crate::backend::Backend;
use crate::error::Result;
use crate::exec::Db;
use crate::query::raw;

/// The table where `push` keeps the snapshot of what it pushed.
pub const PUSH_TABLE: &str = "__weft_push";

impl Db {
    /// Applies the changes from what the last push left (nothing, the first time) to
    /// `schema`, refusing data-losing ones unless `allow_data_loss`; returns the diff applied.
    /// On PostgreSQL and SQLite it runs in one transaction; on the MySQL family statement by
    /// statement (DDL commits at once there).
    pub async fn push(
        &self,
        schema: &Schema,
        renames: &mut dyn Renames,
        allow_data_loss: bool,
    ) -> Result<Diff> {
        let backend = self.backend();
        let mut table = String::new();
        self.dialect().quote_ident_into(&mut table, PUSH_TABLE);
        let mut s = self.session().await?;
        let text = if backend == Backend::MySql {
            "LONGTEXT"
        } else {
            "TEXT"
        };
        s.execute_sql(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (id BIGINT NOT NULL PRIMARY KEY, snapshot {text} NOT NULL)"
        ))
        .await?;
        let stored: Option<String> = raw(format!("SELECT snapshot FROM {table} WHERE id = 1"))
            .fetch_optional(&mut s)
            .await?;
        let old = match stored {
            Some(json) => Snapshot::from_json(&json, PUSH_TABLE)?,
            None => Snapshot::default(),
        };
        let new = schema.snapshot()?;
        let d = diff(&old, &new, self.dialect(), renames)?;
        d.guard(allow_data_loss)?;
        let sql = migration_sql(&d.changes, &old, &d.snapshot, self.dialect());
        let sqlite = backend == Backend::Sqlite;
        let transactional = backend != Backend::MySql;
        if sqlite && sql.foreign_keys_off {
            s.execute_sql("PRAGMA foreign_keys = OFF").await?;
        }
        let out = async {
            if transactional {
                s.execute_sql(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" }).await?;
            }
            for statement in &sql.statements {
                s.execute_sql(statement).await?;
            }
            if sqlite {
                let broken: Vec<(String, Option<i64>, String, i64)> =
                    raw("PRAGMA foreign_key_check").fetch_all(&mut s).await?;
                if let Some((t, _, parent, _)) = broken.first() {
                    return Err(crate::error::Error::Migration {
                        what: "push".into(),
                        reason: format!("rows of {t} would break their foreign key to {parent}; nothing was changed"),
                    });
                }
            }
            raw(format!("DELETE FROM {table}")).execute(&mut s).await?;
            raw(format!("INSERT INTO {table} (id, snapshot) VALUES (1, ?)"))
                .bind(d.snapshot.to_json())
                .execute(&mut s)
                .await?;
            if transactional {
                s.execute_sql("COMMIT").await?;
            }
            Ok(())
        }
        .await;
        if out.is_err() {
            if transactional && s.execute_sql("ROLLBACK").await.is_err() {
                s.discard();
            }
        } else if sqlite && sql.foreign_keys_off {
            s.execute_sql("PRAGMA foreign_keys = ON").await?;
        }
        out.map(|()| d)
    }
}

//! Schema migrations: a [`Schema`] (the tables of an application, declared once), its
//! [`Snapshot`] as data, the [`diff`] between two snapshots, its SQL for a dialect
//! ([`migration_sql`]), migration folders on disk ([`files`]), and applying them
//! ([`Db::migrate`](crate::Db::migrate)). The `weft-cli` crate drives these from a binary of
//! the user's crate.

mod apply;
mod diff;
pub mod files;
mod introspect;
mod pull;
mod push;
mod snapshot;
mod sql;

pub use apply::MigrationStatus;
pub use diff::{Ambiguity, Change, Diff, NoGuessing, Renames, diff};
pub use files::Migration;
pub use introspect::{canonical, drift};
pub use pull::models_source;
pub use push::PUSH_TABLE;
pub use snapshot::{
    ColumnSnapshot, Default, ForeignKeySnapshot, KeySnapshot, MIGRATIONS_TABLE, SNAPSHOT_VERSION,
    Schema, Snapshot, TableSnapshot,
};
pub use sql::{MigrationSql, REBUILD_PREFIX, create_sql, migration_sql};

/// Embeds a migrations folder into the program: `weft::embed_migrations!("migrations")` is a
/// `&'static [weft::Migration]` of every `NNNN_name/migration.sql` under the folder (relative
/// to the crate's `Cargo.toml`), in name order, for
/// [`Db::migrate`](crate::Db::migrate) at start-up:
///
/// ```ignore
/// static MIGRATIONS: &[weft::Migration] = weft::embed_migrations!("migrations");
/// db.migrate(MIGRATIONS).await?;
/// ```
///
/// A changed `migration.sql` rebuilds the program (the files are `include_str!`ed); a new
/// folder is seen at the next build of the crate.
pub use weft_macros::embed_migrations;

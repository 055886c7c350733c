//! The SQL of a diff for one dialect. Constraints are created named (the names of the
//! snapshot), so a later migration can drop them by name on every database.
//!
//! SQLite cannot alter a column, a key or a constraint: such a table is rebuilt (a new table,
//! the rows copied, the old one dropped, the new one renamed), with foreign keys switched off
//! for the migration outside its transaction and `PRAGMA foreign_key_check` before it commits.

use std::collections::HashSet;

use super::diff::Change;
use super::snapshot::{
    ColumnSnapshot, Default, ForeignKeySnapshot, KeySnapshot, Snapshot, TableSnapshot,
    on_delete_sql,
};
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::schema::DefaultValue;

/// The statements of one migration, and how to run them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MigrationSql {
    /// The statements, in order.
    pub statements: Vec<String>,
    /// SQLite only: run with `PRAGMA foreign_keys = OFF` (set outside the migration's
    /// transaction), checked with `PRAGMA foreign_key_check` before commit.
    pub foreign_keys_off: bool,
}

/// The prefix of the table a SQLite rebuild creates, renamed to the real name once the rows
/// are copied. No table of a schema may start with it.
pub const REBUILD_PREFIX: &str = "__weft_new_";

struct W<'d> {
    d: &'d dyn Dialect,
    out: Vec<String>,
}

impl W<'_> {
    fn q(&self, ident: &str) -> String {
        let mut s = String::new();
        self.d.quote_ident_into(&mut s, ident);
        s
    }

    fn list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.q(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn mysql(&self) -> bool {
        self.d.backend() == Backend::MySql
    }

    /// Whether foreign keys are declared ([`Capabilities::foreign_keys`](crate::dialect::Capabilities::foreign_keys)).
    fn foreign_keys(&self) -> bool {
        self.d.capabilities().foreign_keys
    }

    fn sqlite(&self) -> bool {
        self.d.backend() == Backend::Sqlite
    }

    /// The column's type, collation, NOT NULL and DEFAULT (or the dialect's auto key).
    fn column(&self, c: &ColumnSnapshot, auto_key: bool) -> String {
        let mut s = self.q(&c.name);
        s.push(' ');
        if auto_key {
            s.push_str(self.d.auto_key(c.sql_type));
            return s;
        }
        s.push_str(self.d.column_type(c.sql_type, c.keyed));
        s.push_str(self.d.column_collation(c.sql_type));
        if !c.nullable {
            s.push_str(" NOT NULL");
        }
        if let Some(d) = &c.default {
            s.push_str(" DEFAULT ");
            self.default(&mut s, d);
        }
        s
    }

    fn default(&self, s: &mut String, d: &Default) {
        match d {
            Default::Bool(b) => self.d.push_default(s, DefaultValue::Bool(*b)),
            Default::Int(i) => self.d.push_default(s, DefaultValue::Int(*i)),
            Default::Float(f) => self.d.push_default(s, DefaultValue::Float(*f)),
            // The MySQL family takes a text default as an expression in parentheses (what its
            // `push_default` writes for schema literals).
            Default::Text(t) if self.mysql() => {
                s.push('(');
                self.d.push_string_literal(s, t);
                s.push(')');
            }
            Default::Text(t) => self.d.push_string_literal(s, t),
            Default::Now => self.d.push_default(s, DefaultValue::Now),
            Default::Uuid => self.d.push_default(s, DefaultValue::Uuid),
            // As the dialects write a model's `sql("…")` default: in parentheses.
            Default::Sql(t) => {
                s.push('(');
                s.push_str(t);
                s.push(')');
            }
        }
    }

    fn auto_key<'t>(&self, t: &'t TableSnapshot) -> Option<&'t str> {
        match &t.primary_key {
            Some(k) if k.columns.len() == 1 => t
                .column(&k.columns[0])
                .filter(|c| c.auto)
                .map(|c| c.name.as_str()),
            _ => None,
        }
    }

    fn foreign_key(&self, k: &ForeignKeySnapshot) -> String {
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            self.q(&k.name),
            self.list(&k.columns),
            self.q(&k.table),
            self.list(&k.references)
        );
        if let Some(action) = k.on_delete.as_deref().and_then(on_delete_sql) {
            s.push_str(action);
        }
        s
    }

    fn create_table(&mut self, t: &TableSnapshot, name: &str) {
        let auto = self.auto_key(t);
        let mut parts: Vec<String> = t
            .columns
            .iter()
            .map(|c| self.column(c, auto == Some(c.name.as_str())))
            .collect();
        if let Some(k) = &t.primary_key
            && !(auto.is_some() && self.d.auto_key_inline())
        {
            parts.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                self.q(&k.name),
                self.list(&k.columns)
            ));
        }
        for u in &t.uniques {
            parts.push(format!(
                "CONSTRAINT {} UNIQUE ({})",
                self.q(&u.name),
                self.list(&u.columns)
            ));
        }
        // A sharded engine enforces no foreign key across shards: none is declared there.
        for k in t.foreign_keys.iter().filter(|_| self.foreign_keys()) {
            parts.push(self.foreign_key(k));
        }
        self.out.push(format!(
            "CREATE TABLE {} ({}){}",
            self.q(name),
            parts.join(", "),
            self.d.table_options()
        ));
    }

    fn create_index(&mut self, table: &str, i: &KeySnapshot) {
        self.out.push(format!(
            "CREATE INDEX {} ON {} ({})",
            self.q(&i.name),
            self.q(table),
            self.list(&i.columns)
        ));
    }

    fn alter(&mut self, table: &str, what: String) {
        self.out
            .push(format!("ALTER TABLE {} {what}", self.q(table)));
    }

    /// SQLite: the table rebuilt as `new` describes, its rows copied from the columns it
    /// shares with the table it replaces (`copied`).
    fn rebuild(&mut self, new: &TableSnapshot, copied: &[String]) {
        let temp = format!("{REBUILD_PREFIX}{}", new.name);
        self.create_table(new, &temp);
        let cols = self.list(copied);
        self.out.push(format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
            self.q(&temp),
            self.q(&new.name)
        ));
        self.out.push(format!("DROP TABLE {}", self.q(&new.name)));
        self.alter(&temp, format!("RENAME TO {}", self.q(&new.name)));
        for i in &new.indexes {
            self.create_index(&new.name, i);
        }
    }

    fn alter_column(
        &mut self,
        table: &str,
        from: &ColumnSnapshot,
        to: &ColumnSnapshot,
        auto_key: bool,
    ) {
        let name = self.q(&to.name);
        if self.mysql() {
            let def = self.column(to, auto_key);
            self.alter(table, format!("MODIFY {def}"));
            return;
        }
        let ty = self.d.column_type(to.sql_type, to.keyed);
        if self.d.column_type(from.sql_type, from.keyed) != ty {
            self.alter(
                table,
                format!("ALTER COLUMN {name} TYPE {ty} USING {name}::{ty}"),
            );
        }
        if from.nullable != to.nullable {
            let set = if to.nullable {
                "DROP NOT NULL"
            } else {
                "SET NOT NULL"
            };
            self.alter(table, format!("ALTER COLUMN {name} {set}"));
        }
        if from.default != to.default {
            match &to.default {
                Some(d) => {
                    let mut s = format!("ALTER COLUMN {name} SET DEFAULT ");
                    self.default(&mut s, d);
                    self.alter(table, s);
                }
                None => self.alter(table, format!("ALTER COLUMN {name} DROP DEFAULT")),
            }
        }
        if from.auto != to.auto {
            let what = if to.auto {
                "ADD GENERATED BY DEFAULT AS IDENTITY"
            } else {
                "DROP IDENTITY"
            };
            self.alter(table, format!("ALTER COLUMN {name} {what}"));
        }
    }
}

/// Whether SQLite can make `change` with `ALTER TABLE` (or an index statement).
fn sqlite_alters(change: &Change) -> bool {
    match change {
        Change::AddColumn { column, .. } => {
            !column.auto && (column.nullable || column.default.is_some())
        }
        Change::AlterColumn { .. }
        | Change::DropColumn { .. }
        | Change::SetPrimaryKey { .. }
        | Change::AddUnique { .. }
        | Change::DropUnique { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. } => false,
        _ => true,
    }
}

/// The SQL of `changes` (from [`diff`](super::diff::diff)) for `dialect`; `new` is the
/// snapshot the changes lead to, `old` the one they start from.
pub fn migration_sql(
    changes: &[Change],
    old: &Snapshot,
    new: &Snapshot,
    dialect: &dyn Dialect,
) -> MigrationSql {
    let mut w = W {
        d: dialect,
        out: Vec::new(),
    };
    let sqlite = w.sqlite();
    let rebuilt: HashSet<&str> = if sqlite {
        changes
            .iter()
            .filter(|c| !sqlite_alters(c))
            .map(Change::table)
            .collect()
    } else {
        HashSet::new()
    };
    let skip = |c: &Change| rebuilt.contains(c.table());

    // 1. Constraints and indexes that go away, before the columns and tables they are on.
    for c in changes.iter().filter(|c| !skip(c)) {
        match c {
            Change::DropForeignKey { table, foreign_key } if w.foreign_keys() => {
                let what = if w.mysql() {
                    "DROP FOREIGN KEY"
                } else {
                    "DROP CONSTRAINT"
                };
                let name = w.q(&foreign_key.name);
                w.alter(table, format!("{what} {name}"));
            }
            Change::DropUnique { table, unique } => {
                let what = if w.mysql() {
                    "DROP INDEX"
                } else {
                    "DROP CONSTRAINT"
                };
                let name = w.q(&unique.name);
                w.alter(table, format!("{what} {name}"));
            }
            Change::DropIndex { table, index } => {
                let mut s = format!("DROP INDEX {}", w.q(&index.name));
                if dialect.drop_index_names_table() {
                    s.push_str(&format!(" ON {}", w.q(table)));
                }
                w.out.push(s);
            }
            Change::SetPrimaryKey {
                table,
                from: Some(k),
                ..
            } => {
                let s = if w.mysql() {
                    "DROP PRIMARY KEY".to_owned()
                } else {
                    format!("DROP CONSTRAINT {}", w.q(&k.name))
                };
                w.alter(table, s);
            }
            _ => {}
        }
    }
    // 2. Renames (a rebuild copies from the renamed table and columns).
    for c in changes {
        match c {
            Change::RenameTable { from, to } => {
                let to = w.q(to);
                w.alter(from, format!("RENAME TO {to}"));
            }
            Change::RenameColumn { table, from, to } => {
                let (from, to) = (w.q(from), w.q(to));
                w.alter(table, format!("RENAME COLUMN {from} TO {to}"));
            }
            _ => {}
        }
    }
    // 3. New tables, each after the new tables it references.
    let mut created: Vec<&TableSnapshot> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut done: HashSet<&str> = HashSet::new();
    while !created.is_empty() {
        let ready = created
            .iter()
            .position(|t| {
                t.foreign_keys.iter().all(|k| {
                    k.table == t.name
                        || done.contains(k.table.as_str())
                        || !created.iter().any(|o| o.name == k.table)
                })
            })
            .unwrap_or(0);
        let t = created.remove(ready);
        w.create_table(t, &t.name);
        for i in &t.indexes {
            w.create_index(&t.name, i);
        }
        done.insert(&t.name);
    }
    // 4. Columns added and changed, keys and unique constraints; SQLite's rebuilds.
    for c in changes.iter().filter(|c| !skip(c)) {
        match c {
            Change::AddColumn { table, column } => {
                let def = w.column(column, false);
                w.alter(table, format!("ADD COLUMN {def}"));
            }
            Change::AlterColumn { table, from, to } => {
                let auto_key =
                    new.table(table).and_then(|t| w.auto_key(t)) == Some(to.name.as_str());
                w.alter_column(table, from, to, auto_key);
            }
            Change::SetPrimaryKey {
                table, to: Some(k), ..
            } => {
                let s = format!(
                    "ADD CONSTRAINT {} PRIMARY KEY ({})",
                    w.q(&k.name),
                    w.list(&k.columns)
                );
                w.alter(table, s);
            }
            Change::AddUnique { table, unique } => {
                let s = format!(
                    "ADD CONSTRAINT {} UNIQUE ({})",
                    w.q(&unique.name),
                    w.list(&unique.columns)
                );
                w.alter(table, s);
            }
            _ => {}
        }
    }
    let mut rebuilt_sorted: Vec<&str> = rebuilt.iter().copied().collect();
    rebuilt_sorted.sort_unstable();
    for name in rebuilt_sorted {
        let Some(t) = new.table(name) else { continue };
        let added: HashSet<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::AddColumn { table, column } if table == name => Some(column.name.as_str()),
                _ => None,
            })
            .collect();
        let copied: Vec<String> = t
            .columns
            .iter()
            .filter(|c| !added.contains(c.name.as_str()))
            .map(|c| c.name.clone())
            .collect();
        w.rebuild(t, &copied);
    }
    // 5. Columns and tables that go away.
    for c in changes.iter().filter(|c| !skip(c)) {
        if let Change::DropColumn { table, column } = c {
            let column = w.q(column);
            w.alter(table, format!("DROP COLUMN {column}"));
        }
    }
    let mut dropped: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    // Dependents first: a table referencing another dropped one goes before it.
    dropped.sort_by_key(|t| {
        let refs = old.table(t).map_or(0, |t| t.foreign_keys.len());
        std::cmp::Reverse(refs)
    });
    for t in &dropped {
        let t = w.q(t);
        w.out.push(format!("DROP TABLE {t}"));
    }
    // 6. Foreign keys and indexes that appear.
    for c in changes.iter().filter(|c| !skip(c)) {
        match c {
            Change::AddForeignKey { table, foreign_key } if w.foreign_keys() => {
                let s = format!("ADD {}", w.foreign_key(foreign_key));
                w.alter(table, s);
            }
            Change::CreateIndex { table, index } => w.create_index(table, index),
            _ => {}
        }
    }
    MigrationSql {
        statements: w.out,
        foreign_keys_off: sqlite && (!rebuilt.is_empty() || !dropped.is_empty()),
    }
}

/// The statements that create every table of `snapshot` (a first migration, `push` on an
/// empty database).
pub fn create_sql(snapshot: &Snapshot, dialect: &dyn Dialect) -> MigrationSql {
    let changes: Vec<Change> = snapshot
        .tables
        .iter()
        .cloned()
        .map(Change::CreateTable)
        .collect();
    migration_sql(&changes, &Snapshot::default(), snapshot, dialect)
}

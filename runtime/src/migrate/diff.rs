//! Comparing two snapshots: the changes that take a database from the old schema to the new,
//! renames (declared with `renamed_from`, or confirmed by a person), and the changes that
//! would lose data.

use std::collections::HashMap;
use std::fmt;

use super::snapshot::{ColumnSnapshot, ForeignKeySnapshot, KeySnapshot, Snapshot, TableSnapshot};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::value::SqlType;

/// One change to a database's schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `CREATE TABLE` (its indexes too).
    CreateTable(TableSnapshot),
    /// `DROP TABLE`.
    DropTable(String),
    /// A table renamed.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column added.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: ColumnSnapshot,
    },
    /// A column dropped.
    DropColumn {
        /// The table.
        table: String,
        /// The column's name.
        column: String,
    },
    /// A column renamed.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column's type, nullability, default or generation changed.
    AlterColumn {
        /// The table.
        table: String,
        /// The column as it was (under its new name).
        from: ColumnSnapshot,
        /// The column as it becomes.
        to: ColumnSnapshot,
    },
    /// The primary key changed.
    SetPrimaryKey {
        /// The table.
        table: String,
        /// The old key.
        from: Option<KeySnapshot>,
        /// The new key.
        to: Option<KeySnapshot>,
    },
    /// A unique constraint added.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: KeySnapshot,
    },
    /// A unique constraint dropped.
    DropUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: KeySnapshot,
    },
    /// A foreign key added.
    AddForeignKey {
        /// The table.
        table: String,
        /// The constraint.
        foreign_key: ForeignKeySnapshot,
    },
    /// A foreign key dropped.
    DropForeignKey {
        /// The table.
        table: String,
        /// The constraint.
        foreign_key: ForeignKeySnapshot,
    },
    /// An index created.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: KeySnapshot,
    },
    /// An index dropped.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: KeySnapshot,
    },
}

impl Change {
    /// The table the change is about (its new name).
    pub fn table(&self) -> &str {
        match self {
            Change::CreateTable(t) => &t.name,
            Change::DropTable(t) => t,
            Change::RenameTable { to, .. } => to,
            Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::RenameColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::SetPrimaryKey { table, .. }
            | Change::AddUnique { table, .. }
            | Change::DropUnique { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::CreateIndex { table, .. }
            | Change::DropIndex { table, .. } => table,
        }
    }

    /// `+`, `-` or `~`: adds, removes, or changes.
    pub fn sign(&self) -> char {
        match self {
            Change::CreateTable(_)
            | Change::AddColumn { .. }
            | Change::AddUnique { .. }
            | Change::AddForeignKey { .. }
            | Change::CreateIndex { .. } => '+',
            Change::DropTable(_)
            | Change::DropColumn { .. }
            | Change::DropUnique { .. }
            | Change::DropForeignKey { .. }
            | Change::DropIndex { .. } => '-',
            _ => '~',
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::snapshot::sql_type::name;
        let col = |c: &ColumnSnapshot| {
            format!(
                "{} {}{}",
                c.name,
                name(c.sql_type),
                if c.nullable { "?" } else { "" }
            )
        };
        match self {
            Change::CreateTable(t) => write!(f, "create table {}", t.name),
            Change::DropTable(t) => write!(f, "drop table {t}"),
            Change::RenameTable { from, to } => write!(f, "rename table {from} to {to}"),
            Change::AddColumn { table, column } => {
                write!(f, "add column {table}.{}", col(column))
            }
            Change::DropColumn { table, column } => write!(f, "drop column {table}.{column}"),
            Change::RenameColumn { table, from, to } => {
                write!(f, "rename column {table}.{from} to {to}")
            }
            Change::AlterColumn { table, from, to } => {
                write!(f, "alter column {table}.{} to {}", col(from), col(to))
            }
            Change::SetPrimaryKey { table, to, .. } => match to {
                Some(k) => write!(f, "primary key of {table}: ({})", k.columns.join(", ")),
                None => write!(f, "drop primary key of {table}"),
            },
            Change::AddUnique { table, unique } => {
                write!(f, "add unique {table}({})", unique.columns.join(", "))
            }
            Change::DropUnique { table, unique } => {
                write!(f, "drop unique {table}({})", unique.columns.join(", "))
            }
            Change::AddForeignKey {
                table,
                foreign_key: k,
            } => write!(
                f,
                "add foreign key {table}({}) -> {}({})",
                k.columns.join(", "),
                k.table,
                k.references.join(", ")
            ),
            Change::DropForeignKey {
                table,
                foreign_key: k,
            } => write!(
                f,
                "drop foreign key {table}({}) -> {}",
                k.columns.join(", "),
                k.table
            ),
            Change::CreateIndex { table, index } => {
                write!(
                    f,
                    "create index {} on {table}({})",
                    index.name,
                    index.columns.join(", ")
                )
            }
            Change::DropIndex { table, index } => write!(f, "drop index {} on {table}", index.name),
        }
    }
}

/// A dropped table or column and an added one that may be the same thing renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// The table, when columns are meant.
    pub table: Option<String>,
    /// The name that went away.
    pub from: String,
    /// The name that appeared.
    pub to: String,
}

impl fmt::Display for Ambiguity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.table {
            Some(t) => write!(
                f,
                "column {t}.{} was removed and {t}.{} added: a rename? declare it with #[column(renamed_from = \"{}\")], or run interactively",
                self.from, self.to, self.from
            ),
            None => write!(
                f,
                "table {} was removed and {} added: a rename? declare it with #[table(renamed_from = \"{}\")], or run interactively",
                self.from, self.to, self.from
            ),
        }
    }
}

/// Who decides whether a removed and an added name are a rename.
pub trait Renames {
    /// `Some(true)`: a rename; `Some(false)`: a drop and an add; `None`: cannot tell (a
    /// non-interactive run), which fails the diff listing every such pair.
    fn is_rename(&mut self, ambiguity: &Ambiguity) -> Option<bool>;
}

/// Never guesses: every ambiguity fails the diff (`--yes`, CI, tests).
pub struct NoGuessing;

impl Renames for NoGuessing {
    fn is_rename(&mut self, _: &Ambiguity) -> Option<bool> {
        None
    }
}

/// What it takes to go from one snapshot to the next.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The changes, in no particular order (the SQL orders them).
    pub changes: Vec<Change>,
    /// What the changes would lose, one line each; empty when nothing.
    pub losses: Vec<String>,
    /// The new snapshot as the database will have it: constraint names it already had are
    /// kept (a renamed table keeps its constraints' names).
    pub snapshot: Snapshot,
}

impl Diff {
    /// Fails naming what would be lost, unless `allowed` or nothing would be.
    pub fn guard(&self, allowed: bool) -> Result<()> {
        if allowed || self.losses.is_empty() {
            return Ok(());
        }
        Err(Error::Migration {
            what: "the schema change".into(),
            reason: format!(
                "it would lose data:\n  - {}\nallow it explicitly (--allow-data-loss) if that is meant",
                self.losses.join("\n  - ")
            ),
        })
    }
}

/// Matches old names to new ones: by name, by `renamed_from`, then by asking.
fn pair<'a>(
    old: &[&'a str],
    new: &[(&'a str, Option<&'a str>)],
    table: Option<&str>,
    renames: &mut dyn Renames,
    ambiguous: &mut Vec<Ambiguity>,
) -> Vec<(Option<&'a str>, Option<&'a str>)> {
    let mut taken: Vec<bool> = old.iter().map(|_| false).collect();
    let mut matched: Vec<Option<usize>> = vec![None; new.len()];
    for (ni, (name, _)) in new.iter().enumerate() {
        if let Some(oi) = old.iter().position(|o| o == name) {
            taken[oi] = true;
            matched[ni] = Some(oi);
        }
    }
    for (ni, (_, from)) in new.iter().enumerate() {
        if matched[ni].is_none()
            && let Some(from) = from
            && let Some(oi) = old.iter().position(|o| o == from)
            && !taken[oi]
        {
            taken[oi] = true;
            matched[ni] = Some(oi);
        }
    }
    for (ni, (name, _)) in new.iter().enumerate() {
        if matched[ni].is_some() {
            continue;
        }
        for oi in 0..old.len() {
            if taken[oi] {
                continue;
            }
            let question = Ambiguity {
                table: table.map(str::to_owned),
                from: old[oi].to_owned(),
                to: (*name).to_owned(),
            };
            match renames.is_rename(&question) {
                Some(true) => {
                    taken[oi] = true;
                    matched[ni] = Some(oi);
                    break;
                }
                Some(false) => {}
                None => ambiguous.push(question),
            }
        }
    }
    let mut out: Vec<(Option<&str>, Option<&str>)> = new
        .iter()
        .zip(&matched)
        .map(|((n, _), m)| (m.map(|oi| old[oi]), Some(*n)))
        .collect();
    out.extend(
        old.iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(o, _)| (Some(*o), None)),
    );
    out
}

/// Types a column can change between without losing a value.
fn widens(from: SqlType, to: SqlType) -> bool {
    use SqlType::*;
    from == to
        || matches!(
            (from, to),
            (SmallInt, Int) | (SmallInt, BigInt) | (Int, BigInt) | (Real, Double)
        )
}

/// The changes from `old` to `new` for `dialect` (whose types decide whether a column's type
/// changed: MySQL's keyed text is `VARCHAR(255)`, elsewhere `TEXT`).
pub fn diff(
    old: &Snapshot,
    new: &Snapshot,
    dialect: &dyn Dialect,
    renames: &mut dyn Renames,
) -> Result<Diff> {
    let mut ambiguous = Vec::new();
    let old_names: Vec<&str> = old.tables.iter().map(|t| t.name.as_str()).collect();
    let new_names: Vec<(&str, Option<&str>)> = new
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.renamed_from.as_deref()))
        .collect();
    let tables = pair(&old_names, &new_names, None, renames, &mut ambiguous);

    let mut changes = Vec::new();
    let mut losses = Vec::new();
    let mut snapshot = new.clone();
    // Old table name → (new table name, old column → new column).
    let mut maps: HashMap<&str, (&str, HashMap<&str, &str>)> = HashMap::new();
    let mut matched_tables = Vec::new();
    for (o, n) in &tables {
        match (o, n) {
            (Some(o), Some(n)) => {
                let (ot, nt) = (old.table(o), new.table(n));
                let (Some(ot), Some(nt)) = (ot, nt) else {
                    continue;
                };
                if o != n {
                    changes.push(Change::RenameTable {
                        from: (*o).into(),
                        to: (*n).into(),
                    });
                }
                let oc: Vec<&str> = ot.columns.iter().map(|c| c.name.as_str()).collect();
                let nc: Vec<(&str, Option<&str>)> = nt
                    .columns
                    .iter()
                    .map(|c| (c.name.as_str(), c.renamed_from.as_deref()))
                    .collect();
                let columns = pair(&oc, &nc, Some(n), renames, &mut ambiguous);
                let mut map = HashMap::new();
                for (a, b) in &columns {
                    match (a, b) {
                        (Some(a), Some(b)) => {
                            map.insert(*a, *b);
                            if a != b {
                                changes.push(Change::RenameColumn {
                                    table: (*n).into(),
                                    from: (*a).into(),
                                    to: (*b).into(),
                                });
                            }
                        }
                        (None, Some(b)) => {
                            if let Some(c) = nt.column(b) {
                                if !c.nullable && c.default.is_none() && !c.auto {
                                    losses.push(format!(
                                        "column {n}.{b} is added NOT NULL without a default: a table holding rows cannot take it (give it a default or make it an Option)"
                                    ));
                                }
                                changes.push(Change::AddColumn {
                                    table: (*n).into(),
                                    column: c.clone(),
                                });
                            }
                        }
                        (Some(a), None) => {
                            losses.push(format!("column {n}.{a} and every value in it"));
                            changes.push(Change::DropColumn {
                                table: (*n).into(),
                                column: (*a).into(),
                            });
                        }
                        (None, None) => {}
                    }
                }
                maps.insert(o, (n, map));
                matched_tables.push((ot, nt));
            }
            (None, Some(n)) => {
                if let Some(t) = new.table(n) {
                    changes.push(Change::CreateTable(t.clone()));
                }
            }
            (Some(o), None) => {
                losses.push(format!("table {o} and every row in it"));
                changes.push(Change::DropTable((*o).into()));
            }
            (None, None) => {}
        }
    }
    if !ambiguous.is_empty() {
        let list: Vec<String> = ambiguous.iter().map(|a| format!("  - {a}")).collect();
        return Err(Error::Migration {
            what: "the schema change".into(),
            reason: format!(
                "cannot tell renames from drops without asking:\n{}",
                list.join("\n")
            ),
        });
    }

    let column_in = |table: &str, column: &str| -> String {
        maps.get(table)
            .and_then(|(_, m)| m.get(column))
            .map_or_else(|| column.to_owned(), |c| (*c).to_owned())
    };
    let table_in = |table: &str| -> String {
        maps.get(table)
            .map_or_else(|| table.to_owned(), |(n, _)| (*n).to_owned())
    };
    let key_in = |table: &str, k: &KeySnapshot| KeySnapshot {
        name: k.name.clone(),
        columns: k.columns.iter().map(|c| column_in(table, c)).collect(),
    };

    for (ot, nt) in matched_tables {
        let n = nt.name.as_str();
        let Some(out) = snapshot.tables.iter_mut().find(|t| t.name == n) else {
            continue;
        };
        // Columns.
        for nc in &nt.columns {
            let Some(oc) = ot
                .columns
                .iter()
                .find(|oc| column_in(&ot.name, &oc.name) == nc.name)
            else {
                continue;
            };
            let same_type = dialect.column_type(oc.sql_type, oc.keyed)
                == dialect.column_type(nc.sql_type, nc.keyed);
            if same_type
                && oc.nullable == nc.nullable
                && oc.default == nc.default
                && oc.auto == nc.auto
            {
                continue;
            }
            let mut from = oc.clone();
            from.name = nc.name.clone();
            if !same_type && !(widens(oc.sql_type, nc.sql_type) && (!nc.keyed || oc.keyed)) {
                use super::snapshot::sql_type::name;
                losses.push(format!(
                    "column {n}.{}: its type changes from {} to {}, which may not hold every value",
                    nc.name,
                    name(oc.sql_type),
                    name(nc.sql_type)
                ));
            }
            if oc.nullable && !nc.nullable {
                losses.push(format!(
                    "column {n}.{} becomes NOT NULL: rows holding NULL in it make the migration fail",
                    nc.name
                ));
            }
            changes.push(Change::AlterColumn {
                table: n.into(),
                from,
                to: nc.clone(),
            });
        }
        // Primary key.
        let old_pk = ot.primary_key.as_ref().map(|k| key_in(&ot.name, k));
        match (&old_pk, &nt.primary_key) {
            (Some(a), Some(b)) if a.columns == b.columns => {
                out.primary_key = Some(a.clone());
            }
            (None, None) => {}
            _ => changes.push(Change::SetPrimaryKey {
                table: n.into(),
                from: old_pk.clone(),
                to: nt.primary_key.clone(),
            }),
        }
        // Unique constraints and indexes: the same columns are the same constraint, under the
        // name the database has.
        let keys = |old: &[KeySnapshot], new: &[KeySnapshot], out: &mut Vec<KeySnapshot>| {
            let old: Vec<KeySnapshot> = old.iter().map(|k| key_in(&ot.name, k)).collect();
            let mut added = Vec::new();
            let mut kept = vec![false; old.len()];
            for (i, k) in new.iter().enumerate() {
                match old.iter().position(|o| o.columns == k.columns) {
                    Some(j) => {
                        kept[j] = true;
                        out[i].name = old[j].name.clone();
                    }
                    None => added.push(k.clone()),
                }
            }
            let dropped: Vec<KeySnapshot> = old
                .into_iter()
                .zip(kept)
                .filter(|(_, k)| !k)
                .map(|(o, _)| o)
                .collect();
            (added, dropped)
        };
        let (added, dropped) = keys(&ot.uniques, &nt.uniques, &mut out.uniques);
        changes.extend(added.into_iter().map(|unique| Change::AddUnique {
            table: n.into(),
            unique,
        }));
        changes.extend(dropped.into_iter().map(|unique| Change::DropUnique {
            table: n.into(),
            unique,
        }));
        let (added, dropped) = keys(&ot.indexes, &nt.indexes, &mut out.indexes);
        changes.extend(added.into_iter().map(|index| Change::CreateIndex {
            table: n.into(),
            index,
        }));
        changes.extend(dropped.into_iter().map(|index| Change::DropIndex {
            table: n.into(),
            index,
        }));
        // Foreign keys.
        let old_fks: Vec<ForeignKeySnapshot> = ot
            .foreign_keys
            .iter()
            .map(|k| ForeignKeySnapshot {
                name: k.name.clone(),
                columns: k.columns.iter().map(|c| column_in(&ot.name, c)).collect(),
                table: table_in(&k.table),
                references: k
                    .references
                    .iter()
                    .map(|c| column_in(&k.table, c))
                    .collect(),
                on_delete: k.on_delete.clone(),
            })
            .collect();
        let mut kept = vec![false; old_fks.len()];
        for (i, k) in nt.foreign_keys.iter().enumerate() {
            let same = old_fks.iter().position(|o| {
                o.columns == k.columns
                    && o.table == k.table
                    && o.references == k.references
                    && o.on_delete == k.on_delete
            });
            match same {
                Some(j) => {
                    kept[j] = true;
                    out.foreign_keys[i].name = old_fks[j].name.clone();
                }
                None => changes.push(Change::AddForeignKey {
                    table: n.into(),
                    foreign_key: k.clone(),
                }),
            }
        }
        for (k, kept) in old_fks.into_iter().zip(kept) {
            if !kept {
                changes.push(Change::DropForeignKey {
                    table: n.into(),
                    foreign_key: k,
                });
            }
        }
    }
    Ok(Diff {
        changes,
        losses,
        snapshot,
    })
}

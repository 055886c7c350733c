//! Reading a live database's schema back as a [`Snapshot`] — the structure `generate` diffs —
//! so `check` can compare a database with the models and `pull` can write models from it.
//!
//! - PostgreSQL: `information_schema.columns` and `pg_catalog` (`pg_constraint`, `pg_index`)
//!   for the connection's `current_schema()`.
//! - MySQL/MariaDB: `information_schema` for `DATABASE()` (MariaDB's JSON is `LONGTEXT` with
//!   a `json_valid` check, read from `CHECK_CONSTRAINTS`).
//! - SQLite: `sqlite_master` and the pragmas `table_info`, `index_list`, `index_info` and
//!   `foreign_key_list`.
//!
//! weft's own tables (the migration record, push's snapshot) are left out.
//!
//! A database does not keep everything a model says: SQLite stores `i32` and `i64` alike as
//! `INTEGER`, MySQL calls every primary key `PRIMARY`, a database rewrites an expression
//! default its own way. [`canonical`] brings a snapshot to what the database can tell, and
//! [`drift`] compares a model's snapshot with a live one on that footing.

mod catalog;

use super::diff::{Ambiguity, Change, Renames, diff};
use super::push::PUSH_TABLE;
use super::snapshot::{
    ColumnSnapshot, Default, ForeignKeySnapshot, KeySnapshot, MIGRATIONS_TABLE, SNAPSHOT_VERSION,
    Snapshot, TableSnapshot,
};
use super::sql::REBUILD_PREFIX;
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::exec::Db;
use crate::value::SqlType;

/// A column as the database describes it, before its table's keys are known.
struct RawColumn {
    table: String,
    name: String,
    /// The declared type, lower case (`integer`, `varchar(255)`, `timestamp with time zone`).
    ty: String,
    nullable: bool,
    default: Option<String>,
    auto: bool,
}

/// One column of a key, an index or a foreign key, as the catalog lists them.
struct RawKey {
    table: String,
    name: String,
    /// `p` primary key, `u` unique, `i` index, `f` foreign key.
    kind: char,
    column: String,
    ref_table: String,
    ref_column: String,
    on_delete: Option<String>,
}

fn is_weft_table(name: &str) -> bool {
    name == MIGRATIONS_TABLE || name == PUSH_TABLE || name.starts_with(REBUILD_PREFIX)
}

impl Db {
    /// The schema of the live database (the connection's schema on PostgreSQL, its database
    /// on the MySQL family) as a [`Snapshot`]: tables, columns (type, nullability, default,
    /// generation), primary keys, unique constraints, indexes and foreign keys. weft's own
    /// tables are left out. See [`canonical`] for what a database cannot tell back.
    pub async fn introspect(&self) -> Result<Snapshot> {
        let mut s = self.session().await?;
        let (columns, keys, json) = match self.backend() {
            Backend::Postgres => catalog::postgres(&mut s).await?,
            Backend::MySql => catalog::mysql(&mut s, self.dialect().name() == "MariaDB").await?,
            Backend::Sqlite => catalog::sqlite(&mut s).await?,
        };
        Ok(assemble(columns, keys, &json, self.dialect()))
    }
}

type Catalog = (Vec<RawColumn>, Vec<RawKey>, Vec<(String, String)>);

/// `CASCADE`, `SET NULL`, … as the snapshot spells them; `NO ACTION` (every database's
/// default) as none.
fn action_named(rule: &str) -> Option<String> {
    match rule.to_ascii_uppercase().as_str() {
        "CASCADE" => Some("cascade".into()),
        "SET NULL" => Some("set_null".into()),
        "RESTRICT" => Some("restrict".into()),
        _ => None,
    }
}

/// `` `name` `` or `"name"` without its quotes.
fn unquote_ident(s: &str) -> String {
    for q in ['`', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.replace(&format!("{q}{q}"), &q.to_string());
        }
    }
    s.to_owned()
}

/// The type family of a column the database declares as `ty` (lower case) on `backend`.
pub(crate) fn type_named(ty: &str, backend: Backend) -> SqlType {
    use SqlType::*;
    let base = ty.split('(').next().unwrap_or(ty).trim();
    match backend {
        Backend::Postgres => match base {
            "boolean" => Bool,
            "smallint" => SmallInt,
            "integer" => Int,
            "bigint" => BigInt,
            "real" => Real,
            "double precision" => Double,
            "bytea" => Blob,
            "timestamp with time zone" | "timestamptz" => Timestamp,
            "timestamp without time zone" | "timestamp" => LocalTimestamp,
            "date" => Date,
            "time without time zone" | "time" => Time,
            "uuid" => Uuid,
            "numeric" => Decimal,
            "json" | "jsonb" => Json,
            _ => Text,
        },
        Backend::MySql => match base {
            "tinyint" if ty.starts_with("tinyint(1)") => Bool,
            "boolean" | "bool" => Bool,
            "tinyint" | "smallint" => SmallInt,
            "mediumint" | "int" | "integer" => Int,
            "bigint" => BigInt,
            "float" => Real,
            "double" => Double,
            "binary" if ty.starts_with("binary(16)") => Uuid,
            "binary" | "varbinary" | "blob" | "tinyblob" | "mediumblob" | "longblob" => Blob,
            "datetime" | "timestamp" => Timestamp,
            "date" => Date,
            "time" => Time,
            "decimal" | "numeric" => Decimal,
            "json" => Json,
            _ => Text,
        },
        // SQLite's affinity rules, with the names weft declares read exactly.
        Backend::Sqlite => match base {
            "boolean" => Bool,
            "smallint" => SmallInt,
            "integer" | "bigint" | "int" => BigInt,
            "real" | "double" | "double precision" | "float" => Double,
            "blob" | "" => Blob,
            _ if base.contains("int") => BigInt,
            _ if base.contains("char") || base.contains("clob") || base.contains("text") => Text,
            _ if base.contains("real") || base.contains("floa") || base.contains("doub") => Double,
            _ => Text,
        },
    }
}

/// Reads a default as the catalog prints it: a literal of the column's type, `now()` or a
/// generated UUID as weft writes them, anything else an expression (`sql("…")`).
fn default_named(text: &str, ty: SqlType, backend: Backend) -> Default {
    let mut t = text.trim();
    // PostgreSQL: `'member'::text`, `'-1.5'::double precision`.
    if backend == Backend::Postgres
        && let Some(i) = t.rfind("::")
        && t[i + 2..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_' || c == '"')
    {
        t = t[..i].trim();
    }
    let literal = t.starts_with('\'') && t.ends_with('\'') && t.len() >= 2;
    let inner: String = if literal {
        let body = &t[1..t.len() - 1];
        let body = body.replace("''", "'");
        if backend == Backend::MySql {
            body.replace("\\\\", "\\")
        } else {
            body
        }
    } else {
        t.to_owned()
    };
    let bare = if literal { inner.as_str() } else { t };
    match ty {
        SqlType::Bool => match bare.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => return Default::Bool(true),
            "false" | "0" | "f" => return Default::Bool(false),
            _ => {}
        },
        SqlType::SmallInt | SqlType::Int | SqlType::BigInt => {
            if let Ok(i) = bare.parse::<i64>() {
                return Default::Int(i);
            }
        }
        SqlType::Real | SqlType::Double => {
            if let Ok(f) = bare.parse::<f64>() {
                return Default::Float(f);
            }
        }
        _ => {}
    }
    if literal {
        return Default::Text(inner);
    }
    let lower: String = t
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if lower.contains("statement_timestamp()")
        || lower.contains("utc_timestamp")
        || lower.contains("strftime('%y-%m-%dt%h:%m:%f+00:00','now')")
    {
        return Default::Now;
    }
    if lower.contains("gen_random_uuid()")
        || lower.contains("uuid()")
        || lower.contains("randomblob(")
    {
        return Default::Uuid;
    }
    let mut expr = t;
    while let Some(inner) = expr.strip_prefix('(').and_then(|e| e.strip_suffix(')')) {
        expr = inner.trim();
    }
    Default::Sql(expr.to_owned())
}

fn assemble(
    columns: Vec<RawColumn>,
    keys: Vec<RawKey>,
    json: &[(String, String)],
    dialect: &dyn Dialect,
) -> Snapshot {
    let backend = dialect.backend();
    let mut tables: Vec<TableSnapshot> = Vec::new();
    for c in columns {
        if is_weft_table(&c.table) {
            continue;
        }
        let is_json = json.iter().any(|(t, col)| *t == c.table && *col == c.name);
        let sql_type = if is_json {
            SqlType::Json
        } else {
            type_named(&c.ty, backend)
        };
        let column = ColumnSnapshot {
            name: c.name,
            sql_type,
            nullable: c.nullable,
            auto: c.auto,
            keyed: false,
            default: if c.auto {
                None
            } else {
                c.default.map(|d| default_named(&d, sql_type, backend))
            },
            renamed_from: None,
        };
        match tables.iter_mut().find(|t| t.name == c.table) {
            Some(t) => t.columns.push(column),
            None => tables.push(TableSnapshot {
                name: c.table,
                columns: vec![column],
                primary_key: None,
                uniques: Vec::new(),
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
                renamed_from: None,
            }),
        }
    }
    for k in keys {
        let Some(t) = tables.iter_mut().find(|t| t.name == k.table) else {
            continue;
        };
        match k.kind {
            'p' => {
                let pk = t.primary_key.get_or_insert_with(|| KeySnapshot {
                    name: if backend == Backend::MySql {
                        format!("{}_pkey", k.table)
                    } else {
                        k.name.clone()
                    },
                    columns: Vec::new(),
                });
                pk.columns.push(k.column);
            }
            'u' | 'i' => {
                let list = if k.kind == 'u' {
                    &mut t.uniques
                } else {
                    &mut t.indexes
                };
                match list.iter_mut().find(|u| u.name == k.name) {
                    Some(u) => u.columns.push(k.column),
                    None => list.push(KeySnapshot {
                        name: k.name,
                        columns: vec![k.column],
                    }),
                }
            }
            'f' => match t.foreign_keys.iter_mut().find(|f| f.name == k.name) {
                Some(f) => {
                    f.columns.push(k.column);
                    f.references.push(k.ref_column);
                }
                None => t.foreign_keys.push(ForeignKeySnapshot {
                    name: k.name,
                    columns: vec![k.column],
                    table: k.ref_table,
                    references: vec![k.ref_column],
                    on_delete: k.on_delete,
                }),
            },
            _ => {}
        }
    }
    for t in &mut tables {
        mark_keyed(t);
        // A primary key's columns are NOT NULL whatever the catalog says (SQLite's rowid key).
        if let Some(pk) = &t.primary_key {
            for c in &mut t.columns {
                if pk.columns.contains(&c.name) {
                    c.nullable = false;
                }
            }
        }
    }
    Snapshot {
        version: SNAPSHOT_VERSION,
        tables,
    }
}

/// Sets `keyed` on the columns in a key, unique constraint, index or foreign key.
fn mark_keyed(t: &mut TableSnapshot) {
    let mut keyed: Vec<String> = Vec::new();
    keyed.extend(t.primary_key.iter().flat_map(|k| k.columns.clone()));
    keyed.extend(t.uniques.iter().flat_map(|k| k.columns.clone()));
    keyed.extend(t.indexes.iter().flat_map(|k| k.columns.clone()));
    keyed.extend(t.foreign_keys.iter().flat_map(|k| k.columns.clone()));
    for c in &mut t.columns {
        c.keyed = keyed.contains(&c.name);
    }
}

/// `snapshot` as far as a `dialect` database can tell it back: each column's type as the
/// type its SQL spelling reads as (SQLite's `INTEGER` is `i64`), `keyed` from the table's
/// keys, literal defaults of the column's type, `no_action` (and on the MySQL family
/// `restrict`, the same there) as no action; the names of primary keys, unique constraints
/// and foreign keys left out (MySQL calls every primary key `PRIMARY`, SQLite keeps no names);
/// tables by name and keys by columns; no `renamed_from`.
pub fn canonical(snapshot: &Snapshot, dialect: &dyn Dialect) -> Snapshot {
    let backend = dialect.backend();
    let mut out = snapshot.clone();
    for t in &mut out.tables {
        t.renamed_from = None;
        mark_keyed(t);
        for c in &mut t.columns {
            c.renamed_from = None;
            let spelled = dialect
                .column_type(c.sql_type, c.keyed)
                .to_ascii_lowercase();
            c.sql_type = type_named(&spelled, backend);
            c.default = match c.default.take() {
                Some(Default::Int(i)) if matches!(c.sql_type, SqlType::Real | SqlType::Double) => {
                    Some(Default::Float(i as f64))
                }
                Some(Default::Int(i)) if c.sql_type == SqlType::Bool && (i == 0 || i == 1) => {
                    Some(Default::Bool(i == 1))
                }
                other => other,
            };
        }
        if let Some(k) = &mut t.primary_key {
            k.name.clear();
        }
        for k in &mut t.uniques {
            k.name.clear();
        }
        for k in &mut t.foreign_keys {
            k.name.clear();
            let same_as_none = k.on_delete.as_deref() == Some("no_action")
                || (backend == Backend::MySql && k.on_delete.as_deref() == Some("restrict"));
            if same_as_none {
                k.on_delete = None;
            }
        }
        t.uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        t.indexes.sort_by(|a, b| a.columns.cmp(&b.columns));
        t.foreign_keys
            .sort_by(|a, b| (&a.columns, &a.table).cmp(&(&b.columns, &b.table)));
    }
    out.tables.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn is_expression(d: &Option<Default>) -> bool {
    matches!(d, Some(Default::Now | Default::Uuid | Default::Sql(_)))
}

/// Never a rename: a table or column missing on one side is missing.
struct NeverRenamed;

impl Renames for NeverRenamed {
    fn is_rename(&mut self, _: &Ambiguity) -> Option<bool> {
        Some(false)
    }
}

/// What it would take to bring the `live` database (from [`Db::introspect`]) to `expected`
/// (a schema's snapshot), compared as [`canonical`] says. Two expression defaults are the
/// same when either is `sql("…")` (a database rewrites an expression its own way); `now()`
/// and `uuid()` are recognised. Empty: no drift.
pub fn drift(expected: &Snapshot, live: &Snapshot, dialect: &dyn Dialect) -> Result<Vec<Change>> {
    let expected = canonical(expected, dialect);
    let mut live = canonical(live, dialect);
    for t in &mut live.tables {
        let Some(e) = expected.table(&t.name) else {
            continue;
        };
        for c in &mut t.columns {
            let Some(ec) = e.column(&c.name) else {
                continue;
            };
            let loosely_same = is_expression(&c.default)
                && is_expression(&ec.default)
                && (matches!(c.default, Some(Default::Sql(_)))
                    || matches!(ec.default, Some(Default::Sql(_))));
            if loosely_same {
                c.default = ec.default.clone();
            }
        }
    }
    Ok(diff(&live, &expected, dialect, &mut NeverRenamed)?.changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_back() {
        let pg = Backend::Postgres;
        assert_eq!(
            default_named("'member'::text", SqlType::Text, pg),
            Default::Text("member".into())
        );
        assert_eq!(
            default_named("'-1.5'::double precision", SqlType::Double, pg),
            Default::Float(-1.5)
        );
        assert_eq!(
            default_named("'it''s'::text", SqlType::Text, pg),
            Default::Text("it's".into())
        );
        assert_eq!(
            default_named("true", SqlType::Bool, pg),
            Default::Bool(true)
        );
        assert_eq!(
            default_named("1", SqlType::Bool, Backend::MySql),
            Default::Bool(true)
        );
        assert_eq!(
            default_named("statement_timestamp()", SqlType::Timestamp, pg),
            Default::Now
        );
        assert_eq!(
            default_named("(lower('X'))", SqlType::Text, Backend::Sqlite),
            Default::Sql("lower('X')".into())
        );
    }

    #[test]
    fn types_read_back() {
        assert_eq!(type_named("tinyint(1)", Backend::MySql), SqlType::Bool);
        assert_eq!(type_named("varchar(255)", Backend::MySql), SqlType::Text);
        assert_eq!(type_named("binary(16)", Backend::MySql), SqlType::Uuid);
        assert_eq!(type_named("integer", Backend::Sqlite), SqlType::BigInt);
        assert_eq!(
            type_named("timestamp with time zone", Backend::Postgres),
            SqlType::Timestamp
        );
    }
}

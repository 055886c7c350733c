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

use std::collections::HashMap;

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
use crate::exec::{Db, Session};
use crate::query::raw;
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
            Backend::Postgres => postgres(&mut s).await?,
            Backend::MySql => mysql(&mut s, self.dialect().name() == "MariaDB").await?,
            Backend::Sqlite => sqlite(&mut s).await?,
        };
        Ok(assemble(columns, keys, &json, self.dialect()))
    }
}

type Catalog = (Vec<RawColumn>, Vec<RawKey>, Vec<(String, String)>);

async fn postgres(s: &mut Session) -> Result<Catalog> {
    let rows: Vec<(String, String, String, String, Option<String>, String)> = raw(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text, \
         c.column_default::text, c.is_identity::text \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut *s)
    .await?;
    let columns = rows
        .into_iter()
        .map(|(table, name, ty, nullable, default, identity)| RawColumn {
            table,
            name,
            ty: ty.to_ascii_lowercase(),
            nullable: nullable == "YES",
            default,
            auto: identity == "YES",
        })
        .collect();
    let rows: Vec<(String, String, String, String, String, String, String)> = raw(
        "SELECT t.relname::text, c.conname::text, c.contype::text, a.attname::text, \
         coalesce(rt.relname::text, ''), coalesce(ra.attname::text, ''), c.confdeltype::text \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, i) \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
         LEFT JOIN pg_class rt ON rt.oid = c.confrelid \
         LEFT JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[k.i::int] \
         WHERE n.nspname = current_schema() AND c.contype IN ('p', 'u', 'f') \
         ORDER BY t.relname, c.conname, k.i",
    )
    .fetch_all(&mut *s)
    .await?;
    let mut keys: Vec<RawKey> = rows
        .into_iter()
        .map(
            |(table, name, kind, column, ref_table, ref_column, action)| RawKey {
                table,
                name,
                kind: kind.chars().next().unwrap_or('?'),
                column,
                ref_table,
                ref_column,
                on_delete: match action.as_str() {
                    "c" => Some("cascade".into()),
                    "n" => Some("set_null".into()),
                    "r" => Some("restrict".into()),
                    _ => None,
                },
            },
        )
        .collect();
    let rows: Vec<(String, String, bool, String)> = raw(
        "SELECT t.relname::text, i.relname::text, x.indisunique, a.attname::text \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, i) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
           WHERE c.conindid = x.indexrelid AND c.conrelid = t.oid AND c.contype IN ('p', 'u')) \
         ORDER BY t.relname, i.relname, k.i",
    )
    .fetch_all(&mut *s)
    .await?;
    keys.extend(
        rows.into_iter()
            .map(|(table, name, unique, column)| RawKey {
                table,
                name,
                kind: if unique { 'u' } else { 'i' },
                column,
                ref_table: String::new(),
                ref_column: String::new(),
                on_delete: None,
            }),
    );
    Ok((columns, keys, Vec::new()))
}

async fn mysql(s: &mut Session, mariadb: bool) -> Result<Catalog> {
    let rows: Vec<(String, String, String, String, Option<String>, String)> = raw(
        "SELECT CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), CAST(c.COLUMN_TYPE AS CHAR), \
         CAST(c.IS_NULLABLE AS CHAR), CAST(c.COLUMN_DEFAULT AS CHAR), CAST(c.EXTRA AS CHAR) \
         FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
         ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
         WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' \
         ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
    )
    .fetch_all(&mut *s)
    .await?;
    let columns = rows
        .into_iter()
        .map(|(table, name, ty, nullable, default, extra)| {
            let extra = extra.to_ascii_lowercase();
            RawColumn {
                table,
                name,
                ty: ty.to_ascii_lowercase(),
                nullable: nullable == "YES",
                // MariaDB reports "no default" of a nullable column as the text NULL.
                default: default.filter(|d| d != "NULL"),
                auto: extra.contains("auto_increment"),
            }
        })
        .collect();
    let rows: Vec<(String, String, String, String, i64)> = raw(
        "SELECT CAST(s.TABLE_NAME AS CHAR), CAST(s.INDEX_NAME AS CHAR), \
         CAST(COALESCE(tc.CONSTRAINT_TYPE, '') AS CHAR), CAST(s.COLUMN_NAME AS CHAR), \
         CAST(s.NON_UNIQUE AS SIGNED) \
         FROM information_schema.STATISTICS s LEFT JOIN information_schema.TABLE_CONSTRAINTS tc \
         ON tc.TABLE_SCHEMA = s.TABLE_SCHEMA AND tc.TABLE_NAME = s.TABLE_NAME \
         AND tc.CONSTRAINT_NAME = s.INDEX_NAME AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE') \
         WHERE s.TABLE_SCHEMA = DATABASE() ORDER BY s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX",
    )
    .fetch_all(&mut *s)
    .await?;
    let mut keys: Vec<RawKey> = rows
        .into_iter()
        .map(|(table, name, constraint, column, non_unique)| RawKey {
            kind: if name == "PRIMARY" {
                'p'
            } else if non_unique == 0 || constraint == "UNIQUE" {
                'u'
            } else {
                'i'
            },
            table,
            name,
            column,
            ref_table: String::new(),
            ref_column: String::new(),
            on_delete: None,
        })
        .collect();
    let rows: Vec<(String, String, String, String, String, String)> = raw(
        "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.COLUMN_NAME AS CHAR), \
         CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR), \
         CAST(r.DELETE_RULE AS CHAR) \
         FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
         AND r.TABLE_NAME = k.TABLE_NAME \
         WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
    )
    .fetch_all(&mut *s)
    .await?;
    let fks: Vec<RawKey> = rows
        .into_iter()
        .map(
            |(table, name, column, ref_table, ref_column, rule)| RawKey {
                table,
                name,
                kind: 'f',
                column,
                ref_table,
                ref_column,
                // InnoDB's RESTRICT is its NO ACTION, and what it reports for a key declared
                // without an action.
                on_delete: action_named(&rule).filter(|a| a != "restrict"),
            },
        )
        .collect();
    // The index InnoDB creates for a foreign key (named after the constraint, or after its
    // column when the constraint had no name) is the foreign key's, not the model's.
    keys.retain(|k| {
        k.kind != 'i'
            || !fks
                .iter()
                .any(|f| f.table == k.table && (f.name == k.name || f.column == k.name))
    });
    keys.extend(fks);
    let json = if mariadb {
        let rows: Vec<(String, String)> = raw(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
             FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()",
        )
        .fetch_all(&mut *s)
        .await?;
        rows.into_iter()
            .filter_map(|(table, clause)| {
                let inner = clause
                    .trim()
                    .strip_prefix("json_valid(")?
                    .strip_suffix(')')?;
                Some((table, unquote_ident(inner.trim())))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok((columns, keys, json))
}

async fn sqlite(s: &mut Session) -> Result<Catalog> {
    let tables: Vec<(String, String)> = raw(
        "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut *s)
    .await?;
    let mut columns = Vec::new();
    let mut keys = Vec::new();
    for (table, sql) in tables {
        if is_weft_table(&table) {
            continue;
        }
        let info: Vec<(String, String, i64, Option<String>, i64)> = raw(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind(table.clone())
        .fetch_all(&mut *s)
        .await?;
        let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (name, ty, notnull, default, in_pk) in &info {
            if *in_pk > 0 {
                pk.push((*in_pk, name.clone()));
            }
            let ty = ty.to_ascii_lowercase();
            columns.push(RawColumn {
                table: table.clone(),
                name: name.clone(),
                auto: autoincrement && *in_pk > 0 && ty == "integer",
                ty,
                nullable: *notnull == 0,
                default: default.clone(),
            });
        }
        pk.sort();
        if pk.len() > 1 {
            for c in columns.iter_mut().filter(|c| c.table == table) {
                c.auto = false;
            }
        }
        keys.extend(pk.into_iter().map(|(_, column)| RawKey {
            table: table.clone(),
            name: format!("{table}_pkey"),
            kind: 'p',
            column,
            ref_table: String::new(),
            ref_column: String::new(),
            on_delete: None,
        }));
        let indexes: Vec<(String, i64, String)> =
            raw("SELECT name, \"unique\", origin FROM pragma_index_list(?) ORDER BY seq")
                .bind(table.clone())
                .fetch_all(&mut *s)
                .await?;
        for (index, unique, origin) in indexes {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<String> = raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                .bind(index.clone())
                .fetch_all(&mut *s)
                .await?;
            let name = if origin == "u" {
                format!("{table}_{}_key", cols.join("_"))
            } else {
                index
            };
            keys.extend(cols.into_iter().map(|column| RawKey {
                table: table.clone(),
                name: name.clone(),
                kind: if unique != 0 { 'u' } else { 'i' },
                column,
                ref_table: String::new(),
                ref_column: String::new(),
                on_delete: None,
            }));
        }
        let fks: Vec<(i64, String, String, Option<String>, String)> = raw(
            "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind(table.clone())
        .fetch_all(&mut *s)
        .await?;
        let mut names: HashMap<i64, String> = HashMap::new();
        for (id, _, from, _, _) in &fks {
            names
                .entry(*id)
                .and_modify(|n| {
                    n.truncate(n.len() - "_fkey".len());
                    n.push('_');
                    n.push_str(from);
                    n.push_str("_fkey");
                })
                .or_insert_with(|| format!("{table}_{from}_fkey"));
        }
        for (id, ref_table, from, to, rule) in fks {
            // `REFERENCES t` without columns means t's primary key; weft always names them.
            keys.push(RawKey {
                table: table.clone(),
                name: names.get(&id).cloned().unwrap_or_default(),
                kind: 'f',
                column: from,
                ref_table,
                ref_column: to.unwrap_or_default(),
                on_delete: action_named(&rule),
            });
        }
    }
    Ok((columns, keys, Vec::new()))
}

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

//! The catalog readers, one per backend: each lists a database's columns and the columns of
//! its keys, indexes and foreign keys as the catalog spells them, for
//! [`assemble`](super::assemble) to build a snapshot from.

use std::collections::HashMap;

use super::{Catalog, RawColumn, RawKey, action_named, is_weft_table, unquote_ident};
use crate::error::Result;
use crate::exec::Session;
use crate::query::raw;

pub(super) async fn postgres(s: &mut Session) -> Result<Catalog> {
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

pub(super) async fn mysql(s: &mut Session, mariadb: bool) -> Result<Catalog> {
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

pub(super) async fn sqlite(s: &mut Session) -> Result<Catalog> {
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

//! CREATE and DROP statements from table metadata. Serves tests, examples and quick starts;
//! migrations are a separate concern.

use std::fmt::Write;

use super::{ColumnMeta, DefaultValue, OnDelete, TableMeta};
use crate::backend::Backend;
use crate::value::SqlType;

/// Orders `tables` so that every table comes after the tables it references (references to
/// tables outside the set and to itself are ignored). Cycles keep their given order.
pub fn in_dependency_order<'a>(tables: &[&'a TableMeta]) -> Vec<&'a TableMeta> {
    let mut placed: Vec<&'a TableMeta> = Vec::with_capacity(tables.len());
    let mut pending: Vec<&'a TableMeta> = tables.to_vec();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|t| {
            let ready = t.columns.iter().filter_map(|c| c.references).all(|fk| {
                fk.table == t.name
                    || placed.iter().any(|p| p.name == fk.table)
                    || !tables.iter().any(|o| o.name == fk.table)
            });
            if ready {
                placed.push(t);
            }
            !ready
        });
        if pending.len() == before {
            // A cycle: place the rest as given (the backend reports what it cannot create).
            placed.append(&mut pending);
        }
    }
    placed
}

/// The statements that create `table` (the table, then its indexes).
///
/// On the MySQL family, text is declared with MariaDB's NO PAD binary collation
/// (`utf8mb4_nopad_bin`); [`Db::create_tables`](crate::Db::create_tables) spells MySQL 8's
/// (`utf8mb4_0900_bin`) when connected to MySQL proper.
pub fn create_table_sql(table: &TableMeta, backend: Backend) -> Vec<String> {
    create_table_sql_for(table, backend, false)
}

/// The text collation of weft's MySQL-family tables: binary (case- and accent-sensitive, like
/// SQLite and PostgreSQL) and NO PAD, so `'a'` and `'a '` are different values in `=`, `IN`,
/// joins and unique keys. The PAD SPACE binary collations (`utf8mb4_bin`, the usual default)
/// ignore trailing spaces in comparisons. MariaDB and MySQL 8 name it differently.
pub(crate) fn mysql_text_collation(mysql_proper: bool) -> &'static str {
    if mysql_proper {
        "utf8mb4_0900_bin"
    } else {
        "utf8mb4_nopad_bin"
    }
}

/// [`create_table_sql`] for MariaDB (`mysql_proper == false`) or MySQL proper.
pub(crate) fn create_table_sql_for(
    table: &TableMeta,
    backend: Backend,
    mysql_proper: bool,
) -> Vec<String> {
    let q = |s: &str| backend.quote_ident(s);
    let mut sql = String::new();
    let _ = write!(sql, "CREATE TABLE {} (", q(table.name));
    let single_auto_pk = table.primary_key.len() == 1 && table.columns[table.primary_key[0]].auto;
    for (i, col) in table.columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&q(col.name));
        sql.push(' ');
        column_definition(
            &mut sql,
            col,
            backend,
            mysql_proper,
            single_auto_pk && table.primary_key[0] == i,
        );
    }
    // SQLite spells a single auto key inline (`INTEGER PRIMARY KEY AUTOINCREMENT`).
    let inline_key = single_auto_pk && backend == Backend::Sqlite;
    if !table.primary_key.is_empty() && !inline_key {
        sql.push_str(", PRIMARY KEY (");
        push_column_list(&mut sql, table, table.primary_key, backend);
        sql.push(')');
    }
    for unique in table.uniques {
        sql.push_str(", UNIQUE (");
        push_column_list(&mut sql, table, unique.columns, backend);
        sql.push(')');
    }
    for col in table.columns {
        if let Some(fk) = col.references {
            let _ = write!(
                sql,
                ", FOREIGN KEY ({}) REFERENCES {} ({})",
                q(col.name),
                q(fk.table),
                q(fk.column)
            );
            if let Some(action) = fk.on_delete {
                sql.push_str(match action {
                    OnDelete::Cascade => " ON DELETE CASCADE",
                    OnDelete::SetNull => " ON DELETE SET NULL",
                    OnDelete::Restrict => " ON DELETE RESTRICT",
                    OnDelete::NoAction => " ON DELETE NO ACTION",
                });
            }
        }
    }
    sql.push(')');
    if backend == Backend::MySql {
        // utf8mb4 so every character (emoji included) is stored; the table's collation, not
        // the database's, so every text column of the table compares exactly.
        sql.push_str(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=");
        sql.push_str(mysql_text_collation(mysql_proper));
    }
    let mut out = vec![sql];
    for index in table.indexes {
        let mut stmt = format!("CREATE INDEX {} ON {} (", q(index.name), q(table.name));
        push_column_list(&mut stmt, table, index.columns, backend);
        stmt.push(')');
        out.push(stmt);
    }
    out
}

/// The statement that drops `table` if it exists.
pub fn drop_table_sql(table: &TableMeta, backend: Backend) -> String {
    format!("DROP TABLE IF EXISTS {}", backend.quote_ident(table.name))
}

fn push_column_list(sql: &mut String, table: &TableMeta, positions: &[usize], backend: Backend) {
    for (i, &p) in positions.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        backend.quote_ident_into(sql, table.columns[p].name);
    }
}

fn column_definition(
    sql: &mut String,
    col: &ColumnMeta,
    backend: Backend,
    mysql_proper: bool,
    auto_pk: bool,
) {
    if col.auto && auto_pk {
        sql.push_str(match backend {
            // Only this exact spelling makes the column an alias of the rowid.
            Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => match col.sql_type {
                SqlType::SmallInt => "SMALLINT GENERATED BY DEFAULT AS IDENTITY",
                SqlType::Int => "INTEGER GENERATED BY DEFAULT AS IDENTITY",
                _ => "BIGINT GENERATED BY DEFAULT AS IDENTITY",
            },
            Backend::MySql => match col.sql_type {
                SqlType::SmallInt => "SMALLINT NOT NULL AUTO_INCREMENT",
                SqlType::Int => "INT NOT NULL AUTO_INCREMENT",
                _ => "BIGINT NOT NULL AUTO_INCREMENT",
            },
        });
        return;
    }
    sql.push_str(type_name(col.sql_type, backend, col.keyed));
    if backend == Backend::MySql && !mysql_proper && col.sql_type == SqlType::Json {
        // MariaDB's JSON is LONGTEXT with its own collation (`utf8mb4_bin`), which a
        // JSON_ARRAY over it and the table's text columns would refuse to mix.
        sql.push_str(" COLLATE ");
        sql.push_str(mysql_text_collation(false));
    }
    if !col.nullable {
        sql.push_str(" NOT NULL");
    }
    if col.unique.is_some() {
        sql.push_str(" UNIQUE");
    }
    if let Some(default) = col.default {
        sql.push_str(" DEFAULT ");
        push_default(sql, default, backend);
    }
}

/// Appends a default as a SQL literal.
pub(crate) fn push_default(sql: &mut String, default: DefaultValue, backend: Backend) {
    match default {
        DefaultValue::Bool(b) => sql.push_str(if b { "TRUE" } else { "FALSE" }),
        DefaultValue::Int(i) => {
            let _ = write!(sql, "{i}");
        }
        DefaultValue::Float(f) => {
            let _ = write!(sql, "{f:?}");
        }
        DefaultValue::Text(s) => {
            if backend == Backend::MySql {
                // MariaDB accepts literal defaults on TEXT/JSON columns only as expressions.
                sql.push('(');
                backend.push_string_literal(sql, s);
                sql.push(')');
            } else {
                backend.push_string_literal(sql, s);
            }
        }
    }
}

/// The column type as each backend spells it.
pub(crate) fn type_name(ty: SqlType, backend: Backend, keyed: bool) -> &'static str {
    use Backend::*;
    use SqlType::*;
    match (ty, backend) {
        (Bool, _) => "BOOLEAN",
        (SmallInt, _) => "SMALLINT",
        (Int, MySql) => "INT",
        (Int, _) => "INTEGER",
        (BigInt, Sqlite) => "INTEGER",
        (BigInt, _) => "BIGINT",
        (Real, MySql) => "FLOAT",
        (Real, _) => "REAL",
        (Double, Sqlite) => "REAL",
        (Double, Postgres) => "DOUBLE PRECISION",
        (Double, MySql) => "DOUBLE",
        (Text, MySql) if keyed => "VARCHAR(255)",
        (Text, MySql) => "LONGTEXT",
        (Text, _) => "TEXT",
        (Blob, Postgres) => "BYTEA",
        (Blob, MySql) if keyed => "VARBINARY(255)",
        (Blob, MySql) => "LONGBLOB",
        (Blob, Sqlite) => "BLOB",
        (Timestamp, Sqlite) | (LocalTimestamp, Sqlite) | (Date, Sqlite) => "TEXT",
        (Timestamp, Postgres) => "TIMESTAMPTZ",
        (LocalTimestamp, Postgres) => "TIMESTAMP",
        (Timestamp, MySql) | (LocalTimestamp, MySql) => "DATETIME(6)",
        (Date, _) => "DATE",
        (Uuid, Sqlite) => "BLOB",
        (Uuid, Postgres) => "UUID",
        (Uuid, MySql) => "BINARY(16)",
        (Decimal, Sqlite) => "TEXT",
        (Decimal, Postgres) => "NUMERIC",
        (Decimal, MySql) => "DECIMAL(65,28)",
        (Json, Sqlite) => "TEXT",
        (Json, Postgres) => "JSONB",
        (Json, MySql) => "JSON",
    }
}

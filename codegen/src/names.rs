//! The names of a table's indexes and constraints, made here once so the metadata carries
//! them and nothing downstream invents them. Index names are the ones `CREATE INDEX` has
//! always spelled; constraint names follow PostgreSQL's convention for unnamed constraints.

use crate::model::Table;

/// `{table}_pkey`.
pub fn primary_key(t: &Table) -> String {
    format!("{}_pkey", t.sql_name)
}

/// `{table}_{a}_{b}_key`, for a unique constraint over columns `a`, `b`.
pub fn unique(t: &Table, columns: &[usize]) -> String {
    joined(t, columns, "key")
}

/// `{table}_{a}_{b}_idx`, for an index over columns `a`, `b`.
pub fn index(t: &Table, columns: &[usize]) -> String {
    joined(t, columns, "idx")
}

/// `{table}_{column}_fkey`, for the foreign key on column `column`.
pub fn foreign_key(t: &Table, column: usize) -> String {
    joined(t, &[column], "fkey")
}

fn joined(t: &Table, columns: &[usize], suffix: &str) -> String {
    let mut name = t.sql_name.clone();
    for &c in columns {
        name.push('_');
        name.push_str(&t.columns[c].sql_name);
    }
    name.push('_');
    name.push_str(suffix);
    name
}

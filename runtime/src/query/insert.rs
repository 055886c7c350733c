//! `INSERT`, one row or many, split under each backend's bind-parameter limit.

use std::marker::PhantomData;

use super::selection::{All, Selection};
use super::{Mutation, Returning};
use crate::backend::Backend;
use crate::error::Result;
use crate::exec::{Executor, MutationKind as Kind};
use crate::expr::Node;
use crate::render::{Renderer, Sql};
use crate::schema::{Insertable, Table};
use crate::value::Value;

/// Inserts one row: the table's struct, or its generated insert form (`NewUser` for `User`)
/// in which auto-incremented and defaulted columns are optional.
pub fn insert<R: Insertable>(row: R) -> Insert<R::Table> {
    insert_many([row])
}

/// Inserts many rows in multi-row `VALUES` statements, as few as the backend's bind-parameter
/// limit allows. When more than one statement is needed and no transaction is open, they run
/// in one, so the insert is all or nothing.
pub fn insert_many<R: Insertable, I: IntoIterator<Item = R>>(rows: I) -> Insert<R::Table> {
    let width = R::Table::META.columns.len();
    let rows = rows.into_iter();
    let mut values = Vec::with_capacity(rows.size_hint().0 * width);
    for row in rows {
        let start = values.len();
        values.resize(start + width, None);
        row.write_values(&mut values[start..]);
    }
    Insert {
        values,
        _table: PhantomData,
    }
}

/// An `INSERT` into `T`.
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct Insert<T> {
    /// Row-major: one entry per column per row, `None` where a row leaves a column out.
    values: Vec<Option<Value>>,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> Insert<T> {
    /// The statements this sends to `backend` (more than one when split).
    pub fn to_sql(&self, backend: Backend) -> Vec<Sql> {
        self.render(backend, None)
    }

    /// Runs the insert, returning the number of rows inserted.
    pub async fn execute(&self, executor: impl Executor) -> Result<u64> {
        super::execute_mutation(self, executor).await
    }

    /// Returns the inserted rows, with their generated keys and defaults.
    pub fn returning(self) -> Returning<Self, All<T>> {
        Returning::new(self, All::new())
    }

    /// Returns `selection` (columns of `T`) of each inserted row.
    pub fn returning_columns<Sel, I>(self, selection: Sel) -> Returning<Self, Sel>
    where
        Sel: Selection,
        Sel::Tables: crate::expr::Within<(T,), I>,
    {
        Returning::new(self, selection)
    }
}

impl<T: Table> Mutation for Insert<T> {
    const KIND: Kind = Kind::Insert;

    fn render(&self, backend: Backend, returning: Option<&[Node]>) -> Vec<Sql> {
        let meta = T::META;
        let width = meta.columns.len();
        if self.values.is_empty() {
            return Vec::new();
        }
        // A column goes into the column list if any row gives it; rows that leave it out get
        // its default there.
        let mut present: Vec<usize> = (0..width)
            .filter(|&c| self.values.chunks(width).any(|row| row[c].is_some()))
            .collect();
        if present.is_empty() {
            present.push(0);
        }
        let per_row = present.len();
        let rows_per_statement = (backend.max_bind_params() / per_row).max(1);
        self.values
            .chunks(width * rows_per_statement)
            .map(|chunk| {
                let mut r = Renderer::new(backend);
                r.push("INSERT INTO ");
                r.table(meta);
                r.push(" (");
                for (i, &c) in present.iter().enumerate() {
                    if i > 0 {
                        r.push(", ");
                    }
                    r.ident(meta.columns[c].name);
                }
                r.push(") VALUES ");
                for (n, row) in chunk.chunks(width).enumerate() {
                    r.push(if n == 0 { "(" } else { ", (" });
                    for (i, &c) in present.iter().enumerate() {
                        if i > 0 {
                            r.push(", ");
                        }
                        match &row[c] {
                            Some(v) => r.bind(v.clone()),
                            None => left_out(&mut r, &meta.columns[c]),
                        }
                    }
                    r.push(")");
                }
                if let Some(columns) = returning {
                    r.returning(columns);
                }
                r.finish()
            })
            .collect()
    }
}

/// Renders the value of a column a row left out.
fn left_out(r: &mut Renderer, column: &crate::schema::ColumnMeta) {
    match (r.backend, column.default) {
        (Backend::Postgres | Backend::MySql, _) => r.push("DEFAULT"),
        // SQLite has no DEFAULT in VALUES: the rowid alias takes NULL as "generate", and a
        // defaulted column gets its default literal.
        (Backend::Sqlite, Some(default)) => {
            crate::schema::push_default_literal(&mut r.text, default, r.backend)
        }
        (Backend::Sqlite, None) => r.push("NULL"),
    }
}

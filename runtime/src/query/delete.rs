//! `DELETE FROM … WHERE …`.

use std::marker::PhantomData;

use super::select::and_filter;
use super::selection::{All, Selection};
use super::{Mutation, Returning};
use crate::ast;
use crate::dialect::StatementKind as Kind;
use crate::dialect::{AsDialect, Dialect};
use crate::dialect::{Renderer, Sql};
use crate::error::Result;
use crate::exec::Executor;
use crate::expr::{Condition, Node, Within};
use crate::schema::Table;

/// Starts a `DELETE` from `T`. Without a filter it deletes every row.
pub fn delete<T: Table>() -> Delete<T> {
    Delete {
        stmt: ast::Delete {
            table: T::META,
            filter: None,
            returning: Vec::new(),
        },
        _table: PhantomData,
    }
}

/// A `DELETE` from `T`.
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct Delete<T> {
    stmt: ast::Delete,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> Delete<T> {
    /// Deletes only the rows where `condition` holds (several calls are joined with `AND`).
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: Within<(T,), I>,
    {
        self.stmt.filter = and_filter(self.stmt.filter.take(), condition.into_node());
        self
    }

    /// The statement this sends to `dialect`.
    pub fn to_sql(&self, dialect: impl AsDialect) -> Sql {
        let dialect = dialect.as_dialect();
        self.render(dialect, None).remove(0)
    }

    /// Runs the delete, returning the number of rows deleted.
    pub async fn execute(&self, executor: impl Executor) -> Result<u64> {
        super::execute_mutation(self, executor).await
    }

    /// Returns the deleted rows (MariaDB, PostgreSQL and SQLite).
    pub fn returning(self) -> Returning<Self, All<T>> {
        Returning::new(self, All::new())
    }

    /// Returns `selection` of each deleted row.
    pub fn returning_columns<Sel, I>(self, selection: Sel) -> Returning<Self, Sel>
    where
        Sel: Selection,
        Sel::Tables: Within<(T,), I>,
    {
        Returning::new(self, selection)
    }
}

impl<T: Table> Mutation for Delete<T> {
    const KIND: Kind = Kind::Delete;

    fn render(&self, dialect: &'static dyn Dialect, returning: Option<&[Node]>) -> Vec<Sql> {
        let mut r = Renderer::new(dialect);
        r.delete(&self.stmt, returning);
        vec![r.finish()]
    }
}

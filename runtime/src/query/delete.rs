//! `DELETE FROM … WHERE …`.

use std::marker::PhantomData;

use super::select::and_filter;
use super::selection::{All, Selection};
use super::{Mutation, Returning};
use crate::backend::Backend;
use crate::dialect::StatementKind as Kind;
use crate::error::Result;
use crate::exec::Executor;
use crate::expr::{Condition, Node, Within};
use crate::render::{Renderer, Sql};
use crate::schema::Table;

/// Starts a `DELETE` from `T`. Without a filter it deletes every row.
pub fn delete<T: Table>() -> Delete<T> {
    Delete {
        filter: None,
        _table: PhantomData,
    }
}

/// A `DELETE` from `T`.
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct Delete<T> {
    filter: Option<Node>,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> Delete<T> {
    /// Deletes only the rows where `condition` holds (several calls are joined with `AND`).
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: Within<(T,), I>,
    {
        self.filter = and_filter(self.filter.take(), condition.into_node());
        self
    }

    /// The statement this sends to `backend`.
    pub fn to_sql(&self, backend: Backend) -> Sql {
        self.render(backend, None).remove(0)
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

    fn render(&self, backend: Backend, returning: Option<&[Node]>) -> Vec<Sql> {
        let mut r = Renderer::new(backend);
        r.reserve(T::META.name);
        r.push("DELETE FROM ");
        r.table(T::META);
        r.where_clause(self.filter.as_ref());
        if let Some(columns) = returning {
            r.returning(columns);
        }
        vec![r.finish()]
    }
}

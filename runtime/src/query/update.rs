//! `UPDATE … SET … WHERE …`.

use std::marker::PhantomData;

use super::select::and_filter;
use super::selection::{All, Selection};
use super::{Mutation, Returning};
use crate::backend::Backend;
use crate::dialect::StatementKind as Kind;
use crate::error::Result;
use crate::exec::Executor;
use crate::expr::{Column, Condition, Node, Within};
use crate::render::{Renderer, Sql};
use crate::schema::Table;
use crate::value::Operand;

/// Starts an `UPDATE` of `T`; give at least one [`UpdateSet::set`].
///
/// ```
/// # use weft::Table;
/// #[derive(Table)]
/// struct User { #[column(primary_key, auto)] id: i64, name: String }
///
/// let q = weft::update::<User>().set(User::name, "Ann").filter(User::id.eq(1));
/// assert_eq!(q.to_sql(weft::Backend::MySql).text, "UPDATE `user` SET `name` = ? WHERE `user`.`id` = ?");
/// ```
pub fn update<T: Table>() -> UpdateSet<T> {
    UpdateSet {
        _table: PhantomData,
    }
}

/// An `UPDATE` before its first `SET`.
#[must_use = "an update needs `.set(column, value)`"]
pub struct UpdateSet<T> {
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> UpdateSet<T> {
    /// `SET column = value`.
    pub fn set<V, R, I>(self, column: Column<T, V>, value: R) -> Update<T>
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        Update {
            sets: Vec::new(),
            filter: None,
            _table: PhantomData,
        }
        .set(column, value)
    }
}

/// An `UPDATE` of `T`.
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct Update<T> {
    sets: Vec<(&'static str, Node)>,
    filter: Option<Node>,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> Update<T> {
    /// Also `SET column = value`.
    pub fn set<V, R, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        self.sets.push((column.name(), value.into_node()));
        self
    }

    /// Updates only the rows where `condition` holds (several calls are joined with `AND`).
    /// Without a filter every row is updated.
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

    /// Runs the update, returning the number of rows changed.
    pub async fn execute(&self, executor: impl Executor) -> Result<u64> {
        super::execute_mutation(self, executor).await
    }

    /// Returns the updated rows (not available on the MySQL family).
    pub fn returning(self) -> Returning<Self, All<T>> {
        Returning::new(self, All::new())
    }

    /// Returns `selection` of each updated row (not available on the MySQL family).
    pub fn returning_columns<Sel, I>(self, selection: Sel) -> Returning<Self, Sel>
    where
        Sel: Selection,
        Sel::Tables: Within<(T,), I>,
    {
        Returning::new(self, selection)
    }
}

impl<T: Table> Mutation for Update<T> {
    const KIND: Kind = Kind::Update;

    fn unstorable(&self, backend: Backend) -> Option<(&'static str, &'static str, usize)> {
        self.sets.iter().find_map(|(column, value)| match value {
            Node::Bind(v) if v.check_storable(backend).is_err() => Some((T::META.name, *column, 1)),
            _ => None,
        })
    }

    fn render(&self, backend: Backend, returning: Option<&[Node]>) -> Vec<Sql> {
        let mut r = Renderer::new(backend);
        r.reserve(T::META.name);
        r.push("UPDATE ");
        r.table(T::META);
        for (i, (column, value)) in self.sets.iter().enumerate() {
            r.push(if i == 0 { " SET " } else { ", " });
            r.ident(column);
            r.push(" = ");
            r.node(value);
        }
        r.where_clause(self.filter.as_ref());
        if let Some(columns) = returning {
            r.returning(columns);
        }
        vec![r.finish()]
    }
}

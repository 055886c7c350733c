//! `UPDATE … SET … WHERE …`.

use std::marker::PhantomData;

use super::select::and_filter;
use super::selection::{All, Selection};
use super::{Mutation, Returning};
use crate::ast;
use crate::dialect::StatementKind as Kind;
use crate::dialect::{AsDialect, Dialect};
use crate::dialect::{Renderer, Sql, Stmt};
use crate::error::Result;
use crate::exec::Executor;
use crate::expr::Operand;
use crate::expr::{Column, Condition, Node, Within};
use crate::schema::Table;

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
    /// `SET column = value`. Every value reads the row as it was before the update, on every
    /// dialect (see [`Update::set`]).
    pub fn set<V, R, I>(self, column: Column<T, V>, value: R) -> Update<T>
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        Update::<T>::empty().set(column, value)
    }
}

impl<T: Table> Update<T> {
    /// An update that sets nothing yet (see `patch.rs`: it refuses to run while empty).
    pub(super) fn empty() -> Self {
        Update {
            stmt: ast::Update {
                table: T::META,
                set: Vec::new(),
                from: None,
                filter: None,
                returning: Vec::new(),
            },
            _table: PhantomData,
        }
    }
}

/// An `UPDATE` of `T`.
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct Update<T> {
    pub(super) stmt: ast::Update,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> Update<T> {
    /// Also `SET column = value`. A later `set` of a column already set replaces its value
    /// (the column keeps its place in the list): one assignment per column, as PostgreSQL
    /// requires, and the same answer everywhere (with the PATCH helpers, a default then the
    /// request's value is two `set`s of one column).
    ///
    /// Every value reads the row as it was before the update, on every dialect:
    /// `.set(User::age, 99).set(User::active, User::age.gt(50))` sets `active` from the old
    /// age. The MySQL family ([`Capabilities::sequential_assignments`]) applies a `SET` list
    /// left to right, each value seeing the columns set before it, so there weft writes each
    /// assignment before those of the columns its value reads (`active` first here), keeping
    /// the given order otherwise; a value reading its own column is never moved for it.
    /// Values that read each other's columns (`.set(a, b).set(b, a)`, directly or through
    /// others) have no such order: on the MySQL family that update is
    /// [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent (update in
    /// two statements, or read the old values first). A subquery or an SQL fragment counts
    /// as reading every column.
    ///
    /// ```
    /// # use weft::Table;
    /// #[derive(Table)]
    /// struct User { #[column(primary_key, auto)] id: i64, age: i32, active: bool }
    ///
    /// let q = weft::update::<User>().set(User::age, 99).set(User::active, User::age.gt(50));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"UPDATE "user" SET "age" = $1, "active" = "user"."age" > $2"#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "UPDATE `user` SET `active` = `user`.`age` > ?, `age` = ?"
    /// );
    /// ```
    ///
    /// [`Capabilities::sequential_assignments`]: crate::Capabilities::sequential_assignments
    pub fn set<V, R, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R: Operand<V>,
        R::Tables: Within<(T,), I>,
    {
        super::assign(&mut self.stmt.set, column.name(), value.into_node());
        self
    }

    /// Updates only the rows where `condition` holds (several calls are joined with `AND`).
    /// Without a filter every row is updated.
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

    fn unstorable(
        &self,
        dialect: &'static dyn Dialect,
    ) -> Option<(&'static str, &'static str, usize)> {
        self.stmt
            .set
            .iter()
            .find_map(|(column, value)| match value {
                Node::Bind(v) if v.check_storable(dialect.capabilities()).is_err() => {
                    Some((T::META.name, *column, 1))
                }
                _ => None,
            })
    }

    fn statements(
        &self,
        dialect: &'static dyn Dialect,
        returning: Option<&[Node]>,
        _max_packet: Option<usize>,
    ) -> Result<Vec<Stmt<'_>>> {
        self.check_not_empty()?;
        Ok(self
            .render(dialect, returning)
            .into_iter()
            .map(Stmt::from)
            .collect())
    }

    fn render(&self, dialect: &'static dyn Dialect, returning: Option<&[Node]>) -> Vec<Sql> {
        let mut r = Renderer::new(dialect);
        r.update(&self.stmt, returning);
        vec![r.finish()]
    }
}

//! `UPDATE t … FROM u` (PostgreSQL, SQLite 3.33+) / `UPDATE t INNER JOIN u ON …` (the MySQL
//! family): an update whose values and filter read a second table.

use std::marker::PhantomData;

use super::select::and_filter;
use super::selection::{All, Selection};
use super::update::UpdateSet;
use super::{Mutation, Returning};
use crate::ast::{self, Join, JoinKind, Source};
use crate::dialect::StatementKind as Kind;
use crate::dialect::{AsDialect, Dialect, Renderer, Sql};
use crate::error::Result;
use crate::exec::Executor;
use crate::expr::{Column, Condition, Node, Operand, Within};
use crate::schema::Table;

impl<T: Table> UpdateSet<T> {
    /// Lets the update read the rows of `U` that match `on` (which reads `T` and `U`): its
    /// values and filter may then read `U`'s columns. Each updated row of `T` should match at
    /// most one row of `U` (join on `U`'s key): with several, PostgreSQL and SQLite use one
    /// of them, unspecified which, and the MySQL family applies them in turn.
    ///
    /// - PostgreSQL and SQLite (3.33+): `UPDATE t SET … FROM u WHERE on AND filter`.
    /// - The MySQL family: `UPDATE t INNER JOIN u ON on SET t.c = … WHERE filter`.
    ///
    /// ```
    /// # use weft::Table;
    /// #[derive(Table)]
    /// struct User { #[column(primary_key, auto)] id: i64, name: String, active: bool }
    /// #[derive(Table)]
    /// struct Post { #[column(primary_key, auto)] id: i64, user_id: i64, author: String }
    ///
    /// let q = weft::update::<Post>()
    ///     .from::<User, _, _>(User::id.eq(Post::user_id))
    ///     .set(Post::author, User::name)
    ///     .filter(User::active.eq(true));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"UPDATE "post" SET "author" = "user"."name" FROM "user" WHERE ("user"."id" = "post"."user_id" AND "user"."active" = $1)"#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "UPDATE `post` INNER JOIN `user` ON `user`.`id` = `post`.`user_id` SET `post`.`author` = `user`.`name` WHERE `user`.`active` = ?"
    /// );
    /// ```
    pub fn from<U: Table, C, I>(self, on: C) -> UpdateFromSet<T, U>
    where
        C: Condition,
        C::Tables: Within<(T, U), I>,
    {
        UpdateFromSet {
            join: Join {
                kind: JoinKind::Inner,
                source: Source::Table {
                    table: U::META,
                    alias: None,
                },
                on: Some(on.into_node()),
            },
            _tables: PhantomData,
        }
    }
}

/// An `UPDATE` of `T` reading `U`, before its first `SET`.
#[must_use = "an update needs `.set(column, value)`"]
pub struct UpdateFromSet<T, U> {
    join: Join,
    _tables: PhantomData<fn() -> (T, U)>,
}

impl<T: Table, U: Table> UpdateFromSet<T, U> {
    /// `SET column = value`: `value` may read `T` and `U` (see [`UpdateFrom::set`]).
    pub fn set<V, R, I>(self, column: Column<T, V>, value: R) -> UpdateFrom<T, U>
    where
        R: Operand<V>,
        R::Tables: Within<(T, U), I>,
    {
        UpdateFrom {
            stmt: ast::Update {
                table: T::META,
                set: Vec::new(),
                from: Some(Box::new(self.join)),
                filter: None,
                returning: Vec::new(),
            },
            _tables: PhantomData,
        }
        .set(column, value)
    }
}

/// An `UPDATE` of `T` reading `U` (see [`UpdateSet::from`]).
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct UpdateFrom<T, U> {
    stmt: ast::Update,
    _tables: PhantomData<fn() -> (T, U)>,
}

impl<T: Table, U: Table> UpdateFrom<T, U> {
    /// Also `SET column = value`. As in [`Update::set`](crate::Update::set), a later `set` of
    /// the same column replaces its value, and every value reads the rows as they were
    /// before the update. The MySQL family applies a multi-table update's assignments in an
    /// unspecified order, so there no order can be chosen: a value that reads a column of
    /// `T` another assignment sets is [`Error::Unsupported`](crate::Error::Unsupported)
    /// before anything is sent (reading its own column, or `U`'s, is fine).
    pub fn set<V, R, I>(mut self, column: Column<T, V>, value: R) -> Self
    where
        R: Operand<V>,
        R::Tables: Within<(T, U), I>,
    {
        super::assign(&mut self.stmt.set, column.name(), value.into_node());
        self
    }

    /// Updates only the rows where `condition` (over `T` and `U`) holds; several calls are
    /// joined with `AND`.
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: Within<(T, U), I>,
    {
        self.stmt.filter = and_filter(self.stmt.filter.take(), condition.into_node());
        self
    }

    /// The statement this sends to `dialect`.
    pub fn to_sql(&self, dialect: impl AsDialect) -> Sql {
        let mut r = Renderer::new(dialect.as_dialect());
        r.update(&self.stmt, None);
        r.finish()
    }

    /// Runs the update, returning the number of rows of `T` changed.
    pub async fn execute(&self, executor: impl Executor) -> Result<u64> {
        super::execute_mutation(self, executor).await
    }

    /// Returns the updated rows of `T` (not on the MySQL family, which has no
    /// `UPDATE … RETURNING`).
    pub fn returning(self) -> Returning<Self, All<T>> {
        Returning::new(self, All::new())
    }

    /// Returns `selection` (columns of `T`) of each updated row.
    pub fn returning_columns<Sel, I>(self, selection: Sel) -> Returning<Self, Sel>
    where
        Sel: Selection,
        Sel::Tables: Within<(T,), I>,
    {
        Returning::new(self, selection)
    }
}

impl<T: Table, U: Table> Mutation for UpdateFrom<T, U> {
    const KIND: Kind = Kind::Update;

    fn render(&self, dialect: &'static dyn Dialect, returning: Option<&[Node]>) -> Vec<Sql> {
        let mut r = Renderer::new(dialect);
        r.update(&self.stmt, returning);
        vec![r.finish()]
    }
}

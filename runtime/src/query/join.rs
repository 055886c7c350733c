//! Joins: `INNER`, `LEFT`, `RIGHT`, `FULL` (each completed by [`Joining::on`]) and `CROSS`,
//! of a table or an [alias](crate::alias) of one. Which side of a join may be missing decides
//! which tables come back as `Option`s.

use std::marker::PhantomData;

use super::Select;
use super::select::items;
use super::selection::{AddTable, All, JoinSelection, Nullable, Selection};
use crate::ast::{Join, JoinKind, Source};
use crate::expr::{Condition, TableSource, Within};
use crate::schema::Table;

/// A join waiting for its `ON` condition. `N` says what the join does to the tables before
/// it: [`KeepSides`] (inner and left joins), or [`NullBefore`] (right and full joins make
/// them nullable).
#[must_use = "a join needs its condition: `.on(…)`"]
pub struct Joining<S, Sel, T, X, N = KeepSides> {
    select: Select<S, Sel>,
    kind: JoinKind,
    /// What is joined: `T`'s table (under its alias), or a derived table shaped as `T`.
    source: Source,
    joined: X,
    _table: PhantomData<fn() -> (T, N)>,
}

/// A [`Joining`] that leaves the tables before it as they are (`INNER`, `LEFT JOIN`).
///
/// ```
/// # #[derive(weft::Table)] struct User { #[column(primary_key)] id: i64 }
/// # #[derive(weft::Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
/// let j: weft::Joining<(User,), weft::All<User>, Post, weft::All<Post>, weft::KeepSides> =
///     weft::select::<User>().inner_join::<Post>();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct KeepSides;

/// A [`Joining`] after which the tables before it come back as `Option`s (`RIGHT`,
/// `FULL JOIN`).
///
/// ```
/// # #[derive(weft::Table)] struct User { #[column(primary_key)] id: i64 }
/// # #[derive(weft::Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
/// let j: weft::Joining<(User,), weft::All<User>, Post, weft::All<Post>, weft::NullBefore> =
///     weft::select::<User>().right_join::<Post>();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NullBefore;

/// `T` as a join source: its table, under its alias if it is one.
fn source<T: TableSource>() -> Source {
    Source::Table {
        table: <T::Row as Table>::META,
        alias: T::ALIAS.map(String::from),
    }
}

impl<S, Sel, T, X> Joining<S, Sel, T, X>
where
    Sel: Selection,
    S: AddTable<T>,
{
    /// `ON condition`: it may read the joined table and every table before it.
    // The `JoinSelection` bound names the method's own `O` so that a join after `.columns(…)`
    // is one error here rather than a "method not found" cascade.
    pub fn on<C, I, O>(self, condition: C) -> Select<<S as AddTable<T>>::Out, O>
    where
        Sel: JoinSelection<X, Out = O>,
        O: Selection,
        C: Condition,
        C::Tables: Within<<S as AddTable<T>>::Out, I>,
    {
        let (mut stmt, selection) = self.select.into_parts();
        if let Some(from) = &mut stmt.from {
            from.joins.push(Join {
                kind: self.kind,
                source: self.source,
                on: Some(condition.into_node()),
            });
        }
        let selection = selection.append(self.joined);
        stmt.columns = items(&selection);
        Select::from_parts(stmt, selection)
    }
}

impl<S, Sel, T, X> Joining<S, Sel, T, X, NullBefore>
where
    Sel: Selection,
    S: AddTable<T>,
{
    /// `ON condition`: it may read the joined table and every table before it. The tables
    /// before the join come back as `Option`s.
    // As in the other `on`, the bounds name the method's own `P` and `O` so that a right or
    // full join after `.columns(…)` is one error here, in weft's words.
    pub fn on<C, I, P, O>(self, condition: C) -> Select<<S as AddTable<T>>::Out, O>
    where
        Sel: NullableSelection<Out = P>,
        P: Selection,
        P: JoinSelection<X, Out = O>,
        O: Selection,
        C: Condition,
        C::Tables: Within<<S as AddTable<T>>::Out, I>,
    {
        let Joining {
            select,
            kind,
            source,
            joined,
            ..
        } = self;
        let (stmt, selection) = select.into_parts();
        Joining::<S, P, T, X> {
            select: Select::from_parts(stmt, selection.nullable()),
            kind,
            source,
            joined,
            _table: PhantomData,
        }
        .on(condition)
    }
}

impl<S, Sel: Selection> Select<S, Sel> {
    /// `INNER JOIN T`, completed by [`Joining::on`]: rows come back as tuples, `(User, Post)`.
    /// `T` is a table or an [alias](crate::alias) of one.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] #[table(name = "users")] struct User { #[column(primary_key)] id: i64 }
    /// # #[derive(Table)] #[table(name = "posts")] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64 }
    /// let q = weft::select::<User>().inner_join::<Post>().on(Post::user_id.eq(User::id));
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `users`.`id`, `posts`.`id`, `posts`.`user_id` FROM `users` INNER JOIN `posts` ON `posts`.`user_id` = `users`.`id`"
    /// );
    /// ```
    pub fn inner_join<T: TableSource>(self) -> Joining<S, Sel, T, All<T>>
    where
        S: AddTable<T>,
    {
        self.joining(JoinKind::Inner, All::new())
    }

    /// `LEFT JOIN T`, completed by [`Joining::on`]: the joined table comes back as
    /// `Option<T>`, `None` where no row matched.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] #[table(name = "users")] struct User { #[column(primary_key)] id: i64 }
    /// # #[derive(Table)] #[table(name = "posts")] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64 }
    /// // Rows are `(User, Option<Post>)`.
    /// let q = weft::select::<User>().left_join::<Post>().on(Post::user_id.eq(User::id));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "users"."id", "posts"."id", "posts"."user_id" FROM "users" LEFT JOIN "posts" ON "posts"."user_id" = "users"."id""#
    /// );
    /// ```
    pub fn left_join<T: TableSource>(self) -> Joining<S, Sel, T, Nullable<T>>
    where
        S: AddTable<T>,
    {
        self.joining(JoinKind::Left, Nullable::new())
    }

    /// `RIGHT JOIN T`, completed by [`Joining::on`]: every row of `T` comes back, with the
    /// tables joined before it as `Option`s (`None` where none matched): `(Option<User>, Post)`.
    /// Call it before [`columns`](Self::columns). Every backend weft supports has it (SQLite
    /// since 3.39).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] #[table(name = "users")] struct User { #[column(primary_key)] id: i64 }
    /// # #[derive(Table)] #[table(name = "posts")] struct Post { #[column(primary_key)] id: i64, user_id: Option<i64> }
    /// // Every post, with its user if it has one: rows are `(Option<User>, Post)`.
    /// let q = weft::select::<User>().right_join::<Post>().on(Post::user_id.eq(User::id));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "users"."id", "posts"."id", "posts"."user_id" FROM "users" RIGHT JOIN "posts" ON "posts"."user_id" = "users"."id""#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `users`.`id`, `posts`.`id`, `posts`.`user_id` FROM `users` RIGHT JOIN `posts` ON `posts`.`user_id` = `users`.`id`"
    /// );
    /// ```
    pub fn right_join<T: TableSource>(self) -> Joining<S, Sel, T, All<T>, NullBefore>
    where
        S: AddTable<T>,
    {
        self.joining(JoinKind::Right, All::new())
    }

    /// `FULL JOIN T` (`FULL OUTER JOIN`), completed by [`Joining::on`]: the rows of both
    /// sides come back, each side `None` where the other had no match:
    /// `(Option<User>, Option<Post>)`. Call it before [`columns`](Self::columns).
    ///
    /// PostgreSQL and SQLite (3.39 and later) have it; MariaDB and MySQL do not, and there the
    /// query fails with [`Error::Unsupported`](crate::Error::Unsupported) before anything is
    /// sent (see [`Capabilities::full_join`](crate::Capabilities::full_join)).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] #[table(name = "users")] struct User { #[column(primary_key)] id: i64 }
    /// # #[derive(Table)] #[table(name = "posts")] struct Post { #[column(primary_key)] id: i64, user_id: Option<i64> }
    /// let q = weft::select::<User>().full_join::<Post>().on(Post::user_id.eq(User::id));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "users"."id", "posts"."id", "posts"."user_id" FROM "users" FULL JOIN "posts" ON "posts"."user_id" = "users"."id""#
    /// );
    /// ```
    pub fn full_join<T: TableSource>(self) -> Joining<S, Sel, T, Nullable<T>, NullBefore>
    where
        S: AddTable<T>,
    {
        self.joining(JoinKind::Full, Nullable::new())
    }

    /// `CROSS JOIN T`: every row with every row of `T`, no condition; rows come back as
    /// tuples, `(User, Tag)`. Narrow it with [`filter`](Self::filter).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] #[table(name = "users")] struct User { #[column(primary_key)] id: i64 }
    /// # #[derive(Table)] #[table(name = "tags")] struct Tag { #[column(primary_key)] id: i64 }
    /// let q = weft::select::<User>().cross_join::<Tag>().filter(Tag::id.lt(User::id));
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `users`.`id`, `tags`.`id` FROM `users` CROSS JOIN `tags` WHERE `tags`.`id` < `users`.`id`"
    /// );
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn cross_join<T: TableSource>(
        self,
    ) -> Select<<S as AddTable<T>>::Out, <Sel as JoinSelection<All<T>>>::Out>
    where
        S: AddTable<T>,
        Sel: JoinSelection<All<T>>,
        <Sel as JoinSelection<All<T>>>::Out: Selection,
    {
        let (mut stmt, selection) = self.into_parts();
        if let Some(from) = &mut stmt.from {
            from.joins.push(Join {
                kind: JoinKind::Cross,
                source: source::<T>(),
                on: None,
            });
        }
        let selection = selection.append(All::new());
        stmt.columns = items(&selection);
        Select::from_parts(stmt, selection)
    }

    fn joining<T: TableSource, X, N>(self, kind: JoinKind, joined: X) -> Joining<S, Sel, T, X, N> {
        self.joining_source(kind, source::<T>(), joined)
    }

    /// A join of `source` (a table or a derived table) shaped as `T`, waiting for its `ON`.
    pub(super) fn joining_source<T, X, N>(
        self,
        kind: JoinKind,
        source: Source,
        joined: X,
    ) -> Joining<S, Sel, T, X, N> {
        Joining {
            select: self,
            kind,
            source,
            joined,
            _table: PhantomData,
        }
    }
}

/// The whole tables a query selects so far, each made nullable: what the tables before a
/// `RIGHT JOIN` or `FULL JOIN` come back as.
///
/// ```
/// # #[derive(weft::Table, Debug)] struct User { #[column(primary_key)] id: i64 }
/// # #[derive(weft::Table, Debug)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
/// # #[derive(weft::Table, Debug)] struct Tag { #[column(primary_key)] id: i64, post_id: i64 }
/// // `(User, Option<Post>)` before the right join; rows are `(Option<User>, Option<Post>, Tag)`.
/// let q = weft::select::<User>()
///     .left_join::<Post>()
///     .on(Post::user_id.eq(User::id))
///     .right_join::<Tag>()
///     .on(Tag::post_id.eq(Post::id));
/// fn rows(_: &weft::Select<(User, Post, Tag), (weft::Nullable<User>, weft::Nullable<Post>, weft::All<Tag>)>) {}
/// rows(&q);
/// ```
#[diagnostic::on_unimplemented(
    message = "join before choosing columns",
    label = "this query already selects `{Self}`",
    note = "call `.right_join`/`.full_join` first, then `.columns(…)`: the tables before \
            such a join come back as `Option`s, which only whole tables can"
)]
pub trait NullableSelection {
    /// Every table in it as an `Option`.
    type Out: Selection;
    #[doc(hidden)]
    fn nullable(self) -> Self::Out;
}

impl<T: TableSource> NullableSelection for All<T> {
    type Out = Nullable<T>;
    fn nullable(self) -> Nullable<T> {
        Nullable::new()
    }
}

impl<T: TableSource> NullableSelection for Nullable<T> {
    type Out = Nullable<T>;
    fn nullable(self) -> Nullable<T> {
        self
    }
}

macro_rules! nullable_selection {
    ($($name:ident)+) => {
        impl<$($name: NullableSelection),+> NullableSelection for ($($name,)+) {
            type Out = ($($name::Out,)+);
            #[allow(non_snake_case)]
            fn nullable(self) -> Self::Out {
                let ($($name,)+) = self;
                ($($name.nullable(),)+)
            }
        }
    };
}

nullable_selection!(A B);
nullable_selection!(A B C);
nullable_selection!(A B C D);
nullable_selection!(A B C D E);

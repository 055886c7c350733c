//! Subqueries: a `Select` used as an expression (`IN`, `EXISTS`, a scalar value), correlated
//! with the outer query through [`Select::outer`], and as a derived table
//! ([`Select::alias`], [`from`]).

use std::marker::PhantomData;

use super::join::Joining;
use super::select::items;
use super::select::{NoLock, Select};
use super::selection::{AddTable, All, Nullable, Selection};
use crate::ast::{self, JoinKind, Source};
use crate::expr::{Expr, Outer, OuterTables, Subquery, scalar_node};
use crate::schema::{Table, TableMeta};

impl<S: OuterTables, Sel: Selection, L> Subquery for Select<S, Sel, L> {
    type Row = Sel::Output;
    type Outer = S::Deps;
    fn into_select(self) -> ast::Select {
        self.into_parts().0
    }
}

impl<S, Sel: Selection, L> Select<S, Sel, L> {
    /// Declares that this query, used as a subquery, reads table `T` of the OUTER query (a
    /// correlated subquery): its conditions may then name `T`'s columns, and the expression
    /// made of it ([`exists`](crate::exists), [`in_subquery`](crate::Column::in_subquery),
    /// [`scalar`](Self::scalar)) reads `T`, so the outer query must have `T` in its FROM or
    /// JOIN, or the outer `filter` / `columns` does not compile.
    ///
    /// `T` is not added to this query's FROM. A subquery reading the same table as the outer
    /// query cannot tell the two apart (both are written with the table's name); correlate
    /// through another table.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
    /// // Users with a post titled "Hello".
    /// let hello = weft::select::<Post>()
    ///     .outer::<User>()
    ///     .filter(Post::user_id.eq(User::id).and(Post::title.eq("Hello")));
    /// let q = weft::select::<User>().filter(weft::exists(hello));
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `user`.`id`, `user`.`name` FROM `user` WHERE EXISTS (SELECT `post`.`id`, \
    ///      `post`.`user_id`, `post`.`title` FROM `post` WHERE (`post`.`user_id` = `user`.`id` \
    ///      AND `post`.`title` = ?))"
    /// );
    /// ```
    pub fn outer<T: Table>(self) -> Select<<S as AddTable<Outer<T>>>::Out, Sel, L>
    where
        S: AddTable<Outer<T>>,
    {
        let (stmt, selection) = self.into_parts();
        Select::from_parts(stmt, selection)
    }

    /// This query as one value, `(SELECT …)`: `None` (SQL NULL) when it returns no row. It
    /// must return at most one row: give it `.limit(1)` (with an order) or an aggregate.
    /// More rows are an error on PostgreSQL and the MySQL family, but SQLite silently takes
    /// the first row's value, so a query that may return several is a bug on every backend
    /// even where it runs.
    /// It may be selected, compared and ordered by like any expression, and when correlated
    /// (see [`outer`](Self::outer)) the outer query must read the outer tables.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
    /// // Each user with the title of their latest post (`Option<String>`).
    /// let latest = weft::select::<Post>()
    ///     .outer::<User>()
    ///     .filter(Post::user_id.eq(User::id))
    ///     .order_by(Post::id.desc())
    ///     .limit(1)
    ///     .columns(Post::title)
    ///     .scalar();
    /// let q = weft::select::<User>().columns((User::name, latest));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "user"."name", (SELECT "post"."title" FROM "post" WHERE "post"."user_id" = "user"."id" ORDER BY "post"."id" DESC LIMIT 1) FROM "user""#
    /// );
    /// ```
    pub fn scalar(self) -> Expr<Option<Sel::Output>, S::Deps>
    where
        S: OuterTables,
    {
        scalar_node(self.into_parts().0)
    }

    /// This query as a derived table (or a CTE, see [`with`](Self::with)) of shape `T`: a
    /// struct with `#[derive(Table)]` that is never created, naming the columns and their
    /// types. The query must select exactly `T`'s column types, in order, as a tuple (checked
    /// at compile time); its columns are named after `T`'s, and the derived table after `T`'s
    /// table name. Read it with [`from`], and its columns (`PostCount::posts`) are ordinary
    /// typed columns.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
    /// #[derive(Table)]
    /// struct Titled { user_id: i64, title: String }
    ///
    /// let hello = weft::select::<Post>()
    ///     .filter(Post::title.like("Hello%"))
    ///     .columns((Post::user_id, Post::title))
    ///     .alias::<Titled>();
    /// let q = weft::from(hello).filter(Titled::user_id.gt(10)).columns(Titled::title);
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "titled"."title" FROM (SELECT "post"."user_id" AS "user_id", "post"."title" AS "title" FROM "post" WHERE "post"."title" LIKE $1) AS "titled" WHERE "titled"."user_id" > $2"#
    /// );
    /// ```
    pub fn alias<T>(self) -> Derived<T>
    where
        T: Table,
        Sel::Output: FitsShape<T, T::Row>,
    {
        Derived {
            query: shaped(self.into_parts().0, T::META),
            _table: PhantomData,
        }
    }
}

/// Which rows fill a derived table or CTE of shape `T`: exactly `T`'s column types, in
/// order, as a tuple ([`Table::Row`]).
#[diagnostic::on_unimplemented(
    message = "a query returning `{Self}` cannot fill `{T}`",
    label = "this query's rows are `{Self}`",
    note = "`{T}`'s columns are `{R}`: select exactly these types, in this order, as a tuple (`.columns((a, b))`, or `.columns((a,))` for one column)"
)]
///
/// ```
/// # #[derive(weft::Table)] struct Post { #[column(primary_key)] id: i64, title: String }
/// #[derive(weft::Table)]
/// struct Id { id: i64 } // `Id::Row` is `(i64,)`
///
/// let ids = weft::select::<Post>().columns((Post::id,)).alias::<Id>();
/// ```
pub trait FitsShape<T, R> {}
impl<T, R> FitsShape<T, R> for R {}

/// A query shaped as table `T`: a derived table for [`from`],
/// [`inner_join_derived`](Select::inner_join_derived) or a CTE ([`Select::with`]), made by
/// [`Select::alias`].
///
/// ```
/// # #[derive(weft::Table)] struct Post { #[column(primary_key)] id: i64, title: String }
/// #[derive(weft::Table)]
/// struct Title { title: String }
///
/// let titles: weft::Derived<Title> = weft::select::<Post>().columns((Post::title,)).alias();
/// let q = weft::from(titles).filter(Title::title.like("a%"));
/// ```
#[must_use = "read it with `weft::from(…)`"]
pub struct Derived<T> {
    pub(crate) query: ast::Select,
    _table: PhantomData<fn() -> T>,
}

impl<T> Derived<T> {
    /// The query, its columns named after `T`'s.
    pub(crate) fn into_query(self) -> ast::Select {
        self.query
    }
}

/// `SELECT … FROM (subquery) AS t`: every column of the derived table `T` (see
/// [`Select::alias`]); filter, join, order and choose columns as on any table.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64, title: String }
/// #[derive(Table, Debug)]
/// struct Mine { id: i64, title: String }
///
/// let mine = weft::select::<Post>().filter(Post::user_id.eq(1)).columns((Post::id, Post::title));
/// let q = weft::from(mine.alias::<Mine>()).order_by(Mine::title);
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT `mine`.`id`, `mine`.`title` FROM (SELECT `post`.`id` AS `id`, `post`.`title` AS `title` \
///      FROM `post` WHERE `post`.`user_id` = ?) AS `mine` ORDER BY `mine`.`title`"
/// );
/// ```
pub fn from<T: Table>(derived: Derived<T>) -> Select<(T,), All<T>, NoLock> {
    let selection = All::<T>::new();
    let stmt = ast::Select {
        columns: items(&selection),
        from: Some(ast::From {
            source: Source::Query {
                query: Box::new(derived.into_query()),
                alias: T::META.name.to_owned(),
                lateral: false,
            },
            joins: Vec::new(),
        }),
        ..ast::Select::default()
    };
    Select::from_parts(stmt, selection)
}

/// `query` with its select list named after `shape`'s columns (and the arms of its set
/// operations too: harmless there, and a recursive CTE's arms then read alike).
pub(crate) fn shaped(mut query: ast::Select, shape: &'static TableMeta) -> ast::Select {
    for (item, column) in query.columns.iter_mut().zip(shape.columns) {
        item.alias = Some(column.name.to_owned());
    }
    for set in &mut query.set_ops {
        for (item, column) in set.query.columns.iter_mut().zip(shape.columns) {
            item.alias = Some(column.name.to_owned());
        }
    }
    query
}

impl<S, Sel: Selection> Select<S, Sel> {
    /// `INNER JOIN (subquery) AS t`, completed by [`Joining::on`]: rows come back as
    /// tuples with the derived table's shape `T` (see [`alias`](Select::alias)).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
    /// #[derive(Table)]
    /// struct Latest { user_id: i64, title: String }
    ///
    /// let hello = weft::select::<Post>().filter(Post::title.eq("hello")).columns((Post::user_id, Post::title));
    /// let q = weft::select::<User>()
    ///     .inner_join_derived(hello.alias::<Latest>())
    ///     .on(Latest::user_id.eq(User::id))
    ///     .columns((User::name, Latest::title));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "user"."name", "latest"."title" FROM "user" INNER JOIN (SELECT "post"."user_id" AS "user_id", "post"."title" AS "title" FROM "post" WHERE "post"."title" = $1) AS "latest" ON "latest"."user_id" = "user"."id""#
    /// );
    /// ```
    pub fn inner_join_derived<T: Table>(self, derived: Derived<T>) -> Joining<S, Sel, T, All<T>>
    where
        S: AddTable<T>,
    {
        self.joining_source(JoinKind::Inner, derived_source(derived), All::new())
    }

    /// `LEFT JOIN (subquery) AS t`, completed by [`Joining::on`]: the derived table
    /// comes back as `Option<T>`, `None` where no row matched (a row of the derived table
    /// whose columns are all NULL reads as `None` too: it has no primary key to tell).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
    /// #[derive(Table)]
    /// struct Hello { user_id: i64 }
    ///
    /// let hello = weft::select::<Post>().filter(Post::title.eq("hello")).columns((Post::user_id,));
    /// let q = weft::select::<User>().left_join_derived(hello.alias::<Hello>()).on(Hello::user_id.eq(User::id));
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `user`.`id`, `user`.`name`, `hello`.`user_id` FROM `user` LEFT JOIN (SELECT `post`.`user_id` AS `user_id` \
    ///      FROM `post` WHERE `post`.`title` = ?) AS `hello` ON `hello`.`user_id` = `user`.`id`"
    /// );
    /// ```
    pub fn left_join_derived<T: Table>(self, derived: Derived<T>) -> Joining<S, Sel, T, Nullable<T>>
    where
        S: AddTable<T>,
    {
        self.joining_source(JoinKind::Left, derived_source(derived), Nullable::new())
    }
}

/// A derived table shaped as `T` as a join source: `(SELECT …) AS "t"`.
fn derived_source<T: Table>(derived: Derived<T>) -> Source {
    Source::Query {
        query: Box::new(derived.into_query()),
        alias: T::META.name.to_owned(),
        lateral: false,
    }
}

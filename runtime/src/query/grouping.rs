//! Grouping and deduplication: `GROUP BY`, `HAVING`, `DISTINCT`, `DISTINCT ON`.
//!
//! Each makes the query [`NoRowLock`]: it returns groups or distinct rows, not table rows, so
//! it cannot take a row lock (PostgreSQL refuses `FOR UPDATE` there). It can still be
//! filtered, ordered, limited and counted (`count` counts its groups or distinct rows).
//!
//! A grouped query (or one whose select list holds an aggregate) may read, in its select list,
//! `HAVING` and `ORDER BY`, only its `GROUP BY` terms and aggregates: any other column is
//! refused with [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent, on
//! every backend (PostgreSQL refuses it itself; SQLite and MariaDB would return the value of
//! an arbitrary row of the group). An aggregate in `.filter(…)` (`WHERE`, which runs before
//! grouping) is refused the same way: compare aggregates in `.having(…)`.

use super::select::{Building, NoRowLock, Select, and_filter};
use super::selection::Selection;
use crate::expr::{Column, Condition, Dep, Expr, Expression, Node, Within};

/// What `.group_by(…)` and `.distinct_on(…)` take: a column, an expression, or a tuple of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a grouping key",
    label = "expected a column, an expression, or a tuple of them",
    note = "group by columns like `.group_by(Post::user_id)` or `.group_by((Post::user_id, Post::kind))`"
)]
pub trait GroupKey {
    /// The tables read (a type-level list).
    type Tables;
    #[doc(hidden)]
    fn push_keys(self, out: &mut Vec<Node>);
}

impl<T, V> GroupKey for Column<T, V> {
    type Tables = Dep<T>;
    fn push_keys(self, out: &mut Vec<Node>) {
        out.push(Expression::into_node(self));
    }
}

impl<V, D> GroupKey for Expr<V, D> {
    type Tables = D;
    fn push_keys(self, out: &mut Vec<Node>) {
        out.push(Expression::into_node(self));
    }
}

macro_rules! tuple_key {
    ($($name:ident)+) => {
        impl<$($name: GroupKey),+> GroupKey for ($($name,)+) {
            type Tables = tuple_key!(@tables $($name)+);
            fn push_keys(self, out: &mut Vec<Node>) {
                #[allow(non_snake_case)]
                let ($($name,)+) = self;
                $($name.push_keys(out);)+
            }
        }
    };
    (@tables $head:ident $($rest:ident)*) => { ($head::Tables, tuple_key!(@tables $($rest)*)) };
    (@tables) => { () };
}

tuple_key!(A);
tuple_key!(A B);
tuple_key!(A B C);
tuple_key!(A B C D);
tuple_key!(A B C D E);
tuple_key!(A B C D E F);

impl<S, Sel: Selection, L> Select<S, Sel, L> {
    /// `GROUP BY keys`: one row per distinct value of `keys` (a column, an expression or a
    /// tuple of them, of the query's tables). Select the keys and aggregates of each group;
    /// any other column is refused before sending (see the module docs). Several calls add
    /// further keys. The query can no longer take a row lock.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64, views: i32 }
    /// let q = weft::select::<Post>()
    ///     .columns((Post::user_id, weft::count(), weft::sum(Post::views)))
    ///     .group_by(Post::user_id)
    ///     .having(weft::count().ge(10))
    ///     .order_by(weft::count().desc());
    /// // rows are (i64, i64, Option<i64>)
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "post"."user_id", COUNT(*), SUM("post"."views") FROM "post" GROUP BY "post"."user_id" HAVING COUNT(*) >= $1 ORDER BY COUNT(*) DESC"#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `post`.`user_id`, COUNT(*), SUM(`post`.`views`) FROM `post` GROUP BY `post`.`user_id` HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC"
    /// );
    /// ```
    pub fn group_by<G, I>(self, keys: G) -> Select<S, Sel, NoRowLock>
    where
        L: Building,
        G: GroupKey,
        G::Tables: Within<S, I>,
    {
        let (mut stmt, selection) = self.into_parts();
        keys.push_keys(&mut stmt.group_by);
        Select::from_parts(stmt, selection)
    }

    /// `HAVING condition`: keeps the groups where `condition` holds; it may compare aggregates
    /// (`weft::count().gt(1)`) and grouping keys. Several calls are joined with `AND`. Without
    /// `.group_by(…)` the whole result is one group. The query can no longer take a row lock.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
    /// let q = weft::select::<Post>().columns(Post::user_id).group_by(Post::user_id).having(weft::count().gt(1));
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `post`.`user_id` FROM `post` GROUP BY `post`.`user_id` HAVING COUNT(*) > ?"
    /// );
    /// ```
    pub fn having<C, I>(self, condition: C) -> Select<S, Sel, NoRowLock>
    where
        L: Building,
        C: Condition,
        C::Tables: Within<S, I>,
    {
        let (mut stmt, selection) = self.into_parts();
        stmt.having = and_filter(stmt.having.take(), condition.into_node());
        Select::from_parts(stmt, selection)
    }

    /// `SELECT DISTINCT`: each distinct row once. The query can no longer take a row lock.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
    /// let q = weft::select::<Post>().columns(Post::user_id).distinct();
    /// assert_eq!(q.to_sql(weft::Backend::Postgres).text, r#"SELECT DISTINCT "post"."user_id" FROM "post""#);
    /// ```
    pub fn distinct(self) -> Select<S, Sel, NoRowLock>
    where
        L: Building,
    {
        let (mut stmt, selection) = self.into_parts();
        stmt.distinct = true;
        Select::from_parts(stmt, selection)
    }

    /// `SELECT DISTINCT ON (keys)` (PostgreSQL): one row per distinct value of `keys`, the
    /// first in the query's order, whose `ORDER BY` must start with `keys` (PostgreSQL's rule).
    /// Other dialects have no `DISTINCT ON`: there the query fails with
    /// [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent (see
    /// [`Capabilities::distinct_on`](crate::Capabilities::distinct_on)). Several calls add
    /// further keys. The query can no longer take a row lock.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, user_id: i64 }
    /// // The latest post of each user.
    /// let q = weft::select::<Post>().distinct_on(Post::user_id).order_by(Post::user_id).order_by(Post::id.desc());
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT DISTINCT ON ("post"."user_id") "post"."id", "post"."user_id" FROM "post" ORDER BY "post"."user_id", "post"."id" DESC"#
    /// );
    /// ```
    pub fn distinct_on<G, I>(self, keys: G) -> Select<S, Sel, NoRowLock>
    where
        L: Building,
        G: GroupKey,
        G::Tables: Within<S, I>,
    {
        let (mut stmt, selection) = self.into_parts();
        keys.push_keys(&mut stmt.distinct_on);
        Select::from_parts(stmt, selection)
    }
}

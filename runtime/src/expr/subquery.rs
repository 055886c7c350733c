//! Subquery expressions: `x IN (SELECT …)`, `EXISTS (SELECT …)`, and the outer tables a
//! correlated subquery reads.
//!
//! The expression layer knows a subquery only as a [`Subquery`]: the rows it returns, the
//! outer tables it reads and its statement. The query builder implements it for its `Select`.

use std::marker::PhantomData;

use super::{Column, Dep, Expr, Expression, HasTable, Node, pos};
use crate::ast::{self, QueryKind};
use crate::schema::Table;
use crate::value::SqlValue;

/// A query used inside an expression: what each of its rows is (`Row`), the tables of the
/// OUTER query it reads (`Outer`, a type-level list of [`Dep`]s, declared with
/// [`Select::outer`](crate::Select::outer)), and its statement.
///
/// Implemented by [`Select`](crate::Select); not meant to be implemented by hand.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
/// // Any query returning `i64` rows, correlated or not.
/// fn users_in<Q: weft::Subquery<Row = i64>>(posts: Q) -> weft::Expr<bool, (weft::Dep<User>, Q::Outer)> {
///     User::id.in_subquery(posts)
/// }
/// let q = weft::select::<User>().filter(users_in(weft::select::<Post>().columns(Post::user_id)));
/// ```
pub trait Subquery {
    /// The Rust type of one row.
    type Row;
    /// The outer query's tables this query reads.
    type Outer;
    #[doc(hidden)]
    fn into_select(self) -> ast::Select;
}

/// A table of the outer query that a correlated subquery reads: the subquery's table list
/// holds `Outer<User>` after [`Select::outer::<User>()`](crate::Select::outer). Its columns
/// may be used in the subquery's conditions, and the subquery, used as an expression, reads
/// `User`, which the outer query must have in its FROM or JOIN.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
/// // A `Select<(Post, Outer<User>), All<Post>>`: reads `post`, and `user` of the outer query.
/// let q: weft::Select<(Post, weft::Outer<User>), weft::All<Post>> =
///     weft::select::<Post>().outer::<User>().filter(Post::user_id.eq(User::id));
/// ```
pub struct Outer<T>(PhantomData<fn() -> T>);

/// What one slot of a query's table list contributes to the outer tables it reads: nothing
/// for a table of its own FROM or JOIN, the table for an [`Outer`] one.
#[doc(hidden)]
pub trait Slot {
    type Outer;
}
impl<T: Table> Slot for T {
    type Outer = ();
}
impl<T> Slot for Outer<T> {
    type Outer = Dep<T>;
}

/// The outer tables a query with table list `Self` reads (a type-level list of [`Dep`]s).
#[doc(hidden)]
pub trait OuterTables {
    type Deps;
}

macro_rules! outer_tables {
    ($($name:ident)+) => {
        impl<$($name: Slot),+> OuterTables for ($($name,)+) {
            type Deps = outer_tables!(@deps $($name)+);
        }
    };
    (@deps $head:ident $($rest:ident)*) => { ($head::Outer, outer_tables!(@deps $($rest)*)) };
    (@deps) => { () };
}

outer_tables!(A);
outer_tables!(A B);
outer_tables!(A B C);
outer_tables!(A B C D);
outer_tables!(A B C D E);
outer_tables!(A B C D E F);

/// Where an [`Outer`] table sits in a query's table list (for [`HasTable`]).
#[doc(hidden)]
pub struct OuterAt<P>(PhantomData<P>);

// One impl per (tuple length, position): the slot at the position is `Outer<X>`.
macro_rules! outer_slot_impls {
    ($($len:literal: [$($before:ident),*] $p:ident [$($after:ident),*];)*) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($before,)* $($after,)* X> HasTable<X, OuterAt<pos::$p>>
            for ($($before,)* Outer<X>, $($after,)*) {}
    )*};
}

outer_slot_impls! {
    1: [] P0 [];
    2: [] P0 [B];
    2: [A] P1 [];
    3: [] P0 [B, C];
    3: [A] P1 [C];
    3: [A, B] P2 [];
    4: [] P0 [B, C, D];
    4: [A] P1 [C, D];
    4: [A, B] P2 [D];
    4: [A, B, C] P3 [];
    5: [] P0 [B, C, D, E];
    5: [A] P1 [C, D, E];
    5: [A, B] P2 [D, E];
    5: [A, B, C] P3 [E];
    5: [A, B, C, D] P4 [];
    6: [] P0 [B, C, D, E, F];
    6: [A] P1 [C, D, E, F];
    6: [A, B] P2 [D, E, F];
    6: [A, B, C] P3 [E, F];
    6: [A, B, C, D] P4 [F];
    6: [A, B, C, D, E] P5 [];
}

/// Which row types of a subquery may be compared with a value of type `V` by
/// [`in_subquery`](Column::in_subquery): `V` itself, or `V` and `Option<V>` either way round.
#[diagnostic::on_unimplemented(
    message = "a subquery returning `{Self}` cannot be compared with a value of type `{V}`",
    label = "this subquery's rows are `{Self}`",
    note = "select one column of type `{V}` (or `Option<{V}>`) in the subquery: `.columns(Post::user_id)`"
)]
///
/// ```
/// # #[derive(weft::Table)] struct Post { #[column(primary_key)] id: i64, parent: Option<i64> }
/// // `i64` ids in a subquery of `Option<i64>` values: allowed either way round.
/// let q = weft::select::<Post>().filter(Post::id.in_subquery(weft::select::<Post>().columns(Post::parent)));
/// ```
pub trait SubqueryOf<V> {}
impl<V: SqlValue> SubqueryOf<V> for V {}
#[diagnostic::do_not_recommend]
impl<V: SqlValue> SubqueryOf<Option<V>> for V {}
#[diagnostic::do_not_recommend]
impl<V: SqlValue> SubqueryOf<V> for Option<V> {}

fn in_query<Q: Subquery>(lhs: Node, query: Q, negated: bool) -> Node {
    Node::Query {
        kind: QueryKind::In { negated },
        args: vec![lhs],
        query: Box::new(query.into_select()),
    }
}

macro_rules! subquery_operators {
    ($ty:ident < $($gen:ident),* > , $value:ty, $tables:ty) => {
        impl<$($gen),*> $ty<$($gen),*> {
            /// `self IN (SELECT …)`: the subquery selects one column of this value's type
            /// (or its nullable form). A correlated subquery's outer tables are read too.
            ///
            /// ```
            /// # use weft::Table;
            /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
            /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
            /// let authors = weft::select::<Post>().columns(Post::user_id);
            /// let q = weft::select::<User>().filter(User::id.in_subquery(authors));
            /// assert_eq!(
            ///     q.to_sql(weft::Backend::Postgres).text,
            ///     r#"SELECT "user"."id", "user"."name" FROM "user" WHERE "user"."id" IN (SELECT "post"."user_id" FROM "post")"#
            /// );
            /// ```
            pub fn in_subquery<Q>(self, query: Q) -> Expr<bool, ($tables, Q::Outer)>
            where
                Q: Subquery,
                Q::Row: SubqueryOf<$value>,
            {
                Expr::from_node(in_query(Expression::into_node(self), query, false))
            }

            /// `self NOT IN (SELECT …)`. As in SQL, a NULL among the subquery's values makes
            /// the condition unknown (no row matches): select a non-null column, or filter
            /// the NULLs out in the subquery.
            ///
            /// ```
            /// # use weft::Table;
            /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
            /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
            /// let authors = weft::select::<Post>().columns(Post::user_id);
            /// let q = weft::select::<User>().filter(User::id.not_in_subquery(authors));
            /// assert_eq!(
            ///     q.to_sql(&weft::dialect::MariaDb).text,
            ///     "SELECT `user`.`id`, `user`.`name` FROM `user` WHERE `user`.`id` NOT IN (SELECT `post`.`user_id` FROM `post`)"
            /// );
            /// ```
            pub fn not_in_subquery<Q>(self, query: Q) -> Expr<bool, ($tables, Q::Outer)>
            where
                Q: Subquery,
                Q::Row: SubqueryOf<$value>,
            {
                Expr::from_node(in_query(Expression::into_node(self), query, true))
            }
        }
    };
}

subquery_operators!(Column<T, V>, V, Dep<T>);
subquery_operators!(Expr<V, D>, V, D);

/// `EXISTS (SELECT …)` of any query: true when it returns a row. A correlated subquery
/// (see [`Select::outer`](crate::Select::outer)) reads the outer query's row.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
/// let posts = weft::select::<Post>().outer::<User>().filter(Post::user_id.eq(User::id));
/// let q = weft::select::<User>().filter(weft::exists(posts)).columns(User::name);
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "user"."name" FROM "user" WHERE EXISTS (SELECT "post"."id", "post"."user_id", "post"."title" FROM "post" WHERE "post"."user_id" = "user"."id")"#
/// );
/// ```
pub fn exists<Q: Subquery>(query: Q) -> Expr<bool, Q::Outer> {
    exists_node(query, false)
}

/// `NOT EXISTS (SELECT …)`: true when the query returns no row.
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64, title: String }
/// let posts = weft::select::<Post>().outer::<User>().filter(Post::user_id.eq(User::id));
/// let q = weft::select::<User>().filter(weft::not_exists(posts)).columns(User::name);
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "SELECT `user`.`name` FROM `user` WHERE NOT EXISTS (SELECT `post`.`id`, `post`.`user_id`, `post`.`title` FROM `post` WHERE `post`.`user_id` = `user`.`id`)"
/// );
/// ```
pub fn not_exists<Q: Subquery>(query: Q) -> Expr<bool, Q::Outer> {
    exists_node(query, true)
}

fn exists_node<Q: Subquery>(query: Q, negated: bool) -> Expr<bool, Q::Outer> {
    Expr::from_node(Node::Query {
        kind: QueryKind::Exists { negated },
        args: Vec::new(),
        query: Box::new(query.into_select()),
    })
}

/// A scalar subquery `(SELECT …)` of type `V`: built by
/// [`Select::scalar`](crate::Select::scalar).
#[doc(hidden)]
pub fn scalar_node<V, D>(query: ast::Select) -> Expr<V, D> {
    Expr::from_node(Node::Query {
        kind: QueryKind::Scalar,
        args: Vec::new(),
        query: Box::new(query),
    })
}

/// A value as an expression of its own, bound like every value: a constant column of a
/// query (`.columns((Comment::id, weft::value(0i64)))`).
///
/// ```
/// # use weft::Table;
/// # #[derive(Table)] struct User { #[column(primary_key)] id: i64 }
/// let q = weft::select::<User>().columns((User::id, weft::value(0i64)));
/// assert_eq!(q.to_sql(weft::Backend::Postgres).text, r#"SELECT "user"."id", $1 FROM "user""#);
/// ```
pub fn value<V: SqlValue>(value: V) -> Expr<V, ()> {
    Expr::from_node(Node::Bind(value.into_value()))
}

impl<V, D> Expr<Option<Option<V>>, D> {
    /// The same value with one `Option` fewer: a scalar subquery over a nullable column is
    /// `Option<Option<V>>` (no row, or a row holding NULL), and SQL cannot tell the two
    /// apart: both are NULL.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, email: Option<String> }
    /// let first_email = weft::select::<User>().order_by(User::id).limit(1).columns(User::email);
    /// let e: weft::Expr<Option<String>, _> = first_email.scalar().flatten();
    /// ```
    pub fn flatten(self) -> Expr<Option<V>, D> {
        Expr::from_node(self.node)
    }
}

//! `excluded(column)`: in an upsert's `DO UPDATE`, the value the insert proposed.

use std::marker::PhantomData;

use super::{Column, Expr, Node};

/// Marks an expression that reads the row an upsert of `T` proposed (a leaf of the type-level
/// list of tables an expression reads, as [`Dep`](super::Dep) is for a table's columns).
///
/// It is accepted only in an upsert of `T` (`.on_conflict(…).do_update(…)`): a `SELECT`,
/// `UPDATE` or `DELETE` has no proposed row, and a query reading one does not compile.
pub struct Proposed<T>(PhantomData<fn() -> T>);

/// The value the insert proposed for `column` in the row that conflicted: in an upsert's
/// `DO UPDATE`, `excluded."c"` on SQLite and PostgreSQL, ``VALUES(`c`)`` on the MySQL family.
/// A bare column (`User::visits`) there reads the existing row instead.
///
/// ```
/// # use weft::Table;
/// use weft::excluded;
///
/// #[derive(Table)]
/// struct User {
///     #[column(primary_key, auto)]
///     id: i64,
///     #[column(unique)]
///     name: String,
///     visits: i64,
/// }
///
/// let q = weft::insert(NewUser { id: None, name: "ann".into(), visits: 1 })
///     .on_conflict(User::name)
///     .do_update(|set| set.set(User::visits, excluded(User::visits)));
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres)[0].text,
///     r#"INSERT INTO "user" ("name", "visits") VALUES ($1, $2) ON CONFLICT ("name") DO UPDATE SET "visits" = excluded."visits""#
/// );
/// ```
pub fn excluded<T, V>(column: Column<T, V>) -> Expr<V, Proposed<T>> {
    Expr::from_node(Node::Excluded(column.name()))
}

/// Holds when the row an upsert of `T` proposed is a row of `Self`: `excluded` takes only
/// columns of the table being inserted into.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`excluded` reads a column of `{Self}`, but this upsert inserts into `{T}`",
    label = "the proposed row is a `{T}`: this reads a column of `{Self}`",
    note = "`excluded(…)` takes a column of the table being inserted into, such as `excluded({T}::<column>)`"
)]
pub trait ProposedFor<T> {}

impl<T> ProposedFor<T> for T {}

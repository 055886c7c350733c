//! Which tables a relation's conditions may read: its filter and order read the related table
//! and, with `through`, the junction; its source filter reads the table it starts from (the
//! parent row). Checked at compile time like a query's tables (`expr::Within`), with a message
//! of its own.

use crate::expr::{Dep, pos};

/// The tables a relation's `.filter(…)` and `.order_by(…)` read: its target `T` and its
/// junction `J` ([`NoJunction`] without `through`).
pub struct RelTables<T, J>(std::marker::PhantomData<fn() -> (T, J)>);

/// The table a relation's `.filter_source(…)` reads: its source `S`, the parent row.
pub struct RelSource<S>(std::marker::PhantomData<fn() -> S>);

/// The junction of a relation without `through` (its [`Relation::Junction`]): no table, so
/// a relation's condition finds no column in it.
///
/// [`Relation::Junction`]: crate::Relation::Junction
pub struct NoJunction;

/// Implemented by a relation's readable tables (`Self`) for each table `T` among them.
#[diagnostic::on_unimplemented(
    message = "`{T}` is not a table this relation's condition can read",
    label = "this reads a column of `{T}`",
    note = "a relation's `filter` and `order_by` read its related table and, with `through`, the junction's columns; `filter_source` reads the table the relation is declared on (the parent row): `#[relation(many, through = J, filter_source = User::id.ge(2))]` or `.with(User::groups.filter_source(User::id.ge(2)))`",
    note = "to choose the parent rows themselves, filter the query: `find_many::<User>().filter(User::name.eq(…)).with(User::posts)`; to filter on another table, nest the relation that reaches it: `.filter(Post::comments.exists())`"
)]
pub trait InRelation<T, I> {}

#[diagnostic::do_not_recommend]
impl<T, J> InRelation<T, pos::P0> for RelTables<T, J> {}
#[diagnostic::do_not_recommend]
impl<T, J> InRelation<J, pos::P1> for RelTables<T, J> {}
#[diagnostic::do_not_recommend]
impl<S> InRelation<S, pos::P0> for RelSource<S> {}

/// Holds when every table an expression reads (`Self`) is among a relation's readable tables
/// `S` ([`RelTables`] or [`RelSource`]); the error is [`InRelation`]'s, naming the table.
pub trait WithinRelation<S, I> {}
#[diagnostic::do_not_recommend]
impl<S> WithinRelation<S, ()> for () {}
impl<S: InRelation<T, I>, T, I> WithinRelation<S, I> for Dep<T> {}
impl<S, A: WithinRelation<S, IA>, B: WithinRelation<S, IB>, IA, IB> WithinRelation<S, (IA, IB)>
    for (A, B)
{
}

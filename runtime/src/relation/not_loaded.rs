//! What reading a relation the query did not load says: [`NotLoaded`] has the methods a
//! loaded value (`Vec`, `Option`) is read with, each refused at compile time with weft's
//! message instead of rustc's "no method `len` found for `NotLoaded`".
//!
//! Each method's bound, `for<'a> NotLoaded: RelationLoaded`, is never satisfied; being higher ranked,
//! it is checked where the method is called (not where it is declared), so the error points
//! at the user's line.

use super::NotLoaded;

/// Implemented by nothing: a relation field of type [`NotLoaded`] was not loaded by the
/// query that returned its row.
#[diagnostic::on_unimplemented(
    message = "this relation was not loaded by the query: its field is `weft::NotLoaded`",
    label = "not loaded",
    note = "load it with `.with(…)` on the query, e.g. `weft::find_many::<User>().with(User::posts)`: the row's type then holds `Vec<Post>` (or `Post`, `Option<Post>`) in that field",
    note = "a function that takes rows with the relation loaded names it in the type: `User<Vec<Post>>`"
)]
pub trait RelationLoaded {}

impl NotLoaded {
    /// Refused at compile time: the relation was not loaded (see [`RelationLoaded`]).
    pub fn len(&self) -> usize
    where
        for<'a> NotLoaded: RelationLoaded,
    {
        0
    }

    /// Refused at compile time: the relation was not loaded (see [`RelationLoaded`]).
    pub fn is_empty(&self) -> bool
    where
        for<'a> NotLoaded: RelationLoaded,
    {
        true
    }

    /// Refused at compile time: the relation was not loaded (see [`RelationLoaded`]).
    pub fn iter(&self) -> std::iter::Empty<&NotLoaded>
    where
        for<'a> NotLoaded: RelationLoaded,
    {
        std::iter::empty()
    }

    /// Refused at compile time: the relation was not loaded (see [`RelationLoaded`]).
    pub fn first(&self) -> Option<&NotLoaded>
    where
        for<'a> NotLoaded: RelationLoaded,
    {
        None
    }

    /// Refused at compile time: the relation was not loaded (see [`RelationLoaded`]).
    pub fn get(&self, _index: usize) -> Option<&NotLoaded>
    where
        for<'a> NotLoaded: RelationLoaded,
    {
        None
    }

    /// Refused at compile time: the relation was not loaded (see [`RelationLoaded`]).
    pub fn is_some(&self) -> bool
    where
        for<'a> NotLoaded: RelationLoaded,
    {
        false
    }

    /// Refused at compile time: the relation was not loaded (see [`RelationLoaded`]).
    pub fn is_none(&self) -> bool
    where
        for<'a> NotLoaded: RelationLoaded,
    {
        true
    }
}

/// Implemented by nothing: `order_by` was given a relation (`User::posts`), which is not a
/// column.
#[diagnostic::on_unimplemented(
    message = "a relation cannot be ordered by: `order_by` takes a column or an expression",
    label = "a relation, not a column",
    note = "order by a column of the table (`User::id`); to order the related rows themselves, give the relation its order: `.with(User::posts.order_by(Post::id))`"
)]
pub trait ColumnToOrderBy {}

/// What `order_by` was given, as its error names it: a relation handle (`User::posts`).
#[derive(Debug)]
pub struct RelationHandle;

impl<M, L> crate::expr::IntoOrder for super::Rel<M, L>
where
    for<'a> RelationHandle: ColumnToOrderBy,
{
    type Tables = ();

    fn into_order(self) -> (crate::expr::Node, crate::expr::Direction) {
        // Never called: the bound above holds for no type.
        (crate::expr::Node::Int(1), crate::expr::Direction::Asc)
    }
}

/// Implemented only by [`NotLoaded`]: `.with(…)` loads a relation whose field is still
/// `NotLoaded`, so a second `.with` of the same relation (which would replace the first one's
/// filter, order and nested relations) is a compile error.
#[diagnostic::on_unimplemented(
    message = "this relation is already loaded by an earlier `.with(…)` of the query",
    label = "the same relation a second time",
    note = "give the relation once, with all it needs: `.with(User::posts.filter(…).order_by(…).with(Post::comments))`"
)]
pub trait NotYetLoaded {}

impl NotYetLoaded for NotLoaded {}

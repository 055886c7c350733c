//! Relations between tables and relational queries (`find_many::<User>().with(User::groups)`).
//!
//! A relation field is a type parameter of its struct that defaults to [`NotLoaded`]; loading
//! it with `.with(…)` changes the result type, so reading a relation the query did not load
//! does not compile. Loading happens in one statement (JSON aggregation) or in one statement
//! per relation level (batched), never one per parent.

mod fetch;
mod find;
mod keys;
mod load;
mod nested;
mod not_loaded;
mod scope;
mod sql;
mod subset;
mod tap;
mod write;

#[doc(hidden)]
pub use crate::decode::{JsonRow, JsonStop};
pub use crate::schema::{Cardinality, Keys, RelationMeta, RelationSpec, resolve};
pub use fetch::Fetch;
pub use find::{
    Extras, FindMany, NoExtras, RootExtras, Strategy, WholeRows, find_first, find_many,
};
pub use load::{Base, Extra, Loader, Pick, With};
pub use not_loaded::{ColumnToOrderBy, NotYetLoaded, RelationHandle, RelationLoaded};
pub use scope::{InRelation, NoJunction, RelSource, RelTables, WithinRelation};
pub use subset::{NoColumns, Subset};
pub use write::{InsertNested, ManyKind, insert_nested};

use std::marker::PhantomData;

use crate::error::Error;
use crate::expr::{Condition, Dep, Direction, Expr, IntoOrder, Node, Within};
use crate::query::Selection;
use crate::schema::Table;

/// The value of a relation field that the query did not load. It holds nothing, cannot be
/// iterated, and is left out when the row is serialized.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NotLoaded;

/// Relation kinds: how many related rows a parent has, and so the loaded field's type.
pub mod kind {
    /// One-to-many or many-to-many: `Vec<T>`.
    #[derive(Debug)]
    pub struct Many;
    /// Exactly one related row (a non-null foreign key on this table): `T`.
    #[derive(Debug)]
    pub struct One;
    /// At most one related row: `Option<T>`.
    #[derive(Debug)]
    pub struct OptionalOne;
}

/// How a kind wraps the loaded rows.
pub trait RelationKind: Send + Sync + 'static {
    /// The loaded field's type for target rows `T`.
    type Wrap<T: Send>: Send;
    /// What the kind is, as metadata ([`RelationMeta::kind`]).
    const CARDINALITY: Cardinality;
    /// What `.filter(…)` on a relation of this kind gives: the relation again, or, for a
    /// relation that always loads exactly one row, a [`FilteredOne`] that `exists`, `not_exists`
    /// and `count` take but `.with(…)` does not.
    type Filtered<M, L>;
    #[doc(hidden)]
    fn wrap<T: Send>(rows: Vec<T>) -> Result<Self::Wrap<T>, String>;
    #[doc(hidden)]
    fn filtered<M, L>(rel: Rel<M, L>) -> Self::Filtered<M, L>;
}

/// Kinds whose loaded value may hold no row (`Vec`, `Option`), and so may be filtered,
/// limited or offset.
#[diagnostic::on_unimplemented(
    message = "this relation always loads exactly one row, so it cannot be filtered, limited or offset",
    label = "a `one` relation with a non-null key",
    note = "declare it `#[relation(one = …, optional)]` to load an `Option`, or filter the parent query instead: `.filter(Post::author.filter(User::name.eq(…)).exists())`"
)]
pub trait MayBeEmpty {}
impl MayBeEmpty for kind::Many {}
impl MayBeEmpty for kind::OptionalOne {}

impl RelationKind for kind::Many {
    type Wrap<T: Send> = Vec<T>;
    const CARDINALITY: Cardinality = Cardinality::ZeroOrMore;
    type Filtered<M, L> = Rel<M, L>;
    fn filtered<M, L>(rel: Rel<M, L>) -> Rel<M, L> {
        rel
    }
    fn wrap<T: Send>(rows: Vec<T>) -> Result<Vec<T>, String> {
        Ok(rows)
    }
}

impl RelationKind for kind::One {
    type Wrap<T: Send> = T;
    const CARDINALITY: Cardinality = Cardinality::ExactlyOne;
    type Filtered<M, L> = FilteredOne<M, L>;
    fn filtered<M, L>(rel: Rel<M, L>) -> FilteredOne<M, L> {
        FilteredOne(rel)
    }
    fn wrap<T: Send>(rows: Vec<T>) -> Result<T, String> {
        let mut rows = rows.into_iter();
        match (rows.next(), rows.next()) {
            (Some(row), None) => Ok(row),
            (None, _) => {
                Err("a required related row is missing (the foreign key points nowhere)".into())
            }
            (Some(_), Some(_)) => Err("found several related rows where one was expected".into()),
        }
    }
}

impl RelationKind for kind::OptionalOne {
    type Wrap<T: Send> = Option<T>;
    const CARDINALITY: Cardinality = Cardinality::ZeroOrOne;
    type Filtered<M, L> = Rel<M, L>;
    fn filtered<M, L>(rel: Rel<M, L>) -> Rel<M, L> {
        rel
    }
    fn wrap<T: Send>(rows: Vec<T>) -> Result<Option<T>, String> {
        let mut rows = rows.into_iter();
        match (rows.next(), rows.next()) {
            (row, None) => Ok(row),
            _ => Err("found several related rows where at most one was expected".into()),
        }
    }
}

/// A relation, as `#[derive(Table)]` declares it for a `#[relation(…)]` field. Implemented by a
/// hidden marker type per relation.
pub trait Relation: Send + Sync + 'static {
    /// The table the relation is declared on.
    type Source: Table;
    /// The related table.
    type Target: Table;
    /// The junction table of a `through` relation; [`NoJunction`] otherwise.
    type Junction: 'static;
    /// Many, one or optional one.
    type Kind: RelationKind;
    /// Tables, keys and junction, resolved at compile time.
    const META: &'static RelationMeta;
    /// The relation's predefined filter on the target and the junction, if any.
    const FILTER: Option<fn() -> Node> = None;
    /// The relation's predefined filter on its source (the parent row), if any.
    const SOURCE_FILTER: Option<fn() -> Node> = None;
}

/// Marks a relation as declared on table `T`.
#[diagnostic::on_unimplemented(
    message = "this relation does not belong to `{T}`",
    label = "a relation of another table",
    note = "a query of `{T}` loads `{T}`'s relations; load a relation of a related table inside it: `.with({T}::posts.with(Post::comments))`"
)]
pub trait RelationOf<T> {}

/// Names the table on the other side of a junction from `T`. `#[derive(Table)]` implements it
/// on tables with exactly two foreign keys, into two different tables.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a junction between `{T}` and another table",
    label = "`through` needs a table with one foreign key into `{T}` and one into the related table",
    note = "add `#[column(references = …)]` to the junction's two key columns, or name the related table and the keys: `#[relation(many = Other, through = {Self}, from = {Self}::…, to = {Self}::…)]`"
)]
pub trait Through<T> {
    /// The table on the other side.
    type Other: Table;
}

/// A relation no table has (see the derive's second `SetRelation` impl).
#[doc(hidden)]
pub struct NoRelation;

/// Replaces the relation field `M` of a row type with a loaded value of type `X`. Implemented
/// by `#[derive(Table)]` for each relation.
#[diagnostic::on_unimplemented(
    message = "this relation does not belong to `{Self}`",
    label = "a relation of another table",
    note = "`.with(…)` takes relations of the table being loaded: `find_many::<User>().with(User::groups)`"
)]
pub trait SetRelation<M, X> {
    /// The row type with the relation loaded.
    type Out;
    /// The relation field's type before: [`NotLoaded`] unless an earlier `.with(…)` loaded
    /// it (a second `.with` of one relation is refused through [`NotYetLoaded`]).
    type Current;
    #[doc(hidden)]
    fn set_relation(self, value: X) -> Self::Out;
}

/// A relation to load, with its own filter, order, limit, offset and nested relations:
/// `User::posts.filter(…).order_by(…).limit(3).with(Post::comments)`.
///
/// `#[derive(Table)]` generates one per relation field as an associated constant.
#[must_use = "pass this to `.with(…)`"]
pub struct Rel<M, L> {
    pub(crate) plan: Plan,
    pub(crate) loader: L,
    _relation: PhantomData<fn() -> M>,
}

/// Per-relation options, untyped.
#[derive(Default)]
pub(crate) struct Plan {
    pub(crate) filter: Option<Node>,
    pub(crate) source_filter: Option<Node>,
    pub(crate) order: Vec<(Node, Direction)>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

impl Plan {
    pub(crate) const fn new() -> Self {
        Plan {
            filter: None,
            source_filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
        }
    }
}

impl<M: Relation> Rel<M, Base<M::Target>> {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn new() -> Self {
        Rel {
            plan: Plan::new(),
            loader: Base::new(),
            _relation: PhantomData,
        }
    }
}

impl<M: Relation, L: Loader<Table = M::Target>> Rel<M, L> {
    /// Loads only `selection` (columns of the related table, or a `#[derive(Selectable)]`
    /// struct's `as_select()`) of each related row, as [`Subset`] rows named by column; nested
    /// relations load onto them as onto whole rows (`.columns(…)` comes before `.with(…)`).
    pub fn columns<S, I>(self, selection: S) -> Rel<M, Pick<M::Target, S>>
    where
        L: WholeRows,
        S: Selection + 'static,
        S::Tables: Within<(M::Target,), I>,
    {
        Rel {
            plan: self.plan,
            loader: Pick::new(selection),
            _relation: PhantomData,
        }
    }

    /// Loads none of the related rows' columns, only the relations nested with `.with(…)`
    /// (Drizzle's `columns: {}`, for a junction whose own columns are not wanted).
    pub fn no_columns(self) -> Rel<M, Pick<M::Target, NoColumns>>
    where
        L: WholeRows,
    {
        Rel {
            plan: self.plan,
            loader: Pick::new(NoColumns::new()),
            _relation: PhantomData,
        }
    }
}

impl<M: Relation> Default for Rel<M, Base<M::Target>> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Relation, L: Loader<Table = M::Target>> Rel<M, L> {
    /// Loads only related rows where `condition` holds (several calls are joined with `AND`).
    /// The condition reads the related table and, for a `through` relation, the junction's
    /// columns (`.filter(UsersToGroups::role.eq("admin"))`).
    ///
    /// On a `one` relation that always has its row, the result is a [`FilteredOne`]: a
    /// condition for `exists`, `not_exists` and `count`, which cannot be loaded.
    pub fn filter<C, I>(mut self, condition: C) -> <M::Kind as RelationKind>::Filtered<M, L>
    where
        C: Condition,
        C::Tables: WithinRelation<RelTables<M::Target, M::Junction>, I>,
    {
        self.plan.filter = crate::query::and_filter(self.plan.filter.take(), condition.into_node());
        M::Kind::filtered(self)
    }

    /// Loads related rows only for parents where `condition` holds: a condition on the table
    /// the relation is declared on, the parent row (Drizzle's relation `where` on the source
    /// side). A parent where it does not hold has no related rows. Several calls are joined
    /// with `AND`, and with [`filter`](Self::filter).
    pub fn filter_source<C, I>(mut self, condition: C) -> <M::Kind as RelationKind>::Filtered<M, L>
    where
        C: Condition,
        C::Tables: WithinRelation<RelSource<M::Source>, I>,
    {
        self.plan.source_filter =
            crate::query::and_filter(self.plan.source_filter.take(), condition.into_node());
        M::Kind::filtered(self)
    }

    /// Orders each parent's related rows, by the related table's columns or, for a `through`
    /// relation, the junction's (which also chooses the row a `one, through` relation loads).
    pub fn order_by<O, I>(mut self, order: O) -> Self
    where
        O: IntoOrder,
        O::Tables: WithinRelation<RelTables<M::Target, M::Junction>, I>,
    {
        self.plan.order.push(order.into_order());
        self
    }

    /// Loads at most `n` related rows per parent.
    pub fn limit(mut self, n: u64) -> Self
    where
        M::Kind: MayBeEmpty,
    {
        self.plan.limit = Some(n);
        self
    }

    /// Skips the first `n` related rows of each parent.
    pub fn offset(mut self, n: u64) -> Self
    where
        M::Kind: MayBeEmpty,
    {
        self.plan.offset = Some(n);
        self
    }

    /// Also loads a relation of the related rows: `User::posts.with(Post::comments)`.
    pub fn with<R: RelationArg>(self, nested: R) -> Rel<M, With<L, R::Marker, R::Loader>>
    where
        R::Marker: RelationOf<M::Target>,
        L::Out: SetRelation<R::Marker, Loaded<R>>,
        <L::Out as SetRelation<R::Marker, Loaded<R>>>::Out: Send,
        <L::Out as SetRelation<R::Marker, Loaded<R>>>::Current: NotYetLoaded,
    {
        Rel {
            plan: self.plan,
            loader: With::new(self.loader, nested.into_rel()),
            _relation: PhantomData,
        }
    }

    /// Also returns computed values per related row: a column expression, a function, or a
    /// count of a nested relation (`Post::comments.count()`, with its own filters), or a tuple
    /// of them. Related rows become `(row, extras)`; `.with(…)` may follow.
    pub fn extras<X, I>(self, extras: X) -> Rel<M, Extra<L, X>>
    where
        X: Selection + 'static,
        X::Tables: Within<(M::Target,), I>,
    {
        Rel {
            plan: self.plan,
            loader: Extra::new(self.loader, extras),
            _relation: PhantomData,
        }
    }

    /// `EXISTS` a related row: a condition on the parent table. It honours the relation's
    /// filters (predefined and `.filter(…)`), not its order, limit or offset.
    pub fn exists(self) -> Expr<bool, Dep<M::Source>> {
        exists_node::<M>(self.plan, false)
    }

    /// `NOT EXISTS` a related row.
    pub fn not_exists(self) -> Expr<bool, Dep<M::Source>> {
        exists_node::<M>(self.plan, true)
    }

    /// How many related rows (matching this relation's filters; order, limit and offset do
    /// not apply) a row has: for `extras`, `order_by` or `filter`.
    pub fn count(self) -> Expr<i64, Dep<M::Source>> {
        count_node::<M>(self.plan)
    }
}

fn exists_node<M: Relation>(plan: Plan, negated: bool) -> Expr<bool, Dep<M::Source>> {
    Expr::from_node(Node::Exists {
        relation: M::META,
        filter: combine_filters(M::FILTER, plan.filter).map(Box::new),
        source: combine_filters(M::SOURCE_FILTER, plan.source_filter).map(Box::new),
        negated,
    })
}

fn count_node<M: Relation>(plan: Plan) -> Expr<i64, Dep<M::Source>> {
    Expr::from_node(Node::CountRelated {
        relation: M::META,
        filter: combine_filters(M::FILTER, plan.filter).map(Box::new),
        source: combine_filters(M::SOURCE_FILTER, plan.source_filter).map(Box::new),
    })
}

/// A filtered `one` relation that always loads exactly one row (a non-null key on the
/// source): a condition for [`exists`](Self::exists), [`not_exists`](Self::not_exists) and
/// [`count`](Self::count) (`Post::author.filter(User::name.eq("ann")).exists()`), nested to
/// any depth. It cannot be loaded with `.with(…)`: filtering could leave a row without the
/// related row its type promises.
#[must_use = "use it in a condition: `.exists()`, `.not_exists()` or `.count()`"]
pub struct FilteredOne<M, L>(Rel<M, L>);

impl<M: Relation, L: Loader<Table = M::Target>> FilteredOne<M, L> {
    /// More conditions on the related row (joined with `AND`).
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: WithinRelation<RelTables<M::Target, M::Junction>, I>,
    {
        self.0.plan.filter =
            crate::query::and_filter(self.0.plan.filter.take(), condition.into_node());
        self
    }

    /// More conditions on the source row (joined with `AND`).
    pub fn filter_source<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: WithinRelation<RelSource<M::Source>, I>,
    {
        self.0.plan.source_filter =
            crate::query::and_filter(self.0.plan.source_filter.take(), condition.into_node());
        self
    }

    /// `EXISTS` a related row matching the filters: a condition on the source table.
    pub fn exists(self) -> Expr<bool, Dep<M::Source>> {
        exists_node::<M>(self.0.plan, false)
    }

    /// `NOT EXISTS` a related row matching the filters.
    pub fn not_exists(self) -> Expr<bool, Dep<M::Source>> {
        exists_node::<M>(self.0.plan, true)
    }

    /// How many related rows (0 or 1) match the filters.
    pub fn count(self) -> Expr<i64, Dep<M::Source>> {
        count_node::<M>(self.0.plan)
    }
}

/// Only a relation that may load no row can be loaded filtered: the error is
/// [`MayBeEmpty`]'s.
impl<M: Relation, L: Loader<Table = M::Target>> RelationArg for FilteredOne<M, L>
where
    M::Kind: MayBeEmpty,
{
    type Marker = M;
    type Loader = L;
    fn into_rel(self) -> Rel<M, L> {
        self.0
    }
}

/// What `.with(…)` takes: a relation handle, possibly with its own options and nested
/// relations. Taking the handle as one type keeps rustc from guessing the relation from the
/// table's other relations when a wrong one is passed.
pub trait RelationArg {
    /// The relation.
    type Marker: Relation;
    /// How its rows are loaded.
    type Loader: Loader<Table = <Self::Marker as Relation>::Target>;
    #[doc(hidden)]
    fn into_rel(self) -> Rel<Self::Marker, Self::Loader>;
}

impl<M: Relation, L: Loader<Table = M::Target>> RelationArg for Rel<M, L> {
    type Marker = M;
    type Loader = L;
    fn into_rel(self) -> Self {
        self
    }
}

/// The loaded value of relation argument `R`: `Vec<Row>`, `Row` or `Option<Row>`.
pub type Loaded<R> = <<<R as RelationArg>::Marker as Relation>::Kind as RelationKind>::Wrap<
    <<R as RelationArg>::Loader as Loader>::Out,
>;

/// A relation's predefined filter (`Relation::FILTER`) and the query's own, ANDed.
pub(crate) fn combine_filters(predefined: Option<fn() -> Node>, own: Option<Node>) -> Option<Node> {
    let predefined = predefined.map(|f| f());
    match own {
        Some(own) => crate::query::and_filter(predefined, own),
        None => predefined,
    }
}

/// Errors while attaching loaded rows name the relation.
pub(crate) fn relation_error(meta: &RelationMeta, message: String, sql: &str) -> Error {
    Error::Decode {
        table: meta.source.name,
        column: meta.name,
        message,
        sql: sql.to_owned(),
    }
}

/// Whether a relation field holds loaded data (used by generated `Serialize` impls to leave
/// unloaded relations out).
pub trait IsLoaded {
    /// `false` only for [`NotLoaded`].
    fn is_loaded(&self) -> bool {
        true
    }
}
impl IsLoaded for NotLoaded {
    fn is_loaded(&self) -> bool {
        false
    }
}
impl<T> IsLoaded for Vec<T> {}
impl<T> IsLoaded for Option<T> {}

impl serde::Serialize for NotLoaded {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

//! Nested inserts: a parent row with its `many` children and its many-to-many links, in one
//! call and one transaction, returning the parent loaded with those relations.

use std::future::Future;
use std::pin::Pin;

use super::find::{FindMany, find_many};
use super::load::{Base, Loader, With};
use super::{Rel, Relation, RelationKind, RelationOf, SetRelation};
use crate::ast::BinOp;
use crate::error::{Error, Result};
use crate::exec::{Db, Tx};
use crate::expr::Node;
use crate::query::{Insert, insert};
use crate::schema::{Insertable, RelationMeta, Table};
use crate::value::Value;

type Wrapped<M, C> = <<M as Relation>::Kind as RelationKind>::Wrap<<C as Loader>::Out>;

type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Starts a nested insert of `row` (the table's struct or its insert form): add children with
/// [`many`](InsertNested::many) and junction rows with [`link`](InsertNested::link), then
/// [`run`](InsertNested::run) it.
///
/// The children's and junction rows' keys into the parent are set by weft from the parent's
/// key as inserted (generated or given): whatever the rows hold there is replaced.
pub fn insert_nested<R>(row: R) -> InsertNested<Base<R::Table>>
where
    R: Insertable<Slot = Value>,
    R::Table: Insertable,
{
    InsertNested {
        parent: insert(row),
        children: Vec::new(),
        find: find_many::<R::Table>(),
    }
}

/// A nested insert (see [`insert_nested`]): the parent, the rows to insert with its key, and
/// the relational query that reads it back.
#[must_use = "a nested insert does nothing until it runs: call `.run(&db)`"]
pub struct InsertNested<L: Loader> {
    parent: Insert<L::Table, Value>,
    children: Vec<(&'static RelationMeta, Box<dyn ChildRows>)>,
    find: FindMany<L>,
}

/// The kind of a one-to-many relation: the only kind whose related rows hold the key into
/// their parent without a junction, so `.many(…)` can insert them.
#[diagnostic::on_unimplemented(
    message = "`.many(…)` inserts the rows of a one-to-many relation",
    label = "not a `many` relation",
    note = "a `one` relation's row is inserted on its own; a `through` relation's links are inserted with `.link(…)`"
)]
pub trait ManyKind {}
impl ManyKind for super::kind::Many {}

/// Rows of some table to insert once the parent's key is known.
trait ChildRows: Send + Sync {
    fn set_column(&mut self, col: usize, value: &Value);
    fn is_empty(&self) -> bool;
    fn execute<'a>(&'a self, tx: &'a mut Tx<'static>) -> LocalFuture<'a, Result<u64>>;
}

impl<T: Table> ChildRows for Insert<T, Value> {
    fn set_column(&mut self, col: usize, value: &Value) {
        Insert::set_column(self, col, value)
    }
    fn is_empty(&self) -> bool {
        Insert::is_empty(self)
    }
    fn execute<'a>(&'a self, tx: &'a mut Tx<'static>) -> LocalFuture<'a, Result<u64>> {
        Box::pin(Insert::execute(self, tx))
    }
}

impl<L: Loader> InsertNested<L>
where
    L::Table: Insertable,
{
    /// Also inserts `rows` as the parent's children in `relation`, a one-to-many (or a `one`
    /// whose key is on the related table) without a junction (their foreign key is set to the
    /// parent's key), and loads them: `relation` may carry an order
    /// and nested relations for the read back, as in `.with(…)`.
    pub fn many<M, C, R, I>(self, relation: Rel<M, C>, rows: I) -> InsertNested<With<L, M, C>>
    where
        M: Relation<Junction = super::NoJunction> + RelationOf<L::Table>,
        M::Kind: ManyKind,
        C: Loader<Table = M::Target>,
        R: Insertable<Table = M::Target, Slot = Value>,
        I: IntoIterator<Item = R>,
        L::Out: SetRelation<M, Wrapped<M, C>>,
        <L::Out as SetRelation<M, Wrapped<M, C>>>::Out: Send,
        <L::Out as SetRelation<M, Wrapped<M, C>>>::Current: super::NotYetLoaded,
    {
        self.then(M::META, Box::new(crate::query::insert_many(rows)), relation)
    }

    /// Also links the parent to rows of a `through` relation's target: inserts `rows` into the
    /// junction (their keys into the parent set to the parent's key; the keys into the target
    /// name existing rows), and loads the relation.
    pub fn link<M, C, J, R, I>(self, relation: Rel<M, C>, rows: I) -> InsertNested<With<L, M, C>>
    where
        M: Relation<Junction = J> + RelationOf<L::Table>,
        J: Table,
        C: Loader<Table = M::Target>,
        R: Insertable<Table = J, Slot = Value>,
        I: IntoIterator<Item = R>,
        L::Out: SetRelation<M, Wrapped<M, C>>,
        <L::Out as SetRelation<M, Wrapped<M, C>>>::Out: Send,
        <L::Out as SetRelation<M, Wrapped<M, C>>>::Current: super::NotYetLoaded,
    {
        self.then(M::META, Box::new(crate::query::insert_many(rows)), relation)
    }

    /// Adds `rows` (inserted into the table `meta` leads to) and the load of `relation`.
    fn then<M, C>(
        mut self,
        meta: &'static RelationMeta,
        rows: Box<dyn ChildRows>,
        relation: Rel<M, C>,
    ) -> InsertNested<With<L, M, C>>
    where
        M: Relation + RelationOf<L::Table>,
        C: Loader<Table = M::Target>,
        L::Out: SetRelation<M, Wrapped<M, C>>,
        <L::Out as SetRelation<M, Wrapped<M, C>>>::Out: Send,
        <L::Out as SetRelation<M, Wrapped<M, C>>>::Current: super::NotYetLoaded,
    {
        self.children.push((meta, rows));
        InsertNested {
            parent: self.parent,
            children: self.children,
            find: self.find.with(relation),
        }
    }

    /// Reads the parent back with `strategy` instead of the backend's default.
    pub fn strategy(mut self, strategy: super::Strategy) -> Self {
        self.find = self.find.strategy(strategy);
        self
    }

    /// Runs it in one transaction: inserts the parent (returning its generated key), then
    /// each relation's rows with that key, in the order they were added, then reads the parent
    /// back with those relations (one statement, or one per relation where loads are batched).
    /// Any failure rolls all of it back.
    pub async fn run(self, db: &Db) -> Result<L::Out> {
        let InsertNested {
            parent,
            mut children,
            find,
        } = self;
        db.transaction(async move |tx| {
            let row = parent.returning().one(&mut *tx).await?;
            let meta = <L::Table as Table>::META;
            let mut values = vec![None; meta.columns.len()];
            row.write_values(&mut values);
            let value = |col: usize| -> Value {
                values
                    .get(col)
                    .cloned()
                    .flatten()
                    .unwrap_or(Value::Null(meta.columns[col].sql_type))
            };
            for (relation, rows) in &mut children {
                // The child side's columns that hold the parent's key.
                let (_, cols) = relation.child_side();
                for (&child_col, &parent_col) in cols.iter().zip(relation.source_keys.as_slice()) {
                    rows.set_column(child_col, &value(parent_col));
                }
                if !rows.is_empty() {
                    rows.execute(&mut *tx).await?;
                }
            }
            // Read back by the primary key.
            let mut filter: Option<Node> = None;
            for &pk in meta.primary_key {
                let term = Node::Binary(
                    Box::new(Node::Column {
                        table: meta.name,
                        name: meta.columns[pk].name,
                    }),
                    BinOp::Eq,
                    Box::new(Node::Bind(value(pk))),
                );
                filter = crate::query::and_filter(filter.take(), term);
            }
            let find = match filter {
                Some(filter) => find.filter_node(filter),
                None => find,
            };
            find.first(&mut *tx).await?.ok_or_else(|| Error::NotFound {
                sql: format!("reading back the row inserted into `{}`", meta.name),
            })
        })
        .await
    }
}

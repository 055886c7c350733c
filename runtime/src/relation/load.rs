//! Typed loaders: the chain of `.with(…)` calls, which decides the result type and attaches
//! loaded rows to their parents, from nested JSON (one statement) or from one batched
//! statement per relation.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::keys::{Key, KeyBuild, KeyColumns, KeyPart, read_key};
use super::nested::JsonRelations;
use super::sql::{PlanRef, batched_statement, child_key_types};
use super::subset::Subset;
use super::tap::{TAPPED, Tap};
use super::{Rel, Relation, RelationKind, SetRelation, relation_error};
use crate::ast::key_in_columns;
use crate::decode::JsonStop;
use crate::decode::{RowReader, RowRef};
use crate::error::Result;
use crate::exec::Target;
use crate::expr::Node;
use crate::query::Selection;
use crate::schema::Table;
use crate::value::SqlType;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A level of a relational query: the rows of one table and the relations loaded on them.
pub trait Loader: Send + Sync + Sized + 'static {
    /// The table read at this level.
    type Table: Table;
    /// The row decoded at this level before relations are attached: the table's struct, or a
    /// chosen selection of its columns.
    type Row: Send;
    /// The row type produced, with every loaded relation filled in.
    type Out: Send;

    /// The columns read at this level (all of the table's, or a selection).
    #[doc(hidden)]
    fn base_columns(&self, out: &mut Vec<Node>);
    /// Whether [`base_columns`](Self::base_columns) are all of the table's, in its order (so
    /// that a relation's key columns are found there).
    #[doc(hidden)]
    fn all_columns(&self) -> bool;
    #[doc(hidden)]
    fn decode_base(&self, reader: &mut RowReader<'_>) -> Result<Self::Row>;
    /// Reads the row from its columns' JSON projections (the start of a nested row).
    #[doc(hidden)]
    fn decode_base_json<R: JsonRelations>(
        &self,
        row: &mut R,
    ) -> std::result::Result<Self::Row, JsonStop>;
    #[doc(hidden)]
    fn count(&self) -> usize;
    #[doc(hidden)]
    fn plans<'a>(&'a self, out: &mut Vec<PlanRef<'a>>);
    /// Reads this level's relations from the rest of `row`, in order, and attaches them.
    #[doc(hidden)]
    fn attach_json<R: JsonRelations>(
        &self,
        base: Self::Row,
        row: &mut R,
    ) -> std::result::Result<Self::Out, JsonStop>;
    #[doc(hidden)]
    fn attach_batched<'a, 't: 'a>(
        &'a self,
        target: &'a mut Target<'t>,
        rows: Vec<Self::Row>,
        keys: Vec<Vec<Key>>,
    ) -> BoxFuture<'a, Result<Vec<Self::Out>>>;
    /// A row of a level that loads no relation, as it comes out (`Err`: the level loads
    /// relations, and its rows are finished by [`attach_batched`](Self::attach_batched)).
    #[doc(hidden)]
    fn leaf(&self, row: Self::Row) -> std::result::Result<Self::Out, Self::Row>;
}

/// A level with no relations loaded: rows of `T` as they are.
pub struct Base<T>(std::marker::PhantomData<fn() -> T>);

impl<T> Base<T> {
    pub(crate) const fn new() -> Self {
        Base(std::marker::PhantomData)
    }
}

/// A level that reads a chosen selection of the table's columns, as [`Subset`] rows:
/// `User::posts.columns((Post::id, Post::title))`.
pub struct Pick<T, S> {
    selection: S,
    names: Arc<[String]>,
    _table: std::marker::PhantomData<fn() -> T>,
}

impl<T, S: Selection> Pick<T, S> {
    pub(crate) fn new(selection: S) -> Self {
        let mut columns = Vec::new();
        selection.push_columns(&mut columns);
        // A column is keyed by its name, any other value by its position.
        let names = columns
            .iter()
            .enumerate()
            .map(|(i, node)| match node {
                Node::Column { name, .. } => (*name).to_owned(),
                _ => i.to_string(),
            })
            .collect();
        Pick {
            selection,
            names,
            _table: std::marker::PhantomData,
        }
    }
}

impl<T: Table, S: Selection + 'static> Loader for Pick<T, S> {
    type Table = T;
    type Row = Subset<S::Output>;
    type Out = Subset<S::Output>;
    fn base_columns(&self, out: &mut Vec<Node>) {
        self.selection.push_columns(out);
    }
    fn all_columns(&self) -> bool {
        false
    }
    fn decode_base(&self, reader: &mut RowReader<'_>) -> Result<Self::Row> {
        let columns = self.selection.decode(reader)?;
        Ok(Subset::new(columns, self.names.clone(), S::SHAPE))
    }
    fn decode_base_json<R: JsonRelations>(
        &self,
        row: &mut R,
    ) -> std::result::Result<Self::Row, JsonStop> {
        let columns = self.selection.decode_json(row)?;
        Ok(Subset::new(columns, self.names.clone(), S::SHAPE))
    }
    fn count(&self) -> usize {
        0
    }
    fn plans<'a>(&'a self, _: &mut Vec<PlanRef<'a>>) {}
    fn attach_json<R: JsonRelations>(
        &self,
        base: Self::Row,
        _: &mut R,
    ) -> std::result::Result<Self::Out, JsonStop> {
        Ok(base)
    }
    fn attach_batched<'a, 't: 'a>(
        &'a self,
        _: &'a mut Target<'t>,
        rows: Vec<Self::Row>,
        _: Vec<Vec<Key>>,
    ) -> BoxFuture<'a, Result<Vec<Self::Out>>> {
        Box::pin(async move { Ok(rows) })
    }
    #[inline]
    fn leaf(&self, row: Self::Row) -> std::result::Result<Self::Out, Self::Row> {
        Ok(row)
    }
}

impl<T: Table> Loader for Base<T> {
    type Table = T;
    type Row = T;
    type Out = T;
    fn base_columns(&self, out: &mut Vec<Node>) {
        crate::query::All::<T>::new().push_columns(out);
    }
    fn all_columns(&self) -> bool {
        true
    }
    fn decode_base(&self, reader: &mut RowReader<'_>) -> Result<T> {
        T::decode(reader)
    }
    #[inline]
    fn decode_base_json<R: JsonRelations>(&self, row: &mut R) -> std::result::Result<T, JsonStop> {
        T::decode_json(row)
    }
    fn count(&self) -> usize {
        0
    }
    fn plans<'a>(&'a self, _: &mut Vec<PlanRef<'a>>) {}
    #[inline]
    fn attach_json<R: JsonRelations>(
        &self,
        base: T,
        _: &mut R,
    ) -> std::result::Result<T, JsonStop> {
        Ok(base)
    }
    fn attach_batched<'a, 't: 'a>(
        &'a self,
        _: &'a mut Target<'t>,
        rows: Vec<T>,
        _: Vec<Vec<Key>>,
    ) -> BoxFuture<'a, Result<Vec<T>>> {
        Box::pin(async move { Ok(rows) })
    }
    #[inline]
    fn leaf(&self, row: T) -> std::result::Result<T, T> {
        Ok(row)
    }
}

/// A level `L` with computed extras `X` per row (`Post::comments.count()`, an expression of
/// the level's table): rows become `(row, extras)`. The extras are read after the level's
/// columns, before its relations.
pub struct Extra<L, X> {
    prev: L,
    extras: X,
}

impl<L, X> Extra<L, X> {
    pub(crate) fn new(prev: L, extras: X) -> Self {
        Extra { prev, extras }
    }
}

impl<L: Loader, X: Selection + 'static> Loader for Extra<L, X> {
    type Table = L::Table;
    type Row = (L::Row, X::Output);
    type Out = (L::Out, X::Output);
    fn base_columns(&self, out: &mut Vec<Node>) {
        self.prev.base_columns(out);
        self.extras.push_columns(out);
    }
    fn all_columns(&self) -> bool {
        // The table's columns come first, in order: the extras follow them.
        self.prev.all_columns()
    }
    fn decode_base(&self, reader: &mut RowReader<'_>) -> Result<Self::Row> {
        let row = self.prev.decode_base(reader)?;
        Ok((row, self.extras.decode(reader)?))
    }
    fn decode_base_json<R: JsonRelations>(
        &self,
        row: &mut R,
    ) -> std::result::Result<Self::Row, JsonStop> {
        let base = self.prev.decode_base_json(row)?;
        Ok((base, self.extras.decode_json(row)?))
    }
    fn count(&self) -> usize {
        self.prev.count()
    }
    fn plans<'a>(&'a self, out: &mut Vec<PlanRef<'a>>) {
        self.prev.plans(out)
    }
    fn attach_json<R: JsonRelations>(
        &self,
        (base, extras): Self::Row,
        row: &mut R,
    ) -> std::result::Result<Self::Out, JsonStop> {
        Ok((self.prev.attach_json(base, row)?, extras))
    }
    fn attach_batched<'a, 't: 'a>(
        &'a self,
        target: &'a mut Target<'t>,
        rows: Vec<Self::Row>,
        keys: Vec<Vec<Key>>,
    ) -> BoxFuture<'a, Result<Vec<Self::Out>>> {
        Box::pin(async move {
            let (rows, extras): (Vec<L::Row>, Vec<X::Output>) = rows.into_iter().unzip();
            let loaded = self.prev.attach_batched(target, rows, keys).await?;
            Ok(loaded.into_iter().zip(extras).collect())
        })
    }
    #[inline]
    fn leaf(&self, (row, extras): Self::Row) -> std::result::Result<Self::Out, Self::Row> {
        match self.prev.leaf(row) {
            Ok(out) => Ok((out, extras)),
            Err(row) => Err((row, extras)),
        }
    }
}

/// Relations load onto a row with extras as onto the row itself.
impl<M: Relation, V, O: SetRelation<M, V>, X> SetRelation<M, V> for (O, X) {
    type Out = (O::Out, X);
    type Current = O::Current;
    fn set_relation(self, value: V) -> Self::Out {
        (self.0.set_relation(value), self.1)
    }
}

/// A level `L` with relation `M` (loaded as `C`) added.
pub struct With<L, M, C> {
    prev: L,
    rel: Rel<M, C>,
    index: usize,
}

impl<L: Loader, M: Relation, C: Loader> With<L, M, C> {
    pub(crate) fn new(prev: L, rel: Rel<M, C>) -> Self {
        let index = prev.count();
        With { prev, rel, index }
    }
}

type Wrapped<M, C> = <<M as Relation>::Kind as RelationKind>::Wrap<<C as Loader>::Out>;

impl<L, M, C> Loader for With<L, M, C>
where
    L: Loader,
    M: Relation + super::RelationOf<L::Table>,
    C: Loader<Table = M::Target>,
    L::Out: SetRelation<M, Wrapped<M, C>>,
    <L::Out as SetRelation<M, Wrapped<M, C>>>::Out: Send,
{
    type Table = L::Table;
    type Row = L::Row;
    type Out = <L::Out as SetRelation<M, Wrapped<M, C>>>::Out;

    fn base_columns(&self, out: &mut Vec<Node>) {
        self.prev.base_columns(out)
    }
    fn all_columns(&self) -> bool {
        self.prev.all_columns()
    }
    fn decode_base(&self, reader: &mut RowReader<'_>) -> Result<L::Row> {
        self.prev.decode_base(reader)
    }
    fn decode_base_json<R: JsonRelations>(
        &self,
        row: &mut R,
    ) -> std::result::Result<L::Row, JsonStop> {
        self.prev.decode_base_json(row)
    }

    fn count(&self) -> usize {
        self.index + 1
    }

    fn plans<'a>(&'a self, out: &mut Vec<PlanRef<'a>>) {
        self.prev.plans(out);
        out.push(PlanRef::of(&self.rel));
    }

    #[inline]
    fn leaf(&self, row: L::Row) -> std::result::Result<Self::Out, L::Row> {
        Err(row)
    }

    fn attach_json<R: JsonRelations>(
        &self,
        base: L::Row,
        row: &mut R,
    ) -> std::result::Result<Self::Out, JsonStop> {
        let prev = self.prev.attach_json(base, row)?;
        let children = row.relation::<M, C>(&self.rel.loader)?;
        let wrapped =
            M::Kind::wrap(children).map_err(|m| row.fail(M::META.source.name, M::META.name, m))?;
        Ok(prev.set_relation(wrapped))
    }

    fn attach_batched<'a, 't: 'a>(
        &'a self,
        target: &'a mut Target<'t>,
        rows: Vec<L::Row>,
        mut keys: Vec<Vec<Key>>,
    ) -> BoxFuture<'a, Result<Vec<Self::Out>>> {
        Box::pin(async move {
            // This level's key is the last of each row's: `prev`'s relations come first.
            let mine: Vec<Key> = keys.iter_mut().map(|k| k.swap_remove(self.index)).collect();
            let prev = self.prev.attach_batched(&mut *target, rows, keys).await?;
            let plan = PlanRef::of(&self.rel);
            let parent_types = child_key_types(M::META);
            // The parent key: among the row's own columns, or selected before them.
            let (parent_cols, lead) = match key_in_columns(M::META, &plan.columns) {
                Some(at) => (at, 0),
                None => (
                    (0..parent_types.len()).collect::<Vec<usize>>(),
                    parent_types.len(),
                ),
            };
            // The nested relations' key columns, among the row's columns.
            let child_key_cols = KeyColumns::new(&plan.children, lead, &plan.child_keys);

            // Each distinct parent key (NULL keys match nothing) gets one bucket per parent that
            // has it: a key shared by several parents (the same user under two posts) has its
            // rows decoded once per parent, so loaded rows need not be `Clone`.
            let mut slots: HashMap<Key, Slot, KeyBuild> =
                HashMap::with_capacity_and_hasher(mine.len(), KeyBuild::default());
            // The distinct keys in the order their parents come: the statements' binds, the
            // same for the same parents without a sort.
            let mut distinct: Vec<Key> = Vec::with_capacity(mine.len());
            for key in mine.iter().filter(|k| !k.has_null()) {
                match slots.entry(key.clone()) {
                    Entry::Occupied(mut slot) => slot.get_mut().parents += 1,
                    Entry::Vacant(slot) => {
                        distinct.push(key.clone());
                        slot.insert(Slot {
                            first: 0,
                            parents: 1,
                        });
                    }
                }
            }
            // Each key's buckets side by side.
            let mut buckets = 0;
            for slot in slots.values_mut() {
                slot.first = buckets;
                buckets += slot.parents;
            }
            // A child level that loads no relation of its own (`leaf`) needs no keys from its
            // rows, and each bucket becomes its parent's relation as it is.
            let leaf = self.rel.loader.count() == 0;
            let mut decoded: Vec<Vec<C::Row>> = (0..buckets).map(|_| Vec::new()).collect();
            let mut decoded_keys: Vec<Vec<Vec<Key>>> = if leaf {
                Vec::new()
            } else {
                (0..buckets).map(|_| Vec::new()).collect()
            };
            // Integer keys are taken from the values the row's decoder reads (see `tap.rs`):
            // the parent key when it is one of the row's own columns, and the nested
            // relations' keys.
            let parent_tap = (lead == 0
                && parent_cols.len() == 1
                && parent_types.first() == Some(&SqlType::BigInt))
            .then(|| parent_cols[0]);
            let watched: Vec<usize> = parent_tap
                .into_iter()
                .chain(
                    if leaf {
                        None
                    } else {
                        Some(child_key_cols.integer_columns())
                    }
                    .into_iter()
                    .flatten(),
                )
                .take(TAPPED)
                .collect();
            let mut first_sql = String::new();
            let mut run = Run::new();
            if !distinct.is_empty() {
                let dialect = target.db().dialect();
                let loader = &self.rel.loader;
                let decode = |row: RowRef<'_>, text: &str| {
                    let mut reader = RowReader::new(row, text);
                    reader.skip(lead);
                    loader.decode_base(&mut reader)
                };
                for sql in batched_statement(dialect, &plan, &distinct) {
                    // Decode each row as it arrives, into the buckets of its parent key.
                    target
                        .fetch(&sql, |row, text| {
                            let tap = Tap::new(row.columns(), &watched);
                            let child = decode(RowRef::new(&tap), text)?;
                            let parent = match parent_tap.and_then(|col| tap.value_of(col)) {
                                Some(key) => Key::One(KeyPart::Int(key)),
                                None => read_key(row, &parent_cols, &parent_types, text, M::META)?,
                            };
                            let Some(slot) = slots.get(&parent) else {
                                return Ok(());
                            };
                            let keys = if leaf {
                                None
                            } else {
                                Some(child_key_cols.read_tapped(row, text, &tap)?)
                            };
                            if run.grouped && slot.parents == 1 {
                                run.push(slot.first, child, keys, &mut decoded, &mut decoded_keys);
                                return Ok(());
                            }
                            // A key several parents share: its rows are decoded once per
                            // parent (the first parent takes the row decoded above and the
                            // keys read; the others, copies).
                            let mut child = Some(child);
                            let mut keys = keys;
                            let last = slot.first + slot.parents - 1;
                            for b in slot.first..=last {
                                let child = match child.take() {
                                    Some(child) => child,
                                    None => decode(row, text)?,
                                };
                                let keys = if b == last { keys.take() } else { keys.clone() };
                                put(&mut decoded, &mut decoded_keys, b, child, keys);
                            }
                            Ok(())
                        })
                        .await?;
                    run.flush(&mut decoded, &mut decoded_keys);
                    if first_sql.is_empty() {
                        first_sql = sql.text;
                    }
                }
            }
            let total: usize = decoded.iter().map(Vec::len).sum();
            // Each parent takes the next of its key's buckets, in parent order.
            let mut take_bucket = |key: &Key| match slots.get_mut(key) {
                Some(slot) => {
                    slot.first += 1;
                    let b = slot.first - 1;
                    let rows = decoded.get_mut(b).map(std::mem::take).unwrap_or_default();
                    let keys = decoded_keys.get_mut(b).map(std::mem::take);
                    (rows, keys.unwrap_or_default())
                }
                None => (Vec::new(), Vec::new()),
            };
            if leaf {
                let mut out = Vec::with_capacity(prev.len());
                for (row, key) in prev.into_iter().zip(&mine) {
                    let (bucket, _) = take_bucket(key);
                    let rows = bucket
                        .into_iter()
                        .map(|child| self.rel.loader.leaf(child).map_err(|_| ()))
                        .collect::<std::result::Result<Vec<C::Out>, ()>>()
                        .map_err(|()| {
                            relation_error(
                                M::META,
                                "a level loading relations read as a leaf".into(),
                                &first_sql,
                            )
                        })?;
                    let wrapped =
                        M::Kind::wrap(rows).map_err(|m| relation_error(M::META, m, &first_sql))?;
                    out.push(row.set_relation(wrapped));
                }
                return Ok(out);
            }
            // The children in parent order, and how many each parent has.
            let mut child_rows: Vec<C::Row> = Vec::with_capacity(total);
            let mut child_keys: Vec<Vec<Key>> = Vec::with_capacity(total);
            let mut counts: Vec<usize> = Vec::with_capacity(mine.len());
            for key in &mine {
                let (rows, keys) = take_bucket(key);
                counts.push(rows.len());
                child_rows.extend(rows);
                child_keys.extend(keys);
            }
            drop((decoded, decoded_keys));
            let mut children = self
                .rel
                .loader
                .attach_batched(&mut *target, child_rows, child_keys)
                .await?
                .into_iter();
            let mut out = Vec::with_capacity(prev.len());
            for (row, count) in prev.into_iter().zip(counts) {
                let rows: Vec<C::Out> = children.by_ref().take(count).collect();
                let wrapped =
                    M::Kind::wrap(rows).map_err(|m| relation_error(M::META, m, &first_sql))?;
                out.push(row.set_relation(wrapped));
            }
            Ok(out)
        })
    }
}

/// The rows of one bucket as they arrive together: a batched statement orders its rows by
/// the parent key first where the dialect does (`BatchKeyOrder`), and the
/// rows of most loads arrive grouped by parent anyway. A run moves into its bucket when the
/// next row belongs to another, in one allocation of the run's size: pushed one by one, a
/// bucket of ten rows is allocated three times (capacity 4, 8, 16) and copied twice. Once a
/// run would extend a bucket that already holds rows (the rows are not grouped), rows go
/// straight into their buckets from then on.
struct Run<R> {
    grouped: bool,
    bucket: usize,
    rows: Vec<R>,
    keys: Vec<Vec<Key>>,
}

impl<R> Run<R> {
    fn new() -> Self {
        Run {
            grouped: true,
            bucket: usize::MAX,
            rows: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// Adds a row (and its nested relations' keys) of bucket `b`.
    #[inline]
    fn push(
        &mut self,
        b: usize,
        row: R,
        keys: Option<Vec<Key>>,
        decoded: &mut [Vec<R>],
        decoded_keys: &mut [Vec<Vec<Key>>],
    ) {
        if b != self.bucket {
            self.flush(decoded, decoded_keys);
            self.bucket = b;
        }
        if self.grouped {
            self.rows.push(row);
            self.keys.extend(keys);
        } else {
            put(decoded, decoded_keys, b, row, keys);
        }
    }

    /// Moves the run into its bucket.
    fn flush(&mut self, decoded: &mut [Vec<R>], decoded_keys: &mut [Vec<Vec<Key>>]) {
        if self.rows.is_empty() {
            return;
        }
        let b = self.bucket;
        if let Some(bucket) = decoded.get_mut(b) {
            self.grouped &= move_run(&mut self.rows, bucket);
        }
        if let Some(out) = decoded_keys.get_mut(b) {
            move_run(&mut self.keys, out);
        }
        self.rows.clear();
        self.keys.clear();
    }
}

/// Moves `run` into `bucket`: as the bucket when it is empty (one allocation of the run's
/// size), else appended. Says whether the bucket was empty.
// `drain(..).collect()`, not `mem::take`: the bucket gets exactly the run's length, and the
// run keeps its buffer for the next key.
#[allow(clippy::drain_collect)]
fn move_run<T>(run: &mut Vec<T>, bucket: &mut Vec<T>) -> bool {
    if bucket.is_empty() {
        *bucket = run.drain(..).collect();
        true
    } else {
        bucket.append(run);
        false
    }
}

/// Puts a row (and its nested relations' keys) straight into bucket `b`.
#[inline]
fn put<R>(
    decoded: &mut [Vec<R>],
    decoded_keys: &mut [Vec<Vec<Key>>],
    b: usize,
    row: R,
    keys: Option<Vec<Key>>,
) {
    if let Some(bucket) = decoded.get_mut(b) {
        bucket.push(row);
    }
    if let (Some(out), Some(keys)) = (decoded_keys.get_mut(b), keys) {
        out.push(keys);
    }
}

/// The buckets of one distinct parent key: `parents` of them from `first` (the first not yet
/// handed out, once they are filled).
struct Slot {
    first: usize,
    parents: usize,
}

//! `find_many` / `find_first`: relational queries.

use super::keys::{Key, KeyColumns, KeyPart};
use super::load::{Base, Loader};
use super::nested::attach_relations;
use super::sql::{PlanRef, batched_statement, key_positions};
use super::{Loaded, RelationArg, RelationOf, SetRelation};
use crate::ast::{self, SelectItem, Source};
use crate::backend::Backend;
use crate::decode::RowReader;
use crate::dialect::{Limit, Renderer, Sql};
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::expr::{Condition, Direction, IntoOrder, Node, Within};
use crate::query::Selection;
use crate::schema::Table;

pub use crate::dialect::Strategy;
use crate::dialect::{AsDialect, Dialect};

/// Starts a relational query over `T`: rows of `T`, with the relations `.with(…)` adds (see
/// the crate docs, "Relations").
pub fn find_many<T: Table>() -> FindMany<Base<T>> {
    FindMany {
        loader: Base::new(),
        filter: None,
        order: Vec::new(),
        limit: None,
        offset: None,
        strategy: None,
        extras: NoExtras,
    }
}

/// Starts a relational query that returns the first row of `T` (if any), with the relations
/// `.with(…)` adds: run it with [`FindMany::first`].
pub fn find_first<T: Table>() -> FindMany<Base<T>> {
    let mut query = find_many::<T>();
    query.limit = Some(Limit::FirstRow);
    query
}

/// A relational query whose rows are `L::Out`: `T` with every loaded relation filled in.
#[must_use = "a query does nothing until it runs: call `.all(&db)` or `.first(&db)`"]
pub struct FindMany<L, E = NoExtras> {
    loader: L,
    filter: Option<Node>,
    order: Vec<(Node, Direction)>,
    limit: Option<Limit>,
    offset: Option<u64>,
    strategy: Option<Strategy>,
    extras: E,
}

/// No computed extras: rows are the loaded rows themselves.
pub struct NoExtras;

/// Computed extras `X`: rows are `(row, X::Output)`.
pub struct Extras<X>(X);

/// The extras of a relational query (see [`FindMany::extras`]).
pub trait RootExtras: Send + Sync {
    /// The decoded extras of one row.
    type Value: Send;
    /// A result row: the loaded row, with the extras when there are any.
    type Row<O: Send>: Send;
    #[doc(hidden)]
    fn push_columns(&self, out: &mut Vec<Node>);
    #[doc(hidden)]
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<Self::Value>;
    #[doc(hidden)]
    fn combine<O: Send>(row: O, value: Self::Value) -> Self::Row<O>;
}

impl RootExtras for NoExtras {
    type Value = ();
    type Row<O: Send> = O;
    fn push_columns(&self, _: &mut Vec<Node>) {}
    fn decode(&self, _: &mut RowReader<'_>) -> Result<()> {
        Ok(())
    }
    fn combine<O: Send>(row: O, _: ()) -> O {
        row
    }
}

impl<X: Selection> RootExtras for Extras<X> {
    type Value = X::Output;
    type Row<O: Send> = (O, X::Output);
    fn push_columns(&self, out: &mut Vec<Node>) {
        self.0.push_columns(out)
    }
    fn decode(&self, reader: &mut RowReader<'_>) -> Result<X::Output> {
        self.0.decode(reader)
    }
    fn combine<O: Send>(row: O, value: X::Output) -> (O, X::Output) {
        (row, value)
    }
}

impl<L, E> FindMany<L, E> {
    /// The same query with its loader and extras replaced.
    fn map<L2, E2>(self, f: impl FnOnce(L, E) -> (L2, E2)) -> FindMany<L2, E2> {
        let (loader, extras) = f(self.loader, self.extras);
        FindMany {
            loader,
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            strategy: self.strategy,
            extras,
        }
    }
}

impl<L: Loader> FindMany<L, NoExtras> {
    /// Returns `selection` (columns of `T`, or a `#[derive(Selectable)]` struct's
    /// `as_select()`) instead of whole rows, as [`Subset`](super::Subset) rows named by column;
    /// relations load onto a subset as onto whole rows (`.columns(…)` comes first).
    pub fn columns<S, I>(self, selection: S) -> FindMany<super::Pick<L::Table, S>, NoExtras>
    where
        L: WholeRows,
        S: Selection + 'static,
        S::Tables: Within<(L::Table,), I>,
    {
        self.map(|_, extras| (super::Pick::new(selection), extras))
    }

    /// Reads none of the table's columns, only the relations `.with(…)` loads (Drizzle's
    /// `columns: {}`): rows are [`Subset`](super::Subset)s of `()`.
    pub fn no_columns(self) -> FindMany<super::Pick<L::Table, super::NoColumns>, NoExtras>
    where
        L: WholeRows,
    {
        self.map(|_, extras| (super::Pick::new(super::NoColumns::new()), extras))
    }
}

/// A level still reading whole rows, with no relations loaded yet: where `.columns(…)` may
/// choose a subset.
#[diagnostic::on_unimplemented(
    message = "`.columns(…)` chooses the columns of rows that have no relations loaded yet",
    label = "columns chosen after `.with(…)` or a second time",
    note = "call `.columns(…)` (or `.no_columns()`) once, before `.with(…)`: `find_many::<User>().columns((User::id, User::name)).with(User::posts)`"
)]
pub trait WholeRows: Loader {}
impl<T: Table> WholeRows for Base<T> {}

impl<L: Loader> FindMany<L, NoExtras> {
    /// Also returns computed values per row: a column expression, a function such as
    /// [`crate::lower`], or a relation count (`User::posts.count()`), or a tuple of them.
    /// Rows become `(row, extras)`.
    pub fn extras<X, I>(self, extras: X) -> FindMany<L, Extras<X>>
    where
        X: Selection,
        X::Tables: Within<(L::Table,), I>,
    {
        self.map(|loader, NoExtras| (loader, Extras(extras)))
    }
}

impl<L: Loader, E: RootExtras> FindMany<L, E> {
    /// Loads a relation of `T` (with its own filters, order, limit and nested relations).
    pub fn with<R: RelationArg>(
        self,
        relation: R,
    ) -> FindMany<super::With<L, R::Marker, R::Loader>, E>
    where
        R::Marker: RelationOf<L::Table>,
        L::Out: SetRelation<R::Marker, Loaded<R>>,
        <L::Out as SetRelation<R::Marker, Loaded<R>>>::Out: Send,
        <L::Out as SetRelation<R::Marker, Loaded<R>>>::Current: super::NotYetLoaded,
    {
        self.map(|loader, extras| (super::With::new(loader, relation.into_rel()), extras))
    }

    /// Keeps the rows where `condition` holds (several calls are joined with `AND`).
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: Within<(L::Table,), I>,
    {
        self.filter = crate::query::and_filter(self.filter.take(), condition.into_node());
        self
    }

    /// Keeps the rows where `node` holds (a condition weft built, already checked).
    pub(crate) fn filter_node(mut self, node: Node) -> Self {
        self.filter = crate::query::and_filter(self.filter.take(), node);
        self
    }

    /// Orders the rows.
    pub fn order_by<O, I>(mut self, order: O) -> Self
    where
        O: IntoOrder,
        O::Tables: Within<(L::Table,), I>,
    {
        self.order.push(order.into_order());
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(Limit::Rows(n));
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Chooses how relations are loaded instead of the dialect's default
    /// ([`strategy_on`](Self::strategy_on)).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = Some(strategy);
        self
    }

    fn plans(&self) -> Vec<PlanRef<'_>> {
        let mut plans = Vec::new();
        self.loader.plans(&mut plans);
        plans
    }

    /// The strategy this query loads its relations with on `dialect`: its own
    /// ([`strategy`](Self::strategy)), else the dialect's default ([`Strategy::default_for`],
    /// or [`Strategy::default_through`] when it loads a many-to-many relation at any depth);
    /// batched wherever the dialect cannot put a loaded value in JSON exactly (a float column
    /// on SQLite).
    pub fn strategy_on(&self, dialect: impl AsDialect) -> Strategy {
        self.strategy_for(dialect.as_dialect(), &self.plans())
    }

    fn strategy_for(&self, dialect: &'static dyn Dialect, plans: &[PlanRef<'_>]) -> Strategy {
        let caps = dialect.capabilities();
        let strategy = self.strategy.unwrap_or_else(|| {
            if plans.iter().any(PlanRef::goes_through) {
                caps.default_strategy_through
            } else {
                caps.default_strategy
            }
        });
        // SQLite prints floats into JSON with up to an ulp of error: load them batched.
        if !caps.exact_json_floats && plans.iter().any(PlanRef::reads_floats) {
            return Strategy::Batched;
        }
        strategy
    }

    /// Every statement this query sends to `dialect`, in the order they run, under the
    /// strategy it uses there ([`strategy_on`](Self::strategy_on)): the one statement
    /// ([`to_sql`](Self::to_sql)), or the parent rows ([`root_sql`](Self::root_sql)) then one
    /// statement per loaded relation at any depth, each relation before those nested in it.
    ///
    /// A batched relation's statement is shown for one parent key, bound as NULL (PostgreSQL
    /// binds the keys as one array: shown empty); when it runs, the keys are the parents'
    /// (split over several statements only where they pass the bind-parameter limit), and a
    /// level with no parents sends nothing.
    pub fn statements(&self, dialect: impl AsDialect) -> Vec<Sql> {
        let dialect = dialect.as_dialect();
        let plans = self.plans();
        if self.strategy_for(dialect, &plans) == Strategy::SingleStatement || plans.is_empty() {
            return vec![self.single_sql(dialect, &plans)];
        }
        let mut out = vec![self.root_batched(dialect, &plans).0];
        push_batched(dialect, &plans, &mut out);
        out
    }

    /// The single statement ([`Strategy::SingleStatement`]) this query sends to `dialect`
    /// (where it loads relations batched, [`statements`](Self::statements) lists what it sends).
    ///
    /// On MariaDB, when it loads relations, it raises `group_concat_max_len` for itself
    /// (`SET STATEMENT … FOR SELECT …`) and also selects the session's JSON limits, last, so
    /// that a result the server cut is refused ([`Error::Limit`]) rather than returned.
    pub fn to_sql(&self, dialect: impl AsDialect) -> Sql {
        let dialect = dialect.as_dialect();
        self.single_sql(dialect, &self.plans())
    }

    /// [`to_sql`](Self::to_sql) for plans already built.
    fn single_sql(&self, dialect: &'static dyn Dialect, plans: &[PlanRef<'_>]) -> Sql {
        let (mut select, _) = self.root_select(None);
        select.columns.extend(
            plans
                .iter()
                .map(|plan| SelectItem::new(Node::Related(Box::new(plan.to_related())))),
        );
        not_empty(&mut select);
        let mut r = Renderer::new(dialect);
        r.reserve_select(&select);
        r.select_with_related(select);
        r.finish()
    }

    /// How many columns precede the relations in a row of [`to_sql`](Self::to_sql).
    fn root_width(&self) -> usize {
        let mut columns = Vec::new();
        self.loader.base_columns(&mut columns);
        self.extras.push_columns(&mut columns);
        columns.len()
    }

    /// The first statement of [`Strategy::Batched`]: the parent rows.
    pub fn root_sql(&self, dialect: impl AsDialect) -> Sql {
        self.root_batched(dialect.as_dialect(), &self.plans()).0
    }

    /// The first statement of a batched load, and where its rows hold each relation's keys.
    fn root_batched(
        &self,
        dialect: &'static dyn Dialect,
        plans: &[PlanRef<'_>],
    ) -> (Sql, Vec<Vec<usize>>) {
        let (mut select, keys) = self.root_select(Some(plans));
        not_empty(&mut select);
        let mut r = Renderer::new(dialect);
        r.reserve_select(&select);
        r.select(&select);
        (r.finish(), keys)
    }

    /// The parent rows' statement, without relations; with `plans`, also the key columns they
    /// need that a subset left out (a batched load), and where each relation's keys are.
    fn root_select(&self, plans: Option<&[PlanRef<'_>]>) -> (ast::Select, Vec<Vec<usize>>) {
        let mut columns = Vec::new();
        self.loader.base_columns(&mut columns);
        self.extras.push_columns(&mut columns);
        let keys = match plans {
            Some(plans) => key_positions(plans, self.loader.all_columns(), &mut columns),
            None => Vec::new(),
        };
        let select = ast::Select {
            columns: columns.into_iter().map(SelectItem::new).collect(),
            from: Some(ast::From {
                source: Source::Table {
                    table: L::Table::META,
                    alias: None,
                },
                joins: Vec::new(),
            }),
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            ..ast::Select::default()
        };
        (select, keys)
    }

    /// Every matching row, with its relations.
    pub async fn all(&self, mut executor: impl Executor) -> Result<Vec<E::Row<L::Out>>> {
        let mut target = executor.target();
        let dialect = target.db().dialect();
        let plans = self.plans();
        if self.strategy_for(dialect, &plans) == Strategy::Batched {
            return self.all_batched(target).await;
        }
        if !target.db().capabilities().json_agg_ordered && !plans.is_empty() {
            return Err(Error::Unsupported {
                what: "loading relations in one statement",
                backend: dialect.backend(),
                hint: "MySQL's JSON_ARRAYAGG takes no ORDER BY or LIMIT: use `.strategy(Strategy::Batched)` (the default there)",
            });
        }
        let sql = self.single_sql(dialect, &plans);
        let loader = &self.loader;
        let extras = &self.extras;
        // MariaDB only: whether a relation's JSON was cut (see `JsonCut`).
        let cut =
            (!dialect.json().limit_columns.is_empty() && !plans.is_empty()).then(|| JsonCut {
                first: self.root_width(),
                plans: &plans,
            });
        target
            .fetch(&sql, |row, text| {
                if let Some(cut) = &cut {
                    cut.check(row, text)?;
                }
                let mut reader = RowReader::new(row, text);
                let base = loader.decode_base(&mut reader)?;
                let extra = extras.decode(&mut reader)?;
                let out = attach_relations(loader, base, &mut reader, text)?;
                Ok(E::combine(out, extra))
            })
            .await
    }

    /// [`all`](Self::all), one statement per relation level.
    async fn all_batched(
        &self,
        mut target: crate::exec::Target<'_>,
    ) -> Result<Vec<E::Row<L::Out>>> {
        let dialect = target.db().dialect();
        // One pooled connection for every statement of the load.
        let mut held = target.hold().await?;
        let db = target.db_ref();
        let mut target = match held.as_mut() {
            Some(h) => crate::exec::Target::on_held(db, h),
            None => target.reborrow(),
        };
        let plans = self.plans();
        let (sql, positions) = self.root_batched(dialect, &plans);
        let key_columns = KeyColumns::new(&plans, 0, &positions);
        let rows = target
            .fetch(&sql, |row, text| {
                let keys = key_columns.read(row, text)?;
                let mut reader = RowReader::new(row, text);
                let base = self.loader.decode_base(&mut reader)?;
                let extra = self.extras.decode(&mut reader)?;
                Ok((base, extra, keys))
            })
            .await?;
        let mut bases = Vec::with_capacity(rows.len());
        let mut extras = Vec::with_capacity(rows.len());
        let mut keys = Vec::with_capacity(rows.len());
        for (base, extra, key) in rows {
            bases.push(base);
            extras.push(extra);
            keys.push(key);
        }
        let loaded = self.loader.attach_batched(&mut target, bases, keys).await?;
        Ok(loaded
            .into_iter()
            .zip(extras)
            .map(|(row, extra)| E::combine(row, extra))
            .collect())
    }

    /// The first matching row, with its relations (sends `LIMIT 1`).
    pub async fn first(self, executor: impl Executor) -> Result<Option<E::Row<L::Out>>> {
        let mut query = self;
        query.limit = Limit::first_of(query.limit);
        Ok(query.all(executor).await?.into_iter().next())
    }
}

/// Refuses a MariaDB row whose relation JSON was cut. `JSON_ARRAYAGG` stops at the smaller of
/// `group_concat_max_len` and `max_allowed_packet` with only a warning (which the driver does
/// not report), and its cut text can still parse as fewer rows. A cut relation nested deeper
/// makes its parent's JSON at least as long, so checking the top-level relations suffices.
struct JsonCut<'p, 'a> {
    /// The column of the first relation; the limits follow the last one.
    first: usize,
    plans: &'p [PlanRef<'a>],
}

impl JsonCut<'_, '_> {
    fn check(&self, row: crate::decode::RowRef<'_>, sql: &str) -> Result<()> {
        let limits = self.first + self.plans.len();
        let (group_concat, packet) = match (mysql_u64(row, limits), mysql_u64(row, limits + 1)) {
            (Some(g), Some(p)) => (g, p),
            _ => {
                return Err(Error::Decode {
                    table: "?",
                    column: "@@max_allowed_packet",
                    message: "the statement's limit columns could not be read".into(),
                    sql: sql.to_owned(),
                });
            }
        };
        let (limit, value, hint) = if packet <= group_concat {
            (
                "max_allowed_packet",
                packet,
                "raise it on the server (`SET GLOBAL max_allowed_packet = …`, at most 1 GiB; \
                 connections opened after see it) or load with `.strategy(Strategy::Batched)`",
            )
        } else {
            (
                "group_concat_max_len",
                group_concat,
                "load with `.strategy(Strategy::Batched)`",
            )
        };
        for (i, plan) in self.plans.iter().enumerate() {
            // A cut backs off to a character boundary (up to 3 bytes) and may add a `]`.
            let len = row.str(self.first + i).map(str::len).unwrap_or(0) as u64;
            if len + 4 >= value {
                return Err(Error::Limit {
                    backend: Backend::MySql,
                    limit,
                    value,
                    what: format!(
                        "the JSON of relation `{}.{}` loaded in one statement ({len} bytes)",
                        plan.meta.source.name, plan.meta.name
                    ),
                    hint,
                    sql: sql.to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// An unsigned integer column of a MySQL-family row.
fn mysql_u64(row: crate::decode::RowRef<'_>, idx: usize) -> Option<u64> {
    row.u64(idx).ok()
}

/// A statement reading no column (a `.no_columns()` query loading nothing) selects `1`:
/// SQL has no empty select list.
fn not_empty(select: &mut ast::Select) {
    if select.columns.is_empty() {
        select.columns.push(SelectItem::new(Node::Raw("1")));
    }
}

/// The batched statements of `plans` and the relations nested in them, in the order a load
/// sends them, each for one NULL parent key.
fn push_batched(dialect: &'static dyn Dialect, plans: &[PlanRef<'_>], out: &mut Vec<Sql>) {
    for plan in plans {
        let width = plan.meta.source_keys.as_slice().len();
        let key = if width == 1 {
            Key::One(KeyPart::Null)
        } else {
            Key::Many(vec![KeyPart::Null; width])
        };
        out.extend(batched_statement(dialect, plan, &[key]));
        push_batched(dialect, &plan.children, out);
    }
}

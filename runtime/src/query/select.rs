//! `SELECT`: filters, order, limit and offset, joins, chosen columns, count.

use std::marker::PhantomData;

use super::select_texts::Kept;
use super::selection::{All, Selection};
use crate::ast::{self, LockWait, SelectItem, Source};
use crate::decode::RowReader;
use crate::dialect::{AsDialect, Dialect, reads_aggregate};
use crate::dialect::{Limit, Renderer, Sql};
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::expr::TableSource;
use crate::expr::{Condition, IntoOrder, Node, Within};

/// Starts a `SELECT` of every column of `T`: a table, or an [alias](crate::alias) of one
/// (`FROM "users" AS "inviter"`).
///
/// ```
/// # use weft::Table;
/// #[derive(Table, Debug)]
/// struct User { #[column(primary_key, auto)] id: i64, name: String }
///
/// let q = weft::select::<User>().filter(User::name.eq("Dan")).order_by(User::id.desc()).limit(10);
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "user"."id", "user"."name" FROM "user" WHERE "user"."name" = $1 ORDER BY "user"."id" DESC LIMIT 10"#
/// );
/// ```
pub fn select<T: TableSource>() -> Select<(T,), All<T>> {
    let selection = All::new();
    Select {
        stmt: ast::Select {
            columns: items(&selection),
            from: Some(ast::From {
                source: Source::Table {
                    table: <T::Row as crate::schema::Table>::META,
                    alias: T::ALIAS.map(String::from),
                },
                joins: Vec::new(),
            }),
            ..ast::Select::default()
        },
        selection,
        _tables: PhantomData,
    }
}

thread_local! {
    /// The columns a selection pushes, before they become select items: kept between
    /// statements, so that a select list is one allocation.
    static COLUMNS: std::cell::RefCell<Vec<Node>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The select list of `selection`.
pub(crate) fn items(selection: &impl Selection) -> Vec<SelectItem> {
    let items = COLUMNS.try_with(|columns| {
        let mut columns = columns.try_borrow_mut().ok()?;
        columns.clear();
        selection.push_columns(&mut columns);
        Some(columns.drain(..).map(SelectItem::new).collect())
    });
    items.ok().flatten().unwrap_or_else(|| {
        let mut columns = Vec::new();
        selection.push_columns(&mut columns);
        columns.into_iter().map(SelectItem::new).collect()
    })
}

/// Renders `select`, whose tables are read under their own names. A plain select's text
/// comes from the per-thread cache of shapes (`select_texts.rs`) after its first render.
pub(super) fn render_select(dialect: &'static dyn Dialect, select: &ast::Select) -> Sql {
    let shape = match super::select_texts::lookup(dialect, select) {
        Kept::Text(text) => {
            return Sql {
                dialect,
                text,
                binds: super::select_texts::binds(dialect, select),
            };
        }
        Kept::Render(shape) => Some(shape),
        Kept::No => None,
    };
    let mut r = Renderer::new(dialect);
    r.reserve_select(select);
    r.select(select);
    let sql = r.finish();
    if let Some(shape) = shape {
        super::select_texts::keep(dialect, shape, select, &sql.text, &sql.binds);
    }
    sql
}

/// A `SELECT` over the tables `S` (FROM, then JOINs) returning `Sel::Output` per row; `L` is
/// its row lock, [`NoLock`] until [`for_update`](Select::for_update) or
/// [`for_share`](Select::for_share) makes it [`RowLock`].
#[must_use = "a query does nothing until it runs: call `.all(&db)`, `.first(&db)`, …"]
pub struct Select<S, Sel, L = NoLock> {
    /// The statement, kept up to date by every builder method (its select list follows
    /// `selection`).
    pub(crate) stmt: ast::Select,
    pub(crate) selection: Sel,
    /// The tables, and the lock state (which methods a lock allows is decided by type).
    pub(crate) _tables: PhantomData<fn() -> (S, L)>,
}

impl<S, Sel, L> Select<S, Sel, L> {
    /// A query of `stmt` returning `selection`, with the table list and lock state the caller
    /// names.
    pub(crate) fn from_parts(stmt: ast::Select, selection: Sel) -> Self {
        Select {
            stmt,
            selection,
            _tables: PhantomData,
        }
    }

    /// The statement and the selection.
    pub(crate) fn into_parts(self) -> (ast::Select, Sel) {
        (self.stmt, self.selection)
    }
}

pub(crate) fn and_filter(existing: Option<Node>, new: Node) -> Option<Node> {
    Some(match existing {
        None => new,
        Some(old) => old.and(new),
    })
}

// Steps that keep the lock state: a plain query stays [`NoLock`], a grouped one [`NoRowLock`].
impl<S, Sel: Selection, L> Select<S, Sel, L> {
    /// Keeps the rows where `condition` holds. Several calls are joined with `AND`.
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        L: Building,
        C: Condition,
        C::Tables: Within<S, I>,
    {
        self.stmt.filter = and_filter(self.stmt.filter.take(), condition.into_node());
        self
    }

    /// Orders by a column (ascending) or an `.asc()` / `.desc()` term. Several calls add
    /// further sort keys.
    ///
    /// After a set operation the whole combined result is ordered, by the position of the
    /// term in the select list (`ORDER BY 2`: PostgreSQL orders a UNION by its output columns
    /// only); a term that is not selected is refused with
    /// [`Error::Unsupported`](crate::Error::Unsupported) before anything is sent.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64, name: String }
    /// let q = weft::select::<User>().union(weft::select::<User>()).order_by(User::name.desc());
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "user"."id", "user"."name" FROM "user" UNION SELECT "user"."id", "user"."name" FROM "user" ORDER BY 2 DESC"#
    /// );
    /// ```
    pub fn order_by<O, I>(mut self, order: O) -> Self
    where
        L: Orderable,
        O: IntoOrder,
        O::Tables: Within<S, I>,
    {
        self.stmt.order.push(order.into_order());
        self
    }

    /// Returns at most `n` rows (of the whole result, after a set operation).
    pub fn limit(mut self, n: u64) -> Self
    where
        L: Orderable,
    {
        self.stmt.limit = Some(Limit::Rows(n));
        self
    }

    /// Skips the first `n` rows (of the whole result, after a set operation).
    pub fn offset(mut self, n: u64) -> Self
    where
        L: Orderable,
    {
        self.stmt.offset = Some(n);
        self
    }

    /// Returns `selection` instead of whole rows: a column, an expression, a tuple of them,
    /// or a `#[derive(Selectable)]` struct's `as_select()`. Call it after the joins.
    ///
    /// ```
    /// # use weft::{Selectable, Table};
    /// #[derive(Table)]
    /// struct User { #[column(primary_key)] id: i64, name: String, bio: String }
    ///
    /// #[derive(Selectable, Debug)]
    /// #[selectable(table = User)]
    /// struct Name { id: i64, name: String }
    ///
    /// let pairs = weft::select::<User>().columns((User::id, User::name)); // rows are (i64, String)
    /// let names = weft::select::<User>().columns(Name::as_select());      // rows are Name
    /// assert_eq!(names.to_sql(weft::Backend::Sqlite).text, r#"SELECT "user"."id", "user"."name" FROM "user""#);
    /// ```
    pub fn columns<N, I>(self, selection: N) -> Select<S, N, L>
    where
        L: Building,
        N: Selection,
        N::Tables: Within<S, I>,
    {
        let mut stmt = self.stmt;
        stmt.columns = items(&selection);
        Select::from_parts(stmt, selection)
    }
}

// What a locked query can still do: run.
impl<S, Sel: Selection, L> Select<S, Sel, L> {
    /// The SQL and binds this query sends to `dialect`.
    pub fn to_sql(&self, dialect: impl AsDialect) -> Sql {
        render_select(dialect.as_dialect(), &self.stmt)
    }

    /// Every matching row.
    pub async fn all(&self, mut executor: impl Executor) -> Result<Vec<Sel::Output>> {
        let sql = self.to_sql(executor.target().db().dialect());
        let selection = &self.selection;
        executor
            .target()
            .fetch(&sql, |row, text| {
                selection.decode(&mut RowReader::new(row, text))
            })
            .await
    }

    /// The first matching row, if any (sends `LIMIT 1`).
    pub async fn first(self, executor: impl Executor) -> Result<Option<Sel::Output>> {
        Ok(self.fetch_first(executor).await?.0)
    }

    /// The first matching row; [`Error::NotFound`] if there is none.
    pub async fn one(self, executor: impl Executor) -> Result<Sel::Output> {
        let (row, sql) = self.fetch_first(executor).await?;
        row.ok_or(Error::NotFound { sql: sql.text })
    }

    /// The first matching row, if any, and the statement sent for it.
    async fn fetch_first(
        mut self,
        mut executor: impl Executor,
    ) -> Result<(Option<Sel::Output>, Sql)> {
        self.stmt.limit = Limit::first_of(self.stmt.limit);
        let sql = self.to_sql(executor.target().db().dialect());
        let selection = &self.selection;
        let row = executor
            .target()
            .fetch_first(&sql, |row, text| {
                selection.decode(&mut RowReader::new(row, text))
            })
            .await?;
        Ok((row, sql))
    }
}

// `L: Countable`: a lock cannot go on an aggregate (PostgreSQL refuses it), and dropping it
// would count rows nobody locked. A bound rather than an impl per state so that the error
// says so in weft's words.
impl<S, Sel: Selection, L> Select<S, Sel, L> {
    /// The SQL of [`count`](Self::count) for `dialect`.
    pub fn count_sql(&self, dialect: impl AsDialect) -> Sql
    where
        L: Countable,
    {
        render_select(dialect.as_dialect(), &count_of(&self.stmt))
    }

    /// How many rows this query returns (ignores the order; respects limit and offset,
    /// `DISTINCT`, grouping and set operations: a grouped query counts its groups).
    pub async fn count(&self, mut executor: impl Executor) -> Result<i64>
    where
        L: Countable,
    {
        let sql = self.count_sql(executor.target().db().dialect());
        let counts = executor
            .target()
            .fetch(&sql, |row, text| {
                RowReader::new(row, text).column::<i64>("?", "COUNT(*)")
            })
            .await?;
        Ok(counts.into_iter().next().unwrap_or(0))
    }
}

/// `SELECT COUNT(*)` of the rows `stmt` returns.
fn count_of(stmt: &ast::Select) -> ast::Select {
    let count = vec![SelectItem::new(Node::CountStar)];
    // An aggregate without GROUP BY returns one row however many it reads.
    let shapes_rows = stmt.distinct
        || !stmt.distinct_on.is_empty()
        || !stmt.group_by.is_empty()
        || stmt.having.is_some()
        || !stmt.set_ops.is_empty()
        || stmt.columns.iter().any(|c| reads_aggregate(&c.expr));
    if !shapes_rows && stmt.limit.is_none() && stmt.offset.is_none() {
        return ast::Select {
            ctes: stmt.ctes.clone(),
            columns: count,
            from: stmt.from.clone(),
            filter: stmt.filter.clone(),
            ..ast::Select::default()
        };
    }
    let mut rows = stmt.clone();
    if shapes_rows {
        // The rows' own columns decide what is distinct and what a group is; numbered, as a
        // derived table must not repeat a column name.
        rows = rows.numbered();
    } else {
        rows.columns = vec![SelectItem {
            expr: Node::Int(1),
            alias: Some("one".into()),
            qualified: true,
        }];
    }
    if rows.limit.is_none() && rows.offset.is_none() {
        rows.order.clear();
    }
    let ctes = std::mem::take(&mut rows.ctes);
    ast::Select {
        ctes,
        columns: count,
        from: Some(ast::From {
            source: Source::Query {
                query: Box::new(rows),
                alias: "counted".into(),
                lateral: false,
            },
            joins: Vec::new(),
        }),
        ..ast::Select::default()
    }
}

/// Row locks: `FOR UPDATE` / `FOR SHARE`, then optionally `NOWAIT` or `SKIP LOCKED`.
impl<S, Sel: Selection, L> Select<S, Sel, L> {
    /// `FOR UPDATE`: locks the rows read until the transaction ends, so no other transaction
    /// can change, delete or lock them meanwhile. Run it inside a transaction
    /// ([`Db::begin`](crate::Db::begin)); outside one the lock ends with the statement.
    ///
    /// The lock is the last step, as in SQL: filters, joins, order, limit and columns come
    /// before it; after it only [`skip_locked`](Self::skip_locked) or [`nowait`](Self::nowait)
    /// (which exist only on a locked query) and running it (`all`, `first`, `one`, `to_sql`).
    /// A locked query has no [`count`](Self::count): a lock cannot go on an aggregate. SQLite has no row locks (it locks
    /// the whole database): there the query fails with [`Error::Unsupported`] before anything
    /// is sent (see [`Capabilities::row_locks`](crate::Capabilities::row_locks)).
    ///
    /// ```
    /// # use weft::Table;
    /// #[derive(Table)]
    /// struct Job { #[column(primary_key)] id: i64, done: bool }
    ///
    /// let q = weft::select::<Job>().filter(Job::done.eq(false)).limit(10).for_update();
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "job"."id", "job"."done" FROM "job" WHERE "job"."done" = $1 LIMIT 10 FOR UPDATE"#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `job`.`id`, `job`.`done` FROM `job` WHERE `job`.`done` = ? LIMIT ? FOR UPDATE"
    /// );
    /// ```
    pub fn for_update(self) -> Select<S, Sel, RowLock>
    where
        L: Unlocked,
    {
        self.lock(true)
    }

    /// `FOR SHARE` (MariaDB: `LOCK IN SHARE MODE`): locks the rows read against changes until
    /// the transaction ends; other transactions may still read and share-lock them. Otherwise
    /// as [`for_update`](Self::for_update).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)]
    /// # struct Job { #[column(primary_key)] id: i64, done: bool }
    /// let q = weft::select::<Job>().columns(Job::id).for_share();
    /// assert_eq!(q.to_sql(weft::Backend::Postgres).text, r#"SELECT "job"."id" FROM "job" FOR SHARE"#);
    /// assert_eq!(q.to_sql(&weft::dialect::MariaDb).text, "SELECT `job`.`id` FROM `job` LOCK IN SHARE MODE");
    /// ```
    pub fn for_share(self) -> Select<S, Sel, RowLock>
    where
        L: Unlocked,
    {
        self.lock(false)
    }

    /// `SKIP LOCKED`: leaves out the rows another transaction holds locked instead of waiting
    /// for them (a job queue's "take the next free row"). Only after
    /// [`for_update`](Self::for_update) / [`for_share`](Self::for_share); it replaces an
    /// earlier [`nowait`](Self::nowait).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)]
    /// # struct Job { #[column(primary_key)] id: i64, done: bool }
    /// let next = weft::select::<Job>().order_by(Job::id).limit(1).for_update().skip_locked();
    /// assert_eq!(
    ///     next.to_sql(weft::Backend::Postgres).text,
    ///     r#"SELECT "job"."id", "job"."done" FROM "job" ORDER BY "job"."id" LIMIT 1 FOR UPDATE SKIP LOCKED"#
    /// );
    /// ```
    pub fn skip_locked(self) -> Self
    where
        L: Locked,
    {
        self.lock_wait(LockWait::SkipLocked)
    }

    /// `NOWAIT`: fails at once (with the server's lock error) when a row is locked by another
    /// transaction, instead of waiting for it. Only after [`for_update`](Self::for_update) /
    /// [`for_share`](Self::for_share); it replaces an earlier
    /// [`skip_locked`](Self::skip_locked).
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)]
    /// # struct Job { #[column(primary_key)] id: i64, done: bool }
    /// let q = weft::select::<Job>().filter(Job::id.eq(1)).for_share().nowait();
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "SELECT `job`.`id`, `job`.`done` FROM `job` WHERE `job`.`id` = ? LOCK IN SHARE MODE NOWAIT"
    /// );
    /// ```
    pub fn nowait(self) -> Self
    where
        L: Locked,
    {
        self.lock_wait(LockWait::NoWait)
    }

    /// This query with a row lock that waits.
    fn lock(mut self, exclusive: bool) -> Select<S, Sel, RowLock> {
        self.stmt.lock = Some(ast::Lock {
            exclusive,
            wait: LockWait::Wait,
        });
        let (stmt, selection) = self.into_parts();
        Select::from_parts(stmt, selection)
    }

    /// This locked query with `wait` as its wait option.
    fn lock_wait(mut self, wait: LockWait) -> Self {
        if let Some(lock) = &mut self.stmt.lock {
            lock.wait = wait;
        }
        self
    }
}

/// The lock state of a [`Select`] without a row lock (the default).
///
/// ```
/// fn unlocked(q: weft::Select<(Job,), weft::All<Job>>) {} // `NoLock` is the default
/// # #[derive(weft::Table)] struct Job { #[column(primary_key)] id: i64 }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NoLock;

/// The lock state of a [`Select`] after [`for_update`](Select::for_update) or
/// [`for_share`](Select::for_share).
///
/// ```
/// # #[derive(weft::Table)] struct Job { #[column(primary_key)] id: i64 }
/// let q = weft::select::<Job>().for_update(); // a `Select<(Job,), All<Job>, RowLock>`
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RowLock;

/// The lock state of a [`Select`] that groups, deduplicates or combines rows
/// (`.group_by(…)`, `.distinct()`, a set operation): such a query cannot take a row lock
/// (PostgreSQL refuses `FOR UPDATE` there, and on other servers which rows it locks is not
/// what the query returns).
#[derive(Debug, Clone, Copy)]
pub struct NoRowLock;

/// The lock state of a [`Select`] that combines queries (`.union(…)`, `.intersect(…)`,
/// `.except(…)`): it takes only order, limit and offset over the whole result, and no lock.
#[derive(Debug, Clone, Copy)]
pub struct Combined;

/// A lock state that can still take a row lock: [`NoLock`]. Bounds [`Select::for_update`]
/// and [`Select::for_share`].
#[diagnostic::on_unimplemented(
    message = "this query cannot take a row lock",
    label = "`.for_update()` / `.for_share()` called here",
    note = "a query takes one row lock (`.for_update()` or `.for_share()`, once), before any \
            `.group_by(…)`, `.distinct()` or set operation (`.union(…)`, …): locks go on \
            plain rows only"
)]
pub trait Unlocked: sealed::Sealed {}
impl Unlocked for NoLock {}

/// A lock state without a row lock: [`NoLock`] or [`NoRowLock`]. Bounds [`Select::count`].
#[diagnostic::on_unimplemented(
    message = "a query with a row lock cannot be counted",
    label = "this query has `.for_update()` / `.for_share()`",
    note = "a count takes no lock (PostgreSQL refuses `FOR UPDATE` on an aggregate): call \
            `.count(…)` on the query without the lock"
)]
pub trait Countable: sealed::Sealed {}
impl Countable for NoLock {}
impl Countable for NoRowLock {}
impl Countable for Combined {}

/// A lock state that still takes builder steps (filters, order, limit, columns, grouping):
/// [`NoLock`] and [`NoRowLock`]. A row lock is the last step, and a set operation's result
/// ([`Combined`]) takes only order, limit and offset.
#[diagnostic::on_unimplemented(
    message = "no filters, columns or grouping after a row lock or a set operation",
    label = "this query ends in `.for_update()` / `.for_share()`, or combines queries (`.union(…)`, …)",
    note = "a lock is the last step: filter, order, limit, choose columns and group first, then \
            `.for_update()`",
    note = "a UNION / INTERSECT / EXCEPT takes only `.order_by`, `.limit` and `.offset` after \
            it: filter each query before combining them"
)]
pub trait Building: sealed::Sealed {}

/// A lock state that still takes order, limit and offset: every state but [`RowLock`].
#[diagnostic::on_unimplemented(
    message = "this query already has a row lock: the lock is the last step",
    label = "`.for_update()` / `.for_share()` came before this",
    note = "filter, order, limit, choose columns and group first, then lock: \
            `.filter(…).order_by(…).limit(…).for_update()`"
)]
pub trait Orderable: sealed::Sealed {}
impl Orderable for NoLock {}
impl Orderable for NoRowLock {}
impl Orderable for Combined {}
impl Building for NoLock {}
impl Building for NoRowLock {}

/// A lock state with a row lock: [`RowLock`]. Bounds [`Select::skip_locked`] and
/// [`Select::nowait`].
#[diagnostic::on_unimplemented(
    message = "this query has no row lock for `.skip_locked()` / `.nowait()` to change",
    label = "no `.for_update()` / `.for_share()` before this",
    note = "lock the rows first: `.for_update().skip_locked()` or `.for_share().nowait()`"
)]
pub trait Locked: sealed::Sealed {}
impl Locked for RowLock {}

/// Keeps the lock states to weft's two.
mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NoLock {}
    impl Sealed for super::RowLock {}
    impl Sealed for super::NoRowLock {}
    impl Sealed for super::Combined {}
}

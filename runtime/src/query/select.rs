//! `SELECT`: filters, order, limit and offset, joins, chosen columns, count.

use std::marker::PhantomData;

use super::selection::{AddTable, All, JoinSelection, Nullable, Selection};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::expr::{Condition, Direction, IntoOrder, Node, Within};
use crate::render::{Limit, Renderer, Sql};
use crate::row::RowReader;
use crate::schema::{Table, TableMeta};

/// Starts a `SELECT` of every column of `T`.
///
/// ```
/// # use weft::Table;
/// #[derive(Table, Debug)]
/// struct User { #[column(primary_key, auto)] id: i64, name: String }
///
/// let q = weft::select::<User>().filter(User::name.eq("Dan")).order_by(User::id.desc()).limit(10);
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"SELECT "user"."id", "user"."name" FROM "user" WHERE "user"."name" = $1 ORDER BY "user"."id" DESC LIMIT $2"#
/// );
/// ```
pub fn select<T: Table>() -> Select<(T,), All<T>> {
    Select {
        from: T::META,
        joins: Vec::new(),
        selection: All::new(),
        filter: None,
        order: Vec::new(),
        limit: None,
        offset: None,
        _tables: PhantomData,
    }
}

/// A `SELECT` over the tables `S` (FROM, then JOINs) returning `Sel::Output` per row.
#[must_use = "a query does nothing until it runs: call `.all(&db)`, `.first(&db)`, …"]
pub struct Select<S, Sel> {
    from: &'static TableMeta,
    joins: Vec<JoinClause>,
    selection: Sel,
    filter: Option<Node>,
    order: Vec<(Node, Direction)>,
    limit: Option<Limit>,
    offset: Option<u64>,
    _tables: PhantomData<fn() -> S>,
}

/// A join waiting for its `ON` condition.
#[must_use = "a join needs its condition: `.on(…)`"]
pub struct Joining<S, Sel, T, X> {
    select: Select<S, Sel>,
    left: bool,
    joined: X,
    _table: PhantomData<fn() -> T>,
}

impl<S, Sel, T, X> Joining<S, Sel, T, X>
where
    Sel: Selection,
    S: AddTable<T>,
    T: Table,
{
    /// `ON condition`: it may read the joined table and every table before it.
    // The `JoinSelection` bound names the method's own `O` so that a join after `.columns(…)`
    // is one error here rather than a "method not found" cascade.
    pub fn on<C, I, O>(self, condition: C) -> Select<<S as AddTable<T>>::Out, O>
    where
        Sel: JoinSelection<X, Out = O>,
        C: Condition,
        C::Tables: Within<<S as AddTable<T>>::Out, I>,
    {
        let Select {
            from,
            mut joins,
            selection,
            filter,
            order,
            limit,
            offset,
            ..
        } = self.select;
        joins.push(JoinClause {
            left: self.left,
            table: T::META,
            on: condition.into_node(),
        });
        Select {
            from,
            joins,
            selection: selection.append(self.joined),
            filter,
            order,
            limit,
            offset,
            _tables: PhantomData,
        }
    }
}

struct JoinClause {
    left: bool,
    table: &'static TableMeta,
    on: Node,
}

pub(crate) fn and_filter(existing: Option<Node>, new: Node) -> Option<Node> {
    Some(match existing {
        None => new,
        Some(old) => old.and(new),
    })
}

impl<S, Sel: Selection> Select<S, Sel> {
    /// Keeps the rows where `condition` holds. Several calls are joined with `AND`.
    pub fn filter<C, I>(mut self, condition: C) -> Self
    where
        C: Condition,
        C::Tables: Within<S, I>,
    {
        self.filter = and_filter(self.filter.take(), condition.into_node());
        self
    }

    /// Orders by a column (ascending) or an `.asc()` / `.desc()` term. Several calls add
    /// further sort keys.
    pub fn order_by<O, I>(mut self, order: O) -> Self
    where
        O: IntoOrder,
        O::Tables: Within<S, I>,
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

    /// `INNER JOIN T`, completed by [`Joining::on`]: rows come back as tuples, `(User, Post)`.
    ///
    /// ```
    /// # use weft::Table;
    /// # #[derive(Table)] struct User { #[column(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64, #[column(references = User::id)] user_id: i64 }
    /// let q = weft::select::<User>().inner_join::<Post>().on(Post::user_id.eq(User::id));
    /// ```
    pub fn inner_join<T: Table>(self) -> Joining<S, Sel, T, All<T>>
    where
        S: AddTable<T>,
    {
        Joining {
            select: self,
            left: false,
            joined: All::new(),
            _table: PhantomData,
        }
    }

    /// `LEFT JOIN T`, completed by [`Joining::on`]: the joined table comes back as
    /// `Option<T>`, `None` where no row matched.
    pub fn left_join<T: Table>(self) -> Joining<S, Sel, T, Nullable<T>>
    where
        S: AddTable<T>,
    {
        Joining {
            select: self,
            left: true,
            joined: Nullable::new(),
            _table: PhantomData,
        }
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
    pub fn columns<N, I>(self, selection: N) -> Select<S, N>
    where
        N: Selection,
        N::Tables: Within<S, I>,
    {
        Select {
            from: self.from,
            joins: self.joins,
            selection,
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            _tables: PhantomData,
        }
    }

    /// The SQL and binds this query sends to `backend`.
    pub fn to_sql(&self, backend: Backend) -> Sql {
        let mut columns = Vec::new();
        self.selection.push_columns(&mut columns);
        let mut r = self.renderer(backend);
        r.push("SELECT ");
        r.select_list(&columns, true);
        self.render_from(&mut r);
        r.order_limit(&self.order, self.limit, self.offset);
        r.finish()
    }

    /// A renderer for this query: its tables are read under their own names.
    fn renderer(&self, backend: Backend) -> Renderer {
        let mut r = Renderer::new(backend);
        r.reserve(self.from.name);
        for join in &self.joins {
            r.reserve(join.table.name);
        }
        r
    }

    fn render_from(&self, r: &mut Renderer) {
        r.push(" FROM ");
        r.table(self.from);
        for join in &self.joins {
            r.push(if join.left {
                " LEFT JOIN "
            } else {
                " INNER JOIN "
            });
            r.table(join.table);
            r.push(" ON ");
            r.node(&join.on);
        }
        r.where_clause(self.filter.as_ref());
    }

    /// Every matching row.
    pub async fn all(&self, mut executor: impl Executor) -> Result<Vec<Sel::Output>> {
        let sql = self.to_sql(executor.target().db().backend());
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
        self.limit = Limit::first_of(self.limit);
        let sql = self.to_sql(executor.target().db().backend());
        let selection = &self.selection;
        let row = executor
            .target()
            .fetch_first(&sql, |row, text| {
                selection.decode(&mut RowReader::new(row, text))
            })
            .await?;
        Ok((row, sql))
    }

    /// The SQL of [`count`](Self::count) for `backend`.
    pub fn count_sql(&self, backend: Backend) -> Sql {
        let mut r = self.renderer(backend);
        if self.limit.is_some() || self.offset.is_some() {
            // Limit and offset apply to the rows being counted.
            r.push("SELECT COUNT(*) FROM (SELECT 1 AS ");
            r.ident("one");
            self.render_from(&mut r);
            r.order_limit(&[], self.limit, self.offset);
            r.push(") AS ");
            r.ident("counted");
        } else {
            r.push("SELECT COUNT(*)");
            self.render_from(&mut r);
        }
        r.finish()
    }

    /// How many rows match (ignores the order; respects limit and offset).
    pub async fn count(&self, mut executor: impl Executor) -> Result<i64> {
        let sql = self.count_sql(executor.target().db().backend());
        let counts = executor
            .target()
            .fetch(&sql, |row, text| {
                RowReader::new(row, text).column::<i64>("?", "COUNT(*)")
            })
            .await?;
        Ok(counts.into_iter().next().unwrap_or(0))
    }
}

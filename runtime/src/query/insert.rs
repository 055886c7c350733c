//! `INSERT`, one row or many, split under each dialect's bind-parameter limit.

use std::borrow::Cow;
use std::marker::PhantomData;

use super::selection::{All, Selection};
use super::{Mutation, Returning};
use crate::ast::{self, InsertSource, InsertValue};
use crate::backend::Backend;
use crate::dialect::StatementKind as Kind;
use crate::dialect::{AsDialect, Dialect};
use crate::dialect::{BindRef, Binds, Renderer, Sql, Stmt};
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::expr::Node;
use crate::schema::{Insertable, Table};
use crate::value::{InsertSlot, Scalar, Value};

/// Inserts one row: the table's struct, or its generated insert form (`NewUser` for `User`)
/// in which auto-incremented and defaulted columns are optional. A row given by reference
/// is borrowed, not copied (see [`insert_many`]).
pub fn insert<R: Insertable>(row: R) -> Insert<R::Table, R::Slot> {
    insert_many([row])
}

/// Inserts many rows in multi-row `VALUES` statements, as few as the dialect's bind-parameter
/// limit allows. When more than one statement is needed and no transaction is open, they run
/// in one, so the insert is all or nothing.
///
/// On PostgreSQL, rows that all give the same columns go in one statement whatever their
/// number: `INSERT … SELECT * FROM UNNEST(…)` with one array bind per column.
///
/// Rows given by value (`insert_many(rows)`) are moved into the insert: the insert form's
/// text and bytes are not copied. Rows given by reference (`insert_many(&rows)`) stay where
/// they are: the insert borrows their text and bytes and binds them in place, copying
/// nothing, and cannot outlive them.
///
/// ```
/// # use weft::Table;
/// #[derive(Table)]
/// struct Tag {
///     #[column(primary_key)]
///     name: String,
/// }
///
/// let tags = vec![Tag { name: "rust".into() }, Tag { name: "sql".into() }];
/// let q = weft::insert_many(&tags); // borrows `tags`
/// assert_eq!(
///     q.to_sql(weft::Backend::Sqlite)[0].text,
///     r#"INSERT INTO "tag" ("name") VALUES (?), (?)"#
/// );
/// ```
pub fn insert_many<R: Insertable, I: IntoIterator<Item = R>>(rows: I) -> Insert<R::Table, R::Slot> {
    let width = R::Table::META.columns.len();
    let rows = rows.into_iter();
    let mut values = Vec::with_capacity(rows.size_hint().0 * width);
    for row in rows {
        let start = values.len();
        values.resize(start + width, None);
        row.into_slots(&mut values[start..]);
    }
    Insert {
        values,
        on_conflict: None,
        _table: PhantomData,
    }
}

/// An `INSERT` into `T`, holding its rows' values as `V`: moved ([`Value`], rows given by
/// value) or borrowed ([`ValueRef`](crate::ValueRef), rows given by reference).
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct Insert<T, V: InsertSlot = Value> {
    /// Row-major: one entry per column per row, `None` where a row leaves a column out.
    values: Vec<Option<V>>,
    /// Set by [`on_conflict`](Self::on_conflict): the upsert every statement carries.
    pub(super) on_conflict: Option<ast::OnConflict>,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> Insert<T, Value> {
    /// Sets column `col` (by position) of every row to `value`: a nested insert's foreign
    /// keys, known once the parent is inserted.
    pub(crate) fn set_column(&mut self, col: usize, value: &Value) {
        let width = T::META.columns.len();
        if width == 0 {
            return;
        }
        for row in self.values.chunks_mut(width) {
            if let Some(slot) = row.get_mut(col) {
                *slot = Some(value.clone());
            }
        }
    }

    /// Whether the insert holds no row.
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl<T: Table, V: InsertSlot> Insert<T, V> {
    /// The statements this sends to `dialect` (more than one when split).
    pub fn to_sql(&self, dialect: impl AsDialect) -> Vec<Sql> {
        let dialect = dialect.as_dialect();
        self.render(dialect, None)
    }

    /// Runs the insert, returning the number of rows inserted (for an upsert, the rows
    /// affected as each backend counts them: see [`on_conflict`](Self::on_conflict)).
    pub async fn execute(&self, executor: impl Executor) -> Result<u64> {
        super::execute_mutation(self, executor).await
    }

    /// Returns the inserted rows, with their generated keys and defaults.
    pub fn returning(self) -> Returning<Self, All<T>> {
        Returning::new(self, All::new())
    }

    /// Returns `selection` (columns of `T`) of each inserted row.
    pub fn returning_columns<Sel, I>(self, selection: Sel) -> Returning<Self, Sel>
    where
        Sel: Selection,
        Sel::Tables: crate::expr::Within<(T,), I>,
    {
        Returning::new(self, selection)
    }
}

impl<T: Table, V: InsertSlot> Mutation for Insert<T, V> {
    const KIND: Kind = Kind::Insert;

    fn unstorable(
        &self,
        dialect: &'static dyn Dialect,
    ) -> Option<(&'static str, &'static str, usize)> {
        let columns = T::META.columns;
        let at = self.values.iter().position(|v| {
            v.as_ref()
                .is_some_and(|v| v.scalar().check_storable(dialect.capabilities()).is_err())
        })?;
        let column = columns.get(at % columns.len().max(1))?;
        Some((T::META.name, column.name, at / columns.len().max(1) + 1))
    }

    fn render(&self, dialect: &'static dyn Dialect, returning: Option<&[Node]>) -> Vec<Sql> {
        self.render_with(dialect, returning, Owned, MYSQL_STATEMENT_BYTES)
            .into_iter()
            .map(|(r, Owned)| r.finish())
            .collect()
    }

    fn statements(
        &self,
        dialect: &'static dyn Dialect,
        returning: Option<&[Node]>,
        max_packet: Option<usize>,
    ) -> Result<Vec<Stmt<'_>>> {
        let mut budget = MYSQL_STATEMENT_BYTES;
        if let (true, Some(packet)) = (dialect.capabilities().packet_limited, max_packet) {
            self.check_rows(packet, returning)?;
            budget = budget.min(packet.saturating_sub(self.text_room(returning)));
        }
        if returning.is_none()
            && self.on_conflict.is_none()
            && let Some(stmt) = self.cached_statement(dialect)
        {
            return Ok(vec![stmt]);
        }
        Ok(self
            .render_with(dialect, returning, Borrowed(Vec::new()), budget)
            .into_iter()
            .map(|(r, Borrowed(refs))| Stmt {
                dialect,
                text: Cow::Owned(r.text),
                // After the row values, any value bound in RETURNING
                // (`returning_columns((User::name.eq("x"),))`), which the renderer holds.
                binds: Binds::Refs(refs, r.binds),
            })
            .collect())
    }
}

/// Where rendering puts the binds: cloned into the [`Renderer`] for `to_sql`, or borrowed from
/// the insert's own values to run it.
///
/// Running keeps `execute(&self)` (the query can be run again, and shown afterwards) and still
/// copies nothing: each bind points into `Insert::values`, and the drivers encode straight from
/// there (PostgreSQL and MySQL write the bytes to the wire buffer; SQLite, whose sqlx arguments
/// are owned, takes one copy of text and bytes, as binding a `&str` to sqlx does). Taking the
/// values out by value would save that one SQLite copy but make `execute` consume the query.
trait BindSink<'a>: Sized {
    /// The tree's entry for `bind`.
    fn value(&mut self, bind: BindRef<'a>) -> InsertValue;
}

#[derive(Clone)]
struct Owned;

impl<'a> BindSink<'a> for Owned {
    fn value(&mut self, bind: BindRef<'a>) -> InsertValue {
        let value = match bind.array() {
            // Every element is `Some`: a column is bound as an array only when every row
            // gives it.
            Ok((ty, elements)) => Value::Array(
                ty,
                elements
                    .map(|v| v.map_or(Value::Null(ty), Scalar::to_value))
                    .collect(),
            ),
            Err(v) => v.to_value(),
        };
        InsertValue::Expr(Box::new(Node::Bind(value)))
    }
}

#[derive(Clone)]
struct Borrowed<'a>(Vec<BindRef<'a>>);

impl<'a> BindSink<'a> for Borrowed<'a> {
    fn value(&mut self, bind: BindRef<'a>) -> InsertValue {
        self.0.push(bind);
        InsertValue::Borrowed
    }
}

impl<T: Table, V: InsertSlot> Insert<T, V> {
    /// Renders the statements, sending each bind to a fresh `sink` per statement; on MySQL,
    /// each statement's values take at most `budget` bytes (or it holds one row).
    fn render_with<'a, S: BindSink<'a> + Clone>(
        &'a self,
        dialect: &'static dyn Dialect,
        returning: Option<&[Node]>,
        sink: S,
        budget: usize,
    ) -> Vec<(Renderer, S)> {
        let meta = T::META;
        let width = meta.columns.len();
        if self.values.is_empty() {
            return Vec::new();
        }
        let rows = self.values.len() / width;
        // A column goes into the column list if any row gives it; rows that leave it out get
        // its default there. `uniform`: every row gives every listed column.
        let mut uniform = true;
        let mut present: Vec<usize> = Vec::with_capacity(width);
        for c in 0..width {
            let given = self
                .values
                .chunks_exact(width)
                .filter(|row| row[c].is_some())
                .count();
            if given > 0 {
                present.push(c);
                uniform &= given == rows;
            }
        }
        if present.is_empty() {
            present.push(0);
            uniform = false;
        }

        // PostgreSQL, several rows that all give the same columns: one array per column,
        // `INSERT … SELECT * FROM UNNEST($1::BIGINT[], …)`. The text is the same for any row
        // count, and there is no bind limit to split under.
        //
        // Order: PostgreSQL's UNNEST yields the arrays in order, and a plain INSERT … SELECT from
        // it inserts (and assigns identity values, and returns RETURNING rows) in that order,
        // as it does for a multi-row VALUES list. Neither is formally guaranteed by the SQL
        // standard or PostgreSQL's docs (`WITH ORDINALITY … ORDER BY` would guarantee the order
        // of identity values, not of RETURNING); weft promises the same for both paths:
        // returned rows in input order, which the tests check on 10,000 rows.
        if dialect.capabilities().array_binds && rows > 1 && uniform {
            // One statement per `UNNEST_BYTES` of values or so: PostgreSQL refuses a single
            // value (an array) over 1 GB, and a message's length is a 32-bit number.
            let mut statements = Vec::new();
            let mut start = 0;
            let mut bytes = 0;
            for (i, row) in self.values.chunks_exact(width).enumerate() {
                let size: usize = present
                    .iter()
                    .map(|&c| row[c].as_ref().map_or(0, |v| encoded_size(v.scalar())))
                    .sum();
                if bytes + size > UNNEST_BYTES && i > start {
                    statements.push(self.unnest(
                        dialect,
                        &self.values[start * width..i * width],
                        &present,
                        returning,
                        sink.clone(),
                    ));
                    (start, bytes) = (i, 0);
                }
                bytes += size;
            }
            statements.push(self.unnest(
                dialect,
                &self.values[start * width..],
                &present,
                returning,
                sink,
            ));
            return statements;
        }

        let per_row = present.len();
        let rows_per_statement = (dialect.capabilities().max_bind_params / per_row).max(1);
        // Rows per statement: under the bind-parameter limit, and on MySQL, whose server
        // refuses (by closing the connection) a statement larger than `max_allowed_packet`,
        // under `budget` bytes of values.
        let chunks: Vec<&[Option<V>]> = if dialect.capabilities().packet_limited {
            let mut chunks = Vec::new();
            let (mut start, mut bytes) = (0, 0);
            for (i, row) in self.values.chunks_exact(width).enumerate() {
                let size = row_packet_size(row, &present);
                if i > start && (i - start == rows_per_statement || bytes + size > budget) {
                    chunks.push(&self.values[start * width..i * width]);
                    (start, bytes) = (i, 0);
                }
                bytes += size;
            }
            chunks.push(&self.values[start * width..]);
            chunks
        } else {
            self.values.chunks(width * rows_per_statement).collect()
        };
        chunks
            .into_iter()
            .map(|chunk| {
                let mut sink = sink.clone();
                let mut values = Vec::with_capacity(chunk.len() / width * per_row);
                for row in chunk.chunks_exact(width) {
                    for &c in &present {
                        values.push(match &row[c] {
                            Some(v) => sink.value(BindRef::Scalar(v.scalar())),
                            None => InsertValue::Default,
                        });
                    }
                }
                let stmt = self.statement(&present, InsertSource::Values(values));
                let mut r = Renderer::new(dialect);
                r.insert(&stmt, returning);
                (r, sink)
            })
            .collect()
    }
}

/// What an insert's text depends on when it is one plain `VALUES` statement in which every
/// row gives the same columns: the table, the dialect, which columns are given and how many
/// rows there are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    /// The table's metadata, by address: equal addresses are the same metadata.
    table: *const crate::schema::TableMeta,
    /// The dialect, data and vtable: equal pointers are the same dialect.
    dialect: *const dyn Dialect,
    /// Bit `c`: column `c` is given.
    present: u128,
    rows: usize,
}

thread_local! {
    /// Texts of recent insert shapes, per thread (see `texts.rs`).
    static TEXTS: super::texts::Texts<Shape, Box<str>> = Default::default();
}

impl<T: Table, V: InsertSlot> Insert<T, V> {
    /// The insert as one statement whose text comes from the per-thread cache of texts (and
    /// goes into it the first time): a plain multi-row `VALUES` (no upsert, no `RETURNING`)
    /// in which every row gives the same columns, that fits one statement. `None` otherwise
    /// (and on PostgreSQL for several rows, which go through `UNNEST`): rendered as usual.
    ///
    /// Rendering is most of what a one-row insert costs weft on an embedded database: the
    /// tree, the quoting, the allocations (bench/RESULTS.md, "W6 on SQLite").
    fn cached_statement(&self, dialect: &'static dyn Dialect) -> Option<Stmt<'_>> {
        let width = T::META.columns.len();
        if width == 0 || width > 128 || self.values.is_empty() {
            return None;
        }
        let rows = self.values.len() / width;
        let mut present = 0u128;
        for (c, v) in self.values[..width].iter().enumerate() {
            if v.is_some() {
                present |= 1 << c;
            }
        }
        if present == 0 {
            return None;
        }
        let per_row = present.count_ones() as usize;
        let caps = dialect.capabilities();
        let one_statement = rows == 1
            || (!caps.array_binds
                && !caps.packet_limited
                && rows * per_row <= caps.max_bind_params);
        if !one_statement {
            return None;
        }
        let mut refs = Vec::with_capacity(rows * per_row);
        for row in self.values.chunks_exact(width) {
            for (c, v) in row.iter().enumerate() {
                match v {
                    Some(v) if present & (1 << c) != 0 => refs.push(BindRef::Scalar(v.scalar())),
                    None if present & (1 << c) == 0 => {}
                    // A row that gives other columns than the first: rendered as usual.
                    _ => return None,
                }
            }
        }
        let shape = Shape {
            table: T::META,
            dialect,
            present,
            rows,
        };
        let text = match super::texts::find(&TEXTS, &shape, |text| String::from(&**text)) {
            Some(text) => text,
            None => {
                let columns: Vec<usize> = (0..width).filter(|&c| present & (1 << c) != 0).collect();
                let values = (0..rows * per_row).map(|_| InsertValue::Borrowed).collect();
                let mut r = Renderer::new(dialect);
                r.insert(
                    &self.statement(&columns, InsertSource::Values(values)),
                    None,
                );
                // Every value is the rows' own: nothing the renderer bound itself.
                if !r.binds.is_empty() {
                    return None;
                }
                super::texts::keep(&TEXTS, shape, r.text.as_str().into());
                r.text
            }
        };
        Some(Stmt {
            dialect,
            text: Cow::Owned(text),
            binds: Binds::Refs(refs, Vec::new()),
        })
    }

    /// `INSERT INTO t (present) source`, with the upsert clause if any.
    fn statement(&self, present: &[usize], source: InsertSource) -> ast::Insert {
        ast::Insert {
            table: T::META,
            columns: present.to_vec(),
            source,
            on_conflict: self.on_conflict.clone(),
            returning: Vec::new(),
        }
    }

    /// Room to leave in a MySQL packet for what is not the rows' values: the statement's
    /// text up to `VALUES`, its `ON DUPLICATE KEY UPDATE` and `RETURNING`, and the packet's
    /// own header.
    fn text_room(&self, returning: Option<&[Node]>) -> usize {
        let all: Vec<usize> = (0..T::META.columns.len()).collect();
        let mut r = Renderer::new(&crate::dialect::MariaDb);
        r.insert(
            &self.statement(&all, InsertSource::Values(Vec::new())),
            returning,
        );
        // The header and the clauses, without the ` VALUES ` of no rows.
        r.text.len() - " VALUES ".len()
            + r.binds
                .iter()
                .map(|v| mysql_value_size(Scalar::Value(v)))
                .sum::<usize>()
            + 64
    }
}

/// About how many bytes of values one PostgreSQL `UNNEST` insert carries at most.
const UNNEST_BYTES: usize = 64 << 20;

/// The most bytes of values one MySQL multi-row insert carries, unless the server's
/// `max_allowed_packet` (read when the [`Db`](crate::Db) was made) is smaller: `to_sql` splits
/// as if it were not. MySQL 5.7's default; MariaDB's is 16 MiB and MySQL 8's 64 MiB. A row
/// larger than this goes in a statement of its own.
const MYSQL_STATEMENT_BYTES: usize = 4 << 20;

/// At most how many bytes the values `present` of `row` take in a MySQL `COM_STMT_EXECUTE`
/// packet, with the `(?, ?), ` they add to the statement's text (sent when it is prepared):
/// per value its type (2 bytes), its bit of the NULL bitmap, its length (up to 9 bytes) and
/// bytes (a date and time takes up to 12, a decimal's text up to 40).
fn row_packet_size<V: InsertSlot>(row: &[Option<V>], present: &[usize]) -> usize {
    4 + present
        .iter()
        .map(|&c| row[c].as_ref().map_or(16, |v| mysql_value_size(v.scalar())))
        .sum::<usize>()
}

fn mysql_value_size(value: Scalar<'_>) -> usize {
    16 + value.payload_len().unwrap_or(48)
}

/// Roughly what a value takes on the wire.
fn encoded_size(value: Scalar<'_>) -> usize {
    8 + value.payload_len().unwrap_or(0)
}

impl<T: Table, V: InsertSlot> Insert<T, V> {
    /// Fails, before anything is sent, when a row alone is larger than a MySQL statement may
    /// be (`packet` bytes, the server's `max_allowed_packet`).
    fn check_rows(&self, packet: usize, returning: Option<&[Node]>) -> Result<()> {
        let meta = T::META;
        let width = meta.columns.len();
        let room = packet.saturating_sub(self.text_room(returning));
        let all: Vec<usize> = (0..width).collect();
        for (n, row) in self.values.chunks_exact(width).enumerate() {
            let size = row_packet_size(row, &all);
            if size <= room {
                continue;
            }
            // The statement that row would go in alone, and its largest value.
            let given: Vec<usize> = (0..width).filter(|&c| row[c].is_some()).collect();
            let value_size = |c: usize| row[c].as_ref().map_or(0, |v| mysql_value_size(v.scalar()));
            let (index, largest) = given
                .iter()
                .copied()
                .enumerate()
                .max_by_key(|&(_, c)| value_size(c))
                .unwrap_or((0, 0));
            let alone = InsertSource::Values(vec![InsertValue::Borrowed; given.len()]);
            let mut r = Renderer::new(&crate::dialect::MariaDb);
            r.insert(&self.statement(&given, alone), returning);
            return Err(Error::Value {
                index: index + 1,
                backend: Backend::MySql,
                reason: format!(
                    "row {} of `{}` takes about {size} bytes (column `{}`: {} bytes), more than \
                     the server accepts in one statement (max_allowed_packet = {packet} bytes, \
                     as read when the Db was made); nothing was inserted",
                    n + 1,
                    meta.name,
                    meta.columns[largest].name,
                    value_size(largest),
                ),
                sql: r.text,
            });
        }
        Ok(())
    }

    /// `INSERT INTO t (…) SELECT * FROM UNNEST($1::BIGINT[], …)`: one array per column of
    /// `rows` (row-major, every row giving every column in `present`).
    fn unnest<'a, S: BindSink<'a>>(
        &'a self,
        dialect: &'static dyn Dialect,
        rows: &'a [Option<V>],
        present: &[usize],
        returning: Option<&[Node]>,
        mut sink: S,
    ) -> (Renderer, S) {
        let meta = T::META;
        let arrays = present
            .iter()
            .map(|&c| {
                sink.value(BindRef::Column {
                    ty: meta.columns[c].sql_type,
                    rows: V::rows(rows),
                    width: meta.columns.len(),
                    col: c,
                })
            })
            .collect();
        let mut r = Renderer::new(dialect);
        r.insert(
            &self.statement(present, InsertSource::Arrays(arrays)),
            returning,
        );
        (r, sink)
    }
}

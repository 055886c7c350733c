//! The SQL-like query builder: select, insert, update, delete.

mod cte;
mod delete;
mod grouping;
mod insert;
mod insert_select;
mod join;
mod patch;
mod raw;
mod raw_row;
mod select;
mod select_texts;
mod selection;
mod set_ops;
mod subquery;
mod texts;
mod update;
mod update_from;
mod upsert;

pub use delete::{Delete, delete};
pub use grouping::GroupKey;
pub use insert::{Insert, insert, insert_many};
pub use insert_select::{FitsColumns, InsertColumns, InsertSelect, insert_select};
pub use join::{Joining, KeepSides, NullBefore, NullableSelection};
pub use raw::{Raw, raw};
pub use raw_row::FromRow;
#[doc(hidden)]
pub use raw_row::{Shape, row_kind};
pub use select::Building;
pub(crate) use select::and_filter;
pub use select::{
    Combined, Countable, Locked, NoLock, NoRowLock, Orderable, RowLock, Select, Unlocked, select,
};
pub use selection::{
    AddTable, All, As, FieldOf, JoinSelection, Nullable, Selectable, Selection, SubsetShape,
};
pub use set_ops::{Combinable, SameRows};
pub use subquery::{Derived, FitsShape, from};
pub use update::{Update, UpdateSet, update};
pub use update_from::{UpdateFrom, UpdateFromSet};
#[doc(hidden)]
pub use upsert::Upserting;
pub use upsert::{ConflictSet, ConflictTarget, OnConflict, UpsertReads};

use crate::decode::{RowReader, RowRef};
use crate::dialect::StatementKind as Kind;
use crate::dialect::{AsDialect, Dialect};
use crate::dialect::{Sql, Stmt};
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::exec::Target;
use crate::expr::Node;

/// A data-changing statement that can return the rows it touched.
#[doc(hidden)]
pub trait Mutation: Send + Sync {
    const KIND: Kind;
    /// The statements to send (several when a large insert is split), each with `RETURNING`
    /// of `returning` when given.
    fn render(&self, dialect: &'static dyn Dialect, returning: Option<&[Node]>) -> Vec<Sql>;
    /// The statements to run: as [`render`](Self::render), but their binds may borrow from
    /// `self` instead of being copied, and on a server whose statements may be at most
    /// `max_packet` bytes (MySQL's `max_allowed_packet`), none larger: a statement that cannot
    /// be made to fit is an error, and nothing is sent.
    fn statements(
        &self,
        dialect: &'static dyn Dialect,
        returning: Option<&[Node]>,
        max_packet: Option<usize>,
    ) -> Result<Vec<Stmt<'_>>> {
        let _ = max_packet;
        Ok(self
            .render(dialect, returning)
            .into_iter()
            .map(Stmt::from)
            .collect())
    }
    /// The first value `dialect` cannot store, as (table, column, row from 1), to name it in
    /// an [`Error::Value`] once a bind was refused (looked for only then).
    fn unstorable(
        &self,
        dialect: &'static dyn Dialect,
    ) -> Option<(&'static str, &'static str, usize)> {
        let _ = dialect;
        None
    }
}

/// Adds the assignment `column = value` to `sets`, replacing the value of an earlier
/// assignment of the same column where there is one (a later `set` wins, in its place).
fn assign<C: PartialEq>(sets: &mut Vec<(C, Node)>, column: C, value: Node) {
    match sets.iter_mut().find(|(c, _)| *c == column) {
        Some(slot) => slot.1 = value,
        None => sets.push((column, value)),
    }
}

/// An [`Error::Value`] from running `statement`, with the table, column and row of the value
/// it refused added to its reason where the statement knows them.
fn name_the_column<Q: Mutation>(
    statement: &Q,
    dialect: &'static dyn Dialect,
    error: Error,
) -> Error {
    match error {
        Error::Value {
            index,
            backend: b,
            reason,
            sql,
        } => {
            let reason = match statement.unstorable(dialect) {
                Some((table, column, row)) => {
                    format!("column `{table}.{column}` (row {row}): {reason}")
                }
                None => reason,
            };
            Error::Value {
                index,
                backend: b,
                reason,
                sql,
            }
        }
        other => other,
    }
}

/// A statement with `RETURNING`: run it with [`all`](Self::all) or [`one`](Self::one).
#[must_use = "a query does nothing until it runs: call `.all(&db)` or `.one(&db)`"]
pub struct Returning<Q, Sel> {
    statement: Q,
    selection: Sel,
}

impl<Q: Mutation, Sel: Selection> Returning<Q, Sel> {
    pub(crate) fn new(statement: Q, selection: Sel) -> Self {
        Returning {
            statement,
            selection,
        }
    }

    /// The statements this sends to `dialect`.
    pub fn to_sql(&self, dialect: impl AsDialect) -> Vec<Sql> {
        let dialect = dialect.as_dialect();
        self.statement.render(dialect, Some(&self.columns()))
    }

    fn columns(&self) -> Vec<Node> {
        let mut columns = Vec::new();
        self.selection.push_columns(&mut columns);
        columns
    }

    /// Runs the statement and returns every row it inserted, updated or deleted.
    ///
    /// MySQL-family servers have no `UPDATE … RETURNING` (and MySQL proper no `RETURNING` at
    /// all): there this fails with [`Error::Unsupported`] before anything is sent.
    pub async fn all(&self, executor: impl Executor) -> Result<Vec<Sel::Output>> {
        Ok(self.run(executor).await?.0)
    }

    /// Runs the statement and returns the first row it touched; [`Error::NotFound`] if none.
    pub async fn one(&self, executor: impl Executor) -> Result<Sel::Output> {
        let (rows, statements) = self.run(executor).await?;
        rows.into_iter().next().ok_or_else(|| Error::NotFound {
            sql: statements
                .into_iter()
                .next()
                .map(|s| s.text.into_owned())
                .unwrap_or_default(),
        })
    }

    /// [`all`](Self::all), with the statements it sent.
    async fn run(&self, mut executor: impl Executor) -> Result<(Vec<Sel::Output>, Vec<Stmt<'_>>)> {
        let db = executor.target().db().clone();
        if !db.capabilities().returning(Q::KIND) {
            return Err(Error::Unsupported {
                what: match Q::KIND {
                    Kind::Insert => "INSERT … RETURNING",
                    Kind::Update => "UPDATE … RETURNING",
                    Kind::Delete => "DELETE … RETURNING",
                },
                backend: db.backend(),
                hint: "run the statement with `.execute(…)`, then select the rows you need",
            });
        }
        let statements =
            self.statement
                .statements(db.dialect(), Some(&self.columns()), db.max_packet())?;
        let selection = &self.selection;
        let decode = |row: RowRef<'_>, text: &str| selection.decode(&mut RowReader::new(row, text));
        let rows = run_all(executor, &statements, Some(&decode))
            .await
            .map_err(|e| name_the_column(&self.statement, db.dialect(), e))?
            .1;
        Ok((rows, statements))
    }
}

type Decode<'d, O> = dyn Fn(RowRef<'_>, &str) -> Result<O> + Send + Sync + 'd;

/// Runs `statements` in order, decoding rows with `decode` when given; returns the rows
/// affected and the decoded rows. Several statements outside a transaction run inside a new
/// one, so that a split insert is all or nothing.
pub(crate) async fn run_all<O: Send>(
    mut executor: impl Executor,
    statements: &[Stmt<'_>],
    decode: Option<&Decode<'_, O>>,
) -> Result<(u64, Vec<O>)> {
    async fn each<O: Send>(
        target: &mut Target<'_>,
        statements: &[Stmt<'_>],
        decode: Option<&Decode<'_, O>>,
    ) -> Result<(u64, Vec<O>)> {
        let (mut affected, mut rows) = (0, Vec::new());
        for sql in statements {
            match decode {
                Some(decode) => rows.extend(target.fetch_stmt(sql, decode).await?),
                None => affected += target.execute_stmt(sql).await?,
            }
        }
        Ok((affected, rows))
    }
    let mut target = executor.target();
    if statements.len() > 1 && !target.in_transaction() {
        let mut tx = target.db().begin().await?;
        let out = each(&mut (&mut tx).target(), statements, decode).await?;
        tx.commit().await?;
        Ok(out)
    } else {
        each(&mut target, statements, decode).await
    }
}

/// Runs a mutation without `RETURNING`, returning the rows affected.
pub(crate) async fn execute_mutation<Q: Mutation>(
    statement: &Q,
    mut executor: impl Executor,
) -> Result<u64> {
    let dialect = executor.target().db().dialect();
    let max_packet = executor.target().db().max_packet();
    let statements = statement.statements(dialect, None, max_packet)?;
    run_all::<()>(executor, &statements, None)
        .await
        .map(|(affected, _)| affected)
        .map_err(|e| name_the_column(statement, dialect, e))
}

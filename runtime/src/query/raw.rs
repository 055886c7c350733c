//! Hand-written statements with bound values and typed rows: [`raw`].

use super::raw_row::{FromRow, RowDecoder};
use crate::dialect::{AsDialect, RAW_MARK, Renderer, Sql};
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::expr::{Param, fragment};
use crate::value::Value;

/// A statement you write yourself, for what the builder does not spell: `?` placeholders,
/// values bound with [`Raw::bind`], rows read into a table struct, a `Selectable` struct, a
/// value or a tuple ([`FromRow`]). It runs on a [`Db`](crate::Db) or in a
/// [`Tx`](crate::Tx): anything that is an [`Executor`].
///
/// **Placeholders** are written `?` for every database; weft renumbers them where the
/// database wants `$1, $2, …` (PostgreSQL). `??` is a literal `?` (PostgreSQL's JSON
/// operators; elsewhere `?` is always a placeholder, so `??` is refused there); a `?` inside
/// quotes (`'…'`, `"…"`, `` `…` ``) or a comment is text. Values are never written into the
/// text. A statement whose placeholders and bound values differ in number is refused with
/// [`Error::RawSql`] before anything is sent.
///
/// **Rows** are read by column *name* into structs (order does not matter, extra columns are
/// ignored, a missing or ambiguous column is an [`Error::RawSql`] naming it) and by *position*
/// into values and tuples (the row must have exactly that many columns). The row type is
/// inferred from where the result goes (`let users: Vec<User> = …`), or named:
/// `fetch_all::<User, _>`.
///
/// The text is sent as written, so it is yours to spell for the database it runs on (quote
/// identifiers as it does; [`Db::dialect`](crate::Db::dialect) says which).
///
/// ```
/// # use weft::Table;
/// #[derive(Table, Debug, PartialEq)]
/// struct User { #[column(primary_key, auto)] id: i64, name: String }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
/// let db = weft::Db::connect("sqlite::memory:").await?;
/// db.create_tables::<User>().await?;
/// weft::raw("INSERT INTO user (name) VALUES (?), (?)").bind("Ann").bind("Bob").execute(&db).await?;
///
/// let q = weft::raw("SELECT name, id FROM user WHERE id > ? ORDER BY id").bind(1);
/// let users: Vec<User> = q.fetch_all(&db).await?; // by name: the order of columns is free
/// assert_eq!(users, [User { id: 2, name: "Bob".into() }]);
///
/// // The same statement in a transaction, into a tuple (by position).
/// let mut tx = db.begin().await?;
/// let rows: Vec<(String, i64)> = q.fetch_all(&mut tx).await?;
/// assert_eq!(rows, [("Bob".to_string(), 2)]);
/// tx.commit().await?;
///
/// let n: i64 = weft::raw("SELECT count(*) FROM user").fetch_one(&db).await?;
/// assert_eq!(n, 2);
///
/// // Placeholders are renumbered for PostgreSQL, left as `?` for MariaDB.
/// let q = weft::raw("SELECT id FROM users WHERE name = ? AND id > ?").bind("Ann").bind(1);
/// assert_eq!(q.to_sql(weft::Backend::Postgres).text, "SELECT id FROM users WHERE name = $1 AND id > $2");
/// assert_eq!(q.to_sql(&weft::dialect::MariaDb).text, "SELECT id FROM users WHERE name = ? AND id > ?");
///
/// // One value short: refused before anything is sent.
/// let err = weft::raw("SELECT ? + ?").bind(1).fetch_one::<i64, _>(&db).await.unwrap_err();
/// assert!(matches!(err, weft::Error::RawSql { .. }));
/// # Ok(()) }
/// ```
pub fn raw(text: impl Into<String>) -> Raw {
    Raw {
        text: text.into(),
        binds: Vec::new(),
    }
}

/// A hand-written statement and its bound values: see [`raw`].
#[derive(Debug, Clone)]
#[must_use = "a statement does nothing until it runs: call `.execute(&db)` or `.fetch_all(&db)`"]
pub struct Raw {
    text: String,
    binds: Vec<Value>,
}

impl Raw {
    /// Binds `value` to the next `?` placeholder.
    pub fn bind(mut self, value: impl Param) -> Self {
        self.binds.push(value.into_param());
        self
    }

    /// The statement this sends to `dialect` (placeholders numbered for it). A statement that
    /// cannot be sent as written carries the refusal as a bind, which fails when run.
    pub fn to_sql(&self, dialect: impl AsDialect) -> Sql {
        let mut r = Renderer::new(dialect.as_dialect());
        r.node(&fragment(&self.text, self.binds.clone()));
        r.finish()
    }

    /// The statement for the executor's dialect, or why it cannot be sent (nothing is).
    fn checked(&self, executor: &mut impl Executor) -> Result<Sql> {
        let sql = self.to_sql(executor.target().db().dialect());
        let refusal = sql.binds.iter().find_map(|b| match b {
            Value::Unencodable(why) => why.strip_prefix(RAW_MARK),
            _ => None,
        });
        match refusal {
            Some(reason) => Err(Error::RawSql {
                reason: reason.to_owned(),
                sql: sql.text.clone(),
            }),
            None => Ok(sql),
        }
    }

    /// Runs the statement, returning the number of rows it changed.
    pub async fn execute(&self, mut executor: impl Executor) -> Result<u64> {
        let sql = self.checked(&mut executor)?;
        executor.target().execute(&sql).await
    }

    /// Runs the statement and reads every row as `R` (see [`FromRow`]).
    pub async fn fetch_all<R, K>(&self, mut executor: impl Executor) -> Result<Vec<R>>
    where
        R: FromRow<K>,
    {
        let sql = self.checked(&mut executor)?;
        let mut rows = RowDecoder::<R, K>::new();
        executor
            .target()
            .fetch(&sql, |row, text| rows.decode(row, text))
            .await
    }

    /// Runs the statement and reads its first row as `R`, if it returned any.
    pub async fn fetch_optional<R, K>(&self, mut executor: impl Executor) -> Result<Option<R>>
    where
        R: FromRow<K>,
    {
        let sql = self.checked(&mut executor)?;
        let mut rows = RowDecoder::<R, K>::new();
        executor
            .target()
            .fetch_first(&sql, |row, text| rows.decode(row, text))
            .await
    }

    /// Runs the statement and reads its first row as `R`; [`Error::NotFound`] if it returned
    /// none.
    pub async fn fetch_one<R, K>(&self, executor: impl Executor) -> Result<R>
    where
        R: FromRow<K>,
    {
        let mut executor = executor;
        let sql = self.checked(&mut executor)?;
        let mut rows = RowDecoder::<R, K>::new();
        executor
            .target()
            .fetch_first(&sql, |row, text| rows.decode(row, text))
            .await?
            .ok_or(Error::NotFound { sql: sql.text })
    }
}

//! `INSERT INTO t (…) SELECT …`: the rows of a query inserted into a table, the query's row
//! type checked against the named columns at compile time.

use std::marker::PhantomData;

use super::select::Select;
use super::selection::{All, Selection};
use super::upsert::{ConflictTarget, OnConflict, Upsertable};
use super::{Mutation, Returning};
use crate::ast::{self, InsertSource};
use crate::dialect::StatementKind as Kind;
use crate::dialect::{AsDialect, Dialect, Renderer, Sql};
use crate::error::Result;
use crate::exec::Executor;
use crate::expr::{Column, Node, Within};
use crate::schema::Table;

/// Inserts into the table of `columns` the rows `query` returns: `INSERT INTO t (a, b)
/// SELECT …`, in one statement, on every backend.
///
/// `columns` is a column of `T` or a tuple of them; the query must return, per row, a value
/// of each column's type in the same order (a non-`Option` value also fits an `Option`
/// column). Anything else does not compile. Columns left out take their default (or NULL,
/// or the generated key): a column that has none is the server's NOT NULL error.
///
/// [`execute`](InsertSelect::execute) returns the rows inserted;
/// [`returning`](InsertSelect::returning) returns them (SQLite, PostgreSQL, MariaDB; MySQL
/// proper has no `RETURNING`). [`on_conflict`](InsertSelect::on_conflict) makes it an upsert.
///
/// ```
/// # use weft::Table;
/// #[derive(Table)]
/// struct Post { #[column(primary_key, auto)] id: i64, title: String, views: i64 }
/// #[derive(Table)]
/// struct Archive { #[column(primary_key)] id: i64, title: Option<String> }
///
/// let q = weft::insert_select(
///     (Archive::id, Archive::title),
///     weft::select::<Post>().filter(Post::views.lt(10)).columns((Post::id, Post::title)),
/// );
/// assert_eq!(
///     q.to_sql(weft::Backend::Postgres).text,
///     r#"INSERT INTO "archive" ("id", "title") SELECT "post"."id", "post"."title" FROM "post" WHERE "post"."views" < $1"#
/// );
/// assert_eq!(
///     q.to_sql(&weft::dialect::MariaDb).text,
///     "INSERT INTO `archive` (`id`, `title`) SELECT `post`.`id`, `post`.`title` FROM `post` WHERE `post`.`views` < ?"
/// );
/// ```
pub fn insert_select<T, C, S, Sel, L>(columns: C, query: Select<S, Sel, L>) -> InsertSelect<T>
where
    T: Table,
    C: InsertColumns<T>,
    C: FitsColumns<Sel::Output>,
    Sel: Selection,
{
    let mut names = Vec::new();
    columns.push_columns(&mut names);
    let meta = T::META;
    let positions = names
        .into_iter()
        .map(|name| {
            meta.columns
                .iter()
                .position(|c| c.name == name)
                // Were a typed column not there, the walk refuses the statement as malformed.
                .unwrap_or(usize::MAX)
        })
        .collect();
    let (select, _) = query.into_parts();
    InsertSelect {
        stmt: ast::Insert {
            table: meta,
            columns: positions,
            source: InsertSource::Select(Box::new(select)),
            on_conflict: None,
            returning: Vec::new(),
        },
        _table: PhantomData,
    }
}

/// An `INSERT INTO T (…) SELECT …`, made by [`insert_select`].
#[must_use = "a query does nothing until it runs: call `.execute(&db)`"]
pub struct InsertSelect<T> {
    stmt: ast::Insert,
    _table: PhantomData<fn() -> T>,
}

impl<T: Table> InsertSelect<T> {
    /// The statement this sends to `dialect`.
    pub fn to_sql(&self, dialect: impl AsDialect) -> Sql {
        let dialect = dialect.as_dialect();
        let mut r = Renderer::new(dialect);
        r.insert(&self.stmt, None);
        r.finish()
    }

    /// Runs the insert, returning the number of rows inserted (for an upsert, the rows
    /// affected as each backend counts them: see [`Insert::on_conflict`](super::Insert::on_conflict)).
    pub async fn execute(&self, executor: impl Executor) -> Result<u64> {
        super::execute_mutation(self, executor).await
    }

    /// Returns the inserted rows, with their generated keys and defaults (not on MySQL
    /// proper, which has no `RETURNING`).
    pub fn returning(self) -> Returning<Self, All<T>> {
        Returning::new(self, All::new())
    }

    /// Returns `selection` (columns of `T`) of each inserted row.
    pub fn returning_columns<Sel, I>(self, selection: Sel) -> Returning<Self, Sel>
    where
        Sel: Selection,
        Sel::Tables: Within<(T,), I>,
    {
        Returning::new(self, selection)
    }

    /// Makes the insert an upsert on `target`, as [`Insert::on_conflict`](super::Insert::on_conflict).
    ///
    /// SQLite reads `ON` after a `FROM` as a join's: there weft adds `WHERE true` to a
    /// query that has no `WHERE`, as SQLite's documentation asks (reading a UNION's rows from
    /// a derived table first). The MySQL family's `ON DUPLICATE KEY UPDATE` sees the query's
    /// tables too, so there weft reads the query's rows from a derived table (a query reading
    /// the target table would otherwise make its columns ambiguous) and writes the table's own
    /// columns qualified.
    ///
    /// ```
    /// # use weft::Table;
    /// use weft::excluded;
    /// #[derive(Table)]
    /// struct Post { #[column(primary_key, auto)] id: i64, title: String }
    /// #[derive(Table)]
    /// struct Archive { #[column(primary_key)] id: i64, title: String }
    ///
    /// let q = weft::insert_select((Archive::id, Archive::title), weft::select::<Post>().columns((Post::id, Post::title)))
    ///     .on_conflict(Archive::id)
    ///     .do_update(|set| set.set(Archive::title, excluded(Archive::title)));
    /// assert_eq!(
    ///     q.to_sql(weft::Backend::Sqlite).text,
    ///     r#"INSERT INTO "archive" ("id", "title") SELECT "post"."id", "post"."title" FROM "post" WHERE true ON CONFLICT ("id") DO UPDATE SET "title" = excluded."title""#
    /// );
    /// assert_eq!(
    ///     q.to_sql(&weft::dialect::MariaDb).text,
    ///     "INSERT INTO `archive` (`id`, `title`) SELECT * FROM (SELECT `post`.`id` AS `c1`, `post`.`title` AS `c2` FROM `post`) AS `weft_src` \
    ///      ON DUPLICATE KEY UPDATE `archive`.`title` = VALUES(`title`)"
    /// );
    /// ```
    pub fn on_conflict<C: ConflictTarget<T>>(self, target: C) -> OnConflict<T, Self> {
        OnConflict::columns(self, target)
    }

    /// Makes the insert an upsert on the constraint named `constraint`, as
    /// [`Insert::on_conflict_constraint`](super::Insert::on_conflict_constraint).
    pub fn on_conflict_constraint(self, constraint: impl Into<String>) -> OnConflict<T, Self> {
        OnConflict::constraint(self, constraint.into())
    }
}

impl<T> Upsertable<T> for InsertSelect<T> {
    fn conflict_slot(&mut self) -> &mut Option<ast::OnConflict> {
        &mut self.stmt.on_conflict
    }
}

impl<T: Table> Mutation for InsertSelect<T> {
    const KIND: Kind = Kind::Insert;

    fn render(&self, dialect: &'static dyn Dialect, returning: Option<&[Node]>) -> Vec<Sql> {
        let mut r = Renderer::new(dialect);
        r.insert(&self.stmt, returning);
        vec![r.finish()]
    }
}

/// The columns an [`insert_select`] fills: a column of `T`, or a tuple of columns of `T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` are not columns of one table to insert into",
    label = "expected a column, or a tuple of columns, of the table to insert into",
    note = "name the columns to fill, all of one table: `insert_select((Archive::id, Archive::title), query)`"
)]
pub trait InsertColumns<T> {
    #[doc(hidden)]
    fn push_columns(self, out: &mut Vec<&'static str>);
}

/// Holds when a row of type `Row` fits these columns: one value per column, in order, each of
/// the column's type (or, for an `Option` column, of the type it wraps).
#[diagnostic::on_unimplemented(
    message = "the query's rows `{Row}` do not fit the columns inserted into",
    label = "the query must return one value per column, in order, of each column's type",
    note = "select the columns' types in the same order (`.columns((Post::id, Post::title))` for `(Archive::id, Archive::title)`), or cast them"
)]
pub trait FitsColumns<Row> {}

/// A value of type `Self` fits a column of type `V`: the same type, or the type an `Option`
/// column wraps.
#[doc(hidden)]
pub trait FitsColumn<V> {}

impl<V> FitsColumn<V> for V {}
impl<V> FitsColumn<Option<V>> for V {}

impl<T, V> InsertColumns<T> for Column<T, V> {
    fn push_columns(self, out: &mut Vec<&'static str>) {
        out.push(self.name());
    }
}

#[diagnostic::do_not_recommend]
impl<T, V, R: FitsColumn<V>> FitsColumns<R> for Column<T, V> {}

macro_rules! insert_columns {
    ($($v:ident $r:ident $n:tt),+) => {
        #[diagnostic::do_not_recommend]
        impl<T, $($v),+> InsertColumns<T> for ($(Column<T, $v>,)+) {
            fn push_columns(self, out: &mut Vec<&'static str>) {
                $(out.push(self.$n.name());)+
            }
        }

        #[diagnostic::do_not_recommend]
        impl<T, $($v, $r: FitsColumn<$v>),+> FitsColumns<($($r,)+)> for ($(Column<T, $v>,)+) {}
    };
}

insert_columns!(A RA 0);
insert_columns!(A RA 0, B RB 1);
insert_columns!(A RA 0, B RB 1, C RC 2);
insert_columns!(A RA 0, B RB 1, C RC 2, D RD 3);
insert_columns!(A RA 0, B RB 1, C RC 2, D RD 3, E RE 4);
insert_columns!(A RA 0, B RB 1, C RC 2, D RD 3, E RE 4, F RF 5);
insert_columns!(A RA 0, B RB 1, C RC 2, D RD 3, E RE 4, F RF 5, G RG 6);
insert_columns!(A RA 0, B RB 1, C RC 2, D RD 3, E RE 4, F RF 5, G RG 6, H RH 7);

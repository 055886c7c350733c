//! Reading result rows: a borrowed row of any backend, and the sequential reader generated
//! decoders use.

use crate::error::Error;
use crate::value::SqlValue;

/// A result row of whichever backend produced it.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum RowRef<'r> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'r sqlx::sqlite::SqliteRow),
    #[cfg(feature = "postgres")]
    Postgres(&'r sqlx::postgres::PgRow),
    #[cfg(feature = "mysql")]
    MySql(&'r sqlx::mysql::MySqlRow),
}

impl<'r> RowRef<'r> {
    /// Column `idx` as text borrowed from the row (no copy).
    pub(crate) fn str(self, idx: usize) -> Result<&'r str, String> {
        use sqlx::Row as _;
        match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(r) => r.try_get::<&str, _>(idx).map_err(decode_message),
            #[cfg(feature = "postgres")]
            RowRef::Postgres(r) => r.try_get::<&str, _>(idx).map_err(decode_message),
            #[cfg(feature = "mysql")]
            RowRef::MySql(r) => r.try_get::<&str, _>(idx).map_err(decode_message),
        }
    }

    /// Whether column `idx` is NULL (an out-of-range index reads as not NULL, and then fails
    /// to decode with a message that names it).
    #[inline]
    pub fn is_null(self, idx: usize) -> bool {
        use sqlx::{Row as _, ValueRef as _};
        match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(r) => r.try_get_raw(idx).map(|v| v.is_null()).unwrap_or(false),
            #[cfg(feature = "postgres")]
            RowRef::Postgres(r) => r.try_get_raw(idx).map(|v| v.is_null()).unwrap_or(false),
            #[cfg(feature = "mysql")]
            RowRef::MySql(r) => r.try_get_raw(idx).map(|v| v.is_null()).unwrap_or(false),
        }
    }
}

pub(crate) const UNEXPECTED_NULL: &str = "found NULL in a column whose field is not an `Option`";

/// Refuses a SQLite NULL where the field is not an `Option`: sqlx would read it as `0`, `0.0`,
/// `false` or `""`. (PostgreSQL's and MySQL's decoders refuse NULL themselves.)
#[cfg(feature = "sqlite")]
#[inline]
pub(crate) fn sqlite_not_null(row: &sqlx::sqlite::SqliteRow, idx: usize) -> Result<(), String> {
    if RowRef::Sqlite(row).is_null(idx) {
        Err(UNEXPECTED_NULL.to_owned())
    } else {
        Ok(())
    }
}

/// A PostgreSQL value as the server sent it, for the types weft decodes itself.
#[cfg(all(
    feature = "postgres",
    any(feature = "chrono", feature = "rust_decimal")
))]
pub(crate) enum PgRaw<'r> {
    Text(&'r str),
    Binary(&'r [u8]),
}

/// Column `idx` of `row`, raw, after checking that it is not NULL and that its type is one of
/// `types` (PostgreSQL's names: `NUMERIC`, `TIMESTAMPTZ`, …).
#[cfg(all(
    feature = "postgres",
    any(feature = "chrono", feature = "rust_decimal")
))]
pub(crate) fn pg_raw<'r>(
    row: &'r sqlx::postgres::PgRow,
    idx: usize,
    types: &[&str],
) -> Result<PgRaw<'r>, String> {
    use sqlx::postgres::PgValueFormat;
    use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
    let raw = row.try_get_raw(idx).map_err(decode_message)?;
    if raw.is_null() {
        return Err(UNEXPECTED_NULL.to_owned());
    }
    let ty = raw.type_info();
    if !types.contains(&ty.name()) {
        return Err(format!(
            "expected a {} column, found {}",
            types.join(" or "),
            ty.name()
        ));
    }
    let err = |e: sqlx::error::BoxDynError| e.to_string();
    Ok(match raw.format() {
        PgValueFormat::Binary => PgRaw::Binary(raw.as_bytes().map_err(err)?),
        PgValueFormat::Text => PgRaw::Text(raw.as_str().map_err(err)?),
    })
}

pub(crate) fn decode_message(e: sqlx::Error) -> String {
    match e {
        sqlx::Error::ColumnDecode { source, .. }
            if source.is::<sqlx::error::UnexpectedNullError>() =>
        {
            UNEXPECTED_NULL.to_owned()
        }
        sqlx::Error::ColumnDecode { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// Reads the columns of one row in order; generated decoders call [`RowReader::column`] once
/// per field. Keeps what an error message needs: the SQL and which column failed.
#[doc(hidden)]
pub struct RowReader<'r> {
    row: RowRef<'r>,
    next: usize,
    sql: &'r str,
}

impl<'r> RowReader<'r> {
    #[inline]
    pub(crate) fn new(row: RowRef<'r>, sql: &'r str) -> Self {
        RowReader { row, next: 0, sql }
    }

    /// Decodes the next column as `V`.
    #[inline]
    pub fn column<V: SqlValue>(
        &mut self,
        table: &'static str,
        column: &'static str,
    ) -> Result<V, Error> {
        let idx = self.next;
        self.next += 1;
        V::decode(self.row, idx).map_err(|message| Error::Decode {
            table,
            column,
            message,
            sql: self.sql.to_owned(),
        })
    }

    /// Whether the columns at `positions` (relative to the next column) are all NULL: a
    /// left-joined row that matched nothing.
    #[inline]
    pub fn next_all_null(&self, mut positions: impl Iterator<Item = usize>) -> bool {
        positions.all(|p| self.row.is_null(self.next + p))
    }

    /// Reads the next column as text borrowed from the row.
    #[inline]
    pub(crate) fn next_str(&mut self) -> Result<&'r str, String> {
        let idx = self.next;
        self.next += 1;
        self.row.str(idx)
    }

    /// Skips `n` columns.
    #[inline]
    pub fn skip(&mut self, n: usize) {
        self.next += n;
    }
}

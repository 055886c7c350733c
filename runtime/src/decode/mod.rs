//! Reading result rows without knowing the driver: the [`ColumnSource`] a driver's row
//! implements (one typed getter per SQL type family), the borrowed [`RowRef`] decoders take, and
//! the sequential [`RowReader`] generated decoders use.
//!
//! A driver implements [`ColumnSource`] once for its row type, with its quirks inside each getter
//! (SQLite's NULL read as `0`, booleans stored as integers, PostgreSQL's binary timestamps and
//! NUMERIC): `SqlValue::decode` reads only through the getters. A getter's error is the message
//! an [`Error::Decode`] carries.

mod row;

pub use row::DecodeRow;

use crate::error::Error;
use crate::value::SqlValue;

pub(crate) use crate::value::column::UNEXPECTED_NULL;
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) use crate::value::column::int_bool;
pub use crate::value::column::{ColumnSource, RowRef};

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

    /// How many columns were read so far (the next column's index).
    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.next
    }

    /// Skips `n` columns.
    #[inline]
    pub fn skip(&mut self, n: usize) {
        self.next += n;
    }
}

/// Decoding a nested row stopped; what went wrong is recorded by [`JsonRow::fail`].
#[doc(hidden)]
#[derive(Debug)]
pub struct JsonStop;

/// One row being decoded from nested JSON (relations loaded in one statement): its columns in
/// order; generated `decode_json` calls [`JsonRow::column`] once per field. Its relations are
/// read by the relation loaders (`relation::JsonRelations`).
#[doc(hidden)]
pub trait JsonRow {
    /// Reads the next value as column `column` of type `V`.
    fn column<V: SqlValue>(&mut self, column: &'static str) -> Result<V, JsonStop>;
    /// Records why decoding stops (the first call wins).
    fn fail(&mut self, table: &'static str, column: &'static str, message: String) -> JsonStop;
}

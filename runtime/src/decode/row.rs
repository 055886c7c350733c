//! Reading a table's rows, apart from its metadata: [`Table`](crate::schema::Table) requires it, and
//! only the runtime's readers call it.

use super::{JsonRow, JsonStop, RowReader};
use crate::error::Error;

/// Reads rows of a table struct. Implemented by `#[derive(Table)]` beside
/// [`Table`](crate::schema::Table); not meant to be written by hand.
pub trait DecodeRow: Sized {
    /// Reads a row of this table's columns, in [`TableMeta::columns`](crate::schema::TableMeta::columns)
    /// order.
    #[doc(hidden)]
    fn decode(reader: &mut RowReader<'_>) -> Result<Self, Error>;

    /// Reads a row from its columns' JSON projections, in order (relations loaded in one
    /// statement). The row records which column failed.
    #[doc(hidden)]
    fn decode_json<R: JsonRow>(row: &mut R) -> Result<Self, JsonStop>;
}

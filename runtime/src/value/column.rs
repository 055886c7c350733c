//! The driver-neutral column source: what a driver's row implements (one typed getter per SQL
//! type family) and the borrowed [`RowRef`] that `SqlValue::decode` reads through. It sits
//! with the values, below every layer that decodes, so that no decoder names a driver's row.

/// One result row, read column by column, whichever driver produced it.
///
/// Every getter reads column `idx` as one SQL type family and refuses NULL (a nullable field
/// asks [`is_null`](Self::is_null) first) and values the family does not hold exactly. An
/// index past the last column is an error that names it.
#[doc(hidden)]
pub trait ColumnSource: Sync {
    /// Whether column `idx` is NULL (an out-of-range index reads as not NULL, and then fails to
    /// decode with a message that names it).
    fn is_null(&self, idx: usize) -> bool;
    /// A boolean (only 0 and 1 where booleans are stored as integers).
    fn bool(&self, idx: usize) -> Result<bool, String>;
    /// A 16-bit integer.
    fn i16(&self, idx: usize) -> Result<i16, String>;
    /// A 32-bit integer.
    fn i32(&self, idx: usize) -> Result<i32, String>;
    /// A 64-bit integer.
    fn i64(&self, idx: usize) -> Result<i64, String>;
    /// An unsigned 64-bit integer (MySQL's server variables, which weft reads with its rows).
    fn u64(&self, idx: usize) -> Result<u64, String>;
    /// A 32-bit float, exact (a double that is not an f32 is refused, never rounded).
    fn f32(&self, idx: usize) -> Result<f32, String>;
    /// A 64-bit float.
    fn f64(&self, idx: usize) -> Result<f64, String>;
    /// Text, borrowed from the row.
    fn text(&self, idx: usize) -> Result<&str, String>;
    /// Bytes, borrowed from the row.
    fn bytes(&self, idx: usize) -> Result<&[u8], String>;
    /// An instant in UTC.
    #[cfg(feature = "chrono")]
    fn timestamp(&self, idx: usize) -> Result<chrono::DateTime<chrono::Utc>, String>;
    /// A date and time without zone.
    #[cfg(feature = "chrono")]
    fn local_timestamp(&self, idx: usize) -> Result<chrono::NaiveDateTime, String>;
    /// A date.
    #[cfg(feature = "chrono")]
    fn date(&self, idx: usize) -> Result<chrono::NaiveDate, String>;
    /// A UUID.
    #[cfg(feature = "uuid")]
    fn uuid(&self, idx: usize) -> Result<uuid::Uuid, String>;
    /// An exact decimal (digits that do not fit are refused, never rounded).
    #[cfg(feature = "rust_decimal")]
    fn decimal(&self, idx: usize) -> Result<rust_decimal::Decimal, String>;
    /// A JSON document's text, borrowed from the row.
    #[cfg(feature = "json")]
    fn json(&self, idx: usize) -> Result<&str, String>;
    /// How many columns the row has (hand-written SQL checks it against the row type).
    fn column_count(&self) -> usize;
    /// The name of column `idx` as the statement labelled it (`""` past the last column).
    fn column_name(&self, idx: usize) -> &str;
}

/// A result row of whichever driver produced it: what `SqlValue::decode` reads.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct RowRef<'r> {
    source: &'r dyn ColumnSource,
}

impl<'r> RowRef<'r> {
    /// The row `source` (a driver's row type).
    #[inline]
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn new(source: &'r dyn ColumnSource) -> Self {
        RowRef { source }
    }

    /// The row's columns, to read with the typed getters.
    #[inline]
    pub(crate) fn columns(self) -> &'r dyn ColumnSource {
        self.source
    }

    /// Column `idx` as text borrowed from the row (no copy).
    #[inline]
    pub(crate) fn str(self, idx: usize) -> Result<&'r str, String> {
        self.source.text(idx)
    }

    /// Column `idx` as an unsigned integer.
    #[inline]
    pub(crate) fn u64(self, idx: usize) -> Result<u64, String> {
        self.source.u64(idx)
    }

    /// Whether column `idx` is NULL (an out-of-range index reads as not NULL, and then fails
    /// to decode with a message that names it).
    #[inline]
    pub fn is_null(self, idx: usize) -> bool {
        self.source.is_null(idx)
    }
}

/// The message of a NULL where the field is not an `Option`.
pub(crate) const UNEXPECTED_NULL: &str = "found NULL in a column whose field is not an `Option`";

/// A boolean stored as an integer: only 0 and 1 are booleans.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn int_bool(int: i64) -> Result<bool, String> {
    match int {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(format!("{other} is not a boolean (0 or 1)")),
    }
}

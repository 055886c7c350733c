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
    /// A time of day.
    #[cfg(feature = "chrono")]
    fn time(&self, idx: usize) -> Result<chrono::NaiveTime, String>;
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

/// An integer written as decimal text (`123`, `-5`, `42.000`: a sum the server computed as
/// NUMERIC or DECIMAL), read exactly: a fraction or a value outside `i64` is refused, never
/// rounded or wrapped.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn exact_i64(text: &str) -> Result<i64, String> {
    let (int, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !fraction.bytes().all(|b| b == b'0') {
        return Err(format!(
            "`{text}` has a fraction, so it is not an i64; weft does not round it"
        ));
    }
    int.parse::<i64>()
        .map_err(|_| format!("`{text}` does not fit an i64; weft does not wrap or round it"))
}

/// A PostgreSQL NUMERIC in its binary form (digit count, weight of the first base-10000
/// digit, sign, display scale, then the digits) read as an `i64` exactly, as [`exact_i64`].
#[cfg(feature = "postgres")]
pub(crate) fn pg_numeric_i64(bytes: &[u8]) -> Result<i64, String> {
    let word = |i: usize| -> Result<u16, String> {
        bytes
            .get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a NUMERIC value shorter than its header".to_owned())
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)? as i16);
    let negative = match word(2)? {
        0x0000 => false,
        0x4000 => true,
        0xC000 => return Err("NaN is not an i64".to_owned()),
        _ => return Err("a NUMERIC that is not a finite number is not an i64".to_owned()),
    };
    let too_big =
        || "a NUMERIC value outside i64's range; weft does not wrap or round it".to_owned();
    let mut value: i128 = 0;
    for i in 0..ndigits {
        let digit = i128::from(word(4 + i)?);
        let w = weight - i as i64;
        if w < 0 {
            if digit != 0 {
                return Err(
                    "a NUMERIC value with a fraction is not an i64; weft does not round it"
                        .to_owned(),
                );
            }
            continue;
        }
        let scale = u32::try_from(w)
            .ok()
            .and_then(|w| 10_000i128.checked_pow(w))
            .ok_or_else(too_big)?;
        value = digit
            .checked_mul(scale)
            .and_then(|d| value.checked_add(d))
            .ok_or_else(too_big)?;
    }
    if negative {
        value = -value;
    }
    i64::try_from(value).map_err(|_| too_big())
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use super::*;

    fn numeric(words: &[u16]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    #[test]
    fn integers_from_decimal_text_are_exact_or_refused() {
        assert_eq!(exact_i64("42"), Ok(42));
        assert_eq!(exact_i64("-42.000"), Ok(-42));
        assert_eq!(exact_i64("9223372036854775807"), Ok(i64::MAX));
        assert!(
            exact_i64("9223372036854775808")
                .unwrap_err()
                .contains("does not fit")
        );
        assert!(exact_i64("1.5").unwrap_err().contains("fraction"));
    }

    #[test]
    fn integers_from_postgres_numeric_are_exact_or_refused() {
        // 12345678 = digits [1234, 5678], weight 1.
        assert_eq!(
            pg_numeric_i64(&numeric(&[2, 1, 0, 0, 1234, 5678])),
            Ok(12_345_678)
        );
        // -10000 = digit [1], weight 1 (the trailing zero digit is not stored).
        assert_eq!(pg_numeric_i64(&numeric(&[1, 1, 0x4000, 0, 1])), Ok(-10_000));
        // i64::MAX = 922 3372 0368 5477 5807, and MIN one more, negative.
        let max = [5, 4, 0, 0, 922, 3372, 368, 5477, 5807];
        assert_eq!(pg_numeric_i64(&numeric(&max)), Ok(i64::MAX));
        let min = [5, 4, 0x4000, 0, 922, 3372, 368, 5477, 5808];
        assert_eq!(pg_numeric_i64(&numeric(&min)), Ok(i64::MIN));
        let past = [5, 4, 0, 0, 922, 3372, 368, 5477, 5808];
        assert!(
            pg_numeric_i64(&numeric(&past))
                .unwrap_err()
                .contains("range")
        );
        // 1.5 = digits [1, 5000], weight 0.
        assert!(
            pg_numeric_i64(&numeric(&[2, 0, 0, 1, 1, 5000]))
                .unwrap_err()
                .contains("fraction")
        );
        // 2.0 (scale 1, no fraction digits stored) is an integer.
        assert_eq!(pg_numeric_i64(&numeric(&[1, 0, 0, 1, 2])), Ok(2));
        assert!(
            pg_numeric_i64(&numeric(&[0, 0, 0xC000, 0]))
                .unwrap_err()
                .contains("NaN")
        );
    }
}

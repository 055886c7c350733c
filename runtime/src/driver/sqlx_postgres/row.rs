//! Reading a PostgreSQL row's columns (`ColumnSource for PgRow`): the commonest columns
//! straight from the row after an OID check, timestamps and NUMERIC exactly.

use sqlx::postgres::PgRow;
use sqlx::postgres::types::Oid;

use super::super::sqlx_common::{self as common, get};
use crate::decode::ColumnSource;
#[cfg(any(feature = "chrono", feature = "rust_decimal"))]
use crate::decode::UNEXPECTED_NULL;

/// A value as the server sent it, for the types weft decodes itself.
#[cfg(any(feature = "chrono", feature = "rust_decimal"))]
enum PgRaw<'r> {
    Text(&'r str),
    Binary(&'r [u8]),
}

/// Column `idx` of `row`, raw, after checking that it is not NULL and that its type is one of
/// `types` (PostgreSQL's names: `NUMERIC`, `TIMESTAMPTZ`, …).
#[cfg(any(feature = "chrono", feature = "rust_decimal"))]
fn pg_raw<'r>(
    row: &'r PgRow,
    idx: usize,
    types: &[&str],
) -> std::result::Result<PgRaw<'r>, String> {
    use sqlx::postgres::PgValueFormat;
    use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
    let raw = row.try_get_raw(idx).map_err(common::decode_message)?;
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

/// A chrono value: weft reads it itself, since sqlx's decoder panics on `infinity` and on
/// values outside chrono's range.
#[cfg(feature = "chrono")]
fn pg_chrono<T>(
    row: &PgRow,
    idx: usize,
    ty: &str,
    what: &str,
    binary: impl FnOnce(&[u8]) -> std::result::Result<T, String>,
    text: impl FnOnce(&str) -> Option<T>,
) -> std::result::Result<T, String> {
    match pg_raw(row, idx, &[ty])? {
        PgRaw::Binary(raw) => binary(raw),
        PgRaw::Text(s) => text(s).ok_or_else(|| crate::time::not_a(what, s)),
    }
}

/// Column `idx` read as an `i64` exactly when it is a NUMERIC (`None` when it is not one).
#[cold]
fn numeric_i64(row: &PgRow, idx: usize) -> Option<std::result::Result<i64, String>> {
    use sqlx::postgres::PgValueFormat;
    use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
    let raw = row.try_get_raw(idx).ok()?;
    if raw.is_null() || raw.type_info().name() != "NUMERIC" {
        return None;
    }
    let err = |e: sqlx::error::BoxDynError| e.to_string();
    Some(match raw.format() {
        PgValueFormat::Binary => raw
            .as_bytes()
            .map_err(err)
            .and_then(crate::value::column::pg_numeric_i64),
        PgValueFormat::Text => raw
            .as_str()
            .map_err(err)
            .and_then(crate::value::column::exact_i64),
    })
}

/// The OIDs of `INT8`, `TEXT` and `VARCHAR`.
const INT8: Oid = Oid(20);
const TEXT: Oid = Oid(25);
const VARCHAR: Oid = Oid(1043);

/// The type of column `idx`, by OID (`None` past the last column or for a type sqlx has no
/// OID for yet).
#[inline]
fn column_oid(row: &PgRow, idx: usize) -> Option<Oid> {
    use sqlx::{Column as _, Row as _};
    row.columns().get(idx)?.type_info().oid()
}

/// Column `idx` when it is a non-NULL `INT8` sent in binary: read straight from the row. A
/// key or id is read this way once per row, and sqlx's checked `try_get` compares type
/// descriptions each time (bench/RESULTS.md, W5). Anything else (`None`) takes the checked
/// path, whose errors are the ones weft reports.
#[inline]
fn int8(row: &PgRow, idx: usize) -> Option<i64> {
    use sqlx::Row as _;
    use sqlx::postgres::PgValueFormat;
    if column_oid(row, idx) != Some(INT8) {
        return None;
    }
    let raw = row.try_get_raw(idx).ok()?;
    if raw.format() != PgValueFormat::Binary {
        return None;
    }
    let bytes: [u8; 8] = raw.as_bytes().ok()?.try_into().ok()?;
    Some(i64::from_be_bytes(bytes))
}

/// Column `idx` when it is a non-NULL `TEXT` or `VARCHAR` holding UTF-8 (in either format
/// the value is its text's bytes): borrowed straight from the row, as [`int8`] reads.
#[inline]
fn plain_text(row: &PgRow, idx: usize) -> Option<&str> {
    use sqlx::Row as _;
    if !matches!(column_oid(row, idx), Some(TEXT | VARCHAR)) {
        return None;
    }
    let raw = row.try_get_raw(idx).ok()?;
    std::str::from_utf8(raw.as_bytes().ok()?).ok()
}

impl ColumnSource for PgRow {
    #[inline]
    fn column_count(&self) -> usize {
        common::column_count(self)
    }

    #[inline]
    fn column_name(&self, idx: usize) -> &str {
        common::column_name(self, idx)
    }

    #[inline]
    fn is_null(&self, idx: usize) -> bool {
        common::is_null(self, idx)
    }

    #[inline]
    fn bool(&self, idx: usize) -> std::result::Result<bool, String> {
        get(self, idx)
    }

    #[inline]
    fn i16(&self, idx: usize) -> std::result::Result<i16, String> {
        get(self, idx)
    }

    #[inline]
    fn i32(&self, idx: usize) -> std::result::Result<i32, String> {
        get(self, idx)
    }

    // A sum of BIGINTs is NUMERIC: read exactly when it is an integer that fits.
    #[inline]
    fn i64(&self, idx: usize) -> std::result::Result<i64, String> {
        if let Some(i) = int8(self, idx) {
            return Ok(i);
        }
        get(self, idx).or_else(|e| numeric_i64(self, idx).unwrap_or(Err(e)))
    }

    fn u64(&self, idx: usize) -> std::result::Result<u64, String> {
        let int: i64 = get(self, idx)?;
        u64::try_from(int).map_err(|_| format!("{int} is not an unsigned integer"))
    }

    #[inline]
    fn f32(&self, idx: usize) -> std::result::Result<f32, String> {
        get(self, idx)
    }

    #[inline]
    fn f64(&self, idx: usize) -> std::result::Result<f64, String> {
        get(self, idx)
    }

    #[inline]
    fn text(&self, idx: usize) -> std::result::Result<&str, String> {
        if let Some(text) = plain_text(self, idx) {
            return Ok(text);
        }
        // Borrowed; a failure says what the owned `String` decoder says. A native enum's
        // value is its label's text (sqlx's `&str` does not accept user-defined types).
        sqlx::Row::try_get::<&str, _>(self, idx).or_else(|_| {
            if is_enum(self, idx) {
                sqlx::Row::try_get_unchecked::<&str, _>(self, idx).map_err(common::decode_message)
            } else {
                Err(owned_error::<String>(self, idx))
            }
        })
    }

    #[inline]
    fn bytes(&self, idx: usize) -> std::result::Result<&[u8], String> {
        sqlx::Row::try_get::<&[u8], _>(self, idx).map_err(|_| owned_error::<Vec<u8>>(self, idx))
    }

    #[cfg(feature = "chrono")]
    fn timestamp(&self, idx: usize) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
        pg_chrono(
            self,
            idx,
            "TIMESTAMPTZ",
            "Timestamp",
            |raw| crate::time::pg_timestamp(raw).map(|t| t.and_utc()),
            crate::time::parse_utc,
        )
    }

    #[cfg(feature = "chrono")]
    fn local_timestamp(&self, idx: usize) -> std::result::Result<chrono::NaiveDateTime, String> {
        pg_chrono(
            self,
            idx,
            "TIMESTAMP",
            "LocalTimestamp",
            crate::time::pg_timestamp,
            crate::time::parse_naive,
        )
    }

    #[cfg(feature = "chrono")]
    fn date(&self, idx: usize) -> std::result::Result<chrono::NaiveDate, String> {
        pg_chrono(
            self,
            idx,
            "DATE",
            "Date",
            crate::time::pg_date,
            crate::time::parse_date,
        )
    }

    #[cfg(feature = "chrono")]
    fn time(&self, idx: usize) -> std::result::Result<chrono::NaiveTime, String> {
        get(self, idx)
    }

    #[cfg(feature = "uuid")]
    fn uuid(&self, idx: usize) -> std::result::Result<uuid::Uuid, String> {
        get(self, idx)
    }

    // sqlx's own NUMERIC decoding rounds digits past rust_decimal's scale away; weft reads the
    // digits itself and refuses what does not fit.
    #[cfg(feature = "rust_decimal")]
    fn decimal(&self, idx: usize) -> std::result::Result<rust_decimal::Decimal, String> {
        match pg_raw(self, idx, &["NUMERIC"])? {
            PgRaw::Text(text) => crate::decimal::parse_decimal(text),
            PgRaw::Binary(bytes) => {
                crate::decimal::parse_decimal(&crate::decimal::pg_numeric_text(bytes)?)
            }
        }
    }

    #[cfg(feature = "json")]
    fn json(&self, idx: usize) -> std::result::Result<&str, String> {
        type Borrowed<'r> = sqlx::types::Json<&'r serde_json::value::RawValue>;
        type Owned = sqlx::types::Json<Box<serde_json::value::RawValue>>;
        sqlx::Row::try_get::<Borrowed<'_>, _>(self, idx)
            .map(|json| json.0.get())
            .map_err(|_| owned_error::<Owned>(self, idx))
    }
}

/// Whether column `idx` is of a user-defined enum type (`CREATE TYPE … AS ENUM`).
#[cold]
fn is_enum(row: &PgRow, idx: usize) -> bool {
    use sqlx::postgres::PgTypeKind;
    use sqlx::{Row as _, ValueRef as _};
    row.try_get_raw(idx)
        .is_ok_and(|raw| matches!(raw.type_info().kind(), PgTypeKind::Enum(_)))
}

/// Why column `idx` does not decode as `T` (the owned type a borrowed read stands for).
#[cold]
fn owned_error<T>(row: &PgRow, idx: usize) -> String
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    match get::<_, T>(row, idx) {
        Err(message) => message,
        Ok(_) => "the value could not be borrowed from the row".to_owned(),
    }
}

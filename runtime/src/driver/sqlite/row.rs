//! Rows of the native SQLite driver, read strictly: the column's stored type must be the one
//! the field asks for (SQLite columns hold any type), as the sqlx path reads them, with the
//! same messages.
//!
//! A row is a slice of cells: borrowed from SQLite's own buffers while a statement runs in
//! place (valid until the next step), owned when it crossed from a blocking thread.

use std::any::type_name;

use rusqlite::types::ValueRef;

use crate::decode::{ColumnSource, UNEXPECTED_NULL, int_bool};

/// A row's values, by column.
pub(super) trait Cells: Sync {
    fn cell(&self, idx: usize) -> Option<ValueRef<'_>>;
    fn count(&self) -> usize;
}

impl Cells for [ValueRef<'_>] {
    #[inline]
    fn cell(&self, idx: usize) -> Option<ValueRef<'_>> {
        self.get(idx).copied()
    }
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
}

/// A value read from SQLite, owned (rows that crossed from a blocking thread): text and
/// bytes are ranges of their batch's one byte buffer (no allocation per value).
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    /// Text as SQLite stored it (not checked as UTF-8 until read as text).
    Text(usize, usize),
    Blob(usize, usize),
}

/// Rows copied on a blocking thread: `width` cells a row, text and bytes in `bytes`.
#[derive(Default)]
pub(super) struct Packed {
    pub(super) cells: Vec<Cell>,
    pub(super) bytes: Vec<u8>,
}

impl Packed {
    /// Appends one row's value.
    pub(super) fn push(&mut self, v: ValueRef<'_>) {
        let cell = match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Integer(i),
            ValueRef::Real(f) => Cell::Real(f),
            ValueRef::Text(t) => {
                self.bytes.extend_from_slice(t);
                Cell::Text(self.bytes.len() - t.len(), t.len())
            }
            ValueRef::Blob(b) => {
                self.bytes.extend_from_slice(b);
                Cell::Blob(self.bytes.len() - b.len(), b.len())
            }
        };
        self.cells.push(cell);
    }
}

/// One row of a [`Packed`] batch.
pub(super) struct PackedRow<'a> {
    pub(super) cells: &'a [Cell],
    pub(super) bytes: &'a [u8],
}

impl Cells for PackedRow<'_> {
    #[inline]
    fn cell(&self, idx: usize) -> Option<ValueRef<'_>> {
        let range = |at: usize, len: usize| self.bytes.get(at..at + len).unwrap_or_default();
        self.cells.get(idx).map(|c| match *c {
            Cell::Null => ValueRef::Null,
            Cell::Integer(i) => ValueRef::Integer(i),
            Cell::Real(f) => ValueRef::Real(f),
            Cell::Text(at, len) => ValueRef::Text(range(at, len)),
            Cell::Blob(at, len) => ValueRef::Blob(range(at, len)),
        })
    }
    #[inline]
    fn count(&self) -> usize {
        self.cells.len()
    }
}

/// One row: its cells and the statement's column labels.
pub(super) struct Row<'r, C: ?Sized> {
    pub(super) cells: &'r C,
    pub(super) names: &'r [Box<str>],
}

fn sql_type(v: ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "INTEGER",
        ValueRef::Real(_) => "REAL",
        ValueRef::Text(_) => "TEXT",
        ValueRef::Blob(_) => "BLOB",
    }
}

/// Why a value of the stored type `got` is not read as the Rust type `T` (sqlx's words).
#[cold]
fn mismatch<T: ?Sized>(as_sql: &str, got: ValueRef<'_>) -> String {
    format!(
        "mismatched types; Rust type `{}` (as SQL type `{as_sql}`) is not compatible with SQL \
         type `{}`",
        type_name::<T>(),
        sql_type(got)
    )
}

impl<C: ?Sized + Cells> Row<'_, C> {
    /// Column `idx`, refusing NULL.
    #[inline]
    fn value(&self, idx: usize) -> Result<ValueRef<'_>, String> {
        match self.cells.cell(idx) {
            Some(ValueRef::Null) => Err(UNEXPECTED_NULL.to_owned()),
            Some(v) => Ok(v),
            None => Err(format!(
                "column index out of bounds: the len is {}, but the index is {idx}",
                self.cells.count()
            )),
        }
    }

    /// An integer column, read as the Rust type `T` (for the message).
    #[inline]
    fn integer<T>(&self, idx: usize) -> Result<i64, String> {
        match self.value(idx)? {
            ValueRef::Integer(i) => Ok(i),
            other => Err(mismatch::<T>("INTEGER", other)),
        }
    }

    #[cfg(feature = "chrono")]
    fn datetime<T>(&self, idx: usize) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
        let v = self.value(idx)?;
        let parsed = match v {
            ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(datetime_from_text),
            ValueRef::Integer(i) => {
                use chrono::{Offset, TimeZone};
                chrono::Utc.fix().timestamp_opt(i, 0).single()
            }
            ValueRef::Real(f) => datetime_from_julian(f),
            other => return Err(mismatch::<T>("DATETIME", other)),
        };
        parsed.ok_or_else(|| format!("invalid datetime: {}", shown(v)))
    }
}

/// A value as text, for a message.
#[cfg(feature = "chrono")]
fn shown(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Null => String::new(),
    }
}

/// The text forms of an instant SQLite's date functions and sqlx write: RFC 3339 first, then
/// SQLite's own (a form without an offset is UTC).
#[cfg(feature = "chrono")]
fn datetime_from_text(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    use chrono::{DateTime, NaiveDateTime, Offset, TimeZone, Utc};
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt);
    }
    const FORMS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    FORMS.iter().find_map(|form| {
        DateTime::parse_from_str(text, form).ok().or_else(|| {
            NaiveDateTime::parse_from_str(text, form)
                .ok()
                .map(|naive| Utc.fix().from_utc_datetime(&naive))
        })
    })
}

/// A Julian day number (SQLite's `julianday()`).
#[cfg(feature = "chrono")]
fn datetime_from_julian(days: f64) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    use chrono::{Offset, TimeZone, Utc};
    const UNIX_EPOCH_JULIAN: f64 = 2_440_587.5;
    let seconds = (days - UNIX_EPOCH_JULIAN) * 86_400.0;
    if !seconds.is_finite() || seconds.abs() > 1e15 {
        return None;
    }
    // In range (checked above); the fraction is below one second.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (whole, nanos) = (seconds.trunc() as i64, (seconds.fract() * 1e9).abs() as u32);
    Utc.fix().timestamp_opt(whole, nanos).single()
}

impl<C: ?Sized + Cells> ColumnSource for Row<'_, C> {
    #[inline]
    fn column_count(&self) -> usize {
        self.cells.count()
    }

    #[inline]
    fn column_name(&self, idx: usize) -> &str {
        self.names.get(idx).map_or("", |n| n)
    }

    #[inline]
    fn is_null(&self, idx: usize) -> bool {
        matches!(self.cells.cell(idx), Some(ValueRef::Null))
    }

    // SQLite has no boolean type: a BOOLEAN column holds integers. Only 0 and 1 are booleans.
    fn bool(&self, idx: usize) -> Result<bool, String> {
        int_bool(self.integer::<i64>(idx)?)
    }

    #[inline]
    fn i16(&self, idx: usize) -> Result<i16, String> {
        i16::try_from(self.integer::<i16>(idx)?).map_err(|e| e.to_string())
    }

    #[inline]
    fn i32(&self, idx: usize) -> Result<i32, String> {
        i32::try_from(self.integer::<i32>(idx)?).map_err(|e| e.to_string())
    }

    #[inline]
    fn i64(&self, idx: usize) -> Result<i64, String> {
        self.integer::<i64>(idx)
    }

    fn u64(&self, idx: usize) -> Result<u64, String> {
        let int = self.integer::<i64>(idx)?;
        u64::try_from(int).map_err(|_| format!("{int} is not an unsigned integer"))
    }

    // SQLite has one REAL type (8 bytes); an f32 widened to f64 narrows back exactly, and a
    // value that does not fit is an error, not a rounding.
    fn f32(&self, idx: usize) -> Result<f32, String> {
        crate::value::narrow_f32(self.f64(idx)?)
    }

    #[inline]
    fn f64(&self, idx: usize) -> Result<f64, String> {
        match self.value(idx)? {
            ValueRef::Real(f) => Ok(f),
            other => Err(mismatch::<f64>("REAL", other)),
        }
    }

    #[inline]
    fn text(&self, idx: usize) -> Result<&str, String> {
        match self.value(idx)? {
            ValueRef::Text(t) => std::str::from_utf8(t).map_err(|e| e.to_string()),
            other => Err(mismatch::<String>("TEXT", other)),
        }
    }

    #[inline]
    fn bytes(&self, idx: usize) -> Result<&[u8], String> {
        match self.value(idx)? {
            ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b),
            other => Err(mismatch::<Vec<u8>>("BLOB", other)),
        }
    }

    #[cfg(feature = "chrono")]
    fn timestamp(&self, idx: usize) -> Result<chrono::DateTime<chrono::Utc>, String> {
        use chrono::TimeZone;
        let dt = self.datetime::<chrono::DateTime<chrono::Utc>>(idx)?;
        Ok(chrono::Utc.from_utc_datetime(&dt.naive_utc()))
    }

    #[cfg(feature = "chrono")]
    fn local_timestamp(&self, idx: usize) -> Result<chrono::NaiveDateTime, String> {
        Ok(self.datetime::<chrono::NaiveDateTime>(idx)?.naive_local())
    }

    #[cfg(feature = "chrono")]
    fn date(&self, idx: usize) -> Result<chrono::NaiveDate, String> {
        match self.value(idx)? {
            ValueRef::Text(t) => {
                let text = std::str::from_utf8(t).map_err(|e| e.to_string())?;
                chrono::NaiveDate::parse_from_str(text, "%F").map_err(|e| e.to_string())
            }
            other => Err(mismatch::<chrono::NaiveDate>("DATE", other)),
        }
    }

    /// Stored as `HH:MM:SS.ffffff` (see the binding).
    #[cfg(feature = "chrono")]
    fn time(&self, idx: usize) -> Result<chrono::NaiveTime, String> {
        let text = self.text(idx)?;
        crate::time::parse_time(text).ok_or_else(|| crate::time::not_a("Time", text))
    }

    #[cfg(feature = "uuid")]
    fn uuid(&self, idx: usize) -> Result<uuid::Uuid, String> {
        match self.value(idx)? {
            ValueRef::Blob(b) | ValueRef::Text(b) => {
                uuid::Uuid::from_slice(b).map_err(|e| e.to_string())
            }
            other => Err(mismatch::<uuid::Uuid>("BLOB", other)),
        }
    }

    // SQLite has no decimal type: weft stores the exact text, scale included.
    #[cfg(feature = "rust_decimal")]
    fn decimal(&self, idx: usize) -> Result<rust_decimal::Decimal, String> {
        crate::decimal::parse_decimal(self.text(idx)?)
    }

    #[cfg(feature = "json")]
    fn json(&self, idx: usize) -> Result<&str, String> {
        self.text(idx)
    }
}

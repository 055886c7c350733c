//! A statement's binds as SQLite values, encoded as sqlx's SQLite driver encodes them (a
//! database written through either driver reads the same through the other): booleans as
//! 0 and 1, instants as RFC 3339 text, local times and dates as ISO text, UUIDs as 16-byte
//! blobs, decimals as their exact text. Text and bytes are bound by reference.

use rusqlite::types::{ToSqlOutput, Value as Owned, ValueRef};

use super::super::sqlx_binds::{check, value_err};
use crate::dialect::{BindRef, Stmt};
use crate::error::Result;
use crate::value::{Scalar, Value};

/// Bind `i` of `sql`, checked, as what SQLite stores.
pub(super) fn encode<'b>(sql: &Stmt<'_>, i: usize, bind: BindRef<'b>) -> Result<ToSqlOutput<'b>> {
    check(sql, i, bind)?;
    let scalar = match bind {
        BindRef::Scalar(v) => v,
        BindRef::Column { .. } => {
            return Err(value_err(
                sql,
                i,
                "array parameters are PostgreSQL-only".into(),
            ));
        }
    };
    scalar_value(scalar).map_err(|why| value_err(sql, i, why))
}

fn scalar_value(v: Scalar<'_>) -> std::result::Result<ToSqlOutput<'_>, String> {
    use ToSqlOutput::Borrowed;
    #[allow(unused_imports)] // without chrono and rust_decimal
    use ToSqlOutput::Owned as Made;
    Ok(match v {
        Scalar::Text(s) => Borrowed(ValueRef::Text(s.as_bytes())),
        Scalar::Bytes(b) => Borrowed(ValueRef::Blob(b)),
        Scalar::Value(v) => match v {
            Value::Null(_) => Borrowed(ValueRef::Null),
            Value::Bool(b) => Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::I16(i) => Borrowed(ValueRef::Integer(i64::from(*i))),
            Value::I32(i) => Borrowed(ValueRef::Integer(i64::from(*i))),
            Value::I64(i) => Borrowed(ValueRef::Integer(*i)),
            Value::F32(f) => Borrowed(ValueRef::Real(f64::from(*f))),
            Value::F64(f) => Borrowed(ValueRef::Real(*f)),
            Value::Text(s) | Value::Enum(_, s) => Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => Borrowed(ValueRef::Blob(b)),
            #[cfg(feature = "chrono")]
            Value::Timestamp(t) => Made(Owned::Text(
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            )),
            #[cfg(feature = "chrono")]
            Value::LocalTimestamp(t) => Made(Owned::Text(t.format("%F %T%.f").to_string())),
            #[cfg(feature = "chrono")]
            Value::Date(d) => Made(Owned::Text(d.format("%F").to_string())),
            // Fixed width, so the text sorts as the times do.
            #[cfg(feature = "chrono")]
            Value::Time(t) => Made(Owned::Text(crate::time::time_text(*t))),
            #[cfg(feature = "uuid")]
            Value::Uuid(u) => Borrowed(ValueRef::Blob(u.as_bytes())),
            // SQLite has no decimal type: the exact text is stored.
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(d) => Made(Owned::Text(d.to_string())),
            #[cfg(feature = "json")]
            Value::Json(s) => Borrowed(ValueRef::Text(s.as_bytes())),
            // Refused by `check` on the backends without arrays.
            Value::IntList(_) | Value::TextList(_) | Value::Array(..) => {
                return Err("array parameters are PostgreSQL-only".into());
            }
            // Refused by `check` before any value is encoded.
            Value::Unencodable(why) => return Err(why.clone()),
        },
    })
}

/// Every bind of `sql`, owned: for a statement that runs on a blocking thread. Text is copied
/// as the `&str` it is (no second UTF-8 check: a 1,000-row upsert's copies spent 3.5 % of its
/// time in `String::from_utf8_lossy`).
pub(super) fn owned(sql: &Stmt<'_>) -> Result<Vec<Owned>> {
    (0..sql.binds.len())
        .map(|i| {
            let bind = sql.binds.get(i);
            let text: Option<&str> = match bind {
                BindRef::Scalar(Scalar::Text(s)) => Some(s),
                BindRef::Scalar(Scalar::Value(Value::Text(s) | Value::Enum(_, s))) => Some(s),
                _ => None,
            };
            if let Some(text) = text {
                check(sql, i, bind)?;
                return Ok(Owned::Text(text.to_owned()));
            }
            encode(sql, i, bind).map(|out| match out {
                ToSqlOutput::Borrowed(v) => owned_value(v),
                ToSqlOutput::Owned(v) => v,
                // Not produced by `encode`.
                _ => Owned::Null,
            })
        })
        .collect()
}

fn owned_value(v: ValueRef<'_>) -> Owned {
    match v {
        ValueRef::Null => Owned::Null,
        ValueRef::Integer(i) => Owned::Integer(i),
        ValueRef::Real(f) => Owned::Real(f),
        // Only ever text weft encoded from a `&str` (JSON).
        ValueRef::Text(t) => Owned::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Owned::Blob(b.to_vec()),
    }
}

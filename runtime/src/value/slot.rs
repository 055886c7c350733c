//! An inserted row's values, owned or borrowed.
//!
//! `insert_many(rows)` moves each row's values into [`Value`]s; `insert_many(&rows)` keeps
//! them where they are: text and bytes are bound straight from the caller's rows
//! ([`ValueRef`]), so an insert of borrowed rows copies nothing on the way to the driver (as
//! binding a `&str` to sqlx does not). Everything past the insert sees one bind through
//! [`Scalar`], whichever the row's storage.

use super::{SqlType, Value};

/// One value of a borrowed row: text and bytes borrowed from the row, anything else (a
/// number, a date, serialized JSON) held as a [`Value`].
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRef<'a> {
    /// A value that is not text or bytes (cheap to hold), or one made for the insert.
    Value(Value),
    /// Text, borrowed.
    Text(&'a str),
    /// Bytes, borrowed.
    Bytes(&'a [u8]),
}

/// One scalar bind, seen through either storage.
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    /// A value.
    Value(&'a Value),
    /// Text borrowed from an inserted row.
    Text(&'a str),
    /// Bytes borrowed from an inserted row.
    Bytes(&'a [u8]),
}

/// Shown as the [`Value`] it stands for (`Text("a")` whether borrowed or not), without
/// copying it (logs and the corpus show binds this way).
impl std::fmt::Debug for Scalar<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Value(v) => v.fmt(f),
            Scalar::Text(s) => f.debug_tuple("Text").field(s).finish(),
            Scalar::Bytes(b) => f.debug_tuple("Bytes").field(b).finish(),
        }
    }
}

impl<'a> Scalar<'a> {
    /// The value, owned (a statement shown with `to_sql`).
    pub(crate) fn to_value(self) -> Value {
        match self {
            Scalar::Value(v) => v.clone(),
            Scalar::Text(s) => Value::Text(s.to_owned()),
            Scalar::Bytes(b) => Value::Bytes(b.to_vec()),
        }
    }

    /// The SQL type of the value (`None` for weft's internal list values).
    pub(crate) fn sql_type(self) -> Option<SqlType> {
        match self {
            Scalar::Value(v) => v.sql_type(),
            Scalar::Text(_) => Some(SqlType::Text),
            Scalar::Bytes(_) => Some(SqlType::Blob),
        }
    }

    /// How many bytes of text, bytes or serialized JSON the value holds (`None` for the
    /// rest).
    pub(crate) fn payload_len(self) -> Option<usize> {
        match self {
            Scalar::Value(Value::Text(s) | Value::Enum(_, s)) => Some(s.len()),
            Scalar::Text(s) => Some(s.len()),
            Scalar::Value(Value::Bytes(b)) => Some(b.len()),
            Scalar::Bytes(b) => Some(b.len()),
            #[cfg(feature = "json")]
            Scalar::Value(Value::Json(s)) => Some(s.len()),
            _ => None,
        }
    }
}

/// How an insert holds its rows' values: [`Value`] (rows given by value, moved) or
/// [`ValueRef`] (rows given by reference, borrowed). Not for implementing outside weft.
#[doc(hidden)]
pub trait InsertSlot: Send + Sync + Sized + Clone + sealed::Sealed {
    /// The value as one bind.
    fn scalar(&self) -> Scalar<'_>;
    /// A row-major slice of such values, for a column bound as an array.
    fn rows(rows: &[Option<Self>]) -> Rows<'_>;
}

impl InsertSlot for Value {
    #[inline]
    fn scalar(&self) -> Scalar<'_> {
        Scalar::Value(self)
    }
    fn rows(rows: &[Option<Self>]) -> Rows<'_> {
        Rows::Values(rows)
    }
}

impl InsertSlot for ValueRef<'_> {
    #[inline]
    fn scalar(&self) -> Scalar<'_> {
        match self {
            ValueRef::Value(v) => Scalar::Value(v),
            ValueRef::Text(s) => Scalar::Text(s),
            ValueRef::Bytes(b) => Scalar::Bytes(b),
        }
    }
    fn rows<'s>(rows: &'s [Option<Self>]) -> Rows<'s> {
        Rows::Refs(rows)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Value {}
    impl Sealed for super::ValueRef<'_> {}
}

/// The row-major values of a multi-row insert, in either storage.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Moved values.
    Values(&'a [Option<Value>]),
    /// Borrowed values.
    Refs(&'a [Option<ValueRef<'a>>]),
}

impl<'a> Rows<'a> {
    /// Entry `i` (`None` where the row leaves the column out).
    #[inline]
    pub(crate) fn get(self, i: usize) -> Option<Scalar<'a>> {
        match self {
            Rows::Values(v) => v[i].as_ref().map(Scalar::Value),
            Rows::Refs(v) => v[i].as_ref().map(InsertSlot::scalar),
        }
    }

    /// How many entries there are.
    #[inline]
    pub(crate) fn len(self) -> usize {
        match self {
            Rows::Values(v) => v.len(),
            Rows::Refs(v) => v.len(),
        }
    }
}

//! Column types: which Rust types map to which SQL types, how they bind and how they decode.
//!
//! [`SqlValue`] is implemented here for every supported type and nowhere else: decoding is
//! written per backend, so a type is supported only where weft knows it round-trips exactly.

use column::RowRef;
pub use slot::{InsertSlot, Rows, Scalar, ValueRef};

pub use custom::CustomType;
#[cfg(feature = "json")]
pub use json::Json;

/// The SQL type family of a column. Each backend spells it its own way (see `docs/design.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// `bool`
    Bool,
    /// `i16`
    SmallInt,
    /// `i32`
    Int,
    /// `i64`
    BigInt,
    /// `f32`
    Real,
    /// `f64`
    Double,
    /// `String`
    Text,
    /// `Vec<u8>`
    Blob,
    /// `chrono::DateTime<Utc>`: an instant.
    Timestamp,
    /// `chrono::NaiveDateTime`: a wall-clock date and time without zone.
    LocalTimestamp,
    /// `chrono::NaiveDate`
    Date,
    /// `chrono::NaiveTime`: a time of day without zone, to the microsecond.
    Time,
    /// `uuid::Uuid`
    Uuid,
    /// `rust_decimal::Decimal`
    Decimal,
    /// `weft::Json<T>` (feature `json`)
    Json,
    /// A native enum (`#[derive(weft::Enum)]` with `#[weft(native)]`): PostgreSQL's
    /// `CREATE TYPE … AS ENUM`, MySQL's `ENUM(…)`, text under a `CHECK` on SQLite.
    Enum(&'static EnumType),
}

/// A native enum type: its name (PostgreSQL's type) and its labels, in declaration order.
///
/// Declared by `#[derive(weft::Enum)]` with `#[weft(native)]` (named after the enum in
/// snake case) or `#[weft(native = "name")]`; see [`SqlType::Enum`].
#[derive(PartialEq, Eq, Hash)]
pub struct EnumType {
    /// The type's SQL name (PostgreSQL; MySQL writes the labels inline).
    pub name: &'static str,
    /// The labels, in declaration order: PostgreSQL and MySQL sort by it.
    pub labels: &'static [&'static str],
}

/// Its name only: a bind shown in a log or `to_sql` reads `Enum(EnumType("role"), "admin")`.
impl std::fmt::Debug for EnumType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("EnumType").field(&self.name).finish()
    }
}

/// A value bound to a statement. Queries keep their binds as `Value`s so they can be shown
/// (`to_sql`) without a connection, and bound to whichever backend runs them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL `NULL` of the given type (PostgreSQL wants typed NULLs).
    Null(SqlType),
    /// A boolean.
    Bool(bool),
    /// A 16-bit integer.
    I16(i16),
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// Text.
    Text(String),
    /// A label of a native enum type, sent as text (PostgreSQL casts it to the type).
    Enum(&'static EnumType, String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// An instant in UTC.
    #[cfg(feature = "chrono")]
    Timestamp(chrono::DateTime<chrono::Utc>),
    /// A date and time without zone.
    #[cfg(feature = "chrono")]
    LocalTimestamp(chrono::NaiveDateTime),
    /// A date.
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// A time of day.
    #[cfg(feature = "chrono")]
    Time(chrono::NaiveTime),
    /// A UUID.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// An exact decimal.
    #[cfg(feature = "rust_decimal")]
    Decimal(rust_decimal::Decimal),
    /// A JSON document, already serialized.
    #[cfg(feature = "json")]
    Json(String),
    /// Keys of a batched relation load, bound as one PostgreSQL array.
    #[doc(hidden)]
    IntList(Vec<i64>),
    /// Keys of a batched relation load, bound as one PostgreSQL array.
    #[doc(hidden)]
    TextList(Vec<String>),
    /// One column of a multi-row insert, bound as one PostgreSQL array of the column's type
    /// (`INSERT … SELECT * FROM UNNEST(…)`); its elements are values of that type or `Null`.
    #[doc(hidden)]
    Array(SqlType, Vec<Value>),
    /// A value that could not be encoded (a `Json<T>` serde refused); binding it fails with
    /// this message before anything runs.
    #[doc(hidden)]
    Unencodable(String),
}

impl Value {
    /// The SQL type of a scalar value (`None` for weft's internal list values).
    pub(crate) fn sql_type(&self) -> Option<SqlType> {
        Some(match self {
            Value::Null(t) => *t,
            Value::Bool(_) => SqlType::Bool,
            Value::I16(_) => SqlType::SmallInt,
            Value::I32(_) => SqlType::Int,
            Value::I64(_) => SqlType::BigInt,
            Value::F32(_) => SqlType::Real,
            Value::F64(_) => SqlType::Double,
            Value::Text(_) => SqlType::Text,
            Value::Enum(ty, _) => SqlType::Enum(ty),
            Value::Bytes(_) => SqlType::Blob,
            #[cfg(feature = "chrono")]
            Value::Timestamp(_) => SqlType::Timestamp,
            #[cfg(feature = "chrono")]
            Value::LocalTimestamp(_) => SqlType::LocalTimestamp,
            #[cfg(feature = "chrono")]
            Value::Date(_) => SqlType::Date,
            #[cfg(feature = "chrono")]
            Value::Time(_) => SqlType::Time,
            #[cfg(feature = "uuid")]
            Value::Uuid(_) => SqlType::Uuid,
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(_) => SqlType::Decimal,
            #[cfg(feature = "json")]
            Value::Json(_) => SqlType::Json,
            Value::IntList(_) | Value::TextList(_) | Value::Array(..) | Value::Unencodable(_) => {
                return None;
            }
        })
    }
}

pub(crate) fn is_negative_zero(f: f64) -> bool {
    f == 0.0 && f.is_sign_negative()
}

/// A Rust type that can be a column.
///
/// Implemented by weft for every supported type; see the list in the crate docs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column type weft supports",
    label = "unsupported column type",
    note = "weft columns can be: bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, String, Vec<u8>, weft::Json<T>, serde_json::Value, and with features chrono, time, uuid and rust_decimal their types; wrap any of them in Option<…> for a nullable column",
    note = "for a type of your own, `#[derive(weft::Newtype)]` on a one-field tuple struct, `#[derive(weft::Enum)]` on a fieldless enum, or implement `weft::CustomType`",
    note = "any serde type can be stored as JSON: `weft::Json<{Self}>`"
)]
pub trait SqlValue: Sized + Send + Sync + 'static {
    /// The SQL type family.
    const SQL_TYPE: SqlType;
    /// Whether the column accepts NULL (true only for `Option<T>`).
    const NULLABLE: bool = false;
    /// The only values a text column of this type holds (an enum's names), checked by the
    /// table's DDL; empty for any value of the SQL type.
    #[doc(hidden)]
    const ALLOWED: &'static [&'static str] = &[];
    /// The value as a bind parameter.
    fn to_value(&self) -> Value;
    /// The value as a bind parameter, moved rather than copied (an inserted row's values).
    #[doc(hidden)]
    #[inline]
    fn into_value(self) -> Value {
        self.to_value()
    }
    /// The value as a bind parameter, borrowed where it is text or bytes (an inserted row
    /// given by reference).
    #[doc(hidden)]
    #[inline]
    fn to_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Value(self.to_value())
    }
    /// Reads the value at column `idx` of `row`.
    #[doc(hidden)]
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String>;
    /// Reads the value from nested JSON, as projected by the dialect's JSON projections (relations loaded in
    /// one statement), straight from the parser. The outer error is the JSON's; the inner one
    /// says why the value does not fit the column.
    #[doc(hidden)]
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error>;
}

/// A value of `variant` as a [`ValueRef`]: text and bytes borrowed, the rest copied.
macro_rules! borrowed {
    (Text, $v:expr) => {
        ValueRef::Text($v)
    };
    (Bytes, $v:expr) => {
        ValueRef::Bytes($v)
    };
    ($other:ident, $v:expr) => {
        ValueRef::Value($v.to_value())
    };
}

/// A type read by one getter of the row's [`ColumnSource`](crate::decode::ColumnSource).
macro_rules! native_value {
    ($($ty:ty => $sql:ident, $variant:ident, |$row:ident, $idx:ident| $decode:expr;)*) => {$(
        impl SqlValue for $ty {
            const SQL_TYPE: SqlType = SqlType::$sql;
            #[inline]
            fn to_value(&self) -> Value {
                Value::$variant(self.clone())
            }
            #[inline]
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
            #[inline]
            fn to_value_ref(&self) -> ValueRef<'_> {
                borrowed!($variant, self)
            }
            #[inline]
            fn decode($row: RowRef<'_>, $idx: usize) -> Result<Self, String> {
                $decode
            }
            #[inline]
            fn from_json<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Result<Self, String>, D::Error> {
                from_json::scalar(d)
            }
        }
    )*};
}

native_value! {
    i16 => SmallInt, I16, |row, idx| row.columns().i16(idx);
    i32 => Int, I32, |row, idx| row.columns().i32(idx);
    i64 => BigInt, I64, |row, idx| row.columns().i64(idx);
    f64 => Double, F64, |row, idx| row.columns().f64(idx);
    String => Text, Text, |row, idx| row.columns().text(idx).map(str::to_owned);
    Vec<u8> => Blob, Bytes, |row, idx| row.columns().bytes(idx).map(<[u8]>::to_vec);
}

impl SqlValue for bool {
    const SQL_TYPE: SqlType = SqlType::Bool;
    #[inline]
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    #[inline]
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error> {
        from_json::scalar(d)
    }
    #[inline]
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
        row.columns().bool(idx)
    }
}

impl SqlValue for f32 {
    const SQL_TYPE: SqlType = SqlType::Real;
    fn to_value(&self) -> Value {
        Value::F32(*self)
    }
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error> {
        from_json::scalar(d)
    }
    #[inline]
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
        row.columns().f32(idx)
    }
}

/// An f32 sent widened to f64 (SQLite's one REAL type, every backend's nested JSON): exact
/// when it narrows back; a double that is not an f32 is an error, not a rounding.
pub(crate) fn narrow_f32(wide: f64) -> Result<f32, String> {
    let narrow = wide as f32;
    if f64::from(narrow) == wide || wide.is_nan() {
        Ok(narrow)
    } else {
        Err(format!("{wide} does not fit in an f32 without rounding"))
    }
}

impl<T: SqlValue> SqlValue for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
    const ALLOWED: &'static [&'static str] = T::ALLOWED;
    #[inline]
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null(T::SQL_TYPE),
        }
    }
    #[inline]
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null(T::SQL_TYPE),
        }
    }
    #[inline]
    fn to_value_ref(&self) -> ValueRef<'_> {
        match self {
            Some(v) => v.to_value_ref(),
            None => ValueRef::Value(Value::Null(T::SQL_TYPE)),
        }
    }
    #[inline]
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
        if row.is_null(idx) {
            Ok(None)
        } else {
            T::decode(row, idx).map(Some)
        }
    }
    #[inline]
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error> {
        d.deserialize_option(from_json::OptionVisitor(std::marker::PhantomData))
    }
}

/// Chrono types. A timestamp is bound truncated to the microsecond, on every backend (the
/// precision PostgreSQL and MariaDB keep; see `docs/design.md`, "Timestamps").
macro_rules! chrono_value {
    ($($ty:ty => $variant:ident, $getter:ident, $to_value:expr;)*) => {$(
        #[cfg(feature = "chrono")]
        impl SqlValue for $ty {
            const SQL_TYPE: SqlType = SqlType::$variant;
            #[inline]
            fn to_value(&self) -> Value {
                Value::$variant($to_value(*self))
            }
            #[inline]
            fn from_json<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Result<Self, String>, D::Error> {
                from_json::scalar(d)
            }
            #[inline]
            fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
                row.columns().$getter(idx)
            }
        }
    )*};
}

chrono_value! {
    chrono::DateTime<chrono::Utc> => Timestamp, timestamp, crate::time::truncate_micros;
    chrono::NaiveDateTime => LocalTimestamp, local_timestamp, crate::time::truncate_micros;
    chrono::NaiveDate => Date, date, std::convert::identity;
    chrono::NaiveTime => Time, time, crate::time::truncate_micros;
}

#[cfg(feature = "uuid")]
native_value! {
    uuid::Uuid => Uuid, Uuid, |row, idx| row.columns().uuid(idx);
}

#[cfg(feature = "rust_decimal")]
impl SqlValue for rust_decimal::Decimal {
    const SQL_TYPE: SqlType = SqlType::Decimal;
    fn to_value(&self) -> Value {
        Value::Decimal(*self)
    }
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error> {
        from_json::scalar(d)
    }
    #[inline]
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
        row.columns().decimal(idx)
    }
}

/// Which Rust column types a column of type `Self` may reference as a foreign key: the same
/// type, nullable or not.
#[diagnostic::on_unimplemented(
    message = "a foreign key of type `{Self}` cannot reference a column of type `{V}`",
    label = "the referenced column has type `{V}`",
    note = "make this field `{V}`, or `Option<{V}>` for an optional reference"
)]
pub trait CanReference<V> {}
impl<V: SqlValue> CanReference<V> for V {}
impl<V: SqlValue> CanReference<V> for Option<V> {}

/// Integer types that can be `#[column(auto)]`.
#[diagnostic::on_unimplemented(
    message = "`#[column(auto)]` needs an integer column, not `{Self}`",
    label = "auto-incremented columns are i16, i32 or i64",
    note = "remove `auto`, or change the field to `i64`"
)]
pub trait AutoIncrement {}
impl AutoIncrement for i16 {}
impl AutoIncrement for i32 {}
impl AutoIncrement for i64 {}

/// Column types that support `like`.
#[diagnostic::on_unimplemented(
    message = "`like` needs a text column, and this column is `{Self}`",
    label = "not a text column"
)]
pub trait Text {
    /// The type of its length: `i64`, or `Option<i64>` for a nullable text.
    type Length;
}
impl Text for String {
    type Length = i64;
}
impl Text for Option<String> {
    type Length = Option<i64>;
}

pub(crate) mod column;
mod custom;
pub(crate) mod from_json;
mod ints;
#[cfg(feature = "json")]
pub(crate) mod json;
mod slot;

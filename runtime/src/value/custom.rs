//! User types as columns: [`CustomType`] maps a type onto one weft already stores (its
//! representation), and every column capability follows from that one mapping.

use super::column::RowRef;
use super::{AutoIncrement, EnumType, SqlType, SqlValue, Text, Value};

/// A type of your own stored as one of weft's column types (its *representation*).
///
/// Implement it to use the type as a column: as a key, a foreign key, in relations loaded
/// either way, in filters (which compare it only with values of the same type) and as an
/// insert value. `#[derive(weft::Newtype)]` implements it for a one-field tuple struct such as
/// `struct UserId(i64)`; `#[derive(weft::Enum)]` for a fieldless enum stored as text.
///
/// ```
/// /// Stored as TEXT; any string read back that is not an email is an error naming the column.
/// #[derive(Debug, Clone, PartialEq)]
/// struct Email(String);
///
/// impl weft::CustomType for Email {
///     type Repr = String;
///     fn to_repr(&self) -> String {
///         self.0.clone()
///     }
///     fn from_repr(text: String) -> Result<Self, String> {
///         if text.contains('@') {
///             Ok(Email(text))
///         } else {
///             Err(format!("{text:?} is not an email"))
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column type weft supports",
    label = "unsupported column type",
    note = "weft columns can be: bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, String, Vec<u8>, weft::Json<T>, serde_json::Value, and with features chrono, time, uuid and rust_decimal their types; wrap any of them in Option<…> for a nullable column",
    note = "for a type of your own, `#[derive(weft::Newtype)]` on a one-field tuple struct, `#[derive(weft::Enum)]` on a fieldless enum, or implement `weft::CustomType`",
    note = "any serde type can be stored as JSON: `weft::Json<{Self}>`"
)]
pub trait CustomType: Sized + Send + Sync + 'static {
    /// The column type it is stored as.
    type Repr: SqlValue;
    /// The allowed stored values, when there is a closed set (an enum's names): the table's
    /// DDL checks them with a `CHECK` constraint.
    #[doc(hidden)]
    const ALLOWED: &'static [&'static str] = &[];
    /// The native enum type the column has (`#[derive(weft::Enum)]` with `#[weft(native)]`):
    /// its `Repr` is then `String`, holding a label.
    #[doc(hidden)]
    const NATIVE: Option<&'static EnumType> = None;
    /// The value to store.
    fn to_repr(&self) -> Self::Repr;
    /// The value read back; an `Err` becomes `weft::Error::Decode` naming the table and column.
    fn from_repr(repr: Self::Repr) -> Result<Self, String>;
}

#[diagnostic::do_not_recommend]
impl<T: CustomType> SqlValue for T {
    const SQL_TYPE: SqlType = match T::NATIVE {
        Some(ty) => SqlType::Enum(ty),
        None => T::Repr::SQL_TYPE,
    };
    const NULLABLE: bool = T::Repr::NULLABLE;
    const ALLOWED: &'static [&'static str] = T::ALLOWED;
    #[inline]
    fn to_value(&self) -> Value {
        match (T::NATIVE, self.to_repr().into_value()) {
            (Some(ty), Value::Text(label)) => Value::Enum(ty, label),
            (_, value) => value,
        }
    }
    #[inline]
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
        T::from_repr(T::Repr::decode(row, idx)?)
    }
    #[inline]
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Result<Self, String>, D::Error> {
        Ok(T::Repr::from_json(d)?.and_then(T::from_repr))
    }
}

/// A custom type over an integer can be an auto-incremented key.
#[diagnostic::do_not_recommend]
impl<T: CustomType> AutoIncrement for T where T::Repr: AutoIncrement {}

/// A custom type over text supports `like`.
#[diagnostic::do_not_recommend]
impl<T: CustomType> Text for T
where
    T::Repr: Text,
{
    type Length = <T::Repr as Text>::Length;
}

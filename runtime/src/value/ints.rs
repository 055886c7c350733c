//! Integer types without a SQL type of their own, each stored in the narrowest signed type
//! that holds all of its values on every backend: `i8` and `u8` in SMALLINT, `u16` in INTEGER,
//! `u32` in BIGINT. `u64` is stored in BIGINT too (no backend has a portable unsigned 64-bit
//! type): a value above `i64::MAX` is refused when bound, never wrapped. On the way out every
//! value is range checked, so a value written by hand that does not fit is an error naming it.

use super::column::RowRef;
use super::from_json::{self, FromJson, Scalar};
use super::{SqlType, SqlValue, Value};

macro_rules! stored_in {
    ($($ty:ty => $sql:ident, $wide:ty, $variant:ident, $getter:ident;)*) => {$(
        impl SqlValue for $ty {
            const SQL_TYPE: SqlType = SqlType::$sql;
            #[inline]
            fn to_value(&self) -> Value {
                match <$wide>::try_from(*self) {
                    Ok(wide) => Value::$variant(wide),
                    Err(_) => Value::Unencodable(format!(
                        "{self} does not fit the {} column that stores a {}; weft does not wrap it",
                        stringify!($sql),
                        stringify!($ty),
                    )),
                }
            }
            #[inline]
            fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, String> {
                narrow(row.columns().$getter(idx)?)
            }
            #[inline]
            fn from_json<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Result<Self, String>, D::Error> {
                from_json::scalar(d)
            }
        }

        impl FromJson for $ty {
            fn from_json(value: Scalar<'_>) -> Result<Self, String> {
                match value {
                    Scalar::Int(i) => narrow(i),
                    Scalar::UInt(u) => narrow(u),
                    other => Err(from_json::unexpected(
                        concat!("an integer (", stringify!($ty), ")"),
                        other,
                    )),
                }
            }
        }
    )*};
}

stored_in! {
    i8 => SmallInt, i16, I16, i16;
    u8 => SmallInt, i16, I16, i16;
    u16 => Int, i32, I32, i32;
    u32 => BigInt, i64, I64, i64;
    u64 => BigInt, i64, I64, i64;
}

/// A stored integer read as `T`: a value outside `T`'s range is an error, never wrapped.
fn narrow<T: TryFrom<W>, W: Copy + std::fmt::Display>(wide: W) -> Result<T, String> {
    T::try_from(wide).map_err(|_| {
        format!(
            "{wide} does not fit a {}; weft does not wrap it",
            std::any::type_name::<T>()
        )
    })
}

impl super::AutoIncrement for u32 {}
impl super::AutoIncrement for u64 {}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: SqlValue>(json: &str) -> Result<T, String> {
        let mut de = serde_json::Deserializer::from_str(json);
        T::from_json(&mut de).map_err(|e| e.to_string())?
    }

    #[test]
    fn values_that_do_not_fit_are_refused_both_ways() {
        assert_eq!(u64::MAX.to_value().sql_type(), None);
        assert_eq!((i64::MAX as u64).to_value(), Value::I64(i64::MAX));
        assert_eq!(u32::MAX.to_value(), Value::I64(i64::from(u32::MAX)));
        assert_eq!(read::<u8>("255"), Ok(255));
        assert!(read::<u8>("256").unwrap_err().contains("does not fit a u8"));
        assert!(
            read::<u64>("-1")
                .unwrap_err()
                .contains("does not fit a u64")
        );
        assert_eq!(read::<i8>("-128"), Ok(-128));
        assert!(
            read::<i8>("\"1\"")
                .unwrap_err()
                .contains("expected an integer (i8)")
        );
    }
}

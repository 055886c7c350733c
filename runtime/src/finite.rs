//! Finding floats JSON cannot hold. serde_json writes NaN and ±infinity as `null`, so a
//! `Json<T>` holding one would be stored as something else; weft refuses it instead.
//!
//! [`first_non_finite`] walks a serde value with a serializer that writes nothing and stops at
//! the first non-finite float. It runs only when serde_json's output contains `null` (every
//! non-finite float becomes one), so ordinary documents pay nothing for it.

use serde::ser::{self, Serialize};

/// The first NaN or infinite float in `value`, if any.
pub(crate) fn first_non_finite<T: Serialize + ?Sized>(value: &T) -> Option<f64> {
    match value.serialize(Walker) {
        Err(Found(Some(f))) => Some(f),
        _ => None,
    }
}

/// Why the walk stopped: a non-finite float, or (None) a serializer error of the value's own,
/// which serde_json reports on its own.
#[derive(Debug)]
struct Found(Option<f64>);

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Found(None)
    }
}

struct Walker;

type Done = Result<(), Found>;

fn float(f: f64) -> Done {
    if f.is_finite() {
        Ok(())
    } else {
        Err(Found(Some(f)))
    }
}

/// Scalars that cannot hold a float.
macro_rules! ignore {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method(self, _: $ty) -> Done {
            Ok(())
        }
    )*};
}

impl ser::Serializer for Walker {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    ignore!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str)
    );
    fn serialize_f32(self, v: f32) -> Done {
        float(v.into())
    }
    fn serialize_f64(self, v: f64) -> Done {
        float(v)
    }
    fn serialize_none(self) -> Done {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Done {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Done {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Done {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        Ok(self)
    }
}

/// Every compound visits its elements (keys included: a float key is refused by serde_json).
macro_rules! compound {
    ($($trait:ident: $($method:ident($($skip:ty),*)),*;)*) => {$(
        impl ser::$trait for Walker {
            type Ok = ();
            type Error = Found;
            $(fn $method<T: Serialize + ?Sized>(&mut self, $(_: $skip,)* v: &T) -> Done {
                v.serialize(Walker)
            })*
            fn end(self) -> Done {
                Ok(())
            }
        }
    )*};
}

compound! {
    SerializeSeq: serialize_element();
    SerializeTuple: serialize_element();
    SerializeTupleStruct: serialize_field();
    SerializeTupleVariant: serialize_field();
    SerializeMap: serialize_key(), serialize_value();
    SerializeStruct: serialize_field(&'static str);
    SerializeStructVariant: serialize_field(&'static str);
}

#[cfg(test)]
mod tests {
    use super::first_non_finite;
    use std::collections::BTreeMap;

    #[test]
    fn finds_nested_non_finite_floats() {
        assert_eq!(first_non_finite(&vec![1.0, 2.0]), None);
        assert!(first_non_finite(&vec![1.0, f64::NAN]).unwrap().is_nan());
        let mut map = BTreeMap::new();
        map.insert("a", vec![Some(1.0f32), None, Some(f32::INFINITY)]);
        assert_eq!(first_non_finite(&map), Some(f64::INFINITY));
        assert_eq!(first_non_finite(&(1, "x", Option::<f64>::None)), None);
    }
}

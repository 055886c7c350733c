//! Column values inside JSON, for relations loaded in one statement.
//!
//! Each dialect renders some types lossily in JSON (SQLite rounds REAL to 15 digits and cannot
//! hold BLOBs, MariaDB prints FLOAT with 6 digits, PostgreSQL follows the session time zone),
//! so every column is *projected* to a JSON-exact form here, and [`FromJson`] reads exactly that
//! form back while the JSON text is parsed (`nested.rs` drives it).

use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::value::SqlValue;

/// One scalar of a nested row, borrowed from the JSON text while it is decoded. Arrays and
/// objects are only named (a column value is never one, except in `Json<T>`, which reads its
/// own value).
#[derive(Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
    Array,
    Object,
}

impl<'a> Scalar<'a> {
    fn as_i64(self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(i),
            Scalar::UInt(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    #[cfg(any(feature = "chrono", feature = "uuid"))]
    fn as_str(self) -> Option<&'a str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scalar<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Scalar::Null => f.write_str("null"),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::UInt(u) => write!(f, "{u}"),
            Scalar::Float(x) => write!(f, "{x:?}"),
            Scalar::Str(s) => match serde_json::to_string(s) {
                Ok(quoted) => f.write_str(&quoted),
                Err(_) => write!(f, "{s:?}"),
            },
            Scalar::Array => f.write_str("an array"),
            Scalar::Object => f.write_str("an object"),
        }
    }
}

/// Reads one projected value.
pub(crate) trait FromJson: Sized {
    fn from_json(value: Scalar<'_>) -> Result<Self, String>;
}

/// Reads a scalar column from `d` (the body of `SqlValue::from_json` for scalar types). The
/// outer error is the JSON's own (malformed text); the inner one, a value of the wrong form.
#[inline]
pub(crate) fn scalar<'de, D, T>(d: D) -> Result<Result<T, String>, D::Error>
where
    D: Deserializer<'de>,
    T: FromJson,
{
    d.deserialize_any(ScalarVisitor(PhantomData))
}

struct ScalarVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: FromJson> Visitor<'de> for ScalarVisitor<T> {
    type Value = Result<T, String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a column value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(T::from_json(Scalar::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(T::from_json(Scalar::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(T::from_json(Scalar::UInt(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(T::from_json(Scalar::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_json(Scalar::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(T::from_json(Scalar::Null))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(T::from_json(Scalar::Null))
    }
    // Skipped whole, so that the message names the column rather than the JSON's position.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(T::from_json(Scalar::Array))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(T::from_json(Scalar::Object))
    }
}

/// `null` or a value of `T` (the body of `SqlValue::from_json` for `Option<T>`).
pub(crate) struct OptionVisitor<T>(pub(crate) PhantomData<fn() -> T>);

impl<'de, T: SqlValue> Visitor<'de> for OptionVisitor<T> {
    type Value = Result<Option<T>, String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a column value or null")
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Ok(T::from_json(d)?.map(Some))
    }
}

pub(crate) fn unexpected(what: &str, value: Scalar<'_>) -> String {
    if let Scalar::Null = value {
        return super::column::UNEXPECTED_NULL.to_owned();
    }
    let shown = value.to_string();
    let shown = if shown.chars().count() > 60 {
        format!("{}…", shown.chars().take(60).collect::<String>())
    } else {
        shown
    };
    format!("expected {what} in nested JSON, found {shown}")
}

impl FromJson for bool {
    fn from_json(value: Scalar<'_>) -> Result<Self, String> {
        match value {
            Scalar::Bool(b) => Ok(b),
            other => match other.as_i64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                Some(int) => Err(format!("{int} is not a boolean (0 or 1)")),
                None => Err(unexpected("a boolean", other)),
            },
        }
    }
}

macro_rules! json_int {
    ($($ty:ty),*) => {$(
        impl FromJson for $ty {
            fn from_json(value: Scalar<'_>) -> Result<Self, String> {
                value
                    .as_i64()
                    .and_then(|i| <$ty>::try_from(i).ok())
                    .ok_or_else(|| unexpected(concat!("an ", stringify!($ty)), value))
            }
        }
    )*};
}
json_int!(i16, i32, i64);

/// A float's bits as PostgreSQL's projection sends them: `x` and 8 (f32) or 16 (f64) hex digits.
fn float_bits(value: Scalar<'_>, digits: usize) -> Option<u64> {
    match value {
        Scalar::Str(s) if s.len() == digits + 1 && s.starts_with('x') => {
            u64::from_str_radix(&s[1..], 16).ok()
        }
        _ => None,
    }
}

fn parse_float(value: Scalar<'_>) -> Result<f64, String> {
    if let Some(bits) = float_bits(value, 16) {
        return Ok(f64::from_bits(bits));
    }
    match value {
        Scalar::Str(s) => match s {
            "NaN" | "nan" => Ok(f64::NAN),
            "Infinity" | "Inf" | "inf" => Ok(f64::INFINITY),
            "-Infinity" | "-Inf" | "-inf" => Ok(f64::NEG_INFINITY),
            text => text
                .parse::<f64>()
                .map_err(|_| unexpected("a float", value)),
        },
        other => Err(unexpected("a float as text", other)),
    }
}

impl FromJson for f64 {
    fn from_json(value: Scalar<'_>) -> Result<Self, String> {
        parse_float(value)
    }
}

impl FromJson for f32 {
    fn from_json(value: Scalar<'_>) -> Result<Self, String> {
        if let Some(bits) = float_bits(value, 8) {
            return u32::try_from(bits)
                .map(f32::from_bits)
                .map_err(|_| unexpected("an f32", value));
        }
        crate::value::narrow_f32(parse_float(value)?)
    }
}

impl FromJson for String {
    fn from_json(value: Scalar<'_>) -> Result<Self, String> {
        match value {
            Scalar::Str(s) => Ok(s.to_owned()),
            other => Err(unexpected("text", other)),
        }
    }
}

fn hex_bytes(value: Scalar<'_>) -> Result<Vec<u8>, String> {
    let Scalar::Str(s) = value else {
        return Err(unexpected("bytes as hex", value));
    };
    let hex = s.strip_prefix("\\x").unwrap_or(s).as_bytes();
    if hex.len() % 2 != 0 {
        return Err(unexpected("bytes as hex", value));
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    hex.chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| unexpected("bytes as hex", value))
}

impl FromJson for Vec<u8> {
    fn from_json(value: Scalar<'_>) -> Result<Self, String> {
        hex_bytes(value)
    }
}

#[cfg(feature = "chrono")]
mod time {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

    use super::{FromJson, Scalar, unexpected};
    use crate::time::{not_a, parse_date, parse_naive, parse_time, parse_utc};

    /// Reads a date or time from its text with `parse`; `what` names it in errors.
    fn read<T>(value: Scalar<'_>, what: &str, parse: fn(&str) -> Option<T>) -> Result<T, String> {
        let text = value
            .as_str()
            .ok_or_else(|| unexpected("a date or time as text", value))?;
        parse(text).ok_or_else(|| not_a(what, text))
    }

    impl FromJson for DateTime<Utc> {
        fn from_json(value: Scalar<'_>) -> Result<Self, String> {
            // With an offset (SQLite's stored text), or UTC wall-clock time (the projections
            // on PostgreSQL and MariaDB).
            read(value, "timestamp", parse_utc)
        }
    }

    impl FromJson for NaiveDateTime {
        fn from_json(value: Scalar<'_>) -> Result<Self, String> {
            read(value, "date and time", parse_naive)
        }
    }

    impl FromJson for NaiveDate {
        fn from_json(value: Scalar<'_>) -> Result<Self, String> {
            read(value, "date", parse_date)
        }
    }

    impl FromJson for NaiveTime {
        fn from_json(value: Scalar<'_>) -> Result<Self, String> {
            read(value, "time", parse_time)
        }
    }
}

#[cfg(feature = "uuid")]
impl FromJson for uuid::Uuid {
    fn from_json(value: Scalar<'_>) -> Result<Self, String> {
        let s = value.as_str().ok_or_else(|| unexpected("a UUID", value))?;
        if s.len() == 32 {
            let bytes = hex_bytes(value)?;
            uuid::Uuid::from_slice(&bytes).map_err(|e| e.to_string())
        } else {
            s.parse().map_err(|_| unexpected("a UUID", value))
        }
    }
}

#[cfg(feature = "rust_decimal")]
impl FromJson for rust_decimal::Decimal {
    fn from_json(value: Scalar<'_>) -> Result<Self, String> {
        match value {
            Scalar::Str(s) => crate::decimal::parse_decimal(s),
            other => Err(unexpected("a decimal as text", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes one column value of type `T` from JSON text, as a nested row does.
    fn read<T: SqlValue>(json: &str) -> Result<T, String> {
        let mut de = serde_json::Deserializer::from_str(json);
        T::from_json(&mut de).map_err(|e| e.to_string())?
    }

    fn text(s: &str) -> String {
        serde_json::to_string(s).unwrap()
    }

    #[test]
    fn floats_read_back_exactly() {
        for f in [0.1f64, 0.1 + 0.2, f64::MAX, f64::MIN_POSITIVE, 5e-324, -0.0] {
            let json = text(&format!("{f:.17e}"));
            assert_eq!(read::<f64>(&json).unwrap().to_bits(), f.to_bits());
        }
        assert!(read::<f64>(r#""NaN""#).unwrap().is_nan());
        assert_eq!(read::<f64>(r#""-Inf""#).unwrap(), f64::NEG_INFINITY);
        // A widened f32 gives the f32; a double that is not one is refused.
        assert_eq!(
            read::<f32>(&text(&format!("{}", f64::from(0.1f32)))).unwrap(),
            0.1f32
        );
        assert!(read::<f32>(r#""0.1""#).unwrap_err().contains("f32"));
        // PostgreSQL's projection: the bits in hex, NaN payloads and the sign of zero kept.
        assert_eq!(
            read::<f64>(r#""x8000000000000000""#).unwrap().to_bits(),
            1 << 63
        );
        assert_eq!(
            read::<f64>(r#""xfff8000000000001""#).unwrap().to_bits(),
            0xfff8000000000001
        );
        assert_eq!(read::<f32>(r#""xffc4cb61""#).unwrap().to_bits(), 0xffc4cb61);
        assert!(read::<f64>("1.5").unwrap_err().contains("a float as text"));
    }

    #[test]
    fn bytes_from_either_hex_form() {
        assert_eq!(read::<Vec<u8>>(r#""\\x00ff""#).unwrap(), [0, 255]);
        assert_eq!(read::<Vec<u8>>(r#""00FF""#).unwrap(), [0, 255]);
        assert!(read::<Vec<u8>>(r#""0""#).is_err());
    }

    #[test]
    fn scalars_and_nulls() {
        assert!(read::<bool>("1").unwrap());
        assert!(!read::<bool>("false").unwrap());
        assert!(read::<bool>("2").is_err());
        assert_eq!(read::<i64>("-9223372036854775808").unwrap(), i64::MIN);
        assert_eq!(read::<i64>("9223372036854775807").unwrap(), i64::MAX);
        assert!(read::<i64>("9223372036854775808").is_err());
        assert!(read::<i16>("40000").unwrap_err().contains("an i16"));
        assert_eq!(read::<String>(r#""é\n\"x""#).unwrap(), "é\n\"x");
        assert_eq!(read::<Option<i32>>("null").unwrap(), None);
        assert_eq!(read::<Option<i32>>("7").unwrap(), Some(7));
        assert!(read::<i32>("null").unwrap_err().contains("found NULL"));
        // An array where a scalar belongs names what was found, not the JSON's position.
        assert_eq!(
            read::<String>("[1, [2]]").unwrap_err(),
            "expected text in nested JSON, found an array"
        );
    }
}

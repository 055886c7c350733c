//! Column values inside JSON, for relations loaded in one statement.
//!
//! Each backend renders some types lossily in JSON (SQLite rounds REAL to 15 digits and cannot
//! hold BLOBs, MariaDB prints FLOAT with 6 digits, PostgreSQL follows the session time zone),
//! so every column is *projected* to a JSON-exact form here, and [`FromJson`] reads exactly that
//! form back.

use serde_json::Value as J;

use crate::backend::Backend;
use crate::value::SqlType;

/// Appends the JSON-exact projection of `column` (already rendered SQL) of type `ty`.
pub(crate) fn push_projection(out: &mut String, ty: SqlType, backend: Backend, column: &str) {
    use Backend::*;
    use SqlType::*;
    let wrap = |out: &mut String, before: &str, after: &str| {
        out.push_str(before);
        out.push_str(column);
        out.push_str(after);
    };
    match (backend, ty) {
        // Floats as text: shortest round-trip digits, and NaN/Infinity survive.
        (Postgres, Real | Double | Decimal) => wrap(out, "(", ")::text"),
        (Postgres, Blob) => wrap(out, "encode(", ", 'hex')"),
        (Postgres, Timestamp) => wrap(out, "(", " AT TIME ZONE 'UTC')"),
        // SQLite's printf() and hex() turn NULL into '': keep NULL a NULL.
        (Sqlite, Real | Double) => null_safe(out, column, "printf('%!.17g', ", ")"),
        (Sqlite, Blob | Uuid) => null_safe(out, column, "hex(", ")"),
        (Sqlite, Json) => wrap(out, "json(", ")"),
        (MySql, Real) => wrap(out, "CAST(CAST(", " AS DOUBLE) AS CHAR)"),
        (MySql, Double | Decimal) => wrap(out, "CAST(", " AS CHAR)"),
        (MySql, Blob | Uuid) => wrap(out, "HEX(", ")"),
        _ => out.push_str(column),
    }
}

fn null_safe(out: &mut String, column: &str, before: &str, after: &str) {
    out.push_str("CASE WHEN ");
    out.push_str(column);
    out.push_str(" IS NULL THEN NULL ELSE ");
    out.push_str(before);
    out.push_str(column);
    out.push_str(after);
    out.push_str(" END");
}

/// Reads one projected value.
pub(crate) trait FromJson: Sized {
    fn from_json(value: &J) -> Result<Self, String>;
}

fn unexpected(what: &str, value: &J) -> String {
    let shown = value.to_string();
    let shown = if shown.chars().count() > 60 {
        format!("{}…", shown.chars().take(60).collect::<String>())
    } else {
        shown
    };
    format!("expected {what} in nested JSON, found {shown}")
}

impl FromJson for bool {
    fn from_json(value: &J) -> Result<Self, String> {
        match value {
            J::Bool(b) => Ok(*b),
            J::Number(n) if n.as_i64() == Some(0) => Ok(false),
            J::Number(n) if n.as_i64() == Some(1) => Ok(true),
            other => Err(unexpected("a boolean", other)),
        }
    }
}

macro_rules! json_int {
    ($($ty:ty),*) => {$(
        impl FromJson for $ty {
            fn from_json(value: &J) -> Result<Self, String> {
                value
                    .as_i64()
                    .and_then(|i| <$ty>::try_from(i).ok())
                    .ok_or_else(|| unexpected(concat!("an ", stringify!($ty)), value))
            }
        }
    )*};
}
json_int!(i16, i32, i64);

fn parse_float(value: &J) -> Result<f64, String> {
    match value {
        J::String(s) => match s.as_str() {
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
    fn from_json(value: &J) -> Result<Self, String> {
        parse_float(value)
    }
}

impl FromJson for f32 {
    fn from_json(value: &J) -> Result<Self, String> {
        let wide = parse_float(value)?;
        let narrow = wide as f32;
        // SQLite and MariaDB send the f32 widened to f64: exact when it narrows back.
        if f64::from(narrow) == wide || wide.is_nan() {
            return Ok(narrow);
        }
        // PostgreSQL sends a REAL's shortest f32 text ("0.1").
        if let J::String(s) = value
            && let Ok(n) = s.parse::<f32>()
            && n.to_string().parse::<f64>() == Ok(wide)
        {
            return Ok(n);
        }
        Err(format!("{wide} does not fit in an f32 without rounding"))
    }
}

impl FromJson for String {
    fn from_json(value: &J) -> Result<Self, String> {
        match value {
            J::String(s) => Ok(s.clone()),
            other => Err(unexpected("text", other)),
        }
    }
}

fn hex_bytes(value: &J) -> Result<Vec<u8>, String> {
    let J::String(s) = value else {
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
    fn from_json(value: &J) -> Result<Self, String> {
        hex_bytes(value)
    }
}

#[cfg(feature = "chrono")]
mod time {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

    use super::{FromJson, J, unexpected};

    fn text(value: &J) -> Result<&str, String> {
        value
            .as_str()
            .ok_or_else(|| unexpected("a date or time as text", value))
    }

    fn naive(s: &str) -> Option<NaiveDateTime> {
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    }

    impl FromJson for DateTime<Utc> {
        fn from_json(value: &J) -> Result<Self, String> {
            let s = text(value)?;
            // With an offset (SQLite's stored text), or UTC wall-clock time (the projections
            // on PostgreSQL and MariaDB).
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z")
                        .ok()
                        .map(|t| t.with_timezone(&Utc))
                })
                .or_else(|| naive(s).map(|n| n.and_utc()))
                .ok_or_else(|| unexpected("a timestamp", value))
        }
    }

    impl FromJson for NaiveDateTime {
        fn from_json(value: &J) -> Result<Self, String> {
            naive(text(value)?).ok_or_else(|| unexpected("a date and time", value))
        }
    }

    impl FromJson for NaiveDate {
        fn from_json(value: &J) -> Result<Self, String> {
            NaiveDate::parse_from_str(text(value)?, "%Y-%m-%d")
                .map_err(|_| unexpected("a date", value))
        }
    }
}

#[cfg(feature = "uuid")]
impl FromJson for uuid::Uuid {
    fn from_json(value: &J) -> Result<Self, String> {
        let s = value.as_str().ok_or_else(|| unexpected("a UUID", value))?;
        if s.len() == 32 {
            let bytes = hex_bytes(value)?;
            uuid::Uuid::from_slice(&bytes).map_err(|e| e.to_string())
        } else {
            s.parse().map_err(|_| unexpected("a UUID", value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_back_exactly() {
        for f in [0.1f64, 0.1 + 0.2, f64::MAX, f64::MIN_POSITIVE, 5e-324, -0.0] {
            let text = J::String(format!("{f:.17e}"));
            assert_eq!(f64::from_json(&text).unwrap().to_bits(), f.to_bits());
        }
        assert!(f64::from_json(&J::String("NaN".into())).unwrap().is_nan());
        assert_eq!(
            f64::from_json(&J::String("-Inf".into())).unwrap(),
            f64::NEG_INFINITY
        );
        // A widened f32 and PostgreSQL's shortest f32 text both give the f32.
        assert_eq!(
            f32::from_json(&J::String(format!("{}", f64::from(0.1f32)))).unwrap(),
            0.1f32
        );
        assert_eq!(f32::from_json(&J::String("0.1".into())).unwrap(), 0.1f32);
        assert_eq!(
            f32::from_json(&J::String("1.1754944e-38".into())).unwrap(),
            f32::MIN_POSITIVE
        );
    }

    #[test]
    fn bytes_from_either_hex_form() {
        assert_eq!(
            Vec::<u8>::from_json(&J::String("\\x00ff".into())).unwrap(),
            [0, 255]
        );
        assert_eq!(
            Vec::<u8>::from_json(&J::String("00FF".into())).unwrap(),
            [0, 255]
        );
        assert!(Vec::<u8>::from_json(&J::String("0".into())).is_err());
    }
}

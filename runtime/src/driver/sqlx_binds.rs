//! Turning [`Value`]s into a sqlx driver's arguments, by reference: nothing is copied on the
//! way except into the driver's own buffers. The values every driver encodes alike are here;
//! each driver file adds its own arms.

use crate::dialect::{BindRef, Stmt};
use crate::error::{Error, Result};
use sqlx::error::BoxDynError;

pub(super) fn value_err(sql: &Stmt<'_>, index: usize, reason: String) -> Error {
    if reason == crate::dialect::TOO_DEEP {
        return Error::TooDeep {
            limit: crate::expr::MAX_EXPRESSION_DEPTH,
            sql: sql.text.clone().into_owned(),
        };
    }
    if let Some(reason) = reason.strip_prefix(crate::dialect::RAW_MARK) {
        return Error::RawSql {
            reason: reason.to_owned(),
            sql: sql.text.clone().into_owned(),
        };
    }
    if let Some(feature) = reason
        .strip_prefix(crate::dialect::UNSUPPORTED_MARK)
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| crate::dialect::UNSUPPORTED.get(n))
    {
        return Error::Unsupported {
            what: feature.0,
            backend: sql.dialect.backend(),
            hint: feature.1,
        };
    }
    Error::Value {
        index: index + 1,
        backend: sql.dialect.backend(),
        reason,
        sql: sql.text.clone().into_owned(),
    }
}

/// Adds the scalar `$v` to `$args`: text and bytes borrowed from an inserted row, then the
/// backend's own arms, then the values every driver encodes the same way.
macro_rules! add_value {
    ($args:ident, $v:expr, { $($special:tt)* }) => {
        match $v {
            crate::value::Scalar::Text(s) => $args.add(s),
            crate::value::Scalar::Bytes(b) => $args.add(b),
            // A backend's own arm may shadow a common one.
            #[allow(unreachable_patterns)]
            crate::value::Scalar::Value(v) => match v {
                $($special)*
                Value::Bool(b) => $args.add(*b),
                Value::I16(i) => $args.add(*i),
                Value::I32(i) => $args.add(*i),
                Value::I64(i) => $args.add(*i),
                Value::F32(f) => $args.add(*f),
                Value::F64(f) => $args.add(*f),
                Value::Text(s) | Value::Enum(_, s) => $args.add(s.as_str()),
                Value::Bytes(b) => $args.add(b.as_slice()),
                #[cfg(feature = "chrono")]
                Value::Timestamp(t) => $args.add(*t),
                #[cfg(feature = "chrono")]
                Value::LocalTimestamp(t) => $args.add(*t),
                #[cfg(feature = "chrono")]
                Value::Date(d) => $args.add(*d),
                #[cfg(feature = "chrono")]
                Value::Time(t) => $args.add(*t),
                #[cfg(feature = "uuid")]
                Value::Uuid(u) => $args.add(*u),
                // Refused by `check_storable` on the backends without arrays.
                Value::IntList(_) | Value::TextList(_) | Value::Array(..) => Err("array parameters are PostgreSQL-only".into()),
                // Refused by `check_storable` before any value is added.
                Value::Unencodable(why) => Err(why.clone().into()),
            },
        }
    };
}

/// Typed NULLs: PostgreSQL infers parameter types and rejects `text` where it wanted
/// `bigint`, so a NULL carries its column's type.
macro_rules! add_null {
    ($args:ident, $ty:expr, json = $json:ty, decimal = $dec:ty) => {{
        use crate::value::SqlType as T;
        match $ty {
            T::Bool => $args.add(None::<bool>),
            T::SmallInt => $args.add(None::<i16>),
            T::Int => $args.add(None::<i32>),
            T::BigInt => $args.add(None::<i64>),
            T::Real => $args.add(None::<f32>),
            T::Double => $args.add(None::<f64>),
            T::Blob => $args.add(None::<Vec<u8>>),
            #[cfg(feature = "chrono")]
            T::Timestamp => $args.add(None::<chrono::DateTime<chrono::Utc>>),
            #[cfg(feature = "chrono")]
            T::LocalTimestamp => $args.add(None::<chrono::NaiveDateTime>),
            #[cfg(feature = "chrono")]
            T::Date => $args.add(None::<chrono::NaiveDate>),
            #[cfg(feature = "chrono")]
            T::Time => $args.add(None::<chrono::NaiveTime>),
            #[cfg(feature = "uuid")]
            T::Uuid => $args.add(None::<uuid::Uuid>),
            T::Json => $args.add(None::<$json>),
            T::Decimal => $args.add(None::<$dec>),
            _ => $args.add(None::<String>),
        }
    }};
}

pub(super) fn encode_all<A: sqlx::Arguments>(
    sql: &Stmt<'_>,
    mut args: A,
    mut add: impl FnMut(&mut A, BindRef<'_>) -> Result<(), BoxDynError>,
) -> Result<A> {
    let n = sql.binds.len();
    args.reserve(n, 0);
    for i in 0..n {
        let bind = sql.binds.get(i);
        check(sql, i, bind)?;
        add(&mut args, bind).map_err(|e| value_err(sql, i, e.to_string()))?;
    }
    Ok(args)
}

/// Refuses bind `i` of `sql` where the backend would change it: checked before encoding, so
/// nothing a backend would change is sent.
pub(super) fn check(sql: &Stmt<'_>, i: usize, bind: BindRef<'_>) -> Result<()> {
    let checked = match bind.array() {
        Err(v) => v.check_storable(sql.dialect.capabilities()),
        Ok(_) if !sql.dialect.capabilities().array_binds => {
            Err("array parameters are PostgreSQL-only".into())
        }
        Ok((ty, elements)) => {
            crate::dialect::check_elements(ty, elements, sql.dialect.capabilities())
        }
    };
    checked.map_err(|why| value_err(sql, i, why.into_owned()))
}

/// The one value of a bind on the backends without array parameters.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(super) fn scalar(bind: BindRef<'_>) -> Result<crate::value::Scalar<'_>, BoxDynError> {
    match bind {
        BindRef::Scalar(v) => Ok(v),
        BindRef::Column { .. } => Err("array parameters are PostgreSQL-only".into()),
    }
}

pub(super) use {add_null, add_value};

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::value_err;
    use crate::dialect::{Binds, Stmt, UNSUPPORTED_MARK};
    use crate::error::Error;

    #[test]
    fn a_refused_feature_is_an_unsupported_error_not_a_value_error() {
        let stmt = Stmt {
            dialect: &crate::dialect::MariaDb,
            text: Cow::Borrowed("SELECT 1 FULL JOIN t"),
            binds: Binds::Values(Cow::Owned(Vec::new())),
        };
        let error = value_err(&stmt, 0, format!("{UNSUPPORTED_MARK}0"));
        assert!(
            matches!(
                error,
                Error::Unsupported {
                    what: "FULL JOIN",
                    ..
                }
            ),
            "{error}"
        );
        let other = value_err(&stmt, 0, "NaN".into());
        assert!(matches!(other, Error::Value { index: 1, .. }), "{other}");
    }
}

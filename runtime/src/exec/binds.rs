//! Turning [`Value`]s into each driver's arguments, by reference: nothing is copied on the
//! way except into the driver's own buffers.

use sqlx::Arguments as _;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::render::{BindRef, Stmt};
use crate::value::Value;
use sqlx::error::BoxDynError;

fn value_err(sql: &Stmt<'_>, index: usize, reason: String) -> Error {
    if reason == crate::render::TOO_DEEP {
        return Error::TooDeep {
            limit: crate::expr::MAX_EXPRESSION_DEPTH,
            sql: sql.text.clone().into_owned(),
        };
    }
    Error::Value {
        index: index + 1,
        backend: sql.dialect.backend(),
        reason,
        sql: sql.text.clone().into_owned(),
    }
}

/// Adds `$v` to `$args`: the backend's own arms first, then the values every driver
/// encodes the same way.
macro_rules! add_value {
    ($args:ident, $v:expr, { $($special:tt)* }) => {
        // A backend's own arm may shadow a common one.
        #[allow(unreachable_patterns)]
        match $v {
            $($special)*
            Value::Bool(b) => $args.add(*b),
            Value::I16(i) => $args.add(*i),
            Value::I32(i) => $args.add(*i),
            Value::I64(i) => $args.add(*i),
            Value::F32(f) => $args.add(*f),
            Value::F64(f) => $args.add(*f),
            Value::Text(s) => $args.add(s.as_str()),
            Value::Bytes(b) => $args.add(b.as_slice()),
            #[cfg(feature = "chrono")]
            Value::Timestamp(t) => $args.add(*t),
            #[cfg(feature = "chrono")]
            Value::LocalTimestamp(t) => $args.add(*t),
            #[cfg(feature = "chrono")]
            Value::Date(d) => $args.add(*d),
            #[cfg(feature = "uuid")]
            Value::Uuid(u) => $args.add(*u),
            // Refused by `check_storable` on the backends without arrays.
            Value::IntList(_) | Value::TextList(_) | Value::Array(..) => Err("array parameters are PostgreSQL-only".into()),
            // Refused by `check_storable` before any value is added.
            Value::Unencodable(why) => Err(why.clone().into()),
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
            #[cfg(feature = "uuid")]
            T::Uuid => $args.add(None::<uuid::Uuid>),
            T::Json => $args.add(None::<$json>),
            T::Decimal => $args.add(None::<$dec>),
            _ => $args.add(None::<String>),
        }
    }};
}

fn encode_all<A: sqlx::Arguments>(
    sql: &Stmt<'_>,
    mut args: A,
    mut add: impl FnMut(&mut A, BindRef<'_>) -> Result<(), BoxDynError>,
) -> Result<A> {
    let n = sql.binds.len();
    args.reserve(n, 0);
    for i in 0..n {
        let bind = sql.binds.get(i);
        // Nothing a backend would change is sent: checked before encoding.
        let checked = match bind.array() {
            Err(v) => v.check_storable(sql.dialect.capabilities()),
            Ok(_) if !sql.dialect.capabilities().array_binds => {
                Err("array parameters are PostgreSQL-only".into())
            }
            Ok((ty, elements)) => {
                crate::value::check_elements(ty, elements, sql.dialect.capabilities())
            }
        };
        checked.map_err(|why| value_err(sql, i, why.into_owned()))?;
        add(&mut args, bind).map_err(|e| value_err(sql, i, e.to_string()))?;
    }
    Ok(args)
}

/// The one value of a bind on the backends without array parameters.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
fn scalar(bind: BindRef<'_>) -> Result<&Value, BoxDynError> {
    match bind {
        BindRef::Value(v) => Ok(v),
        BindRef::Column { .. } => Err("array parameters are PostgreSQL-only".into()),
    }
}

#[cfg(feature = "sqlite")]
pub(super) fn sqlite(sql: &Stmt<'_>) -> Result<sqlx::sqlite::SqliteArguments> {
    let limit = Backend::Sqlite.max_bind_params();
    if sql.binds.len() > limit {
        return Err(Error::TooManyBinds {
            backend: Backend::Sqlite,
            limit,
            count: sql.binds.len(),
            hint: "an IN list of more than 1,000 floats is bound one parameter per value on \
                   SQLite (its JSON and text parsers do not read every double exactly); \
                   split the list over several queries, or put the values in a table and \
                   join or filter on it",
            sql: sql.text.clone().into_owned(),
        });
    }
    encode_all(
        sql,
        Default::default(),
        |args: &mut sqlx::sqlite::SqliteArguments, bind| {
            // sqlx's SQLite arguments own their text and bytes: `&str` and `&[u8]` are
            // copied once, into them (see `Insert`'s `BindSink` on why not moved).
            add_value!(args, scalar(bind)?, {
                Value::Null(t) => add_null!(args, *t, json = String, decimal = String),
                #[cfg(feature = "json")]
                Value::Json(s) => args.add(s.as_str()),
                // SQLite has no decimal type: the exact text is stored.
                #[cfg(feature = "rust_decimal")]
                Value::Decimal(d) => args.add(d.to_string()),
            })
        },
    )
}

#[cfg(feature = "postgres")]
pub(super) fn postgres(sql: &Stmt<'_>) -> Result<sqlx::postgres::PgArguments> {
    encode_all(
        sql,
        Default::default(),
        |args: &mut sqlx::postgres::PgArguments, bind| {
            // Arrays (`Value::Array`, a column of a multi-row insert) have elements.
            let v = match bind.array() {
                Ok((ty, elements)) => return pg_array(args, ty, elements),
                Err(v) => v,
            };
            add_value!(args, v, {
                Value::Null(t) => add_null!(args, *t, json = PgJsonNull, decimal = PgDecimalNull),
                #[cfg(feature = "json")]
                Value::Json(s) => args.add(pg_json::RawJson(s)),
                #[cfg(feature = "rust_decimal")]
                Value::Decimal(d) => args.add(crate::decimal::PgDecimal(*d)),
                Value::IntList(list) => args.add(list.as_slice()),
                Value::TextList(list) => args.add(list.as_slice()),
            })
        },
    )
}

/// Adds one array of `ty` (a column of a multi-row insert), encoding straight from the
/// values, whose types `check_elements` has checked (so anything else is a `Null`).
#[cfg(feature = "postgres")]
fn pg_array(
    args: &mut sqlx::postgres::PgArguments,
    ty: crate::value::SqlType,
    elements: crate::render::Elements<'_>,
) -> Result<(), BoxDynError> {
    use crate::value::SqlType as T;
    use sqlx::postgres::PgBindIterExt as _;
    macro_rules! array {
        ($variant:ident, |$x:ident| $e:expr) => {
            args.add(
                elements
                    .map(|v| match v {
                        Some(Value::$variant($x)) => Some($e),
                        _ => None,
                    })
                    .bind_iter(),
            )
        };
    }
    match ty {
        T::Bool => array!(Bool, |b| *b),
        T::SmallInt => array!(I16, |i| *i),
        T::Int => array!(I32, |i| *i),
        T::BigInt => array!(I64, |i| *i),
        T::Real => array!(F32, |f| *f),
        T::Double => array!(F64, |f| *f),
        T::Text => array!(Text, |s| s.as_str()),
        T::Blob => array!(Bytes, |b| b.as_slice()),
        #[cfg(feature = "chrono")]
        T::Timestamp => array!(Timestamp, |t| *t),
        #[cfg(feature = "chrono")]
        T::LocalTimestamp => array!(LocalTimestamp, |t| *t),
        #[cfg(feature = "chrono")]
        T::Date => array!(Date, |d| *d),
        #[cfg(feature = "uuid")]
        T::Uuid => array!(Uuid, |u| *u),
        #[cfg(feature = "rust_decimal")]
        T::Decimal => array!(Decimal, |d| crate::decimal::PgDecimal(*d)),
        #[cfg(feature = "json")]
        T::Json => array!(Json, |s| pg_json::RawJson(s)),
        #[allow(unreachable_patterns)]
        other => Err(format!("no array parameter for {other:?} columns").into()),
    }
}

/// Serialized JSON sent as `jsonb` as it is, borrowed (no copy, no re-parse). The server
/// parses it, so text that is not JSON is refused there, never stored.
#[cfg(all(feature = "postgres", feature = "json"))]
mod pg_json {
    use sqlx::encode::{Encode, IsNull};
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, Postgres};

    type Jsonb = sqlx::types::Json<()>;

    pub(super) struct RawJson<'a>(pub(super) &'a str);

    impl sqlx::Type<Postgres> for RawJson<'_> {
        fn type_info() -> PgTypeInfo {
            <Jsonb as sqlx::Type<Postgres>>::type_info()
        }
        fn compatible(ty: &PgTypeInfo) -> bool {
            <Jsonb as sqlx::Type<Postgres>>::compatible(ty)
        }
    }

    impl PgHasArrayType for RawJson<'_> {
        fn array_type_info() -> PgTypeInfo {
            <Jsonb as PgHasArrayType>::array_type_info()
        }
        fn array_compatible(ty: &PgTypeInfo) -> bool {
            <Jsonb as PgHasArrayType>::array_compatible(ty)
        }
    }

    impl Encode<'_, Postgres> for RawJson<'_> {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            // The bytes of sqlx's `Json<T>` as a `jsonb` parameter (its type above, and
            // weft's JSON columns are JSONB): the format version, then the text.
            buf.push(1);
            buf.extend_from_slice(self.0.as_bytes());
            Ok(IsNull::No)
        }
    }
}

#[cfg(all(feature = "postgres", feature = "json"))]
type PgJsonNull = sqlx::types::Json<Box<serde_json::value::RawValue>>;
#[cfg(all(feature = "postgres", not(feature = "json")))]
type PgJsonNull = String;
#[cfg(all(feature = "postgres", feature = "rust_decimal"))]
type PgDecimalNull = rust_decimal::Decimal;
#[cfg(all(feature = "postgres", not(feature = "rust_decimal")))]
type PgDecimalNull = String;

#[cfg(feature = "mysql")]
pub(super) fn mysql(sql: &Stmt<'_>) -> Result<sqlx::mysql::MySqlArguments> {
    encode_all(
        sql,
        Default::default(),
        |args: &mut sqlx::mysql::MySqlArguments, bind| {
            add_value!(args, scalar(bind)?, {
                Value::Null(t) => add_null!(args, *t, json = String, decimal = String),
                #[cfg(feature = "json")]
                Value::Json(s) => args.add(s.as_str()),
                #[cfg(feature = "rust_decimal")]
                Value::Decimal(d) => args.add(*d),
                // sqlx sends DateTime<Utc> as a TIMESTAMP parameter, whose range (1970–2038)
                // MariaDB enforces by storing NULL. weft's columns are DATETIME(6), holding
                // UTC: send the UTC wall-clock time as a DATETIME.
                #[cfg(feature = "chrono")]
                Value::Timestamp(t) => args.add(t.naive_utc()),
            })
        },
    )
}

//! PostgreSQL through sqlx: bind encoding (typed NULLs, arrays, raw JSONB), retrying a
//! statement whose cached plan went stale, and reading timestamps and NUMERIC exactly.

use futures_util::future::BoxFuture;
use sqlx::Arguments as _;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArguments, PgRow};

use super::server_pool::{Pooled, ServerPool, Source};
use super::sqlx_binds::{add_null, add_value, encode_all};
use super::sqlx_common::{
    self as common, acquire_error, get, query_error, sqlx_execute, sqlx_fetch, transaction_error,
};
use super::sqlx_common::{After, Held as _};
use super::{Connection, Driver, RowSink, Rows, Server};
use crate::backend::Backend;
use crate::decode::ColumnSource;
#[cfg(any(feature = "chrono", feature = "rust_decimal"))]
use crate::decode::UNEXPECTED_NULL;
use crate::dialect::Stmt;
use crate::error::{Error, Result};
use crate::value::Value;
use sqlx::error::BoxDynError;

/// A PostgreSQL pool: weft's own (`Db::connect`) or a sqlx pool it was given.
pub(crate) struct PgDriver {
    pool: Source<sqlx::Postgres>,
    server: Server,
}

impl PgDriver {
    /// Wraps a sqlx pool.
    pub(crate) fn from_pool(pool: sqlx::PgPool) -> Self {
        PgDriver::new(Source::Sqlx(pool))
    }

    fn new(pool: Source<sqlx::Postgres>) -> Self {
        PgDriver {
            pool,
            server: Server {
                backend: Backend::Postgres,
                version: String::new(),
                max_packet: None,
            },
        }
    }

    /// Connects to `url` with weft's own pool, asking the server's version: engines speaking
    /// PostgreSQL's protocol with their own rules (CockroachDB) get their own dialect.
    pub(crate) async fn open(url: &str) -> std::result::Result<Self, sqlx::Error> {
        let pool = Source::Own(ServerPool::open(url).await?);
        let mut conn = pool.acquire().await?;
        let (version,): (String,) = sqlx::query_as("SELECT version()")
            .fetch_one(conn.conn()?)
            .await?;
        drop(conn);
        let mut driver = PgDriver::new(pool);
        driver.server.version = version;
        Ok(driver)
    }
}

/// Runs `$body` (a `Result`, with `$args` bound to `$stmt`'s arguments) on `$conn`, once more
/// when the server refused a cached plan that went stale and `$conn` is not in a transaction.
macro_rules! retrying_stale_plan {
    ($pooled:expr, $stmt:expr, |$c:ident, $args:ident| $body:expr) => {{
        let pooled: &mut Pooled<sqlx::Postgres> = $pooled;
        let stmt: &Stmt<'_> = $stmt;
        let conn = pooled.conn().map_err(|source| query_error(stmt, source))?;
        let in_tx = common::in_transaction::<sqlx::Postgres>(conn);
        let mut retried = false;
        pooled.started(After::Settle);
        let out = loop {
            let conn = pooled.conn().map_err(|source| query_error(stmt, source))?;
            let $args = arguments(stmt)?;
            let out = {
                let $c = &mut *conn;
                $body
            };
            match stale_plan(conn, stmt, out, in_tx, &mut retried).await {
                Some(out) => break out,
                None => continue,
            }
        };
        pooled.finished(after(&out));
        out
    }};
}

/// What a connection whose statement ended with `out` needs before the next one: nothing when
/// the statement ran or the server refused it and goes on; a settle (a ping, which drops it if
/// dead) after the driver's own failure (I/O, protocol), or when the server ended the session
/// or may have (a FATAL or PANIC error, connection exceptions, shutdown, internal errors).
fn after<T>(out: &Result<T>) -> After {
    let Err(error) = out else {
        return After::Return;
    };
    let fatal = common::database_error(error)
        .and_then(|db| db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
        .is_some_and(|e| {
            use sqlx::postgres::PgSeverity;
            matches!(e.severity(), PgSeverity::Fatal | PgSeverity::Panic)
        });
    // (`Error::dead_connection`'s codes, 57P0x, are of class 57.)
    if fatal || ends_session_or_transaction(error) {
        After::Settle
    } else {
        After::Return
    }
}

/// Whether `error` ended the transaction (not only a savepoint) or the session, or came from
/// the driver itself (the connection's state is then unknown).
fn ends_session_or_transaction(error: &Error) -> bool {
    let Some(db) = common::database_error(error) else {
        return true;
    };
    let code = db.code();
    let code = code.as_deref().unwrap_or_default();
    // Connection exceptions, operator intervention (shutdown, cancel), internal errors.
    ["08", "57", "XX"]
        .iter()
        .any(|class| code.starts_with(class))
}

impl Driver for PgDriver {
    fn server(&self) -> &Server {
        &self.server
    }

    fn fetch<'a>(
        &'a self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(|source| query_error(stmt, source))?;
            retrying_stale_plan!(&mut conn, stmt, |c, args| sqlx_fetch!(
                c, stmt, args, rows, sink
            ))
        })
    }

    fn execute<'a>(&'a self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(|source| query_error(stmt, source))?;
            retrying_stale_plan!(&mut conn, stmt, |c, args| sqlx_execute!(c, stmt, args))
        })
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            let conn = self.pool.acquire().await.map_err(acquire_error)?;
            Ok(Box::new(PgConn(conn)) as Box<dyn Connection>)
        })
    }

    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(transaction_error("begin"))?;
            common::begin(&mut conn).await?;
            Ok(Box::new(PgConn(conn)) as Box<dyn Connection>)
        })
    }

    fn ends_transaction(&self, error: &Error) -> bool {
        ends_session_or_transaction(error)
    }
}

/// A connection held by a transaction or a relational load.
struct PgConn(Pooled<sqlx::Postgres>);

impl Connection for PgConn {
    fn fetch<'a>(
        &'a mut self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            retrying_stale_plan!(&mut self.0, stmt, |c, args| sqlx_fetch!(
                c, stmt, args, rows, sink
            ))
        })
    }

    fn execute<'a>(&'a mut self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            retrying_stale_plan!(&mut self.0, stmt, |c, args| sqlx_execute!(c, stmt, args))
        })
    }

    fn begin(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(common::begin(&mut self.0))
    }

    fn commit(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(common::commit(&mut self.0))
    }

    fn rollback(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(common::rollback(&mut self.0))
    }

    fn start_rollback(&mut self) {
        common::start_rollback(&mut self.0);
    }

    fn unusable_after_cancel(&self) -> bool {
        false
    }

    fn close_on_drop(&mut self) {
        self.0.close_on_drop();
    }

    fn close_if_dropped(&mut self, yes: bool) {
        self.0.close_if_dropped(yes);
    }
}

/// Whether `error` is PostgreSQL refusing a cached prepared statement whose result type
/// changed (a column's type altered behind weft's back).
fn is_stale_plan(error: &Error) -> bool {
    let Error::Query { source, .. } = error else {
        return false;
    };
    source
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
        .is_some_and(|e| {
            e.code() == "0A000"
                && (e.routine() == Some("RevalidateCachedQuery")
                    || e.message()
                        .contains("cached plan must not change result type"))
        })
}

/// What to do after a statement ran with `out`: `Some` to return it, `None` to run it once
/// more. On a stale cached plan the connection's statement cache is cleared; outside a
/// transaction the statement runs again (it did nothing: the server refused it before running
/// it), inside one the transaction is already aborted by it, which the error says.
async fn stale_plan<T>(
    conn: &mut sqlx::PgConnection,
    sql: &Stmt<'_>,
    out: Result<T>,
    in_tx: bool,
    retried: &mut bool,
) -> Option<Result<T>> {
    let error = match out {
        Err(e) if is_stale_plan(&e) => e,
        out => return Some(out),
    };
    if let Err(source) = sqlx::Connection::clear_cached_statements(conn).await {
        return Some(Err(query_error(sql, source)));
    }
    if in_tx || *retried {
        let Error::Query { sql, source } = error else {
            return Some(Err(error));
        };
        return Some(Err(Error::StaleStatement { sql, source }));
    }
    *retried = true;
    None
}

/// `sql`'s binds as PostgreSQL arguments.
fn arguments(sql: &Stmt<'_>) -> Result<PgArguments> {
    encode_all(sql, Default::default(), |args: &mut PgArguments, bind| {
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
    })
}

/// Adds one array of `ty` (a column of a multi-row insert), encoding straight from the
/// values, whose types `check_elements` has checked (so anything else is a `Null`).
fn pg_array(
    args: &mut PgArguments,
    ty: crate::value::SqlType,
    elements: crate::dialect::Elements<'_>,
) -> std::result::Result<(), BoxDynError> {
    use crate::value::Scalar;
    use crate::value::SqlType as T;
    use sqlx::postgres::PgBindIterExt as _;
    macro_rules! array {
        ($variant:ident, |$x:ident| $e:expr) => {
            args.add(
                elements
                    .map(|v| match v {
                        Some(Scalar::Value(Value::$variant($x))) => Some($e),
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
        // Text and bytes: a value's, or borrowed from an inserted row.
        // A native enum's labels go as text, cast to the type's array in the SQL.
        T::Text | T::Enum(_) => args.add(
            elements
                .map(|v| match v {
                    Some(Scalar::Value(Value::Text(s) | Value::Enum(_, s))) => Some(s.as_str()),
                    Some(Scalar::Text(s)) => Some(s),
                    _ => None,
                })
                .bind_iter(),
        ),
        T::Blob => args.add(
            elements
                .map(|v| match v {
                    Some(Scalar::Value(Value::Bytes(b))) => Some(b.as_slice()),
                    Some(Scalar::Bytes(b)) => Some(b),
                    _ => None,
                })
                .bind_iter(),
        ),
        #[cfg(feature = "chrono")]
        T::Timestamp => array!(Timestamp, |t| *t),
        #[cfg(feature = "chrono")]
        T::LocalTimestamp => array!(LocalTimestamp, |t| *t),
        #[cfg(feature = "chrono")]
        T::Date => array!(Date, |d| *d),
        #[cfg(feature = "chrono")]
        T::Time => array!(Time, |t| *t),
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
#[cfg(feature = "json")]
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

#[cfg(feature = "json")]
type PgJsonNull = sqlx::types::Json<Box<serde_json::value::RawValue>>;
#[cfg(not(feature = "json"))]
type PgJsonNull = String;
#[cfg(feature = "rust_decimal")]
type PgDecimalNull = rust_decimal::Decimal;
#[cfg(not(feature = "rust_decimal"))]
type PgDecimalNull = String;

/// A value as the server sent it, for the types weft decodes itself.
#[cfg(any(feature = "chrono", feature = "rust_decimal"))]
enum PgRaw<'r> {
    Text(&'r str),
    Binary(&'r [u8]),
}

/// Column `idx` of `row`, raw, after checking that it is not NULL and that its type is one of
/// `types` (PostgreSQL's names: `NUMERIC`, `TIMESTAMPTZ`, …).
#[cfg(any(feature = "chrono", feature = "rust_decimal"))]
fn pg_raw<'r>(
    row: &'r PgRow,
    idx: usize,
    types: &[&str],
) -> std::result::Result<PgRaw<'r>, String> {
    use sqlx::postgres::PgValueFormat;
    use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
    let raw = row.try_get_raw(idx).map_err(common::decode_message)?;
    if raw.is_null() {
        return Err(UNEXPECTED_NULL.to_owned());
    }
    let ty = raw.type_info();
    if !types.contains(&ty.name()) {
        return Err(format!(
            "expected a {} column, found {}",
            types.join(" or "),
            ty.name()
        ));
    }
    let err = |e: sqlx::error::BoxDynError| e.to_string();
    Ok(match raw.format() {
        PgValueFormat::Binary => PgRaw::Binary(raw.as_bytes().map_err(err)?),
        PgValueFormat::Text => PgRaw::Text(raw.as_str().map_err(err)?),
    })
}

/// A chrono value: weft reads it itself, since sqlx's decoder panics on `infinity` and on
/// values outside chrono's range.
#[cfg(feature = "chrono")]
fn pg_chrono<T>(
    row: &PgRow,
    idx: usize,
    ty: &str,
    what: &str,
    binary: impl FnOnce(&[u8]) -> std::result::Result<T, String>,
    text: impl FnOnce(&str) -> Option<T>,
) -> std::result::Result<T, String> {
    match pg_raw(row, idx, &[ty])? {
        PgRaw::Binary(raw) => binary(raw),
        PgRaw::Text(s) => text(s).ok_or_else(|| crate::time::not_a(what, s)),
    }
}

/// Column `idx` read as an `i64` exactly when it is a NUMERIC (`None` when it is not one).
#[cold]
fn numeric_i64(row: &PgRow, idx: usize) -> Option<std::result::Result<i64, String>> {
    use sqlx::postgres::PgValueFormat;
    use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
    let raw = row.try_get_raw(idx).ok()?;
    if raw.is_null() || raw.type_info().name() != "NUMERIC" {
        return None;
    }
    let err = |e: sqlx::error::BoxDynError| e.to_string();
    Some(match raw.format() {
        PgValueFormat::Binary => raw
            .as_bytes()
            .map_err(err)
            .and_then(crate::value::column::pg_numeric_i64),
        PgValueFormat::Text => raw
            .as_str()
            .map_err(err)
            .and_then(crate::value::column::exact_i64),
    })
}

/// The OIDs of `INT8`, `TEXT` and `VARCHAR`.
const INT8: Oid = Oid(20);
const TEXT: Oid = Oid(25);
const VARCHAR: Oid = Oid(1043);

/// The type of column `idx`, by OID (`None` past the last column or for a type sqlx has no
/// OID for yet).
#[inline]
fn column_oid(row: &PgRow, idx: usize) -> Option<Oid> {
    use sqlx::{Column as _, Row as _};
    row.columns().get(idx)?.type_info().oid()
}

/// Column `idx` when it is a non-NULL `INT8` sent in binary: read straight from the row. A
/// key or id is read this way once per row, and sqlx's checked `try_get` compares type
/// descriptions each time (bench/RESULTS.md, W5). Anything else (`None`) takes the checked
/// path, whose errors are the ones weft reports.
#[inline]
fn int8(row: &PgRow, idx: usize) -> Option<i64> {
    use sqlx::Row as _;
    use sqlx::postgres::PgValueFormat;
    if column_oid(row, idx) != Some(INT8) {
        return None;
    }
    let raw = row.try_get_raw(idx).ok()?;
    if raw.format() != PgValueFormat::Binary {
        return None;
    }
    let bytes: [u8; 8] = raw.as_bytes().ok()?.try_into().ok()?;
    Some(i64::from_be_bytes(bytes))
}

/// Column `idx` when it is a non-NULL `TEXT` or `VARCHAR` holding UTF-8 (in either format
/// the value is its text's bytes): borrowed straight from the row, as [`int8`] reads.
#[inline]
fn plain_text(row: &PgRow, idx: usize) -> Option<&str> {
    use sqlx::Row as _;
    if !matches!(column_oid(row, idx), Some(TEXT | VARCHAR)) {
        return None;
    }
    let raw = row.try_get_raw(idx).ok()?;
    std::str::from_utf8(raw.as_bytes().ok()?).ok()
}

impl ColumnSource for PgRow {
    #[inline]
    fn column_count(&self) -> usize {
        super::sqlx_common::column_count(self)
    }

    #[inline]
    fn column_name(&self, idx: usize) -> &str {
        super::sqlx_common::column_name(self, idx)
    }

    #[inline]
    fn is_null(&self, idx: usize) -> bool {
        common::is_null(self, idx)
    }

    #[inline]
    fn bool(&self, idx: usize) -> std::result::Result<bool, String> {
        get(self, idx)
    }

    #[inline]
    fn i16(&self, idx: usize) -> std::result::Result<i16, String> {
        get(self, idx)
    }

    #[inline]
    fn i32(&self, idx: usize) -> std::result::Result<i32, String> {
        get(self, idx)
    }

    // A sum of BIGINTs is NUMERIC: read exactly when it is an integer that fits.
    #[inline]
    fn i64(&self, idx: usize) -> std::result::Result<i64, String> {
        if let Some(i) = int8(self, idx) {
            return Ok(i);
        }
        get(self, idx).or_else(|e| numeric_i64(self, idx).unwrap_or(Err(e)))
    }

    fn u64(&self, idx: usize) -> std::result::Result<u64, String> {
        let int: i64 = get(self, idx)?;
        u64::try_from(int).map_err(|_| format!("{int} is not an unsigned integer"))
    }

    #[inline]
    fn f32(&self, idx: usize) -> std::result::Result<f32, String> {
        get(self, idx)
    }

    #[inline]
    fn f64(&self, idx: usize) -> std::result::Result<f64, String> {
        get(self, idx)
    }

    #[inline]
    fn text(&self, idx: usize) -> std::result::Result<&str, String> {
        if let Some(text) = plain_text(self, idx) {
            return Ok(text);
        }
        // Borrowed; a failure says what the owned `String` decoder says. A native enum's
        // value is its label's text (sqlx's `&str` does not accept user-defined types).
        sqlx::Row::try_get::<&str, _>(self, idx).or_else(|_| {
            if is_enum(self, idx) {
                sqlx::Row::try_get_unchecked::<&str, _>(self, idx).map_err(common::decode_message)
            } else {
                Err(owned_error::<String>(self, idx))
            }
        })
    }

    #[inline]
    fn bytes(&self, idx: usize) -> std::result::Result<&[u8], String> {
        sqlx::Row::try_get::<&[u8], _>(self, idx).map_err(|_| owned_error::<Vec<u8>>(self, idx))
    }

    #[cfg(feature = "chrono")]
    fn timestamp(&self, idx: usize) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
        pg_chrono(
            self,
            idx,
            "TIMESTAMPTZ",
            "Timestamp",
            |raw| crate::time::pg_timestamp(raw).map(|t| t.and_utc()),
            crate::time::parse_utc,
        )
    }

    #[cfg(feature = "chrono")]
    fn local_timestamp(&self, idx: usize) -> std::result::Result<chrono::NaiveDateTime, String> {
        pg_chrono(
            self,
            idx,
            "TIMESTAMP",
            "LocalTimestamp",
            crate::time::pg_timestamp,
            crate::time::parse_naive,
        )
    }

    #[cfg(feature = "chrono")]
    fn date(&self, idx: usize) -> std::result::Result<chrono::NaiveDate, String> {
        pg_chrono(
            self,
            idx,
            "DATE",
            "Date",
            crate::time::pg_date,
            crate::time::parse_date,
        )
    }

    #[cfg(feature = "chrono")]
    fn time(&self, idx: usize) -> std::result::Result<chrono::NaiveTime, String> {
        get(self, idx)
    }

    #[cfg(feature = "uuid")]
    fn uuid(&self, idx: usize) -> std::result::Result<uuid::Uuid, String> {
        get(self, idx)
    }

    // sqlx's own NUMERIC decoding rounds digits past rust_decimal's scale away; weft reads the
    // digits itself and refuses what does not fit.
    #[cfg(feature = "rust_decimal")]
    fn decimal(&self, idx: usize) -> std::result::Result<rust_decimal::Decimal, String> {
        match pg_raw(self, idx, &["NUMERIC"])? {
            PgRaw::Text(text) => crate::decimal::parse_decimal(text),
            PgRaw::Binary(bytes) => {
                crate::decimal::parse_decimal(&crate::decimal::pg_numeric_text(bytes)?)
            }
        }
    }

    #[cfg(feature = "json")]
    fn json(&self, idx: usize) -> std::result::Result<&str, String> {
        type Borrowed<'r> = sqlx::types::Json<&'r serde_json::value::RawValue>;
        type Owned = sqlx::types::Json<Box<serde_json::value::RawValue>>;
        sqlx::Row::try_get::<Borrowed<'_>, _>(self, idx)
            .map(|json| json.0.get())
            .map_err(|_| owned_error::<Owned>(self, idx))
    }
}

/// Whether column `idx` is of a user-defined enum type (`CREATE TYPE … AS ENUM`).
#[cold]
fn is_enum(row: &PgRow, idx: usize) -> bool {
    use sqlx::postgres::PgTypeKind;
    use sqlx::{Row as _, ValueRef as _};
    row.try_get_raw(idx)
        .is_ok_and(|raw| matches!(raw.type_info().kind(), PgTypeKind::Enum(_)))
}

/// Why column `idx` does not decode as `T` (the owned type a borrowed read stands for).
#[cold]
fn owned_error<T>(row: &PgRow, idx: usize) -> String
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    match get::<_, T>(row, idx) {
        Err(message) => message,
        Ok(_) => "the value could not be borrowed from the row".to_owned(),
    }
}

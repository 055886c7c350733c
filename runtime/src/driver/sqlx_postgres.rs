//! PostgreSQL through sqlx: bind encoding (typed NULLs, arrays, raw JSONB) and retrying a
//! statement whose cached plan went stale; reading a row's columns is `row.rs`.

mod row;

use futures_util::future::BoxFuture;
use sqlx::Arguments as _;
use sqlx::postgres::PgArguments;

use super::server_pool::{Pooled, ServerPool, Source};
use super::sqlx_binds::{add_null, add_value, encode_all};
use super::sqlx_common::{
    self as common, acquire_error, query_error, sqlx_execute, sqlx_fetch, transaction_error,
};
use super::sqlx_common::{After, Held as _};
use super::{Connection, Driver, RowSink, Rows, Server};
use crate::backend::Backend;
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

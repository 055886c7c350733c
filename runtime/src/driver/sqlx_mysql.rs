//! The MySQL family (MariaDB and MySQL proper) through sqlx: the server's version and
//! `max_allowed_packet`, bind encoding, closing a connection a cancelled statement left out of
//! step, and reading TINYINT(1) booleans and padded DECIMALs strictly.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::Arguments as _;
use sqlx::mysql::{MySqlArguments, MySqlRow};

use super::server_pool::{Pooled, ServerPool, Source};
use super::sqlx_binds::{add_null, add_value, encode_all, scalar};
use super::sqlx_common::{
    self as common, acquire_error, get, query_error, sqlx_execute, sqlx_fetch, transaction_error,
};
use super::sqlx_common::{After, Held as _};
use super::{Connection, Driver, RowSink, Rows, Server};
use crate::backend::Backend;
use crate::decode::{ColumnSource, int_bool};
use crate::dialect::Stmt;
use crate::error::{Error, Result};
use crate::value::Value;

/// A MySQL or MariaDB pool: weft's own (`Db::connect`) or a sqlx pool it was given.
pub(crate) struct MySqlDriver {
    pool: Source<sqlx::MySql>,
    server: Server,
}

impl MySqlDriver {
    /// Wraps a sqlx pool, asking the server its version and the largest statement it accepts
    /// (`max_allowed_packet`, read once here).
    pub(crate) async fn from_pool(pool: sqlx::MySqlPool) -> Result<Self> {
        MySqlDriver::new(Source::Sqlx(pool)).await
    }

    /// Wraps weft's own pool (`Db::connect`), asking the server the same.
    pub(super) async fn from_own_pool(pool: Arc<ServerPool<sqlx::MySql>>) -> Result<Self> {
        MySqlDriver::new(Source::Own(pool)).await
    }

    async fn new(pool: Source<sqlx::MySql>) -> Result<Self> {
        let sql = "SELECT VERSION(), @@max_allowed_packet";
        let failed = |source| Error::Query {
            sql: sql.into(),
            source,
        };
        let mut conn = pool.acquire().await.map_err(failed)?;
        let (version, packet): (String, u64) = sqlx::query_as(sql)
            .fetch_one(conn.conn().map_err(failed)?)
            .await
            .map_err(failed)?;
        drop(conn);
        Ok(MySqlDriver {
            pool,
            server: Server {
                backend: Backend::MySql,
                version,
                max_packet: Some(usize::try_from(packet).unwrap_or(usize::MAX)),
            },
        })
    }
}

impl Driver for MySqlDriver {
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
            let args = arguments(stmt)?;
            let mut pooled = self.pooled(stmt).await?;
            let conn = pooled.conn().map_err(|source| query_error(stmt, source))?;
            let out = sqlx_fetch!(conn, stmt, args, rows, sink, true);
            pooled.finished(after(&out));
            out
        })
    }

    fn execute<'a>(&'a self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            let mut pooled = self.pooled(stmt).await?;
            let conn = pooled.conn().map_err(|source| query_error(stmt, source))?;
            let out = sqlx_execute!(conn, stmt, args);
            pooled.finished(after(&out));
            out
        })
    }

    fn acquire(&self) -> BoxFuture<'_, Result<Box<dyn Connection>>> {
        Box::pin(async move {
            let conn = self.pool.acquire().await.map_err(acquire_error)?;
            Ok(Box::new(MySqlConn(conn)) as Box<dyn Connection>)
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
            Ok(Box::new(MySqlConn(conn)) as Box<dyn Connection>)
        })
    }

    fn ends_transaction(&self, error: &Error) -> bool {
        ends_transaction(error)
    }
}

/// Whether `error`, raised inside a transaction, ended all of it (or came from the driver
/// itself: the connection's state is then unknown).
fn ends_transaction(error: &Error) -> bool {
    let Some(db) = common::database_error(error) else {
        return true;
    };
    // A deadlock (and, with `innodb_rollback_on_timeout`, a lock-wait timeout) rolls back
    // the whole InnoDB transaction; so does a lost connection.
    if let Some(e) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        && matches!(e.number(), 1205 | 1213)
    {
        return true;
    }
    let code = db.code();
    let code = code.as_deref().unwrap_or_default();
    code == "40001" || code.starts_with("08")
}

/// What a connection whose statement ended with `out` needs before the next one: nothing when
/// the statement ran or the server refused it with an error packet and goes on; a settle (a
/// ping, which drops it if dead) after the driver's own failure (I/O, protocol), when the
/// server ended the session (`Error::dead_connection`: shutdown, a killed connection, MySQL's
/// idle-session end), interrupted the statement (`ER_QUERY_INTERRUPTED`), or reported a
/// connection exception.
fn after<T>(out: &Result<T>) -> After {
    let Err(error) = out else {
        return After::Return;
    };
    let Some(db) = common::database_error(error) else {
        return After::Settle;
    };
    let ended = error.dead_connection().is_some()
        || db
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .is_some_and(|e| e.number() == 1317)
        || db.code().is_some_and(|code| code.starts_with("08"));
    if ended { After::Settle } else { After::Return }
}

impl MySqlDriver {
    /// A pooled connection for one statement, closed if dropped before the statement ends:
    /// cancelled mid-way it can be out of step with the server (sqlx does not recover it).
    async fn pooled(&self, sql: &Stmt<'_>) -> Result<Pooled<sqlx::MySql>> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|source| query_error(sql, source))?;
        conn.started(After::Close);
        Ok(conn)
    }
}

/// A connection held by a transaction or a relational load.
struct MySqlConn(Pooled<sqlx::MySql>);

impl MySqlConn {
    /// Runs `body` on the connection, marking it started and finished for its pool.
    async fn run<T>(
        &mut self,
        stmt: &Stmt<'_>,
        body: impl AsyncFnOnce(&mut sqlx::MySqlConnection) -> Result<T>,
    ) -> Result<T> {
        // Cancelled mid-way, the statement can leave the connection out of step: closed.
        self.0.started(After::Close);
        let out = match self.0.conn() {
            Ok(conn) => body(conn).await,
            Err(source) => Err(query_error(stmt, source)),
        };
        self.0.finished(after(&out));
        out
    }
}

impl Connection for MySqlConn {
    fn fetch<'a>(
        &'a mut self,
        stmt: &'a Stmt<'_>,
        rows: Rows,
        sink: &'a mut RowSink<'_>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            self.run(stmt, async |c| sqlx_fetch!(c, stmt, args, rows, sink, true))
                .await
        })
    }

    fn execute<'a>(&'a mut self, stmt: &'a Stmt<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let args = arguments(stmt)?;
            self.run(stmt, async |c| sqlx_execute!(c, stmt, args)).await
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

    // A connection whose statement was cancelled mid-way can be out of step with the server
    // (sqlx does not recover it): it is closed, never rolled back over.
    fn unusable_after_cancel(&self) -> bool {
        true
    }

    fn close_on_drop(&mut self) {
        self.0.close_on_drop();
    }

    fn close_if_dropped(&mut self, yes: bool) {
        self.0.close_if_dropped(yes);
    }
}

/// `sql`'s binds as MySQL arguments.
fn arguments(sql: &Stmt<'_>) -> Result<MySqlArguments> {
    encode_all(
        sql,
        Default::default(),
        |args: &mut MySqlArguments, bind| {
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

/// Column `idx` when it is a non-NULL signed `BIGINT`, read straight from the row: its eight
/// little-endian bytes. sqlx's checked `try_get` checks the type's compatibility and wraps the
/// value in its own result, about 120 instructions a value in a batched load's keys and ids.
///
/// The bytes are a binary-protocol value: weft sends every statement with `query_with`, whose
/// arguments sqlx always sends as a prepared statement's (`COM_STMT_EXECUTE`), and such rows
/// come back in the binary protocol (sqlx keeps the row's format to itself). A text-protocol
/// `BIGINT` of eight digits would be eight bytes too: `types::big_integers_of_every_width…`
/// reads such values back on every backend, so a change there fails a test, not a read.
/// Anything else (`None`) takes the checked path, whose errors are the ones weft reports.
#[inline]
fn bigint(row: &MySqlRow, idx: usize) -> Option<i64> {
    let i64_type = <i64 as sqlx::Type<sqlx::MySql>>::type_info();
    let bytes = value_bytes(row, idx, |ty| *ty == i64_type)?;
    Some(i64::from_le_bytes(bytes.try_into().ok()?))
}

/// Column `idx` when it is non-NULL text sqlx would read as `&str` (the same type check),
/// borrowed straight from the row as [`bigint`] reads: a string is its bytes in either
/// protocol.
#[inline]
fn plain_text(row: &MySqlRow, idx: usize) -> Option<&str> {
    let bytes = value_bytes(row, idx, <str as sqlx::Type<sqlx::MySql>>::compatible)?;
    std::str::from_utf8(bytes).ok()
}

/// The bytes of column `idx`'s value when its column's type passes `wanted`; `None` for a
/// NULL, a type `wanted` refuses or a column that is not there.
#[inline]
fn value_bytes(
    row: &MySqlRow,
    idx: usize,
    wanted: impl FnOnce(&sqlx::mysql::MySqlTypeInfo) -> bool,
) -> Option<&[u8]> {
    use sqlx::{Column as _, Row as _};
    if !wanted(row.columns().get(idx)?.type_info()) {
        return None;
    }
    let raw = row.try_get_raw(idx).ok()?;
    <&[u8] as sqlx::Decode<sqlx::MySql>>::decode(raw).ok()
}

impl ColumnSource for MySqlRow {
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

    // BOOLEAN is TINYINT(1), which holds -128..=127; sqlx reads any non-zero one as `true`.
    // The column's type is checked as a boolean, then its integer read.
    fn bool(&self, idx: usize) -> std::result::Result<bool, String> {
        get::<_, bool>(self, idx)?;
        let int =
            sqlx::Row::try_get_unchecked::<i8, _>(self, idx).map_err(common::decode_message)?;
        int_bool(int.into())
    }

    #[inline]
    fn i16(&self, idx: usize) -> std::result::Result<i16, String> {
        get(self, idx)
    }

    #[inline]
    fn i32(&self, idx: usize) -> std::result::Result<i32, String> {
        get(self, idx)
    }

    // A sum of integers is DECIMAL: read exactly when it is an integer that fits.
    #[inline]
    fn i64(&self, idx: usize) -> std::result::Result<i64, String> {
        if let Some(v) = bigint(self, idx) {
            return Ok(v);
        }
        get(self, idx).or_else(|e| decimal_i64(self, idx).unwrap_or(Err(e)))
    }

    #[inline]
    fn u64(&self, idx: usize) -> std::result::Result<u64, String> {
        get(self, idx)
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
        // Borrowed; a failure says what the owned `String` decoder says.
        sqlx::Row::try_get::<&str, _>(self, idx).map_err(|_| owned_error::<String>(self, idx))
    }

    #[inline]
    fn bytes(&self, idx: usize) -> std::result::Result<&[u8], String> {
        sqlx::Row::try_get::<&[u8], _>(self, idx).map_err(|_| owned_error::<Vec<u8>>(self, idx))
    }

    #[cfg(feature = "chrono")]
    fn timestamp(&self, idx: usize) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
        get(self, idx)
    }

    #[cfg(feature = "chrono")]
    fn local_timestamp(&self, idx: usize) -> std::result::Result<chrono::NaiveDateTime, String> {
        get(self, idx)
    }

    #[cfg(feature = "chrono")]
    fn date(&self, idx: usize) -> std::result::Result<chrono::NaiveDate, String> {
        get(self, idx)
    }

    #[cfg(feature = "chrono")]
    fn time(&self, idx: usize) -> std::result::Result<chrono::NaiveTime, String> {
        get(self, idx)
    }

    #[cfg(feature = "uuid")]
    fn uuid(&self, idx: usize) -> std::result::Result<uuid::Uuid, String> {
        get(self, idx)
    }

    // The server pads to the column's scale (DECIMAL(65,28)).
    #[cfg(feature = "rust_decimal")]
    fn decimal(&self, idx: usize) -> std::result::Result<rust_decimal::Decimal, String> {
        use sqlx::Row as _;
        // DECIMAL travels as text in MySQL's binary protocol; sqlx's type check only admits
        // `Decimal` for it, so read the text unchecked after checking the type.
        let ty = self
            .columns()
            .get(idx)
            .map(|c| sqlx::Column::type_info(c).to_string())
            .unwrap_or_default();
        if ty != "DECIMAL" {
            return Err(format!("expected a DECIMAL column, found {ty}"));
        }
        let text: &str = self
            .try_get_unchecked(idx)
            .map_err(common::decode_message)?;
        crate::decimal::parse_decimal(crate::decimal::trim_padding(text))
    }

    #[cfg(feature = "json")]
    fn json(&self, idx: usize) -> std::result::Result<&str, String> {
        self.text(idx)
    }
}

/// Column `idx` read as an `i64` exactly when it is a DECIMAL (`None` when it is not one).
#[cold]
fn decimal_i64(row: &MySqlRow, idx: usize) -> Option<std::result::Result<i64, String>> {
    use sqlx::Row as _;
    let ty = row
        .columns()
        .get(idx)
        .map(|c| sqlx::Column::type_info(c).to_string())?;
    if ty != "DECIMAL" || common::is_null(row, idx) {
        return None;
    }
    // DECIMAL travels as text; sqlx's type check admits only `Decimal` for it.
    Some(
        row.try_get_unchecked::<&str, _>(idx)
            .map_err(common::decode_message)
            .and_then(crate::value::column::exact_i64),
    )
}

/// Why column `idx` does not decode as `T` (the owned type a borrowed read stands for).
#[cold]
fn owned_error<T>(row: &MySqlRow, idx: usize) -> String
where
    T: for<'r> sqlx::Decode<'r, sqlx::MySql> + sqlx::Type<sqlx::MySql>,
{
    match get::<_, T>(row, idx) {
        Err(message) => message,
        Ok(_) => "the value could not be borrowed from the row".to_owned(),
    }
}

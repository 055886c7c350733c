//! The one error type of weft.

use crate::backend::Backend;

/// Everything that can go wrong in weft. Errors that come from a statement carry its SQL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL names a backend this build does not include, or no backend at all.
    #[error("cannot connect to `{url}`: {reason}")]
    Url {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Connecting failed.
    #[error("cannot connect to `{url}`: {source}")]
    Connect {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// The database refused or failed a statement.
    #[error("{source}\n  while running: {sql}")]
    Query {
        /// The SQL that failed.
        sql: String,
        /// What the driver or database said.
        source: sqlx::Error,
    },
    /// A column's value could not be read into its Rust type.
    #[error("cannot decode column `{table}.{column}`: {message}\n  while running: {sql}")]
    Decode {
        /// The table (or `?` for computed columns).
        table: &'static str,
        /// The column.
        column: &'static str,
        /// Why.
        message: String,
        /// The statement whose result it was.
        sql: String,
    },
    /// A bind value cannot be stored exactly on this backend (for example NaN on SQLite,
    /// nanoseconds on PostgreSQL). Nothing was sent.
    #[error(
        "cannot bind parameter {index} on {backend} without losing data: {reason}\n  in: {sql}"
    )]
    Value {
        /// 1-based position of the bind parameter.
        index: usize,
        /// The backend.
        backend: Backend,
        /// Why.
        reason: String,
        /// The statement that was not run.
        sql: String,
    },
    /// The query needs a feature this backend lacks. Nothing was sent.
    #[error("{what} is not supported on {backend}: {hint}")]
    Unsupported {
        /// The feature.
        what: &'static str,
        /// The backend.
        backend: Backend,
        /// What to do instead.
        hint: &'static str,
    },
    /// A server limit cut a result short (MariaDB cuts aggregated JSON at `max_allowed_packet`
    /// with only a warning). The cut result is refused, never returned.
    #[error("{backend}'s {limit} ({value} bytes) cut {what}: {hint}\n  while running: {sql}")]
    Limit {
        /// The backend.
        backend: Backend,
        /// The server setting that is the limit (e.g. `max_allowed_packet`).
        limit: &'static str,
        /// Its value in this session.
        value: u64,
        /// What was cut.
        what: String,
        /// How to get the result anyway.
        hint: &'static str,
        /// The statement whose result it was.
        sql: String,
    },
    /// A query that must return a row returned none.
    #[error("the query returned no row\n  while running: {sql}")]
    NotFound {
        /// The statement.
        sql: String,
    },
    /// A statement failed earlier in this transaction (or savepoint), so it can run nothing
    /// more and cannot commit: on every backend, as PostgreSQL requires. It was rolled back
    /// when this refused its commit. Nothing of it is stored.
    #[error(
        "the transaction was aborted by an earlier failure, so its {action} was refused{}; \
         the statement that failed: {failed_sql}\n  with: {cause}",
        sql.as_deref().map(|s| format!(" (not run: {s})")).unwrap_or_default()
    )]
    TransactionAborted {
        /// What was refused: `statement`, `begin` (a savepoint) or `commit`.
        action: &'static str,
        /// The statement refused, when a statement was.
        sql: Option<String>,
        /// The earlier statement that failed (or was cancelled).
        failed_sql: String,
        /// How it failed.
        cause: String,
    },
    /// PostgreSQL refused a prepared statement the connection had cached, because a table it
    /// reads changed under it (`ALTER TABLE … TYPE` behind weft's back), inside a transaction,
    /// which the failure aborted. weft cleared the connection's statement cache: run the
    /// transaction again. (Outside a transaction weft clears the cache and retries itself.)
    #[error(
        "a table changed under a statement this connection had prepared ({source}); the \
         transaction is aborted: roll it back and run it again (the statement cache was \
         cleared)\n  while running: {sql}"
    )]
    StaleStatement {
        /// The SQL that failed.
        sql: String,
        /// What the database said.
        source: sqlx::Error,
    },
    /// The only connection of an in-memory SQLite database is held by a transaction this
    /// task opened, so a statement on the `Db` handle could never get one. Nothing was sent.
    #[error(
        "the in-memory SQLite database's only connection is held by an open transaction of \
         this task: run the statement on the transaction (`&mut tx`), or commit it first\n  \
         not run: {sql}"
    )]
    Busy {
        /// The statement that was not run.
        sql: String,
    },
    /// A statement ran longer than the timeout weft was asked to keep
    /// ([`Db::with_statement_timeout`](crate::Db::with_statement_timeout),
    /// [`Db::set_statement_timeout`](crate::Db::set_statement_timeout)) and was stopped: by the
    /// server where the dialect can (PostgreSQL's `statement_timeout`, MariaDB's
    /// `max_statement_time`, MySQL's `MAX_EXECUTION_TIME` for a `SELECT`; `source` is then what
    /// it said), otherwise by weft giving up on it (`source` is `None`: SQLite, where the
    /// statement is interrupted, or its connection closed). Inside a transaction, the
    /// transaction is aborted. The connection it ran on is usable afterwards, or was closed;
    /// never left with the timeout set. [`Error::is_timeout`] also recognises a timeout set
    /// on the server itself.
    #[error(
        "the statement ran longer than its timeout ({after:?}) and was stopped{}\n  while running: {sql}",
        source.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
    )]
    Timeout {
        /// The statement that was stopped.
        sql: String,
        /// The timeout it was given.
        after: std::time::Duration,
        /// What the server said, when it stopped the statement (`None`: weft stopped waiting).
        source: Option<sqlx::Error>,
    },
    /// An expression is nested deeper than weft renders. Nothing was sent.
    #[error(
        "the expression is nested deeper than {limit} levels, which weft refuses (chained \
         `filter`, `and` and `or` calls do not nest; deep `not`, function or relation filter \
         nesting does)\n  in: {sql}"
    )]
    TooDeep {
        /// The deepest nesting weft renders.
        limit: usize,
        /// The statement that was not run.
        sql: String,
    },
    /// The statement has more bind parameters than the backend takes in one statement
    /// (SQLite: 32,766). weft binds a long `IN` list as one parameter, except where that would
    /// not carry the values exactly (floats on SQLite). Nothing was sent.
    #[error(
        "the statement has {count} bind parameters, more than {backend} takes in one statement ({limit}): {hint}\n  in: {sql}"
    )]
    TooManyBinds {
        /// The backend.
        backend: Backend,
        /// The most it binds in one statement.
        limit: usize,
        /// How many the statement has.
        count: usize,
        /// What to do instead.
        hint: &'static str,
        /// The statement that was not run.
        sql: String,
    },
    /// Beginning, committing or rolling back a transaction failed.
    #[error("transaction {action} failed: {source}")]
    Transaction {
        /// `begin`, `commit` or `rollback`.
        action: &'static str,
        /// What the driver said.
        source: sqlx::Error,
    },
    /// An update sets no column: every value of a PATCH-style update
    /// ([`Update::set_some`](crate::Update::set_some), [`set_if`](crate::Update::set_if)) was
    /// left out. `UPDATE … SET` with nothing to set is not SQL, so nothing was sent; check
    /// [`Update::is_empty`](crate::Update::is_empty) first to answer such a request yourself.
    #[error(
        "the update of `{table}` sets no column (every optional value was left out), so nothing \
         was sent: check `Update::is_empty()` before running it"
    )]
    EmptyUpdate {
        /// The table the update was for.
        table: &'static str,
    },
    /// Hand-written SQL ([`raw`](crate::raw), [`sql`](crate::sql)) cannot be sent as written,
    /// or its rows do not fit the type asked for: its `?` placeholders and bound values
    /// disagree in number, a literal `?` where `?` is the placeholder, a column the row type
    /// needs is missing or ambiguous, or a column cannot be read as its Rust type. Errors of
    /// the text are found before anything is sent.
    #[error("raw SQL: {reason}\n  in: {sql}")]
    RawSql {
        /// What is wrong, naming the column or placeholder.
        reason: String,
        /// The statement (as it would be sent).
        sql: String,
    },
    /// A schema change or a migration cannot go ahead: a schema that is not valid, a snapshot
    /// that cannot be read, ambiguous renames in a non-interactive run, a change that would
    /// lose data without being allowed, an applied migration whose file changed, a missing
    /// migrations folder. `what` names the migration, file or table; `reason` says why and
    /// how to go on.
    #[error("{what}: {reason}")]
    Migration {
        /// The migration, file, folder or table concerned.
        what: String,
        /// What is wrong, and how to fix it.
        reason: String,
    },
}

impl Error {
    /// The SQL of the statement this error is about, if any.
    pub fn sql(&self) -> Option<&str> {
        match self {
            Error::Query { sql, .. }
            | Error::StaleStatement { sql, .. }
            | Error::Decode { sql, .. }
            | Error::Value { sql, .. }
            | Error::Limit { sql, .. }
            | Error::Busy { sql }
            | Error::TooDeep { sql, .. }
            | Error::TooManyBinds { sql, .. }
            | Error::RawSql { sql, .. }
            | Error::NotFound { sql }
            | Error::Timeout { sql, .. } => Some(sql),
            Error::TransactionAborted { sql, .. } => sql.as_deref(),
            _ => None,
        }
    }

    /// The database's own error (constraint violations and the like), if this is one.
    pub fn as_database_error(&self) -> Option<&(dyn sqlx::error::DatabaseError + 'static)> {
        match self {
            Error::Query { source, .. } | Error::StaleStatement { source, .. } => {
                source.as_database_error()
            }
            _ => None,
        }
    }
}

impl Error {
    /// Whether a statement ran longer than a timeout and was stopped: [`Error::Timeout`] (a
    /// timeout given through weft), or the server's own timeout error for one set on the
    /// server or in the URL (PostgreSQL `57014` "canceling statement due to statement
    /// timeout", MariaDB 1969, MySQL 3024). Not a conflict: running the statement again
    /// would meet the same timeout.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> weft::Result<()> {
    /// let db = weft::Db::connect("sqlite::memory:").await?;
    /// let slow = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1e10) \
    ///             SELECT COUNT(*) FROM c";
    /// let quick = db.with_statement_timeout(std::time::Duration::from_millis(50));
    /// let err = weft::raw(slow).fetch_one::<i64, _>(&quick).await.unwrap_err();
    /// assert!(err.is_timeout());
    /// # Ok(()) }
    /// ```
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Query { source, .. } => server_timeout(source),
            _ => false,
        }
    }
}

/// Whether `source` is the server saying it stopped a statement at its timeout.
pub(crate) fn server_timeout(source: &sqlx::Error) -> bool {
    let Some(db) = source.as_database_error() else {
        return false;
    };
    #[cfg(feature = "postgres")]
    if let Some(e) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        // 57014 is any cancelled statement; only this message is a timeout's.
        return e.code() == "57014" && e.message().contains("statement timeout");
    }
    #[cfg(feature = "mysql")]
    if let Some(e) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        // MariaDB's max_statement_time, MySQL's MAX_EXECUTION_TIME.
        return matches!(e.number(), 1969 | 3024);
    }
    let _ = db;
    false
}

/// Whether SQLite stopped the statement because it was interrupted (`SQLITE_INTERRUPT`):
/// weft's native driver does so at a client-side statement timeout's deadline.
pub(crate) fn interrupted(source: &sqlx::Error) -> bool {
    #[cfg(feature = "sqlite")]
    if let Some(e) = source
        .as_database_error()
        .and_then(|db| db.try_downcast_ref::<NativeSqliteError>())
    {
        return e.primary() == 9;
    }
    let _ = source;
    false
}

/// Why the database ended a transaction in a way that running it again may cure: it
/// conflicted with another transaction. [`Error::conflict`] reads it from an error;
/// [`Db::transaction_with_retry`](crate::Db::transaction_with_retry) runs the transaction
/// again on these and on nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Conflict {
    /// A serialization failure: SQLSTATE `40001` (PostgreSQL under `REPEATABLE READ` or
    /// `SERIALIZABLE`, CockroachDB always; on the MySQL family, any `40001` that is not a
    /// deadlock).
    Serialization,
    /// A deadlock, the transaction chosen as its victim: PostgreSQL's `40P01`, MySQL and
    /// MariaDB's error 1213. A Galera cluster reports its certification failure (another
    /// node committed a write to the same row first) as this error too.
    Deadlock,
    /// MySQL and MariaDB's error 1205: a lock was waited for longer than
    /// `innodb_lock_wait_timeout`.
    LockTimeout,
    /// SQLite's `SQLITE_BUSY` (and its extended codes, such as `SQLITE_BUSY_SNAPSHOT`):
    /// another connection holds the lock, or wrote since this transaction's snapshot.
    Busy,
}

impl Error {
    /// The conflict with another transaction this error reports, if it is one (see
    /// [`Conflict`]): the errors worth running the whole transaction again for.
    ///
    /// [`Error::Busy`] is not one: it is this task holding the only connection of an
    /// in-memory SQLite database, which waiting does not cure.
    pub fn conflict(&self) -> Option<Conflict> {
        let source = match self {
            Error::Query { source, .. }
            | Error::StaleStatement { source, .. }
            | Error::Transaction { source, .. } => source,
            _ => return None,
        };
        classify(source.as_database_error()?)
    }
}

/// How a statement's connection turned out to be dead (see [`Error::dead_connection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dead {
    /// The server said it had ended the session (PostgreSQL `57P01` administrator shutdown or
    /// `pg_terminate_backend`, `57P02` crash shutdown, `57P05` idle-session timeout; MariaDB
    /// 1927 connection killed, MySQL 4031 idle timeout, 1053 shutdown): nothing of the
    /// statement was committed. (SQLite has no server: only the client-server drivers
    /// report it.)
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    Ended,
    /// The socket failed (closed, reset): whether the statement ran is unknown.
    Lost,
}

impl Error {
    /// Whether this error says the statement's connection was dead, and how.
    pub(crate) fn dead_connection(&self) -> Option<Dead> {
        let Error::Query { source, .. } = self else {
            return None;
        };
        if matches!(source, sqlx::Error::Io(_)) {
            return Some(Dead::Lost);
        }
        let db = source.as_database_error()?;
        #[cfg(feature = "postgres")]
        if let Some(e) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            return matches!(e.code(), "57P01" | "57P02" | "57P05").then_some(Dead::Ended);
        }
        #[cfg(feature = "mysql")]
        if let Some(e) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            return matches!(e.number(), 1053 | 1927 | 4031).then_some(Dead::Ended);
        }
        let _ = db;
        None
    }
}

/// The conflict a database error reports, by each driver's codes.
fn classify(db: &(dyn sqlx::error::DatabaseError + 'static)) -> Option<Conflict> {
    #[cfg(feature = "postgres")]
    if let Some(e) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return match e.code() {
            "40001" => Some(Conflict::Serialization),
            "40P01" => Some(Conflict::Deadlock),
            _ => None,
        };
    }
    #[cfg(feature = "mysql")]
    if let Some(e) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return match e.number() {
            1213 => Some(Conflict::Deadlock),
            1205 => Some(Conflict::LockTimeout),
            _ if e.code() == Some("40001") => Some(Conflict::Serialization),
            _ => None,
        };
    }
    #[cfg(feature = "sqlite")]
    if let Some(e) = db.try_downcast_ref::<NativeSqliteError>() {
        return (e.primary() == 5).then_some(Conflict::Busy);
    }
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // The extended result code; its low byte is the primary code (5: SQLITE_BUSY).
        let primary = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map_or(0, |c| c & 0xff);
        return (primary == 5).then_some(Conflict::Busy);
    }
    let _ = db;
    None
}

/// An error SQLite returned through weft's native SQLite driver: its extended result code
/// and message, carried as a database error of sqlx's error type (which every `Error`
/// holds), so that `Error::as_database_error`, `Error::conflict` and the constraint kinds
/// read the same whichever SQLite driver ran the statement.
#[cfg(feature = "sqlite")]
#[derive(Debug)]
pub struct NativeSqliteError {
    pub(crate) code: i32,
    pub(crate) message: String,
}

#[cfg(feature = "sqlite")]
impl NativeSqliteError {
    /// The primary result code (the low byte of the extended one).
    pub(crate) fn primary(&self) -> i32 {
        self.code & 0xff
    }
}

/// Shown as sqlx shows SQLite's errors: `(code: 2067) UNIQUE constraint failed: t.c`.
#[cfg(feature = "sqlite")]
impl std::fmt::Display for NativeSqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

#[cfg(feature = "sqlite")]
impl std::error::Error for NativeSqliteError {}

#[cfg(feature = "sqlite")]
impl sqlx::error::DatabaseError for NativeSqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(std::borrow::Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        use sqlx::error::ErrorKind;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The URL with any password masked, for error messages.
pub(crate) fn redact_url(url: &str) -> String {
    // scheme://user:password@host → scheme://user:***@host
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        if let Some(at) = rest.find('@') {
            let creds = &rest[..at];
            if let Some(colon) = creds.find(':') {
                return format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &creds[..colon],
                    &rest[at..]
                );
            }
        }
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("sqlite::memory:"), "sqlite::memory:");
    }
}

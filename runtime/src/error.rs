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
    /// Beginning, committing or rolling back a transaction failed.
    #[error("transaction {action} failed: {source}")]
    Transaction {
        /// `begin`, `commit` or `rollback`.
        action: &'static str,
        /// What the driver said.
        source: sqlx::Error,
    },
}

impl Error {
    /// The SQL of the statement this error is about, if any.
    pub fn sql(&self) -> Option<&str> {
        match self {
            Error::Query { sql, .. }
            | Error::Decode { sql, .. }
            | Error::Value { sql, .. }
            | Error::Limit { sql, .. }
            | Error::NotFound { sql } => Some(sql),
            _ => None,
        }
    }

    /// The database's own error (constraint violations and the like), if this is one.
    pub fn as_database_error(&self) -> Option<&(dyn sqlx::error::DatabaseError + 'static)> {
        match self {
            Error::Query { source, .. } => source.as_database_error(),
            _ => None,
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

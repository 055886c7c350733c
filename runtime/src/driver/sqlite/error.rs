//! SQLite's errors, as weft reports them: the extended result code and SQLite's message,
//! carried as a database error of sqlx's error type (which every `weft::Error` holds), so
//! that `Error::as_database_error`, `Error::conflict` and the constraint kinds read the same
//! whichever SQLite driver ran the statement.

use std::borrow::Cow;
use std::fmt;

use rusqlite::ffi;
use sqlx::error::{DatabaseError, ErrorKind};

/// An error SQLite returned: its extended result code and message.
#[derive(Debug)]
pub struct NativeSqliteError {
    code: i32,
    message: String,
}

impl NativeSqliteError {
    /// The primary result code (the low byte of the extended one).
    pub(crate) fn primary(&self) -> i32 {
        self.code & 0xff
    }
}

/// Shown as sqlx shows SQLite's errors: `(code: 2067) UNIQUE constraint failed: t.c`.
impl fmt::Display for NativeSqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for NativeSqliteError {}

impl DatabaseError for NativeSqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
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

    fn kind(&self) -> ErrorKind {
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

/// The primary result code of a failure SQLite reported (`None` for errors rusqlite raised
/// itself).
pub(super) fn primary(e: &rusqlite::Error) -> Option<i32> {
    match e {
        rusqlite::Error::SqliteFailure(err, _)
        | rusqlite::Error::SqlInputError { error: err, .. } => Some(err.extended_code & 0xff),
        _ => None,
    }
}

/// `e` as sqlx's error type: SQLite's own failures as database errors, anything rusqlite
/// raised itself (a statement that is not valid UTF-8, several statements with binds) as a
/// protocol error.
pub(super) fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(err, message) => {
            let message = message.unwrap_or_else(|| err.to_string());
            sqlx::Error::Database(Box::new(NativeSqliteError {
                code: err.extended_code,
                message,
            }))
        }
        // A statement SQLite could not prepare: its message, without rusqlite's additions.
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            sqlx::Error::Database(Box::new(NativeSqliteError {
                code: error.extended_code,
                message: msg,
            }))
        }
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// `SQLITE_BUSY`, as SQLite reports it when its busy timeout ran out.
pub(super) fn busy() -> sqlx::Error {
    sqlx::Error::Database(Box::new(NativeSqliteError {
        code: ffi::SQLITE_BUSY,
        message: "database is locked".to_owned(),
    }))
}

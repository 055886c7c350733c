//! SQLite's errors, as weft reports them: the extended result code and SQLite's message,
//! carried as a database error of sqlx's error type (which every `weft::Error` holds), so
//! that `Error::as_database_error`, `Error::conflict` and the constraint kinds read the same
//! whichever SQLite driver ran the statement.

use rusqlite::ffi;

pub(crate) use crate::error::NativeSqliteError;

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

//! SQLite errors into djorm's error kinds, by extended result code.

use djorm_core::{DatabaseErrorKind, Error, IntegrityKind};
use rusqlite::ffi;

/// Maps a driver error; constraint failures become `Error::Integrity` naming the columns
/// SQLite reports (`"blog_author.email"`).
pub fn map_error(e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(err, message) => {
            let message = message.unwrap_or_else(|| err.to_string());
            if err.code == rusqlite::ErrorCode::ConstraintViolation {
                let kind = match err.extended_code {
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => IntegrityKind::Unique,
                    ffi::SQLITE_CONSTRAINT_FOREIGNKEY => IntegrityKind::ForeignKey,
                    ffi::SQLITE_CONSTRAINT_NOTNULL => IntegrityKind::NotNull,
                    ffi::SQLITE_CONSTRAINT_CHECK => IntegrityKind::Check,
                    _ => IntegrityKind::Other,
                };
                let constraint = message.split_once(": ").map(|(_, c)| c.to_owned());
                return Error::Integrity { kind, constraint, message };
            }
            let kind = match err.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => DatabaseErrorKind::Busy,
                rusqlite::ErrorCode::TooBig => DatabaseErrorKind::Data,
                // As Python's sqlite3 chooses Django's exception classes.
                rusqlite::ErrorCode::Unknown
                | rusqlite::ErrorCode::PermissionDenied
                | rusqlite::ErrorCode::OperationAborted
                | rusqlite::ErrorCode::OperationInterrupted
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::SchemaChanged => DatabaseErrorKind::Operational,
                _ => DatabaseErrorKind::Other,
            };
            Error::Database { kind, sqlstate: Some(err.extended_code.to_string()), message }
        }
        // A statement SQLite refused while preparing it (a syntax error, a window function
        // misused): the same codes, without the statement's text in the message.
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            map_error(rusqlite::Error::SqliteFailure(error, Some(msg)))
        }
        other => Error::Database { kind: DatabaseErrorKind::Other, sqlstate: None, message: other.to_string() },
    }
}

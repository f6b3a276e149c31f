//! PostgreSQL errors into djorm's error kinds, by SQLSTATE.

use djorm_core::{Error, IntegrityKind};
use tokio_postgres::error::SqlState;

/// Maps a driver error; unique, foreign-key, not-null and check violations become
/// `Error::Integrity` naming the constraint.
pub fn map_error(e: tokio_postgres::Error) -> Error {
    let Some(db) = e.as_db_error() else {
        return if e.is_closed() {
            Error::Connection(e.to_string())
        } else {
            Error::Database { sqlstate: None, message: e.to_string() }
        };
    };
    let code = db.code();
    let kind = if *code == SqlState::UNIQUE_VIOLATION {
        Some(IntegrityKind::Unique)
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        Some(IntegrityKind::ForeignKey)
    } else if *code == SqlState::NOT_NULL_VIOLATION {
        Some(IntegrityKind::NotNull)
    } else if *code == SqlState::CHECK_VIOLATION {
        Some(IntegrityKind::Check)
    } else if code.code().starts_with("23") {
        Some(IntegrityKind::Other)
    } else {
        None
    };
    let message = match db.detail() {
        Some(detail) => format!("{}\nDETAIL:  {detail}", db.message()),
        None => db.message().to_owned(),
    };
    match kind {
        Some(kind) => Error::Integrity { kind, constraint: db.constraint().map(str::to_owned), message },
        None => Error::Database { sqlstate: Some(code.code().to_owned()), message },
    }
}

/// Maps a pool error (the server is unreachable, or the pool is closed).
pub fn map_pool_error(e: deadpool_postgres::PoolError) -> Error {
    match e {
        deadpool_postgres::PoolError::Backend(e) => match e.as_db_error() {
            Some(_) => map_error(e),
            None => Error::Connection(e.to_string()),
        },
        other => Error::Connection(other.to_string()),
    }
}

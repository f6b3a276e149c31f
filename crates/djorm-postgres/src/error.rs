//! PostgreSQL errors into djorm's error kinds, by SQLSTATE.

use djorm_core::{DatabaseErrorKind, Error, IntegrityKind};
use tokio_postgres::error::SqlState;

/// Maps a driver error; unique, foreign-key, not-null and check violations become
/// `Error::Integrity` naming the constraint.
pub fn map_error(e: tokio_postgres::Error) -> Error {
    let Some(db) = e.as_db_error() else {
        return if e.is_closed() || e.to_string().starts_with("error communicating") {
            Error::Connection(e.to_string())
        } else {
            Error::Database { kind: DatabaseErrorKind::Other, sqlstate: None, message: e.to_string() }
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
    if *code == SqlState::SYNTAX_ERROR && db.message().contains("cannot insert multiple commands") {
        return Error::InvalidQuery(djorm_core::MULTIPLE_STATEMENTS.into());
    }
    let mut message = match db.detail() {
        Some(detail) => format!("{}\nDETAIL:  {detail}", db.message()),
        None => db.message().to_owned(),
    };
    if (*code == SqlState::INVALID_SQL_STATEMENT_NAME || *code == SqlState::DUPLICATE_PSTATEMENT)
        && db.message().contains("prepared statement")
    {
        message.push_str(
            " (a connection pooler in transaction mode, such as pgbouncer's pool_mode = transaction, gives each \
             statement another server connection: set transaction_pooling=true)",
        );
    }
    if db.message().contains("unsupported startup parameter") {
        message.push_str(
            " (a connection pooler such as pgbouncer refuses startup options: set transaction_pooling=true behind \
             one in transaction mode, or statement_timeout=0 and lock_timeout=0 and set them on the server)",
        );
    }
    if *code == SqlState::INSUFFICIENT_PRIVILEGE
        && (db.message().starts_with("must be owner") || db.message().starts_with("permission denied for schema"))
    {
        message.push_str(
            " (schema changes need the role that owns the schema and its tables: run migrations as that role)",
        );
    }
    if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        message.push_str(" (this database accepts no writes, as a replica does: send writes to the primary)");
    }
    match kind {
        Some(kind) => Error::Integrity { kind, constraint: db.constraint().map(str::to_owned), message },
        None => Error::Database { kind: kind_of(code), sqlstate: Some(code.code().to_owned()), message },
    }
}

/// The kind of a SQLSTATE that is not an integrity violation.
fn kind_of(code: &SqlState) -> DatabaseErrorKind {
    if *code == SqlState::T_R_SERIALIZATION_FAILURE {
        DatabaseErrorKind::SerializationFailure
    } else if *code == SqlState::T_R_DEADLOCK_DETECTED {
        DatabaseErrorKind::Deadlock
    } else if *code == SqlState::LOCK_NOT_AVAILABLE {
        DatabaseErrorKind::LockNotAvailable
    } else {
        // By SQLSTATE class, as psycopg chooses Django's exception classes.
        match &code.code()[..2] {
            "22" => DatabaseErrorKind::Data,
            "20" | "21" | "3D" | "3F" | "42" | "44" => DatabaseErrorKind::Programming,
            "08" | "53" | "54" | "55" | "57" | "58" | "F0" | "HV" => DatabaseErrorKind::Operational,
            _ => DatabaseErrorKind::Other,
        }
    }
}

/// How a failed call left its connection, and whether running it again is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// The connection cannot be used again.
    pub broken: bool,
    /// The statement cannot have run, so another connection may run it.
    pub retry: bool,
}

/// Where a call was when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Preparing: parsing and describing only, nothing ran.
    Prepare,
    /// Running the statement.
    Run,
}

/// Classifies a driver error. When the server ends a session (57P01 admin shutdown, 57P02
/// crash shutdown, 57P03 cannot connect now) it reads no further statement and aborts the
/// one running, so a statement answered with that code, or lost on a connection the server
/// had `terminated` while it was idle, never ran. A connection lost while preparing ran
/// nothing; a read lost in flight can be read again. A write lost in flight any other way
/// may have committed: it is not retried.
pub(crate) fn outcome(e: &tokio_postgres::Error, stage: Stage, read: bool, terminated: bool) -> Outcome {
    match e.as_db_error() {
        Some(db) if db.code().code().starts_with("57P0") => Outcome { broken: true, retry: true },
        Some(_) => Outcome { broken: false, retry: false },
        // A parameter that could not be encoded was never sent: the connection is fine.
        None if e.to_string().starts_with("error serializing") => Outcome { broken: false, retry: false },
        None => Outcome { broken: true, retry: stage == Stage::Prepare || read || terminated },
    }
}

//! The one error type of djorm, with Django's names for what went wrong.

use std::collections::BTreeMap;
use std::fmt;

/// The message for SQL text holding more than one statement, which djorm refuses on every
/// backend instead of running only the first (SQLite's driver would) or some of them.
pub const MULTIPLE_STATEMENTS: &str = "the SQL holds more than one statement; run one statement per call \
     (a RunSQL operation takes a list, one string per statement)";

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in djorm, as matchable variants.
///
/// Messages never contain credentials: connection strings are redacted before they get here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `get()` found no row (Django's `Model.DoesNotExist`).
    #[error("{model} matching query does not exist.")]
    DoesNotExist {
        /// The model's name.
        model: &'static str,
    },
    /// `get()` found more than one row (Django's `MultipleObjectsReturned`).
    #[error("get() returned more than one {model} -- it returned {count}!")]
    MultipleObjectsReturned {
        /// The model's name.
        model: &'static str,
        /// How many rows matched.
        count: u64,
    },
    /// A field name or lookup that does not exist (Django's `FieldError`).
    #[error("{0}")]
    FieldError(String),
    /// A value the model rejects (Django's `ValidationError`), with messages per field.
    #[error("{0}")]
    Validation(ValidationError),
    /// The database refused a write because of a constraint (Django's `IntegrityError`).
    #[error("IntegrityError: {message}")]
    Integrity {
        /// Which kind of constraint.
        kind: IntegrityKind,
        /// The violated constraint's name, when the database reports it.
        constraint: Option<String>,
        /// The database's message.
        message: String,
    },
    /// A delete refused because PROTECT relations point at the rows (Django's
    /// `ProtectedError`); nothing was deleted.
    #[error("ProtectedError: {message}")]
    Protected {
        /// Django's message, naming the protecting relations.
        message: String,
        /// The protecting objects: (model label, primary key).
        objects: Vec<(String, djorm_sql::Value)>,
    },
    /// A delete refused because RESTRICT relations point at the rows and are not deleted
    /// through a CASCADE (Django's `RestrictedError`); nothing was deleted.
    #[error("RestrictedError: {message}")]
    Restricted {
        /// Django's message, naming the restricting relations.
        message: String,
        /// The restricting objects: (model label, primary key).
        objects: Vec<(String, djorm_sql::Value)>,
    },
    /// A query that cannot be run as asked (Django's `TypeError`s on querysets).
    #[error("{0}")]
    InvalidQuery(String),
    /// The model has no field of that name (Django's `FieldDoesNotExist`, as `update(nope=1)`
    /// raises it).
    #[error("{0}")]
    FieldDoesNotExist(String),
    /// A value a query cannot use (Django's `ValueError`: a number field given `'abc'`,
    /// `None` for a lookup other than `exact`, an unknown `dates()` kind).
    #[error("{0}")]
    InvalidValue(String),
    /// The backend cannot express what was asked.
    #[error("{what} is not supported on {backend}")]
    NotSupported {
        /// The backend's name.
        backend: &'static str,
        /// What was asked.
        what: String,
    },
    /// Bad or missing configuration.
    #[error("configuration error: {0}")]
    Config(String),
    /// A database alias the set does not have (Django's `ConnectionDoesNotExist`).
    #[error("The connection '{alias}' doesn't exist.{hint}")]
    ConnectionDoesNotExist {
        /// The alias asked for.
        alias: String,
        /// Where it would come from (` Set DATABASE_URL_REPLICA.`), or nothing.
        hint: String,
    },
    /// The database could not be reached or the connection broke.
    #[error("connection error: {0}")]
    Connection(String),
    /// A value read from the database does not fit the model field.
    #[error("cannot decode {0}")]
    Decode(String),
    /// A transaction used wrongly, or one that saw an error and can only be rolled back
    /// (Django's `TransactionManagementError`).
    #[error("TransactionManagementError: {0}")]
    TransactionManagement(String),
    /// A wait ran out: connecting, taking a pooled connection, a statement, a lock.
    #[error("timed out after {}: {what}", fmt_duration(*.after))]
    Timeout {
        /// What was waited for, and what to do about it.
        what: String,
        /// The bound that ran out.
        after: std::time::Duration,
    },
    /// Any other error the database reported.
    #[error("database error{}: {message}", sqlstate.as_deref().map(|s| format!(" [{s}]")).unwrap_or_default())]
    Database {
        /// What kind of failure it was, as the backend classified its native code.
        kind: DatabaseErrorKind,
        /// The database's own code (PostgreSQL's SQLSTATE, SQLite's extended result code).
        sqlstate: Option<String>,
        /// The database's message.
        message: String,
    },
}

impl Error {
    /// The name of the exception Django raises for this error (`FieldError`,
    /// `DoesNotExist`, `IntegrityError`, `TransactionManagementError`...), for tools that
    /// report errors by class, as the shell's JSON output does.
    pub fn class(&self) -> &'static str {
        match self {
            Error::DoesNotExist { .. } => "DoesNotExist",
            Error::MultipleObjectsReturned { .. } => "MultipleObjectsReturned",
            Error::FieldError(_) => "FieldError",
            Error::FieldDoesNotExist(_) => "FieldDoesNotExist",
            Error::Validation(_) => "ValidationError",
            Error::Integrity { .. } => "IntegrityError",
            Error::Protected { .. } => "ProtectedError",
            Error::Restricted { .. } => "RestrictedError",
            // Django raises TypeError (and a few ValueErrors) for a queryset used wrongly.
            Error::InvalidQuery(_) => "TypeError",
            Error::InvalidValue(_) => "ValueError",
            Error::NotSupported { .. } => "NotSupportedError",
            Error::Config(_) => "ImproperlyConfigured",
            Error::ConnectionDoesNotExist { .. } => "ConnectionDoesNotExist",
            Error::Connection(_) | Error::Timeout { .. } => "OperationalError",
            Error::Decode(_) => "DataError",
            Error::TransactionManagement(_) => "TransactionManagementError",
            Error::Database { kind, .. } => match kind {
                DatabaseErrorKind::Data => "DataError",
                DatabaseErrorKind::Programming => "ProgrammingError",
                DatabaseErrorKind::Other => "DatabaseError",
                _ => "OperationalError",
            },
        }
    }
}

/// What kind of failure an [`Error::Database`] is. Each backend maps its native codes here, so
/// code above the backends never reads a vendor's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DatabaseErrorKind {
    /// Nothing more specific.
    #[default]
    Other,
    /// A value that does not fit its column (too long, out of range, malformed).
    Data,
    /// A row lock could not be taken at once (`select_for_update(nowait)`).
    LockNotAvailable,
    /// The transaction could not be serialized with a concurrent one; it may succeed again.
    SerializationFailure,
    /// The database broke a deadlock by aborting this transaction; it may succeed again.
    Deadlock,
    /// Another connection holds the lock this one needs (SQLite's "database is locked").
    Busy,
    /// The database rejected the statement itself: an unknown function, column or table, a
    /// syntax error (Django's `ProgrammingError`).
    Programming,
    /// The database could not do what was asked for a reason outside the statement: resources,
    /// I/O, an operator's intervention, or SQLite's generic error (Django's `OperationalError`).
    Operational,
}

fn fmt_duration(d: std::time::Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Which constraint an [`Error::Integrity`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrityKind {
    /// A unique constraint or primary key.
    Unique,
    /// A foreign key.
    ForeignKey,
    /// A NOT NULL column.
    NotNull,
    /// A check constraint.
    Check,
    /// Something else the database called an integrity violation.
    Other,
}

impl Error {
    /// True for [`Error::DoesNotExist`].
    pub fn is_does_not_exist(&self) -> bool {
        matches!(self, Error::DoesNotExist { .. })
    }

    /// True for [`Error::MultipleObjectsReturned`].
    pub fn is_multiple_objects_returned(&self) -> bool {
        matches!(self, Error::MultipleObjectsReturned { .. })
    }

    /// True when a row lock could not be taken at once (`select_for_update(nowait)`).
    pub fn is_lock_not_available(&self) -> bool {
        self.database_kind() == Some(DatabaseErrorKind::LockNotAvailable)
    }

    /// True when the database aborted the transaction because it could not be serialized
    /// with a concurrent one (PostgreSQL's 40001); running it again may succeed.
    pub fn is_serialization_failure(&self) -> bool {
        self.database_kind() == Some(DatabaseErrorKind::SerializationFailure)
    }

    /// True when the database broke a deadlock by aborting this transaction (40P01).
    pub fn is_deadlock(&self) -> bool {
        self.database_kind() == Some(DatabaseErrorKind::Deadlock)
    }

    /// True when running the whole transaction again may succeed: a serialization failure,
    /// a deadlock, or another connection holding the lock past the busy timeout.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.database_kind(),
            Some(DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::Deadlock | DatabaseErrorKind::Busy)
        )
    }

    /// The kind of an [`Error::Database`].
    pub fn database_kind(&self) -> Option<DatabaseErrorKind> {
        match self {
            Error::Database { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// True for [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// True for [`Error::TransactionManagement`].
    pub fn is_transaction_management(&self) -> bool {
        matches!(self, Error::TransactionManagement(_))
    }

    /// The database's own code for an [`Error::Database`] (PostgreSQL's SQLSTATE, SQLite's
    /// extended result code), for messages and logs; branch on [`Error::database_kind`].
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Database { sqlstate, .. } => sqlstate.as_deref(),
            _ => None,
        }
    }

    /// True when this error came from the database while running a statement, so the
    /// transaction it ran in can no longer be trusted to commit (Django marks the `atomic`
    /// block for rollback on such errors).
    pub fn breaks_transaction(&self) -> bool {
        matches!(self, Error::Database { .. } | Error::Integrity { .. } | Error::Connection(_) | Error::Timeout { .. })
    }

    /// True for a unique-constraint [`Error::Integrity`].
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Integrity { kind: IntegrityKind::Unique, .. })
    }

    /// A [`Error::FieldError`] with the given message.
    pub fn field(message: impl Into<String>) -> Self {
        Error::FieldError(message.into())
    }
}

/// Validation messages, per field name (`"__all__"` for the whole object), as Django's
/// `ValidationError.message_dict`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationError {
    /// Field name → its messages.
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ValidationError {
    /// Adds a message for a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_default().push(message.into());
    }

    /// True when no field has a message.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The messages of one field.
    pub fn messages(&self, field: &str) -> &[String] {
        self.errors.get(field).map(Vec::as_slice).unwrap_or_default()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ValidationError: {")?;
        for (i, (field, messages)) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "'{field}': {messages:?}")?;
        }
        f.write_str("}")
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}

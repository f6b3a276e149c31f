//! What can go wrong with migrations, one variant per Django exception (or per cause), each
//! keeping what caused it.

use std::path::PathBuf;

/// A `Result` whose error is [`MigrationError`].
pub type Result<T, E = MigrationError> = std::result::Result<T, E>;

/// A migration problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// A migration file or directory could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `create`).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A migration file that is not valid TOML or holds an unknown operation.
    #[error("{}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's error, with line and column.
        #[source]
        source: toml::de::Error,
    },
    /// A file without a `dependencies` list: empty, or not a migration at all.
    #[error(
        "{}: not a migration: the file has no `dependencies` list (an initial migration says \
         `dependencies = []`; `makemigrations --empty` writes a valid empty migration)",
        path.display()
    )]
    NotAMigration {
        /// The file.
        path: PathBuf,
    },
    /// A migration could not be rendered as TOML.
    #[error("cannot write migration {name}: {source}")]
    Render {
        /// The migration's name.
        name: String,
        /// The serializer's error.
        #[source]
        source: toml::ser::Error,
    },
    /// A name that cannot be a migration's file name.
    #[error("{0}")]
    BadName(String),
    /// Django's `NodeNotFoundError`: a dependency names a migration that does not exist.
    #[error("Migration {migration} dependencies reference nonexistent parent node ('{app}', '{name}')")]
    NodeNotFound {
        /// `app.name` of the migration with the dangling dependency.
        migration: String,
        /// The missing migration's app.
        app: String,
        /// The missing migration's name.
        name: String,
    },
    /// Django's `CircularDependencyError`.
    #[error("the migration dependencies form a cycle")]
    CircularDependency,
    /// Django's `InconsistentMigrationHistory`: the database's record does not fit the files.
    #[error("InconsistentMigrationHistory: {0}")]
    InconsistentHistory(String),
    /// More than one latest migration in an app (Django's "Conflicting migrations detected").
    #[error("Conflicting migrations detected; multiple leaf nodes in the migration graph: ({leaves} in {app}). To fix them run 'makemigrations --merge'")]
    Conflict {
        /// The app.
        app: String,
        /// Its latest migrations, comma-separated.
        leaves: String,
    },
    /// No migration matches what was named (Django's `CommandError` for an unknown target).
    #[error("{0}")]
    UnknownMigration(String),
    /// An operation that does not fit the state it applies to (a model or field that is not
    /// there), naming the migration when known.
    #[error("{}{message}", migration.as_deref().map(|m| format!("{m}: ")).unwrap_or_default())]
    InvalidOperation {
        /// `app.name` of the migration holding the operation.
        migration: Option<String>,
        /// What does not fit.
        message: String,
    },
    /// A `RunCode` operation names a function the binary did not register.
    #[error("RunCode needs the function '{0}': register it in the app binary before migrating")]
    MissingFunction(String),
    /// Django's `IrreversibleError`: an operation without a way back.
    #[error("{0}")]
    Irreversible(String),
    /// A change the schema editor refuses (a NOT NULL column without a default on a table
    /// that may have rows, a many-to-many field changed in place).
    #[error("{0}")]
    Unsupported(String),
    /// The database or the schema editor refused.
    #[error(transparent)]
    Database(#[from] djorm_core::Error),
}

impl MigrationError {
    /// The same error, naming the migration `app.name` it came from.
    pub fn in_migration(self, app: &str, name: &str) -> Self {
        match self {
            MigrationError::InvalidOperation { migration: None, message } => {
                MigrationError::InvalidOperation { migration: Some(format!("{app}.{name}")), message }
            }
            MigrationError::Unsupported(message) => MigrationError::Unsupported(format!("{app}.{name}: {message}")),
            MigrationError::Irreversible(message) => MigrationError::Irreversible(format!("{app}.{name}: {message}")),
            other => other,
        }
    }

    /// An operation that does not fit its state.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        MigrationError::InvalidOperation { migration: None, message: message.into() }
    }
}

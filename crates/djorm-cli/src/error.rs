//! What a command reports when it fails: the database's or a migration's error as it is
//! (with its source kept), or a mistake in the command line (Django's `CommandError`).

use djorm_migrations::MigrationError;

/// A `Result` whose error is [`CommandError`].
pub type Result<T, E = CommandError> = std::result::Result<T, E>;

/// A failed command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The database, the connection or the configuration.
    #[error(transparent)]
    Djorm(#[from] djorm::Error),
    /// A migration file, the migration graph or an operation.
    #[error(transparent)]
    Migration(#[from] MigrationError),
    /// A command line that cannot be carried out as given.
    #[error("{0}")]
    Usage(String),
    /// The report could not be written.
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),
}

impl CommandError {
    /// The database's or the configuration's error underneath, if that is what failed.
    pub fn djorm(&self) -> Option<&djorm::Error> {
        match self {
            CommandError::Djorm(e) => Some(e),
            CommandError::Migration(MigrationError::Database(e)) => Some(e),
            _ => None,
        }
    }
}

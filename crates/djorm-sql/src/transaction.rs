//! Transaction control statements: BEGIN with its isolation level, and savepoints.
//!
//! These are the only statements the transaction layer sends itself; like every other
//! statement they are written here, with identifiers quoted by the dialect.

use crate::{Dialect, SqlWriter};

/// The SQL standard's isolation levels, as Django's `isolation_level` option names them.
///
/// A database that only has stronger levels runs the transaction at a stronger one (SQLite is
/// always serializable), which never lets through an anomaly the weaker level forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED` (PostgreSQL runs it as READ COMMITTED).
    ReadUncommitted,
    /// `READ COMMITTED`, PostgreSQL's default.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`: concurrent transactions behave as if run one after another; the
    /// database may abort one with a serialization failure, to be retried.
    Serializable,
}

impl IsolationLevel {
    /// The level's SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

/// How a transaction starts: its isolation level (the database's default when `None`) and
/// whether it may write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TransactionMode {
    /// The isolation level, or the database's default.
    pub isolation: Option<IsolationLevel>,
    /// True for a transaction that only reads (PostgreSQL refuses its writes; SQLite does not
    /// take the write lock).
    pub read_only: bool,
}

/// The standard `BEGIN [ISOLATION LEVEL ...] [READ ONLY]`, for dialects to fall back on.
pub fn standard_begin(mode: &TransactionMode) -> String {
    let mut sql = String::from("BEGIN");
    if let Some(level) = mode.isolation {
        sql.push_str(" ISOLATION LEVEL ");
        sql.push_str(level.sql());
    }
    if mode.read_only {
        sql.push_str(" READ ONLY");
    }
    sql
}

fn savepoint_statement(dialect: &dyn Dialect, words: &str, name: &str) -> String {
    let mut w = SqlWriter::for_ddl(dialect);
    w.push(words);
    w.ident(name);
    w.finish().sql
}

/// Savepoint statements, one per call.
impl dyn Dialect + '_ {
    /// `SAVEPOINT "name"`: a point inside a transaction to roll back to.
    pub fn savepoint(&self, name: &str) -> String {
        savepoint_statement(self, "SAVEPOINT ", name)
    }

    /// `RELEASE SAVEPOINT "name"`: keeps what was done since the savepoint.
    pub fn release_savepoint(&self, name: &str) -> String {
        savepoint_statement(self, "RELEASE SAVEPOINT ", name)
    }

    /// `ROLLBACK TO SAVEPOINT "name"`: undoes what was done since the savepoint (which stays).
    pub fn rollback_to_savepoint(&self, name: &str) -> String {
        savepoint_statement(self, "ROLLBACK TO SAVEPOINT ", name)
    }
}

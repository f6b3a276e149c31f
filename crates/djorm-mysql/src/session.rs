//! What every connection is set up with, so SQL means the same on each: Django's isolation
//! level, UTC, and the SQL modes djorm's SQL relies on.

use djorm_core::ConnectOptions;
use djorm_sql::IsolationLevel;

/// The `sql_mode` every connection runs with:
/// - `STRICT_TRANS_TABLES`: a value that does not fit is an error, not a silent truncation
///   (what Django's `mysql.W002` check asks for);
/// - `NO_BACKSLASH_ESCAPES`: a backslash in a literal is a backslash, as in standard SQL, so
///   `LIKE ... ESCAPE '\'` and written defaults mean what they say;
/// - `ANSI_QUOTES`, `PIPES_AS_CONCAT`: standard SQL's quoted names and `||`, which schema and
///   expression SQL shared with the other backends may use;
/// - `NO_ENGINE_SUBSTITUTION`: a table is InnoDB (transactions, foreign keys) or an error;
/// - `NO_UNSIGNED_SUBTRACTION`: `views - 30` on an unsigned column may go below zero, as
///   it may on the other databases, instead of failing as out of range.
pub const SQL_MODE: &str =
    "STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES,ANSI_QUOTES,PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION,NO_UNSIGNED_SUBTRACTION";

/// The statements a new connection runs before its first use.
pub fn init_statements(options: &ConnectOptions) -> Vec<String> {
    let mut init = vec![
        format!("SET SESSION sql_mode = '{SQL_MODE}'"),
        // Django's default on MySQL (`isolation_level`).
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED".to_owned(),
        // Datetimes are stored as UTC wall-clock time; NOW() is UTC too.
        "SET SESSION time_zone = '+00:00'".to_owned(),
    ];
    if let Some(limit) = options.statement_timeout {
        // MariaDB's per-statement bound, in seconds (fractions allowed).
        init.push(format!("SET SESSION max_statement_time = {:.3}", limit.as_secs_f64()));
    }
    if let Some(limit) = options.lock_timeout {
        // Row locks (InnoDB) and metadata locks (DDL), in whole seconds, at least one.
        let secs = limit.as_secs_f64().ceil().max(1.0) as u64;
        init.push(format!("SET SESSION innodb_lock_wait_timeout = {secs}"));
        init.push(format!("SET SESSION lock_wait_timeout = {secs}"));
    }
    init
}

/// The driver's name for an isolation level.
pub fn isolation(level: IsolationLevel) -> mysql_async::IsolationLevel {
    match level {
        IsolationLevel::ReadUncommitted => mysql_async::IsolationLevel::ReadUncommitted,
        IsolationLevel::ReadCommitted => mysql_async::IsolationLevel::ReadCommitted,
        IsolationLevel::RepeatableRead => mysql_async::IsolationLevel::RepeatableRead,
        IsolationLevel::Serializable => mysql_async::IsolationLevel::Serializable,
    }
}

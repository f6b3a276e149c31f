//! MariaDB errors into djorm's error kinds, by server error code, as Django's MySQL backend
//! sorts them (`codes_for_integrityerror` and MySQLdb's own classes).

use djorm_core::{DatabaseErrorKind, Error, IntegrityKind};

/// The integrity error a server error code means, if any.
fn integrity_kind(code: u16) -> Option<IntegrityKind> {
    Some(match code {
        // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME
        1062 | 1586 => IntegrityKind::Unique,
        // ER_ROW_IS_REFERENCED(_2), ER_NO_REFERENCED_ROW(_2)
        1216 | 1217 | 1451 | 1452 => IntegrityKind::ForeignKey,
        // ER_BAD_NULL_ERROR (Django's codes_for_integrityerror)
        1048 => IntegrityKind::NotNull,
        // ER_CONSTRAINT_FAILED (MariaDB), ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
        4025 | 3819 => IntegrityKind::Check,
        // ER_NO_DEFAULT_FOR_FIELD in strict mode
        1364 => IntegrityKind::NotNull,
        _ => return None,
    })
}

fn database_kind(code: u16) -> DatabaseErrorKind {
    match code {
        // ER_LOCK_WAIT_TIMEOUT; ER_LOCK_NOWAIT (MariaDB's NOWAIT)
        1205 | 3572 => DatabaseErrorKind::LockNotAvailable,
        // ER_LOCK_DEADLOCK
        1213 => DatabaseErrorKind::Deadlock,
        // ER_DATA_TOO_LONG, ER_WARN_DATA_OUT_OF_RANGE, ER_TRUNCATED_WRONG_VALUE(_FOR_FIELD),
        // ER_DIVISION_BY_ZERO, ER_INVALID_JSON_TEXT
        1406 | 1264 | 1292 | 1366 | 1365 | 3140 | 4038 => DatabaseErrorKind::Data,
        // ER_PARSE_ERROR, ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR, ER_WRONG_VALUE_COUNT_ON_ROW
        1064 | 1146 | 1054 | 1136 | 1149 => DatabaseErrorKind::Programming,
        // ER_STATEMENT_TIMEOUT (MariaDB's max_statement_time), ER_QUERY_INTERRUPTED
        1969..=1970 | 1317 | 3024 => DatabaseErrorKind::Operational,
        _ => DatabaseErrorKind::Other,
    }
}

/// Maps a driver error; a server error keeps its code as the error's SQLSTATE-like tag.
pub fn map_error(e: mysql_async::Error) -> Error {
    match e {
        mysql_async::Error::Server(server) => {
            let message = server.message.clone();
            if let Some(kind) = integrity_kind(server.code) {
                let constraint = message.rsplit_once(" for key '").map(|(_, k)| k.trim_end_matches('\'').to_owned());
                return Error::Integrity { kind, constraint, message };
            }
            if server.code == 1969 && message.contains("max_statement_time") {
                return Error::Database {
                    kind: DatabaseErrorKind::Operational,
                    sqlstate: Some(server.state),
                    message: format!("{message} (the statement_timeout setting)"),
                };
            }
            Error::Database { kind: database_kind(server.code), sqlstate: Some(server.state), message }
        }
        mysql_async::Error::Io(io) => Error::Connection(io.to_string()),
        mysql_async::Error::Driver(driver) => Error::Connection(driver.to_string()),
        mysql_async::Error::Url(url) => Error::Config(url.to_string()),
        other => Error::Database { kind: DatabaseErrorKind::Other, sqlstate: None, message: other.to_string() },
    }
}

/// Maps an error of running `sql`: a syntax error just after a `;` means the text held a
/// second statement, which a prepared statement cannot (said as the other backends say it).
pub fn map_statement_error(sql: &str, e: mysql_async::Error) -> Error {
    if let mysql_async::Error::Server(server) = &e {
        if server.code == 1064 && follows_semicolon(sql, &server.message) {
            return Error::InvalidQuery(djorm_core::MULTIPLE_STATEMENTS.into());
        }
    }
    map_error(e)
}

/// Whether the text MariaDB's syntax error points at (`near '...' at line`) starts right
/// after a `;` of `sql`.
fn follows_semicolon(sql: &str, message: &str) -> bool {
    let Some((_, rest)) = message.split_once("near '") else { return false };
    let Some((near, _)) = rest.rsplit_once("' at line") else { return false };
    let near = near.trim_end_matches("...");
    if near.is_empty() {
        return false;
    }
    sql.match_indices(near).any(|(at, _)| sql[..at].trim_end().ends_with(';'))
}

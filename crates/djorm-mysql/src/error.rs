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

/// The class Django's MySQL drivers (mysqlclient, PyMySQL) give a server error code, so the
/// same failure has the same class: the few codes they name, and OperationalError for the rest.
fn database_kind(code: u16) -> DatabaseErrorKind {
    match code {
        // ER_LOCK_WAIT_TIMEOUT; ER_LOCK_NOWAIT (MySQL's NOWAIT)
        1205 | 3572 => DatabaseErrorKind::LockNotAvailable,
        // ER_LOCK_DEADLOCK
        1213 => DatabaseErrorKind::Deadlock,
        // WARN_DATA_TRUNCATED, WARN_NULL_TO_NOTNULL, WARN_DATA_OUT_OF_RANGE, ER_NO_DEFAULT,
        // ER_PRIMARY_CANT_HAVE_NULL, ER_DATA_TOO_LONG, ER_DATETIME_FUNCTION_OVERFLOW,
        // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, ER_ILLEGAL_VALUE_FOR_TYPE; and ER_INVALID_JSON_TEXT
        1265 | 1263 | 1264 | 1230 | 1171 | 1406 | 1441 | 1366 | 1367 | 3140 | 4038 => DatabaseErrorKind::Data,
        // ER_DB_CREATE_EXISTS, ER_PARSE_ERROR, ER_WRONG_DB_NAME, ER_WRONG_TABLE_NAME,
        // ER_FIELD_SPECIFIED_TWICE, ER_INVALID_GROUP_FUNC_USE, ER_UNSUPPORTED_EXTENSION,
        // ER_TABLE_MUST_HAVE_COLUMNS, ER_NO_SUCH_TABLE, ER_SYNTAX_ERROR,
        // ER_CANT_DO_THIS_DURING_AN_TRANSACTION
        1007 | 1064 | 1102 | 1103 | 1110 | 1111 | 1112 | 1113 | 1146 | 1149 | 1179 => DatabaseErrorKind::Programming,
        // Client-side and internal errors (below 1000): the drivers' InternalError.
        0..=999 => DatabaseErrorKind::Other,
        _ => DatabaseErrorKind::Operational,
    }
}

/// ER_WARNING_NOT_COMPLETE_ROLLBACK, ER_NOT_SUPPORTED_YET, ER_FEATURE_DISABLED,
/// ER_UNKNOWN_STORAGE_ENGINE: the drivers' NotSupportedError.
fn not_supported(code: u16) -> bool {
    matches!(code, 1196 | 1235 | 1289 | 1286)
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
            if not_supported(server.code) {
                return Error::NotSupported {
                    backend: "mysql",
                    what: format!("this statement on this server ({message})"),
                };
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

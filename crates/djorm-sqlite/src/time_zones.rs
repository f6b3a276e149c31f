//! Time zones on SQLite, which has none: timestamps are stored as UTC text (Django's form), and
//! two Rust functions of the connection move them between UTC and a zone's wall-clock time with
//! the IANA database chrono-tz carries, as Django registers Python functions over zoneinfo.
//!
//! - `DJORM_TZ_LOCAL(utc_text, zone)`: the wall-clock time the instant shows in `zone`.
//! - `DJORM_TZ_UTC(local_text, zone)`: the instant a wall-clock time names in `zone` (Python's
//!   `fold=0` where a clock change repeats or skips an hour, see [`djorm_core::timezone::instant`]).
//!
//! NULL, text that is no timestamp, and an unknown zone give NULL.

use djorm_core::timezone::{self, Tz};
use djorm_sql::Value;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::types::storage_text;

const FLAGS: FunctionFlags = FunctionFlags::SQLITE_UTF8.union(FunctionFlags::SQLITE_DETERMINISTIC);

/// Registers both functions on a new connection.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("DJORM_TZ_LOCAL", 2, FLAGS, |ctx| {
        Ok(args(ctx).map(|(at, zone)| storage_text(&Value::DateTime(at.with_timezone(&zone).naive_local().and_utc()))))
    })?;
    conn.create_scalar_function("DJORM_TZ_UTC", 2, FLAGS, |ctx| {
        Ok(args(ctx).map(|(local, zone)| storage_text(&Value::DateTime(timezone::instant(local.naive_utc(), zone)))))
    })
}

/// The timestamp text (read as UTC) and the zone, when both are there and valid.
fn args(ctx: &Context<'_>) -> Option<(chrono::DateTime<chrono::Utc>, Tz)> {
    let text = |i: usize| match ctx.get_raw(i) {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    };
    let at = djorm_core::lower::parse_datetime(text(0)?.trim())?;
    let zone = text(1)?.parse::<Tz>().ok()?;
    Some((at, zone))
}

#[cfg(test)]
mod tests {
    use rusqlite::types::Value as SqlValue;

    use super::*;

    fn one(conn: &Connection, sql: &str) -> SqlValue {
        conn.query_row(sql, [], |row| row.get(0)).expect("the query runs")
    }

    #[test]
    fn utc_text_moves_to_a_zones_clock_and_back() {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        register(&conn).expect("registered");
        let text = |s: &str| SqlValue::Text(s.into());
        // Kathmandu is 5:45 ahead; New York changes its clocks.
        assert_eq!(
            one(&conn, "SELECT DJORM_TZ_LOCAL('2023-01-01 00:00:00', 'Asia/Kathmandu')"),
            text("2023-01-01 05:45:00")
        );
        assert_eq!(
            one(&conn, "SELECT DJORM_TZ_LOCAL('2024-07-01 12:00:00.5', 'America/New_York')"),
            text("2024-07-01 08:00:00.500000")
        );
        assert_eq!(
            one(&conn, "SELECT DJORM_TZ_UTC('2022-12-31 00:00:00', 'America/New_York')"),
            text("2022-12-31 05:00:00")
        );
        assert_eq!(
            one(&conn, "SELECT DJORM_TZ_UTC('2024-03-10 02:30:00', 'America/New_York')"),
            text("2024-03-10 07:30:00")
        );
        assert_eq!(one(&conn, "SELECT DJORM_TZ_LOCAL(NULL, 'Asia/Tokyo')"), SqlValue::Null);
        assert_eq!(one(&conn, "SELECT DJORM_TZ_LOCAL('2024-01-01 00:00:00', 'Mars/Olympus')"), SqlValue::Null);
        assert_eq!(one(&conn, "SELECT DJORM_TZ_LOCAL('not a time', 'Asia/Tokyo')"), SqlValue::Null);
    }
}

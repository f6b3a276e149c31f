//! Running one statement on a connection: its text must hold exactly one statement (SQLite's
//! driver would silently run only the first), its parameters are bound, its rows decoded.

use djorm_core::{Error, Result, Rows, MULTIPLE_STATEMENTS};
use djorm_sql::{Value, ValueKind};
use rusqlite::Connection;

use crate::error::map_error;
use crate::packed_rows::PackedRows;
use crate::types::{decode, SqlParam};

/// Refuses SQL text that holds more than one statement. Text without a `;` cannot (djorm's
/// own statements never have one outside a quoted name or literal); otherwise SQLite's own
/// parser says where the first statement ends and whether anything but blanks and comments
/// follows.
pub(crate) fn check_single(conn: &Connection, sql: &str) -> Result<()> {
    if !sql.contains(';') {
        return Ok(());
    }
    let mut batch = rusqlite::Batch::new(conn, sql);
    let mut seen = 0;
    loop {
        match batch.next() {
            Ok(Some(_)) => seen += 1,
            Ok(None) => break,
            // A later statement that does not even prepare is still a second statement.
            Err(_) if seen > 0 => return Err(Error::InvalidQuery(MULTIPLE_STATEMENTS.into())),
            Err(e) => return Err(map_error(e)),
        }
        if seen > 1 {
            return Err(Error::InvalidQuery(MULTIPLE_STATEMENTS.into()));
        }
    }
    Ok(())
}

/// Runs a statement and returns how many rows it changed.
pub(crate) fn execute_one(conn: &Connection, sql: &str, params: &[Value]) -> Result<u64> {
    check_single(conn, sql)?;
    let mut statement = conn.prepare_cached(sql).map_err(map_error)?;
    let n = statement.execute(rusqlite::params_from_iter(params.iter().map(SqlParam))).map_err(map_error)?;
    Ok(n as u64)
}

/// Runs a query and decodes every row, column `i` as `kinds[i]`.
pub(crate) fn query_into(conn: &Connection, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<Rows> {
    check_single(conn, sql)?;
    let mut statement = conn.prepare_cached(sql).map_err(map_error)?;
    let width = statement.column_count();
    let mut rows = statement.query(rusqlite::params_from_iter(params.iter().map(SqlParam))).map_err(map_error)?;
    // Room for one row up front: a `get` or `first()` then grows nothing.
    let mut values = Vec::with_capacity(width);
    while let Some(row) = rows.next().map_err(map_error)? {
        for i in 0..width {
            let raw = row.get_ref(i).map_err(map_error)?;
            values.push(decode(raw, kinds.get(i).copied().unwrap_or(ValueKind::Any))?);
        }
    }
    Ok(Rows { width, values })
}

/// Runs a query and packs its rows for decoding on another thread (see `packed_rows`).
pub(crate) fn query_packed(conn: &Connection, sql: &str, params: &[Value], kinds: &[ValueKind]) -> Result<PackedRows> {
    check_single(conn, sql)?;
    let mut statement = conn.prepare_cached(sql).map_err(map_error)?;
    let width = statement.column_count();
    let mut rows = statement.query(rusqlite::params_from_iter(params.iter().map(SqlParam))).map_err(map_error)?;
    let mut packed = PackedRows::with_capacity(width, 0, 0, kinds.into());
    while let Some(row) = rows.next().map_err(map_error)? {
        packed.push(row)?;
    }
    Ok(packed)
}

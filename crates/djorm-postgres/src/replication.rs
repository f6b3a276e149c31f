//! Streaming replication, seen from the application: where the primary's WAL is, how far a
//! replica has replayed it, and a bounded wait for a replica to reach a position — for the read
//! that must see a write it did not make itself (read-your-writes across tasks or processes).
//!
//! ```no_run
//! # async fn run(db: djorm_core::Db) -> djorm_core::Result<()> {
//! use djorm_postgres::replication::{current_lsn, wait_for_replay};
//! let written = current_lsn(&db.using("default")?).await?;          // after the write
//! wait_for_replay(&db.using("replica")?, written, std::time::Duration::from_secs(5)).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use djorm_core::{Db, Error, Result};
use djorm_sql::{Compiled, Value, ValueKind};

/// A position in the write-ahead log (PostgreSQL's `pg_lsn`, written `16/B374D848`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl Lsn {
    /// Parses PostgreSQL's text form.
    pub fn parse(text: &str) -> Result<Lsn> {
        let bad = || Error::Decode(format!("'{}' as a WAL position", text.escape_debug()));
        let (high, low) = text.trim().split_once('/').ok_or_else(bad)?;
        let high = u64::from_str_radix(high, 16).map_err(|_| bad())?;
        let low = u64::from_str_radix(low, 16).map_err(|_| bad())?;
        Ok(Lsn((high << 32) | low))
    }

    /// Bytes of WAL from `earlier` to here (0 when `earlier` is not earlier): a replica's lag.
    pub fn bytes_after(self, earlier: Lsn) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl std::fmt::Display for Lsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

async fn lsn_of(db: &Db, sql: &str) -> Result<Option<Lsn>> {
    let rows = db.fetch(&Compiled { sql: sql.to_owned(), params: Vec::new() }, &[ValueKind::String]).await?;
    match rows.values.first() {
        Some(Value::String(text)) => Lsn::parse(text).map(Some),
        _ => Ok(None),
    }
}

/// Where the primary's WAL ends now (`pg_current_wal_lsn()`): a write committed before this
/// call is at or before it. Refused on a replica.
pub async fn current_lsn(primary: &Db) -> Result<Lsn> {
    lsn_of(primary, "SELECT pg_current_wal_lsn()::text")
        .await?
        .ok_or_else(|| Error::Decode("pg_current_wal_lsn() returned no position".into()))
}

/// How far a replica has replayed the primary's WAL (`pg_last_wal_replay_lsn()`); `None` on a
/// server that is not a replica.
pub async fn replay_lsn(replica: &Db) -> Result<Option<Lsn>> {
    lsn_of(replica, "SELECT pg_last_wal_replay_lsn()::text").await
}

/// Waits until `replica` has replayed the WAL up to `target` (so it shows every write committed
/// before `target` was read on the primary), polling every 10 ms; a `Timeout` error after
/// `timeout`, naming how far behind it still was.
pub async fn wait_for_replay(replica: &Db, target: Lsn, timeout: Duration) -> Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let replayed = replay_lsn(replica).await?.ok_or_else(|| Error::NotSupported {
            backend: "postgresql",
            what: "waiting for replay on a server that is not a replica".into(),
        })?;
        if replayed >= target {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Timeout {
                what: format!(
                    "waiting for the replica to replay WAL up to {target} (it is at {replayed}, {} bytes behind)",
                    target.bytes_after(replayed)
                ),
                after: timeout,
            });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_parse_print_and_compare() {
        let lsn = Lsn::parse("16/B374D848").expect("an LSN");
        assert_eq!(lsn.0, (0x16 << 32) | 0xB374_D848);
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert!(Lsn::parse("0/10").expect("lsn") < Lsn::parse("1/0").expect("lsn"));
        assert_eq!(Lsn::parse("0/20").expect("lsn").bytes_after(Lsn::parse("0/8").expect("lsn")), 0x18);
        assert!(Lsn::parse("nonsense").is_err());
    }
}

//! Every statement as a `tracing` event, target `djorm::query`: at DEBUG each statement with its
//! database alias, backend, SQL, parameters (redacted unless asked for), rows and duration; at
//! WARN a statement slower than the threshold. Without a subscriber listening nothing is timed or
//! formatted. Settings: `DJORM_SLOW_QUERY` (a duration such as `200ms`) and
//! `DJORM_LOG_PARAMETERS=true` from the environment, or [`crate::Db::set_slow_query_threshold`]
//! and [`crate::Db::set_log_parameters`] in code. The connection's password is never part of
//! an event: the database is named by its alias and backend, never its URL.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::db::Statement;
use tracing::Level;

/// The event target, for filters (`RUST_LOG=djorm::query=debug`).
pub const TARGET: &str = "djorm::query";

/// A handle's logging settings, shared by its clones.
#[derive(Debug)]
pub(crate) struct QueryLog {
    /// The slow-query threshold in microseconds; 0 is off.
    slow_micros: AtomicU64,
    parameters: AtomicBool,
}

impl QueryLog {
    /// The settings from the environment.
    pub(crate) fn from_env() -> Self {
        let var = crate::env::var;
        let slow = var("DJORM_SLOW_QUERY")
            .and_then(|v| crate::options::parse_duration("DJORM_SLOW_QUERY", &v).ok().flatten())
            .map_or(0, |d| d.as_micros().max(1) as u64);
        let parameters = var("DJORM_LOG_PARAMETERS").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"));
        QueryLog { slow_micros: AtomicU64::new(slow), parameters: AtomicBool::new(parameters) }
    }

    pub(crate) fn set_slow(&self, threshold: Option<Duration>) {
        let micros = threshold.map_or(0, |d| d.as_micros().max(1) as u64);
        self.slow_micros.store(micros, Ordering::Relaxed);
    }

    pub(crate) fn set_parameters(&self, on: bool) {
        self.parameters.store(on, Ordering::Relaxed);
    }

    /// The start time, when anyone listens for what the statement will cost.
    pub(crate) fn begin(&self) -> Option<Instant> {
        let debug = tracing::enabled!(target: TARGET, Level::DEBUG);
        let slow = self.slow_micros.load(Ordering::Relaxed) != 0 && tracing::enabled!(target: TARGET, Level::WARN);
        (debug || slow).then(Instant::now)
    }

    /// Reports one finished statement (`rows`: how many it returned or changed, when known).
    pub(crate) fn end(
        &self,
        alias: &str,
        vendor: &str,
        started: Instant,
        statement: Statement<'_>,
        outcome: Result<Option<u64>, &crate::Error>,
    ) {
        let elapsed = started.elapsed();
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        let params = self.parameters_shown(statement);
        let sql = statement.sql;
        let slow = self.slow_micros.load(Ordering::Relaxed);
        match outcome {
            Ok(rows) if slow != 0 && elapsed.as_micros() as u64 >= slow => {
                tracing::warn!(target: TARGET, alias, vendor, sql, params, rows, duration_ms, "slow query");
            }
            Ok(rows) => tracing::debug!(target: TARGET, alias, vendor, sql, params, rows, duration_ms, "query"),
            Err(error) => {
                tracing::debug!(target: TARGET, alias, vendor, sql, params, duration_ms, %error, "query failed")
            }
        }
    }

    fn parameters_shown(&self, statement: Statement<'_>) -> String {
        let n = statement.params.len();
        if self.parameters.load(Ordering::Relaxed) {
            format!("{:?}", statement.params)
        } else if n == 0 {
            "[]".into()
        } else {
            format!("[{n} redacted]")
        }
    }
}

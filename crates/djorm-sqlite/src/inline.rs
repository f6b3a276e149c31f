//! Short reads run on the caller's thread: handing a statement to tokio's blocking pool costs
//! about 20 µs, ten times what a read by primary key costs SQLite itself. A read is first tried
//! inline, within bounds that keep the async runtime from being blocked:
//!
//! - **time**: SQLite's progress handler checks the clock every [`CHECK_EVERY_OPS`] virtual
//!   machine steps and interrupts an inline statement that ran past [`INLINE_BUDGET`]; the read
//!   then runs again on the blocking pool (a read has no effects to repeat), and its SQL is
//!   remembered ([`SlowReads`]) so it goes to the pool directly from then on;
//! - **locks**: while inline, the connection's busy handler refuses to wait (a reader blocked by
//!   a writer, possible outside WAL mode) and the read goes to the pool, where it waits within
//!   `busy_timeout`; the connection itself is only taken when free (`try_lock`);
//! - only reads run inline: a write waits for the write lock, and an interrupted write inside a
//!   transaction would roll the whole transaction back.

use std::cell::Cell;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// The longest a read runs on the caller's thread before it moves to the blocking pool, unless
/// `DJORM_SQLITE_INLINE_BUDGET` says otherwise.
pub(crate) const INLINE_BUDGET: Duration = Duration::from_micros(250);

/// The inline budget of this process: `DJORM_SQLITE_INLINE_BUDGET` (a duration such as
/// `0.5ms`; `0` or `off` sends every statement to the blocking pool), else [`INLINE_BUDGET`].
/// Tools that count instructions under valgrind, where the clock runs 50 times slower, set a
/// long one so the same reads run inline as on real hardware.
pub(crate) fn configured_budget() -> djorm_core::Result<Option<Duration>> {
    match std::env::var("DJORM_SQLITE_INLINE_BUDGET") {
        Ok(value) => djorm_core::parse_duration("DJORM_SQLITE_INLINE_BUDGET", &value),
        Err(_) => Ok(Some(INLINE_BUDGET)),
    }
}

/// How many SQLite virtual machine steps pass between two looks at the clock.
const CHECK_EVERY_OPS: i32 = 1000;

/// How many slow statements are remembered before the list starts over.
const SLOW_READS_KEPT: usize = 4096;

/// The clock the deadlines count from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_nanos() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// One connection's inline deadline, read by its progress handler.
#[derive(Debug, Default)]
pub(crate) struct InlineBudget {
    /// Nanoseconds since [`epoch`] after which an inline statement is interrupted; 0 when the
    /// connection is not running inline.
    deadline: AtomicU64,
    /// Set by the progress handler when it interrupted an inline statement.
    expired: AtomicBool,
}

impl InlineBudget {
    /// Installs the progress handler that enforces the budget on `conn`.
    pub(crate) fn install(budget: &std::sync::Arc<InlineBudget>, conn: &Connection) {
        let budget = budget.clone();
        conn.progress_handler(
            CHECK_EVERY_OPS,
            Some(move || {
                let deadline = budget.deadline.load(Ordering::Relaxed);
                let interrupt = deadline != 0 && now_nanos() > deadline;
                if interrupt {
                    budget.expired.store(true, Ordering::Relaxed);
                }
                interrupt
            }),
        );
    }

    /// Runs `job` on `conn` within `budget`.
    pub(crate) fn run<T>(
        &self,
        conn: &mut Connection,
        busy_timeout: Duration,
        budget: Duration,
        job: impl FnOnce(&mut Connection) -> djorm_core::Result<T>,
    ) -> Inline<T> {
        if conn.busy_handler(Some(refuse_while_inline)).is_err() {
            return Inline::NotNow;
        }
        BUSY_REFUSED.with(|b| b.set(false));
        self.deadline.store(now_nanos().saturating_add(nanos(budget)).max(1), Ordering::Relaxed);
        let result = job(conn);
        self.deadline.store(0, Ordering::Relaxed);
        let restored = conn.busy_timeout(busy_timeout);
        let expired = self.expired.swap(false, Ordering::Relaxed);
        let refused = BUSY_REFUSED.with(|b| b.replace(false));
        match result {
            // The busy timeout could not be put back: the pool path reports why.
            _ if restored.is_err() => Inline::NotNow,
            Err(_) if expired => Inline::OutOfTime,
            Err(_) if refused => Inline::NotNow,
            result => Inline::Done(result),
        }
    }
}

/// How an inline attempt ended.
pub(crate) enum Inline<T> {
    /// It ran: its result.
    Done(djorm_core::Result<T>),
    /// It ran past the budget and was interrupted: run it on the pool, and send it there
    /// directly from now on.
    OutOfTime,
    /// It could not run now without waiting (the connection busy, a lock held): run it on
    /// the pool.
    NotNow,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

thread_local! {
    /// Set when the busy handler refused to wait for an inline read on this thread.
    static BUSY_REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// The busy handler while a read runs inline: never wait, note it, and let the read fail over
/// to the blocking pool.
fn refuse_while_inline(_attempt: i32) -> bool {
    BUSY_REFUSED.with(|b| b.set(true));
    false
}

/// The reads that once ran out of the inline budget, by a hash of their SQL: they go straight
/// to the blocking pool.
#[derive(Debug, Default)]
pub(crate) struct SlowReads {
    /// Whether any read was ever remembered: until one is, a read costs no hashing or locking.
    any: AtomicBool,
    hashes: Mutex<HashSet<u64>>,
}

impl SlowReads {
    fn key(sql: &str) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        sql.hash(&mut hasher);
        hasher.finish()
    }

    /// Whether `sql` once ran out of the budget.
    pub(crate) fn contains(&self, sql: &str) -> bool {
        if !self.any.load(Ordering::Relaxed) {
            return false;
        }
        self.hashes.lock().unwrap_or_else(PoisonError::into_inner).contains(&Self::key(sql))
    }

    /// Remembers that `sql` ran out of the budget.
    pub(crate) fn insert(&self, sql: &str) {
        let mut hashes = self.hashes.lock().unwrap_or_else(PoisonError::into_inner);
        if hashes.len() >= SLOW_READS_KEPT {
            hashes.clear();
        }
        hashes.insert(Self::key(sql));
        self.any.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn database(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("djorm-inline-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("db.sqlite3");
        let _ = std::fs::remove_file(&path);
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);").expect("schema");
        path
    }

    fn count(conn: &mut Connection) -> djorm_core::Result<i64> {
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).map_err(crate::error::map_error)
    }

    #[test]
    fn a_read_that_would_wait_for_a_lock_is_refused_at_once_and_the_wait_restored() {
        // A rollback-journal database: a writer's EXCLUSIVE lock keeps readers out.
        let path = database("lock");
        let holder = Connection::open(&path).expect("open");
        holder.execute_batch("BEGIN EXCLUSIVE; UPDATE t SET x = 2;").expect("lock");
        let mut reader = Connection::open(&path).expect("open");
        let budget = Arc::new(InlineBudget::default());
        InlineBudget::install(&budget, &reader);

        let started = Instant::now();
        let attempt = budget.run(&mut reader, Duration::from_secs(5), INLINE_BUDGET, count);
        assert!(matches!(attempt, Inline::NotNow), "refused inline");
        assert!(started.elapsed() < Duration::from_millis(100), "without waiting: {:?}", started.elapsed());

        // Off the inline path the connection waits for the lock again, within busy_timeout.
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            holder.execute_batch("COMMIT").expect("commit");
        });
        let started = Instant::now();
        assert_eq!(count(&mut reader).expect("waits, then reads"), 1);
        assert!(started.elapsed() >= Duration::from_millis(150), "it waited: {:?}", started.elapsed());
        release.join().expect("holder");
    }

    #[test]
    fn a_read_past_the_budget_is_interrupted_and_a_short_one_runs() {
        let path = database("budget");
        let mut conn = Connection::open(&path).expect("open");
        let budget = Arc::new(InlineBudget::default());
        InlineBudget::install(&budget, &conn);
        let endless = |conn: &mut Connection| -> djorm_core::Result<i64> {
            conn.query_row(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
                [],
                |r| r.get(0),
            )
            .map_err(crate::error::map_error)
        };
        let started = Instant::now();
        assert!(matches!(budget.run(&mut conn, Duration::from_secs(5), INLINE_BUDGET, endless), Inline::OutOfTime));
        assert!(started.elapsed() < Duration::from_millis(50), "stopped near the budget: {:?}", started.elapsed());
        assert!(matches!(budget.run(&mut conn, Duration::from_secs(5), INLINE_BUDGET, count), Inline::Done(Ok(1))));
        // Outside an inline run the handler lets statements run to the end.
        assert_eq!(count(&mut conn).expect("count"), 1);
    }

    #[test]
    fn slow_reads_are_remembered_and_bounded() {
        let slow = SlowReads::default();
        assert!(!slow.contains("SELECT 1"));
        slow.insert("SELECT 1");
        assert!(slow.contains("SELECT 1") && !slow.contains("SELECT 2"));
        for i in 0..SLOW_READS_KEPT {
            slow.insert(&format!("SELECT {i} + 1"));
        }
        assert!(slow.hashes.lock().expect("lock").len() <= SLOW_READS_KEPT);
    }
}

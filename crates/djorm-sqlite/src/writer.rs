//! The write lock, queued in-process: SQLite lets one writer in at a time, and its own busy
//! handler polls with sleeps (and in shared-cache memory databases does not wait at all). Writers
//! of this process wait here instead, first come first served, within `busy_timeout`; the busy
//! handler still covers writers in other processes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use djorm_core::{Error, Result};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Who is asking: a spawned task, or (outside any task, as `block_on` and `#[tokio::main]`
/// run their future) the thread running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Task(tokio::task::Id),
    Thread(std::thread::ThreadId),
}

impl Caller {
    fn current() -> Self {
        match tokio::task::try_id() {
            Some(id) => Caller::Task(id),
            None => Caller::Thread(std::thread::current().id()),
        }
    }
}

/// One database's write lock.
#[derive(Debug)]
pub(crate) struct WriterLock {
    semaphore: Arc<Semaphore>,
    /// Who holds the lock, to catch a caller waiting for itself.
    holder: Mutex<Option<Caller>>,
}

/// The write lock, held until dropped.
#[derive(Debug)]
pub(crate) struct WritePermit {
    lock: Arc<WriterLock>,
    _permit: OwnedSemaphorePermit,
    /// True when this permit recorded its holder (a transaction's).
    holds: bool,
}

impl Drop for WritePermit {
    fn drop(&mut self) {
        if self.holds {
            if let Ok(mut holder) = self.lock.holder.lock() {
                *holder = None;
            }
        }
    }
}

impl WriterLock {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(WriterLock { semaphore: Arc::new(Semaphore::new(1)), holder: Mutex::new(None) })
    }

    /// Waits for the write lock, at most `bound`. A task that already holds it for an open
    /// transaction and now writes outside that transaction would wait for itself: that is an
    /// error at once, not a wait. `for_transaction` records the caller as the holder (a single
    /// statement's permit does not: two concurrent statements of one task just queue).
    pub(crate) async fn acquire(self: &Arc<Self>, bound: Duration, for_transaction: bool) -> Result<WritePermit> {
        let me = Some(Caller::current());
        if self.holder.lock().map(|h| *h == me).unwrap_or(false) {
            return Err(Error::TransactionManagement(
                "this task holds an open transaction on this SQLite database, so a write outside it would wait \
                 for itself: run the statement through the transaction's handle (`&tx`), or commit first"
                    .into(),
            ));
        }
        let permit = tokio::time::timeout(bound, self.semaphore.clone().acquire_owned())
            .await
            .map_err(|_| Error::Timeout {
                what: "waiting for SQLite's write lock: another transaction of this process held it (raise \
                       busy_timeout, or keep transactions shorter)"
                    .into(),
                after: bound,
            })?
            .map_err(|_| Error::Connection("the SQLite write lock was closed".into()))?;
        if for_transaction {
            if let Ok(mut holder) = self.holder.lock() {
                *holder = me;
            }
        }
        Ok(WritePermit { lock: self.clone(), _permit: permit, holds: for_transaction })
    }
}

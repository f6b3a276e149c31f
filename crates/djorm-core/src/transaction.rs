//! Transactions as Django's `atomic` blocks: nested levels become savepoints, a level that saw
//! a database error can only be rolled back, and `on_commit` callbacks run after the outermost
//! commit and never after a rollback.
//!
//! The backend pins one connection for the outermost level ([`crate::Backend::begin`]); every
//! level above it is a savepoint this module opens, releases and rolls back through that
//! connection. The bookkeeping (which levels are open, which must roll back, which callbacks
//! wait) lives here once, for every backend.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use djorm_sql::{IsolationLevel, TransactionMode};
use futures_util::FutureExt;

use crate::{Backend, Db, Error, Result};

/// Django's wording for a query sent after an error inside an atomic block.
pub(crate) const BROKEN: &str =
    "An error occurred in the current transaction. You can't execute queries until the end of the 'atomic' block.";

/// A callback waiting for the outermost commit.
type OnCommit = Box<dyn FnOnce() + Send>;

/// One open level: the outermost transaction (no savepoint) or a savepoint inside it.
struct Level {
    id: u64,
    savepoint: Option<String>,
    needs_rollback: bool,
    on_commit: Vec<OnCommit>,
}

#[derive(Default)]
struct Levels {
    /// Open levels, outermost first.
    open: Vec<Level>,
    /// Statements that must run before the next one (rolling back savepoints whose handle
    /// was dropped: a destructor cannot wait for the database).
    pending: Vec<String>,
    /// True once the outermost level committed, rolled back or was abandoned.
    finished: bool,
}

/// The state of one real transaction, shared by the handles of all its levels.
pub(crate) struct TxState {
    backend: Arc<dyn Backend>,
    levels: Mutex<Levels>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for TxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxState").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// A handle's place in a transaction: the state and the level it was opened as.
#[derive(Debug, Clone)]
pub(crate) struct TxHandle {
    pub(crate) state: Arc<TxState>,
    pub(crate) level: u64,
}

impl TxState {
    /// The backend pinned to the transaction's connection.
    pub(crate) fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    fn lock(&self) -> MutexGuard<'_, Levels> {
        // A panic while the lock was held leaves consistent data (every change is one push,
        // pop or flag): keep going rather than poison every later statement.
        self.levels.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks that `level` may run a statement now, and first runs any savepoint rollbacks
    /// left by dropped handles.
    pub(crate) async fn ready(&self, level: u64) -> Result<()> {
        {
            let levels = self.lock();
            if levels.finished {
                return Err(Error::TransactionManagement(
                    "The transaction has already been committed or rolled back.".into(),
                ));
            }
            if !levels.open.iter().any(|l| l.id == level) {
                return Err(Error::TransactionManagement(
                    "This savepoint has already been released or rolled back; use the handle of a level that is still open."
                        .into(),
                ));
            }
            if levels.open.iter().any(|l| l.needs_rollback) {
                return Err(Error::TransactionManagement(BROKEN.into()));
            }
        }
        self.flush_pending().await
    }

    /// Runs the savepoint rollbacks that dropped levels left behind, now: before a statement,
    /// a new savepoint, a release or a commit (a destructor cannot wait for the database). A
    /// failure marks the innermost level for rollback.
    async fn flush_pending(&self) -> Result<()> {
        let pending = std::mem::take(&mut self.lock().pending);
        for sql in pending {
            if let Err(e) = self.backend.execute(&sql, &[]).await {
                self.mark_failed();
                return Err(e);
            }
        }
        Ok(())
    }

    /// Forgets the pending rollbacks: the level being rolled back undoes their work anyway
    /// (every pending entry belongs to a level inside the innermost open one).
    fn drop_pending(&self) {
        self.lock().pending.clear();
    }

    /// Marks the innermost open level: it saw a database error and can only roll back.
    pub(crate) fn mark_failed(&self) {
        if let Some(level) = self.lock().open.last_mut() {
            level.needs_rollback = true;
        }
    }

    /// Records the outcome of a statement: a database error marks the innermost level.
    pub(crate) fn observe<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result {
            if e.breaks_transaction() {
                self.mark_failed();
            }
        }
        result
    }

    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Queues `callback` on the innermost open level.
    fn on_commit(&self, callback: OnCommit) -> Result<()> {
        let mut levels = self.lock();
        let finished = levels.finished;
        match levels.open.last_mut() {
            Some(level) if !finished => {
                level.on_commit.push(callback);
                Ok(())
            }
            _ => Err(Error::TransactionManagement("The transaction has already been committed or rolled back.".into())),
        }
    }
}

/// What ending a level has to send to the database.
enum Ending {
    /// The outermost level: COMMIT or ROLLBACK through the backend.
    Outermost(Vec<OnCommit>),
    /// A savepoint: release or roll back to it.
    Savepoint(String),
}

impl TxState {
    /// Takes `level` and every level inside it off the stack. Callbacks of the closed levels
    /// move to the level below when `keep_callbacks` (a release), else they are dropped.
    fn close(&self, level: u64, keep_callbacks: bool) -> Result<(Ending, bool)> {
        let mut levels = self.lock();
        let Some(index) = levels.open.iter().position(|l| l.id == level) else {
            return Err(Error::TransactionManagement(
                "This transaction level has already been committed or rolled back.".into(),
            ));
        };
        let closed: Vec<Level> = levels.open.drain(index..).collect();
        // Inner levels still open mean their work was never committed: roll it back too.
        let needs_rollback = closed.iter().any(|l| l.needs_rollback) || closed.len() > 1;
        let savepoint = closed.first().and_then(|l| l.savepoint.clone());
        let callbacks: Vec<OnCommit> = closed.into_iter().flat_map(|l| l.on_commit).collect();
        // A level that rolls back (asked to, or because it failed) drops its callbacks.
        let keep_callbacks = keep_callbacks && !needs_rollback;
        let ending = match savepoint {
            Some(name) if !levels.open.is_empty() => {
                if keep_callbacks {
                    if let Some(parent) = levels.open.last_mut() {
                        parent.on_commit.extend(callbacks);
                    }
                }
                Ending::Savepoint(name)
            }
            _ => {
                levels.finished = true;
                levels.pending.clear();
                Ending::Outermost(if keep_callbacks { callbacks } else { Vec::new() })
            }
        };
        Ok((ending, needs_rollback))
    }
}

/// An open transaction, or a savepoint inside one: Django's `atomic` block as a value.
///
/// It dereferences to a [`Db`] bound to it: pass `&tx` to QuerySet methods. `commit()` makes
/// the work permanent (a savepoint releases into the enclosing level); `rollback()` undoes it;
/// dropping it without either rolls back. A level that saw a database error refuses further
/// statements and its `commit()` rolls back and returns [`Error::TransactionManagement`]: a
/// failed transaction never reports success.
#[derive(Debug)]
pub struct Transaction {
    db: Db,
    done: bool,
}

impl Transaction {
    fn handle(&self) -> Result<&TxHandle> {
        self.db.tx.as_ref().ok_or_else(|| Error::TransactionManagement("not inside a transaction".into()))
    }

    /// Makes the level's work permanent: COMMIT for the outermost level (then its `on_commit`
    /// callbacks run), RELEASE for a savepoint (its callbacks wait for the outermost commit).
    /// A level that saw an error is rolled back instead and the error says so.
    pub async fn commit(mut self) -> Result<()> {
        self.done = true;
        let handle = self.handle()?.clone();
        let state = &handle.state;
        // Savepoints dropped inside this level roll back first; if that fails, so does this.
        let _ = state.flush_pending().await;
        let (ending, failed) = state.close(handle.level, true)?;
        let backend = &state.backend;
        match (ending, failed) {
            (Ending::Outermost(callbacks), false) => {
                backend.commit().await?;
                for callback in callbacks {
                    callback();
                }
                Ok(())
            }
            (Ending::Outermost(_), true) => {
                let _ = backend.rollback().await;
                Err(rolled_back_instead())
            }
            (Ending::Savepoint(name), false) => {
                let sql = backend.dialect().release_savepoint(&name);
                self.db.record_sql(&sql);
                state.observe(backend.execute(&sql, &[]).await).map(drop)
            }
            (Ending::Savepoint(name), true) => {
                rollback_savepoint(&self.db, &name).await?;
                Err(rolled_back_instead())
            }
        }
    }

    /// Undoes the level's work and drops its `on_commit` callbacks.
    pub async fn rollback(mut self) -> Result<()> {
        self.done = true;
        let handle = self.handle()?.clone();
        handle.state.drop_pending();
        let (ending, _) = handle.state.close(handle.level, false)?;
        match ending {
            Ending::Outermost(_) => handle.state.backend.rollback().await,
            Ending::Savepoint(name) => rollback_savepoint(&self.db, &name).await,
        }
    }
}

async fn rollback_savepoint(db: &Db, name: &str) -> Result<()> {
    let Some(handle) = &db.tx else { return Ok(()) };
    let backend = &handle.state.backend;
    let dialect = backend.dialect();
    for sql in [dialect.rollback_to_savepoint(name), dialect.release_savepoint(name)] {
        db.record_sql(&sql);
        handle.state.observe(backend.execute(&sql, &[]).await)?;
    }
    Ok(())
}

fn rolled_back_instead() -> Error {
    Error::TransactionManagement(
        "An error occurred in the current transaction, so it was rolled back instead of committed.".into(),
    )
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Some(handle) = &self.db.tx else { return };
        let state = &handle.state;
        match state.close(handle.level, false) {
            Ok((Ending::Outermost(_), _)) => state.backend.abandon(),
            Ok((Ending::Savepoint(name), _)) => {
                let dialect = state.backend.dialect();
                let mut levels = state.lock();
                levels.pending.push(dialect.rollback_to_savepoint(&name));
                levels.pending.push(dialect.release_savepoint(&name));
            }
            Err(_) => {}
        }
    }
}

impl std::ops::Deref for Transaction {
    type Target = Db;

    fn deref(&self) -> &Db {
        &self.db
    }
}

/// How to open a transaction: `db.transaction().isolation(IsolationLevel::Serializable)`,
/// then `.begin()` for a [`Transaction`] value, `.run(..)` for an atomic block, or
/// `.run_retrying(..)` to run the block again after a serialization failure or deadlock.
#[derive(Debug, Clone)]
pub struct TransactionBuilder {
    db: Db,
    mode: TransactionMode,
}

impl TransactionBuilder {
    pub(crate) fn new(db: Db) -> Self {
        TransactionBuilder { db, mode: TransactionMode::default() }
    }

    /// The isolation level of the outermost transaction (ignored for a savepoint, which
    /// shares its transaction's level).
    pub fn isolation(mut self, level: IsolationLevel) -> Self {
        self.mode.isolation = Some(level);
        self
    }

    /// A transaction that only reads.
    pub fn read_only(mut self) -> Self {
        self.mode.read_only = true;
        self
    }

    /// Opens the transaction, or a savepoint when the handle is already inside one.
    pub async fn begin(self) -> Result<Transaction> {
        match &self.db.tx {
            None => {
                let backend = self.db.backend_arc().begin(&self.mode).await?;
                let state =
                    Arc::new(TxState { backend, levels: Mutex::new(Levels::default()), next_id: AtomicU64::new(1) });
                let level = state.new_id();
                state.lock().open.push(Level {
                    id: level,
                    savepoint: None,
                    needs_rollback: false,
                    on_commit: Vec::new(),
                });
                Ok(Transaction { db: self.db.bound_to(TxHandle { state, level }), done: false })
            }
            Some(handle) => {
                let state = handle.state.clone();
                state.ready(handle.level).await?;
                let level = state.new_id();
                let name = format!("djorm_sp_{level}");
                let sql = state.backend.dialect().savepoint(&name);
                self.db.record_sql(&sql);
                state.observe(state.backend.execute(&sql, &[]).await)?;
                state.lock().open.push(Level {
                    id: level,
                    savepoint: Some(name),
                    needs_rollback: false,
                    on_commit: Vec::new(),
                });
                Ok(Transaction { db: self.db.bound_to(TxHandle { state, level }), done: false })
            }
        }
    }

    /// Runs `block` inside the transaction (a savepoint when already inside one): commits
    /// when it returns `Ok`, rolls back when it returns `Err` or panics (the panic then goes
    /// on). The block gets a [`Db`] bound to the transaction.
    pub async fn run<T, F, Fut>(self, block: F) -> Result<T>
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let tx = self.begin().await?;
        let outcome = AssertUnwindSafe(block(tx.db.clone())).catch_unwind().await;
        match outcome {
            Ok(Ok(value)) => {
                tx.commit().await?;
                Ok(value)
            }
            Ok(Err(e)) => {
                // The block's error is the one to report; a failed rollback also ends the
                // transaction (the connection is then discarded).
                let _ = tx.rollback().await;
                Err(e)
            }
            Err(panic) => {
                let _ = tx.rollback().await;
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Like [`TransactionBuilder::run`], running the whole block again, up to `attempts`
    /// times in all, when it fails with an error worth retrying ([`Error::is_retryable`]: a
    /// serialization failure or deadlock), waiting a little longer each time. Only the
    /// outermost transaction can be retried: inside one, this is an error.
    pub async fn run_retrying<T, F, Fut>(self, attempts: u32, mut block: F) -> Result<T>
    where
        F: FnMut(Db) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if self.db.in_transaction() {
            return Err(Error::TransactionManagement(
                "run_retrying() needs to start the outermost transaction: a serialization failure aborts the whole transaction, so a savepoint cannot be retried".into(),
            ));
        }
        let attempts = attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.clone().run(&mut block).await {
                Err(e) if e.is_retryable() && attempt < attempts => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }
}

/// A short, growing, jittered pause between attempts, so two conflicting transactions do not
/// collide again at once: about 2, 4, 8 ... ms, at most ~250 ms.
fn backoff(attempt: u32) -> Duration {
    let base = 1u64 << attempt.min(7);
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()) % (base * 1000))
        .unwrap_or(0);
    Duration::from_micros(base * 1000 + jitter)
}

impl Db {
    /// How to open a transaction, with options (isolation level, read only, retries).
    pub fn transaction(&self) -> TransactionBuilder {
        TransactionBuilder::new(self.clone())
    }

    /// Starts a transaction (Django's `transaction.atomic()`), or a savepoint when this handle
    /// is already inside one: pass `&tx` to QuerySet methods, then `commit()`; dropping it
    /// without committing rolls back.
    pub async fn begin(&self) -> Result<Transaction> {
        self.transaction().begin().await
    }

    /// Runs `block` atomically (Django's `with transaction.atomic():`): in a new transaction,
    /// or in a savepoint when this handle is already inside one. `Ok` commits, `Err` or a
    /// panic rolls back.
    ///
    /// ```no_run
    /// # async fn demo(db: djorm_core::Db) -> djorm_core::Result<()> {
    /// let answer = db
    ///     .atomic(|tx| async move {
    ///         // Pass `&tx` to QuerySet methods: they run inside the transaction.
    ///         tx.on_commit(|| println!("runs once the transaction commits"))?;
    ///         Ok(42)
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn atomic<T, F, Fut>(&self, block: F) -> Result<T>
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.transaction().run(block).await
    }

    /// Runs `callback` once the outermost transaction commits (Django's
    /// `transaction.on_commit`); never if it rolls back. Outside a transaction it runs now.
    /// A savepoint's callbacks are dropped when the savepoint rolls back.
    pub fn on_commit(&self, callback: impl FnOnce() + Send + 'static) -> Result<()> {
        match &self.tx {
            None => {
                callback();
                Ok(())
            }
            Some(handle) => handle.state.on_commit(Box::new(callback)),
        }
    }

    /// Runs a multi-statement write as one unit: outside a transaction in a new one (unless it
    /// is a single statement, atomic by itself); inside one, in a savepoint, so a failure
    /// leaves the enclosing transaction as it was and usable.
    pub(crate) async fn atomic_write<T, F, Fut>(&self, statements: usize, block: F) -> Result<T>
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if statements <= 1 && !self.in_transaction() {
            return block(self.clone()).await;
        }
        self.atomic(block).await
    }
}

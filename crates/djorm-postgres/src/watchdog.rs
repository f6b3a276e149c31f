//! The client's own bound on a statement, for a server that stops answering (the server's
//! `statement_timeout` covers a server that is merely slow). A tokio timer per statement costs
//! more than the rest of a primary-key lookup's bookkeeping, so instead each connection notes
//! when its statement must end, and one thread for the whole process looks every
//! [`TICK`] and cuts the connection of any statement past its deadline: the statement then
//! fails at once, and the call reports the timeout.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::task::AbortHandle;

/// How often the watchdog looks; deadlines are kept to within this.
pub(crate) const TICK: Duration = Duration::from_millis(50);

/// Ticks since the watchdog started.
static NOW: AtomicU64 = AtomicU64::new(1);

/// Every connection's watch, for the watchdog thread.
static WATCHES: OnceLock<Mutex<Vec<Weak<Watch>>>> = OnceLock::new();

/// One connection's statement deadline.
#[derive(Debug)]
pub(crate) struct Watch {
    /// The tick after which the running statement is overdue; 0 while idle.
    deadline: AtomicU64,
    /// True once the watchdog cut the connection.
    fired: AtomicBool,
    /// Ends the connection's task, which fails every statement waiting on it.
    task: AbortHandle,
}

impl Watch {
    /// A watch over the connection whose task `task` is, registered with the watchdog.
    pub(crate) fn new(task: AbortHandle) -> Arc<Watch> {
        let watch = Arc::new(Watch { deadline: AtomicU64::new(0), fired: AtomicBool::new(false), task });
        let watches = WATCHES.get_or_init(|| {
            let _ = std::thread::Builder::new().name("djorm-watchdog".into()).spawn(watchdog);
            Mutex::new(Vec::new())
        });
        if let Ok(mut watches) = watches.lock() {
            watches.push(Arc::downgrade(&watch));
        }
        watch
    }

    /// A statement starts that must end within `limit`.
    #[inline]
    pub(crate) fn start(&self, limit: Duration) {
        let ticks = (limit.as_millis() / TICK.as_millis()).max(1) as u64 + 1;
        self.deadline.store(NOW.load(Ordering::Relaxed) + ticks, Ordering::Relaxed);
    }

    /// The statement ended.
    #[inline]
    pub(crate) fn stop(&self) {
        self.deadline.store(0, Ordering::Relaxed);
    }

    /// True when the watchdog cut this connection because a statement ran past its deadline.
    pub(crate) fn fired(&self) -> bool {
        self.fired.load(Ordering::Relaxed)
    }
}

fn watchdog() {
    loop {
        std::thread::sleep(TICK);
        let now = NOW.fetch_add(1, Ordering::Relaxed) + 1;
        let Some(watches) = WATCHES.get() else { continue };
        let Ok(mut watches) = watches.lock() else { continue };
        watches.retain(|weak| match weak.upgrade() {
            Some(watch) => {
                let deadline = watch.deadline.load(Ordering::Relaxed);
                if deadline != 0 && now > deadline && !watch.fired.swap(true, Ordering::Relaxed) {
                    watch.task.abort();
                }
                true
            }
            None => false,
        });
    }
}

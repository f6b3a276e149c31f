//! The connection a call runs on, and what happens to it when the call ends early.

use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::manager::{Object, PgConnection};

/// How long a cancel request may take before it is given up (the server may be the problem).
const CANCEL_BOUND: std::time::Duration = std::time::Duration::from_secs(5);

/// A connection inside a transaction. If it is dropped before COMMIT or ROLLBACK, the
/// connection is closed rather than pooled, so the server rolls the transaction back.
pub(crate) struct Pinned {
    pub(crate) client: Option<Object>,
    pub(crate) finished: bool,
    /// Numbers the cursors `iterator()` declares inside this transaction.
    pub(crate) cursors: u64,
}

impl Pinned {
    pub(crate) fn new(client: Object) -> Self {
        Pinned { client: Some(client), finished: false, cursors: 0 }
    }

    /// Lets the connection go without returning it to the pool: the server rolls back
    /// whatever transaction was open on it.
    pub(crate) fn discard(&mut self) {
        if let Some(object) = self.client.take() {
            drop(Object::take(object));
        }
        self.finished = true;
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if !self.finished {
            self.discard();
        }
    }
}

/// The transaction's connection, shared by the clones of its backend.
pub(crate) type SharedPinned = Arc<Mutex<Pinned>>;

/// A pooled connection, or the transaction's own. It lives on the stack for one call; boxing
/// the large variant would cost an allocation on every query.
#[allow(clippy::large_enum_variant)]
pub(crate) enum ClientGuard {
    Pooled(Object),
    Pinned(OwnedMutexGuard<Pinned>),
}

impl std::ops::Deref for ClientGuard {
    type Target = PgConnection;

    fn deref(&self) -> &Self::Target {
        match self {
            ClientGuard::Pooled(object) => object,
            // The client is present until the transaction finishes, and a finished one is
            // never handed out (see `PgBackend::client`).
            ClientGuard::Pinned(guard) => guard.client.as_deref().unwrap_or_else(|| unreachable_client()),
        }
    }
}

#[allow(clippy::panic)]
fn unreachable_client() -> &'static PgConnection {
    panic!("a finished transaction's connection was used")
}

/// A connection running one statement. If the future running it is dropped before
/// [`Running::finish`] (Ctrl-C in the shell, a timeout), the statement is cancelled on the
/// server — PostgreSQL would otherwise keep executing it — and the connection is closed, so
/// the cancel cannot hit the next statement of whoever would reuse it. Inside a transaction
/// that ends the transaction: it is rolled back.
pub(crate) struct Running {
    client: Option<ClientGuard>,
}

impl Running {
    pub(crate) fn new(client: ClientGuard) -> Self {
        Running { client: Some(client) }
    }

    /// The statement ended (with or without an error): the connection goes back as usual, or
    /// is closed when it serves one unit of work only (`conn_max_age = 0`).
    pub(crate) fn finish(mut self) {
        match self.client.take() {
            Some(ClientGuard::Pooled(object)) if object.single_use() => drop(Object::take(object)),
            _ => {}
        }
    }

    /// Takes the pooled connection out for good (a transaction pins it), disarmed.
    pub(crate) fn into_pooled(mut self) -> Option<Object> {
        match self.client.take() {
            Some(ClientGuard::Pooled(object)) => Some(object),
            _ => None,
        }
    }

    /// The connection broke: close it instead of pooling it.
    pub(crate) fn discard(mut self) {
        match self.client.take() {
            Some(ClientGuard::Pooled(object)) => drop(Object::take(object)),
            Some(ClientGuard::Pinned(mut guard)) => guard.discard(),
            None => {}
        }
    }

    /// Ends the call the way its outcome says: a broken connection is closed, a working one
    /// goes back to the pool (or stays with its transaction).
    pub(crate) fn settle(self, broken: bool) {
        if broken {
            self.discard();
        } else {
            self.finish();
        }
    }
}

impl std::ops::Deref for Running {
    type Target = PgConnection;

    fn deref(&self) -> &Self::Target {
        match &self.client {
            Some(client) => client,
            None => unreachable_client(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let canceller = client.canceller();
        let connection = match client {
            ClientGuard::Pooled(object) => Some(Object::take(object)),
            ClientGuard::Pinned(mut guard) => {
                guard.discard();
                None
            }
        };
        runtime.spawn(async move {
            let _ = tokio::time::timeout(CANCEL_BOUND, canceller.cancel()).await;
            drop(connection);
        });
    }
}

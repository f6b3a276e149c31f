//! Signals: pre/post save and pre/post delete receivers per model, as Django's
//! `django.db.models.signals`.
//!
//! Receivers are async and get the `Db` the operation ran on, so a `post_save` receiver can
//! create a related row (the chapter's "create a profile for every new user"). `update()` and
//! `bulk_create()` send no signals, as in Django; a delete sends them for every object it
//! removes, cascaded ones included.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use futures_util::future::BoxFuture;

use crate::{Db, Model, ModelMeta, Result};

/// Which signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Before an instance is saved.
    PreSave,
    /// After an instance is saved (with whether it was created).
    PostSave,
    /// Before an instance is deleted.
    PreDelete,
    /// After an instance is deleted (and the transaction committed).
    PostDelete,
}

type ErasedReceiver =
    Arc<dyn for<'a> Fn(&'a Db, &'a (dyn Any + Send + Sync), bool) -> BoxFuture<'a, Result<()>> + Send + Sync>;

type Registry = RwLock<HashMap<(Signal, usize), Vec<(u64, ErasedReceiver)>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A connected receiver; pass it to [`disconnect`] to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverId(u64);

fn key(signal: Signal, meta: &ModelMeta) -> (Signal, usize) {
    (signal, meta as *const ModelMeta as usize)
}

/// Connects `receiver` to `signal` for model `M`. The flag is `created` for post_save and
/// `false` otherwise.
///
/// ```text
/// signals::connect::<User>(Signal::PostSave, |db, user, created| Box::pin(async move {
///     if created { Profile::objects().create(db, Profile { user: user.into(), ..Default::default() }).await?; }
///     Ok(())
/// }));
/// ```
pub fn connect<M: Model>(
    signal: Signal,
    receiver: impl for<'a> Fn(&'a Db, &'a M, bool) -> BoxFuture<'a, Result<()>> + Send + Sync + 'static,
) -> ReceiverId {
    let erased: ErasedReceiver = Arc::new(move |db, object, flag| match object.downcast_ref::<M>() {
        Some(object) => receiver(db, object, flag),
        None => Box::pin(async { Ok(()) }),
    });
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut map) = registry().write() {
        map.entry(key(signal, M::meta())).or_default().push((id, erased));
    }
    ReceiverId(id)
}

/// Removes a receiver; returns whether it was connected.
pub fn disconnect(id: ReceiverId) -> bool {
    let Ok(mut map) = registry().write() else { return false };
    let mut found = false;
    for receivers in map.values_mut() {
        let before = receivers.len();
        receivers.retain(|(i, _)| *i != id.0);
        found |= receivers.len() != before;
    }
    found
}

/// True when some receiver listens to `signal` for the model.
pub fn has_receivers(signal: Signal, meta: &ModelMeta) -> bool {
    registry().read().map(|m| m.get(&key(signal, meta)).is_some_and(|r| !r.is_empty())).unwrap_or(false)
}

/// Sends `signal` for one instance to every receiver, in connection order.
pub async fn send(
    signal: Signal,
    meta: &ModelMeta,
    db: &Db,
    object: &(dyn Any + Send + Sync),
    flag: bool,
) -> Result<()> {
    let receivers: Vec<ErasedReceiver> = registry()
        .read()
        .map(|m| m.get(&key(signal, meta)).map(|r| r.iter().map(|(_, f)| f.clone()).collect()).unwrap_or_default())
        .unwrap_or_default();
    for receiver in receivers {
        receiver(db, object, flag).await?;
    }
    Ok(())
}

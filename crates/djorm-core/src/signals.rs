//! Signals: pre/post save and pre/post delete receivers per model, and `m2m_changed` per
//! many-to-many field, as Django's `django.db.models.signals`.
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
    let mut found = false;
    if let Ok(mut map) = m2m_registry().write() {
        for receivers in map.values_mut() {
            let before = receivers.len();
            receivers.retain(|(i, _)| *i != id.0);
            found |= receivers.len() != before;
        }
    }
    let Ok(mut map) = registry().write() else { return found };
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

/// What `m2m_changed` reports (Django's `action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum M2mAction {
    /// Before links are added.
    PreAdd,
    /// After links were added.
    PostAdd,
    /// Before links are removed.
    PreRemove,
    /// After links were removed.
    PostRemove,
    /// Before every link of the instance is removed.
    PreClear,
    /// After every link of the instance was removed.
    PostClear,
}

/// One change of a many-to-many relation, as Django's `m2m_changed` arguments describe it.
#[derive(Debug, Clone, Copy)]
pub struct M2mChange<'a> {
    /// Which step.
    pub action: M2mAction,
    /// The model declaring the ManyToManyField (Django's sender is its through model).
    pub field_model: &'static ModelMeta,
    /// The field's name.
    pub field: &'static str,
    /// The model of the instance whose relation changed.
    pub instance_model: &'static ModelMeta,
    /// That instance's key.
    pub instance_pk: &'a djorm_sql::Value,
    /// True when changed from the reverse side (`tag.posts.add(post)`).
    pub reverse: bool,
    /// The model of the objects added or removed.
    pub model: &'static ModelMeta,
    /// Their keys: for an add only those not linked yet, for a remove those given, `None` for
    /// a clear.
    pub pk_set: Option<&'a [djorm_sql::Value]>,
}

type M2mReceiver = Arc<dyn for<'a> Fn(&'a Db, M2mChange<'a>) -> BoxFuture<'a, Result<()>> + Send + Sync>;

type M2mRegistry = RwLock<HashMap<(usize, &'static str), Vec<(u64, M2mReceiver)>>>;

fn m2m_registry() -> &'static M2mRegistry {
    static REGISTRY: OnceLock<M2mRegistry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Connects `receiver` to Django's `m2m_changed` for the many-to-many field `field` of `M`:
/// it hears adds, removes and clears from either side of the relation.
pub fn connect_m2m_changed<M: Model>(
    field: &'static str,
    receiver: impl for<'a> Fn(&'a Db, M2mChange<'a>) -> BoxFuture<'a, Result<()>> + Send + Sync + 'static,
) -> ReceiverId {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut map) = m2m_registry().write() {
        let key = (M::meta() as *const ModelMeta as usize, field);
        map.entry(key).or_default().push((id, Arc::new(receiver)));
    }
    ReceiverId(id)
}

/// True when a receiver listens to changes of `field_model.field`.
pub fn has_m2m_receivers(field_model: &ModelMeta, field: &str) -> bool {
    m2m_registry()
        .read()
        .map(|m| {
            m.iter().any(|((model, name), r)| {
                *model == field_model as *const ModelMeta as usize && *name == field && !r.is_empty()
            })
        })
        .unwrap_or(false)
}

/// Sends one `m2m_changed` to the field's receivers, in connection order.
pub async fn send_m2m_changed(db: &Db, change: M2mChange<'_>) -> Result<()> {
    let receivers: Vec<M2mReceiver> = m2m_registry()
        .read()
        .map(|m| {
            m.iter()
                .filter(|((model, name), _)| {
                    *model == change.field_model as *const ModelMeta as usize && *name == change.field
                })
                .flat_map(|(_, r)| r.iter().map(|(_, f)| f.clone()))
                .collect()
        })
        .unwrap_or_default();
    for receiver in receivers {
        receiver(db, change).await?;
    }
    Ok(())
}

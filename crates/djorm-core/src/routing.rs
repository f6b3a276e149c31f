//! Several databases (Django's `DATABASES` and `DATABASE_ROUTERS`): named aliases, one pool each,
//! and routers consulted in order for every query that does not name its database.
//!
//! A [`Databases`] set builds one [`Db`] handle for the `default` alias that knows the others.
//! Every terminal QuerySet method given that handle asks the routers where to go —
//! [`Router::db_for_read`] for reads, [`Router::db_for_write`] for writes — and runs all of its
//! statements (the deletion collector's, a prefetch's) on the database chosen; the first router
//! with an answer wins, and `default` is the answer when none has one, as in Django.
//! `qs.using("alias")` and `db.using("alias")` name the database instead. A handle bound to a
//! transaction never routes: every query inside a transaction goes to the transaction's database.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{Db, Error, ModelMeta, Result};

/// What Django passes a router besides the model: the instance being saved or deleted, when
/// there is one (a router downcasts it to the model's type), and the database of the instance
/// the query is about.
#[derive(Clone, Copy, Default)]
pub struct Hints<'a> {
    /// The instance a write is about.
    pub instance: Option<&'a (dyn Any + Send + Sync)>,
    /// The database the instance the query is about came from (Django's `instance._state.db`):
    /// the instance saved or deleted, or the owner of a related manager or key. It is where
    /// the query goes when no router answers.
    pub instance_db: Option<&'a str>,
}

impl std::fmt::Debug for Hints<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hints")
            .field("instance", &self.instance.is_some())
            .field("instance_db", &self.instance_db)
            .finish()
    }
}

/// One side of a relation a router is asked about ([`Router::allow_relation`]): the model,
/// the database its object is on, and the object itself when the caller holds it (a key to the
/// other side holds only its primary key).
#[derive(Clone, Copy)]
pub struct RelationEnd<'a> {
    /// The object's model.
    pub model: &'static ModelMeta,
    /// The alias of the database the object is on.
    pub db: &'a str,
    /// The object, when at hand (a router downcasts it to the model's type).
    pub instance: Option<&'a (dyn Any + Send + Sync)>,
}

impl std::fmt::Debug for RelationEnd<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelationEnd")
            .field("model", &self.model.object_name)
            .field("db", &self.db)
            .field("instance", &self.instance.is_some())
            .finish()
    }
}

/// Django's database router: each method may answer or pass (`None`) to the next router.
pub trait Router: Send + Sync + 'static {
    /// The alias reads of `model` go to.
    fn db_for_read(&self, model: &'static ModelMeta, hints: &Hints<'_>) -> Option<String> {
        let _ = (model, hints);
        None
    }

    /// The alias writes of `model` go to.
    fn db_for_write(&self, model: &'static ModelMeta, hints: &Hints<'_>) -> Option<String> {
        let _ = (model, hints);
        None
    }

    /// Whether an object on one database may point at (or be added to a relation of) an object
    /// on another: saving a key, `add()`/`set()` on a related manager. When no router answers,
    /// only objects of the same database may be related (Django's rule).
    fn allow_relation(&self, a: &RelationEnd<'_>, b: &RelationEnd<'_>) -> Option<bool> {
        let _ = (a, b);
        None
    }

    /// Whether migrations of `app_label` (and `model_name`, when the operation has one) run on
    /// the database `db` (`migrate --database db`).
    fn allow_migrate(&self, db: &str, app_label: &str, model_name: Option<&str>) -> Option<bool> {
        let _ = (db, app_label, model_name);
        None
    }
}

/// The databases of a [`Databases`] set and its routers, shared by every handle made from it.
pub(crate) struct Cluster {
    databases: BTreeMap<&'static str, Db>,
    routers: Vec<Arc<dyn Router>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("aliases", &self.databases.keys())
            .field("routers", &self.routers.len())
            .finish()
    }
}

impl Cluster {
    /// The handle of `alias`, knowing the set (so it can name another alias in turn).
    pub(crate) fn handle(self: &Arc<Self>, alias: &str) -> Result<Db> {
        let db = self.databases.get(alias).ok_or_else(|| Error::ConnectionDoesNotExist {
            alias: alias.escape_debug().to_string(),
            hint: String::new(),
        })?;
        Ok(db.in_cluster(self.clone()))
    }

    /// The alias the routers choose for a read or a write of `model`; when none does, the
    /// database of the instance the hints name, else `default` (Django's rule).
    pub(crate) fn choose(&self, write: bool, model: &'static ModelMeta, hints: &Hints<'_>) -> String {
        self.routers
            .iter()
            .find_map(|r| if write { r.db_for_write(model, hints) } else { r.db_for_read(model, hints) })
            .or_else(|| hints.instance_db.map(str::to_owned))
            .unwrap_or_else(|| "default".to_owned())
    }

    /// Whether the routers let `a` and `b` be related; when none answers, whether they are on
    /// the same database.
    pub(crate) fn allow_relation(&self, a: &RelationEnd<'_>, b: &RelationEnd<'_>) -> bool {
        self.routers.iter().find_map(|r| r.allow_relation(a, b)).unwrap_or(a.db == b.db)
    }

    /// Whether the routers let `app_label.model_name` migrate on `db` (yes when none answers).
    pub(crate) fn allow_migrate(&self, db: &str, app_label: &str, model_name: Option<&str>) -> bool {
        self.routers.iter().find_map(|r| r.allow_migrate(db, app_label, model_name)).unwrap_or(true)
    }
}

/// A set of named databases and the routers between them (Django's `DATABASES` and
/// `DATABASE_ROUTERS`); [`Databases::build`] gives the `default` handle.
#[derive(Default)]
pub struct Databases {
    databases: Vec<(String, Db)>,
    routers: Vec<Arc<dyn Router>>,
}

impl Databases {
    /// An empty set.
    pub fn new() -> Self {
        Databases::default()
    }

    /// Adds the database `alias` (`default`, `replica`, `analytics`, ...).
    pub fn database(mut self, alias: impl Into<String>, db: Db) -> Self {
        self.databases.push((alias.into(), db));
        self
    }

    /// Appends a router; routers are asked in the order they were added.
    pub fn router(mut self, router: impl Router) -> Self {
        self.routers.push(Arc::new(router));
        self
    }

    /// The handle of `default`, which routes and can name every alias; an error without a
    /// `default` or with an alias twice.
    pub fn build(self) -> Result<Db> {
        let mut databases = BTreeMap::new();
        for (alias, db) in self.databases {
            let alias: &'static str = Box::leak(alias.into_boxed_str());
            if databases.insert(alias, db.with_alias(alias)).is_some() {
                return Err(Error::Config(format!("the database alias '{alias}' is configured twice")));
            }
        }
        if !databases.contains_key("default") {
            return Err(Error::Config("You must define a 'default' database.".into()));
        }
        let cluster = Arc::new(Cluster { databases, routers: self.routers });
        let default = cluster.handle("default")?;
        Ok(default.unpinned())
    }
}

/// Django's classic primary/replica router, built in: reads spread over the replicas in turn,
/// writes go to the primary, and (opt-in) a task that wrote reads from the primary for a while
/// after, so it sees its own writes despite replication lag. Queries inside a transaction go to
/// the transaction's database (the primary) whatever the router says. Only the primary migrates.
pub struct PrimaryReplicaRouter {
    primary: String,
    replicas: Vec<String>,
    next: AtomicUsize,
    read_your_writes: Option<Duration>,
    recent_writes: Mutex<HashMap<Writer, Instant>>,
}

/// Who wrote: the tokio task, or the thread outside any task (a `block_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Writer {
    Task(tokio::task::Id),
    Thread(std::thread::ThreadId),
}

fn writer() -> Writer {
    tokio::task::try_id().map(Writer::Task).unwrap_or_else(|| Writer::Thread(std::thread::current().id()))
}

impl PrimaryReplicaRouter {
    /// Writes to `primary` (usually `default`), reads spread over `replicas`.
    pub fn new(primary: impl Into<String>, replicas: impl IntoIterator<Item = impl Into<String>>) -> Self {
        PrimaryReplicaRouter {
            primary: primary.into(),
            replicas: replicas.into_iter().map(Into::into).collect(),
            next: AtomicUsize::new(0),
            read_your_writes: None,
            recent_writes: Mutex::new(HashMap::new()),
        }
    }

    /// After a write, the same task reads from the primary for `window` (longer than the usual
    /// replication lag).
    pub fn read_your_writes(mut self, window: Duration) -> Self {
        self.read_your_writes = Some(window);
        self
    }

    fn wrote_recently(&self) -> bool {
        let Some(window) = self.read_your_writes else { return false };
        let recent = self.recent_writes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        recent.get(&writer()).is_some_and(|at| at.elapsed() < window)
    }
}

impl Router for PrimaryReplicaRouter {
    fn db_for_read(&self, _: &'static ModelMeta, _: &Hints<'_>) -> Option<String> {
        if self.replicas.is_empty() || self.wrote_recently() {
            return Some(self.primary.clone());
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.replicas.len();
        Some(self.replicas[i].clone())
    }

    fn db_for_write(&self, _: &'static ModelMeta, _: &Hints<'_>) -> Option<String> {
        if let Some(window) = self.read_your_writes {
            let mut recent = self.recent_writes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // Forget writers whose window has passed, so the map stays as small as the set of
            // tasks that wrote lately.
            recent.retain(|_, at| at.elapsed() < window);
            recent.insert(writer(), Instant::now());
        }
        Some(self.primary.clone())
    }

    /// Objects of the primary and its replicas are the same rows: any two may be related.
    fn allow_relation(&self, a: &RelationEnd<'_>, b: &RelationEnd<'_>) -> Option<bool> {
        let ours = |db: &str| db == self.primary || self.replicas.iter().any(|r| r == db);
        (ours(a.db) && ours(b.db)).then_some(true)
    }

    fn allow_migrate(&self, db: &str, _: &str, _: Option<&str>) -> Option<bool> {
        Some(db == self.primary)
    }
}

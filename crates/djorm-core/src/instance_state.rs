//! [`InstanceState`]: what an instance knows about itself besides its fields (Django's
//! `instance._state`): the database it was loaded from or last saved to.

/// The database an instance came from (Django's `_state.db`), kept in a field the model
/// declares (`pub state: InstanceState`; it is not a column).
///
/// Queries set it to the alias of the database that returned the row, and saves to the
/// database written. With several databases it decides, when no router answers, where the
/// instance saves and deletes back to and where its related managers and keys read (Django's
/// fallback to `instance._state.db`), and lets routers refuse relations between databases
/// (`Router::allow_relation`). A model without the field works the same with one database; with
/// several, its saves follow the routers or go to `default` (`djorm check` warns).
#[derive(Clone, Copy, Default)]
pub struct InstanceState {
    db: Option<&'static str>,
}

impl InstanceState {
    /// The state of an instance `db` returned (or that was just saved there).
    #[doc(hidden)]
    pub fn loaded(db: Option<&'static str>) -> Self {
        InstanceState { db }
    }

    /// The alias of the database the instance was loaded from or last saved to; `None` for a
    /// new instance.
    pub fn db(&self) -> Option<&'static str> {
        self.db
    }

    /// True until the instance is saved or loaded (Django's `_state.adding`).
    pub fn adding(&self) -> bool {
        self.db.is_none()
    }

    /// Records the database the instance now lives on.
    #[doc(hidden)]
    pub fn set_db(&mut self, db: &'static str) {
        self.db = Some(db);
    }
}

impl PartialEq for InstanceState {
    /// Always equal: two instances are the same row whatever database handle read them (Django
    /// compares instances by primary key).
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for InstanceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.db {
            Some(db) => write!(f, "InstanceState(db={db:?})"),
            None => f.write_str("InstanceState(adding)"),
        }
    }
}

//! Typed paths across relations: `Post::author().name()`, `Author::posts().title()`.

use std::ops::Deref;

use djorm_sql::Value;

use crate::q::LookupPath;
use crate::vocabulary::{self, LookupDef};
use crate::{Model, Rhs, Q};

/// A path through a relation from model `R` to model `T`. It dereferences to `T`'s field paths,
/// so `Post::author().name().icontains("ann")` is checked by the compiler; its own lookups
/// compare the related primary key.
pub struct RelatedPath<R, T: Model> {
    path: String,
    paths: T::Paths<R>,
}

impl<R, T: Model> RelatedPath<R, T> {
    /// The path named `path` (used by the derive).
    pub fn new(path: String) -> Self {
        let paths = T::paths(format!("{path}__"));
        RelatedPath { path, paths }
    }

    fn lookup(self, lookup: &'static LookupDef, rhs: Rhs) -> Q {
        Q::Lookup { path: LookupPath::parsed(self.path, Vec::new(), lookup), rhs }
    }

    /// The related object's primary key equals `key` (`filter(author=jane.id)`).
    pub fn exact(self, key: impl Into<Value>) -> Q {
        self.lookup(&vocabulary::EXACT, Rhs::Value(key.into()))
    }

    /// The related primary key is one of `keys`.
    pub fn in_<V: Into<Value>>(self, keys: impl IntoIterator<Item = V>) -> Q {
        self.lookup(&vocabulary::IN, Rhs::List(keys.into_iter().map(Into::into).collect()))
    }

    /// There is (not) a related object.
    pub fn isnull(self, is_null: bool) -> Q {
        self.lookup(&vocabulary::ISNULL, Rhs::Value(Value::Bool(is_null)))
    }

    /// The path in Django's spelling.
    pub fn lookup_path(&self) -> &str {
        &self.path
    }
}

impl<R, T: Model> Deref for RelatedPath<R, T> {
    type Target = T::Paths<R>;

    fn deref(&self) -> &Self::Target {
        &self.paths
    }
}

//! What a relation container knows about the instance it belongs to.

use djorm_sql::Value;

use crate::{Error, ModelMeta, Result};

/// The owning instance of a related manager: its model, the field name and its primary key.
/// Set when the instance is loaded or saved.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The model that holds the container.
    pub owner: &'static ModelMeta,
    /// The container's field name.
    pub name: &'static str,
    /// The owner's primary key.
    pub pk: Value,
}

/// The binding, or the error Django gives for an unsaved instance.
pub(crate) fn bound<'a>(binding: &'a Option<Binding>, what: &str) -> Result<&'a Binding> {
    match binding {
        Some(b) if !b.pk.is_null() => Ok(b),
        _ => Err(Error::InvalidQuery(format!(
            "the instance needs a primary key value before the relationship '{what}' can be used (save it first)"
        ))),
    }
}

impl PartialEq for Binding {
    fn eq(&self, other: &Self) -> bool {
        self.owner.is(other.owner) && self.name == other.name && self.pk == other.pk
    }
}

/// The objects a related manager holds once prefetch_related has loaded them: its own group
/// among all the groups of one prefetch level, which every parent of that level shares (one
/// allocation per level, not one per parent).
pub struct CachedGroup<T> {
    groups: std::sync::Arc<Vec<Vec<T>>>,
    index: usize,
}

impl<T> CachedGroup<T> {
    /// A group of its own (objects set by hand rather than by prefetch_related).
    pub fn own(objects: Vec<T>) -> Self {
        CachedGroup { groups: std::sync::Arc::new(vec![objects]), index: 0 }
    }

    /// Group `index` of a prefetch level's `groups`.
    pub fn shared(groups: std::sync::Arc<Vec<Vec<T>>>, index: usize) -> Self {
        CachedGroup { groups, index }
    }

    /// The objects of this group.
    pub fn as_slice(&self) -> &[T] {
        self.groups.get(self.index).map_or(&[], Vec::as_slice)
    }
}

impl<T> Clone for CachedGroup<T> {
    fn clone(&self) -> Self {
        CachedGroup { groups: self.groups.clone(), index: self.index }
    }
}

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
    /// The database the owner was loaded from or saved to, when it remembers (its
    /// `InstanceState`): where the manager reads and writes when no router answers.
    pub db: Option<&'static str>,
}

/// The impls every bound relation container shares: empty by default, cloned field by field,
/// equal when bound to the same row and field, shown by its target model's name.
macro_rules! bound_container {
    ($name:ident) => {
        impl<T: Model> $name<T> {
            /// The reverse accessor `name` of `owner`, for a model that cannot declare the field
            /// (a model of another crate, like djorm-auth's `User`): Django's `user.profile` is
            /// `ReverseOne::<Profile>::of(&user, "profile").get(&db)`.
            pub fn of<O: Model>(owner: &O, name: &'static str) -> Self {
                $name { binding: Some(super::containers::Binding::of(owner, name)), cached: None }
            }
        }

        impl<T: Model> Default for $name<T> {
            fn default() -> Self {
                $name { binding: None, cached: None }
            }
        }

        impl<T: Model> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name { binding: self.binding.clone(), cached: self.cached.clone() }
            }
        }

        impl<T: Model> PartialEq for $name<T> {
            /// Containers compare equal when they belong to the same row and field.
            fn eq(&self, other: &Self) -> bool {
                self.binding == other.binding
            }
        }

        impl<T: Model> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "<{}>"), T::meta().object_name)
            }
        }
    };
}
pub(crate) use bound_container;

/// The accessors of a container caching one related object (`Option<Arc<T>>`): what
/// select_related or prefetch_related loaded.
macro_rules! cached_one {
    () => {
        /// The related object when select_related or prefetch_related loaded it.
        pub fn cached(&self) -> Option<&T> {
            self.cached.as_deref()
        }

        /// Stores the loaded related object.
        pub fn set_cached(&mut self, object: Option<T>) {
            self.cached = object.map(Arc::new);
        }

        /// Stores a loaded object already shared (how select_related hands it over).
        #[doc(hidden)]
        pub fn set_cached_shared(&mut self, object: Option<Arc<T>>) {
            self.cached = object;
        }
    };
}
pub(crate) use cached_one;

/// The accessors of a manager caching a group of related objects (`Option<CachedGroup<T>>`):
/// what prefetch_related loaded, and the binding to its instance.
macro_rules! cached_many {
    () => {
        /// Connects the manager to its instance (called by the derive).
        #[doc(hidden)]
        pub fn bind(&mut self, binding: Binding) {
            self.binding = Some(binding);
        }

        /// The objects prefetch_related loaded, if it ran.
        pub fn cached(&self) -> Option<&[T]> {
            self.cached.as_ref().map(CachedGroup::as_slice)
        }

        /// Stores prefetched objects.
        pub fn set_cached(&mut self, objects: Vec<T>) {
            self.cached = Some(CachedGroup::own(objects));
        }

        /// Stores prefetched objects already shared (how prefetch_related hands them over).
        #[doc(hidden)]
        pub fn set_cached_shared(&mut self, objects: CachedGroup<T>) {
            self.cached = Some(objects);
        }
    };
}
pub(crate) use cached_many;

impl Binding {
    /// The binding of `owner`'s relation `name`.
    pub fn of<O: crate::Model>(owner: &O, name: &'static str) -> Self {
        Binding {
            owner: O::meta(),
            name,
            pk: owner.pk_value(),
            db: owner.instance_state().and_then(crate::InstanceState::db),
        }
    }
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

//! `ForeignKey<T>` and `OneToOne<T>`: the key column, plus the related object once loaded.
//!
//! The key's Rust type is the target's primary key type unless a second parameter says
//! otherwise: a key with `to_field = "email"` is `ForeignKey<Person, String>`.

use std::sync::Arc;

use djorm_sql::Value;

use crate::{Db, Error, FieldKind, FieldType, Model, QuerySet, Result, Q};

/// What a key column can hold: any field type that compares, prints and has a default.
pub trait KeyType: FieldType + Clone + PartialEq + Default + std::fmt::Debug {}

impl<K: FieldType + Clone + PartialEq + Default + std::fmt::Debug> KeyType for K {}

/// The key type of a key field (`ForeignKey<T, K>` or `Option` of one), for the derive's check
/// that it matches the field `to_field` names.
#[doc(hidden)]
pub trait KeyField {
    /// The key's Rust type.
    type Key;
}

impl<F: KeyField> KeyField for Option<F> {
    type Key = F::Key;
}

/// Holds for a field (`Field<T, K>`) whose values a key of type `Key` can hold.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the key holds `{Key}`, but its `to_field` names `{Self}`",
    label = "declare the key with the referenced field's type, e.g. `ForeignKey<Target, String>` for a text field"
)]
pub trait ReferencedBy<Key> {}

impl<T, K> ReferencedBy<K> for crate::Field<T, K> {}

/// Compiles only when a key of type `Key` can hold the values of `field` (the derive calls it
/// for every `to_field`).
#[doc(hidden)]
pub fn key_matches_to_field<Key, F: ReferencedBy<Key>>(field: F) {
    let _ = field;
}

/// The model field a key value sits in and the target field it references (one static per
/// key field, built by the derive: a key carries a pointer to it, not three names).
#[doc(hidden)]
#[derive(Debug)]
pub struct KeyOrigin {
    /// The model holding the key.
    pub model: &'static str,
    /// The key field's name.
    pub field: &'static str,
    /// The target field the key references (`"pk"` unless `to_field` names another).
    pub to_field: &'static str,
}

/// A key whose object is on a known database, as [`crate::Model::key_databases`] lists it for
/// the relation check before a save.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct KeyDatabase {
    /// The key field's name.
    pub field: &'static str,
    /// The model the key points at.
    pub target: &'static crate::ModelMeta,
    /// The alias of the database that object is on.
    pub db: &'static str,
    /// The key's value.
    pub key: Value,
}

macro_rules! key_field {
    ($(#[$doc:meta])* $name:ident, $kind:ident) => {
        $(#[$doc])*
        pub struct $name<T: Model, K: KeyType = <T as Model>::Pk> {
            /// The key (`post.author.id` is Django's `post.author_id`).
            pub id: K,
            cached: Option<Arc<T>>,
            origin: Option<&'static KeyOrigin>,
            db: Option<&'static str>,
        }

        impl<T: Model, K: KeyType> $name<T, K> {
            /// A key pointing at the row whose referenced field (the primary key unless
            /// `to_field` names another) is `id`.
            pub fn new(id: K) -> Self {
                $name { id, cached: None, origin: None, db: None }
            }

            /// The alias of the database the object pointed at is on, when known: the
            /// database of the instance the key was made from, or of the instance holding the
            /// key. Saving the key to another database asks `Router::allow_relation`.
            pub fn database(&self) -> Option<&'static str> {
                self.db
            }

            /// Takes the database of the instance holding the key, unless the key already
            /// knows where its object is (set by the derive on load and save).
            #[doc(hidden)]
            pub fn adopt_database(&mut self, db: Option<&'static str>) {
                if self.db.is_none() {
                    self.db = db;
                }
            }

            super::containers::cached_one!();

            /// Records which model field this is and which target field it references, for
            /// N+1 reports and `get()` (set by the derive).
            #[doc(hidden)]
            pub fn set_origin(&mut self, origin: &'static KeyOrigin) {
                self.origin = Some(origin);
            }

            /// The related object: the loaded one, or one query to fetch it (an explicit
            /// round trip, never a hidden one).
            pub async fn get(&self, db: &Db) -> Result<T>
            where
                T: Clone,
            {
                if let Some(cached) = &self.cached {
                    return Ok((**cached).clone());
                }
                // Every row, whatever the target's default manager filters (Django reads a
                // forward key through the base manager).
                let mut qs = QuerySet::<T>::new().around_instance_of(self.db);
                let mut to_field = "pk";
                if let Some(origin) = self.origin {
                    qs = qs.traced(format!("{}.{}: use select_related(\"{}\")", origin.model, origin.field, origin.field));
                    to_field = origin.to_field;
                }
                qs.get(db, Q::new(to_field, self.id.to_value())).await
            }
        }

        impl<T: Model, K: KeyType> KeyField for $name<T, K> {
            type Key = K;
        }

        impl<T: Model, K: KeyType> Clone for $name<T, K> {
            fn clone(&self) -> Self {
                $name { id: self.id.clone(), cached: self.cached.clone(), origin: self.origin, db: self.db }
            }
        }

        impl<T: Model, K: KeyType> Default for $name<T, K> {
            fn default() -> Self {
                $name::new(K::default())
            }
        }

        impl<T: Model, K: KeyType> PartialEq for $name<T, K> {
            /// Two keys are equal when they point at the same row.
            fn eq(&self, other: &Self) -> bool {
                self.id == other.id
            }
        }

        impl<T: Model, K: KeyType> std::fmt::Debug for $name<T, K> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}<{}>({:?})", stringify!($name), T::meta().object_name, self.id)
            }
        }

        /// The key of `object` (a key to another field than the primary key is built with
        /// `new(object.that_field)`).
        impl<T: Model> From<&T> for $name<T> {
            fn from(object: &T) -> Self {
                let mut key = $name::new(object.pk());
                key.db = object.instance_state().and_then(crate::InstanceState::db);
                key
            }
        }

        impl<T: Model, K: KeyType> FieldType for $name<T, K> {
            const KIND: FieldKind = FieldKind::$kind;

            fn to_value(&self) -> Value {
                self.id.to_value()
            }

            fn is_unsaved_reference(&self) -> bool {
                self.id.to_value().is_null()
            }

            fn from_value(value: Value) -> Result<Self> {
                if value.is_null() {
                    return Err(Error::Decode(format!("NULL as a key to {}", T::meta().object_name)));
                }
                Ok($name::new(K::from_value(value)?))
            }

            #[inline]
            fn read(reader: &mut crate::RowReader<'_>) -> Result<Self> {
                match K::read_nullable(reader)? {
                    Some(id) => Ok($name::new(id)),
                    None => Err(Error::Decode(format!("NULL as a key to {}", T::meta().object_name))),
                }
            }

            #[inline]
            fn read_nullable(reader: &mut crate::RowReader<'_>) -> Result<Option<Self>> {
                Ok(K::read_nullable(reader)?.map($name::new))
            }
        }
    };
}

key_field!(
    /// A ForeignKey to `T` (Django's many-to-one). `Option<ForeignKey<T>>` is `null=True`; a key
    /// to another unique field than the primary key names its type: `to_field = "email"` on a
    /// `ForeignKey<Person, String>`.
    ForeignKey,
    ForeignKey
);

key_field!(
    /// A OneToOneField to `T`: a unique ForeignKey whose reverse side is one object.
    OneToOne,
    OneToOneField
);

//! `ForeignKey<T>` and `OneToOne<T>`: the key column, plus the related object once loaded.

use std::sync::Arc;

use djorm_sql::Value;

use crate::{Db, Error, FieldKind, FieldType, Model, Result, Q};

macro_rules! key_field {
    ($(#[$doc:meta])* $name:ident, $kind:ident) => {
        $(#[$doc])*
        pub struct $name<T: Model> {
            /// The key (`post.author.id` is Django's `post.author_id`).
            pub id: T::Pk,
            cached: Option<Arc<T>>,
            origin: Option<(&'static str, &'static str)>,
        }

        impl<T: Model> $name<T> {
            /// A key pointing at the row whose primary key is `id`.
            pub fn new(id: T::Pk) -> Self {
                $name { id, cached: None, origin: None }
            }

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

            /// Records which model field this is, for N+1 reports (set by the derive).
            #[doc(hidden)]
            pub fn set_origin(&mut self, model: &'static str, field: &'static str) {
                self.origin = Some((model, field));
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
                let mut qs = T::objects();
                if let Some((model, field)) = self.origin {
                    qs = qs.traced(format!("{model}.{field}: use select_related(\"{field}\")"));
                }
                qs.get(db, Q::new("pk", self.id.to_value())).await
            }
        }

        impl<T: Model> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name { id: self.id.clone(), cached: self.cached.clone(), origin: self.origin }
            }
        }

        impl<T: Model> Default for $name<T> {
            fn default() -> Self {
                $name::new(T::Pk::default())
            }
        }

        impl<T: Model> PartialEq for $name<T> {
            /// Two keys are equal when they point at the same row.
            fn eq(&self, other: &Self) -> bool {
                self.id == other.id
            }
        }

        impl<T: Model> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}<{}>({:?})", stringify!($name), T::meta().object_name, self.id)
            }
        }

        impl<T: Model> From<&T> for $name<T> {
            fn from(object: &T) -> Self {
                $name::new(object.pk())
            }
        }

        impl<T: Model> FieldType for $name<T> {
            const KIND: FieldKind = FieldKind::$kind;

            fn to_value(&self) -> Value {
                self.id.to_value()
            }

            fn from_value(value: Value) -> Result<Self> {
                if value.is_null() {
                    return Err(Error::Decode(format!("NULL as a key to {}", T::meta().object_name)));
                }
                Ok($name::new(T::Pk::from_value(value)?))
            }

            #[inline]
            fn read(reader: &mut crate::RowReader<'_>) -> Result<Self> {
                match T::Pk::read_nullable(reader)? {
                    Some(id) => Ok($name::new(id)),
                    None => Err(Error::Decode(format!("NULL as a key to {}", T::meta().object_name))),
                }
            }

            #[inline]
            fn read_nullable(reader: &mut crate::RowReader<'_>) -> Result<Option<Self>> {
                Ok(T::Pk::read_nullable(reader)?.map($name::new))
            }
        }
    };
}

key_field!(
    /// A ForeignKey to `T` (Django's many-to-one). `Option<ForeignKey<T>>` is `null=True`.
    ForeignKey,
    ForeignKey
);

key_field!(
    /// A OneToOneField to `T`: a unique ForeignKey whose reverse side is one object.
    OneToOne,
    OneToOneField
);

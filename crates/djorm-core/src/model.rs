//! The `Model` trait that `#[derive(Model)]` implements.

use std::fmt::Debug;

use djorm_sql::Value;

use crate::{Error, FieldType, ModelMeta, QuerySet, Related, Result, RowReader};

/// A database-backed struct: one row of one table.
///
/// Implemented by `#[derive(Model)]`; the methods are the glue the QuerySet needs and are not
/// meant to be called by hand.
pub trait Model: Sized + Send + Sync + Unpin + Default + 'static {
    /// The primary key's Rust type (`AutoId` for Django's implicit `id`).
    type Pk: FieldType + Clone + PartialEq + Default + Debug;

    /// The typed field paths of this model, reached from model `R` through relations.
    type Paths<R>;

    /// The paths of this model's fields, each prefixed with `prefix` (`"author__"`).
    fn paths<R>(prefix: String) -> Self::Paths<R>;

    /// The model's metadata (Django's `_meta`).
    fn meta() -> &'static ModelMeta;

    /// Builds an instance from one row holding every concrete field, in declaration order.
    fn from_row(row: &mut RowReader<'_>) -> Result<Self>;

    /// Every concrete field's value, in declaration order.
    fn field_values(&self) -> Vec<Value>;

    /// One concrete field's value, by its index in declaration order (`Value::Null` past the
    /// last): how prefetch_related reads a child's link without copying its other fields.
    fn field_value(&self, index: usize) -> Value {
        self.field_values().into_iter().nth(index).unwrap_or(Value::Null)
    }

    /// The primary key.
    fn pk(&self) -> Self::Pk;

    /// The primary key's value (`Value::Null` before the first save of an auto key).
    fn pk_value(&self) -> Value {
        self.pk().to_value()
    }

    /// Stores the primary key the database assigned.
    fn set_pk_value(&mut self, value: Value) -> Result<()>;

    /// Sets one concrete field by name (a key field takes the related primary key).
    fn set_value(&mut self, field: &str, value: Value) -> Result<()>;

    /// The instance's [`InstanceState`](crate::InstanceState), when the model declares one.
    fn instance_state(&self) -> Option<&crate::InstanceState> {
        None
    }

    /// The instance's [`InstanceState`](crate::InstanceState) to update, when the model
    /// declares one.
    fn instance_state_mut(&mut self) -> Option<&mut crate::InstanceState> {
        None
    }

    /// The keys that point at an object of a known database (a key made from an instance that
    /// remembers its database): the key field, its target model and that database.
    #[doc(hidden)]
    fn key_databases(&self) -> Vec<crate::relations::KeyDatabase> {
        Vec::new()
    }

    /// Connects related managers (`Reverse`, `ManyToMany`, ...) to this instance's key.
    fn bind_relations(&mut self) {}

    /// Stores objects loaded by select_related / prefetch_related on the relation `name`.
    fn set_related(&mut self, name: &str, related: Related) -> Result<()> {
        let _ = related;
        Err(Error::field(format!(
            "{} has no relation field '{name}' to hold related objects",
            Self::meta().object_name
        )))
    }

    /// Fills `auto_now` (and, when `adding`, `auto_now_add`) fields before a save.
    fn pre_save(&mut self, adding: bool);

    /// The first key field pointing at an object that was never saved (its key is unset), for
    /// Django's "save() prohibited to prevent data loss due to unsaved related object".
    fn unsaved_relation(&self) -> Option<&'static str> {
        None
    }

    /// The default manager, Django's `Model.objects`: the first declared manager's rows, else
    /// every row. (`QuerySet::new()` is every row whatever the managers: Django's
    /// `_base_manager`.)
    fn objects() -> QuerySet<Self> {
        QuerySet::from_untyped(Self::meta().default_queryset())
    }
}

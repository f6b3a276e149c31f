//! The `Model` trait that `#[derive(Model)]` implements.

use djorm_sql::Value;

use crate::{FieldType, ModelMeta, QuerySet, Result};

/// A database-backed struct: one row of one table.
///
/// Implemented by `#[derive(Model)]`; the methods are the glue the QuerySet needs and are not
/// meant to be called by hand.
pub trait Model: Sized + Send + Sync + Unpin + 'static {
    /// The model's metadata (Django's `_meta`).
    fn meta() -> &'static ModelMeta;

    /// Builds an instance from one row holding every concrete field, in declaration order.
    fn from_row(row: &mut RowReader<'_>) -> Result<Self>;

    /// Every concrete field's value, in declaration order.
    fn field_values(&self) -> Vec<Value>;

    /// The primary key's value (`Value::Null` before the first save of an auto key).
    fn pk_value(&self) -> Value;

    /// Stores the primary key the database assigned.
    fn set_pk_value(&mut self, value: Value) -> Result<()>;

    /// Fills `auto_now` (and, when `adding`, `auto_now_add`) fields before a save.
    fn pre_save(&mut self, adding: bool);

    /// The default manager, Django's `Model.objects`.
    fn objects() -> QuerySet<Self> {
        QuerySet::new()
    }
}

/// Hands out a row's values one column at a time, in order.
#[derive(Debug)]
pub struct RowReader<'a> {
    values: &'a mut std::vec::IntoIter<Value>,
}

impl<'a> RowReader<'a> {
    /// A reader taking the next row's columns from `values`.
    pub fn new(values: &'a mut std::vec::IntoIter<Value>) -> Self {
        RowReader { values }
    }

    /// The next column, decoded as `T`.
    pub fn read<T: FieldType>(&mut self) -> Result<T> {
        T::from_value(self.values.next().unwrap_or(Value::Null))
    }
}

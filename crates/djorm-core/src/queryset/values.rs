//! Rows returned by `values()`: field names with their values, like Django's dicts.

use std::sync::Arc;

use djorm_sql::Value;

/// One row of `values()`, in the order the fields were asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuesRow {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl ValuesRow {
    pub(crate) fn new(names: Arc<[String]>, values: Vec<Value>) -> Self {
        ValuesRow { names, values }
    }

    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.names.iter().position(|n| n == name).and_then(|i| self.values.get(i))
    }

    /// The field names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The values, in field order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// `(name, value)` pairs in field order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.names.iter().map(String::as_str).zip(self.values.iter())
    }
}

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

    /// A row from its column names and values (the same length), as tools build them.
    pub fn from_parts(names: Vec<String>, values: Vec<Value>) -> Self {
        ValuesRow::new(names.into(), values)
    }

    /// The value named `name`, if the row has it.
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

    /// The row with `name` set to `value` (added at the end when the row lacks it).
    pub fn with(self, name: &str, value: Value) -> Self {
        let mut values = self.values;
        match self.names.iter().position(|n| n == name) {
            Some(i) => {
                values[i] = value;
                ValuesRow { names: self.names, values }
            }
            None => {
                let mut names = self.names.to_vec();
                names.push(name.to_owned());
                values.push(value);
                ValuesRow::new(names.into(), values)
            }
        }
    }
}

impl ValuesRow {
    /// The value of `name`, decoded as `T` (`row.get_as::<i64>("post_count")`).
    pub fn get_as<T: crate::FieldType>(&self, name: &str) -> crate::Result<T> {
        match self.get(name) {
            Some(v) => T::from_value(v.clone()),
            None => Err(crate::Error::field(format!("no value named '{name}'; there are: {}", self.names.join(", ")))),
        }
    }
}

/// An object with its annotations (Django's annotated instance); dereferences to the object.
#[derive(Debug, Clone)]
pub struct Annotated<M> {
    /// The object.
    pub object: M,
    /// The annotations, by name.
    pub annotations: ValuesRow,
}

impl<M> Annotated<M> {
    /// The annotation `name`, decoded as `T`.
    pub fn get<T: crate::FieldType>(&self, name: &str) -> crate::Result<T> {
        self.annotations.get_as(name)
    }
}

impl<M> std::ops::Deref for Annotated<M> {
    type Target = M;

    fn deref(&self) -> &M {
        &self.object
    }
}

//! What a database says about its own tables (Django's `connection.introspection`), as plain
//! data: each backend reads its catalog into these types, and `inspectdb` writes models from them.

use crate::FieldKind;

/// One table: its columns in order and its constraints and indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDescription {
    /// The table's name.
    pub name: String,
    /// Columns, in the table's order.
    pub columns: Vec<ColumnDescription>,
    /// Primary key, unique, foreign key and check constraints, and plain indexes.
    pub constraints: Vec<ConstraintDescription>,
}

impl TableDescription {
    /// The primary key's columns (empty when the table has none).
    pub fn primary_key(&self) -> &[String] {
        self.constraints.iter().find(|c| c.kind == ConstraintKind::PrimaryKey).map_or(&[], |c| &c.columns)
    }

    /// The foreign key starting at `column`, when there is one.
    pub fn foreign_key(&self, column: &str) -> Option<&ForeignKeyTarget> {
        self.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::ForeignKey(target) if c.columns.len() == 1 && c.columns[0] == column => Some(target),
            _ => None,
        })
    }
}

/// One column, as the database declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDescription {
    /// The column's name.
    pub name: String,
    /// The type as the database spells it (`character varying(100)`, `integer unsigned`).
    pub data_type: String,
    /// The Django field class the type maps to; `None` when the backend does not know the type.
    pub kind: Option<FieldKind>,
    /// NULL allowed.
    pub null: bool,
    /// The declared length of a character type.
    pub max_length: Option<u32>,
    /// The declared precision and scale of a decimal type.
    pub digits: Option<(u32, u32)>,
    /// Filled by the database: an identity, serial or SQLite rowid key.
    pub auto_increment: bool,
}

/// Where a foreign key points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyTarget {
    /// The referenced table.
    pub table: String,
    /// The referenced column.
    pub column: String,
}

/// What a constraint or index enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintKind {
    /// The primary key.
    PrimaryKey,
    /// A unique constraint or unique index.
    Unique,
    /// A foreign key.
    ForeignKey(ForeignKeyTarget),
    /// A plain (non-unique) index.
    Index,
}

/// A named constraint or index over some columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintDescription {
    /// Its name; `None` where the database does not keep one (SQLite's inline constraints).
    pub name: Option<String>,
    /// What it enforces.
    pub kind: ConstraintKind,
    /// Its columns, in order.
    pub columns: Vec<String>,
    /// Per column, true when an index orders it descending.
    pub descending: Vec<bool>,
}

/// Splits a declared type into its name and numeric arguments: `numeric(10, 2)` is
/// (`numeric`, [10, 2]); words after the arguments stay in the name
/// (`timestamp(3) with time zone` is `timestamp with time zone`).
pub fn split_type(declared: &str) -> (String, Vec<u32>) {
    match declared.split_once('(') {
        Some((base, rest)) => {
            let (inner, tail) = rest.split_once(')').unwrap_or((rest, ""));
            let args = inner.split(',').filter_map(|a| a.trim().parse().ok()).collect();
            (format!("{}{tail}", base.trim()).trim().to_owned(), args)
        }
        None => (declared.trim().to_owned(), Vec::new()),
    }
}

/// A decimal type's precision and scale from its arguments (`numeric(10)` has scale 0).
pub fn digits(args: &[u32]) -> Option<(u32, u32)> {
    match args {
        [precision, scale] => Some((*precision, *scale)),
        [precision] => Some((*precision, 0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_split_into_name_and_arguments() {
        assert_eq!(split_type("numeric(10, 2)"), ("numeric".to_owned(), vec![10, 2]));
        assert_eq!(split_type("timestamp(3) with time zone"), ("timestamp with time zone".to_owned(), vec![3]));
        assert_eq!(split_type("text"), ("text".to_owned(), vec![]));
        assert_eq!(digits(&[12]), Some((12, 0)));
        assert_eq!(digits(&[]), None);
    }
}

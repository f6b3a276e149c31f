//! Schema statements (DDL) as plain data.
//!
//! The schema editors build these from model metadata; the dialect renders column types and
//! the writer renders the statements. Values inside DDL (defaults, check constraints) are
//! written as literals, because DDL cannot carry bound parameters.

use crate::{Expr, Value};

/// A dialect-neutral column type; each dialect names it in its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Auto-incrementing 32-bit key (AutoField).
    AutoInt,
    /// Auto-incrementing 64-bit key (BigAutoField).
    AutoBigInt,
    /// Auto-incrementing 16-bit key (SmallAutoField).
    AutoSmallInt,
    /// `varchar(n)`.
    Varchar(u32),
    /// Unbounded text.
    Text,
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// 32-bit integer that must not be negative (PositiveIntegerField).
    PositiveInteger,
    /// 16-bit integer that must not be negative (PositiveSmallIntegerField).
    PositiveSmallInt,
    /// 64-bit integer that must not be negative (PositiveBigIntegerField).
    PositiveBigInt,
    /// Double-precision float.
    Double,
    /// `numeric(max_digits, decimal_places)`.
    Decimal {
        /// Total digits.
        max_digits: u32,
        /// Digits after the point.
        decimal_places: u32,
    },
    /// Boolean.
    Boolean,
    /// Timestamp with time zone (stored as UTC).
    TimestampTz,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// A span of time (PostgreSQL's `interval`; microseconds in a `bigint` elsewhere).
    Duration,
    /// UUID.
    Uuid,
    /// JSON document.
    Json,
    /// Binary data.
    Binary,
}

/// One column of a CREATE TABLE.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// Column name.
    pub name: String,
    /// Its type.
    pub ty: ColumnType,
    /// `NULL` allowed.
    pub nullable: bool,
    /// The table's primary key.
    pub primary_key: bool,
    /// `UNIQUE`.
    pub unique: bool,
    /// A `DEFAULT` written into the schema (djorm sets defaults in Rust, as Django does, so this
    /// is only used where a migration needs one to fill existing rows).
    pub default: Option<Value>,
    /// A column check such as `"views" >= 0`.
    pub check: Option<Expr>,
    /// An inline foreign key (`REFERENCES ...`), for databases that declare them in the column.
    pub references: Option<ForeignKeyRef>,
}

/// The target of a foreign key.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKeyRef {
    /// Referenced table.
    pub table: String,
    /// Referenced column.
    pub column: String,
    /// `DEFERRABLE INITIALLY DEFERRED`, as Django creates them where the database can
    /// ([`crate::Features::can_defer_constraint_checks`]).
    pub deferrable: bool,
}

/// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ...`, for databases that add foreign keys after
/// every table exists.
#[derive(Debug, Clone, PartialEq)]
pub struct AddForeignKey {
    /// Constraint name.
    pub name: String,
    /// The referencing table.
    pub table: String,
    /// The referencing column.
    pub column: String,
    /// The referenced table and column.
    pub references: ForeignKeyRef,
}

/// A table-level constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum TableConstraint {
    /// `CONSTRAINT name UNIQUE (columns)`.
    Unique {
        /// Constraint name.
        name: String,
        /// The columns, together unique.
        columns: Vec<String>,
    },
    /// `CONSTRAINT name CHECK (condition)`.
    Check {
        /// Constraint name.
        name: String,
        /// The condition; its parameters are rendered as literals.
        condition: Expr,
    },
}

/// CREATE TABLE.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    /// Table name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<ColumnDef>,
    /// Table-level constraints.
    pub constraints: Vec<TableConstraint>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

/// One change of an ALTER TABLE.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterChange {
    /// `ADD COLUMN`.
    AddColumn(ColumnDef),
    /// `DROP COLUMN` (with `CASCADE` where the database has it).
    DropColumn(String),
    /// `RENAME COLUMN a TO b`.
    RenameColumn {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `RENAME TO`.
    RenameTo(String),
    /// `ALTER COLUMN c TYPE t`.
    AlterType {
        /// Column.
        column: String,
        /// New type.
        ty: ColumnType,
        /// Whether the column takes NULL (MySQL's `MODIFY` restates it with the type).
        null: bool,
    },
    /// `ALTER COLUMN c SET NOT NULL` / `DROP NOT NULL`.
    SetNotNull {
        /// Column.
        column: String,
        /// The column's type (MySQL's `MODIFY` restates it with the nullability).
        ty: ColumnType,
        /// True for SET NOT NULL.
        not_null: bool,
    },
    /// `ALTER COLUMN c DROP DEFAULT`.
    DropDefault(String),
    /// `ADD CONSTRAINT ...`.
    AddConstraint(TableConstraint),
    /// `DROP CONSTRAINT [IF EXISTS] name`.
    DropConstraint {
        /// Constraint name.
        name: String,
        /// `IF EXISTS`: for a constraint whose name the database chose.
        if_exists: bool,
    },
}

/// ALTER TABLE with one change.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterTable {
    /// The table.
    pub table: String,
    /// The change.
    pub change: AlterChange,
}

/// `INSERT INTO table (columns) SELECT exprs FROM source`, for table rebuilds.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyRows {
    /// Destination table.
    pub table: String,
    /// Destination columns.
    pub columns: Vec<String>,
    /// One expression per column, over the source table's columns.
    pub values: Vec<crate::Expr>,
    /// Source table.
    pub source: String,
}

/// DROP TABLE.
#[derive(Debug, Clone, PartialEq)]
pub struct DropTable {
    /// Table name.
    pub name: String,
    /// `IF EXISTS`.
    pub if_exists: bool,
}

/// `CREATE [UNIQUE] INDEX`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    /// Index name.
    pub name: String,
    /// The indexed table.
    pub table: String,
    /// `(column, descending)` pairs in order.
    pub columns: Vec<(String, bool)>,
    /// `UNIQUE`.
    pub unique: bool,
    /// `CONCURRENTLY`: build without blocking writes (only where
    /// [`crate::Features::supports_concurrent_index`] says the database can).
    pub concurrently: bool,
    /// An operator class for every column (`varchar_pattern_ops`), where
    /// [`crate::Features::supports_pattern_ops_index`] says the database has them.
    pub opclass: Option<&'static str>,
}

/// DROP INDEX.
#[derive(Debug, Clone, PartialEq)]
pub struct DropIndex {
    /// Index name.
    pub name: String,
    /// The table the index belongs to (some databases need it).
    pub table: String,
}

//! Backend capabilities as plain data.

/// What a database can and cannot do, as yes/no facts and limits.
///
/// Shared code reads these flags instead of asking which database it talks to; only real
/// syntax differences become [`crate::Dialect`] methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `INSERT ... RETURNING` gives back generated keys.
    pub can_return_rows_from_insert: bool,
    /// DDL runs inside a transaction and rolls back with it.
    pub supports_transactional_ddl: bool,
    /// `ORDER BY ... NULLS FIRST / NULLS LAST` is understood.
    pub supports_order_by_nulls_modifier: bool,
    /// `SELECT ... FOR UPDATE` exists.
    pub has_select_for_update: bool,
    /// `FOR UPDATE OF table` exists (not on MariaDB: Django's `has_select_for_update_of`).
    pub has_select_for_update_of: bool,
    /// The most bound parameters one statement may carry.
    pub max_query_params: usize,
    /// Foreign keys are declared inside CREATE TABLE (SQLite) rather than added afterwards with
    /// ALTER TABLE (PostgreSQL, as Django does).
    pub inline_foreign_keys: bool,
    /// ALTER TABLE can change a column's type, nullability and constraints in place; without it
    /// (SQLite) such changes rebuild the table.
    pub can_alter_columns: bool,
    /// `DROP COLUMN ... CASCADE` is understood.
    pub drop_column_cascades: bool,
    /// `SELECT DISTINCT ON (...)` exists.
    pub supports_distinct_on: bool,
    /// `STDDEV_POP` / `VAR_POP` exist.
    pub supports_statistical_aggregates: bool,
    /// The longest identifier the database keeps (longer ones are truncated by Django's rules).
    pub max_name_length: usize,
    /// `CREATE INDEX CONCURRENTLY` builds an index without locking the table against writes;
    /// without it (or where the database lacks it) an index build blocks writers.
    pub supports_concurrent_index: bool,
    /// Constraint checks can wait for COMMIT (`DEFERRABLE INITIALLY DEFERRED`), so rows that
    /// point at each other can be written in any order inside a transaction.
    pub can_defer_constraint_checks: bool,
    /// Indexes take an operator class (`varchar_pattern_ops`): PostgreSQL's LIKE outside the C
    /// locale needs a second index on indexed or unique text columns, which Django adds
    /// (`<table>_<column>_<digest>_like`).
    pub supports_pattern_ops_index: bool,
}

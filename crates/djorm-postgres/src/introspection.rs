//! PostgreSQL's catalog read into djorm's table descriptions: the tables, columns, constraints
//! and indexes of the current schema (as Django's `DatabaseIntrospection` reads them).

use std::collections::BTreeMap;

use djorm_core::introspection::{
    digits, split_type, ColumnDescription, ConstraintDescription, ConstraintKind, ForeignKeyTarget, TableDescription,
};
use djorm_core::{Backend, FieldKind, Result};
use djorm_sql::{Value, ValueKind};

/// Ordinary and partitioned tables of the current schema, with their columns in order.
const COLUMNS: &str = "\
SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)::text, NOT a.attnotnull, \
(a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%') \
FROM pg_attribute a \
JOIN pg_class c ON c.oid = a.attrelid \
JOIN pg_namespace n ON n.oid = c.relnamespace \
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = current_schema() \
AND a.attnum > 0 AND NOT a.attisdropped \
ORDER BY c.relname, a.attnum";

/// Primary key, unique and foreign key constraints, one row per constrained column.
const CONSTRAINTS: &str = "\
SELECT cl.relname::text, co.conname::text, co.contype::text, a.attname::text, fcl.relname::text, fa.attname::text \
FROM pg_constraint co \
JOIN pg_class cl ON cl.oid = co.conrelid \
JOIN pg_namespace n ON n.oid = cl.relnamespace \
CROSS JOIN LATERAL unnest(co.conkey) WITH ORDINALITY AS k(attnum, ord) \
JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum \
LEFT JOIN pg_class fcl ON fcl.oid = co.confrelid \
LEFT JOIN pg_attribute fa ON fa.attrelid = co.confrelid AND fa.attnum = co.confkey[k.ord] \
WHERE n.nspname = current_schema() AND co.contype IN ('p', 'u', 'f') \
ORDER BY cl.relname, co.conname, k.ord";

/// Indexes no constraint owns (`CREATE [UNIQUE] INDEX`), on plain columns and without a
/// predicate, one row per column; expression and partial indexes are left out, and so are
/// indexes with a non-default operator class (Django's `_like` indexes, which the schema
/// editor makes by itself for indexed text columns).
const INDEXES: &str = "\
SELECT t.relname::text, i.relname::text, ix.indisunique, a.attname::text, \
pg_index_column_has_property(ix.indexrelid, k.ord::int, 'desc') \
FROM pg_index ix \
JOIN pg_class i ON i.oid = ix.indexrelid \
JOIN pg_class t ON t.oid = ix.indrelid \
JOIN pg_namespace n ON n.oid = t.relnamespace \
CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') AND ix.indpred IS NULL AND ix.indexprs IS NULL \
AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid) \
AND NOT EXISTS (SELECT 1 FROM unnest(ix.indclass::oid[]) AS c(oid) JOIN pg_opclass o ON o.oid = c.oid \
WHERE NOT o.opcdefault) \
ORDER BY t.relname, i.relname, k.ord";

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn flag(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// Describes every table of the current schema.
pub(crate) async fn introspect(backend: &dyn Backend) -> Result<Vec<TableDescription>> {
    use ValueKind::{Bool, String as Text};
    let mut tables: BTreeMap<String, TableDescription> = BTreeMap::new();
    for row in backend.fetch(COLUMNS, &[], &[Text, Text, Text, Bool, Bool]).await?.into_rows() {
        let table = text(&row[0]);
        let data_type = text(&row[2]);
        let auto_increment = flag(&row[4]);
        let (kind, max_length, digits) = map_type(&data_type, auto_increment);
        tables
            .entry(table.clone())
            .or_insert_with(|| TableDescription { name: table, columns: Vec::new(), constraints: Vec::new() })
            .columns
            .push(ColumnDescription {
                name: text(&row[1]),
                data_type,
                kind,
                null: flag(&row[3]),
                max_length,
                digits,
                auto_increment,
            });
    }
    for row in backend.fetch(CONSTRAINTS, &[], &[Text, Text, Text, Text, Text, Text]).await?.into_rows() {
        let Some(table) = tables.get_mut(&text(&row[0])) else { continue };
        let name = text(&row[1]);
        let kind = match text(&row[2]).as_str() {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            _ => ConstraintKind::ForeignKey(ForeignKeyTarget { table: text(&row[4]), column: text(&row[5]) }),
        };
        add_column(table, name, kind, text(&row[3]), false);
    }
    for row in backend.fetch(INDEXES, &[], &[Text, Text, Bool, Text, Bool]).await?.into_rows() {
        let Some(table) = tables.get_mut(&text(&row[0])) else { continue };
        let kind = if flag(&row[2]) { ConstraintKind::Unique } else { ConstraintKind::Index };
        add_column(table, text(&row[1]), kind, text(&row[3]), flag(&row[4]));
    }
    Ok(tables.into_values().collect())
}

/// Adds a column to the named constraint of `table`, creating the constraint on its first column.
fn add_column(table: &mut TableDescription, name: String, kind: ConstraintKind, column: String, descending: bool) {
    match table.constraints.iter_mut().find(|c| c.name.as_deref() == Some(&name)) {
        Some(existing) => {
            existing.columns.push(column);
            existing.descending.push(descending);
        }
        None => table.constraints.push(ConstraintDescription {
            name: Some(name),
            kind,
            columns: vec![column],
            descending: vec![descending],
        }),
    }
}

/// The field class of a type as `format_type` spells it, with its length or digits.
fn map_type(data_type: &str, auto_increment: bool) -> (Option<FieldKind>, Option<u32>, Option<(u32, u32)>) {
    let (base, args) = split_type(data_type);
    let kind = match base.trim() {
        "integer" if auto_increment => FieldKind::AutoField,
        "bigint" if auto_increment => FieldKind::BigAutoField,
        "integer" => FieldKind::IntegerField,
        "bigint" => FieldKind::BigIntegerField,
        "smallint" => FieldKind::SmallIntegerField,
        "character varying" | "character" if !args.is_empty() => {
            return (Some(FieldKind::CharField), args.first().copied(), None);
        }
        "character varying" | "character" | "text" | "citext" => FieldKind::TextField,
        "double precision" | "real" => FieldKind::FloatField,
        "numeric" => return (Some(FieldKind::DecimalField), None, digits(&args)),
        "boolean" => FieldKind::BooleanField,
        "timestamp with time zone" | "timestamp without time zone" => FieldKind::DateTimeField,
        "date" => FieldKind::DateField,
        "time without time zone" | "time with time zone" => FieldKind::TimeField,
        "uuid" => FieldKind::UUIDField,
        "interval" => FieldKind::DurationField,
        "json" | "jsonb" => FieldKind::JSONField,
        "bytea" => FieldKind::BinaryField,
        _ => return (None, None, None),
    };
    (Some(kind), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_map_to_django_field_classes_with_their_arguments() {
        assert_eq!(map_type("character varying(100)", false), (Some(FieldKind::CharField), Some(100), None));
        assert_eq!(map_type("character(2)", false), (Some(FieldKind::CharField), Some(2), None));
        assert_eq!(map_type("numeric(10,2)", false), (Some(FieldKind::DecimalField), None, Some((10, 2))));
        assert_eq!(map_type("timestamp(3) with time zone", false).0, Some(FieldKind::DateTimeField));
        assert_eq!(map_type("bigint", true).0, Some(FieldKind::BigAutoField));
        assert_eq!(map_type("integer", true).0, Some(FieldKind::AutoField));
        assert_eq!(map_type("integer", false).0, Some(FieldKind::IntegerField));
        assert_eq!(map_type("inet", false).0, None);
    }
}

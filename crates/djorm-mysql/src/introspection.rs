//! MariaDB's `information_schema` read into djorm's table descriptions: the tables, columns,
//! constraints and indexes of the connection's database (as Django's MySQL
//! `DatabaseIntrospection` reads them).

use std::collections::BTreeMap;

use djorm_core::introspection::{
    digits, split_type, ColumnDescription, ConstraintDescription, ConstraintKind, ForeignKeyTarget, TableDescription,
};
use djorm_core::{Backend, FieldKind, Result};
use djorm_sql::{Value, ValueKind};

const COLUMNS: &str = "\
SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE = 'YES', c.EXTRA LIKE '%auto_increment%' \
FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' \
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";

const FOREIGN_KEYS: &str = "\
SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
FROM information_schema.KEY_COLUMN_USAGE \
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL \
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

/// Every index, the primary key and unique constraints among them (InnoDB keeps each as one).
const INDEXES: &str = "\
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME, COLLATION = 'D' \
FROM information_schema.STATISTICS \
WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IS NOT NULL \
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn flag(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

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
    for row in backend.fetch(INDEXES, &[], &[Text, Text, Bool, Text, Bool]).await?.into_rows() {
        let Some(table) = tables.get_mut(&text(&row[0])) else { continue };
        let name = text(&row[1]);
        let kind = if name == "PRIMARY" {
            ConstraintKind::PrimaryKey
        } else if flag(&row[2]) {
            ConstraintKind::Unique
        } else {
            ConstraintKind::Index
        };
        add_column(table, name, kind, text(&row[3]), flag(&row[4]));
    }
    for row in backend.fetch(FOREIGN_KEYS, &[], &[Text, Text, Text, Text, Text]).await?.into_rows() {
        let Some(table) = tables.get_mut(&text(&row[0])) else { continue };
        let kind = ConstraintKind::ForeignKey(ForeignKeyTarget { table: text(&row[3]), column: text(&row[4]) });
        add_column(table, text(&row[1]), kind, text(&row[2]), false);
    }
    Ok(tables.into_values().collect())
}

/// Adds `column` to the constraint called `name` of that kind, or starts it. InnoDB names a
/// foreign key's index as the key: the two are kept apart by kind.
fn add_column(table: &mut TableDescription, name: String, kind: ConstraintKind, column: String, descending: bool) {
    let same = |c: &&mut ConstraintDescription| {
        c.name.as_deref() == Some(&name) && std::mem::discriminant(&c.kind) == std::mem::discriminant(&kind)
    };
    match table.constraints.iter_mut().find(same) {
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

/// A column type as Django's `data_types_reverse` reads it on MySQL.
fn map_type(data_type: &str, auto_increment: bool) -> (Option<FieldKind>, Option<u32>, Option<(u32, u32)>) {
    let lower = data_type.to_ascii_lowercase();
    let unsigned = lower.contains("unsigned");
    let (base, args) = split_type(lower.trim_end_matches(" unsigned").trim_end_matches(" zerofill"));
    let kind = match base.trim() {
        "int" | "integer" if auto_increment => FieldKind::AutoField,
        "bigint" if auto_increment => FieldKind::BigAutoField,
        "smallint" if auto_increment => FieldKind::SmallAutoField,
        "tinyint" if args.first() == Some(&1) => FieldKind::BooleanField,
        "int" | "integer" | "mediumint" if unsigned => FieldKind::PositiveIntegerField,
        "bigint" if unsigned => FieldKind::PositiveBigIntegerField,
        "smallint" | "tinyint" if unsigned => FieldKind::PositiveSmallIntegerField,
        "int" | "integer" | "mediumint" => FieldKind::IntegerField,
        "bigint" => FieldKind::BigIntegerField,
        "smallint" | "tinyint" => FieldKind::SmallIntegerField,
        "char" if args.first() == Some(&32) => FieldKind::UUIDField,
        "varchar" | "char" => return (Some(FieldKind::CharField), args.first().copied(), None),
        "text" | "tinytext" | "mediumtext" | "longtext" => FieldKind::TextField,
        "double" | "float" | "real" => FieldKind::FloatField,
        "decimal" | "numeric" => return (Some(FieldKind::DecimalField), None, digits(&args)),
        "datetime" | "timestamp" => FieldKind::DateTimeField,
        "date" => FieldKind::DateField,
        "time" => FieldKind::TimeField,
        "json" => FieldKind::JSONField,
        "blob" | "tinyblob" | "mediumblob" | "longblob" | "binary" | "varbinary" => FieldKind::BinaryField,
        _ => return (None, None, None),
    };
    (Some(kind), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_map_to_django_field_classes_with_their_arguments() {
        assert_eq!(map_type("varchar(100)", false), (Some(FieldKind::CharField), Some(100), None));
        assert_eq!(map_type("decimal(10,2)", false), (Some(FieldKind::DecimalField), None, Some((10, 2))));
        assert_eq!(map_type("datetime(6)", false).0, Some(FieldKind::DateTimeField));
        assert_eq!(map_type("bigint(20)", true).0, Some(FieldKind::BigAutoField));
        assert_eq!(map_type("int(11)", true).0, Some(FieldKind::AutoField));
        assert_eq!(map_type("int(10) unsigned", false).0, Some(FieldKind::PositiveIntegerField));
        assert_eq!(map_type("tinyint(1)", false).0, Some(FieldKind::BooleanField));
        assert_eq!(map_type("char(32)", false).0, Some(FieldKind::UUIDField));
        assert_eq!(map_type("geometry", false).0, None);
    }
}

//! SQLite's schema read into djorm's table descriptions, through the `pragma_*` table-valued
//! functions (as Django's SQLite `DatabaseIntrospection` reads them).

use djorm_core::introspection::{
    digits, split_type, ColumnDescription, ConstraintDescription, ConstraintKind, ForeignKeyTarget, TableDescription,
};
use djorm_core::{Backend, FieldKind, Result};
use djorm_sql::{Value, ValueKind};

const TABLES: &str =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
const TABLE_SQL: &str = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1";
const COLUMNS: &str = "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid";
const FOREIGN_KEYS: &str = "SELECT id, \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq";
const INDEXES: &str = "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1) ORDER BY name";
const INDEX_COLUMNS: &str = "SELECT name, \"desc\" FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno";

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// Describes every table of the database except SQLite's own.
pub(crate) async fn introspect(backend: &dyn Backend) -> Result<Vec<TableDescription>> {
    use ValueKind::{Any, String as Text};
    let names: Vec<String> =
        backend.fetch(TABLES, &[], &[Text]).await?.into_rows().iter().filter_map(|r| text(&r[0])).collect();
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let param = [Value::String(name.clone())];
        let rows = backend.fetch(COLUMNS, &param, &[Text, Text, Any, Any]).await?.into_rows();
        let mut primary: Vec<(i64, String)> =
            rows.iter().filter(|r| int(&r[3]) > 0).map(|r| (int(&r[3]), text(&r[0]).unwrap_or_default())).collect();
        primary.sort();
        let columns = rows
            .iter()
            .map(|r| {
                let data_type = text(&r[1]).unwrap_or_default();
                // A lone `integer` primary key is the rowid: SQLite fills it.
                let auto_increment = primary.len() == 1 && int(&r[3]) == 1 && data_type.eq_ignore_ascii_case("integer");
                let (kind, max_length, digits) = map_type(&data_type, auto_increment);
                ColumnDescription {
                    name: text(&r[0]).unwrap_or_default(),
                    data_type,
                    kind,
                    null: int(&r[2]) == 0 && int(&r[3]) == 0,
                    max_length,
                    digits,
                    auto_increment,
                }
            })
            .collect();
        let mut constraints = Vec::new();
        if !primary.is_empty() {
            constraints.push(ConstraintDescription {
                name: None,
                kind: ConstraintKind::PrimaryKey,
                descending: vec![false; primary.len()],
                columns: primary.into_iter().map(|(_, c)| c).collect(),
            });
        }
        let sql = backend.fetch(TABLE_SQL, &param, &[Text]).await?.into_rows();
        let named_uniques =
            sql.first().and_then(|r| text(&r[0])).map(|s| named_unique_constraints(&s)).unwrap_or_default();
        let mut last_id = None;
        for r in backend.fetch(FOREIGN_KEYS, &param, &[Any, Text, Text, Text]).await?.into_rows() {
            let column = text(&r[1]).unwrap_or_default();
            let target =
                ForeignKeyTarget { table: text(&r[2]).unwrap_or_default(), column: text(&r[3]).unwrap_or_default() };
            match constraints.last_mut() {
                Some(c) if last_id == Some(int(&r[0])) => c.columns.push(column),
                _ => constraints.push(ConstraintDescription {
                    name: None,
                    kind: ConstraintKind::ForeignKey(target),
                    columns: vec![column],
                    descending: vec![false],
                }),
            }
            last_id = Some(int(&r[0]));
        }
        for r in backend.fetch(INDEXES, &param, &[Text, Any, Text, Any]).await?.into_rows() {
            let (Some(index), Some(origin)) = (text(&r[0]), text(&r[2])) else { continue };
            if origin == "pk" || int(&r[3]) != 0 {
                continue;
            }
            let parts = backend.fetch(INDEX_COLUMNS, &[Value::String(index.clone())], &[Text, Any]).await?.into_rows();
            let Some(columns) = parts.iter().map(|p| text(&p[0])).collect::<Option<Vec<String>>>() else {
                continue; // an index on an expression
            };
            // CREATE INDEX keeps its name; a UNIQUE constraint's index gets a generated one,
            // so its name comes from the table's SQL when the constraint was named.
            let name = if origin == "c" {
                Some(index)
            } else {
                named_uniques.iter().find(|(_, cols)| *cols == columns).map(|(name, _)| name.clone())
            };
            constraints.push(ConstraintDescription {
                name,
                kind: if int(&r[1]) != 0 { ConstraintKind::Unique } else { ConstraintKind::Index },
                descending: parts.iter().map(|p| int(&p[1]) != 0).collect(),
                columns,
            });
        }
        tables.push(TableDescription { name, columns, constraints });
    }
    resolve_implicit_targets(&mut tables);
    Ok(tables)
}

/// `CONSTRAINT name UNIQUE (a, b)` clauses of a CREATE TABLE statement: (name, columns).
fn named_unique_constraints(sql: &str) -> Vec<(String, Vec<String>)> {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)CONSTRAINT\s+(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|(\w+))\s+UNIQUE\s*\(([^)]*)\)"#,
        )
        .expect("a valid pattern")
    });
    pattern
        .captures_iter(sql)
        .filter_map(|c| {
            let name = c
                .get(1)
                .map(|m| m.as_str().replace("\"\"", "\""))
                .or_else(|| [2, 3, 4].iter().find_map(|i| c.get(*i).map(|m| m.as_str().to_owned())))?;
            let columns = c[5].split(',').map(|col| unquote(col.trim())).collect();
            Some((name, columns))
        })
        .collect()
}

/// An identifier without its quotes (`"a ""b"""` → `a "b"`).
fn unquote(identifier: &str) -> String {
    let pairs = [('"', '"'), ('`', '`'), ('[', ']')];
    for (open, close) in pairs {
        if let Some(inner) = identifier.strip_prefix(open).and_then(|i| i.strip_suffix(close)) {
            return inner.replace(&format!("{close}{close}"), &close.to_string());
        }
    }
    identifier.to_owned()
}

/// `REFERENCES t` without a column names t's primary key.
fn resolve_implicit_targets(tables: &mut [TableDescription]) {
    let keys: Vec<(String, String)> = tables
        .iter()
        .filter_map(|t| match t.primary_key() {
            [one] => Some((t.name.clone(), one.clone())),
            _ => None,
        })
        .collect();
    for table in tables.iter_mut() {
        for constraint in &mut table.constraints {
            if let ConstraintKind::ForeignKey(target) = &mut constraint.kind {
                if target.column.is_empty() {
                    if let Some((_, pk)) = keys.iter().find(|(t, _)| *t == target.table) {
                        target.column = pk.clone();
                    }
                }
            }
        }
    }
}

/// The field class of a declared type (SQLite keeps the declaration as written).
fn map_type(declared: &str, auto_increment: bool) -> (Option<FieldKind>, Option<u32>, Option<(u32, u32)>) {
    let (base, args) = split_type(&declared.to_ascii_lowercase());
    let kind = match base.as_str() {
        "integer" if auto_increment => FieldKind::BigAutoField,
        "bool" | "boolean" => FieldKind::BooleanField,
        "smallint" => FieldKind::SmallIntegerField,
        "smallint unsigned" => FieldKind::PositiveSmallIntegerField,
        "integer unsigned" => FieldKind::PositiveIntegerField,
        "bigint unsigned" => FieldKind::PositiveBigIntegerField,
        "integer" | "int" => FieldKind::IntegerField,
        "bigint" => FieldKind::BigIntegerField,
        "real" | "double" | "double precision" | "float" => FieldKind::FloatField,
        "decimal" | "numeric" => return (Some(FieldKind::DecimalField), None, digits(&args)),
        "varchar" | "char" | "character" | "nvarchar" | "nchar" | "varying character" if !args.is_empty() => {
            return (Some(FieldKind::CharField), args.first().copied(), None);
        }
        "text" | "clob" | "varchar" | "char" => FieldKind::TextField,
        "blob" => FieldKind::BinaryField,
        "date" => FieldKind::DateField,
        "datetime" | "timestamp" => FieldKind::DateTimeField,
        "time" => FieldKind::TimeField,
        "json" => FieldKind::JSONField,
        _ => return (None, None, None),
    };
    (Some(kind), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_django_field_classes() {
        assert_eq!(map_type("varchar(100)", false), (Some(FieldKind::CharField), Some(100), None));
        assert_eq!(map_type("integer", true).0, Some(FieldKind::BigAutoField));
        assert_eq!(map_type("integer unsigned", false).0, Some(FieldKind::PositiveIntegerField));
        assert_eq!(map_type("BLOB", false).0, Some(FieldKind::BinaryField));
        assert_eq!(map_type("decimal", false), (Some(FieldKind::DecimalField), None, None));
        assert_eq!(map_type("decimal(10, 2)", false), (Some(FieldKind::DecimalField), None, Some((10, 2))));
        assert_eq!(map_type("geometry", false).0, None);
    }

    #[test]
    fn named_unique_constraints_are_read_from_the_table_sql() {
        let sql = r#"CREATE TABLE t (a int, "b c" int, CONSTRAINT "t_a_bc_uniq" UNIQUE (a, "b c"), constraint other unique(a))"#;
        assert_eq!(
            named_unique_constraints(sql),
            vec![
                ("t_a_bc_uniq".to_owned(), vec!["a".to_owned(), "b c".to_owned()]),
                ("other".to_owned(), vec!["a".to_owned()]),
            ]
        );
    }
}

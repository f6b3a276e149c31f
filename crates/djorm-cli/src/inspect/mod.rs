//! `inspectdb`'s writer: `#[derive(Model)]` structs for described tables, as Django's
//! `inspectdb` writes model classes — types, null, max_length, keys (foreign keys with
//! `DO_NOTHING`, to be reviewed), unique columns and indexes.

mod names;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use djorm::introspection::{ConstraintDescription, ConstraintKind, TableDescription};
use djorm::FieldKind;

pub use names::{field_name, struct_name};

/// How index names are checked against Django's generated names (PostgreSQL's limit; the
/// migration state uses the same).
const MAX_NAME_LENGTH: usize = 63;

/// What the writer was asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The app label written on every model; its `label_` table prefix is left out of the
    /// struct names.
    pub app: Option<String>,
}

/// One column as a struct field.
struct Field {
    name: String,
    column: String,
    /// The field's Rust type, with `Option<...>` for a nullable column.
    ty: String,
    /// `#[djorm(...)]` options, in order.
    options: Vec<String>,
    /// Comments written above the field.
    comments: Vec<String>,
}

/// `text` (a database name, a type name) safe inside a `//` or `///` comment: a line break or
/// any other control character would end the comment and let the rest of the name be code,
/// so it is written as an escape (`\n`).
fn comment_safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// `name`, or `name2`, `name3`, … when an earlier one took it (two tables or columns whose
/// names differ only in characters a Rust name cannot hold).
fn unique_name(name: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    candidate
}

/// The Rust source of a module with one model per table.
pub fn write_models(tables: &[TableDescription], options: &Options) -> String {
    let mut taken = std::collections::BTreeSet::new();
    let struct_names: BTreeMap<&str, String> = tables
        .iter()
        .map(|t| (t.name.as_str(), unique_name(struct_name(&t.name, options.app.as_deref()), &mut taken)))
        .collect();
    let mut out = String::from(HEADER);
    for table in tables {
        out.push('\n');
        write_model(&mut out, table, tables, &struct_names, options);
    }
    out
}

const HEADER: &str = "\
//! Models written by `djorm inspectdb` from an existing database. Review them before use:
//! * each model needs exactly one primary key (`id: AutoId` or a field marked `primary_key`);
//! * every foreign key says `on_delete = DoNothing` (the database's own constraint decides):
//!   choose the rule you want;
//! * field types marked as guesses need a look; renaming structs and fields is fine, but keep
//!   `db_table` and `db_column` as they are.

use djorm::prelude::*;
";

fn write_model(
    out: &mut String,
    table: &TableDescription,
    all: &[TableDescription],
    struct_names: &BTreeMap<&str, String>,
    options: &Options,
) {
    let name = &struct_names[table.name.as_str()];
    let fields = fields(table, all, struct_names, name);
    let field_of = |column: &String| fields.iter().find(|f| &f.column == column).map_or(column, |f| &f.name).clone();
    let mut model_options = Vec::new();
    if let Some(app) = &options.app {
        model_options.push(format!("app = {app:?}"));
    }
    model_options.push(format!("db_table = {:?}", table.name));
    let mut notes = Vec::new();
    // The same order on every backend: unique constraints, then indexes, each by name.
    let mut constraints: Vec<&ConstraintDescription> = table.constraints.iter().collect();
    constraints.sort_by_key(|c| (!matches!(c.kind, ConstraintKind::Unique), c.name.clone()));
    for constraint in constraints {
        let multi = constraint.columns.len() > 1;
        match &constraint.kind {
            ConstraintKind::Unique if multi => {
                let columns: Vec<&str> = constraint.columns.iter().map(String::as_str).collect();
                let generated = djorm::naming::create_index_name(&table.name, &columns, "_uniq", MAX_NAME_LENGTH);
                let list = quoted(constraint.columns.iter().map(field_of));
                let name = constraint.name.clone().unwrap_or(generated);
                model_options.push(format!("unique(fields = [{list}], name = {name:?})"));
            }
            ConstraintKind::Index if multi || !is_field_index(table, constraint) => {
                let list = quoted(constraint.columns.iter().zip(&constraint.descending).map(|(c, desc)| {
                    let field = field_of(c);
                    if *desc {
                        format!("-{field}")
                    } else {
                        field
                    }
                }));
                match &constraint.name {
                    Some(index) => model_options.push(format!("index(fields = [{list}], name = {index:?})")),
                    None => model_options.push(format!("index(fields = [{list}])")),
                }
            }
            ConstraintKind::PrimaryKey if multi => notes.push(format!(
                "// The primary key is composite ({}): djorm needs one column; mark a unique one `primary_key`.",
                constraint.columns.join(", ")
            )),
            ConstraintKind::ForeignKey(target) if multi => notes.push(format!(
                "// A foreign key over several columns ({}) to `{}` is left out: djorm relates single columns.",
                constraint.columns.join(", "),
                target.table
            )),
            _ => {}
        }
    }
    if table.primary_key().is_empty() {
        notes.push("// This table has no primary key: mark a unique column `primary_key`.".to_owned());
    }
    let _ = writeln!(out, "/// The `{}` table.", comment_safe(&table.name));
    for note in notes {
        let _ = writeln!(out, "{}", comment_safe(&note));
    }
    let _ = writeln!(out, "#[derive(Model, Debug, Clone)]");
    write_attribute(out, "", &model_options);
    let _ = writeln!(out, "pub struct {name} {{");
    for field in &fields {
        for comment in &field.comments {
            let _ = writeln!(out, "    // {}", comment_safe(comment));
        }
        if !field.options.is_empty() {
            write_attribute(out, "    ", &field.options);
        }
        let _ = writeln!(out, "    pub {}: {},", field.name, field.ty);
    }
    let _ = writeln!(out, "}}");
}

/// `#[djorm(...)]` on one line, or one option per line when that is too wide (as rustfmt
/// would lay it out, so the written file is already formatted).
fn write_attribute(out: &mut String, indent: &str, options: &[String]) {
    let line = format!("{indent}#[djorm({})]", options.join(", "));
    if line.len() <= 120 {
        let _ = writeln!(out, "{line}");
        return;
    }
    let _ = writeln!(out, "{indent}#[djorm(");
    for option in options {
        let _ = writeln!(out, "{indent}    {option},");
    }
    let _ = writeln!(out, "{indent})]");
}

fn quoted(items: impl Iterator<Item = String>) -> String {
    items.map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", ")
}

/// True for a one-column index named as Django names a `db_index=True` index, which the
/// field's own `db_index` recreates.
fn is_field_index(table: &TableDescription, index: &ConstraintDescription) -> bool {
    let [column] = index.columns.as_slice() else { return false };
    let generated = djorm::naming::create_index_name(&table.name, &[column.as_str()], "", MAX_NAME_LENGTH);
    !index.descending.iter().any(|d| *d) && index.name.as_deref().is_none_or(|n| n == generated)
}

/// True when a one-column constraint of `kind` covers `column`.
fn has_single(table: &TableDescription, column: &str, kind: &ConstraintKind) -> bool {
    table.constraints.iter().any(|c| {
        c.columns.len() == 1
            && c.columns[0] == column
            && std::mem::discriminant(&c.kind) == std::mem::discriminant(kind)
    })
}

fn has_field_index(table: &TableDescription, column: &str) -> bool {
    table.constraints.iter().any(|c| {
        c.kind == ConstraintKind::Index && c.columns.len() == 1 && c.columns[0] == column && is_field_index(table, c)
    })
}

fn fields(
    table: &TableDescription,
    all: &[TableDescription],
    struct_names: &BTreeMap<&str, String>,
    model_name: &str,
) -> Vec<Field> {
    let primary_key = table.primary_key();
    let single_pk = (primary_key.len() == 1).then(|| primary_key[0].as_str());
    let mut used_targets: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(table.columns.len());
    let mut taken = std::collections::BTreeSet::new();
    for column in &table.columns {
        let is_pk = single_pk == Some(column.name.as_str());
        let relation = table.foreign_key(&column.name).filter(|_| !is_pk);
        let (name, notes) = field_name(&column.name, relation.is_some());
        let name = unique_name(name, &mut taken);
        let mut options = Vec::new();
        let mut comments: Vec<String> = notes.iter().map(|n| (*n).to_owned()).collect();
        let unique = has_single(table, &column.name, &ConstraintKind::Unique);
        let ty = if let Some(target) = relation {
            let target_name = struct_names.get(target.table.as_str()).cloned().unwrap_or_else(|| {
                comments.push(format!("`{}` was not inspected: add its model.", target.table));
                struct_name(&target.table, None)
            });
            let wrapper = if unique { "OneToOne" } else { "ForeignKey" };
            options.push("on_delete = DoNothing".to_owned());
            let target_pk = all.iter().find(|t| t.name == target.table).and_then(|t| match t.primary_key() {
                [one] => Some(one.clone()),
                _ => None,
            });
            // A key to another column than the primary key holds that column's type.
            let mut key_type = None;
            if target_pk.as_deref() != Some(target.column.as_str()) {
                options.push(format!("to_field = {:?}", field_name(&target.column, false).0));
                key_type = referenced_type(all, &target.table, &target.column);
            }
            // Django's default reverse name (`<model>_set`, or `<model>` for a one-to-one, and
            // `<model>` in lookups) must not be taken: by a second key to the same table, or by a
            // field of the target.
            let model = model_name.to_ascii_lowercase();
            let target_fields = all.iter().find(|t| t.name == target.table).map(field_names).unwrap_or_default();
            let accessor = if unique { model.clone() } else { format!("{model}_set") };
            let clashes = target_fields.iter().any(|f| *f == model || *f == accessor);
            if used_targets.contains(&target.table) || clashes {
                let related = if unique { format!("{model}_{name}") } else { format!("{model}_{name}_set") };
                options.push(format!("related_name = {related:?}"));
            }
            used_targets.push(target.table.clone());
            if !has_field_index(table, &column.name) && !unique {
                options.push("db_index = false".to_owned());
            }
            match key_type {
                Some(key) => format!("{wrapper}<{target_name}, {key}>"),
                None => format!("{wrapper}<{target_name}>"),
            }
        } else {
            let mut column = column.clone();
            if let Some(target) = table.foreign_key(&column.name).filter(|_| is_pk) {
                // A key that is also a foreign key is set by hand (Django's parent link).
                column.auto_increment = false;
                if column.kind == Some(FieldKind::BigAutoField) {
                    column.kind = Some(FieldKind::IntegerField);
                }
                comments.push(format!("Also a foreign key to `{}.{}`.", target.table, target.column));
            }
            let (ty, kind_options) = rust_type(&column, &mut comments);
            if is_pk && !(column.auto_increment && name == "id") {
                options.push("primary_key".to_owned());
            }
            options.extend(kind_options);
            if unique && !is_pk {
                options.push("unique".to_owned());
            }
            if has_field_index(table, &column.name) && !unique && !is_pk {
                options.push("db_index".to_owned());
            }
            ty
        };
        let default_column = if relation.is_some() { format!("{name}_id") } else { name.clone() };
        if default_column != column.name {
            options.push(format!("db_column = {:?}", column.name));
        }
        let ty = if column.null && !is_pk {
            options.push("blank".to_owned());
            format!("Option<{ty}>")
        } else {
            ty
        };
        out.push(Field { name, column: column.name.clone(), ty, options, comments });
    }
    out
}

/// The Rust type of the field `column` of `table` becomes (what a key referencing it holds).
fn referenced_type(all: &[TableDescription], table: &str, column: &str) -> Option<String> {
    let column = all.iter().find(|t| t.name == table)?.columns.iter().find(|c| c.name == column)?;
    let (ty, _) = rust_type(column, &mut Vec::new());
    Some(if column.null { format!("Option<{ty}>") } else { ty })
}

/// The field names a table's struct gets.
fn field_names(table: &TableDescription) -> Vec<String> {
    let single_pk = match table.primary_key() {
        [one] => Some(one.as_str()),
        _ => None,
    };
    table
        .columns
        .iter()
        .map(|c| field_name(&c.name, table.foreign_key(&c.name).is_some() && single_pk != Some(c.name.as_str())).0)
        .collect()
}

/// The Rust type of a column and the options its class needs.
fn rust_type(column: &djorm::introspection::ColumnDescription, comments: &mut Vec<String>) -> (String, Vec<String>) {
    use FieldKind::*;
    let Some(kind) = column.kind else {
        comments.push(format!("This field type is a guess: the database type is `{}`.", column.data_type));
        return ("String".to_owned(), Vec::new());
    };
    let mut options = Vec::new();
    let ty = match kind {
        AutoField => {
            comments.push("A 32-bit auto key in the database; AutoId reads it as 64 bits.".to_owned());
            "AutoId"
        }
        BigAutoField => "AutoId",
        SmallAutoField => {
            options.push("auto_field = \"SmallAutoField\"".to_owned());
            "AutoId"
        }
        CharField | EmailField | URLField | SlugField => {
            if let Some(n) = column.max_length {
                options.push(format!("max_length = {n}"));
            }
            "String"
        }
        TextField => "String",
        IntegerField => "i32",
        SmallIntegerField => "i16",
        BigIntegerField => "i64",
        PositiveIntegerField => "u32",
        PositiveSmallIntegerField => {
            comments.push("Non-negative in the database (PositiveSmallIntegerField).".to_owned());
            "i16"
        }
        PositiveBigIntegerField => {
            comments.push("Non-negative in the database (PositiveBigIntegerField).".to_owned());
            "i64"
        }
        FloatField => "f64",
        DecimalField => {
            let (digits, places) = column.digits.unwrap_or_else(|| {
                comments.push(
                    "max_digits and decimal_places have been guessed, as this database handles decimal fields as float."
                        .to_owned(),
                );
                (10, 5)
            });
            options.push(format!("max_digits = {digits}"));
            options.push(format!("decimal_places = {places}"));
            "Decimal"
        }
        BooleanField => "bool",
        DateTimeField => "DateTime<Utc>",
        DateField => "NaiveDate",
        TimeField => "NaiveTime",
        DurationField => "TimeDelta",
        UUIDField => "Uuid",
        JSONField => "JsonValue",
        BinaryField => "Vec<u8>",
        ForeignKey | OneToOneField => "i64",
    };
    (ty.to_owned(), options)
}

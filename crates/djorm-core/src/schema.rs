//! The schema editor: model metadata into CREATE/DROP statements (via the SQL AST).

use djorm_sql::{
    BinOp, ColumnDef, CreateIndex, CreateTable, Dialect, DropTable, Expr, TableConstraint, Value,
};

use crate::lower::Lowerer;
use crate::naming::{create_index_name, meta_index_name};
use crate::{FieldMeta, ModelMeta};

fn column_def(field: &FieldMeta) -> ColumnDef {
    let check = field.kind.is_positive().then(|| {
        Expr::Column {
            table: None,
            column: field.column.to_owned(),
        }
        .binary(BinOp::GtEq, Expr::Param(Value::I64(0)))
    });
    ColumnDef {
        name: field.column.to_owned(),
        ty: field
            .kind
            .column_type(field.max_length, field.max_digits, field.decimal_places),
        nullable: field.null,
        primary_key: field.primary_key,
        unique: field.unique && !field.primary_key,
        default: None,
        check,
    }
}

/// The CREATE TABLE statement of a model, with its unique and check constraints.
pub fn create_table(meta: &ModelMeta) -> CreateTable {
    let mut constraints: Vec<TableConstraint> = meta
        .unique_constraints
        .iter()
        .map(|u| TableConstraint::Unique {
            name: u.name.to_owned(),
            columns: u
                .fields
                .iter()
                .filter_map(|f| meta.field(f))
                .map(|f| f.column.to_owned())
                .collect(),
        })
        .collect();
    let lowerer = Lowerer::unqualified(meta);
    for check in meta.check_constraints {
        if let Ok(condition) = lowerer.filter(&(check.condition)()) {
            constraints.push(TableConstraint::Check {
                name: check.name.to_owned(),
                condition,
            });
        }
    }
    CreateTable {
        name: meta.db_table.to_owned(),
        columns: meta.fields.iter().map(column_def).collect(),
        constraints,
    }
}

/// The indexes of a model: one per `db_index` field and one per `Meta.indexes` entry,
/// named as Django names them.
pub fn indexes(meta: &ModelMeta, max_name_length: usize) -> Vec<CreateIndex> {
    let mut out: Vec<CreateIndex> = meta
        .fields
        .iter()
        .filter(|f| f.db_index && !f.unique && !f.primary_key)
        .map(|f| CreateIndex {
            name: create_index_name(meta.db_table, &[f.column], "", max_name_length),
            table: meta.db_table.to_owned(),
            columns: vec![(f.column.to_owned(), false)],
            unique: false,
        })
        .collect();
    for index in meta.indexes {
        let columns: Vec<(String, bool)> = index
            .fields
            .iter()
            .filter_map(|spec| {
                let (name, desc) = match spec.strip_prefix('-') {
                    Some(n) => (n, true),
                    None => (*spec, false),
                };
                meta.field(name).map(|f| (f.column.to_owned(), desc))
            })
            .collect();
        let ordered: Vec<String> = columns
            .iter()
            .map(|(c, desc)| if *desc { format!("-{c}") } else { c.clone() })
            .collect();
        let name = index
            .name
            .map_or_else(|| meta_index_name(meta.db_table, &ordered), str::to_owned);
        out.push(CreateIndex {
            name,
            table: meta.db_table.to_owned(),
            columns,
            unique: false,
        });
    }
    out
}

/// Every statement that creates a model's table and indexes.
pub fn create_model(dialect: &dyn Dialect, meta: &ModelMeta) -> Vec<String> {
    let mut statements = vec![dialect.compile_create_table(&create_table(meta))];
    statements.extend(
        indexes(meta, dialect.features().max_name_length)
            .iter()
            .map(|i| dialect.compile_create_index(i)),
    );
    statements
}

/// The statement that drops a model's table.
pub fn drop_model(dialect: &dyn Dialect, meta: &ModelMeta) -> String {
    dialect.compile_drop_table(&DropTable {
        name: meta.db_table.to_owned(),
        if_exists: true,
    })
}

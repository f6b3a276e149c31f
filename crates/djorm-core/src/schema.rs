//! The schema editor: model metadata into CREATE/DROP statements (via the SQL AST).

use djorm_sql::{
    AddForeignKey, BinOp, ColumnDef, ColumnType, CreateIndex, CreateTable, Dialect, DropTable, Expr, ForeignKeyRef,
    TableConstraint, Value,
};

use crate::lower::Lowerer;
use crate::naming::{create_index_name, meta_index_name};
use crate::relations::{join_table, JoinTable};
use crate::{FieldMeta, ModelMeta, Result};

/// The column type of a field; a key takes its target's type, without auto-increment.
fn column_type(field: &FieldMeta) -> ColumnType {
    match &field.relation {
        Some(rel) => key_type(rel.target_field()),
        None => field.kind.column_type(field.max_length, field.max_digits, field.decimal_places),
    }
}

fn key_type(target: &FieldMeta) -> ColumnType {
    match target.kind.column_type(target.max_length, target.max_digits, target.decimal_places) {
        ColumnType::AutoBigInt => ColumnType::BigInt,
        ColumnType::AutoInt => ColumnType::Integer,
        other => other,
    }
}

fn reference(field: &FieldMeta) -> Option<ForeignKeyRef> {
    field.relation.as_ref().map(|rel| ForeignKeyRef {
        table: rel.target.get().db_table.to_owned(),
        column: rel.target_field().column.to_owned(),
        deferrable: true,
    })
}

fn column_def(field: &FieldMeta, inline_fk: bool) -> ColumnDef {
    let check = field.kind.is_positive().then(|| {
        Expr::Column { table: None, column: field.column.to_owned() }.binary(BinOp::GtEq, Expr::Param(Value::I64(0)))
    });
    ColumnDef {
        name: field.column.to_owned(),
        ty: column_type(field),
        nullable: field.null,
        primary_key: field.primary_key,
        unique: field.unique && !field.primary_key,
        default: None,
        check,
        references: if inline_fk { reference(field) } else { None },
    }
}

fn foreign_key_constraint(table: &str, column: &str, target: ForeignKeyRef, max_name_length: usize) -> AddForeignKey {
    let suffix = format!("_fk_{}_{}", target.table, target.column);
    AddForeignKey {
        name: create_index_name(table, &[column], &suffix, max_name_length),
        table: table.to_owned(),
        column: column.to_owned(),
        references: target,
    }
}

/// The foreign-key constraints of a model, for databases that add them after the tables.
pub fn foreign_keys(meta: &ModelMeta, max_name_length: usize) -> Vec<AddForeignKey> {
    meta.fields
        .iter()
        .filter_map(|f| reference(f).map(|r| foreign_key_constraint(meta.db_table, f.column, r, max_name_length)))
        .collect()
}

/// The DDL of an automatic many-to-many join table: table, indexes and (when not inline)
/// foreign keys, named as Django names them.
pub fn join_table_ddl(
    t: &JoinTable,
    inline_fk: bool,
    max_name_length: usize,
) -> (CreateTable, Vec<CreateIndex>, Vec<AddForeignKey>) {
    let key = |column: &str, target: &ModelMeta| ColumnDef {
        name: column.to_owned(),
        ty: key_type(target.pk()),
        nullable: false,
        primary_key: false,
        unique: false,
        default: None,
        check: None,
        references: inline_fk.then(|| ForeignKeyRef {
            table: target.db_table.to_owned(),
            column: target.pk().column.to_owned(),
            deferrable: true,
        }),
    };
    let id = ColumnDef {
        name: "id".into(),
        ty: ColumnType::AutoBigInt,
        nullable: false,
        primary_key: true,
        unique: false,
        default: None,
        check: None,
        references: None,
    };
    let (src, tgt) = (t.source_column.as_str(), t.target_column.as_str());
    let create = CreateTable {
        name: t.table.clone(),
        columns: vec![id, key(src, t.source), key(tgt, t.target)],
        constraints: vec![TableConstraint::Unique {
            name: create_index_name(&t.table, &[src, tgt], "_uniq", max_name_length),
            columns: vec![src.to_owned(), tgt.to_owned()],
        }],
        if_not_exists: false,
    };
    let indexes = [src, tgt]
        .iter()
        .map(|c| CreateIndex {
            name: create_index_name(&t.table, &[c], "", max_name_length),
            table: t.table.clone(),
            columns: vec![((*c).to_owned(), false)],
            unique: false,
        })
        .collect();
    let fks = if inline_fk {
        Vec::new()
    } else {
        [(src, t.source), (tgt, t.target)]
            .iter()
            .map(|(c, m)| {
                let target =
                    ForeignKeyRef { table: m.db_table.to_owned(), column: m.pk().column.to_owned(), deferrable: true };
                foreign_key_constraint(&t.table, c, target, max_name_length)
            })
            .collect()
    };
    (create, indexes, fks)
}

/// The CREATE TABLE statement of a model, with its unique and check constraints.
pub fn create_table(meta: &'static ModelMeta, inline_fk: bool) -> CreateTable {
    let mut constraints: Vec<TableConstraint> = meta
        .unique_constraints
        .iter()
        .map(|u| TableConstraint::Unique {
            name: u.name.to_owned(),
            columns: u.fields.iter().filter_map(|f| meta.field(f)).map(|f| f.column.to_owned()).collect(),
        })
        .collect();
    let lowerer = Lowerer::unqualified(meta);
    for check in meta.check_constraints {
        if let Ok(condition) = lowerer.filter(&(check.condition)()) {
            constraints.push(TableConstraint::Check { name: check.name.to_owned(), condition });
        }
    }
    CreateTable {
        name: meta.db_table.to_owned(),
        columns: meta.fields.iter().map(|f| column_def(f, inline_fk)).collect(),
        constraints,
        if_not_exists: false,
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
        let ordered: Vec<String> =
            columns.iter().map(|(c, desc)| if *desc { format!("-{c}") } else { c.clone() }).collect();
        let name = index.name.map_or_else(|| meta_index_name(meta.db_table, &ordered), str::to_owned);
        out.push(CreateIndex { name, table: meta.db_table.to_owned(), columns, unique: false });
    }
    out
}

/// Every statement that creates one model's table and indexes (foreign keys inline or not at
/// all: use [`create_models`] for a schema with relations).
pub fn create_model(dialect: &dyn Dialect, meta: &'static ModelMeta) -> Vec<String> {
    let features = dialect.features();
    let mut statements = vec![dialect.compile_create_table(&create_table(meta, features.inline_foreign_keys))];
    statements.extend(indexes(meta, features.max_name_length).iter().map(|i| dialect.compile_create_index(i)));
    statements
}

/// Every statement that creates `models`: tables and join tables first, then indexes, then
/// (where the database adds them afterwards) foreign keys, so the order of `models` does not
/// matter.
pub fn create_models(dialect: &dyn Dialect, models: &[&'static ModelMeta]) -> Result<Vec<String>> {
    let features = dialect.features();
    let (inline, max) = (features.inline_foreign_keys, features.max_name_length);
    let mut tables = Vec::new();
    let mut index_sql = Vec::new();
    let mut fk_sql = Vec::new();
    for meta in models {
        tables.push(dialect.compile_create_table(&create_table(meta, inline)));
        index_sql.extend(indexes(meta, max).iter().map(|i| dialect.compile_create_index(i)));
        if !inline {
            fk_sql.extend(foreign_keys(meta, max).iter().map(|f| dialect.compile_add_foreign_key(f)));
        }
        for m2m in meta.many_to_many.iter().filter(|m| m.through.is_none()) {
            let (create, idx, fks) = join_table_ddl(&join_table(meta, m2m)?, inline, max);
            tables.push(dialect.compile_create_table(&create));
            index_sql.extend(idx.iter().map(|i| dialect.compile_create_index(i)));
            fk_sql.extend(fks.iter().map(|f| dialect.compile_add_foreign_key(f)));
        }
    }
    tables.extend(index_sql);
    tables.extend(fk_sql);
    Ok(tables)
}

/// The statements that drop `models` and their join tables (join tables first, then models
/// in reverse order, so children go before their parents).
pub fn drop_models(dialect: &dyn Dialect, models: &[&'static ModelMeta]) -> Result<Vec<String>> {
    let drop = |name: &str| dialect.compile_drop_table(&DropTable { name: name.to_owned(), if_exists: true });
    let mut statements = Vec::new();
    for meta in models {
        for m2m in meta.many_to_many.iter().filter(|m| m.through.is_none()) {
            statements.push(drop(&join_table(meta, m2m)?.table));
        }
    }
    statements.extend(models.iter().rev().map(|m| drop(m.db_table)));
    Ok(statements)
}

/// The statement that drops a model's table.
pub fn drop_model(dialect: &dyn Dialect, meta: &ModelMeta) -> String {
    dialect.compile_drop_table(&DropTable { name: meta.db_table.to_owned(), if_exists: true })
}

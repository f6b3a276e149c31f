//! The schema editor: models as data ([`ModelState`]) into DDL for one dialect.
//!
//! Test databases and migrations both produce their DDL here, as Django's
//! `BaseDatabaseSchemaEditor` serves `migrate` and the test runner alike. Each method is one
//! of Django's editor operations; databases that cannot alter columns in place
//! (`Features::can_alter_columns` false: SQLite) get Django's table rebuild instead.

use djorm_sql::{
    AddForeignKey, AlterChange, AlterTable, BinOp, ColumnDef, ColumnType, CopyRows, CreateIndex, CreateTable, Dialect,
    DropIndex, DropTable, Expr, ForeignKeyRef, SqlWriter, TableConstraint, Update,
};

use super::state::{CheckState, FieldState, IndexState, Literal, ManyToManyState, ModelState, RelationState};
use crate::naming::create_index_name;
use crate::{Error, FieldKind, Result};

/// The statements that create one table: the table itself, its indexes, and (where the
/// database adds them after the table) its foreign keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableDdl {
    /// `CREATE TABLE`.
    pub table: String,
    /// `CREATE INDEX`, one per indexed field and `Meta.indexes` entry.
    pub indexes: Vec<String>,
    /// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`, empty where keys are inline.
    pub foreign_keys: Vec<String>,
}

impl TableDdl {
    /// The statements in the order one table needs them.
    pub fn statements(self) -> impl Iterator<Item = String> {
        std::iter::once(self.table).chain(self.indexes).chain(self.foreign_keys)
    }
}

/// The column type of a field (a key takes its target's type, without auto-increment).
pub fn column_type(f: &FieldState) -> ColumnType {
    let kind = match &f.relation {
        Some(rel) => FieldKind::from_name(&rel.to_kind).unwrap_or(FieldKind::BigIntegerField),
        None => f.field_kind(),
    };
    match kind.column_type(f.max_length, f.max_digits, f.decimal_places) {
        ColumnType::AutoBigInt if f.relation.is_some() => ColumnType::BigInt,
        ColumnType::AutoInt if f.relation.is_some() => ColumnType::Integer,
        ColumnType::AutoSmallInt if f.relation.is_some() => ColumnType::SmallInt,
        other => other,
    }
}

/// A check constraint's condition as SQL (`"views" >= 0 AND ...`). Its lookups are the ones a
/// schema can hold without the query compiler: comparisons, `exact` and `isnull`.
pub fn check_condition(check: &CheckState) -> Result<Expr> {
    let mut acc = Expr::Const(true);
    for (path, value) in &check.conditions {
        let (column, lookup) = path.rsplit_once("__").unwrap_or((path.as_str(), "exact"));
        let col = Expr::Column { table: None, column: column.to_owned() };
        let v = Expr::Param(value.to_value());
        let cond = match lookup {
            "exact" => col.binary(BinOp::Eq, v),
            "gt" => col.binary(BinOp::Gt, v),
            "gte" => col.binary(BinOp::GtEq, v),
            "lt" => col.binary(BinOp::Lt, v),
            "lte" => col.binary(BinOp::LtEq, v),
            "isnull" => Expr::IsNull { expr: Box::new(col), negated: value != &Literal::Bool(true) },
            other => {
                return Err(Error::FieldError(format!(
                    "check constraint {}: the lookup '{other}' cannot be written into a schema; use exact, gt, \
                     gte, lt, lte or isnull",
                    check.name
                )))
            }
        };
        acc = acc.and(cond);
    }
    Ok(acc)
}

/// One dialect's schema editor.
#[derive(Debug, Clone, Copy)]
pub struct SchemaEditor<'d> {
    dialect: &'d dyn Dialect,
}

impl<'d> SchemaEditor<'d> {
    /// An editor writing `dialect`'s DDL.
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        SchemaEditor { dialect }
    }

    /// The dialect it writes.
    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// True where a column change rebuilds the table instead of altering it in place.
    pub fn rebuilds_tables(&self) -> bool {
        !self.dialect.features().can_alter_columns
    }

    fn max_name(&self) -> usize {
        self.dialect.features().max_name_length
    }

    fn reference(&self, relation: &RelationState) -> ForeignKeyRef {
        ForeignKeyRef {
            table: relation.to_table.clone(),
            column: relation.to_column.clone(),
            deferrable: self.dialect.features().can_defer_constraint_checks,
        }
    }

    fn column_def(&self, f: &FieldState, with_default: bool) -> ColumnDef {
        let check = f.field_kind().is_positive().then(|| {
            Expr::Column { table: None, column: f.column.clone() }
                .binary(BinOp::GtEq, Expr::Param(djorm_sql::Value::I64(0)))
        });
        let inline = self.dialect.features().inline_foreign_keys;
        ColumnDef {
            name: f.column.clone(),
            ty: column_type(f),
            nullable: f.null,
            primary_key: f.primary_key,
            unique: f.unique && !f.primary_key,
            default: if with_default { f.default.as_ref().map(Literal::to_value) } else { None },
            check,
            references: if inline { f.relation.as_ref().map(|r| self.reference(r)) } else { None },
        }
    }

    fn field_index(&self, table: &str, f: &FieldState) -> Option<CreateIndex> {
        if f.relation.is_some() && self.dialect.foreign_keys_make_their_index() {
            return None;
        }
        (f.db_index && !f.unique && !f.primary_key).then(|| CreateIndex {
            name: create_index_name(table, &[&f.column], "", self.max_name()),
            table: table.to_owned(),
            columns: vec![(f.column.clone(), false)],
            unique: false,
            concurrently: false,
            opclass: None,
        })
    }

    /// Django's PostgreSQL `_like` index: an indexed, unique or key text column gets a second
    /// index with the pattern operator class, so `LIKE 'abc%'` (startswith, contains' prefix
    /// scans) can use an index outside the C locale.
    fn like_index(&self, table: &str, f: &FieldState) -> Option<CreateIndex> {
        if !self.dialect.features().supports_pattern_ops_index || !(f.db_index || f.unique || f.primary_key) {
            return None;
        }
        let opclass = match column_type(f) {
            ColumnType::Varchar(_) => "varchar_pattern_ops",
            ColumnType::Text => "text_pattern_ops",
            _ => return None,
        };
        Some(CreateIndex {
            name: create_index_name(table, &[&f.column], "_like", self.max_name()),
            table: table.to_owned(),
            columns: vec![(f.column.clone(), false)],
            unique: false,
            concurrently: false,
            opclass: Some(opclass),
        })
    }

    fn meta_index(&self, table: &str, index: &IndexState, concurrently: bool) -> CreateIndex {
        CreateIndex {
            name: index.name.clone(),
            table: table.to_owned(),
            columns: index.columns.iter().map(|c| (c.trim_start_matches('-').to_owned(), c.starts_with('-'))).collect(),
            unique: false,
            concurrently: concurrently && self.dialect.features().supports_concurrent_index,
            opclass: None,
        }
    }

    fn foreign_key(&self, table: &str, f: &FieldState) -> Option<String> {
        if self.dialect.features().inline_foreign_keys {
            return None;
        }
        let target = self.reference(f.relation.as_ref()?);
        let suffix = format!("_fk_{}_{}", target.table, target.column);
        Some(self.dialect.compile_add_foreign_key(&AddForeignKey {
            name: create_index_name(table, &[&f.column], &suffix, self.max_name()),
            table: table.to_owned(),
            column: f.column.clone(),
            references: target,
        }))
    }

    fn create_table_ast(&self, m: &ModelState, name: &str) -> Result<CreateTable> {
        let mut constraints: Vec<TableConstraint> = m
            .unique_together
            .iter()
            .map(|(n, cols)| TableConstraint::Unique { name: n.clone(), columns: cols.clone() })
            .collect();
        for check in &m.checks {
            constraints.push(TableConstraint::Check { name: check.name.clone(), condition: check_condition(check)? });
        }
        Ok(CreateTable {
            name: name.to_owned(),
            columns: m.fields.iter().map(|f| self.column_def(f, false)).collect(),
            constraints,
            if_not_exists: false,
        })
    }

    fn indexes(&self, m: &ModelState) -> Vec<String> {
        // Django's order: each field's index, then its `_like` index; then Meta.indexes.
        let fields = m.fields.iter().flat_map(|f| [self.field_index(&m.db_table, f), self.like_index(&m.db_table, f)]);
        let meta = m.indexes.iter().map(|i| Some(self.meta_index(&m.db_table, i, false)));
        fields.chain(meta).flatten().map(|i| self.dialect.compile_create_index(&i)).collect()
    }

    fn one_table(&self, m: &ModelState) -> Result<TableDdl> {
        Ok(TableDdl {
            table: self.dialect.compile_create_table(&self.create_table_ast(m, &m.db_table)?),
            indexes: self.indexes(m),
            foreign_keys: m.fields.iter().filter_map(|f| self.foreign_key(&m.db_table, f)).collect(),
        })
    }

    /// The tables of a model: its own, then one per automatic many-to-many join table.
    pub fn create_model(&self, m: &ModelState) -> Result<Vec<TableDdl>> {
        let mut out = vec![self.one_table(m)?];
        for j in &m.many_to_many {
            out.push(self.one_table(&join_table_model(m, j, self.max_name()))?);
        }
        Ok(out)
    }

    /// `DROP TABLE` (`if_exists` for test databases, where a table may not be there yet).
    pub fn drop_table(&self, table: &str, if_exists: bool) -> String {
        self.dialect.compile_drop_table(&DropTable { name: table.to_owned(), if_exists })
    }

    /// The statements that drop a model and its join tables (`if_exists` for test databases,
    /// where a table may not be there yet).
    pub fn delete_model(&self, m: &ModelState, if_exists: bool) -> Vec<String> {
        let mut out: Vec<String> = m.many_to_many.iter().map(|j| self.drop_table(&j.table, if_exists)).collect();
        out.push(self.drop_table(&m.db_table, if_exists));
        out
    }

    fn alter(&self, table: &str, change: AlterChange) -> String {
        self.dialect.compile_alter_table(&AlterTable { table: table.to_owned(), change })
    }

    /// `ALTER TABLE old RENAME TO new`.
    pub fn rename_table(&self, old: &str, new: &str) -> String {
        self.alter(old, AlterChange::RenameTo(new.to_owned()))
    }

    /// Django's `_remake_table`: rebuild `new` from the rows of `old`'s table. `fill` gives the
    /// expression for each new column: an old column, or a default.
    pub fn remake_table(
        &self,
        old: &ModelState,
        new: &ModelState,
        fill: &dyn Fn(&FieldState) -> Option<Expr>,
    ) -> Result<Vec<String>> {
        let temp = format!("new__{}", new.db_table);
        let mut out = vec![self.dialect.compile_create_table(&self.create_table_ast(new, &temp)?)];
        let (mut columns, mut values) = (Vec::new(), Vec::new());
        for f in &new.fields {
            if let Some(expr) = fill(f) {
                columns.push(f.column.clone());
                values.push(expr);
            }
        }
        if !columns.is_empty() {
            out.push(self.dialect.compile_copy_rows(&CopyRows {
                table: temp.clone(),
                columns,
                values,
                source: old.db_table.clone(),
            }));
        }
        out.push(self.drop_table(&old.db_table, false));
        out.push(self.rename_table(&temp, &new.db_table));
        out.extend(self.indexes(new));
        Ok(out)
    }

    /// A rebuild that keeps every column the two states share.
    pub fn remake_keeping_columns(&self, old: &ModelState, new: &ModelState) -> Result<Vec<String>> {
        self.remake_table(old, new, &|f| old_column(old, &f.column))
    }

    /// Adds `field` (already in `new`) to `old`'s table, filling existing rows with its default.
    pub fn add_field(&self, old: &ModelState, new: &ModelState, field: &FieldState) -> Result<Vec<String>> {
        if self.rebuilds_tables() {
            return self.remake_table(old, new, &|f| {
                if f.column == field.column {
                    field.default.as_ref().map(|d| Expr::Param(d.to_value()))
                } else {
                    old_column(old, &f.column)
                }
            });
        }
        let mut out = vec![self.alter(&new.db_table, AlterChange::AddColumn(self.column_def(field, true)))];
        if field.default.is_some() {
            out.push(self.alter(&new.db_table, AlterChange::DropDefault(field.column.clone())));
        }
        out.extend(self.field_index(&new.db_table, field).map(|i| self.dialect.compile_create_index(&i)));
        out.extend(self.like_index(&new.db_table, field).map(|i| self.dialect.compile_create_index(&i)));
        out.extend(self.foreign_key(&new.db_table, field));
        Ok(out)
    }

    /// Drops `field` (in `old`, gone from `new`).
    pub fn remove_field(&self, old: &ModelState, new: &ModelState, field: &FieldState) -> Result<Vec<String>> {
        if self.rebuilds_tables() {
            return self.remake_keeping_columns(old, new);
        }
        Ok(vec![self.alter(&old.db_table, AlterChange::DropColumn(field.column.clone()))])
    }

    /// Renames a column.
    pub fn rename_column(&self, table: &str, from: &str, to: &str) -> String {
        self.alter(table, AlterChange::RenameColumn { from: from.to_owned(), to: to.to_owned() })
    }

    /// Changes field `before` of `old` into `after` of `new`. Nothing when they differ only in
    /// what the ORM alone reads (`on_delete`, reverse names).
    pub fn alter_field(
        &self,
        old: &ModelState,
        new: &ModelState,
        before: &FieldState,
        after: &FieldState,
    ) -> Result<Vec<String>> {
        if before.same_in_database(after) {
            return Ok(Vec::new());
        }
        if self.rebuilds_tables() {
            return self.remake_table(old, new, &|f| {
                let e = old_column(old, &f.column)?;
                Some(if f.column == after.column { coalesce_default(e, after) } else { e })
            });
        }
        Ok(self.alter_column_in_place(&new.db_table, before, after))
    }

    fn alter_column_in_place(&self, table: &str, before: &FieldState, after: &FieldState) -> Vec<String> {
        let mut out = Vec::new();
        let column = after.column.clone();
        if before.column != after.column {
            out.push(self.rename_column(table, &before.column, &column));
        }
        if column_type(before) != column_type(after) {
            let change = AlterChange::AlterType { column: column.clone(), ty: column_type(after), null: after.null };
            out.push(self.alter(table, change));
        }
        if before.null != after.null {
            if let (false, Some(default)) = (after.null, &after.default) {
                let update = Update {
                    table: table.to_owned(),
                    assignments: vec![(column.clone(), Expr::Param(default.to_value()))],
                    filter: Some(Expr::IsNull {
                        expr: Box::new(Expr::Column { table: None, column: column.clone() }),
                        negated: false,
                    }),
                };
                let mut w = SqlWriter::for_ddl(self.dialect);
                w.update(&update);
                out.push(w.finish().sql);
            }
            let change =
                AlterChange::SetNotNull { column: column.clone(), ty: column_type(after), not_null: !after.null };
            out.push(self.alter(table, change));
        }
        let unique_name = create_index_name(table, &[&column], "_uniq", self.max_name());
        if before.unique && !after.unique {
            // A column's own UNIQUE gets the database's name for it; Django's name is for one
            // added later. Either may be the one that exists.
            if let Some(name) = self.dialect.column_unique_name(table, &column) {
                out.push(self.alter(table, AlterChange::DropConstraint { name, if_exists: true }));
            }
            out.push(self.alter(table, AlterChange::DropConstraint { name: unique_name.clone(), if_exists: true }));
        }
        if !before.unique && after.unique {
            let unique = TableConstraint::Unique { name: unique_name, columns: vec![column.clone()] };
            out.push(self.alter(table, AlterChange::AddConstraint(unique)));
        }
        let (was, is) = (self.field_index(table, before), self.field_index(table, after));
        if let (Some(i), None) = (&was, &is) {
            out.push(self.dialect.compile_drop_index(&DropIndex { name: i.name.clone(), table: table.to_owned() }));
        }
        if let (None, Some(i)) = (&was, &is) {
            out.push(self.dialect.compile_create_index(i));
        }
        // The `_like` index follows the column's type and whether it is indexed (dropped by its
        // old name when the column was renamed or stops being text or indexed).
        let (was, is) = (self.like_index(table, before), self.like_index(table, after));
        if was.is_some() && was != is {
            let name = was.as_ref().map(|i| i.name.clone()).unwrap_or_default();
            out.push(self.dialect.compile_drop_index(&DropIndex { name, table: table.to_owned() }));
        }
        if let Some(i) = is.filter(|i| was.as_ref() != Some(i)) {
            out.push(self.dialect.compile_create_index(&i));
        }
        out
    }

    /// The join table of a many-to-many field of `owner`.
    pub fn add_many_to_many(&self, owner: &ModelState, field: &ManyToManyState) -> Result<Vec<String>> {
        Ok(self.one_table(&join_table_model(owner, field, self.max_name()))?.statements().collect())
    }

    /// Drops a many-to-many field's join table.
    pub fn remove_many_to_many(&self, field: &ManyToManyState) -> String {
        self.drop_table(&field.table, false)
    }

    /// `CREATE INDEX` for a `Meta.indexes` entry; `concurrently` builds it without blocking
    /// writes where the database can.
    pub fn add_index(&self, table: &str, index: &IndexState, concurrently: bool) -> String {
        self.dialect.compile_create_index(&self.meta_index(table, index, concurrently))
    }

    /// `DROP INDEX`.
    pub fn remove_index(&self, table: &str, name: &str) -> String {
        self.dialect.compile_drop_index(&DropIndex { name: name.to_owned(), table: table.to_owned() })
    }

    /// Adds a table constraint (`new` holds it, `old` does not).
    pub fn add_constraint(
        &self,
        old: &ModelState,
        new: &ModelState,
        constraint: TableConstraint,
    ) -> Result<Vec<String>> {
        if self.rebuilds_tables() {
            return self.remake_keeping_columns(old, new);
        }
        Ok(vec![self.alter(&new.db_table, AlterChange::AddConstraint(constraint))])
    }

    /// Drops the table constraint `name` (`old` holds it, `new` does not).
    pub fn remove_constraint(&self, old: &ModelState, new: &ModelState, name: &str) -> Result<Vec<String>> {
        if self.rebuilds_tables() {
            return self.remake_keeping_columns(old, new);
        }
        let drop = AlterChange::DropConstraint { name: name.to_owned(), if_exists: false };
        Ok(vec![self.alter(&old.db_table, drop)])
    }
}

fn old_column(old: &ModelState, column: &str) -> Option<Expr> {
    old.fields.iter().any(|f| f.column == column).then(|| Expr::Column { table: None, column: column.to_owned() })
}

fn coalesce_default(expr: Expr, f: &FieldState) -> Expr {
    match (&f.default, f.null) {
        (Some(d), false) => Expr::Coalesce(vec![expr, Expr::Param(d.to_value())]),
        _ => expr,
    }
}

/// The automatic join table of `owner`'s many-to-many field `j` as a model of its own: an
/// `id`, one indexed key per side, unique together, named as Django names them. The `id` is an
/// `AutoField` when the owner's key is one (Django gives the join model its app's default
/// auto field: `AutoField` for an app that keeps integer keys, as Django's own auth does),
/// else a `BigAutoField`.
fn join_table_model(owner: &ModelState, j: &ManyToManyState, max_name: usize) -> ModelState {
    let (source_pk, source_kind) = owner.pk().map_or_else(
        || ("id".to_owned(), FieldKind::BigAutoField.name().to_owned()),
        |p| (p.column.clone(), p.kind.clone()),
    );
    let key = |column: &str, table: &str, pk: &str, kind: &str| FieldState {
        name: column.to_owned(),
        column: column.to_owned(),
        kind: "ForeignKey".into(),
        null: false,
        primary_key: false,
        unique: false,
        db_index: true,
        max_length: None,
        max_digits: None,
        decimal_places: None,
        default: None,
        relation: Some(RelationState {
            to: String::new(),
            to_table: table.to_owned(),
            to_column: pk.to_owned(),
            on_delete: "CASCADE".into(),
            to_kind: kind.to_owned(),
            one_to_one: false,
            related_name: None,
            related_query_name: None,
        }),
        verbose_name: None,
        help_text: None,
    };
    let id_kind =
        if source_kind == FieldKind::AutoField.name() { FieldKind::AutoField } else { FieldKind::BigAutoField };
    let id = FieldState {
        name: "id".into(),
        column: "id".into(),
        kind: id_kind.name().to_owned(),
        null: false,
        primary_key: true,
        unique: false,
        db_index: false,
        max_length: None,
        max_digits: None,
        decimal_places: None,
        default: None,
        relation: None,
        verbose_name: None,
        help_text: None,
    };
    ModelState {
        app: owner.app.clone(),
        name: format!("{}_{}", owner.name, j.name),
        db_table: j.table.clone(),
        fields: vec![
            id,
            key(&j.source_column, &owner.db_table, &source_pk, &source_kind),
            key(&j.target_column, &j.target_table, &j.target_pk, &j.target_kind),
        ],
        ordering: Vec::new(),
        indexes: Vec::new(),
        unique_together: vec![(
            create_index_name(&j.table, &[&j.source_column, &j.target_column], "_uniq", max_name),
            vec![j.source_column.clone(), j.target_column.clone()],
        )],
        many_to_many: Vec::new(),
        checks: Vec::new(),
        managers: Vec::new(),
    }
}

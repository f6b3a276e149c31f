//! The one place SQL text is written: quoting, placeholders and bound parameters.

use crate::{
    AddForeignKey, AlterChange, AlterTable, BinOp, ColumnDef, CopyRows, CreateIndex, CreateTable, Delete, Dialect,
    DropIndex, DropTable, Expr, Insert, JoinKind, Nulls, Select, SetOp, Source, TableConstraint, Update, Value,
};

/// SQL text with its bound parameters, ready for a driver.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The statement text, with the dialect's placeholders.
    pub sql: String,
    /// The parameters, in placeholder order.
    pub params: Vec<Value>,
}

/// Renders AST nodes for one dialect, collecting parameters as it goes.
///
/// In DDL mode parameters are written as literals, since schema statements cannot bind.
#[derive(Debug)]
pub struct SqlWriter<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
    params: Vec<Value>,
    inline_params: bool,
    /// How deep the expression being written is nested.
    depth: usize,
}

impl<'d> SqlWriter<'d> {
    /// A writer for query statements (values become bound parameters).
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        SqlWriter { dialect, sql: String::with_capacity(256), params: Vec::new(), inline_params: false, depth: 0 }
    }

    /// A writer for schema statements (values become literals).
    pub fn for_ddl(dialect: &'d dyn Dialect) -> Self {
        SqlWriter { inline_params: true, ..SqlWriter::new(dialect) }
    }

    /// The dialect this writer renders for.
    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Finishes, handing back the text and the parameters.
    pub fn finish(self) -> Compiled {
        Compiled { sql: self.sql, params: self.params }
    }

    /// Appends a value as a quoted literal: only for values that must be identical text in two
    /// places of one statement (a time zone in SELECT and GROUP BY), never for user data paths
    /// that could be parameters.
    pub fn literal(&mut self, value: &Value) {
        self.dialect.write_literal(&mut self.sql, value);
    }

    /// True when values become bound parameters (false while writing DDL literals).
    pub fn binds_parameters(&self) -> bool {
        !self.inline_params
    }

    /// Writes `e` in GROUP BY or ORDER BY: when it binds parameters and is one of the selected
    /// columns, as that column's position instead, so the database sees the same expression
    /// (the same `CASE ... $1 ...` written again would bind new placeholders, and PostgreSQL
    /// would not know it is the grouped one: 42803).
    fn selected_expr(&mut self, e: &Expr, columns: &[crate::SelectItem]) {
        let (text, params) = (self.sql.len(), self.params.len());
        self.expr(e);
        if self.params.len() > params {
            if let Some(position) = columns.iter().position(|c| c.expr == *e) {
                self.sql.truncate(text);
                self.params.truncate(params);
                self.push_number(position as u64 + 1);
            }
        }
    }

    /// Appends raw SQL syntax (keywords and punctuation only, never user data).
    pub fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Appends a number written by the query itself (a LIMIT, an OFFSET), never user text.
    pub fn push_number(&mut self, n: u64) {
        use std::fmt::Write;
        let _ = write!(self.sql, "{n}");
    }

    /// Appends a quoted identifier.
    pub fn ident(&mut self, ident: &str) {
        self.dialect.write_ident(&mut self.sql, ident);
    }

    /// Appends a bound parameter (or a literal in DDL mode).
    pub fn param(&mut self, value: Value) {
        if self.inline_params {
            self.dialect.write_literal(&mut self.sql, &value);
        } else {
            self.params.push(value);
            self.dialect.write_placeholder(&mut self.sql, self.params.len());
        }
    }

    fn comma_list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            each(self, item);
        }
    }

    /// Appends expressions separated by commas.
    pub fn exprs(&mut self, exprs: &[Expr]) {
        self.comma_list(exprs, |w, e| w.expr(e));
    }

    /// Appends a function call: `NAME(arg, ...)`.
    pub fn call(&mut self, name: &str, args: &[Expr]) {
        self.push(name);
        self.push("(");
        self.exprs(args);
        self.push(")");
    }

    /// Appends an expression.
    pub fn expr(&mut self, expr: &Expr) {
        self.depth += 1;
        crate::at_depth(self.depth, || self.expr_here(expr));
        self.depth -= 1;
    }

    /// Conditions joined by `op`. A database parses `a OR b OR c` as a tree as deep as the
    /// chain is long (SQLite refuses more than 1000 levels), so a long chain is written in
    /// parenthesised groups of at most 64: ten thousand conditions nest three levels deep.
    fn junction(&mut self, op: BinOp, items: &[Expr]) {
        const FAN: usize = 64;
        if items.len() <= FAN {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.push(" ");
                    self.push(op.as_sql());
                    self.push(" ");
                }
                self.operand(item);
            }
            return;
        }
        let group = items.len().div_ceil(FAN);
        for (i, chunk) in items.chunks(group).enumerate() {
            if i > 0 {
                self.push(" ");
                self.push(op.as_sql());
                self.push(" ");
            }
            self.push("(");
            self.junction(op, chunk);
            self.push(")");
        }
    }

    fn expr_here(&mut self, expr: &Expr) {
        let d = self.dialect;
        match expr {
            Expr::Column { table, column } => {
                if let Some(table) = table {
                    self.ident(table);
                    self.push(".");
                }
                self.ident(column);
            }
            Expr::Param(v) => self.param(v.clone()),
            Expr::Const(b) => self.push(if *b { "1 = 1" } else { "1 = 0" }),
            Expr::Star => self.push("*"),
            Expr::Binary { op, lhs, rhs } => {
                self.operand(lhs);
                self.push(" ");
                self.push(op.as_sql());
                self.push(" ");
                self.operand(rhs);
            }
            Expr::Junction { op, items } => self.junction(*op, items),
            Expr::Not(inner) => {
                self.push("NOT (");
                self.expr(inner);
                self.push(")");
            }
            Expr::IsNull { expr, negated } => {
                self.operand(expr);
                self.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Expr::In { expr, list } => {
                let compound = matches!(**expr, Expr::Binary { .. });
                if compound {
                    self.push("(");
                }
                d.write_in_list(self, expr, list);
                if compound {
                    self.push(")");
                }
            }
            Expr::InValues { expr, values } => {
                let compound = matches!(**expr, Expr::Binary { .. });
                if compound {
                    self.push("(");
                }
                d.write_in_values(self, expr, values);
                if compound {
                    self.push(")");
                }
            }
            Expr::Between { expr, low, high } => {
                self.operand(expr);
                self.push(" BETWEEN ");
                self.operand(low);
                self.push(" AND ");
                self.operand(high);
            }
            Expr::Pattern { expr, kind, needle, case_insensitive } => {
                d.write_pattern(self, expr, *kind, needle, *case_insensitive)
            }
            Expr::PatternExpr { expr, kind, needle, case_insensitive } => {
                d.write_pattern_expr(self, expr, *kind, needle, *case_insensitive)
            }
            Expr::Regex { expr, pattern, case_insensitive } => d.write_regex(self, expr, pattern, *case_insensitive),
            Expr::DatePart { part, expr } => d.write_date_part(self, *part, expr),
            Expr::AtZone { expr, zone } => d.write_at_zone(self, expr, zone),
            Expr::FromZone { expr, zone } => d.write_from_zone(self, expr, zone),
            Expr::DateOf(expr) => d.write_date_of(self, expr),
            Expr::TimeOf(expr) => d.write_time_of(self, expr),
            Expr::Upper(expr) => {
                self.push("UPPER(");
                self.expr(expr);
                self.push(")");
            }
            Expr::Count { expr, distinct } => {
                self.push(if *distinct { "COUNT(DISTINCT " } else { "COUNT(" });
                self.expr(expr);
                self.push(")");
            }
            Expr::Random => self.push("RANDOM()"),
            Expr::Position(n) => self.push(&n.to_string()),
            Expr::Int(n) => self.push(&n.to_string()),
            Expr::Raw { sql, params } => {
                self.push("(");
                let mut params = params.iter();
                let mut pieces = sql.split("%s");
                if let Some(first) = pieces.next() {
                    self.push(first);
                }
                for piece in pieces {
                    self.param(params.next().cloned().unwrap_or(Value::Null));
                    self.push(piece);
                }
                self.push(")");
            }
            Expr::Trunc { unit, expr } => d.write_trunc(self, *unit, expr),
            Expr::Subquery(select) => {
                self.push("(");
                self.select(select);
                self.push(")");
            }
            Expr::Exists(select) => {
                self.push("EXISTS(");
                self.select(select);
                self.push(")");
            }
            Expr::Aggregate { func, expr, distinct, filter } => {
                d.write_aggregate(self, *func, expr, *distinct, filter.as_deref())
            }
            Expr::Func { func, args } => d.write_function(self, *func, args),
            Expr::Call { function, args } => match function.write {
                Some(write) => write(self, args),
                None => d.write_call(self, function.name, args),
            },
            Expr::Case { whens, default } => {
                self.push("CASE");
                for (cond, value) in whens {
                    self.push(" WHEN ");
                    self.expr(cond);
                    self.push(" THEN ");
                    self.expr(value);
                }
                self.push(" ELSE ");
                self.expr(default);
                self.push(" END");
            }
            Expr::Quantized { expr, places } => d.write_quantized(self, expr, *places),
            Expr::Cast { expr, ty } => {
                self.push("CAST(");
                self.expr(expr);
                self.push(" AS ");
                self.push(&d.cast_type(*ty));
                self.push(")");
            }
            Expr::Coalesce(items) => {
                self.push("COALESCE(");
                self.comma_list(items, |w, e| w.expr(e));
                self.push(")");
            }
            Expr::Temporal { op, lhs, lhs_kind, rhs, rhs_kind } => {
                d.write_temporal(self, *op, (lhs, *lhs_kind), (rhs, *rhs_kind))
            }
            Expr::WindowFunc { func, args } => self.call(func.as_sql(), args),
            Expr::Collate { expr, collation } => {
                self.operand(expr);
                self.push(" COLLATE ");
                self.ident(collation);
            }
            Expr::Over { expr, window } => {
                self.expr(expr);
                self.over(&window.partition_by, &window.order_by, window.frame.as_ref());
            }
            Expr::InSubquery { expr, select } => {
                self.operand(expr);
                self.push(" IN (");
                self.select(select);
                self.push(")");
            }
        }
    }

    /// `ORDER BY` keys (a query's or a window's); a parameterised key that is also a selected
    /// column is written as its position.
    fn order_list(&mut self, items: &[crate::OrderItem], columns: &[crate::SelectItem]) {
        let modifier = self.dialect.features().supports_order_by_nulls_modifier;
        self.comma_list(items, |w, item| {
            if !modifier && item.nulls.is_some() {
                // Django's emulation where NULLS FIRST/LAST does not exist: sort on
                // "is it NULL" first.
                w.push("(");
                w.selected_expr(&item.expr, columns);
                w.push(if item.nulls == Some(Nulls::First) { " IS NULL) DESC, " } else { " IS NULL) ASC, " });
            }
            w.selected_expr(&item.expr, columns);
            w.push(if item.descending { " DESC" } else { " ASC" });
            match item.nulls {
                Some(Nulls::First) if modifier => w.push(" NULLS FIRST"),
                Some(Nulls::Last) if modifier => w.push(" NULLS LAST"),
                _ => {}
            }
        });
    }

    fn over(&mut self, partition_by: &[Expr], order_by: &[crate::OrderItem], frame: Option<&crate::Frame>) {
        self.push(" OVER (");
        let mut space = "";
        if !partition_by.is_empty() {
            self.push("PARTITION BY ");
            self.comma_list(partition_by, |w, e| w.expr(e));
            space = " ";
        }
        if !order_by.is_empty() {
            self.push(space);
            self.push("ORDER BY ");
            self.order_list(order_by, &[]);
            space = " ";
        }
        if let Some(frame) = frame {
            self.push(space);
            self.push(match frame.units {
                crate::FrameUnits::Rows => "ROWS BETWEEN ",
                crate::FrameUnits::Range => "RANGE BETWEEN ",
            });
            self.push(&crate::Frame::bound_sql(frame.start, true));
            self.push(" AND ");
            self.push(&crate::Frame::bound_sql(frame.end, false));
        }
        self.push(")");
    }

    /// An operand of a binary operator, parenthesised when it is itself compound.
    fn operand(&mut self, expr: &Expr) {
        let compound = matches!(
            expr,
            Expr::Binary { .. }
                | Expr::Junction { .. }
                | Expr::Between { .. }
                | Expr::In { .. }
                | Expr::InValues { .. }
                | Expr::IsNull { .. }
                | Expr::Pattern { .. }
                | Expr::PatternExpr { .. }
                | Expr::Regex { .. }
                | Expr::Const(_)
        );
        if compound {
            self.push("(");
            self.expr(expr);
            self.push(")");
        } else {
            self.expr(expr);
        }
    }

    /// Appends a SELECT statement.
    pub fn select(&mut self, s: &Select) {
        if !s.distinct_on.is_empty() {
            self.push("SELECT DISTINCT ON (");
            self.comma_list(&s.distinct_on, |w, e| w.expr(e));
            self.push(") ");
        } else {
            self.push(if s.distinct { "SELECT DISTINCT " } else { "SELECT " });
        }
        self.comma_list(&s.columns, |w, item| {
            w.expr(&item.expr);
            if let Some(alias) = &item.alias {
                w.push(" AS ");
                w.ident(alias);
            }
        });
        self.push(" FROM ");
        match &s.from {
            Source::Table { name, alias } => {
                self.ident(name);
                if let Some(alias) = alias {
                    self.push(" ");
                    self.ident(alias);
                }
            }
            Source::Subquery { select, alias } => {
                self.push("(");
                self.select(select);
                self.push(") ");
                self.ident(alias);
            }
        }
        for join in &s.joins {
            self.push(match join.kind {
                JoinKind::Inner => " INNER JOIN ",
                JoinKind::LeftOuter => " LEFT OUTER JOIN ",
            });
            self.ident(&join.table);
            if let Some(alias) = &join.alias {
                self.push(" ");
                self.ident(alias);
            }
            self.push(" ON (");
            self.expr(&join.on);
            self.push(")");
        }
        if let Some(filter) = &s.filter {
            self.push(" WHERE ");
            self.expr(filter);
        }
        if !s.group_by.is_empty() {
            self.push(" GROUP BY ");
            self.comma_list(&s.group_by, |w, e| w.selected_expr(e, &s.columns));
        }
        if let Some(having) = &s.having {
            self.push(" HAVING ");
            self.expr(having);
        }
        for (op, other) in &s.compound {
            self.push(match op {
                SetOp::Union => " UNION ",
                SetOp::UnionAll => " UNION ALL ",
                SetOp::Intersect => " INTERSECT ",
                SetOp::Except => " EXCEPT ",
            });
            self.select(other);
        }
        if !s.order_by.is_empty() {
            self.push(" ORDER BY ");
            self.order_list(&s.order_by, &s.columns);
        }
        let d = self.dialect;
        d.write_limit_offset(self, s.limit, s.offset);
        if let Some(lock) = &s.lock {
            // Databases without row locks (SQLite) lock the whole database for a write
            // transaction anyway; Django ignores select_for_update there too.
            if d.features().has_select_for_update {
                self.push(" FOR UPDATE");
                if !lock.of.is_empty() {
                    self.push(" OF ");
                    self.comma_list(&lock.of, |w, t| w.ident(t));
                }
                if lock.nowait {
                    self.push(" NOWAIT");
                } else if lock.skip_locked {
                    self.push(" SKIP LOCKED");
                }
            }
        }
    }

    /// Appends an INSERT statement.
    pub fn insert(&mut self, ins: &Insert) {
        self.push(self.dialect().insert_prefix(ins.ignore_conflicts));
        self.ident(&ins.table);
        if ins.columns.is_empty() {
            self.push(self.dialect().insert_default_values());
        } else {
            self.push(" (");
            self.comma_list(&ins.columns, |w, c| w.ident(c));
            self.push(") VALUES ");
            self.comma_list(&ins.rows, |w, row| {
                w.push("(");
                w.comma_list(row, |w, e| w.expr(e));
                w.push(")");
            });
        }
        if ins.ignore_conflicts {
            self.push(self.dialect().ignore_conflicts_suffix());
        }
        if !ins.returning.is_empty() {
            self.push(" RETURNING ");
            self.comma_list(&ins.returning, |w, c| w.ident(c));
        }
    }

    /// Appends an UPDATE statement.
    pub fn update(&mut self, up: &Update) {
        self.push("UPDATE ");
        self.ident(&up.table);
        self.push(" SET ");
        self.comma_list(&up.assignments, |w, (col, e)| {
            w.ident(col);
            w.push(" = ");
            w.expr(e);
        });
        if let Some(filter) = &up.filter {
            self.push(" WHERE ");
            self.expr(filter);
        }
    }

    /// Appends a DELETE statement.
    pub fn delete(&mut self, del: &Delete) {
        self.push("DELETE FROM ");
        self.ident(&del.table);
        if let Some(filter) = &del.filter {
            self.push(" WHERE ");
            self.expr(filter);
        }
    }

    fn column_def(&mut self, col: &ColumnDef) {
        let d = self.dialect;
        self.ident(&col.name);
        self.push(" ");
        self.push(&d.column_type(col.ty));
        self.push(if col.nullable { " NULL" } else { " NOT NULL" });
        if col.primary_key {
            self.push(" PRIMARY KEY");
            self.push(d.auto_increment_suffix(col.ty));
        } else if col.unique {
            self.push(" UNIQUE");
        }
        if let Some(default) = &col.default {
            self.push(" DEFAULT ");
            self.param(default.clone());
        }
        if let Some(check) = &col.check {
            self.push(" CHECK (");
            self.expr(check);
            self.push(")");
        }
        if let Some(fk) = &col.references {
            self.push(" REFERENCES ");
            self.ident(&fk.table);
            self.push(" (");
            self.ident(&fk.column);
            self.push(")");
            if fk.deferrable {
                self.push(" DEFERRABLE INITIALLY DEFERRED");
            }
        }
    }

    /// Appends `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`.
    pub fn add_foreign_key(&mut self, fk: &AddForeignKey) {
        self.push("ALTER TABLE ");
        self.ident(&fk.table);
        self.push(" ADD CONSTRAINT ");
        self.ident(&fk.name);
        self.push(" FOREIGN KEY (");
        self.ident(&fk.column);
        self.push(") REFERENCES ");
        self.ident(&fk.references.table);
        self.push(" (");
        self.ident(&fk.references.column);
        self.push(")");
        if fk.references.deferrable {
            self.push(" DEFERRABLE INITIALLY DEFERRED");
        }
    }

    /// Appends a CREATE TABLE statement.
    pub fn create_table(&mut self, t: &CreateTable) {
        self.push(if t.if_not_exists { "CREATE TABLE IF NOT EXISTS " } else { "CREATE TABLE " });
        self.ident(&t.name);
        self.push(" (");
        self.comma_list(&t.columns, |w, c| w.column_def(c));
        for constraint in &t.constraints {
            self.push(", ");
            self.constraint(constraint);
        }
        self.push(")");
    }

    /// Appends a DROP TABLE statement.
    pub fn drop_table(&mut self, t: &DropTable) {
        self.push(if t.if_exists { "DROP TABLE IF EXISTS " } else { "DROP TABLE " });
        self.ident(&t.name);
    }

    /// Appends a CREATE INDEX statement.
    pub fn create_index(&mut self, i: &CreateIndex) {
        self.push(if i.unique { "CREATE UNIQUE INDEX " } else { "CREATE INDEX " });
        if i.concurrently {
            self.push("CONCURRENTLY ");
        }
        self.ident(&i.name);
        self.push(" ON ");
        self.ident(&i.table);
        self.push(" (");
        self.comma_list(&i.columns, |w, (c, desc)| {
            w.ident(c);
            if let Some(opclass) = i.opclass {
                w.push(" ");
                w.push(opclass);
            }
            if *desc {
                w.push(" DESC");
            }
        });
        self.push(")");
    }

    /// Appends a DROP INDEX statement.
    pub fn drop_index(&mut self, i: &DropIndex) {
        self.push("DROP INDEX IF EXISTS ");
        self.ident(&i.name);
    }

    fn constraint(&mut self, constraint: &TableConstraint) {
        self.push("CONSTRAINT ");
        match constraint {
            TableConstraint::Unique { name, columns } => {
                self.ident(name);
                self.push(" UNIQUE (");
                self.comma_list(columns, |w, c| w.ident(c));
                self.push(")");
            }
            TableConstraint::Check { name, condition } => {
                self.ident(name);
                self.push(" CHECK (");
                self.expr(condition);
                self.push(")");
            }
        }
    }

    /// Appends an ALTER TABLE statement.
    pub fn alter_table(&mut self, a: &AlterTable) {
        let d = self.dialect;
        self.push("ALTER TABLE ");
        self.ident(&a.table);
        match &a.change {
            AlterChange::AddColumn(col) => {
                self.push(" ADD COLUMN ");
                self.column_def(col);
            }
            AlterChange::DropColumn(c) => {
                self.push(" DROP COLUMN ");
                self.ident(c);
                if d.features().drop_column_cascades {
                    self.push(" CASCADE");
                }
            }
            AlterChange::RenameColumn { from, to } => {
                self.push(" RENAME COLUMN ");
                self.ident(from);
                self.push(" TO ");
                self.ident(to);
            }
            AlterChange::RenameTo(name) => {
                self.push(" RENAME TO ");
                self.ident(name);
            }
            AlterChange::AlterType { column, ty, null } => d.write_alter_column_type(self, column, *ty, *null),
            AlterChange::SetNotNull { column, ty, not_null } => d.write_alter_column_null(self, column, *ty, *not_null),
            AlterChange::DropDefault(column) => {
                self.push(" ALTER COLUMN ");
                self.ident(column);
                self.push(" DROP DEFAULT");
            }
            AlterChange::AddConstraint(c) => {
                self.push(" ADD ");
                self.constraint(c);
            }
            AlterChange::DropConstraint { name, if_exists } => {
                self.push(if *if_exists { " DROP CONSTRAINT IF EXISTS " } else { " DROP CONSTRAINT " });
                self.ident(name);
            }
        }
    }

    /// Appends an INSERT ... SELECT copying rows between tables.
    pub fn copy_rows(&mut self, c: &CopyRows) {
        self.push("INSERT INTO ");
        self.ident(&c.table);
        self.push(" (");
        self.comma_list(&c.columns, |w, col| w.ident(col));
        self.push(") SELECT ");
        self.comma_list(&c.values, |w, e| w.expr(e));
        self.push(" FROM ");
        self.ident(&c.source);
    }
}

/// Convenience entry points: one call per statement kind. Queries bind their values as
/// parameters; DDL writes them as literals.
macro_rules! compile {
    ($($(#[$doc:meta])* $name:ident($node:ty) => $write:ident, $writer:ident, $out:ident;)*) => {
        impl dyn Dialect + '_ {$(
            $(#[$doc])*
            pub fn $name(&self, s: &$node) -> compile!(@type $out) {
                let mut w = SqlWriter::$writer(self);
                w.$write(s);
                compile!(@finish w, $out)
            }
        )*}
    };
    (@type compiled) => { Compiled };
    (@type text) => { String };
    (@finish $w:ident, compiled) => { $w.finish() };
    (@finish $w:ident, text) => { $w.finish().sql };
}

compile! {
    /// Renders a SELECT.
    compile_select(Select) => select, new, compiled;
    /// Renders an INSERT.
    compile_insert(Insert) => insert, new, compiled;
    /// Renders an UPDATE.
    compile_update(Update) => update, new, compiled;
    /// Renders a DELETE.
    compile_delete(Delete) => delete, new, compiled;
    /// Renders a CREATE TABLE.
    compile_create_table(CreateTable) => create_table, for_ddl, text;
    /// Renders a DROP TABLE.
    compile_drop_table(DropTable) => drop_table, for_ddl, text;
    /// Renders a CREATE INDEX.
    compile_create_index(CreateIndex) => create_index, for_ddl, text;
    /// Renders an ALTER TABLE ADD CONSTRAINT FOREIGN KEY.
    compile_add_foreign_key(AddForeignKey) => add_foreign_key, for_ddl, text;
    /// Renders an ALTER TABLE.
    compile_alter_table(AlterTable) => alter_table, for_ddl, text;
    /// Renders an INSERT ... SELECT between tables.
    compile_copy_rows(CopyRows) => copy_rows, for_ddl, text;
    /// Renders a DROP INDEX.
    compile_drop_index(DropIndex) => drop_index, for_ddl, text;
}

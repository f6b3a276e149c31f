//! Golden SQL for the writer's own defaults, with no database and no backend crate: a
//! minimal dialect that takes every default and states only what a dialect must.

use crate::{
    BinOp, ColumnType, DatePart, Dialect, Expr, Features, Insert, IsolationLevel, Nulls, OrderItem, Select, SelectItem,
    SqlWriter, TransactionMode, TruncUnit, Value,
};

/// A standard-SQL dialect with no extras, and one that lacks NULLS FIRST/LAST.
#[derive(Debug)]
struct Plain(&'static Features);

static STANDARD: Features = Features {
    can_return_rows_from_insert: true,
    supports_transactional_ddl: true,
    supports_order_by_nulls_modifier: true,
    has_select_for_update: true,
    has_select_for_update_of: true,
    max_query_params: 1000,
    inline_foreign_keys: false,
    can_alter_columns: true,
    drop_column_cascades: false,
    supports_distinct_on: false,
    supports_statistical_aggregates: false,
    max_name_length: 63,
    supports_concurrent_index: false,
    can_defer_constraint_checks: false,
    supports_pattern_ops_index: false,
};

static NO_NULLS_ORDER: Features = Features { supports_order_by_nulls_modifier: false, ..STANDARD };

impl Dialect for Plain {
    fn name(&self) -> &'static str {
        "plain"
    }
    fn features(&self) -> &'static Features {
        self.0
    }
    fn write_placeholder(&self, out: &mut String, index: usize) {
        out.push('$');
        out.push_str(&index.to_string());
    }
    fn column_type(&self, _ty: ColumnType) -> String {
        "integer".into()
    }
    fn write_trunc(&self, w: &mut SqlWriter<'_>, _unit: TruncUnit, expr: &Expr) {
        w.expr(expr);
    }
    fn write_regex(&self, w: &mut SqlWriter<'_>, expr: &Expr, pattern: &Expr, _ci: bool) {
        w.expr(expr);
        w.push(" ~ ");
        w.expr(pattern);
    }
    fn write_date_part(&self, w: &mut SqlWriter<'_>, _part: DatePart, expr: &Expr) {
        w.expr(expr);
    }
    fn write_date_of(&self, w: &mut SqlWriter<'_>, expr: &Expr) {
        w.expr(expr);
    }
    fn write_time_of(&self, w: &mut SqlWriter<'_>, expr: &Expr) {
        w.expr(expr);
    }
}

fn column(name: &str) -> Expr {
    Expr::Column { table: None, column: name.into() }
}

fn select_ordered(nulls: Option<Nulls>) -> Select {
    let mut select = Select::from_table("t");
    select.columns = vec![SelectItem { expr: column("a"), alias: None }];
    select.order_by = vec![OrderItem { expr: column("a"), descending: true, nulls }];
    select
}

#[test]
fn order_by_nulls_is_written_or_emulated() {
    let standard: &dyn Dialect = &Plain(&STANDARD);
    let sql = standard.compile_select(&select_ordered(Some(Nulls::Last))).sql;
    assert_eq!(sql, r#"SELECT "a" FROM "t" ORDER BY "a" DESC NULLS LAST"#);
    let emulated: &dyn Dialect = &Plain(&NO_NULLS_ORDER);
    let sql = emulated.compile_select(&select_ordered(Some(Nulls::Last))).sql;
    assert_eq!(sql, r#"SELECT "a" FROM "t" ORDER BY ("a" IS NULL) ASC, "a" DESC"#);
    let sql = emulated.compile_select(&select_ordered(Some(Nulls::First))).sql;
    assert_eq!(sql, r#"SELECT "a" FROM "t" ORDER BY ("a" IS NULL) DESC, "a" DESC"#);
}

#[test]
fn junctions_are_flat_and_grouped_past_64() {
    let d: &dyn Dialect = &Plain(&STANDARD);
    let cond = |i: i64| column("a").binary(BinOp::Eq, Expr::Param(Value::I64(i)));
    let three = cond(1).or(cond(2)).or(cond(3));
    assert!(matches!(&three, Expr::Junction { items, .. } if items.len() == 3));
    let mut select = Select::from_table("t");
    select.columns = vec![SelectItem { expr: Expr::Star, alias: None }];
    select.filter = Some(three);
    assert_eq!(d.compile_select(&select).sql, r#"SELECT * FROM "t" WHERE ("a" = $1) OR ("a" = $2) OR ("a" = $3)"#);
    let wide = (0..200).map(cond).reduce(Expr::or).expect("conditions");
    select.filter = Some(wide);
    let sql = d.compile_select(&select).sql;
    // 200 conditions: 4 per group, 50 groups; no parse tree deeper than ~70.
    assert_eq!(sql.matches(")) OR ((").count(), 49);
    assert_eq!(sql.matches(" OR ").count(), 199);
}

#[test]
fn insert_ignoring_conflicts() {
    let d: &dyn Dialect = &Plain(&STANDARD);
    let insert = Insert {
        table: "pairs".into(),
        columns: vec!["a".into(), "b".into()],
        rows: vec![vec![Expr::Param(Value::I64(1)), Expr::Param(Value::I64(2))]],
        returning: Vec::new(),
        ignore_conflicts: true,
    };
    assert_eq!(
        d.compile_insert(&insert).sql,
        r#"INSERT INTO "pairs" ("a", "b") VALUES ($1, $2) ON CONFLICT DO NOTHING"#
    );
}

#[test]
fn transaction_statements() {
    let d: &dyn Dialect = &Plain(&STANDARD);
    let mode = TransactionMode { isolation: Some(IsolationLevel::Serializable), read_only: true };
    assert_eq!(d.begin_transaction(&mode), "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY");
    assert_eq!(d.begin_transaction(&TransactionMode::default()), "BEGIN");
    assert_eq!(d.savepoint("sp \"1\""), r#"SAVEPOINT "sp ""1""""#);
    assert_eq!(d.release_savepoint("sp"), r#"RELEASE SAVEPOINT "sp""#);
    assert_eq!(d.rollback_to_savepoint("sp"), r#"ROLLBACK TO SAVEPOINT "sp""#);
}

#[test]
fn ddl_defaults_are_standard_sql_and_options_are_nodes() {
    use crate::{AddForeignKey, AlterChange, AlterTable, CreateIndex, ForeignKeyRef};
    let d: &dyn Dialect = &Plain(&STANDARD);
    let index = |concurrently| CreateIndex {
        name: "t_a_idx".into(),
        table: "t".into(),
        columns: vec![("a".into(), false), ("b".into(), true)],
        unique: false,
        concurrently,
        opclass: None,
    };
    assert_eq!(d.compile_create_index(&index(false)), r#"CREATE INDEX "t_a_idx" ON "t" ("a", "b" DESC)"#);
    assert_eq!(d.compile_create_index(&index(true)), r#"CREATE INDEX CONCURRENTLY "t_a_idx" ON "t" ("a", "b" DESC)"#);
    let alter = |change| d.compile_alter_table(&AlterTable { table: "t".into(), change });
    assert_eq!(
        alter(AlterChange::AlterType { column: "a".into(), ty: ColumnType::BigInt, null: false }),
        r#"ALTER TABLE "t" ALTER COLUMN "a" SET DATA TYPE integer"#
    );
    assert_eq!(
        alter(AlterChange::DropConstraint { name: "c".into(), if_exists: false }),
        r#"ALTER TABLE "t" DROP CONSTRAINT "c""#
    );
    assert_eq!(
        alter(AlterChange::DropConstraint { name: "c".into(), if_exists: true }),
        r#"ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "c""#
    );
    let fk = |deferrable| AddForeignKey {
        name: "t_a_fk".into(),
        table: "t".into(),
        column: "a".into(),
        references: ForeignKeyRef { table: "u".into(), column: "id".into(), deferrable },
    };
    assert_eq!(
        d.compile_add_foreign_key(&fk(false)),
        r#"ALTER TABLE "t" ADD CONSTRAINT "t_a_fk" FOREIGN KEY ("a") REFERENCES "u" ("id")"#
    );
    assert!(d.compile_add_foreign_key(&fk(true)).ends_with(r#"("id") DEFERRABLE INITIALLY DEFERRED"#));
}

#[test]
fn registered_functions_are_written_by_name_or_by_their_own_code() {
    use crate::vocabulary::SqlFunction;
    static PLAIN: SqlFunction = SqlFunction { name: "public.unaccent", write: None };
    static ODD: SqlFunction = SqlFunction { name: "x\"); DROP TABLE t; --", write: None };
    static OWN: SqlFunction = SqlFunction {
        name: "ignored",
        write: Some(|w: &mut SqlWriter<'_>, args: &[Expr]| {
            let name = if w.dialect().name() == "plain" { "STRPOS" } else { "INSTR" };
            w.call(name, args);
        }),
    };
    let d: &dyn Dialect = &Plain(&STANDARD);
    let select = |function: &'static SqlFunction| {
        let mut select = Select::from_table("t");
        let call = Expr::Call { function, args: vec![column("a"), Expr::Param(Value::from("x"))] };
        select.columns = vec![SelectItem { expr: call, alias: None }];
        d.compile_select(&select).sql
    };
    assert_eq!(select(&PLAIN), r#"SELECT public.unaccent("a", $1) FROM "t""#);
    // A name that is not a plain SQL name is quoted, never written as text.
    assert_eq!(select(&ODD), r#"SELECT "x""); DROP TABLE t; --"("a", $1) FROM "t""#);
    assert_eq!(select(&OWN), r#"SELECT STRPOS("a", $1) FROM "t""#);
}

//! How MariaDB spells the nodes that have no standard SQL, following Django's MySQL backend
//! (`django/db/backends/mysql/operations.py`).
//!
//! Each connection runs with `sql_mode` set as [`crate::session`] says, so standard SQL's
//! `'...'` literals and `ESCAPE '\'` mean what they say; identifiers are still written with
//! backticks, as Django's `quote_name` writes them.

use djorm_sql::{
    ColumnType, DatePart, Dialect, Expr, Features, Func, PatternKind, SqlWriter, TransactionMode, TruncUnit, Value,
    ValueKind,
};

/// What MariaDB (10.5 and later) can do.
pub static FEATURES: Features = Features {
    // MariaDB 10.5 added INSERT ... RETURNING; MySQL has none (LAST_INSERT_ID instead).
    can_return_rows_from_insert: true,
    // DDL commits implicitly: a migration cannot roll back, so it runs unwrapped, as Django's.
    supports_transactional_ddl: false,
    supports_order_by_nulls_modifier: false,
    has_select_for_update: true,
    has_select_for_update_of: false,
    can_alter_columns: true,
    drop_column_cascades: false,
    supports_distinct_on: false,
    supports_statistical_aggregates: true,
    inline_foreign_keys: false,
    max_query_params: 65_535,
    // Django's `max_name_length` on MySQL.
    max_name_length: 64,
    supports_concurrent_index: false,
    can_defer_constraint_checks: false,
    supports_pattern_ops_index: false,
};

/// The MariaDB dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct MariaDbDialect;

/// MySQL's largest `LIMIT`, for an offset without a limit (Django's `no_limit_value`).
const NO_LIMIT: u64 = 18_446_744_073_709_551_615;

fn format_then_cast(w: &mut SqlWriter<'_>, expr: &Expr, format: &str) {
    w.push("CAST(DATE_FORMAT(");
    w.expr(expr);
    w.push(", '");
    w.push(format);
    w.push("') AS DATETIME(6))");
}

impl Dialect for MariaDbDialect {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn features(&self) -> &'static Features {
        &FEATURES
    }

    fn write_placeholder(&self, out: &mut String, _index: usize) {
        out.push('?');
    }

    fn write_ident(&self, out: &mut String, ident: &str) {
        out.push('`');
        out.push_str(&ident.replace('`', "``"));
        out.push('`');
    }

    fn literal_text(&self, value: &Value) -> String {
        crate::types::literal_text(value)
    }

    /// Django's `data_types` for MySQL.
    fn column_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::AutoInt | ColumnType::Integer => "integer".into(),
            ColumnType::AutoBigInt | ColumnType::BigInt => "bigint".into(),
            ColumnType::AutoSmallInt | ColumnType::SmallInt => "smallint".into(),
            ColumnType::PositiveInteger => "integer UNSIGNED".into(),
            ColumnType::PositiveSmallInt => "smallint UNSIGNED".into(),
            ColumnType::PositiveBigInt => "bigint UNSIGNED".into(),
            ColumnType::Varchar(n) => format!("varchar({n})"),
            ColumnType::Text => "longtext".into(),
            ColumnType::Double => "double precision".into(),
            ColumnType::Decimal { max_digits, decimal_places } => format!("numeric({max_digits}, {decimal_places})"),
            ColumnType::Boolean => "bool".into(),
            ColumnType::TimestampTz => "datetime(6)".into(),
            ColumnType::Date => "date".into(),
            ColumnType::Time => "time(6)".into(),
            ColumnType::Duration => "bigint".into(),
            ColumnType::Uuid => "char(32)".into(),
            ColumnType::Json => "json".into(),
            ColumnType::Binary => "longblob".into(),
        }
    }

    /// Django's `cast_data_types` on MySQL.
    fn cast_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::AutoInt
            | ColumnType::AutoBigInt
            | ColumnType::AutoSmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::SmallInt
            | ColumnType::Duration
            | ColumnType::Boolean => "signed integer".into(),
            ColumnType::PositiveInteger | ColumnType::PositiveSmallInt | ColumnType::PositiveBigInt => {
                "unsigned integer".into()
            }
            ColumnType::Varchar(n) => format!("char({n})"),
            ColumnType::Text | ColumnType::Uuid => "char".into(),
            ColumnType::Decimal { max_digits, decimal_places } => format!("decimal({max_digits}, {decimal_places})"),
            ColumnType::Double => "double".into(),
            ColumnType::TimestampTz => "datetime(6)".into(),
            ColumnType::Date => "date".into(),
            ColumnType::Time => "time(6)".into(),
            ColumnType::Json => "char".into(),
            ColumnType::Binary => "binary".into(),
        }
    }

    /// Django's MySQL aggregates: a filter becomes a `CASE WHEN` around the argument.
    fn write_aggregate(
        &self,
        w: &mut SqlWriter<'_>,
        func: djorm_sql::AggregateFunc,
        expr: &Expr,
        distinct: bool,
        filter: Option<&Expr>,
    ) {
        w.push(func.as_sql());
        w.push(if distinct { "(DISTINCT " } else { "(" });
        match filter {
            Some(filter) => {
                w.push("CASE WHEN ");
                w.expr(filter);
                w.push(" THEN ");
                // COUNT(*) counts the rows the condition holds for.
                match expr {
                    Expr::Star => w.push("1"),
                    expr => w.expr(expr),
                }
                w.push(" ELSE NULL END");
            }
            None => w.expr(expr),
        }
        w.push(")");
    }

    /// Django's `ignore_conflicts` on MySQL: `INSERT IGNORE`.
    fn insert_prefix(&self, ignore_conflicts: bool) -> &'static str {
        if ignore_conflicts {
            "INSERT IGNORE INTO "
        } else {
            "INSERT INTO "
        }
    }

    fn ignore_conflicts_suffix(&self) -> &'static str {
        ""
    }

    /// InnoDB checks a key at each statement, never at commit.
    fn constraint_checks_off(&self) -> Option<(&'static str, &'static str)> {
        Some(("SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1"))
    }

    /// InnoDB indexes a foreign key's column itself (or uses an index that starts with it).
    fn foreign_keys_make_their_index(&self) -> bool {
        true
    }

    fn insert_default_values(&self) -> &'static str {
        " () VALUES ()"
    }

    fn auto_increment_suffix(&self, ty: ColumnType) -> &'static str {
        match ty {
            ColumnType::AutoInt | ColumnType::AutoBigInt | ColumnType::AutoSmallInt => " AUTO_INCREMENT",
            _ => "",
        }
    }

    /// Django's `sql_alter_column_type`: `MODIFY` restates the column, its nullability too.
    fn write_alter_column_type(&self, w: &mut SqlWriter<'_>, column: &str, ty: ColumnType, null: bool) {
        w.push(" MODIFY ");
        w.ident(column);
        w.push(" ");
        w.push(&self.column_type(ty));
        w.push(if null { " NULL" } else { " NOT NULL" });
    }

    /// Django's `sql_alter_column_null` / `sql_alter_column_not_null`.
    fn write_alter_column_null(&self, w: &mut SqlWriter<'_>, column: &str, ty: ColumnType, not_null: bool) {
        self.write_alter_column_type(w, column, ty, !not_null);
    }

    /// Django's operators: `LIKE` follows the column's collation (case-insensitive by
    /// default), `LIKE BINARY` compares bytes for the case-sensitive lookups.
    fn write_pattern(&self, w: &mut SqlWriter<'_>, expr: &Expr, kind: PatternKind, needle: &str, ci: bool) {
        if kind == PatternKind::Exact && !ci {
            w.expr(expr);
            w.push(" = ");
            w.param(Value::String(needle.to_owned()));
            return;
        }
        w.expr(expr);
        w.push(if ci { " LIKE " } else { " LIKE BINARY " });
        w.param(Value::String(djorm_sql::like_pattern(kind, needle)));
        w.push(" ESCAPE '\\'");
    }

    fn write_pattern_expr(&self, w: &mut SqlWriter<'_>, expr: &Expr, kind: PatternKind, needle: &Expr, ci: bool) {
        w.expr(expr);
        w.push(if ci { " LIKE " } else { " LIKE BINARY " });
        let (before, after) = match kind {
            PatternKind::Exact => ("", ""),
            PatternKind::Contains => ("'%', ", ", '%'"),
            PatternKind::StartsWith => ("", ", '%'"),
            PatternKind::EndsWith => ("'%', ", ""),
        };
        // Django's pattern_ops: the needle's own wildcards are escaped first.
        w.push("CONCAT(");
        w.push(before);
        w.push("REPLACE(REPLACE(REPLACE(");
        w.expr(needle);
        w.push(", '\\', '\\\\'), '%', '\\%'), '_', '\\_')");
        w.push(after);
        w.push(") ESCAPE '\\'");
    }

    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        let offset = offset.filter(|o| *o > 0);
        if limit.is_some() || offset.is_some() {
            w.push(" LIMIT ");
            w.push_number(limit.unwrap_or(NO_LIMIT));
        }
        if let Some(offset) = offset {
            w.push(" OFFSET ");
            w.push_number(offset);
        }
    }

    /// `SET TRANSACTION` names the next transaction's level; `START TRANSACTION` opens it.
    fn begin_transaction(&self, mode: &TransactionMode) -> String {
        let start = if mode.read_only { "START TRANSACTION READ ONLY" } else { "START TRANSACTION" };
        match mode.isolation {
            Some(level) => format!("SET TRANSACTION ISOLATION LEVEL {}; {start}", level.sql()),
            None => start.into(),
        }
    }

    fn write_function(&self, w: &mut SqlWriter<'_>, func: Func, args: &[Expr]) {
        match func {
            // Django's ConcatPair on MySQL: CONCAT_WS('', ...) skips NULLs.
            Func::Concat => {
                w.push("CONCAT_WS(''");
                for arg in args {
                    w.push(", ");
                    w.expr(arg);
                }
                w.push(")");
            }
            Func::Now => w.push("CURRENT_TIMESTAMP(6)"),
            Func::Random => w.push("RAND()"),
            Func::Length => w.call("CHAR_LENGTH", args),
            Func::Ord => w.call("ORD", args),
            Func::StrIndex => w.call("INSTR", args),
            Func::Chr => {
                w.push("CHAR(");
                w.exprs(args);
                w.push(" USING utf16)");
            }
            Func::Sha1 => w.call("SHA1", args),
            Func::Sha224 | Func::Sha256 | Func::Sha384 | Func::Sha512 => {
                w.push("SHA2(");
                w.expr(&args[0]);
                w.push(match func {
                    Func::Sha224 => ", 224)",
                    Func::Sha256 => ", 256)",
                    Func::Sha384 => ", 384)",
                    _ => ", 512)",
                });
            }
            _ => djorm_sql::standard_function(w, func, args),
        }
    }

    /// Django's `datetime_trunc_sql`: the value formatted down to the unit, read back as a
    /// datetime.
    fn write_trunc(&self, w: &mut SqlWriter<'_>, unit: TruncUnit, expr: &Expr) {
        match unit {
            TruncUnit::Year => format_then_cast(w, expr, "%Y-01-01 00:00:00"),
            TruncUnit::Month => format_then_cast(w, expr, "%Y-%m-01 00:00:00"),
            TruncUnit::Day => format_then_cast(w, expr, "%Y-%m-%d 00:00:00"),
            TruncUnit::Hour => format_then_cast(w, expr, "%Y-%m-%d %H:00:00"),
            TruncUnit::Minute => format_then_cast(w, expr, "%Y-%m-%d %H:%i:00"),
            TruncUnit::Second => format_then_cast(w, expr, "%Y-%m-%d %H:%i:%s"),
            TruncUnit::Quarter => {
                w.push("CAST(MAKEDATE(YEAR(");
                w.expr(expr);
                w.push("), 1) + INTERVAL QUARTER(");
                w.expr(expr);
                w.push(") QUARTER - INTERVAL 1 QUARTER AS DATETIME(6))");
            }
            TruncUnit::Week => {
                w.push("CAST(DATE_FORMAT(DATE_SUB(");
                w.expr(expr);
                w.push(", INTERVAL WEEKDAY(");
                w.expr(expr);
                w.push(") DAY), '%Y-%m-%d 00:00:00') AS DATETIME(6))");
            }
        }
    }

    /// `REGEXP BINARY` for the case-sensitive lookup, as Django has it on MariaDB.
    fn write_regex(&self, w: &mut SqlWriter<'_>, expr: &Expr, pattern: &Expr, ci: bool) {
        w.expr(expr);
        w.push(if ci { " REGEXP " } else { " REGEXP BINARY " });
        w.expr(pattern);
    }

    /// Django's `date_extract_sql`.
    fn write_date_part(&self, w: &mut SqlWriter<'_>, part: DatePart, expr: &Expr) {
        let call = |w: &mut SqlWriter<'_>, open: &str, close: &str| {
            w.push(open);
            w.expr(expr);
            w.push(close);
        };
        match part {
            DatePart::Year => call(w, "EXTRACT(YEAR FROM ", ")"),
            DatePart::Quarter => call(w, "EXTRACT(QUARTER FROM ", ")"),
            DatePart::Month => call(w, "EXTRACT(MONTH FROM ", ")"),
            DatePart::Day => call(w, "EXTRACT(DAY FROM ", ")"),
            DatePart::Hour => call(w, "EXTRACT(HOUR FROM ", ")"),
            DatePart::Minute => call(w, "EXTRACT(MINUTE FROM ", ")"),
            DatePart::Second => call(w, "EXTRACT(SECOND FROM ", ")"),
            // Mode 3: ISO-8601 weeks, Monday first.
            DatePart::Week => call(w, "WEEK(", ", 3)"),
            DatePart::IsoYear => call(w, "TRUNCATE(YEARWEEK(", ", 3) / 100, 0)"),
            // DAYOFWEEK: 1 = Sunday, as Django's week_day.
            DatePart::WeekDay => call(w, "DAYOFWEEK(", ")"),
            DatePart::IsoWeekDay => call(w, "(WEEKDAY(", ") + 1)"),
        }
    }

    fn write_date_of(&self, w: &mut SqlWriter<'_>, expr: &Expr) {
        w.push("DATE(");
        w.expr(expr);
        w.push(")");
    }

    fn write_time_of(&self, w: &mut SqlWriter<'_>, expr: &Expr) {
        w.push("TIME(");
        w.expr(expr);
        w.push(")");
    }

    /// `CONVERT_TZ`, which needs the server's time zone tables for named zones (load them with
    /// `mariadb-tzinfo-to-sql`, as Django's documentation asks).
    fn write_at_zone(&self, w: &mut SqlWriter<'_>, expr: &Expr, zone: &str) {
        w.push("CONVERT_TZ(");
        w.expr(expr);
        w.push(", '+00:00', ");
        w.literal(&Value::String(zone.to_owned()));
        w.push(")");
    }

    fn write_from_zone(&self, w: &mut SqlWriter<'_>, expr: &Expr, zone: &str) {
        w.push("CONVERT_TZ(");
        w.expr(expr);
        w.push(", ");
        w.literal(&Value::String(zone.to_owned()));
        w.push(", '+00:00')");
    }

    /// Durations are microseconds (a `bigint`, as Django stores them on MySQL): added to a
    /// date as an `INTERVAL ... MICROSECOND`, and a difference of two dates is
    /// `TIMESTAMPDIFF` in microseconds.
    fn write_temporal(
        &self,
        w: &mut SqlWriter<'_>,
        op: djorm_sql::BinOp,
        lhs: (&Expr, ValueKind),
        rhs: (&Expr, ValueKind),
    ) {
        let sub = op == djorm_sql::BinOp::Sub;
        let is_duration = |k: ValueKind| k == ValueKind::Duration;
        if sub && !is_duration(lhs.1) && !is_duration(rhs.1) {
            w.push("TIMESTAMPDIFF(MICROSECOND, ");
            w.expr(rhs.0);
            w.push(", ");
            w.expr(lhs.0);
            w.push(")");
            return;
        }
        if is_duration(lhs.1) && is_duration(rhs.1) {
            w.push("(");
            w.expr(lhs.0);
            w.push(if sub { " - " } else { " + " });
            w.expr(rhs.0);
            w.push(")");
            return;
        }
        let (date, span) = if is_duration(rhs.1) { (lhs.0, rhs.0) } else { (rhs.0, lhs.0) };
        w.push("(");
        w.expr(date);
        w.push(if sub { " - INTERVAL " } else { " + INTERVAL " });
        w.expr(span);
        w.push(" MICROSECOND)");
    }
}

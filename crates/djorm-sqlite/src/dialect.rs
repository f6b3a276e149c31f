//! How SQLite spells the nodes that have no standard SQL.

use djorm_sql::{ColumnType, DatePart, Dialect, Expr, Features, Func, PatternKind, SqlWriter, TransactionMode, Value};

/// What SQLite (3.46, bundled) can do.
pub static FEATURES: Features = Features {
    can_return_rows_from_insert: true,
    supports_transactional_ddl: true,
    supports_order_by_nulls_modifier: true,
    has_select_for_update: false,
    has_select_for_update_of: false,
    can_alter_columns: false,
    drop_column_cascades: false,
    supports_distinct_on: false,
    supports_statistical_aggregates: false,
    inline_foreign_keys: true,
    max_query_params: 32_766,
    max_name_length: 200,
    supports_concurrent_index: false,
    can_defer_constraint_checks: true,
    supports_pattern_ops_index: false,
};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

/// Escapes GLOB's wildcards so the needle matches literally.
fn glob_escape(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    for ch in needle.chars() {
        match ch {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    out
}

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn features(&self) -> &'static Features {
        &FEATURES
    }

    fn write_placeholder(&self, out: &mut String, index: usize) {
        out.push('?');
        out.push_str(&index.to_string());
    }

    /// SQLite is always serializable, stronger than any level asked for. A writing transaction
    /// takes the write lock at once (`IMMEDIATE`), so it queues for it instead of failing
    /// halfway when another writer got there first; a read-only one takes no lock until it
    /// reads and refuses writes.
    fn begin_transaction(&self, mode: &TransactionMode) -> String {
        if mode.read_only {
            "BEGIN DEFERRED; PRAGMA query_only = ON".into()
        } else {
            "BEGIN IMMEDIATE".into()
        }
    }

    fn literal_text(&self, value: &Value) -> String {
        crate::types::storage_text(value)
    }

    fn column_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::AutoInt | ColumnType::AutoBigInt | ColumnType::AutoSmallInt | ColumnType::Integer => {
                "integer".into()
            }
            ColumnType::BigInt => "bigint".into(),
            ColumnType::SmallInt => "smallint".into(),
            ColumnType::PositiveInteger => "integer unsigned".into(),
            ColumnType::PositiveSmallInt => "smallint unsigned".into(),
            ColumnType::PositiveBigInt => "bigint unsigned".into(),
            ColumnType::Varchar(n) => format!("varchar({n})"),
            ColumnType::Text => "text".into(),
            ColumnType::Double => "real".into(),
            ColumnType::Decimal { .. } => "decimal".into(),
            ColumnType::Boolean => "bool".into(),
            ColumnType::TimestampTz => "datetime".into(),
            ColumnType::Date => "date".into(),
            ColumnType::Time => "time".into(),
            ColumnType::Duration => "bigint".into(),
            ColumnType::Uuid => "char(32)".into(),
            ColumnType::Json => "text".into(),
            ColumnType::Binary => "BLOB".into(),
        }
    }

    fn auto_increment_suffix(&self, ty: ColumnType) -> &'static str {
        match ty {
            ColumnType::AutoInt | ColumnType::AutoBigInt | ColumnType::AutoSmallInt => " AUTOINCREMENT",
            _ => "",
        }
    }

    /// SQLite's LIKE ignores ASCII case, so case-sensitive lookups use GLOB instead.
    fn write_pattern(&self, w: &mut SqlWriter<'_>, expr: &Expr, kind: PatternKind, needle: &str, ci: bool) {
        if ci {
            w.expr(expr);
            w.push(" LIKE ");
            w.param(Value::String(djorm_sql::like_pattern(kind, needle)));
            w.push(" ESCAPE '\\'");
            return;
        }
        let escaped = glob_escape(needle);
        let pattern = match kind {
            PatternKind::Exact => escaped,
            PatternKind::Contains => format!("*{escaped}*"),
            PatternKind::StartsWith => format!("{escaped}*"),
            PatternKind::EndsWith => format!("*{escaped}"),
        };
        w.expr(expr);
        w.push(" GLOB ");
        w.param(Value::String(pattern));
    }

    fn write_pattern_expr(&self, w: &mut SqlWriter<'_>, expr: &Expr, kind: PatternKind, needle: &Expr, ci: bool) {
        let (lhs, rhs) = if ci {
            (Expr::Upper(Box::new(expr.clone())), Expr::Upper(Box::new(needle.clone())))
        } else {
            (expr.clone(), needle.clone())
        };
        match kind {
            PatternKind::Exact => {
                w.expr(&lhs);
                w.push(" = ");
                w.expr(&rhs);
            }
            PatternKind::Contains => {
                w.push("instr(");
                w.expr(&lhs);
                w.push(", ");
                w.expr(&rhs);
                w.push(") > 0");
            }
            PatternKind::StartsWith | PatternKind::EndsWith => {
                w.push("substr(");
                w.expr(&lhs);
                w.push(if kind == PatternKind::StartsWith { ", 1, length(" } else { ", -length(" });
                w.expr(&rhs);
                w.push(")) = ");
                w.expr(&rhs);
            }
        }
    }

    fn write_function(&self, w: &mut SqlWriter<'_>, func: Func, args: &[Expr]) {
        let name = match func {
            Func::Greatest => "MAX",
            Func::Least => "MIN",
            Func::Round if args.len() == 1 => "ROUND",
            Func::Now => {
                // Stored timestamps are UTC text with microseconds.
                w.push("strftime('%Y-%m-%d %H:%M:%f', 'now')");
                return;
            }
            Func::Chr => "CHAR",
            Func::Ord => "UNICODE",
            Func::StrIndex => "INSTR",
            // SQLite's RANDOM() is a 64-bit integer: scaled into [0, 1).
            Func::Random => {
                w.push("(RANDOM() / 18446744073709551616.0 + 0.5)");
                return;
            }
            Func::Left => {
                w.push("SUBSTR(");
                w.expr(&args[0]);
                w.push(", 1, ");
                w.expr(&args[1]);
                w.push(")");
                return;
            }
            // The last n characters, and none for n = 0 (as PostgreSQL's RIGHT).
            Func::Right => {
                w.push("SUBSTR(");
                w.expr(&args[0]);
                w.push(", -(");
                w.expr(&args[1]);
                w.push("), ");
                w.expr(&args[1]);
                w.push(")");
                return;
            }
            _ => {
                // Everything else has the standard spelling.
                djorm_sql::standard_function(w, func, args);
                return;
            }
        };
        w.call(name, args);
    }

    /// In UTC only (SQLite knows no named zones; lowering refuses a zone before this runs).
    fn write_trunc(&self, w: &mut SqlWriter<'_>, unit: djorm_sql::TruncUnit, expr: &Expr) {
        use djorm_sql::TruncUnit as U;
        let format = match unit {
            U::Year => "%Y-01-01 00:00:00",
            U::Month => "%Y-%m-01 00:00:00",
            U::Day => "%Y-%m-%d 00:00:00",
            U::Hour => "%Y-%m-%d %H:00:00",
            U::Minute => "%Y-%m-%d %H:%M:00",
            U::Second => "%Y-%m-%d %H:%M:%S",
            U::Quarter => {
                w.push("(strftime('%Y-', ");
                w.expr(expr);
                w.push(") || printf('%02d', ((CAST(strftime('%m', ");
                w.expr(expr);
                w.push(") AS INTEGER) - 1) / 3) * 3 + 1) || '-01 00:00:00')");
                return;
            }
            U::Week => {
                w.push("strftime('%Y-%m-%d 00:00:00', ");
                w.expr(expr);
                w.push(", 'weekday 0', '-6 days')");
                return;
            }
        };
        w.push("strftime('");
        w.push(format);
        w.push("', ");
        w.expr(expr);
        w.push(")");
    }

    fn explain_prefix(&self) -> &'static str {
        "EXPLAIN QUERY PLAN"
    }

    /// SQLite keeps a decimal as a floating-point number: it is read as fixed-point text with
    /// the field's places (`4.50`, not `4.5`), NULL staying NULL.
    fn write_quantized(&self, w: &mut SqlWriter<'_>, expr: &Expr, places: u32) {
        w.push("CASE WHEN ");
        w.expr(expr);
        w.push(&format!(" IS NULL THEN NULL ELSE printf('%.{places}f', "));
        w.expr(expr);
        w.push(") END");
    }

    fn write_regex(&self, w: &mut SqlWriter<'_>, expr: &Expr, pattern: &Expr, ci: bool) {
        w.expr(expr);
        w.push(" REGEXP ");
        if ci {
            w.push("'(?i)' || ");
        }
        w.expr(pattern);
    }

    fn write_date_part(&self, w: &mut SqlWriter<'_>, part: DatePart, expr: &Expr) {
        let strftime = |w: &mut SqlWriter<'_>, format: &str| {
            w.push("CAST(strftime('");
            w.push(format);
            w.push("', ");
            w.expr(expr);
            w.push(") AS INTEGER)");
        };
        w.push("(");
        match part {
            DatePart::Year => strftime(w, "%Y"),
            DatePart::IsoYear => strftime(w, "%G"),
            DatePart::Quarter => {
                w.push("(");
                strftime(w, "%m");
                w.push(" + 2) / 3");
            }
            DatePart::Month => strftime(w, "%m"),
            DatePart::Week => strftime(w, "%V"),
            DatePart::Day => strftime(w, "%d"),
            DatePart::WeekDay => {
                strftime(w, "%w");
                w.push(" + 1");
            }
            DatePart::IsoWeekDay => strftime(w, "%u"),
            DatePart::Hour => strftime(w, "%H"),
            DatePart::Minute => strftime(w, "%M"),
            DatePart::Second => strftime(w, "%S"),
        }
        w.push(")");
    }

    /// Timestamps are stored as UTC text, so UTC's wall-clock time is the text itself; another
    /// zone's is `DJORM_TZ_LOCAL` (a Rust function of the connection, `functions.rs`, over the
    /// IANA database chrono-tz carries), as Django registers Python ones over zoneinfo.
    fn write_at_zone(&self, w: &mut SqlWriter<'_>, expr: &Expr, zone: &str) {
        zone_function(w, "DJORM_TZ_LOCAL", expr, zone);
    }

    /// The inverse of [`write_at_zone`](Self::write_at_zone): `DJORM_TZ_UTC`.
    fn write_from_zone(&self, w: &mut SqlWriter<'_>, expr: &Expr, zone: &str) {
        zone_function(w, "DJORM_TZ_UTC", expr, zone);
    }

    fn write_date_of(&self, w: &mut SqlWriter<'_>, expr: &Expr) {
        w.push("date(");
        w.expr(expr);
        w.push(")");
    }

    /// Dates and times are text and durations microseconds here: a difference of two is
    /// `DJORM_TEMPORAL_DIFF` (microseconds), a shift by a duration `DJORM_TEMPORAL_ADD` (text
    /// in the stored form), both Rust functions of the connection (`functions.rs`), as Django
    /// registers Python ones.
    fn write_temporal(
        &self,
        w: &mut SqlWriter<'_>,
        op: djorm_sql::BinOp,
        lhs: (&Expr, djorm_sql::ValueKind),
        rhs: (&Expr, djorm_sql::ValueKind),
    ) {
        use djorm_sql::{BinOp, ValueKind as K};
        let durations = (lhs.1 == K::Duration, rhs.1 == K::Duration);
        // The point in time first, the duration second.
        let (point, duration) = match durations {
            (false, true) => (lhs.0, rhs.0),
            (true, false) => (rhs.0, lhs.0),
            (true, true) => {
                w.push("(");
                w.expr(lhs.0);
                w.push(if op == BinOp::Sub { " - " } else { " + " });
                w.expr(rhs.0);
                w.push(")");
                return;
            }
            (false, false) => {
                w.push("DJORM_TEMPORAL_DIFF(");
                w.expr(lhs.0);
                w.push(", ");
                w.expr(rhs.0);
                w.push(")");
                return;
            }
        };
        w.push("DJORM_TEMPORAL_ADD(");
        w.expr(point);
        w.push(if op == BinOp::Sub { ", -(" } else { ", (" });
        w.expr(duration);
        w.push("))");
    }

    /// Timestamps are stored as `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC; the time is the tail.
    fn write_time_of(&self, w: &mut SqlWriter<'_>, expr: &Expr) {
        w.push("substr(");
        w.expr(expr);
        w.push(", 12)");
    }

    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        match (limit, offset.filter(|o| *o > 0)) {
            (Some(l), Some(o)) => w.push(&format!(" LIMIT {l} OFFSET {o}")),
            (Some(l), None) => w.push(&format!(" LIMIT {l}")),
            (None, Some(o)) => w.push(&format!(" LIMIT -1 OFFSET {o}")),
            (None, None) => {}
        }
    }
}

/// `function(expr, 'zone')`, or `expr` itself in UTC (the stored form).
fn zone_function(w: &mut SqlWriter<'_>, function: &str, expr: &Expr, zone: &str) {
    if zone == "UTC" {
        return w.expr(expr);
    }
    w.push(function);
    w.push("(");
    w.expr(expr);
    w.push(", ");
    w.literal(&Value::String(zone.to_owned()));
    w.push(")");
}

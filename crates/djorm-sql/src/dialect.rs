//! The `Dialect` trait: how one database spells what the AST means.

use crate::{ColumnType, DatePart, Expr, Features, Func, PatternKind, SqlWriter, TransactionMode, Value, ValueKind};

/// One database's SQL spelling.
///
/// Implementors MUST provide the placeholder syntax, column type names and the few nodes that
/// have no standard spelling (date parts, regular expressions). Everything else has a
/// standard-SQL default here or in the [`SqlWriter`]; override a hook only for a real syntax
/// difference, and put yes/no differences into [`Features`].
pub trait Dialect: Send + Sync + std::fmt::Debug {
    /// A short name for messages: `"postgresql"`, `"sqlite"`.
    fn name(&self) -> &'static str;

    /// What this database can do.
    fn features(&self) -> &'static Features;

    /// Appends the placeholder for the `index`-th (1-based) bound parameter.
    fn write_placeholder(&self, out: &mut String, index: usize);

    /// Appends an identifier, quoted so any name (even a keyword) is safe.
    fn write_ident(&self, out: &mut String, ident: &str) {
        out.push('"');
        if ident.contains('"') {
            out.push_str(&ident.replace('"', "\"\""));
        } else {
            out.push_str(ident);
        }
        out.push('"');
    }

    /// Appends a value as a literal. Only DDL uses this (defaults, check constraints);
    /// queries always bind values as parameters.
    fn write_literal(&self, out: &mut String, value: &Value) {
        match value {
            Value::Null => out.push_str("NULL"),
            Value::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
            Value::I16(_) | Value::I32(_) | Value::I64(_) | Value::F64(_) | Value::Decimal(_) => {
                out.push_str(&value.to_string())
            }
            Value::Bytes(bytes) => {
                out.push_str("X'");
                for b in bytes {
                    out.push_str(&format!("{b:02X}"));
                }
                out.push('\'');
            }
            other => {
                let text = self.literal_text(other);
                out.push('\'');
                out.push_str(&text.replace('\'', "''"));
                out.push('\'');
            }
        }
    }

    /// The text form of a non-numeric literal, as the database stores it.
    fn literal_text(&self, value: &Value) -> String {
        value.to_string()
    }

    /// The type name of a column.
    fn column_type(&self, ty: ColumnType) -> String;

    /// Extra words after an auto-incrementing primary key's type (e.g. `AUTOINCREMENT`).
    fn auto_increment_suffix(&self, _ty: ColumnType) -> &'static str {
        ""
    }

    /// The ` ALTER COLUMN ...` clause that changes a column's type, after `ALTER TABLE t`;
    /// standard SQL's `SET DATA TYPE` by default.
    fn write_alter_column_type(&self, w: &mut SqlWriter<'_>, column: &str, ty: ColumnType, null: bool) {
        let _ = null;
        w.push(" ALTER COLUMN ");
        w.ident(column);
        w.push(" SET DATA TYPE ");
        w.push(&self.column_type(ty));
    }

    /// `ALTER COLUMN c SET NOT NULL` / `DROP NOT NULL` in standard SQL by default; MySQL
    /// restates the column with `MODIFY c type [NOT] NULL`.
    fn write_alter_column_null(&self, w: &mut SqlWriter<'_>, column: &str, ty: ColumnType, not_null: bool) {
        let _ = ty;
        w.push(" ALTER COLUMN ");
        w.ident(column);
        w.push(if not_null { " SET NOT NULL" } else { " DROP NOT NULL" });
    }

    /// The name the database gives the constraint of a column declared `UNIQUE`, when it
    /// gives a predictable one (PostgreSQL: `table_column_key`), so the constraint can be
    /// dropped when the column stops being unique.
    fn column_unique_name(&self, _table: &str, _column: &str) -> Option<String> {
        None
    }

    /// A literal-matching pattern test. The default uses `LIKE ... ESCAPE '\'`, which is
    /// case-sensitive on PostgreSQL; `UPPER` on both sides makes it case-insensitive.
    fn write_pattern(&self, w: &mut SqlWriter<'_>, expr: &Expr, kind: PatternKind, needle: &str, ci: bool) {
        let pattern = like_pattern(kind, needle);
        if ci {
            w.push("UPPER(");
            w.expr(expr);
            w.push(") LIKE UPPER(");
            w.param(Value::String(pattern));
            w.push(") ESCAPE '\\'");
        } else {
            w.expr(expr);
            w.push(" LIKE ");
            w.param(Value::String(pattern));
            w.push(" ESCAPE '\\'");
        }
    }

    /// A pattern test whose needle is another expression (escaped in SQL).
    fn write_pattern_expr(&self, w: &mut SqlWriter<'_>, expr: &Expr, kind: PatternKind, needle: &Expr, ci: bool) {
        let wrap = |w: &mut SqlWriter<'_>| {
            if matches!(kind, PatternKind::Contains | PatternKind::EndsWith) {
                w.push("'%' || ");
            }
            w.push("REPLACE(REPLACE(REPLACE(");
            w.expr(needle);
            w.push(", '\\', '\\\\'), '%', '\\%'), '_', '\\_')");
            if matches!(kind, PatternKind::Contains | PatternKind::StartsWith) {
                w.push(" || '%'");
            }
        };
        if ci {
            w.push("UPPER(");
            w.expr(expr);
            w.push(") LIKE UPPER(");
            wrap(w);
            w.push(") ESCAPE '\\'");
        } else {
            w.expr(expr);
            w.push(" LIKE ");
            wrap(w);
            w.push(" ESCAPE '\\'");
        }
    }

    /// `expr IN (list)`. The default binds one parameter per item; a dialect with arrays can
    /// bind the whole list as one parameter, so the statement text (and its prepared plan)
    /// does not change with the list's length.
    fn write_in_list(&self, w: &mut SqlWriter<'_>, expr: &Expr, list: &[Expr]) {
        standard_in_list(w, expr, list);
    }

    /// `expr IN (values)` over bound values. The default binds one parameter per value; a
    /// dialect with arrays can bind the whole list as one parameter.
    fn write_in_values(&self, w: &mut SqlWriter<'_>, expr: &Expr, values: &[Value]) {
        standard_in_values(w, expr, values);
    }

    /// A date or wall-clock timestamp truncated to `unit`.
    fn write_trunc(&self, w: &mut SqlWriter<'_>, unit: crate::TruncUnit, expr: &Expr);

    /// The cheapest statement the database answers (a liveness check); `SELECT 1` by default.
    fn ping_statement(&self) -> &'static str {
        "SELECT 1"
    }

    /// The statement that moves `table`'s key sequence past its largest `column` value, after
    /// rows were inserted with explicit keys (Django's `sequence_reset_sql`); `None` where keys
    /// need no sequence (SQLite picks the next rowid itself).
    fn reset_sequence_sql(&self, table: &str, column: &str) -> Option<String> {
        let _ = (table, column);
        None
    }

    /// The wall-clock time instant `expr` shows in `zone` ([`Expr::AtZone`]); standard SQL's
    /// `AT TIME ZONE` by default. The zone is a quoted literal, so an expression grouped by is
    /// the same text in SELECT and GROUP BY.
    fn write_at_zone(&self, w: &mut SqlWriter<'_>, expr: &Expr, zone: &str) {
        w.expr(expr);
        w.push(" AT TIME ZONE ");
        w.literal(&Value::String(zone.to_owned()));
    }

    /// The instant wall-clock time `expr` names in `zone` ([`Expr::FromZone`]); `AT TIME ZONE`
    /// again by default (PostgreSQL reads it both ways by the operand's type).
    fn write_from_zone(&self, w: &mut SqlWriter<'_>, expr: &Expr, zone: &str) {
        self.write_at_zone(w, expr, zone);
    }

    /// The statement that opens a transaction in `mode`; standard SQL by default.
    fn begin_transaction(&self, mode: &TransactionMode) -> String {
        crate::standard_begin(mode)
    }

    /// The words that ask for a query plan.
    fn explain_prefix(&self) -> &'static str {
        "EXPLAIN"
    }

    /// A scalar function, in the standard spelling by default.
    fn write_function(&self, w: &mut SqlWriter<'_>, func: Func, args: &[Expr]) {
        standard_function(w, func, args);
    }

    /// A registered function (`NAME(args)` by default). `name` comes from code, and is written
    /// as it is only when it is a plain SQL name; anything else is quoted as an identifier.
    fn write_call(&self, w: &mut SqlWriter<'_>, name: &str, args: &[Expr]) {
        if is_plain_name(name) {
            w.call(name, args);
        } else {
            w.ident(name);
            w.push("(");
            w.exprs(args);
            w.push(")");
        }
    }

    /// An aggregate, over only the rows `filter` holds for when there is one: standard SQL's
    /// `FILTER (WHERE ...)` by default. A database without it writes the condition into the
    /// argument (`COUNT(CASE WHEN cond THEN x ELSE NULL END)`), as Django does on MySQL.
    fn write_aggregate(
        &self,
        w: &mut SqlWriter<'_>,
        func: crate::AggregateFunc,
        expr: &Expr,
        distinct: bool,
        filter: Option<&Expr>,
    ) {
        w.push(func.as_sql());
        w.push(if distinct { "(DISTINCT " } else { "(" });
        w.expr(expr);
        w.push(")");
        if let Some(filter) = filter {
            w.push(" FILTER (WHERE ");
            w.expr(filter);
            w.push(")");
        }
    }

    /// The type name `CAST(x AS ...)` takes for `ty`: the column type by default. MySQL's CAST
    /// knows fewer names than its columns (`SIGNED INTEGER`, `CHAR`, `DOUBLE`).
    fn cast_type(&self, ty: ColumnType) -> String {
        self.column_type(ty)
    }

    /// The words that start an INSERT, for one that skips rows conflicting with a unique
    /// constraint too (Django's `ignore_conflicts`): `INSERT INTO` by default, MySQL's
    /// `INSERT IGNORE INTO`.
    fn insert_prefix(&self, ignore_conflicts: bool) -> &'static str {
        let _ = ignore_conflicts;
        "INSERT INTO "
    }

    /// What follows an INSERT's rows when it skips conflicting ones: `ON CONFLICT DO NOTHING`
    /// by default (PostgreSQL, SQLite); nothing where the verb said it (MySQL).
    fn ignore_conflicts_suffix(&self) -> &'static str {
        " ON CONFLICT DO NOTHING"
    }

    /// The statements that switch foreign key checks off and back on for the session, where
    /// keys cannot be checked at commit instead (MySQL's `FOREIGN_KEY_CHECKS`, as Django's
    /// `constraint_checks_disabled`); `None` where constraints are deferred (PostgreSQL) or
    /// checked another way.
    fn constraint_checks_off(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// True where a foreign key constraint brings its own index on the key's column (InnoDB),
    /// so a key needs no index of its own, as Django's MySQL schema editor skips it.
    fn foreign_keys_make_their_index(&self) -> bool {
        false
    }

    /// An INSERT of a row that takes every default: standard `DEFAULT VALUES` by default.
    fn insert_default_values(&self) -> &'static str {
        " DEFAULT VALUES"
    }

    /// A decimal column read with `places` decimal places ([`Expr::Quantized`]): the column
    /// itself where the database keeps the scale.
    fn write_quantized(&self, w: &mut SqlWriter<'_>, expr: &Expr, places: u32) {
        let _ = places;
        w.expr(expr);
    }

    /// A regular-expression test.
    fn write_regex(&self, w: &mut SqlWriter<'_>, expr: &Expr, pattern: &Expr, ci: bool);

    /// A part of a date or wall-clock timestamp as an integer.
    fn write_date_part(&self, w: &mut SqlWriter<'_>, part: DatePart, expr: &Expr);

    /// Date/time arithmetic ([`Expr::Temporal`]). By default interval arithmetic, as
    /// PostgreSQL has it: a date minus a date is a number of days there, made an interval.
    fn write_temporal(
        &self,
        w: &mut SqlWriter<'_>,
        op: crate::BinOp,
        lhs: (&Expr, ValueKind),
        rhs: (&Expr, ValueKind),
    ) {
        let dates = lhs.1 == ValueKind::Date && rhs.1 == ValueKind::Date && op == crate::BinOp::Sub;
        w.push(if dates { "(INTERVAL '1 day' * (" } else { "(" });
        w.expr(lhs.0);
        w.push(if op == crate::BinOp::Sub { " - " } else { " + " });
        w.expr(rhs.0);
        w.push(if dates { "))" } else { ")" });
    }

    /// The date of a wall-clock timestamp.
    fn write_date_of(&self, w: &mut SqlWriter<'_>, expr: &Expr);

    /// The time of day of a wall-clock timestamp.
    fn write_time_of(&self, w: &mut SqlWriter<'_>, expr: &Expr);

    /// `LIMIT`/`OFFSET`, in the standard spelling by default.
    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        if let Some(limit) = limit {
            w.push(" LIMIT ");
            w.push_number(limit);
        }
        if let Some(offset) = offset.filter(|o| *o > 0) {
            w.push(" OFFSET ");
            w.push_number(offset);
        }
    }
}

/// `expr IN (a, b, ...)` in standard SQL, for dialects to fall back on.
pub fn standard_in_list(w: &mut SqlWriter<'_>, expr: &Expr, list: &[Expr]) {
    w.expr(expr);
    w.push(" IN (");
    w.exprs(list);
    w.push(")");
}

/// `expr IN ($1, $2, ...)`, one bound parameter per value, for dialects to fall back on.
pub fn standard_in_values(w: &mut SqlWriter<'_>, expr: &Expr, values: &[Value]) {
    w.expr(expr);
    w.push(" IN (");
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.param(value.clone());
    }
    w.push(")");
}

/// True for a name made of ASCII letters, digits, `_` and `.` (a schema-qualified function),
/// not starting with a digit: safe to write without quotes.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Escapes `\`, `%` and `_` so a LIKE pattern matches the needle literally, and adds the
/// wildcards the pattern kind needs.
pub fn like_pattern(kind: PatternKind, needle: &str) -> String {
    let mut escaped = String::with_capacity(needle.len() + 2);
    if matches!(kind, PatternKind::Contains | PatternKind::EndsWith) {
        escaped.push('%');
    }
    for ch in needle.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    if matches!(kind, PatternKind::Contains | PatternKind::StartsWith) {
        escaped.push('%');
    }
    escaped
}

/// The standard spelling of a scalar function, for dialects to fall back on.
pub fn standard_function(w: &mut SqlWriter<'_>, func: Func, args: &[Expr]) {
    let name = match func {
        Func::Lower => "LOWER",
        Func::Upper => "UPPER",
        Func::Length => "LENGTH",
        Func::Concat => {
            // Django's Concat treats NULL as empty text.
            w.push("(");
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    w.push(" || ");
                }
                w.push("COALESCE(");
                w.expr(a);
                w.push(", '')");
            }
            w.push(")");
            return;
        }
        Func::Coalesce => "COALESCE",
        Func::Greatest => "GREATEST",
        Func::Least => "LEAST",
        Func::NullIf => "NULLIF",
        Func::Abs => "ABS",
        Func::Round => "ROUND",
        Func::Trim => "TRIM",
        Func::Replace => "REPLACE",
        Func::Substr => "SUBSTR",
        Func::Now => {
            w.push("CURRENT_TIMESTAMP");
            return;
        }
        Func::ACos => "ACOS",
        Func::ASin => "ASIN",
        Func::ATan => "ATAN",
        Func::ATan2 => "ATAN2",
        Func::Ceil => "CEILING",
        Func::Cos => "COS",
        Func::Cot => "COT",
        Func::Degrees => "DEGREES",
        Func::Exp => "EXP",
        Func::Floor => "FLOOR",
        Func::Ln => "LN",
        Func::Log => "LOG",
        Func::Mod => "MOD",
        Func::Pi => "PI",
        Func::Power => "POWER",
        Func::Radians => "RADIANS",
        Func::Random => "RANDOM",
        Func::Sign => "SIGN",
        Func::Sin => "SIN",
        Func::Sqrt => "SQRT",
        Func::Tan => "TAN",
        Func::Chr => "CHR",
        Func::Ord => "ASCII",
        Func::Left => "LEFT",
        Func::Right => "RIGHT",
        Func::LPad => "LPAD",
        Func::RPad => "RPAD",
        Func::LTrim => "LTRIM",
        Func::RTrim => "RTRIM",
        Func::Repeat => "REPEAT",
        Func::Reverse => "REVERSE",
        Func::StrIndex => "STRPOS",
        Func::Md5 => "MD5",
        Func::Sha1 => "SHA1",
        Func::Sha224 => "SHA224",
        Func::Sha256 => "SHA256",
        Func::Sha384 => "SHA384",
        Func::Sha512 => "SHA512",
        Func::JsonObject => "JSON_OBJECT",
    };
    w.call(name, args);
}

//! Statements and expressions as plain data.
//!
//! These nodes know nothing about models and never render themselves: a
//! [`crate::Dialect`] turns them into text through the [`crate::SqlWriter`].

use crate::Value;

/// A scalar SQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column, optionally qualified by a table name or alias.
    Column {
        /// The table (or alias) that owns the column.
        table: Option<String>,
        /// The column name.
        column: String,
    },
    /// A bound parameter.
    Param(Value),
    /// `TRUE`/`FALSE` as a condition (rendered portably as `1 = 1` / `1 = 0`).
    Const(bool),
    /// `*`, as in `COUNT(*)`.
    Star,
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// Conditions joined by one `AND` or `OR` (`op`): `a AND b AND c`. A long chain stays one
    /// node with many items, never a tree as deep as it is long.
    Junction {
        /// [`BinOp::And`] or [`BinOp::Or`].
        op: BinOp,
        /// The joined conditions (two or more).
        items: Vec<Expr>,
    },
    /// `NOT (expr)`.
    Not(Box<Expr>),
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// The tested expression.
        expr: Box<Expr>,
        /// `IS NOT NULL` when true.
        negated: bool,
    },
    /// `expr IN (list...)`.
    In {
        /// The tested expression.
        expr: Box<Expr>,
        /// The candidates (never empty: the query layer short-circuits an empty list).
        list: Vec<Expr>,
    },
    /// `expr IN (values...)` over bound values, what lookups and the ORM's own key lists
    /// produce. A dialect with arrays binds the whole list as one parameter (PostgreSQL's
    /// `= ANY($1)`), so the statement text does not change with the list's length.
    InValues {
        /// The tested expression.
        expr: Box<Expr>,
        /// The candidates (never empty: the query layer short-circuits an empty list).
        values: Vec<Value>,
    },
    /// `expr BETWEEN low AND high`.
    Between {
        /// The tested expression.
        expr: Box<Expr>,
        /// Inclusive lower bound.
        low: Box<Expr>,
        /// Inclusive upper bound.
        high: Box<Expr>,
    },
    /// A pattern match on text (`contains`, `startswith`, ...), matching the value literally.
    ///
    /// The dialect chooses the operator (LIKE, GLOB, ...) and escapes `%`, `_` and friends.
    Pattern {
        /// The text being searched.
        expr: Box<Expr>,
        /// Where the needle must sit.
        kind: PatternKind,
        /// The literal needle, bound as a parameter after escaping.
        needle: String,
        /// Case-insensitive match (`icontains`, `iexact`, ...).
        case_insensitive: bool,
    },
    /// A pattern match against another expression (`name__contains = F("other")`).
    PatternExpr {
        /// The text being searched.
        expr: Box<Expr>,
        /// Where the needle must sit.
        kind: PatternKind,
        /// The needle expression.
        needle: Box<Expr>,
        /// Case-insensitive match.
        case_insensitive: bool,
    },
    /// A regular-expression match (`regex`, `iregex`).
    Regex {
        /// The text being searched.
        expr: Box<Expr>,
        /// The pattern, bound as a parameter.
        pattern: Box<Expr>,
        /// `iregex`.
        case_insensitive: bool,
    },
    /// A part of a date or a wall-clock timestamp, as an integer (`year`, `week_day`, ...). An
    /// instant is first made wall-clock time by [`Expr::AtZone`].
    DatePart {
        /// Which part.
        part: DatePart,
        /// The date or wall-clock timestamp.
        expr: Box<Expr>,
    },
    /// The calendar date of a wall-clock timestamp (`__date`).
    DateOf(Box<Expr>),
    /// The time of day of a wall-clock timestamp (`__time`).
    TimeOf(Box<Expr>),
    /// The wall-clock time an instant shows in a named zone (PostgreSQL's `timestamptz AT TIME
    /// ZONE`): what Django's date lookups, `Extract` and `Trunc` read in the current time zone.
    AtZone {
        /// The instant.
        expr: Box<Expr>,
        /// An IANA zone name, checked before it gets here (`Europe/Paris`).
        zone: String,
    },
    /// The instant a wall-clock time names in a zone: the inverse of [`Expr::AtZone`], which
    /// makes a truncated wall-clock time an instant again.
    FromZone {
        /// The wall-clock time.
        expr: Box<Expr>,
        /// An IANA zone name.
        zone: String,
    },
    /// `UPPER(expr)`.
    Upper(Box<Expr>),
    /// `COUNT(expr)` / `COUNT(*)`.
    Count {
        /// What to count; [`Expr::Star`] for rows.
        expr: Box<Expr>,
        /// `COUNT(DISTINCT ...)`.
        distinct: bool,
    },
    /// A random number, for `order_by("?")`.
    Random,
    /// A SQL snippet written by the user, `%s` marking each bound parameter (Django's
    /// `RawSQL`): the text is trusted, the values never are.
    Raw {
        /// The snippet.
        sql: String,
        /// Its parameters, in order.
        params: Vec<Value>,
    },
    /// A result column by 1-based position (ORDER BY of a combined select).
    Position(usize),
    /// An integer the query itself writes (Django's XOR parity: `... % 2 = 1`), never user data.
    Int(i64),
    /// A date or wall-clock timestamp truncated to a unit (`TruncMonth`); an instant is truncated
    /// as `FromZone(Trunc(AtZone(..)))`.
    Trunc {
        /// The unit.
        unit: TruncUnit,
        /// The date or wall-clock timestamp.
        expr: Box<Expr>,
    },
    /// A parenthesised sub-select used as a value.
    Subquery(Box<Select>),
    /// `EXISTS (select)`.
    Exists(Box<Select>),
    /// `COALESCE(a, b, ...)`.
    Coalesce(Vec<Expr>),
    /// A scalar function; the dialect names it.
    Func {
        /// Which function.
        func: Func,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// A function an application registered (`UNACCENT(...)`), written by its own code or,
    /// by default, as `NAME(args)` ([`crate::Dialect::write_call`]).
    Call {
        /// The function.
        function: &'static crate::vocabulary::SqlFunction,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `CASE WHEN cond THEN value ... ELSE default END`.
    Case {
        /// `(condition, value)` pairs in order.
        whens: Vec<(Expr, Expr)>,
        /// The `ELSE` value.
        default: Box<Expr>,
    },
    /// A decimal column read with its field's decimal places: written as the column where
    /// the database keeps the scale (PostgreSQL's `numeric(p, s)`), and as fixed-point text
    /// where it does not (SQLite keeps a decimal as a floating-point number), so `4.50` reads
    /// back as `4.50`, as Django quantizes it.
    Quantized {
        /// The column.
        expr: Box<Expr>,
        /// The field's decimal places.
        places: u32,
    },
    /// `CAST(expr AS type)`.
    Cast {
        /// The value.
        expr: Box<Expr>,
        /// The type.
        ty: crate::ColumnType,
    },
    /// An aggregate: `FUNC([DISTINCT] expr) [FILTER (WHERE cond)]`.
    Aggregate {
        /// Which function.
        func: AggregateFunc,
        /// Its argument ([`Expr::Star`] for `COUNT(*)`).
        expr: Box<Expr>,
        /// `DISTINCT`.
        distinct: bool,
        /// `FILTER (WHERE ...)`.
        filter: Option<Box<Expr>>,
    },
    /// Arithmetic on dates, times and durations (`F("end") - F("start")`,
    /// `F("published") + timedelta`), whose spelling differs per database: PostgreSQL has
    /// interval arithmetic, SQLite stores text and microseconds.
    Temporal {
        /// `+` or `-`.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// What the left operand is (Date, DateTime, Time or Duration).
        lhs_kind: crate::ValueKind,
        /// Right operand.
        rhs: Box<Expr>,
        /// What the right operand is.
        rhs_kind: crate::ValueKind,
    },
    /// `expr COLLATE "name"` (Django's `Collate`): the collation is an identifier, quoted.
    Collate {
        /// The text.
        expr: Box<Expr>,
        /// The collation's name.
        collation: String,
    },
    /// A window function call (`RANK()`), only valid inside [`Expr::Over`].
    WindowFunc {
        /// Which function.
        func: crate::WindowFunc,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `expr OVER (PARTITION BY ... ORDER BY ... frame)`: a window function or an aggregate
    /// computed over the rows related to each row.
    Over {
        /// The window function or aggregate.
        expr: Box<Expr>,
        /// The window (boxed: it would triple the size of every `Expr`).
        window: Box<crate::WindowSpec>,
    },
    /// `expr IN (select)`.
    InSubquery {
        /// The tested expression.
        expr: Box<Expr>,
        /// A one-column sub-select.
        select: Box<Select>,
    },
}

impl Expr {
    /// A column qualified by its table.
    pub fn column(table: impl Into<String>, column: impl Into<String>) -> Self {
        Expr::Column { table: Some(table.into()), column: column.into() }
    }

    /// A bound parameter.
    pub fn param(value: impl Into<Value>) -> Self {
        Expr::Param(value.into())
    }

    /// `self op rhs`.
    pub fn binary(self, op: BinOp, rhs: Expr) -> Self {
        Expr::Binary { op, lhs: Box::new(self), rhs: Box::new(rhs) }
    }

    /// `self AND rhs`, folding constants; a chain of ANDs is one [`Expr::Junction`].
    pub fn and(self, rhs: Expr) -> Self {
        match (self, rhs) {
            (Expr::Const(true), e) | (e, Expr::Const(true)) => e,
            (Expr::Const(false), _) | (_, Expr::Const(false)) => Expr::Const(false),
            (l, r) => l.join(BinOp::And, r),
        }
    }

    /// `self OR rhs`, folding constants; a chain of ORs is one [`Expr::Junction`].
    pub fn or(self, rhs: Expr) -> Self {
        match (self, rhs) {
            (Expr::Const(false), e) | (e, Expr::Const(false)) => e,
            (Expr::Const(true), _) | (_, Expr::Const(true)) => Expr::Const(true),
            (l, r) => l.join(BinOp::Or, r),
        }
    }

    /// `self op rhs` for AND/OR, appended to `self` when it already is such a junction.
    fn join(self, op: BinOp, rhs: Expr) -> Self {
        match self {
            Expr::Junction { op: own, mut items } if own == op => {
                items.push(rhs);
                Expr::Junction { op, items }
            }
            lhs => Expr::Junction { op, items: vec![lhs, rhs] },
        }
    }

    /// `NOT self`, folding constants.
    pub fn negate(self) -> Self {
        match self {
            Expr::Const(b) => Expr::Const(!b),
            e => Expr::Not(Box::new(e)),
        }
    }
}

/// Scalar functions (Django's database functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// Lower case.
    Lower,
    /// Upper case.
    Upper,
    /// Length in characters.
    Length,
    /// Text joined together (NULLs count as empty, as Django's Concat).
    Concat,
    /// The first non-NULL argument.
    Coalesce,
    /// The largest argument.
    Greatest,
    /// The smallest argument.
    Least,
    /// NULL when both arguments are equal, else the first.
    NullIf,
    /// Absolute value.
    Abs,
    /// Rounded to the given number of decimal places.
    Round,
    /// Spaces removed at both ends.
    Trim,
    /// Every occurrence of the second argument replaced by the third.
    Replace,
    /// A substring: text, 1-based start, optional length.
    Substr,
    /// The current time.
    Now,
    /// Arc cosine.
    ACos,
    /// Arc sine.
    ASin,
    /// Arc tangent.
    ATan,
    /// Arc tangent of `y / x` (two arguments).
    ATan2,
    /// The smallest integer not below the argument.
    Ceil,
    /// Cosine.
    Cos,
    /// Cotangent.
    Cot,
    /// Radians to degrees.
    Degrees,
    /// `e` to the power of the argument.
    Exp,
    /// The largest integer not above the argument.
    Floor,
    /// Natural logarithm.
    Ln,
    /// Logarithm of the second argument in the base of the first (Django's `Log(base, x)`).
    Log,
    /// Remainder of the first argument divided by the second.
    Mod,
    /// π.
    Pi,
    /// The first argument to the power of the second.
    Power,
    /// Degrees to radians.
    Radians,
    /// A random float in `[0, 1)`.
    Random,
    /// -1, 0 or 1.
    Sign,
    /// Sine.
    Sin,
    /// Square root.
    Sqrt,
    /// Tangent.
    Tan,
    /// The character with the given code point.
    Chr,
    /// The code point of the first character.
    Ord,
    /// The first `n` characters.
    Left,
    /// The last `n` characters.
    Right,
    /// Padded on the left to a length, with a fill text (a space by default).
    LPad,
    /// Padded on the right to a length, with a fill text (a space by default).
    RPad,
    /// Spaces removed at the start.
    LTrim,
    /// Spaces removed at the end.
    RTrim,
    /// The text repeated `n` times.
    Repeat,
    /// The text backwards.
    Reverse,
    /// The 1-based position of the second argument in the first (0 when absent).
    StrIndex,
    /// MD5 digest of the text, as lower-case hex.
    Md5,
    /// SHA-1 digest, as hex.
    Sha1,
    /// SHA-224 digest, as hex.
    Sha224,
    /// SHA-256 digest, as hex.
    Sha256,
    /// SHA-384 digest, as hex.
    Sha384,
    /// SHA-512 digest, as hex.
    Sha512,
    /// A JSON object of key/value argument pairs.
    JsonObject,
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunc {
    /// `COUNT`
    Count,
    /// `SUM`
    Sum,
    /// `AVG`
    Avg,
    /// `MIN`
    Min,
    /// `MAX`
    Max,
    /// Population standard deviation (`STDDEV_POP`, Django's default).
    StdDev,
    /// Population variance (`VAR_POP`).
    Variance,
}

impl AggregateFunc {
    /// The standard SQL name.
    pub fn as_sql(self) -> &'static str {
        match self {
            AggregateFunc::Count => "COUNT",
            AggregateFunc::Sum => "SUM",
            AggregateFunc::Avg => "AVG",
            AggregateFunc::Min => "MIN",
            AggregateFunc::Max => "MAX",
            AggregateFunc::StdDev => "STDDEV_POP",
            AggregateFunc::Variance => "VAR_POP",
        }
    }
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

impl BinOp {
    /// The operator's standard SQL spelling.
    pub fn as_sql(self) -> &'static str {
        match self {
            BinOp::Eq => "=",
            BinOp::NotEq => "<>",
            BinOp::Lt => "<",
            BinOp::LtEq => "<=",
            BinOp::Gt => ">",
            BinOp::GtEq => ">=",
            BinOp::And => "AND",
            BinOp::Or => "OR",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
        }
    }
}

/// Where a pattern's needle must sit in the searched text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// The whole text (`iexact`).
    Exact,
    /// Anywhere (`contains`).
    Contains,
    /// At the start (`startswith`).
    StartsWith,
    /// At the end (`endswith`).
    EndsWith,
}

/// A part of a date or time, as Django's transforms name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// Calendar year.
    Year,
    /// ISO-8601 week-numbering year.
    IsoYear,
    /// Quarter, 1–4.
    Quarter,
    /// Month, 1–12.
    Month,
    /// ISO-8601 week number, 1–53.
    Week,
    /// Day of the month.
    Day,
    /// Day of the week, 1 = Sunday … 7 = Saturday (Django's `week_day`).
    WeekDay,
    /// Day of the week, 1 = Monday … 7 = Sunday (Django's `iso_week_day`).
    IsoWeekDay,
    /// Hour, 0–23.
    Hour,
    /// Minute, 0–59.
    Minute,
    /// Second, 0–59.
    Second,
}

/// `NULLS FIRST` / `NULLS LAST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// NULLs sort before every value.
    First,
    /// NULLs sort after every value.
    Last,
}

/// One `ORDER BY` key.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    /// The sort expression.
    pub expr: Expr,
    /// Descending when true.
    pub descending: bool,
    /// Where NULLs go; the database's default when `None`.
    pub nulls: Option<Nulls>,
}

/// One output column of a SELECT.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    /// The value.
    pub expr: Expr,
    /// `AS alias`, when given.
    pub alias: Option<String>,
}

/// What a SELECT reads from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A table, optionally aliased.
    Table {
        /// The table name.
        name: String,
        /// `AS alias`.
        alias: Option<String>,
    },
    /// A derived table: `(SELECT ...) alias`.
    Subquery {
        /// The inner statement.
        select: Box<Select>,
        /// Its alias.
        alias: String,
    },
}

/// `INNER` or `LEFT OUTER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`.
    Inner,
    /// `LEFT OUTER JOIN`.
    LeftOuter,
}

/// One joined table.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner or left outer.
    pub kind: JoinKind,
    /// The joined table.
    pub table: String,
    /// Its alias, when the same table appears twice.
    pub alias: Option<String>,
    /// The `ON` condition.
    pub on: Expr,
}

/// A SELECT statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// `SELECT DISTINCT ON (...)` (PostgreSQL).
    pub distinct_on: Vec<Expr>,
    /// The output columns.
    pub columns: Vec<SelectItem>,
    /// The main source.
    pub from: Source,
    /// Joined tables, in order.
    pub joins: Vec<Join>,
    /// The `WHERE` condition.
    pub filter: Option<Expr>,
    /// `GROUP BY` keys.
    pub group_by: Vec<Expr>,
    /// The `HAVING` condition.
    pub having: Option<Expr>,
    /// `ORDER BY` keys.
    pub order_by: Vec<OrderItem>,
    /// `LIMIT`.
    pub limit: Option<u64>,
    /// `OFFSET`.
    pub offset: Option<u64>,
    /// `FOR UPDATE ...`.
    pub lock: Option<RowLock>,
    /// Further selects combined with this one (`UNION [ALL]`, `INTERSECT`, `EXCEPT`); the
    /// ORDER BY and LIMIT above then apply to the combined result.
    pub compound: Vec<(SetOp, Select)>,
}

/// What `Trunc` truncates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncUnit {
    /// The first day of the year.
    Year,
    /// The first day of the quarter.
    Quarter,
    /// The first day of the month.
    Month,
    /// The Monday of the week.
    Week,
    /// Midnight.
    Day,
    /// The hour.
    Hour,
    /// The minute.
    Minute,
    /// The second.
    Second,
}

impl TruncUnit {
    /// PostgreSQL's name of the unit.
    pub fn name(self) -> &'static str {
        match self {
            TruncUnit::Year => "year",
            TruncUnit::Quarter => "quarter",
            TruncUnit::Month => "month",
            TruncUnit::Week => "week",
            TruncUnit::Day => "day",
            TruncUnit::Hour => "hour",
            TruncUnit::Minute => "minute",
            TruncUnit::Second => "second",
        }
    }
}

/// How two selects combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// `UNION` (duplicates removed).
    Union,
    /// `UNION ALL`.
    UnionAll,
    /// `INTERSECT`.
    Intersect,
    /// `EXCEPT`.
    Except,
}

/// `SELECT ... FOR UPDATE [OF ...] [NOWAIT | SKIP LOCKED]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowLock {
    /// Fail at once instead of waiting for a locked row.
    pub nowait: bool,
    /// Leave locked rows out instead of waiting.
    pub skip_locked: bool,
    /// Lock only these tables: aliases once lowered (the query IR holds the relation paths
    /// `select_for_update(of=...)` names, `"self"` for the model).
    pub of: Vec<String>,
}

impl Select {
    /// `SELECT <nothing yet> FROM table`.
    pub fn from_table(table: impl Into<String>) -> Self {
        Select {
            distinct: false,
            distinct_on: Vec::new(),
            columns: Vec::new(),
            from: Source::Table { name: table.into(), alias: None },
            joins: Vec::new(),
            filter: None,
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            lock: None,
            compound: Vec::new(),
        }
    }
}

/// An INSERT of one or more rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The table.
    pub table: String,
    /// The columns given; empty means `DEFAULT VALUES`.
    pub columns: Vec<String>,
    /// One list of values per row, each as long as `columns`.
    pub rows: Vec<Vec<Expr>>,
    /// Columns to hand back (`RETURNING`).
    pub returning: Vec<String>,
    /// Rows that would break a unique constraint are skipped instead of failing the statement
    /// (`ON CONFLICT DO NOTHING`, Django's `ignore_conflicts`).
    pub ignore_conflicts: bool,
}

/// An UPDATE.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The table.
    pub table: String,
    /// `SET column = value` pairs.
    pub assignments: Vec<(String, Expr)>,
    /// The `WHERE` condition.
    pub filter: Option<Expr>,
}

/// A DELETE.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The table.
    pub table: String,
    /// The `WHERE` condition.
    pub filter: Option<Expr>,
}

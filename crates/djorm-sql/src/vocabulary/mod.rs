//! Django's query vocabulary as data: every lookup (`icontains`), transform (`year`) and
//! database function (`Lower`) is one definition here — its name, what it applies to, what it
//! yields and the SQL AST it lowers to.
//!
//! These are the built-ins; djorm-core's registry adds the ones applications register (Django's
//! `register_lookup`), and the `q!` macro, the resolver, the typed field methods, the shell and
//! its completion all read the same definitions. Lowering only builds AST nodes; how a node is
//! spelled per database stays a [`crate::Dialect`] hook.

use crate::{BinOp, DatePart, Expr, PatternKind, Value, ValueKind};

mod functions;
pub use functions::*;

/// What the right-hand side of a lookup is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RhsShape {
    /// One value or expression, of the left-hand side's kind (`gt`, `icontains`).
    One,
    /// A list of values (`in`).
    List,
    /// Two bounds (`range`).
    Range,
    /// `True` or `False` (`isnull`).
    Bool,
}

/// A lookup: the last part of `field__transform__lookup`.
#[derive(Debug)]
pub struct LookupDef {
    /// Its name in paths (`icontains`).
    pub name: &'static str,
    /// Whether it applies to a left-hand side of this kind (text lookups only to text).
    pub applies_to: fn(ValueKind) -> bool,
    /// The shape of the right-hand side.
    pub rhs: RhsShape,
    /// `None` on the right means `IS NULL` (Django's `exact=None`).
    pub none_is_null: bool,
    /// The condition for `lhs` and a one-value right-hand side ([`Expr::Param`] for a value,
    /// any expression for `F(...)`). Shapes other than [`RhsShape::One`] are lowered by the
    /// query compiler itself (`IN`, `BETWEEN`, `IS NULL`) and do not call this.
    pub lower: fn(lhs: Expr, rhs: Expr) -> Expr,
}

/// A transform: a middle part of a path that changes the value before the lookup
/// (`pub_date__year`).
#[derive(Debug)]
pub struct TransformDef {
    /// Its name in paths (`year`).
    pub name: &'static str,
    /// Whether it applies to a value of this kind.
    pub applies_to: fn(ValueKind) -> bool,
    /// The kind of value it yields from one of the given kind.
    pub output: fn(ValueKind) -> ValueKind,
    /// The transformed expression, given the input and its kind.
    pub lower: fn(expr: Expr, input: ValueKind) -> Expr,
    /// Whether an instant is first read as wall-clock time in the current time zone (Django's
    /// `TimezoneMixin`: date parts, dates and times of day); `lower` then gets that wall-clock time.
    pub local_time: bool,
}

/// A database function (Django's `Lower(...)`, `Coalesce(...)`).
#[derive(Debug)]
pub struct FunctionDef {
    /// Django's class name (`Lower`).
    pub name: &'static str,
    /// The fewest arguments it takes.
    pub min_args: usize,
    /// The most arguments it takes (`None`: any number).
    pub max_args: Option<usize>,
    /// The kind of value it yields, given its arguments' kinds.
    pub output: fn(&[ValueKind]) -> ValueKind,
    /// The call, given its lowered arguments.
    pub lower: fn(args: Vec<Expr>) -> Expr,
    /// Whether a first argument that is an instant is first read as wall-clock time in the
    /// current time zone (Django's `TimezoneMixin`: `TruncDate`, `TruncTime`).
    pub local_time: bool,
}

/// A SQL function an application's lookup, transform or function calls ([`Expr::Call`]).
#[derive(Debug)]
pub struct SqlFunction {
    /// Its SQL name (`UNACCENT`), written as `NAME(args)` by [`crate::Dialect::write_call`].
    pub name: &'static str,
    /// Writes the call itself where spellings differ: `w.dialect().name()` says which database
    /// it is written for; arguments go through `w.expr`, so values stay bound parameters.
    pub write: Option<fn(&mut crate::SqlWriter<'_>, &[Expr])>,
}

/// Definitions are compared by identity: one static per lookup, transform or function.
macro_rules! identity_eq {
    ($($t:ty),*) => {$(
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                std::ptr::eq(self, other)
            }
        }
    )*};
}

identity_eq!(LookupDef, TransformDef, FunctionDef, SqlFunction);

impl FunctionDef {
    /// True when `n` arguments are accepted.
    pub fn takes(&self, n: usize) -> bool {
        n >= self.min_args && self.max_args.is_none_or(|max| n <= max)
    }
}

/// Any kind of value.
pub fn any_kind(_: ValueKind) -> bool {
    true
}

/// Text.
pub fn text_kind(kind: ValueKind) -> bool {
    kind == ValueKind::String
}

fn date_kind(kind: ValueKind) -> bool {
    matches!(kind, ValueKind::Date | ValueKind::DateTime)
}

fn time_kind(kind: ValueKind) -> bool {
    matches!(kind, ValueKind::Time | ValueKind::DateTime)
}

fn datetime_kind(kind: ValueKind) -> bool {
    kind == ValueKind::DateTime
}

fn integer_output(_: ValueKind) -> ValueKind {
    ValueKind::I64
}

/// The kind of value it was given (a transform such as `unaccent`, text to text).
pub fn same_kind(kind: ValueKind) -> ValueKind {
    kind
}

fn unreachable_lower(lhs: Expr, _: Expr) -> Expr {
    lhs
}

/// A text pattern: a bound value becomes an escaped `LIKE` needle; an expression is escaped
/// in SQL.
fn pattern(lhs: Expr, rhs: Expr, kind: PatternKind, case_insensitive: bool) -> Expr {
    match rhs {
        Expr::Param(v) => {
            let needle = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            Expr::Pattern { expr: Box::new(lhs), kind, needle, case_insensitive }
        }
        rhs => Expr::PatternExpr { expr: Box::new(lhs), kind, needle: Box::new(rhs), case_insensitive },
    }
}

macro_rules! comparison {
    ($($(#[$doc:meta])* $static:ident = $name:literal, $op:ident;)*) => {$(
        $(#[$doc])*
        pub static $static: LookupDef = LookupDef {
            name: $name,
            applies_to: any_kind,
            rhs: RhsShape::One,
            none_is_null: false,
            lower: |lhs, rhs| lhs.binary(BinOp::$op, rhs),
        };
    )*};
}

comparison! {
    /// `gt`: greater than.
    GT = "gt", Gt;
    /// `gte`: greater than or equal.
    GTE = "gte", GtEq;
    /// `lt`: less than.
    LT = "lt", Lt;
    /// `lte`: less than or equal.
    LTE = "lte", LtEq;
}

/// `exact`: equal (`None` means `IS NULL`).
pub static EXACT: LookupDef = LookupDef {
    name: "exact",
    applies_to: any_kind,
    rhs: RhsShape::One,
    none_is_null: true,
    lower: |lhs, rhs| lhs.binary(BinOp::Eq, rhs),
};

macro_rules! text_pattern {
    ($($(#[$doc:meta])* $static:ident = $name:literal, $kind:ident, $ci:literal, $none_is_null:literal;)*) => {$(
        $(#[$doc])*
        pub static $static: LookupDef = LookupDef {
            name: $name,
            applies_to: text_kind,
            rhs: RhsShape::One,
            none_is_null: $none_is_null,
            lower: |lhs, rhs| pattern(lhs, rhs, PatternKind::$kind, $ci),
        };
    )*};
}

text_pattern! {
    /// `iexact`: equal, ignoring case.
    IEXACT = "iexact", Exact, true, true;
    /// `contains`: holds the text.
    CONTAINS = "contains", Contains, false, false;
    /// `icontains`: holds the text, ignoring case.
    ICONTAINS = "icontains", Contains, true, false;
    /// `startswith`.
    STARTSWITH = "startswith", StartsWith, false, false;
    /// `istartswith`: ignoring case.
    ISTARTSWITH = "istartswith", StartsWith, true, false;
    /// `endswith`.
    ENDSWITH = "endswith", EndsWith, false, false;
    /// `iendswith`: ignoring case.
    IENDSWITH = "iendswith", EndsWith, true, false;
}

macro_rules! regex {
    ($($(#[$doc:meta])* $static:ident = $name:literal, $ci:literal;)*) => {$(
        $(#[$doc])*
        pub static $static: LookupDef = LookupDef {
            name: $name,
            applies_to: text_kind,
            rhs: RhsShape::One,
            none_is_null: false,
            lower: |lhs, rhs| Expr::Regex { expr: Box::new(lhs), pattern: Box::new(rhs), case_insensitive: $ci },
        };
    )*};
}

regex! {
    /// `regex`: matches a regular expression.
    REGEX = "regex", false;
    /// `iregex`: matches a regular expression, ignoring case.
    IREGEX = "iregex", true;
}

/// `in`: one of a list (NULLs in the list never match; an empty list matches nothing).
pub static IN: LookupDef =
    LookupDef { name: "in", applies_to: any_kind, rhs: RhsShape::List, none_is_null: false, lower: unreachable_lower };

/// `range`: between two bounds, inclusive.
pub static RANGE: LookupDef = LookupDef {
    name: "range",
    applies_to: any_kind,
    rhs: RhsShape::Range,
    none_is_null: false,
    lower: unreachable_lower,
};

/// `isnull`: is (not) NULL.
pub static ISNULL: LookupDef = LookupDef {
    name: "isnull",
    applies_to: any_kind,
    rhs: RhsShape::Bool,
    none_is_null: false,
    lower: unreachable_lower,
};

/// Every built-in lookup.
pub static LOOKUPS: &[&LookupDef] = &[
    &EXACT,
    &IEXACT,
    &CONTAINS,
    &ICONTAINS,
    &IN,
    &GT,
    &GTE,
    &LT,
    &LTE,
    &STARTSWITH,
    &ISTARTSWITH,
    &ENDSWITH,
    &IENDSWITH,
    &RANGE,
    &ISNULL,
    &REGEX,
    &IREGEX,
];

macro_rules! date_part {
    ($($(#[$doc:meta])* $static:ident = $name:literal, $part:ident, $applies:ident;)*) => {$(
        $(#[$doc])*
        pub static $static: TransformDef = TransformDef {
            name: $name,
            applies_to: $applies,
            output: integer_output,
            lower: |expr, _| Expr::DatePart { part: DatePart::$part, expr: Box::new(expr) },
            local_time: true,
        };
    )*};
}

date_part! {
    /// `year`.
    YEAR = "year", Year, date_kind;
    /// `iso_year`: the ISO 8601 week-numbering year.
    ISO_YEAR = "iso_year", IsoYear, date_kind;
    /// `quarter`: 1 to 4.
    QUARTER = "quarter", Quarter, date_kind;
    /// `month`: 1 to 12.
    MONTH = "month", Month, date_kind;
    /// `week`: the ISO 8601 week number.
    WEEK = "week", Week, date_kind;
    /// `day`: of the month.
    DAY = "day", Day, date_kind;
    /// `week_day`: 1 (Sunday) to 7, as Django counts.
    WEEK_DAY = "week_day", WeekDay, date_kind;
    /// `iso_week_day`: 1 (Monday) to 7.
    ISO_WEEK_DAY = "iso_week_day", IsoWeekDay, date_kind;
    /// `hour`.
    HOUR = "hour", Hour, time_kind;
    /// `minute`.
    MINUTE = "minute", Minute, time_kind;
    /// `second`.
    SECOND = "second", Second, time_kind;
}

/// `date`: the date of a timestamp in the current time zone.
pub static DATE: TransformDef = TransformDef {
    name: "date",
    applies_to: datetime_kind,
    output: |_| ValueKind::Date,
    lower: |expr, _| Expr::DateOf(Box::new(expr)),
    local_time: true,
};

/// `time`: the time of day of a timestamp in the current time zone.
pub static TIME: TransformDef = TransformDef {
    name: "time",
    applies_to: datetime_kind,
    output: |_| ValueKind::Time,
    lower: |expr, _| Expr::TimeOf(Box::new(expr)),
    local_time: true,
};

/// Every built-in transform.
pub static TRANSFORMS: &[&TransformDef] =
    &[&YEAR, &ISO_YEAR, &QUARTER, &MONTH, &WEEK, &DAY, &WEEK_DAY, &ISO_WEEK_DAY, &HOUR, &MINUTE, &SECOND, &DATE, &TIME];

/// The Django field class a value of `kind` is reported as in messages
/// (`Unsupported lookup 'x' for IntegerField`).
pub fn class_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Bool => "BooleanField",
        ValueKind::I16 | ValueKind::I32 | ValueKind::I64 => "IntegerField",
        ValueKind::F64 => "FloatField",
        ValueKind::Decimal => "DecimalField",
        ValueKind::String => "CharField",
        ValueKind::Bytes => "BinaryField",
        ValueKind::Uuid => "UUIDField",
        ValueKind::Date => "DateField",
        ValueKind::Time => "TimeField",
        ValueKind::DateTime => "DateTimeField",
        ValueKind::Duration => "DurationField",
        ValueKind::Json => "JSONField",
        ValueKind::Any => "Field",
    }
}

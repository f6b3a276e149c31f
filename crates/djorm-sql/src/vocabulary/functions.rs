//! Django's database functions (`django.db.models.functions`) as data: name, arity, the kind
//! of value each yields (Django's output field rules) and the AST node it lowers to. How a
//! node is spelled per database is the dialect's [`crate::Dialect::write_function`].

use super::FunctionDef;
use crate::{Expr, Func, Value, ValueKind};

fn first_kind(kinds: &[ValueKind]) -> ValueKind {
    kinds.first().copied().unwrap_or(ValueKind::Any)
}

fn is_integer(kind: ValueKind) -> bool {
    matches!(kind, ValueKind::I16 | ValueKind::I32 | ValueKind::I64)
}

/// Django's `NumericOutputFieldMixin`: a decimal argument makes a decimal, an integer one a
/// float (`Sqrt(pages)` is a FloatField), anything else keeps its kind.
fn numeric_output(kinds: &[ValueKind]) -> ValueKind {
    if kinds.contains(&ValueKind::Decimal) {
        ValueKind::Decimal
    } else if kinds.iter().copied().any(is_integer) || kinds.is_empty() {
        ValueKind::F64
    } else {
        first_kind(kinds)
    }
}

fn text_output(_: &[ValueKind]) -> ValueKind {
    ValueKind::String
}

fn integer_output(_: &[ValueKind]) -> ValueKind {
    ValueKind::I64
}

/// The arguments with `default` appended when the optional last one was left out
/// (`LPad(name, 10)` pads with a space, `Replace(name, "a")` replaces with nothing).
fn with_default(mut args: Vec<Expr>, arity: usize, default: &str) -> Vec<Expr> {
    if args.len() < arity {
        args.push(Expr::Param(Value::String(default.to_owned())));
    }
    args
}

macro_rules! function {
    ($($(#[$doc:meta])* $static:ident = $name:literal, $func:ident, $min:expr, $max:expr, $output:expr;)*) => {$(
        $(#[$doc])*
        pub static $static: FunctionDef = FunctionDef {
            name: $name,
            min_args: $min,
            max_args: $max,
            output: $output,
            lower: |args| Expr::Func { func: Func::$func, args },
            local_time: false,
        };
    )*};
}

function! {
    /// `Lower(text)`.
    LOWER = "Lower", Lower, 1, Some(1), text_output;
    /// `Upper(text)`.
    UPPER = "Upper", Upper, 1, Some(1), text_output;
    /// `Length(text)`: characters.
    LENGTH = "Length", Length, 1, Some(1), integer_output;
    /// `Concat(a, b, ...)`: NULL counts as empty text.
    CONCAT = "Concat", Concat, 2, None, text_output;
    /// `Coalesce(a, b, ...)`: the first non-NULL argument.
    COALESCE = "Coalesce", Coalesce, 2, None, first_kind;
    /// `Greatest(a, b, ...)`.
    GREATEST = "Greatest", Greatest, 2, None, first_kind;
    /// `Least(a, b, ...)`.
    LEAST = "Least", Least, 2, None, first_kind;
    /// `NullIf(a, b)`: NULL when equal, else `a`.
    NULLIF = "NullIf", NullIf, 2, Some(2), first_kind;
    /// `Abs(number)`.
    ABS = "Abs", Abs, 1, Some(1), first_kind;
    /// `Round(number[, places])`.
    ROUND = "Round", Round, 1, Some(2), |kinds| if kinds.len() == 2 { ValueKind::F64 } else { first_kind(kinds) };
    /// `Trim(text)`: spaces removed at both ends.
    TRIM = "Trim", Trim, 1, Some(1), text_output;
    /// `Substr(text, pos[, length])`: 1-based.
    SUBSTR = "Substr", Substr, 2, Some(3), text_output;
    /// `Now()`: the current time.
    NOW = "Now", Now, 0, Some(0), |_| ValueKind::DateTime;

    /// `ACos(number)`.
    ACOS = "ACos", ACos, 1, Some(1), numeric_output;
    /// `ASin(number)`.
    ASIN = "ASin", ASin, 1, Some(1), numeric_output;
    /// `ATan(number)`.
    ATAN = "ATan", ATan, 1, Some(1), numeric_output;
    /// `ATan2(y, x)`.
    ATAN2 = "ATan2", ATan2, 2, Some(2), numeric_output;
    /// `Ceil(number)`: keeps the argument's kind, as Django's.
    CEIL = "Ceil", Ceil, 1, Some(1), first_kind;
    /// `Cos(number)`.
    COS = "Cos", Cos, 1, Some(1), numeric_output;
    /// `Cot(number)`.
    COT = "Cot", Cot, 1, Some(1), numeric_output;
    /// `Degrees(radians)`.
    DEGREES = "Degrees", Degrees, 1, Some(1), numeric_output;
    /// `Exp(number)`.
    EXP = "Exp", Exp, 1, Some(1), numeric_output;
    /// `Floor(number)`: keeps the argument's kind, as Django's.
    FLOOR = "Floor", Floor, 1, Some(1), first_kind;
    /// `Ln(number)`.
    LN = "Ln", Ln, 1, Some(1), numeric_output;
    /// `Log(base, number)`.
    LOG = "Log", Log, 2, Some(2), numeric_output;
    /// `Mod(a, b)`.
    MOD = "Mod", Mod, 2, Some(2), numeric_output;
    /// `Pi()`.
    PI = "Pi", Pi, 0, Some(0), numeric_output;
    /// `Power(base, exponent)`.
    POWER = "Power", Power, 2, Some(2), numeric_output;
    /// `Radians(degrees)`.
    RADIANS = "Radians", Radians, 1, Some(1), numeric_output;
    /// `Random()`: a float in `[0, 1)`.
    RANDOM = "Random", Random, 0, Some(0), numeric_output;
    /// `Sign(number)`: keeps the argument's kind, as Django's.
    SIGN = "Sign", Sign, 1, Some(1), first_kind;
    /// `Sin(number)`.
    SIN = "Sin", Sin, 1, Some(1), numeric_output;
    /// `Sqrt(number)`.
    SQRT = "Sqrt", Sqrt, 1, Some(1), numeric_output;
    /// `Tan(number)`.
    TAN = "Tan", Tan, 1, Some(1), numeric_output;

    /// `Chr(code point)`.
    CHR = "Chr", Chr, 1, Some(1), text_output;
    /// `Ord(text)`: the first character's code point.
    ORD = "Ord", Ord, 1, Some(1), integer_output;
    /// `Left(text, n)`.
    LEFT = "Left", Left, 2, Some(2), text_output;
    /// `Right(text, n)`.
    RIGHT = "Right", Right, 2, Some(2), text_output;
    /// `LTrim(text)`.
    LTRIM = "LTrim", LTrim, 1, Some(1), text_output;
    /// `RTrim(text)`.
    RTRIM = "RTrim", RTrim, 1, Some(1), text_output;
    /// `Repeat(text, n)`.
    REPEAT = "Repeat", Repeat, 2, Some(2), text_output;
    /// `Reverse(text)`.
    REVERSE = "Reverse", Reverse, 1, Some(1), text_output;
    /// `StrIndex(text, needle)`: 1-based, 0 when absent.
    STR_INDEX = "StrIndex", StrIndex, 2, Some(2), integer_output;
    /// `MD5(text)`: lower-case hex.
    MD5 = "MD5", Md5, 1, Some(1), text_output;
    /// `SHA1(text)`: hex (PostgreSQL needs the `pgcrypto` extension, as Django's does).
    SHA1 = "SHA1", Sha1, 1, Some(1), text_output;
    /// `SHA224(text)`: hex.
    SHA224 = "SHA224", Sha224, 1, Some(1), text_output;
    /// `SHA256(text)`: hex.
    SHA256 = "SHA256", Sha256, 1, Some(1), text_output;
    /// `SHA384(text)`: hex.
    SHA384 = "SHA384", Sha384, 1, Some(1), text_output;
    /// `SHA512(text)`: hex.
    SHA512 = "SHA512", Sha512, 1, Some(1), text_output;
}

/// Functions whose last argument is optional, with Django's default for it.
macro_rules! optional_last {
    ($($(#[$doc:meta])* $static:ident = $name:literal, $func:ident, $min:expr, $default:literal;)*) => {$(
        $(#[$doc])*
        pub static $static: FunctionDef = FunctionDef {
            name: $name,
            min_args: $min,
            max_args: Some($min + 1),
            output: text_output,
            lower: |args| Expr::Func { func: Func::$func, args: with_default(args, $min + 1, $default) },
            local_time: false,
        };
    )*};
}

optional_last! {
    /// `Replace(text, old[, new])`: every `old` replaced by `new` (nothing by default).
    REPLACE = "Replace", Replace, 2, "";
    /// `LPad(text, length[, fill])`: padded on the left (with spaces by default), cut to `length`.
    LPAD = "LPad", LPad, 2, " ";
    /// `RPad(text, length[, fill])`: padded on the right (with spaces by default), cut to `length`.
    RPAD = "RPad", RPad, 2, " ";
}

fn first_arg(args: Vec<Expr>) -> Box<Expr> {
    Box::new(args.into_iter().next().unwrap_or(Expr::Param(Value::Null)))
}

/// `TruncDate(timestamp)`: its date in the current time zone (the `__date` transform as a function).
pub static TRUNC_DATE: FunctionDef = FunctionDef {
    name: "TruncDate",
    min_args: 1,
    max_args: Some(1),
    output: |_| ValueKind::Date,
    lower: |args| Expr::DateOf(first_arg(args)),
    local_time: true,
};

/// `TruncTime(timestamp)`: its time of day in the current time zone (the `__time` transform as a function).
pub static TRUNC_TIME: FunctionDef = FunctionDef {
    name: "TruncTime",
    min_args: 1,
    max_args: Some(1),
    output: |_| ValueKind::Time,
    lower: |args| Expr::TimeOf(first_arg(args)),
    local_time: true,
};

/// `Collate(text, collation)`: the text compared and sorted by another collation (an
/// identifier of the database, not a value).
pub static COLLATE: FunctionDef = FunctionDef {
    name: "Collate",
    min_args: 2,
    max_args: Some(2),
    output: first_kind,
    lower: |args| {
        let mut args = args.into_iter();
        let expr = Box::new(args.next().unwrap_or(Expr::Param(Value::Null)));
        match args.next() {
            Some(Expr::Param(Value::String(collation))) => Expr::Collate { expr, collation },
            // Checked before lowering (a collation is a name); nothing else reaches here.
            _ => *expr,
        }
    },
    local_time: false,
};

/// `JSONObject(key=value, ...)`: a JSON object, its arguments alternating keys and values.
pub static JSON_OBJECT: FunctionDef = FunctionDef {
    name: "JSONObject",
    min_args: 0,
    max_args: None,
    output: |_| ValueKind::Json,
    lower: |args| Expr::Func { func: Func::JsonObject, args },
    local_time: false,
};

/// Every built-in function.
pub static FUNCTIONS: &[&FunctionDef] = &[
    &LOWER,
    &UPPER,
    &LENGTH,
    &CONCAT,
    &COALESCE,
    &GREATEST,
    &LEAST,
    &NULLIF,
    &ABS,
    &ROUND,
    &TRIM,
    &REPLACE,
    &SUBSTR,
    &NOW,
    &ACOS,
    &ASIN,
    &ATAN,
    &ATAN2,
    &CEIL,
    &COS,
    &COT,
    &DEGREES,
    &EXP,
    &FLOOR,
    &LN,
    &LOG,
    &MOD,
    &PI,
    &POWER,
    &RADIANS,
    &RANDOM,
    &SIGN,
    &SIN,
    &SQRT,
    &TAN,
    &CHR,
    &ORD,
    &LEFT,
    &RIGHT,
    &LPAD,
    &RPAD,
    &LTRIM,
    &RTRIM,
    &REPEAT,
    &REVERSE,
    &STR_INDEX,
    &MD5,
    &SHA1,
    &SHA224,
    &SHA256,
    &SHA384,
    &SHA512,
    &TRUNC_DATE,
    &TRUNC_TIME,
    &COLLATE,
    &JSON_OBJECT,
];

//! Django's math and text database functions, and the date functions beyond the common ones,
//! as Rust calls: `Sqrt("pages")`, `LPad("name", 10, Some("."))`, `TruncDate("published")`.
//!
//! Each builds an [`Expression::Func`] of its definition in the registry
//! ([`crate::vocabulary`]), so the shell's `Sqrt(...)` and these are one function. A `&str`
//! argument names a field, as in Django; literal text goes through [`Expression::value`].

use djorm_sql::{DatePart, TruncUnit, Value};

use crate::expr::{func as call, unary, Arg, Expression, Extract, Trunc};
use crate::vocabulary;

fn int(v: i64) -> Arg {
    Arg(Expression::Value(Value::I64(v)))
}

fn text(v: &str) -> Arg {
    Arg(Expression::value(v))
}

unary!(
    /// Django's `ACos(...)`.
    ACos => ACOS,
    /// Django's `ASin(...)`.
    ASin => ASIN,
    /// Django's `ATan(...)`.
    ATan => ATAN,
    /// Django's `Ceil(...)`.
    Ceil => CEIL,
    /// Django's `Cos(...)`.
    Cos => COS,
    /// Django's `Cot(...)`.
    Cot => COT,
    /// Django's `Degrees(...)`: radians to degrees.
    Degrees => DEGREES,
    /// Django's `Exp(...)`.
    Exp => EXP,
    /// Django's `Floor(...)`.
    Floor => FLOOR,
    /// Django's `Ln(...)`.
    Ln => LN,
    /// Django's `Radians(...)`: degrees to radians.
    Radians => RADIANS,
    /// Django's `Sign(...)`: -1, 0 or 1.
    Sign => SIGN,
    /// Django's `Sin(...)`.
    Sin => SIN,
    /// Django's `Sqrt(...)`.
    Sqrt => SQRT,
    /// Django's `Tan(...)`.
    Tan => TAN,
    /// Django's `Chr(...)`: the character with a code point.
    Chr => CHR,
    /// Django's `Ord(...)`: the first character's code point.
    Ord => ORD,
    /// Django's `LTrim(...)`.
    LTrim => LTRIM,
    /// Django's `RTrim(...)`.
    RTrim => RTRIM,
    /// Django's `Reverse(...)`: the text backwards.
    Reverse => REVERSE,
    /// Django's `MD5(...)`: lower-case hex.
    MD5 => MD5,
    /// Django's `SHA1(...)` (on PostgreSQL, needs the `pgcrypto` extension, as Django's).
    SHA1 => SHA1,
    /// Django's `SHA224(...)`.
    SHA224 => SHA224,
    /// Django's `SHA256(...)`.
    SHA256 => SHA256,
    /// Django's `SHA384(...)`.
    SHA384 => SHA384,
    /// Django's `SHA512(...)`.
    SHA512 => SHA512,
    /// Django's `TruncDate(...)`: the date of a timestamp in the current time zone.
    TruncDate => TRUNC_DATE,
    /// Django's `TruncTime(...)`: the time of day of a timestamp in the current time zone.
    TruncTime => TRUNC_TIME,
);

macro_rules! binary {
    ($($(#[$doc:meta])* $name:ident => $def:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name(a: impl Into<Arg>, b: impl Into<Arg>) -> Expression {
            call(&vocabulary::$def, vec![a.into(), b.into()])
        }
    )*};
}

binary!(
    /// Django's `ATan2(y, x)`.
    ATan2 => ATAN2,
    /// Django's `Log(base, x)`.
    Log => LOG,
    /// Django's `Mod(a, b)`.
    Mod => MOD,
    /// Django's `Power(base, exponent)`.
    Power => POWER,
    /// Django's `StrIndex(text, needle)`: 1-based, 0 when absent (pass the needle as
    /// [`Expression::value`] to search for literal text).
    StrIndex => STR_INDEX,
);

/// Django's `Pi()`.
#[allow(non_snake_case)]
pub fn Pi() -> Expression {
    call(&vocabulary::PI, Vec::new())
}

/// Django's `Random()`: a float in `[0, 1)`.
#[allow(non_snake_case)]
pub fn Random() -> Expression {
    call(&vocabulary::RANDOM, Vec::new())
}

/// Django's `Left(text, n)`: the first `n` characters.
#[allow(non_snake_case)]
pub fn Left(arg: impl Into<Arg>, n: i64) -> Expression {
    call(&vocabulary::LEFT, vec![arg.into(), int(n)])
}

/// Django's `Right(text, n)`: the last `n` characters.
#[allow(non_snake_case)]
pub fn Right(arg: impl Into<Arg>, n: i64) -> Expression {
    call(&vocabulary::RIGHT, vec![arg.into(), int(n)])
}

/// Django's `Repeat(text, n)`.
#[allow(non_snake_case)]
pub fn Repeat(arg: impl Into<Arg>, n: i64) -> Expression {
    call(&vocabulary::REPEAT, vec![arg.into(), int(n)])
}

/// Django's `LPad(text, length, fill_text)`: padded on the left (a space when `fill` is
/// `None`), cut to `length`.
#[allow(non_snake_case)]
pub fn LPad(arg: impl Into<Arg>, length: i64, fill: Option<&str>) -> Expression {
    call(&vocabulary::LPAD, vec![arg.into(), int(length), text(fill.unwrap_or(" "))])
}

/// Django's `RPad(text, length, fill_text)`: padded on the right (a space when `fill` is
/// `None`), cut to `length`.
#[allow(non_snake_case)]
pub fn RPad(arg: impl Into<Arg>, length: i64, fill: Option<&str>) -> Expression {
    call(&vocabulary::RPAD, vec![arg.into(), int(length), text(fill.unwrap_or(" "))])
}

/// Django's `ExtractIsoYear(...)`: the ISO 8601 week-numbering year.
#[allow(non_snake_case)]
pub fn ExtractIsoYear(arg: impl Into<Arg>) -> Expression {
    Extract(arg, DatePart::IsoYear)
}

/// Django's `ExtractIsoWeekDay(...)`: 1 (Monday) to 7.
#[allow(non_snake_case)]
pub fn ExtractIsoWeekDay(arg: impl Into<Arg>) -> Expression {
    Extract(arg, DatePart::IsoWeekDay)
}

/// Django's `TruncMinute(...)` (UTC).
#[allow(non_snake_case)]
pub fn TruncMinute(arg: impl Into<Arg>) -> Expression {
    Trunc(arg, TruncUnit::Minute, None)
}

/// Django's `TruncSecond(...)` (UTC).
#[allow(non_snake_case)]
pub fn TruncSecond(arg: impl Into<Arg>) -> Expression {
    Trunc(arg, TruncUnit::Second, None)
}

/// Django's `Collate(expression, collation)`: compared and sorted by `collation`, a name of
/// the database (`"C"`, `"NOCASE"` on SQLite); a name that is not one is Django's ValueError.
#[allow(non_snake_case)]
pub fn Collate(arg: impl Into<Arg>, collation: &str) -> Expression {
    call(&vocabulary::COLLATE, vec![arg.into(), text(collation)])
}

/// Django's `JSONObject(key=value, ...)`: a JSON object built by the database, keys in order.
#[allow(non_snake_case)]
pub fn JSONObject<A: Into<Arg>>(pairs: impl IntoIterator<Item = (&'static str, A)>) -> Expression {
    let args = pairs.into_iter().flat_map(|(key, value)| [text(key), value.into()]).collect();
    call(&vocabulary::JSON_OBJECT, args)
}

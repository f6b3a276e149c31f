//! Lookups, a transform and a database function defined outside djorm, as an application
//! would define them (Django's custom lookups: `NotEqual`, `Unaccent`, `StrIndex`), through the
//! facade's public API only.

use djorm::sql::vocabulary::SqlFunction;
use djorm::sql::{BinOp, Expr, SqlWriter};
use djorm::vocabulary::{any_kind, same_kind, text_kind, FunctionDef, LookupDef, RhsShape, TransformDef};
use djorm::{register_function, register_lookup, register_transform, Field, TextType, ValueKind};

/// Django's documented custom lookup `ne`: `field__ne = value` is `field <> value`.
pub static NOT_EQUAL: LookupDef = LookupDef {
    name: "ne",
    applies_to: any_kind,
    rhs: RhsShape::One,
    none_is_null: false,
    lower: |lhs, rhs| lhs.binary(BinOp::NotEq, rhs),
};
register_lookup!(NOT_EQUAL);

static UNACCENT_SQL: SqlFunction = SqlFunction { name: "UNACCENT", write: None };

/// PostgreSQL's `unaccent` extension as a transform: `name__unaccent__icontains = "cafe"`.
pub static UNACCENT: TransformDef = TransformDef {
    name: "unaccent",
    applies_to: text_kind,
    output: same_kind,
    lower: |expr, _| Expr::Call { function: &UNACCENT_SQL, args: vec![expr] },
    local_time: false,
};
register_transform!(UNACCENT);

/// `Author::name().unaccent()`, so typed paths and `q!` spell the transform too.
pub trait Unaccent<M> {
    /// The text without its accents.
    fn unaccent(self) -> Field<M, String>;
}

impl<M, T: TextType> Unaccent<M> for Field<M, T> {
    fn unaccent(self) -> Field<M, String> {
        self.transform(&UNACCENT)
    }
}

/// `STRPOS` on PostgreSQL, `INSTR` elsewhere: one function spelt per database.
static STR_INDEX_SQL: SqlFunction = SqlFunction {
    name: "INSTR",
    write: Some(|w: &mut SqlWriter<'_>, args: &[Expr]| {
        let name = if w.dialect().name() == "postgresql" { "STRPOS" } else { "INSTR" };
        w.call(name, args);
    }),
};

/// Django's `StrIndex(text, substring)`: the 1-based position of the substring, 0 if absent.
pub static STR_INDEX: FunctionDef = FunctionDef {
    name: "StrIndex",
    min_args: 2,
    max_args: Some(2),
    output: |_| ValueKind::I64,
    lower: |args| Expr::Call { function: &STR_INDEX_SQL, args },
    local_time: false,
};
register_function!(STR_INDEX);

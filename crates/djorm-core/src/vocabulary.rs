//! The one registry of lookups, transforms and database functions: djorm's built-ins
//! ([`djorm_sql::vocabulary`]) and those applications register from their own crates, as
//! Django's `register_lookup` does.
//!
//! ```
//! use djorm_core::vocabulary::{same_kind, text_kind, SqlFunction, TransformDef};
//! use djorm_sql::Expr;
//!
//! static UNACCENT_SQL: SqlFunction = SqlFunction { name: "UNACCENT", write: None };
//! static UNACCENT: TransformDef = TransformDef {
//!     name: "unaccent",
//!     applies_to: text_kind,
//!     output: same_kind,
//!     lower: |expr, _| Expr::Call { function: &UNACCENT_SQL, args: vec![expr] },
//!     local_time: false,
//! };
//! djorm_core::register_transform!(UNACCENT);
//! // Post::objects().filter(Q::new("title__unaccent__icontains", "cafe"))
//!
//! assert!(djorm_core::vocabulary::transform("unaccent", djorm_sql::ValueKind::String).is_some());
//! ```
//!
//! The resolver, the typed field methods, the `q!` macro and the shell (names and completion)
//! all read this registry; nothing else lists lookup names.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The definition types and the built-ins (`EXACT`, `YEAR`, `LOWER`, ...).
pub use djorm_sql::vocabulary::*;
use djorm_sql::ValueKind;

/// One registered definition; submit it with [`register_lookup!`](crate::register_lookup),
/// [`register_transform!`](crate::register_transform) or
/// [`register_function!`](crate::register_function).
#[derive(Debug)]
pub enum Registration {
    /// A lookup (`field__name = value`).
    Lookup(&'static LookupDef),
    /// A transform (`field__name__lookup`).
    Transform(&'static TransformDef),
    /// A database function (`Name(args)`).
    Function(&'static FunctionDef),
}

inventory::collect!(Registration);

/// Registers a [`LookupDef`] for every query, in Rust and in the shell.
#[macro_export]
macro_rules! register_lookup {
    ($def:path) => {
        $crate::__private::inventory::submit! { $crate::vocabulary::Registration::Lookup(&$def) }
    };
}

/// Registers a [`TransformDef`] for every query, in Rust and in the shell.
#[macro_export]
macro_rules! register_transform {
    ($def:path) => {
        $crate::__private::inventory::submit! { $crate::vocabulary::Registration::Transform(&$def) }
    };
}

/// Registers a [`FunctionDef`], so `Expression::function("Name", ...)` and the shell's
/// `Name(...)` find it.
#[macro_export]
macro_rules! register_function {
    ($def:path) => {
        $crate::__private::inventory::submit! { $crate::vocabulary::Registration::Function(&$def) }
    };
}

struct Vocabulary {
    lookups: HashMap<&'static str, &'static LookupDef>,
    /// Several transforms may share a name for different kinds; the last registered first.
    transforms: HashMap<&'static str, Vec<&'static TransformDef>>,
    functions: HashMap<&'static str, &'static FunctionDef>,
    /// Whether an application registered anything beside the built-ins.
    registered: bool,
}

fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let mut v = Vocabulary {
            lookups: HashMap::new(),
            transforms: HashMap::new(),
            functions: HashMap::new(),
            registered: inventory::iter::<Registration>().next().is_some(),
        };
        let registered = inventory::iter::<Registration>();
        // Built-ins first; a registration of the same name replaces a built-in, as in Django.
        let all = LOOKUPS
            .iter()
            .map(|l| Registration::Lookup(l))
            .chain(TRANSFORMS.iter().map(|t| Registration::Transform(t)))
            .chain(FUNCTIONS.iter().map(|f| Registration::Function(f)));
        let mut add = |r: &Registration| match *r {
            Registration::Lookup(l) => {
                v.lookups.insert(l.name, l);
            }
            Registration::Transform(t) => v.transforms.entry(t.name).or_default().insert(0, t),
            Registration::Function(f) => {
                v.functions.insert(f.name, f);
            }
        };
        all.for_each(|r| add(&r));
        registered.for_each(add);
        v
    })
}

/// Whether an application registered a lookup, transform or function beside the built-ins
/// (a text path may then name one, whose lowering djorm cannot vouch for).
pub(crate) fn has_registrations() -> bool {
    vocabulary().registered
}

/// The lookup called `name`.
pub fn lookup(name: &str) -> Option<&'static LookupDef> {
    vocabulary().lookups.get(name).copied()
}

/// The transform called `name` that applies to a value of `kind`.
pub fn transform(name: &str, kind: ValueKind) -> Option<&'static TransformDef> {
    vocabulary().transforms.get(name)?.iter().copied().find(|t| (t.applies_to)(kind))
}

/// The function called `name` (Django's class name).
pub fn function(name: &str) -> Option<&'static FunctionDef> {
    vocabulary().functions.get(name).copied()
}

/// True when `name` is a lookup or a transform, not a field.
pub fn is_lookup_or_transform(name: &str) -> bool {
    let v = vocabulary();
    v.lookups.contains_key(name) || v.transforms.contains_key(name)
}

fn sorted(names: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = names.collect();
    names.sort_unstable();
    names
}

/// Every lookup name, sorted, for messages and completion.
pub fn lookup_names() -> Vec<&'static str> {
    sorted(vocabulary().lookups.keys().copied())
}

/// Every transform name, sorted, for messages and completion.
pub fn transform_names() -> Vec<&'static str> {
    sorted(vocabulary().transforms.keys().copied())
}

/// Every function name, sorted, for messages and completion.
pub fn function_names() -> Vec<&'static str> {
    sorted(vocabulary().functions.keys().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_resolves_by_name_and_kind() {
        assert_eq!(lookup("icontains").map(|l| l.name), Some("icontains"));
        assert!(lookup("nope").is_none());
        // `hour` applies to timestamps and times, not dates.
        assert!(transform("hour", ValueKind::DateTime).is_some());
        assert!(transform("hour", ValueKind::Time).is_some());
        assert!(transform("hour", ValueKind::Date).is_none());
        assert_eq!(
            transform("date", ValueKind::DateTime).map(|t| (t.output)(ValueKind::DateTime)),
            Some(ValueKind::Date)
        );
        assert!(is_lookup_or_transform("year") && is_lookup_or_transform("in") && !is_lookup_or_transform("title"));
    }

    #[test]
    fn name_lists_are_sorted_and_complete() {
        let lookups = lookup_names();
        assert!(lookups.windows(2).all(|w| w[0] < w[1]), "{lookups:?}");
        assert_eq!(lookups.len(), LOOKUPS.len());
        assert!(transform_names().contains(&"iso_week_day"));
        assert!(function_names().contains(&"Coalesce"));
    }

    #[test]
    fn functions_check_their_arity() {
        let coalesce = function("Coalesce").expect("Coalesce");
        assert!(!coalesce.takes(1) && coalesce.takes(2) && coalesce.takes(5));
        let now = function("Now").expect("Now");
        assert!(now.takes(0) && !now.takes(1));
        assert_eq!((function("Round").expect("Round").output)(&[ValueKind::I64, ValueKind::I64]), ValueKind::F64);
    }

    #[test]
    fn lookups_lower_to_the_ast_nodes_dialects_spell() {
        use djorm_sql::{Expr, PatternKind, Value};
        let col = || Expr::Column { table: None, column: "t".into() };
        let lowered = (ICONTAINS.lower)(col(), Expr::Param(Value::from("a_b")));
        assert!(matches!(
            lowered,
            Expr::Pattern { kind: PatternKind::Contains, case_insensitive: true, ref needle, .. } if needle == "a_b"
        ));
        let against_column = (STARTSWITH.lower)(col(), col());
        assert!(matches!(against_column, Expr::PatternExpr { kind: PatternKind::StartsWith, .. }));
        assert!(EXACT.none_is_null && IEXACT.none_is_null && !GT.none_is_null);
    }
}

//! Instants read in a time zone (Django's `TimezoneMixin`): a date part, a date, a time of day or a
//! truncation of a timestamp is taken from its wall-clock time in the current zone
//! ([`crate::timezone::current`]) or the zone an `Extract`/`Trunc` names; a truncated wall-clock
//! time becomes an instant again in that zone. Dates and times of day have no zone and pass
//! through unchanged.

use djorm_sql::vocabulary::{FunctionDef, TransformDef};
use djorm_sql::{Expr, TruncUnit, ValueKind};

use crate::timezone::{self, Tz};
use crate::Result;

/// The zone `tz` names, or the current zone.
pub(super) fn zone(tz: Option<&str>) -> Result<Tz> {
    tz.map_or_else(|| Ok(timezone::current()), timezone::parse)
}

/// `expr` as wall-clock time in `zone` when it is an instant.
pub(super) fn wall_clock(expr: Expr, kind: ValueKind, zone: Tz) -> Expr {
    match kind {
        ValueKind::DateTime => Expr::AtZone { expr: Box::new(expr), zone: zone.name().to_owned() },
        _ => expr,
    }
}

/// A registered transform applied to `expr` of `kind`, reading an instant in the current zone
/// when the transform asks for it.
pub(super) fn transform(t: &TransformDef, expr: Expr, kind: ValueKind) -> Expr {
    let expr = if t.local_time { wall_clock(expr, kind, timezone::current()) } else { expr };
    (t.lower)(expr, kind)
}

/// A registered function called on lowered `args` of `kinds`, its first argument read in the
/// current zone when the function asks for it.
pub(super) fn call(func: &FunctionDef, mut args: Vec<Expr>, kinds: &[ValueKind]) -> Expr {
    if func.local_time && kinds.first() == Some(&ValueKind::DateTime) && !args.is_empty() {
        let first = args.remove(0);
        args.insert(0, wall_clock(first, ValueKind::DateTime, timezone::current()));
    }
    (func.lower)(args)
}

/// Django's `Trunc`: an instant truncated in `zone` and made an instant again (local midnight of
/// the 1st, as UTC); a date truncated as it is, and still a date (PostgreSQL's `DATE_TRUNC`
/// makes it a timestamp).
pub(super) fn trunc(unit: TruncUnit, expr: Expr, kind: ValueKind, zone: Tz) -> Expr {
    match kind {
        ValueKind::DateTime => {}
        ValueKind::Date => return Expr::DateOf(Box::new(Expr::Trunc { unit, expr: Box::new(expr) })),
        _ => return Expr::Trunc { unit, expr: Box::new(expr) },
    }
    let name = zone.name().to_owned();
    let local = wall_clock(expr, kind, zone);
    Expr::FromZone { expr: Box::new(Expr::Trunc { unit, expr: Box::new(local) }), zone: name }
}

//! Resolving Django's `field__transform__lookup` spelling against model metadata.

use djorm_sql::{DatePart, ValueKind};

use crate::{Error, FieldKind, FieldMeta, Result};

/// A transform applied to a field before the lookup (`__date`, `__year`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// `__date` on a timestamp.
    Date,
    /// `__time` on a timestamp.
    Time,
    /// `__year`, `__month`, ... as an integer.
    Part(DatePart),
}

/// Django's lookups, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupKind {
    /// `exact`
    Exact,
    /// `iexact`
    IExact,
    /// `contains`
    Contains,
    /// `icontains`
    IContains,
    /// `in`
    In,
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `startswith`
    StartsWith,
    /// `istartswith`
    IStartsWith,
    /// `endswith`
    EndsWith,
    /// `iendswith`
    IEndsWith,
    /// `range`
    Range,
    /// `isnull`
    IsNull,
    /// `regex`
    Regex,
    /// `iregex`
    IRegex,
}

impl LookupKind {
    /// The lookup called `name`, if Django has one.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "exact" => LookupKind::Exact,
            "iexact" => LookupKind::IExact,
            "contains" => LookupKind::Contains,
            "icontains" => LookupKind::IContains,
            "in" => LookupKind::In,
            "gt" => LookupKind::Gt,
            "gte" => LookupKind::Gte,
            "lt" => LookupKind::Lt,
            "lte" => LookupKind::Lte,
            "startswith" => LookupKind::StartsWith,
            "istartswith" => LookupKind::IStartsWith,
            "endswith" => LookupKind::EndsWith,
            "iendswith" => LookupKind::IEndsWith,
            "range" => LookupKind::Range,
            "isnull" => LookupKind::IsNull,
            "regex" => LookupKind::Regex,
            "iregex" => LookupKind::IRegex,
            _ => return None,
        })
    }

    /// True for lookups that only make sense on text.
    pub fn is_text_only(self) -> bool {
        matches!(
            self,
            LookupKind::IExact
                | LookupKind::Contains
                | LookupKind::IContains
                | LookupKind::StartsWith
                | LookupKind::IStartsWith
                | LookupKind::EndsWith
                | LookupKind::IEndsWith
                | LookupKind::Regex
                | LookupKind::IRegex
        )
    }
}

/// Every lookup name, for messages and completion.
pub const LOOKUP_NAMES: &[&str] = &[
    "contains",
    "endswith",
    "exact",
    "gt",
    "gte",
    "icontains",
    "iendswith",
    "iexact",
    "in",
    "iregex",
    "isnull",
    "istartswith",
    "lt",
    "lte",
    "range",
    "regex",
    "startswith",
];

/// A resolved lookup path.
#[derive(Debug, Clone)]
pub struct ResolvedPath {
    /// The concrete field the path ends on (for a relation, the related primary key).
    pub field: &'static FieldMeta,
    /// The column holding it, qualified by its table alias.
    pub column: djorm_sql::Expr,
    /// The alias of the last join the path made, if any.
    pub last_join: Option<String>,
    /// Transforms, in order.
    pub transforms: Vec<Transform>,
    /// The lookup (exact when the path names none).
    pub lookup: LookupKind,
}

impl ResolvedPath {
    /// What the transformed left-hand side holds.
    pub fn output_kind(&self) -> ValueKind {
        match self.transforms.last() {
            Some(Transform::Date) => ValueKind::Date,
            Some(Transform::Time) => ValueKind::Time,
            Some(Transform::Part(_)) => ValueKind::I64,
            None => self.field.value_kind(),
        }
    }

    /// True when the left-hand side is text.
    pub fn is_text(&self) -> bool {
        self.transforms.is_empty() && self.field.kind.is_text()
    }
}

fn transform_for(kind: ValueKind, name: &str) -> Option<Transform> {
    let is_datetime = kind == ValueKind::DateTime;
    let is_date = kind == ValueKind::Date || is_datetime;
    let part = match name {
        "year" => DatePart::Year,
        "iso_year" => DatePart::IsoYear,
        "quarter" => DatePart::Quarter,
        "month" => DatePart::Month,
        "week" => DatePart::Week,
        "day" => DatePart::Day,
        "week_day" => DatePart::WeekDay,
        "iso_week_day" => DatePart::IsoWeekDay,
        "hour" | "minute" | "second" if is_datetime || kind == ValueKind::Time => match name {
            "hour" => DatePart::Hour,
            "minute" => DatePart::Minute,
            _ => DatePart::Second,
        },
        "date" if is_datetime => return Some(Transform::Date),
        "time" if is_datetime => return Some(Transform::Time),
        _ => return None,
    };
    if is_date || matches!(part, DatePart::Hour | DatePart::Minute | DatePart::Second) {
        Some(Transform::Part(part))
    } else {
        None
    }
}

/// Parses the transforms and lookup after a field (`date__range` in `created_at__date__range`).
pub fn parse_tail(field: &'static FieldMeta, rest: &[&str]) -> Result<(Vec<Transform>, LookupKind)> {
    let mut transforms = Vec::new();
    let mut kind = field.value_kind();
    let probe = |transforms: &[Transform], lookup| ResolvedPath {
        field,
        column: djorm_sql::Expr::Const(true),
        last_join: None,
        transforms: transforms.to_vec(),
        lookup,
    };
    for (i, part) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        if let Some(t) = transform_for(kind, part) {
            transforms.push(t);
            kind = match t {
                Transform::Date => ValueKind::Date,
                Transform::Time => ValueKind::Time,
                Transform::Part(_) => ValueKind::I64,
            };
            continue;
        }
        if last {
            if let Some(lookup) = LookupKind::from_name(part) {
                let resolved = probe(&transforms, lookup);
                if lookup.is_text_only() && !resolved.is_text() {
                    return Err(unsupported(part, field.kind, &resolved));
                }
                return Ok((transforms, lookup));
            }
        }
        return Err(unsupported(part, field.kind, &probe(&transforms, LookupKind::Exact)));
    }
    Ok((transforms, LookupKind::Exact))
}

/// Every transform name (`pub_date__year`), for messages and completion.
pub const TRANSFORM_NAMES: &[&str] = &[
    "year",
    "iso_year",
    "quarter",
    "month",
    "week",
    "day",
    "week_day",
    "iso_week_day",
    "hour",
    "minute",
    "second",
    "date",
    "time",
];

/// True when `name` is a lookup or transform name, not a field.
pub fn is_lookup_or_transform(name: &str) -> bool {
    LookupKind::from_name(name).is_some() || TRANSFORM_NAMES.contains(&name)
}

fn unsupported(name: &str, kind: FieldKind, resolved: &ResolvedPath) -> Error {
    let class = match resolved.transforms.last() {
        Some(Transform::Date) => "DateField",
        Some(Transform::Time) => "TimeField",
        Some(Transform::Part(_)) => "IntegerField",
        None => kind.name(),
    };
    Error::field(format!(
        "Unsupported lookup '{name}' for {class} or join on the field not permitted, perhaps you meant {}?",
        closest(name)
    ))
}

fn closest(name: &str) -> &'static str {
    LOOKUP_NAMES.iter().copied().min_by_key(|candidate| edit_distance(name, candidate)).unwrap_or("exact")
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

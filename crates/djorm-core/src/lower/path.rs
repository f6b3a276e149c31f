//! Resolving Django's `field__transform__lookup` spelling against model metadata and the
//! registry of lookups and transforms.

use djorm_sql::ValueKind;

use crate::vocabulary::{self, class_name, LookupDef, TransformDef};
use crate::{Error, FieldMeta, Result};

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
    pub transforms: Vec<&'static TransformDef>,
    /// The lookup (exact when the path names none).
    pub lookup: &'static LookupDef,
}

impl ResolvedPath {
    /// What the transformed left-hand side holds.
    pub fn output_kind(&self) -> ValueKind {
        self.transforms.iter().fold(self.field.value_kind(), |kind, t| (t.output)(kind))
    }
}

/// The Django class a value is reported as: the field's own, or what the last transform made.
fn class_of(field: &FieldMeta, transformed: bool, kind: ValueKind) -> &'static str {
    if transformed {
        class_name(kind)
    } else {
        field.kind.name()
    }
}

/// Parses the transforms and lookup after a field (`date__range` in `created_at__date__range`).
pub fn parse_tail(
    field: &'static FieldMeta,
    rest: &[&str],
) -> Result<(Vec<&'static TransformDef>, &'static LookupDef)> {
    let mut transforms = Vec::new();
    let mut kind = field.value_kind();
    for (i, part) in rest.iter().enumerate() {
        if let Some(t) = vocabulary::transform(part, kind) {
            transforms.push(t);
            kind = (t.output)(kind);
            continue;
        }
        if i + 1 == rest.len() {
            if let Some(lookup) = vocabulary::lookup(part) {
                check_lookup(field, &transforms, kind, lookup)?;
                return Ok((transforms, lookup));
            }
        }
        return Err(unsupported(part, class_of(field, !transforms.is_empty(), kind)));
    }
    Ok((transforms, &vocabulary::EXACT))
}

/// Checks that `transforms` then `lookup`, as a typed path gives them, apply to `field`.
pub fn check_tail(field: &'static FieldMeta, transforms: &[&'static TransformDef], lookup: &LookupDef) -> Result<()> {
    let mut kind = field.value_kind();
    for (i, t) in transforms.iter().enumerate() {
        if !(t.applies_to)(kind) {
            return Err(unsupported(t.name, class_of(field, i > 0, kind)));
        }
        kind = (t.output)(kind);
    }
    check_lookup(field, transforms, kind, lookup)
}

fn check_lookup(
    field: &'static FieldMeta,
    transforms: &[&'static TransformDef],
    kind: ValueKind,
    lookup: &LookupDef,
) -> Result<()> {
    if (lookup.applies_to)(kind) {
        Ok(())
    } else {
        Err(unsupported(lookup.name, class_of(field, !transforms.is_empty(), kind)))
    }
}

/// True when `name` is a lookup or transform name, not a field.
pub fn is_lookup_or_transform(name: &str) -> bool {
    vocabulary::is_lookup_or_transform(name)
}

/// Django's message for a lookup or transform that does not apply.
pub fn unsupported(name: &str, class: &str) -> Error {
    Error::field(format!(
        "Unsupported lookup '{name}' for {class} or join on the field not permitted, perhaps you meant {}?",
        closest(name)
    ))
}

fn closest(name: &str) -> &'static str {
    vocabulary::lookup_names().into_iter().min_by_key(|candidate| edit_distance(name, candidate)).unwrap_or("exact")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldKind;

    const fn field(name: &'static str, kind: FieldKind) -> FieldMeta {
        FieldMeta {
            name,
            column: name,
            kind,
            null: false,
            blank: false,
            primary_key: false,
            unique: false,
            db_index: false,
            max_length: None,
            max_digits: None,
            decimal_places: None,
            choices: &[],
            verbose_name: "",
            help_text: "",
            default: None,
            auto_now: false,
            auto_now_add: false,
            editable: true,
            relation: None,
        }
    }

    static TITLE: FieldMeta = field("title", FieldKind::CharField);
    static CREATED: FieldMeta = field("created_at", FieldKind::DateTimeField);
    static VIEWS: FieldMeta = field("views", FieldKind::IntegerField);

    fn names(tail: &(Vec<&'static TransformDef>, &'static LookupDef)) -> Vec<&'static str> {
        tail.0.iter().map(|t| t.name).chain([tail.1.name]).collect()
    }

    #[test]
    fn a_tail_is_transforms_then_one_lookup() {
        assert_eq!(names(&parse_tail(&TITLE, &[]).expect("exact")), ["exact"]);
        assert_eq!(names(&parse_tail(&TITLE, &["icontains"]).expect("text")), ["icontains"]);
        let tail = parse_tail(&CREATED, &["date", "year", "gte"]).expect("date then year");
        assert_eq!(names(&tail), ["date", "year", "gte"]);
        // A transform alone compares with exact.
        assert_eq!(names(&parse_tail(&CREATED, &["hour"]).expect("hour")), ["hour", "exact"]);
    }

    #[test]
    fn what_does_not_apply_is_djangos_field_error() {
        let err = parse_tail(&VIEWS, &["icontains"]).expect_err("text lookup on a number");
        assert_eq!(
            err.to_string(),
            "Unsupported lookup 'icontains' for IntegerField or join on the field not permitted, perhaps you meant \
             icontains?"
        );
        let err = parse_tail(&TITLE, &["year"]).expect_err("date transform on text");
        assert!(err.to_string().starts_with("Unsupported lookup 'year' for CharField"), "{err}");
        // After a transform, the class is what the transform made: year is an integer.
        let err = parse_tail(&CREATED, &["year", "startswith"]).expect_err("text lookup on an integer");
        assert!(err.to_string().starts_with("Unsupported lookup 'startswith' for IntegerField"), "{err}");
        // A lookup in the middle is not a transform.
        assert!(parse_tail(&TITLE, &["exact", "exact"]).is_err());
        let err = parse_tail(&TITLE, &["icontans"]).expect_err("misspelt");
        assert!(err.to_string().ends_with("perhaps you meant icontains?"), "{err}");
    }

    #[test]
    fn typed_tails_are_checked_like_text_ones() {
        use crate::vocabulary::{DATE, ICONTAINS, YEAR};
        assert!(check_tail(&CREATED, &[&DATE, &YEAR], &crate::vocabulary::GTE).is_ok());
        assert!(check_tail(&TITLE, &[], &ICONTAINS).is_ok());
        assert!(check_tail(&TITLE, &[&YEAR], &crate::vocabulary::EXACT).is_err());
        assert!(check_tail(&CREATED, &[&YEAR], &ICONTAINS).is_err());
    }
}

/// The `__`-separated parts of a lookup path (`author__name__icontains` → `author`, `name`,
/// `icontains`), as `str::split("__")` gives them, found by a byte scan: a `&str` pattern
/// builds a substring searcher on every call, and every query splits its paths.
pub(crate) fn segments(path: &str) -> Segments<'_> {
    Segments { rest: Some(path) }
}

/// The iterator [`segments`] returns.
pub(crate) struct Segments<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Segments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.as_bytes().windows(2).position(|pair| pair == b"__") {
            Some(at) => {
                self.rest = Some(&rest[at + 2..]);
                Some(&rest[..at])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

#[cfg(test)]
mod segment_tests {
    use super::segments;

    #[test]
    fn splits_as_str_split_does() {
        for path in ["", "name", "author__name", "author__name__icontains", "a___b", "__x", "x__", "a____b", "é__ü"] {
            let ours: Vec<&str> = segments(path).collect();
            let std: Vec<&str> = path.split("__").collect();
            assert_eq!(ours, std, "{path:?}");
        }
    }
}

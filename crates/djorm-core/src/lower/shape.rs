//! A query's shape: everything its SQL depends on except the values it binds. Two queries of
//! one shape lower to the same SQL text with their values in the same places, so the SQL is
//! built once per shape (`queryset/templates.rs`) and later queries only bind their values.
//!
//! The shape is written as bytes (compared whole on a hit, never trusted to a hash alone);
//! the values are the query's *slots*, in one fixed walk order that [`for_each_slot`] and
//! [`slots_mut`] repeat.
//! Only what is certainly value-independent gets a shape: lookups with plain values on paths
//! of built-in lookups and transforms. Expressions, annotations, subqueries, locks, `only()`,
//! combined queries and registered lookups are lowered every time, as before.

use djorm_sql::Value;

use crate::q::LookupPath;
use crate::{Query, Rhs, Q};

/// How deep a `Q` tree may nest and still get a shape; deeper trees are lowered every time
/// (the walk is recursive, and such trees are not the repeated ones worth caching).
const MAX_SHAPE_DEPTH: usize = 32;

/// A query's shape being written.
#[derive(Debug)]
struct Shape<'k> {
    /// The shape as bytes.
    key: &'k mut Vec<u8>,
}

/// The shape of `query` read as model rows, with `context` (the dialect's name, the current
/// time zone, ...) written in front, into `key` (cleared first, so a caller may reuse one
/// buffer); `None` when the query has a part that is not certainly value-independent.
pub fn model_read(query: &Query, context: &[&str], key: &mut Vec<u8>) -> Option<()> {
    // Every field named, so a field added to `Query` must be placed here to compile.
    let Query {
        model,
        filters,
        select_related,
        prefetch: _, // run after the main statement; its SQL is not this one's
        annotations,
        group_by,
        lock,
        combined,
        order_by,
        reversed,
        low_mark,
        high_mark,
        distinct,
        distinct_on,
        only,
        empty,
        values,
        using: _,       // where it runs, not what it says
        instance_db: _, // likewise
    } = query;
    if !annotations.is_empty()
        || group_by.is_some()
        || lock.is_some()
        || !combined.is_empty()
        || only.is_some()
        || *empty
        || values.is_some()
    {
        return None;
    }
    key.clear();
    let mut shape = Shape { key };
    for part in context {
        shape.text(part);
    }
    shape.number(*model as *const _ as usize as u64);
    shape.number(filters.len() as u64);
    for q in filters {
        shape.q(q, 0)?;
    }
    shape.number(select_related.len() as u64);
    for path in select_related {
        shape.text(path);
    }
    match order_by {
        None => shape.key.push(0),
        Some(keys) => {
            shape.key.push(1);
            shape.number(keys.len() as u64);
            for key in keys {
                if key.expression.is_some() {
                    return None;
                }
                shape.text(&key.path);
                shape.key.push(u8::from(key.descending));
                shape.key.push(match key.nulls {
                    None => 0,
                    Some(djorm_sql::Nulls::First) => 1,
                    Some(djorm_sql::Nulls::Last) => 2,
                });
            }
        }
    }
    shape.key.push(u8::from(*reversed));
    shape.number(*low_mark);
    shape.number(high_mark.map_or(u64::MAX, |h| h));
    shape.key.push(u8::from(*distinct));
    shape.number(distinct_on.len() as u64);
    for path in distinct_on {
        shape.text(path);
    }
    Some(())
}

impl Shape<'_> {
    fn number(&mut self, n: u64) {
        self.key.extend_from_slice(&n.to_le_bytes());
    }

    fn text(&mut self, s: &str) {
        self.number(s.len() as u64);
        self.key.extend_from_slice(s.as_bytes());
    }

    fn q(&mut self, q: &Q, depth: usize) -> Option<()> {
        if depth > MAX_SHAPE_DEPTH {
            return None;
        }
        let children = match q {
            Q::Lookup { path, rhs } => {
                self.key.push(b'L');
                self.path(path)?;
                return self.rhs(rhs);
            }
            Q::And(children) => {
                self.key.push(b'&');
                children
            }
            Q::Or(children) => {
                self.key.push(b'|');
                children
            }
            Q::Xor(children) => {
                self.key.push(b'^');
                children
            }
            Q::Not(inner) => {
                self.key.push(b'~');
                return self.q(inner, depth + 1);
            }
            Q::Expr(_) => return None,
        };
        self.number(children.len() as u64);
        children.iter().try_for_each(|child| self.q(child, depth + 1))
    }

    fn path(&mut self, path: &LookupPath) -> Option<()> {
        self.text(path.as_str());
        match path.tail() {
            // A text path is resolved against the registry: only certain when nothing was
            // registered over the built-ins.
            None if crate::vocabulary::has_registrations() => None,
            None => {
                self.key.push(0);
                Some(())
            }
            Some(tail) => {
                let lookup_is_built_in = djorm_sql::vocabulary::LOOKUPS.iter().any(|l| std::ptr::eq(*l, tail.lookup));
                let transforms_are_built_in = tail
                    .transforms
                    .iter()
                    .all(|t| djorm_sql::vocabulary::TRANSFORMS.iter().any(|b| std::ptr::eq(*b, *t)));
                if !lookup_is_built_in || !transforms_are_built_in {
                    return None;
                }
                self.key.push(1);
                self.number(tail.transforms.len() as u64);
                for t in &tail.transforms {
                    self.number(*t as *const _ as usize as u64);
                }
                self.number(tail.lookup as *const _ as usize as u64);
                Some(())
            }
        }
    }

    fn rhs(&mut self, rhs: &Rhs) -> Option<()> {
        match rhs {
            Rhs::Value(v) => {
                self.key.push(b'v');
                self.value(v)
            }
            Rhs::List(values) => {
                self.key.push(b'l');
                self.number(values.len() as u64);
                values.iter().try_for_each(|v| self.value(v))
            }
            Rhs::Range(low, high) => {
                self.key.push(b'r');
                self.value(low)?;
                self.value(high)
            }
            Rhs::Expr(_) => None,
        }
    }

    /// A value's kind goes into the shape (coercion and `IS NULL` depend on it), and so does
    /// whatever of the value itself lowering branches on: booleans and NULL (`isnull=True` and
    /// `isnull=False` are different SQL) and whether an integer could be a year (a year
    /// lookup on 1..=9999 compares with the year's bounds, outside it extracts the year).
    fn value(&mut self, v: &Value) -> Option<()> {
        let tag = match v {
            Value::Null => 0,
            Value::Bool(false) => 1,
            Value::Bool(true) => 2,
            Value::I16(_) | Value::I32(_) | Value::I64(_) if could_be_a_year(v) => {
                self.key.push(b'y');
                match v {
                    Value::I16(_) => 3,
                    Value::I32(_) => 4,
                    _ => 5,
                }
            }
            Value::I16(_) => 3,
            Value::I32(_) => 4,
            Value::I64(_) => 5,
            Value::F64(_) => 6,
            Value::Decimal(_) => 7,
            Value::String(_) => 8,
            Value::Bytes(_) => 9,
            Value::Uuid(_) => 10,
            Value::Date(_) => 11,
            Value::Time(_) => 12,
            Value::DateTime(_) => 13,
            Value::Duration(_) => 14,
            Value::Json(_) => 15,
            Value::Array(_) => return None,
        };
        self.key.push(tag);
        Some(())
    }
}

/// Whether `v` is an integer a year lookup reads as a year (its shape differs from others').
pub fn could_be_a_year(v: &Value) -> bool {
    v.as_i64().is_some_and(|n| (1..=9999).contains(&n))
}

/// Calls `f` on every slot of `query`'s filters, in the order [`model_read`] writes them. Called
/// only on queries that have a shape, whose trees are at most [`MAX_SHAPE_DEPTH`] deep.
pub fn for_each_slot<'q>(query: &'q Query, f: &mut impl FnMut(&'q Value)) {
    fn walk<'q>(q: &'q Q, f: &mut impl FnMut(&'q Value)) {
        match q {
            Q::Lookup { rhs, .. } => match rhs {
                Rhs::Value(v) => f(v),
                Rhs::List(values) => values.iter().for_each(f),
                Rhs::Range(low, high) => {
                    f(low);
                    f(high);
                }
                Rhs::Expr(_) => {}
            },
            Q::And(children) | Q::Or(children) | Q::Xor(children) => children.iter().for_each(|c| walk(c, f)),
            Q::Not(inner) => walk(inner, f),
            Q::Expr(_) => {}
        }
    }
    for filter in &query.filters {
        walk(filter, f);
    }
}

/// Every slot of `query`, in walk order.
pub fn slots(query: &Query) -> Vec<&Value> {
    let mut slots = Vec::new();
    for_each_slot(query, &mut |v| slots.push(v));
    slots
}

/// Calls `f` on every slot of `query`'s filters, in the order [`model_read`] writes them, so a
/// copy of a query can have its values replaced one by one. Called only on queries that have a
/// shape, whose trees are at most [`MAX_SHAPE_DEPTH`] deep.
pub fn slots_mut(query: &mut Query, f: &mut impl FnMut(&mut Value)) {
    fn walk(q: &mut Q, f: &mut impl FnMut(&mut Value)) {
        match q {
            Q::Lookup { rhs, .. } => match rhs {
                Rhs::Value(v) => f(v),
                Rhs::List(values) => values.iter_mut().for_each(f),
                Rhs::Range(low, high) => {
                    f(low);
                    f(high);
                }
                Rhs::Expr(_) => {}
            },
            Q::And(children) | Q::Or(children) | Q::Xor(children) => children.iter_mut().for_each(|c| walk(c, f)),
            Q::Not(inner) => walk(inner, f),
            Q::Expr(_) => {}
        }
    }
    for filter in &mut query.filters {
        walk(filter, f);
    }
}

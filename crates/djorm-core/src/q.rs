//! `Q`: filter conditions combined with `&`, `|` and `!` (Django's `~`).

use std::ops::{BitAnd, BitOr, Not};

use djorm_sql::Value;

use crate::Expression;

/// The right-hand side of a lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    /// One value.
    Value(Value),
    /// A list, for `in`.
    List(Vec<Value>),
    /// Two bounds, for `range`.
    Range(Value, Value),
    /// A database expression (`F("other_field")`).
    Expr(Expression),
}

impl<T: Into<Value>> From<T> for Rhs {
    fn from(v: T) -> Self {
        Rhs::Value(v.into())
    }
}

impl From<Expression> for Rhs {
    fn from(e: Expression) -> Self {
        Rhs::Expr(e)
    }
}

/// A filter condition, as Django's `Q` object.
///
/// Build one with the typed field paths (`Author::name().icontains("doe")`), the `q!` macro
/// (`q!(Author, name__icontains = "doe")`) or at run time from Django's spelling
/// (`Q::new("name__icontains", "doe")`); combine with `|`, `&` and `!`.
#[derive(Debug, Clone, PartialEq)]
pub enum Q {
    /// One lookup: a path such as `"created_at__year__gte"` and its right-hand side.
    Lookup {
        /// Field, transforms and lookup, joined by `__` (the lookup defaults to `exact`).
        path: String,
        /// The compared value.
        rhs: Rhs,
    },
    /// All children hold (an empty list always holds).
    And(Vec<Q>),
    /// At least one child holds (an empty list never holds).
    Or(Vec<Q>),
    /// The child does not hold.
    Not(Box<Q>),
    /// A boolean expression (`Exists(...)`).
    Expr(Box<crate::Expression>),
}

impl From<crate::Expression> for Q {
    fn from(e: crate::Expression) -> Self {
        Q::Expr(Box::new(e))
    }
}

impl Q {
    /// A lookup in Django's spelling, resolved against the model when the query runs.
    pub fn new(path: impl Into<String>, rhs: impl Into<Rhs>) -> Self {
        Q::Lookup { path: path.into(), rhs: rhs.into() }
    }

    /// The condition that every row meets.
    pub fn all() -> Self {
        Q::And(Vec::new())
    }

    /// True when this condition is empty (matches every row).
    pub fn is_empty(&self) -> bool {
        matches!(self, Q::And(children) if children.is_empty())
    }
}

impl BitAnd for Q {
    type Output = Q;
    fn bitand(self, rhs: Q) -> Q {
        match (self, rhs) {
            (Q::And(mut a), Q::And(b)) => {
                a.extend(b);
                Q::And(a)
            }
            (Q::And(mut a), q) => {
                a.push(q);
                Q::And(a)
            }
            (l, r) => Q::And(vec![l, r]),
        }
    }
}

impl BitOr for Q {
    type Output = Q;
    fn bitor(self, rhs: Q) -> Q {
        match (self, rhs) {
            (Q::Or(mut a), Q::Or(b)) => {
                a.extend(b);
                Q::Or(a)
            }
            (Q::Or(mut a), q) => {
                a.push(q);
                Q::Or(a)
            }
            (l, r) => Q::Or(vec![l, r]),
        }
    }
}

impl Not for Q {
    type Output = Q;
    fn not(self) -> Q {
        match self {
            Q::Not(inner) => *inner,
            q => Q::Not(Box::new(q)),
        }
    }
}

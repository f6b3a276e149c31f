//! `Q`: filter conditions combined with `&`, `|` and `!` (Django's `~`).

use std::borrow::Cow;
use std::ops::{BitAnd, BitOr, BitXor, Not};

use djorm_sql::Value;

use crate::vocabulary::{LookupDef, TransformDef};
use crate::Expression;

/// The transforms and lookup after a field path, already known (typed field paths build
/// them, so nothing is joined into text and split again).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTail {
    /// Transforms, in order.
    pub transforms: Vec<&'static TransformDef>,
    /// The lookup.
    pub lookup: &'static LookupDef,
}

/// The left-hand side of a lookup: a path in Django's spelling (`"created_at__year__gte"`),
/// resolved when the query runs, or a field path with its transforms and lookup known.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupPath {
    path: Cow<'static, str>,
    tail: Option<ParsedTail>,
}

impl LookupPath {
    /// A path in Django's spelling; the lookup defaults to `exact`.
    pub fn new(path: impl Into<Cow<'static, str>>) -> Self {
        LookupPath { path: path.into(), tail: None }
    }

    /// A path of fields (`"author__name"`) with its transforms and lookup.
    pub fn parsed(
        fields: impl Into<Cow<'static, str>>,
        transforms: Vec<&'static TransformDef>,
        lookup: &'static LookupDef,
    ) -> Self {
        LookupPath { path: fields.into(), tail: Some(ParsedTail { transforms, lookup }) }
    }

    /// The path as given: the whole Django spelling, or only the fields when the tail is parsed.
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// The parsed transforms and lookup, when known.
    pub fn tail(&self) -> Option<&ParsedTail> {
        self.tail.as_ref()
    }

    /// The first name of the path (a field or an annotation).
    pub fn head(&self) -> &str {
        self.path.split("__").next().unwrap_or_default()
    }

    /// The path in Django's spelling (`"created_at__year__gte"`), for messages and migrations.
    pub fn to_django(&self) -> String {
        match &self.tail {
            None => self.path.to_string(),
            Some(tail) => {
                let mut out = self.path.to_string();
                for name in tail.transforms.iter().map(|t| t.name).chain([tail.lookup.name]) {
                    out.push_str("__");
                    out.push_str(name);
                }
                out
            }
        }
    }
}

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
        /// Field, transforms and lookup (the lookup defaults to `exact`).
        path: LookupPath,
        /// The compared value.
        rhs: Rhs,
    },
    /// All children hold (an empty list always holds).
    And(Vec<Q>),
    /// At least one child holds (an empty list never holds).
    Or(Vec<Q>),
    /// Django's `^`: an odd number of the children hold (for two, exactly one).
    Xor(Vec<Q>),
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
        Q::Lookup { path: LookupPath::new(path.into()), rhs: rhs.into() }
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

/// `&` and `|`: a chain of the same operator stays one flat list.
macro_rules! junction {
    ($trait:ident, $method:ident, $variant:ident) => {
        impl $trait for Q {
            type Output = Q;
            fn $method(self, rhs: Q) -> Q {
                match (self, rhs) {
                    (Q::$variant(mut a), Q::$variant(b)) => {
                        a.extend(b);
                        Q::$variant(a)
                    }
                    (Q::$variant(mut a), q) => {
                        a.push(q);
                        Q::$variant(a)
                    }
                    (l, r) => Q::$variant(vec![l, r]),
                }
            }
        }
    };
}

junction!(BitAnd, bitand, And);
junction!(BitOr, bitor, Or);
junction!(BitXor, bitxor, Xor);

impl Not for Q {
    type Output = Q;
    fn not(self) -> Q {
        match self {
            Q::Not(inner) => *inner,
            q => Q::Not(Box::new(q)),
        }
    }
}

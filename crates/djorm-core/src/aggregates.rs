//! Aggregates (Django's `Count`, `Sum`, `Avg`, `Min`, `Max`, `StdDev`, `Variance`) for
//! `aggregate()` and `annotate()`.

use djorm_sql::{AggregateFunc, Value, ValueKind};

use crate::Q;

/// An aggregate over a field path (which may cross relations: `Count("posts")`,
/// `Sum("posts__views")`).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// The function.
    pub func: AggregateFunc,
    /// The field path (`"*"` counts rows; empty when aggregating an expression).
    pub path: String,
    /// The expression aggregated instead of a path (Django's `Sum(F("price") * F("qty"))`,
    /// `Count(Case(When(...)))`).
    pub expression: Option<Box<crate::Expression>>,
    /// Only distinct values count.
    pub distinct: bool,
    /// Only rows matching this count (`filter=Q(...)`).
    pub filter: Option<Q>,
    /// The result when no row matches, instead of NULL.
    pub default: Option<Value>,
}

impl Aggregate {
    fn new(func: AggregateFunc, source: AggregateSource) -> Self {
        let (path, expression) = match source {
            AggregateSource::Path(path) => (path, None),
            AggregateSource::Expression(e) => (String::new(), Some(Box::new(e))),
        };
        Aggregate { func, path, expression, distinct: false, filter: None, default: None }
    }

    /// Django's name for an aggregate given without one: `views__avg`, `id__count`; an
    /// aggregate of an expression has none (Django's TypeError).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Avg("views").default_alias()?, "views__avg");
    /// assert!(Sum(F("views") * F("id")).default_alias().is_err()); // an expression has no name
    /// # Ok(()) });
    /// ```
    pub fn default_alias(&self) -> crate::Result<String> {
        if self.expression.is_some() {
            return Err(crate::Error::InvalidQuery("Complex aggregates require an alias".into()));
        }
        Ok(format!("{}__{}", self.path, format!("{:?}", self.func).to_lowercase()))
    }

    /// Counts or sums distinct values only (`distinct=True`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Count("author").distinct())]).await?.get_as::<i64>("x")?, 2);
    /// # Ok(()) });
    /// ```
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Aggregates only the rows matching `q` (`filter=Q(...)`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Sum("views").filter(q!(Post, published = true)))]).await?.get_as::<i64>("x")?, 35);
    /// # Ok(()) });
    /// ```
    pub fn filter(mut self, q: impl Into<Q>) -> Self {
        self.filter = Some(q.into());
        self
    }

    /// The value when there is nothing to aggregate (`default=...`).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Max("views").filter(q!(Post, views__gt = 100)).default(0))]).await?.get_as::<i64>("x")?, 0);
    /// # Ok(()) });
    /// ```
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// What the result decodes into, given the aggregated column's kind.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Avg("views").output_kind(djorm::ValueKind::I32), djorm::ValueKind::F64);
    /// assert_eq!(Sum("views").output_kind(djorm::ValueKind::I32), djorm::ValueKind::I64);
    /// # Ok(()) });
    /// ```
    pub fn output_kind(&self, column: ValueKind) -> ValueKind {
        match self.func {
            AggregateFunc::Count => ValueKind::I64,
            AggregateFunc::Avg | AggregateFunc::StdDev | AggregateFunc::Variance => match column {
                ValueKind::Decimal => ValueKind::Decimal,
                // Django's Avg of a DurationField is a duration.
                ValueKind::Duration if self.func == AggregateFunc::Avg => ValueKind::Duration,
                _ => ValueKind::F64,
            },
            AggregateFunc::Sum => match column {
                ValueKind::I16 | ValueKind::I32 | ValueKind::I64 => ValueKind::I64,
                other => other,
            },
            AggregateFunc::Min | AggregateFunc::Max => column,
        }
    }
}

/// What an aggregate aggregates: a field path (`"views"`, `"posts__views"`, `"*"`) or an
/// expression (`F("price") * F("qty")`, `Case(...)`).
#[derive(Debug, Clone)]
pub enum AggregateSource {
    /// A field path.
    Path(String),
    /// An expression.
    Expression(crate::Expression),
}

impl From<&str> for AggregateSource {
    fn from(path: &str) -> Self {
        AggregateSource::Path(path.to_owned())
    }
}

impl From<&String> for AggregateSource {
    fn from(path: &String) -> Self {
        AggregateSource::Path(path.clone())
    }
}

impl From<String> for AggregateSource {
    fn from(path: String) -> Self {
        AggregateSource::Path(path)
    }
}

impl From<crate::Expression> for AggregateSource {
    /// `F("views")` is the path `views`; any other expression is aggregated as it is.
    fn from(e: crate::Expression) -> Self {
        match e {
            crate::Expression::Field(path) => AggregateSource::Path(path),
            e => AggregateSource::Expression(e),
        }
    }
}

macro_rules! constructor {
    ($($(#[$doc:meta])* $name:ident => $func:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name(source: impl Into<AggregateSource>) -> Aggregate {
            Aggregate::new(AggregateFunc::$func, source.into())
        }
    )*};
}

constructor!(
    /// Django's `Count(path)`: how many (non-NULL) values; `Count("*")` counts rows.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Count("id"))]).await?.get_as::<i64>("x")?, 3);
    /// let counted = Author::objects().annotate("n", Count("posts")).values_list_flat::<i64>(&db, "n").await?;
    /// assert_eq!(counted, [2, 1]);
    /// # Ok(()) });
    /// ```
    Count => Count,
    /// Django's `Sum(path)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Sum("views"))]).await?.get_as::<i64>("x")?, 35);
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Sum(F("views") * Expression::value(2)))]).await?.get_as::<i64>("x")?, 70);
    /// # Ok(()) });
    /// ```
    Sum => Sum,
    /// Django's `Avg(path)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// let average = Post::objects().aggregate(&db, [("x", Avg("views"))]).await?.get_as::<f64>("x")?;
    /// assert!((average - 35.0 / 3.0).abs() < 1e-9);
    /// # Ok(()) });
    /// ```
    Avg => Avg,
    /// Django's `Min(path)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Min("views"))]).await?.get_as::<i64>("x")?, 0);
    /// # Ok(()) });
    /// ```
    Min => Min,
    /// Django's `Max(path)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// assert_eq!(Post::objects().aggregate(&db, [("x", Max("views"))]).await?.get_as::<i64>("x")?, 25);
    /// # Ok(()) });
    /// ```
    Max => Max,
    /// Django's `StdDev(path)` (population).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// // PostgreSQL computes it (the population's, Django's default); SQLite has no such function,
    /// // and the query is refused before it runs, naming the backend, as Django refuses it.
    /// let refused = Post::objects().aggregate(&db, [("x", StdDev("views"))]).await.unwrap_err();
    /// assert!(refused.to_string().contains("not supported on sqlite"), "{refused}");
    /// # Ok(()) });
    /// ```
    StdDev => StdDev,
    /// Django's `Variance(path)` (population).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// // PostgreSQL computes it (the population's, Django's default); SQLite refuses it.
    /// let refused = Post::objects().aggregate(&db, [("x", Variance("views"))]).await.unwrap_err();
    /// assert!(refused.to_string().contains("not supported on sqlite"), "{refused}");
    /// # Ok(()) });
    /// ```
    Variance => Variance,
);

/// A named annotation of a QuerySet.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// The name results use.
    pub name: String,
    /// What it computes (an aggregate or any expression).
    pub expression: crate::Expression,
    /// How many filter() calls came before it: later filters do not restrict what it counts,
    /// earlier ones do (Django's order rule).
    pub after_filters: usize,
    /// False for `alias()`: usable in filters and ordering, not selected.
    pub selected: bool,
}

//! Model-level expressions: `F("views") + 1`, values, arithmetic.

use std::ops::{Add, Div, Mul, Rem, Sub};

use djorm_sql::{BinOp, Value};

use crate::vocabulary::{self, FunctionDef};

use crate::{Aggregate, FieldKind, Q};

/// A value computed by the database: a field reference, a constant, arithmetic, a database
/// function, a conditional, a cast or an aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    /// A field of the queried model, by name (Django's `F("views")`).
    Field(String),
    /// A constant, bound as a parameter.
    Value(Value),
    /// `lhs op rhs`.
    Arith {
        /// The operator (`+ - * /`).
        op: BinOp,
        /// Left operand.
        lhs: Box<Expression>,
        /// Right operand.
        rhs: Box<Expression>,
    },
    /// A database function (Django's `Lower`, `Coalesce`, ... or one an application
    /// registered).
    Func {
        /// Which function, from the registry.
        func: &'static FunctionDef,
        /// Its arguments.
        args: Vec<Expression>,
    },
    /// Django's `Case(When(...), default=...)`.
    Case {
        /// `(condition, value)` pairs, the first that holds wins.
        whens: Vec<(Q, Expression)>,
        /// The value when none holds.
        default: Box<Expression>,
    },
    /// Django's `Cast(expr, output_field)`.
    Cast {
        /// The value.
        expr: Box<Expression>,
        /// The field class to convert to.
        to: FieldKind,
    },
    /// An aggregate (`Count("posts")`), for annotations.
    Aggregate(Box<Aggregate>),
    /// Django's `Extract(expr, part, tzinfo)` / `ExtractYear(...)`: a part as an integer, of a
    /// timestamp's wall-clock time in the current time zone or the one named.
    Extract {
        /// The date or timestamp.
        expr: Box<Expression>,
        /// Which part.
        part: djorm_sql::DatePart,
        /// The time zone a timestamp is read in (`None`: the current one).
        tz: Option<String>,
    },
    /// Your own SQL with bound parameters (Django's `RawSQL("... %s", params)`).
    Raw {
        /// The SQL, `%s` for each parameter.
        sql: String,
        /// The parameters.
        params: Vec<Value>,
        /// What the result decodes into.
        kind: FieldKind,
    },
    /// Django's `OuterRef("pk")`: a field of the enclosing query, inside a subquery.
    OuterRef(String),
    /// Django's `Subquery(qs.values("field")[:1])`: one value from another query.
    Subquery {
        /// The inner query.
        query: Box<crate::Query>,
        /// The field it returns.
        field: String,
    },
    /// Django's `Exists(qs)`: whether the inner query has a row.
    Exists(Box<crate::Query>),
    /// Django's `output_field=` (and `ExpressionWrapper`): the expression's result read as this
    /// field class, without a cast in SQL; a function given one skips Django's mixed-types check.
    Typed {
        /// The expression.
        expr: Box<Expression>,
        /// The field class its result is read as.
        kind: FieldKind,
    },
    /// Django's `Window(...)`: an aggregate or window function over a window of rows.
    Window(Box<crate::window::Window>),
    /// A window function (`Rank()`), valid only as a [`Expression::Window`]'s expression.
    WindowFunc {
        /// Which function.
        func: djorm_sql::WindowFunc,
        /// Its arguments.
        args: Vec<Expression>,
    },
    /// Django's `Trunc(expr, kind, tzinfo)` / `TruncMonth(...)`.
    Trunc {
        /// The date or timestamp.
        expr: Box<Expression>,
        /// The unit.
        unit: djorm_sql::TruncUnit,
        /// The time zone the unit is counted in (`None`: the current one).
        tz: Option<String>,
    },
}

impl Expression {
    /// A call of the database function `def`, one of djorm's or one an application
    /// registered ([`crate::register_function!`]).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// let shouted = Post::objects()
    ///     .annotate("t", Expression::call(&djorm::vocabulary::UPPER, ["title"]))
    ///     .values_list_flat::<String>(&db, "t")
    ///     .await?;
    /// assert_eq!(shouted[0], "FIRST POST");
    /// # Ok(()) });
    /// ```
    pub fn call<A: Into<Arg>>(def: &'static FunctionDef, args: impl IntoIterator<Item = A>) -> Self {
        Expression::Func { func: def, args: args.into_iter().map(|a| a.into().0).collect() }
    }

    /// A call of the registered function called `name` (Django's class name, `"Lower"`), as
    /// the shell spells it; an unknown name is a `FieldError` listing the known ones.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// let lowered = Expression::function("Lower", vec![F("title")])?;
    /// assert_eq!(Post::objects().annotate("t", lowered).values_list_flat::<String>(&db, "t").await?[0], "first post");
    /// assert!(Expression::function("Lowr", vec![]).unwrap_err().to_string().contains("Choices are:"));
    /// # Ok(()) });
    /// ```
    pub fn function(name: &str, args: Vec<Expression>) -> crate::Result<Self> {
        let def = vocabulary::function(name).ok_or_else(|| {
            crate::Error::field(format!(
                "Unknown database function '{name}'. Choices are: {}",
                vocabulary::function_names().join(", ")
            ))
        })?;
        Ok(Expression::Func { func: def, args })
    }

    /// A constant (Django's `Value(...)`): text given here is data, not a field name.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// // A constant, not a field: "title" here is the text itself.
    /// assert_eq!(Post::objects().annotate("label", Expression::value("title")).values_list_flat::<String>(&db, "label").await?, ["title", "title", "title"]);
    /// # Ok(()) });
    /// ```
    pub fn value(v: impl Into<Value>) -> Self {
        Expression::Value(v.into())
    }

    /// True when `test` holds for this expression or any inside it.
    pub fn any(&self, test: &dyn Fn(&Expression) -> bool) -> bool {
        // Leaves (most calls) need no stack check.
        match self {
            Expression::Field(_) | Expression::Value(_) => test(self),
            _ => djorm_sql::with_stack(|| self.any_here(test)),
        }
    }

    fn any_here(&self, test: &dyn Fn(&Expression) -> bool) -> bool {
        if test(self) {
            return true;
        }
        match self {
            Expression::Field(_)
            | Expression::Value(_)
            | Expression::Aggregate(_)
            | Expression::OuterRef(_)
            | Expression::Raw { .. }
            | Expression::Subquery { .. }
            | Expression::Exists(_) => false,
            Expression::Arith { lhs, rhs, .. } => lhs.any(test) || rhs.any(test),
            Expression::Func { args, .. } | Expression::WindowFunc { args, .. } => args.iter().any(|a| a.any(test)),
            Expression::Window(w) => {
                w.expression.any(test)
                    || w.partition_by.iter().any(|e| e.any(test))
                    || w.order_by.iter().filter_map(|o| o.expression.as_deref()).any(|e| e.any(test))
            }
            Expression::Case { whens, default } => default.any(test) || whens.iter().any(|(_, v)| v.any(test)),
            Expression::Cast { expr, .. }
            | Expression::Extract { expr, .. }
            | Expression::Trunc { expr, .. }
            | Expression::Typed { expr, .. } => expr.any(test),
        }
    }

    /// True when an aggregate appears anywhere inside (the query then groups rows).
    pub fn contains_aggregate(&self) -> bool {
        match self {
            Expression::Field(_) | Expression::Value(_) => false,
            _ => djorm_sql::with_stack(|| self.contains_aggregate_here()),
        }
    }

    fn contains_aggregate_here(&self) -> bool {
        match self {
            Expression::Aggregate(_) => true,
            // An aggregate over a window does not group the query (Django's
            // `Window.contains_aggregate` is false).
            Expression::Window(_) | Expression::WindowFunc { .. } => false,
            Expression::Field(_)
            | Expression::Value(_)
            | Expression::OuterRef(_)
            | Expression::Raw { .. }
            | Expression::Subquery { .. }
            | Expression::Exists(_) => false,
            Expression::Arith { lhs, rhs, .. } => lhs.contains_aggregate() || rhs.contains_aggregate(),
            Expression::Func { args, .. } => args.iter().any(Expression::contains_aggregate),
            Expression::Case { whens, default } => {
                default.contains_aggregate() || whens.iter().any(|(_, v)| v.contains_aggregate())
            }
            Expression::Cast { expr, .. }
            | Expression::Extract { expr, .. }
            | Expression::Trunc { expr, .. }
            | Expression::Typed { expr, .. } => expr.contains_aggregate(),
        }
    }
}

impl Expression {
    /// True when a window (`OVER`) appears anywhere inside: such a value cannot be grouped
    /// by, and a filter on it applies to the query's rows after they are computed.
    pub fn contains_over(&self) -> bool {
        self.any(&|e| matches!(e, Expression::Window(_)))
    }
}

impl From<Aggregate> for Expression {
    fn from(a: Aggregate) -> Self {
        Expression::Aggregate(Box::new(a))
    }
}

/// An argument of a database function: a `&str` names a field, as in Django
/// (`Lower("name")`); use [`Expression::value`] for literal text.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg(pub Expression);

impl From<&str> for Arg {
    fn from(field: &str) -> Self {
        Arg(Expression::Field(field.to_owned()))
    }
}

impl From<Expression> for Arg {
    fn from(e: Expression) -> Self {
        Arg(e)
    }
}

impl From<Aggregate> for Arg {
    fn from(a: Aggregate) -> Self {
        Arg(a.into())
    }
}

macro_rules! literal_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg(Expression::Value(v.into()))
            }
        }
    )*};
}
literal_arg!(i32, i64, f64, bool);

/// A call of the registered function `func` (the functions below and `crate::functions`).
pub(crate) fn func(func: &'static FunctionDef, args: Vec<Arg>) -> Expression {
    Expression::Func { func, args: args.into_iter().map(|a| a.0).collect() }
}

/// One-argument functions, each a call of its definition in the registry.
macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident => $func:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name(arg: impl Into<$crate::expr::Arg>) -> $crate::expr::Expression {
            $crate::expr::func(&$crate::vocabulary::$func, vec![arg.into()])
        }
    )*};
}
pub(crate) use unary;

unary!(
    /// Django's `Lower(...)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// assert_eq!(Post::objects().annotate("t", Lower("title")).values_list_flat::<String>(&db, "t").await?[1], "django orm in rust");
    /// # Ok(()) });
    /// ```
    Lower => LOWER,
    /// Django's `Upper(...)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// assert_eq!(Post::objects().annotate("t", Upper("title")).values_list_flat::<String>(&db, "t").await?[2], "DRAFT");
    /// # Ok(()) });
    /// ```
    Upper => UPPER,
    /// Django's `Length(...)`: characters.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// assert_eq!(Post::objects().annotate("n", Length("title")).values_list_flat::<i64>(&db, "n").await?, [10, 18, 5]);
    /// # Ok(()) });
    /// ```
    Length => LENGTH,
    /// Django's `Abs(...)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// assert_eq!(Post::objects().annotate("n", Abs(F("views") - 20)).values_list_flat::<i64>(&db, "n").await?, [10, 5, 20]);
    /// # Ok(()) });
    /// ```
    Abs => ABS,
    /// Django's `Trim(...)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// let padded = Concat([Expression::value("  "), F("title"), Expression::value("  ")]);
    /// assert_eq!(Post::objects().annotate("t", Trim(padded)).values_list_flat::<String>(&db, "t").await?[2], "Draft");
    /// # Ok(()) });
    /// ```
    Trim => TRIM,
);

macro_rules! variadic {
    ($($(#[$doc:meta])* $name:ident => $func:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name<A: Into<Arg>>(args: impl IntoIterator<Item = A>) -> Expression {
            func(&vocabulary::$func, args.into_iter().map(Into::into).collect())
        }
    )*};
}

variadic!(
    /// Django's `Concat(...)` (NULL counts as empty text).
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// let line = Concat([F("title"), Expression::value(" by "), F("author__name")]);
    /// assert_eq!(Post::objects().annotate("line", line).values_list_flat::<String>(&db, "line").await?[0], "First Post by Jane Doe");
    /// # Ok(()) });
    /// ```
    Concat => CONCAT,
    /// Django's `Coalesce(...)`: the first non-NULL argument.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// // The first argument that is not NULL: drafts' 0 views become NULL, then -1.
    /// let views = Coalesce([NullIf("views", 0), Expression::value(-1)]);
    /// assert_eq!(Post::objects().annotate("n", views).values_list_flat::<i64>(&db, "n").await?, [10, 25, -1]);
    /// # Ok(()) });
    /// ```
    Coalesce => COALESCE,
    /// Django's `Greatest(...)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// assert_eq!(Post::objects().annotate("n", Greatest([F("views"), Expression::value(12)])).values_list_flat::<i64>(&db, "n").await?, [12, 25, 12]);
    /// # Ok(()) });
    /// ```
    Greatest => GREATEST,
    /// Django's `Least(...)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// assert_eq!(Post::objects().annotate("n", Least([F("views"), Expression::value(12)])).values_list_flat::<i64>(&db, "n").await?, [10, 12, 0]);
    /// # Ok(()) });
    /// ```
    Least => LEAST,
);

/// Django's `NullIf(a, b)`: NULL when equal, else `a`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let views = Post::objects().annotate("n", NullIf("views", 0)).values_list_flat::<Option<i64>>(&db, "n").await?;
/// assert_eq!(views, [Some(10), Some(25), None]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn NullIf(a: impl Into<Arg>, b: impl Into<Arg>) -> Expression {
    func(&vocabulary::NULLIF, vec![a.into(), b.into()])
}

/// Django's `Round(expr, precision)`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let halves = Post::objects().annotate("n", Round(F("views") / Expression::value(4.0), 1)).values_list_flat::<f64>(&db, "n").await?;
/// assert_eq!(halves, [2.5, 6.3, 0.0]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Round(arg: impl Into<Arg>, places: i32) -> Expression {
    func(&vocabulary::ROUND, vec![arg.into(), Arg(Expression::Value(Value::I32(places)))])
}

/// Django's `Replace(expr, text, replacement)`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// assert_eq!(Post::objects().annotate("t", Replace("title", "Post", "Entry")).values_list_flat::<String>(&db, "t").await?[0], "First Entry");
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Replace(arg: impl Into<Arg>, text: &str, replacement: &str) -> Expression {
    func(&vocabulary::REPLACE, vec![arg.into(), Arg(Expression::value(text)), Arg(Expression::value(replacement))])
}

/// Django's `Substr(expr, pos, length)`: 1-based.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// assert_eq!(Post::objects().annotate("t", Substr("title", 1, Some(5))).values_list_flat::<String>(&db, "t").await?, ["First", "Djang", "Draft"]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Substr(arg: impl Into<Arg>, pos: i64, length: Option<i64>) -> Expression {
    let mut args = vec![arg.into(), Arg(Expression::Value(Value::I64(pos)))];
    if let Some(length) = length {
        args.push(Arg(Expression::Value(Value::I64(length))));
    }
    func(&vocabulary::SUBSTR, args)
}

/// Django's `Now()`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let older = Post::objects().filter(Q::new("created_at__lt", Now())).count(&db).await?;
/// assert_eq!(older, 3);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Now() -> Expression {
    func(&vocabulary::NOW, Vec::new())
}

/// Django's `ExpressionWrapper(expr, output_field=...)`: the result read as `kind` (no cast in
/// SQL), e.g. a product of integers read as a float.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let ratio = ExpressionWrapper(F("views") * Expression::value(2), djorm::FieldKind::FloatField);
/// assert_eq!(Post::objects().annotate("x", ratio).values_list_flat::<f64>(&db, "x").await?, [20.0, 50.0, 0.0]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn ExpressionWrapper(arg: impl Into<Arg>, kind: FieldKind) -> Expression {
    Expression::Typed { expr: Box::new(arg.into().0), kind }
}

impl Expression {
    /// Django's `tzinfo=` on `Extract` and `Trunc`: the IANA zone (`"Asia/Tokyo"`) a timestamp is
    /// read in instead of the current one. An unknown zone, or any other expression, is an error.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// // 2024-03-05 12:00 UTC is 21:00 in Tokyo.
    /// let hour = Extract("created_at", djorm::sql::DatePart::Hour).tzinfo("Asia/Tokyo")?;
    /// assert_eq!(Post::objects().annotate("h", hour).values_list_flat::<i64>(&db, "h").await?[1], 21);
    /// assert!(F("views").tzinfo("Asia/Tokyo").is_err());
    /// # Ok(()) });
    /// ```
    pub fn tzinfo(self, zone: &str) -> crate::Result<Expression> {
        crate::timezone::parse(zone)?;
        match self {
            Expression::Extract { expr, part, .. } => Ok(Expression::Extract { expr, part, tz: Some(zone.to_owned()) }),
            Expression::Trunc { expr, unit, .. } => Ok(Expression::Trunc { expr, unit, tz: Some(zone.to_owned()) }),
            _ => Err(crate::Error::InvalidQuery("tzinfo applies to Extract and Trunc only".into())),
        }
    }

    /// Django's `output_field=` on a function, a Case, a Value or an aggregate: the result
    /// read as `kind`; Coalesce, Greatest, Least and NullIf then accept mixed arguments.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// let views = Expression::value(7).output_field(djorm::FieldKind::FloatField);
    /// assert_eq!(Post::objects().annotate("x", views).values_list_flat::<f64>(&db, "x").await?[0], 7.0);
    /// # Ok(()) });
    /// ```
    pub fn output_field(self, kind: FieldKind) -> Expression {
        Expression::Typed { expr: Box::new(self), kind }
    }
}

/// Django's `Cast(expr, output_field)`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// assert_eq!(Post::objects().annotate("t", Cast("views", djorm::FieldKind::TextField)).values_list_flat::<String>(&db, "t").await?, ["10", "25", "0"]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Cast(arg: impl Into<Arg>, to: FieldKind) -> Expression {
    Expression::Cast { expr: Box::new(arg.into().0), to }
}

/// Django's `Extract(expr, lookup_name)`: `Extract("created_at", DatePart::Year)`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// assert_eq!(Post::objects().annotate("y", Extract("created_at", djorm::sql::DatePart::Year)).values_list_flat::<i64>(&db, "y").await?, [2024, 2024, 2025]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Extract(arg: impl Into<Arg>, part: djorm_sql::DatePart) -> Expression {
    Expression::Extract { expr: Box::new(arg.into().0), part, tz: None }
}

macro_rules! extract {
    ($($(#[$doc:meta])* $name:ident => $part:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name(arg: impl Into<Arg>) -> Expression {
            Extract(arg, djorm_sql::DatePart::$part)
        }
    )*};
}

extract!(
    /// Django's `ExtractYear(...)`.
    ExtractYear => Year,
    /// Django's `ExtractQuarter(...)`.
    ExtractQuarter => Quarter,
    /// Django's `ExtractMonth(...)`.
    ExtractMonth => Month,
    /// Django's `ExtractWeek(...)`.
    ExtractWeek => Week,
    /// Django's `ExtractDay(...)`.
    ExtractDay => Day,
    /// Django's `ExtractWeekDay(...)` (1 = Sunday).
    ExtractWeekDay => WeekDay,
    /// Django's `ExtractHour(...)`.
    ExtractHour => Hour,
    /// Django's `ExtractMinute(...)`.
    ExtractMinute => Minute,
    /// Django's `ExtractSecond(...)`.
    ExtractSecond => Second,
);

/// Django's `Trunc(expr, kind, tzinfo=...)`; `tz` names an IANA zone (`None`: the current one,
/// see [`crate::timezone`]).
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let months = Post::objects().annotate("m", Trunc("created_at", djorm::sql::TruncUnit::Month, None)).values_list_flat::<DateTime<Utc>>(&db, "m").await?;
/// assert_eq!(months[1].to_rfc3339(), "2024-03-01T00:00:00+00:00");
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Trunc(arg: impl Into<Arg>, unit: djorm_sql::TruncUnit, tz: Option<&str>) -> Expression {
    Expression::Trunc { expr: Box::new(arg.into().0), unit, tz: tz.map(str::to_owned) }
}

macro_rules! trunc {
    ($($(#[$doc:meta])* $name:ident => $unit:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name(arg: impl Into<Arg>) -> Expression {
            Trunc(arg, djorm_sql::TruncUnit::$unit, None)
        }
    )*};
}

trunc!(
    /// Django's `TruncYear(...)` (in the current time zone).
    TruncYear => Year,
    /// Django's `TruncQuarter(...)` (in the current time zone).
    TruncQuarter => Quarter,
    /// Django's `TruncMonth(...)` (in the current time zone; [`Expression::tzinfo`] names another).
    TruncMonth => Month,
    /// Django's `TruncWeek(...)` (in the current time zone).
    TruncWeek => Week,
    /// Django's `TruncDay(...)` (in the current time zone).
    TruncDay => Day,
    /// Django's `TruncHour(...)` (in the current time zone).
    TruncHour => Hour,
);

/// Django's `RawSQL(sql, params)`: a SQL snippet (`%s` per parameter, always bound) whose
/// result decodes as `kind` — the escape hatch instead of `extra()`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let doubled = RawSQL("views * %s", [Value::I64(2)], djorm::FieldKind::IntegerField);
/// assert_eq!(Post::objects().annotate("d", doubled).values_list_flat::<i64>(&db, "d").await?, [20, 50, 0]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn RawSQL(sql: &str, params: impl IntoIterator<Item = Value>, kind: FieldKind) -> Expression {
    Expression::Raw { sql: sql.to_owned(), params: params.into_iter().collect(), kind }
}

/// Django's `OuterRef("field")`: the enclosing query's field, inside a [`Subquery`] or
/// [`Exists`].
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// // Each author with the title of their most viewed post.
/// let top = Post::objects().filter(Q::new("author", OuterRef("pk"))).order_by(["-views"]).slice(..1);
/// let rows = Author::objects().annotate("top", Subquery(top, "title")).values_list_flat::<String>(&db, "top").await?;
/// assert_eq!(rows, ["Django ORM in Rust", "Draft"]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn OuterRef(field: &str) -> Expression {
    Expression::OuterRef(field.to_owned())
}

/// Django's `Subquery(qs.values(field)[:1])`: the value of `field` in the first row of `qs`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let newest = Post::objects().filter(Q::new("author", OuterRef("pk"))).order_by(["-created_at"]).slice(..1);
/// let rows = Author::objects().annotate("newest", Subquery(newest, "created_at")).values(&db, &["name", "newest"]).await?;
/// assert_eq!(rows[0].get_as::<DateTime<Utc>>("newest")?.to_rfc3339(), "2024-03-05T12:00:00+00:00");
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Subquery<M: crate::Model>(qs: crate::QuerySet<M>, field: &str) -> Expression {
    Expression::Subquery { query: Box::new(qs.query().clone()), field: field.to_owned() }
}

/// Django's `Exists(qs)`: usable in `filter()` (`!Q::from(Exists(..))` for NOT EXISTS),
/// `annotate()` and `order_by()`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let drafts = Post::objects().filter(Q::new("author", OuterRef("pk"))).filter(q!(Post, published = false));
/// let with_drafts = Author::objects().filter(Exists(drafts)).values_list_flat::<String>(&db, "name").await?;
/// assert_eq!(with_drafts, ["John Smith"]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Exists<M: crate::Model>(qs: crate::QuerySet<M>) -> Expression {
    Expression::Exists(Box::new(qs.query().clone()))
}

/// One branch of a [`Case`]: Django's `When(condition, then=value)`.
#[derive(Debug, Clone, PartialEq)]
pub struct When(pub Q, pub Expression);

impl When {
    /// `When(q, then=value)`.
    ///
    /// ```
    /// # djorm_doc_examples::run(|db| async move {
    /// # use djorm_doc_examples::{Author, Post, Tag};
    /// use djorm::prelude::*;
    /// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
    /// # use djorm::functions::{Extract, Trunc};
    /// let popular = When::new(q!(Post, views__gte = 20), Expression::value("popular"));
    /// assert_eq!(Post::objects().annotate("kind", Case([popular], Expression::value("other"))).values_list_flat::<String>(&db, "kind").await?[1], "popular");
    /// # Ok(()) });
    /// ```
    pub fn new(q: impl Into<Q>, then: impl Into<Arg>) -> Self {
        When(q.into(), then.into().0)
    }
}

/// Django's `Case(When(...), ..., default=...)`.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// let kind = Case(
///     [
///         When::new(q!(Post, published = false), Expression::value("draft")),
///         When::new(q!(Post, views__gte = 20), Expression::value("popular")),
///     ],
///     Expression::value("published"),
/// );
/// assert_eq!(Post::objects().annotate("kind", kind).values_list_flat::<String>(&db, "kind").await?, ["published", "popular", "draft"]);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn Case(whens: impl IntoIterator<Item = When>, default: impl Into<Arg>) -> Expression {
    Expression::Case { whens: whens.into_iter().map(|w| (w.0, w.1)).collect(), default: Box::new(default.into().0) }
}

/// Django's `F()`: a reference to a field, evaluated by the database.
///
/// `F("views") + 1` in an update increments at the database, so concurrent updaters lose
/// nothing.
///
/// ```
/// # djorm_doc_examples::run(|db| async move {
/// # use djorm_doc_examples::{Author, Post, Tag};
/// use djorm::prelude::*;
/// # use djorm::{Exists, ExpressionWrapper, OuterRef, RawSQL, Subquery};
/// # use djorm::functions::{Extract, Trunc};
/// // Arithmetic in the database, without reading the rows first.
/// Post::objects().update(&db, [("views", F("views") + 1)]).await?;
/// assert_eq!(Post::objects().values_list_flat::<i64>(&db, "views").await?, [11, 26, 1]);
/// // Comparing two columns of a row.
/// assert_eq!(Post::objects().filter(Q::new("views", F("id"))).count(&db).await?, 0);
/// # Ok(()) });
/// ```
#[allow(non_snake_case)]
pub fn F(field: &str) -> Expression {
    Expression::Field(field.to_owned())
}

impl<T: Into<Value>> From<T> for Expression {
    fn from(v: T) -> Self {
        Expression::Value(v.into())
    }
}

macro_rules! arith {
    ($trait:ident, $method:ident, $op:ident) => {
        impl<R: Into<Expression>> $trait<R> for Expression {
            type Output = Expression;
            fn $method(self, rhs: R) -> Expression {
                Expression::Arith { op: BinOp::$op, lhs: Box::new(self), rhs: Box::new(rhs.into()) }
            }
        }
    };
}

arith!(Add, add, Add);
arith!(Sub, sub, Sub);
arith!(Mul, mul, Mul);
arith!(Div, div, Div);
arith!(Rem, rem, Mod);

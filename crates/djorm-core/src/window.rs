//! Django's window expressions: `Window(expression, partition_by, order_by, frame)` and the
//! window functions (`RowNumber`, `Rank`, `DenseRank`, `PercentRank`, `CumeDist`, `Ntile`,
//! `Lag`, `Lead`, `FirstValue`, `LastValue`, `NthValue`), with `RowRange` / `ValueRange`
//! frames.
//!
//! ```
//! # djorm_doc_examples::run(|db| async move {
//! # use djorm_doc_examples::Post;
//! use djorm::functions::Rank;
//! use djorm::prelude::*;
//! use djorm::Window;
//! // Post.objects.annotate(rank=Window(Rank(), partition_by=F("author"), order_by="-views"))
//! let ranked = Post::objects()
//!     .annotate("rank", Window::new(Rank()).partition_by(["author"]).order_by(["-views"]))
//!     .order_by(["id"])
//!     .values(&db, &["title", "rank"])
//!     .await?;
//! // Jane's posts (10 and 25 views) rank 2 and 1 among hers; John's one post ranks 1.
//! let ranks: Vec<i64> = ranked.iter().map(|row| row.get_as("rank")).collect::<djorm::Result<_>>()?;
//! assert_eq!(ranks, [2, 1, 1]);
//! # Ok(()) });
//! ```
//!
//! Filtering on a window annotation (`.filter(rank__lte=2)`) works as in Django 4.2+: the
//! query is wrapped and the condition applied to its rows.

use djorm_sql::{Frame, FrameUnits, Value, WindowFunc};

use crate::expr::{Arg, Expression};
use crate::OrderBy;

/// Django's `Window(...)`: an aggregate or window function computed over the rows of each
/// row's partition, in the window's order, within its frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The aggregate (`Sum("pages")`) or window function (`Rank()`).
    pub expression: Expression,
    /// `partition_by=`: the rows that share a window.
    pub partition_by: Vec<Expression>,
    /// `order_by=`: the order inside the window.
    pub order_by: Vec<OrderBy>,
    /// `frame=`: which rows around the current one count.
    pub frame: Option<Frame>,
}

impl Window {
    /// `Window(expression)`: over every row of the result, unordered.
    pub fn new(expression: impl Into<Arg>) -> Self {
        Window { expression: expression.into().0, partition_by: Vec::new(), order_by: Vec::new(), frame: None }
    }

    /// `partition_by=[...]`: field names (`"author"`) or expressions.
    pub fn partition_by<A: Into<Arg>>(mut self, keys: impl IntoIterator<Item = A>) -> Self {
        self.partition_by = keys.into_iter().map(|k| k.into().0).collect();
        self
    }

    /// `order_by=[...]`: `"-pages"`, `F("pages").desc()`, ...
    pub fn order_by(mut self, keys: impl IntoIterator<Item = impl Into<OrderBy>>) -> Self {
        self.order_by = keys.into_iter().map(Into::into).collect();
        self
    }

    /// `frame=RowRange(...)` or `frame=ValueRange(...)`.
    pub fn frame(mut self, frame: Frame) -> Self {
        self.frame = Some(frame);
        self
    }
}

impl From<Window> for Expression {
    fn from(w: Window) -> Self {
        Expression::Window(Box::new(w))
    }
}

impl From<Window> for Arg {
    fn from(w: Window) -> Self {
        Arg(w.into())
    }
}

/// Django's `RowRange(start, end)`: a frame of physical rows (`None` = unbounded, 0 = the
/// current row, negative = preceding, positive = following).
#[allow(non_snake_case)]
pub fn RowRange(start: Option<i64>, end: Option<i64>) -> Frame {
    Frame { units: FrameUnits::Rows, start, end }
}

/// Django's `ValueRange(start, end)`: a frame of the rows whose ordering value lies within
/// the offsets.
#[allow(non_snake_case)]
pub fn ValueRange(start: Option<i64>, end: Option<i64>) -> Frame {
    Frame { units: FrameUnits::Range, start, end }
}

fn window_func(func: WindowFunc, args: Vec<Expression>) -> Expression {
    Expression::WindowFunc { func, args }
}

macro_rules! no_args {
    ($($(#[$doc:meta])* $name:ident => $func:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name() -> Expression {
            window_func(WindowFunc::$func, Vec::new())
        }
    )*};
}

no_args!(
    /// Django's `RowNumber()`.
    RowNumber => RowNumber,
    /// Django's `Rank()`.
    Rank => Rank,
    /// Django's `DenseRank()`.
    DenseRank => DenseRank,
    /// Django's `PercentRank()`.
    PercentRank => PercentRank,
    /// Django's `CumeDist()`.
    CumeDist => CumeDist,
);

/// Django's `Ntile(num_buckets)`.
#[allow(non_snake_case)]
pub fn Ntile(buckets: i64) -> Expression {
    window_func(WindowFunc::Ntile, vec![Expression::Value(Value::I64(buckets))])
}

fn offset_args(expr: Arg, offset: i64, default: Option<Arg>) -> Vec<Expression> {
    let mut args = vec![expr.0, Expression::Value(Value::I64(offset))];
    if let Some(default) = default {
        args.push(default.0);
    }
    args
}

/// Django's `Lag(expression, offset=1, default=None)`.
#[allow(non_snake_case)]
pub fn Lag(expr: impl Into<Arg>, offset: i64, default: Option<Arg>) -> Expression {
    window_func(WindowFunc::Lag, offset_args(expr.into(), offset, default))
}

/// Django's `Lead(expression, offset=1, default=None)`.
#[allow(non_snake_case)]
pub fn Lead(expr: impl Into<Arg>, offset: i64, default: Option<Arg>) -> Expression {
    window_func(WindowFunc::Lead, offset_args(expr.into(), offset, default))
}

/// Django's `FirstValue(expression)`.
#[allow(non_snake_case)]
pub fn FirstValue(expr: impl Into<Arg>) -> Expression {
    window_func(WindowFunc::FirstValue, vec![expr.into().0])
}

/// Django's `LastValue(expression)`.
#[allow(non_snake_case)]
pub fn LastValue(expr: impl Into<Arg>) -> Expression {
    window_func(WindowFunc::LastValue, vec![expr.into().0])
}

/// Django's `NthValue(expression, nth=1)`.
#[allow(non_snake_case)]
pub fn NthValue(expr: impl Into<Arg>, nth: i64) -> Expression {
    window_func(WindowFunc::NthValue, vec![expr.into().0, Expression::Value(Value::I64(nth))])
}

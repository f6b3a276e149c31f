//! Window functions and the `OVER (...)` clause: Django's `Window(expression, partition_by,
//! order_by, frame)` and its functions (`RowNumber`, `Rank`, `Lag`, ...).

/// A function that only exists over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowFunc {
    /// `ROW_NUMBER()`: 1, 2, 3, ... in the window's order.
    RowNumber,
    /// `RANK()`: ties share a rank, and leave gaps after them.
    Rank,
    /// `DENSE_RANK()`: ties share a rank, without gaps.
    DenseRank,
    /// `PERCENT_RANK()`: (rank - 1) / (rows - 1).
    PercentRank,
    /// `CUME_DIST()`: the share of rows ordered before or with this one.
    CumeDist,
    /// `NTILE(n)`: which of `n` buckets the row falls in.
    Ntile,
    /// `LAG(expr, offset, default)`: a value of an earlier row.
    Lag,
    /// `LEAD(expr, offset, default)`: a value of a later row.
    Lead,
    /// `FIRST_VALUE(expr)`.
    FirstValue,
    /// `LAST_VALUE(expr)`.
    LastValue,
    /// `NTH_VALUE(expr, n)`.
    NthValue,
}

impl WindowFunc {
    /// The SQL name, the same on every database djorm supports.
    pub fn as_sql(self) -> &'static str {
        match self {
            WindowFunc::RowNumber => "ROW_NUMBER",
            WindowFunc::Rank => "RANK",
            WindowFunc::DenseRank => "DENSE_RANK",
            WindowFunc::PercentRank => "PERCENT_RANK",
            WindowFunc::CumeDist => "CUME_DIST",
            WindowFunc::Ntile => "NTILE",
            WindowFunc::Lag => "LAG",
            WindowFunc::Lead => "LEAD",
            WindowFunc::FirstValue => "FIRST_VALUE",
            WindowFunc::LastValue => "LAST_VALUE",
            WindowFunc::NthValue => "NTH_VALUE",
        }
    }
}

/// The window of an `OVER (...)`: which rows share it, their order, and the frame.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSpec {
    /// `PARTITION BY`.
    pub partition_by: Vec<crate::Expr>,
    /// `ORDER BY` inside the window.
    pub order_by: Vec<crate::OrderItem>,
    /// `ROWS`/`RANGE BETWEEN ...`.
    pub frame: Option<Frame>,
}

/// Which rows a frame counts: `ROWS` (Django's `RowRange`) or `RANGE` (`ValueRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    /// Physical rows.
    Rows,
    /// Rows whose ordering value lies within the offsets.
    Range,
}

/// A window frame: Django's `RowRange(start, end)` / `ValueRange(start, end)`. An offset is
/// Django's: `None` is UNBOUNDED (PRECEDING at the start, FOLLOWING at the end), `0` the
/// CURRENT ROW, a negative `n` `n PRECEDING`, a positive one `n FOLLOWING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// ROWS or RANGE.
    pub units: FrameUnits,
    /// Where the frame starts.
    pub start: Option<i64>,
    /// Where the frame ends.
    pub end: Option<i64>,
}

impl Frame {
    /// The SQL of one bound (offsets are numbers the frame holds, not user text).
    pub fn bound_sql(offset: Option<i64>, is_start: bool) -> String {
        match offset {
            None if is_start => "UNBOUNDED PRECEDING".into(),
            None => "UNBOUNDED FOLLOWING".into(),
            Some(0) => "CURRENT ROW".into(),
            Some(n) if n < 0 => format!("{} PRECEDING", n.unsigned_abs()),
            Some(n) => format!("{n} FOLLOWING"),
        }
    }
}

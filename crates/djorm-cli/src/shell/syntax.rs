//! The shell's syntax tree: the subset of Python a Django shell session uses.

/// One statement: an expression to print, or an assignment.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `expr` (the result is printed).
    Expr(Expr),
    /// `name = expr`.
    Assign(String, Expr),
    /// `obj.field = expr`.
    SetAttr(Expr, String, Expr),
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A variable or built-in name.
    Name(String),
    /// A literal.
    Lit(Lit),
    /// `[a, b]` or `(a, b)`.
    List(Vec<Expr>),
    /// `{"key": value, ...}`.
    Dict(Vec<(Expr, Expr)>),
    /// `obj.name`.
    Attr(Box<Expr>, String),
    /// `f(args, name=value)`.
    Call(Box<Expr>, Vec<Arg>),
    /// `qs[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `qs[low:high]` or `qs[low:high:step]`.
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// Operands joined by operators of one precedence, applied left to right: `a + b - c` is
    /// `a` then `[(+, b), (-, c)]`. A line of ten thousand terms is one node, not a tree ten
    /// thousand deep.
    Binary(Box<Expr>, Vec<(BinOp, Expr)>),
    /// `~q`, `-x`.
    Unary(UnOp, Box<Expr>),
}

/// A literal value, written as in Python.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// `42`.
    Int(i64),
    /// `1.5`.
    Float(f64),
    /// `"text"` or `'text'`.
    Str(String),
}

/// One call argument, positional or `name=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// The keyword, for `name=value`.
    pub name: Option<String>,
    /// The value.
    pub value: Expr,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `|`.
    Or,
    /// `^` (Q objects only: exactly one of them holds, or an odd number of them).
    Xor,
    /// `&`.
    And,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Mod,
}

/// A unary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `~`.
    Invert,
    /// `-`.
    Neg,
}

//! Model-level expressions: `F("views") + 1`, values, arithmetic.

use std::ops::{Add, Div, Mul, Sub};

use djorm_sql::{BinOp, Value};

/// A value computed by the database: a field reference, a constant, or arithmetic on them.
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
}

/// Django's `F()`: a reference to a field, evaluated by the database.
///
/// `F("views") + 1` in an update increments at the database, so concurrent updaters lose
/// nothing.
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

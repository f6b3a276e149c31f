//! Evaluates parsed shell statements against a live database.

use super::error::ShellError;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use djorm::{Db, Expression, ModelMeta, QueryCapture, Value};

use super::builtins;
use super::methods;
use super::parser::parse_line;
use super::syntax::{BinOp, Expr, Lit, Stmt, UnOp};
use super::value::Val;

/// Asks whether to run a destructive statement; `true` runs it.
pub type Confirm = Box<dyn FnMut(&str) -> bool + Send>;

/// One shell session: the database, the models in scope, the variables and the queries run.
pub struct Session {
    pub(super) db: Db,
    pub(super) models: Vec<&'static ModelMeta>,
    vars: HashMap<String, Val>,
    capture: QueryCapture,
    pub(super) confirm: Confirm,
    /// `--yes`: writes to a whole table go ahead without asking (and without counting).
    pub(super) assume_yes: bool,
    /// The most rows a table shows of a QuerySet that was not sliced (`None`: all).
    pub(super) max_rows: Option<usize>,
}

type Eval<'a> = Pin<Box<dyn Future<Output = Result<Val, ShellError>> + Send + 'a>>;

impl Session {
    /// A session on `db` with `models` in scope; `confirm` is asked before an `update()` or
    /// `delete()` of a whole table.
    pub fn new(db: Db, models: Vec<&'static ModelMeta>, confirm: Confirm) -> Self {
        let capture = db.capture_queries();
        Session {
            db,
            models,
            vars: HashMap::new(),
            capture,
            confirm,
            assume_yes: false,
            max_rows: Some(super::DEFAULT_MAX_ROWS),
        }
    }

    /// `--yes`: an update or delete that reaches a whole table runs without asking.
    pub fn set_assume_yes(&mut self, yes: bool) {
        self.assume_yes = yes;
    }

    /// Shows at most `max_rows` rows of a QuerySet that was not sliced (`None` or `Some(0)`:
    /// every row).
    pub fn set_max_rows(&mut self, max_rows: Option<usize>) {
        self.max_rows = max_rows.filter(|n| *n > 0);
    }

    /// The models in scope.
    pub fn models(&self) -> &[&'static ModelMeta] {
        &self.models
    }

    /// The variables defined so far.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// The SQL and parameters of the last query the session ran.
    pub fn last_sql(&self) -> Option<String> {
        self.capture.queries().last().map(|q| {
            let params: Vec<String> = q.params.iter().map(|p| format!("{p:?}")).collect();
            format!("{}\n-- params: [{}]", q.sql, params.join(", "))
        })
    }

    /// Runs one line; returns the value of its last expression statement, if any.
    pub async fn run_line(&mut self, line: &str) -> Result<Option<Val>, ShellError> {
        let statements = parse_line(line).map_err(|m| ShellError::new("SyntaxError", m))?;
        let mut shown = None;
        for statement in statements {
            shown = match statement {
                Stmt::Expr(e) => Some(self.eval(&e).await?),
                Stmt::Assign(name, e) => {
                    let v = self.eval(&e).await?;
                    self.vars.insert(name, v);
                    None
                }
                Stmt::SetAttr(target, field, e) => {
                    let v = self.eval(&e).await?;
                    self.set_attr(&target, &field, v).await?;
                    None
                }
            };
        }
        Ok(shown)
    }

    async fn set_attr(&mut self, target: &Expr, field: &str, v: Val) -> Result<(), ShellError> {
        let Expr::Name(var) = target else {
            return Err("set fields on a variable: obj = Model.objects.get(...); obj.field = value".into());
        };
        let Some(Val::Instance(meta, row)) = self.vars.get(var) else {
            return Err(ShellError::from(format!("'{var}' is not an object")));
        };
        let meta = *meta;
        let value = methods::field_value(meta, field, v)?;
        let index = row.names().iter().position(|n| n == field);
        let Some(index) = index else {
            return Err(ShellError::from(format!(
                "'{}' object has no field '{field}'. Choices are: {}",
                meta.object_name,
                meta.field_names().join(", ")
            )));
        };
        let mut values = row.values().to_vec();
        values[index] = value;
        let updated = djorm::ValuesRow::from_parts(row.names().to_vec(), values);
        self.vars.insert(var.clone(), Val::Instance(meta, updated));
        Ok(())
    }

    pub(super) fn eval<'a>(&'a mut self, e: &'a Expr) -> Eval<'a> {
        Box::pin(async move {
            match e {
                Expr::Lit(lit) => Ok(Val::Value(match lit {
                    Lit::None => Value::Null,
                    Lit::Bool(b) => Value::Bool(*b),
                    Lit::Int(i) => Value::I64(*i),
                    Lit::Float(f) => Value::F64(*f),
                    Lit::Str(s) => Value::String(s.clone()),
                })),
                Expr::List(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.eval(item).await?);
                    }
                    Ok(Val::List(out))
                }
                Expr::Dict(pairs) => {
                    let (mut names, mut values) = (Vec::with_capacity(pairs.len()), Vec::with_capacity(pairs.len()));
                    for (key, value) in pairs {
                        match (self.eval(key).await?, self.eval(value).await?) {
                            (Val::Value(Value::String(k)), v) => {
                                names.push(k);
                                values.push(super::convert::value(v)?);
                            }
                            (k, _) => {
                                return Err(ShellError::from(format!(
                                    "dictionary keys are field names, not {}",
                                    k.type_name()
                                )))
                            }
                        }
                    }
                    Ok(Val::Dict(djorm::ValuesRow::from_parts(names, values)))
                }
                Expr::Name(name) => self.name(name),
                Expr::Attr(target, name) => {
                    let target = self.eval(target).await?;
                    methods::attribute(self, target, name).await
                }
                Expr::Call(callee_expr, args) => {
                    let callee = self.eval(callee_expr).await?;
                    let mut positional = Vec::new();
                    let mut keywords = Vec::new();
                    for arg in args {
                        let v = self.eval(&arg.value).await?;
                        match &arg.name {
                            Some(name) => keywords.push((name.clone(), v)),
                            None => positional.push(v),
                        }
                    }
                    match callee {
                        Val::Builtin(name) => self.call_builtin(name, positional, keywords),
                        Val::Method(target, method) => {
                            // An app's object method that changes the object (`u.set_password(...)`)
                            // changes the variable's object, as a Python method changes `self`.
                            let app = match (&*target, &**callee_expr) {
                                (Val::Instance(meta, _), Expr::Attr(..)) => {
                                    djorm::apps::app_method(meta, djorm::apps::MethodOwner::Object, &method)
                                }
                                _ => None,
                            };
                            match (app, *target, &**callee_expr) {
                                (Some(app), Val::Instance(meta, row), Expr::Attr(owner, _)) => {
                                    let (value, changed) =
                                        methods::call_app_method(self, app, Some(row), positional, keywords).await?;
                                    if let (Some(row), Expr::Name(var)) = (changed, &**owner) {
                                        self.vars.insert(var.clone(), Val::Instance(meta, row));
                                    }
                                    Ok(value)
                                }
                                (_, target, _) => methods::call(self, target, &method, positional, keywords).await,
                            }
                        }
                        Val::Model(meta) => methods::instantiate(meta, positional, keywords),
                        other => {
                            Err(ShellError::new("TypeError", format!("'{}' object is not callable", other.type_name())))
                        }
                    }
                }
                Expr::Index(target, index) => {
                    let target = self.eval(target).await?;
                    let index = self.eval(index).await?;
                    methods::index(self, target, index).await
                }
                Expr::Slice(target, low, high, step) => {
                    let target = self.eval(target).await?;
                    let low = match low {
                        Some(e) => Some(self.eval(e).await?),
                        None => None,
                    };
                    let high = match high {
                        Some(e) => Some(self.eval(e).await?),
                        None => None,
                    };
                    let step = match step {
                        Some(e) => Some(self.eval(e).await?),
                        None => None,
                    };
                    methods::slice(self, target, low, high, step).await
                }
                Expr::Binary(first, rest) => {
                    let mut acc = self.eval(first).await?;
                    // Numbers fold to one value; expressions grow a level per operator, and a
                    // tree deeper than the database takes is refused before it is built.
                    let mut depth = 0;
                    for (op, operand) in rest {
                        let right = self.eval(operand).await?;
                        if matches!(acc, Val::Expr(_)) || matches!(right, Val::Expr(_)) {
                            depth += 1;
                            if depth > djorm::query::lower::MAX_DEPTH {
                                return Err(ShellError::from(format!(
                                    "the expression is nested more than {} levels deep",
                                    djorm::query::lower::MAX_DEPTH
                                )));
                            }
                        }
                        acc = binary(*op, acc, right)?;
                    }
                    Ok(acc)
                }
                Expr::Unary(op, operand) => {
                    let operand = self.eval(operand).await?;
                    unary(*op, operand)
                }
            }
        })
    }

    fn name(&self, name: &str) -> Result<Val, ShellError> {
        if let Some(v) = self.vars.get(name) {
            return Ok(v.clone());
        }
        if let Some(meta) = self.models.iter().find(|m| m.object_name == name) {
            return Ok(Val::Model(meta));
        }
        if let Some(builtin) = builtins::lookup(name) {
            return Ok(Val::Builtin(builtin));
        }
        let models: Vec<&str> = self.models.iter().map(|m| m.object_name).collect();
        Err(ShellError::new(
            "NameError",
            format!("name '{name}' is not defined (models: {}; type help for the rest)", models.join(", ")),
        ))
    }

    fn call_builtin(&mut self, name: &str, args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Result<Val, ShellError> {
        match name {
            "help" => Ok(Val::Value(Value::String(super::help::text(&self.models)))),
            "sql" => Ok(Val::Value(Value::String(self.last_sql().unwrap_or_else(|| "no query has run yet".into())))),
            _ => builtins::call(name, args, kwargs),
        }
    }
}

fn binary(op: BinOp, left: Val, right: Val) -> Result<Val, ShellError> {
    match (op, left, right) {
        (BinOp::Or, Val::Q(a), Val::Q(b)) => Ok(Val::Q(a | b)),
        (BinOp::And, Val::Q(a), Val::Q(b)) => Ok(Val::Q(a & b)),
        (BinOp::Xor, Val::Q(a), Val::Q(b)) => Ok(Val::Q(a ^ b)),
        (BinOp::Or | BinOp::And | BinOp::Xor, a, b) => Err(ShellError::new(
            "TypeError",
            format!("| & and ^ combine Q objects, not {} and {}", a.type_name(), b.type_name()),
        )),
        (op, Val::Value(a), Val::Value(b)) => arithmetic(op, a, b),
        (op, a, b) => {
            let (a, b) = (expression_operand(a)?, expression_operand(b)?);
            Ok(Val::Expr(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Mod => a % b,
                _ => a / b,
            }))
        }
    }
}

/// An arithmetic operand: literals stay values (`F("views") + "1"` adds the number, not a field).
fn expression_operand(v: Val) -> Result<Expression, ShellError> {
    match v {
        Val::Value(v) => Ok(Expression::Value(v)),
        other => super::convert::expression(other),
    }
}

fn arithmetic(op: BinOp, a: Value, b: Value) -> Result<Val, ShellError> {
    let result = match (a, b) {
        (Value::I64(x), Value::I64(y)) => match op {
            BinOp::Add => x.checked_add(y).map(Value::I64),
            BinOp::Sub => x.checked_sub(y).map(Value::I64),
            BinOp::Mul => x.checked_mul(y).map(Value::I64),
            _ if y == 0 => return Err("division by zero".into()),
            // Python's %: the result takes the divisor's sign.
            BinOp::Mod => {
                x.checked_rem(y).map(|r| if r != 0 && (r < 0) != (y < 0) { r + y } else { r }).map(Value::I64)
            }
            _ => Some(Value::F64(x as f64 / y as f64)),
        },
        (Value::String(x), Value::String(y)) if op == BinOp::Add => Some(Value::String(x + &y)),
        (a, b) => {
            let (Some(x), Some(y)) = (number(&a), number(&b)) else {
                return Err(ShellError::from(format!("unsupported operand types: {a:?} and {b:?}")));
            };
            Some(Value::F64(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                _ if y == 0.0 => return Err("division by zero".into()),
                BinOp::Mod => x - y * (x / y).floor(),
                _ => x / y,
            }))
        }
    };
    result.map(Val::Value).ok_or_else(|| "integer overflow".into())
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::I64(i) => Some(*i as f64),
        Value::F64(f) => Some(*f),
        _ => None,
    }
}

fn unary(op: UnOp, operand: Val) -> Result<Val, ShellError> {
    match (op, operand) {
        (UnOp::Invert, Val::Q(q)) => Ok(Val::Q(!q)),
        (UnOp::Invert, Val::Expr(e)) => Ok(Val::Q(!djorm::Q::from(e))),
        (UnOp::Neg, Val::Value(Value::I64(i))) => {
            i.checked_neg().map(|n| Val::Value(Value::I64(n))).ok_or("integer overflow".into())
        }
        (UnOp::Neg, Val::Value(Value::F64(f))) => Ok(Val::Value(Value::F64(-f))),
        (UnOp::Neg, Val::Expr(e)) => Ok(Val::Expr(Expression::Value(Value::I64(0)) - e)),
        (op, other) => Err(ShellError::from(format!(
            "bad operand type for unary {}: {}",
            if op == UnOp::Neg { "-" } else { "~" },
            other.type_name()
        ))),
    }
}

//! What shell expressions evaluate to.

use djorm::{Aggregate, Deleted, DynQuerySet, Expression, ModelMeta, OrderBy, RowShape, Value, ValuesRow, Q};

/// A shell value.
#[derive(Debug, Clone)]
pub enum Val {
    /// A literal or a database value.
    Value(Value),
    /// `[a, b]`.
    List(Vec<Val>),
    /// A model class (`Post`).
    Model(&'static ModelMeta),
    /// A lazy QuerySet (`Post.objects.filter(...)`, `author.posts`).
    QuerySet(DynQuerySet),
    /// A many-to-many manager (`post.tags`): a QuerySet that can also `add`, `remove`, `clear`.
    ManyRelated(ManyRelated),
    /// A reverse foreign-key manager (`author.posts`): a QuerySet whose `create()` and
    /// `get_or_create()` set the key to the object.
    ReverseRelated(ReverseRelated),
    /// One object: its model and every field.
    Instance(&'static ModelMeta, ValuesRow),
    /// One row of named values (`aggregate()`, an element of `values()`).
    Dict(ValuesRow),
    /// Objects by key (`in_bulk()`): the keys as text, then the objects.
    Map(Vec<String>, Vec<Val>),
    /// A condition.
    Q(Q),
    /// An ordering (`F("views").desc(nulls_last=True)`).
    OrderBy(OrderBy),
    /// A database expression (`F("views") + 1`, `Lower("name")`).
    Expr(Expression),
    /// An aggregate (`Count("posts")`).
    Aggregate(Aggregate),
    /// `When(condition, then=value)`, for `Case`.
    When(Q, Expression),
    /// A built-in function (`Q`, `Count`, `help`).
    Builtin(&'static str),
    /// `obj.method`, waiting for its call.
    Method(Box<Val>, String),
    /// What `delete()` reports.
    Deleted(Deleted),
    /// A window frame (`RowRange(start=-1, end=0)`).
    Frame(djorm::sql::Frame),
    /// `Prefetch(lookup, queryset=..., to_attr=...)`.
    Prefetch(Box<djorm::Prefetch>),
    /// A field class (`FloatField()`), for `output_field=` and `Cast`.
    FieldClass(djorm::FieldKind),
}

/// The forward side of a many-to-many field on one object.
#[derive(Debug, Clone)]
pub struct ManyRelated {
    /// The model declaring the field.
    pub owner: &'static ModelMeta,
    /// The field's name.
    pub field: &'static str,
    /// The object's primary key.
    pub pk: Value,
    /// The related objects.
    pub qs: DynQuerySet,
}

/// The reverse side of a foreign key on one object (`author.posts`).
#[derive(Debug, Clone)]
pub struct ReverseRelated {
    /// The related objects.
    pub qs: DynQuerySet,
    /// The key field on the related model (`author`).
    pub field: &'static str,
    /// The value the key holds for this object.
    pub value: Value,
}

impl Val {
    /// The Python-ish type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Value(Value::Null) => "None",
            Val::Value(Value::Bool(_)) => "bool",
            Val::Value(Value::I16(_) | Value::I32(_) | Value::I64(_)) => "int",
            Val::Value(Value::F64(_)) => "float",
            Val::Value(Value::String(_)) => "str",
            Val::Value(_) => "value",
            Val::List(_) => "list",
            Val::Model(_) => "model",
            Val::QuerySet(qs) if qs.shape() != RowShape::Objects => "ValuesQuerySet",
            Val::QuerySet(_) | Val::ManyRelated(_) | Val::ReverseRelated(_) => "QuerySet",
            Val::OrderBy(_) => "OrderBy",
            Val::Instance(..) => "object",
            Val::Dict(_) | Val::Map(..) => "dict",
            Val::Q(_) => "Q",
            Val::Expr(_) => "expression",
            Val::Aggregate(_) => "aggregate",
            Val::When(..) => "When",
            Val::Builtin(_) => "function",
            Val::Method(..) => "method",
            Val::Deleted(_) => "delete result",
            Val::Frame(_) => "frame",
            Val::Prefetch(_) => "Prefetch",
            Val::FieldClass(_) => "field",
        }
    }
}

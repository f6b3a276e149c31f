//! The project state: every model as plain, serialisable data — rebuilt from migration files
//! or taken from the compiled models.

use std::collections::BTreeMap;

use crate::naming::meta_index_name;
use crate::{FieldKind, ModelMeta, OnDelete};
use djorm_sql::Value;
use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

fn big_auto_field() -> String {
    FieldKind::BigAutoField.name().to_owned()
}

fn is_big_auto_field(kind: &String) -> bool {
    *kind == big_auto_field()
}

/// A literal default value, as written in migration files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text (also dates, decimals and UUIDs, as Django writes them).
    Text(String),
    /// A function called for each new object (`{ callable = "Utc::now()" }`), as Django
    /// records `default=timezone.now` by reference.
    Callable {
        /// The call as written in the model.
        callable: String,
    },
}

impl Literal {
    /// The literal of a value, when it has one.
    pub fn from_value(v: &Value) -> Option<Literal> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(b) => Literal::Bool(*b),
            Value::F64(f) => Literal::Float(*f),
            Value::String(s) => Literal::Text(s.clone()),
            other => match other.as_i64() {
                Some(i) => Literal::Int(i),
                None => Literal::Text(other.to_string()),
            },
        })
    }

    /// The literal as a value (a callable's value now, when djorm knows the function).
    pub fn to_value(&self) -> Value {
        match self {
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Int(i) => Value::I64(*i),
            Literal::Float(f) => Value::F64(*f),
            Literal::Text(s) => Value::String(s.clone()),
            Literal::Callable { callable } => {
                crate::FieldDefault::known_callable(callable).map_or(Value::Null, |make| make())
            }
        }
    }

    /// The literal of a field's default: a call whose value changes from one call to the next
    /// (`Utc::now()`, `Uuid::new_v4()`) by its name, anything else (`Decimal::new(0, 0)`) by
    /// its value, as Django records `default=timezone.now` and `default=Decimal("0")`.
    pub fn from_default(default: crate::FieldDefault) -> Option<Literal> {
        match default {
            crate::FieldDefault::Callable { make, name } => {
                let first = make();
                if make() == first {
                    Literal::from_value(&first)
                } else {
                    Some(Literal::Callable { callable: name.to_owned() })
                }
            }
            other => Literal::from_value(&other.value()),
        }
    }
}

/// A ForeignKey / OneToOneField target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelationState {
    /// `app_label.ObjectName` of the target.
    pub to: String,
    /// The target's table and key column, so DDL needs no other state.
    pub to_table: String,
    /// The referenced column.
    pub to_column: String,
    /// `on_delete`, by Django's name (`CASCADE`, ...).
    pub on_delete: String,
    /// The referenced field's class, which decides the key column's type.
    pub to_kind: String,
    /// One-to-one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub one_to_one: bool,
    /// The reverse accessor's name, when the model gives one (Django's `related_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_name: Option<String>,
    /// The reverse lookup name, when the model gives one (`related_query_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_query_name: Option<String>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldState {
    /// Field name.
    pub name: String,
    /// Column name.
    pub column: String,
    /// Django's field class (`CharField`, `ForeignKey`, ...).
    pub kind: String,
    /// `null=True`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub null: bool,
    /// Primary key.
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary_key: bool,
    /// `unique=True`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// `db_index=True`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub db_index: bool,
    /// `max_length`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// `max_digits`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_digits: Option<u32>,
    /// `decimal_places`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal_places: Option<u32>,
    /// The default, used to fill existing rows when the column is added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Literal>,
    /// For keys: the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<RelationState>,
    /// `verbose_name`, when the model gives one other than the name with spaces (recorded, as
    /// Django records it, so changing it is an AlterField that runs no SQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbose_name: Option<String>,
    /// `help_text`, when the model gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_text: Option<String>,
}

impl FieldState {
    /// True when the two differ at most in what only the ORM reads (`on_delete`, the reverse
    /// names), so changing one into the other needs no SQL (Django's "no database change").
    pub fn same_in_database(&self, other: &FieldState) -> bool {
        fn database_part(f: &FieldState) -> FieldState {
            let mut f = f.clone();
            (f.verbose_name, f.help_text) = (None, None);
            if let Some(r) = &mut f.relation {
                r.on_delete = String::new();
                r.related_name = None;
                r.related_query_name = None;
            }
            f
        }
        database_part(self) == database_part(other)
    }

    /// The field's class.
    pub fn field_kind(&self) -> FieldKind {
        kind_from_name(&self.kind).unwrap_or(FieldKind::TextField)
    }

    /// The state of a compiled field.
    pub fn from_meta(f: &crate::FieldMeta) -> Self {
        let relation = f.relation.as_ref().map(|r| {
            let target = r.target.get();
            RelationState {
                to: target.label(),
                to_table: target.db_table.to_owned(),
                to_column: r.target_field().column.to_owned(),
                to_kind: r.target_field().kind.name().to_owned(),
                on_delete: on_delete_name(r.on_delete).to_owned(),
                one_to_one: r.one_to_one,
                related_name: r.related_name.map(str::to_owned),
                related_query_name: r.related_query_name.map(str::to_owned),
            }
        });
        FieldState {
            name: f.name.to_owned(),
            column: f.column.to_owned(),
            kind: f.kind.name().to_owned(),
            null: f.null,
            primary_key: f.primary_key,
            unique: f.unique && !f.primary_key,
            db_index: f.db_index,
            max_length: f.max_length.filter(|_| f.kind.is_text()),
            max_digits: f.max_digits,
            decimal_places: f.decimal_places,
            default: f.default.and_then(Literal::from_default),
            relation,
            verbose_name: (f.verbose_name != f.name.replace('_', " ")).then(|| f.verbose_name.to_owned()),
            help_text: (!f.help_text.is_empty()).then(|| f.help_text.to_owned()),
        }
    }
}

/// Django's name of an on_delete rule.
pub fn on_delete_name(rule: OnDelete) -> &'static str {
    match rule {
        OnDelete::Cascade => "CASCADE",
        OnDelete::Protect => "PROTECT",
        OnDelete::Restrict => "RESTRICT",
        OnDelete::SetNull => "SET_NULL",
        OnDelete::SetDefault => "SET_DEFAULT",
        OnDelete::DoNothing => "DO_NOTHING",
    }
}

/// The field class called `name`.
pub fn kind_from_name(name: &str) -> Option<FieldKind> {
    FieldKind::from_name(name)
}

/// A `Meta.indexes` entry, with its final name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexState {
    /// Index name.
    pub name: String,
    /// Columns, `-` prefixed for descending.
    pub columns: Vec<String>,
}

/// A check constraint: lookups on the model's own columns, all of which must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckState {
    /// Constraint name.
    pub name: String,
    /// `(column__lookup, value)` pairs (`views__gte = 0`), ANDed.
    pub conditions: Vec<(String, Literal)>,
}

impl CheckState {
    /// The state of a compiled check constraint, when its condition is lookups with plain
    /// values (the form `check(...)` in `#[djorm]` writes).
    pub fn from_meta(meta: &ModelMeta, check: &crate::CheckMeta) -> Option<Self> {
        fn flatten(q: &crate::Q, meta: &ModelMeta, out: &mut Vec<(String, Literal)>) -> Option<()> {
            match q {
                crate::Q::And(children) => children.iter().try_for_each(|c| flatten(c, meta, out)),
                crate::Q::Lookup { path, rhs: crate::Rhs::Value(v) } => {
                    let path = path.to_django();
                    let (field, lookup) = path.split_once("__").unwrap_or((path.as_str(), "exact"));
                    let column = meta.field(field)?.column;
                    out.push((format!("{column}__{lookup}"), Literal::from_value(v)?));
                    Some(())
                }
                _ => None,
            }
        }
        let mut conditions = Vec::new();
        flatten(&(check.condition)(), meta, &mut conditions)?;
        Some(CheckState { name: check.name.to_owned(), conditions })
    }
}

/// A many-to-many field's automatic join table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManyToManyState {
    /// Field name.
    pub name: String,
    /// `app_label.ObjectName` of the target.
    pub to: String,
    /// Join table.
    pub table: String,
    /// Column pointing at the declaring model.
    pub source_column: String,
    /// Column pointing at the target.
    pub target_column: String,
    /// The target's table.
    pub target_table: String,
    /// The target's key column.
    pub target_pk: String,
    /// The target key's field class, which decides the join column's type (files written
    /// before it was recorded mean Django's default, `BigAutoField`).
    #[serde(default = "big_auto_field", skip_serializing_if = "is_big_auto_field")]
    pub target_kind: String,
    /// The reverse accessor's name, when the model gives one (Django's `related_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_name: Option<String>,
    /// The reverse lookup name, when the model gives one (`related_query_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_query_name: Option<String>,
    /// `false` for a relation to the same model that is directed (`symmetrical = false`);
    /// absent means Django's default (symmetrical for a relation to the same model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetrical: Option<bool>,
}

impl ManyToManyState {
    /// True when the two differ at most in what only the ORM reads (the reverse names and
    /// symmetry), so changing one into the other needs no SQL.
    pub fn same_in_database(&self, other: &ManyToManyState) -> bool {
        let strip = |m: &ManyToManyState| ManyToManyState {
            related_name: None,
            related_query_name: None,
            symmetrical: None,
            ..m.clone()
        };
        strip(self) == strip(other)
    }

    /// Whether adding A→B also adds B→A (recorded, or Django's default).
    pub fn is_symmetrical(&self, owner: &str) -> bool {
        self.symmetrical.unwrap_or(self.to == owner)
    }
}

/// One model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelState {
    /// App label.
    pub app: String,
    /// Object name (`Post`).
    pub name: String,
    /// Table name.
    pub db_table: String,
    /// Columns in order.
    pub fields: Vec<FieldState>,
    /// `Meta.ordering`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ordering: Vec<String>,
    /// `Meta.indexes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexState>,
    /// Unique constraints: (name, columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique_together: Vec<(String, Vec<String>)>,
    /// Automatic many-to-many join tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub many_to_many: Vec<ManyToManyState>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckState>,
    /// The managers marked `use_in_migrations`, by name in declaration order (Django's
    /// `CreateModel(managers=...)`): models rebuilt from the files have them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managers: Vec<String>,
}

impl ModelState {
    /// `app.Name`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The primary key field.
    pub fn pk(&self) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.primary_key)
    }

    /// The state of a compiled model.
    pub fn from_meta(meta: &'static ModelMeta) -> Self {
        let column_of = |name: &str| meta.field(name).map_or_else(|| name.to_owned(), |f| f.column.to_owned());
        let indexes = meta
            .indexes
            .iter()
            .map(|index| {
                let columns: Vec<String> = index
                    .fields
                    .iter()
                    .map(|spec| match spec.strip_prefix('-') {
                        Some(name) => format!("-{}", column_of(name)),
                        None => column_of(spec),
                    })
                    .collect();
                let name = index.name.map_or_else(|| meta_index_name(meta.db_table, &columns), str::to_owned);
                IndexState { name, columns }
            })
            .collect();
        let many_to_many = meta
            .many_to_many
            .iter()
            .filter(|m| m.through.is_none())
            .filter_map(|m| crate::relations::join_table(meta, m).ok().map(|t| (m, t)))
            .map(|(m, t)| ManyToManyState {
                name: m.name.to_owned(),
                to: t.target.label(),
                table: t.table,
                source_column: t.source_column,
                target_column: t.target_column,
                target_table: t.target.db_table.to_owned(),
                target_pk: t.target.pk().column.to_owned(),
                target_kind: t.target.pk().kind.name().to_owned(),
                related_name: m.related_name.map(str::to_owned),
                related_query_name: m.related_query_name.map(str::to_owned),
                symmetrical: (t.target.is(meta) && !m.symmetrical).then_some(false),
            })
            .collect();
        ModelState {
            app: meta.app_label.to_owned(),
            name: meta.object_name.to_owned(),
            db_table: meta.db_table.to_owned(),
            fields: meta.fields.iter().map(FieldState::from_meta).collect(),
            ordering: meta.ordering.iter().map(|s| (*s).to_owned()).collect(),
            indexes,
            unique_together: meta
                .unique_constraints
                .iter()
                .map(|u| (u.name.to_owned(), u.fields.iter().map(|f| column_of(f)).collect()))
                .collect(),
            many_to_many,
            checks: meta.check_constraints.iter().filter_map(|c| CheckState::from_meta(meta, c)).collect(),
            managers: meta.managers.iter().filter(|m| m.use_in_migrations).map(|m| m.name.to_owned()).collect(),
        }
    }
}

/// Every model of the project, keyed by `app.Name`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectState {
    /// The models.
    pub models: BTreeMap<String, ModelState>,
}

impl ProjectState {
    /// The state of the compiled models.
    pub fn from_metas(metas: &[&'static ModelMeta]) -> Self {
        let mut state = ProjectState::default();
        for meta in metas {
            let m = ModelState::from_meta(meta);
            state.models.insert(m.label(), m);
        }
        state
    }

    /// The models of one app.
    pub fn app_models<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a ModelState> {
        self.models.values().filter(move |m| m.app == app)
    }

    /// The model `app.name`.
    pub fn model(&self, app: &str, name: &str) -> Option<&ModelState> {
        self.models.get(&format!("{app}.{name}"))
    }

    /// The model `app.name`, for changing.
    pub fn model_mut(&mut self, app: &str, name: &str) -> Option<&mut ModelState> {
        self.models.get_mut(&format!("{app}.{name}"))
    }
}

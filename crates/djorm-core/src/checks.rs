//! Django's system checks for models (`manage.py check`), with Django's ids and messages: the
//! mistakes a model set can hold that the derive macro cannot see alone, because they involve
//! two models (reverse accessors that clash) or models rebuilt from migration files (an
//! ordering that names nothing).

use std::fmt;

use crate::ModelMeta;

/// How serious a finding is (Django's levels that `check` reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth fixing; `check` still succeeds.
    Warning,
    /// Wrong; `check` fails.
    Error,
}

/// One finding, printed as Django prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckMessage {
    /// Warning or error.
    pub level: Level,
    /// Django's id (`fields.E304`), or djorm's own (`djorm.W001`) where Django has none.
    pub id: String,
    /// What it is about (`blog.Post.author`, `blog.Post`, a database alias).
    pub obj: String,
    /// What is wrong.
    pub msg: String,
    /// What to do, when there is advice.
    pub hint: Option<String>,
}

impl CheckMessage {
    /// An error.
    pub fn error(id: &str, obj: impl Into<String>, msg: impl Into<String>, hint: Option<String>) -> Self {
        CheckMessage { level: Level::Error, id: id.into(), obj: obj.into(), msg: msg.into(), hint }
    }

    /// A warning.
    pub fn warning(id: &str, obj: impl Into<String>, msg: impl Into<String>, hint: Option<String>) -> Self {
        CheckMessage { level: Level::Warning, id: id.into(), obj: obj.into(), msg: msg.into(), hint }
    }
}

impl fmt::Display for CheckMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ({}) {}", self.obj, self.id, self.msg)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n\tHINT: {hint}")?;
        }
        Ok(())
    }
}

/// A relation seen from its target, as the clash checks compare them.
struct Reverse {
    /// `blog.Post.author`.
    field_label: String,
    /// The target model.
    target: &'static ModelMeta,
    accessor: String,
    query_name: String,
}

fn reverses(models: &[&'static ModelMeta]) -> Vec<Reverse> {
    let mut out = Vec::new();
    for model in models {
        let model_name = model.model_name();
        for field in model.fields {
            let Some(rel) = &field.relation else { continue };
            let accessor = rel.related_name.map(str::to_owned).unwrap_or_else(|| {
                if rel.one_to_one {
                    model_name.clone()
                } else {
                    format!("{model_name}_set")
                }
            });
            let query_name =
                rel.related_query_name.or(rel.related_name).map_or_else(|| model_name.clone(), str::to_owned);
            let field_label = format!("{}.{}", model.label(), field.name);
            out.push(Reverse { field_label, target: rel.target.get(), accessor, query_name });
        }
        for m2m in model.many_to_many {
            let target = m2m.target.get();
            if m2m.symmetrical && target.is(model) {
                continue; // no reverse accessor
            }
            let accessor = m2m.related_name.map_or_else(|| format!("{model_name}_set"), str::to_owned);
            let query_name =
                m2m.related_query_name.or(m2m.related_name).map_or_else(|| model_name.clone(), str::to_owned);
            out.push(Reverse { field_label: format!("{}.{}", model.label(), m2m.name), target, accessor, query_name });
        }
    }
    out
}

/// Django's `fields.E302`–`E305`: a reverse accessor or query name that clashes with a field of
/// the target or with another relation's.
fn clashes(models: &[&'static ModelMeta]) -> Vec<CheckMessage> {
    let all = reverses(models);
    let mut out = Vec::new();
    for rel in &all {
        if rel.accessor.ends_with('+') {
            continue; // hidden: no accessor, no query name
        }
        let target = rel.target;
        let accessor = format!("{}.{}", target.object_name, rel.accessor);
        let field_names = target.fields.iter().map(|f| f.name).chain(target.many_to_many.iter().map(|m| m.name));
        for name in field_names {
            let clash = format!("{}.{name}", target.label());
            if name == rel.accessor {
                out.push(CheckMessage::error(
                    "fields.E302",
                    &rel.field_label,
                    format!("Reverse accessor '{accessor}' for '{}' clashes with field name '{clash}'.", rel.field_label),
                    Some(format!(
                        "Rename field '{clash}', or add/change a related_name argument to the definition for field '{}'.",
                        rel.field_label
                    )),
                ));
            }
            if name == rel.query_name {
                out.push(CheckMessage::error(
                    "fields.E303",
                    &rel.field_label,
                    format!("Reverse query name for '{}' clashes with field name '{clash}'.", rel.field_label),
                    Some(format!(
                        "Rename field '{clash}', or add/change a related_name argument to the definition for field '{}'.",
                        rel.field_label
                    )),
                ));
            }
        }
        for other in all.iter().filter(|o| o.target.is(target) && o.field_label != rel.field_label) {
            let hint = Some(format!(
                "Add or change a related_name argument to the definition for '{}' or '{}'.",
                rel.field_label, other.field_label
            ));
            if other.accessor == rel.accessor {
                out.push(CheckMessage::error(
                    "fields.E304",
                    &rel.field_label,
                    format!(
                        "Reverse accessor '{accessor}' for '{}' clashes with reverse accessor for '{}'.",
                        rel.field_label, other.field_label
                    ),
                    hint.clone(),
                ));
            }
            if other.query_name == rel.query_name {
                out.push(CheckMessage::error(
                    "fields.E305",
                    &rel.field_label,
                    format!(
                        "Reverse query name for '{}' clashes with reverse query name for '{}'.",
                        rel.field_label, other.field_label
                    ),
                    hint,
                ));
            }
        }
    }
    out
}

/// Django's `models.E015`: an ordering entry that names no field, relation path or transform.
fn orderings(models: &[&'static ModelMeta]) -> Vec<CheckMessage> {
    let mut out = Vec::new();
    for model in models {
        for entry in model.ordering {
            let path = entry.trim_start_matches('-');
            if path == "?" || resolves(model, path) {
                continue;
            }
            out.push(CheckMessage::error(
                "models.E015",
                model.label(),
                format!("'ordering' refers to the nonexistent field, related field, or lookup '{path}'."),
                None,
            ));
        }
    }
    out
}

/// Whether `path` (`author__name`, `pk`, `published__year`) names something of `model`.
fn resolves(model: &'static ModelMeta, path: &str) -> bool {
    let mut current = Some(model);
    let mut kind = None;
    for part in path.split("__") {
        match current {
            Some(m) => {
                let field = if part == "pk" { Some(m.pk()) } else { m.field(part) };
                match field {
                    Some(f) => {
                        kind = Some(f.value_kind());
                        current = f.relation.as_ref().map(|r| r.target.get());
                    }
                    None => return false,
                }
            }
            // After a plain field only transforms may follow (`published__year`).
            None => match kind.and_then(|k| crate::vocabulary::transform(part, k)) {
                Some(t) => kind = Some((t.output)(kind.unwrap_or(djorm_sql::ValueKind::Any))),
                None => return false,
            },
        }
    }
    true
}

/// Every model check over `models`, in a stable order (errors first, then by object).
pub fn check_models(models: &[&'static ModelMeta]) -> Vec<CheckMessage> {
    let mut out = clashes(models);
    out.extend(orderings(models));
    out.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.obj.cmp(&b.obj)).then_with(|| a.id.cmp(&b.id)));
    out
}

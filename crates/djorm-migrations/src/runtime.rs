//! Models rebuilt at run time from the migration state, for tools that run without the app's
//! code (the standalone `djorm shell`). They carry what migration files record — tables,
//! columns, field classes, keys, nullability, lengths, literal defaults, ordering and automatic
//! join tables — and nothing the files leave out (choices, `auto_now`, related names, `str`).
//!
//! The metadata lives for the rest of the process (it is leaked, as compiled models' statics
//! are), so these models work everywhere a compiled model's `&'static ModelMeta` does.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use djorm_core::{
    DynQuerySet, Error, FieldDefault, FieldKind, FieldMeta, ManagerMeta, ManyToManyMeta, ModelMeta, ModelRef,
    ModelVTable, OnDelete, RelationMeta, RowReader,
};

use crate::state::{FieldState, ModelState, ProjectState};

type Slot = &'static OnceLock<&'static ModelMeta>;

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn on_delete(name: &str) -> OnDelete {
    match name {
        "PROTECT" => OnDelete::Protect,
        "RESTRICT" => OnDelete::Restrict,
        "SET_NULL" => OnDelete::SetNull,
        "SET_DEFAULT" => OnDelete::SetDefault,
        "DO_NOTHING" => OnDelete::DoNothing,
        _ => OnDelete::Cascade,
    }
}

const NO_RUST_TYPE: &str = "a model rebuilt from migration files has no Rust type to load instances into";

/// Run-time models have no Rust struct: code paths that need one (typed decoding, delete
/// receivers) get an error instead.
const VTABLE: ModelVTable = ModelVTable {
    decode: |_: &mut RowReader<'_>| Err(Error::InvalidQuery(NO_RUST_TYPE.into())),
    decode_groups: |_, _, _, _| Err(Error::InvalidQuery(NO_RUST_TYPE.into())),
    elements_mut: |_| Vec::new(),
    into_singles: |_| Vec::new(),
    field_values: |_| Vec::new(),
    field_value: |_, _| djorm_sql::Value::Null,
    set_related: |_, _, _| Err(Error::InvalidQuery(NO_RUST_TYPE.into())),
};

/// Every model of `state` as metadata, relations resolved between them, sorted by label.
pub fn models_from_state(state: &ProjectState) -> Vec<&'static ModelMeta> {
    let slots: BTreeMap<&str, Slot> =
        state.models.keys().map(|label| (label.as_str(), &*Box::leak(Box::new(OnceLock::new())))).collect();
    let metas: Vec<(&str, &'static ModelMeta)> = state
        .models
        .iter()
        .map(|(label, model)| (label.as_str(), &*Box::leak(Box::new(model_meta(model, state, &slots)))))
        .collect();
    for (label, meta) in &metas {
        let _ = slots[label].set(meta);
    }
    metas.into_iter().map(|(_, meta)| meta).collect()
}

fn model_meta(model: &ModelState, state: &ProjectState, slots: &BTreeMap<&str, Slot>) -> ModelMeta {
    let fields: Vec<FieldMeta> = model.fields.iter().map(|f| field_meta(f, state, slots)).collect();
    let pk_index = fields.iter().position(|f| f.primary_key).unwrap_or(0);
    let many_to_many: Vec<ManyToManyMeta> = model
        .many_to_many
        .iter()
        .filter_map(|m| {
            let target = *slots.get(m.to.as_str())?;
            Some(ManyToManyMeta {
                name: leak(&m.name),
                target: ModelRef::Runtime(target),
                related_name: m.related_name.as_deref().map(leak),
                related_query_name: m.related_query_name.as_deref().map(leak),
                through: None,
                db_table: Some(leak(&m.table)),
                symmetrical: m.is_symmetrical(&model.label()),
            })
        })
        .collect();
    let name = leak(&model.name);
    ModelMeta {
        app_label: leak(&model.app),
        object_name: name,
        db_table: leak(&model.db_table),
        fields: fields.leak(),
        pk_index,
        ordering: model.ordering.iter().map(|o| leak(o)).collect::<Vec<_>>().leak(),
        verbose_name: leak(&model.name.to_lowercase()),
        verbose_name_plural: leak(&format!("{}s", model.name.to_lowercase())),
        str_field: None,
        indexes: &[],
        unique_constraints: &[],
        check_constraints: &[],
        many_to_many: many_to_many.leak(),
        managers: managers(model),
        vtable: VTABLE,
    }
}

/// The managers the files record (`use_in_migrations`), each with the `get_queryset` of the
/// linked model of the same label when this binary has it (Django imports the manager's class);
/// otherwise the manager is there but refuses to run, saying why.
fn managers(model: &ModelState) -> &'static [ManagerMeta] {
    let linked = |name: &str| {
        djorm_core::linked_models()
            .filter(|m| m.app_label == model.app && m.object_name == model.name)
            .find_map(|m| m.managers.iter().find(|linked| linked.name == name).copied())
    };
    model
        .managers
        .iter()
        .map(|name| {
            linked(name).unwrap_or(ManagerMeta {
                name: leak(name),
                get_queryset: unlinked_manager,
                use_in_migrations: true,
            })
        })
        .collect::<Vec<_>>()
        .leak()
}

fn unlinked_manager(qs: DynQuerySet) -> DynQuerySet {
    let model = qs.model();
    let message = format!(
        "a manager of {}.{} recorded by use_in_migrations runs Rust code this binary does not link; use the \
         app's own binary (manage shell) for it",
        model.app_label, model.object_name
    );
    qs.refused(message)
}

fn field_meta(field: &FieldState, state: &ProjectState, slots: &BTreeMap<&str, Slot>) -> FieldMeta {
    let mut kind = field.field_kind();
    let relation = field.relation.as_ref().and_then(|r| {
        let Some(target) = slots.get(r.to.as_str()) else {
            // A key to a model the files do not have: keep it as a plain column.
            kind = crate::state::kind_from_name(&r.to_kind).unwrap_or(FieldKind::BigIntegerField);
            return None;
        };
        let target_model = state.models.get(&r.to)?;
        let to_field =
            target_model.fields.iter().find(|f| f.column == r.to_column && !f.primary_key).map(|f| leak(&f.name));
        Some(RelationMeta {
            one_to_one: r.one_to_one,
            target: ModelRef::Runtime(target),
            on_delete: on_delete(&r.on_delete),
            related_name: r.related_name.as_deref().map(leak),
            related_query_name: r.related_query_name.as_deref().map(leak),
            to_field,
        })
    });
    FieldMeta {
        name: leak(&field.name),
        column: leak(&field.column),
        kind,
        null: field.null,
        blank: field.null,
        primary_key: field.primary_key,
        unique: field.unique,
        db_index: field.db_index,
        max_length: field.max_length,
        max_digits: field.max_digits,
        decimal_places: field.decimal_places,
        choices: &[],
        verbose_name: leak(field.verbose_name.as_deref().unwrap_or(&field.name.replace('_', " "))),
        help_text: leak(field.help_text.as_deref().unwrap_or_default()),
        default: field.default.as_ref().map(|d| match d {
            djorm_core::schema::state::Literal::Callable { callable } => match FieldDefault::known_callable(callable) {
                Some(make) => FieldDefault::Callable { make, name: leak(callable) },
                None => FieldDefault::Constant(Box::leak(Box::new(djorm_sql::Value::Null))),
            },
            literal => FieldDefault::Constant(Box::leak(Box::new(literal.to_value()))),
        }),
        auto_now: false,
        auto_now_add: false,
        editable: true,
        relation,
    }
}

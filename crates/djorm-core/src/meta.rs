//! What `#[derive(Model)]` tells the runtime about a model: Django's `_meta`.

use std::any::Any;

use djorm_sql::{Value, ValueKind};

use crate::{Error, Fetched, FieldKind, GroupIndex, Related, Result, RowReader, Q};

/// One concrete field (one column).
#[derive(Debug)]
pub struct FieldMeta {
    /// The Rust field name, also Django's field name.
    pub name: &'static str,
    /// The column name (`db_column`, or the field name).
    pub column: &'static str,
    /// The Django field class.
    pub kind: FieldKind,
    /// `null=True`: the column accepts NULL (the Rust type is `Option<T>`).
    pub null: bool,
    /// `blank=True`: validation accepts an empty value.
    pub blank: bool,
    /// The primary key.
    pub primary_key: bool,
    /// `unique=True`.
    pub unique: bool,
    /// `db_index=True`.
    pub db_index: bool,
    /// `max_length` for text fields.
    pub max_length: Option<u32>,
    /// `max_digits` for decimals.
    pub max_digits: Option<u32>,
    /// `decimal_places` for decimals.
    pub decimal_places: Option<u32>,
    /// `(value, label)` pairs when the field has choices.
    pub choices: &'static [(&'static str, &'static str)],
    /// Human-readable name.
    pub verbose_name: &'static str,
    /// Help text for forms and admin-like tools.
    pub help_text: &'static str,
    /// The default value, when the field has one.
    pub default: Option<FieldDefault>,
    /// Set to now on every save.
    pub auto_now: bool,
    /// Set to now when first saved.
    pub auto_now_add: bool,
    /// False when forms and validation should skip the field.
    pub editable: bool,
    /// For a ForeignKey or OneToOneField: where it points and what deleting the target does.
    pub relation: Option<RelationMeta>,
}

impl FieldMeta {
    /// Django's attname: `author_id` for the key `author`, the name itself for any other
    /// field. `values()` names its keys so, and a path may end on it (`author_id=3`).
    pub fn attname(&self) -> std::borrow::Cow<'static, str> {
        match self.relation {
            Some(_) => format!("{}_id", self.name).into(),
            None => self.name.into(),
        }
    }

    /// What a column of this field decodes into (a key takes its target's key type).
    pub fn value_kind(&self) -> ValueKind {
        match &self.relation {
            Some(rel) => rel.target_field().value_kind(),
            None => self.kind.value_kind(),
        }
    }
}

/// What happens to rows pointing at a deleted row (Django's `on_delete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// Delete them too.
    Cascade,
    /// Refuse the delete with `ProtectedError`.
    Protect,
    /// Refuse with `RestrictedError`, unless they are deleted through a CASCADE too.
    Restrict,
    /// Set the key to NULL.
    SetNull,
    /// Set the key to the field's default.
    SetDefault,
    /// Leave them; the database constraint decides.
    DoNothing,
}

/// A field's default: computed per object (the derive's `default = expr`), or a constant
/// (models rebuilt from migration files, whose defaults are literals).
#[derive(Debug, Clone, Copy)]
pub enum FieldDefault {
    /// Called for every new object; the same value every time (`default = 0`).
    Call(fn() -> Value),
    /// The same value every time.
    Constant(&'static Value),
    /// A default written as a call (`default = Utc::now()`): when its value changes from one
    /// call to the next it is recorded in migrations by its name, as Django records
    /// `default=timezone.now`, so makemigrations sees no change; a call that always gives the
    /// same value (`Decimal::new(0, 0)`) is recorded by its value.
    Callable {
        /// Makes the value for a new object.
        make: fn() -> Value,
        /// The call as written (`Utc::now()`).
        name: &'static str,
    },
}

impl FieldDefault {
    /// The default value for a new object.
    pub fn value(self) -> Value {
        match self {
            FieldDefault::Call(make) | FieldDefault::Callable { make, .. } => make(),
            FieldDefault::Constant(value) => value.clone(),
        }
    }

    /// A callable default a migration file names, when djorm knows it (the current time, a
    /// new UUID): what `migrate` calls to fill existing rows.
    pub fn known_callable(name: &str) -> Option<fn() -> Value> {
        let name = name.trim_start_matches("::");
        Some(match name.rsplit("::").take(2).collect::<Vec<_>>().as_slice() {
            ["now()", "Utc"] => || Value::DateTime(chrono::Utc::now()),
            ["new_v4()", "Uuid"] => || Value::Uuid(uuid::Uuid::new_v4()),
            _ => return None,
        })
    }
}

/// Where a relation points: a model's metadata, found when first needed (models refer to each
/// other in cycles, so neither side can hold the other directly).
#[derive(Clone, Copy)]
pub enum ModelRef {
    /// A compiled model: its `Model::meta` function.
    Static(fn() -> &'static ModelMeta),
    /// A model built at run time (from migration files), filled in once every model exists.
    Runtime(&'static std::sync::OnceLock<&'static ModelMeta>),
}

impl ModelRef {
    /// The model.
    ///
    /// # Panics
    /// When a run-time model's slot was never filled: the builder fills every slot before it
    /// hands any model out, so this is a bug in that builder, not a user error.
    pub fn get(self) -> &'static ModelMeta {
        match self {
            ModelRef::Static(meta) => meta(),
            ModelRef::Runtime(slot) => slot.get().expect("run-time model slots are filled before use"),
        }
    }
}

impl std::fmt::Debug for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelRef::Static(meta) => write!(f, "{}", meta().label()),
            ModelRef::Runtime(slot) => match slot.get() {
                Some(meta) => write!(f, "{}", meta.label()),
                None => f.write_str("<unset>"),
            },
        }
    }
}

/// A ForeignKey or OneToOneField's target and behaviour.
#[derive(Debug)]
pub struct RelationMeta {
    /// True for OneToOneField (unique key, single-object reverse side).
    pub one_to_one: bool,
    /// The target model.
    pub target: ModelRef,
    /// `on_delete`.
    pub on_delete: OnDelete,
    /// The reverse accessor's name (default `<model>_set`, or `<model>` for one-to-one).
    pub related_name: Option<&'static str>,
    /// The name used in reverse lookups (default: related_name, else the model name).
    pub related_query_name: Option<&'static str>,
    /// The target field the key holds (default: its primary key).
    pub to_field: Option<&'static str>,
}

impl RelationMeta {
    /// The target field the key refers to.
    pub fn target_field(&self) -> &'static FieldMeta {
        let target = self.target.get();
        self.to_field.and_then(|f| target.field(f)).unwrap_or_else(|| target.pk())
    }
}

/// A ManyToManyField.
#[derive(Debug)]
pub struct ManyToManyMeta {
    /// The field name.
    pub name: &'static str,
    /// The target model.
    pub target: ModelRef,
    /// The reverse accessor's name (default `<model>_set`).
    pub related_name: Option<&'static str>,
    /// The name used in reverse lookups.
    pub related_query_name: Option<&'static str>,
    /// An explicit intermediate model (`through`).
    pub through: Option<ModelRef>,
    /// The join table's name, when not Django's `<app>_<model>_<field>`.
    pub db_table: Option<&'static str>,
    /// For a relation to the same model: adding A→B also adds B→A (Django's default).
    pub symmetrical: bool,
}

/// Some model's instances in groups, a `Vec<Vec<M>>` with its type erased (see
/// [`ModelVTable::decode_groups`]).
pub type ErasedVec = Box<dyn Any + Send + Sync>;

/// One related object, shared and its type erased (what a forward key or a reverse one-to-one
/// receives).
pub type SharedObject = std::sync::Arc<dyn Any + Send + Sync>;

/// Functions to handle instances of a model without knowing its Rust type, for related
/// objects (select_related, prefetch_related).
#[derive(Debug, Clone, Copy)]
pub struct ModelVTable {
    /// Decodes one instance from the next columns of a row, shared (a related object goes
    /// straight into its `ForeignKey`'s `Arc` without a second allocation).
    pub decode: fn(&mut RowReader<'_>) -> Result<std::sync::Arc<dyn Any + Send + Sync>>,
    /// Decodes a whole result of instances straight into one `Vec` of the model per group of
    /// the [`GroupIndex`] (prefetch_related's children, one group per parent key: no
    /// allocation per object and no second pass). Each row goes to the group its value of
    /// column `link` has there, or is dropped when no parent has that key. The objects
    /// remember the database alias given.
    pub decode_groups: fn(Fetched, &'static str, usize, &GroupIndex) -> Result<ErasedVec>,
    /// The elements of such groups, for loading their own relations.
    pub elements_mut: fn(&mut (dyn Any + Send + Sync)) -> Vec<&mut (dyn Any + Send + Sync)>,
    /// Each group's first object, shared, for a relation that holds one object (a reverse
    /// one-to-one); the other objects are dropped.
    pub into_singles: fn(ErasedVec) -> Vec<Option<SharedObject>>,
    /// Every concrete field's value of an instance.
    pub field_values: fn(&(dyn Any + Send + Sync)) -> Vec<Value>,
    /// One concrete field's value (by index in `fields`), without copying the others.
    pub field_value: fn(&(dyn Any + Send + Sync), usize) -> Value,
    /// Stores related objects on an instance.
    pub set_related: fn(&mut (dyn Any + Send + Sync), &str, Related) -> Result<()>,
}

/// A `Meta.indexes` entry.
#[derive(Debug)]
pub struct IndexMeta {
    /// The index name; Django's generated name when `None`.
    pub name: Option<&'static str>,
    /// Field names, `-` prefixed for descending.
    pub fields: &'static [&'static str],
}

/// A `UniqueConstraint` in `Meta.constraints`.
#[derive(Debug)]
pub struct UniqueMeta {
    /// Constraint name.
    pub name: &'static str,
    /// Field names that are unique together.
    pub fields: &'static [&'static str],
}

/// A `CheckConstraint` in `Meta.constraints`.
#[derive(Debug)]
pub struct CheckMeta {
    /// Constraint name.
    pub name: &'static str,
    /// The condition, as lookups on the model's own fields.
    pub condition: fn() -> Q,
}

/// Everything known about one model.
#[derive(Debug)]
pub struct ModelMeta {
    /// The app the model belongs to (the crate name unless overridden).
    pub app_label: &'static str,
    /// The Rust struct name (Django's `object_name`).
    pub object_name: &'static str,
    /// The table name (`<app>_<model>` unless `db_table` is set).
    pub db_table: &'static str,
    /// The concrete fields, in declaration order.
    pub fields: &'static [FieldMeta],
    /// Index of the primary key in `fields`.
    pub pk_index: usize,
    /// Default ordering, as `"field"` / `"-field"`.
    pub ordering: &'static [&'static str],
    /// Human-readable name.
    pub verbose_name: &'static str,
    /// Human-readable plural name.
    pub verbose_name_plural: &'static str,
    /// The field that names an object in reprs (`#[djorm(str = "title")]`, Django's `__str__`);
    /// `None` shows Django's default `Post object (1)`.
    pub str_field: Option<&'static str>,
    /// `Meta.indexes`.
    pub indexes: &'static [IndexMeta],
    /// Unique constraints.
    pub unique_constraints: &'static [UniqueMeta],
    /// Check constraints.
    pub check_constraints: &'static [CheckMeta],
    /// ManyToManyFields.
    pub many_to_many: &'static [ManyToManyMeta],
    /// The managers (`#[djorm(manager(...))]`); the first is the default manager, `objects`,
    /// as Django makes the first declared manager the default. None: `objects` is every row.
    pub managers: &'static [ManagerMeta],
    /// Type-erased instance handling.
    pub vtable: ModelVTable,
}

/// A manager (Django's `models.Manager` with its own `get_queryset()`): its name and what it
/// makes of the model's rows (a filter, an ordering, select_related...).
#[derive(Debug, Clone, Copy)]
pub struct ManagerMeta {
    /// Its name (`objects`, `published`): `Model::published()` in Rust, `Model.published` in
    /// the shell.
    pub name: &'static str,
    /// Django's `get_queryset()`: from every row of the model to the manager's rows.
    pub get_queryset: fn(crate::DynQuerySet) -> crate::DynQuerySet,
    /// Django's `use_in_migrations`: migration files record the manager, and models rebuilt
    /// from them (historical models) have it.
    pub use_in_migrations: bool,
}

/// Models are compared by identity: each has one static `ModelMeta`.
impl PartialEq for ModelMeta {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl ModelMeta {
    /// The default manager's rows (Django's `Model.objects`, or `_default_manager`): the
    /// first declared manager's, else every row. Reverse related managers start here too.
    pub fn default_queryset(&'static self) -> crate::DynQuerySet {
        let all = crate::DynQuerySet::new(self);
        match self.managers.first() {
            Some(manager) => (manager.get_queryset)(all),
            None => all,
        }
    }

    /// The rows of the manager called `name` (`objects` is the default manager when none
    /// has that name), or `None` when the model has no such manager.
    pub fn manager(&'static self, name: &str) -> Option<crate::DynQuerySet> {
        match self.managers.iter().find(|m| m.name == name) {
            Some(manager) => Some((manager.get_queryset)(crate::DynQuerySet::new(self))),
            None if name == "objects" => Some(self.default_queryset()),
            None => None,
        }
    }

    /// The primary key field.
    pub fn pk(&self) -> &'static FieldMeta {
        &self.fields[self.pk_index]
    }

    /// Django's lowercased model name (`"post"`).
    pub fn model_name(&self) -> String {
        self.object_name.to_lowercase()
    }

    /// `app_label.ObjectName`, as Django labels models.
    pub fn label(&self) -> String {
        format!("{}.{}", self.app_label, self.object_name)
    }

    /// The field called `name` (`"pk"` names the primary key).
    pub fn field(&self, name: &str) -> Option<&'static FieldMeta> {
        if name == "pk" {
            return Some(self.pk());
        }
        self.fields.iter().find(|f| f.name == name)
    }

    /// The key field whose attname is `name` (`author_id` names the key `author`).
    pub fn field_by_attname(&self, name: &str) -> Option<&'static FieldMeta> {
        let key = name.strip_suffix("_id")?;
        self.fields.iter().find(|f| f.relation.is_some() && f.name == key)
    }

    /// Like [`ModelMeta::field`], but a missing name is Django's `FieldError` listing the
    /// valid choices.
    pub fn field_or_error(&self, name: &str) -> Result<&'static FieldMeta> {
        self.field(name).ok_or_else(|| {
            Error::field(format!(
                "Cannot resolve keyword '{name}' into field. Choices are: {}",
                self.field_names().join(", ")
            ))
        })
    }

    /// Every name a lookup may start with (fields, many-to-many fields, reverse relations),
    /// sorted, as Django lists them in errors.
    pub fn field_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.fields.iter().map(|f| f.name.to_owned()).collect();
        names.extend(self.fields.iter().filter(|f| f.relation.is_some()).map(|f| f.attname().into_owned()));
        names.extend(self.many_to_many.iter().map(|m| m.name.to_owned()));
        names.extend(crate::relations::reverse_relations(self).iter().map(|r| r.query_name.clone()));
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The ManyToManyField called `name`.
    pub fn many_to_many_field(&self, name: &str) -> Option<&'static ManyToManyMeta> {
        self.many_to_many.iter().find(|m| m.name == name)
    }

    /// True when `self` and `other` are the same model.
    pub fn is(&self, other: &ModelMeta) -> bool {
        std::ptr::eq(self, other)
    }
}

/// A model registered at link time, so tools see every model of the binary.
#[derive(Debug)]
pub struct ModelRegistration {
    /// The model's metadata.
    pub meta: fn() -> &'static ModelMeta,
}

inventory::collect!(ModelRegistration);

static RUNTIME_MODELS: std::sync::Mutex<Vec<&'static ModelMeta>> = std::sync::Mutex::new(Vec::new());

/// Adds models built at run time (the standalone shell's, from migration files) to the
/// registry, so reverse relations and deletion see them.
///
pub fn register_runtime_models(models: &[&'static ModelMeta]) {
    RUNTIME_MODELS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(models);
    crate::relations::invalidate_reverse_index();
}

/// Every model compiled into this binary (not those built at run time), in link order.
pub fn linked_models() -> impl Iterator<Item = &'static ModelMeta> {
    inventory::iter::<ModelRegistration>().map(|r| (r.meta)())
}

/// Every model linked into this binary (and any registered at run time), in a stable order
/// (app label, then model name).
pub fn registered_models() -> Vec<&'static ModelMeta> {
    let mut models: Vec<_> = linked_models().collect();
    models.extend(RUNTIME_MODELS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().copied());
    models.sort_by_key(|m| (m.app_label, m.object_name));
    models
}

//! djorm's model layer: metadata, the query IR, lowering to SQL AST, QuerySet, and the
//! backend seam.
//!
//! Pipeline: `QuerySet<M>` (typed, lazy) → [`Query`] (model-level IR with a [`Q`] tree) →
//! [`lower`] (names resolved against [`ModelMeta`], pure) → `djorm_sql` AST → a dialect renders
//! it → a [`Backend`] runs it. Users reach all of this through the `djorm` facade crate.

mod aggregates;
mod app_methods;
mod backend;
mod data_error;
mod db;
mod deletion;
mod error;
mod expr;
mod fetched;
mod field;
mod installed_apps;
mod instance;
mod instance_state;
mod kind;
mod meta;
mod model;
mod options;
mod q;
mod query;
mod queryset;
mod raw_column;
mod registration;
mod routing;
mod row_reader;
mod row_source;
mod transaction;
mod types;
mod window;

pub mod checks;
pub mod env;
pub mod fixtures;
pub mod functions;
pub mod introspection;
pub mod lower;
pub mod naming;
pub mod query_log;
pub mod relations;
pub mod schema;
pub mod signals;
pub mod timezone;
pub mod validation;
pub mod vocabulary;

pub use aggregates::{Aggregate, AggregateSource, Annotation, Avg, Count, Max, Min, StdDev, Sum, Variance};
pub use app_methods::{
    app_method, app_method_names, install_method, AppMethod, AppMethodOutput, MethodOwner, RunAppMethod,
};
pub use backend::{Backend, MigrationLock, PoolStatus, RowStream, Rows};
pub use db::{CapturedQuery, Db, NPlusOne, NPlusOneDetector, QueryCapture};
pub use djorm_sql::{IsolationLevel, TransactionMode};
pub use error::{DatabaseErrorKind, Error, IntegrityKind, Result, ValidationError, MULTIPLE_STATEMENTS};
pub use expr::{
    Abs, Arg, Case, Cast, Coalesce, Concat, Exists, Expression, ExpressionWrapper, Extract, ExtractDay, ExtractHour,
    ExtractMinute, ExtractMonth, ExtractQuarter, ExtractSecond, ExtractWeek, ExtractWeekDay, ExtractYear, Greatest,
    Least, Length, Lower, Now, NullIf, OuterRef, RawSQL, Replace, Round, Subquery, Substr, Trim, Trunc, TruncDay,
    TruncHour, TruncMonth, TruncQuarter, TruncWeek, TruncYear, Upper, When, F,
};
pub use fetched::{Fetched, NativeRows};
pub use field::{Comparable, DateTimeType, DateType, Field, OrderBy, TextType};
pub use installed_apps::{
    install_command, install_migrations, install_post_migrate, installed_command, installed_commands,
    migration_packages, post_migrate, ManagementCommand, MigrationPackage, PostMigrate, RunCommand,
};
pub use instance::ModelExt;
pub use instance_state::InstanceState;
pub use kind::FieldKind;
pub use meta::{
    linked_models, register_runtime_models, registered_models, CheckMeta, FieldDefault, FieldMeta, IndexMeta,
    ManagerMeta, ManyToManyMeta, ModelMeta, ModelRef, ModelRegistration, ModelVTable, OnDelete, RelationMeta,
    UniqueMeta,
};
pub use model::Model;
pub use options::{parse_duration, ConnectOptions};
pub use q::{LookupPath, ParsedTail, Rhs, Q};
pub use query::Query;
pub use queryset::methods;
pub use queryset::{insert_sql, model_read_sql};
pub use queryset::{
    Annotated, Deleted, DynObject, DynQuerySet, DynRelated, GroupIndex, Prefetch, QuerySet, RowShape, ValuesRow,
};
pub use raw_column::{time_from_micros, ColumnClass, RawColumn};
pub use registration::{
    backend_for_url, backend_named, registered_backends, temporary_path, BackendRegistration, ClientCommand, ConnectFn,
    DatabaseParts, TestDatabases,
};
pub use relations::{ForeignKey, ManyToMany, OneToOne, Related, RelatedPath, Reverse, ReverseOne};
pub use routing::{Databases, Hints, PrimaryReplicaRouter, RelationEnd, Router};
pub use row_reader::RowReader;
pub use row_source::{ReadRow, RowSource};
pub use transaction::{Transaction, TransactionBuilder};
pub use types::{longest_choice, AutoId, Choices, FieldType};
pub use window::{
    CumeDist, DenseRank, FirstValue, Lag, LastValue, Lead, NthValue, Ntile, PercentRank, Rank, RowNumber, RowRange,
    ValueRange, Window,
};

/// Re-exports used by the code `#[derive(Model)]` generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::relations::{key_matches_to_field, KeyField};
    pub use inventory;

    /// A column of `model.field` would not decode: the error names the field.
    #[cold]
    pub fn in_field(e: crate::Error, model: &str, field: &str) -> crate::Error {
        match e {
            crate::Error::Decode(message) => crate::Error::Decode(format!("{model}.{field}: {message}")),
            other => other,
        }
    }

    use chrono::{DateTime, NaiveDate, NaiveTime, SubsecRound, Utc};

    /// The current time, for `auto_now` / `auto_now_add` fields.
    pub trait Now {
        /// Now, in the field's type.
        fn now() -> Self;
    }

    /// Databases keep microseconds; so does `now()`, so a saved object equals its reload.
    impl Now for DateTime<Utc> {
        fn now() -> Self {
            Utc::now().trunc_subsecs(6)
        }
    }
    impl Now for NaiveDate {
        fn now() -> Self {
            Utc::now().date_naive()
        }
    }
    impl Now for NaiveTime {
        fn now() -> Self {
            Utc::now().time().trunc_subsecs(6)
        }
    }
    impl<T: Now> Now for Option<T> {
        fn now() -> Self {
            Some(T::now())
        }
    }

    /// A field default written as a string literal (`default = "draft"`).
    pub trait DefaultFromStr {
        /// The field value for the literal.
        fn default_from_str(s: &str) -> Self;
    }

    impl DefaultFromStr for String {
        fn default_from_str(s: &str) -> Self {
            s.to_owned()
        }
    }

    impl DefaultFromStr for Option<String> {
        fn default_from_str(s: &str) -> Self {
            Some(s.to_owned())
        }
    }

    /// [`crate::ModelVTable::decode_groups`] for model `M`.
    pub fn decode_groups<M: crate::Model>(
        rows: crate::Fetched,
        db: &'static str,
        link: usize,
        groups: &crate::GroupIndex,
    ) -> crate::Result<crate::meta::ErasedVec> {
        let mut out: Vec<Vec<M>> = (0..groups.len()).map(|_| Vec::new()).collect();
        let fields = M::meta().fields.len();
        rows.read_each(db, |reader| {
            let object = M::from_row(reader)?;
            // A link among the object's own fields is read back from it, not decoded twice.
            let value = if link < fields {
                object.field_value(link)
            } else {
                reader.skip(link - fields);
                reader.read_value()?
            };
            if let Some(group) = groups.group_of(&value).and_then(|g| out.get_mut(g)) {
                group.push(object);
            }
            Ok(())
        })?;
        Ok(Box::new(out))
    }

    /// [`crate::ModelVTable::elements_mut`] for model `M`.
    pub fn elements_mut<M: crate::Model>(
        groups: &mut (dyn std::any::Any + Send + Sync),
    ) -> Vec<&mut (dyn std::any::Any + Send + Sync)> {
        match groups.downcast_mut::<Vec<Vec<M>>>() {
            Some(groups) => groups.iter_mut().flatten().map(|o| o as &mut (dyn std::any::Any + Send + Sync)).collect(),
            None => Vec::new(),
        }
    }

    /// [`crate::ModelVTable::into_singles`] for model `M`.
    pub fn into_singles<M: crate::Model>(groups: crate::meta::ErasedVec) -> Vec<Option<crate::meta::SharedObject>> {
        match groups.downcast::<Vec<Vec<M>>>() {
            Ok(groups) => groups
                .into_iter()
                .map(|g| g.into_iter().next().map(|o| std::sync::Arc::new(o) as crate::meta::SharedObject))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    fn downcast<T: Send + Sync + 'static>(
        object: std::sync::Arc<dyn std::any::Any + Send + Sync>,
    ) -> crate::Result<std::sync::Arc<T>> {
        object.downcast::<T>().map_err(|_| crate::Error::Decode("related object of another type".into()))
    }

    /// The one related object in `related`, as a shared `T` (what `ForeignKey` keeps).
    pub fn related_one<T: Send + Sync + 'static>(related: crate::Related) -> crate::Result<Option<std::sync::Arc<T>>> {
        match related {
            crate::Related::One(object) => object.map(downcast).transpose(),
            crate::Related::Many(mut objects) => objects.pop().map(downcast).transpose(),
            crate::Related::Group(..) => {
                Err(crate::Error::Decode("a relation holding one object was handed a group of them".into()))
            }
        }
    }

    /// The related objects in `related`, as a related manager keeps them.
    pub fn related_vec<T: Send + Sync + 'static>(
        related: crate::Related,
    ) -> crate::Result<crate::relations::CachedGroup<T>> {
        let objects = match related {
            crate::Related::Group(groups, index) => {
                return Ok(crate::relations::CachedGroup::shared(downcast::<Vec<Vec<T>>>(groups)?, index))
            }
            crate::Related::Many(v) => v,
            crate::Related::One(o) => o.into_iter().collect(),
        };
        let objects = objects
            .into_iter()
            .map(|object| {
                std::sync::Arc::try_unwrap(downcast::<T>(object)?)
                    .map_err(|_| crate::Error::Decode("a prefetched object was shared".into()))
            })
            .collect::<crate::Result<Vec<T>>>()?;
        Ok(crate::relations::CachedGroup::own(objects))
    }

    /// The two bounds of a `range` lookup, from a tuple or a two-element array.
    pub trait IntoBounds {
        /// The bound type.
        type Bound;
        /// `(low, high)`.
        fn into_bounds(self) -> (Self::Bound, Self::Bound);
    }

    impl<T> IntoBounds for (T, T) {
        type Bound = T;
        fn into_bounds(self) -> (T, T) {
            self
        }
    }

    impl<T> IntoBounds for [T; 2] {
        type Bound = T;
        fn into_bounds(self) -> (T, T) {
            let [low, high] = self;
            (low, high)
        }
    }
}

//! # djorm — Django's model layer for Rust
//!
//! Declare models with `#[derive(Model)]`, query them with Django's QuerySet API, lookups,
//! `Q` and `F`, on SQLite (bundled, the default: nothing to install) or PostgreSQL.
//!
//! ```no_run
//! use djorm::prelude::*;
//!
//! #[derive(Model, Debug, Clone)]
//! #[djorm(app = "blog", ordering = ["name"])]
//! pub struct Author {
//!     pub id: AutoId,
//!     #[djorm(max_length = 100)]
//!     pub name: String,
//!     #[djorm(email, unique)]
//!     pub email: String,
//! }
//!
//! # async fn run() -> djorm::Result<()> {
//! let db = djorm::connect_from_env().await?; // DATABASE_URL, DB_*, or ./db.sqlite3
//! db.create_tables(&[Author::meta()]).await?;
//! let jane = Author::objects()
//!     .create(&db, Author { name: "Jane Doe".into(), email: "jane@example.com".into(), ..Default::default() })
//!     .await?;
//! let does = Author::objects().filter(q!(Author, name__icontains = "doe")).all(&db).await?;
//! # Ok(()) }
//! ```
//!
//! ## Where Django's parts are
//!
//! | Django | djorm |
//! |---|---|
//! | `models.Model`, fields, `Meta` | [`Model`] (the derive), [`AutoId`], [`ForeignKey`], [`OneToOne`], [`ManyToMany`], [`Reverse`], [`ReverseOne`], [`Choices`] |
//! | `Model.objects`, `QuerySet` | `Model::objects()`, [`QuerySet`] (every method has an example) |
//! | `Q`, `F`, lookups | [`q!`], [`Q`], [`F`]; custom lookups: [`register_lookup!`] |
//! | aggregates, expressions, functions | [`Count`], [`Sum`], [`Avg`], [`Max`], [`Min`], [`Case`], [`When`], [`functions`] |
//! | `transaction.atomic` | [`Db::atomic`], [`Db::transaction`] |
//! | `DATABASES`, routers | [`connect_from_env`], [`databases_from_env`], [`PrimaryReplicaRouter`], [`Router`] |
//! | signals | [`signals`] |
//! | `ValidationError`, `DoesNotExist`, `IntegrityError`, ... | [`Error`] |
//! | `TestCase` databases | [`testing`] |
//! | time zones (`USE_TZ`, `timezone.override`) | [`timezone`] |
//!
//! The guide (`docs/guide/` in the repository) walks through them on a blog, Django's spelling
//! first; `docs/django-to-djorm.md` lists every part of Django's model layer.
//!
//! The layers (see ARCHITECTURE.md): `QuerySet` → query IR → lowering → SQL AST → dialect →
//! backend. This crate is the facade: it re-exports the public API of `djorm-core`, the
//! derive macros, and the backends selected by cargo features (`sqlite`, `postgres`).

mod config;
pub mod testing;

pub use config::{connect, connect_from_env, databases_from_env, DatabaseConfig};

// What a model author declares with.
pub use djorm_core::{
    checks, fixtures, longest_choice, naming, register_function, register_lookup, register_transform, relations,
    schema, signals, validation, vocabulary, AutoId, CheckMeta, Choices, Comparable, DateTimeType, DateType, Field,
    FieldDefault, FieldKind, FieldMeta, FieldType, ForeignKey, IndexMeta, InstanceState, ManagerMeta, ManyToMany,
    ManyToManyMeta, Model, ModelExt, ModelMeta, ModelRef, OnDelete, OneToOne, Related, RelatedPath, RelationMeta,
    Reverse, ReverseOne, TextType, UniqueMeta, ValidationError,
};
// Several databases and the routers between them.
pub use djorm_core::{Databases, Hints, PoolStatus, PrimaryReplicaRouter, RelationEnd, Router};
// What a query writer queries with.
pub use djorm_core::{
    introspection, methods, Aggregate, AggregateSource, Annotated, Annotation, Avg, CapturedQuery, ConnectOptions,
    Count, DatabaseErrorKind, Db, Deleted, DynObject, DynQuerySet, DynRelated, Error, Expression, IntegrityKind,
    IsolationLevel, Max, Min, NPlusOne, NPlusOneDetector, OrderBy, Prefetch, QueryCapture, QuerySet, Result, Rhs,
    RowShape, StdDev, Sum, Transaction, TransactionBuilder, ValuesRow, Variance, F, Q,
};
// Django's expressions (`django.db.models`); its functions are in [`functions`].
pub use djorm_core::{
    Arg, Case, Exists, ExpressionWrapper, OuterRef, RawSQL, RowRange, Subquery, ValueRange, When, Window,
};

/// Django's database functions (`django.db.models.functions`); the common ones are in the
/// [`prelude`] too, and more register through [`register_function!`].
pub mod functions {
    pub use djorm_core::functions::*;
    pub use djorm_core::{
        Abs, Cast, Coalesce, Concat, Extract, ExtractDay, ExtractHour, ExtractMinute, ExtractMonth, ExtractQuarter,
        ExtractSecond, ExtractWeek, ExtractWeekDay, ExtractYear, Greatest, Least, Length, Lower, Now, NullIf, Replace,
        Round, Substr, Trim, Trunc, TruncDay, TruncHour, TruncMonth, TruncQuarter, TruncWeek, TruncYear, Upper,
    };
    pub use djorm_core::{
        CumeDist, DenseRank, FirstValue, Lag, LastValue, Lead, NthValue, Ntile, PercentRank, Rank, RowNumber,
    };
}

pub use djorm_core::timezone;
pub use djorm_macros::{q, Choices, Model};
pub use djorm_sql as sql;
pub use djorm_sql::{Nulls, Value, ValueKind};

#[cfg(feature = "mysql")]
pub use djorm_mysql as mysql;
#[cfg(feature = "postgres")]
pub use djorm_postgres as postgres;
#[cfg(feature = "sqlite")]
pub use djorm_sqlite as sqlite;

/// The types most code needs: `use djorm::prelude::*;`.
pub mod prelude {
    pub use crate::functions::{
        Abs, Cast, Coalesce, Concat, Greatest, Least, Length, Lower, Now, NullIf, Replace, Round, Substr, Trim, Upper,
    };
    pub use crate::{
        q, AutoId, Avg, Case, Choices, Count, Db, Error, Expression, ForeignKey, InstanceState, ManyToMany, Max, Min,
        Model, ModelExt, OneToOne, OrderBy, Prefetch, QuerySet, Result, Reverse, ReverseOne, StdDev, Sum, Value,
        Variance, When, F, Q,
    };
    pub use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};
    pub use rust_decimal::Decimal;
    /// A JSON document, the type of a `JSONField`.
    pub use serde_json::Value as JsonValue;
    pub use uuid::Uuid;
}

/// What a backend implementor needs: the [`Backend`](backend::Backend) trait and its row
/// types, the registration that makes `connect(url)` find a backend, and the settings a backend
/// honours. A backend lives in a crate of its own and depends on this facade only.
pub mod backend {
    pub use async_trait::async_trait;
    pub use djorm_core::{
        backend_for_url, backend_named, register_backend, registered_backends, temporary_path, Backend,
        BackendRegistration, ClientCommand, ColumnClass, ConnectFn, ConnectOptions, DatabaseErrorKind, DatabaseParts,
        Fetched, MigrationLock, NativeRows, PoolStatus, RawColumn, RowReader, RowStream, Rows, TestDatabases,
    };
    pub use djorm_sql::{Dialect, Features, IsolationLevel, TransactionMode};
    /// A boxed future, the shape of a registration's `connect`.
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

/// The models this program knows, as Django's app registry (`apps.get_models()`) knows them:
/// those derived in linked crates and those a tool registers at run time (the shell registers
/// the models a project's migrations describe).
pub mod apps {
    pub use djorm_core::{
        app_method, app_method_names, install_command, install_method, install_migrations, install_post_migrate,
        installed_command, installed_commands, linked_models, migration_packages, post_migrate,
        register_runtime_models, registered_models, AppMethod, AppMethodOutput, ManagementCommand, MethodOwner,
        MigrationPackage, ModelRegistration, PostMigrate, RunAppMethod, RunCommand,
    };
}

/// The query IR and its lowering, for tools that build or inspect queries below the QuerySet
/// (the shell, SQL snapshot tests): what `QuerySet::query()` returns.
pub mod query {
    pub use djorm_core::lower;
    pub use djorm_core::{insert_sql, model_read_sql, LookupPath, ParsedTail, Query};
}

/// Re-exports used by generated code and the test macros. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use djorm_core::__private::*;
    pub use djorm_core::ModelVTable;
    pub use tokio;
}

#[doc(hidden)]
pub use djorm_core::__comparable;

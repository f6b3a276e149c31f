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
//! The layers (see ARCHITECTURE.md): `QuerySet` → query IR → lowering → SQL AST → dialect →
//! backend. This crate is the facade: it re-exports the public API of `djorm-core`, the
//! derive macros, and the backends selected by cargo features (`sqlite`, `postgres`).

mod config;
pub mod testing;

pub use config::{connect, connect_from_env, DatabaseConfig};
pub use djorm_core::{
    backend_for_url, backend_named, registered_backends, BackendRegistration, ClientCommand, DatabaseErrorKind,
    DatabaseParts, TestDatabases,
};
pub use djorm_core::{
    introspection, longest_choice, lower, methods, naming, register_function, register_lookup, register_runtime_models,
    register_transform, registered_models, relations, schema, signals, validation, vocabulary, Aggregate, Annotated,
    Annotation, AutoId, Avg, Backend, CapturedQuery, CheckMeta, Choices, ColumnClass, Comparable, ConnectOptions,
    Count, DateTimeType, DateType, Db, Deleted, DynObject, DynQuerySet, DynRelated, Error, Expression, Fetched, Field,
    FieldDefault, FieldKind, FieldMeta, FieldType, ForeignKey, IndexMeta, IntegrityKind, IsolationLevel, LookupPath,
    ManyToMany, ManyToManyMeta, Max, Min, Model, ModelExt, ModelMeta, ModelRef, ModelRegistration, ModelVTable,
    NPlusOne, NPlusOneDetector, NativeRows, OnDelete, OneToOne, OrderBy, ParsedTail, Prefetch, Query, QueryCapture,
    QuerySet, RawColumn, Related, RelatedPath, RelationMeta, Result, Reverse, ReverseOne, Rhs, RowReader, RowShape,
    Rows, StdDev, Sum, TextType, UniqueMeta, ValidationError, ValuesRow, Variance, F, Q,
};
pub use djorm_core::{
    Abs, Arg, Case, Cast, Coalesce, Concat, Exists, Extract, ExtractDay, ExtractHour, ExtractMinute, ExtractMonth,
    ExtractQuarter, ExtractSecond, ExtractWeek, ExtractWeekDay, ExtractYear, Greatest, Least, Length, Lower, Now,
    NullIf, OuterRef, RawSQL, Replace, Round, Subquery, Substr, Transaction, TransactionBuilder, Trim, Trunc, TruncDay,
    TruncHour, TruncMonth, TruncQuarter, TruncWeek, TruncYear, Upper, When,
};
pub use djorm_macros::{q, Choices, Model};
pub use djorm_sql as sql;
pub use djorm_sql::{Nulls, Value, ValueKind};

#[cfg(feature = "postgres")]
pub use djorm_postgres as postgres;
#[cfg(feature = "sqlite")]
pub use djorm_sqlite as sqlite;

/// The types most code needs: `use djorm::prelude::*;`.
pub mod prelude {
    pub use crate::{
        q, Abs, AutoId, Avg, Case, Cast, Choices, Coalesce, Concat, Count, Db, Error, Expression, ForeignKey, Greatest,
        Least, Length, Lower, ManyToMany, Max, Min, Model, ModelExt, Now, NullIf, OneToOne, OrderBy, Prefetch,
        QuerySet, Replace, Result, Reverse, ReverseOne, Round, StdDev, Substr, Sum, Trim, Upper, Value, Variance, When,
        F, Q,
    };
    pub use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
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
        Fetched, MigrationLock, NativeRows, RawColumn, RowStream, Rows, TestDatabases,
    };
    pub use djorm_sql::{Dialect, Features, IsolationLevel, TransactionMode};
    /// A boxed future, the shape of a registration's `connect`.
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

/// Re-exports used by generated code and the test macros. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use djorm_core::__private::*;
    pub use tokio;
}

#[doc(hidden)]
pub use djorm_core::__comparable;

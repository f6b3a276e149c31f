//! djorm's model layer: metadata, the query IR, lowering to SQL AST, QuerySet, and the
//! backend seam.
//!
//! Pipeline: `QuerySet<M>` (typed, lazy) → [`Query`] (model-level IR with a [`Q`] tree) →
//! [`lower`] (names resolved against [`ModelMeta`], pure) → `djorm_sql` AST → a dialect renders
//! it → a [`Backend`] runs it. Users reach all of this through the `djorm` facade crate.

mod backend;
mod db;
mod error;
mod expr;
mod field;
mod instance;
mod kind;
mod meta;
mod model;
mod q;
mod query;
mod queryset;
mod types;

pub mod lower;
pub mod naming;
pub mod schema;
pub mod validation;

pub use backend::{Backend, RowStream, Rows};
pub use db::{CapturedQuery, Db, QueryCapture};
pub use error::{Error, IntegrityKind, Result, ValidationError};
pub use expr::{Expression, F};
pub use field::{Comparable, DateTimeType, DateType, Field, OrderBy, TextType};
pub use instance::ModelExt;
pub use kind::FieldKind;
pub use meta::{registered_models, CheckMeta, FieldMeta, IndexMeta, ModelMeta, ModelRegistration, UniqueMeta};
pub use model::{Model, RowReader};
pub use q::{Rhs, Q};
pub use query::Query;
pub use queryset::{Deleted, QuerySet, ValuesRow};
pub use types::{longest_choice, AutoId, Choices, FieldType};

/// Re-exports used by the code `#[derive(Model)]` generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use inventory;
}

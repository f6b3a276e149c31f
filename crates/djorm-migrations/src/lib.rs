//! Migrations: Django's `makemigrations` / `migrate`, with migration files as data.
//!
//! Where migrations come from is kept apart from how they run, as in Django:
//! `ProjectState` (models as data) → [`autodetector`] (diff two states into operations) →
//! [`writer`] (one TOML file per migration); and [`loader`] (read the files, order them by
//! dependencies, detect conflicts) → [`executor`] (plan, apply or unapply through the
//! [`editor`], one transaction per migration, under a lock) → [`recorder`] (the
//! `djorm_migrations` table). [`linter`] flags operations that are unsafe in production.

pub mod autodetector;
pub mod editor;
mod error;
pub mod executor;
pub mod linter;
pub mod loader;
mod operations;
pub mod recorder;
pub mod runtime;
pub mod writer;

pub use djorm_core::schema::state;
pub use error::{MigrationError, Result};
pub use operations::{replay, Migration, Operation};
pub use state::{
    CheckState, FieldState, IndexState, Literal, ManyToManyState, ModelState, ProjectState, RelationState,
};

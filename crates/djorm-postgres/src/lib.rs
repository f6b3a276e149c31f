//! The PostgreSQL backend of djorm: tokio-postgres connections in a deadpool-postgres pool,
//! with statements prepared once per connection.
//!
//! Files mirror every djorm backend: `backend` (pool and I/O), `dialect` (SQL spelling and
//! features), `types` (values in and out), `error` (SQLSTATE to djorm error kinds).

mod backend;
pub mod creation;
mod dialect;
mod error;
mod introspection;
mod native_rows;
mod types;

pub use backend::PgBackend;
pub use dialect::{PostgresDialect, FEATURES};

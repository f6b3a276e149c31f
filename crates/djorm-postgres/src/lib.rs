//! The PostgreSQL backend of djorm: tokio-postgres connections in a deadpool pool, with
//! statements prepared once per connection.
//!
//! Files mirror every djorm backend: `backend` (pool and I/O), `dialect` (SQL spelling and
//! features), `types` (values in and out), `error` (SQLSTATE to djorm error kinds), plus
//! `manager` (opening pooled connections), `guard` (what happens to a connection when a call
//! ends early), `cursor` (`iterator()`) and `migration_lock`.

mod backend;
mod backup;
mod cancel;
pub mod creation;
mod cursor;
mod cursor_rows;
mod dialect;
mod error;
mod guard;
mod introspection;
mod manager;
mod migration_lock;
mod native_rows;
mod reaper;
mod registration;
pub mod replication;
mod tls;
mod types;
mod watchdog;

pub use backend::PgBackend;
pub use dialect::{PostgresDialect, FEATURES};
pub use tls::{RootCerts, SslMode, TlsOptions};

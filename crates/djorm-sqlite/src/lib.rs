//! The SQLite backend of djorm: rusqlite with its bundled SQLite (nothing to install), each
//! call run on tokio's blocking pool so the async runtime never blocks.
//!
//! Files mirror every djorm backend: `backend` (connections and I/O), `dialect` (SQL spelling
//! and features), `types` (values in and out), `error` (SQLite codes to djorm error kinds),
//! plus `connection` (bounded calls on one connection), `functions` (the SQL functions Django
//! adds to SQLite), `writer` (the queued write lock),
//! `statements` (one statement at a time) and `migration_lock`.

mod backend;
mod connection;
mod dialect;
mod error;
mod functions;
mod inline;
mod introspection;
mod migration_lock;
mod packed_rows;
mod registration;
mod statements;
mod time_zones;
mod types;
mod writer;

pub use backend::SqliteBackend;
pub use dialect::{SqliteDialect, FEATURES};
pub use registration::path_of;

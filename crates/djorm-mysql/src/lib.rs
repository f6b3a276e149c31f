//! The MySQL and MariaDB backend of djorm, on mysql_async, registered for `mysql://` and
//! `mariadb://` URLs. It is built on djorm's backend seam only: no other djorm crate knows it.
//!
//! Supported: MariaDB 10.5 and later (Django 5.2's minimum), whose `INSERT ... RETURNING`
//! hands back generated keys. MySQL 8.0 connects, but djorm learns generated keys through
//! `RETURNING` only, so inserting into a table with an automatic key is refused there until
//! `LAST_INSERT_ID` is wired in.
//!
//! Files mirror every djorm backend: `backend` (connections and I/O), `dialect` (SQL spelling
//! and features), `types` (values in and out), `error` (server codes to djorm error kinds),
//! `backup` (`dbbackup` through mariadb-dump), `creation` (databases for tests), `introspection` (`inspectdb`), `registration` (URLs, settings, `dbshell`), plus
//! `session` (what each connection is set up with) and `migration_lock`.

mod backend;
mod backup;
mod creation;
mod dialect;
mod error;
mod introspection;
mod migration_lock;
mod registration;
mod session;
mod types;

pub use backend::MySqlBackend;
pub use dialect::{MariaDbDialect, FEATURES};
pub use session::SQL_MODE;

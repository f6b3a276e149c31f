//! The migration lock: MariaDB's named lock (`GET_LOCK`), held by a connection of its own and
//! waited for within `migration_lock_timeout`. Closing that connection releases it, so a
//! `migrate` that dies lets the next one run.

use djorm_core::{Error, MigrationLock, Result};
use mysql_async::prelude::Queryable;
use mysql_async::Conn;

use crate::backend::MySqlBackend;
use crate::error::map_error;

/// The lock's name, the same for every process migrating this server's databases.
const NAME: &str = "djorm_migrate";

/// The connection that holds the lock; dropping it releases the lock and closes it.
struct Held(Option<Conn>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(mut conn) = self.0.take() {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = conn.query_drop(format!("DO RELEASE_LOCK('{NAME}')")).await;
                    let _ = conn.disconnect().await;
                });
            }
        }
    }
}

pub(crate) async fn acquire(backend: &MySqlBackend) -> Result<MigrationLock> {
    let mut conn = backend.checkout().await?;
    let bound = backend.options().migration_lock_timeout;
    let ask = bound + backend.options().connect_timeout.max(std::time::Duration::from_secs(1));
    let got: Option<Option<i64>> =
        tokio::time::timeout(ask, conn.exec_first("SELECT GET_LOCK(?, ?)", (NAME, bound.as_secs_f64())))
            .await
            .map_err(|_| Error::Timeout {
                what: "asking for the migration lock: the server did not answer".into(),
                after: ask,
            })?
            .map_err(map_error)?;
    match got.flatten() {
        Some(1) => Ok(MigrationLock(Box::new(Held(Some(conn))))),
        _ => {
            let holder: Option<Option<i64>> =
                conn.exec_first("SELECT IS_USED_LOCK(?)", (NAME,)).await.map_err(map_error)?;
            let what = match holder.flatten() {
                Some(id) => format!(
                    "waiting for the migration lock: MariaDB connection {id} holds it. Wait for that migrate \
                     to finish, or end it with KILL {id}"
                ),
                None => "waiting for the migration lock: another migrate held it (it released it just now, try again)"
                    .into(),
            };
            Err(Error::Timeout { what, after: bound })
        }
    }
}

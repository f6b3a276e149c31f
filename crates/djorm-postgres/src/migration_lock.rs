//! The migration lock: a session advisory lock, waited for within `migration_lock_timeout`;
//! when the wait runs out, the error says which process holds it.

use std::time::{Duration, Instant};

use djorm_core::{Error, MigrationLock, Result};

use crate::backend::PgBackend;
use crate::error::map_error;
use crate::manager::Object;

/// The advisory lock's key (any constant shared by every djorm process).
const KEY: i64 = 7226224758049793645;

/// How often a waiting `migrate` asks for the lock again.
const POLL: Duration = Duration::from_millis(200);

/// Wraps the connection holding the session lock; dropping it closes the connection (rather
/// than returning it to the pool), which releases the lock.
struct Held(Option<Object>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(Object::take(object));
        }
    }
}

/// Takes the lock, waiting at most the backend's `migration_lock_timeout`.
pub(crate) async fn acquire(backend: &PgBackend) -> Result<MigrationLock> {
    let client = backend.pooled().await?;
    let bound = backend.options.migration_lock_timeout;
    let deadline = Instant::now() + bound;
    // Each question to the server is bounded too: a server that stops answering must not keep
    // `migrate` waiting past the lock's own bound.
    let ask = backend.options.connect_timeout.max(std::time::Duration::from_secs(1));
    let no_answer =
        || Error::Timeout { what: "asking for the migration lock: the server did not answer".into(), after: ask };
    loop {
        let row = tokio::time::timeout(ask, client.query_one("SELECT pg_try_advisory_lock($1)", &[&KEY]))
            .await
            .map_err(|_| no_answer())?
            .map_err(map_error)?;
        if row.try_get::<_, bool>(0).map_err(map_error)? {
            return Ok(MigrationLock(Box::new(Held(Some(client)))));
        }
        let now = Instant::now();
        if now >= deadline {
            let who = tokio::time::timeout(ask, holder(&client))
                .await
                .unwrap_or_else(|_| "waiting for the migration lock: another migrate holds it".into());
            return Err(Error::Timeout { what: who, after: bound });
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}

/// Who holds the lock, from the server's own tables.
async fn holder(client: &Object) -> String {
    const WHO: &str = "SELECT a.pid, COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), 'a local socket'), \
         to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', COALESCE(a.state, '') \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1";
    let (class, object) = (KEY >> 32, KEY & 0xffff_ffff);
    let found = client.query_opt(WHO, &[&class, &object]).await.ok().flatten().and_then(|row| {
        Some((
            row.try_get::<_, i32>(0).ok()?,
            row.try_get::<_, String>(1).ok()?,
            row.try_get::<_, String>(2).ok()?,
            row.try_get::<_, String>(3).ok()?,
            row.try_get::<_, String>(4).ok()?,
        ))
    });
    match found {
        Some((pid, application, from, since, state)) => format!(
            "waiting for the migration lock: PostgreSQL process {pid} holds it (application '{application}', \
             connected from {from} since {since}, {state}). Wait for that migrate to finish, or end it with \
             SELECT pg_terminate_backend({pid})"
        ),
        None => "waiting for the migration lock: another migrate holds it (it released it just now, try again)".into(),
    }
}

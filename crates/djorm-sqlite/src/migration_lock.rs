//! The migration lock: an exclusive lock on a file beside the database, waited for within
//! `migration_lock_timeout`. The holder writes its process id and start time into the file,
//! so a waiter that gives up can say who holds it.

use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use djorm_core::{Error, MigrationLock, Result};

/// How often a waiting `migrate` tries the lock again.
const POLL: Duration = Duration::from_millis(200);

/// Takes the lock on `<database>.migrate-lock`, waiting at most `bound`.
pub(crate) async fn acquire(database: &Path, bound: Duration) -> Result<MigrationLock> {
    let mut path = database.to_path_buf().into_os_string();
    path.push(".migrate-lock");
    let deadline = Instant::now() + bound;
    loop {
        let lock_path = path.clone();
        let attempt = tokio::task::spawn_blocking(move || -> Result<Option<std::fs::File>> {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&lock_path)
                .map_err(|e| Error::Connection(format!("cannot open the migration lock file: {e}")))?;
            match file.try_lock() {
                Ok(()) => {
                    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC");
                    let _ = file.set_len(0);
                    let _ = file.rewind();
                    let _ = write!(file, "process {} since {now}", std::process::id());
                    let _ = file.flush();
                    Ok(Some(file))
                }
                Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                Err(std::fs::TryLockError::Error(e)) => {
                    Err(Error::Connection(format!("cannot take the migration lock: {e}")))
                }
            }
        })
        .await
        .map_err(|e| Error::Connection(e.to_string()))??;
        if let Some(file) = attempt {
            return Ok(MigrationLock(Box::new(file)));
        }
        let now = Instant::now();
        if now >= deadline {
            let mut holder = String::new();
            if let Ok(mut file) = std::fs::File::open(&path) {
                let _ = file.read_to_string(&mut holder);
            }
            let holder = if holder.trim().is_empty() { "another process".to_owned() } else { holder.trim().to_owned() };
            return Err(Error::Timeout {
                what: format!(
                    "waiting for the migration lock on {}: {holder} holds it. Wait for that migrate to finish",
                    database.display()
                ),
                after: bound,
            });
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}

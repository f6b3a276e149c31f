//! Retiring pooled connections in the background: those older than `conn_max_age` or idle
//! longer than `idle_timeout` are closed while nobody uses them (a checkout would refuse them
//! anyway, see `PgManager::recycle`), and the pool is topped up to `min_idle` open connections.
//! The task holds the pool weakly and ends with it.

use std::time::Duration;

use crate::manager::{Lifetime, Pool};

/// Starts the task when there is anything to do.
pub(crate) fn spawn(pool: &Pool, lifetime: Lifetime, min_idle: usize) {
    let bounds = [lifetime.max_age.filter(|d| !d.is_zero()), lifetime.idle_timeout];
    let shortest = bounds.into_iter().flatten().min();
    if shortest.is_none() && min_idle == 0 {
        return;
    }
    // Often enough that a connection outlives its bound by at most half of it.
    let every =
        shortest.map_or(Duration::from_secs(5), |d| d / 2).clamp(Duration::from_millis(50), Duration::from_secs(30));
    let weak = pool.weak();
    tokio::spawn(async move {
        loop {
            let Some(pool) = weak.upgrade() else { return };
            pool.retain(|_, metrics| lifetime.keeps(&metrics));
            // Held together until the pool has enough, so each checkout past the idle ones
            // opens a connection; all go back idle at the end of the pass.
            let target = min_idle.min(pool.status().max_size);
            let mut held = Vec::with_capacity(target);
            while pool.status().size < target && held.len() < target {
                match pool.get().await {
                    Ok(connection) => held.push(connection),
                    Err(_) => break,
                }
            }
            drop(held);
            drop(pool);
            tokio::time::sleep(every).await;
        }
    });
}

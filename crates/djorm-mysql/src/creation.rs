//! Creating and dropping whole databases, for the per-test databases of the test harness
//! (Django's `creation` role).

use djorm_core::{Error, Result};
use mysql_async::prelude::Queryable;

use crate::error::map_error;

fn quoted(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

async fn admin(admin_url: &str) -> Result<mysql_async::Conn> {
    let opts = mysql_async::Opts::from_url(admin_url).map_err(|e| Error::Config(e.to_string()))?;
    let connect = mysql_async::Conn::new(opts);
    match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
        Ok(conn) => conn.map_err(map_error),
        Err(_) => Err(Error::Connection("the server did not answer within 10 s".into())),
    }
}

/// Creates the database `name` (utf8mb4, as Django's) through the server `admin_url` points at.
pub async fn create_database(admin_url: &str, name: &str) -> Result<()> {
    let mut conn = admin(admin_url).await?;
    let created = conn.query_drop(format!("CREATE DATABASE {} CHARACTER SET utf8mb4", quoted(name))).await;
    let _ = conn.disconnect().await;
    created.map_err(map_error)
}

/// Drops the database `name`.
pub async fn drop_database(admin_url: &str, name: &str) -> Result<()> {
    let mut conn = admin(admin_url).await?;
    let dropped = conn.query_drop(format!("DROP DATABASE IF EXISTS {}", quoted(name))).await;
    let _ = conn.disconnect().await;
    dropped.map_err(map_error)
}

//! Creating and dropping whole databases, for the per-test databases of the test harness
//! (Django's `creation` role).

use djorm_core::{Error, Result};
use tokio_postgres::NoTls;

use crate::error::map_error;

async fn admin_client(admin_url: &str) -> Result<tokio_postgres::Client> {
    let (config, _) = crate::tls::parse_url(admin_url)?;
    let (client, connection) = config.connect(NoTls).await.map_err(|e| Error::Connection(e.to_string()))?;
    tokio::spawn(connection);
    Ok(client)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates the database `name` through the server `admin_url` points at.
pub async fn create_database(admin_url: &str, name: &str) -> Result<()> {
    let client = admin_client(admin_url).await?;
    client.batch_execute(&format!("CREATE DATABASE {}", quoted(name))).await.map_err(map_error)
}

/// Drops the database `name`, closing any connection still open to it.
pub async fn drop_database(admin_url: &str, name: &str) -> Result<()> {
    let client = admin_client(admin_url).await?;
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quoted(name))).await.map_err(map_error)
}

/// `admin_url` with its database name replaced by `name`.
pub fn url_for_database(admin_url: &str, name: &str) -> Result<tokio_postgres::Config> {
    let (mut config, _) = crate::tls::parse_url(admin_url)?;
    config.dbname(name);
    Ok(config)
}

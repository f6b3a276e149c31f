//! Settings from the environment, or from a `.env` file in the working directory, as
//! twelve-factor applications keep them: the file is read once, and a variable set in the real
//! environment wins over the file's. Every djorm setting (`DATABASE_URL`, `DATABASE_URL_<ALIAS>`,
//! `DB_*`, `DJORM_*`, `TIME_ZONE`) is read through here.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::{Error, Result};

static DOTENV: OnceLock<std::result::Result<BTreeMap<String, String>, String>> = OnceLock::new();

fn dotenv() -> &'static std::result::Result<BTreeMap<String, String>, String> {
    DOTENV.get_or_init(|| {
        let path = std::path::Path::new(".env");
        if !path.exists() {
            return Ok(BTreeMap::new());
        }
        let entries = dotenvy::from_path_iter(path).map_err(|e| format!(".env: {e}"))?;
        entries.map(|entry| entry.map_err(|e| format!(".env: {e}"))).collect()
    })
}

/// Fails when `.env` exists but cannot be read, naming the problem (never a value).
pub fn check_dotenv() -> Result<()> {
    dotenv().as_ref().map(drop).map_err(|e| Error::Config(e.clone()))
}

/// The non-empty value of `name`: the environment's, else the `.env` file's.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .or_else(|| dotenv().as_ref().ok().and_then(|file| file.get(name).cloned()))
        .filter(|v| !v.is_empty())
}

/// Every variable whose name starts with `prefix`, from both sources (the environment wins).
pub fn vars_with_prefix(prefix: &str) -> Vec<(String, String)> {
    let mut all: BTreeMap<String, String> = dotenv().clone().unwrap_or_default();
    all.extend(std::env::vars());
    all.into_iter().filter(|(name, value)| name.starts_with(prefix) && !value.is_empty()).collect()
}

//! Helpers the migration tests share: a fresh directory for migration files, and running a
//! `djorm` command against a database as the command line does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use djorm_cli::Project;

/// A new, empty directory under the system's temporary one.
pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("djorm-mig-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `djorm --dir <dir> --database <url> <args>` and returns its exit code and output.
pub async fn cmd(dir: &Path, url: &str, project: &Project, args: &[&str]) -> (ExitCode, String) {
    let mut full: Vec<String> = vec!["--dir".into(), dir.display().to_string(), "--database".into(), url.into()];
    full.extend(args.iter().map(|s| (*s).to_owned()));
    let mut out = Vec::new();
    let code = djorm_cli::run(&full, project, &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

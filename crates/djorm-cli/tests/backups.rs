//! `djorm dbbackup` and `migrate --backup-to`: a consistent copy of a live database in a new
//! file (pg_dump's custom format, restored here with pg_restore; mariadb-dump's SQL script,
//! replayed with the mariadb client; a SQLite database file, opened here), never overwriting one, and taken before `migrate` changes anything.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm_cli::Project;

#[derive(Model, Debug, Clone)]
#[djorm(app = "bk", ordering = ["id"])]
struct Entry {
    id: AutoId,
    #[djorm(max_length = 20)]
    text: String,
}

/// How many entries the backup at `file` holds, read back with the backend's own tools.
async fn entries_in(backend: &str, file: &std::path::Path) -> u64 {
    let db = match backend {
        "postgresql" => {
            let restored = TestDatabase::new(backend, &[]).await.expect("an empty database");
            let out = std::process::Command::new("pg_restore")
                .args(["--no-owner", "-d", &restored.url().expect("url")])
                .arg(file)
                .output()
                .expect("pg_restore");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            return Entry::objects().count(restored.db()).await.expect("count");
        }
        "mysql" => {
            let restored = TestDatabase::new(backend, &[]).await.expect("an empty database");
            let url = restored.url().expect("url");
            let name = url.rsplit('/').next().expect("database name");
            let script = std::fs::File::open(file).expect("the dump");
            let out = std::process::Command::new("mariadb")
                .args(["--protocol=tcp", "-h", "127.0.0.1", "-u", "root", name])
                .stdin(script)
                .output()
                .expect("mariadb");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            return Entry::objects().count(restored.db()).await.expect("count");
        }
        _ => djorm::connect(&format!("sqlite://{}", file.display())).await.expect("the backup opens"),
    };
    Entry::objects().count(&db).await.expect("count")
}

#[tokio::test]
async fn dbbackup_and_migrate_backup_to_copy_the_live_database() {
    for backend in test_backends() {
        let test_db = TestDatabase::new(backend, &[]).await.expect("db");
        let url = test_db.url().expect("url");
        let dir = temp_dir("backups");
        let project = Project { models: Some(vec![Entry::meta()]), ..Project::default() };
        assert_eq!(cmd(&dir, &url, &project, &["makemigrations"]).await.0, ExitCode::SUCCESS);
        let before = dir.join("before-migrate.backup");
        let (code, out) = cmd(&dir, &url, &project, &["migrate", "--backup-to", before.to_str().expect("path")]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert!(out.starts_with(&format!("Backed up to {}", before.display())), "{out}");
        for text in ["a", "b", "c"] {
            Entry::objects()
                .create(test_db.db(), Entry { text: text.into(), ..Default::default() })
                .await
                .expect("row");
        }

        let file = dir.join("db.backup");
        let (code, out) = cmd(&dir, &url, &project, &["dbbackup", "--output", file.to_str().expect("path")]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert_eq!(entries_in(backend, &file).await, 3, "{backend}");
        let (code, out) = cmd(&dir, &url, &project, &["dbbackup", "--output", file.to_str().expect("path")]).await;
        assert_ne!(code, ExitCode::SUCCESS);
        assert!(out.contains("already exists; a backup never overwrites"), "{out}");
        // The backup before migrate has no table yet.
        assert!(before.metadata().is_ok_and(|m| m.len() > 0), "{backend}");
    }
}

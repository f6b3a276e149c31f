//! `djorm dbstatus`: the database (never its password), that it answers, and the pool.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::testing::{test_backends, TestDatabase};
use djorm_cli::Project;

#[tokio::test]
async fn dbstatus_says_where_the_database_is_and_how_the_pool_stands() {
    for backend in test_backends() {
        let test_db = TestDatabase::new(backend, &[]).await.expect("db");
        let url = test_db.url().expect("url");
        let (code, out) = cmd(&temp_dir("dbstatus"), &url, &Project::default(), &["dbstatus"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert!(out.contains(&format!("({backend})")) && out.contains("answered: SELECT 1 in"), "{out}");
        match backend {
            "postgresql" => assert!(out.contains("pool: 1 of 16 open, 1 idle, 0 in use, 0 waiting; 1 opened"), "{out}"),
            _ => assert!(out.contains("pool: none"), "{out}"),
        }
    }
}

//! Apps are installed, not linked: the plain `djorm` binary (which installs none) has no
//! auth commands, no auth migrations and no auth models, as a Django project without
//! `django.contrib.auth` in INSTALLED_APPS has none.

use std::process::Command;

use djorm::testing::TestDatabase;

fn djorm(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_djorm")).args(args).output().expect("run djorm");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn the_plain_binary_installs_no_app() {
    let (code, help) = djorm(&["--help"]);
    assert_eq!(code, 0, "{help}");
    assert!(!help.contains("createsuperuser") && !help.contains("installed apps"), "{help}");

    let (code, said) = djorm(&["createsuperuser", "--noinput"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("Unknown command: 'createsuperuser'. Type 'djorm --help' for usage."), "{said}");

    // migrate with no migration files of the project's own creates no auth table.
    let test_db = TestDatabase::empty("sqlite").await.expect("a test database");
    let url = test_db.url().expect("url");
    let dir = std::env::temp_dir().join(format!("djorm-no-apps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (code, said) = djorm(&["--database", &url, "--dir", &dir.display().to_string(), "migrate"]);
    assert_eq!(code, 0, "{said}");
    let tables: Vec<String> = test_db.db().introspect().await.expect("catalog").into_iter().map(|t| t.name).collect();
    assert!(!tables.iter().any(|t| t.starts_with("auth_") || t == "django_content_type"), "{tables:?}");
}

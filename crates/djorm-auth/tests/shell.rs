//! Auth in the `djorm shell`, as in Django's: `User.objects.create_user(...)`,
//! `create_superuser`, `u.set_password(...)` (in memory until `save()`), `u.check_password`,
//! `u.has_perm("auth.add_user")` through a group, `u.groups.add(g)`, an inactive user and a
//! superuser, on both backends, with Django's errors.

use std::process::ExitCode;
use std::sync::Arc;

use djorm::testing::{test_backends, TestDatabase};
use djorm_auth::hashers::{PasswordHasher, PasswordHashers, Pbkdf2PasswordHasher};
use serde_json::{json, Value as Json};

/// A database migrated with the auth apps installed (their tables, content types and the
/// default permissions).
async fn auth_database(backend: &'static str) -> (TestDatabase, String) {
    djorm_auth::install();
    let test_db = TestDatabase::empty(backend).await.expect("a test database");
    let url = test_db.url().expect("url");
    let (code, out) = djorm(&url, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    (test_db, url)
}

async fn djorm(url: &str, args: &[&str]) -> (ExitCode, String) {
    let dir = std::env::temp_dir().join(format!("djorm-auth-shell-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let args: Vec<String> =
        ["--database", url, "--dir", &dir.display().to_string()].iter().chain(args).map(|s| (*s).to_owned()).collect();
    let project = djorm_cli::Project { models: Some(djorm_auth::models::all()), ..Default::default() };
    let mut out = Vec::new();
    let code = djorm_cli::run(&args, &project, &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

/// Runs one shell line (statements separated by `;`) and returns its last value as JSON.
async fn shell(url: &str, line: &str) -> Json {
    let (code, text) = djorm(url, &["shell", "--yes", "--format", "json", "-c", line]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{line}\n{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{line}: {e}\n{text}"))
}

/// Runs a shell line that must fail; returns what it said.
async fn shell_error(url: &str, line: &str) -> String {
    let (code, text) = djorm(url, &["shell", "--yes", "-c", line]).await;
    assert_ne!(code, ExitCode::SUCCESS, "{line} succeeded:\n{text}");
    text
}

const ADA: &str = r#"u = User.objects.get(username="ada")"#;

#[tokio::test]
async fn users_passwords_and_permissions_in_the_shell() {
    // PBKDF2 with 1,000 rounds keeps this debug-build test fast; the hashers have their own tests.
    djorm_auth::hashers::configure(
        PasswordHashers::new(vec![Arc::new(Pbkdf2PasswordHasher { iterations: 1000 }) as Arc<dyn PasswordHasher>])
            .expect("hashers"),
    );
    for backend in test_backends() {
        let (_db, url) = auth_database(backend).await;
        let created = shell(&url, r#"u = User.objects.create_user("ada", "ada@EXAMPLE.com", "s3cret-pass"); u"#).await;
        assert_eq!(created["username"], json!("ada"), "{backend}: {created}");
        assert_eq!(created["email"], json!("ada@example.com"), "{backend}: normalized");
        assert!(
            created["password"].as_str().is_some_and(|p| p.starts_with("pbkdf2_sha256$1000$")),
            "{backend}: hashed"
        );
        assert_eq!(created["is_staff"], json!(false), "{backend}");

        assert_eq!(shell(&url, &format!(r#"{ADA}; u.check_password("s3cret-pass")"#)).await, json!(true));
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.check_password("wrong")"#)).await, json!(false));
        assert_eq!(shell(&url, &format!("{ADA}; u.has_usable_password()")).await, json!(true));
        assert_eq!(shell(&url, &format!("{ADA}; u.get_username()")).await, json!("ada"));

        // set_password changes the object in memory; only save() writes it.
        let line = format!(r#"{ADA}; u.set_password("n3w-pass"); u.check_password("n3w-pass")"#);
        assert_eq!(shell(&url, &line).await, json!(true), "{backend}: in memory");
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.check_password("s3cret-pass")"#)).await, json!(true));
        shell(&url, &format!(r#"{ADA}; u.set_password("n3w-pass"); u.save()"#)).await;
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.check_password("n3w-pass")"#)).await, json!(true), "{backend}");
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.check_password("s3cret-pass")"#)).await, json!(false));
        let line = format!("{ADA}; u.set_unusable_password(); u.has_usable_password()");
        assert_eq!(shell(&url, &line).await, json!(false), "{backend}");

        // Permissions: none, then through a group; none for an inactive user.
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.has_perm("auth.add_user")"#)).await, json!(false));
        let grant = r#"g = Group.objects.create(name="editors"); g.permissions.add(Permission.objects.get(codename="add_user")); u = User.objects.get(username="ada"); u.groups.add(g)"#;
        shell(&url, grant).await;
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.has_perm("auth.add_user")"#)).await, json!(true), "{backend}");
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.has_perm("auth.delete_user")"#)).await, json!(false));
        let both = format!(r#"{ADA}; u.has_perms(["auth.add_user", "auth.delete_user"])"#);
        assert_eq!(shell(&url, &both).await, json!(false));
        assert_eq!(shell(&url, &format!(r#"{ADA}; u.has_module_perms("auth")"#)).await, json!(true));
        assert_eq!(shell(&url, &format!("{ADA}; u.get_all_permissions()")).await, json!(["auth.add_user"]));
        assert_eq!(shell(&url, &format!("{ADA}; u.get_group_permissions()")).await, json!(["auth.add_user"]));
        assert_eq!(shell(&url, &format!("{ADA}; u.get_user_permissions()")).await, json!([]));
        let inactive = format!(r#"{ADA}; u.is_active = False; u.has_perm("auth.add_user")"#);
        assert_eq!(shell(&url, &inactive).await, json!(false), "{backend}: inactive users have none");

        // A superuser has every permission.
        let root =
            r#"s = User.objects.create_superuser("root", "root@example.com", "pw"); s.has_perm("blog.add_post")"#;
        assert_eq!(shell(&url, root).await, json!(true), "{backend}");
        let flags = shell(&url, r#"User.objects.get_by_natural_key("root")"#).await;
        assert_eq!((&flags["is_staff"], &flags["is_superuser"]), (&json!(true), &json!(true)), "{flags}");
        let normalized = shell(&url, r#"User.objects.normalize_email("Ada@EXAMPLE.COM")"#).await;
        assert_eq!(normalized, json!("Ada@example.com"));

        // Django's errors, and nothing written by a refused call.
        let said = shell_error(&url, r#"User.objects.create_user("")"#).await;
        assert!(said.contains("The given username must be set"), "{said}");
        let said = shell_error(&url, r#"User.objects.create_superuser("boss", "b@x.com", "pw", is_staff=False)"#).await;
        assert!(said.contains("Superuser must have is_staff=True."), "{said}");
        assert_eq!(shell(&url, r#"User.objects.filter(username="boss").count()"#).await, json!(0));
        let said = shell_error(&url, &format!(r#"{ADA}; u.has_perms("auth.add_user")"#)).await;
        assert!(said.contains("perm_list must be an iterable of permissions."), "{said}");
        let said = shell_error(&url, &format!("{ADA}; u.check_password()")).await;
        assert!(said.contains("check_password() missing 1 required positional argument: 'raw_password'"), "{said}");
        assert!(!said.contains("n3w-pass"), "{said}");
    }
}

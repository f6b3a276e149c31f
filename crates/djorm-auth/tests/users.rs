//! Users, passwords and permissions on every backend, on Django's tables made by the shipped
//! migrations.

use std::sync::Arc;

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm_auth::hashers::{self, Md5PasswordHasher, PasswordHasher, PasswordHashers, Pbkdf2PasswordHasher};
use djorm_auth::permissions::{create_permissions, get_permission};
use djorm_auth::{authenticate, normalize_email, AuthUserExt, ContentType, Group, Permission, User, UserManager};

/// Fast hashers for the tests (the rounds are what makes a hash slow): PBKDF2 with 1,000
/// rounds first, legacy MD5 to verify old hashes.
fn fast_hashers() {
    hashers::configure(
        PasswordHashers::new(vec![
            Arc::new(Pbkdf2PasswordHasher { iterations: 1000 }) as Arc<dyn PasswordHasher>,
            Arc::new(Md5PasswordHasher),
        ])
        .expect("hashers"),
    );
}

/// A test database with Django's auth tables, migrated by the shipped migrations (which also
/// create every model's default permissions, as Django's post_migrate does).
async fn auth_database(backend: &'static str) -> TestDatabase {
    djorm_auth::install();
    let test_db = TestDatabase::empty(backend).await.expect("a test database");
    let url = test_db.url().expect("a url");
    let dir = tempdir();
    let project = djorm_cli::Project { models: Some(djorm_auth::models::all()), ..Default::default() };
    let args: Vec<String> = ["--database", &url, "--dir", &dir, "migrate"].iter().map(|s| (*s).to_owned()).collect();
    let mut out = Vec::new();
    let code = djorm_cli::run(&args, &project, &mut out).await;
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{}", String::from_utf8_lossy(&out));
    test_db
}

/// An empty directory: the project has no migrations of its own, only the shipped ones.
fn tempdir() -> String {
    let dir = std::env::temp_dir().join(format!("djorm-auth-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    dir.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_created_with_hashed_passwords_and_log_in() {
    fast_hashers();
    for backend in test_backends() {
        let t = auth_database(backend).await;
        let db = t.db();
        let mut alice = User::objects()
            .create_user(db, "alice", Some("Alice@EXAMPLE.com"), Some("s3cret!pw"))
            .await
            .expect("create");
        assert_eq!(alice.email, "Alice@example.com", "{backend}: the domain lower-cased");
        assert!(alice.password.starts_with("pbkdf2_sha256$1000$"), "{}", alice.password);
        assert!(!alice.password.contains("s3cret"));
        assert!(alice.check_password(db, "s3cret!pw").await.expect("check"));
        assert!(!alice.check_password(db, "wrong").await.expect("check"));
        assert!(alice.is_active() && !alice.is_staff() && !alice.is_superuser() && alice.has_usable_password());

        // authenticate: the right password, a wrong one, an unknown user, an inactive user.
        let found: Option<User> = authenticate(db, "alice", "s3cret!pw").await.expect("authenticate");
        assert_eq!(found.map(|u| u.id), Some(alice.id));
        assert!(authenticate::<User>(db, "alice", "nope").await.expect("authenticate").is_none());
        assert!(authenticate::<User>(db, "nobody", "s3cret!pw").await.expect("authenticate").is_none());
        alice.is_active = false;
        alice.save(db).await.expect("save");
        assert!(authenticate::<User>(db, "alice", "s3cret!pw").await.expect("authenticate").is_none(), "{backend}");

        // No password: unusable, in Django's form; never matches.
        let mut bob = User::objects().create_user(db, "bob", None, None).await.expect("create");
        assert!(bob.password.starts_with('!') && bob.password.len() == 41 && !bob.has_usable_password());
        assert!(!bob.check_password(db, "").await.expect("check"));
        bob.set_password("another pw");
        bob.save(db).await.expect("save");
        assert!(bob.check_password(db, "another pw").await.expect("check"));
        bob.set_unusable_password();
        assert!(!bob.has_usable_password());

        // Django's errors; nothing is written.
        let err = User::objects().create_user(db, "", None, None).await.expect_err("no username");
        assert_eq!(err.to_string(), "The given username must be set");
        let err = User::objects()
            .create_superuser_with(db, "root", None, Some("pw"), |u| u.is_staff = false)
            .await
            .expect_err("a superuser must be staff");
        assert_eq!(err.to_string(), "Superuser must have is_staff=True.");
        let err = User::objects().create_user(db, "alice", None, None).await.expect_err("taken");
        assert!(matches!(err, Error::Integrity { .. }), "{backend}: {err:?}");
        assert_eq!(User::objects().count(db).await.expect("count"), 2, "{backend}");

        let root =
            User::objects().create_superuser(db, "root", Some("root@example.com"), Some("pw")).await.expect("root");
        assert!(root.is_staff && root.is_superuser && root.is_active);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_hash_is_upgraded_on_login() {
    fast_hashers();
    for backend in test_backends() {
        let t = auth_database(backend).await;
        let db = t.db();
        let salt = hashers::random_string(22);
        let legacy = Md5PasswordHasher.encode("letmein", &salt).expect("md5");
        let fewer = Pbkdf2PasswordHasher { iterations: 500 }.encode("letmein", &salt).expect("pbkdf2");
        for (name, old) in [("legacy", legacy), ("fewer", fewer)] {
            let user = User { username: name.into(), password: old.clone(), ..Default::default() };
            let mut user = User::objects().create(db, user).await.expect("create");
            assert!(!user.check_password(db, "wrong").await.expect("check"));
            assert_eq!(user.password, old, "{backend}: a wrong password changes nothing");
            assert!(user.check_password(db, "letmein").await.expect("check"));
            let stored: Vec<String> =
                User::objects().filter(Q::new("username", name)).values_list_flat(db, "password").await.expect("read");
            assert!(stored[0].starts_with("pbkdf2_sha256$1000$"), "{backend}: {} upgraded and saved", stored[0]);
            assert!(hashers::check_password("letmein", &stored[0]));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_come_from_the_user_and_their_groups() {
    fast_hashers();
    for backend in test_backends() {
        let t = auth_database(backend).await;
        let db = t.db();
        // After migrate: four permissions per model, Django's codenames and names.
        let all: Vec<String> = Permission::objects().values_list_flat(db, "codename").await.expect("codenames");
        assert_eq!(all.len(), 16, "{backend}: {all:?}");
        for model in ["contenttype", "permission", "group", "user"] {
            for action in ["add", "change", "delete", "view"] {
                assert!(all.contains(&format!("{action}_{model}")), "{backend}: {action}_{model}");
            }
        }
        let add_user = get_permission(db, "auth.add_user").await.expect("auth.add_user");
        assert_eq!(add_user.name, "Can add user");
        assert_eq!(create_permissions(db, &djorm_auth::models::all()).await.expect("again"), 0, "nothing twice");
        assert_eq!(ContentType::objects().count(db).await.expect("count"), 4);

        let editor = User::objects().create_user(db, "editor", None, Some("pw")).await.expect("user");
        assert!(!editor.has_perm(db, "auth.add_user").await.expect("perm"), "{backend}: nothing yet");
        let staff =
            Group::objects().create(db, Group { name: "staff".into(), ..Default::default() }).await.expect("group");
        staff.permissions.add(db, [&add_user]).await.expect("grant");
        editor.groups.add(db, [&staff]).await.expect("join");
        assert!(editor.has_perm(db, "auth.add_user").await.expect("perm"), "{backend}: through the group");
        assert!(!editor.has_perm(db, "auth.delete_user").await.expect("perm"));
        let view_group = get_permission(db, "auth.view_group").await.expect("perm");
        editor.user_permissions.add(db, [&view_group]).await.expect("grant");
        assert!(editor.has_perms(db, &["auth.add_user", "auth.view_group"]).await.expect("perms"));
        assert!(
            editor.has_module_perms(db, "auth").await.expect("module")
                && !editor.has_module_perms(db, "blog").await.expect("module")
        );
        let all = editor.get_all_permissions(db).await.expect("all");
        assert_eq!(all.into_iter().collect::<Vec<_>>(), ["auth.add_user", "auth.view_group"]);
        assert_eq!(editor.get_group_permissions(db).await.expect("group").len(), 1);

        // Inactive: nothing; superuser: everything (unless inactive).
        let mut inactive = editor.clone();
        inactive.is_active = false;
        assert!(!inactive.has_perm(db, "auth.add_user").await.expect("perm"), "{backend}: inactive");
        let mut root = User::objects().create_superuser(db, "root", None, Some("pw")).await.expect("root");
        assert!(root.has_perm(db, "anything.at_all").await.expect("perm"));
        assert_eq!(root.get_all_permissions(db).await.expect("all").len(), 16);
        root.is_active = false;
        assert!(!root.has_perm(db, "auth.add_user").await.expect("perm"), "{backend}: an inactive superuser");
        // Group members through the reverse accessor Django names user_set.
        assert_eq!(staff.user_set.count(db).await.expect("members"), 1);
    }
}

#[test]
fn emails_are_normalized_as_django_does() {
    assert_eq!(normalize_email("Foo.Bar@EXAMPLE.COM"), "Foo.Bar@example.com");
    assert_eq!(normalize_email("  a@B.c  "), "a@b.c");
    assert_eq!(normalize_email("no-at-sign"), "no-at-sign");
    assert_eq!(normalize_email(""), "");
}

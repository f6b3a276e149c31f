//! djorm and real Django (pinned, installed by the test's own set-up) on the same passwords and
//! the same databases: hashes either side makes verify on the other, the schema Django's
//! `migrate` makes is the one djorm's makes, and each reads and writes the other's users.

mod common;

use common::django;
use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm_auth::hashers::{
    Argon2PasswordHasher, Md5PasswordHasher, PasswordHasher, PasswordHashers, Pbkdf2PasswordHasher,
    Pbkdf2Sha1PasswordHasher, ScryptPasswordHasher,
};
use djorm_auth::validation::{validate_password, UserAttributes};
use djorm_auth::{AuthUserExt, User};
use serde_json::{json, Value as Json};

const PASSWORD: &str = "lètmein";

/// Every hasher djorm has, by Django's algorithm name.
fn every_hasher() -> Vec<&'static str> {
    vec!["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt", "md5"]
}

#[test]
fn the_same_password_and_salt_give_djangos_encoded_string() {
    let salt = "seasaltseasaltseasalt1";
    let ours: [(&dyn PasswordHasher, &str); 5] = [
        (&Pbkdf2PasswordHasher::default(), "pbkdf2_sha256"),
        (&Pbkdf2Sha1PasswordHasher::default(), "pbkdf2_sha1"),
        (&Argon2PasswordHasher::default(), "argon2"),
        (&ScryptPasswordHasher::default(), "scrypt"),
        (&Md5PasswordHasher, "md5"),
    ];
    let ops = ours
        .iter()
        .map(|(_, name)| json!({"op": "make_password", "password": PASSWORD, "salt": salt, "hasher": name}))
        .collect();
    let theirs = django(None, None, ops);
    for ((hasher, name), expected) in ours.iter().zip(theirs) {
        assert_eq!(Json::String(hasher.encode(PASSWORD, salt).expect("encode")), expected, "{name}");
    }
}

#[test]
fn hashes_made_by_either_side_verify_on_the_other() {
    let hashers = PasswordHashers::from_names(&every_hasher().join(",")).expect("every hasher");
    // Django hashes with every hasher (its random salts); djorm verifies and refuses a wrong one.
    let ops =
        every_hasher().iter().map(|h| json!({"op": "make_password", "password": PASSWORD, "hasher": h})).collect();
    let made_by_django = django(None, None, ops);
    for (name, encoded) in every_hasher().iter().zip(&made_by_django) {
        let encoded = encoded.as_str().expect("an encoded password");
        assert!(encoded.starts_with(&format!("{name}$")), "{encoded}");
        assert!(hashers.check_password(PASSWORD, encoded), "djorm verifies Django's {name}");
        assert!(!hashers.check_password("lètmeinn", encoded), "djorm refuses a wrong password for {name}");
    }
    // djorm hashes with every hasher; Django verifies and refuses a wrong one.
    let made_by_djorm: Vec<String> = every_hasher()
        .iter()
        .map(|name| {
            let hasher = hashers.get(name).expect("listed");
            hasher.encode(PASSWORD, &hasher.salt()).expect("encode")
        })
        .collect();
    let mut ops = Vec::new();
    for encoded in &made_by_djorm {
        ops.push(json!({"op": "check_password", "password": PASSWORD, "encoded": encoded}));
        ops.push(json!({"op": "check_password", "password": "lètmeinn", "encoded": encoded}));
    }
    let answers = django(None, None, ops);
    for (i, name) in every_hasher().iter().enumerate() {
        assert_eq!(answers[2 * i], json!(true), "Django verifies djorm's {name}: {}", made_by_djorm[i]);
        assert_eq!(answers[2 * i + 1], json!(false), "Django refuses a wrong password for djorm's {name}");
    }
}

#[test]
fn password_validation_says_what_django_says() {
    let cases: Vec<(&str, Option<Json>)> = vec![
        ("short", None),
        ("password", None),
        ("12345678901", None),
        ("correct horse battery staple", None),
        ("Zz", None),
        ("alice.smith", Some(json!({"username": "alice.smith", "email": "alice@example.com"}))),
        ("alicesmith99", Some(json!({"username": "asmith", "first_name": "Alice", "last_name": "Smithers"}))),
        ("example.com!", Some(json!({"username": "bob", "email": "bob@example.com"}))),
        ("a-very-long-and-unrelated-passphrase", Some(json!({"username": "al", "email": "al@x.io"}))),
        ("１２３４５６７８９", None),
    ];
    let ops = cases.iter().map(|(pw, user)| json!({"op": "validate_password", "password": pw, "user": user})).collect();
    let theirs = django(None, None, ops);
    for ((password, user), expected) in cases.iter().zip(theirs) {
        let attributes = user.as_ref().map(|u| {
            let mut person = User::default();
            for (name, value) in u.as_object().expect("an object") {
                person.set_value(name, Value::String(value.as_str().expect("text").to_owned())).expect("a field");
            }
            UserAttributes::of(&person)
        });
        let ours: Vec<String> = match validate_password(password, attributes.as_ref()) {
            Ok(()) => Vec::new(),
            Err(e) => e.messages("password").to_vec(),
        };
        assert_eq!(json!(ours), expected, "{password:?} with {user:?}");
    }
}

/// The catalog of `db` as comparable data: every table's columns (by name) and constraints;
/// constraint names only where the database keeps the ones Django gives (not SQLite's inline
/// constraints).
async fn catalog(db: &Db) -> Vec<String> {
    let keep_names = db.vendor() == "postgresql";
    let mut out = Vec::new();
    for table in db.backend().introspect().await.expect("introspect") {
        if table.name == "django_migrations" || table.name == "djorm_migrations" {
            continue;
        }
        for c in &table.columns {
            out.push(format!("{}.{} {} null={} auto={}", table.name, c.name, c.data_type, c.null, c.auto_increment));
        }
        for c in &table.constraints {
            let name = if keep_names { c.name.clone().unwrap_or_default() } else { String::new() };
            out.push(format!("{} {:?} {:?} {name}", table.name, c.kind, c.columns));
        }
    }
    out.sort();
    out
}

/// Runs `migrate <options>` of the shipped migrations with djorm on `url`.
async fn djorm_migrate_with(url: &str, options: &[&str]) -> (std::process::ExitCode, String) {
    djorm_auth::install();
    let dir = std::env::temp_dir().join(format!("djorm-auth-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let project = djorm_cli::Project { models: Some(djorm_auth::models::all()), ..Default::default() };
    let dir = dir.display().to_string();
    let args: Vec<String> =
        ["--database", url, "--dir", &dir, "migrate"].iter().chain(options).map(|s| (*s).to_owned()).collect();
    let mut out = Vec::new();
    let code = djorm_cli::run(&args, &project, &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

/// Runs `migrate` of the shipped migrations with djorm on `url`, which must succeed.
async fn djorm_migrate(url: &str) -> String {
    let (code, out) = djorm_migrate_with(url, &[]).await;
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{out}");
    out
}

/// `migrate --fake-initial` adopts a database Django made whose history was lost (a dump
/// restored without `django_migrations`): the initial migrations, whose tables exist, are
/// recorded without running, the later ones run, and the schema ends as Django's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_initial_adopts_a_django_database_without_its_history() {
    for backend in test_backends() {
        let reference = TestDatabase::empty(backend).await.expect("a database");
        django(Some(&reference.url().expect("url")), None, vec![json!({"op": "migrate"})]);
        let adopted = TestDatabase::empty(backend).await.expect("a database");
        let url = adopted.url().expect("url");
        django(
            Some(&url),
            None,
            vec![json!({"op": "migrate", "app": "auth", "target": "0001_initial"}), json!({"op": "forget_history"})],
        );
        let before = catalog(adopted.db()).await;
        assert!(before.iter().any(|c| c.starts_with("auth_user.username")), "{backend}: {before:?}");

        // Without --fake-initial the first migration meets its existing tables: refused, and
        // the failed migrate leaves the database as it was.
        let (code, out) = djorm_migrate_with(&url, &[]).await;
        assert_ne!(code, std::process::ExitCode::SUCCESS, "{backend}: {out}");
        assert!(out.contains("already exists"), "{backend}: {out}");
        assert_eq!(catalog(adopted.db()).await, before, "{backend}: nothing changed");

        let (code, out) = djorm_migrate_with(&url, &["--fake-initial"]).await;
        assert_eq!(code, std::process::ExitCode::SUCCESS, "{backend}: {out}");
        assert!(out.contains("Applying contenttypes.0001_initial... FAKED"), "{backend}: {out}");
        assert!(out.contains("Applying auth.0001_initial... FAKED"), "{backend}: {out}");
        assert!(out.contains("Applying contenttypes.0002_remove_content_type_name... OK"), "{backend}: {out}");
        assert_eq!(catalog(adopted.db()).await, catalog(reference.db()).await, "{backend}: Django's schema");
        // Django agrees the history is complete: its migrate has nothing left to do.
        django(Some(&url), None, vec![json!({"op": "migrate"})]);
        assert_eq!(catalog(adopted.db()).await, catalog(reference.db()).await, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_and_djorm_make_the_same_schema_and_share_users() {
    for backend in test_backends() {
        let by_django = TestDatabase::empty(backend).await.expect("a database");
        let by_djorm = TestDatabase::empty(backend).await.expect("a database");
        let django_url = by_django.url().expect("url");
        let djorm_url = by_djorm.url().expect("url");
        django(Some(&django_url), None, vec![json!({"op": "migrate"})]);
        djorm_migrate(&djorm_url).await;
        let (theirs, ours) = (catalog(by_django.db()).await, catalog(by_djorm.db()).await);
        assert!(theirs.len() > 40, "{backend}: {theirs:?}");
        assert_eq!(ours, theirs, "{backend}: the same catalog");
        // The same default permissions, names included.
        let perms = |url: &str| django(Some(url), None, vec![json!({"op": "permissions"})]);
        assert_eq!(perms(&djorm_url), perms(&django_url), "{backend}");

        // djorm on Django's database: every migration is recorded under Django's name already.
        let out = djorm_migrate(&django_url).await;
        assert!(out.contains("No migrations to apply."), "{backend}: {out}");
        // And Django on djorm's: djorm recorded them in Django's table too, so Django's migrate
        // has nothing to do (it would fail on the tables that exist otherwise).
        django(Some(&djorm_url), None, vec![json!({"op": "migrate"})]);
        assert_eq!(catalog(by_djorm.db()).await, ours, "{backend}: Django changed nothing");

        // A user Django made logs in with djorm, is changed by djorm, and Django sees it.
        django(
            Some(&django_url),
            None,
            vec![
                json!({"op": "create_user", "username": "grace", "email": "grace@example.com", "password": PASSWORD, "hasher": "pbkdf2_sha256"}),
            ],
        );
        let db = by_django.db();
        let mut grace = User::objects().get(db, Q::new("username", "grace")).await.expect("Django's user");
        assert!(grace.check_password(db, PASSWORD).await.expect("check"), "{backend}");
        assert!(!grace.check_password(db, "wrong").await.expect("check"));
        grace.first_name = "Grace".into();
        grace.save(db).await.expect("save");

        // An old work factor is upgraded by djorm at login, and the new hash works in Django.
        let old =
            Pbkdf2PasswordHasher { iterations: 100_000 }.encode(PASSWORD, "saltsaltsaltsaltsaltsa").expect("encode");
        grace.password = old.clone();
        grace.save(db).await.expect("save");
        assert!(grace.check_password(db, PASSWORD).await.expect("check"));
        let seen = django(
            Some(&django_url),
            None,
            vec![
                json!({"op": "user", "username": "grace"}),
                json!({"op": "authenticate", "username": "grace", "password": PASSWORD}),
            ],
        );
        let stored = seen[0]["password"].as_str().expect("password");
        assert!(stored.starts_with("pbkdf2_sha256$1000000$") && stored != old, "{backend}: upgraded to {stored}");
        assert_eq!(seen[0]["first_name"], json!("Grace"));
        assert_eq!(seen[1], json!(true), "{backend}: Django logs in with the upgraded hash");
    }
}

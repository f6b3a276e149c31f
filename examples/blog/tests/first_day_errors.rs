//! The errors a newcomer meets first say what to do next: a server that is not running, a
//! database that does not exist, tables that were never migrated (in a command and in the
//! shell), and a misspelt field (Django's "Choices are: ...").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn manage(database: &str, args: &[&str]) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_manage"))
        .current_dir(root)
        .args(["--dir", "examples/blog/migrations"])
        .args(args)
        .env("DATABASE_URL", database)
        .output()
        .expect("run manage");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn postgres_url(database: &str) -> String {
    let admin =
        std::env::var("DJORM_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into());
    let (server, _) = admin.rsplit_once('/').expect("a URL with a database");
    format!("{server}/{database}")
}

#[test]
fn a_server_that_is_not_running_says_to_start_it() {
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let printed = manage(&format!("postgres://root@127.0.0.1:{port}/blog"), &["migrate"]);
    assert!(printed.contains("Connection refused"), "{printed}");
    assert!(printed.contains("HINT: Is the database server running on that host and port"), "{printed}");
}

#[test]
fn a_missing_database_says_to_create_it() {
    let printed = manage(&postgres_url("djorm_no_such_database"), &["migrate"]);
    assert!(printed.contains(r#"database "djorm_no_such_database" does not exist"#), "{printed}");
    assert!(printed.contains("HINT: Create the database first (`createdb <name>`"), "{printed}");
}

#[test]
fn tables_never_migrated_say_to_migrate_in_the_shell_too() {
    let file = std::env::temp_dir().join(format!("djorm-first-day-{}.sqlite3", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let printed = manage(&format!("sqlite://{}", file.display()), &["shell", "-c", "Author.objects.count()"]);
    let _ = std::fs::remove_file(&file);
    assert!(printed.contains("no such table: blog_author"), "{printed}");
    assert!(
        printed.contains("HINT: Has `migrate` run on this database? `manage migrate` creates the tables"),
        "{printed}"
    );
}

#[test]
fn a_misspelt_field_lists_the_choices() {
    let file = std::env::temp_dir().join(format!("djorm-first-day-field-{}.sqlite3", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let database = format!("sqlite://{}", file.display());
    manage(&database, &["migrate"]);
    let printed = manage(&database, &["shell", "-c", r#"Author.objects.filter(nmae="Ann")"#]);
    let _ = std::fs::remove_file(&file);
    assert!(
        printed.contains("FieldError: Cannot resolve keyword 'nmae' into field. Choices are: bio, created_at, email, id, name, posts"),
        "{printed}"
    );
}

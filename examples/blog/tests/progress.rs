//! Long work shows a progress bar on a terminal, and only there: `manage migrate` of the blog's
//! and auth's migrations, or `manage loaddata` of a fixture, under a pseudo-terminal draws one
//! (its `n/total` count); piped output and `--no-progress` never carry one, and every run prints
//! Django's own lines ("Applying ... OK", "Installed 50 object(s) from 1 fixture(s)").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const TIMEOUT_MS: u64 = 30_000;

fn blog_migrations() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/blog/migrations")
}

fn database(tag: &str) -> String {
    let file = std::env::temp_dir().join(format!("djorm-{tag}-{}.sqlite3", std::process::id()));
    let _ = std::fs::remove_file(&file);
    format!("sqlite://{}", file.display())
}

/// Runs `manage migrate` in a pseudo-terminal and returns everything it drew.
fn migrate_in_a_terminal(extra: &[&str], tag: &str) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_manage"));
    command
        .arg("--dir")
        .arg(blog_migrations())
        .args(["--database", &database(tag), "migrate"])
        .args(extra)
        .env("TERM", "xterm")
        .env_remove("DJORM_NO_PROGRESS");
    let mut session = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
    session.exp_eof().unwrap()
}

#[test]
fn a_terminal_gets_a_progress_bar() {
    let drawn = migrate_in_a_terminal(&[], "progress-tty");
    let steps = drawn.matches("... OK").count();
    assert!(steps > 10, "{drawn}");
    assert!(drawn.contains(&format!("/{steps}")), "no `n/{steps}` progress count was drawn:\n{drawn}");
    assert!(drawn.contains("Applying blog.0001_initial... OK"), "{drawn}");
}

#[test]
fn no_progress_draws_none_even_on_a_terminal() {
    let drawn = migrate_in_a_terminal(&["--no-progress"], "progress-off");
    let steps = drawn.matches("... OK").count();
    assert!(steps > 10, "{drawn}");
    assert!(!drawn.contains(&format!("/{steps}")), "a progress bar was drawn:\n{drawn}");
}

#[test]
fn piped_output_never_carries_a_bar() {
    let out = Command::new(env!("CARGO_BIN_EXE_manage"))
        .arg("--dir")
        .arg(blog_migrations())
        .args(["--database", &database("progress-piped"), "migrate"])
        .env_remove("DJORM_NO_PROGRESS")
        .output()
        .expect("run manage");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let steps = stdout.matches("... OK").count();
    assert!(steps > 10, "{stdout}");
    assert!(out.stderr.is_empty(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains('\u{1b}') && !stdout.contains(&format!("/{steps}")), "{stdout}");
    assert!(stdout.contains("  Applying blog.0001_initial... OK\n"), "{stdout}");
}

/// A fixture of `n` tags in Django's JSON format, written to a file.
fn tag_fixture(n: usize, tag: &str) -> std::path::PathBuf {
    let objects: Vec<String> = (1..=n)
        .map(|i| format!(r#"{{"model": "blog.tag", "pk": {i}, "fields": {{"name": "tag {i}", "slug": "tag-{i}"}}}}"#))
        .collect();
    let file = std::env::temp_dir().join(format!("djorm-{tag}-{}.json", std::process::id()));
    std::fs::write(&file, format!("[{}]", objects.join(","))).unwrap();
    file
}

#[test]
fn loaddata_draws_a_bar_on_a_terminal_only() {
    let database = database("progress-loaddata");
    let migrated = Command::new(env!("CARGO_BIN_EXE_manage"))
        .arg("--dir")
        .arg(blog_migrations())
        .args(["--database", &database, "migrate"])
        .output()
        .expect("run manage");
    assert!(migrated.status.success());
    let fixture = tag_fixture(50, "progress-tags");

    let mut command = Command::new(env!("CARGO_BIN_EXE_manage"));
    command
        .args(["--database", &database, "loaddata"])
        .arg(&fixture)
        .env("TERM", "xterm")
        .env_remove("DJORM_NO_PROGRESS");
    let mut session = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
    let drawn = session.exp_eof().unwrap();
    assert!(drawn.contains("Installed 50 object(s) from 1 fixture(s)"), "{drawn}");
    assert!(drawn.contains("/50"), "no `n/50` progress count was drawn:\n{drawn}");

    let fixture = tag_fixture(50, "progress-tags-again");
    let out = Command::new(env!("CARGO_BIN_EXE_manage"))
        .args(["--database", &database, "loaddata"])
        .arg(&fixture)
        .env_remove("DJORM_NO_PROGRESS")
        .output()
        .expect("run manage");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && out.stderr.is_empty(), "{printed}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(printed, "Installed 50 object(s) from 1 fixture(s)\n");
}

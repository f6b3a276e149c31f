//! The blog's `manage shell` in a real pseudo-terminal: typing, Tab completion, a misspelt
//! field, and history that survives a restart.

#![allow(clippy::unwrap_used)]

use djorm::testing::TestDatabase;
use rexpect::session::PtySession;

const TIMEOUT_MS: u64 = 20_000;

fn start(url: &str, history: &std::path::Path) -> PtySession {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_manage"));
    command.args(["--database", url, "shell"]).env("DJORM_HISTORY", history).env("TERM", "xterm");
    let mut shell = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
    shell.exp_string("models: ContentType, Permission, Group, User, Author, Tag, Post, Profile.").unwrap();
    shell.exp_string(">>> ").unwrap();
    shell
}

async fn drive(test: TestDatabase) {
    let url = test.url().unwrap();
    let dir = std::env::temp_dir().join(format!("djorm-shell-{}-{}", std::process::id(), test.db().vendor()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = dir.join("history");
    let _ = std::fs::remove_file(&history);

    let mut shell = start(&url, &history);
    shell.send_line(r#"Author.objects.create(name="Ann", email="ann@example.com")"#).unwrap();
    shell.exp_string("<Author: Ann>").unwrap();
    shell.exp_string(">>> ").unwrap();

    // Tab completes the model name and the method.
    shell.send("Auth").unwrap();
    shell.send("\t").unwrap();
    shell.send(".objects.cou").unwrap();
    shell.send("\t").unwrap();
    shell.send_line("()").unwrap();
    shell.exp_string(">>> Author\r").unwrap();
    shell.exp_string(">>> Author.objects.count\r").unwrap();
    shell.exp_regex(r"\r\n1\r\n").unwrap();
    shell.exp_string(">>> ").unwrap();

    // A misspelt field is one line listing the choices; the shell stays open.
    shell.send_line(r#"Author.objects.filter(nmae="Ann")"#).unwrap();
    shell.exp_string("Error: Cannot resolve keyword 'nmae' into field. Choices are:").unwrap();
    shell.exp_string(">>> ").unwrap();
    shell.send_line(r#"Author.objects.values_list("name", flat=True)"#).unwrap();
    shell.exp_string("(1 row)").unwrap();
    shell.exp_string(">>> ").unwrap();
    shell.send_control('d').unwrap();
    shell.exp_eof().unwrap();

    // History survives a restart: Up recalls the last line.
    let mut shell = start(&url, &history);
    std::thread::sleep(std::time::Duration::from_millis(300));
    shell.send("\x1b[A").unwrap();
    shell.flush().unwrap();
    shell.exp_string(r#">>> Author.objects.values_list("name", flat=True)"#).unwrap();
    shell.send_line("").unwrap();
    shell.exp_string("(1 row)").unwrap();
    shell.exp_string(">>> ").unwrap();
    shell.send_control('d').unwrap();
    shell.exp_eof().unwrap();
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("Author.objects.count()"), "{saved}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The manage binary's models: Django's auth app, then the blog's.
fn models() -> Vec<&'static djorm::ModelMeta> {
    let mut models = djorm_auth::models::all();
    models.extend(blog::models::all());
    models
}

#[tokio::test(flavor = "multi_thread")]
async fn shell_in_a_terminal_on_sqlite() {
    drive(TestDatabase::new("sqlite", &models()).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shell_in_a_terminal_on_postgres() {
    drive(TestDatabase::new("postgresql", &models()).await.unwrap()).await;
}

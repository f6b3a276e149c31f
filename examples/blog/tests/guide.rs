//! The guide's code runs: every Rust block of `docs/guide/*.md` is compiled into one test per
//! chapter (by `build.rs`) and run on every backend against the blog's tables, excerpts of the
//! blog's source are checked to be its source, and every session (`>>>` lines of `manage shell`,
//! `$ cargo run -p blog --bin manage -- ...` commands) is replayed in order on a new SQLite
//! file per chapter, its output compared line by line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::Pin;

#[allow(unused_imports)]
use blog::models::{Author, Post, Profile, Tag};
#[allow(unused_imports)]
use djorm::prelude::*;
#[allow(unused_imports)]
use djorm_auth::{AuthUserExt, User, UserManager};

include!(concat!(env!("OUT_DIR"), "/guide.rs"));

/// Runs a chapter's blocks on every backend, each on a fresh database with the blog's tables.
async fn on_every_backend(chapter: &str, body: impl Fn(Db) -> Pin<Box<dyn Future<Output = djorm::Result<()>>>>) {
    let mut models = djorm_auth::models::all();
    models.extend(blog::models::all());
    for backend in djorm::testing::test_backends() {
        eprintln!("docs/guide/{chapter}.md: on {backend}");
        let test = djorm::testing::TestDatabase::new(backend, &models).await.unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = body(test.db().clone()).await {
            panic!("docs/guide/{chapter}.md on {backend}: {e}");
        }
    }
}

/// Every excerpt is found, word for word, in the file it names.
fn excerpts_are_sources(chapter: &str, excerpts: &[(&str, &str)]) {
    for (file, excerpt) in excerpts {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            source.contains(excerpt),
            "docs/guide/{chapter}.md quotes examples/blog/{file}, but the file no longer holds:\n{excerpt}"
        );
    }
}

/// One session of the guide: a `manage shell` session (```text blocks of `>>> ` lines) or
/// `manage` commands (```console blocks of `$ cargo run -p blog --bin manage -- ...` lines).
struct Session {
    line: usize,
    kind: Kind,
    /// Each typed line or command, with the output it prints.
    steps: Vec<Step>,
}

/// A typed line or command, and the lines it prints.
type Step = (String, Vec<String>);

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Shell,
    Console,
}

/// The command prefix every console line of the guide starts with.
const MANAGE: &str = "cargo run -p blog --bin manage -- ";

/// The sessions of a chapter, in order.
fn sessions(text: &str) -> Vec<Session> {
    let mut found = Vec::new();
    let mut current: Option<(usize, Kind, Vec<Step>)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut current {
            None if line == "```text" => current = Some((n + 1, Kind::Shell, Vec::new())),
            None if line == "```console" => current = Some((n + 1, Kind::Console, Vec::new())),
            Some(_) if line.starts_with("```") => {
                let (at, kind, steps) = current.take().expect("an open block");
                if !steps.is_empty() {
                    found.push(Session { line: at, kind, steps });
                }
            }
            Some((at, kind, steps)) => {
                let typed = match kind {
                    Kind::Shell => line.strip_prefix(">>> "),
                    Kind::Console => line.strip_prefix("$ "),
                };
                match (typed, steps.last_mut()) {
                    (Some(typed), _) => steps.push((typed.to_owned(), Vec::new())),
                    (None, Some((_, output))) => output.push(line.trim_end().to_owned()),
                    // A ```text block that does not start with `>>> ` is not a session.
                    (None, None) if *kind == Kind::Shell => current = None,
                    (None, None) => panic!("the ```console block at line {at} must start with `$ {MANAGE}`"),
                }
            }
            None => {}
        }
    }
    found
}

/// Runs the blog's `manage` on `database` from the repository's root, as a reader does.
fn manage(database: &str, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write as _;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_manage"))
        .current_dir(&root)
        .args(args)
        .env("DATABASE_URL", database)
        .env("NO_COLOR", "1")
        .env_remove("DJORM_MIGRATIONS_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run manage");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("type into the shell");
    let out = child.wait_with_output().expect("manage ends");
    let mut printed = String::from_utf8(out.stdout).expect("UTF-8 output");
    printed.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), printed)
}

fn trimmed(printed: &str) -> Vec<String> {
    let mut lines: Vec<String> = printed.lines().map(|l| l.trim_end().to_owned()).collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// Every chapter's sessions, in order, on the embedded default (a new SQLite file per
/// chapter): each `manage` command and each shell line prints exactly what the guide shows.
#[test]
fn every_session_prints_what_the_guide_shows() {
    let guide = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/guide");
    let mut chapters: Vec<_> =
        std::fs::read_dir(&guide).expect("docs/guide").map(|e| e.expect("entry").path()).collect();
    chapters.sort();
    let mut replayed = 0;
    for chapter in chapters.iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(chapter).expect("a chapter");
        let name = chapter.file_name().and_then(|n| n.to_str()).expect("a name").to_owned();
        let file = std::env::temp_dir().join(format!("djorm-guide-{}-{name}.sqlite3", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let database = format!("sqlite://{}", file.display());
        for session in sessions(&text) {
            let (typed, expected): (Vec<&str>, Vec<&Vec<String>>) =
                session.steps.iter().map(|(typed, output)| (typed.as_str(), output)).unzip();
            match session.kind {
                Kind::Shell => {
                    let (ok, printed) =
                        manage(&database, &["--dir", "examples/blog/migrations", "shell"], &(typed.join("\n") + "\n"));
                    assert!(ok, "docs/guide/{name}: the shell session at line {} failed:\n{printed}", session.line);
                    // The first line is the shell's greeting, which the guide does not repeat.
                    let printed: Vec<String> = trimmed(&printed).into_iter().skip(1).collect();
                    let expected: Vec<String> = expected.into_iter().flatten().cloned().collect();
                    assert_eq!(printed, expected, "docs/guide/{name}: the shell session at line {}", session.line);
                }
                Kind::Console => {
                    for (typed, expected) in typed.iter().zip(expected) {
                        let args = typed
                            .strip_prefix(MANAGE)
                            .unwrap_or_else(|| panic!("docs/guide/{name}: `{typed}` does not start with `{MANAGE}`"));
                        let args: Vec<&str> = args.split_whitespace().collect();
                        let (ok, printed) = manage(&database, &args, "");
                        assert!(ok, "docs/guide/{name}: `{typed}` failed:\n{printed}");
                        assert_eq!(&trimmed(&printed), expected, "docs/guide/{name}: `{typed}` prints something else");
                    }
                }
            }
            replayed += 1;
        }
        let _ = std::fs::remove_file(&file);
    }
    assert!(replayed > 0, "the guide has no session to replay");
}

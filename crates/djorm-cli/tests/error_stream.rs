//! Errors go to standard error, output to standard output, as Django's commands write them:
//! a command's output piped to a file or another program never holds its error, and an error
//! still reaches the terminal when the output is redirected.

use std::process::Command;

use djorm::testing::TestDatabase;

/// Runs the `djorm` binary: exit code, standard output, standard error.
fn djorm(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_djorm")).args(args).output().expect("run djorm");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[tokio::test]
async fn command_errors_and_usage_errors_go_to_stderr_and_help_to_stdout() {
    // --help is output.
    let (code, out, err) = djorm(&["--help"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(out.contains("Usage:"), "{out}");

    // A mistake in the command line is an error.
    let (code, out, err) = djorm(&["createsuperuser", "--noinput"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("Unknown command: 'createsuperuser'"), "{err}");

    // A CommandError from a command that ran.
    let test_db = TestDatabase::empty("sqlite").await.expect("a test database");
    let url = test_db.url().expect("url");
    let dir = std::env::temp_dir().join(format!("djorm-error-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (code, out, err) =
        djorm(&["--database", &url, "--dir", &dir.display().to_string(), "sqlmigrate", "nosuchapp", "0001"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.starts_with("CommandError: "), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

//! The Django oracle for the interop tests: a virtualenv with the pinned Django, argon2-cffi
//! and bcrypt, made once per target directory, and a way to send it requests.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value as Json};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django")
}

/// The oracle's Python, made on first use (again when the pins change).
pub fn python() -> PathBuf {
    static MADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    MADE.get_or_init(make_python).clone()
}

fn make_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("django-auth-oracle-venv");
    let python = venv.join("bin/python");
    let requirements = std::fs::read_to_string(suite_dir().join("requirements.txt")).expect("requirements");
    let stamp = venv.join("requirements.installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(requirements.as_str()) {
        return python;
    }
    let run = |cmd: &mut Command, what: &str| {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{what}: could not start it ({e}); the tests need python3 with venv and pip"));
        assert!(
            out.status.success(),
            "{what} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv (Django oracle)");
    run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(suite_dir().join("requirements.txt")),
        "pip install of the pinned Django (needs PyPI)",
    );
    std::fs::write(&stamp, requirements).expect("stamp");
    python
}

/// Sends the oracle `operations` on the database `url` (none: an in-memory SQLite) with the
/// hashers named (none: Django's list and the legacy ones); returns one answer per operation.
pub fn django(url: Option<&str>, hashers: Option<&[&str]>, operations: Vec<Json>) -> Vec<Json> {
    let mut request = json!({ "database": url, "operations": operations });
    if let Some(h) = hashers {
        request["hashers"] = json!(h);
    }
    let mut child = Command::new(python())
        .arg(suite_dir().join("oracle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Django oracle");
    child.stdin.take().expect("stdin").write_all(request.to_string().as_bytes()).expect("send the request");
    let out = child.wait_with_output().expect("the oracle's answer");
    assert!(out.status.success(), "the Django oracle failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON from the oracle")
}

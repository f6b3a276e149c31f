//! The blog's `manage createsuperuser` and `manage changepassword` (added by
//! `djorm_auth::install()`) as a person and a deploy script use them: in a terminal (a pty:
//! prompts, hidden passwords, Django's messages) and with --noinput from the environment. No
//! password ever shows in the output.

use std::process::Command;

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm_auth::{AuthUserExt, User};

const TIMEOUT_MS: u64 = 30_000;

/// A database with Django's auth tables, migrated by djorm-auth's shipped migrations.
async fn auth_database(backend: &'static str) -> TestDatabase {
    djorm_auth::install();
    let test_db = TestDatabase::empty(backend).await.expect("a test database");
    let url = test_db.url().expect("url");
    let dir = std::env::temp_dir().join(format!("djorm-user-commands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let args: Vec<String> =
        ["--database", &url, "--dir", &dir.display().to_string(), "migrate"].iter().map(|s| (*s).to_owned()).collect();
    let mut out = Vec::new();
    let code = djorm_cli::run(
        &args,
        &djorm_cli::Project { models: Some(djorm_auth::models::all()), ..Default::default() },
        &mut out,
    )
    .await;
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{}", String::from_utf8_lossy(&out));
    test_db
}

/// The blog's manage binary on `url`, with PBKDF2 first (the test runs a debug build) and no
/// inherited superuser variables.
fn djorm(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_manage"));
    command.args(["--database", url]).args(args).env("DJORM_PASSWORD_HASHERS", "pbkdf2_sha256,md5");
    for name in ["USERNAME", "EMAIL", "PASSWORD"] {
        command.env_remove(format!("DJANGO_SUPERUSER_{name}")).env_remove(format!("DJORM_SUPERUSER_{name}"));
    }
    command
}

fn run(mut command: Command) -> (i32, String) {
    let out = command.output().expect("run djorm");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// The blog installs the auth app, so its help lists auth's commands.
#[test]
fn the_help_lists_the_commands_of_installed_apps() {
    let (code, help) = run(djorm("sqlite::memory:", &["--help"]));
    assert_eq!(code, 0, "{help}");
    assert!(help.contains("Commands of installed apps:"), "{help}");
    assert!(help.contains("  changepassword    Changes a user's password"), "{help}");
    assert!(help.contains("  createsuperuser   Creates a superuser"), "{help}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn createsuperuser_without_input_reads_the_environment() {
    for backend in test_backends() {
        let t = auth_database(backend).await;
        let url = t.url().expect("url");
        let mut command = djorm(&url, &["createsuperuser", "--noinput"]);
        command
            .env("DJANGO_SUPERUSER_USERNAME", "admin")
            .env("DJANGO_SUPERUSER_EMAIL", "admin@EXAMPLE.com")
            .env("DJANGO_SUPERUSER_PASSWORD", "Tr0ub4dor&3-horse");
        let (code, out) = run(command);
        assert_eq!((code, out.trim()), (0, "Superuser created successfully."), "{backend}");
        let mut admin = User::objects().get(t.db(), Q::new("username", "admin")).await.expect("created");
        assert!(admin.is_superuser && admin.is_staff && admin.email == "admin@example.com");
        assert!(admin.check_password(t.db(), "Tr0ub4dor&3-horse").await.expect("check"));

        // djorm's own variable wins over Django's; no password at all is an unusable one.
        let mut command = djorm(&url, &["createsuperuser", "--noinput", "--username", "ops", "--email", ""]);
        command.env("DJORM_SUPERUSER_PASSWORD", "djorm-side-pw-1").env("DJANGO_SUPERUSER_PASSWORD", "django-side");
        assert_eq!(run(command).0, 0);
        let mut ops = User::objects().get(t.db(), Q::new("username", "ops")).await.expect("created");
        assert!(ops.check_password(t.db(), "djorm-side-pw-1").await.expect("check"));
        let (code, _) = run(djorm(&url, &["createsuperuser", "--noinput", "--username", "nopw", "--email", "n@x.io"]));
        assert_eq!(code, 0);
        let nopw = User::objects().get(t.db(), Q::new("username", "nopw")).await.expect("created");
        assert!(!nopw.has_usable_password(), "{backend}");

        // Django's errors.
        let (code, out) = run(djorm(&url, &["createsuperuser", "--noinput"]));
        assert_eq!((code, out.trim()), (2, "CommandError: You must use --username with --noinput."));
        let (code, out) = run(djorm(&url, &["createsuperuser", "--noinput", "--username", "x"]));
        assert_eq!((code, out.trim()), (2, "CommandError: You must use --email with --noinput."));
        let (code, out) =
            run(djorm(&url, &["createsuperuser", "--noinput", "--username", "admin", "--email", "a@b.co"]));
        assert_eq!((code, out.trim()), (2, "CommandError: Error: That username is already taken."));
        let (code, out) =
            run(djorm(&url, &["createsuperuser", "--noinput", "--username", "bad name!", "--email", "a@b.co"]));
        assert_eq!(
            (code, out.trim()),
            (2, "CommandError: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.")
        );
        assert_eq!(User::objects().count(t.db()).await.expect("count"), 3, "{backend}: nothing else written");
        let (code, out) = run(djorm(&url, &["changepassword", "ghost"]));
        assert_eq!((code, out.trim()), (2, "CommandError: user 'ghost' does not exist"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn createsuperuser_and_changepassword_in_a_terminal() {
    let backend = test_backends()[0];
    let t = auth_database(backend).await;
    let url = t.url().expect("url");
    let mut command = djorm(&url, &["createsuperuser"]);
    command.env("USER", "tester").env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).expect("a pty");
    p.exp_string("Username (leave blank to use 'tester'): ").expect("username prompt");
    p.send_line("bad name!").expect("send");
    p.exp_string("Enter a valid username.").expect("the validator's message");
    p.exp_string("Username (leave blank to use 'tester'): ").expect("asked again");
    p.send_line("").expect("send");
    p.exp_string("Email address: ").expect("email prompt");
    p.send_line("not-an-email").expect("send");
    p.exp_string("Error: Enter a valid email address.").expect("email check");
    p.exp_string("Email address: ").expect("asked again");
    p.send_line("tester@example.com").expect("send");
    p.exp_string("Password: ").expect("password prompt");
    p.send_line("first-secret-1").expect("send");
    p.exp_string("Password (again): ").expect("again");
    p.send_line("other-secret-2").expect("send");
    p.exp_string("Error: Your passwords didn't match.").expect("mismatch");
    p.exp_string("Password: ").expect("asked again");
    p.send_line("tester").expect("send");
    p.exp_string("Password (again): ").expect("again");
    p.send_line("tester").expect("send");
    p.exp_string("The password is too similar to the username.").expect("similar");
    p.exp_string("This password is too short. It must contain at least 8 characters.").expect("short");
    p.exp_string("Bypass password validation and create user anyway? [y/N]: ").expect("bypass");
    p.send_line("n").expect("send");
    p.exp_string("Password: ").expect("asked again");
    p.send_line("quiet-harbor-51").expect("send");
    p.exp_string("Password (again): ").expect("again");
    p.send_line("quiet-harbor-51").expect("send");
    let rest = p.exp_string("Superuser created successfully.").expect("created");
    p.exp_eof().expect("exit");
    assert!(!rest.contains("quiet-harbor") && !rest.contains("first-secret"), "a password was echoed: {rest}");
    let mut tester = User::objects().get(t.db(), Q::new("username", "tester")).await.expect("created");
    assert!(tester.is_superuser && tester.check_password(t.db(), "quiet-harbor-51").await.expect("check"));

    // changepassword: three tries, then Django's abort; then a success.
    let mut p =
        rexpect::session::spawn_command(djorm(&url, &["changepassword", "tester"]), Some(TIMEOUT_MS)).expect("pty");
    p.exp_string("Changing password for user 'tester'").expect("header");
    for (first, second) in [("aaaaaaaa1x", "bbbbbbbb1x"), ("12345678901", "12345678901"), ("short", "short")] {
        p.exp_string("Password: ").expect("prompt");
        p.send_line(first).expect("send");
        p.exp_string("Password (again): ").expect("again");
        p.send_line(second).expect("send");
    }
    p.exp_string("CommandError: Aborting password change for user 'tester' after 3 attempts").expect("abort");
    p.exp_eof().expect("exit");
    let mut p =
        rexpect::session::spawn_command(djorm(&url, &["changepassword", "tester"]), Some(TIMEOUT_MS)).expect("pty");
    for prompt in ["Password: ", "Password (again): "] {
        p.exp_string(prompt).expect("prompt");
        p.send_line("violet-canyon-77").expect("send");
    }
    let rest = p.exp_string("Password changed successfully for user 'tester'").expect("changed");
    p.exp_eof().expect("exit");
    assert!(!rest.contains("violet-canyon"), "a password was echoed: {rest}");
    let mut tester = User::objects().get(t.db(), Q::new("username", "tester")).await.expect("user");
    assert!(tester.check_password(t.db(), "violet-canyon-77").await.expect("check"));
}

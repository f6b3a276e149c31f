//! Database aliases from the environment (`DATABASE_URL_<ALIAS>`) and Django's `--database
//! alias`: the command runs on the alias's database, an alias nobody configured is Django's
//! ConnectionDoesNotExist naming the variable to set, and a password in an alias's URL never
//! reaches the output. Each run is its own process (the environment is per process).

mod chapter_blog;

use std::process::{Command, Output};

use djorm::testing::{test_backends, TestDatabase};

fn djorm(env: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = chapter_blog::blog_migrations();
    let mut command = Command::new(env!("CARGO_BIN_EXE_djorm"));
    command.arg("--dir").arg(dir).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run djorm")
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

async fn table_names(test_db: &TestDatabase) -> Vec<String> {
    test_db.db().introspect().await.expect("catalog").into_iter().map(|t| t.name).collect()
}

#[tokio::test]
async fn database_names_an_alias_from_the_environment() {
    for backend in test_backends() {
        let (default, replica) =
            (TestDatabase::new(backend, &[]).await.expect("db"), TestDatabase::new(backend, &[]).await.expect("db"));
        let (default_url, replica_url) = (default.url().expect("url"), replica.url().expect("url"));
        let env = [("DATABASE_URL", default_url.as_str()), ("DATABASE_URL_REPLICA", replica_url.as_str())];
        let out = djorm(&env, &["--database", "replica", "migrate"]);
        assert!(out.status.success(), "{}", said(&out));
        assert!(table_names(&replica).await.iter().any(|t| t == "blog_post"), "{backend}: migrated the replica");
        assert!(!table_names(&default).await.iter().any(|t| t == "blog_post"), "{backend}: not default");

        let out = djorm(&env, &["--database", "nowhere", "showmigrations"]);
        assert!(!out.status.success());
        assert!(
            said(&out).contains("The connection 'nowhere' doesn't exist. Set DATABASE_URL_NOWHERE to its URL."),
            "{}",
            said(&out)
        );
    }
    // A password in an alias's URL stays out of the output when connecting fails.
    let env = [("DATABASE_URL_BROKEN", "postgres://app:s3cret-pw@127.0.0.1:1/shop?connect_timeout=2")];
    let out = djorm(&env, &["--database", "broken", "showmigrations"]);
    assert!(!out.status.success());
    assert!(!said(&out).contains("s3cret-pw") && said(&out).contains("127.0.0.1"), "{}", said(&out));
}

/// A `.env` file in the working directory configures the databases as the environment does,
/// and a variable set in the environment wins over the file's.
#[tokio::test]
async fn a_dotenv_file_configures_the_databases() {
    let dir = std::env::temp_dir().join(format!("djorm-dotenv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let (from_file, from_env, replica) =
        (dir.join("file.sqlite3"), dir.join("env.sqlite3"), dir.join("replica.sqlite3"));
    std::fs::write(
        dir.join(".env"),
        format!(
            "# the database of this checkout\nDATABASE_URL=sqlite://{}\nDATABASE_URL_REPLICA=\"sqlite://{}\"\n",
            from_file.display(),
            replica.display()
        ),
    )
    .expect(".env");
    let migrations = chapter_blog::blog_migrations();
    let run = |args: &[&str], env: &[(&str, String)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_djorm"));
        command.current_dir(&dir).arg("--dir").arg(&migrations).args(args);
        for name in ["DATABASE_URL", "DATABASE_URL_REPLICA", "DB_NAME"] {
            command.env_remove(name);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run djorm")
    };
    let out = run(&["migrate"], &[]);
    assert!(out.status.success() && from_file.exists(), "{}", said(&out));
    let out = run(&["--database", "replica", "migrate"], &[]);
    assert!(out.status.success() && replica.exists(), "{}", said(&out));
    let out = run(&["migrate"], &[("DATABASE_URL", format!("sqlite://{}", from_env.display()))]);
    assert!(out.status.success() && from_env.exists(), "the environment wins: {}", said(&out));
    std::fs::write(dir.join(".env"), "DATABASE_URL='unterminated\n").expect(".env");
    let out = run(&["showmigrations"], &[]);
    assert!(!out.status.success() && said(&out).contains(".env"), "{}", said(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// From one database to a primary with a replica by configuration alone: with
/// `DATABASE_URL_REPLICA` and `DJORM_READ_REPLICAS=replica`, the shell's reads go to the replica
/// and its writes to the primary (two SQLite files stand for them: no replication between them,
/// so where a row is seen shows which database answered).
#[tokio::test]
async fn read_replicas_are_configuration() {
    let dir = std::env::temp_dir().join(format!("djorm-replicas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let (primary, replica) = (dir.join("primary.sqlite3"), dir.join("replica.sqlite3"));
    let env = [
        ("DATABASE_URL", format!("sqlite://{}", primary.display())),
        ("DATABASE_URL_REPLICA", format!("sqlite://{}", replica.display())),
        ("DJORM_READ_REPLICAS", "replica".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for alias in ["default", "replica"] {
        let out = djorm(&env, &["--database", alias, "migrate"]);
        assert!(out.status.success(), "{}", said(&out));
    }
    let shell = |line: &str| {
        let out = djorm(&env, &["shell", "--yes", "--format", "json", "-c", line]);
        assert!(out.status.success(), "{line}: {}", said(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    shell(r#"Tag.objects.create(name="rust", slug="rust")"#);
    assert_eq!(shell("Tag.objects.count()"), "0", "reads go to the replica");
    assert_eq!(shell(r#"Tag.objects.using("default").count()"#), "1", "the write went to the primary");
    let out = djorm(&[env[0], ("DJORM_READ_REPLICAS", "nowhere")], &["showmigrations"]);
    assert!(
        said(&out).contains("The connection 'nowhere' doesn't exist. DJORM_READ_REPLICAS names it"),
        "{}",
        said(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

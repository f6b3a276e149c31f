//! Queries in the `tracing` stream, on every backend: a DEBUG event per statement (alias,
//! backend, SQL, rows, duration; parameters redacted unless asked for), a WARN for a slow one,
//! the N+1 detector's findings in the same stream — and, over more than 10,000 lines of such
//! debug output from a connection whose URL holds a password, never that password.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use djorm::prelude::*;
use djorm::sql::Compiled;
use djorm::testing::{test_backends, TestDatabase};
use djorm::ValueKind;

#[derive(Model, Debug, Clone)]
#[djorm(app = "qlog", ordering = ["id"])]
struct Owner {
    id: AutoId,
    #[djorm(max_length = 40)]
    name: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "qlog", ordering = ["id"])]
struct Pet {
    id: AutoId,
    #[djorm(max_length = 40)]
    name: String,
    #[djorm(on_delete = Cascade)]
    owner: ForeignKey<Owner>,
}

/// Collects what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the buffer")).into_owned()
    }
}

const PASSWORD: &str = "Sup3r-s3cret-pw";

/// The test database's URL with a password in it (the local server trusts the role, so the
/// password is carried but not needed).
fn with_password(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.starts_with("postgres") => match rest.split_once('@') {
            Some((user, host)) => format!("{scheme}://{user}:{PASSWORD}@{host}"),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

#[tokio::test]
async fn queries_reach_the_tracing_stream_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for backend in test_backends() {
        let test_db = TestDatabase::new(backend, &[Owner::meta(), Pet::meta()]).await.expect("a test database");
        let db = djorm::connect(&with_password(&test_db.url().expect("url"))).await.expect("connects");

        // One event per statement, the parameter redacted.
        let ann = Owner::objects()
            .create(&db, Owner { name: "private-name-ann".into(), ..Default::default() })
            .await
            .expect("row");
        let text = captured.text();
        let line = text.lines().rev().find(|l| l.contains("INSERT INTO")).expect("the INSERT's event");
        assert!(
            line.contains("djorm::query")
                && line.contains("alias=\"default\"")
                && line.contains(&format!("vendor=\"{backend}\"")),
            "{line}"
        );
        assert!(line.contains("params=\"[1 redacted]\"") && line.contains("duration_ms="), "{line}");
        assert!(!text.contains("private-name-ann"), "a parameter leaked:\n{text}");

        // Parameters when asked for.
        db.set_log_parameters(true);
        Owner::objects().filter(Q::new("name", "shown-on-purpose")).count(&db).await.expect("count");
        assert!(captured.text().contains("shown-on-purpose"));
        db.set_log_parameters(false);

        // A slow statement is a WARN.
        db.set_slow_query_threshold(Some(Duration::from_millis(1)));
        let slow = match backend {
            "postgresql" => "SELECT pg_sleep(0.02)::text",
            _ => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT count(*) FROM c",
        };
        db.fetch(&Compiled { sql: slow.into(), params: vec![] }, &[ValueKind::Any]).await.expect("slow");
        let text = captured.text();
        let line = text.lines().rev().find(|l| l.contains("slow query")).expect("a slow-query event");
        assert!(line.contains(" WARN ") && line.contains("rows=1"), "{line}");
        db.set_slow_query_threshold(None);

        // The N+1 detector reports into the same stream.
        for i in 0..3 {
            Pet::objects()
                .create(&db, Pet { name: format!("pet{i}"), owner: (&ann).into(), ..Default::default() })
                .await
                .expect("pet");
        }
        let detector = db.detect_n_plus_one();
        for pet in Pet::objects().all(&db).await.expect("pets") {
            pet.owner.get(&db).await.expect("owner");
        }
        drop(detector);
        assert!(
            captured.text().contains("djorm::n_plus_one") && captured.text().contains("Pet.owner"),
            "N+1 in the stream"
        );

        // Volume: thousands of statements, failing ones and failed connections included.
        for i in 0..10_200 / test_backends().len() as i64 {
            Owner::objects().filter(Q::new("pk", i)).exists(&db).await.expect("exists");
            if i % 500 == 0 {
                let _ = Owner::objects().filter(Q::new("nope", 1)).count(&db).await;
                let _ = db.fetch(&Compiled { sql: "SELECT * FROM no_such_table".into(), params: vec![] }, &[]).await;
            }
        }
        if backend == "postgresql" {
            let unreachable = format!("postgres://root:{PASSWORD}@127.0.0.1:1/none?connect_timeout=1");
            let err = djorm::connect(&unreachable).await.expect_err("nothing listens there");
            tracing::debug!(error = %err, "connection refused, as expected");
        }
    }
    let text = captured.text();
    let lines = text.lines().count();
    assert!(lines >= 10_000, "{lines} lines of debug output");
    assert!(!text.contains(PASSWORD), "the password appeared in the log");
}

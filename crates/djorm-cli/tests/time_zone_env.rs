//! `TIME_ZONE` in the environment is Django's setting for the `djorm` command: the shell's date
//! lookups read timestamps on that zone's clocks, and an unknown zone stops the command with a
//! message that names the variable. Each run is its own process (the zone is process-wide).

mod chapter_blog;

use std::process::{Command, Output};

use djorm::testing::{test_backends, TestDatabase};

fn djorm(url: &str, zone: Option<&str>, args: &[&str]) -> Output {
    let dir = chapter_blog::blog_migrations();
    let mut command = Command::new(env!("CARGO_BIN_EXE_djorm"));
    command.arg("--dir").arg(dir).args(["--database", url]).args(args).env_remove("TIME_ZONE");
    if let Some(zone) = zone {
        command.env("TIME_ZONE", zone);
    }
    command.output().expect("run djorm")
}

/// One shell line's JSON answer, on one line.
fn shell(url: &str, zone: Option<&str>, line: &str) -> String {
    let out = djorm(url, zone, &["shell", "--yes", "--format", "json", "-c", line]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{line}: {text}\n{}", String::from_utf8_lossy(&out.stderr));
    text.split_whitespace().collect()
}

#[tokio::test]
async fn the_shell_reads_timestamps_in_the_time_zone_of_the_environment() {
    for backend in test_backends() {
        let test_db = TestDatabase::new(backend, &[]).await.expect("test database");
        let url = test_db.url().expect("url");
        assert!(djorm(&url, None, &["migrate"]).status.success());
        // New Year 2026 in UTC is still 2025 in New York.
        shell(
            &url,
            None,
            r#"Author.objects.create(name="Ann", email="ann@example.com", bio="", created_at="2026-01-01T00:00:00Z")"#,
        );
        let in_2025 = r#"Author.objects.filter(created_at__year=2025).count()"#;
        assert_eq!(shell(&url, None, in_2025), "0", "{backend}");
        assert_eq!(shell(&url, Some("America/New_York"), in_2025), "1", "{backend}");
        let hour = r#"Author.objects.annotate(h=ExtractHour("created_at")).values_list("h", flat=True)"#;
        assert_eq!(shell(&url, Some("Asia/Kathmandu"), hour), "[5]", "{backend}");

        let refused = djorm(&url, Some("Mars/Olympus"), &["shell", "-c", "1"]);
        let said = format!("{}{}", String::from_utf8_lossy(&refused.stdout), String::from_utf8_lossy(&refused.stderr));
        assert!(!refused.status.success(), "{said}");
        assert!(said.contains("TIME_ZONE: No time zone found with key Mars/Olympus"), "{said}");
    }
}

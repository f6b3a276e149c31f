//! The differential suite: real Django is the oracle. Each expression of
//! `django_diff/expressions.txt` runs through Django (pinned in `django_diff/requirements.txt`,
//! installed by this test into a virtualenv under the target directory) and through djorm's
//! shell (`--format json`), on the same database, on every backend: the rows, their order, the
//! values, the counts and the exception classes must be equal.
//!
//! Where djorm still differs, `django_diff/known_differences.txt` names the difference
//! (`backend | expression | why`): a documented backend difference, or an open bug with its
//! issue. The test fails on any difference not listed there, and on any listed one that no
//! longer differs (so a fix removes its line).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use djorm::prelude::{DateTime, Decimal};
use djorm::testing::{test_backends, TestDatabase};
use djorm::ModelMeta;
use djorm_cli::shell::{execute, Format, Session};
use serde_json::{json, Value as Json};

mod diff {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "diff", ordering = ["name"])]
    pub struct Country {
        pub id: AutoId,
        #[djorm(max_length = 50)]
        pub name: String,
        #[djorm(max_length = 2, unique)]
        pub code: String,
        pub year: Option<i32>,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "diff", ordering = ["id"])]
    pub struct Author {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub name: String,
        #[djorm(max_length = 100)]
        pub email: Option<String>,
        pub born: Option<NaiveDate>,
        #[djorm(max_digits = 4, decimal_places = 2)]
        pub rating: Option<Decimal>,
        #[djorm(default = true)]
        pub active: bool,
        #[djorm(on_delete = SetNull, related_name = "authors")]
        pub country: Option<ForeignKey<Country>>,
        #[djorm(on_delete = SetNull, related_name = "mentees")]
        pub mentor: Option<ForeignKey<Author>>,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "diff", ordering = ["id"])]
    pub struct Tag {
        pub id: AutoId,
        #[djorm(max_length = 30)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "diff", ordering = ["id"])]
    pub struct Book {
        pub id: AutoId,
        #[djorm(max_length = 200)]
        pub title: String,
        #[djorm(on_delete = Cascade, related_name = "books")]
        pub author: ForeignKey<Author>,
        pub pages: i32,
        #[djorm(max_digits = 6, decimal_places = 2)]
        pub price: Decimal,
        pub published: Option<DateTime<Utc>>,
        pub length: Option<TimeDelta>,
        #[djorm(related_name = "books")]
        pub tags: ManyToMany<Tag>,
    }
}

/// Runs `test` on a two-worker runtime whose threads have the 8 MiB stack the `djorm`
/// binary's main thread has: a debug build's shell evaluation nests large futures, and a test
/// thread has only 2 MiB.
fn on_a_main_thread_stack<F: std::future::Future<Output = ()> + 'static>(test: fn() -> F) {
    let thread = std::thread::Builder::new().stack_size(8 << 20).spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(8 << 20)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(test());
    });
    if let Err(panic) = thread.expect("thread").join() {
        std::panic::resume_unwind(panic);
    }
}

fn models() -> Vec<&'static ModelMeta> {
    use djorm::Model;
    vec![diff::Country::meta(), diff::Author::meta(), diff::Tag::meta(), diff::Book::meta()]
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django_diff")
}

/// The virtualenv holding the pinned Django, made once per target directory (again when the
/// pins change); the tests of this file share it, so only one of them makes it.
fn oracle_python() -> PathBuf {
    static MADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    MADE.get_or_init(make_oracle_python).clone()
}

fn make_oracle_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("django-oracle-venv");
    let python = venv.join("bin/python");
    let requirements = std::fs::read_to_string(suite_dir().join("requirements.txt")).unwrap();
    let stamp = venv.join("requirements.installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(requirements.as_str()) {
        return python;
    }
    let run = |cmd: &mut Command, what: &str| {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{what}: could not start it ({e}); the suite needs python3 with venv and pip"));
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
    std::fs::write(&stamp, requirements).unwrap();
    python
}

fn oracle(python: &Path, args: &[&str]) -> String {
    let out =
        Command::new(python).arg(suite_dir().join("oracle.py")).args(args).output().expect("run the Django oracle");
    assert!(out.status.success(), "oracle {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// One listed difference: where, which expression, and why.
struct Known {
    backend: String,
    expression: String,
    /// The server answers Django's SQL one way or the other from run to run (`why` starts
    /// with `unstable:`): agreeing is no news there.
    unstable: bool,
}

fn known_differences() -> Vec<Known> {
    let text = std::fs::read_to_string(suite_dir().join("known_differences.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, " | ");
            let backend = parts.next().unwrap().trim().to_owned();
            let expression = parts.next().unwrap_or_else(|| panic!("malformed line: {l}")).trim().to_owned();
            let why = parts.next().map(str::trim).unwrap_or_default();
            assert!(!why.is_empty(), "a known difference must say why: {l}");
            Known { backend, expression, unstable: why.starts_with("unstable:") }
        })
        .collect()
}

/// Equal as the suite means it: JSON-equal, floats to 1e-9 (relative), and a float equal to a
/// decimal text of the same number (Django's `Avg` returns a float on one backend and a
/// Decimal on another; the value, not its Python type, is compared).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => close(x.as_f64().unwrap(), y.as_f64().unwrap()),
        },
        (Json::String(x), Json::String(y)) if x != y => same_decimal(x, y) || same_instant(x, y),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Decimal texts of one number at one scale: Python writes a zero with 15 places `0E-15`.
fn same_decimal(x: &str, y: &str) -> bool {
    let parse = |s: &str| s.parse::<Decimal>().or_else(|_| Decimal::from_scientific(s)).ok();
    match (parse(x), parse(y)) {
        (Some(x), Some(y)) => x == y && x.scale() == y.scale(),
        _ => false,
    }
}

/// Two timestamps of one instant: Django shows a `Trunc` in the zone it truncated in
/// (`2022-12-31T00:00:00-05:00`), djorm every timestamp in UTC (`2022-12-31T05:00:00+00:00`).
fn same_instant(x: &str, y: &str) -> bool {
    match (DateTime::parse_from_rfc3339(x), DateTime::parse_from_rfc3339(y)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn close(x: f64, y: f64) -> bool {
    (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
}

/// What djorm's shell prints for one line, as JSON (`{"error": {"class": ..}}` on failure).
async fn djorm_side(session: &mut Session, expression: &str) -> Json {
    match execute(session, expression, Format::Json).await {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Json::String(text)),
        Err(e) => json!({ "error": { "class": e.class, "message": e.message } }),
    }
}

fn django_side(line: &Json) -> Json {
    match line.get("error") {
        Some(error) => json!({ "error": error }),
        None => line["ok"].clone(),
    }
}

fn comparable(result: &Json) -> Json {
    match result.get("error") {
        Some(error) => json!({ "error": error["class"] }),
        None => result.clone(),
    }
}

#[test]
fn djorm_answers_as_django_does_on_every_backend() {
    on_a_main_thread_stack(answers_as_django_does);
}

async fn answers_as_django_does() {
    let python = oracle_python();
    let expressions = suite_dir().join("expressions.txt");
    let known = known_differences();
    let mut report = Vec::new();
    let mut listed_but_equal = Vec::new();
    let mut compared = 0;
    for backend in test_backends() {
        let test_db = TestDatabase::new(backend, &models()).await.unwrap();
        let url = test_db.url().unwrap();
        oracle(&python, &["seed", &url]);
        let answers = oracle(&python, &["eval", &url, expressions.to_str().unwrap()]);
        let mut session = Session::new(test_db.db().clone(), models(), Box::new(|_: &str| true));
        session.set_max_rows(None);
        let mut seen = BTreeSet::new();
        for line in answers.lines() {
            let line: Json = serde_json::from_str(line).unwrap();
            let expression = line["expression"].as_str().unwrap().to_owned();
            let theirs = django_side(&line);
            // Lines after `# time zone: X` run with X current, for Django and for djorm.
            let zone = djorm::timezone::parse(line["zone"].as_str().unwrap_or("UTC")).unwrap();
            let ours = djorm::timezone::scope(zone, djorm_side(&mut session, &expression)).await;
            compared += 1;
            let equal = same(&comparable(&theirs), &comparable(&ours));
            let entry = known.iter().find(|k| (k.backend == "*" || k.backend == backend) && k.expression == expression);
            let listed = entry.is_some();
            seen.insert(expression.clone());
            match (equal, listed) {
                (false, false) => {
                    report.push(format!("{backend} | {expression}\n    django: {theirs}\n    djorm:  {ours}"))
                }
                (true, true) if !entry.is_some_and(|k| k.unstable) => {
                    listed_but_equal.push(format!("{backend} | {expression}"))
                }
                _ => {}
            }
        }
        assert!(seen.len() >= 300, "the suite runs at least 300 expressions; {backend} ran {}", seen.len());
    }
    assert!(
        report.is_empty() && listed_but_equal.is_empty(),
        "{} expressions compared.\n\n{} differ from Django and are not in known_differences.txt:\n{}\n\n{} are listed as \
         known differences but now agree with Django (remove their lines):\n{}",
        compared,
        report.len(),
        report.join("\n"),
        listed_but_equal.len(),
        listed_but_equal.join("\n")
    );
}

/// A fixture's objects in a comparable order (by model, then key), each many-to-many list
/// sorted (Django lists related keys in the join table's order).
fn normalized(fixture: &Json) -> Vec<Json> {
    let mut objects: Vec<Json> = fixture.as_array().expect("a fixture is a list").clone();
    for object in &mut objects {
        if let Some(fields) = object.get_mut("fields").and_then(Json::as_object_mut) {
            for value in fields.values_mut() {
                if let Json::Array(items) = value {
                    items.sort_by_key(|v| v.as_i64());
                }
            }
        }
    }
    objects.sort_by_key(|o| (o["model"].as_str().unwrap_or("").to_owned(), o["pk"].as_i64()));
    objects
}

/// Django's fixtures and djorm's are one format: Django's dump loads into djorm, djorm's dump of
/// that equals Django's, and Django loads djorm's dump back to the same rows, on every backend.
#[test]
fn fixtures_move_between_django_and_djorm() {
    on_a_main_thread_stack(fixtures_move_both_ways);
}

async fn fixtures_move_both_ways() {
    let python = oracle_python();
    for backend in test_backends() {
        let source = TestDatabase::new(backend, &models()).await.unwrap();
        oracle(&python, &["seed", &source.url().unwrap()]);
        let django_dump: Json = serde_json::from_str(&oracle(&python, &["dumpdata", &source.url().unwrap()])).unwrap();
        assert!(django_dump.as_array().is_some_and(|a| a.len() > 20), "{django_dump}");

        // Django's fixture into djorm; djorm's dump of it is Django's.
        let copy = TestDatabase::new(backend, &models()).await.unwrap();
        let loaded =
            djorm::fixtures::load(copy.db(), &models(), &django_dump).await.expect("djorm loads Django's fixture");
        assert_eq!(loaded, django_dump.as_array().unwrap().len());
        let djorm_dump = djorm::fixtures::dump(copy.db(), &models()).await.unwrap();
        assert_eq!(normalized(&djorm_dump), normalized(&django_dump), "{backend}");

        // Keys go on after the loaded ones (PostgreSQL's sequences were moved past them).
        let new_tag = json!([{"model": "diff.tag", "pk": null, "fields": {"name": "new"}}]);
        djorm::fixtures::load(copy.db(), &models(), &new_tag).await.expect("a new row after the loaded keys");

        // djorm's fixture into Django, whose dump is the original.
        let file = std::env::temp_dir().join(format!("djorm-fixture-{}-{backend}.json", std::process::id()));
        std::fs::write(&file, serde_json::to_string(&djorm_dump).unwrap()).unwrap();
        let back = TestDatabase::new(backend, &models()).await.unwrap();
        oracle(&python, &["loaddata", &back.url().unwrap(), file.to_str().unwrap()]);
        let again: Json = serde_json::from_str(&oracle(&python, &["dumpdata", &back.url().unwrap()])).unwrap();
        assert_eq!(normalized(&again), normalized(&django_dump), "{backend}: Django reads djorm's fixture");
        let _ = std::fs::remove_file(file);

        // A broken fixture loads nothing.
        let empty = TestDatabase::new(backend, &models()).await.unwrap();
        let broken = json!([
            {"model": "diff.country", "pk": 1, "fields": {"name": "Kept?", "code": "KP", "year": null}},
            {"model": "diff.author", "pk": 1, "fields": {"name": "x", "country": 99, "mentor": null, "active": true,
                                                         "email": null, "born": null, "rating": null}}
        ]);
        let err = djorm::fixtures::load(empty.db(), &models(), &broken).await.expect_err("a key to nothing");
        assert_eq!(err.class(), "IntegrityError", "{err}");
        assert_eq!(
            djorm::QuerySet::<diff::Country>::new().count(empty.db()).await.unwrap(),
            0,
            "{backend}: nothing kept"
        );
    }
}

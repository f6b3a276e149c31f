//! A corpus of hostile strings through every entry point that takes text from a user — lookup
//! values and names, order_by/values/annotate names, raw SQL and RawSQL, shell lines,
//! migration names and files, inspectdb identifiers, database URLs — on both backends, with a
//! canary table checked after each: no injection, no panic, no file outside the target folder.

#![allow(clippy::unwrap_used)]

use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm::{DatabaseConfig, FieldKind, RawSQL};
use djorm_cli::shell::{execute, Format, Session};
use djorm_cli::Project;

/// One row that must survive every case.
#[derive(Model, Debug, Clone)]
#[djorm(app = "corpus")]
struct Canary {
    id: AutoId,
    #[djorm(max_length = 200)]
    name: String,
    #[djorm(default = 0)]
    hits: i64,
}

/// Strings that have broken ORMs, shells and code generators before.
fn corpus() -> Vec<String> {
    let mut strings: Vec<String> = [
        "'; DROP TABLE corpus_canary; --",
        "\"; DROP TABLE corpus_canary; --",
        "x\"; DELETE FROM corpus_canary; --",
        "') OR 1=1 --",
        "' OR '1'='1",
        "1; DELETE FROM corpus_canary",
        "SELECT 1; DELETE FROM corpus_canary",
        "%s",
        "%s%s%s; DELETE FROM corpus_canary",
        "%",
        "_",
        "\\",
        "\\'",
        "$1",
        "?1",
        "\0",
        "\n",
        "\r\n}\npub fn injected() {}\n",
        "*/ pub fn injected() {} /*",
        "🦀",
        "a\u{202E}b",
        "",
        " ",
        "__",
        "pk__in",
        "name__",
        "__name",
        "name__icontains__exact",
        "name__regex",
        "id__gt__lt",
        "-name",
        "?",
        "-",
        "..",
        "../../etc/passwd",
        "/tmp/x",
        "C:\\x",
        "1e309",
        "-9223372036854775809",
        "NaN",
        "((((",
        "))))",
        "[:",
        "Canary.objects.all().delete()",
        "__import__('os').system('true')",
        "postgres://user:s3cret@host/db",
        "sqlite://",
        "sqlite:///../../x",
        "postgres://h/db?statement_timeout=-1",
        "postgres://h/db?pool_size=0",
        "postgres://h/db?acquire_timeout=1e400",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    strings.push("x".repeat(10_000));
    strings.push("(".repeat(10_000));
    strings.push("a__".repeat(2_000));
    strings.push("é".repeat(300));
    strings
}

async fn canary_intact(db: &Db, case: &str) {
    let rows = Canary::objects().values_list_flat::<String>(db, "name").await;
    assert_eq!(rows.map_err(|e| e.to_string()), Ok(vec!["alive".to_owned()]), "after {case:?}");
}

/// Every library entry point: results or errors, never an injection.
async fn library_entry_points(backend: &'static str) -> usize {
    let test_db = TestDatabase::new(backend, &[Canary::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db().clone();
    Canary::objects().create(&db, Canary { name: "alive".into(), ..Default::default() }).await.unwrap();
    let mut cases = 0;
    for s in corpus() {
        let s = s.as_str();
        // As a value: always data, matching nothing.
        let n = Canary::objects().filter(Q::new("name", s)).count(&db).await;
        assert!(matches!(n, Ok(0) | Err(_)), "{s:?}: {n:?}");
        let _ = Canary::objects().filter(Q::new("name__icontains", s)).count(&db).await;
        let _ = Canary::objects().filter(Q::new("name__regex", s)).count(&db).await;
        let _ = Canary::objects()
            .filter(Q::new("name__in", djorm::Rhs::List(vec![Value::from(s), Value::from("y")])))
            .count(&db)
            .await;
        // As a name: a FieldError (or a result for a real path), never SQL.
        let _ = Canary::objects().filter(Q::new(s, "x")).count(&db).await;
        let _ = Canary::objects().exclude(Q::new(s, 1)).all(&db).await;
        let _ = Canary::objects().order_by([s]).all(&db).await;
        let _ = Canary::objects().values(&db, &[s]).await;
        let _ = Canary::objects().values_group([s]).annotate("n", Count("id")).values(&db, &[]).await;
        let _ = Canary::objects().annotate(s, Count("id")).annotated(&db).await;
        let _ = Canary::objects().annotate("x", Count(s)).annotated(&db).await;
        let _ = Canary::objects().defer([s]).all(&db).await;
        let _ = Canary::objects().filter(q!(Canary, pk = 1)).update(&db, [(s, "v")]).await;
        let _ = Canary::objects().filter(q!(Canary, pk = 1)).update(&db, [("name", F(s))]).await;
        let _ = Canary::objects().filter(q!(Canary, pk = 0)).update(&db, [("name", s)]).await;
        // As SQL the caller wrote: one statement at most, parameters bound.
        let _ = Canary::objects().raw(&db, s, []).await;
        let _ = Canary::objects().raw(&db, "SELECT * FROM corpus_canary WHERE name = %s", [Value::from(s)]).await;
        let _ = Canary::objects().annotate("r", RawSQL(s, vec![], FieldKind::TextField)).annotated(&db).await;
        canary_intact(&db, s).await;
        cases += 1;
    }
    cases
}

#[tokio::test]
async fn the_library_takes_hostile_strings_as_data_or_errors() {
    let pg = library_entry_points("postgresql").await;
    let lite = library_entry_points("sqlite").await;
    assert_eq!(pg, corpus().len());
    assert_eq!(lite, corpus().len());
}

/// Python's repr of a string: how a user would type it into the shell.
fn python_literal(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[tokio::test]
async fn the_shell_takes_hostile_lines_without_harm() {
    for backend in ["postgresql", "sqlite"] {
        let test_db = TestDatabase::new(backend, &[Canary::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
        let db = test_db.db().clone();
        Canary::objects().create(&db, Canary { name: "alive".into(), ..Default::default() }).await.unwrap();
        // Whole-table changes are refused, as without --yes.
        let mut session = Session::new(db.clone(), vec![Canary::meta()], Box::new(|_| false));
        for s in corpus() {
            let literal = python_literal(&s);
            for line in [
                s.clone(),
                format!("Canary.objects.filter(name={literal}).count()"),
                format!("Canary.objects.filter(name__startswith={literal}).delete()"),
                format!("Canary.objects.order_by({literal})"),
                format!("Canary.objects.values({literal})"),
                format!("Canary.objects.filter(**{literal})"),
                format!("Canary.objects.annotate(n=Count({literal}))"),
                format!("Canary.objects.filter(pk=0).update(name={literal})"),
                format!("Canary.objects.order_by(Collate(\"name\", collation={literal}))"),
                format!("Canary.objects.annotate(j=JSONObject(k={literal})).values_list(\"j\")"),
                format!("Canary.objects.annotate(p=LPad(\"name\", 12, Value({literal}))).values_list(\"p\")"),
                format!("Canary.objects.prefetch_related(Prefetch({literal}, to_attr={literal}))"),
                format!("Canary.objects.annotate(r=Window(Rank(), order_by={literal})).values_list(\"r\")"),
                format!("Canary.objects.filter(name=Cast({literal}, output_field=CharField())).count()"),
            ] {
                let _ = execute(&mut session, &line, Format::Json).await;
            }
            canary_intact(&db, &s).await;
        }
        // Sizes and bounds from user input: an error each, never an abort or a huge allocation.
        for line in [
            "Canary.objects.annotate(x=Repeat(\"name\", 10**12)).values_list(\"x\")",
            "Canary.objects.annotate(x=LPad(\"name\", 9223372036854775807, Value(\"ab\"))).values_list(\"x\")",
            "Canary.objects.annotate(d=F(\"hits\") + timedelta(days=999999999)).values_list(\"d\")",
            "timedelta(days=10**30)",
            "Canary.objects.annotate(r=Window(Ntile(-5))).values_list(\"r\")",
            "Canary.objects.annotate(r=Window(Rank(), frame=RowRange(start=-10**30))).values_list(\"r\")",
        ] {
            let outcome = execute(&mut session, line, Format::Json).await;
            assert!(outcome.is_err(), "{backend}: {line} should be refused, gave {outcome:?}");
            canary_intact(&db, line).await;
        }
        // Outside a math function's domain: NULL on SQLite (its rule), an error on PostgreSQL.
        let line = "Canary.objects.annotate(s=Sqrt(Value(-1.0))).values_list(\"s\", flat=True)";
        let outcome = execute(&mut session, line, Format::Json)
            .await
            .map(|json| json.split_whitespace().collect::<String>())
            .map_err(|e| e.class);
        match backend {
            "sqlite" => assert_eq!(outcome, Ok("[null]".to_owned()), "{line}"),
            _ => assert_eq!(outcome, Err("DataError"), "{line}"),
        }
    }
}

#[tokio::test]
async fn migration_names_and_files_stay_in_their_folder() {
    let base = std::env::temp_dir().join(format!("djorm-corpus-{}", std::process::id()));
    let dir = base.join("a").join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    let project = Project { models: Some(vec![Canary::meta()]), ..Project::default() };
    for s in corpus() {
        let args: Vec<String> =
            ["--dir", &dir.display().to_string(), "--database", "sqlite::memory:", "makemigrations", "--name", &s]
                .map(String::from)
                .to_vec();
        let mut out = Vec::new();
        let code = djorm_cli::run(&args, &project, &mut out).await;
        let valid = djorm_migrations::loader::is_identifier(&s) && s.len() <= 100;
        assert_eq!(code == ExitCode::SUCCESS, valid, "{s:?}: {}", String::from_utf8_lossy(&out));
        // Whatever was written is a migration file directly under the app's folder.
        for entry in walk(&base) {
            assert!(entry.starts_with(dir.join("corpus")), "{s:?} wrote {}", entry.display());
        }
        let _ = std::fs::remove_dir_all(dir.join("corpus"));
        // As a migration file's contents: an error naming the file, never a panic.
        std::fs::create_dir_all(dir.join("corpus")).unwrap();
        std::fs::write(dir.join("corpus/0001_initial.toml"), &s).unwrap();
        assert!(djorm_migrations::loader::load(&dir).is_err(), "{s:?} is not a migration");
        let _ = std::fs::remove_dir_all(dir.join("corpus"));
    }
    let _ = std::fs::remove_dir_all(&base);
}

fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn inspectdb_writes_hostile_table_names_as_data() {
    let test_db = TestDatabase::new("sqlite", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db();
    let names: Vec<String> = corpus().into_iter().filter(|s| !s.is_empty() && !s.contains('\0')).take(40).collect();
    let statements: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (mut table, mut column) = (String::new(), String::new());
            db.dialect().write_ident(&mut table, &format!("{name}{i}"));
            db.dialect().write_ident(&mut column, name);
            format!("CREATE TABLE {table} (id integer PRIMARY KEY, {column} text)")
        })
        .collect();
    db.execute_script(&statements).await.expect("hostile tables");
    let url = test_db.url().unwrap();
    let args: Vec<String> = ["--database", &url, "inspectdb"].map(String::from).to_vec();
    let mut out = Vec::new();
    assert_eq!(djorm_cli::run(&args, &Project::default(), &mut out).await, ExitCode::SUCCESS);
    let source = String::from_utf8(out).unwrap();
    let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("parses: {e}\n{source}"));
    let structs = file.items.iter().filter(|i| matches!(i, syn::Item::Struct(_))).count();
    assert!(file.items.iter().all(|i| matches!(i, syn::Item::Struct(_) | syn::Item::Use(_))), "only structs");
    assert_eq!(structs, names.len());
}

#[test]
fn urls_are_parsed_or_refused_without_echoing_a_password() {
    for s in corpus() {
        // A SQLite path is not a credential: it is shown as given.
        let _ = DatabaseConfig::from_url(&format!("sqlite://{s}"));
        for url in [s.clone(), format!("postgres://u:s3cret@{s}/db"), format!("postgres://h/db?{s}")] {
            match DatabaseConfig::from_url(&url) {
                Ok(config) if url.starts_with("sqlite") => drop(config),
                Ok(config) => assert!(!format!("{config} {config:?}").contains("s3cret"), "{url:?}"),
                Err(e) => assert!(!e.to_string().contains("s3cret"), "{url:?}: {e}"),
            }
        }
    }
}

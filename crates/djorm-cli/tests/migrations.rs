//! makemigrations output, --check, the lock, a killed migrate, sqlmigrate, history checks and
//! the linter.

mod common;
use common::{cmd, temp_dir};
use std::path::Path;
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm_cli::Project;
use djorm_migrations::executor::{self, CodeRegistry, Options, Target};
use djorm_migrations::{linter, loader, Migration, Operation};

mod shop {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "shop", ordering = ["name"])]
    pub struct Category {
        pub id: AutoId,
        #[djorm(max_length = 50, unique)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "shop", index(fields = ["category", "-price"]))]
    pub struct Product {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub title: String,
        #[djorm(slug, unique)]
        pub slug: String,
        #[djorm(max_digits = 8, decimal_places = 2, default = Decimal::new(0, 0))]
        pub price: Decimal,
        pub stock: Option<i32>,
        #[djorm(on_delete = Protect, related_name = "products")]
        pub category: ForeignKey<Category>,
        pub tags: ManyToMany<Category>,
    }
}

mod shop_v2 {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "shop", name = "Category", ordering = ["name"])]
    pub struct Category {
        pub id: AutoId,
        #[djorm(max_length = 50, unique)]
        pub name: String,
    }

    /// Adds a NOT NULL field without a default: makemigrations must refuse.
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "shop", name = "Product", index(fields = ["category", "-price"]))]
    pub struct Product {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub title: String,
        #[djorm(slug, unique)]
        pub slug: String,
        #[djorm(max_digits = 8, decimal_places = 2, default = Decimal::new(0, 0))]
        pub price: Decimal,
        pub stock: Option<i32>,
        #[djorm(on_delete = Protect, related_name = "products")]
        pub category: ForeignKey<Category>,
        pub tags: ManyToMany<Category>,
        pub sku: String,
    }
}

fn shop_project() -> Project {
    Project { models: Some(vec![shop::Category::meta(), shop::Product::meta()]), ..Project::default() }
}

/// Only what the ORM reads changes: the reverse names, the on_delete rule, the symmetry.
mod shop_v3 {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "shop", name = "Category", ordering = ["name"])]
    pub struct Category {
        pub id: AutoId,
        #[djorm(max_length = 50, unique)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "shop", name = "Product", index(fields = ["category", "-price"]))]
    pub struct Product {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub title: String,
        #[djorm(slug, unique)]
        pub slug: String,
        #[djorm(max_digits = 8, decimal_places = 2, default = Decimal::new(0, 0))]
        pub price: Decimal,
        pub stock: Option<i32>,
        #[djorm(on_delete = Cascade, related_name = "items")]
        pub category: ForeignKey<Category>,
        #[djorm(related_name = "tagged")]
        pub tags: ManyToMany<Category>,
    }
}

#[tokio::test]
async fn reverse_names_are_recorded_and_changing_them_runs_no_sql() {
    let dir = temp_dir("reverse-names");
    let migrations = initial(&dir).await;
    let initial_text = std::fs::read_to_string(dir.join("shop/0001_initial.toml")).expect("written");
    assert!(initial_text.contains("related_name = \"products\""), "{initial_text}");
    let v3 = Project { models: Some(vec![shop_v3::Category::meta(), shop_v3::Product::meta()]), ..Project::default() };
    let (code, out) = cmd(&dir, "sqlite::memory:", &v3, &["makemigrations"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(
        out.contains("- Alter field category on product") && out.contains("- Alter field tags on product"),
        "{out}"
    );
    let migrations_v3 = loader::load(&dir).expect("load");
    assert_eq!(migrations_v3.len(), migrations.len() + 1);
    let second = migrations_v3.iter().find(|m| m.name != "0001_initial").expect("0002").name.clone();
    let text = std::fs::read_to_string(dir.join(format!("shop/{second}.toml"))).expect("written");
    assert!(text.contains("related_name = \"items\"") && text.contains("related_name = \"tagged\""), "{text}");
    let (code, out) = cmd(&dir, "sqlite::memory:", &v3, &["makemigrations", "--check"]).await;
    assert_eq!((code, out.trim()), (ExitCode::SUCCESS, "No changes detected"));
    for backend in ["postgresql", "sqlite"] {
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let db = test_db.db().clone();
        // No statement forwards or backwards: on SQLite the table is not rebuilt either.
        for backwards in [false, true] {
            let sql = executor::sql_for(db.dialect(), &migrations_v3, "shop", &second, backwards).expect("sql");
            assert!(sql.is_empty(), "{backend:?} backwards={backwards}: {sql:?}");
        }
        executor::migrate(&db, &migrations_v3, &Target::Latest, &Options::default(), &CodeRegistry::default())
            .await
            .expect("migrate");
        let target = Target::To("shop".into(), "0001_initial".into());
        executor::migrate(&db, &migrations_v3, &target, &Options::default(), &CodeRegistry::default())
            .await
            .expect("migrate back");
    }
}

#[tokio::test]
async fn initial_migration_matches_the_golden_file_and_is_deterministic() {
    let (a, b) = (temp_dir("golden-a"), temp_dir("golden-b"));
    for dir in [&a, &b] {
        let (code, out) = cmd(dir, "sqlite::memory:", &shop_project(), &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
    }
    let written = std::fs::read_to_string(a.join("shop/0001_initial.toml")).expect("written");
    assert_eq!(written, std::fs::read_to_string(b.join("shop/0001_initial.toml")).expect("written"), "byte-identical");
    let golden_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/shop_0001_initial.toml");
    if std::env::var_os("DJORM_BLESS").is_some() {
        std::fs::write(&golden_path, &written).expect("bless");
    }
    let golden = std::fs::read_to_string(&golden_path).expect("golden file (DJORM_BLESS=1 writes it)");
    assert_eq!(written, golden);
}

#[tokio::test]
async fn check_exits_1_when_a_migration_is_missing_and_refuses_not_null_without_default() {
    let dir = temp_dir("check");
    let (code, _) = cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations", "--check"]).await;
    assert_eq!(code, ExitCode::from(1), "nothing written yet: a migration is missing");
    assert!(!dir.join("shop").exists(), "--check writes nothing");
    let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations", "--dry-run"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("- Create model Category") && !dir.join("shop").exists(), "{out}");
    cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations"]).await;
    let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations", "--check"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert_eq!(out.trim(), "No changes detected");
    let v2 = Project { models: Some(vec![shop_v2::Category::meta(), shop_v2::Product::meta()]), ..Project::default() };
    let (code, out) = cmd(&dir, "sqlite::memory:", &v2, &["makemigrations"]).await;
    assert_eq!(code, ExitCode::from(2));
    assert!(
        out.contains("It is impossible to add a non-nullable field 'sku' to Product without specifying a default"),
        "{out}"
    );
}

async fn initial(dir: &Path) -> Vec<Migration> {
    cmd(dir, "sqlite::memory:", &shop_project(), &["makemigrations"]).await;
    loader::load(dir).expect("load")
}

#[tokio::test]
async fn sqlmigrate_prints_what_migrate_runs() {
    for backend in ["postgresql", "sqlite"] {
        let dir = temp_dir("sql");
        let migrations = initial(&dir).await;
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let db = test_db.db().clone();
        let expected = executor::sql_for(db.dialect(), &migrations, "shop", "0001_initial", false).expect("sql");
        let capture = db.capture_queries();
        executor::migrate(&db, &migrations, &Target::Latest, &Options::default(), &CodeRegistry::default())
            .await
            .expect("migrate");
        let ran: Vec<String> = capture.take().into_iter().map(|q| q.sql).collect();
        let start = ran.iter().position(|s| s == &expected[0]).expect("the migration's first statement ran");
        assert_eq!(&ran[start..start + expected.len()], expected.as_slice(), "{backend:?}");
        let (_, printed) =
            cmd(&dir, &test_db.url().expect("url"), &shop_project(), &["sqlmigrate", "shop", "0001"]).await;
        for statement in &expected {
            assert!(printed.contains(&format!("{statement};")), "{printed}");
        }
    }
}

#[tokio::test]
async fn two_migrates_started_together_apply_each_migration_once() {
    let dir = temp_dir("lock");
    let migrations = initial(&dir).await;
    let test_db = TestDatabase::new("postgresql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    // Two separate pools, as two processes would have.
    let (a, b) = (djorm::connect(&url).await.expect("a"), djorm::connect(&url).await.expect("b"));
    let (code, options) = (CodeRegistry::default(), Options::default());
    let (ra, rb) = tokio::join!(
        executor::migrate(&a, &migrations, &Target::Latest, &options, &code),
        executor::migrate(&b, &migrations, &Target::Latest, &options, &code)
    );
    let (sa, sb) = (ra.expect("first migrate"), rb.expect("second migrate"));
    assert_eq!(sa.len() + sb.len(), 1, "exactly one of them applied 0001_initial");
    let recorded = djorm_migrations::recorder::applied(test_db.db()).await.expect("recorded");
    assert_eq!(recorded.len(), 1);
}

#[tokio::test]
async fn a_migrate_killed_mid_migration_leaves_the_previous_state() {
    let dir = temp_dir("kill");
    std::fs::create_dir_all(dir.join("slow")).expect("dir");
    std::fs::write(
        dir.join("slow/0001_initial.toml"),
        r#"dependencies = []
atomic = true

[[operations]]
type = "RunSQL"
sql = ["CREATE TABLE slow_first (id integer)", "SELECT pg_sleep(30)", "CREATE TABLE slow_second (id integer)"]
reverse_sql = ["DROP TABLE slow_second", "DROP TABLE slow_first"]
"#,
    )
    .expect("write");
    let test_db = TestDatabase::new("postgresql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_djorm"))
        .args(["--dir", &dir.display().to_string(), "--database", &url, "migrate"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("djorm runs");
    // Wait until the migration is inside its transaction (sleeping between the two tables).
    let db = test_db.db().clone();
    let mut inside = false;
    for _ in 0..100 {
        let rows = db
            .fetch(
                &djorm::sql::Compiled {
                    sql: "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'".into(),
                    params: vec![],
                },
                &[djorm::ValueKind::I64],
            )
            .await
            .expect("activity");
        if rows.values.first().and_then(Value::as_i64).unwrap_or(0) > 0 {
            inside = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(inside, "the migration never reached its second statement");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // The server ends the dead session's transaction: nothing of the migration remains.
    let exists = |table: &'static str| {
        let db = db.clone();
        async move {
            let sql = format!("SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'");
            let rows =
                db.fetch(&djorm::sql::Compiled { sql, params: vec![] }, &[djorm::ValueKind::I64]).await.expect("q");
            rows.values.first().and_then(Value::as_i64).unwrap_or(0) > 0
        }
    };
    for _ in 0..50 {
        if !exists("slow_first").await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!exists("slow_first").await, "the first table of the killed migration was rolled back");
    assert!(!exists("slow_second").await);
    let recorded = djorm_migrations::recorder::applied(&db).await.unwrap_or_default();
    assert!(recorded.is_empty(), "the killed migration is not recorded: {recorded:?}");
}

#[tokio::test]
async fn inconsistent_history_and_conflicts_are_reported_before_anything_runs() {
    let dir = temp_dir("history");
    let mut migrations = initial(&dir).await;
    let second = Migration {
        app: "shop".into(),
        name: "0002_more".into(),
        dependencies: vec![("shop".into(), "0001_initial".into())],
        atomic: true,
        lint_allow: vec![],
        replaces: vec![],
        operations: vec![Operation::RunSQL { sql: vec!["SELECT 1".into()], reverse_sql: Some(vec![]) }],
    };
    migrations.push(second.clone());
    let applied = [("shop".to_owned(), "0002_more".to_owned())].into_iter().collect();
    let err = executor::check_consistency(&migrations, &applied).expect_err("inconsistent");
    assert!(
        err.to_string().contains("Migration shop.0002_more is applied before its dependency shop.0001_initial"),
        "{err}"
    );
    let applied = [("shop".to_owned(), "0009_gone".to_owned())].into_iter().collect();
    let err = executor::check_consistency(&migrations, &applied).expect_err("missing file");
    assert!(err.to_string().contains("shop.0009_gone is applied in the database but its file is missing"), "{err}");
    let mut rival = second.clone();
    rival.name = "0002_other".into();
    migrations.push(rival);
    let err = executor::check_consistency(&migrations, &Default::default()).expect_err("conflict");
    assert!(err.to_string().contains("Conflicting migrations detected"), "{err}");
}

fn op_migration(name: &str, ops: Vec<Operation>, allow: Vec<usize>) -> Migration {
    Migration {
        app: "shop".into(),
        name: name.into(),
        dependencies: vec![("shop".into(), "0001_initial".into())],
        atomic: true,
        lint_allow: allow,
        replaces: vec![],
        operations: ops,
    }
}

#[tokio::test]
async fn the_linter_flags_each_unsafe_operation_and_passes_safe_ones() {
    let dir = temp_dir("lint");
    let base = initial(&dir).await;
    let product = base[0].operations.iter().find_map(|o| match o {
        Operation::CreateModel { model } if model.name == "Product" => Some(model.clone()),
        _ => None,
    });
    let product = product.expect("Product in 0001");
    let mut not_null = product.field("title").cloned().expect("title");
    not_null.name = "sku".into();
    not_null.column = "sku".into();
    let mut retyped = product.field("stock").cloned().expect("stock");
    retyped.kind = "BigIntegerField".into();
    let unsafe_ops = vec![
        Operation::RemoveField { model: "shop.Product".into(), name: "stock".into() },
        Operation::RenameField { model: "shop.Product".into(), old_name: "title".into(), new_name: "name".into() },
        Operation::AddField { model: "shop.Product".into(), field: not_null },
        Operation::AlterField { model: "shop.Product".into(), field: retyped },
        Operation::AddIndex {
            model: "shop.Product".into(),
            index: djorm_migrations::IndexState { name: "shop_slow".into(), columns: vec!["slug".into()] },
            concurrently: false,
        },
        Operation::RunSQL { sql: vec!["UPDATE shop_product SET stock = 0".into()], reverse_sql: None },
        Operation::DeleteModel { model: "shop.Category".into() },
    ];
    for (i, op) in unsafe_ops.into_iter().enumerate() {
        let mut migrations = base.clone();
        let described = op.describe();
        migrations.push(op_migration("0002_change", vec![op], vec![]));
        let findings = linter::lint(&migrations, &[&djorm::postgres::FEATURES]).expect("lints");
        assert_eq!(findings.len(), 1, "case {i} ({described}): {findings:?}");
        assert_eq!(findings[0].migration, "shop.0002_change");
        assert!(!findings[0].reason.is_empty());
    }
    // Safe: a nullable column, a concurrent index, RunSQL with its reverse.
    let mut nullable = product.field("stock").cloned().expect("stock");
    nullable.name = "notes".into();
    nullable.column = "notes".into();
    let safe = vec![
        Operation::AddField { model: "shop.Product".into(), field: nullable },
        Operation::AddIndex {
            model: "shop.Product".into(),
            index: djorm_migrations::IndexState { name: "shop_fast".into(), columns: vec!["slug".into()] },
            concurrently: true,
        },
        Operation::RunSQL { sql: vec!["SELECT 1".into()], reverse_sql: Some(vec!["SELECT 1".into()]) },
    ];
    let mut migrations = base.clone();
    migrations.push(op_migration("0002_safe", safe, vec![]));
    assert_eq!(linter::lint(&migrations, &[&djorm::postgres::FEATURES]).expect("lints"), vec![]);
    // A reviewed exception passes through lint_allow.
    let mut migrations = base.clone();
    migrations.push(op_migration(
        "0002_reviewed",
        vec![Operation::DeleteModel { model: "shop.Category".into() }],
        vec![0],
    ));
    assert!(linter::lint(&migrations, &[&djorm::postgres::FEATURES]).expect("lints").is_empty());
    // And the command exits 1 on findings.
    let mut migrations = base;
    migrations.push(op_migration(
        "0002_change",
        vec![Operation::DeleteModel { model: "shop.Category".into() }],
        vec![],
    ));
    djorm_migrations::writer::write(&dir, &migrations[1]).expect("write");
    let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["lint"]).await;
    assert_eq!(code, ExitCode::from(1), "{out}");
    assert!(out.contains("shop.0002_change [#0] Delete model Category: drops a table"), "{out}");
}

mod order {
    use djorm::prelude::*;

    /// Sorts before its many-to-many target: its join table still needs Zeta's table first.
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "order")]
    pub struct Alpha {
        pub id: AutoId,
        pub zetas: ManyToMany<Zeta>,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "order")]
    pub struct Zeta {
        pub id: AutoId,
    }
}

#[tokio::test]
async fn new_models_are_created_after_the_tables_their_relations_need() {
    let dir = temp_dir("order");
    let project = Project { models: Some(vec![order::Alpha::meta(), order::Zeta::meta()]), ..Project::default() };
    let (code, out) = cmd(&dir, "sqlite::memory:", &project, &["makemigrations"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.find("Create model Zeta") < out.find("Create model Alpha"), "{out}");
    let test_db = TestDatabase::new("postgresql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let (code, out) = cmd(&dir, &test_db.url().expect("url"), &project, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
}

#[tokio::test]
async fn merge_resolves_two_latest_migrations_and_migrate_refuses_until_then() {
    let dir = temp_dir("merge");
    let migrations = initial(&dir).await;
    for (name, table) in [("0002_left", "shop_left"), ("0002_right", "shop_right")] {
        let m = Migration {
            app: "shop".into(),
            name: name.into(),
            dependencies: vec![("shop".into(), "0001_initial".into())],
            atomic: true,
            lint_allow: vec![],
            replaces: vec![],
            operations: vec![Operation::RunSQL {
                sql: vec![format!("CREATE TABLE {table} (id integer)")],
                reverse_sql: Some(vec![format!("DROP TABLE {table}")]),
            }],
        };
        djorm_migrations::writer::write(&dir, &m).expect("write");
    }
    let _ = migrations;
    let test_db = TestDatabase::new("sqlite", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    let (code, out) = cmd(&dir, &url, &shop_project(), &["migrate"]).await;
    assert_eq!(code, ExitCode::from(2));
    assert!(out.contains("Conflicting migrations detected"), "{out}");
    let (code, out) = cmd(&dir, &url, &shop_project(), &["makemigrations", "--merge"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("0003_merge_0002_left_0002_right.toml"), "{out}");
    let (code, out) = cmd(&dir, &url, &shop_project(), &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("Applying shop.0003_merge_0002_left_0002_right... OK"), "{out}");
}

fn run_sql(name: &str, dep: &str, table: &str) -> Migration {
    Migration {
        app: "shop".into(),
        name: name.into(),
        dependencies: vec![("shop".into(), dep.into())],
        atomic: true,
        lint_allow: vec![],
        replaces: vec![],
        operations: vec![Operation::RunSQL {
            sql: vec![format!("CREATE TABLE {table} (id integer)")],
            reverse_sql: Some(vec![format!("DROP TABLE {table}")]),
        }],
    }
}

#[tokio::test]
async fn squashed_migrations_stand_in_for_the_originals() {
    let dir = temp_dir("squash");
    initial(&dir).await;
    for m in [run_sql("0002_a", "0001_initial", "shop_a"), run_sql("0003_b", "0002_a", "shop_b")] {
        djorm_migrations::writer::write(&dir, &m).expect("write");
    }
    // A database that applied only 0001 before the squash.
    let partial = TestDatabase::new("sqlite", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let partial_url = partial.url().expect("url");
    let (code, out) = cmd(&dir, &partial_url, &shop_project(), &["migrate", "shop", "0001"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");

    let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["squashmigrations", "shop", "0002"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("0001_squashed_0002_a.toml") && out.contains("replaces 2 migration(s)"), "{out}");
    let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations", "--check"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "the squash changes no state: {out}");

    // A new database runs the squashed migration instead of 0001 and 0002, then 0003.
    let fresh = TestDatabase::new("postgresql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let (code, out) = cmd(&dir, &fresh.url().expect("url"), &shop_project(), &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(
        out.contains("Applying shop.0001_squashed_0002_a... OK") && out.contains("Applying shop.0003_b... OK"),
        "{out}"
    );
    assert!(!out.contains("Applying shop.0001_initial"), "{out}");
    let recorded = djorm_migrations::recorder::applied(fresh.db()).await.expect("recorded");
    assert!(recorded.contains(&("shop".into(), "0002_a".into())), "the replaced names are recorded too: {recorded:?}");

    // The partly migrated database goes on with the originals.
    let (code, out) = cmd(&dir, &partial_url, &shop_project(), &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("Applying shop.0002_a... OK") && !out.contains("squashed"), "{out}");
}

mod renames {
    pub mod before {
        use djorm::prelude::*;
        #[derive(Model, Debug, Clone)]
        #[djorm(app = "rn", name = "Story")]
        pub struct Story {
            pub id: AutoId,
            #[djorm(max_length = 80)]
            pub title: String,
        }
    }
    pub mod after {
        use djorm::prelude::*;
        #[derive(Model, Debug, Clone)]
        #[djorm(app = "rn", name = "Article")]
        pub struct Article {
            pub id: AutoId,
            #[djorm(max_length = 80)]
            pub headline: String,
        }
    }
}

#[tokio::test]
async fn renames_are_asked_on_a_terminal_or_given_as_flags_and_keep_the_data() {
    use djorm_migrations::autodetector::{changes, ModelRename, Questioner};
    use djorm_migrations::ProjectState;
    let from = ProjectState::from_metas(&[renames::before::Story::meta()]);
    let to = ProjectState::from_metas(&[renames::after::Article::meta()]);
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = asked.clone();
    let questioner = Questioner {
        model_renames: vec![ModelRename { model: "rn.Story".into(), new_name: "Article".into() }],
        ask: Some(std::sync::Arc::new(move |q: &str| {
            log.lock().expect("log").push(q.to_owned());
            true
        })),
        ..Default::default()
    };
    let ops = changes(&from, &to, &questioner).expect("diff");
    let described: Vec<String> = ops["rn"].iter().map(Operation::describe).collect();
    assert_eq!(described, ["Rename model Story to Article", "Rename field title on article to headline"]);
    assert_eq!(
        asked.lock().expect("log").as_slice(),
        ["Was article.title renamed to article.headline (a CharField)? [y/N]"]
    );
    // Without the flag and the question, it is a delete and a create, as Django does.
    let plain = changes(&from, &to, &Questioner::default()).expect("diff");
    let described: Vec<String> = plain["rn"].iter().map(Operation::describe).collect();
    assert_eq!(described, ["Create model Article", "Delete model Story"]);

    // Through the command line, on a database with a row: the row survives both renames.
    let dir = temp_dir("rename");
    let test_db = TestDatabase::new("sqlite", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    let before = Project { models: Some(vec![renames::before::Story::meta()]), ..Project::default() };
    cmd(&dir, &url, &before, &["makemigrations"]).await;
    cmd(&dir, &url, &before, &["migrate"]).await;
    renames::before::Story::objects()
        .create(test_db.db(), renames::before::Story { title: "kept".into(), ..Default::default() })
        .await
        .expect("row");
    let after = Project { models: Some(vec![renames::after::Article::meta()]), ..Project::default() };
    let (code, out) = cmd(
        &dir,
        &url,
        &after,
        &[
            "makemigrations",
            "--no-input",
            "--rename-model",
            "rn.Story=Article",
            "--rename",
            "rn.Article.title=headline",
        ],
    )
    .await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let (code, out) = cmd(&dir, &url, &after, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let row = renames::after::Article::objects().get(test_db.db(), Q::all()).await.expect("renamed row");
    assert_eq!(row.headline, "kept");
}

mod checked {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "chk", check(name = "chk_item_qty_positive", qty__gte = 1))]
    pub struct Item {
        pub id: AutoId,
        pub qty: i32,
    }
}

#[tokio::test]
async fn check_constraints_are_migrated_like_create_tables_makes_them() {
    for backend in ["postgresql", "sqlite"] {
        let dir = temp_dir("check-constraint");
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let url = test_db.url().expect("url");
        let project = Project { models: Some(vec![checked::Item::meta()]), ..Project::default() };
        let (code, out) = cmd(&dir, &url, &project, &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let (code, out) = cmd(&dir, &url, &project, &["migrate"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let db = test_db.db();
        checked::Item::objects().create(db, checked::Item { qty: 2, ..Default::default() }).await.expect("valid row");
        let err = checked::Item::objects()
            .create(db, checked::Item { qty: 0, ..Default::default() })
            .await
            .expect_err("check");
        assert!(
            matches!(err, djorm::Error::Integrity { kind: djorm::IntegrityKind::Check, .. }),
            "{backend:?}: {err:?}"
        );
        // Unapplying removes the table; lint passes an initial migration.
        let (code, out) = cmd(&dir, &url, &project, &["migrate", "chk", "zero"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
    }
}

/// SQLite's driver runs only the first statement of a string and reports success; PostgreSQL
/// refuses the string. Both now refuse it with the same error, applying and recording nothing.
#[tokio::test]
async fn a_run_sql_string_with_two_statements_is_refused_on_both_backends() {
    let dir = temp_dir("two-statements");
    initial(&dir).await;
    let mut m = run_sql("0002_two", "0001_initial", "shop_one");
    m.operations = vec![Operation::RunSQL {
        sql: vec!["CREATE TABLE shop_one (id integer); CREATE TABLE shop_two (id integer)".into()],
        reverse_sql: None,
    }];
    djorm_migrations::writer::write(&dir, &m).expect("write");
    for backend in ["sqlite", "postgresql"] {
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let url = test_db.url().expect("url");
        let (code, out) = cmd(&dir, &url, &shop_project(), &["migrate"]).await;
        assert_ne!(code, ExitCode::SUCCESS, "{backend:?}: {out}");
        assert!(out.contains("the SQL holds more than one statement"), "{backend:?}: {out}");
        let tables: Vec<String> =
            test_db.db().introspect().await.expect("tables").into_iter().map(|t| t.name).collect();
        assert!(!tables.iter().any(|t| t == "shop_one" || t == "shop_two"), "{backend:?}: nothing ran: {tables:?}");
        let (_, shown) = cmd(&dir, &url, &shop_project(), &["showmigrations"]).await;
        assert!(shown.contains("[X] 0001_initial") && shown.contains("[ ] 0002_two"), "{backend:?}: {shown}");
    }
}

/// A name that is not an identifier would become a path: `--name ../../x` wrote outside --dir.
#[tokio::test]
async fn makemigrations_refuses_a_name_that_is_not_an_identifier() {
    let dir = temp_dir("bad-name").join("migrations");
    std::fs::create_dir_all(&dir).expect("dir");
    for name in ["../../x", "a/b", "x.y", "", "1st", "näme ok"] {
        let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations", "--name", name]).await;
        if name == "näme ok" {
            assert_ne!(code, ExitCode::SUCCESS, "{out}");
            continue;
        }
        assert_ne!(code, ExitCode::SUCCESS, "{name}: {out}");
        assert!(out.contains("The migration name must be a valid Python identifier."), "{name}: {out}");
    }
    let parent = dir.parent().expect("parent");
    assert!(!parent.join("x.toml").exists() && !parent.parent().expect("grandparent").join("x.toml").exists());
    assert!(loader::load(&dir).expect("loads").is_empty(), "nothing was written");
    // An identifier is fine.
    let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations", "--name", "first_cut"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(dir.join("shop/0001_first_cut.toml").exists());
}

/// An empty file was recorded as an applied migration; a missing dependency was reported as
/// two latest migrations. Each now has its own error, and nothing runs.
#[tokio::test]
async fn an_empty_file_and_a_missing_dependency_have_their_own_errors() {
    let dir = temp_dir("broken-files");
    initial(&dir).await;
    std::fs::write(dir.join("shop/0002_empty.toml"), "").expect("empty file");
    let test_db = TestDatabase::new("sqlite", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    let (code, out) = cmd(&dir, &url, &shop_project(), &["migrate"]).await;
    assert_ne!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("0002_empty.toml: not a migration"), "{out}");
    let tables = test_db.db().introspect().await.expect("tables");
    assert!(tables.iter().all(|t| !t.name.starts_with("shop_")), "nothing ran");

    std::fs::remove_file(dir.join("shop/0002_empty.toml")).expect("remove");
    djorm_migrations::writer::write(&dir, &run_sql("0002_orphan", "0001_intial", "shop_orphan")).expect("write");
    for args in [&["migrate"][..], &["showmigrations"], &["makemigrations", "--check"]] {
        let (code, out) = cmd(&dir, &url, &shop_project(), args).await;
        assert_ne!(code, ExitCode::SUCCESS, "{args:?}: {out}");
        assert!(
            out.contains(
                "Migration shop.0002_orphan dependencies reference nonexistent parent node ('shop', '0001_intial')"
            ),
            "{args:?}: {out}"
        );
        assert!(!out.contains("Conflicting"), "{args:?}: {out}");
    }
}

mod badges {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "bdg")]
    pub struct Badge {
        #[djorm(primary_key, max_length = 20)]
        pub code: String,
        #[djorm(max_length = 50)]
        pub title: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "bdg")]
    pub struct Player {
        pub id: AutoId,
        #[djorm(max_length = 50)]
        pub name: String,
        pub badges: ManyToMany<Badge>,
    }
}

/// The tables, columns (name, type, null) and constraints (kind, columns) of a database, for
/// comparing two schemas.
async fn schema_of(db: &djorm::Db) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for table in db.introspect().await.expect("introspect") {
        if table.name == djorm_migrations::recorder::TABLE {
            continue;
        }
        for c in &table.columns {
            out.push(format!("{}.{} {} null={}", table.name, c.name, c.data_type, c.null));
        }
        for c in &table.constraints {
            out.push(format!("{} {:?} {:?} {:?}", table.name, c.name, c.kind, c.columns));
        }
    }
    out.sort();
    out
}

/// Migrations built the join table of a many-to-many to a model with a text key with bigint
/// columns (PostgreSQL refused the foreign key; SQLite stored text in an integer column), while
/// test databases used the key's type. Both now come from one schema editor: the migrated
/// schema equals the test database's, column for column and constraint for constraint.
#[tokio::test]
async fn a_migrated_schema_equals_the_test_database_schema_of_the_same_models() {
    use badges::{Badge, Player};
    for backend in ["postgresql", "sqlite"] {
        let dir = temp_dir("same-schema");
        let migrated = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let url = migrated.url().expect("url");
        let project = Project { models: Some(vec![Badge::meta(), Player::meta()]), ..Project::default() };
        let (code, out) = cmd(&dir, &url, &project, &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{backend}: {out}");
        let (code, out) = cmd(&dir, &url, &project, &["migrate"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{backend}: {out}");

        let db = migrated.db();
        let badge = Badge::objects()
            .create(db, Badge { code: "gold".into(), title: "Gold".into() })
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let player = Player::objects()
            .create(db, Player { name: "ann".into(), ..Default::default() })
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        player.badges.add(db, [&badge]).await.unwrap_or_else(|e| panic!("{backend}: {e}"));
        let codes: Vec<String> = player.badges.all(db).await.expect("badges").into_iter().map(|b| b.code).collect();
        assert_eq!(codes, ["gold"], "{backend}");

        let built = TestDatabase::new(backend, &[Badge::meta(), Player::meta()]).await.expect("test database");
        assert_eq!(schema_of(db).await, schema_of(built.db()).await, "{backend}");
    }
}

mod cycle {
    use djorm::prelude::*;

    /// A department points at its head, the head at their department: keys in a cycle.
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "cyc")]
    pub struct Department {
        pub id: AutoId,
        #[djorm(max_length = 40)]
        pub name: String,
        #[djorm(on_delete = SetNull, related_name = "heads")]
        pub head: Option<ForeignKey<Employee>>,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "cyc")]
    pub struct Employee {
        pub id: AutoId,
        #[djorm(on_delete = Cascade, related_name = "staff")]
        pub department: ForeignKey<Department>,
    }
}

/// Keys in a cycle: makemigrations creates one model without the key that closes the cycle and
/// adds it once both tables exist (Django's CreateModel + AddField), so the migration applies on
/// both backends and unapplies again (the key was created inline before, and PostgreSQL refused
/// a table pointing at one not created yet).
#[tokio::test]
async fn keys_in_a_cycle_become_create_model_then_add_field() {
    for backend in ["postgresql", "sqlite"] {
        let dir = temp_dir("cycle");
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let url = test_db.url().expect("url");
        let project =
            Project { models: Some(vec![cycle::Department::meta(), cycle::Employee::meta()]), ..Project::default() };
        let (code, out) = cmd(&dir, &url, &project, &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let created = out.find("Create model Department").expect("department created");
        assert!(created < out.find("Create model Employee").expect("employee created"), "{out}");
        assert!(out.find("Create model Employee") < out.find("Add field head to department"), "{out}");
        let (code, out) = cmd(&dir, &url, &project, &["migrate"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{backend}: {out}");
        let db = test_db.db();
        let sales = cycle::Department::objects()
            .create(db, cycle::Department { name: "sales".into(), ..Default::default() })
            .await
            .expect("department");
        let ann = cycle::Employee::objects()
            .create(db, cycle::Employee { department: (&sales).into(), ..Default::default() })
            .await
            .expect("employee");
        let mut sales = sales;
        sales.head = Some((&ann).into());
        sales.save(db).await.expect("the cycle closes");
        let (code, out) = cmd(&dir, &url, &project, &["makemigrations", "--check"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "nothing missing after the split: {out}");
        let (code, out) = cmd(&dir, &url, &project, &["migrate", "cyc", "zero"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{backend}: {out}");
    }
}

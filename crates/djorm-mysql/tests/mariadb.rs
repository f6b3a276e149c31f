//! What is MariaDB's own: migrations that run statement by statement under a named lock,
//! index names within 64 characters, bounded waits (statement, lock, connect), transactions
//! that roll back when dropped, and the SQL the compiler writes for it.

#[path = "../../djorm/tests/common/fault_proxy.rs"]
mod fault_proxy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm_cli::Project;
use djorm_migrations::executor::{self, CodeRegistry, Options, Target};
use djorm_mysql as _;

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

/// Index and constraint names past MariaDB's 64 characters, which Django shortens with a hash.
mod long_names {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "warehouse", name = "StorageLocationAssignmentRecord")]
    pub struct Record {
        pub id: AutoId,
        #[djorm(max_length = 20, db_index)]
        pub an_exceptionally_long_column_name_for_the_shelf_code: String,
        pub tags: ManyToMany<Record>,
    }
}

fn shop_project() -> Project {
    Project { models: Some(vec![shop::Category::meta(), shop::Product::meta()]), ..Project::default() }
}

fn temp_dir(tag: &str) -> PathBuf {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("djorm-mariadb-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

async fn cmd(dir: &Path, url: &str, project: &Project, args: &[&str]) -> (ExitCode, String) {
    let mut full: Vec<String> = vec!["--dir".into(), dir.display().to_string(), "--database".into(), url.into()];
    full.extend(args.iter().map(|s| (*s).to_owned()));
    let mut out = Vec::new();
    let code = djorm_cli::run(&full, project, &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

async fn tables(db: &Db) -> Vec<String> {
    db.introspect().await.expect("introspect").into_iter().map(|t| t.name).collect()
}

#[tokio::test]
async fn migrate_sqlmigrate_and_unapply_on_mariadb() {
    let dir = temp_dir("migrate");
    let (code, out) = cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let test_db = TestDatabase::new("mysql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    let (code, printed) = cmd(&dir, &url, &shop_project(), &["sqlmigrate", "shop", "0001"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{printed}");
    assert!(printed.contains("CREATE TABLE `shop_category`"), "MySQL's quoting: {printed}");
    assert!(printed.contains("AUTO_INCREMENT") && printed.contains("numeric(8, 2)"), "{printed}");
    let (code, out) = cmd(&dir, &url, &shop_project(), &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("mysql commits schema changes as they run"), "migrate says it: {out}");
    assert!(out.contains("Applying shop.0001_initial... OK"), "{out}");
    let present = tables(test_db.db()).await;
    for table in ["shop_category", "shop_product", "shop_product_tags"] {
        assert!(present.iter().any(|t| t == table), "{table} in {present:?}");
    }
    // The foreign key is InnoDB's, with the index InnoDB wants on it.
    let described = test_db.db().introspect().await.expect("introspect");
    let product = described.iter().find(|t| t.name == "shop_product").expect("product");
    assert!(
        product.constraints.iter().any(
            |c| matches!(&c.kind, djorm::introspection::ConstraintKind::ForeignKey(t) if t.table == "shop_category")
        ),
        "{:?}",
        product.constraints
    );
    let (code, out) = cmd(&dir, &url, &shop_project(), &["migrate", "shop", "zero"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let left = tables(test_db.db()).await;
    assert!(!left.iter().any(|t| t.starts_with("shop_")), "unapplied: {left:?}");
}

#[tokio::test]
async fn two_migrates_started_together_apply_each_migration_once() {
    let dir = temp_dir("lock");
    cmd(&dir, "sqlite::memory:", &shop_project(), &["makemigrations"]).await;
    let migrations = djorm_migrations::loader::load(&dir).expect("load");
    let test_db = TestDatabase::new("mysql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    let (a, b) = (djorm::connect(&url).await.expect("a"), djorm::connect(&url).await.expect("b"));
    let (code, options) = (CodeRegistry::default(), Options::default());
    let (ra, rb) = tokio::join!(
        executor::migrate(&a, &migrations, &Target::Latest, &options, &code),
        executor::migrate(&b, &migrations, &Target::Latest, &options, &code)
    );
    let (sa, sb) = (ra.expect("first migrate"), rb.expect("second migrate"));
    assert_eq!(sa.len() + sb.len(), 1, "exactly one of them applied 0001_initial");
    assert_eq!(djorm_migrations::recorder::applied(test_db.db()).await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn a_migration_that_fails_partway_keeps_what_ran_and_is_not_recorded() {
    let dir = temp_dir("partial");
    std::fs::create_dir_all(dir.join("half")).expect("dir");
    std::fs::write(
        dir.join("half/0001_initial.toml"),
        r#"dependencies = []
atomic = true

[[operations]]
type = "RunSQL"
sql = ["CREATE TABLE half_first (id integer)", "SELECT * FROM no_such_table", "CREATE TABLE half_second (id integer)"]
reverse_sql = ["DROP TABLE half_second", "DROP TABLE half_first"]
"#,
    )
    .expect("write");
    let test_db = TestDatabase::new("mysql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let (code, out) = cmd(&dir, &test_db.url().expect("url"), &Project::default(), &["migrate"]).await;
    assert_ne!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("no_such_table"), "the error names what failed: {out}");
    let present = tables(test_db.db()).await;
    assert!(present.iter().any(|t| t == "half_first"), "DDL is not transactional here: {present:?}");
    assert!(!present.iter().any(|t| t == "half_second"), "{present:?}");
    let recorded = djorm_migrations::recorder::applied(test_db.db()).await.unwrap_or_default();
    assert!(recorded.is_empty(), "a migration is recorded only after its last statement: {recorded:?}");
}

#[tokio::test]
async fn the_migration_lock_wait_is_bounded_and_names_the_holder() {
    let test_db = TestDatabase::new("mysql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    let held = test_db.db().acquire_migration_lock().await.expect("first lock");
    let impatient = djorm::connect(&format!("{url}?migration_lock_timeout=1s")).await.expect("connect");
    let started = Instant::now();
    let err = impatient.acquire_migration_lock().await.expect_err("held elsewhere");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("MariaDB connection"), "{err}");
    drop(held);
    // Released when its holder lets go (the connection closes, as when a process dies).
    let mut taken = None;
    for _ in 0..50 {
        if let Ok(lock) = impatient.acquire_migration_lock().await {
            taken = Some(lock);
            break;
        }
    }
    assert!(taken.is_some(), "the lock came free");
}

#[tokio::test]
async fn long_index_and_constraint_names_are_shortened_to_64_characters() {
    let test_db = TestDatabase::new("mysql", &[long_names::Record::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let described = test_db.db().introspect().await.expect("introspect");
    for table in &described {
        assert!(table.name.len() <= 64, "{}", table.name);
        for constraint in &table.constraints {
            let name = constraint.name.as_deref().unwrap_or_default();
            assert!(name.len() <= 64, "{name} ({} characters)", name.len());
        }
    }
    let record = long_names::Record::objects()
        .create(
            test_db.db(),
            long_names::Record {
                an_exceptionally_long_column_name_for_the_shelf_code: "A1".into(),
                ..Default::default()
            },
        )
        .await
        .expect("insert");
    record.tags.add(test_db.db(), [&record]).await.expect("m2m through a shortened table");
}

#[tokio::test]
async fn a_statement_past_statement_timeout_is_stopped_by_the_server() {
    let test_db = TestDatabase::new("mysql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = djorm::connect(&format!("{}?statement_timeout=300ms", test_db.url().expect("url"))).await.expect("db");
    let started = Instant::now();
    let sleep = djorm::sql::Compiled { sql: "SELECT SLEEP(10)".into(), params: vec![] };
    let outcome = db.fetch(&sleep, &[djorm::ValueKind::I64]).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // MariaDB's max_statement_time either fails the statement or ends SLEEP early with 1.
    match outcome {
        Err(e) => assert!(e.to_string().contains("max_statement_time"), "{e}"),
        Ok(rows) => assert_eq!(rows.values.first().and_then(Value::as_i64), Some(1)),
    }
    // The connection is fine afterwards.
    let one = djorm::sql::Compiled { sql: "SELECT 1".into(), params: vec![] };
    let one = db.fetch(&one, &[djorm::ValueKind::I64]).await.expect("after");
    assert_eq!(one.values.first().and_then(Value::as_i64), Some(1));
}

#[tokio::test]
async fn connecting_to_a_server_that_never_answers_gives_up_within_connect_timeout() {
    let proxy = fault_proxy::FaultProxy::start("127.0.0.1:3306".parse().expect("addr")).await;
    proxy.blackhole();
    let started = Instant::now();
    let url = format!("mysql://root@127.0.0.1:{}/test?connect_timeout=1s&acquire_timeout=1s", proxy.port());
    let err = djorm::connect(&url).await.expect_err("nobody answers");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn a_dropped_transaction_rolls_back_and_its_connection_comes_back_clean() {
    let test_db = TestDatabase::new("mysql", &[shop::Category::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let url = test_db.url().expect("url");
    // One connection, so the next statement gets the very connection the transaction had.
    let db = djorm::connect(&format!("{url}?pool_size=1")).await.expect("db");
    let outcome: Result<()> = db
        .atomic(|tx| async move {
            shop::Category::objects().create(&tx, shop::Category { name: "gone".into(), ..Default::default() }).await?;
            Err(Error::InvalidQuery("fail on purpose".into()))
        })
        .await;
    assert!(outcome.is_err());
    assert_eq!(shop::Category::objects().count(&db).await.expect("count"), 0, "rolled back");
    {
        let tx = db.begin().await.expect("begin");
        shop::Category::objects()
            .create(&tx, shop::Category { name: "dropped".into(), ..Default::default() })
            .await
            .expect("insert");
        // Dropped without commit or rollback.
    }
    let mut count = u64::MAX;
    for _ in 0..50 {
        count = shop::Category::objects().count(&db).await.expect("count");
        if count == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(count, 0, "a dropped transaction never commits");
    shop::Category::objects()
        .create(&db, shop::Category { name: "kept".into(), ..Default::default() })
        .await
        .expect("insert");
    assert_eq!(shop::Category::objects().count(&test_db.db().clone()).await.expect("count"), 1, "autocommit again");
}

#[tokio::test]
async fn the_compiler_writes_mariadbs_sql() {
    let test_db = TestDatabase::new("mysql", &[shop::Category::meta(), shop::Product::meta()])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db();
    let sql = |qs: &djorm::QuerySet<shop::Product>| qs.sql(db).expect("sql").map(|c| c.sql).unwrap_or_default();
    assert_eq!(
        sql(&shop::Product::objects().filter(q!(shop::Product, title__icontains = "a%b")).order_by(["id"])),
        "SELECT `shop_product`.`id`, `shop_product`.`title`, `shop_product`.`slug`, `shop_product`.`price`, \
         `shop_product`.`stock`, `shop_product`.`category_id` FROM `shop_product` \
         WHERE `shop_product`.`title` LIKE ? ESCAPE '\\' ORDER BY `shop_product`.`id` ASC"
    );
    assert!(sql(&shop::Product::objects().filter(q!(shop::Product, title__contains = "x"))).contains("LIKE BINARY ?"));
    assert!(sql(&shop::Product::objects().filter(q!(shop::Product, title__regex = "^x"))).contains("REGEXP BINARY ?"));
    assert!(sql(&shop::Product::objects().order_by(["id"]).slice(5..)).ends_with("LIMIT 18446744073709551615 OFFSET 5"));
    // Values are always parameters, whatever they hold.
    let hostile = sql(&shop::Product::objects().filter(q!(shop::Product, title = "'; DROP TABLE shop_product; --")));
    assert!(!hostile.contains("DROP"), "{hostile}");
    assert!(tables(db).await.iter().any(|t| t == "shop_product"));
}

#[tokio::test]
async fn select_for_update_nowait_and_skip_locked_work_and_of_is_refused() {
    let test_db = TestDatabase::new("mysql", &[shop::Category::meta()]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db().clone();
    for name in ["a", "b", "c"] {
        shop::Category::objects()
            .create(&db, shop::Category { name: name.into(), ..Default::default() })
            .await
            .expect("row");
    }
    let holder = db.begin().await.expect("begin");
    let locked = shop::Category::objects()
        .select_for_update(false, false, &[])
        .filter(q!(shop::Category, name = "a"))
        .all(&holder)
        .await
        .expect("lock a");
    assert_eq!(locked.len(), 1);
    let other = db.begin().await.expect("begin");
    let free = shop::Category::objects()
        .select_for_update(false, true, &[])
        .order_by(["name"])
        .all(&other)
        .await
        .expect("skip locked");
    assert_eq!(free.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    other.rollback().await.expect("rollback");
    let other = db.begin().await.expect("begin");
    let started = Instant::now();
    let refused = shop::Category::objects()
        .select_for_update(true, false, &[])
        .filter(q!(shop::Category, name = "a"))
        .all(&other)
        .await;
    assert!(started.elapsed() < Duration::from_secs(2), "NOWAIT does not wait: {:?}", started.elapsed());
    let err = refused.expect_err("a is locked");
    assert_eq!(err.class(), "OperationalError", "{err}");
    other.rollback().await.expect("rollback");
    holder.rollback().await.expect("rollback");
    let of = shop::Category::objects().select_for_update(false, false, &["self"]).all(&db).await.expect_err("OF");
    assert!(matches!(of, Error::NotSupported { backend: "mysql", .. }), "{of:?}");
}

#[tokio::test]
async fn statements_one_after_another_reuse_a_pooled_connection() {
    let test_db = TestDatabase::new("mysql", &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = djorm::connect(&test_db.url().expect("url")).await.expect("db");
    let which = djorm::sql::Compiled { sql: "SELECT CONNECTION_ID()".into(), params: vec![] };
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let rows = db.fetch(&which, &[djorm::ValueKind::I64]).await.expect("id");
        seen.insert(rows.values.first().and_then(Value::as_i64).expect("an id"));
    }
    // The driver closes a returned connection beyond min_idle unless idle ones may live: a
    // connection per statement would show 50 ids here.
    assert!(seen.len() <= 2, "{} connections for 50 statements", seen.len());
}

#[tokio::test]
async fn loaddata_checks_the_keys_it_loaded_with_foreign_key_checks_off() {
    let models = [shop::Category::meta(), shop::Product::meta()];
    let test_db = TestDatabase::new("mysql", &models).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db();
    // A product before the category it points at: fine, the keys are checked at the end.
    let forward: serde_json::Value = serde_json::json!([
        {"model": "shop.product", "pk": 1, "fields": {"title": "t", "slug": "t", "price": "1.00", "stock": null, "category": 7, "tags": []}},
        {"model": "shop.category", "pk": 7, "fields": {"name": "seven"}}
    ]);
    assert_eq!(djorm::fixtures::load(db, &models, &forward).await.expect("forward reference"), 2);
    // A key to no row: Django's IntegrityError, and nothing of the fixture stays.
    let dangling: serde_json::Value = serde_json::json!([
        {"model": "shop.product", "pk": 2, "fields": {"title": "u", "slug": "u", "price": "1.00", "stock": null, "category": 99, "tags": []}}
    ]);
    let err = djorm::fixtures::load(db, &models, &dangling).await.expect_err("dangling key");
    assert_eq!(
        err.to_string(),
        "IntegrityError: The row in table 'shop_product' with primary key '2' has an invalid foreign key: \
         shop_product.category_id contains a value '99' that does not have a corresponding value in shop_category.id."
    );
    assert_eq!(shop::Product::objects().count(db).await.expect("count"), 1, "the failed load left nothing");
    // The session's checks are back on: a bad key is refused at once.
    let bad = shop::Product::objects()
        .create(
            db,
            shop::Product {
                title: "v".into(),
                slug: "v".into(),
                category: ForeignKey::new(98.into()),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(bad, Err(Error::Integrity { .. })), "{bad:?}");
}

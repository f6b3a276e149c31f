//! A model's whole life through migrations, on both backends: create → add field with default →
//! rename field → add index → add many-to-many → alter field → data migration → back to zero →
//! forward again. Data written before each step survives every step that keeps its column.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm_cli::{CodeRegistry, Project};

mod v1 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Article")]
    pub struct Article {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub title: String,
    }
}

mod v2 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Article")]
    pub struct Article {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub title: String,
        #[djorm(default = 0)]
        pub views: u32,
    }
}

mod v3 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Article")]
    pub struct Article {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub headline: String,
        #[djorm(default = 0)]
        pub views: u32,
    }
}

mod v4 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Article", index(fields = ["headline", "-views"], name = "life_headline_views"))]
    pub struct Article {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub headline: String,
        #[djorm(default = 0)]
        pub views: u32,
    }
}

mod v5 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Label")]
    pub struct Label {
        pub id: AutoId,
        #[djorm(max_length = 30)]
        pub name: String,
        pub articles: Reverse<Article>,
    }
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Article", index(fields = ["headline", "-views"], name = "life_headline_views"))]
    pub struct Article {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub headline: String,
        #[djorm(default = 0)]
        pub views: u32,
        #[djorm(related_name = "articles")]
        pub labels: ManyToMany<Label>,
    }
}

mod v6 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Label")]
    pub struct Label {
        pub id: AutoId,
        #[djorm(max_length = 30)]
        pub name: String,
        pub articles: Reverse<Article>,
    }
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Article", index(fields = ["headline", "-views"], name = "life_headline_views"))]
    pub struct Article {
        pub id: AutoId,
        #[djorm(max_length = 250)]
        pub headline: String,
        #[djorm(default = 0)]
        pub views: u32,
        #[djorm(related_name = "articles")]
        pub labels: ManyToMany<Label>,
    }
}

mod v7 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Label")]
    pub struct Label {
        pub id: AutoId,
        #[djorm(max_length = 30)]
        pub name: String,
        pub articles: Reverse<Article>,
    }
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "life", name = "Article", index(fields = ["headline", "-views"], name = "life_headline_views"))]
    pub struct Article {
        pub id: AutoId,
        #[djorm(max_length = 250)]
        pub headline: String,
        #[djorm(default = 0)]
        pub views: u32,
        #[djorm(related_name = "articles")]
        pub labels: ManyToMany<Label>,
        #[djorm(slug, default = "")]
        pub slug: String,
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("djorm-migrations-{tag}-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

/// Runs a command and returns (exit code, output).
async fn cmd(dir: &Path, url: &str, project: &Project, args: &[&str]) -> (ExitCode, String) {
    let mut full: Vec<String> = vec!["--dir".into(), dir.display().to_string(), "--database".into(), url.into()];
    full.extend(args.iter().map(|s| (*s).to_owned()));
    let mut out = Vec::new();
    let code = djorm_cli::run(&full, project, &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

fn project(models: Vec<&'static djorm::ModelMeta>) -> Project {
    let mut code = CodeRegistry::default();
    code.register("fill_slugs", |db: Db| {
        Box::pin(async move {
            for a in v7::Article::objects().all(&db).await? {
                let slug: String = a.headline.to_lowercase().replace(' ', "-").chars().take(50).collect();
                v7::Article::objects().filter(q!(v7::Article, pk = a.id)).update(&db, [("slug", slug)]).await?;
            }
            Ok(())
        })
    });
    code.register("clear_slugs", |db: Db| {
        Box::pin(async move {
            v7::Article::objects().update(&db, [("slug", "")]).await?;
            Ok(())
        })
    });
    Project { models: Some(models), code }
}

async fn step(dir: &Path, url: &str, models: Vec<&'static djorm::ModelMeta>, extra: &[&str]) -> String {
    let p = project(models);
    let mut args = vec!["makemigrations"];
    args.extend_from_slice(extra);
    let (code, out) = cmd(dir, url, &p, &args).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let (code, migrated) = cmd(dir, url, &p, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{migrated}");
    let (code, check) = cmd(dir, url, &p, &["makemigrations", "--check"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "no migration missing after migrate: {check}");
    out
}

async fn lifecycle(backend: &'static str) {
    let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db().clone();
    let url = test_db.url().expect("url");
    let dir = temp_dir("life");

    // 1. create
    let out = step(&dir, &url, vec![v1::Article::meta()], &[]).await;
    assert!(out.contains("0001_initial.toml") && out.contains("- Create model Article"), "{out}");
    v1::Article::objects()
        .create(&db, v1::Article { title: "Hello World".into(), ..Default::default() })
        .await
        .expect("v1 row");

    // 2. add a field with a default: existing rows get it
    let out = step(&dir, &url, vec![v2::Article::meta()], &[]).await;
    assert!(out.contains("0002_article_views.toml") && out.contains("- Add field views to article"), "{out}");
    let a = v2::Article::objects().get(&db, Q::all()).await.expect("v2 row");
    assert_eq!((a.title.as_str(), a.views), ("Hello World", 0));

    // 3. rename a field (confirmed with --rename), keeping its data
    let out = step(&dir, &url, vec![v3::Article::meta()], &["--rename", "life.Article.title=headline"]).await;
    assert!(out.contains("- Rename field title on article to headline"), "{out}");
    assert_eq!(v3::Article::objects().get(&db, Q::all()).await.expect("v3").headline, "Hello World");

    // 4. add an index
    let out = step(&dir, &url, vec![v4::Article::meta()], &[]).await;
    assert!(out.contains("- Create index life_headline_views on Article"), "{out}");

    // 5. a new model and a many-to-many field
    let out = step(&dir, &url, vec![v5::Label::meta(), v5::Article::meta()], &[]).await;
    assert!(out.contains("- Create model Label") && out.contains("- Add field labels to article"), "{out}");
    let article = v5::Article::objects().get(&db, Q::all()).await.expect("v5");
    let label =
        v5::Label::objects().create(&db, v5::Label { name: "news".into(), ..Default::default() }).await.expect("label");
    article.labels.add(&db, [&label]).await.expect("m2m works");

    // 6. alter a field (max_length 100 → 250; SQLite rebuilds the table)
    let out = step(&dir, &url, vec![v6::Label::meta(), v6::Article::meta()], &[]).await;
    assert!(out.contains("- Alter field headline on article"), "{out}");
    let long = "x".repeat(200);
    v6::Article::objects()
        .create(&db, v6::Article { headline: long.clone(), ..Default::default() })
        .await
        .expect("longer fits");
    let kept = v6::Article::objects().get(&db, q!(v6::Article, headline = "Hello World")).await.expect("v6 row kept");
    assert_eq!(kept.labels.count(&db).await.expect("labels"), 1, "join rows survive the rebuild");

    // 7. a new slug field, then a data migration filling it (RunCode, registered by name)
    step(&dir, &url, vec![v7::Label::meta(), v7::Article::meta()], &[]).await;
    let p = project(vec![v7::Label::meta(), v7::Article::meta()]);
    let (code, out) = cmd(&dir, &url, &p, &["makemigrations", "life", "--empty", "--name", "fill_slugs"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let data_file = dir.join("life").join("0008_fill_slugs.toml");
    let text = std::fs::read_to_string(&data_file).expect("empty migration written");
    std::fs::write(
        &data_file,
        format!("{text}\n[[operations]]\ntype = \"RunCode\"\ncode = \"fill_slugs\"\nreverse_code = \"clear_slugs\"\n"),
    )
    .expect("edit");
    let (code, out) = cmd(&dir, &url, &p, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("Applying life.0008_fill_slugs... OK"), "{out}");
    let filled = v7::Article::objects().get(&db, q!(v7::Article, headline = "Hello World")).await.expect("v7");
    assert_eq!(filled.slug, "hello-world");

    // The autodetector's files for each change, pinned (DJORM_BLESS=1 rewrites them).
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/life");
    let mut written: Vec<_> =
        std::fs::read_dir(dir.join("life")).expect("files").filter_map(|e| e.ok()).map(|e| e.path()).collect();
    written.sort();
    assert_eq!(written.len(), 8);
    for file in &written {
        let name = file.file_name().expect("name");
        let text = std::fs::read_to_string(file).expect("read");
        if std::env::var_os("DJORM_BLESS").is_some() {
            std::fs::create_dir_all(&golden).expect("golden dir");
            std::fs::write(golden.join(name), &text).expect("bless");
        }
        let expected = std::fs::read_to_string(golden.join(name)).expect("golden file (DJORM_BLESS=1 writes it)");
        if !file.ends_with("0008_fill_slugs.toml") {
            assert_eq!(text, expected, "{}", file.display());
        }
    }

    // showmigrations, Django's shape
    let (_, shown) = cmd(&dir, &url, &p, &["showmigrations"]).await;
    assert!(shown.starts_with("life\n [X] 0001_initial\n [X] 0002_article_views\n"), "{shown}");

    // sqlmigrate prints what migrate runs
    let (_, sql) = cmd(&dir, &url, &p, &["sqlmigrate", "life", "0002"]).await;
    assert!(sql.contains("\"views\""), "{sql}");

    // back to zero: every table goes, the recorder forgets
    let (code, out) = cmd(&dir, &url, &p, &["migrate", "life", "zero"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("Unapplying life.0001_initial... OK"), "{out}");
    assert!(v1::Article::objects().count(&db).await.is_err(), "the table is gone");
    let (_, shown) = cmd(&dir, &url, &p, &["showmigrations", "life"]).await;
    assert!(!shown.contains("[X]"), "{shown}");

    // and forward again, all the way
    let (code, out) = cmd(&dir, &url, &p, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert_eq!(v7::Article::objects().count(&db).await.expect("table back"), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn lifecycle_postgres() {
    lifecycle("postgresql").await;
}

#[tokio::test]
async fn lifecycle_sqlite() {
    lifecycle("sqlite").await;
}

//! inspectdb round trip: the blog's schema, created by its migrations, is inspected on each
//! backend; the written models are pinned here as modules (so they must compile), and
//! `makemigrations --check` against them reports exactly the documented differences — what a
//! database does not store (on_delete, ordering, defaults, validation-only field classes) and
//! the automatic join table, which comes back as a model of its own, as in Django.

mod chapter_blog;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm_cli::Project;

#[path = "inspected/blog_mysql.rs"]
mod blog_mysql;
#[path = "inspected/blog_postgresql.rs"]
mod blog_postgresql;
#[path = "inspected/blog_sqlite.rs"]
mod blog_sqlite;

fn blog_migrations() -> PathBuf {
    chapter_blog::blog_migrations()
}

async fn cmd(url: &str, project: &Project, args: &[&str]) -> (ExitCode, String) {
    let mut full: Vec<String> =
        vec!["--dir".into(), blog_migrations().display().to_string(), "--database".into(), url.into()];
    full.extend(args.iter().map(|s| (*s).to_owned()));
    let mut out = Vec::new();
    let code = djorm_cli::run(&full, project, &mut out).await;
    (code, String::from_utf8_lossy(&out).into_owned())
}

/// The operations makemigrations lists for the inspected models, which differ from the
/// migrations only where the database cannot tell.
const DOCUMENTED_DIFFERENCES: &[&str] = &[
    // The join table of `Post.tags` is a model with two keys, as Django's inspectdb writes it.
    "- Create model PostTags",
    "- Remove field tags from post",
    // Meta.ordering lives in the models only.
    "- Change Meta options on author",
    "- Change Meta options on post",
    // EmailField/SlugField are CharFields with validation: the database has varchar.
    "- Alter field email on author",
    // on_delete is enforced by djorm, not by the database: keys come back DO_NOTHING.
    "- Alter field author on post",
    // Defaults fill rows when a column is added and are then dropped, as Django does.
    "- Alter field published on post",
    // SlugField is a CharField with validation (and an implied db_index the unique covers).
    "- Alter field slug on post",
    "- Alter field slug on tag",
];

/// Migrates the blog, inspects it, checks the written module against the pinned one and the
/// differences makemigrations lists; returns the database for more checks.
async fn round_trip(backend: &'static str, models: Vec<&'static djorm::ModelMeta>, extra: &[&str]) -> TestDatabase {
    let test_db = TestDatabase::new(backend, &[]).await.expect("test database");
    let url = test_db.url().expect("a database URL");
    let nothing = Project::default();
    let (code, out) = cmd(&url, &nothing, &["migrate"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");

    let (code, written) = cmd(&url, &nothing, &["inspectdb", "--app", "blog"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{written}");
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/inspected/blog_{}.rs", test_db.db().vendor()));
    if std::env::var_os("DJORM_BLESS").is_some() {
        std::fs::write(&golden, &written).expect("bless");
    }
    assert_eq!(written, std::fs::read_to_string(&golden).expect("golden file"), "inspectdb wrote the pinned module");

    let inspected = Project { models: Some(models), ..Project::default() };
    let (code, out) = cmd(&url, &inspected, &["makemigrations", "--check", "--dry-run", "--no-input"]).await;
    assert_eq!(code, ExitCode::from(1), "{out}");
    let mut listed: Vec<&str> = out.lines().map(str::trim).filter(|l| l.starts_with("- ")).collect();
    let mut expected: Vec<&str> = DOCUMENTED_DIFFERENCES.iter().chain(extra).copied().collect();
    listed.sort_unstable();
    expected.sort_unstable();
    assert_eq!(listed, expected, "{out}");
    test_db
}

/// The inspected models read and write the migrated tables, relations included.
macro_rules! use_inspected_models {
    ($module:ident, $db:expr) => {{
        use $module::{Author, Post, PostTags, Tag};
        let db = $db;
        let ann = Author::objects()
            .create(db, Author { name: "Ann".into(), email: "ann@example.com".into(), ..Default::default() })
            .await
            .expect("author");
        let tag = Tag::objects()
            .create(db, Tag { name: "rust".into(), slug: "rust".into(), ..Default::default() })
            .await
            .expect("tag");
        let post = Post::objects()
            .create(
                db,
                Post { title: "Hello".into(), slug: "hello".into(), author: (&ann).into(), ..Default::default() },
            )
            .await
            .expect("post");
        PostTags::objects()
            .create(db, PostTags { post: (&post).into(), tag: (&tag).into(), ..Default::default() })
            .await
            .expect("join row");
        let by_author = Post::objects().filter(Q::new("author__name", "Ann")).count(db).await.expect("count");
        let tagged = Post::objects().filter(Q::new("posttags__tag__slug", "rust")).count(db).await.expect("count");
        assert_eq!((by_author, tagged), (1, 1));
        let duplicate =
            Tag::objects().create(db, Tag { name: "rust".into(), slug: "rust-2".into(), ..Default::default() }).await;
        assert!(
            matches!(duplicate, Err(djorm::Error::Integrity { .. })),
            "the unique constraint came along: {duplicate:?}"
        );
    }};
}

#[tokio::test]
async fn postgres_schema_round_trips_through_inspectdb() {
    use blog_postgresql::{Author, Post, PostTags, Tag};
    let models = vec![Author::meta(), Post::meta(), PostTags::meta(), Tag::meta()];
    // The default of `views` is not stored, and PostgreSQL has no unsigned integers:
    // `views: u32` comes back as an i32 IntegerField.
    let test_db = round_trip("postgresql", models, &["- Alter field views on post"]).await;
    use_inspected_models!(blog_postgresql, test_db.db());
}

#[tokio::test]
async fn mariadb_schema_round_trips_through_inspectdb() {
    use blog_mysql::{Author, Post, PostTags, Tag};
    let models = vec![Author::meta(), Post::meta(), PostTags::meta(), Tag::meta()];
    // MariaDB keeps `integer UNSIGNED`: views stays a u32, without its default. Each key's
    // index is InnoDB's own (or one that starts with the key), written as the key's db_index.
    let test_db = round_trip("mysql", models, &["- Alter field views on post"]).await;
    use_inspected_models!(blog_mysql, test_db.db());
}

#[tokio::test]
async fn sqlite_schema_round_trips_through_inspectdb() {
    use blog_sqlite::{Author, Post, PostTags, Tag};
    let models = vec![Author::meta(), Post::meta(), PostTags::meta(), Tag::meta()];
    // SQLite keeps the declared `integer unsigned`: views stays a u32, without its default.
    let test_db = round_trip("sqlite", models, &["- Alter field views on post"]).await;
    use_inspected_models!(blog_sqlite, test_db.db());
}

#[tokio::test]
async fn chosen_tables_only_and_a_missing_table_is_a_clear_error() {
    let test_db = TestDatabase::new("sqlite", &[]).await.expect("test database");
    let url = test_db.url().expect("a database URL");
    cmd(&url, &Project::default(), &["migrate"]).await;
    let (code, out) = cmd(&url, &Project::default(), &["inspectdb", "--table", "blog_tag"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("pub struct BlogTag {") && !out.contains("pub struct BlogPost"), "{out}");
    let (code, out) = cmd(&url, &Project::default(), &["inspectdb", "--table", "nope"]).await;
    assert_eq!(code, ExitCode::from(2));
    assert!(out.contains("table 'nope' does not exist"), "{out}");
}

/// A schema djorm did not create: every column type, a varchar primary key, a key that is
/// also a foreign key, two keys to the same table, a key to a non-key column, odd column names,
/// a descending composite index and a two-column unique constraint.
const LEGACY_POSTGRES: &str = r#"
CREATE TYPE legacy_mood AS ENUM ('happy', 'sad');
CREATE TABLE legacy_category (code varchar(10) PRIMARY KEY, label text NOT NULL);
CREATE TABLE legacy_person (
    id serial PRIMARY KEY,
    "Full Name" varchar(80) NOT NULL,
    "type" smallint,
    email varchar(254) NOT NULL UNIQUE,
    salary numeric(12, 2),
    ratio double precision NOT NULL,
    born date,
    wakes_at time,
    seen_at timestamp with time zone,
    external_id uuid NOT NULL,
    profile jsonb,
    avatar bytea,
    ip inet,
    mood legacy_mood,
    active boolean NOT NULL,
    big bigint NOT NULL,
    category_code varchar(10) REFERENCES legacy_category (code),
    manager_id integer REFERENCES legacy_person (id),
    mentor_id integer REFERENCES legacy_person (id),
    CONSTRAINT legacy_person_name_born_uniq UNIQUE ("Full Name", born)
);
CREATE INDEX legacy_person_born_desc ON legacy_person (born DESC, ratio);
CREATE INDEX legacy_person_big_idx ON legacy_person (big);
CREATE TABLE legacy_badge (person_id integer PRIMARY KEY REFERENCES legacy_person (id), since timestamptz NOT NULL);
CREATE TABLE legacy_note (id bigserial PRIMARY KEY, author_email varchar(254) NOT NULL REFERENCES legacy_person (email));
CREATE TABLE legacy_profile (id serial PRIMARY KEY, person_id integer NOT NULL UNIQUE REFERENCES legacy_person (id), bio text NOT NULL);
CREATE TABLE legacy_log (message text);
"#;

const LEGACY_SQLITE: &str = r#"
CREATE TABLE legacy_category (code varchar(10) NOT NULL PRIMARY KEY, label text NOT NULL);
CREATE TABLE legacy_person (
    id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "Full Name" varchar(80) NOT NULL,
    "type" smallint,
    email varchar(254) NOT NULL UNIQUE,
    salary decimal,
    ratio real NOT NULL,
    born date,
    wakes_at time,
    seen_at datetime,
    external_id char(32) NOT NULL,
    profile json,
    avatar BLOB,
    ip inet,
    active bool NOT NULL,
    big bigint NOT NULL,
    category_code varchar(10) REFERENCES legacy_category (code),
    manager_id integer REFERENCES legacy_person (id),
    mentor_id integer REFERENCES legacy_person (id),
    CONSTRAINT legacy_person_name_born_uniq UNIQUE ("Full Name", born)
);
CREATE INDEX legacy_person_born_desc ON legacy_person (born DESC, ratio);
CREATE INDEX legacy_person_big_idx ON legacy_person (big);
CREATE TABLE legacy_badge (person_id integer NOT NULL PRIMARY KEY REFERENCES legacy_person (id), since datetime NOT NULL);
CREATE TABLE legacy_note (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, author_email varchar(254) NOT NULL REFERENCES legacy_person (email));
CREATE TABLE legacy_profile (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, person_id integer NOT NULL UNIQUE REFERENCES legacy_person (id), bio text NOT NULL);
CREATE TABLE legacy_log (message text);
"#;

#[path = "inspected/legacy_postgresql.rs"]
mod legacy_postgresql;
#[path = "inspected/legacy_sqlite.rs"]
mod legacy_sqlite;

/// Inspects the legacy schema (without the keyless log table, which cannot compile) and
/// checks it against the pinned module; returns the database and the log table's model.
async fn inspect_legacy(backend: &'static str, ddl: &str) -> (TestDatabase, String) {
    let test_db = TestDatabase::new(backend, &[]).await.expect("test database");
    let statements: Vec<String> = ddl.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    test_db.db().execute_script(&statements).await.expect("legacy schema");
    let url = test_db.url().expect("a database URL");
    let tables = ["legacy_badge", "legacy_category", "legacy_note", "legacy_person", "legacy_profile"];
    let mut args = vec!["inspectdb", "--app", "legacy"];
    for table in &tables {
        args.extend(["--table", table]);
    }
    let (code, written) = cmd(&url, &Project::default(), &args).await;
    assert_eq!(code, ExitCode::SUCCESS, "{written}");
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/inspected/legacy_{}.rs", test_db.db().vendor()));
    if std::env::var_os("DJORM_BLESS").is_some() {
        std::fs::write(&golden, &written).expect("bless");
    }
    assert_eq!(written, std::fs::read_to_string(&golden).expect("golden file"), "inspectdb wrote the pinned module");
    let (code, log) = cmd(&url, &Project::default(), &["inspectdb", "--table", "legacy_log"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{log}");
    (test_db, log)
}

/// The inspected legacy models read and write: a person with a key to a varchar primary key,
/// found across that key, a profile through the unique key (a `OneToOne`), found from the
/// person's side under the related_name inspectdb chose, and a note keyed by the person's email. `$extra` fills the columns whose types differ by backend.
macro_rules! use_legacy_models {
    ($module:ident, $db:expr, { $($extra:tt)* }) => {{
        use $module::{Category, Note, Person, Profile};
        let db = $db;
        Category::objects()
            .create(db, Category { code: "eng".into(), label: "Engineering".into() })
            .await
            .expect("category");
        let person = Person {
            full_name: "Ann Lee".into(),
            email: "ann@example.com".into(),
            ratio: 0.5,
            active: true,
            big: 7,
            category_code: Some(ForeignKey::new("eng".to_owned())),
            $($extra)*
            ..Default::default()
        };
        let saved = Person::objects().create(db, person).await.expect("person");
        Profile::objects()
            .create(db, Profile { person: (&saved).into(), bio: "Writes Rust".into(), ..Default::default() })
            .await
            .expect("profile");
        let found = Person::objects().get(db, Q::new("category_code__label", "Engineering")).await.expect("get");
        // `profile` is a column of the person, so the one-to-one's reverse side was renamed.
        let by_profile =
            Person::objects().get(db, Q::new("profile_person__bio", "Writes Rust")).await.expect("reverse one");
        assert_eq!((found.id, found.full_name.as_str(), by_profile.id), (saved.id, "Ann Lee", saved.id));
        // A key to the person's unique email (`to_field`) holds the email, and reads back the
        // person through it: joined, fetched, and across it in a filter.
        let note = Note::objects()
            .create(db, Note { author_email: ForeignKey::new(saved.email.clone()), ..Default::default() })
            .await
            .expect("note keyed by email");
        let loaded = Note::objects().select_related(["author_email"]).get(db, Q::all()).await.expect("note");
        assert_eq!(loaded.author_email.id, "ann@example.com");
        assert_eq!(loaded.author_email.cached().map(|p| p.id), Some(saved.id));
        let plain = Note::objects().get(db, Q::new("author_email__full_name", "Ann Lee")).await.expect("across");
        assert_eq!(plain.id, note.id);
        assert_eq!(plain.author_email.get(db).await.expect("one query by email").full_name, "Ann Lee");
        found
    }};
}

#[tokio::test]
async fn legacy_postgres_schema_inspects_to_working_models() {
    let (test_db, log) = inspect_legacy("postgresql", LEGACY_POSTGRES).await;
    assert!(log.contains("// This table has no primary key"), "{log}");
    let found = use_legacy_models!(legacy_postgresql, test_db.db(), {
        external_id: Uuid::nil(),
        salary: Some(Decimal::new(123_456, 2)),
        ip: Some("10.0.0.1".into()),
        mood: Some("sad".into()),
    });
    assert_eq!(found.salary, Some(Decimal::new(123_456, 2)));
    // Guessed types still read and write as text: an inet address and an enum label.
    assert_eq!((found.ip.as_deref(), found.mood.as_deref()), (Some("10.0.0.1"), Some("sad")));
}

#[tokio::test]
async fn legacy_sqlite_schema_inspects_to_working_models() {
    let (test_db, log) = inspect_legacy("sqlite", LEGACY_SQLITE).await;
    assert!(log.contains("// This table has no primary key"), "{log}");
    let found = use_legacy_models!(legacy_sqlite, test_db.db(), { external_id: "0".repeat(32), });
    assert_eq!(found.external_id, "0".repeat(32));
}

//! The shell under hostile or careless input, on both backends: objects of the wrong model,
//! reverse managers, Python's string escapes, deletes that reach a whole table through a
//! filter, huge results, and lines ten thousand terms wide.

#![allow(clippy::unwrap_used)]

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm::ModelMeta;
use djorm_cli::shell::{execute, Format, Session};

mod blog {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "blog")]
    pub struct Author {
        pub id: AutoId,
        #[djorm(max_length = 50)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "blog", str = "name")]
    pub struct Tag {
        pub id: AutoId,
        #[djorm(max_length = 30)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "blog")]
    pub struct Post {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub title: String,
        #[djorm(default = 0)]
        pub views: i32,
        #[djorm(on_delete = Cascade, related_name = "posts")]
        pub author: ForeignKey<Author>,
        #[djorm(related_name = "posts")]
        pub tags: ManyToMany<Tag>,
    }
}

use blog::{Author, Post, Tag};

fn models() -> Vec<&'static ModelMeta> {
    vec![Author::meta(), Tag::meta(), Post::meta()]
}

/// A fresh database with two authors, two tags and three posts (the first two tagged).
async fn seeded(backend: &'static str) -> (TestDatabase, Session) {
    let test = TestDatabase::new(backend, &models()).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test.db().clone();
    let ann = Author::objects().create(&db, Author { name: "Ann".into(), ..Default::default() }).await.unwrap();
    Author::objects().create(&db, Author { name: "Bob".into(), ..Default::default() }).await.unwrap();
    let rust = Tag::objects().create(&db, Tag { name: "rust".into(), ..Default::default() }).await.unwrap();
    Tag::objects().create(&db, Tag { name: "django".into(), ..Default::default() }).await.unwrap();
    for title in ["one", "two", "three"] {
        let post = Post { title: title.into(), author: ForeignKey::new(ann.id), ..Default::default() };
        let post = Post::objects().create(&db, post).await.unwrap();
        if title != "three" {
            post.tags.add(&db, [&rust]).await.unwrap();
        }
    }
    // Whole-table changes are refused unless confirmed, as in a session without --yes.
    let session = Session::new(db, models(), Box::new(|_| false));
    (test, session)
}

async fn run(session: &mut Session, line: &str) -> Result<String, String> {
    execute(session, line, Format::Json).await.map_err(|e| e.message)
}

async fn both(check: impl AsyncFn(&'static str)) {
    check("postgresql").await;
    check("sqlite").await;
}

#[tokio::test]
async fn m2m_add_and_remove_refuse_an_object_of_another_model() {
    both(async |backend| {
        let (_test, mut s) = seeded(backend).await;
        run(&mut s, "p = Post.objects.get(title='one'); a = Author.objects.get(pk=1)").await.unwrap();
        let err = run(&mut s, "p.tags.add(a)").await.unwrap_err();
        assert_eq!(err, "'Tag' instance expected, got <Author: Author object (1)>", "{backend:?}");
        let err = run(&mut s, "p.tags.remove(a)").await.unwrap_err();
        assert!(err.starts_with("'Tag' instance expected"), "{backend:?}: {err}");
        // Tag 1 (rust) is still linked: the Author's key 1 did not remove it.
        assert_eq!(run(&mut s, "p.tags.count()").await.unwrap(), "1", "{backend:?}");
        run(&mut s, "p.tags.add(Tag.objects.get(name='django'))").await.unwrap();
        assert_eq!(run(&mut s, "p.tags.count()").await.unwrap(), "2", "{backend:?}");
    })
    .await;
}

#[tokio::test]
async fn a_reverse_manager_s_create_sets_the_key() {
    both(async |backend| {
        let (test, mut s) = seeded(backend).await;
        run(&mut s, "bob = Author.objects.get(name='Bob')").await.unwrap();
        let created = run(&mut s, "bob.posts.create(title='by bob')").await.unwrap();
        let created: serde_json::Value = serde_json::from_str(&created).unwrap();
        assert_eq!(created["author"], 2, "{backend:?}: {created}");
        assert_eq!(run(&mut s, "bob.posts.count()").await.unwrap(), "1", "{backend:?}");
        let got = run(&mut s, "bob.posts.get_or_create(title='second')").await.unwrap();
        assert!(got.contains("\"author\": 2"), "{backend:?}: {got}");
        let by_bob = Post::objects().filter(q!(Post, author__name = "Bob")).count(test.db()).await.unwrap();
        assert_eq!(by_bob, 2, "{backend:?}");
    })
    .await;
}

#[tokio::test]
async fn python_string_escapes() {
    both(async |backend| {
        let (_test, mut s) = seeded(backend).await;
        assert_eq!(run(&mut s, r"'\x41\u00e9\101'").await.unwrap(), "\"AéA\"");
        run(&mut s, r"Tag.objects.create(name='tab\there')").await.unwrap();
        assert_eq!(run(&mut s, "Tag.objects.filter(name='tab\\there').count()").await.unwrap(), "1", "{backend:?}");
        assert_eq!(run(&mut s, r"Tag.objects.filter(name__regex=r'^tab\s').count()").await.unwrap(), "1");
    })
    .await;
}

#[tokio::test]
async fn a_filter_that_reaches_every_row_asks_like_a_whole_table_delete() {
    both(async |backend| {
        let (_test, mut s) = seeded(backend).await;
        for line in [
            "Post.objects.exclude(pk=None).delete()",
            "Post.objects.filter(pk__gte=0).delete()",
            "Post.objects.all().delete()",
            "Post.objects.filter(views=0).update(title='x')",
        ] {
            assert_eq!(run(&mut s, line).await.unwrap_err(), "cancelled", "{backend:?}: {line}");
        }
        assert_eq!(run(&mut s, "Post.objects.count()").await.unwrap(), "3", "{backend:?}: nothing changed");
        // A filter that leaves rows out runs without asking.
        let deleted = run(&mut s, "Post.objects.filter(title='three').delete()").await.unwrap();
        assert!(deleted.starts_with("[\n  1"), "{backend:?}: {deleted}");
    })
    .await;
}

#[tokio::test]
async fn a_big_queryset_prints_a_page_with_django_s_marker() {
    let test = TestDatabase::new("sqlite", &models()).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test.db().clone();
    let ann = Author::objects().create(&db, Author { name: "Ann".into(), ..Default::default() }).await.unwrap();
    let posts =
        (0..5000).map(|i| Post { title: format!("p{i}"), author: ForeignKey::new(ann.id), ..Default::default() });
    Post::objects().bulk_create(&db, posts).await.unwrap();
    let mut s = Session::new(db.clone(), models(), Box::new(|_| false));
    let shown = execute(&mut s, "Post.objects.all()", Format::Table).await.unwrap();
    assert!(shown.contains("...(remaining elements truncated)..."), "{shown}");
    assert!(shown.contains("the first 20 Post objects"), "{shown}");
    assert_eq!(shown.matches("┆ p").count(), 20, "{shown}");
    let sql = execute(&mut s, "sql()", Format::Table).await.unwrap();
    assert!(sql.contains("LIMIT 21"), "only a page was fetched: {sql}");
    // A slice is asked for: all of it is shown.
    let shown = execute(&mut s, "Post.objects.all()[:30]", Format::Table).await.unwrap();
    assert!(shown.contains("(30 Post objects)") && !shown.contains("truncated"), "{shown}");
    // Scripts get every row.
    let json = execute(&mut s, "Post.objects.values_list('id', flat=True)", Format::Json).await.unwrap();
    assert_eq!(serde_json::from_str::<Vec<i64>>(&json).unwrap().len(), 5000);
    s.set_max_rows(None);
    let shown = execute(&mut s, "Post.objects.values('title')", Format::Table).await.unwrap();
    assert!(shown.contains("(5000 rows)"), "{}", &shown[shown.len() - 40..]);
}

#[tokio::test]
async fn lines_ten_thousand_terms_wide_and_deep_nesting() {
    let worker = tokio::spawn(async {
        let (_test, mut s) = seeded("sqlite").await;
        let wide = vec!["1"; 10_000].join(" + ");
        assert_eq!(run(&mut s, &wide).await.unwrap(), "10000");
        let chain = format!("Post.objects.filter(title='one').update(views=F('views'){})", " + 1".repeat(10_000));
        let err = run(&mut s, &chain).await.unwrap_err();
        assert!(err.contains("more than 1000 levels deep"), "{err}");
        let qs = vec!["Q(title='x')"; 10_000].join(" | ");
        assert_eq!(run(&mut s, &format!("Post.objects.filter({qs}).count()")).await.unwrap(), "0");
        let err = run(&mut s, &format!("{}1{}", "(".repeat(500), ")".repeat(500))).await.unwrap_err();
        assert!(err.contains("nested more than"), "{err}");
        assert_eq!(run(&mut s, "Post.objects.count()").await.unwrap(), "3", "the session goes on");
    });
    worker.await.expect("no panic, no overflow");
}

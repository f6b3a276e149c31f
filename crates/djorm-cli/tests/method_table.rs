//! Every QuerySet method, through the Rust API and through the shell, on PostgreSQL and
//! SQLite: the same SQL and the same rows (or the same error). Two databases seeded alike
//! take one side each, so writes compare too. The table must name every method djorm's
//! method table has: a method added later fails this test until it has a row here.

#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::pin::Pin;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm::ModelMeta;
use djorm_cli::shell::{execute, value_json, Format, Session};
use serde_json::{json, Map, Value as Json};

mod blog {
    use djorm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "mt", ordering = ["id"])]
    pub struct Author {
        pub id: AutoId,
        #[djorm(max_length = 50, unique)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "mt", ordering = ["id"])]
    pub struct Tag {
        pub id: AutoId,
        #[djorm(max_length = 30)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "mt", ordering = ["id"])]
    pub struct Post {
        pub id: AutoId,
        #[djorm(max_length = 100)]
        pub title: String,
        #[djorm(max_length = 10, default = "draft".to_owned())]
        pub status: String,
        pub views: i32,
        pub published_on: Option<NaiveDate>,
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

async fn seed(db: &Db) -> djorm::Result<()> {
    let ann = Author::objects().create(db, Author { name: "Ann".into(), ..Default::default() }).await?;
    let bob = Author::objects().create(db, Author { name: "Bob".into(), ..Default::default() }).await?;
    let rust = Tag::objects().create(db, Tag { name: "rust".into(), ..Default::default() }).await?;
    let web = Tag::objects().create(db, Tag { name: "web".into(), ..Default::default() }).await?;
    let rows = [
        ("Ownership", "published", 10, Some((2024, 1, 15)), &ann, vec![&rust]),
        ("Lifetimes", "draft", 5, Some((2024, 2, 20)), &ann, vec![]),
        ("Async", "published", 30, None, &ann, vec![&rust, &web]),
        ("Django", "published", 20, Some((2023, 12, 1)), &bob, vec![&web]),
    ];
    for (title, status, views, date, author, tags) in rows {
        let post = Post {
            title: title.into(),
            status: status.into(),
            views,
            published_on: date.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            author: author.into(),
            ..Default::default()
        };
        let post = Post::objects().create(db, post).await?;
        post.tags.add(db, tags).await?;
    }
    Ok(())
}

/// An object as the shell prints it: every field by name.
fn object<M: djorm::Model>(object: &M) -> Json {
    let fields = M::meta().fields.iter().map(|f| f.name.to_owned());
    Json::Object(fields.zip(object.field_values().iter().map(value_json)).collect())
}

fn objects<M: djorm::Model>(list: &[M]) -> Json {
    Json::Array(list.iter().map(object).collect())
}

fn row(row: &djorm::ValuesRow) -> Json {
    Json::Object(row.iter().map(|(k, v)| (k.to_owned(), value_json(v))).collect())
}

fn rows(list: &[djorm::ValuesRow]) -> Json {
    Json::Array(list.iter().map(row).collect())
}

fn error(e: djorm::Error) -> Json {
    json!({ "error": e.to_string() })
}

type Side = Box<dyn Fn(Db) -> Pin<Box<dyn Future<Output = Json> + Send>> + Send + Sync>;

/// One row of the table: the method, its Rust call and its shell line.
struct Case {
    method: &'static str,
    rust: Side,
    shell: &'static str,
}

macro_rules! case {
    ($method:literal, $shell:literal, |$db:ident| $body:expr) => {
        Case {
            method: $method,
            shell: $shell,
            rust: Box::new(|$db: Db| {
                Box::pin(async move {
                    let result: djorm::Result<Json> = async { $body }.await;
                    result.unwrap_or_else(error)
                })
            }),
        }
    };
}

fn cases() -> Vec<Case> {
    vec![
        case!("all", "Post.objects.all()", |db| Ok(objects(&Post::objects().all(&db).await?))),
        case!("filter", "Post.objects.filter(views__gt=5, author__name=\"Ann\")", |db| {
            Ok(objects(&Post::objects().filter(q!(Post, views__gt = 5, author__name = "Ann")).all(&db).await?))
        }),
        case!("exclude", "Post.objects.exclude(status=\"draft\")", |db| {
            Ok(objects(&Post::objects().exclude(q!(Post, status = "draft")).all(&db).await?))
        }),
        case!("order_by", "Post.objects.order_by(F(\"published_on\").desc(nulls_last=True), \"title\")", |db| {
            let keys = [Post::published_on().desc().nulls_last(), OrderBy::parse("title")];
            Ok(objects(&Post::objects().order_by(keys).all(&db).await?))
        }),
        case!("reverse", "Post.objects.reverse()", |db| Ok(objects(&Post::objects().reverse().all(&db).await?))),
        case!("distinct", "Post.objects.filter(tags__name__in=[\"rust\", \"web\"]).distinct()", |db| {
            Ok(objects(&Post::objects().filter(q!(Post, tags__name__in = ["rust", "web"])).distinct().all(&db).await?))
        }),
        case!("none", "Post.objects.none()", |db| Ok(objects(&Post::objects().none().all(&db).await?))),
        // The one database of a lone handle is `default` (the routing tests cover several).
        case!("using", "Post.objects.using(\"default\").filter(views__gt=10)", |db| {
            Ok(objects(&Post::objects().using("default").filter(q!(Post, views__gt = 10)).all(&db).await?))
        }),
        case!("annotate", "Post.objects.annotate(n=Count(\"tags\")).values(\"title\", \"n\")", |db| {
            Ok(rows(&Post::objects().annotate("n", Count("tags")).values(&db, &["title", "n"]).await?))
        }),
        case!("alias", "Post.objects.alias(v2=F(\"views\") * 2).filter(v2__gt=30)", |db| {
            Ok(objects(&Post::objects().alias("v2", F("views") * 2).filter(Q::new("v2__gt", 30)).all(&db).await?))
        }),
        case!("values", "Post.objects.values(\"title\", \"author__name\")", |db| {
            Ok(rows(&Post::objects().values(&db, &["title", "author__name"]).await?))
        }),
        case!("values_list", "Post.objects.values_list(\"title\", flat=True)", |db| {
            Ok(json!(Post::objects().values_list_flat::<String>(&db, "title").await?))
        }),
        case!("select_related", "Post.objects.select_related(\"author\")", |db| {
            let posts = Post::objects().select_related(["author"]).all(&db).await?;
            // The shell nests the joined object in place of its key.
            let nested = posts.iter().map(|p| {
                let mut shown = object(p);
                shown["author"] = p.author.cached().map_or(Json::Null, object);
                shown
            });
            Ok(Json::Array(nested.collect()))
        }),
        case!("prefetch_related", "Post.objects.prefetch_related(\"tags\").filter(pk=99)", |db| {
            Ok(objects(&Post::objects().prefetch_related(["tags"]).filter(q!(Post, pk = 99)).all(&db).await?))
        }),
        case!("only", "Post.objects.only(\"title\").values(\"id\", \"title\")", |db| {
            Ok(rows(&Post::objects().only(["title"]).values(&db, &["id", "title"]).await?))
        }),
        case!("defer", "Post.objects.defer(\"titel\")", |db| Ok(objects(&Post::objects().defer(["titel"]).all(&db).await?))),
        case!("select_for_update", "Post.objects.select_for_update().count()", |db| {
            Ok(json!(Post::objects().select_for_update(false, false, &[]).count(&db).await?))
        }),
        case!("union", "Post.objects.filter(views=5).union(Post.objects.filter(views=30))", |db| {
            let other = Post::objects().filter(q!(Post, views = 30));
            Ok(objects(&Post::objects().filter(q!(Post, views = 5)).union(&other, false).all(&db).await?))
        }),
        case!("intersection", "Post.objects.filter(views__gt=5).intersection(Post.objects.filter(views__lt=25))", |db| {
            let other = Post::objects().filter(q!(Post, views__lt = 25));
            Ok(objects(&Post::objects().filter(q!(Post, views__gt = 5)).intersection(&other).all(&db).await?))
        }),
        case!("difference", "Post.objects.all().difference(Post.objects.filter(status=\"draft\"))", |db| {
            let other = Post::objects().filter(q!(Post, status = "draft"));
            Ok(objects(&Post::objects().difference(&other).all(&db).await?))
        }),
        case!("get", "Post.objects.get(title=\"Async\")", |db| Ok(object(&Post::objects().get(&db, q!(Post, title = "Async")).await?))),
        case!("first", "Post.objects.order_by(\"-views\").first()", |db| {
            Ok(Post::objects().order_by(["-views"]).first(&db).await?.as_ref().map_or(Json::Null, object))
        }),
        case!("last", "Post.objects.last()", |db| Ok(Post::objects().last(&db).await?.as_ref().map_or(Json::Null, object))),
        case!("earliest", "Post.objects.earliest(\"published_on\")", |db| {
            Ok(object(&Post::objects().earliest(&db, &["published_on"]).await?))
        }),
        case!("latest", "Post.objects.filter(published_on__isnull=False).latest(\"published_on\")", |db| {
            Ok(object(&Post::objects().filter(q!(Post, published_on__isnull = false)).latest(&db, &["published_on"]).await?))
        }),
        case!("count", "Post.objects.filter(author__name=\"Ann\").count()", |db| {
            Ok(json!(Post::objects().filter(q!(Post, author__name = "Ann")).count(&db).await?))
        }),
        case!("exists", "Post.objects.filter(views__gt=100).exists()", |db| {
            Ok(json!(Post::objects().filter(q!(Post, views__gt = 100)).exists(&db).await?))
        }),
        case!("contains", "Post.objects.filter(status=\"draft\").contains(Post.objects.get(pk=2))", |db| {
            let post = Post::objects().get(&db, q!(Post, pk = 2)).await?;
            Ok(json!(Post::objects().filter(q!(Post, status = "draft")).filter(q!(Post, pk = post.id)).exists(&db).await?))
        }),
        case!("aggregate", "Post.objects.aggregate(Sum(\"views\"), top=Max(\"views\"))", |db| {
            let summary = Post::objects()
                .aggregate(&db, [("views__sum", Sum("views")), ("top", Max("views"))])
                .await?;
            Ok(row(&summary))
        }),
        case!("in_bulk", "Post.objects.in_bulk([1, 3])", |db| {
            let found = Post::objects().in_bulk(&db, [1i64, 3]).await?;
            let mut keyed: Vec<(i64, Post)> = found.into_iter().collect();
            keyed.sort_by_key(|(k, _)| *k);
            Ok(Json::Object(keyed.iter().map(|(k, p)| (k.to_string(), object(p))).collect::<Map<_, _>>()))
        }),
        case!("explain", "Post.objects.filter(pk=1).explain()", |db| {
            Ok(json!(Post::objects().filter(q!(Post, pk = 1)).explain(&db).await?))
        }),
        case!("iterator", "Post.objects.filter(views__gte=20).iterator()", |db| {
            use futures_util::TryStreamExt;
            let stream = Post::objects().filter(q!(Post, views__gte = 20)).iterator(&db).await?;
            let all: Vec<Post> = stream.try_collect().await?;
            Ok(objects(&all))
        }),
        case!("dates", "Post.objects.dates(\"published_on\", \"month\", order=\"DESC\")", |db| {
            let dates = Post::objects().untyped().dates(&db, "published_on", djorm::sql::TruncUnit::Month, true).await?;
            Ok(json!(dates.iter().map(ToString::to_string).collect::<Vec<_>>()))
        }),
        case!("datetimes", "Post.objects.datetimes(\"published_on\", \"year\")", |db| {
            let instants = Post::objects().datetimes(&db, "published_on", djorm::sql::TruncUnit::Year).await?;
            Ok(Json::Array(instants.into_iter().map(|d| value_json(&Value::DateTime(d))).collect()))
        }),
        case!("raw", "Post.objects.raw(\"SELECT id, title, status, views, published_on, author_id FROM mt_post WHERE views > %s\", [15])", |db| {
            let sql = "SELECT id, title, status, views, published_on, author_id FROM mt_post WHERE views > %s";
            Ok(objects(&Post::objects().raw(&db, sql, [Value::I64(15)]).await?))
        }),
        case!("create", "Post.objects.create(title=\"New\", views=1, author=1)", |db| {
            let post = Post { title: "New".into(), views: 1, author: ForeignKey::new(AutoId::new(1)), ..Default::default() };
            Ok(object(&Post::objects().create(&db, post).await?))
        }),
        case!("get_or_create", "Post.objects.get_or_create(title=\"Other\", defaults={\"views\": 7, \"author\": 2})", |db| {
            let (post, created) = Post::objects()
                .get_or_create(&db, q!(Post, title = "Other"), || Post {
                    title: "Other".into(),
                    views: 7,
                    author: ForeignKey::new(AutoId::new(2)),
                    ..Default::default()
                })
                .await?;
            Ok(json!([object(&post), created]))
        }),
        case!("update_or_create", "Post.objects.update_or_create(title=\"Other\", defaults={\"views\": 8})", |db| {
            let (post, created) = Post::objects()
                .update_or_create(&db, q!(Post, title = "Other"), |p| p.views = 8, || Post {
                    title: "Other".into(),
                    author: ForeignKey::new(AutoId::new(2)),
                    ..Default::default()
                })
                .await?;
            Ok(json!([object(&post), created]))
        }),
        case!("bulk_create", "Post.objects.bulk_create([Post(title=\"B1\", views=2, author=2), Post(title=\"B2\", views=3, author=2)])", |db| {
            let make = |title: &str, views| Post { title: title.into(), views, author: ForeignKey::new(AutoId::new(2)), ..Default::default() };
            Ok(objects(&Post::objects().bulk_create(&db, [make("B1", 2), make("B2", 3)]).await?))
        }),
        case!("update", "Post.objects.filter(author__name=\"Bob\").update(views=F(\"views\") + 1)", |db| {
            Ok(json!(Post::objects().filter(q!(Post, author__name = "Bob")).update(&db, [("views", F("views") + 1)]).await?))
        }),
        case!("delete", "Post.objects.filter(title__startswith=\"B\").delete()", |db| {
            let deleted = Post::objects().filter(q!(Post, title__startswith = "B")).delete(&db).await?;
            Ok(json!([deleted.total, deleted.per_model]))
        }),
    ]
}

/// The statements a call ran, as text (parameters are compared through the rows).
fn statements(capture: &djorm::QueryCapture) -> Vec<String> {
    capture.take().into_iter().map(|q| q.sql).collect()
}

async fn compare(backend: &str) {
    let rust_db = TestDatabase::new(backend, &models()).await.expect("rust side");
    let shell_db = TestDatabase::new(backend, &models()).await.expect("shell side");
    seed(rust_db.db()).await.expect("seed");
    seed(shell_db.db()).await.expect("seed");
    let rust_capture = rust_db.db().capture_queries();
    let mut session = Session::new(shell_db.db().clone(), models(), Box::new(|_: &str| true));
    session.set_max_rows(None);
    session.set_assume_yes(true);
    let shell_capture = shell_db.db().capture_queries();
    for case in cases() {
        rust_capture.take();
        shell_capture.take();
        let rust = (case.rust)(rust_db.db().clone()).await;
        let rust_sql = statements(&rust_capture);
        let shown = execute(&mut session, case.shell, Format::Json).await;
        let shell_sql = statements(&shell_capture);
        let shell: Json = match shown {
            Ok(text) => {
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{backend} {}: {e}\n{text}", case.method))
            }
            Err(error) => json!({ "error": error.message }),
        };
        assert_eq!(shell, rust, "{backend} {}: rows\n  shell: {}", case.method, case.shell);
        assert_eq!(shell_sql, rust_sql, "{backend} {}: SQL\n  shell: {}", case.method, case.shell);
    }
}

#[test]
fn the_table_names_every_method() {
    let named: Vec<&str> = cases().iter().map(|c| c.method).collect();
    let missing: Vec<&str> = djorm::methods::methods().iter().map(|m| m.name).filter(|m| !named.contains(m)).collect();
    assert!(missing.is_empty(), "methods without a row in the table: {missing:?}");
}

#[tokio::test]
async fn every_method_matches_on_postgresql() {
    compare("postgresql").await;
}

#[tokio::test]
async fn every_method_matches_on_sqlite() {
    compare("sqlite").await;
}

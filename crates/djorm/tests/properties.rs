//! Property tests (bounded, so CI stays fast; `fuzz/` runs the same targets unbounded): the
//! lookup-path resolver and the URL parser take any input without a panic, and a path either
//! compiles or is a FieldError/InvalidQuery; a URL never shows its password.

use djorm::postgres::PostgresDialect;
use djorm::prelude::*;
use djorm::sqlite::SqliteDialect;
use djorm::DatabaseConfig;
use proptest::prelude::*;

#[derive(Model, Debug, Clone)]
#[djorm(app = "blog")]
struct Author {
    id: AutoId,
    #[djorm(max_length = 100)]
    name: String,
    posts: Reverse<Post>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "blog")]
struct Post {
    id: AutoId,
    #[djorm(max_length = 200)]
    title: String,
    #[djorm(default = 0)]
    views: u32,
    published_at: Option<DateTime<Utc>>,
    #[djorm(on_delete = Cascade, related_name = "posts")]
    author: ForeignKey<Author>,
}

/// Path segments that mean something, and some that do not.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select({
            // Field names of the models, then every registered lookup and transform.
            let mut names = vec!["title", "views", "published_at", "author", "name", "posts", "id", "pk", "author_id"];
            names.extend(djorm::vocabulary::lookup_names());
            names.extend(djorm::vocabulary::transform_names());
            names
        })
        .prop_map(str::to_owned),
        1 => "[a-z_]{0,8}",
        1 => any::<String>(),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(segment(), 1..6).prop_map(|segments| segments.join("__"))
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::I64),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(Value::F64),
        any::<String>().prop_map(Value::String),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Any path and value: the query compiles, or says why in a FieldError, an InvalidQuery
    /// (Django's TypeError) or an InvalidValue (Django's ValueError).
    #[test]
    fn lookup_paths_resolve_or_fail_cleanly(path in path(), value in value(), negate in any::<bool>()) {
        let q = Q::new(path.clone(), value);
        let q = if negate { !q } else { q };
        for dialect in [&PostgresDialect as &dyn djorm::sql::Dialect, &SqliteDialect] {
            match Post::objects().filter(q.clone()).sql_for(dialect) {
                Ok(_) => {}
                Err(Error::FieldError(_) | Error::InvalidQuery(_) | Error::InvalidValue(_)) => {}
                Err(other) => prop_assert!(false, "{path:?}: unexpected {other:?}"),
            }
            let _ = Post::objects().order_by([path.as_str()]).sql_for(dialect);
            let _ = Post::objects().annotate("x", F(&path)).sql_for(dialect);
        }
    }

    /// Any text as a database URL: parsed or refused, never a panic, never the password shown.
    #[test]
    fn urls_parse_or_fail_without_showing_the_password(rest in any::<String>(), scheme in prop::sample::select(vec!["postgres://", "postgresql://", "sqlite://", "sqlite:", "mysql://", ""])) {
        let url = format!("{scheme}u:pa55word@{rest}");
        match DatabaseConfig::from_url(&url) {
            Ok(config) if scheme.starts_with("postgres") => {
                let shown = format!("{config} {config:?}");
                prop_assert!(!shown.contains("pa55word"), "{url:?} shows {shown}");
            }
            Ok(_) => {}
            Err(e) => prop_assert!(!e.to_string().contains("pa55word"), "{url:?}: {e}"),
        }
    }
}

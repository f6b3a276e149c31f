//! The lookup-path resolver: any path (split into a path and a value at the first NUL) lowers
//! to SQL or fails with a FieldError/InvalidQuery, on both dialects, without a panic.
#![no_main]

use djorm::postgres::PostgresDialect;
use djorm::prelude::*;
use djorm::sqlite::SqliteDialect;
use libfuzzer_sys::fuzz_target;

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
    views: u32,
    published_at: Option<DateTime<Utc>>,
    #[djorm(on_delete = Cascade, related_name = "posts")]
    author: ForeignKey<Author>,
}

fuzz_target!(|data: &str| {
    let (path, value) = data.split_once('\0').unwrap_or((data, "x"));
    for dialect in [&PostgresDialect as &dyn djorm::sql::Dialect, &SqliteDialect] {
        match Post::objects().filter(Q::new(path, value)).sql_for(dialect) {
            Ok(_) | Err(Error::FieldError(_) | Error::InvalidQuery(_)) => {}
            Err(other) => panic!("{path:?}: {other:?}"),
        }
        let _ = Post::objects().exclude(Q::new(path, value)).order_by([path]).sql_for(dialect);
        let _ = Post::objects().annotate("x", F(path)).sql_for(dialect);
    }
});

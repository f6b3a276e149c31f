//! The relation workload's models (writers → articles → notes), shared by the benchmark and the
//! profiling example so both measure the same tables.

#![allow(dead_code)]

use djorm::prelude::*;

#[derive(Model, Debug, Clone)]
#[djorm(app = "bench", db_table = "bench_author")]
pub struct Writer {
    pub id: AutoId,
    #[djorm(max_length = 100)]
    pub name: String,
    pub articles: Reverse<Article>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "bench", db_table = "bench_article")]
pub struct Article {
    pub id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "articles")]
    pub writer: ForeignKey<Writer>,
    #[djorm(max_length = 200)]
    pub title: String,
    pub notes: Reverse<Note>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "bench", db_table = "bench_note")]
pub struct Note {
    pub id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "notes")]
    pub article: ForeignKey<Article>,
    pub body: String,
}

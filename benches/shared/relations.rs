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

/// Creates the three tables and seeds them: 100 writers, 5 articles each, 3 notes per article.
pub async fn seed(db: &Db) {
    db.create_tables(&[Writer::meta(), Article::meta(), Note::meta()]).await.expect("schema");
    let writers: Vec<Writer> = (0..100).map(|i| Writer { name: format!("writer {i}"), ..Default::default() }).collect();
    let writers = Writer::objects().bulk_create(db, writers).await.expect("writers");
    let articles: Vec<Article> = writers
        .iter()
        .flat_map(|w| {
            (0..5).map(move |j| Article { writer: w.into(), title: format!("article {j}"), ..Default::default() })
        })
        .collect();
    let articles = Article::objects().bulk_create(db, articles).await.expect("articles");
    let notes: Vec<Note> = articles
        .iter()
        .flat_map(|a| (0..3).map(move |k| Note { article: a.into(), body: format!("note {k}"), ..Default::default() }))
        .collect();
    Note::objects().bulk_create(db, notes).await.expect("notes");
}

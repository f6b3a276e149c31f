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

/// A note as the driver sides' prefetch maps it.
pub struct RawNote {
    pub _id: i64,
    pub _body: String,
}

/// An article as the driver sides' prefetch maps it, with its notes.
pub struct RawArticle {
    pub id: i64,
    pub _title: String,
    pub notes: Vec<RawNote>,
}

/// A writer as the driver sides' prefetch maps it, with its articles.
pub struct RawWriter {
    pub id: i64,
    pub _name: String,
    pub articles: Vec<RawArticle>,
}

/// The prefetch's last step on the driver sides: notes into their articles, articles (each with
/// its writer's id) into their writers.
pub fn group_prefetched(
    mut writers: Vec<RawWriter>,
    mut articles: Vec<(i64, RawArticle)>,
    mut notes_by_article: std::collections::HashMap<i64, Vec<RawNote>>,
) -> Vec<RawWriter> {
    let mut by_writer: std::collections::HashMap<i64, Vec<RawArticle>> = std::collections::HashMap::new();
    for (writer, mut a) in articles.drain(..) {
        a.notes = notes_by_article.remove(&a.id).unwrap_or_default();
        by_writer.entry(writer).or_default().push(a);
    }
    for w in &mut writers {
        w.articles = by_writer.remove(&w.id).unwrap_or_default();
    }
    writers
}

/// The prefetch by hand on tokio-postgres: writers, their articles (`= ANY($1)`) and the
/// articles' notes, each query on its prepared statement, grouped into structs.
pub async fn tokio_postgres_prefetch(
    client: &tokio_postgres::Client,
    [writers, articles, notes]: [&tokio_postgres::Statement; 3],
) -> Vec<RawWriter> {
    let writers: Vec<RawWriter> = client
        .query(writers, &[])
        .await
        .expect("writers")
        .iter()
        .map(|r| RawWriter { id: r.get(0), _name: r.get(1), articles: Vec::new() })
        .collect();
    let ids: Vec<i64> = writers.iter().map(|w| w.id).collect();
    let articles: Vec<(i64, RawArticle)> = client
        .query(articles, &[&ids])
        .await
        .expect("articles")
        .iter()
        .map(|r| (r.get(1), RawArticle { id: r.get(0), _title: r.get(2), notes: Vec::new() }))
        .collect();
    let article_ids: Vec<i64> = articles.iter().map(|(_, a)| a.id).collect();
    let mut notes_by_article: std::collections::HashMap<i64, Vec<RawNote>> = std::collections::HashMap::new();
    for r in client.query(notes, &[&article_ids]).await.expect("notes") {
        notes_by_article.entry(r.get(1)).or_default().push(RawNote { _id: r.get(0), _body: r.get(2) });
    }
    group_prefetched(writers, articles, notes_by_article)
}

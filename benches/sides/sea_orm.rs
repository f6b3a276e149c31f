//! The SeaORM side: its entities, and the workloads written with its entity API on a
//! one-connection pool.

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, EntityTrait, JoinType, LoaderTrait, QueryOrder, QuerySelect,
    RelationTrait, Set,
};

use super::{new_users, RawArticle, RawNote, RawWriter, Setup, ROWS};

/// `bench_user`: djorm's `User`, as an entity in the compact `DeriveEntityModel` form
/// `sea-orm-cli generate entity` writes.
mod user {
    use sea_orm::entity::prelude::*;

    /// A `bench_user` row: `RawUser`'s fields.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_user")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub email: String,
        pub age: i32,
        pub active: bool,
    }

    /// No relations: the user workloads follow none.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_author`: djorm's `Writer`.
mod writer {
    use sea_orm::entity::prelude::*;

    /// A `bench_author` row.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_author")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
    }

    /// A writer's relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The writer's articles (`bench_article.writer_id`).
        #[sea_orm(has_many = "super::article::Entity")]
        Article,
    }

    impl Related<super::article::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Article.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_article`: djorm's `Article`.
mod article {
    use sea_orm::entity::prelude::*;

    /// A `bench_article` row.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_article")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub writer_id: i64,
        pub title: String,
    }

    /// An article's relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The article's writer.
        #[sea_orm(belongs_to = "super::writer::Entity", from = "Column::WriterId", to = "super::writer::Column::Id")]
        Writer,
        /// The article's notes (`bench_note.article_id`).
        #[sea_orm(has_many = "super::note::Entity")]
        Note,
    }

    impl Related<super::writer::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Writer.def()
        }
    }

    impl Related<super::note::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Note.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_note`: djorm's `Note`.
mod note {
    use sea_orm::entity::prelude::*;

    /// A `bench_note` row.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_note")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub article_id: i64,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    /// A note's relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The note's article.
        #[sea_orm(
            belongs_to = "super::article::Entity",
            from = "Column::ArticleId",
            to = "super::article::Column::Id"
        )]
        Article,
    }

    impl Related<super::article::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Article.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// SeaORM's connection to the bench database, by URL: one connection, no ping before each
/// checkout and no statement logging, as the SQLx side's pool.
pub async fn connect() -> DatabaseConnection {
    let mut options = ConnectOptions::new(super::bench_url());
    options.max_connections(1).test_before_acquire(false).sqlx_logging(false);
    Database::connect(options).await.expect("sea-orm connects")
}

/// `raw_get` through SeaORM: `find_by_id(id).one()` per key.
pub async fn get(s: &Setup) {
    for i in 1..=1000i64 {
        let u = user::Entity::find_by_id(i).one(&s.sea_orm).await.expect("get").expect("a user");
        std::hint::black_box(u);
    }
}

/// `raw_select` through SeaORM: `find().order_by_asc(id).limit(10000).all()`.
pub async fn select(s: &Setup) {
    let users =
        user::Entity::find().order_by_asc(user::Column::Id).limit(ROWS as u64).all(&s.sea_orm).await.expect("query");
    assert_eq!(users.len(), ROWS as usize);
    std::hint::black_box(users);
}

/// `raw_prefetch` through SeaORM: the writers, then its loader (`LoaderTrait::load_many`, one
/// query per level) for their articles and for those articles' notes, each level handed back
/// grouped per parent; zipped into the same structs as the raw side's. The loader filters with
/// `(key) IN (($1), ($2), ..)`, one parameter per parent key, ordered by primary key.
pub async fn prefetch(s: &Setup) {
    let writers = writer::Entity::find().order_by_asc(writer::Column::Id).all(&s.sea_orm).await.expect("writers");
    let articles = writers.load_many(article::Entity, &s.sea_orm).await.expect("articles");
    // The loader takes a slice of models: the articles flattened, with how many each writer has.
    let counts: Vec<usize> = articles.iter().map(Vec::len).collect();
    let articles: Vec<article::Model> = articles.into_iter().flatten().collect();
    let notes = articles.load_many(note::Entity, &s.sea_orm).await.expect("notes");
    let mut articles = articles.into_iter().zip(notes).map(|(a, notes)| RawArticle {
        id: a.id,
        _title: a.title,
        notes: notes.into_iter().map(|n| RawNote { _id: n.id, _body: n.body }).collect(),
    });
    let writers: Vec<RawWriter> = writers
        .into_iter()
        .zip(counts)
        .map(|(w, count)| RawWriter { id: w.id, _name: w.name, articles: articles.by_ref().take(count).collect() })
        .collect();
    assert_eq!(writers.len(), 100);
    std::hint::black_box(writers);
}

/// `raw_join` through SeaORM: `find_also_related`, which joins LEFT (the writer comes back as
/// an `Option`).
pub async fn join(s: &Setup) {
    let rows = article::Entity::find()
        .find_also_related(writer::Entity)
        .order_by_asc(article::Column::Id)
        .all(&s.sea_orm)
        .await
        .expect("join");
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

/// `raw_left_join` through SeaORM: `select_only()` the two columns across a `LeftJoin` on the
/// writer's `Article` relation, `into_tuple()`.
pub async fn left_join(s: &Setup) {
    let rows: Vec<(String, Option<String>)> = writer::Entity::find()
        .select_only()
        .column(writer::Column::Name)
        .column(article::Column::Title)
        .join(JoinType::LeftJoin, writer::Relation::Article.def())
        .order_by_asc(writer::Column::Id)
        .into_tuple()
        .all(&s.sea_orm)
        .await
        .expect("left join");
    assert_eq!(rows.len(), 500);
    std::hint::black_box(rows);
}

/// `raw_insert` through SeaORM: `insert_many(..).exec_with_returning_keys()`, one statement
/// of 100 rows returning their ids.
pub async fn insert(s: &Setup) {
    let models = new_users().into_iter().map(|u| user::ActiveModel {
        name: Set(u.name),
        email: Set(u.email),
        age: Set(u.age),
        active: Set(u.active),
        ..Default::default()
    });
    let ids = user::Entity::insert_many(models).exec_with_returning_keys(&s.sea_orm).await.expect("insert");
    std::hint::black_box(ids);
}

/// A pool of `size` connections (SQLx's, underneath), for the pool workload.
pub async fn pool(size: u32) -> DatabaseConnection {
    let mut options = ConnectOptions::new(super::bench_url());
    options.max_connections(size).test_before_acquire(false).sqlx_logging(false);
    Database::connect(options).await.expect("sea-orm connects")
}

/// One get by key.
pub async fn get_one(db: &DatabaseConnection, key: i64) {
    let u = user::Entity::find_by_id(key).one(db).await.expect("get").expect("a user");
    std::hint::black_box(u);
}

//! An instance remembers the database it came from (Django's `_state.db`), and relations across
//! databases are refused unless a router allows them (`allow_relation`), on every backend: each
//! alias is a test database of its own, so where a row lands shows where a write went.

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm::{Databases, PrimaryReplicaRouter, RelationEnd, Router};

#[derive(Model, Debug, Clone)]
#[djorm(app = "library", ordering = ["id"])]
struct Writer {
    id: AutoId,
    #[djorm(max_length = 50)]
    name: String,
    books: Reverse<Book>,
    state: InstanceState,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "library", ordering = ["id"])]
struct Book {
    id: AutoId,
    #[djorm(max_length = 50)]
    title: String,
    #[djorm(on_delete = Cascade, related_name = "books")]
    writer: ForeignKey<Writer>,
    #[djorm(related_name = "books")]
    shelves: ManyToMany<Shelf>,
    state: InstanceState,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "library", ordering = ["id"])]
struct Shelf {
    id: AutoId,
    #[djorm(max_length = 50)]
    name: String,
    books: Reverse<Book>,
    state: InstanceState,
}

/// A model that does not declare an `InstanceState`: its saves follow the routers or go to
/// `default`, as before.
#[derive(Model, Debug, Clone)]
#[djorm(app = "library", ordering = ["id"])]
struct Note {
    id: AutoId,
    #[djorm(max_length = 50)]
    text: String,
}

/// One test database per alias, each with every table, and the set of them.
async fn databases(backend: &'static str, aliases: &[&str]) -> (Vec<TestDatabase>, Databases) {
    let mut dbs = Vec::new();
    let mut set = Databases::new();
    for alias in aliases {
        let models = [Writer::meta(), Book::meta(), Shelf::meta(), Note::meta()];
        let test_db = TestDatabase::new(backend, &models).await.expect("a test database");
        set = set.database(*alias, test_db.db().clone());
        dbs.push(test_db);
    }
    (dbs, set)
}

/// `object` created on the database `alias`.
async fn create_on<M: Model>(db: &Db, alias: &str, object: M) -> M {
    M::objects().using(alias).create(db, object).await.expect("create")
}

/// How many rows of `M` each test database holds, asked of each directly.
async fn rows<M: Model>(dbs: &[TestDatabase]) -> Vec<u64> {
    let mut out = Vec::new();
    for t in dbs {
        out.push(QuerySet::<M>::new().count(t.db()).await.expect("count"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_saves_back_to_the_database_it_came_from() {
    for backend in test_backends() {
        let (dbs, set) = databases(backend, &["default", "other"]).await;
        let db = set.build().expect("a set");

        // A new instance has no database; once saved it remembers the one written.
        let mut here = Writer { name: "Here".into(), ..Default::default() };
        assert!(here.state.adding() && here.state.db().is_none());
        here.save(&db).await.expect("save");
        assert_eq!((here.state.db(), here.state.adding()), (Some("default"), false));

        // Created on "other": it remembers "other", and every later save, refresh, related
        // read and delete goes back there although the handle is the default one.
        let created = create_on(&db, "other", Writer { name: "Away".into(), ..Default::default() }).await;
        assert_eq!(created.state.db(), Some("other"), "{backend}");
        let mut away = Writer::objects().using("other").get(&db, Q::new("name", "Away")).await.expect("get");
        assert_eq!(away.state.db(), Some("other"));
        away.name = "Away, renamed".into();
        away.save(&db).await.expect("save");
        assert_eq!(rows::<Writer>(&dbs).await, [1, 1], "{backend}: saved back to other, nothing new on default");
        let on_other = Writer::objects().using("other").values_list_flat::<String>(&db, "name").await.expect("read");
        assert_eq!(on_other, ["Away, renamed"]);
        away.name = "stale".into();
        away.refresh_from_db(&db).await.expect("refresh from other");
        assert_eq!(away.name, "Away, renamed");

        // Its related manager writes and reads on its database.
        let book = away.books.create(&db, Book { title: "Far".into(), ..Default::default() }).await.expect("create");
        assert_eq!(book.state.db(), Some("other"));
        assert_eq!(away.books.count(&db).await.expect("count"), 1, "{backend}: read from other");
        // A new object pointing at it saves there too (Django sets the database on assignment).
        let mut second = Book { title: "Farther".into(), writer: (&away).into(), ..Default::default() };
        second.save(&db).await.expect("save");
        assert_eq!(second.state.db(), Some("other"));
        assert_eq!(rows::<Book>(&dbs).await, [0, 2], "{backend}");
        assert_eq!(second.writer.get(&db).await.expect("the writer, read from other").name, "Away, renamed");

        // Deleting it deletes there (and cascades there).
        let deleted = away.delete(&db).await.expect("delete");
        assert_eq!(deleted.total, 3, "{backend}");
        assert_eq!((rows::<Writer>(&dbs).await, rows::<Book>(&dbs).await), (vec![1, 0], vec![0, 0]));

        // A model without an InstanceState cannot remember: its save goes to default.
        let mut note = create_on(&db, "other", Note { text: "n".into(), ..Default::default() }).await;
        note.text = "m".into();
        note.save(&db).await.expect("save");
        assert_eq!(rows::<Note>(&dbs).await, [1, 1], "{backend}: Django's default without _state");
    }
}

/// Lets any two objects be related, whatever their databases.
struct AllowAll;

impl Router for AllowAll {
    fn allow_relation(&self, _: &RelationEnd<'_>, _: &RelationEnd<'_>) -> Option<bool> {
        Some(true)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relations_across_databases_are_refused_unless_a_router_allows_them() {
    for backend in test_backends() {
        let (dbs, set) = databases(backend, &["default", "other"]).await;
        let db = set.build().expect("a set");
        let mut here = Writer { name: "Here".into(), ..Default::default() };
        here.save(&db).await.expect("save");
        let away = create_on(&db, "other", Writer { name: "Away".into(), ..Default::default() }).await;
        let mut book = Book { title: "Home".into(), writer: (&here).into(), ..Default::default() };
        book.save(&db).await.expect("save");

        // A key to an object of another database: refused before any SQL, the row unchanged.
        book.writer = (&away).into();
        let err = book.save(&db).await.expect_err("a relation across databases");
        assert!(matches!(err, Error::InvalidValue(_)), "{backend}: {err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "Cannot assign \"<Writer: Writer object ({})>\" to Book.writer: the current database router prevents \
                 this relation (the Writer is on database \"other\", the Book is saved to \"default\").",
                away.id
            )
        );
        let stored: Vec<i64> = Book::objects().values_list_flat(&db, "writer").await.expect("read");
        assert_eq!(stored, [here.id.get().expect("saved")], "{backend}: nothing changed");

        // Adding an object of another database to a related manager: Django's message, no link.
        let shelf = create_on(&db, "other", Shelf { name: "s".into(), ..Default::default() }).await;
        let err = book.shelves.add(&db, [&shelf]).await.expect_err("a link across databases");
        assert_eq!(
            err.to_string(),
            format!(
                "Cannot add \"<Shelf: Shelf object ({})>\": instance is on database \"default\", value is on database \
                 \"other\"",
                shelf.id
            )
        );
        assert_eq!(book.shelves.count(&db).await.expect("count"), 0);
        let far =
            create_on(&db, "other", Book { title: "Far".into(), writer: (&away).into(), ..Default::default() }).await;
        assert!(here.books.add(&db, [&far]).await.is_err(), "{backend}: reverse add refused");
        assert!(here.books.set(&db, [&far]).await.is_err(), "{backend}: reverse set refused");
        assert_eq!(here.books.count(&db).await.expect("count"), 1, "{backend}: set detached nothing");

        // The same relations on one database are fine.
        let local_shelf = Shelf::objects().create(&db, Shelf { name: "l".into(), ..Default::default() }).await;
        book.shelves.add(&db, [&local_shelf.expect("create")]).await.expect("same database");

        // A router that allows the relation lets the save through (to the book's database).
        let (_dbs2, set2) = databases(backend, &["default", "other"]).await;
        let db2 = set2.router(AllowAll).build().expect("a set");
        let mut mine = Writer { name: "Mine".into(), ..Default::default() };
        mine.save(&db2).await.expect("save");
        let theirs = create_on(&db2, "other", Writer { name: "Theirs".into(), ..Default::default() }).await;
        let mut allowed = Book { title: "Allowed".into(), writer: (&mine).into(), ..Default::default() };
        allowed.save(&db2).await.expect("save");
        allowed.writer = (&theirs).into();
        allowed.save(&db2).await.expect("the router allows it");
        assert_eq!(allowed.state.db(), Some("default"));
        drop(dbs);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_and_replica_objects_relate_and_saves_go_to_the_primary() {
    for backend in test_backends() {
        let (dbs, set) = databases(backend, &["default", "replica"]).await;
        let db = set.router(PrimaryReplicaRouter::new("default", ["replica"])).build().expect("a set");
        // The same rows on both (no replication between test databases: written to each).
        for t in &dbs {
            let writer = Writer::objects().create(t.db(), Writer { name: "W".into(), ..Default::default() }).await;
            let writer = writer.expect("writer");
            let book = Book { title: "B".into(), writer: (&writer).into(), ..Default::default() };
            Book::objects().create(t.db(), book).await.expect("book");
        }
        // Read from the replica; saved, it goes to the primary, and its key to a replica object
        // is allowed (the router knows both hold the same rows).
        let mut book = Book::objects().get(&db, Q::all()).await.expect("read");
        assert_eq!(book.state.db(), Some("replica"), "{backend}: read from the replica");
        let writer = Writer::objects().get(&db, Q::all()).await.expect("read");
        book.writer = (&writer).into();
        book.title = "Edited".into();
        book.save(&db).await.expect("saved to the primary");
        assert_eq!(book.state.db(), Some("default"));
        for (t, title) in dbs.iter().zip(["Edited", "B"]) {
            let titles: Vec<String> = Book::objects().values_list_flat(t.db(), "title").await.expect("read");
            assert_eq!(titles, [title], "{backend}: the primary edited, the replica untouched");
        }
    }
}

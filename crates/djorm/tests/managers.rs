//! Django's managers: a model's first declared manager is its default (`objects`) and the
//! base of its reverse related managers; others are methods of the model; a forward key and
//! `QuerySet::new()` read every row (Django's base manager), on every backend.

use djorm::prelude::*;
use djorm::DynQuerySet;

/// The default manager: hidden notes are left out, as a soft-delete manager does.
fn visible(qs: DynQuerySet) -> DynQuerySet {
    qs.filter(Q::new("hidden", false))
}

/// A second manager: only the hidden notes, newest first.
fn hidden_only(qs: DynQuerySet) -> DynQuerySet {
    qs.filter(Q::new("hidden", true)).order_by(["-id"])
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "mgr")]
struct Writer {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
    notes: Reverse<Note>,
}

#[derive(Model, Debug, Clone)]
#[djorm(
    app = "mgr",
    ordering = ["id"],
    manager(name = "objects", get_queryset = visible),
    manager(name = "hidden_notes", get_queryset = hidden_only)
)]
struct Note {
    id: AutoId,
    #[djorm(max_length = 20)]
    title: String,
    hidden: bool,
    #[djorm(on_delete = Cascade, related_name = "notes")]
    writer: ForeignKey<Writer>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "mgr")]
struct Pin {
    id: AutoId,
    #[djorm(on_delete = Cascade)]
    note: ForeignKey<Note>,
}

djorm::backend_tests! {
    models = [Writer, Note, Pin];

    async fn managers_choose_the_rows_as_djangos_do(db) {
        let ann = Writer::objects().create(&db, Writer { name: "ann".into(), ..Default::default() }).await?;
        let mut notes = Vec::new();
        for (title, hidden) in [("a", false), ("b", true), ("c", false), ("d", true)] {
            let note = Note { title: title.into(), hidden, writer: (&ann).into(), ..Default::default() };
            notes.push(QuerySet::<Note>::new().create(&db, note).await?);
        }
        let titles = |ns: Vec<Note>| ns.into_iter().map(|n| n.title).collect::<Vec<_>>();
        // The default manager, and the reverse manager built on it.
        assert_eq!(titles(Note::objects().all(&db).await?), ["a", "c"]);
        let ann = Writer::objects().get(&db, q!(Writer, name = "ann")).await?;
        assert_eq!(titles(ann.notes.all(&db).await?), ["a", "c"]);
        // Another manager, with its own filter and ordering.
        assert_eq!(titles(Note::hidden_notes().all(&db).await?), ["d", "b"]);
        // Every row: the base manager.
        assert_eq!(QuerySet::<Note>::new().count(&db).await?, 4);
        // A key to a hidden note still reaches it (Django reads forward keys through the base
        // manager).
        let pin = Pin::objects().create(&db, Pin { note: (&notes[1]).into(), ..Default::default() }).await?;
        assert_eq!(pin.note.get(&db).await?.title, "b");
        // A manager chains like any QuerySet.
        assert_eq!(Note::objects().filter(q!(Note, title = "c")).count(&db).await?, 1);
        assert_eq!(<Note as Model>::meta().managers.iter().map(|m| m.name).collect::<Vec<_>>(), ["objects", "hidden_notes"]);
        Ok(())
    }
}

//! Django's `m2m_changed`: adds, removes and clears of a many-to-many field, from either side,
//! with Django's actions and pk_set, on every backend.

use std::sync::Mutex;

use djorm::prelude::*;
use djorm::signals::{connect_m2m_changed, disconnect, M2mAction};

#[derive(Model, Debug, Clone)]
#[djorm(app = "m2msig")]
struct Label {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
    notes: Reverse<Note>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "m2msig")]
struct Note {
    id: AutoId,
    #[djorm(max_length = 20)]
    title: String,
    #[djorm(related_name = "notes")]
    labels: ManyToMany<Label>,
}

/// What one receiver call saw: action, reverse, instance key, the model of the keys, the keys.
type Seen = (M2mAction, bool, Value, &'static str, Option<Vec<Value>>);

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

fn seen() -> Vec<Seen> {
    std::mem::take(&mut *SEEN.lock().expect("lock"))
}

djorm::backend_tests! {
    models = [Label, Note];

    async fn m2m_changed_reports_every_change_with_djangos_arguments(db) {
        let id = connect_m2m_changed::<Note>("labels", |_db, change| {
            Box::pin(async move {
                let entry = (
                    change.action,
                    change.reverse,
                    change.instance_pk.clone(),
                    change.model.object_name,
                    change.pk_set.map(<[Value]>::to_vec),
                );
                SEEN.lock().expect("lock").push(entry);
                Ok(())
            })
        });
        seen();
        let note = Note::objects().create(&db, Note { title: "n".into(), ..Default::default() }).await?;
        let mut labels = Vec::new();
        for name in ["a", "b"] {
            labels.push(Label::objects().create(&db, Label { name: name.into(), ..Default::default() }).await?);
        }
        let (a, b) = (Value::from(labels[0].id), Value::from(labels[1].id));
        let note_pk = Value::from(note.id);
        note.labels.add(&db, [&labels[0], &labels[1]]).await?;
        // Adding a linked label again: pk_set holds only what is new (nothing).
        note.labels.add(&db, [&labels[0]]).await?;
        note.labels.remove(&db, [&labels[0]]).await?;
        // From the other side: reverse, the label is the instance, notes the model.
        labels[0].notes.add(&db, [&note]).await?;
        note.labels.clear(&db).await?;
        assert_eq!(
            seen(),
            [
                (M2mAction::PreAdd, false, note_pk.clone(), "Label", Some(vec![a.clone(), b.clone()])),
                (M2mAction::PostAdd, false, note_pk.clone(), "Label", Some(vec![a.clone(), b.clone()])),
                (M2mAction::PreAdd, false, note_pk.clone(), "Label", Some(vec![])),
                (M2mAction::PostAdd, false, note_pk.clone(), "Label", Some(vec![])),
                (M2mAction::PreRemove, false, note_pk.clone(), "Label", Some(vec![a.clone()])),
                (M2mAction::PostRemove, false, note_pk.clone(), "Label", Some(vec![a.clone()])),
                (M2mAction::PreAdd, true, a.clone(), "Note", Some(vec![note_pk.clone()])),
                (M2mAction::PostAdd, true, a.clone(), "Note", Some(vec![note_pk.clone()])),
                (M2mAction::PreClear, false, note_pk.clone(), "Label", None),
                (M2mAction::PostClear, false, note_pk.clone(), "Label", None),
            ]
        );
        assert_eq!(note.labels.count(&db).await?, 0);
        assert!(disconnect(id));
        note.labels.add(&db, [&labels[1]]).await?;
        assert!(seen().is_empty(), "a disconnected receiver hears nothing");
        Ok(())
    }
}

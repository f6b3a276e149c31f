//! The shell's `Model.manager`: `objects` is the default manager (the first declared), other
//! managers by name, and reverse managers start from the related model's default manager.

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm::{DynQuerySet, ModelMeta};
use djorm_cli::shell::{execute, Format, Session};

fn visible(qs: DynQuerySet) -> DynQuerySet {
    qs.filter(Q::new("hidden", false))
}

fn hidden_only(qs: DynQuerySet) -> DynQuerySet {
    qs.filter(Q::new("hidden", true))
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "smgr")]
struct Shelf {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(
    app = "smgr",
    ordering = ["id"],
    manager(name = "objects", get_queryset = visible),
    manager(name = "archived", get_queryset = hidden_only)
)]
struct Item {
    id: AutoId,
    hidden: bool,
    #[djorm(on_delete = Cascade, related_name = "items")]
    shelf: ForeignKey<Shelf>,
}

fn models() -> Vec<&'static ModelMeta> {
    vec![Shelf::meta(), Item::meta()]
}

#[tokio::test]
async fn the_shell_reaches_models_through_their_managers() {
    for backend in test_backends() {
        let test = TestDatabase::new(backend, &models()).await.expect("database");
        let shelf =
            Shelf::objects().create(test.db(), Shelf { name: "s".into(), ..Default::default() }).await.expect("shelf");
        for hidden in [false, true, true] {
            let item = Item { hidden, shelf: (&shelf).into(), ..Default::default() };
            QuerySet::<Item>::new().create(test.db(), item).await.expect("item");
        }
        let mut session = Session::new(test.db().clone(), models(), Box::new(|_: &str| true));
        let mut answers = Vec::new();
        for line in ["Item.objects.count()", "Item.archived.count()", "Shelf.objects.get(pk=1).items.count()"] {
            answers.push(execute(&mut session, line, Format::Json).await.map_err(|e| e.message));
        }
        assert_eq!(answers, [Ok("1".into()), Ok("2".into()), Ok("1".into())], "{backend}");
        let err = execute(&mut session, "Item.nothing.count()", Format::Json)
            .await
            .map_err(|e| e.message)
            .expect_err("no such manager");
        assert!(err.contains("nothing"), "{backend}: {err}");
    }
}

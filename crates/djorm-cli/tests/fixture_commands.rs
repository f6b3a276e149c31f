//! `djorm dumpdata`, `flush` and `loaddata` from the command line: a dump, the rows deleted, the
//! dump loaded back, on every backend.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm_cli::Project;

#[derive(Model, Debug, Clone)]
#[djorm(app = "fx", ordering = ["id"])]
struct Label {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "fx", ordering = ["id"])]
struct Item {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
    #[djorm(on_delete = Cascade)]
    label: ForeignKey<Label>,
    tags: ManyToMany<Label>,
}

#[tokio::test]
async fn dump_flush_and_load_from_the_command_line() {
    for backend in test_backends() {
        let test_db = TestDatabase::new(backend, &[Label::meta(), Item::meta()]).await.expect("db");
        let (db, url) = (test_db.db(), test_db.url().expect("url"));
        let red = Label::objects().create(db, Label { name: "red".into(), ..Default::default() }).await.expect("label");
        let item = Item::objects()
            .create(db, Item { name: "cup".into(), label: (&red).into(), ..Default::default() })
            .await
            .expect("item");
        item.tags.add(db, [&red]).await.expect("tag");
        let project = Project { models: Some(vec![Label::meta(), Item::meta()]), ..Project::default() };
        let dir = temp_dir("fixtures");
        let file = dir.join("dump.json");
        let (code, out) =
            cmd(&dir, &url, &project, &["dumpdata", "fx", "--output", file.to_str().expect("path")]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let dumped = std::fs::read_to_string(&file).expect("written");
        assert!(dumped.contains(r#""model":"fx.item""#) && dumped.contains(r#""tags":[1]"#), "{dumped}");

        let (code, out) = cmd(&dir, &url, &project, &["flush", "--no-input"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert_eq!(Item::objects().count(db).await.expect("count"), 0);

        let (code, out) = cmd(&dir, &url, &project, &["loaddata", file.to_str().expect("path")]).await;
        assert_eq!((code, out.trim()), (ExitCode::SUCCESS, "Installed 2 object(s) from 1 fixture(s)"));
        let back = Item::objects().get(db, Q::new("pk", item.id)).await.expect("the item is back");
        assert_eq!(back.name, "cup");
        assert_eq!(back.tags.all(db).await.expect("tags").len(), 1);
    }
}

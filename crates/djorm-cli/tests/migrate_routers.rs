//! `migrate` on one database of a set honours the routers' `allow_migrate` (Django's
//! `migrate --database alias`): each database gets the tables of the apps routed to it, and
//! every migration is recorded as applied on both.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm::{Databases, Hints, ModelMeta, Router};
use djorm_cli::Project;
use djorm_migrations::executor::{migrate, CodeRegistry, Options, Target};

#[derive(Model, Debug, Clone)]
#[djorm(app = "shop")]
struct Order {
    id: AutoId,
    #[djorm(max_length = 20)]
    region: String,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "analytics")]
struct Event {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
}

/// The analytics app lives on its own database, everything else on default.
struct AppRouter;

impl Router for AppRouter {
    fn db_for_read(&self, model: &'static ModelMeta, _: &Hints<'_>) -> Option<String> {
        (model.app_label == "analytics").then(|| "analytics".to_owned())
    }
    fn db_for_write(&self, model: &'static ModelMeta, hints: &Hints<'_>) -> Option<String> {
        self.db_for_read(model, hints)
    }
    fn allow_migrate(&self, db: &str, app_label: &str, _: Option<&str>) -> Option<bool> {
        Some((app_label == "analytics") == (db == "analytics"))
    }
}

async fn tables(db: &Db) -> Vec<String> {
    let mut names: Vec<String> = db.introspect().await.expect("catalog").into_iter().map(|t| t.name).collect();
    names.sort();
    names
}

#[tokio::test]
async fn migrate_on_an_alias_creates_only_what_the_routers_allow() {
    for backend in test_backends() {
        let (default, analytics) = (
            TestDatabase::new(backend, &[]).await.expect("default"),
            TestDatabase::new(backend, &[]).await.expect("analytics"),
        );
        let dir = temp_dir("routers");
        let project = Project { models: Some(vec![Order::meta(), Event::meta()]), ..Project::default() };
        let url = default.url().expect("url");
        assert_eq!(cmd(&dir, &url, &project, &["makemigrations"]).await.0, ExitCode::SUCCESS);
        let migrations = djorm_migrations::loader::load(&dir).expect("files");

        let db = Databases::new()
            .database("default", default.db().clone())
            .database("analytics", analytics.db().clone())
            .router(AppRouter)
            .build()
            .expect("a set");
        for alias in ["default", "analytics"] {
            let on = db.using(alias).expect("alias");
            migrate(&on, &migrations, &Target::Latest, &Options::default(), &CodeRegistry::default())
                .await
                .unwrap_or_else(|e| panic!("{backend} {alias}: {e}"));
        }
        assert_eq!(tables(default.db()).await, ["djorm_migrations", "shop_order"], "{backend}");
        assert_eq!(tables(analytics.db()).await, ["analytics_event", "djorm_migrations"], "{backend}");
        // Both record every migration, so a second migrate has nothing to do.
        for alias in ["default", "analytics"] {
            let steps = migrate(
                &db.using(alias).expect("alias"),
                &migrations,
                &Target::Latest,
                &Options::default(),
                &CodeRegistry::default(),
            )
            .await
            .expect("migrate again");
            assert!(steps.is_empty(), "{backend} {alias}: {steps:?}");
        }
        // And the routers send each model's queries to where its table is.
        Event::objects().create(&db, Event { name: "signup".into(), ..Default::default() }).await.expect("event");
        assert_eq!(Event::objects().count(&db).await.expect("count"), 1);
        Order::objects().create(&db, Order { region: "eu".into(), ..Default::default() }).await.expect("order");
    }
}

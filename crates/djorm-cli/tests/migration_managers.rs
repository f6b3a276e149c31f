//! Django's `Manager.use_in_migrations`: the managers marked with it are recorded in migration
//! files (`managers = [...]` in CreateModel, AlterModelManagers when they change, no SQL), so
//! `makemigrations --check` sees a change, and models rebuilt from the files (historical models)
//! have them — with the linked code's queryset, or refusing to run when the binary lacks it.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm::DynQuerySet;
use djorm_cli::Project;

/// Leaves out hidden notes, as a soft-delete manager does.
fn visible(qs: DynQuerySet) -> DynQuerySet {
    qs.filter(Q::new("hidden", false))
}

/// Only the hidden notes.
fn hidden_only(qs: DynQuerySet) -> DynQuerySet {
    qs.filter(Q::new("hidden", true))
}

mod v1 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "mgrmig", manager(name = "objects", get_queryset = super::visible))]
    pub struct Note {
        pub id: AutoId,
        #[djorm(max_length = 20)]
        pub title: String,
        pub hidden: bool,
    }
}

mod v2 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(
        app = "mgrmig",
        manager(name = "objects", get_queryset = super::visible, use_in_migrations),
        manager(name = "hidden_notes", get_queryset = super::hidden_only, use_in_migrations)
    )]
    pub struct Note {
        pub id: AutoId,
        #[djorm(max_length = 20)]
        pub title: String,
        pub hidden: bool,
    }
}

fn migration_text(dir: &std::path::Path, prefix: &str) -> String {
    std::fs::read_dir(dir.join("mgrmig"))
        .expect("app dir")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| std::fs::read_to_string(e.path()).expect("readable"))
        .unwrap_or_else(|| panic!("no migration {prefix}"))
}

#[tokio::test]
async fn managers_used_in_migrations_are_recorded_and_rebuilt() {
    for backend in ["postgresql", "sqlite"] {
        let dir = temp_dir("managers");
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let url = test_db.url().expect("url");
        let first = Project { models: Some(vec![v1::Note::meta()]), ..Project::default() };
        assert_eq!(cmd(&dir, &url, &first, &["makemigrations"]).await.0, ExitCode::SUCCESS);
        assert!(!migration_text(&dir, "0001").contains("managers"), "a manager not used in migrations is not recorded");
        assert_eq!(cmd(&dir, &url, &first, &["migrate"]).await.0, ExitCode::SUCCESS);

        let second = Project { models: Some(vec![v2::Note::meta()]), ..Project::default() };
        let (code, out) = cmd(&dir, &url, &second, &["makemigrations", "--check"]).await;
        assert_ne!(code, ExitCode::SUCCESS, "{backend}: use_in_migrations is a missing migration: {out}");
        let (code, out) = cmd(&dir, &url, &second, &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert!(out.contains("Change managers on note"), "{out}");
        let written = migration_text(&dir, "0002");
        let compact: String = written.split_whitespace().collect();
        assert!(
            compact.contains(r#"type="AlterModelManagers"model="mgrmig.Note"managers=["objects","hidden_notes",]"#),
            "{written}"
        );
        let (code, out) = cmd(&dir, &url, &second, &["sqlmigrate", "mgrmig", "0002_alter_note_managers"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert!(!out.contains("ALTER") && !out.contains("CREATE"), "{backend}: managers are not SQL: {out}");
        assert_eq!(cmd(&dir, &url, &second, &["migrate"]).await.0, ExitCode::SUCCESS);
        assert_eq!(cmd(&dir, &url, &second, &["makemigrations", "--check"]).await.0, ExitCode::SUCCESS);

        // A new model records them in its CreateModel.
        let fresh = temp_dir("managers-fresh");
        assert_eq!(cmd(&fresh, &url, &second, &["makemigrations"]).await.0, ExitCode::SUCCESS);
        let created: String =
            std::fs::read_to_string(fresh.join("mgrmig/0001_initial.toml")).expect("0001").split_whitespace().collect();
        assert!(created.contains(r#"managers=["objects","hidden_notes",]"#), "{created}");

        let db = test_db.db();
        for (title, hidden) in [("a", false), ("b", true), ("c", true)] {
            QuerySet::<v2::Note>::new()
                .create(db, v2::Note { title: title.into(), hidden, ..Default::default() })
                .await
                .expect("row");
        }
        // The historical model (rebuilt from the files) has both managers, with the linked code.
        let state = djorm_migrations::replay(&djorm_migrations::loader::load(&dir).expect("files")).expect("state");
        let historical = djorm_migrations::runtime::models_from_state(&state);
        let note = historical.iter().find(|m| m.object_name == "Note").expect("Note");
        assert_eq!(note.default_queryset().count(db).await.expect("count"), 1, "{backend}: objects is `visible`");
        let hidden = note.manager("hidden_notes").expect("the recorded manager");
        assert_eq!(hidden.count(db).await.expect("count"), 2);

        // A model of the files whose code this binary does not link keeps the manager's name,
        // and says why it cannot run it.
        let mut ghost = state.clone();
        let mut model = ghost.models.remove("mgrmig.Note").expect("Note");
        model.app = "ghost".into();
        ghost.models.insert(model.label(), model);
        let rebuilt = djorm_migrations::runtime::models_from_state(&ghost);
        let err = rebuilt[0].manager("hidden_notes").expect("recorded").count(db).await.expect_err("no code");
        assert!(err.to_string().contains("does not link"), "{err}");
    }
}

//! Callable defaults (`default = Utc::now()`, `default = Uuid::new_v4()`) are recorded in
//! migrations by name, as Django records `default=timezone.now`: the file is stable, `--check`
//! stays clean, and `migrate` calls the function to fill existing rows.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm_cli::Project;

mod v1 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "defaults")]
    pub struct Note {
        pub id: AutoId,
        #[djorm(max_length = 50)]
        pub title: String,
    }
}

mod v2 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "defaults")]
    pub struct Note {
        pub id: AutoId,
        #[djorm(max_length = 50)]
        pub title: String,
        #[djorm(default = Utc::now())]
        pub created: DateTime<Utc>,
        #[djorm(default = Uuid::new_v4())]
        pub token: Uuid,
    }
}

#[tokio::test]
async fn callable_defaults_are_recorded_by_name_and_called_by_migrate() {
    for backend in ["postgresql", "sqlite"] {
        let dir = temp_dir("callable-default");
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let url = test_db.url().expect("url");
        let first = Project { models: Some(vec![v1::Note::meta()]), ..Project::default() };
        let (code, out) = cmd(&dir, &url, &first, &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let (code, out) = cmd(&dir, &url, &first, &["migrate"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        for title in ["a", "b"] {
            v1::Note::objects()
                .create(test_db.db(), v1::Note { title: title.into(), ..Default::default() })
                .await
                .expect("row");
        }

        let second = Project { models: Some(vec![v2::Note::meta()]), ..Project::default() };
        let (code, out) = cmd(&dir, &url, &second, &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let written = std::fs::read_dir(dir.join("defaults"))
            .expect("app dir")
            .filter_map(|e| e.ok())
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .find(|text| text.contains("created"))
            .expect("the second migration");
        assert!(written.contains(r#"callable = "Utc::now()""#), "{written}");
        assert!(written.contains(r#"callable = "Uuid::new_v4()""#), "{written}");
        // The models have not changed since: nothing to write, however often it is asked.
        for _ in 0..2 {
            let (code, out) = cmd(&dir, &url, &second, &["makemigrations", "--check"]).await;
            assert_eq!(code, ExitCode::SUCCESS, "{backend}: {out}");
        }
        let before = Utc::now();
        let (code, out) = cmd(&dir, &url, &second, &["migrate"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let notes = v2::Note::objects().all(test_db.db()).await.expect("notes");
        assert_eq!(notes.len(), 2);
        for note in &notes {
            assert!(note.created >= before - TimeDelta::seconds(5), "{backend}: {note:?}");
            assert!(!note.token.is_nil(), "{backend}: {note:?}");
        }
        // New objects call the function each time.
        let fresh = v2::Note::objects()
            .create(test_db.db(), v2::Note { title: "c".into(), ..Default::default() })
            .await
            .expect("row");
        assert_ne!(fresh.token, notes[0].token);
    }
}

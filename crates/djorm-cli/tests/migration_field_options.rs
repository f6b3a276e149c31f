//! Options only people read (`verbose_name`, `help_text`) are recorded in migrations as Django
//! records them: changing one is an AlterField that runs no SQL, and `--check` sees it.

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm_cli::Project;

mod v1 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "labels")]
    pub struct Story {
        pub id: AutoId,
        #[djorm(max_length = 50)]
        pub title: String,
    }
}

mod v2 {
    use djorm::prelude::*;
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "labels")]
    pub struct Story {
        pub id: AutoId,
        #[djorm(max_length = 50, verbose_name = "headline", help_text = "Shown on the front page")]
        pub title: String,
    }
}

#[tokio::test]
async fn verbose_name_and_help_text_changes_are_alter_fields_without_sql() {
    for backend in ["postgresql", "sqlite"] {
        let dir = temp_dir("field-options");
        let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
        let url = test_db.url().expect("url");
        let first = Project { models: Some(vec![v1::Story::meta()]), ..Project::default() };
        assert_eq!(cmd(&dir, &url, &first, &["makemigrations"]).await.0, ExitCode::SUCCESS);
        assert_eq!(cmd(&dir, &url, &first, &["migrate"]).await.0, ExitCode::SUCCESS);
        v1::Story::objects()
            .create(test_db.db(), v1::Story { title: "kept".into(), ..Default::default() })
            .await
            .expect("row");

        let second = Project { models: Some(vec![v2::Story::meta()]), ..Project::default() };
        let (code, out) = cmd(&dir, &url, &second, &["makemigrations", "--check"]).await;
        assert_ne!(code, ExitCode::SUCCESS, "{backend}: a changed verbose_name is a missing migration: {out}");
        let (code, out) = cmd(&dir, &url, &second, &["makemigrations"]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        let written = std::fs::read_dir(dir.join("labels"))
            .expect("app dir")
            .filter_map(|e| e.ok())
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .find(|text| text.contains("help_text"))
            .expect("the second migration");
        assert!(written.contains("AlterField") && written.contains(r#"verbose_name = "headline""#), "{written}");
        let name = std::fs::read_dir(dir.join("labels"))
            .expect("app dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("0002"))
            .expect("0002");
        let (code, out) = cmd(&dir, &url, &second, &["sqlmigrate", "labels", name.trim_end_matches(".toml")]).await;
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert!(!out.contains("ALTER") && !out.contains("CREATE"), "{backend}: no SQL for a label: {out}");
        assert_eq!(cmd(&dir, &url, &second, &["migrate"]).await.0, ExitCode::SUCCESS);
        assert_eq!(cmd(&dir, &url, &second, &["makemigrations", "--check"]).await.0, ExitCode::SUCCESS);
        assert_eq!(v2::Story::objects().count(test_db.db()).await.expect("count"), 1);
        assert_eq!(<v2::Story as Model>::meta().fields[1].verbose_name, "headline");
    }
}

//! `djorm check`: Django's model checks with Django's ids and messages (reverse accessor and
//! query name clashes), unapplied migrations, and `--deploy`'s superuser warning; errors fail the
//! command. The clashing models live in this test binary only (they would clash in others).

mod common;
use common::{cmd, temp_dir};
use std::process::ExitCode;

use djorm::prelude::*;
use djorm::testing::TestDatabase;
use djorm_cli::Project;

#[derive(Model, Debug, Clone)]
#[djorm(app = "chk")]
struct Member {
    id: AutoId,
    #[djorm(max_length = 20)]
    name: String,
    /// A field named like the reverse accessor `Letter.author` gets by default.
    letter_set: i32,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "chk")]
struct Letter {
    id: AutoId,
    #[djorm(on_delete = Cascade)]
    sender: ForeignKey<Member>,
    #[djorm(on_delete = Cascade)]
    recipient: ForeignKey<Member>,
}

#[derive(Model, Debug, Clone)]
#[djorm(app = "chk")]
struct Note {
    id: AutoId,
    #[djorm(on_delete = Cascade, related_name = "notes")]
    member: ForeignKey<Member>,
}

#[tokio::test]
async fn check_reports_djangos_model_errors_and_unapplied_migrations() {
    let test_db = TestDatabase::new("postgresql", &[]).await.expect("db");
    let url = test_db.url().expect("url");
    let dir = temp_dir("check");
    let project = Project { models: Some(vec![Member::meta(), Letter::meta(), Note::meta()]), ..Project::default() };
    let (code, out) = cmd(&dir, &url, &project, &["check"]).await;
    assert_eq!(code, ExitCode::FAILURE, "{out}");
    let expected = [
        "chk.Letter.recipient: (fields.E302) Reverse accessor 'Member.letter_set' for 'chk.Letter.recipient' clashes \
         with field name 'chk.Member.letter_set'.\n\tHINT: Rename field 'chk.Member.letter_set', or add/change a \
         related_name argument to the definition for field 'chk.Letter.recipient'.",
        "chk.Letter.recipient: (fields.E304) Reverse accessor 'Member.letter_set' for 'chk.Letter.recipient' clashes \
         with reverse accessor for 'chk.Letter.sender'.\n\tHINT: Add or change a related_name argument to the \
         definition for 'chk.Letter.recipient' or 'chk.Letter.sender'.",
        "chk.Letter.recipient: (fields.E305) Reverse query name for 'chk.Letter.recipient' clashes with reverse query \
         name for 'chk.Letter.sender'.",
        "chk.Letter.sender: (fields.E304) Reverse accessor 'Member.letter_set' for 'chk.Letter.sender' clashes with \
         reverse accessor for 'chk.Letter.recipient'.",
    ];
    for line in expected {
        assert!(out.contains(line), "missing:\n{line}\nin:\n{out}");
    }
    assert!(out.starts_with("System check identified some issues:\n\nERRORS:\n"), "{out}");
    assert!(out.contains("System check identified 6 issues (0 silenced)."), "{out}");
    assert!(!out.contains("chk.Note.member"), "a related_name avoids the clash: {out}");

    // A clean project with a migration not applied: a warning, and the command succeeds.
    let clean = Project { models: Some(vec![Note::meta(), Member::meta()]), ..Project::default() };
    let fine = temp_dir("check-clean");
    assert_eq!(cmd(&fine, &url, &clean, &["makemigrations"]).await.0, ExitCode::SUCCESS);
    let notes_only = Project { models: Some(vec![Note::meta()]), ..Project::default() };
    let (code, out) = cmd(&fine, &url, &notes_only, &["check"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(
        out.contains(
            "(djorm.W001) You have 1 unapplied migration(s). Your project may not work properly until you \
                      apply the migrations for app(s): chk."
        ),
        "{out}"
    );
    assert_eq!(cmd(&fine, &url, &notes_only, &["migrate"]).await.0, ExitCode::SUCCESS);
    let (code, out) = cmd(&fine, &url, &notes_only, &["check"]).await;
    assert_eq!((code, out.trim()), (ExitCode::SUCCESS, "System check identified no issues (0 silenced)."));

    // --deploy: the tests connect as the superuser `root`, which a deployment should not.
    let (code, out) = cmd(&fine, &url, &notes_only, &["check", "--deploy"]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("(djorm.W003) The application connects as the superuser 'root'."), "{out}");
}

/// A model rebuilt from migration files can order by a field it does not have (the derive
/// refuses that at compile time): Django's `models.E015`.
#[test]
fn an_ordering_that_names_nothing_is_models_e015() {
    use djorm_migrations::state::{ModelState, ProjectState};
    let mut state = ProjectState::default();
    let mut model = ModelState::from_meta(Note::meta());
    model.ordering = vec!["-member__name".into(), "nope".into(), "id".into(), "member__nope".into()];
    state.models.insert(model.label(), model);
    let member = ModelState::from_meta(Member::meta());
    state.models.insert(member.label(), member);
    let models = djorm_migrations::runtime::models_from_state(&state);
    let messages: Vec<String> = djorm::checks::check_models(&models).iter().map(ToString::to_string).collect();
    let e015: Vec<&String> = messages.iter().filter(|m| m.contains("models.E015")).collect();
    assert_eq!(
        e015,
        [
            "chk.Note: (models.E015) 'ordering' refers to the nonexistent field, related field, or lookup 'nope'.",
            "chk.Note: (models.E015) 'ordering' refers to the nonexistent field, related field, or lookup 'member__nope'."
        ],
        "{messages:?}"
    );
}

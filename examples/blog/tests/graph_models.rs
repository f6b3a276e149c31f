//! `manage graph_models` draws the blog's schema: the Mermaid diagram names every model and
//! every relation (foreign key, many-to-many, one-to-one), the DOT has an arrow per relation,
//! and Graphviz renders it to SVG (`.ci/run` installs Debian's graphviz).

use std::process::Command;

fn manage(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_manage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // graph_models reads the models only: no database is touched.
        .env("DATABASE_URL", "sqlite:///nonexistent-dir/never-opened.sqlite3")
        .output()
        .expect("the manage binary runs")
}

fn stdout(args: &[&str]) -> String {
    let out = manage(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn mermaid_names_every_model_and_relation() {
    let text = stdout(&["graph_models", "--format", "mermaid"]);
    assert!(text.starts_with("erDiagram\n"), "{text}");
    // The models the manage binary is given: the auth app's, then the blog's.
    for model in djorm_auth::models::all().into_iter().chain(blog::models::all()) {
        let entity = format!("    {}_{} {{", model.app_label, model.object_name);
        assert!(text.contains(&entity), "{} is missing:\n{text}", model.label());
    }
    for relation in [
        "blog_Post }o--|| blog_Author : \"author\"",
        "blog_Post }o--o{ blog_Tag : \"tags\"",
        "blog_Profile |o--|| auth_User : \"user\"",
        "auth_User }o--o{ auth_Group : \"groups\"",
    ] {
        assert!(text.contains(relation), "{relation} is missing:\n{text}");
    }
    assert!(text.contains("        ForeignKey author_id FK\n"), "{text}");
    assert!(text.contains("        SlugField slug UK\n"), "{text}");
}

#[test]
fn one_app_draws_only_its_models_and_an_unknown_one_is_refused() {
    let text = stdout(&["graph_models", "blog", "--format", "mermaid"]);
    assert!(text.contains("blog_Post {") && !text.contains("auth_Group {"), "{text}");
    let out = manage(&["graph_models", "nosuchapp"]);
    assert!(!out.status.success());
    // A CommandError goes to standard error, as Django's commands write it; nothing to the output.
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "CommandError: No models in app(s): nosuchapp.");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn dot_has_an_arrow_per_relation_and_graphviz_renders_it() {
    let text = stdout(&["graph_models"]);
    assert!(text.starts_with("digraph models {"), "{text}");
    assert!(text.contains(r#""blog_Post" -> "blog_Author" [label="author (FK)"];"#), "{text}");
    assert!(text.contains(r#""blog_Post" -> "blog_Tag" [label="tags (M2M)", dir=both, style=dashed];"#), "{text}");
    assert!(text.contains(r#""blog_Profile" -> "auth_User" [label="user (1:1)", arrowhead=tee];"#), "{text}");

    let dir = std::env::temp_dir().join(format!("djorm-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let svg = dir.join("blog.svg");
    let out = manage(&["graph_models", "-o", svg.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "rendering needs Graphviz's dot (apt install graphviz): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drawn = std::fs::read_to_string(&svg).expect("the SVG");
    assert!(drawn.contains("<svg") && drawn.contains("blog.Post") && drawn.contains("author (FK)"), "{drawn}");
    let _ = std::fs::remove_dir_all(dir);
}

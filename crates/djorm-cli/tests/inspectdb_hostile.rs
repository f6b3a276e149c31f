//! inspectdb on hostile names: a table or column whose name holds a line break and Rust code
//! ends up escaped in a comment or a string, never as code; names that collide once made
//! into Rust names get distinct ones. The written module parses, and holds only structs.

use std::process::ExitCode;

use djorm::testing::TestDatabase;
use djorm_cli::Project;

const INJECTED_TABLE: &str = "evil\n}\npub fn injected() { std::process::exit(3) }\nstruct Pwned {";
const INJECTED_COLUMN: &str = "note\"\n    pub fn also_injected() {}\n    // ";

async fn inspect(backend: &'static str) -> String {
    let test_db = TestDatabase::new(backend, &[]).await.unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.db();
    let quote = |name: &str| {
        let mut out = String::new();
        db.dialect().write_ident(&mut out, name);
        out
    };
    let statements = vec![
        format!("CREATE TABLE {} (id integer PRIMARY KEY, {} text)", quote(INJECTED_TABLE), quote(INJECTED_COLUMN)),
        format!("CREATE TABLE {} (id integer PRIMARY KEY)", quote("a-b")),
        format!("CREATE TABLE {} (id integer PRIMARY KEY)", quote("a_b")),
        format!(
            "CREATE TABLE {} (id integer PRIMARY KEY, {} text, {} text)",
            quote("cols"),
            quote("a b"),
            quote("a_b")
        ),
    ];
    db.execute_script(&statements).await.expect("hostile tables");
    let url = test_db.url().expect("url");
    let args: Vec<String> = ["--database", &url, "inspectdb"].map(String::from).to_vec();
    let mut out = Vec::new();
    let code = djorm_cli::run(&args, &Project::default(), &mut out).await;
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(code, ExitCode::SUCCESS, "{text}");
    text
}

#[tokio::test]
async fn hostile_names_never_become_code() {
    for backend in ["sqlite", "postgresql"] {
        let source = inspect(backend).await;
        let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("{backend:?}: the module parses: {e}\n{source}"));
        let mut structs = Vec::new();
        for item in &file.items {
            match item {
                syn::Item::Use(_) => {}
                syn::Item::Struct(s) => structs.push(s.ident.to_string()),
                other => panic!("{backend:?}: only structs are written, found {}", quote_item(other)),
            }
        }
        structs.sort();
        assert_eq!(structs, ["AB", "AB2", "Cols", "EvilPubFnInjectedStdProcessExit3StructPwned"], "{backend:?}");
        // PostgreSQL keeps 63 bytes of a name: the comment shows what the database holds.
        assert!(
            source.contains(r#"/// The `evil\n}\npub fn injected() { std::process::exit(3) }\nstruct Pwned"#),
            "{source}"
        );
        let cols = file
            .items
            .iter()
            .find_map(|i| match i {
                syn::Item::Struct(s) if s.ident == "Cols" => Some(s),
                _ => None,
            })
            .expect("Cols");
        let fields: Vec<String> = cols.fields.iter().filter_map(|f| f.ident.as_ref().map(|i| i.to_string())).collect();
        assert_eq!(fields, ["id", "a_b", "a_b2"], "{backend:?}");
    }
}

fn quote_item(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Fn(_) => "a function",
        syn::Item::Impl(_) => "an impl",
        syn::Item::Mod(_) => "a module",
        _ => "another item",
    }
}

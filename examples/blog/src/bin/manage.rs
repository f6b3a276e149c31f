//! The blog's `manage` binary, Django's `manage.py`:
//! `cargo run -p blog --bin manage -- makemigrations`, `... -- migrate`, `... -- showmigrations`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    djorm_cli::manage_with(blog::models::all(), djorm_cli::CodeRegistry::default()).await
}

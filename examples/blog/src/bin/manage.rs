//! The blog's `manage` binary, Django's `manage.py`:
//! `cargo run -p blog --bin manage -- makemigrations`, `... -- migrate`, `... -- showmigrations`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Django's INSTALLED_APPS: the auth app's tables and migrations (the Profile points at its
    // User), then the blog's models.
    djorm_auth::install();
    let mut models = djorm_auth::models::all();
    models.extend(blog::models::all());
    djorm_cli::manage_with(models, djorm_cli::CodeRegistry::default()).await
}

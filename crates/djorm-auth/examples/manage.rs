//! The auth app's own `manage`: `cargo run -p djorm-auth --example manage -- makemigrations
//! --check` shows the shipped migrations match the models.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    djorm_auth::install();
    djorm_cli::manage_with(djorm_auth::models::all(), djorm_cli::CodeRegistry::default()).await
}

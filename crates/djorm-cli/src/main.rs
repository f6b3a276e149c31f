//! The standalone `djorm` binary: commands that need only migration files and a database.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let project = djorm_cli::Project::default();
    let mut stdout = std::io::stdout();
    djorm_cli::run_split(&args, &project, &mut stdout, &mut std::io::stderr()).await
}

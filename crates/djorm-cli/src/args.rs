//! The command line, parsed by clap.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// djorm: Django's model layer for Rust.
#[derive(Debug, Parser)]
#[command(name = "djorm", version, about = "Django's manage.py commands for djorm")]
pub struct Cli {
    /// Folder holding the migration files (`<dir>/<app>/<name>.toml`).
    #[arg(long, global = true, env = "DJORM_MIGRATIONS_DIR", default_value = "migrations")]
    pub dir: PathBuf,
    /// Database URL, or an alias (Django's `--database`): `default`, or `replica` for the URL in
    /// DATABASE_URL_REPLICA. By default DATABASE_URL, the DB_* variables, or ./db.sqlite3.
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// Never draw progress bars (they are drawn only on a terminal anyway).
    #[arg(long, global = true, env = "DJORM_NO_PROGRESS")]
    pub no_progress: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Writes new migrations for the changes in the models.
    Makemigrations {
        /// Only these apps.
        apps: Vec<String>,
        /// The new migration's name (after its number).
        #[arg(long)]
        name: Option<String>,
        /// An empty migration, to fill in by hand (RunSQL / RunCode).
        #[arg(long)]
        empty: bool,
        /// Shows what would be written, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Exits 1 when a migration is missing, writing nothing (for CI).
        #[arg(long)]
        check: bool,
        /// Writes a merge migration for apps with two latest migrations (a conflict).
        #[arg(long)]
        merge: bool,
        /// A field rename: `app.Model.old=new` (otherwise a rename is a remove and an add).
        #[arg(long = "rename")]
        renames: Vec<String>,
        /// A model rename: `app.Old=New` (otherwise a rename is a delete and a create).
        #[arg(long = "rename-model")]
        model_renames: Vec<String>,
        /// Never ask questions, even on a terminal (renames then need --rename).
        #[arg(long)]
        no_input: bool,
    },
    /// Applies (or, with a target, unapplies) migrations.
    Migrate {
        /// The app.
        app: Option<String>,
        /// The migration to migrate to, or `zero`.
        target: Option<String>,
        /// Shows the plan, running nothing.
        #[arg(long)]
        plan: bool,
        /// Records the migrations as applied without running them.
        #[arg(long)]
        fake: bool,
        /// Records initial migrations whose tables already exist.
        #[arg(long)]
        fake_initial: bool,
        /// Backs the database up to this file first (see dbbackup); no backup, no migration.
        #[arg(long)]
        backup_to: Option<std::path::PathBuf>,
    },
    /// Prints the SQL of a migration.
    Sqlmigrate {
        /// The app.
        app: String,
        /// The migration (a prefix like `0001` is enough).
        name: String,
        /// The SQL that unapplies it.
        #[arg(long)]
        backwards: bool,
    },
    /// Squashes an app's migrations up to one into a single migration that replaces them.
    Squashmigrations {
        /// The app.
        app: String,
        /// The last migration to squash (a prefix is enough).
        upto: String,
        /// The squashed migration's name (after its number).
        #[arg(long)]
        squashed_name: Option<String>,
    },
    /// Lists migrations and whether they are applied.
    Showmigrations {
        /// Only these apps.
        apps: Vec<String>,
    },
    /// Flags unsafe operations in migrations; exits 1 when it finds any.
    Lint {
        /// Checks for this backend only (by name, as `sqlite`); by default every linked
        /// backend's checks apply.
        #[arg(long)]
        vendor: Option<String>,
    },
    /// An interactive shell speaking Django's query syntax, with every model loaded.
    Shell {
        /// Runs this line and exits (for scripts and CI).
        #[arg(short = 'c', long = "command")]
        command: Option<String>,
        /// How results are printed.
        #[arg(long, value_enum, default_value = "table")]
        format: crate::shell::Format,
        /// Runs update()/delete() on a whole table without asking.
        #[arg(long)]
        yes: bool,
        /// The most rows a table shows of a QuerySet that was not sliced (0: all), as
        /// Django's repr shows 20 and then "...(remaining elements truncated)...".
        #[arg(long, default_value_t = crate::shell::DEFAULT_MAX_ROWS)]
        max_rows: usize,
    },
    /// Starts the database's own client (psql or sqlite3) on the configured database.
    Dbshell,
    /// Says where the database is, that it answers, and how its connection pool stands.
    Dbstatus,
    /// Writes a consistent copy of the database to a new file (pg_dump's custom format on
    /// PostgreSQL, a database file on SQLite).
    Dbbackup {
        /// The file to create.
        #[arg(long, short)]
        output: std::path::PathBuf,
    },
    /// Django's system check: model mistakes, unapplied migrations, and with --deploy how the
    /// database is reached; exits 1 on an error.
    Check {
        /// Also check the deployment: TLS to the database, a superuser connection.
        #[arg(long)]
        deploy: bool,
    },
    /// Writes the rows of the models as a fixture in Django's JSON format.
    Dumpdata {
        /// Only these apps or models (`blog`, `blog.Post`).
        labels: Vec<String>,
        /// The file to write instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
        /// Indents the JSON (any value: two spaces).
        #[arg(long)]
        indent: Option<usize>,
    },
    /// Loads fixtures in Django's JSON format, all in one transaction.
    Loaddata {
        /// The fixture files.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Deletes every row of the models (asks first).
    Flush {
        /// Does not ask.
        #[arg(long)]
        no_input: bool,
    },
    /// Prints `#[derive(Model)]` structs for the tables of an existing database.
    Inspectdb {
        /// Only these tables (repeat the option for several); by default every table but
        /// djorm's own `djorm_migrations`.
        #[arg(long = "table")]
        tables: Vec<String>,
        /// The app label to write on the models; its `<app>_` table prefix is left out of the
        /// struct names (`blog_post` becomes `Post`).
        #[arg(long)]
        app: Option<String>,
    },
    /// Draws the models' entity-relationship diagram (django-extensions' `graph_models`):
    /// Graphviz DOT or Mermaid, with fields, keys and an arrow per relation.
    #[command(name = "graph_models", alias = "graph-models")]
    GraphModels {
        /// Only the models of these apps (by label); by default every model.
        apps: Vec<String>,
        /// The diagram's language.
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        /// Writes the diagram to this file instead of standard output; a `.svg` file is drawn
        /// from the DOT by Graphviz's `dot`.
        #[arg(short = 'o', long)]
        output: Option<std::path::PathBuf>,
    },
    /// A command an installed app adds (`createsuperuser`, `changepassword` once
    /// `djorm_auth::install()` ran in the manage binary), with its arguments.
    #[command(external_subcommand)]
    Installed(Vec<String>),
}

/// The language `graph_models` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz's DOT (`dot -Tsvg` draws it).
    Dot,
    /// A Mermaid `erDiagram` (GitHub and most Markdown viewers draw it).
    Mermaid,
}

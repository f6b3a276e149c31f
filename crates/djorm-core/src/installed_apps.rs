//! What installed apps contribute (Django's `INSTALLED_APPS`): migration files shipped in a
//! crate, work after `migrate` (Django's `post_migrate`), and management commands. Apps are
//! installed explicitly (`djorm_auth::install()`), never by being linked, so a project without
//! an app never sees its models, migrations or commands.

use std::sync::{Mutex, PoisonError};

/// The migration files an app crate ships (Django's installed app with its `migrations`
/// package): `djorm_auth::install()` installs `auth` and `contenttypes`, so a project that
/// installs it migrates their tables without copying the files.
#[derive(Debug)]
pub struct MigrationPackage {
    /// The app label.
    pub app: &'static str,
    /// Each migration's name and TOML text, in order.
    pub migrations: &'static [(&'static str, &'static str)],
    /// The app's migrations are Django's own under Django's names (`auth`, `contenttypes`):
    /// they are recorded in Django's `django_migrations` table too, and a row there counts as
    /// applied, so a database either Django or djorm migrated shows the other its history.
    pub django_history: bool,
}

static INSTALLED_MIGRATIONS: Mutex<Vec<&'static MigrationPackage>> = Mutex::new(Vec::new());
static INSTALLED_POST_MIGRATE: Mutex<Vec<&'static PostMigrate>> = Mutex::new(Vec::new());

/// Installs an app's migrations (Django's `INSTALLED_APPS`): the loader then reads them with
/// the project's own. Installing one twice changes nothing.
pub fn install_migrations(package: &'static MigrationPackage) {
    let mut installed = INSTALLED_MIGRATIONS.lock().unwrap_or_else(PoisonError::into_inner);
    if !installed.iter().any(|p| std::ptr::eq(*p, package)) {
        installed.push(package);
    }
}

/// The installed migration packages, by app label.
pub fn migration_packages() -> Vec<&'static MigrationPackage> {
    let mut packages = INSTALLED_MIGRATIONS.lock().unwrap_or_else(PoisonError::into_inner).clone();
    packages.sort_by_key(|p| p.app);
    packages
}

/// Work an installed app runs after every `migrate` (Django's `post_migrate` signal), given the
/// database and the project's models: `djorm-auth` creates the content types and default
/// permissions of every model, as Django's auth app does.
pub struct PostMigrate {
    /// The app that registered it.
    pub app: &'static str,
    /// The work.
    pub run: for<'a> fn(
        &'a crate::Db,
        &'a [&'static crate::ModelMeta],
    ) -> futures_util::future::BoxFuture<'a, crate::Result<()>>,
}

impl std::fmt::Debug for PostMigrate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostMigrate").field("app", &self.app).finish()
    }
}

/// Installs an app's [`PostMigrate`] work; installing it twice changes nothing.
pub fn install_post_migrate(hook: &'static PostMigrate) {
    let mut installed = INSTALLED_POST_MIGRATE.lock().unwrap_or_else(PoisonError::into_inner);
    if !installed.iter().any(|h| std::ptr::eq(*h, hook)) {
        installed.push(hook);
    }
}

/// Runs every installed app's [`PostMigrate`] work, in app order (Django sends
/// `post_migrate` after every `migrate`).
pub async fn post_migrate(db: &crate::Db, models: &[&'static crate::ModelMeta]) -> crate::Result<()> {
    let mut hooks = INSTALLED_POST_MIGRATE.lock().unwrap_or_else(PoisonError::into_inner).clone();
    hooks.sort_by_key(|h| h.app);
    for hook in hooks {
        (hook.run)(db, models).await?;
    }
    Ok(())
}

/// A command an installed app adds to the command line (Django's app management commands:
/// auth's `createsuperuser` and `changepassword`).
pub struct ManagementCommand {
    /// The command's name (`createsuperuser`).
    pub name: &'static str,
    /// One line for the command list.
    pub about: &'static str,
    /// Runs it on the database with the arguments after its name; returns the lines of its
    /// report, or the message of Django's `CommandError`.
    pub run: RunCommand,
}

/// How an installed command runs: on the database, with the arguments after its name.
pub type RunCommand =
    for<'a> fn(&'a crate::Db, &'a [String]) -> futures_util::future::BoxFuture<'a, Result<Vec<String>, String>>;

impl std::fmt::Debug for ManagementCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagementCommand").field("name", &self.name).finish()
    }
}

static INSTALLED_COMMANDS: Mutex<Vec<&'static ManagementCommand>> = Mutex::new(Vec::new());

/// Installs an app's command; a second command of the same name replaces the first.
pub fn install_command(command: &'static ManagementCommand) {
    let mut installed = INSTALLED_COMMANDS.lock().unwrap_or_else(PoisonError::into_inner);
    installed.retain(|c| c.name != command.name);
    installed.push(command);
}

/// The installed command named `name`.
pub fn installed_command(name: &str) -> Option<&'static ManagementCommand> {
    INSTALLED_COMMANDS.lock().unwrap_or_else(PoisonError::into_inner).iter().find(|c| c.name == name).copied()
}

/// Every installed command, by name.
pub fn installed_commands() -> Vec<&'static ManagementCommand> {
    let mut all = INSTALLED_COMMANDS.lock().unwrap_or_else(PoisonError::into_inner).clone();
    all.sort_by_key(|c| c.name);
    all
}

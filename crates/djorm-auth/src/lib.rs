//! Django's auth for djorm (`django.contrib.auth`): the same tables, users, groups and
//! permissions, and password hashes that Django and djorm both verify, so a Rust service and a
//! Django application can share one user database.

pub mod commands;
pub mod hashers;
mod manager;
mod migrations;
pub mod models;
pub mod permissions;
mod shell;
mod user;
pub mod validation;

pub use manager::{normalize_email, normalize_username, UserManager};
pub use models::{ContentType, Group, Permission, User};
pub use user::{authenticate, get_by_natural_key, AuthUser, AuthUserExt};

/// Installs the auth and contenttypes apps (Django's `INSTALLED_APPS`): their migrations join
/// the project's, and after every `migrate` the content types and default permissions of the
/// project's models are created. Call it first thing in the `manage` binary (and in tests that
/// migrate); calling it again changes nothing.
pub fn install() {
    install_with_user_model::<User>();
}

/// [`install`] with the application's own user model `U` (Django's `AUTH_USER_MODEL`): the
/// command line's `createsuperuser` and `changepassword` work on `U`.
pub fn install_with_user_model<U: AuthUser>() {
    djorm::apps::install_migrations(&migrations::CONTENTTYPES);
    djorm::apps::install_migrations(&migrations::AUTH);
    djorm::apps::install_post_migrate(&permissions::AFTER_MIGRATE);
    commands::install::<U>();
    shell::install::<U>();
}

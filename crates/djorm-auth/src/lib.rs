//! Django's auth for djorm (`django.contrib.auth`): the same tables, users, groups and
//! permissions, and password hashes that Django and djorm both verify, so a Rust service and a
//! Django application can share one user database.

pub mod hashers;
mod manager;
mod migrations;
pub mod models;
pub mod permissions;
mod user;
pub mod validation;

pub use manager::{normalize_email, normalize_username, UserManager};
pub use models::{ContentType, Group, Permission, User};
pub use user::{authenticate, get_by_natural_key, AuthUser, AuthUserExt};

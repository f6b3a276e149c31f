//! Django's auth for djorm (`django.contrib.auth`): the same tables, users, groups and
//! permissions, and password hashes that Django and djorm both verify, so a Rust service and a
//! Django application can share one user database.

pub mod hashers;
mod migrations;
pub mod models;

pub use models::{ContentType, Group, Permission, User};

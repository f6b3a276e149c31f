//! What every user model can do (Django's `AbstractBaseUser` and `PermissionsMixin`):
//! passwords, logging in, and permissions, for the built-in [`User`](crate::User) and for an
//! application's own user model.

use std::collections::BTreeSet;

use djorm::{Db, Error, Model, ModelExt, Result, Value, Q};

use crate::hashers;
use crate::permissions;

/// A model that stands for users (Django's `AUTH_USER_MODEL`): the built-in
/// [`User`](crate::User), or an application's own model with at least a `password` field, a
/// unique username field and, for permissions, the `is_active`/`is_superuser` flags and the
/// `groups`/`user_permissions` many-to-many fields of Django's `PermissionsMixin`.
///
/// ```
/// use djorm::prelude::*;
/// use djorm_auth::{AuthUser, Group, Permission};
///
/// /// Logs in with its e-mail.
/// #[derive(Model, Debug, Clone)]
/// #[djorm(app = "accounts")]
/// pub struct Member {
///     pub id: AutoId,
///     #[djorm(max_length = 128)]
///     pub password: String,
///     #[djorm(null, blank)]
///     pub last_login: Option<DateTime<Utc>>,
///     #[djorm(email, unique, max_length = 254)]
///     pub email: String,
///     #[djorm(default = true)]
///     pub is_active: bool,
///     #[djorm(default = false)]
///     pub is_superuser: bool,
///     #[djorm(blank, related_name = "member_set", related_query_name = "member")]
///     pub groups: ManyToMany<Group>,
///     #[djorm(blank, related_name = "member_set", related_query_name = "member")]
///     pub user_permissions: ManyToMany<Permission>,
/// }
///
/// impl AuthUser for Member {
///     const USERNAME_FIELD: &'static str = "email";
///     const REQUIRED_FIELDS: &'static [&'static str] = &[];
/// }
///
/// assert_eq!(Member::EMAIL_FIELD, "email");
/// assert!(Member::meta().fields.iter().any(|f| f.name == Member::USERNAME_FIELD));
/// ```
pub trait AuthUser: Model + Clone {
    /// The unique field users log in with (Django's `USERNAME_FIELD`).
    const USERNAME_FIELD: &'static str = "username";
    /// The e-mail field (Django's `EMAIL_FIELD`).
    const EMAIL_FIELD: &'static str = "email";
    /// Fields `createsuperuser` asks for besides the username and password (Django's
    /// `REQUIRED_FIELDS`).
    const REQUIRED_FIELDS: &'static [&'static str] = &["email"];
}

impl AuthUser for crate::User {}

/// The value of the field `name` of `object` (`Value::Null` when the model has no such field).
pub(crate) fn field<M: Model>(object: &M, name: &str) -> Value {
    match M::meta().fields.iter().position(|f| f.name == name) {
        Some(i) => object.field_value(i),
        None => Value::Null,
    }
}

/// A boolean field, or `default` when the model has no such field.
fn flag<M: Model>(object: &M, name: &str, default: bool) -> bool {
    match field(object, name) {
        Value::Bool(b) => b,
        Value::I64(i) => i != 0,
        _ => default,
    }
}

fn text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        _ => String::new(),
    }
}

/// Django's user methods, for every [`AuthUser`].
#[allow(async_fn_in_trait)]
pub trait AuthUserExt: AuthUser {
    /// The value of the username field (Django's `get_username()`).
    fn get_username(&self) -> String {
        text(field(self, Self::USERNAME_FIELD))
    }

    /// The encoded password (`pbkdf2_sha256$…`).
    fn password(&self) -> String {
        text(field(self, "password"))
    }

    /// Hashes `raw` with the preferred hasher and stores the hash (Django's `set_password`);
    /// save the user to keep it. Hashing is slow on purpose (about a second of CPU for
    /// Django's PBKDF2 rounds in a release build).
    fn set_password(&mut self, raw: &str) {
        let encoded = hashers::make_password(raw);
        let _ = self.set_value("password", Value::String(encoded));
    }

    /// Marks the password unusable: no password logs in (Django's `set_unusable_password`).
    fn set_unusable_password(&mut self) {
        let _ = self.set_value("password", Value::String(hashers::make_unusable_password()));
    }

    /// False after [`AuthUserExt::set_unusable_password`] (Django's `has_usable_password`).
    fn has_usable_password(&self) -> bool {
        hashers::is_password_usable(&self.password())
    }

    /// Whether `raw` is the user's password (Django's `check_password`). A correct password
    /// hashed with an older algorithm or work factor is hashed again with the preferred one
    /// and saved (only the `password` column), as Django does. The hashing runs on a blocking
    /// thread, off the async workers.
    async fn check_password(&mut self, db: &Db, raw: &str) -> Result<bool> {
        let (raw_owned, encoded) = (raw.to_owned(), self.password());
        let verified = tokio::task::spawn_blocking(move || hashers::hashers().verify(&raw_owned, &encoded))
            .await
            .map_err(|e| Error::Config(format!("the password check stopped: {e}")))?;
        if verified.correct && verified.must_update && !self.pk_value().is_null() {
            self.set_password(raw);
            self.save_fields(db, &["password"]).await?;
        }
        Ok(verified.correct)
    }

    /// `is_active` (true for a model without it).
    fn is_active(&self) -> bool {
        flag(self, "is_active", true)
    }

    /// `is_superuser` (false for a model without it).
    fn is_superuser(&self) -> bool {
        flag(self, "is_superuser", false)
    }

    /// `is_staff` (false for a model without it).
    fn is_staff(&self) -> bool {
        flag(self, "is_staff", false)
    }

    /// First and last name with a space between, trimmed (Django's `get_full_name`).
    fn get_full_name(&self) -> String {
        format!("{} {}", text(field(self, "first_name")), text(field(self, "last_name"))).trim().to_owned()
    }

    /// The first name (Django's `get_short_name`).
    fn get_short_name(&self) -> String {
        text(field(self, "first_name"))
    }

    /// The permissions given to the user directly, as `app_label.codename` (none for an
    /// inactive user).
    async fn get_user_permissions(&self, db: &Db) -> Result<BTreeSet<String>> {
        if !self.is_active() {
            return Ok(BTreeSet::new());
        }
        permissions::of_user::<Self>(db, self.pk_value()).await
    }

    /// The permissions of the user's groups, as `app_label.codename` (none for an inactive
    /// user).
    async fn get_group_permissions(&self, db: &Db) -> Result<BTreeSet<String>> {
        if !self.is_active() {
            return Ok(BTreeSet::new());
        }
        permissions::of_groups::<Self>(db, self.pk_value()).await
    }

    /// Every permission the user has, directly or through groups (Django's
    /// `get_all_permissions`; every permission there is for an active superuser, none for an
    /// inactive user).
    async fn get_all_permissions(&self, db: &Db) -> Result<BTreeSet<String>> {
        if !self.is_active() {
            return Ok(BTreeSet::new());
        }
        if self.is_superuser() {
            return permissions::all(db).await;
        }
        let mut all = self.get_user_permissions(db).await?;
        all.extend(self.get_group_permissions(db).await?);
        Ok(all)
    }

    /// Whether the user has `perm` (`"blog.add_post"`): an active superuser has every
    /// permission, an inactive user none (Django's `has_perm`).
    async fn has_perm(&self, db: &Db, perm: &str) -> Result<bool> {
        if self.is_active() && self.is_superuser() {
            return Ok(true);
        }
        Ok(self.get_all_permissions(db).await?.contains(perm))
    }

    /// Whether the user has every one of `perms` (Django's `has_perms`).
    async fn has_perms(&self, db: &Db, perms: &[&str]) -> Result<bool> {
        if self.is_active() && self.is_superuser() {
            return Ok(true);
        }
        let all = self.get_all_permissions(db).await?;
        Ok(perms.iter().all(|p| all.contains(*p)))
    }

    /// Whether the user has any permission in the app `app_label` (Django's
    /// `has_module_perms`).
    async fn has_module_perms(&self, db: &Db, app_label: &str) -> Result<bool> {
        if self.is_active() && self.is_superuser() {
            return Ok(true);
        }
        let prefix = format!("{app_label}.");
        Ok(self.get_all_permissions(db).await?.iter().any(|p| p.starts_with(&prefix)))
    }
}

impl<U: AuthUser> AuthUserExt for U {}

/// The user with this username (Django's `get_by_natural_key`).
pub async fn get_by_natural_key<U: AuthUser>(db: &Db, username: &str) -> Result<U> {
    U::objects().get(db, Q::new(U::USERNAME_FIELD, username)).await
}

/// The user with `username` whose password is `password` and who may log in, else `None`
/// (Django's `ModelBackend.authenticate`). An unknown username still spends one hash of the
/// preferred hasher, so the time does not tell which usernames exist.
pub async fn authenticate<U: AuthUser>(db: &Db, username: &str, password: &str) -> Result<Option<U>> {
    match get_by_natural_key::<U>(db, username).await {
        Ok(mut user) => Ok((user.check_password(db, password).await? && user.is_active()).then_some(user)),
        Err(Error::DoesNotExist { .. }) => {
            let raw = password.to_owned();
            tokio::task::spawn_blocking(move || hashers::make_password(&raw))
                .await
                .map_err(|e| Error::Config(format!("the password check stopped: {e}")))?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

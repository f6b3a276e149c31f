//! `User.objects.create_user(...)` and `create_superuser(...)`: Django's `UserManager`, for
//! every [`AuthUser`] model's QuerySet.

use djorm::{Db, Error, QuerySet, Result, Value};
use unicode_normalization::UnicodeNormalization;

use crate::hashers;
use crate::user::{field, AuthUser};

/// Lower-cases the domain part of an e-mail address (Django's `normalize_email`); the local
/// part is left as typed.
pub fn normalize_email(email: &str) -> String {
    match email.trim().rsplit_once('@') {
        Some((name, domain)) => format!("{name}@{}", domain.to_lowercase()),
        None => email.to_owned(),
    }
}

/// Django's `normalize_username`: Unicode NFKC, so look-alike spellings are one username.
pub fn normalize_username(username: &str) -> String {
    username.nfkc().collect()
}

/// Django's `UserManager` on a user model's QuerySet: `User::objects().create_user(...)`.
#[allow(async_fn_in_trait)]
pub trait UserManager<U: AuthUser> {
    /// Creates and saves a user with a hashed password (none given: an unusable one).
    /// Django's "The given username must be set" when the username is empty.
    async fn create_user(&self, db: &Db, username: &str, email: Option<&str>, password: Option<&str>) -> Result<U> {
        self.create_user_with(db, username, email, password, |_| {}).await
    }

    /// [`UserManager::create_user`] with other fields set by `extra` first (Django's
    /// `**extra_fields`).
    async fn create_user_with(
        &self,
        db: &Db,
        username: &str,
        email: Option<&str>,
        password: Option<&str>,
        extra: impl FnOnce(&mut U),
    ) -> Result<U>;

    /// Creates a user with `is_staff` and `is_superuser` set (Django's `create_superuser`).
    async fn create_superuser(
        &self,
        db: &Db,
        username: &str,
        email: Option<&str>,
        password: Option<&str>,
    ) -> Result<U> {
        self.create_superuser_with(db, username, email, password, |_| {}).await
    }

    /// [`UserManager::create_superuser`] with other fields set by `extra`; Django's
    /// "Superuser must have is_staff=True." when `extra` clears a flag.
    async fn create_superuser_with(
        &self,
        db: &Db,
        username: &str,
        email: Option<&str>,
        password: Option<&str>,
        extra: impl FnOnce(&mut U),
    ) -> Result<U>;
}

/// Fills the username, e-mail and password of `user` and saves it with `qs`.
async fn save_new<U: AuthUser>(
    qs: &QuerySet<U>,
    db: &Db,
    mut user: U,
    username: &str,
    email: Option<&str>,
    password: Option<&str>,
) -> Result<U> {
    if username.is_empty() {
        return Err(Error::InvalidValue("The given username must be set".into()));
    }
    user.set_value(U::USERNAME_FIELD, Value::String(normalize_username(username)))?;
    if U::EMAIL_FIELD != U::USERNAME_FIELD && U::meta().fields.iter().any(|f| f.name == U::EMAIL_FIELD) {
        user.set_value(U::EMAIL_FIELD, Value::String(normalize_email(email.unwrap_or(""))))?;
    }
    let encoded = match password {
        Some(raw) => {
            let raw = raw.to_owned();
            tokio::task::spawn_blocking(move || hashers::make_password(&raw))
                .await
                .map_err(|e| Error::Config(format!("hashing the password stopped: {e}")))?
        }
        None => hashers::make_unusable_password(),
    };
    user.set_value("password", Value::String(encoded))?;
    qs.create(db, user).await
}

impl<U: AuthUser> UserManager<U> for QuerySet<U> {
    async fn create_user_with(
        &self,
        db: &Db,
        username: &str,
        email: Option<&str>,
        password: Option<&str>,
        extra: impl FnOnce(&mut U),
    ) -> Result<U> {
        let mut user = U::default();
        extra(&mut user);
        save_new(self, db, user, username, email, password).await
    }

    async fn create_superuser_with(
        &self,
        db: &Db,
        username: &str,
        email: Option<&str>,
        password: Option<&str>,
        extra: impl FnOnce(&mut U),
    ) -> Result<U> {
        let mut user = U::default();
        for flag in ["is_staff", "is_superuser"] {
            let _ = user.set_value(flag, Value::Bool(true));
        }
        extra(&mut user);
        // Checked before anything is written, as Django checks the extra fields first.
        for flag in ["is_staff", "is_superuser"] {
            if U::meta().fields.iter().any(|f| f.name == flag) && field(&user, flag) != Value::Bool(true) {
                return Err(Error::InvalidValue(format!("Superuser must have {flag}=True.")));
            }
        }
        save_new(self, db, user, username, email, password).await
    }
}

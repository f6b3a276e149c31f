//! Auth's methods in the `djorm shell`, by Django's names and with Django's results, on the
//! configured user model: `User.objects.create_user(...)`, `create_superuser(...)`,
//! `get_by_natural_key(...)`, `normalize_email(...)`, and on a user `set_password`,
//! `check_password`, `set_unusable_password`, `has_usable_password`, `has_perm`, `has_perms`,
//! `has_module_perms`, `get_all_permissions`, `get_user_permissions`,
//! `get_group_permissions`, `get_username`, `get_full_name` and `get_short_name`.

use djorm::apps::{AppMethod, AppMethodOutput, MethodOwner, RunAppMethod};
use djorm::methods::{Args, MethodArg, MethodOutput};
use djorm::{Db, DynQuerySet, Error, Result, Value, ValuesRow, Q};

use crate::{hashers, normalize_email, AuthUser, AuthUserExt, UserManager};

/// A boxed future, the shape of an app method.
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Python's `None`, what a method without a result returns.
const NONE: MethodOutput = MethodOutput::MaybeRow(None);

/// The user the shell holds as a row, as a `U` (fields the row does not hold keep their
/// defaults; the row's other names, such as annotations, are not fields and are left out).
fn user_from_row<U: AuthUser>(row: &ValuesRow) -> Result<U> {
    let mut user = U::default();
    for (name, value) in row.iter() {
        if U::meta().field(name).is_some() {
            user.set_value(name, value.clone())?;
        }
    }
    Ok(user)
}

/// The saved user `user` as the shell shows objects: every field, read back from the database.
async fn saved_row<U: AuthUser>(db: &Db, user: &U) -> Result<ValuesRow> {
    DynQuerySet::new(U::meta()).get(db, Q::new("pk", user.pk_value())).await
}

fn object(row: Option<ValuesRow>) -> Result<ValuesRow> {
    row.ok_or_else(|| Error::InvalidQuery("this method is called on a user object".into()))
}

fn text(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn texts(values: Vec<String>) -> MethodOutput {
    MethodOutput::Values(values.into_iter().map(Value::String).collect())
}

/// `create_user(username, email=None, password=None, **extra_fields)` and
/// `create_superuser(...)`, with the username parameter named as the model's USERNAME_FIELD.
fn create<'a, U: AuthUser>(db: &'a Db, mut args: Args, superuser: bool) -> BoxFuture<'a, Result<AppMethodOutput>> {
    Box::pin(async move {
        let username = args.text_parameter(U::USERNAME_FIELD)?;
        let email = if U::EMAIL_FIELD == U::USERNAME_FIELD {
            None
        } else {
            args.value_parameter(U::EMAIL_FIELD)?.and_then(text)
        };
        let password = args.value_parameter("password")?.and_then(text);
        let extra = args.rest_as_field_values()?;
        args.finish()?;
        let mut problem = None;
        let set_extra = |user: &mut U| {
            for (name, value) in extra {
                if let Err(e) = user.set_value(&name, value) {
                    problem.get_or_insert(e);
                }
            }
        };
        let qs = U::objects();
        let user = if superuser {
            qs.create_superuser_with(db, &username, email.as_deref(), password.as_deref(), set_extra).await
        } else {
            qs.create_user_with(db, &username, email.as_deref(), password.as_deref(), set_extra).await
        };
        if let Some(e) = problem {
            return Err(e);
        }
        Ok(AppMethodOutput::value(MethodOutput::Row(saved_row(db, &user?).await?)))
    })
}

fn create_user<U: AuthUser>(db: &Db, _: Option<ValuesRow>, args: Args) -> BoxFuture<'_, Result<AppMethodOutput>> {
    create::<U>(db, args, false)
}

fn create_superuser<U: AuthUser>(db: &Db, _: Option<ValuesRow>, args: Args) -> BoxFuture<'_, Result<AppMethodOutput>> {
    create::<U>(db, args, true)
}

fn get_by_natural_key<U: AuthUser>(
    db: &Db,
    _: Option<ValuesRow>,
    mut args: Args,
) -> BoxFuture<'_, Result<AppMethodOutput>> {
    Box::pin(async move {
        let username = args.text_parameter("username")?;
        args.finish()?;
        let user = crate::get_by_natural_key::<U>(db, &username).await?;
        Ok(AppMethodOutput::value(MethodOutput::Row(saved_row(db, &user).await?)))
    })
}

fn normalize(_: &Db, _: Option<ValuesRow>, mut args: Args) -> BoxFuture<'_, Result<AppMethodOutput>> {
    Box::pin(async move {
        let email = args.value_parameter("email")?.and_then(text).unwrap_or_default();
        args.finish()?;
        Ok(AppMethodOutput::value(MethodOutput::Text(normalize_email(&email))))
    })
}

/// `u.set_password(raw)` and `u.set_unusable_password()`: the object's password changes in
/// memory; `save()` keeps it, as in Django.
fn set_password(_: &Db, row: Option<ValuesRow>, mut args: Args) -> BoxFuture<'_, Result<AppMethodOutput>> {
    Box::pin(async move {
        let row = object(row)?;
        let raw = args.value_parameter("raw_password")?.and_then(text);
        args.finish()?;
        // Django's set_password(None) makes the password unusable.
        let encoded = match raw {
            Some(raw) => tokio::task::spawn_blocking(move || hashers::make_password(&raw))
                .await
                .map_err(|e| Error::Config(format!("hashing the password stopped: {e}")))?,
            None => hashers::make_unusable_password(),
        };
        Ok(with_password(row, encoded))
    })
}

fn set_unusable_password(_: &Db, row: Option<ValuesRow>, args: Args) -> BoxFuture<'_, Result<AppMethodOutput>> {
    Box::pin(async move {
        let row = object(row)?;
        args.finish()?;
        Ok(with_password(row, hashers::make_unusable_password()))
    })
}

/// Python's `None`, and the object with its `password` field now `encoded`.
fn with_password(row: ValuesRow, encoded: String) -> AppMethodOutput {
    AppMethodOutput { output: NONE, object: Some(row.with("password", Value::String(encoded))) }
}

/// `u.check_password(raw)`: Django's check, with the rehash and save of an outdated hash.
fn check_password<U: AuthUser>(
    db: &Db,
    row: Option<ValuesRow>,
    mut args: Args,
) -> BoxFuture<'_, Result<AppMethodOutput>> {
    Box::pin(async move {
        let row = object(row)?;
        let raw = args.text_parameter("raw_password")?;
        args.finish()?;
        let mut user = user_from_row::<U>(&row)?;
        let correct = user.check_password(db, &raw).await?;
        let changed = row.with("password", Value::String(user.password()));
        Ok(AppMethodOutput { output: MethodOutput::Bool(correct), object: Some(changed) })
    })
}

/// The methods that read the user (and its permissions) without changing it.
fn reader<U: AuthUser>(db: &Db, row: Option<ValuesRow>, args: Args) -> BoxFuture<'_, Result<AppMethodOutput>> {
    Box::pin(async move {
        let row = object(row)?;
        let user = user_from_row::<U>(&row)?;
        let method = args.method();
        let mut args = args;
        let output = match method {
            "has_usable_password" => MethodOutput::Bool(user.has_usable_password()),
            "get_username" => MethodOutput::Text(user.get_username()),
            "get_full_name" => MethodOutput::Text(user.get_full_name()),
            "get_short_name" => MethodOutput::Text(user.get_short_name()),
            "has_perm" => MethodOutput::Bool(user.has_perm(db, &args.text_parameter("perm")?).await?),
            "has_module_perms" => {
                MethodOutput::Bool(user.has_module_perms(db, &args.text_parameter("app_label")?).await?)
            }
            "has_perms" => {
                let perms = match args.parameter("perm_list") {
                    Some(MethodArg::List(items)) => {
                        items.into_iter().map(|p| p.into_value().map(text)).collect::<Result<Vec<_>>>()?
                    }
                    _ => return Err(Error::InvalidQuery("perm_list must be an iterable of permissions.".into())),
                };
                let perms: Vec<String> = perms.into_iter().flatten().collect();
                let perms: Vec<&str> = perms.iter().map(String::as_str).collect();
                MethodOutput::Bool(user.has_perms(db, &perms).await?)
            }
            "get_all_permissions" => texts(user.get_all_permissions(db).await?.into_iter().collect()),
            "get_user_permissions" => texts(user.get_user_permissions(db).await?.into_iter().collect()),
            "get_group_permissions" => texts(user.get_group_permissions(db).await?.into_iter().collect()),
            other => return Err(Error::InvalidQuery(format!("no user method {other}()"))),
        };
        args.finish()?;
        Ok(AppMethodOutput::value(output))
    })
}

/// Adds auth's methods to the user model `U`'s manager and objects in the shell.
pub(crate) fn install<U: AuthUser>() {
    let manager: [(&'static str, RunAppMethod); 4] = [
        ("create_user", create_user::<U>),
        ("create_superuser", create_superuser::<U>),
        ("get_by_natural_key", get_by_natural_key::<U>),
        ("normalize_email", normalize),
    ];
    let object: [(&'static str, RunAppMethod); 13] = [
        ("set_password", set_password),
        ("set_unusable_password", set_unusable_password),
        ("check_password", check_password::<U>),
        ("has_usable_password", reader::<U>),
        ("get_username", reader::<U>),
        ("get_full_name", reader::<U>),
        ("get_short_name", reader::<U>),
        ("has_perm", reader::<U>),
        ("has_perms", reader::<U>),
        ("has_module_perms", reader::<U>),
        ("get_all_permissions", reader::<U>),
        ("get_user_permissions", reader::<U>),
        ("get_group_permissions", reader::<U>),
    ];
    let methods = manager
        .into_iter()
        .map(|(name, run)| (MethodOwner::Manager, name, run))
        .chain(object.into_iter().map(|(name, run)| (MethodOwner::Object, name, run)));
    for (owner, name, run) in methods {
        let method: &'static AppMethod = Box::leak(Box::new(AppMethod { model: U::meta, owner, name, run }));
        djorm::apps::install_method(method);
    }
}

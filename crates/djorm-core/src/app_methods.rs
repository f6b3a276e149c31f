//! Methods an installed app adds to a model's manager or objects, by Django's names, so the
//! shell speaks them as Django's does: auth's `User.objects.create_user(...)`,
//! `u.set_password(...)`, `u.has_perm("blog.add_post")`. Typed Rust code calls the app's own
//! API; this is the untyped door the shell (and anything else that works from model metadata)
//! goes through.

use std::sync::{Mutex, PoisonError};

use futures_util::future::BoxFuture;

use crate::methods::{Args, MethodOutput};
use crate::{Db, ModelMeta, Result, ValuesRow};

/// Where an app method hangs: on the model's manager (`User.objects.create_user`) or on its
/// objects (`u.check_password`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodOwner {
    /// `Model.objects.<name>(...)`.
    Manager,
    /// `object.<name>(...)`.
    Object,
}

/// One method an installed app adds to a model.
pub struct AppMethod {
    /// The model it belongs to (the configured user model, for auth's).
    pub model: fn() -> &'static ModelMeta,
    /// Manager or object.
    pub owner: MethodOwner,
    /// Django's name (`create_user`).
    pub name: &'static str,
    /// Runs it: on the database, with the object (for an object method) and the arguments.
    pub run: RunAppMethod,
}

/// How an app method runs: the database, the object it was called on (`None` for a manager
/// method), and the call's arguments.
pub type RunAppMethod = for<'a> fn(&'a Db, Option<ValuesRow>, Args) -> BoxFuture<'a, Result<AppMethodOutput>>;

/// What an app method gives back.
#[derive(Debug)]
pub struct AppMethodOutput {
    /// The call's value.
    pub output: MethodOutput,
    /// The object after the call when the method changed its fields in memory
    /// (`set_password` changes `password` and leaves saving to the caller, as in Django).
    pub object: Option<ValuesRow>,
}

impl AppMethodOutput {
    /// A value, the object unchanged.
    pub fn value(output: MethodOutput) -> Self {
        AppMethodOutput { output, object: None }
    }
}

impl std::fmt::Debug for AppMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppMethod").field("model", &(self.model)().label()).field("name", &self.name).finish()
    }
}

static INSTALLED_METHODS: Mutex<Vec<&'static AppMethod>> = Mutex::new(Vec::new());

/// Installs an app's method; a second one of the same model, owner and name replaces the first
/// (installing the auth app with another user model moves its methods there).
pub fn install_method(method: &'static AppMethod) {
    let mut installed = INSTALLED_METHODS.lock().unwrap_or_else(PoisonError::into_inner);
    let model = (method.model)();
    installed.retain(|m| !(std::ptr::eq((m.model)(), model) && m.owner == method.owner && m.name == method.name));
    installed.push(method);
}

/// The installed method `name` of `model`'s manager or objects.
pub fn app_method(model: &'static ModelMeta, owner: MethodOwner, name: &str) -> Option<&'static AppMethod> {
    let installed = INSTALLED_METHODS.lock().unwrap_or_else(PoisonError::into_inner);
    installed.iter().find(|m| std::ptr::eq((m.model)(), model) && m.owner == owner && m.name == name).copied()
}

/// The names of the installed methods of `model`'s manager or objects, sorted (for help and
/// completion).
pub fn app_method_names(model: &'static ModelMeta, owner: MethodOwner) -> Vec<&'static str> {
    let installed = INSTALLED_METHODS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut names: Vec<&'static str> =
        installed.iter().filter(|m| std::ptr::eq((m.model)(), model) && m.owner == owner).map(|m| m.name).collect();
    names.sort_unstable();
    names
}

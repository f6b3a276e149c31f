//! Permissions as Django's `ModelBackend` reads them, and the default ones Django's
//! `post_migrate` creates for every model (`add_`, `change_`, `delete_`, `view_`).

use std::collections::BTreeSet;

use djorm::relations::reverse_relations;
use djorm::{Db, Error, Model, ModelMeta, QuerySet, Result, Value, Q};

use crate::{ContentType, Group, Permission};

/// Django's `Meta.default_permissions`.
pub const DEFAULT_PERMISSIONS: [&str; 4] = ["add", "change", "delete", "view"];

/// The lookup name on `target` of the many-to-many field `field` of `owner` (`user` for
/// `User.user_permissions` seen from `Permission`).
fn query_name(target: &'static ModelMeta, owner: &'static ModelMeta, field: &str) -> Option<String> {
    reverse_relations(target)
        .iter()
        .find(|r| r.model.is(owner) && r.m2m.is_some_and(|m| m.name == field))
        .map(|r| r.query_name.clone())
}

/// `app_label.codename` of every permission `qs` matches.
async fn names(db: &Db, qs: QuerySet<Permission>) -> Result<BTreeSet<String>> {
    let rows = qs.values_list(db, &["content_type__app_label", "codename"]).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [Value::String(app), Value::String(codename)] => Some(format!("{app}.{codename}")),
            _ => None,
        })
        .collect())
}

/// The permissions given to the user `pk` of model `U` directly (none for a model without
/// `user_permissions`).
pub(crate) async fn of_user<U: Model>(db: &Db, pk: Value) -> Result<BTreeSet<String>> {
    let Some(name) = query_name(Permission::meta(), U::meta(), "user_permissions") else {
        return Ok(BTreeSet::new());
    };
    names(db, Permission::objects().filter(Q::new(format!("{name}__pk"), pk))).await
}

/// The permissions of the groups of the user `pk` of model `U` (none for a model without
/// `groups`).
pub(crate) async fn of_groups<U: Model>(db: &Db, pk: Value) -> Result<BTreeSet<String>> {
    let (Some(group), Some(user)) =
        (query_name(Permission::meta(), Group::meta(), "permissions"), query_name(Group::meta(), U::meta(), "groups"))
    else {
        return Ok(BTreeSet::new());
    };
    names(db, Permission::objects().filter(Q::new(format!("{group}__{user}__pk"), pk))).await
}

/// Every permission there is.
pub(crate) async fn all(db: &Db) -> Result<BTreeSet<String>> {
    names(db, Permission::objects()).await
}

/// The content type of `model`, made when missing (Django's `ContentType.objects.get_for_model`).
pub async fn content_type_for(db: &Db, model: &ModelMeta) -> Result<ContentType> {
    let lookup = Q::new("app_label", model.app_label) & Q::new("model", model.model_name());
    let (ct, _) = ContentType::objects()
        .get_or_create(db, lookup, || ContentType {
            app_label: model.app_label.to_owned(),
            model: model.model_name(),
            ..Default::default()
        })
        .await?;
    Ok(ct)
}

/// The permission `app_label.codename`, e.g. to give to a user or group.
pub async fn get_permission(db: &Db, perm: &str) -> Result<Permission> {
    let (app_label, codename) = perm.split_once('.').ok_or_else(|| {
        Error::InvalidValue(format!("Permission name should be in the form app_label.codename, not '{perm}'."))
    })?;
    Permission::objects().get(db, Q::new("content_type__app_label", app_label) & Q::new("codename", codename)).await
}

/// Creates the content types and the four default permissions of `models` that are missing
/// (Django's `create_contenttypes` and `create_permissions`, run after `migrate`). Returns how
/// many permissions it created.
pub async fn create_permissions(db: &Db, models: &[&'static ModelMeta]) -> Result<usize> {
    let mut created = 0;
    for model in models {
        let ct = content_type_for(db, model).await?;
        let existing: Vec<String> = Permission::objects()
            .filter(Q::new("content_type", ct.id.get().unwrap_or_default()))
            .values_list_flat(db, "codename")
            .await?;
        let model_name = model.model_name();
        let missing: Vec<Permission> = DEFAULT_PERMISSIONS
            .iter()
            .map(|action| (format!("{action}_{model_name}"), format!("Can {action} {}", model.verbose_name)))
            .filter(|(codename, _)| !existing.contains(codename))
            .map(|(codename, name)| Permission { name, content_type: (&ct).into(), codename, ..Default::default() })
            .collect();
        created += missing.len();
        if !missing.is_empty() {
            Permission::objects().bulk_create(db, missing).await?;
        }
    }
    Ok(created)
}

/// After `migrate`: the content types and default permissions of the project's models, once
/// the auth tables exist (a database whose `auth` migrations are not applied is left alone).
fn after_migrate<'a>(
    db: &'a Db,
    models: &'a [&'static ModelMeta],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        let tables = db.backend().introspect().await?;
        if !["django_content_type", "auth_permission"].iter().all(|t| tables.iter().any(|d| d.name == *t)) {
            return Ok(());
        }
        create_permissions(db, models).await.map(|_| ())
    })
}

/// Django's post_migrate receiver of the auth app.
pub(crate) static AFTER_MIGRATE: djorm::apps::PostMigrate =
    djorm::apps::PostMigrate { app: "auth", run: after_migrate };

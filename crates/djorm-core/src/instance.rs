//! Methods on model instances: `save()`, `delete()`, `clean_fields()`, `validate_unique()`,
//! `full_clean()`, `refresh_from_db()`.

use crate::queryset::Deleted;
use crate::{Db, Error, Model, Result, ValidationError};

/// Instance methods for every model, as Django's `Model` methods.
#[allow(async_fn_in_trait)]
pub trait ModelExt: Model {
    /// Inserts the object when it has no primary key yet, else updates its row (inserting it
    /// when no row has that key). Fills `auto_now`/`auto_now_add` fields first.
    async fn save(&mut self, db: &Db) -> Result<()> {
        crate::queryset::save_instance(db, self).await
    }

    /// Inserts the object even when it has a key (Django's `save(force_insert=True)`): a key
    /// already taken is an IntegrityError and the table is left as it was.
    async fn force_insert(&mut self, db: &Db) -> Result<()> {
        crate::queryset::insert_instance(db, self).await
    }

    /// Updates only these fields of the object's row (Django's `save(update_fields=[...])`):
    /// fields by name or attname (`author_id`); none saves nothing. A row that is not there is
    /// Django's DatabaseError ("Save with update_fields did not affect any rows.").
    async fn save_fields(&mut self, db: &Db, fields: &[&str]) -> Result<()> {
        crate::queryset::save_fields(db, self, fields).await
    }

    /// Deletes the object's row and returns Django's counts.
    async fn delete(&self, db: &Db) -> Result<Deleted> {
        let pk = self.pk_value();
        if pk.is_null() {
            return Err(Error::InvalidQuery(format!(
                "{} object can't be deleted because its id attribute is set to None.",
                Self::meta().object_name
            )));
        }
        let own = self.instance_state().and_then(crate::InstanceState::db);
        Self::objects().filter(crate::queryset::pk_filter(pk)).around_instance_of(own).delete(db).await
    }

    /// Reloads every field from the database.
    async fn refresh_from_db(&mut self, db: &Db) -> Result<()> {
        let own = self.instance_state().and_then(crate::InstanceState::db);
        let qs = Self::objects().around_instance_of(own);
        *self = qs.get(db, crate::queryset::pk_filter(self.pk_value())).await?;
        Ok(())
    }

    /// Django's `clean_fields()`: every field's own checks (length, blank, null, choices,
    /// e-mail, URL, slug, decimal digits), no database needed; the messages per field.
    fn clean_fields(&self) -> Result<(), ValidationError> {
        crate::validation::clean_fields(self)
    }

    /// Django's `validate_unique()`: whether another row already holds this object's unique
    /// values; a failure is `Error::Validation` with the messages per field ("Country with
    /// this Code already exists."), under `__all__` for a unique set of fields.
    async fn validate_unique(&self, db: &Db) -> Result<()> {
        let errors = crate::validation::validate_unique(db, self, &[]).await?;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(errors))
        }
    }

    /// Django's `full_clean()`: `clean_fields()`, then the unique checks against the database
    /// for the fields that passed; a failure is `Error::Validation` with every message.
    async fn full_clean(&self, db: &Db) -> Result<()> {
        crate::validation::full_clean(db, self).await
    }
}

impl<M: Model> ModelExt for M {}

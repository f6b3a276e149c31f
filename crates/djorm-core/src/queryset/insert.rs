//! INSERTs of whole rows (every field, in field order), batched within the database's
//! parameter limit: the one write path `create()`, `bulk_create()` and `save()` take, typed
//! or not.

use djorm_sql::Value;

use super::insert_sql::insert_sql;
use crate::{Db, Error, ModelMeta, Result};

/// How many rows of `meta` one INSERT can carry within the database's parameter limit.
pub(crate) fn batch_size(db: &Db, meta: &ModelMeta) -> usize {
    let params_per_row = meta.fields.len().max(1);
    (db.dialect().features().max_query_params / params_per_row).max(1)
}

/// `e`, naming the field whose value among `rows` the database refused.
pub(crate) fn refused(meta: &ModelMeta, rows: &[Vec<Value>], e: Error) -> Error {
    crate::data_error::name_the_field(meta, rows.iter().map(Vec::as_slice), e)
}

/// Inserts `rows` (none with a primary key) and writes the keys the database hands back
/// into each row.
pub(crate) async fn returning(db: &Db, meta: &'static ModelMeta, rows: &mut [Vec<Value>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if !db.dialect().features().can_return_rows_from_insert {
        // A backend without RETURNING provides the keys another way (MySQL's LAST_INSERT_ID):
        // that arrives with such a backend.
        return Err(Error::NotSupported {
            backend: db.vendor(),
            what: "INSERT ... RETURNING, which djorm uses to learn generated keys".into(),
        });
    }
    let pk_kind = meta.pk().kind.value_kind();
    for chunk in rows.chunks_mut(batch_size(db, meta)) {
        let insert = insert_sql(meta, db.dialect(), chunk, true);
        let result = db.fetch(&insert, &[pk_kind]).await.map_err(|e| refused(meta, chunk, e))?;
        if result.len() != chunk.len() {
            return Err(Error::Database {
                kind: crate::DatabaseErrorKind::Other,
                sqlstate: None,
                message: format!("INSERT returned {} keys for {} rows", result.len(), chunk.len()),
            });
        }
        for (row, pk) in chunk.iter_mut().zip(result.values) {
            row[meta.pk_index] = pk;
        }
    }
    Ok(())
}

/// Inserts `rows` whose primary key is already set.
pub(crate) async fn with_pk(db: &Db, meta: &'static ModelMeta, rows: &[Vec<Value>]) -> Result<()> {
    for chunk in rows.chunks(batch_size(db, meta)) {
        let insert = insert_sql(meta, db.dialect(), chunk, false);
        db.execute(&insert).await.map_err(|e| refused(meta, chunk, e))?;
    }
    Ok(())
}

/// Inserts `rows` in as few statements as possible, all in one transaction (a savepoint
/// inside one): rows with a key first, then the others, which get theirs. Returns the rows
/// in that order.
pub(crate) async fn bulk(db: &Db, meta: &'static ModelMeta, rows: Vec<Vec<Value>>) -> Result<Vec<Vec<Value>>> {
    let (mut without_pk, with_key): (Vec<Vec<Value>>, Vec<Vec<Value>>) =
        rows.into_iter().partition(|r| r[meta.pk_index].is_null());
    let batch = batch_size(db, meta);
    let statements = with_key.len().div_ceil(batch) + without_pk.len().div_ceil(batch);
    db.atomic_write(statements, |tx| async move {
        with_pk(&tx, meta, &with_key).await?;
        returning(&tx, meta, &mut without_pk).await?;
        let mut all = with_key;
        all.extend(without_pk);
        Ok(all)
    })
    .await
}

/// Runs save()'s UPDATE of one row and says how many rows it matched. A model whose only
/// column is its key has nothing to set (`UPDATE t SET  WHERE ...` is not SQL): whether the
/// row exists answers instead, so a new one is inserted once, as Django does.
pub(crate) async fn update_row(db: &Db, meta: &'static ModelMeta, values: Vec<Value>) -> Result<u64> {
    let pk = values[meta.pk_index].clone();
    let update = crate::lower::Lowerer::new(meta).update_instance(values);
    if !update.assignments.is_empty() {
        return db.execute(&db.dialect().compile_update(&update)).await;
    }
    let mut query = crate::Query::new(meta);
    query.add_filter(crate::Q::new("pk", crate::Rhs::Value(pk)));
    Ok(u64::from(super::untyped::exists(db, &query).await?))
}

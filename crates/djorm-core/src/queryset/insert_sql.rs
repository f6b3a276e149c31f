//! INSERT statements written once per model, dialect, row count and key handling: an INSERT
//! of whole rows binds every value as a parameter in field order, so its text depends on
//! nothing else. A repeated `create()` or `save()` of a new object copies the text and binds
//! its row, without lowering or writing anything.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use djorm_sql::{Compiled, Dialect, Value};

use crate::lower::Lowerer;
use crate::ModelMeta;

/// How many statements are remembered; past it the cache starts again (bulk inserts of many
/// row counts on many models are the only way to get there).
const CAPACITY: usize = 1024;

/// What an INSERT's text depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    /// The model, by the address of its metadata (a `'static` that never moves).
    model: usize,
    dialect: &'static str,
    rows: usize,
    returning_pk: bool,
}

type Cache = HashMap<Key, Arc<str>, foldhash::fast::FixedState>;

fn cache() -> &'static RwLock<Cache> {
    static CACHE: OnceLock<RwLock<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| RwLock::new(Cache::default()))
}

/// The INSERT of `rows` of `meta` (each holding every concrete field in order), with `RETURNING`
/// the key when `returning_pk` (an unset auto key is then left out and made by the database).
/// It always equals what lowering the insert afresh writes; the remembered text only saves
/// the work.
pub fn insert_sql(
    meta: &'static ModelMeta,
    dialect: &dyn Dialect,
    rows: &[Vec<Value>],
    returning_pk: bool,
) -> Compiled {
    let key = Key { model: std::ptr::from_ref(meta) as usize, dialect: dialect.name(), rows: rows.len(), returning_pk };
    let known = cache().read().ok().and_then(|c| c.get(&key).cloned());
    let Some(sql) = known else {
        let compiled = dialect.compile_insert(&Lowerer::new(meta).insert(rows.to_vec(), returning_pk));
        if let Ok(mut c) = cache().write() {
            if c.len() >= CAPACITY {
                c.clear();
            }
            c.insert(key, Arc::from(compiled.sql.as_str()));
        }
        return compiled;
    };
    let skipped = (returning_pk && meta.pk().kind.is_auto()).then_some(meta.pk_index);
    let per_row = meta.fields.len() - usize::from(skipped.is_some());
    let mut params = Vec::with_capacity(per_row * rows.len());
    for row in rows {
        params.extend(row.iter().enumerate().filter(|(i, _)| Some(*i) != skipped).map(|(_, v)| v.clone()));
    }
    Compiled { sql: sql.to_string(), params }
}

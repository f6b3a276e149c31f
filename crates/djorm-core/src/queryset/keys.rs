//! Key values as hash-map keys: prefetch_related groups children by them, select_related
//! shares an object already decoded for the same key.

use djorm_sql::Value;

/// A hashable stand-in for a key value (integers and text without formatting).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Int(i64),
    Text(String),
    Other(String),
}

/// A map keyed by link values, with foldhash (fast, and seeded per process).
pub(crate) type KeyMap<V> = foldhash::HashMap<Key, V>;

pub(crate) fn key(v: &Value) -> Key {
    match v {
        Value::String(s) => Key::Text(s.clone()),
        other => match other.as_i64() {
            Some(i) => Key::Int(i),
            None => Key::Other(format!("{other:?}")),
        },
    }
}

/// [`key`], taking the value (no copy of a text key).
#[inline]
pub(crate) fn key_of(v: Value) -> Key {
    match v {
        Value::I64(i) => Key::Int(i),
        Value::I32(i) => Key::Int(i64::from(i)),
        Value::String(s) => Key::Text(s),
        other => key(&other),
    }
}

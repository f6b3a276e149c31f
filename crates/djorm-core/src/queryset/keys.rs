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

/// prefetch_related's parent keys, each numbered with the group its children go to. Integer
/// and text keys (the common cases) are looked up as they are, without building a hashable
/// stand-in first.
#[derive(Debug, Default)]
pub struct GroupIndex {
    ints: foldhash::HashMap<i64, usize>,
    texts: foldhash::HashMap<String, usize>,
    others: foldhash::HashMap<String, usize>,
}

/// A key value as [`GroupIndex`] files it: integers of any width as one, text borrowed.
enum Slot<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Other(String),
}

impl<'a> Slot<'a> {
    #[inline]
    fn of(value: &'a Value) -> Self {
        match value {
            Value::I64(i) => Slot::Int(*i),
            Value::Null => Slot::Null,
            Value::String(s) => Slot::Text(s),
            other => match other.as_i64() {
                Some(i) => Slot::Int(i),
                None => Slot::Other(format!("{other:?}")),
            },
        }
    }
}

impl GroupIndex {
    /// The group of `value`, numbered next if it is new (`None` for NULL, never a key), and
    /// whether it was new.
    pub(crate) fn insert(&mut self, value: &Value) -> Option<(usize, bool)> {
        let next = self.len();
        let group = match Slot::of(value) {
            Slot::Null => return None,
            Slot::Int(i) => *self.ints.entry(i).or_insert(next),
            Slot::Text(s) => *self.texts.entry(s.to_owned()).or_insert(next),
            Slot::Other(s) => *self.others.entry(s).or_insert(next),
        };
        Some((group, group == next))
    }

    /// How many groups there are.
    pub fn len(&self) -> usize {
        self.ints.len() + self.texts.len() + self.others.len()
    }

    /// True when there is no group.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The group of the children whose link is `value` (`None`: no parent has that key).
    #[inline]
    pub fn group_of(&self, value: &Value) -> Option<usize> {
        match Slot::of(value) {
            Slot::Null => None,
            Slot::Int(i) => self.ints.get(&i).copied(),
            Slot::Text(s) => self.texts.get(s).copied(),
            Slot::Other(s) => self.others.get(&s).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_index_numbers_each_distinct_key_once_and_finds_it_whatever_the_integer_width() {
        let mut index = GroupIndex::default();
        assert_eq!(index.insert(&Value::I64(7)), Some((0, true)));
        assert_eq!(index.insert(&Value::String("ann".into())), Some((1, true)));
        assert_eq!(index.insert(&Value::I32(7)), Some((0, false)), "7 is already numbered");
        assert_eq!(index.insert(&Value::Null), None, "NULL is never a key");
        assert_eq!(index.insert(&Value::Bool(true)), Some((2, true)));
        assert_eq!(index.len(), 3);
        assert_eq!(index.group_of(&Value::I16(7)), Some(0));
        assert_eq!(index.group_of(&Value::String("ann".into())), Some(1));
        assert_eq!(index.group_of(&Value::Bool(true)), Some(2));
        assert_eq!(index.group_of(&Value::I64(8)), None);
        assert_eq!(index.group_of(&Value::Null), None);
    }
}

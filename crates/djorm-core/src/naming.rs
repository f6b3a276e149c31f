//! Django's naming rules for generated indexes, so djorm and Django schemas match.

use md5::{Digest, Md5};

/// Django's `names_digest`: the first `length` hex digits of the MD5 of the parts.
pub fn names_digest(parts: &[&str], length: usize) -> String {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    let hex: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    hex[..length].to_owned()
}

/// Django's `BaseDatabaseSchemaEditor._create_index_name`, used for `db_index=True`.
pub fn create_index_name(table: &str, columns: &[&str], suffix: &str, max_length: usize) -> String {
    let mut parts = vec![table];
    parts.extend_from_slice(columns);
    let mut hash_suffix = format!("{}{}", names_digest(&parts, 8), suffix);
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.len() <= max_length {
        return name;
    }
    if hash_suffix.len() > max_length / 3 {
        hash_suffix.truncate(max_length / 3);
    }
    let other = (max_length - hash_suffix.len()) / 2 - 1;
    let mut name = format!("{}_{}_{}", truncate(table, other), truncate(&joined, other), hash_suffix);
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.pop();
        name.insert(0, 'D');
    }
    name
}

/// Django's `Index.set_name_with_model`, used for `Meta.indexes` without a name.
/// `columns` carries a `-` prefix for descending columns.
pub fn meta_index_name(table: &str, columns: &[String]) -> String {
    let first = columns.first().map(|c| c.trim_start_matches('-')).unwrap_or_default();
    let mut hash_data: Vec<&str> = vec![table];
    hash_data.extend(columns.iter().map(String::as_str));
    hash_data.push("idx");
    let mut name = format!("{}_{}_{}_idx", truncate(table, 11), truncate(first, 7), names_digest(&hash_data, 6));
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.replace_range(0..1, "D");
    }
    name
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_python_md5() {
        // Parts are hashed one after another: md5("abc") = 900150983cd24fb0...
        assert_eq!(names_digest(&["a", "bc"], 8), "90015098");
        assert_eq!(names_digest(&[""], 6), "d41d8c");
    }

    #[test]
    fn long_index_names_are_shortened_to_the_limit() {
        let name = create_index_name(&"t".repeat(80), &["some_column"], "", 63);
        assert!(name.len() <= 63, "{name}");
    }
}

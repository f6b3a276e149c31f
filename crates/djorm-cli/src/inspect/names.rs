//! Rust names for database names: struct names for tables, field names for columns (Django's
//! `inspectdb` rules, with Rust's keywords instead of Python's).

/// Rust's strict and reserved keywords, which cannot name a field.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
    "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names the derive gives a meaning of its own: a field cannot take them.
const RESERVED_FIELDS: &[&str] = &["pk", "objects", "meta"];

/// The struct name of a table: `blog_post_tags` → `BlogPostTags` (Django's `table2model`),
/// after removing the app's `prefix_` when one is given.
pub fn struct_name(table: &str, app: Option<&str>) -> String {
    let stripped = app.and_then(|a| table.strip_prefix(a)).and_then(|t| t.strip_prefix('_')).filter(|t| !t.is_empty());
    let mut out = String::new();
    let mut upper = true;
    for c in stripped.unwrap_or(table).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
            upper = c.is_ascii_digit();
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// A field name for a column, and the notes explaining any change (Django's
/// `normalize_col_name`): lower case, `_` for anything not alphanumeric, no double
/// underscores, `number_` before a leading digit, `_field` after a keyword. A key column loses
/// its `_id` suffix, since djorm adds it back.
pub fn field_name(column: &str, is_relation: bool) -> (String, Vec<&'static str>) {
    let mut notes = Vec::new();
    let mut name = column.to_ascii_lowercase();
    if name != column {
        notes.push("Field name made lowercase.");
    }
    if is_relation {
        if let Some(stripped) = name.strip_suffix("_id").filter(|s| !s.is_empty()) {
            name = stripped.to_owned();
        }
    }
    let mut cleaned = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' };
        if !(c == '_' && cleaned.ends_with('_')) {
            cleaned.push(c);
        }
    }
    if cleaned != name {
        notes.push("Field renamed to remove unsuitable characters.");
    }
    let trimmed = cleaned.trim_end_matches('_');
    let mut name = if trimmed.is_empty() { "field".to_owned() } else { trimmed.to_owned() };
    if cleaned.ends_with('_') && !trimmed.is_empty() {
        notes.push("Field renamed because it ended with '_'.");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "number_");
        notes.push("Field renamed because it wasn't a valid Rust identifier.");
    }
    if KEYWORDS.contains(&name.as_str()) || RESERVED_FIELDS.contains(&name.as_str()) {
        name.push_str("_field");
        notes.push("Field renamed because it was a Rust reserved word.");
    }
    (name, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_become_camel_case_struct_names() {
        assert_eq!(struct_name("blog_post_tags", None), "BlogPostTags");
        assert_eq!(struct_name("blog_post_tags", Some("blog")), "PostTags");
        assert_eq!(struct_name("blog", Some("blog")), "Blog");
        assert_eq!(struct_name("order line-items", None), "OrderLineItems");
        assert_eq!(struct_name("2024_sales", None), "T2024Sales");
    }

    #[test]
    fn columns_become_valid_field_names_with_notes() {
        assert_eq!(field_name("title", false), ("title".to_owned(), vec![]));
        assert_eq!(field_name("author_id", true).0, "author");
        assert_eq!(field_name("author_id", false).0, "author_id");
        assert_eq!(field_name("type", false).0, "type_field");
        assert_eq!(field_name("Due Date", false).0, "due_date");
        assert_eq!(field_name("3d", false).0, "number_3d");
        assert_eq!(field_name("a__b", false).0, "a_b");
        assert_eq!(field_name("pk", false).0, "pk_field");
    }
}

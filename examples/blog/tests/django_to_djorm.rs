//! `docs/django-to-djorm.md` cannot go stale: every lookup, transform and database function in
//! djorm's registry, every QuerySet method of the shell's method table, and every model-layer
//! name the chapter uses has a row; and every row says djorm's spelling or "not yet".

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The names the chapter (`chapter-7-databases-and-the-django-orm.md`) uses, each a row's
/// first cell somewhere in the table.
const CHAPTER: &[&str] = &[
    "CharField",
    "TextField",
    "EmailField",
    "SlugField",
    "BooleanField",
    "DateTimeField",
    "DateField",
    "IntegerField",
    "ForeignKey",
    "ManyToManyField",
    "OneToOneField",
    "auto_now_add",
    "auto_now",
    "unique",
    "blank",
    "null",
    "max_length",
    "default",
    "db_index",
    "related_name",
    "on_delete",
    "CASCADE",
    "ordering",
    "verbose_name",
    "verbose_name_plural",
    "indexes",
    "__str__",
    "makemigrations",
    "migrate",
    "sqlmigrate",
    "showmigrations",
    "shell",
    "all",
    "get",
    "first",
    "last",
    "filter",
    "exclude",
    "create",
    "save",
    "update",
    "delete",
    "DoesNotExist",
    "exact",
    "year",
    "icontains",
    "in",
    "range",
    "Q",
    "F",
    "Count",
    "aggregate",
    "annotate",
    "select_related",
    "prefetch_related",
    "add",
    "remove",
    "clear",
    "post_save",
    "receiver",
    "CONN_MAX_AGE",
    "DATABASES",
    "DATABASE_ROUTERS",
    "atomic",
];

/// Every row's first cell (Django's name, in backticks) and its djorm cell.
fn rows(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].to_owned(), cells.get(1).copied().unwrap_or_default().to_owned())
        })
        .collect()
}

/// The names in a first cell: each backticked word, without arguments (`filter(**kwargs)` is
/// `filter`), and Django's spelling of a lookup (`__icontains` is `icontains`).
fn names(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|code| {
            let code = code.split('(').next().unwrap_or_default();
            let code = code.rsplit('.').next().unwrap_or_default();
            match code.strip_prefix("__") {
                Some(lookup) if !lookup.ends_with("__") => lookup.to_owned(),
                _ => code.to_owned(),
            }
        })
        .collect()
}

#[test]
fn every_django_name_djorm_knows_has_a_row_and_every_row_an_answer() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/django-to-djorm.md");
    let text = std::fs::read_to_string(&path).expect("docs/django-to-djorm.md");
    let rows = rows(&text);
    assert!(rows.len() > 100, "the table has {} rows", rows.len());
    for (django, djorm) in &rows {
        assert!(!djorm.is_empty(), "the row for {django} says nothing for djorm");
    }
    let named: std::collections::HashSet<String> = rows.iter().flat_map(|(django, _)| names(django)).collect();
    let vocabulary = djorm::vocabulary::lookup_names()
        .into_iter()
        .chain(djorm::vocabulary::transform_names())
        .chain(djorm::vocabulary::function_names());
    let methods = djorm::methods::methods().iter().map(|m| m.name);
    let chapter = CHAPTER.iter().copied();
    let mut missing: Vec<&str> = vocabulary.chain(methods).chain(chapter).filter(|n| !named.contains(*n)).collect();
    missing.sort_unstable();
    missing.dedup();
    assert!(missing.is_empty(), "docs/django-to-djorm.md has no row for: {}", missing.join(", "));
}

//! The shell's `help` text.

use djorm::ModelMeta;

use super::builtins;
use super::methods::queryset_methods;

/// What `help` prints: the models with their fields, the methods and the names in scope.
pub fn text(models: &[&'static ModelMeta]) -> String {
    let mut out = String::from("Django query syntax against the live database, e.g.\n");
    out.push_str("  Post.objects.filter(title__icontains=\"rust\").order_by(\"-id\")[:5]\n");
    out.push_str("  a = Author.objects.get(pk=1); a.name = \"Ann\"; a.save()\n\nModels:\n");
    for m in models {
        out.push_str(&format!("  {}: {}\n", m.object_name, m.field_names().join(", ")));
    }
    out.push_str(&format!("\nQuerySet methods: {}\n", queryset_methods().join(", ")));
    out.push_str(&format!("Names: {}\n", builtins::names().join(", ")));
    out.push_str("sql() shows the last query's SQL. Ctrl-C cancels a query, Ctrl-D leaves.");
    out
}

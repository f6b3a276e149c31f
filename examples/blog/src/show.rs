//! Printing what the example does: each statement's SQL with its parameters, and results as
//! aligned tables.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use djorm::{Db, Model, QueryCapture, Value, ValuesRow};

/// Prints a step's title.
pub fn step(title: &str) {
    println!("\n── {title} ──");
}

/// Prints (and forgets) the statements captured since the last call.
pub fn sql(capture: &QueryCapture) {
    for q in capture.take() {
        let params: Vec<String> = q.params.iter().map(|p| format!("{p:?}")).collect();
        if params.is_empty() {
            println!("  SQL: {}", q.sql);
        } else {
            println!("  SQL: {}  -- params: [{}]", q.sql, params.join(", "));
        }
    }
}

/// Prints (and forgets) the statements captured, without their parameters (they hold a
/// password hash).
pub fn sql_without_params(capture: &QueryCapture) {
    for q in capture.take() {
        println!("  SQL: {}  -- params not shown", q.sql);
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::DateTime(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        other => other.to_string(),
    }
}

/// Prints model instances as a table, one column per field.
pub fn objects<M: Model>(objects: &[M]) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(M::meta().fields.iter().map(|f| f.name));
    for o in objects {
        table.add_row(o.field_values().iter().map(cell));
    }
    println!("{table}");
}

/// Prints `values()` rows as a table.
pub fn values(rows: &[ValuesRow]) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    if let Some(first) = rows.first() {
        table.set_header(first.names());
    }
    for r in rows {
        table.add_row(r.values().iter().map(cell));
    }
    println!("{table}");
}

/// Prints a single line result.
pub fn result(label: &str, value: impl std::fmt::Display) {
    println!("  => {label}: {value}");
}

/// Where the example writes, without credentials.
pub fn database(db: &Db) {
    println!("djorm blog example on {} ({})", db.vendor(), db.backend().describe());
}

/// What to try after the tour: the commands a Django developer reaches for next.
pub fn next_steps() {
    step("Next: the same database from the command line");
    let manage = "cargo run -q -p blog --bin manage --";
    for (command, what) in [
        (format!("{manage} shell"), "Django's query syntax, live: User.objects.filter(username__startswith=\"a\").values(\"username\", \"profile__location\")"),
        (format!("{manage} --dir examples/blog/migrations showmigrations"), "which migrations ran"),
        (format!("{manage} --dir examples/blog/migrations sqlmigrate blog 0001"), "the SQL a migration runs"),
        (format!("{manage} --dir examples/blog/migrations makemigrations --check"), "is a migration missing?"),
        (format!("{manage} graph_models --format mermaid"), "the models as a diagram"),
    ] {
        println!("  {command}\n      {what}");
    }
    println!("  The README walks through the chapter feature by feature; docs/benchmarks.md has the numbers.");
}

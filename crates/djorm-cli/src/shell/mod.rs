//! `djorm shell`: Django's `manage.py shell_plus` for djorm — Django query syntax, evaluated
//! against the live database with every model in scope.
//!
//! The layers: `lexer` and `parser` turn a line into `syntax`; `eval` and `methods` run it
//! through [`djorm::DynQuerySet`] (the same lowering and SQL as the typed API); `output` prints
//! the result; `repl` is the interactive loop (history, Tab completion, Ctrl-C).

mod builtins;
mod convert;
mod error;
mod eval;
mod help;
mod lexer;
mod methods;
mod output;
mod parser;
mod repl;
mod syntax;
mod value;
mod window;

pub use error::ShellError;
pub use eval::{Confirm, Session};
pub use output::{value_json, Format, DEFAULT_MAX_ROWS};
pub use parser::parse_line;
pub use repl::repl;

/// Runs `line` in `session` and renders what it shows (empty for assignments).
pub async fn execute(session: &mut Session, line: &str, format: Format) -> Result<String, ShellError> {
    match session.run_line(line).await? {
        // Like Python's shell, a bare None (save(), add()) prints nothing at the prompt.
        Some(value::Val::Value(djorm::Value::Null)) if format == Format::Table => Ok(String::new()),
        Some(v) => {
            // Tables are for people: they show Django's repr-sized page. JSON and CSV are for
            // scripts: they get every row asked for.
            let max_rows = if format == Format::Table { session.max_rows } else { None };
            output::render(&session.db, v, format, max_rows).await
        }
        None => Ok(String::new()),
    }
}

/// Words Tab completes: models, names, variables, methods, fields and lookups.
pub fn completion_words(session: &Session) -> Vec<String> {
    let mut words: Vec<String> = session.models().iter().map(|m| m.object_name.to_owned()).collect();
    words.extend(builtins::names().into_iter().map(str::to_owned));
    words.extend(methods::queryset_methods().into_iter().map(str::to_owned));
    words.extend(["objects", "save", "refresh_from_db"].map(String::from));
    words.extend(session.variables().map(String::from));
    for m in session.models() {
        words.extend(m.field_names());
    }
    words.sort();
    words.dedup();
    words
}

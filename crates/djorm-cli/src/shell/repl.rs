//! The interactive loop: line editing, history across sessions and Tab completion by
//! rustyline; Ctrl-C cancels a running query, Ctrl-D leaves.

use super::error::ShellError;
use std::borrow::Cow;
use std::io::Write;
use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use super::{completion_words, execute, Format, Session};

struct ShellHelper {
    words: Vec<String>,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let word = &before[start..];
        let (stem_start, prefix, pool): (usize, &str, Vec<&str>) = match word.rfind("__") {
            Some(i) => {
                let mut lookups = djorm::vocabulary::lookup_names();
                lookups.extend(djorm::vocabulary::transform_names());
                (start + i + 2, &word[i + 2..], lookups)
            }
            None => (start, word, self.words.iter().map(String::as_str).collect()),
        };
        let pairs = pool
            .into_iter()
            .filter(|w| w.starts_with(prefix))
            .map(|w| Pair { display: w.to_owned(), replacement: w.to_owned() })
            .collect();
        Ok((stem_start, pairs))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _: bool) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

/// Where history is kept: `$DJORM_HISTORY`, else `~/.djorm_history`.
fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DJORM_HISTORY") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".djorm_history"))
}

/// Reads lines until Ctrl-D, printing each result in `format`.
pub async fn repl(mut session: Session, format: Format, out: &mut dyn Write) -> Result<(), ShellError> {
    let mut editor: Editor<ShellHelper, DefaultHistory> =
        Editor::new().map_err(|e| ShellError::new("OSError", e.to_string()))?;
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let models: Vec<&str> = session.models().iter().map(|m| m.object_name).collect();
    let _ = writeln!(
        out,
        "djorm shell on {} - models: {}. Type help, Ctrl-D to leave.",
        session.db.vendor(),
        models.join(", ")
    );
    loop {
        editor.set_helper(Some(ShellHelper { words: completion_words(&session) }));
        let line = match editor.readline(">>> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(ShellError::new("OSError", e.to_string())),
        };
        if line.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line.as_str());
        if let Some(path) = &history {
            let _ = editor.save_history(path);
        }
        let result = if line.trim() == "help" {
            Ok(super::help::text(session.models()))
        } else {
            tokio::select! {
                r = execute(&mut session, &line, format) => r,
                _ = tokio::signal::ctrl_c() => Err(ShellError::new("KeyboardInterrupt", "query cancelled")),
            }
        };
        let _ = match result {
            Ok(text) if text.is_empty() => Ok(()),
            Ok(text) => writeln!(out, "{text}"),
            Err(error) => writeln!(out, "{}: {}", error.class, error.message),
        };
        let _ = out.flush();
    }
    Ok(())
}

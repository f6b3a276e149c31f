//! What a failed shell line reports: Django's (or Python's) exception class and the message,
//! so `--format json` can say `{"error": {"class": "FieldError", "message": ...}}`.

/// A failed shell line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    /// The exception class a Django shell would raise: djorm's errors carry Django's
    /// (`FieldError`, `DoesNotExist`, `IntegrityError`...), the shell's own Python's
    /// (`SyntaxError`, `NameError`, `AttributeError`, `TypeError`...).
    pub class: &'static str,
    /// The message.
    pub message: String,
}

impl ShellError {
    /// An error of `class`.
    pub fn new(class: &'static str, message: impl Into<String>) -> Self {
        ShellError { class, message: message.into() }
    }

    /// The user declined a write to a whole table (or `-c` ran one without `--yes`).
    pub fn cancelled() -> Self {
        ShellError::new("Cancelled", "cancelled")
    }

    /// True for [`ShellError::cancelled`].
    pub fn is_cancelled(&self) -> bool {
        self.class == "Cancelled"
    }
}

impl std::fmt::Display for ShellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShellError {}

/// A database error as its Django class, with the next step when a newcomer would need one
/// (a table that was never migrated, a server that is not running).
impl From<djorm::Error> for ShellError {
    fn from(e: djorm::Error) -> Self {
        match crate::advice::next_step(&e) {
            Some(step) => ShellError::new(e.class(), format!("{e}\nHINT: {step}")),
            None => ShellError::new(e.class(), e.to_string()),
        }
    }
}

/// The shell's own checks on arguments and values are Python's `TypeError`s.
impl From<String> for ShellError {
    fn from(message: String) -> Self {
        ShellError::new("TypeError", message)
    }
}

impl From<&str> for ShellError {
    fn from(message: &str) -> Self {
        ShellError::new("TypeError", message)
    }
}

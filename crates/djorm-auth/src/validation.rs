//! Password validation (Django's `AUTH_PASSWORD_VALIDATORS` with its four default
//! validators), with Django's messages: run by `createsuperuser` and `changepassword`, and
//! callable from code before a password is set.

use std::collections::HashSet;
use std::sync::OnceLock;

use djorm::{Model, ValidationError, Value};

/// What the similarity check compares a password with: the user's attributes and their
/// verbose names.
#[derive(Debug, Clone, Default)]
pub struct UserAttributes {
    values: Vec<(String, String, String)>,
}

impl UserAttributes {
    /// The text fields of `user`, with their verbose names (`email` is "email address").
    pub fn of<M: Model>(user: &M) -> Self {
        let meta = M::meta();
        let values = meta
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match user.field_value(i) {
                Value::String(s) => Some((f.name.to_owned(), s, f.verbose_name.to_owned())),
                _ => None,
            })
            .collect();
        UserAttributes { values }
    }

    /// Attributes given by hand: `(name, value)`, the name as verbose name.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        UserAttributes {
            values: pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned(), (*n).to_owned())).collect(),
        }
    }

    fn get(&self, name: &str) -> Option<(&str, &str)> {
        self.values.iter().find(|(n, _, _)| n == name).map(|(_, v, verbose)| (v.as_str(), verbose.as_str()))
    }
}

/// One rule a password must follow (Django's password validator classes).
pub trait PasswordValidator: Send + Sync {
    /// The message when `password` breaks the rule (Django's `ValidationError` message), with
    /// its code (`password_too_short`).
    fn validate(&self, password: &str, user: Option<&UserAttributes>) -> Result<(), (&'static str, String)>;

    /// What the rule asks for, for forms and prompts.
    fn help_text(&self) -> String;
}

/// Django's `MinimumLengthValidator` (8 characters by default).
#[derive(Debug, Clone)]
pub struct MinimumLengthValidator {
    /// The fewest characters a password may have.
    pub min_length: usize,
}

impl Default for MinimumLengthValidator {
    fn default() -> Self {
        MinimumLengthValidator { min_length: 8 }
    }
}

impl PasswordValidator for MinimumLengthValidator {
    fn validate(&self, password: &str, _: Option<&UserAttributes>) -> Result<(), (&'static str, String)> {
        if password.chars().count() >= self.min_length {
            return Ok(());
        }
        let n = self.min_length;
        let unit = if n == 1 { "character" } else { "characters" };
        Err(("password_too_short", format!("This password is too short. It must contain at least {n} {unit}.")))
    }

    fn help_text(&self) -> String {
        let n = self.min_length;
        let unit = if n == 1 { "character" } else { "characters" };
        format!("Your password must contain at least {n} {unit}.")
    }
}

/// Django's `UserAttributeSimilarityValidator`: refuses a password too much like the
/// username, names or e-mail (Python's `SequenceMatcher.quick_ratio` ≥ 0.7 against an
/// attribute or any part of it split at non-word characters).
#[derive(Debug, Clone)]
pub struct UserAttributeSimilarityValidator {
    /// The attributes compared.
    pub user_attributes: Vec<String>,
    /// The similarity from which a password is refused (at least 0.1).
    pub max_similarity: f64,
}

impl Default for UserAttributeSimilarityValidator {
    fn default() -> Self {
        UserAttributeSimilarityValidator {
            user_attributes: ["username", "first_name", "last_name", "email"].map(str::to_owned).to_vec(),
            max_similarity: 0.7,
        }
    }
}

/// Python's `SequenceMatcher(a=a, b=b).quick_ratio()`: twice the size of the multiset
/// intersection of the characters over the total length.
fn quick_ratio(a: &[char], b: &[char]) -> f64 {
    let mut available: std::collections::HashMap<char, i64> = std::collections::HashMap::new();
    for c in b {
        *available.entry(*c).or_default() += 1;
    }
    let mut matches = 0usize;
    for c in a {
        let n = available.entry(*c).or_default();
        if *n > 0 {
            matches += 1;
        }
        *n -= 1;
    }
    let total = a.len() + b.len();
    if total == 0 {
        1.0
    } else {
        2.0 * matches as f64 / total as f64
    }
}

/// Django's shortcut: a value far shorter than the password cannot be similar enough.
fn exceeds_maximum_length_ratio(password_len: usize, max_similarity: f64, value_len: usize) -> bool {
    password_len >= 10 * value_len && (value_len as f64) < max_similarity / 2.0 * password_len as f64
}

impl PasswordValidator for UserAttributeSimilarityValidator {
    fn validate(&self, password: &str, user: Option<&UserAttributes>) -> Result<(), (&'static str, String)> {
        let Some(user) = user else { return Ok(()) };
        static NON_WORD: OnceLock<regex::Regex> = OnceLock::new();
        let non_word = NON_WORD.get_or_init(|| regex::Regex::new(r"\W+").expect("a valid pattern"));
        let password: Vec<char> = password.to_lowercase().chars().collect();
        for attribute in &self.user_attributes {
            let Some((value, verbose_name)) = user.get(attribute) else { continue };
            if value.is_empty() {
                continue;
            }
            let lower = value.to_lowercase();
            let parts = non_word.split(&lower).chain(std::iter::once(lower.as_str()));
            for part in parts {
                let part: Vec<char> = part.chars().collect();
                if exceeds_maximum_length_ratio(password.len(), self.max_similarity, part.len()) {
                    continue;
                }
                if quick_ratio(&password, &part) >= self.max_similarity {
                    return Err((
                        "password_too_similar",
                        format!("The password is too similar to the {verbose_name}."),
                    ));
                }
            }
        }
        Ok(())
    }

    fn help_text(&self) -> String {
        "Your password can’t be too similar to your other personal information.".into()
    }
}

/// Django's `CommonPasswordValidator`: refuses the 20,000 common passwords Django ships
/// (compared lower-cased and trimmed).
#[derive(Debug, Clone, Copy, Default)]
pub struct CommonPasswordValidator;

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("../data/common-passwords.txt").lines().map(str::trim).collect())
}

impl PasswordValidator for CommonPasswordValidator {
    fn validate(&self, password: &str, _: Option<&UserAttributes>) -> Result<(), (&'static str, String)> {
        if common_passwords().contains(password.to_lowercase().trim()) {
            return Err(("password_too_common", "This password is too common.".into()));
        }
        Ok(())
    }

    fn help_text(&self) -> String {
        "Your password can’t be a commonly used password.".into()
    }
}

/// Django's `NumericPasswordValidator`: refuses a password of digits only.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumericPasswordValidator;

impl PasswordValidator for NumericPasswordValidator {
    fn validate(&self, password: &str, _: Option<&UserAttributes>) -> Result<(), (&'static str, String)> {
        if !password.is_empty() && password.chars().all(char::is_numeric) {
            return Err(("password_entirely_numeric", "This password is entirely numeric.".into()));
        }
        Ok(())
    }

    fn help_text(&self) -> String {
        "Your password can’t be entirely numeric.".into()
    }
}

/// Django's four validators, in the order a new project's settings list them.
pub fn default_validators() -> Vec<Box<dyn PasswordValidator>> {
    vec![
        Box::new(UserAttributeSimilarityValidator::default()),
        Box::new(MinimumLengthValidator::default()),
        Box::new(CommonPasswordValidator),
        Box::new(NumericPasswordValidator),
    ]
}

/// Runs `validators` on `password` (Django's `validate_password`): every message, under
/// `password`, when any fails.
pub fn validate_password_with(
    password: &str,
    user: Option<&UserAttributes>,
    validators: &[Box<dyn PasswordValidator>],
) -> Result<(), ValidationError> {
    let mut errors = ValidationError::default();
    for validator in validators {
        if let Err((_, message)) = validator.validate(password, user) {
            errors.add("password", message);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// [`validate_password_with`] Django's default validators.
pub fn validate_password(password: &str, user: Option<&UserAttributes>) -> Result<(), ValidationError> {
    validate_password_with(password, user, &default_validators())
}

/// Django's `UnicodeUsernameValidator`: letters, digits and `@/./+/-/_` only.
pub fn validate_username(username: &str) -> Result<(), String> {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| regex::Regex::new(r"^[\w.@+\-]+\z").expect("a valid pattern"));
    if pattern.is_match(username) {
        Ok(())
    } else {
        Err("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.".into())
    }
}

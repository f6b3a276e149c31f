//! `createsuperuser` and `changepassword` with Django's prompts, messages and checks, over a
//! [`Console`] (the terminal, with hidden password input; or a script, in tests). Nothing here
//! prints or logs a password.

use std::future::Future;
use std::io::{self, BufRead, Write};
use std::pin::Pin;

use djorm::{Db, Error, Value};

use crate::manager::UserManager;
use crate::user::{get_by_natural_key, AuthUser, AuthUserExt};
use crate::validation::{validate_password, validate_username, UserAttributes};

/// Where a command asks and answers.
pub trait Console: Send {
    /// Writes a line to standard output.
    fn out(&mut self, line: &str);
    /// Writes a line to standard error.
    fn err(&mut self, line: &str);
    /// Asks for a line (shown as typed).
    fn input(&mut self, prompt: &str) -> io::Result<String>;
    /// Asks for a secret, not shown as typed (Python's `getpass`).
    fn secret(&mut self, prompt: &str) -> io::Result<String>;
    /// Whether a person can answer (standard input is a terminal).
    fn is_interactive(&self) -> bool;
}

/// The process's terminal: prompts on standard output, passwords read without echo.
#[derive(Debug, Default)]
pub struct Terminal;

impl Console for Terminal {
    fn out(&mut self, line: &str) {
        println!("{line}");
    }

    fn err(&mut self, line: &str) {
        eprintln!("{line}");
    }

    fn input(&mut self, prompt: &str) -> io::Result<String> {
        print!("{prompt}");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "end of input"));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    fn secret(&mut self, prompt: &str) -> io::Result<String> {
        rpassword::prompt_password(prompt)
    }

    fn is_interactive(&self) -> bool {
        use std::io::IsTerminal;
        io::stdin().is_terminal()
    }
}

/// Why a command stopped (Django's `CommandError`), with Django's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError(pub String);

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        CommandError(e.to_string())
    }
}

impl From<io::Error> for CommandError {
    fn from(e: io::Error) -> Self {
        CommandError(format!("could not read the answer: {e}"))
    }
}

/// What `createsuperuser` was given on its command line.
#[derive(Debug, Clone, Default)]
pub struct SuperuserOptions {
    /// `--username`.
    pub username: Option<String>,
    /// `--email`.
    pub email: Option<String>,
    /// `--noinput`: take everything from the options and the environment
    /// (`DJANGO_SUPERUSER_USERNAME`, `DJANGO_SUPERUSER_EMAIL`, `DJANGO_SUPERUSER_PASSWORD`, or
    /// djorm's `DJORM_SUPERUSER_*`).
    pub no_input: bool,
}

/// `DJORM_SUPERUSER_<NAME>`, else Django's `DJANGO_SUPERUSER_<NAME>`.
fn superuser_env(name: &str) -> Option<String> {
    let name = name.to_uppercase();
    std::env::var(format!("DJORM_SUPERUSER_{name}")).or_else(|_| std::env::var(format!("DJANGO_SUPERUSER_{name}"))).ok()
}

fn capfirst(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn verbose_name<U: AuthUser>(field: &str) -> &'static str {
    U::meta().fields.iter().find(|f| f.name == field).map(|f| f.verbose_name).unwrap_or("username")
}

/// Django's `_validate_username`: taken, blank or invalid, as a message.
async fn username_problem<U: AuthUser>(db: &Db, username: &str) -> Result<Option<String>, CommandError> {
    let verbose = verbose_name::<U>(U::USERNAME_FIELD);
    match get_by_natural_key::<U>(db, username).await {
        Ok(_) => return Ok(Some(format!("Error: That {verbose} is already taken."))),
        Err(Error::DoesNotExist { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    if username.is_empty() {
        return Ok(Some(format!("{} cannot be blank.", capfirst(verbose))));
    }
    if U::USERNAME_FIELD == "username" {
        if let Err(message) = validate_username(username) {
            return Ok(Some(message));
        }
    }
    Ok(None)
}

/// The system user's name as Django suggests it (ASCII, lower case, no spaces), when valid
/// and not taken.
async fn default_username<U: AuthUser>(db: &Db) -> String {
    let system = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
    let name: String = system.chars().filter(|c| c.is_ascii() && *c != ' ').collect::<String>().to_lowercase();
    if name.is_empty() || validate_username(&name).is_err() || U::USERNAME_FIELD != "username" {
        return String::new();
    }
    match get_by_natural_key::<U>(db, &name).await {
        Err(Error::DoesNotExist { .. }) => name,
        _ => String::new(),
    }
}

/// Django's e-mail check for the prompt (`EmailField.clean`): empty is allowed (the field is
/// blank), otherwise it must look like an address.
fn email_problem(email: &str) -> Option<String> {
    if email.is_empty() {
        return None;
    }
    let ok = email.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.contains(' ')
    });
    (!ok).then(|| "Enter a valid email address.".to_owned())
}

/// Django's `createsuperuser`: asks for the username, the required fields and the password
/// (twice, hidden, validated — a refused password can be kept after a yes), or with
/// `--noinput` takes them from the options and the environment.
pub async fn createsuperuser<U: AuthUser>(
    db: &Db,
    options: &SuperuserOptions,
    console: &mut dyn Console,
) -> Result<(), CommandError> {
    let username_verbose = verbose_name::<U>(U::USERNAME_FIELD);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut password: Option<String> = None;
    let username;
    if options.no_input {
        password = superuser_env("password");
        let Some(name) = options.username.clone().or_else(|| superuser_env(U::USERNAME_FIELD)) else {
            return Err(CommandError(format!("You must use --{} with --noinput.", U::USERNAME_FIELD)));
        };
        if let Some(problem) = username_problem::<U>(db, &name).await? {
            return Err(CommandError(problem));
        }
        username = name;
        for field in U::REQUIRED_FIELDS {
            let given = if *field == U::EMAIL_FIELD { options.email.clone() } else { None };
            let value =
                given.clone().filter(|v| !v.is_empty()).or_else(|| superuser_env(field).filter(|v| !v.is_empty()));
            match value {
                Some(v) => fields.push(((*field).to_owned(), v)),
                // A blank field may be left empty when it is given empty.
                None if given.as_deref() == Some("") || superuser_env(field).as_deref() == Some("") => {}
                None => return Err(CommandError(format!("You must use --{field} with --noinput."))),
            }
        }
    } else {
        if !console.is_interactive() {
            console.out(
                "Superuser creation skipped due to not running in a TTY. You can run `djorm createsuperuser` in your \
                 project to create one manually.",
            );
            return Ok(());
        }
        let default = default_username::<U>(db).await;
        let mut chosen = options.username.clone();
        if let Some(name) = &chosen {
            if name.is_empty() {
                return Err(CommandError(format!("{} cannot be blank.", capfirst(username_verbose))));
            }
            if let Some(problem) = username_problem::<U>(db, name).await? {
                console.err(&problem);
                chosen = None;
            }
        }
        while chosen.is_none() {
            let hint = if default.is_empty() { String::new() } else { format!(" (leave blank to use '{default}')") };
            let mut answer = console.input(&format!("{}{hint}: ", capfirst(username_verbose)))?;
            if answer.is_empty() {
                answer = default.clone();
            }
            if answer.is_empty() {
                console.err(&format!("Error: {} cannot be blank.", capfirst(username_verbose)));
                continue;
            }
            match username_problem::<U>(db, &answer).await? {
                Some(problem) => console.err(&problem),
                None => chosen = Some(answer),
            }
        }
        username = chosen.unwrap_or_default();
        for field in U::REQUIRED_FIELDS {
            let mut value = if *field == U::EMAIL_FIELD { options.email.clone() } else { None };
            while value.is_none() {
                let answer = console.input(&format!("{}: ", capfirst(verbose_name::<U>(field))))?;
                match (*field == U::EMAIL_FIELD).then(|| email_problem(&answer)).flatten() {
                    Some(problem) => console.err(&format!("Error: {problem}")),
                    None => value = Some(answer),
                }
            }
            fields.push(((*field).to_owned(), value.unwrap_or_default()));
        }
        let mut person = U::default();
        let _ = person.set_value(U::USERNAME_FIELD, Value::String(username.clone()));
        for (name, value) in &fields {
            let _ = person.set_value(name, Value::String(value.clone()));
        }
        let attributes = UserAttributes::of(&person);
        while password.is_none() {
            let first = console.secret("Password: ")?;
            let second = console.secret("Password (again): ")?;
            if first != second {
                console.err("Error: Your passwords didn't match.");
                continue;
            }
            if first.trim().is_empty() {
                console.err("Error: Blank passwords aren't allowed.");
                continue;
            }
            if let Err(problems) = validate_password(&second, Some(&attributes)) {
                console.err(&problems.messages("password").join("\n"));
                let answer = console.input("Bypass password validation and create user anyway? [y/N]: ")?;
                if answer.to_lowercase() != "y" {
                    continue;
                }
            }
            password = Some(first);
        }
    }
    let email = fields.iter().find(|(n, _)| n == U::EMAIL_FIELD).map(|(_, v)| v.clone());
    let others: Vec<(String, String)> = fields.into_iter().filter(|(n, _)| n != U::EMAIL_FIELD).collect();
    U::objects()
        .create_superuser_with(db, &username, email.as_deref(), password.as_deref(), |user| {
            for (name, value) in others {
                let _ = user.set_value(&name, Value::String(value));
            }
        })
        .await?;
    console.out("Superuser created successfully.");
    Ok(())
}

/// Django's `changepassword`: up to three tries at a matching, valid password; the success
/// message (`Password changed successfully for user '…'`).
pub async fn changepassword<U: AuthUser>(
    db: &Db,
    username: Option<&str>,
    console: &mut dyn Console,
) -> Result<String, CommandError> {
    let username = match username {
        Some(u) => u.to_owned(),
        None => std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default(),
    };
    let mut user = match get_by_natural_key::<U>(db, &username).await {
        Ok(user) => user,
        Err(Error::DoesNotExist { .. }) => return Err(CommandError(format!("user '{username}' does not exist"))),
        Err(e) => return Err(e.into()),
    };
    let shown = user.get_username();
    console.out(&format!("Changing password for user '{shown}'"));
    let attributes = UserAttributes::of(&user);
    const MAX_TRIES: usize = 3;
    let mut count = 0;
    let mut chosen = None;
    while chosen.is_none() && count < MAX_TRIES {
        let first = ask_secret(console, "Password: ")?;
        let second = ask_secret(console, "Password (again): ")?;
        if first != second {
            console.out("Passwords do not match. Please try again.");
            count += 1;
            continue;
        }
        match validate_password(&second, Some(&attributes)) {
            Err(problems) => {
                console.err(&problems.messages("password").join("\n"));
                count += 1;
            }
            Ok(()) => chosen = Some(first),
        }
    }
    let Some(password) = chosen else {
        return Err(CommandError(format!("Aborting password change for user '{shown}' after {count} attempts")));
    };
    user.set_password(&password);
    djorm::ModelExt::save(&mut user, db).await?;
    Ok(format!("Password changed successfully for user '{shown}'"))
}

/// A hidden answer; an empty one aborts, as Django's `changepassword` does.
fn ask_secret(console: &mut dyn Console, prompt: &str) -> Result<String, CommandError> {
    let answer = console.secret(prompt)?;
    if answer.is_empty() {
        return Err(CommandError("aborted".into()));
    }
    Ok(answer)
}

/// The terminal when a person is there; otherwise the lines go to the command's report (and
/// nothing can be asked).
struct CommandLineConsole {
    terminal: Terminal,
    report: Vec<String>,
}

impl Console for CommandLineConsole {
    fn out(&mut self, line: &str) {
        if self.terminal.is_interactive() {
            self.terminal.out(line);
        } else {
            self.report.push(line.to_owned());
        }
    }

    fn err(&mut self, line: &str) {
        self.terminal.err(line);
    }

    fn input(&mut self, prompt: &str) -> io::Result<String> {
        self.terminal.input(prompt)
    }

    fn secret(&mut self, prompt: &str) -> io::Result<String> {
        self.terminal.secret(prompt)
    }

    fn is_interactive(&self) -> bool {
        self.terminal.is_interactive()
    }
}

/// `createsuperuser`'s command line.
#[derive(Debug, clap::Parser)]
#[command(name = "createsuperuser", about = "Creates a superuser")]
struct CreatesuperuserArgs {
    /// The username.
    #[arg(long)]
    username: Option<String>,
    /// The e-mail address.
    #[arg(long)]
    email: Option<String>,
    /// Asks nothing: everything from the options and DJANGO_SUPERUSER_* (or DJORM_SUPERUSER_*).
    #[arg(long = "noinput", visible_alias = "no-input")]
    no_input: bool,
}

/// `changepassword`'s command line.
#[derive(Debug, clap::Parser)]
#[command(name = "changepassword", about = "Changes a user's password")]
struct ChangepasswordArgs {
    /// The user (by default the system user's name).
    username: Option<String>,
}

fn parse<T: clap::Parser>(name: &str, args: &[String]) -> Result<T, String> {
    T::try_parse_from(std::iter::once(name.to_owned()).chain(args.iter().cloned())).map_err(|e| e.to_string())
}

fn run_createsuperuser<'a, U: AuthUser>(db: &'a Db, args: &'a [String]) -> BoxFuture<'a, Result<Vec<String>, String>> {
    Box::pin(async move {
        let args: CreatesuperuserArgs = parse("createsuperuser", args)?;
        let options = SuperuserOptions { username: args.username, email: args.email, no_input: args.no_input };
        let mut console = CommandLineConsole { terminal: Terminal, report: Vec::new() };
        createsuperuser::<U>(db, &options, &mut console).await.map_err(|e| e.0)?;
        Ok(console.report)
    })
}

fn run_changepassword<'a, U: AuthUser>(db: &'a Db, args: &'a [String]) -> BoxFuture<'a, Result<Vec<String>, String>> {
    Box::pin(async move {
        let args: ChangepasswordArgs = parse("changepassword", args)?;
        let mut console = CommandLineConsole { terminal: Terminal, report: Vec::new() };
        let done = changepassword::<U>(db, args.username.as_deref(), &mut console).await.map_err(|e| e.0)?;
        console.report.push(done);
        Ok(console.report)
    })
}

/// A boxed future, the shape of an installed command.
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Adds `createsuperuser` and `changepassword` on the user model `U` to the command line.
pub(crate) fn install<U: AuthUser>() {
    let create: &'static djorm::apps::ManagementCommand = Box::leak(Box::new(djorm::apps::ManagementCommand {
        name: "createsuperuser",
        about: "Creates a superuser",
        run: run_createsuperuser::<U>,
    }));
    let change: &'static djorm::apps::ManagementCommand = Box::leak(Box::new(djorm::apps::ManagementCommand {
        name: "changepassword",
        about: "Changes a user's password",
        run: run_changepassword::<U>,
    }));
    djorm::apps::install_command(create);
    djorm::apps::install_command(change);
}

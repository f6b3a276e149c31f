//! What to do next, for the errors a newcomer meets first: the server is not running, the
//! database does not exist, the password is wrong, the tables were never migrated. The error
//! says what happened (in the database's words); the advice says what to do about it.

/// The next step for `e`, when it is one of the first-day errors.
pub(crate) fn next_step(e: &djorm::Error) -> Option<&'static str> {
    match e {
        djorm::Error::Connection(message) if refused(message) => Some(
            "Is the database server running on that host and port, and accepting TCP/IP connections? \
             Start it (Debian: `sudo systemctl start postgresql`; macOS: `brew services start postgresql`), \
             or unset DATABASE_URL to work on ./db.sqlite3 with nothing installed.",
        ),
        djorm::Error::Database { sqlstate: Some(code), .. } if code == "3D000" => Some(
            "Create the database first (`createdb <name>`, or `CREATE DATABASE <name>;` as a role that may), \
             or correct its name in DATABASE_URL.",
        ),
        djorm::Error::Database { sqlstate: Some(code), .. } if code == "28P01" || code == "28000" => Some(
            "Check the user and password in DATABASE_URL (or DB_USER and DB_PASSWORD), and the server's pg_hba.conf.",
        ),
        djorm::Error::Database { sqlstate, message, .. }
            if sqlstate.as_deref() == Some("42P01") || message.contains("no such table") =>
        {
            Some(
                "Has `migrate` run on this database? `manage migrate` creates the tables; `manage showmigrations` \
                 lists the migrations and which are applied.",
            )
        }
        _ => None,
    }
}

fn refused(message: &str) -> bool {
    ["Connection refused", "could not connect", "No such file or directory", "timed out"]
        .iter()
        .any(|sign| message.contains(sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(sqlstate: &str, message: &str) -> djorm::Error {
        djorm::Error::Database {
            kind: djorm::DatabaseErrorKind::Other,
            sqlstate: Some(sqlstate.into()),
            message: message.into(),
        }
    }

    #[test]
    fn first_day_errors_get_a_next_step_and_others_none() {
        let refused =
            djorm::Error::Connection("could not connect to postgresql://app@db/blog: Connection refused".into());
        assert!(next_step(&refused).is_some_and(|s| s.contains("running")));
        assert!(
            next_step(&database("3D000", "database \"blog\" does not exist")).is_some_and(|s| s.contains("createdb"))
        );
        assert!(next_step(&database("28P01", "password authentication failed")).is_some_and(|s| s.contains("password")));
        assert!(next_step(&database("42P01", "relation \"blog_post\" does not exist"))
            .is_some_and(|s| s.contains("migrate")));
        assert!(next_step(&database("1", "no such table: blog_post")).is_some_and(|s| s.contains("migrate")));
        assert!(next_step(&database("23505", "duplicate key value")).is_none());
        assert!(next_step(&djorm::Error::FieldError("Cannot resolve keyword 'x'".into())).is_none());
    }
}

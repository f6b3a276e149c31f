//! How djorm finds this backend: the `postgres://` and `postgresql://` schemes, Django's
//! `DB_*` settings, a database per test, and `psql` for `dbshell`.

use std::sync::Arc;

use djorm_core::{BackendRegistration, ClientCommand, ConnectOptions, DatabaseParts, Error, Result, TestDatabases};

use crate::backend::PgBackend;

djorm_core::register_backend! {
    BackendRegistration {
        name: "postgresql",
        schemes: &["postgres", "postgresql"],
        features: &crate::FEATURES,
        connect,
        redact,
        from_parts: Some(from_parts),
        default_url: None,
        test_databases: Some(&TEST_DATABASES),
        client: Some(client),
    }
}

fn parse(url: &str) -> Result<tokio_postgres::Config> {
    Ok(crate::tls::parse_url(url)?.0)
}

fn connect(
    url: String,
    options: ConnectOptions,
) -> futures_util::future::BoxFuture<'static, Result<Arc<dyn djorm_core::Backend>>> {
    Box::pin(async move {
        let (config, tls) = crate::tls::parse_url(&url)?;
        let backend = PgBackend::from_config_tls(config, tls, options).await?;
        Ok(Arc::new(backend) as Arc<dyn djorm_core::Backend>)
    })
}

/// `postgresql://user:***@host:port/name`; a password that strayed into another part of a
/// malformed URL is starred there too.
fn redact(url: &str) -> String {
    let Ok(c) = parse(url) else { return "postgresql://(an unparsable URL)".into() };
    let host = c
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let password = if c.get_password().is_some() { ":***" } else { "" };
    let shown = format!(
        "postgresql://{}{password}@{host}:{}/{}",
        c.get_user().unwrap_or(""),
        c.get_ports().first().copied().unwrap_or(5432),
        c.get_dbname().unwrap_or("")
    );
    match c.get_password().map(String::from_utf8_lossy).filter(|p| !p.is_empty()) {
        Some(secret) => shown.replace(&*secret, "***"),
        None => shown,
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for b in part.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Django's `DB_*` settings as a URL (host `localhost`, port 5432 by default).
fn from_parts(parts: &DatabaseParts) -> Result<String> {
    let port = parts.port.as_deref().unwrap_or("5432");
    port.parse::<u16>().map_err(|_| Error::Config(format!("DB_PORT is not a port number: {}", port.escape_debug())))?;
    let credentials = match (&parts.user, &parts.password) {
        (Some(user), Some(password)) => format!("{}:{}@", encode(user), encode(password)),
        (Some(user), None) => format!("{}@", encode(user)),
        (None, Some(password)) => format!(":{}@", encode(password)),
        (None, None) => String::new(),
    };
    let host = parts.host.as_deref().unwrap_or("localhost");
    Ok(format!("postgresql://{credentials}{}:{port}/{}", encode(host), encode(&parts.name)))
}

static TEST_DATABASES: TestDatabases = TestDatabases {
    admin_url_var: "DJORM_TEST_POSTGRES_URL",
    default_admin_url: "postgres://root@127.0.0.1:5432/test",
    create: create_test_database,
    drop: drop_test_database,
    unreachable_hint: "Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
                       or point DJORM_TEST_POSTGRES_URL at a server where this role may create databases.",
};

fn create_test_database(admin_url: String, name: String) -> futures_util::future::BoxFuture<'static, Result<String>> {
    Box::pin(async move {
        crate::creation::create_database(&admin_url, &name).await?;
        let (base, _) = admin_url
            .rsplit_once('/')
            .ok_or_else(|| Error::Config("the test server's URL needs a database name: postgres://host/db".into()))?;
        Ok(format!("{base}/{name}"))
    })
}

/// Drops the database on a runtime of its own on another thread: the caller is usually a
/// destructor inside the test's runtime, which cannot block on itself.
fn drop_test_database(admin_url: &str, name: &str) {
    let (admin_url, name) = (admin_url.to_owned(), name.to_owned());
    let dropper = std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            let _ = rt.block_on(crate::creation::drop_database(&admin_url, &name));
        }
    });
    let _ = dropper.join();
}

/// `psql` on the database; a password goes through `PGPASSWORD`, never the command line.
fn client(url: &str) -> Result<ClientCommand> {
    let c = parse(url)?;
    let mut command =
        ClientCommand { program: "psql".into(), package: "postgresql-client", ..ClientCommand::default() };
    if let Some(user) = c.get_user() {
        command.args.extend(["-U".into(), user.into()]);
    }
    if let Some(host) = c.get_hosts().first() {
        command.args.push("-h".into());
        command.args.push(match host {
            tokio_postgres::config::Host::Tcp(h) => h.into(),
            tokio_postgres::config::Host::Unix(path) => path.clone().into_os_string(),
        });
    }
    if let Some(port) = c.get_ports().first() {
        command.args.extend(["-p".into(), port.to_string().into()]);
    }
    if let Some(db) = c.get_dbname() {
        command.args.push(db.into());
    }
    if let Some(password) = c.get_password() {
        command.env.push(("PGPASSWORD".into(), String::from_utf8_lossy(password).into_owned()));
    }
    Ok(command)
}

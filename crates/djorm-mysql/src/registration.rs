//! How djorm finds this backend: the `mysql://` and `mariadb://` schemes, Django's `DB_*`
//! settings, a database per test, and the `mariadb` client for `dbshell`.

use std::sync::Arc;

use djorm_core::{BackendRegistration, ClientCommand, ConnectOptions, DatabaseParts, Error, Result, TestDatabases};
use mysql_async::{Opts, OptsBuilder, PoolConstraints, PoolOpts};

use crate::backend::MySqlBackend;

djorm_core::register_backend! {
    BackendRegistration {
        name: "mysql",
        schemes: &["mysql", "mariadb"],
        features: &crate::FEATURES,
        connect,
        redact,
        from_parts: Some(from_parts),
        default_url: None,
        test_databases: Some(&TEST_DATABASES),
        client: Some(client),
    }
}

/// The driver's options for `url`; `mariadb://` is read as `mysql://`. `connect_timeout`,
/// which djorm's settings left in the URL for drivers that take it, is djorm's alone here.
///
/// TLS takes the driver's parameters (`require_ssl=true`, `verify_ca`, `verify_identity`,
/// `built_in_roots`) and `ssl_ca=/path/ca.pem` (Django's `OPTIONS["ssl"]["ca"]`): the CA that
/// signed the server's certificate, which turns TLS on.
fn parse(url: &str) -> Result<Opts> {
    let url = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_owned(),
    };
    let mut ssl_ca = None;
    let url = match url.split_once('?') {
        Some((base, query)) => {
            let mut kept: Vec<&str> = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("connect_timeout", _)) => {}
                    Some(("ssl_ca", path)) => ssl_ca = Some(percent_decode(path)),
                    _ => kept.push(pair),
                }
            }
            if kept.is_empty() {
                base.to_owned()
            } else {
                format!("{base}?{}", kept.join("&"))
            }
        }
        None => url,
    };
    let opts = driver_opts(&url)?;
    Ok(match ssl_ca {
        Some(path) => {
            let ssl = opts.ssl_opts().cloned().unwrap_or_default();
            let ssl = ssl.with_root_certs(vec![std::path::PathBuf::from(path).into()]);
            OptsBuilder::from_opts(opts).ssl_opts(ssl).into()
        }
        None => opts,
    })
}

/// `%XX` escapes of a URL parameter read back (a path with spaces, say).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The driver's own reading of a `mysql://` URL.
fn driver_opts(url: &str) -> Result<Opts> {
    // The driver's error would repeat the URL, password and all.
    Opts::from_url(url).map_err(|e| {
        let reason = match e {
            mysql_async::UrlError::UnknownParameter { param } => format!("unknown parameter {param}"),
            mysql_async::UrlError::UnsupportedScheme { scheme } => format!("unsupported scheme {scheme}"),
            _ => "not a valid URL".to_owned(),
        };
        Error::Config(format!("{}: {reason}", redact(url)))
    })
}

/// How long an idle connection is kept when no `idle_timeout` is set: as good as forever.
const KEEP_IDLE: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 24 * 3600);

fn connect(
    url: String,
    options: ConnectOptions,
) -> futures_util::future::BoxFuture<'static, Result<Arc<dyn djorm_core::Backend>>> {
    Box::pin(async move {
        let opts = parse(&url)?;
        let size = options.pool_size.max(1);
        let constraints = PoolConstraints::new(options.min_idle.min(size), size)
            .ok_or_else(|| Error::Config("min_idle must not exceed pool_size".into()))?;
        // The driver closes a returned connection at once beyond `min_idle` unless idle ones
        // may live a while: without idle_timeout they live as long as they work.
        let idle = options.idle_timeout.unwrap_or(KEEP_IDLE);
        let pool_opts = PoolOpts::default()
            .with_constraints(constraints)
            // Session settings stay as `init` set them: no reset round trip per checkout.
            .with_reset_connection(false)
            .with_abs_conn_ttl(options.conn_max_age.filter(|age| !age.is_zero()))
            .with_inactive_connection_ttl(idle);
        let builder = OptsBuilder::from_opts(opts)
            .pool_opts(pool_opts)
            .init(crate::session::init_statements(&options))
            .stmt_cache_size(256usize)
            .prefer_socket(false);
        let backend = MySqlBackend::new(builder.into(), options, redact(&url));
        // Connect once now, so a wrong URL, a server that is down or one djorm cannot serve
        // fails here, clearly.
        backend.check_server().await?;
        Ok(Arc::new(backend) as Arc<dyn djorm_core::Backend>)
    })
}

/// `mysql://user:***@host:port/name`.
fn redact(url: &str) -> String {
    let scheme = if url.starts_with("mariadb://") { "mariadb" } else { "mysql" };
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let (credentials, host) = match authority.rsplit_once('@') {
        Some((credentials, host)) => (Some(credentials), host),
        None => (None, authority),
    };
    let user = match credentials {
        Some(c) => match c.split_once(':') {
            Some((user, _)) => format!("{user}:***@"),
            None => format!("{c}@"),
        },
        None => String::new(),
    };
    format!("{scheme}://{user}{host}/{path}")
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

/// Django's `DB_*` settings as a URL (host `localhost`, port 3306 by default).
fn from_parts(parts: &DatabaseParts) -> Result<String> {
    let port = parts.port.as_deref().unwrap_or("3306");
    port.parse::<u16>().map_err(|_| Error::Config(format!("DB_PORT is not a port number: {}", port.escape_debug())))?;
    let credentials = match (&parts.user, &parts.password) {
        (Some(user), Some(password)) => format!("{}:{}@", encode(user), encode(password)),
        (Some(user), None) => format!("{}@", encode(user)),
        (None, Some(password)) => format!(":{}@", encode(password)),
        (None, None) => String::new(),
    };
    let host = parts.host.as_deref().unwrap_or("localhost");
    Ok(format!("mysql://{credentials}{}:{port}/{}", encode(host), encode(&parts.name)))
}

static TEST_DATABASES: TestDatabases = TestDatabases {
    admin_url_var: "DJORM_TEST_MYSQL_URL",
    default_admin_url: "mysql://root@127.0.0.1:3306/test",
    create: create_test_database,
    drop: drop_test_database,
    unreachable_hint: "Start MariaDB (`service mariadb start`), or point DJORM_TEST_MYSQL_URL at a server where \
                       this user may create databases.",
};

fn create_test_database(admin_url: String, name: String) -> futures_util::future::BoxFuture<'static, Result<String>> {
    Box::pin(async move {
        crate::creation::create_database(&admin_url, &name).await?;
        let (base, _) = admin_url
            .rsplit_once('/')
            .ok_or_else(|| Error::Config("the test server's URL needs a database name: mysql://host/db".into()))?;
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

/// `mariadb` on the database; a password goes through `MYSQL_PWD`, never the command line
/// (Django's `client.py` does the same).
fn client(url: &str) -> Result<ClientCommand> {
    let opts = parse(url)?;
    let mut command =
        ClientCommand { program: "mariadb".into(), package: "mariadb-client", ..ClientCommand::default() };
    if let Some(user) = opts.user() {
        command.args.push(format!("--user={user}").into());
    }
    command.args.push(format!("--host={}", opts.ip_or_hostname()).into());
    command.args.push(format!("--port={}", opts.tcp_port()).into());
    if let Some(db) = opts.db_name() {
        command.args.push(db.into());
    }
    if let Some(password) = opts.pass() {
        command.env.push(("MYSQL_PWD".into(), password.to_owned()));
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbshell_passes_the_password_through_the_environment_never_argv() {
        let command = client("mariadb://shop:s3cr%3At@db.internal:3307/orders").expect("a client");
        assert_eq!(command.program, "mariadb");
        let args: Vec<String> = command.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args, ["--user=shop", "--host=db.internal", "--port=3307", "orders"]);
        assert!(!args.iter().any(|a| a.contains("s3cr")), "{args:?}");
        assert_eq!(command.env, [("MYSQL_PWD".to_owned(), "s3cr:t".to_owned())]);
    }

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(redact("mysql://shop:s3cret@db:3306/orders?pool_size=4"), "mysql://shop:***@db:3306/orders");
        assert_eq!(redact("mariadb://db/orders"), "mariadb://db/orders");
        let err = parse("mysql://shop:s3cret@db/orders?no_such_option=1").expect_err("unknown option");
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn django_settings_become_a_url() {
        let parts = DatabaseParts {
            name: "orders".into(),
            user: Some("shop".into()),
            password: Some("p@ss".into()),
            host: None,
            port: None,
        };
        assert_eq!(from_parts(&parts).expect("url"), "mysql://shop:p%40ss@localhost:3306/orders");
    }
}

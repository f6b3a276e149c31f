//! TLS to PostgreSQL in libpq's terms (`sslmode`, `sslrootcert`, `sslcert`/`sslkey`), against a
//! server the test starts with `ssl = on`, a certificate for `localhost` signed by a CA the test
//! generates, and only `hostssl` lines in pg_hba.conf (plus one that authenticates `certuser` by
//! client certificate).

#[path = "common/pg_server.rs"]
mod pg_server;

use djorm::prelude::*;
use djorm::ValueKind;
use pg_server::{PgServer, CERTIFICATES};

fn start() -> PgServer {
    let server = PgServer::start(
        "tls",
        CERTIFICATES,
        "ssl = on\nssl_cert_file = '../certs/server.crt'\nssl_key_file = '../certs/server.key'\n\
         ssl_ca_file = '../certs/ca.crt'",
        "hostssl all certuser 127.0.0.1/32 cert\nhostssl all all 127.0.0.1/32 trust",
    );
    server.psql("CREATE ROLE certuser LOGIN");
    server
}

/// Whether the session of `db` is encrypted, by the server's own account.
async fn encrypted(db: &Db) -> bool {
    let sql =
        djorm::sql::Compiled { sql: "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()".into(), params: vec![] };
    let rows = db.fetch(&sql, &[ValueKind::Bool]).await.expect("pg_stat_ssl");
    rows.values == [Value::Bool(true)]
}

async fn refused(url: &str) -> String {
    match djorm::connect(url).await {
        Ok(_) => panic!("connected to {url}"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_modes_connect_verify_and_refuse_as_libpq_does() {
    let server = start();
    let (port, ca, other) = (server.port, server.path("certs/ca.crt"), server.path("certs/other.crt"));
    let url = |host: &str, user: &str, params: &str| format!("postgres://{user}@{host}:{port}/postgres?{params}");

    // verify-full: the chain reaches the CA and the certificate names the host.
    let db = djorm::connect(&url("localhost", "root", &format!("sslmode=verify-full&sslrootcert={ca}")))
        .await
        .expect("verify-full connects");
    assert!(encrypted(&db).await);

    // The certificate names localhost, not 127.0.0.1: verify-full refuses, verify-ca accepts.
    let wrong_name = refused(&url("127.0.0.1", "root", &format!("sslmode=verify-full&sslrootcert={ca}"))).await;
    assert!(wrong_name.contains("certificate") && wrong_name.contains("sslmode is verify-full"), "{wrong_name}");
    assert!(!wrong_name.contains("secret"), "{wrong_name}");
    let db = djorm::connect(&url("127.0.0.1", "root", &format!("sslmode=verify-ca&sslrootcert={ca}")))
        .await
        .expect("verify-ca ignores the name");
    assert!(encrypted(&db).await);

    // A CA that did not sign the server's certificate is refused.
    let unknown_ca = refused(&url("localhost", "root", &format!("sslmode=verify-full&sslrootcert={other}"))).await;
    assert!(unknown_ca.contains("UnknownIssuer"), "{unknown_ca}");

    // require: encrypted without checking whom (libpq's meaning).
    let db = djorm::connect(&url("127.0.0.1", "root", "sslmode=require")).await.expect("require connects");
    assert!(encrypted(&db).await);

    // Plain text, explicitly or by the loopback default, meets only hostssl lines: refused, and
    // the error names the setting.
    for params in ["sslmode=disable", ""] {
        let plain = refused(&url("127.0.0.1", "root", params)).await;
        assert!(plain.contains("no encryption") && plain.contains("set sslmode"), "{params}: {plain}");
    }

    // A role authenticated by client certificate: with sslcert/sslkey it connects, without them
    // the server refuses it.
    let client = format!(
        "sslmode=verify-full&sslrootcert={ca}&sslcert={}&sslkey={}",
        server.path("certs/client.crt"),
        server.path("certs/client.key")
    );
    let db = djorm::connect(&url("localhost", "certuser", &client)).await.expect("the client certificate is accepted");
    assert!(encrypted(&db).await);
    let no_cert = refused(&url("localhost", "certuser", &format!("sslmode=verify-full&sslrootcert={ca}"))).await;
    assert!(no_cert.contains("certificate"), "{no_cert}");
}

/// A statement whose future is dropped is cancelled on a server that accepts only TLS: the
/// cancel request goes over TLS too, to the host by its name (the certificate's), and the
/// server stops the statement instead of letting it run on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_statement_is_cancelled_over_tls() {
    let server = start();
    let ca = server.path("certs/ca.crt");
    let url = format!("postgres://root@localhost:{}/postgres?sslmode=verify-full&sslrootcert={ca}", server.port);
    let db = djorm::connect(&url).await.expect("verify-full connects");
    let sleeping = djorm::sql::Compiled { sql: "SELECT 1 AS djorm_tls_sleep FROM pg_sleep(30)".into(), params: vec![] };
    let outcome =
        tokio::time::timeout(std::time::Duration::from_millis(500), db.fetch(&sleeping, &[ValueKind::I64])).await;
    assert!(outcome.is_err(), "the sleep cannot finish in half a second");

    let watcher = djorm::connect(&url).await.expect("a second pool");
    let watch = djorm::sql::Compiled {
        sql: "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%djorm_tls_sleep%' \
              AND pid <> pg_backend_pid()"
            .into(),
        params: vec![],
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let rows = watcher.fetch(&watch, &[ValueKind::I64]).await.expect("pg_stat_activity");
        if rows.values == [Value::I64(0)] {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the dropped statement still runs after 5 s: not cancelled");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

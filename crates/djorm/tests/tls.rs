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

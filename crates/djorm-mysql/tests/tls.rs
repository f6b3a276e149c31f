//! TLS to MariaDB through rustls: a server of the test's own (Debian's mariadb-server, on a free
//! loopback port) that refuses connections without TLS; djorm reaches it with the CA that
//! signed its certificate, is refused without TLS, and refuses a certificate another CA signed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use djorm::prelude::*;
use djorm_mysql as _;

/// A TLS-only MariaDB server, stopped and removed when dropped.
struct TlsServer {
    dir: PathBuf,
    port: u16,
    child: Child,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const CERTS: &str = r#"
set -e
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 2 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
ca ca "djorm test CA"
ca other "another CA"
key server.key
openssl req -new -key server.key -out server.csr -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext 2>/dev/null
"#;

fn run(command: &mut Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: could not start it ({e}); install {what}'s package"));
    assert!(out.status.success(), "{what} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port()
}

fn start() -> TlsServer {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("djorm-mariadb-tls-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).expect("dir");
    run(Command::new("bash").arg("-c").arg(CERTS).current_dir(&dir), "openssl");
    let user = if is_root() { "root".to_owned() } else { std::env::var("USER").unwrap_or_default() };
    run(
        Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--user={user}"))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]),
        "mariadb-install-db (mariadb-server)",
    );
    let port = free_port();
    let path = |name: &str| dir.join(name).display().to_string();
    let child = Command::new("mariadbd")
        .arg("--no-defaults")
        .arg(format!("--datadir={}", path("data")))
        .arg(format!("--user={user}"))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--socket={}", path("sock")))
        .arg(format!("--pid-file={}", path("pid")))
        .arg(format!("--ssl-ca={}", path("ca.crt")))
        .arg(format!("--ssl-cert={}", path("server.crt")))
        .arg(format!("--ssl-key={}", path("server.key")))
        .args(["--require-secure-transport=ON", "--skip-name-resolve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mariadbd (mariadb-server) starts");
    let server = TlsServer { dir, port, child };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the TLS MariaDB did not listen within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn url(server: &TlsServer, query: &str) -> String {
    format!("mysql://root@127.0.0.1:{}/mysql{query}", server.port)
}

fn ca(server: &TlsServer, name: &str) -> String {
    Path::new(&server.dir).join(name).display().to_string()
}

#[tokio::test]
async fn a_tls_only_server_is_reached_with_its_ca_and_refused_otherwise() {
    let server = start();
    let secure = url(&server, &format!("?ssl_ca={}&connect_timeout=10s", ca(&server, "ca.crt")));
    let mut connected = None;
    for _ in 0..50 {
        match djorm::connect(&secure).await {
            Ok(db) => {
                connected = Some(db);
                break;
            }
            // The server may still be starting its InnoDB.
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let db = connected.expect("djorm reaches the TLS-only server with its CA");
    let cipher = djorm::sql::Compiled { sql: "SHOW SESSION STATUS LIKE 'Ssl_cipher'".into(), params: vec![] };
    let rows = db.fetch(&cipher, &[djorm::ValueKind::String, djorm::ValueKind::String]).await.expect("status");
    let cipher = rows.values.get(1).and_then(Value::as_str).unwrap_or_default().to_owned();
    assert!(cipher.starts_with("TLS_") || cipher.contains("AES") || cipher.contains("CHACHA"), "{cipher:?}");

    // Without TLS the server refuses the connection.
    let plain = djorm::connect(&url(&server, "?connect_timeout=5s")).await;
    assert!(plain.is_err(), "a plain connection to a TLS-only server");

    // A certificate another CA signed is refused by djorm.
    let wrong =
        djorm::connect(&url(&server, &format!("?ssl_ca={}&connect_timeout=5s", ca(&server, "other.crt")))).await;
    let err = wrong.expect_err("the server's certificate is not signed by this CA");
    assert!(!err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
}

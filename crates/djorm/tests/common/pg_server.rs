//! A PostgreSQL server of a test's own, from Debian's packages: a new cluster (`initdb`) on a free
//! loopback port with the configuration the test needs, started with `pg_ctl` and stopped (and
//! its directory removed) when the value is dropped. `initdb` and `pg_ctl` refuse to run as root,
//! so as root every step runs as the `postgres` user (`runuser`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running server of a test's own.
pub struct PgServer {
    /// The cluster's directory (data, certificates, socket, log).
    pub dir: PathBuf,
    /// Its loopback port.
    pub port: u16,
}

fn as_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a shell script as the server's owner, panicking with its output when it fails.
fn run(script: &str) {
    let output = if as_root() {
        Command::new("runuser").args(["-u", "postgres", "--", "bash", "-euc", script]).output()
    } else {
        Command::new("bash").args(["-euc", script]).output()
    }
    .expect("run a shell");
    assert!(
        output.status.success(),
        "{script}\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Starts the cluster in `dir/data` (logging to `dir/log`) and waits until it accepts
/// connections.
fn started(dir: PathBuf, port: u16) -> PgServer {
    run(&format!(
        "'{bin}/pg_ctl' -D '{dir}/data' -l '{dir}/log' -w -t 60 start >/dev/null",
        bin = bin_dir().display(),
        dir = dir.display()
    ));
    PgServer { dir, port }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// The directory of Debian's server binaries (`initdb`, `pg_ctl`).
fn bin_dir() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> =
        std::fs::read_dir(root).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
    versions.sort();
    versions.pop().map(|v| v.join("bin")).unwrap_or_else(|| PathBuf::from("/usr/bin"))
}

impl PgServer {
    /// Creates a cluster whose superuser is `root` (trusted on its socket), lets `prepare` run as
    /// the owner inside the cluster's directory before the server starts (certificates), appends
    /// `conf` to postgresql.conf, replaces pg_hba.conf with `hba`, and starts it.
    pub fn start(tag: &str, prepare: &str, conf: &str, hba: &str) -> PgServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("djorm-pg-{tag}-{}-{port}", std::process::id()));
        let bin = bin_dir();
        let data = dir.join("data");
        run(&format!("mkdir -p '{d}' && chmod 700 '{d}'", d = dir.display()));
        run(&format!(
            "'{bin}/initdb' -D '{data}' -U root -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null",
            bin = bin.display(),
            data = data.display()
        ));
        run(&format!("cd '{}' && {prepare}", dir.display()));
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\nfsync = off\n\
             max_connections = 40\nshared_buffers = 16MB\n{conf}\n",
            dir = dir.display()
        );
        run(&format!(
            "cat >> '{data}/postgresql.conf' <<'EOF'\n{conf}EOF\ncat > '{data}/pg_hba.conf' <<'EOF'\nlocal all all trust\n{hba}\nEOF",
            data = data.display()
        ));
        started(dir, port)
    }

    /// A streaming replica of `primary` (which must allow replication connections from the
    /// loopback): a base backup with `-R` (standby.signal and the primary's address), its own
    /// port and socket, started, and answering read-only queries.
    pub fn replica_of(primary: &PgServer, tag: &str) -> PgServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("djorm-pg-{tag}-{}-{port}", std::process::id()));
        let bin = bin_dir();
        let data = dir.join("data");
        run(&format!("mkdir -p '{d}' && chmod 700 '{d}'", d = dir.display()));
        run(&format!(
            "'{bin}/pg_basebackup' -h 127.0.0.1 -p {primary} -U root -D '{data}' -R -X stream --no-sync >/dev/null",
            bin = bin.display(),
            primary = primary.port,
            data = data.display()
        ));
        // Later lines win: the copied configuration keeps the primary's port and socket.
        run(&format!(
            "printf \"port = {port}\\nunix_socket_directories = '{dir}'\\n\" >> '{data}/postgresql.conf'",
            dir = dir.display(),
            data = data.display()
        ));
        started(dir, port)
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`).
    pub fn crash(&self) {
        run(&format!(
            "'{}/pg_ctl' -D '{}/data' -m immediate -w stop >/dev/null",
            bin_dir().display(),
            self.dir.display()
        ));
    }

    /// Promotes a replica to a primary that accepts writes (`pg_ctl promote`, waiting for it).
    pub fn promote(&self) {
        run(&format!("'{}/pg_ctl' -D '{}/data' -w -t 60 promote >/dev/null", bin_dir().display(), self.dir.display()));
    }

    /// A file in the cluster's directory.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Runs SQL as `root` over the server's socket.
    pub fn psql(&self, sql: &str) {
        run(&format!(
            "psql -q -h '{dir}' -p {port} -U root -d postgres -v ON_ERROR_STOP=1 -c \"{sql}\" >/dev/null",
            dir = self.dir.display(),
            port = self.port
        ));
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let bin = bin_dir();
        let script = format!(
            "'{bin}/pg_ctl' -D '{dir}/data' -m immediate -w stop >/dev/null 2>&1 || true; rm -rf '{dir}'",
            bin = bin.display(),
            dir = self.dir.display()
        );
        let _ = if as_root() {
            Command::new("runuser").args(["-u", "postgres", "--", "bash", "-c", &script]).output()
        } else {
            Command::new("bash").args(["-c", &script]).output()
        };
    }
}

/// Generates, in `certs/`, a test CA (`ca.crt`), a server certificate for `localhost` only
/// signed by it (`server.crt`/`server.key`), a client certificate for the role `certuser`
/// (`client.crt`/`client.key`) and a second, unrelated CA (`other.crt`) — a shell script for
/// [`PgServer::start`]'s `prepare`.
pub const CERTIFICATES: &str = r#"
mkdir -p certs && cd certs
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj "/CN=djorm test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
key other.key
openssl req -x509 -new -key other.key -out other.crt -days 2 -subj "/CN=another CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf() { # name, subject, extensions
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "$2"
  printf '%b' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
}
leaf server "/CN=localhost" "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
leaf client "/CN=certuser" "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
chmod 600 *.key
chmod 644 client.key
"#;

//! A pgbouncer of a test's own, from Debian's package, in transaction pooling mode in front of
//! the local PostgreSQL (127.0.0.1:5432, every database by the same name), on a free loopback
//! port; stopped when dropped. pgbouncer refuses to run as root, so as root it runs as the
//! `postgres` user.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// A running pgbouncer.
pub struct PgBouncer {
    dir: PathBuf,
    /// Its loopback port.
    pub port: u16,
}

fn as_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn sh(script: &str) -> std::process::Output {
    if as_root() {
        Command::new("runuser").args(["-u", "postgres", "--", "bash", "-euc", script]).output()
    } else {
        Command::new("bash").args(["-euc", script]).output()
    }
    .expect("run a shell")
}

impl PgBouncer {
    /// Starts pgbouncer with `pool_size` server connections per database and user, in
    /// transaction mode; the role `root` is trusted, as on the local server.
    pub fn start(pool_size: usize) -> PgBouncer {
        let installed =
            Command::new("sh").args(["-c", "command -v pgbouncer"]).output().is_ok_and(|o| o.status.success());
        assert!(installed, "this test needs pgbouncer: install Debian's pgbouncer package (.ci/run does)");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("addr").port();
        let dir = std::env::temp_dir().join(format!("djorm-pgbouncer-{}-{port}", std::process::id()));
        let d = dir.display();
        let ini = format!(
            "[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
             unix_socket_dir =\nauth_type = trust\nauth_file = {d}/users.txt\npool_mode = transaction\n\
             default_pool_size = {pool_size}\nmax_client_conn = 400\npidfile = {d}/pgbouncer.pid\n\
             logfile = {d}/pgbouncer.log\n"
        );
        let script = format!(
            "mkdir -p '{d}' && cd '{d}' && printf '%s\\n' '\"root\" \"\"' > users.txt && printf '%s' '{ini}' > pgbouncer.ini \
             && pgbouncer -d pgbouncer.ini"
        );
        let out = sh(&script);
        assert!(out.status.success(), "pgbouncer did not start: {}", String::from_utf8_lossy(&out.stderr));
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return PgBouncer { dir, port };
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!(
            "pgbouncer did not listen on {port}: {}",
            std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default()
        );
    }

    /// A URL for `database` through pgbouncer.
    pub fn url(&self, database: &str, params: &str) -> String {
        format!("postgres://root@127.0.0.1:{}/{database}{params}", self.port)
    }

    /// What pgbouncer logged so far (a crash's FATAL line ends it).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let d = self.dir.display();
        let _ = sh(&format!("kill $(cat '{d}/pgbouncer.pid') 2>/dev/null || true; sleep 0.2; rm -rf '{d}'"));
    }
}

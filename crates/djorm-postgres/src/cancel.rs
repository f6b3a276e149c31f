//! Cancel requests that wait for the server to act on them, as libpq's do.
//!
//! tokio-postgres closes a cancel request's socket as soon as the request is written. libpq
//! instead waits for the server to close it, which is how the server says it has acted on the
//! request. Closing first races whoever serves the request: PgBouncer 1.18 (the package of
//! Debian 12 and Ubuntu 22.04) then frees the cancel's client twice and exits ("FATAL in
//! disconnect_client(): bad client state: 0", pgbouncer#801, fixed in 1.20), dropping every
//! connection that goes through it. So the request is sent on a socket opened here, and the
//! socket's shutdown first reads until the server closes its side.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::Host;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{CancelToken, Config, NoTls};

use crate::tls::Tls;

/// What cancelling a connection's running statement needs: its cancel key, where the server
/// is, and the TLS the connection uses (a server that accepts only TLS refuses a plain cancel).
pub(crate) struct Canceller {
    pub(crate) token: CancelToken,
    pub(crate) config: Arc<Config>,
    pub(crate) tls: Tls,
}

impl Canceller {
    /// Asks the server to cancel the statement, and waits until it has acted on the request.
    /// A list of hosts gets the request at each reachable one in turn (which one the
    /// connection chose is not known; a key a server does not know is ignored).
    pub(crate) async fn cancel(self) {
        let ports = self.config.get_ports();
        for (index, host) in self.config.get_hosts().iter().enumerate() {
            let port = ports.get(index).or(ports.first()).copied().unwrap_or(5432);
            let address = self.config.get_hostaddrs().get(index).copied();
            let Ok(socket) = Socket::open(host, address, port).await else { continue };
            let stream = AwaitsClose(socket);
            let _ = match (&self.tls, host) {
                (Tls::Rustls(connector, _), Host::Tcp(name)) => {
                    let Ok(tls) = MakeTlsConnect::<AwaitsClose>::make_tls_connect(&mut connector.clone(), name) else {
                        continue;
                    };
                    self.token.cancel_query_raw(stream, tls).await
                }
                _ => self.token.cancel_query_raw(stream, NoTls).await,
            };
        }
    }
}

/// The socket a cancel request goes over.
enum Socket {
    Tcp(tokio::net::TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

impl Socket {
    async fn open(host: &Host, address: Option<std::net::IpAddr>, port: u16) -> io::Result<Socket> {
        match (host, address) {
            (_, Some(address)) => Ok(Socket::Tcp(tokio::net::TcpStream::connect((address, port)).await?)),
            (Host::Tcp(name), None) => Ok(Socket::Tcp(tokio::net::TcpStream::connect((name.as_str(), port)).await?)),
            #[cfg(unix)]
            (Host::Unix(dir), None) => {
                Ok(Socket::Unix(tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).await?))
            }
        }
    }
}

/// A socket whose shutdown waits for the peer to close first (reading, and dropping, what it
/// sends until then).
struct AwaitsClose(Socket);

impl AsyncRead for AwaitsClose {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match &mut self.0 {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for AwaitsClose {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &mut self.0 {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.0 {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut scratch = [0u8; 64];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            match std::task::ready!(self.as_mut().poll_read(cx, &mut buf)) {
                Ok(()) if buf.filled().is_empty() => break,
                Ok(()) => continue,
                Err(_) => break,
            }
        }
        match &mut self.0 {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

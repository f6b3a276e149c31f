//! A loopback TCP proxy between djorm and a real server, for fault injection: it passes
//! bytes through, stalls them (sockets stay open, nothing moves), blackholes new connections
//! (accepted, never answered) or cuts every open connection.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const PASS: u8 = 0;
const STALL: u8 = 1;
const BLACKHOLE: u8 = 2;

/// The proxy; dropping it closes every connection through it.
pub struct FaultProxy {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let mode = Arc::new(AtomicU8::new(PASS));
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::new(Mutex::new(Vec::new()));
        let (m, t) = (mode.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = m.clone();
                let task = tokio::spawn(async move {
                    if mode.load(Ordering::SeqCst) == BLACKHOLE {
                        // Accepted, never answered: hold the socket until cut.
                        let _held = client;
                        return std::future::pending::<()>().await;
                    }
                    let Ok(server) = TcpStream::connect(upstream).await else { return };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    // Both directions in this task: aborting it closes both sockets.
                    tokio::select! {
                        _ = pump(client_read, server_write, mode.clone()) => (),
                        _ = pump(server_read, client_write, mode) => (),
                    }
                });
                t.lock().expect("tasks").push(task);
            }
        });
        FaultProxy { addr, mode, tasks, accept }
    }

    /// The port to connect to instead of the server's.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Bytes flow again (and new connections are forwarded).
    pub fn pass(&self) {
        self.mode.store(PASS, Ordering::SeqCst);
    }

    /// Nothing moves in either direction on any connection; sockets stay open.
    pub fn stall(&self) {
        self.mode.store(STALL, Ordering::SeqCst);
    }

    /// New connections are accepted and never answered (and open ones stall).
    pub fn blackhole(&self) {
        self.mode.store(BLACKHOLE, Ordering::SeqCst);
    }

    /// Closes every open connection at once, as a network cut or a restarted server would.
    pub fn cut(&self) {
        for task in self.tasks.lock().expect("tasks").drain(..) {
            task.abort();
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn pump(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, mode: Arc<AtomicU8>) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        while mode.load(Ordering::SeqCst) != PASS {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while mode.load(Ordering::SeqCst) != PASS {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

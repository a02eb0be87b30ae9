//! The echo delay server the `echo` workload talks to: tokio on its own
//! thread, on 127.0.0.1 at an ephemeral port, one task per connection, so
//! thousands of clients can wait on it at once.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread::JoinHandle;
use std::time::Duration;

use cvp_workloads::echo::{parse_header, reply_for, HEADER_LEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;

use crate::Error;

/// Connections the listener queues before accepting them. The models open
/// hundreds of connections at once; the usual default backlog of 128 would
/// drop SYNs and add a one-second retransmission to some of them.
const BACKLOG: u32 = 4096;

/// A running echo server; stopped when dropped.
///
/// ```
/// let server = cvp_compare::EchoServer::start()?;
/// assert!(server.addr().ip().is_loopback());
/// # Ok::<(), cvp_compare::Error>(())
/// ```
#[derive(Debug)]
pub struct EchoServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EchoServer {
    /// Starts a server on 127.0.0.1 at an ephemeral port.
    pub fn start() -> Result<Self, Error> {
        let err = |e: io::Error| Error::Server(e.to_string());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(err)?;
        let listener = rt
            .block_on(async {
                let socket = TcpSocket::new_v4()?;
                socket.set_reuseaddr(true)?;
                socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
                socket.listen(BACKLOG)
            })
            .map_err(err)?;
        let addr = listener.local_addr().map_err(err)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("cvp-echo-server".into())
            .spawn(move || {
                rt.block_on(async move {
                    let accept = async {
                        loop {
                            match listener.accept().await {
                                Ok((stream, _)) => {
                                    tokio::spawn(serve(stream));
                                }
                                // Out of descriptors, say: back off, go on.
                                Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
                            }
                        }
                    };
                    tokio::select! {
                        _ = stopped => {}
                        _ = accept => {}
                    }
                });
                // Dropping the runtime here cancels every open connection.
            })
            .map_err(err)?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one connection: requests until the peer closes, each answered
/// after its delay. A malformed request closes the connection.
async fn serve(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    loop {
        let mut head = [0u8; HEADER_LEN];
        if stream.read_exact(&mut head).await.is_err() {
            return;
        }
        let Ok(header) = parse_header(&head) else {
            return;
        };
        let mut payload = vec![0; header.len as usize];
        if stream.read_exact(&mut payload).await.is_err() {
            return;
        }
        tokio::time::sleep(header.delay).await;
        if stream.write_all(&reply_for(&payload)).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use cvp_workloads::echo::{check_reply, encode_request};
    use std::io::{Read, Write};

    #[test]
    fn echoes_after_the_delay() {
        let server = EchoServer::start().unwrap();
        let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
        let t = std::time::Instant::now();
        s.write_all(&encode_request(7, 100, Duration::from_millis(5)))
            .unwrap();
        let mut reply = vec![0; 100];
        s.read_exact(&mut reply).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(5));
        check_reply(7, 100, &reply).unwrap();
    }
}

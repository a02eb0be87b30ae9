//! 2,000 concurrent TCP echo connections over loopback, no byte lost.

use cvp_interleave::{spawn, Runtime, TcpListener, TcpStream};
use futures::{AsyncReadExt, AsyncWriteExt};

async fn echo_server(listener: TcpListener, connections: usize) {
    let mut hs = Vec::new();
    for _ in 0..connections {
        let (s, _) = listener.accept().await.unwrap();
        hs.push(spawn(async move {
            let (mut r, mut w) = (&s, &s);
            futures::io::copy(&mut r, &mut w).await.unwrap();
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
}

async fn client(addr: std::net::SocketAddr, id: usize, len: usize) -> usize {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let msg: Vec<u8> = (0..len).map(|i| (i * 31 + id) as u8).collect();
    let (mut r, mut w) = (&s, &s);
    let writer = async {
        w.write_all(&msg).await.unwrap();
        w.close().await.unwrap();
    };
    let mut back = Vec::new();
    let reader = r.read_to_end(&mut back);
    let ((), n) = futures::join!(writer, reader);
    n.unwrap();
    assert_eq!(back, msg, "connection {id} lost or mangled bytes");
    s.flush().await.unwrap();
    back.len()
}

fn echo(connections: usize, len: usize) {
    let rt = Runtime::new();
    let total = rt
        .block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(echo_server(listener, connections));
            let clients: Vec<_> = (0..connections)
                .map(|id| spawn(client(addr, id, len)))
                .collect();
            let mut total = 0;
            for c in clients {
                total += c.await.unwrap();
            }
            server.await.unwrap();
            total
        })
        .unwrap();
    assert_eq!(total, connections * len);
    assert!(rt.stats().io_events > 0);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri cannot call socket FFI (socket, epoll on sockets)"
)]
fn four_clients_echo_a_thousand_bytes() {
    echo(4, 1000);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri cannot call socket FFI (socket, epoll on sockets)"
)]
fn two_thousand_connections() {
    echo(2000, 4096);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri cannot call socket FFI (socket, epoll on sockets)"
)]
fn large_transfer_exceeds_socket_buffers() {
    echo(2, 4 << 20);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri cannot call socket FFI (socket, epoll on sockets)"
)]
fn connect_refused_is_an_error() {
    let rt = Runtime::new();
    rt.block_on(async {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        assert!(TcpStream::connect(addr).await.is_err());
    })
    .unwrap();
}

/// A read that takes the last bytes and the peer's FIN at once is short; the
/// poller's edge for that FIN was handled before it, and no other edge will
/// come. The next read must still see the end of the stream, not wait for
/// ever.
#[test]
#[cfg_attr(
    miri,
    ignore = "Miri cannot call socket FFI (socket, epoll on sockets)"
)]
fn short_read_with_the_fin_then_sees_the_end() {
    use std::io::Write;
    use std::time::Duration;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    server.write_all(b"last bytes").unwrap();
    server.shutdown(std::net::Shutdown::Write).unwrap();
    let rt = Runtime::new();
    let got = rt
        .block_on(async {
            let mut c = TcpStream::from_std(client).unwrap();
            // Idle long enough for the poller to report the data and the FIN.
            cvp_interleave::sleep(Duration::from_millis(20)).await;
            let mut buf = [0; 1024];
            let n = c.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"last bytes", "one short read takes it all");
            cvp_interleave::timeout(Duration::from_secs(5), c.read(&mut buf))
                .await
                .expect("the read after the FIN waited for an edge that never comes")
                .unwrap()
        })
        .unwrap();
    assert_eq!(got, 0, "end of stream");
    drop(server);
}

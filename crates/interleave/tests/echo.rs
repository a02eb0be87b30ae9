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

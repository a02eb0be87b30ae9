//! TCP readiness: what the reactor must not lose (an edge handled before a
//! short read; sockets while other work stays runnable).

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use cvp_interleave::{spawn, timeout, yield_now, Runtime, TcpListener, TcpStream};
use futures::AsyncReadExt;

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
            timeout(Duration::from_secs(5), c.read(&mut buf))
                .await
                .expect("the read after the FIN waited for an edge that never comes")
                .unwrap()
        })
        .unwrap();
    assert_eq!(got, 0, "end of stream");
    drop(server);
}

/// The `block_on` future yields for ever and a task waits on a socket: the
/// runtime never runs out of work, so it never parks in the poller, and must
/// look at it between polls all the same.
#[test]
#[cfg_attr(
    miri,
    ignore = "Miri cannot call socket FFI (socket, epoll on sockets)"
)]
fn a_main_future_that_keeps_yielding_does_not_starve_sockets() {
    let rt = Runtime::new();
    let listener = rt
        .block_on(async { TcpListener::bind("127.0.0.1:0").unwrap() })
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(b"x").unwrap();
        c
    });
    let served = rt
        .block_on(async move {
            let got = Rc::new(Cell::new(false));
            let flag = got.clone();
            spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut b = [0; 1];
                s.read_exact(&mut b).await.unwrap();
                flag.set(true);
            });
            timeout(Duration::from_secs(5), async {
                while !got.get() {
                    yield_now().await;
                }
            })
            .await
        })
        .unwrap();
    drop(client.join().unwrap());
    served.expect("the socket task was never woken while the main future kept yielding");
}

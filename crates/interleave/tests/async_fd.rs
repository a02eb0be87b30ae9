//! More I/O on the reactor: UDP, Unix stream sockets, and `Async` around
//! any file descriptor.
#![cfg(all(unix, not(miri)))]

use std::net::UdpSocket;
use std::os::unix::net::{UnixDatagram, UnixStream};

use cvp_interleave::{spawn, Async, Runtime};
use futures::{AsyncReadExt, AsyncWriteExt};

#[test]
fn udp_echo_of_many_datagrams() {
    let rt = Runtime::new();
    rt.block_on(async {
        let server = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
        let addr = server.get_ref().local_addr().unwrap();
        spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                server.send_to(&buf[..n], from).await.unwrap();
            }
        });
        let client = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
        client.get_ref().connect(addr).unwrap();
        for i in 0..200u32 {
            let msg = i.to_le_bytes();
            client.send(&msg).await.unwrap();
            let mut buf = [0u8; 16];
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &msg);
        }
    })
    .unwrap();
}

#[test]
fn unix_stream_transfer_larger_than_socket_buffers() {
    let dir = std::env::temp_dir().join(format!("cvp-interleave-unix-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let rt = Runtime::new();
    let path = dir.clone();
    rt.block_on(async move {
        let listener = Async::<std::os::unix::net::UnixListener>::bind(&path).unwrap();
        let server = spawn(async move {
            let mut s = listener.accept().await.unwrap();
            let mut all = Vec::new();
            s.read_to_end(&mut all).await.unwrap();
            s.write_all(&(all.len() as u64).to_le_bytes())
                .await
                .unwrap();
            all
        });
        let mut c = Async::<UnixStream>::connect(&path).unwrap();
        let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
        c.write_all(&data).await.unwrap();
        c.close().await.unwrap();
        let mut len = [0u8; 8];
        c.read_exact(&mut len).await.unwrap();
        assert_eq!(u64::from_le_bytes(len), data.len() as u64);
        assert_eq!(server.await.unwrap(), data);
    })
    .unwrap();
    let _ = std::fs::remove_file(&dir);
}

/// `Async` on a descriptor type it has no special support for: a Unix
/// datagram pair, through `read_with`/`write_with` and `readable`.
#[test]
fn readiness_wrapper_on_any_fd() {
    let rt = Runtime::new();
    rt.block_on(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
        let reader = spawn(async move {
            let mut got = Vec::new();
            for _ in 0..50 {
                b.readable().await.unwrap();
                let mut buf = [0u8; 8];
                let n = b.read_with(|s| s.recv(&mut buf)).await.unwrap();
                got.push(buf[..n].to_vec());
            }
            got
        });
        for i in 0..50u8 {
            a.write_with(|s| s.send(&[i, i])).await.unwrap();
            if i % 7 == 0 {
                cvp_interleave::yield_now().await;
            }
        }
        let got = reader.await.unwrap();
        assert_eq!(got, (0..50u8).map(|i| vec![i, i]).collect::<Vec<_>>());
        // Deregistered, it is a plain descriptor again.
        let a = a.into_inner();
        assert!(a.local_addr().is_ok());
    })
    .unwrap();
}

#[test]
fn outside_a_runtime_is_an_error_not_a_panic() {
    let (a, _b) = UnixStream::pair().unwrap();
    let err = Async::new(a).unwrap_err();
    assert!(err.to_string().contains("need a runtime"), "{err}");
}

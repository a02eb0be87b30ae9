//! hyper 1.x on the interleaver: real requests served, and hyper's
//! header-read timeout (on the runtime's timers) closing an idle connection.
#![cfg(all(feature = "hyper", not(miri)))]

use std::convert::Infallible;
use std::time::Duration;

use cvp_interleave::{spawn, timeout, Runtime, TcpListener, TcpStream};
use futures::{AsyncReadExt, AsyncWriteExt};
use http_body_util::{BodyExt, Full};
use hyper::{body::Bytes, server::conn::http1, service::service_fn, Request, Response};

const IDLE: Duration = Duration::from_millis(300);

async fn echo_path(
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = req
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let out = format!("{} {}", as_text(&body), body.len());
    Ok(Response::new(Full::new(Bytes::from(out))))
}

fn as_text(body: &Bytes) -> &str {
    std::str::from_utf8(body).unwrap_or("?")
}

/// Serves hyper on `listener` forever, each connection with a header-read
/// timeout of `IDLE` on the runtime's timer.
fn serve(listener: TcpListener) {
    spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            spawn(async move {
                let _ = http1::Builder::new()
                    .timer(cvp_interleave::hyper::Timer)
                    .header_read_timeout(IDLE)
                    .serve_connection(stream, service_fn(echo_path))
                    .await;
            });
        }
    });
}

/// Reads one response with a `content-length` body; returns the body.
async fn read_response(c: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = c.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-response: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .expect("content-length")
                .trim()
                .parse()
                .unwrap();
            if buf.len() >= end + 4 + len {
                assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
                return text[end + 4..end + 4 + len].to_string();
            }
        }
    }
}

#[test]
fn serves_keep_alive_requests_with_bodies() {
    let rt = Runtime::new();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        serve(listener);
        let mut clients = Vec::new();
        for c in 0..8 {
            clients.push(spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                for i in 0..20 {
                    let body = format!("c{c}r{i}");
                    let req = format!(
                        "POST / HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    s.write_all(req.as_bytes()).await.unwrap();
                    assert_eq!(
                        read_response(&mut s).await,
                        format!("{body} {}", body.len())
                    );
                }
            }));
        }
        for c in clients {
            c.await.unwrap();
        }
    })
    .unwrap();
}

/// Waits until `conn` is closed by the server; panics after 10 s.
async fn closed(conn: &mut TcpStream, what: &str) {
    let mut buf = Vec::new();
    // hyper may answer a header-read timeout with a 408 before it closes:
    // read to the end either way.
    match timeout(Duration::from_secs(10), conn.read_to_end(&mut buf)).await {
        Ok(_) => {}
        Err(_) => panic!("{what} connection still open after 10 s"),
    }
}

/// An idle connection (one that never sends a byte, and one idle after a
/// request) is closed by hyper once its header-read timeout passes on the
/// runtime's timer, and not before.
#[test]
fn idle_connection_is_closed_after_header_read_timeout() {
    let rt = Runtime::new();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        serve(listener);
        let silent = spawn(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let start = std::time::Instant::now();
            closed(&mut c, "silent").await;
            start.elapsed()
        });
        let used = spawn(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.write_all(b"GET / HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\nhi")
                .await
                .unwrap();
            assert_eq!(read_response(&mut c).await, "hi 2");
            let start = std::time::Instant::now();
            closed(&mut c, "used").await;
            start.elapsed()
        });
        for (what, h) in [("silent", silent), ("used", used)] {
            let open_for = h.await.unwrap();
            // The server's timer started at most a little before ours (its
            // accept, or its response, came first).
            assert!(
                open_for + Duration::from_millis(50) >= IDLE,
                "{what} connection closed after {open_for:?}, before its {IDLE:?} timeout"
            );
        }
    })
    .unwrap();
}

//! The anchor of `hyper_server`: the same hyper server on tokio's
//! current-thread runtime.
//!
//! `cargo run --release -p cvp-interleave --example hyper_tokio -- [PORT] [SECONDS]`
//! serves `hello` on 127.0.0.1:PORT (default 3001) and stops by itself after
//! SECONDS (default 30).

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::Full;
use hyper::{body::Bytes, server::conn::http1, service::service_fn, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .map_or(Ok(3001), |a| a.parse())
        .unwrap_or_else(|_| usage());
    let secs: u64 = args
        .next()
        .map_or(Ok(30), |a| a.parse())
        .unwrap_or_else(|_| usage());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let local = tokio::task::LocalSet::new();
    let _ = local.block_on(&rt, async move {
        tokio::time::timeout(Duration::from_secs(secs), async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .unwrap_or_else(|e| {
                    eprintln!("hyper_tokio: cannot bind 127.0.0.1:{port}: {e}");
                    std::process::exit(2)
                });
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::task::spawn_local(async move {
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(10))
                        .serve_connection(TokioIo::new(stream), service_fn(hello));
                    let _ = conn.await;
                });
            }
        })
        .await
    });
}

fn usage() -> ! {
    eprintln!("usage: hyper_tokio [PORT] [SECONDS]");
    std::process::exit(2)
}

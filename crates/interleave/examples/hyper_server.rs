//! hyper 1.x serving HTTP/1.1 on the interleaver, with hyper's header-read
//! timeout on the runtime's timers.
//!
//! `cargo run --release -p cvp-interleave --features hyper --example hyper_server -- [PORT] [SECONDS]`
//! serves `hello` on 127.0.0.1:PORT (default 3000) and stops by itself after
//! SECONDS (default 30).

use std::convert::Infallible;
use std::time::Duration;

use cvp_interleave::{hyper::Timer, spawn, timeout, Runtime, TcpListener};
use http_body_util::Full;
use hyper::{body::Bytes, server::conn::http1, service::service_fn, Request, Response};

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .map_or(Ok(3000), |a| a.parse())
        .unwrap_or_else(|_| usage());
    let secs: u64 = args
        .next()
        .map_or(Ok(30), |a| a.parse())
        .unwrap_or_else(|_| usage());
    let rt = Runtime::new();
    let served = rt.block_on(timeout(Duration::from_secs(secs), async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| {
            eprintln!("hyper_server: cannot bind 127.0.0.1:{port}: {e}");
            std::process::exit(2)
        });
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            spawn(async move {
                let conn = http1::Builder::new()
                    .timer(Timer)
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(stream, service_fn(hello));
                let _ = conn.await;
            });
        }
    }));
    if let Err(e) = served {
        eprintln!("hyper_server: {e}");
        std::process::exit(1);
    }
}

fn usage() -> ! {
    eprintln!("usage: hyper_server [PORT] [SECONDS]");
    std::process::exit(2)
}

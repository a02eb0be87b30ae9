//! One OS thread per connection (`threads`, `threads-1core`): a blocking
//! accept loop starts a thread for each connection, which reads, parses
//! with httparse, runs the handler and writes, blocking at each step.
//!
//! Where the OS will not start another thread (threads or memory
//! exhausted), the connection is closed and counted as refused, and the
//! server goes on with the ones it has.

use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::handler;
use super::http::{self, Parsed, ReadBuf};
use super::server::{accept_failed, Ctx, Shared, Started, STOP_POLL};
use crate::Error;

/// Stack of a connection thread: the handler needs little, and a small
/// stack lets thousands of connections fit.
const STACK: usize = 128 * 1024;

pub(crate) fn start(listener: TcpListener, ctx: Ctx) -> Result<Started, Error> {
    let accept = std::thread::Builder::new()
        .name("serve-accept".into())
        .spawn(move || accept_loop(&listener, &ctx))
        .map_err(|e| Error::Serve(format!("accept thread: {e}")))?;
    Ok(Started {
        threads: vec![accept],
        wake: None,
    })
}

fn accept_loop(listener: &TcpListener, ctx: &Ctx) {
    while !ctx.shared.stopping() {
        match listener.accept() {
            Ok((stream, _)) => {
                if ctx.shared.stopping() {
                    return;
                }
                ctx.shared.accepted.fetch_add(1, Ordering::Relaxed);
                ctx.shared.live.fetch_add(1, Ordering::SeqCst);
                let conn_ctx = ctx.clone();
                let spawned = std::thread::Builder::new()
                    .name("serve-conn".into())
                    .stack_size(STACK)
                    .spawn(move || {
                        let _live = Live(Arc::clone(&conn_ctx.shared));
                        let _ = serve(stream, &conn_ctx);
                    });
                if let Err(e) = spawned {
                    // The closure (and the stream) were dropped: the client
                    // sees its connection closed.
                    ctx.shared.live.fetch_sub(1, Ordering::SeqCst);
                    ctx.shared.refuse(|| {
                        format!(
                            "no thread for connection {}: {e}",
                            ctx.shared.accepted.load(Ordering::Relaxed)
                        )
                    });
                }
            }
            Err(e) => accept_failed(&ctx.shared, &e),
        }
    }
}

/// Counts a connection thread out when it ends, however it ends.
struct Live(Arc<Shared>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves requests on one connection until the client closes it, a
/// request is bad, or the server stops.
pub(crate) fn serve(mut stream: TcpStream, ctx: &Ctx) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(STOP_POLL))?;
    let mut buf = ReadBuf::default();
    loop {
        match buf.parse() {
            Parsed::Request { id, close, len } => {
                buf.consume(len);
                let (status, body) = handler::blocking(&ctx.mix, id, ctx.backend);
                http::send(&mut stream, &http::response(status, &body, close))?;
                if close {
                    return Ok(());
                }
            }
            Parsed::Bad(status) => {
                let _ = http::send(&mut stream, &http::response(status, "bad request", true));
                return Ok(());
            }
            Parsed::Partial => loop {
                if ctx.shared.stopping() {
                    return Ok(());
                }
                match buf.fill(&mut stream) {
                    Ok(0) => return Ok(()),
                    Ok(_) => break,
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            },
        }
    }
}

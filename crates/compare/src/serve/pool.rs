//! A fixed pool of workers behind a blocking accept loop (`rayon`,
//! `decompose`): the accept thread registers each connection with a
//! readiness poller, and the poller thread hands each connection that has
//! bytes to read to the pool, whose worker reads, parses with httparse,
//! runs the handler (blocking) and writes, then gives the connection back
//! to the poller. At most `threads` requests are in the handler at once.
//! `sequential` is the same server with the poller's thread as the only
//! worker: one request at a time.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use polling::{Event, Events, Poller};

use super::handler;
use super::http::{self, Parsed, ReadBuf};
use super::server::{accept_failed, Ctx, Started, STOP_POLL};
use crate::Error;

/// Runs a job on the pool.
type Dispatch = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

/// A connection between requests.
struct Conn {
    stream: TcpStream,
    buf: ReadBuf,
}

/// The poller and the connections it watches, by key.
struct Ready {
    poller: Poller,
    conns: Mutex<HashMap<usize, Conn>>,
    ctx: Ctx,
}

impl Ready {
    fn conns(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Conn>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes a connection the poller watches.
    fn close(&self, conn: Conn) {
        let _ = self.poller.delete(&conn.stream);
    }
}

pub(crate) fn start_rayon(
    listener: TcpListener,
    ctx: Ctx,
    threads: usize,
) -> Result<Started, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("serve-rayon-{i}"))
        .build()
        .map_err(|e| Error::Serve(format!("rayon pool: {e}")))?;
    let pool = Arc::new(pool);
    start(listener, ctx, Arc::new(move |job| pool.spawn(job)))
}

pub(crate) fn start_decompose(
    listener: TcpListener,
    ctx: Ctx,
    threads: usize,
) -> Result<Started, Error> {
    let pool = cvp_decompose::Pool::builder()
        .num_threads(threads)
        .thread_name(|i| format!("serve-decompose-{i}"))
        .build()
        .map_err(|e| Error::Serve(format!("decompose pool: {e}")))?;
    let pool = Arc::new(pool);
    start(listener, ctx, Arc::new(move |job| pool.spawn(job)))
}

/// `sequential`: the same loops, each ready connection served on the
/// poller's own thread, one request at a time.
pub(crate) fn start_inline(listener: TcpListener, ctx: Ctx) -> Result<Started, Error> {
    start(listener, ctx, Arc::new(|job| job()))
}

fn start(listener: TcpListener, ctx: Ctx, dispatch: Dispatch) -> Result<Started, Error> {
    let err = |e: io::Error| Error::Serve(format!("poller: {e}"));
    let ready = Arc::new(Ready {
        poller: Poller::new().map_err(err)?,
        conns: Mutex::new(HashMap::new()),
        ctx,
    });
    let accept = {
        let ready = Arc::clone(&ready);
        std::thread::Builder::new()
            .name("serve-accept".into())
            .spawn(move || accept_loop(&listener, &ready))
            .map_err(|e| Error::Serve(format!("accept thread: {e}")))?
    };
    let poll = {
        let ready = Arc::clone(&ready);
        std::thread::Builder::new()
            .name("serve-poll".into())
            .spawn(move || poll_loop(&ready, &dispatch))
            .map_err(|e| Error::Serve(format!("poll thread: {e}")))?
    };
    let wake = Box::new(move || {
        let _ = ready.poller.notify();
    });
    Ok(Started {
        threads: vec![accept, poll],
        wake: Some(wake),
    })
}

fn accept_loop(listener: &TcpListener, ready: &Ready) {
    let shared = &ready.ctx.shared;
    let mut key = 0usize;
    while !shared.stopping() {
        match listener.accept() {
            Ok((stream, _)) => {
                if shared.stopping() {
                    return;
                }
                shared.accepted.fetch_add(1, Ordering::Relaxed);
                if stream.set_nonblocking(true).is_err() || stream.set_nodelay(true).is_err() {
                    continue;
                }
                key += 1;
                let mut conns = ready.conns();
                // SAFETY: the stream is deleted from the poller (`Ready::
                // close`) before it is dropped, and stays in `conns` or with
                // a worker, never closed, while registered.
                let added = unsafe { ready.poller.add(&stream, Event::readable(key)) };
                match added {
                    Ok(()) => {
                        conns.insert(
                            key,
                            Conn {
                                stream,
                                buf: ReadBuf::default(),
                            },
                        );
                    }
                    Err(e) => shared.refuse(|| format!("poller: {e}")),
                }
            }
            Err(e) => accept_failed(shared, &e),
        }
    }
}

fn poll_loop(ready: &Arc<Ready>, dispatch: &Dispatch) {
    let mut events = Events::new();
    while !ready.ctx.shared.stopping() {
        events.clear();
        if ready.poller.wait(&mut events, Some(STOP_POLL)).is_err() {
            continue;
        }
        for ev in events.iter() {
            // Registered one-shot: the connection is not watched again
            // until its worker hands it back.
            let Some(conn) = ready.conns().remove(&ev.key) else {
                continue;
            };
            let ready = Arc::clone(ready);
            let key = ev.key;
            dispatch(Box::new(move || on_ready(&ready, key, conn)));
        }
    }
    // Stopping: close every connection still watched.
    let left: Vec<Conn> = ready.conns().drain().map(|(_, c)| c).collect();
    for conn in left {
        ready.close(conn);
    }
}

/// On a worker: reads what arrived, answers every whole request in it,
/// then hands the connection back to the poller (or closes it).
fn on_ready(ready: &Ready, key: usize, mut conn: Conn) {
    let keep = serve_ready(ready, &mut conn).unwrap_or(false);
    if !keep || ready.ctx.shared.stopping() {
        ready.close(conn);
        return;
    }
    let mut conns = ready.conns();
    match ready.poller.modify(&conn.stream, Event::readable(key)) {
        Ok(()) => {
            conns.insert(key, conn);
        }
        Err(_) => {
            drop(conns);
            ready.close(conn);
        }
    }
}

/// Whether the connection stays open.
fn serve_ready(ready: &Ready, conn: &mut Conn) -> io::Result<bool> {
    loop {
        match conn.buf.fill(&mut conn.stream) {
            Ok(0) => return Ok(false),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let ctx = &ready.ctx;
    loop {
        match conn.buf.parse() {
            Parsed::Request { id, close, len } => {
                conn.buf.consume(len);
                let (status, body) = handler::blocking(&ctx.mix, id, ctx.backend);
                write_all(&mut conn.stream, &http::response(status, &body, close))?;
                if close {
                    return Ok(false);
                }
            }
            Parsed::Bad(status) => {
                let _ = write_all(
                    &mut conn.stream,
                    &http::response(status, "bad request", true),
                );
                return Ok(false);
            }
            Parsed::Partial => return Ok(true),
        }
    }
}

/// Writes all of `bytes` to a non-blocking stream, blocking for the rest
/// when the socket buffer is full (a response is small: it rarely is).
fn write_all(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    match stream.write(bytes) {
        Ok(n) if n == bytes.len() => Ok(()),
        Ok(n) => blocking_rest(stream, &bytes[n..]),
        Err(e) if e.kind() == ErrorKind::WouldBlock => blocking_rest(stream, bytes),
        Err(e) => Err(e),
    }
}

fn blocking_rest(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_write_timeout(Some(std::time::Duration::from_secs(1)))?;
    let r = stream.write_all(bytes);
    stream.set_nonblocking(true)?;
    r
}

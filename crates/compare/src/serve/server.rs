//! A running server of one model: the listener, the CPUs it is pinned to,
//! what it refused, and a stop that never hangs.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cvp_workloads::Mix;

use crate::exec::affinity::{CpuSet, Pinned};
use crate::models::{find_model, ModelInfo};
use crate::server::EchoServer;
use crate::Error;

/// Connections the listener queues before they are accepted: the
/// generator opens up to 10,000 at once.
const BACKLOG: i32 = 16_384;
/// How often a blocked server thread looks at the stop flag.
pub(crate) const STOP_POLL: Duration = Duration::from_millis(50);
/// How long a stopping server waits for its connection threads.
const STOP_WAIT: Duration = Duration::from_secs(3);

/// What every thread of a server shares.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Set when the server stops.
    pub(crate) stop: AtomicBool,
    /// Connections accepted.
    pub(crate) accepted: AtomicU64,
    /// Connections the server could not serve (no thread, no descriptor).
    pub(crate) refused: AtomicU64,
    /// Why, the first time.
    pub(crate) refusal: Mutex<Option<String>>,
    /// Connection threads still running (thread-per-connection).
    pub(crate) live: AtomicUsize,
}

impl Shared {
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Counts a connection the server could not serve.
    pub(crate) fn refuse(&self, why: impl FnOnce() -> String) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        let mut first = self.refusal.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(why());
        }
    }
}

/// What a server's threads need to answer requests.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) mix: Mix,
    pub(crate) backend: Option<SocketAddr>,
    pub(crate) shared: Arc<Shared>,
}

/// What a model's server start returns: its threads and how to wake them.
pub(crate) struct Started {
    pub(crate) threads: Vec<JoinHandle<()>>,
    pub(crate) wake: Option<Box<dyn FnOnce() + Send>>,
}

/// One model's HTTP/1.1 server on 127.0.0.1, running the handler of a
/// [`Mix`]; stopped (every thread joined) when dropped.
///
/// ```
/// use cvp_compare::{Mix, Server};
/// # if cfg!(miri) { return Ok(()); }
/// let server = Server::start("tokio-current-thread", 1, Mix::waiting(), None)?;
/// assert!(server.addr().ip().is_loopback());
/// assert!(Server::start("no-such-model", 1, Mix::waiting(), None).is_err());
/// # Ok::<(), cvp_compare::Error>(())
/// ```
pub struct Server {
    addr: SocketAddr,
    model: ModelInfo,
    cpus: Vec<usize>,
    shared: Arc<Shared>,
    started: Option<Started>,
    backend: Option<EchoServer>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("model", &self.model.name)
            .field("cpus", &self.cpus)
            .finish_non_exhaustive()
    }
}

/// The models with a server.
const SERVED: [&str; 9] = [
    "sequential",
    "interleave",
    "tokio-current-thread",
    "threads-1core",
    "decompose",
    "rayon",
    "threads",
    "hybrid",
    "tokio-multi-thread",
];

/// Why a model has no server, if it has none.
pub fn serve_not_applicable(model: &str) -> Option<String> {
    (!SERVED.contains(&model)).then(|| format!("no HTTP server is written for `{model}`"))
}

impl Server {
    /// Starts `model`'s server with `threads` threads (pool size, runtime
    /// workers, cores; one per connection for the thread models), pinned
    /// to `cpus` (default: every CPU) — to the first of them for a model
    /// that uses one core, to the first `threads` for a parallel one.
    pub fn start(
        model: &str,
        threads: usize,
        mix: Mix,
        cpus: Option<&[usize]>,
    ) -> Result<Server, Error> {
        let info = find_model(model)?;
        if let Some(why) = serve_not_applicable(model) {
            return Err(Error::Serve(format!("{model}: {why}")));
        }
        if threads == 0 {
            return Err(Error::ZeroThreads);
        }
        let serve_err = |e: io::Error| Error::Serve(format!("{model}: {e}"));
        let all = match cpus {
            Some(list) => CpuSet::of(list),
            None => CpuSet::current().map_err(serve_err)?,
        };
        let set = all.first(if info.parallel { threads } else { 1 });
        // Every thread the server starts inherits the caller's affinity:
        // pin the caller while starting, restore it after.
        let pinned = Pinned::new(&set);
        let cpus = if pinned.is_ok() {
            set.cpus()
        } else {
            Vec::new()
        };
        let backend = if mix.needs_backend() {
            Some(EchoServer::start()?)
        } else {
            None
        };
        let listener = listen().map_err(serve_err)?;
        let addr = listener.local_addr().map_err(serve_err)?;
        let shared = Arc::new(Shared::default());
        let ctx = Ctx {
            mix,
            backend: backend.as_ref().map(EchoServer::addr),
            shared: Arc::clone(&shared),
        };
        let started = match model {
            "sequential" => super::pool::start_inline(listener, ctx),
            "threads" | "threads-1core" => super::threads::start(listener, ctx),
            "rayon" => super::pool::start_rayon(listener, ctx, threads),
            "decompose" => super::pool::start_decompose(listener, ctx, threads),
            "interleave" => super::interleave::start(listener, ctx),
            "hybrid" => super::interleave::start_hybrid(listener, ctx, threads),
            "tokio-current-thread" => super::tokio::start(listener, ctx, None),
            "tokio-multi-thread" => super::tokio::start(listener, ctx, Some(threads)),
            other => Err(Error::Serve(format!("{other}: no server for this model"))),
        }?;
        drop(pinned);
        Ok(Server {
            addr,
            model: info,
            cpus,
            shared,
            started: Some(started),
            backend,
        })
    }

    /// Where it listens (127.0.0.1, an ephemeral port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CPUs it is pinned to (empty where pinning is unavailable).
    pub fn cpus(&self) -> &[usize] {
        &self.cpus
    }

    /// The model it runs.
    pub fn model(&self) -> ModelInfo {
        self.model
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// Connections it could not serve, and why the first one was not.
    pub fn refused(&self) -> (u64, Option<String>) {
        let n = self.shared.refused.load(Ordering::Relaxed);
        let why = self
            .shared
            .refusal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        (n, why)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(started) = self.started.take() {
            if let Some(wake) = started.wake {
                wake();
            }
            // A blocking accept wakes on a connection of its own.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(100));
            for t in started.threads {
                let _ = t.join();
            }
        }
        // Connection threads see the flag at their next read timeout.
        let deadline = Instant::now() + STOP_WAIT;
        while self.shared.live.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(self.backend.take());
    }
}

/// A listener on 127.0.0.1 at an ephemeral port with a deep backlog.
fn listen() -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Whether an accept error means the process is out of descriptors.
pub(crate) fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

/// What a failed accept does: out of descriptors, counts it and backs off
/// (the client waits in the backlog or times out); anything else, goes on.
pub(crate) fn accept_failed(shared: &Shared, e: &io::Error) {
    if out_of_descriptors(e) {
        shared.refuse(|| format!("accept: {e}"));
    }
    std::thread::sleep(Duration::from_millis(1));
}

//! cvp-interleave for the `interleave` and `hybrid` models: the
//! [`AsyncEnv`] of the async interpreter over its timers and sockets, task
//! scripts as green threads, and the runtime lent to [`OneThread`] jobs.
//!
//! [`OneThread`]: super::one_thread::OneThread

use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cvp_interleave::{Runtime, TcpStream};
use cvp_workloads::{run_script_async, AsyncEnv, ScriptCtx, TaskOutcome, TaskSet};
use futures_io::{AsyncRead, AsyncWrite};

use super::one_thread::BlockOn;
use crate::trace::Recorder;
use crate::Error;

thread_local! {
    /// This thread's interleaver. A runtime is `!Send`, so each OS thread
    /// that runs green threads (the caller for `interleave`, every pool
    /// worker for `hybrid`) keeps its own, built on first use.
    static RUNTIME: Runtime = Runtime::new();
}

/// Runs `f` with the calling thread's runtime.
pub(crate) fn with_runtime<R>(f: impl FnOnce(&Runtime) -> R) -> R {
    RUNTIME.with(f)
}

/// Timers and sockets of the async interpreter, from cvp-interleave.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InterleaveEnv;

impl AsyncEnv for InterleaveEnv {
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> {
        cvp_interleave::sleep(d)
    }

    async fn exchange(
        &self,
        addr: SocketAddr,
        request: Vec<u8>,
        reply_len: usize,
    ) -> io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let mut sent = 0;
        while sent < request.len() {
            let n = poll_fn(|cx| Pin::new(&mut stream).poll_write(cx, &request[sent..])).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            sent += n;
        }
        let mut reply = vec![0; reply_len];
        let mut got = 0;
        while got < reply_len {
            let n = poll_fn(|cx| Pin::new(&mut stream).poll_read(cx, &mut reply[got..])).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            got += n;
        }
        Ok(reply)
    }
}

/// The calling thread's runtime, for jobs: a handle with no data, so it is
/// `Sync` as [`Exec`](cvp_workloads::Exec) requires, while the runtime
/// itself stays on its thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ThisThread;

impl BlockOn for ThisThread {
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        with_runtime(|rt| rt.block_on(f)).expect("a job on the interleaver cannot deadlock or nest")
    }

    fn yield_now(&self) -> impl Future<Output = ()> {
        cvp_interleave::yield_now()
    }
}

/// Runs the scripts `ids` of `set` as green threads on the calling thread's
/// runtime, with `env`'s timers, sockets and compute (`InterleaveEnv`
/// computes inline), and waits for all of them. A task's latency counts
/// from its first poll.
///
/// With a recorder, they run instead on a runtime built for the purpose
/// with cvp-interleave's poll trace on, and every poll of a script's task
/// becomes a span on this thread's lane.
pub(crate) fn tasks_on_interleave<E: AsyncEnv + Clone + 'static>(
    env: &E,
    set: &Arc<TaskSet>,
    ids: impl Iterator<Item = usize>,
    server: Option<SocketAddr>,
    epoch: Instant,
    rec: Option<&Recorder>,
) -> Result<Vec<TaskOutcome>, Error> {
    let run = |rt: &Runtime| {
        rt.block_on(async {
            let handles: Vec<_> = ids
                .map(|i| {
                    let script = set.scripts[i].id;
                    let set = Arc::clone(set);
                    let env = env.clone();
                    let handle = cvp_interleave::spawn(async move {
                        let ctx = ScriptCtx {
                            server,
                            released: Instant::now(),
                            epoch,
                        };
                        run_script_async(&env, &set.scripts[i], &ctx).await
                    });
                    (handle.id(), script, handle)
                })
                .collect();
            let mut labels = HashMap::with_capacity(handles.len());
            let mut results = Vec::with_capacity(handles.len());
            for (task, script, handle) in handles {
                labels.insert(task, script);
                results.push(handle.await);
            }
            (labels, results)
        })
    };
    let (_, results) = match rec {
        None => with_runtime(run),
        Some(rec) => {
            let origin = Instant::now();
            let rt = Runtime::builder().trace(true).build();
            let ran = run(&rt);
            for poll in rt.take_trace() {
                // Polls of the `block_on` future itself (it only awaits the
                // handles) are bookkeeping, not work.
                if let Some(script) = ran.as_ref().ok().and_then(|(l, _)| l.get(&poll.task)) {
                    rec.span(
                        format!("task {script}"),
                        origin + poll.start,
                        origin + poll.end,
                    );
                }
            }
            ran
        }
    }
    .map_err(|e| Error::Run(format!("interleave: {e}")))?;
    results
        .into_iter()
        .map(|r| match r {
            Ok(outcome) => outcome.map_err(Error::from),
            Err(e) if e.is_panic() => panic!(
                "a task panicked: {}",
                e.panic_message().unwrap_or("no message")
            ),
            Err(e) => Err(Error::Run(format!("interleave task: {e}"))),
        })
        .collect()
}

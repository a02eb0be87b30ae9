//! tokio for the anchor models: the [`AsyncEnv`] of the async interpreter,
//! task sets as tokio tasks, and jobs as tasks on the multi-thread pool.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::ops::Range;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{self, Context};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use cvp_workloads::{
    chunks, run_script_async, AsyncEnv, Exec, ScriptCtx, Sequential, TaskOutcome, TaskSet,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::{Handle, Runtime};

use cvp_report::SpanKind;

use super::one_thread::BlockOn;
use crate::trace::Recorder;
use crate::Error;

/// Timers and sockets of the async interpreter, from tokio.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokioEnv;

impl AsyncEnv for TokioEnv {
    fn sleep(&self, d: Duration) -> impl std::future::Future<Output = ()> {
        tokio::time::sleep(d)
    }

    async fn exchange(
        &self,
        addr: SocketAddr,
        request: Vec<u8>,
        reply_len: usize,
    ) -> io::Result<Vec<u8>> {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        stream.write_all(&request).await?;
        let mut reply = vec![0; reply_len];
        stream.read_exact(&mut reply).await?;
        Ok(reply)
    }
}

impl BlockOn for Runtime {
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        Runtime::block_on(self, f)
    }
    fn yield_now(&self) -> impl std::future::Future<Output = ()> {
        tokio::task::yield_now()
    }
}

/// Spawns every script as a tokio task on `rt` and waits for all of them.
/// A task's latency counts from its first poll.
///
/// With a recorder, each task's future is wrapped so that every poll of it
/// is a span on the OS thread that polled it (tokio's own task hooks need
/// `--cfg tokio_unstable`); the polls are recorded once every task is done.
pub(crate) fn tasks_on_tokio(
    rt: &Runtime,
    set: &Arc<TaskSet>,
    server: Option<SocketAddr>,
    rec: Option<&Recorder>,
) -> Result<Vec<TaskOutcome>, Error> {
    let traced = rec.is_some();
    let epoch = Instant::now();
    let results = rt.block_on(async {
        let handles: Vec<_> = (0..set.scripts.len())
            .map(|i| {
                let set = Arc::clone(set);
                let task = async move {
                    let ctx = ScriptCtx {
                        server,
                        released: Instant::now(),
                        epoch,
                    };
                    run_script_async(&TokioEnv, &set.scripts[i], &ctx).await
                };
                if traced {
                    tokio::spawn(Polls::new(task))
                } else {
                    tokio::spawn(async move { (task.await, Vec::new()) })
                }
            })
            .collect();
        // Wait for every task before looking at any result, so no task of
        // this run is still running when the next one starts.
        let mut results = Vec::with_capacity(handles.len());
        for h in handles {
            results.push(h.await);
        }
        results
    });
    if let Some(rec) = rec {
        let mut polls: Vec<(usize, &Poll)> = results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().ok().map(|(_, p)| (i, p)))
            .flat_map(|(i, p)| p.iter().map(move |poll| (i, poll)))
            .collect();
        polls.sort_by_key(|(_, p)| p.start);
        for (i, p) in polls {
            let label = format!("task {}", set.scripts[i].id);
            rec.span_on(p.thread, label, SpanKind::Compute, p.start, p.end);
        }
    }
    results
        .into_iter()
        .map(|r| match r {
            Ok((outcome, _)) => outcome.map_err(Error::from),
            Err(e) if e.is_panic() => resume_unwind(e.into_panic()),
            Err(e) => Err(Error::Run(format!("tokio task: {e}"))),
        })
        .collect()
}

/// One poll of a task: on which OS thread, from when to when.
#[derive(Debug, Clone, Copy)]
struct Poll {
    thread: ThreadId,
    start: Instant,
    end: Instant,
}

/// A future that notes each of its polls, and hands them over with its
/// output.
struct Polls<F> {
    inner: Pin<Box<F>>,
    polls: Vec<Poll>,
}

impl<F: Future> Polls<F> {
    fn new(inner: F) -> Self {
        Self {
            inner: Box::pin(inner),
            polls: Vec::new(),
        }
    }
}

impl<F: Future> Future for Polls<F> {
    type Output = (F::Output, Vec<Poll>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> task::Poll<Self::Output> {
        let start = Instant::now();
        let ready = self.inner.as_mut().poll(cx);
        self.polls.push(Poll {
            thread: std::thread::current().id(),
            start,
            end: Instant::now(),
        });
        ready.map(|out| (out, std::mem::take(&mut self.polls)))
    }
}

/// The [`Exec`] of `tokio-multi-thread`: a top-level `map_reduce` spawns one
/// task per chunk on the pool, a top-level `join` one task per closure, and
/// the caller blocks until all are done. tokio has no fork-join: a worker
/// must not block, so calls nested inside a task run inline.
#[derive(Debug)]
pub(crate) struct TokioPool<'r> {
    rt: &'r Runtime,
    threads: usize,
}

impl<'r> TokioPool<'r> {
    /// Jobs on `rt`, which has `threads` workers.
    pub(crate) fn new(rt: &'r Runtime, threads: usize) -> Self {
        Self { rt, threads }
    }

    /// Whether the caller is a task of a runtime (a nested call).
    fn nested() -> bool {
        Handle::try_current().is_ok()
    }

    /// Runs `f(0)`, ..., `f(n - 1)` as tasks on the pool and returns once
    /// every one has finished; a panic in any is resumed after that.
    fn scoped(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
        // SAFETY: the 'static reference never outlives `f`: every task that
        // holds it is awaited below before this function returns, and a
        // tokio JoinHandle resolves only after its task's future has been
        // dropped (it completed, panicked or was cancelled). The wait itself
        // cannot unwind: `block_on` is legal here (the caller checked it is
        // not inside a runtime) and awaiting a JoinHandle returns a Result.
        // Should anything unwind anyway, `AbortOnUnwind` aborts the process
        // rather than let a task see a dangling reference.
        let f: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(f) };
        let guard = AbortOnUnwind;
        let panics: Vec<_> = self.rt.block_on(async {
            let handles: Vec<_> = (0..n).map(|i| self.rt.spawn(async move { f(i) })).collect();
            let mut panics = Vec::new();
            for h in handles {
                if let Err(e) = h.await {
                    panics.push(e);
                }
            }
            panics
        });
        std::mem::forget(guard);
        if let Some(e) = panics.into_iter().next() {
            match e.try_into_panic() {
                Ok(p) => resume_unwind(p),
                Err(e) => panic!("tokio task failed: {e}"),
            }
        }
    }
}

/// Aborts the process if dropped: armed while tasks may hold borrowed data.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        eprintln!("cvp: unwinding while tokio tasks may hold borrowed data; aborting");
        std::process::abort();
    }
}

impl Exec for TokioPool<'_> {
    fn parallelism(&self) -> usize {
        self.threads
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        let ranges: Vec<Range<usize>> = chunks(len, grain).collect();
        if ranges.len() <= 1 || Self::nested() {
            return Sequential.map_reduce(len, grain, leaf, combine);
        }
        let slots: Vec<Mutex<Option<T>>> = ranges.iter().map(|_| Mutex::new(None)).collect();
        self.scoped(ranges.len(), &|i| {
            let v = leaf(ranges[i].clone());
            *slots[i].lock().expect("slot lock") = Some(v);
        });
        let mut results = slots
            .into_iter()
            .map(|s| s.into_inner().expect("slot lock").expect("every task ran"));
        let first = results.next().expect("at least two ranges");
        results.fold(first, &combine)
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        if Self::nested() {
            let ra = a();
            return (ra, b());
        }
        let a = Mutex::new(Some(a));
        let b = Mutex::new(Some(b));
        let ra = Mutex::new(None);
        let rb = Mutex::new(None);
        self.scoped(2, &|i| {
            if i == 0 {
                let a = a.lock().expect("lock").take().expect("run once");
                *ra.lock().expect("lock") = Some(a());
            } else {
                let b = b.lock().expect("lock").take().expect("run once");
                *rb.lock().expect("lock") = Some(b());
            }
        });
        let ra = ra.into_inner().expect("lock").expect("a ran");
        let rb = rb.into_inner().expect("lock").expect("b ran");
        (ra, rb)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn pool_matches_sequential_and_propagates_panics() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let exec = TokioPool::new(&rt, 2);
        let got = exec.map_reduce(100, 3, |r| r.sum::<usize>(), |a, b| a + b);
        assert_eq!(got, 4950);
        assert_eq!(exec.join(|| exec.join(|| 1, || 2), || 3), ((1, 2), 3));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            exec.map_reduce(
                10,
                1,
                |r| if r.start == 5 { panic!("boom") } else { 1 },
                |a, b| a + b,
            )
        }));
        assert!(r.is_err());
        assert_eq!(exec.map_reduce(10, 1, |_| 1, |a, b| a + b), 10);
    }
}

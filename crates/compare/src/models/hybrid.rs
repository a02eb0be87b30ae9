//! `hybrid`: cvp-interleave event loops beside a cvp-decompose pool. The
//! task scripts are divided among the loops, one runtime per loop thread,
//! so waits overlap; every compute step is handed to the pool with
//! `Pool::spawn_future` and awaited, so a loop keeps serving its other
//! tasks (timers, sockets, the probe's ticks) while the pool computes.
//! Jobs run on the pool as in `decompose`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use cvp_decompose::{Pool, Strategy};
use cvp_report::SpanKind;
use cvp_workloads::{compute, AsyncEnv, Job, JobInput, TaskOutcome, TaskSet};

use super::{Instance, Model, ModelInfo, Role};
use crate::exec::decompose::{pool, DecomposeExec};
use crate::exec::interleave::{tasks_on_interleave, with_runtime, InterleaveEnv};
use crate::trace::{self, Recorder};
use crate::Error;

/// Event loops that offload their computing to a work-stealing pool.
pub(crate) struct Hybrid;

struct Started {
    /// Computes: jobs, and every task's compute steps.
    pool: Arc<Pool>,
    /// Hosts the event loops, one runtime per worker; never computes.
    loops: Pool,
    threads: usize,
}

impl Model for Hybrid {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "hybrid",
            engine: "cvp-interleave event loops, computing on a cvp-decompose pool",
            concurrent: true,
            parallel: true,
            preemptive: false,
            threaded: true,
            role: Role::Engine,
            anchor: Some("tokio-multi-thread"),
            traced: true,
        }
    }

    fn start(&self, threads: usize) -> Result<Box<dyn Instance>, Error> {
        let pool = Arc::new(pool(threads, "hybrid")?);
        let loops = pool_of_loops(threads)?;
        // Build every loop's runtime now, outside the timed runs.
        loops.map_reduce(
            0..threads,
            Strategy::STATIC,
            |_| with_runtime(|_| ()),
            |(), ()| (),
        );
        Ok(Box::new(Started {
            pool,
            loops,
            threads,
        }))
    }
}

fn pool_of_loops(threads: usize) -> Result<Pool, Error> {
    Pool::builder()
        .num_threads(threads)
        .thread_name(|i| format!("hybrid-loop-{i}"))
        .build()
        .map_err(|e| Error::Run(e.to_string()))
}

/// A compute step that ran on a pool worker, for the timeline.
struct ComputeSpan {
    thread: ThreadId,
    script: u32,
    start: Instant,
    end: Instant,
}

/// cvp-interleave's timers and sockets; compute steps on the pool.
#[derive(Clone)]
struct Offload {
    pool: Arc<Pool>,
    /// Where compute steps are collected while a trace is recorded.
    spans: Option<Arc<Mutex<Vec<ComputeSpan>>>>,
}

impl AsyncEnv for Offload {
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> {
        InterleaveEnv.sleep(d)
    }

    fn exchange(
        &self,
        addr: SocketAddr,
        request: Vec<u8>,
        reply_len: usize,
    ) -> impl Future<Output = io::Result<Vec<u8>>> {
        InterleaveEnv.exchange(addr, request, reply_len)
    }

    fn compute(&self, script: u32, units: u64, seed: u64) -> impl Future<Output = u64> {
        let spans = self.spans.clone();
        self.pool.spawn_future(move || match spans {
            None => compute(units, seed),
            Some(spans) => {
                let start = Instant::now();
                let value = compute(units, seed);
                let span = ComputeSpan {
                    thread: std::thread::current().id(),
                    script,
                    start,
                    end: Instant::now(),
                };
                spans.lock().unwrap_or_else(|e| e.into_inner()).push(span);
                value
            }
        })
    }
}

impl Instance for Started {
    fn run_job(&mut self, job: &Job, input: &mut JobInput, rec: Option<&Recorder>) -> String {
        trace::run_job(&DecomposeExec(&self.pool), job, input, rec)
    }

    fn run_tasks(
        &mut self,
        set: &Arc<TaskSet>,
        server: Option<SocketAddr>,
        rec: Option<&Recorder>,
    ) -> Result<Vec<TaskOutcome>, Error> {
        let env = Offload {
            pool: Arc::clone(&self.pool),
            spans: rec.map(|_| Arc::default()),
        };
        // Share k of `threads` takes scripts k, k + threads, ...: equal
        // shares, one static block per loop, each run as green threads on
        // that loop's own runtime.
        let shares = self.threads.min(set.scripts.len()).max(1);
        let epoch = Instant::now();
        let outcomes = self.loops.map_reduce(
            0..shares,
            Strategy::STATIC,
            |r| {
                let mut out = Vec::new();
                for k in r {
                    out.extend(tasks_on_interleave(
                        &env,
                        set,
                        (k..set.scripts.len()).step_by(shares),
                        server,
                        epoch,
                        rec,
                    )?);
                }
                Ok(out)
            },
            |a: Result<Vec<TaskOutcome>, Error>, b| {
                let mut a = a?;
                a.extend(b?);
                Ok(a)
            },
        );
        if let (Some(rec), Some(spans)) = (rec, env.spans) {
            let mut spans = std::mem::take(&mut *spans.lock().unwrap_or_else(|e| e.into_inner()));
            spans.sort_by_key(|s| s.start);
            for s in spans {
                let label = format!("task {}", s.script);
                rec.span_on(s.thread, label, SpanKind::Compute, s.start, s.end);
            }
        }
        outcomes
    }
}

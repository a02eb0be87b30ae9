//! The trace hook: which piece of work ran when, on which OS thread.
//!
//! A [`Recorder`] collects [`Span`]s during one extra, untimed run of a cell
//! (`cvp run --trace`, and the page's timelines). Every model records its
//! jobs' leaves through [`run_job`], which wraps the model's [`Exec`]; the
//! blocking interpreter records each step of a script, computing or
//! waiting ([`Recorder::wait`]); the async models record each poll of a task
//! ([`Recorder::span`], or [`Recorder::span_on`] for polls collected on
//! other threads and recorded afterwards). The spans end up in [`Cell::trace`](crate::report::Cell::trace),
//! where timelines and Chrome traces are drawn from.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::Instant;

use cvp_workloads::{Exec, Job, JobInput};

use cvp_report::{Span, SpanKind, Trace};

/// Collects spans from any thread.
#[derive(Debug)]
pub struct Recorder {
    origin: Instant,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    lanes: HashMap<ThreadId, u32>,
    spans: Vec<Span>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// A recorder whose clock starts now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Records that `label` computed on the calling thread from `start` to
    /// `end`.
    pub fn span(&self, label: impl Into<String>, start: Instant, end: Instant) {
        let thread = std::thread::current().id();
        self.span_on(thread, label, SpanKind::Compute, start, end);
    }

    /// Records that `label` kept the calling thread blocked, waiting, from
    /// `start` to `end`.
    pub fn wait(&self, label: impl Into<String>, start: Instant, end: Instant) {
        let thread = std::thread::current().id();
        self.span_on(thread, label, SpanKind::Wait, start, end);
    }

    /// Records a span of `kind` on `thread`. Lanes are numbered in the
    /// order their threads are first recorded, so spans collected elsewhere
    /// are best recorded by start time.
    pub fn span_on(
        &self,
        thread: ThreadId,
        label: impl Into<String>,
        kind: SpanKind,
        start: Instant,
        end: Instant,
    ) {
        let ns = |t: Instant| t.saturating_duration_since(self.origin).as_nanos() as u64;
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let next = inner.lanes.len() as u32;
        let lane = *inner.lanes.entry(thread).or_insert(next);
        inner.spans.push(Span {
            lane,
            label: label.into(),
            start_ns: ns(start),
            end_ns: ns(end),
            kind,
        });
    }

    /// The spans recorded so far, by start time.
    pub fn finish(self) -> Trace {
        let inner = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut spans = inner.spans;
        spans.sort_by_key(|s| (s.start_ns, s.lane));
        Trace {
            lanes: inner.lanes.len() as u32,
            spans,
        }
    }
}

/// An [`Exec`] that records every leaf of `map_reduce` as a span.
struct Traced<'a, E> {
    inner: &'a E,
    rec: &'a Recorder,
}

impl<E: Exec> Exec for Traced<'_, E> {
    fn parallelism(&self) -> usize {
        self.inner.parallelism()
    }

    fn map_reduce<T, L, C>(&self, len: usize, grain: usize, leaf: L, combine: C) -> T
    where
        T: Send,
        L: Fn(Range<usize>) -> T + Sync,
        C: Fn(T, T) -> T + Sync,
    {
        self.inner.map_reduce(
            len,
            grain,
            |r: Range<usize>| {
                let start = Instant::now();
                let label = format!("{}..{}", r.start, r.end);
                let v = leaf(r);
                self.rec.span(label, start, Instant::now());
                v
            },
            combine,
        )
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.inner.join(a, b)
    }
}

/// Runs `job` on `exec`, recording its leaves when `rec` is given. Models
/// call this rather than [`Job::run`] so every model can be traced.
pub(crate) fn run_job<E: Exec>(
    exec: &E,
    job: &Job,
    input: &mut JobInput,
    rec: Option<&Recorder>,
) -> String {
    match rec {
        Some(rec) => job.run(&Traced { inner: exec, rec }, input),
        None => job.run(exec, input),
    }
}

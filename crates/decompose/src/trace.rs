//! An optional recorder of which worker ran which chunk, and when.
//!
//! Off by default: a leaf then pays one relaxed load. On, each leaf takes two
//! clock readings and appends to its worker's own (uncontended) buffer.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One chunk, as run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// The worker that ran it; `None` for the calling thread (the adaptive
    /// strategy runs a first probe, and all of a tiny job, on the caller).
    pub worker: Option<usize>,
    /// The index range the leaf was called on.
    pub range: Range<usize>,
    /// When the leaf started, since the trace started.
    pub start: Duration,
    /// When the leaf returned, since the trace started.
    pub end: Duration,
}

/// A recorded timeline: plain data for timelines and Chrome traces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// Workers in the pool (lanes `0..threads`; the caller is a lane of its
    /// own).
    pub threads: usize,
    /// Every chunk, sorted by start time.
    pub events: Vec<TraceEvent>,
}

impl Trace {
    /// The trace in Chrome's trace-event JSON format (open it in Perfetto or
    /// `chrome://tracing`): one complete event per chunk, one lane per
    /// worker, the caller on lane `threads`.
    pub fn to_chrome_json(&self) -> String {
        let mut out = String::from("[");
        for (i, event) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let tid = event.worker.unwrap_or(self.threads);
            let _ = write!(
                out,
                "{{\"name\":\"{}..{}\",\"cat\":\"chunk\",\"ph\":\"X\",\"pid\":0,\"tid\":{},\"ts\":{:.3},\"dur\":{:.3}}}",
                event.range.start,
                event.range.end,
                tid,
                event.start.as_secs_f64() * 1e6,
                event.end.saturating_sub(event.start).as_secs_f64() * 1e6,
            );
        }
        out.push(']');
        out
    }
}

struct RawEvent {
    worker: Option<usize>,
    range: Range<usize>,
    start: Instant,
    end: Instant,
}

/// The pool's recorder: one buffer per worker plus one for callers.
pub(crate) struct TraceRecorder {
    enabled: AtomicBool,
    epoch: Mutex<Instant>,
    lanes: Box<[Mutex<Vec<RawEvent>>]>,
}

impl TraceRecorder {
    pub(crate) fn new(threads: usize) -> Self {
        TraceRecorder {
            enabled: AtomicBool::new(false),
            epoch: Mutex::new(Instant::now()),
            lanes: (0..=threads).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    pub(crate) fn record(
        &self,
        worker: Option<usize>,
        range: Range<usize>,
        start: Instant,
        end: Instant,
    ) {
        let lane = worker.unwrap_or(self.lanes.len() - 1);
        let mut events = self.lanes[lane].lock().unwrap_or_else(|e| e.into_inner());
        events.push(RawEvent {
            worker,
            range,
            start,
            end,
        });
    }

    /// Clears the buffers and starts recording now.
    pub(crate) fn start(&self) {
        for lane in self.lanes.iter() {
            lane.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
        *self.epoch.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// Stops recording and returns what was recorded.
    pub(crate) fn take(&self) -> Trace {
        self.enabled.store(false, Ordering::Relaxed);
        let epoch = *self.epoch.lock().unwrap_or_else(|e| e.into_inner());
        let mut events: Vec<TraceEvent> = Vec::new();
        for lane in self.lanes.iter() {
            let raw = std::mem::take(&mut *lane.lock().unwrap_or_else(|e| e.into_inner()));
            events.extend(raw.into_iter().map(|e| TraceEvent {
                worker: e.worker,
                range: e.range,
                start: e.start.saturating_duration_since(epoch),
                end: e.end.saturating_duration_since(epoch),
            }));
        }
        events.sort_by_key(|e| (e.start, e.range.start));
        Trace {
            threads: self.lanes.len() - 1,
            events,
        }
    }
}

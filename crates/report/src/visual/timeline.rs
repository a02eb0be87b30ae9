//! A recorded run to draw as a timeline.

use serde::{Deserialize, Serialize};

use crate::{SpanKind, Trace};

/// One recorded run of a timeline: what the runner's recorder saw when a
/// model ran a workload once more, untimed.
///
/// [`write()`](super::write) saves the timelines beside the page
/// (`timelines.json`), so that [`rewrite()`](super::rewrite) draws them
/// again with the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The workload.
    pub workload: String,
    /// The model.
    pub model: String,
    /// The thread count it ran with.
    pub threads: usize,
    /// The workload size it ran at (smaller than the measured cells' as a
    /// rule: the picture is about shape, not duration).
    pub size: usize,
    /// What one span is: `chunk`, `step` or `poll`.
    pub unit: String,
    /// What ran when; or why it could not be recorded.
    pub trace: Result<Trace, String>,
}

/// How a recorded run spent its lanes' time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Usage {
    /// When the last span ended, in nanoseconds from the recorder's origin.
    pub(crate) end_ns: u64,
    /// Lanes used.
    pub(crate) lanes: u32,
    /// Share of lanes × time spent computing, 0 to 1.
    pub(crate) computing: f64,
    /// Share of lanes × time spent blocked waiting, 0 to 1.
    pub(crate) waiting: f64,
}

/// How `trace` spent its lanes' time, up to its last span's end.
pub(crate) fn usage(trace: &Trace) -> Usage {
    let end_ns = trace.spans.iter().map(|s| s.end_ns).max().unwrap_or(0);
    let lanes = trace.lanes.max(1);
    let total = end_ns as f64 * f64::from(lanes);
    let sum = |kind: SpanKind| {
        trace
            .spans
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.end_ns.saturating_sub(s.start_ns) as f64)
            .sum::<f64>()
    };
    let share = |ns: f64| {
        if total > 0.0 {
            (ns / total).min(1.0)
        } else {
            0.0
        }
    };
    Usage {
        end_ns,
        lanes: trace.lanes,
        computing: share(sum(SpanKind::Compute)),
        waiting: share(sum(SpanKind::Wait)),
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::Span;

    #[test]
    fn usage_splits_lane_time_into_computing_and_waiting() {
        let span = |lane, start_ns, end_ns, kind| Span {
            lane,
            label: "task 0".into(),
            start_ns,
            end_ns,
            kind,
        };
        let trace = Trace {
            lanes: 2,
            spans: vec![
                span(0, 0, 50, SpanKind::Wait),
                span(0, 50, 100, SpanKind::Compute),
                span(1, 0, 100, SpanKind::Compute),
            ],
        };
        let u = usage(&trace);
        assert_eq!((u.end_ns, u.lanes), (100, 2));
        assert!((u.computing - 0.75).abs() < 1e-9);
        assert!((u.waiting - 0.25).abs() < 1e-9);
        let empty = usage(&Trace {
            lanes: 0,
            spans: Vec::new(),
        });
        assert_eq!((empty.computing, empty.end_ns), (0.0, 0));
    }
}

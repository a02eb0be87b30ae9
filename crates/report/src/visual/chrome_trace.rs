//! Chrome's trace-event format: open a recorded run in Perfetto
//! (<https://ui.perfetto.dev>, "Open trace file") or `chrome://tracing`.
//!
//! One complete (`X`) event per span — a poll of a task, a step of a
//! script, a chunk of a job; a thread blocked waiting is named
//! `… (waiting)` and has `args.kind = "wait"` — on the process of its model (`pid`, named by a `process_name` metadata
//! event) and the thread of its lane (`tid`, named `thread N`). Times are
//! microseconds, as the format wants.

use serde_json::{json, Value};

use crate::{SpanKind, Trace};

/// The trace of one run as a Chrome trace JSON document.
///
/// `pid` numbers the model (its place in the registry), so that several
/// files loaded together keep their models apart; `title` names the process.
pub fn chrome_trace(title: &str, pid: u32, trace: &Trace) -> String {
    let mut events = Vec::with_capacity(trace.spans.len() + trace.lanes as usize + 1);
    events.push(
        json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": title}}),
    );
    for lane in 0..trace.lanes {
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": pid, "tid": lane,
            "args": {"name": format!("thread {lane}")},
        }));
    }
    events.extend(trace.spans.iter().map(|s| {
        let (name, kind) = match s.kind {
            SpanKind::Compute => (s.label.clone(), "compute"),
            SpanKind::Wait => (format!("{} (waiting)", s.label), "wait"),
        };
        json!({
            "name": name,
            "cat": title,
            "ph": "X",
            "pid": pid,
            "tid": s.lane,
            "ts": s.start_ns as f64 / 1e3,
            "dur": s.end_ns.saturating_sub(s.start_ns) as f64 / 1e3,
            "args": {"kind": kind},
        })
    }));
    let doc: Value = json!({"traceEvents": events, "displayTimeUnit": "ms"});
    doc.to_string()
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::Span;

    #[test]
    fn one_complete_event_per_span() {
        let trace = Trace {
            lanes: 2,
            spans: vec![
                Span {
                    lane: 0,
                    label: "0..4".into(),
                    start_ns: 1_000,
                    end_ns: 3_500,
                    kind: SpanKind::Compute,
                },
                Span {
                    lane: 1,
                    label: "4..8".into(),
                    start_ns: 1_200,
                    end_ns: 2_000,
                    kind: SpanKind::Wait,
                },
            ],
        };
        let v: Value =
            serde_json::from_str(&chrome_trace("mandelbrot on decompose", 3, &trace)).unwrap();
        let events = v["traceEvents"].as_array().unwrap();
        let xs: Vec<_> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(xs.len(), 2);
        assert_eq!(xs[0]["pid"], 3);
        assert_eq!(xs[1]["tid"], 1);
        assert_eq!(xs[0]["ts"], 1.0);
        assert_eq!(xs[0]["dur"], 2.5);
        assert_eq!(xs[1]["name"], "4..8 (waiting)");
        assert_eq!(xs[1]["args"]["kind"], "wait");
        assert_eq!(events.iter().filter(|e| e["ph"] == "M").count(), 3);
    }
}

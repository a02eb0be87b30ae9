//! `serve`: a loopback HTTP/1.1 server per model under open-loop load.

use crate::{Class, Mix, Origin, Serve, Shape, Workload};

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "serve".into(),
        class: Class::Io,
        description: "A loopback HTTP/1.1 server per model under open-loop load, 1 ms of waiting per request: latency counts from when each request was due; `cvp serve-sweep` draws latency against offered load.".into(),
        unit: "requests/s offered".into(),
        shape: Shape::Serve(Serve { mix: Mix::waiting(), millis: 1_000, connections: 64 }),
        presets: [200, 500, 1_000],
        max: 1_000_000,
        why_max: "the load generator tops out below a million requests a second".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

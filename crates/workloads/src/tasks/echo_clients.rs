//! `echo`: n clients each send a request to the loopback echo server.

use std::time::Duration;

use super::uniform;
use crate::script::Step;
use crate::{Class, Origin, Shape, Tasks, Workload};

/// Server delay of each request.
const DELAY: Duration = Duration::from_millis(5);
/// Payload of each request.
const BYTES: u32 = 256;

/// The catalogue entry.
pub(crate) fn workload() -> Workload {
    Workload {
        name: "echo".into(),
        class: Class::Io,
        description: "n clients each send a request to a loopback TCP server that replies after 5 ms: real sockets, so concurrency hides the server's delay.".into(),
        unit: "clients".into(),
        shape: Shape::Tasks(Tasks::new(|n| uniform(n, &[Step::Request { bytes: BYTES, delay: DELAY }]))),
        presets: [8, 50, 200],
        max: 10_000,
        why_max: "each client holds a socket, and file descriptors are limited".into(),
        serial: false,
        origin: Origin::BuiltIn,
    }
}

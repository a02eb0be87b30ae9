//! Machinery the models share: how jobs and task scripts are put on OS
//! threads, on a single-thread async runtime and on tokio's pool. A model
//! file picks from here; nothing here names a model.

pub(crate) mod affinity;
pub(crate) mod decompose;
pub(crate) mod interleave;
pub(crate) mod one_thread;
pub(crate) mod static_threads;
pub(crate) mod tokio;

use std::net::SocketAddr;
use std::time::Instant;

use cvp_workloads::{run_script, run_script_timed, Script, ScriptCtx, TaskOutcome};

use crate::trace::Recorder;
use crate::Error;

/// Runs one script with the blocking interpreter. The task's latency counts
/// from the moment the model starts it, so summed latency over wall time is
/// the number of tasks in flight (Little's law), not the queueing delay.
/// `epoch` is when the model released the whole set (see
/// [`ScriptCtx::epoch`]). With a recorder, every step is a span on the
/// calling thread: computing, or waiting (the thread blocked in a sleep or
/// on a socket).
pub(crate) fn run_blocking(
    script: &Script,
    server: Option<SocketAddr>,
    epoch: Instant,
    rec: Option<&Recorder>,
) -> Result<TaskOutcome, Error> {
    let released = Instant::now();
    let ctx = ScriptCtx {
        server,
        released,
        epoch,
    };
    match rec {
        None => run_script(script, &ctx),
        Some(rec) => {
            let label = format!("task {}", script.id);
            run_script_timed(script, &ctx, &mut |step| {
                if step.waits {
                    rec.wait(label.as_str(), step.start, step.end);
                } else {
                    rec.span(label.as_str(), step.start, step.end);
                }
            })
        }
    }
    .map_err(Error::from)
}

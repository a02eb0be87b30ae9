//! The handler every server runs: request `/id` runs [`Mix::script`]
//! `(id)` with the model's interpreter and answers its task's answer.

use std::net::SocketAddr;
use std::time::Instant;

use cvp_workloads::{run_script, run_script_async, AsyncEnv, ScriptCtx};

use super::mix::{body_of, Mix, IDS};

/// A status and a body.
pub(crate) type Reply = (u16, String);

/// Whether `id` names a request; a reply of 404 otherwise.
fn known(id: Option<u32>) -> Result<u32, Reply> {
    match id {
        Some(id) if id < IDS => Ok(id),
        _ => Err((404, format!("paths are /0 to /{}", IDS - 1))),
    }
}

/// Runs request `id` on the calling thread, blocking on its waits.
pub(crate) fn blocking(mix: Mix, id: Option<u32>, backend: Option<SocketAddr>) -> Reply {
    let id = match known(id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let now = Instant::now();
    let ctx = ScriptCtx {
        server: backend,
        released: now,
        epoch: now,
    };
    match run_script(&mix.script(id), &ctx) {
        Ok(outcome) => (200, body_of(&outcome)),
        Err(e) => (502, e.to_string()),
    }
}

/// Runs request `id` as a future: waits are the runtime's timers.
pub(crate) async fn nonblocking<E: AsyncEnv>(
    env: &E,
    mix: Mix,
    id: Option<u32>,
    backend: Option<SocketAddr>,
) -> Reply {
    let id = match known(id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let now = Instant::now();
    let ctx = ScriptCtx {
        server: backend,
        released: now,
        epoch: now,
    };
    match run_script_async(env, &mix.script(id), &ctx).await {
        Ok(outcome) => (200, body_of(&outcome)),
        Err(e) => (502, e.to_string()),
    }
}

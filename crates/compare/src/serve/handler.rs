//! The handler every server runs: request `/id` runs [`Mix::script`]
//! `(id)` with the model's interpreter and answers its task's answer.

use std::net::SocketAddr;
use std::time::Instant;

use cvp_workloads::{run_script, run_script_async, AsyncEnv, Mix, Script, ScriptCtx};

/// A status and a body.
pub(crate) type Reply = (u16, String);

/// The script of request `id`; a reply of 404 where there is none.
fn known(mix: &Mix, id: Option<u32>) -> Result<&Script, Reply> {
    match id.and_then(|id| mix.script(id)) {
        Some(script) => Ok(script),
        None => Err((404, format!("paths are /0 to /{}", mix.ids() - 1))),
    }
}

/// Runs request `id` on the calling thread, blocking on its waits.
pub(crate) fn blocking(mix: &Mix, id: Option<u32>, backend: Option<SocketAddr>) -> Reply {
    let script = match known(mix, id) {
        Ok(script) => script,
        Err(reply) => return reply,
    };
    let now = Instant::now();
    let ctx = ScriptCtx {
        server: backend,
        released: now,
        epoch: now,
    };
    match run_script(script, &ctx) {
        Ok(outcome) => (200, Mix::body(&outcome)),
        Err(e) => (502, e.to_string()),
    }
}

/// Runs request `id` as a future: waits are the runtime's timers.
pub(crate) async fn nonblocking<E: AsyncEnv>(
    env: &E,
    mix: &Mix,
    id: Option<u32>,
    backend: Option<SocketAddr>,
) -> Reply {
    let script = match known(mix, id) {
        Ok(script) => script,
        Err(reply) => return reply,
    };
    let now = Instant::now();
    let ctx = ScriptCtx {
        server: backend,
        released: now,
        epoch: now,
    };
    match run_script_async(env, script, &ctx).await {
        Ok(outcome) => (200, Mix::body(&outcome)),
        Err(e) => (502, e.to_string()),
    }
}

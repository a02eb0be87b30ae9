//! cvp-interleave servers: `interleave` (one runtime on one thread, a
//! green thread per connection) and `hybrid` (one runtime per
//! cvp-decompose worker, each accepting from the same listener), both
//! speaking HTTP/1.1 through hyper.

use std::net::TcpListener;
use std::sync::Arc;

use cvp_interleave::Runtime;
use hyper::server::conn::http1;
use hyper::service::service_fn;

use super::hyper_service;
use super::server::{Ctx, Started, STOP_POLL};
use crate::exec::interleave::InterleaveEnv;
use crate::Error;

pub(crate) fn start(listener: TcpListener, ctx: Ctx) -> Result<Started, Error> {
    let thread = std::thread::Builder::new()
        .name("serve-interleave".into())
        .spawn(move || run(listener, &ctx))
        .map_err(|e| Error::Serve(format!("interleave thread: {e}")))?;
    Ok(Started {
        threads: vec![thread],
        wake: None,
    })
}

pub(crate) fn start_hybrid(
    listener: TcpListener,
    ctx: Ctx,
    threads: usize,
) -> Result<Started, Error> {
    let pool = cvp_decompose::Pool::builder()
        .num_threads(threads)
        .thread_name(|i| format!("serve-hybrid-{i}"))
        .build()
        .map_err(|e| Error::Serve(format!("decompose pool: {e}")))?;
    let mut listeners = Vec::with_capacity(threads);
    for _ in 0..threads {
        listeners.push(
            listener
                .try_clone()
                .map_err(|e| Error::Serve(format!("listener: {e}")))?,
        );
    }
    let ctx = Arc::new(ctx);
    let thread = std::thread::Builder::new()
        .name("serve-hybrid".into())
        .spawn(move || {
            // One task per worker, each running its own runtime until the
            // server stops; the scope returns when all have.
            pool.scope(|s| {
                for l in listeners {
                    let ctx = Arc::clone(&ctx);
                    s.spawn(move |_| run(l, &ctx));
                }
            });
        })
        .map_err(|e| Error::Serve(format!("hybrid thread: {e}")))?;
    Ok(Started {
        threads: vec![thread],
        wake: None,
    })
}

/// One runtime's accept loop, until the server stops.
fn run(listener: TcpListener, ctx: &Ctx) {
    let rt = Runtime::new();
    let shared = Arc::clone(&ctx.shared);
    let (mix, backend) = (ctx.mix.clone(), ctx.backend);
    let _ = rt.block_on(async move {
        let Ok(listener) = cvp_interleave::TcpListener::from_std(listener) else {
            return;
        };
        while !shared.stopping() {
            // Wake now and then to see the stop flag.
            let accepted = match cvp_interleave::timeout(STOP_POLL, listener.accept()).await {
                Ok(a) => a,
                Err(_) => continue,
            };
            match accepted {
                Ok((stream, _)) => {
                    shared
                        .accepted
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let _ = stream.set_nodelay(true);
                    let mix = mix.clone();
                    cvp_interleave::spawn(async move {
                        let svc = service_fn(move |req| {
                            hyper_service::answer(InterleaveEnv, mix.clone(), backend, req)
                        });
                        let _ = http1::Builder::new().serve_connection(stream, svc).await;
                    });
                }
                Err(e) => {
                    if super::server::out_of_descriptors(&e) {
                        shared.refuse(|| format!("accept: {e}"));
                    }
                    cvp_interleave::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
        }
    });
    // Dropping the runtime drops every connection's task.
}

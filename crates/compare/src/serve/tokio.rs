//! tokio servers: `tokio-current-thread` (one thread) and
//! `tokio-multi-thread` (`threads` workers), a task per connection,
//! HTTP/1.1 through hyper.

use std::net::TcpListener;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::hyper_service;
use super::server::{Ctx, Started};
use crate::exec::tokio::TokioEnv;
use crate::Error;

/// `workers: None` is the current-thread runtime.
pub(crate) fn start(
    listener: TcpListener,
    ctx: Ctx,
    workers: Option<usize>,
) -> Result<Started, Error> {
    let err = |e: std::io::Error| Error::Serve(format!("tokio: {e}"));
    let rt = match workers {
        None => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Some(n) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .thread_name("serve-tokio")
            .enable_all()
            .build(),
    }
    .map_err(err)?;
    listener.set_nonblocking(true).map_err(err)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("serve-tokio".into())
        .spawn(move || {
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let accept = async {
                    loop {
                        match listener.accept().await {
                            Ok((stream, _)) => {
                                ctx.shared
                                    .accepted
                                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let _ = stream.set_nodelay(true);
                                let (mix, backend) = (ctx.mix.clone(), ctx.backend);
                                tokio::spawn(async move {
                                    let svc = service_fn(move |req| {
                                        hyper_service::answer(TokioEnv, mix.clone(), backend, req)
                                    });
                                    let _ = http1::Builder::new()
                                        .serve_connection(TokioIo::new(stream), svc)
                                        .await;
                                });
                            }
                            Err(e) => {
                                if super::server::out_of_descriptors(&e) {
                                    ctx.shared.refuse(|| format!("accept: {e}"));
                                }
                                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                            }
                        }
                    }
                };
                tokio::select! {
                    _ = stopped => {}
                    _ = accept => {}
                }
            });
            // Shutting the runtime down cancels every connection's task.
            rt.shutdown_timeout(std::time::Duration::from_secs(1));
        })
        .map_err(|e| Error::Serve(format!("tokio thread: {e}")))?;
    Ok(Started {
        threads: vec![thread],
        wake: Some(Box::new(move || {
            let _ = stop.send(());
        })),
    })
}

//! The handler as a hyper service, for the async servers.

use std::future::Future;
use std::net::SocketAddr;

use cvp_workloads::{AsyncEnv, Mix};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

use super::handler;
use super::http::id_of;

/// Answers one request with [`handler::nonblocking`].
pub(crate) fn answer<E: AsyncEnv>(
    env: E,
    mix: Mix,
    backend: Option<SocketAddr>,
    req: Request<Incoming>,
) -> impl Future<Output = Result<Response<Full<Bytes>>, std::convert::Infallible>> {
    let id = id_of(req.uri().path());
    async move {
        let (status, body) = handler::nonblocking(&env, &mix, id, backend).await;
        let mut resp = Response::new(Full::new(Bytes::from(body)));
        *resp.status_mut() =
            hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        resp.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/plain"),
        );
        Ok(resp)
    }
}

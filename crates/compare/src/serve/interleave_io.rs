//! hyper over cvp-interleave's sockets: a wrapper that turns futures-io
//! `AsyncRead`/`AsyncWrite` into hyper's `rt::Read`/`rt::Write`.
//!
//! The server side of hyper's HTTP/1 connection needs nothing else of a
//! runtime (no executor, and no timer while no timeouts are set). This
//! file is the only place that adapts; where cvp-interleave implements
//! hyper's traits itself, it is replaced by that.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

/// A futures-io stream seen as a hyper stream.
#[derive(Debug)]
pub(crate) struct HyperIo<T>(pub(crate) T);

/// Bytes read per call: enough for a request head, on the stack.
const CHUNK: usize = 8 * 1024;

impl<T: AsyncRead + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // Read into initialised memory and copy: no unsafe, and a request
        // head is a few hundred bytes.
        let mut chunk = [0u8; CHUNK];
        let want = buf.remaining().min(CHUNK);
        match Pin::new(&mut self.0).poll_read(cx, &mut chunk[..want]) {
            Poll::Ready(Ok(n)) => {
                buf.put_slice(&chunk[..n]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

//! hyper 1.x on the interleaver (cargo feature `hyper`).
//!
//! - [`TcpStream`] implements [`hyper::rt::Read`] and
//!   [`hyper::rt::Write`] itself: hand it to hyper as it is. Reads go
//!   straight into hyper's uninitialised buffer (`recv(2)` on Unix), with no
//!   zeroing.
//! - [`Timer`] is a [`hyper::rt::Timer`] on the runtime's own timers (real
//!   or virtual clock): hyper's header-read timeout and keep-alive timeouts
//!   work. Its sleeps are this crate's [`Sleep`](crate::Sleep), which is
//!   `Send + Sync` as hyper requires, although it must be polled on its
//!   runtime's thread.
//! - [`Executor`] is a [`hyper::rt::Executor`] that spawns on the current
//!   runtime (hyper's HTTP/2 and client connections spawn tasks; the futures
//!   need not be `Send`).
//!
//! An HTTP/1.1 server:
//!
//! ```
//! # if cfg!(miri) { return; } // Miri cannot call socket FFI
//! use std::convert::Infallible;
//! use std::time::Duration;
//! use cvp_interleave::{spawn, Runtime, TcpListener};
//! use http_body_util::Full;
//! use hyper::{body::Bytes, server::conn::http1, service::service_fn, Request, Response};
//!
//! async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
//! }
//!
//! let rt = Runtime::new();
//! rt.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//!     # let addr = listener.local_addr().unwrap();
//!     spawn(async move {
//!         loop {
//!             let (stream, _) = listener.accept().await.unwrap();
//!             spawn(async move {
//!                 let conn = http1::Builder::new()
//!                     .timer(cvp_interleave::hyper::Timer)
//!                     .header_read_timeout(Duration::from_secs(5))
//!                     .serve_connection(stream, service_fn(hello));
//!                 let _ = conn.await;
//!             });
//!         }
//!     });
//!     # use futures::{AsyncReadExt, AsyncWriteExt};
//!     # let mut c = cvp_interleave::TcpStream::connect(addr).await.unwrap();
//!     # c.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
//!     # let mut out = String::new();
//!     # c.read_to_string(&mut out).await.unwrap();
//!     # assert!(out.ends_with("hello"), "{out}");
//! })
//! .unwrap();
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use ::hyper::rt;

use crate::TcpStream;

impl rt::Read for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: the slice is only written to (by `recv`), never
        // de-initialised.
        let n = ready!(self.poll_read_uninit(cx, unsafe { buf.as_mut() }))?;
        // SAFETY: `recv` initialised the first `n` bytes of that slice.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl rt::Write for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_inner(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(self, cx)
    }
}

impl rt::Sleep for crate::Sleep {}

/// hyper's timer on the current runtime's clock: pass it to a connection
/// builder's `timer` to enable hyper's timeouts.
///
/// A sleep made through it binds to the runtime that first polls it; its
/// deadline is on that runtime's clock (in virtual time, a
/// [`std::time::Instant`] deadline is taken as "that long from now").
/// `reset` moves one of this crate's sleeps in place, and `now` is the
/// clock at the start of the current scheduler tick, so hyper's
/// per-request header-read timer costs no allocation and no clock read.
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer as _;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// rt.block_on(cvp_interleave::hyper::Timer.sleep(Duration::from_secs(30))).unwrap();
/// assert_eq!(rt.now().as_duration(), Duration::from_secs(30));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer;

impl rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(crate::sleep(duration))
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn rt::Sleep>> {
        // On the real clock the deadline converts as it is, with no clock
        // read (hyper has just read the clock to make it).
        if let Some(s) = crate::timer::sleep_until_std(deadline, ceil_micros) {
            return Box::pin(s);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        Box::pin(crate::sleep(ceil_micros(left)))
    }

    /// The start of the current scheduler tick, as [`crate::sleep`]
    /// measures from (hyper asks before every request's header-read
    /// deadline; the clock is read once per tick, not once per request).
    /// Outside a runtime or in virtual time: [`std::time::Instant::now`].
    fn now(&self) -> std::time::Instant {
        crate::timer::tick_std().unwrap_or_else(std::time::Instant::now)
    }

    /// Moves the sleep in place when it is one of this runtime's (hyper
    /// resets its header-read timer before every request: no allocation
    /// then), or replaces it.
    fn reset(&self, sleep: &mut Pin<Box<dyn rt::Sleep>>, new_deadline: std::time::Instant) {
        if let Some(s) = sleep.as_mut().downcast_mut_pin::<crate::Sleep>() {
            if crate::timer::reset_to_std(s.get_mut(), new_deadline, ceil_micros) {
                return;
            }
        }
        *sleep = self.sleep_until(new_deadline);
    }
}

/// `d` rounded up to a whole microsecond. hyper arms its header-read timer
/// at `now() + timeout` for every request; deadlines a few nanoseconds apart
/// come out equal (in the order armed), and in virtual time, where the
/// deadline is taken as that long from now, the nanoseconds between hyper's
/// clock read and ours cannot make the deadlines armed in one scheduler
/// tick decrease, which would send them to the timers' heap instead of
/// their in-order queue. Never early, at most a microsecond late.
fn ceil_micros(d: Duration) -> Duration {
    let nanos = d.subsec_nanos();
    let micros = nanos.div_ceil(1000);
    Duration::new(d.as_secs(), 0).saturating_add(Duration::from_micros(u64::from(micros)))
}

/// hyper's executor: spawns on the current runtime (no `Send` bound).
///
/// # Panics
/// `execute` panics outside [`Runtime::block_on`](crate::Runtime::block_on).
///
/// ```
/// use hyper::rt::Executor as _;
/// let rt = cvp_interleave::Runtime::new();
/// let (tx, rx) = futures::channel::oneshot::channel();
/// rt.block_on(async move {
///     cvp_interleave::hyper::Executor.execute(async move { tx.send(7).unwrap() });
///     assert_eq!(rx.await.unwrap(), 7);
/// })
/// .unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Executor;

impl<F> rt::Executor<F> for Executor
where
    F: Future + 'static,
{
    fn execute(&self, fut: F) {
        crate::spawn(fut);
    }
}

#[cfg(test)]
mod tests {
    use super::ceil_micros;
    use std::time::Duration;

    #[test]
    fn a_sleep_until_a_std_instant_never_ends_before_it() {
        use ::hyper::rt::Timer as _;
        let rt = crate::Runtime::new();
        for ms in [0, 1, 3] {
            let deadline = std::time::Instant::now() + Duration::from_millis(ms);
            rt.block_on(super::Timer.sleep_until(deadline)).unwrap();
            assert!(
                std::time::Instant::now() >= deadline,
                "woke early at {ms} ms"
            );
        }
        // In virtual time the deadline is that long from now.
        let rt = crate::Runtime::builder().virtual_time(true).build();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        rt.block_on(super::Timer.sleep_until(deadline)).unwrap();
        assert!(rt.now().as_duration() > Duration::from_secs(59));
    }

    #[test]
    fn a_reset_moves_the_sleep_in_place_and_now_is_the_tick() {
        use ::hyper::rt::Timer as _;
        let rt = crate::Runtime::new();
        rt.block_on(async {
            let timer = super::Timer;
            let now = timer.now();
            assert!(now <= std::time::Instant::now());
            let mut sleep = timer.sleep_until(now + Duration::from_secs(60));
            let before: *const () = (&*sleep as *const dyn ::hyper::rt::Sleep).cast();
            // Armed far away, then moved close: it must end at the new
            // deadline, in the same box.
            let _ = futures::poll!(sleep.as_mut());
            let near = std::time::Instant::now() + Duration::from_millis(2);
            timer.reset(&mut sleep, near);
            let after: *const () = (&*sleep as *const dyn ::hyper::rt::Sleep).cast();
            assert_eq!(before, after, "reset allocated a new sleep");
            sleep.await;
            assert!(std::time::Instant::now() >= near);
        })
        .unwrap();
    }

    #[test]
    fn deadlines_round_up_to_the_microsecond_never_down() {
        let ten = Duration::from_secs(10);
        assert_eq!(ceil_micros(ten - Duration::from_nanos(50)), ten);
        assert_eq!(ceil_micros(ten - Duration::from_nanos(999)), ten);
        assert_eq!(ceil_micros(ten), ten);
        assert_eq!(
            ceil_micros(Duration::from_nanos(1_001)),
            Duration::from_micros(2)
        );
        assert_eq!(
            ceil_micros(Duration::new(3, 999_999_001)),
            Duration::from_secs(4)
        );
        assert_eq!(ceil_micros(Duration::ZERO), Duration::ZERO);
        assert_eq!(ceil_micros(Duration::MAX), Duration::MAX);
    }
}

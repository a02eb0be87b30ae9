//! Async TCP on the reactor.
//!
//! The sockets implement the I/O traits of `futures-io`
//! ([`AsyncRead`]/[`AsyncWrite`]), not tokio's: `futures-io` is a small,
//! runtime-neutral crate that the whole `futures` ecosystem (`futures::io`
//! combinators, `async-std`, `smol`, codecs) builds on, whereas tokio's traits
//! pull in tokio and its `ReadBuf` protocol. A tokio user can still adapt with
//! `tokio-util`'s `compat`.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::reactor::{Direction, Source, SHORT_IO_DRAINS};
use crate::runtime::{self, Local};

/// The raw descriptor (or socket) of `io`, for reports.
#[cfg(unix)]
fn raw_fd(io: &impl std::os::fd::AsRawFd) -> i64 {
    i64::from(io.as_raw_fd())
}

/// The raw descriptor (or socket) of `io`, for reports.
#[cfg(windows)]
fn raw_fd(io: &impl std::os::windows::io::AsRawSocket) -> i64 {
    io.as_raw_socket() as i64
}

/// Pending connections the kernel may queue before `accept` (std uses 128,
/// too few for thousands of clients connecting at once; Linux caps it at
/// `net.core.somaxconn`).
#[cfg(unix)]
const BACKLOG: libc::c_int = 4096;

fn not_in_runtime() -> io::Error {
    io::Error::other("cvp-interleave: sockets need a runtime (inside Runtime::block_on)")
}

fn current() -> io::Result<Rc<Local>> {
    runtime::current().ok_or_else(not_in_runtime)
}

/// A TCP listener whose `accept` is a future.
///
/// ```
/// # if cfg!(miri) { return; } // Miri cannot call socket FFI
/// use cvp_interleave::{Runtime, TcpListener, TcpStream};
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// let rt = Runtime::new();
/// rt.block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = cvp_interleave::spawn(async move {
///         let (mut s, _) = listener.accept().await.unwrap();
///         let mut buf = [0; 5];
///         s.read_exact(&mut buf).await.unwrap();
///         s.write_all(&buf).await.unwrap();
///     });
///     let mut c = TcpStream::connect(addr).await.unwrap();
///     c.write_all(b"hello").await.unwrap();
///     let mut buf = [0; 5];
///     c.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
///     server.await.unwrap();
/// })
/// .unwrap();
/// ```
pub struct TcpListener {
    local: Rc<Local>,
    source: Rc<Source>,
    io: mio::net::TcpListener,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener").field("io", &self.io).finish()
    }
}

impl TcpListener {
    /// Binds to `addr` (inside a runtime).
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     assert!(l.local_addr().unwrap().port() != 0);
    /// })
    /// .unwrap();
    /// assert!(cvp_interleave::TcpListener::bind("127.0.0.1:0").is_err(), "no runtime");
    /// ```
    pub fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let local = current()?;
        let io = std::net::TcpListener::bind(addr)?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: `listen` on a socket we own; calling it again on a
            // listening socket only changes the backlog.
            if unsafe { libc::listen(io.as_raw_fd(), BACKLOG) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Self::with(local, io)
    }

    /// Wraps a std listener (inside a runtime); it is made non-blocking.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let std = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     cvp_interleave::TcpListener::from_std(std).unwrap();
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(io: std::net::TcpListener) -> io::Result<TcpListener> {
        Self::with(current()?, io)
    }

    fn with(local: Rc<Local>, io: std::net::TcpListener) -> io::Result<TcpListener> {
        io.set_nonblocking(true)?;
        let mut io = mio::net::TcpListener::from_std(io);
        let fd = raw_fd(&io);
        let source = local.reactor.register(&local.shared, &mut io, fd)?;
        Ok(TcpListener { local, source, io })
    }

    /// The address it listens on.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     assert!(l.local_addr().unwrap().ip().is_loopback());
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// Waits for a connection.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = l.local_addr().unwrap();
    ///     let c = cvp_interleave::spawn(cvp_interleave::TcpStream::connect(addr));
    ///     let (_s, peer) = l.accept().await.unwrap();
    ///     assert_eq!(peer, c.await.unwrap().unwrap().local_addr().unwrap());
    /// })
    /// .unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| loop {
            match self.poll_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
            // `accept4` with `SOCK_NONBLOCK` where there is one.
            match self.io.accept() {
                Ok((s, addr)) => {
                    return Poll::Ready(
                        TcpStream::register(self.local.clone(), s).map(|s| (s, addr)),
                    )
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self
                    .local
                    .reactor
                    .clear_ready(&self.source, Direction::Read),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        })
        .await
    }

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.local
            .reactor
            .poll_ready(&self.source, Direction::Read, cx)
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        self.local.reactor.deregister(&self.source, &mut self.io);
    }
}

/// A TCP connection implementing [`AsyncRead`] and [`AsyncWrite`] (also on
/// `&TcpStream`, so one task can read while another writes).
///
/// ```
/// # if cfg!(miri) { return; } // Miri cannot call socket FFI
/// use cvp_interleave::{Runtime, TcpListener, TcpStream};
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// let rt = Runtime::new();
/// rt.block_on(async {
///     let l = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = l.local_addr().unwrap();
///     cvp_interleave::spawn(async move {
///         let (s, _) = l.accept().await.unwrap();
///         let (mut r, mut w) = (&s, &s);
///         futures::io::copy(&mut r, &mut w).await.unwrap();
///     });
///     let mut c = TcpStream::connect(addr).await.unwrap();
///     c.write_all(b"ping").await.unwrap();
///     let mut buf = [0; 4];
///     c.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
/// })
/// .unwrap();
/// ```
pub struct TcpStream {
    local: Rc<Local>,
    source: Rc<Source>,
    io: mio::net::TcpStream,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream").field("io", &self.io).finish()
    }
}

impl TcpStream {
    /// Connects to `addr` without blocking the thread (inside a runtime).
    /// Names are resolved with the blocking resolver of `std`; pass socket
    /// addresses to stay non-blocking.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = cvp_interleave::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
    /// })
    /// .unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let local = current()?;
        let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
        for addr in addr.to_socket_addrs()? {
            match Self::connect_one(local.clone(), addr).await {
                Ok(s) => return Ok(s),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn connect_one(local: Rc<Local>, addr: SocketAddr) -> io::Result<TcpStream> {
        // A non-blocking connect (`EINPROGRESS` is fine): the poller
        // reports writability when it completes or fails.
        let stream = TcpStream::register(local, mio::net::TcpStream::connect(addr)?)?;
        std::future::poll_fn(|cx| {
            stream.poll_op(Direction::Write, cx, |io| {
                if let Some(e) = io.take_error()? {
                    return Err(e);
                }
                match io.peer_addr() {
                    Ok(_) => Ok(()),
                    // Still connecting: wait for the next edge.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    /// Wraps a connected std stream (inside a runtime); it is made
    /// non-blocking.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    ///     cvp_interleave::TcpStream::from_std(s).unwrap();
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(io: std::net::TcpStream) -> io::Result<TcpStream> {
        Self::with(current()?, io)
    }

    fn with(local: Rc<Local>, io: std::net::TcpStream) -> io::Result<TcpStream> {
        io.set_nonblocking(true)?;
        Self::register(local, mio::net::TcpStream::from_std(io))
    }

    /// Puts a non-blocking stream on the reactor.
    fn register(local: Rc<Local>, mut io: mio::net::TcpStream) -> io::Result<TcpStream> {
        let fd = raw_fd(&io);
        let source = local.reactor.register(&local.shared, &mut io, fd)?;
        Ok(TcpStream { local, source, io })
    }

    /// The local address.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = cvp_interleave::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert!(s.local_addr().unwrap().ip().is_loopback());
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// The remote address.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = cvp_interleave::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.peer_addr()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = cvp_interleave::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     s.set_nodelay(true).unwrap();
    /// })
    /// .unwrap();
    /// ```
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.io.set_nodelay(on)
    }

    /// Shuts down one or both directions.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let l = cvp_interleave::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let s = cvp_interleave::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     s.shutdown(std::net::Shutdown::Write).unwrap();
    /// })
    /// .unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }

    fn poll_io(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.local.reactor.poll_ready(&self.source, dir, cx)
    }

    /// Tries `op` until it does not block, parking on the reactor.
    fn poll_op<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mio::net::TcpStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            match self.poll_io(dir, cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
            match op(&self.io) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.local.reactor.clear_ready(&self.source, dir)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return Poll::Ready(r),
            }
        }
    }

    /// A read or write of `len` bytes (`op`) until it does not block. A
    /// short transfer shows the kernel's buffer drained (or filled), so the
    /// readiness is cleared at once, sparing the system call that would
    /// only report `WouldBlock` ([`SHORT_IO_DRAINS`]).
    fn poll_transfer(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&mio::net::TcpStream) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let r = self.poll_op(dir, cx, op);
        if let Poll::Ready(Ok(n)) = r {
            if SHORT_IO_DRAINS && 0 < n && n < len {
                self.local.reactor.clear_drained(&self.source, dir);
            }
        }
        r
    }
}

impl TcpStream {
    /// Reads into a buffer that need not be initialised (for hyper's read
    /// buffers); the count of bytes written at its start.
    #[cfg_attr(not(feature = "hyper"), allow(dead_code))]
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_transfer(Direction::Read, cx, len, |io| read_uninit(io, buf))
    }

    /// Writes several buffers in one system call.
    #[cfg_attr(not(feature = "hyper"), allow(dead_code))]
    pub(crate) fn poll_write_vectored_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.poll_transfer(Direction::Write, cx, len, |mut io| io.write_vectored(bufs))
    }
}

/// `recv(2)` straight into uninitialised memory: no zeroing.
#[cfg(unix)]
fn read_uninit(
    io: &mio::net::TcpStream,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole
    // call and `recv` writes at most that many; it never reads them, so their
    // being uninitialised is fine. The descriptor is owned by `io`.
    let n = unsafe { libc::recv(io.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Elsewhere: initialise, then read.
#[cfg(not(unix))]
fn read_uninit(
    io: &mio::net::TcpStream,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> io::Result<usize> {
    buf.fill(std::mem::MaybeUninit::new(0));
    // SAFETY: every byte was just initialised.
    let init = unsafe { &mut *(buf as *mut [std::mem::MaybeUninit<u8>] as *mut [u8]) };
    (&*io).read(init)
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        self.local.reactor.deregister(&self.source, &mut self.io);
    }
}

impl AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_transfer(Direction::Read, cx, len, |mut io| io.read(buf))
    }
}

impl AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_transfer(Direction::Write, cx, len, |mut io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.io.shutdown(Shutdown::Write))
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_read(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_close(cx)
    }
}

//! [`Async`]: any file descriptor on the reactor (Unix), with UDP and Unix
//! stream sockets on top.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::reactor::{Direction, Source};
use crate::runtime::{self, Local};

/// An I/O source (anything with a file descriptor) registered with the
/// current runtime's reactor: await its readiness, or run a non-blocking
/// operation until it does not block. [`Async::new`] puts the descriptor in
/// non-blocking mode.
///
/// It also gives UDP sockets (`Async<UdpSocket>`), Unix stream sockets
/// (`Async<UnixStream>`, with `futures-io`'s `AsyncRead`/`AsyncWrite`) and
/// Unix listeners (`Async<UnixListener>`).
///
/// ```
/// # if cfg!(miri) { return; } // Miri cannot call socket FFI
/// use std::os::unix::net::UnixStream;
/// use cvp_interleave::{Async, Runtime};
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// let rt = Runtime::new();
/// rt.block_on(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (mut a, mut b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
///     a.write_all(b"ping").await.unwrap();
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
/// })
/// .unwrap();
/// ```
pub struct Async<T: AsFd> {
    local: Rc<Local>,
    source: Rc<Source>,
    io: Option<T>,
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("io", &self.io).finish()
    }
}

fn set_nonblocking(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `fcntl` with F_GETFL/F_SETFL on a descriptor borrowed for
    // the call only reads and sets its status flags; no memory is passed.
    unsafe {
        let flags = libc::fcntl(raw, libc::F_GETFL);
        if flags < 0 || libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl<T: AsFd> Async<T> {
    /// Registers `io` with the current runtime (inside `block_on`) and makes
    /// it non-blocking.
    pub fn new(io: T) -> io::Result<Async<T>> {
        let local = runtime::current().ok_or_else(|| {
            io::Error::other(
                "cvp-interleave: I/O sources need a runtime (inside Runtime::block_on)",
            )
        })?;
        set_nonblocking(io.as_fd())?;
        let fd = io.as_fd().as_raw_fd();
        let source =
            local
                .reactor
                .register(&local.shared, &mut mio::unix::SourceFd(&fd), i64::from(fd))?;
        Ok(Async {
            local,
            source,
            io: Some(io),
        })
    }

    /// The inner source.
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("present until drop")
    }

    /// Deregisters and gives the source back (still non-blocking).
    pub fn into_inner(mut self) -> T {
        self.deregister();
        self.io.take().expect("present until drop")
    }

    fn deregister(&self) {
        if let Some(io) = &self.io {
            let fd = io.as_fd().as_raw_fd();
            self.local
                .reactor
                .deregister(&self.source, &mut mio::unix::SourceFd(&fd));
        }
    }

    fn poll_dir(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.local.reactor.poll_ready(&self.source, dir, cx)
    }

    fn poll_op<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        op: &mut impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            match self.poll_dir(dir, cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.local.reactor.clear_ready(&self.source, dir)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return Poll::Ready(r),
            }
        }
    }

    /// Runs the non-blocking `op` until it does not report `WouldBlock`,
    /// waiting for readability in between.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_op(Direction::Read, cx, &mut op)).await
    }

    /// Runs the non-blocking `op` until it does not report `WouldBlock`,
    /// waiting for writability in between.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_op(Direction::Write, cx, &mut op)).await
    }

    /// Waits until the source may be readable (an edge since the last
    /// `WouldBlock`).
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_dir(Direction::Read, cx)).await
    }

    /// Waits until the source may be writable.
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_dir(Direction::Write, cx)).await
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl Async<UdpSocket> {
    /// Binds a UDP socket to `addr`.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri cannot call socket FFI
    /// use std::net::UdpSocket;
    /// use cvp_interleave::{Async, Runtime};
    /// let rt = Runtime::new();
    /// rt.block_on(async {
    ///     let a = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
    ///     let b = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
    ///     a.send_to(b"hi", b.get_ref().local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!((&buf[..n], from), (&b"hi"[..], a.get_ref().local_addr().unwrap()));
    /// })
    /// .unwrap();
    /// ```
    pub fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<Async<UdpSocket>> {
        Async::new(UdpSocket::bind(addr)?)
    }

    /// Sends a datagram to `addr`.
    pub async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> io::Result<usize> {
        self.write_with(|s| s.send_to(buf, addr)).await
    }

    /// Receives a datagram and its sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.read_with(|s| s.recv_from(buf)).await
    }

    /// Sends to the connected peer (after `get_ref().connect(..)`).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.write_with(|s| s.send(buf)).await
    }

    /// Receives from the connected peer.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_with(|s| s.recv(buf)).await
    }
}

impl Async<UnixListener> {
    /// Binds a Unix listener to `path`.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<Async<UnixListener>> {
        Async::new(UnixListener::bind(path)?)
    }

    /// Accepts a connection.
    pub async fn accept(&self) -> io::Result<Async<UnixStream>> {
        let (s, _) = self.read_with(|l| l.accept()).await?;
        Async::new(s)
    }
}

impl Async<UnixStream> {
    /// Connects to the Unix socket at `path` (a local connect completes at
    /// once or fails).
    pub fn connect<P: AsRef<Path>>(path: P) -> io::Result<Async<UnixStream>> {
        Async::new(UnixStream::connect(path)?)
    }
}

impl AsyncRead for Async<UnixStream> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_op(Direction::Read, cx, &mut |mut s: &UnixStream| s.read(buf))
    }
}

impl AsyncWrite for Async<UnixStream> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_op(Direction::Write, cx, &mut |mut s: &UnixStream| s.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.get_ref().shutdown(std::net::Shutdown::Write))
    }
}

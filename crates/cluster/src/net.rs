//! The processes' TCP mesh: each process listens on its address, connects
//! to every process before it and accepts every process after it (timely's
//! layout), then hands the sockets to timely, counted.
//!
//! timely can make these connections itself, but it retries a refused
//! connection and polls its listener once a second, which puts a second
//! into every start-up; here both retry every few milliseconds until a
//! deadline, so a start-up costs what the handshakes cost and a missing
//! process is an error instead of a wait without end.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use timely::communication::allocator::zero_copy::stream::Stream;

/// Marks a cvp cluster handshake, so that a stray connection is refused.
const MAGIC: u64 = 0x6376_7063_6c75_7374; // "cvpclust"

/// Pause between attempts to connect to a process not yet listening, and
/// between looks at a listener with nothing to accept.
const RETRY: Duration = Duration::from_millis(2);

/// A socket whose bytes written are counted.
pub(crate) struct Counted {
    inner: TcpStream,
    sent: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sent.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Stream for Counted {
    fn try_clone(&self) -> io::Result<Self> {
        Ok(Counted {
            inner: self.inner.try_clone()?,
            sent: Arc::clone(&self.sent),
        })
    }
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }
}

/// Connects process `me` to every other process. Returns one socket a
/// process (`None` at `me`), all counting into `sent`.
pub(crate) fn mesh(
    listener: &TcpListener,
    addresses: &[String],
    me: usize,
    deadline: Instant,
    sent: &Arc<AtomicU64>,
) -> Result<Vec<Option<Counted>>, String> {
    let mut sockets: Vec<Option<Counted>> = (0..addresses.len()).map(|_| None).collect();
    for (j, address) in addresses.iter().enumerate().take(me) {
        let mut stream = loop {
            match TcpStream::connect(address) {
                Ok(s) => break s,
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!("cannot connect to process {j} at {address}: {e}"))
                }
                Err(_) => std::thread::sleep(RETRY),
            }
        };
        let hello = [MAGIC.to_be_bytes(), (me as u64).to_be_bytes()].concat();
        stream
            .write_all(&hello)
            .map_err(|e| format!("handshake with process {j}: {e}"))?;
        sockets[j] = Some(counted(stream, sent)?);
    }
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("listener: {e}"))?;
    let mut missing = addresses.len() - me - 1;
    while missing > 0 {
        match listener.accept() {
            Ok((mut stream, from)) => {
                stream
                    .set_nonblocking(false)
                    .and_then(|()| stream.set_read_timeout(Some(Duration::from_secs(5))))
                    .map_err(|e| format!("socket: {e}"))?;
                let mut hello = [0u8; 16];
                if stream.read_exact(&mut hello).is_err() {
                    continue; // not one of ours: ignore it
                }
                let magic = u64::from_be_bytes(hello[..8].try_into().expect("8 bytes"));
                let j = u64::from_be_bytes(hello[8..].try_into().expect("8 bytes")) as usize;
                if magic != MAGIC || j <= me || j >= addresses.len() || sockets[j].is_some() {
                    eprintln!("refused a stray connection from {from}");
                    continue;
                }
                stream
                    .set_read_timeout(None)
                    .map_err(|e| format!("socket: {e}"))?;
                sockets[j] = Some(counted(stream, sent)?);
                missing -= 1;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    let absent: Vec<String> = (me + 1..addresses.len())
                        .filter(|&j| sockets[j].is_none())
                        .map(|j| j.to_string())
                        .collect();
                    return Err(format!("process(es) {} never connected", absent.join(", ")));
                }
                std::thread::sleep(RETRY);
            }
            Err(e) => return Err(format!("accept: {e}")),
        }
    }
    Ok(sockets)
}

fn counted(stream: TcpStream, sent: &Arc<AtomicU64>) -> Result<Counted, String> {
    stream
        .set_nodelay(true)
        .map_err(|e| format!("socket: {e}"))?;
    Ok(Counted {
        inner: stream,
        sent: Arc::clone(sent),
    })
}

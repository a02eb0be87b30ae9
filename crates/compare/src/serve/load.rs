//! The open-loop load generator: requests are due at a set rate over N
//! keep-alive connections, whatever the server does, and each request's
//! latency counts from when it was due (coordinated omission corrected,
//! as wrk2 does). One thread, pinned to its own CPUs, drives every
//! connection through a readiness poller.
//!
//! # The schedule
//!
//! Connection `c` of `N` owns every `N`-th request: its requests are due
//! `N / rate` apart (or at exponential gaps of that mean, seeded), the
//! connections staggered across one gap. A request due while its
//! connection still waits for the previous answer queues behind it, its
//! clock already running. A request that fails — refused, timed out, the
//! connection closed under it, a wrong answer — is counted by kind and
//! keeps its latency in the histogram.
//!
//! # The generator's own lag
//!
//! Every request should be acted on when due — sent on an idle connection,
//! queued behind a busy one; how much later the generator acted is its
//! lag, recorded in its own histogram.
//! A point whose lag p99 is over [`MAX_LAG_P99`] is marked unreliable:
//! the generator, not the server, bent the schedule.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cvp_workloads::{Schedule, IDS};
use hdrhistogram::Histogram;
use polling::{Event, Events, PollMode, Poller};
use socket2::{Domain, Socket, Type};

use crate::exec::affinity::CpuSet;
use crate::Error;

/// Above this lag p99 a point is unreliable.
pub const MAX_LAG_P99: Duration = Duration::from_millis(1);
/// The highest rate the generator accepts, requests per second.
pub(crate) const MAX_RATE: f64 = 10_000_000.0;
/// The most connections it opens.
pub(crate) const MAX_CONNECTIONS: usize = 100_000;
/// The longest run it accepts.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(3600);
/// Requests one connection may have queued; more are counted `unsent`.
const MAX_QUEUED: usize = 1 << 16;
/// Largest response the generator reads.
const MAX_RESPONSE: usize = 64 * 1024;
/// Histogram range: 1 ns to an hour, 3 significant digits.
const HIST_MAX_NS: u64 = 3_600_000_000_000;

/// How request due times are spaced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrivals {
    /// Evenly: one every `connections / rate` seconds per connection.
    Constant,
    /// Exponential gaps of the same mean (a Poisson process), from a seed.
    Poisson {
        /// Seeds every connection's gaps.
        seed: u64,
    },
}

/// A load to offer.
#[derive(Debug, Clone)]
pub struct Load {
    /// The server (loopback only).
    pub addr: SocketAddr,
    /// Offered requests per second.
    pub rate: f64,
    /// Keep-alive connections.
    pub connections: usize,
    /// How long requests are due.
    pub duration: Duration,
    /// How due times are spaced.
    pub arrivals: Arrivals,
    /// Deadline of each connect and each request from when it was sent;
    /// also how long the end of the run waits for answers.
    pub timeout: Duration,
    /// CPUs the generator's thread is pinned to (`None`: unpinned).
    pub cpus: Option<Vec<usize>>,
    /// The body each request `/id` must be answered with (`None`: any);
    /// request `k` asks for `/k % n` of its `n` ids (of
    /// [`IDS`](cvp_workloads::IDS) without answers).
    pub answers: Option<Arc<[String]>>,
}

impl Load {
    /// A constant-rate load of one second over 16 connections with a
    /// one-second deadline, unpinned, bodies unchecked.
    pub fn new(addr: SocketAddr, rate: f64) -> Self {
        Self {
            addr,
            rate,
            connections: 16,
            duration: Duration::from_secs(1),
            arrivals: Arrivals::Constant,
            timeout: Duration::from_secs(1),
            cpus: None,
            answers: None,
        }
    }

    fn check(&self) -> Result<(), Error> {
        let bad = |s: String| Err(Error::Serve(s));
        if !self.addr.ip().is_loopback() {
            return bad(format!("{} is not a loopback address", self.addr));
        }
        if !(self.rate.is_finite() && self.rate > 0.0 && self.rate <= MAX_RATE) {
            return bad(format!(
                "rate must be above 0 and at most {MAX_RATE} requests/s, not {}",
                self.rate
            ));
        }
        if self.connections == 0 || self.connections > MAX_CONNECTIONS {
            return bad(format!(
                "connections must be 1 to {MAX_CONNECTIONS}, not {}",
                self.connections
            ));
        }
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            return bad(format!(
                "duration must be above 0 and at most {} s",
                MAX_DURATION.as_secs()
            ));
        }
        if self.timeout.is_zero() || self.timeout > Duration::from_secs(60) {
            return bad("timeout must be above 0 and at most 60 s".into());
        }
        Ok(())
    }
}

/// What one load produced.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Offered requests per second.
    pub offered_rps: f64,
    /// Answered correctly per second, counting answers received while
    /// requests were due (not the queue drained after).
    pub achieved_rps: f64,
    /// Requests due.
    pub due: u64,
    /// Requests sent.
    pub sent: u64,
    /// Requests answered correctly.
    pub ok: u64,
    /// Latency of every due request, from when it was due, failed ones
    /// included, nanoseconds.
    pub latency: Histogram<u64>,
    /// The same latencies split by when each request was due into five
    /// equal windows of the schedule: the p99s of the point with each
    /// window left out in turn are its noise band.
    pub windows: Vec<Histogram<u64>>,
    /// How late the generator acted on each due time, nanoseconds.
    pub lag: Histogram<u64>,
    /// Failed requests by kind (`refused`, `emfile`, `timeout`, `closed`,
    /// `reset`, `connect-timeout`, `bad-response`, `status`, `wrong`,
    /// `unsent`, `io`).
    pub errors: BTreeMap<String, u64>,
    /// Connections open at the start of the schedule.
    pub connected: usize,
    /// The generator's CPUs (empty: unpinned).
    pub cpus: Vec<usize>,
    /// The priority the generator's thread ran at, above the server's
    /// (`None`: the process may not raise it).
    pub priority: Option<String>,
    /// How long requests were due.
    pub duration: Duration,
}

impl LoadReport {
    /// Failed requests, all kinds.
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Why the point does not measure the server, if it does not: the
    /// generator sent late.
    pub fn unreliable(&self) -> Option<String> {
        let p99 = self.lag.value_at_quantile(0.99);
        (p99 > MAX_LAG_P99.as_nanos() as u64).then(|| {
            format!(
                "the generator sent late: lag p99 {:.2} ms over {} ms",
                p99 as f64 / 1e6,
                MAX_LAG_P99.as_millis()
            )
        })
    }
}

/// How many windows a point's schedule is split into for its noise band.
pub(crate) const WINDOWS: usize = 5;

/// Descriptors wanted for 10,000 connections with both ends in one
/// process, and some to spare.
const WANTED_FDS: libc::rlim_t = 32_768;

/// Raises the soft limit of open files to the hard limit, and both to
/// 32,768 where the process may (10,000 connections need 20,000
/// descriptors, both ends in one process); returns the soft limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit to write into.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if lim.rlim_max < WANTED_FDS {
        let more = libc::rlimit {
            rlim_cur: WANTED_FDS,
            rlim_max: WANTED_FDS,
        };
        // SAFETY: a valid rlimit; raising the hard limit needs a privilege,
        // and without it the call fails and changes nothing.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &more) } == 0 {
            return Ok(WANTED_FDS);
        }
    }
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: `lim` is a valid rlimit, soft limit at most the hard one.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(lim.rlim_cur)
}

/// Offers `load` and returns what it measured; runs on a thread of its own
/// (pinned to `load.cpus`) and returns within about `duration + 2 *
/// timeout` of being called, whatever the server does.
///
/// ```no_run
/// use cvp_compare::{run_load, Load, Mix, Server};
/// let server = Server::start("tokio-current-thread", 1, Mix::waiting(), None)?;
/// let report = run_load(&Load::new(server.addr(), 1000.0))?;
/// assert_eq!(report.failed(), 0);
/// # Ok::<(), cvp_compare::Error>(())
/// ```
pub fn run_load(load: &Load) -> Result<LoadReport, Error> {
    load.check()?;
    let load = load.clone();
    std::thread::Builder::new()
        .name("serve-load".into())
        .spawn(move || {
            let cpus = match &load.cpus {
                Some(list) => {
                    let set = CpuSet::of(list);
                    set.apply()
                        .map_err(|e| Error::Serve(format!("pinning the generator: {e}")))?;
                    set.cpus()
                }
                None => Vec::new(),
            };
            let priority = raise_priority().ok();
            let mut report = Generator::new(&load)?.run()?;
            report.cpus = cpus;
            report.priority = priority;
            Ok(report)
        })
        .map_err(|e| Error::Serve(format!("generator thread: {e}")))?
        .join()
        .unwrap_or_else(|p| {
            Err(Error::Serve(format!(
                "the generator panicked: {}",
                crate::measure::panic_message(&*p)
            )))
        })
}

/// Niceness of the generator's thread where the process may lower it:
/// other processes on its CPU then delay it less (its lag says by how much).
const GENERATOR_NICE: libc::c_int = -10;

/// Puts the calling thread ahead of the server's threads, which it may
/// share a CPU with: in a real-time process (`chrt -f 1`: every thread
/// SCHED_FIFO or SCHED_RR at one priority, and a server thread computing
/// for 2 ms would hold the CPU against it) one real-time priority above
/// the process's; otherwise niceness [`GENERATOR_NICE`]. Says what it set;
/// fails without the privilege, and the thread keeps its priority.
fn raise_priority() -> io::Result<String> {
    // SAFETY: pid 0 is the calling thread; no pointers are involved.
    let policy = unsafe { libc::sched_getscheduler(0) };
    if policy == libc::SCHED_FIFO || policy == libc::SCHED_RR {
        let mut param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; `param` is a valid
        // sched_param to write into.
        if unsafe { libc::sched_getparam(0, &mut param) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let server = param.sched_priority;
        // SAFETY: no preconditions.
        let max = unsafe { libc::sched_get_priority_max(policy) };
        param.sched_priority = (server + 1).min(max);
        // SAFETY: pid 0 is the calling thread (on Linux the call sets one
        // thread's policy); `param` is a valid sched_param.
        if unsafe { libc::sched_setscheduler(0, policy, &param) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let name = if policy == libc::SCHED_FIFO {
            "SCHED_FIFO"
        } else {
            "SCHED_RR"
        };
        return Ok(format!(
            "{name} priority {} (the server's threads {server})",
            param.sched_priority
        ));
    }
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) } as libc::id_t;
    // SAFETY: PRIO_PROCESS with a thread id sets that thread's niceness
    // (Linux); no pointers are involved.
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, GENERATOR_NICE) } == 0 {
        Ok(format!("nice {GENERATOR_NICE} (the server's threads 0)"))
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A small seeded generator (splitmix64) for Poisson gaps.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug)]
enum State {
    /// No socket.
    Closed,
    /// A connect in progress.
    Connecting,
    /// Connected, nothing in flight.
    Idle,
    /// A request in flight: when it was due, its id.
    Busy { due: Instant, id: u32 },
}

struct Conn {
    socket: Option<TcpStream>,
    state: State,
    /// Bumped on every send and connect, so stale deadlines are ignored.
    generation: u64,
    /// Requests due while busy or connecting: their due times and ids.
    queued: VecDeque<(Instant, u32)>,
    read: Vec<u8>,
    /// Bytes of the request not yet written.
    unwritten: Vec<u8>,
    /// When this connection's next request is due.
    next_due: Instant,
    rng: Rng,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    /// Connection's next request is due.
    Due(usize),
    /// Connection's deadline, for this generation.
    Deadline(usize, u64),
}

struct Generator<'a> {
    load: &'a Load,
    poller: Poller,
    conns: Vec<Conn>,
    timers: BinaryHeap<Reverse<(Instant, Timer)>>,
    /// The request of each id, `GET /id`.
    requests: Vec<Vec<u8>>,
    /// When each connection's requests are due (constant arrivals).
    schedule: Schedule,
    gap: Duration,
    next_id: u32,
    /// When the schedule ends (set when it starts).
    end: Instant,
    /// Right answers received before the end: the achieved rate counts
    /// these, not the queue drained after it.
    answered_in_time: u64,
    report: LoadReport,
}

fn histogram() -> Result<Histogram<u64>, Error> {
    Histogram::new_with_bounds(1, HIST_MAX_NS, 3)
        .map_err(|e| Error::Serve(format!("histogram: {e}")))
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos().min(u128::from(HIST_MAX_NS)) as u64
}

/// The kind of a failed connect or socket call.
fn kind_of(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::EMFILE) | Some(libc::ENFILE) => "emfile",
        Some(libc::ECONNREFUSED) => "refused",
        Some(libc::ECONNRESET) | Some(libc::EPIPE) => "reset",
        Some(libc::ETIMEDOUT) => "connect-timeout",
        _ => match e.kind() {
            ErrorKind::ConnectionRefused => "refused",
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => "reset",
            _ => "io",
        },
    }
}

impl<'a> Generator<'a> {
    fn new(load: &'a Load) -> Result<Self, Error> {
        let poller = Poller::new().map_err(|e| Error::Serve(format!("poller: {e}")))?;
        let n = load.connections;
        let schedule = Schedule::new(load.rate, n);
        let gap = schedule.gap();
        let now = Instant::now();
        let conns = (0..n)
            .map(|c| Conn {
                socket: None,
                state: State::Closed,
                generation: 0,
                queued: VecDeque::new(),
                read: Vec::new(),
                unwritten: Vec::new(),
                next_due: now,
                rng: Rng(match load.arrivals {
                    Arrivals::Constant => 0,
                    Arrivals::Poisson { seed } => {
                        seed ^ (c as u64).wrapping_mul(0xA24B_AED4_963E_E407)
                    }
                }),
            })
            .collect();
        // As many ids as there are answers to check, cycled through.
        let ids = load.answers.as_ref().map_or(IDS, |a| a.len().max(1) as u32);
        let requests = (0..ids)
            .map(|id| format!("GET /{id} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").into_bytes())
            .collect();
        Ok(Self {
            load,
            poller,
            conns,
            timers: BinaryHeap::new(),
            requests,
            schedule,
            gap,
            next_id: 0,
            end: now + MAX_DURATION,
            answered_in_time: 0,
            report: LoadReport {
                offered_rps: load.rate,
                achieved_rps: 0.0,
                due: 0,
                sent: 0,
                ok: 0,
                latency: histogram()?,
                windows: (0..WINDOWS)
                    .map(|_| histogram())
                    .collect::<Result<_, _>>()?,
                lag: histogram()?,
                errors: BTreeMap::new(),
                connected: 0,
                cpus: Vec::new(),
                priority: None,
                duration: load.duration,
            },
        })
    }

    fn gap_for(&mut self, c: usize) -> Duration {
        match self.load.arrivals {
            Arrivals::Constant => self.gap,
            Arrivals::Poisson { .. } => {
                let u = self.conns[c].rng.next_f64();
                self.gap.mul_f64(-(1.0 - u).ln())
            }
        }
    }

    /// Records one request's latency, from `due`, in the whole histogram
    /// and in its window's.
    fn record_latency(&mut self, due: Instant, now: Instant) {
        let ns = nanos(now.saturating_duration_since(due)).max(1);
        self.report.latency.saturating_record(ns);
        let start = self.end.checked_sub(self.load.duration).unwrap_or(self.end);
        let into = due.saturating_duration_since(start).as_secs_f64();
        let w = (into / self.load.duration.as_secs_f64() * WINDOWS as f64) as usize;
        if let Some(h) = self.report.windows.get_mut(w.min(WINDOWS - 1)) {
            h.saturating_record(ns);
        }
    }

    fn fail(&mut self, kind: &str, due: Instant, now: Instant) {
        self.record_latency(due, now);
        *self.report.errors.entry(kind.to_owned()).or_insert(0) += 1;
    }

    /// Fails every request queued on a connection.
    fn fail_queued(&mut self, c: usize, kind: &str, now: Instant) {
        while let Some((due, _)) = self.conns[c].queued.pop_front() {
            self.fail(kind, due, now);
        }
    }

    fn interest(&self, c: usize) -> Event {
        let conn = &self.conns[c];
        let writable = matches!(conn.state, State::Connecting) || !conn.unwritten.is_empty();
        Event::new(c, true, writable)
    }

    /// Closes connection `c` (its socket leaves the poller first).
    fn close(&mut self, c: usize) {
        let conn = &mut self.conns[c];
        if let Some(s) = conn.socket.take() {
            let _ = self.poller.delete(&s);
        }
        conn.state = State::Closed;
        conn.read.clear();
        conn.unwritten.clear();
        conn.generation += 1;
    }

    /// Starts a non-blocking connect on `c`; a failure is returned.
    fn connect(&mut self, c: usize, now: Instant) -> io::Result<()> {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        socket.set_tcp_nodelay(true)?;
        match socket.connect(&self.load.addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream: TcpStream = socket.into();
        let conn = &mut self.conns[c];
        conn.state = State::Connecting;
        conn.generation += 1;
        let generation = conn.generation;
        let ev = Event::new(c, true, true);
        // SAFETY: the stream is deleted from the poller in `close` before
        // it is dropped; it lives in `conns[c].socket` until then.
        unsafe { self.poller.add_with_mode(&stream, ev, PollMode::Level)? };
        self.conns[c].socket = Some(stream);
        self.timers.push(Reverse((
            now + self.load.timeout,
            Timer::Deadline(c, generation),
        )));
        Ok(())
    }

    /// Sends request `id`, due at `due`, on idle connection `c`.
    fn send(&mut self, c: usize, due: Instant, id: u32, now: Instant) {
        let conn = &mut self.conns[c];
        let Some(stream) = conn.socket.as_mut() else {
            return;
        };
        let req = &self.requests[id as usize];
        let written = match stream.write(req) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => 0,
            Err(e) => {
                let kind = kind_of(&e);
                self.close(c);
                self.fail(kind, due, now);
                return;
            }
        };
        conn.unwritten.extend_from_slice(&req[written..]);
        conn.state = State::Busy { due, id };
        conn.generation += 1;
        let generation = conn.generation;
        self.report.sent += 1;
        self.timers.push(Reverse((
            now + self.load.timeout,
            Timer::Deadline(c, generation),
        )));
        if !self.conns[c].unwritten.is_empty() {
            self.rearm(c);
        }
    }

    fn rearm(&mut self, c: usize) {
        let ev = self.interest(c);
        if let Some(s) = &self.conns[c].socket {
            let _ = self.poller.modify_with_mode(s, ev, PollMode::Level);
        }
    }

    /// Sends the next queued request if `c` is idle.
    fn next_queued(&mut self, c: usize, now: Instant) {
        if !matches!(self.conns[c].state, State::Idle) {
            return;
        }
        if let Some((due, id)) = self.conns[c].queued.pop_front() {
            // Sent as soon as the connection is free: the wait was the
            // server's, and the lag was recorded when it fell due.
            self.send(c, due, id, now);
        }
    }

    fn on_due(&mut self, c: usize, now: Instant, end: Instant) {
        let due = self.conns[c].next_due;
        let id = self.next_id;
        self.next_id = (self.next_id + 1) % self.requests.len() as u32;
        self.report.due += 1;
        let next = due + self.gap_for(c);
        self.conns[c].next_due = next;
        if next < end {
            self.timers.push(Reverse((next, Timer::Due(c))));
        }
        // How late the generator acted on the due time, whatever the
        // connection's state: sent at once if idle, queued if busy.
        self.report
            .lag
            .saturating_record(nanos(now.saturating_duration_since(due)).max(1));
        match self.conns[c].state {
            State::Idle => self.send(c, due, id, now),
            State::Busy { .. } | State::Connecting => {
                if self.conns[c].queued.len() >= MAX_QUEUED {
                    self.fail("unsent", due, now);
                } else {
                    self.conns[c].queued.push_back((due, id));
                }
            }
            State::Closed => match self.connect(c, now) {
                Ok(()) => self.conns[c].queued.push_back((due, id)),
                Err(e) => {
                    let kind = kind_of(&e);
                    self.close(c);
                    self.fail(kind, due, now);
                }
            },
        }
    }

    fn on_deadline(&mut self, c: usize, generation: u64, now: Instant) {
        if self.conns[c].generation != generation {
            return;
        }
        match self.conns[c].state {
            State::Busy { due, .. } => {
                // The server did not answer in time: drop the connection,
                // the next request opens a fresh one.
                self.close(c);
                self.fail("timeout", due, now);
                if !self.conns[c].queued.is_empty() {
                    if let Err(e) = self.connect(c, now) {
                        let kind = kind_of(&e);
                        self.close(c);
                        self.fail_queued(c, kind, now);
                    }
                }
            }
            State::Connecting => {
                self.close(c);
                self.fail_queued(c, "connect-timeout", now);
            }
            State::Idle | State::Closed => {}
        }
    }

    fn on_event(&mut self, ev: Event, now: Instant) {
        let c = ev.key;
        if c >= self.conns.len() || self.conns[c].socket.is_none() {
            return;
        }
        if let State::Connecting = self.conns[c].state {
            if !(ev.writable || ev.readable) {
                return;
            }
            let err = self.conns[c]
                .socket
                .as_ref()
                .map(|s| s.take_error())
                .unwrap_or(Ok(None));
            match err {
                Ok(None) => {
                    self.conns[c].state = State::Idle;
                    self.rearm(c);
                    self.next_queued(c, now);
                }
                Ok(Some(e)) | Err(e) => {
                    let kind = kind_of(&e);
                    self.close(c);
                    self.fail_queued(c, kind, now);
                }
            }
            return;
        }
        if ev.writable && !self.conns[c].unwritten.is_empty() {
            let conn = &mut self.conns[c];
            let stream = conn.socket.as_mut().expect("checked above");
            match stream.write(&conn.unwritten) {
                Ok(n) => {
                    conn.unwritten.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => {
                    let kind = kind_of(&e);
                    self.lost(c, kind, now);
                    return;
                }
            }
            if self.conns[c].unwritten.is_empty() {
                self.rearm(c);
            }
        }
        if ev.readable {
            self.read(c, now);
        }
    }

    /// The connection broke: the request in flight fails with `kind`, the
    /// queued ones wait for a fresh connection.
    fn lost(&mut self, c: usize, kind: &str, now: Instant) {
        let due = match self.conns[c].state {
            State::Busy { due, .. } => Some(due),
            _ => None,
        };
        self.close(c);
        if let Some(due) = due {
            self.fail(kind, due, now);
        }
        if !self.conns[c].queued.is_empty() {
            if let Err(e) = self.connect(c, now) {
                let kind = kind_of(&e);
                self.close(c);
                self.fail_queued(c, kind, now);
            }
        }
    }

    fn read(&mut self, c: usize, now: Instant) {
        let mut chunk = [0u8; 4096];
        loop {
            let conn = &mut self.conns[c];
            let Some(stream) = conn.socket.as_mut() else {
                return;
            };
            match stream.read(&mut chunk) {
                Ok(0) => {
                    self.lost(c, "closed", now);
                    return;
                }
                Ok(n) => {
                    conn.read.extend_from_slice(&chunk[..n]);
                    if conn.read.len() > MAX_RESPONSE {
                        self.lost(c, "bad-response", now);
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    let kind = kind_of(&e);
                    self.lost(c, kind, now);
                    return;
                }
            }
        }
        self.parse(c, now);
    }

    /// Takes a whole response off connection `c`'s buffer, if there is one.
    fn parse(&mut self, c: usize, now: Instant) {
        let conn = &self.conns[c];
        if conn.read.is_empty() {
            return;
        }
        let State::Busy { due, id } = conn.state else {
            // Bytes nobody asked for.
            self.lost(c, "bad-response", now);
            return;
        };
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        let (head, status, length, close) = match resp.parse(&conn.read) {
            Ok(httparse::Status::Complete(head)) => {
                let mut length = None;
                let mut close = false;
                for h in resp.headers.iter() {
                    if h.name.eq_ignore_ascii_case("content-length") {
                        length = std::str::from_utf8(h.value)
                            .ok()
                            .and_then(|v| v.trim().parse::<usize>().ok());
                    } else if h.name.eq_ignore_ascii_case("connection") {
                        close = h.value.eq_ignore_ascii_case(b"close");
                    }
                }
                match length {
                    Some(l) => (head, resp.code.unwrap_or(0), l, close),
                    None => {
                        self.lost(c, "bad-response", now);
                        return;
                    }
                }
            }
            Ok(httparse::Status::Partial) => return,
            Err(_) => {
                self.lost(c, "bad-response", now);
                return;
            }
        };
        if conn.read.len() < head + length {
            return;
        }
        let body = &conn.read[head..head + length];
        let right = match &self.load.answers {
            Some(answers) => answers
                .get(id as usize)
                .is_some_and(|a| a.as_bytes() == body),
            None => true,
        };
        let extra = conn.read.len() > head + length;
        if status != 200 {
            self.fail("status", due, now);
        } else if !right {
            self.fail("wrong", due, now);
        } else {
            self.record_latency(due, now);
            self.report.ok += 1;
            if now <= self.end {
                self.answered_in_time += 1;
            }
        }
        let conn = &mut self.conns[c];
        conn.read.clear();
        conn.state = State::Idle;
        conn.generation += 1;
        if extra || close {
            self.close(c);
            if !self.conns[c].queued.is_empty() {
                if let Err(e) = self.connect(c, now) {
                    let kind = kind_of(&e);
                    self.close(c);
                    self.fail_queued(c, kind, now);
                }
            }
            return;
        }
        self.next_queued(c, now);
    }

    /// Whether nothing is in flight or queued.
    fn quiet(&self) -> bool {
        self.conns.iter().all(|c| {
            c.queued.is_empty() && !matches!(c.state, State::Busy { .. } | State::Connecting)
        })
    }

    fn poll(&mut self, events: &mut Events, timeout: Duration) {
        events.clear();
        if self.poller.wait(events, Some(timeout)).is_err() {
            return;
        }
        let now = Instant::now();
        let ready: Vec<Event> = events.iter().collect();
        for ev in ready {
            self.on_event(ev, now);
        }
    }

    fn fire_timers(&mut self, now: Instant, end: Instant) {
        while let Some(&Reverse((at, timer))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            match timer {
                Timer::Due(c) => self.on_due(c, now, end),
                Timer::Deadline(c, g) => self.on_deadline(c, g, now),
            }
        }
    }

    fn run(mut self) -> Result<LoadReport, Error> {
        let mut events = Events::new();
        // Open every connection before the schedule starts; one that
        // cannot open now is retried when its first request is due.
        let now = Instant::now();
        for c in 0..self.conns.len() {
            if self.connect(c, now).is_err() {
                self.close(c);
            }
        }
        let open_by = now + self.load.timeout;
        while Instant::now() < open_by
            && self
                .conns
                .iter()
                .any(|c| matches!(c.state, State::Connecting))
        {
            self.poll(&mut events, Duration::from_millis(1));
            let now = Instant::now();
            self.fire_timers(now, now);
        }
        self.report.connected = self
            .conns
            .iter()
            .filter(|c| matches!(c.state, State::Idle))
            .count();
        for c in 0..self.conns.len() {
            if matches!(self.conns[c].state, State::Connecting) {
                self.close(c);
            }
        }
        self.timers.clear();

        let start = Instant::now() + Duration::from_millis(5);
        let end = start + self.load.duration;
        self.end = end;
        let n = self.conns.len();
        for c in 0..n {
            let first = match self.load.arrivals {
                Arrivals::Constant => self.schedule.first(c),
                Arrivals::Poisson { .. } => self.gap_for(c),
            };
            self.conns[c].next_due = start + first;
            if start + first < end {
                self.timers.push(Reverse((start + first, Timer::Due(c))));
            }
        }
        let stop_by = end + self.load.timeout;
        loop {
            let now = Instant::now();
            self.fire_timers(now, end);
            if now >= stop_by || (now >= end && self.quiet()) {
                break;
            }
            // Wake at the next timer, and at the end of the schedule to
            // see whether the run is over.
            let horizon = if now < end { end } else { stop_by };
            let next = self
                .timers
                .peek()
                .map_or(horizon, |Reverse((at, _))| (*at).min(horizon));
            // No spinning: the poller's timerfd wakes it within tens of
            // microseconds, and a generator that spins through a whole
            // run is throttled by the kernel when it runs real-time.
            self.poll(&mut events, next.saturating_duration_since(Instant::now()));
        }
        let now = Instant::now();
        for c in 0..n {
            if let State::Busy { due, .. } = self.conns[c].state {
                self.fail("timeout", due, now);
            }
            self.fail_queued(c, "unsent", now);
            self.close(c);
        }
        self.report.achieved_rps = self.answered_in_time as f64 / self.load.duration.as_secs_f64();
        Ok(self.report)
    }
}

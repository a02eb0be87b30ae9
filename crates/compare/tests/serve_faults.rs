//! The load generator under faults: refused connections, a server that
//! stops answering mid-run, one that stalls, one that answers garbage, a
//! rate it cannot produce, bad input. Each is counted, failed requests
//! keep their latency, and every run ends on time.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cvp_compare::{run_load, Arrivals, Load, Mix, Server};

/// A hand-written HTTP server for faults: `answer(n)` says what to do
/// with the `n`-th request of the whole server (from 0).
struct Faulty {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

#[derive(Clone, Copy)]
enum Do {
    Answer,
    Garbage,
    Ignore,
    PauseThenAnswer(Duration),
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

impl Faulty {
    fn start(answer: impl Fn(u64) -> Do + Send + Sync + 'static) -> Faulty {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let answer = Arc::new(answer);
        {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(mut conn) = conn else { continue };
                    let (stop, count, answer) =
                        (Arc::clone(&stop), Arc::clone(&count), Arc::clone(&answer));
                    std::thread::spawn(move || {
                        conn.set_read_timeout(Some(Duration::from_millis(20)))
                            .unwrap();
                        let mut buf = Vec::new();
                        let mut chunk = [0u8; 1024];
                        while !stop.load(Ordering::SeqCst) {
                            match conn.read(&mut chunk) {
                                Ok(0) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                                Err(_) => continue,
                            }
                            while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                buf.drain(..end + 4);
                                let n = count.fetch_add(1, Ordering::SeqCst);
                                match answer(n) {
                                    Do::Answer => {
                                        let _ = conn.write_all(OK);
                                    }
                                    Do::Garbage => {
                                        let _ = conn.write_all(b"HTTP/9 nonsense\r\n\r\n");
                                    }
                                    Do::Ignore => {}
                                    Do::PauseThenAnswer(d) => {
                                        std::thread::sleep(d);
                                        let _ = conn.write_all(OK);
                                    }
                                }
                            }
                        }
                    });
                }
            });
        }
        Faulty { addr, stop }
    }
}

impl Drop for Faulty {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn load(addr: SocketAddr, rate: f64, ms: u64) -> Load {
    let mut l = Load::new(addr, rate);
    l.connections = 4;
    l.duration = Duration::from_millis(ms);
    l.timeout = Duration::from_millis(200);
    l
}

/// The run's requests are all accounted for, and it ended on time.
fn accounted(r: &cvp_compare::LoadReport, started: Instant, l: &Load) {
    assert_eq!(r.ok + r.failed(), r.due, "{:?}", r.errors);
    assert_eq!(r.latency.len(), r.due, "every request keeps its latency");
    let bound = l.duration + l.timeout * 3 + Duration::from_millis(500);
    assert!(started.elapsed() < bound, "took {:?}", started.elapsed());
}

#[test]
fn refused_connections_are_counted_and_the_run_goes_on() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let l = load(addr, 500.0, 200);
    let t = Instant::now();
    let r = run_load(&l).unwrap();
    accounted(&r, t, &l);
    assert_eq!(r.ok, 0);
    assert_eq!(r.errors.get("refused"), Some(&r.due), "{:?}", r.errors);
    assert_eq!(r.connected, 0);
}

#[test]
fn a_server_that_stops_answering_mid_run_times_out_and_keeps_latency() {
    let server = Faulty::start(|n| if n < 50 { Do::Answer } else { Do::Ignore });
    let l = load(server.addr, 500.0, 400);
    let t = Instant::now();
    let r = run_load(&l).unwrap();
    accounted(&r, t, &l);
    assert_eq!(r.ok, 50);
    assert!(
        r.errors.get("timeout").copied().unwrap_or(0) > 0,
        "{:?}",
        r.errors
    );
    // A timed-out request's latency is at least the deadline.
    assert!(r.latency.max() >= l.timeout.as_nanos() as u64);
}

#[test]
fn a_stall_delays_every_request_due_during_it() {
    // One 150 ms pause at the 100th request. A closed-loop client would see
    // one slow answer per connection; open-loop, every request due during
    // the pause is late.
    let server = Faulty::start(|n| {
        if n == 100 {
            Do::PauseThenAnswer(Duration::from_millis(150))
        } else {
            Do::Answer
        }
    });
    let mut l = load(server.addr, 1000.0, 600);
    l.connections = 1;
    l.timeout = Duration::from_secs(1);
    let t = Instant::now();
    let r = run_load(&l).unwrap();
    accounted(&r, t, &l);
    assert_eq!(r.failed(), 0, "{:?}", r.errors);
    let late = r.latency.count_between(50_000_000, u64::MAX);
    assert!(
        late >= 50,
        "only {late} of {} requests were late by 50 ms",
        r.due
    );
}

#[test]
fn garbage_answers_are_counted_as_bad_responses() {
    let server = Faulty::start(|n| if n % 2 == 0 { Do::Answer } else { Do::Garbage });
    let l = load(server.addr, 400.0, 200);
    let t = Instant::now();
    let r = run_load(&l).unwrap();
    accounted(&r, t, &l);
    assert!(
        r.errors.get("bad-response").copied().unwrap_or(0) > 0,
        "{:?}",
        r.errors
    );
    assert!(r.ok > 0);
}

#[test]
fn wrong_answers_are_counted_as_wrong() {
    // The faulty server answers "ok", never the handler's answer.
    let server = Faulty::start(|_| Do::Answer);
    let mut l = load(server.addr, 400.0, 200);
    l.answers = Some(Mix::waiting().answers());
    let t = Instant::now();
    let r = run_load(&l).unwrap();
    accounted(&r, t, &l);
    assert_eq!(r.errors.get("wrong"), Some(&r.due), "{:?}", r.errors);
}

#[test]
fn a_rate_the_generator_cannot_produce_is_marked_unreliable() {
    let server = Server::start("tokio-current-thread", 1, Mix::waiting(), None).unwrap();
    let mut l = load(server.addr(), 2_000_000.0, 300);
    l.connections = 256;
    l.timeout = Duration::from_millis(500);
    let t = Instant::now();
    let r = run_load(&l).unwrap();
    accounted(&r, t, &l);
    assert!(
        r.unreliable().is_some(),
        "lag p99 {} ns",
        r.lag.value_at_quantile(0.99)
    );
}

#[test]
fn bad_loads_are_refused_with_a_reason() {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    for (l, word) in [
        (Load::new(addr, 0.0), "rate"),
        (Load::new(addr, f64::NAN), "rate"),
        (Load::new(addr, 1e12), "rate"),
        (
            Load {
                connections: 0,
                ..Load::new(addr, 10.0)
            },
            "connections",
        ),
        (
            Load {
                duration: Duration::ZERO,
                ..Load::new(addr, 10.0)
            },
            "duration",
        ),
        (Load::new("10.1.2.3:80".parse().unwrap(), 10.0), "loopback"),
    ] {
        let err = run_load(&l).unwrap_err().to_string();
        assert!(err.contains(word), "{err}");
    }
}

#[test]
fn the_schedule_is_the_rate_and_poisson_gaps_follow_the_seed() {
    let server = Faulty::start(|_| Do::Answer);
    let l = load(server.addr, 1000.0, 200);
    let r = run_load(&l).unwrap();
    assert_eq!(r.due, 200, "a constant rate of 1000/s for 0.2 s");
    let poisson = |seed| {
        let mut l = load(server.addr, 1000.0, 200);
        l.arrivals = Arrivals::Poisson { seed };
        run_load(&l).unwrap().due
    };
    let (a, b) = (poisson(7), poisson(7));
    assert_eq!(a, b, "the same seed gives the same schedule");
    assert!((120..=280).contains(&a), "{a} due, about 200 expected");
}

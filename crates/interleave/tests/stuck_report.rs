//! Reports of bounded runs (a time limit, a stall timeout) name, for every
//! unfinished task, what it waits on (a timer at t, a socket readable or
//! writable, a primitive of this crate, a waker held elsewhere) and where it
//! was spawned; true deadlocks are still reported as deadlocks, at once; and
//! runs that make progress are never reported.

use std::rc::Rc;
use std::time::Duration;

use cvp_interleave::check::Check;
use cvp_interleave::{
    channel, interval, sleep, spawn, spawn_named, yield_now, Error, Mutex, Runtime, StuckTask,
    WaitsOn,
};

fn virtual_rt(limit: Duration) -> Runtime {
    Runtime::builder()
        .virtual_time(true)
        .time_limit(limit)
        .build()
}

fn stall_rt(timeout: Duration) -> Runtime {
    Runtime::builder().stall_timeout(timeout).build()
}

fn stalled(err: Error) -> Vec<StuckTask> {
    match err {
        Error::Stalled { stuck, .. } => stuck,
        other => panic!("expected a stall, got {other}"),
    }
}

fn timer_due(w: &WaitsOn) -> Option<Duration> {
    match w {
        WaitsOn::Timer { due } => Some(due.as_duration()),
        _ => None,
    }
}

#[test]
fn a_task_on_a_timer_is_named_with_its_deadline_when_virtual_time_runs_out() {
    let rt = virtual_rt(Duration::from_secs(1));
    let line = line!() + 2;
    let err = rt
        .block_on(async { spawn_named("sleeper", sleep(Duration::from_secs(10))).await })
        .unwrap_err();
    let Error::TimeLimit { at, stuck } = &err else {
        panic!("{err}")
    };
    assert_eq!(*at, Duration::from_secs(1));
    assert_eq!(rt.now().as_duration(), Duration::from_secs(1));
    assert_eq!(stuck.len(), 2, "{err}");
    assert_eq!(
        stuck[0].waits_on,
        WaitsOn::Primitive("a JoinHandle (another task)")
    );
    assert_eq!(timer_due(&stuck[1].waits_on), Some(Duration::from_secs(10)));
    let at = stuck[1].spawned_at.expect("spawn location");
    assert_eq!((at.file(), at.line()), (file!(), line));
    let text = err.to_string();
    assert!(
        text.contains(&format!("#1 (sleeper) spawned at {}:{line}", file!())),
        "{text}"
    );
    assert!(text.contains("waits on a timer due at 10s"), "{text}");
}

#[test]
fn an_endless_interval_ends_at_the_time_limit() {
    let rt = virtual_rt(Duration::from_secs(60));
    let err = rt
        .block_on(async {
            spawn(async {
                let mut iv = interval(Duration::from_secs(7));
                loop {
                    iv.tick().await;
                }
            })
            .await
        })
        .unwrap_err();
    let Error::TimeLimit { at, stuck } = &err else {
        panic!("{err}")
    };
    assert_eq!(*at, Duration::from_secs(60));
    // Ticks at 0, 7, ..., 56; the next is due at 63.
    assert_eq!(timer_due(&stuck[1].waits_on), Some(Duration::from_secs(63)));
}

#[test]
fn timers_within_the_time_limit_are_no_report() {
    let rt = virtual_rt(Duration::from_secs(10));
    let sum = rt
        .block_on(async {
            let tasks: Vec<_> = (1..=10u64)
                .map(|s| {
                    spawn(async move {
                        sleep(Duration::from_secs(s)).await;
                        s
                    })
                })
                .collect();
            let mut sum = 0;
            for t in tasks {
                sum += t.await.unwrap();
            }
            sum
        })
        .unwrap();
    assert_eq!(sum, 55);
}

#[test]
#[cfg_attr(miri, ignore = "real time")]
fn a_task_on_a_real_timer_is_named_when_the_run_stalls() {
    let rt = stall_rt(Duration::from_millis(30));
    let err = rt
        .block_on(async { spawn_named("napper", sleep(Duration::from_secs(3600))).await })
        .unwrap_err();
    let idle = match &err {
        Error::Stalled { idle, .. } => *idle,
        other => panic!("{other}"),
    };
    assert!(idle >= Duration::from_millis(30));
    let stuck = stalled(err);
    let due = timer_due(&stuck[1].waits_on).expect("a timer");
    assert!(due >= Duration::from_secs(3600), "{due:?}");
}

#[test]
#[cfg_attr(miri, ignore = "real time")]
fn work_that_keeps_running_is_never_a_stall() {
    let rt = stall_rt(Duration::from_millis(40));
    let n = rt
        .block_on(async {
            // Naps shorter than the stall timeout, for longer than it in all.
            let napper = spawn(async {
                for _ in 0..15 {
                    sleep(Duration::from_millis(10)).await;
                }
            });
            // A task that never waits, for longer than the stall timeout.
            let busy = spawn(async {
                let t = std::time::Instant::now();
                let mut n = 0u64;
                while t.elapsed() < Duration::from_millis(120) {
                    yield_now().await;
                    n += 1;
                }
                n
            });
            napper.await.unwrap();
            busy.await.unwrap()
        })
        .unwrap();
    assert!(n > 0);
}

#[test]
fn a_true_deadlock_is_reported_as_one_with_limits_set() {
    for rt in [
        virtual_rt(Duration::from_secs(1)),
        Runtime::builder()
            .stall_timeout(Duration::from_secs(3600))
            .time_limit(Duration::from_secs(3600))
            .build(),
    ] {
        let err = rt
            .block_on(async {
                let a = Rc::new(Mutex::new(()));
                let b = Rc::new(Mutex::new(()));
                let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
                let t1 = spawn(async move {
                    let _ga = a1.lock().await;
                    yield_now().await;
                    let _gb = b1.lock().await;
                });
                let t2 = spawn(async move {
                    let _gb = b2.lock().await;
                    yield_now().await;
                    let _ga = a2.lock().await;
                });
                t1.await.unwrap();
                t2.await.unwrap();
            })
            .unwrap_err();
        let Error::Deadlock { stuck } = &err else {
            panic!("expected a deadlock, got {err}")
        };
        assert_eq!(stuck[1].waits, [WaitsOn::Primitive("a mutex (lock)")]);
        assert_eq!(stuck[2].waits, [WaitsOn::Primitive("a mutex (lock)")]);
    }
}

#[test]
fn primitives_and_timers_are_named_together_in_a_report() {
    let rt = virtual_rt(Duration::from_secs(5));
    let err = rt
        .block_on(async {
            let (tx, mut rx) = channel::<u8>();
            let receiver = spawn_named("receiver", async move { rx.recv().await });
            // Holds the sender and naps past the limit.
            spawn_named("holder", async move {
                sleep(Duration::from_secs(60)).await;
                drop(tx);
            });
            // Both a timer and a channel: the timeout's sleep and the recv.
            let (_tx2, mut rx2) = channel::<u8>();
            spawn_named(
                "both",
                cvp_interleave::timeout(Duration::from_secs(30), async move { rx2.recv().await }),
            );
            receiver.await.unwrap();
        })
        .unwrap_err();
    let stuck = err.stuck();
    assert_eq!(stuck.len(), 4, "{err}");
    assert_eq!(stuck[1].waits, [WaitsOn::Primitive("a channel (recv)")]);
    assert_eq!(timer_due(&stuck[2].waits_on), Some(Duration::from_secs(60)));
    assert_eq!(stuck[3].waits.len(), 2, "{err}");
    assert_eq!(timer_due(&stuck[3].waits[0]), Some(Duration::from_secs(30)));
    assert_eq!(stuck[3].waits[1], WaitsOn::Primitive("a channel (recv)"));
    let text = err.to_string();
    assert!(
        text.contains("waits on a timer due at 30s and waits on a channel (recv)"),
        "{text}"
    );
}

#[test]
#[cfg_attr(miri, ignore = "real time")]
fn a_waker_held_elsewhere_is_named() {
    let rt = stall_rt(Duration::from_millis(30));
    let err = rt
        .block_on(async {
            let (tx, rx) = futures::channel::oneshot::channel::<()>();
            let t = spawn_named("foreign", rx);
            let r = t.await;
            drop(tx);
            r
        })
        .unwrap_err();
    let stuck = stalled(err);
    assert_eq!(stuck[1].waits, [WaitsOn::Elsewhere]);
    assert_eq!(
        stuck[0].waits,
        [WaitsOn::Primitive("a JoinHandle (another task)")]
    );
}

#[test]
#[cfg_attr(miri, ignore = "real time")]
fn the_harness_reports_a_stall_with_what_each_task_waits_on() {
    let f = Check::new()
        .quiet()
        .runs(2)
        .stall_timeout(Duration::from_millis(30))
        .run(|| async {
            let (_tx, rx) = futures::channel::oneshot::channel::<()>();
            let _ = spawn(rx).await;
        })
        .unwrap_err();
    assert_eq!(f.run, 0);
    assert!(f.message.starts_with("stalled"), "{f}");
    assert!(
        f.message
            .contains("waits on a waker held outside this crate"),
        "{f}"
    );
    assert!(f.message.contains(file!()), "{f}");
}

#[test]
fn the_harness_stops_an_endless_timer_loop_at_its_default_limit() {
    let f = Check::new()
        .quiet()
        .runs(1)
        .run(|| async {
            loop {
                sleep(Duration::from_secs(1000)).await;
            }
        })
        .unwrap_err();
    assert!(f.message.starts_with("time limit reached at 3600s"), "{f}");
    assert!(f.message.contains("waits on a timer due at 4000s"), "{f}");
}

#[cfg(all(unix, not(miri)))]
mod sockets {
    use std::net::UdpSocket;
    use std::time::Duration;

    use cvp_interleave::{spawn_named, Async, Interest, TcpListener, TcpStream, WaitsOn};
    use futures::{AsyncReadExt, AsyncWriteExt};

    use super::{stall_rt, stalled};

    fn socket(
        w: &WaitsOn,
    ) -> (
        Interest,
        Option<std::net::SocketAddr>,
        Option<std::net::SocketAddr>,
    ) {
        match *w {
            WaitsOn::Socket {
                interest,
                local,
                peer,
                ..
            } => (interest, local, peer),
            other => panic!("expected a socket, got {other}"),
        }
    }

    #[test]
    fn a_read_names_the_socket_and_its_peer() {
        let rt = stall_rt(Duration::from_millis(50));
        let err = rt
            .block_on(async {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = l.local_addr().unwrap();
                let client = TcpStream::connect(addr).await.unwrap();
                let (mut s, peer) = l.accept().await.unwrap();
                assert_eq!(peer, client.local_addr().unwrap());
                let reader = spawn_named("reader", async move {
                    let mut buf = [0u8; 8];
                    s.read(&mut buf).await
                });
                let r = reader.await;
                drop(client);
                r
            })
            .unwrap_err();
        let text = err.to_string();
        let stuck = stalled(err);
        let (interest, local, peer) = socket(&stuck[1].waits_on);
        assert_eq!(interest, Interest::Readable);
        assert!(local.is_some() && peer.is_some(), "{text}");
        assert_ne!(local, peer);
        assert!(text.contains("to be readable (127.0.0.1:"), "{text}");
    }

    #[test]
    fn an_accept_waits_for_its_listener_to_be_readable() {
        let rt = stall_rt(Duration::from_millis(50));
        let err = rt
            .block_on(async {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = l.local_addr().unwrap();
                let r = spawn_named("acceptor", async move { l.accept().await.map(|_| ()) }).await;
                (r, addr)
            })
            .unwrap_err();
        let stuck = stalled(err);
        let (interest, local, peer) = socket(&stuck[1].waits_on);
        assert_eq!(interest, Interest::Readable);
        assert!(local.is_some_and(|a| a.ip().is_loopback()));
        assert_eq!(peer, None);
    }

    #[test]
    fn a_write_to_a_peer_that_never_reads_waits_writable() {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let rt = stall_rt(Duration::from_millis(100));
        let err = rt
            .block_on(async {
                let mut c = TcpStream::connect(addr).await.unwrap();
                let (peer_side, _) = std_listener.accept().unwrap();
                let writer = spawn_named("writer", async move {
                    let chunk = vec![7u8; 1 << 16];
                    loop {
                        c.write_all(&chunk).await?;
                    }
                    #[allow(unreachable_code)]
                    Ok::<(), std::io::Error>(())
                });
                let r = writer.await;
                drop(peer_side);
                r
            })
            .unwrap_err();
        let stuck = stalled(err);
        let (interest, _, peer) = socket(&stuck[1].waits_on);
        assert_eq!(interest, Interest::Writable);
        assert_eq!(peer, Some(addr));
    }

    #[test]
    fn a_udp_receive_names_its_socket() {
        let rt = stall_rt(Duration::from_millis(50));
        let err = rt
            .block_on(async {
                let s = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
                let local = s.get_ref().local_addr().unwrap();
                let r = spawn_named("udp", async move {
                    let mut buf = [0u8; 64];
                    s.recv_from(&mut buf).await.map(|_| ())
                })
                .await;
                (r, local)
            })
            .unwrap_err();
        let stuck = stalled(err);
        let (interest, local, _) = socket(&stuck[1].waits_on);
        assert_eq!(interest, Interest::Readable);
        assert!(local.is_some_and(|a| a.ip().is_loopback()));
    }
}

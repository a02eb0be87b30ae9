//! Out of file descriptors (EMFILE): the generator counts the connections
//! it cannot open, the server the ones it cannot accept, and the run ends
//! on time. Its own test binary, because it lowers the process's limit.

use std::time::{Duration, Instant};

use cvp_compare::{run_load, Load, Mix, Server};

#[test]
fn running_out_of_descriptors_is_counted_not_fatal() {
    let server = Server::start("tokio-current-thread", 1, Mix::waiting(), None).unwrap();
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid rlimit to fill.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let saved = lim;
    // A little above what the process has open now: some connections fit.
    let open = std::fs::read_dir("/proc/self/fd").map_or(64, |d| d.count()) as u64;
    lim.rlim_cur = open + 24;
    // SAFETY: lowering the soft limit only.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);

    let mut l = Load::new(server.addr(), 500.0);
    l.connections = 100;
    l.duration = Duration::from_millis(300);
    l.timeout = Duration::from_millis(200);
    let t = Instant::now();
    let r = run_load(&l);
    // SAFETY: restoring the limit read above.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &saved) };
    let r = r.unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(r.ok + r.failed(), r.due);
    assert!(
        r.errors.get("emfile").copied().unwrap_or(0) > 0,
        "{:?}",
        r.errors
    );
    assert!(r.connected < 100);
}

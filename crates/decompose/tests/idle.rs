//! Idle workers sleep: an idle pool burns (about) no CPU.

use std::time::Duration;

use cvp_decompose::{Pool, Strategy};

#[test]
fn a_one_thread_pool_runs_a_job() {
    let pool = Pool::new(1).unwrap();
    assert_eq!(pool.install(|| 1), 1);
}

/// User + system CPU time of the whole process.
fn process_cpu_time() -> Duration {
    // SAFETY: `getrusage` only writes the zeroed struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[test]
#[cfg_attr(miri, ignore = "getrusage is a foreign call")]
fn an_idle_pool_sleeps() {
    let pool = Pool::new(4).unwrap();
    // Wake everyone up with some work, then let the pool go quiet.
    let n = pool.map_reduce(
        1_000_000,
        Strategy::Dynamic { grain: 1000 },
        |r| r.len(),
        |a, b| a + b,
    );
    assert_eq!(n, 1_000_000);
    std::thread::sleep(Duration::from_millis(200));

    let before = process_cpu_time();
    std::thread::sleep(Duration::from_secs(1));
    let used = process_cpu_time() - before;
    // Four spinning workers would burn ~4 s; sleeping ones ~0. Generous bound
    // for a noisy machine (the test harness shares the process).
    assert!(
        used < Duration::from_millis(150),
        "idle pool used {used:?} of CPU in 1 s"
    );
    drop(pool);
}

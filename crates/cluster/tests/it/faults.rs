//! Bad input and faults: a typed one-line error, every process reaped, and
//! nothing waits without end.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cvp_cluster::{Cluster, ClusterError};

use crate::worker_exe;

/// Pids of this test process's children whose command line holds `marker`
/// as one argument.
fn children_with(marker: &str) -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The fields after the parenthesised command name: state, ppid, ...
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        if after.split_whitespace().nth(1) != Some(me.as_str()) {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if cmdline
            .split(|&b| b == 0)
            .any(|arg| arg == marker.as_bytes())
        {
            found.push(pid);
        }
    }
    found
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("cvp-cluster-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_process_killed_mid_run_fails_the_run_and_leaves_no_process() {
    // A size no other test uses marks this run's processes; it is large
    // enough that the run is still computing when the kill comes (1999 can
    // finish within the 300 ms wait below).
    let (size, marker) = (9_999, "9999");
    let run = std::thread::spawn(move || Cluster::new(2, 1).run(worker_exe(), "mandelbrot", size));
    let until = Instant::now() + Duration::from_secs(20);
    let pids = loop {
        let pids = children_with(marker);
        if pids.len() == 2 {
            break pids;
        }
        assert!(Instant::now() < until, "the processes never started");
        std::thread::sleep(Duration::from_millis(5));
    };
    // Let them connect and start computing, then kill process 1 (or
    // whichever is second).
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args(["-9", &pids[1].to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let err = run
        .join()
        .unwrap()
        .expect_err("a run with a killed process cannot succeed");
    // The survivor's broken connection is not blamed: the killed one is.
    match &err {
        ClusterError::Died { status, .. } => assert!(status.contains("SIGKILL"), "{err}"),
        other => panic!("expected the killed process, got: {other}"),
    }
    assert!(!err.to_string().contains('\n'), "one line: {err}");
    assert!(
        children_with(marker).is_empty(),
        "a process was left behind"
    );
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "{pid} not reaped"
        );
    }
}

#[test]
fn a_taken_port_is_reported_with_its_process() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let hosts = temp_file(
        "taken",
        &format!("127.0.0.1:{}\n127.0.0.1:{port}\n", free_port()),
    );
    let mut cluster = Cluster::new(2, 1);
    cluster.hosts = Some(hosts.clone());
    let err = cluster.run(worker_exe(), "primes", 10_007).unwrap_err();
    match &err {
        ClusterError::PortTaken {
            process, address, ..
        } => {
            assert_eq!(*process, 1);
            assert_eq!(address, &format!("127.0.0.1:{port}"));
        }
        other => panic!("expected a taken port, got: {other}"),
    }
    assert!(
        children_with("10007").is_empty(),
        "a process was left behind"
    );
    std::fs::remove_file(hosts).unwrap();
}

#[test]
fn a_bad_host_file_line_is_named_before_any_process_starts() {
    let hosts = temp_file("bad", "127.0.0.1:2101\nnode-b\n");
    let mut cluster = Cluster::new(2, 1);
    cluster.hosts = Some(hosts.clone());
    let err = cluster.run(worker_exe(), "primes", 10_000).unwrap_err();
    assert!(
        matches!(err, ClusterError::HostFile { line: 2, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("line 2: `node-b` is not host:port"),
        "{err}"
    );
    std::fs::remove_file(hosts).unwrap();

    let mut cluster = Cluster::new(2, 1);
    cluster.hosts = Some("/nonexistent/hosts".into());
    let err = cluster.run(worker_exe(), "primes", 10_000).unwrap_err();
    assert!(
        matches!(err, ClusterError::HostFile { line: 0, .. }),
        "{err}"
    );
}

#[test]
fn a_missing_process_is_a_start_up_timeout_not_a_hang() {
    // Process 1 is on another machine that never starts it.
    let hosts = temp_file(
        "absent",
        &format!("127.0.0.1:{}\n192.0.2.1:2101\n", free_port()),
    );
    let mut cluster = Cluster::new(2, 1);
    cluster.hosts = Some(hosts.clone());
    cluster.startup_timeout = Duration::from_millis(700);
    let started = Instant::now();
    let err = cluster.run(worker_exe(), "primes", 10_009).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(
            err,
            ClusterError::Timeout {
                phase: "start-up",
                ..
            } | ClusterError::Worker { .. }
        ),
        "{err}"
    );
    assert!(
        children_with("10009").is_empty(),
        "a process was left behind"
    );
    std::fs::remove_file(hosts).unwrap();
}

#[test]
fn shapes_above_the_limits_and_zero_shapes_are_refused() {
    let exe = worker_exe();
    let err = Cluster::new(cvp_cluster::MAX_PROCESSES + 1, 1)
        .run(exe, "sum", 10)
        .unwrap_err();
    assert!(matches!(err, ClusterError::TooLarge { .. }), "{err}");
    let err = Cluster::new(4, cvp_cluster::MAX_WORKERS)
        .run(exe, "sum", 10)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} workers (processes x workers a process) exceed the limit of {}",
            4 * cvp_cluster::MAX_WORKERS,
            cvp_cluster::MAX_WORKERS
        )
    );
    let err = Cluster::new(2, usize::MAX).run(exe, "sum", 10).unwrap_err();
    assert!(matches!(err, ClusterError::TooLarge { .. }), "{err}");
    let err = Cluster::new(0, 1).run(exe, "sum", 10).unwrap_err();
    assert!(matches!(err, ClusterError::ZeroSize { .. }), "{err}");
    let err = Cluster::new(1, 0).run(exe, "sum", 10).unwrap_err();
    assert!(matches!(err, ClusterError::ZeroSize { .. }), "{err}");
}

#[test]
fn unknown_workloads_task_sets_and_bad_sizes_are_refused() {
    let exe = worker_exe();
    let err = Cluster::new(2, 1).run(exe, "mandelbrod", 10).unwrap_err();
    assert!(err.to_string().contains("valid names"), "{err}");
    let err = Cluster::new(2, 1)
        .run(exe, "latency-fanout", 10)
        .unwrap_err();
    assert!(err.to_string().contains("not a job"), "{err}");
    let err = Cluster::new(2, 1).run(exe, "sum", 0).unwrap_err();
    assert!(matches!(err, ClusterError::Workload(_)), "{err}");
}

#[test]
fn a_missing_executable_is_a_spawn_error() {
    let err = Cluster::new(2, 1)
        .run("/nonexistent/worker".as_ref(), "sum", 10)
        .unwrap_err();
    assert!(matches!(err, ClusterError::Spawn { .. }), "{err}");
}

#[test]
fn a_supervised_process_exits_when_its_runner_goes_away() {
    let mut child = Command::new(worker_exe())
        .args(["--process", "0", "--processes", "2", "--workers", "1"])
        .args(["--job", "sum", "--size", "10", "--listen", "127.0.0.1:0"])
        .args(["--peers-from-stdin", "--supervised"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.flush().unwrap();
    drop(stdin);
    let until = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > until {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the orphaned process kept running");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(!status.success());
}

#[test]
fn bad_worker_arguments_are_one_line_and_exit_2() {
    let out = Command::new(worker_exe())
        .args(["--process", "3", "--processes", "2", "--workers", "1"])
        .args(["--job", "sum", "--size", "10", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, "error args --process 3 is not below --processes 2\n");
}

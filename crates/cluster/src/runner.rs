//! The runner: starts the processes, wires them together, watches them, and
//! makes sure none outlives the run.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cvp_workloads::{Origin, Workload};

use crate::worker::{Report, Source};
use crate::{hosts, ClusterError};

/// Most processes in one cluster. Each process keeps a send and a receive
/// thread and a socket for every other process, so the threads and sockets
/// of a process grow with the cluster.
pub const MAX_PROCESSES: usize = 64;

/// Most workers in all (processes x workers a process). Every worker runs
/// its own copy of the job's program on its own copy of the input, so
/// memory grows with the workers of a process, and every round's progress
/// messages grow with the workers in all.
pub const MAX_WORKERS: usize = 256;

/// How long a process that has reported its result may take to exit.
const EXIT_GRACE: Duration = Duration::from_secs(10);

/// A cluster of `processes` x `workers` timely workers.
///
/// ```no_run
/// use cvp_cluster::Cluster;
/// # fn main() -> Result<(), cvp_cluster::ClusterError> {
/// // `cvp-cluster-worker` is this crate's worker executable (or `cvp cluster-worker`).
/// let exe = std::path::Path::new("target/release/cvp-cluster-worker");
/// let run = Cluster::new(2, 1).run(exe, "mandelbrot", 1_000)?;
/// println!("{} in {:?} after a start-up of {:?}", run.answer, run.compute, run.startup);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Processes (P).
    pub processes: usize,
    /// Worker threads in each process (W).
    pub workers: usize,
    /// A host file (one `host:port` line a process, in order); `None` runs
    /// every process on this machine over loopback, on free ports.
    pub hosts: Option<PathBuf>,
    /// Limit for the start-up: from starting the processes until every
    /// worker is connected.
    pub startup_timeout: Duration,
    /// Limit for the computation, after the start-up.
    pub run_timeout: Duration,
    /// Arguments put before the worker's own ones, for an executable that
    /// takes a subcommand (`["cluster-worker"]` for `cvp`).
    pub exe_args: Vec<String>,
}

/// One completed run.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRun {
    /// The job's answer, from worker 0 (every worker computes the same one).
    pub answer: String,
    /// From starting the processes to having the answer.
    pub wall: Duration,
    /// From starting the processes until every worker of every process was
    /// connected and running: the cluster's own cost (measured by process 0
    /// against the runner's clock, so it needs both on one machine, as
    /// they are).
    pub startup: Duration,
    /// The computation alone, measured by process 0 from a barrier after
    /// every worker had made its input to a barrier after every worker had
    /// finished.
    pub compute: Duration,
    /// CPU time (user + system) of all processes during the computation.
    pub cpu: Duration,
    /// Bytes of encoded partial results sent between processes.
    pub payload_bytes: u64,
    /// Bytes written to the sockets between processes during the
    /// computation: payload, timely's framing and its progress messages.
    pub wire_bytes: u64,
    /// Exchange rounds (spread `map_reduce` calls and barriers).
    pub rounds: u64,
    /// Result types of the reduces that could not be sent and ran whole on
    /// every worker instead (empty when every reduce was spread).
    pub replicated: Vec<String>,
}

impl Cluster {
    /// P processes of W workers on this machine, over loopback, with
    /// start-up and run limits of 30 s and 10 min.
    pub fn new(processes: usize, workers: usize) -> Cluster {
        Cluster {
            processes,
            workers,
            hosts: None,
            startup_timeout: Duration::from_secs(30),
            run_timeout: Duration::from_secs(600),
            exe_args: Vec::new(),
        }
    }

    /// Runs the job workload `workload` at `size`, starting the processes
    /// from the worker executable `exe`.
    ///
    /// Without a host file every process runs here, on a free loopback port.
    /// With one, this starts the processes whose host is this machine
    /// (`localhost`, a loopback address, or its host name), which must
    /// include process 0; the others must be started on their machines
    /// with the same arguments (see the README).
    ///
    /// Whatever the outcome, every process it started has exited or been
    /// killed, and been reaped, when it returns.
    pub fn run(&self, exe: &Path, workload: &str, size: usize) -> Result<ClusterRun, ClusterError> {
        self.run_source(exe, &Source::Named(workload.to_owned()), size)
    }

    /// Runs a job workload at `size`, as [`run`](Cluster::run) does: a
    /// built-in one by its name, one of a spec file by the file's path,
    /// which every process reads for itself (on other machines of a
    /// host-file cluster, the same path must hold the same file).
    ///
    /// A job written in Rust ([`UserJob`](cvp_workloads::UserJob)) is a
    /// [`ClusterError::Workload`]: it lives in the program that defines it,
    /// and the processes run the worker executable, which cannot build it.
    ///
    /// ```no_run
    /// use cvp_cluster::Cluster;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = cvp_workloads::load_spec("examples/specs/uneven-items.toml".as_ref())?;
    /// let exe = std::path::Path::new("target/release/cvp-cluster-worker");
    /// let run = Cluster::new(2, 1).run_workload(exe, &spec, 1_000)?;
    /// assert_eq!(run.answer, spec.reference(1_000)?);
    /// # Ok(()) }
    /// ```
    pub fn run_workload(
        &self,
        exe: &Path,
        workload: &Workload,
        size: usize,
    ) -> Result<ClusterRun, ClusterError> {
        let source = match workload.origin() {
            Origin::BuiltIn => Source::Named(workload.name().to_owned()),
            Origin::Spec(path) => Source::Spec {
                name: workload.name().to_owned(),
                // Absolute, so that the processes find it whatever their
                // working directory.
                path: std::path::absolute(path)
                    .map_err(|e| ClusterError::Workload(format!("{}: {e}", path.display())))?,
            },
            _ => {
                return Err(ClusterError::Workload(format!(
                    "{} is a job written in Rust: it lives in the program that defines it, and \
                     the cluster's processes run the worker executable, which cannot build it",
                    workload.name()
                )))
            }
        };
        self.run_source(exe, &source, size)
    }

    fn run_source(
        &self,
        exe: &Path,
        source: &Source,
        size: usize,
    ) -> Result<ClusterRun, ClusterError> {
        crate::check_shape(self.processes, self.workers)?;
        source.job(size).map_err(ClusterError::Workload)?;
        let addresses = match &self.hosts {
            Some(path) => Some(hosts::read(path, self.processes)?),
            None => None,
        };
        let local: Vec<usize> = match &addresses {
            None => (0..self.processes).collect(),
            Some(list) => (0..self.processes)
                .filter(|&i| is_local(&list[i]))
                .collect(),
        };
        if local.first() != Some(&0) {
            return Err(ClusterError::HostFile {
                path: self.hosts.clone().unwrap_or_default(),
                line: 0,
                reason: "process 0 must be on this machine (localhost, a loopback address or its host name)".into(),
            });
        }

        let start = Instant::now();
        let started_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            .to_string();
        let (tx, rx) = mpsc::channel();
        let mut procs = Procs::default();
        for &i in &local {
            let mut cmd = Command::new(exe);
            cmd.args(&self.exe_args)
                .args(["--process", &i.to_string()])
                .args(["--processes", &self.processes.to_string()])
                .args(["--workers", &self.workers.to_string()])
                .args(source.args())
                .args(["--size", &size.to_string()])
                .args([
                    "--connect-timeout-ms",
                    &self.startup_timeout.as_millis().to_string(),
                ])
                .args(["--started-at-ns", &started_at])
                .arg("--supervised")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            match &self.hosts {
                Some(path) => {
                    cmd.arg("--hosts").arg(path);
                }
                None => {
                    cmd.args(["--listen", "127.0.0.1:0", "--peers-from-stdin"]);
                }
            }
            let mut child = cmd.spawn().map_err(|e| ClusterError::Spawn {
                exe: exe.into(),
                reason: e.to_string(),
            })?;
            let stdout = child.stdout.take().expect("piped");
            let stderr = child.stderr.take().expect("piped");
            let stdin = child.stdin.take();
            let last_words = Arc::new(Mutex::new(String::new()));
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(Event::Line(i, line)).is_err() {
                        return;
                    }
                }
                let _ = tx.send(Event::Closed(i));
            });
            let words = Arc::clone(&last_words);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if !line.trim().is_empty() {
                        *words.lock().expect("not poisoned") = line;
                    }
                }
            });
            procs.list.push(Proc {
                index: i,
                child,
                stdin,
                last_words,
            });
        }
        drop(tx);

        let mut listening: Vec<Option<String>> = vec![None; self.processes];
        let mut startup = None;
        let mut deadline = start + self.startup_timeout;
        let report = loop {
            let phase = if startup.is_none() {
                "start-up"
            } else {
                "computation"
            };
            let limit = if startup.is_none() {
                self.startup_timeout
            } else {
                self.run_timeout
            };
            let wait = deadline.saturating_duration_since(Instant::now());
            let event = match rx.recv_timeout(wait) {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(ClusterError::Timeout {
                        phase,
                        after: limit,
                    })
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(procs.death_of_first(None));
                }
            };
            match event {
                Event::Line(i, line) => {
                    let (word, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
                    match word {
                        "listen" if self.hosts.is_none() => {
                            listening[i] = Some(rest.to_owned());
                            if listening.iter().all(Option::is_some) {
                                let peers: Vec<String> =
                                    listening.iter().flatten().cloned().collect();
                                procs.send_all(&format!("peers {}", peers.join(" ")));
                            }
                        }
                        "ready" if i == 0 => {
                            startup = Some(());
                            deadline = Instant::now() + self.run_timeout;
                        }
                        "result" if i == 0 => {
                            break serde_json::from_str::<Report>(rest)
                                .map_err(|e| ClusterError::Protocol(format!("{line} ({e})")))?;
                        }
                        // A peer's broken connection is reported by the
                        // survivors; a process that died is the cause.
                        "error" => {
                            return Err(procs
                                .dead_other_than(i)
                                .unwrap_or_else(|| worker_error(i, rest, addresses.as_deref())))
                        }
                        // Anything else (a job's own output) is not ours.
                        _ => {}
                    }
                }
                // A process other than 0 finishes, successfully, as soon as
                // the last round is over, which may be before process 0's
                // result reaches us.
                Event::Closed(i) if i != 0 && procs.exited_successfully(i) => {}
                Event::Closed(i) => return Err(procs.death_of_first(Some(i))),
            }
        };
        let wall = start.elapsed();
        procs.wait_all(EXIT_GRACE)?;
        Ok(ClusterRun {
            answer: report.answer,
            wall,
            startup: Duration::from_nanos(report.startup_ns),
            compute: Duration::from_nanos(report.compute_ns),
            cpu: Duration::from_nanos(report.cpu_ns),
            payload_bytes: report.payload_bytes,
            wire_bytes: report.wire_bytes,
            rounds: report.rounds,
            replicated: report.replicated,
        })
    }
}

/// Turns a process's `error KIND REASON` line into the error.
fn worker_error(process: usize, rest: &str, addresses: Option<&[String]>) -> ClusterError {
    let (kind, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    match kind {
        "bind" => {
            let (address, why) = reason.split_once(' ').unwrap_or((reason, ""));
            let address = addresses
                .and_then(|a| a.get(process).cloned())
                .unwrap_or_else(|| address.to_owned());
            ClusterError::PortTaken {
                process,
                address,
                reason: why.to_owned(),
            }
        }
        _ => ClusterError::Worker {
            process,
            reason: format!("{kind}: {reason}"),
        },
    }
}

/// Whether a `host:port` names this machine.
fn is_local(address: &str) -> bool {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost" || host.starts_with("127.") || host == "::1" {
        return true;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname").is_ok_and(|name| name.trim() == host)
}

enum Event {
    Line(usize, String),
    Closed(usize),
}

struct Proc {
    index: usize,
    child: Child,
    stdin: Option<ChildStdin>,
    last_words: Arc<Mutex<String>>,
}

/// The started processes. Dropping it kills and reaps any still running.
#[derive(Default)]
struct Procs {
    list: Vec<Proc>,
}

impl Procs {
    fn send_all(&mut self, line: &str) {
        for p in &mut self.list {
            if let Some(stdin) = p.stdin.as_mut() {
                // A process that is gone shows up as its closed output.
                let _ = writeln!(stdin, "{line}");
            }
        }
    }

    /// Whether process `index`, whose output closed, exits successfully
    /// (waiting briefly for it to exit).
    fn exited_successfully(&mut self, index: usize) -> bool {
        let Some(p) = self.list.iter_mut().find(|p| p.index == index) else {
            return false;
        };
        let until = Instant::now() + Duration::from_millis(500);
        loop {
            match p.child.try_wait() {
                Ok(Some(status)) => return status.success(),
                Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(1)),
                _ => return false,
            }
        }
    }

    /// A process other than `index` that has exited unsuccessfully, if one
    /// has within a moment.
    fn dead_other_than(&mut self, index: usize) -> Option<ClusterError> {
        let until = Instant::now() + Duration::from_millis(200);
        loop {
            for p in self.list.iter_mut().filter(|p| p.index != index) {
                if let Ok(Some(status)) = p.child.try_wait() {
                    if !status.success() {
                        return Some(ClusterError::Died {
                            process: p.index,
                            status: status.to_string(),
                            last_words: p.last_words.lock().expect("not poisoned").clone(),
                        });
                    }
                }
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The error for a process that closed its output early: the one that
    /// died first if it can be told, else `closed`.
    fn death_of_first(&mut self, closed: Option<usize>) -> ClusterError {
        // Give the process a moment to be reaped, then report the first one
        // found dead, preferring the one whose output closed.
        let until = Instant::now() + Duration::from_millis(500);
        loop {
            let mut order: Vec<usize> = (0..self.list.len()).collect();
            if let Some(c) = closed {
                order.sort_by_key(|&k| self.list[k].index != c);
            }
            for k in order {
                let p = &mut self.list[k];
                if let Ok(Some(status)) = p.child.try_wait() {
                    return ClusterError::Died {
                        process: p.index,
                        status: status.to_string(),
                        last_words: p.last_words.lock().expect("not poisoned").clone(),
                    };
                }
            }
            if Instant::now() >= until {
                return ClusterError::Died {
                    process: closed.unwrap_or(0),
                    status: "its output closed".into(),
                    last_words: String::new(),
                };
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for every process to exit by itself; a failure exit or a
    /// process still running after `grace` is an error (and killed).
    fn wait_all(&mut self, grace: Duration) -> Result<(), ClusterError> {
        let until = Instant::now() + grace;
        for p in &mut self.list {
            loop {
                match p.child.try_wait() {
                    Ok(Some(status)) if status.success() => break,
                    Ok(Some(status)) => {
                        return Err(ClusterError::Died {
                            process: p.index,
                            status: status.to_string(),
                            last_words: p.last_words.lock().expect("not poisoned").clone(),
                        })
                    }
                    Ok(None) if Instant::now() < until => {
                        std::thread::sleep(Duration::from_millis(2))
                    }
                    _ => {
                        return Err(ClusterError::Timeout {
                            phase: "shut-down",
                            after: grace,
                        })
                    }
                }
            }
        }
        Ok(())
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for p in &mut self.list {
            if let Ok(None) = p.child.try_wait() {
                let _ = p.child.kill();
            }
            let _ = p.child.wait();
        }
    }
}

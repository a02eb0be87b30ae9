//! One process of a cluster: parse the arguments, join the mesh, run the
//! job on W timely workers, and report on standard output, one line a
//! message:
//!
//! * `listen ADDRESS`: the address this process listens on;
//! * `ready`: (process 0) every worker of every process is up;
//! * `result JSON`: (process 0) the answer and the measurements;
//! * `error KIND REASON`: this process failed (it then exits with 3).
//!
//! With `--peers-from-stdin` the addresses of all processes come as one line
//! `peers A0 A1 ...` on standard input; with `--supervised` the process
//! exits as soon as its standard input closes, so it never outlives the
//! runner that started it.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cvp_workloads::{Job, JobInput, Shape};
use serde::{Deserialize, Serialize};
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};
use timely::communication::Hooks;
use timely::{CommunicationConfig, WorkerConfig};

use crate::exec::ClusterExec;
use crate::{hosts, net};

/// Exit status of a process that reported an error.
const EXIT_ERROR: u8 = 3;
/// Exit status of a process whose runner went away.
const EXIT_ORPHAN: u8 = 4;

/// The measurements process 0 reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Report {
    pub(crate) answer: String,
    pub(crate) startup_ns: u64,
    pub(crate) compute_ns: u64,
    pub(crate) cpu_ns: u64,
    pub(crate) payload_bytes: u64,
    pub(crate) wire_bytes: u64,
    pub(crate) rounds: u64,
    pub(crate) replicated: Vec<String>,
}

/// A worker process's configuration.
#[derive(Debug, Clone)]
struct Args {
    process: usize,
    processes: usize,
    workers: usize,
    job: Job,
    size: usize,
    hosts: Option<PathBuf>,
    listen: Option<String>,
    peers_from_stdin: bool,
    supervised: bool,
    connect_timeout: Duration,
    /// When the runner started the processes (Unix time), for the start-up.
    started_at: Option<SystemTime>,
}

/// A failure, as `error KIND REASON`.
struct Failure {
    kind: &'static str,
    reason: String,
}

fn fail(kind: &'static str, reason: impl Into<String>) -> Failure {
    Failure {
        kind,
        reason: reason.into(),
    }
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut it = args.into_iter();
    let get = |name: &str, it: &mut dyn Iterator<Item = String>| {
        it.next().ok_or_else(|| format!("{name} needs a value"))
    };
    let num = |name: &str, v: String| {
        v.parse::<usize>()
            .map_err(|_| format!("{name}: `{v}` is not a number"))
    };
    let (mut process, mut processes, mut workers, mut size) = (None, None, None, None);
    let (mut job, mut hosts, mut listen, mut spec) = (None, None, None, None);
    let (mut peers_from_stdin, mut supervised) = (false, false);
    let mut connect_timeout = Duration::from_secs(30);
    let mut started_at = None;
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--process" => process = Some(num(&flag, get(&flag, &mut it)?)?),
            "--processes" => processes = Some(num(&flag, get(&flag, &mut it)?)?),
            "--workers" => workers = Some(num(&flag, get(&flag, &mut it)?)?),
            "--size" => size = Some(num(&flag, get(&flag, &mut it)?)?),
            "--job" => job = Some(get(&flag, &mut it)?),
            "--spec" => spec = Some(PathBuf::from(get(&flag, &mut it)?)),
            "--hosts" => hosts = Some(PathBuf::from(get(&flag, &mut it)?)),
            "--listen" => listen = Some(get(&flag, &mut it)?),
            "--connect-timeout-ms" => {
                connect_timeout = Duration::from_millis(num(&flag, get(&flag, &mut it)?)? as u64)
            }
            "--started-at-ns" => {
                let ns = get(&flag, &mut it)?;
                let ns = ns
                    .parse::<u64>()
                    .map_err(|_| format!("{flag}: `{ns}` is not a number"))?;
                started_at = Some(UNIX_EPOCH + Duration::from_nanos(ns));
            }
            "--peers-from-stdin" => peers_from_stdin = true,
            "--supervised" => supervised = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let need = |v: Option<usize>, name: &str| v.ok_or_else(|| format!("{name} is required"));
    let processes = need(processes, "--processes")?;
    let process = need(process, "--process")?;
    let workers = need(workers, "--workers")?;
    let (job_name, size) = (job.ok_or("--job is required")?, need(size, "--size")?);
    crate::check_shape(processes, workers).map_err(|e| e.to_string())?;
    if process >= processes {
        return Err(format!(
            "--process {process} is not below --processes {processes}"
        ));
    }
    let source = match spec {
        Some(path) => Source::Spec {
            name: job_name,
            path,
        },
        None => Source::Named(job_name),
    };
    let job = source.job(size)?;
    if hosts.is_none() && listen.is_none() && processes > 1 {
        return Err("--hosts or --listen is required with more than one process".into());
    }
    Ok(Args {
        process,
        processes,
        workers,
        job,
        size,
        hosts,
        listen,
        peers_from_stdin,
        supervised,
        connect_timeout,
        started_at,
    })
}

/// The entry point of a worker process: `args` are its arguments after the
/// program name (or after the subcommand that leads here).
///
/// It reports on standard output in the line format the runner reads, and
/// returns 0 when the run completed, 2 for bad arguments, 3 for any other
/// failure. A panic anywhere in the process (a job's, or timely's when a
/// peer's connection breaks) reports `error panic ...` and exits at once,
/// so that no worker waits for a peer that is gone.
pub fn worker_main(args: impl IntoIterator<Item = String>) -> ExitCode {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            println!("error args {e}");
            return ExitCode::from(2);
        }
    };
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string().replace('\n', " ");
        println!("error panic {message}");
        eprintln!("{message}");
        std::process::exit(i32::from(EXIT_ERROR));
    }));
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            println!("error {} {}", f.kind, f.reason.replace('\n', " "));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Watches standard input: passes on the first line, then exits the process
/// when the input closes (if supervised).
fn watch_stdin(supervised: bool) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        while let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        if supervised {
            std::process::exit(i32::from(EXIT_ORPHAN));
        }
    });
    rx
}

fn run(args: &Args) -> Result<(), Failure> {
    let deadline = Instant::now() + args.connect_timeout;
    let stdin = (args.supervised || args.peers_from_stdin).then(|| watch_stdin(args.supervised));
    let sent = Arc::new(AtomicU64::new(0));

    let allocators = if args.processes == 1 {
        let (builders, others) = CommunicationConfig::Process(args.workers)
            .try_build()
            .map_err(|e| fail("internal", e))?;
        (builders, others)
    } else {
        let (listener, addresses) = join_addresses(args, stdin.as_ref(), deadline)?;
        let sockets = net::mesh(&listener, &addresses, args.process, deadline, &sent)
            .map_err(|e| fail("connect", e))?;
        drop(listener);
        let hooks = Hooks::default();
        let local = ProcessBuilder::new_typed_vector(args.workers, hooks.refill.clone(), None);
        let (builders, guard) =
            initialize_networking_from_sockets(local, sockets, args.process, args.workers, hooks)
                .map_err(|e| fail("connect", e.to_string()))?;
        let builders = builders.into_iter().map(AllocatorBuilder::Tcp).collect();
        (builders, Box::new(guard) as Box<dyn std::any::Any + Send>)
    };

    let shared = Arc::new((args.clone(), Arc::clone(&sent), OnceLock::new()));
    let guards = timely::execute::execute_from(
        allocators.0,
        allocators.1,
        WorkerConfig::default(),
        move |worker| {
            let (args, sent, input) = &*shared;
            work(worker, args, sent, input)
        },
    )
    .map_err(|e| fail("internal", e))?;
    for outcome in guards.join() {
        outcome.map_err(|e| fail("internal", format!("a worker failed: {e}")))?;
    }
    Ok(())
}

/// Binds this process's listener and learns every process's address.
fn join_addresses(
    args: &Args,
    stdin: Option<&mpsc::Receiver<String>>,
    deadline: Instant,
) -> Result<(TcpListener, Vec<String>), Failure> {
    let from_file = match &args.hosts {
        Some(path) => {
            Some(hosts::read(path, args.processes).map_err(|e| fail("hosts", e.to_string()))?)
        }
        None => None,
    };
    let mine = match (&args.listen, &from_file) {
        (Some(l), _) => l.clone(),
        (None, Some(list)) => list[args.process].clone(),
        (None, None) => unreachable!("checked by parse"),
    };
    let listener = TcpListener::bind(&mine).map_err(|e| fail("bind", format!("{mine} {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| fail("bind", format!("{mine} {e}")))?;
    println!("listen {bound}");
    let addresses = match (from_file, args.peers_from_stdin) {
        (Some(list), false) => list,
        (_, true) => {
            let rx = stdin.expect("stdin is watched with --peers-from-stdin");
            let wait = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(wait)
                .map_err(|_| fail("connect", "no peer list on standard input"))?;
            let list: Vec<String> = match line.strip_prefix("peers ") {
                Some(rest) => rest.split_whitespace().map(str::to_owned).collect(),
                None => return Err(fail("args", format!("expected `peers ...`, got `{line}`"))),
            };
            if list.len() != args.processes {
                return Err(fail(
                    "args",
                    format!("{} peers for {} processes", list.len(), args.processes),
                ));
            }
            list
        }
        (None, false) => unreachable!("checked by parse"),
    };
    Ok((listener, addresses))
}

/// CPU time (user + system) of this whole process so far.
fn process_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `getrusage` writes a whole `rusage` into the pointer it is
    // given when it returns 0, and `usage` is valid for that write.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return Duration::ZERO;
    }
    // SAFETY: `getrusage` returned 0, so it initialised `usage`.
    let usage = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The life of one timely worker. `shared` holds the process's one input
/// of a job that does not consume it: its workers run on clones of it,
/// which share its data.
fn work(
    worker: &mut timely::worker::Worker,
    args: &Args,
    sent: &AtomicU64,
    shared: &OnceLock<JobInput>,
) {
    let exec = ClusterExec::install(worker, args.workers);
    let first_here = exec.index() % args.workers == 0;
    exec.barrier();
    let startup = args
        .started_at
        .and_then(|t| t.elapsed().ok())
        .unwrap_or_default();
    if exec.index() == 0 {
        println!("ready");
    }
    let mut input = if args.job.consumes_input() {
        args.job.prepare(args.size)
    } else {
        shared.get_or_init(|| args.job.prepare(args.size)).clone()
    };
    exec.barrier();
    let (start, cpu_start) = (Instant::now(), process_cpu());
    let answer = args.job.run(&exec, &mut input);
    drop(input);
    exec.barrier();
    let (compute, cpu) = (start.elapsed(), process_cpu().saturating_sub(cpu_start));
    let wire = sent.load(Ordering::Relaxed);
    let remote = exec.remote_bytes();

    // Gather every process's figures at worker 0: one leaf a worker, and
    // only the first worker of a process counts the process-wide ones.
    let mine = if first_here {
        (cpu.as_nanos() as u64, wire, remote)
    } else {
        (0, 0, remote)
    };
    let me = exec.index();
    let (cpu_ns, wire_bytes, payload_bytes) = cvp_workloads::Exec::map_reduce(
        &exec,
        worker.peers(),
        1,
        |r| {
            assert_eq!(r, me..me + 1, "each worker reports its own figures");
            mine
        },
        |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2),
    );
    let stats = exec.uninstall();
    if me == 0 {
        let report = Report {
            answer,
            startup_ns: startup.as_nanos() as u64,
            compute_ns: compute.as_nanos() as u64,
            cpu_ns,
            payload_bytes,
            wire_bytes,
            rounds: stats.rounds,
            replicated: stats.replicated.iter().map(|s| s.to_string()).collect(),
        };
        println!(
            "result {}",
            serde_json::to_string(&report).expect("a report serialises")
        );
    }
}

/// Where a process finds its job: the catalogue, by name, or a spec file,
/// which every process reads for itself (so the path must name the same
/// file on every machine of a host-file cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A built-in workload.
    Named(String),
    /// A workload described in a TOML spec (`cvp_workloads::load_spec`),
    /// which must be named `name` (a file changed under a run is refused).
    Spec { name: String, path: PathBuf },
}

impl Source {
    /// The worker arguments that name it.
    pub(crate) fn args(&self) -> Vec<std::ffi::OsString> {
        match self {
            Source::Named(name) => vec!["--job".into(), name.into()],
            Source::Spec { name, path } => {
                vec!["--job".into(), name.into(), "--spec".into(), path.into()]
            }
        }
    }

    /// The job, with its size checked.
    pub(crate) fn job(&self, size: usize) -> Result<Job, String> {
        let (name, loaded);
        let w = match self {
            Source::Named(n) => {
                name = n;
                cvp_workloads::find(n).map_err(|e| e.to_string())?
            }
            Source::Spec { name: n, path } => {
                name = n;
                loaded = cvp_workloads::load_spec(path).map_err(|e| e.to_string())?;
                if loaded.name() != n {
                    return Err(format!(
                        "{} now describes `{}`, not `{n}`",
                        path.display(),
                        loaded.name()
                    ));
                }
                &loaded
            }
        };
        w.check_size(size).map_err(|e| e.to_string())?;
        match w.shape() {
            Shape::Job(job) => Ok(job.clone()),
            Shape::Tasks(_) | Shape::Serve(_) => Err(format!(
                "{name} is a task set, not a job: the cluster runs jobs"
            )),
        }
    }
}

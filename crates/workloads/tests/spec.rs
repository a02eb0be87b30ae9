//! Workload specs: the examples compile and verify, draws repeat with the
//! seed, and every kind of bad input is one line naming the file, the line
//! and the key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use std::net::{SocketAddr, TcpListener};
use std::time::Instant;

use cvp_workloads::{
    load_spec, parse_spec, run_script, Class, Mix, Origin, Preset, ScriptCtx, Sequential, Serve,
    Shape, Step,
};

/// A loopback echo server on a thread of its own, a thread per connection,
/// for the life of the test process.
fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || cvp_workloads::echo::serve_blocking(stream));
        }
    });
    addr
}

fn parse(text: &str) -> Result<cvp_workloads::Workload, String> {
    parse_spec(Path::new("my.toml"), text).map_err(|e| e.to_string())
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/specs");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_spec_compiles_and_its_sequential_answer_is_the_reference() {
    let files = examples();
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let w = load_spec(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.origin(), &Origin::Spec(path.clone()));
        let size = w.size(Preset::Test);
        let reference = w.reference(size).unwrap();
        let answer = match w.shape() {
            Shape::Job(job) => {
                let mut input = job.prepare(size);
                job.run(&Sequential, &mut input)
            }
            Shape::Tasks(t) => {
                let set = t.task_set(size);
                if set.needs_server() {
                    continue; // the echo server is covered by the runner's tests
                }
                set.answer(&set.run_sequential(None).unwrap())
            }
            Shape::Serve(serve) => {
                // The reference of a serve cell is its count of requests
                // due; what each request must answer is the mix's table,
                // checked here against running the first ids' scripts.
                assert_eq!(reference, Serve::answer(serve.due(size), serve.due(size)));
                assert!(serve.due(size) > 0, "{}", path.display());
                let answers = serve.mix.answers();
                assert_eq!(answers.len(), serve.mix.ids() as usize);
                let backend = echo_server();
                for id in 0..serve.mix.ids().min(16) {
                    let now = Instant::now();
                    let ctx = ScriptCtx {
                        server: Some(backend),
                        released: now,
                        epoch: now,
                    };
                    let out = run_script(serve.mix.script(id).unwrap(), &ctx).unwrap();
                    assert_eq!(
                        Mix::body(&out),
                        answers[id as usize],
                        "{}: /{id}",
                        path.display()
                    );
                }
                continue;
            }
        };
        w.verify(&reference, &answer)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn a_spec_job_reference_is_worked_out_not_run() {
    // 10^6 items of 10^4 units would take hours to run; its reference is
    // the closed form, so it is quick (and the size is within the limits
    // only because it is never run here).
    let w =
        parse("seed = 1\n[job]\nitems = 50000\ncost_units = { uniform = [1000, 10000] }").unwrap();
    let t = std::time::Instant::now();
    let r = w.reference(50_000).unwrap();
    assert!(r.starts_with("50000 items, checksum "), "{r}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn the_same_seed_draws_the_same_tasks_and_another_seed_others() {
    let spec = |seed: u64| {
        parse(&format!(
            "seed = {seed}\n[tasks]\ncount = 20\narrival = {{ poisson = {{ per_second = 1000 }} }}\nsteps = [{{ repeat = 2, wait_ms = {{ exponential = 3 }} }}, {{ compute_units = {{ skewed = {{ min = 1, max = 100 }} }} }}]"
        ))
        .unwrap()
    };
    let set = |seed| {
        let Shape::Tasks(t) = spec(seed).shape().clone() else {
            panic!()
        };
        t.task_set(20)
    };
    assert_eq!(set(1), set(1));
    assert_ne!(set(1), set(2));
    let s = set(1);
    // An arrival, two waits and a compute step each; arrivals ascend.
    assert!(s.scripts.iter().all(|t| t.steps.len() == 4));
    let arrivals: Vec<Duration> = s
        .scripts
        .iter()
        .map(|t| match t.steps[0] {
            Step::Arrive(at) => at,
            ref other => panic!("{other:?}"),
        })
        .collect();
    assert!(arrivals.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(spec(1).class(), Class::Mixed);
}

#[test]
fn arrivals_average_the_given_rate() {
    let w = parse("seed = 4\n[tasks]\ncount = 5000\narrival = { poisson = { per_second = 2000 } }\nsteps = [{ wait_ms = 1 }]").unwrap();
    let Shape::Tasks(t) = w.shape() else { panic!() };
    let last = match t.task_set(5000).scripts[4999].steps[0] {
        Step::Arrive(at) => at.as_secs_f64(),
        _ => panic!(),
    };
    // 5000 arrivals at 2000/s span about 2.5 s (sd about 1.4%).
    assert!((last / 2.5 - 1.0).abs() < 0.06, "{last}");
    assert_eq!(w.class(), Class::Io);
}

#[test]
fn repetition_expands_groups() {
    let w = parse("[tasks]\ncount = 1\nsteps = [{ repeat = 3, steps = [{ wait_ms = 1 }, { compute_ms = 0.5 }] }, { compute_units = 7 }]").unwrap();
    let Shape::Tasks(t) = w.shape() else { panic!() };
    let steps = &t.task_set(1).scripts[0].steps;
    assert_eq!(steps.len(), 7);
    assert_eq!(steps[1], Step::Compute { units: 500 });
    assert_eq!(steps[6], Step::Compute { units: 7 });
}

/// Each bad input: (spec text, the one line expected).
#[test]
fn bad_specs_name_the_file_the_line_and_the_key() {
    let cases: &[(&str, &str)] = &[
        (
            "[tasks]\ncount = 5\nstepz = []",
            "my.toml:3: `stepz`: unknown field `stepz`",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [\n  { wait_ms = 0 },\n]",
            "my.toml:4: `wait_ms`: the value must be a positive number, not 0",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [{ compute_ms = -2 }]",
            "my.toml:3: `compute_ms`: the value must be a positive number, not -2",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [{ wait_ms = { uniform = [2, 8] } }]",
            "my.toml:3: `wait_ms`: draws at random: add a top-level `seed = N`",
        ),
        (
            "[tasks]\ncount = 5\narrival = { poisson = { per_second = 10 } }\nsteps = [{ wait_ms = 1 }]",
            "my.toml:3: `arrival`: draws at random",
        ),
        (
            "[tasks]\ncount = 1000000\nsteps = [{ wait_ms = 1 }]",
            "my.toml:2: `count`: 1000000 exceeds the limit 100000",
        ),
        (
            "[tasks]\ncount = 0\nsteps = [{ wait_ms = 1 }]",
            "my.toml:2: `count`: must be at least 1",
        ),
        (
            "[job]\nitems = 100000000\ncost_units = 1\nbytes_per_item = 1024",
            "my.toml:2: `items`: 100000000 items of 1024 bytes exceed the limit of 4 GiB",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [{ wait_ms = 120000 }]",
            "my.toml:3: `wait_ms`: can reach 120000, above the limit 60000",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [{ repeat = 100, steps = [{ repeat = 1000, wait_ms = 1 }] }]",
            "my.toml:3: `steps`: 100000 steps a task once repeated; the limit is 10000",
        ),
        (
            "[tasks\ncount = 5",
            "my.toml:1: ",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [{ wait_ms = 1, compute_ms = 1 }]",
            "my.toml:3: `steps`: each step needs exactly one of",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [{ wait_ms = { normal = 3 } }]",
            "my.toml:3: `normal`: unknown field `normal`",
        ),
        (
            "name = \"primes\"\n[tasks]\ncount = 5\nsteps = [{ wait_ms = 1 }]",
            "my.toml:1: `name`: `primes` is a built-in workload",
        ),
        (
            "[job]\nitems = 10",
            "my.toml:2: `items`: a job needs `cost_units` or `cost_ms` per item",
        ),
        (
            "seed = 1",
            "my.toml:1: `tasks`: a spec needs a `[tasks]`, a `[job]` or a `[serve]` table",
        ),
        (
            "[tasks]\ncount = 5\nsteps = [{ wait_ms = 1 }]\n[job]\nitems = 10\ncost_units = 1",
            "my.toml:4: `job`: a spec has one of `[tasks]`, `[job]` and `[serve]`, not more",
        ),
        (
            "[tasks]\ncount = \"many\"\nsteps = []",
            "my.toml:2: `count`: invalid type: string \"many\"",
        ),
    ];
    for (text, expected) in cases {
        let got = parse(text).map(|w| w.name().to_owned()).unwrap_err();
        assert!(
            got.starts_with(expected),
            "for\n{text}\nexpected a line starting with\n{expected}\ngot\n{got}"
        );
        assert!(!got.contains('\n'), "not one line: {got}");
    }
}

#[test]
fn an_unreadable_or_huge_file_is_one_line_too() {
    let err = load_spec(Path::new("/nonexistent/x.toml")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/x.toml:0: `-`: cannot read it"),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("cvp-spec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.toml");
    std::fs::write(&big, vec![b'#'; 2 << 20]).unwrap();
    let err = load_spec(&big).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(err.contains("a spec may have at most 1048576"), "{err}");
}

/// The restatements of built-ins in examples/specs/ compile to exactly the
/// built-in scripts: a spec costs nothing at run time.
#[test]
fn restated_built_ins_compile_to_the_same_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/specs");
    for name in ["latency-fanout", "fetch-then-crunch"] {
        let spec = load_spec(&dir.join(format!("{name}-spec.toml"))).unwrap();
        let built_in = cvp_workloads::find(name).unwrap();
        let (Shape::Tasks(a), Shape::Tasks(b)) = (spec.shape(), built_in.shape()) else {
            panic!("{name}")
        };
        for n in [1, 8, 200] {
            assert_eq!(a.task_set(n), b.task_set(n), "{name} at {n}");
        }
        assert_eq!(spec.class(), built_in.class(), "{name}");
    }
}

//! The page drawn from reports a run can really produce, the awkward ones
//! included: failed, timed-out and wrong cells, one model only, a spec
//! workload the catalogue does not know, no cells at all. Each must draw
//! without a broken chart: every chart on the page has real content and no
//! NaN, every link within the page reaches its target, and what could not
//! be drawn says why.

use std::collections::HashSet;
use std::path::PathBuf;

use cvp_report::visual::{rewrite, write, Timeline};
use cvp_report::{
    Cell, Class, Machine, Report, Role, Run, Settings, Span, SpanKind, Status, Trace, SCHEMA,
};

/// A fresh, empty folder under the system's temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cvp-report-page-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What a model is, as the runner's registry says.
#[derive(Clone, Copy)]
struct Model {
    name: &'static str,
    role: Role,
    concurrent: bool,
    parallel: bool,
}

const SEQUENTIAL: Model = Model {
    name: "sequential",
    role: Role::Baseline,
    concurrent: false,
    parallel: false,
};
const INTERLEAVE: Model = Model {
    name: "interleave",
    role: Role::Engine,
    concurrent: true,
    parallel: false,
};
const DECOMPOSE: Model = Model {
    name: "decompose",
    role: Role::Engine,
    concurrent: false,
    parallel: true,
};
const HYBRID: Model = Model {
    name: "hybrid",
    role: Role::Engine,
    concurrent: true,
    parallel: true,
};
const RAYON: Model = Model {
    name: "rayon",
    role: Role::Anchor,
    concurrent: false,
    parallel: true,
};
const THREADS: Model = Model {
    name: "threads",
    role: Role::Other,
    concurrent: true,
    parallel: true,
};

/// A cell of `workload` on `m` whose runs took `walls_ms`, `base_ms` being
/// sequential's median.
fn cell(
    workload: &str,
    class: Class,
    m: Model,
    status: Status,
    walls_ms: &[f64],
    base_ms: f64,
) -> Cell {
    let ns = |ms: f64| (ms * 1e6) as u64;
    let mut sorted = walls_ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let ran = matches!(status, Status::Ok | Status::Wrong);
    let threads = if m.parallel { 2 } else { 1 };
    Cell {
        workload: workload.into(),
        class,
        serial: false,
        model: m.name.into(),
        role: m.role,
        anchor: None,
        concurrent: m.concurrent,
        parallel: m.parallel,
        preemptive: m.name == "threads",
        threads,
        cores: threads,
        size: 200,
        unit: "tasks".into(),
        status,
        reason: match status {
            Status::Failed => Some("panicked: boom".into()),
            Status::TimedOut => Some("exceeded 60 s".into()),
            Status::NotApplicable => Some("one OS thread per task: too many".into()),
            _ => None,
        },
        answer: if status == Status::Wrong { "41" } else { "42" }.into(),
        reference: "42".into(),
        verified: status == Status::Ok,
        wall_ns: if ran { ns(median) } else { 0 },
        wall_min_ns: if ran { ns(sorted[0]) } else { 0 },
        wall_max_ns: if ran { ns(sorted[sorted.len() - 1]) } else { 0 },
        cpu_ns: if ran { ns(median) } else { 0 },
        speedup: (ran && median > 0.0).then(|| base_ms / median),
        efficiency: None,
        concurrency: None,
        lateness: None,
        peak_rss_kib: 4096,
        warmup_ns: 0,
        runs: if ran {
            walls_ms
                .iter()
                .map(|&w| Run {
                    wall_ns: ns(w),
                    cpu_ns: ns(w),
                    user_ns: ns(w),
                    sys_ns: 0,
                    voluntary_switches: 0,
                    involuntary_switches: 0,
                    peak_rss_kib: 4096,
                    concurrency: None,
                    lateness: None,
                    cluster: None,
                })
                .collect()
        } else {
            Vec::new()
        },
        trace: None,
        serve: None,
    }
}

fn report(cells: Vec<Cell>) -> Report {
    Report {
        schema: SCHEMA,
        machine: Machine {
            cpu_model: "test cpu".into(),
            cores: 2,
            os: "test os".into(),
            rustc: "rustc test".into(),
            load_average: None,
            bandwidth: None,
        },
        settings: Settings {
            preset: "test".into(),
            threads: vec![2],
            runs: "3".into(),
            cell_timeout_s: 60.0,
            isolation: "process".into(),
        },
        started_unix: 0,
        elapsed_s: 1.0,
        interrupted: false,
        cells,
        verdicts: Vec::new(),
        recommendations: Vec::new(),
    }
}

/// Tasks that each wait `wait_ms` then compute `compute_ms`, as a model
/// with `lanes` lanes records them: blocking lanes wait on the lane,
/// cooperative lanes leave it free.
fn trace(tasks: u32, lanes: u32, wait_ms: u64, compute_ms: u64, blocking: bool) -> Trace {
    let ms = 1_000_000;
    let mut spans = Vec::new();
    let mut clock = vec![0u64; lanes as usize];
    for t in 0..tasks {
        let lane = t % lanes;
        let now = &mut clock[lane as usize];
        let label = format!("task {t}");
        if blocking {
            spans.push(Span {
                lane,
                label: label.clone(),
                start_ns: *now,
                end_ns: *now + wait_ms * ms,
                kind: SpanKind::Wait,
            });
            *now += wait_ms * ms;
        } else if *now < wait_ms * ms {
            *now = wait_ms * ms;
        }
        spans.push(Span {
            lane,
            label,
            start_ns: *now,
            end_ns: *now + compute_ms * ms,
            kind: SpanKind::Compute,
        });
        *now += compute_ms * ms;
    }
    spans.sort_by_key(|s| (s.start_ns, s.lane));
    Trace { lanes, spans }
}

fn timeline(workload: &str, model: &str, threads: usize, trace: Result<Trace, String>) -> Timeline {
    Timeline {
        workload: workload.into(),
        model: model.into(),
        threads,
        size: 8,
        unit: "step".into(),
        trace,
    }
}

/// The page of `dir`, checked as its own script would: every chart has
/// content and no NaN, every in-page link has its target, no verdict twice.
/// Returns the page.
fn checked_page(dir: &std::path::Path) -> String {
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(!html.contains("src=\"http"), "the page loads nothing");
    for figure in html.split("<figure class=\"chart\"").skip(1) {
        let figure = &figure[..figure.find("</figure>").expect("a closed figure")];
        let name = &figure[figure.find("data-chart=\"").unwrap() + 12..];
        let name = &name[..name.find('"').unwrap()];
        assert!(
            figure.contains("<svg") && figure.contains("</svg>"),
            "{name}: no svg"
        );
        let marks = [
            "<rect",
            "<path",
            "<polyline",
            "<polygon",
            "<circle",
            "<line",
            "<text",
        ]
        .iter()
        .map(|m| figure.matches(m).count())
        .sum::<usize>();
        assert!(marks >= 12, "{name}: an empty chart ({marks} marks)");
        for bad in ["NaN", "inf\"", "=\"-inf", "Infinity"] {
            assert!(!figure.contains(bad), "{name}: {bad} in the chart");
        }
        assert!(
            dir.join("charts").join(name).is_file(),
            "{name} not on disk"
        );
    }
    let ids: HashSet<&str> = html
        .split(" id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    for link in html.split("href=\"#").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        assert!(ids.contains(target), "broken link #{target}");
    }
    let mut seen = HashSet::new();
    for v in html.split("data-verdict=\"").skip(1) {
        let key = &v[..v.find('"').unwrap()];
        assert!(seen.insert(key.to_owned()), "verdict {key} shown twice");
    }
    html
}

/// The heatmap's squares, in order: their text.
fn squares(html: &str) -> Vec<String> {
    let grid = &html[html.find("<table class=\"heatmap\"").expect("a heatmap")..];
    let grid = &grid[..grid.find("</table>").unwrap()];
    grid.split("<td ")
        .skip(1)
        .map(|td| {
            let text = &td[..td.find("</td>").unwrap()];
            let inner = text.rsplit_once("\">").map_or(text, |(_, t)| t);
            inner.trim_end_matches("</a>").to_owned()
        })
        .collect()
}

#[test]
fn failed_timed_out_and_wrong_cells_draw_marked() {
    let w = "mandelbrot";
    let cells = vec![
        cell(
            w,
            Class::Cpu,
            SEQUENTIAL,
            Status::Ok,
            &[100.0, 110.0, 105.0],
            105.0,
        ),
        cell(w, Class::Cpu, INTERLEAVE, Status::Wrong, &[100.0], 105.0),
        cell(w, Class::Cpu, DECOMPOSE, Status::Failed, &[], 105.0),
        cell(w, Class::Cpu, RAYON, Status::TimedOut, &[], 105.0),
        cell(w, Class::Cpu, THREADS, Status::NotApplicable, &[], 105.0),
        cell(
            w,
            Class::Cpu,
            HYBRID,
            Status::Ok,
            &[50.0, 52.0, 51.0],
            105.0,
        ),
    ];
    let dir = temp_dir("bad-cells");
    write(&dir, &report(cells), &[]).unwrap();
    let html = checked_page(&dir);
    assert_eq!(
        squares(&html),
        ["1.00×", "WRONG", "FAILED", "TIMEOUT", "n/a", "2.06×"]
    );
    // The noise band is in the square's title: slowest sequential run over
    // the fastest hybrid run, and the other way round.
    assert!(html.contains("all runs: 1.92× to 2.20×"), "no noise band");
    assert!(html.contains("No picture from this report: no run of it was recorded"));
    assert!(dir.join("charts/speedup-mandelbrot.svg").is_file());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_report_of_one_model_draws() {
    let cells = vec![
        cell("primes", Class::Cpu, SEQUENTIAL, Status::Ok, &[10.0], 10.0),
        cell(
            "latency-fanout",
            Class::Io,
            SEQUENTIAL,
            Status::Ok,
            &[80.0],
            80.0,
        ),
    ];
    let timelines = [timeline(
        "latency-fanout",
        "sequential",
        1,
        Ok(trace(8, 1, 10, 1, true)),
    )];
    let dir = temp_dir("one-model");
    write(&dir, &report(cells), &timelines).unwrap();
    let html = checked_page(&dir);
    assert_eq!(squares(&html), ["1.00×", "1.00×"]);
    assert!(html.contains("data-workloads=\"2\" data-models=\"1\""));
    assert!(
        html.contains("cvp&#39;s three engines"),
        "the opening says why"
    );
    assert!(html.contains("data-chart=\"timeline-latency-fanout.svg\""));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_spec_workload_draws() {
    // A workload the catalogue does not know, of any class, with a name
    // that is no HTML id.
    let w = "my spec <v2>";
    let mut cells = vec![
        cell(w, Class::Mixed, SEQUENTIAL, Status::Ok, &[70.0], 70.0),
        cell(w, Class::Mixed, INTERLEAVE, Status::Ok, &[20.0], 70.0),
    ];
    cells[1].trace = Some(trace(4, 1, 5, 2, false));
    let timelines = [timeline(w, "decompose", 2, Err("n/a: not recorded".into()))];
    let dir = temp_dir("spec");
    write(&dir, &report(cells), &timelines).unwrap();
    let html = checked_page(&dir);
    assert!(html.contains("id=\"w-my-spec--v2-\""));
    assert!(html.contains("my spec &lt;v2&gt;"));
    assert!(html.contains("Not recorded: decompose: n/a: not recorded."));
    assert_eq!(squares(&html), ["1.00×", "3.50×"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_report_without_cells_draws() {
    let dir = temp_dir("empty");
    write(&dir, &report(Vec::new()), &[]).unwrap();
    let html = checked_page(&dir);
    assert!(html.contains("no cell ran"));
    let _ = std::fs::remove_dir_all(dir);
}

/// A mixed workload recorded on the three engines, as `cvp compare` does.
fn classic() -> (Report, Vec<Timeline>) {
    let w = "fetch-then-crunch";
    let cells = vec![
        cell(w, Class::Mixed, SEQUENTIAL, Status::Ok, &[1400.0], 1400.0),
        cell(w, Class::Mixed, INTERLEAVE, Status::Ok, &[400.0], 1400.0),
        cell(w, Class::Mixed, DECOMPOSE, Status::Ok, &[700.0], 1400.0),
        cell(w, Class::Mixed, HYBRID, Status::Ok, &[280.0], 1400.0),
    ];
    let timelines = vec![
        timeline(w, "sequential", 1, Ok(trace(8, 1, 5, 2, true))),
        timeline(w, "interleave", 1, Ok(trace(8, 1, 5, 2, false))),
        timeline(w, "decompose", 2, Ok(trace(8, 2, 5, 2, true))),
        timeline(w, "hybrid", 2, Ok(trace(8, 2, 5, 2, false))),
    ];
    (report(cells), timelines)
}

#[test]
fn the_opening_draws_the_classic_picture_with_its_figures() {
    let (report, timelines) = classic();
    let dir = temp_dir("classic");
    write(&dir, &report, &timelines).unwrap();
    let html = checked_page(&dir);
    let intro = &html[html.find("id=\"intro\"").unwrap()..html.find("id=\"summary\"").unwrap()];
    assert!(intro.contains("data-chart=\"intro.svg\""));
    let svg = std::fs::read_to_string(dir.join("charts/intro.svg")).unwrap();
    assert!(
        svg.contains("fetch-then-crunch at 8 tasks"),
        "the size is in the title"
    );
    for panel in [
        "interleave (concurrent",
        "decompose ×2 (parallel)",
        "hybrid ×2 (concurrent and parallel)",
    ] {
        assert!(svg.contains(panel), "no panel {panel}");
    }
    assert!(
        !svg.contains("sequential (one"),
        "the picture is the three engines"
    );
    // Interleave: 5 ms of waiting overlapped, then 8 × 2 ms of computing on
    // one lane. Decompose: 4 × 7 ms on each of two lanes, 5 of every 7
    // blocked. Hybrid: 5 ms, then 4 × 2 ms on each lane.
    let lesson = &intro[intro.find("class=\"lesson\"").expect("a lesson")..];
    for figure in [
        "Recorded at 8 tasks: interleave took 21.0 ms on 1 lane, computing 76% of the time",
        "decompose took 28.0 ms on 2 lanes, whose threads sat blocked in waits 71% of the time",
        "hybrid, doing both, took 13.0 ms on 2 lanes, first of the three.",
        "Measured at 200 tasks, median speedup over sequential:",
        "interleave 3.50×, decompose 2.00×, hybrid 5.00×",
    ] {
        assert!(lesson.contains(figure), "no `{figure}` in {lesson}");
    }
    // Every model's timeline, in the workload's section, states its size.
    let section =
        std::fs::read_to_string(dir.join("charts/timeline-fetch-then-crunch.svg")).unwrap();
    assert!(section.contains("sequential (one thing at a time)"));
    // Readable without scripts: nothing on the page is built by one.
    let mut without = html.clone();
    while let Some(start) = without.find("<script>") {
        let end = without[start..].find("</script>").unwrap() + start + 9;
        without.replace_range(start..end, "");
    }
    for part in [
        "<table class=\"heatmap\"",
        "data-chart=\"intro.svg\"",
        "class=\"lesson\"",
        "data-chart=\"timeline-fetch-then-crunch.svg\"",
    ] {
        assert!(without.contains(part), "{part} needs a script");
    }
    assert!(html.contains(
        "Recorded once more, untimed, at 8 tasks (the measured cells ran at 200 tasks)."
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_saved_folder_draws_its_timelines_again() {
    let (report, timelines) = classic();
    let dir = temp_dir("rewrite");
    write(&dir, &report, &timelines).unwrap();
    let first = std::fs::read_to_string(dir.join("index.html")).unwrap();
    std::fs::remove_file(dir.join("charts/intro.svg")).unwrap();
    let files = rewrite(&dir, &report).unwrap();
    assert!(files.iter().any(|f| f.ends_with("charts/intro.svg")));
    assert!(dir.join("traces/fetch-then-crunch-hybrid-2.json").is_file());
    let again = checked_page(&dir);
    assert_eq!(first, again, "the same page from the saved runs");
    let _ = std::fs::remove_dir_all(dir);
}

/// A point of a server under load: `p99_ms` at `offered` req/s, the
/// server on `server` and the generator on CPU 1.
fn serve_point(mix: &str, offered: f64, p99_ms: f64, server: &[usize]) -> cvp_report::ServeStats {
    let ns = |ms: f64| (ms * 1e6) as u64;
    cvp_report::ServeStats {
        mix: mix.into(),
        connections: 64,
        arrivals: "constant".into(),
        duration_s: 1.0,
        offered_rps: offered,
        achieved_rps: if p99_ms < 100.0 {
            offered
        } else {
            offered / 2.0
        },
        due: offered as u64,
        ok: offered as u64,
        p50_ns: ns(p99_ms / 3.0),
        p99_ns: ns(p99_ms),
        p999_ns: ns(p99_ms * 1.5),
        max_ns: ns(p99_ms * 2.0),
        errors: Vec::new(),
        p99_leave_one_out_ns: vec![ns(p99_ms * 0.9), ns(p99_ms * 1.1)],
        lag_p99_ns: 150_000,
        unreliable: None,
        server_cpus: server.to_vec(),
        generator_cpus: vec![1],
        generator_priority: None,
        refused_by_server: 0,
        refusal: None,
    }
}

#[test]
fn serve_cells_draw_their_latency_and_where_they_ran() {
    let w = "serve-waiting";
    let mut cells = vec![
        cell(w, Class::Io, INTERLEAVE, Status::Ok, &[1000.0], 1000.0),
        cell(w, Class::Io, THREADS, Status::Ok, &[1000.0], 1000.0),
        cell(w, Class::Io, SEQUENTIAL, Status::Failed, &[], 1000.0),
    ];
    cells[0].serve = Some(serve_point("waiting", 2000.0, 1.5, &[0]));
    let mut lagged = serve_point("waiting", 2000.0, 4.0, &[0]);
    lagged.unreliable = Some("the generator sent late".into());
    lagged.errors = vec![("timeout".into(), 3)];
    cells[1].serve = Some(lagged);
    let dir = temp_dir("serve-cells");
    write(&dir, &report(cells), &[]).unwrap();
    let html = checked_page(&dir);
    assert!(html.contains("data-chart=\"serve-serve-waiting.svg\""));
    let svg = std::fs::read_to_string(dir.join("charts/serve-serve-waiting.svg")).unwrap();
    assert!(svg.contains("latency at 2000 req/s offered, 64 connections"));
    assert!(
        svg.contains("3 failed, unreliable"),
        "failures and lag are on the chart"
    );
    assert!(
        svg.contains("FAILED"),
        "a cell without a point says why on the chart"
    );
    assert!(html.contains("<td class=\"place\">server on CPU 0, generator on CPU 1</td>"));
    let _ = std::fs::remove_dir_all(dir);
}

/// A sweep of the computing mix: a one-core model meeting the objective
/// up to 2000 req/s, a parallel one on both CPUs (the generator sharing
/// CPU 1) up to 5000, and a model that never answered.
fn sweep() -> cvp_report::serve::ServeSweep {
    use cvp_report::serve::{verdicts, Curve, MixSweep, ServeSweep, SERVE_SCHEMA};
    let rates: Vec<f64> = (1..=7).map(|k| 1000.0 * k as f64).collect();
    let curve = |m: Model, preemptive: bool, knee: f64, server: &[usize]| Curve {
        model: m.name.into(),
        role: m.role,
        concurrent: m.concurrent,
        parallel: m.parallel,
        preemptive,
        threads: if m.parallel { 2 } else { 1 },
        capacity_rps: knee * 1.1,
        points: rates
            .iter()
            .map(|&r| serve_point("computing", r, if r <= knee { 3.0 } else { 300.0 }, server))
            .collect(),
        stopped: None,
        failed: None,
    };
    let mut dead = curve(DECOMPOSE, false, 0.0, &[0, 1]);
    dead.points.clear();
    dead.capacity_rps = 0.0;
    dead.failed = Some("the server did not answer".into());
    let mut m = MixSweep {
        mix: "computing".into(),
        description: "2 ms of computing per request".into(),
        compute_ms: 2.0,
        wait_ms: 0.0,
        capacity_rps: 5500.0,
        rates: rates.clone(),
        curves: vec![
            curve(INTERLEAVE, false, 2000.0, &[0]),
            curve(THREADS, true, 5000.0, &[0, 1]),
            dead,
        ],
        verdicts: Vec::new(),
    };
    m.verdicts = verdicts(&m, 10_000_000);
    ServeSweep {
        schema: SERVE_SCHEMA,
        machine: report(Vec::new()).machine,
        started_unix: 0,
        elapsed_s: 60.0,
        objective_p99_ns: 10_000_000,
        command: "cvp serve-sweep --mix computing".into(),
        mixes: vec![m],
    }
}

#[test]
fn a_sweep_draws_latency_against_load_and_throughput_at_the_objective() {
    let dir = temp_dir("sweep");
    let files = cvp_report::visual::write_sweep(&dir, &sweep()).unwrap();
    assert!(files[0].ends_with("index.html"));
    let html = checked_page(&dir);
    for chart in ["serve-computing.svg", "throughput-computing.svg"] {
        assert!(
            html.contains(&format!("data-chart=\"{chart}\"")),
            "{chart} not on the page"
        );
    }
    let curves = std::fs::read_to_string(dir.join("charts/serve-computing.svg")).unwrap();
    for panel in ["p50 latency", "p99 latency", "p99.9 latency"] {
        assert!(curves.contains(panel), "no {panel} panel");
    }
    let bars = std::fs::read_to_string(dir.join("charts/throughput-computing.svg")).unwrap();
    assert!(
        bars.contains("5000\n</text>") || bars.contains(">5000<"),
        "the parallel model's throughput is labelled: {bars}"
    );
    assert!(
        bars.contains("the server did not answer"),
        "a dead model says why"
    );
    // The caption says where each model ran, as the points say.
    assert!(html.contains(
        "CPUs: interleave: server on CPU 0, generator on CPU 1; threads, decompose"
    ) || html.contains("CPUs: interleave: server on CPU 0, generator on CPU 1; threads: server on CPUs 0–1, generator on CPU 1, shared."),
        "placement in the caption");
    assert!(html.contains("✓ holds"), "the parallel claim is judged");
    assert!(html.contains("data-page=\"serve\""));
    let _ = std::fs::remove_dir_all(dir);
}

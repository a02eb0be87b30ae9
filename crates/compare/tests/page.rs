//! The page as a user sees it: `index.html` from a small real run, opened
//! in headless Chromium. The page's own check script marks
//! `<body data-check="ok">` only when every chart is there, drawn and of
//! real size, the opening has its picture and sentence, the heatmap a row
//! per workload, every in-page link its target, no verdict shows twice and
//! no script failed; the test reads the dumped DOM. The same page is also
//! checked at the width of an A4 page with its print rules applied
//! (`#print`), and printed to PDF.
//!
//! Chromium (Debian's `chromium` package, `/usr/bin/chromium`) is needed.
//! Where it is missing the tests say so on stderr and pass, so that `cargo
//! test --workspace` passes on a machine with only the Rust toolchain; in
//! CI (`CI=true`, set by `.ci/run`, which installs Chromium) a missing
//! browser fails them: there they are required, never skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's `chromium` package puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Longest a headless Chromium run may take before the test fails.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> &'static Path {
    Path::new(CHROMIUM)
}

/// Whether the browser is there to test with. Missing, it fails the test
/// under `CI=true` and skips it, said on stderr, elsewhere.
fn browser_present() -> bool {
    browser_at(chromium())
}

/// [`browser_present`] for a browser at `path`.
fn browser_at(path: &Path) -> bool {
    if path.is_file() {
        return true;
    }
    let missing = format!(
        "{} is missing: the page test needs headless Chromium \
         (Debian: `apt-get install chromium`; .ci/run installs it)",
        path.display()
    );
    assert!(!required(), "{missing}; CI=true requires it");
    eprintln!("skipped: {missing}");
    false
}

/// Whether CI asked for every test to run (`CI=true`, or any value but
/// `false` and `0`, as CI services set it).
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A fresh, empty folder under the system's temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cvp-page-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `page` with `args`, in a profile of its own,
/// and returns its stdout.
fn headless(page: &Path, args: &[&str]) -> String {
    headless_at(page, "", args)
}

/// [`headless`] on `page` + `fragment` (`#print`).
fn headless_at(page: &Path, fragment: &str, args: &[&str]) -> String {
    let profile = temp_dir(&format!(
        "profile-{}",
        page.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
    ));
    let url = format!(
        "file://{}{fragment}",
        page.canonicalize().unwrap().display()
    );
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(profile);
    reader.join().unwrap()
}

/// The page's verdict on itself: `data-check` of `<body>`, and the text of
/// the footer's `#check`.
fn page_check(dom: &str) -> (String, String) {
    let check = dom
        .find("id=\"check\">")
        .map(|i| {
            let rest = &dom[i + "id=\"check\">".len()..];
            rest[..rest.find("</span>").unwrap_or(rest.len())].to_owned()
        })
        .unwrap_or_default();
    (body_attr(dom, "data-check"), check)
}

/// An attribute of `<body>` in a dumped DOM.
fn body_attr(dom: &str, name: &str) -> String {
    {
        let key = format!("{name}=\"");
        let body = &dom[dom.find("<body").expect("a <body> in the DOM")..];
        let start = body
            .find(&key)
            .map(|i| i + key.len())
            .unwrap_or_else(|| panic!("no {name} on <body>"));
        body[start..start + body[start..].find('"').unwrap()].to_owned()
    }
}

/// Runs `cvp compare --preset test --runs 1` with `args` into a fresh
/// folder, which it returns.
fn compare_into(name: &str, args: &[&str]) -> PathBuf {
    let out = temp_dir(name);
    let run = Command::new(env!("CARGO_BIN_EXE_cvp"))
        .args(["compare", "--preset", "test", "--runs", "1"])
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("cvp runs");
    assert!(
        run.status.success(),
        "cvp compare failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

/// A small real comparison, written to a fresh folder; returns the folder.
fn small_run(name: &str) -> PathBuf {
    compare_into(
        name,
        &[
            "--threads",
            "1,2",
            "--workloads",
            "mandelbrot,latency-fanout,fetch-then-crunch,probe",
        ],
    )
}

#[test]
fn the_page_draws_every_chart_and_every_traced_model() {
    if !browser_present() {
        return;
    }
    let out = small_run("page");
    let page = out.join("index.html");
    assert!(page.is_file(), "cvp compare wrote no index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http://"),
        "the page loads nothing from the network"
    );
    for chart in [
        "speedup-mandelbrot",
        "scaling-mandelbrot",
        "lateness-probe",
        "timeline-mandelbrot",
        "timeline-latency-fanout",
        "timeline-fetch-then-crunch",
        "intro",
    ] {
        assert!(
            out.join("charts").join(format!("{chart}.svg")).is_file(),
            "charts/{chart}.svg missing"
        );
        assert!(
            html.contains(&format!("data-chart=\"{chart}.svg\"")),
            "{chart} is not on the page"
        );
    }
    let traces: Vec<_> = std::fs::read_dir(out.join("traces")).unwrap().collect();
    assert!(!traces.is_empty(), "no Chrome trace written");

    // Every traced model on the timeline (the cluster's processes are not
    // traced, and it cannot run task sets), with the size it was recorded at.
    let timeline =
        std::fs::read_to_string(out.join("charts/timeline-fetch-then-crunch.svg")).unwrap();
    assert!(
        timeline.contains("fetch-then-crunch at "),
        "no size in the title"
    );
    for m in cvp_compare::models().filter(|m| m.traced) {
        assert!(
            timeline.contains(&format!(">\n{} (", m.name))
                || timeline.contains(&format!(">\n{} ×", m.name)),
            "{} has no panel on the timeline",
            m.name
        );
    }

    let dom = headless(&page, &["--dump-dom"]);
    let (check, why) = page_check(&dom);
    assert_eq!(check, "ok", "the page's check failed: {why}");
    assert_eq!(
        body_attr(&dom, "data-heatmap"),
        format!("4x{}", cvp_compare::models().count()),
        "a row per workload, a column per model"
    );
    assert!(
        dom.contains("class=\"lesson\""),
        "the opening says what it shows"
    );

    // On A4 (186 mm is 703 CSS pixels), with the print rules applied.
    let dom = headless_at(&page, "#print", &["--dump-dom", "--window-size=703,1000"]);
    let (check, why) = page_check(&dom);
    assert_eq!(body_attr(&dom, "data-print"), "emulated");
    assert_eq!(check, "ok", "the page does not fit A4: {why}");
    let pdf = out.join("page.pdf");
    headless(
        &page,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
    );
    let pdf = std::fs::read(&pdf).expect("chromium printed the page");
    assert!(
        pdf.starts_with(b"%PDF") && pdf.len() > 50_000,
        "an empty PDF"
    );

    let shot = out.join("screenshot.png");
    headless(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,2000",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "the screenshot is empty ({} bytes)",
        png.len()
    );
    let _ = std::fs::remove_dir_all(out);
}

/// The check catches what it is there to catch: an empty chart, an image
/// that does not load, a script error, a link to nowhere, a verdict shown
/// twice, a page without its opening.
#[test]
fn a_broken_page_fails_its_check() {
    if !browser_present() {
        return;
    }
    let out = temp_dir("broken");
    let template = small_page();
    let broken = template.replace(
        "</footer>",
        "</footer><figure class=\"chart\" data-chart=\"empty.svg\"><svg width=\"300\" height=\"200\"></svg></figure>\
         <figure class=\"chart\" data-chart=\"gone.svg\"><img src=\"charts/gone.svg\" width=\"300\" height=\"200\"></figure>\
         <script>notAFunction();</script>\
         <a href=\"#nowhere\">x</a>\
         <ul><li class=\"verdict\" data-verdict=\"a@*\">a</li><li class=\"verdict\" data-verdict=\"a@*\">a</li></ul>",
    )
    .replace("id=\"intro\"", "id=\"elsewhere\"");
    let page = out.join("index.html");
    std::fs::write(&page, broken).unwrap();
    let dom = headless(&page, &["--dump-dom"]);
    let (check, why) = page_check(&dom);
    assert_eq!(check, "fail", "{why}");
    assert!(why.contains("empty.svg: empty chart"), "{why}");
    assert!(why.contains("gone.svg: image did not load"), "{why}");
    assert!(why.contains("notAFunction"), "{why}");
    assert!(why.contains("broken link #nowhere"), "{why}");
    assert!(why.contains("verdict shown twice: a@*"), "{why}");
    assert!(why.contains("no opening"), "{why}");
    let _ = std::fs::remove_dir_all(out);
}

/// The rule above, checked as a child of this test binary with `CI`
/// set and the browser looked for where it cannot be: the page tests fail
/// rather than skip in CI.
#[test]
fn a_missing_browser_fails_under_ci() {
    if std::env::var_os("CVP_PAGE_TEST_CHILD").is_some() {
        // In the child: look for a browser where none can be.
        assert!(!browser_at(Path::new("/nonexistent/chromium")));
        return;
    }
    let me = std::env::current_exe().unwrap();
    let child = |ci: &str| {
        Command::new(&me)
            .args(["a_missing_browser_fails_under_ci", "--exact", "--nocapture"])
            .env("CVP_PAGE_TEST_CHILD", "1")
            .env("CI", ci)
            .output()
            .unwrap()
    };
    let under_ci = child("true");
    assert!(
        !under_ci.status.success(),
        "a missing browser passed under CI=true"
    );
    let elsewhere = child("");
    assert!(
        elsewhere.status.success(),
        "a missing browser failed outside CI: {}",
        String::from_utf8_lossy(&elsewhere.stderr)
    );
}

/// A page with one real chart, from the smallest run there is.
fn small_page() -> String {
    let out = compare_into(
        "one-chart",
        &["--workloads", "primes", "--models", "sequential"],
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let _ = std::fs::remove_dir_all(out);
    html
}

/// A sweep's page (`cvp serve-sweep`) passes its own check in the browser,
/// on screen and on A4: a one-core model and a parallel one sharing the
/// generator's CPU, at five offered rates, with one point the generator
/// lagged on.
#[test]
fn a_sweep_page_passes_its_check() {
    use cvp_report::serve::{verdicts, Curve, MixSweep, ServeSweep, SERVE_SCHEMA};
    use cvp_report::{Role, ServeStats};
    if !browser_present() {
        return;
    }
    let point = |rate: f64, p99_ms: f64, server: Vec<usize>| ServeStats {
        mix: "computing".into(),
        connections: 64,
        arrivals: "constant".into(),
        duration_s: 1.0,
        offered_rps: rate,
        achieved_rps: rate,
        due: rate as u64,
        ok: rate as u64,
        p50_ns: (p99_ms * 4e5) as u64,
        p99_ns: (p99_ms * 1e6) as u64,
        p999_ns: (p99_ms * 1.4e6) as u64,
        max_ns: (p99_ms * 2e6) as u64,
        errors: Vec::new(),
        p99_leave_one_out_ns: vec![(p99_ms * 0.8e6) as u64, (p99_ms * 1.2e6) as u64],
        lag_p99_ns: 120_000,
        unreliable: None,
        server_cpus: server,
        generator_cpus: vec![1],
        generator_priority: None,
        refused_by_server: 0,
        refusal: None,
    };
    let rates = [100.0, 250.0, 500.0, 700.0, 850.0];
    let curve = |model: &str, parallel: bool, knee: f64, server: Vec<usize>| Curve {
        model: model.into(),
        role: Role::Other,
        concurrent: true,
        parallel,
        preemptive: parallel,
        threads: if parallel { 2 } else { 1 },
        capacity_rps: knee * 1.1,
        points: rates
            .iter()
            .map(|&r| point(r, if r <= knee { 2.5 } else { 200.0 }, server.clone()))
            .collect(),
        stopped: None,
        failed: None,
    };
    let mut one = curve("tokio-current-thread", false, 250.0, vec![0]);
    one.points[1].unreliable = Some("the generator sent late".into());
    let mut m = MixSweep {
        mix: "computing".into(),
        description: "2 ms of computing per request".into(),
        compute_ms: 2.0,
        wait_ms: 0.0,
        capacity_rps: 900.0,
        rates: rates.to_vec(),
        curves: vec![one, curve("threads", true, 700.0, vec![0, 1])],
        verdicts: Vec::new(),
    };
    m.verdicts = verdicts(&m, 10_000_000);
    let sweep = ServeSweep {
        schema: SERVE_SCHEMA,
        machine: cvp_compare::detect_machine(),
        started_unix: 0,
        elapsed_s: 30.0,
        objective_p99_ns: 10_000_000,
        command: "cvp serve-sweep --mix computing".into(),
        mixes: vec![m],
    };
    let out = temp_dir("sweep");
    let files = cvp_report::visual::write_sweep(&out, &sweep).unwrap();
    let page = files[0].clone();
    let dom = headless(&page, &["--dump-dom"]);
    let (check, why) = page_check(&dom);
    assert_eq!(check, "ok", "the sweep page's check failed: {why}");
    assert_eq!(body_attr(&dom, "data-charts"), "2");
    let dom = headless_at(&page, "#print", &["--dump-dom", "--window-size=703,1000"]);
    let (check, why) = page_check(&dom);
    assert_eq!(check, "ok", "the sweep page does not fit A4: {why}");
    let _ = std::fs::remove_dir_all(out);
}

//! `cargo xtask screenshot [DIR] [--out FILE]`: the top of a results page,
//! as the README shows it.
//!
//! Opens `DIR/index.html` (default `results/`) in headless Chromium, first
//! to run the page's own check (it must mark `<body data-check="ok">`),
//! then to take a screenshot of the top of the page, 1400 × 1100 pixels,
//! into `FILE` (default `docs/screenshot.png`). Chromium is `$CHROMIUM`, or
//! `chromium`, `chromium-browser` or `google-chrome` on the `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::util::root;

/// The window the screenshot is taken in: the page's header, its opening
/// and the start of the heatmap.
const WINDOW: &str = "--window-size=1400,1100";
/// Longest one headless Chromium run may take.
const TIMEOUT: Duration = Duration::from_secs(90);

pub(crate) struct Screenshot {
    /// `[DIR] [--out FILE]`.
    pub(crate) args: Vec<String>,
}

impl Screenshot {
    pub(crate) fn run(&self) -> Result<()> {
        let mut dir = root().join("results");
        let mut out = root().join("docs").join("screenshot.png");
        let mut args = self.args.iter();
        while let Some(a) = args.next() {
            match a.as_str() {
                "--out" => {
                    out = root().join(args.next().context("--out needs a file")?);
                }
                flag if flag.starts_with('-') => bail!("screenshot: unknown flag `{flag}`"),
                d => dir = root().join(d),
            }
        }
        let page = dir.join("index.html");
        if !page.is_file() {
            bail!(
                "{} is missing: run `cargo xtask compare` (or `cvp render DIR`) first",
                page.display()
            );
        }
        let chromium = chromium()?;
        let url = format!("file://{}", page.canonicalize()?.display());

        let dom = headless(&chromium, &["--dump-dom".into()], &url)?;
        let check = dom
            .find("<body")
            .and_then(|i| dom[i..].find("data-check=\"").map(|j| i + j + 12))
            .map(|i| &dom[i..i + dom[i..].find('"').unwrap_or(0)]);
        if check != Some("ok") {
            let why = dom
                .find("id=\"check\">")
                .map(|i| &dom[i + 11..])
                .map(|s| &s[..s.find('<').unwrap_or(s.len())])
                .unwrap_or("no check result");
            bail!("the page's own check failed, no screenshot taken: {why}");
        }

        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let _ = std::fs::remove_file(&out);
        headless(
            &chromium,
            &[format!("--screenshot={}", out.display()), WINDOW.into()],
            &url,
        )?;
        let png =
            std::fs::read(&out).with_context(|| format!("no screenshot at {}", out.display()))?;
        if !png.starts_with(b"\x89PNG") || png.len() < 20_000 {
            bail!(
                "the screenshot at {} is empty ({} bytes)",
                out.display(),
                png.len()
            );
        }
        eprintln!(
            "wrote {} ({} KiB) from {}",
            out.display(),
            png.len() / 1024,
            page.display()
        );
        Ok(())
    }
}

/// The browser: `$CHROMIUM`, or the first of the usual names on the PATH.
fn chromium() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Ok(path.into());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!("no Chromium found: install it (Debian: `apt-get install chromium`) or set $CHROMIUM")
}

/// Runs headless Chromium on `url` with `args` in a profile of its own,
/// for at most [`TIMEOUT`], and returns its stdout.
fn headless(chromium: &Path, args: &[String], url: &str) -> Result<String> {
    let profile = std::env::temp_dir().join(format!("cvp-screenshot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {}", chromium.display()))?;
    let mut stdout = child.stdout.take().context("chromium's stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&profile);
            bail!("chromium did not finish within {TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(&profile);
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        bail!("chromium exited with {status} on {url}");
    }
    Ok(out)
}

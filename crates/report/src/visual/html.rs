//! `index.html`: one self-contained page (no server, no network, readable
//! without scripts, printable on A4) that opens by teaching — the two
//! definitions, then the classic picture drawn from this run with a
//! sentence of its measured figures — then a workload × model heatmap, the
//! verdicts that span workloads, once, and a section per workload with its
//! own verdicts, charts, timeline and table. Long lists of cells fold away.
//!
//! A small script checks the page it is on when it loads: every
//! `figure.chart` must hold an `<svg>` (or a loaded `<img>`) of real size
//! with real content; the opening must hold its picture and sentence, or
//! say why there is none; the heatmap must have a row per workload; every
//! link within the page must reach its target; no verdict may appear twice;
//! the page must not be wider than its window; and no script may have
//! failed. Opened as `index.html#print`, it first applies the page's print
//! rules and checks that every chart fits an A4 page. It writes its result
//! on `<body data-check>` (`ok`, or `fail`) and in the footer, where
//! headless Chromium's `--dump-dom` (the page test) and a person both see
//! it.

use std::fmt::Write as _;

use super::charts::{fmt_ns, fmt_ratio, Scaling};
use super::heatmap::{class_blurb, heatmap};
use super::intro::DEFINITIONS;
use crate::{Cell, Report, Status, Verdict};

/// A chart on the page.
pub(crate) struct Figure {
    /// Its file name under `charts/`.
    pub(crate) file: String,
    /// One line under it: what to read from it.
    pub(crate) caption: String,
    /// The SVG document.
    pub(crate) svg: String,
}

/// One workload's part of the page.
pub(crate) struct Section<'a> {
    /// The workload.
    pub(crate) workload: &'a str,
    /// Its class.
    pub(crate) class: Option<crate::Class>,
    /// Its cells, in report order.
    pub(crate) cells: Vec<&'a Cell>,
    /// Its charts.
    pub(crate) figures: Vec<Figure>,
    /// Scaling fits of its parallel models.
    pub(crate) scaling: Vec<Scaling>,
    /// Its Chrome trace files, relative to the page.
    pub(crate) traces: Vec<String>,
}

/// The page's opening: the classic picture and its sentence, or why there
/// is none.
pub(crate) struct Opening {
    /// The picture.
    pub(crate) figure: Option<Figure>,
    /// What it shows, with the figures; or why it could not be drawn.
    pub(crate) text: Result<String, String>,
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's anchor of a cell, from its label `workload/model/threads`.
pub(crate) fn cell_anchor(label: &str) -> String {
    let id: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("cell-{id}")
}

/// The page's anchor of a workload's section.
pub(crate) fn section_anchor(workload: &str) -> String {
    let id: String = workload
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("w-{id}")
}

/// Verdicts with more cells than this fold their list away.
const FOLD_CELLS: usize = 3;

pub(crate) fn verdict_item(out: &mut String, v: &Verdict) {
    let (class, mark) = match v.judgement {
        crate::Judgement::Holds => ("holds", "✓ holds"),
        crate::Judgement::DoesNotHold => ("fails", "✗ does not hold"),
        crate::Judgement::TooNoisy => ("unknown", "≈ too noisy to tell"),
        crate::Judgement::NotJudged => ("unknown", "? not judged"),
    };
    let key = format!("{}@{}", v.claim, v.workload.as_deref().unwrap_or("*"));
    let _ = write!(
        out,
        "<li class=\"verdict {class}\" data-claim=\"{}\" data-verdict=\"{}\"><span class=\"mark\">{mark}</span> {}",
        esc(&v.claim),
        esc(&key),
        esc(&v.text)
    );
    if !v.cells.is_empty() {
        let links: Vec<String> = v
            .cells
            .iter()
            .map(|c| format!("<a href=\"#{}\">{}</a>", cell_anchor(c), esc(c)))
            .collect();
        if v.cells.len() > FOLD_CELLS {
            let _ = write!(
                out,
                "<details class=\"cells\"><summary>rests on {} cells</summary>{}</details>",
                v.cells.len(),
                links.join(", ")
            );
        } else {
            let _ = write!(
                out,
                "<div class=\"cells\">cells: {}</div>",
                links.join(", ")
            );
        }
    }
    out.push_str("</li>\n");
}

fn cell_table(out: &mut String, cells: &[&Cell]) {
    out.push_str(
        "<div class=\"scroll\"><table class=\"cells\"><thead><tr><th>model</th><th>threads</th><th>wall</th><th>speedup</th>\
         <th>efficiency</th><th>CPU</th><th>answer</th></tr></thead><tbody>\n",
    );
    for c in cells {
        let ran = matches!(c.status, Status::Ok | Status::Wrong);
        let dash = |ok: bool, s: String| if ok { s } else { "–".to_owned() };
        let status_class = match c.status {
            Status::Ok => "ok",
            Status::NotApplicable => "na",
            _ => "bad",
        };
        let answer = match c.status {
            Status::Ok => "ok".to_owned(),
            Status::Wrong => format!("WRONG: {} (expected {})", c.answer, c.reference),
            s => format!("{}: {}", s.label(), c.reason.as_deref().unwrap_or("")),
        };
        let _ = writeln!(
            out,
            "<tr id=\"{}\" class=\"{status_class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"answer\" title=\"{}\">{}</td></tr>",
            cell_anchor(&c.label()),
            esc(&c.model),
            c.threads,
            dash(ran, fmt_ns(c.wall_ns as f64)),
            dash(ran && c.speedup.is_some(), fmt_ratio(c.speedup.unwrap_or(0.0))),
            dash(ran && c.efficiency.is_some(), format!("{:.2}", c.efficiency.unwrap_or(0.0))),
            dash(ran, fmt_ns(c.cpu_ns as f64)),
            esc(&answer),
            esc(&shorten(&answer, 48)),
        );
    }
    out.push_str("</tbody></table></div>\n");
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        s.chars().take(max - 1).chain(['…']).collect()
    }
}

fn scaling_table(out: &mut String, models: &[Scaling]) {
    if models.is_empty() {
        return;
    }
    out.push_str(
        "<table class=\"fits\"><thead><tr><th>model</th><th>serial fraction f</th><th>fit error</th>\
         <th>at 16 cores</th><th>at 64 cores</th></tr></thead><tbody>\n",
    );
    for m in models {
        match &m.fit {
            Some(f) => {
                let at = |p: usize| {
                    let (lo, hi) = f.predict_band(p);
                    format!(
                        "{} ({}–{})",
                        fmt_ratio(f.predict(p)),
                        fmt_ratio(lo),
                        fmt_ratio(hi)
                    )
                };
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{:.3} ({:.3}–{:.3})</td><td>rms ±{:.2} over {} points</td><td>{}</td><td>{}</td></tr>",
                    esc(&m.model),
                    f.serial_fraction,
                    f.band[0],
                    f.band[1],
                    f.rms_error,
                    f.points,
                    at(16),
                    at(64),
                );
            }
            None => {
                let measured: Vec<String> = m
                    .points
                    .iter()
                    .map(|(p, s)| format!("{} on {p}", fmt_ratio(*s)))
                    .collect();
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td colspan=\"4\">measured {}; no fit: {}</td></tr>",
                    esc(&m.model),
                    esc(&measured.join(", ")),
                    esc(m.no_fit.as_deref().unwrap_or("no correct cell"))
                );
            }
        }
    }
    out.push_str("</tbody></table>\n");
}

pub(crate) fn figure(out: &mut String, f: &Figure) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" data-chart=\"{0}\">{1}<figcaption>{2} \
         <a href=\"charts/{0}\">{0}</a></figcaption></figure>",
        esc(&f.file),
        f.svg,
        esc(&f.caption)
    );
}

/// The whole page.
pub(crate) fn page(report: &Report, opening: &Opening, sections: &[Section<'_>]) -> String {
    let mut body = String::new();
    let m = &report.machine;
    let count = |s: Status| report.cells.iter().filter(|c| c.status == s).count();
    let (wrong, failed, timed_out, na) = (
        count(Status::Wrong),
        count(Status::Failed),
        count(Status::TimedOut),
        count(Status::NotApplicable),
    );
    let _ = writeln!(
        body,
        "<header><h1>cvp: concurrency versus parallelism, measured</h1>\
         <p class=\"machine\">{} · {} cores · {} · {}</p>\
         <p class=\"settings\">preset <b>{}</b> · threads {} · runs {} · {} cells in {:.1} s{}</p>\
         <p class=\"tally\">{} ok · <span class=\"{}\">{} WRONG</span> · <span class=\"{}\">{} failed</span> · \
         <span class=\"{}\">{} timed out</span> · {} n/a</p></header>",
        esc(&m.cpu_model),
        m.cores,
        esc(&m.os),
        esc(&m.rustc),
        esc(&report.settings.preset),
        esc(&report.settings.threads.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")),
        esc(&report.settings.runs),
        report.cells.len(),
        report.elapsed_s,
        if report.interrupted { " · <b class=\"bad\">interrupted</b>" } else { "" },
        count(Status::Ok),
        if wrong > 0 { "bad" } else { "" },
        wrong,
        if failed > 0 { "bad" } else { "" },
        failed,
        if timed_out > 0 { "bad" } else { "" },
        timed_out,
        na,
    );

    // The opening: definitions, the picture, what it shows.
    body.push_str(
        "<section class=\"intro\" id=\"intro\"><h2>Concurrency is not parallelism</h2>\n",
    );
    body.push_str(DEFINITIONS);
    if let Some(f) = &opening.figure {
        figure(&mut body, f);
    }
    match &opening.text {
        Ok(lesson) => {
            let _ = writeln!(body, "<p class=\"lesson\">{}</p>", esc(lesson));
        }
        Err(why) => {
            let _ = writeln!(
                body,
                "<p class=\"none why\">No picture from this report: {}.</p>",
                esc(why)
            );
        }
    }
    body.push_str("</section>\n");

    // The summary a glance can read.
    let models = super::models_of(report);
    let grid = heatmap(report, &models);
    body.push_str(
        "<section class=\"summary\" id=\"summary\"><h2>Every workload on every model</h2>\n",
    );
    if grid.is_empty() {
        body.push_str("<p class=\"none\">no cell ran.</p>\n");
    } else {
        body.push_str(
            "<p class=\"legend\">Models: <span class=\"sw seq\"></span>neither concurrent nor parallel \
             <span class=\"sw conc\"></span>concurrent, one core <span class=\"sw par\"></span>parallel \
             <span class=\"sw both\"></span>both</p>\n",
        );
        body.push_str(&grid);
    }

    // Verdicts about more than one workload: once, here.
    let general: Vec<&Verdict> = report
        .verdicts
        .iter()
        .filter(|v| v.workload.is_none())
        .collect();
    if !general.is_empty() {
        body.push_str(
            "<h2 id=\"verdicts\">Verdicts across workloads</h2><ul class=\"verdicts\">\n",
        );
        general.iter().for_each(|v| verdict_item(&mut body, v));
        body.push_str("</ul>\n");
    }
    body.push_str("</section>\n");

    body.push_str("<nav>Workloads: ");
    for s in sections {
        let _ = write!(
            body,
            "<a href=\"#{}\">{}</a> ",
            section_anchor(s.workload),
            esc(s.workload)
        );
    }
    body.push_str("</nav>\n");

    for s in sections {
        let _ = writeln!(
            body,
            "<section class=\"workload\" id=\"{}\"><h2>{} <span class=\"class\">{}</span></h2>",
            section_anchor(s.workload),
            esc(s.workload),
            s.class.map_or(String::new(), |c| format!(
                "{}: {}",
                c.name(),
                class_blurb(c)
            ))
        );
        // Its own verdicts only: the ones across workloads are at the top.
        let mine: Vec<&Verdict> = report
            .verdicts
            .iter()
            .filter(|v| v.workload.as_deref() == Some(s.workload))
            .collect();
        if !mine.is_empty() {
            body.push_str("<ul class=\"verdicts\">\n");
            mine.iter().for_each(|v| verdict_item(&mut body, v));
            body.push_str("</ul>\n");
        }
        body.push_str("<div class=\"row\"><div class=\"figures\">\n");
        if s.figures.is_empty() {
            body.push_str(
                "<p class=\"none\">nothing to chart: no cell of this workload ran.</p>\n",
            );
        }
        for f in &s.figures {
            figure(&mut body, f);
        }
        body.push_str("</div><aside>\n<h3>Cells</h3>\n");
        cell_table(&mut body, &s.cells);
        super::serve_charts::serve_table(&mut body, &s.cells);
        if !s.scaling.is_empty() {
            body.push_str("<h3>Amdahl's fit</h3>\n");
            scaling_table(&mut body, &s.scaling);
        }
        if !s.traces.is_empty() {
            let _ = write!(
                body,
                "<details class=\"traces\"><summary>{} Chrome trace{} of the timeline</summary>\
                 <p>Open in <a href=\"https://ui.perfetto.dev\">Perfetto</a> (Open trace file): ",
                s.traces.len(),
                if s.traces.len() == 1 { "" } else { "s" }
            );
            for (i, t) in s.traces.iter().enumerate() {
                if i > 0 {
                    body.push_str(", ");
                }
                let _ = write!(body, "<a href=\"{0}\">{0}</a>", esc(t));
            }
            body.push_str("</p></details>\n");
        }
        body.push_str("</aside></div></section>\n");
    }
    TEMPLATE
        .replace("{{TITLE}}", "cvp: concurrency versus parallelism, measured")
        .replace("{{PAGE}}", "report")
        .replace("{{DATA}}", "report.json")
        .replace("{{BODY}}", &body)
        .replace("{{CELLS}}", &report.cells.len().to_string())
}

/// The page around the body. No external resource of any kind: it opens
/// from disk, offline.
pub(crate) const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<script>
window.cvpErrors = [];
window.addEventListener("error", function (e) {
  var what = e.message || (e.target && (e.target.src || e.target.href)) || "a resource failed to load";
  window.cvpErrors.push("error: " + what);
}, true);
</script>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1500px; padding: 0 16px 40px; color: #222; }
header h1 { margin: 16px 0 4px; font-size: 24px; }
header p { margin: 2px 0; color: #444; }
.bad { color: #d62728; font-weight: bold; }
section.intro { max-width: 800px; }
section.intro p { margin: 6px 0; }
p.lesson { font-size: 15px; background: #f4f8fb; border-left: 4px solid #1f77b4; padding: 6px 10px; }
.legend .sw { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: -1px; }
.sw.seq { background: #7f7f7f; }
.sw.conc { background: #1f77b4; } .sw.par { background: #ff7f0e; } .sw.both { background: #9467bd; }
.scroll { overflow-x: auto; max-width: 100%; }
table.heatmap { border-collapse: separate; border-spacing: 2px; font-size: 12.5px; }
table.heatmap th.model { border-top: 4px solid #7f7f7f; font-weight: 600; white-space: normal; max-width: 90px; text-align: center; vertical-align: bottom; }
table.heatmap th.model.conc { border-top-color: #1f77b4; } table.heatmap th.model.par { border-top-color: #ff7f0e; } table.heatmap th.model.both { border-top-color: #9467bd; }
table.heatmap tr.group th { text-align: left; padding-top: 8px; border-bottom: 1px solid #ccc; font-size: 13px; }
table.heatmap tr.group th span { font-weight: normal; color: #666; }
table.heatmap td { text-align: center; min-width: 54px; padding: 3px 4px; border: 1px solid #e4e4e4; }
table.heatmap td a, .sq { color: #222; text-decoration: none; display: block; }
table.heatmap td.noisy, .sq.noisy { outline: 2px dotted #555; outline-offset: -3px; }
table.heatmap td.wrong, .sq.wrong { background: #fff; color: #d62728; font-weight: bold; border: 2px solid #d62728; }
table.heatmap td.wrong a { color: #d62728; }
table.heatmap td.bad, .sq.bad { background: #fde0dd; font-weight: bold; }
table.heatmap td.bad a { color: #a50f15; }
table.heatmap td.na a, table.heatmap td.none, .sq.na { color: #999; }
.key { font-size: 12px; color: #555; }
.key .sq { display: inline-block; padding: 0 5px; border: 1px solid #e4e4e4; }
nav { margin: 10px 0; padding: 6px 0; border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; }
nav a { margin-right: 10px; }
section.workload { border-top: 1px solid #ccc; padding-top: 6px; }
h2 .class { font-size: 13px; font-weight: normal; background: #eee; border-radius: 3px; padding: 1px 6px; vertical-align: 3px; }
.row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.figures { flex: 0 1 780px; min-width: 0; }
aside { flex: 1 1 420px; min-width: 0; }
figure.chart { margin: 0 0 14px; max-width: 780px; }
figure.chart svg { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
figcaption { font-size: 12px; color: #555; }
ul.verdicts { padding-left: 0; list-style: none; margin: 4px 0 10px; max-width: 1100px; }
li.verdict { margin: 0 0 8px; padding: 6px 8px; border-left: 4px solid #999; background: #fafafa; }
li.verdict.holds { border-color: #2ca02c; } li.verdict.fails { border-color: #d62728; } li.verdict.unknown { border-color: #bbb; }
li.verdict .mark { font-weight: bold; margin-right: 4px; }
li.verdict.holds .mark { color: #2ca02c; } li.verdict.fails .mark { color: #d62728; } li.verdict.unknown .mark { color: #777; }
li.verdict .cells { font-size: 12px; color: #555; margin-top: 2px; }
details summary { cursor: pointer; }
table { border-collapse: collapse; font-size: 12.5px; margin-bottom: 10px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
table.fits td[colspan] { white-space: normal; text-align: left; }
td.place { white-space: normal; text-align: left; min-width: 11em; }
th:first-child, td:first-child, td.answer { text-align: left; }
tr.bad td { color: #d62728; font-weight: bold; } tr.na td { color: #888; }
tr:target td { background: #fff3b0; }
.none { color: #777; }
footer { margin-top: 20px; font-size: 12px; color: #666; }
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav, footer { display: none; }
  .row { display: block; }
  .scroll { overflow: visible; }
  table { font-size: 7.5pt; }
  th, td { padding: 1px 4px; }
  table.heatmap { font-size: 7pt; border-spacing: 1px; }
  table.heatmap td { min-width: 0; padding: 2px 1px; }
  table.heatmap th.model { max-width: 52px; }
  td.answer { white-space: normal; }
  section.workload { break-before: page; }
  figure.chart { break-inside: avoid; max-width: 100%; }
  figure.chart svg { width: auto; height: auto; max-width: 100%; max-height: 250mm; border: none; }
  table.heatmap td, table.heatmap th.model, .sq, p.lesson { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
</style>
</head>
<body data-check="pending" data-page="{{PAGE}}" data-cells="{{CELLS}}">
{{BODY}}
<footer>Charts are also in <code>charts/</code>, the data in <code>{{DATA}}</code>. Page check: <span id="check">pending</span></footer>
<script>
(function () {
  // The print rules, applied on screen: `index.html#print` checks that
  // every chart fits an A4 page (186 mm by 273 mm inside the margins).
  function emulatePrint() {
    var rules = [];
    for (var i = 0; i < document.styleSheets.length; i++) {
      var sheet = document.styleSheets[i].cssRules;
      for (var j = 0; j < sheet.length; j++) {
        var r = sheet[j];
        if (r.media && r.media.mediaText.indexOf("print") >= 0) {
          for (var k = 0; k < r.cssRules.length; k++) { rules.push(r.cssRules[k].cssText); }
        }
      }
    }
    var style = document.createElement("style");
    style.id = "print-emulation";
    style.textContent = rules.join("\n");
    document.head.appendChild(style);
    return rules.length;
  }
  var printing = location.hash === "#print" && emulatePrint() > 0;
  var mm = 96 / 25.4;
  function check() {
    var problems = [];
    var links = 0;
    try {
      var figures = document.querySelectorAll("figure.chart");
      if (figures.length === 0 && Number(document.body.getAttribute("data-cells")) > 0) { problems.push("no chart on the page"); }
      for (var i = 0; i < figures.length; i++) {
        var f = figures[i], name = f.getAttribute("data-chart");
        var img = f.querySelector("svg, img");
        if (!img) { problems.push(name + ": missing image"); continue; }
        var box = img.getBoundingClientRect();
        if (box.width < 50 || box.height < 50) { problems.push(name + ": zero-sized chart"); }
        if (printing && (box.width > 186 * mm + 1 || box.height > 273 * mm + 1)) {
          problems.push(name + ": " + Math.round(box.width / mm) + " x " + Math.round(box.height / mm) + " mm does not fit A4");
        }
        if (img.tagName.toLowerCase() === "img") {
          if (!img.complete || img.naturalWidth === 0) { problems.push(name + ": image did not load"); }
        } else {
          var marks = img.querySelectorAll("rect, path, polyline, polygon, circle, line, text").length;
          if (marks < 12) { problems.push(name + ": empty chart (" + marks + " elements)"); }
          if (/NaN|Infinity/.test(img.innerHTML)) { problems.push(name + ": a NaN or infinite coordinate"); }
        }
      }
      var imgs = document.querySelectorAll("img");
      for (var j = 0; j < imgs.length; j++) {
        if (!imgs[j].complete || imgs[j].naturalWidth === 0) { problems.push("image did not load: " + imgs[j].src); }
      }
      // The opening: the picture and what it shows, or why there is none.
      var intro = document.getElementById("intro");
      if (!intro) { problems.push("no opening"); }
      else if (intro.querySelector("figure.chart")) {
        var lesson = intro.querySelector("p.lesson");
        if (!lesson || !/[0-9]/.test(lesson.textContent)) { problems.push("the opening's picture has no sentence with its figures"); }
      } else if (!intro.querySelector("p.why, p.lesson")) { problems.push("the opening has neither a picture, a summary nor a reason"); }
      // The heatmap: a row per workload, a square per model.
      var grid = document.querySelector("table.heatmap");
      var cells = Number(document.body.getAttribute("data-cells"));
      if (cells > 0 && !grid && document.body.getAttribute("data-page") === "report") { problems.push("no heatmap"); }
      if (grid) {
        var rows = grid.querySelectorAll("tbody tr[data-workload]");
        var want = Number(grid.getAttribute("data-workloads")), cols = Number(grid.getAttribute("data-models"));
        if (rows.length !== want) { problems.push("heatmap: " + rows.length + " rows for " + want + " workloads"); }
        for (var r = 0; r < rows.length; r++) {
          var n = rows[r].querySelectorAll("td").length;
          if (n !== cols) { problems.push("heatmap row " + rows[r].getAttribute("data-workload") + ": " + n + " squares for " + cols + " models"); }
        }
        document.body.setAttribute("data-heatmap", rows.length + "x" + cols);
      }
      // Every link within the page reaches its target.
      var anchors = document.querySelectorAll("a[href^='#']");
      for (var a = 0; a < anchors.length; a++) {
        var id = decodeURIComponent(anchors[a].getAttribute("href").slice(1));
        links++;
        if (!document.getElementById(id)) { problems.push("broken link #" + id); }
      }
      // Each verdict once.
      var seen = {};
      var verdicts = document.querySelectorAll("li.verdict");
      for (var v = 0; v < verdicts.length; v++) {
        var key = verdicts[v].getAttribute("data-verdict");
        if (seen[key]) { problems.push("verdict shown twice: " + key); }
        seen[key] = true;
      }
      var wide = document.documentElement.scrollWidth;
      if (wide > window.innerWidth + 2) {
        var culprit = "";
        var all = document.body.querySelectorAll("*");
        for (var e = 0; e < all.length; e++) {
          if (all[e].getBoundingClientRect().right > window.innerWidth + 2) {
            culprit = " (" + all[e].tagName.toLowerCase() + (all[e].className ? "." + all[e].className : "") + ")";
            break;
          }
        }
        problems.push("the page is " + wide + " px wide in a " + window.innerWidth + " px window" + culprit);
      }
    } catch (e) {
      problems.push("check failed: " + e);
    }
    problems = problems.concat(window.cvpErrors || []);
    if (problems.length > 40) { problems = problems.slice(0, 40).concat(["…"]); }
    document.body.setAttribute("data-check", problems.length ? "fail" : "ok");
    document.body.setAttribute("data-charts", String(document.querySelectorAll("figure.chart").length));
    document.body.setAttribute("data-links", String(links));
    document.body.setAttribute("data-print", printing ? "emulated" : "no");
    document.getElementById("check").textContent = problems.length ? problems.join("; ") : "ok: every chart drawn";
  }
  check();
  window.addEventListener("load", check);
})();
</script>
</body>
</html>
"##;

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn escapes_and_anchors() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            cell_anchor("latency-fanout/rayon/2"),
            "cell-latency-fanout-rayon-2"
        );
        assert_eq!(shorten("abcdef", 4), "abc…");
    }

    #[test]
    fn long_cell_lists_fold_away() {
        let mut v = Verdict {
            claim: "io-concurrency-wins".into(),
            workload: None,
            holds: Some(true),
            judgement: crate::Judgement::Holds,
            ratio: None,
            interval: None,
            threshold: None,
            text: "x".into(),
            cells: vec!["latency-fanout/interleave/1".into(), "echo/tokio/1".into()],
        };
        let mut out = String::new();
        verdict_item(&mut out, &v);
        assert!(out.contains("cells: <a href=\"#cell-latency-fanout-interleave-1\""));
        assert!(!out.contains("<details"));
        v.cells = (0..8).map(|i| format!("echo/m{i}/1")).collect();
        out.clear();
        verdict_item(&mut out, &v);
        assert!(out.contains("<details class=\"cells\"><summary>rests on 8 cells</summary>"));
        assert_eq!(section_anchor("my spec"), "w-my-spec");
    }
}

//! `index.html`: one self-contained page (no server, no network) with every
//! chart inline, the verdicts beside the charts they are about, and a small
//! script that checks the page it is on.
//!
//! The check runs when the page loads: every `figure.chart` must hold an
//! `<svg>` (or a loaded `<img>`) of real size with real content, and no
//! script may have failed. It writes its result on `<body data-check>`
//! (`ok`, or `fail`) and in the footer, where headless Chromium's
//! `--dump-dom` (the page test) and a person both see it.

use std::fmt::Write as _;

use super::charts::{fmt_ns, fmt_ratio, Scaling};
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

/// Where a verdict belongs: the workloads it names or rests on.
fn verdict_workloads(v: &Verdict) -> Vec<&str> {
    let mut ws: Vec<&str> = v.workload.iter().map(String::as_str).collect();
    for c in &v.cells {
        let w = c.split('/').next().unwrap_or_default();
        if !w.is_empty() && !ws.contains(&w) {
            ws.push(w);
        }
    }
    ws
}

fn verdict_item(out: &mut String, v: &Verdict) {
    let (class, mark) = match v.judgement {
        crate::Judgement::Holds => ("holds", "✓ holds"),
        crate::Judgement::DoesNotHold => ("fails", "✗ does not hold"),
        crate::Judgement::TooNoisy => ("unknown", "≈ too noisy to tell"),
        crate::Judgement::NotJudged => ("unknown", "? not judged"),
    };
    let _ = write!(
        out,
        "<li class=\"verdict {class}\" data-claim=\"{}\"><span class=\"mark\">{mark}</span> {}",
        esc(&v.claim),
        esc(&v.text)
    );
    if !v.cells.is_empty() {
        out.push_str("<div class=\"cells\">cells: ");
        for (i, c) in v.cells.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "<a href=\"#{}\">{}</a>", cell_anchor(c), esc(c));
        }
        out.push_str("</div>");
    }
    out.push_str("</li>\n");
}

fn cell_table(out: &mut String, cells: &[&Cell]) {
    out.push_str(
        "<table class=\"cells\"><thead><tr><th>model</th><th>threads</th><th>wall</th><th>speedup</th>\
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
    out.push_str("</tbody></table>\n");
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

/// The whole page.
pub(crate) fn page(report: &Report, sections: &[Section<'_>]) -> String {
    let mut body = String::new();
    let m = &report.machine;
    let count = |s: Status| report.cells.iter().filter(|c| c.status == s).count();
    let (wrong, failed, timed_out, na) = (
        count(Status::Wrong),
        count(Status::Failed),
        count(Status::TimedOut),
        count(Status::NotApplicable),
    );
    let _ = write!(
        body,
        "<header><h1>cvp: concurrency versus parallelism, measured</h1>\
         <p class=\"machine\">{} · {} cores · {} · {}</p>\
         <p class=\"settings\">preset <b>{}</b> · threads {} · runs {} · {} cells in {:.1} s{}</p>\
         <p class=\"tally\">{} ok · <span class=\"{}\">{} WRONG</span> · <span class=\"{}\">{} failed</span> · \
         <span class=\"{}\">{} timed out</span> · {} n/a</p>",
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
    body.push_str(
        "<p class=\"legend\"><span class=\"sw seq\"></span>neither concurrent nor parallel \
         <span class=\"sw conc\"></span>concurrent, one core <span class=\"sw par\"></span>parallel \
         <span class=\"sw both\"></span>both <span class=\"sw wrong\"></span>wrong answer</p></header>\n",
    );

    body.push_str("<nav>");
    for s in sections {
        let _ = write!(body, "<a href=\"#w-{0}\">{0}</a> ", esc(s.workload));
    }
    body.push_str("</nav>\n");

    let general: Vec<&Verdict> = report
        .verdicts
        .iter()
        .filter(|v| v.workload.is_none())
        .collect();
    if !general.is_empty() {
        body.push_str("<section class=\"summary\"><h2>Verdicts</h2><ul class=\"verdicts\">\n");
        general.iter().for_each(|v| verdict_item(&mut body, v));
        body.push_str("</ul></section>\n");
    }

    for s in sections {
        let _ = write!(
            body,
            "<section class=\"workload\" id=\"w-{0}\"><h2>{0} <span class=\"class\">{1}</span></h2>\n\
             <div class=\"row\"><div class=\"figures\">\n",
            esc(s.workload),
            s.class.map_or("", crate::Class::name)
        );
        if s.figures.is_empty() {
            body.push_str(
                "<p class=\"none\">nothing to chart: no cell of this workload ran.</p>\n",
            );
        }
        for f in &s.figures {
            let _ = writeln!(
                body,
                "<figure class=\"chart\" data-chart=\"{0}\">{1}<figcaption>{2} \
                 <a href=\"charts/{0}\">{0}</a></figcaption></figure>",
                esc(&f.file),
                f.svg,
                esc(&f.caption)
            );
        }
        body.push_str("</div><aside>\n<h3>Verdicts</h3><ul class=\"verdicts\">\n");
        let mine: Vec<&Verdict> = report
            .verdicts
            .iter()
            .filter(|v| verdict_workloads(v).contains(&s.workload))
            .collect();
        if mine.is_empty() {
            body.push_str("<li class=\"none\">no claim is checked on this workload</li>\n");
        }
        mine.iter().for_each(|v| verdict_item(&mut body, v));
        body.push_str("</ul>\n<h3>Cells</h3>\n");
        cell_table(&mut body, &s.cells);
        if !s.scaling.is_empty() {
            body.push_str("<h3>Amdahl's fit</h3>\n");
            scaling_table(&mut body, &s.scaling);
        }
        if !s.traces.is_empty() {
            body.push_str("<h3>Traces</h3><p class=\"traces\">Open in <a href=\"https://ui.perfetto.dev\">Perfetto</a> (Open trace file): ");
            for (i, t) in s.traces.iter().enumerate() {
                if i > 0 {
                    body.push_str(", ");
                }
                let _ = write!(body, "<a href=\"{0}\">{0}</a>", esc(t));
            }
            body.push_str("</p>\n");
        }
        body.push_str("</aside></div></section>\n");
    }
    TEMPLATE
        .replace("{{BODY}}", &body)
        .replace("{{CELLS}}", &report.cells.len().to_string())
}

/// The page around the body. No external resource of any kind: it opens
/// from disk, offline.
const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cvp: concurrency versus parallelism, measured</title>
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
.legend .sw { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: -1px; }
.sw.seq { background: #7f7f7f; } .sw.conc { background: #1f77b4; } .sw.par { background: #ff7f0e; }
.sw.both { background: #9467bd; } .sw.wrong { background: #d62728; }
nav { margin: 10px 0; padding: 6px 0; border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; }
nav a { margin-right: 10px; }
section.workload { border-top: 1px solid #ccc; padding-top: 6px; }
h2 .class { font-size: 13px; font-weight: normal; background: #eee; border-radius: 3px; padding: 1px 6px; vertical-align: 3px; }
.row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.figures { flex: 0 1 780px; min-width: 0; }
aside { flex: 1 1 420px; min-width: 320px; }
figure.chart { margin: 0 0 14px; }
figure.chart svg { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
figcaption { font-size: 12px; color: #555; }
ul.verdicts { padding-left: 0; list-style: none; margin: 4px 0 10px; }
li.verdict { margin: 0 0 8px; padding: 6px 8px; border-left: 4px solid #999; background: #fafafa; }
li.verdict.holds { border-color: #2ca02c; } li.verdict.fails { border-color: #d62728; } li.verdict.unknown { border-color: #bbb; }
li.verdict .mark { font-weight: bold; margin-right: 4px; }
li.verdict.holds .mark { color: #2ca02c; } li.verdict.fails .mark { color: #d62728; } li.verdict.unknown .mark { color: #777; }
li.verdict .cells { font-size: 12px; color: #555; margin-top: 2px; }
table { border-collapse: collapse; font-size: 12.5px; margin-bottom: 10px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.answer { text-align: left; }
tr.bad td { color: #d62728; font-weight: bold; } tr.na td { color: #888; }
tr:target td { background: #fff3b0; }
.none { color: #777; }
footer { margin-top: 20px; font-size: 12px; color: #666; }
</style>
</head>
<body data-check="pending" data-cells="{{CELLS}}">
{{BODY}}
<footer>Charts are also in <code>charts/</code>, the data in <code>report.json</code>. Page check: <span id="check">pending</span></footer>
<script>
(function () {
  function check() {
    var problems = [];
    try {
      var figures = document.querySelectorAll("figure.chart");
      if (figures.length === 0) { problems.push("no chart on the page"); }
      for (var i = 0; i < figures.length; i++) {
        var f = figures[i], name = f.getAttribute("data-chart");
        var img = f.querySelector("svg, img");
        if (!img) { problems.push(name + ": missing image"); continue; }
        var box = img.getBoundingClientRect();
        if (box.width < 50 || box.height < 50) { problems.push(name + ": zero-sized chart"); }
        if (img.tagName.toLowerCase() === "img") {
          if (!img.complete || img.naturalWidth === 0) { problems.push(name + ": image did not load"); }
        } else {
          var marks = img.querySelectorAll("rect, path, polyline, polygon, circle, line, text").length;
          if (marks < 12) { problems.push(name + ": empty chart (" + marks + " elements)"); }
        }
      }
      var imgs = document.querySelectorAll("img");
      for (var j = 0; j < imgs.length; j++) {
        if (!imgs[j].complete || imgs[j].naturalWidth === 0) { problems.push("image did not load: " + imgs[j].src); }
      }
    } catch (e) {
      problems.push("check failed: " + e);
    }
    problems = problems.concat(window.cvpErrors || []);
    document.body.setAttribute("data-check", problems.length ? "fail" : "ok");
    document.body.setAttribute("data-charts", String(document.querySelectorAll("figure.chart").length));
    document.getElementById("check").textContent = problems.length ? problems.join("; ") : "ok: every chart drawn";
  }
  check();
  window.addEventListener("load", check);
})();
</script>
</body>
</html>
"#;

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
    fn verdicts_go_where_their_cells_are() {
        let v = Verdict {
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
        assert_eq!(verdict_workloads(&v), ["latency-fanout", "echo"]);
    }
}

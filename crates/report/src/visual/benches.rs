//! `results/benches.json` and `results/benches.md`: criterion's
//! measurements, and a table of ratios of each engine against each anchor
//! in the same benchmark group.
//!
//! Criterion leaves, for every benchmark, `GROUP/FUNCTION[/VALUE]/new/`
//! with `benchmark.json` (the ids, the throughput) and `estimates.json`
//! (the statistics) under `target/criterion`. A function whose id names
//! one of cvp's engines ([`is_engine`]) is compared with every other
//! function of its group and parameter: `engine / anchor` below 1 means
//! the engine is faster.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::charts::fmt_ns;

/// Whether a criterion function id is one of cvp's engines rather than an
/// anchor: it names `cvp`, `interleave`, `decompose` or `hybrid`.
///
/// ```
/// use cvp_report::visual::is_engine;
/// assert!(is_engine("cvp-interleave"));
/// assert!(is_engine("decompose"));
/// assert!(!is_engine("rayon"));
/// assert!(!is_engine("tokio-current-thread"));
/// ```
pub fn is_engine(function_id: &str) -> bool {
    let id = function_id.to_ascii_lowercase();
    ["cvp", "interleave", "decompose", "hybrid"]
        .iter()
        .any(|e| id.contains(e))
}

#[derive(Deserialize)]
struct Benchmark {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
    slope: Option<Estimate>,
}

/// One benchmark, as criterion measured it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// The benchmark group.
    pub group: String,
    /// The group's parameter (a `BenchmarkId`'s value), empty when none.
    pub param: String,
    /// The function: an engine or an anchor ([`is_engine`]).
    pub function: String,
    /// Criterion's typical time per iteration: the slope where it fitted
    /// one, the mean otherwise.
    pub ns: f64,
    /// Elements per iteration, when the bench declared a throughput.
    pub elements: Option<u64>,
}

impl Measured {
    /// Nanoseconds per element (per iteration when the bench declared no
    /// throughput).
    pub fn ns_per_element(&self) -> f64 {
        self.ns / self.elements.unwrap_or(1).max(1) as f64
    }
}

/// The version of [`Benches`]' JSON.
pub const BENCHES_SCHEMA: u32 = 1;

/// A committed bench run: `results/benches.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benches {
    /// [`BENCHES_SCHEMA`].
    pub schema: u32,
    /// The machine, in words.
    pub machine: String,
    /// Every benchmark, sorted by group, parameter and function.
    pub results: Vec<Measured>,
    /// The paired measurements the benches made beside criterion, sorted
    /// by group ([`read_paired`]).
    #[serde(default)]
    pub paired: Vec<Paired>,
}

/// A measurement of an engine against its anchor made in rounds of
/// `A B B A`, each run in a fresh process, and summarised as the median
/// of the rounds' ratios with their quartiles: a slow patch of the machine,
/// or one process's unlucky memory layout, then lands on both sides of a
/// round or on one round only, not on one whole side as it can when each
/// side is measured in one block (criterion).
///
/// A bench writes one as `target/criterion/paired/GROUP.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    /// The benchmark group it stands beside.
    pub group: String,
    /// What each run measured, in words (the figure's unit).
    pub measure: String,
    /// The engine's function id, and the anchor's.
    pub ours: String,
    /// See [`Paired::ours`].
    pub anchor: String,
    /// Rounds measured.
    pub rounds: u32,
    /// Median over the rounds of `ours / anchor`, and its quartiles.
    pub ratio: f64,
    /// First quartile of the ratios.
    pub ratio_q1: f64,
    /// Third quartile of the ratios.
    pub ratio_q3: f64,
    /// Median of each side's runs, in nanoseconds.
    pub ours_ns: f64,
    /// See [`Paired::ours_ns`].
    pub anchor_ns: f64,
}

impl Benches {
    /// The paired measurement beside `group`.
    pub fn paired(&self, group: &str) -> Option<&Paired> {
        self.paired.iter().find(|p| p.group == group)
    }
}

/// Reads the paired measurements under `criterion_dir/paired` (none when
/// the folder is missing), sorted by group.
///
/// Fails when a file there cannot be read or parsed.
pub fn read_paired(criterion_dir: &Path) -> io::Result<Vec<Paired>> {
    let dir = criterion_dir.join("paired");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("reading {}: {e}", dir.display()),
            ))
        }
    };
    let mut out = Vec::new();
    for e in entries {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "json") {
            out.push(read_json::<Paired>(&path)?);
        }
    }
    out.sort_by(|a, b| a.group.cmp(&b.group));
    Ok(out)
}

impl Benches {
    /// The benchmark `function` of `group` (and `param`, empty for none).
    pub fn get(&self, group: &str, param: &str, function: &str) -> Option<&Measured> {
        self.results
            .iter()
            .find(|m| m.group == group && m.param == param && m.function == function)
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<T> {
    let text = std::fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

/// Every `new/` folder under `dir`, depth first, sorted.
fn find_new(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if !e.file_type()?.is_dir() {
            continue;
        }
        if e.file_name() == "new" && path.join("benchmark.json").is_file() {
            out.push(path);
        } else if e.file_name() != "report" && e.file_name() != "base" && e.file_name() != "change"
        {
            find_new(&path, out)?;
        }
    }
    Ok(())
}

/// Reads criterion's results under `criterion_dir` (usually
/// `target/criterion`): every benchmark, sorted by group, parameter and
/// function.
///
/// Fails when the folder cannot be read, holds no results, or holds a file
/// criterion did not write.
pub fn read_criterion(criterion_dir: &Path) -> io::Result<Vec<Measured>> {
    let mut dirs = Vec::new();
    find_new(criterion_dir, &mut dirs).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("reading {}: {e}", criterion_dir.display()),
        )
    })?;
    let mut out = Vec::new();
    for dir in &dirs {
        let b: Benchmark = read_json(&dir.join("benchmark.json"))?;
        let est: Estimates = read_json(&dir.join("estimates.json"))?;
        let elements = b
            .throughput
            .as_ref()
            .and_then(|t| t.get("Elements"))
            .and_then(|n| n.as_u64());
        out.push(Measured {
            function: b.function_id.unwrap_or_else(|| b.group_id.clone()),
            group: b.group_id,
            param: b.value_str.unwrap_or_default(),
            ns: est
                .slope
                .map_or(est.mean.point_estimate, |s| s.point_estimate),
            elements,
        });
    }
    if out.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "no criterion results under {} (run `cargo bench` first)",
                criterion_dir.display()
            ),
        ));
    }
    out.sort_by(|a, b| (&a.group, &a.param, &a.function).cmp(&(&b.group, &b.param, &b.function)));
    Ok(out)
}

/// `benches.md`: per benchmark group and parameter, each engine against
/// each anchor, with the ratio.
pub fn bench_table(benches: &Benches) -> String {
    // (group, parameter) -> benchmarks, in a stable order.
    let mut groups: BTreeMap<(String, String), Vec<&Measured>> = BTreeMap::new();
    for m in &benches.results {
        groups
            .entry((m.group.clone(), m.param.clone()))
            .or_default()
            .push(m);
    }
    let per = |m: &Measured| match m.elements {
        Some(n) if n > 1 => format!("{} ({} per element)", fmt_ns(m.ns), fmt_ns(m.ns / n as f64)),
        _ => fmt_ns(m.ns),
    };
    let mut out = String::from(
        "# Benches\n\n\
         Criterion's typical time per iteration (its slope estimate, or the mean), each of cvp's engines \
         against each anchor measured in the same run and group. `engine / anchor` below 1 means the \
         engine is faster. Written by `cargo xtask bench` from `benches.json`; absolute times depend on \
         the machine, the ratios less so.\n\n",
    );
    let _ = writeln!(out, "*Measured on {}.*\n", benches.machine);
    out.push_str(
        "| bench | engine | time | anchor | time | engine / anchor |\n\
         |---|---|---:|---|---:|---:|\n",
    );
    for ((group, param), benches) in &groups {
        let name = if param.is_empty() {
            group.clone()
        } else {
            format!("{group}/{param}")
        };
        let (engines, anchors): (Vec<&Measured>, Vec<&Measured>) =
            benches.iter().partition(|m| is_engine(&m.function));
        for e in &engines {
            if anchors.is_empty() {
                let _ = writeln!(out, "| {name} | {} | {} | – | – | – |", e.function, per(e));
            }
            for a in &anchors {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} | {} | {} | **{:.2}** |",
                    e.function,
                    per(e),
                    a.function,
                    per(a),
                    e.ns / a.ns
                );
            }
        }
        if engines.is_empty() {
            for a in &anchors {
                let _ = writeln!(out, "| {name} | – | – | {} | {} | – |", a.function, per(a));
            }
        }
    }
    if !benches.paired.is_empty() {
        out.push_str(
            "\n## Paired\n\nRounds of A B B A, each run in a fresh process; the ratio is the median of the rounds' ratios, with its quartiles.\n\n\
             | group | measure | engine | median | anchor | median | ratio (quartiles, rounds) |\n|---|---|---|---|---|---|---|\n",
        );
        for p in &benches.paired {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | **{:.2}** ({:.2}–{:.2}, {}) |",
                p.group,
                p.measure,
                p.ours,
                fmt_ns(p.ours_ns),
                p.anchor,
                fmt_ns(p.anchor_ns),
                p.ratio,
                p.ratio_q1,
                p.ratio_q3,
                p.rounds
            );
        }
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;

    fn bench(root: &Path, path: &str, group: &str, function: &str, value: Option<&str>, ns: f64) {
        let dir = root.join(path).join("new");
        std::fs::create_dir_all(&dir).unwrap();
        let value = value.map_or("null".to_owned(), |v| format!("\"{v}\""));
        std::fs::write(
            dir.join("benchmark.json"),
            format!(
                r#"{{"group_id":"{group}","function_id":"{function}","value_str":{value},"throughput":{{"Elements":1000}},"full_id":"x","directory_name":"x","title":"x"}}"#
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("estimates.json"),
            format!(
                r#"{{"mean":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0}},"point_estimate":{ns},"standard_error":1.0}},"median":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0}},"point_estimate":{ns},"standard_error":1.0}},"median_abs_dev":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0}},"point_estimate":1.0,"standard_error":1.0}},"slope":null,"std_dev":{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0}},"point_estimate":1.0,"standard_error":1.0}}}}"#
            ),
        )
        .unwrap();
    }

    #[test]
    fn ratios_of_engines_to_anchors() {
        let root = std::env::temp_dir().join(format!("cvp-benches-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        bench(
            &root,
            "switch/cvp-interleave",
            "switch",
            "cvp-interleave",
            None,
            50_000.0,
        );
        bench(&root, "switch/tokio", "switch", "tokio", None, 100_000.0);
        bench(
            &root,
            "switch/async-executor",
            "switch",
            "async-executor",
            None,
            200_000.0,
        );
        bench(
            &root,
            "join/decompose/30",
            "join",
            "decompose",
            Some("30"),
            2_000_000.0,
        );
        bench(
            &root,
            "join/rayon/30",
            "join",
            "rayon",
            Some("30"),
            1_000_000.0,
        );
        std::fs::create_dir_all(root.join("report")).unwrap();
        assert!(
            read_paired(&root).unwrap().is_empty(),
            "no paired folder: none"
        );
        std::fs::create_dir_all(root.join("paired")).unwrap();
        let paired = Paired {
            group: "sleep".into(),
            measure: "time beyond the nap".into(),
            ours: "interleave".into(),
            anchor: "tokio".into(),
            rounds: 9,
            ratio: 0.25,
            ratio_q1: 0.2,
            ratio_q3: 0.3,
            ours_ns: 5e6,
            anchor_ns: 2e7,
        };
        std::fs::write(
            root.join("paired/sleep.json"),
            serde_json::to_string(&paired).unwrap(),
        )
        .unwrap();
        let results = read_criterion(&root).unwrap();
        let read = read_paired(&root).unwrap();
        assert_eq!(read, vec![paired]);
        std::fs::write(root.join("paired/bad.json"), "{").unwrap();
        assert!(read_paired(&root).is_err(), "a malformed file is an error");
        std::fs::remove_dir_all(&root).unwrap();
        let md = bench_table(&Benches {
            schema: BENCHES_SCHEMA,
            machine: "a test".into(),
            results,
            paired: read,
        });
        assert!(
            md.contains("| sleep | time beyond the nap | interleave | 5.0 ms | tokio | 20.0 ms | **0.25** (0.20–0.30, 9) |"),
            "{md}"
        );
        assert!(md.contains("| switch | cvp-interleave | 50 µs (50 ns per element) | tokio | 100 µs (100 ns per element) | **0.50** |"), "{md}");
        assert!(
            md.contains("| switch | cvp-interleave | 50 µs (50 ns per element) | async-executor |")
        );
        assert!(md.contains("| join/30 | decompose | 2.0 ms (2 µs per element) | rayon | 1.0 ms (1 µs per element) | **2.00** |"), "{md}");
        assert!(read_criterion(&root).is_err());
    }
}

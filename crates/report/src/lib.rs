//! # cvp-report
//!
//! The report of a cvp comparison, apart from the runner that measured it:
//! its serde schema ([`Report`], [`Cell`], [`Run`], ...), the verdicts that
//! turn cells into the field's claims ([`verdicts`]), and everything drawn
//! from a saved `report.json` — terminal tables and markdown ([`render`]),
//! SVG charts, a self-contained HTML page and Chrome traces ([`visual`]).
//!
//! Nothing here links an engine: a report measured on one machine is read
//! and drawn anywhere. The runner (`cvp-compare`, binary `cvp`) fills the
//! cells; `cvp render DIR` draws a saved report again through this crate.
//!
//! Verdicts ask what a model *is* — the [`Role::Baseline`], an
//! [`Role::Engine`] and the anchor it is judged against, whether it is
//! concurrent, parallel, preemptive — never its name, so a new model in the
//! runner's registry is judged without a change here.
//!
//! ```
//! use cvp_report::{read_str, render};
//! let report = read_str(r#"{"schema": 2, "machine": {"cpu_model": "x", "cores": 2,
//!     "os": "y", "rustc": "z"}, "settings": {"preset": "test", "threads": [2],
//!     "runs": "3", "cell_timeout_s": 60.0, "isolation": "process"}, "started_unix": 0,
//!     "elapsed_s": 1.0, "interrupted": false, "cells": [], "verdicts": []}"#)?;
//! assert!(render::markdown(&report).contains("cvp"));
//! # Ok::<(), cvp_report::Error>(())
//! ```

pub mod crossover;
mod error;
mod recommend;
pub mod render;
mod schema;
pub mod serve;
mod verdict;
pub mod visual;

use std::path::Path;

pub use error::Error;
pub use recommend::{recommend, serial_fraction, Recommendation};
pub use schema::{
    Bandwidth, Cell, Class, ClusterStats, Judgement, LatenessStats, Machine, Report, Role, Run,
    ServeStats, Settings, Span, SpanKind, Status, Trace, Triad, Verdict, SCHEMA,
};
pub use verdict::{
    verdicts, BANDWIDTH_TOLERANCE, DECOMPOSE_TOLERANCE, INTERLEAVE_TOLERANCE, NO_SPEEDUP,
};

/// Reads a saved `report.json`, refusing one of another schema version.
pub fn read(path: &Path) -> Result<Report, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    read_str(&text).map_err(|e| match e {
        Error::Parse { reason, .. } => Error::Parse {
            path: path.to_owned(),
            reason,
        },
        Error::Schema {
            found, expected, ..
        } => Error::Schema {
            path: path.to_owned(),
            found,
            expected,
        },
        other => other,
    })
}

/// Parses a report from JSON text, refusing one of another schema version.
pub fn read_str(text: &str) -> Result<Report, Error> {
    let bad = |e: serde_json::Error| Error::Parse {
        path: "<text>".into(),
        reason: e.to_string(),
    };
    // The version first, so a report of another schema is named as such
    // rather than as a missing field.
    #[derive(serde::Deserialize)]
    struct Version {
        schema: u32,
    }
    let v: Version = serde_json::from_str(text).map_err(bad)?;
    if v.schema != SCHEMA {
        return Err(Error::Schema {
            path: "<text>".into(),
            found: v.schema,
            expected: SCHEMA,
        });
    }
    serde_json::from_str(text).map_err(bad)
}

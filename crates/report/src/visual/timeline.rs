//! A recorded run to draw as a timeline.

use crate::Trace;

/// One recorded run of a timeline: what the runner's recorder saw when a
/// model ran a workload once more, untimed.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The workload.
    pub workload: String,
    /// The model.
    pub model: String,
    /// The thread count it ran with.
    pub threads: usize,
    /// The workload size it ran at.
    pub size: usize,
    /// What one span is: `chunk`, `task` or `poll`.
    pub unit: &'static str,
    /// What ran when; or why it could not be recorded.
    pub trace: Result<Trace, String>,
}

//! Data-shaped workloads: jobs written once against [`Exec`].

use std::fmt;
use std::sync::Arc;

use crate::erase::{DynExec, Erased};
use crate::Exec;

/// How a job runs, dyn-compatible so that a workload can hold any job: the
/// built-in ones, a spec's, a user's. Its code is generic over `E: Exec`
/// and runs here on [`Erased`].
pub(crate) trait Program: Send + Sync {
    /// Builds the input for a size, outside the timed region.
    fn prepare(&self, size: usize) -> JobInput {
        JobInput::new(size, Vec::new())
    }

    /// Whether [`run`](Self::run) consumes its input.
    fn consumes_input(&self) -> bool {
        false
    }

    /// Runs the job and renders its answer.
    fn run(&self, exec: Erased<'_>, input: &mut JobInput) -> String;

    /// The answer known without running the job (a published output, or
    /// one worked out in closed form), if there is one for this size.
    fn known_answer(&self, _size: usize) -> Option<String> {
        None
    }
}

/// A data-shaped workload. [`Job::run`] is generic over the model, so every
/// model runs the same job code.
#[derive(Clone)]
pub struct Job(Arc<dyn Program>);

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Job")
    }
}

/// A job's input, made by [`Job::prepare`] outside the timed region.
///
/// A clone shares the data of the input it was cloned from: a job that
/// does not [consume](Job::consumes_input) its input only reads it, so
/// several workers of one process may run on clones of one input.
#[derive(Debug, Clone)]
pub struct JobInput {
    size: usize,
    pub(crate) data: Arc<Vec<u64>>,
}

impl JobInput {
    pub(crate) fn new(size: usize, data: Vec<u64>) -> Self {
        Self {
            size,
            data: Arc::new(data),
        }
    }

    /// The size this input was prepared for.
    pub fn size(&self) -> usize {
        self.size
    }
}

impl Job {
    pub(crate) fn new(program: impl Program + 'static) -> Self {
        Self(Arc::new(program))
    }

    /// Builds the input for a size (a vector for `sum` and `merge-sort`,
    /// nothing for most). Untimed. The size is not checked here: use
    /// [`Workload::check_size`](crate::Workload::check_size) first.
    pub fn prepare(&self, size: usize) -> JobInput {
        self.0.prepare(size)
    }

    /// Whether [`run`](Self::run) consumes its input, so each run needs a
    /// fresh [`prepare`](Self::prepare).
    pub fn consumes_input(&self) -> bool {
        self.0.consumes_input()
    }

    /// Runs the job on a model and renders its answer.
    ///
    /// ```
    /// use cvp_workloads::{find, Sequential, Shape};
    /// let Shape::Job(job) = find("n-queens")?.shape() else { unreachable!() };
    /// let mut input = job.prepare(6);
    /// assert_eq!(job.run(&Sequential, &mut input), "4");
    /// # Ok::<(), cvp_workloads::Error>(())
    /// ```
    pub fn run<E: Exec>(&self, exec: &E, input: &mut JobInput) -> String {
        self.0.run(Erased(exec as &dyn DynExec), input)
    }

    /// Whether `other` is this very job (a clone of the same workload's),
    /// not merely one that computes the same.
    pub fn is(&self, other: &Job) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn known_answer(&self, size: usize) -> Option<String> {
        self.0.known_answer(size)
    }
}

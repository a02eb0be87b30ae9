//! A user's own job: written once against [`Exec`], measured on every model.

use crate::erase::Erased;
use crate::job::{Job, JobInput, Program};
use crate::{Class, Exec, Origin, Shape, Workload};

/// A job of your own, written once against the [`Exec`] capability
/// (`map_reduce` over an index range, and `join`), so that every model runs
/// the same code. Its answer is a string; every model's must equal the
/// sequential one.
///
/// Build its input in your constructor: that is not timed, `run` is.
///
/// ```
/// use cvp_workloads::{Exec, Sequential, UserJob};
///
/// struct SumOfSquares(u64);
///
/// impl UserJob for SumOfSquares {
///     fn run<E: Exec>(&self, exec: &E) -> String {
///         let n = self.0 as usize;
///         let s = exec.map_reduce(n, 1024, |r| r.map(|i| (i as u64).pow(2)).sum::<u64>(), |a, b| a + b);
///         s.to_string()
///     }
/// }
///
/// assert_eq!(SumOfSquares(4).run(&Sequential), "14");
/// ```
pub trait UserJob: Send + Sync + 'static {
    /// Runs the job on `exec` and renders its answer.
    fn run<E: Exec>(&self, exec: &E) -> String;
}

struct User<J>(J);

impl<J: UserJob> Program for User<J> {
    fn run(&self, exec: Erased<'_>, _input: &mut JobInput) -> String {
        self.0.run(&exec)
    }
}

impl Workload {
    /// A workload of your own job. It has one size (the job as built), so
    /// every preset runs it as it is; its reference answer is the
    /// sequential model's.
    ///
    /// ```
    /// use cvp_workloads::{Class, Exec, Shape, UserJob, Workload};
    /// struct Nothing;
    /// impl UserJob for Nothing {
    ///     fn run<E: Exec>(&self, _: &E) -> String { "done".into() }
    /// }
    /// let w = Workload::from_job("nothing", "does nothing", Class::Cpu, Nothing);
    /// assert_eq!(w.reference(1).unwrap(), "done");
    /// assert!(matches!(w.shape(), Shape::Job(_)));
    /// ```
    pub fn from_job(
        name: impl Into<String>,
        description: impl Into<String>,
        class: Class,
        job: impl UserJob,
    ) -> Workload {
        Workload {
            name: name.into().into(),
            class,
            description: description.into().into(),
            unit: "job".into(),
            shape: Shape::Job(Job::new(User(job))),
            presets: [1; 3],
            max: 1,
            why_max: "a job of your own has the one size it was built with".into(),
            serial: false,
            origin: Origin::Rust,
        }
    }
}

//! Panics crossing the pool: caught where a job runs, resumed where it is
//! awaited.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// Runs `func`, catching a panic as its payload.
#[inline]
pub(crate) fn halt_unwinding<F, R>(func: F) -> Result<R, Box<dyn Any + Send>>
where
    F: FnOnce() -> R,
{
    // The payload is handed to the waiting thread, which resumes it: no
    // broken invariant is observed on this side.
    panic::catch_unwind(AssertUnwindSafe(func))
}

/// Resumes a caught panic on this thread.
#[cold]
pub(crate) fn resume_unwinding(payload: Box<dyn Any + Send>) -> ! {
    panic::resume_unwind(payload)
}

/// Aborts the process if dropped during unwinding: guards code that must not
/// unwind because a waiter would otherwise wait forever.
pub(crate) struct AbortIfPanic;

impl Drop for AbortIfPanic {
    fn drop(&mut self) {
        eprintln!("cvp-decompose: unexpected panic inside the pool; aborting");
        std::process::abort();
    }
}

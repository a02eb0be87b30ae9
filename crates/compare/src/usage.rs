//! Process resource usage (`getrusage`): CPU time, context switches, peak
//! resident set.

use std::time::Duration;

/// A snapshot of the process's counters.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    pub(crate) user: Duration,
    pub(crate) sys: Duration,
    pub(crate) voluntary: u64,
    pub(crate) involuntary: u64,
    /// Peak resident set so far, KiB.
    pub(crate) max_rss_kib: u64,
}

impl Usage {
    /// The counters of the whole process (every thread) now.
    pub(crate) fn now() -> Self {
        // SAFETY: rusage is plain data; all zeroes is a valid value.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: RUSAGE_SELF is valid and `ru` is a valid, writable rusage.
        let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
        if rc != 0 {
            return Self::default();
        }
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1_000);
        Self {
            user: tv(ru.ru_utime),
            sys: tv(ru.ru_stime),
            voluntary: ru.ru_nvcsw as u64,
            involuntary: ru.ru_nivcsw as u64,
            max_rss_kib: ru.ru_maxrss as u64,
        }
    }
}

//! CPU affinity: pinning threads to a set of CPUs (Linux `sched_setaffinity`).
//!
//! `threads-1core` pins every thread it uses, the caller included, to one
//! CPU: the OS still preempts and interleaves them, but nothing runs in
//! parallel. `threads` pins its threads to the first `--threads` CPUs so the
//! cores it may use are the cores it declares.

use std::io;

/// A set of CPUs that threads can be pinned to.
#[derive(Clone)]
pub(crate) struct CpuSet {
    #[cfg(target_os = "linux")]
    raw: libc::cpu_set_t,
}

impl std::fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.cpus()).finish()
    }
}

#[cfg(target_os = "linux")]
impl CpuSet {
    fn empty() -> Self {
        // SAFETY: cpu_set_t is a plain bit array; all zeroes is the empty set.
        let mut raw: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `raw` is a valid, exclusively borrowed cpu_set_t.
        unsafe { libc::CPU_ZERO(&mut raw) };
        Self { raw }
    }

    /// The CPUs the calling thread may run on now.
    pub(crate) fn current() -> io::Result<Self> {
        let mut set = Self::empty();
        // SAFETY: pid 0 is the calling thread; the size and pointer describe
        // `set.raw`, which lives for the call.
        let rc = unsafe {
            libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set.raw)
        };
        if rc == 0 {
            Ok(set)
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// The set of these CPUs (those at or above `CPU_SETSIZE` are left out).
    pub(crate) fn of(cpus: &[usize]) -> Self {
        let mut set = Self::empty();
        for &cpu in cpus.iter().filter(|&&c| c < libc::CPU_SETSIZE as usize) {
            // SAFETY: `cpu` is below CPU_SETSIZE.
            unsafe { libc::CPU_SET(cpu, &mut set.raw) };
        }
        set
    }

    /// The CPU numbers in the set, ascending.
    pub(crate) fn cpus(&self) -> Vec<usize> {
        (0..libc::CPU_SETSIZE as usize)
            // SAFETY: `cpu` is below CPU_SETSIZE and `self.raw` is valid.
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &self.raw) })
            .collect()
    }

    /// The first `n` CPUs of this set (all of them when it has fewer).
    pub(crate) fn first(&self, n: usize) -> Self {
        let mut set = Self::empty();
        for cpu in self.cpus().into_iter().take(n.max(1)) {
            // SAFETY: `cpu` came from this set, so it is below CPU_SETSIZE.
            unsafe { libc::CPU_SET(cpu, &mut set.raw) };
        }
        set
    }

    /// Restricts the calling thread to this set.
    pub(crate) fn apply(&self) -> io::Result<()> {
        // SAFETY: pid 0 is the calling thread; size and pointer describe
        // `self.raw`, which outlives the call.
        let rc = unsafe {
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &self.raw)
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl CpuSet {
    pub(crate) fn current() -> io::Result<Self> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "CPU affinity needs Linux",
        ))
    }
    pub(crate) fn of(_cpus: &[usize]) -> Self {
        Self {}
    }
    pub(crate) fn cpus(&self) -> Vec<usize> {
        Vec::new()
    }
    pub(crate) fn first(&self, _n: usize) -> Self {
        self.clone()
    }
    pub(crate) fn apply(&self) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "CPU affinity needs Linux",
        ))
    }
}

/// Pins the calling thread to a set until dropped, then restores its
/// previous affinity.
#[derive(Debug)]
pub(crate) struct Pinned {
    saved: CpuSet,
}

impl Pinned {
    /// Pins the calling thread to `set`.
    pub(crate) fn new(set: &CpuSet) -> io::Result<Self> {
        let saved = CpuSet::current()?;
        set.apply()?;
        Ok(Self { saved })
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        // Restoring a mask the thread had a moment ago cannot fail in
        // practice; if it does, the thread simply stays pinned.
        let _ = self.saved.apply();
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn pin_and_restore() {
        let before = CpuSet::current().unwrap();
        let one = before.first(1);
        assert_eq!(one.cpus().len(), 1);
        {
            let _g = Pinned::new(&one).unwrap();
            assert_eq!(CpuSet::current().unwrap().cpus(), one.cpus());
        }
        assert_eq!(CpuSet::current().unwrap().cpus(), before.cpus());
    }
}

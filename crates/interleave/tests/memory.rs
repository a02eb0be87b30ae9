//! Memory per idle task (without the future itself), measured with a
//! counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cvp_interleave::{yield_now, Runtime};

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System`, only counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new, Ordering::Relaxed);
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: usize = if cfg!(miri) { 256 } else { 100_000 };

/// Bytes the runtime holds per idle task: spawn N tasks parked forever on a
/// zero-sized future (so the future costs nothing), poll each once, and
/// compare live heap bytes. The handles' Vec is allocated up front and not
/// counted.
fn bytes_per_idle_task() -> f64 {
    let rt = Runtime::new();
    let mut handles = Vec::with_capacity(N);
    rt.block_on(yield_now()).unwrap();
    let before = ALLOCATED.load(Ordering::Relaxed);
    for _ in 0..N {
        handles.push(rt.spawn(std::future::pending::<()>()));
    }
    rt.block_on(yield_now()).unwrap();
    let after = ALLOCATED.load(Ordering::Relaxed);
    let per = (after - before) as f64 / N as f64;
    drop(handles);
    drop(rt);
    per
}

#[test]
fn an_idle_task_takes_at_most_128_bytes() {
    let per = bytes_per_idle_task();
    println!("memory per idle task: {per:.1} bytes");
    assert!(per <= 128.0, "{per} bytes per idle task");
}

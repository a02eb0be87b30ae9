//! The atomics and locks of the sleep protocol: `std` normally, `loom` under
//! `cfg(loom)` so the model checker can explore every interleaving of
//! [`crate::sleep`] and [`crate::latch::CoreLatch`].

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicUsize, Ordering},
    Condvar, Mutex,
};
#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Condvar, Mutex,
};

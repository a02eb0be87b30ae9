//! A nested block_on is a clear error, not a deadlock.

use cvp_interleave::{spawn, Error, Runtime};

#[test]
fn a_nested_block_on_is_a_typed_error() {
    let rt = Runtime::new();
    let inner = rt
        .block_on(async { Runtime::new().block_on(async { 1 }) })
        .unwrap();
    assert_eq!(inner, Err(Error::NestedBlockOn));
    assert!(inner.unwrap_err().to_string().contains("block_on"));
}

#[test]
fn same_runtime_from_a_task() {
    let rt = std::rc::Rc::new(Runtime::new());
    let r = rt.clone();
    let out = rt
        .block_on(async move { spawn(async move { r.block_on(async {}) }).await.unwrap() })
        .unwrap();
    assert_eq!(out, Err(Error::NestedBlockOn));
}

#[test]
fn sequential_block_on_is_fine() {
    let rt = Runtime::new();
    assert_eq!(rt.block_on(async { 1 }).unwrap(), 1);
    assert_eq!(rt.block_on(async { 2 }).unwrap(), 2);
    let other = Runtime::new();
    assert_eq!(other.block_on(async { 3 }).unwrap(), 3);
}

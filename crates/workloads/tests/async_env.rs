//! The async interpreter's compute hook: a runtime that hands compute steps
//! elsewhere gets every compute step through it and the reference value.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use cvp_workloads::{compute, run_script, run_script_async, AsyncEnv, Script, ScriptCtx, Step};

/// Computes on another thread and records each call; timers are immediate.
#[derive(Default)]
struct Offload {
    calls: RefCell<Vec<(u32, u64)>>,
}

impl AsyncEnv for Offload {
    async fn sleep(&self, _: Duration) {}

    async fn exchange(&self, _: SocketAddr, _: Vec<u8>, _: usize) -> io::Result<Vec<u8>> {
        Err(io::Error::other("no server in this test"))
    }

    fn compute(&self, script: u32, units: u64, seed: u64) -> impl Future<Output = u64> {
        self.calls.borrow_mut().push((script, units));
        let mut worker = Some(std::thread::spawn(move || compute(units, seed)));
        std::future::poll_fn(move |cx| match worker.take() {
            Some(w) if w.is_finished() => Poll::Ready(w.join().expect("the kernel does not panic")),
            w => {
                worker = w;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
    }
}

/// The inline default: nothing to record.
struct Inline;

impl AsyncEnv for Inline {
    async fn sleep(&self, _: Duration) {}

    async fn exchange(&self, _: SocketAddr, _: Vec<u8>, _: usize) -> io::Result<Vec<u8>> {
        Err(io::Error::other("no server in this test"))
    }
}

/// Polls `fut` to completion on this thread.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

fn script() -> Script {
    Script {
        id: 7,
        steps: vec![
            Step::Compute { units: 30 },
            Step::Wait(Duration::from_millis(1)),
            Step::Compute { units: 5 },
        ],
    }
}

fn ctx() -> ScriptCtx {
    let now = Instant::now();
    ScriptCtx {
        server: None,
        released: now,
        epoch: now,
    }
}

#[test]
fn an_offloading_env_gets_every_compute_step_and_the_reference_value() {
    let script = script();
    let reference = run_script(&script, &ctx()).unwrap().value;
    let env = Offload::default();
    let out = block_on(run_script_async(&env, &script, &ctx())).unwrap();
    assert_eq!(out.value, reference);
    assert_eq!(*env.calls.borrow(), [(7, 30), (7, 5)]);
}

#[test]
fn the_default_compute_is_inline_and_gives_the_reference_value() {
    let script = script();
    let reference = run_script(&script, &ctx()).unwrap().value;
    let out = block_on(run_script_async(&Inline, &script, &ctx())).unwrap();
    assert_eq!(out.value, reference);
}

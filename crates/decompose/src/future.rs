//! `Pool::spawn_future`: CPU work on the pool, awaited from async code.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;

use crate::job::HeapJob;
use crate::registry::Registry;
use crate::unwind;

/// A job's result, shared between the worker that runs it and the future.
///
/// States: `Pending` (the job has not finished; the waker of the last poll,
/// if any) -> `Done` (the worker stored the result) -> `Taken` (the future
/// returned it); or `Pending -> Abandoned` when the future is dropped first,
/// after which the worker drops the result itself.
enum State<R> {
    Pending(Option<Waker>),
    Done(thread::Result<R>),
    Taken,
    Abandoned,
}

struct Shared<R> {
    state: Mutex<State<R>>,
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        // Nothing panics while holding the lock, but stay usable if it did.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The future of [`Pool::spawn_future`](crate::Pool::spawn_future): ready
/// with the job's result once a worker has run it.
#[must_use = "the job runs anyway; the future is how its result is read"]
pub struct PoolFuture<R> {
    shared: Arc<Shared<R>>,
    registry: Arc<Registry>,
}

impl<R> fmt::Debug for PoolFuture<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &*self.shared.lock() {
            State::Pending(_) => "pending",
            State::Done(_) => "done",
            State::Taken => "taken",
            State::Abandoned => "abandoned",
        };
        f.debug_struct("PoolFuture")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

/// Queues `job` on `registry`'s injector (never a worker's own deque: the
/// caller may be a worker that now blocks in an executor) and returns its
/// future.
pub(crate) fn spawn_future_in<F, R>(registry: &Arc<Registry>, job: F) -> PoolFuture<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let shared = Arc::new(Shared {
        state: Mutex::new(State::Pending(None)),
    });
    let task = {
        let shared = Arc::clone(&shared);
        let registry = Arc::clone(registry);
        move || {
            let result = unwind::halt_unwinding(job);
            let mut state = shared.lock();
            match std::mem::replace(&mut *state, State::Taken) {
                State::Pending(waker) => {
                    *state = State::Done(result);
                    drop(state);
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
                State::Abandoned => {
                    drop(state);
                    if let Err(payload) = result {
                        registry.handle_panic(payload);
                    }
                }
                State::Done(_) | State::Taken => unreachable!("a job runs once"),
            }
        }
    };
    // SAFETY: `task` is 'static and runs exactly once: workers drain every
    // queue before they exit.
    let job = unsafe { HeapJob::into_job_ref(task) };
    registry.inject(job);
    PoolFuture {
        shared,
        registry: Arc::clone(registry),
    }
}

impl<R> Future for PoolFuture<R> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let mut state = self.shared.lock();
        match std::mem::replace(&mut *state, State::Taken) {
            State::Pending(waker) => {
                let waker = match waker {
                    Some(waker) if waker.will_wake(cx.waker()) => waker,
                    _ => cx.waker().clone(),
                };
                *state = State::Pending(Some(waker));
                Poll::Pending
            }
            State::Done(result) => {
                drop(state);
                match result {
                    Ok(value) => Poll::Ready(value),
                    Err(payload) => unwind::resume_unwinding(payload),
                }
            }
            State::Taken => panic!("PoolFuture polled after it completed"),
            State::Abandoned => unreachable!("only a dropped future abandons"),
        }
    }
}

impl<R> Drop for PoolFuture<R> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        match std::mem::replace(&mut *state, State::Abandoned) {
            // The worker will see `Abandoned` and drop the result itself.
            State::Pending(_) => {}
            State::Done(result) => {
                *state = State::Taken;
                drop(state);
                if let Err(payload) = result {
                    self.registry.handle_panic(payload);
                }
            }
            State::Taken => *state = State::Taken,
            State::Abandoned => unreachable!("dropped twice"),
        }
    }
}

//! Pool configuration and hooks: start, exit and panic handlers, stack
//! size, `broadcast`, `in_place_scope`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use cvp_decompose::{broadcast, current_thread_index, in_place_scope, join, Builder, Pool};

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn start_and_exit_handlers_run_once_on_every_worker() {
    let started = Arc::new(Mutex::new(Vec::new()));
    let exited = Arc::new(Mutex::new(Vec::new()));
    let pool = {
        let (started, exited) = (Arc::clone(&started), Arc::clone(&exited));
        Builder::new()
            .num_threads(3)
            .thread_name(|i| format!("hooked-{i}"))
            .start_handler(move |i| {
                let name = thread::current().name().map(str::to_owned);
                started.lock().unwrap().push((i, name));
            })
            .exit_handler(move |i| exited.lock().unwrap().push(i))
            .build()
            .unwrap()
    };
    assert_eq!(pool.install(|| 1 + 1), 2);
    drop(pool);
    let mut started = started.lock().unwrap().clone();
    started.sort();
    let want: Vec<_> = (0..3).map(|i| (i, Some(format!("hooked-{i}")))).collect();
    assert_eq!(started, want);
    let mut exited = exited.lock().unwrap().clone();
    exited.sort();
    assert_eq!(exited, [0, 1, 2]);
}

#[test]
fn a_spawned_panic_reaches_the_panic_handler() {
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let pool = Builder::new()
        .num_threads(2)
        .panic_handler(move |payload| tx.lock().unwrap().send(message(&*payload)).unwrap())
        .build()
        .unwrap();
    pool.spawn(|| panic!("spawned boom"));
    assert_eq!(rx.recv().unwrap(), "spawned boom");
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
}

#[test]
fn a_panicking_start_handler_goes_to_the_panic_handler_and_the_worker_runs() {
    let panics = Arc::new(AtomicUsize::new(0));
    let pool = {
        let panics = Arc::clone(&panics);
        Builder::new()
            .num_threads(2)
            .start_handler(|i| {
                if i == 1 {
                    panic!("start of worker 1")
                }
            })
            .panic_handler(move |_| {
                panics.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap()
    };
    // Both workers take work: worker 1 survived its handler.
    let seen = pool.broadcast(|i| i);
    assert_eq!(seen, [0, 1]);
    assert_eq!(panics.load(Ordering::SeqCst), 1);
}

#[test]
fn without_a_panic_handler_a_spawned_panic_leaves_the_pool_usable() {
    let pool = Pool::new(2).unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    pool.spawn(|| panic!("nobody listens"));
    let d = Arc::clone(&done);
    pool.spawn(move || {
        d.fetch_add(1, Ordering::SeqCst);
    });
    drop(pool);
    assert_eq!(done.load(Ordering::SeqCst), 1);
}

#[cfg(all(target_os = "linux", not(miri)))]
#[test]
fn workers_get_the_stack_size_asked_for() {
    fn stack_size() -> usize {
        // SAFETY: `attr` is initialised by `pthread_getattr_np` before it is
        // read, and destroyed once.
        unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            assert_eq!(libc::pthread_getattr_np(libc::pthread_self(), &mut attr), 0);
            let mut size = 0;
            assert_eq!(libc::pthread_attr_getstacksize(&attr, &mut size), 0);
            libc::pthread_attr_destroy(&mut attr);
            size
        }
    }
    let bytes = 12 << 20;
    let pool = Builder::new()
        .num_threads(1)
        .stack_size(bytes)
        .build()
        .unwrap();
    let got = pool.install(stack_size);
    assert!(got >= bytes && got < bytes + (1 << 20), "{got}");
}

#[test]
fn broadcast_runs_once_on_each_worker_in_order() {
    let pool = Pool::new(3).unwrap();
    let out = pool.broadcast(|i| (i, current_thread_index()));
    assert_eq!(out, [(0, Some(0)), (1, Some(1)), (2, Some(2))]);
    // From inside the pool, nested in a join, and while workers are busy.
    let (a, b) = pool.install(|| {
        join(
            || broadcast(|i| i * 10),
            || broadcast(|i| current_thread_index() == Some(i)),
        )
    });
    assert_eq!(a, [0, 10, 20]);
    assert_eq!(b, [true, true, true]);
    let nested = pool.broadcast(|_| broadcast(|i| i).len());
    assert_eq!(nested, [3, 3, 3]);
}

#[test]
fn a_panic_in_broadcast_reaches_the_caller_after_every_call() {
    let pool = Pool::new(3).unwrap();
    let ran = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.broadcast(|i| {
            ran.fetch_add(1, Ordering::SeqCst);
            if i == 1 {
                panic!("broadcast 1");
            }
        })
    }))
    .unwrap_err();
    assert_eq!(message(&*err), "broadcast 1");
    assert_eq!(ran.load(Ordering::SeqCst), 3);
    assert_eq!(pool.broadcast(|i| i), [0, 1, 2]);
}

#[test]
fn in_place_scope_runs_the_body_on_the_calling_thread() {
    let pool = Pool::new(2).unwrap();
    let me = thread::current().id();
    let local = std::rc::Rc::new(3); // not Send: only possible in place
    let mut slots = vec![None; 8];
    pool.in_place_scope(|s| {
        assert_eq!(thread::current().id(), me);
        for (i, slot) in slots.iter_mut().enumerate() {
            s.spawn(move |_| *slot = current_thread_index().map(|_| i));
        }
        assert_eq!(*local, 3);
    });
    assert_eq!(slots, (0..8).map(Some).collect::<Vec<_>>());
    // The free function, outside any pool, uses the global pool.
    let count = AtomicUsize::new(0);
    in_place_scope(|s| {
        for _ in 0..4 {
            s.spawn(|_| {
                count.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    assert_eq!(count.load(Ordering::SeqCst), 4);
    // Inside a worker it is a plain scope on that worker.
    let inside = pool.install(|| pool.in_place_scope(|_| current_thread_index()));
    assert!(inside.is_some());
}

#[test]
fn a_panic_in_an_in_place_scope_task_reaches_the_caller() {
    let pool = Pool::new(2).unwrap();
    let finished = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.in_place_scope(|s| {
            s.spawn(|_| panic!("task"));
            s.spawn(|_| {
                finished.fetch_add(1, Ordering::SeqCst);
            });
        })
    }))
    .unwrap_err();
    assert_eq!(message(&*err), "task");
    assert_eq!(finished.load(Ordering::SeqCst), 1);
    let err =
        catch_unwind(AssertUnwindSafe(|| pool.in_place_scope(|_| panic!("body")))).unwrap_err();
    assert_eq!(message(&*err), "body");
    assert_eq!(pool.join(|| 1, || 2), (1, 2));
}

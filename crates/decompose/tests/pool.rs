//! Building pools, installing work, the global pool.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use cvp_decompose::{current_num_threads, current_thread_index, BuildError, Builder, Pool};

#[test]
fn a_pool_has_its_threads_and_installs_a_job() {
    let pool = Pool::new(2).unwrap();
    assert_eq!(pool.num_threads(), 2);
    assert_eq!(pool.install(|| 6 * 7), 42);
}

#[test]
fn zero_threads_is_a_typed_error() {
    assert!(matches!(Pool::new(0), Err(BuildError::ZeroThreads)));
    assert!(matches!(
        Builder::new().num_threads(0).build(),
        Err(BuildError::ZeroThreads)
    ));
    let message = Pool::new(0).unwrap_err().to_string();
    assert!(message.contains("at least one thread"), "{message}");
}

#[test]
fn too_many_threads_is_a_typed_error() {
    let err = Pool::new(1 << 20).unwrap_err();
    assert!(matches!(err, BuildError::TooManyThreads { requested, .. } if requested == 1 << 20));
}

#[test]
fn workers_carry_their_names() {
    let pool = Builder::new()
        .num_threads(2)
        .thread_name(|i| format!("crunch-{i}"))
        .build()
        .unwrap();
    let name = pool.install(|| thread::current().name().map(str::to_owned));
    let name = name.unwrap();
    assert!(name == "crunch-0" || name == "crunch-1", "{name}");
}

#[test]
fn thread_count_and_index_inside_the_pool() {
    let pool = Pool::new(3).unwrap();
    assert_eq!(pool.install(current_num_threads), 3);
    let index = pool.install(current_thread_index).unwrap();
    assert!(index < 3);
    assert_eq!(current_thread_index(), None);
}

#[test]
#[cfg_attr(miri, ignore = "the global pool's threads outlive the test")]
fn global_pool_serves_calls_from_outside() {
    let expected = thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(Pool::global().num_threads(), expected);
    assert_eq!(current_num_threads(), expected);
    assert_eq!(cvp_decompose::join(|| 1, || 2), (1, 2));
}

#[test]
fn install_from_a_worker_of_another_pool() {
    let outer = Pool::new(2).unwrap();
    let inner = Pool::new(2).unwrap();
    let (threads, sum) = outer.install(|| {
        inner.install(|| {
            let (a, b) = cvp_decompose::join(|| 1, || 2);
            (current_num_threads(), a + b)
        })
    });
    assert_eq!((threads, sum), (2, 3));
}

#[test]
fn many_external_callers_at_once() {
    let pool = Pool::new(2).unwrap();
    let callers = if cfg!(miri) { 2 } else { 8 };
    thread::scope(|s| {
        for i in 0..callers {
            let pool = &pool;
            s.spawn(move || {
                for j in 0..10 {
                    assert_eq!(pool.install(|| i * 100 + j), i * 100 + j);
                }
            });
        }
    });
}

#[test]
fn spawned_jobs_run() {
    let pool = Pool::new(2).unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let done = Arc::clone(&done);
        pool.spawn(move || {
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    drop(pool);
    assert_eq!(done.load(Ordering::SeqCst), 10);
}

#[test]
fn a_one_thread_pool_works() {
    let pool = Pool::new(1).unwrap();
    let (a, b) = pool.join(|| pool_sum(100), || pool_sum(200));
    assert_eq!((a, b), (4950, 19900));
}

fn pool_sum(n: usize) -> usize {
    cvp_decompose::map_reduce(n, Default::default(), |r| r.sum::<usize>(), |a, b| a + b)
}

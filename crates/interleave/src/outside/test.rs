//! The remote-wake / deadlock-check protocol, model-checked with loom (run
//! with `RUSTFLAGS="--cfg loom" cargo test -p cvp-interleave --lib --release
//! outside`). Each model runs the runtime's side (drain the injection queue,
//! then decide whether a deadlock can be reported) against remote wakers on
//! other threads, in every interleaving loom can produce.

#[cfg(loom)]
mod model {
    use loom::sync::atomic::Ordering;
    use loom::sync::{Arc, Mutex};
    use loom::thread;

    use crate::outside::{MainWake, TaskWake};

    /// One task (the registry holds one reference), its injection queue.
    struct Task {
        wake: TaskWake,
        queue: Mutex<Vec<()>>,
    }

    impl Task {
        /// A task whose registry reference and `extra` waker references are
        /// live.
        fn new(extra: u32) -> Arc<Task> {
            Arc::new(Task {
                wake: TaskWake::new(1 + extra),
                queue: Mutex::new(Vec::new()),
            })
        }

        /// `runtime::remote_wake`, reduced to the protocol.
        fn remote_wake(&self) {
            if self.wake.begin_remote_wake() {
                self.queue.lock().unwrap().push(());
            }
        }

        /// A waker reference is given up.
        fn drop_waker(&self) {
            assert!(!self.wake.dec_ref(), "the registry still holds one");
        }

        /// `Local::drain_injected`: the number of wakes delivered.
        fn drain(&self) -> usize {
            let entries = std::mem::take(&mut *self.queue.lock().unwrap());
            for () in &entries {
                self.wake.clear_pending();
                self.drop_waker();
            }
            entries.len()
        }

        /// `Local::idle`'s verdict after a drain: `true` for "deadlock".
        fn deadlocked(&self) -> bool {
            !self.wake.may_be_woken_from_outside(1)
        }
    }

    /// A waker on another thread wakes by value (wake, then drop): the
    /// runtime never reports a deadlock before the wake is delivered, and
    /// once the thread is done and the wake drained, it does.
    #[test]
    fn wake_by_value_is_never_reported_as_deadlock() {
        loom::model(|| {
            let task = Task::new(1);
            let t = {
                let task = task.clone();
                thread::spawn(move || {
                    task.remote_wake();
                    task.drop_waker();
                })
            };
            let delivered = task.drain();
            if task.deadlocked() {
                assert_eq!(delivered, 1, "deadlock reported with a wake in flight");
            }
            t.join().unwrap();
            task.drain();
            assert!(task.deadlocked(), "a true deadlock must be reported");
        });
    }

    /// Two threads each hold a waker; one wakes by reference then drops, the
    /// other just drops.
    #[test]
    fn wake_by_ref_among_two_wakers() {
        loom::model(|| {
            let task = Task::new(2);
            let a = {
                let task = task.clone();
                thread::spawn(move || {
                    task.remote_wake();
                    task.drop_waker();
                })
            };
            let b = {
                let task = task.clone();
                thread::spawn(move || task.drop_waker())
            };
            let delivered = task.drain();
            if task.deadlocked() {
                assert_eq!(delivered, 1, "deadlock reported with a wake in flight");
            }
            a.join().unwrap();
            b.join().unwrap();
            task.drain();
            assert!(task.deadlocked());
        });
    }

    /// A waker dropped without a wake: the runtime may report the deadlock
    /// (and must, once the drop happened).
    #[test]
    fn dropped_waker_ends_in_deadlock() {
        loom::model(|| {
            let task = Task::new(1);
            let t = {
                let task = task.clone();
                thread::spawn(move || task.drop_waker())
            };
            assert_eq!(task.drain(), 0);
            let _ = task.deadlocked();
            t.join().unwrap();
            assert!(task.deadlocked());
        });
    }

    /// The `block_on` future's waker, woken then dropped on another thread.
    #[test]
    fn main_wake_is_never_reported_as_deadlock() {
        loom::model(|| {
            let main = Arc::new(MainWake::new());
            main.waker_added(); // `block_on`'s own
            main.waker_added(); // the remote clone
            let t = {
                let main = main.clone();
                thread::spawn(move || {
                    main.wake(Ordering::Release);
                    main.waker_dropped();
                })
            };
            let delivered = main.take();
            if !main.may_be_woken_from_outside(1) {
                assert!(delivered, "deadlock reported with a wake in flight");
            }
            t.join().unwrap();
            main.take();
            assert!(!main.may_be_woken_from_outside(1));
        });
    }

    /// The defective check, which took a raised flag for a queue entry's
    /// reference, reports a deadlock with a wake in flight: the model finds
    /// the defect the protocol removes.
    #[test]
    #[should_panic(expected = "wake in flight")]
    fn subtracting_a_pending_entry_misses_a_wake() {
        loom::model(|| {
            let pending = Arc::new(loom::sync::atomic::AtomicBool::new(false));
            let refs = Arc::new(loom::sync::atomic::AtomicUsize::new(2));
            let queued = Arc::new(loom::sync::atomic::AtomicBool::new(false));
            let t = {
                let (pending, refs, queued) = (pending.clone(), refs.clone(), queued.clone());
                thread::spawn(move || {
                    pending.store(true, Ordering::SeqCst);
                    refs.fetch_add(1, Ordering::SeqCst);
                    queued.store(true, Ordering::SeqCst);
                    refs.fetch_sub(1, Ordering::SeqCst);
                })
            };
            // The old check: "known" includes the queued entry's reference
            // when the flag is up.
            let flag = pending.load(Ordering::SeqCst);
            let count = refs.load(Ordering::SeqCst);
            let delivered = queued.load(Ordering::SeqCst);
            if count <= 1 + usize::from(flag) {
                assert!(delivered, "deadlock reported with a wake in flight");
            }
            t.join().unwrap();
        });
    }
}

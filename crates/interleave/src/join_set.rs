//! [`JoinSet`]: a set of tasks awaited in the order they finish.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::task::{JoinError, JoinHandle, TaskId};
use crate::waker::{ParkedOn, ParkedWaker};

struct Inner<T> {
    /// Results in the order the tasks finished.
    done: VecDeque<Result<T, JoinError>>,
    waker: Option<ParkedWaker>,
}

/// Tasks spawned together, awaited in the order they finish; dropping the
/// set aborts every task still running.
///
/// ```
/// use std::time::Duration;
/// let rt = cvp_interleave::Runtime::builder().virtual_time(true).build();
/// let order = rt.block_on(async {
///     let mut set = cvp_interleave::JoinSet::new();
///     for ms in [30u64, 10, 20] {
///         set.spawn(async move {
///             cvp_interleave::sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     let mut order = Vec::new();
///     while let Some(r) = set.join_next().await {
///         order.push(r.unwrap());
///     }
///     order
/// });
/// assert_eq!(order.unwrap(), [10, 20, 30]);
/// ```
pub struct JoinSet<T> {
    inner: Rc<RefCell<Inner<T>>>,
    tasks: HashMap<TaskId, JoinHandle<()>>,
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet {
            inner: Rc::new(RefCell::new(Inner {
                done: VecDeque::new(),
                waker: None,
            })),
            tasks: HashMap::new(),
        }
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet")
            .field("len", &self.tasks.len())
            .finish()
    }
}

/// The spawned wrapper: runs the future, catches its panic, hands the result
/// to the set; dropped unfinished (aborted), it hands `Cancelled`.
struct Member<F: Future> {
    fut: Pin<Box<F>>,
    set: Option<Rc<RefCell<Inner<F::Output>>>>,
}

impl<F: Future> Member<F> {
    fn finish(&mut self, r: Result<F::Output, JoinError>) {
        if let Some(set) = self.set.take() {
            let waker = {
                let mut s = set.borrow_mut();
                s.done.push_back(r);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl<F: Future> Future for Member<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let r = match catch_unwind(AssertUnwindSafe(|| this.fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(v)) => Ok(v),
            Err(p) => Err(JoinError::Panicked(p as Box<dyn Any + Send>)),
        };
        this.finish(r);
        Poll::Ready(())
    }
}

impl<F: Future> Drop for Member<F> {
    fn drop(&mut self) {
        self.finish(Err(JoinError::Cancelled));
    }
}

impl<T: 'static> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = cvp_interleave::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet::default()
    }

    /// Spawns `fut` on the current runtime as a member of the set.
    ///
    /// # Panics
    /// Outside [`Runtime::block_on`](crate::Runtime::block_on).
    #[track_caller]
    pub fn spawn<F>(&mut self, fut: F) -> TaskId
    where
        F: Future<Output = T> + 'static,
    {
        let h = crate::runtime::spawn_at(
            std::panic::Location::caller(),
            Member {
                fut: Box::pin(fut),
                set: Some(self.inner.clone()),
            },
        );
        let id = h.id();
        self.tasks.insert(id, h);
        id
    }

    /// Tasks spawned and not yet returned by `join_next`.
    ///
    /// ```
    /// assert_eq!(cvp_interleave::JoinSet::<u8>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the set is empty.
    ///
    /// ```
    /// assert!(cvp_interleave::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The result of the next task to finish; `None` when the set is empty.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        if self.tasks.is_empty() {
            return None;
        }
        let inner = self.inner.clone();
        let r = std::future::poll_fn(|cx| {
            let mut s = inner.borrow_mut();
            if let Some(r) = s.done.pop_front() {
                s.waker = None;
                return Poll::Ready(r);
            }
            if !s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                s.waker = Some(ParkedWaker::new(cx.waker(), ParkedOn::JoinSet));
            }
            Poll::Pending
        })
        .await;
        // Forget one finished member (any: their handles carry nothing).
        let finished = self
            .tasks
            .iter()
            .find(|(_, h)| h.is_finished())
            .map(|(id, _)| *id);
        if let Some(id) = finished {
            self.tasks.remove(&id);
        }
        Some(r)
    }

    /// Aborts every task in the set (their results come as
    /// [`JoinError::Cancelled`]).
    ///
    /// ```
    /// let rt = cvp_interleave::Runtime::new();
    /// rt.block_on(async {
    ///     let mut set = cvp_interleave::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// })
    /// .unwrap();
    /// ```
    pub fn abort_all(&mut self) {
        for h in self.tasks.values() {
            h.abort();
        }
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        for h in self.tasks.values() {
            h.abort();
        }
    }
}

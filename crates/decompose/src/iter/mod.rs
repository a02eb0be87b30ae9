//! Parallel iterators over slices, `Vec`s and ranges, in the style of
//! rayon's: `v.par_iter().map(f).sum()`.
//!
//! An iterator is a chain of adaptors over a source; a consumer at the end
//! (`sum`, `collect`, `for_each`, ...) asks the chain for its splittable
//! producer ([`plumbing::Producer`]) and runs it on the current pool (the
//! global one outside any) with the chain's split [`Strategy`]: adaptive
//! by default, which keeps a job too small to be worth a thread on the
//! calling thread. [`ParallelIterator::with_strategy`] and
//! [`ParallelIterator::with_grain`] choose per call.
//!
//! Results are combined in order, so `collect` keeps the sequential order,
//! `reduce` with an associative operation gives the sequential answer and
//! `min`/`max` pick the same element as `std`'s (first minimum, last
//! maximum). A panic in any closure reaches the caller once the pieces in
//! flight have finished; the pool stays usable.

mod adaptor;
mod collect;
mod consume;
pub mod plumbing;
mod source;

use std::cmp::Ordering;
use std::iter::{Product, Sum};

use crate::strategy::Strategy;
use adaptor::Setting;
use plumbing::ProducerCallback;

pub use adaptor::{
    Cloned, Copied, Enumerate, Filter, FilterMap, FlatMap, FlatMapIter, FlatMapSeq, Fold, Map,
    WithStrategy, Zip,
};
pub use source::{Chunks, ChunksMut, IntoIter, Iter, IterMut, RangeIter, SliceDrain};

/// A parallel iterator: adaptors and consumers.
///
/// ```
/// use cvp_decompose::prelude::*;
/// let v: Vec<u64> = (0..1000).collect();
/// let sum: u64 = v.par_iter().map(|x| x * 2).sum();
/// assert_eq!(sum, 999_000);
/// let evens = v.par_iter().filter(|&&x| x % 2 == 0).count();
/// assert_eq!(evens, 500);
/// ```
pub trait ParallelIterator: Sized + Send {
    /// What the iterator yields.
    type Item: Send;

    /// The plain iterator that walks the same items in order on one thread
    /// (what [`ParallelIterator::flat_map`] runs for its inner iterators).
    type SeqIter: Iterator<Item = Self::Item>;

    /// Hands this iterator's producer to `callback` (the plumbing every
    /// consumer goes through).
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output;

    /// The items in order, on the current thread.
    fn into_seq_iter(self) -> Self::SeqIter;

    /// The exact number of items, when it is known without running the
    /// iterator (indexed iterators).
    fn opt_len(&self) -> Option<usize> {
        None
    }

    // --- configuration -------------------------------------------------

    /// Runs this iterator with `strategy` instead of the default adaptive
    /// one. Its size hint counts the source's units: items of a slice or
    /// range, chunks of `par_chunks`.
    fn with_strategy(self, strategy: Strategy) -> WithStrategy<Self> {
        WithStrategy::new(self, Setting::Strategy(strategy))
    }

    /// Keeps the strategy (adaptive unless one was chosen) and sets its
    /// size hint: no piece is cut below `grain` units. A grain of 0 is
    /// taken as 1, as everywhere in [`Strategy`].
    fn with_grain(self, grain: usize) -> WithStrategy<Self> {
        WithStrategy::new(self, Setting::Grain(grain))
    }

    // --- adaptors --------------------------------------------------------

    /// Applies `f` to every item.
    fn map<F, R>(self, f: F) -> Map<Self, F>
    where
        F: Fn(Self::Item) -> R + Sync + Send,
        R: Send,
    {
        Map::new(self, f)
    }

    /// Keeps the items for which `predicate` holds.
    fn filter<P>(self, predicate: P) -> Filter<Self, P>
    where
        P: Fn(&Self::Item) -> bool + Sync + Send,
    {
        Filter::new(self, predicate)
    }

    /// Maps and keeps the `Some`s.
    fn filter_map<F, R>(self, f: F) -> FilterMap<Self, F>
    where
        F: Fn(Self::Item) -> Option<R> + Sync + Send,
        R: Send,
    {
        FilterMap::new(self, f)
    }

    /// Maps every item to a parallel iterator and flattens them in order.
    /// The parallelism comes from the outer iterator: each inner one is
    /// walked sequentially by the worker that runs its item.
    fn flat_map<F, U>(self, f: F) -> FlatMap<Self, F>
    where
        F: Fn(Self::Item) -> U + Sync + Send,
        U: IntoParallelIterator,
    {
        FlatMap::new(self, f)
    }

    /// Maps every item to a sequential iterator and flattens them in order.
    fn flat_map_iter<F, U>(self, f: F) -> FlatMapIter<Self, F>
    where
        F: Fn(Self::Item) -> U + Sync + Send,
        U: IntoIterator,
        U::Item: Send,
    {
        FlatMapIter::new(self, f)
    }

    /// Copies the items out of references.
    fn copied<'a, T>(self) -> Copied<Self>
    where
        T: 'a + Copy + Send + Sync,
        Self: ParallelIterator<Item = &'a T>,
    {
        Copied::new(self)
    }

    /// Clones the items out of references.
    fn cloned<'a, T>(self) -> Cloned<Self>
    where
        T: 'a + Clone + Send + Sync,
        Self: ParallelIterator<Item = &'a T>,
    {
        Cloned::new(self)
    }

    /// Folds each piece of the job into one accumulator, starting from
    /// `identity()`: an iterator of accumulators (how many depends on the
    /// split), usually followed by `reduce` or `sum`.
    fn fold<T, ID, F>(self, identity: ID, fold_op: F) -> Fold<Self, ID, F>
    where
        ID: Fn() -> T + Sync + Send,
        F: Fn(T, Self::Item) -> T + Sync + Send,
        T: Send,
    {
        Fold::new(self, identity, fold_op)
    }

    // --- consumers -------------------------------------------------------

    /// Calls `f` on every item.
    fn for_each<F>(self, f: F)
    where
        F: Fn(Self::Item) + Sync + Send,
    {
        consume::for_each(self, f)
    }

    /// The sum of the items.
    fn sum<S>(self) -> S
    where
        S: Send + Sum<Self::Item> + Sum<S>,
    {
        consume::sum(self)
    }

    /// The product of the items.
    fn product<P>(self) -> P
    where
        P: Send + Product<Self::Item> + Product<P>,
    {
        consume::product(self)
    }

    /// Reduces the items with `op`, starting every piece from `identity()`
    /// (which must be an identity of `op`; an empty iterator gives it).
    fn reduce<ID, OP>(self, identity: ID, op: OP) -> Self::Item
    where
        ID: Fn() -> Self::Item + Sync + Send,
        OP: Fn(Self::Item, Self::Item) -> Self::Item + Sync + Send,
    {
        consume::reduce(self, identity, op)
    }

    /// Reduces the items with `op`; `None` when there are none.
    fn reduce_with<OP>(self, op: OP) -> Option<Self::Item>
    where
        OP: Fn(Self::Item, Self::Item) -> Self::Item + Sync + Send,
    {
        consume::reduce_with(self, op)
    }

    /// The number of items.
    fn count(self) -> usize {
        consume::count(self)
    }

    /// The smallest item (the first of equals, as `Iterator::min`).
    fn min(self) -> Option<Self::Item>
    where
        Self::Item: Ord,
    {
        consume::min_by(self, Ord::cmp)
    }

    /// The largest item (the last of equals, as `Iterator::max`).
    fn max(self) -> Option<Self::Item>
    where
        Self::Item: Ord,
    {
        consume::max_by(self, Ord::cmp)
    }

    /// The smallest item by `compare` (the first of equals).
    fn min_by<F>(self, compare: F) -> Option<Self::Item>
    where
        F: Fn(&Self::Item, &Self::Item) -> Ordering + Sync + Send,
    {
        consume::min_by(self, compare)
    }

    /// The largest item by `compare` (the last of equals).
    fn max_by<F>(self, compare: F) -> Option<Self::Item>
    where
        F: Fn(&Self::Item, &Self::Item) -> Ordering + Sync + Send,
    {
        consume::max_by(self, compare)
    }

    /// The item with the smallest key (the first of equals).
    fn min_by_key<K, F>(self, key: F) -> Option<Self::Item>
    where
        K: Ord + Send,
        F: Fn(&Self::Item) -> K + Sync + Send,
    {
        consume::by_key(self, key, false)
    }

    /// The item with the largest key (the last of equals).
    fn max_by_key<K, F>(self, key: F) -> Option<Self::Item>
    where
        K: Ord + Send,
        F: Fn(&Self::Item) -> K + Sync + Send,
    {
        consume::by_key(self, key, true)
    }

    /// Whether `predicate` holds for some item. Stops early: once one piece
    /// finds a match, the others stop looking.
    fn any<P>(self, predicate: P) -> bool
    where
        P: Fn(Self::Item) -> bool + Sync + Send,
    {
        consume::any(self, predicate)
    }

    /// Whether `predicate` holds for every item (stops at the first that
    /// fails).
    fn all<P>(self, predicate: P) -> bool
    where
        P: Fn(Self::Item) -> bool + Sync + Send,
    {
        !consume::any(self, |item| !predicate(item))
    }

    /// Some item for which `predicate` holds, not necessarily the first
    /// (stops early).
    fn find_any<P>(self, predicate: P) -> Option<Self::Item>
    where
        P: Fn(&Self::Item) -> bool + Sync + Send,
    {
        consume::find_any(self, predicate)
    }

    /// Collects the items, in order. Into a `Vec`, an indexed iterator
    /// writes every item straight into its place in the result.
    fn collect<C>(self) -> C
    where
        C: FromParallelIterator<Self::Item>,
    {
        C::from_par_iter(self)
    }
}

/// A parallel iterator whose length is known and whose producer yields one
/// item per unit: it can be zipped, enumerated and collected in place.
pub trait IndexedParallelIterator: ParallelIterator {
    /// The number of items.
    fn len(&self) -> usize;

    /// Whether there are no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pairs each item with its index.
    fn enumerate(self) -> Enumerate<Self> {
        Enumerate::new(self)
    }

    /// Pairs the items of both iterators; as long as the shorter one (as
    /// `Iterator::zip`): the longer one's extra items are not produced.
    fn zip<Z>(self, other: Z) -> Zip<Self, Z::Iter>
    where
        Z: IntoParallelIterator,
        Z::Iter: IndexedParallelIterator,
    {
        Zip::new(self, other.into_par_iter())
    }

    /// Collects into `target` (cleared first), reusing its allocation.
    fn collect_into_vec(self, target: &mut Vec<Self::Item>) {
        collect::collect_into_vec(self, target)
    }
}

/// Something that can become a parallel iterator.
pub trait IntoParallelIterator {
    /// The items.
    type Item: Send;
    /// The iterator.
    type Iter: ParallelIterator<Item = Self::Item>;

    /// The parallel iterator.
    fn into_par_iter(self) -> Self::Iter;
}

impl<I: ParallelIterator> IntoParallelIterator for I {
    type Item = I::Item;
    type Iter = I;
    fn into_par_iter(self) -> I {
        self
    }
}

/// `par_iter()` on anything whose reference is [`IntoParallelIterator`]
/// (slices, `Vec`s).
pub trait IntoParallelRefIterator<'data> {
    /// The items (references).
    type Item: Send + 'data;
    /// The iterator.
    type Iter: ParallelIterator<Item = Self::Item>;

    /// A parallel iterator over references to the items.
    fn par_iter(&'data self) -> Self::Iter;
}

impl<'data, I: 'data + ?Sized> IntoParallelRefIterator<'data> for I
where
    &'data I: IntoParallelIterator,
{
    type Item = <&'data I as IntoParallelIterator>::Item;
    type Iter = <&'data I as IntoParallelIterator>::Iter;
    fn par_iter(&'data self) -> Self::Iter {
        self.into_par_iter()
    }
}

/// `par_iter_mut()` on anything whose mutable reference is
/// [`IntoParallelIterator`] (slices, `Vec`s).
pub trait IntoParallelRefMutIterator<'data> {
    /// The items (mutable references).
    type Item: Send + 'data;
    /// The iterator.
    type Iter: ParallelIterator<Item = Self::Item>;

    /// A parallel iterator over mutable references to the items.
    fn par_iter_mut(&'data mut self) -> Self::Iter;
}

impl<'data, I: 'data + ?Sized> IntoParallelRefMutIterator<'data> for I
where
    &'data mut I: IntoParallelIterator,
{
    type Item = <&'data mut I as IntoParallelIterator>::Item;
    type Iter = <&'data mut I as IntoParallelIterator>::Iter;
    fn par_iter_mut(&'data mut self) -> Self::Iter {
        self.into_par_iter()
    }
}

/// What [`ParallelIterator::collect`] can build.
pub trait FromParallelIterator<T: Send> {
    /// Builds `Self` from the items, in order.
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(iter: I) -> Self;
}

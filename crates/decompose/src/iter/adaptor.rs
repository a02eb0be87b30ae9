//! Adaptors: iterators built on another parallel iterator.
//!
//! Each adaptor wraps its base's producer in one of its own when a consumer
//! asks for it (through a [`ProducerCallback`]), borrowing the closure from
//! the adaptor, so no closure is cloned or boxed. Adaptors that keep one
//! item per unit (`map`, `enumerate`, `zip`, `copied`, `cloned`) stay
//! indexed; `filter`, `filter_map` and the flat maps are not.

use std::iter;

use super::plumbing::{Producer, ProducerCallback};
use super::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};
use crate::strategy::Strategy;

// --- map --------------------------------------------------------------------

/// [`ParallelIterator::map`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct Map<I, F> {
    base: I,
    f: F,
}

impl<I, F> Map<I, F> {
    pub(crate) fn new(base: I, f: F) -> Self {
        Map { base, f }
    }
}

struct MapProducer<'f, P, F> {
    base: P,
    f: &'f F,
}

impl<'f, P, F, R> Producer for MapProducer<'f, P, F>
where
    P: Producer,
    F: Fn(P::Item) -> R + Sync,
{
    type Item = R;
    type IntoIter = iter::Map<P::IntoIter, &'f F>;
    fn into_iter(self) -> Self::IntoIter {
        self.base.into_iter().map(self.f)
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        let f = self.f;
        (MapProducer { base: a, f }, MapProducer { base: b, f })
    }
    fn strategy(&self) -> Option<Strategy> {
        self.base.strategy()
    }
}

struct MapCallback<'f, CB, F> {
    callback: CB,
    f: &'f F,
}

impl<T, R, CB, F> ProducerCallback<T> for MapCallback<'_, CB, F>
where
    CB: ProducerCallback<R>,
    F: Fn(T) -> R + Sync,
{
    type Output = CB::Output;
    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(MapProducer { base, f: self.f })
    }
}

impl<I, F, R> ParallelIterator for Map<I, F>
where
    I: ParallelIterator,
    F: Fn(I::Item) -> R + Sync + Send,
    R: Send,
{
    type Item = R;
    type SeqIter = iter::Map<I::SeqIter, F>;
    fn with_producer<CB: ProducerCallback<R>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(MapCallback {
            callback,
            f: &self.f,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter().map(self.f)
    }
    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

impl<I, F, R> IndexedParallelIterator for Map<I, F>
where
    I: IndexedParallelIterator,
    F: Fn(I::Item) -> R + Sync + Send,
    R: Send,
{
    fn len(&self) -> usize {
        self.base.len()
    }
}

// --- filter -----------------------------------------------------------------

/// [`ParallelIterator::filter`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct Filter<I, F> {
    base: I,
    f: F,
}

impl<I, F> Filter<I, F> {
    pub(crate) fn new(base: I, f: F) -> Self {
        Filter { base, f }
    }
}

struct FilterProducer<'f, P, F> {
    base: P,
    f: &'f F,
}

impl<'f, P, F> Producer for FilterProducer<'f, P, F>
where
    P: Producer,
    F: Fn(&P::Item) -> bool + Sync,
{
    type Item = P::Item;
    type IntoIter = iter::Filter<P::IntoIter, &'f F>;
    fn into_iter(self) -> Self::IntoIter {
        self.base.into_iter().filter(self.f)
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        let f = self.f;
        (FilterProducer { base: a, f }, FilterProducer { base: b, f })
    }
    fn strategy(&self) -> Option<Strategy> {
        self.base.strategy()
    }
}

struct FilterCallback<'f, CB, F> {
    callback: CB,
    f: &'f F,
}

impl<T, CB, F> ProducerCallback<T> for FilterCallback<'_, CB, F>
where
    CB: ProducerCallback<T>,
    F: Fn(&T) -> bool + Sync,
{
    type Output = CB::Output;
    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(FilterProducer { base, f: self.f })
    }
}

impl<I, F> ParallelIterator for Filter<I, F>
where
    I: ParallelIterator,
    F: Fn(&I::Item) -> bool + Sync + Send,
{
    type Item = I::Item;
    type SeqIter = iter::Filter<I::SeqIter, F>;
    fn with_producer<CB: ProducerCallback<I::Item>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(FilterCallback {
            callback,
            f: &self.f,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter().filter(self.f)
    }
}

// --- filter_map -------------------------------------------------------------

/// [`ParallelIterator::filter_map`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct FilterMap<I, F> {
    base: I,
    f: F,
}

impl<I, F> FilterMap<I, F> {
    pub(crate) fn new(base: I, f: F) -> Self {
        FilterMap { base, f }
    }
}

struct FilterMapProducer<'f, P, F> {
    base: P,
    f: &'f F,
}

impl<'f, P, F, R> Producer for FilterMapProducer<'f, P, F>
where
    P: Producer,
    F: Fn(P::Item) -> Option<R> + Sync,
{
    type Item = R;
    type IntoIter = iter::FilterMap<P::IntoIter, &'f F>;
    fn into_iter(self) -> Self::IntoIter {
        self.base.into_iter().filter_map(self.f)
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        let f = self.f;
        (
            FilterMapProducer { base: a, f },
            FilterMapProducer { base: b, f },
        )
    }
    fn strategy(&self) -> Option<Strategy> {
        self.base.strategy()
    }
}

struct FilterMapCallback<'f, CB, F> {
    callback: CB,
    f: &'f F,
}

impl<T, R, CB, F> ProducerCallback<T> for FilterMapCallback<'_, CB, F>
where
    CB: ProducerCallback<R>,
    F: Fn(T) -> Option<R> + Sync,
{
    type Output = CB::Output;
    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback
            .callback(FilterMapProducer { base, f: self.f })
    }
}

impl<I, F, R> ParallelIterator for FilterMap<I, F>
where
    I: ParallelIterator,
    F: Fn(I::Item) -> Option<R> + Sync + Send,
    R: Send,
{
    type Item = R;
    type SeqIter = iter::FilterMap<I::SeqIter, F>;
    fn with_producer<CB: ProducerCallback<R>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(FilterMapCallback {
            callback,
            f: &self.f,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter().filter_map(self.f)
    }
}

// --- flat_map_iter ----------------------------------------------------------

/// [`ParallelIterator::flat_map_iter`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct FlatMapIter<I, F> {
    base: I,
    f: F,
}

impl<I, F> FlatMapIter<I, F> {
    pub(crate) fn new(base: I, f: F) -> Self {
        FlatMapIter { base, f }
    }
}

struct FlatMapIterProducer<'f, P, F> {
    base: P,
    f: &'f F,
}

impl<'f, P, F, U> Producer for FlatMapIterProducer<'f, P, F>
where
    P: Producer,
    F: Fn(P::Item) -> U + Sync,
    U: IntoIterator,
{
    type Item = U::Item;
    type IntoIter = iter::FlatMap<P::IntoIter, U, &'f F>;
    fn into_iter(self) -> Self::IntoIter {
        self.base.into_iter().flat_map(self.f)
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        let f = self.f;
        (
            FlatMapIterProducer { base: a, f },
            FlatMapIterProducer { base: b, f },
        )
    }
    fn strategy(&self) -> Option<Strategy> {
        self.base.strategy()
    }
}

struct FlatMapIterCallback<'f, CB, F> {
    callback: CB,
    f: &'f F,
}

impl<T, U, CB, F> ProducerCallback<T> for FlatMapIterCallback<'_, CB, F>
where
    CB: ProducerCallback<U::Item>,
    F: Fn(T) -> U + Sync,
    U: IntoIterator,
{
    type Output = CB::Output;
    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback
            .callback(FlatMapIterProducer { base, f: self.f })
    }
}

impl<I, F, U> ParallelIterator for FlatMapIter<I, F>
where
    I: ParallelIterator,
    F: Fn(I::Item) -> U + Sync + Send,
    U: IntoIterator,
    U::Item: Send,
{
    type Item = U::Item;
    type SeqIter = iter::FlatMap<I::SeqIter, U, F>;
    fn with_producer<CB: ProducerCallback<U::Item>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(FlatMapIterCallback {
            callback,
            f: &self.f,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter().flat_map(self.f)
    }
}

// --- flat_map ---------------------------------------------------------------

/// [`ParallelIterator::flat_map`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct FlatMap<I, F> {
    base: I,
    f: F,
}

impl<I, F> FlatMap<I, F> {
    pub(crate) fn new(base: I, f: F) -> Self {
        FlatMap { base, f }
    }
}

/// The sequential iterator of [`FlatMap`]: each inner parallel iterator is
/// walked in order on the thread that runs the piece.
pub struct FlatMapSeq<It, F, U: IntoParallelIterator> {
    base: It,
    f: F,
    inner: Option<<U::Iter as ParallelIterator>::SeqIter>,
}

impl<It, F, U: IntoParallelIterator> std::fmt::Debug for FlatMapSeq<It, F, U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlatMapSeq").finish_non_exhaustive()
    }
}

impl<It, F, U> Iterator for FlatMapSeq<It, F, U>
where
    It: Iterator,
    F: FnMut(It::Item) -> U,
    U: IntoParallelIterator,
{
    type Item = U::Item;

    fn next(&mut self) -> Option<U::Item> {
        loop {
            if let Some(item) = self.inner.as_mut().and_then(Iterator::next) {
                return Some(item);
            }
            let next = self.base.next()?;
            self.inner = Some((self.f)(next).into_par_iter().into_seq_iter());
        }
    }
}

struct FlatMapProducer<'f, P, F> {
    base: P,
    f: &'f F,
}

impl<'f, P, F, U> Producer for FlatMapProducer<'f, P, F>
where
    P: Producer,
    F: Fn(P::Item) -> U + Sync,
    U: IntoParallelIterator,
{
    type Item = U::Item;
    type IntoIter = FlatMapSeq<P::IntoIter, &'f F, U>;
    fn into_iter(self) -> Self::IntoIter {
        FlatMapSeq {
            base: self.base.into_iter(),
            f: self.f,
            inner: None,
        }
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        let f = self.f;
        (
            FlatMapProducer { base: a, f },
            FlatMapProducer { base: b, f },
        )
    }
    fn strategy(&self) -> Option<Strategy> {
        self.base.strategy()
    }
}

struct FlatMapCallback<'f, CB, F> {
    callback: CB,
    f: &'f F,
}

impl<T, U, CB, F> ProducerCallback<T> for FlatMapCallback<'_, CB, F>
where
    CB: ProducerCallback<U::Item>,
    F: Fn(T) -> U + Sync,
    U: IntoParallelIterator,
{
    type Output = CB::Output;
    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(FlatMapProducer { base, f: self.f })
    }
}

impl<I, F, U> ParallelIterator for FlatMap<I, F>
where
    I: ParallelIterator,
    F: Fn(I::Item) -> U + Sync + Send,
    U: IntoParallelIterator,
{
    type Item = U::Item;
    type SeqIter = FlatMapSeq<I::SeqIter, F, U>;
    fn with_producer<CB: ProducerCallback<U::Item>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(FlatMapCallback {
            callback,
            f: &self.f,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        FlatMapSeq {
            base: self.base.into_seq_iter(),
            f: self.f,
            inner: None,
        }
    }
}

// --- copied, cloned ---------------------------------------------------------

/// [`ParallelIterator::copied`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct Copied<I> {
    base: I,
}

/// [`ParallelIterator::cloned`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct Cloned<I> {
    base: I,
}

impl<I> Copied<I> {
    pub(crate) fn new(base: I) -> Self {
        Copied { base }
    }
}

impl<I> Cloned<I> {
    pub(crate) fn new(base: I) -> Self {
        Cloned { base }
    }
}

struct CopiedProducer<P>(P);
struct ClonedProducer<P>(P);

impl<'a, T, P> Producer for CopiedProducer<P>
where
    T: Copy + 'a,
    P: Producer<Item = &'a T>,
{
    type Item = T;
    type IntoIter = iter::Copied<P::IntoIter>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().copied()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at(index);
        (CopiedProducer(a), CopiedProducer(b))
    }
    fn strategy(&self) -> Option<Strategy> {
        self.0.strategy()
    }
}

impl<'a, T, P> Producer for ClonedProducer<P>
where
    T: Clone + 'a,
    P: Producer<Item = &'a T>,
{
    type Item = T;
    type IntoIter = iter::Cloned<P::IntoIter>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().cloned()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at(index);
        (ClonedProducer(a), ClonedProducer(b))
    }
    fn strategy(&self) -> Option<Strategy> {
        self.0.strategy()
    }
}

struct CopiedCallback<CB>(CB);
struct ClonedCallback<CB>(CB);

impl<'a, T: Copy + 'a, CB: ProducerCallback<T>> ProducerCallback<&'a T> for CopiedCallback<CB> {
    type Output = CB::Output;
    fn callback<P: Producer<Item = &'a T>>(self, base: P) -> CB::Output {
        self.0.callback(CopiedProducer(base))
    }
}

impl<'a, T: Clone + 'a, CB: ProducerCallback<T>> ProducerCallback<&'a T> for ClonedCallback<CB> {
    type Output = CB::Output;
    fn callback<P: Producer<Item = &'a T>>(self, base: P) -> CB::Output {
        self.0.callback(ClonedProducer(base))
    }
}

impl<'a, T, I> ParallelIterator for Copied<I>
where
    T: Copy + Send + Sync + 'a,
    I: ParallelIterator<Item = &'a T>,
{
    type Item = T;
    type SeqIter = iter::Copied<I::SeqIter>;
    fn with_producer<CB: ProducerCallback<T>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(CopiedCallback(callback))
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter().copied()
    }
    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

impl<'a, T, I> IndexedParallelIterator for Copied<I>
where
    T: Copy + Send + Sync + 'a,
    I: IndexedParallelIterator<Item = &'a T>,
{
    fn len(&self) -> usize {
        self.base.len()
    }
}

impl<'a, T, I> ParallelIterator for Cloned<I>
where
    T: Clone + Send + Sync + 'a,
    I: ParallelIterator<Item = &'a T>,
{
    type Item = T;
    type SeqIter = iter::Cloned<I::SeqIter>;
    fn with_producer<CB: ProducerCallback<T>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(ClonedCallback(callback))
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter().cloned()
    }
    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

impl<'a, T, I> IndexedParallelIterator for Cloned<I>
where
    T: Clone + Send + Sync + 'a,
    I: IndexedParallelIterator<Item = &'a T>,
{
    fn len(&self) -> usize {
        self.base.len()
    }
}

// --- enumerate --------------------------------------------------------------

/// [`IndexedParallelIterator::enumerate`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct Enumerate<I> {
    base: I,
}

impl<I> Enumerate<I> {
    pub(crate) fn new(base: I) -> Self {
        Enumerate { base }
    }
}

struct EnumerateProducer<P> {
    base: P,
    offset: usize,
}

impl<P: Producer> Producer for EnumerateProducer<P> {
    type Item = (usize, P::Item);
    type IntoIter = iter::Zip<std::ops::Range<usize>, P::IntoIter>;
    fn into_iter(self) -> Self::IntoIter {
        let end = self.offset + self.base.len();
        (self.offset..end).zip(self.base.into_iter())
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        (
            EnumerateProducer {
                base: a,
                offset: self.offset,
            },
            EnumerateProducer {
                base: b,
                offset: self.offset + index,
            },
        )
    }
    fn strategy(&self) -> Option<Strategy> {
        self.base.strategy()
    }
}

struct EnumerateCallback<CB>(CB);

impl<T, CB: ProducerCallback<(usize, T)>> ProducerCallback<T> for EnumerateCallback<CB> {
    type Output = CB::Output;
    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.0.callback(EnumerateProducer { base, offset: 0 })
    }
}

impl<I: IndexedParallelIterator> ParallelIterator for Enumerate<I> {
    type Item = (usize, I::Item);
    type SeqIter = iter::Enumerate<I::SeqIter>;
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(EnumerateCallback(callback))
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter().enumerate()
    }
    fn opt_len(&self) -> Option<usize> {
        Some(self.base.len())
    }
}

impl<I: IndexedParallelIterator> IndexedParallelIterator for Enumerate<I> {
    fn len(&self) -> usize {
        self.base.len()
    }
}

// --- zip --------------------------------------------------------------------

/// [`IndexedParallelIterator::zip`]: as long as the shorter of the two.
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct Zip<A, B> {
    a: A,
    b: B,
}

impl<A, B> Zip<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Zip { a, b }
    }
}

struct ZipProducer<A, B> {
    a: A,
    b: B,
}

impl<A: Producer, B: Producer> ZipProducer<A, B> {
    /// Both sides cut to the shorter length, so that units line up.
    fn new(a: A, b: B) -> Self {
        let len = a.len().min(b.len());
        let a = if a.len() > len { a.split_at(len).0 } else { a };
        let b = if b.len() > len { b.split_at(len).0 } else { b };
        ZipProducer { a, b }
    }
}

impl<A: Producer, B: Producer> Producer for ZipProducer<A, B> {
    type Item = (A::Item, B::Item);
    type IntoIter = iter::Zip<A::IntoIter, B::IntoIter>;
    fn into_iter(self) -> Self::IntoIter {
        self.a.into_iter().zip(self.b.into_iter())
    }
    fn len(&self) -> usize {
        self.a.len().min(self.b.len())
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a1, a2) = self.a.split_at(index);
        let (b1, b2) = self.b.split_at(index);
        (ZipProducer { a: a1, b: b1 }, ZipProducer { a: a2, b: b2 })
    }
    fn strategy(&self) -> Option<Strategy> {
        self.a.strategy().or_else(|| self.b.strategy())
    }
}

/// Receives A's producer, then asks B for its own.
struct ZipCallbackA<CB, B> {
    callback: CB,
    b: B,
}

struct ZipCallbackB<CB, PA> {
    callback: CB,
    a: PA,
}

impl<CB, B, TA> ProducerCallback<TA> for ZipCallbackA<CB, B>
where
    B: IndexedParallelIterator,
    CB: ProducerCallback<(TA, B::Item)>,
{
    type Output = CB::Output;
    fn callback<PA: Producer<Item = TA>>(self, a: PA) -> CB::Output {
        self.b.with_producer(ZipCallbackB {
            callback: self.callback,
            a,
        })
    }
}

impl<CB, PA, TB> ProducerCallback<TB> for ZipCallbackB<CB, PA>
where
    PA: Producer,
    CB: ProducerCallback<(PA::Item, TB)>,
{
    type Output = CB::Output;
    fn callback<PB: Producer<Item = TB>>(self, b: PB) -> CB::Output {
        self.callback.callback(ZipProducer::new(self.a, b))
    }
}

impl<A: IndexedParallelIterator, B: IndexedParallelIterator> ParallelIterator for Zip<A, B> {
    type Item = (A::Item, B::Item);
    type SeqIter = iter::Zip<A::SeqIter, B::SeqIter>;
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        self.a.with_producer(ZipCallbackA {
            callback,
            b: self.b,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.a.into_seq_iter().zip(self.b.into_seq_iter())
    }
    fn opt_len(&self) -> Option<usize> {
        Some(IndexedParallelIterator::len(self))
    }
}

impl<A: IndexedParallelIterator, B: IndexedParallelIterator> IndexedParallelIterator for Zip<A, B> {
    fn len(&self) -> usize {
        self.a.len().min(self.b.len())
    }
}

// --- fold -------------------------------------------------------------------

/// [`ParallelIterator::fold`]: one accumulator per piece.
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct Fold<I, ID, F> {
    base: I,
    identity: ID,
    fold_op: F,
}

impl<I, ID, F> Fold<I, ID, F> {
    pub(crate) fn new(base: I, identity: ID, fold_op: F) -> Self {
        Fold {
            base,
            identity,
            fold_op,
        }
    }
}

struct FoldProducer<'f, P, ID, F> {
    base: P,
    identity: &'f ID,
    fold_op: &'f F,
}

impl<P, ID, F, T> Producer for FoldProducer<'_, P, ID, F>
where
    P: Producer,
    ID: Fn() -> T + Sync,
    F: Fn(T, P::Item) -> T + Sync,
{
    type Item = T;
    type IntoIter = iter::Once<T>;
    fn into_iter(self) -> Self::IntoIter {
        iter::once(self.base.into_iter().fold((self.identity)(), self.fold_op))
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        let (identity, fold_op) = (self.identity, self.fold_op);
        (
            FoldProducer {
                base: a,
                identity,
                fold_op,
            },
            FoldProducer {
                base: b,
                identity,
                fold_op,
            },
        )
    }
    fn strategy(&self) -> Option<Strategy> {
        self.base.strategy()
    }
}

struct FoldCallback<'f, CB, ID, F> {
    callback: CB,
    identity: &'f ID,
    fold_op: &'f F,
}

impl<Item, T, CB, ID, F> ProducerCallback<Item> for FoldCallback<'_, CB, ID, F>
where
    CB: ProducerCallback<T>,
    ID: Fn() -> T + Sync,
    F: Fn(T, Item) -> T + Sync,
{
    type Output = CB::Output;
    fn callback<P: Producer<Item = Item>>(self, base: P) -> CB::Output {
        self.callback.callback(FoldProducer {
            base,
            identity: self.identity,
            fold_op: self.fold_op,
        })
    }
}

impl<I, ID, F, T> ParallelIterator for Fold<I, ID, F>
where
    I: ParallelIterator,
    ID: Fn() -> T + Sync + Send,
    F: Fn(T, I::Item) -> T + Sync + Send,
    T: Send,
{
    type Item = T;
    type SeqIter = iter::Once<T>;
    fn with_producer<CB: ProducerCallback<T>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(FoldCallback {
            callback,
            identity: &self.identity,
            fold_op: &self.fold_op,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        iter::once(
            self.base
                .into_seq_iter()
                .fold((self.identity)(), self.fold_op),
        )
    }
}

// --- with_strategy, with_grain ----------------------------------------------

/// What [`WithStrategy`] sets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Setting {
    Strategy(Strategy),
    Grain(usize),
}

impl Setting {
    fn apply(self, inner: Option<Strategy>) -> Strategy {
        match self {
            Setting::Strategy(strategy) => strategy,
            Setting::Grain(grain) => inner.unwrap_or_default().with_grain(grain),
        }
    }
}

/// [`ParallelIterator::with_strategy`] and [`ParallelIterator::with_grain`].
#[derive(Debug, Clone)]
#[must_use = "parallel iterators do nothing until consumed"]
pub struct WithStrategy<I> {
    base: I,
    setting: Setting,
}

impl<I> WithStrategy<I> {
    pub(crate) fn new(base: I, setting: Setting) -> Self {
        WithStrategy { base, setting }
    }
}

struct StrategyProducer<P> {
    base: P,
    setting: Setting,
}

impl<P: Producer> Producer for StrategyProducer<P> {
    type Item = P::Item;
    type IntoIter = P::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        self.base.into_iter()
    }
    fn len(&self) -> usize {
        self.base.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.base.split_at(index);
        let setting = self.setting;
        (
            StrategyProducer { base: a, setting },
            StrategyProducer { base: b, setting },
        )
    }
    fn strategy(&self) -> Option<Strategy> {
        Some(self.setting.apply(self.base.strategy()))
    }
}

struct StrategyCallback<CB> {
    callback: CB,
    setting: Setting,
}

impl<T, CB: ProducerCallback<T>> ProducerCallback<T> for StrategyCallback<CB> {
    type Output = CB::Output;
    fn callback<P: Producer<Item = T>>(self, base: P) -> CB::Output {
        self.callback.callback(StrategyProducer {
            base,
            setting: self.setting,
        })
    }
}

impl<I: ParallelIterator> ParallelIterator for WithStrategy<I> {
    type Item = I::Item;
    type SeqIter = I::SeqIter;
    fn with_producer<CB: ProducerCallback<I::Item>>(self, callback: CB) -> CB::Output {
        self.base.with_producer(StrategyCallback {
            callback,
            setting: self.setting,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.base.into_seq_iter()
    }
    fn opt_len(&self) -> Option<usize> {
        self.base.opt_len()
    }
}

impl<I: IndexedParallelIterator> IndexedParallelIterator for WithStrategy<I> {
    fn len(&self) -> usize {
        self.base.len()
    }
}

//! Consumers: what runs on each piece (a [`Leaf`]) and how pieces combine.

use std::cmp::Ordering;
use std::iter::{Product, Sum};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use super::plumbing::{Producer, ProducerCallback};
use super::ParallelIterator;
use crate::bridge::{bridge, Piece, Plan};
use crate::pool::with_registry;

/// What a consumer does with one piece's items.
pub(crate) trait Leaf<Item>: Sync {
    type Output: Send;
    fn run<I: Iterator<Item = Item>>(&self, piece: Piece, items: I) -> Self::Output;
}

/// Runs `leaf` on every piece of `iter` and folds the outputs with
/// `combine`, in order, on the current pool.
pub(crate) fn drive<I, L, C>(iter: I, leaf: L, combine: C) -> L::Output
where
    I: ParallelIterator,
    L: Leaf<I::Item>,
    C: Fn(L::Output, L::Output) -> L::Output + Sync,
{
    iter.with_producer(Drive { leaf, combine })
}

struct Drive<L, C> {
    leaf: L,
    combine: C,
}

impl<Item, L, C> ProducerCallback<Item> for Drive<L, C>
where
    L: Leaf<Item>,
    C: Fn(L::Output, L::Output) -> L::Output + Sync,
{
    type Output = L::Output;
    fn callback<P: Producer<Item = Item>>(self, producer: P) -> L::Output {
        let strategy = producer.strategy().unwrap_or_default();
        let leaf = &self.leaf;
        with_registry(|registry| {
            let plan = Plan {
                registry,
                strategy,
                base: 0,
            };
            bridge(
                &plan,
                producer,
                &|piece, producer: P| leaf.run(piece, producer.into_iter()),
                &self.combine,
            )
        })
    }
}

struct ForEach<F>(F);

impl<T, F: Fn(T) + Sync> Leaf<T> for ForEach<F> {
    type Output = ();
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) {
        items.for_each(&self.0);
    }
}

pub(crate) fn for_each<I: ParallelIterator, F: Fn(I::Item) + Sync>(iter: I, f: F) {
    drive(iter, ForEach(f), |(), ()| ())
}

struct SumLeaf<S>(PhantomData<fn() -> S>);

impl<T, S: Send + Sum<T>> Leaf<T> for SumLeaf<S> {
    type Output = S;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> S {
        items.sum()
    }
}

pub(crate) fn sum<I, S>(iter: I) -> S
where
    I: ParallelIterator,
    S: Send + Sum<I::Item> + Sum<S>,
{
    drive(iter, SumLeaf(PhantomData), |a, b| [a, b].into_iter().sum())
}

struct ProductLeaf<P>(PhantomData<fn() -> P>);

impl<T, P: Send + Product<T>> Leaf<T> for ProductLeaf<P> {
    type Output = P;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> P {
        items.product()
    }
}

pub(crate) fn product<I, P>(iter: I) -> P
where
    I: ParallelIterator,
    P: Send + Product<I::Item> + Product<P>,
{
    drive(iter, ProductLeaf(PhantomData), |a, b| {
        [a, b].into_iter().product()
    })
}

struct ReduceLeaf<'a, ID, OP> {
    identity: &'a ID,
    op: &'a OP,
}

impl<T: Send, ID, OP> Leaf<T> for ReduceLeaf<'_, ID, OP>
where
    ID: Fn() -> T + Sync,
    OP: Fn(T, T) -> T + Sync,
{
    type Output = T;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> T {
        items.fold((self.identity)(), self.op)
    }
}

pub(crate) fn reduce<I, ID, OP>(iter: I, identity: ID, op: OP) -> I::Item
where
    I: ParallelIterator,
    ID: Fn() -> I::Item + Sync,
    OP: Fn(I::Item, I::Item) -> I::Item + Sync,
{
    let leaf = ReduceLeaf {
        identity: &identity,
        op: &op,
    };
    drive(iter, leaf, &op)
}

struct ReduceWithLeaf<'a, OP>(&'a OP);

impl<T: Send, OP: Fn(T, T) -> T + Sync> Leaf<T> for ReduceWithLeaf<'_, OP> {
    type Output = Option<T>;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> Option<T> {
        items.reduce(self.0)
    }
}

pub(crate) fn reduce_with<I, OP>(iter: I, op: OP) -> Option<I::Item>
where
    I: ParallelIterator,
    OP: Fn(I::Item, I::Item) -> I::Item + Sync,
{
    drive(iter, ReduceWithLeaf(&op), |a, b| match (a, b) {
        (Some(a), Some(b)) => Some(op(a, b)),
        (a, None) => a,
        (None, b) => b,
    })
}

struct CountLeaf;

impl<T> Leaf<T> for CountLeaf {
    type Output = usize;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> usize {
        items.count()
    }
}

pub(crate) fn count<I: ParallelIterator>(iter: I) -> usize {
    drive(iter, CountLeaf, |a, b| a + b)
}

/// The better of two candidates, in order: for a minimum the first of
/// equals wins, for a maximum the last (as `Iterator::min_by`/`max_by`).
fn pick<T>(
    a: Option<T>,
    b: Option<T>,
    compare: impl Fn(&T, &T) -> Ordering,
    max: bool,
) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let b_wins = match compare(&b, &a) {
                Ordering::Less => !max,
                Ordering::Equal => max,
                Ordering::Greater => max,
            };
            Some(if b_wins { b } else { a })
        }
        (a, None) => a,
        (None, b) => b,
    }
}

struct MinMaxLeaf<'a, F> {
    compare: &'a F,
    max: bool,
}

impl<T: Send, F: Fn(&T, &T) -> Ordering + Sync> Leaf<T> for MinMaxLeaf<'_, F> {
    type Output = Option<T>;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> Option<T> {
        if self.max {
            items.max_by(self.compare)
        } else {
            items.min_by(self.compare)
        }
    }
}

pub(crate) fn min_by<I, F>(iter: I, compare: F) -> Option<I::Item>
where
    I: ParallelIterator,
    F: Fn(&I::Item, &I::Item) -> Ordering + Sync,
{
    let leaf = MinMaxLeaf {
        compare: &compare,
        max: false,
    };
    drive(iter, leaf, |a, b| pick(a, b, &compare, false))
}

pub(crate) fn max_by<I, F>(iter: I, compare: F) -> Option<I::Item>
where
    I: ParallelIterator,
    F: Fn(&I::Item, &I::Item) -> Ordering + Sync,
{
    let leaf = MinMaxLeaf {
        compare: &compare,
        max: true,
    };
    drive(iter, leaf, |a, b| pick(a, b, &compare, true))
}

struct ByKeyLeaf<'a, F> {
    key: &'a F,
    max: bool,
}

impl<T: Send, K: Ord + Send, F: Fn(&T) -> K + Sync> Leaf<T> for ByKeyLeaf<'_, F> {
    type Output = Option<(K, T)>;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> Option<(K, T)> {
        let keyed = items.map(|item| ((self.key)(&item), item));
        if self.max {
            keyed.max_by(|a, b| a.0.cmp(&b.0))
        } else {
            keyed.min_by(|a, b| a.0.cmp(&b.0))
        }
    }
}

pub(crate) fn by_key<I, K, F>(iter: I, key: F, max: bool) -> Option<I::Item>
where
    I: ParallelIterator,
    K: Ord + Send,
    F: Fn(&I::Item) -> K + Sync,
{
    let leaf = ByKeyLeaf { key: &key, max };
    drive(iter, leaf, |a, b| pick(a, b, |a, b| a.0.cmp(&b.0), max)).map(|(_, item)| item)
}

/// Searches with a shared flag: a piece that finds a match raises it, and
/// every piece checks it before each item, so the search stops soon after
/// the first match anywhere.
struct FindLeaf<'a, P> {
    predicate: &'a P,
    found: &'a AtomicBool,
}

impl<T: Send, P: Fn(&T) -> bool + Sync> Leaf<T> for FindLeaf<'_, P> {
    type Output = Option<T>;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> Option<T> {
        for item in items {
            if self.found.load(AtomicOrdering::Relaxed) {
                return None;
            }
            if (self.predicate)(&item) {
                self.found.store(true, AtomicOrdering::Relaxed);
                return Some(item);
            }
        }
        None
    }
}

pub(crate) fn find_any<I, P>(iter: I, predicate: P) -> Option<I::Item>
where
    I: ParallelIterator,
    P: Fn(&I::Item) -> bool + Sync,
{
    let found = AtomicBool::new(false);
    let leaf = FindLeaf {
        predicate: &predicate,
        found: &found,
    };
    drive(iter, leaf, |a, b| a.or(b))
}

struct AnyLeaf<'a, P> {
    predicate: &'a P,
    found: &'a AtomicBool,
}

impl<T, P: Fn(T) -> bool + Sync> Leaf<T> for AnyLeaf<'_, P> {
    type Output = bool;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> bool {
        for item in items {
            if self.found.load(AtomicOrdering::Relaxed) {
                return false;
            }
            if (self.predicate)(item) {
                self.found.store(true, AtomicOrdering::Relaxed);
                return true;
            }
        }
        false
    }
}

pub(crate) fn any<I, P>(iter: I, predicate: P) -> bool
where
    I: ParallelIterator,
    P: Fn(I::Item) -> bool + Sync,
{
    let found = AtomicBool::new(false);
    let leaf = AnyLeaf {
        predicate: &predicate,
        found: &found,
    };
    drive(iter, leaf, |a, b| a || b)
}

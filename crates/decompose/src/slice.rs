//! Parallel methods on slices: chunks and sorting.

use std::cmp::Ordering;

use crate::iter::{Chunks, ChunksMut};
use crate::sort;

/// Parallel methods on `&[T]`.
pub trait ParallelSlice<T: Sync> {
    /// A parallel iterator over `chunk_size`-long chunks (the last may be
    /// shorter), as `slice::chunks`.
    ///
    /// # Panics
    ///
    /// If `chunk_size` is 0, as `slice::chunks`.
    fn par_chunks(&self, chunk_size: usize) -> Chunks<'_, T>;
}

impl<T: Sync> ParallelSlice<T> for [T] {
    fn par_chunks(&self, chunk_size: usize) -> Chunks<'_, T> {
        Chunks::new(self, chunk_size)
    }
}

/// Parallel methods on `&mut [T]`: mutable chunks and sorting.
///
/// ```
/// use cvp_decompose::prelude::*;
/// let mut v: Vec<u32> = (0..10_000).rev().collect();
/// v.par_sort_unstable();
/// assert!(v.windows(2).all(|w| w[0] <= w[1]));
/// let mut pairs = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd')];
/// pairs.par_sort_by_key(|p| p.0); // stable: equal keys keep their order
/// assert_eq!(pairs, [(1, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]);
/// ```
pub trait ParallelSliceMut<T: Send> {
    /// A parallel iterator over `chunk_size`-long mutable chunks (the last
    /// may be shorter), as `slice::chunks_mut`.
    ///
    /// # Panics
    ///
    /// If `chunk_size` is 0, as `slice::chunks_mut`.
    fn par_chunks_mut(&mut self, chunk_size: usize) -> ChunksMut<'_, T>;

    /// Sorts stably (equal items keep their order): a parallel merge sort
    /// over `std`'s stable sort.
    fn par_sort(&mut self)
    where
        T: Ord;

    /// Sorts stably by `compare`.
    fn par_sort_by<F>(&mut self, compare: F)
    where
        F: Fn(&T, &T) -> Ordering + Sync;

    /// Sorts stably by `key`.
    fn par_sort_by_key<K, F>(&mut self, key: F)
    where
        K: Ord,
        F: Fn(&T) -> K + Sync;

    /// Sorts without keeping the order of equal items: a parallel
    /// quicksort over `std`'s unstable sort.
    fn par_sort_unstable(&mut self)
    where
        T: Ord;

    /// Sorts unstably by `compare`.
    fn par_sort_unstable_by<F>(&mut self, compare: F)
    where
        F: Fn(&T, &T) -> Ordering + Sync;

    /// Sorts unstably by `key`.
    fn par_sort_unstable_by_key<K, F>(&mut self, key: F)
    where
        K: Ord,
        F: Fn(&T) -> K + Sync;
}

impl<T: Send> ParallelSliceMut<T> for [T] {
    fn par_chunks_mut(&mut self, chunk_size: usize) -> ChunksMut<'_, T> {
        ChunksMut::new(self, chunk_size)
    }

    fn par_sort(&mut self)
    where
        T: Ord,
    {
        sort::stable(self, &T::cmp);
    }

    fn par_sort_by<F>(&mut self, compare: F)
    where
        F: Fn(&T, &T) -> Ordering + Sync,
    {
        sort::stable(self, &compare);
    }

    fn par_sort_by_key<K, F>(&mut self, key: F)
    where
        K: Ord,
        F: Fn(&T) -> K + Sync,
    {
        sort::stable(self, &|a: &T, b: &T| key(a).cmp(&key(b)));
    }

    fn par_sort_unstable(&mut self)
    where
        T: Ord,
    {
        sort::unstable(self, &T::cmp);
    }

    fn par_sort_unstable_by<F>(&mut self, compare: F)
    where
        F: Fn(&T, &T) -> Ordering + Sync,
    {
        sort::unstable(self, &compare);
    }

    fn par_sort_unstable_by_key<K, F>(&mut self, key: F)
    where
        K: Ord,
        F: Fn(&T) -> K + Sync,
    {
        sort::unstable(self, &|a: &T, b: &T| key(a).cmp(&key(b)));
    }
}

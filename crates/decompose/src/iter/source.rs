//! Where parallel iterators start: slices, `Vec`s, ranges.

use std::marker::PhantomData;
use std::mem;
use std::ops::Range;
use std::ptr;
use std::slice;

use super::plumbing::{Producer, ProducerCallback};
use super::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};

/// A parallel iterator over `&T` of a slice ([`par_iter`](super::IntoParallelRefIterator::par_iter)).
#[derive(Debug, Clone)]
pub struct Iter<'a, T> {
    slice: &'a [T],
}

/// A parallel iterator over `&mut T` of a slice ([`par_iter_mut`](super::IntoParallelRefMutIterator::par_iter_mut)).
#[derive(Debug)]
pub struct IterMut<'a, T> {
    slice: &'a mut [T],
}

/// A parallel iterator over non-overlapping chunks of a slice
/// ([`par_chunks`](crate::ParallelSlice::par_chunks)).
#[derive(Debug, Clone)]
pub struct Chunks<'a, T> {
    slice: &'a [T],
    size: usize,
}

/// A parallel iterator over non-overlapping mutable chunks of a slice
/// ([`par_chunks_mut`](crate::ParallelSliceMut::par_chunks_mut)).
#[derive(Debug)]
pub struct ChunksMut<'a, T> {
    slice: &'a mut [T],
    size: usize,
}

/// A parallel iterator that moves the items out of a `Vec`.
#[derive(Debug, Clone)]
pub struct IntoIter<T> {
    vec: Vec<T>,
}

/// A parallel iterator over a range of integers.
#[derive(Debug, Clone)]
pub struct RangeIter<T> {
    range: Range<T>,
}

impl<'a, T> Iter<'a, T> {
    pub(crate) fn new(slice: &'a [T]) -> Self {
        Iter { slice }
    }
}

impl<'a, T> IterMut<'a, T> {
    pub(crate) fn new(slice: &'a mut [T]) -> Self {
        IterMut { slice }
    }
}

impl<'a, T> Chunks<'a, T> {
    pub(crate) fn new(slice: &'a [T], size: usize) -> Self {
        assert!(size != 0, "chunk size must be non-zero");
        Chunks { slice, size }
    }
}

impl<'a, T> ChunksMut<'a, T> {
    pub(crate) fn new(slice: &'a mut [T], size: usize) -> Self {
        assert!(size != 0, "chunk size must be non-zero");
        ChunksMut { slice, size }
    }
}

// --- slices -----------------------------------------------------------------

struct SliceProducer<'a, T>(&'a [T]);

impl<'a, T: Sync> Producer for SliceProducer<'a, T> {
    type Item = &'a T;
    type IntoIter = slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at(index);
        (SliceProducer(a), SliceProducer(b))
    }
}

impl<'a, T: Sync + 'a> ParallelIterator for Iter<'a, T> {
    type Item = &'a T;
    type SeqIter = slice::Iter<'a, T>;
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        callback.callback(SliceProducer(self.slice))
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.slice.iter()
    }
    fn opt_len(&self) -> Option<usize> {
        Some(self.slice.len())
    }
}

impl<'a, T: Sync + 'a> IndexedParallelIterator for Iter<'a, T> {
    fn len(&self) -> usize {
        self.slice.len()
    }
}

struct SliceMutProducer<'a, T>(&'a mut [T]);

impl<'a, T: Send> Producer for SliceMutProducer<'a, T> {
    type Item = &'a mut T;
    type IntoIter = slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at_mut(index);
        (SliceMutProducer(a), SliceMutProducer(b))
    }
}

impl<'a, T: Send + 'a> ParallelIterator for IterMut<'a, T> {
    type Item = &'a mut T;
    type SeqIter = slice::IterMut<'a, T>;
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        callback.callback(SliceMutProducer(self.slice))
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.slice.iter_mut()
    }
    fn opt_len(&self) -> Option<usize> {
        Some(self.slice.len())
    }
}

impl<'a, T: Send + 'a> IndexedParallelIterator for IterMut<'a, T> {
    fn len(&self) -> usize {
        self.slice.len()
    }
}

struct ChunksProducer<'a, T> {
    slice: &'a [T],
    size: usize,
}

impl<'a, T: Sync> Producer for ChunksProducer<'a, T> {
    type Item = &'a [T];
    type IntoIter = slice::Chunks<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.slice.chunks(self.size)
    }
    fn len(&self) -> usize {
        self.slice.len().div_ceil(self.size)
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let at = index.saturating_mul(self.size).min(self.slice.len());
        let (a, b) = self.slice.split_at(at);
        let size = self.size;
        (
            ChunksProducer { slice: a, size },
            ChunksProducer { slice: b, size },
        )
    }
}

impl<'a, T: Sync + 'a> ParallelIterator for Chunks<'a, T> {
    type Item = &'a [T];
    type SeqIter = slice::Chunks<'a, T>;
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        callback.callback(ChunksProducer {
            slice: self.slice,
            size: self.size,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.slice.chunks(self.size)
    }
    fn opt_len(&self) -> Option<usize> {
        Some(IndexedParallelIterator::len(self))
    }
}

impl<'a, T: Sync + 'a> IndexedParallelIterator for Chunks<'a, T> {
    fn len(&self) -> usize {
        self.slice.len().div_ceil(self.size)
    }
}

struct ChunksMutProducer<'a, T> {
    slice: &'a mut [T],
    size: usize,
}

impl<'a, T: Send> Producer for ChunksMutProducer<'a, T> {
    type Item = &'a mut [T];
    type IntoIter = slice::ChunksMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.slice.chunks_mut(self.size)
    }
    fn len(&self) -> usize {
        self.slice.len().div_ceil(self.size)
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let at = index.saturating_mul(self.size).min(self.slice.len());
        let (a, b) = self.slice.split_at_mut(at);
        let size = self.size;
        (
            ChunksMutProducer { slice: a, size },
            ChunksMutProducer { slice: b, size },
        )
    }
}

impl<'a, T: Send + 'a> ParallelIterator for ChunksMut<'a, T> {
    type Item = &'a mut [T];
    type SeqIter = slice::ChunksMut<'a, T>;
    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        callback.callback(ChunksMutProducer {
            slice: self.slice,
            size: self.size,
        })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.slice.chunks_mut(self.size)
    }
    fn opt_len(&self) -> Option<usize> {
        Some(IndexedParallelIterator::len(self))
    }
}

impl<'a, T: Send + 'a> IndexedParallelIterator for ChunksMut<'a, T> {
    fn len(&self) -> usize {
        self.slice.len().div_ceil(self.size)
    }
}

impl<'a, T: Sync + 'a> IntoParallelIterator for &'a [T] {
    type Item = &'a T;
    type Iter = Iter<'a, T>;
    fn into_par_iter(self) -> Self::Iter {
        Iter::new(self)
    }
}

impl<'a, T: Sync + 'a> IntoParallelIterator for &'a Vec<T> {
    type Item = &'a T;
    type Iter = Iter<'a, T>;
    fn into_par_iter(self) -> Self::Iter {
        Iter::new(self)
    }
}

impl<'a, T: Send + 'a> IntoParallelIterator for &'a mut [T] {
    type Item = &'a mut T;
    type Iter = IterMut<'a, T>;
    fn into_par_iter(self) -> Self::Iter {
        IterMut::new(self)
    }
}

impl<'a, T: Send + 'a> IntoParallelIterator for &'a mut Vec<T> {
    type Item = &'a mut T;
    type Iter = IterMut<'a, T>;
    fn into_par_iter(self) -> Self::Iter {
        IterMut::new(self)
    }
}

// --- Vec by value -----------------------------------------------------------

/// Owns the items of `slice` (moved out of a `Vec` whose length was set to
/// 0): each item is either moved out by the iterator or dropped here.
struct DrainProducer<'a, T> {
    slice: &'a mut [T],
}

impl<T> Drop for DrainProducer<'_, T> {
    fn drop(&mut self) {
        let slice = mem::take(&mut self.slice);
        // SAFETY: this producer owns every item of `slice` (see
        // `IntoIter::with_producer`), none was moved out yet, and the
        // slice was taken out of `self`, so nothing touches them again.
        unsafe { ptr::drop_in_place(slice) };
    }
}

impl<'a, T: Send> Producer for DrainProducer<'a, T> {
    type Item = T;
    type IntoIter = SliceDrain<'a, T>;
    fn into_iter(mut self) -> Self::IntoIter {
        // Taking the slice out leaves `self` empty, so its drop is a no-op
        // and ownership passes to the iterator.
        let slice = mem::take(&mut self.slice);
        SliceDrain {
            iter: slice.iter_mut(),
        }
    }
    fn len(&self) -> usize {
        self.slice.len()
    }
    fn split_at(mut self, index: usize) -> (Self, Self) {
        let slice = mem::take(&mut self.slice);
        let (a, b) = slice.split_at_mut(index);
        (DrainProducer { slice: a }, DrainProducer { slice: b })
    }
}

/// The sequential iterator of one piece of a `Vec` moved into a parallel
/// iterator: it moves items out and drops those it did not yield.
#[derive(Debug)]
pub struct SliceDrain<'a, T> {
    iter: slice::IterMut<'a, T>,
}

impl<T> Iterator for SliceDrain<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item: *mut T = self.iter.next()?;
        // SAFETY: the iterator owns the items of its slice (handed over by
        // `DrainProducer::into_iter`), and `IterMut` yields each exactly
        // once, so this is the one move out of that slot.
        Some(unsafe { ptr::read(item) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

impl<T> ExactSizeIterator for SliceDrain<'_, T> {}

impl<T> DoubleEndedIterator for SliceDrain<'_, T> {
    fn next_back(&mut self) -> Option<T> {
        let item: *mut T = self.iter.next_back()?;
        // SAFETY: as in `next`.
        Some(unsafe { ptr::read(item) })
    }
}

impl<T> Drop for SliceDrain<'_, T> {
    fn drop(&mut self) {
        let rest = mem::take(&mut self.iter).into_slice();
        // SAFETY: the slots not yet yielded are still owned by this
        // iterator and are dropped exactly once, here.
        unsafe { ptr::drop_in_place(rest) };
    }
}

impl<T: Send> ParallelIterator for IntoIter<T> {
    type Item = T;
    type SeqIter = std::vec::IntoIter<T>;
    fn with_producer<CB: ProducerCallback<Self::Item>>(mut self, callback: CB) -> CB::Output {
        let len = self.vec.len();
        // SAFETY: with the length at 0 the `Vec` only frees its buffer when
        // it drops; the items now belong to the producer, which moves or
        // drops each exactly once. `as_mut_ptr` points to `len` initialised
        // items, valid for the borrow of `self.vec` that the slice holds.
        let slice = unsafe {
            self.vec.set_len(0);
            slice::from_raw_parts_mut(self.vec.as_mut_ptr(), len)
        };
        // The producer and every piece of it are gone when `callback`
        // returns or unwinds, before `self.vec` frees the buffer.
        callback.callback(DrainProducer { slice })
    }
    fn into_seq_iter(self) -> Self::SeqIter {
        self.vec.into_iter()
    }
    fn opt_len(&self) -> Option<usize> {
        Some(self.vec.len())
    }
}

impl<T: Send> IndexedParallelIterator for IntoIter<T> {
    fn len(&self) -> usize {
        self.vec.len()
    }
}

impl<T: Send> IntoParallelIterator for Vec<T> {
    type Item = T;
    type Iter = IntoIter<T>;
    fn into_par_iter(self) -> Self::Iter {
        IntoIter { vec: self }
    }
}

// --- ranges -----------------------------------------------------------------

struct RangeProducer<T> {
    range: Range<T>,
    _marker: PhantomData<T>,
}

macro_rules! range_impls {
    ($($t:ty),*) => {$(
        impl Producer for RangeProducer<$t> {
            type Item = $t;
            type IntoIter = Range<$t>;
            fn into_iter(self) -> Self::IntoIter {
                self.range
            }
            fn len(&self) -> usize {
                range_len(self.range.start as i128, self.range.end as i128)
            }
            fn split_at(self, index: usize) -> (Self, Self) {
                // `index <= len`, so the sum stays inside the range.
                let mid = (self.range.start as i128 + index as i128) as $t;
                (
                    RangeProducer { range: self.range.start..mid, _marker: PhantomData },
                    RangeProducer { range: mid..self.range.end, _marker: PhantomData },
                )
            }
        }

        impl ParallelIterator for RangeIter<$t> {
            type Item = $t;
            type SeqIter = Range<$t>;
            fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
                callback.callback(RangeProducer { range: self.range, _marker: PhantomData })
            }
            fn into_seq_iter(self) -> Self::SeqIter {
                self.range
            }
            fn opt_len(&self) -> Option<usize> {
                Some(IndexedParallelIterator::len(self))
            }
        }

        impl IndexedParallelIterator for RangeIter<$t> {
            fn len(&self) -> usize {
                range_len(self.range.start as i128, self.range.end as i128)
            }
        }

        impl IntoParallelIterator for Range<$t> {
            type Item = $t;
            type Iter = RangeIter<$t>;
            fn into_par_iter(self) -> Self::Iter {
                RangeIter { range: self }
            }
        }
    )*};
}

range_impls!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// The length of `start..end`; a range longer than `usize::MAX` is cut
/// there (it could not be indexed anyway).
fn range_len(start: i128, end: i128) -> usize {
    usize::try_from((end - start).max(0)).unwrap_or(usize::MAX)
}

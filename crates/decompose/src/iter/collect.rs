//! `collect` into a `Vec`: in place for indexed iterators, by pieces for
//! the others.

use std::collections::LinkedList;
use std::marker::PhantomData;
use std::mem::{self, MaybeUninit};
use std::ptr;

use super::consume::{drive, Leaf};
use super::{
    FromParallelIterator, IndexedParallelIterator, IntoParallelIterator, ParallelIterator,
};
use crate::bridge::Piece;

impl<T: Send> FromParallelIterator<T> for Vec<T> {
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(iter: I) -> Vec<T> {
        let iter = iter.into_par_iter();
        let mut vec = Vec::new();
        match iter.opt_len() {
            Some(len) => collect_in_place(iter, len, &mut vec),
            None => collect_pieces(iter, &mut vec),
        }
        vec
    }
}

pub(crate) fn collect_into_vec<I: IndexedParallelIterator>(iter: I, target: &mut Vec<I::Item>) {
    target.clear();
    let len = iter.len();
    collect_in_place(iter, len, target);
}

/// Each piece collects into a `Vec`; the pieces are appended in order.
fn collect_pieces<I: ParallelIterator>(iter: I, target: &mut Vec<I::Item>) {
    let lists = drive(iter, PiecesLeaf(PhantomData), |mut a, mut b| {
        a.append(&mut b);
        a
    });
    target.reserve(lists.iter().map(Vec::len).sum());
    for mut list in lists {
        target.append(&mut list);
    }
}

struct PiecesLeaf<T>(PhantomData<fn() -> T>);

impl<T: Send> Leaf<T> for PiecesLeaf<T> {
    type Output = LinkedList<Vec<T>>;
    fn run<I: Iterator<Item = T>>(&self, _: Piece, items: I) -> Self::Output {
        let mut list = LinkedList::new();
        list.push_back(items.collect());
        list
    }
}

/// Writes the items of an iterator of `len` items straight into the spare
/// capacity of the empty `target`: the piece at offset `o` of length `n`
/// owns slots `o..o + n` and writes only there, so pieces never overlap
/// (the driver cut them). The results of adjacent pieces merge; when they
/// cover `0..len`, the vector takes them over.
fn collect_in_place<I: ParallelIterator>(iter: I, len: usize, target: &mut Vec<I::Item>) {
    debug_assert!(target.is_empty());
    target.reserve(len);
    let spare = &mut target.spare_capacity_mut()[..len];
    let leaf = CollectLeaf {
        slots: SendPtr(spare.as_mut_ptr()),
        len,
    };
    let written = drive(iter, leaf, CollectResult::merge);
    let start = spare.as_mut_ptr();
    if written.start.0 != start || written.len != len || written.broken {
        // Impossible for this crate's iterators; a producer that yields
        // fewer or more items than it claims gets here. `written` drops
        // what it owns.
        panic!(
            "parallel iterator produced {} items where its length said {len}",
            written.len
        );
    }
    mem::forget(written);
    // SAFETY: the merged result owned slots `0..len` of the spare
    // capacity, all initialised, and was forgotten, so the vector is now
    // their only owner. The vector was empty, so its length becomes `len`.
    unsafe { target.set_len(len) };
}

struct SendPtr<T>(*mut MaybeUninit<T>);

impl<T> Clone for SendPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SendPtr<T> {}

// SAFETY: the pointer is only used to write items (which are `Send`) into
// slots that one piece owns; moving it to another thread moves that right.
unsafe impl<T: Send> Send for SendPtr<T> {}
// SAFETY: shared between pieces, it is only offset, never dereferenced
// outside the slots of the piece that holds the offset.
unsafe impl<T: Send> Sync for SendPtr<T> {}

struct CollectLeaf<T> {
    slots: SendPtr<T>,
    /// The number of slots (the iterator's length).
    len: usize,
}

/// Initialised slots `start .. start + len` of the target, owned: dropped
/// with this value unless it is forgotten. `broken` marks a result that
/// lost contact with its neighbour (a piece yielded fewer or more items
/// than its length), which fails the collect.
struct CollectResult<T> {
    start: SendPtr<T>,
    len: usize,
    broken: bool,
    _owns: PhantomData<T>,
}

impl<T> CollectResult<T> {
    /// `a` then `b`: one result if they are adjacent.
    fn merge(mut a: Self, b: Self) -> Self {
        // SAFETY: `a.start + a.len` stays inside the target's spare
        // capacity (a piece writes only inside its own slots).
        let end = unsafe { a.start.0.add(a.len) };
        if !a.broken && !b.broken && end == b.start.0 {
            a.len += b.len;
            mem::forget(b);
        } else {
            a.broken = true;
            drop(b);
        }
        a
    }
}

impl<T> Drop for CollectResult<T> {
    fn drop(&mut self) {
        // SAFETY: the `len` slots from `start` were initialised by this
        // result's piece(s) and are owned by it alone (forgotten when
        // merged or handed to the vector), so they are dropped once.
        unsafe {
            let slots = ptr::slice_from_raw_parts_mut(self.start.0.cast::<T>(), self.len);
            ptr::drop_in_place(slots);
        }
    }
}

impl<T: Send> Leaf<T> for CollectLeaf<T> {
    type Output = CollectResult<T>;

    fn run<I: Iterator<Item = T>>(&self, piece: Piece, items: I) -> CollectResult<T> {
        // Never past the end of the target, whatever the piece claims.
        let offset = piece.offset.min(self.len);
        let end = piece.offset.saturating_add(piece.len).min(self.len);
        // SAFETY: `offset <= self.len`, inside the spare capacity.
        let start = unsafe { self.slots.0.add(offset) };
        let mut result = CollectResult {
            start: SendPtr(start),
            len: 0,
            broken: false,
            _owns: PhantomData,
        };
        // SAFETY: slots `offset..end` are inside the spare capacity and
        // belong to this piece alone (the driver cut the pieces disjoint),
        // so this is the only reference to them; `MaybeUninit` needs no
        // initialisation.
        let slots = unsafe { std::slice::from_raw_parts_mut(start, end - offset) };
        if items.size_hint().0 > slots.len() {
            // More items than units: a producer that breaks its contract.
            result.broken = true;
        }
        // A zip of two random-access iterators compiles to an indexed loop
        // (vectorised where the items allow); `result` counts each item as
        // soon as it is written, so a panic in the next one drops exactly
        // the written ones.
        for (slot, item) in slots.iter_mut().zip(items) {
            slot.write(item);
            result.len += 1;
        }
        result
    }
}

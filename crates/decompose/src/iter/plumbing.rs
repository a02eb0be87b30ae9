//! What a parallel iterator is made of: a splittable [`Producer`] of items,
//! and the callback through which an iterator hands its producer to a
//! consumer.
//!
//! A producer covers a number of *units* (`len`); it splits at any unit and
//! turns into a plain sequential iterator for one piece. For an indexed
//! iterator (slices, `Vec`, ranges, and `map`, `zip`, `enumerate`, ... of
//! them) a unit is one item, so a piece's position tells where its items go
//! (an in-place `collect` writes there). `filter`, `flat_map` and `fold`
//! keep their base's units but yield any number of items per piece.
//!
//! Most users never name these; they are public so that a crate can give its
//! own collections parallel iterators.

use crate::strategy::Strategy;

/// A splittable source of items.
pub trait Producer: Send + Sized {
    /// What the producer yields.
    type Item;
    /// The sequential iterator over one piece.
    type IntoIter: Iterator<Item = Self::Item>;

    /// The sequential iterator over this piece.
    fn into_iter(self) -> Self::IntoIter;

    /// The number of units this piece covers.
    fn len(&self) -> usize;

    /// Whether the piece covers no unit.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Splits into the first `index` units and the rest (`index <= len`).
    fn split_at(self, index: usize) -> (Self, Self);

    /// The split strategy chosen for this iterator, if one was (see
    /// [`ParallelIterator::with_strategy`](super::ParallelIterator::with_strategy)).
    /// Adaptors pass on their base's.
    fn strategy(&self) -> Option<Strategy> {
        None
    }
}

/// Receives an iterator's producer, whatever its type.
pub trait ProducerCallback<Item> {
    /// What the callback returns.
    type Output;

    /// Consumes the producer.
    fn callback<P: Producer<Item = Item>>(self, producer: P) -> Self::Output;
}

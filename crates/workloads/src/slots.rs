//! The values behind the indices of an erased reduce, for executors whose
//! workers do not share memory.
//!
//! Under [`Exec::map_reduce_slots`](crate::Exec::map_reduce_slots) a leaf
//! and a combine return `usize` indices into a store of the calling frame,
//! not values. An index means nothing to another process; a [`Slots`] lets
//! an executor reach the value behind one (to encode it) and put a value
//! that it received (decoded) into the store, knowing the values' type only
//! by its identity.

use std::any::TypeId;

/// A store of values of one type, reached by index and by untyped pointer.
///
/// Every value put is taken once by the reduce that owns the store; an
/// executor only reads values ([`with_value`](Slots::with_value)) and adds
/// values ([`put_with`](Slots::put_with)), each of which gives a new index
/// that it may pass to `combine` like an index that a leaf returned.
///
/// # Safety
/// An executor reads and writes through the pointers trusting the type that
/// [`value_type`](Slots::value_type) names, so an implementation must keep
/// the promises of the methods' documentation: `value_type` is
/// `typeid::of` of the type of every value in the store, `with_value` passes
/// a pointer to a live value of that type, valid for reads during the call,
/// and `put_with` passes one valid for writes of a value of that type and
/// aligned for it.
pub unsafe trait Slots: Sync {
    /// The type of the values, as [`typeid::of`] gives it: lifetimes are
    /// erased, so a match proves the type only against a type that has no
    /// lifetime parameters.
    fn value_type(&self) -> TypeId;

    /// The name of the values' type, for reports.
    fn type_name(&self) -> &'static str;

    /// Calls `f` with a pointer to the live value in slot `i`, which stays
    /// there. The pointer is valid for reads of one value of
    /// [`value_type`](Slots::value_type) during the call only. `f` must
    /// not use these slots: they may be locked during the call.
    ///
    /// # Panics
    /// If slot `i` holds no value (never put, or already taken).
    fn with_value(&self, i: usize, f: &mut dyn FnMut(*const ()));

    /// Puts a value written by `write` into a new slot and returns its
    /// index. `write` gets a pointer to uninitialised memory, valid for
    /// writes of one value of [`value_type`](Slots::value_type) and aligned
    /// for it; on an error nothing is put and the error is returned.
    ///
    /// # Safety
    /// When `write` returns `Ok`, it must have written one whole value of
    /// the values' type (the type [`value_type`](Slots::value_type)
    /// identifies, with the values' lifetimes) to the pointer. When it
    /// returns `Err`, whatever it wrote is forgotten, never dropped.
    unsafe fn put_with(
        &self,
        write: &mut dyn FnMut(*mut ()) -> Result<(), String>,
    ) -> Result<usize, String>;
}

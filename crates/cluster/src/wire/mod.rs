//! The wire encoding of partial results: how a `T` that `Exec::map_reduce`
//! knows only as `T: Send` crosses a process boundary.
//!
//! The [`Exec`](cvp_workloads::Exec) contract puts no serialisation bound on
//! a job's partial results, and a job is written once for every model, so the
//! cluster cannot ask for one. Instead it keeps a registry of the result types
//! it can encode (with bincode, through serde), looked up by the type's
//! identity at run time. A type that is not in the registry is not sent: the
//! reduce that produces it runs whole on every worker (replicated), and the
//! run counts it, so a report shows what was not distributed and why.
//!
//! The registry holds owned types without lifetime parameters only, which is
//! what makes the look-up sound: two such types with the same [`TypeId`] are
//! the same type.

use std::any::TypeId;
use std::mem::MaybeUninit;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// How to encode and decode one registered type, through untyped pointers.
pub(crate) struct Codec {
    id: TypeId,
    /// The type's name, for reports.
    pub(crate) name: &'static str,
    /// Appends the encoding of the `X` at the pointer to the buffer.
    encode: unsafe fn(*const (), &mut Vec<u8>) -> Result<(), String>,
    /// Decodes an `X` from the bytes and writes it to the (uninitialised)
    /// slot at the pointer; on an error it writes nothing.
    decode: unsafe fn(&[u8], *mut ()) -> Result<(), String>,
}

/// # Safety
/// `ptr` must point to a live, initialised `X`.
unsafe fn encode_erased<X: Serialize>(ptr: *const (), out: &mut Vec<u8>) -> Result<(), String> {
    // SAFETY: the caller passes a pointer to a live `X` (this function's
    // contract), so the reference is valid for the call.
    let value = unsafe { &*ptr.cast::<X>() };
    bincode::serialize_into(out, value).map_err(|e| e.to_string())
}

/// # Safety
/// `slot` must be valid for writes of an `X` and suitably aligned.
unsafe fn decode_erased<X: DeserializeOwned>(bytes: &[u8], slot: *mut ()) -> Result<(), String> {
    let value: X = bincode::deserialize(bytes).map_err(|e| e.to_string())?;
    // SAFETY: the caller passes a slot valid for writes of an aligned `X`
    // (this function's contract).
    unsafe { slot.cast::<X>().write(value) };
    Ok(())
}

/// The registry entry of `X`.
fn entry<X: Serialize + DeserializeOwned + 'static>() -> Codec {
    Codec {
        id: TypeId::of::<X>(),
        name: std::any::type_name::<X>(),
        encode: encode_erased::<X>,
        decode: decode_erased::<X>,
    }
}

/// Appends one registry entry per listed type and one for a `Vec` of it.
macro_rules! register {
    ($list:ident; $($t:ty),* $(,)?) => {
        $( $list.push(entry::<$t>()); $list.push(entry::<Vec<$t>>()); )*
    };
}

/// Every type the cluster can send: the scalars, `String`, vectors of
/// them, and the pairs and triples that the catalogue's jobs combine.
fn registry() -> &'static [Codec] {
    static REGISTRY: std::sync::OnceLock<Vec<Codec>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut list = Vec::with_capacity(64);
        register!(list; u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64, bool, String);
        register!(list; (i64, i64), (u64, u64), (usize, usize), (f64, f64), (u64, f64), (f64, u64));
        register!(list; (u64, u64, u64), (f64, f64, f64), (i64, i64, i64));
        register!(list; Vec<u8>, Vec<u64>, Vec<f64>, Option<u64>, Option<f64>);
        list
    })
}

/// The codec of `T`, if it has one.
pub(crate) fn codec_of<T>() -> Option<&'static Codec> {
    codec_by_id(typeid::of::<T>())
}

/// The codec of the type with identity `id` (as `typeid::of` gives it), if
/// it has one. Registered types are owned and have no lifetime parameters,
/// so a type whose lifetime-erased identity is a codec's is that codec's
/// type exactly.
pub(crate) fn codec_by_id(id: TypeId) -> Option<&'static Codec> {
    registry().iter().find(|c| c.id == id)
}

/// The name of `T`, for reports.
pub(crate) fn name_of<T>() -> &'static str {
    std::any::type_name::<T>()
}

impl Codec {
    /// Appends the encoding of `value` to `out`.
    ///
    /// # Panics
    /// If `T` is not the type of this codec (a bug of the caller).
    pub(crate) fn encode_with<T>(&self, value: &T, out: &mut Vec<u8>) -> Result<(), String> {
        assert!(typeid::of::<T>() == self.id, "codec of another type");
        // SAFETY: `T` has this codec's `TypeId`; registered types are owned and
        // have no lifetime parameters, so `T` is the registered `X`, and
        // `value` is a live `X`.
        unsafe { (self.encode)((value as *const T).cast(), out) }
    }

    /// Appends the encoding of the value at `value` to `out`.
    ///
    /// # Safety
    /// `value` must point to a live value of this codec's type.
    pub(crate) unsafe fn encode_raw(
        &self,
        value: *const (),
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        // SAFETY: the caller passes a pointer to a live value of this codec's
        // type, which is what `encode` expects.
        unsafe { (self.encode)(value, out) }
    }

    /// Decodes a value of this codec's type from `bytes` into `slot`; on an
    /// error it writes nothing.
    ///
    /// # Safety
    /// `slot` must be valid for writes of a value of this codec's type and
    /// aligned for it.
    pub(crate) unsafe fn decode_raw(&self, bytes: &[u8], slot: *mut ()) -> Result<(), String> {
        // SAFETY: the caller passes a slot valid for writes of an aligned
        // value of this codec's type, which is what `decode` expects.
        unsafe { (self.decode)(bytes, slot) }
    }

    /// Decodes a `T` from `bytes`.
    ///
    /// # Panics
    /// If `T` is not the type of this codec (a bug of the caller).
    pub(crate) fn decode_with<T>(&self, bytes: &[u8]) -> Result<T, String> {
        assert!(typeid::of::<T>() == self.id, "codec of another type");
        let mut slot = MaybeUninit::<T>::uninit();
        // SAFETY: `T` is the registered `X` (as in `encode_with`), and a
        // `MaybeUninit<T>` is valid for writes of an aligned `T`.
        unsafe { (self.decode)(bytes, slot.as_mut_ptr().cast()) }?;
        // SAFETY: `decode` returned Ok, so it wrote a whole `X` into the slot,
        // and `X` is `T` (same `TypeId`, no lifetime parameters).
        Ok(unsafe { slot.assume_init() })
    }
}

#[cfg(test)]
mod test;

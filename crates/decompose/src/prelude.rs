//! The traits a parallel-iterator user needs in scope:
//! `use cvp_decompose::prelude::*;`.

pub use crate::iter::{
    FromParallelIterator, IndexedParallelIterator, IntoParallelIterator, IntoParallelRefIterator,
    IntoParallelRefMutIterator, ParallelIterator,
};
pub use crate::slice::{ParallelSlice, ParallelSliceMut};

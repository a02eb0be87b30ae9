//! A runtime's cache of freed task cells, for the next spawn to reuse.
//!
//! A task cell is one heap allocation whose size depends only on its future's
//! type. When a task's last reference goes away on its runtime's thread, the
//! memory is kept here, by size, instead of going back to the allocator; the
//! next spawn of a future of that size takes it back. A burst of spawns that
//! all finish then costs one allocation per task once, not once per burst:
//! freeing a million cells in a row lets the allocator consolidate them and
//! return them to the OS (glibc trims the top of its heap), and the next
//! burst would fault every page in again.
//!
//! What is kept is bounded by the most tasks of each size that were alive at
//! once, and cut back to [`KEEP_PER_CLASS`] cells a size whenever the runtime
//! parks (a runtime about to wait has time to spare), and freed whole when
//! the runtime is dropped.
//!
//! Only layouts of alignment 8 and at most [`MAX_CACHED`] bytes are cached
//! (every task cell is at least 8-aligned: its header holds pointers); the
//! others go straight to the allocator. A cell is always freed with the layout
//! it was allocated with, as the allocator requires: a size class holds cells
//! of exactly one layout.

use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::{self, NonNull};

/// Largest cell kept, in bytes.
pub(crate) const MAX_CACHED: usize = 1024;
/// Bytes between two size classes (the alignment of every cached layout).
const GRAIN: usize = 8;
const CLASSES: usize = MAX_CACHED / GRAIN + 1;
/// Cells of each size kept when the runtime parks.
pub(crate) const KEEP_PER_CLASS: u32 = 256;

/// Whether cells of `layout` are cached.
pub(crate) const fn cacheable(layout: Layout) -> bool {
    layout.align() == GRAIN && layout.size() <= MAX_CACHED && layout.size() >= GRAIN
}

/// Freed cells by size, each class an intrusive singly linked list (a free
/// cell's first word points to the next one). Runtime thread only.
pub(crate) struct CellCache {
    heads: [Cell<*mut u8>; CLASSES],
    counts: [Cell<u32>; CLASSES],
    /// Cells held, over every class.
    total: Cell<usize>,
}

impl Default for CellCache {
    fn default() -> CellCache {
        CellCache {
            heads: [const { Cell::new(ptr::null_mut()) }; CLASSES],
            counts: [const { Cell::new(0) }; CLASSES],
            total: Cell::new(0),
        }
    }
}

impl CellCache {
    /// Memory for a cell of `layout` (a [`cacheable`] one): a freed cell of
    /// that size, or a new allocation.
    pub(crate) fn alloc(&self, layout: Layout) -> NonNull<u8> {
        debug_assert!(cacheable(layout));
        let class = layout.size() / GRAIN;
        let head = self.heads[class].get();
        if let Some(cell) = NonNull::new(head) {
            // SAFETY: every cell in the list is a live allocation of this
            // class's layout (8-aligned, at least 8 bytes) whose first word
            // holds the next cell, written by `free`.
            let next = unsafe { cell.as_ptr().cast::<*mut u8>().read() };
            self.heads[class].set(next);
            self.counts[class].set(self.counts[class].get() - 1);
            self.total.set(self.total.get() - 1);
            return cell;
        }
        // SAFETY: `cacheable` layouts have a non-zero size.
        let mem = unsafe { std::alloc::alloc(layout) };
        NonNull::new(mem).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
    }

    /// Keeps `cell`, memory of `layout` (a [`cacheable`] one) allocated by
    /// [`CellCache::alloc`] (of this or any cache) and no longer used, for
    /// the next [`CellCache::alloc`] of that size.
    ///
    /// # Safety
    /// `cell` was allocated with `layout` by the global allocator, nothing
    /// refers to it any more, and it is given up to the cache.
    pub(crate) unsafe fn free(&self, cell: NonNull<u8>, layout: Layout) {
        debug_assert!(cacheable(layout));
        let class = layout.size() / GRAIN;
        // SAFETY: the cell is ours now (caller), 8-aligned and at least 8
        // bytes (`cacheable`): its first word holds the list's link.
        unsafe {
            cell.as_ptr()
                .cast::<*mut u8>()
                .write(self.heads[class].get())
        };
        self.heads[class].set(cell.as_ptr());
        self.counts[class].set(self.counts[class].get() + 1);
        self.total.set(self.total.get() + 1);
    }

    /// Gives cells back to the allocator until at most `keep` of each size
    /// are left.
    pub(crate) fn trim(&self, keep: u32) {
        if self.total.get() <= keep as usize {
            return;
        }
        for class in 0..CLASSES {
            while self.counts[class].get() > keep {
                let cell = self.heads[class].get();
                // SAFETY: the count is non-zero, so the list holds `cell`, an
                // allocation of this class's layout (see `alloc`).
                let next = unsafe { cell.cast::<*mut u8>().read() };
                self.heads[class].set(next);
                self.counts[class].set(self.counts[class].get() - 1);
                self.total.set(self.total.get() - 1);
                let layout = Layout::from_size_align(class * GRAIN, GRAIN)
                    .expect("a cached class is a valid layout");
                // SAFETY: allocated by the global allocator with this layout
                // (a class holds exactly one layout), and out of the list.
                unsafe { std::alloc::dealloc(cell, layout) };
            }
        }
    }

    /// Cells held (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.total.get()
    }
}

impl Drop for CellCache {
    fn drop(&mut self) {
        self.trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_cell_is_reused_for_the_same_size_only() {
        let cache = CellCache::default();
        let small = Layout::from_size_align(48, 8).unwrap();
        let large = Layout::from_size_align(96, 8).unwrap();
        let a = cache.alloc(small);
        // SAFETY: allocated just above with `small`, unused.
        unsafe { cache.free(a, small) };
        assert_eq!(cache.len(), 1);
        let b = cache.alloc(large);
        assert_ne!(a, b, "a 48-byte cell must not serve a 96-byte one");
        assert_eq!(cache.alloc(small), a);
        assert_eq!(cache.len(), 0);
        // SAFETY: both allocated above with these layouts, unused.
        unsafe {
            cache.free(a, small);
            cache.free(b, large);
        }
    }

    #[test]
    fn trim_keeps_at_most_the_given_cells_of_each_size() {
        let cache = CellCache::default();
        let l = Layout::from_size_align(64, 8).unwrap();
        let m = Layout::from_size_align(128, 8).unwrap();
        let cells: Vec<_> = (0..10).map(|_| (cache.alloc(l), cache.alloc(m))).collect();
        for (a, b) in cells {
            // SAFETY: allocated above with these layouts, unused.
            unsafe {
                cache.free(a, l);
                cache.free(b, m);
            }
        }
        assert_eq!(cache.len(), 20);
        cache.trim(3);
        assert_eq!(cache.len(), 6);
        cache.trim(0);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn only_small_8_aligned_layouts_are_cacheable() {
        assert!(cacheable(Layout::from_size_align(104, 8).unwrap()));
        assert!(!cacheable(Layout::from_size_align(112, 16).unwrap()));
        assert!(!cacheable(
            Layout::from_size_align(MAX_CACHED + 8, 8).unwrap()
        ));
    }
}

//! `bpf_map_area_alloc()`: the zeroed, never-moving memory map values live in.
//!
//! Programs hold raw pointers into a map's values (from
//! `bpf_map_lookup_elem`, or `BPF_PSEUDO_MAP_VALUE` addresses baked into
//! their instructions), so value memory is allocated once, never moves and
//! is freed only when the map itself is freed. As in the kernel, programs and
//! the `bpf()` system call may access the same value concurrently without a
//! lock: a map value is shared memory, and what one side reads while the
//! other writes is whatever the bytes are at that moment.

use crate::errno::{Errno, ENOMEM};
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ptr::NonNull;

/// The largest area this model hands out. The kernel's `vmalloc` fails
/// somewhere around the machine's memory; a fixed limit makes `ENOMEM`
/// deterministic instead of depending on the host's overcommit policy.
pub const BPF_MAP_AREA_MAX: u64 = 1 << 36;

/// A zeroed, 8-byte aligned block of memory that never moves.
pub(crate) struct MapArea {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the area is plain memory owned by the map; concurrent access goes
// through raw pointers exactly as the kernel's map memory does (see the
// module comment), and the pointer itself is never handed to another owner.
unsafe impl Send for MapArea {}
// SAFETY: as above; `&MapArea` only gives out raw pointers and copies.
unsafe impl Sync for MapArea {}

impl MapArea {
    /// Mirrors `kernel/bpf/syscall.c:bpf_map_area_alloc()` (v6.18): zeroed
    /// memory, or `ENOMEM`.
    pub(crate) fn new(len: u64) -> Result<MapArea, Errno> {
        if len == 0 {
            return Ok(MapArea { ptr: NonNull::dangling(), len: 0 });
        }
        if len > BPF_MAP_AREA_MAX {
            return Err(ENOMEM);
        }
        let len = usize::try_from(len).map_err(|_| ENOMEM)?;
        let layout = Layout::from_size_align(len, 8).map_err(|_| ENOMEM)?;
        // SAFETY: `layout` has a non-zero size (checked above).
        let p = unsafe { alloc_zeroed(layout) };
        NonNull::new(p).map(|ptr| MapArea { ptr, len }).ok_or(ENOMEM)
    }

    /// First byte of the area.
    pub(crate) fn base(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Pointer to `[off, off + len)`, or `None` if that leaves the area.
    pub(crate) fn at(&self, off: usize, len: usize) -> Option<NonNull<u8>> {
        let end = off.checked_add(len)?;
        if end > self.len {
            return None;
        }
        // SAFETY: `off <= self.len`, so the result stays inside (or one past)
        // the allocation.
        NonNull::new(unsafe { self.base().add(off) })
    }

    /// Copies `dst.len()` bytes from offset `off` (`copy_map_value` towards
    /// the caller). Out-of-range reads are refused, never performed.
    pub(crate) fn read(&self, off: usize, dst: &mut [u8]) -> bool {
        match self.at(off, dst.len()) {
            Some(p) => {
                // SAFETY: `at` checked that the source range lies inside the
                // area; `dst` is a distinct Rust buffer, so they cannot overlap.
                unsafe { std::ptr::copy_nonoverlapping(p.as_ptr(), dst.as_mut_ptr(), dst.len()) };
                true
            }
            None => false,
        }
    }

    /// Copies `src` to offset `off` (`copy_map_value` into the map).
    pub(crate) fn write(&self, off: usize, src: &[u8]) -> bool {
        match self.at(off, src.len()) {
            Some(p) => {
                // SAFETY: `at` checked that the destination range lies inside
                // the area; `src` is a distinct Rust buffer.
                unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), p.as_ptr(), src.len()) };
                true
            }
            None => false,
        }
    }

    /// Offset of `addr` in the area, if `[addr, addr + len)` lies inside it.
    pub(crate) fn offset_of(&self, addr: usize, len: usize) -> Option<usize> {
        let base = self.base() as usize;
        let off = addr.checked_sub(base)?;
        let end = off.checked_add(len)?;
        (end <= self.len).then_some(off)
    }
}

impl Drop for MapArea {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: allocated in `new` with exactly this size and alignment.
            unsafe { dealloc(self.ptr.as_ptr(), Layout::from_size_align_unchecked(self.len, 8)) };
        }
    }
}

impl std::fmt::Debug for MapArea {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MapArea({:p}, {} bytes)", self.ptr, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_bounded_and_stable() {
        let a = MapArea::new(24).unwrap();
        let mut b = [1u8; 8];
        assert!(a.read(16, &mut b));
        assert_eq!(b, [0; 8]);
        assert!(a.write(8, &[7; 8]));
        assert!(!a.write(20, &[7; 8]));
        assert!(!a.read(usize::MAX, &mut b));
        assert_eq!(a.offset_of(a.base() as usize + 8, 8), Some(8));
        assert_eq!(a.offset_of(a.base() as usize + 20, 8), None);
        assert_eq!(MapArea::new(BPF_MAP_AREA_MAX + 1).unwrap_err(), ENOMEM);
        assert_eq!(MapArea::new(0).unwrap().len(), 0);
    }
}

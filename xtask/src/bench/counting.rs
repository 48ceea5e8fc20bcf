//! A counting global allocator: the system allocator, counting the bytes
//! live and their peak, for the peak memory of a load. A binary that
//! measures declares it as its `#[global_allocator]` (the bench runner,
//! `examples/peak_mem.rs`).

use super::PeakMem;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting the bytes live and their peak.
#[derive(Debug)]
pub struct Counting {
    live: AtomicUsize,
    peak: AtomicUsize,
    base: AtomicUsize,
}

impl Counting {
    /// Nothing counted yet.
    pub const fn new() -> Counting {
        Counting { live: AtomicUsize::new(0), peak: AtomicUsize::new(0), base: AtomicUsize::new(0) }
    }

    fn grew(&self, n: usize) {
        let now = self.live.fetch_add(n, Relaxed) + n;
        self.peak.fetch_max(now, Relaxed);
    }
}

impl Default for Counting {
    fn default() -> Counting {
        Counting::new()
    }
}

// SAFETY: every call is forwarded to `System` unchanged; the counters
// only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            self.grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            self.grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout` (our alloc).
        unsafe { System.dealloc(ptr, layout) };
        self.live.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, with the caller's new size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            self.live.fetch_sub(layout.size(), Relaxed);
            self.grew(new_size);
        }
        p
    }
}

impl PeakMem for Counting {
    fn reset_peak(&self) {
        let now = self.live.load(Relaxed);
        self.base.store(now, Relaxed);
        self.peak.store(now, Relaxed);
    }

    fn peak_since_reset(&self) -> usize {
        self.peak.load(Relaxed).saturating_sub(self.base.load(Relaxed))
    }
}

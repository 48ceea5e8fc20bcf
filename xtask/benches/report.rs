//! The runner of `cargo xtask bench` (release build): the report of
//! `xtask::bench`, with a counting global allocator so that the peak
//! memory of a load can be measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use xtask::bench::PeakMem;

/// The system allocator, counting the bytes live and their peak.
struct Counting {
    live: AtomicUsize,
    peak: AtomicUsize,
    base: AtomicUsize,
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

impl Counting {
    fn grew(&self, n: usize) {
        let now = self.live.fetch_add(n, Relaxed) + n;
        self.peak.fetch_max(now, Relaxed);
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

#[global_allocator]
static ALLOC: Counting =
    Counting { live: AtomicUsize::new(0), peak: AtomicUsize::new(0), base: AtomicUsize::new(0) };

fn main() {
    // rbpf's JIT panics on programs larger than its code page; the report
    // catches that and says so, so the panic message is noise here.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.location().is_some_and(|l| l.file().contains("rbpf")) {
            default_hook(info);
        }
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = xtask::bench::run(&args, Some(&ALLOC)) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

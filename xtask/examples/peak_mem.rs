//! Peak heap of one `bpf_check` of ours per benchmark program, measured
//! the way `cargo xtask bench` does (a counting global allocator), without
//! the timing runs: `cargo run -p xtask --example peak_mem [NAME]`. A
//! debug build allocates what a release build does, so it measures the
//! same. `PEAK_MEM_STATS=1` adds each program's `BPF_LOG_STATS` lines
//! (`peak_states`), `PEAK_MEM_SIZES=1` the verifier's struct sizes beside
//! the running kernel's (BTF).

use bpf_verifier::standalone::{verify, VerifyOpts};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use xtask::bench::progs;

/// The system allocator, counting the bytes live and their peak.
struct Counting {
    live: AtomicUsize,
    peak: AtomicUsize,
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

#[global_allocator]
static ALLOC: Counting = Counting { live: AtomicUsize::new(0), peak: AtomicUsize::new(0) };

fn main() {
    let only = std::env::args().nth(1);
    if std::env::var_os("PEAK_MEM_SIZES").is_some() {
        use bpf_verifier::state::*;
        if let Ok(b) = xtask::bench::btf::StructSizes::vmlinux() {
            for n in [
                "bpf_reg_state",
                "bpf_stack_state",
                "bpf_func_state",
                "bpf_verifier_state",
                "bpf_verifier_state_list",
                "bpf_insn_aux_data",
                "bpf_verifier_env",
                "bpf_verifier_stack_elem",
            ] {
                println!("kernel {n}: {:?}", b.get(n));
            }
        }
        println!(
            "ours reg {} stack {} func {} vstate {} sl {} aux {} elem {}",
            size_of::<BpfRegState>(),
            size_of::<BpfStackState>(),
            size_of::<BpfFuncState>(),
            size_of::<BpfVerifierState>(),
            size_of::<bpf_verifier::env::BpfVerifierStateList>(),
            size_of::<BpfInsnAuxData>(),
            size_of::<bpf_verifier::env::BpfVerifierStackElem>()
        );
    }
    let set = progs::bench_set().expect("the benchmark programs assemble");
    for p in set.iter().filter(|p| only.as_ref().map_or(true, |o| p.name.contains(o.as_str()))) {
        let vopts = VerifyOpts { log_level: 0, log_size: 0, ..VerifyOpts::default() };
        let base = ALLOC.live.load(Relaxed);
        ALLOC.peak.store(base, Relaxed);
        let v = verify(progs::PROG_TYPE, &p.insns, Vec::new(), &vopts);
        let peak = ALLOC.peak.load(Relaxed) - base;
        println!(
            "{:<22} {:>6} insns  {:>9.1} KiB  {:?}",
            p.name,
            p.insns.len(),
            peak as f64 / 1024.0,
            v.result
        );
        if std::env::var_os("PEAK_MEM_STATS").is_some() {
            let sopts = VerifyOpts { log_level: 4, log_size: 1 << 20, ..VerifyOpts::default() };
            print!("{}", verify(progs::PROG_TYPE, &p.insns, Vec::new(), &sopts).log);
        }
    }
}

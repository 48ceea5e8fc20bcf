//! The program object of `kernel/bpf/core.c` (v6.18): `struct bpf_prog`,
//! `struct bpf_prog_aux`, per-CPU `struct bpf_prog_stats`, their allocation,
//! and `bpf_prog_calc_tag`.
//!
//! Ownership differs from C in one place: the kernel's `aux->prog` points
//! back at the program so code holding only `aux` can reach it. Here the
//! program owns its aux and every function that needs both takes the
//! program, so there is no back pointer to keep in sync.

use crate::maps::BpfMap;
use crate::sha256::sha256;
use crate::uapi::*;
use crossbeam_utils::CachePadded;
use std::ffi::c_void;
use std::fmt;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

/// `PAGE_SIZE` of the machines we model (x86-64).
pub const PAGE_SIZE: usize = 4096;

/// `sizeof(struct bpf_prog)` in v6.18, before the flexible `insnsi[]`.
pub const BPF_PROG_HEADER_SIZE: usize = 96;

/// One CPU's run statistics (`struct bpf_prog_stats`).
#[derive(Debug, Default)]
pub struct BpfProgStats {
    /// Runs counted (`cnt`).
    pub cnt: AtomicU64,
    /// Nanoseconds spent running (`nsecs`).
    pub nsecs: AtomicU64,
    /// Runs skipped by recursion protection (`misses`).
    pub misses: AtomicU64,
}

/// `prog->stats`: one cache-padded [`BpfProgStats`] per possible CPU, so
/// CPUs never share a line; readers sum them (`bpf_prog_get_stats`).
pub struct BpfProgStatsPerCpu {
    cpus: Box<[CachePadded<BpfProgStats>]>,
}

/// Totals of [`BpfProgStatsPerCpu`] over every CPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BpfProgStatsSum {
    /// Total runs.
    pub cnt: u64,
    /// Total nanoseconds.
    pub nsecs: u64,
    /// Total recursion misses.
    pub misses: u64,
}

impl BpfProgStatsPerCpu {
    /// One zeroed entry for each of `nr_cpus` possible CPUs
    /// (`for_each_possible_cpu` in `bpf_prog_alloc`).
    pub fn new(nr_cpus: usize) -> Self {
        let cpus = (0..nr_cpus.max(1)).map(|_| CachePadded::new(BpfProgStats::default())).collect();
        BpfProgStatsPerCpu { cpus }
    }
    /// Number of CPUs.
    pub fn nr_cpus(&self) -> usize {
        self.cpus.len()
    }
    /// The entry of `cpu` (`this_cpu_ptr(prog->stats)`); out-of-range CPUs
    /// wrap, so a bad CPU number can never index out of bounds.
    pub fn cpu(&self, cpu: usize) -> &BpfProgStats {
        &self.cpus[cpu % self.cpus.len()]
    }
    /// Records one run of `nsecs` on `cpu` (`bpf_prog_update_prog_stats`).
    pub fn add_run(&self, cpu: usize, nsecs: u64) {
        let s = self.cpu(cpu);
        s.cnt.fetch_add(1, Ordering::Relaxed);
        s.nsecs.fetch_add(nsecs, Ordering::Relaxed);
    }
    /// Records a run skipped by recursion protection (`bpf_prog_inc_misses_counter`).
    pub fn add_miss(&self, cpu: usize) {
        self.cpu(cpu).misses.fetch_add(1, Ordering::Relaxed);
    }
    /// Sums every CPU (`bpf_prog_get_stats`).
    pub fn sum(&self) -> BpfProgStatsSum {
        self.cpus.iter().fold(BpfProgStatsSum::default(), |acc, s| BpfProgStatsSum {
            cnt: acc.cnt + s.cnt.load(Ordering::Relaxed),
            nsecs: acc.nsecs + s.nsecs.load(Ordering::Relaxed),
            misses: acc.misses + s.misses.load(Ordering::Relaxed),
        })
    }
}

impl fmt::Debug for BpfProgStatsPerCpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BpfProgStatsPerCpu({} cpus, {:?})", self.cpus.len(), self.sum())
    }
}

/// An interpreter entry point: `___bpf_prog_run` specialised for one stack
/// size, called as `prog->bpf_func(ctx, insn)` is. Returns the full r0.
pub type InterpFn = fn(ctx: *const c_void, prog: &BpfProg) -> u64;

/// Something that runs a program other than the interpreter: a JIT image,
/// or an offload device's stand-in.
pub trait BpfProgRunner: Send + Sync + fmt::Debug {
    /// Runs the program on `ctx` and returns r0.
    fn run(&self, ctx: *const c_void, prog: &BpfProg) -> u64;
    /// The machine code, for `jited_prog_insns` and kallsyms.
    fn image(&self) -> &[u8];
}

/// What `prog->bpf_func` points at.
#[derive(Clone, Debug, Default)]
pub enum BpfFunc {
    /// No runtime selected yet (before `bpf_prog_select_runtime`).
    #[default]
    Unset,
    /// One of the 16 interpreters of `core.c`, for a stack of `stack_size` bytes.
    Interpreter {
        /// The interpreter entry point.
        run: InterpFn,
        /// The stack it provides: 32, 64, ... 512 bytes.
        stack_size: u32,
    },
    /// `__bpf_prog_ret0_warn`: no interpreter fits (or none is built in);
    /// returns 0.
    Ret0Warn,
    /// A JIT image (`prog->jited`).
    Jited(Arc<dyn BpfProgRunner>),
    /// The stand-in of a device-bound (offloaded) program.
    Offloaded(Arc<dyn BpfProgRunner>),
}

/// `struct bpf_prog_aux`: what the kernel keeps beside the instructions.
#[derive(Debug, Default)]
pub struct BpfProgAux {
    /// Program id from `prog_idr` (0 until `bpf_prog_alloc_id`).
    pub id: u32,
    /// Maps the program references (`used_maps`), each holding a reference.
    pub used_maps: Vec<Arc<BpfMap>>,
    /// Largest ctx offset accessed (`max_ctx_offset`).
    pub max_ctx_offset: u32,
    /// Largest packet offset accessed (`max_pkt_offset`).
    pub max_pkt_offset: u32,
    /// Largest tracepoint buffer access (`max_tp_access`).
    pub max_tp_access: u32,
    /// Stack depth of the main program, in bytes (`stack_depth`).
    pub stack_depth: u32,
    /// Number of subprograms beyond the main one (`func_cnt`).
    pub func_cnt: u32,
    /// Number of subprograms including hidden ones (`real_func_cnt`).
    pub real_func_cnt: u32,
    /// Index of this subprogram (`func_idx`).
    pub func_idx: u32,
    /// BTF id of the attach target (`attach_btf_id`).
    pub attach_btf_id: u32,
    /// The target program of an extension or tracing program (`dst_prog`).
    pub dst_prog: Option<Arc<BpfProg>>,
    /// The verifier inserted zero extensions for 32-bit results (`verifier_zext`).
    pub verifier_zext: bool,
    /// Bound to a device (`dev_bound`).
    pub dev_bound: bool,
    /// Offloaded to a device (`offload_requested`).
    pub offload_requested: bool,
    /// The device's ifindex for bound programs.
    pub offload_ifindex: u32,
    /// A tail call is reachable from this program (`tail_call_reachable`).
    pub tail_call_reachable: bool,
    /// XDP program handles frags (`xdp_has_frags`).
    pub xdp_has_frags: bool,
    /// The program may change packet data (`changes_pkt_data`).
    pub changes_pkt_data: bool,
    /// The program may sleep (`might_sleep`).
    pub might_sleep: bool,
    /// uid of the loader (`aux->user`).
    pub uid: u32,
    /// `ktime_get_boottime_ns()` at load (`load_time`).
    pub load_time: u64,
    /// Instructions the verifier processed (`verified_insns`).
    pub verified_insns: u32,
    /// Name from `BPF_PROG_LOAD` (`name`), NUL padded.
    pub name: [u8; BPF_OBJ_NAME_LEN],
    /// Kallsyms name, set by `bpf_prog_ksym_set_name`.
    pub ksym_name: String,
    /// Start of the kallsyms range (`ksym.start`), set with the name.
    pub ksym_start: u64,
    /// End of the kallsyms range (`ksym.end`).
    pub ksym_end: u64,
    /// Subprograms after JIT (`func`).
    pub func: Vec<Arc<BpfProg>>,
    /// JIT was requested by the sysctl (`jit_requested` mirrors `prog->jit_requested`).
    pub jit_requested: bool,
    /// The license string from the loader.
    pub license: String,
    /// Number of prog_array maps that hold this program (`prog_array_member_cnt`).
    pub prog_array_member_cnt: u32,
    /// What `bpf_prog_put_deferred` does when the last reference goes
    /// (unload events, `bpf_prog_free_id`, kallsyms removal): installed by
    /// `bpf-syscall` once the program is published, run when it drops.
    pub free_hook: Option<crate::runtime::BpfFreeHook<BpfProg>>,
}

/// `struct bpf_prog`: one loaded (or loading) program.
#[derive(Debug)]
pub struct BpfProg {
    /// Pages the program occupies (`pages`), from `bpf_prog_size`.
    pub pages: u32,
    /// Runs a JIT image (`jited`).
    pub jited: bool,
    /// JIT was requested (`jit_requested`).
    pub jit_requested: bool,
    /// The license is GPL compatible (`gpl_compatible`).
    pub gpl_compatible: bool,
    /// Accesses `skb->cb[]` (`cb_access`).
    pub cb_access: bool,
    /// Needs the skb dst (`dst_needed`).
    pub dst_needed: bool,
    /// Constant blinding was requested (`blinding_requested`).
    pub blinding_requested: bool,
    /// Constants were blinded (`blinded`).
    pub blinded: bool,
    /// This is a subprogram (`is_func`).
    pub is_func: bool,
    /// Calls `bpf_override_return` (`kprobe_override`).
    pub kprobe_override: bool,
    /// Enforces `expected_attach_type` (`enforce_expected_attach_type`).
    pub enforce_expected_attach_type: bool,
    /// Calls `bpf_get_stack` (`call_get_stack`).
    pub call_get_stack: bool,
    /// Calls `bpf_get_func_ip` (`call_get_func_ip`).
    pub call_get_func_ip: bool,
    /// Reads `tstamp_type` (`tstamp_type_access`).
    pub tstamp_type_access: bool,
    /// Sleepable (`sleepable`).
    pub sleepable: bool,
    /// Program type (`type`).
    pub prog_type: BpfProgType,
    /// Expected attach type (`expected_attach_type`).
    pub expected_attach_type: BpfAttachType,
    /// Number of instructions (`len`).
    pub len: u32,
    /// Bytes of the JIT image (`jited_len`).
    pub jited_len: u32,
    /// SHA-256 of the program with map fds cleared (`digest`); the tag is
    /// its first [`BPF_TAG_SIZE`] bytes.
    pub digest: [u8; 32],
    /// Per-CPU run statistics; `None` for `bpf_prog_alloc_no_stats` programs.
    pub stats: Option<BpfProgStatsPerCpu>,
    /// Per-CPU recursion counters (`active`).
    pub active: Box<[CachePadded<AtomicI32>]>,
    /// What runs the program (`bpf_func`).
    pub bpf_func: BpfFunc,
    /// The auxiliary data (`aux`).
    pub aux: Box<BpfProgAux>,
    /// The instructions (`insnsi`).
    pub insnsi: Vec<BpfInsn>,
}

impl Drop for BpfProg {
    /// The last reference is gone (`bpf_prog_put` reaching zero): run the
    /// kernel's release work, if `bpf-syscall` installed any, while the
    /// program is still whole.
    fn drop(&mut self) {
        if let Some(hook) = self.aux.free_hook.take() {
            hook.run(self);
        }
    }
}

/// Mirrors `include/linux/filter.h:bpf_prog_size()`.
///
/// The allocation size of a program of `proglen` instructions: the header
/// plus the flexible instruction array.
pub const fn bpf_prog_size(proglen: u32) -> usize {
    let with_insns = BPF_PROG_HEADER_SIZE + proglen as usize * 8;
    if with_insns > BPF_PROG_HEADER_SIZE {
        with_insns
    } else {
        BPF_PROG_HEADER_SIZE
    }
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_alloc_no_stats()`.
///
/// Allocates the program and its aux, without per-CPU stats (the kernel
/// uses this for subprograms and for programs that are only a step in a
/// rewrite). `jit_requested` and `blinding_requested` come from the
/// caller's sysctls, as the kernel reads `bpf_jit_enable` and
/// `bpf_jit_blinding_enabled()` here.
pub fn bpf_prog_alloc_no_stats(
    size: usize,
    nr_cpus: usize,
    jit_requested: bool,
    blinding_requested: bool,
) -> Box<BpfProg> {
    let size = size.max(BPF_PROG_HEADER_SIZE);
    let pages = size.div_ceil(PAGE_SIZE) as u32;
    let capacity = (size - BPF_PROG_HEADER_SIZE) / 8;
    let aux = Box::new(BpfProgAux { jit_requested, ..Default::default() });
    Box::new(BpfProg {
        pages,
        jited: false,
        jit_requested,
        gpl_compatible: false,
        cb_access: false,
        dst_needed: false,
        blinding_requested,
        blinded: false,
        is_func: false,
        kprobe_override: false,
        enforce_expected_attach_type: false,
        call_get_stack: false,
        call_get_func_ip: false,
        tstamp_type_access: false,
        sleepable: false,
        prog_type: BPF_PROG_TYPE_UNSPEC,
        expected_attach_type: BpfAttachType(0),
        len: 0,
        jited_len: 0,
        digest: [0; 32],
        stats: None,
        active: (0..nr_cpus.max(1)).map(|_| CachePadded::new(AtomicI32::new(0))).collect(),
        bpf_func: BpfFunc::Unset,
        aux,
        insnsi: Vec::with_capacity(capacity),
    })
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_alloc()`.
///
/// [`bpf_prog_alloc_no_stats`], then one [`BpfProgStats`] per possible CPU:
/// every loaded program counts its runs per CPU so no two CPUs contend.
pub fn bpf_prog_alloc(
    size: usize,
    nr_cpus: usize,
    jit_requested: bool,
    blinding_requested: bool,
) -> Box<BpfProg> {
    let mut prog = bpf_prog_alloc_no_stats(size, nr_cpus, jit_requested, blinding_requested);
    prog.stats = Some(BpfProgStatsPerCpu::new(nr_cpus));
    prog
}

impl BpfProg {
    /// The 8-byte tag (`prog->tag`, the head of `prog->digest`).
    pub fn tag(&self) -> [u8; BPF_TAG_SIZE] {
        let mut t = [0u8; BPF_TAG_SIZE];
        t.copy_from_slice(&self.digest[..BPF_TAG_SIZE]);
        t
    }
    /// The tag as 16 lower-case hex digits, as bpftool and kallsyms print it.
    pub fn tag_hex(&self) -> String {
        self.tag().iter().map(|b| format!("{b:02x}")).collect()
    }
    /// The program's instructions (`prog->insnsi[0..len]`).
    pub fn insns(&self) -> &[BpfInsn] {
        &self.insnsi[..self.len as usize]
    }
    /// `bpf_prog_insn_size()`: bytes of the instructions.
    pub fn insn_size(&self) -> usize {
        self.len as usize * 8
    }
    /// Replaces the instructions, keeping `len` in step.
    pub fn set_insns(&mut self, insns: Vec<BpfInsn>) {
        self.len = insns.len() as u32;
        self.insnsi = insns;
    }
    /// The program's name from `BPF_PROG_LOAD`, up to the first NUL.
    pub fn name(&self) -> String {
        obj_name_str(&self.aux.name)
    }
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_calc_tag()`.
///
/// Hashes the program with SHA-256 into `prog->digest`. Map fds in
/// `ld_imm64` are cleared first: they differ from one load to the next,
/// and the tag must name the program, not the file descriptors it happened
/// to use. The first slot's `imm` of a `BPF_PSEUDO_MAP_FD` or
/// `BPF_PSEUDO_MAP_VALUE` load is cleared, and the second slot's too when
/// it is a plain continuation slot.
pub fn bpf_prog_calc_tag(prog: &mut BpfProg) {
    prog.digest = bpf_insns_digest(prog.insns());
}

/// The digest [`bpf_prog_calc_tag`] stores, for a bare instruction slice.
pub fn bpf_insns_digest(insns: &[BpfInsn]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(insns.len() * 8);
    let mut was_ld_map = false;
    for insn in insns {
        let mut i = *insn;
        if !was_ld_map
            && i.is_ld_imm64()
            && (i.src_reg() == BPF_PSEUDO_MAP_FD || i.src_reg() == BPF_PSEUDO_MAP_VALUE)
        {
            was_ld_map = true;
            i.imm = 0;
        } else if was_ld_map && i.code == 0 && i.regs == 0 && i.off == 0 {
            was_ld_map = false;
            i.imm = 0;
        } else {
            was_ld_map = false;
        }
        buf.extend_from_slice(&i.to_bytes());
    }
    sha256(&buf)
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_ksym_set_name()`.
///
/// The kallsyms name of a program: `bpf_prog_<tag>` and, when the program
/// has a name, `_<name>`.
pub fn bpf_prog_ksym_name(prog: &BpfProg) -> String {
    let name = prog.name();
    if name.is_empty() {
        format!("bpf_prog_{}", prog.tag_hex())
    } else {
        format!("bpf_prog_{}_{}", prog.tag_hex(), name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_and_pages() {
        assert_eq!(bpf_prog_size(0), 96);
        assert_eq!(bpf_prog_size(2), 112);
        let p = bpf_prog_alloc(bpf_prog_size(4096), 4, true, false);
        assert_eq!(p.pages, 9);
        assert_eq!(p.stats.as_ref().unwrap().nr_cpus(), 4);
        assert!(p.jit_requested && p.aux.jit_requested);
        assert!(bpf_prog_alloc_no_stats(bpf_prog_size(1), 2, false, false).stats.is_none());
    }

    #[test]
    fn stats_sum_over_cpus() {
        let s = BpfProgStatsPerCpu::new(3);
        s.add_run(0, 10);
        s.add_run(2, 5);
        s.add_run(7, 1); // wraps to cpu 1
        s.add_miss(1);
        assert_eq!(s.sum(), BpfProgStatsSum { cnt: 3, nsecs: 16, misses: 1 });
    }

    #[test]
    fn tag_of_ret42_is_the_kernels() {
        // Recorded from Linux 6.18.44 (BPF_OBJ_GET_INFO_BY_FD).
        let mut p = bpf_prog_alloc(bpf_prog_size(2), 1, false, false);
        p.set_insns(vec![BpfInsn::mov64_imm(0, 42), BpfInsn::exit()]);
        bpf_prog_calc_tag(&mut p);
        assert_eq!(p.tag_hex(), "76b761cdf4203894");
        assert_eq!(bpf_prog_ksym_name(&p), "bpf_prog_76b761cdf4203894");
    }

    #[test]
    fn map_fds_do_not_change_the_tag() {
        let prog = |fd: i32| {
            let [a, b] = BpfInsn::ld_map_fd(1, fd);
            vec![a, b, BpfInsn::mov64_imm(0, 0), BpfInsn::exit()]
        };
        assert_eq!(bpf_insns_digest(&prog(3)), bpf_insns_digest(&prog(97)));
        let [a, b] = BpfInsn::ld_imm64(1, 3);
        let plain = vec![a, b, BpfInsn::mov64_imm(0, 0), BpfInsn::exit()];
        assert_ne!(bpf_insns_digest(&plain), bpf_insns_digest(&prog(3)));
    }
}

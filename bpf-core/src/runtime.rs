//! The runtime half of `kernel/bpf/core.c` (v6.18): choosing what runs a
//! verified program (`bpf_prog_select_runtime`), running it
//! (`bpf_prog_run`), the tail-call compatibility rules, and the BPF part of
//! kallsyms.
//!
//! The kernel links the arch JIT, the interpreter and the offload code in
//! through weak symbols and config options: `bpf_int_jit_compile` has a
//! `__weak` default that returns the program unchanged, the interpreter
//! table exists only without `CONFIG_BPF_JIT_ALWAYS_ON`, and offload needs
//! `CONFIG_NET`. Here each is a trait ([`BpfJit`], [`BpfOffload`]) with the
//! kernel's default as its default methods, and an optional interpreter
//! table; `bpf-syscall` builds its `Kernel` with the real ones
//! (`bpf-jit-x86`, `bpf-interp`, `bpf-offload`), bundled as a
//! [`BpfRuntime`].

use crate::errno::{Errno, EINVAL, ENOTSUPP, EOPNOTSUPP, ERANGE};
use crate::maps::{map_type_contains_progs, BpfMap, BpfMapOwner};
use crate::prog::{bpf_prog_ksym_name, BpfFunc, BpfProg, InterpFn};
use crate::run_ctx::BpfRunCtx;
use crate::trace::BpfTrace;
use crate::uapi::*;
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::fmt;
use std::time::Instant;

/// The interpreters of `core.c`: `interpreters[i]` runs programs whose
/// stack fits in `(i + 1) * 32` bytes (`bpf_interp::INTERPRETERS`).
pub type BpfInterpreters = [InterpFn; 16];

/// The arch JIT: `bpf_int_jit_compile()` and the capability queries the
/// verifier and `core.c` make of it (`bpf_jit_needs_zext()`...). Every
/// method's default is the kernel's `__weak` one, i.e. a kernel without a
/// JIT.
pub trait BpfJit: Send + Sync + fmt::Debug {
    /// Mirrors `arch/*/net/bpf_jit_comp.c:bpf_int_jit_compile()`: compiles
    /// `prog` and returns it with `jited` set and `bpf_func` pointing at
    /// the image, or returns it unchanged when it declines (the interpreter
    /// then runs it). The default declines, as `core.c`'s weak one does.
    fn bpf_int_jit_compile(&self, prog: Box<BpfProg>) -> Box<BpfProg> {
        prog
    }
    /// `bpf_jit_needs_zext()`: the JIT relies on the verifier's explicit
    /// zero extension of 32-bit results.
    fn bpf_jit_needs_zext(&self) -> bool {
        false
    }
    /// `bpf_jit_supports_kfunc_call()`.
    fn bpf_jit_supports_kfunc_call(&self) -> bool {
        false
    }
    /// `bpf_jit_supports_subprog_tailcalls()`.
    fn bpf_jit_supports_subprog_tailcalls(&self) -> bool {
        false
    }
}

/// A kernel built without a JIT: every method is the weak default.
#[derive(Clone, Copy, Debug, Default)]
pub struct BpfNoJit;

impl BpfJit for BpfNoJit {}

/// What the offload code needs to know of a network device
/// (`struct net_device`, as `dev_get_by_index` finds it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpfNetdev {
    /// `dev->ifindex`.
    pub ifindex: u32,
    /// `dev->name`.
    pub name: String,
    /// The driver implements `ndo_bpf` (can take XDP programs and bind
    /// them); `lo` does not.
    pub has_ndo_bpf: bool,
    /// Receive queues (`real_num_rx_queues`).
    pub rx_queues: u32,
}

/// Device offload (`kernel/bpf/offload.c`). Defaults are the kernel's
/// stubs without `CONFIG_NET`.
pub trait BpfOffload: Send + Sync + fmt::Debug {
    /// Mirrors `kernel/bpf/offload.c:bpf_prog_dev_bound_init()`: binds (or
    /// offloads) a program loaded with `prog_ifindex` to `netdev`, the
    /// device `dev_get_by_index` found (`None`: no such device).
    fn bpf_prog_dev_bound_init(
        &self,
        _prog: &mut BpfProg,
        _attr: &BpfAttrProgLoad,
        _netdev: Option<&BpfNetdev>,
    ) -> Result<(), Errno> {
        Err(EOPNOTSUPP)
    }
    /// Mirrors `kernel/bpf/offload.c:bpf_prog_offload_compile()`: hands
    /// an offloaded program to its device.
    fn bpf_prog_offload_compile(&self, _prog: &mut BpfProg) -> Result<(), Errno> {
        Err(EOPNOTSUPP)
    }
    /// Mirrors `bpf_prog_dev_bound_destroy()`: the program is being freed.
    fn bpf_prog_dev_bound_destroy(&self, _prog: &BpfProg) {}
}

/// A kernel without offload support.
#[derive(Clone, Copy, Debug, Default)]
pub struct BpfNoOffload;

impl BpfOffload for BpfNoOffload {}

/// What a kernel was built with: its JIT, its interpreters (none is
/// `CONFIG_BPF_JIT_ALWAYS_ON`) and its offload code.
#[derive(Clone, Copy)]
pub struct BpfRuntime<'a> {
    /// The arch JIT.
    pub jit: &'a dyn BpfJit,
    /// The interpreter table, if the kernel has one.
    pub interpreters: Option<&'a BpfInterpreters>,
    /// Device offload.
    pub offload: &'a dyn BpfOffload,
}

impl fmt::Debug for BpfRuntime<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BpfRuntime")
            .field("jit", &self.jit)
            .field("interpreters", &self.interpreters.is_some())
            .field("offload", &self.offload)
            .finish()
    }
}

/// Mirrors `kernel/bpf/core.c:__bpf_prog_ret0_warn()`: what runs when no
/// interpreter fits. The kernel warns once; this returns 0 as it does.
pub fn __bpf_prog_ret0_warn(_ctx: *const c_void, _prog: &BpfProg) -> u64 {
    0
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_select_interpreter()` (called
/// `bpf_prog_select_func()` before v6.18.y).
///
/// Points `bpf_func` at the interpreter whose stack fits the program
/// (`interpreters[round_up(max(depth, 1), 32) / 32 - 1]`), or at
/// [`__bpf_prog_ret0_warn`] when none does (a stack above 512 bytes, which
/// `may_goto` can cause) or the kernel has no interpreter. Returns whether
/// an interpreter was selected; if not, only the JIT can run the program.
#[doc(alias = "bpf_prog_select_func")]
pub fn bpf_prog_select_interpreter(fp: &mut BpfProg, interpreters: Option<&BpfInterpreters>) -> bool {
    let Some(table) = interpreters else {
        fp.bpf_func = BpfFunc::Ret0Warn;
        return false;
    };
    let stack_depth = fp.aux.stack_depth.max(1);
    let idx = (stack_depth.div_ceil(32) - 1) as usize;
    match table.get(idx) {
        Some(&run) => {
            fp.bpf_func = BpfFunc::Interpreter { run, stack_size: (idx as u32 + 1) * 32 };
            true
        }
        None => {
            fp.bpf_func = BpfFunc::Ret0Warn;
            false
        }
    }
}

/// `bpf_prog_has_kfunc_call()`: kfunc calls can only be JITed.
fn bpf_prog_has_kfunc_call(fp: &BpfProg) -> bool {
    fp.insns().iter().any(|i| i.is_kfunc_call())
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_select_runtime()`.
///
/// Chooses what runs a verified program: the interpreter for its stack
/// depth, then the JIT if it accepts the program (a JIT that declines
/// leaves the interpreter in place; where only a JIT can run the program
/// that is `ENOTSUPP`), or the device for an offloaded program. Then the
/// prog-array compatibility check, which can only be made once it is known
/// whether the program is JITed. Returns the program with the result, as
/// the kernel returns `fp` and sets `*err`: on error the caller still owns
/// (and frees) the program.
pub fn bpf_prog_select_runtime(
    mut fp: Box<BpfProg>,
    rt: &BpfRuntime<'_>,
    trace: &mut BpfTrace,
) -> (Box<BpfProg>, Result<(), Errno>) {
    // With bpf-to-bpf calls the verifier's jit_subprogs did all the work.
    if matches!(fp.bpf_func, BpfFunc::Unset) {
        let mut jit_needed = rt.interpreters.is_none() || bpf_prog_has_kfunc_call(&fp);
        trace.call("bpf_prog_select_interpreter");
        if !bpf_prog_select_interpreter(&mut fp, rt.interpreters) {
            jit_needed = true;
        }
        if !fp.aux.offload_requested {
            trace.call("bpf_prog_alloc_jited_linfo");
            trace.call("bpf_int_jit_compile");
            fp = rt.jit.bpf_int_jit_compile(fp);
            trace.call("bpf_prog_jit_attempt_done");
            if !fp.jited && jit_needed {
                trace.failed("bpf_int_jit_compile", ENOTSUPP);
                return (fp, Err(ENOTSUPP));
            }
        } else {
            trace.call("bpf_prog_offload_compile");
            if let Err(e) = rt.offload.bpf_prog_offload_compile(&mut fp) {
                trace.failed("bpf_prog_offload_compile", e);
                return (fp, Err(e));
            }
        }
    }
    // finalize:
    trace.call("bpf_prog_lock_ro");
    trace.call("bpf_check_tail_call");
    let r = bpf_check_tail_call(&fp);
    if let Err(e) = r {
        trace.failed("bpf_check_tail_call", e);
    }
    (fp, r)
}

/// Mirrors `include/linux/bpf_verifier.h:resolve_prog_type()`: an
/// extension program counts as the type it extends.
pub fn resolve_prog_type(fp: &BpfProg) -> BpfProgType {
    match (&fp.aux.dst_prog, fp.prog_type) {
        (Some(dst), BPF_PROG_TYPE_EXT) => dst.prog_type,
        _ => fp.prog_type,
    }
}

/// Mirrors `kernel/bpf/core.c:__bpf_prog_map_compatible()`.
///
/// The first program to use a prog_array becomes its owner; every later
/// program using it (or placed in it) must agree on type, JITed-ness, XDP
/// frags, sleepability and (for prog_arrays) expected attach type, since a
/// tail call jumps from one to the other without any other check.
pub fn __bpf_prog_map_compatible(map: &BpfMap, fp: &BpfProg) -> bool {
    if fp.kprobe_override {
        return false;
    }
    let prog_type = resolve_prog_type(fp);
    let mut owner = map.owner.lock();
    match *owner {
        None => {
            *owner = Some(BpfMapOwner {
                prog_type,
                jited: fp.jited,
                xdp_has_frags: fp.aux.xdp_has_frags,
                sleepable: fp.sleepable,
                expected_attach_type: fp.expected_attach_type,
            });
            true
        }
        Some(o) => {
            let mut ok = o.prog_type == prog_type
                && o.jited == fp.jited
                && o.xdp_has_frags == fp.aux.xdp_has_frags
                && o.sleepable == fp.sleepable;
            if ok
                && map.map_type == BPF_MAP_TYPE_PROG_ARRAY
                && o.expected_attach_type != fp.expected_attach_type
            {
                ok = false;
            }
            ok
        }
    }
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_map_compatible()`: as
/// [`__bpf_prog_map_compatible`], and device-bound programs may not go
/// into program maps at all (they could run outside their device).
pub fn bpf_prog_map_compatible(map: &BpfMap, fp: &BpfProg) -> bool {
    if fp.aux.dev_bound {
        return false;
    }
    __bpf_prog_map_compatible(map, fp)
}

/// Mirrors `kernel/bpf/core.c:bpf_check_tail_call()`: every map the
/// program uses that holds programs must accept it.
pub fn bpf_check_tail_call(fp: &BpfProg) -> Result<(), Errno> {
    for map in &fp.aux.used_maps {
        if map_type_contains_progs(map.map_type) && !__bpf_prog_map_compatible(map, fp) {
            return Err(EINVAL);
        }
    }
    Ok(())
}

/// Runs `prog->bpf_func(ctx, insnsi)`: the interpreter, the JIT image or
/// the device's stand-in. Returns the full r0.
pub fn bpf_func_run(prog: &BpfProg, ctx: *const c_void) -> u64 {
    match &prog.bpf_func {
        BpfFunc::Interpreter { run, .. } => run(ctx, prog),
        BpfFunc::Jited(r) | BpfFunc::Offloaded(r) => r.run(ctx, prog),
        // A program whose runtime was never selected cannot be reached
        // through bpf() (it has no fd); like __bpf_prog_ret0_warn, return 0.
        BpfFunc::Ret0Warn | BpfFunc::Unset => __bpf_prog_ret0_warn(ctx, prog),
    }
}

/// Mirrors `include/linux/filter.h:bpf_prog_run()` (`__bpf_prog_run`).
///
/// Runs the program on `ctx` and returns r0 truncated to 32 bits, as the
/// kernel does. With `stats` (the `bpf_stats_enabled` static key) the run
/// is counted and timed in the current CPU's `prog->stats`.
pub fn bpf_prog_run(prog: &BpfProg, ctx: *const c_void, stats: bool) -> u32 {
    if !stats {
        return bpf_func_run(prog, ctx) as u32;
    }
    let start = Instant::now();
    let ret = bpf_func_run(prog, ctx) as u32;
    let nsecs = start.elapsed().as_nanos() as u64;
    if let Some(s) = &prog.stats {
        s.add_run(BpfRunCtx::current_cpu() as usize, nsecs);
    }
    ret
}

/// One BPF symbol in kallsyms (`struct bpf_ksym`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpfKsym {
    /// First byte of the code.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// `bpf_prog_<tag>[_<name>]`.
    pub name: String,
    /// A program (rather than a trampoline or dispatcher).
    pub prog: bool,
}

/// The BPF symbols the kernel shows in `/proc/kallsyms` and resolves
/// addresses with (`bpf_kallsyms` list and `bpf_tree`), kept by a `Kernel`.
#[derive(Debug, Default)]
pub struct BpfKallsyms {
    syms: RwLock<BTreeMap<u64, BpfKsym>>,
}

impl BpfKallsyms {
    /// Mirrors `kernel/bpf/core.c:bpf_ksym_add()`.
    pub fn bpf_ksym_add(&self, ksym: BpfKsym) {
        self.syms.write().insert(ksym.start, ksym);
    }

    /// Mirrors `kernel/bpf/core.c:bpf_ksym_del()`: removing a symbol that
    /// was never added is a no-op.
    pub fn bpf_ksym_del(&self, start: u64) -> Option<BpfKsym> {
        self.syms.write().remove(&start)
    }

    /// Mirrors `kernel/bpf/core.c:bpf_ksym_find()`: the symbol containing
    /// `addr`.
    pub fn bpf_ksym_find(&self, addr: u64) -> Option<BpfKsym> {
        let syms = self.syms.read();
        let (_, k) = syms.range(..=addr).next_back()?;
        (addr < k.end).then(|| k.clone())
    }

    /// Mirrors `kernel/bpf/core.c:bpf_get_kallsym()`: the `symnum`-th
    /// symbol, as `/proc/kallsyms` lists them; `ERANGE` past the end or
    /// when `bpf_jit_kallsyms_enabled()` is false.
    pub fn bpf_get_kallsym(&self, symnum: u32, enabled: bool) -> Result<BpfKsym, Errno> {
        if !enabled {
            return Err(ERANGE);
        }
        self.syms.read().values().nth(symnum as usize).cloned().ok_or(ERANGE)
    }

    /// Every symbol, by address.
    pub fn snapshot(&self) -> Vec<BpfKsym> {
        self.syms.read().values().cloned().collect()
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.syms.read().len()
    }

    /// No symbols?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Mirrors `include/linux/filter.h:bpf_jit_kallsyms_enabled()`: JIT
/// symbols are shown with `bpf_jit_kallsyms` = 1 and no hardening.
pub fn bpf_jit_kallsyms_enabled(bpf_jit_kallsyms: u32, bpf_jit_harden: u32) -> bool {
    bpf_jit_harden == 0 && bpf_jit_kallsyms == 1
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_kallsyms_candidate()`: only JITed
/// (eBPF) programs have a symbol; interpreted ones run inside the
/// interpreter's.
pub fn bpf_prog_kallsyms_candidate(fp: &BpfProg) -> bool {
    fp.jited && matches!(fp.bpf_func, BpfFunc::Jited(_))
}

/// The address range of a JITed program's image (`bpf_prog_ksym_set_addr`).
pub fn bpf_prog_ksym_addr(fp: &BpfProg) -> Option<(u64, u64)> {
    match &fp.bpf_func {
        BpfFunc::Jited(r) => {
            let img = r.image();
            let start = img.as_ptr() as u64;
            Some((start, start + img.len() as u64))
        }
        _ => None,
    }
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_kallsyms_add()`.
///
/// Publishes a JITed program's image as `bpf_prog_<tag>_<name>` (only
/// for a loader with `CAP_BPF`), and records the symbol in `prog->aux`.
pub fn bpf_prog_kallsyms_add(ks: &BpfKallsyms, fp: &mut BpfProg, bpf_capable: bool) {
    if !bpf_prog_kallsyms_candidate(fp) || !bpf_capable {
        return;
    }
    let Some((start, end)) = bpf_prog_ksym_addr(fp) else { return };
    fp.aux.ksym_start = start;
    fp.aux.ksym_end = end;
    fp.aux.ksym_name = bpf_prog_ksym_name(fp);
    ks.bpf_ksym_add(BpfKsym { start, end, name: fp.aux.ksym_name.clone(), prog: true });
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_kallsyms_del_all()`: the symbols of
/// every subprogram, then the program's own.
pub fn bpf_prog_kallsyms_del_all(ks: &BpfKallsyms, fp: &BpfProg) {
    for f in &fp.aux.func {
        bpf_prog_kallsyms_del(ks, f);
    }
    bpf_prog_kallsyms_del(ks, fp);
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_kallsyms_del()`.
pub fn bpf_prog_kallsyms_del(ks: &BpfKallsyms, fp: &BpfProg) {
    if !bpf_prog_kallsyms_candidate(fp) || fp.aux.ksym_name.is_empty() {
        return;
    }
    ks.bpf_ksym_del(fp.aux.ksym_start);
}

/// Work to do when the last reference to a kernel object goes away: the
/// kernel's `bpf_prog_put_deferred` / `bpf_map_free_id` steps, installed by
/// `bpf-syscall` (which owns the id tables and kallsyms) and run by the
/// object's `Drop` with the object still whole.
pub struct BpfFreeHook<T: ?Sized>(Box<dyn FnOnce(&T) + Send + Sync>);

impl<T: ?Sized> BpfFreeHook<T> {
    /// A hook that runs `f` on the object when the object is dropped.
    pub fn new(f: impl FnOnce(&T) + Send + Sync + 'static) -> BpfFreeHook<T> {
        BpfFreeHook(Box::new(f))
    }

    /// Runs the hook on `obj`.
    pub fn run(self, obj: &T) {
        (self.0)(obj)
    }
}

impl<T: ?Sized> fmt::Debug for BpfFreeHook<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BpfFreeHook")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::{bpf_map_alloc, BpfMapAttr, BpfMapEnv};
    use crate::prog::{bpf_prog_alloc, bpf_prog_size, BpfProgRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn interp_a(_ctx: *const c_void, _p: &BpfProg) -> u64 {
        0x1_0000_0007
    }
    fn interp_b(_ctx: *const c_void, _p: &BpfProg) -> u64 {
        2
    }
    static TABLE: BpfInterpreters = [
        interp_a, interp_b, interp_b, interp_b, interp_b, interp_b, interp_b, interp_b, interp_b, interp_b,
        interp_b, interp_b, interp_b, interp_b, interp_b, interp_b,
    ];

    fn prog(depth: u32) -> Box<BpfProg> {
        let mut p = bpf_prog_alloc(bpf_prog_size(2), 2, true, false);
        p.set_insns(vec![BpfInsn::mov64_imm(0, 7), BpfInsn::exit()]);
        p.aux.stack_depth = depth;
        p.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
        p
    }

    /// A JIT for tests: "compiles" to a fixed image that returns 9.
    #[derive(Debug)]
    struct FakeJit;
    #[derive(Debug)]
    struct FakeImage(Vec<u8>);
    impl BpfProgRunner for FakeImage {
        fn run(&self, _ctx: *const c_void, _prog: &BpfProg) -> u64 {
            9
        }
        fn image(&self) -> &[u8] {
            &self.0
        }
    }
    impl BpfJit for FakeJit {
        fn bpf_int_jit_compile(&self, mut prog: Box<BpfProg>) -> Box<BpfProg> {
            let img = Arc::new(FakeImage(vec![0xc3; 16]));
            prog.jited_len = 16;
            prog.jited = true;
            prog.bpf_func = BpfFunc::Jited(img);
            prog
        }
    }

    #[test]
    fn interpreter_by_stack_depth() {
        let mut p = prog(0);
        assert!(bpf_prog_select_interpreter(&mut p, Some(&TABLE)));
        assert!(matches!(p.bpf_func, BpfFunc::Interpreter { stack_size: 32, .. }));
        let mut p = prog(33);
        assert!(bpf_prog_select_interpreter(&mut p, Some(&TABLE)));
        assert!(matches!(p.bpf_func, BpfFunc::Interpreter { stack_size: 64, .. }));
        let mut p = prog(512);
        assert!(bpf_prog_select_interpreter(&mut p, Some(&TABLE)));
        assert!(matches!(p.bpf_func, BpfFunc::Interpreter { stack_size: 512, .. }));
        let mut p = prog(513);
        assert!(!bpf_prog_select_interpreter(&mut p, Some(&TABLE)));
        assert!(matches!(p.bpf_func, BpfFunc::Ret0Warn));
        let mut p = prog(8);
        assert!(!bpf_prog_select_interpreter(&mut p, None));
    }

    #[test]
    fn declining_jit_falls_back_to_the_interpreter() {
        let rt = BpfRuntime { jit: &BpfNoJit, interpreters: Some(&TABLE), offload: &BpfNoOffload };
        let mut t = BpfTrace::new(true);
        let (p, r) = bpf_prog_select_runtime(prog(8), &rt, &mut t);
        assert_eq!(r, Ok(()));
        assert!(!p.jited);
        // r0 is truncated to 32 bits, as bpf_prog_run returns u32.
        assert_eq!(bpf_prog_run(&p, std::ptr::null(), false), 7);
        assert_eq!(
            t.calls(),
            [
                "bpf_prog_select_interpreter",
                "bpf_prog_alloc_jited_linfo",
                "bpf_int_jit_compile",
                "bpf_prog_jit_attempt_done",
                "bpf_prog_lock_ro",
                "bpf_check_tail_call"
            ]
        );
    }

    #[test]
    fn no_interpreter_and_no_jit_is_enotsupp() {
        let rt = BpfRuntime { jit: &BpfNoJit, interpreters: None, offload: &BpfNoOffload };
        let (_, r) = bpf_prog_select_runtime(prog(8), &rt, &mut BpfTrace::off());
        assert_eq!(r, Err(ENOTSUPP));
        let rt = BpfRuntime { jit: &BpfNoJit, interpreters: Some(&TABLE), offload: &BpfNoOffload };
        let (_, r) = bpf_prog_select_runtime(prog(600), &rt, &mut BpfTrace::off());
        assert_eq!(r, Err(ENOTSUPP));
    }

    #[test]
    fn jited_programs_get_a_symbol_and_stats() {
        let rt = BpfRuntime { jit: &FakeJit, interpreters: Some(&TABLE), offload: &BpfNoOffload };
        let (mut p, r) = bpf_prog_select_runtime(prog(8), &rt, &mut BpfTrace::off());
        assert_eq!(r, Ok(()));
        assert!(p.jited);
        crate::prog::bpf_prog_calc_tag(&mut p);
        let ks = BpfKallsyms::default();
        bpf_prog_kallsyms_add(&ks, &mut p, false);
        assert!(ks.is_empty(), "no symbol without CAP_BPF");
        bpf_prog_kallsyms_add(&ks, &mut p, true);
        let sym = ks.bpf_get_kallsym(0, true).unwrap();
        assert_eq!(sym.name, format!("bpf_prog_{}", p.tag_hex()));
        assert_eq!(ks.bpf_ksym_find(sym.start + 3), Some(sym.clone()));
        assert_eq!(ks.bpf_ksym_find(sym.end), None);
        assert_eq!(ks.bpf_get_kallsym(0, bpf_jit_kallsyms_enabled(1, 1)), Err(ERANGE));
        assert_eq!(bpf_prog_run(&p, std::ptr::null(), true), 9);
        assert_eq!(p.stats.as_ref().unwrap().sum().cnt, 1);
        bpf_prog_kallsyms_del_all(&ks, &p);
        assert!(ks.is_empty());
    }

    #[test]
    fn prog_array_owner_and_compatibility() {
        let env =
            BpfMapEnv { nr_cpus: 1, bpf_capable: true, bypass_spec_v1: true, sys_admin: true, hash_seed: 0 };
        let a = BpfMapAttr {
            map_type: BPF_MAP_TYPE_PROG_ARRAY,
            key_size: 4,
            value_size: 4,
            max_entries: 2,
            ..Default::default()
        };
        let map = Arc::new(bpf_map_alloc(&a, &env).unwrap());
        let p1 = prog(8);
        let mut p2 = prog(8);
        p2.prog_type = BPF_PROG_TYPE_XDP;
        assert!(bpf_prog_map_compatible(&map, &p1));
        assert!(!bpf_prog_map_compatible(&map, &p2));
        let mut p3 = prog(8);
        p3.aux.dev_bound = true;
        assert!(!bpf_prog_map_compatible(&map, &p3));
        p2.aux.used_maps.push(map.clone());
        assert_eq!(bpf_check_tail_call(&p2), Err(EINVAL));
        let mut p4 = prog(8);
        p4.aux.used_maps.push(map);
        assert_eq!(bpf_check_tail_call(&p4), Ok(()));
    }

    #[test]
    fn free_hooks_run_when_the_object_drops() {
        let n = Arc::new(AtomicUsize::new(0));
        let mut p = prog(8);
        p.aux.id = 5;
        let c = n.clone();
        p.aux.free_hook = Some(BpfFreeHook::new(move |p: &BpfProg| {
            c.fetch_add(p.aux.id as usize, Ordering::SeqCst);
        }));
        let shared: Arc<BpfProg> = Arc::from(p);
        let other = shared.clone();
        drop(shared);
        assert_eq!(n.load(Ordering::SeqCst), 0);
        drop(other);
        assert_eq!(n.load(Ordering::SeqCst), 5);
    }
}

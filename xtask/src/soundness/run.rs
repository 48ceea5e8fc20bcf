//! Loading a case through the project's `bpf()` and running the program
//! `bpf_prog_load` left in the interpreter's checked mode.
//!
//! The context is built as `net/bpf/test_run.c` builds it (the same
//! [`Skb`] construction, `eth_type_trans`, data pointers; the same XDP
//! page layout), but the regions the checked mode allows are the tight
//! ones the verifier reasons about: the packet from `data_meta` to
//! `data_end` (not the headroom or tailroom around it), the context
//! object, the stack frames of the verified depths, the values of the
//! program's maps. An XDP context and the raw contexts (kprobe
//! `pt_regs`, tracepoint records) are read-only, as their
//! `is_valid_access` makes them.
//!
//! Map values are reachable only through the pointers the run obtained
//! (the checked mode's `strict_map_values`): a lookup's value, a direct
//! value; an access that runs off one array element into the next is a
//! fault, as the verifier sees it.
//!
//! Two limits of the checker, both on the permissive side: a program that
//! calls a helper which changes packet data (`bpf_helper_changes_pkt_data`)
//! gets the whole packet buffer as its region, because the helper moves
//! `data` and `data_end` and the region is fixed for the run; and a write
//! into the `SkBuff` is checked only for its bounds (plus, after the run,
//! that no pointer field of the context changed).

use super::case::SoundCase;
use super::inputs::{
    resettable, syscall_value, CtxKind, Inputs, SkbFields, ARRAY_RESET_MAX, CASE_INPUTS, ETH_HLEN,
};
use crate::gen::Rng;
use bpf_core::ctx::{SkBuff, XdpBuff};
use bpf_core::disasm::{dump_xlated, func_id_name, print_bpf_insn, BpfInsnCbs};
use bpf_core::errno::Errno;
use bpf_core::helpers::net::{
    bpf_skb_load_helper_16_no_cache, bpf_skb_load_helper_32_no_cache, bpf_skb_load_helper_8_no_cache,
};
use bpf_core::prog::BpfProg;
use bpf_core::run_ctx::BpfRunCtx;
use bpf_core::uapi::*;
use bpf_interp::{
    run_checked_stats, HelperArg, HelperCalls, HelperDesc, HelperRet, InterpError, InterpErrorKind,
    MemRegion, RunConfig,
};
use bpf_syscall::netdev::NetDevice;
use bpf_syscall::skb::{RawBuf, Skb, NET_SKB_PAD, PAGE_SIZE, SKB_SHINFO_SIZE};
use bpf_syscall::{Bpf, File, Kernel, MapCreateOpts, ProgLoadOpts, Task};
use bpf_verifier::calls::{bpf_helper_changes_pkt_data, __BPF_FUNC_MAX_ID};
use bpf_verifier::ops::{bpf_verifier_ops, BpfCaps, UNSUPPORTED};
use std::fmt::{self, Write as _};
use std::mem::size_of;
use std::sync::Arc;
use std::time::Instant;

/// `XDP_PACKET_HEADROOM`.
const XDP_PACKET_HEADROOM: usize = 256;

/// How a case is checked.
#[derive(Clone, Debug)]
pub struct CheckOpts {
    /// Run the case's own inputs first.
    pub case_inputs: bool,
    /// Random inputs after those.
    pub random_runs: usize,
    /// Seed of the random inputs (mixed with the case name).
    pub seed: u64,
    /// Instructions a run on random inputs may execute before it is
    /// stopped as inconclusive.
    pub insn_limit: u64,
    /// The same for the run on the case's own inputs (larger: a
    /// `may_goto` loop runs its 8M iterations there).
    pub case_insn_limit: u64,
    /// Reload a program that faulted with a level-1 log for the report.
    pub log_on_fault: bool,
    /// Load with a level-1 log, so a rejection comes with its reason
    /// ([`CaseReport::error_line`]).
    pub reasons: bool,
}

impl Default for CheckOpts {
    fn default() -> Self {
        CheckOpts {
            case_inputs: true,
            random_runs: 6,
            seed: 1,
            insn_limit: 1 << 22,
            case_insn_limit: 1 << 26,
            log_on_fault: true,
            reasons: false,
        }
    }
}

/// What `BPF_PROG_LOAD` said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Loaded: the program was run.
    Accepted,
    /// Refused by the verifier (or another load step) with this errno.
    Rejected(Errno),
    /// Never reached the load (a map could not be made or filled).
    NotLoaded(String),
}

/// Why a run is a soundness failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The checked mode stopped the run.
    Interp(InterpError),
    /// After the run, a pointer field of the context object differs:
    /// the program wrote where `is_valid_access` allows no write.
    CtxPointer {
        /// The field (`data`, `data_end`...).
        field: &'static str,
        /// Its value before the run.
        before: u64,
        /// After.
        after: u64,
    },
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::Interp(e) => write!(f, "{e}"),
            FaultKind::CtxPointer { field, before, after } => {
                write!(f, "the context's `{field}` changed from {before:#x} to {after:#x} during the run")
            }
        }
    }
}

/// A verified program that made an invalid access, with what is needed to
/// understand it.
#[derive(Clone, Debug)]
pub struct Fault {
    /// The case.
    pub case: String,
    /// What the run started from.
    pub inputs: String,
    /// What went wrong.
    pub kind: FaultKind,
    /// Index of the faulting instruction in the xlated program (`None`
    /// for faults found after the run).
    pub insn: Option<usize>,
    /// That instruction as the kernel prints it (`(61) r0 = *(u32 *)(r1 +8)`);
    /// empty when the fault is in a tail-call target.
    pub insn_text: String,
    /// The xlated program, as `bpftool prog dump xlated` prints it, the
    /// faulting instruction marked.
    pub xlated: String,
    /// The program as loaded (before the verifier's rewrites).
    pub original: String,
    /// The verifier's level-1 log of the same program.
    pub log: String,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "SOUNDNESS: {}: accepted by the verifier, then {}", self.case, self.kind)?;
        if let Some(i) = self.insn {
            writeln!(f, "  at xlated insn {i}: {}", self.insn_text)?;
        }
        writeln!(f, "  inputs: {}", self.inputs)?;
        writeln!(f, "  program as loaded:")?;
        for l in self.original.lines() {
            writeln!(f, "    {l}")?;
        }
        writeln!(f, "  xlated:")?;
        for l in self.xlated.lines() {
            writeln!(f, "    {l}")?;
        }
        writeln!(f, "  verifier log (level 1):")?;
        let lines: Vec<&str> = self.log.lines().collect();
        let shown: Vec<&str> = if lines.len() > 160 {
            let mut v = lines[..40].to_vec();
            v.push("...");
            v.extend_from_slice(&lines[lines.len() - 110..]);
            v
        } else {
            lines
        };
        for l in shown {
            writeln!(f, "    | {l}")?;
        }
        Ok(())
    }
}

/// What checking one case found.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The case.
    pub name: String,
    /// The load's verdict.
    pub verdict: Verdict,
    /// Runs made.
    pub runs: usize,
    /// Runs stopped without a verdict (instruction budget, kfunc calls),
    /// with the reason.
    pub inconclusive: Vec<String>,
    /// Runs that faulted.
    pub faults: usize,
    /// The first fault.
    pub first_fault: Option<Box<Fault>>,
    /// Why the verifier refused the program (the log's last error line),
    /// when [`CheckOpts::reasons`] asked for it.
    pub error_line: Option<String>,
    /// Setting up a run failed (a map update the harness needs): a bug of
    /// the harness, not of the verifier.
    pub harness_errors: Vec<String>,
}

impl CaseReport {
    /// Accepted by the verifier.
    pub fn accepted(&self) -> bool {
        self.verdict == Verdict::Accepted
    }
}

/// The helpers a program of type `prog.prog_type` may call, with the
/// contracts the checked mode checks their arguments against: every
/// `get_func_proto` answer of the type's verifier ops for a privileged
/// loader, plus the `LD_ABS`/`LD_IND` load helpers and the inlined hash
/// lookup's `__htab_map_lookup_elem` that `do_misc_fixups` calls.
pub fn helper_table(prog: &BpfProg) -> Vec<HelperDesc> {
    let ops = bpf_verifier_ops(prog.prog_type).unwrap_or(&UNSUPPORTED);
    let caps = BpfCaps { bpf: true, perfmon: true, sys_admin: true };
    let mut out: Vec<HelperDesc> = (1..__BPF_FUNC_MAX_ID)
        .filter_map(|id| {
            let proto = (ops.get_func_proto)(id, prog, caps)?;
            Some(HelperDesc::from_proto(id as u32, func_id_name(id), proto))
        })
        .collect();
    let ctx_arg =
        [HelperArg::Ctx, HelperArg::Anything, HelperArg::Unused, HelperArg::Unused, HelperArg::Unused];
    for (name, func) in [
        ("bpf_skb_load_helper_8_no_cache", bpf_skb_load_helper_8_no_cache as bpf_core::helpers::BpfHelperFn),
        ("bpf_skb_load_helper_16_no_cache", bpf_skb_load_helper_16_no_cache),
        ("bpf_skb_load_helper_32_no_cache", bpf_skb_load_helper_32_no_cache),
    ] {
        out.push(HelperDesc { id: 0, name, func, args: ctx_arg, ret: HelperRet::Integer });
    }
    // the call of a hash map lookup do_misc_fixups inlines
    out.push(HelperDesc {
        id: 0,
        name: "__htab_map_lookup_elem",
        func: bpf_core::helpers::maps::__htab_map_lookup_elem,
        args: [
            HelperArg::MapPtr,
            HelperArg::MapKey { map_arg: 1 },
            HelperArg::Unused,
            HelperArg::Unused,
            HelperArg::Unused,
        ],
        ret: HelperRet::MapElemOrNull,
    });
    out
}

/// Names helper calls of an xlated program from a helper table.
struct HelperNames<'a>(&'a [HelperDesc]);

impl BpfInsnCbs for HelperNames<'_> {
    fn cb_call(&self, insn: &BpfInsn) -> Option<String> {
        self.0.iter().find(|h| h.call_imm() == Some(insn.imm)).map(|h| h.name.to_string())
    }
}

/// Does the xlated program call a helper that moves the packet?
fn changes_pkt_data(prog: &BpfProg, helpers: &[HelperDesc]) -> bool {
    prog.insns().iter().any(|i| {
        i.code == BPF_JMP | BPF_CALL
            && i.src_reg() == 0
            && helpers
                .iter()
                .any(|h| h.id != 0 && h.call_imm() == Some(i.imm) && bpf_helper_changes_pkt_data(h.id as i32))
    })
}

/// A loaded case: its kernel, task, map fds and program.
struct Loaded {
    kernel: Kernel,
    task: Task,
    fds: Vec<i32>,
    prog: Option<Arc<BpfProg>>,
    verdict: Verdict,
}

impl Loaded {
    fn bpf(&self) -> Bpf<'_> {
        Bpf::new(&self.kernel, &self.task)
    }
}

/// The program with map indexes replaced by the fds of this load (`-1`
/// for an index out of range), as `bpftool batch` patches cases.
fn patch_map_refs(insns: &[BpfInsn], fds: &[i32]) -> Vec<BpfInsn> {
    let mut out = insns.to_vec();
    let mut i = 0;
    while i < out.len() {
        let insn = out[i];
        if insn.is_ld_imm64() {
            if matches!(insn.src_reg(), BPF_PSEUDO_MAP_FD | BPF_PSEUDO_MAP_VALUE) {
                out[i].imm = usize::try_from(insn.imm).ok().and_then(|k| fds.get(k)).copied().unwrap_or(-1);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

fn load_opts(case: &SoundCase, fds: &[i32], log_level: u32) -> ProgLoadOpts {
    let mut o = ProgLoadOpts::new(case.prog_type, patch_map_refs(&case.insns, fds));
    o.expected_attach_type = case.expected_attach_type;
    o.prog_flags = case.prog_flags;
    o.fd_array = fds.to_vec();
    o.log_level = log_level;
    o.log_size = if log_level != 0 { 16 << 20 } else { 0 };
    o
}

fn load(case: &SoundCase, log_level: u32) -> (Loaded, Option<String>) {
    let mut l = Loaded {
        kernel: Kernel::new(),
        task: Task::root(),
        fds: Vec::new(),
        prog: None,
        verdict: Verdict::NotLoaded(String::new()),
    };
    let nr_cpus = l.kernel.nr_cpus();
    for (i, m) in case.maps.iter().enumerate() {
        let mut o = MapCreateOpts::new(BpfMapType(m.map_type), m.key_size, m.value_size, m.max_entries)
            .flags(BpfMapFlags::from_bits_retain(m.flags));
        if let Some(inner) = m.inner_map {
            o.attr.inner_map_fd = l.fds.get(inner).copied().unwrap_or(-1) as u32;
        }
        let fd = match l.bpf().map_create(&o) {
            Ok(fd) => fd,
            Err(e) => {
                l.verdict = Verdict::NotLoaded(format!("map {i}: BPF_MAP_CREATE: {e:?}"));
                return (l, None);
            }
        };
        l.fds.push(fd);
        for (k, v) in &m.init {
            if let Err(e) = l.bpf().map_update_elem(fd, k, &syscall_value(m, v, nr_cpus), 0) {
                l.verdict = Verdict::NotLoaded(format!("map {i}: BPF_MAP_UPDATE_ELEM: {e:?}"));
                return (l, None);
            }
        }
    }
    let out = l.bpf().prog_load(&load_opts(case, &l.fds, log_level));
    let error_line = out.result.is_err().then(|| bpftool::batch::log_error_line(&out.log)).flatten();
    match out.result {
        Ok(fd) => {
            l.prog = match l.task.fdget(fd) {
                Ok(File::Prog(p)) => Some(p),
                _ => None,
            };
            l.verdict = if l.prog.is_some() {
                Verdict::Accepted
            } else {
                Verdict::NotLoaded("the program fd does not hold a program".into())
            };
        }
        Err(e) => l.verdict = Verdict::Rejected(e),
    }
    (l, error_line)
}

/// Empties (zeroes) each map the inputs name and writes their entries.
fn set_maps(l: &Loaded, case: &SoundCase, inputs: &Inputs) -> Result<(), String> {
    let bpf = l.bpf();
    let nr_cpus = l.kernel.nr_cpus();
    for (i, contents) in inputs.maps.iter().enumerate() {
        let (Some(entries), Some(m), Some(&fd)) = (contents, case.maps.get(i), l.fds.get(i)) else {
            continue;
        };
        if !resettable(m.map_type) {
            continue;
        }
        let is_array = matches!(BpfMapType(m.map_type), BPF_MAP_TYPE_ARRAY | BPF_MAP_TYPE_PERCPU_ARRAY);
        if is_array {
            let zero = syscall_value(m, &vec![0; m.value_size as usize], nr_cpus);
            for idx in 0..m.max_entries.min(ARRAY_RESET_MAX) {
                let mut key = idx.to_le_bytes().to_vec();
                key.resize(m.key_size as usize, 0);
                bpf.map_update_elem(fd, &key, &zero, 0)
                    .map_err(|e| format!("map {i}: zeroing {idx}: {e:?}"))?;
            }
        } else {
            for key in bpf.map_keys(fd).map_err(|e| format!("map {i}: keys: {e:?}"))? {
                bpf.map_delete_elem(fd, &key).map_err(|e| format!("map {i}: delete: {e:?}"))?;
            }
        }
        for (k, v) in entries {
            // An array index past the end (E2BIG) or a full table: the
            // map simply does not hold that entry.
            let _ = bpf.map_update_elem(fd, k, &syscall_value(m, v, nr_cpus), 0);
        }
    }
    Ok(())
}

/// The outcome of one checked run.
enum RunResult {
    Ok,
    Fault(FaultKind),
    Inconclusive(String),
}

/// Classifies a checked-mode error: which ones a verified program must
/// never hit.
fn classify(e: InterpError) -> RunResult {
    match e.kind {
        InterpErrorKind::InsnLimit { limit } => {
            RunResult::Inconclusive(format!("stopped after {limit} instructions"))
        }
        InterpErrorKind::Unsupported { what } => {
            RunResult::Inconclusive(format!("{what} is not interpreted"))
        }
        _ => RunResult::Fault(FaultKind::Interp(e)),
    }
}

fn skb_fields(s: &mut SkBuff, f: &SkbFields) {
    s.mark = f.mark;
    s.priority = f.priority;
    s.skb_iif = f.ingress_ifindex;
    s.tstamp = f.tstamp;
    s.cb = f.cb;
    s.wire_len = s.len.saturating_add(f.wire_len_extra);
    s.gso_segs = f.gso_segs;
    s.gso_size = f.gso_size;
    s.hwtstamp = f.hwtstamp;
    s.hash = f.hash;
    // vlan_present is the kernel's `vlan_all != 0`
    s.vlan_tci = f.vlan_tci;
    s.vlan_proto = if f.vlan_present != 0 { 0x81_00 } else { 0 };
    if f.vlan_present == 0 {
        s.vlan_tci = 0;
    }
    s.queue_mapping = f.queue_mapping;
    s.tc_index = f.tc_index;
    s.tc_classid = f.tc_classid;
    s.napi_id = f.napi_id;
}

/// What a run needs besides the inputs.
#[derive(Clone, Copy)]
struct RunEnv<'a> {
    prog: &'a BpfProg,
    helpers: &'a [HelperDesc],
    kind: CtxKind,
    lo: &'a NetDevice,
    insn_limit: u64,
    whole_buffer: bool,
    nr_cpus: u32,
    boot: Instant,
}

fn run_with(env: &RunEnv<'_>, cfg: RunConfig<'_>, cpu: u32) -> Result<u64, InterpError> {
    let rc = BpfRunCtx::new(cpu, env.nr_cpus, env.boot);
    let _g = rc.enter();
    run_checked_stats(env.prog.insns(), &cfg).map(|s| s.r0)
}

fn base_cfg<'a>(env: &RunEnv<'a>) -> RunConfig<'a> {
    RunConfig::for_prog(env.prog)
        .with_helpers(HelperCalls::CallImm(env.helpers))
        .with_insn_limit(env.insn_limit)
        .with_strict_map_values()
}

/// One checked run of the program on `inputs`.
fn run_once(env: &RunEnv<'_>, inputs: &Inputs) -> RunResult {
    match env.kind {
        CtxKind::Skb { l2, direct } => {
            let mut s = Skb::build(&inputs.data, NET_SKB_PAD, SKB_SHINFO_SIZE);
            s.skb.protocol = s.eth_type_trans(env.lo);
            s.skb_reset_network_header();
            if l2 {
                s.skb_push(ETH_HLEN);
            }
            if direct {
                s.bpf_compute_data_pointers();
            }
            skb_fields(&mut s.skb, &inputs.skb);
            let obj = Guarded::new(*s.skb);
            // Without direct access `data_meta` is not computed (0); the
            // packet is then what LD_ABS and the helpers read: data..+len.
            let start = if direct { s.skb.data_meta } else { s.skb.data };
            let (start, len) = if env.whole_buffer {
                (s.buf.addr(), s.buf.len() as u64)
            } else {
                (start, s.skb.data + u64::from(s.skb.len) - start)
            };
            let before = obj.get();
            let ctx = obj.addr();
            let mut cfg = base_cfg(env);
            cfg.args[0] = ctx;
            cfg.ctx = Some(ctx);
            cfg.skb = Some(ctx);
            // SAFETY: the SkBuff lives in `obj` and the packet in `s.buf`,
            // heap blocks that outlive the run; nothing else touches them
            // while it runs.
            let cfg = unsafe {
                cfg.with_raw_region(MemRegion {
                    name: "ctx".into(),
                    start: ctx,
                    len: size_of::<SkBuff>() as u64,
                    writable: true,
                })
                .with_raw_region(MemRegion {
                    name: "packet".into(),
                    start,
                    len,
                    writable: true,
                })
            };
            let r = run_with(env, cfg, inputs.cpu);
            let after = obj.get();
            finish(
                r,
                env.whole_buffer,
                &[
                    ("data", before.data, after.data),
                    ("data_end", before.data_end, after.data_end),
                    ("data_meta", before.data_meta, after.data_meta),
                    ("head", before.head, after.head),
                    ("sk", before.sk, after.sk),
                ],
            )
        }
        CtxKind::Xdp => {
            let meta = inputs.xdp_meta as usize;
            let headroom = XDP_PACKET_HEADROOM - meta;
            let tailroom = SKB_SHINFO_SIZE;
            let max_linear = PAGE_SIZE - headroom - tailroom;
            let mut buf = RawBuf::new(max_linear.next_multiple_of(64) + headroom + tailroom);
            let linear = inputs.data.len().min(max_linear);
            buf.write(headroom, &inputs.data[..linear]);
            let base = buf.addr();
            let obj = Guarded::new(XdpBuff {
                data_hard_start: base,
                data_meta: base + headroom as u64,
                data: base + (headroom + meta) as u64,
                data_end: base + (headroom + linear) as u64,
                ingress_ifindex: 1,
                rx_queue_index: 0,
                egress_ifindex: 0,
                frame_sz: PAGE_SIZE as u32,
            });
            let before = obj.get();
            let (start, len) = if env.whole_buffer {
                (base, buf.len() as u64)
            } else {
                (before.data_meta, before.data_end - before.data_meta)
            };
            let ctx = obj.addr();
            let mut cfg = base_cfg(env);
            cfg.args[0] = ctx;
            cfg.ctx = Some(ctx);
            // SAFETY: the XdpBuff lives in `obj` and the packet in `buf`,
            // heap blocks that live until after the run and are touched by
            // nothing else meanwhile.
            let cfg = unsafe {
                cfg.with_raw_region(MemRegion {
                    name: "ctx".into(),
                    start: ctx,
                    len: size_of::<XdpBuff>() as u64,
                    writable: false,
                })
                .with_raw_region(MemRegion {
                    name: "packet".into(),
                    start,
                    len,
                    writable: true,
                })
            };
            let r = run_with(env, cfg, inputs.cpu);
            let after = obj.get();
            drop(buf);
            finish(
                r,
                env.whole_buffer,
                &[
                    ("data", before.data, after.data),
                    ("data_end", before.data_end, after.data_end),
                    ("data_meta", before.data_meta, after.data_meta),
                    ("data_hard_start", before.data_hard_start, after.data_hard_start),
                ],
            )
        }
        CtxKind::Raw { .. } => {
            let mut buf = RawBuf::new(2 * GUARD + inputs.raw_ctx.len());
            buf.write(GUARD, &inputs.raw_ctx);
            let addr = buf.addr() + GUARD as u64;
            let mut cfg = base_cfg(env);
            cfg.args[0] = addr;
            cfg.ctx = Some(addr);
            // SAFETY: `buf` holds the context and outlives the run.
            let cfg = unsafe {
                cfg.with_raw_region(MemRegion {
                    name: "ctx".into(),
                    start: addr,
                    len: inputs.raw_ctx.len() as u64,
                    writable: false,
                })
            };
            let r = run_with(env, cfg, inputs.cpu);
            drop(buf);
            finish(r, false, &[])
        }
    }
}

/// Bytes of unused memory on each side of a context object: an access
/// that runs off a map value or the packet must not land in another
/// region by the accident of heap layout (the checked mode knows
/// addresses, not which object a pointer came from).
const GUARD: usize = 512;

/// A `T` in the middle of a heap block with [`GUARD`] bytes on each side.
struct Guarded<T: Copy> {
    buf: RawBuf,
    _t: std::marker::PhantomData<T>,
}

impl<T: Copy> Guarded<T> {
    fn new(v: T) -> Self {
        let buf = RawBuf::new(2 * GUARD + size_of::<T>());
        // SAFETY: the block holds `GUARD + size_of::<T>()` bytes at least,
        // and is 64-byte aligned, so `GUARD` is aligned for `T`.
        unsafe { std::ptr::write((buf.addr() as usize + GUARD) as *mut T, v) };
        Guarded { buf, _t: std::marker::PhantomData }
    }

    fn addr(&self) -> u64 {
        self.buf.addr() + GUARD as u64
    }

    fn get(&self) -> T {
        // SAFETY: written in `new`; a run may have changed the bytes, and
        // every bit pattern is a valid `T` for the plain-data contexts used.
        unsafe { std::ptr::read(self.addr() as usize as *const T) }
    }
}

fn finish(r: Result<u64, InterpError>, moved: bool, ptrs: &[(&'static str, u64, u64)]) -> RunResult {
    if let Err(e) = r {
        return classify(e);
    }
    if !moved {
        if let Some(&(field, before, after)) = ptrs.iter().find(|(_, b, a)| b != a) {
            return RunResult::Fault(FaultKind::CtxPointer { field, before, after });
        }
    }
    RunResult::Ok
}

/// A seed for the random inputs of one case: the run's seed mixed with
/// the case name (so a case's inputs do not depend on its position).
fn case_seed(seed: u64, name: &str) -> u64 {
    name.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Loads `case` and, when the verifier accepts it, runs the xlated
/// program in the checked mode on the case's inputs and on random ones.
pub fn check_case(case: &SoundCase, opts: &CheckOpts) -> CaseReport {
    let (l, error_line) = load(case, u32::from(opts.reasons));
    let mut report = CaseReport {
        name: case.name.clone(),
        verdict: l.verdict.clone(),
        error_line,
        runs: 0,
        inconclusive: Vec::new(),
        faults: 0,
        first_fault: None,
        harness_errors: Vec::new(),
    };
    let Some(prog) = l.prog.clone() else { return report };
    let helpers = helper_table(&prog);
    let lo = NetDevice::new(1, "lo", false, 1);
    let env = RunEnv {
        prog: &prog,
        helpers: &helpers,
        kind: CtxKind::of(case.prog_type),
        lo: &lo,
        insn_limit: opts.insn_limit,
        whole_buffer: changes_pkt_data(&prog, &helpers),
        nr_cpus: l.kernel.nr_cpus(),
        boot: l.kernel.boot(),
    };
    let mut rng = Rng::new(case_seed(opts.seed, &case.name));
    let mut all: Vec<Inputs> = Vec::new();
    if opts.case_inputs {
        all.push(Inputs::of_case(case));
    }
    for k in 0..opts.random_runs {
        all.push(Inputs::random(
            case,
            &mut rng,
            env.nr_cpus,
            format!("random inputs #{k} (seed {})", opts.seed),
        ));
    }
    for inputs in &all {
        if let Err(e) = set_maps(&l, case, inputs) {
            report.harness_errors.push(format!("{}: {e}", inputs.label));
            continue;
        }
        report.runs += 1;
        let limit = if inputs.label == CASE_INPUTS { opts.case_insn_limit } else { opts.insn_limit };
        match run_once(&RunEnv { insn_limit: limit, ..env }, inputs) {
            RunResult::Ok => {}
            RunResult::Inconclusive(why) => {
                report.inconclusive.push(format!("{}: {why}", inputs.label));
                if inputs.label != CASE_INPUTS {
                    // More random inputs would run out of budget the same way.
                    break;
                }
            }
            RunResult::Fault(kind) => {
                report.faults += 1;
                if report.first_fault.is_none() {
                    report.first_fault = Some(Box::new(describe_fault(&l, case, &env, inputs, kind, opts)));
                }
            }
        }
    }
    report
}

fn describe_fault(
    l: &Loaded,
    case: &SoundCase,
    env: &RunEnv<'_>,
    inputs: &Inputs,
    kind: FaultKind,
    opts: &CheckOpts,
) -> Fault {
    let names = HelperNames(env.helpers);
    let insns = env.prog.insns();
    let (insn, in_entry) = match &kind {
        FaultKind::Interp(e) => (Some(e.insn), e.tail_calls == 0),
        FaultKind::CtxPointer { .. } => (None, false),
    };
    let insn_text = match insn {
        Some(i) if in_entry => print_bpf_insn(&names, insns, i, true),
        Some(_) => "(in a tail-call target)".into(),
        None => String::new(),
    };
    let mut xlated = String::new();
    for line in dump_xlated(&names, insns).lines() {
        let idx = line.split(':').next().and_then(|s| s.trim().parse::<usize>().ok());
        let mark = if in_entry && idx.is_some() && idx == insn { "=> " } else { "   " };
        let _ = writeln!(xlated, "{mark}{line}");
    }
    let original = bpf_core::disasm::disasm(&bpf_core::disasm::AsmCbs, &case.insns);
    let log = if opts.log_on_fault {
        let out = l.bpf().prog_load(&load_opts(case, &l.fds, 1));
        if let Ok(fd) = out.result {
            let _ = l.bpf().close(fd);
        }
        out.log
    } else {
        String::new()
    };
    Fault {
        case: case.name.clone(),
        inputs: inputs.describe(env.kind),
        kind,
        insn,
        insn_text,
        xlated,
        original,
        log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpf_core::asm::asm;

    fn case(prog_type: BpfProgType, text: &str) -> SoundCase {
        SoundCase {
            name: "t".into(),
            prog_type,
            insns: asm(text).unwrap(),
            maps: vec![],
            data: None,
            ctx: None,
            expected_attach_type: 0,
            prog_flags: 0,
        }
    }

    #[test]
    fn a_safe_program_runs_clean() {
        let c = case(
            BPF_PROG_TYPE_XDP,
            "r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\n\
             r0 = *(u8 *)(r2 +13)\nout:\nr0 = 2\nexit\n",
        );
        let r = check_case(&c, &CheckOpts::default());
        assert!(r.accepted(), "{:?}", r.verdict);
        assert_eq!(r.runs, 7);
        assert_eq!(r.faults, 0, "{}", r.first_fault.unwrap());
    }

    /// Runs an unverified program (as if the verifier had accepted it) on
    /// `inputs` and returns the fault, if any.
    fn fault_of(prog_type: BpfProgType, text: &str, inputs: &Inputs) -> Option<FaultKind> {
        let insns = asm(text).unwrap();
        let mut prog = bpf_core::prog::bpf_prog_alloc(
            bpf_core::prog::bpf_prog_size(insns.len() as u32),
            1,
            false,
            false,
        );
        prog.set_insns(insns);
        prog.prog_type = prog_type;
        prog.aux.stack_depth = 16;
        let helpers = helper_table(&prog);
        let lo = NetDevice::new(1, "lo", false, 1);
        let env = RunEnv {
            prog: &prog,
            helpers: &helpers,
            kind: CtxKind::of(prog_type),
            lo: &lo,
            insn_limit: 1000,
            whole_buffer: false,
            nr_cpus: 1,
            boot: Instant::now(),
        };
        match run_once(&env, inputs) {
            RunResult::Ok => None,
            RunResult::Fault(k) => Some(k),
            RunResult::Inconclusive(w) => panic!("inconclusive: {w}"),
        }
    }

    fn bad_access(k: Option<FaultKind>) -> bool {
        matches!(k, Some(FaultKind::Interp(InterpError { kind: InterpErrorKind::BadAccess { .. }, .. })))
    }

    #[test]
    fn the_regions_are_the_tight_ones() {
        let xdp = case(BPF_PROG_TYPE_XDP, "exit\n");
        let mut inputs = Inputs::of_case(&xdp);
        inputs.data = vec![7; 20];
        // The last packet byte is fine, one past it or one before `data` is not.
        let last = "r2 = *(u64 *)(r1 +0)\nr0 = *(u8 *)(r2 +19)\nexit\n";
        assert_eq!(fault_of(BPF_PROG_TYPE_XDP, last, &inputs), None);
        assert!(bad_access(fault_of(
            BPF_PROG_TYPE_XDP,
            "r2 = *(u64 *)(r1 +0)\nr0 = *(u8 *)(r2 +20)\nexit\n",
            &inputs
        )));
        assert!(bad_access(fault_of(
            BPF_PROG_TYPE_XDP,
            "r2 = *(u64 *)(r1 +0)\nr0 = *(u8 *)(r2 -1)\nexit\n",
            &inputs
        )));
        // With metadata, the bytes before `data` are the program's.
        inputs.data = vec![7; 28];
        inputs.xdp_meta = 8;
        assert_eq!(
            fault_of(BPF_PROG_TYPE_XDP, "r2 = *(u64 *)(r1 +0)\nr0 = *(u8 *)(r2 -8)\nexit\n", &inputs),
            None
        );
        assert!(bad_access(fault_of(
            BPF_PROG_TYPE_XDP,
            "r2 = *(u64 *)(r1 +0)\nr0 = *(u8 *)(r2 -9)\nexit\n",
            &inputs
        )));
        // The XDP context is read-only; the stack is the verified depth.
        assert!(bad_access(fault_of(BPF_PROG_TYPE_XDP, "*(u32 *)(r1 +16) = 0\nr0 = 0\nexit\n", &inputs)));
        assert_eq!(fault_of(BPF_PROG_TYPE_XDP, "*(u64 *)(r10 -16) = 0\nr0 = 0\nexit\n", &inputs), None);
        assert!(bad_access(fault_of(BPF_PROG_TYPE_XDP, "*(u64 *)(r10 -24) = 0\nr0 = 0\nexit\n", &inputs)));

        // tc: the packet is the frame from the MAC header to data_end.
        let tc = case(BPF_PROG_TYPE_SCHED_CLS, "exit\n");
        // skb->data, where the SkBuff keeps it (the kernel's offset)
        let data = std::mem::offset_of!(SkBuff, data);
        let mut inputs = Inputs::of_case(&tc);
        inputs.data = vec![1; 40];
        assert_eq!(
            fault_of(
                BPF_PROG_TYPE_SCHED_CLS,
                &format!("r2 = *(u64 *)(r1 +{data})\nr0 = *(u8 *)(r2 +39)\nexit\n"),
                &inputs
            ),
            None
        );
        assert!(bad_access(fault_of(
            BPF_PROG_TYPE_SCHED_CLS,
            &format!("r2 = *(u64 *)(r1 +{data})\nr0 = *(u8 *)(r2 +40)\nexit\n"),
            &inputs
        )));
        // A socket filter (no direct access): the packet after the MAC header.
        let sf = |off: i32| {
            let text = format!("r2 = *(u64 *)(r1 +{data})\nr0 = *(u8 *)(r2 {off:+})\nexit\n");
            fault_of(BPF_PROG_TYPE_SOCKET_FILTER, &text, &inputs)
        };
        assert_eq!(sf(25), None);
        assert!(bad_access(sf(26)) && bad_access(sf(-1)));
        // A write to a pointer field of the SkBuff is caught after the run.
        let k = fault_of(
            BPF_PROG_TYPE_SCHED_CLS,
            &format!("r2 = *(u64 *)(r1 +{data})\nr2 += 1\n*(u64 *)(r1 +{data}) = r2\nr0 = 0\nexit\n"),
            &inputs,
        );
        assert!(matches!(k, Some(FaultKind::CtxPointer { field: "data", .. })), "{k:?}");
        // kprobe: pt_regs, read-only.
        let kp = case(BPF_PROG_TYPE_KPROBE, "exit\n");
        let inputs = Inputs::of_case(&kp);
        assert_eq!(fault_of(BPF_PROG_TYPE_KPROBE, "r0 = *(u64 *)(r1 +160)\nexit\n", &inputs), None);
        assert!(bad_access(fault_of(BPF_PROG_TYPE_KPROBE, "r0 = *(u64 *)(r1 +168)\nexit\n", &inputs)));
        assert!(bad_access(fault_of(BPF_PROG_TYPE_KPROBE, "*(u64 *)(r1 +0) = 1\nr0 = 0\nexit\n", &inputs)));
    }

    #[test]
    fn a_rejected_program_is_not_run() {
        let c = case(BPF_PROG_TYPE_SOCKET_FILTER, "r0 = r2\nexit\n");
        let r = check_case(&c, &CheckOpts::default());
        assert_eq!(r.verdict, Verdict::Rejected(bpf_core::errno::EACCES));
        assert_eq!(r.runs, 0);
    }
}

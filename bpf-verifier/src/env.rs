//! `struct bpf_verifier_env` (include/linux/bpf_verifier.h, v6.18): the
//! state of one `bpf_check()` run, and the log printers of
//! `kernel/bpf/log.c` that read it (`print_verifier_state`,
//! `print_insn_state`).

use crate::log::{BpfVerifierLog, BPF_LOG_LEVEL};
use crate::ops::BpfVerifierOps;
use crate::state::*;
use crate::tnum::tnum_strn;
use crate::BpfVerifierIo;
use bpf_core::maps::BpfMap;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::{BpfInsn, MAX_BPF_REG};
use std::fmt::Write as _;
use std::sync::Arc;

/// `verbose(env, fmt, ...)`: formats only when the log is on.
macro_rules! verbose {
    ($env:expr, $($arg:tt)*) => {
        if $env.log.needed() {
            let s = format!($($arg)*);
            $env.log.vlog(&s);
        }
    };
}
pub(crate) use verbose;

/// `verbose_cbs`: the callbacks the verifier prints instructions with.
///
/// The kernel has no `cb_imm` here and prints a map reference's value as
/// `0x%llx` of the `struct bpf_map *` it put there, a kernel address
/// (`0xffff8881...`, 16 digits). Ours is a user-space address (12 digits);
/// it prints with the top 16 bits set, the form it would have in the
/// kernel's address space, so the log lines keep the kernel's width (the
/// column of `; R1=map_ptr(...)` depends on it).
#[derive(Clone, Copy, Debug, Default)]
pub struct VerboseCbs;

impl bpf_core::disasm::BpfInsnCbs for VerboseCbs {
    fn cb_imm(&self, insn: &BpfInsn, _next: &BpfInsn, full_imm: u64) -> Option<String> {
        use bpf_core::uapi::{
            BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE,
        };
        let is_map = matches!(
            insn.src_reg(),
            BPF_PSEUDO_MAP_FD | BPF_PSEUDO_MAP_VALUE | BPF_PSEUDO_MAP_IDX | BPF_PSEUDO_MAP_IDX_VALUE
        );
        if is_map && full_imm != 0 && full_imm < 1 << 47 {
            Some(format!("{:#x}", full_imm | 0xffff_0000_0000_0000))
        } else {
            None
        }
    }
}

/// `struct bpf_verifier_stack_elem`: a branch waiting to be explored.
#[derive(Debug)]
pub struct BpfVerifierStackElem {
    /// The state at the branch target.
    pub st: BpfVerifierState,
    /// Insn to continue at.
    pub insn_idx: i32,
    /// Insn that branched.
    pub prev_insn_idx: i32,
    /// Log position when pushed (the log of a safe path is rewound to it).
    pub log_pos: u64,
}

/// `struct bpf_verifier_state_list`: an explored state kept for pruning.
#[derive(Debug)]
pub struct BpfVerifierStateList {
    /// The checkpoint.
    pub state: BpfVerifierState,
    /// Times a new state matched it.
    pub hit_cnt: u32,
    /// Times a new state did not.
    pub miss_cnt: u32,
    /// Evicted from the explored lists, freed when its branches are done.
    pub in_free_list: bool,
    /// The next older entry of its bucket ([`NO_STATE`]: none).
    pub next: u32,
}

/// The end of a bucket of `explored_states`.
pub const NO_STATE: u32 = u32::MAX;

/// `struct bpf_verifier_env`.
pub struct BpfVerifierEnv<'a> {
    /// The program being verified (`prog`).
    pub prog: &'a mut BpfProg,
    /// The program type's verifier ops (`ops`).
    pub ops: &'static BpfVerifierOps,
    /// The loader's memory, fds and capabilities.
    pub io: &'a dyn BpfVerifierIo,
    /// The verifier log (`log`).
    pub log: BpfVerifierLog<'a>,
    /// Per-insn facts (`insn_aux_data`).
    pub insn_aux_data: Vec<BpfInsnAuxData>,
    /// Subprograms, plus a fake one starting at `len` (`subprog_info`).
    pub subprog_info: Vec<BpfSubprogInfo>,
    /// Number of real subprograms (`subprog_cnt`).
    pub subprog_cnt: usize,
    /// Maps the program references, each held (`used_maps`).
    pub used_maps: Vec<Arc<BpfMap>>,
    /// The state being simulated (`cur_state`).
    pub cur_state: Box<BpfVerifierState>,
    /// Branches to explore (`head`).
    pub head: Vec<BpfVerifierStackElem>,
    /// Arena of explored states; `parent` links index it. Each entry is
    /// its own allocation, as the kernel's `kzalloc`ed list elements are:
    /// a freed state gives its memory back, and growing the arena moves
    /// pointers, not states.
    pub sl: Vec<Option<Box<BpfVerifierStateList>>>,
    /// Explored states by `explored_state()` bucket: the newest entry of
    /// each bucket ([`NO_STATE`]: none), the entries linking to the next
    /// older one (`next`), as the kernel's `list_head` array does.
    pub explored_states: Vec<u32>,
    /// Scratch space for walking one bucket while it changes (reused, so
    /// `is_state_visited` does not allocate per call).
    pub bucket_scratch: Vec<StateId>,
    /// States evicted from the buckets still referenced as parents.
    pub free_list: Vec<StateId>,
    /// Last id handed out (`id_gen`).
    pub id_gen: u32,
    /// Insn being simulated (`insn_idx`).
    pub insn_idx: i32,
    /// Insn simulated before it (`prev_insn_idx`).
    pub prev_insn_idx: i32,
    /// `insn_processed`.
    pub insn_processed: u32,
    /// `prev_insn_processed`.
    pub prev_insn_processed: u32,
    /// `jmps_processed`.
    pub jmps_processed: u32,
    /// `prev_jmps_processed`.
    pub prev_jmps_processed: u32,
    /// `max_states_per_insn`.
    pub max_states_per_insn: u32,
    /// `total_states`.
    pub total_states: u32,
    /// `peak_states`.
    pub peak_states: u32,
    /// `explored_states_size`.
    pub explored_states_size: u32,
    /// `free_list_size`.
    pub free_list_size: u32,
    /// `num_backedges`.
    pub num_backedges: u32,
    /// `longest_mark_read_walk`.
    pub longest_mark_read_walk: u32,
    /// `stack_size`: entries of `head`.
    pub stack_size: u32,
    /// Loader has `CAP_BPF` (`bpf_capable`).
    pub bpf_capable: bool,
    /// `allow_ptr_leaks` (`CAP_PERFMON`).
    pub allow_ptr_leaks: bool,
    /// `allow_uninit_stack` (`CAP_PERFMON`).
    pub allow_uninit_stack: bool,
    /// `bypass_spec_v1` (`CAP_PERFMON`).
    pub bypass_spec_v1: bool,
    /// `bypass_spec_v4` (`CAP_PERFMON`).
    pub bypass_spec_v4: bool,
    /// `explore_alu_limits`: a pointer was moved by an unknown scalar
    /// without `bypass_spec_v1`; state pruning compares scalars exactly.
    pub explore_alu_limits: bool,
    /// `strict_alignment`.
    pub strict_alignment: bool,
    /// `test_state_freq`.
    pub test_state_freq: bool,
    /// `test_reg_invariants`.
    pub test_reg_invariants: bool,
    /// Registers printed by the next `print_insn_state` (`scratched_regs`).
    pub scratched_regs: u32,
    /// Stack slots printed by it (`scratched_stack_slots`).
    pub scratched_stack_slots: u64,
    /// Log position after the last insn print (`prev_log_pos`).
    pub prev_log_pos: u64,
    /// Length of the last insn print (`prev_insn_print_pos`).
    pub prev_insn_print_pos: u64,
    /// The program writes packet data directly (`seen_direct_write`).
    pub seen_direct_write: bool,
    /// Scratch registers for constants (`fake_reg`).
    pub fake_reg: [BpfRegState; 2],
    /// The subprogram being checked (`subprog` of `do_check_common`).
    pub pass_cnt: u32,
    /// `verification_time` in ns.
    pub verification_time: u64,
    /// cfg: each subprogram's insns in post order (`cfg.insn_postorder`).
    pub insn_postorder: Vec<u32>,
    /// Where each subprogram's run starts in `insn_postorder`
    /// (`subprog_info[].postorder_start`), plus the end.
    pub postorder_start: Vec<u32>,
    /// Precision backtracking state (`bt`).
    pub bt: crate::precision::BacktrackState,
    /// The jump history entry of the insn being simulated (`cur_hist_ent`).
    pub cur_hist_ent: Option<usize>,
    /// Loop visits in progress (`scc_info[].visits`).
    pub scc_visits: Vec<crate::states::SccVisit>,
    /// A backedge state being propagated (see `precision::SCRATCH_STATE`).
    pub scratch_state: Option<BpfVerifierState>,
    /// Stack liveness (`liveness`).
    pub liveness: crate::liveness::BpfLiveness,
}

/// `is_pointer_value` core: a non-scalar (privileged loaders may leak).
#[inline]
pub fn __is_pointer_value(allow_ptr_leaks: bool, reg: &BpfRegState) -> bool {
    if allow_ptr_leaks {
        return false;
    }
    reg.type_ != SCALAR_VALUE
}

impl<'a> BpfVerifierEnv<'a> {
    /// The program's instructions.
    #[inline]
    pub fn insns(&self) -> &[BpfInsn] {
        &self.prog.insnsi
    }
    /// The current insn.
    #[inline]
    pub fn insn(&self) -> BpfInsn {
        self.prog.insnsi[self.insn_idx as usize]
    }
    /// `cur_regs()`.
    #[inline]
    pub fn regs(&mut self) -> &mut [BpfRegState; MAX_BPF_REG] {
        &mut self.cur_state.cur_mut().regs
    }
    /// A copy of register `regno` of the current frame.
    #[inline]
    pub fn reg(&self, regno: u8) -> BpfRegState {
        self.cur_state.cur().regs[regno as usize]
    }
    /// `is_pointer_value()`.
    pub fn is_pointer_value(&self, regno: u8) -> bool {
        __is_pointer_value(self.allow_ptr_leaks, &self.cur_state.cur().regs[regno as usize])
    }
    /// `cur_func()` index.
    #[inline]
    pub fn curframe(&self) -> usize {
        self.cur_state.curframe as usize
    }
    /// `mark_reg_scratched()`.
    #[inline]
    pub fn mark_reg_scratched(&mut self, regno: u8) {
        self.scratched_regs |= 1 << regno;
    }
    /// `mark_stack_slot_scratched()`.
    #[inline]
    pub fn mark_stack_slot_scratched(&mut self, spi: usize) {
        if spi < 64 {
            self.scratched_stack_slots |= 1u64 << spi;
        }
    }
    /// `mark_verifier_state_clean()`.
    pub fn mark_verifier_state_clean(&mut self) {
        self.scratched_regs = 0;
        self.scratched_stack_slots = 0;
    }
    /// `mark_verifier_state_scratched()`.
    pub fn mark_verifier_state_scratched(&mut self) {
        self.scratched_regs = !0;
        self.scratched_stack_slots = !0;
    }
    /// `verifier_state_scratched()`.
    pub fn verifier_state_scratched(&self) -> bool {
        self.scratched_regs != 0 || self.scratched_stack_slots != 0
    }
    /// `++env->id_gen`.
    pub fn new_id(&mut self) -> u32 {
        self.id_gen += 1;
        self.id_gen
    }
    /// The map a register refers to.
    pub fn map(&self, idx: MapIdx) -> &Arc<BpfMap> {
        &self.used_maps[idx as usize]
    }

    /// Mirrors `kernel/bpf/log.c:print_verifier_state()`: the registers and
    /// stack slots of frame `frameno` (only the scratched ones unless
    /// `print_all`).
    pub fn print_verifier_state(&mut self, vstate: &BpfVerifierState, frameno: usize, print_all: bool) {
        if !self.log.needed() {
            return;
        }
        let s = self.fmt_verifier_state(vstate, frameno, print_all);
        self.log.vlog(&s);
        if !print_all {
            self.mark_verifier_state_clean();
        }
    }

    /// The text `print_verifier_state()` logs.
    pub fn fmt_verifier_state(&self, vstate: &BpfVerifierState, frameno: usize, print_all: bool) -> String {
        let state = &vstate.frame[frameno];
        let mut out = String::new();
        if state.frameno != 0 {
            let _ = write!(out, " frame{}:", state.frameno);
        }
        for (i, reg) in state.regs.iter().enumerate() {
            if reg.type_ == NOT_INIT {
                continue;
            }
            if !print_all && self.scratched_regs & (1 << i) == 0 {
                continue;
            }
            let _ = write!(out, " R{i}=");
            self.fmt_reg_state(&mut out, state, reg);
        }
        for (i, slot) in state.stack.iter().enumerate() {
            if !print_all && (i >= 64 || self.scratched_stack_slots & (1u64 << i) == 0) {
                continue;
            }
            let mut types: Vec<char> = slot.slot_type.iter().map(|&t| slot_type_char(t)).collect();
            if slot.slot_type.iter().all(|&t| t == slot::STACK_INVALID) {
                continue;
            }
            let off = (-(i as i64) - 1) * BPF_REG_SIZE as i64;
            match slot.slot_type[BPF_REG_SIZE - 1] {
                slot::STACK_SPILL => {
                    // the misc/zero/invalid bytes above a narrow spill
                    let j =
                        slot.slot_type.iter().position(|&t| t == slot::STACK_SPILL).unwrap_or(BPF_REG_SIZE);
                    types.truncate(j);
                    let _ = write!(out, " fp{off}={}", types.iter().collect::<String>());
                    self.fmt_reg_state(&mut out, state, &slot.spilled_ptr);
                }
                _ => {
                    let _ = write!(out, " fp{off}={}", types.iter().collect::<String>());
                }
            }
        }
        let refs: Vec<u32> = vstate.refs.iter().map(|r| r.id).filter(|&id| id != 0).collect();
        if vstate.refs.first().is_some_and(|r| r.id != 0) {
            let _ = write!(out, " refs={}", refs.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(","));
        }
        if state.in_callback_fn {
            out.push_str(" cb");
        }
        if state.in_async_callback_fn {
            out.push_str(" async_cb");
        }
        out.push('\n');
        out
    }

    /// Mirrors `kernel/bpf/log.c:print_reg_state()`.
    #[allow(unused_assignments)]
    pub fn fmt_reg_state(&self, out: &mut String, state: &BpfFuncState, reg: &BpfRegState) {
        let t = reg.type_;
        if t == SCALAR_VALUE && reg.precise {
            out.push('P');
        }
        if t == SCALAR_VALUE && reg.var_off.is_const() {
            verbose_snum(out, reg.var_off.value as i64);
            return;
        }
        out.push_str(&reg_type_str(t));
        if t == PTR_TO_ARENA {
            return;
        }
        if t == PTR_TO_STACK {
            if state.frameno != u32::from(reg.frameno) {
                let _ = write!(out, "[{}]", reg.frameno);
            }
            if reg.var_off.is_const() {
                verbose_snum(out, (reg.var_off.value as i64).wrapping_add(i64::from(reg.off)));
                return;
            }
        }
        out.push('(');
        let mut sep = "";
        macro_rules! a {
            ($($arg:tt)*) => {{
                out.push_str(sep);
                let _ = write!(out, $($arg)*);
                sep = ",";
            }};
        }
        if reg.id != 0 {
            a!("id={}", reg.id & !BPF_ADD_CONST);
        }
        if reg.id & BPF_ADD_CONST != 0 {
            let _ = write!(out, "{:+}", reg.off);
        }
        if reg.ref_obj_id != 0 {
            a!("ref_obj_id={}", reg.ref_obj_id);
        }
        if t & NON_OWN_REF != 0 {
            a!("non_own_ref");
        }
        if base_type(t) == CONST_PTR_TO_MAP
            || base_type(t) == PTR_TO_MAP_KEY
            || base_type(t) == PTR_TO_MAP_VALUE
        {
            if let Some(map) = self.used_maps.get(reg.map_idx as usize) {
                if map.name[0] != 0 {
                    let n = map.name.iter().take_while(|&&c| c != 0).map(|&c| c as char).collect::<String>();
                    a!("map={n}");
                }
                a!("ks={},vs={}", map.key_size, map.value_size);
            }
        }
        if t != SCALAR_VALUE && reg.off != 0 {
            a!("off=");
            verbose_snum(out, i64::from(reg.off));
        }
        if t == PTR_TO_PACKET || t == PTR_TO_PACKET_META {
            a!("r=");
            verbose_unum(out, reg.range as i64 as u64);
        }
        if base_type(t) == PTR_TO_MEM {
            a!("sz=");
            verbose_unum(out, u64::from(reg.mem_size));
        }
        if reg.var_off.is_const() {
            // a pointer register with a fixed offset
            if reg.var_off.value != 0 {
                a!("imm=");
                verbose_snum(out, reg.var_off.value as i64);
            }
        } else {
            print_scalar_ranges(out, reg, &mut sep);
            if !reg.var_off.is_unknown() {
                a!("var_off={}", tnum_strn(reg.var_off));
            }
        }
        out.push(')');
    }

    /// Mirrors `kernel/bpf/log.c:print_insn_state()`: after an insn, the
    /// registers it touched on the same line (`; R0=42`), else on a new
    /// `N:` line.
    pub fn print_insn_state(&mut self) {
        if !self.log.needed() {
            return;
        }
        if self.prev_log_pos != 0 && self.prev_log_pos == self.log.end_pos {
            // drop the newline, align to a 40-column grid
            self.log.reset(self.prev_log_pos - 1);
            let pad = vlog_alignment(self.prev_insn_print_pos);
            let s = format!("{:>width$};", ' ', width = pad as usize);
            self.log.vlog(&s);
        } else {
            let s = format!("{}:", self.insn_idx);
            self.log.vlog(&s);
        }
        let st = std::mem::replace(&mut self.cur_state, Box::new(empty_state()));
        let frame = st.curframe as usize;
        self.print_verifier_state(&st, frame, false);
        self.cur_state = st;
    }

    /// Is the log at level 1 or 2?
    #[inline]
    pub fn log_level1(&self) -> bool {
        self.log.level & BPF_LOG_LEVEL != 0
    }
}

/// A state with no frames, a placeholder while the real one is borrowed.
pub fn empty_state() -> BpfVerifierState {
    BpfVerifierState {
        frame: Vec::new(),
        parent: None,
        branches: 0,
        insn_idx: 0,
        curframe: 0,
        refs: Vec::new(),
        active_locks: 0,
        active_preempt_locks: 0,
        active_irq_id: 0,
        active_lock_id: 0,
        active_rcu_lock: false,
        speculative: false,
        in_sleepable: false,
        cleaned: false,
        first_insn_idx: 0,
        last_insn_idx: 0,
        jmp_history: JmpHistory::default(),
        dfs_depth: 0,
        callback_unroll_depth: 0,
        may_goto_depth: 0,
    }
}

/// Mirrors `kernel/bpf/log.c:vlog_alignment()`: pad to column 40, or to
/// the next multiple of 8 (at least 4 spaces) past it.
fn vlog_alignment(pos: u64) -> u64 {
    const BPF_LOG_MIN_ALIGNMENT: u64 = 8;
    const BPF_LOG_ALIGNMENT: u64 = 40;
    let p = (pos + BPF_LOG_MIN_ALIGNMENT / 2).max(BPF_LOG_ALIGNMENT);
    (p.div_ceil(BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT).saturating_sub(pos + 1)
}

/// `verbose_unum()`: decimal up to `U16_MAX`, else hex.
pub fn verbose_unum(out: &mut String, num: u64) {
    if num <= u64::from(u16::MAX) {
        let _ = write!(out, "{num}");
    } else {
        let _ = write!(out, "{num:#x}");
    }
}

/// `verbose_snum()`: decimal within `S16_MIN..=S16_MAX`, else hex.
pub fn verbose_snum(out: &mut String, num: i64) {
    if (i64::from(i16::MIN)..=i64::from(i16::MAX)).contains(&num) {
        let _ = write!(out, "{num}");
    } else {
        let _ = write!(out, "{:#x}", num as u64);
    }
}

fn is_snum_decimal(num: i64) -> bool {
    (i64::from(i16::MIN)..=i64::from(i16::MAX)).contains(&num)
}

/// Mirrors `kernel/bpf/log.c:print_scalar_ranges()`: the bounds that say
/// something, equal ones merged (`smin=umin=0`).
pub fn print_scalar_ranges(out: &mut String, reg: &BpfRegState, sep: &mut &str) {
    let s32 = |v: i32| if is_snum_decimal(i64::from(v)) { i64::from(v) as u64 } else { u64::from(v as u32) };
    let mut m: [(&str, u64, bool); 8] = [
        ("smin", reg.smin_value as u64, reg.smin_value == i64::MIN),
        ("smax", reg.smax_value as u64, reg.smax_value == i64::MAX),
        ("umin", reg.umin_value, reg.umin_value == 0),
        ("umax", reg.umax_value, reg.umax_value == u64::MAX),
        ("smin32", s32(reg.s32_min_value), reg.s32_min_value == i32::MIN),
        ("smax32", s32(reg.s32_max_value), reg.s32_max_value == i32::MAX),
        ("umin32", u64::from(reg.u32_min_value), reg.u32_min_value == 0),
        ("umax32", u64::from(reg.u32_max_value), reg.u32_max_value == u32::MAX),
    ];
    for i in 0..m.len() {
        if m[i].2 {
            continue;
        }
        let neg1 = m[i].0.starts_with('s') && (m[i].1 as i64) < 0;
        let _ = write!(out, "{}{}=", sep, m[i].0);
        *sep = ",";
        let mut j = i + 2;
        while j < m.len() {
            if !m[j].2 && m[j].1 == m[i].1 {
                let neg2 = m[j].0.starts_with('s') && (m[j].1 as i64) < 0;
                if neg2 == neg1 {
                    m[j].2 = true;
                    let _ = write!(out, "{}=", m[j].0);
                }
            }
            j += 2;
        }
        if m[i].0.starts_with('s') {
            verbose_snum(out, m[i].1 as i64);
        } else {
            verbose_unum(out, m[i].1);
        }
    }
}

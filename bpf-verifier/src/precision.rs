//! Precision and linked registers of `kernel/bpf/verifier.c` (v6.18):
//! the jump history a state records, the registers linked by id
//! (`collect_linked_regs`, `sync_linked_regs`), and precision
//! backtracking (`mark_chain_precision`, `backtrack_insn`,
//! `propagate_precision`).
//!
//! A scalar is *precise* when some safety decision depended on its exact
//! value. Pruning may ignore imprecise scalars, so when a decision is made
//! the verifier walks the current path backwards (through the jump history
//! of each state) to every instruction that produced the value, and marks
//! the registers and stack slots it came from precise in the parent
//! states.

use crate::bounds::*;
use crate::env::{verbose, BpfVerifierEnv};
use crate::log::BPF_LOG_LEVEL2;
use crate::state::*;
use crate::tnum::tnum_add;
use bpf_core::errno::*;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// `BPF_REGMASK_ARGS`: r1..r5.
const BPF_REGMASK_ARGS: u32 =
    (1 << BPF_REG_1) | (1 << BPF_REG_2) | (1 << BPF_REG_3) | (1 << BPF_REG_4) | (1 << BPF_REG_5);

/// `fmt_reg_mask()`: `r0,r6`.
fn fmt_reg_mask(mask: u32) -> String {
    (0..32).filter(|i| mask & (1 << i) != 0).map(|i| format!("r{i}")).collect::<Vec<_>>().join(",")
}

/// `bpf_fmt_stack_mask()`: `-8,-24`.
pub fn fmt_stack_mask(mask: u64) -> String {
    (0..64)
        .filter(|i| mask & (1u64 << i) != 0)
        .map(|i| format!("{}", -(i + 1) * 8))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether pruning may ignore imprecise scalars.
pub const PRECISION_TRACKING: bool = true;

/// The state id under which a loop backedge's state is walked.
pub const SCRATCH_STATE: StateId = usize::MAX;

/// `LINKED_REGS_MAX`.
pub const LINKED_REGS_MAX: usize = 6;

/// `struct linked_reg`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkedReg {
    /// Frame of the register.
    pub frameno: u8,
    /// Register number or stack slot.
    pub regno: u8,
    /// A register (else a spilled slot).
    pub is_reg: bool,
}

/// `struct linked_regs`.
#[derive(Clone, Debug, Default)]
pub struct LinkedRegs {
    /// The entries.
    pub entries: Vec<LinkedReg>,
}

impl LinkedRegs {
    /// `cnt`.
    pub fn cnt(&self) -> usize {
        self.entries.len()
    }
    /// `linked_regs_pack()`: 10 bits per entry above a 3-bit count.
    pub fn pack(&self) -> u64 {
        let mut v = self.entries.len() as u64;
        for (i, e) in self.entries.iter().enumerate() {
            let t = u64::from(e.frameno) | (u64::from(e.regno) << 3) | (u64::from(e.is_reg) << 9);
            v |= t << (3 + 10 * i);
        }
        v
    }
    /// `linked_regs_unpack()`.
    pub fn unpack(v: u64) -> Self {
        let n = (v & 7) as usize;
        let entries = (0..n)
            .map(|i| {
                let t = v >> (3 + 10 * i);
                LinkedReg {
                    frameno: (t & 7) as u8,
                    regno: ((t >> 3) & 0x3f) as u8,
                    is_reg: (t >> 9) & 1 != 0,
                }
            })
            .collect();
        LinkedRegs { entries }
    }
}

/// Same base id, whatever the delta flags.
fn linked_delta_ok(a: u32, b: u32) -> bool {
    (a & !BPF_ADD_CONST) == (b & !BPF_ADD_CONST)
}

/// Mirrors `kernel/bpf/verifier.c:sync_linked_regs()`: after a compare
/// refined `known`, registers linked to it (same id, maybe plus a
/// constant) learn the same bounds.
pub fn sync_linked_regs(vstate: &mut BpfVerifierState, known: &BpfRegState, linked: &LinkedRegs) -> u32 {
    let mut scratched = 0u32;
    for e in &linked.entries {
        let f = e.frameno as usize;
        if f >= vstate.frame.len() {
            continue;
        }
        let reg = if e.is_reg {
            &mut vstate.frame[f].regs[e.regno as usize]
        } else {
            match vstate.frame[f].stack.get_mut(e.regno as usize) {
                Some(s) => &mut s.spilled_ptr,
                None => continue,
            }
        };
        if reg.type_ != SCALAR_VALUE || !linked_delta_ok(reg.id, known.id) {
            continue;
        }
        // a 32-bit and a 64-bit delta do not compose
        if (reg.id ^ known.id) & BPF_ADD_CONST == BPF_ADD_CONST {
            continue;
        }
        let subreg_def = reg.subreg_def;
        if (reg.id & BPF_ADD_CONST == 0 && known.id & BPF_ADD_CONST == 0) || reg.off == known.off {
            *reg = BpfRegState { subreg_def, ..*known };
        } else {
            let (saved_off, saved_id) = (reg.off, reg.id);
            let mut fake = BpfRegState { type_: SCALAR_VALUE, ..Default::default() };
            __mark_reg_known(&mut fake, (i64::from(reg.off) - i64::from(known.off)) as u64);
            *reg = *known;
            reg.off = saved_off;
            reg.id = saved_id;
            reg.subreg_def = subreg_def;
            scalar32_min_max_add(reg, &fake);
            scalar_min_max_add(reg, &fake);
            reg.var_off = tnum_add(reg.var_off, fake.var_off);
            if (reg.id | known.id) & BPF_ADD_CONST32 != 0 {
                zext_32_to_64(reg);
            }
            reg_bounds_sync(reg);
        }
        if e.is_reg {
            scratched |= 1 << e.regno;
        }
    }
    scratched
}

/// `struct backtrack_state`.
#[derive(Clone, Debug, Default)]
pub struct BacktrackState {
    /// Current frame of the walk.
    pub frame: u32,
    /// Registers to make precise, per frame.
    pub reg_masks: [u32; MAX_FRAMES],
    /// Stack slots to make precise, per frame.
    pub stack_masks: [u64; MAX_FRAMES],
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:push_jmp_history()` for the current
    /// state: one entry per simulated insn, flags merged.
    pub fn push_jmp_history_cur(&mut self, flags: u32, linked_regs: u64) -> Result<(), Errno> {
        let idx = self.insn_idx as u32;
        let prev = self.prev_insn_idx as u32;
        if let Some(i) = self.cur_hist_ent {
            if self.cur_state.jmp_history.update(i, flags, linked_regs) {
                return Ok(());
            }
        }
        self.cur_state.jmp_history.push(BpfJmpHistoryEntry::new(idx, prev, flags, linked_regs));
        self.cur_hist_ent = Some(self.cur_state.jmp_history.len() - 1);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:collect_linked_regs()`.
    pub fn collect_linked_regs(&mut self, id: u32, out: &mut LinkedRegs) {
        let id = id & !BPF_ADD_CONST;
        let curframe = self.cur_state.curframe as usize;
        let live: Vec<u16> = (0..=curframe)
            .map(|i| {
                let ip = Self::frame_insn_idx(&self.cur_state, i);
                self.insn_aux_data[ip as usize].live_regs_before
            })
            .collect();
        let st = &mut self.cur_state;
        for i in (0..=curframe).rev() {
            let f = &mut st.frame[i];
            for j in 0..bpf_core::uapi::BPF_REG_FP as usize {
                // only registers something may still read
                if live[i] & (1 << j) == 0 {
                    continue;
                }
                let r = &mut f.regs[j];
                if r.type_ != SCALAR_VALUE || (r.id & !BPF_ADD_CONST) != id {
                    continue;
                }
                if out.entries.len() < LINKED_REGS_MAX {
                    out.entries.push(LinkedReg { frameno: i as u8, regno: j as u8, is_reg: true });
                } else {
                    r.id = 0;
                }
            }
            for (spi, s) in f.stack.iter_mut().enumerate() {
                if s.slot_type[BPF_REG_SIZE - 1] != slot::STACK_SPILL {
                    continue;
                }
                let r = &mut s.spilled_ptr;
                if r.type_ != SCALAR_VALUE || (r.id & !BPF_ADD_CONST) != id {
                    continue;
                }
                if out.entries.len() < LINKED_REGS_MAX {
                    out.entries.push(LinkedReg { frameno: i as u8, regno: spi as u8, is_reg: false });
                } else {
                    r.id = 0;
                }
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:mark_chain_precision()`.
    pub fn mark_chain_precision(&mut self, regno: i32) -> Result<(), Errno> {
        self.__mark_chain_precision(None, regno).map(|_| ())
    }

    /// `bt_set_frame_slot()` + `mark_chain_precision_batch()`: the stack
    /// slot's value matters.
    pub fn mark_stack_slot_precise(&mut self, frameno: u32, spi: usize) {
        self.bt.stack_masks[frameno as usize] |= 1u64 << spi;
        let _ = self.__mark_chain_precision(None, -1);
    }

    /// The state at `id` of the backtracking walk: `None` is the current
    /// state, [`SCRATCH_STATE`] a loop backedge being propagated.
    pub(crate) fn bt_state(&self, id: Option<StateId>) -> &BpfVerifierState {
        match id {
            None => &self.cur_state,
            Some(SCRATCH_STATE) => self.scratch_state.as_ref().expect("a backedge is being propagated"),
            Some(i) => &self.sl[i].as_ref().expect("parent states are alive").state,
        }
    }

    fn bt_state_mut(&mut self, id: Option<StateId>) -> &mut BpfVerifierState {
        match id {
            None => &mut self.cur_state,
            Some(SCRATCH_STATE) => self.scratch_state.as_mut().expect("a backedge is being propagated"),
            Some(i) => &mut self.sl[i].as_mut().expect("parent states are alive").state,
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:__mark_chain_precision()`: walk
    /// back from `starting` (the current state when `None`), making the
    /// sources of `regno` (and of what `bt` already holds) precise.
    /// Returns whether any mark changed.
    pub fn __mark_chain_precision(&mut self, starting: Option<StateId>, regno: i32) -> Result<bool, Errno> {
        if !self.bpf_capable {
            self.bt = BacktrackState::default();
            return Ok(false);
        }
        let mut changed = false;
        let start = self.bt_state(starting);
        let mut first_idx = start.first_insn_idx as i32;
        let mut last_idx = start.insn_idx as i32;
        let curframe = start.curframe;
        self.bt.frame = curframe;
        if regno >= 0 {
            let reg = self.bt_state(starting).frame[curframe as usize].regs[regno as usize];
            if reg.type_ != SCALAR_VALUE {
                verbose!(self, "verifier bug: backtracking misuse\n");
                return Err(EFAULT);
            }
            self.bt.reg_masks[curframe as usize] |= 1 << regno;
        }
        if self.bt_empty() {
            return Ok(false);
        }
        let mut st_id = starting;
        let mut subseq_idx: i32 = -1;
        let mut skip_first = true;
        loop {
            let mut history = self.bt_state(st_id).jmp_history.len();
            if self.log.level & BPF_LOG_LEVEL2 != 0 {
                verbose!(
                    self,
                    "mark_precise: frame{}: last_idx {} first_idx {} subseq_idx {} \n",
                    self.bt.frame,
                    last_idx,
                    first_idx,
                    subseq_idx
                );
            }
            if last_idx < 0 {
                // the entry of a global subprogram
                let st = self.bt_state(st_id);
                if st.curframe == 0
                    && st.frame[0].subprogno > 0
                    && st.frame[0].callsite == BPF_MAIN_FUNC
                    && self.bt_stack_mask() == 0
                    && self.bt_reg_mask() & !BPF_REGMASK_ARGS == 0
                {
                    let mask = self.bt_reg_mask();
                    for i in 0..32 {
                        if mask & (1 << i) == 0 {
                            continue;
                        }
                        self.bt.reg_masks[self.bt.frame as usize] &= !(1 << i);
                        let r = &mut self.bt_state_mut(st_id).frame[0].regs[i];
                        if r.type_ == SCALAR_VALUE {
                            r.precise = true;
                            changed = true;
                        }
                    }
                    return Ok(changed);
                }
                verbose!(self, "verifier bug: backtracking func entry\n");
                return Err(EFAULT);
            }
            let mut i = last_idx;
            loop {
                let r = if skip_first {
                    skip_first = false;
                    Ok(())
                } else {
                    let hist = {
                        let st = self.bt_state(st_id);
                        history
                            .checked_sub(1)
                            .and_then(|h| st.jmp_history.get(h))
                            .filter(|e| e.idx as i32 == i)
                    };
                    self.backtrack_insn(i, subseq_idx, hist.as_ref())
                };
                match r {
                    Err(e) if e == ENOTSUPP => {
                        self.mark_all_scalars_precise(starting);
                        self.bt = BacktrackState::default();
                        return Ok(changed);
                    }
                    Err(e) => return Err(e),
                    Ok(()) => {}
                }
                if self.bt_empty() {
                    // every tracked value was produced inside this state
                    return Ok(changed);
                }
                subseq_idx = i;
                // get_prev_insn_idx()
                let st = self.bt_state(st_id);
                let cnt = history;
                if i == st.first_insn_idx as i32
                    && (cnt == 0 || (cnt == 1 && st.jmp_history.get(0).is_some_and(|e| e.idx as i32 == i)))
                {
                    break;
                }
                if let Some(e) =
                    cnt.checked_sub(1).and_then(|c| st.jmp_history.get(c)).filter(|e| e.idx as i32 == i)
                {
                    i = e.prev_idx() as i32;
                    history -= 1;
                } else {
                    i -= 1;
                }
                if i < 0 || i as usize >= self.prog.insnsi.len() {
                    verbose!(self, "verifier bug: backtracking idx {}\n", i);
                    return Err(EFAULT);
                }
            }
            let parent = self.bt_state(st_id).parent;
            let Some(p) = parent else { break };
            st_id = Some(p);
            for fr in (0..=self.bt.frame as usize).rev() {
                // for_each_set_bit()
                let mut rmask = self.bt.reg_masks[fr];
                while rmask != 0 {
                    let i = rmask.trailing_zeros() as usize;
                    rmask &= rmask - 1;
                    let r = &mut self.bt_state_mut(st_id).frame[fr].regs[i];
                    if r.type_ != SCALAR_VALUE || r.precise {
                        self.bt.reg_masks[fr] &= !(1 << i);
                    } else {
                        r.precise = true;
                        changed = true;
                    }
                }
                let mut smask = self.bt.stack_masks[fr];
                while smask != 0 {
                    let i = smask.trailing_zeros() as usize;
                    smask &= smask - 1;
                    let nslots = self.bt_state(st_id).frame[fr].stack.len();
                    if i >= nslots {
                        verbose!(self, "verifier bug: stack slot {}, total slots {}\n", i, nslots);
                        return Err(EFAULT);
                    }
                    let s = &mut self.bt_state_mut(st_id).frame[fr].stack[i];
                    if !(s.slot_type[BPF_REG_SIZE - 1] == slot::STACK_SPILL
                        && s.spilled_ptr.type_ == SCALAR_VALUE)
                    {
                        self.bt.stack_masks[fr] &= !(1u64 << i);
                        continue;
                    }
                    if s.spilled_ptr.precise {
                        self.bt.stack_masks[fr] &= !(1u64 << i);
                    } else {
                        s.spilled_ptr.precise = true;
                        changed = true;
                    }
                }
                if self.log.level & BPF_LOG_LEVEL2 != 0 {
                    let regs = fmt_reg_mask(self.bt.reg_masks[fr]);
                    let stack = fmt_stack_mask(self.bt.stack_masks[fr]);
                    verbose!(self, "mark_precise: frame{}: parent state regs={} stack={}: ", fr, regs, stack);
                    let st = self.bt_state(st_id).clone();
                    self.print_verifier_state(&st, fr, true);
                }
            }
            if self.bt_empty() {
                return Ok(changed);
            }
            subseq_idx = first_idx;
            let st = self.bt_state(st_id);
            last_idx = st.last_insn_idx as i32;
            first_idx = st.first_insn_idx as i32;
        }
        // a spill through a register other than r10, or alike: give up and
        // make everything precise
        if !self.bt_empty() {
            self.mark_all_scalars_precise(starting);
            self.bt = BacktrackState::default();
        }
        Ok(changed)
    }

    fn bt_empty(&self) -> bool {
        self.bt.reg_masks.iter().all(|&m| m == 0) && self.bt.stack_masks.iter().all(|&m| m == 0)
    }
    fn bt_reg_mask(&self) -> u32 {
        self.bt.reg_masks[self.bt.frame as usize]
    }
    fn bt_stack_mask(&self) -> u64 {
        self.bt.stack_masks[self.bt.frame as usize]
    }
    fn bt_is_reg_set(&self, r: u8) -> bool {
        self.bt_reg_mask() & (1 << r) != 0
    }
    fn bt_set_reg(&mut self, r: u8) {
        self.bt.reg_masks[self.bt.frame as usize] |= 1 << r;
    }
    fn bt_clear_reg(&mut self, r: u8) {
        self.bt.reg_masks[self.bt.frame as usize] &= !(1 << r);
    }

    /// Mirrors `kernel/bpf/verifier.c:bt_sync_linked_regs()`: when one of
    /// the registers a jump refined together is precise, all are.
    #[inline]
    fn bt_sync_linked_regs(&mut self, hist: Option<&BpfJmpHistoryEntry>) {
        let Some(h) = hist.filter(|h| h.linked_regs != 0) else { return };
        let lr = LinkedRegs::unpack(h.linked_regs);
        let is_set = |bt: &BacktrackState, e: &LinkedReg| {
            let f = e.frameno as usize;
            if e.is_reg {
                bt.reg_masks[f] & (1 << e.regno) != 0
            } else {
                bt.stack_masks[f] & (1u64 << e.regno) != 0
            }
        };
        if !lr.entries.iter().any(|e| is_set(&self.bt, e)) {
            return;
        }
        for e in &lr.entries {
            let f = e.frameno as usize;
            if e.is_reg {
                self.bt.reg_masks[f] |= 1 << e.regno;
            } else {
                self.bt.stack_masks[f] |= 1u64 << e.regno;
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:backtrack_insn()`: undo insn `idx`
    /// on the masks of values whose sources are wanted.
    fn backtrack_insn(
        &mut self,
        idx: i32,
        subseq_idx: i32,
        hist: Option<&BpfJmpHistoryEntry>,
    ) -> Result<(), Errno> {
        let insn = self.prog.insnsi[idx as usize];
        if insn.code == 0 {
            return Ok(());
        }
        if self.log.level & BPF_LOG_LEVEL2 != 0 {
            let regs = fmt_reg_mask(self.bt_reg_mask());
            let stack = fmt_stack_mask(self.bt_stack_mask());
            let text = bpf_core::disasm::print_bpf_insn(
                &crate::env::VerboseCbs,
                &self.prog.insnsi,
                idx as usize,
                self.allow_ptr_leaks,
            );
            verbose!(
                self,
                "mark_precise: frame{}: regs={} stack={} before {}: {}\n",
                self.bt.frame,
                regs,
                stack,
                idx,
                text
            );
        }
        self.bt_sync_linked_regs(hist);
        let class = bpf_class(insn.code);
        let opcode = bpf_op(insn.code);
        let mode = bpf_mode(insn.code);
        let (dreg, sreg) = (insn.dst_reg(), insn.src_reg());
        let stack_access = hist
            .filter(|h| h.flags() & insn_f::STACK_ACCESS != 0)
            .map(|h| ((h.flags() >> insn_f::SPI_SHIFT) & insn_f::SPI_MASK, h.flags() & insn_f::FRAMENO_MASK));
        let is_atomic_load = class == BPF_STX && mode == BPF_ATOMIC && insn.imm == BPF_LOAD_ACQ;
        if class == BPF_ALU || class == BPF_ALU64 {
            if !self.bt_is_reg_set(dreg) {
                return Ok(());
            }
            if opcode == BPF_END || opcode == BPF_NEG {
                return Ok(());
            } else if opcode == BPF_MOV {
                self.bt_clear_reg(dreg);
                if bpf_src(insn.code) == BPF_X && sreg != BPF_REG_FP {
                    self.bt_set_reg(sreg);
                }
            } else if bpf_src(insn.code) == BPF_X && sreg != BPF_REG_FP {
                self.bt_set_reg(sreg);
            }
        } else if class == BPF_LDX || is_atomic_load {
            if !self.bt_is_reg_set(dreg) {
                return Ok(());
            }
            self.bt_clear_reg(dreg);
            // only a fill from the stack carries the value further back
            let Some((spi, fr)) = stack_access else { return Ok(()) };
            self.bt.stack_masks[fr as usize] |= 1u64 << spi;
        } else if class == BPF_STX || class == BPF_ST {
            if self.bt_is_reg_set(dreg) {
                // a scalar used as the address: pointer subtraction
                return Err(ENOTSUPP);
            }
            let Some((spi, fr)) = stack_access else { return Ok(()) };
            if self.bt.stack_masks[fr as usize] & (1u64 << spi) == 0 {
                return Ok(());
            }
            self.bt.stack_masks[fr as usize] &= !(1u64 << spi);
            if class == BPF_STX {
                self.bt_set_reg(sreg);
            }
        } else if class == BPF_JMP || class == BPF_JMP32 {
            if insn.is_pseudo_call() {
                // leaving the subprogram backwards: r1-r5 go to the caller
                if self.bt_reg_mask() & !BPF_REGMASK_ARGS != 0 {
                    verbose!(self, "verifier bug: static subprog unexpected regs {:x}\n", self.bt_reg_mask());
                    return Err(EFAULT);
                }
                if self.bt_stack_mask() != 0 {
                    verbose!(
                        self,
                        "verifier bug: static subprog leftover stack slots {:x}\n",
                        self.bt_stack_mask()
                    );
                    return Err(EFAULT);
                }
                if self.bt.frame == 0 {
                    return Err(EFAULT);
                }
                for r in BPF_REG_1..=BPF_REG_5 {
                    if self.bt_is_reg_set(r) {
                        self.bt_clear_reg(r);
                        self.bt.reg_masks[self.bt.frame as usize - 1] |= 1 << r;
                    }
                }
                self.bt.frame -= 1;
                return Ok(());
            } else if opcode == BPF_CALL {
                if insn.src_reg() == BPF_PSEUDO_KFUNC_CALL && insn.imm == 0 {
                    return Err(ENOTSUPP);
                }
                // a helper sets r0
                self.bt_clear_reg(BPF_REG_0);
                if self.bt_reg_mask() & BPF_REGMASK_ARGS != 0 {
                    verbose!(
                        self,
                        "verifier bug: backtracking call unexpected regs {:x}\n",
                        self.bt_reg_mask()
                    );
                    return Err(EFAULT);
                }
            } else if opcode == BPF_EXIT {
                // back into a callee: r0 is its result
                if self.bt_reg_mask() & BPF_REGMASK_ARGS != 0 {
                    verbose!(
                        self,
                        "verifier bug: backtracking exit unexpected regs {:x}\n",
                        self.bt_reg_mask()
                    );
                    return Err(EFAULT);
                }
                let r0_precise = subseq_idx > 0
                    && self.prog.insnsi[(subseq_idx - 1) as usize].is_pseudo_call()
                    && self.bt_is_reg_set(BPF_REG_0);
                self.bt_clear_reg(BPF_REG_0);
                if self.bt.frame as usize + 1 >= MAX_FRAMES {
                    return Err(EFAULT);
                }
                self.bt.frame += 1;
                if r0_precise {
                    self.bt_set_reg(BPF_REG_0);
                }
                return Ok(());
            } else if bpf_src(insn.code) == BPF_X {
                if !self.bt_is_reg_set(dreg) && !self.bt_is_reg_set(sreg) {
                    return Ok(());
                }
                // both sides of a compare of two scalars
                if !hist.is_some_and(|h| h.flags() & insn_f::SRC_REG_STACK != 0) {
                    self.bt_set_reg(sreg);
                }
                if !hist.is_some_and(|h| h.flags() & insn_f::DST_REG_STACK != 0) {
                    self.bt_set_reg(dreg);
                }
            }
        } else if class == BPF_LD {
            if !self.bt_is_reg_set(dreg) {
                return Ok(());
            }
            self.bt_clear_reg(dreg);
            if mode == BPF_IND || mode == BPF_ABS {
                return Err(ENOTSUPP);
            }
        }
        self.bt_sync_linked_regs(hist);
        Ok(())
    }

    /// [`Self::mark_all_scalars_precise`] for the loop machinery.
    pub(crate) fn mark_all_scalars_precise_pub(&mut self, starting: Option<StateId>) {
        self.mark_all_scalars_precise(starting)
    }

    /// Mirrors `kernel/bpf/verifier.c:mark_all_scalars_precise()`: the
    /// fallback when backtracking cannot follow a value.
    fn mark_all_scalars_precise(&mut self, starting: Option<StateId>) {
        let curframe = self.bt_state(starting).curframe;
        if self.log.level & BPF_LOG_LEVEL2 != 0 {
            verbose!(self, "mark_precise: frame{}: falling back to forcing all scalars precise\n", curframe);
        }
        let mut st = self.bt_state(starting).parent;
        while let Some(id) = st {
            let n = self.sl[id].as_ref().map_or(0, |s| s.state.curframe as usize + 1);
            for fi in 0..n {
                for j in 0..bpf_core::uapi::BPF_REG_FP as usize {
                    let r = &mut self.sl[id].as_mut().expect("alive").state.frame[fi].regs[j];
                    if r.type_ != SCALAR_VALUE || r.precise {
                        continue;
                    }
                    r.precise = true;
                    if self.log.level & BPF_LOG_LEVEL2 != 0 {
                        verbose!(self, "force_precise: frame{}: forcing r{} to be precise\n", fi, j);
                    }
                }
                let nslots = self.sl[id].as_ref().expect("alive").state.frame[fi].stack.len();
                for j in 0..nslots {
                    let s = &mut self.sl[id].as_mut().expect("alive").state.frame[fi].stack[j];
                    if s.slot_type[BPF_REG_SIZE - 1] != slot::STACK_SPILL
                        || s.spilled_ptr.type_ != SCALAR_VALUE
                        || s.spilled_ptr.precise
                    {
                        continue;
                    }
                    s.spilled_ptr.precise = true;
                    if self.log.level & BPF_LOG_LEVEL2 != 0 {
                        verbose!(
                            self,
                            "force_precise: frame{}: forcing fp{} to be precise\n",
                            fi,
                            -(j as i64 + 1) * 8
                        );
                    }
                }
            }
            st = self.sl[id].as_ref().and_then(|s| s.state.parent);
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:mark_all_scalars_imprecise()`.
    pub fn mark_all_scalars_imprecise(&mut self) {
        for f in self.cur_state.frame.iter_mut() {
            for r in f.regs.iter_mut() {
                if r.type_ == SCALAR_VALUE {
                    r.precise = false;
                }
            }
            for s in f.stack.iter_mut() {
                if s.slot_type[BPF_REG_SIZE - 1] == slot::STACK_SPILL && s.spilled_ptr.type_ == SCALAR_VALUE {
                    s.spilled_ptr.precise = false;
                }
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:propagate_precision()`: the current
    /// state was found equal to `old`; whatever `old` needed precise, the
    /// current path needs precise too.
    pub fn propagate_precision(&mut self, old: StateId) -> Result<bool, Errno> {
        self.propagate_precision_from(old, None)
    }

    /// [`Self::propagate_precision`] into the path of `cur` (a state id as
    /// [`Self::bt_state`] takes it).
    pub fn propagate_precision_from(&mut self, old: StateId, cur: Option<StateId>) -> Result<bool, Errno> {
        let old = self.sl[old].as_ref().expect("alive").state.clone();
        for fr in (0..=old.curframe as usize).rev() {
            let state = &old.frame[fr];
            let mut first = true;
            for (i, r) in state.regs.iter().enumerate().take(bpf_core::uapi::BPF_REG_FP as usize) {
                if r.type_ != SCALAR_VALUE || !r.precise {
                    continue;
                }
                if self.log.level & BPF_LOG_LEVEL2 != 0 {
                    if first {
                        verbose!(self, "frame {}: propagating r{}", fr, i);
                    } else {
                        verbose!(self, ",r{}", i);
                    }
                }
                self.bt.reg_masks[fr] |= 1 << i;
                first = false;
            }
            for (i, s) in state.stack.iter().enumerate() {
                if s.slot_type[BPF_REG_SIZE - 1] != slot::STACK_SPILL {
                    continue;
                }
                if s.spilled_ptr.type_ != SCALAR_VALUE || !s.spilled_ptr.precise {
                    continue;
                }
                if self.log.level & BPF_LOG_LEVEL2 != 0 {
                    if first {
                        verbose!(self, "frame {}: propagating fp{}", fr, -(i as i64 + 1) * 8);
                    } else {
                        verbose!(self, ",fp{}", -(i as i64 + 1) * 8);
                    }
                }
                self.bt.stack_masks[fr] |= 1u64 << i;
                first = false;
            }
            if !first && self.log.level & BPF_LOG_LEVEL2 != 0 {
                verbose!(self, "\n");
            }
        }
        self.__mark_chain_precision(cur, -1)
    }
}

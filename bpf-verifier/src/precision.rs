//! Precision and linked registers of `kernel/bpf/verifier.c` (v6.18):
//! the jump history a state records, the registers linked by id
//! (`collect_linked_regs`, `sync_linked_regs`), and `mark_chain_precision`.
//!
//! Not built yet: precision backtracking. Until it is, pruning treats
//! every scalar as precise ([`PRECISION_TRACKING`] is off): sound, but it
//! explores more states than the kernel and prints no `mark_precise` lines.

use crate::bounds::*;
use crate::env::BpfVerifierEnv;
use crate::state::*;
use crate::tnum::tnum_add;
use bpf_core::Errno;

/// Whether pruning may ignore imprecise scalars.
pub const PRECISION_TRACKING: bool = false;

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
    /// state.
    pub fn push_jmp_history_cur(&mut self, flags: u32, linked_regs: u64) -> Result<(), Errno> {
        let idx = self.insn_idx as u32;
        let prev = self.prev_insn_idx as u32;
        let h = &mut self.cur_state.jmp_history;
        if let Some(last) = h.last_mut() {
            if last.idx == idx {
                // one entry per insn: merge the flags
                last.flags |= flags;
                if linked_regs != 0 {
                    last.linked_regs = linked_regs;
                }
                return Ok(());
            }
        }
        h.push(BpfJmpHistoryEntry { idx, prev_idx: prev, flags, linked_regs });
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:collect_linked_regs()`.
    pub fn collect_linked_regs(&mut self, id: u32, out: &mut LinkedRegs) {
        let id = id & !BPF_ADD_CONST;
        let st = &mut self.cur_state;
        for i in (0..=st.curframe as usize).rev() {
            let f = &mut st.frame[i];
            for j in 0..bpf_core::uapi::BPF_REG_FP as usize {
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

    /// Mirrors `kernel/bpf/verifier.c:mark_chain_precision()`. Not built
    /// yet: see the module docs (pruning does not trust imprecision).
    pub fn mark_chain_precision(&mut self, _regno: i32) -> Result<(), Errno> {
        Ok(())
    }

    /// `bt_set_frame_slot()` + `mark_chain_precision_batch()`: the stack
    /// slot's value matters. Not built yet (see the module docs).
    pub fn mark_stack_slot_precise(&mut self, _frameno: u32, _spi: usize) {}

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

    /// Mirrors `kernel/bpf/verifier.c:propagate_precision()`.
    pub fn propagate_precision(&mut self, _old: StateId) -> Result<(), Errno> {
        Ok(())
    }
}

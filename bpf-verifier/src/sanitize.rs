//! Spectre v1 sanitation for loaders without `CAP_PERFMON`
//! (`bypass_spec_v1` false): the masking limits of pointer arithmetic
//! (`sanitize_ptr_alu`, `sanitize_val_alu`), the speculative paths the
//! verifier walks besides the architectural ones
//! (`sanitize_speculative_path`), and the errors a speculative path may
//! recover from with a barrier (`error_recoverable_with_nospec`).
//!
//! What this does not do yet: the instruction rewrite `do_misc_fixups`
//! makes from `alu_state`/`alu_limit` (the masking sequence before a
//! pointer add/sub) and the `nospec` barriers in `convert_ctx_accesses`;
//! the verdict and the log do not depend on them.

use crate::env::{verbose, BpfVerifierEnv};
use crate::state::*;
use bpf_core::errno::*;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// `BPF_ALU_SANITIZE_SRC`: the pointer is the destination register.
pub const BPF_ALU_SANITIZE_SRC: u8 = 1 << 0;
/// `BPF_ALU_SANITIZE_DST`: the pointer is the source register.
pub const BPF_ALU_SANITIZE_DST: u8 = 1 << 1;
/// `BPF_ALU_NEG_VALUE`: the offset may be negative.
pub const BPF_ALU_NEG_VALUE: u8 = 1 << 2;
/// `BPF_ALU_NON_POINTER`: scalar arithmetic at this insn.
pub const BPF_ALU_NON_POINTER: u8 = 1 << 3;
/// `BPF_ALU_IMMEDIATE`: the offset is a known constant.
pub const BPF_ALU_IMMEDIATE: u8 = 1 << 4;

/// The kernel's `REASON_*` of `sanitize_ptr_alu`, reported by
/// [`BpfVerifierEnv::sanitize_err`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SanitizeReason {
    /// `REASON_BOUNDS`: an unknown offset whose sign is not known.
    Bounds,
    /// `REASON_TYPE`: a pointer type with no masking limit.
    Type,
    /// `REASON_PATHS`: another path needed a different mask here.
    Paths,
    /// `REASON_LIMIT`: the pointer is already at or past its limit.
    Limit,
    /// `REASON_STACK`: no room for the speculative path.
    Stack,
}

/// `struct bpf_sanitize_info`: what the first `sanitize_ptr_alu` call of
/// an insn leaves for the second (the commit window).
#[derive(Clone, Copy, Debug, Default)]
pub struct BpfSanitizeInfo {
    /// `aux.alu_state`.
    pub alu_state: u8,
    /// `aux.alu_limit`.
    pub alu_limit: u32,
    /// `mask_to_left`.
    pub mask_to_left: bool,
}

/// Mirrors `kernel/bpf/verifier.c:sanitize_needed()`: only add and sub
/// are masked.
pub fn sanitize_needed(opcode: u8) -> bool {
    opcode == BPF_ADD || opcode == BPF_SUB
}

/// Mirrors `kernel/bpf/verifier.c:error_recoverable_with_nospec()`: the
/// errors of a speculative path that a barrier before the insn can
/// replace (not `ENOMEM` and the like, which would come back on the
/// architectural path).
pub fn error_recoverable_with_nospec(err: Errno) -> bool {
    err == EPERM || err == EACCES || err == EINVAL
}

/// Mirrors `kernel/bpf/verifier.c:update_alu_sanitation_state()`: one
/// insn gets one mask; paths that need different ones are refused.
fn update_alu_sanitation_state(
    state: &mut u8,
    limit: &mut u32,
    alu_state: u8,
    alu_limit: u32,
) -> Result<(), SanitizeReason> {
    if *state != 0 && (*state != alu_state || *limit != alu_limit) {
        return Err(SanitizeReason::Paths);
    }
    *state = alu_state;
    *limit = alu_limit;
    Ok(())
}

impl BpfVerifierEnv<'_> {
    /// Mirrors `kernel/bpf/verifier.c:can_skip_alu_sanitation()`.
    pub fn can_skip_alu_sanitation(&self, insn: &BpfInsn) -> bool {
        self.bypass_spec_v1
            || bpf_src(insn.code) == BPF_K
            || self.insn_aux_data[self.insn_idx as usize].nospec
    }

    /// Mirrors `kernel/bpf/verifier.c:retrieve_ptr_limit()`: how far the
    /// pointer may move in the masked direction and stay in its object.
    fn retrieve_ptr_limit(&self, ptr: &BpfRegState, mask_to_left: bool) -> Result<u32, SanitizeReason> {
        let (max, ptr_limit): (u32, u32) = match ptr.type_ {
            PTR_TO_STACK => {
                // offset 0 is out of bounds, but a start for the left direction
                let max = MAX_BPF_STACK + u32::from(mask_to_left);
                (max, (ptr.var_off.value as i64).wrapping_add(i64::from(ptr.off)).wrapping_neg() as u32)
            }
            PTR_TO_MAP_VALUE => {
                let max = self.map(ptr.map_idx).value_size;
                let base = if mask_to_left { ptr.smin_value as u64 } else { ptr.umax_value };
                (max, base.wrapping_add(ptr.off as i64 as u64) as u32)
            }
            _ => return Err(SanitizeReason::Type),
        };
        if ptr_limit >= max {
            return Err(SanitizeReason::Limit);
        }
        Ok(ptr_limit)
    }

    /// Mirrors `kernel/bpf/verifier.c:sanitize_val_alu()`: scalar add/sub
    /// at an insn that another path uses for pointer arithmetic cannot be
    /// masked.
    pub fn sanitize_val_alu(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        if self.can_skip_alu_sanitation(insn) {
            return Ok(());
        }
        let aux = &mut self.insn_aux_data[self.insn_idx as usize];
        match update_alu_sanitation_state(&mut aux.alu_state, &mut aux.alu_limit, BPF_ALU_NON_POINTER, 0) {
            Ok(()) => Ok(()),
            Err(r) => Err(self.sanitize_err(insn, r, None)),
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:sanitize_ptr_alu()`.
    ///
    /// First call (`commit_window` false, before the arithmetic): the
    /// offset's sign must be known, the mask direction and state are
    /// chosen, and the path where masking truncated the offset to 0 is
    /// pushed for speculative verification. Second call (after it, with
    /// the result as `ptr`): the limit narrows to the observed move and is
    /// recorded in the insn's aux data. `dstno` is the destination
    /// register; `ptr_is_dst` says whether the pointer was there.
    #[allow(clippy::too_many_arguments)]
    pub fn sanitize_ptr_alu(
        &mut self,
        insn: &BpfInsn,
        ptr: &BpfRegState,
        off: &BpfRegState,
        ptr_is_dst: bool,
        info: &mut BpfSanitizeInfo,
        commit_window: bool,
    ) -> Result<(), SanitizeReason> {
        if self.can_skip_alu_sanitation(insn) {
            return Ok(());
        }
        let off_is_imm = off.var_off.is_const();
        let off_is_neg = off.smin_value < 0;
        let opcode = bpf_op(insn.code);
        if !self.cur_state.speculative {
            if !commit_window {
                if !off_is_imm && (off.smin_value < 0) != (off.smax_value < 0) {
                    return Err(SanitizeReason::Bounds);
                }
                info.mask_to_left = (opcode == BPF_ADD && off_is_neg) || (opcode == BPF_SUB && !off_is_neg);
            }
            let limit = self.retrieve_ptr_limit(ptr, info.mask_to_left)?;
            let (alu_state, alu_limit) = if commit_window {
                // narrow the window to the observed move of the pointer
                (info.alu_state, (info.alu_limit as i32).wrapping_sub(limit as i32).unsigned_abs())
            } else {
                let mut st = if off_is_neg { BPF_ALU_NEG_VALUE } else { 0 };
                st |= if off_is_imm { BPF_ALU_IMMEDIATE } else { 0 };
                st |= if ptr_is_dst { BPF_ALU_SANITIZE_SRC } else { BPF_ALU_SANITIZE_DST };
                // prune less, to find masking differences between paths
                if !off_is_imm {
                    self.explore_alu_limits = true;
                }
                (st, limit)
            };
            if commit_window {
                let aux = &mut self.insn_aux_data[self.insn_idx as usize];
                update_alu_sanitation_state(&mut aux.alu_state, &mut aux.alu_limit, alu_state, alu_limit)?;
            } else {
                update_alu_sanitation_state(&mut info.alu_state, &mut info.alu_limit, alu_state, alu_limit)?;
            }
        }
        // do_sim:
        if commit_window || off_is_imm {
            return Ok(());
        }
        // The offset masked to 0: the destination holds the pointer itself
        // on the speculative path.
        let dstno = insn.dst_reg() as usize;
        let idx = self.insn_idx;
        let mut branch = self.push_stack(idx + 1, idx, true).map_err(|_| SanitizeReason::Stack)?;
        let cf = branch.curframe as usize;
        branch.frame[cf].regs[dstno] = *ptr;
        if ptr_is_dst {
            crate::bounds::__mark_reg32_unbounded(&mut branch.frame[cf].regs[dstno]);
        }
        self.replace_pushed(branch);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:sanitize_err()`: the message for a
    /// refused masking, and its errno. `off_in_dst` is `Some(true)` when
    /// the offset was the destination register (`scalar += pointer`).
    pub fn sanitize_err(
        &mut self,
        insn: &BpfInsn,
        reason: SanitizeReason,
        off_in_dst: Option<bool>,
    ) -> Errno {
        const ERR: &str = "pointer arithmetic with it prohibited for !root";
        let op = if bpf_op(insn.code) == BPF_ADD { "add" } else { "sub" };
        let (dst, src) = (insn.dst_reg(), insn.src_reg());
        let off_in_dst = off_in_dst.unwrap_or(false);
        match reason {
            SanitizeReason::Bounds => {
                let r = if off_in_dst { dst } else { src };
                verbose!(self, "R{} has unknown scalar with mixed signed bounds, {}\n", r, ERR);
            }
            SanitizeReason::Type => {
                let r = if off_in_dst { src } else { dst };
                verbose!(self, "R{} has pointer with unsupported alu operation, {}\n", r, ERR);
            }
            SanitizeReason::Paths => {
                verbose!(self, "R{} tried to {} from different maps, paths or scalars, {}\n", dst, op, ERR);
            }
            SanitizeReason::Limit => {
                verbose!(self, "R{} tried to {} beyond pointer bounds, {}\n", dst, op, ERR);
            }
            SanitizeReason::Stack => {
                verbose!(self, "R{} could not be pushed for speculative verification, {}\n", dst, ERR);
                return ENOMEM;
            }
        }
        EACCES
    }

    /// Mirrors `kernel/bpf/verifier.c:sanitize_speculative_path()`: queue
    /// the branch a known condition rules out, to be walked as a
    /// mispredicted path with the compared registers unknown.
    pub fn sanitize_speculative_path(
        &mut self,
        insn: Option<&BpfInsn>,
        next_idx: i32,
        curr_idx: i32,
    ) -> Result<(), Errno> {
        let mut branch = self.push_stack(next_idx, curr_idx, true)?;
        if let Some(insn) = insn {
            let cf = branch.curframe as usize;
            let bpf_capable = self.bpf_capable;
            let regs = &mut branch.frame[cf].regs;
            crate::check::__mark_reg_unknown(bpf_capable, &mut regs[insn.dst_reg() as usize]);
            if bpf_src(insn.code) == BPF_X {
                crate::check::__mark_reg_unknown(bpf_capable, &mut regs[insn.src_reg() as usize]);
            }
        }
        self.replace_pushed(branch);
        Ok(())
    }
}

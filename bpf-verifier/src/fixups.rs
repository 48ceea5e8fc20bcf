//! The rewrites after verification, from `kernel/bpf/verifier.c` (v6.18):
//! dead code (`opt_hard_wire_dead_code_branches`, `opt_remove_dead_code`,
//! `opt_remove_nops`, `sanitize_dead_code`), context accesses
//! (`convert_ctx_accesses`), `do_misc_fixups` (division guards, `LD_ABS`,
//! tail calls, helper addresses), `fixup_call_args`, and `ld_imm64` of
//! maps (`convert_pseudo_ld_imm64`). Instructions are inserted and removed
//! with the kernel's branch adjustment (`bpf_patch_insn_data`,
//! `verifier_remove_insns`).

use crate::env::{verbose, BpfVerifierEnv};
use crate::sanitize::{
    BPF_ALU_IMMEDIATE, BPF_ALU_NEG_VALUE, BPF_ALU_NON_POINTER, BPF_ALU_SANITIZE_DST, BPF_ALU_SANITIZE_SRC,
};
use crate::state::*;
use bpf_core::errno::*;
use bpf_core::helpers::bpf_call_imm;
use bpf_core::uapi::*;
use bpf_core::Errno;

pub use crate::ctxconv::{bpf_convert_ctx_access, xdp_convert_ctx_access};

/// `insn_is_cond_jump()`.
fn insn_is_cond_jump(code: u8) -> bool {
    let op = bpf_op(code);
    match bpf_class(code) {
        BPF_JMP32 => op != BPF_JA,
        BPF_JMP => op != BPF_JA && op != BPF_EXIT && op != BPF_CALL,
        _ => false,
    }
}

/// Mirrors `kernel/bpf/core.c:bpf_adj_branches()`: after `[pos, end_old)`
/// became `[pos, end_new)`, move every jump that crosses the change.
fn bpf_adj_branches(insns: &mut [BpfInsn], pos: i64, end_old: i64, end_new: i64) -> Result<(), Errno> {
    let delta = end_new - end_old;
    let adj = |curr: i64, off: i64| -> i64 {
        if curr < pos && curr + off + 1 >= end_old {
            off + delta
        } else if curr >= end_new && curr + off + 1 < end_new {
            off - delta
        } else {
            off
        }
    };
    for (i, slot) in insns.iter_mut().enumerate() {
        let insn = *slot;
        let curr = i as i64;
        if insn.is_ld_imm64() && insn.src_reg() == BPF_PSEUDO_FUNC {
            let v = adj(curr, i64::from(insn.imm));
            slot.imm = i32::try_from(v).map_err(|_| ERANGE)?;
            continue;
        }
        let class = bpf_class(insn.code);
        if (class != BPF_JMP && class != BPF_JMP32) || bpf_op(insn.code) == BPF_EXIT {
            continue;
        }
        if bpf_op(insn.code) == BPF_CALL {
            if insn.src_reg() != BPF_PSEUDO_CALL {
                continue;
            }
            let v = adj(curr, i64::from(insn.imm));
            slot.imm = i32::try_from(v).map_err(|_| ERANGE)?;
        } else if insn.code == BPF_JMP32 | BPF_JA {
            let v = adj(curr, i64::from(insn.imm));
            slot.imm = i32::try_from(v).map_err(|_| ERANGE)?;
        } else {
            let v = adj(curr, i64::from(insn.off));
            slot.off = i16::try_from(v).map_err(|_| ERANGE)?;
        }
    }
    Ok(())
}

/// `BPF_EMIT_CALL(f)`: a call of helper code `f`, already resolved.
fn emit_call(f: bpf_core::helpers::BpfHelperFn) -> BpfInsn {
    BpfInsn::call_helper(bpf_call_imm(f).unwrap_or(0))
}

/// `insn_has_def32()`, reduced: does the insn write a 32-bit result?
fn insn_def32(insn: &BpfInsn) -> bool {
    match bpf_class(insn.code) {
        BPF_ALU => true,
        BPF_LDX => bpf_size(insn.code) != BPF_DW && bpf_mode(insn.code) == BPF_MEM,
        _ => false,
    }
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:bpf_patch_insn_data()`: replace the
    /// insn at `off` with `patch`, keeping jumps, aux data and subprogram
    /// starts right. The original insn's aux data moves to the last insn
    /// of the patch.
    pub fn bpf_patch_insn_data(&mut self, off: usize, patch: &[BpfInsn]) -> Result<(), Errno> {
        let cnt = patch.len();
        if cnt == 1 {
            self.prog.insnsi[off] = patch[0];
            self.insn_aux_data[off].zext_dst = insn_def32(&patch[0]);
            return Ok(());
        }
        let mut insns = self.prog.insnsi.clone();
        insns.splice(off..off + 1, patch.iter().copied());
        bpf_adj_branches(&mut insns, off as i64, off as i64 + 1, (off + cnt) as i64)?;
        self.prog.set_insns(insns);
        let old_seen = self.insn_aux_data[off].seen;
        let fill: Vec<BpfInsnAuxData> = (0..cnt - 1)
            .map(|i| BpfInsnAuxData { seen: old_seen, zext_dst: insn_def32(&patch[i]), ..Default::default() })
            .collect();
        self.insn_aux_data.splice(off..off, fill);
        self.insn_aux_data[off + cnt - 1].zext_dst = insn_def32(&patch[cnt - 1]);
        for s in self.subprog_info.iter_mut().take(self.subprog_cnt + 1) {
            if s.start as usize > off {
                s.start += cnt as u32 - 1;
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:verifier_remove_insns()`: drop `cnt`
    /// insns at `off`, moving jumps over them and subprogram starts.
    pub fn verifier_remove_insns(&mut self, off: usize, cnt: usize) -> Result<(), Errno> {
        let mut insns = self.prog.insnsi.clone();
        insns.drain(off..off + cnt);
        bpf_adj_branches(&mut insns, off as i64, (off + cnt) as i64, off as i64)?;
        self.prog.set_insns(insns);
        self.adjust_subprog_starts_after_remove(off as u32, cnt as u32);
        self.insn_aux_data.drain(off..off + cnt);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:adjust_subprog_starts_after_remove()` (v6.18).
    ///
    /// After `[off, off + cnt)` went, a subprogram all of whose insns were
    /// in the range goes with them; one that only lost its head (a `goto +0`
    /// at its start) stays, starting at the first insn that survived; the
    /// starts after the range, the fake exit one included, move back.
    fn adjust_subprog_starts_after_remove(&mut self, off: u32, cnt: u32) {
        let n = self.subprog_cnt;
        let info = &self.subprog_info;
        // first subprogram starting in the range: the first to remove
        let mut i = (0..n).find(|&k| info[k].start >= off).unwrap_or(n);
        // first one starting at or after its end: the first to stay
        let mut j = (i..n).find(|&k| info[k].start >= off + cnt).unwrap_or(n);
        // not exactly at the end: the one before lost only its front
        if info[j].start != off + cnt {
            j = j.saturating_sub(1);
        }
        if j > i {
            // the fake exit subprogram moves too
            self.subprog_info.drain(i..j);
            self.subprog_cnt -= j - i;
        } else if self.subprog_info[i].start == off {
            // convert i from "first to remove" to "first to adjust"
            i += 1;
        }
        // (a start inside the range that survives is not made by these
        // passes: a live subprogram's first insn is seen)
        for s in self.subprog_info.iter_mut().take(self.subprog_cnt + 1).skip(i) {
            s.start = s.start.saturating_sub(cnt);
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:opt_hard_wire_dead_code_branches()`:
    /// a conditional jump with one dead side becomes a `goto`.
    pub fn opt_hard_wire_dead_code_branches(&mut self) {
        let n = self.prog.insnsi.len();
        for i in 0..n {
            let insn = self.prog.insnsi[i];
            if !insn_is_cond_jump(insn.code) {
                continue;
            }
            let target = i as i64 + 1 + i64::from(insn.off);
            let off = if !self.insn_aux_data.get(i + 1).is_some_and(|a| a.seen) {
                insn.off
            } else if !self.insn_aux_data.get(target as usize).is_some_and(|a| a.seen) {
                0
            } else {
                continue;
            };
            self.prog.insnsi[i] = BpfInsn::ja(off);
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:opt_remove_dead_code()`.
    pub fn opt_remove_dead_code(&mut self) -> Result<(), Errno> {
        let mut i = 0;
        while i < self.prog.insnsi.len() {
            let mut j = 0;
            while i + j < self.prog.insnsi.len() && !self.insn_aux_data[i + j].seen {
                j += 1;
            }
            if j != 0 {
                self.verifier_remove_insns(i, j)?;
            }
            i += 1;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:opt_remove_nops()`: `goto +0` and
    /// `may_goto +0` go.
    pub fn opt_remove_nops(&mut self) -> Result<(), Errno> {
        let nop = BpfInsn::ja(0);
        let may_goto_0 = BpfInsn::new(BPF_JMP | BPF_JCOND, 0, 0, 0, 0);
        let mut i: i64 = 0;
        while (i as usize) < self.prog.insnsi.len() {
            let insn = self.prog.insnsi[i as usize];
            let is_may_goto_0 = insn == may_goto_0;
            if insn != nop && !is_may_goto_0 {
                i += 1;
                continue;
            }
            self.verifier_remove_insns(i as usize, 1)?;
            // back one insn to catch "may_goto +1; may_goto +0"
            i -= if is_may_goto_0 && i > 0 { 1 } else { 0 };
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:sanitize_dead_code()`: without
    /// `CAP_BPF` dead code stays, each insn a `goto -1` trap.
    pub fn sanitize_dead_code(&mut self) {
        for i in 0..self.prog.insnsi.len() {
            if !self.insn_aux_data[i].seen {
                self.prog.insnsi[i] = BpfInsn::ja(-1);
                self.insn_aux_data[i].zext_dst = false;
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:do_misc_fixups()`: division and
    /// modulo made total, `LD_ABS`/`LD_IND` turned into calls, `may_goto`
    /// into a stack counter, `bpf_tail_call` into `BPF_TAIL_CALL`, and
    /// every helper call's `imm` into its distance from `__bpf_call_base`.
    pub fn do_misc_fixups(&mut self) -> Result<(), Errno> {
        let mut i = 0usize;
        let mut stack_depth_extra = 0u32;
        let stack_depth = self.subprog_info[0].stack_depth;
        while i < self.prog.insnsi.len() {
            let insn = self.prog.insnsi[i];
            let code = insn.code;
            let class = bpf_class(code);
            let is64 = class == BPF_ALU64;
            let alu = if is64 { BPF_ALU64 } else { BPF_ALU };
            let jmp = if is64 { BPF_JMP } else { BPF_JMP32 };
            let (dst, src) = (insn.dst_reg(), insn.src_reg());
            // sdiv/smod by -1 cannot trap
            if (class == BPF_ALU64 || class == BPF_ALU)
                && (bpf_op(code) == BPF_MOD || bpf_op(code) == BPF_DIV)
                && bpf_src(code) == BPF_K
                && insn.off == 1
                && insn.imm == -1
            {
                let p = if bpf_op(code) == BPF_DIV {
                    BpfInsn::new(alu | BPF_NEG | BPF_K, dst, 0, 0, 0)
                } else {
                    BpfInsn::mov32_imm(dst, 0)
                };
                self.bpf_patch_insn_data(i, &[p])?;
                i += 1;
                continue;
            }
            // division by a register: by zero gives 0 (or keeps the
            // dividend for modulo), signed by -1 cannot overflow
            if (class == BPF_ALU64 || class == BPF_ALU)
                && (bpf_op(code) == BPF_MOD || bpf_op(code) == BPF_DIV)
                && bpf_src(code) == BPF_X
            {
                let isdiv = bpf_op(code) == BPF_DIV;
                let signed = insn.off == 1;
                let ax = BPF_REG_AX;
                let mut p = Vec::with_capacity(8);
                if isdiv && signed {
                    p.push(BpfInsn::mov64_reg(ax, src));
                    p.push(BpfInsn::new(alu | BPF_ADD | BPF_K, ax, 0, 0, 1));
                    p.push(BpfInsn::new(jmp | BPF_JGT | BPF_K, ax, 0, 4, 1));
                    p.push(BpfInsn::new(jmp | BPF_JEQ | BPF_K, ax, 0, 1, 0));
                    p.push(BpfInsn::new(alu | BPF_MOV | BPF_K, dst, 0, 0, 0));
                    p.push(BpfInsn::new(alu | BPF_NEG | BPF_K, dst, 0, 0, 0));
                    p.push(BpfInsn::ja(1));
                    p.push(insn);
                } else if signed {
                    p.push(BpfInsn::mov64_reg(ax, src));
                    p.push(BpfInsn::new(alu | BPF_ADD | BPF_K, ax, 0, 0, 1));
                    p.push(BpfInsn::new(jmp | BPF_JGT | BPF_K, ax, 0, 3, 1));
                    p.push(BpfInsn::new(jmp | BPF_JEQ | BPF_K, ax, 0, 3 + if is64 { 0 } else { 1 }, 1));
                    p.push(BpfInsn::mov32_imm(dst, 0));
                    p.push(BpfInsn::ja(1));
                    p.push(insn);
                    if !is64 {
                        p.push(BpfInsn::ja(1));
                        p.push(BpfInsn::mov32_reg(dst, dst));
                    }
                } else if isdiv {
                    p.push(BpfInsn::new(jmp | BPF_JNE | BPF_K, src, 0, 2, 0));
                    p.push(BpfInsn::alu32_reg(BPF_XOR, dst, dst));
                    p.push(BpfInsn::ja(1));
                    p.push(insn);
                } else {
                    p.push(BpfInsn::new(jmp | BPF_JEQ | BPF_K, src, 0, 1 + if is64 { 0 } else { 1 }, 0));
                    p.push(insn);
                    if !is64 {
                        p.push(BpfInsn::ja(1));
                        p.push(BpfInsn::mov32_reg(dst, dst));
                    }
                }
                let n = p.len();
                self.bpf_patch_insn_data(i, &p)?;
                i += n;
                continue;
            }
            // pointer arithmetic with a scalar: the offset masked against
            // the limit the verifier recorded, so a mispredicted branch
            // cannot move the pointer out of its object
            if code == BPF_ALU64 | BPF_ADD | BPF_X || code == BPF_ALU64 | BPF_SUB | BPF_X {
                let aux = &self.insn_aux_data[i];
                let (alu_state, alu_limit) = (aux.alu_state, aux.alu_limit);
                if alu_state == 0 || alu_state == BPF_ALU_NON_POINTER {
                    i += 1;
                    continue;
                }
                let p = sanitize_ptr_alu_patch(insn, alu_state, alu_limit);
                let n = p.len();
                self.bpf_patch_insn_data(i, &p)?;
                i += n;
                continue;
            }
            // LD_ABS/LD_IND: a call of the skb load helpers
            if class == BPF_LD && (bpf_mode(code) == BPF_ABS || bpf_mode(code) == BPF_IND) {
                let p = bpf_gen_ld_abs(&insn);
                let n = p.len();
                self.bpf_patch_insn_data(i, &p)?;
                i += n;
                continue;
            }
            // may_goto: a loop budget counted down in a hidden stack slot
            if code == BPF_JMP | BPF_JCOND && insn.src_reg() == BPF_MAY_GOTO {
                let stack_off = -(stack_depth as i16) - 8;
                stack_depth_extra = 8;
                let target = if insn.off >= 0 { insn.off + 2 } else { insn.off - 1 };
                let p = [
                    BpfInsn::ldx_mem(BPF_DW, BPF_REG_AX, BPF_REG_10, stack_off),
                    BpfInsn::jmp_imm(BPF_JEQ, BPF_REG_AX, 0, target),
                    BpfInsn::alu64_imm(BPF_SUB, BPF_REG_AX, 1),
                    BpfInsn::stx_mem(BPF_DW, BPF_REG_10, BPF_REG_AX, stack_off),
                ];
                self.bpf_patch_insn_data(i, &p)?;
                i += p.len();
                continue;
            }
            if code != BPF_JMP | BPF_CALL || src != 0 {
                i += 1;
                continue;
            }
            if insn.imm == BPF_FUNC_tail_call.0 as i32 {
                // other programs may replace the target at any time
                self.prog.cb_access = true;
                if !self.prog.jit_requested {
                    self.prog.aux.stack_depth = MAX_BPF_STACK;
                }
                self.prog.aux.max_pkt_offset = MAX_PACKET_OFF as u32;
                let mut t = insn;
                t.imm = 0;
                t.code = BPF_JMP | BPF_TAIL_CALL;
                self.prog.insnsi[i] = t;
                let aux = &self.insn_aux_data[i];
                if !aux.map_ptr_unpriv {
                    i += 1;
                    continue;
                }
                // a map made without bpf_bypass_spec_v1(): the index is
                // bounded and masked, so a mispredicted bound check cannot
                // read past the array
                if aux.map_ptr_poison {
                    verbose!(self, "tail_call abusing map_ptr\n");
                    return Err(EINVAL);
                }
                let Some(max_entries) =
                    aux.map_ptr_state.and_then(|m| self.used_maps.get(m as usize)).map(|m| m.max_entries)
                else {
                    verbose!(self, "verifier bug: tail call without a map\n");
                    return Err(EFAULT);
                };
                // the prog array's index_mask: array_map_alloc() rounds
                // max_entries up to a power of two
                let bits = 64 - u64::from(max_entries.saturating_sub(1)).leading_zeros();
                let index_mask = ((1u64 << bits) - 1) as u32;
                let p = [
                    BpfInsn::jmp_imm(BPF_JGE, BPF_REG_3, max_entries as i32, 2),
                    BpfInsn::alu32_imm(BPF_AND, BPF_REG_3, index_mask as i32),
                    t,
                ];
                self.bpf_patch_insn_data(i, &p)?;
                i += p.len();
                continue;
            }
            // map_gen_lookup: a hash map's lookup inlined, for a program
            // the JIT is asked for (the kernel's BITS_PER_LONG == 64 case)
            if self.prog.jit_requested && insn.imm == BPF_FUNC_map_lookup_elem.0 as i32 {
                let aux = &self.insn_aux_data[i];
                let map = if aux.map_ptr_poison { None } else { aux.map_ptr_state };
                let value_off = map
                    .and_then(|m| self.used_maps.get(m as usize))
                    .and_then(|m| m.ops.map_gen_lookup_value_off());
                if let Some(value_off) = value_off {
                    let p = htab_map_gen_lookup(value_off)?;
                    self.bpf_patch_insn_data(i, &p)?;
                    i += p.len();
                    continue;
                }
            }
            let Some(proto) = self.helper_proto(insn.imm) else {
                verbose!(
                    self,
                    "verifier bug: not inlined functions {}#{} is missing func\n",
                    bpf_core::disasm::func_id_name(insn.imm),
                    insn.imm
                );
                return Err(EFAULT);
            };
            let Some(imm) = bpf_call_imm(proto.func) else {
                return Err(ERANGE);
            };
            self.prog.insnsi[i].imm = imm;
            i += 1;
        }
        if stack_depth_extra != 0 {
            // the budget starts at BPF_MAX_LOOPS
            let first = [
                BpfInsn::st_mem(BPF_DW, BPF_REG_FP, -(stack_depth as i16) - 8, 8 * 1024 * 1024),
                self.prog.insnsi[0],
            ];
            self.bpf_patch_insn_data(0, &first)?;
            self.subprog_info[0].stack_depth += stack_depth_extra;
            self.prog.aux.stack_depth = self.subprog_info[0].stack_depth;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:fixup_call_args()` for the
    /// interpreter: each bpf-to-bpf call becomes `BPF_CALL_ARGS` carrying
    /// the callee's stack depth (the JIT path, `jit_subprogs`, belongs to
    /// the JIT).
    pub fn fixup_call_args(&mut self) -> Result<(), Errno> {
        if self.subprog_cnt > 1 && self.subprog_info[..self.subprog_cnt].iter().any(|s| s.tail_call_reachable)
        {
            verbose!(self, "tail_calls are not allowed in non-JITed programs with bpf-to-bpf calls\n");
            return Err(EINVAL);
        }
        for i in 0..self.prog.insnsi.len() {
            let insn = self.prog.insnsi[i];
            if insn.is_ld_imm64() && insn.src_reg() == BPF_PSEUDO_FUNC {
                verbose!(self, "callbacks are not allowed in non-JITed programs\n");
                return Err(EINVAL);
            }
            if !insn.is_pseudo_call() {
                continue;
            }
            let target = (i as i64 + i64::from(insn.imm) + 1) as u32;
            let Some(sub) = self.find_subprog(target) else {
                verbose!(self, "verifier bug: calling a non-subprog\n");
                return Err(EFAULT);
            };
            let depth = self.subprog_info[sub].stack_depth;
            let mut n = insn;
            n.off = insn.imm as i16;
            n.imm = depth as i32;
            // src_reg stays BPF_PSEUDO_CALL, as bpf_patch_call_args leaves it
            n.code = BPF_JMP | BPF_CALL_ARGS;
            self.prog.insnsi[i] = n;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:opt_subreg_zext_lo32_rnd_hi32()`
    /// (v6.18) for a JIT that zero-extends 32-bit results itself
    /// (`bpf_jit_needs_zext()` false, as on x86-64).
    ///
    /// `BPF_CMPXCHG` always loads r0, but some CPUs' instruction only
    /// writes it when the comparison succeeds, so a 32-bit cmpxchg whose
    /// r0 is later read as 64 bits (`zext_dst`, `mark_insn_zext`) gets an
    /// explicit `BPF_ZEXT_REG(r0)` after it whatever the JIT. The
    /// `BPF_F_TEST_RND_HI32` poisoning of the other 32-bit results is not
    /// modelled.
    pub fn opt_subreg_zext_lo32_rnd_hi32(&mut self) -> Result<(), Errno> {
        let mut i = 0;
        while i < self.prog.insnsi.len() {
            let insn = self.prog.insnsi[i];
            let is_cmpxchg = bpf_class(insn.code) == BPF_STX
                && bpf_mode(insn.code) == BPF_ATOMIC
                && insn.imm == BPF_CMPXCHG;
            if !self.insn_aux_data[i].zext_dst || !is_cmpxchg {
                i += 1;
                continue;
            }
            // BPF_ZEXT_REG(r0): a 32-bit mov of r0 to itself, imm 1
            let zext = BpfInsn::new(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_0, 0, 1);
            self.bpf_patch_insn_data(i, &[insn, zext])?;
            i += 2;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:convert_pseudo_ld_imm64()`: after a
    /// successful load the map fd marker goes away.
    pub fn convert_pseudo_ld_imm64(&mut self) {
        for insn in self.prog.insnsi.iter_mut() {
            if insn.is_ld_imm64() && insn.src_reg() != BPF_PSEUDO_FUNC {
                insn.set_src_reg(0);
            }
        }
    }
}

/// The masking sequence `do_misc_fixups()` puts in place of a pointer
/// `add`/`sub` whose `alu_state` asks for it: `BPF_REG_AX` becomes the
/// offset when it is within `alu_limit` and 0 otherwise (`limit - off | off`
/// has its sign bit set exactly when the offset is out of range or
/// negative), and the arithmetic uses AX. `BPF_ALU_NEG_VALUE` flips the
/// offset's sign around the check; `BPF_ALU_IMMEDIATE` (a known offset)
/// needs only the limit in AX.
fn sanitize_ptr_alu_patch(insn: BpfInsn, alu_state: u8, alu_limit: u32) -> Vec<BpfInsn> {
    let isneg = alu_state & BPF_ALU_NEG_VALUE != 0;
    let issrc = alu_state & (BPF_ALU_SANITIZE_SRC | BPF_ALU_SANITIZE_DST) == BPF_ALU_SANITIZE_SRC;
    let isimm = alu_state & BPF_ALU_IMMEDIATE != 0;
    let off_reg = if issrc { insn.src_reg() } else { insn.dst_reg() };
    let ax = BPF_REG_AX;
    let mut p = Vec::with_capacity(9);
    if isimm {
        p.push(BpfInsn::mov32_imm(ax, alu_limit as i32));
    } else {
        if isneg {
            p.push(BpfInsn::alu64_imm(BPF_MUL, off_reg, -1));
        }
        p.push(BpfInsn::mov32_imm(ax, alu_limit as i32));
        p.push(BpfInsn::alu64_reg(BPF_SUB, ax, off_reg));
        p.push(BpfInsn::alu64_reg(BPF_OR, ax, off_reg));
        p.push(BpfInsn::alu64_imm(BPF_NEG, ax, 0));
        p.push(BpfInsn::alu64_imm(BPF_ARSH, ax, 63));
        p.push(BpfInsn::alu64_reg(BPF_AND, ax, off_reg));
    }
    let mut arith = insn;
    if !issrc {
        // the pointer was in dst: move it over the offset, then add AX
        p.push(BpfInsn::mov64_reg(insn.dst_reg(), insn.src_reg()));
    }
    arith.set_src_reg(ax);
    if isneg {
        let op = if bpf_op(insn.code) == BPF_ADD { BPF_SUB } else { BPF_ADD };
        arith.code = BPF_ALU64 | op | BPF_X;
    }
    p.push(arith);
    if issrc && isneg && !isimm {
        p.push(BpfInsn::alu64_imm(BPF_MUL, off_reg, -1));
    }
    p
}

/// Mirrors `kernel/bpf/hashtab.c:htab_map_gen_lookup()` (v6.18): the
/// lookup as a call of `__htab_map_lookup_elem` (the element) and, unless
/// NULL, the add of the value's offset in it.
fn htab_map_gen_lookup(value_off: u32) -> Result<Vec<BpfInsn>, Errno> {
    let Some(imm) = bpf_call_imm(bpf_core::helpers::maps::__htab_map_lookup_elem) else {
        return Err(ERANGE);
    };
    Ok(vec![
        BpfInsn::new(BPF_JMP | BPF_CALL, 0, 0, 0, imm),
        BpfInsn::jmp_imm(BPF_JEQ, BPF_REG_0, 0, 1),
        BpfInsn::alu64_imm(BPF_ADD, BPF_REG_0, value_off as i32),
    ])
}

/// Mirrors `net/core/filter.c:bpf_gen_ld_abs()`: `LD_ABS`/`LD_IND` as a
/// call of the skb load helpers (r6 is the skb), returning 0 from the
/// program when the load is out of the packet.
fn bpf_gen_ld_abs(orig: &BpfInsn) -> Vec<BpfInsn> {
    use bpf_core::helpers::net::*;
    let mut p = Vec::with_capacity(6);
    if bpf_mode(orig.code) == BPF_IND {
        p.push(BpfInsn::mov64_reg(BPF_REG_2, orig.src_reg()));
        if orig.imm != 0 {
            p.push(BpfInsn::alu64_imm(BPF_ADD, BPF_REG_2, orig.imm));
        }
    } else {
        p.push(BpfInsn::mov64_imm(BPF_REG_2, orig.imm));
    }
    p.push(BpfInsn::mov64_reg(BPF_REG_1, BPF_REG_6));
    p.push(match bpf_size(orig.code) {
        BPF_B => emit_call(bpf_skb_load_helper_8_no_cache),
        BPF_H => emit_call(bpf_skb_load_helper_16_no_cache),
        _ => emit_call(bpf_skb_load_helper_32_no_cache),
    });
    p.push(BpfInsn::jmp_imm(BPF_JSGE, BPF_REG_0, 0, 2));
    p.push(BpfInsn::alu32_reg(BPF_XOR, BPF_REG_0, BPF_REG_0));
    p.push(BpfInsn::exit());
    p
}

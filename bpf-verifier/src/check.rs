//! The main walk of `kernel/bpf/verifier.c` (v6.18): `do_check_common`,
//! `do_check`, `do_check_insn`, and the register/ALU/jump rules they apply
//! (`check_reg_arg`, `check_alu_op`, `adjust_reg_min_max_vals`,
//! `adjust_ptr_min_max_vals`, `check_cond_jmp_op`, `check_ld_imm`,
//! `check_return_code`).

use crate::bounds::*;
use crate::env::{__is_pointer_value, verbose, BpfVerifierEnv};
use crate::log::{BPF_LOG_LEVEL, BPF_LOG_LEVEL2};
use crate::state::*;
use crate::tnum::*;
use bpf_core::errno::*;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// `enum reg_arg_type`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RegArgType {
    /// The register is read.
    SrcOp,
    /// The register is written; mark it unknown.
    DstOp,
    /// The register is written; the caller sets it.
    DstOpNoMark,
}
pub use RegArgType::*;

/// What `do_check_insn` asks of the loop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InsnResult {
    /// Continue at `env.insn_idx`.
    Next,
    /// The path ended (`PROCESS_BPF_EXIT`).
    Exit,
}

/// `bpf_alu_string[]`.
pub const BPF_ALU_STRING: [&str; 16] =
    ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", "", ""];

/// Mirrors `kernel/bpf/verifier.c:__mark_reg_unknown()`: an unknown
/// scalar, precise unless the loader is privileged.
pub fn __mark_reg_unknown(bpf_capable: bool, reg: &mut BpfRegState) {
    __mark_reg_unknown_imprecise(reg);
    reg.precise = !bpf_capable;
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg_not_init()`.
pub fn __mark_reg_not_init(bpf_capable: bool, reg: &mut BpfRegState) {
    __mark_reg_unknown(bpf_capable, reg);
    reg.type_ = NOT_INIT;
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg_const_zero()`.
pub fn __mark_reg_const_zero(bpf_capable: bool, reg: &mut BpfRegState) {
    __mark_reg_known(reg, 0);
    reg.type_ = SCALAR_VALUE;
    reg.precise = !bpf_capable;
}

/// `register_is_null()`.
pub fn register_is_null(reg: &BpfRegState) -> bool {
    reg.type_ == SCALAR_VALUE && reg.var_off.equals_const(0)
}

/// `get_reg_width()`: bits needed for the largest value.
pub fn get_reg_width(reg: &BpfRegState) -> u32 {
    64 - reg.umax_value.leading_zeros()
}

/// `reg_is_pkt_pointer()`.
pub fn reg_is_pkt_pointer(reg: &BpfRegState) -> bool {
    reg.type_ == PTR_TO_PACKET || reg.type_ == PTR_TO_PACKET_META
}

/// `reg_is_pkt_pointer_any()`.
pub fn reg_is_pkt_pointer_any(reg: &BpfRegState) -> bool {
    reg_is_pkt_pointer(reg) || reg.type_ == PTR_TO_PACKET_END
}

/// `type_may_be_null()`.
pub fn type_may_be_null(t: u32) -> bool {
    t & PTR_MAYBE_NULL != 0
}

/// Mirrors `kernel/bpf/verifier.c:reg_not_null()`: a pointer type that
/// cannot be NULL (the stack, ctx and packet pointers are not among them).
pub fn reg_not_null(reg: &BpfRegState) -> bool {
    let t = reg.type_;
    if type_may_be_null(t) {
        return false;
    }
    let b = base_type(t);
    matches!(
        b,
        PTR_TO_SOCKET
            | PTR_TO_TCP_SOCK
            | PTR_TO_MAP_VALUE
            | PTR_TO_MAP_KEY
            | PTR_TO_SOCK_COMMON
            | CONST_PTR_TO_MAP
    ) || (b == PTR_TO_BTF_ID && t & PTR_TRUSTED != 0)
        || (b == PTR_TO_MEM && t & PTR_UNTRUSTED == 0)
}

impl<'a> BpfVerifierEnv<'a> {
    /// `mark_reg_unknown()`.
    pub fn mark_reg_unknown(&mut self, regno: u8) {
        let cap = self.bpf_capable;
        __mark_reg_unknown(cap, &mut self.regs()[regno as usize]);
    }
    /// `mark_reg_known_zero()`.
    pub fn mark_reg_known_zero(&mut self, regno: u8) {
        __mark_reg_known(&mut self.regs()[regno as usize], 0);
    }
    /// `mark_reg_not_init()`.
    pub fn mark_reg_not_init(&mut self, regno: u8) {
        let cap = self.bpf_capable;
        __mark_reg_not_init(cap, &mut self.regs()[regno as usize]);
    }

    /// Mirrors `kernel/bpf/verifier.c:check_reg_arg()`: a source must have
    /// been written; the frame pointer cannot be a destination.
    pub fn check_reg_arg(&mut self, regno: u8, t: RegArgType) -> Result<(), Errno> {
        if regno as usize >= MAX_BPF_REG {
            verbose!(self, "R{} is invalid\n", regno);
            return Err(EINVAL);
        }
        self.mark_reg_scratched(regno);
        let insn = self.insn();
        let rw64 = is_reg64(&insn, regno, t);
        if t == SrcOp {
            if self.reg(regno).type_ == NOT_INIT {
                verbose!(self, "R{} !read_ok\n", regno);
                return Err(EACCES);
            }
            if regno != BPF_REG_FP && is_reg64_src(&insn, self.reg(regno).type_) {
                self.mark_insn_zext(regno);
            }
            return Ok(());
        }
        if regno == BPF_REG_FP {
            verbose!(self, "frame pointer is read only\n");
            return Err(EACCES);
        }
        let idx = self.insn_idx;
        let reg = &mut self.regs()[regno as usize];
        reg.subreg_def = if rw64 { DEF_NOT_SUBREG } else { idx + 1 };
        if t == DstOp {
            self.mark_reg_unknown(regno);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:mark_insn_zext()` (v6.18).
    ///
    /// A 64-bit read of a register whose last write was 32-bit: the
    /// writing insn's result must be zero-extended (`zext_dst`), which
    /// `opt_subreg_zext_lo32_rnd_hi32` makes explicit where the JIT does
    /// not do it by itself (on x86-64, after a 32-bit `cmpxchg`).
    fn mark_insn_zext(&mut self, regno: u8) {
        let reg = &mut self.regs()[regno as usize];
        let def_idx = reg.subreg_def;
        if def_idx == DEF_NOT_SUBREG {
            return;
        }
        // the register is zero-extended from here on
        reg.subreg_def = DEF_NOT_SUBREG;
        if let Some(aux) = self.insn_aux_data.get_mut(def_idx as usize - 1) {
            aux.zext_dst = true;
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:assign_scalar_id_before_mov()`: give
    /// the source an id so the copy stays linked to it.
    pub fn assign_scalar_id_before_mov(&mut self, reg: &mut BpfRegState) {
        if reg.type_ != SCALAR_VALUE {
            return;
        }
        if reg.id & BPF_ADD_CONST != 0 {
            // rY already carries "rX + const": a second link is not kept
            reg.id = 0;
            reg.off = 0;
        }
        if reg.id == 0 && !reg.var_off.is_const() {
            reg.id = self.new_id();
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:reg_bounds_sanity_check()`.
    pub fn reg_bounds_sanity_check(&mut self, reg: &mut BpfRegState, ctx: &str) -> Result<(), Errno> {
        if reg.type_ != SCALAR_VALUE {
            return Ok(());
        }
        if let Some(msg) = reg_bounds_invariant_violation(reg) {
            verbose!(
                self,
                "verifier bug: REG INVARIANTS VIOLATION ({}): {} u64=[{:#x}, {:#x}] s64=[{:#x}, {:#x}] u32=[{:#x}, {:#x}] s32=[{:#x}, {:#x}] var_off=({:#x}, {:#x})\n",
                ctx, msg, reg.umin_value, reg.umax_value, reg.smin_value as u64, reg.smax_value as u64,
                reg.u32_min_value, reg.u32_max_value, reg.s32_min_value as u32, reg.s32_max_value as u32,
                reg.var_off.value, reg.var_off.mask
            );
            if self.test_reg_invariants {
                return Err(EFAULT);
            }
            __mark_reg_unbounded(reg);
        }
        Ok(())
    }

    fn reg_bounds_sanity_check_regno(&mut self, regno: u8, ctx: &str) -> Result<(), Errno> {
        let mut r = self.reg(regno);
        self.reg_bounds_sanity_check(&mut r, ctx)?;
        self.regs()[regno as usize] = r;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_alu_op()`.
    pub fn check_alu_op(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let opcode = bpf_op(insn.code);
        let class = bpf_class(insn.code);
        let (dst, src) = (insn.dst_reg(), insn.src_reg());
        if opcode == BPF_END || opcode == BPF_NEG {
            if opcode == BPF_NEG {
                if bpf_src(insn.code) != BPF_K || src != 0 || insn.off != 0 || insn.imm != 0 {
                    verbose!(self, "BPF_NEG uses reserved fields\n");
                    return Err(EINVAL);
                }
            } else if src != 0
                || insn.off != 0
                || !matches!(insn.imm, 16 | 32 | 64)
                || (class == BPF_ALU64 && bpf_src(insn.code) != BPF_TO_LE)
            {
                verbose!(self, "BPF_END uses reserved fields\n");
                return Err(EINVAL);
            }
            self.check_reg_arg(dst, SrcOp)?;
            if self.is_pointer_value(dst) {
                verbose!(self, "R{} pointer arithmetic prohibited\n", dst);
                return Err(EACCES);
            }
            if self.reg(dst).type_ == SCALAR_VALUE {
                self.check_reg_arg(dst, DstOpNoMark)?;
                let mut r = self.reg(dst);
                self.adjust_scalar_min_max_vals(insn, &mut r, None)?;
                self.regs()[dst as usize] = r;
            } else {
                self.check_reg_arg(dst, DstOp)?;
            }
        } else if opcode == BPF_MOV {
            if bpf_src(insn.code) == BPF_X {
                if class == BPF_ALU {
                    if !matches!(insn.off, 0 | 8 | 16) || insn.imm != 0 {
                        verbose!(self, "BPF_MOV uses reserved fields\n");
                        return Err(EINVAL);
                    }
                } else if insn.off == BPF_ADDR_SPACE_CAST {
                    if insn.imm != 1 && insn.imm != 1 << 16 {
                        verbose!(
                            self,
                            "addr_space_cast insn can only convert between address space 1 and 0\n"
                        );
                        return Err(EINVAL);
                    }
                    verbose!(
                        self,
                        "addr_space_cast insn can only be used in a program that has an associated arena\n"
                    );
                    return Err(EINVAL);
                } else if !matches!(insn.off, 0 | 8 | 16 | 32) || insn.imm != 0 {
                    verbose!(self, "BPF_MOV uses reserved fields\n");
                    return Err(EINVAL);
                }
                self.check_reg_arg(src, SrcOp)?;
            } else if src != 0 || insn.off != 0 {
                verbose!(self, "BPF_MOV uses reserved fields\n");
                return Err(EINVAL);
            }
            self.check_reg_arg(dst, DstOpNoMark)?;
            if bpf_src(insn.code) == BPF_X {
                let mut src_reg = self.reg(src);
                let idx = self.insn_idx;
                if class == BPF_ALU64 {
                    if insn.off == 0 {
                        // r1 = r2: copy the whole state
                        self.assign_scalar_id_before_mov(&mut src_reg);
                        self.regs()[src as usize] = src_reg;
                        let mut d = src_reg;
                        d.subreg_def = DEF_NOT_SUBREG;
                        self.regs()[dst as usize] = d;
                    } else if self.is_pointer_value(src) {
                        verbose!(self, "R{} sign-extension part of pointer\n", src);
                        return Err(EACCES);
                    } else if src_reg.type_ == SCALAR_VALUE {
                        let no_sext = src_reg.umax_value < (1u64 << (insn.off - 1));
                        if no_sext {
                            self.assign_scalar_id_before_mov(&mut src_reg);
                            self.regs()[src as usize] = src_reg;
                        }
                        let mut d = src_reg;
                        if !no_sext {
                            d.id = 0;
                        }
                        coerce_reg_to_size_sx(&mut d, (insn.off >> 3) as u32);
                        d.subreg_def = DEF_NOT_SUBREG;
                        self.regs()[dst as usize] = d;
                    } else {
                        self.mark_reg_unknown(dst);
                    }
                } else {
                    // w1 = w2
                    if self.is_pointer_value(src) {
                        verbose!(self, "R{} partial copy of pointer\n", src);
                        return Err(EACCES);
                    } else if src_reg.type_ == SCALAR_VALUE {
                        let mut d;
                        if insn.off == 0 {
                            let is_src_reg_u32 = get_reg_width(&src_reg) <= 32;
                            if is_src_reg_u32 {
                                self.assign_scalar_id_before_mov(&mut src_reg);
                                self.regs()[src as usize] = src_reg;
                            }
                            d = src_reg;
                            // a value wider than 32 bits is not linked
                            if !is_src_reg_u32 {
                                d.id = 0;
                            }
                            d.subreg_def = idx + 1;
                        } else {
                            let no_sext = src_reg.umax_value < (1u64 << (insn.off - 1));
                            if no_sext {
                                self.assign_scalar_id_before_mov(&mut src_reg);
                                self.regs()[src as usize] = src_reg;
                            }
                            d = src_reg;
                            if !no_sext {
                                d.id = 0;
                            }
                            d.subreg_def = idx + 1;
                            coerce_subreg_to_size_sx(&mut d, (insn.off >> 3) as u32);
                        }
                        self.regs()[dst as usize] = d;
                    } else {
                        self.mark_reg_unknown(dst);
                    }
                    let d = &mut self.regs()[dst as usize];
                    zext_32_to_64(d);
                    reg_bounds_sync(d);
                }
            } else {
                // r = imm
                self.mark_reg_unknown(dst);
                let d = &mut self.regs()[dst as usize];
                d.type_ = SCALAR_VALUE;
                if class == BPF_ALU64 {
                    __mark_reg_known(d, insn.imm as i64 as u64);
                } else {
                    __mark_reg_known(d, u64::from(insn.imm as u32));
                }
            }
        } else if opcode > BPF_END {
            verbose!(self, "invalid BPF_ALU opcode {:x}\n", opcode);
            return Err(EINVAL);
        } else {
            if bpf_src(insn.code) == BPF_X {
                if insn.imm != 0
                    || (insn.off != 0 && insn.off != 1)
                    || (insn.off == 1 && opcode != BPF_MOD && opcode != BPF_DIV)
                {
                    verbose!(self, "BPF_ALU uses reserved fields\n");
                    return Err(EINVAL);
                }
                self.check_reg_arg(src, SrcOp)?;
            } else if src != 0
                || (insn.off != 0 && insn.off != 1)
                || (insn.off == 1 && opcode != BPF_MOD && opcode != BPF_DIV)
            {
                verbose!(self, "BPF_ALU uses reserved fields\n");
                return Err(EINVAL);
            }
            self.check_reg_arg(dst, SrcOp)?;
            if (opcode == BPF_MOD || opcode == BPF_DIV) && bpf_src(insn.code) == BPF_K && insn.imm == 0 {
                verbose!(self, "div by zero\n");
                return Err(EINVAL);
            }
            if matches!(opcode, BPF_LSH | BPF_RSH | BPF_ARSH) && bpf_src(insn.code) == BPF_K {
                let size = if class == BPF_ALU64 { 64 } else { 32 };
                if insn.imm < 0 || insn.imm >= size {
                    verbose!(self, "invalid shift {}\n", insn.imm);
                    return Err(EINVAL);
                }
            }
            self.check_reg_arg(dst, DstOpNoMark)?;
            self.adjust_reg_min_max_vals(insn)?;
        }
        self.reg_bounds_sanity_check_regno(dst, "alu")
    }

    /// Mirrors `kernel/bpf/verifier.c:adjust_scalar_min_max_vals()`.
    /// `src` is `None` for the unary ops (NEG, END).
    pub fn adjust_scalar_min_max_vals(
        &mut self,
        insn: &BpfInsn,
        dst: &mut BpfRegState,
        src: Option<&BpfRegState>,
    ) -> Result<(), Errno> {
        let src = src.copied().unwrap_or(*dst);
        let opcode = bpf_op(insn.code);
        if opcode == BPF_END {
            scalar_byte_swap(dst, insn);
            return Ok(());
        }
        if !is_safe_to_compute_dst_reg_range(insn.code, &src) {
            __mark_reg_unknown(self.bpf_capable, dst);
            return Ok(());
        }
        if crate::sanitize::sanitize_needed(opcode) {
            self.sanitize_val_alu(insn)?;
        }
        if (opcode == BPF_AND || opcode == BPF_OR) && src.var_off.is_const() {
            self.maybe_fork_scalars(insn, dst)?;
        }
        scalar_alu(dst, &src, insn.code);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:maybe_fork_scalars()`: a value known
    /// to be 0 or -1 (an arithmetic shift of the sign, as compilers emit
    /// before an `&` or `|` with a constant) is explored as each: the
    /// current path goes on with -1, a queued one redoes the insn with 0.
    fn maybe_fork_scalars(&mut self, insn: &BpfInsn, dst: &mut BpfRegState) -> Result<(), Errno> {
        let alu32 = if dst.smin_value == -1 && dst.smax_value == 0 {
            false
        } else if dst.s32_min_value == -1 && dst.s32_max_value == 0 {
            true
        } else {
            return Ok(());
        };
        let idx = self.insn_idx;
        let mut branch = self.push_stack(idx, idx, false)?;
        let f = branch.curframe as usize;
        let r = &mut branch.frame[f].regs[insn.dst_reg() as usize];
        if alu32 {
            __mark_reg32_known(r, 0);
            __mark_reg32_known(dst, u64::MAX);
        } else {
            __mark_reg_known(r, 0);
            __mark_reg_known(dst, u64::MAX);
        }
        self.replace_pushed(branch);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:adjust_reg_min_max_vals()`: pointer
    /// or scalar arithmetic, and the "rX = rY + const" link.
    pub fn adjust_reg_min_max_vals(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let (dstno, srcno) = (insn.dst_reg(), insn.src_reg());
        let alu32 = bpf_class(insn.code) != BPF_ALU64;
        let opcode = bpf_op(insn.code);
        let mut dst = self.reg(dstno);
        let ptr = dst.type_ != SCALAR_VALUE;
        let src;
        if bpf_src(insn.code) == BPF_X {
            src = self.reg(srcno);
            if src.type_ != SCALAR_VALUE {
                if dst.type_ != SCALAR_VALUE {
                    // pointer op pointer: only subtraction, and only privileged
                    if opcode == BPF_SUB && self.allow_ptr_leaks {
                        self.mark_reg_unknown(dstno);
                        return Ok(());
                    }
                    verbose!(
                        self,
                        "R{} pointer {} pointer prohibited\n",
                        dstno,
                        BPF_ALU_STRING[(opcode >> 4) as usize]
                    );
                    return Err(EACCES);
                }
                // scalar += pointer: the pointer rules with roles swapped
                self.mark_chain_precision(dstno as i32)?;
                return self.adjust_ptr_min_max_vals(insn, &src, &dst, true);
            } else if ptr {
                self.mark_chain_precision(srcno as i32)?;
                return self.adjust_ptr_min_max_vals(insn, &dst, &src, false);
            } else if dst.precise {
                self.mark_chain_precision(srcno as i32)?;
            }
        } else {
            let mut k = BpfRegState { type_: SCALAR_VALUE, ..Default::default() };
            __mark_reg_known(&mut k, insn.imm as i64 as u64);
            if ptr {
                return self.adjust_ptr_min_max_vals(insn, &dst, &k, false);
            }
            src = k;
        }
        // the 32-bit link needs a value that fitted in 32 bits before the op
        let pre_fits_u32 = dst.umin_value <= u64::from(u32::MAX) && dst.umax_value <= u64::from(u32::MAX);
        self.adjust_scalar_min_max_vals(insn, &mut dst, Some(&src))?;
        // r1 = r2; r1 += K: remember the delta, to refine r1 when r2 is
        // compared later
        if self.bpf_capable
            && (opcode == BPF_ADD || opcode == BPF_SUB)
            && dst.id != 0
            && is_reg_const(&src, alu32)
        {
            let val = reg_const_value(&src, alu32);
            let mut clear = (!alu32
                && ((val as i64) < i64::from(i32::MIN) || (val as i64) > i64::from(i32::MAX)))
                || (alu32 && !pre_fits_u32);
            let mut off = val as i32;
            if !clear && opcode == BPF_SUB {
                if off == i32::MIN {
                    clear = true;
                } else {
                    off = -off;
                }
            }
            if clear || dst.id & BPF_ADD_CONST != 0 {
                // a second "+= const" cannot be folded into off
                dst.off = 0;
                dst.id = 0;
            } else {
                dst.id |= if alu32 { BPF_ADD_CONST32 } else { BPF_ADD_CONST64 };
                dst.off = off;
            }
        } else {
            dst.id = 0;
        }
        self.regs()[dstno as usize] = dst;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_reg_sane_offset()`.
    fn check_reg_sane_offset(&mut self, reg: &BpfRegState, t: u32) -> bool {
        let known = reg.var_off.is_const();
        let val = reg.var_off.value as i64;
        let smin = reg.smin_value;
        if known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF) {
            verbose!(self, "math between {} pointer and {} is not allowed\n", reg_type_str(t), val);
            return false;
        }
        if i64::from(reg.off) >= BPF_MAX_VAR_OFF || i64::from(reg.off) <= -BPF_MAX_VAR_OFF {
            verbose!(self, "{} pointer offset {} is not allowed\n", reg_type_str(t), reg.off);
            return false;
        }
        if smin == i64::MIN {
            verbose!(
                self,
                "math between {} pointer and register with unbounded min value is not allowed\n",
                reg_type_str(t)
            );
            return false;
        }
        if smin >= BPF_MAX_VAR_OFF || smin <= -BPF_MAX_VAR_OFF {
            verbose!(self, "value {} makes {} pointer be out of bounds\n", smin, reg_type_str(t));
            return false;
        }
        true
    }

    /// Mirrors `kernel/bpf/verifier.c:adjust_ptr_min_max_vals()`: pointer
    /// plus or minus a scalar. `off_is_dst` is `scalar += pointer`.
    pub fn adjust_ptr_min_max_vals(
        &mut self,
        insn: &BpfInsn,
        ptr_reg: &BpfRegState,
        off_reg: &BpfRegState,
        off_is_dst: bool,
    ) -> Result<(), Errno> {
        let dstno = insn.dst_reg();
        let known = off_reg.var_off.is_const();
        let (smin_val, smax_val) = (off_reg.smin_value, off_reg.smax_value);
        let (umin_val, umax_val) = (off_reg.umin_value, off_reg.umax_value);
        let (smin_ptr, smax_ptr) = (ptr_reg.smin_value, ptr_reg.smax_value);
        let (umin_ptr, umax_ptr) = (ptr_reg.umin_value, ptr_reg.umax_value);
        let opcode = bpf_op(insn.code);
        let mut dst = self.reg(dstno);

        if (known && (smin_val != smax_val || umin_val != umax_val))
            || smin_val > smax_val
            || umin_val > umax_val
        {
            // bounds from a dead branch: taint the result
            __mark_reg_unknown(self.bpf_capable, &mut dst);
            self.regs()[dstno as usize] = dst;
            return Ok(());
        }
        if bpf_class(insn.code) != BPF_ALU64 {
            if opcode == BPF_SUB && self.allow_ptr_leaks {
                __mark_reg_unknown(self.bpf_capable, &mut dst);
                self.regs()[dstno as usize] = dst;
                return Ok(());
            }
            verbose!(self, "R{} 32-bit pointer arithmetic prohibited\n", dstno);
            return Err(EACCES);
        }
        if ptr_reg.type_ & PTR_MAYBE_NULL != 0 {
            verbose!(
                self,
                "R{} pointer arithmetic on {} prohibited, null-check it first\n",
                dstno,
                reg_type_str(ptr_reg.type_)
            );
            return Err(EACCES);
        }
        if base_type(ptr_reg.type_) == PTR_TO_MEM && ptr_reg.type_ & PTR_UNTRUSTED != 0 {
            return Ok(());
        }
        let allowed = match base_type(ptr_reg.type_) {
            PTR_TO_CTX | PTR_TO_MAP_VALUE | PTR_TO_MAP_KEY | PTR_TO_STACK | PTR_TO_PACKET_META
            | PTR_TO_PACKET | PTR_TO_TP_BUFFER | PTR_TO_BTF_ID | PTR_TO_MEM | PTR_TO_BUF | PTR_TO_FUNC
            | CONST_PTR_TO_DYNPTR => true,
            PTR_TO_FLOW_KEYS if known => true,
            PTR_TO_FLOW_KEYS | CONST_PTR_TO_MAP => known && smin_val == 0 && opcode == BPF_ADD,
            _ => false,
        };
        if !allowed {
            verbose!(self, "R{} pointer arithmetic on {} prohibited\n", dstno, reg_type_str(ptr_reg.type_));
            return Err(EACCES);
        }
        // scalar += pointer: the result takes the pointer's type and id
        dst.type_ = ptr_reg.type_;
        dst.id = ptr_reg.id;
        if !self.check_reg_sane_offset(off_reg, ptr_reg.type_)
            || !self.check_reg_sane_offset(ptr_reg, ptr_reg.type_)
        {
            return Err(EINVAL);
        }
        __mark_reg32_unbounded(&mut dst);
        let mut info = crate::sanitize::BpfSanitizeInfo::default();
        let sanitize = crate::sanitize::sanitize_needed(opcode);
        if sanitize {
            let ptr_for_sim = if off_is_dst { *ptr_reg } else { dst };
            if let Err(r) = self.sanitize_ptr_alu(insn, &ptr_for_sim, off_reg, !off_is_dst, &mut info, false)
            {
                return Err(self.sanitize_err(insn, r, Some(off_is_dst)));
            }
        }
        let copy_raw = |d: &mut BpfRegState| {
            d.range = ptr_reg.range;
            d.map_idx = ptr_reg.map_idx;
            d.map_uid = ptr_reg.map_uid;
            d.mem_size = ptr_reg.mem_size;
        };
        let zero_raw = |d: &mut BpfRegState| {
            d.range = 0;
            d.map_idx = NO_MAP;
            d.map_uid = 0;
            d.mem_size = 0;
        };
        match opcode {
            BPF_ADD => {
                let sum = i64::from(ptr_reg.off).wrapping_add(smin_val);
                if known && sum == i64::from(sum as i32) {
                    // pointer += K: into the fixed offset
                    dst.smin_value = smin_ptr;
                    dst.smax_value = smax_ptr;
                    dst.umin_value = umin_ptr;
                    dst.umax_value = umax_ptr;
                    dst.var_off = ptr_reg.var_off;
                    dst.off = sum as i32;
                    copy_raw(&mut dst);
                } else {
                    match (smin_ptr.checked_add(smin_val), smax_ptr.checked_add(smax_val)) {
                        (Some(a), Some(b)) => {
                            dst.smin_value = a;
                            dst.smax_value = b;
                        }
                        _ => {
                            dst.smin_value = i64::MIN;
                            dst.smax_value = i64::MAX;
                        }
                    }
                    match (umin_ptr.checked_add(umin_val), umax_ptr.checked_add(umax_val)) {
                        (Some(a), Some(b)) => {
                            dst.umin_value = a;
                            dst.umax_value = b;
                        }
                        _ => {
                            dst.umin_value = 0;
                            dst.umax_value = u64::MAX;
                        }
                    }
                    dst.var_off = tnum_add(ptr_reg.var_off, off_reg.var_off);
                    dst.off = ptr_reg.off;
                    copy_raw(&mut dst);
                    if reg_is_pkt_pointer(ptr_reg) {
                        dst.id = self.new_id();
                        // something was added: the checked range is gone
                        zero_raw(&mut dst);
                    }
                }
            }
            BPF_SUB => {
                if off_is_dst {
                    verbose!(self, "R{} tried to subtract pointer from scalar\n", dstno);
                    return Err(EACCES);
                }
                if ptr_reg.type_ == PTR_TO_STACK {
                    verbose!(self, "R{} subtraction from stack pointer prohibited\n", dstno);
                    return Err(EACCES);
                }
                let diff = i64::from(ptr_reg.off).wrapping_sub(smin_val);
                if known && diff == i64::from(diff as i32) {
                    dst.smin_value = smin_ptr;
                    dst.smax_value = smax_ptr;
                    dst.umin_value = umin_ptr;
                    dst.umax_value = umax_ptr;
                    dst.var_off = ptr_reg.var_off;
                    dst.id = ptr_reg.id;
                    dst.off = diff as i32;
                    copy_raw(&mut dst);
                } else {
                    match (smin_ptr.checked_sub(smax_val), smax_ptr.checked_sub(smin_val)) {
                        (Some(a), Some(b)) => {
                            dst.smin_value = a;
                            dst.smax_value = b;
                        }
                        _ => {
                            dst.smin_value = i64::MIN;
                            dst.smax_value = i64::MAX;
                        }
                    }
                    if umin_ptr < umax_val {
                        dst.umin_value = 0;
                        dst.umax_value = u64::MAX;
                    } else {
                        dst.umin_value = umin_ptr - umax_val;
                        dst.umax_value = umax_ptr.wrapping_sub(umin_val);
                    }
                    dst.var_off = tnum_sub(ptr_reg.var_off, off_reg.var_off);
                    dst.off = ptr_reg.off;
                    copy_raw(&mut dst);
                    if reg_is_pkt_pointer(ptr_reg) {
                        dst.id = self.new_id();
                        if smin_val < 0 {
                            zero_raw(&mut dst);
                        }
                    }
                }
            }
            BPF_AND | BPF_OR | BPF_XOR => {
                verbose!(
                    self,
                    "R{} bitwise operator {} on pointer prohibited\n",
                    dstno,
                    BPF_ALU_STRING[(opcode >> 4) as usize]
                );
                return Err(EACCES);
            }
            _ => {
                verbose!(
                    self,
                    "R{} pointer arithmetic with {} operator prohibited\n",
                    dstno,
                    BPF_ALU_STRING[(opcode >> 4) as usize]
                );
                return Err(EACCES);
            }
        }
        if !self.check_reg_sane_offset(&dst, ptr_reg.type_) {
            return Err(EINVAL);
        }
        reg_bounds_sync(&mut dst);
        self.regs()[dstno as usize] = dst;
        self.sanitize_check_bounds(dstno)?;
        if sanitize {
            if let Err(r) = self.sanitize_ptr_alu(insn, &dst, off_reg, true, &mut info, true) {
                return Err(self.sanitize_err(insn, r, Some(off_is_dst)));
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:sanitize_check_bounds()`: without
    /// `CAP_PERFMON` a pointer may not even point out of its object.
    fn sanitize_check_bounds(&mut self, dstno: u8) -> Result<(), Errno> {
        if self.bypass_spec_v1 {
            return Ok(());
        }
        let dst = self.reg(dstno);
        match dst.type_ {
            PTR_TO_STACK => {
                let off = i64::from(dst.off).wrapping_add(dst.var_off.value as i64);
                self.check_stack_access_for_ptr_arithmetic(dstno, &dst, off)?;
            }
            PTR_TO_MAP_VALUE if self.check_map_access(dstno, dst.off, 1, false, true).is_err() => {
                verbose!(
                    self,
                    "R{} pointer arithmetic of map value goes out of range, prohibited for !root\n",
                    dstno
                );
                return Err(EACCES);
            }
            _ => {}
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_access_for_ptr_arithmetic()`.
    fn check_stack_access_for_ptr_arithmetic(
        &mut self,
        regno: u8,
        reg: &BpfRegState,
        off: i64,
    ) -> Result<(), Errno> {
        if !reg.var_off.is_const() {
            verbose!(
                self,
                "R{} variable stack access prohibited for !root, var_off={} off={}\n",
                regno,
                tnum_strn(reg.var_off),
                off
            );
            return Err(EACCES);
        }
        if !(-(MAX_BPF_STACK as i64)..0).contains(&off) {
            verbose!(
                self,
                "R{} stack pointer arithmetic goes out of range, prohibited for !root; off={}\n",
                regno,
                off
            );
            return Err(EACCES);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_ld_imm()`.
    pub fn check_ld_imm(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        if bpf_size(insn.code) != BPF_DW {
            verbose!(self, "invalid BPF_LD_IMM insn\n");
            return Err(EINVAL);
        }
        if insn.off != 0 {
            verbose!(self, "BPF_LD_IMM64 uses reserved fields\n");
            return Err(EINVAL);
        }
        let dst = insn.dst_reg();
        self.check_reg_arg(dst, DstOp)?;
        let idx = self.insn_idx as usize;
        if insn.src_reg() == 0 {
            let hi = self.prog.insnsi[idx + 1].imm as u32;
            let imm = (u64::from(hi) << 32) | u64::from(insn.imm as u32);
            let r = &mut self.regs()[dst as usize];
            r.type_ = SCALAR_VALUE;
            __mark_reg_known(r, imm);
            return Ok(());
        }
        self.mark_reg_known_zero(dst);
        match insn.src_reg() {
            BPF_PSEUDO_BTF_ID => {
                verbose!(self, "kernel btf_id {} is not a var\n", insn.imm);
                Err(EINVAL)
            }
            BPF_PSEUDO_FUNC => {
                verbose!(self, "missing btf func_info\n");
                Err(EINVAL)
            }
            src => {
                let aux = &self.insn_aux_data[idx];
                let (map_index, map_off) = (aux.map_index, aux.map_off);
                let r = &mut self.regs()[dst as usize];
                r.map_idx = map_index;
                if src == BPF_PSEUDO_MAP_VALUE || src == BPF_PSEUDO_MAP_IDX_VALUE {
                    r.type_ = PTR_TO_MAP_VALUE;
                    r.off = map_off as i32;
                } else if src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_IDX {
                    r.type_ = CONST_PTR_TO_MAP;
                } else {
                    verbose!(self, "verifier bug: unexpected src reg value for ldimm64\n");
                    return Err(EFAULT);
                }
                Ok(())
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_cond_jmp_op()`: follow the
    /// outcome when it is known, else push the jump target as a new
    /// branch, each side with what the condition teaches.
    pub fn check_cond_jmp_op(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let opcode = bpf_op(insn.code);
        if opcode == BPF_JA || opcode > BPF_JCOND {
            verbose!(self, "invalid BPF_JMP/JMP32 opcode {:x}\n", opcode);
            return Err(EINVAL);
        }
        if opcode == BPF_JCOND {
            return self.check_may_goto(insn);
        }
        let (dstno, srcno) = (insn.dst_reg(), insn.src_reg());
        self.check_reg_arg(dstno, SrcOp)?;
        let dst_reg = self.reg(dstno);
        let src_reg;
        let mut insn_flags = 0;
        if bpf_src(insn.code) == BPF_X {
            if insn.imm != 0 {
                verbose!(self, "BPF_JMP/JMP32 uses reserved fields\n");
                return Err(EINVAL);
            }
            self.check_reg_arg(srcno, SrcOp)?;
            src_reg = self.reg(srcno);
            if !(reg_is_pkt_pointer_any(&dst_reg) && reg_is_pkt_pointer_any(&src_reg))
                && self.is_pointer_value(srcno)
            {
                verbose!(self, "R{} pointer comparison prohibited\n", srcno);
                return Err(EACCES);
            }
            if src_reg.type_ == PTR_TO_STACK {
                insn_flags |= insn_f::SRC_REG_STACK;
            }
            if dst_reg.type_ == PTR_TO_STACK {
                insn_flags |= insn_f::DST_REG_STACK;
            }
        } else {
            if srcno != 0 {
                verbose!(self, "BPF_JMP/JMP32 uses reserved fields\n");
                return Err(EINVAL);
            }
            let mut k = BpfRegState { type_: SCALAR_VALUE, ..Default::default() };
            __mark_reg_known(&mut k, insn.imm as i64 as u64);
            src_reg = k;
            if dst_reg.type_ == PTR_TO_STACK {
                insn_flags |= insn_f::DST_REG_STACK;
            }
        }
        if insn_flags != 0 {
            self.push_jmp_history_cur(insn_flags, 0)?;
        }
        let is_jmp32 = bpf_class(insn.code) == BPF_JMP32;
        let pred = is_branch_taken(&dst_reg, &src_reg, opcode, is_jmp32);
        if pred >= 0 {
            // a known outcome relies on the exact values compared
            if !__is_pointer_value(false, &dst_reg) {
                self.mark_chain_precision(dstno as i32)?;
            }
            if bpf_src(insn.code) == BPF_X && !__is_pointer_value(false, &src_reg) {
                self.mark_chain_precision(srcno as i32)?;
            }
        }
        if pred == 1 {
            // only the jump is possible; without bypass_spec_v1 the
            // fall-through is still walked, as a mispredicted path
            if !self.bypass_spec_v1 {
                let idx = self.insn_idx;
                self.sanitize_speculative_path(Some(insn), idx + 1, idx)?;
            }
            if self.log.level & BPF_LOG_LEVEL != 0 {
                self.print_insn_state();
            }
            self.insn_idx += i32::from(insn.off);
            return Ok(());
        } else if pred == 0 {
            if !self.bypass_spec_v1 {
                let idx = self.insn_idx;
                self.sanitize_speculative_path(Some(insn), idx + i32::from(insn.off) + 1, idx)?;
            }
            if self.log.level & BPF_LOG_LEVEL != 0 {
                self.print_insn_state();
            }
            return Ok(());
        }

        let mut linked = crate::precision::LinkedRegs::default();
        if bpf_src(insn.code) == BPF_X && src_reg.type_ == SCALAR_VALUE && src_reg.id != 0 {
            self.collect_linked_regs(src_reg.id, &mut linked);
        }
        if dst_reg.type_ == SCALAR_VALUE && dst_reg.id != 0 {
            self.collect_linked_regs(dst_reg.id, &mut linked);
        }
        if linked.cnt() > 1 {
            let packed = linked.pack();
            self.push_jmp_history_cur(0, packed)?;
        }

        let target = self.insn_idx + i32::from(insn.off) + 1;
        let idx = self.insn_idx;
        let mut other = self.push_stack(target, idx, false)?;
        let cf = other.curframe as usize;
        {
            let (this_regs, other_regs) = (&mut self.cur_state.frame[cf].regs, &mut other.frame[cf].regs);
            if bpf_src(insn.code) == BPF_X {
                if dstno != srcno {
                    let (mut t1, mut t2) = (other_regs[dstno as usize], other_regs[srcno as usize]);
                    let (mut f1, mut f2) = (this_regs[dstno as usize], this_regs[srcno as usize]);
                    reg_set_min_max(&mut t1, &mut t2, &mut f1, &mut f2, opcode, is_jmp32);
                    other_regs[dstno as usize] = t1;
                    other_regs[srcno as usize] = t2;
                    this_regs[dstno as usize] = f1;
                    this_regs[srcno as usize] = f2;
                } else if this_regs[dstno as usize].type_ == SCALAR_VALUE {
                    // `r1 op r1`: both operands are one register
                    let f = &mut this_regs[dstno as usize];
                    crate::bounds::regs_refine_cond_op_same(f, rev_opcode(opcode), is_jmp32);
                    reg_bounds_sync(f);
                    reg_bounds_sync(f);
                    let t = &mut other_regs[dstno as usize];
                    crate::bounds::regs_refine_cond_op_same(t, opcode, is_jmp32);
                    reg_bounds_sync(t);
                    reg_bounds_sync(t);
                }
            } else {
                let (mut t1, mut f1) = (other_regs[dstno as usize], this_regs[dstno as usize]);
                let (mut t2, mut f2) = (src_reg, src_reg);
                reg_set_min_max(&mut t1, &mut t2, &mut f1, &mut f2, opcode, is_jmp32);
                other_regs[dstno as usize] = t1;
                this_regs[dstno as usize] = f1;
            }
        }
        // reg_set_min_max()'s sanity checks, which mend what they flag;
        // the immediate's register is a constant and always sane
        let srcs = if bpf_src(insn.code) == BPF_X { Some(srcno) } else { None };
        let checks = [
            ("true_reg1", true, Some(dstno)),
            ("true_reg2", true, srcs),
            ("false_reg1", false, Some(dstno)),
            ("false_reg2", false, srcs),
        ];
        for (ctx, jump, regno) in checks {
            let Some(regno) = regno else { continue };
            let mut r = if jump { other.frame[cf].regs[regno as usize] } else { self.reg(regno) };
            if r.type_ != SCALAR_VALUE {
                continue;
            }
            self.reg_bounds_sanity_check(&mut r, ctx)?;
            if jump {
                other.frame[cf].regs[regno as usize] = r;
            } else {
                self.regs()[regno as usize] = r;
            }
        }
        let this_dst = self.reg(dstno);
        if bpf_src(insn.code) == BPF_X && src_reg.type_ == SCALAR_VALUE && src_reg.id != 0 {
            let s = self.reg(srcno);
            crate::precision::sync_linked_regs(&mut self.cur_state, &s, &linked);
            let os = other.frame[cf].regs[srcno as usize];
            crate::precision::sync_linked_regs(&mut other, &os, &linked);
        }
        if this_dst.type_ == SCALAR_VALUE && this_dst.id != 0 {
            let d = self.reg(dstno);
            crate::precision::sync_linked_regs(&mut self.cur_state, &d, &linked);
            let od = other.frame[cf].regs[dstno as usize];
            crate::precision::sync_linked_regs(&mut other, &od, &linked);
        }

        // ptr == ptr_or_null: the nullable one is not null where they are equal
        if !is_jmp32
            && bpf_src(insn.code) == BPF_X
            && __is_pointer_value(false, &src_reg)
            && __is_pointer_value(false, &dst_reg)
            && type_may_be_null(src_reg.type_) != type_may_be_null(dst_reg.type_)
            && base_type(src_reg.type_) != PTR_TO_BTF_ID
            && base_type(dst_reg.type_) != PTR_TO_BTF_ID
        {
            let r = if type_may_be_null(src_reg.type_) { srcno } else { dstno };
            match opcode {
                BPF_JEQ => mark_ptr_not_null_reg(&mut other.frame[cf].regs[r as usize]),
                BPF_JNE => mark_ptr_not_null_reg(&mut self.cur_state.frame[cf].regs[r as usize]),
                _ => {}
            }
        }

        if !is_jmp32
            && bpf_src(insn.code) == BPF_K
            && insn.imm == 0
            && (opcode == BPF_JEQ || opcode == BPF_JNE)
            && type_may_be_null(dst_reg.type_)
        {
            // r == 0 on a maybe-NULL pointer: NULL on one side, valid on the other
            mark_ptr_or_null_regs(&mut self.cur_state, dstno, opcode == BPF_JNE);
            mark_ptr_or_null_regs(&mut other, dstno, opcode == BPF_JEQ);
        } else {
            let src_for_pkt = self.reg(srcno);
            let matched = crate::mem::try_match_pkt_pointers(
                insn,
                &dst_reg,
                &src_for_pkt,
                &mut self.cur_state,
                &mut other,
                &mut self.id_gen,
            );
            if !matched && self.is_pointer_value(dstno) {
                verbose!(self, "R{} pointer comparison prohibited\n", dstno);
                self.replace_pushed(other);
                return Err(EACCES);
            }
        }
        self.replace_pushed(other);
        if self.log.level & BPF_LOG_LEVEL != 0 {
            self.print_insn_state();
        }
        Ok(())
    }

    /// The `may_goto` case of `check_cond_jmp_op()`.
    fn check_may_goto(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        if insn.code != BPF_JMP | BPF_JCOND
            || insn.src_reg() != BPF_MAY_GOTO
            || insn.dst_reg() != 0
            || insn.imm != 0
        {
            verbose!(self, "invalid may_goto imm {}\n", insn.imm);
            return Err(EINVAL);
        }
        let idx = self.insn_idx;
        let prev = self.find_prev_entry(self.cur_state.parent, idx as u32);
        let mut queued = self.push_stack(idx + 1, idx, false)?;
        queued.may_goto_depth += 1;
        if let Some(prev) = prev {
            self.widen_imprecise_scalars(prev, &mut queued);
        }
        self.replace_pushed(queued);
        self.insn_idx += i32::from(insn.off);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_return_code()` for the main
    /// program's exit: r0 readable, not a leaked pointer, in the type's
    /// return range.
    pub fn check_return_code(&mut self, regno: u8, reg_name: &str) -> Result<(), Errno> {
        let exit_ctx = "At program exit";
        self.check_reg_arg(regno, SrcOp)?;
        if self.is_pointer_value(regno) {
            verbose!(self, "R{} leaks addr as return value\n", regno);
            return Err(EACCES);
        }
        let is_subprog = self.cur_state.frame[0].subprogno != 0;
        let reg = self.reg(regno);
        if is_subprog {
            if reg.type_ != SCALAR_VALUE {
                verbose!(
                    self,
                    "At subprogram exit the register R{} is not a scalar value ({})\n",
                    regno,
                    reg_type_str(reg.type_)
                );
                return Err(EINVAL);
            }
            return Ok(());
        }
        let Some((range, enforce)) = crate::ops::return_range(self.prog) else {
            return Ok(());
        };
        if reg.type_ != SCALAR_VALUE {
            verbose!(
                self,
                "{} the register R{} is not a known value ({})\n",
                exit_ctx,
                regno,
                reg_type_str(reg.type_)
            );
            return Err(EINVAL);
        }
        self.mark_chain_precision(regno as i32)?;
        let reg = self.reg(regno);
        if reg.smin_value < i64::from(range.minval) || reg.smax_value > i64::from(range.maxval) {
            self.verbose_invalid_scalar(&reg, range, exit_ctx, reg_name);
            return Err(EINVAL);
        }
        if let Some(t) = enforce {
            if tnum_in(t, reg.var_off) {
                self.prog.enforce_expected_attach_type = true;
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:verbose_invalid_scalar()`.
    pub fn verbose_invalid_scalar(
        &mut self,
        reg: &BpfRegState,
        range: BpfRetvalRange,
        ctx: &str,
        reg_name: &str,
    ) {
        let mut unknown = true;
        verbose!(self, "{} the register {} has", ctx, reg_name);
        if reg.smin_value > i64::MIN {
            verbose!(self, " smin={}", reg.smin_value);
            unknown = false;
        }
        if reg.smax_value < i64::MAX {
            verbose!(self, " smax={}", reg.smax_value);
            unknown = false;
        }
        if unknown {
            verbose!(self, " unknown scalar value");
        }
        verbose!(self, " should have been in [{}, {}]\n", range.minval, range.maxval);
    }

    /// Mirrors `kernel/bpf/verifier.c:check_reference_leak()` and
    /// `check_resource_leak()`.
    pub fn check_resource_leak(
        &mut self,
        exception_exit: bool,
        check_lock: bool,
        prefix: &str,
    ) -> Result<(), Errno> {
        if check_lock && self.cur_state.active_locks != 0 {
            verbose!(self, "{} cannot be used inside bpf_spin_lock-ed region\n", prefix);
            return Err(EINVAL);
        }
        if exception_exit || self.cur_state.cur().frameno == 0 {
            let refs: Vec<BpfReferenceState> =
                self.cur_state.refs.iter().copied().filter(|r| r.type_ == RefStateType::Ptr).collect();
            if !refs.is_empty() {
                for r in &refs {
                    verbose!(self, "Unreleased reference id={} alloc_insn={}\n", r.id, r.insn_idx);
                }
                verbose!(self, "{} would lead to reference leak\n", prefix);
                return Err(EINVAL);
            }
        }
        if check_lock && self.cur_state.active_irq_id != 0 {
            verbose!(self, "{} cannot be used inside bpf_local_irq_save-ed region\n", prefix);
            return Err(EINVAL);
        }
        if check_lock && self.cur_state.active_rcu_lock {
            verbose!(self, "{} cannot be used inside bpf_rcu_read_lock-ed region\n", prefix);
            return Err(EINVAL);
        }
        if check_lock && self.cur_state.active_preempt_locks != 0 {
            verbose!(self, "{} cannot be used inside bpf_preempt_disable-ed region\n", prefix);
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:process_bpf_exit_full()`.
    fn process_bpf_exit_full(
        &mut self,
        do_print_state: &mut bool,
        exception_exit: bool,
    ) -> Result<InsnResult, Errno> {
        let main = self.cur_state.curframe == 0;
        self.check_resource_leak(exception_exit, main, "BPF_EXIT instruction in main prog")?;
        if exception_exit {
            return Ok(InsnResult::Exit);
        }
        if self.cur_state.curframe != 0 {
            // return from a bpf-to-bpf call
            self.prepare_func_exit()?;
            *do_print_state = true;
            return Ok(InsnResult::Next);
        }
        self.check_return_code(BPF_REG_0, "R0")?;
        Ok(InsnResult::Exit)
    }

    /// Mirrors `kernel/bpf/verifier.c:do_check_insn()`: simulate one insn.
    pub fn do_check_insn(&mut self, do_print_state: &mut bool) -> Result<InsnResult, Errno> {
        let insn = self.insn();
        let class = bpf_class(insn.code);
        match class {
            BPF_ALU | BPF_ALU64 => self.check_alu_op(&insn)?,
            BPF_LDX => {
                let is_ldsx = bpf_mode(insn.code) == BPF_MEMSX;
                self.check_load_mem(&insn, false, is_ldsx, true, "ldx")?;
            }
            BPF_STX => {
                if bpf_mode(insn.code) == BPF_ATOMIC {
                    self.check_atomic(&insn)?;
                    self.insn_idx += 1;
                    return Ok(InsnResult::Next);
                }
                if bpf_mode(insn.code) != BPF_MEM || insn.imm != 0 {
                    verbose!(self, "BPF_STX uses reserved fields\n");
                    return Err(EINVAL);
                }
                self.check_store_reg(&insn, false)?;
            }
            BPF_ST => {
                if bpf_mode(insn.code) != BPF_MEM || insn.src_reg() != 0 {
                    verbose!(self, "BPF_ST uses reserved fields\n");
                    return Err(EINVAL);
                }
                self.check_reg_arg(insn.dst_reg(), SrcOp)?;
                let t = self.reg(insn.dst_reg()).type_;
                let idx = self.insn_idx;
                self.check_mem_access(
                    idx,
                    insn.dst_reg(),
                    i32::from(insn.off),
                    bpf_size(insn.code),
                    true,
                    -1,
                    false,
                    false,
                )?;
                self.save_aux_ptr_type(t, false)?;
            }
            BPF_JMP | BPF_JMP32 => {
                let opcode = bpf_op(insn.code);
                self.jmps_processed += 1;
                if opcode == BPF_CALL {
                    let src = insn.src_reg();
                    if bpf_src(insn.code) != BPF_K
                        || (src != BPF_PSEUDO_KFUNC_CALL && insn.off != 0)
                        || (src != 0 && src != BPF_PSEUDO_CALL && src != BPF_PSEUDO_KFUNC_CALL)
                        || insn.dst_reg() != 0
                        || class == BPF_JMP32
                    {
                        verbose!(self, "BPF_CALL uses reserved fields\n");
                        return Err(EINVAL);
                    }
                    if self.cur_state.active_locks != 0
                        && ((src == 0 && insn.imm != BPF_FUNC_spin_unlock.0 as i32)
                            || src == BPF_PSEUDO_KFUNC_CALL)
                    {
                        verbose!(self, "function calls are not allowed while holding a lock\n");
                        return Err(EINVAL);
                    }
                    if src == BPF_PSEUDO_CALL {
                        self.check_func_call(&insn)?;
                    } else if src == BPF_PSEUDO_KFUNC_CALL {
                        self.check_kfunc_call(&insn)?;
                    } else {
                        self.check_helper_call(&insn)?;
                    }
                    self.mark_reg_scratched(BPF_REG_0);
                } else if opcode == BPF_JA {
                    if bpf_src(insn.code) != BPF_K
                        || insn.src_reg() != 0
                        || insn.dst_reg() != 0
                        || (class == BPF_JMP && insn.imm != 0)
                        || (class == BPF_JMP32 && insn.off != 0)
                    {
                        verbose!(self, "BPF_JA uses reserved fields\n");
                        return Err(EINVAL);
                    }
                    if class == BPF_JMP {
                        self.insn_idx += i32::from(insn.off) + 1;
                    } else {
                        self.insn_idx += insn.imm + 1;
                    }
                    return Ok(InsnResult::Next);
                } else if opcode == BPF_EXIT {
                    if bpf_src(insn.code) != BPF_K
                        || insn.imm != 0
                        || insn.src_reg() != 0
                        || insn.dst_reg() != 0
                        || class == BPF_JMP32
                    {
                        verbose!(self, "BPF_EXIT uses reserved fields\n");
                        return Err(EINVAL);
                    }
                    return self.process_bpf_exit_full(do_print_state, false);
                } else {
                    self.check_cond_jmp_op(&insn)?;
                }
            }
            BPF_LD => {
                let mode = bpf_mode(insn.code);
                if mode == BPF_ABS || mode == BPF_IND {
                    self.check_ld_abs(&insn)?;
                } else if mode == BPF_IMM {
                    self.check_ld_imm(&insn)?;
                    self.insn_idx += 1;
                    let i = self.insn_idx as usize;
                    self.insn_aux_data[i].seen = true;
                } else {
                    verbose!(self, "invalid BPF_LD mode\n");
                    return Err(EINVAL);
                }
            }
            _ => {
                verbose!(self, "unknown insn class {}\n", class);
                return Err(EINVAL);
            }
        }
        self.insn_idx += 1;
        Ok(InsnResult::Next)
    }

    /// Mirrors `kernel/bpf/verifier.c:do_check()`: simulate insn by insn,
    /// popping pending branches until none is left.
    pub fn do_check(&mut self) -> Result<(), Errno> {
        let pop_log = self.log.level & BPF_LOG_LEVEL2 == 0;
        let insn_cnt = self.prog.insnsi.len() as i32;
        let mut do_print_state = false;
        let mut prev_insn_idx: i32 = -1;
        loop {
            // a new insn gets its own history entry
            self.cur_hist_ent = None;
            self.prev_insn_idx = prev_insn_idx;
            if self.insn_idx < 0 || self.insn_idx >= insn_cnt {
                verbose!(self, "invalid insn idx {} insn_cnt {}\n", self.insn_idx, insn_cnt);
                return Err(EFAULT);
            }
            self.insn_processed += 1;
            if self.insn_processed > BPF_COMPLEXITY_LIMIT_INSNS {
                verbose!(self, "BPF program is too large. Processed {} insn\n", self.insn_processed);
                return Err(E2BIG);
            }
            self.cur_state.last_insn_idx = self.prev_insn_idx as u32;
            self.cur_state.insn_idx = self.insn_idx as u32;
            let idx = self.insn_idx as usize;

            let mut exit = false;
            if self.insn_aux_data[idx].prune_point && self.is_state_visited(idx)? {
                {
                    // found equivalent state, can prune the search
                    if self.log_level1() {
                        if do_print_state {
                            let spec =
                                if self.cur_state.speculative { " (speculative execution)" } else { "" };
                            verbose!(
                                self,
                                "\nfrom {} to {}{}: safe\n",
                                self.prev_insn_idx,
                                self.insn_idx,
                                spec
                            );
                        } else {
                            verbose!(self, "{}: safe\n", self.insn_idx);
                        }
                    }
                    exit = true;
                }
            }
            if !exit {
                if self.insn_aux_data[idx].jmp_point {
                    self.push_jmp_history_cur(0, 0)?;
                }
                if self.log.level & BPF_LOG_LEVEL2 != 0 && do_print_state {
                    let spec = if self.cur_state.speculative { " (speculative execution)" } else { "" };
                    verbose!(self, "\nfrom {} to {}{}:", self.prev_insn_idx, self.insn_idx, spec);
                    let st = std::mem::replace(&mut self.cur_state, Box::new(crate::env::empty_state()));
                    let f = st.curframe as usize;
                    self.print_verifier_state(&st, f, true);
                    self.cur_state = st;
                    do_print_state = false;
                }
                if self.log_level1() {
                    if self.verifier_state_scratched() {
                        self.print_insn_state();
                    }
                    self.prev_log_pos = self.log.end_pos;
                    let text = bpf_core::disasm::print_bpf_insn(
                        &crate::env::VerboseCbs,
                        &self.prog.insnsi,
                        idx,
                        self.allow_ptr_leaks,
                    );
                    verbose!(self, "{}: {}\n", idx, text);
                    self.prev_insn_print_pos = self.log.end_pos - self.prev_log_pos;
                    self.prev_log_pos = self.log.end_pos;
                }
                // sanitize_mark_insn_seen: a speculative path alone keeps
                // an insn dead
                if !self.cur_state.speculative {
                    self.insn_aux_data[idx].seen = true;
                }
                prev_insn_idx = self.insn_idx;
                // a barrier ends the speculative path here
                if !(self.cur_state.speculative && self.insn_aux_data[idx].nospec) {
                    self.bpf_reset_stack_write_marks(idx as u32);
                    match self.do_check_insn(&mut do_print_state) {
                        Ok(InsnResult::Next) => {
                            self.bpf_commit_stack_write_marks();
                            let nospec_result = self.insn_aux_data[idx].nospec_result;
                            if !(self.cur_state.speculative && nospec_result) {
                                continue;
                            }
                        }
                        Ok(InsnResult::Exit) => {
                            self.bpf_commit_stack_write_marks();
                        }
                        Err(e)
                            if crate::sanitize::error_recoverable_with_nospec(e)
                                && self.cur_state.speculative =>
                        {
                            // a barrier before this insn keeps the
                            // mispredicted path from reaching it
                            self.bpf_commit_stack_write_marks();
                            self.insn_aux_data[idx].nospec = true;
                            self.insn_aux_data[idx].alu_state = 0;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            // process_bpf_exit:
            self.mark_verifier_state_scratched();
            self.update_branch_counts_cur()?;
            self.bpf_update_live_stack();
            match self.pop_stack(pop_log) {
                Some((prev, idx)) => {
                    prev_insn_idx = prev;
                    self.insn_idx = idx;
                    do_print_state = true;
                }
                None => break,
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:init_func_state()`.
    pub fn init_func_state(&mut self, callsite: i32, frameno: u32, subprogno: u32) -> BpfFuncState {
        let mut st = BpfFuncState::new(callsite, frameno, subprogno);
        for r in st.regs.iter_mut() {
            __mark_reg_not_init(self.bpf_capable, r);
            r.subreg_def = DEF_NOT_SUBREG;
        }
        let fp = &mut st.regs[BPF_REG_FP as usize];
        fp.type_ = PTR_TO_STACK;
        __mark_reg_known(fp, 0);
        fp.frameno = frameno as u8;
        self.mark_verifier_state_scratched();
        st
    }

    /// Mirrors `kernel/bpf/verifier.c:do_check_common()`: verify from the
    /// entry of `subprog` with r1 the context.
    pub fn do_check_common(&mut self, subprog: usize) -> Result<(), Errno> {
        let pop_log = self.log.level & BPF_LOG_LEVEL2 == 0;
        self.pass_cnt += 1;
        let frame0 = self.init_func_state(BPF_MAIN_FUNC, 0, subprog as u32);
        let mut st = crate::env::empty_state();
        st.frame.push(frame0);
        st.branches = 1;
        st.in_sleepable = self.prog.sleepable;
        st.first_insn_idx = self.subprog_info[subprog].start;
        st.last_insn_idx = u32::MAX;
        *self.cur_state = st;
        {
            let r1 = &mut self.regs()[BPF_REG_1 as usize];
            r1.type_ = PTR_TO_CTX;
            __mark_reg_known(r1, 0);
        }
        self.insn_idx = self.subprog_info[subprog].start as i32;
        let ret = self.do_check();
        // drop what is left
        self.head.clear();
        self.stack_size = 0;
        if ret.is_ok() && pop_log {
            self.log.reset(0);
        }
        self.free_states();
        ret
    }
}

/// `is_reg64()`, reduced to what decides `subreg_def`: does the insn
/// write all 64 bits of `regno`?
fn is_reg64(insn: &BpfInsn, _regno: u8, t: RegArgType) -> bool {
    if t == SrcOp {
        return true;
    }
    match bpf_class(insn.code) {
        BPF_ALU => false,
        BPF_LDX => bpf_size(insn.code) == BPF_DW || bpf_mode(insn.code) == BPF_MEMSX,
        BPF_STX if bpf_mode(insn.code) == BPF_ATOMIC => bpf_size(insn.code) == BPF_DW,
        BPF_LD => bpf_mode(insn.code) == BPF_IMM,
        _ => true,
    }
}

/// `is_reg64()` for a source operand (`SRC_OP`): does `insn` read all 64
/// bits of it? `reg_type` is the register's type (a pointer stored by
/// `BPF_STX` is read whole).
pub(crate) fn is_reg64_src(insn: &BpfInsn, reg_type: u32) -> bool {
    let code = insn.code;
    let class = bpf_class(code);
    let op = bpf_op(code);
    if class == BPF_JMP {
        // a bpf-to-bpf call reads no register itself; a helper's
        // arguments are taken as 64-bit, conservatively
        return !(op == BPF_CALL && insn.src_reg() == BPF_PSEUDO_CALL);
    }
    if class == BPF_ALU64 || (class == BPF_ALU && op == BPF_END && insn.imm == 64) {
        return true;
    }
    match class {
        BPF_ALU | BPF_JMP32 => false,
        BPF_STX => reg_type != SCALAR_VALUE || bpf_size(code) == BPF_DW,
        _ => true,
    }
}

/// The byte-swap part of `adjust_scalar_min_max_vals()`: `le`/`be`/
/// `bswap` of 16, 32 or 64 bits.
fn scalar_byte_swap(dst: &mut BpfRegState, insn: &BpfInsn) {
    let alu64 = bpf_class(insn.code) == BPF_ALU64;
    let to_le = bpf_src(insn.code) == BPF_TO_LE && !alu64;
    // little-endian: a "to le" conversion only truncates, the rest swap
    let need_bswap = !to_le;
    // the value changes (a swap, or a truncation): no longer linked
    if need_bswap || insn.imm == 16 || insn.imm == 32 {
        dst.id = 0;
    }
    if need_bswap {
        let t = dst.var_off;
        let v = match insn.imm {
            16 => Tnum {
                value: u64::from((t.value as u16).swap_bytes()),
                mask: u64::from((t.mask as u16).swap_bytes()),
            },
            32 => Tnum {
                value: u64::from((t.value as u32).swap_bytes()),
                mask: u64::from((t.mask as u32).swap_bytes()),
            },
            _ => Tnum { value: t.value.swap_bytes(), mask: t.mask.swap_bytes() },
        };
        // the bits move: the ranges say nothing any more
        __mark_reg_unbounded(dst);
        dst.var_off = v;
        reg_bounds_sync(dst);
    } else if insn.imm == 16 || insn.imm == 32 {
        coerce_reg_to_size(dst, insn.imm as u32 / 8);
    }
}

/// Mirrors `kernel/bpf/verifier.c:is_branch_taken()`.
pub fn is_branch_taken(reg1: &BpfRegState, reg2: &BpfRegState, opcode: u8, is_jmp32: bool) -> i32 {
    if reg_is_pkt_pointer_any(reg1) && reg_is_pkt_pointer_any(reg2) && !is_jmp32 {
        return crate::mem::is_pkt_ptr_branch_taken(reg1, reg2, opcode);
    }
    if __is_pointer_value(false, reg1) || __is_pointer_value(false, reg2) {
        let (mut r1, mut r2, mut op) = (reg1, reg2, opcode);
        if !is_reg_const(r2, is_jmp32) {
            op = flip_opcode(op);
            std::mem::swap(&mut r1, &mut r2);
        }
        if !is_reg_const(r2, is_jmp32) {
            return -1;
        }
        if !reg_not_null(r1) {
            return -1;
        }
        // a valid pointer is never 0
        if reg_const_value(r2, is_jmp32) != 0 {
            return -1;
        }
        return match op {
            BPF_JEQ => 0,
            BPF_JNE => 1,
            _ => -1,
        };
    }
    is_scalar_branch_taken(reg1, reg2, opcode, is_jmp32)
}

/// Mirrors `kernel/bpf/verifier.c:reg_set_min_max()`: refine both sides
/// of a compare of two scalars, on the jump (`true_*`) and fall-through
/// (`false_*`) branches.
pub fn reg_set_min_max(
    true_reg1: &mut BpfRegState,
    true_reg2: &mut BpfRegState,
    false_reg1: &mut BpfRegState,
    false_reg2: &mut BpfRegState,
    opcode: u8,
    is_jmp32: bool,
) {
    if false_reg1.type_ != SCALAR_VALUE || false_reg2.type_ != SCALAR_VALUE {
        return;
    }
    regs_refine_cond_op(false_reg1, false_reg2, rev_opcode(opcode), is_jmp32);
    reg_bounds_sync(false_reg1);
    reg_bounds_sync(false_reg2);
    regs_refine_cond_op(true_reg1, true_reg2, opcode, is_jmp32);
    reg_bounds_sync(true_reg1);
    reg_bounds_sync(true_reg2);
}

/// Mirrors `kernel/bpf/verifier.c:mark_ptr_not_null_reg()`.
pub fn mark_ptr_not_null_reg(reg: &mut BpfRegState) {
    if type_may_be_null(reg.type_) {
        reg.type_ &= !PTR_MAYBE_NULL;
    }
}

/// Mirrors `kernel/bpf/verifier.c:mark_ptr_or_null_reg()`.
///
/// The NULL side only retypes the register: a pointer that may be NULL
/// never had arithmetic applied, so its offset, value and bounds are
/// already the known 0 (the kernel refuses to convert one that is not).
/// Like the kernel it keeps the map (`map_ptr`, `map_uid`, the `union`
/// of `struct bpf_reg_state`) and the precision mark: pruning under
/// `explore_alu_limits` (and `EXACT` loop checks) compares those bytes
/// too, so a NULL from map A does not prune a NULL from map B.
fn mark_ptr_or_null_reg(reg: &mut BpfRegState, id: u32, is_null: bool) {
    if type_may_be_null(reg.type_) && reg.id == id {
        if reg.smin_value != 0 || reg.smax_value != 0 || !reg.var_off.equals_const(0) || reg.off != 0 {
            // the kernel's WARN_ON_ONCE: leave the register alone
            return;
        }
        if is_null {
            reg.type_ = SCALAR_VALUE;
            // id and ref_obj_id are of no use any more; dropping them
            // lets pruning match this 0 against others
            reg.id = 0;
            reg.ref_obj_id = 0;
        } else {
            mark_ptr_not_null_reg(reg);
            // only a pointer to a map value with a spin lock keeps its id
            // (reg_may_point_to_spin_lock: needs BTF, never here); the
            // ref_obj_id stays for release_reference()
            reg.id = 0;
        }
    }
}

/// Mirrors `kernel/bpf/verifier.c:mark_ptr_or_null_regs()`: after
/// `if (r == 0)`, every register and spill sharing r's id is NULL on one
/// side and valid on the other.
pub fn mark_ptr_or_null_regs(vstate: &mut BpfVerifierState, regno: u8, is_null: bool) {
    let cf = vstate.curframe as usize;
    let reg = vstate.frame[cf].regs[regno as usize];
    let id = reg.id;
    let ref_obj_id = reg.ref_obj_id;
    if ref_obj_id != 0 && ref_obj_id == id && is_null {
        // a NULL reference was never acquired
        vstate.refs.retain(|r| r.id != ref_obj_id);
    }
    for f in vstate.frame.iter_mut() {
        for r in f.regs.iter_mut() {
            mark_ptr_or_null_reg(r, id, is_null);
        }
        for s in f.stack.iter_mut() {
            if s.slot_type[BPF_REG_SIZE - 1] == slot::STACK_SPILL {
                mark_ptr_or_null_reg(&mut s.spilled_ptr, id, is_null);
            }
        }
    }
}

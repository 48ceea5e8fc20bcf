//! The static checks a checked run makes before executing anything.
//!
//! The kernel's interpreter runs only what the verifier accepted, so it
//! never meets an unknown opcode, a jump out of the program or an
//! instruction with junk in its reserved fields. A checked run of an
//! unverified program must refuse those itself. [`check_insns`] makes the
//! structural part of the verifier's checks, with the verifier's messages:
//! the opcode table of `resolve_pseudo_ldimm64` (`bpf_opcode_in_insntable`),
//! the ranges and subprogram ends of `check_subprogs`, the `ld_imm64` pairs,
//! and the reserved-field checks of `do_check` (`check_alu_op`,
//! `check_cond_jmp_op`, the `BPF_CALL`/`BPF_JA`/`BPF_EXIT`/`BPF_LDX`/
//! `BPF_ST`/`BPF_STX` cases). It does not track values: whether a jump is
//! taken, a division is by zero or a shift is wide is the run's business.
//!
//! Deliberate differences from the verifier, so that RFC 9669 programs run:
//! division and modulo by an immediate zero, and shifts by an immediate out
//! of range, are accepted (the verifier refuses them with "div by zero" and
//! "invalid shift"); the ISA defines their results.

use crate::config::InsnSet;
use crate::error::{InterpError, InterpErrorKind};
use bpf_core::uapi::*;

/// Is `code` an opcode of the uapi instruction set
/// (`kernel/bpf/core.c:bpf_opcode_in_insntable()`, v6.18)?
pub fn bpf_opcode_in_insntable(code: u8) -> bool {
    let class = bpf_class(code);
    let op = bpf_op(code);
    match class {
        BPF_ALU | BPF_ALU64 => match op {
            BPF_ADD | BPF_SUB | BPF_MUL | BPF_DIV | BPF_OR | BPF_AND | BPF_LSH | BPF_RSH | BPF_MOD
            | BPF_XOR | BPF_MOV | BPF_ARSH => true,
            BPF_NEG => bpf_src(code) == BPF_K,
            // ALU64 has only the unconditional byte swap (TO_LE encoding).
            BPF_END => class == BPF_ALU || bpf_src(code) == BPF_TO_LE,
            _ => false,
        },
        BPF_JMP | BPF_JMP32 => match op {
            BPF_JEQ | BPF_JNE | BPF_JGT | BPF_JLT | BPF_JGE | BPF_JLE | BPF_JSGT | BPF_JSLT | BPF_JSGE
            | BPF_JSLE | BPF_JSET => true,
            BPF_JA => bpf_src(code) == BPF_K,
            BPF_CALL | BPF_EXIT => class == BPF_JMP && bpf_src(code) == BPF_K,
            BPF_JCOND => code == BPF_JMP | BPF_JCOND,
            _ => false,
        },
        BPF_STX => matches!(bpf_mode(code), BPF_MEM | BPF_ATOMIC),
        BPF_ST => bpf_mode(code) == BPF_MEM,
        BPF_LDX => bpf_mode(code) == BPF_MEM || (bpf_mode(code) == BPF_MEMSX && bpf_size(code) != BPF_DW),
        BPF_LD => {
            code == BPF_LD | BPF_IMM | BPF_DW
                || (matches!(bpf_mode(code), BPF_ABS | BPF_IND) && bpf_size(code) != BPF_DW)
        }
        _ => false,
    }
}

/// Is `code` one the kernel's interpreter has a handler for (the
/// `jumptable[]` of `___bpf_prog_run`): the uapi table less `may_goto`, plus
/// the internal opcodes the verifier emits. `LD_ABS`/`LD_IND`, which the
/// verifier rewrites into helper calls, are accepted too: this interpreter
/// also runs them directly.
pub fn interp_opcode_known(code: u8) -> bool {
    match code {
        c if c == BPF_JMP | BPF_CALL_ARGS => true,
        c if c == BPF_JMP | BPF_TAIL_CALL => true,
        c if c == BPF_ST | BPF_NOSPEC => true,
        c if bpf_class(c) == BPF_LDX && bpf_mode(c) == BPF_PROBE_MEM => true,
        c if bpf_class(c) == BPF_LDX && bpf_mode(c) == BPF_PROBE_MEMSX => bpf_size(c) != BPF_DW,
        c => bpf_opcode_in_insntable(c),
    }
}

fn invalid(insn: usize, msg: impl Into<String>) -> InterpError {
    InterpError { insn, frame: 0, tail_calls: 0, kind: InterpErrorKind::InvalidInsn { msg: msg.into() } }
}

/// `BPF_JMP | BPF_CALL | BPF_X`: the indirect call of uBPF and the
/// conformance suite (`call %rN`).
pub const BPF_CALLX: u8 = BPF_JMP | BPF_CALL | BPF_X;

/// Where a jump or call at `i` goes, if it is one: `(target, is_call)`.
fn branch_target(insns: &[BpfInsn], i: usize, set: InsnSet) -> Option<(i64, bool)> {
    let insn = &insns[i];
    let class = bpf_class(insn.code);
    if class != BPF_JMP && class != BPF_JMP32 {
        return None;
    }
    let next = i as i64 + 1;
    match bpf_op(insn.code) {
        BPF_EXIT | BPF_TAIL_CALL => None,
        BPF_CALL if class == BPF_JMP => (insn.src_reg() == BPF_PSEUDO_CALL && bpf_src(insn.code) == BPF_K)
            .then(|| (next + insn.imm as i64, true)),
        BPF_CALL_ARGS if class == BPF_JMP && set == InsnSet::Xlated => Some((next + insn.off as i64, true)),
        BPF_JA if class == BPF_JMP32 => Some((next + insn.imm as i64, false)),
        _ => Some((next + insn.off as i64, false)),
    }
}

/// Checks `insns` before a run: opcodes, registers, reserved fields,
/// `ld_imm64` pairs, jump and call targets, subprogram ends. `callx` admits
/// `call %rN` (only meaningful when helpers are resolved by id).
pub fn check_insns(insns: &[BpfInsn], set: InsnSet, callx: bool) -> Result<(), InterpError> {
    if insns.is_empty() {
        return Err(InterpError { insn: 0, frame: 0, tail_calls: 0, kind: InterpErrorKind::EmptyProgram });
    }
    let len = insns.len();
    // Second slots of ld_imm64: not instructions of their own.
    let mut ld_imm64_tail = vec![false; len];
    let mut i = 0;
    while i < len {
        let insn = &insns[i];
        if insn.is_ld_imm64() {
            let ok = i + 1 < len && {
                let n = &insns[i + 1];
                n.code == 0 && n.dst_reg() == 0 && n.src_reg() == 0 && n.off == 0
            };
            if !ok {
                return Err(invalid(i, "invalid bpf_ld_imm64 insn"));
            }
            ld_imm64_tail[i + 1] = true;
            i += 2;
        } else {
            i += 1;
        }
    }
    for (i, insn) in insns.iter().enumerate() {
        if ld_imm64_tail[i] {
            continue;
        }
        let known = match set {
            InsnSet::Uapi => bpf_opcode_in_insntable(insn.code),
            InsnSet::Xlated => interp_opcode_known(insn.code),
        } || (callx && insn.code == BPF_CALLX);
        if !known {
            return Err(invalid(i, format!("unknown opcode {:02x}", insn.code)));
        }
        if set == InsnSet::Uapi {
            check_reserved_fields(insn, i)?;
        }
        check_regs(insn, i, set)?;
    }
    // Jump and call targets; subprogram boundaries (check_subprogs).
    let mut subprog_starts = vec![0usize];
    for i in 0..len {
        if ld_imm64_tail[i] {
            continue;
        }
        if let Some((target, true)) = branch_target(insns, i, set) {
            if target < 0 || target >= len as i64 || ld_imm64_tail[target as usize] {
                return Err(invalid(i, "call to invalid destination"));
            }
            subprog_starts.push(target as usize);
        }
    }
    subprog_starts.sort_unstable();
    subprog_starts.dedup();
    for (k, &start) in subprog_starts.iter().enumerate() {
        let end = subprog_starts.get(k + 1).copied().unwrap_or(len);
        // The verifier keeps jumps inside their subprogram; xlated programs
        // (rewritten after that check) are held to the whole program.
        let (lo, hi) = if set == InsnSet::Uapi { (start, end) } else { (0, len) };
        for i in start..end {
            if ld_imm64_tail[i] {
                continue;
            }
            if let Some((target, false)) = branch_target(insns, i, set) {
                if target < lo as i64 || target >= hi as i64 {
                    return Err(invalid(i, format!("jump out of range from insn {i} to {target}")));
                }
                if ld_imm64_tail[target as usize] {
                    return Err(invalid(i, format!("jump into the middle of ldimm64 insn {}", target - 1)));
                }
            }
        }
        if set == InsnSet::Uapi {
            let last = &insns[end - 1];
            let ok = !ld_imm64_tail[end - 1]
                && (last.code == BPF_JMP | BPF_EXIT
                    || last.code == BPF_JMP | BPF_JA
                    || last.code == BPF_JMP32 | BPF_JA);
            if !ok {
                return Err(invalid(end - 1, "last insn is not an exit or jmp"));
            }
        }
    }
    Ok(())
}

/// Registers: r0..r10 (r11, `BPF_REG_AX`, in xlated programs); nothing
/// writes r10.
fn check_regs(insn: &BpfInsn, i: usize, set: InsnSet) -> Result<(), InterpError> {
    let max = if set == InsnSet::Xlated { BPF_REG_AX } else { BPF_REG_10 };
    for r in [insn.dst_reg(), insn.src_reg()] {
        if r > max {
            return Err(invalid(i, format!("R{r} is invalid")));
        }
    }
    let class = bpf_class(insn.code);
    let writes_dst = match class {
        BPF_ALU | BPF_ALU64 | BPF_LDX => true,
        BPF_LD => insn.is_ld_imm64(),
        BPF_STX => bpf_mode(insn.code) == BPF_ATOMIC && insn.imm == BPF_LOAD_ACQ,
        _ => false,
    };
    let writes_src = class == BPF_STX
        && bpf_mode(insn.code) == BPF_ATOMIC
        && insn.imm & BPF_FETCH != 0
        && insn.imm != BPF_CMPXCHG
        && insn.imm != BPF_LOAD_ACQ;
    if (writes_dst && insn.dst_reg() == BPF_REG_FP) || (writes_src && insn.src_reg() == BPF_REG_FP) {
        return Err(invalid(i, "frame pointer is read only"));
    }
    Ok(())
}

/// The reserved-field checks of `do_check` and `resolve_pseudo_ldimm64`.
fn check_reserved_fields(insn: &BpfInsn, i: usize) -> Result<(), InterpError> {
    let code = insn.code;
    let class = bpf_class(code);
    let op = bpf_op(code);
    let (dst, src, off, imm) = (insn.dst_reg(), insn.src_reg(), insn.off, insn.imm);
    let bad = |msg: &str| Err(invalid(i, msg));
    match class {
        BPF_ALU | BPF_ALU64 => {
            match op {
                BPF_NEG => {
                    if bpf_src(code) != BPF_K || src != 0 || off != 0 || imm != 0 {
                        return bad("BPF_NEG uses reserved fields");
                    }
                }
                BPF_END => {
                    if src != 0 || off != 0 || !matches!(imm, 16 | 32 | 64) {
                        return bad("BPF_END uses reserved fields");
                    }
                }
                BPF_MOV => {
                    if bpf_src(code) == BPF_X {
                        if class == BPF_ALU {
                            if !matches!(off, 0 | 8 | 16) || imm != 0 {
                                return bad("BPF_MOV uses reserved fields");
                            }
                        } else if off == BPF_ADDR_SPACE_CAST {
                            if imm != 1 && imm != 1 << 16 {
                                return bad(
                                    "addr_space_cast insn can only convert between address space 1 and 0",
                                );
                            }
                            return bad("addr_space_cast insn can only be used in a program that has an associated arena");
                        } else if !matches!(off, 0 | 8 | 16 | 32) || imm != 0 {
                            return bad("BPF_MOV uses reserved fields");
                        }
                    } else if src != 0 || off != 0 {
                        return bad("BPF_MOV uses reserved fields");
                    }
                }
                _ => {
                    let off_ok = off == 0 || (off == 1 && matches!(op, BPF_DIV | BPF_MOD));
                    let other_ok = if bpf_src(code) == BPF_X { imm == 0 } else { src == 0 };
                    if !off_ok || !other_ok {
                        return bad("BPF_ALU uses reserved fields");
                    }
                }
            }
        }
        BPF_LDX if imm != 0 => return bad("BPF_LDX uses reserved fields"),
        BPF_ST if src != 0 => return bad("BPF_ST uses reserved fields"),
        BPF_STX => {
            if bpf_mode(code) == BPF_ATOMIC {
                let rmw = [BPF_ADD as i32, BPF_AND as i32, BPF_OR as i32, BPF_XOR as i32];
                let is_rmw = rmw.iter().any(|&o| imm == o || imm == o | BPF_FETCH)
                    || imm == BPF_XCHG
                    || imm == BPF_CMPXCHG;
                if is_rmw {
                    if !matches!(bpf_size(code), BPF_W | BPF_DW) {
                        return bad("invalid atomic operand size");
                    }
                } else if imm != BPF_LOAD_ACQ && imm != BPF_STORE_REL {
                    return Err(invalid(i, format!("BPF_ATOMIC uses invalid atomic opcode {:02x}", imm)));
                }
            } else if imm != 0 {
                return bad("BPF_STX uses reserved fields");
            }
        }
        BPF_LD => {
            if insn.is_ld_imm64() {
                if src != 0 {
                    return Err(invalid(
                        i,
                        format!("ld_imm64 with src_reg {src} needs the verifier to resolve it (resolve_pseudo_ldimm64)"),
                    ));
                }
            } else if dst != 0 || off != 0 || (bpf_mode(code) == BPF_ABS && src != 0) {
                return bad("BPF_LD_[ABS|IND] uses reserved fields");
            }
        }
        BPF_JMP | BPF_JMP32 => match op {
            BPF_CALL => {
                if code == BPF_CALLX {
                    if src != 0 || off != 0 || imm != 0 {
                        return bad("BPF_CALL uses reserved fields");
                    }
                } else if (src != BPF_PSEUDO_KFUNC_CALL && off != 0)
                    || !matches!(src, 0 | BPF_PSEUDO_CALL | BPF_PSEUDO_KFUNC_CALL)
                    || dst != 0
                {
                    return bad("BPF_CALL uses reserved fields");
                }
            }
            BPF_JA => {
                if src != 0 || dst != 0 || (class == BPF_JMP && imm != 0) || (class == BPF_JMP32 && off != 0)
                {
                    return bad("BPF_JA uses reserved fields");
                }
            }
            // The verifier does not look at `off` of an exit.
            BPF_EXIT => {
                if imm != 0 || src != 0 || dst != 0 {
                    return bad("BPF_EXIT uses reserved fields");
                }
            }
            BPF_JCOND => {
                if src != BPF_MAY_GOTO || dst != 0 || imm != 0 {
                    return Err(invalid(i, format!("invalid may_goto imm {imm}")));
                }
            }
            _ => {
                let ok = if bpf_src(code) == BPF_X { imm == 0 } else { src == 0 };
                if !ok {
                    return bad("BPF_JMP/JMP32 uses reserved fields");
                }
            }
        },
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(insns: &[BpfInsn]) -> Result<(), String> {
        check_insns(insns, InsnSet::Uapi, false).map_err(|e| e.to_string())
    }

    #[test]
    fn opcode_table_matches_the_kernel_count() {
        // BPF_INSN_MAP has 121 entries; 6 LD_ABS/LD_IND and JCOND are added.
        let n = (0..=255u8).filter(|&c| bpf_opcode_in_insntable(c)).count();
        assert_eq!(n, 121 + 6 + 1);
        // The interpreter: less JCOND (0xe5 is CALL_ARGS there, counted
        // once), plus TAIL_CALL, NOSPEC, 4 PROBE_MEM and 3 PROBE_MEMSX.
        let m = (0..=255u8).filter(|&c| interp_opcode_known(c)).count();
        assert_eq!(m, 128 + 1 + 1 + 4 + 3);
    }

    #[test]
    fn structural_refusals() {
        let exit = BpfInsn::exit();
        assert_eq!(check(&[]), Err("insn 0: empty program".into()));
        assert_eq!(check(&[BpfInsn::mov64_imm(0, 0)]), Err("insn 0: last insn is not an exit or jmp".into()));
        assert_eq!(check(&[BpfInsn::ja(5), exit]), Err("insn 0: jump out of range from insn 0 to 6".into()));
        let [a, b] = BpfInsn::ld_imm64(0, 1);
        assert_eq!(
            check(&[BpfInsn::ja(1), a, b, exit]),
            Err("insn 0: jump into the middle of ldimm64 insn 1".into())
        );
        assert_eq!(check(&[a, exit]), Err("insn 0: invalid bpf_ld_imm64 insn".into()));
        assert_eq!(
            check(&[BpfInsn::mov64_imm(10, 0), exit]),
            Err("insn 0: frame pointer is read only".into())
        );
        assert_eq!(check(&[BpfInsn::mov64_reg(0, 11), exit]), Err("insn 0: R11 is invalid".into()));
        assert_eq!(check(&[BpfInsn::new(0xff, 0, 0, 0, 0), exit]), Err("insn 0: unknown opcode ff".into()));
        assert_eq!(check(&[BpfInsn::call_rel(5), exit]), Err("insn 0: call to invalid destination".into()));
        // A subprogram must end in exit or ja, and jumps stay inside it.
        let p = [BpfInsn::call_rel(1), exit, BpfInsn::mov64_imm(0, 1)];
        assert_eq!(check(&p), Err("insn 2: last insn is not an exit or jmp".into()));
        let p = [BpfInsn::call_rel(1), BpfInsn::ja(1), BpfInsn::mov64_imm(0, 1), exit];
        assert_eq!(check(&p), Err("insn 1: jump out of range from insn 1 to 3".into()));
        assert!(check(&[BpfInsn::mov64_imm(0, 0), exit]).is_ok());
    }
}

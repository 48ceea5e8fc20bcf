//! A stand-in for `bpf_core::disasm::print_bpf_insn` (mirrors
//! `kernel/bpf/disasm.c:print_bpf_insn()`, v6.18) until the shared printer
//! lands: the verifier log prints every instruction the way the kernel
//! does, `(b7) r0 = 42`.

use bpf_core::uapi::*;

const ALU_STR: [&str; 16] =
    ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", "", ""];
const JMP_STR: [&str; 16] =
    ["jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=", "", ""];

fn ldst_str(size: u8) -> &'static str {
    match size {
        BPF_W => "u32",
        BPF_H => "u16",
        BPF_B => "u8",
        _ => "u64",
    }
}

fn ldsx_str(size: u8) -> &'static str {
    match size {
        BPF_W => "s32",
        BPF_H => "s16",
        BPF_B => "s8",
        _ => "",
    }
}

/// `func_id_str[]`: `bpf_map_lookup_elem` for helper 1.
pub fn func_id_name(id: i32) -> Option<String> {
    if id < 0 {
        return None;
    }
    let n = BpfFuncId(id as u32).name()?;
    if id == 0 {
        return None;
    }
    Some(format!("bpf_{}", n.trim_start_matches("BPF_FUNC_")))
}

/// The text of `insns[idx]` without the trailing newline. `ld_imm64` reads
/// its second slot from `insns[idx + 1]` (0 when absent).
pub fn print_bpf_insn(insns: &[BpfInsn], idx: usize, allow_ptr_leaks: bool) -> String {
    let insn = &insns[idx];
    let code = insn.code;
    let class = bpf_class(code);
    let (dst, src, off, imm) = (insn.dst_reg(), insn.src_reg(), insn.off, insn.imm);
    let w = |c: u8| if c == BPF_ALU || c == BPF_JMP32 { 'w' } else { 'r' };
    match class {
        BPF_ALU | BPF_ALU64 => {
            let op = bpf_op(code);
            let rc = w(class);
            if op == BPF_END {
                if class == BPF_ALU64 {
                    format!("({code:02x}) r{dst} = bswap{imm} r{dst}")
                } else {
                    let e = if bpf_src(code) == BPF_TO_BE { "be" } else { "le" };
                    format!("({code:02x}) r{dst} = {e}{imm} r{dst}")
                }
            } else if op == BPF_NEG {
                format!("({code:02x}) {rc}{dst} = -{rc}{dst}")
            } else if code == BPF_ALU64 | BPF_MOV | BPF_X && off == BPF_ADDR_SPACE_CAST {
                format!(
                    "({code:02x}) r{dst} = addr_space_cast(r{src}, {}, {})",
                    (imm as u32) >> 16,
                    imm as u16
                )
            } else if code == BPF_ALU64 | BPF_MOV | BPF_X && off == -1 {
                format!("({code:02x}) r{dst} = &(void __percpu *)(r{src})")
            } else {
                let sdiv = (op == BPF_DIV || op == BPF_MOD) && off == 1;
                let opstr = if sdiv {
                    if op == BPF_DIV {
                        "s/="
                    } else {
                        "s%="
                    }
                } else {
                    ALU_STR[(op >> 4) as usize]
                };
                if bpf_src(code) == BPF_X {
                    let movsx = if op == BPF_MOV {
                        match off {
                            8 => "(s8)",
                            16 => "(s16)",
                            32 => "(s32)",
                            _ => "",
                        }
                    } else {
                        ""
                    };
                    format!("({code:02x}) {rc}{dst} {opstr} {movsx}{rc}{src}")
                } else {
                    format!("({code:02x}) {rc}{dst} {opstr} {imm}")
                }
            }
        }
        BPF_STX => {
            let sz = ldst_str(bpf_size(code));
            let mode = bpf_mode(code);
            let is64 = if bpf_size(code) == BPF_DW { "64" } else { "" };
            if mode == BPF_MEM {
                format!("({code:02x}) *({sz} *)(r{dst} {off:+}) = r{src}")
            } else if mode == BPF_ATOMIC {
                let aop = |i: i32| match i & 0xf0 {
                    0x00 => "add",
                    0x50 => "and",
                    0x40 => "or",
                    _ => "xor",
                };
                match imm {
                    0x00 | 0x50 | 0x40 | 0xa0 => format!(
                        "({code:02x}) lock *({sz} *)(r{dst} {off:+}) {} r{src}",
                        ALU_STR[(imm >> 4) as usize]
                    ),
                    0x01 | 0x51 | 0x41 | 0xa1 => format!(
                        "({code:02x}) r{src} = atomic{is64}_fetch_{}(({sz} *)(r{dst} {off:+}), r{src})",
                        aop(imm)
                    ),
                    BPF_CMPXCHG => {
                        format!(
                            "({code:02x}) r0 = atomic{is64}_cmpxchg(({sz} *)(r{dst} {off:+}), r0, r{src})"
                        )
                    }
                    BPF_XCHG => {
                        format!("({code:02x}) r{src} = atomic{is64}_xchg(({sz} *)(r{dst} {off:+}), r{src})")
                    }
                    BPF_LOAD_ACQ => format!("({code:02x}) r{dst} = load_acquire(({sz} *)(r{src} {off:+}))"),
                    BPF_STORE_REL => format!("({code:02x}) store_release(({sz} *)(r{dst} {off:+}), r{src})"),
                    _ => format!("BUG_{code:02x}"),
                }
            } else {
                format!("BUG_{code:02x}")
            }
        }
        BPF_ST => {
            if bpf_mode(code) == BPF_MEM {
                format!("({code:02x}) *({} *)(r{dst} {off:+}) = {imm}", ldst_str(bpf_size(code)))
            } else if bpf_mode(code) == BPF_NOSPEC {
                format!("({code:02x}) nospec")
            } else {
                format!("BUG_st_{code:02x}")
            }
        }
        BPF_LDX => {
            let mode = bpf_mode(code);
            if mode != BPF_MEM && mode != BPF_MEMSX {
                return format!("BUG_ldx_{code:02x}");
            }
            let sz = if mode == BPF_MEM { ldst_str(bpf_size(code)) } else { ldsx_str(bpf_size(code)) };
            format!("({code:02x}) r{dst} = *({sz} *)(r{src} {off:+})")
        }
        BPF_LD => {
            let mode = bpf_mode(code);
            if mode == BPF_ABS {
                format!("({code:02x}) r0 = *({} *)skb[{imm}]", ldst_str(bpf_size(code)))
            } else if mode == BPF_IND {
                format!("({code:02x}) r0 = *({} *)skb[r{src} + {imm}]", ldst_str(bpf_size(code)))
            } else if mode == BPF_IMM && bpf_size(code) == BPF_DW {
                let hi = insns.get(idx + 1).map_or(0, |n| n.imm as u32);
                let mut v = (u64::from(hi) << 32) | u64::from(imm as u32);
                let is_ptr = src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_VALUE;
                if is_ptr && !allow_ptr_leaks {
                    v = 0;
                }
                format!("({code:02x}) r{dst} = {v:#x}")
            } else {
                format!("BUG_ld_{code:02x}")
            }
        }
        BPF_JMP | BPF_JMP32 => {
            let op = bpf_op(code);
            let rc = w(class);
            if op == BPF_CALL {
                if src == BPF_PSEUDO_CALL {
                    format!("({code:02x}) call pc{imm:+}")
                } else {
                    let name = if src == 0 { func_id_name(imm) } else { None }.unwrap_or_else(|| {
                        if src == BPF_PSEUDO_KFUNC_CALL {
                            "kernel-function".to_string()
                        } else {
                            "unknown".to_string()
                        }
                    });
                    format!("({code:02x}) call {name}#{imm}")
                }
            } else if code == BPF_JMP | BPF_JA {
                format!("({code:02x}) goto pc{off:+}")
            } else if code == BPF_JMP | BPF_JCOND && src == BPF_MAY_GOTO {
                format!("({code:02x}) may_goto pc{off:+}")
            } else if code == BPF_JMP32 | BPF_JA {
                format!("({code:02x}) gotol pc{imm:+}")
            } else if code == BPF_JMP | BPF_EXIT {
                format!("({code:02x}) exit")
            } else if bpf_src(code) == BPF_X {
                format!("({code:02x}) if {rc}{dst} {} {rc}{src} goto pc{off:+}", JMP_STR[(op >> 4) as usize])
            } else {
                format!(
                    "({code:02x}) if {rc}{dst} {} {:#x} goto pc{off:+}",
                    JMP_STR[(op >> 4) as usize],
                    imm as u32
                )
            }
        }
        _ => format!(
            "({code:02x}) {}",
            ["ld", "ldx", "st", "stx", "alu", "jmp", "jmp32", "alu64"][class as usize]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_the_kernel() {
        let p = |i: BpfInsn| print_bpf_insn(&[i], 0, true);
        assert_eq!(p(BpfInsn::mov64_imm(0, 42)), "(b7) r0 = 42");
        assert_eq!(p(BpfInsn::alu64_imm(BPF_AND, 1, 240)), "(57) r1 &= 240");
        assert_eq!(p(BpfInsn::jmp_imm(BPF_JGT, 6, 10, 2)), "(25) if r6 > 0xa goto pc+2");
        assert_eq!(p(BpfInsn::stx_mem(BPF_DW, 10, 1, -8)), "(7b) *(u64 *)(r10 -8) = r1");
        assert_eq!(p(BpfInsn::st_mem(BPF_W, 10, -16, 7)), "(62) *(u32 *)(r10 -16) = 7");
        assert_eq!(p(BpfInsn::ldx_mem(BPF_W, 4, 10, -16)), "(61) r4 = *(u32 *)(r10 -16)");
        assert_eq!(p(BpfInsn::call_helper(7)), "(85) call bpf_get_prandom_u32#7");
        assert_eq!(p(BpfInsn::mov32_reg(8, 7)), "(bc) w8 = w7");
        assert_eq!(p(BpfInsn::alu64_imm(BPF_ARSH, 8, 1)), "(c7) r8 s>>= 1");
        assert_eq!(p(BpfInsn::new(BPF_ALU | BPF_END | BPF_TO_BE, 2, 0, 0, 16)), "(dc) r2 = be16 r2");
        assert_eq!(p(BpfInsn::new(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0)), "(87) r0 = -r0");
        assert_eq!(p(BpfInsn::exit()), "(95) exit");
        assert_eq!(p(BpfInsn::ja(-3)), "(05) goto pc-3");
    }
}

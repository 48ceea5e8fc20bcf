//! The project's own ISA tests: every instruction form of RFC 9669
//! (v1-v4) and its edge cases, as a table of programs and the r0 they must
//! return. Each case runs in the checked mode, in the fast mode, and, when
//! it uses nothing but the kernel's own instructions, through
//! `INTERPRETERS[idx](ctx, prog)` with r1 = the memory.
//!
//! The conformance suite covers the same ground from outside; these tests
//! need nothing but this repository.

mod common;

use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size};
use bpf_core::uapi::*;
use bpf_interp::{run_checked, run_fast, stack_index, HelperCalls, InsnSet, RunConfig, INTERPRETERS};
use common::{AlignedMem, TEST_HELPERS};
use std::ffi::c_void;

type I = BpfInsn;

struct Case {
    name: String,
    prog: Vec<BpfInsn>,
    mem: Vec<u8>,
    want: u64,
}

fn case(name: impl Into<String>, prog: Vec<BpfInsn>, want: u64) -> Case {
    Case { name: name.into(), prog, mem: Vec::new(), want }
}

fn case_mem(name: impl Into<String>, prog: Vec<BpfInsn>, mem: &[u8], want: u64) -> Case {
    Case { name: name.into(), prog, mem: mem.to_vec(), want }
}

// Short names for the constructors, in the order of the kernel's macros.
fn mov(d: u8, imm: i32) -> I {
    I::mov64_imm(d, imm)
}
fn mov32(d: u8, imm: i32) -> I {
    I::mov32_imm(d, imm)
}
fn movr(d: u8, s: u8) -> I {
    I::mov64_reg(d, s)
}
fn lddw(d: u8, v: u64) -> [I; 2] {
    I::ld_imm64(d, v)
}
fn alu(op: u8, d: u8, imm: i32) -> I {
    I::alu64_imm(op, d, imm)
}
fn alur(op: u8, d: u8, s: u8) -> I {
    I::alu64_reg(op, d, s)
}
fn alu32(op: u8, d: u8, imm: i32) -> I {
    I::alu32_imm(op, d, imm)
}
fn alu32r(op: u8, d: u8, s: u8) -> I {
    I::alu32_reg(op, d, s)
}
/// Signed division / modulo (`off = 1`).
fn salu(class: u8, op: u8, d: u8, imm: i32) -> I {
    I::new(class | op | BPF_K, d, 0, 1, imm)
}
fn salur(class: u8, op: u8, d: u8, s: u8) -> I {
    I::new(class | op | BPF_X, d, s, 1, 0)
}
fn movsx(class: u8, d: u8, s: u8, bits: i16) -> I {
    I::new(class | BPF_MOV | BPF_X, d, s, bits, 0)
}
fn end(class: u8, dir: u8, d: u8, bits: i32) -> I {
    I::new(class | BPF_END | dir, d, 0, 0, bits)
}
fn exit() -> I {
    I::exit()
}

/// `r0 = dst OP= operand` for a 64-bit value and an immediate.
fn alu_case(name: &str, init: u64, insn: I, want: u64) -> Case {
    case(name, p![lddw(0, init), insn, exit()], want)
}
/// Same with the operand in r1.
fn alur_case(name: &str, init: u64, src: u64, insn: I, want: u64) -> Case {
    case(name, p![lddw(0, init), lddw(1, src), insn, exit()], want)
}

const MIN64: u64 = 0x8000_0000_0000_0000;
const PATTERN: u64 = 0x1122_3344_5566_7788;

fn alu_cases() -> Vec<Case> {
    let mut v = vec![
        // add / sub: 64-bit wraps, 32-bit wraps and zero-extends.
        alu_case("add64 imm", 5, alu(BPF_ADD, 0, 3), 8),
        alu_case("add64 imm sign-extended", 1, alu(BPF_ADD, 0, -2), u64::MAX),
        alur_case("add64 reg wraps", u64::MAX, 2, alur(BPF_ADD, 0, 1), 1),
        alu_case("add32 wraps and zero-extends", u64::MAX, alu32(BPF_ADD, 0, 1), 0),
        alu_case("add32 drops the upper half", 0x1_0000_0005, alu32(BPF_ADD, 0, 1), 6),
        alur_case("add32 reg", 0xffff_ffff_0000_0001, 0xaaaa_aaaa_0000_0002, alu32r(BPF_ADD, 0, 1), 3),
        alu_case("sub64 imm", 3, alu(BPF_SUB, 0, 5), (-2i64) as u64),
        alu_case("sub32 imm", 3, alu32(BPF_SUB, 0, 5), 0xffff_fffe),
        alur_case("sub64 reg", 10, 3, alur(BPF_SUB, 0, 1), 7),
        alur_case("sub32 reg", 0x5_0000_0000, 1, alu32r(BPF_SUB, 0, 1), 0xffff_ffff),
        // mul
        alu_case("mul64 imm", 0x1_0000_0000, alu(BPF_MUL, 0, 3), 0x3_0000_0000),
        alu_case("mul64 imm negative", 3, alu(BPF_MUL, 0, -2), (-6i64) as u64),
        alu_case("mul32 imm keeps 32 bits", 0x1_0000_0000, alu32(BPF_MUL, 0, 3), 0),
        alur_case("mul64 reg", 0x1_0000_0001, 0x1_0000_0001, alur(BPF_MUL, 0, 1), 0x2_0000_0001),
        alur_case("mul32 reg overflow", 0x8000_0000, 2, alu32r(BPF_MUL, 0, 1), 0),
        alur_case("mul64 INT_MIN * -1", MIN64, u64::MAX, alur(BPF_MUL, 0, 1), MIN64),
        // unsigned div / mod, including by zero (x/0 = 0, x%0 = x)
        alu_case("div64 imm", 13, alu(BPF_DIV, 0, 4), 3),
        alu_case("div64 imm zero", 13, alu(BPF_DIV, 0, 0), 0),
        alur_case("div64 reg zero", 13, 0, alur(BPF_DIV, 0, 1), 0),
        alu_case("div64 imm -1 is 2^64-1", (-16i64) as u64, alu(BPF_DIV, 0, -1), 0),
        alu_case("div32 uses the low halves", 0x1_0000_000a, alu32(BPF_DIV, 0, 3), 3),
        alu_case("div32 imm -1 is 2^32-1", 10, alu32(BPF_DIV, 0, -1), 0),
        alur_case("div32 reg zero", 0x1_0000_000a, 0x1_0000_0000, alu32r(BPF_DIV, 0, 1), 0),
        alu_case("mod64 imm", 13, alu(BPF_MOD, 0, 4), 1),
        alu_case("mod64 imm zero keeps dst", 0x1_0000_000d, alu(BPF_MOD, 0, 0), 0x1_0000_000d),
        alur_case("mod64 reg zero keeps dst", 13, 0, alur(BPF_MOD, 0, 1), 13),
        alu_case("mod32 imm zero zero-extends dst", 0x1_0000_000d, alu32(BPF_MOD, 0, 0), 0xd),
        alur_case("mod32 reg", 0x1_0000_000d, 0x5, alu32r(BPF_MOD, 0, 1), 3),
        // signed div / mod (off = 1)
        alu_case("sdiv64 imm", (-13i64) as u64, salu(BPF_ALU64, BPF_DIV, 0, 4), (-3i64) as u64),
        alu_case("sdiv64 imm zero", (-13i64) as u64, salu(BPF_ALU64, BPF_DIV, 0, 0), 0),
        alu_case("sdiv64 INT_MIN / -1 imm", MIN64, salu(BPF_ALU64, BPF_DIV, 0, -1), MIN64),
        alur_case("sdiv64 INT_MIN / -1 reg", MIN64, u64::MAX, salur(BPF_ALU64, BPF_DIV, 0, 1), MIN64),
        alur_case("sdiv64 neg / neg", (-12i64) as u64, (-4i64) as u64, salur(BPF_ALU64, BPF_DIV, 0, 1), 3),
        alu_case("sdiv32 imm", 0x7fff_ffff_ffff_fff3, salu(BPF_ALU, BPF_DIV, 0, 4), 0xffff_fffd),
        alu_case("sdiv32 INT_MIN / -1", 0x8000_0000, salu(BPF_ALU, BPF_DIV, 0, -1), 0x8000_0000),
        alur_case("sdiv32 reg zero", 0x8000_0000, 0, salur(BPF_ALU, BPF_DIV, 0, 1), 0),
        alu_case("smod64 neg % pos", (-13i64) as u64, salu(BPF_ALU64, BPF_MOD, 0, 4), (-1i64) as u64),
        alu_case("smod64 neg % neg", (-13i64) as u64, salu(BPF_ALU64, BPF_MOD, 0, -4), (-1i64) as u64),
        alu_case("smod64 pos % neg", 13, salu(BPF_ALU64, BPF_MOD, 0, -4), 1),
        alu_case("smod64 INT_MIN % -1", MIN64, salu(BPF_ALU64, BPF_MOD, 0, -1), 0),
        alur_case(
            "smod64 by zero keeps dst",
            (-7i64) as u64,
            0,
            salur(BPF_ALU64, BPF_MOD, 0, 1),
            (-7i64) as u64,
        ),
        alu_case("smod32 INT_MIN % -1", 0x8000_0000, salu(BPF_ALU, BPF_MOD, 0, -1), 0),
        alu_case("smod32 by zero zero-extends", (-7i64) as u64, salu(BPF_ALU, BPF_MOD, 0, 0), 0xffff_fff9),
        alur_case("smod32 reg", (-13i64) as u64, 4, salur(BPF_ALU, BPF_MOD, 0, 1), 0xffff_ffff),
        // bitwise
        alu_case("or64 imm sign-extended", 0, alu(BPF_OR, 0, -1), u64::MAX),
        alu_case("or32 imm", 0xf_0000_0000, alu32(BPF_OR, 0, -1), 0xffff_ffff),
        alur_case("or64 reg", 0xf0, 0x0f00_0000_0000, alur(BPF_OR, 0, 1), 0x0f00_0000_00f0),
        alu_case("and64 imm", 0xff00_ff00_ff00_ff00, alu(BPF_AND, 0, 0x0ff0), 0x0f00),
        alu_case(
            "and64 imm sign-extended",
            0xff00_ff00_ff00_ff00,
            alu(BPF_AND, 0, -256),
            0xff00_ff00_ff00_ff00,
        ),
        alur_case("and32 reg", u64::MAX, 0xffff_0000_ffff, alu32r(BPF_AND, 0, 1), 0xffff),
        alu_case("xor64 imm", PATTERN, alu(BPF_XOR, 0, -1), !PATTERN),
        alu_case("xor32 imm", PATTERN, alu32(BPF_XOR, 0, -1), 0xaa99_8877),
        alur_case("xor64 reg self-inverse", PATTERN, PATTERN, alur(BPF_XOR, 0, 1), 0),
        // shifts: counts are masked to the width
        alu_case("lsh64 63", 1, alu(BPF_LSH, 0, 63), MIN64),
        alu_case("lsh64 imm 64 is 0", 1, alu(BPF_LSH, 0, 64), 1),
        alu_case("lsh64 imm -1 is 63", 1, alu(BPF_LSH, 0, -1), MIN64),
        alur_case("lsh64 reg 65 is 1", 1, 65, alur(BPF_LSH, 0, 1), 2),
        alu_case("lsh32 31", 1, alu32(BPF_LSH, 0, 31), 0x8000_0000),
        alu_case("lsh32 imm 32 is 0", 1, alu32(BPF_LSH, 0, 32), 1),
        alu_case("lsh32 drops the upper half", 0xffff_ffff_0000_0001, alu32(BPF_LSH, 0, 1), 2),
        alur_case("lsh32 reg 33 is 1", 1, 33, alu32r(BPF_LSH, 0, 1), 2),
        alu_case("rsh64 63", MIN64, alu(BPF_RSH, 0, 63), 1),
        alu_case("rsh64 imm 64 is 0", MIN64, alu(BPF_RSH, 0, 64), MIN64),
        alur_case("rsh64 reg 127 is 63", MIN64, 127, alur(BPF_RSH, 0, 1), 1),
        alu_case("rsh32 31", 0x8000_0000, alu32(BPF_RSH, 0, 31), 1),
        alu_case("rsh32 ignores the upper half", 0xffff_ffff_8000_0000, alu32(BPF_RSH, 0, 4), 0x0800_0000),
        alur_case("rsh32 reg 36 is 4", 0x8000_0000, 36, alu32r(BPF_RSH, 0, 1), 0x0800_0000),
        alu_case("arsh64 63", MIN64, alu(BPF_ARSH, 0, 63), u64::MAX),
        alu_case("arsh64 imm 64 is 0", MIN64, alu(BPF_ARSH, 0, 64), MIN64),
        alur_case("arsh64 reg", (-256i64) as u64, 4, alur(BPF_ARSH, 0, 1), (-16i64) as u64),
        alu_case("arsh32 31 zero-extends", 0x8000_0000, alu32(BPF_ARSH, 0, 31), 0xffff_ffff),
        alur_case("arsh32 reg 36 is 4", 0x1_8000_0000, 36, alu32r(BPF_ARSH, 0, 1), 0xf800_0000),
        alu_case("arsh32 positive", 0x4000_0000, alu32(BPF_ARSH, 0, 30), 1),
        // neg
        alu_case("neg64", 5, I::new(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0), (-5i64) as u64),
        alu_case("neg64 INT_MIN", MIN64, I::new(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0), MIN64),
        alu_case("neg32", 5, I::new(BPF_ALU | BPF_NEG, 0, 0, 0, 0), 0xffff_fffb),
        alu_case("neg32 INT_MIN", 0xffff_ffff_8000_0000, I::new(BPF_ALU | BPF_NEG, 0, 0, 0, 0), 0x8000_0000),
        // mov and movsx
        case("mov64 imm sign-extends", p![mov(0, -1), exit()], u64::MAX),
        case("mov32 imm zero-extends", p![mov32(0, -1), exit()], 0xffff_ffff),
        alur_case("mov64 reg", 0, PATTERN, movr(0, 1), PATTERN),
        alur_case("mov32 reg zero-extends", 0, PATTERN, I::mov32_reg(0, 1), 0x5566_7788),
        alur_case("movsx8 to 64", 0, 0x80, movsx(BPF_ALU64, 0, 1, 8), 0xffff_ffff_ffff_ff80),
        alur_case("movsx8 to 64 positive", 0, 0x17f, movsx(BPF_ALU64, 0, 1, 8), 0x7f),
        alur_case("movsx16 to 64", 0, 0x8001, movsx(BPF_ALU64, 0, 1, 16), 0xffff_ffff_ffff_8001),
        alur_case("movsx32 to 64", 0, 0x8000_0001, movsx(BPF_ALU64, 0, 1, 32), 0xffff_ffff_8000_0001),
        alur_case("movsx8 to 32", 0, 0x80, movsx(BPF_ALU, 0, 1, 8), 0xffff_ff80),
        alur_case("movsx16 to 32", 0, 0xffff_0000_8001, movsx(BPF_ALU, 0, 1, 16), 0xffff_8001),
        // byte order
        alu_case("le16", PATTERN, end(BPF_ALU, BPF_TO_LE, 0, 16), 0x7788),
        alu_case("le32", PATTERN, end(BPF_ALU, BPF_TO_LE, 0, 32), 0x5566_7788),
        alu_case("le64", PATTERN, end(BPF_ALU, BPF_TO_LE, 0, 64), PATTERN),
        alu_case("be16", PATTERN, end(BPF_ALU, BPF_TO_BE, 0, 16), 0x8877),
        alu_case("be32", PATTERN, end(BPF_ALU, BPF_TO_BE, 0, 32), 0x8877_6655),
        alu_case("be64", PATTERN, end(BPF_ALU, BPF_TO_BE, 0, 64), 0x8877_6655_4433_2211),
        alu_case("bswap16", PATTERN, end(BPF_ALU64, BPF_TO_LE, 0, 16), 0x8877),
        alu_case("bswap32", PATTERN, end(BPF_ALU64, BPF_TO_LE, 0, 32), 0x8877_6655),
        alu_case("bswap64", PATTERN, end(BPF_ALU64, BPF_TO_LE, 0, 64), 0x8877_6655_4433_2211),
        // ld_imm64
        case("ld_imm64", p![lddw(0, PATTERN), exit()], PATTERN),
        case("ld_imm64 upper half only", p![lddw(0, 0xffff_ffff_0000_0000), exit()], 0xffff_ffff_0000_0000),
    ];
    // Every 32-bit ALU op clears the upper half of dst.
    for op in [
        BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV,
        BPF_ARSH,
    ] {
        let name = format!("alu32 op {op:#x} zero-extends");
        v.push(case(name, p![lddw(0, u64::MAX), alu32(op, 0, 1), alu(BPF_RSH, 0, 32), exit()], 0));
    }
    v
}

/// `if (a OP b) r0 = 1` with a and b in registers, 64 and 32 bits.
fn jmp_cases() -> Vec<Case> {
    let mut v = Vec::new();
    let x: [(u8, u64, u64, bool, bool); 13] = [
        (BPF_JEQ, 0x1_0000_0001, 1, false, true),
        (BPF_JNE, 0x1_0000_0001, 1, true, false),
        (BPF_JGT, 0x1_0000_0000, 1, true, false),
        (BPF_JGT, u64::MAX, 1, true, true),
        (BPF_JGE, 0x1_0000_0001, 0x2_0000_0001, false, true),
        (BPF_JLT, 1, 0x1_0000_0000, true, false),
        (BPF_JLE, 0x2_0000_0001, 0x1_0000_0001, false, true),
        (BPF_JSET, 0x1_0000_0000, 0x1_0000_0000, true, false),
        (BPF_JSGT, 0x8000_0000, 0, true, false),
        (BPF_JSGT, u64::MAX, 1, false, false),
        (BPF_JSGE, 0xffff_ffff, 0, true, false),
        (BPF_JSLT, 0xffff_ffff, 0, false, true),
        (BPF_JSLE, 0x8000_0000, 0, false, true),
    ];
    for (op, a, b, t64, t32) in x {
        for (class, taken) in [(BPF_JMP, t64), (BPF_JMP32, t32)] {
            let j = I::new(class | op | BPF_X, 1, 2, 1, 0);
            let name = format!("jmp{} {op:#x} reg {a:#x} {b:#x}", if class == BPF_JMP { "" } else { "32" });
            v.push(case(
                name,
                p![mov(0, 0), lddw(1, a), lddw(2, b), j, exit(), mov(0, 1), exit()],
                taken as u64,
            ));
        }
    }
    let k: [(u8, u64, i32, bool, bool); 14] = [
        (BPF_JEQ, u64::MAX, -1, true, true),
        (BPF_JEQ, 0xffff_ffff, -1, false, true),
        (BPF_JNE, 0xffff_ffff, -1, true, false),
        (BPF_JGT, 0x1_0000_0000, 1, true, false),
        (BPF_JGT, 5, 3, true, true),
        (BPF_JGE, 3, 3, true, true),
        (BPF_JLT, 0x1_0000_0000, -1, true, true),
        (BPF_JLT, 2, 1, false, false),
        (BPF_JLE, 0x1_0000_0000, 0, false, true),
        (BPF_JSET, MIN64, -1, true, false),
        (BPF_JSGT, 0x8000_0000, 0, true, false),
        (BPF_JSGE, u64::MAX, -1, true, true),
        (BPF_JSLT, 0xffff_ffff, 0, false, true),
        (BPF_JSLE, 0, -1, false, false),
    ];
    for (op, a, imm, t64, t32) in k {
        for (class, taken) in [(BPF_JMP, t64), (BPF_JMP32, t32)] {
            let j = I::new(class | op | BPF_K, 1, 0, 1, imm);
            let name = format!("jmp{} {op:#x} imm {a:#x} {imm}", if class == BPF_JMP { "" } else { "32" });
            v.push(case(name, p![mov(0, 0), lddw(1, a), j, exit(), mov(0, 1), exit()], taken as u64));
        }
    }
    // Backward jumps: sum 1..=10 with a 64-bit and a 32-bit loop.
    let sum = |class: u8| {
        p![
            mov(0, 0),
            mov(1, 10),
            alur(BPF_ADD, 0, 1),
            alu(BPF_SUB, 1, 1),
            I::new(class | BPF_JNE | BPF_K, 1, 0, -3, 0),
            exit()
        ]
    };
    v.push(case("backward jne loop", sum(BPF_JMP), 55));
    v.push(case("backward jne32 loop", sum(BPF_JMP32), 55));
    v.push(case("ja forward and back", p![I::ja(2), mov(0, 7), exit(), mov(0, 9), I::ja(-3)], 9));
    let gotol = |off: i32| I::new(BPF_JMP32 | BPF_JA, 0, 0, 0, off);
    v.push(case("gotol forward and back", p![gotol(2), mov(0, 7), exit(), mov(0, 9), gotol(-3)], 9));
    // gotol reaches past the 16-bit range of `off`.
    let mut far = vec![gotol(40_000)];
    far.extend(vec![mov(0, 1); 40_000]);
    far.extend([mov(0, 7), exit()]);
    v.push(case("gotol past 32767 insns", far, 7));
    v.push(case("exit not last", p![mov(0, 3), I::ja(1), exit(), I::ja(-2)], 3));
    v
}

fn mem_cases() -> Vec<Case> {
    let mem: Vec<u8> = (1..=16u32).map(|i| (i * 0x11) as u8).collect();
    let sx = [0x80u8, 0xff, 0x00, 0x80, 0x7f, 0, 0, 0];
    let stack_rt = |st: I| p![I::st_mem(BPF_DW, 10, -8, 0), st, I::ldx_mem(BPF_DW, 0, 10, -8), exit()];
    let stx_rt = |size: u8| {
        p![
            lddw(1, PATTERN),
            I::st_mem(BPF_DW, 10, -8, 0),
            I::stx_mem(size, 10, 1, -8),
            I::ldx_mem(BPF_DW, 0, 10, -8),
            exit()
        ]
    };
    vec![
        case_mem("ldxb", p![I::ldx_mem(BPF_B, 0, 1, 0), exit()], &mem, 0x11),
        case_mem("ldxh", p![I::ldx_mem(BPF_H, 0, 1, 1), exit()], &mem, 0x3322),
        case_mem("ldxw", p![I::ldx_mem(BPF_W, 0, 1, 2), exit()], &mem, 0x6655_4433),
        case_mem("ldxdw", p![I::ldx_mem(BPF_DW, 0, 1, 8), exit()], &mem, 0x10ff_eedd_ccbb_aa99),
        case_mem(
            "ldxdw negative offset",
            p![alu(BPF_ADD, 1, 16), I::ldx_mem(BPF_DW, 0, 1, -16), exit()],
            &mem,
            0x8877_6655_4433_2211,
        ),
        case_mem("ldxsb", p![I::ldx_memsx(BPF_B, 0, 1, 0), exit()], &sx, 0xffff_ffff_ffff_ff80),
        case_mem("ldxsb positive", p![I::ldx_memsx(BPF_B, 0, 1, 4), exit()], &sx, 0x7f),
        case_mem("ldxsh", p![I::ldx_memsx(BPF_H, 0, 1, 0), exit()], &sx, 0xffff_ffff_ffff_ff80),
        case_mem("ldxsw", p![I::ldx_memsx(BPF_W, 0, 1, 0), exit()], &sx, 0xffff_ffff_8000_ff80),
        case("stb", stack_rt(I::st_mem(BPF_B, 10, -8, -1)), 0xff),
        case("sth", stack_rt(I::st_mem(BPF_H, 10, -8, -1)), 0xffff),
        case("stw", stack_rt(I::st_mem(BPF_W, 10, -8, -1)), 0xffff_ffff),
        case("stdw sign-extends imm", stack_rt(I::st_mem(BPF_DW, 10, -8, -1)), u64::MAX),
        case("stw at an odd offset", stack_rt(I::st_mem(BPF_W, 10, -7, 0x1234_5678)), 0x12_3456_7800),
        case("stxb", stx_rt(BPF_B), 0x88),
        case("stxh", stx_rt(BPF_H), 0x7788),
        case("stxw", stx_rt(BPF_W), 0x5566_7788),
        case("stxdw", stx_rt(BPF_DW), PATTERN),
        case_mem(
            "st and stx into memory",
            p![
                I::st_mem(BPF_H, 1, 2, 0x0abc),
                mov(2, 0x5a),
                I::stx_mem(BPF_B, 1, 2, 15),
                I::ldx_mem(BPF_W, 0, 1, 0),
                I::ldx_mem(BPF_B, 3, 1, 15),
                alur(BPF_ADD, 0, 3),
                exit()
            ],
            &mem,
            0x0abc_2211 + 0x5a,
        ),
        case(
            "stack pointer arithmetic",
            p![
                movr(2, 10),
                alu(BPF_ADD, 2, -16),
                I::st_mem(BPF_DW, 2, 8, 42),
                I::ldx_mem(BPF_DW, 0, 10, -8),
                exit()
            ],
            42,
        ),
        case(
            "whole 512-byte stack",
            p![
                I::st_mem(BPF_DW, 10, -512, 5),
                I::st_mem(BPF_DW, 10, -8, 6),
                I::ldx_mem(BPF_DW, 0, 10, -512),
                I::ldx_mem(BPF_DW, 1, 10, -8),
                alur(BPF_ADD, 0, 1),
                exit()
            ],
            11,
        ),
    ]
}

fn atomic(size: u8, op: i32, off: i16) -> I {
    I::atomic_op(size, op, 10, 1, off)
}

fn atomic_cases() -> Vec<Case> {
    const F: i32 = BPF_FETCH;
    // mem = init; r1 = operand; op; r0 = mem + (r1 << 32) (r1 as fetched).
    let rmw = |name: &str, size: u8, op: i32, init: u64, operand: u64, want: u64| {
        case(
            name,
            p![
                lddw(2, init),
                I::stx_mem(BPF_DW, 10, 2, -8),
                lddw(1, operand),
                atomic(size, op, -8),
                I::ldx_mem(BPF_DW, 0, 10, -8),
                alu(BPF_LSH, 1, 32),
                alur(BPF_ADD, 0, 1),
                exit()
            ],
            want,
        )
    };
    let add = BPF_ADD as i32;
    let or = BPF_OR as i32;
    let and = BPF_AND as i32;
    let xor = BPF_XOR as i32;
    let mut v = vec![
        rmw("atomic add64", BPF_DW, add, 10, 5, 15 + (5 << 32)),
        rmw("atomic fetch add64", BPF_DW, add | F, 10, 5, 15 + (10 << 32)),
        rmw("atomic add32 wraps in its word", BPF_W, add, 0x1_ffff_ffff, 1, 0x1_0000_0000 + (1 << 32)),
        rmw("atomic fetch add32 zero-extends", BPF_W, add | F, 5, 0xffff_ffff_0000_0001, 6 + (5 << 32)),
        rmw("atomic or64", BPF_DW, or, 0xf0, 0x0f, 0xff + (0x0f << 32)),
        rmw("atomic fetch or64", BPF_DW, or | F, 0xf0, 0x0f, 0xff + (0xf0 << 32)),
        rmw("atomic or32", BPF_W, or, 0x1_0000_00f0, 0x0f, 0x1_0000_00ff + (0x0f << 32)),
        rmw("atomic fetch or32", BPF_W, or | F, 0xf0, 0x0f, 0xff + (0xf0 << 32)),
        rmw("atomic and64", BPF_DW, and, 0xff, 0x0f, 0x0f + (0x0f << 32)),
        rmw("atomic fetch and64", BPF_DW, and | F, 0xff, 0x0f, 0x0f + (0xff << 32)),
        rmw("atomic and32", BPF_W, and, 0x1_0000_00ff, 0x0f, 0x1_0000_000f + (0x0f << 32)),
        rmw("atomic fetch and32", BPF_W, and | F, 0xff, 0x0f, 0x0f + (0xff << 32)),
        rmw("atomic xor64", BPF_DW, xor, 0xff, 0x0f, 0xf0 + (0x0f << 32)),
        rmw("atomic fetch xor64", BPF_DW, xor | F, 0xff, 0x0f, 0xf0 + (0xff << 32)),
        rmw("atomic xor32", BPF_W, xor, 0xff, 0x0f, 0xf0 + (0x0f << 32)),
        rmw("atomic fetch xor32", BPF_W, xor | F, 0xff, 0x0f, 0xf0 + (0xff << 32)),
        rmw("atomic xchg64", BPF_DW, BPF_XCHG, 7, 9, 9 + (7 << 32)),
        rmw(
            "atomic xchg32",
            BPF_W,
            BPF_XCHG,
            0x3_0000_0007,
            0xffff_ffff_0000_0009,
            0x3_0000_0009 + (7 << 32),
        ),
    ];
    // cmpxchg: r0 is the expected value and receives the old one.
    let cmpxchg = |name: &str, size: u8, init: u64, expect: u64, new: u64, want_mem: u64, want_r0: u64| {
        case(
            name,
            p![
                lddw(2, init),
                I::stx_mem(BPF_DW, 10, 2, -8),
                lddw(0, expect),
                lddw(1, new),
                atomic(size, BPF_CMPXCHG, -8),
                I::ldx_mem(BPF_DW, 3, 10, -8),
                lddw(4, want_mem),
                I::jmp_reg(BPF_JNE, 3, 4, 3),
                lddw(4, want_r0),
                I::jmp_reg(BPF_JEQ, 0, 4, 1),
                mov(0, -1),
                exit()
            ],
            want_r0,
        )
    };
    v.push(cmpxchg("cmpxchg64 success", BPF_DW, 7, 7, 9, 9, 7));
    v.push(cmpxchg("cmpxchg64 failure", BPF_DW, 7, 8, 9, 7, 7));
    v.push(cmpxchg(
        "cmpxchg32 compares the low half",
        BPF_W,
        0x5_0000_0007,
        0xffff_ffff_0000_0007,
        9,
        0x5_0000_0009,
        7,
    ));
    v.push(cmpxchg("cmpxchg32 failure", BPF_W, 0x5_0000_0007, 8, 9, 0x5_0000_0007, 7));
    // load-acquire / store-release, every size.
    for (size, want) in [(BPF_B, 0x88u64), (BPF_H, 0x7788), (BPF_W, 0x5566_7788), (BPF_DW, PATTERN)] {
        v.push(case(
            format!("load_acquire size {size:#x}"),
            p![
                lddw(1, PATTERN),
                I::stx_mem(BPF_DW, 10, 1, -8),
                I::atomic_op(size, BPF_LOAD_ACQ, 0, 10, -8),
                exit()
            ],
            want,
        ));
        v.push(case(
            format!("store_release size {size:#x}"),
            p![
                I::st_mem(BPF_DW, 10, -8, 0),
                lddw(1, PATTERN),
                I::atomic_op(size, BPF_STORE_REL, 10, 1, -8),
                I::ldx_mem(BPF_DW, 0, 10, -8),
                exit()
            ],
            want,
        ));
    }
    v.push(case_mem(
        "atomic add on memory",
        p![mov(2, 3), I::atomic_op(BPF_W, add, 1, 2, 4), I::ldx_mem(BPF_W, 0, 1, 4), exit()],
        &[0, 0, 0, 0, 40, 0, 0, 0],
        43,
    ));
    v
}

fn call_cases() -> Vec<Case> {
    let frames = |n: i32| {
        // f(k): if k == 0 return 0; return f(k - 1) + 1 -- n + 1 frames.
        p![
            mov(1, n),
            I::call_rel(1),
            exit(),
            I::jmp_imm(BPF_JNE, 1, 0, 2),
            mov(0, 0),
            exit(),
            alu(BPF_SUB, 1, 1),
            I::call_rel(-5),
            alu(BPF_ADD, 0, 1),
            exit()
        ]
    };
    vec![
        case(
            "helper call by id",
            p![mov(1, 1), mov(2, 2), mov(3, 3), mov(4, 4), mov(5, 5), I::call_helper(6), exit()],
            15,
        ),
        case(
            "bpf-to-bpf call preserves r6-r9",
            p![
                mov(6, 6),
                mov(7, 7),
                mov(8, 8),
                mov(9, 9),
                mov(1, 100),
                I::call_rel(5),
                alur(BPF_ADD, 0, 6),
                alur(BPF_ADD, 0, 7),
                alur(BPF_ADD, 0, 8),
                alur(BPF_ADD, 0, 9),
                exit(),
                // callee: clobbers r6-r9, returns r1 + 1
                mov(6, 0),
                mov(7, 0),
                mov(8, 0),
                mov(9, 0),
                movr(0, 1),
                alu(BPF_ADD, 0, 1),
                exit()
            ],
            101 + 30,
        ),
        case(
            "each frame has its own stack",
            p![
                I::st_mem(BPF_DW, 10, -8, 1),
                I::call_rel(2),
                I::ldx_mem(BPF_DW, 0, 10, -8),
                exit(),
                I::st_mem(BPF_DW, 10, -8, 2),
                mov(0, 0),
                exit()
            ],
            1,
        ),
        case(
            "callee writes through a pointer to the caller's stack",
            p![
                I::st_mem(BPF_DW, 10, -8, 1),
                movr(1, 10),
                alu(BPF_ADD, 1, -8),
                I::call_rel(2),
                I::ldx_mem(BPF_DW, 0, 10, -8),
                exit(),
                I::st_mem(BPF_DW, 1, 0, 77),
                mov(0, 0),
                exit()
            ],
            77,
        ),
        case("8 frames (MAX_CALL_FRAMES)", frames(6), 6),
        case(
            "factorial by recursion",
            p![
                mov(1, 5),
                I::call_rel(1),
                exit(),
                I::jmp_imm(BPF_JGT, 1, 1, 2),
                mov(0, 1),
                exit(),
                I::stx_mem(BPF_DW, 10, 1, -8),
                alu(BPF_SUB, 1, 1),
                I::call_rel(-6),
                I::ldx_mem(BPF_DW, 1, 10, -8),
                alur(BPF_MUL, 0, 1),
                exit()
            ],
            120,
        ),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut v = alu_cases();
    v.extend(jmp_cases());
    v.extend(mem_cases());
    v.extend(atomic_cases());
    v.extend(call_cases());
    v
}

/// Does the program use only what the kernel's interpreter runs as is (no
/// helper ids, no `may_goto`, no `LD_ABS`)?
fn kernel_runnable(prog: &[BpfInsn]) -> bool {
    !prog.iter().any(|i| {
        i.is_helper_call()
            || i.code == BPF_JMP | BPF_JCOND
            || matches!(bpf_mode(i.code), BPF_ABS | BPF_IND) && bpf_class(i.code) == BPF_LD
    })
}

fn run_case(c: &Case) -> Result<(), String> {
    let helpers = HelperCalls::ById(&TEST_HELPERS);
    let mut buf = AlignedMem::new(&c.mem);
    let cfg = RunConfig::new().with_mem(buf.bytes()).with_helpers(helpers);
    let got = run_checked(&c.prog, &cfg).map_err(|e| format!("checked: {e}"))?;
    if got != c.want {
        return Err(format!("checked: r0 = {got:#x}, want {:#x}", c.want));
    }
    let mut buf = AlignedMem::new(&c.mem);
    let cfg = RunConfig::new().with_mem(buf.bytes()).with_helpers(helpers);
    // SAFETY: the checked mode ran the same deterministic program on the
    // same input without a fault.
    let got = unsafe { run_fast(&c.prog, &cfg) }.map_err(|e| format!("fast: {e}"))?;
    if got != c.want {
        return Err(format!("fast: r0 = {got:#x}, want {:#x}", c.want));
    }
    if kernel_runnable(&c.prog) {
        let mut prog = bpf_prog_alloc(bpf_prog_size(c.prog.len() as u32), 1, false, false);
        prog.set_insns(c.prog.clone());
        let mut buf = AlignedMem::new(&c.mem);
        let run = INTERPRETERS[stack_index(512).unwrap()];
        let got = run(buf.bytes().as_mut_ptr() as *const c_void, &prog);
        if got != c.want {
            return Err(format!("INTERPRETERS: r0 = {got:#x}, want {:#x}", c.want));
        }
    }
    Ok(())
}

#[test]
fn isa_cases() {
    let cases = all_cases();
    let failures: Vec<String> =
        cases.iter().filter_map(|c| run_case(c).err().map(|e| format!("{}: {e}", c.name))).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() > 200, "{} cases", cases.len());
}

#[test]
fn may_goto_counts_bpf_max_loops() {
    // r0 counts the iterations may_goto allows before it jumps.
    let prog = p![mov(0, 0), I::new(BPF_JMP | BPF_JCOND, 0, 0, 2, 0), alu(BPF_ADD, 0, 1), I::ja(-3), exit()];
    let cfg = RunConfig::new().with_insn_limit(u64::MAX);
    assert_eq!(run_checked(&prog, &cfg), Ok(8 * 1024 * 1024));
    // In an xlated program 0xe5 is BPF_CALL_ARGS, not may_goto.
    let cfg = RunConfig::new().with_insn_set(InsnSet::Xlated);
    let call = p![I::new(BPF_JMP | BPF_CALL_ARGS, 0, 0, 1, 8), exit(), mov(0, 4), exit()];
    assert_eq!(run_checked(&call, &cfg), Ok(4));
}

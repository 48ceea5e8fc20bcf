//! Shared by the integration tests: every instruction form, built from
//! arbitrary field values into a valid encoding, and the repository paths.
#![allow(dead_code)]

use bpf_core::uapi::*;
use std::path::PathBuf;

/// Every opcode the running kernel accepts in the first slot of an
/// instruction: probed with `kernel_oracle.py` on Linux 6.18.44 by loading
/// `[r0 = 0, <code>, ...]` for each of the 256 codes and keeping those that
/// pass `resolve_pseudo_ldimm64`'s `bpf_opcode_in_insntable()` check (and
/// the `BPF_LDX uses reserved fields` check before it).
pub const KERNEL_OPCODES: [u8; 128] = [
    0x04, 0x05, 0x06, 0x07, 0x0c, 0x0f, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x24,
    0x25, 0x26, 0x27, 0x28, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x34, 0x35, 0x36, 0x37, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x44, 0x45, 0x46, 0x47, 0x48, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x54, 0x55, 0x56, 0x57, 0x5c, 0x5d,
    0x5e, 0x5f, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x71,
    0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x81, 0x84, 0x85, 0x87,
    0x89, 0x91, 0x94, 0x95, 0x97, 0x9c, 0x9f, 0xa4, 0xa5, 0xa6, 0xa7, 0xac, 0xad, 0xae, 0xaf, 0xb4, 0xb5,
    0xb6, 0xb7, 0xbc, 0xbd, 0xbe, 0xbf, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd3,
    0xd4, 0xd5, 0xd6, 0xd7, 0xdb, 0xdc, 0xdd, 0xde, 0xe5,
];

/// The free fields of an instruction; a [`Form`] keeps those it prints and
/// zeroes the reserved ones.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
    /// The second slot's `imm` of an `ld_imm64`.
    pub imm2: i32,
}

/// One instruction form: an opcode plus which fields are free.
#[derive(Clone, Copy, Debug)]
pub enum Form {
    /// ALU/ALU64 op with an immediate (`off` is 1 for `s/=`, `s%=`).
    AluK { code: u8, off: i16 },
    /// ALU/ALU64 op with a register source; `off` selects sdiv/smod/movsx.
    AluX { code: u8, off: i16 },
    /// `rD = addr_space_cast(rS, a, b)`.
    AddrSpaceCast,
    /// `rD = &(void __percpu *)(rS)`.
    PercpuMov,
    /// `rD = -rD`.
    Neg { code: u8 },
    /// Byte swaps: `imm` is the width.
    End { code: u8, width: i32 },
    /// `ldx` (mem and memsx).
    Ldx { code: u8 },
    /// `st` of an immediate.
    St { code: u8 },
    /// `stx` of a register.
    Stx { code: u8 },
    /// An atomic with the operation in `imm`.
    Atomic { code: u8, op: i32 },
    /// `nospec`.
    Nospec,
    /// `BPF_ABS` packet load.
    LdAbs { code: u8 },
    /// `BPF_IND` packet load.
    LdInd { code: u8 },
    /// `ld_imm64` with pseudo source `src`.
    LdImm64 { src: u8 },
    /// Helper call (`imm` is the id, known or not).
    CallHelper,
    /// bpf-to-bpf call.
    CallPseudo,
    /// kfunc call.
    CallKfunc,
    /// `goto pc+off`.
    Ja,
    /// `gotol pc+imm`.
    Gotol,
    /// `may_goto pc+off`.
    MayGoto,
    /// `exit`.
    Exit,
    /// Conditional jump with an immediate.
    JmpK { code: u8 },
    /// Conditional jump with a register.
    JmpX { code: u8 },
}

const ALU_OPS: [u8; 12] = [
    BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV,
    BPF_ARSH,
];
const JMP_OPS: [u8; 11] =
    [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE];
const SIZES: [u8; 4] = [BPF_B, BPF_H, BPF_W, BPF_DW];
const ATOMIC_OPS: [i32; 12] = [
    BPF_ADD as i32,
    BPF_AND as i32,
    BPF_OR as i32,
    BPF_XOR as i32,
    BPF_ADD as i32 | BPF_FETCH,
    BPF_AND as i32 | BPF_FETCH,
    BPF_OR as i32 | BPF_FETCH,
    BPF_XOR as i32 | BPF_FETCH,
    BPF_XCHG,
    BPF_CMPXCHG,
    BPF_LOAD_ACQ,
    BPF_STORE_REL,
];

/// Every form, enumerated from the opcode fields: classes x ops x sources,
/// sizes x modes, atomic operations, ISA v4 (sdiv/smod, movsx, ldsx,
/// bswap, gotol), every `ld_imm64` pseudo source and every call kind.
pub fn all_forms() -> Vec<Form> {
    let mut v = Vec::new();
    for class in [BPF_ALU, BPF_ALU64] {
        for op in ALU_OPS {
            v.push(Form::AluK { code: class | op | BPF_K, off: 0 });
            v.push(Form::AluX { code: class | op | BPF_X, off: 0 });
            if op == BPF_DIV || op == BPF_MOD {
                v.push(Form::AluK { code: class | op | BPF_K, off: 1 });
                v.push(Form::AluX { code: class | op | BPF_X, off: 1 });
            }
            if op == BPF_MOV {
                for off in [8, 16, 32] {
                    v.push(Form::AluX { code: class | op | BPF_X, off });
                }
            }
        }
        v.push(Form::Neg { code: class | BPF_NEG | BPF_K });
        for width in [16, 32, 64] {
            if class == BPF_ALU {
                v.push(Form::End { code: BPF_ALU | BPF_END | BPF_TO_LE, width });
                v.push(Form::End { code: BPF_ALU | BPF_END | BPF_TO_BE, width });
            } else {
                v.push(Form::End { code: BPF_ALU64 | BPF_END | BPF_TO_LE, width });
            }
        }
    }
    v.push(Form::AddrSpaceCast);
    v.push(Form::PercpuMov);
    for size in SIZES {
        v.push(Form::Ldx { code: BPF_LDX | size | BPF_MEM });
        if size != BPF_DW {
            v.push(Form::Ldx { code: BPF_LDX | size | BPF_MEMSX });
            v.push(Form::LdAbs { code: BPF_LD | size | BPF_ABS });
            v.push(Form::LdInd { code: BPF_LD | size | BPF_IND });
        }
        v.push(Form::St { code: BPF_ST | size | BPF_MEM });
        v.push(Form::Stx { code: BPF_STX | size | BPF_MEM });
        for op in ATOMIC_OPS {
            v.push(Form::Atomic { code: BPF_STX | size | BPF_ATOMIC, op });
        }
    }
    v.push(Form::Nospec);
    for src in 0..=6 {
        v.push(Form::LdImm64 { src });
    }
    v.extend([
        Form::CallHelper,
        Form::CallPseudo,
        Form::CallKfunc,
        Form::Ja,
        Form::Gotol,
        Form::MayGoto,
        Form::Exit,
    ]);
    for class in [BPF_JMP, BPF_JMP32] {
        for op in JMP_OPS {
            v.push(Form::JmpK { code: class | op | BPF_K });
            v.push(Form::JmpX { code: class | op | BPF_X });
        }
    }
    v
}

/// The valid encoding of `form` with the free fields from `f`: reserved
/// fields are zero, as the verifier demands.
pub fn build(form: Form, f: Fields) -> Vec<BpfInsn> {
    let n = |code, dst, src, off, imm| vec![BpfInsn::new(code, dst, src, off, imm)];
    match form {
        Form::AluK { code, off } => n(code, f.dst, 0, off, f.imm),
        Form::AluX { code, off } => n(code, f.dst, f.src, off, 0),
        Form::AddrSpaceCast => n(BPF_ALU64 | BPF_MOV | BPF_X, f.dst, f.src, 1, f.imm),
        Form::PercpuMov => n(BPF_ALU64 | BPF_MOV | BPF_X, f.dst, f.src, -1, 0),
        Form::Neg { code } => n(code, f.dst, 0, 0, 0),
        Form::End { code, width } => n(code, f.dst, 0, 0, width),
        Form::Ldx { code } => n(code, f.dst, f.src, f.off, 0),
        Form::St { code } => n(code, f.dst, 0, f.off, f.imm),
        Form::Stx { code } => n(code, f.dst, f.src, f.off, 0),
        Form::Atomic { code, op } => n(code, f.dst, f.src, f.off, op),
        Form::Nospec => n(BPF_ST | BPF_NOSPEC, 0, 0, 0, 0),
        Form::LdAbs { code } => n(code, 0, 0, 0, f.imm),
        Form::LdInd { code } => n(code, 0, f.src, 0, f.imm),
        Form::LdImm64 { src } => {
            // Sources 1, 4 and 5 need a zero second half (the verifier's
            // "unrecognized bpf_ld_imm64 insn" otherwise).
            let hi = if matches!(src, 1 | 4 | 5) { 0 } else { f.imm2 };
            vec![BpfInsn::new(BPF_LD | BPF_DW | BPF_IMM, f.dst, src, 0, f.imm), BpfInsn::new(0, 0, 0, 0, hi)]
        }
        Form::CallHelper => n(BPF_JMP | BPF_CALL, 0, 0, 0, f.imm),
        Form::CallPseudo => n(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, f.imm),
        Form::CallKfunc => n(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, f.imm),
        Form::Ja => n(BPF_JMP | BPF_JA, 0, 0, f.off, 0),
        Form::Gotol => n(BPF_JMP32 | BPF_JA, 0, 0, 0, f.imm),
        Form::MayGoto => n(BPF_JMP | BPF_JCOND, 0, BPF_MAY_GOTO, f.off, 0),
        Form::Exit => n(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        Form::JmpK { code } => n(code, f.dst, 0, f.off, f.imm),
        Form::JmpX { code } => n(code, f.dst, f.src, f.off, 0),
    }
}

/// The repository root (the parent of bpf-core).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bpf-core lives in the repository")
        .to_path_buf()
}

/// Lower-case hex of instruction bytes, the oracle's `insns` format.
pub fn insns_hex(insns: &[bpf_core::uapi::BpfInsn]) -> String {
    bpf_core::uapi::insns_to_bytes(insns).iter().map(|b| format!("{b:02x}")).collect()
}

/// Inverse of [`insns_hex`].
pub fn insns_from_hex(hex: &str) -> Vec<bpf_core::uapi::BpfInsn> {
    let bytes: Vec<u8> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
    bpf_core::uapi::insns_from_bytes(&bytes).expect("whole instructions")
}

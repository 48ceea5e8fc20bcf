//! `struct bpf_insn` and every opcode constant of uapi `bpf_common.h` and
//! `bpf.h` (v6.18), plus the kernel-internal opcodes of `linux/filter.h`
//! that appear in rewritten ("xlated") programs.
//!
//! An instruction is eight bytes: `code`, a byte holding `dst_reg` (low
//! nibble) and `src_reg` (high nibble), a signed 16-bit `off` and a signed
//! 32-bit `imm`. `ld_imm64` takes two slots; the second has `code == 0` and
//! carries the upper 32 bits of the constant in its `imm`.

use static_assertions::{assert_eq_align, const_assert_eq};
use std::mem::{offset_of, size_of};

/// `struct bpf_insn`, byte for byte as in uapi `bpf.h`.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BpfInsn {
    /// Opcode: class | size/op | mode/src.
    pub code: u8,
    /// `dst_reg:4` (low nibble) and `src_reg:4` (high nibble), as the C
    /// bit-fields lay them out on a little-endian machine.
    pub regs: u8,
    /// Signed offset.
    pub off: i16,
    /// Signed immediate constant.
    pub imm: i32,
}

const_assert_eq!(size_of::<BpfInsn>(), 8);
assert_eq_align!(BpfInsn, u32);
const_assert_eq!(offset_of!(BpfInsn, code), 0);
const_assert_eq!(offset_of!(BpfInsn, regs), 1);
const_assert_eq!(offset_of!(BpfInsn, off), 2);
const_assert_eq!(offset_of!(BpfInsn, imm), 4);

// ---- instruction classes (bpf_common.h, bpf.h) ----
/// Class: legacy packet loads and `ld_imm64`.
pub const BPF_LD: u8 = 0x00;
/// Class: load into a register.
pub const BPF_LDX: u8 = 0x01;
/// Class: store an immediate.
pub const BPF_ST: u8 = 0x02;
/// Class: store a register (and atomics).
pub const BPF_STX: u8 = 0x03;
/// Class: 32-bit arithmetic.
pub const BPF_ALU: u8 = 0x04;
/// Class: 64-bit jumps, calls and exit.
pub const BPF_JMP: u8 = 0x05;
/// Class: classic BPF return (unused by eBPF).
pub const BPF_RET: u8 = 0x06;
/// Class: classic BPF misc (unused by eBPF).
pub const BPF_MISC: u8 = 0x07;
/// Class: 32-bit jumps.
pub const BPF_JMP32: u8 = 0x06;
/// Class: 64-bit arithmetic.
pub const BPF_ALU64: u8 = 0x07;

// ---- load/store sizes ----
/// Size: 32-bit word.
pub const BPF_W: u8 = 0x00;
/// Size: 16-bit half word.
pub const BPF_H: u8 = 0x08;
/// Size: byte.
pub const BPF_B: u8 = 0x10;
/// Size: 64-bit double word.
pub const BPF_DW: u8 = 0x18;

// ---- load/store modes ----
/// Mode: immediate (`ld_imm64`).
pub const BPF_IMM: u8 = 0x00;
/// Mode: legacy absolute packet load.
pub const BPF_ABS: u8 = 0x20;
/// Mode: legacy indirect packet load.
pub const BPF_IND: u8 = 0x40;
/// Mode: regular memory access.
pub const BPF_MEM: u8 = 0x60;
/// Mode: classic BPF only.
pub const BPF_LEN: u8 = 0x80;
/// Mode: classic BPF only.
pub const BPF_MSH: u8 = 0xa0;
/// Mode: sign-extending load (ISA v4).
pub const BPF_MEMSX: u8 = 0x80;
/// Mode: atomic operation.
pub const BPF_ATOMIC: u8 = 0xc0;
/// Mode: the old name of [`BPF_ATOMIC`] (atomic add).
pub const BPF_XADD: u8 = 0xc0;

// ---- ALU operations ----
/// `dst += src`
pub const BPF_ADD: u8 = 0x00;
/// `dst -= src`
pub const BPF_SUB: u8 = 0x10;
/// `dst *= src`
pub const BPF_MUL: u8 = 0x20;
/// `dst /= src` (`off == 1`: signed)
pub const BPF_DIV: u8 = 0x30;
/// `dst |= src`
pub const BPF_OR: u8 = 0x40;
/// `dst &= src`
pub const BPF_AND: u8 = 0x50;
/// `dst <<= src`
pub const BPF_LSH: u8 = 0x60;
/// `dst >>= src` (logical)
pub const BPF_RSH: u8 = 0x70;
/// `dst = -dst`
pub const BPF_NEG: u8 = 0x80;
/// `dst %= src` (`off == 1`: signed)
pub const BPF_MOD: u8 = 0x90;
/// `dst ^= src`
pub const BPF_XOR: u8 = 0xa0;
/// `dst = src` (`off` 8/16/32: sign-extending move)
pub const BPF_MOV: u8 = 0xb0;
/// `dst s>>= src`
pub const BPF_ARSH: u8 = 0xc0;
/// Byte swap; `BPF_TO_LE`/`BPF_TO_BE` in the source bit, width in `imm`.
pub const BPF_END: u8 = 0xd0;
/// Byte order: convert to little endian.
pub const BPF_TO_LE: u8 = 0x00;
/// Byte order: convert to big endian.
pub const BPF_TO_BE: u8 = 0x08;
/// Same as [`BPF_TO_LE`].
pub const BPF_FROM_LE: u8 = BPF_TO_LE;
/// Same as [`BPF_TO_BE`].
pub const BPF_FROM_BE: u8 = BPF_TO_BE;

// ---- jump operations ----
/// Unconditional jump (`gotol` in `BPF_JMP32` class).
pub const BPF_JA: u8 = 0x00;
/// `==`
pub const BPF_JEQ: u8 = 0x10;
/// unsigned `>`
pub const BPF_JGT: u8 = 0x20;
/// unsigned `>=`
pub const BPF_JGE: u8 = 0x30;
/// `&` (jump if any bit set)
pub const BPF_JSET: u8 = 0x40;
/// `!=`
pub const BPF_JNE: u8 = 0x50;
/// signed `>`
pub const BPF_JSGT: u8 = 0x60;
/// signed `>=`
pub const BPF_JSGE: u8 = 0x70;
/// Function call.
pub const BPF_CALL: u8 = 0x80;
/// Function return.
pub const BPF_EXIT: u8 = 0x90;
/// unsigned `<`
pub const BPF_JLT: u8 = 0xa0;
/// unsigned `<=`
pub const BPF_JLE: u8 = 0xb0;
/// signed `<`
pub const BPF_JSLT: u8 = 0xc0;
/// signed `<=`
pub const BPF_JSLE: u8 = 0xd0;
/// Conditional pseudo-jump (`may_goto`).
pub const BPF_JCOND: u8 = 0xe0;
/// `BPF_JCOND` condition in `src_reg`: `may_goto`.
pub const BPF_MAY_GOTO: u8 = 0;

// ---- source operand ----
/// Source: the immediate.
pub const BPF_K: u8 = 0x00;
/// Source: `src_reg`.
pub const BPF_X: u8 = 0x08;

// ---- atomic operations (in imm) ----
/// Atomic modifier: return the old value.
pub const BPF_FETCH: i32 = 0x01;
/// Atomic exchange.
pub const BPF_XCHG: i32 = 0xe0 | BPF_FETCH;
/// Atomic compare-and-exchange (compares with r0).
pub const BPF_CMPXCHG: i32 = 0xf0 | BPF_FETCH;
/// Load-acquire (v6.15+).
pub const BPF_LOAD_ACQ: i32 = 0x100;
/// Store-release (v6.15+).
pub const BPF_STORE_REL: i32 = 0x110;

// ---- pseudo sources of ld_imm64 (src_reg) ----
/// `imm` is a map fd; the verifier turns it into the map pointer.
pub const BPF_PSEUDO_MAP_FD: u8 = 1;
/// `imm` is an index into `fd_array` naming a map.
pub const BPF_PSEUDO_MAP_IDX: u8 = 5;
/// `imm` is a map fd, the second `imm` an offset into its value.
pub const BPF_PSEUDO_MAP_VALUE: u8 = 2;
/// `imm` is an `fd_array` index, the second `imm` an offset into its value.
pub const BPF_PSEUDO_MAP_IDX_VALUE: u8 = 6;
/// `imm` is a BTF id of a kernel variable.
pub const BPF_PSEUDO_BTF_ID: u8 = 3;
/// `imm` is the relative offset of a subprogram (a callback address).
pub const BPF_PSEUDO_FUNC: u8 = 4;
/// `call` src_reg: a bpf-to-bpf call, `imm` the relative insn offset.
pub const BPF_PSEUDO_CALL: u8 = 1;
/// `call` src_reg: a kfunc call, `imm` its BTF id.
pub const BPF_PSEUDO_KFUNC_CALL: u8 = 2;
/// `mov` off: `addr_space_cast`.
pub const BPF_ADDR_SPACE_CAST: i16 = 1;

// ---- kernel-internal opcodes (linux/filter.h), seen in xlated programs ----
/// `BPF_JMP | BPF_TAIL_CALL`: the rewritten `bpf_tail_call` helper call.
pub const BPF_TAIL_CALL: u8 = 0xf0;
/// `BPF_JMP | BPF_CALL_ARGS`: a bpf-to-bpf call for the interpreter.
pub const BPF_CALL_ARGS: u8 = 0xe0;
/// `BPF_ST | BPF_NOSPEC`: speculation barrier.
pub const BPF_NOSPEC: u8 = 0xc0;
/// `BPF_LDX` mode of a faulting-allowed load (`PTR_TO_BTF_ID`).
pub const BPF_PROBE_MEM: u8 = 0x20;
/// `BPF_LDX` mode of a faulting-allowed sign-extending load.
pub const BPF_PROBE_MEMSX: u8 = 0x40;
/// Mode of an arena access.
pub const BPF_PROBE_MEM32: u8 = 0xa0;

// ---- registers and limits ----
/// Number of eBPF registers, r0..r10.
pub const MAX_BPF_REG: usize = 11;
/// Registers including the internal auxiliary register `BPF_REG_AX`.
pub const MAX_BPF_EXT_REG: usize = 12;
/// r0: return value.
pub const BPF_REG_0: u8 = 0;
/// r1: first argument.
pub const BPF_REG_1: u8 = 1;
/// r2
pub const BPF_REG_2: u8 = 2;
/// r3
pub const BPF_REG_3: u8 = 3;
/// r4
pub const BPF_REG_4: u8 = 4;
/// r5: fifth argument.
pub const BPF_REG_5: u8 = 5;
/// r6: callee saved.
pub const BPF_REG_6: u8 = 6;
/// r7
pub const BPF_REG_7: u8 = 7;
/// r8
pub const BPF_REG_8: u8 = 8;
/// r9
pub const BPF_REG_9: u8 = 9;
/// r10: read-only frame pointer.
pub const BPF_REG_10: u8 = 10;
/// The frame pointer.
pub const BPF_REG_FP: u8 = BPF_REG_10;
/// Internal scratch register used by constant blinding and rewrites.
pub const BPF_REG_AX: u8 = 11;
/// Stack size of one frame.
pub const MAX_BPF_STACK: u32 = 512;
/// Instruction limit of a program loaded without `CAP_BPF`.
pub const BPF_MAXINSNS: u32 = 4096;
/// Instruction and processed-instruction limit of a privileged program.
pub const BPF_COMPLEXITY_LIMIT_INSNS: u32 = 1_000_000;
/// Tail calls allowed in one chain.
pub const MAX_TAIL_CALL_CNT: u32 = 33;
/// Nested bpf-to-bpf call frames.
pub const MAX_CALL_FRAMES: usize = 8;
/// Length of program and map names, NUL included.
pub const BPF_OBJ_NAME_LEN: usize = 16;
/// Size of a program tag.
pub const BPF_TAG_SIZE: usize = 8;

/// The class bits of an opcode (`BPF_CLASS()`).
#[inline]
pub const fn bpf_class(code: u8) -> u8 {
    code & 0x07
}
/// The size bits of a load/store opcode (`BPF_SIZE()`).
#[inline]
pub const fn bpf_size(code: u8) -> u8 {
    code & 0x18
}
/// The mode bits of a load/store opcode (`BPF_MODE()`).
#[inline]
pub const fn bpf_mode(code: u8) -> u8 {
    code & 0xe0
}
/// The operation bits of an ALU or jump opcode (`BPF_OP()`).
#[inline]
pub const fn bpf_op(code: u8) -> u8 {
    code & 0xf0
}
/// The source bit of an ALU or jump opcode (`BPF_SRC()`).
#[inline]
pub const fn bpf_src(code: u8) -> u8 {
    code & 0x08
}
/// Bytes accessed by a load/store size (`bpf_size_to_bytes()`).
#[inline]
pub const fn bpf_size_to_bytes(size: u8) -> u32 {
    match size {
        BPF_B => 1,
        BPF_H => 2,
        BPF_W => 4,
        _ => 8,
    }
}
/// The load/store size for a byte count, or `None` (`bytes_to_bpf_size()`).
#[inline]
pub const fn bytes_to_bpf_size(bytes: u32) -> Option<u8> {
    match bytes {
        1 => Some(BPF_B),
        2 => Some(BPF_H),
        4 => Some(BPF_W),
        8 => Some(BPF_DW),
        _ => None,
    }
}

impl BpfInsn {
    /// An instruction from its five fields. Registers are masked to 4 bits.
    #[inline]
    pub const fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Self {
        BpfInsn { code, regs: (dst & 0x0f) | ((src & 0x0f) << 4), off, imm }
    }
    /// Destination register (low nibble).
    #[inline]
    pub const fn dst_reg(&self) -> u8 {
        self.regs & 0x0f
    }
    /// Source register (high nibble).
    #[inline]
    pub const fn src_reg(&self) -> u8 {
        self.regs >> 4
    }
    /// Sets the destination register.
    #[inline]
    pub fn set_dst_reg(&mut self, r: u8) {
        self.regs = (self.regs & 0xf0) | (r & 0x0f);
    }
    /// Sets the source register.
    #[inline]
    pub fn set_src_reg(&mut self, r: u8) {
        self.regs = (self.regs & 0x0f) | ((r & 0x0f) << 4);
    }
    /// The eight little-endian bytes of the instruction.
    #[inline]
    pub const fn to_bytes(&self) -> [u8; 8] {
        let o = self.off.to_le_bytes();
        let i = self.imm.to_le_bytes();
        [self.code, self.regs, o[0], o[1], i[0], i[1], i[2], i[3]]
    }
    /// Decodes eight little-endian bytes.
    #[inline]
    pub const fn from_bytes(b: [u8; 8]) -> Self {
        BpfInsn {
            code: b[0],
            regs: b[1],
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
    /// The instruction as the 64-bit little-endian integer of its bytes
    /// (the form of the conformance suite's `-- raw` sections).
    #[inline]
    pub const fn to_u64(&self) -> u64 {
        u64::from_le_bytes(self.to_bytes())
    }
    /// Inverse of [`BpfInsn::to_u64`].
    #[inline]
    pub const fn from_u64(v: u64) -> Self {
        Self::from_bytes(v.to_le_bytes())
    }
    /// Is this the first slot of an `ld_imm64` (`BPF_LD | BPF_IMM | BPF_DW`)?
    #[inline]
    pub const fn is_ld_imm64(&self) -> bool {
        self.code == BPF_LD | BPF_IMM | BPF_DW
    }
    /// Is this a bpf-to-bpf call (`bpf_pseudo_call()`)?
    #[inline]
    pub const fn is_pseudo_call(&self) -> bool {
        self.code == BPF_JMP | BPF_CALL && self.src_reg() == BPF_PSEUDO_CALL
    }
    /// Is this a helper call (`bpf_helper_call()`)?
    #[inline]
    pub const fn is_helper_call(&self) -> bool {
        self.code == BPF_JMP | BPF_CALL && self.src_reg() == 0
    }
    /// Is this a kfunc call (`bpf_pseudo_kfunc_call()`)?
    #[inline]
    pub const fn is_kfunc_call(&self) -> bool {
        self.code == BPF_JMP | BPF_CALL && self.src_reg() == BPF_PSEUDO_KFUNC_CALL
    }

    // ---- constructors named after the linux/filter.h macros ----

    /// `BPF_ALU64_REG(op, dst, src)`
    pub const fn alu64_reg(op: u8, dst: u8, src: u8) -> Self {
        Self::new(BPF_ALU64 | op | BPF_X, dst, src, 0, 0)
    }
    /// `BPF_ALU32_REG(op, dst, src)`
    pub const fn alu32_reg(op: u8, dst: u8, src: u8) -> Self {
        Self::new(BPF_ALU | op | BPF_X, dst, src, 0, 0)
    }
    /// `BPF_ALU64_IMM(op, dst, imm)`
    pub const fn alu64_imm(op: u8, dst: u8, imm: i32) -> Self {
        Self::new(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm)
    }
    /// `BPF_ALU32_IMM(op, dst, imm)`
    pub const fn alu32_imm(op: u8, dst: u8, imm: i32) -> Self {
        Self::new(BPF_ALU | op | BPF_K, dst, 0, 0, imm)
    }
    /// `BPF_MOV64_REG(dst, src)`
    pub const fn mov64_reg(dst: u8, src: u8) -> Self {
        Self::alu64_reg(BPF_MOV, dst, src)
    }
    /// `BPF_MOV32_REG(dst, src)`
    pub const fn mov32_reg(dst: u8, src: u8) -> Self {
        Self::alu32_reg(BPF_MOV, dst, src)
    }
    /// `BPF_MOV64_IMM(dst, imm)`
    pub const fn mov64_imm(dst: u8, imm: i32) -> Self {
        Self::alu64_imm(BPF_MOV, dst, imm)
    }
    /// `BPF_MOV32_IMM(dst, imm)`
    pub const fn mov32_imm(dst: u8, imm: i32) -> Self {
        Self::alu32_imm(BPF_MOV, dst, imm)
    }
    /// `BPF_LD_IMM64_RAW(dst, src, imm)`: the two slots of an `ld_imm64`.
    pub const fn ld_imm64_raw(dst: u8, src: u8, imm: u64) -> [Self; 2] {
        [
            Self::new(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, imm as u32 as i32),
            Self::new(0, 0, 0, 0, (imm >> 32) as u32 as i32),
        ]
    }
    /// `BPF_LD_IMM64(dst, imm)`
    pub const fn ld_imm64(dst: u8, imm: u64) -> [Self; 2] {
        Self::ld_imm64_raw(dst, 0, imm)
    }
    /// `BPF_LD_MAP_FD(dst, fd)`
    pub const fn ld_map_fd(dst: u8, fd: i32) -> [Self; 2] {
        Self::ld_imm64_raw(dst, BPF_PSEUDO_MAP_FD, fd as u32 as u64)
    }
    /// `BPF_LDX_MEM(size, dst, src, off)`
    pub const fn ldx_mem(size: u8, dst: u8, src: u8, off: i16) -> Self {
        Self::new(BPF_LDX | size | BPF_MEM, dst, src, off, 0)
    }
    /// `BPF_LDX_MEMSX(size, dst, src, off)`
    pub const fn ldx_memsx(size: u8, dst: u8, src: u8, off: i16) -> Self {
        Self::new(BPF_LDX | size | BPF_MEMSX, dst, src, off, 0)
    }
    /// `BPF_STX_MEM(size, dst, src, off)`
    pub const fn stx_mem(size: u8, dst: u8, src: u8, off: i16) -> Self {
        Self::new(BPF_STX | size | BPF_MEM, dst, src, off, 0)
    }
    /// `BPF_ST_MEM(size, dst, off, imm)`
    pub const fn st_mem(size: u8, dst: u8, off: i16, imm: i32) -> Self {
        Self::new(BPF_ST | size | BPF_MEM, dst, 0, off, imm)
    }
    /// `BPF_ST_NOSPEC()`: the speculation barrier the verifier inserts
    /// (`BPF_ST | BPF_NOSPEC`, no operands).
    pub const fn st_nospec() -> Self {
        Self::new(BPF_ST | BPF_NOSPEC, 0, 0, 0, 0)
    }
    /// `BPF_ATOMIC_OP(size, op, dst, src, off)`
    pub const fn atomic_op(size: u8, op: i32, dst: u8, src: u8, off: i16) -> Self {
        Self::new(BPF_STX | size | BPF_ATOMIC, dst, src, off, op)
    }
    /// `BPF_JMP_REG(op, dst, src, off)`
    pub const fn jmp_reg(op: u8, dst: u8, src: u8, off: i16) -> Self {
        Self::new(BPF_JMP | op | BPF_X, dst, src, off, 0)
    }
    /// `BPF_JMP_IMM(op, dst, imm, off)`
    pub const fn jmp_imm(op: u8, dst: u8, imm: i32, off: i16) -> Self {
        Self::new(BPF_JMP | op | BPF_K, dst, 0, off, imm)
    }
    /// `BPF_JMP32_REG(op, dst, src, off)`
    pub const fn jmp32_reg(op: u8, dst: u8, src: u8, off: i16) -> Self {
        Self::new(BPF_JMP32 | op | BPF_X, dst, src, off, 0)
    }
    /// `BPF_JMP32_IMM(op, dst, imm, off)`
    pub const fn jmp32_imm(op: u8, dst: u8, imm: i32, off: i16) -> Self {
        Self::new(BPF_JMP32 | op | BPF_K, dst, 0, off, imm)
    }
    /// `BPF_JMP_A(off)`
    pub const fn ja(off: i16) -> Self {
        Self::new(BPF_JMP | BPF_JA, 0, 0, off, 0)
    }
    /// `BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, func)`: a helper call.
    pub const fn call_helper(func: i32) -> Self {
        Self::new(BPF_JMP | BPF_CALL, 0, 0, 0, func)
    }
    /// A bpf-to-bpf call `imm` instructions after the next one.
    pub const fn call_rel(imm: i32) -> Self {
        Self::new(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm)
    }
    /// `BPF_EXIT_INSN()`
    pub const fn exit() -> Self {
        Self::new(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
    }
}

impl std::fmt::Debug for BpfInsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BpfInsn {{ code: {:#04x}, dst: {}, src: {}, off: {}, imm: {} }}",
            self.code,
            self.dst_reg(),
            self.src_reg(),
            self.off,
            self.imm
        )
    }
}

/// Decodes a byte buffer into instructions; the length must be a multiple of 8.
pub fn insns_from_bytes(bytes: &[u8]) -> Option<Vec<BpfInsn>> {
    if bytes.len() % 8 != 0 {
        return None;
    }
    Some(bytes.chunks_exact(8).map(|c| BpfInsn::from_bytes(c.try_into().expect("chunk of 8"))).collect())
}

/// Encodes instructions as their little-endian bytes.
pub fn insns_to_bytes(insns: &[BpfInsn]) -> Vec<u8> {
    insns.iter().flat_map(|i| i.to_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitfields_match_c_layout() {
        // r0 = r1 in ALU64: dst in the low nibble, src in the high one.
        let i = BpfInsn::mov64_reg(0, 1);
        assert_eq!(i.to_bytes(), [0xbf, 0x10, 0, 0, 0, 0, 0, 0]);
        assert_eq!(i.dst_reg(), 0);
        assert_eq!(i.src_reg(), 1);
        let j = BpfInsn::from_u64(0x0000002a000000b7);
        assert_eq!(j, BpfInsn::mov64_imm(0, 42));
        assert_eq!(j.to_u64(), 0x0000002a000000b7);
    }

    #[test]
    fn ld_imm64_splits_halves() {
        let [a, b] = BpfInsn::ld_imm64(3, 0x1122_3344_5566_7788);
        assert_eq!(a.imm as u32, 0x5566_7788);
        assert_eq!(b.imm as u32, 0x1122_3344);
        assert!(a.is_ld_imm64());
        assert_eq!(b.code, 0);
    }

    #[test]
    fn bytes_round_trip() {
        let p = [BpfInsn::mov64_imm(0, -1), BpfInsn::exit()];
        assert_eq!(insns_from_bytes(&insns_to_bytes(&p)).unwrap(), p);
        assert!(insns_from_bytes(&[0; 7]).is_none());
    }
}

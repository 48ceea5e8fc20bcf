//! Property tests.
//!
//! - The checked mode never panics, whatever it is given: random words as
//!   instructions, and random instructions made of real opcodes (which get
//!   further than random words). It returns a value or an error.
//! - The checked mode, the fast mode and `INTERPRETERS[]` agree on random
//!   programs that are valid by construction: every register written
//!   before it is read, stack accesses inside the 512 bytes, forward jumps
//!   and loops with a counter, helper calls.

mod common;

use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size};
use bpf_core::uapi::*;
use bpf_interp::*;
use common::{AlignedMem, TEST_HELPERS};
use proptest::prelude::*;
use std::ffi::c_void;

type I = BpfInsn;

/// Gives every `ld_imm64` its second slot and, when `tame`, points every
/// jump inside the program, so more random programs get past the static
/// checks and into the run.
fn complete(insns: Vec<BpfInsn>, tame: bool) -> Vec<BpfInsn> {
    let mut out = Vec::with_capacity(insns.len() + 4);
    for i in insns {
        out.push(i);
        if i.is_ld_imm64() {
            out.push(I::new(0, 0, 0, 0, i.imm.rotate_left(7)));
        }
    }
    if tame {
        let len = out.len() as i64;
        for k in 0..out.len() {
            let c = out[k].code;
            let jumps =
                matches!(bpf_class(c), BPF_JMP | BPF_JMP32) && !matches!(bpf_op(c), BPF_CALL | BPF_EXIT);
            if jumps && !(k > 0 && out[k - 1].is_ld_imm64()) {
                let target = (k as i64 + 1 + i64::from(out[k].off)).rem_euclid(len);
                out[k].off = (target - k as i64 - 1) as i16;
            }
        }
    }
    out
}

fn checked_cfg(mem: &mut [u8], set: InsnSet) -> RunConfig<'_> {
    RunConfig::new()
        .with_mem(mem)
        .with_helpers(HelperCalls::ById(&TEST_HELPERS))
        .with_insn_set(set)
        .with_insn_limit(20_000)
}

/// Every opcode either instruction set knows, and `call %rN`.
fn known_opcodes() -> Vec<u8> {
    (0..=255u8)
        .filter(|&c| validate::interp_opcode_known(c) || validate::bpf_opcode_in_insntable(c) || c == 0x8d)
        .collect()
}

fn random_insn() -> impl Strategy<Value = BpfInsn> {
    let codes = known_opcodes();
    (
        prop::sample::select(codes),
        prop_oneof![8 => 0u8..=9, 1 => 10u8..=11],
        prop_oneof![8 => 0u8..=10, 1 => Just(11u8)],
        prop_oneof![4 => -3i16..=3, 2 => -520i16..=-1, 1 => any::<i16>()],
        prop_oneof![
            -4i32..=70,
            Just(BPF_FETCH | BPF_ADD as i32),
            Just(BPF_CMPXCHG),
            Just(BPF_XCHG),
            any::<i32>()
        ],
    )
        .prop_map(|(code, dst, src, off, imm)| I::new(code, dst, src, off, imm))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn checked_mode_never_panics_on_random_words(words in prop::collection::vec(any::<u64>(), 0..48)) {
        let insns: Vec<BpfInsn> = words.iter().map(|&w| BpfInsn::from_u64(w)).collect();
        for set in [InsnSet::Uapi, InsnSet::Xlated] {
            let mut mem = [0u8; 64];
            let _ = run_checked(&insns, &checked_cfg(&mut mem, set));
        }
    }

    #[test]
    fn checked_mode_never_panics_on_random_insns(
        mut insns in prop::collection::vec(random_insn(), 1..48),
        exit_last in any::<bool>(),
        tame in any::<bool>(),
    ) {
        if exit_last {
            insns.push(I::exit());
        }
        let insns = complete(insns, tame);
        for set in [InsnSet::Uapi, InsnSet::Xlated] {
            for check_uninit_regs in [true, false] {
                let mut mem = [0u8; 64];
                let mut cfg = checked_cfg(&mut mem, set);
                cfg.check_uninit_regs = check_uninit_regs;
                let _ = run_checked(&insns, &cfg);
            }
        }
    }
}

// ---- valid-by-construction programs ----

/// One piece of a generated program.
#[derive(Clone, Debug)]
enum Item {
    /// An ALU instruction on r0..r8 (r9 counts loops, r10 is the stack).
    Alu(BpfInsn),
    /// `dst = imm64`.
    LdImm64(u8, u64),
    /// A load or store at `r10 + off`, inside the stack.
    Mem(BpfInsn),
    /// Skip the next `n` items if the condition holds.
    Jump(BpfInsn, usize),
    /// `r9 = n; body; r9 -= 1; if r9 != 0 goto body`.
    Loop(u8, Vec<Item>),
    /// A helper call, then r1..r5 written again (a call clobbers them).
    Call(i32, [i32; 5]),
}

fn alu_insn() -> impl Strategy<Value = BpfInsn> {
    let ops = [
        BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV,
        BPF_ARSH,
    ];
    let plain = (
        prop::sample::select(ops.to_vec()),
        any::<bool>(),
        any::<bool>(),
        0u8..=8,
        0u8..=9,
        any::<i32>(),
        any::<bool>(),
    )
        .prop_map(|(op, is64, reg, dst, src, imm, signed)| {
            let class = if is64 { BPF_ALU64 } else { BPF_ALU };
            let off = i16::from(signed && matches!(op, BPF_DIV | BPF_MOD));
            let imm = if reg {
                0
            } else if imm % 4 == 0 {
                imm % 70
            } else {
                imm
            };
            if reg {
                I::new(class | op | BPF_X, dst, src, off, 0)
            } else {
                I::new(class | op | BPF_K, dst, 0, off, imm)
            }
        });
    let special = (0u8..=8, 0u8..=9, 0usize..11).prop_map(|(dst, src, k)| match k {
        0 => I::new(BPF_ALU64 | BPF_NEG, dst, 0, 0, 0),
        1 => I::new(BPF_ALU | BPF_NEG, dst, 0, 0, 0),
        2 => I::new(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 8, 0),
        3 => I::new(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 16, 0),
        4 => I::new(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 32, 0),
        5 => I::new(BPF_ALU | BPF_MOV | BPF_X, dst, src, 8, 0),
        6 => I::new(BPF_ALU | BPF_MOV | BPF_X, dst, src, 16, 0),
        7 => I::new(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, [16, 32, 64][usize::from(src) % 3]),
        8 => I::new(BPF_ALU | BPF_END | BPF_TO_LE, dst, 0, 0, [16, 32, 64][usize::from(src) % 3]),
        _ => I::new(BPF_ALU64 | BPF_END | BPF_TO_LE, dst, 0, 0, [16, 32, 64][usize::from(src) % 3]),
    });
    prop_oneof![4 => plain, 1 => special]
}

fn mem_insn() -> impl Strategy<Value = BpfInsn> {
    let sizes = [BPF_B, BPF_H, BPF_W, BPF_DW];
    (prop::sample::select(sizes.to_vec()), 0usize..6, 0u8..=8, 0u8..=9, 1i16..=64, any::<i32>()).prop_map(
        |(size, kind, dst, src, slot, imm)| {
            let bytes = bpf_size_to_bytes(size) as i16;
            // Inside the 8-byte slot `slot` below r10, at any alignment.
            let off = -(slot * 8) + (imm.unsigned_abs() % (9 - bytes as u32)) as i16;
            let aligned = -(slot * 8);
            match kind {
                0 => I::ldx_mem(size, dst, 10, off),
                1 if size != BPF_DW => I::ldx_memsx(size, dst, 10, off),
                2 => I::stx_mem(size, 10, src, off),
                3 => I::st_mem(size, 10, off, imm),
                _ => {
                    let size = if size == BPF_DW { BPF_DW } else { BPF_W };
                    let ops = [
                        BPF_ADD as i32,
                        BPF_OR as i32,
                        BPF_AND as i32,
                        BPF_XOR as i32,
                        BPF_ADD as i32 | BPF_FETCH,
                        BPF_OR as i32 | BPF_FETCH,
                        BPF_AND as i32 | BPF_FETCH,
                        BPF_XOR as i32 | BPF_FETCH,
                        BPF_XCHG,
                        BPF_CMPXCHG,
                    ];
                    // The fetching ones write src: keep r9 and r10 out.
                    I::atomic_op(size, ops[imm.unsigned_abs() as usize % ops.len()], 10, src.min(8), aligned)
                }
            }
        },
    )
}

fn jump_insn() -> impl Strategy<Value = (BpfInsn, usize)> {
    let ops = [
        BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSET, BPF_JSGT, BPF_JSGE, BPF_JSLT,
        BPF_JSLE,
    ];
    (prop::sample::select(ops.to_vec()), any::<bool>(), any::<bool>(), 0u8..=9, 0u8..=9, -3i32..=3, 1usize..4)
        .prop_map(|(op, is64, reg, dst, src, imm, skip)| {
            let class = if is64 { BPF_JMP } else { BPF_JMP32 };
            let insn = if reg {
                I::new(class | op | BPF_X, dst, src, 0, 0)
            } else {
                I::new(class | op | BPF_K, dst, 0, 0, imm)
            };
            (insn, skip)
        })
}

fn straight_item() -> impl Strategy<Value = Item> {
    prop_oneof![
        4 => alu_insn().prop_map(Item::Alu),
        1 => (0u8..=8, any::<u64>()).prop_map(|(d, v)| Item::LdImm64(d, v)),
        3 => mem_insn().prop_map(Item::Mem),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        8 => straight_item(),
        2 => jump_insn().prop_map(|(j, n)| Item::Jump(j, n)),
        1 => (1u8..=5, prop::collection::vec(straight_item(), 1..6)).prop_map(|(n, body)| Item::Loop(n, body)),
        1 => (prop::sample::select(vec![5, 6]), any::<[i32; 5]>()).prop_map(|(id, r)| Item::Call(id, r)),
    ]
}

fn emit(item: &Item, out: &mut Vec<BpfInsn>) {
    match item {
        Item::Alu(i) | Item::Mem(i) => out.push(*i),
        Item::LdImm64(d, v) => out.extend(I::ld_imm64(*d, *v)),
        Item::Jump(..) => unreachable!("jumps are placed by `build`"),
        Item::Loop(n, body) => {
            out.push(I::mov64_imm(9, i32::from(*n)));
            let start = out.len();
            for b in body {
                emit(b, out);
            }
            out.push(I::alu64_imm(BPF_SUB, 9, 1));
            let back = start as i64 - out.len() as i64 - 1;
            out.push(I::jmp_imm(BPF_JNE, 9, 0, back as i16));
        }
        Item::Call(id, regs) => {
            out.push(I::call_helper(*id));
            for (k, v) in regs.iter().enumerate() {
                out.push(I::mov64_imm(k as u8 + 1, *v));
            }
        }
    }
}

/// Lays the items out; a jump skips the `n` items after it (or to the end).
fn build(init: &[i32; 10], items: &[Item]) -> Vec<BpfInsn> {
    let mut out: Vec<BpfInsn> = init.iter().enumerate().map(|(r, &v)| I::mov64_imm(r as u8, v)).collect();
    // Item start positions, then the jumps' targets.
    let mut starts = Vec::new();
    let mut jumps = Vec::new();
    for (k, it) in items.iter().enumerate() {
        starts.push(out.len());
        if let Item::Jump(j, n) = it {
            jumps.push((out.len(), k + 1 + n));
            out.push(*j);
        } else {
            emit(it, &mut out);
        }
    }
    starts.push(out.len());
    for (at, to) in jumps {
        let target = starts[to.min(items.len())];
        out[at].off = (target as i64 - at as i64 - 1) as i16;
    }
    // Fold some of the stack into r0, so stores show in the result.
    out.extend([
        I::ldx_mem(BPF_DW, 1, 10, -8),
        I::alu64_reg(BPF_XOR, 0, 1),
        I::ldx_mem(BPF_DW, 1, 10, -256),
        I::alu64_reg(BPF_ADD, 0, 1),
        I::ldx_mem(BPF_DW, 1, 10, -512),
        I::alu64_reg(BPF_XOR, 0, 1),
        I::exit(),
    ]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn checked_fast_and_interpreters_agree(init in any::<[i32; 10]>(), items in prop::collection::vec(item(), 0..40)) {
        let prog = build(&init, &items);
        let mut a = AlignedMem::new(&[0; 16]);
        let checked = run_checked(&prog, &checked_cfg(a.bytes(), InsnSet::Uapi).with_insn_limit(DEFAULT_INSN_LIMIT));
        prop_assert!(checked.is_ok(), "checked mode refused a valid program: {:?}\n{:?}", checked, prog);
        let mut b = AlignedMem::new(&[0; 16]);
        // SAFETY: the program is valid by construction (all accesses on
        // the stack inside 512 bytes, bounded loops, forward jumps), and
        // the checked mode just ran it without a fault.
        let fast = unsafe { run_fast(&prog, &checked_cfg(b.bytes(), InsnSet::Uapi)) };
        prop_assert_eq!(&checked, &fast);
        // The kernel's path: helper ids become BPF_CALL_IMM, as
        // do_misc_fixups rewrites them.
        let mut xlated = prog.clone();
        for insn in &mut xlated {
            if insn.is_helper_call() {
                let h = TEST_HELPERS.iter().find(|h| h.id as i32 == insn.imm).expect("test helper");
                insn.imm = h.call_imm().expect("helper within 2 GiB");
            }
        }
        let mut p = bpf_prog_alloc(bpf_prog_size(xlated.len() as u32), 1, false, false);
        p.set_insns(xlated);
        let mut c = AlignedMem::new(&[0; 16]);
        let kernel = INTERPRETERS[15](c.bytes().as_mut_ptr() as *const c_void, &p);
        prop_assert_eq!(checked.unwrap(), kernel);
    }
}

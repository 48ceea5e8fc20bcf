//! The kernel's shape: `interpreters[]` by stack depth, helper calls by
//! `BPF_CALL_IMM`, `BPF_CALL_ARGS` after `bpf_patch_call_args`, tail calls
//! through a prog array with `MAX_TAIL_CALL_CNT`, `LD_ABS`/`LD_IND` on a
//! socket buffer, map values and memory returned by helpers.

mod common;

use bpf_core::ctx::SkBuff;
use bpf_core::prog::{BpfFunc, BpfProg};
use bpf_core::uapi::*;
use bpf_interp::*;
use common::*;
use std::ffi::c_void;
use std::sync::Arc;

type I = BpfInsn;

fn run_kernel(prog: &BpfProg, ctx: *mut u8) -> u64 {
    match interpreter_for_stack_depth(prog.aux.stack_depth) {
        BpfFunc::Interpreter { run, .. } => run(ctx as *const c_void, prog),
        other => panic!("no interpreter: {other:?}"),
    }
}

#[test]
fn interpreters_are_chosen_by_stack_depth() {
    let size = |d| match interpreter_for_stack_depth(d) {
        BpfFunc::Interpreter { stack_size, run } => {
            assert_eq!(run as usize, INTERPRETERS[stack_size as usize / 32 - 1] as usize);
            stack_size
        }
        BpfFunc::Ret0Warn => 0,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        [size(0), size(1), size(32), size(33), size(480), size(511), size(512)],
        [32, 32, 32, 64, 480, 512, 512]
    );
    assert_eq!(size(513), 0);
    assert_eq!(stack_index(0), Some(0));
    assert_eq!(stack_index(513), None);
    // Each variant really provides its stack: the deepest slot is usable.
    for idx in 0..16 {
        let depth = (idx as i16 + 1) * 32;
        let p = prog(
            p![I::st_mem(BPF_DW, 10, -depth, 40 + idx), I::ldx_mem(BPF_DW, 0, 10, -depth), I::exit()],
            depth as u32,
            vec![],
        );
        assert_eq!(run_kernel(&p, std::ptr::null_mut()), 40 + idx as u64);
    }
    let p = prog(p![I::mov64_imm(0, 1), I::exit()], 0, vec![]);
    assert_eq!(__bpf_prog_ret0_warn(std::ptr::null(), &p), 0);
}

#[test]
fn helper_calls_by_call_imm() {
    // The imm comes from the same table the checked mode searches, as
    // do_misc_fixups takes it from the helper's proto.
    let imm = TEST_HELPERS[2].call_imm().unwrap();
    let insns = p![
        I::mov64_imm(1, 1),
        I::mov64_imm(2, 2),
        I::mov64_imm(3, 3),
        I::mov64_imm(4, 4),
        I::mov64_imm(5, 5),
        I::call_helper(imm),
        I::exit()
    ];
    let p = prog(insns.clone(), 0, vec![]);
    assert_eq!(run_kernel(&p, std::ptr::null_mut()), 15);
    let cfg = RunConfig::for_prog(&p).with_helpers(HelperCalls::CallImm(&TEST_HELPERS));
    assert_eq!(run_checked(&insns, &cfg), Ok(15));
    // An imm that names no known helper stops the checked mode.
    let mut bad = insns.clone();
    bad[5].imm = imm.wrapping_add(1);
    let err = run_checked(&bad, &cfg).unwrap_err();
    assert_eq!((err.insn, err.kind), (5, InterpErrorKind::UnknownHelper { imm: imm.wrapping_add(1) }));
}

#[test]
fn call_args_after_bpf_patch_call_args() {
    // main: r1 = 20; call f; r0 += 1; exit.  f: *(fp-8) = r1; r0 = *(fp-8) * 2; exit.
    let mut insns = p![
        I::mov64_imm(1, 20),
        I::call_rel(2),
        I::alu64_imm(BPF_ADD, 0, 1),
        I::exit(),
        I::stx_mem(BPF_DW, 10, 1, -8),
        I::ldx_mem(BPF_DW, 0, 10, -8),
        I::alu64_imm(BPF_MUL, 0, 2),
        I::exit()
    ];
    bpf_patch_call_args(&mut insns[1], 8);
    assert_eq!(insns[1], I::new(BPF_JMP | BPF_CALL_ARGS, 0, BPF_PSEUDO_CALL, 2, 8));
    let p = prog(insns.clone(), 0, vec![]);
    assert_eq!(run_kernel(&p, std::ptr::null_mut()), 41);
    let cfg = RunConfig::for_prog(&p);
    assert_eq!(run_checked(&insns, &cfg), Ok(41));
    // The checked mode holds the callee to its verified depth of 8 bytes.
    let mut deeper = insns.clone();
    deeper[4].off = -16;
    deeper[5].off = -16;
    let err = run_checked(&deeper, &cfg).unwrap_err();
    assert_eq!((err.insn, err.frame), (4, 1));
    assert!(matches!(err.kind, InterpErrorKind::BadAccess { size: 8, access: Access::Write, .. }), "{err}");
}

/// `r6 = r1; r2 = map; r3 = index; tail_call; r0 = 1; exit`.
fn tail_caller(map: &Arc<bpf_core::maps::BpfMap>, index: i32) -> Vec<BpfInsn> {
    p![
        I::mov64_reg(6, 1),
        I::ld_imm64_raw(2, BPF_PSEUDO_MAP_FD, Arc::as_ptr(map) as u64),
        I::mov64_imm(3, index),
        I::new(BPF_JMP | BPF_TAIL_CALL, 0, 0, 0, 0),
        I::mov64_imm(0, 1),
        I::exit()
    ]
}

#[test]
fn tail_calls() {
    let target = prog(p![I::mov64_imm(0, 42), I::exit()], 0, vec![]);
    let map = prog_array(4, vec![Some(target), None]);
    for (index, want) in [(0, 42), (1, 1), (3, 1), (4, 1), (-1, 1)] {
        let caller = prog(tail_caller(&map, index), 512, vec![map.clone()]);
        assert_eq!(run_kernel(&caller, std::ptr::null_mut()), want, "index {index}");
        let cfg = RunConfig::for_prog(&caller);
        assert_eq!(run_checked(caller.insns(), &cfg), Ok(want), "checked, index {index}");
    }
}

#[test]
fn tail_call_chain_stops_at_max_tail_call_cnt() {
    // Each run increments the u64 at ctx and tail-calls itself (slot 0).
    let map = prog_array(1, vec![]);
    let mut insns = p![I::ldx_mem(BPF_DW, 2, 1, 0), I::alu64_imm(BPF_ADD, 2, 1), I::stx_mem(BPF_DW, 1, 2, 0)];
    insns.extend(tail_caller(&map, 0));
    // Fell through: return the count.
    let n = insns.len();
    insns[n - 2] = I::ldx_mem(BPF_DW, 0, 6, 0);
    let looping = prog(insns.clone(), 512, vec![map.clone()]);
    downcast_prog_array(&map).slots.lock().unwrap().push(Some(looping.clone()));
    let mut counter = [0u8; 8];
    assert_eq!(run_kernel(&looping, counter.as_mut_ptr()), 1 + u64::from(MAX_TAIL_CALL_CNT));
    let mut counter = [0u8; 8];
    let cfg = RunConfig::for_prog(&looping).with_ctx_mem(&mut counter);
    assert_eq!(run_checked(&insns, &cfg), Ok(34));
    // Break the cycle so the programs can be freed.
    downcast_prog_array(&map).slots.lock().unwrap().clear();
}

fn downcast_prog_array(map: &bpf_core::maps::BpfMap) -> &TestProgArray {
    // The ops of `prog_array()` are a TestProgArray; reach them through the
    // raw pointer of the trait object.
    // SAFETY: `prog_array` boxes a `TestProgArray` as the map's ops.
    unsafe { &*(&*map.ops as *const dyn bpf_core::maps::BpfMapOps as *const TestProgArray) }
}

#[test]
fn tail_call_through_a_non_map_stops_the_checked_mode() {
    let map = prog_array(1, vec![]);
    let mut insns = tail_caller(&map, 0);
    insns[1].imm = 0x1000;
    insns[2].imm = 0;
    let p = prog(insns.clone(), 512, vec![map]);
    let err = run_checked(&insns, &RunConfig::for_prog(&p)).unwrap_err();
    assert_eq!((err.insn, err.kind), (4, InterpErrorKind::BadTailCallMap { value: 0x1000 }));
}

fn skb_buf() -> Vec<u8> {
    // 14-byte Ethernet header (type 0x0800), then an IPv4 header.
    let mut b = vec![0u8; 14];
    b[12] = 0x08;
    b.extend([0x45, 0x00, 0x00, 0x54, 0xaa, 0xbb, 0xcc, 0xdd, 0x40, 0x01]);
    b
}

fn run_skb_mode(insns: &[BpfInsn], fast: bool) -> Result<u64, InterpError> {
    let mut skb = SkBuff { mac_header: 0, network_header: 14, ..SkBuff::default() };
    let mut buf = skb_buf();
    let cfg = RunConfig::new().with_skb(&mut skb, &mut buf, 14);
    if fast {
        // SAFETY: `run_skb` calls this only after the checked mode ran the
        // same program on the same packet without a fault.
        unsafe { run_fast(insns, &cfg) }
    } else {
        run_checked(insns, &cfg)
    }
}

/// Checked run, then (if it succeeded) fast run.
fn run_skb(insns: &[BpfInsn]) -> (Result<u64, InterpError>, Result<u64, InterpError>) {
    let checked = run_skb_mode(insns, false);
    let fast = if checked.is_ok() { run_skb_mode(insns, true) } else { checked.clone() };
    (checked, fast)
}

#[test]
fn ld_abs_and_ld_ind() {
    let ld_abs = |size: u8, imm: i32| I::new(BPF_LD | BPF_ABS | size, 0, 0, 0, imm);
    let ld_ind = |size: u8, src: u8, imm: i32| I::new(BPF_LD | BPF_IND | size, 0, src, 0, imm);
    let cases: Vec<(&str, Vec<BpfInsn>, u64)> = vec![
        ("ld_abs b", p![I::mov64_reg(6, 1), ld_abs(BPF_B, 0), I::exit()], 0x45),
        ("ld_abs h is big-endian", p![I::mov64_reg(6, 1), ld_abs(BPF_H, 2), I::exit()], 0x0054),
        ("ld_abs w is big-endian", p![I::mov64_reg(6, 1), ld_abs(BPF_W, 4), I::exit()], 0xaabb_ccdd),
        ("ld_ind w", p![I::mov64_reg(6, 1), I::mov64_imm(7, 3), ld_ind(BPF_W, 7, 1), I::exit()], 0xaabb_ccdd),
        (
            "ld_ind with a negative register",
            p![I::mov64_reg(6, 1), I::mov64_imm(7, -2), ld_ind(BPF_B, 7, 11), I::exit()],
            0x01,
        ),
        ("ld_abs at the last byte", p![I::mov64_reg(6, 1), ld_abs(BPF_B, 9), I::exit()], 0x01),
        (
            "ld_abs past the end returns 0",
            p![I::mov64_reg(6, 1), I::mov64_imm(0, 99), ld_abs(BPF_H, 9), I::mov64_imm(0, 7), I::exit()],
            0,
        ),
        ("ld_abs SKF_NET_OFF", p![I::mov64_reg(6, 1), ld_abs(BPF_B, -0x10_0000), I::exit()], 0x45),
        (
            "ld_abs SKF_LL_OFF reads the MAC header",
            p![I::mov64_reg(6, 1), ld_abs(BPF_H, -0x20_0000 + 12), I::exit()],
            0x0800,
        ),
        (
            "ld_abs below SKF_LL_OFF returns 0",
            p![I::mov64_reg(6, 1), ld_abs(BPF_B, -0x20_0001), I::exit()],
            0,
        ),
        (
            "ld_abs clobbers r1-r5, keeps r6-r9",
            p![
                I::mov64_reg(6, 1),
                I::mov64_imm(7, 5),
                ld_abs(BPF_B, 0),
                I::alu64_reg(BPF_ADD, 0, 7),
                I::exit()
            ],
            0x4a,
        ),
    ];
    for (name, insns, want) in cases {
        let (checked, fast) = run_skb(&insns);
        assert_eq!(checked, Ok(want), "{name} (checked)");
        assert_eq!(fast, Ok(want), "{name} (fast)");
    }
    // r6 must hold the socket buffer.
    let (checked, _) = run_skb(&p![I::mov64_imm(6, 0), ld_abs(BPF_B, 0), I::exit()]);
    assert_eq!(checked.unwrap_err().kind, InterpErrorKind::LdAbsWithoutSkb { r6: 0 });
    // A rewritten program reads the SkBuff fields directly.
    let (checked, fast) =
        run_skb(&p![I::ldx_mem(BPF_W, 0, 1, std::mem::offset_of!(SkBuff, len) as i16), I::exit()]);
    assert_eq!((checked, fast), (Ok(10), Ok(10)));
    // ... and r1 reads after LD_ABS are refused (r1-r5 are clobbered).
    let (checked, _) = run_skb(&p![I::mov64_reg(6, 1), ld_abs(BPF_B, 0), I::mov64_reg(0, 3), I::exit()]);
    assert_eq!(checked.unwrap_err().kind, InterpErrorKind::UninitRegister { reg: 3 });
}

#[test]
fn map_values_and_helper_memory() {
    let array = map(BPF_MAP_TYPE_ARRAY, 4, 12, 2, Box::new(TestArray::new(12, 2)));
    let lookup = |key: i32, store_off: i16, load_off: i16| {
        p![
            I::st_mem(BPF_W, 10, -4, key),
            I::ld_imm64(1, Arc::as_ptr(&array) as u64),
            I::mov64_reg(2, 10),
            I::alu64_imm(BPF_ADD, 2, -4),
            I::call_helper(1),
            I::jmp_imm(BPF_JNE, 0, 0, 2),
            I::mov64_imm(0, -1),
            I::exit(),
            I::st_mem(BPF_W, 0, store_off, 0x5a5a),
            I::ldx_mem(BPF_W, 0, 0, load_off),
            I::exit()
        ]
    };
    let cfg = || RunConfig::new().with_helpers(HelperCalls::ById(&TEST_HELPERS)).with_map(array.clone());
    assert_eq!(run_checked(&lookup(1, 8, 8), &cfg()), Ok(0x5a5a));
    assert_eq!(run_checked(&lookup(2, 8, 8), &cfg()), Ok(u64::MAX));
    // Past the 12-byte value: refused, though the next value follows.
    let err = run_checked(&lookup(0, 12, 0), &cfg()).unwrap_err();
    assert_eq!(err.insn, 9);
    assert!(matches!(err.kind, InterpErrorKind::BadAccess { size: 4, access: Access::Write, .. }), "{err}");
    // The map pointer argument must be a map of the run.
    let err = run_checked(&lookup(1, 8, 8), &RunConfig::new().with_helpers(HelperCalls::ById(&TEST_HELPERS)))
        .unwrap_err();
    assert!(matches!(err.kind, InterpErrorKind::BadHelperArg { arg: 1, .. }), "{err}");

    // Memory a helper returns is readable for the rest of the run, not writable.
    let scratch = |tail: BpfInsn| p![I::mov64_imm(1, 1), I::call_helper(7), tail, I::exit()];
    let cfg = RunConfig::new().with_helpers(HelperCalls::ById(&TEST_HELPERS));
    assert_eq!(run_checked(&scratch(I::ldx_mem(BPF_B, 0, 0, 15)), &cfg), Ok(16));
    let err = run_checked(&scratch(I::ldx_mem(BPF_B, 0, 0, 16)), &cfg).unwrap_err();
    assert!(matches!(err.kind, InterpErrorKind::BadAccess { .. }), "{err}");
    let err = run_checked(&scratch(I::st_mem(BPF_B, 0, 0, 1)), &cfg).unwrap_err();
    assert!(
        matches!(&err.kind, InterpErrorKind::BadAccess { fault: AccessFault::ReadOnly { .. }, .. }),
        "{err}"
    );
}

#[test]
fn strict_map_values_follow_the_pointer() {
    // Two 16-byte values back to back: one byte past the first is the
    // second's first byte.
    let array = map(BPF_MAP_TYPE_ARRAY, 4, 16, 2, Box::new(TestArray::new(16, 2)));
    let prog = |key: i32, load_off: i16| {
        p![
            I::st_mem(BPF_W, 10, -4, key),
            I::ld_imm64(1, Arc::as_ptr(&array) as u64),
            I::mov64_reg(2, 10),
            I::alu64_imm(BPF_ADD, 2, -4),
            I::call_helper(1),
            I::jmp_imm(BPF_JNE, 0, 0, 2),
            I::mov64_imm(0, -1),
            I::exit(),
            I::ldx_mem(BPF_B, 0, 0, load_off),
            I::exit()
        ]
    };
    let cfg = || RunConfig::new().with_helpers(HelperCalls::ById(&TEST_HELPERS)).with_map(array.clone());
    // By default any value of the run's maps is reachable: the overrun
    // into the next element goes unnoticed.
    assert_eq!(run_checked(&prog(0, 16), &cfg()), Ok(0));
    // Strict: only the value the lookup returned.
    let strict = || cfg().with_strict_map_values();
    assert_eq!(run_checked(&prog(0, 15), &strict()), Ok(0));
    assert_eq!(run_checked(&prog(1, 0), &strict()), Ok(0));
    let err = run_checked(&prog(0, 16), &strict()).unwrap_err();
    assert_eq!(err.insn, 9);
    assert!(matches!(err.kind, InterpErrorKind::BadAccess { size: 1, access: Access::Read, .. }), "{err}");
    let err = run_checked(&prog(1, -1), &strict()).unwrap_err();
    assert!(matches!(err.kind, InterpErrorKind::BadAccess { .. }), "{err}");
    // A value never looked up is not reachable, though it is in the map.
    let base = array.ops.map_lookup_elem(&0u32.to_le_bytes()).unwrap().as_ptr() as u64;
    let direct = p![I::ld_imm64(1, base), I::ldx_mem(BPF_B, 0, 1, 0), I::exit()];
    assert_eq!(run_checked(&direct, &cfg()), Ok(0));
    assert!(matches!(run_checked(&direct, &strict()).unwrap_err().kind, InterpErrorKind::BadAccess { .. }));
    // A lookup that found nothing adds nothing; the map must vouch for
    // what the helper returned.
    assert_eq!(run_checked(&prog(2, 0), &strict()), Ok(u64::MAX));
}

//! What the checked mode refuses: a table of programs and the error each
//! must stop with (instruction, kind, and the message a user reads).

mod common;

use bpf_core::uapi::*;
use bpf_interp::*;
use common::TEST_HELPERS;

type I = BpfInsn;

struct Bad {
    name: &'static str,
    prog: Vec<BpfInsn>,
    /// Index of the faulting instruction.
    insn: usize,
    /// A piece of the error's text.
    msg: &'static str,
}

fn bad(name: &'static str, prog: Vec<BpfInsn>, insn: usize, msg: &'static str) -> Bad {
    Bad { name, prog, insn, msg }
}

/// `f(k) = k == 0 ? 0 : f(k - 1) + 1`, called with `n`: `n + 2` frames.
fn frames(n: i32) -> Vec<BpfInsn> {
    p![
        I::mov64_imm(1, n),
        I::call_rel(1),
        I::exit(),
        I::jmp_imm(BPF_JNE, 1, 0, 2),
        I::mov64_imm(0, 0),
        I::exit(),
        I::alu64_imm(BPF_SUB, 1, 1),
        I::call_rel(-5),
        I::alu64_imm(BPF_ADD, 0, 1),
        I::exit()
    ]
}

fn cases() -> Vec<Bad> {
    let m0 = I::mov64_imm(0, 0);
    let exit = I::exit();
    vec![
        bad("read below the stack", p![I::ldx_mem(BPF_DW, 0, 10, -520), exit], 0, "invalid read of 8 bytes"),
        bad(
            "write at the frame pointer",
            p![I::st_mem(BPF_B, 10, 0, 1), m0, exit],
            0,
            "invalid write of 1 bytes",
        ),
        bad(
            "write straddling the stack top",
            p![I::st_mem(BPF_DW, 10, -4, 1), m0, exit],
            0,
            "runs past the end of the stack of frame 0",
        ),
        bad("read past the memory", p![I::ldx_mem(BPF_W, 0, 1, 6), exit], 0, "runs past the end of mem"),
        bad("NULL dereference", p![m0, I::ldx_mem(BPF_B, 0, 0, 0), exit], 1, "at 0x0: not in any region"),
        bad(
            "misaligned atomic",
            p![
                I::st_mem(BPF_DW, 10, -8, 0),
                I::mov64_imm(1, 1),
                I::atomic_op(BPF_W, BPF_ADD as i32, 10, 1, -6),
                m0,
                exit
            ],
            2,
            "misaligned atomic access",
        ),
        bad(
            "atomic on a byte",
            p![I::mov64_imm(1, 1), I::atomic_op(BPF_B, BPF_ADD as i32, 10, 1, -8), m0, exit],
            1,
            "invalid atomic operand size",
        ),
        bad(
            "jump out of range",
            p![I::jmp_imm(BPF_JEQ, 1, 0, 5), m0, exit],
            0,
            "jump out of range from insn 0 to 6",
        ),
        bad("backward jump out of range", p![m0, I::ja(-3), exit], 1, "jump out of range from insn 1 to -1"),
        bad(
            "fall off the end",
            p![m0, I::jmp_imm(BPF_JEQ, 0, 0, 1), exit, m0],
            3,
            "last insn is not an exit or jmp",
        ),
        bad("9 frames", frames(7), 7, "the call stack of 9 frames is too deep"),
        bad("unknown helper", p![I::call_helper(99), exit], 0, "call to unknown helper (imm 99)"),
        bad(
            "callx to an unknown helper",
            p![I::mov64_imm(2, 98), I::new(BPF_JMP | BPF_CALL | BPF_X, 2, 0, 0, 0), exit],
            1,
            "unknown helper (imm 98)",
        ),
        bad(
            "kfunc call",
            p![I::new(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1), exit],
            0,
            "kfunc call is not supported",
        ),
        bad("uninitialised register", p![I::mov64_reg(0, 7), exit], 0, "R7 !read_ok"),
        bad("r0 unset at exit", p![exit], 0, "R0 !read_ok"),
        bad(
            "r1 after a helper call",
            p![I::mov64_imm(1, 1), I::call_helper(5), I::mov64_reg(0, 1), exit],
            2,
            "R1 !read_ok",
        ),
        bad(
            "r6 in a callee",
            p![I::mov64_imm(6, 1), I::call_rel(1), exit, I::mov64_reg(0, 6), exit],
            3,
            "R6 !read_ok",
        ),
        bad(
            "stack of a returned frame",
            p![
                I::call_rel(2),
                I::ldx_mem(BPF_DW, 0, 0, 0),
                exit,
                I::mov64_reg(0, 10),
                I::alu64_imm(BPF_ADD, 0, -8),
                exit
            ],
            1,
            "not in any region",
        ),
        bad("write to r10", p![I::mov64_imm(10, 0), exit], 0, "frame pointer is read only"),
        bad("unknown opcode", p![I::new(0x8f, 0, 0, 0, 0), exit], 0, "unknown opcode 8f"),
        bad(
            "reserved field",
            p![I::new(BPF_ALU64 | BPF_ADD | BPF_K, 0, 1, 0, 1), exit],
            0,
            "BPF_ALU uses reserved fields",
        ),
        bad("half an ld_imm64", p![I::ld_imm64(0, 1)[0], exit], 0, "invalid bpf_ld_imm64 insn"),
        bad(
            "pseudo ld_imm64 without the verifier",
            p![I::ld_map_fd(1, 3), m0, exit],
            0,
            "needs the verifier",
        ),
        bad("empty program", vec![], 0, "empty program"),
    ]
}

#[test]
fn checked_mode_refusals() {
    let mut failures = Vec::new();
    for c in cases() {
        let mut mem = [0u8; 8];
        let cfg = RunConfig::new().with_mem(&mut mem).with_helpers(HelperCalls::ById(&TEST_HELPERS));
        match run_checked(&c.prog, &cfg) {
            Ok(r0) => failures.push(format!("{}: ran to r0 = {r0:#x}", c.name)),
            Err(e) => {
                let text = e.to_string();
                if e.insn != c.insn || !text.contains(c.msg) {
                    failures.push(format!("{}: got `{text}`, want insn {} and `{}`", c.name, c.insn, c.msg));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_name_address_size_and_reason() {
    let mut mem = [0u8; 16];
    let base = mem.as_ptr() as u64;
    let cfg = RunConfig::new().with_mem(&mut mem);
    let err = run_checked(&p![I::ldx_mem(BPF_DW, 0, 1, 12), I::exit()], &cfg).unwrap_err();
    assert_eq!(err.insn, 0);
    assert_eq!(
        err.kind,
        InterpErrorKind::BadAccess {
            addr: base + 12,
            size: 8,
            access: Access::Read,
            fault: AccessFault::PastEnd { region: "mem".into(), start: base, len: 16 },
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "insn 0: invalid read of 8 bytes at {:#x}: runs past the end of mem ({base:#x}, 16 bytes)",
            base + 12
        )
    );
    assert_eq!(err.errno(), bpf_core::errno::EACCES);
}

#[test]
fn read_only_regions_and_maps() {
    let data = [1u8, 2, 3, 4];
    let cfg = RunConfig::new().with_ro_region("table", &data).with_args([data.as_ptr() as u64, 0, 0, 0, 0]);
    assert_eq!(run_checked(&p![I::ldx_mem(BPF_W, 0, 1, 0), I::exit()], &cfg), Ok(0x0403_0201));
    let err = run_checked(&p![I::st_mem(BPF_B, 1, 0, 9), I::mov64_imm(0, 0), I::exit()], &cfg).unwrap_err();
    assert_eq!(err.to_string().split(": ").last(), Some("table is read-only"));
}

#[test]
fn runaway_programs_stop_at_the_budget() {
    let cfg = RunConfig::new().with_insn_limit(1000);
    let err = run_checked(&p![I::mov64_imm(0, 0), I::ja(-1), I::exit()], &cfg).unwrap_err();
    assert_eq!(err.kind, InterpErrorKind::InsnLimit { limit: 1000 });
    assert_eq!(err.errno(), bpf_core::errno::E2BIG);
    let stats = run_checked_stats(&p![I::mov64_imm(0, 0), I::exit()], &cfg).unwrap();
    assert_eq!(stats, RunStats { r0: 0, insns: 2 });
}

#[test]
fn the_fast_mode_also_bounds_call_depth() {
    let cfg = RunConfig::new();
    // SAFETY: the program touches no memory; its recursion is what is
    // being tested, and the fast mode stops it at MAX_CALL_FRAMES.
    let err = unsafe { run_fast(&frames(7), &cfg) }.unwrap_err();
    assert_eq!(err.kind, InterpErrorKind::CallDepth { depth: 9 });
    // SAFETY: as above.
    assert_eq!(unsafe { run_fast(&frames(6), &cfg) }, Ok(6));
}

#[test]
fn a_stack_deeper_than_512_bytes_is_refused() {
    let cfg = RunConfig::new().with_stack_depth(520);
    let err = run_checked(&p![I::mov64_imm(0, 0), I::exit()], &cfg).unwrap_err();
    assert!(err.to_string().contains("stack deeper than 512 bytes"), "{err}");
}

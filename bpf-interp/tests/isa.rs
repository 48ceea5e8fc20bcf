//! The project's own ISA tests: every instruction form of RFC 9669
//! (v1-v4) and its edge cases, as programs in the kernel's notation and the
//! r0 they must return (`tests/data/isa/*.isa`, format in their headers).
//! Each case runs in the checked mode, in the fast mode, and, when it uses
//! nothing but the kernel's own instructions, through
//! `INTERPRETERS[idx](ctx, prog)` with r1 = the memory.
//!
//! The conformance suite covers the same ground from outside; these tests
//! need nothing but this repository.

mod common;

use bpf_core::asm::asm;
use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size};
use bpf_core::uapi::*;
use bpf_interp::{run_checked, run_fast, stack_index, HelperCalls, InsnSet, RunConfig, INTERPRETERS};
use common::{AlignedMem, TEST_HELPERS};
use std::ffi::c_void;
use std::path::Path;

struct Case {
    name: String,
    /// Line of `=== name` in its file.
    line: usize,
    prog: Vec<BpfInsn>,
    mem: Vec<u8>,
    want: u64,
}

/// Parses a `.isa` file into its cases.
fn parse_cases(text: &str) -> Result<Vec<Case>, String> {
    struct Open {
        name: String,
        line: usize,
        mem: Vec<u8>,
        body: String,
    }
    let mut cases = Vec::new();
    let mut open: Option<Open> = None;
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if let Some(name) = line.strip_prefix("=== ") {
            if open.is_some() {
                return Err(format!("line {n}: a case before the previous one has its `=>`"));
            }
            open =
                Some(Open { name: name.trim().to_string(), line: n, mem: Vec::new(), body: String::new() });
        } else if let Some(c) = open.as_mut() {
            if let Some(bytes) = line.strip_prefix("mem ") {
                c.mem = bytes
                    .split_whitespace()
                    .map(|b| u8::from_str_radix(b, 16).map_err(|e| format!("line {n}: mem byte `{b}`: {e}")))
                    .collect::<Result<_, _>>()?;
            } else if let Some(want) = line.strip_prefix("=> ") {
                let want = want.trim();
                let want = match want.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16),
                    None => want.parse(),
                }
                .map_err(|e| format!("line {n}: result `{want}`: {e}"))?;
                let c = open.take().expect("open case");
                let prog = asm(&c.body).map_err(|e| format!("{} (line {}): {e}", c.name, c.line))?;
                cases.push(Case { name: c.name, line: c.line, prog, mem: c.mem, want });
            } else {
                c.body.push_str(line);
                c.body.push('\n');
            }
        } else if !(line.trim().is_empty() || line.starts_with('#')) {
            return Err(format!("line {n}: text outside a case: `{line}`"));
        }
    }
    match open {
        Some(c) => Err(format!("{} (line {}): no `=>` line", c.name, c.line)),
        None => Ok(cases),
    }
}

/// Does the program use only what the kernel's interpreter runs as is (no
/// helper ids, no `may_goto`, no `LD_ABS`)?
fn kernel_runnable(prog: &[BpfInsn]) -> bool {
    !prog.iter().any(|i| {
        i.is_helper_call()
            || i.code == BPF_JMP | BPF_JCOND
            || (bpf_class(i.code) == BPF_LD && matches!(bpf_mode(i.code), BPF_ABS | BPF_IND))
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

/// Runs every case of `tests/data/isa/<file>.isa`; returns how many.
fn check_file(file: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/isa").join(format!("{file}.isa"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases = parse_cases(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c).err().map(|e| format!("{file}.isa:{} {}: {e}", c.line, c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

#[test]
fn isa_alu() {
    assert!(check_file("alu") >= 100);
}

#[test]
fn isa_jmp() {
    assert!(check_file("jmp") >= 50);
}

#[test]
fn isa_mem() {
    assert!(check_file("mem") >= 20);
}

#[test]
fn isa_atomic() {
    assert!(check_file("atomic") >= 30);
}

#[test]
fn isa_call() {
    assert!(check_file("call") >= 6);
}

#[test]
fn gotol_reaches_past_the_range_of_off() {
    // gotol +40000 over 40000 instructions: only a 32-bit offset gets there.
    let mut text = String::from("gotol far\n");
    text.push_str(&"r0 = 1\n".repeat(40_000));
    text.push_str("far:\nr0 = 7\nexit\n");
    let prog = asm(&text).unwrap();
    assert_eq!(prog[0], BpfInsn::new(BPF_JMP32 | BPF_JA, 0, 0, 0, 40_000));
    let c = Case { name: "gotol far".into(), line: 0, prog, mem: Vec::new(), want: 7 };
    run_case(&c).unwrap();
}

#[test]
fn may_goto_counts_bpf_max_loops() {
    // r0 counts the iterations may_goto allows before it jumps.
    let prog = asm("r0 = 0\nloop:\nmay_goto out\nr0 += 1\ngoto loop\nout:\nexit\n").unwrap();
    let cfg = RunConfig::new().with_insn_limit(u64::MAX);
    assert_eq!(run_checked(&prog, &cfg), Ok(8 * 1024 * 1024));
    // In an xlated program 0xe5 is BPF_CALL_ARGS, not may_goto.
    let cfg = RunConfig::new().with_insn_set(InsnSet::Xlated);
    let call = [
        BpfInsn::new(BPF_JMP | BPF_CALL_ARGS, 0, 0, 1, 8),
        BpfInsn::exit(),
        BpfInsn::mov64_imm(0, 4),
        BpfInsn::exit(),
    ];
    assert_eq!(run_checked(&call, &cfg), Ok(4));
}

#[test]
fn the_case_parser_refuses_malformed_files() {
    assert!(parse_cases("=== a\nr0 = 1\nexit\n").is_err());
    assert!(parse_cases("r0 = 1\n").is_err());
    assert!(parse_cases("=== a\nr0 = frob\n=> 1\n").is_err());
    assert!(parse_cases("=== a\nmem zz\nexit\n=> 1\n").is_err());
    assert_eq!(parse_cases("# c\n\n=== a\nmem 01 02\nr0 = 1\nexit\n=> 0x1\n").unwrap()[0].mem, vec![1, 2]);
}

/// The Spectre v1 masking `do_misc_fixups` puts before a pointer add
/// (`alu_limit` in AX, then `sub`/`or`/`neg`/`arsh 63`/`and`) and a
/// `nospec` barrier: in an xlated program r11 (`BPF_REG_AX`) is a register
/// like the others and the barrier does nothing, in both modes; a user
/// program may not name r11.
#[test]
fn verifier_masking_through_ax_and_nospec_run_in_both_modes() {
    let masked_add = |off: i32, limit: i32| {
        vec![
            BpfInsn::mov64_imm(BPF_REG_0, 1000),
            BpfInsn::mov64_imm(BPF_REG_1, off),
            BpfInsn::st_nospec(),
            BpfInsn::mov32_imm(BPF_REG_AX, limit),
            BpfInsn::alu64_reg(BPF_SUB, BPF_REG_AX, BPF_REG_1),
            BpfInsn::alu64_reg(BPF_OR, BPF_REG_AX, BPF_REG_1),
            BpfInsn::alu64_imm(BPF_NEG, BPF_REG_AX, 0),
            BpfInsn::alu64_imm(BPF_ARSH, BPF_REG_AX, 63),
            BpfInsn::alu64_reg(BPF_AND, BPF_REG_AX, BPF_REG_1),
            BpfInsn::alu64_reg(BPF_ADD, BPF_REG_0, BPF_REG_AX),
            BpfInsn::exit(),
        ]
    };
    let cfg = RunConfig::new().with_insn_set(InsnSet::Xlated);
    // within the limit the offset stays, past it (or negative) it is 0
    for (off, want) in [(0, 1000), (5, 1005), (8, 1008), (9, 1000), (-1, 1000)] {
        let prog = masked_add(off, 8);
        assert_eq!(run_checked(&prog, &cfg), Ok(want), "checked, off {off}");
        // SAFETY: the program touches no memory (registers only) and
        // passes the checked mode's validation above.
        assert_eq!(unsafe { run_fast(&prog, &cfg) }, Ok(want), "fast, off {off}");
    }
    let uapi = RunConfig::new().with_insn_set(InsnSet::Uapi);
    let mut no_barrier = masked_add(5, 8);
    no_barrier.remove(2);
    let err = run_checked(&no_barrier, &uapi).unwrap_err().to_string();
    assert!(err.contains("R11 is invalid"), "r11 in a user program: {err}");
}

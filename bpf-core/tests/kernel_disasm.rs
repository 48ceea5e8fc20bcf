//! `print_bpf_insn` against the kernel's own text: the verifier log at
//! level 2 prints every instruction of a program that got through
//! `check_cfg` ("Live regs before insn:"), and each line must be ours,
//! byte for byte.
//!
//! The programs and the kernel's lines are recorded in
//! `data/kernel_disasm.jsonl` (first line: which kernel), so the test
//! compares wherever it runs; with `kernel_oracle.py` and a working
//! `bpf()` it asks the live kernel too. `UPDATE_EXPECT=1` regenerates the
//! programs and the recording from the live kernel.
//!
//! The corpus: every form of `common::all_forms()` the kernel prints before
//! refusing anything (kfunc calls, `BPF_PSEUDO_BTF_ID` and
//! `BPF_PSEUDO_FUNC` loads are refused earlier, for want of BTF), with
//! several field values each (not the internal `nospec`), plus instructions with arbitrary values in
//! their reserved fields, which the kernel also prints before refusing.

mod common;

use bpf_core::disasm::{print_bpf_insn, NoCbs};
use bpf_core::uapi::*;
use common::{all_forms, build, insns_from_hex, insns_hex, repo_root};
use common::{Fields, Form, KERNEL_OPCODES};
use kernel_oracle::{find_oracle, oracle_kernel, run_oracle};
use serde_json::{json, Value};
use std::path::PathBuf;

fn data_file() -> PathBuf {
    repo_root().join("bpf-core/tests/data/kernel_disasm.jsonl")
}

/// One array map, for the map references of the corpus.
fn maps() -> Value {
    json!([{"type": "array", "key_size": 4, "value_size": 8, "max_entries": 1}])
}

/// A fixed xorshift generator, so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The instructions of the corpus, before they are cut into programs.
/// Every jump targets the next instruction, so the kernel's `check_cfg`
/// accepts the whole program and prints every line.
fn corpus_insns() -> Vec<Vec<BpfInsn>> {
    let samples = [
        Fields { dst: 1, src: 2, off: -8, imm: 7, imm2: 0 },
        Fields { dst: 10, src: 9, off: i16::MAX, imm: i32::MIN, imm2: -1 },
        Fields { dst: 0, src: 10, off: i16::MIN, imm: -1, imm2: 0x1234_5678 },
        Fields { dst: 5, src: 6, off: 1, imm: 211, imm2: 4 },
        Fields { dst: 3, src: 4, off: 0, imm: 212, imm2: 0 },
    ];
    let mut out = Vec::new();
    for form in all_forms() {
        for f in samples {
            let insns = match form {
                // Refused before anything is printed, or ends the program.
                Form::CallPseudo | Form::CallKfunc | Form::Exit => continue,
                // Kernel-internal: an unknown opcode to `bpf()`.
                Form::Nospec => continue,
                Form::LdImm64 { src: BPF_PSEUDO_BTF_ID | BPF_PSEUDO_FUNC } => continue,
                // A map reference names map 0, inside its 8-byte value.
                Form::LdImm64 { src } if src != 0 => {
                    build(form, Fields { imm: 0, imm2: f.imm2.rem_euclid(8), ..f })
                }
                Form::Ja | Form::MayGoto | Form::JmpK { .. } | Form::JmpX { .. } => {
                    build(form, Fields { off: 0, ..f })
                }
                Form::Gotol => build(form, Fields { imm: 0, ..f }),
                _ => build(form, f),
            };
            out.push(insns);
        }
    }
    // Reserved fields with arbitrary values: the kernel prints these
    // before `do_check` refuses them. Jumps, calls, loads of 64-bit
    // constants and `ldx` (refused earlier) are left out.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..400 {
        let code = KERNEL_OPCODES[(rng.next() % KERNEL_OPCODES.len() as u64) as usize];
        let class = bpf_class(code);
        if class == BPF_JMP || class == BPF_JMP32 || class == BPF_LDX || code == BPF_LD | BPF_IMM | BPF_DW {
            continue;
        }
        let r = rng.next();
        out.push(vec![BpfInsn::new(
            code,
            (r % 11) as u8,
            ((r >> 8) % 11) as u8,
            (r >> 16) as i16,
            (r >> 32) as i32,
        )]);
    }
    out
}

/// The corpus cut into programs of at most `max` slots, each ending in
/// `r0 = 0; exit`.
fn corpus_programs(max: usize) -> Vec<Vec<BpfInsn>> {
    let mut progs = vec![Vec::new()];
    for group in corpus_insns() {
        let cur = progs.last_mut().expect("one program");
        if cur.len() + group.len() + 2 > max {
            progs.push(Vec::new());
        }
        progs.last_mut().expect("one program").extend(group);
    }
    for p in &mut progs {
        p.extend([BpfInsn::mov64_imm(0, 0), BpfInsn::exit()]);
    }
    // A bpf-to-bpf call needs a callee after the caller's exit.
    progs.push(vec![BpfInsn::call_rel(1), BpfInsn::exit(), BpfInsn::mov64_imm(0, 0), BpfInsn::exit()]);
    progs
}

/// The instruction lines of a level-2 verifier log: `(index, text)` from
/// the "Live regs before insn:" block.
fn live_regs_lines(log: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut in_block = false;
    for line in log.lines() {
        if line.starts_with("Live regs before insn:") {
            in_block = true;
            continue;
        }
        if !in_block {
            continue;
        }
        // `      0: .......... (b7) r1 = 5`: indented index, the mask of
        // live registers, then the text. The block ends at the first line
        // of another shape (do_check's `0: R1=ctx() R10=fp0`).
        if !line.starts_with(' ') {
            break;
        }
        let Some((idx, rest)) = line.trim_start().split_once(": ") else { break };
        let Ok(idx) = idx.parse::<usize>() else { break };
        let Some((mask, text)) = rest.split_once(' ') else { break };
        if !mask.chars().all(|c| c == '.' || c.is_ascii_digit()) {
            break;
        }
        lines.push((idx, text.to_string()));
    }
    lines
}

/// Our text for the kernel's line: equal, except that a map reference
/// prints the kernel's pointer and ours the index, so those compare up
/// to `0x`.
fn check_line(insns: &[BpfInsn], idx: usize, kernel: &str) -> Result<(), String> {
    let ours = print_bpf_insn(&NoCbs, insns, idx, true);
    let insn = insns[idx];
    let is_map_ref = insn.is_ld_imm64() && insn.src_reg() != 0;
    let same = if is_map_ref {
        let head = &ours[..ours.find("0x").map_or(ours.len(), |i| i + 2)];
        kernel.starts_with(head)
    } else {
        ours == kernel
    };
    if same {
        Ok(())
    } else {
        Err(format!("insn {idx} {insn:?}:\n  kernel: {kernel}\n  ours:   {ours}"))
    }
}

/// Checks every line of one program; returns the failures.
fn check_program(name: &str, insns: &[BpfInsn], lines: &[(usize, String)]) -> Vec<String> {
    let mut failures = Vec::new();
    // The kernel prints every slot but the second half of an ld_imm64.
    let mut want = Vec::new();
    let mut i = 0;
    while i < insns.len() {
        want.push(i);
        i += if insns[i].is_ld_imm64() { 2 } else { 1 };
    }
    let got: Vec<usize> = lines.iter().map(|(i, _)| *i).collect();
    if got != want {
        failures.push(format!("{name}: the kernel printed slots {got:?}, expected {want:?}"));
    }
    for (idx, text) in lines {
        if let Err(e) = check_line(insns, *idx, text) {
            failures.push(format!("{name}: {e}"));
        }
    }
    failures
}

struct Recorded {
    name: String,
    insns: Vec<BpfInsn>,
    lines: Vec<(usize, String)>,
}

fn load_recorded() -> (String, Vec<Recorded>) {
    let text = std::fs::read_to_string(data_file()).expect("kernel_disasm.jsonl");
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().expect("a header line")).expect("header JSON");
    let kernel = header["kernel"].as_str().expect("header names the kernel").to_string();
    let progs = lines
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("program JSON");
            Recorded {
                name: v["name"].as_str().expect("name").to_string(),
                insns: insns_from_hex(v["insns"].as_str().expect("insns")),
                lines: v["lines"]
                    .as_array()
                    .expect("lines")
                    .iter()
                    .map(|p| {
                        (p[0].as_u64().expect("index") as usize, p[1].as_str().expect("text").to_string())
                    })
                    .collect(),
            }
        })
        .collect();
    (kernel, progs)
}

fn oracle_case(name: &str, insns: &[BpfInsn]) -> Value {
    json!({"name": name, "insns": insns_hex(insns), "maps": maps(), "log_level": 2})
}

#[test]
fn print_bpf_insn_matches_the_kernel_log() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let live_oracle = find_oracle();

    if update {
        let oracle = live_oracle.as_ref().expect("UPDATE_EXPECT needs kernel_oracle.py");
        let progs = corpus_programs(256);
        let cases: Vec<Value> =
            progs.iter().enumerate().map(|(i, p)| oracle_case(&format!("corpus{i}"), p)).collect();
        let results = run_oracle(oracle, &["--no-test-run"], &cases).expect("UPDATE_EXPECT needs bpf()");
        let kernel = oracle_kernel(oracle);
        let mut out = json!({
            "kernel": kernel,
            "note": "print_bpf_insn lines of the level-2 verifier log (Live regs block), recorded with kernel_oracle.py; regenerate with UPDATE_EXPECT=1"
        })
        .to_string();
        out.push('\n');
        for (i, (p, r)) in progs.iter().zip(&results).enumerate() {
            let lines = live_regs_lines(r["log"].as_str().unwrap_or(""));
            assert!(!lines.is_empty(), "corpus{i}: the kernel printed no instructions: {}", r["log"]);
            let lines: Vec<Value> = lines.into_iter().map(|(i, t)| json!([i, t])).collect();
            out.push_str(
                &json!({"name": format!("corpus{i}"), "insns": insns_hex(p), "lines": lines}).to_string(),
            );
            out.push('\n');
        }
        std::fs::write(data_file(), out).expect("write kernel_disasm.jsonl");
        println!("disasm: rewrote kernel_disasm.jsonl from {kernel}");
    }

    let (kernel, recorded) = load_recorded();
    let total: usize = recorded.iter().map(|r| r.lines.len()).sum();
    assert!(total > 1000, "the recording holds {total} lines");
    println!("disasm: comparing {total} lines with the kernel's, recorded on {kernel}");
    let mut failures = Vec::new();
    for r in &recorded {
        failures.extend(check_program(&r.name, &r.insns, &r.lines));
    }

    let cases: Vec<Value> = recorded.iter().map(|r| oracle_case(&r.name, &r.insns)).collect();
    match live_oracle.and_then(|o| run_oracle(&o, &["--no-test-run"], &cases).map(|res| (o, res))) {
        Ok((oracle, results)) => {
            println!("disasm: and with the live kernel {} ({})", oracle_kernel(&oracle), oracle.display());
            for (r, res) in recorded.iter().zip(&results) {
                let lines = live_regs_lines(res["log"].as_str().unwrap_or(""));
                failures.extend(check_program(&format!("{} (live)", r.name), &r.insns, &lines));
            }
        }
        Err(why) => println!("disasm: no live kernel ({why}); compared with the recording only"),
    }
    assert!(failures.is_empty(), "{} lines differ:\n{}", failures.len(), failures.join("\n"));
}

/// The kernel's own lines, prefix and all, assemble and print back as
/// they are: `disasm(asm(text)) == text` on text the kernel wrote,
/// including the odd encodings with reserved fields set. Only `BUG_..`
/// lines have no encoding, and say so.
#[test]
fn kernel_lines_assemble_and_print_back() {
    use bpf_core::asm::{asm, AsmErrorKind};
    let (kernel, recorded) = load_recorded();
    let mut failures = Vec::new();
    let mut checked = 0;
    for r in &recorded {
        for (_, line) in &r.lines {
            match asm(line) {
                Ok(insns) => {
                    let back = print_bpf_insn(&NoCbs, &insns, 0, true);
                    if back != *line {
                        failures.push(format!("{line:?} printed back as {back:?}"));
                    }
                    checked += 1;
                }
                Err(e) if line.starts_with("BUG_") && matches!(e.kind, AsmErrorKind::NotAnInstruction(_)) => {
                }
                Err(e) => failures.push(format!("{line:?}: {e}")),
            }
        }
    }
    println!("disasm: {checked} lines printed by {kernel} assemble and print back");
    assert!(checked > 1000);
    assert!(failures.is_empty(), "{} lines:\n{}", failures.len(), failures.join("\n"));
}

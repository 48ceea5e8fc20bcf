//! The translated program of a few unprivileged loads, pinned to what the
//! kernel produced: the Spectre v1 masking of pointer arithmetic through
//! `BPF_REG_AX` and of a tail call's index (`do_misc_fixups`), and the
//! `nospec` barriers before and after insns the verifier marked
//! (`convert_ctx_accesses`).
//!
//! The kernel shows an unprivileged program's xlated insns only to a
//! `bpf_capable()` caller, and only loads unprivileged programs at all
//! with `kernel.unprivileged_bpf_disabled=0`; on machines where the
//! sysctl stays 2, `cargo xtask kernel-diff` compares these cases against
//! recordings that carry no dump. `tests/data/unpriv_xlated.txt` holds
//! the kernel's dumps (its header names the kernel and the date), and this
//! test checks the project's against them.
//!
//! Re-recording (root, on the kernel the file should describe): set the
//! sysctl to 0, run `UPDATE_UNPRIV_XLATED=1 cargo test -p xtask --test
//! unpriv_xlated`, and set it back to 2 (never 1: that cannot be undone).

use bpf_core::disasm::{dump_xlated, NoCbs};
use bpftool::batch::{run_case_guarded, BatchOpts, BpfBackend, MAX_LOG_SIZE};
use serde_json::Value;
use std::path::PathBuf;
use xtask::corpus::default_dir;
use xtask::kernel_diff::{uname, verifier_corpus, DiffCase};
use xtask::outcome::Outcome;

/// The pinned cases (unpriv section of the verifier corpus).
const CASES: [&str; 4] = [
    // a variable map value offset masked through AX (the whole sequence)
    "different_maps_same_insn_ok",
    // a known stack offset (BPF_ALU_IMMEDIATE: only the limit in AX), and
    // nospec after a store the speculative store bypass could skip
    "stack_const_arith_then_var_read_ok",
    // nospec before the insn the speculative walk of a dead branch stops at
    "dead_branch_speculative",
    // a tail call's index bounded and masked (a prog_array made without
    // bpf_bypass_spec_v1)
    "tail_call_index_masked_ok",
];

fn data_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/unpriv_xlated.txt")
}

fn cases() -> Vec<DiffCase> {
    let c = verifier_corpus(&default_dir()).expect("the verifier corpus loads");
    CASES
        .iter()
        .map(|n| {
            c.cases
                .iter()
                .find(|k| k.section == "unpriv" && k.name() == format!("unpriv/{n}"))
                .unwrap_or_else(|| panic!("no unpriv case {n} in the corpus"))
                .clone()
        })
        .collect()
}

/// The xlated dump of `k` through `b`, normalised as kernel-diff does
/// (helper addresses and map ids are the running kernel's), as the lines
/// of `bpftool prog dump xlated`.
fn xlated_text(b: &mut dyn BpfBackend, k: &DiffCase) -> Result<String, String> {
    let opts = BatchOpts { dump_xlated: true, log_size: MAX_LOG_SIZE, ..BatchOpts::default() };
    let r = Value::Object(run_case_guarded(b, &k.json, 0, &opts));
    let o = Outcome::from_result(&r, &k.insns);
    match o.xlated {
        Some(x) => Ok(dump_xlated(&NoCbs, &x)),
        None => Err(format!("{}: no xlated dump: {r}", k.name())),
    }
}

/// `=== name` blocks of dump lines after `#` header lines.
fn parse(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("=== ") {
            out.push((n.trim().to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            if !line.is_empty() {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

fn record() {
    let mut h = bpftool::host::HostBpf::open().expect("bpf() on the running kernel");
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut text = String::new();
    text.push_str("# The running kernel's translated programs (BPF_OBJ_GET_INFO_BY_FD's\n");
    text.push_str("# xlated_prog_insns, normalised as kernel-diff does) for unprivileged\n");
    text.push_str("# cases of bpf-verifier/tests/corpus/unpriv.bpft: loaded as uid 65534\n");
    text.push_str("# with kernel.unprivileged_bpf_disabled=0, dumped as root on the same fd.\n");
    text.push_str("# Written by UPDATE_UNPRIV_XLATED=1 cargo test -p xtask --test unpriv_xlated.\n");
    text.push_str(&format!("# kernel: {}\n# recorded: {date}\n", uname()));
    for k in cases() {
        let t = xlated_text(&mut h, &k).expect("the kernel dumps the program");
        text.push_str(&format!("\n=== {}\n{t}", k.name().trim_start_matches("unpriv/")));
    }
    std::fs::write(data_path(), text).expect("write the data file");
}

#[test]
fn unprivileged_xlated_matches_the_kernel() {
    if std::env::var_os("UPDATE_UNPRIV_XLATED").is_some() {
        record();
    }
    let text = std::fs::read_to_string(data_path()).expect("tests/data/unpriv_xlated.txt");
    let want = parse(&text);
    assert_eq!(
        want.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        CASES.to_vec(),
        "the data file pins the cases this test names"
    );
    let mut b = bpftool::project::ProjectBpf::new().expect("the project's bpf()");
    for (k, (name, kernel)) in cases().iter().zip(&want) {
        let got = xlated_text(&mut b, k).unwrap();
        assert_eq!(&got, kernel, "{name}: the project's xlated program differs from the kernel's");
    }
    // the pinned programs do show the rewrites this test is about
    let all: String = want.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all.contains("nospec"), "a nospec barrier is pinned");
    assert!(all.contains("r11"), "the AX masking is pinned");
}

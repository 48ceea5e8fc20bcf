//! `bpf_prog_calc_tag` against the kernel: for every program of
//! `data/tag_programs.s` our tag equals the one the kernel reports
//! (`BPF_OBJ_GET_INFO_BY_FD`, via `kernel_oracle.py`'s `tag` field).
//!
//! With the oracle and a working `bpf()`, the live kernel is asked too;
//! the recorded tags in `data/kernel_tags.txt` are always checked, so the
//! test compares something wherever it runs, and says which. Regenerate
//! the recording from the live kernel with `UPDATE_EXPECT=1`.

mod common;

use bpf_core::asm::asm;
use bpf_core::prog::{bpf_insns_digest, bpf_prog_alloc, bpf_prog_calc_tag, bpf_prog_size};
use bpf_core::uapi::BpfInsn;
use common::{insns_hex, repo_root};
use kernel_oracle::{find_oracle, oracle_kernel, run_oracle};
use serde_json::{json, Value};
use std::path::PathBuf;

struct Case {
    name: String,
    /// Fields merged into the oracle case (`prog_type`, `maps`).
    extra: serde_json::Map<String, Value>,
    insns: Vec<BpfInsn>,
}

fn data(file: &str) -> PathBuf {
    repo_root().join("bpf-core/tests/data").join(file)
}

/// Splits `tag_programs.s` at its `== name {json}` lines and assembles
/// each program.
fn load_cases() -> Vec<Case> {
    let path = data("tag_programs.s");
    let text = std::fs::read_to_string(&path).expect("tag_programs.s");
    let mut cases = Vec::new();
    let mut current: Option<(String, serde_json::Map<String, Value>, usize, String)> = None;
    let mut finish = |cur: Option<(String, serde_json::Map<String, Value>, usize, String)>| {
        if let Some((name, extra, first_line, body)) = cur {
            let insns = asm(&body).unwrap_or_else(|e| {
                panic!("{}:{}:{}: {}", path.display(), first_line + e.line, e.col, e.kind)
            });
            cases.push(Case { name, extra, insns });
        }
    };
    for (i, line) in text.lines().enumerate() {
        if let Some(header) = line.strip_prefix("== ") {
            finish(current.take());
            let (name, json) = header.split_once(' ').unwrap_or((header, "{}"));
            let extra: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
            let Value::Object(extra) = extra else { panic!("line {}: expected a JSON object", i + 1) };
            current = Some((name.to_string(), extra, i + 1, String::new()));
        } else if let Some((_, _, _, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    finish(current);
    cases
}

/// `kernel_tags.txt`: the kernel line and `name tag` pairs.
fn load_recorded() -> (String, Vec<(String, String)>) {
    let text = std::fs::read_to_string(data("kernel_tags.txt")).expect("kernel_tags.txt");
    let mut kernel = String::new();
    let mut tags = Vec::new();
    for line in text.lines() {
        if let Some(k) = line.strip_prefix("# kernel: ") {
            kernel = k.to_string();
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            let (name, tag) = line.split_once(' ').expect("`name tag`");
            tags.push((name.to_string(), tag.trim().to_string()));
        }
    }
    (kernel, tags)
}

fn tag_hex(insns: &[BpfInsn]) -> String {
    bpf_insns_digest(insns)[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn tags_match_the_kernel() {
    let cases = load_cases();
    assert!(cases.len() >= 20, "at least 20 programs, got {}", cases.len());
    let ours: Vec<String> = cases.iter().map(|c| tag_hex(&c.insns)).collect();

    // The live kernel, when there is one.
    let oracle_cases: Vec<Value> = cases
        .iter()
        .map(|c| {
            let mut case = c.extra.clone();
            case.insert("name".into(), json!(c.name));
            case.insert("insns".into(), json!(insns_hex(&c.insns)));
            Value::Object(case)
        })
        .collect();
    let live = find_oracle().and_then(|o| run_oracle(&o, &["--no-test-run"], &oracle_cases).map(|r| (o, r)));
    match live {
        Ok((oracle, results)) => {
            let kernel = oracle_kernel(&oracle);
            println!(
                "tag: comparing {} programs with the live kernel {kernel} ({})",
                cases.len(),
                oracle.display()
            );
            let mut failures = Vec::new();
            for ((case, result), ours) in cases.iter().zip(&results).zip(&ours) {
                if result["accepted"] != json!(true) {
                    failures.push(format!("{}: the kernel refused it: {}", case.name, result["log"]));
                } else if result["tag"].as_str() != Some(ours.as_str()) {
                    failures.push(format!("{}: kernel {} ours {ours}", case.name, result["tag"]));
                }
            }
            assert!(failures.is_empty(), "tags differ from the live kernel:\n{}", failures.join("\n"));
            if std::env::var_os("UPDATE_EXPECT").is_some() {
                let mut out = format!(
                    "# bpf_prog_calc_tag of each program in tag_programs.s, as the kernel reports it\n\
                     # (BPF_OBJ_GET_INFO_BY_FD), recorded with kernel_oracle.py.\n# kernel: {kernel}\n"
                );
                for (case, result) in cases.iter().zip(&results) {
                    out.push_str(&format!("{} {}\n", case.name, result["tag"].as_str().unwrap_or("")));
                }
                std::fs::write(data("kernel_tags.txt"), out).expect("write kernel_tags.txt");
                println!("tag: rewrote kernel_tags.txt from the live kernel");
            }
        }
        Err(why) => println!("tag: no live kernel ({why}); using the recorded tags only"),
    }

    // The recording, always.
    let (kernel, recorded) = load_recorded();
    println!("tag: comparing {} programs with tags recorded on {kernel}", recorded.len());
    let mut failures = Vec::new();
    for (case, ours) in cases.iter().zip(&ours) {
        match recorded.iter().find(|(n, _)| *n == case.name) {
            Some((_, tag)) if tag == ours => {}
            Some((_, tag)) => failures.push(format!("{}: recorded {tag} ours {ours}", case.name)),
            None => failures.push(format!("{}: no recorded tag (run with UPDATE_EXPECT=1)", case.name)),
        }
    }
    assert!(failures.is_empty(), "tags differ from the recording:\n{}", failures.join("\n"));
}

#[test]
fn fd_and_value_offset_do_not_change_the_tag_but_idx_does() {
    let t = |text: &str| tag_hex(&asm(text).unwrap());
    assert_eq!(t("r1 = map[fd:0]\nexit"), t("r1 = map[fd:9]\nexit"));
    assert_eq!(t("r1 = map[fd:0][0]+0\nexit"), t("r1 = map[fd:3][0]+64\nexit"));
    assert_ne!(t("r1 = map[fd:0]\nexit"), t("r1 = map[fd:0][0]+0\nexit"), "src_reg is hashed");
    assert_ne!(t("r1 = map[idx:0]\nexit"), t("r1 = map[idx:1]\nexit"));
    assert_ne!(t("r1 = map[idx:0]+0\nexit"), t("r1 = map[idx:0]+8\nexit"));
    // bpf_prog_calc_tag stores the same digest in the program.
    let insns = asm("r1 = map[fd:4]\nr0 = 0\nexit").unwrap();
    let mut prog = bpf_prog_alloc(bpf_prog_size(insns.len() as u32), 1, false, false);
    prog.set_insns(insns.clone());
    bpf_prog_calc_tag(&mut prog);
    assert_eq!(prog.tag_hex(), tag_hex(&insns));
}

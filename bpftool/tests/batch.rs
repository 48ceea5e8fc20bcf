//! `bpftool batch` as a user runs it, on the oracle's own example input
//! (`kernel_oracle.py --emit-builtins`): a line out for every case in, and
//! with `--host` the running kernel's answers, which must match what the
//! oracle expects of them.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn oracle() -> Option<PathBuf> {
    kernel_oracle::find_oracle().map_err(|why| println!("batch: {why}")).ok()
}

fn batch(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bpftool"))
        .arg("batch")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bpftool");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn builtins_through_the_host_kernel() {
    let Some(oracle) = oracle() else {
        println!("batch: no kernel_oracle.py; builtins not run");
        return;
    };
    let emitted = Command::new("python3").arg(&oracle).arg("--emit-builtins").output().expect("python3");
    let input = String::from_utf8_lossy(&emitted.stdout).into_owned();
    let cases: Vec<Value> = input.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(cases.len() >= 20, "the oracle emits its builtins");
    let out = batch(&["--host"], &input);
    if out.status.code() == Some(2) {
        println!(
            "batch: bpf() refused here ({}); builtins not run on the host",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return;
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let results = lines(&out);
    assert_eq!(results.len(), cases.len(), "one line per case");
    for (c, r) in cases.iter().zip(&results) {
        assert_eq!(c["name"], r["name"]);
        let e = &c["expect"];
        if let Some(a) = e.get("accepted") {
            assert_eq!(&r["accepted"], a, "{}: {r}", c["name"]);
        }
        if let Some(v) = e.get("errno_name") {
            assert_eq!(&r["errno_name"], v, "{}", c["name"]);
        }
        if let Some(v) = e.get("retval") {
            assert_eq!(&r["retval"], v, "{}", c["name"]);
        }
        if let Some(v) = e.get("log_contains") {
            assert!(
                r["log"].as_str().unwrap_or("").contains(v.as_str().unwrap()),
                "{}: {}",
                c["name"],
                r["log"]
            );
        }
        if let Some(v) = e.get("test_run_errno_in") {
            assert!(v.as_array().unwrap().contains(&r["test_run"]["errno_name"]), "{}: {r}", c["name"]);
        }
    }
    println!("batch --host: {} builtins, every expectation of kernel_oracle.py met", results.len());
}

#[test]
fn builtins_through_the_project() {
    let Some(oracle) = oracle() else {
        println!("batch: no kernel_oracle.py; builtins not run");
        return;
    };
    let emitted = Command::new("python3").arg(&oracle).arg("--emit-builtins").output().expect("python3");
    let input = String::from_utf8_lossy(&emitted.stdout).into_owned();
    let cases: Vec<Value> = input.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let out = batch(&[], &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let results = lines(&out);
    assert_eq!(results.len(), cases.len(), "one line per case");
    for (c, r) in cases.iter().zip(&results) {
        assert_eq!(c["name"], r["name"]);
        assert!(r.get("tool_error").is_none(), "{r}");
        assert!(r["accepted"].is_boolean(), "every builtin reaches the verifier: {r}");
    }
    let accepted = results.iter().filter(|r| r["accepted"] == true).count();
    println!("batch (project): {} builtins, one line each, {accepted} accepted", results.len());
}

#[test]
fn usage_errors() {
    let out = batch(&["--frob"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("usage")
            || String::from_utf8_lossy(&out.stderr).contains("unknown option")
    );
    let out = batch(&["--log-level"], "");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_bpftool")).args(["batch", "no/such/file"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

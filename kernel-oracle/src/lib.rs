//! # kernel-oracle
//!
//! Test support shared by the workspace's tests and `xtask`: where the
//! reference material beside the repository is (`../shared`: the
//! conformance suite, `tools/kernel_oracle.py`), and how to ask the
//! running kernel through `kernel_oracle.py`.
//!
//! Nothing from `../shared` is copied into the repository. Every lookup
//! here says why it found nothing, so a test can print plainly that it fell
//! back to recorded results instead of silently passing nothing.
//!
//! Two kinds of failure are kept apart: the oracle *unavailable* (not found,
//! no `python3`, or `bpf()` refused: the oracle's exit status 2) is an
//! `Err` the caller handles by using recorded data; the oracle *broken*
//! (it ran and answered nonsense) panics, because a test must not mistake
//! a broken tool for a missing one.

#![warn(missing_docs)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("kernel-oracle lives in the repository")
        .to_path_buf()
}

/// The candidate `shared/` directories, in order: `$SHARED_DIR`,
/// `<repo>/../shared`, and, in a git worktree, `shared/` beside the main
/// checkout.
pub fn shared_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(p) = std::env::var_os("SHARED_DIR") {
        dirs.push(PathBuf::from(p));
    }
    let root = repo_root();
    dirs.push(root.join("..").join("shared"));
    if let Ok(out) = Command::new("git").args(["rev-parse", "--git-common-dir"]).current_dir(&root).output() {
        let common = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let common = if common.is_absolute() { common } else { root.join(common) };
        if let Some(main) = common.parent() {
            let beside_main = main.join("..").join("shared");
            if !dirs.contains(&beside_main) {
                dirs.push(beside_main);
            }
        }
    }
    dirs
}

/// `rel` (a path inside `shared/`) in the first candidate directory that
/// has it; `Err` lists where it looked.
pub fn find_shared(rel: &str) -> Result<PathBuf, String> {
    let tried: Vec<PathBuf> = shared_dirs().into_iter().map(|d| d.join(rel)).collect();
    tried.iter().find(|p| p.exists()).cloned().ok_or_else(|| {
        let list: Vec<_> = tried.iter().map(|p| p.display().to_string()).collect();
        format!("{rel} not found (tried {})", list.join(", "))
    })
}

/// Where `kernel_oracle.py` is: `$KERNEL_ORACLE`, else
/// `shared/tools/kernel_oracle.py` (see [`shared_dirs`]).
pub fn find_oracle() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("KERNEL_ORACLE") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("$KERNEL_ORACLE={} is not a file", p.display()))
        };
    }
    find_shared("tools/kernel_oracle.py").map_err(|e| format!("{e}; set KERNEL_ORACLE"))
}

/// The conformance suite's directory: `$BPF_CONFORMANCE_DIR`, else
/// `shared/conformance` (see [`shared_dirs`]).
pub fn conformance_dir() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("BPF_CONFORMANCE_DIR") {
        let p = PathBuf::from(p);
        return if p.is_dir() {
            Ok(p)
        } else {
            Err(format!("$BPF_CONFORMANCE_DIR={} is not a directory", p.display()))
        };
    }
    find_shared("conformance").map_err(|e| format!("{e}; set BPF_CONFORMANCE_DIR"))
}

/// Runs the oracle on JSON-lines `cases` with extra `args`: one JSON value
/// per case back, in order. `Err` says why the live kernel cannot answer
/// (no `python3`, or `bpf()` refused: exit status 2). Exit status 1 (a
/// malformed case, reported in that case's line) still answers.
///
/// # Panics
///
/// When the oracle ran and broke: another exit status, output that is not
/// JSON lines, or not one line per case.
pub fn run_oracle(oracle: &Path, args: &[&str], cases: &[Value]) -> Result<Vec<Value>, String> {
    run_oracle_with(Command::new("python3"), oracle, args, cases)
}

/// [`run_oracle`] through `cmd`, a command that runs a Python 3
/// interpreter with the oracle as its first argument (for instance one
/// that drops privileges first: `setpriv ... /usr/bin/python3`).
pub fn run_oracle_with(
    mut cmd: Command,
    oracle: &Path,
    args: &[&str],
    cases: &[Value],
) -> Result<Vec<Value>, String> {
    let mut child = cmd
        .arg(oracle)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let input: String = cases.iter().map(|c| format!("{c}\n")).collect();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| format!("kernel_oracle.py: {e}"))?;
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0 | 1) => {}
        Some(2) => return Err(format!("bpf() is refused here: {}", stderr.trim())),
        other => panic!("kernel_oracle.py failed ({other:?}): {}", stderr.trim()),
    }
    let results: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("kernel_oracle.py printed {l:?}: {e}")))
        .collect();
    assert_eq!(results.len(), cases.len(), "kernel_oracle.py: one result per case");
    Ok(results)
}

/// The oracle's `--env` (kernel release, machine, sysctls) as JSON.
pub fn oracle_env(oracle: &Path) -> Result<Value, String> {
    let out = Command::new("python3")
        .arg(oracle)
        .arg("--env")
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| format!("kernel_oracle.py --env: {e}"))
}

/// The kernel the oracle runs on, as recordings name it:
/// `6.18.44-fc-v1045 (x86_64)`.
///
/// # Panics
///
/// When `--env` fails: call it once [`run_oracle`] has answered.
pub fn oracle_kernel(oracle: &Path) -> String {
    let env = oracle_env(oracle).unwrap_or_else(|e| panic!("{e}"));
    format!("{} ({})", env["kernel"].as_str().unwrap_or("?"), env["machine"].as_str().unwrap_or("?"))
}

/// One line describing a kernel environment, as the corpus files record
/// it: `6.18.44-fc-v1045 x86_64 bpf_jit_enable=1 bpf_jit_harden=0 ...`.
pub fn env_line(env: &Value) -> String {
    let s = |k: &str| match &env[k] {
        Value::String(s) => s.clone(),
        Value::Null => "n/a".into(),
        v => v.to_string(),
    };
    format!(
        "{} {} bpf_jit_enable={} bpf_jit_harden={} unprivileged_bpf_disabled={} lockdown={} possible_cpus={}",
        s("kernel"),
        s("machine"),
        s("bpf_jit_enable"),
        s("bpf_jit_harden"),
        s("unprivileged_bpf_disabled"),
        s("lockdown"),
        s("possible_cpus")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_say_where_they_looked() {
        let err = find_shared("no/such/file").unwrap_err();
        assert!(err.contains("no/such/file not found (tried "), "{err}");
        assert!(shared_dirs().iter().any(|d| d.ends_with("shared")));
    }

    #[test]
    fn env_line_names_missing_values() {
        let env =
            serde_json::json!({"kernel": "6.18", "machine": "x86_64", "possible_cpus": 2, "lockdown": null});
        assert_eq!(
            env_line(&env),
            "6.18 x86_64 bpf_jit_enable=n/a bpf_jit_harden=n/a unprivileged_bpf_disabled=n/a lockdown=n/a possible_cpus=2"
        );
    }
}

//! `kernel_oracle.py`: where it is, and how to run it.
//!
//! The oracle (in `../shared/tools`, never copied into the repository) loads
//! JSON-lines cases into the running kernel and prints one JSON line per
//! case. The corpus recorder uses it to write the kernel's expectations;
//! nothing else needs it (`kernel-diff` has its own `bpf()` client).

use crate::repo_root;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where `kernel_oracle.py` is: `$KERNEL_ORACLE`, else
/// `<repo>/../shared/tools/kernel_oracle.py`, else the same beside the main
/// checkout when this is a git worktree. `Err` says why there is none.
pub fn find_oracle() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("KERNEL_ORACLE") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("$KERNEL_ORACLE={} is not a file", p.display()))
        };
    }
    let rel = "tools/kernel_oracle.py";
    let tried: Vec<PathBuf> = shared_dirs().into_iter().map(|d| d.join(rel)).collect();
    tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let list: Vec<_> = tried.iter().map(|p| p.display().to_string()).collect();
        format!("kernel_oracle.py not found (tried {}; set KERNEL_ORACLE)", list.join(", "))
    })
}

/// The candidate `shared/` directories: `$SHARED_DIR`, `<repo>/../shared`,
/// and, in a git worktree, `shared/` beside the main checkout.
pub fn shared_dirs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(p) = std::env::var_os("SHARED_DIR") {
        v.push(PathBuf::from(p));
    }
    v.push(repo_root().join("..").join("shared"));
    if let Ok(out) =
        Command::new("git").args(["rev-parse", "--git-common-dir"]).current_dir(repo_root()).output()
    {
        let common = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let common = if common.is_absolute() { common } else { repo_root().join(common) };
        if let Some(main) = common.parent() {
            v.push(main.join("..").join("shared"));
        }
    }
    v
}

/// Runs the oracle on JSON-lines `cases` with extra `args`: one JSON value
/// per case back, in order. `Err` says why the live kernel cannot answer
/// (no python3, `bpf()` refused: exit status 2, or a broken run).
pub fn run_oracle(oracle: &Path, args: &[&str], cases: &[Value]) -> Result<Vec<Value>, String> {
    let mut child = Command::new("python3")
        .arg(oracle)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let input: String = cases.iter().map(|c| format!("{c}\n")).collect();
    let mut stdin = child.stdin.take().ok_or("no stdin pipe")?;
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| format!("kernel_oracle.py: {e}"))?;
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) | Some(1) => {}
        Some(2) => return Err(format!("bpf() is refused here: {}", stderr.trim())),
        other => return Err(format!("kernel_oracle.py failed ({other:?}): {}", stderr.trim())),
    }
    let results: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("oracle output {l:?}: {e}")))
        .collect::<Result<_, _>>()?;
    if results.len() != cases.len() {
        return Err(format!("kernel_oracle.py gave {} results for {} cases", results.len(), cases.len()));
    }
    Ok(results)
}

/// The oracle's `--env` (kernel release, sysctls) as JSON.
pub fn oracle_env(oracle: &Path) -> Result<Value, String> {
    let out = Command::new("python3")
        .arg(oracle)
        .arg("--env")
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| format!("kernel_oracle.py --env: {e}"))
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

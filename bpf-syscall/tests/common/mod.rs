//! Shared helpers of the bpf-syscall integration tests.
#![allow(dead_code)]

use bpf_core::trace::{BpfTrace, BpfTraceKind};
use bpf_syscall::{Kernel, KernelStats, Task};

/// What a failed `bpf()` call must leave as it was.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub prog_ids: Vec<u32>,
    pub map_ids: Vec<u32>,
    pub kallsyms: usize,
    pub fds: Vec<i32>,
    pub mappings: usize,
    pub perf_records: usize,
    pub audit_records: usize,
    pub stats: KernelStats,
}

impl Snapshot {
    pub fn take(kernel: &Kernel, task: &Task) -> Snapshot {
        Snapshot {
            prog_ids: kernel.prog_ids(),
            map_ids: kernel.map_ids(),
            kallsyms: kernel.kallsyms().len(),
            fds: task.fds(),
            mappings: task.mem().mappings(),
            perf_records: kernel.perf_records().len(),
            audit_records: kernel.audit_log().len(),
            stats: kernel.stats(),
        }
    }

    /// Nothing is left behind since `self` (objects may have come and
    /// gone: their events and counters are not compared).
    pub fn assert_no_leak(&self, kernel: &Kernel, task: &Task, what: &str) {
        let now = Snapshot::take(kernel, task);
        assert_eq!(
            (&now.prog_ids, &now.map_ids, now.kallsyms, &now.fds, now.mappings),
            (&self.prog_ids, &self.map_ids, self.kallsyms, &self.fds, self.mappings),
            "{what}: something leaked"
        );
        assert_eq!(
            now.stats.progs_loaded - now.stats.progs_freed,
            self.stats.progs_loaded - self.stats.progs_freed,
            "{what}: a program was not freed"
        );
    }

    /// Nothing was created or left behind since `self`.
    pub fn assert_unchanged(&self, kernel: &Kernel, task: &Task, what: &str) {
        assert_eq!(&Snapshot::take(kernel, task), self, "{what}: something leaked");
    }
}

/// The step of `bpf_prog_load` that failed, and its errno.
pub fn failed_step(trace: &BpfTrace) -> Option<(&'static str, i32)> {
    trace.events().iter().rev().find_map(|e| match e.kind {
        BpfTraceKind::Failed(f, err) if e.depth == 1 => Some((f, err.0)),
        _ => None,
    })
}

/// The labels the error path went through.
pub fn labels(trace: &BpfTrace) -> Vec<&'static str> {
    trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            BpfTraceKind::Label(l) => Some(l),
            _ => None,
        })
        .collect()
}

/// The repository root (the parent of bpf-syscall).
pub fn repo_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bpf-syscall lives in the repository")
        .to_path_buf()
}

/// Where `kernel_oracle.py` is: `$KERNEL_ORACLE`, else
/// `<repo>/../shared/tools/kernel_oracle.py`, else the same beside the
/// main checkout when this is a git worktree. `Err` says why there is none.
pub fn find_oracle() -> Result<std::path::PathBuf, String> {
    use std::path::PathBuf;
    if let Some(p) = std::env::var_os("KERNEL_ORACLE") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("$KERNEL_ORACLE={} is not a file", p.display()))
        };
    }
    let rel = "shared/tools/kernel_oracle.py";
    let mut tried = vec![repo_root().join("..").join(rel)];
    if let Ok(out) = std::process::Command::new("git")
        .args(["rev-parse", "--git-common-dir"])
        .current_dir(repo_root())
        .output()
    {
        let common = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let common = if common.is_absolute() { common } else { repo_root().join(common) };
        if let Some(main) = common.parent() {
            tried.push(main.join("..").join(rel));
        }
    }
    tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let list: Vec<_> = tried.iter().map(|p| p.display().to_string()).collect();
        format!("kernel_oracle.py not found (tried {}; set KERNEL_ORACLE)", list.join(", "))
    })
}

/// Runs the oracle on JSON-lines `cases` with extra `args`; one JSON value
/// per case back. `Err` says why the live kernel cannot answer (no
/// python3, or exit code 2: `bpf()` refused).
pub fn run_oracle(
    oracle: &std::path::Path,
    args: &[&str],
    cases: &[serde_json::Value],
) -> Result<Vec<serde_json::Value>, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .arg(oracle)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let input: String = cases.iter().map(|c| format!("{c}\n")).collect();
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| format!("kernel_oracle.py: {e}"))?;
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        Some(2) => return Err(format!("bpf() is refused here: {}", stderr.trim())),
        other => panic!("kernel_oracle.py failed ({other:?}): {stderr}"),
    }
    let results: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("oracle output {l:?}: {e}")))
        .collect();
    assert_eq!(results.len(), cases.len(), "one result per case");
    Ok(results)
}

/// The kernel release the oracle runs on (`--env`), e.g. `6.18.44-fc-v1045 (x86_64)`.
pub fn oracle_kernel(oracle: &std::path::Path) -> String {
    let out =
        std::process::Command::new("python3").arg(oracle).arg("--env").output().expect("python3 ran before");
    let env: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--env prints JSON");
    format!("{} ({})", env["kernel"].as_str().unwrap_or("?"), env["machine"].as_str().unwrap_or("?"))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Inverse of [`hex`].
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

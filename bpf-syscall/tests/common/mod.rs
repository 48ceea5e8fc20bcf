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

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Inverse of [`hex`].
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

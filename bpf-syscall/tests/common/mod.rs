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

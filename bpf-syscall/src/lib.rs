//! # bpf-syscall
//!
//! Mirrors `kernel/bpf/syscall.c` of Linux v6.18: [`__sys_bpf`] and the
//! commands behind it, with [`syscall::bpf_prog_load`] walking the load
//! sequence of `LOAD_SEQUENCE.md` in the kernel's order, plus
//! `net/bpf/test_run.c` ([`test_run`]) and the attach points programs run
//! from (cgroups, the tcx hooks of network devices).
//!
//! - [`Kernel`] owns what the kernel keeps in globals: sysctls,
//!   `prog_idr` / `map_idr`, kallsyms, the audit log, the perf ring, the
//!   devices and cgroups, and the JIT / interpreter / offload code it was
//!   built with.
//! - [`Task`] is the caller: credentials, fd table and user memory (where
//!   `bpf()`'s pointers point, so a bad one is `EFAULT`).
//! - [`__sys_bpf`] is the raw system call: `union bpf_attr` bytes in the
//!   task's memory.
//! - [`Bpf`] is the typed API over it that tests, tools and library users
//!   call.
//!
//! ```
//! use bpf_syscall::{Bpf, Kernel, MapCreateOpts, Task};
//! use bpf_core::uapi::BPF_MAP_TYPE_HASH;
//!
//! let kernel = Kernel::new();
//! let task = Task::root();
//! let bpf = Bpf::new(&kernel, &task);
//! let fd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 8, 16)).unwrap();
//! bpf.map_update_elem(fd, &1u32.to_le_bytes(), &7u64.to_le_bytes(), 0).unwrap();
//! assert_eq!(bpf.map_lookup_elem(fd, &1u32.to_le_bytes()).unwrap(), 7u64.to_le_bytes());
//! bpf.close(fd).unwrap();
//! assert!(kernel.map_ids().is_empty());
//! ```

#![warn(missing_docs)]

pub mod api;
pub mod cgroup;
pub mod cred;
pub mod idr;
pub mod kernel;
pub mod mm;
pub mod netdev;
#[cfg(test)]
mod selftests;
pub mod skb;
pub mod syscall;
pub mod task;
pub mod test_run;

pub use api::*;
pub use cgroup::{Cgroup, CgroupEgress};
pub use cred::{Caps, Cred};
pub use kernel::{
    AuditRecord, BpfAudit, Kernel, KernelConfig, KernelStats, PerfBpfEventType, PerfRecord, Sysctls,
};
pub use netdev::{NetDevice, TcxAction};
pub use syscall::__sys_bpf;
pub use task::{File, Task};

use bpf_core::run_ctx::BpfRunCtx;

/// The per-run state of a program run on behalf of `task`.
pub(crate) fn run_ctx<'a>(kernel: &'a Kernel, task: &Task) -> BpfRunCtx<'a> {
    run_ctx_for(kernel, task.cpu(), &task.cred())
}

/// The per-run state of a run on `cpu` for a task with `cred`: the
/// kernel's clock, its trace pipe, the task's ids.
pub(crate) fn run_ctx_for<'a>(kernel: &'a Kernel, cpu: u32, cred: &Cred) -> BpfRunCtx<'a> {
    let nr = kernel.nr_cpus();
    let mut c = BpfRunCtx::new(cpu % nr, nr, kernel.boot());
    c.uid_gid = (u64::from(cred.gid) << 32) | u64::from(cred.uid);
    c.pid_tgid = (1000u64 << 32) | 1000;
    c.comm[..11].copy_from_slice(b"bpf-syscall");
    c.trace = Some(kernel.trace_pipe());
    c
}

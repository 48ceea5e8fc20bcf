//! # bpf-verifier
//!
//! Mirrors `kernel/bpf/verifier.c` of Linux v6.18, with `kernel/bpf/tnum.c`
//! and `kernel/bpf/log.c`: `bpf_check()` walks every path of a program,
//! proves each memory access, helper call and jump safe, and rewrites the
//! program for the runtime. See `ARCHITECTURE.md` for the phases in order.
//!
//! Not built yet: [`bpf_check`] has its final signature but refuses every
//! program, as the load path must refuse what it cannot prove safe.

#![warn(missing_docs)]

use bpf_core::maps::BpfMap;
use bpf_core::prog::BpfProg;
use bpf_core::uaccess::UserMemory;
use bpf_core::uapi::BpfAttrProgLoad;
use bpf_core::{errno::EINVAL, Errno};
use std::sync::Arc;

/// What `bpf_check` reaches outside the program: the calling task's memory
/// (log buffer, `fd_array`), its fd table (map fds of `ld_imm64`) and its
/// capabilities. `bpf-syscall` implements it for a task.
pub trait BpfVerifierIo {
    /// The caller's memory.
    fn user(&self) -> &dyn UserMemory;
    /// `__bpf_map_get(fdget(fd))`: the map behind `fd`, `EBADF` if none,
    /// `EINVAL` if `fd` is not a map.
    fn bpf_map_get(&self, fd: i32) -> Result<Arc<BpfMap>, Errno>;
    /// `bpf_capable()` of the loader (`CAP_BPF` or `CAP_SYS_ADMIN`).
    fn bpf_capable(&self) -> bool;
    /// `perfmon_capable()` of the loader (`CAP_PERFMON` or `CAP_SYS_ADMIN`).
    fn perfmon_capable(&self) -> bool;
}

/// Mirrors `kernel/bpf/verifier.c:bpf_check()` (v6.18).
///
/// Proves `prog` safe and rewrites it for the runtime. `uattr` is the user
/// address of the `union bpf_attr` (for `log_true_size`), `uattr_size` its
/// size.
///
/// Skeleton: refuses every program with `EINVAL` until the verifier is built.
pub fn bpf_check(
    _prog: &mut Box<BpfProg>,
    _attr: &BpfAttrProgLoad,
    _uattr: u64,
    _uattr_size: u32,
    _io: &dyn BpfVerifierIo,
) -> Result<(), Errno> {
    Err(EINVAL)
}

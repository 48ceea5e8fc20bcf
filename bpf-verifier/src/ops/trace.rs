//! The kprobe and tracepoint program types of `kernel/trace/bpf_trace.c`
//! (v6.18): raw `pt_regs` and tracepoint-record contexts, read as they are
//! (no rewrite).

use super::{BpfCaps, BpfInsnAccessAux, BpfVerifierOps};
use bpf_core::prog::BpfProg;

/// `sizeof(struct pt_regs)` on x86-64.
pub const PT_REGS_SIZE: i32 = 168;
/// `PERF_MAX_TRACE_SIZE`.
pub const PERF_MAX_TRACE_SIZE: i32 = 8192;

/// Mirrors `kernel/trace/bpf_trace.c:kprobe_prog_is_valid_access()`.
fn kprobe_prog_is_valid_access(
    off: i32,
    size: i32,
    write: bool,
    _prog: &mut BpfProg,
    _info: &mut BpfInsnAccessAux,
    _caps: BpfCaps,
) -> bool {
    if !(0..PT_REGS_SIZE).contains(&off) {
        return false;
    }
    if write {
        return false;
    }
    if off % size != 0 {
        return false;
    }
    off + size <= PT_REGS_SIZE
}

/// Mirrors `kernel/trace/bpf_trace.c:tp_prog_is_valid_access()`: past the
/// common header, read only.
fn tp_prog_is_valid_access(
    off: i32,
    size: i32,
    write: bool,
    _prog: &mut BpfProg,
    _info: &mut BpfInsnAccessAux,
    _caps: BpfCaps,
) -> bool {
    if !(8..PERF_MAX_TRACE_SIZE).contains(&off) {
        return false;
    }
    if write {
        return false;
    }
    off % size == 0
}

/// `kprobe_verifier_ops` (`BPF_PROG_TYPE_KPROBE`).
pub mod kprobe {
    use super::*;
    /// The ops.
    pub static VERIFIER_OPS: &BpfVerifierOps = &BpfVerifierOps {
        get_func_proto: crate::calls::kprobe_prog_func_proto,
        is_valid_access: kprobe_prog_is_valid_access,
        convert_ctx_access: None,
        gen_prologue: None,
    };
}

/// `tracepoint_verifier_ops` (`BPF_PROG_TYPE_TRACEPOINT`).
pub mod tracepoint {
    use super::*;
    /// The ops.
    pub static VERIFIER_OPS: &BpfVerifierOps = &BpfVerifierOps {
        get_func_proto: crate::calls::tp_prog_func_proto,
        is_valid_access: tp_prog_is_valid_access,
        convert_ctx_access: None,
        gen_prologue: None,
    };
}

/// `MAX_BPF_FUNC_ARGS`.
const MAX_BPF_FUNC_ARGS: i32 = 12;

/// Mirrors `include/linux/bpf.h:bpf_tracing_ctx_access()`: reads inside
/// the u64 arguments, aligned to their size.
fn bpf_tracing_ctx_access(off: i32, size: i32, write: bool) -> bool {
    if !(0..8 * MAX_BPF_FUNC_ARGS).contains(&off) {
        return false;
    }
    if write {
        return false;
    }
    off % size == 0
}

/// Mirrors `kernel/trace/bpf_trace.c:raw_tp_prog_is_valid_access()`.
fn raw_tp_prog_is_valid_access(
    off: i32,
    size: i32,
    write: bool,
    _prog: &mut BpfProg,
    _info: &mut BpfInsnAccessAux,
    _caps: BpfCaps,
) -> bool {
    bpf_tracing_ctx_access(off, size, write)
}

/// `raw_tracepoint_verifier_ops` (`BPF_PROG_TYPE_RAW_TRACEPOINT`): the
/// context is the tracepoint's arguments as an array of u64.
pub mod raw_tracepoint {
    use super::*;
    /// The ops.
    pub static VERIFIER_OPS: &BpfVerifierOps = &BpfVerifierOps {
        get_func_proto: crate::calls::raw_tp_prog_func_proto,
        is_valid_access: raw_tp_prog_is_valid_access,
        convert_ctx_access: None,
        gen_prologue: None,
    };
}

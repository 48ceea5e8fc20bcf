//! `struct bpf_verifier_ops` per program type, as `bpf_types.h` lists them
//! (v6.18): which context fields a program may touch
//! (`is_valid_access`), how those accesses become loads from the kernel
//! object (`convert_ctx_access`), and which helpers it may call
//! (`get_func_proto`).
//!
//! The table is expanded from [`bpf_core::bpf_types!`]: each type's ops
//! live in a module named like the kernel's prefix (`sk_filter`,
//! `tc_cls_act`, `xdp`...), so a new type is one line there and one
//! module here. Types this model does not describe yet get
//! [`UNSUPPORTED`]: no context access, the base helpers only — they
//! refuse what the kernel would accept, never the other way round.

#![allow(non_upper_case_globals)]

pub mod filter;
pub mod trace;

use crate::state::{BpfRetvalRange, SCALAR_VALUE};
use crate::tnum::{tnum_range, Tnum};
use bpf_core::helpers::BpfFuncProto;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::*;

/// `struct bpf_insn_access_aux`: what a valid ctx access yields.
#[derive(Clone, Copy, Debug)]
pub struct BpfInsnAccessAux {
    /// Type of the loaded value (`SCALAR_VALUE`, `PTR_TO_PACKET`...).
    pub reg_type: u32,
    /// A sign-extending load.
    pub is_ldsx: bool,
    /// Size of the underlying field for narrow loads (`ctx_field_size`).
    pub ctx_field_size: u32,
}

impl Default for BpfInsnAccessAux {
    fn default() -> Self {
        BpfInsnAccessAux { reg_type: SCALAR_VALUE, is_ldsx: false, ctx_field_size: 0 }
    }
}

/// The loader's capabilities, as the per-type callbacks consult them
/// (`bpf_token_capable()`, `perfmon_capable()`).
#[derive(Clone, Copy, Debug, Default)]
pub struct BpfCaps {
    /// `CAP_BPF` (or `CAP_SYS_ADMIN`).
    pub bpf: bool,
    /// `CAP_PERFMON` (or `CAP_SYS_ADMIN`).
    pub perfmon: bool,
    /// `CAP_SYS_ADMIN`.
    pub sys_admin: bool,
}

/// `is_valid_access(off, size, type, prog, info)`.
pub type IsValidAccessFn = fn(
    off: i32,
    size: i32,
    write: bool,
    prog: &mut BpfProg,
    info: &mut BpfInsnAccessAux,
    caps: BpfCaps,
) -> bool;
/// `get_func_proto(func_id, prog)`.
pub type GetFuncProtoFn = fn(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto>;
/// `convert_ctx_access(type, si, insn_buf, prog, target_size)`: the
/// replacement insns, and the size of the field actually loaded.
pub type ConvertCtxAccessFn =
    fn(write: bool, si: &BpfInsn, prog: &BpfProg, target_size: &mut u32) -> Vec<BpfInsn>;

/// `gen_prologue(insn_buf, direct_write, prog)`: instructions to run
/// before the program (the last one is the program's first, which the
/// prologue replaces); empty for none.
pub type GenPrologueFn = fn(direct_write: bool, prog: &BpfProg) -> Vec<BpfInsn>;

/// `struct bpf_verifier_ops`.
pub struct BpfVerifierOps {
    /// `get_func_proto`.
    pub get_func_proto: GetFuncProtoFn,
    /// `is_valid_access`.
    pub is_valid_access: IsValidAccessFn,
    /// `convert_ctx_access`.
    pub convert_ctx_access: Option<ConvertCtxAccessFn>,
    /// `gen_prologue`; a program type that may write packet data directly
    /// needs one.
    pub gen_prologue: Option<GenPrologueFn>,
}

fn no_ctx_access(_: i32, _: i32, _: bool, _: &mut BpfProg, _: &mut BpfInsnAccessAux, _: BpfCaps) -> bool {
    false
}

/// Ops of a type this model does not describe yet.
pub static UNSUPPORTED: BpfVerifierOps = BpfVerifierOps {
    get_func_proto: filter::bpf_base_func_proto_fn,
    is_valid_access: no_ctx_access,
    convert_ctx_access: None,
    gen_prologue: None,
};

macro_rules! unsupported_ops {
    ($($n:ident),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($n), "_verifier_ops`: not described by this model yet.")]
            pub mod $n {
                /// The ops.
                pub static VERIFIER_OPS: &super::BpfVerifierOps = &super::UNSUPPORTED;
            }
        )*
    };
}
unsupported_ops!(
    cg_sock,
    cg_sock_addr,
    lwt_in,
    lwt_out,
    lwt_xmit,
    lwt_seg6local,
    sock_ops,
    sk_skb,
    sk_msg,
    flow_dissector,
    perf_event,
    raw_tracepoint_writable,
    tracing,
    cg_dev,
    cg_sysctl,
    cg_sockopt,
    lirc_mode2,
    sk_reuseport,
    sk_lookup,
    bpf_struct_ops,
    bpf_extension,
    lsm,
    bpf_syscall,
    netfilter,
);
pub use filter::{cg_skb, sk_filter, tc_cls_act, xdp};
pub use trace::{kprobe, raw_tracepoint, tracepoint};

macro_rules! verifier_ops_table {
    (prog_types { $(($id:ident, $name:ident, $ctx:expr, $kctx:expr),)* }
     map_types { $(($mid:ident, $ops:ident),)* }
     link_types { $(($lid:ident, $lname:ident),)* }) => {
        /// `bpf_verifier_ops[type]`, expanded from `bpf_types!`.
        pub fn bpf_verifier_ops(t: BpfProgType) -> Option<&'static BpfVerifierOps> {
            $( if t == $id { return Some($name::VERIFIER_OPS); } )*
            None
        }
    };
}
bpf_core::bpf_types!(verifier_ops_table);

/// The return range `check_return_code()` enforces for the main program
/// of `prog`'s type, and the range that sets
/// `enforce_expected_attach_type`. `None`: any scalar.
pub fn return_range(prog: &BpfProg) -> Option<(BpfRetvalRange, Option<Tnum>)> {
    let r = |a, b| BpfRetvalRange { minval: a, maxval: b };
    match prog.prog_type {
        BPF_PROG_TYPE_CGROUP_SKB => {
            if prog.expected_attach_type == BPF_CGROUP_INET_EGRESS {
                Some((r(0, 3), Some(tnum_range(2, 3))))
            } else {
                Some((r(0, 1), None))
            }
        }
        BPF_PROG_TYPE_CGROUP_SOCK
        | BPF_PROG_TYPE_SOCK_OPS
        | BPF_PROG_TYPE_CGROUP_DEVICE
        | BPF_PROG_TYPE_CGROUP_SYSCTL
        | BPF_PROG_TYPE_CGROUP_SOCKOPT => Some((r(0, 1), None)),
        BPF_PROG_TYPE_RAW_TRACEPOINT if prog.aux.attach_btf_id != 0 => Some((r(0, 0), None)),
        BPF_PROG_TYPE_SK_LOOKUP => Some((r(0, 1), None)),
        BPF_PROG_TYPE_NETFILTER => Some((r(0, 1), None)),
        BPF_PROG_TYPE_KPROBE
            if prog.expected_attach_type == BPF_TRACE_KPROBE_SESSION
                || prog.expected_attach_type == BPF_TRACE_UPROBE_SESSION =>
        {
            Some((r(0, 1), None))
        }
        _ => None,
    }
}

/// `may_access_skb()`: types whose context is an skb (`LD_ABS` allowed).
pub fn may_access_skb(t: BpfProgType) -> bool {
    matches!(t, BPF_PROG_TYPE_SOCKET_FILTER | BPF_PROG_TYPE_SCHED_CLS | BPF_PROG_TYPE_SCHED_ACT)
}

//! `struct bpf_func_proto` and the type vocabulary of `include/linux/bpf.h`
//! (v6.18) that helper prototypes and the verifier share: `enum
//! bpf_arg_type`, `enum bpf_return_type` and the `bpf_type_flag` bits that
//! modify both (and the verifier's `enum bpf_reg_type`).

use super::BpfHelperFn;

/// Bits of the base type; flags start above them (`BPF_BASE_TYPE_BITS`).
pub const BPF_BASE_TYPE_BITS: u32 = 8;
/// `BPF_BASE_TYPE_MASK`.
pub const BPF_BASE_TYPE_MASK: u32 = (1 << BPF_BASE_TYPE_BITS) - 1;

// ---- enum bpf_type_flag ----
/// The pointer may be NULL.
pub const PTR_MAYBE_NULL: u32 = 1 << BPF_BASE_TYPE_BITS;
/// Read-only memory.
pub const MEM_RDONLY: u32 = 1 << (1 + BPF_BASE_TYPE_BITS);
/// Ring buffer memory.
pub const MEM_RINGBUF: u32 = 1 << (2 + BPF_BASE_TYPE_BITS);
/// User memory.
pub const MEM_USER: u32 = 1 << (3 + BPF_BASE_TYPE_BITS);
/// Per-CPU memory.
pub const MEM_PERCPU: u32 = 1 << (4 + BPF_BASE_TYPE_BITS);
/// The argument is released by the call.
pub const OBJ_RELEASE: u32 = 1 << (5 + BPF_BASE_TYPE_BITS);
/// An untrusted pointer.
pub const PTR_UNTRUSTED: u32 = 1 << (6 + BPF_BASE_TYPE_BITS);
/// The helper may write uninitialised memory behind the argument.
pub const MEM_UNINIT: u32 = 1 << (7 + BPF_BASE_TYPE_BITS);
/// Local dynptr.
pub const DYNPTR_TYPE_LOCAL: u32 = 1 << (8 + BPF_BASE_TYPE_BITS);
/// Ring buffer dynptr.
pub const DYNPTR_TYPE_RINGBUF: u32 = 1 << (9 + BPF_BASE_TYPE_BITS);
/// The memory has the fixed size given in the prototype's `arg_size`.
pub const MEM_FIXED_SIZE: u32 = 1 << (10 + BPF_BASE_TYPE_BITS);
/// Allocated object.
pub const MEM_ALLOC: u32 = 1 << (11 + BPF_BASE_TYPE_BITS);
/// A trusted pointer.
pub const PTR_TRUSTED: u32 = 1 << (12 + BPF_BASE_TYPE_BITS);
/// RCU-protected memory.
pub const MEM_RCU: u32 = 1 << (13 + BPF_BASE_TYPE_BITS);
/// A non-owning reference.
pub const NON_OWN_REF: u32 = 1 << (14 + BPF_BASE_TYPE_BITS);
/// skb dynptr.
pub const DYNPTR_TYPE_SKB: u32 = 1 << (15 + BPF_BASE_TYPE_BITS);
/// xdp dynptr.
pub const DYNPTR_TYPE_XDP: u32 = 1 << (16 + BPF_BASE_TYPE_BITS);
/// The memory is aligned to its size.
pub const MEM_ALIGNED: u32 = 1 << (17 + BPF_BASE_TYPE_BITS);
/// The helper writes the memory behind the argument.
pub const MEM_WRITE: u32 = 1 << (18 + BPF_BASE_TYPE_BITS);

/// `base_type()`.
#[inline]
pub const fn base_type(t: u32) -> u32 {
    t & BPF_BASE_TYPE_MASK
}
/// `type_flag()`.
#[inline]
pub const fn type_flag(t: u32) -> u32 {
    t & !BPF_BASE_TYPE_MASK
}

/// `enum bpf_arg_type`, base values (flags OR-ed in as in the kernel).
pub mod arg {
    #![allow(missing_docs)]
    use super::*;
    pub const ARG_DONTCARE: u32 = 0;
    pub const ARG_CONST_MAP_PTR: u32 = 1;
    pub const ARG_PTR_TO_MAP_KEY: u32 = 2;
    pub const ARG_PTR_TO_MAP_VALUE: u32 = 3;
    pub const ARG_PTR_TO_MEM: u32 = 4;
    pub const ARG_PTR_TO_ARENA: u32 = 5;
    pub const ARG_CONST_SIZE: u32 = 6;
    pub const ARG_CONST_SIZE_OR_ZERO: u32 = 7;
    pub const ARG_PTR_TO_CTX: u32 = 8;
    pub const ARG_ANYTHING: u32 = 9;
    pub const ARG_PTR_TO_SPIN_LOCK: u32 = 10;
    pub const ARG_PTR_TO_SOCK_COMMON: u32 = 11;
    pub const ARG_PTR_TO_SOCKET: u32 = 12;
    pub const ARG_PTR_TO_BTF_ID: u32 = 13;
    pub const ARG_PTR_TO_RINGBUF_MEM: u32 = 14;
    pub const ARG_CONST_ALLOC_SIZE_OR_ZERO: u32 = 15;
    pub const ARG_PTR_TO_BTF_ID_SOCK_COMMON: u32 = 16;
    pub const ARG_PTR_TO_PERCPU_BTF_ID: u32 = 17;
    pub const ARG_PTR_TO_FUNC: u32 = 18;
    pub const ARG_PTR_TO_STACK: u32 = 19;
    pub const ARG_PTR_TO_CONST_STR: u32 = 20;
    pub const ARG_PTR_TO_TIMER: u32 = 21;
    pub const ARG_KPTR_XCHG_DEST: u32 = 22;
    pub const ARG_PTR_TO_DYNPTR: u32 = 23;
    pub const __BPF_ARG_TYPE_MAX: u32 = 24;

    pub const ARG_PTR_TO_MAP_VALUE_OR_NULL: u32 = PTR_MAYBE_NULL | ARG_PTR_TO_MAP_VALUE;
    pub const ARG_PTR_TO_MEM_OR_NULL: u32 = PTR_MAYBE_NULL | ARG_PTR_TO_MEM;
    pub const ARG_PTR_TO_CTX_OR_NULL: u32 = PTR_MAYBE_NULL | ARG_PTR_TO_CTX;
    pub const ARG_PTR_TO_SOCKET_OR_NULL: u32 = PTR_MAYBE_NULL | ARG_PTR_TO_SOCKET;
    pub const ARG_PTR_TO_STACK_OR_NULL: u32 = PTR_MAYBE_NULL | ARG_PTR_TO_STACK;
    pub const ARG_PTR_TO_BTF_ID_OR_NULL: u32 = PTR_MAYBE_NULL | ARG_PTR_TO_BTF_ID;
    /// Memory the helper fills (it need not be initialised).
    pub const ARG_PTR_TO_UNINIT_MEM: u32 = ARG_PTR_TO_MEM | MEM_WRITE | MEM_UNINIT;
    /// Fixed-size memory the helper fills.
    pub const ARG_PTR_TO_FIXED_SIZE_MEM: u32 = ARG_PTR_TO_MEM | MEM_FIXED_SIZE;
}

/// `enum bpf_return_type`, base values.
pub mod ret {
    #![allow(missing_docs)]
    use super::*;
    pub const RET_INTEGER: u32 = 0;
    pub const RET_VOID: u32 = 1;
    pub const RET_PTR_TO_MAP_VALUE: u32 = 2;
    pub const RET_PTR_TO_SOCKET: u32 = 3;
    pub const RET_PTR_TO_TCP_SOCK: u32 = 4;
    pub const RET_PTR_TO_SOCK_COMMON: u32 = 5;
    pub const RET_PTR_TO_MEM: u32 = 6;
    pub const RET_PTR_TO_MEM_OR_BTF_ID: u32 = 7;
    pub const RET_PTR_TO_BTF_ID: u32 = 8;
    pub const __BPF_RET_TYPE_MAX: u32 = 9;

    pub const RET_PTR_TO_MAP_VALUE_OR_NULL: u32 = PTR_MAYBE_NULL | RET_PTR_TO_MAP_VALUE;
    pub const RET_PTR_TO_SOCKET_OR_NULL: u32 = PTR_MAYBE_NULL | RET_PTR_TO_SOCKET;
    pub const RET_PTR_TO_TCP_SOCK_OR_NULL: u32 = PTR_MAYBE_NULL | RET_PTR_TO_TCP_SOCK;
    pub const RET_PTR_TO_SOCK_COMMON_OR_NULL: u32 = PTR_MAYBE_NULL | RET_PTR_TO_SOCK_COMMON;
    pub const RET_PTR_TO_RINGBUF_MEM_OR_NULL: u32 = PTR_MAYBE_NULL | MEM_RINGBUF | RET_PTR_TO_MEM;
}

/// `struct bpf_func_proto`: what the verifier knows about a helper.
#[derive(Clone, Copy, Debug)]
pub struct BpfFuncProto {
    /// The implementation (`func`).
    pub func: BpfHelperFn,
    /// Only GPL-compatible programs may call it (`gpl_only`).
    pub gpl_only: bool,
    /// Accepts packet pointers for memory arguments (`pkt_access`).
    pub pkt_access: bool,
    /// May sleep (`might_sleep`).
    pub might_sleep: bool,
    /// Leaves r1..r5 untouched and may be treated specially (`allow_fastcall`).
    pub allow_fastcall: bool,
    /// `ret_type`.
    pub ret_type: u32,
    /// `arg1_type` .. `arg5_type`.
    pub arg_type: [u32; 5],
    /// `arg_size[]` of `MEM_FIXED_SIZE` arguments.
    pub arg_size: [u32; 5],
}

impl BpfFuncProto {
    /// A prototype with every argument `ARG_DONTCARE` returning an integer.
    pub const fn new(func: BpfHelperFn) -> Self {
        BpfFuncProto {
            func,
            gpl_only: false,
            pkt_access: false,
            might_sleep: false,
            allow_fastcall: false,
            ret_type: ret::RET_INTEGER,
            arg_type: [arg::ARG_DONTCARE; 5],
            arg_size: [0; 5],
        }
    }
}

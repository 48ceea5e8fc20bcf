//! The socket, tc, xdp and cgroup-skb program types of
//! `net/core/filter.c` (v6.18): their `is_valid_access`,
//! `convert_ctx_access` and `get_func_proto`.

use super::{BpfCaps, BpfInsnAccessAux, BpfVerifierOps};
use crate::state::*;
use bpf_core::ctx::{sk_buff_uapi as sk, xdp_md_uapi as xm};
use bpf_core::helpers::BpfFuncProto;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::*;

/// `bpf_ctx_narrow_access_ok()`.
pub fn bpf_ctx_narrow_access_ok(_off: i32, size: i32, size_default: i32) -> bool {
    size <= size_default && size & (size - 1) == 0
}

/// Is `off` inside the field `[start, start + len)`? (`bpf_ctx_range`)
fn in_range(off: i32, start: u32, len: u32) -> bool {
    off >= start as i32 && off < (start + len) as i32
}

/// Offsets of `struct bpf_sock` (uapi).
mod bpf_sock {
    pub const BOUND_DEV_IF: i32 = 0;
    pub const FAMILY: i32 = 4;
    pub const TYPE: i32 = 8;
    pub const PROTOCOL: i32 = 12;
    pub const PRIORITY: i32 = 20;
    pub const SRC_IP4: i32 = 24;
    pub const SRC_IP6: i32 = 28;
    pub const SRC_PORT: i32 = 44;
    pub const DST_PORT: i32 = 48;
    pub const DST_IP4: i32 = 52;
    pub const DST_IP6: i32 = 56;
    pub const STATE: i32 = 72;
    pub const RX_QUEUE_MAPPING: i32 = 76;
    pub const SIZE: i32 = 80;
}

/// Mirrors `net/core/filter.c:bpf_sock_is_valid_access()`: reads of a
/// `struct bpf_sock`; `field_size` gets the field's size for narrow loads.
pub fn bpf_sock_is_valid_access(off: i32, size: i32, field_size: &mut u32) -> bool {
    use bpf_sock::*;
    let size_default = 4;
    if !(0..SIZE).contains(&off) || size == 0 || off % size != 0 {
        return false;
    }
    let _ = BOUND_DEV_IF;
    match off {
        STATE | FAMILY | TYPE | PROTOCOL | SRC_PORT | RX_QUEUE_MAPPING => {
            *field_size = size_default as u32;
            bpf_ctx_narrow_access_ok(off, size, size_default)
        }
        o if (SRC_IP4..SRC_IP4 + 4).contains(&o)
            || (SRC_IP6..SRC_IP6 + 16).contains(&o)
            || (DST_IP4..DST_IP4 + 4).contains(&o)
            || (DST_IP6..DST_IP6 + 16).contains(&o) =>
        {
            *field_size = size_default as u32;
            bpf_ctx_narrow_access_ok(off, size, size_default)
        }
        o if (DST_PORT..DST_PORT + 4).contains(&o) => {
            // the __be16 field and its padding
            if o >= DST_PORT + 2 {
                return false;
            }
            let fs = if size == size_default { size_default } else { 2 };
            *field_size = fs as u32;
            bpf_ctx_narrow_access_ok(off, size, fs)
        }
        _ => size == size_default,
    }
}

/// Mirrors `net/core/filter.c:bpf_sock_common_is_valid_access()`: as a
/// socket, without `type`..`priority`, which a request or timewait socket
/// does not have.
pub fn bpf_sock_common_is_valid_access(off: i32, size: i32, field_size: &mut u32) -> bool {
    if (bpf_sock::TYPE..bpf_sock::PRIORITY + 4).contains(&off) {
        return false;
    }
    bpf_sock_is_valid_access(off, size, field_size)
}

/// Mirrors `net/core/filter.c:bpf_tcp_sock_is_valid_access()`.
pub fn bpf_tcp_sock_is_valid_access(off: i32, size: i32) -> bool {
    // offsetofend(struct bpf_tcp_sock, icsk_retransmits)
    const END: i32 = 112;
    const BYTES_RECEIVED: i32 = 80;
    const BYTES_ACKED: i32 = 88;
    if !(0..END).contains(&off) || size == 0 || off % size != 0 {
        return false;
    }
    match off {
        BYTES_RECEIVED | BYTES_ACKED => size == 8,
        _ => size == 4,
    }
}

/// Mirrors `net/core/filter.c:bpf_xdp_sock_is_valid_access()`.
pub fn bpf_xdp_sock_is_valid_access(off: i32, size: i32) -> bool {
    // struct bpf_xdp_sock { __u32 queue_id; }
    off == 0 && size == 4
}

/// Mirrors `net/core/filter.c:bpf_skb_is_valid_access()`: the checks every
/// `__sk_buff` program shares.
pub fn bpf_skb_is_valid_access(off: i32, size: i32, write: bool, info: &mut BpfInsnAccessAux) -> bool {
    let size_default = 4;
    if off < 0 || off >= sk::SIZE as i32 {
        return false;
    }
    if off % size != 0 {
        return false;
    }
    if in_range(off, sk::CB, 20) {
        if off + size > (sk::CB + 20) as i32 {
            return false;
        }
    } else if in_range(off, sk::DATA, 4) || in_range(off, sk::DATA_META, 4) || in_range(off, sk::DATA_END, 4)
    {
        if info.is_ldsx || size != size_default {
            return false;
        }
    } else if in_range(off, sk::REMOTE_IP6, 16)
        || in_range(off, sk::LOCAL_IP6, 16)
        || in_range(off, sk::REMOTE_IP4, 4)
        || in_range(off, sk::LOCAL_IP4, 4)
    {
        if size != size_default {
            return false;
        }
    } else if in_range(off, sk::FLOW_KEYS, 8) {
        return false;
    } else if in_range(off, sk::HWTSTAMP, 8) {
        if write || size != 8 {
            return false;
        }
    } else if in_range(off, sk::TSTAMP, 8) {
        if size != 8 {
            return false;
        }
    } else if in_range(off, sk::SK, 8) {
        if write || size != 8 {
            return false;
        }
        info.reg_type = PTR_MAYBE_NULL | PTR_TO_SOCK_COMMON;
    } else if off == sk::TSTAMP_TYPE as i32 {
        return false;
    } else if off > sk::TSTAMP_TYPE as i32 && off < sk::HWTSTAMP as i32 {
        // padding
        return false;
    } else if write {
        if size != size_default {
            return false;
        }
    } else {
        info.ctx_field_size = size_default as u32;
        if !bpf_ctx_narrow_access_ok(off, size, size_default) {
            return false;
        }
    }
    true
}

/// Mirrors `net/core/filter.c:sk_filter_is_valid_access()`.
fn sk_filter_is_valid_access(
    off: i32,
    size: i32,
    write: bool,
    _prog: &mut BpfProg,
    info: &mut BpfInsnAccessAux,
    _caps: BpfCaps,
) -> bool {
    if in_range(off, sk::TC_CLASSID, 4)
        || in_range(off, sk::DATA, 4)
        || in_range(off, sk::DATA_META, 4)
        || in_range(off, sk::DATA_END, 4)
        || (off >= sk::FAMILY as i32 && off < (sk::LOCAL_PORT + 4) as i32)
        || in_range(off, sk::TSTAMP, 8)
        || in_range(off, sk::WIRE_LEN, 4)
        || in_range(off, sk::HWTSTAMP, 8)
    {
        return false;
    }
    if write && !in_range(off, sk::CB, 20) {
        return false;
    }
    bpf_skb_is_valid_access(off, size, write, info)
}

/// Mirrors `net/core/filter.c:tc_cls_act_is_valid_access()`.
fn tc_cls_act_is_valid_access(
    off: i32,
    size: i32,
    write: bool,
    prog: &mut BpfProg,
    info: &mut BpfInsnAccessAux,
    _caps: BpfCaps,
) -> bool {
    if write
        && !(in_range(off, sk::MARK, 4)
            || in_range(off, sk::TC_INDEX, 4)
            || in_range(off, sk::PRIORITY, 4)
            || in_range(off, sk::TC_CLASSID, 4)
            || in_range(off, sk::CB, 20)
            || in_range(off, sk::TSTAMP, 8)
            || in_range(off, sk::QUEUE_MAPPING, 4))
    {
        return false;
    }
    if in_range(off, sk::DATA, 4) {
        info.reg_type = PTR_TO_PACKET;
    } else if in_range(off, sk::DATA_META, 4) {
        info.reg_type = PTR_TO_PACKET_META;
    } else if in_range(off, sk::DATA_END, 4) {
        info.reg_type = PTR_TO_PACKET_END;
    } else if off >= sk::FAMILY as i32 && off < (sk::LOCAL_PORT + 4) as i32 {
        return false;
    } else if off == sk::TSTAMP_TYPE as i32 {
        // tstamp's rewrite depends on whether tstamp_type is used
        prog.tstamp_type_access = true;
        return size == 1;
    }
    bpf_skb_is_valid_access(off, size, write, info)
}

/// Mirrors `net/core/filter.c:__is_valid_xdp_access()`.
fn __is_valid_xdp_access(off: i32, size: i32) -> bool {
    off >= 0 && off < xm::SIZE as i32 && off % size == 0 && size == 4
}

/// Mirrors `net/core/filter.c:xdp_is_valid_access()`.
fn xdp_is_valid_access(
    off: i32,
    size: i32,
    write: bool,
    prog: &mut BpfProg,
    info: &mut BpfInsnAccessAux,
    _caps: BpfCaps,
) -> bool {
    if prog.expected_attach_type != BPF_XDP_DEVMAP && off == xm::EGRESS_IFINDEX as i32 {
        return false;
    }
    if write {
        if prog.aux.offload_requested && off == xm::RX_QUEUE_INDEX as i32 {
            return __is_valid_xdp_access(off, size);
        }
        return false;
    } else if (off == xm::DATA_META as i32 || off == xm::DATA as i32 || off == xm::DATA_END as i32)
        && info.is_ldsx
    {
        return false;
    }
    if off == xm::DATA as i32 {
        info.reg_type = PTR_TO_PACKET;
    } else if off == xm::DATA_META as i32 {
        info.reg_type = PTR_TO_PACKET_META;
    } else if off == xm::DATA_END as i32 {
        info.reg_type = PTR_TO_PACKET_END;
    }
    __is_valid_xdp_access(off, size)
}

/// Mirrors `net/core/filter.c:cg_skb_is_valid_access()`.
fn cg_skb_is_valid_access(
    off: i32,
    size: i32,
    write: bool,
    _prog: &mut BpfProg,
    info: &mut BpfInsnAccessAux,
    caps: BpfCaps,
) -> bool {
    if in_range(off, sk::TC_CLASSID, 4) || in_range(off, sk::DATA_META, 4) || in_range(off, sk::WIRE_LEN, 4) {
        return false;
    }
    if (in_range(off, sk::DATA, 4) || in_range(off, sk::DATA_END, 4)) && !caps.bpf {
        return false;
    }
    if write {
        if in_range(off, sk::MARK, 4) || in_range(off, sk::PRIORITY, 4) || in_range(off, sk::CB, 20) {
        } else if in_range(off, sk::TSTAMP, 8) {
            if !caps.sys_admin {
                return false;
            }
        } else {
            return false;
        }
    }
    if in_range(off, sk::DATA, 4) {
        info.reg_type = PTR_TO_PACKET;
    } else if in_range(off, sk::DATA_END, 4) {
        info.reg_type = PTR_TO_PACKET_END;
    }
    bpf_skb_is_valid_access(off, size, write, info)
}

/// `bpf_base_func_proto()` as a `get_func_proto` callback.
pub fn bpf_base_func_proto_fn(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    crate::calls::bpf_base_func_proto(func_id, prog, caps)
}

/// `sk_filter_verifier_ops` (`BPF_PROG_TYPE_SOCKET_FILTER`).
pub mod sk_filter {
    use super::*;
    /// The ops.
    pub static VERIFIER_OPS: &BpfVerifierOps = &BpfVerifierOps {
        get_func_proto: crate::calls::sk_filter_func_proto,
        is_valid_access: sk_filter_is_valid_access,
        convert_ctx_access: Some(crate::fixups::bpf_convert_ctx_access),
        gen_prologue: None,
    };
}

/// `tc_cls_act_verifier_ops` (`BPF_PROG_TYPE_SCHED_CLS`, `SCHED_ACT`).
pub mod tc_cls_act {
    use super::*;
    /// The ops.
    pub static VERIFIER_OPS: &BpfVerifierOps = &BpfVerifierOps {
        get_func_proto: crate::calls::tc_cls_act_func_proto,
        is_valid_access: tc_cls_act_is_valid_access,
        convert_ctx_access: Some(crate::fixups::bpf_convert_ctx_access),
        gen_prologue: Some(crate::ctxconv::tc_cls_act_prologue),
    };
}

/// `xdp_verifier_ops` (`BPF_PROG_TYPE_XDP`).
pub mod xdp {
    use super::*;
    /// The ops.
    pub static VERIFIER_OPS: &BpfVerifierOps = &BpfVerifierOps {
        get_func_proto: crate::calls::xdp_func_proto,
        is_valid_access: xdp_is_valid_access,
        convert_ctx_access: Some(crate::fixups::xdp_convert_ctx_access),
        gen_prologue: Some(crate::ctxconv::bpf_noop_prologue),
    };
}

/// `cg_skb_verifier_ops` (`BPF_PROG_TYPE_CGROUP_SKB`).
pub mod cg_skb {
    use super::*;
    /// The ops.
    pub static VERIFIER_OPS: &BpfVerifierOps = &BpfVerifierOps {
        get_func_proto: crate::calls::cg_skb_func_proto,
        is_valid_access: cg_skb_is_valid_access,
        convert_ctx_access: Some(crate::fixups::bpf_convert_ctx_access),
        gen_prologue: Some(crate::ctxconv::bpf_noop_prologue),
    };
}

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
    } else if off == sk::SK as i32 {
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
    };
}

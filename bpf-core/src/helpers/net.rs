//! Packet helpers of `net/core/filter.c` (v6.18), on this project's
//! [`SkBuff`] and [`XdpBuff`] (the program's ctx pointer points at one).
//! The packet is linear: `skb->data_len` is always 0.

use super::misc::proto;
use super::proto::{arg::*, ret::*, BpfFuncProto, MEM_RDONLY, OBJ_RELEASE, PTR_MAYBE_NULL};
use crate::ctx::{SkBuff, XdpBuff};
use crate::errno::{EACCES, EFAULT, EINVAL, ENOMEM};

fn neg(e: crate::Errno) -> u64 {
    (-i64::from(e.0)) as u64
}

/// # Safety
/// `ctx` is the program's context, an [`SkBuff`] (the verifier checked
/// the argument as ARG_PTR_TO_CTX for a `__sk_buff` program).
unsafe fn skb<'a>(ctx: u64) -> &'a mut SkBuff {
    // SAFETY: the caller's contract.
    unsafe { &mut *(ctx as usize as *mut SkBuff) }
}

/// # Safety
/// As [`skb`], for an XDP program's [`XdpBuff`].
unsafe fn xdp<'a>(ctx: u64) -> &'a mut XdpBuff {
    // SAFETY: the caller's contract.
    unsafe { &mut *(ctx as usize as *mut XdpBuff) }
}

/// Mirrors `net/core/filter.c:bpf_skb_load_bytes()`: copy packet bytes out;
/// out of range, zero the buffer and return `-EFAULT`.
pub extern "C" fn bpf_skb_load_bytes(ctx: u64, offset: u64, to: u64, len: u64, _: u64) -> u64 {
    // SAFETY: r1 is the skb (ARG_PTR_TO_CTX); r3 points at r4 writable
    // bytes (ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE).
    let (s, dst) =
        unsafe { (skb(ctx), std::slice::from_raw_parts_mut(to as usize as *mut u8, len as usize)) };
    let off = offset as i32;
    if !(0..=0xffff).contains(&off) || off as u64 + len > u64::from(s.len) {
        dst.fill(0);
        return neg(EFAULT);
    }
    // SAFETY: [data + off, + len) lies inside the linear packet (checked
    // against skb->len just above).
    let src =
        unsafe { std::slice::from_raw_parts((s.data + off as u64) as usize as *const u8, len as usize) };
    dst.copy_from_slice(src);
    0
}

/// `BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH`.
const STORE_BYTES_FLAGS: u64 = 1 | 2;

/// Mirrors `net/core/filter.c:bpf_skb_store_bytes()`.
pub extern "C" fn bpf_skb_store_bytes(ctx: u64, offset: u64, from: u64, len: u64, flags: u64) -> u64 {
    if flags & !STORE_BYTES_FLAGS != 0 {
        return neg(EINVAL);
    }
    // SAFETY: r1 is the skb; r3 points at r4 readable bytes
    // (ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE).
    let (s, src) =
        unsafe { (skb(ctx), std::slice::from_raw_parts(from as usize as *const u8, len as usize)) };
    let off = offset as i32;
    if !(0..=0xffff).contains(&off) || off as u64 + len > u64::from(s.len) {
        return neg(EFAULT);
    }
    // SAFETY: inside the linear packet, checked above.
    let dst =
        unsafe { std::slice::from_raw_parts_mut((s.data + off as u64) as usize as *mut u8, len as usize) };
    dst.copy_from_slice(src);
    if flags & 2 != 0 {
        s.hash = 0;
    }
    0
}

/// Mirrors `net/core/filter.c:bpf_skb_pull_data()`: the packet is linear
/// already; only asking for more than there is fails.
pub extern "C" fn bpf_skb_pull_data(ctx: u64, len: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the skb.
    let s = unsafe { skb(ctx) };
    if len > u64::from(s.len) {
        return neg(ENOMEM);
    }
    0
}

/// Mirrors `net/core/filter.c:bpf_get_hash_recalc()`.
pub extern "C" fn bpf_get_hash_recalc(ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the skb.
    u64::from(unsafe { skb(ctx) }.hash)
}

/// Mirrors `net/core/filter.c:bpf_get_socket_cookie()`: 0 without a socket.
pub extern "C" fn bpf_get_socket_cookie(ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the skb.
    let s = unsafe { skb(ctx) };
    s.sk
}

/// Mirrors `net/core/filter.c:bpf_get_socket_uid()`: `overflowuid` (65534)
/// without a socket.
pub extern "C" fn bpf_get_socket_uid(ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the skb.
    let _ = unsafe { skb(ctx) };
    65534
}

/// Mirrors `lib/checksum.c:csum_partial()` folded the x86 way: 32-bit
/// words added with end-around carry.
fn csum_add(mut acc: u64, words: &[u8], invert: bool) -> u64 {
    for w in words.chunks_exact(4) {
        let mut v = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
        if invert {
            v = !v;
        }
        acc += u64::from(v);
    }
    acc
}

/// Mirrors `net/core/filter.c:bpf_csum_diff()`.
pub extern "C" fn bpf_csum_diff(from: u64, from_size: u64, to: u64, to_size: u64, seed: u64) -> u64 {
    let diff_size = from_size + to_size;
    if from_size % 4 != 0 || to_size % 4 != 0 || diff_size > 512 {
        return neg(EINVAL);
    }
    // SAFETY: r1/r3 are checked as ARG_PTR_TO_MEM (maybe NULL with size 0)
    // of the sizes in r2/r4.
    let f = if from_size == 0 {
        &[][..]
    } else {
        unsafe { std::slice::from_raw_parts(from as usize as *const u8, from_size as usize) }
    };
    // SAFETY: as above.
    let t = if to_size == 0 {
        &[][..]
    } else {
        unsafe { std::slice::from_raw_parts(to as usize as *const u8, to_size as usize) }
    };
    let mut acc = csum_add(u64::from(seed as u32), f, true);
    acc = csum_add(acc, t, false);
    while acc >> 32 != 0 {
        acc = (acc & 0xffff_ffff) + (acc >> 32);
    }
    acc
}

/// `TC_ACT_REDIRECT` / `XDP_REDIRECT`: the redirect helpers' verdicts.
pub const TC_ACT_REDIRECT: u64 = 7;
/// `XDP_REDIRECT`.
pub const XDP_REDIRECT: u64 = 4;
/// `TC_ACT_SHOT`.
pub const TC_ACT_SHOT: u64 = 2;
/// `XDP_ABORTED`.
pub const XDP_ABORTED: u64 = 0;

/// Mirrors `net/core/filter.c:bpf_redirect()`: the verdict that sends the
/// packet on (this model has no device to send it to).
pub extern "C" fn bpf_redirect(_ifindex: u64, flags: u64, _: u64, _: u64, _: u64) -> u64 {
    // BPF_F_INGRESS is the only flag
    if flags & !1 != 0 {
        return TC_ACT_SHOT;
    }
    TC_ACT_REDIRECT
}

/// Mirrors `net/core/filter.c:bpf_xdp_redirect()`.
pub extern "C" fn bpf_xdp_redirect(_ifindex: u64, flags: u64, _: u64, _: u64, _: u64) -> u64 {
    if flags != 0 {
        return XDP_ABORTED;
    }
    XDP_REDIRECT
}

/// `sizeof(struct xdp_frame)`: headroom `xdp_adjust_head` must leave.
const XDP_FRAME_SIZE: u64 = 40;
/// `ETH_HLEN`.
const ETH_HLEN: u64 = 14;
/// `sizeof(struct skb_shared_info)`: tailroom `xdp_adjust_tail` must leave.
const SKB_SHARED_INFO_SIZE: u64 = 320;

/// Mirrors `net/core/filter.c:bpf_xdp_adjust_head()`.
pub extern "C" fn bpf_xdp_adjust_head(ctx: u64, offset: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the xdp_buff.
    let x = unsafe { xdp(ctx) };
    let has_meta = x.data_meta <= x.data;
    let metalen = if has_meta { x.data - x.data_meta } else { 0 };
    let data = x.data.wrapping_add(offset as i32 as i64 as u64);
    let frame_end = x.data_hard_start + XDP_FRAME_SIZE;
    if data < frame_end + metalen || data > x.data_end.saturating_sub(ETH_HLEN) {
        return neg(EINVAL);
    }
    if metalen != 0 {
        // SAFETY: both ranges lie in the buffer between data_hard_start +
        // headroom and data_end, checked above.
        unsafe {
            std::ptr::copy(
                x.data_meta as usize as *const u8,
                (data - metalen) as usize as *mut u8,
                metalen as usize,
            )
        };
    }
    if has_meta {
        x.data_meta = data - metalen;
    }
    x.data = data;
    0
}

/// Mirrors `net/core/filter.c:bpf_xdp_adjust_tail()`.
pub extern "C" fn bpf_xdp_adjust_tail(ctx: u64, offset: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the xdp_buff.
    let x = unsafe { xdp(ctx) };
    let data_hard_end = x.data_hard_start + u64::from(x.frame_sz) - SKB_SHARED_INFO_SIZE;
    let off = offset as i32 as i64;
    let data_end = x.data_end.wrapping_add(off as u64);
    if data_end > data_hard_end || data_end < x.data + ETH_HLEN {
        return neg(EINVAL);
    }
    if off > 0 {
        // SAFETY: [old data_end, new data_end) is inside the frame, checked
        // against data_hard_end above.
        unsafe { std::ptr::write_bytes(x.data_end as usize as *mut u8, 0, off as usize) };
    }
    x.data_end = data_end;
    0
}

/// Mirrors `net/core/filter.c:bpf_xdp_adjust_meta()`.
pub extern "C" fn bpf_xdp_adjust_meta(ctx: u64, offset: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the xdp_buff.
    let x = unsafe { xdp(ctx) };
    if x.data_meta > x.data {
        // metadata unsupported by the driver
        return neg(crate::errno::ENOTSUPP);
    }
    let meta = x.data_meta.wrapping_add(offset as i32 as i64 as u64);
    let frame_end = x.data_hard_start + XDP_FRAME_SIZE;
    if meta < frame_end || meta > x.data {
        return neg(EINVAL);
    }
    let metalen = x.data - meta;
    if metalen % 4 != 0 || metalen > 32 {
        return neg(EACCES);
    }
    x.data_meta = meta;
    0
}

/// `BPF_F_INDEX_MASK`: the perf_event_array slot in the flags.
pub const BPF_F_INDEX_MASK: u64 = 0xffff_ffff;
/// `BPF_F_CURRENT_CPU`: the slot of the CPU the program runs on.
pub const BPF_F_CURRENT_CPU: u64 = BPF_F_INDEX_MASK;
/// `BPF_F_CTXLEN_MASK`: how many bytes of the packet to append to a sample.
pub const BPF_F_CTXLEN_MASK: u64 = 0xfffff << 32;

/// Mirrors `kernel/trace/bpf_trace.c:__bpf_perf_event_output()`: the slot
/// named by the flags' index (`BPF_F_CURRENT_CPU`: this CPU's), then the
/// output to the event there (see [`BpfMapOps::perf_event_output`]).
///
/// # Safety
/// `map` is the address of a live [`BpfMap`] (ARG_CONST_MAP_PTR) and
/// `data` points at `size` readable bytes (ARG_PTR_TO_MEM, ARG_CONST_SIZE_OR_ZERO).
///
/// [`BpfMapOps::perf_event_output`]: crate::maps::BpfMapOps::perf_event_output
unsafe fn __bpf_perf_event_output(map: u64, flags: u64, data: u64, size: u64) -> u64 {
    // SAFETY: the caller's contract.
    let map = unsafe { &*(map as usize as *const crate::maps::BpfMap) };
    let data: &[u8] = if size == 0 {
        &[]
    } else {
        // SAFETY: as above, `size` readable bytes at `data`.
        unsafe { std::slice::from_raw_parts(data as usize as *const u8, size as usize) }
    };
    let cpu = crate::run_ctx::BpfRunCtx::current_cpu();
    let mut index = flags & BPF_F_INDEX_MASK;
    if index == BPF_F_CURRENT_CPU {
        index = u64::from(cpu);
    }
    super::errno_ret(map.ops.perf_event_output(index, cpu, data))
}

/// Mirrors `kernel/trace/bpf_trace.c:bpf_perf_event_output()` (kprobe and
/// tracepoint programs): only an index in the flags.
pub extern "C" fn bpf_perf_event_output(_regs: u64, map: u64, flags: u64, data: u64, size: u64) -> u64 {
    if flags & !BPF_F_INDEX_MASK != 0 {
        return neg(EINVAL);
    }
    // SAFETY: r2 was checked as ARG_CONST_MAP_PTR, r4/r5 as ARG_PTR_TO_MEM
    // with ARG_CONST_SIZE_OR_ZERO.
    unsafe { __bpf_perf_event_output(map, flags, data, size) }
}

/// Mirrors `net/core/filter.c:bpf_skb_event_output()`: the flags may also
/// ask for `BPF_F_CTXLEN_MASK` bytes of the packet, which must exist.
pub extern "C" fn bpf_skb_event_output(ctx: u64, map: u64, flags: u64, meta: u64, meta_size: u64) -> u64 {
    let skb_size = (flags & BPF_F_CTXLEN_MASK) >> 32;
    if flags & !(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK) != 0 {
        return neg(EINVAL);
    }
    // SAFETY: r1 is the skb (ARG_PTR_TO_CTX).
    let s = unsafe { skb(ctx) };
    if skb_size > u64::from(s.len) {
        return neg(EFAULT);
    }
    // SAFETY: r2 was checked as ARG_CONST_MAP_PTR, r4/r5 as ARG_PTR_TO_MEM
    // with ARG_CONST_SIZE_OR_ZERO.
    unsafe { __bpf_perf_event_output(map, flags, meta, meta_size) }
}

/// Mirrors `net/core/filter.c:bpf_xdp_event_output()`: as
/// [`bpf_skb_event_output`], against the frame's length
/// (`xdp_get_buff_len()`: the frame is linear here).
pub extern "C" fn bpf_xdp_event_output(ctx: u64, map: u64, flags: u64, meta: u64, meta_size: u64) -> u64 {
    let xdp_size = (flags & BPF_F_CTXLEN_MASK) >> 32;
    if flags & !(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK) != 0 {
        return neg(EINVAL);
    }
    // SAFETY: r1 is the xdp_buff (ARG_PTR_TO_CTX).
    let x = unsafe { xdp(ctx) };
    if xdp_size > x.data_end.saturating_sub(x.data) {
        return neg(EFAULT);
    }
    // SAFETY: as in `bpf_skb_event_output`.
    unsafe { __bpf_perf_event_output(map, flags, meta, meta_size) }
}

proto!(
    BPF_SKB_LOAD_BYTES_PROTO,
    bpf_skb_load_bytes,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE]
);
proto!(
    BPF_SKB_STORE_BYTES_PROTO,
    bpf_skb_store_bytes,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE, ARG_ANYTHING]
);
proto!(
    BPF_L3_CSUM_REPLACE_PROTO,
    bpf_l3_csum_replace,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING]
);
proto!(
    BPF_L4_CSUM_REPLACE_PROTO,
    bpf_l4_csum_replace,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING]
);
proto!(BPF_CSUM_UPDATE_PROTO, bpf_csum_update, RET_INTEGER, [ARG_PTR_TO_CTX, ARG_ANYTHING]);
proto!(BPF_SET_HASH_INVALID_PROTO, bpf_set_hash_invalid, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(BPF_SET_HASH_PROTO, bpf_set_hash, RET_INTEGER, [ARG_PTR_TO_CTX, ARG_ANYTHING]);
proto!(BPF_GET_CGROUP_CLASSID_PROTO, bpf_get_cgroup_classid, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(BPF_SKB_CGROUP_CLASSID_PROTO, bpf_skb_cgroup_classid, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(BPF_GET_ROUTE_REALM_PROTO, bpf_get_route_realm, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(
    BPF_SKB_LOAD_BYTES_RELATIVE_PROTO,
    bpf_skb_load_bytes_relative,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE, ARG_ANYTHING]
);
proto!(
    BPF_SK_LOOKUP_TCP_PROTO,
    bpf_sk_lookup_tcp,
    RET_PTR_TO_SOCKET_OR_NULL,
    [ARG_PTR_TO_CTX, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE, ARG_ANYTHING, ARG_ANYTHING],
    pkt_access: true
);
proto!(
    BPF_SK_LOOKUP_UDP_PROTO,
    bpf_sk_lookup_udp,
    RET_PTR_TO_SOCKET_OR_NULL,
    [ARG_PTR_TO_CTX, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE, ARG_ANYTHING, ARG_ANYTHING],
    pkt_access: true
);
proto!(
    BPF_SKC_LOOKUP_TCP_PROTO,
    bpf_skc_lookup_tcp,
    RET_PTR_TO_SOCK_COMMON_OR_NULL,
    [ARG_PTR_TO_CTX, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE, ARG_ANYTHING, ARG_ANYTHING],
    pkt_access: true
);
proto!(BPF_SK_RELEASE_PROTO, bpf_sk_release, RET_INTEGER, [ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE]);
proto!(BPF_SK_FULLSOCK_PROTO, bpf_sk_fullsock, RET_PTR_TO_SOCKET_OR_NULL, [ARG_PTR_TO_SOCK_COMMON]);
proto!(BPF_TCP_SOCK_PROTO, bpf_tcp_sock, RET_PTR_TO_TCP_SOCK_OR_NULL, [ARG_PTR_TO_SOCK_COMMON]);
proto!(
    BPF_GET_LISTENER_SOCK_PROTO,
    bpf_get_listener_sock,
    RET_PTR_TO_SOCKET_OR_NULL,
    [ARG_PTR_TO_SOCK_COMMON]
);
proto!(
    BPF_PERF_EVENT_OUTPUT_RAW_TP_PROTO,
    bpf_perf_event_output,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO],
    gpl_only: true
);
proto!(BPF_XDP_GET_BUFF_LEN_PROTO, bpf_xdp_get_buff_len, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(
    BPF_XDP_LOAD_BYTES_PROTO,
    bpf_xdp_load_bytes,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE]
);
proto!(
    BPF_XDP_STORE_BYTES_PROTO,
    bpf_xdp_store_bytes,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE]
);
proto!(BPF_GET_CGROUP_CLASSID_CURR_PROTO, bpf_get_cgroup_classid_curr, RET_INTEGER, []);
proto!(BPF_SKB_PULL_DATA_PROTO, bpf_skb_pull_data, RET_INTEGER, [ARG_PTR_TO_CTX, ARG_ANYTHING]);
proto!(BPF_GET_HASH_RECALC_PROTO, bpf_get_hash_recalc, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(BPF_GET_SOCKET_COOKIE_PROTO, bpf_get_socket_cookie, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(BPF_GET_SOCKET_UID_PROTO, bpf_get_socket_uid, RET_INTEGER, [ARG_PTR_TO_CTX]);
proto!(BPF_CSUM_DIFF_PROTO, bpf_csum_diff, RET_INTEGER, [ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO, ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING], pkt_access: true);
proto!(BPF_REDIRECT_PROTO, bpf_redirect, RET_INTEGER, [ARG_ANYTHING, ARG_ANYTHING]);
proto!(BPF_XDP_REDIRECT_PROTO, bpf_xdp_redirect, RET_INTEGER, [ARG_ANYTHING, ARG_ANYTHING]);
proto!(BPF_XDP_ADJUST_HEAD_PROTO, bpf_xdp_adjust_head, RET_INTEGER, [ARG_PTR_TO_CTX, ARG_ANYTHING]);
proto!(BPF_XDP_ADJUST_TAIL_PROTO, bpf_xdp_adjust_tail, RET_INTEGER, [ARG_PTR_TO_CTX, ARG_ANYTHING]);
proto!(BPF_XDP_ADJUST_META_PROTO, bpf_xdp_adjust_meta, RET_INTEGER, [ARG_PTR_TO_CTX, ARG_ANYTHING]);
proto!(
    BPF_PERF_EVENT_OUTPUT_PROTO,
    bpf_perf_event_output,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO],
    gpl_only: true
);
proto!(
    BPF_SKB_EVENT_OUTPUT_PROTO,
    bpf_skb_event_output,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO],
    gpl_only: true
);
proto!(
    BPF_XDP_EVENT_OUTPUT_PROTO,
    bpf_xdp_event_output,
    RET_INTEGER,
    [ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO],
    gpl_only: true
);

/// `BPF_F_HDR_FIELD_MASK`: the size of the checksummed field (0, 2 or 4).
const BPF_F_HDR_FIELD_MASK: u64 = 0xf;
/// `BPF_F_PSEUDO_HDR`.
const BPF_F_PSEUDO_HDR: u64 = 1 << 4;
/// `BPF_F_MARK_MANGLED_0`.
const BPF_F_MARK_MANGLED_0: u64 = 1 << 5;
/// `BPF_F_MARK_ENFORCE`.
const BPF_F_MARK_ENFORCE: u64 = 1 << 6;
/// `BPF_F_IPV6`.
const BPF_F_IPV6: u64 = 1 << 7;
/// `CSUM_MANGLED_0`.
const CSUM_MANGLED_0: u16 = 0xffff;

/// `csum_add()` of `include/net/checksum.h`: 32-bit ones' complement sum.
fn csum32_add(a: u32, b: u32) -> u32 {
    let (r, c) = a.overflowing_add(b);
    r.wrapping_add(u32::from(c))
}
/// `csum_sub()`.
fn csum32_sub(a: u32, b: u32) -> u32 {
    csum32_add(a, !b)
}
/// `csum_fold()`: 32 bits folded to 16, inverted.
fn csum_fold(c: u32) -> u16 {
    let mut s = (c & 0xffff) + (c >> 16);
    s = (s & 0xffff) + (s >> 16);
    !(s as u16)
}
/// `csum16_add()`.
fn csum16_add(c: u16, a: u16) -> u16 {
    let (r, carry) = c.overflowing_add(a);
    r.wrapping_add(u16::from(carry))
}

/// The checksum field `[data + offset, + 2)`, after the common checks of
/// the csum_replace helpers (`offset > 0xffff || offset & 1` and
/// `bpf_try_make_writable`: the field lies in the linear packet).
fn csum_field(s: &SkBuff, offset: u64) -> Option<*mut u16> {
    let off = offset as u32;
    if off > 0xffff || off & 1 != 0 || u64::from(off) + 2 > u64::from(s.len) {
        return None;
    }
    Some((s.data + u64::from(off)) as usize as *mut u16)
}

/// Mirrors `net/core/filter.c:bpf_l3_csum_replace()`. The packet's
/// `ip_summed` is `CHECKSUM_NONE` (as in the kernel's test runs), so only
/// the field itself changes.
pub extern "C" fn bpf_l3_csum_replace(ctx: u64, offset: u64, from: u64, to: u64, flags: u64) -> u64 {
    if flags & !BPF_F_HDR_FIELD_MASK != 0 {
        return neg(EINVAL);
    }
    // SAFETY: r1 is the skb (ARG_PTR_TO_CTX).
    let s = unsafe { skb(ctx) };
    let Some(ptr) = csum_field(s, offset) else { return neg(EFAULT) };
    // SAFETY: two bytes inside the linear packet (csum_field); the field
    // is 2-aligned relative to data, not necessarily in memory.
    let sum = unsafe { ptr.read_unaligned() };
    let new = match flags & BPF_F_HDR_FIELD_MASK {
        0 => {
            if from != 0 {
                return neg(EINVAL);
            }
            // csum_replace_by_diff()
            csum_fold(csum32_add(to as u32, !u32::from(sum)))
        }
        // csum_replace2()
        2 => !csum16_add(csum16_add(!sum, !(from as u16)), to as u16),
        // csum_replace4()
        4 => csum_fold(csum32_add(csum32_sub(!u32::from(sum), from as u32), to as u32)),
        _ => return neg(EINVAL),
    };
    // SAFETY: as above.
    unsafe { ptr.write_unaligned(new) };
    0
}

/// Mirrors `net/core/filter.c:bpf_l4_csum_replace()`. With `ip_summed`
/// `CHECKSUM_NONE` the `inet_proto_csum_replace*` functions update the
/// field the same way whether or not the change is in the pseudo header.
pub extern "C" fn bpf_l4_csum_replace(ctx: u64, offset: u64, from: u64, to: u64, flags: u64) -> u64 {
    let is_mmzero = flags & BPF_F_MARK_MANGLED_0 != 0;
    let do_mforce = flags & BPF_F_MARK_ENFORCE != 0;
    if flags
        & !(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6)
        != 0
    {
        return neg(EINVAL);
    }
    // SAFETY: r1 is the skb (ARG_PTR_TO_CTX).
    let s = unsafe { skb(ctx) };
    let Some(ptr) = csum_field(s, offset) else { return neg(EFAULT) };
    // SAFETY: two bytes inside the linear packet (csum_field).
    let sum = unsafe { ptr.read_unaligned() };
    if is_mmzero && !do_mforce && sum == 0 {
        return 0;
    }
    let mut new = match flags & BPF_F_HDR_FIELD_MASK {
        0 => {
            if from != 0 {
                return neg(EINVAL);
            }
            // inet_proto_csum_replace_by_diff()
            csum_fold(csum32_add(to as u32, !u32::from(sum)))
        }
        // inet_proto_csum_replace2(): csum_replace4 of the 16-bit values
        2 => csum_fold(csum32_add(csum32_sub(!u32::from(sum), u32::from(from as u16)), u32::from(to as u16))),
        // inet_proto_csum_replace4()
        4 => csum_fold(csum32_add(csum32_sub(!u32::from(sum), from as u32), to as u32)),
        _ => return neg(EINVAL),
    };
    if is_mmzero && new == 0 {
        new = CSUM_MANGLED_0;
    }
    // SAFETY: as above.
    unsafe { ptr.write_unaligned(new) };
    0
}

/// Mirrors `net/core/filter.c:bpf_csum_update()`: only a
/// `CHECKSUM_COMPLETE` packet has a checksum to update; this model's (as
/// the kernel's test-run packets) are `CHECKSUM_NONE`.
pub extern "C" fn bpf_csum_update(_ctx: u64, _csum: u64, _: u64, _: u64, _: u64) -> u64 {
    neg(crate::errno::ENOTSUPP)
}

/// Mirrors `net/core/filter.c:bpf_set_hash_invalid()` (`skb_clear_hash`).
pub extern "C" fn bpf_set_hash_invalid(ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the skb.
    unsafe { skb(ctx) }.hash = 0;
    0
}

/// Mirrors `net/core/filter.c:bpf_set_hash()` (`__skb_set_sw_hash`).
pub extern "C" fn bpf_set_hash(ctx: u64, hash: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the skb.
    unsafe { skb(ctx) }.hash = hash as u32;
    0
}

/// Mirrors `net/core/filter.c:bpf_get_cgroup_classid()`: the net_cls
/// class of the current task; this model has no net_cls cgroups (nor has a
/// cgroup v2 host), so 0.
pub extern "C" fn bpf_get_cgroup_classid(_ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_skb_cgroup_classid()`: the socket's
/// net_cls class, 0 as above.
pub extern "C" fn bpf_skb_cgroup_classid(_ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_get_route_realm()` (`dst_tclassid`): 0
/// without a route attached to the packet, which this model never has.
pub extern "C" fn bpf_get_route_realm(_ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// `BPF_HDR_START_MAC`.
const BPF_HDR_START_MAC: u64 = 0;
/// `BPF_HDR_START_NET`.
const BPF_HDR_START_NET: u64 = 1;

/// Mirrors `net/core/filter.c:bpf_skb_load_bytes_relative()`: copy from
/// the MAC or network header on; out of range, zero the buffer and return
/// `-EFAULT`.
pub extern "C" fn bpf_skb_load_bytes_relative(
    ctx: u64,
    offset: u64,
    to: u64,
    len: u64,
    start_header: u64,
) -> u64 {
    // SAFETY: r1 is the skb; r3 points at r4 writable bytes
    // (ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE).
    let (s, dst) =
        unsafe { (skb(ctx), std::slice::from_raw_parts_mut(to as usize as *mut u8, len as usize)) };
    let off = offset as u32;
    let start = match start_header {
        BPF_HDR_START_MAC if s.mac_header != u16::MAX => s.head + u64::from(s.mac_header),
        BPF_HDR_START_NET => s.head + u64::from(s.network_header),
        _ => 0,
    };
    // skb_tail_pointer(): the end of the linear data
    let end = s.data + u64::from(s.len);
    if start == 0 || off > 0xffff || start + u64::from(off) + len > end || start + u64::from(off) < s.head {
        dst.fill(0);
        return neg(EFAULT);
    }
    // SAFETY: [start + off, + len) lies between head and the tail.
    let src =
        unsafe { std::slice::from_raw_parts((start + u64::from(off)) as usize as *const u8, len as usize) };
    dst.copy_from_slice(src);
    0
}

/// Mirrors `net/core/filter.c:bpf_sk_lookup_tcp()` (and its tc, xdp and
/// cgroup variants): the socket of a 4-tuple in the packet's network
/// namespace, with a reference the program must drop. This model has no
/// sockets to find: NULL, as the kernel answers when nothing listens.
pub extern "C" fn bpf_sk_lookup_tcp(_ctx: u64, _tuple: u64, _len: u64, _netns: u64, _flags: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_sk_lookup_udp()`: NULL (no sockets).
pub extern "C" fn bpf_sk_lookup_udp(_ctx: u64, _tuple: u64, _len: u64, _netns: u64, _flags: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_skc_lookup_tcp()`: NULL (no sockets).
pub extern "C" fn bpf_skc_lookup_tcp(_ctx: u64, _tuple: u64, _len: u64, _netns: u64, _flags: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_sk_release()`: drop the reference a
/// lookup took (none is ever taken here).
pub extern "C" fn bpf_sk_release(_sk: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_sk_fullsock()`: the socket itself when
/// it is a full socket, which every [`crate::ctx::Sock`] is.
pub extern "C" fn bpf_sk_fullsock(sk: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    sk
}

/// Mirrors `net/core/filter.c:bpf_tcp_sock()`: the socket when it is a
/// TCP socket, else NULL. This model has no TCP sockets (the test-run
/// socket, [`crate::ctx::Sock::test_run_dummy`], has protocol 0), so NULL.
pub extern "C" fn bpf_tcp_sock(_sk: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_get_listener_sock()`: the socket when
/// it listens (`TCP_LISTEN`), else NULL. This model's sockets never do.
pub extern "C" fn bpf_get_listener_sock(sk: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: as in bpf_tcp_sock.
    let s = unsafe { &*(sk as usize as *const crate::ctx::Sock) };
    // TCP_LISTEN
    if s.state == 10 {
        return sk;
    }
    0
}

/// Mirrors `net/core/filter.c:bpf_xdp_get_buff_len()`: the frame's
/// length (this model's frames have no fragments).
pub extern "C" fn bpf_xdp_get_buff_len(ctx: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 is the xdp_buff.
    let x = unsafe { xdp(ctx) };
    x.data_end - x.data
}

/// `bpf_xdp_pointer()` for a linear frame: the address of `[offset, +
/// len)`, or the errno.
fn xdp_pointer(x: &XdpBuff, offset: u64, len: u64) -> Result<u64, crate::Errno> {
    let (offset, len) = (offset as u32, len as u32);
    if offset > 0xffff || len > 0xffff {
        return Err(EFAULT);
    }
    if u64::from(offset) + u64::from(len) > x.data_end - x.data {
        return Err(EINVAL);
    }
    Ok(x.data + u64::from(offset))
}

/// Mirrors `net/core/filter.c:bpf_xdp_load_bytes()`.
pub extern "C" fn bpf_xdp_load_bytes(ctx: u64, offset: u64, buf: u64, len: u64, _: u64) -> u64 {
    // SAFETY: r1 is the xdp_buff; r3 points at r4 writable bytes
    // (ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE).
    let x = unsafe { xdp(ctx) };
    match xdp_pointer(x, offset, len) {
        Ok(p) => {
            // SAFETY: [p, p + len) is inside the frame (xdp_pointer); the
            // buffer is the program's (verifier-checked).
            unsafe { std::ptr::copy(p as usize as *const u8, buf as usize as *mut u8, len as usize) };
            0
        }
        Err(e) => neg(e),
    }
}

/// Mirrors `net/core/filter.c:bpf_xdp_store_bytes()`.
pub extern "C" fn bpf_xdp_store_bytes(ctx: u64, offset: u64, buf: u64, len: u64, _: u64) -> u64 {
    // SAFETY: r1 is the xdp_buff; r3 points at r4 readable bytes
    // (ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE).
    let x = unsafe { xdp(ctx) };
    match xdp_pointer(x, offset, len) {
        Ok(p) => {
            // SAFETY: as in bpf_xdp_load_bytes, the other way.
            unsafe { std::ptr::copy(buf as usize as *const u8, p as usize as *mut u8, len as usize) };
            0
        }
        Err(e) => neg(e),
    }
}

/// Mirrors `net/core/filter.c:bpf_get_cgroup_classid_curr()`: the
/// current task's net_cls class (0: no net_cls cgroups here).
pub extern "C" fn bpf_get_cgroup_classid_curr(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// Mirrors `net/core/filter.c:bpf_skb_load_helper_{8,16,32}_no_cache()`:
/// what a rewritten `LD_ABS`/`LD_IND` calls — a big-endian load of `size`
/// bytes at `offset`, or a negative value when out of the packet (the
/// rewritten code then returns 0 from the program).
fn skb_load_helper(ctx: u64, offset: u64, size: usize) -> u64 {
    // SAFETY: `bpf_gen_ld_abs` passes the program's ctx (kept in r6, which
    // the verifier checked is PTR_TO_CTX at every LD_ABS/LD_IND).
    let s = unsafe { skb(ctx) };
    let off = offset as i32;
    if off < 0 || off as u64 + size as u64 > u64::from(s.len) {
        return neg(EFAULT);
    }
    // SAFETY: [data + off, + size) is inside the linear packet.
    let b = unsafe { std::slice::from_raw_parts((s.data + off as u64) as usize as *const u8, size) };
    b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x))
}

/// `bpf_skb_load_helper_8_no_cache`.
pub extern "C" fn bpf_skb_load_helper_8_no_cache(ctx: u64, offset: u64, _: u64, _: u64, _: u64) -> u64 {
    skb_load_helper(ctx, offset, 1)
}
/// `bpf_skb_load_helper_16_no_cache`.
pub extern "C" fn bpf_skb_load_helper_16_no_cache(ctx: u64, offset: u64, _: u64, _: u64, _: u64) -> u64 {
    skb_load_helper(ctx, offset, 2)
}
/// `bpf_skb_load_helper_32_no_cache`.
pub extern "C" fn bpf_skb_load_helper_32_no_cache(ctx: u64, offset: u64, _: u64, _: u64, _: u64) -> u64 {
    skb_load_helper(ctx, offset, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_bytes_checks_bounds() {
        let mut pkt = [1u8, 2, 3, 4, 5, 6];
        let mut s = SkBuff { data: pkt.as_mut_ptr() as u64, len: 6, ..Default::default() };
        s.data_end = s.data + 6;
        let ctx = &mut s as *mut SkBuff as u64;
        let mut out = [0xffu8; 4];
        assert_eq!(bpf_skb_load_bytes(ctx, 2, out.as_mut_ptr() as u64, 4, 0), 0);
        assert_eq!(out, [3, 4, 5, 6]);
        assert_eq!(bpf_skb_load_bytes(ctx, 3, out.as_mut_ptr() as u64, 4, 0) as i64, -14);
        assert_eq!(out, [0; 4]);
    }

    #[test]
    fn csum_diff_of_nothing_is_the_seed() {
        assert_eq!(bpf_csum_diff(0, 0, 0, 0, 0x1234), 0x1234);
        let a = [0u8, 0, 0, 1];
        assert_ne!(bpf_csum_diff(0, 0, a.as_ptr() as u64, 4, 0), 0);
    }

    /// The IPv4 header checksum of `h` (checksum field included: 0 when valid).
    fn ip_csum(h: &[u8]) -> u16 {
        let mut s: u32 = h.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
        while s >> 16 != 0 {
            s = (s & 0xffff) + (s >> 16);
        }
        !(s as u16)
    }

    #[test]
    fn l3_csum_replace_keeps_the_header_valid() {
        let mut h = [0x45u8, 0, 0, 0x54, 0x12, 0x34, 0x40, 0, 0x40, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        let c = ip_csum(&h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(ip_csum(&h), 0);
        let mut s = SkBuff { data: h.as_mut_ptr() as u64, len: h.len() as u32, ..Default::default() };
        let ctx = &mut s as *mut SkBuff as u64;
        // new source address 192.168.7.9, as the program would pass it
        // (the bytes in memory order, read as a native u32)
        let from = u32::from_ne_bytes([10, 0, 0, 1]);
        let to = u32::from_ne_bytes([192, 168, 7, 9]);
        assert_eq!(bpf_l3_csum_replace(ctx, 10, u64::from(from), u64::from(to), 4), 0);
        h[12..16].copy_from_slice(&[192, 168, 7, 9]);
        assert_eq!(ip_csum(&h), 0);
        // the ttl (16 bits with the protocol) through csum_replace2
        let from = u16::from_ne_bytes([0x40, 1]);
        let to = u16::from_ne_bytes([0x3f, 1]);
        assert_eq!(bpf_l3_csum_replace(ctx, 10, u64::from(from), u64::from(to), 2), 0);
        h[8] = 0x3f;
        assert_eq!(ip_csum(&h), 0);
        // odd offsets, bad flags, out of the packet
        assert_eq!(bpf_l3_csum_replace(ctx, 11, 0, 0, 2) as i64, -14);
        assert_eq!(bpf_l3_csum_replace(ctx, 10, 0, 0, 0x10) as i64, -22);
        assert_eq!(bpf_l3_csum_replace(ctx, 19, 0, 0, 2) as i64, -14);
    }
}

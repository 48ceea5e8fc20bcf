//! The `include/linux/bpf_types.h` trick: every program, map and link type
//! listed once, as a macro the users expand into their own tables.
//!
//! In the kernel, syscall.c defines `BPF_PROG_TYPE(_id, _name, ...)` to make
//! `bpf_prog_types[] = { [_id] = &_name##_prog_ops }`, verifier.c makes
//! `bpf_verifier_ops[]` from the same list, btf.c the ctx conversion table.
//! Here [`bpf_types!`](crate::bpf_types) takes the name of a callback macro
//! and hands it the whole list; each crate writes its callback and gets its
//! own table, so a new type is one line in one place.
//!
//! The list is v6.18 with the configuration of the running kernel (every
//! `#ifdef` in the header taken).

/// Calls `$callback! { prog_types { ... } map_types { ... } link_types { ... } }`
/// with every type of v6.18's `bpf_types.h`.
///
/// - `prog_types`: `(id, name, uapi ctx type, kernel ctx type)`, where `id`
///   is the `BPF_PROG_TYPE_*` constant, `name` the kernel's ops prefix
///   (`sk_filter` as in `sk_filter_prog_ops`) and the ctx types are the C
///   type names as strings.
/// - `map_types`: `(id, ops)`, `ops` the kernel's `*_map_ops` name.
/// - `link_types`: `(id, name)`.
///
/// ```
/// macro_rules! count_types {
///     (prog_types { $(($id:ident, $name:ident, $ctx:expr, $kctx:expr),)* }
///      map_types { $(($mid:ident, $ops:ident),)* }
///      link_types { $(($lid:ident, $lname:ident),)* }) => {
///         [$(stringify!($id)),*].len()
///     };
/// }
/// assert_eq!(bpf_core::bpf_types!(count_types), 32);
/// ```
#[macro_export]
macro_rules! bpf_types {
    ($callback:ident) => {
        $callback! {
            prog_types {
                (BPF_PROG_TYPE_SOCKET_FILTER, sk_filter, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_SCHED_CLS, tc_cls_act, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_SCHED_ACT, tc_cls_act, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_XDP, xdp, "struct xdp_md", "struct xdp_buff"),
                (BPF_PROG_TYPE_CGROUP_SKB, cg_skb, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_CGROUP_SOCK, cg_sock, "struct bpf_sock", "struct sock"),
                (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, cg_sock_addr, "struct bpf_sock_addr", "struct bpf_sock_addr_kern"),
                (BPF_PROG_TYPE_LWT_IN, lwt_in, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_LWT_OUT, lwt_out, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_LWT_XMIT, lwt_xmit, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_LWT_SEG6LOCAL, lwt_seg6local, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_SOCK_OPS, sock_ops, "struct bpf_sock_ops", "struct bpf_sock_ops_kern"),
                (BPF_PROG_TYPE_SK_SKB, sk_skb, "struct __sk_buff", "struct sk_buff"),
                (BPF_PROG_TYPE_SK_MSG, sk_msg, "struct sk_msg_md", "struct sk_msg"),
                (BPF_PROG_TYPE_FLOW_DISSECTOR, flow_dissector, "struct __sk_buff", "struct bpf_flow_dissector"),
                (BPF_PROG_TYPE_KPROBE, kprobe, "bpf_user_pt_regs_t", "struct pt_regs"),
                (BPF_PROG_TYPE_TRACEPOINT, tracepoint, "__u64", "u64"),
                (BPF_PROG_TYPE_PERF_EVENT, perf_event, "struct bpf_perf_event_data", "struct bpf_perf_event_data_kern"),
                (BPF_PROG_TYPE_RAW_TRACEPOINT, raw_tracepoint, "struct bpf_raw_tracepoint_args", "u64"),
                (BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, raw_tracepoint_writable, "struct bpf_raw_tracepoint_args", "u64"),
                (BPF_PROG_TYPE_TRACING, tracing, "void *", "void *"),
                (BPF_PROG_TYPE_CGROUP_DEVICE, cg_dev, "struct bpf_cgroup_dev_ctx", "struct bpf_cgroup_dev_ctx"),
                (BPF_PROG_TYPE_CGROUP_SYSCTL, cg_sysctl, "struct bpf_sysctl", "struct bpf_sysctl_kern"),
                (BPF_PROG_TYPE_CGROUP_SOCKOPT, cg_sockopt, "struct bpf_sockopt", "struct bpf_sockopt_kern"),
                (BPF_PROG_TYPE_LIRC_MODE2, lirc_mode2, "__u32", "u32"),
                (BPF_PROG_TYPE_SK_REUSEPORT, sk_reuseport, "struct sk_reuseport_md", "struct sk_reuseport_kern"),
                (BPF_PROG_TYPE_SK_LOOKUP, sk_lookup, "struct bpf_sk_lookup", "struct bpf_sk_lookup_kern"),
                (BPF_PROG_TYPE_STRUCT_OPS, bpf_struct_ops, "void *", "void *"),
                (BPF_PROG_TYPE_EXT, bpf_extension, "void *", "void *"),
                (BPF_PROG_TYPE_LSM, lsm, "void *", "void *"),
                (BPF_PROG_TYPE_SYSCALL, bpf_syscall, "void *", "void *"),
                (BPF_PROG_TYPE_NETFILTER, netfilter, "struct bpf_nf_ctx", "struct bpf_nf_ctx"),
            }
            map_types {
                (BPF_MAP_TYPE_ARRAY, array_map_ops),
                (BPF_MAP_TYPE_PERCPU_ARRAY, percpu_array_map_ops),
                (BPF_MAP_TYPE_PROG_ARRAY, prog_array_map_ops),
                (BPF_MAP_TYPE_PERF_EVENT_ARRAY, perf_event_array_map_ops),
                (BPF_MAP_TYPE_CGROUP_ARRAY, cgroup_array_map_ops),
                (BPF_MAP_TYPE_CGROUP_STORAGE, cgroup_storage_map_ops),
                (BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, cgroup_storage_map_ops),
                (BPF_MAP_TYPE_HASH, htab_map_ops),
                (BPF_MAP_TYPE_PERCPU_HASH, htab_percpu_map_ops),
                (BPF_MAP_TYPE_LRU_HASH, htab_lru_map_ops),
                (BPF_MAP_TYPE_LRU_PERCPU_HASH, htab_lru_percpu_map_ops),
                (BPF_MAP_TYPE_LPM_TRIE, trie_map_ops),
                (BPF_MAP_TYPE_STACK_TRACE, stack_trace_map_ops),
                (BPF_MAP_TYPE_ARRAY_OF_MAPS, array_of_maps_map_ops),
                (BPF_MAP_TYPE_HASH_OF_MAPS, htab_of_maps_map_ops),
                (BPF_MAP_TYPE_DEVMAP, dev_map_ops),
                (BPF_MAP_TYPE_DEVMAP_HASH, dev_map_hash_ops),
                (BPF_MAP_TYPE_SK_STORAGE, sk_storage_map_ops),
                (BPF_MAP_TYPE_INODE_STORAGE, inode_storage_map_ops),
                (BPF_MAP_TYPE_TASK_STORAGE, task_storage_map_ops),
                (BPF_MAP_TYPE_CPUMAP, cpu_map_ops),
                (BPF_MAP_TYPE_XSKMAP, xsk_map_ops),
                (BPF_MAP_TYPE_SOCKMAP, sock_map_ops),
                (BPF_MAP_TYPE_SOCKHASH, sock_hash_ops),
                (BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, reuseport_array_ops),
                (BPF_MAP_TYPE_QUEUE, queue_map_ops),
                (BPF_MAP_TYPE_STACK, stack_map_ops),
                (BPF_MAP_TYPE_STRUCT_OPS, bpf_struct_ops_map_ops),
                (BPF_MAP_TYPE_RINGBUF, ringbuf_map_ops),
                (BPF_MAP_TYPE_BLOOM_FILTER, bloom_filter_map_ops),
                (BPF_MAP_TYPE_USER_RINGBUF, user_ringbuf_map_ops),
                (BPF_MAP_TYPE_CGRP_STORAGE, cgrp_storage_map_ops),
                (BPF_MAP_TYPE_ARENA, arena_map_ops),
            }
            link_types {
                (BPF_LINK_TYPE_RAW_TRACEPOINT, raw_tracepoint),
                (BPF_LINK_TYPE_TRACING, tracing),
                (BPF_LINK_TYPE_CGROUP, cgroup),
                (BPF_LINK_TYPE_ITER, iter),
                (BPF_LINK_TYPE_NETNS, netns),
                (BPF_LINK_TYPE_XDP, xdp),
                (BPF_LINK_TYPE_PERF_EVENT, perf),
                (BPF_LINK_TYPE_KPROBE_MULTI, kprobe_multi),
                (BPF_LINK_TYPE_STRUCT_OPS, struct_ops),
                (BPF_LINK_TYPE_UPROBE_MULTI, uprobe_multi),
            }
        }
    };
}

use crate::uapi::{BpfMapType, BpfProgType};

/// One program type as `bpf_types.h` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfProgTypeDesc {
    /// `BPF_PROG_TYPE_*`.
    pub id: BpfProgType,
    /// The kernel's ops prefix (`sk_filter` of `sk_filter_prog_ops`).
    pub name: &'static str,
    /// The context type a program sees (`struct __sk_buff`).
    pub ctx: &'static str,
    /// The kernel object behind it (`struct sk_buff`).
    pub kctx: &'static str,
}

/// One map type as `bpf_types.h` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfMapTypeDesc {
    /// `BPF_MAP_TYPE_*`.
    pub id: BpfMapType,
    /// The kernel's ops table (`array_map_ops`).
    pub ops: &'static str,
}

macro_rules! core_tables {
    (prog_types { $(($id:ident, $name:ident, $ctx:expr, $kctx:expr),)* }
     map_types { $(($mid:ident, $ops:ident),)* }
     link_types { $(($lid:ident, $lname:ident),)* }) => {
        /// Every program type of `bpf_types.h`, in its order.
        pub const BPF_PROG_TYPES: &[BpfProgTypeDesc] = &[
            $(BpfProgTypeDesc {
                id: crate::uapi::$id,
                name: stringify!($name),
                ctx: $ctx,
                kctx: $kctx,
            },)*
        ];
        /// Every map type of `bpf_types.h`, in its order.
        pub const BPF_MAP_TYPES: &[BpfMapTypeDesc] = &[
            $(BpfMapTypeDesc { id: crate::uapi::$mid, ops: stringify!($ops) },)*
        ];
    };
}
bpf_types!(core_tables);

/// The `bpf_types.h` entry of a program type (`find_prog_type`'s table).
pub fn bpf_prog_type_desc(t: BpfProgType) -> Option<&'static BpfProgTypeDesc> {
    BPF_PROG_TYPES.iter().find(|d| d.id == t)
}

/// The `bpf_types.h` entry of a map type (`find_and_alloc_map`'s table).
pub fn bpf_map_type_desc(t: BpfMapType) -> Option<&'static BpfMapTypeDesc> {
    BPF_MAP_TYPES.iter().find(|d| d.id == t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::*;

    #[test]
    fn every_known_type_is_listed_once() {
        for t in 1..BpfProgType::MAX {
            let n = BPF_PROG_TYPES.iter().filter(|d| d.id.0 == t).count();
            assert_eq!(n, 1, "prog type {:?}", BpfProgType(t));
        }
        for t in 1..BpfMapType::MAX {
            let n = BPF_MAP_TYPES.iter().filter(|d| d.id.0 == t).count();
            assert_eq!(n, 1, "map type {:?}", BpfMapType(t));
        }
        assert_eq!(bpf_prog_type_desc(BPF_PROG_TYPE_XDP).unwrap().ctx, "struct xdp_md");
        assert!(bpf_prog_type_desc(BPF_PROG_TYPE_UNSPEC).is_none());
    }
}

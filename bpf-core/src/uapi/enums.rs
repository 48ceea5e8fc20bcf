//! The enums of uapi `bpf.h` (v6.18) with the kernel's numbers: program
//! types, attach types, map types, commands, link types and helper ids.
//!
//! Generated from the BTF of the running v6.18 kernel
//! (`/sys/kernel/btf/vmlinux`), so the numbers are the kernel's own.
#![allow(non_upper_case_globals)]

/// `enum bpf_prog_type`.
///
/// A newtype over the raw `u32`, so values the kernel does not know can
/// still be carried (and refused with `EINVAL`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BpfProgType(pub u32);

/// `BPF_PROG_TYPE_UNSPEC` = 0
pub const BPF_PROG_TYPE_UNSPEC: BpfProgType = BpfProgType(0);
/// `BPF_PROG_TYPE_SOCKET_FILTER` = 1
pub const BPF_PROG_TYPE_SOCKET_FILTER: BpfProgType = BpfProgType(1);
/// `BPF_PROG_TYPE_KPROBE` = 2
pub const BPF_PROG_TYPE_KPROBE: BpfProgType = BpfProgType(2);
/// `BPF_PROG_TYPE_SCHED_CLS` = 3
pub const BPF_PROG_TYPE_SCHED_CLS: BpfProgType = BpfProgType(3);
/// `BPF_PROG_TYPE_SCHED_ACT` = 4
pub const BPF_PROG_TYPE_SCHED_ACT: BpfProgType = BpfProgType(4);
/// `BPF_PROG_TYPE_TRACEPOINT` = 5
pub const BPF_PROG_TYPE_TRACEPOINT: BpfProgType = BpfProgType(5);
/// `BPF_PROG_TYPE_XDP` = 6
pub const BPF_PROG_TYPE_XDP: BpfProgType = BpfProgType(6);
/// `BPF_PROG_TYPE_PERF_EVENT` = 7
pub const BPF_PROG_TYPE_PERF_EVENT: BpfProgType = BpfProgType(7);
/// `BPF_PROG_TYPE_CGROUP_SKB` = 8
pub const BPF_PROG_TYPE_CGROUP_SKB: BpfProgType = BpfProgType(8);
/// `BPF_PROG_TYPE_CGROUP_SOCK` = 9
pub const BPF_PROG_TYPE_CGROUP_SOCK: BpfProgType = BpfProgType(9);
/// `BPF_PROG_TYPE_LWT_IN` = 10
pub const BPF_PROG_TYPE_LWT_IN: BpfProgType = BpfProgType(10);
/// `BPF_PROG_TYPE_LWT_OUT` = 11
pub const BPF_PROG_TYPE_LWT_OUT: BpfProgType = BpfProgType(11);
/// `BPF_PROG_TYPE_LWT_XMIT` = 12
pub const BPF_PROG_TYPE_LWT_XMIT: BpfProgType = BpfProgType(12);
/// `BPF_PROG_TYPE_SOCK_OPS` = 13
pub const BPF_PROG_TYPE_SOCK_OPS: BpfProgType = BpfProgType(13);
/// `BPF_PROG_TYPE_SK_SKB` = 14
pub const BPF_PROG_TYPE_SK_SKB: BpfProgType = BpfProgType(14);
/// `BPF_PROG_TYPE_CGROUP_DEVICE` = 15
pub const BPF_PROG_TYPE_CGROUP_DEVICE: BpfProgType = BpfProgType(15);
/// `BPF_PROG_TYPE_SK_MSG` = 16
pub const BPF_PROG_TYPE_SK_MSG: BpfProgType = BpfProgType(16);
/// `BPF_PROG_TYPE_RAW_TRACEPOINT` = 17
pub const BPF_PROG_TYPE_RAW_TRACEPOINT: BpfProgType = BpfProgType(17);
/// `BPF_PROG_TYPE_CGROUP_SOCK_ADDR` = 18
pub const BPF_PROG_TYPE_CGROUP_SOCK_ADDR: BpfProgType = BpfProgType(18);
/// `BPF_PROG_TYPE_LWT_SEG6LOCAL` = 19
pub const BPF_PROG_TYPE_LWT_SEG6LOCAL: BpfProgType = BpfProgType(19);
/// `BPF_PROG_TYPE_LIRC_MODE2` = 20
pub const BPF_PROG_TYPE_LIRC_MODE2: BpfProgType = BpfProgType(20);
/// `BPF_PROG_TYPE_SK_REUSEPORT` = 21
pub const BPF_PROG_TYPE_SK_REUSEPORT: BpfProgType = BpfProgType(21);
/// `BPF_PROG_TYPE_FLOW_DISSECTOR` = 22
pub const BPF_PROG_TYPE_FLOW_DISSECTOR: BpfProgType = BpfProgType(22);
/// `BPF_PROG_TYPE_CGROUP_SYSCTL` = 23
pub const BPF_PROG_TYPE_CGROUP_SYSCTL: BpfProgType = BpfProgType(23);
/// `BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE` = 24
pub const BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: BpfProgType = BpfProgType(24);
/// `BPF_PROG_TYPE_CGROUP_SOCKOPT` = 25
pub const BPF_PROG_TYPE_CGROUP_SOCKOPT: BpfProgType = BpfProgType(25);
/// `BPF_PROG_TYPE_TRACING` = 26
pub const BPF_PROG_TYPE_TRACING: BpfProgType = BpfProgType(26);
/// `BPF_PROG_TYPE_STRUCT_OPS` = 27
pub const BPF_PROG_TYPE_STRUCT_OPS: BpfProgType = BpfProgType(27);
/// `BPF_PROG_TYPE_EXT` = 28
pub const BPF_PROG_TYPE_EXT: BpfProgType = BpfProgType(28);
/// `BPF_PROG_TYPE_LSM` = 29
pub const BPF_PROG_TYPE_LSM: BpfProgType = BpfProgType(29);
/// `BPF_PROG_TYPE_SK_LOOKUP` = 30
pub const BPF_PROG_TYPE_SK_LOOKUP: BpfProgType = BpfProgType(30);
/// `BPF_PROG_TYPE_SYSCALL` = 31
pub const BPF_PROG_TYPE_SYSCALL: BpfProgType = BpfProgType(31);
/// `BPF_PROG_TYPE_NETFILTER` = 32
pub const BPF_PROG_TYPE_NETFILTER: BpfProgType = BpfProgType(32);

impl BpfProgType {
    /// One past the largest value v6.18 knows (`__MAX_...`).
    pub const MAX: u32 = 33;
    /// The kernel's constant name, or `None` for an unknown value.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("BPF_PROG_TYPE_UNSPEC"),
            1 => Some("BPF_PROG_TYPE_SOCKET_FILTER"),
            2 => Some("BPF_PROG_TYPE_KPROBE"),
            3 => Some("BPF_PROG_TYPE_SCHED_CLS"),
            4 => Some("BPF_PROG_TYPE_SCHED_ACT"),
            5 => Some("BPF_PROG_TYPE_TRACEPOINT"),
            6 => Some("BPF_PROG_TYPE_XDP"),
            7 => Some("BPF_PROG_TYPE_PERF_EVENT"),
            8 => Some("BPF_PROG_TYPE_CGROUP_SKB"),
            9 => Some("BPF_PROG_TYPE_CGROUP_SOCK"),
            10 => Some("BPF_PROG_TYPE_LWT_IN"),
            11 => Some("BPF_PROG_TYPE_LWT_OUT"),
            12 => Some("BPF_PROG_TYPE_LWT_XMIT"),
            13 => Some("BPF_PROG_TYPE_SOCK_OPS"),
            14 => Some("BPF_PROG_TYPE_SK_SKB"),
            15 => Some("BPF_PROG_TYPE_CGROUP_DEVICE"),
            16 => Some("BPF_PROG_TYPE_SK_MSG"),
            17 => Some("BPF_PROG_TYPE_RAW_TRACEPOINT"),
            18 => Some("BPF_PROG_TYPE_CGROUP_SOCK_ADDR"),
            19 => Some("BPF_PROG_TYPE_LWT_SEG6LOCAL"),
            20 => Some("BPF_PROG_TYPE_LIRC_MODE2"),
            21 => Some("BPF_PROG_TYPE_SK_REUSEPORT"),
            22 => Some("BPF_PROG_TYPE_FLOW_DISSECTOR"),
            23 => Some("BPF_PROG_TYPE_CGROUP_SYSCTL"),
            24 => Some("BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE"),
            25 => Some("BPF_PROG_TYPE_CGROUP_SOCKOPT"),
            26 => Some("BPF_PROG_TYPE_TRACING"),
            27 => Some("BPF_PROG_TYPE_STRUCT_OPS"),
            28 => Some("BPF_PROG_TYPE_EXT"),
            29 => Some("BPF_PROG_TYPE_LSM"),
            30 => Some("BPF_PROG_TYPE_SK_LOOKUP"),
            31 => Some("BPF_PROG_TYPE_SYSCALL"),
            32 => Some("BPF_PROG_TYPE_NETFILTER"),
            _ => None,
        }
    }
    /// The name libbpf and bpftool use (`socket_filter`, `xdp`).
    pub fn short_name(self) -> Option<String> {
        self.name().map(|n| n.trim_start_matches("BPF_PROG_TYPE_").to_ascii_lowercase())
    }
    /// Parses a constant name (`BPF_PROG_TYPE_SOCKET_FILTER`) or a short name (`socket_filter`).
    pub fn from_name(s: &str) -> Option<Self> {
        (0..Self::MAX_SCAN).map(Self).find(|t| t.name() == Some(s) || t.short_name().as_deref() == Some(s))
    }
    const MAX_SCAN: u32 = 33;
}

impl std::fmt::Debug for BpfProgType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "BpfProgType({})", self.0),
        }
    }
}
/// `enum bpf_attach_type`.
///
/// A newtype over the raw `u32`, so values the kernel does not know can
/// still be carried (and refused with `EINVAL`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BpfAttachType(pub u32);

/// `BPF_CGROUP_INET_INGRESS` = 0
pub const BPF_CGROUP_INET_INGRESS: BpfAttachType = BpfAttachType(0);
/// `BPF_CGROUP_INET_EGRESS` = 1
pub const BPF_CGROUP_INET_EGRESS: BpfAttachType = BpfAttachType(1);
/// `BPF_CGROUP_INET_SOCK_CREATE` = 2
pub const BPF_CGROUP_INET_SOCK_CREATE: BpfAttachType = BpfAttachType(2);
/// `BPF_CGROUP_SOCK_OPS` = 3
pub const BPF_CGROUP_SOCK_OPS: BpfAttachType = BpfAttachType(3);
/// `BPF_SK_SKB_STREAM_PARSER` = 4
pub const BPF_SK_SKB_STREAM_PARSER: BpfAttachType = BpfAttachType(4);
/// `BPF_SK_SKB_STREAM_VERDICT` = 5
pub const BPF_SK_SKB_STREAM_VERDICT: BpfAttachType = BpfAttachType(5);
/// `BPF_CGROUP_DEVICE` = 6
pub const BPF_CGROUP_DEVICE: BpfAttachType = BpfAttachType(6);
/// `BPF_SK_MSG_VERDICT` = 7
pub const BPF_SK_MSG_VERDICT: BpfAttachType = BpfAttachType(7);
/// `BPF_CGROUP_INET4_BIND` = 8
pub const BPF_CGROUP_INET4_BIND: BpfAttachType = BpfAttachType(8);
/// `BPF_CGROUP_INET6_BIND` = 9
pub const BPF_CGROUP_INET6_BIND: BpfAttachType = BpfAttachType(9);
/// `BPF_CGROUP_INET4_CONNECT` = 10
pub const BPF_CGROUP_INET4_CONNECT: BpfAttachType = BpfAttachType(10);
/// `BPF_CGROUP_INET6_CONNECT` = 11
pub const BPF_CGROUP_INET6_CONNECT: BpfAttachType = BpfAttachType(11);
/// `BPF_CGROUP_INET4_POST_BIND` = 12
pub const BPF_CGROUP_INET4_POST_BIND: BpfAttachType = BpfAttachType(12);
/// `BPF_CGROUP_INET6_POST_BIND` = 13
pub const BPF_CGROUP_INET6_POST_BIND: BpfAttachType = BpfAttachType(13);
/// `BPF_CGROUP_UDP4_SENDMSG` = 14
pub const BPF_CGROUP_UDP4_SENDMSG: BpfAttachType = BpfAttachType(14);
/// `BPF_CGROUP_UDP6_SENDMSG` = 15
pub const BPF_CGROUP_UDP6_SENDMSG: BpfAttachType = BpfAttachType(15);
/// `BPF_LIRC_MODE2` = 16
pub const BPF_LIRC_MODE2: BpfAttachType = BpfAttachType(16);
/// `BPF_FLOW_DISSECTOR` = 17
pub const BPF_FLOW_DISSECTOR: BpfAttachType = BpfAttachType(17);
/// `BPF_CGROUP_SYSCTL` = 18
pub const BPF_CGROUP_SYSCTL: BpfAttachType = BpfAttachType(18);
/// `BPF_CGROUP_UDP4_RECVMSG` = 19
pub const BPF_CGROUP_UDP4_RECVMSG: BpfAttachType = BpfAttachType(19);
/// `BPF_CGROUP_UDP6_RECVMSG` = 20
pub const BPF_CGROUP_UDP6_RECVMSG: BpfAttachType = BpfAttachType(20);
/// `BPF_CGROUP_GETSOCKOPT` = 21
pub const BPF_CGROUP_GETSOCKOPT: BpfAttachType = BpfAttachType(21);
/// `BPF_CGROUP_SETSOCKOPT` = 22
pub const BPF_CGROUP_SETSOCKOPT: BpfAttachType = BpfAttachType(22);
/// `BPF_TRACE_RAW_TP` = 23
pub const BPF_TRACE_RAW_TP: BpfAttachType = BpfAttachType(23);
/// `BPF_TRACE_FENTRY` = 24
pub const BPF_TRACE_FENTRY: BpfAttachType = BpfAttachType(24);
/// `BPF_TRACE_FEXIT` = 25
pub const BPF_TRACE_FEXIT: BpfAttachType = BpfAttachType(25);
/// `BPF_MODIFY_RETURN` = 26
pub const BPF_MODIFY_RETURN: BpfAttachType = BpfAttachType(26);
/// `BPF_LSM_MAC` = 27
pub const BPF_LSM_MAC: BpfAttachType = BpfAttachType(27);
/// `BPF_TRACE_ITER` = 28
pub const BPF_TRACE_ITER: BpfAttachType = BpfAttachType(28);
/// `BPF_CGROUP_INET4_GETPEERNAME` = 29
pub const BPF_CGROUP_INET4_GETPEERNAME: BpfAttachType = BpfAttachType(29);
/// `BPF_CGROUP_INET6_GETPEERNAME` = 30
pub const BPF_CGROUP_INET6_GETPEERNAME: BpfAttachType = BpfAttachType(30);
/// `BPF_CGROUP_INET4_GETSOCKNAME` = 31
pub const BPF_CGROUP_INET4_GETSOCKNAME: BpfAttachType = BpfAttachType(31);
/// `BPF_CGROUP_INET6_GETSOCKNAME` = 32
pub const BPF_CGROUP_INET6_GETSOCKNAME: BpfAttachType = BpfAttachType(32);
/// `BPF_XDP_DEVMAP` = 33
pub const BPF_XDP_DEVMAP: BpfAttachType = BpfAttachType(33);
/// `BPF_CGROUP_INET_SOCK_RELEASE` = 34
pub const BPF_CGROUP_INET_SOCK_RELEASE: BpfAttachType = BpfAttachType(34);
/// `BPF_XDP_CPUMAP` = 35
pub const BPF_XDP_CPUMAP: BpfAttachType = BpfAttachType(35);
/// `BPF_SK_LOOKUP` = 36
pub const BPF_SK_LOOKUP: BpfAttachType = BpfAttachType(36);
/// `BPF_XDP` = 37
pub const BPF_XDP: BpfAttachType = BpfAttachType(37);
/// `BPF_SK_SKB_VERDICT` = 38
pub const BPF_SK_SKB_VERDICT: BpfAttachType = BpfAttachType(38);
/// `BPF_SK_REUSEPORT_SELECT` = 39
pub const BPF_SK_REUSEPORT_SELECT: BpfAttachType = BpfAttachType(39);
/// `BPF_SK_REUSEPORT_SELECT_OR_MIGRATE` = 40
pub const BPF_SK_REUSEPORT_SELECT_OR_MIGRATE: BpfAttachType = BpfAttachType(40);
/// `BPF_PERF_EVENT` = 41
pub const BPF_PERF_EVENT: BpfAttachType = BpfAttachType(41);
/// `BPF_TRACE_KPROBE_MULTI` = 42
pub const BPF_TRACE_KPROBE_MULTI: BpfAttachType = BpfAttachType(42);
/// `BPF_LSM_CGROUP` = 43
pub const BPF_LSM_CGROUP: BpfAttachType = BpfAttachType(43);
/// `BPF_STRUCT_OPS` = 44
pub const BPF_STRUCT_OPS: BpfAttachType = BpfAttachType(44);
/// `BPF_NETFILTER` = 45
pub const BPF_NETFILTER: BpfAttachType = BpfAttachType(45);
/// `BPF_TCX_INGRESS` = 46
pub const BPF_TCX_INGRESS: BpfAttachType = BpfAttachType(46);
/// `BPF_TCX_EGRESS` = 47
pub const BPF_TCX_EGRESS: BpfAttachType = BpfAttachType(47);
/// `BPF_TRACE_UPROBE_MULTI` = 48
pub const BPF_TRACE_UPROBE_MULTI: BpfAttachType = BpfAttachType(48);
/// `BPF_CGROUP_UNIX_CONNECT` = 49
pub const BPF_CGROUP_UNIX_CONNECT: BpfAttachType = BpfAttachType(49);
/// `BPF_CGROUP_UNIX_SENDMSG` = 50
pub const BPF_CGROUP_UNIX_SENDMSG: BpfAttachType = BpfAttachType(50);
/// `BPF_CGROUP_UNIX_RECVMSG` = 51
pub const BPF_CGROUP_UNIX_RECVMSG: BpfAttachType = BpfAttachType(51);
/// `BPF_CGROUP_UNIX_GETPEERNAME` = 52
pub const BPF_CGROUP_UNIX_GETPEERNAME: BpfAttachType = BpfAttachType(52);
/// `BPF_CGROUP_UNIX_GETSOCKNAME` = 53
pub const BPF_CGROUP_UNIX_GETSOCKNAME: BpfAttachType = BpfAttachType(53);
/// `BPF_NETKIT_PRIMARY` = 54
pub const BPF_NETKIT_PRIMARY: BpfAttachType = BpfAttachType(54);
/// `BPF_NETKIT_PEER` = 55
pub const BPF_NETKIT_PEER: BpfAttachType = BpfAttachType(55);
/// `BPF_TRACE_KPROBE_SESSION` = 56
pub const BPF_TRACE_KPROBE_SESSION: BpfAttachType = BpfAttachType(56);
/// `BPF_TRACE_UPROBE_SESSION` = 57
pub const BPF_TRACE_UPROBE_SESSION: BpfAttachType = BpfAttachType(57);

impl BpfAttachType {
    /// One past the largest value v6.18 knows (`__MAX_...`).
    pub const MAX: u32 = 58;
    /// The kernel's constant name, or `None` for an unknown value.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("BPF_CGROUP_INET_INGRESS"),
            1 => Some("BPF_CGROUP_INET_EGRESS"),
            2 => Some("BPF_CGROUP_INET_SOCK_CREATE"),
            3 => Some("BPF_CGROUP_SOCK_OPS"),
            4 => Some("BPF_SK_SKB_STREAM_PARSER"),
            5 => Some("BPF_SK_SKB_STREAM_VERDICT"),
            6 => Some("BPF_CGROUP_DEVICE"),
            7 => Some("BPF_SK_MSG_VERDICT"),
            8 => Some("BPF_CGROUP_INET4_BIND"),
            9 => Some("BPF_CGROUP_INET6_BIND"),
            10 => Some("BPF_CGROUP_INET4_CONNECT"),
            11 => Some("BPF_CGROUP_INET6_CONNECT"),
            12 => Some("BPF_CGROUP_INET4_POST_BIND"),
            13 => Some("BPF_CGROUP_INET6_POST_BIND"),
            14 => Some("BPF_CGROUP_UDP4_SENDMSG"),
            15 => Some("BPF_CGROUP_UDP6_SENDMSG"),
            16 => Some("BPF_LIRC_MODE2"),
            17 => Some("BPF_FLOW_DISSECTOR"),
            18 => Some("BPF_CGROUP_SYSCTL"),
            19 => Some("BPF_CGROUP_UDP4_RECVMSG"),
            20 => Some("BPF_CGROUP_UDP6_RECVMSG"),
            21 => Some("BPF_CGROUP_GETSOCKOPT"),
            22 => Some("BPF_CGROUP_SETSOCKOPT"),
            23 => Some("BPF_TRACE_RAW_TP"),
            24 => Some("BPF_TRACE_FENTRY"),
            25 => Some("BPF_TRACE_FEXIT"),
            26 => Some("BPF_MODIFY_RETURN"),
            27 => Some("BPF_LSM_MAC"),
            28 => Some("BPF_TRACE_ITER"),
            29 => Some("BPF_CGROUP_INET4_GETPEERNAME"),
            30 => Some("BPF_CGROUP_INET6_GETPEERNAME"),
            31 => Some("BPF_CGROUP_INET4_GETSOCKNAME"),
            32 => Some("BPF_CGROUP_INET6_GETSOCKNAME"),
            33 => Some("BPF_XDP_DEVMAP"),
            34 => Some("BPF_CGROUP_INET_SOCK_RELEASE"),
            35 => Some("BPF_XDP_CPUMAP"),
            36 => Some("BPF_SK_LOOKUP"),
            37 => Some("BPF_XDP"),
            38 => Some("BPF_SK_SKB_VERDICT"),
            39 => Some("BPF_SK_REUSEPORT_SELECT"),
            40 => Some("BPF_SK_REUSEPORT_SELECT_OR_MIGRATE"),
            41 => Some("BPF_PERF_EVENT"),
            42 => Some("BPF_TRACE_KPROBE_MULTI"),
            43 => Some("BPF_LSM_CGROUP"),
            44 => Some("BPF_STRUCT_OPS"),
            45 => Some("BPF_NETFILTER"),
            46 => Some("BPF_TCX_INGRESS"),
            47 => Some("BPF_TCX_EGRESS"),
            48 => Some("BPF_TRACE_UPROBE_MULTI"),
            49 => Some("BPF_CGROUP_UNIX_CONNECT"),
            50 => Some("BPF_CGROUP_UNIX_SENDMSG"),
            51 => Some("BPF_CGROUP_UNIX_RECVMSG"),
            52 => Some("BPF_CGROUP_UNIX_GETPEERNAME"),
            53 => Some("BPF_CGROUP_UNIX_GETSOCKNAME"),
            54 => Some("BPF_NETKIT_PRIMARY"),
            55 => Some("BPF_NETKIT_PEER"),
            56 => Some("BPF_TRACE_KPROBE_SESSION"),
            57 => Some("BPF_TRACE_UPROBE_SESSION"),
            _ => None,
        }
    }
    /// The lower-case name without the `BPF_` prefix (`cgroup_inet_ingress`).
    pub fn short_name(self) -> Option<String> {
        self.name().map(|n| n.trim_start_matches("BPF_").to_ascii_lowercase())
    }
    /// Parses a constant name (`BPF_CGROUP_INET_EGRESS`) or a short name (`cgroup_inet_egress`).
    pub fn from_name(s: &str) -> Option<Self> {
        (0..Self::MAX_SCAN).map(Self).find(|t| t.name() == Some(s) || t.short_name().as_deref() == Some(s))
    }
    const MAX_SCAN: u32 = 58;
}

impl std::fmt::Debug for BpfAttachType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "BpfAttachType({})", self.0),
        }
    }
}
/// `enum bpf_map_type`.
///
/// A newtype over the raw `u32`, so values the kernel does not know can
/// still be carried (and refused with `EINVAL`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BpfMapType(pub u32);

/// `BPF_MAP_TYPE_UNSPEC` = 0
pub const BPF_MAP_TYPE_UNSPEC: BpfMapType = BpfMapType(0);
/// `BPF_MAP_TYPE_HASH` = 1
pub const BPF_MAP_TYPE_HASH: BpfMapType = BpfMapType(1);
/// `BPF_MAP_TYPE_ARRAY` = 2
pub const BPF_MAP_TYPE_ARRAY: BpfMapType = BpfMapType(2);
/// `BPF_MAP_TYPE_PROG_ARRAY` = 3
pub const BPF_MAP_TYPE_PROG_ARRAY: BpfMapType = BpfMapType(3);
/// `BPF_MAP_TYPE_PERF_EVENT_ARRAY` = 4
pub const BPF_MAP_TYPE_PERF_EVENT_ARRAY: BpfMapType = BpfMapType(4);
/// `BPF_MAP_TYPE_PERCPU_HASH` = 5
pub const BPF_MAP_TYPE_PERCPU_HASH: BpfMapType = BpfMapType(5);
/// `BPF_MAP_TYPE_PERCPU_ARRAY` = 6
pub const BPF_MAP_TYPE_PERCPU_ARRAY: BpfMapType = BpfMapType(6);
/// `BPF_MAP_TYPE_STACK_TRACE` = 7
pub const BPF_MAP_TYPE_STACK_TRACE: BpfMapType = BpfMapType(7);
/// `BPF_MAP_TYPE_CGROUP_ARRAY` = 8
pub const BPF_MAP_TYPE_CGROUP_ARRAY: BpfMapType = BpfMapType(8);
/// `BPF_MAP_TYPE_LRU_HASH` = 9
pub const BPF_MAP_TYPE_LRU_HASH: BpfMapType = BpfMapType(9);
/// `BPF_MAP_TYPE_LRU_PERCPU_HASH` = 10
pub const BPF_MAP_TYPE_LRU_PERCPU_HASH: BpfMapType = BpfMapType(10);
/// `BPF_MAP_TYPE_LPM_TRIE` = 11
pub const BPF_MAP_TYPE_LPM_TRIE: BpfMapType = BpfMapType(11);
/// `BPF_MAP_TYPE_ARRAY_OF_MAPS` = 12
pub const BPF_MAP_TYPE_ARRAY_OF_MAPS: BpfMapType = BpfMapType(12);
/// `BPF_MAP_TYPE_HASH_OF_MAPS` = 13
pub const BPF_MAP_TYPE_HASH_OF_MAPS: BpfMapType = BpfMapType(13);
/// `BPF_MAP_TYPE_DEVMAP` = 14
pub const BPF_MAP_TYPE_DEVMAP: BpfMapType = BpfMapType(14);
/// `BPF_MAP_TYPE_SOCKMAP` = 15
pub const BPF_MAP_TYPE_SOCKMAP: BpfMapType = BpfMapType(15);
/// `BPF_MAP_TYPE_CPUMAP` = 16
pub const BPF_MAP_TYPE_CPUMAP: BpfMapType = BpfMapType(16);
/// `BPF_MAP_TYPE_XSKMAP` = 17
pub const BPF_MAP_TYPE_XSKMAP: BpfMapType = BpfMapType(17);
/// `BPF_MAP_TYPE_SOCKHASH` = 18
pub const BPF_MAP_TYPE_SOCKHASH: BpfMapType = BpfMapType(18);
/// `BPF_MAP_TYPE_CGROUP_STORAGE` = 19
pub const BPF_MAP_TYPE_CGROUP_STORAGE: BpfMapType = BpfMapType(19);
/// `BPF_MAP_TYPE_REUSEPORT_SOCKARRAY` = 20
pub const BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: BpfMapType = BpfMapType(20);
/// `BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE` = 21
pub const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: BpfMapType = BpfMapType(21);
/// `BPF_MAP_TYPE_QUEUE` = 22
pub const BPF_MAP_TYPE_QUEUE: BpfMapType = BpfMapType(22);
/// `BPF_MAP_TYPE_STACK` = 23
pub const BPF_MAP_TYPE_STACK: BpfMapType = BpfMapType(23);
/// `BPF_MAP_TYPE_SK_STORAGE` = 24
pub const BPF_MAP_TYPE_SK_STORAGE: BpfMapType = BpfMapType(24);
/// `BPF_MAP_TYPE_DEVMAP_HASH` = 25
pub const BPF_MAP_TYPE_DEVMAP_HASH: BpfMapType = BpfMapType(25);
/// `BPF_MAP_TYPE_STRUCT_OPS` = 26
pub const BPF_MAP_TYPE_STRUCT_OPS: BpfMapType = BpfMapType(26);
/// `BPF_MAP_TYPE_RINGBUF` = 27
pub const BPF_MAP_TYPE_RINGBUF: BpfMapType = BpfMapType(27);
/// `BPF_MAP_TYPE_INODE_STORAGE` = 28
pub const BPF_MAP_TYPE_INODE_STORAGE: BpfMapType = BpfMapType(28);
/// `BPF_MAP_TYPE_TASK_STORAGE` = 29
pub const BPF_MAP_TYPE_TASK_STORAGE: BpfMapType = BpfMapType(29);
/// `BPF_MAP_TYPE_BLOOM_FILTER` = 30
pub const BPF_MAP_TYPE_BLOOM_FILTER: BpfMapType = BpfMapType(30);
/// `BPF_MAP_TYPE_USER_RINGBUF` = 31
pub const BPF_MAP_TYPE_USER_RINGBUF: BpfMapType = BpfMapType(31);
/// `BPF_MAP_TYPE_CGRP_STORAGE` = 32
pub const BPF_MAP_TYPE_CGRP_STORAGE: BpfMapType = BpfMapType(32);
/// `BPF_MAP_TYPE_ARENA` = 33
pub const BPF_MAP_TYPE_ARENA: BpfMapType = BpfMapType(33);

impl BpfMapType {
    /// One past the largest value v6.18 knows (`__MAX_...`).
    pub const MAX: u32 = 34;
    /// The kernel's constant name, or `None` for an unknown value.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("BPF_MAP_TYPE_UNSPEC"),
            1 => Some("BPF_MAP_TYPE_HASH"),
            2 => Some("BPF_MAP_TYPE_ARRAY"),
            3 => Some("BPF_MAP_TYPE_PROG_ARRAY"),
            4 => Some("BPF_MAP_TYPE_PERF_EVENT_ARRAY"),
            5 => Some("BPF_MAP_TYPE_PERCPU_HASH"),
            6 => Some("BPF_MAP_TYPE_PERCPU_ARRAY"),
            7 => Some("BPF_MAP_TYPE_STACK_TRACE"),
            8 => Some("BPF_MAP_TYPE_CGROUP_ARRAY"),
            9 => Some("BPF_MAP_TYPE_LRU_HASH"),
            10 => Some("BPF_MAP_TYPE_LRU_PERCPU_HASH"),
            11 => Some("BPF_MAP_TYPE_LPM_TRIE"),
            12 => Some("BPF_MAP_TYPE_ARRAY_OF_MAPS"),
            13 => Some("BPF_MAP_TYPE_HASH_OF_MAPS"),
            14 => Some("BPF_MAP_TYPE_DEVMAP"),
            15 => Some("BPF_MAP_TYPE_SOCKMAP"),
            16 => Some("BPF_MAP_TYPE_CPUMAP"),
            17 => Some("BPF_MAP_TYPE_XSKMAP"),
            18 => Some("BPF_MAP_TYPE_SOCKHASH"),
            19 => Some("BPF_MAP_TYPE_CGROUP_STORAGE"),
            20 => Some("BPF_MAP_TYPE_REUSEPORT_SOCKARRAY"),
            21 => Some("BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE"),
            22 => Some("BPF_MAP_TYPE_QUEUE"),
            23 => Some("BPF_MAP_TYPE_STACK"),
            24 => Some("BPF_MAP_TYPE_SK_STORAGE"),
            25 => Some("BPF_MAP_TYPE_DEVMAP_HASH"),
            26 => Some("BPF_MAP_TYPE_STRUCT_OPS"),
            27 => Some("BPF_MAP_TYPE_RINGBUF"),
            28 => Some("BPF_MAP_TYPE_INODE_STORAGE"),
            29 => Some("BPF_MAP_TYPE_TASK_STORAGE"),
            30 => Some("BPF_MAP_TYPE_BLOOM_FILTER"),
            31 => Some("BPF_MAP_TYPE_USER_RINGBUF"),
            32 => Some("BPF_MAP_TYPE_CGRP_STORAGE"),
            33 => Some("BPF_MAP_TYPE_ARENA"),
            _ => None,
        }
    }
    /// The name libbpf and bpftool use (`array`, `hash`).
    pub fn short_name(self) -> Option<String> {
        self.name().map(|n| n.trim_start_matches("BPF_MAP_TYPE_").to_ascii_lowercase())
    }
    /// Parses a constant name (`BPF_MAP_TYPE_HASH`) or a short name (`hash`).
    pub fn from_name(s: &str) -> Option<Self> {
        (0..Self::MAX_SCAN).map(Self).find(|t| t.name() == Some(s) || t.short_name().as_deref() == Some(s))
    }
    const MAX_SCAN: u32 = 34;
}

impl std::fmt::Debug for BpfMapType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "BpfMapType({})", self.0),
        }
    }
}
/// `enum bpf_cmd`: the first argument of `bpf()`.
///
/// A newtype over the raw `u32`, so values the kernel does not know can
/// still be carried (and refused with `EINVAL`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BpfCmd(pub u32);

/// `BPF_MAP_CREATE` = 0
pub const BPF_MAP_CREATE: BpfCmd = BpfCmd(0);
/// `BPF_MAP_LOOKUP_ELEM` = 1
pub const BPF_MAP_LOOKUP_ELEM: BpfCmd = BpfCmd(1);
/// `BPF_MAP_UPDATE_ELEM` = 2
pub const BPF_MAP_UPDATE_ELEM: BpfCmd = BpfCmd(2);
/// `BPF_MAP_DELETE_ELEM` = 3
pub const BPF_MAP_DELETE_ELEM: BpfCmd = BpfCmd(3);
/// `BPF_MAP_GET_NEXT_KEY` = 4
pub const BPF_MAP_GET_NEXT_KEY: BpfCmd = BpfCmd(4);
/// `BPF_PROG_LOAD` = 5
pub const BPF_PROG_LOAD: BpfCmd = BpfCmd(5);
/// `BPF_OBJ_PIN` = 6
pub const BPF_OBJ_PIN: BpfCmd = BpfCmd(6);
/// `BPF_OBJ_GET` = 7
pub const BPF_OBJ_GET: BpfCmd = BpfCmd(7);
/// `BPF_PROG_ATTACH` = 8
pub const BPF_PROG_ATTACH: BpfCmd = BpfCmd(8);
/// `BPF_PROG_DETACH` = 9
pub const BPF_PROG_DETACH: BpfCmd = BpfCmd(9);
/// `BPF_PROG_TEST_RUN` = 10
pub const BPF_PROG_TEST_RUN: BpfCmd = BpfCmd(10);
/// `BPF_PROG_RUN` = 10
pub const BPF_PROG_RUN: BpfCmd = BpfCmd(10);
/// `BPF_PROG_GET_NEXT_ID` = 11
pub const BPF_PROG_GET_NEXT_ID: BpfCmd = BpfCmd(11);
/// `BPF_MAP_GET_NEXT_ID` = 12
pub const BPF_MAP_GET_NEXT_ID: BpfCmd = BpfCmd(12);
/// `BPF_PROG_GET_FD_BY_ID` = 13
pub const BPF_PROG_GET_FD_BY_ID: BpfCmd = BpfCmd(13);
/// `BPF_MAP_GET_FD_BY_ID` = 14
pub const BPF_MAP_GET_FD_BY_ID: BpfCmd = BpfCmd(14);
/// `BPF_OBJ_GET_INFO_BY_FD` = 15
pub const BPF_OBJ_GET_INFO_BY_FD: BpfCmd = BpfCmd(15);
/// `BPF_PROG_QUERY` = 16
pub const BPF_PROG_QUERY: BpfCmd = BpfCmd(16);
/// `BPF_RAW_TRACEPOINT_OPEN` = 17
pub const BPF_RAW_TRACEPOINT_OPEN: BpfCmd = BpfCmd(17);
/// `BPF_BTF_LOAD` = 18
pub const BPF_BTF_LOAD: BpfCmd = BpfCmd(18);
/// `BPF_BTF_GET_FD_BY_ID` = 19
pub const BPF_BTF_GET_FD_BY_ID: BpfCmd = BpfCmd(19);
/// `BPF_TASK_FD_QUERY` = 20
pub const BPF_TASK_FD_QUERY: BpfCmd = BpfCmd(20);
/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM` = 21
pub const BPF_MAP_LOOKUP_AND_DELETE_ELEM: BpfCmd = BpfCmd(21);
/// `BPF_MAP_FREEZE` = 22
pub const BPF_MAP_FREEZE: BpfCmd = BpfCmd(22);
/// `BPF_BTF_GET_NEXT_ID` = 23
pub const BPF_BTF_GET_NEXT_ID: BpfCmd = BpfCmd(23);
/// `BPF_MAP_LOOKUP_BATCH` = 24
pub const BPF_MAP_LOOKUP_BATCH: BpfCmd = BpfCmd(24);
/// `BPF_MAP_LOOKUP_AND_DELETE_BATCH` = 25
pub const BPF_MAP_LOOKUP_AND_DELETE_BATCH: BpfCmd = BpfCmd(25);
/// `BPF_MAP_UPDATE_BATCH` = 26
pub const BPF_MAP_UPDATE_BATCH: BpfCmd = BpfCmd(26);
/// `BPF_MAP_DELETE_BATCH` = 27
pub const BPF_MAP_DELETE_BATCH: BpfCmd = BpfCmd(27);
/// `BPF_LINK_CREATE` = 28
pub const BPF_LINK_CREATE: BpfCmd = BpfCmd(28);
/// `BPF_LINK_UPDATE` = 29
pub const BPF_LINK_UPDATE: BpfCmd = BpfCmd(29);
/// `BPF_LINK_GET_FD_BY_ID` = 30
pub const BPF_LINK_GET_FD_BY_ID: BpfCmd = BpfCmd(30);
/// `BPF_LINK_GET_NEXT_ID` = 31
pub const BPF_LINK_GET_NEXT_ID: BpfCmd = BpfCmd(31);
/// `BPF_ENABLE_STATS` = 32
pub const BPF_ENABLE_STATS: BpfCmd = BpfCmd(32);
/// `BPF_ITER_CREATE` = 33
pub const BPF_ITER_CREATE: BpfCmd = BpfCmd(33);
/// `BPF_LINK_DETACH` = 34
pub const BPF_LINK_DETACH: BpfCmd = BpfCmd(34);
/// `BPF_PROG_BIND_MAP` = 35
pub const BPF_PROG_BIND_MAP: BpfCmd = BpfCmd(35);
/// `BPF_TOKEN_CREATE` = 36
pub const BPF_TOKEN_CREATE: BpfCmd = BpfCmd(36);
/// `BPF_PROG_STREAM_READ_BY_FD` = 37
pub const BPF_PROG_STREAM_READ_BY_FD: BpfCmd = BpfCmd(37);

impl BpfCmd {
    /// One past the largest value v6.18 knows (`__MAX_...`).
    pub const MAX: u32 = 38;
    /// The kernel's constant name, or `None` for an unknown value.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("BPF_MAP_CREATE"),
            1 => Some("BPF_MAP_LOOKUP_ELEM"),
            2 => Some("BPF_MAP_UPDATE_ELEM"),
            3 => Some("BPF_MAP_DELETE_ELEM"),
            4 => Some("BPF_MAP_GET_NEXT_KEY"),
            5 => Some("BPF_PROG_LOAD"),
            6 => Some("BPF_OBJ_PIN"),
            7 => Some("BPF_OBJ_GET"),
            8 => Some("BPF_PROG_ATTACH"),
            9 => Some("BPF_PROG_DETACH"),
            10 => Some("BPF_PROG_TEST_RUN"),
            11 => Some("BPF_PROG_GET_NEXT_ID"),
            12 => Some("BPF_MAP_GET_NEXT_ID"),
            13 => Some("BPF_PROG_GET_FD_BY_ID"),
            14 => Some("BPF_MAP_GET_FD_BY_ID"),
            15 => Some("BPF_OBJ_GET_INFO_BY_FD"),
            16 => Some("BPF_PROG_QUERY"),
            17 => Some("BPF_RAW_TRACEPOINT_OPEN"),
            18 => Some("BPF_BTF_LOAD"),
            19 => Some("BPF_BTF_GET_FD_BY_ID"),
            20 => Some("BPF_TASK_FD_QUERY"),
            21 => Some("BPF_MAP_LOOKUP_AND_DELETE_ELEM"),
            22 => Some("BPF_MAP_FREEZE"),
            23 => Some("BPF_BTF_GET_NEXT_ID"),
            24 => Some("BPF_MAP_LOOKUP_BATCH"),
            25 => Some("BPF_MAP_LOOKUP_AND_DELETE_BATCH"),
            26 => Some("BPF_MAP_UPDATE_BATCH"),
            27 => Some("BPF_MAP_DELETE_BATCH"),
            28 => Some("BPF_LINK_CREATE"),
            29 => Some("BPF_LINK_UPDATE"),
            30 => Some("BPF_LINK_GET_FD_BY_ID"),
            31 => Some("BPF_LINK_GET_NEXT_ID"),
            32 => Some("BPF_ENABLE_STATS"),
            33 => Some("BPF_ITER_CREATE"),
            34 => Some("BPF_LINK_DETACH"),
            35 => Some("BPF_PROG_BIND_MAP"),
            36 => Some("BPF_TOKEN_CREATE"),
            37 => Some("BPF_PROG_STREAM_READ_BY_FD"),
            _ => None,
        }
    }
    /// The lower-case name without the `BPF_` prefix (`prog_load`).
    pub fn short_name(self) -> Option<String> {
        self.name().map(|n| n.trim_start_matches("BPF_").to_ascii_lowercase())
    }
    /// Parses a constant name (`BPF_MAP_LOOKUP_ELEM`) or a short name (`map_lookup_elem`).
    pub fn from_name(s: &str) -> Option<Self> {
        (0..Self::MAX_SCAN).map(Self).find(|t| t.name() == Some(s) || t.short_name().as_deref() == Some(s))
    }
    const MAX_SCAN: u32 = 38;
}

impl std::fmt::Debug for BpfCmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "BpfCmd({})", self.0),
        }
    }
}
/// `enum bpf_link_type`.
///
/// A newtype over the raw `u32`, so values the kernel does not know can
/// still be carried (and refused with `EINVAL`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BpfLinkType(pub u32);

/// `BPF_LINK_TYPE_UNSPEC` = 0
pub const BPF_LINK_TYPE_UNSPEC: BpfLinkType = BpfLinkType(0);
/// `BPF_LINK_TYPE_RAW_TRACEPOINT` = 1
pub const BPF_LINK_TYPE_RAW_TRACEPOINT: BpfLinkType = BpfLinkType(1);
/// `BPF_LINK_TYPE_TRACING` = 2
pub const BPF_LINK_TYPE_TRACING: BpfLinkType = BpfLinkType(2);
/// `BPF_LINK_TYPE_CGROUP` = 3
pub const BPF_LINK_TYPE_CGROUP: BpfLinkType = BpfLinkType(3);
/// `BPF_LINK_TYPE_ITER` = 4
pub const BPF_LINK_TYPE_ITER: BpfLinkType = BpfLinkType(4);
/// `BPF_LINK_TYPE_NETNS` = 5
pub const BPF_LINK_TYPE_NETNS: BpfLinkType = BpfLinkType(5);
/// `BPF_LINK_TYPE_XDP` = 6
pub const BPF_LINK_TYPE_XDP: BpfLinkType = BpfLinkType(6);
/// `BPF_LINK_TYPE_PERF_EVENT` = 7
pub const BPF_LINK_TYPE_PERF_EVENT: BpfLinkType = BpfLinkType(7);
/// `BPF_LINK_TYPE_KPROBE_MULTI` = 8
pub const BPF_LINK_TYPE_KPROBE_MULTI: BpfLinkType = BpfLinkType(8);
/// `BPF_LINK_TYPE_STRUCT_OPS` = 9
pub const BPF_LINK_TYPE_STRUCT_OPS: BpfLinkType = BpfLinkType(9);
/// `BPF_LINK_TYPE_NETFILTER` = 10
pub const BPF_LINK_TYPE_NETFILTER: BpfLinkType = BpfLinkType(10);
/// `BPF_LINK_TYPE_TCX` = 11
pub const BPF_LINK_TYPE_TCX: BpfLinkType = BpfLinkType(11);
/// `BPF_LINK_TYPE_UPROBE_MULTI` = 12
pub const BPF_LINK_TYPE_UPROBE_MULTI: BpfLinkType = BpfLinkType(12);
/// `BPF_LINK_TYPE_NETKIT` = 13
pub const BPF_LINK_TYPE_NETKIT: BpfLinkType = BpfLinkType(13);
/// `BPF_LINK_TYPE_SOCKMAP` = 14
pub const BPF_LINK_TYPE_SOCKMAP: BpfLinkType = BpfLinkType(14);

impl BpfLinkType {
    /// One past the largest value v6.18 knows (`__MAX_...`).
    pub const MAX: u32 = 15;
    /// The kernel's constant name, or `None` for an unknown value.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("BPF_LINK_TYPE_UNSPEC"),
            1 => Some("BPF_LINK_TYPE_RAW_TRACEPOINT"),
            2 => Some("BPF_LINK_TYPE_TRACING"),
            3 => Some("BPF_LINK_TYPE_CGROUP"),
            4 => Some("BPF_LINK_TYPE_ITER"),
            5 => Some("BPF_LINK_TYPE_NETNS"),
            6 => Some("BPF_LINK_TYPE_XDP"),
            7 => Some("BPF_LINK_TYPE_PERF_EVENT"),
            8 => Some("BPF_LINK_TYPE_KPROBE_MULTI"),
            9 => Some("BPF_LINK_TYPE_STRUCT_OPS"),
            10 => Some("BPF_LINK_TYPE_NETFILTER"),
            11 => Some("BPF_LINK_TYPE_TCX"),
            12 => Some("BPF_LINK_TYPE_UPROBE_MULTI"),
            13 => Some("BPF_LINK_TYPE_NETKIT"),
            14 => Some("BPF_LINK_TYPE_SOCKMAP"),
            _ => None,
        }
    }
    /// The lower-case name without the prefix (`cgroup`).
    pub fn short_name(self) -> Option<String> {
        self.name().map(|n| n.trim_start_matches("BPF_LINK_TYPE_").to_ascii_lowercase())
    }
    /// Parses a constant name (`BPF_LINK_TYPE_RAW_TRACEPOINT`) or a short name (`raw_tracepoint`).
    pub fn from_name(s: &str) -> Option<Self> {
        (0..Self::MAX_SCAN).map(Self).find(|t| t.name() == Some(s) || t.short_name().as_deref() == Some(s))
    }
    const MAX_SCAN: u32 = 15;
}

impl std::fmt::Debug for BpfLinkType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "BpfLinkType({})", self.0),
        }
    }
}
/// `enum bpf_func_id`: the helper function ids (`___BPF_FUNC_MAPPER`).
///
/// A newtype over the raw `u32`, so values the kernel does not know can
/// still be carried (and refused with `EINVAL`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BpfFuncId(pub u32);

/// `BPF_FUNC_unspec` = 0
pub const BPF_FUNC_unspec: BpfFuncId = BpfFuncId(0);
/// `BPF_FUNC_map_lookup_elem` = 1
pub const BPF_FUNC_map_lookup_elem: BpfFuncId = BpfFuncId(1);
/// `BPF_FUNC_map_update_elem` = 2
pub const BPF_FUNC_map_update_elem: BpfFuncId = BpfFuncId(2);
/// `BPF_FUNC_map_delete_elem` = 3
pub const BPF_FUNC_map_delete_elem: BpfFuncId = BpfFuncId(3);
/// `BPF_FUNC_probe_read` = 4
pub const BPF_FUNC_probe_read: BpfFuncId = BpfFuncId(4);
/// `BPF_FUNC_ktime_get_ns` = 5
pub const BPF_FUNC_ktime_get_ns: BpfFuncId = BpfFuncId(5);
/// `BPF_FUNC_trace_printk` = 6
pub const BPF_FUNC_trace_printk: BpfFuncId = BpfFuncId(6);
/// `BPF_FUNC_get_prandom_u32` = 7
pub const BPF_FUNC_get_prandom_u32: BpfFuncId = BpfFuncId(7);
/// `BPF_FUNC_get_smp_processor_id` = 8
pub const BPF_FUNC_get_smp_processor_id: BpfFuncId = BpfFuncId(8);
/// `BPF_FUNC_skb_store_bytes` = 9
pub const BPF_FUNC_skb_store_bytes: BpfFuncId = BpfFuncId(9);
/// `BPF_FUNC_l3_csum_replace` = 10
pub const BPF_FUNC_l3_csum_replace: BpfFuncId = BpfFuncId(10);
/// `BPF_FUNC_l4_csum_replace` = 11
pub const BPF_FUNC_l4_csum_replace: BpfFuncId = BpfFuncId(11);
/// `BPF_FUNC_tail_call` = 12
pub const BPF_FUNC_tail_call: BpfFuncId = BpfFuncId(12);
/// `BPF_FUNC_clone_redirect` = 13
pub const BPF_FUNC_clone_redirect: BpfFuncId = BpfFuncId(13);
/// `BPF_FUNC_get_current_pid_tgid` = 14
pub const BPF_FUNC_get_current_pid_tgid: BpfFuncId = BpfFuncId(14);
/// `BPF_FUNC_get_current_uid_gid` = 15
pub const BPF_FUNC_get_current_uid_gid: BpfFuncId = BpfFuncId(15);
/// `BPF_FUNC_get_current_comm` = 16
pub const BPF_FUNC_get_current_comm: BpfFuncId = BpfFuncId(16);
/// `BPF_FUNC_get_cgroup_classid` = 17
pub const BPF_FUNC_get_cgroup_classid: BpfFuncId = BpfFuncId(17);
/// `BPF_FUNC_skb_vlan_push` = 18
pub const BPF_FUNC_skb_vlan_push: BpfFuncId = BpfFuncId(18);
/// `BPF_FUNC_skb_vlan_pop` = 19
pub const BPF_FUNC_skb_vlan_pop: BpfFuncId = BpfFuncId(19);
/// `BPF_FUNC_skb_get_tunnel_key` = 20
pub const BPF_FUNC_skb_get_tunnel_key: BpfFuncId = BpfFuncId(20);
/// `BPF_FUNC_skb_set_tunnel_key` = 21
pub const BPF_FUNC_skb_set_tunnel_key: BpfFuncId = BpfFuncId(21);
/// `BPF_FUNC_perf_event_read` = 22
pub const BPF_FUNC_perf_event_read: BpfFuncId = BpfFuncId(22);
/// `BPF_FUNC_redirect` = 23
pub const BPF_FUNC_redirect: BpfFuncId = BpfFuncId(23);
/// `BPF_FUNC_get_route_realm` = 24
pub const BPF_FUNC_get_route_realm: BpfFuncId = BpfFuncId(24);
/// `BPF_FUNC_perf_event_output` = 25
pub const BPF_FUNC_perf_event_output: BpfFuncId = BpfFuncId(25);
/// `BPF_FUNC_skb_load_bytes` = 26
pub const BPF_FUNC_skb_load_bytes: BpfFuncId = BpfFuncId(26);
/// `BPF_FUNC_get_stackid` = 27
pub const BPF_FUNC_get_stackid: BpfFuncId = BpfFuncId(27);
/// `BPF_FUNC_csum_diff` = 28
pub const BPF_FUNC_csum_diff: BpfFuncId = BpfFuncId(28);
/// `BPF_FUNC_skb_get_tunnel_opt` = 29
pub const BPF_FUNC_skb_get_tunnel_opt: BpfFuncId = BpfFuncId(29);
/// `BPF_FUNC_skb_set_tunnel_opt` = 30
pub const BPF_FUNC_skb_set_tunnel_opt: BpfFuncId = BpfFuncId(30);
/// `BPF_FUNC_skb_change_proto` = 31
pub const BPF_FUNC_skb_change_proto: BpfFuncId = BpfFuncId(31);
/// `BPF_FUNC_skb_change_type` = 32
pub const BPF_FUNC_skb_change_type: BpfFuncId = BpfFuncId(32);
/// `BPF_FUNC_skb_under_cgroup` = 33
pub const BPF_FUNC_skb_under_cgroup: BpfFuncId = BpfFuncId(33);
/// `BPF_FUNC_get_hash_recalc` = 34
pub const BPF_FUNC_get_hash_recalc: BpfFuncId = BpfFuncId(34);
/// `BPF_FUNC_get_current_task` = 35
pub const BPF_FUNC_get_current_task: BpfFuncId = BpfFuncId(35);
/// `BPF_FUNC_probe_write_user` = 36
pub const BPF_FUNC_probe_write_user: BpfFuncId = BpfFuncId(36);
/// `BPF_FUNC_current_task_under_cgroup` = 37
pub const BPF_FUNC_current_task_under_cgroup: BpfFuncId = BpfFuncId(37);
/// `BPF_FUNC_skb_change_tail` = 38
pub const BPF_FUNC_skb_change_tail: BpfFuncId = BpfFuncId(38);
/// `BPF_FUNC_skb_pull_data` = 39
pub const BPF_FUNC_skb_pull_data: BpfFuncId = BpfFuncId(39);
/// `BPF_FUNC_csum_update` = 40
pub const BPF_FUNC_csum_update: BpfFuncId = BpfFuncId(40);
/// `BPF_FUNC_set_hash_invalid` = 41
pub const BPF_FUNC_set_hash_invalid: BpfFuncId = BpfFuncId(41);
/// `BPF_FUNC_get_numa_node_id` = 42
pub const BPF_FUNC_get_numa_node_id: BpfFuncId = BpfFuncId(42);
/// `BPF_FUNC_skb_change_head` = 43
pub const BPF_FUNC_skb_change_head: BpfFuncId = BpfFuncId(43);
/// `BPF_FUNC_xdp_adjust_head` = 44
pub const BPF_FUNC_xdp_adjust_head: BpfFuncId = BpfFuncId(44);
/// `BPF_FUNC_probe_read_str` = 45
pub const BPF_FUNC_probe_read_str: BpfFuncId = BpfFuncId(45);
/// `BPF_FUNC_get_socket_cookie` = 46
pub const BPF_FUNC_get_socket_cookie: BpfFuncId = BpfFuncId(46);
/// `BPF_FUNC_get_socket_uid` = 47
pub const BPF_FUNC_get_socket_uid: BpfFuncId = BpfFuncId(47);
/// `BPF_FUNC_set_hash` = 48
pub const BPF_FUNC_set_hash: BpfFuncId = BpfFuncId(48);
/// `BPF_FUNC_setsockopt` = 49
pub const BPF_FUNC_setsockopt: BpfFuncId = BpfFuncId(49);
/// `BPF_FUNC_skb_adjust_room` = 50
pub const BPF_FUNC_skb_adjust_room: BpfFuncId = BpfFuncId(50);
/// `BPF_FUNC_redirect_map` = 51
pub const BPF_FUNC_redirect_map: BpfFuncId = BpfFuncId(51);
/// `BPF_FUNC_sk_redirect_map` = 52
pub const BPF_FUNC_sk_redirect_map: BpfFuncId = BpfFuncId(52);
/// `BPF_FUNC_sock_map_update` = 53
pub const BPF_FUNC_sock_map_update: BpfFuncId = BpfFuncId(53);
/// `BPF_FUNC_xdp_adjust_meta` = 54
pub const BPF_FUNC_xdp_adjust_meta: BpfFuncId = BpfFuncId(54);
/// `BPF_FUNC_perf_event_read_value` = 55
pub const BPF_FUNC_perf_event_read_value: BpfFuncId = BpfFuncId(55);
/// `BPF_FUNC_perf_prog_read_value` = 56
pub const BPF_FUNC_perf_prog_read_value: BpfFuncId = BpfFuncId(56);
/// `BPF_FUNC_getsockopt` = 57
pub const BPF_FUNC_getsockopt: BpfFuncId = BpfFuncId(57);
/// `BPF_FUNC_override_return` = 58
pub const BPF_FUNC_override_return: BpfFuncId = BpfFuncId(58);
/// `BPF_FUNC_sock_ops_cb_flags_set` = 59
pub const BPF_FUNC_sock_ops_cb_flags_set: BpfFuncId = BpfFuncId(59);
/// `BPF_FUNC_msg_redirect_map` = 60
pub const BPF_FUNC_msg_redirect_map: BpfFuncId = BpfFuncId(60);
/// `BPF_FUNC_msg_apply_bytes` = 61
pub const BPF_FUNC_msg_apply_bytes: BpfFuncId = BpfFuncId(61);
/// `BPF_FUNC_msg_cork_bytes` = 62
pub const BPF_FUNC_msg_cork_bytes: BpfFuncId = BpfFuncId(62);
/// `BPF_FUNC_msg_pull_data` = 63
pub const BPF_FUNC_msg_pull_data: BpfFuncId = BpfFuncId(63);
/// `BPF_FUNC_bind` = 64
pub const BPF_FUNC_bind: BpfFuncId = BpfFuncId(64);
/// `BPF_FUNC_xdp_adjust_tail` = 65
pub const BPF_FUNC_xdp_adjust_tail: BpfFuncId = BpfFuncId(65);
/// `BPF_FUNC_skb_get_xfrm_state` = 66
pub const BPF_FUNC_skb_get_xfrm_state: BpfFuncId = BpfFuncId(66);
/// `BPF_FUNC_get_stack` = 67
pub const BPF_FUNC_get_stack: BpfFuncId = BpfFuncId(67);
/// `BPF_FUNC_skb_load_bytes_relative` = 68
pub const BPF_FUNC_skb_load_bytes_relative: BpfFuncId = BpfFuncId(68);
/// `BPF_FUNC_fib_lookup` = 69
pub const BPF_FUNC_fib_lookup: BpfFuncId = BpfFuncId(69);
/// `BPF_FUNC_sock_hash_update` = 70
pub const BPF_FUNC_sock_hash_update: BpfFuncId = BpfFuncId(70);
/// `BPF_FUNC_msg_redirect_hash` = 71
pub const BPF_FUNC_msg_redirect_hash: BpfFuncId = BpfFuncId(71);
/// `BPF_FUNC_sk_redirect_hash` = 72
pub const BPF_FUNC_sk_redirect_hash: BpfFuncId = BpfFuncId(72);
/// `BPF_FUNC_lwt_push_encap` = 73
pub const BPF_FUNC_lwt_push_encap: BpfFuncId = BpfFuncId(73);
/// `BPF_FUNC_lwt_seg6_store_bytes` = 74
pub const BPF_FUNC_lwt_seg6_store_bytes: BpfFuncId = BpfFuncId(74);
/// `BPF_FUNC_lwt_seg6_adjust_srh` = 75
pub const BPF_FUNC_lwt_seg6_adjust_srh: BpfFuncId = BpfFuncId(75);
/// `BPF_FUNC_lwt_seg6_action` = 76
pub const BPF_FUNC_lwt_seg6_action: BpfFuncId = BpfFuncId(76);
/// `BPF_FUNC_rc_repeat` = 77
pub const BPF_FUNC_rc_repeat: BpfFuncId = BpfFuncId(77);
/// `BPF_FUNC_rc_keydown` = 78
pub const BPF_FUNC_rc_keydown: BpfFuncId = BpfFuncId(78);
/// `BPF_FUNC_skb_cgroup_id` = 79
pub const BPF_FUNC_skb_cgroup_id: BpfFuncId = BpfFuncId(79);
/// `BPF_FUNC_get_current_cgroup_id` = 80
pub const BPF_FUNC_get_current_cgroup_id: BpfFuncId = BpfFuncId(80);
/// `BPF_FUNC_get_local_storage` = 81
pub const BPF_FUNC_get_local_storage: BpfFuncId = BpfFuncId(81);
/// `BPF_FUNC_sk_select_reuseport` = 82
pub const BPF_FUNC_sk_select_reuseport: BpfFuncId = BpfFuncId(82);
/// `BPF_FUNC_skb_ancestor_cgroup_id` = 83
pub const BPF_FUNC_skb_ancestor_cgroup_id: BpfFuncId = BpfFuncId(83);
/// `BPF_FUNC_sk_lookup_tcp` = 84
pub const BPF_FUNC_sk_lookup_tcp: BpfFuncId = BpfFuncId(84);
/// `BPF_FUNC_sk_lookup_udp` = 85
pub const BPF_FUNC_sk_lookup_udp: BpfFuncId = BpfFuncId(85);
/// `BPF_FUNC_sk_release` = 86
pub const BPF_FUNC_sk_release: BpfFuncId = BpfFuncId(86);
/// `BPF_FUNC_map_push_elem` = 87
pub const BPF_FUNC_map_push_elem: BpfFuncId = BpfFuncId(87);
/// `BPF_FUNC_map_pop_elem` = 88
pub const BPF_FUNC_map_pop_elem: BpfFuncId = BpfFuncId(88);
/// `BPF_FUNC_map_peek_elem` = 89
pub const BPF_FUNC_map_peek_elem: BpfFuncId = BpfFuncId(89);
/// `BPF_FUNC_msg_push_data` = 90
pub const BPF_FUNC_msg_push_data: BpfFuncId = BpfFuncId(90);
/// `BPF_FUNC_msg_pop_data` = 91
pub const BPF_FUNC_msg_pop_data: BpfFuncId = BpfFuncId(91);
/// `BPF_FUNC_rc_pointer_rel` = 92
pub const BPF_FUNC_rc_pointer_rel: BpfFuncId = BpfFuncId(92);
/// `BPF_FUNC_spin_lock` = 93
pub const BPF_FUNC_spin_lock: BpfFuncId = BpfFuncId(93);
/// `BPF_FUNC_spin_unlock` = 94
pub const BPF_FUNC_spin_unlock: BpfFuncId = BpfFuncId(94);
/// `BPF_FUNC_sk_fullsock` = 95
pub const BPF_FUNC_sk_fullsock: BpfFuncId = BpfFuncId(95);
/// `BPF_FUNC_tcp_sock` = 96
pub const BPF_FUNC_tcp_sock: BpfFuncId = BpfFuncId(96);
/// `BPF_FUNC_skb_ecn_set_ce` = 97
pub const BPF_FUNC_skb_ecn_set_ce: BpfFuncId = BpfFuncId(97);
/// `BPF_FUNC_get_listener_sock` = 98
pub const BPF_FUNC_get_listener_sock: BpfFuncId = BpfFuncId(98);
/// `BPF_FUNC_skc_lookup_tcp` = 99
pub const BPF_FUNC_skc_lookup_tcp: BpfFuncId = BpfFuncId(99);
/// `BPF_FUNC_tcp_check_syncookie` = 100
pub const BPF_FUNC_tcp_check_syncookie: BpfFuncId = BpfFuncId(100);
/// `BPF_FUNC_sysctl_get_name` = 101
pub const BPF_FUNC_sysctl_get_name: BpfFuncId = BpfFuncId(101);
/// `BPF_FUNC_sysctl_get_current_value` = 102
pub const BPF_FUNC_sysctl_get_current_value: BpfFuncId = BpfFuncId(102);
/// `BPF_FUNC_sysctl_get_new_value` = 103
pub const BPF_FUNC_sysctl_get_new_value: BpfFuncId = BpfFuncId(103);
/// `BPF_FUNC_sysctl_set_new_value` = 104
pub const BPF_FUNC_sysctl_set_new_value: BpfFuncId = BpfFuncId(104);
/// `BPF_FUNC_strtol` = 105
pub const BPF_FUNC_strtol: BpfFuncId = BpfFuncId(105);
/// `BPF_FUNC_strtoul` = 106
pub const BPF_FUNC_strtoul: BpfFuncId = BpfFuncId(106);
/// `BPF_FUNC_sk_storage_get` = 107
pub const BPF_FUNC_sk_storage_get: BpfFuncId = BpfFuncId(107);
/// `BPF_FUNC_sk_storage_delete` = 108
pub const BPF_FUNC_sk_storage_delete: BpfFuncId = BpfFuncId(108);
/// `BPF_FUNC_send_signal` = 109
pub const BPF_FUNC_send_signal: BpfFuncId = BpfFuncId(109);
/// `BPF_FUNC_tcp_gen_syncookie` = 110
pub const BPF_FUNC_tcp_gen_syncookie: BpfFuncId = BpfFuncId(110);
/// `BPF_FUNC_skb_output` = 111
pub const BPF_FUNC_skb_output: BpfFuncId = BpfFuncId(111);
/// `BPF_FUNC_probe_read_user` = 112
pub const BPF_FUNC_probe_read_user: BpfFuncId = BpfFuncId(112);
/// `BPF_FUNC_probe_read_kernel` = 113
pub const BPF_FUNC_probe_read_kernel: BpfFuncId = BpfFuncId(113);
/// `BPF_FUNC_probe_read_user_str` = 114
pub const BPF_FUNC_probe_read_user_str: BpfFuncId = BpfFuncId(114);
/// `BPF_FUNC_probe_read_kernel_str` = 115
pub const BPF_FUNC_probe_read_kernel_str: BpfFuncId = BpfFuncId(115);
/// `BPF_FUNC_tcp_send_ack` = 116
pub const BPF_FUNC_tcp_send_ack: BpfFuncId = BpfFuncId(116);
/// `BPF_FUNC_send_signal_thread` = 117
pub const BPF_FUNC_send_signal_thread: BpfFuncId = BpfFuncId(117);
/// `BPF_FUNC_jiffies64` = 118
pub const BPF_FUNC_jiffies64: BpfFuncId = BpfFuncId(118);
/// `BPF_FUNC_read_branch_records` = 119
pub const BPF_FUNC_read_branch_records: BpfFuncId = BpfFuncId(119);
/// `BPF_FUNC_get_ns_current_pid_tgid` = 120
pub const BPF_FUNC_get_ns_current_pid_tgid: BpfFuncId = BpfFuncId(120);
/// `BPF_FUNC_xdp_output` = 121
pub const BPF_FUNC_xdp_output: BpfFuncId = BpfFuncId(121);
/// `BPF_FUNC_get_netns_cookie` = 122
pub const BPF_FUNC_get_netns_cookie: BpfFuncId = BpfFuncId(122);
/// `BPF_FUNC_get_current_ancestor_cgroup_id` = 123
pub const BPF_FUNC_get_current_ancestor_cgroup_id: BpfFuncId = BpfFuncId(123);
/// `BPF_FUNC_sk_assign` = 124
pub const BPF_FUNC_sk_assign: BpfFuncId = BpfFuncId(124);
/// `BPF_FUNC_ktime_get_boot_ns` = 125
pub const BPF_FUNC_ktime_get_boot_ns: BpfFuncId = BpfFuncId(125);
/// `BPF_FUNC_seq_printf` = 126
pub const BPF_FUNC_seq_printf: BpfFuncId = BpfFuncId(126);
/// `BPF_FUNC_seq_write` = 127
pub const BPF_FUNC_seq_write: BpfFuncId = BpfFuncId(127);
/// `BPF_FUNC_sk_cgroup_id` = 128
pub const BPF_FUNC_sk_cgroup_id: BpfFuncId = BpfFuncId(128);
/// `BPF_FUNC_sk_ancestor_cgroup_id` = 129
pub const BPF_FUNC_sk_ancestor_cgroup_id: BpfFuncId = BpfFuncId(129);
/// `BPF_FUNC_ringbuf_output` = 130
pub const BPF_FUNC_ringbuf_output: BpfFuncId = BpfFuncId(130);
/// `BPF_FUNC_ringbuf_reserve` = 131
pub const BPF_FUNC_ringbuf_reserve: BpfFuncId = BpfFuncId(131);
/// `BPF_FUNC_ringbuf_submit` = 132
pub const BPF_FUNC_ringbuf_submit: BpfFuncId = BpfFuncId(132);
/// `BPF_FUNC_ringbuf_discard` = 133
pub const BPF_FUNC_ringbuf_discard: BpfFuncId = BpfFuncId(133);
/// `BPF_FUNC_ringbuf_query` = 134
pub const BPF_FUNC_ringbuf_query: BpfFuncId = BpfFuncId(134);
/// `BPF_FUNC_csum_level` = 135
pub const BPF_FUNC_csum_level: BpfFuncId = BpfFuncId(135);
/// `BPF_FUNC_skc_to_tcp6_sock` = 136
pub const BPF_FUNC_skc_to_tcp6_sock: BpfFuncId = BpfFuncId(136);
/// `BPF_FUNC_skc_to_tcp_sock` = 137
pub const BPF_FUNC_skc_to_tcp_sock: BpfFuncId = BpfFuncId(137);
/// `BPF_FUNC_skc_to_tcp_timewait_sock` = 138
pub const BPF_FUNC_skc_to_tcp_timewait_sock: BpfFuncId = BpfFuncId(138);
/// `BPF_FUNC_skc_to_tcp_request_sock` = 139
pub const BPF_FUNC_skc_to_tcp_request_sock: BpfFuncId = BpfFuncId(139);
/// `BPF_FUNC_skc_to_udp6_sock` = 140
pub const BPF_FUNC_skc_to_udp6_sock: BpfFuncId = BpfFuncId(140);
/// `BPF_FUNC_get_task_stack` = 141
pub const BPF_FUNC_get_task_stack: BpfFuncId = BpfFuncId(141);
/// `BPF_FUNC_load_hdr_opt` = 142
pub const BPF_FUNC_load_hdr_opt: BpfFuncId = BpfFuncId(142);
/// `BPF_FUNC_store_hdr_opt` = 143
pub const BPF_FUNC_store_hdr_opt: BpfFuncId = BpfFuncId(143);
/// `BPF_FUNC_reserve_hdr_opt` = 144
pub const BPF_FUNC_reserve_hdr_opt: BpfFuncId = BpfFuncId(144);
/// `BPF_FUNC_inode_storage_get` = 145
pub const BPF_FUNC_inode_storage_get: BpfFuncId = BpfFuncId(145);
/// `BPF_FUNC_inode_storage_delete` = 146
pub const BPF_FUNC_inode_storage_delete: BpfFuncId = BpfFuncId(146);
/// `BPF_FUNC_d_path` = 147
pub const BPF_FUNC_d_path: BpfFuncId = BpfFuncId(147);
/// `BPF_FUNC_copy_from_user` = 148
pub const BPF_FUNC_copy_from_user: BpfFuncId = BpfFuncId(148);
/// `BPF_FUNC_snprintf_btf` = 149
pub const BPF_FUNC_snprintf_btf: BpfFuncId = BpfFuncId(149);
/// `BPF_FUNC_seq_printf_btf` = 150
pub const BPF_FUNC_seq_printf_btf: BpfFuncId = BpfFuncId(150);
/// `BPF_FUNC_skb_cgroup_classid` = 151
pub const BPF_FUNC_skb_cgroup_classid: BpfFuncId = BpfFuncId(151);
/// `BPF_FUNC_redirect_neigh` = 152
pub const BPF_FUNC_redirect_neigh: BpfFuncId = BpfFuncId(152);
/// `BPF_FUNC_per_cpu_ptr` = 153
pub const BPF_FUNC_per_cpu_ptr: BpfFuncId = BpfFuncId(153);
/// `BPF_FUNC_this_cpu_ptr` = 154
pub const BPF_FUNC_this_cpu_ptr: BpfFuncId = BpfFuncId(154);
/// `BPF_FUNC_redirect_peer` = 155
pub const BPF_FUNC_redirect_peer: BpfFuncId = BpfFuncId(155);
/// `BPF_FUNC_task_storage_get` = 156
pub const BPF_FUNC_task_storage_get: BpfFuncId = BpfFuncId(156);
/// `BPF_FUNC_task_storage_delete` = 157
pub const BPF_FUNC_task_storage_delete: BpfFuncId = BpfFuncId(157);
/// `BPF_FUNC_get_current_task_btf` = 158
pub const BPF_FUNC_get_current_task_btf: BpfFuncId = BpfFuncId(158);
/// `BPF_FUNC_bprm_opts_set` = 159
pub const BPF_FUNC_bprm_opts_set: BpfFuncId = BpfFuncId(159);
/// `BPF_FUNC_ktime_get_coarse_ns` = 160
pub const BPF_FUNC_ktime_get_coarse_ns: BpfFuncId = BpfFuncId(160);
/// `BPF_FUNC_ima_inode_hash` = 161
pub const BPF_FUNC_ima_inode_hash: BpfFuncId = BpfFuncId(161);
/// `BPF_FUNC_sock_from_file` = 162
pub const BPF_FUNC_sock_from_file: BpfFuncId = BpfFuncId(162);
/// `BPF_FUNC_check_mtu` = 163
pub const BPF_FUNC_check_mtu: BpfFuncId = BpfFuncId(163);
/// `BPF_FUNC_for_each_map_elem` = 164
pub const BPF_FUNC_for_each_map_elem: BpfFuncId = BpfFuncId(164);
/// `BPF_FUNC_snprintf` = 165
pub const BPF_FUNC_snprintf: BpfFuncId = BpfFuncId(165);
/// `BPF_FUNC_sys_bpf` = 166
pub const BPF_FUNC_sys_bpf: BpfFuncId = BpfFuncId(166);
/// `BPF_FUNC_btf_find_by_name_kind` = 167
pub const BPF_FUNC_btf_find_by_name_kind: BpfFuncId = BpfFuncId(167);
/// `BPF_FUNC_sys_close` = 168
pub const BPF_FUNC_sys_close: BpfFuncId = BpfFuncId(168);
/// `BPF_FUNC_timer_init` = 169
pub const BPF_FUNC_timer_init: BpfFuncId = BpfFuncId(169);
/// `BPF_FUNC_timer_set_callback` = 170
pub const BPF_FUNC_timer_set_callback: BpfFuncId = BpfFuncId(170);
/// `BPF_FUNC_timer_start` = 171
pub const BPF_FUNC_timer_start: BpfFuncId = BpfFuncId(171);
/// `BPF_FUNC_timer_cancel` = 172
pub const BPF_FUNC_timer_cancel: BpfFuncId = BpfFuncId(172);
/// `BPF_FUNC_get_func_ip` = 173
pub const BPF_FUNC_get_func_ip: BpfFuncId = BpfFuncId(173);
/// `BPF_FUNC_get_attach_cookie` = 174
pub const BPF_FUNC_get_attach_cookie: BpfFuncId = BpfFuncId(174);
/// `BPF_FUNC_task_pt_regs` = 175
pub const BPF_FUNC_task_pt_regs: BpfFuncId = BpfFuncId(175);
/// `BPF_FUNC_get_branch_snapshot` = 176
pub const BPF_FUNC_get_branch_snapshot: BpfFuncId = BpfFuncId(176);
/// `BPF_FUNC_trace_vprintk` = 177
pub const BPF_FUNC_trace_vprintk: BpfFuncId = BpfFuncId(177);
/// `BPF_FUNC_skc_to_unix_sock` = 178
pub const BPF_FUNC_skc_to_unix_sock: BpfFuncId = BpfFuncId(178);
/// `BPF_FUNC_kallsyms_lookup_name` = 179
pub const BPF_FUNC_kallsyms_lookup_name: BpfFuncId = BpfFuncId(179);
/// `BPF_FUNC_find_vma` = 180
pub const BPF_FUNC_find_vma: BpfFuncId = BpfFuncId(180);
/// `BPF_FUNC_loop` = 181
pub const BPF_FUNC_loop: BpfFuncId = BpfFuncId(181);
/// `BPF_FUNC_strncmp` = 182
pub const BPF_FUNC_strncmp: BpfFuncId = BpfFuncId(182);
/// `BPF_FUNC_get_func_arg` = 183
pub const BPF_FUNC_get_func_arg: BpfFuncId = BpfFuncId(183);
/// `BPF_FUNC_get_func_ret` = 184
pub const BPF_FUNC_get_func_ret: BpfFuncId = BpfFuncId(184);
/// `BPF_FUNC_get_func_arg_cnt` = 185
pub const BPF_FUNC_get_func_arg_cnt: BpfFuncId = BpfFuncId(185);
/// `BPF_FUNC_get_retval` = 186
pub const BPF_FUNC_get_retval: BpfFuncId = BpfFuncId(186);
/// `BPF_FUNC_set_retval` = 187
pub const BPF_FUNC_set_retval: BpfFuncId = BpfFuncId(187);
/// `BPF_FUNC_xdp_get_buff_len` = 188
pub const BPF_FUNC_xdp_get_buff_len: BpfFuncId = BpfFuncId(188);
/// `BPF_FUNC_xdp_load_bytes` = 189
pub const BPF_FUNC_xdp_load_bytes: BpfFuncId = BpfFuncId(189);
/// `BPF_FUNC_xdp_store_bytes` = 190
pub const BPF_FUNC_xdp_store_bytes: BpfFuncId = BpfFuncId(190);
/// `BPF_FUNC_copy_from_user_task` = 191
pub const BPF_FUNC_copy_from_user_task: BpfFuncId = BpfFuncId(191);
/// `BPF_FUNC_skb_set_tstamp` = 192
pub const BPF_FUNC_skb_set_tstamp: BpfFuncId = BpfFuncId(192);
/// `BPF_FUNC_ima_file_hash` = 193
pub const BPF_FUNC_ima_file_hash: BpfFuncId = BpfFuncId(193);
/// `BPF_FUNC_kptr_xchg` = 194
pub const BPF_FUNC_kptr_xchg: BpfFuncId = BpfFuncId(194);
/// `BPF_FUNC_map_lookup_percpu_elem` = 195
pub const BPF_FUNC_map_lookup_percpu_elem: BpfFuncId = BpfFuncId(195);
/// `BPF_FUNC_skc_to_mptcp_sock` = 196
pub const BPF_FUNC_skc_to_mptcp_sock: BpfFuncId = BpfFuncId(196);
/// `BPF_FUNC_dynptr_from_mem` = 197
pub const BPF_FUNC_dynptr_from_mem: BpfFuncId = BpfFuncId(197);
/// `BPF_FUNC_ringbuf_reserve_dynptr` = 198
pub const BPF_FUNC_ringbuf_reserve_dynptr: BpfFuncId = BpfFuncId(198);
/// `BPF_FUNC_ringbuf_submit_dynptr` = 199
pub const BPF_FUNC_ringbuf_submit_dynptr: BpfFuncId = BpfFuncId(199);
/// `BPF_FUNC_ringbuf_discard_dynptr` = 200
pub const BPF_FUNC_ringbuf_discard_dynptr: BpfFuncId = BpfFuncId(200);
/// `BPF_FUNC_dynptr_read` = 201
pub const BPF_FUNC_dynptr_read: BpfFuncId = BpfFuncId(201);
/// `BPF_FUNC_dynptr_write` = 202
pub const BPF_FUNC_dynptr_write: BpfFuncId = BpfFuncId(202);
/// `BPF_FUNC_dynptr_data` = 203
pub const BPF_FUNC_dynptr_data: BpfFuncId = BpfFuncId(203);
/// `BPF_FUNC_tcp_raw_gen_syncookie_ipv4` = 204
pub const BPF_FUNC_tcp_raw_gen_syncookie_ipv4: BpfFuncId = BpfFuncId(204);
/// `BPF_FUNC_tcp_raw_gen_syncookie_ipv6` = 205
pub const BPF_FUNC_tcp_raw_gen_syncookie_ipv6: BpfFuncId = BpfFuncId(205);
/// `BPF_FUNC_tcp_raw_check_syncookie_ipv4` = 206
pub const BPF_FUNC_tcp_raw_check_syncookie_ipv4: BpfFuncId = BpfFuncId(206);
/// `BPF_FUNC_tcp_raw_check_syncookie_ipv6` = 207
pub const BPF_FUNC_tcp_raw_check_syncookie_ipv6: BpfFuncId = BpfFuncId(207);
/// `BPF_FUNC_ktime_get_tai_ns` = 208
pub const BPF_FUNC_ktime_get_tai_ns: BpfFuncId = BpfFuncId(208);
/// `BPF_FUNC_user_ringbuf_drain` = 209
pub const BPF_FUNC_user_ringbuf_drain: BpfFuncId = BpfFuncId(209);
/// `BPF_FUNC_cgrp_storage_get` = 210
pub const BPF_FUNC_cgrp_storage_get: BpfFuncId = BpfFuncId(210);
/// `BPF_FUNC_cgrp_storage_delete` = 211
pub const BPF_FUNC_cgrp_storage_delete: BpfFuncId = BpfFuncId(211);

impl BpfFuncId {
    /// The kernel's constant name, or `None` for an unknown value.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            0 => Some("BPF_FUNC_unspec"),
            1 => Some("BPF_FUNC_map_lookup_elem"),
            2 => Some("BPF_FUNC_map_update_elem"),
            3 => Some("BPF_FUNC_map_delete_elem"),
            4 => Some("BPF_FUNC_probe_read"),
            5 => Some("BPF_FUNC_ktime_get_ns"),
            6 => Some("BPF_FUNC_trace_printk"),
            7 => Some("BPF_FUNC_get_prandom_u32"),
            8 => Some("BPF_FUNC_get_smp_processor_id"),
            9 => Some("BPF_FUNC_skb_store_bytes"),
            10 => Some("BPF_FUNC_l3_csum_replace"),
            11 => Some("BPF_FUNC_l4_csum_replace"),
            12 => Some("BPF_FUNC_tail_call"),
            13 => Some("BPF_FUNC_clone_redirect"),
            14 => Some("BPF_FUNC_get_current_pid_tgid"),
            15 => Some("BPF_FUNC_get_current_uid_gid"),
            16 => Some("BPF_FUNC_get_current_comm"),
            17 => Some("BPF_FUNC_get_cgroup_classid"),
            18 => Some("BPF_FUNC_skb_vlan_push"),
            19 => Some("BPF_FUNC_skb_vlan_pop"),
            20 => Some("BPF_FUNC_skb_get_tunnel_key"),
            21 => Some("BPF_FUNC_skb_set_tunnel_key"),
            22 => Some("BPF_FUNC_perf_event_read"),
            23 => Some("BPF_FUNC_redirect"),
            24 => Some("BPF_FUNC_get_route_realm"),
            25 => Some("BPF_FUNC_perf_event_output"),
            26 => Some("BPF_FUNC_skb_load_bytes"),
            27 => Some("BPF_FUNC_get_stackid"),
            28 => Some("BPF_FUNC_csum_diff"),
            29 => Some("BPF_FUNC_skb_get_tunnel_opt"),
            30 => Some("BPF_FUNC_skb_set_tunnel_opt"),
            31 => Some("BPF_FUNC_skb_change_proto"),
            32 => Some("BPF_FUNC_skb_change_type"),
            33 => Some("BPF_FUNC_skb_under_cgroup"),
            34 => Some("BPF_FUNC_get_hash_recalc"),
            35 => Some("BPF_FUNC_get_current_task"),
            36 => Some("BPF_FUNC_probe_write_user"),
            37 => Some("BPF_FUNC_current_task_under_cgroup"),
            38 => Some("BPF_FUNC_skb_change_tail"),
            39 => Some("BPF_FUNC_skb_pull_data"),
            40 => Some("BPF_FUNC_csum_update"),
            41 => Some("BPF_FUNC_set_hash_invalid"),
            42 => Some("BPF_FUNC_get_numa_node_id"),
            43 => Some("BPF_FUNC_skb_change_head"),
            44 => Some("BPF_FUNC_xdp_adjust_head"),
            45 => Some("BPF_FUNC_probe_read_str"),
            46 => Some("BPF_FUNC_get_socket_cookie"),
            47 => Some("BPF_FUNC_get_socket_uid"),
            48 => Some("BPF_FUNC_set_hash"),
            49 => Some("BPF_FUNC_setsockopt"),
            50 => Some("BPF_FUNC_skb_adjust_room"),
            51 => Some("BPF_FUNC_redirect_map"),
            52 => Some("BPF_FUNC_sk_redirect_map"),
            53 => Some("BPF_FUNC_sock_map_update"),
            54 => Some("BPF_FUNC_xdp_adjust_meta"),
            55 => Some("BPF_FUNC_perf_event_read_value"),
            56 => Some("BPF_FUNC_perf_prog_read_value"),
            57 => Some("BPF_FUNC_getsockopt"),
            58 => Some("BPF_FUNC_override_return"),
            59 => Some("BPF_FUNC_sock_ops_cb_flags_set"),
            60 => Some("BPF_FUNC_msg_redirect_map"),
            61 => Some("BPF_FUNC_msg_apply_bytes"),
            62 => Some("BPF_FUNC_msg_cork_bytes"),
            63 => Some("BPF_FUNC_msg_pull_data"),
            64 => Some("BPF_FUNC_bind"),
            65 => Some("BPF_FUNC_xdp_adjust_tail"),
            66 => Some("BPF_FUNC_skb_get_xfrm_state"),
            67 => Some("BPF_FUNC_get_stack"),
            68 => Some("BPF_FUNC_skb_load_bytes_relative"),
            69 => Some("BPF_FUNC_fib_lookup"),
            70 => Some("BPF_FUNC_sock_hash_update"),
            71 => Some("BPF_FUNC_msg_redirect_hash"),
            72 => Some("BPF_FUNC_sk_redirect_hash"),
            73 => Some("BPF_FUNC_lwt_push_encap"),
            74 => Some("BPF_FUNC_lwt_seg6_store_bytes"),
            75 => Some("BPF_FUNC_lwt_seg6_adjust_srh"),
            76 => Some("BPF_FUNC_lwt_seg6_action"),
            77 => Some("BPF_FUNC_rc_repeat"),
            78 => Some("BPF_FUNC_rc_keydown"),
            79 => Some("BPF_FUNC_skb_cgroup_id"),
            80 => Some("BPF_FUNC_get_current_cgroup_id"),
            81 => Some("BPF_FUNC_get_local_storage"),
            82 => Some("BPF_FUNC_sk_select_reuseport"),
            83 => Some("BPF_FUNC_skb_ancestor_cgroup_id"),
            84 => Some("BPF_FUNC_sk_lookup_tcp"),
            85 => Some("BPF_FUNC_sk_lookup_udp"),
            86 => Some("BPF_FUNC_sk_release"),
            87 => Some("BPF_FUNC_map_push_elem"),
            88 => Some("BPF_FUNC_map_pop_elem"),
            89 => Some("BPF_FUNC_map_peek_elem"),
            90 => Some("BPF_FUNC_msg_push_data"),
            91 => Some("BPF_FUNC_msg_pop_data"),
            92 => Some("BPF_FUNC_rc_pointer_rel"),
            93 => Some("BPF_FUNC_spin_lock"),
            94 => Some("BPF_FUNC_spin_unlock"),
            95 => Some("BPF_FUNC_sk_fullsock"),
            96 => Some("BPF_FUNC_tcp_sock"),
            97 => Some("BPF_FUNC_skb_ecn_set_ce"),
            98 => Some("BPF_FUNC_get_listener_sock"),
            99 => Some("BPF_FUNC_skc_lookup_tcp"),
            100 => Some("BPF_FUNC_tcp_check_syncookie"),
            101 => Some("BPF_FUNC_sysctl_get_name"),
            102 => Some("BPF_FUNC_sysctl_get_current_value"),
            103 => Some("BPF_FUNC_sysctl_get_new_value"),
            104 => Some("BPF_FUNC_sysctl_set_new_value"),
            105 => Some("BPF_FUNC_strtol"),
            106 => Some("BPF_FUNC_strtoul"),
            107 => Some("BPF_FUNC_sk_storage_get"),
            108 => Some("BPF_FUNC_sk_storage_delete"),
            109 => Some("BPF_FUNC_send_signal"),
            110 => Some("BPF_FUNC_tcp_gen_syncookie"),
            111 => Some("BPF_FUNC_skb_output"),
            112 => Some("BPF_FUNC_probe_read_user"),
            113 => Some("BPF_FUNC_probe_read_kernel"),
            114 => Some("BPF_FUNC_probe_read_user_str"),
            115 => Some("BPF_FUNC_probe_read_kernel_str"),
            116 => Some("BPF_FUNC_tcp_send_ack"),
            117 => Some("BPF_FUNC_send_signal_thread"),
            118 => Some("BPF_FUNC_jiffies64"),
            119 => Some("BPF_FUNC_read_branch_records"),
            120 => Some("BPF_FUNC_get_ns_current_pid_tgid"),
            121 => Some("BPF_FUNC_xdp_output"),
            122 => Some("BPF_FUNC_get_netns_cookie"),
            123 => Some("BPF_FUNC_get_current_ancestor_cgroup_id"),
            124 => Some("BPF_FUNC_sk_assign"),
            125 => Some("BPF_FUNC_ktime_get_boot_ns"),
            126 => Some("BPF_FUNC_seq_printf"),
            127 => Some("BPF_FUNC_seq_write"),
            128 => Some("BPF_FUNC_sk_cgroup_id"),
            129 => Some("BPF_FUNC_sk_ancestor_cgroup_id"),
            130 => Some("BPF_FUNC_ringbuf_output"),
            131 => Some("BPF_FUNC_ringbuf_reserve"),
            132 => Some("BPF_FUNC_ringbuf_submit"),
            133 => Some("BPF_FUNC_ringbuf_discard"),
            134 => Some("BPF_FUNC_ringbuf_query"),
            135 => Some("BPF_FUNC_csum_level"),
            136 => Some("BPF_FUNC_skc_to_tcp6_sock"),
            137 => Some("BPF_FUNC_skc_to_tcp_sock"),
            138 => Some("BPF_FUNC_skc_to_tcp_timewait_sock"),
            139 => Some("BPF_FUNC_skc_to_tcp_request_sock"),
            140 => Some("BPF_FUNC_skc_to_udp6_sock"),
            141 => Some("BPF_FUNC_get_task_stack"),
            142 => Some("BPF_FUNC_load_hdr_opt"),
            143 => Some("BPF_FUNC_store_hdr_opt"),
            144 => Some("BPF_FUNC_reserve_hdr_opt"),
            145 => Some("BPF_FUNC_inode_storage_get"),
            146 => Some("BPF_FUNC_inode_storage_delete"),
            147 => Some("BPF_FUNC_d_path"),
            148 => Some("BPF_FUNC_copy_from_user"),
            149 => Some("BPF_FUNC_snprintf_btf"),
            150 => Some("BPF_FUNC_seq_printf_btf"),
            151 => Some("BPF_FUNC_skb_cgroup_classid"),
            152 => Some("BPF_FUNC_redirect_neigh"),
            153 => Some("BPF_FUNC_per_cpu_ptr"),
            154 => Some("BPF_FUNC_this_cpu_ptr"),
            155 => Some("BPF_FUNC_redirect_peer"),
            156 => Some("BPF_FUNC_task_storage_get"),
            157 => Some("BPF_FUNC_task_storage_delete"),
            158 => Some("BPF_FUNC_get_current_task_btf"),
            159 => Some("BPF_FUNC_bprm_opts_set"),
            160 => Some("BPF_FUNC_ktime_get_coarse_ns"),
            161 => Some("BPF_FUNC_ima_inode_hash"),
            162 => Some("BPF_FUNC_sock_from_file"),
            163 => Some("BPF_FUNC_check_mtu"),
            164 => Some("BPF_FUNC_for_each_map_elem"),
            165 => Some("BPF_FUNC_snprintf"),
            166 => Some("BPF_FUNC_sys_bpf"),
            167 => Some("BPF_FUNC_btf_find_by_name_kind"),
            168 => Some("BPF_FUNC_sys_close"),
            169 => Some("BPF_FUNC_timer_init"),
            170 => Some("BPF_FUNC_timer_set_callback"),
            171 => Some("BPF_FUNC_timer_start"),
            172 => Some("BPF_FUNC_timer_cancel"),
            173 => Some("BPF_FUNC_get_func_ip"),
            174 => Some("BPF_FUNC_get_attach_cookie"),
            175 => Some("BPF_FUNC_task_pt_regs"),
            176 => Some("BPF_FUNC_get_branch_snapshot"),
            177 => Some("BPF_FUNC_trace_vprintk"),
            178 => Some("BPF_FUNC_skc_to_unix_sock"),
            179 => Some("BPF_FUNC_kallsyms_lookup_name"),
            180 => Some("BPF_FUNC_find_vma"),
            181 => Some("BPF_FUNC_loop"),
            182 => Some("BPF_FUNC_strncmp"),
            183 => Some("BPF_FUNC_get_func_arg"),
            184 => Some("BPF_FUNC_get_func_ret"),
            185 => Some("BPF_FUNC_get_func_arg_cnt"),
            186 => Some("BPF_FUNC_get_retval"),
            187 => Some("BPF_FUNC_set_retval"),
            188 => Some("BPF_FUNC_xdp_get_buff_len"),
            189 => Some("BPF_FUNC_xdp_load_bytes"),
            190 => Some("BPF_FUNC_xdp_store_bytes"),
            191 => Some("BPF_FUNC_copy_from_user_task"),
            192 => Some("BPF_FUNC_skb_set_tstamp"),
            193 => Some("BPF_FUNC_ima_file_hash"),
            194 => Some("BPF_FUNC_kptr_xchg"),
            195 => Some("BPF_FUNC_map_lookup_percpu_elem"),
            196 => Some("BPF_FUNC_skc_to_mptcp_sock"),
            197 => Some("BPF_FUNC_dynptr_from_mem"),
            198 => Some("BPF_FUNC_ringbuf_reserve_dynptr"),
            199 => Some("BPF_FUNC_ringbuf_submit_dynptr"),
            200 => Some("BPF_FUNC_ringbuf_discard_dynptr"),
            201 => Some("BPF_FUNC_dynptr_read"),
            202 => Some("BPF_FUNC_dynptr_write"),
            203 => Some("BPF_FUNC_dynptr_data"),
            204 => Some("BPF_FUNC_tcp_raw_gen_syncookie_ipv4"),
            205 => Some("BPF_FUNC_tcp_raw_gen_syncookie_ipv6"),
            206 => Some("BPF_FUNC_tcp_raw_check_syncookie_ipv4"),
            207 => Some("BPF_FUNC_tcp_raw_check_syncookie_ipv6"),
            208 => Some("BPF_FUNC_ktime_get_tai_ns"),
            209 => Some("BPF_FUNC_user_ringbuf_drain"),
            210 => Some("BPF_FUNC_cgrp_storage_get"),
            211 => Some("BPF_FUNC_cgrp_storage_delete"),
            _ => None,
        }
    }
    /// The helper name without the prefix (`map_lookup_elem`).
    pub fn short_name(self) -> Option<String> {
        self.name().map(|n| n.trim_start_matches("BPF_FUNC_").to_ascii_lowercase())
    }
    /// Parses a constant name (`BPF_FUNC_map_lookup_elem`) or a short name (`map_lookup_elem`).
    pub fn from_name(s: &str) -> Option<Self> {
        (0..Self::MAX_SCAN).map(Self).find(|t| t.name() == Some(s) || t.short_name().as_deref() == Some(s))
    }
    const MAX_SCAN: u32 = 212;
}

impl std::fmt::Debug for BpfFuncId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "BpfFuncId({})", self.0),
        }
    }
}

//! `bpftool batch [FILE|-]`: run JSON-lines cases through a `bpf()` and
//! print one JSON line per case.
//!
//! The input and output formats are those of `kernel_oracle.py` (see its
//! README in `../shared/tools`): a case has `name`, `prog_type`, `insns`
//! (hex of `struct bpf_insn` records), `maps` (with `init` entries),
//! `data`, `ctx`, `repeat`, `log_level`, `expected_attach_type`,
//! `prog_flags`, `meta`, ...; a result has `name`, `accepted`, `errno_name`,
//! `error_line`, `log`, `stats`, `retval`, `duration_ns`,
//! `xlated_insn_cnt`, `jited_len`, `tag`, `meta` and the rest, with the
//! same meanings. So the project's answer and the kernel's can be compared
//! line by line.
//!
//! The engine ([`run_case`], [`run_batch`]) is written once against
//! [`BpfBackend`], the few `bpf()` commands a case needs. Two backends
//! implement it: the project's `bpf()` (`bpf-syscall`'s `Kernel`), the
//! default, and the running kernel through the real system call
//! ([`crate::host::HostBpf`], `--host`), which is how `cargo xtask
//! kernel-diff` asks the kernel without `kernel_oracle.py`. What the oracle
//! does around the calls is done here the same way: map creation and
//! `init`, `ld_imm64` map patching (index to fd, out of range to fd -1 with
//! a warning), `fd_array` for `BPF_PSEUDO_MAP_IDX`, the log buffer that
//! grows on `ENOSPC` up to 16 MiB, `EAGAIN` retries, the reload at level 1
//! of a level-0 case, statistics and error-line parsing, and the test-run
//! style and packet padding per program type.

use bpf_core::uapi::BpfAttrMapCreate;
use serde_json::{json, Map, Value};
use std::io::{BufRead, Write};
use std::time::Instant;

/// `ETH_HLEN`: packets are padded with zeros to at least this length.
pub const ETH_HLEN: usize = 14;
/// `ENOTSUPP`, the kernel-internal errno test-run gives for types it cannot run.
pub const ENOTSUPP: i32 = 524;
const EOPNOTSUPP: i32 = 95;
const EAGAIN: i32 = 11;
const ENOSPC: i32 = 28;
/// The log buffer a load starts with (1 MiB), as the oracle's default.
pub const DEFAULT_LOG_SIZE: usize = 1 << 20;
/// The largest log buffer a load grows to (16 MiB).
pub const MAX_LOG_SIZE: usize = 16 << 20;
/// The test-run packet when a case gives none: 64 zero bytes.
pub const DEFAULT_PACKET_LEN: usize = 64;
/// Size of the test-run `data_out` buffer (at least; twice the packet plus a page when larger).
pub const TEST_RUN_OUT_MIN: usize = 256 << 10;
/// Size of the test-run `ctx_out` buffer.
pub const CTX_OUT_SIZE: usize = 4096;
/// `BPF_LOG_LEVEL1`.
pub const BPF_LOG_LEVEL1: u32 = 1;
/// `BPF_LOG_STATS`.
pub const BPF_LOG_STATS: u32 = 4;

/// Program type names (`enum bpf_prog_type`, without the prefix).
pub const PROG_TYPES: &[(&str, u32)] = &[
    ("unspec", 0),
    ("socket_filter", 1),
    ("kprobe", 2),
    ("sched_cls", 3),
    ("sched_act", 4),
    ("tracepoint", 5),
    ("xdp", 6),
    ("perf_event", 7),
    ("cgroup_skb", 8),
    ("cgroup_sock", 9),
    ("lwt_in", 10),
    ("lwt_out", 11),
    ("lwt_xmit", 12),
    ("sock_ops", 13),
    ("sk_skb", 14),
    ("cgroup_device", 15),
    ("sk_msg", 16),
    ("raw_tracepoint", 17),
    ("cgroup_sock_addr", 18),
    ("lwt_seg6local", 19),
    ("lirc_mode2", 20),
    ("sk_reuseport", 21),
    ("flow_dissector", 22),
    ("cgroup_sysctl", 23),
    ("raw_tracepoint_writable", 24),
    ("cgroup_sockopt", 25),
    ("tracing", 26),
    ("struct_ops", 27),
    ("ext", 28),
    ("lsm", 29),
    ("sk_lookup", 30),
    ("syscall", 31),
    ("netfilter", 32),
];
const PROG_TYPE_ALIASES: &[(&str, &str)] = &[
    ("socket", "socket_filter"),
    ("tc", "sched_cls"),
    ("classifier", "sched_cls"),
    ("action", "sched_act"),
    ("raw_tp", "raw_tracepoint"),
];

/// Map type names (`enum bpf_map_type`, without the prefix).
pub const MAP_TYPES: &[(&str, u32)] = &[
    ("unspec", 0),
    ("hash", 1),
    ("array", 2),
    ("prog_array", 3),
    ("perf_event_array", 4),
    ("percpu_hash", 5),
    ("percpu_array", 6),
    ("stack_trace", 7),
    ("cgroup_array", 8),
    ("lru_hash", 9),
    ("lru_percpu_hash", 10),
    ("lpm_trie", 11),
    ("array_of_maps", 12),
    ("hash_of_maps", 13),
    ("devmap", 14),
    ("sockmap", 15),
    ("cpumap", 16),
    ("xskmap", 17),
    ("sockhash", 18),
    ("cgroup_storage", 19),
    ("reuseport_sockarray", 20),
    ("percpu_cgroup_storage", 21),
    ("queue", 22),
    ("stack", 23),
    ("sk_storage", 24),
    ("devmap_hash", 25),
    ("struct_ops", 26),
    ("ringbuf", 27),
    ("inode_storage", 28),
    ("task_storage", 29),
    ("bloom_filter", 30),
    ("user_ringbuf", 31),
    ("cgrp_storage", 32),
    ("arena", 33),
];
const PERCPU_MAP_TYPES: [u32; 4] = [5, 6, 10, 21];

/// Attach type names (`enum bpf_attach_type`, without the prefix), in
/// enum order.
pub const ATTACH_TYPES: &[&str] = &[
    "cgroup_inet_ingress",
    "cgroup_inet_egress",
    "cgroup_inet_sock_create",
    "cgroup_sock_ops",
    "sk_skb_stream_parser",
    "sk_skb_stream_verdict",
    "cgroup_device",
    "sk_msg_verdict",
    "cgroup_inet4_bind",
    "cgroup_inet6_bind",
    "cgroup_inet4_connect",
    "cgroup_inet6_connect",
    "cgroup_inet4_post_bind",
    "cgroup_inet6_post_bind",
    "cgroup_udp4_sendmsg",
    "cgroup_udp6_sendmsg",
    "lirc_mode2",
    "flow_dissector",
    "cgroup_sysctl",
    "cgroup_udp4_recvmsg",
    "cgroup_udp6_recvmsg",
    "cgroup_getsockopt",
    "cgroup_setsockopt",
    "trace_raw_tp",
    "trace_fentry",
    "trace_fexit",
    "modify_return",
    "lsm_mac",
    "trace_iter",
    "cgroup_inet4_getpeername",
    "cgroup_inet6_getpeername",
    "cgroup_inet4_getsockname",
    "cgroup_inet6_getsockname",
    "xdp_devmap",
    "cgroup_inet_sock_release",
    "xdp_cpumap",
    "sk_lookup",
    "xdp",
    "sk_skb_verdict",
    "sk_reuseport_select",
    "sk_reuseport_select_or_migrate",
    "perf_event",
    "trace_kprobe_multi",
    "lsm_cgroup",
    "struct_ops",
    "netfilter",
    "tcx_ingress",
    "tcx_egress",
    "trace_uprobe_multi",
    "cgroup_unix_connect",
    "cgroup_unix_sendmsg",
    "cgroup_unix_recvmsg",
    "cgroup_unix_getpeername",
    "cgroup_unix_getsockname",
    "netkit_primary",
    "netkit_peer",
    "trace_kprobe_session",
    "trace_uprobe_session",
];

/// `prog_flags` names (`BPF_F_*` of `BPF_PROG_LOAD`).
pub const PROG_FLAGS: &[(&str, u32)] = &[
    ("strict_alignment", 1),
    ("any_alignment", 2),
    ("test_rnd_hi32", 4),
    ("test_state_freq", 8),
    ("sleepable", 16),
    ("xdp_has_frags", 32),
    ("xdp_dev_bound_only", 64),
];

/// The name of a program type number (`xdp`), or the number as text.
pub fn prog_type_name(t: u32) -> String {
    PROG_TYPES.iter().find(|(_, n)| *n == t).map(|(s, _)| s.to_string()).unwrap_or_else(|| t.to_string())
}

/// Linux errno names by number, as Python's `errno.errorcode` has them
/// (with `EAGAIN`, `EDEADLK` and `EOPNOTSUPP` for the shared numbers) plus
/// the kernel-internal ones that leak out of `bpf()` (`ENOTSUPP` 524).
pub fn errno_name(e: i32) -> Option<String> {
    const NAMES: [&str; 134] = [
        "",
        "EPERM",
        "ENOENT",
        "ESRCH",
        "EINTR",
        "EIO",
        "ENXIO",
        "E2BIG",
        "ENOEXEC",
        "EBADF",
        "ECHILD",
        "EAGAIN",
        "ENOMEM",
        "EACCES",
        "EFAULT",
        "ENOTBLK",
        "EBUSY",
        "EEXIST",
        "EXDEV",
        "ENODEV",
        "ENOTDIR",
        "EISDIR",
        "EINVAL",
        "ENFILE",
        "EMFILE",
        "ENOTTY",
        "ETXTBSY",
        "EFBIG",
        "ENOSPC",
        "ESPIPE",
        "EROFS",
        "EMLINK",
        "EPIPE",
        "EDOM",
        "ERANGE",
        "EDEADLK",
        "ENAMETOOLONG",
        "ENOLCK",
        "ENOSYS",
        "ENOTEMPTY",
        "ELOOP",
        "",
        "ENOMSG",
        "EIDRM",
        "ECHRNG",
        "EL2NSYNC",
        "EL3HLT",
        "EL3RST",
        "ELNRNG",
        "EUNATCH",
        "ENOCSI",
        "EL2HLT",
        "EBADE",
        "EBADR",
        "EXFULL",
        "ENOANO",
        "EBADRQC",
        "EBADSLT",
        "",
        "EBFONT",
        "ENOSTR",
        "ENODATA",
        "ETIME",
        "ENOSR",
        "ENONET",
        "ENOPKG",
        "EREMOTE",
        "ENOLINK",
        "EADV",
        "ESRMNT",
        "ECOMM",
        "EPROTO",
        "EMULTIHOP",
        "EDOTDOT",
        "EBADMSG",
        "EOVERFLOW",
        "ENOTUNIQ",
        "EBADFD",
        "EREMCHG",
        "ELIBACC",
        "ELIBBAD",
        "ELIBSCN",
        "ELIBMAX",
        "ELIBEXEC",
        "EILSEQ",
        "ERESTART",
        "ESTRPIPE",
        "EUSERS",
        "ENOTSOCK",
        "EDESTADDRREQ",
        "EMSGSIZE",
        "EPROTOTYPE",
        "ENOPROTOOPT",
        "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT",
        "EOPNOTSUPP",
        "EPFNOSUPPORT",
        "EAFNOSUPPORT",
        "EADDRINUSE",
        "EADDRNOTAVAIL",
        "ENETDOWN",
        "ENETUNREACH",
        "ENETRESET",
        "ECONNABORTED",
        "ECONNRESET",
        "ENOBUFS",
        "EISCONN",
        "ENOTCONN",
        "ESHUTDOWN",
        "ETOOMANYREFS",
        "ETIMEDOUT",
        "ECONNREFUSED",
        "EHOSTDOWN",
        "EHOSTUNREACH",
        "EALREADY",
        "EINPROGRESS",
        "ESTALE",
        "EUCLEAN",
        "ENOTNAM",
        "ENAVAIL",
        "EISNAM",
        "EREMOTEIO",
        "EDQUOT",
        "ENOMEDIUM",
        "EMEDIUMTYPE",
        "ECANCELED",
        "ENOKEY",
        "EKEYEXPIRED",
        "EKEYREVOKED",
        "EKEYREJECTED",
        "EOWNERDEAD",
        "ENOTRECOVERABLE",
        "ERFKILL",
        "EHWPOISON",
    ];
    const KERNEL: [&str; 19] = [
        "ERESTARTSYS",
        "ERESTARTNOINTR",
        "ERESTARTNOHAND",
        "ENOIOCTLCMD",
        "ERESTART_RESTARTBLOCK",
        "EPROBE_DEFER",
        "EOPENSTALE",
        "ENOPARAM",
        "",
        "EBADHANDLE",
        "ENOTSYNC",
        "EBADCOOKIE",
        "ENOTSUPP",
        "ETOOSMALL",
        "ESERVERFAULT",
        "EBADTYPE",
        "EJUKEBOX",
        "EIOCBQUEUED",
        "ERECALLCONFLICT",
    ];
    if e == 0 {
        return None;
    }
    let known = match e {
        1..=133 => NAMES[e as usize],
        512..=530 => KERNEL[(e - 512) as usize],
        _ => "",
    };
    Some(if known.is_empty() { format!("E{e}") } else { known.to_string() })
}

/// A `bpf()` error: the positive errno.
pub type Errno = i32;

/// `BPF_MAP_CREATE`'s arguments.
#[derive(Clone, Debug, Default)]
pub struct MapCreate {
    /// `map_type`.
    pub map_type: u32,
    /// `key_size`.
    pub key_size: u32,
    /// `value_size`.
    pub value_size: u32,
    /// `max_entries`.
    pub max_entries: u32,
    /// `map_flags`.
    pub map_flags: u32,
    /// `inner_map_fd` (0 when none).
    pub inner_map_fd: u32,
    /// `map_extra`.
    pub map_extra: u64,
    /// `map_name` (at most 15 bytes).
    pub name: Vec<u8>,
}

impl MapCreate {
    /// The `BPF_MAP_CREATE` attribute both backends pass to their `bpf()`.
    pub fn to_attr(&self) -> BpfAttrMapCreate {
        BpfAttrMapCreate {
            map_type: self.map_type,
            key_size: self.key_size,
            value_size: self.value_size,
            max_entries: self.max_entries,
            map_flags: self.map_flags,
            inner_map_fd: self.inner_map_fd,
            map_name: obj_name16(&self.name),
            map_extra: self.map_extra,
            ..Default::default()
        }
    }
}

/// A `char name[BPF_OBJ_NAME_LEN]` field: at most 15 bytes and a NUL.
pub fn obj_name16(n: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    let len = n.len().min(15);
    out[..len].copy_from_slice(&n[..len]);
    out
}

/// `BPF_PROG_LOAD`'s arguments.
#[derive(Clone, Debug, Default)]
pub struct ProgLoad {
    /// `prog_type`.
    pub prog_type: u32,
    /// The instructions, as bytes.
    pub insns: Vec<u8>,
    /// `license` (without the NUL).
    pub license: Vec<u8>,
    /// `log_level`.
    pub log_level: u32,
    /// `kern_version`.
    pub kern_version: u32,
    /// `prog_flags`.
    pub prog_flags: u32,
    /// `prog_name` (at most 15 bytes).
    pub name: Vec<u8>,
    /// `expected_attach_type`.
    pub expected_attach_type: u32,
    /// `attach_btf_id`.
    pub attach_btf_id: u32,
    /// `fd_array`, when the program uses `BPF_PSEUDO_MAP_IDX`.
    pub fd_array: Vec<i32>,
}

/// What `BPF_PROG_LOAD` gave.
#[derive(Clone, Debug)]
pub struct LoadReply {
    /// The program fd, or the errno.
    pub fd: Result<i32, Errno>,
    /// `log_true_size` as written back into the attr (0 if not).
    pub log_true_size: u32,
}

/// What `BPF_OBJ_GET_INFO_BY_FD` gave for a program.
#[derive(Clone, Debug, Default)]
pub struct ProgInfo {
    /// `id`.
    pub id: u32,
    /// `tag`.
    pub tag: [u8; 8],
    /// `xlated_prog_len` in bytes.
    pub xlated_prog_len: u32,
    /// `jited_prog_len` in bytes.
    pub jited_prog_len: u32,
    /// `verified_insns`.
    pub verified_insns: u32,
    /// `nr_map_ids`.
    pub nr_map_ids: u32,
    /// `nr_jited_ksyms`.
    pub nr_jited_ksyms: u32,
    /// `gpl_compatible`.
    pub gpl_compatible: bool,
    /// `jited_func_lens` (asked for with a second call when
    /// `nr_jited_func_lens` is not 0, as the oracle does).
    pub jited_func_lens: Vec<u32>,
    /// `xlated_prog_insns` (`struct bpf_insn` records as bytes), asked for
    /// with a second call when the caller wants the dump; `None` when not
    /// asked for, when `xlated_prog_len` was 0, or when the kernel left
    /// `xlated_prog_insns` at 0 (it refused to dump).
    pub xlated: Option<Vec<u8>>,
}

/// `BPF_PROG_TEST_RUN`'s arguments.
#[derive(Clone, Debug, Default)]
pub struct TestRun {
    /// The program.
    pub prog_fd: i32,
    /// `data_in`, if the style passes data.
    pub data_in: Option<Vec<u8>>,
    /// Size of the `data_out` buffer (0: none).
    pub data_out_size: usize,
    /// `ctx_in`.
    pub ctx_in: Option<Vec<u8>>,
    /// Size of the `ctx_out` buffer (0: none).
    pub ctx_out_size: usize,
    /// `repeat`.
    pub repeat: u32,
    /// `flags`.
    pub flags: u32,
    /// `cpu`.
    pub cpu: u32,
}

/// What `BPF_PROG_TEST_RUN` gave.
#[derive(Clone, Debug, Default)]
pub struct TestRunReply {
    /// `retval`.
    pub retval: u32,
    /// `duration` (ns per run).
    pub duration: u32,
    /// `data_size_out`.
    pub data_size_out: u32,
    /// `ctx_size_out`.
    pub ctx_size_out: u32,
}

/// The `bpf()` commands a batch needs. Errors are positive errnos, as the
/// system call's `-1`/`errno`.
pub trait BpfBackend {
    /// `BPF_MAP_CREATE`: the new map's fd.
    fn map_create(&mut self, attr: &MapCreate) -> Result<i32, Errno>;
    /// `BPF_MAP_UPDATE_ELEM`.
    fn map_update_elem(&mut self, fd: i32, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno>;
    /// `BPF_PROG_LOAD` with `log` as the log buffer (empty: no buffer; the
    /// log is what the call wrote, up to its NUL).
    fn prog_load(&mut self, attr: &ProgLoad, log: &mut Vec<u8>) -> LoadReply;
    /// `BPF_OBJ_GET_INFO_BY_FD` on a program; with `dump_xlated`, a second
    /// call fetches the translated instructions ([`ProgInfo::xlated`]).
    fn prog_info(&mut self, fd: i32, dump_xlated: bool) -> Result<ProgInfo, Errno>;
    /// `BPF_PROG_TEST_RUN`.
    fn test_run(&mut self, attr: &TestRun) -> Result<TestRunReply, Errno>;
    /// `close(fd)`.
    fn close(&mut self, fd: i32);
    /// The number of possible CPUs (per-CPU map values are this many
    /// 8-byte-rounded copies).
    fn possible_cpus(&self) -> usize;
    /// `KERNEL_VERSION` of the kernel, the default `kern_version`.
    fn kern_version(&self) -> u32;
    /// Makes the following calls those of an unprivileged user (no
    /// capabilities; a case with `"unpriv": true`), or, with `false`, of
    /// root again. `Err` says why this backend cannot (the default: it
    /// only runs as root).
    fn set_unprivileged(&mut self, on: bool) -> Result<(), String> {
        if on {
            Err("this backend cannot run a case unprivileged".into())
        } else {
            Ok(())
        }
    }
}

/// Defaults a case does not set (the oracle's command-line options).
#[derive(Clone, Debug)]
pub struct BatchOpts {
    /// `log_level` of cases that give none (1).
    pub log_level: u32,
    /// OR `BPF_LOG_STATS` into every level.
    pub stats: bool,
    /// Reload level-0 cases at level 1 for their log.
    pub log_reload: bool,
    /// The initial log buffer size.
    pub log_size: usize,
    /// `repeat` of cases that give none (1).
    pub repeat: u32,
    /// Run `BPF_PROG_TEST_RUN` on accepted programs.
    pub test_run: bool,
    /// Fetch accepted programs' translated instructions (`xlated_hex`, the
    /// oracle's `--dump-xlated`) for cases that do not say `dump_xlated`.
    pub dump_xlated: bool,
}

impl Default for BatchOpts {
    fn default() -> Self {
        BatchOpts {
            log_level: 1,
            stats: false,
            log_reload: true,
            log_size: DEFAULT_LOG_SIZE,
            repeat: 1,
            test_run: true,
            dump_xlated: false,
        }
    }
}

/// A malformed case: a tool error, not a verdict.
#[derive(Debug)]
struct CaseError(String);

fn case_err<T>(msg: impl Into<String>) -> Result<T, CaseError> {
    Err(CaseError(msg.into()))
}

/// One map of a normalised case.
#[derive(Clone, Debug)]
struct MapSpec {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    flags: u32,
    map_extra: u64,
    name: String,
    inner_map: Option<usize>,
    init: Vec<(Vec<u8>, Vec<u8>, u64)>,
}

/// A case, checked and with defaults filled in (`normalize_case`).
#[derive(Clone, Debug)]
struct Case {
    name: String,
    meta: Option<Value>,
    prog_type: u32,
    insns: Vec<u8>,
    log_level: u32,
    repeat: u32,
    data: Option<Vec<u8>>,
    ctx: Option<Vec<u8>>,
    expected_attach_type: u32,
    attach_btf_id: u32,
    prog_flags: u32,
    kern_version: u32,
    test_run: bool,
    dump_xlated: bool,
    test_flags: u32,
    test_cpu: u32,
    patch_maps: bool,
    unpriv: bool,
    maps: Vec<MapSpec>,
}

/// Lower-case hex of bytes (the oracle's `bytes.hex()`).
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hex_bytes(v: Option<&Value>, what: &str) -> Result<Option<Vec<u8>>, CaseError> {
    let Some(v) = v.filter(|v| !v.is_null()) else { return Ok(None) };
    let Some(s) = v.as_str() else { return case_err(format!("{what} must be a hex string")) };
    let mut t: String = s.split_whitespace().collect();
    if t.starts_with("0x") || t.starts_with("0X") {
        t.drain(..2);
    }
    if t.len() % 2 != 0 {
        return case_err(format!("{what}: invalid hex (odd length)"));
    }
    let mut out = Vec::with_capacity(t.len() / 2);
    for i in (0..t.len()).step_by(2) {
        match t.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()) {
            Some(b) => out.push(b),
            None => return case_err(format!("{what}: invalid hex at position {i}")),
        }
    }
    Ok(Some(out))
}

fn int_field(v: Option<&Value>, default: i128, what: &str, lo: i128, hi: i128) -> Result<i128, CaseError> {
    let n = match v {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i as i128,
            (None, Some(u)) => u as i128,
            _ => return case_err(format!("{what} must be an integer, got {n}")),
        },
        Some(other) => return case_err(format!("{what} must be an integer, got {other}")),
    };
    if n < lo || n > hi {
        return case_err(format!("{what}={n} out of range [{lo}, {hi}]"));
    }
    Ok(n)
}

fn u32_field(v: Option<&Value>, default: u32, what: &str) -> Result<u32, CaseError> {
    Ok(int_field(v, default as i128, what, 0, u32::MAX as i128)? as u32)
}

fn enum_field(
    v: Option<&Value>,
    default: u32,
    table: &[(&str, u32)],
    what: &str,
    aliases: &[(&str, &str)],
) -> Result<u32, CaseError> {
    match v {
        Some(Value::String(s)) => {
            let mut key = s.trim().to_ascii_lowercase();
            for prefix in ["bpf_prog_type_", "bpf_map_type_", "bpf_"] {
                if let Some(rest) = key.strip_prefix(prefix) {
                    if table.iter().any(|(n, _)| *n == rest) {
                        key = rest.to_string();
                    }
                }
            }
            if let Some((_, to)) = aliases.iter().find(|(a, _)| *a == key) {
                key = to.to_string();
            }
            match table.iter().find(|(n, _)| *n == key) {
                Some((_, n)) => Ok(*n),
                None => case_err(format!("unknown {what} {s:?} (give a known name or the number)")),
            }
        }
        other => u32_field(other, default, what),
    }
}

fn attach_field(v: Option<&Value>) -> Result<u32, CaseError> {
    let table: Vec<(&str, u32)> = ATTACH_TYPES.iter().enumerate().map(|(i, n)| (*n, i as u32)).collect();
    enum_field(v, 0, &table, "expected_attach_type", &[])
}

fn flags_field(v: Option<&Value>) -> Result<u32, CaseError> {
    match v {
        Some(Value::Array(items)) => {
            let mut out = 0;
            for it in items {
                out |= enum_field(Some(it), 0, PROG_FLAGS, "prog_flags", &[])?;
            }
            Ok(out)
        }
        other => enum_field(other, 0, PROG_FLAGS, "prog_flags", &[]),
    }
}

fn bool_field(v: Option<&Value>, default: bool) -> bool {
    match v {
        None | Some(Value::Null) => default,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

/// A map key or value: an integer (little-endian, `size` bytes) or hex.
fn bytes_field(v: Option<&Value>, size: u32, what: &str) -> Result<Vec<u8>, CaseError> {
    if let Some(Value::Number(n)) = v {
        if size == 0 {
            return case_err(format!("{what}: integer given for a zero-sized field"));
        }
        let (neg, mag) = match (n.as_i64(), n.as_u64()) {
            (Some(i), _) if i < 0 => (true, i as i128),
            (_, Some(u)) => (false, u as i128),
            _ => return case_err(format!("{what}: {n} is not an integer")),
        };
        let size = size as usize;
        let fits = if size >= 16 {
            true
        } else if neg {
            mag >= -(1i128 << (8 * size - 1))
        } else {
            mag < (1i128 << (8 * size))
        };
        if !fits {
            return case_err(format!("{what}: {n} does not fit in {size} bytes"));
        }
        let le = mag.to_le_bytes();
        let fill = if neg { 0xff } else { 0 };
        return Ok((0..size).map(|i| if i < 16 { le[i] } else { fill }).collect());
    }
    match hex_bytes(v, what)? {
        Some(b) => Ok(b),
        None => case_err(format!("{what} missing")),
    }
}

/// Mirrors the oracle's `normalize_case`: checks the case and fills in
/// defaults.
fn normalize_case(raw: &Value, index: usize, opts: &BatchOpts, kern_version: u32) -> Result<Case, CaseError> {
    let Some(o) = raw.as_object() else { return case_err("case must be a JSON object") };
    let name = match o.get("name") {
        None => format!("case{index}"),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let insns = match hex_bytes(o.get("insns"), "insns")? {
        Some(b) => b,
        None => return case_err("insns missing"),
    };
    if insns.len() % 8 != 0 {
        return case_err(format!(
            "insns: {} bytes is not a multiple of 8 (sizeof(struct bpf_insn))",
            insns.len()
        ));
    }
    let mut c = Case {
        name,
        meta: o.get("meta").filter(|m| !m.is_null()).cloned(),
        prog_type: enum_field(o.get("prog_type"), 1, PROG_TYPES, "prog_type", PROG_TYPE_ALIASES)?,
        insns,
        log_level: u32_field(o.get("log_level"), opts.log_level, "log_level")?,
        repeat: u32_field(o.get("repeat"), opts.repeat, "repeat")?,
        data: hex_bytes(o.get("data"), "data")?,
        ctx: hex_bytes(o.get("ctx"), "ctx")?,
        expected_attach_type: attach_field(o.get("expected_attach_type"))?,
        attach_btf_id: u32_field(o.get("attach_btf_id"), 0, "attach_btf_id")?,
        prog_flags: flags_field(o.get("prog_flags"))?,
        kern_version: u32_field(o.get("kern_version"), kern_version, "kern_version")?,
        test_run: bool_field(o.get("test_run"), opts.test_run),
        dump_xlated: bool_field(o.get("dump_xlated"), opts.dump_xlated),
        test_flags: u32_field(o.get("test_flags"), 0, "test_flags")?,
        test_cpu: u32_field(o.get("test_cpu"), 0, "test_cpu")?,
        patch_maps: bool_field(o.get("patch_maps"), true),
        unpriv: bool_field(o.get("unpriv"), false),
        maps: Vec::new(),
    };
    let maps = match o.get("maps") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return case_err("maps must be a list"),
    };
    for (i, m) in maps.iter().enumerate() {
        let Some(mo) = m.as_object() else { return case_err(format!("maps[{i}] must be an object")) };
        let w = |k: &str| format!("maps[{i}].{k}");
        let mut spec = MapSpec {
            map_type: enum_field(mo.get("type"), 2, MAP_TYPES, &w("type"), &[])?,
            key_size: u32_field(mo.get("key_size"), 4, &w("key_size"))?,
            value_size: u32_field(mo.get("value_size"), 8, &w("value_size"))?,
            max_entries: u32_field(mo.get("max_entries"), 1, &w("max_entries"))?,
            flags: u32_field(mo.get("flags").or(mo.get("map_flags")), 0, &w("flags"))?,
            map_extra: int_field(mo.get("map_extra"), 0, &w("map_extra"), 0, u64::MAX as i128)? as u64,
            name: match mo.get("name") {
                Some(Value::String(s)) => s.clone(),
                Some(v) if !v.is_null() => v.to_string(),
                _ => format!("m{i}"),
            },
            inner_map: None,
            init: Vec::new(),
        };
        if let Some(v) = mo.get("inner_map").filter(|v| !v.is_null()) {
            if i == 0 {
                return case_err(format!("{}: no earlier map to use", w("inner_map")));
            }
            spec.inner_map = Some(int_field(Some(v), 0, &w("inner_map"), 0, i as i128 - 1)? as usize);
        }
        if let Some(init) = mo.get("init").filter(|v| !v.is_null()) {
            let Some(list) = init.as_array() else {
                return case_err(format!("{} must be a list", w("init")));
            };
            for (j, ent) in list.iter().enumerate() {
                let Some(eo) = ent.as_object() else {
                    return case_err(format!("maps[{i}].init[{j}] must be an object"));
                };
                let key = bytes_field(eo.get("key"), spec.key_size, &format!("maps[{i}].init[{j}].key"))?;
                let val =
                    bytes_field(eo.get("value"), spec.value_size, &format!("maps[{i}].init[{j}].value"))?;
                let flags = int_field(eo.get("flags"), 0, "init flags", 0, u64::MAX as i128)? as u64;
                spec.init.push((key, val, flags));
            }
        }
        c.maps.push(spec);
    }
    Ok(c)
}

/// The name the kernel object gets: `[A-Za-z0-9_.]`, others as `_`, at
/// most 15 bytes (the oracle's `_obj_name`).
pub fn obj_name(name: &str) -> Vec<u8> {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '.' { c } else { '_' })
        .take(15)
        .collect::<String>()
        .into_bytes()
}

/// Mirrors the oracle's `patch_map_refs`: in `ld_imm64` with `src_reg`
/// `BPF_PSEUDO_MAP_FD` (1) or `BPF_PSEUDO_MAP_VALUE` (2) the `imm` is an
/// index into `fds`; it becomes the fd, or -1 when out of range (with a
/// warning). Returns the patched bytes, the number patched and warnings.
pub fn patch_map_refs(insns: &[u8], fds: &[i32]) -> (Vec<u8>, usize, Vec<String>) {
    let mut buf = insns.to_vec();
    let n = buf.len() / 8;
    let (mut patched, mut warnings) = (0, Vec::new());
    let mut i = 0;
    while i < n {
        if buf[8 * i] == 0x18 {
            let src = buf[8 * i + 1] >> 4;
            if src == 1 || src == 2 {
                let at = 8 * i + 4;
                let idx = i32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
                let fd = match usize::try_from(idx).ok().and_then(|k| fds.get(k)) {
                    Some(fd) => *fd,
                    None => {
                        warnings.push(format!(
                            "insn {i}: ld_imm64 map index {idx} out of range ({} maps); patched to fd -1",
                            fds.len()
                        ));
                        -1
                    }
                };
                buf[at..at + 4].copy_from_slice(&fd.to_le_bytes());
                patched += 1;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    (buf, patched, warnings)
}

/// Mirrors the oracle's `parse_log_stats`: the last `processed N insns
/// (limit L) k v k v...` line, `verification time N usec`, `stack depth
/// A+B`.
pub fn parse_log_stats(log: &str) -> Option<Map<String, Value>> {
    if log.is_empty() {
        return None;
    }
    let mut stats = Map::new();
    if let Some(line) =
        log.lines().rev().find(|l| l.starts_with("processed ") && l.contains(" insns (limit "))
    {
        let rest = &line["processed ".len()..];
        let (n, rest) = rest.split_once(" insns (limit ").unwrap_or(("", ""));
        let (limit, tail) = rest.split_once(')').unwrap_or(("", ""));
        if let (Ok(n), Ok(limit)) = (n.parse::<u64>(), limit.parse::<u64>()) {
            stats.insert("processed_insns".into(), json!(n));
            stats.insert("insn_limit".into(), json!(limit));
            let words: Vec<&str> = tail.split_whitespace().collect();
            for w in words.windows(2) {
                if w[0].chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    if let Ok(v) = w[1].parse::<u64>() {
                        stats.insert(w[0].into(), json!(v));
                    }
                }
            }
        }
    }
    if let Some(v) = log.lines().rev().find_map(|l| {
        l.strip_prefix("verification time ").and_then(|r| r.split_whitespace().next()?.parse::<u64>().ok())
    }) {
        stats.insert("verification_time_usec".into(), json!(v));
    }
    if let Some(v) = log.lines().rev().find_map(|l| l.strip_prefix("stack depth ")) {
        let d: String = v.chars().take_while(|c| c.is_ascii_digit() || *c == '+').collect();
        let parts: Vec<Value> =
            d.split('+').filter_map(|x| x.parse::<u64>().ok()).map(|x| json!(x)).collect();
        stats.insert("stack_depth".into(), Value::Array(parts));
    }
    (!stats.is_empty()).then_some(stats)
}

/// Mirrors the oracle's `log_error_line`: the last non-empty line that is
/// not a statistics line.
pub fn log_error_line(log: &str) -> Option<String> {
    log.lines()
        .rev()
        .map(str::trim)
        .find(|s| {
            !s.is_empty()
                && !s.starts_with("processed ")
                && !s.starts_with("verification time ")
                && !s.starts_with("stack depth ")
        })
        .map(str::to_string)
}

/// How a program type is test-run: `data` (packet in, padded to a
/// minimum length, `repeat` honoured), `ctx` (ctx only), or `bare`.
pub fn test_run_style(prog_type: u32) -> (&'static str, usize, bool) {
    match prog_type {
        1 | 3 | 4 | 6 | 8 | 10 | 11 | 12 | 19 | 22 => ("data", ETH_HLEN, true),
        32 => ("data", 20, true),
        30 => ("ctx", 0, true),
        17 | 24 | 26 | 27 | 31 => ("ctx", 0, false),
        _ => ("bare", 0, false),
    }
}

/// One load with its retries (the oracle's `Loader.load`).
struct Loaded {
    fd: Result<i32, Errno>,
    load_ns: u64,
    log: Option<String>,
    log_true_size: u32,
    attempts: u32,
    log_truncated: bool,
}

fn load_once(
    b: &mut dyn BpfBackend,
    attr: &ProgLoad,
    level: u32,
    size: usize,
) -> (LoadReply, u64, Option<String>) {
    let mut a = attr.clone();
    a.log_level = level;
    let mut buf = if level != 0 { vec![0u8; size] } else { Vec::new() };
    let t = Instant::now();
    let reply = b.prog_load(&a, &mut buf);
    let ns = t.elapsed().as_nanos() as u64;
    let log = (level != 0).then(|| {
        let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    });
    (reply, ns, log)
}

fn load(b: &mut dyn BpfBackend, attr: &ProgLoad, level: u32, log_size: usize) -> Loaded {
    let (mut attempts, mut eagain, mut size) = (0, 0, log_size);
    loop {
        let (reply, ns, log) = load_once(b, attr, level, size);
        attempts += 1;
        match reply.fd {
            Err(EAGAIN) if eagain < 5 => {
                eagain += 1;
                continue;
            }
            Err(ENOSPC) if level != 0 && size < MAX_LOG_SIZE => {
                let want = (size * 2).max(if reply.log_true_size != 0 {
                    reply.log_true_size as usize + 4096
                } else {
                    0
                });
                size = ((want + 4095) & !4095).min(MAX_LOG_SIZE);
                continue;
            }
            _ => {}
        }
        let mut out = Loaded {
            fd: reply.fd,
            load_ns: ns,
            log,
            log_true_size: reply.log_true_size,
            attempts,
            log_truncated: false,
        };
        if out.fd == Err(ENOSPC) && level != 0 {
            // Even 16 MiB did not hold the log: the tail is kept, the
            // verdict is not known; load again without a log for it.
            out.log_truncated = true;
            let (r2, ns2, _) = load_once(b, attr, 0, 0);
            out.fd = r2.fd;
            out.load_ns = ns2;
            out.attempts += 1;
        }
        return out;
    }
}

fn map_value_size(spec: &MapSpec, cpus: usize) -> usize {
    if PERCPU_MAP_TYPES.contains(&spec.map_type) {
        ((spec.value_size as usize + 7) & !7) * cpus
    } else {
        spec.value_size as usize
    }
}

/// Creates the case's maps; on any failure closes those made.
fn create_maps(
    b: &mut dyn BpfBackend,
    specs: &[MapSpec],
) -> Result<Result<Vec<i32>, Map<String, Value>>, CaseError> {
    let mut fds: Vec<i32> = Vec::new();
    let close_all = |b: &mut dyn BpfBackend, fds: &[i32]| fds.iter().for_each(|f| b.close(*f));
    for (i, s) in specs.iter().enumerate() {
        let attr = MapCreate {
            map_type: s.map_type,
            key_size: s.key_size,
            value_size: s.value_size,
            max_entries: s.max_entries,
            map_flags: s.flags,
            inner_map_fd: s.inner_map.map(|k| fds[k] as u32).unwrap_or(0),
            map_extra: s.map_extra,
            name: obj_name(&s.name),
        };
        let fd = match b.map_create(&attr) {
            Ok(fd) => fd,
            Err(e) => {
                close_all(b, &fds);
                let mut m = Map::new();
                m.insert("stage".into(), json!("map_create"));
                m.insert("map_index".into(), json!(i));
                m.insert("errno".into(), json!(e));
                m.insert("errno_name".into(), json!(errno_name(e)));
                return Ok(Err(m));
            }
        };
        fds.push(fd);
        for (j, (key, val, flags)) in s.init.iter().enumerate() {
            let vs = map_value_size(s, b.possible_cpus());
            if key.len() != s.key_size as usize || val.len() != vs {
                close_all(b, &fds);
                return case_err(format!(
                    "maps[{i}].init[{j}]: key/value must be {}/{vs} bytes, got {}/{}",
                    s.key_size,
                    key.len(),
                    val.len()
                ));
            }
            if let Err(e) = b.map_update_elem(fd, key, val, *flags) {
                close_all(b, &fds);
                let mut m = Map::new();
                m.insert("stage".into(), json!("map_update"));
                m.insert("map_index".into(), json!(i));
                m.insert("entry".into(), json!(j));
                m.insert("errno".into(), json!(e));
                m.insert("errno_name".into(), json!(errno_name(e)));
                return Ok(Err(m));
            }
        }
    }
    Ok(Ok(fds))
}

fn do_test_run(b: &mut dyn BpfBackend, fd: i32, c: &Case, warnings: &mut Vec<String>) -> Map<String, Value> {
    let (style, min_len, repeat_ok) = test_run_style(c.prog_type);
    let mut out = Map::new();
    out.insert("style".into(), json!(style));
    let mut attr = TestRun { prog_fd: fd, flags: c.test_flags, cpu: c.test_cpu, ..Default::default() };
    if style == "data" {
        let mut data = c.data.clone().unwrap_or_else(|| vec![0; DEFAULT_PACKET_LEN]);
        if data.len() < min_len {
            out.insert("data_padded_from".into(), json!(data.len()));
            data.resize(min_len, 0);
        }
        out.insert("data_size_in".into(), json!(data.len()));
        attr.data_out_size = TEST_RUN_OUT_MIN.max(2 * data.len() + 4096);
        attr.data_in = Some(data);
    } else if c.data.is_some() {
        warnings.push(format!(
            "data ignored: {} programs take no data_in in BPF_PROG_TEST_RUN",
            prog_type_name(c.prog_type)
        ));
    }
    if repeat_ok {
        attr.repeat = c.repeat;
    } else if c.repeat > 1 {
        warnings.push(format!("repeat={} ignored: not supported for this program type", c.repeat));
    }
    out.insert("repeat".into(), json!(attr.repeat));
    if let Some(ctx) = &c.ctx {
        attr.ctx_in = Some(ctx.clone());
        if style == "data" {
            attr.ctx_out_size = CTX_OUT_SIZE;
        }
    }
    match b.test_run(&attr) {
        Err(e) => {
            out.insert("ran".into(), json!(false));
            out.insert("errno".into(), json!(e));
            out.insert("errno_name".into(), json!(errno_name(e)));
            if e == ENOTSUPP || e == EOPNOTSUPP {
                out.insert("supported".into(), json!(false));
            }
        }
        Ok(r) => {
            out.insert("ran".into(), json!(true));
            out.insert("retval".into(), json!(r.retval));
            out.insert("duration_ns".into(), json!(r.duration));
            if style == "data" {
                out.insert("data_size_out".into(), json!(r.data_size_out));
            }
        }
    }
    out
}

/// Mirrors the oracle's `run_case`: one case in (as parsed JSON), one
/// result object out. Never panics on bad input: a malformed case gives
/// `accepted: null` and `tool_error`.
pub fn run_case(b: &mut dyn BpfBackend, raw: &Value, index: usize, opts: &BatchOpts) -> Map<String, Value> {
    let fallback_name = match raw.get("name") {
        Some(Value::String(s)) => json!(s),
        Some(v) if !v.is_null() => json!(v.to_string()),
        _ => json!(format!("case{index}")),
    };
    let c = match normalize_case(raw, index, opts, b.kern_version()) {
        Ok(c) => c,
        Err(CaseError(e)) => {
            let mut r = Map::new();
            r.insert("name".into(), fallback_name);
            r.insert("accepted".into(), Value::Null);
            r.insert("tool_error".into(), json!(e));
            return r;
        }
    };
    if !c.unpriv {
        return run_normalized(b, &c, opts);
    }
    if let Err(e) = b.set_unprivileged(true) {
        let mut r = Map::new();
        r.insert("name".into(), json!(c.name));
        if let Some(m) = &c.meta {
            r.insert("meta".into(), m.clone());
        }
        r.insert("accepted".into(), Value::Null);
        r.insert("unpriv_refused".into(), json!(e));
        return r;
    }
    // Put root back even when the backend panics: the next case may be root's.
    struct Restore<'a>(&'a mut dyn BpfBackend);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let _ = self.0.set_unprivileged(false);
        }
    }
    let g = Restore(b);
    let mut rec = run_normalized(&mut *g.0, &c, opts);
    rec.insert("unpriv".into(), json!(true));
    rec
}

/// [`run_case`] after `normalize_case`, as whoever the backend runs as.
fn run_normalized(b: &mut dyn BpfBackend, c: &Case, opts: &BatchOpts) -> Map<String, Value> {
    let mut rec = Map::new();
    rec.insert("name".into(), json!(c.name));
    if let Some(m) = &c.meta {
        rec.insert("meta".into(), m.clone());
    }
    rec.insert("prog_type".into(), json!(prog_type_name(c.prog_type)));
    rec.insert("insn_cnt".into(), json!(c.insns.len() / 8));
    let mut warnings = Vec::new();
    let fds = match create_maps(b, &c.maps) {
        Err(CaseError(e)) => {
            rec.insert("accepted".into(), Value::Null);
            rec.insert("tool_error".into(), json!(e));
            return rec;
        }
        Ok(Err(m)) => {
            rec.insert("accepted".into(), Value::Null);
            rec.extend(m);
            return rec;
        }
        Ok(Ok(fds)) => fds,
    };
    let mut insns = c.insns.clone();
    if c.patch_maps {
        let (p, n, w) = patch_map_refs(&insns, &fds);
        insns = p;
        warnings.extend(w);
        if n > 0 {
            rec.insert("map_refs_patched".into(), json!(n));
        }
    }
    let attr = ProgLoad {
        prog_type: c.prog_type,
        insns,
        license: b"GPL".to_vec(),
        log_level: 0,
        kern_version: c.kern_version,
        prog_flags: c.prog_flags,
        name: obj_name(&c.name),
        expected_attach_type: c.expected_attach_type,
        attach_btf_id: c.attach_btf_id,
        fd_array: fds.clone(),
    };
    let level = c.log_level | if opts.stats { BPF_LOG_STATS } else { 0 };
    let res = load(b, &attr, level, opts.log_size);
    let accepted = res.fd.is_ok();
    rec.insert("accepted".into(), json!(accepted));
    rec.insert("errno".into(), json!(res.fd.err().unwrap_or(0)));
    rec.insert("errno_name".into(), json!(res.fd.err().and_then(errno_name)));
    rec.insert("log_level".into(), json!(level));
    rec.insert("load_ns".into(), json!(res.load_ns));
    rec.insert("load_attempts".into(), json!(res.attempts));
    let (mut log, mut log_source) = (res.log.clone(), if level != 0 { json!("load") } else { Value::Null });
    let (mut truncated, mut true_size) = (res.log_truncated, res.log_true_size);
    if level == 0 && opts.log_reload {
        let diag = load(b, &attr, BPF_LOG_LEVEL1 | if opts.stats { BPF_LOG_STATS } else { 0 }, opts.log_size);
        if let Ok(fd) = diag.fd {
            b.close(fd);
        }
        log = diag.log;
        log_source = json!("reload_log_level_1");
        truncated = diag.log_truncated;
        true_size = diag.log_true_size;
        if diag.fd.is_ok() != accepted {
            warnings.push(format!(
                "verdict differs between log_level 0 and the log_level 1 reload ({} vs {})",
                res.fd.err().and_then(errno_name).unwrap_or_else(|| "ok".into()),
                diag.fd.err().and_then(errno_name).unwrap_or_else(|| "ok".into())
            ));
        }
    }
    let stats = log.as_deref().and_then(parse_log_stats);
    let error_line = if accepted { None } else { log.as_deref().and_then(log_error_line) };
    rec.insert("log".into(), json!(log));
    rec.insert("log_source".into(), log_source);
    rec.insert("log_truncated".into(), json!(truncated));
    rec.insert("log_true_size".into(), if true_size != 0 { json!(true_size) } else { Value::Null });
    rec.insert("stats".into(), stats.map(Value::Object).unwrap_or(Value::Null));
    rec.insert("error_line".into(), json!(error_line));
    rec.insert("retval".into(), Value::Null);
    rec.insert("duration_ns".into(), Value::Null);
    if let Ok(fd) = res.fd {
        // The kernel checks bpf_capable() when the info is asked for, not
        // at load: an unprivileged case's translated program is dumped
        // by root again, on the same fd.
        let as_root = c.unpriv && c.dump_xlated && b.set_unprivileged(false).is_ok();
        let info = b.prog_info(fd, c.dump_xlated);
        let mut cred_lost = false;
        if as_root {
            if let Err(e) = b.set_unprivileged(true) {
                warnings.push(format!("could not drop privileges again after the info query: {e}"));
                cred_lost = true;
            }
        }
        match info {
            Ok(info) => {
                rec.insert("prog_id".into(), json!(info.id));
                rec.insert("tag".into(), json!(hex(&info.tag)));
                rec.insert("xlated_len".into(), json!(info.xlated_prog_len));
                rec.insert("xlated_insn_cnt".into(), json!(info.xlated_prog_len / 8));
                rec.insert("jited_len".into(), json!(info.jited_prog_len));
                rec.insert("verified_insns".into(), json!(info.verified_insns));
                rec.insert("nr_map_ids".into(), json!(info.nr_map_ids));
                rec.insert("nr_jited_ksyms".into(), json!(info.nr_jited_ksyms));
                rec.insert("gpl_compatible".into(), json!(info.gpl_compatible));
                if !info.jited_func_lens.is_empty() {
                    rec.insert("jited_func_lens".into(), json!(info.jited_func_lens));
                }
                if c.dump_xlated && info.xlated_prog_len != 0 {
                    match &info.xlated {
                        Some(x) => {
                            rec.insert("xlated_hex".into(), json!(hex(x)));
                        }
                        None => warnings.push("kernel refused to dump xlated insns".into()),
                    }
                }
            }
            Err(e) => {
                rec.insert("info_errno_name".into(), json!(errno_name(e)));
            }
        }
        if c.test_run && !cred_lost {
            let tr = do_test_run(b, fd, c, &mut warnings);
            rec.insert("retval".into(), tr.get("retval").cloned().unwrap_or(Value::Null));
            rec.insert("duration_ns".into(), tr.get("duration_ns").cloned().unwrap_or(Value::Null));
            rec.insert("test_run".into(), Value::Object(tr));
        }
        b.close(fd);
    }
    for f in &fds {
        b.close(*f);
    }
    if !warnings.is_empty() {
        rec.insert("warnings".into(), json!(warnings));
    }
    rec
}

/// [`run_case`], but a panic inside the backend (a bug of the `bpf()`
/// under test) becomes a result line with `accepted: null` and `panic`
/// holding the message, instead of ending the batch.
pub fn run_case_guarded(
    b: &mut dyn BpfBackend,
    raw: &Value,
    index: usize,
    opts: &BatchOpts,
) -> Map<String, Value> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(b, raw, index, opts))) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(no message)".into());
            let mut r = Map::new();
            r.insert("name".into(), raw.get("name").cloned().unwrap_or(json!(format!("case{index}"))));
            if let Some(m) = raw.get("meta") {
                r.insert("meta".into(), m.clone());
            }
            r.insert("accepted".into(), Value::Null);
            r.insert("stage".into(), json!("panic"));
            r.insert("panic".into(), json!(msg));
            r
        }
    }
}

/// Reads cases from `input` as the oracle does (`_iter_input`): one JSON
/// object per line, blank lines and lines starting with `#` or `//`
/// skipped; a file whose first such line starts with `[` is one JSON array.
/// Each item is the case, or why its line is not JSON.
pub fn read_cases(input: &mut dyn BufRead, what: &str) -> Vec<Result<Value, String>> {
    let mut out = Vec::new();
    let mut first = true;
    let mut lineno = 0;
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                out.push(Err(format!("{what}: read error: {e}")));
                break;
            }
        }
        lineno += 1;
        let s = line.trim();
        if s.is_empty() || s.starts_with('#') || s.starts_with("//") {
            continue;
        }
        if first && s.starts_with('[') {
            let mut rest = line.clone();
            if let Err(e) = input.read_to_string(&mut rest) {
                out.push(Err(format!("{what}: read error: {e}")));
                break;
            }
            match serde_json::from_str::<Value>(&rest) {
                Ok(Value::Array(items)) => out.extend(items.into_iter().map(Ok)),
                Ok(v) => out.push(Ok(v)),
                Err(e) => out.push(Err(format!("{what}: invalid JSON array: {e}"))),
            }
            break;
        }
        first = false;
        out.push(serde_json::from_str(s).map_err(|e| format!("{what}:{lineno}: invalid JSON: {e}")));
    }
    out
}

/// Runs every case of `cases` and writes one JSON line per case to `out`.
/// Returns how many had a tool error (a malformed line or case) or made
/// the backend panic; the batch always goes on.
pub fn run_batch(
    b: &mut dyn BpfBackend,
    cases: &[Result<Value, String>],
    opts: &BatchOpts,
    out: &mut dyn Write,
) -> std::io::Result<usize> {
    let mut errors = 0;
    for (i, c) in cases.iter().enumerate() {
        let rec = match c {
            Ok(v) => run_case_guarded(b, v, i, opts),
            Err(e) => {
                let mut m = Map::new();
                m.insert("name".into(), Value::Null);
                m.insert("accepted".into(), Value::Null);
                m.insert("tool_error".into(), json!(e));
                m
            }
        };
        if rec.contains_key("tool_error") || rec.contains_key("panic") {
            errors += 1;
        }
        writeln!(out, "{}", Value::Object(rec))?;
        out.flush()?;
    }
    Ok(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patching_map_references() {
        // r1 = map[0] (2 slots), r2 = map value [5] (out of range), exit
        let mut insns = vec![0x18, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        insns.extend([0x18, 0x22, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0]);
        insns.extend([0x95, 0, 0, 0, 0, 0, 0, 0]);
        let (p, n, w) = patch_map_refs(&insns, &[7]);
        assert_eq!(n, 2);
        assert_eq!(&p[4..8], &7i32.to_le_bytes());
        assert_eq!(&p[20..24], &(-1i32).to_le_bytes());
        assert_eq!(
            w,
            vec!["insn 2: ld_imm64 map index 5 out of range (1 maps); patched to fd -1".to_string()]
        );
    }

    #[test]
    fn log_parsing() {
        let log = "0: (bf) r0 = r2\nR2 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0 \
                   total_states 2 peak_states 3 mark_read 0\n";
        let s = parse_log_stats(log).unwrap();
        assert_eq!(s["processed_insns"], 1);
        assert_eq!(s["total_states"], 2);
        assert_eq!(s["peak_states"], 3);
        assert_eq!(log_error_line(log).as_deref(), Some("R2 !read_ok"));
        let s = parse_log_stats("verification time 12 usec\nstack depth 8+16\n").unwrap();
        assert_eq!(s["verification_time_usec"], 12);
        assert_eq!(s["stack_depth"], json!([8, 16]));
        assert!(parse_log_stats("").is_none());
    }

    #[test]
    fn normalising_cases() {
        let o = BatchOpts::default();
        let c = normalize_case(
            &json!({"name": "x", "prog_type": "BPF_PROG_TYPE_XDP", "insns": "9500000000000000",
                    "prog_flags": ["strict_alignment", "sleepable"], "expected_attach_type": "xdp_devmap",
                    "maps": [{"type": "hash", "init": [{"key": -1, "value": "0102"}]}]}),
            0,
            &o,
            7,
        )
        .unwrap();
        assert_eq!((c.prog_type, c.prog_flags, c.expected_attach_type, c.kern_version), (6, 17, 33, 7));
        assert_eq!(c.maps[0].init[0].0, vec![0xff; 4]);
        assert_eq!(normalize_case(&json!({"prog_type": "tc", "insns": ""}), 0, &o, 0).unwrap().prog_type, 3);
        for (bad, msg) in [
            (json!({"insns": "950000"}), "not a multiple of 8"),
            (json!({}), "insns missing"),
            (json!({"insns": "zz"}), "invalid hex"),
            (json!({"insns": "", "prog_type": "frob"}), "unknown prog_type"),
            (
                json!({"insns": "", "maps": [{"key_size": 1, "init": [{"key": 300, "value": 1}]}]}),
                "does not fit",
            ),
            (json!({"insns": "", "log_level": -1}), "out of range"),
            (json!([1]), "JSON object"),
        ] {
            let e = normalize_case(&bad, 0, &o, 0).unwrap_err().0;
            assert!(e.contains(msg), "{bad}: {e}");
        }
    }

    #[test]
    fn reading_input() {
        let text = "# comment\n{\"name\": \"a\"}\n\n// other\nnot json\n{\"name\": \"b\"}\n";
        let r = read_cases(&mut text.as_bytes(), "t");
        assert_eq!(r.len(), 3);
        assert!(r[1].as_ref().unwrap_err().starts_with("t:5: invalid JSON"));
        let arr = read_cases(&mut "[{\"name\": 1},\n {\"name\": 2}]\n".as_bytes(), "t");
        assert_eq!(arr.len(), 2);
    }

    /// A backend that records calls and answers from a script.
    #[derive(Default)]
    struct Fake {
        loads: Vec<(u32, usize)>,
        runs: Vec<TestRun>,
        enospc_until: usize,
        eagain: usize,
        next_fd: i32,
        closed: Vec<i32>,
        refuse_dump: bool,
    }

    impl BpfBackend for Fake {
        fn map_create(&mut self, _a: &MapCreate) -> Result<i32, Errno> {
            self.next_fd += 1;
            Ok(100 + self.next_fd)
        }
        fn map_update_elem(&mut self, _fd: i32, _k: &[u8], _v: &[u8], _f: u64) -> Result<(), Errno> {
            Ok(())
        }
        fn prog_load(&mut self, a: &ProgLoad, log: &mut Vec<u8>) -> LoadReply {
            self.loads.push((a.log_level, log.len()));
            if self.eagain > 0 {
                self.eagain -= 1;
                return LoadReply { fd: Err(EAGAIN), log_true_size: 0 };
            }
            if a.log_level != 0 && log.len() < self.enospc_until {
                return LoadReply { fd: Err(ENOSPC), log_true_size: self.enospc_until as u32 };
            }
            let text = b"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
            if a.log_level != 0 {
                log[..text.len()].copy_from_slice(text);
            }
            LoadReply { fd: Ok(7), log_true_size: text.len() as u32 + 1 }
        }
        fn prog_info(&mut self, _fd: i32, dump: bool) -> Result<ProgInfo, Errno> {
            // the dump is refused when `refuse_dump` says so, as a kernel
            // that leaves xlated_prog_insns at 0
            let xlated = (dump && !self.refuse_dump).then(|| {
                let mut b = vec![0xb7, 0, 0, 0, 1, 0, 0, 0];
                b.extend([0x95, 0, 0, 0, 0, 0, 0, 0]);
                b
            });
            Ok(ProgInfo { xlated_prog_len: 16, tag: [1; 8], xlated, ..Default::default() })
        }
        fn test_run(&mut self, t: &TestRun) -> Result<TestRunReply, Errno> {
            self.runs.push(t.clone());
            Ok(TestRunReply { retval: 42, ..Default::default() })
        }
        fn close(&mut self, fd: i32) {
            self.closed.push(fd);
        }
        fn possible_cpus(&self) -> usize {
            2
        }
        fn kern_version(&self) -> u32 {
            0
        }
    }

    #[test]
    fn dump_xlated_gives_the_translated_insns() {
        let case = json!({"name": "x", "insns": "b7000000010000009500000000000000"});
        let mut f = Fake::default();
        let r = run_case(&mut f, &case, 0, &BatchOpts::default());
        assert_eq!(r.get("xlated_hex"), None);
        let opts = BatchOpts { dump_xlated: true, ..BatchOpts::default() };
        let r = run_case(&mut f, &case, 0, &opts);
        assert_eq!(r["xlated_hex"], "b7000000010000009500000000000000");
        // a case can ask for it itself
        let mut c2 = case.clone();
        c2["dump_xlated"] = json!(true);
        let r = run_case(&mut f, &c2, 0, &BatchOpts::default());
        assert_eq!(r["xlated_hex"], "b7000000010000009500000000000000");
        // a refusal is a warning, as the oracle's
        let mut f = Fake { refuse_dump: true, ..Default::default() };
        let r = run_case(&mut f, &case, 0, &opts);
        assert_eq!(r.get("xlated_hex"), None);
        assert_eq!(r["warnings"], json!(["kernel refused to dump xlated insns"]));
    }

    #[test]
    fn engine_retries_grows_the_log_pads_and_closes() {
        let mut f = Fake { enospc_until: 3 << 20, eagain: 2, ..Default::default() };
        let case = json!({"name": "c", "insns": "b7000000010000009500000000000000", "data": "0102",
                          "maps": [{"type": "array"}], "meta": [1]});
        let r = run_case(&mut f, &case, 0, &BatchOpts::default());
        assert_eq!(r["accepted"], true);
        assert_eq!(r["retval"], 42);
        assert_eq!(r["meta"], json!([1]));
        assert_eq!(r["xlated_insn_cnt"], 2);
        assert_eq!(r["stats"]["processed_insns"], 2);
        // two EAGAIN, then 1 MiB -> 3 MiB + 4 KiB rounded: ENOSPC once, then fits.
        let sizes: Vec<usize> = f.loads.iter().map(|l| l.1).collect();
        assert_eq!(sizes, vec![1 << 20, 1 << 20, 1 << 20, (3 << 20) + 4096]);
        assert_eq!(r["load_attempts"], 4);
        // the 2-byte packet is padded to ETH_HLEN
        assert_eq!(f.runs[0].data_in.as_deref(), Some(&[1u8, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]));
        assert_eq!(r["test_run"]["data_padded_from"], 2);
        assert_eq!(f.closed, vec![7, 101]);

        // level 0: loaded without a log, then reloaded at level 1 for it
        let mut f = Fake::default();
        let r = run_case(
            &mut f,
            &json!({"insns": "9500000000000000", "log_level": 0, "prog_type": "kprobe"}),
            3,
            &BatchOpts::default(),
        );
        assert_eq!(f.loads.iter().map(|l| l.0).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(r["name"], "case3");
        assert_eq!(r["log_source"], "reload_log_level_1");
        assert_eq!(r["test_run"]["style"], "bare");
    }

    #[test]
    fn a_bad_line_does_not_stop_the_batch() {
        let mut f = Fake::default();
        let cases =
            read_cases(&mut "{\"insns\": \"9\"}\nnope\n{\"insns\": \"9500000000000000\"}\n".as_bytes(), "t");
        let mut out = Vec::new();
        let errors = run_batch(&mut f, &cases, &BatchOpts::default(), &mut out).unwrap();
        assert_eq!(errors, 2);
        let lines: Vec<Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0]["tool_error"].as_str().unwrap().contains("invalid hex"));
        assert!(lines[1]["tool_error"].as_str().unwrap().contains("invalid JSON"));
        assert_eq!(lines[2]["accepted"], true);
    }

    /// A backend whose loads panic.
    struct Panicky;

    impl BpfBackend for Panicky {
        fn map_create(&mut self, _a: &MapCreate) -> Result<i32, Errno> {
            Ok(3)
        }
        fn map_update_elem(&mut self, _fd: i32, _k: &[u8], _v: &[u8], _f: u64) -> Result<(), Errno> {
            Ok(())
        }
        fn prog_load(&mut self, _a: &ProgLoad, _log: &mut Vec<u8>) -> LoadReply {
            panic!("attempt to subtract with overflow")
        }
        fn prog_info(&mut self, _fd: i32, _dump: bool) -> Result<ProgInfo, Errno> {
            Err(22)
        }
        fn test_run(&mut self, _t: &TestRun) -> Result<TestRunReply, Errno> {
            Err(22)
        }
        fn close(&mut self, _fd: i32) {}
        fn possible_cpus(&self) -> usize {
            1
        }
        fn kern_version(&self) -> u32 {
            0
        }
    }

    #[test]
    fn a_panicking_bpf_gives_a_line_and_the_batch_goes_on() {
        let cases = read_cases(
            &mut "{\"name\": \"p\", \"insns\": \"9500000000000000\"}\n{\"insns\": \"9\"}\n".as_bytes(),
            "t",
        );
        let mut out = Vec::new();
        let errors = run_batch(&mut Panicky, &cases, &BatchOpts::default(), &mut out).unwrap();
        assert_eq!(errors, 2);
        let lines: Vec<Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["name"], "p");
        assert_eq!(lines[0]["accepted"], Value::Null);
        assert_eq!(lines[0]["panic"], "attempt to subtract with overflow");
        assert!(lines[1]["tool_error"].is_string());
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(13).as_deref(), Some("EACCES"));
        assert_eq!(errno_name(95).as_deref(), Some("EOPNOTSUPP"));
        assert_eq!(errno_name(524).as_deref(), Some("ENOTSUPP"));
        assert_eq!(errno_name(9999).as_deref(), Some("E9999"));
        assert_eq!(errno_name(0), None);
    }
}

//! Mirrors `kernel/bpf/disasm.c` (v6.18): the text of one instruction, as
//! the verifier log, `bpftool prog dump xlated` and this project print it.
//!
//! [`print_bpf_insn`] produces the kernel's line byte for byte, without the
//! trailing newline: `(b7) r0 = 42`, `(85) call bpf_map_lookup_elem#1`,
//! `(25) if r1 > 0x5 goto pc+2`, `(db) lock *(u64 *)(r10 -8) += r1`, and the
//! `BUG_..` forms for opcodes it has no text for. The kernel's `struct
//! bpf_insn_cbs` becomes the [`BpfInsnCbs`] trait: its default methods act
//! as the kernel's NULL `cb_call` / `cb_imm`, so a caller overrides only
//! what it names differently (the verifier names kfuncs, bpftool names map
//! references). `cb_print` is not needed: the line is returned.
//!
//! Three callback sets come with the module:
//!
//! - [`NoCbs`] has no callbacks: the kernel's defaults (`r1 = 0x0` for a
//!   map reference when pointers must not leak).
//! - [`XlatedDumpCbs`] is `tools/bpf/bpftool/xlated_dumper.c:print_imm()`,
//!   the notation of `bpftool prog dump xlated`: `map[id:N]`,
//!   `map[id:N][0]+OFF`, `map[idx:N]+OFF`, `subprog[+N]`.
//! - [`AsmCbs`] is the program-text notation [`crate::asm`] reads back; it
//!   names every `ld_imm64` pseudo source so that the text round-trips
//!   (see [`AsmCbs`] for the table).
//!
//! [`disasm`] and [`dump_xlated`] print whole programs, skipping the second
//! slot of each `ld_imm64` as bpftool does.
//!
//! Where the C code would print a NULL string (an opcode whose table entry
//! is empty, such as ALU op `0xe0`), the kernel's `vsnprintf` prints
//! `(null)`, and so does this module.

use crate::uapi::*;
use std::fmt::Write;

/// `__BPF_FUNC_MAX_ID` of v6.18: one past the last helper id
/// (`BPF_FUNC_cgrp_storage_delete` = 211).
pub const __BPF_FUNC_MAX_ID: usize = 212;

/// `BPF_ADDR_PERCPU`, the `off` of the internal "per-CPU address" mov
/// (`dst = src + <percpu base>`), defined locally in `disasm.c`.
pub const BPF_ADDR_PERCPU: i16 = -1;

/// `func_id_str[]`: `bpf_` + the helper's name, indexed by `enum
/// bpf_func_id` (`__BPF_FUNC_MAPPER(__BPF_FUNC_STR_FN)`). Checked against
/// the names the running v6.18 kernel prints.
static FUNC_ID_STR: [&str; __BPF_FUNC_MAX_ID] = [
    "bpf_unspec",
    "bpf_map_lookup_elem",
    "bpf_map_update_elem",
    "bpf_map_delete_elem",
    "bpf_probe_read",
    "bpf_ktime_get_ns",
    "bpf_trace_printk",
    "bpf_get_prandom_u32",
    "bpf_get_smp_processor_id",
    "bpf_skb_store_bytes",
    "bpf_l3_csum_replace",
    "bpf_l4_csum_replace",
    "bpf_tail_call",
    "bpf_clone_redirect",
    "bpf_get_current_pid_tgid",
    "bpf_get_current_uid_gid",
    "bpf_get_current_comm",
    "bpf_get_cgroup_classid",
    "bpf_skb_vlan_push",
    "bpf_skb_vlan_pop",
    "bpf_skb_get_tunnel_key",
    "bpf_skb_set_tunnel_key",
    "bpf_perf_event_read",
    "bpf_redirect",
    "bpf_get_route_realm",
    "bpf_perf_event_output",
    "bpf_skb_load_bytes",
    "bpf_get_stackid",
    "bpf_csum_diff",
    "bpf_skb_get_tunnel_opt",
    "bpf_skb_set_tunnel_opt",
    "bpf_skb_change_proto",
    "bpf_skb_change_type",
    "bpf_skb_under_cgroup",
    "bpf_get_hash_recalc",
    "bpf_get_current_task",
    "bpf_probe_write_user",
    "bpf_current_task_under_cgroup",
    "bpf_skb_change_tail",
    "bpf_skb_pull_data",
    "bpf_csum_update",
    "bpf_set_hash_invalid",
    "bpf_get_numa_node_id",
    "bpf_skb_change_head",
    "bpf_xdp_adjust_head",
    "bpf_probe_read_str",
    "bpf_get_socket_cookie",
    "bpf_get_socket_uid",
    "bpf_set_hash",
    "bpf_setsockopt",
    "bpf_skb_adjust_room",
    "bpf_redirect_map",
    "bpf_sk_redirect_map",
    "bpf_sock_map_update",
    "bpf_xdp_adjust_meta",
    "bpf_perf_event_read_value",
    "bpf_perf_prog_read_value",
    "bpf_getsockopt",
    "bpf_override_return",
    "bpf_sock_ops_cb_flags_set",
    "bpf_msg_redirect_map",
    "bpf_msg_apply_bytes",
    "bpf_msg_cork_bytes",
    "bpf_msg_pull_data",
    "bpf_bind",
    "bpf_xdp_adjust_tail",
    "bpf_skb_get_xfrm_state",
    "bpf_get_stack",
    "bpf_skb_load_bytes_relative",
    "bpf_fib_lookup",
    "bpf_sock_hash_update",
    "bpf_msg_redirect_hash",
    "bpf_sk_redirect_hash",
    "bpf_lwt_push_encap",
    "bpf_lwt_seg6_store_bytes",
    "bpf_lwt_seg6_adjust_srh",
    "bpf_lwt_seg6_action",
    "bpf_rc_repeat",
    "bpf_rc_keydown",
    "bpf_skb_cgroup_id",
    "bpf_get_current_cgroup_id",
    "bpf_get_local_storage",
    "bpf_sk_select_reuseport",
    "bpf_skb_ancestor_cgroup_id",
    "bpf_sk_lookup_tcp",
    "bpf_sk_lookup_udp",
    "bpf_sk_release",
    "bpf_map_push_elem",
    "bpf_map_pop_elem",
    "bpf_map_peek_elem",
    "bpf_msg_push_data",
    "bpf_msg_pop_data",
    "bpf_rc_pointer_rel",
    "bpf_spin_lock",
    "bpf_spin_unlock",
    "bpf_sk_fullsock",
    "bpf_tcp_sock",
    "bpf_skb_ecn_set_ce",
    "bpf_get_listener_sock",
    "bpf_skc_lookup_tcp",
    "bpf_tcp_check_syncookie",
    "bpf_sysctl_get_name",
    "bpf_sysctl_get_current_value",
    "bpf_sysctl_get_new_value",
    "bpf_sysctl_set_new_value",
    "bpf_strtol",
    "bpf_strtoul",
    "bpf_sk_storage_get",
    "bpf_sk_storage_delete",
    "bpf_send_signal",
    "bpf_tcp_gen_syncookie",
    "bpf_skb_output",
    "bpf_probe_read_user",
    "bpf_probe_read_kernel",
    "bpf_probe_read_user_str",
    "bpf_probe_read_kernel_str",
    "bpf_tcp_send_ack",
    "bpf_send_signal_thread",
    "bpf_jiffies64",
    "bpf_read_branch_records",
    "bpf_get_ns_current_pid_tgid",
    "bpf_xdp_output",
    "bpf_get_netns_cookie",
    "bpf_get_current_ancestor_cgroup_id",
    "bpf_sk_assign",
    "bpf_ktime_get_boot_ns",
    "bpf_seq_printf",
    "bpf_seq_write",
    "bpf_sk_cgroup_id",
    "bpf_sk_ancestor_cgroup_id",
    "bpf_ringbuf_output",
    "bpf_ringbuf_reserve",
    "bpf_ringbuf_submit",
    "bpf_ringbuf_discard",
    "bpf_ringbuf_query",
    "bpf_csum_level",
    "bpf_skc_to_tcp6_sock",
    "bpf_skc_to_tcp_sock",
    "bpf_skc_to_tcp_timewait_sock",
    "bpf_skc_to_tcp_request_sock",
    "bpf_skc_to_udp6_sock",
    "bpf_get_task_stack",
    "bpf_load_hdr_opt",
    "bpf_store_hdr_opt",
    "bpf_reserve_hdr_opt",
    "bpf_inode_storage_get",
    "bpf_inode_storage_delete",
    "bpf_d_path",
    "bpf_copy_from_user",
    "bpf_snprintf_btf",
    "bpf_seq_printf_btf",
    "bpf_skb_cgroup_classid",
    "bpf_redirect_neigh",
    "bpf_per_cpu_ptr",
    "bpf_this_cpu_ptr",
    "bpf_redirect_peer",
    "bpf_task_storage_get",
    "bpf_task_storage_delete",
    "bpf_get_current_task_btf",
    "bpf_bprm_opts_set",
    "bpf_ktime_get_coarse_ns",
    "bpf_ima_inode_hash",
    "bpf_sock_from_file",
    "bpf_check_mtu",
    "bpf_for_each_map_elem",
    "bpf_snprintf",
    "bpf_sys_bpf",
    "bpf_btf_find_by_name_kind",
    "bpf_sys_close",
    "bpf_timer_init",
    "bpf_timer_set_callback",
    "bpf_timer_start",
    "bpf_timer_cancel",
    "bpf_get_func_ip",
    "bpf_get_attach_cookie",
    "bpf_task_pt_regs",
    "bpf_get_branch_snapshot",
    "bpf_trace_vprintk",
    "bpf_skc_to_unix_sock",
    "bpf_kallsyms_lookup_name",
    "bpf_find_vma",
    "bpf_loop",
    "bpf_strncmp",
    "bpf_get_func_arg",
    "bpf_get_func_ret",
    "bpf_get_func_arg_cnt",
    "bpf_get_retval",
    "bpf_set_retval",
    "bpf_xdp_get_buff_len",
    "bpf_xdp_load_bytes",
    "bpf_xdp_store_bytes",
    "bpf_copy_from_user_task",
    "bpf_skb_set_tstamp",
    "bpf_ima_file_hash",
    "bpf_kptr_xchg",
    "bpf_map_lookup_percpu_elem",
    "bpf_skc_to_mptcp_sock",
    "bpf_dynptr_from_mem",
    "bpf_ringbuf_reserve_dynptr",
    "bpf_ringbuf_submit_dynptr",
    "bpf_ringbuf_discard_dynptr",
    "bpf_dynptr_read",
    "bpf_dynptr_write",
    "bpf_dynptr_data",
    "bpf_tcp_raw_gen_syncookie_ipv4",
    "bpf_tcp_raw_gen_syncookie_ipv6",
    "bpf_tcp_raw_check_syncookie_ipv4",
    "bpf_tcp_raw_check_syncookie_ipv6",
    "bpf_ktime_get_tai_ns",
    "bpf_user_ringbuf_drain",
    "bpf_cgrp_storage_get",
    "bpf_cgrp_storage_delete",
];

/// `bpf_class_string[]`: the class names, indexed by `BPF_CLASS()`.
pub static BPF_CLASS_STRING: [&str; 8] = ["ld", "ldx", "st", "stx", "alu", "jmp", "jmp32", "alu64"];

/// `bpf_alu_string[]`: ALU operators, indexed by `BPF_OP() >> 4`; `None`
/// where the kernel's table has no entry (ops `0xe0`, `0xf0`).
pub static BPF_ALU_STRING: [Option<&str>; 16] = [
    Some("+="),
    Some("-="),
    Some("*="),
    Some("/="),
    Some("|="),
    Some("&="),
    Some("<<="),
    Some(">>="),
    Some("neg"),
    Some("%="),
    Some("^="),
    Some("="),
    Some("s>>="),
    Some("endian"),
    None,
    None,
];

/// `bpf_alu_sign_string[]`: the signed division operators (`off == 1`).
static BPF_ALU_SIGN_STRING: [Option<&str>; 16] = {
    let mut t = [None; 16];
    t[(BPF_DIV >> 4) as usize] = Some("s/=");
    t[(BPF_MOD >> 4) as usize] = Some("s%=");
    t
};

/// `bpf_movsx_string[]`, indexed by `(off >> 3) - 1` for `off` 8, 16, 32.
static BPF_MOVSX_STRING: [Option<&str>; 4] = [Some("(s8)"), Some("(s16)"), None, Some("(s32)")];

/// `bpf_atomic_alu_string[]`: names of the fetching atomic operations.
static BPF_ATOMIC_ALU_STRING: [Option<&str>; 16] = {
    let mut t = [None; 16];
    t[(BPF_ADD >> 4) as usize] = Some("add");
    t[(BPF_AND >> 4) as usize] = Some("and");
    t[(BPF_OR >> 4) as usize] = Some("or");
    t[(BPF_XOR >> 4) as usize] = Some("xor");
    t
};

/// `bpf_ldst_string[]`, indexed by `BPF_SIZE() >> 3`.
static BPF_LDST_STRING: [&str; 4] = ["u32", "u16", "u8", "u64"];

/// `bpf_ldsx_string[]`, indexed by `BPF_SIZE() >> 3`. It has no `BPF_DW`
/// entry: the kernel rejects `ldx | memsx | dw` as an unknown opcode before
/// anything prints it (reading past the C array would be undefined); here
/// it prints as `(null)`.
static BPF_LDSX_STRING: [Option<&str>; 4] = [Some("s32"), Some("s16"), Some("s8"), None];

/// `bpf_jmp_string[]`: jump operators, indexed by `BPF_OP() >> 4`; `None`
/// for `0xe0` (`BPF_JCOND`) and `0xf0`.
pub static BPF_JMP_STRING: [Option<&str>; 16] = [
    Some("jmp"),
    Some("=="),
    Some(">"),
    Some(">="),
    Some("&"),
    Some("!="),
    Some("s>"),
    Some("s>="),
    Some("call"),
    Some("exit"),
    Some("<"),
    Some("<="),
    Some("s<"),
    Some("s<="),
    None,
    None,
];

/// A table entry as `%s` prints it: the kernel's `vsnprintf` writes
/// `(null)` for a NULL string.
fn s(entry: Option<&str>) -> &str {
    entry.unwrap_or("(null)")
}

/// Mirrors `kernel/bpf/disasm.c:func_id_name()` (v6.18).
///
/// The name of helper `id` (`bpf_map_lookup_elem`), or `unknown`. The
/// verifier uses it in messages such as `unknown func %s#%d`.
pub fn func_id_name(id: i32) -> &'static str {
    usize::try_from(id).ok().and_then(|i| FUNC_ID_STR.get(i)).copied().unwrap_or("unknown")
}

/// The helper id of a `func_id_str[]` name (`bpf_map_lookup_elem` -> 1),
/// the inverse of [`func_id_name`] for known helpers.
pub fn func_id_by_name(name: &str) -> Option<i32> {
    FUNC_ID_STR.iter().position(|n| *n == name).map(|i| i as i32)
}

/// `struct bpf_insn_cbs`: how a caller names calls and 64-bit immediates.
///
/// Each method returning `None` behaves as the kernel's NULL callback, so
/// `impl BpfInsnCbs for MyCbs {}` is the kernel's behaviour with no
/// callbacks at all. State the C callbacks reach through `private_data`
/// lives in `self`.
pub trait BpfInsnCbs {
    /// `cb_call`: the name of a call's target. Consulted, as in the
    /// kernel, only when the call is not a helper the kernel knows by id
    /// (`src_reg == 0` and `imm < __BPF_FUNC_MAX_ID`). For a bpf-to-bpf
    /// call the result follows `call pc` (the kernel prints `%+d` of `imm`
    /// without a callback); for others it precedes `#imm`.
    fn cb_call(&self, insn: &BpfInsn) -> Option<String> {
        let _ = insn;
        None
    }

    /// `cb_imm`: the text of an `ld_imm64`'s value. `insn` is the first
    /// slot, `next` the second (the kernel reads it as `insn + 1`), and
    /// `full_imm` the 64-bit value, already zeroed for a map pointer when
    /// pointers must not leak. `None` prints `0x%llx` of `full_imm`.
    fn cb_imm(&self, insn: &BpfInsn, next: &BpfInsn, full_imm: u64) -> Option<String> {
        let _ = (insn, next, full_imm);
        None
    }
}

/// No callbacks: every name and immediate prints as the kernel's defaults
/// (the verifier log's text, apart from kfunc names).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCbs;

impl BpfInsnCbs for NoCbs {}

/// Mirrors `tools/bpf/bpftool/xlated_dumper.c:print_imm()` (v6.18).
///
/// The notation of `bpftool prog dump xlated`, where the kernel has put
/// the map *id* in the `imm` of a map reference
/// (`bpf_insn_prepare_dump`):
///
/// | `src_reg` | text |
/// |---|---|
/// | `BPF_PSEUDO_MAP_FD` (1) | `map[id:N]` |
/// | `BPF_PSEUDO_MAP_VALUE` (2) | `map[id:N][0]+OFF` |
/// | `BPF_PSEUDO_MAP_IDX_VALUE` (6) | `map[idx:N]+OFF` |
/// | `BPF_PSEUDO_FUNC` (4) | `subprog[+N]` |
/// | anything else | `0x%llx` of the value |
///
/// `N` and `OFF` print as unsigned 32-bit numbers (`%u`). [`crate::asm`]
/// reads all of these back; `0x..` of `BPF_PSEUDO_MAP_IDX` (5) and
/// `BPF_PSEUDO_BTF_ID` (3) loses the source, as it does in bpftool.
/// Calls keep the kernel's names: bpftool's `print_call` looks addresses up
/// in `/proc/kallsyms`, which belongs to whoever holds the kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct XlatedDumpCbs;

impl BpfInsnCbs for XlatedDumpCbs {
    fn cb_imm(&self, insn: &BpfInsn, next: &BpfInsn, full_imm: u64) -> Option<String> {
        Some(match insn.src_reg() {
            BPF_PSEUDO_MAP_FD => format!("map[id:{}]", insn.imm as u32),
            BPF_PSEUDO_MAP_VALUE => format!("map[id:{}][0]+{}", insn.imm as u32, next.imm as u32),
            BPF_PSEUDO_MAP_IDX_VALUE => format!("map[idx:{}]+{}", insn.imm as u32, next.imm as u32),
            BPF_PSEUDO_FUNC => format!("subprog[{:+}]", insn.imm),
            _ => format!("{full_imm:#x}"),
        })
    }
}

/// The program-text notation of this project: what [`crate::asm`] reads,
/// what [`disasm`] prints by default, and how tests write programs.
///
/// It is [`XlatedDumpCbs`] with `fd` in place of `id`, because a program
/// that has not been loaded holds file descriptors, plus a name for each
/// pseudo source bpftool leaves as a bare number, so every valid
/// `ld_imm64` round-trips:
///
/// | `src_reg` | text | `imm` (first slot) | second slot's `imm` |
/// |---|---|---|---|
/// | 0 | `0x1122334455667788` | low half | high half |
/// | `BPF_PSEUDO_MAP_FD` (1) | `map[fd:N]` | `N` | 0 |
/// | `BPF_PSEUDO_MAP_VALUE` (2) | `map[fd:N][0]+OFF` | `N` | `OFF` |
/// | `BPF_PSEUDO_BTF_ID` (3) | `btf_id[N]`, `btf_id[N][fd:M]` | `N` | `M` (0 = vmlinux) |
/// | `BPF_PSEUDO_FUNC` (4) | `subprog[+N]` | `N` | 0 |
/// | `BPF_PSEUDO_MAP_IDX` (5) | `map[idx:N]` | `N` | 0 |
/// | `BPF_PSEUDO_MAP_IDX_VALUE` (6) | `map[idx:N]+OFF` | `N` | `OFF` |
///
/// What `N` means is the loader's business: for `bpf(BPF_PROG_LOAD)` a
/// map fd (`map[fd:N]`) or an index into `fd_array` (`map[idx:N]`); in a
/// test case or a `kernel_oracle.py` case, whose maps are a list, `N` is
/// the map's position in that list for both forms (the harness puts the
/// real fd in place, or passes the list as `fd_array`). `N`, `OFF` and
/// `M` print unsigned (`%u`); `subprog` prints `%+d` instructions from the
/// next one, as a call does. Other sources (7..15) print `0x%llx`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsmCbs;

impl BpfInsnCbs for AsmCbs {
    fn cb_imm(&self, insn: &BpfInsn, next: &BpfInsn, full_imm: u64) -> Option<String> {
        let n = insn.imm as u32;
        let hi = next.imm as u32;
        Some(match insn.src_reg() {
            BPF_PSEUDO_MAP_FD => format!("map[fd:{n}]"),
            BPF_PSEUDO_MAP_VALUE => format!("map[fd:{n}][0]+{hi}"),
            BPF_PSEUDO_BTF_ID if hi == 0 => format!("btf_id[{n}]"),
            BPF_PSEUDO_BTF_ID => format!("btf_id[{n}][fd:{hi}]"),
            BPF_PSEUDO_FUNC => format!("subprog[{:+}]", insn.imm),
            BPF_PSEUDO_MAP_IDX => format!("map[idx:{n}]"),
            BPF_PSEUDO_MAP_IDX_VALUE => format!("map[idx:{n}]+{hi}"),
            _ => format!("{full_imm:#x}"),
        })
    }
}

/// Mirrors `kernel/bpf/disasm.c:__func_get_name()` (v6.18).
///
/// A helper the kernel knows by id prints its name; otherwise the
/// callback may name the target; otherwise a bpf-to-bpf call prints its
/// relative target (`+5`), a kfunc call `kernel-function`, and anything
/// else what the caller put in `buff` (`unknown`).
fn __func_get_name(cbs: &(impl BpfInsnCbs + ?Sized), insn: &BpfInsn, buff: &str) -> String {
    if insn.src_reg() == 0 && (0..__BPF_FUNC_MAX_ID as i32).contains(&insn.imm) {
        return FUNC_ID_STR[insn.imm as usize].to_string();
    }
    if let Some(res) = cbs.cb_call(insn) {
        return res;
    }
    match insn.src_reg() {
        BPF_PSEUDO_CALL => format!("{:+}", insn.imm),
        BPF_PSEUDO_KFUNC_CALL => "kernel-function".to_string(),
        _ => buff.to_string(),
    }
}

/// Mirrors `kernel/bpf/disasm.c:__func_imm_name()` (v6.18): the callback's
/// text for an `ld_imm64` value, or `0x%llx`.
fn __func_imm_name(
    cbs: &(impl BpfInsnCbs + ?Sized),
    insn: &BpfInsn,
    next: &BpfInsn,
    full_imm: u64,
) -> String {
    cbs.cb_imm(insn, next, full_imm).unwrap_or_else(|| format!("{full_imm:#x}"))
}

/// `is_sdiv_smod()`: signed division is `div`/`mod` with `off == 1`.
fn is_sdiv_smod(insn: &BpfInsn) -> bool {
    (bpf_op(insn.code) == BPF_DIV || bpf_op(insn.code) == BPF_MOD) && insn.off == 1
}

/// `is_movsx()`: a sign-extending move has `off` 8, 16 or 32.
fn is_movsx(insn: &BpfInsn) -> bool {
    bpf_op(insn.code) == BPF_MOV && matches!(insn.off, 8 | 16 | 32)
}

/// `is_addr_space_cast()`: `r = addr_space_cast(r, dst_as, src_as)`.
fn is_addr_space_cast(insn: &BpfInsn) -> bool {
    insn.code == BPF_ALU64 | BPF_MOV | BPF_X && insn.off == BPF_ADDR_SPACE_CAST
}

/// `is_mov_percpu_addr()`: the internal per-CPU address mov.
fn is_mov_percpu_addr(insn: &BpfInsn) -> bool {
    insn.code == BPF_ALU64 | BPF_MOV | BPF_X && insn.off == BPF_ADDR_PERCPU
}

/// Mirrors `kernel/bpf/disasm.c:print_bpf_insn()` (v6.18).
///
/// The kernel's text of `insns[idx]`, without the trailing newline:
/// `(b7) r0 = 42`. The verifier log prints every instruction it checks
/// this way, and bpftool's xlated dump uses the same function, so this is
/// the one place the text is defined.
///
/// `allow_ptr_leaks` is the verifier's `env->allow_ptr_leaks`: without
/// it, a map reference in `ld_imm64` prints its value as 0.
///
/// An `ld_imm64` reads its high half from `insns[idx + 1]`. The kernel
/// prints only after `resolve_pseudo_ldimm64` has refused a program whose
/// last slot starts an `ld_imm64` ("invalid bpf_ld_imm64 insn"), so it
/// never meets the case; here a missing second slot counts as an all-zero
/// one (high half 0). An `idx` past the end prints an empty string.
/// Nothing panics, whatever the bytes.
pub fn print_bpf_insn(
    cbs: &(impl BpfInsnCbs + ?Sized),
    insns: &[BpfInsn],
    idx: usize,
    allow_ptr_leaks: bool,
) -> String {
    let Some(insn) = insns.get(idx) else { return String::new() };
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_insn(&mut out, cbs, insn, insns.get(idx + 1), allow_ptr_leaks);
    out
}

fn write_insn(
    out: &mut String,
    cbs: &(impl BpfInsnCbs + ?Sized),
    insn: &BpfInsn,
    next: Option<&BpfInsn>,
    allow_ptr_leaks: bool,
) -> std::fmt::Result {
    let code = insn.code;
    let class = bpf_class(code);
    let dst = insn.dst_reg();
    let src = insn.src_reg();
    let off = insn.off;
    let imm = insn.imm;
    let ldst = BPF_LDST_STRING[(bpf_size(code) >> 3) as usize];
    match class {
        BPF_ALU | BPF_ALU64 => {
            let r = if class == BPF_ALU { 'w' } else { 'r' };
            let op = bpf_op(code);
            if op == BPF_END {
                if class == BPF_ALU64 {
                    // print_bpf_bswap_insn()
                    write!(out, "({code:02x}) r{dst} = bswap{imm} r{dst}")
                } else {
                    // print_bpf_end_insn()
                    let order = if bpf_src(code) == BPF_TO_BE { "be" } else { "le" };
                    write!(out, "({code:02x}) r{dst} = {order}{imm} r{dst}")
                }
            } else if op == BPF_NEG {
                write!(out, "({code:02x}) {r}{dst} = -{r}{dst}")
            } else if is_addr_space_cast(insn) {
                write!(
                    out,
                    "({code:02x}) r{dst} = addr_space_cast(r{src}, {}, {})",
                    (imm as u32) >> 16,
                    imm as u16
                )
            } else if is_mov_percpu_addr(insn) {
                write!(out, "({code:02x}) r{dst} = &(void __percpu *)(r{src})")
            } else {
                let opstr = if is_sdiv_smod(insn) {
                    s(BPF_ALU_SIGN_STRING[(op >> 4) as usize])
                } else {
                    s(BPF_ALU_STRING[(op >> 4) as usize])
                };
                if bpf_src(code) == BPF_X {
                    let sx = if is_movsx(insn) { s(BPF_MOVSX_STRING[((off >> 3) - 1) as usize]) } else { "" };
                    write!(out, "({code:02x}) {r}{dst} {opstr} {sx}{r}{src}")
                } else {
                    write!(out, "({code:02x}) {r}{dst} {opstr} {imm}")
                }
            }
        }
        BPF_STX => {
            let mode = bpf_mode(code);
            let sfx = if bpf_size(code) == BPF_DW { "64" } else { "" };
            if mode == BPF_MEM {
                write!(out, "({code:02x}) *({ldst} *)(r{dst} {off:+}) = r{src}")
            } else if mode == BPF_ATOMIC && matches!(imm, 0x00 | 0x50 | 0x40 | 0xa0) {
                // BPF_ADD, BPF_AND, BPF_OR, BPF_XOR
                let opstr = s(BPF_ALU_STRING[((imm & 0xf0) >> 4) as usize]);
                write!(out, "({code:02x}) lock *({ldst} *)(r{dst} {off:+}) {opstr} r{src}")
            } else if mode == BPF_ATOMIC && matches!(imm, 0x01 | 0x51 | 0x41 | 0xa1) {
                // BPF_ADD | BPF_FETCH, ... BPF_XOR | BPF_FETCH
                let opstr = s(BPF_ATOMIC_ALU_STRING[((imm & 0xf0) >> 4) as usize]);
                write!(
                    out,
                    "({code:02x}) r{src} = atomic{sfx}_fetch_{opstr}(({ldst} *)(r{dst} {off:+}), r{src})"
                )
            } else if mode == BPF_ATOMIC && imm == BPF_CMPXCHG {
                write!(out, "({code:02x}) r0 = atomic{sfx}_cmpxchg(({ldst} *)(r{dst} {off:+}), r0, r{src})")
            } else if mode == BPF_ATOMIC && imm == BPF_XCHG {
                write!(out, "({code:02x}) r{src} = atomic{sfx}_xchg(({ldst} *)(r{dst} {off:+}), r{src})")
            } else if mode == BPF_ATOMIC && imm == BPF_LOAD_ACQ {
                write!(out, "({code:02x}) r{dst} = load_acquire(({ldst} *)(r{src} {off:+}))")
            } else if mode == BPF_ATOMIC && imm == BPF_STORE_REL {
                write!(out, "({code:02x}) store_release(({ldst} *)(r{dst} {off:+}), r{src})")
            } else {
                write!(out, "BUG_{code:02x}")
            }
        }
        BPF_ST => {
            if bpf_mode(code) == BPF_MEM {
                write!(out, "({code:02x}) *({ldst} *)(r{dst} {off:+}) = {imm}")
            } else if bpf_mode(code) == BPF_NOSPEC {
                write!(out, "({code:02x}) nospec")
            } else {
                write!(out, "BUG_st_{code:02x}")
            }
        }
        BPF_LDX => {
            let mode = bpf_mode(code);
            if mode != BPF_MEM && mode != BPF_MEMSX {
                return write!(out, "BUG_ldx_{code:02x}");
            }
            let ty = if mode == BPF_MEM { ldst } else { s(BPF_LDSX_STRING[(bpf_size(code) >> 3) as usize]) };
            write!(out, "({code:02x}) r{dst} = *({ty} *)(r{src} {off:+})")
        }
        BPF_LD => {
            let mode = bpf_mode(code);
            if mode == BPF_ABS {
                write!(out, "({code:02x}) r0 = *({ldst} *)skb[{imm}]")
            } else if mode == BPF_IND {
                write!(out, "({code:02x}) r0 = *({ldst} *)skb[r{src} + {imm}]")
            } else if mode == BPF_IMM && bpf_size(code) == BPF_DW {
                let next = next.copied().unwrap_or_default();
                let mut full = ((next.imm as u32 as u64) << 32) | imm as u32 as u64;
                let is_ptr = src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_VALUE;
                if is_ptr && !allow_ptr_leaks {
                    full = 0;
                }
                write!(out, "({code:02x}) r{dst} = {}", __func_imm_name(cbs, insn, &next, full))
            } else {
                write!(out, "BUG_ld_{code:02x}")
            }
        }
        // BPF_JMP | BPF_JMP32
        _ => {
            let r = if class == BPF_JMP32 { 'w' } else { 'r' };
            let op = bpf_op(code);
            if op == BPF_CALL {
                if src == BPF_PSEUDO_CALL {
                    write!(out, "({code:02x}) call pc{}", __func_get_name(cbs, insn, ""))
                } else {
                    write!(out, "({code:02x}) call {}#{imm}", __func_get_name(cbs, insn, "unknown"))
                }
            } else if code == BPF_JMP | BPF_JA {
                write!(out, "({code:02x}) goto pc{off:+}")
            } else if code == BPF_JMP | BPF_JCOND && src == BPF_MAY_GOTO {
                write!(out, "({code:02x}) may_goto pc{off:+}")
            } else if code == BPF_JMP32 | BPF_JA {
                write!(out, "({code:02x}) gotol pc{imm:+}")
            } else if code == BPF_JMP | BPF_EXIT {
                write!(out, "({code:02x}) exit")
            } else {
                let opstr = s(BPF_JMP_STRING[(op >> 4) as usize]);
                if bpf_src(code) == BPF_X {
                    write!(out, "({code:02x}) if {r}{dst} {opstr} {r}{src} goto pc{off:+}")
                } else {
                    write!(out, "({code:02x}) if {r}{dst} {opstr} {:#x} goto pc{off:+}", imm as u32)
                }
            }
        }
    }
}

/// The text of `insns[idx]` as [`crate::asm`] reads it: the line of
/// [`print_bpf_insn`] (with pointers shown) without its `(xx) ` opcode
/// prefix, e.g. `r0 = 42`. `BUG_..` lines have no prefix and stay as they
/// are (the assembler refuses them).
pub fn disasm_insn(cbs: &(impl BpfInsnCbs + ?Sized), insns: &[BpfInsn], idx: usize) -> String {
    let line = print_bpf_insn(cbs, insns, idx, true);
    match line.strip_prefix('(').and_then(|rest| rest.get(2..)).and_then(|rest| rest.strip_prefix(") ")) {
        Some(text) => text.to_string(),
        None => line,
    }
}

/// Calls `f(idx)` for each instruction a dump prints: every slot except
/// the second one of an `ld_imm64`, as bpftool's `double_insn` skips it.
fn for_each_printed(insns: &[BpfInsn], mut f: impl FnMut(usize)) {
    let mut double_insn = false;
    for (i, insn) in insns.iter().enumerate() {
        if double_insn {
            double_insn = false;
            continue;
        }
        double_insn = insn.is_ld_imm64();
        f(i);
    }
}

/// A whole program in the assembler's text: one [`disasm_insn`] line per
/// instruction, each ending in a newline, `ld_imm64` second slots skipped.
/// With [`AsmCbs`], `crate::asm::asm` of the result gives `insns` back for
/// every valid encoding.
pub fn disasm(cbs: &(impl BpfInsnCbs + ?Sized), insns: &[BpfInsn]) -> String {
    let mut out = String::new();
    for_each_printed(insns, |i| {
        out.push_str(&disasm_insn(cbs, insns, i));
        out.push('\n');
    });
    out
}

/// Mirrors `tools/bpf/bpftool/xlated_dumper.c:dump_xlated_plain()` (v6.18),
/// without BTF line and function info.
///
/// The lines of `bpftool prog dump xlated`: `printf("% 4d: ")` of the
/// index, then [`print_bpf_insn`] with pointers shown, each line ending in
/// a newline; the second slot of an `ld_imm64` is skipped.
///
/// ```text
///    0: (b7) r0 = 42
///    1: (95) exit
/// ```
pub fn dump_xlated(cbs: &(impl BpfInsnCbs + ?Sized), insns: &[BpfInsn]) -> String {
    let mut out = String::new();
    for_each_printed(insns, |i| {
        // `% 4d`: a space where the sign would go, the whole padded to 4.
        let _ = writeln!(out, "{:>4}: {}", format!(" {i}"), print_bpf_insn(cbs, insns, i, true));
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> String {
        print_bpf_insn(&NoCbs, &[BpfInsn::new(code, dst, src, off, imm)], 0, true)
    }

    #[test]
    fn kernel_examples() {
        assert_eq!(line(0xb7, 0, 0, 0, 42), "(b7) r0 = 42");
        assert_eq!(line(0x85, 0, 0, 0, 1), "(85) call bpf_map_lookup_elem#1");
        assert_eq!(line(0x25, 1, 0, 2, 5), "(25) if r1 > 0x5 goto pc+2");
        assert_eq!(line(0xdb, 10, 1, -8, 0), "(db) lock *(u64 *)(r10 -8) += r1");
        assert_eq!(line(0x16, 1, 0, -3, -1), "(16) if w1 == 0xffffffff goto pc-3");
        assert_eq!(line(0xbc, 1, 2, 16, 0), "(bc) w1 = (s16)w2");
        assert_eq!(line(0x3f, 1, 2, 1, 0), "(3f) r1 s/= r2");
        assert_eq!(line(0xd7, 3, 0, 0, 64), "(d7) r3 = bswap64 r3");
        assert_eq!(line(0xdc, 3, 0, 0, 16), "(dc) r3 = be16 r3");
        assert_eq!(line(0x06, 0, 0, 0, -70000), "(06) gotol pc-70000");
        assert_eq!(line(0xe5, 0, 0, 5, 0), "(e5) may_goto pc+5");
        assert_eq!(line(0x85, 0, 1, 0, -4), "(85) call pc-4");
        assert_eq!(line(0x85, 0, 2, 0, 77), "(85) call kernel-function#77");
        assert_eq!(line(0x85, 0, 0, 0, 212), "(85) call unknown#212");
        assert_eq!(line(0x85, 0, 3, 0, 1), "(85) call unknown#1");
        assert_eq!(line(0xc2, 0, 0, 0, 0), "(c2) nospec");
        assert_eq!(line(0xbf, 1, 2, -1, 0), "(bf) r1 = &(void __percpu *)(r2)");
        assert_eq!(line(0xbf, 1, 2, 1, 0x0001_0000), "(bf) r1 = addr_space_cast(r2, 1, 0)");
    }

    #[test]
    fn bad_opcodes_print_as_the_kernel() {
        assert_eq!(line(0x23, 1, 2, 0, 0), "BUG_23"); // stx | abs
        assert_eq!(line(0xdb, 1, 2, 0, 0x02), "BUG_db"); // atomic with an unknown op
        assert_eq!(line(0x22, 0, 0, 0, 0), "BUG_st_22");
        assert_eq!(line(0x21, 0, 0, 0, 0), "BUG_ldx_21");
        assert_eq!(line(0x00, 0, 0, 0, 0), "BUG_ld_00"); // a lone second slot
        assert_eq!(line(0x60, 0, 0, 0, 0), "BUG_ld_60");
        // Table entries the C code leaves NULL print as vsnprintf does.
        assert_eq!(line(0xe7, 0, 0, 0, 1), "(e7) r0 (null) 1");
        assert_eq!(line(0xf5, 1, 0, 0, 1), "(f5) if r1 (null) 0x1 goto pc+0");
        assert_eq!(line(0x99, 1, 2, 0, 0), "(99) r1 = *((null) *)(r2 +0)");
        // Opcodes that fall through to the generic jump text.
        assert_eq!(line(0x96, 0, 0, 0, 0), "(96) if w0 exit 0x0 goto pc+0");
        assert_eq!(line(0x0d, 1, 2, 3, 0), "(0d) if r1 jmp r2 goto pc+3");
        assert_eq!(line(0x86, 0, 0, 0, 1), "(86) call bpf_map_lookup_elem#1");
    }

    #[test]
    fn ld_imm64_without_its_second_half() {
        let [a, _] = BpfInsn::ld_imm64(2, 0xdead_beef_0000_0005);
        assert_eq!(print_bpf_insn(&NoCbs, &[a], 0, true), "(18) r2 = 0x5");
        assert_eq!(print_bpf_insn(&AsmCbs, &[a], 0, true), "(18) r2 = 0x5");
        assert_eq!(print_bpf_insn(&NoCbs, &[a], 1, true), "");
        assert_eq!(dump_xlated(&NoCbs, &[a]), "   0: (18) r2 = 0x5\n");
    }

    #[test]
    fn callbacks_replace_the_defaults() {
        struct Names;
        impl BpfInsnCbs for Names {
            fn cb_call(&self, insn: &BpfInsn) -> Option<String> {
                Some(format!("f{}", insn.imm))
            }
            fn cb_imm(&self, _: &BpfInsn, _: &BpfInsn, full_imm: u64) -> Option<String> {
                Some(format!("const({full_imm})"))
            }
        }
        let p = |insns: &[BpfInsn]| print_bpf_insn(&Names, insns, 0, true);
        // A known helper keeps its name whatever the callback says.
        assert_eq!(p(&[BpfInsn::call_helper(1)]), "(85) call bpf_map_lookup_elem#1");
        assert_eq!(p(&[BpfInsn::call_helper(999)]), "(85) call f999#999");
        assert_eq!(p(&[BpfInsn::call_rel(3)]), "(85) call pcf3");
        assert_eq!(p(&BpfInsn::ld_imm64(1, 7)), "(18) r1 = const(7)");
    }

    #[test]
    fn dump_pads_like_bpftool() {
        let mut insns = vec![BpfInsn::mov64_imm(0, 0); 1001];
        insns.push(BpfInsn::exit());
        let dump = dump_xlated(&NoCbs, &insns);
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines[0], "   0: (b7) r0 = 0");
        assert_eq!(lines[999], " 999: (b7) r0 = 0");
        assert_eq!(lines[1000], " 1000: (b7) r0 = 0");
        assert_eq!(disasm(&NoCbs, &insns[1000..]), "r0 = 0\nexit\n");
    }

    #[test]
    fn helper_names_are_the_uapi_enum() {
        for id in 0..__BPF_FUNC_MAX_ID as u32 {
            let uapi = BpfFuncId(id).name().expect("every id below the max is named");
            assert_eq!(func_id_name(id as i32), format!("bpf_{}", &uapi["BPF_FUNC_".len()..]));
            assert_eq!(func_id_by_name(func_id_name(id as i32)), Some(id as i32));
        }
        assert!(BpfFuncId(__BPF_FUNC_MAX_ID as u32).name().is_none());
        assert_eq!(func_id_name(-1), "unknown");
        assert_eq!(func_id_name(__BPF_FUNC_MAX_ID as i32), "unknown");
    }
}

//! Calls in `kernel/bpf/verifier.c` (v6.18): helper calls checked against
//! their `bpf_func_proto` (`check_helper_call`), bpf-to-bpf calls
//! (`check_func_call`, `prepare_func_exit`), and the per-type helper
//! tables (`*_func_proto` of `net/core/filter.c`, `kernel/trace/bpf_trace.c`
//! and `kernel/bpf/helpers.c`).

use crate::bounds::reg_bounds_sync;
use crate::check::*;
use crate::env::{verbose, BpfVerifierEnv};
use crate::ops::BpfCaps;
use crate::state::*;
use bpf_core::disasm::func_id_name;
use bpf_core::errno::*;
use bpf_core::helpers::proto::{arg::*, ret::*, MEM_FIXED_SIZE, MEM_UNINIT, MEM_WRITE, OBJ_RELEASE};
use bpf_core::helpers::BpfFuncProto;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// `__BPF_FUNC_MAX_ID` of v6.18.
pub const __BPF_FUNC_MAX_ID: i32 = 212;

use bpf_core::helpers::{maps as hm, misc as hmisc, net as hnet};

/// Mirrors `kernel/bpf/helpers.c:bpf_base_func_proto()`: the helpers every
/// type may call, more of them with `CAP_BPF` and `CAP_PERFMON`.
pub fn bpf_base_func_proto(func_id: i32, _prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    let p: &'static BpfFuncProto = match func_id {
        1 => &hm::BPF_MAP_LOOKUP_ELEM_PROTO,
        2 => &hm::BPF_MAP_UPDATE_ELEM_PROTO,
        3 => &hm::BPF_MAP_DELETE_ELEM_PROTO,
        87 => &hm::BPF_MAP_PUSH_ELEM_PROTO,
        88 => &hm::BPF_MAP_POP_ELEM_PROTO,
        89 => &hm::BPF_MAP_PEEK_ELEM_PROTO,
        7 => &hmisc::BPF_GET_PRANDOM_U32_PROTO,
        8 => &hmisc::BPF_GET_SMP_PROCESSOR_ID_PROTO,
        42 => &hmisc::BPF_GET_NUMA_NODE_ID_PROTO,
        12 => &hm::BPF_TAIL_CALL_PROTO,
        5 => &hmisc::BPF_KTIME_GET_NS_PROTO,
        125 => &hmisc::BPF_KTIME_GET_BOOT_NS_PROTO,
        208 => &hmisc::BPF_KTIME_GET_TAI_NS_PROTO,
        17 => &hnet::BPF_GET_CGROUP_CLASSID_CURR_PROTO,
        14 => &hmisc::BPF_GET_CURRENT_PID_TGID_PROTO,
        15 => &hmisc::BPF_GET_CURRENT_UID_GID_PROTO,
        _ => {
            if !caps.bpf {
                return None;
            }
            match func_id {
                118 => &hmisc::BPF_JIFFIES64_PROTO,
                160 => &hmisc::BPF_KTIME_GET_COARSE_NS_PROTO,
                _ => {
                    if !caps.perfmon {
                        return None;
                    }
                    match func_id {
                        6 => &hmisc::BPF_TRACE_PRINTK_PROTO,
                        16 => &hmisc::BPF_GET_CURRENT_COMM_PROTO,
                        113 => &hmisc::BPF_PROBE_READ_KERNEL_PROTO,
                        112 => &hmisc::BPF_PROBE_READ_USER_PROTO,
                        114 => &hmisc::BPF_PROBE_READ_USER_STR_PROTO,
                        115 => &hmisc::BPF_PROBE_READ_KERNEL_STR_PROTO,
                        _ => return None,
                    }
                }
            }
        }
    };
    Some(p)
}

/// Mirrors `net/core/filter.c:bpf_sk_base_func_proto()` (the BTF socket
/// casts are not modelled).
fn bpf_sk_base_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    bpf_base_func_proto(func_id, prog, caps)
}

/// Mirrors `net/core/filter.c:sk_filter_func_proto()`.
pub fn sk_filter_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        26 => Some(&hnet::BPF_SKB_LOAD_BYTES_PROTO),
        68 => Some(&hnet::BPF_SKB_LOAD_BYTES_RELATIVE_PROTO),
        46 => Some(&hnet::BPF_GET_SOCKET_COOKIE_PROTO),
        47 => Some(&hnet::BPF_GET_SOCKET_UID_PROTO),
        25 => Some(&hnet::BPF_SKB_EVENT_OUTPUT_PROTO),
        _ => bpf_sk_base_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `net/core/filter.c:tc_cls_act_func_proto()` (the helpers this
/// model implements).
pub fn tc_cls_act_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        9 => Some(&hnet::BPF_SKB_STORE_BYTES_PROTO),
        26 => Some(&hnet::BPF_SKB_LOAD_BYTES_PROTO),
        68 => Some(&hnet::BPF_SKB_LOAD_BYTES_RELATIVE_PROTO),
        10 => Some(&hnet::BPF_L3_CSUM_REPLACE_PROTO),
        11 => Some(&hnet::BPF_L4_CSUM_REPLACE_PROTO),
        40 => Some(&hnet::BPF_CSUM_UPDATE_PROTO),
        41 => Some(&hnet::BPF_SET_HASH_INVALID_PROTO),
        48 => Some(&hnet::BPF_SET_HASH_PROTO),
        17 => Some(&hnet::BPF_GET_CGROUP_CLASSID_PROTO),
        151 => Some(&hnet::BPF_SKB_CGROUP_CLASSID_PROTO),
        24 => Some(&hnet::BPF_GET_ROUTE_REALM_PROTO),
        84 => Some(&hnet::BPF_SK_LOOKUP_TCP_PROTO),
        85 => Some(&hnet::BPF_SK_LOOKUP_UDP_PROTO),
        99 => Some(&hnet::BPF_SKC_LOOKUP_TCP_PROTO),
        86 => Some(&hnet::BPF_SK_RELEASE_PROTO),
        95 => Some(&hnet::BPF_SK_FULLSOCK_PROTO),
        96 => Some(&hnet::BPF_TCP_SOCK_PROTO),
        98 => Some(&hnet::BPF_GET_LISTENER_SOCK_PROTO),
        39 => Some(&hnet::BPF_SKB_PULL_DATA_PROTO),
        28 => Some(&hnet::BPF_CSUM_DIFF_PROTO),
        23 => Some(&hnet::BPF_REDIRECT_PROTO),
        34 => Some(&hnet::BPF_GET_HASH_RECALC_PROTO),
        25 => Some(&hnet::BPF_SKB_EVENT_OUTPUT_PROTO),
        8 => Some(&hmisc::BPF_GET_SMP_PROCESSOR_ID_PROTO),
        46 => Some(&hnet::BPF_GET_SOCKET_COOKIE_PROTO),
        47 => Some(&hnet::BPF_GET_SOCKET_UID_PROTO),
        _ => bpf_sk_base_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `net/core/filter.c:xdp_func_proto()` (the helpers this model
/// implements).
pub fn xdp_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        25 => Some(&hnet::BPF_XDP_EVENT_OUTPUT_PROTO),
        8 => Some(&hmisc::BPF_GET_SMP_PROCESSOR_ID_PROTO),
        28 => Some(&hnet::BPF_CSUM_DIFF_PROTO),
        44 => Some(&hnet::BPF_XDP_ADJUST_HEAD_PROTO),
        54 => Some(&hnet::BPF_XDP_ADJUST_META_PROTO),
        23 => Some(&hnet::BPF_XDP_REDIRECT_PROTO),
        65 => Some(&hnet::BPF_XDP_ADJUST_TAIL_PROTO),
        84 => Some(&hnet::BPF_SK_LOOKUP_TCP_PROTO),
        85 => Some(&hnet::BPF_SK_LOOKUP_UDP_PROTO),
        99 => Some(&hnet::BPF_SKC_LOOKUP_TCP_PROTO),
        86 => Some(&hnet::BPF_SK_RELEASE_PROTO),
        188 => Some(&hnet::BPF_XDP_GET_BUFF_LEN_PROTO),
        189 => Some(&hnet::BPF_XDP_LOAD_BYTES_PROTO),
        190 => Some(&hnet::BPF_XDP_STORE_BYTES_PROTO),
        _ => bpf_sk_base_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `net/core/filter.c:cg_skb_func_proto()` (the helpers this model
/// implements).
pub fn cg_skb_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        25 => Some(&hnet::BPF_SKB_EVENT_OUTPUT_PROTO),
        84 => Some(&hnet::BPF_SK_LOOKUP_TCP_PROTO),
        85 => Some(&hnet::BPF_SK_LOOKUP_UDP_PROTO),
        99 => Some(&hnet::BPF_SKC_LOOKUP_TCP_PROTO),
        86 => Some(&hnet::BPF_SK_RELEASE_PROTO),
        95 => Some(&hnet::BPF_SK_FULLSOCK_PROTO),
        96 => Some(&hnet::BPF_TCP_SOCK_PROTO),
        98 => Some(&hnet::BPF_GET_LISTENER_SOCK_PROTO),
        _ => sk_filter_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `kernel/trace/bpf_trace.c:bpf_tracing_func_proto()` (the
/// helpers this model implements).
fn bpf_tracing_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        6 => Some(&hmisc::BPF_TRACE_PRINTK_PROTO),
        16 => Some(&hmisc::BPF_GET_CURRENT_COMM_PROTO),
        113 => Some(&hmisc::BPF_PROBE_READ_KERNEL_PROTO),
        112 => Some(&hmisc::BPF_PROBE_READ_USER_PROTO),
        114 => Some(&hmisc::BPF_PROBE_READ_USER_STR_PROTO),
        115 => Some(&hmisc::BPF_PROBE_READ_KERNEL_STR_PROTO),
        // x86 has non-overlapping address spaces: the compat probes exist
        4 => Some(&hmisc::BPF_PROBE_READ_COMPAT_PROTO),
        45 => Some(&hmisc::BPF_PROBE_READ_COMPAT_STR_PROTO),
        35 => Some(&hmisc::BPF_GET_CURRENT_TASK_PROTO),
        // not NMI safe: tracing programs may not read the coarse clock
        160 => None,
        _ => bpf_base_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `kernel/trace/bpf_trace.c:kprobe_prog_func_proto()`.
pub fn kprobe_prog_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        25 => Some(&hnet::BPF_PERF_EVENT_OUTPUT_PROTO),
        _ => bpf_tracing_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `kernel/trace/bpf_trace.c:raw_tp_prog_func_proto()` (the
/// helpers this model implements).
pub fn raw_tp_prog_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        25 => Some(&hnet::BPF_PERF_EVENT_OUTPUT_RAW_TP_PROTO),
        _ => bpf_tracing_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `kernel/trace/bpf_trace.c:tp_prog_func_proto()`.
pub fn tp_prog_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    match func_id {
        25 => Some(&hnet::BPF_PERF_EVENT_OUTPUT_PROTO),
        _ => bpf_tracing_func_proto(func_id, prog, caps),
    }
}

/// Mirrors `net/core/filter.c:bpf_helper_changes_pkt_data()`.
pub fn bpf_helper_changes_pkt_data(func_id: i32) -> bool {
    matches!(
        func_id,
        9 | 10
            | 11
            | 13
            | 18
            | 19
            | 31
            | 32
            | 38
            | 39
            | 43
            | 44
            | 50
            | 54
            | 63
            | 65
            | 73
            | 74
            | 75
            | 76
            | 90
            | 91
            | 143
            | 144
            | 152
            | 155
    )
}

/// `struct bpf_call_arg_meta`: what the arguments of one helper call
/// established.
#[derive(Clone, Debug, Default)]
pub struct CallArgMeta {
    /// The map argument (`map_ptr`).
    pub map: Option<MapIdx>,
    /// `map_uid`.
    pub map_uid: u32,
    /// The memory argument may be uninitialised (`raw_mode`).
    pub raw_mode: bool,
    /// Packet pointers allowed (`pkt_access`).
    pub pkt_access: bool,
    /// A raw stack buffer the helper writes: (regno, size).
    pub raw_access: Option<(u8, i32)>,
    /// Largest value of the size argument (`msize_max_value`).
    pub msize_max_value: u64,
    /// `ref_obj_id`.
    pub ref_obj_id: u32,
    /// The argument the call releases (`release_regno`), or 0.
    pub release_regno: u8,
    /// `func_id`.
    pub func_id: i32,
    /// `mem_size`.
    pub mem_size: u64,
    /// The key of an array lookup when known (`const_map_key`), else -1.
    pub const_map_key: i64,
}

/// `mem_types`: what a memory argument may point into.
const MEM_TYPES: [u32; 9] = [
    PTR_TO_STACK,
    PTR_TO_PACKET,
    PTR_TO_PACKET_META,
    PTR_TO_MAP_KEY,
    PTR_TO_MAP_VALUE,
    PTR_TO_MEM,
    PTR_TO_MEM | MEM_RINGBUF,
    PTR_TO_BUF,
    PTR_TO_BTF_ID | PTR_TRUSTED,
];

/// `is_acquire_function()`: helpers whose result holds a reference.
fn is_acquire_function(func_id: i32, map_type: Option<BpfMapType>) -> bool {
    if [
        BPF_FUNC_sk_lookup_tcp,
        BPF_FUNC_sk_lookup_udp,
        BPF_FUNC_skc_lookup_tcp,
        BPF_FUNC_ringbuf_reserve,
        BPF_FUNC_kptr_xchg,
    ]
    .iter()
    .any(|f| f.0 as i32 == func_id)
    {
        return true;
    }
    func_id == BPF_FUNC_map_lookup_elem.0 as i32
        && matches!(map_type, Some(t) if t == BPF_MAP_TYPE_SOCKMAP || t == BPF_MAP_TYPE_SOCKHASH)
}

/// `is_ptr_cast_function()`: helpers that return their argument as
/// another socket type (the reference, if any, carries over).
fn is_ptr_cast_function(func_id: i32) -> bool {
    [
        BPF_FUNC_tcp_sock,
        BPF_FUNC_sk_fullsock,
        BPF_FUNC_skc_to_tcp_sock,
        BPF_FUNC_skc_to_tcp6_sock,
        BPF_FUNC_skc_to_udp6_sock,
        BPF_FUNC_skc_to_mptcp_sock,
        BPF_FUNC_skc_to_tcp_timewait_sock,
        BPF_FUNC_skc_to_tcp_request_sock,
    ]
    .iter()
    .any(|f| f.0 as i32 == func_id)
}

/// `can_elide_value_nullness()`: array lookups with an in-range constant
/// key cannot fail.
fn can_elide_value_nullness(t: BpfMapType) -> bool {
    t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY
}

impl<'a> BpfVerifierEnv<'a> {
    /// The loader's capabilities for the per-type callbacks.
    pub fn caps(&self) -> BpfCaps {
        BpfCaps {
            bpf: self.bpf_capable,
            perfmon: self.io.perfmon_capable(),
            sys_admin: self.io.sys_admin_capable(),
        }
    }

    /// `get_helper_proto()`: the type's prototype for helper `func_id`.
    pub fn helper_proto(&self, func_id: i32) -> Option<&'static BpfFuncProto> {
        if !(0..__BPF_FUNC_MAX_ID).contains(&func_id) {
            return None;
        }
        (self.ops.get_func_proto)(func_id, self.prog, self.caps())
    }

    /// `get_call_summary()`: number of arguments of a known helper.
    pub fn call_summary_params(&self, insn: &BpfInsn) -> Option<u32> {
        if !insn.is_helper_call() {
            return None;
        }
        let p = self.helper_proto(insn.imm)?;
        Some(p.arg_type.iter().take_while(|&&a| a != bpf_core::helpers::proto::arg::ARG_DONTCARE).count()
            as u32)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_helper_call()`: each argument
    /// against the prototype, then r0 from its return type and r1..r5
    /// clobbered.
    pub fn check_helper_call(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let func_id = insn.imm;
        let insn_idx = self.insn_idx;
        if !(0..__BPF_FUNC_MAX_ID).contains(&func_id) {
            verbose!(self, "invalid func {}#{}\n", func_id_name(func_id), func_id);
            return Err(EINVAL);
        }
        let Some(fn_) = self.helper_proto(func_id) else {
            verbose!(self, "program of this type cannot use helper {}#{}\n", func_id_name(func_id), func_id);
            return Err(EINVAL);
        };
        if !self.prog.gpl_compatible && fn_.gpl_only {
            verbose!(self, "cannot call GPL-restricted function from non-GPL compatible program\n");
            return Err(EINVAL);
        }
        if !self.cur_state.in_sleepable && fn_.might_sleep {
            verbose!(self, "helper call might sleep in a non-sleepable prog\n");
            return Err(EINVAL);
        }
        let changes_data = bpf_helper_changes_pkt_data(func_id);
        let mut meta =
            CallArgMeta { pkt_access: fn_.pkt_access, func_id, const_map_key: -1, ..Default::default() };
        for i in 0..5 {
            self.check_func_arg(i, &mut meta, fn_)?;
        }
        self.record_func_map(&meta, func_id, insn_idx)?;
        self.record_func_key(&meta, func_id, insn_idx)?;
        // raw-mode stack buffers are written by the helper
        if let Some((regno, size)) = meta.raw_access {
            for i in 0..size {
                self.check_mem_access(insn_idx, regno, i, BPF_B, true, -1, false, false)?;
            }
        }
        if meta.release_regno != 0 {
            let released = if meta.ref_obj_id != 0 {
                self.release_reference(meta.ref_obj_id).is_ok()
            } else {
                // only a NULL may come without a reference
                register_is_null(&self.reg(meta.release_regno))
            };
            if !released {
                verbose!(
                    self,
                    "func {}#{} reference has not been acquired before\n",
                    func_id_name(func_id),
                    func_id
                );
                return Err(EINVAL);
            }
        }
        if func_id == BPF_FUNC_tail_call.0 as i32 {
            self.check_resource_leak(false, true, "tail_call")?;
        }
        // the caller-saved registers are clobbered
        for r in 0..=BPF_REG_5 {
            self.mark_reg_not_init(r);
            self.check_reg_arg(r, DstOpNoMark)?;
        }
        self.regs()[0].subreg_def = DEF_NOT_SUBREG;
        let ret_flag = type_flag(fn_.ret_type);
        match base_type(fn_.ret_type) {
            RET_INTEGER => self.mark_reg_unknown(BPF_REG_0),
            RET_VOID => self.regs()[0].type_ = NOT_INIT,
            RET_PTR_TO_MAP_VALUE => {
                self.mark_reg_known_zero(BPF_REG_0);
                let Some(map_idx) = meta.map else {
                    verbose!(self, "verifier bug: unexpected null map_ptr\n");
                    return Err(EFAULT);
                };
                let map = self.map(map_idx).clone();
                let mut flag = ret_flag;
                if func_id == BPF_FUNC_map_lookup_elem.0 as i32
                    && can_elide_value_nullness(map.map_type)
                    && meta.const_map_key >= 0
                    && meta.const_map_key < i64::from(map.max_entries)
                {
                    flag &= !PTR_MAYBE_NULL;
                }
                let r0 = &mut self.regs()[0];
                r0.map_idx = map_idx;
                r0.map_uid = meta.map_uid;
                r0.type_ = PTR_TO_MAP_VALUE | flag;
            }
            RET_PTR_TO_SOCKET | RET_PTR_TO_SOCK_COMMON | RET_PTR_TO_TCP_SOCK => {
                self.mark_reg_known_zero(BPF_REG_0);
                let t = match base_type(fn_.ret_type) {
                    RET_PTR_TO_SOCKET => PTR_TO_SOCKET,
                    RET_PTR_TO_SOCK_COMMON => PTR_TO_SOCK_COMMON,
                    _ => PTR_TO_TCP_SOCK,
                };
                self.regs()[0].type_ = t | ret_flag;
            }
            _ => {
                verbose!(
                    self,
                    "unknown return type {} of func {}#{}\n",
                    base_type(fn_.ret_type),
                    func_id_name(func_id),
                    func_id
                );
                return Err(EINVAL);
            }
        }
        if type_may_be_null(self.regs()[0].type_) {
            let id = self.new_id();
            self.regs()[0].id = id;
        }
        if is_ptr_cast_function(func_id) {
            // for release_reference()
            self.regs()[0].ref_obj_id = meta.ref_obj_id;
        } else if is_acquire_function(func_id, meta.map.map(|m| self.map(m).map_type)) {
            let id = self.acquire_reference(insn_idx);
            let r0 = &mut self.regs()[0];
            // for mark_ptr_or_null_reg() and release_reference()
            r0.id = id;
            r0.ref_obj_id = id;
        }
        self.do_refine_retval_range(fn_.ret_type, func_id, &meta)?;
        if let Some(m) = meta.map {
            self.check_map_func_compatibility(m, func_id)?;
        }
        if changes_data {
            self.clear_all_pkt_pointers();
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:acquire_reference()`: a new reference
    /// the program must release before it exits.
    pub fn acquire_reference(&mut self, insn_idx: i32) -> u32 {
        let id = self.new_id();
        self.cur_state.refs.push(BpfReferenceState { type_: RefStateType::Ptr, id, insn_idx });
        id
    }

    /// Mirrors `kernel/bpf/verifier.c:release_reference()`: drop the
    /// reference and invalidate every register and spill that held it.
    pub fn release_reference(&mut self, ref_obj_id: u32) -> Result<(), Errno> {
        let Some(i) =
            self.cur_state.refs.iter().position(|r| r.type_ == RefStateType::Ptr && r.id == ref_obj_id)
        else {
            return Err(EINVAL);
        };
        self.cur_state.refs.remove(i);
        let (cap, leaks) = (self.bpf_capable, self.allow_ptr_leaks);
        // mark_reg_invalid()
        let invalidate = |r: &mut BpfRegState| {
            if r.ref_obj_id == ref_obj_id {
                if leaks {
                    __mark_reg_unknown(cap, r);
                } else {
                    __mark_reg_not_init(cap, r);
                }
            }
        };
        for f in self.cur_state.frame.iter_mut() {
            f.regs.iter_mut().for_each(invalidate);
            for st in f.stack.iter_mut() {
                if st.slot_type[BPF_REG_SIZE - 1] == slot::STACK_SPILL {
                    invalidate(&mut st.spilled_ptr);
                }
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:clear_all_pkt_pointers()`: after a
    /// helper that may move packet data, every packet pointer is void.
    fn clear_all_pkt_pointers(&mut self) {
        let (cap, leaks) = (self.bpf_capable, self.allow_ptr_leaks);
        let invalidate = |r: &mut BpfRegState| {
            if reg_is_pkt_pointer_any(r) {
                if leaks {
                    __mark_reg_unknown(cap, r);
                } else {
                    __mark_reg_not_init(cap, r);
                }
            }
        };
        for f in self.cur_state.frame.iter_mut() {
            f.regs.iter_mut().for_each(invalidate);
            for s in f.stack.iter_mut() {
                if s.slot_type[BPF_REG_SIZE - 1] == slot::STACK_SPILL {
                    invalidate(&mut s.spilled_ptr);
                }
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:do_refine_retval_range()`.
    fn do_refine_retval_range(
        &mut self,
        ret_type: u32,
        func_id: i32,
        meta: &CallArgMeta,
    ) -> Result<(), Errno> {
        if ret_type != RET_INTEGER {
            return Ok(());
        }
        const MAX_ERRNO: i64 = 4095;
        if [
            BPF_FUNC_get_stack,
            BPF_FUNC_get_task_stack,
            BPF_FUNC_probe_read_str,
            BPF_FUNC_probe_read_kernel_str,
            BPF_FUNC_probe_read_user_str,
        ]
        .iter()
        .any(|f| f.0 as i32 == func_id)
        {
            let r = &mut self.regs()[0];
            r.smax_value = meta.msize_max_value as i64;
            r.s32_max_value = meta.msize_max_value as i32;
            r.smin_value = -MAX_ERRNO;
            r.s32_min_value = -MAX_ERRNO as i32;
            reg_bounds_sync(r);
        }
        if func_id == BPF_FUNC_get_smp_processor_id.0 as i32 {
            let n = self.io.nr_cpu_ids().max(1) - 1;
            let r = &mut self.regs()[0];
            r.umax_value = u64::from(n);
            r.u32_max_value = n;
            r.smax_value = i64::from(n);
            r.s32_max_value = n as i32;
            r.umin_value = 0;
            r.u32_min_value = 0;
            r.smin_value = 0;
            r.s32_min_value = 0;
            reg_bounds_sync(r);
        }
        let mut r = self.reg(0);
        self.reg_bounds_sanity_check(&mut r, "retval")?;
        self.regs()[0] = r;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_reg_type()`: is the register's
    /// type one the argument type accepts?
    fn check_reg_type(&mut self, regno: u8, arg_type: u32) -> Result<(), Errno> {
        let reg = self.reg(regno);
        let compatible: &[u32] = match base_type(arg_type) {
            ARG_PTR_TO_MAP_KEY | ARG_PTR_TO_MAP_VALUE | ARG_PTR_TO_MEM => &MEM_TYPES,
            ARG_CONST_SIZE | ARG_CONST_SIZE_OR_ZERO | ARG_CONST_ALLOC_SIZE_OR_ZERO => &[SCALAR_VALUE],
            ARG_CONST_MAP_PTR => &[CONST_PTR_TO_MAP],
            ARG_PTR_TO_CTX => &[PTR_TO_CTX],
            ARG_PTR_TO_STACK => &[PTR_TO_STACK],
            ARG_PTR_TO_FUNC => &[PTR_TO_FUNC],
            ARG_PTR_TO_CONST_STR | ARG_PTR_TO_TIMER => &[PTR_TO_MAP_VALUE],
            ARG_PTR_TO_RINGBUF_MEM => &[PTR_TO_MEM | MEM_RINGBUF],
            ARG_PTR_TO_SOCK_COMMON => &[PTR_TO_SOCK_COMMON, PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK],
            ARG_PTR_TO_SOCKET => &[PTR_TO_SOCKET],
            ARG_PTR_TO_BTF_ID_SOCK_COMMON => &[
                PTR_TO_SOCK_COMMON,
                PTR_TO_SOCKET,
                PTR_TO_TCP_SOCK,
                PTR_TO_XDP_SOCK,
                PTR_TO_BTF_ID,
                PTR_TO_BTF_ID | PTR_TRUSTED,
            ],
            _ => {
                verbose!(self, "verifier bug: unsupported arg type {}\n", arg_type);
                return Err(EFAULT);
            }
        };
        let mut t = reg.type_;
        if arg_type & MEM_RDONLY != 0 {
            t &= !MEM_RDONLY;
        }
        if arg_type & PTR_MAYBE_NULL != 0 {
            t &= !PTR_MAYBE_NULL;
        }
        if compatible.contains(&t) {
            return Ok(());
        }
        let list = compatible.iter().map(|&c| reg_type_str(c)).collect::<Vec<_>>().join(", ");
        verbose!(self, "R{} type={} expected={}\n", regno, reg_type_str(reg.type_), list);
        Err(EACCES)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_func_arg_reg_off()`.
    fn check_func_arg_reg_off(&mut self, reg: &BpfRegState, regno: u8) -> Result<(), Errno> {
        match reg.type_ {
            PTR_TO_STACK | PTR_TO_PACKET | PTR_TO_PACKET_META | PTR_TO_MAP_KEY | PTR_TO_MAP_VALUE
            | PTR_TO_MEM | PTR_TO_BUF | PTR_TO_ARENA | SCALAR_VALUE => Ok(()),
            t if t == PTR_TO_MEM | MEM_RDONLY
                || t == PTR_TO_MEM | MEM_RINGBUF
                || t == PTR_TO_BUF | MEM_RDONLY =>
            {
                Ok(())
            }
            _ => self.__check_ptr_off_reg(reg, regno, false),
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_helper_mem_access()`: can the
    /// helper touch `access_size` bytes at the register?
    fn check_helper_mem_access(
        &mut self,
        regno: u8,
        access_size: i32,
        write: bool,
        zero_size_allowed: bool,
        raw_mode: Option<&mut CallArgMeta>,
    ) -> Result<(), Errno> {
        let reg = self.reg(regno);
        match base_type(reg.type_) {
            PTR_TO_PACKET | PTR_TO_PACKET_META => {
                self.check_packet_access(regno, reg.off, access_size, zero_size_allowed)
            }
            PTR_TO_MAP_KEY => {
                if write {
                    verbose!(self, "R{} cannot write into {}\n", regno, reg_type_str(reg.type_));
                    return Err(EACCES);
                }
                let ks = self.map(reg.map_idx).key_size;
                self.check_mem_region_access(regno, reg.off, access_size, ks, false)
            }
            PTR_TO_MAP_VALUE => {
                let map = self.map(reg.map_idx).clone();
                let ro = map.map_flags.contains(BpfMapFlags::BPF_F_RDONLY_PROG);
                let wo = map.map_flags.contains(BpfMapFlags::BPF_F_WRONLY_PROG);
                if write && ro {
                    verbose!(
                        self,
                        "write into map forbidden, value_size={} off={} size={}\n",
                        map.value_size,
                        reg.off,
                        access_size
                    );
                    return Err(EACCES);
                }
                if !write && wo {
                    verbose!(
                        self,
                        "read from map forbidden, value_size={} off={} size={}\n",
                        map.value_size,
                        reg.off,
                        access_size
                    );
                    return Err(EACCES);
                }
                self.check_map_access(regno, reg.off, access_size, zero_size_allowed, true)
            }
            PTR_TO_MEM => {
                if reg.type_ & MEM_RDONLY != 0 && write {
                    verbose!(self, "R{} cannot write into {}\n", regno, reg_type_str(reg.type_));
                    return Err(EACCES);
                }
                self.check_mem_region_access(regno, reg.off, access_size, reg.mem_size, zero_size_allowed)
            }
            PTR_TO_STACK => {
                let raw = raw_mode.as_ref().is_some_and(|m| m.raw_mode);
                if raw && reg.var_off.is_const() {
                    self.check_stack_range_initialized(
                        regno,
                        reg.off,
                        access_size,
                        zero_size_allowed,
                        true,
                        true,
                    )?;
                    if let Some(m) = raw_mode {
                        m.raw_access = Some((regno, access_size));
                    }
                    return Ok(());
                }
                self.check_stack_range_initialized(
                    regno,
                    reg.off,
                    access_size,
                    zero_size_allowed,
                    write,
                    false,
                )
            }
            _ => {
                if zero_size_allowed && access_size == 0 && register_is_null(&reg) {
                    return Ok(());
                }
                verbose!(self, "R{} type={} ", regno, reg_type_str(reg.type_));
                verbose!(self, "expected={}\n", reg_type_str(PTR_TO_STACK));
                Err(EACCES)
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_mem_size_reg()`: the size
    /// argument bounds the memory argument before it.
    fn check_mem_size_reg(
        &mut self,
        regno: u8,
        write: bool,
        zero_size_allowed: bool,
        meta: &mut CallArgMeta,
    ) -> Result<(), Errno> {
        let reg = self.reg(regno);
        meta.msize_max_value = reg.umax_value;
        // a variable size: the program must initialise what the helper may
        // only partly fill
        let use_meta = reg.var_off.is_const();
        if reg.smin_value < 0 {
            verbose!(self, "R{} min value is negative, either use unsigned or 'var &= const'\n", regno);
            return Err(EACCES);
        }
        if reg.umin_value == 0 && !zero_size_allowed {
            verbose!(
                self,
                "R{} invalid zero-sized read: u64=[{},{}]\n",
                regno,
                reg.umin_value as i64,
                reg.umax_value as i64
            );
            return Err(EACCES);
        }
        if reg.umax_value >= BPF_MAX_VAR_SIZ as u64 {
            verbose!(self, "R{} unbounded memory access, use 'var &= const' or 'if (var < const)'\n", regno);
            return Err(EACCES);
        }
        let m = if use_meta { Some(&mut *meta) } else { None };
        self.check_helper_mem_access(regno - 1, reg.umax_value as i32, write, zero_size_allowed, m)?;
        self.mark_chain_precision(i32::from(regno))
    }

    /// Mirrors `kernel/bpf/verifier.c:get_constant_map_key()`: the key
    /// spilled on the stack, when it is a known constant.
    fn get_constant_map_key(&mut self, key: &BpfRegState, key_size: u32) -> Option<i64> {
        if !self.bpf_capable || key.type_ != PTR_TO_STACK || !key.var_off.is_const() {
            return None;
        }
        let stack_off = i64::from(key.off) + key.var_off.value as i64;
        let slot = (-stack_off - 1) as usize;
        let spi = slot / BPF_REG_SIZE;
        let off = slot % BPF_REG_SIZE;
        let f = key.frameno as usize;
        let st = self.cur_state.frame[f].stack.get(spi)?;
        let stype = st.slot_type;
        let mut zero_size = 0;
        let mut i = off as i64;
        while i >= 0 && stype[i as usize] == slot::STACK_ZERO {
            zero_size += 1;
            i -= 1;
        }
        if zero_size >= key_size {
            return Some(0);
        }
        if !(stype[BPF_REG_SIZE - 1] == slot::STACK_SPILL && st.spilled_ptr.type_ == SCALAR_VALUE) {
            return None;
        }
        let mut spill_size = 0;
        let mut i = off as i64;
        while i >= 0 && stype[i as usize] == slot::STACK_SPILL {
            spill_size += 1;
            i -= 1;
        }
        if spill_size != key_size {
            return None;
        }
        let reg = st.spilled_ptr;
        if !reg.var_off.is_const() {
            return None;
        }
        // the verdict now depends on the key's value
        self.mark_stack_slot_precise(key.frameno.into(), spi);
        Some(reg.var_off.value as i64)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_func_arg()`.
    fn check_func_arg(
        &mut self,
        arg: usize,
        meta: &mut CallArgMeta,
        fn_: &BpfFuncProto,
    ) -> Result<(), Errno> {
        let regno = BPF_REG_1 + arg as u8;
        let mut arg_type = fn_.arg_type[arg];
        if arg_type == ARG_DONTCARE {
            return Ok(());
        }
        self.check_reg_arg(regno, SrcOp)?;
        let reg = self.reg(regno);
        if arg_type == ARG_ANYTHING {
            if self.is_pointer_value(regno) {
                verbose!(self, "R{} leaks addr into helper function\n", regno);
                return Err(EACCES);
            }
            return Ok(());
        }
        if reg_is_pkt_pointer(&reg) && !self.may_access_direct_pkt_data(Some(meta.pkt_access), false) {
            verbose!(self, "helper access to the packet is not allowed\n");
            return Err(EACCES);
        }
        if base_type(arg_type) == ARG_PTR_TO_MAP_VALUE {
            let Some(m) = meta.map else {
                verbose!(self, "verifier bug: invalid map_ptr to access map->type\n");
                return Err(EFAULT);
            };
            let mt = self.map(m).map_type;
            if mt == BPF_MAP_TYPE_SOCKMAP || mt == BPF_MAP_TYPE_SOCKHASH {
                verbose!(self, "invalid arg_type for sockmap/sockhash\n");
                return Err(EINVAL);
            }
            if mt == BPF_MAP_TYPE_BLOOM_FILTER && meta.func_id == BPF_FUNC_map_peek_elem.0 as i32 {
                arg_type |= MEM_UNINIT;
            }
        }
        if !(register_is_null(&reg) && type_may_be_null(arg_type)) {
            self.check_reg_type(regno, arg_type)?;
            self.check_func_arg_reg_off(&reg, regno)?;
        }
        if arg_type & OBJ_RELEASE != 0 {
            if reg.ref_obj_id == 0 && !register_is_null(&reg) {
                verbose!(self, "R{} must be referenced when passed to release function\n", regno);
                return Err(EINVAL);
            }
            if meta.release_regno != 0 {
                verbose!(self, "verifier bug: more than one release argument\n");
                return Err(EFAULT);
            }
            meta.release_regno = regno;
        }
        if reg.ref_obj_id != 0 {
            if meta.ref_obj_id != 0 {
                verbose!(
                    self,
                    "more than one arg with ref_obj_id R{} {} {}",
                    regno,
                    reg.ref_obj_id,
                    meta.ref_obj_id
                );
                return Err(EACCES);
            }
            meta.ref_obj_id = reg.ref_obj_id;
        }
        let write = arg_type & MEM_WRITE != 0;
        match base_type(arg_type) {
            ARG_CONST_MAP_PTR => {
                if let Some(m) = meta.map {
                    if m != reg.map_idx || meta.map_uid != reg.map_uid {
                        verbose!(
                            self,
                            "timer pointer in R1 map_uid={} doesn't match map pointer in R2 map_uid={}\n",
                            meta.map_uid,
                            reg.map_uid
                        );
                        return Err(EINVAL);
                    }
                }
                meta.map = Some(reg.map_idx);
                meta.map_uid = reg.map_uid;
            }
            ARG_PTR_TO_MAP_KEY => {
                let Some(m) = meta.map else {
                    verbose!(self, "verifier bug: invalid map_ptr to access map->key\n");
                    return Err(EFAULT);
                };
                let map = self.map(m).clone();
                self.check_helper_mem_access(regno, map.key_size as i32, false, false, None)?;
                if can_elide_value_nullness(map.map_type) {
                    meta.const_map_key = self.get_constant_map_key(&reg, map.key_size).unwrap_or(-1);
                }
            }
            ARG_PTR_TO_MAP_VALUE => {
                if type_may_be_null(arg_type) && register_is_null(&reg) {
                    return Ok(());
                }
                let Some(m) = meta.map else {
                    verbose!(self, "verifier bug: invalid map_ptr to access map->value\n");
                    return Err(EFAULT);
                };
                let vs = self.map(m).value_size as i32;
                meta.raw_mode = arg_type & MEM_UNINIT != 0;
                self.check_helper_mem_access(regno, vs, write, false, Some(meta))?;
            }
            ARG_PTR_TO_MEM => {
                // checked with the size argument that follows
                meta.raw_mode = arg_type & MEM_UNINIT != 0;
                if arg_type & MEM_FIXED_SIZE != 0 {
                    self.check_helper_mem_access(regno, fn_.arg_size[arg] as i32, write, false, Some(meta))?;
                }
            }
            ARG_CONST_SIZE | ARG_CONST_SIZE_OR_ZERO => {
                let prev_write = arg > 0 && fn_.arg_type[arg - 1] & MEM_WRITE != 0;
                self.check_mem_size_reg(
                    regno,
                    prev_write,
                    base_type(arg_type) == ARG_CONST_SIZE_OR_ZERO,
                    meta,
                )?;
            }
            ARG_CONST_ALLOC_SIZE_OR_ZERO => {
                if !reg.var_off.is_const() {
                    verbose!(self, "R{} is not a known constant'\n", regno);
                    return Err(EACCES);
                }
                meta.mem_size = reg.var_off.value;
                self.mark_chain_precision(i32::from(regno))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:record_func_map()`: remember the map
    /// a map helper used, for `do_misc_fixups`.
    fn record_func_map(&mut self, meta: &CallArgMeta, func_id: i32, insn_idx: i32) -> Result<(), Errno> {
        const MAP_FUNCS: [BpfFuncId; 10] = [
            BPF_FUNC_tail_call,
            BPF_FUNC_map_lookup_elem,
            BPF_FUNC_map_update_elem,
            BPF_FUNC_map_delete_elem,
            BPF_FUNC_map_push_elem,
            BPF_FUNC_map_pop_elem,
            BPF_FUNC_map_peek_elem,
            BPF_FUNC_for_each_map_elem,
            BPF_FUNC_redirect_map,
            BPF_FUNC_map_lookup_percpu_elem,
        ];
        if !MAP_FUNCS.iter().any(|f| f.0 as i32 == func_id) {
            return Ok(());
        }
        let Some(m) = meta.map else {
            verbose!(self, "verifier bug: expected map for helper call\n");
            return Err(EFAULT);
        };
        let map = self.map(m).clone();
        if map.map_flags.contains(BpfMapFlags::BPF_F_RDONLY_PROG)
            && [
                BPF_FUNC_map_delete_elem,
                BPF_FUNC_map_update_elem,
                BPF_FUNC_map_push_elem,
                BPF_FUNC_map_pop_elem,
            ]
            .iter()
            .any(|f| f.0 as i32 == func_id)
        {
            verbose!(self, "write into map forbidden\n");
            return Err(EACCES);
        }
        let unpriv = !map.ops.map_bypass_spec_v1();
        let aux = &mut self.insn_aux_data[insn_idx as usize];
        match aux.map_ptr_state {
            None => {
                aux.map_ptr_state = Some(m);
                aux.map_ptr_unpriv |= unpriv;
            }
            Some(prev) if prev != m => {
                aux.map_ptr_poison = true;
                aux.map_ptr_unpriv |= unpriv;
            }
            _ => {}
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:record_func_key()`: a tail call's
    /// index when it is the same constant on every path.
    fn record_func_key(&mut self, meta: &CallArgMeta, func_id: i32, insn_idx: i32) -> Result<(), Errno> {
        if func_id != BPF_FUNC_tail_call.0 as i32 {
            return Ok(());
        }
        let Some(m) = meta.map.filter(|&m| self.map(m).map_type == BPF_MAP_TYPE_PROG_ARRAY) else {
            // no newline: the kernel's message runs into the next line
            verbose!(self, "expected prog array map for tail call");
            return Err(EINVAL);
        };
        let max = u64::from(self.map(m).max_entries);
        let r3 = self.reg(BPF_REG_3);
        const POISON: u64 = 1 << 63;
        const SEEN: u64 = 1 << 62;
        let aux = &mut self.insn_aux_data[insn_idx as usize];
        if !r3.var_off.is_const() || r3.var_off.value >= max {
            aux.map_key_state = (aux.map_key_state & !(POISON | SEEN)) | SEEN | POISON;
            return Ok(());
        }
        let val = r3.var_off.value;
        if aux.map_key_state & SEEN == 0 {
            aux.map_key_state = val | SEEN | (aux.map_key_state & POISON);
        } else if aux.map_key_state & !(POISON | SEEN) != val {
            aux.map_key_state |= POISON;
        }
        self.mark_chain_precision(i32::from(BPF_REG_3))
    }

    /// Mirrors `kernel/bpf/verifier.c:check_map_func_compatibility()`: a
    /// map type goes only to the helpers made for it, and the reverse.
    fn check_map_func_compatibility(&mut self, m: MapIdx, func_id: i32) -> Result<(), Errno> {
        let map = self.map(m).clone();
        let mt = map.map_type;
        let f = |id: BpfFuncId| id.0 as i32 == func_id;
        let map_ok = match mt {
            BPF_MAP_TYPE_PROG_ARRAY => f(BPF_FUNC_tail_call),
            BPF_MAP_TYPE_PERF_EVENT_ARRAY => {
                f(BPF_FUNC_perf_event_read)
                    || f(BPF_FUNC_perf_event_output)
                    || f(BPF_FUNC_skb_output)
                    || f(BPF_FUNC_perf_event_read_value)
                    || f(BPF_FUNC_xdp_output)
            }
            BPF_MAP_TYPE_RINGBUF => {
                f(BPF_FUNC_ringbuf_output)
                    || f(BPF_FUNC_ringbuf_reserve)
                    || f(BPF_FUNC_ringbuf_query)
                    || f(BPF_FUNC_ringbuf_reserve_dynptr)
                    || f(BPF_FUNC_ringbuf_submit_dynptr)
                    || f(BPF_FUNC_ringbuf_discard_dynptr)
            }
            BPF_MAP_TYPE_USER_RINGBUF => f(BPF_FUNC_user_ringbuf_drain),
            BPF_MAP_TYPE_STACK_TRACE => f(BPF_FUNC_get_stackid),
            BPF_MAP_TYPE_CGROUP_ARRAY => {
                f(BPF_FUNC_skb_under_cgroup) || f(BPF_FUNC_current_task_under_cgroup)
            }
            BPF_MAP_TYPE_CGROUP_STORAGE | BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE => f(BPF_FUNC_get_local_storage),
            BPF_MAP_TYPE_DEVMAP | BPF_MAP_TYPE_DEVMAP_HASH => {
                f(BPF_FUNC_redirect_map) || f(BPF_FUNC_map_lookup_elem)
            }
            BPF_MAP_TYPE_CPUMAP => f(BPF_FUNC_redirect_map),
            BPF_MAP_TYPE_XSKMAP => f(BPF_FUNC_redirect_map) || f(BPF_FUNC_map_lookup_elem),
            BPF_MAP_TYPE_ARRAY_OF_MAPS | BPF_MAP_TYPE_HASH_OF_MAPS => f(BPF_FUNC_map_lookup_elem),
            BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK => {
                f(BPF_FUNC_map_peek_elem) || f(BPF_FUNC_map_pop_elem) || f(BPF_FUNC_map_push_elem)
            }
            BPF_MAP_TYPE_BLOOM_FILTER => f(BPF_FUNC_map_peek_elem) || f(BPF_FUNC_map_push_elem),
            BPF_MAP_TYPE_SOCKMAP | BPF_MAP_TYPE_SOCKHASH | BPF_MAP_TYPE_REUSEPORT_SOCKARRAY => false,
            BPF_MAP_TYPE_SK_STORAGE
            | BPF_MAP_TYPE_INODE_STORAGE
            | BPF_MAP_TYPE_TASK_STORAGE
            | BPF_MAP_TYPE_CGRP_STORAGE => false,
            _ => true,
        };
        let func_ok = if f(BPF_FUNC_tail_call) {
            if mt != BPF_MAP_TYPE_PROG_ARRAY {
                false
            } else {
                if self.subprog_cnt > 1 {
                    verbose!(self, "mixing of tail_calls and bpf-to-bpf calls is not supported\n");
                    return Err(EINVAL);
                }
                true
            }
        } else if f(BPF_FUNC_perf_event_read)
            || f(BPF_FUNC_perf_event_output)
            || f(BPF_FUNC_perf_event_read_value)
            || f(BPF_FUNC_skb_output)
            || f(BPF_FUNC_xdp_output)
        {
            mt == BPF_MAP_TYPE_PERF_EVENT_ARRAY
        } else if f(BPF_FUNC_get_stackid) {
            mt == BPF_MAP_TYPE_STACK_TRACE
        } else if f(BPF_FUNC_redirect_map) {
            matches!(
                mt,
                BPF_MAP_TYPE_DEVMAP | BPF_MAP_TYPE_DEVMAP_HASH | BPF_MAP_TYPE_CPUMAP | BPF_MAP_TYPE_XSKMAP
            )
        } else if f(BPF_FUNC_map_pop_elem) {
            matches!(mt, BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK)
        } else if f(BPF_FUNC_map_peek_elem) || f(BPF_FUNC_map_push_elem) {
            matches!(mt, BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK | BPF_MAP_TYPE_BLOOM_FILTER)
        } else if f(BPF_FUNC_map_lookup_percpu_elem) {
            matches!(mt, BPF_MAP_TYPE_PERCPU_ARRAY | BPF_MAP_TYPE_PERCPU_HASH | BPF_MAP_TYPE_LRU_PERCPU_HASH)
        } else {
            true
        };
        if map_ok && func_ok {
            return Ok(());
        }
        verbose!(self, "cannot pass map_type {} into func {}#{}\n", mt.0, func_id_name(func_id), func_id);
        Err(EINVAL)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_func_call()`: a bpf-to-bpf
    /// call pushes a frame for the callee, which gets r1-r5 and an empty
    /// stack, and continues at its first insn.
    pub fn check_func_call(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let target = self.insn_idx + insn.imm + 1;
        let Some(subprog) = self.find_subprog(target as u32) else {
            verbose!(self, "verifier bug: target of func call at insn {} is not a program\n", target);
            return Err(EFAULT);
        };
        let callsite = self.insn_idx;
        // setup_func_entry()
        if self.cur_state.curframe as usize + 1 >= MAX_FRAMES {
            verbose!(self, "the call stack of {} frames is too deep\n", self.cur_state.curframe + 2);
            return Err(E2BIG);
        }
        let frameno = self.cur_state.curframe + 1;
        let mut callee = self.init_func_state(callsite, frameno, subprog as u32);
        // set_callee_state(): the arguments
        for r in BPF_REG_1..=BPF_REG_5 {
            callee.regs[r as usize] = self.reg(r);
        }
        self.cur_state.frame.push(callee);
        self.cur_state.curframe += 1;
        // clear_caller_saved_regs()
        let cf = self.cur_state.curframe as usize - 1;
        let cap = self.bpf_capable;
        for r in 0..=BPF_REG_5 as usize {
            __mark_reg_not_init(cap, &mut self.cur_state.frame[cf].regs[r]);
            self.mark_reg_scratched(r as u8);
            self.cur_state.frame[cf].regs[r].subreg_def = DEF_NOT_SUBREG;
        }
        self.insn_idx = self.subprog_info[subprog].start as i32 - 1;
        self.liveness.cur_instance = None;
        if self.log_level1() {
            verbose!(self, "caller:\n");
            let st = self.cur_state.as_ref().clone();
            self.print_verifier_state(&st, cf, true);
            verbose!(self, "callee:\n");
            self.print_verifier_state(&st, cf + 1, true);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_kfunc_call()`: kfuncs need the
    /// kernel's BTF, which this model does not carry.
    pub fn check_kfunc_call(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        verbose!(self, "kernel btf_id {} is not a function\n", insn.imm);
        Err(EINVAL)
    }

    /// Mirrors `kernel/bpf/verifier.c:prepare_func_exit()`: return to the
    /// caller with the callee's r0.
    pub fn prepare_func_exit(&mut self) -> Result<(), Errno> {
        self.bpf_update_live_stack();
        let cf = self.cur_state.curframe as usize;
        let r0 = self.cur_state.frame[cf].regs[0];
        if r0.type_ == PTR_TO_STACK {
            // a pointer into the dying frame (or an outer one): refused
            verbose!(self, "cannot return stack pointer to the caller\n");
            return Err(EINVAL);
        }
        self.cur_state.frame[cf - 1].regs[0] = r0;
        let callsite = self.cur_state.frame[cf].callsite;
        self.insn_idx = callsite + 1;
        if self.log_level1() {
            verbose!(self, "returning from callee:\n");
            let st = self.cur_state.as_ref().clone();
            self.print_verifier_state(&st, cf, true);
            verbose!(self, "to caller at {}:\n", self.insn_idx);
            self.print_verifier_state(&st, cf - 1, true);
        }
        self.cur_state.frame.pop();
        self.cur_state.curframe -= 1;
        Ok(())
    }
}

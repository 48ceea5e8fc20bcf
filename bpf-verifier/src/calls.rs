//! Calls in `kernel/bpf/verifier.c` (v6.18): helper calls checked against
//! their `bpf_func_proto` (`check_helper_call`), bpf-to-bpf calls
//! (`check_func_call`, `prepare_func_exit`), and the per-type helper
//! tables (`*_func_proto` of `net/core/filter.c`, `kernel/trace/bpf_trace.c`
//! and `kernel/bpf/helpers.c`).

use crate::env::{verbose, BpfVerifierEnv};
use crate::ops::BpfCaps;
use bpf_core::errno::*;
use bpf_core::helpers::BpfFuncProto;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// `__BPF_FUNC_MAX_ID` of v6.18.
pub const __BPF_FUNC_MAX_ID: i32 = 212;

/// Mirrors `kernel/bpf/helpers.c:bpf_base_func_proto()`.
pub fn bpf_base_func_proto(_func_id: i32, _prog: &BpfProg, _caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    None
}

/// `sk_filter_func_proto()`.
pub fn sk_filter_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    bpf_base_func_proto(func_id, prog, caps)
}
/// `tc_cls_act_func_proto()`.
pub fn tc_cls_act_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    bpf_base_func_proto(func_id, prog, caps)
}
/// `xdp_func_proto()`.
pub fn xdp_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    bpf_base_func_proto(func_id, prog, caps)
}
/// `cg_skb_func_proto()`.
pub fn cg_skb_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    bpf_base_func_proto(func_id, prog, caps)
}
/// `kprobe_prog_func_proto()`.
pub fn kprobe_prog_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    bpf_base_func_proto(func_id, prog, caps)
}
/// `tp_prog_func_proto()`.
pub fn tp_prog_func_proto(func_id: i32, prog: &BpfProg, caps: BpfCaps) -> Option<&'static BpfFuncProto> {
    bpf_base_func_proto(func_id, prog, caps)
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

    /// Mirrors `kernel/bpf/verifier.c:check_helper_call()`.
    pub fn check_helper_call(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let func_id = insn.imm;
        if self.helper_proto(func_id).is_none() {
            let name = crate::disasm::func_id_name(func_id).unwrap_or_else(|| "unknown".to_string());
            verbose!(self, "invalid func {}#{}\n", name, func_id);
            return Err(EINVAL);
        }
        verbose!(self, "helper calls are not supported by this verifier yet\n");
        Err(EINVAL)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_func_call()`. Not built yet.
    pub fn check_func_call(&mut self, _insn: &BpfInsn) -> Result<(), Errno> {
        verbose!(self, "bpf-to-bpf calls are not supported by this verifier yet\n");
        Err(EINVAL)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_kfunc_call()`: kfuncs need the
    /// kernel's BTF, which this model does not carry.
    pub fn check_kfunc_call(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        verbose!(self, "kernel btf_id {} is not a function\n", insn.imm);
        Err(EINVAL)
    }

    /// Mirrors `kernel/bpf/verifier.c:prepare_func_exit()`.
    pub fn prepare_func_exit(&mut self) -> Result<(), Errno> {
        verbose!(self, "verifier bug: bpf-to-bpf return without a call\n");
        Err(EFAULT)
    }
}

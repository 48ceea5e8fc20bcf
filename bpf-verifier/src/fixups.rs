//! The rewrites after verification, from `kernel/bpf/verifier.c` (v6.18):
//! dead code, context accesses, helper calls and the rest of
//! `do_misc_fixups`, bpf-to-bpf call arguments, and `ld_imm64` of maps.

use crate::env::{verbose, BpfVerifierEnv};
use bpf_core::errno::*;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// Mirrors `net/core/filter.c:bpf_convert_ctx_access()`. Not built yet.
pub fn bpf_convert_ctx_access(
    _write: bool,
    _si: &BpfInsn,
    _prog: &BpfProg,
    _target_size: &mut u32,
) -> Vec<BpfInsn> {
    Vec::new()
}

/// Mirrors `net/core/filter.c:xdp_convert_ctx_access()`. Not built yet.
pub fn xdp_convert_ctx_access(
    _write: bool,
    _si: &BpfInsn,
    _prog: &BpfProg,
    _target_size: &mut u32,
) -> Vec<BpfInsn> {
    Vec::new()
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:convert_ctx_accesses()`. Not built
    /// yet: a program that reads its context is refused rather than run
    /// with unconverted offsets.
    pub fn convert_ctx_accesses(&mut self) -> Result<(), Errno> {
        let any = self.insn_aux_data.iter().any(|a| a.ptr_type == crate::state::PTR_TO_CTX);
        if any && self.ops.convert_ctx_access.is_some() {
            verbose!(self, "context access rewrite is not supported by this verifier yet\n");
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:convert_pseudo_ld_imm64()`: after a
    /// successful load the map fd marker goes away.
    pub fn convert_pseudo_ld_imm64(&mut self) {
        for insn in self.prog.insnsi.iter_mut() {
            if insn.is_ld_imm64() && insn.src_reg() != BPF_PSEUDO_FUNC {
                insn.set_src_reg(0);
            }
        }
    }
}

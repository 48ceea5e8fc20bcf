//! # bpf-jit-x86
//!
//! Mirrors `arch/x86/net/bpf_jit_comp.c` of Linux v6.18: `bpf_int_jit_compile`
//! turns a verified program into x86-64 machine code.
//!
//! Not built yet (its issue comes later): [`BpfJitX86`] is the hook the
//! `Kernel` is built with, and it declines every program, so
//! `bpf_prog_select_runtime` falls back to the interpreter exactly as a
//! kernel whose JIT declines a program does.

#![warn(missing_docs)]

use bpf_core::prog::BpfProg;
use bpf_core::runtime::BpfJit;

/// The x86-64 JIT, as `bpf_core::runtime` reaches it.
#[derive(Clone, Copy, Debug, Default)]
pub struct BpfJitX86;

impl BpfJit for BpfJitX86 {
    /// Mirrors `arch/x86/net/bpf_jit_comp.c:bpf_int_jit_compile()` (v6.18).
    ///
    /// A program the JIT was not requested for (`bpf_jit_enable` = 0) is
    /// returned as it came, as the kernel's does first thing. The code
    /// generator is not built yet, so every other program is declined too:
    /// returned unchanged, with `jited` still false.
    fn bpf_int_jit_compile(&self, prog: Box<BpfProg>) -> Box<BpfProg> {
        if !prog.jit_requested {
            return prog;
        }
        prog
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size};
    use bpf_core::uapi::BpfInsn;

    #[test]
    fn declines_every_program() {
        let mut p = bpf_prog_alloc(bpf_prog_size(2), 1, true, false);
        p.set_insns(vec![BpfInsn::mov64_imm(0, 1), BpfInsn::exit()]);
        let p = BpfJitX86.bpf_int_jit_compile(p);
        assert!(!p.jited);
        assert_eq!(p.jited_len, 0);
        assert!(!BpfJitX86.bpf_jit_needs_zext());
    }
}

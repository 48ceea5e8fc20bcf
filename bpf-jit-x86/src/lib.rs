//! # bpf-jit-x86
//!
//! Mirrors `arch/x86/net/bpf_jit_comp.c` of Linux v6.18: `bpf_int_jit_compile`
//! turns a verified program into x86-64 machine code.
//!
//! Not built yet (its issue comes later): this crate is a documented
//! skeleton. Until it exists, `bpf_prog_select_runtime` falls back to the
//! interpreter, exactly as a kernel whose JIT declines a program does.

#![warn(missing_docs)]

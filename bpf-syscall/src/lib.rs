//! # bpf-syscall
//!
//! Mirrors `kernel/bpf/syscall.c` of Linux v6.18: `__sys_bpf` and the
//! commands behind it, with `bpf_prog_load` wiring the load sequence of
//! `LOAD_SEQUENCE.md` in the kernel's order, and the `Kernel` value that
//! owns what the kernel keeps in globals.
//!
//! Not built yet (its issue comes later): this crate is a documented
//! skeleton.

#![warn(missing_docs)]

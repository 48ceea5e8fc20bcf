//! # bpf-core
//!
//! Mirrors `kernel/bpf/core.c` of Linux v6.18 and what the other crates
//! share with it: uapi `linux/bpf.h` and `bpf_common.h` ([`uapi`]), the
//! `include/linux/bpf_types.h` list ([`types`], [`bpf_types!`]), the program
//! object with its allocation and tag ([`prog`]), maps ([`maps`]), and
//! `kernel/bpf/disasm.c`.
//!
//! Everything here is plain data and pure functions: no global mutable
//! state. What the kernel keeps in globals lives in the `Kernel` value of
//! `bpf-syscall`.

#![warn(missing_docs)]

pub mod asm;
pub mod ctx;
pub mod disasm;
pub mod errno;
pub mod helpers;
pub mod maps;
pub mod prog;
pub mod run_ctx;
pub mod sha256;
pub mod types;
pub mod uaccess;
pub mod uapi;

pub use errno::Errno;

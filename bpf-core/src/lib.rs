//! # bpf-core
//!
//! Mirrors `kernel/bpf/core.c` of Linux v6.18 and what the other crates
//! share with it: uapi `linux/bpf.h` and `bpf_common.h` ([`uapi`]), the
//! `include/linux/bpf_types.h` list ([`types`], [`bpf_types!`]), the program
//! object with its allocation and tag ([`prog`]), maps ([`maps`]), and
//! `kernel/bpf/disasm.c` ([`disasm`]).
//!
//! Programs are written as text: [`disasm::print_bpf_insn`] prints an
//! instruction exactly as the verifier log and `bpftool prog dump xlated`
//! do, and [`asm::asm`] reads the same text back (labels, comments and map
//! references allowed), so tests, examples and users write
//!
//! ```
//! use bpf_core::asm::asm;
//! use bpf_core::disasm::{dump_xlated, AsmCbs};
//!
//! let insns = asm("
//!     r1 = map[fd:0]          # BPF_PSEUDO_MAP_FD, imm 0
//!     r0 = 0
//! loop:
//!     r0 += 1
//!     if r0 < 0xa goto loop
//!     exit
//! ").unwrap();
//! assert_eq!(
//!     dump_xlated(&AsmCbs, &insns),
//!     concat!(
//!         "   0: (18) r1 = map[fd:0]\n",
//!         "   2: (b7) r0 = 0\n",
//!         "   3: (07) r0 += 1\n",
//!         "   4: (a5) if r0 < 0xa goto pc-2\n",
//!         "   5: (95) exit\n",
//!     )
//! );
//! assert_eq!(asm(&dump_xlated(&AsmCbs, &insns)).unwrap(), insns);
//! ```
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
pub mod runtime;
pub mod sha256;
pub mod trace;
pub mod types;
pub mod uaccess;
pub mod uapi;

pub use errno::Errno;

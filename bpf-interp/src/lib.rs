//! # bpf-interp
//!
//! Mirrors the interpreter of `kernel/bpf/core.c` of Linux v6.18:
//! `___bpf_prog_run` and the `interpreters[]` table chosen by stack depth.
//!
//! Not built yet (its issue comes later): this crate is a documented
//! skeleton.

#![warn(missing_docs)]

//! # bpf-verifier
//!
//! Mirrors `kernel/bpf/verifier.c` of Linux v6.18, with `kernel/bpf/tnum.c`
//! and `kernel/bpf/log.c`: `bpf_check()` walks every path of a program,
//! proves each memory access, helper call and jump safe, and rewrites the
//! program for the runtime. See `ARCHITECTURE.md` for the phases in order.
//!
//! Not built yet (its issue comes later): this crate is a documented
//! skeleton.

#![warn(missing_docs)]

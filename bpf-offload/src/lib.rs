//! # bpf-offload
//!
//! Mirrors `kernel/bpf/offload.c` of Linux v6.18 (`bpf_prog_dev_bound_init`,
//! `bpf_prog_offload_compile`, the offload verifier hooks) and a simulated
//! device in the spirit of netdevsim.
//!
//! Not built yet (its issue comes later): this crate is a documented
//! skeleton.

#![warn(missing_docs)]

//! # bpftool (library)
//!
//! The engines behind the `bpftool` commands, callable from `cargo xtask`
//! and tests:
//!
//! - [`batch`]: `bpftool batch`, JSON-lines cases through a `bpf()` (the
//!   project's, or the host kernel's), one JSON line out per case, in the
//!   format of `kernel_oracle.py`.
//! - [`host`]: the running kernel's `bpf()` through the system call.
//! - [`project`]: the project's `bpf()` (`bpf-syscall`'s `Kernel` and a root `Task`).

#![warn(missing_docs)]

pub mod batch;
pub mod host;
pub mod project;

//! `kernel_oracle.py`: where it is, and how to run it.
//!
//! The oracle (in `../shared/tools`, never copied into the repository) loads
//! JSON-lines cases into the running kernel and prints one JSON line per
//! case. The corpus recorder uses it to write the kernel's expectations;
//! `kernel-diff` has its own `bpf()` client. The lookups and the runner are
//! the `kernel-oracle` crate's, shared with the other crates' tests.

pub use kernel_oracle::{env_line, find_oracle, oracle_env, run_oracle, run_oracle_with, shared_dirs};

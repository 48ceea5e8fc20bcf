//! The library half of `cargo xtask`: what the commands and the workspace
//! tests share.
//!
//! - [`conformance`]: the `.data` parser, the uBPF-dialect assembler and the
//!   runner of the public conformance suite on the interpreter.
//! - [`corpus`]: the verifier corpus (`bpf-verifier/tests/corpus/*.bpft`):
//!   parser, converter to the oracle's JSON-lines case format, recorder.
//! - [`outcome`]: one load's verdict, errno, error line, statistics and log,
//!   as recorded in the corpus and as compared by the corpus test.
//! - [`oracle`]: finding and running `kernel_oracle.py`.
//! - [`kernel_diff`] and [`gen`]: `cargo xtask kernel-diff` and its random
//!   program generator.
//! - [`bench`]: `cargo xtask bench`, the benchmark report (the project
//!   beside the running kernel and rbpf).

#![warn(missing_docs)]

pub mod bench;
pub mod conformance;
pub mod corpus;
pub mod gen;
pub mod kernel_diff;
pub mod oracle;
pub mod outcome;

use std::path::{Path, PathBuf};

/// The repository root (the parent of this crate's manifest directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repository").to_path_buf()
}

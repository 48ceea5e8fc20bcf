//! The library half of `cargo xtask`: what the commands and the workspace
//! tests share.
//!
//! - [`conformance`]: the `.data` parser, the uBPF-dialect assembler and the
//!   runner of the public conformance suite on the interpreter.

#![warn(missing_docs)]

pub mod conformance;

use std::path::{Path, PathBuf};

/// The repository root (the parent of this crate's manifest directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repository").to_path_buf()
}

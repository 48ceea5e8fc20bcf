//! Running the built `bpftool` as a user runs it, from the repository root.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("bpftool lives in the repository").to_path_buf()
}

/// Runs `bpftool ARGS` in the repository root.
pub fn bpftool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bpftool")).args(args).current_dir(root()).output().expect("run bpftool")
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

//! `cargo xtask`: the project's own commands.
//!
//! - `cargo xtask test`: every check CI runs, in order: `cargo fmt --check`,
//!   `cargo clippy --workspace --all-targets -- -D warnings`, `cargo test
//!   --workspace`, then the suites later issues add.
//!
//! Each step prints what it runs; the first failure stops the run with a
//! non-zero exit.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    let result = match cmd {
        "test" => test(rest),
        "corpus" => xtask::corpus::cmd_corpus(rest),
        "kernel-diff" => xtask::kernel_diff::cmd_kernel_diff(rest),
        "help" | "-h" | "--help" => {
            print_help();
            Ok(())
        }
        other => Err(format!("unknown command `{other}` (try `cargo xtask help`)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <command>\n\n\
         commands:\n  \
         test    fmt --check, clippy -D warnings, cargo test --workspace, and every suite\n  \
         corpus  [--dir DIR] [--section S] [--emit] [--record]: the verifier corpus (summary,\n          \
         JSON lines, or re-record from the live kernel; UPDATE_EXPECT=1 also records)\n  \
         kernel-diff  [--corpus DIR] [--seed N --count N] [--only verifier|conformance|random]\n          \
         [--no-kernel] [--record] [--show N]: the project's bpf() beside the kernel's, per corpus\n  \
         help    this text"
    );
}

/// The repository root (the parent of this crate's manifest directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repository").to_path_buf()
}

/// Runs `cargo <args>` at the repository root and fails on a non-zero exit.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("==> cargo {}", args.join(" "));
    let start = Instant::now();
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(repo_root())
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    println!("    ({:.1}s)", start.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn test(rest: &[String]) -> Result<(), String> {
    if let Some(a) = rest.first() {
        return Err(format!("`test` takes no arguments, got `{a}`"));
    }
    let start = Instant::now();
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    cargo(&["test", "--workspace"])?;
    println!("xtask test: all passed in {:.1}s", start.elapsed().as_secs_f64());
    Ok(())
}

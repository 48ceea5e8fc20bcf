//! `cargo xtask`: the project's own commands.
//!
//! - `cargo xtask test`: every check CI runs, in order: `cargo fmt --check`,
//!   `cargo clippy --workspace --all-targets -- -D warnings`, `cargo test
//!   --workspace`, then the conformance suite on the interpreter (both memory
//!   modes) with its summary line.
//! - `cargo xtask conformance [--engine interp|jit] [--mode checked|fast]
//!   [DIR]`: the public conformance suite; one line per failing file, then
//!   `N passed, M failed`.
//! - `cargo xtask bench`: the benchmark report (release build): the
//!   project's interpreter, JIT, verifier and load beside the running
//!   kernel's and rbpf's (`xtask::bench`); `--interp` runs bpf-interp's
//!   per-instruction micro-benchmark instead.
//! - `cargo xtask corpus`: the verifier corpus (summary, `--emit` JSON
//!   lines, `--record` from the live kernel).
//! - `cargo xtask kernel-diff`: the project's `bpf()` beside the running
//!   kernel's on the verifier corpus, the conformance programs and random
//!   programs; agreement tables.
//! - `cargo xtask soundness`: long fuzzing sessions of the soundness check
//!   (`xtask::soundness`): generated programs the verifier accepts run in
//!   the interpreter's checked mode.
//!
//! Each step prints what it runs; the first failure stops the run with a
//! non-zero exit.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;
use xtask::conformance::{run_suite, suite_dir, MemMode};
use xtask::repo_root;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    // `cargo xtask CMD --help` shows the same text as `cargo xtask help`.
    if rest.iter().any(|a| a == "--help" || a == "-h") {
        print_help();
        return ExitCode::SUCCESS;
    }
    let result = match cmd {
        "test" => test(rest),
        "conformance" => conformance(rest),
        "bench" => bench(rest),
        "corpus" => xtask::corpus::cmd_corpus(rest),
        "kernel-diff" => xtask::kernel_diff::cmd_kernel_diff(rest),
        "soundness" => xtask::soundness::cmd::cmd_soundness(rest),
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
         test         fmt --check, clippy -D warnings, cargo test --workspace, and every suite\n  \
         conformance  [--engine interp|jit] [--mode checked|fast] [DIR]: the conformance suite\n               \
         (DIR defaults to $BPF_CONFORMANCE_DIR, else ../shared/conformance)\n  \
         bench        [--rounds N] [--batch-ms N] [--only NAME] [--no-kernel]: the benchmark report,\n               \
         ours beside the running kernel and rbpf (release build; target/bench/report.json)\n               \
         --interp [FILTER]: bpf-interp's ns-per-instruction micro-benchmark instead\n  \
         corpus       [--dir DIR] [--section S] [--emit] [--record]: the verifier corpus (summary,\n               \
         JSON lines, or re-record from the live kernel; UPDATE_EXPECT=1 also records)\n  \
         kernel-diff  [--corpus DIR] [--seed N --count N] [--only verifier|conformance|random]\n               \
         [--no-kernel] [--record] [--show N]: the project's bpf() beside the kernel's, per corpus\n  \
         soundness    [--cases N] [--seed S] [--threads N] [--runs N] [--reasons] [--suites] [--release]:\n               \
         verified programs run in the interpreter's checked mode (generator; --suites: the corpora too)\n  \
         help         this text"
    );
}

/// Runs `cargo <args>` at the repository root and fails on a non-zero exit.
fn cargo(args: &[&str]) -> Result<(), String> {
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
    for mode in [MemMode::Checked, MemMode::Fast] {
        println!("==> conformance suite, interpreter, {mode} mode");
        run_conformance(None, mode)?;
    }
    println!("xtask test: all passed in {:.1}s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Runs the suite and prints its report; absent suite: says so, succeeds.
fn run_conformance(dir: Option<PathBuf>, mode: MemMode) -> Result<(), String> {
    let dir = match dir.map(Ok).unwrap_or_else(suite_dir) {
        Ok(d) if d.is_dir() => d,
        Ok(d) => return Err(format!("conformance: {} is not a directory", d.display())),
        Err(why) => {
            println!("conformance: the suite is absent ({why}, or pass DIR); skipped");
            return Ok(());
        }
    };
    let report = run_suite(&dir, mode)?;
    print!("{}", report.render());
    if report.ok() {
        Ok(())
    } else {
        Err(format!("conformance failures ({mode} mode, {})", dir.display()))
    }
}

fn conformance(rest: &[String]) -> Result<(), String> {
    let mut engine = "interp".to_string();
    let mut mode = MemMode::Checked;
    let mut dir = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--engine" => engine = it.next().ok_or("--engine needs a value")?.clone(),
            "--mode" => {
                mode = match it.next().map(String::as_str) {
                    Some("checked") => MemMode::Checked,
                    Some("fast") => MemMode::Fast,
                    other => return Err(format!("--mode checked|fast, got {other:?}")),
                }
            }
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`")),
            s => dir = Some(PathBuf::from(s)),
        }
    }
    match engine.as_str() {
        "interp" => run_conformance(dir, mode),
        "jit" => Err("the JIT engine is not built yet (bpf-jit-x86 declines every program)".into()),
        other => Err(format!("--engine interp|jit, got `{other}`")),
    }
}

fn bench(rest: &[String]) -> Result<(), String> {
    let mut args = match rest.first().map(String::as_str) {
        Some("--interp") => vec!["bench", "-p", "bpf-interp", "--bench", "interp", "--"],
        _ => vec!["bench", "-p", "xtask", "--bench", "report", "--"],
    };
    args.extend(rest.iter().map(String::as_str).filter(|a| *a != "--interp"));
    cargo(&args)
}

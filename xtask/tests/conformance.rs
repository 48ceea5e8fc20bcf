//! The public conformance suite on the interpreter, in both memory modes.
//!
//! Reads the suite from `BPF_CONFORMANCE_DIR` or `../shared/conformance`
//! beside the repository. Where it is absent the test says so and skips:
//! the suite is not part of the repository, and bpf-interp's own ISA tests
//! cover every instruction form without it.

use std::io::Write;
use xtask::conformance::{run_suite, suite_dir, MemMode};

/// Writes past libtest's output capture, so the outcome shows in a plain
/// `cargo test` run.
fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

#[test]
fn conformance_suite() {
    let dir = match suite_dir() {
        Ok(dir) => dir,
        Err(why) => {
            say(&format!(
                "conformance: SKIPPED, the suite is absent ({why}); \
                 bpf-interp's ISA tests still cover every instruction form"
            ));
            return;
        }
    };
    for mode in [MemMode::Checked, MemMode::Fast] {
        let report = run_suite(&dir, mode).expect("suite directory readable");
        assert!(!report.tests.is_empty(), "no .data files in {}", dir.display());
        assert!(report.ok(), "conformance failures in {mode} mode:\n{}", report.render());
        say(&format!(
            "conformance ({mode} mode): {} of {} tests pass, {} of {} negative tests refused",
            report.passed(),
            report.tests.len(),
            report.refused(),
            report.negatives.len()
        ));
    }
}

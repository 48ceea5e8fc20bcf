//! Soundness of the verifier, checked by running what it accepts: every
//! program `bpf_prog_load` accepts is run, as the verifier left it (the
//! xlated program), in the interpreter's checked mode
//! ([`bpf_interp::run_checked`]), which validates every load, store,
//! jump, call and helper argument against the memory the run may touch.
//! An accepted program that makes an invalid access is a verifier
//! soundness bug (or a false alarm of the checker).
//!
//! - [`case`]: the programs ([`SoundCase`]), read from the oracle's
//!   JSON-lines format (the verifier corpus, `xtask::gen`'s programs).
//! - [`inputs`]: what a run starts from ([`Inputs`]): the case's own
//!   test-run inputs and random ones (packet length and contents within
//!   test-run's limits, context fields, map contents including empty maps
//!   and missing keys, the CPU).
//! - [`run`]: the load through the project's `bpf()` and the checked runs
//!   ([`check_case`]), with a report of the first fault ([`Fault`]: the
//!   instruction, its disassembly, the inputs, the verifier's log).
//! - [`suite`]: many cases on a few threads, and the summary
//!   ([`SuiteReport`]).
//! - [`known`]: the verifier bugs found and not fixed yet, each with a
//!   minimal program and a one-line reason ([`KNOWN_BUGS`]); a fault one
//!   of them explains does not fail a suite, an unexplained one does.
//! - [`progs`]: a proptest generator of structured programs biased toward
//!   the verifier's edges, and [`progs::fuzz`], which checks them
//!   (`cargo xtask soundness`, and a few thousand in `cargo xtask test`).
//!
//! The suites that use it are `xtask/tests/soundness.rs` (the corpus, the
//! kernel-diff random programs, the generator, the known verifier bugs)
//! and `cargo xtask soundness` for long fuzzing sessions.

pub mod case;
pub mod cmd;
pub mod inputs;
pub mod known;
pub mod progs;
pub mod run;
pub mod suite;

pub use case::{SoundCase, SoundMap};
pub use inputs::{CtxKind, Inputs};
pub use known::{known_bug_of, KnownBug, FIXED_BUGS, KNOWN_BUGS};
pub use run::{check_case, CaseReport, CheckOpts, Fault, FaultKind, Verdict};
pub use suite::{check_suite, SuiteReport};

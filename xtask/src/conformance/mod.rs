//! The conformance runner: the public eBPF conformance suite
//! (`../shared/conformance/*.data`, from bpf_conformance) on the
//! interpreter.
//!
//! Each test is a program (uBPF assembler or raw words), input memory and
//! the expected r0. The programs run without the verifier, as the suite's
//! own runners do: r1 points to the memory, r2 holds its length, r10 tops a
//! 512-byte stack, helper id 5 returns its first argument. The checked mode
//! runs them directly; the fast mode runs a program only after the checked
//! mode ran it without fault (the fast mode trusts what it runs).
//!
//! The `negative/` files are programs a loader must refuse. A file counts as
//! refused when it does not parse, does not assemble, fails the static
//! checks of [`bpf_interp::validate::check_insns`] (the verifier's
//! structural and reserved-field checks), faults in a checked run, or
//! returns another value than the one it claims. Like the kernel, the
//! static checks do not look at the `off` field of `exit`
//! (`kernel_oracle.py` on Linux 6.18: `mov r0, 0; exit` with `off = 1`
//! loads); `negative/unused-exit-offset.data` is refused all the same,
//! because its `exit` reads r0 before anything wrote it (the kernel refuses
//! the file too, as "unreachable insn 1").

pub mod asm;
pub mod data;

use bpf_core::uapi::BpfInsn;
use bpf_interp::{
    run_checked, run_fast, validate, HelperArg, HelperCalls, HelperDesc, HelperRet, InsnSet, RunConfig,
};
use std::fmt;
use std::path::{Path, PathBuf};

/// Which memory mode runs the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemMode {
    /// `run_checked`.
    Checked,
    /// `run_fast`, after a clean checked run.
    Fast,
}

impl fmt::Display for MemMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemMode::Checked => "checked",
            MemMode::Fast => "fast",
        })
    }
}

/// The suite's helper 5: returns its first argument.
extern "C" fn helper_5(r1: u64, _r2: u64, _r3: u64, _r4: u64, _r5: u64) -> u64 {
    r1
}

/// The helpers the suite assumes.
pub static SUITE_HELPERS: [HelperDesc; 1] = [HelperDesc {
    id: 5,
    name: "conformance_helper_5",
    func: helper_5,
    args: [HelperArg::Anything, HelperArg::Unused, HelperArg::Unused, HelperArg::Unused, HelperArg::Unused],
    ret: HelperRet::Integer,
}];

/// Where the suite is: `$BPF_CONFORMANCE_DIR`, else `shared/conformance`
/// beside the repository (or the main checkout); `Err` says where it looked.
pub fn suite_dir() -> Result<PathBuf, String> {
    kernel_oracle::conformance_dir()
}

/// The program of a test: `-- raw` if present (checked against `-- asm`
/// when both are given), else the assembled `-- asm`.
pub fn program(file: &data::TestFile) -> Result<Vec<BpfInsn>, String> {
    let from_asm =
        file.asm.as_deref().map(asm::assemble).transpose().map_err(|e| format!("assembler: {e}"))?;
    match (&file.raw, from_asm) {
        (Some(raw), asm) => {
            let insns: Vec<BpfInsn> = raw.iter().map(|&w| BpfInsn::from_u64(w)).collect();
            if let Some(a) = asm {
                if a != insns {
                    return Err("-- asm and -- raw disagree".into());
                }
            }
            Ok(insns)
        }
        (None, Some(a)) => Ok(a),
        (None, None) => Err("no program (neither -- asm nor -- raw)".into()),
    }
}

/// Runs `insns` on a copy of `mem` in `mode`.
pub fn run_program(insns: &[BpfInsn], mem: &[u8], mode: MemMode) -> Result<u64, String> {
    let mut mem = mem.to_vec();
    let checked = {
        let cfg = RunConfig::new().with_mem(&mut mem).with_helpers(HelperCalls::ById(&SUITE_HELPERS));
        run_checked(insns, &cfg).map_err(|e| format!("checked mode: {e}"))?
    };
    match mode {
        MemMode::Checked => Ok(checked),
        MemMode::Fast => {
            let mut mem = mem.to_vec();
            let cfg = RunConfig::new().with_mem(&mut mem).with_helpers(HelperCalls::ById(&SUITE_HELPERS));
            // SAFETY: the checked mode just ran the same program on the
            // same input to its exit without a fault: every access it made
            // was inside `mem` or the stack, every jump inside the program.
            // The program is deterministic (helper 5 is pure), so the fast
            // run takes the same path.
            unsafe { run_fast(insns, &cfg) }.map_err(|e| format!("fast mode: {e}"))
        }
    }
}

/// Runs one positive test file. `Ok` is a pass.
pub fn run_test(text: &str, mode: MemMode) -> Result<(), String> {
    let file = data::parse_data(text)?;
    let insns = program(&file)?;
    if file.error.is_some() {
        return match refusal(&file) {
            Some(_) => Ok(()),
            None => Err("expected an error, but the program ran".into()),
        };
    }
    let want = file.result.ok_or("no -- result")?;
    let got = run_program(&insns, &file.mem, mode)?;
    if got == want {
        Ok(())
    } else {
        Err(format!("r0 = {got:#x}, expected {want:#x}"))
    }
}

/// Why a test file is refused (for negative tests), or `None` if it loads
/// and returns what it claims.
pub fn refusal(file: &data::TestFile) -> Option<String> {
    let insns = match program(file) {
        Ok(p) => p,
        Err(e) => return Some(e),
    };
    if let Err(e) = validate::check_insns(&insns, InsnSet::Uapi, true) {
        return Some(format!("static checks: {e}"));
    }
    match run_program(&insns, &file.mem, MemMode::Checked) {
        Err(e) => Some(e),
        Ok(r0) if file.error.is_none() && file.result != Some(r0) => {
            Some(format!("returns {r0:#x}, not the claimed {:?}", file.result))
        }
        Ok(_) => None,
    }
}

/// The outcome of one file.
#[derive(Debug)]
pub struct FileResult {
    /// File name (`add.data`, `negative/error.data`).
    pub name: String,
    /// `Ok` = passed (positive) or refused (negative).
    pub outcome: Result<(), String>,
}

/// What a suite run found.
#[derive(Debug, Default)]
pub struct SuiteReport {
    /// The positive tests, in file name order.
    pub tests: Vec<FileResult>,
    /// The negative tests: `Ok(reason)` when refused, `Err` when loaded.
    pub negatives: Vec<(String, Result<String, String>)>,
}

impl SuiteReport {
    /// Positive tests passed.
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.outcome.is_ok()).count()
    }
    /// Positive tests failed.
    pub fn failed(&self) -> usize {
        self.tests.len() - self.passed()
    }
    /// Negative tests refused.
    pub fn refused(&self) -> usize {
        self.negatives.iter().filter(|n| n.1.is_ok()).count()
    }
    /// Everything as expected: every positive test passes, every negative
    /// one is refused.
    pub fn ok(&self) -> bool {
        self.failed() == 0 && self.refused() == self.negatives.len()
    }

    /// The report as `cargo xtask conformance` prints it: one line per
    /// failing file, the negative count, then `N passed, M failed`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for t in &self.tests {
            if let Err(e) = &t.outcome {
                s += &format!("FAIL {}: {e}\n", t.name);
            }
        }
        for (name, r) in &self.negatives {
            if let Err(e) = r {
                s += &format!("FAIL {name}: not refused ({e})\n");
            }
        }
        if !self.negatives.is_empty() {
            s += &format!("negative: {} of {} refused\n", self.refused(), self.negatives.len());
        }
        s += &format!("{} passed, {} failed\n", self.passed(), self.failed());
        s
    }
}

fn data_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "data") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Runs every `*.data` file of `dir`, and of `dir/negative` if present.
pub fn run_suite(dir: &Path, mode: MemMode) -> Result<SuiteReport, String> {
    let mut report = SuiteReport::default();
    for path in data_files(dir)? {
        let outcome = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| run_test(&text, mode));
        report.tests.push(FileResult { name: file_name(&path), outcome });
    }
    let neg = dir.join("negative");
    if neg.is_dir() {
        for path in data_files(&neg)? {
            let name = format!("negative/{}", file_name(&path));
            let verdict = match std::fs::read_to_string(&path) {
                Err(e) => Ok(format!("unreadable: {e}")),
                Ok(text) => match data::parse_data(&text) {
                    Err(e) => Ok(format!("parse: {e}")),
                    Ok(file) => refusal(&file).ok_or_else(|| {
                        format!(
                            "ran to completion, r0 as claimed ({:?})",
                            file.result.map(|r| format!("{r:#x}"))
                        )
                    }),
                },
            };
            report.negatives.push((name, verdict));
        }
    }
    Ok(report)
}

//! Issue 5's soundness check: every program the project's verifier
//! accepts runs, as `bpf_prog_load` left it, in the interpreter's checked
//! mode without an invalid access (`xtask::soundness`).
//!
//! - the verifier corpus (`bpf-verifier/tests/corpus`; the cases the
//!   kernel needed more than 200k instructions for only with
//!   `CORPUS_FULL=1`) and the 300 random programs of `cargo xtask
//!   kernel-diff` (seed 1), each on its own inputs and on random ones;
//! - the structured program generator (`xtask::soundness::progs`);
//! - the known verifier bugs (`xtask::soundness::known`): each is printed
//!   and must still reproduce (the list only shrinks).
//!
//! A fault no known bug explains fails the test with the case, the
//! faulting instruction and its disassembly, the inputs and the verifier's
//! log.

use xtask::corpus::default_dir;
use xtask::kernel_diff::{is_heavy, random_corpus, verifier_corpus, DiffCorpus};
use xtask::soundness::progs::{fuzz, FuzzOpts};
use xtask::soundness::{check_suite, CheckOpts, SoundCase, FIXED_BUGS, KNOWN_BUGS};

fn cases_of(corpus: &DiffCorpus) -> Vec<SoundCase> {
    corpus
        .cases
        .iter()
        .map(|k| SoundCase::from_json(&k.json).unwrap_or_else(|e| panic!("{}: {e}", k.name())))
        .collect()
}

#[test]
fn verifier_corpus_runs_clean() {
    let mut corpus = verifier_corpus(&default_dir()).expect("corpus");
    if std::env::var_os("CORPUS_FULL").is_none() {
        let heavy: Vec<String> = corpus.cases.iter().filter(|k| is_heavy(k)).map(|k| k.name()).collect();
        corpus.cases.retain(|k| !is_heavy(k));
        println!("soundness: heavy corpus cases left to CORPUS_FULL=1: {}", heavy.join(", "));
    }
    let report = check_suite("verifier corpus", &cases_of(&corpus), &CheckOpts::default(), 2);
    println!("{}", report.render());
    assert!(report.cases >= 300 && report.accepted >= 150, "too few cases ran: {}", report.render());
    assert!(report.ok(), "{}", report.render());
}

#[test]
fn kernel_diff_random_programs_run_clean() {
    let corpus = random_corpus(1, 300);
    let report =
        check_suite("kernel-diff random programs (seed 1)", &cases_of(&corpus), &CheckOpts::default(), 2);
    println!("{}", report.render());
    assert!(report.accepted >= 100, "too few accepted: {}", report.render());
    assert!(report.ok(), "{}", report.render());
}

#[test]
fn known_verifier_bugs_still_reproduce() {
    println!("known verifier soundness bugs: {}", KNOWN_BUGS.len());
    let mut fixed = Vec::new();
    for b in KNOWN_BUGS {
        println!("- {}: {}", b.id, b.reason);
        match b.reproduce() {
            Ok(f) => {
                println!("  reproduces: {}", f.kind);
                if let Some(i) = f.insn {
                    println!("  at xlated insn {i}: {}", f.insn_text);
                }
                assert!(
                    (b.signature)(&b.case(), &f),
                    "{}: its own program does not match its signature",
                    b.id
                );
            }
            Err(why) => fixed.push(format!("{}: {why}", b.id)),
        }
    }
    assert!(
        fixed.is_empty(),
        "known bugs that no longer reproduce (fixed? remove them from xtask/src/soundness/known.rs): {fixed:?}"
    );
}

/// Programs the generator makes in `cargo xtask test` (`SOUNDNESS_CASES`
/// overrides; `cargo xtask soundness` runs long sessions).
const GENERATED: u32 = 5000;

#[test]
fn generated_programs_run_clean() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let opts = FuzzOpts {
        cases: env("SOUNDNESS_CASES").map_or(GENERATED, |n| n as u32),
        seed: env("SOUNDNESS_SEED").unwrap_or(1),
        ..FuzzOpts::default()
    };
    let report = fuzz(&opts);
    println!("{}", report.render(opts.seed));
    assert!(report.failures.is_empty(), "{}", report.render(opts.seed));
    assert_eq!(report.cases, opts.cases as usize, "every generated program was checked");
    // A generator whose programs are all rejected, or all trivially safe,
    // proves little: keep it near the edges and mostly accepted.
    let rate = report.accepted as f64 / report.cases.max(1) as f64;
    assert!(rate > 0.2, "acceptance fell to {:.1}%", 100.0 * rate);
    assert!(
        report.accepted_at_edge * 4 > report.accepted && report.accepted_var_off * 4 > report.accepted,
        "too few accepted programs reach a limit or use a variable offset"
    );
}

#[test]
fn fixed_verifier_bugs_stay_fixed() {
    for b in FIXED_BUGS {
        match b.reproduce() {
            Err(why) if why.starts_with("accepted and ran clean") => println!("fixed: {} ({why})", b.id),
            Err(why) => panic!("{}: its regression program {why}", b.id),
            Ok(f) => panic!("{} is back: {} at xlated insn {:?}: {}", b.id, f.kind, f.insn, f.insn_text),
        }
    }
}

//! A fixed slice of `cargo xtask kernel-diff`, cheap enough for `cargo
//! xtask test`: the committed kernel recordings still describe the programs
//! the generator makes, and the recorded random programs (seed 1, 300) go
//! through the project's `bpf()` and are compared with the recording, with
//! issue 5's thresholds (verdict >= 95%, last error line of rejected
//! programs >= 90%) asserted and no load allowed to panic.

use bpftool::batch::{BatchOpts, MAX_LOG_SIZE};
use xtask::kernel_diff::{
    disagreements, panics, random_corpus, run_parallel, table, RECORDED_COUNT, RECORDED_SEED,
};
use xtask::outcome::Outcome;

#[test]
fn random_recording_matches_the_generator() {
    let c = random_corpus(RECORDED_SEED, RECORDED_COUNT);
    let recorded = c.cases.iter().filter(|k| k.recorded.is_some()).count();
    assert_eq!(
        recorded,
        c.cases.len(),
        "the recording of seed {RECORDED_SEED} no longer matches the generator's programs: \
         re-record with `cargo xtask kernel-diff --only random --record`"
    );
    let acc = c.cases.iter().filter(|k| k.recorded.as_ref().unwrap().accepted == Some(true)).count();
    assert!(
        acc > c.cases.len() / 4 && acc < c.cases.len() * 3 / 4,
        "both verdicts are common: {acc} accepted"
    );
    println!(
        "random corpus: {} programs of seed {RECORDED_SEED}, all recorded ({}), {acc} accepted",
        c.cases.len(),
        c.recorded_on.unwrap_or_default()
    );
}

#[test]
fn random_programs_through_the_project() {
    let mut c = random_corpus(RECORDED_SEED, RECORDED_COUNT);
    c.cases.retain(|k| k.recorded.is_some());
    if let Err(e) = bpftool::project::ProjectBpf::new() {
        println!("random programs: {} NOT compared: the project's bpf() is unavailable ({e})", c.cases.len());
        return;
    }
    let opts = BatchOpts { log_size: MAX_LOG_SIZE, ..Default::default() };
    let got: Vec<Option<Outcome>> =
        run_parallel(|| bpftool::project::ProjectBpf::new().expect("available above"), &c.cases, &opts, 2)
            .into_iter()
            .map(Some)
            .collect();
    let reference: Vec<Option<Outcome>> = c.cases.iter().map(|k| k.recorded.clone()).collect();
    let title =
        format!("project vs recorded kernel (random programs, seed {RECORDED_SEED}, {})", c.cases.len());
    let (t, total) = table(&title, &c.cases, &reference, &got);
    let panicked = panics(&c.cases, &got);
    println!("{t}{panicked}{}", disagreements(&c.cases, &reference, &got, 10));
    assert_eq!(total.cases, c.cases.len(), "every program compared");
    assert!(panicked.is_empty(), "{panicked}");
    let (v, e) = (100.0 * total.verdict_ratio(), 100.0 * total.error_line_ratio());
    assert!(
        v >= 95.0 && e >= 90.0,
        "issue 5 thresholds on random programs: verdict {v:.1}% (>= 95%), error line {e:.1}% (>= 90%)"
    );
}

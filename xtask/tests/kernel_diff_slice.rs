//! A small fixed slice of `cargo xtask kernel-diff`, cheap enough for
//! `cargo xtask test`: the committed kernel recordings still describe the
//! programs the generator makes, and the first random programs go through
//! the project's `bpf()` and are compared with the recording.

use xtask::kernel_diff::{random_corpus, run_side, table, RECORDED_COUNT, RECORDED_SEED};
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
fn random_slice_through_the_project() {
    let mut c = random_corpus(RECORDED_SEED, 60);
    c.cases.retain(|k| k.recorded.is_some());
    let mut project = match bpftool::project::ProjectBpf::new() {
        Ok(p) => p,
        Err(e) => {
            println!(
                "random slice: {} programs NOT compared: the project's bpf() is unavailable ({e})",
                c.cases.len()
            );
            return;
        }
    };
    let got: Vec<Option<Outcome>> =
        run_side(&mut project, &c, &Default::default()).into_iter().map(Some).collect();
    let reference: Vec<Option<Outcome>> = c.cases.iter().map(|k| k.recorded.clone()).collect();
    let (t, total) =
        table("project vs recorded kernel (random slice, seed 1, 60 programs)", &c.cases, &reference, &got);
    println!("{t}");
    assert_eq!(total.cases, c.cases.len(), "every program compared");
}

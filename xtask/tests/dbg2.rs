use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
#[test]
fn dbg2() {
    let want = std::env::var("WANT").unwrap_or("non-subprog".into());
    let mut runner =
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7u8; 32]));
    let mut shown = 0;
    for i in 0..3000 {
        let p = xtask::soundness::progs::gen_prog().new_tree(&mut runner).unwrap().current();
        let (text, case) = xtask::soundness::progs::render(&p, &format!("t{i}")).unwrap();
        let o = xtask::soundness::CheckOpts { reasons: true, random_runs: 0, ..Default::default() };
        let r = xtask::soundness::check_case(&case, &o);
        if let Some(l) = &r.error_line {
            if l.contains(&want) && shown < 3 {
                shown += 1;
                println!("==== {:?} {l}\n{text}", p.kind);
            }
        }
    }
}

#[test]
fn dbg() {
    let n: u32 = std::env::var("N").ok().and_then(|s| s.parse().ok()).unwrap_or(500);
    let seed: u64 = std::env::var("SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut o = xtask::soundness::progs::FuzzOpts { cases: n, seed, ..Default::default() };
    o.check.reasons = true;
    let r = xtask::soundness::progs::fuzz(&o);
    println!("{}", r.render(seed));
}

//! The report builder of `cargo xtask bench` on tiny programs: every cell
//! is a number or a reason, wrong results are caught before anything is
//! timed, and the JSON carries the same. Not a benchmark: one round of
//! 1 ms batches, and nothing is asserted about speed.

use std::time::Duration;
use xtask::bench::progs::BenchProg;
use xtask::bench::report::{Cell, Engine};
use xtask::bench::{measure, BenchOpts};

#[test]
fn the_report_builder_fills_every_row_of_tiny_programs() {
    let good = BenchProg::from_text("tiny", "r0 = 42\nexit", 42).unwrap();
    let wrong = BenchProg::from_text("wrong", "r0 = 1\nexit", 2).unwrap();
    let opts = BenchOpts { rounds: 1, batch: Duration::from_millis(1), only: None, no_kernel: false };
    let report = measure(&[good, wrong], &opts, None);
    let (good, wrong) = (&report.rows[0], &report.rows[1]);

    // ours: verified, interpreted; the JIT's cell is a time or says why not
    assert!(matches!(good.run(Engine::Interp), Cell::Val(_)), "{:?}", good.run(Engine::Interp));
    assert!(matches!(good.run(Engine::Jit), Cell::Val(_) | Cell::Why(_)));
    assert_eq!(good.processed.ours, Cell::Val(2.0));
    assert!(matches!(good.load_us.ours, Cell::Val(t) if t > 0.0));
    // rbpf runs it
    assert!(matches!(good.run(Engine::RbpfInterp), Cell::Val(_)));
    assert!(matches!(good.run(Engine::RbpfJit), Cell::Val(_)));
    // the kernel: measured where bpf() works, else every kernel cell says so
    match good.run(Engine::KernelJit) {
        Cell::Val(_) => {
            assert_eq!(good.processed.kernel, Cell::Val(2.0));
            assert!(matches!(good.verify_us.kernel, Cell::Val(_)));
            assert!(matches!(good.peak_bytes.kernel, Cell::Val(_) | Cell::Why(_)));
        }
        Cell::Why(w) => {
            println!("the running kernel's bpf() is refused here: {w}");
            assert!(w.starts_with("bpf() refused"), "{w}");
            assert_eq!(good.load_us.kernel, Cell::Why(w.clone()));
        }
    }
    // no counting allocator in a test binary: said, not guessed
    assert!(matches!(&good.peak_bytes.ours, Cell::Why(w) if w.contains("counting allocator")));

    // a wrong result is a reason on every engine that ran it, never a time
    for e in [Engine::Interp, Engine::RbpfInterp] {
        assert!(matches!(wrong.run(e), Cell::Why(w) if w.contains("returned 0x1, expected 0x2")), "{e:?}");
    }
    assert!(matches!(wrong.run(Engine::RbpfJit), Cell::Why(_)));

    let text = report.render();
    assert!(text.contains("tiny") && text.contains("loadavg"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&report.to_json().to_string()).unwrap();
    assert_eq!(json["programs"][0]["name"], "tiny");
    assert_eq!(json["programs"][0]["processed_insns"]["ours"], 2.0);
    assert!(json["programs"][1]["run_ns"]["interp"]["why"].as_str().unwrap().contains("expected 0x2"));
}

#[test]
fn options_parse_and_refuse_unknown_ones() {
    let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let o = BenchOpts::parse(&args(&["--rounds", "3", "--only", "jhash", "--no-kernel", "--bench"])).unwrap();
    assert_eq!((o.rounds, o.only.as_deref(), o.no_kernel), (3, Some("jhash"), true));
    assert!(BenchOpts::parse(&args(&["--rounds", "0"])).is_err());
    assert!(BenchOpts::parse(&args(&["--fast"])).is_err());
}

//! The report's data, its table and its JSON.
//!
//! Every cell holds a number or the reason there is none ([`Cell`]); the
//! table prints reasons as numbered footnotes, the JSON as `{"why": ..}`.

use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// A measurement, or why it could not be made.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// The value.
    Val(f64),
    /// Why there is none.
    Why(String),
}

impl Cell {
    /// The value, if any.
    pub fn val(&self) -> Option<f64> {
        match self {
            Cell::Val(v) => Some(*v),
            Cell::Why(_) => None,
        }
    }

    /// `self / other`, or why not.
    pub fn ratio(&self, other: &Cell) -> Cell {
        match (self, other) {
            (Cell::Val(a), Cell::Val(b)) if *b > 0.0 => Cell::Val(a / b),
            (Cell::Val(_), Cell::Val(_)) => Cell::Why("the reference is 0 (below its resolution)".into()),
            (Cell::Why(w), _) | (_, Cell::Why(w)) => Cell::Why(w.clone()),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Val(v) if v.is_finite() => json!((v * 1000.0).round() / 1000.0),
            Cell::Val(_) => json!({ "why": "not a finite number" }),
            Cell::Why(w) => json!({ "why": w }),
        }
    }
}

/// The engines of the run-time table, in column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The project's interpreter (`net.core.bpf_jit_enable` = 0).
    Interp,
    /// The project's JIT (`bpf_jit_enable` = 1).
    Jit,
    /// The running kernel's JIT.
    KernelJit,
    /// rbpf's interpreter.
    RbpfInterp,
    /// rbpf's JIT.
    RbpfJit,
}

impl Engine {
    /// Every engine, in column order.
    pub const ALL: [Engine; 5] =
        [Engine::Interp, Engine::Jit, Engine::KernelJit, Engine::RbpfInterp, Engine::RbpfJit];

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Jit => "jit",
            Engine::KernelJit => "kernel-jit",
            Engine::RbpfInterp => "rbpf-interp",
            Engine::RbpfJit => "rbpf-jit",
        }
    }
}

/// The ratios of the run-time table: (name, numerator, denominator).
pub const RUN_RATIOS: [(&str, Engine, Engine); 4] = [
    ("interp/kernel-jit", Engine::Interp, Engine::KernelJit),
    ("jit/kernel-jit", Engine::Jit, Engine::KernelJit),
    ("interp/rbpf-interp", Engine::Interp, Engine::RbpfInterp),
    ("jit/rbpf-jit", Engine::Jit, Engine::RbpfJit),
];

/// A pair of measurements: the project's and the kernel's.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// The project's.
    pub ours: Cell,
    /// The running kernel's.
    pub kernel: Cell,
}

impl Pair {
    /// ours / kernel.
    pub fn ratio(&self) -> Cell {
        self.ours.ratio(&self.kernel)
    }
}

/// One program's row of every table.
#[derive(Clone, Debug)]
pub struct ProgRow {
    /// The program's name.
    pub name: String,
    /// What it does.
    pub what: String,
    /// Its instructions.
    pub insns: usize,
    /// ns per run net of the empty program's, by [`Engine::ALL`].
    pub run_ns: Vec<Cell>,
    /// The empty program's ns per run that was subtracted, by engine.
    pub empty_ns: Vec<Cell>,
    /// `processed N insns` of the verifier log.
    pub processed: Pair,
    /// `peak_states` of the verifier log.
    pub peak_states: Pair,
    /// `verification time N usec` of the verifier log (median).
    pub verify_us: Pair,
    /// `BPF_PROG_LOAD` at log level 0, end to end, in µs (median).
    pub load_us: Pair,
    /// Peak bytes of `bpf_check`: ours measured, the kernel's lower bound.
    pub peak_bytes: Pair,
}

/// Where and how the report was measured.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    /// `uname -r`.
    pub kernel_release: String,
    /// The running kernel's `net.core.bpf_jit_enable`.
    pub kernel_jit_enable: String,
    /// `/proc/cpuinfo`'s model name.
    pub cpu: String,
    /// Online CPUs.
    pub cpus: usize,
    /// `/proc/loadavg` (1, 5, 15 min) before the run.
    pub loadavg_start: String,
    /// `/proc/loadavg` after the run.
    pub loadavg_end: String,
    /// Rounds per measurement (the medians are of these).
    pub rounds: usize,
    /// Target ms per timed batch.
    pub batch_ms: u64,
    /// Seconds the whole run took.
    pub seconds: f64,
}

/// The whole report.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The machine.
    pub machine: Machine,
    /// One row per program.
    pub rows: Vec<ProgRow>,
    /// How the kernel's memory bound was made, or why there is none.
    pub kernel_mem_note: String,
    /// How our peak memory was measured, or why it was not.
    pub ours_mem_note: String,
}

/// Numbered footnotes for reasons, shared by equal texts.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn mark(&mut self, why: &str) -> String {
        let i = match self.0.iter().position(|w| w == why) {
            Some(i) => i,
            None => {
                self.0.push(why.to_string());
                self.0.len() - 1
            }
        };
        format!("[{}]", i + 1)
    }

    fn cell(&mut self, c: &Cell, fmt: fn(f64) -> String) -> String {
        match c {
            Cell::Val(v) => fmt(*v),
            Cell::Why(w) => self.mark(w),
        }
    }
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn ratio(v: f64) -> String {
    format!("{v:.2}x")
}

fn kib(v: f64) -> String {
    format!("{:.0} KiB", v / 1024.0)
}

impl Report {
    /// The largest program (most instructions).
    pub fn largest(&self) -> Option<&ProgRow> {
        self.rows.iter().max_by_key(|r| r.insns)
    }

    /// The report as text: a header, three tables, the memory lines, the
    /// footnotes.
    pub fn render(&self) -> String {
        let m = &self.machine;
        let mut n = Notes::default();
        let mut s = String::new();
        let _ = writeln!(s, "cargo xtask bench: the project beside the running kernel and rbpf");
        let _ = writeln!(
            s,
            "kernel {} (net.core.bpf_jit_enable = {}) on {} ({} CPUs)",
            m.kernel_release, m.kernel_jit_enable, m.cpu, m.cpus
        );
        let _ = writeln!(
            s,
            "loadavg {} at the start, {} at the end (the machine is shared: compare ratios, not absolutes)",
            m.loadavg_start, m.loadavg_end
        );
        let _ = writeln!(
            s,
            "XDP programs on a 1 KiB packet; medians of {} rounds, timed batches of ~{} ms; {:.1} s in all\n",
            m.rounds, m.batch_ms, m.seconds
        );

        let _ = writeln!(s, "run time: ns per program run, net of the empty program's (lower is better)");
        let mut head = format!("  {:<18} {:>6}", "program", "insns");
        for e in Engine::ALL {
            let _ = write!(head, " {:>11}", e.name());
        }
        let _ = writeln!(s, "{head}");
        for r in &self.rows {
            let mut line = format!("  {:<18} {:>6}", r.name, r.insns);
            for c in &r.run_ns {
                let _ = write!(line, " {:>11}", n.cell(c, num));
            }
            let _ = writeln!(s, "{line}");
        }
        let mut line = format!("  {:<25}", "(empty prog, subtracted)");
        for i in 0..Engine::ALL.len() {
            let cells: Vec<&Cell> = self.rows.iter().filter_map(|r| r.empty_ns.get(i)).collect();
            let v: Vec<f64> = cells.iter().filter_map(|c| c.val()).collect();
            let c = match (super::median(&v), cells.first()) {
                (Some(m), _) => Cell::Val(m),
                (None, Some(first)) => (*first).clone(),
                (None, None) => Cell::Why("no programs".into()),
            };
            let _ = write!(line, " {:>11}", n.cell(&c, num));
        }
        let _ = writeln!(s, "{line}");

        let _ = writeln!(
            s,
            "\nrun-time ratios: the project's time / the other's (below 1: the project is faster)"
        );
        let mut head = format!("  {:<18}", "program");
        for (name, _, _) in RUN_RATIOS {
            let _ = write!(head, " {name:>18}");
        }
        let _ = writeln!(s, "{head}");
        let mut meets = (0, 0);
        for r in &self.rows {
            let mut line = format!("  {:<18}", r.name);
            for (_, a, b) in RUN_RATIOS {
                let c = r.run(a).ratio(r.run(b));
                if (a, b) == (Engine::Interp, Engine::RbpfInterp) {
                    if let Some(v) = c.val() {
                        meets = (meets.0 + usize::from(v <= 0.5), meets.1 + 1);
                    }
                }
                let _ = write!(line, " {:>18}", n.cell(&c, ratio));
            }
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(
            s,
            "  interpreter target (at least 2x faster than rbpf's, interp/rbpf-interp <= 0.50): met on {} of {} measured",
            meets.0, meets.1
        );

        let _ = writeln!(
            s,
            "\nverification: the verifier log's statistics (BPF_LOG_STATS), ours beside the kernel's"
        );
        let _ = writeln!(
            s,
            "  {:<18} {:>6} {:>9} {:>9} {:>7}  {:>9} {:>9} {:>7}  {:>8} {:>8} {:>7}",
            "program",
            "insns",
            "processed",
            "kernel",
            "ratio",
            "verify us",
            "kernel",
            "ratio",
            "peak st.",
            "kernel",
            "ratio"
        );
        for r in &self.rows {
            let _ = writeln!(
                s,
                "  {:<18} {:>6} {:>9} {:>9} {:>7}  {:>9} {:>9} {:>7}  {:>8} {:>8} {:>7}",
                r.name,
                r.insns,
                n.cell(&r.processed.ours, num),
                n.cell(&r.processed.kernel, num),
                n.cell(&r.processed.ratio(), ratio),
                n.cell(&r.verify_us.ours, num),
                n.cell(&r.verify_us.kernel, num),
                n.cell(&r.verify_us.ratio(), ratio),
                n.cell(&r.peak_states.ours, num),
                n.cell(&r.peak_states.kernel, num),
                n.cell(&r.peak_states.ratio(), ratio),
            );
        }

        let _ = writeln!(
            s,
            "\nwhole load: BPF_PROG_LOAD at log level 0, end to end, in us (ours through our bpf())"
        );
        let _ =
            writeln!(s, "  {:<18} {:>6} {:>9} {:>9} {:>7}", "program", "insns", "ours", "kernel", "ratio");
        for r in &self.rows {
            let _ = writeln!(
                s,
                "  {:<18} {:>6} {:>9} {:>9} {:>7}",
                r.name,
                r.insns,
                n.cell(&r.load_us.ours, num),
                n.cell(&r.load_us.kernel, num),
                n.cell(&r.load_us.ratio(), ratio)
            );
        }

        let _ =
            writeln!(s, "\npeak memory of verifying (bpf_check): ours measured, the kernel's a lower bound");
        let _ = writeln!(s, "  {:<18} {:>6} {:>10} {:>12}", "program", "insns", "ours", "kernel >=");
        for r in &self.rows {
            let _ = writeln!(
                s,
                "  {:<18} {:>6} {:>10} {:>12}",
                r.name,
                r.insns,
                n.cell(&r.peak_bytes.ours, kib),
                n.cell(&r.peak_bytes.kernel, kib)
            );
        }
        if let Some(big) = self.largest() {
            let _ = writeln!(
                s,
                "  largest program: {} ({} insns): ours {}, kernel at least {}",
                big.name,
                big.insns,
                n.cell(&big.peak_bytes.ours, kib),
                n.cell(&big.peak_bytes.kernel, kib)
            );
        }
        let _ = writeln!(s, "  ours: {}", self.ours_mem_note);
        let _ = writeln!(s, "  kernel: {}", self.kernel_mem_note);

        if !n.0.is_empty() {
            let _ = writeln!(s, "\nwhy a cell is empty:");
            for (i, w) in n.0.iter().enumerate() {
                let _ = writeln!(s, "  [{}] {w}", i + 1);
            }
        }
        s
    }

    /// The report as JSON: every cell a number or `{"why": ...}`.
    pub fn to_json(&self) -> Value {
        let m = &self.machine;
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut run = Map::new();
                for (e, c) in Engine::ALL.iter().zip(&r.run_ns) {
                    run.insert(e.name().into(), c.json());
                }
                let mut empty = Map::new();
                for (e, c) in Engine::ALL.iter().zip(&r.empty_ns) {
                    empty.insert(e.name().into(), c.json());
                }
                let mut ratios = Map::new();
                for (name, a, b) in RUN_RATIOS {
                    ratios.insert(name.into(), r.run(a).ratio(r.run(b)).json());
                }
                let pair = |p: &Pair| json!({ "ours": p.ours.json(), "kernel": p.kernel.json(), "ratio": p.ratio().json() });
                json!({
                    "name": r.name,
                    "what": r.what,
                    "insns": r.insns,
                    "run_ns": run,
                    "empty_ns": empty,
                    "run_ratios": ratios,
                    "processed_insns": pair(&r.processed),
                    "peak_states": pair(&r.peak_states),
                    "verification_time_us": pair(&r.verify_us),
                    "load_us": pair(&r.load_us),
                    "peak_bytes": { "ours": r.peak_bytes.ours.json(), "kernel_lower_bound": r.peak_bytes.kernel.json() },
                })
            })
            .collect();
        json!({
            "machine": {
                "kernel_release": m.kernel_release,
                "kernel_bpf_jit_enable": m.kernel_jit_enable,
                "cpu": m.cpu,
                "cpus": m.cpus,
                "loadavg_start": m.loadavg_start,
                "loadavg_end": m.loadavg_end,
                "rounds": m.rounds,
                "batch_ms": m.batch_ms,
                "seconds": (m.seconds * 10.0).round() / 10.0,
            },
            "units": {
                "run_ns": "ns per program run, net of the empty program's (median of rounds)",
                "empty_ns": "the empty program's ns per run, measured beside it and subtracted",
                "run_ratios": "time ratios: above 1 the project is slower",
                "verification_time_us": "the verifier log's `verification time N usec` (median)",
                "load_us": "BPF_PROG_LOAD at log level 0, end to end (median)",
                "peak_bytes": "of bpf_check: ours, peak live heap above the start; kernel: a lower bound",
            },
            "largest": self.largest().map(|r| r.name.clone()),
            "ours_memory": self.ours_mem_note,
            "kernel_memory": self.kernel_mem_note,
            "programs": rows,
        })
    }
}

impl ProgRow {
    /// The run-time cell of `e`.
    pub fn run(&self, e: Engine) -> &Cell {
        &self.run_ns[Engine::ALL.iter().position(|&x| x == e).expect("every engine has a column")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(s: &str) -> Cell {
        Cell::Why(s.into())
    }

    fn row() -> ProgRow {
        let pair = |a: Cell, b: Cell| Pair { ours: a, kernel: b };
        ProgRow {
            name: "p".into(),
            what: "a program".into(),
            insns: 2,
            run_ns: vec![Cell::Val(200.0), why("no JIT"), Cell::Val(50.0), Cell::Val(400.0), why("no JIT")],
            empty_ns: vec![Cell::Val(20.0), why("no JIT"), Cell::Val(5.0), Cell::Val(4.0), why("no JIT")],
            processed: pair(Cell::Val(2.0), Cell::Val(2.0)),
            peak_states: pair(Cell::Val(0.0), Cell::Val(0.0)),
            verify_us: pair(Cell::Val(3.0), Cell::Val(0.0)),
            load_us: pair(Cell::Val(10.0), why("bpf() refused: EPERM")),
            peak_bytes: pair(Cell::Val(4096.0), why("no BTF")),
        }
    }

    #[test]
    fn ratios_carry_the_reason_and_reasons_become_shared_footnotes() {
        assert_eq!(Cell::Val(6.0).ratio(&Cell::Val(3.0)), Cell::Val(2.0));
        assert!(matches!(Cell::Val(1.0).ratio(&Cell::Val(0.0)), Cell::Why(_)));
        assert_eq!(why("a").ratio(&Cell::Val(1.0)), why("a"));
        let r = Report { rows: vec![row()], ..Report::default() };
        let text = r.render();
        assert!(text.contains("4.00x"), "{text}"); // interp / kernel-jit
        assert!(text.contains("0.50x"), "{text}"); // interp / rbpf-interp
        assert_eq!(text.matches("] no JIT").count(), 1, "{text}");
        assert!(text.contains("bpf() refused: EPERM"));
        assert!(text.contains("met on 1 of 1 measured"), "{text}");
        let j = r.to_json();
        let p = &j["programs"][0];
        assert_eq!(p["run_ns"]["interp"], json!(200.0));
        assert_eq!(p["run_ns"]["jit"], json!({ "why": "no JIT" }));
        assert_eq!(p["run_ratios"]["interp/kernel-jit"], json!(4.0));
        assert_eq!(
            p["verification_time_us"]["ratio"]["why"],
            json!("the reference is 0 (below its resolution)")
        );
        assert_eq!(j["largest"], json!("p"));
    }
}

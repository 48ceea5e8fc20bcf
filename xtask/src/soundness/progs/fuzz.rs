//! Running the generator: proptest draws [`GenProg`]s from a seed, each is
//! loaded and, when accepted, run in the checked mode on random inputs;
//! a fault no known bug explains fails the case and proptest shrinks the
//! program to a small one that still faults.

use super::render::{render, render_text};
use super::*;
use crate::soundness::known::known_bug_of;
use crate::soundness::run::{check_case, CheckOpts, Verdict};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// How to fuzz.
#[derive(Clone, Debug)]
pub struct FuzzOpts {
    /// Programs to generate (over all threads).
    pub cases: u32,
    /// The seed: the same seed and count give the same programs.
    pub seed: u64,
    /// Threads, each with its own runner and seed.
    pub threads: usize,
    /// How each accepted program is checked.
    pub check: CheckOpts,
    /// Shrinking steps allowed for a failing program.
    pub max_shrink_iters: u32,
}

impl Default for FuzzOpts {
    fn default() -> Self {
        FuzzOpts {
            cases: 2000,
            seed: 1,
            threads: 2,
            check: CheckOpts { random_runs: 3, log_on_fault: true, ..CheckOpts::default() },
            max_shrink_iters: 4000,
        }
    }
}

/// What a fuzzing run found and how well the generator did.
#[derive(Clone, Debug, Default)]
pub struct FuzzReport {
    /// Programs generated and checked.
    pub cases: usize,
    /// Accepted by the verifier.
    pub accepted: usize,
    /// Checked runs made.
    pub runs: usize,
    /// Per program type: (cases, accepted).
    pub by_kind: BTreeMap<String, (usize, usize)>,
    /// Accepted programs with an access exactly at a limit (the last byte
    /// of a map value, of a checked packet range, of a stack buffer...).
    pub accepted_at_edge: usize,
    /// Accepted programs with a variable offset into memory.
    pub accepted_var_off: usize,
    /// Programs with a deliberate mistake (a wrong or missing check, an
    /// access one byte out...), and how many of them were accepted (the
    /// mistake on a path never taken, or harmless).
    pub with_mistake: (usize, usize),
    /// Rejection reasons (the log's last line, numbers as `N`), when
    /// asked for.
    pub reasons: BTreeMap<String, usize>,
    /// Faults attributed to known bugs, per bug.
    pub known: BTreeMap<&'static str, usize>,
    /// Programs with inconclusive runs.
    pub inconclusive: usize,
    /// Programs the project never loaded (a map it could not make).
    pub not_loaded: usize,
    /// Failures: the minimal program and its fault, per failing runner.
    pub failures: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
}

impl FuzzReport {
    fn merge(&mut self, o: FuzzReport) {
        self.cases += o.cases;
        self.accepted += o.accepted;
        self.runs += o.runs;
        for (k, (c, a)) in o.by_kind {
            let e = self.by_kind.entry(k).or_default();
            e.0 += c;
            e.1 += a;
        }
        self.accepted_at_edge += o.accepted_at_edge;
        self.accepted_var_off += o.accepted_var_off;
        self.with_mistake.0 += o.with_mistake.0;
        self.with_mistake.1 += o.with_mistake.1;
        for (k, n) in o.reasons {
            *self.reasons.entry(k).or_default() += n;
        }
        for (k, n) in o.known {
            *self.known.entry(k).or_default() += n;
        }
        self.inconclusive += o.inconclusive;
        self.not_loaded += o.not_loaded;
        self.failures.extend(o.failures);
    }

    /// The summary, the rejection reasons (top 25) and every failure.
    pub fn render(&self, seed: u64) -> String {
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "soundness: generated programs (seed {seed}): {} programs, {} accepted ({:.1}%), {} checked runs, {} failures, {:.1}s",
            self.cases,
            self.accepted,
            pct(self.accepted, self.cases),
            self.runs,
            self.failures.len(),
            self.elapsed.as_secs_f64()
        );
        let kinds: Vec<String> =
            self.by_kind.iter().map(|(k, (c, a))| format!("{k} {a}/{c} ({:.0}%)", pct(*a, *c))).collect();
        let _ = writeln!(s, "  accepted per type: {}", kinds.join(", "));
        let _ = writeln!(
            s,
            "  of the accepted: {} ({:.0}%) access memory exactly at a limit, {} ({:.0}%) use a variable offset",
            self.accepted_at_edge,
            pct(self.accepted_at_edge, self.accepted),
            self.accepted_var_off,
            pct(self.accepted_var_off, self.accepted)
        );
        let _ = writeln!(
            s,
            "  with a deliberate mistake: {} programs, {} accepted (the mistake on a path not taken, or harmless)",
            self.with_mistake.0, self.with_mistake.1
        );
        if self.inconclusive + self.not_loaded > 0 {
            let _ = writeln!(s, "  inconclusive: {}, not loaded: {}", self.inconclusive, self.not_loaded);
        }
        for (id, n) in &self.known {
            let _ = writeln!(s, "  known verifier bug {id}: {n} programs");
        }
        if !self.reasons.is_empty() {
            let mut r: Vec<(&String, &usize)> = self.reasons.iter().collect();
            r.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let _ = writeln!(s, "  rejection reasons:");
            for (why, n) in r.iter().take(25) {
                let _ = writeln!(s, "    {n:6}  {why}");
            }
        }
        for f in &self.failures {
            let _ = write!(s, "\n{f}");
        }
        s
    }
}

/// What a program contains, for the report.
#[derive(Default)]
struct Features {
    at_edge: bool,
    var_off: bool,
    mistake: bool,
}

fn features(p: &GenProg) -> Features {
    let mut f = Features::default();
    let mut access = |a: &Access| match a.edge {
        Edge::End(0) => f.at_edge = true,
        Edge::End(d) if d > 0 => f.mistake = true,
        Edge::Start(d) if d < 0 => f.mistake = true,
        _ => {}
    };
    let mut leaves: Vec<&Leaf> = Vec::new();
    for b in &p.blocks {
        match b {
            Block::Leaf(l) => leaves.push(l),
            Block::Branch { then, other, .. } => leaves.extend(then.iter().chain(other)),
            Block::Loop { body, .. } => leaves.extend(body),
            Block::Join { access: a, .. } => access(a),
        }
    }
    let mut var = false;
    let mut mistake = false;
    let bad_bound = |b: Bound| matches!(b, Bound::JgtU32 | Bound::JsgtNoLower | Bound::None);
    for l in leaves {
        match l {
            Leaf::Map { check, var: v, accesses, .. } => {
                accesses.iter().for_each(&mut access);
                mistake |= matches!(
                    check,
                    NullCheck::Missing | NullCheck::WrongReg | NullCheck::Inverted | NullCheck::After
                );
                if let Some(v) = v {
                    var = true;
                    mistake |= bad_bound(v.bound);
                }
            }
            Leaf::Packet { check, var: v, accesses, .. } => {
                accesses.iter().for_each(&mut access);
                mistake |= matches!(
                    check,
                    PktCheck::WrongDir | PktCheck::WrongReg | PktCheck::Missing | PktCheck::Reloaded
                );
                if let Some(v) = v {
                    var = true;
                    mistake |= bad_bound(v.bound) || !v.before_check;
                }
            }
            Leaf::Stack { var: v, accesses, .. } => {
                accesses.iter().for_each(&mut access);
                if let Some(v) = v {
                    var = true;
                    mistake |= bad_bound(v.bound);
                }
            }
            Leaf::UsePtr { var: v, access: a, .. } => {
                access(a);
                var |= v.is_some();
            }
            Leaf::Spill { clobber, access: a, .. } => {
                access(a);
                mistake |= matches!(clobber, Clobber::Store(..));
            }
            Leaf::Call { sub: Sub::WriteCallerStack { access: a, bound, .. }, .. } => {
                access(a);
                var = true;
                mistake |= bad_bound(*bound);
            }
            Leaf::Call { sub: Sub::ReadThrough { access: a, .. } | Sub::OwnStack { access: a }, .. } => {
                access(a)
            }
            Leaf::Helper(Helper::ProbeRead { delta, .. } | Helper::SkbLoadBytes { delta, .. }) => {
                mistake |= *delta > 0
            }
            Leaf::Helper(Helper::MapUpdate { delta, .. }) => mistake |= *delta < 0,
            _ => {}
        }
    }
    f.var_off = var;
    f.mistake |= mistake;
    f
}

/// Log lines with their numbers as `N`, so reasons group.
fn normalise(line: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !in_num {
                out.push('N');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out
}

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (i, chunk) in b.chunks_mut(8).enumerate() {
        let v = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(i as u64).rotate_left(17 * i as u32);
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    b
}

fn fuzz_one(opts: &FuzzOpts, seed: u64, cases: u32, tag: &str) -> FuzzReport {
    let start = Instant::now();
    let config = Config {
        cases,
        max_shrink_iters: opts.max_shrink_iters,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)));
    let report = RefCell::new(FuzzReport::default());
    let shrinking = Cell::new(false);
    let n = Cell::new(0u64);
    let result = runner.run(&gen_prog(), |p| {
        let name = format!("gen/{tag}/{}", n.get());
        n.set(n.get() + 1);
        let (text, case) = render(&p, &name).map_err(TestCaseError::fail)?;
        let r = check_case(&case, &opts.check);
        let counting = !shrinking.get();
        if counting {
            let mut rep = report.borrow_mut();
            let f = features(&p);
            rep.cases += 1;
            rep.runs += r.runs;
            let kind = format!("{:?}", p.kind);
            let e = rep.by_kind.entry(kind).or_default();
            e.0 += 1;
            if f.mistake {
                rep.with_mistake.0 += 1;
            }
            match &r.verdict {
                Verdict::Accepted => {
                    rep.accepted += 1;
                    rep.by_kind.entry(format!("{:?}", p.kind)).or_default().1 += 1;
                    rep.accepted_at_edge += usize::from(f.at_edge);
                    rep.accepted_var_off += usize::from(f.var_off);
                    rep.with_mistake.1 += usize::from(f.mistake);
                }
                Verdict::Rejected(_) => {
                    if let Some(line) = &r.error_line {
                        *rep.reasons.entry(normalise(line)).or_default() += 1;
                    }
                }
                Verdict::NotLoaded(_) => rep.not_loaded += 1,
            }
            rep.inconclusive += usize::from(!r.inconclusive.is_empty());
        }
        if !r.harness_errors.is_empty() {
            shrinking.set(true);
            return Err(TestCaseError::fail(format!("harness errors {:?}\n{text}", r.harness_errors)));
        }
        if let Some(f) = r.first_fault {
            match known_bug_of(&case, &f) {
                Some(b) => {
                    if counting {
                        *report.borrow_mut().known.entry(b.id).or_default() += 1;
                    }
                }
                None => {
                    shrinking.set(true);
                    return Err(TestCaseError::fail(format!("{f}")));
                }
            }
        }
        Ok(())
    });
    let mut rep = report.into_inner();
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, minimal)) => {
            rep.failures.push(format!(
                "runner {tag} (seed {seed}): a verified program faulted; minimal program ({:?}):\n{}\n{why}\n{minimal:#?}\n",
                minimal.kind,
                render_text(&minimal)
            ));
        }
        Err(TestError::Abort(why)) => rep.failures.push(format!("runner {tag} (seed {seed}) aborted: {why}")),
    }
    rep.elapsed = start.elapsed();
    rep
}

/// `n` programs of the generator from `seed`, without checking them
/// (for comparing verdicts with the running kernel).
pub fn sample(seed: u64, n: usize) -> Vec<GenProg> {
    use proptest::strategy::ValueTree;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)),
    );
    let strategy = gen_prog();
    (0..n).filter_map(|_| strategy.new_tree(&mut runner).ok().map(|t| t.current())).collect()
}

/// Generates `opts.cases` programs from `opts.seed` on `opts.threads`
/// threads and checks each.
pub fn fuzz(opts: &FuzzOpts) -> FuzzReport {
    let start = Instant::now();
    let threads = opts.threads.max(1) as u32;
    let mut total = FuzzReport::default();
    let parts: Vec<FuzzReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let cases = opts.cases / threads + u32::from(t < opts.cases % threads);
                let seed = opts.seed.wrapping_mul(1_000_003).wrapping_add(u64::from(t));
                let tag = format!("s{}t{t}", opts.seed);
                s.spawn(move || fuzz_one(opts, seed, cases, &tag))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| FuzzReport {
                    failures: vec!["a fuzzing thread panicked".into()],
                    ..Default::default()
                })
            })
            .collect()
    });
    for p in parts {
        total.merge(p);
    }
    total.elapsed = start.elapsed();
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_programs_assemble() {
        let progs = sample(5, 300);
        assert_eq!(progs, sample(5, 300), "the same seed gives the same programs");
        assert_ne!(progs, sample(6, 300));
        for (i, p) in progs.iter().enumerate() {
            render(p, &format!("t{i}")).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn normalises_numbers() {
        assert_eq!(
            normalise("invalid access to map value, value_size=8 off=12 size=4"),
            "invalid access to map value, value_size=N off=N size=N"
        );
    }
}

//! Checking a list of cases on a few threads, and what to say about it.

use super::case::SoundCase;
use super::known::known_bug_of;
use super::run::{check_case, CaseReport, CheckOpts, Fault, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What checking a suite found.
#[derive(Debug, Default)]
pub struct SuiteReport {
    /// The suite.
    pub name: String,
    /// Cases checked.
    pub cases: usize,
    /// Cases the verifier accepted (and that were run).
    pub accepted: usize,
    /// Checked runs made.
    pub runs: usize,
    /// Cases with runs stopped without a verdict, and why.
    pub inconclusive: Vec<(String, Vec<String>)>,
    /// Cases that never reached the verifier, and why.
    pub not_loaded: Vec<(String, String)>,
    /// Faults attributed to a known bug: bug id -> cases.
    pub known: BTreeMap<&'static str, Vec<String>>,
    /// Faults no known bug explains.
    pub unexplained: Vec<Fault>,
    /// Failures of the harness itself.
    pub harness_errors: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
}

impl SuiteReport {
    /// No unexplained fault and no harness error.
    pub fn ok(&self) -> bool {
        self.unexplained.is_empty() && self.harness_errors.is_empty()
    }

    /// Adds one case's report.
    pub fn add(&mut self, case: &SoundCase, r: CaseReport) {
        self.cases += 1;
        self.runs += r.runs;
        match &r.verdict {
            Verdict::Accepted => self.accepted += 1,
            Verdict::Rejected(_) => {}
            Verdict::NotLoaded(why) => self.not_loaded.push((r.name.clone(), why.clone())),
        }
        if !r.inconclusive.is_empty() {
            self.inconclusive.push((r.name.clone(), r.inconclusive.clone()));
        }
        self.harness_errors.extend(r.harness_errors.iter().map(|e| format!("{}: {e}", r.name)));
        if let Some(f) = r.first_fault {
            match known_bug_of(case, &f) {
                Some(b) => self.known.entry(b.id).or_default().push(r.name.clone()),
                None => self.unexplained.push(*f),
            }
        }
    }

    /// Acceptance rate in percent.
    pub fn acceptance(&self) -> f64 {
        100.0 * self.accepted as f64 / self.cases.max(1) as f64
    }

    /// The summary: counts, inconclusive runs, known bugs seen, then every
    /// unexplained fault in full.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "soundness: {}: {} cases, {} accepted by the verifier ({:.1}%), {} checked runs, {} unexplained faults, \
             {:.1}s",
            self.name,
            self.cases,
            self.accepted,
            self.acceptance(),
            self.runs,
            self.unexplained.len(),
            self.elapsed.as_secs_f64()
        );
        for (name, why) in &self.not_loaded {
            let _ = writeln!(s, "  not loaded: {name}: {why}");
        }
        for (name, why) in &self.inconclusive {
            let _ = writeln!(s, "  inconclusive: {name}: {}", why.join("; "));
        }
        for (id, cases) in &self.known {
            let shown: Vec<&str> = cases.iter().take(8).map(String::as_str).collect();
            let more = if cases.len() > 8 { format!(" and {} more", cases.len() - 8) } else { String::new() };
            let _ =
                writeln!(s, "  known verifier bug {id}: {} cases ({}{more})", cases.len(), shown.join(", "));
        }
        for e in &self.harness_errors {
            let _ = writeln!(s, "  HARNESS ERROR: {e}");
        }
        for f in &self.unexplained {
            let _ = write!(s, "\n{f}");
        }
        s
    }
}

/// Checks `cases` on `threads` threads.
pub fn check_suite(name: &str, cases: &[SoundCase], opts: &CheckOpts, threads: usize) -> SuiteReport {
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let reports: Mutex<Vec<Option<Result<CaseReport, String>>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, cases.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = cases.get(i) else { break };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_case(c, opts)));
                let r = r.map_err(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                });
                reports.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    let mut out = SuiteReport { name: name.to_string(), ..Default::default() };
    for (c, r) in cases.iter().zip(reports.into_inner().unwrap_or_else(|e| e.into_inner())) {
        match r {
            Some(Ok(r)) => out.add(c, r),
            Some(Err(msg)) => out.harness_errors.push(format!("{}: panicked: {msg}", c.name)),
            None => out.harness_errors.push(format!("{}: no report", c.name)),
        }
    }
    out.elapsed = start.elapsed();
    out
}

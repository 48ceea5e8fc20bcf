//! `cargo xtask kernel-diff`: the project's `bpf()` beside the running
//! kernel's, case by case, on three corpora: the verifier corpus
//! (`bpf-verifier/tests/corpus`), the conformance programs
//! (`../shared/conformance`, loaded as socket filters) and structured
//! random programs ([`crate::gen`]).
//!
//! Both sides go through `bpftool batch`'s engine ([`bpftool::batch`]):
//! the project side with the project's `bpf()`, the kernel side with the
//! real system call ([`bpftool::host::HostBpf`]). Where `bpf()` is
//! refused, the kernel side is the results recorded with the corpus (the
//! `--- kernel` blocks of the verifier corpus, `recorded/*.jsonl` for the
//! others), and the report says so. With `bpf()`, the kernel is also run a
//! second time and compared with itself, and with the recording.

use crate::corpus;
use crate::outcome::{hex, Agreement, LogRecord, Outcome};
use bpf_core::uapi::BpfInsn;
use bpftool::batch::{run_case_guarded, BatchOpts, BpfBackend};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One case of a diff corpus.
#[derive(Clone, Debug)]
pub struct DiffCase {
    /// Table row it is counted in (a corpus file, a conformance group...).
    pub section: String,
    /// The case (oracle JSON-lines format).
    pub json: Value,
    /// Its program, for log normalisation.
    pub insns: Vec<BpfInsn>,
    /// The kernel's recorded answer, if any.
    pub recorded: Option<Outcome>,
}

impl DiffCase {
    /// The case's name.
    pub fn name(&self) -> String {
        self.json["name"].as_str().unwrap_or("?").to_string()
    }
}

/// A named list of cases.
#[derive(Clone, Debug)]
pub struct DiffCorpus {
    /// `verifier`, `conformance`, `random`.
    pub name: String,
    /// Where it came from, for the report.
    pub origin: String,
    /// The kernel the recorded results came from.
    pub recorded_on: Option<String>,
    /// The cases.
    pub cases: Vec<DiffCase>,
}

/// The directory of recorded kernel results for the conformance and
/// random corpora.
pub fn recorded_dir() -> PathBuf {
    corpus::default_dir().join("recorded")
}

/// The verifier corpus, with its `--- kernel` blocks as the recording.
pub fn verifier_corpus(dir: &Path) -> Result<DiffCorpus, String> {
    let files = corpus::load_dir(dir)?;
    let recorded_on = files.iter().find_map(|f| f.kernel.clone());
    let cases = corpus::all_cases(&files)
        .into_iter()
        .map(|c| DiffCase {
            section: c.section.clone(),
            json: c.to_json(),
            insns: c.insns.clone(),
            recorded: c.expect.clone(),
        })
        .collect();
    Ok(DiffCorpus { name: "verifier".into(), origin: dir.display().to_string(), recorded_on, cases })
}

/// The random corpus of `seed`/`count`, with the recording when one was
/// made for the same seed (cases beyond it have none).
pub fn random_corpus(seed: u64, count: u64) -> DiffCorpus {
    let rec = load_recording(&recorded_dir().join(format!("random_seed{seed}.jsonl")));
    let cases = crate::gen::gen_cases(seed, count)
        .into_iter()
        .map(|g| {
            let recorded = rec
                .as_ref()
                .and_then(|r| r.1.get(&g.name))
                .and_then(|(h, o)| (h == g.json["insns"].as_str().unwrap_or("")).then(|| o.clone()));
            let section = g.json["prog_type"].as_str().unwrap_or("?").to_string();
            DiffCase { section, json: g.json, insns: g.insns, recorded }
        })
        .collect();
    DiffCorpus {
        name: "random".into(),
        origin: format!("generator, seed {seed}, {count} programs"),
        recorded_on: rec.map(|r| r.0),
        cases,
    }
}

/// A recording: the kernel line and, per case name, the program hex and
/// the outcome.
type Recording = (String, BTreeMap<String, (String, Outcome)>);

fn load_recording(path: &Path) -> Option<Recording> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let head: Value = serde_json::from_str(lines.next()?).ok()?;
    let kernel = head["kernel"].as_str().unwrap_or("?").to_string();
    let mut map = BTreeMap::new();
    for l in lines {
        let Ok(v) = serde_json::from_str::<Value>(l) else { continue };
        let name = v["name"].as_str().unwrap_or("").to_string();
        let insns = v["insns"].as_str().unwrap_or("").to_string();
        map.insert(name, (insns, outcome_from_record(&v)));
    }
    Some((kernel, map))
}

/// A compact JSON form of an outcome for recordings: the log only as its
/// digest and length.
pub fn outcome_record(name: &str, insns_hex: &str, o: &Outcome) -> Value {
    let stats: serde_json::Map<String, Value> = o.stats.iter().map(|(k, n)| (k.clone(), json!(n))).collect();
    let (sha, lines) = match &o.log {
        LogRecord::None => (None, None),
        LogRecord::Full(s) => (o.log.digest(), Some(s.lines().count())),
        LogRecord::Cut { sha256, lines, .. } => (Some(sha256.clone()), Some(*lines)),
    };
    json!({"name": name, "insns": insns_hex, "accepted": o.accepted, "errno_name": o.errno_name,
           "not_loaded": o.not_loaded, "error_line": o.error_line, "stats": stats, "retval": o.retval,
           "test_run_errno": o.test_run_errno, "log_sha256": sha, "log_lines": lines})
}

fn outcome_from_record(v: &Value) -> Outcome {
    let s = |k: &str| v[k].as_str().map(str::to_string);
    Outcome {
        accepted: v["accepted"].as_bool(),
        errno_name: s("errno_name"),
        not_loaded: s("not_loaded"),
        error_line: s("error_line"),
        stats: v["stats"]
            .as_object()
            .map(|m| {
                crate::outcome::STAT_KEYS
                    .iter()
                    .filter_map(|k| m.get(*k).and_then(Value::as_u64).map(|n| (k.to_string(), n)))
                    .collect()
            })
            .unwrap_or_default(),
        retval: v["retval"].as_u64(),
        test_run_errno: s("test_run_errno"),
        log: match s("log_sha256") {
            Some(sha256) => LogRecord::Cut {
                sha256,
                lines: v["log_lines"].as_u64().unwrap_or(0) as usize,
                head: vec![],
                tail: vec![],
            },
            None => LogRecord::None,
        },
        xlated: None,
    }
}

/// The conformance programs of `dir` (`*.data` with a program), as
/// socket filters. `Err` when the directory is absent.
pub fn conformance_corpus(dir: &Path) -> Result<DiffCorpus, String> {
    if !dir.is_dir() {
        return Err(format!("the conformance suite is absent at {}", dir.display()));
    }
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.retain(|p| p.extension().is_some_and(|x| x == "data"));
        v.sort();
        v
    };
    let mut paths = list(dir);
    paths.extend(list(&dir.join("negative")));
    let rec = load_recording(&recorded_dir().join("conformance.jsonl"));
    let mut cases = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let Some(insns) = conformance_program(&text) else { continue };
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let negative = p.parent().is_some_and(|d| d.ends_with("negative"));
        let stem = if negative { format!("negative/{stem}") } else { stem };
        let name = format!("conformance/{stem}");
        let insns_hex = hex(&bpf_core::uapi::insns_to_bytes(&insns));
        let recorded =
            rec.as_ref().and_then(|r| r.1.get(&name)).and_then(|(h, o)| (*h == insns_hex).then(|| o.clone()));
        let section = if negative {
            "negative".to_string()
        } else {
            stem.split(['-', '_']).next().unwrap_or("other").trim_end_matches(char::is_numeric).to_string()
        };
        cases.push(DiffCase {
            section,
            json: json!({"name": name, "prog_type": "socket_filter", "insns": insns_hex,
                         "meta": {"corpus": "conformance", "file": stem}}),
            insns,
            recorded,
        });
    }
    Ok(DiffCorpus {
        name: "conformance".into(),
        origin: dir.display().to_string(),
        recorded_on: rec.map(|r| r.0),
        cases,
    })
}

/// The program of a conformance `.data` file, with the conformance
/// runner's parser and uBPF-dialect assembler ([`crate::conformance`]);
/// `None` for a file without a program or one that does not assemble
/// (some negatives are meant not to).
fn conformance_program(text: &str) -> Option<Vec<BpfInsn>> {
    let file = crate::conformance::data::parse_data(text).ok()?;
    crate::conformance::program(&file).ok().filter(|p| !p.is_empty())
}

/// Runs every case of `c` through `b`.
pub fn run_side(b: &mut dyn BpfBackend, c: &DiffCorpus, opts: &BatchOpts) -> Vec<Outcome> {
    c.cases
        .iter()
        .enumerate()
        .map(|(i, k)| Outcome::from_result(&Value::Object(run_case_guarded(b, &k.json, i, opts)), &k.insns))
        .collect()
}

/// Runs every case of `cases` through backends made by `make`, on
/// `threads` threads (each with its own backend), results in order.
pub fn run_parallel<B: BpfBackend>(
    make: impl Fn() -> B + Sync,
    cases: &[DiffCase],
    opts: &BatchOpts,
    threads: usize,
) -> Vec<Outcome> {
    let threads = threads.clamp(1, cases.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Outcome>> = vec![None; cases.len()];
    let results = std::sync::Mutex::new(&mut out);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut b = make();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(k) = cases.get(i) else { break };
                    let r = run_case_guarded(&mut b, &k.json, i, opts);
                    if r.contains_key("panic") {
                        // The backend may be left inconsistent: start afresh.
                        b = make();
                    }
                    let o = Outcome::from_result(&Value::Object(r), &k.insns);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(o);
                }
            });
        }
    });
    out.into_iter().map(|o| o.expect("every case ran")).collect()
}

/// Cases the kernel needed more than this many processed instructions for
/// are "heavy": the corpus test leaves them to `CORPUS_FULL=1` and
/// `kernel-diff` (a debug build verifies about a million instructions a
/// second, and the log doubles that).
pub const HEAVY_PROCESSED: u64 = 200_000;

/// Whether the recorded kernel answer of `k` makes it heavy.
pub fn is_heavy(k: &DiffCase) -> bool {
    k.recorded.as_ref().and_then(|o| o.stat("processed_insns")).is_some_and(|n| n > HEAVY_PROCESSED)
}

/// Agreement counts for a set of cases.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Cases compared.
    pub cases: usize,
    /// Same verdict.
    pub verdict: usize,
    /// Same errno.
    pub errno: usize,
    /// (agreed, applicable) for the fields that do not always apply.
    pub error_line: (usize, usize),
    /// Retval where both ran.
    pub retval: (usize, usize),
    /// Processed insns.
    pub processed: (usize, usize),
    /// total/peak states.
    pub states: (usize, usize),
    /// Whole log.
    pub log: (usize, usize),
    /// Translated program (normalised, [`crate::outcome::normalize_xlated`]).
    pub xlated: (usize, usize),
}

impl Tally {
    /// Adds one comparison.
    pub fn add(&mut self, a: &Agreement) {
        self.cases += 1;
        self.verdict += a.verdict as usize;
        self.errno += a.errno as usize;
        for (f, t) in [
            (a.error_line, &mut self.error_line),
            (a.retval, &mut self.retval),
            (a.processed, &mut self.processed),
            (a.states, &mut self.states),
            (a.log, &mut self.log),
            (a.xlated, &mut self.xlated),
        ] {
            if let Some(ok) = f {
                t.1 += 1;
                t.0 += ok as usize;
            }
        }
    }

    /// Verdict agreement as a fraction (1.0 when empty).
    pub fn verdict_ratio(&self) -> f64 {
        if self.cases == 0 {
            1.0
        } else {
            self.verdict as f64 / self.cases as f64
        }
    }

    /// Last-error-line agreement of rejected programs as a fraction.
    pub fn error_line_ratio(&self) -> f64 {
        if self.error_line.1 == 0 {
            1.0
        } else {
            self.error_line.0 as f64 / self.error_line.1 as f64
        }
    }
}

fn cell(p: (usize, usize)) -> String {
    if p.1 == 0 {
        "-".into()
    } else {
        format!("{}/{}", p.0, p.1)
    }
}

fn pct(p: (usize, usize)) -> String {
    if p.1 == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * p.0 as f64 / p.1 as f64)
    }
}

/// The agreement table of `got` against `reference`, one row per section
/// and a total row (with percentages).
pub fn table(
    title: &str,
    cases: &[DiffCase],
    reference: &[Option<Outcome>],
    got: &[Option<Outcome>],
) -> (String, Tally) {
    let mut by: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for ((c, r), g) in cases.iter().zip(reference).zip(got) {
        let (Some(r), Some(g)) = (r, g) else { continue };
        let a = Agreement::of(r, g);
        by.entry(c.section.clone()).or_default().add(&a);
        total.add(&a);
    }
    let mut s = String::new();
    let _ = writeln!(s, "{title}");
    let _ = writeln!(
        s,
        "  {:<16} {:>5}  {:>9}  {:>9}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
        "section",
        "cases",
        "verdict",
        "errno",
        "error_line",
        "retval",
        "processed",
        "states",
        "log",
        "xlated"
    );
    let row = |s: &mut String, name: &str, t: &Tally| {
        let _ = writeln!(
            s,
            "  {:<16} {:>5}  {:>9}  {:>9}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
            name,
            t.cases,
            cell((t.verdict, t.cases)),
            cell((t.errno, t.cases)),
            cell(t.error_line),
            cell(t.retval),
            cell(t.processed),
            cell(t.states),
            cell(t.log),
            cell(t.xlated)
        );
    };
    for (name, t) in &by {
        row(&mut s, name, t);
    }
    row(&mut s, "total", &total);
    let _ = writeln!(
        s,
        "  {:<16} {:>5}  {:>9}  {:>9}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
        "",
        "",
        pct((total.verdict, total.cases)),
        pct((total.errno, total.cases)),
        pct(total.error_line),
        pct(total.retval),
        pct(total.processed),
        pct(total.states),
        pct(total.log),
        pct(total.xlated)
    );
    (s, total)
}

/// A line naming the cases whose load panicked (a bug of the `bpf()`
/// under test), empty when none did.
pub fn panics(cases: &[DiffCase], got: &[Option<Outcome>]) -> String {
    let names: Vec<String> = cases
        .iter()
        .zip(got)
        .filter(|(_, g)| {
            g.as_ref().and_then(|g| g.not_loaded.as_deref()).is_some_and(|w| w.starts_with("panic"))
        })
        .map(|(c, _)| c.name())
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("  PANICKED ({}): {}\n", names.len(), names.join(", "))
    }
}

/// Up to `n` lines, one for each case whose two outcomes `line` describes
/// (it returns `None` for a case that agrees), then `...` if more remain.
fn list_cases(
    cases: &[DiffCase],
    reference: &[Option<Outcome>],
    got: &[Option<Outcome>],
    n: usize,
    line: impl Fn(&DiffCase, &Outcome, &Outcome) -> Option<String>,
) -> String {
    let mut s = String::new();
    let mut shown = 0;
    for ((c, r), g) in cases.iter().zip(reference).zip(got) {
        let (Some(r), Some(g)) = (r, g) else { continue };
        let Some(l) = line(c, r, g) else { continue };
        if shown == n {
            let _ = writeln!(s, "    ...");
            break;
        }
        shown += 1;
        let _ = writeln!(s, "    {l}");
    }
    s
}

/// Up to `n` cases where `got` disagrees with `reference` on verdict or
/// error line, one line each.
pub fn disagreements(
    cases: &[DiffCase],
    reference: &[Option<Outcome>],
    got: &[Option<Outcome>],
    n: usize,
) -> String {
    list_cases(cases, reference, got, n, |c, r, g| {
        let a = Agreement::of(r, g);
        if a.verdict && a.errno && a.error_line.unwrap_or(true) {
            return None;
        }
        Some(format!(
            "{}: kernel {} `{}`, got {} `{}`",
            c.name(),
            r.verdict(),
            r.error_line.as_deref().unwrap_or(""),
            g.verdict(),
            g.error_line.as_deref().unwrap_or("")
        ))
    })
}

/// Up to `n` cases whose translated programs differ after
/// [`crate::outcome::normalize_xlated`], each with the first differing
/// instruction of both sides as `bpftool prog dump xlated` prints it.
pub fn xlated_disagreements(
    cases: &[DiffCase],
    reference: &[Option<Outcome>],
    got: &[Option<Outcome>],
    n: usize,
) -> String {
    list_cases(cases, reference, got, n, |c, r, g| {
        if Agreement::of(r, g).xlated != Some(false) {
            return None;
        }
        let (Some(kx), Some(px)) = (&r.xlated, &g.xlated) else {
            return Some(format!("{}: xlated: the project gave no dump", c.name()));
        };
        let at = kx.iter().zip(px.iter()).position(|(a, b)| a != b).unwrap_or(kx.len().min(px.len()));
        let show = |x: &[BpfInsn]| {
            if at < x.len() {
                bpf_core::disasm::print_bpf_insn(&bpf_core::disasm::NoCbs, x, at, true)
            } else {
                "<end>".into()
            }
        };
        Some(format!(
            "{}: xlated {} vs {} insns, first difference at {at}: kernel `{}`, got `{}`",
            c.name(),
            kx.len(),
            px.len(),
            show(kx),
            show(px)
        ))
    })
}

/// Options of `cargo xtask kernel-diff`.
#[derive(Clone, Debug)]
pub struct DiffOpts {
    /// The verifier corpus directory.
    pub corpus: PathBuf,
    /// Random generator seed.
    pub seed: u64,
    /// Random programs.
    pub count: u64,
    /// Only these corpora (`verifier`, `conformance`, `random`); all if empty.
    pub only: Vec<String>,
    /// Do not use the live kernel even if `bpf()` works.
    pub no_kernel: bool,
    /// Record the live kernel's results for the conformance and random corpora.
    pub record: bool,
    /// Show this many disagreements per corpus.
    pub show: usize,
}

/// The seed and count whose kernel results are committed.
pub const RECORDED_SEED: u64 = 1;
/// See [`RECORDED_SEED`].
pub const RECORDED_COUNT: u64 = 300;

impl Default for DiffOpts {
    fn default() -> Self {
        DiffOpts {
            corpus: corpus::default_dir(),
            seed: RECORDED_SEED,
            count: RECORDED_COUNT,
            only: vec![],
            no_kernel: false,
            record: false,
            show: 10,
        }
    }
}

/// Runs the comparison and returns the report text.
pub fn kernel_diff(opts: &DiffOpts) -> Result<String, String> {
    let mut out = String::new();
    let want = |n: &str| opts.only.is_empty() || opts.only.iter().any(|o| o == n);
    let mut corpora = Vec::new();
    if want("verifier") {
        corpora.push(verifier_corpus(&opts.corpus)?);
    }
    if want("conformance") {
        match kernel_oracle::conformance_dir().and_then(|d| conformance_corpus(&d)) {
            Ok(c) => corpora.push(c),
            Err(e) => {
                let _ = writeln!(out, "conformance: {e}; skipped (set BPF_CONFORMANCE_DIR)\n");
            }
        }
    }
    if want("random") {
        corpora.push(random_corpus(opts.seed, opts.count));
    }
    // Both sides dump the translated program for the `xlated` column.
    let batch = BatchOpts { dump_xlated: true, ..BatchOpts::default() };
    let mut host = if opts.no_kernel {
        let _ = writeln!(out, "kernel side: --no-kernel given; comparing against recorded kernel results\n");
        None
    } else {
        match bpftool::host::HostBpf::open() {
            Ok(h) => {
                let _ =
                    writeln!(out, "kernel side: the running kernel ({}), through bpf() from Rust\n", uname());
                Some(h)
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    "kernel side: bpf() is refused here ({e}); comparing against recorded kernel results\n"
                );
                None
            }
        }
    };
    let project = match bpftool::project::ProjectBpf::new() {
        Ok(p) => Some(p),
        Err(e) => {
            let _ = writeln!(out, "project side: unavailable: {e}\n");
            None
        }
    };
    if opts.record && host.is_none() {
        return Err("--record needs the live kernel, and bpf() is not usable here".into());
    }
    for c in &corpora {
        let recorded: Vec<Option<Outcome>> = c.cases.iter().map(|k| k.recorded.clone()).collect();
        let n_rec = recorded.iter().filter(|r| r.is_some()).count();
        let _ = writeln!(
            out,
            "== {} corpus: {} cases ({}); recorded kernel results: {}",
            c.name,
            c.cases.len(),
            c.origin,
            match &c.recorded_on {
                Some(k) => format!("{n_rec} cases, from {k}"),
                None => "none".into(),
            }
        );
        let kernel: Vec<Option<Outcome>> = match host.as_mut() {
            Some(h) => {
                let mut first: Vec<Option<Outcome>> = run_side(h, c, &batch).into_iter().map(Some).collect();
                let mut second: Vec<Option<Outcome>> = run_side(h, c, &batch).into_iter().map(Some).collect();
                // Unprivileged cases (`caps: none`) run on the host only where
                // this process can drop to an unprivileged user and back and
                // the sysctl lets that user call bpf(); elsewhere their kernel
                // side is the recording.
                let unpriv: Vec<usize> =
                    (0..c.cases.len()).filter(|&i| c.cases[i].json["unpriv"] == json!(true)).collect();
                if !unpriv.is_empty() {
                    if let Err(e) = h.set_unprivileged(true) {
                        let _ = writeln!(
                            out,
                            "{} unprivileged cases: not run on the live kernel ({e}); their kernel side is the recording",
                            unpriv.len()
                        );
                        for &i in &unpriv {
                            first[i] = recorded[i].clone();
                            second[i] = recorded[i].clone();
                        }
                    }
                    let _ = h.set_unprivileged(false);
                }
                let (t, _) = table("kernel vs itself (two live runs)", &c.cases, &first, &second);
                out.push_str(&t);
                out.push_str(&disagreements(&c.cases, &first, &second, opts.show));
                if n_rec > 0 {
                    let (t, _) = table("live kernel vs recorded kernel results", &c.cases, &recorded, &first);
                    out.push_str(&t);
                    out.push_str(&disagreements(&c.cases, &recorded, &first, opts.show));
                }
                if opts.record && c.name != "verifier" {
                    write_recording(c, &first)?;
                    let _ = writeln!(out, "recorded {} results for the {} corpus", first.len(), c.name);
                }
                first
            }
            None => recorded.clone(),
        };
        match project.as_ref() {
            Some(_) => {
                // Two threads, each its own project kernel; a 16 MiB log
                // from the start gives the same outcome as growing it.
                let popts = BatchOpts {
                    log_size: bpftool::batch::MAX_LOG_SIZE,
                    dump_xlated: true,
                    ..BatchOpts::default()
                };
                let got: Vec<Option<Outcome>> = run_parallel(
                    || bpftool::project::ProjectBpf::new().expect("available above"),
                    &c.cases,
                    &popts,
                    2,
                )
                .into_iter()
                .map(Some)
                .collect();
                let src = if host.is_some() { "live kernel" } else { "recorded kernel results" };
                let (t, _) = table(&format!("project vs {src}"), &c.cases, &kernel, &got);
                out.push_str(&t);
                out.push_str(&panics(&c.cases, &got));
                out.push_str(&disagreements(&c.cases, &kernel, &got, opts.show));
                out.push_str(&xlated_disagreements(&c.cases, &kernel, &got, opts.show));
            }
            None => {
                let _ = writeln!(out, "project vs kernel: not run (the project's bpf() is unavailable)");
            }
        }
        let missing = kernel.iter().filter(|k| k.is_none()).count();
        if missing > 0 {
            let _ = writeln!(
                out,
                "({missing} cases have no kernel result: no recording for them and no live kernel)"
            );
        }
        out.push('\n');
    }
    Ok(out)
}

fn write_recording(c: &DiffCorpus, outcomes: &[Option<Outcome>]) -> Result<(), String> {
    let path = match c.name.as_str() {
        "random" => {
            let seed = c.cases.first().and_then(|k| k.json["meta"]["seed"].as_u64()).unwrap_or(0);
            recorded_dir().join(format!("random_seed{seed}.jsonl"))
        }
        other => recorded_dir().join(format!("{other}.jsonl")),
    };
    std::fs::create_dir_all(recorded_dir()).map_err(|e| e.to_string())?;
    let mut text = json!({"kernel": format!("{} (recorded by cargo xtask kernel-diff --record, bpf() from Rust)", uname()),
                          "corpus": c.name, "origin": c.origin})
    .to_string();
    text.push('\n');
    for (k, o) in c.cases.iter().zip(outcomes) {
        if let Some(o) = o {
            text.push_str(&outcome_record(&k.name(), k.json["insns"].as_str().unwrap_or(""), o).to_string());
            text.push('\n');
        }
    }
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The running kernel's release and machine (`/proc/sys/kernel/osrelease`).
pub fn uname() -> String {
    let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_else(|_| "?".into());
    format!("{} {}", rel.trim(), std::env::consts::ARCH)
}

/// `cargo xtask kernel-diff [--corpus DIR] [--seed N --count N] [--only NAME]
/// [--no-kernel] [--record] [--show N]`.
pub fn cmd_kernel_diff(args: &[String]) -> Result<(), String> {
    let mut o = DiffOpts::default();
    let mut it = args.iter();
    let num = |v: Option<&String>, what: &str| -> Result<u64, String> {
        v.and_then(|s| s.parse().ok()).ok_or(format!("{what} needs a number"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--corpus" => o.corpus = PathBuf::from(it.next().ok_or("--corpus needs a directory")?),
            "--seed" => o.seed = num(it.next(), "--seed")?,
            "--count" => o.count = num(it.next(), "--count")?,
            "--show" => o.show = num(it.next(), "--show")? as usize,
            "--only" => o.only.push(it.next().ok_or("--only needs verifier, conformance or random")?.clone()),
            "--no-kernel" => o.no_kernel = true,
            "--record" => o.record = true,
            other => return Err(format!("kernel-diff: unknown argument `{other}`")),
        }
    }
    if o.record && (o.seed != RECORDED_SEED || o.count != RECORDED_COUNT) {
        println!("note: recording seed {} count {}; the committed recording is seed {RECORDED_SEED} count {RECORDED_COUNT}", o.seed, o.count);
    }
    print!("{}", kernel_diff(&o)?);
    Ok(())
}

//! `cargo xtask bench`: the project beside the running kernel and rbpf, in
//! one report measured in one run.
//!
//! For each program of the benchmark set ([`progs`]):
//!
//! - **run time**: ns per run on the project's interpreter and JIT
//!   (through our `BPF_PROG_TEST_RUN` with `repeat`), the kernel's JIT
//!   (the real `BPF_PROG_TEST_RUN` with `repeat`) and rbpf's interpreter
//!   and JIT (a user-space loop), each minus the same engine's time for
//!   the empty program measured the same way, so fixed per-run costs
//!   (context set-up, the timing loop) drop out;
//! - **verification**: `processed N insns`, `peak_states` and
//!   `verification time N usec` of the verifier log at `BPF_LOG_STATS`,
//!   ours beside the kernel's;
//! - **whole load**: `BPF_PROG_LOAD` at log level 0, end to end, timed
//!   around the call (ours: the typed API into our `bpf()`);
//! - **peak memory** of verifying (`bpf_check`): ours measured by the
//!   caller's counting allocator ([`PeakMem`]); the kernel's as a lower
//!   bound from the sizes of the verifier's objects in its BTF ([`btf`]).
//!
//! Each measurement is repeated in rounds that visit every engine in
//! turn (so a change of load on the shared machine hits all of them
//! alike) and the median is reported; ratios are of medians from the same
//! run. A cell that cannot be measured says why ([`report::Cell`]): our
//! verifier rejects the program (its error line), our JIT declines it,
//! `bpf()` is refused, an engine returns a wrong value.
//!
//! The runner is the `report` bench target of this crate (release
//! build, with the counting allocator): `cargo xtask bench [--rounds N]
//! [--batch-ms N] [--only NAME] [--no-kernel]`.

pub mod btf;
pub mod counting;
pub mod progs;
pub mod rbpf;
pub mod report;
pub mod sides;

use bpf_verifier::standalone::{verify, VerifyOpts};
use progs::BenchProg;
use report::{Cell, Engine, Machine, Pair, ProgRow, Report};
use sides::{BpfSide, KernelBpf, OurBpf};
use std::time::{Duration, Instant};

/// `BPF_LOG_STATS`: the log holds only the statistics (and errors).
const BPF_LOG_STATS: u32 = 4;

/// Peak heap use, as a counting global allocator sees it.
pub trait PeakMem {
    /// Starts a new peak at the bytes live now.
    fn reset_peak(&self);
    /// The most bytes live since [`PeakMem::reset_peak`], above what was
    /// live then.
    fn peak_since_reset(&self) -> usize;
}

/// How to measure.
#[derive(Clone, Debug)]
pub struct BenchOpts {
    /// Rounds per measurement (medians are of these).
    pub rounds: usize,
    /// Target length of one timed batch.
    pub batch: Duration,
    /// Only programs whose name contains this.
    pub only: Option<String>,
    /// Leave the running kernel out (its cells say so).
    pub no_kernel: bool,
}

impl Default for BenchOpts {
    fn default() -> Self {
        BenchOpts { rounds: 9, batch: Duration::from_millis(20), only: None, no_kernel: false }
    }
}

impl BenchOpts {
    /// Parses `--rounds N`, `--batch-ms N`, `--only NAME`, `--no-kernel`.
    pub fn parse(args: &[String]) -> Result<BenchOpts, String> {
        let mut o = BenchOpts::default();
        let mut it = args.iter();
        let num = |v: Option<&String>, what: &str| -> Result<u64, String> {
            v.and_then(|s| s.parse().ok()).filter(|&n| n > 0).ok_or(format!("{what} needs a positive number"))
        };
        while let Some(a) = it.next() {
            match a.as_str() {
                "--rounds" => o.rounds = num(it.next(), "--rounds")? as usize,
                "--batch-ms" => o.batch = Duration::from_millis(num(it.next(), "--batch-ms")?),
                "--only" => o.only = Some(it.next().ok_or("--only needs a program name")?.clone()),
                "--no-kernel" => o.no_kernel = true,
                // what `cargo bench` passes to every bench target
                "--bench" => {}
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(o)
    }
}

/// `cargo xtask bench`'s runner: measures the benchmark set, prints the
/// report and writes it to `target/bench/report.json`.
pub fn run(args: &[String], mem: Option<&dyn PeakMem>) -> Result<(), String> {
    let opts = BenchOpts::parse(args)?;
    let set: Vec<BenchProg> = progs::bench_set()?
        .into_iter()
        .filter(|p| opts.only.as_deref().map_or(true, |f| p.name.contains(f)))
        .collect();
    if set.is_empty() {
        return Err(format!("no program matches --only {:?}", opts.only.unwrap_or_default()));
    }
    let report = measure(&set, &opts, mem);
    print!("{}", report.render());
    let dir = crate::repo_root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("report.json");
    let text = serde_json::to_string_pretty(&report.to_json()).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("\nwritten to {}", path.display());
    Ok(())
}

/// A loaded program on one `bpf()`, or why there is none.
struct Loaded {
    fd: Result<i32, String>,
    repeat: u32,
}

/// One `bpf()` with its empty program, as the run-time table uses it.
struct Side<'a> {
    bpf: Result<&'a mut dyn BpfSide, String>,
    empty: Result<i32, String>,
    /// Who verifies (`our verifier`), for the reasons.
    verifier: &'static str,
    /// Who compiles (`our JIT`), for the reasons.
    jit: &'static str,
}

/// Why a load failed: the verifier's error line, else the errno.
fn load_error(verifier: &str, load: &sides::Load, errno: bpf_core::Errno) -> String {
    match bpftool::batch::log_error_line(&load.log) {
        Some(line) => format!("{verifier} rejects it: {line} ({})", errno.name().unwrap_or("?")),
        None => format!("{verifier}: BPF_PROG_LOAD failed: {errno}"),
    }
}

impl<'a> Side<'a> {
    fn new(
        bpf: Result<&'a mut dyn BpfSide, String>,
        empty: &BenchProg,
        verifier: &'static str,
        jit: &'static str,
    ) -> Side<'a> {
        let mut s = Side { bpf, empty: Err(String::new()), verifier, jit };
        s.empty = s.load(empty, false).fd;
        s
    }

    /// Loads `p` and checks it returns what it must; `jit_required`: a
    /// program the JIT declined is an empty cell, not an interpreter time.
    fn load(&mut self, p: &BenchProg, jit_required: bool) -> Loaded {
        let (verifier, jit) = (self.verifier, self.jit);
        let bpf = match &mut self.bpf {
            Ok(b) => b,
            Err(e) => return Loaded { fd: Err(e.clone()), repeat: 1 },
        };
        let l = bpf.load(&p.insns, BPF_LOG_STATS);
        let fd = match l.fd {
            Ok(fd) => fd,
            Err(e) => return Loaded { fd: Err(load_error(verifier, &l, e)), repeat: 1 },
        };
        let why = if !jit_required {
            None
        } else {
            match bpf.jited_len(fd) {
                Ok(0) => Some(format!("{jit} declined it (jited_prog_len 0)")),
                Ok(_) => None,
                Err(e) => Some(format!("BPF_OBJ_GET_INFO_BY_FD: {e}")),
            }
        };
        let why = why.or_else(|| match bpf.test_run(fd, &progs::packet(), 1) {
            Ok((r, _)) if r == p.expect => None,
            Ok((r, _)) => {
                Some(format!("{verifier} loaded it but it returned {r:#x}, expected {:#x}", p.expect))
            }
            Err(e) => Some(format!("BPF_PROG_TEST_RUN: {e}")),
        });
        match why {
            None => Loaded { fd: Ok(fd), repeat: 1 },
            Some(why) => {
                bpf.close(fd);
                Loaded { fd: Err(why), repeat: 1 }
            }
        }
    }

    /// Sets `l.repeat` so that one test run lasts about `batch`.
    fn calibrate(&mut self, l: &mut Loaded, batch: Duration) {
        let (Ok(bpf), Ok(fd)) = (&mut self.bpf, &l.fd) else { return };
        let pkt = progs::packet();
        let mut repeat = 1u32;
        loop {
            let start = Instant::now();
            if bpf.test_run(*fd, &pkt, repeat).is_err() {
                return;
            }
            let t = start.elapsed();
            if t >= batch / 4 || repeat >= 1 << 24 {
                let per = t.as_nanos().max(1) as f64 / f64::from(repeat);
                l.repeat = ((batch.as_nanos() as f64 / per) as u32).clamp(1, 1 << 26);
                return;
            }
            repeat *= 4;
        }
    }

    /// One sample: the program's mean ns per run minus the empty one's,
    /// both with `l.repeat`; and the empty one's.
    fn sample(&mut self, l: &Loaded) -> Result<(f64, f64), String> {
        let (Ok(bpf), Ok(fd)) = (&mut self.bpf, &l.fd) else { return Err("not loaded".into()) };
        let empty = self.empty.clone().map_err(|e| format!("the empty program: {e}"))?;
        let pkt = progs::packet();
        let (_, t) = bpf.test_run(*fd, &pkt, l.repeat).map_err(|e| format!("BPF_PROG_TEST_RUN: {e}"))?;
        let (_, t0) = bpf.test_run(empty, &pkt, l.repeat).map_err(|e| format!("BPF_PROG_TEST_RUN: {e}"))?;
        Ok((f64::from(t) - f64::from(t0), f64::from(t0)))
    }

    fn close(&mut self, l: &Loaded) {
        if let (Ok(bpf), Ok(fd)) = (&mut self.bpf, &l.fd) {
            bpf.close(*fd);
        }
    }
}

/// A program and the empty one on one rbpf engine, with their batch sizes.
struct RbpfPair<'p> {
    prog: rbpf::RbpfProg<'p>,
    empty: rbpf::RbpfProg<'p>,
    n: u64,
    n_empty: u64,
}

impl<'p> RbpfPair<'p> {
    /// Loads both, checks the program's result, sizes the batches.
    fn new(
        code: &'p Result<Vec<u8>, String>,
        empty_code: &'p [u8],
        jit: bool,
        p: &BenchProg,
        batch: Duration,
    ) -> Result<RbpfPair<'p>, String> {
        let code = code.as_ref().map_err(|e| format!("rbpf: {e}"))?;
        let pkt = progs::packet();
        let mut prog = rbpf::RbpfProg::new(code, jit, &pkt).map_err(|e| format!("rbpf refuses it: {e}"))?;
        let mut empty = rbpf::RbpfProg::new(empty_code, jit, &pkt).map_err(|e| format!("rbpf: {e}"))?;
        match prog.run() {
            Ok(r) if r as u32 == p.expect => {}
            Ok(r) => return Err(format!("rbpf returned {:#x}, expected {:#x}", r as u32, p.expect)),
            Err(e) => return Err(format!("rbpf: {e}")),
        }
        let n = prog.calibrate(batch);
        let n_empty = empty.calibrate(batch / 4);
        Ok(RbpfPair { prog, empty, n, n_empty })
    }

    /// As [`Side::sample`].
    fn sample(&mut self) -> (f64, f64) {
        let t = self.prog.time(self.n);
        let t0 = self.empty.time(self.n_empty);
        (t - t0, t0)
    }
}

/// The median of `v` (`None` when empty).
pub fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 })
}

fn median_cell(v: &[f64], why: &str) -> Cell {
    median(v).map_or_else(|| Cell::Why(why.to_string()), Cell::Val)
}

/// Measures `set` and returns the report (see the module docs).
pub fn measure(set: &[BenchProg], opts: &BenchOpts, mem: Option<&dyn PeakMem>) -> Report {
    let started = Instant::now();
    let loadavg_start = loadavg();
    let empty = progs::empty();
    let mut ours_interp = OurBpf::new(false);
    let mut ours_jit = OurBpf::new(true);
    let mut kernel = if opts.no_kernel {
        Err("the running kernel was left out (--no-kernel)".to_string())
    } else {
        KernelBpf::open().map_err(|e| format!("bpf() refused: {e}"))
    };
    let kernel_dyn: Result<&mut dyn BpfSide, String> = match &mut kernel {
        Ok(k) => Ok(k),
        Err(e) => Err(e.clone()),
    };
    let mut sides = [
        Side::new(Ok(&mut ours_interp), &empty, "our verifier", "our JIT"),
        Side::new(Ok(&mut ours_jit), &empty, "our verifier", "our JIT"),
        Side::new(kernel_dyn, &empty, "the kernel", "the kernel's JIT"),
    ];
    // a JIT that declines even the empty program is not built yet
    let jit_state = match &mut sides[1].bpf {
        Ok(b) => match &sides[1].empty {
            Ok(fd) => b.jited_len(*fd).ok(),
            Err(_) => None,
        },
        Err(_) => None,
    };
    let jit_not_built = jit_state == Some(0);
    let host_jit = read_trim("/proc/sys/net/core/bpf_jit_enable");
    let btf = btf::StructSizes::vmlinux();
    let mut rows = Vec::new();
    for p in set {
        rows.push(measure_prog(p, opts, &mut sides, jit_not_built, mem, btf.as_ref().ok()));
    }
    for s in &mut sides {
        let e = Loaded { fd: s.empty.clone(), repeat: 1 };
        s.close(&e);
    }
    let kernel_mem_note = match &btf {
        Ok(_) => "a lower bound: sizeof(struct bpf_verifier_env) + insns x sizeof(struct bpf_insn_aux_data) \
                  (whole pages, vzalloc) + peak_states x (sizeof(struct bpf_verifier_state) + sizeof(struct \
                  bpf_func_state)), sizes from /sys/kernel/btf/vmlinux, peak_states from the kernel's log; \
                  the kernel reports no per-load memory figure, and memory-cgroup accounting (per-CPU charge \
                  batches of 64 pages) is too coarse for one load"
            .to_string(),
        Err(e) => format!("no lower bound: {e}"),
    };
    let ours_mem_note = if mem.is_some() {
        "peak live heap bytes above the start of one bpf_check (bpf_verifier::standalone::verify, \
         log level 0): the program, the verifier's env and states, the rewritten program; a counting \
         global allocator in the runner"
            .to_string()
    } else {
        "not measured: this binary has no counting allocator (run `cargo xtask bench`)".to_string()
    };
    Report {
        machine: Machine {
            kernel_release: read_trim("/proc/sys/kernel/osrelease"),
            kernel_jit_enable: host_jit,
            cpu: cpu_model(),
            cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            loadavg_start,
            loadavg_end: loadavg(),
            rounds: opts.rounds,
            batch_ms: opts.batch.as_millis() as u64,
            seconds: started.elapsed().as_secs_f64(),
        },
        rows,
        kernel_mem_note,
        ours_mem_note,
    }
}

/// Measures one program on every engine.
fn measure_prog(
    p: &BenchProg,
    opts: &BenchOpts,
    sides: &mut [Side<'_>; 3],
    jit_not_built: bool,
    mem: Option<&dyn PeakMem>,
    btf: Option<&btf::StructSizes>,
) -> ProgRow {
    let (run_ns, empty_ns) = run_times(p, opts, sides, jit_not_built);
    let v = verification(p, opts, sides);
    let ours_peak = match (mem, &v.ours_rejected) {
        (None, _) => Cell::Why("not measured: no counting allocator in this binary".into()),
        (_, Some(e)) => Cell::Why(e.clone()),
        (Some(m), None) => our_peak_memory(p, m),
    };
    let kernel_peak = match (btf, &v.peak_states.kernel) {
        (_, Cell::Why(w)) => Cell::Why(w.clone()),
        (None, _) => Cell::Why("no lower bound: the kernel's BTF is unreadable here".into()),
        (Some(b), Cell::Val(states)) => kernel_lower_bound(b, p.insns.len(), *states),
    };
    ProgRow {
        name: p.name.clone(),
        what: p.what.clone(),
        insns: p.insns.len(),
        run_ns,
        empty_ns,
        processed: v.processed,
        peak_states: v.peak_states,
        verify_us: v.verify_us,
        load_us: v.load_us,
        peak_bytes: Pair { ours: ours_peak, kernel: kernel_peak },
    }
}

/// The run-time cells of `p` by [`Engine::ALL`], and the empty program's
/// that were subtracted.
fn run_times(
    p: &BenchProg,
    opts: &BenchOpts,
    sides: &mut [Side<'_>; 3],
    jit_not_built: bool,
) -> (Vec<Cell>, Vec<Cell>) {
    // Load everywhere and check the result before anything is timed.
    let mut loaded: Vec<Loaded> = Vec::new();
    for (i, side) in sides.iter_mut().enumerate() {
        let mut l = side.load(p, i > 0);
        if i == 1 && jit_not_built && l.fd.as_ref().is_err_and(|e| e.starts_with("our JIT declined")) {
            l.fd = Err("our JIT is not built yet: bpf-jit-x86 declines every program, \
                        even r0 = 0; exit (jited_prog_len 0)"
                .into());
        }
        side.calibrate(&mut l, opts.batch);
        loaded.push(l);
    }
    // rbpf's JIT runs only what its interpreter (which checks every
    // access) ran correctly.
    let code = progs::rbpf_encoding(&p.insns);
    let empty_code =
        progs::rbpf_encoding(&progs::empty().insns).expect("the empty program has no ctx access");
    let rbpf_interp = RbpfPair::new(&code, &empty_code, false, p, opts.batch);
    let rbpf_jit = match &rbpf_interp {
        Ok(_) => RbpfPair::new(&code, &empty_code, true, p, opts.batch),
        Err(_) => Err("rbpf: not run on its JIT, its interpreter failed on it".to_string()),
    };
    let mut rbpf_progs = [rbpf_interp, rbpf_jit];

    // Rounds over every engine in turn.
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); 5];
    let mut empties: Vec<Vec<f64>> = vec![Vec::new(); 5];
    let mut errors: Vec<Option<String>> = vec![None; 5];
    for _ in 0..opts.rounds {
        for (i, l) in loaded.iter().enumerate() {
            if l.fd.is_ok() && errors[i].is_none() {
                match sides[i].sample(l) {
                    Ok((ns, empty)) => {
                        samples[i].push(ns);
                        empties[i].push(empty);
                    }
                    Err(e) => errors[i] = Some(e),
                }
            }
        }
        for (k, r) in rbpf_progs.iter_mut().enumerate() {
            if let Ok(pair) = r {
                let (ns, empty) = pair.sample();
                samples[3 + k].push(ns);
                empties[3 + k].push(empty);
            }
        }
    }
    for (i, l) in loaded.iter().enumerate() {
        sides[i].close(l);
    }
    let mut run_ns = Vec::new();
    let mut empty_ns = Vec::new();
    for i in 0..Engine::ALL.len() {
        let why = match (i.checked_sub(3), loaded.get(i)) {
            (Some(k), _) => rbpf_progs[k].as_ref().err().cloned(),
            (None, Some(l)) => l.fd.as_ref().err().cloned().or_else(|| errors[i].clone()),
            (None, None) => None,
        };
        let why = why.unwrap_or_else(|| "no samples".into());
        run_ns.push(median_cell(&samples[i], &why));
        empty_ns.push(median_cell(&empties[i], &why));
    }
    (run_ns, empty_ns)
}

/// The verification and whole-load cells of a program.
struct Verification {
    processed: Pair,
    verify_us: Pair,
    peak_states: Pair,
    load_us: Pair,
    /// Why our verifier did not accept it.
    ours_rejected: Option<String>,
}

/// Loads `p` in rounds on ours (the kernel built with the JIT enabled, as
/// the running kernel is) and the kernel's, in turn: at `BPF_LOG_STATS`
/// for the log's statistics, at level 0 for the whole-load time.
fn verification(p: &BenchProg, opts: &BenchOpts, sides: &mut [Side<'_>; 3]) -> Verification {
    // (processed, verification time, peak_states) per load
    let mut stats: [Vec<[f64; 3]>; 2] = [Vec::new(), Vec::new()];
    let mut load_us: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut why: [Option<String>; 2] = [None, None];
    for _ in 0..opts.rounds {
        for (k, si) in [1usize, 2].into_iter().enumerate() {
            if why[k].is_some() {
                continue;
            }
            let who = sides[si].verifier;
            let Ok(bpf) = &mut sides[si].bpf else {
                why[k] = sides[si].bpf.as_ref().err().cloned();
                continue;
            };
            let l = bpf.load(&p.insns, BPF_LOG_STATS);
            match l.fd {
                Ok(fd) => bpf.close(fd),
                Err(e) => {
                    why[k] = Some(load_error(who, &l, e));
                    continue;
                }
            }
            let st = bpftool::batch::parse_log_stats(&l.log).unwrap_or_default();
            let get = |k: &str| st.get(k).and_then(|v| v.as_f64());
            match (get("processed_insns"), get("verification_time_usec"), get("peak_states")) {
                (Some(a), Some(b), Some(c)) => stats[k].push([a, b, c]),
                _ => why[k] = Some(format!("{who}'s log has no statistics line: {:?}", l.log)),
            }
            let l = bpf.load(&p.insns, 0);
            if let Ok(fd) = l.fd {
                bpf.close(fd);
                load_us[k].push(l.elapsed.as_secs_f64() * 1e6);
            }
        }
    }
    let why_k = |k: usize| why[k].clone().unwrap_or_else(|| "no samples".into());
    let stat = |j: usize| {
        let cell = |k: usize| median_cell(&stats[k].iter().map(|s| s[j]).collect::<Vec<_>>(), &why_k(k));
        Pair { ours: cell(0), kernel: cell(1) }
    };
    Verification {
        processed: stat(0),
        verify_us: stat(1),
        peak_states: stat(2),
        load_us: Pair {
            ours: median_cell(&load_us[0], &why_k(0)),
            kernel: median_cell(&load_us[1], &why_k(1)),
        },
        ours_rejected: why[0].clone(),
    }
}

/// Peak heap bytes of one `bpf_check` of ours on `p`.
fn our_peak_memory(p: &BenchProg, m: &dyn PeakMem) -> Cell {
    let vopts = VerifyOpts { log_level: 0, log_size: 0, ..VerifyOpts::default() };
    m.reset_peak();
    let verdict = verify(progs::PROG_TYPE, &p.insns, Vec::new(), &vopts);
    let peak = m.peak_since_reset();
    match verdict.result {
        Ok(()) => Cell::Val(peak as f64),
        Err(e) => Cell::Why(format!("our verifier: bpf_check failed with {e}")),
    }
}

/// The bytes the kernel's `bpf_check` must hold at its peak, at least:
/// its env, the per-insn aux data (`vzalloc`: whole pages) and, per
/// state alive at the peak, a verifier state and one frame.
fn kernel_lower_bound(b: &btf::StructSizes, insns: usize, peak_states: f64) -> Cell {
    let size = |n: &str| b.get(n).ok_or(format!("no lower bound: struct {n} is not in the kernel's BTF"));
    let bound = || -> Result<f64, String> {
        let aux = (insns * size("bpf_insn_aux_data")? as usize).next_multiple_of(4096);
        let per_state = size("bpf_verifier_state")? + size("bpf_func_state")?;
        Ok(f64::from(size("bpf_verifier_env")?) + aux as f64 + peak_states * f64::from(per_state))
    };
    bound().map_or_else(Cell::Why, Cell::Val)
}

fn read_trim(path: &str) -> String {
    std::fs::read_to_string(path).map(|s| s.trim().to_string()).unwrap_or_else(|e| format!("({path}: {e})"))
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> String {
    read_trim("/proc/loadavg").split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name").map(|r| r.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

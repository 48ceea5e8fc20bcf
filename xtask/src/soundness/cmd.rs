//! `cargo xtask soundness`: long fuzzing sessions of the program generator,
//! and the corpus suites with more random inputs.

use super::progs::{fuzz, FuzzOpts};
use super::{check_suite, CheckOpts, SoundCase};
use crate::corpus::default_dir;
use crate::kernel_diff::{random_corpus, verifier_corpus};
use std::process::Command;

const USAGE: &str = "cargo xtask soundness [--cases N] [--seed S] [--threads N] [--runs N] [--reasons] \
                     [--suites] [--release] [--kernel N]";

fn num<T: std::str::FromStr>(v: Option<&String>, what: &str) -> Result<T, String> {
    v.and_then(|s| s.parse().ok()).ok_or_else(|| format!("{what} needs a number ({USAGE})"))
}

/// Runs the command with `args` (the words after `soundness`).
pub fn cmd_soundness(args: &[String]) -> Result<(), String> {
    let mut opts = FuzzOpts { cases: 20_000, ..FuzzOpts::default() };
    let mut seed = None;
    let (mut suites, mut release) = (false, false);
    let mut kernel = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cases" => opts.cases = num(it.next(), "--cases")?,
            "--seed" => seed = Some(num(it.next(), "--seed")?),
            "--threads" => opts.threads = num(it.next(), "--threads")?,
            "--runs" => opts.check.random_runs = num(it.next(), "--runs")?,
            "--reasons" => opts.check.reasons = true,
            "--suites" => suites = true,
            "--release" => release = true,
            "--kernel" => kernel = Some(num::<usize>(it.next(), "--kernel")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option `{other}` ({USAGE})")),
        }
    }
    if release {
        // The same command in an optimised build: several times faster.
        let rest: Vec<&String> = args.iter().filter(|a| *a != "--release").collect();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["run", "--release", "-q", "-p", "xtask", "--", "soundness"])
            .args(rest)
            .current_dir(crate::repo_root())
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        return if status.success() { Ok(()) } else { Err("soundness failures".into()) };
    }
    opts.seed = seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        t.as_secs() ^ u64::from(t.subsec_nanos())
    });
    if let Some(n) = kernel {
        return kernel_sample(opts.seed, n, opts.threads);
    }
    let mut ok = true;
    if suites {
        let check =
            CheckOpts { random_runs: opts.check.random_runs.max(6), seed: opts.seed, ..CheckOpts::default() };
        let corpus = verifier_corpus(&default_dir())?;
        let random = random_corpus(1, 300);
        for c in [corpus, random] {
            let cases: Vec<SoundCase> =
                c.cases.iter().map(|k| SoundCase::from_json(&k.json)).collect::<Result<_, _>>()?;
            let r = check_suite(&c.name, &cases, &check, opts.threads);
            print!("{}", r.render());
            ok &= r.ok();
        }
    }
    println!(
        "soundness: generating {} programs, seed {} (rerun: --seed {})",
        opts.cases, opts.seed, opts.seed
    );
    let r = fuzz(&opts);
    print!("{}", r.render(opts.seed));
    ok &= r.failures.is_empty();
    if ok {
        Ok(())
    } else {
        Err("soundness failures (above)".into())
    }
}

/// Loads `n` generated programs into the project's `bpf()` and the running
/// kernel's (through `bpftool batch`'s engine) and prints how the verdicts
/// agree, with the disagreements.
fn kernel_sample(seed: u64, n: usize, threads: usize) -> Result<(), String> {
    use crate::kernel_diff::{disagreements, run_parallel, table, DiffCase};
    use bpftool::batch::BatchOpts;
    bpftool::host::HostBpf::open().map_err(|e| format!("the running kernel refuses bpf(): {e:?}"))?;
    let mut cases = Vec::new();
    for (i, p) in super::progs::sample(seed, n).iter().enumerate() {
        let (_, c) = super::progs::render(p, &format!("gen/s{seed}/{i}"))?;
        let mut json = c.to_json();
        json["test_run"] = serde_json::json!(false);
        cases.push(DiffCase { section: format!("{:?}", p.kind), json, insns: c.insns, recorded: None });
    }
    let opts = BatchOpts { log_size: bpftool::batch::MAX_LOG_SIZE, test_run: false, ..Default::default() };
    let ours = run_parallel(
        || bpftool::project::ProjectBpf::new().expect("always available"),
        &cases,
        &opts,
        threads,
    );
    let theirs =
        run_parallel(|| bpftool::host::HostBpf::open().expect("opened above"), &cases, &opts, threads);
    let (ours, theirs): (Vec<_>, Vec<_>) =
        (ours.into_iter().map(Some).collect(), theirs.into_iter().map(Some).collect());
    let title = format!("generated programs (seed {seed}, {n}): the project against the running kernel");
    let (t, _) = table(&title, &cases, &theirs, &ours);
    print!("{t}");
    print!("{}", disagreements(&cases, &theirs, &ours, 40));
    let acc = |v: &[Option<crate::outcome::Outcome>]| {
        v.iter().flatten().filter(|o| o.accepted == Some(true)).count()
    };
    println!("  accepted: kernel {}, project {}", acc(&theirs), acc(&ours));
    Ok(())
}

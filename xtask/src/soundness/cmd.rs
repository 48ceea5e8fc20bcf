//! `cargo xtask soundness`: long fuzzing sessions of the program generator,
//! and the corpus suites with more random inputs.

use super::progs::{fuzz, FuzzOpts};
use super::{check_suite, CheckOpts, SoundCase};
use crate::corpus::default_dir;
use crate::kernel_diff::{random_corpus, verifier_corpus};
use std::process::Command;

const USAGE: &str = "cargo xtask soundness [--cases N] [--seed S] [--threads N] [--runs N] [--reasons] \
                     [--suites] [--release]";

fn num<T: std::str::FromStr>(v: Option<&String>, what: &str) -> Result<T, String> {
    v.and_then(|s| s.parse().ok()).ok_or_else(|| format!("{what} needs a number ({USAGE})"))
}

/// Runs the command with `args` (the words after `soundness`).
pub fn cmd_soundness(args: &[String]) -> Result<(), String> {
    let mut opts = FuzzOpts { cases: 20_000, ..FuzzOpts::default() };
    let mut seed = None;
    let (mut suites, mut release) = (false, false);
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

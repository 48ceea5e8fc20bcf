//! `bpftool batch [OPTIONS] [FILE|-]`: the command line of
//! [`bpftool::batch`].

use crate::cmd::CmdError;
use bpftool::batch::{run_batch, BatchOpts, BpfBackend};
use std::io::{BufReader, Write};

/// The usage line.
pub const HELP: &str =
    "batch [--host] [--log-level N] [--stats] [--no-log-reload] [--repeat N] [--no-test-run] [--dump-xlated] [FILE|-]
                 run JSON-lines cases (kernel_oracle.py format) through the project's bpf(),
                 or with --host through the running kernel's; one JSON line out per case
                 (--dump-xlated: accepted programs' translated insns as `xlated_hex`)";

/// Runs a batch. Exit status 0 when every case was processed (rejections
/// included), 1 when a case or line was malformed, 2 for bad usage or when
/// `--host` finds `bpf()` refused.
pub fn do_batch(args: &[String]) -> Result<(), CmdError> {
    let mut opts = BatchOpts::default();
    let mut host = false;
    let mut input: Option<String> = None;
    let mut it = args.iter();
    let num = |v: Option<&String>, what: &str| -> Result<u32, CmdError> {
        v.and_then(|s| s.parse().ok())
            .ok_or_else(|| CmdError::Usage(format!("{what} needs a number\n{HELP}")))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--host" => host = true,
            "--stats" => opts.stats = true,
            "--no-log-reload" => opts.log_reload = false,
            "--no-test-run" => opts.test_run = false,
            "--dump-xlated" => opts.dump_xlated = true,
            "--log-level" => opts.log_level = num(it.next(), "--log-level")?,
            "--repeat" => opts.repeat = num(it.next(), "--repeat")?,
            s if s.starts_with("--") => return Err(CmdError::Usage(format!("unknown option {s}\n{HELP}"))),
            s if input.is_none() => input = Some(s.to_string()),
            s => return Err(CmdError::Usage(format!("one input at most, got `{s}` too\n{HELP}"))),
        }
    }
    let path = input.unwrap_or_else(|| "-".into());
    let cases = if path == "-" {
        bpftool::batch::read_cases(&mut std::io::stdin().lock(), "<stdin>")
    } else {
        let f = std::fs::File::open(&path).map_err(|e| CmdError::Failed(format!("{path}: {e}")))?;
        bpftool::batch::read_cases(&mut BufReader::new(f), &path)
    };
    let mut backend: Box<dyn BpfBackend> = if host {
        match bpftool::host::HostBpf::open() {
            Ok(h) => Box::new(h),
            Err(e) => return Err(CmdError::Usage(format!("--host: {e}"))),
        }
    } else {
        match bpftool::project::ProjectBpf::new() {
            Ok(p) => Box::new(p),
            Err(e) => return Err(CmdError::Failed(e)),
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let errors =
        run_batch(backend.as_mut(), &cases, &opts, &mut out).map_err(|e| CmdError::Failed(e.to_string()))?;
    out.flush().map_err(|e| CmdError::Failed(e.to_string()))?;
    if errors > 0 {
        return Err(CmdError::Failed(format!(
            "{errors} of {} cases were malformed (tool_error)",
            cases.len()
        )));
    }
    Ok(())
}

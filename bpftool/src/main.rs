//! # bpftool
//!
//! Mirrors `tools/bpf/bpftool` (v6.18): the command line over the
//! project's `bpf()`. As in bpftool's `main.c`, the first word selects an
//! object (`prog`, later `batch`, `map`), whose module selects the command
//! (`cmd_select`); each object lives in its own module.
//!
//! ```text
//! bpftool prog load FILE [...]      load program text through bpf(), print log, dump, test run
//! bpftool prog asm-roundtrip FILE   assemble, print as `prog dump xlated` does, re-assemble
//! bpftool batch [OPTIONS] [FILE|-]  JSON-lines cases through bpf(), one JSON line per case
//! ```
//!
//! Errors go to stderr as `bpftool: ...` (`FILE:LINE:COL: ...` for
//! program text) with exit status 1; bad usage exits with 2.

mod batch_cmd;
mod cmd;
mod prog;

use cmd::{cmd_select, Cmd};
use std::process::ExitCode;

/// The objects bpftool knows, as `main.c`'s `cmds[]`.
const CMDS: &[Cmd] = &[
    Cmd { name: "prog", func: prog::do_prog, help: "prog { load | asm-roundtrip } FILE ..." },
    Cmd { name: "batch", func: batch_cmd::do_batch, help: batch_cmd::HELP },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cmd_select(CMDS, &args, "bpftool") {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bpftool: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

//! Command dispatch, as bpftool's `main.c:cmd_select()`: a table of names
//! and functions, each taking the words after its name.

use std::fmt;

/// One entry of a command table (`struct cmd`).
pub struct Cmd {
    /// The word that selects it.
    pub name: &'static str,
    /// What runs it, with the remaining words.
    pub func: fn(&[String]) -> Result<(), CmdError>,
    /// Its usage line for `help`.
    pub help: &'static str,
}

/// Why a command failed.
#[derive(Debug)]
pub enum CmdError {
    /// The command line is wrong (exit status 2).
    Usage(String),
    /// The command ran and failed (exit status 1).
    Failed(String),
}

impl CmdError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CmdError::Usage(_) => 2,
            CmdError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Usage(m) | CmdError::Failed(m) => f.write_str(m),
        }
    }
}

/// Mirrors `tools/bpf/bpftool/main.c:cmd_select()` (v6.18).
///
/// Runs the command named by `args[0]` from `cmds` with the rest of the
/// words; `help` (or nothing) lists the table under `what`.
pub fn cmd_select(cmds: &[Cmd], args: &[String], what: &str) -> Result<(), CmdError> {
    let Some((first, rest)) = args.split_first() else {
        return Err(CmdError::Usage(usage(cmds, what)));
    };
    if first == "help" || first == "--help" || first == "-h" {
        println!("{}", usage(cmds, what));
        return Ok(());
    }
    match cmds.iter().find(|c| c.name == first) {
        Some(cmd) => (cmd.func)(rest),
        None => Err(CmdError::Usage(format!("unknown command `{first}`\n{}", usage(cmds, what)))),
    }
}

fn usage(cmds: &[Cmd], what: &str) -> String {
    let mut s =
        format!("usage: {what} {{ {} | help }}", cmds.iter().map(|c| c.name).collect::<Vec<_>>().join(" | "));
    for c in cmds {
        s.push_str(&format!("\n       bpftool {}", c.help));
    }
    s
}

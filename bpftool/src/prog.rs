//! `bpftool prog`: commands on programs, as `tools/bpf/bpftool/prog.c`.
//!
//! For now one command works on program text only:
//! `asm-roundtrip FILE` assembles the file with [`bpf_core::asm`], prints
//! the instructions as `bpftool prog dump xlated` does
//! ([`bpf_core::disasm::dump_xlated`]), assembles that printed text again
//! and checks it gives the same instructions.

use crate::cmd::{cmd_select, Cmd, CmdError};
use bpf_core::asm::asm;
use bpf_core::disasm::{dump_xlated, AsmCbs};

const CMDS: &[Cmd] = &[Cmd {
    name: "asm-roundtrip",
    func: do_asm_roundtrip,
    help: "prog asm-roundtrip FILE   assemble FILE, print it, re-assemble the print",
}];

/// Mirrors `tools/bpf/bpftool/prog.c:do_prog()` (v6.18): selects a `prog`
/// command.
pub fn do_prog(args: &[String]) -> Result<(), CmdError> {
    cmd_select(CMDS, args, "bpftool prog")
}

/// `bpftool prog asm-roundtrip FILE`.
///
/// Prints the dump and a last line saying that the printed text
/// assembles back to the same instructions; any difference, or an
/// assembler error (`FILE:LINE:COL: message`), is a failure.
fn do_asm_roundtrip(args: &[String]) -> Result<(), CmdError> {
    let [path] = args else {
        return Err(CmdError::Usage("usage: bpftool prog asm-roundtrip FILE".into()));
    };
    let text = std::fs::read_to_string(path).map_err(|e| CmdError::Failed(format!("{path}: {e}")))?;
    let insns = asm(&text).map_err(|e| CmdError::Failed(format!("{path}:{e}")))?;
    let dump = dump_xlated(&AsmCbs, &insns);
    print!("{dump}");
    let again = asm(&dump)
        .map_err(|e| CmdError::Failed(format!("the printed text does not assemble: <dump>:{e}")))?;
    if again != insns {
        let at = insns.iter().zip(&again).position(|(a, b)| a != b).unwrap_or(insns.len().min(again.len()));
        return Err(CmdError::Failed(format!(
            "round trip differs at instruction {at}: {:?} became {:?}",
            insns.get(at),
            again.get(at)
        )));
    }
    println!("round trip: {} instructions assemble, print and assemble back identically", insns.len());
    Ok(())
}

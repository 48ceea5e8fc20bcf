//! `bpftool prog`: commands on programs, as `tools/bpf/bpftool/prog.c`.
//!
//! - `load FILE` runs the whole load path on program text: assemble,
//!   `bpf(BPF_PROG_LOAD)` into a fresh [`Kernel`], print the verifier log and
//!   the loaded program, test-run it.
//! - `asm-roundtrip FILE` assembles the file with [`bpf_core::asm`], prints
//!   the instructions as `bpftool prog dump xlated` does
//!   ([`bpf_core::disasm::dump_xlated`]), assembles that printed text again
//!   and checks it gives the same instructions.

use crate::cmd::{cmd_select, Cmd, CmdError};
use bpf_core::asm::asm;
use bpf_core::disasm::{dump_xlated, AsmCbs, XlatedDumpCbs};
use bpf_core::uapi::{obj_name_str, BpfProgType, BPF_PROG_TYPE_SOCKET_FILTER};
use bpf_syscall::{Bpf, Kernel, ProgLoadOpts, Task, TestRunOpts};
use bpftool::batch::{hex, prog_type_name, PROG_TYPES};

const CMDS: &[Cmd] = &[
    Cmd {
        name: "load",
        func: do_load,
        help: "prog load FILE [type TYPE] [log_level N] [data_in HEX] [trace]\n\
               \x20                load FILE's program text through bpf(), print log, xlated dump, test run",
    },
    Cmd {
        name: "asm-roundtrip",
        func: do_asm_roundtrip,
        help: "prog asm-roundtrip FILE   assemble FILE, print it, re-assemble the print",
    },
];

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

/// `bpftool prog load FILE [type TYPE] [log_level N] [data_in HEX] [trace]`.
///
/// The whole load path on one program: assembles FILE, loads it through the
/// project's `bpf(BPF_PROG_LOAD)` into a fresh [`Kernel`] as root, prints
/// the verifier's log, the program as `bpftool prog show` and
/// `prog dump xlated` would, then runs it once with `BPF_PROG_TEST_RUN`
/// (a 64-byte zeroed packet unless `data_in` gives one). With `trace`, it
/// first prints the kernel functions the load passed through. A refused
/// program prints the log and fails with the errno `bpf()` returned.
///
/// Real bpftool's `prog load` takes an ELF object and a pin path; this one
/// takes program text, because the kernel it loads into lives only as long
/// as the command.
fn do_load(args: &[String]) -> Result<(), CmdError> {
    const USAGE: &str = "usage: bpftool prog load FILE [type TYPE] [log_level N] [data_in HEX] [trace]";
    let usage = || CmdError::Usage(USAGE.into());
    let (path, mut rest) = args.split_first().ok_or_else(usage)?;
    let mut prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    let mut log_level = 1u32;
    let mut data = vec![0u8; 64];
    let mut trace = false;
    while let Some((word, tail)) = rest.split_first() {
        rest = tail;
        if word == "trace" {
            trace = true;
            continue;
        }
        let (value, tail) = rest.split_first().ok_or_else(usage)?;
        rest = tail;
        match word.as_str() {
            "type" => {
                prog_type = PROG_TYPES
                    .iter()
                    .find(|(name, _)| name == value)
                    .map(|&(_, n)| BpfProgType(n))
                    .ok_or_else(|| CmdError::Usage(format!("unknown program type '{value}'")))?;
            }
            "log_level" => log_level = value.parse().map_err(|_| usage())?,
            "data_in" => {
                data =
                    parse_hex(value).ok_or_else(|| CmdError::Usage(format!("data_in: bad hex '{value}'")))?
            }
            _ => return Err(usage()),
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| CmdError::Failed(format!("{path}: {e}")))?;
    let insns = asm(&text).map_err(|e| CmdError::Failed(format!("{path}:{e}")))?;
    let name: String = std::path::Path::new(path)
        .file_stem()
        .map(|s| {
            s.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(15).collect()
        })
        .unwrap_or_default();

    let kernel = Kernel::new();
    let task = Task::root();
    let bpf = Bpf::new(&kernel, &task);
    let out = bpf.prog_load(&ProgLoadOpts {
        name,
        log_level,
        log_size: 1 << 20,
        trace,
        ..ProgLoadOpts::new(prog_type, insns)
    });
    if let Some(t) = &out.trace {
        println!("load sequence:\n{}\n", t.arrow_chain());
    }
    if !out.log.is_empty() {
        println!("verifier log:\n{}", out.log.trim_end());
    }
    let fd = out.result.map_err(|e| CmdError::Failed(format!("bpf(BPF_PROG_LOAD): {e}")))?;
    let info =
        bpf.prog_get_info(fd).map_err(|e| CmdError::Failed(format!("bpf(BPF_OBJ_GET_INFO_BY_FD): {e}")))?;
    let i = &info.info;
    let tag = hex(&i.tag);
    let runtime = if i.jited_prog_len == 0 { "interpreter" } else { "JIT" };
    println!(
        "\n{}: {}  name {}  tag {tag}\n\txlated {}B  jited {}B ({runtime})  verified_insns {}",
        i.id,
        prog_type_name(i.prog_type),
        obj_name_str(&i.name),
        i.xlated_prog_len,
        i.jited_prog_len,
        i.verified_insns
    );
    print!("{}", dump_xlated(&XlatedDumpCbs, &info.xlated));
    let run = bpf
        .prog_test_run(fd, &TestRunOpts::data(&data))
        .map_err(|e| CmdError::Failed(format!("bpf(BPF_PROG_TEST_RUN): {e}")))?;
    println!("test run: retval {} ({:#x}), duration {} ns", run.retval, run.retval, run.duration);
    Ok(())
}

/// Hex bytes, spaces allowed: `0011 22` is three bytes.
fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

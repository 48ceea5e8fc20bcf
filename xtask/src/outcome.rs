//! What loading one case gave: verdict, errno, error line, verifier
//! statistics, test-run result and log. Built from a result line of
//! `kernel_oracle.py` or `bpftool batch` (same field names), written to and
//! read from the `--- kernel` block of a corpus file, and compared field by
//! field ([`Agreement`]).

use bpf_core::sha256::sha256;
use bpf_core::uapi::BpfInsn;
use serde_json::Value;
use std::fmt::Write as _;

/// The statistics of the verifier's last log line, in the order the kernel
/// prints them (`processed N insns (limit L) max_states_per_insn ...`).
pub const STAT_KEYS: [&str; 6] =
    ["processed_insns", "insn_limit", "max_states_per_insn", "total_states", "peak_states", "mark_read"];

/// Logs longer than this many lines are stored cut: their SHA-256, their
/// length and the first and last [`LOG_KEEP`] lines.
pub const LOG_MAX_LINES: usize = 80;
/// Lines kept at each end of a cut log.
pub const LOG_KEEP: usize = 25;

/// The verifier log of one load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogRecord {
    /// No log (the load never reached the verifier, or log level 0).
    None,
    /// The whole log.
    Full(String),
    /// A long log: its hash and length, and both ends.
    Cut {
        /// SHA-256 of the whole log, hex.
        sha256: String,
        /// Its number of lines.
        lines: usize,
        /// The first lines.
        head: Vec<String>,
        /// The last lines.
        tail: Vec<String>,
    },
}

impl LogRecord {
    /// Stores `log` whole, or cut when it has more than [`LOG_MAX_LINES`] lines.
    pub fn from_log(log: &str) -> LogRecord {
        let lines: Vec<&str> = log.lines().collect();
        if lines.len() <= LOG_MAX_LINES {
            return LogRecord::Full(log.to_string());
        }
        LogRecord::Cut {
            sha256: hex(&sha256(log.as_bytes())),
            lines: lines.len(),
            head: lines[..LOG_KEEP].iter().map(|s| s.to_string()).collect(),
            tail: lines[lines.len() - LOG_KEEP..].iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The SHA-256 of the whole log, `None` without a log.
    pub fn digest(&self) -> Option<String> {
        match self {
            LogRecord::None => None,
            LogRecord::Full(s) => Some(hex(&sha256(s.as_bytes()))),
            LogRecord::Cut { sha256, .. } => Some(sha256.clone()),
        }
    }

    /// The whole text when it is stored.
    pub fn text(&self) -> Option<&str> {
        match self {
            LogRecord::Full(s) => Some(s),
            _ => None,
        }
    }
}

/// Lower-case hex of bytes (`bpftool batch`'s, so both print alike).
pub use bpftool::batch::hex;

/// What one load gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `Some(true)` accepted, `Some(false)` rejected, `None` never reached
    /// the verifier (see `not_loaded`).
    pub accepted: Option<bool>,
    /// The load's errno name when rejected (`EACCES`).
    pub errno_name: Option<String>,
    /// Why the program was not loaded at all (`map_create EINVAL`, or the
    /// tool's error text).
    pub not_loaded: Option<String>,
    /// The last log line before the statistics, for a rejected program.
    pub error_line: Option<String>,
    /// The parsed statistics ([`STAT_KEYS`] that were present).
    pub stats: Vec<(String, u64)>,
    /// `BPF_PROG_TEST_RUN`'s retval, when it ran.
    pub retval: Option<u64>,
    /// The test run's errno name when it failed (`ENOTSUPP` for kprobe).
    pub test_run_errno: Option<String>,
    /// The log.
    pub log: LogRecord,
    /// The translated program (`xlated_hex` of a `--dump-xlated` run)
    /// after [`normalize_xlated`]; `None` when not dumped (recordings,
    /// rejected programs, or the kernel refused).
    pub xlated: Option<Vec<BpfInsn>>,
}

/// What the kernel prints for a map reference's address in the log is a
/// kernel pointer, different on every load; [`normalize_log`] writes this
/// instead.
pub const MAP_ADDR: &str = "<map_addr>";

/// The log with the addresses the verifier prints for `ld_imm64` map
/// references (`3: (18) r1 = 0xffff8881...`) replaced by [`MAP_ADDR`], so
/// two loads (or the kernel and the project) compare equal. `insns` is the
/// program as loaded: only the lines of its map-reference `ld_imm64`s
/// (`src_reg` 1, 2, 5 or 6) are touched.
pub fn normalize_log(log: &str, insns: &[BpfInsn]) -> String {
    let mut map_refs = Vec::new();
    let mut i = 0;
    while i < insns.len() {
        if insns[i].code == 0x18 {
            if matches!(insns[i].src_reg(), 1 | 2 | 5 | 6) {
                map_refs.push(i);
            }
            i += 1;
        }
        i += 1;
    }
    if map_refs.is_empty() {
        return log.to_string();
    }
    let mut out = String::with_capacity(log.len());
    for line in log.split_inclusive('\n') {
        out.push_str(&normalize_line(line, &map_refs));
    }
    out
}

fn normalize_line(line: &str, map_refs: &[usize]) -> String {
    let Some((idx, rest)) = line.split_once(": (18) r") else { return line.to_string() };
    if !idx.parse::<usize>().is_ok_and(|i| map_refs.contains(&i)) {
        return line.to_string();
    }
    let Some(eq) = rest.find(" = 0x") else { return line.to_string() };
    let hex_start = eq + " = ".len();
    let hex_len =
        rest[hex_start + 2..].find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(rest.len() - hex_start - 2)
            + 2;
    format!("{idx}: (18) r{}{MAP_ADDR}{}", &rest[..hex_start], &rest[hex_start + hex_len..])
}

/// `struct bpf_insn` records from their hex (`xlated_hex`); `None` when
/// the text is not whole records of hex digits.
pub fn insns_from_hex(h: &str) -> Option<Vec<BpfInsn>> {
    if h.len() % 16 != 0 || !h.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok()).collect();
    Some(bytes?.chunks_exact(8).map(|c| BpfInsn::from_bytes(c.try_into().expect("8 bytes"))).collect())
}

/// The lowest kernel address on x86-64 (the start of the direct map's half
/// of the address space); an `ld_imm64` value at or above it is a kernel
/// pointer.
const KERNEL_ADDR_MIN: u64 = 0xffff_8000_0000_0000;

/// The translated program (`BPF_OBJ_GET_INFO_BY_FD`'s `xlated_prog_insns`)
/// with what legitimately differs between two kernels, or two loads on one
/// kernel, taken out, so the project's dump and the running kernel's
/// compare equal exactly when the verifier's rewrites agree. The rules:
///
/// 1. **Helper calls** (`call` with `src_reg` 0): `imm` is set to 0. After
///    `do_misc_fixups` the kernel's `imm` is the helper's address minus
///    `__bpf_call_base` (`BPF_CALL_IMM`), left as such in a root dump: an
///    offset inside one kernel build (the project has its own table of
///    helper addresses). The call still compares by its code and
///    registers, and its position, so which helper was called shows in the
///    instructions around it only. Kfunc calls (`src_reg` 2) keep their
///    `imm` (a BTF id).
/// 2. **bpf-to-bpf calls** (`call` with `src_reg` `BPF_PSEUDO_CALL`): `imm`
///    is set to 0 and `off` kept. A JITed program's dump has the relative
///    offset in `off` and the callee's subprog index in `imm` (the last
///    step of `jit_subprogs`); an interpreted one has the same offset in
///    `off` and, in `imm`, the `interpreters_args` entry for the callee's
///    stack depth minus `__bpf_call_base_args` (`bpf_patch_call_args`).
///    The project has no JIT yet, the running kernel JITs: `off` (the
///    target) is what both say alike.
/// 3. **Map references** (`ld_imm64` with `src_reg` `BPF_PSEUDO_MAP_FD` or
///    `BPF_PSEUDO_MAP_VALUE`, as `bpf_insn_prepare_dump` writes them back
///    from map pointers): the map id in the first slot's `imm` is
///    renumbered 0, 1, ... in the order the dump first mentions each id.
///    Ids are allocated per load from the machine-wide `map_idr`; the order
///    of first mention is the case's map order as long as both sides
///    reference the same maps in the same places. The value offset in the
///    second slot is kept.
/// 4. **Other kernel pointers in `ld_imm64`** (`src_reg` 0, value at or
///    above [`KERNEL_ADDR_MIN`]): the value is set to 0. The verifier's
///    inlining writes addresses of kernel objects there (a map pointer that
///    `bpf_map_from_imm` does not recognise, per-CPU variables, `jiffies`);
///    they differ on every boot and load.
///
/// Everything else (ctx field offsets after `convert_ctx_accesses`,
/// inlined map lookups' constant offsets, patched jump offsets, zero
/// extension, Spectre masking) is compared as is.
pub fn normalize_xlated(insns: &[BpfInsn]) -> Vec<BpfInsn> {
    let mut out = insns.to_vec();
    let mut map_ids: Vec<i32> = Vec::new();
    let mut i = 0;
    while i < out.len() {
        let code = out[i].code;
        if code == 0x85 && matches!(out[i].src_reg(), 0 | 1) {
            out[i].imm = 0;
        } else if code == 0x18 && i + 1 < out.len() {
            match out[i].src_reg() {
                1 | 2 => {
                    let id = out[i].imm;
                    let idx = match map_ids.iter().position(|&m| m == id) {
                        Some(p) => p,
                        None => {
                            map_ids.push(id);
                            map_ids.len() - 1
                        }
                    };
                    out[i].imm = idx as i32;
                }
                0 => {
                    let v = (u64::from(out[i + 1].imm as u32) << 32) | u64::from(out[i].imm as u32);
                    if v >= KERNEL_ADDR_MIN {
                        out[i].imm = 0;
                        out[i + 1].imm = 0;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    out
}

impl Outcome {
    /// From one result line of `kernel_oracle.py` or `bpftool batch`; the
    /// log is normalised with [`normalize_log`] against `insns` (the program
    /// as sent, map references as indices).
    pub fn from_result(v: &Value, insns: &[BpfInsn]) -> Outcome {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let accepted = v.get("accepted").and_then(Value::as_bool);
        let not_loaded = if accepted.is_some() {
            None
        } else if let Some(e) = s("tool_error") {
            Some(format!("tool_error {e}"))
        } else if let Some(e) = s("panic") {
            Some(format!("panic {e}"))
        } else {
            Some(format!(
                "{} {}",
                s("stage").unwrap_or_else(|| "unknown".into()),
                s("errno_name").unwrap_or_else(|| "-".into())
            ))
        };
        let stats = match v.get("stats") {
            Some(Value::Object(m)) => STAT_KEYS
                .iter()
                .filter_map(|k| m.get(*k).and_then(Value::as_u64).map(|n| (k.to_string(), n)))
                .collect(),
            _ => Vec::new(),
        };
        let tr = v.get("test_run");
        let test_run_errno = tr.and_then(|t| t.get("errno_name")).and_then(Value::as_str).map(str::to_string);
        Outcome {
            accepted,
            errno_name: if accepted == Some(false) { s("errno_name") } else { None },
            not_loaded,
            error_line: if accepted == Some(false) { s("error_line") } else { None },
            stats,
            retval: v.get("retval").and_then(Value::as_u64),
            test_run_errno,
            log: match v.get("log").and_then(Value::as_str) {
                Some(l) => LogRecord::from_log(&normalize_log(l, insns)),
                None => LogRecord::None,
            },
            xlated: v
                .get("xlated_hex")
                .and_then(Value::as_str)
                .and_then(insns_from_hex)
                .map(|x| normalize_xlated(&x)),
        }
    }

    /// One statistic, if recorded.
    pub fn stat(&self, key: &str) -> Option<u64> {
        self.stats.iter().find(|(k, _)| k == key).map(|(_, n)| *n)
    }

    /// `accepted`, `rejected EACCES` or `not_loaded ...`.
    pub fn verdict(&self) -> String {
        match (self.accepted, &self.not_loaded) {
            (Some(true), _) => "accepted".into(),
            (Some(false), _) => format!("rejected {}", self.errno_name.as_deref().unwrap_or("?")),
            (None, why) => format!("not_loaded {}", why.as_deref().unwrap_or("?")),
        }
    }

    /// The text of a `--- kernel` block (without that line).
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "verdict: {}", self.verdict());
        if let Some(e) = &self.error_line {
            let _ = writeln!(t, "error_line: {e}");
        }
        if !self.stats.is_empty() {
            let kv: Vec<String> = self.stats.iter().map(|(k, n)| format!("{k}={n}")).collect();
            let _ = writeln!(t, "stats: {}", kv.join(" "));
        }
        if let Some(r) = self.retval {
            let _ = writeln!(t, "retval: {r}");
        }
        if let Some(e) = &self.test_run_errno {
            let _ = writeln!(t, "test_run: {e}");
        }
        match &self.log {
            LogRecord::None => {}
            LogRecord::Full(log) => {
                let _ = writeln!(t, "log:");
                for l in log.lines() {
                    push_log_line(&mut t, l);
                }
                if !log.is_empty() && !log.ends_with('\n') {
                    let _ = writeln!(t, "log_no_final_newline");
                }
            }
            LogRecord::Cut { sha256, lines, head, tail } => {
                let _ = writeln!(t, "log_sha256: {sha256}");
                let _ = writeln!(t, "log_lines: {lines}");
                let _ = writeln!(t, "log_head:");
                for l in head {
                    push_log_line(&mut t, l);
                }
                let _ = writeln!(t, "log_tail:");
                for l in tail {
                    push_log_line(&mut t, l);
                }
            }
        }
        t
    }

    /// Parses a `--- kernel` block; `Err` names the line (0-based within
    /// `lines`) and what is wrong.
    pub fn parse(lines: &[&str]) -> Result<Outcome, (usize, String)> {
        let mut o = Outcome {
            accepted: None,
            errno_name: None,
            not_loaded: None,
            error_line: None,
            stats: Vec::new(),
            retval: None,
            test_run_errno: None,
            log: LogRecord::None,
            xlated: None,
        };
        let mut verdict_seen = false;
        // Which log list the `| ` lines go to: 0 full, 1 head, 2 tail.
        let mut log_target: Option<u8> = None;
        let (mut full, mut head, mut tail) = (Vec::<String>::new(), Vec::new(), Vec::new());
        let (mut sha, mut nlines, mut no_final_nl, mut have_full) = (None, None, false, false);
        for (i, raw) in lines.iter().enumerate() {
            if let Some(rest) = raw.strip_prefix('|') {
                let l = rest.strip_prefix(' ').unwrap_or(rest).to_string();
                match log_target {
                    Some(0) => full.push(l),
                    Some(1) => head.push(l),
                    Some(2) => tail.push(l),
                    _ => return Err((i, "a log line `| ...` outside `log:`".into())),
                }
                continue;
            }
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            log_target = None;
            let (key, val) = match line.split_once(':') {
                Some((k, v)) => (k.trim(), v.trim()),
                None if line == "log_no_final_newline" => {
                    no_final_nl = true;
                    continue;
                }
                None => return Err((i, format!("expected `key: value`, found `{line}`"))),
            };
            match key {
                "verdict" => {
                    verdict_seen = true;
                    let mut w = val.splitn(2, ' ');
                    match (w.next(), w.next()) {
                        (Some("accepted"), None) => o.accepted = Some(true),
                        (Some("rejected"), Some(e)) => {
                            o.accepted = Some(false);
                            o.errno_name = Some(e.trim().to_string());
                        }
                        (Some("not_loaded"), Some(why)) => o.not_loaded = Some(why.trim().to_string()),
                        _ => return Err((i, format!("bad verdict `{val}`"))),
                    }
                }
                "error_line" => o.error_line = Some(val.to_string()),
                "stats" => {
                    for kv in val.split_whitespace() {
                        let (k, n) = kv.split_once('=').ok_or((i, format!("bad stat `{kv}`")))?;
                        let n = n.parse().map_err(|_| (i, format!("bad stat `{kv}`")))?;
                        o.stats.push((k.to_string(), n));
                    }
                }
                "retval" => o.retval = Some(val.parse().map_err(|_| (i, format!("bad retval `{val}`")))?),
                "test_run" => o.test_run_errno = Some(val.to_string()),
                "log" => {
                    have_full = true;
                    log_target = Some(0);
                }
                "log_sha256" => sha = Some(val.to_string()),
                "log_lines" => nlines = Some(val.parse().map_err(|_| (i, format!("bad log_lines `{val}`")))?),
                "log_head" => log_target = Some(1),
                "log_tail" => log_target = Some(2),
                _ => return Err((i, format!("unknown key `{key}`"))),
            }
        }
        if !verdict_seen {
            return Err((0, "no `verdict:` line".into()));
        }
        if have_full {
            let mut s = full.join("\n");
            if !no_final_nl && !full.is_empty() {
                s.push('\n');
            }
            o.log = LogRecord::Full(s);
        } else if let Some(sha256) = sha {
            o.log = LogRecord::Cut { sha256, lines: nlines.unwrap_or(0), head, tail };
        }
        Ok(o)
    }
}

fn push_log_line(t: &mut String, l: &str) {
    if l.is_empty() {
        t.push_str("|\n");
    } else {
        let _ = writeln!(t, "| {l}");
    }
}

/// The fields two outcomes are compared on; each is `None` where it does
/// not apply (an error line when the kernel accepted, a retval when either
/// side did not run the program).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Agreement {
    /// Same verdict (accepted or not).
    pub verdict: bool,
    /// Same errno (both accepted counts as the same).
    pub errno: bool,
    /// Same last error line; only where the reference rejected.
    pub error_line: Option<bool>,
    /// Same retval; only where both ran the program.
    pub retval: Option<bool>,
    /// Same `processed N insns`; only where both have statistics.
    pub processed: Option<bool>,
    /// Same `total_states` and `peak_states`; only where both have them.
    pub states: Option<bool>,
    /// The same log, byte for byte (by digest when one is stored cut).
    pub log: Option<bool>,
    /// The same translated program after [`normalize_xlated`]; only where
    /// both sides dumped it.
    pub xlated: Option<bool>,
}

impl Agreement {
    /// Compares `got` with the `reference` (the kernel).
    pub fn of(reference: &Outcome, got: &Outcome) -> Agreement {
        let both = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(x), Some(y)) => Some(x == y),
            (Some(_), None) => Some(false),
            _ => None,
        };
        let states = match (
            both(reference.stat("total_states"), got.stat("total_states")),
            both(reference.stat("peak_states"), got.stat("peak_states")),
        ) {
            (Some(a), Some(b)) => Some(a && b),
            (a, b) => a.or(b),
        };
        Agreement {
            verdict: reference.accepted == got.accepted,
            errno: reference.accepted == got.accepted && reference.errno_name == got.errno_name,
            error_line: (reference.accepted == Some(false)).then(|| reference.error_line == got.error_line),
            retval: match (reference.retval, got.retval) {
                (Some(a), Some(b)) => Some(a == b),
                (Some(_), None) if got.accepted == Some(true) => Some(false),
                _ => None,
            },
            processed: both(reference.stat("processed_insns"), got.stat("processed_insns")),
            states,
            log: match (reference.log.digest(), got.log.digest()) {
                (Some(a), Some(b)) => Some(a == b),
                (Some(_), None) => Some(false),
                _ => None,
            },
            xlated: match (&reference.xlated, &got.xlated) {
                (Some(a), Some(b)) => Some(a == b),
                (Some(_), None) if got.accepted == Some(true) => Some(false),
                _ => None,
            },
        }
    }

    /// Every applicable field agrees.
    pub fn all(&self) -> bool {
        self.verdict
            && self.errno
            && [self.error_line, self.retval, self.processed, self.states, self.log, self.xlated]
                .iter()
                .all(|f| f.unwrap_or(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_round_trip() {
        let log = "0: (bf) r0 = r2\nR2 !read_ok\n\nprocessed 1 insns (limit 1000000) max_states_per_insn 0 \
                   total_states 0 peak_states 0 mark_read 0\n";
        let r = json!({"name": "x", "accepted": false, "errno_name": "EACCES", "error_line": "R2 !read_ok",
            "log": log, "stats": {"processed_insns": 1, "insn_limit": 1000000, "max_states_per_insn": 0,
            "total_states": 0, "peak_states": 0, "mark_read": 0}, "retval": null});
        let o = Outcome::from_result(&r, &[]);
        let text = o.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(Outcome::parse(&lines).unwrap(), o);
        assert!(text.starts_with("verdict: rejected EACCES\nerror_line: R2 !read_ok\n"), "{text}");
        assert!(Agreement::of(&o, &o).all());
    }

    #[test]
    fn long_logs_are_cut_and_compared_by_digest() {
        let log: String = (0..200).map(|i| format!("{i}: (b7) r0 = {i}\n")).collect();
        let o = Outcome::from_result(&json!({"accepted": true, "log": log, "retval": 5}), &[]);
        let text = o.to_text();
        let back = Outcome::parse(&text.lines().collect::<Vec<_>>()).unwrap();
        assert_eq!(back, o);
        assert!(matches!(back.log, LogRecord::Cut { lines: 200, .. }));
        let other = Outcome::from_result(
            &json!({"accepted": true, "log": log.replace("199", "x"), "retval": 5}),
            &[],
        );
        let a = Agreement::of(&back, &other);
        assert_eq!(a.log, Some(false));
        assert!(a.verdict && a.retval == Some(true));
    }

    #[test]
    fn map_addresses_are_normalised() {
        let insns = bpf_core::asm::asm("r0 = 0x1234\nr2 = map[fd:0]\nr3 = 0\nexit\n").unwrap();
        let log =
            "0: (18) r0 = 0x1234\n2: (18) r2 = 0xffff88853497c600       ; R2=map_ptr(map=m0,ks=4,vs=8)\n\
                   4: (18) r2 = 0xffff88853497c600\n";
        assert_eq!(
            normalize_log(log, &insns),
            "0: (18) r0 = 0x1234\n2: (18) r2 = <map_addr>       ; R2=map_ptr(map=m0,ks=4,vs=8)\n\
             4: (18) r2 = 0xffff88853497c600\n"
        );
    }

    #[test]
    fn xlated_dumps_are_normalised() {
        let i = BpfInsn::new;
        let ld = |src: u8, lo: i32, hi: i32| [i(0x18, 1, src, 0, lo), i(0, 0, 0, 0, hi)];
        // what a dump holds: a helper call with an address, a bpf-to-bpf
        // call (JIT: subprog index in imm), map ids 57 and 12 (one as a
        // direct value at offset 8), a kernel pointer, a plain constant
        let mut dump = vec![i(0x85, 0, 0, 0, 0x1a2b), i(0x85, 0, 1, 3, 1)];
        dump.extend(ld(1, 57, 0));
        dump.extend(ld(2, 12, 8));
        dump.extend(ld(1, 57, 0));
        dump.extend(ld(0, 0x1234_5678, 0xffff_8881_u32 as i32));
        dump.extend(ld(0, 7, 0));
        dump.push(i(0x85, 0, 2, 0, 99));
        let mut want = vec![i(0x85, 0, 0, 0, 0), i(0x85, 0, 1, 3, 0)];
        want.extend(ld(1, 0, 0));
        want.extend(ld(2, 1, 8));
        want.extend(ld(1, 0, 0));
        want.extend(ld(0, 0, 0));
        want.extend(ld(0, 7, 0));
        want.push(i(0x85, 0, 2, 0, 99));
        assert_eq!(normalize_xlated(&dump), want);
        // the same program from another load (other ids) compares equal
        let mut other = dump.clone();
        other[2].imm = 80;
        other[6].imm = 80;
        other[4].imm = 3;
        assert_eq!(normalize_xlated(&other), want);
        // a different jump target of a bpf-to-bpf call does not
        other[1].off = 4;
        assert_ne!(normalize_xlated(&other), want);
        assert_eq!(insns_from_hex("b7000000"), None);
        assert_eq!(insns_from_hex("b70000002a000000"), Some(vec![i(0xb7, 0, 0, 0, 42)]));
    }

    #[test]
    fn not_loaded_and_bad_blocks() {
        let o = Outcome::from_result(
            &json!({"accepted": null, "stage": "map_create", "errno_name": "EINVAL"}),
            &[],
        );
        assert_eq!(o.verdict(), "not_loaded map_create EINVAL");
        assert!(Outcome::parse(&["retval: 1"]).is_err());
        assert!(Outcome::parse(&["verdict: maybe"]).is_err());
        assert!(Outcome::parse(&["verdict: accepted", "| stray"]).is_err());
    }
}

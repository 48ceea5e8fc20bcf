//! The verifier corpus: programs in the assembler's text, each with the
//! running kernel's answer recorded below it (`bpf-verifier/tests/corpus/`,
//! format in its `README.md`).
//!
//! A file is a preamble (comments and the `kernel:` line naming the kernel
//! the expectations came from) and cases:
//!
//! ```text
//! === uninit_r2
//! # reading a register never written
//! prog_type: socket_filter
//! --- program
//!     r0 = r2
//!     exit
//! --- kernel
//! verdict: rejected EACCES
//! error_line: R2 !read_ok
//! stats: processed_insns=1 insn_limit=1000000 max_states_per_insn=0 total_states=0 peak_states=0 mark_read=0
//! log:
//! | 0: (bf) r0 = r2
//! | R2 !read_ok
//! | processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
//! ```
//!
//! [`Case::to_json`] turns a case into the JSON-lines case format of
//! `kernel_oracle.py` and `bpftool batch`; [`record`] runs every case
//! through the oracle and rewrites the `--- kernel` blocks.

use crate::outcome::Outcome;
use crate::repo_root;
use bpf_core::asm::asm;
use bpf_core::uapi::{insns_to_bytes, BpfInsn};
use bpftool::project::UNPRIV_UID;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The file extension of corpus files.
pub const EXT: &str = "bpft";

/// The verifier corpus's directory in the repository.
pub fn default_dir() -> PathBuf {
    repo_root().join("bpf-verifier/tests/corpus")
}

/// One map of a case, as the oracle's `maps` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct MapSpec {
    /// `array`, `hash`, `prog_array`, ...
    pub map_type: String,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// `max_entries`.
    pub max_entries: u32,
    /// `map_flags`.
    pub flags: u32,
    /// Index of the inner map (map-in-map).
    pub inner_map: Option<u32>,
    /// Initial entries: key and value as the oracle takes them (integers,
    /// or hex strings of bytes).
    pub init: Vec<(Value, Value)>,
}

impl MapSpec {
    /// Parses `hash key_size=4 value_size=8 max_entries=16 init=0:7,1:bytes:0100`.
    fn parse(text: &str) -> Result<MapSpec, String> {
        let mut words = text.split_whitespace();
        let map_type = words.next().ok_or("map: needs a type")?.to_string();
        let mut m = MapSpec {
            map_type,
            key_size: 4,
            value_size: 8,
            max_entries: 1,
            flags: 0,
            inner_map: None,
            init: Vec::new(),
        };
        for w in words {
            let (k, v) = w.split_once('=').ok_or_else(|| format!("map: expected key=value, found `{w}`"))?;
            let num = || parse_u32(v).ok_or_else(|| format!("map: {k}: bad number `{v}`"));
            match k {
                "key_size" => m.key_size = num()?,
                "value_size" => m.value_size = num()?,
                "max_entries" => m.max_entries = num()?,
                "flags" => m.flags = num()?,
                "inner_map" => m.inner_map = Some(num()?),
                "init" => {
                    for ent in v.split(',') {
                        let (key, val) = ent
                            .split_once(':')
                            .ok_or_else(|| format!("map: init entry `{ent}` is not KEY:VALUE"))?;
                        m.init.push((init_value(key)?, init_value(val)?));
                    }
                }
                _ => return Err(format!("map: unknown field `{k}`")),
            }
        }
        Ok(m)
    }

    /// The oracle's JSON for this map.
    pub fn to_json(&self) -> Value {
        let mut o = json!({
            "type": self.map_type, "key_size": self.key_size, "value_size": self.value_size,
            "max_entries": self.max_entries, "flags": self.flags,
        });
        if let Some(i) = self.inner_map {
            o["inner_map"] = json!(i);
        }
        if !self.init.is_empty() {
            o["init"] = Value::Array(self.init.iter().map(|(k, v)| json!({"key": k, "value": v})).collect());
        }
        o
    }
}

fn parse_u32(s: &str) -> Option<u32> {
    match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// `7`, `-1` (little-endian integers) or `bytes:0a0b` (raw bytes).
fn init_value(s: &str) -> Result<Value, String> {
    if let Some(h) = s.strip_prefix("bytes:") {
        if h.len() % 2 != 0 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("map: init: bad hex `{h}`"));
        }
        return Ok(Value::String(h.to_string()));
    }
    s.parse::<i64>().map(|n| json!(n)).map_err(|_| format!("map: init: bad integer `{s}`"))
}

/// One case of a corpus file.
#[derive(Clone, Debug)]
pub struct Case {
    /// Short name, unique in its file.
    pub name: String,
    /// The file's section (its stem: `alu`, `stack`, ...).
    pub section: String,
    /// Line of the `===` header in its file (1-based).
    pub line: usize,
    /// Program type name (`socket_filter`, `xdp`, ...).
    pub prog_type: String,
    /// The maps; `map[fd:N]` in the program names `maps[N]`.
    pub maps: Vec<MapSpec>,
    /// Test-run packet (hex), if not the default.
    pub data: Option<String>,
    /// Test-run ctx (hex).
    pub ctx: Option<String>,
    /// `log_level` (1 unless the header says otherwise).
    pub log_level: u32,
    /// `prog_flags` as the oracle takes them (an integer or names).
    pub prog_flags: Option<Value>,
    /// `expected_attach_type`, a name or number.
    pub expected_attach_type: Option<Value>,
    /// `false` when the program must not be run (its result is an
    /// address or otherwise differs per run).
    pub test_run: bool,
    /// `caps: none`: the loader is an unprivileged user (no `CAP_BPF`,
    /// `CAP_PERFMON`, `CAP_SYS_ADMIN`, `CAP_NET_ADMIN`), and the kernel was
    /// recorded from one; `caps: root` (the default) is the root loader.
    pub unpriv: bool,
    /// The assembled program.
    pub insns: Vec<BpfInsn>,
    /// The program as written.
    pub program: String,
    /// The recorded kernel answer, if any.
    pub expect: Option<Outcome>,
    /// The header and program lines, verbatim, from `===` to before
    /// `--- kernel` (what a re-record keeps).
    raw: Vec<String>,
}

impl Case {
    /// The name used across the whole corpus: `section/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.section, self.name)
    }

    /// The case in the JSON-lines format of `kernel_oracle.py` and
    /// `bpftool batch`; `meta` says where it comes from.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("name".into(), json!(self.full_name()));
        o.insert("prog_type".into(), json!(self.prog_type));
        o.insert("insns".into(), json!(crate::outcome::hex(&insns_to_bytes(&self.insns))));
        if !self.maps.is_empty() {
            o.insert("maps".into(), Value::Array(self.maps.iter().map(MapSpec::to_json).collect()));
        }
        if let Some(d) = &self.data {
            o.insert("data".into(), json!(d));
        }
        if let Some(c) = &self.ctx {
            o.insert("ctx".into(), json!(c));
        }
        o.insert("log_level".into(), json!(self.log_level));
        if let Some(f) = &self.prog_flags {
            o.insert("prog_flags".into(), f.clone());
        }
        if let Some(a) = &self.expected_attach_type {
            o.insert("expected_attach_type".into(), a.clone());
        }
        if !self.test_run {
            o.insert("test_run".into(), json!(false));
        }
        if self.unpriv {
            o.insert("unpriv".into(), json!(true));
        }
        o.insert("meta".into(), json!({"corpus": "verifier", "section": self.section, "line": self.line}));
        Value::Object(o)
    }
}

/// One corpus file.
#[derive(Clone, Debug)]
pub struct CorpusFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its section name (the file stem).
    pub section: String,
    /// The kernel the expectations came from (`kernel:` line), if recorded.
    pub kernel: Option<String>,
    /// The preamble's `caps:` line: `none` makes every case of the file
    /// unprivileged unless it says `caps: root`.
    pub unpriv: bool,
    /// Lines before the first case, verbatim.
    preamble: Vec<String>,
    /// The cases in file order.
    pub cases: Vec<Case>,
}

/// A parse error: file, line, message.
#[derive(Clone, Debug)]
pub struct CorpusError {
    /// The file.
    pub path: PathBuf,
    /// Line, 1-based.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

impl std::fmt::Display for CorpusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.msg)
    }
}

impl CorpusFile {
    /// Parses the text of a corpus file.
    pub fn parse(path: &Path, text: &str) -> Result<CorpusFile, CorpusError> {
        let section = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let err = |line: usize, msg: String| CorpusError { path: path.to_path_buf(), line, msg };
        let lines: Vec<&str> = text.lines().collect();
        let mut file = CorpusFile {
            path: path.to_path_buf(),
            section: section.clone(),
            kernel: None,
            unpriv: false,
            preamble: vec![],
            cases: vec![],
        };
        let mut i = 0;
        while i < lines.len() && !lines[i].starts_with("=== ") {
            if let Some(k) = lines[i].strip_prefix("kernel:") {
                file.kernel = Some(k.trim().to_string());
            }
            if let Some(c) = lines[i].strip_prefix("caps:") {
                file.unpriv = parse_caps(c.trim()).map_err(|m| err(i + 1, m))?;
            }
            file.preamble.push(lines[i].to_string());
            i += 1;
        }
        while i < lines.len() {
            let start = i;
            let name = lines[i]["=== ".len()..].trim().to_string();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(err(i + 1, format!("bad case name `{name}` (letters, digits, `_`, `-`)")));
            }
            if file.cases.iter().any(|c| c.name == name) {
                return Err(err(i + 1, format!("case `{name}` defined twice")));
            }
            i += 1;
            let mut case = Case {
                name,
                section: section.clone(),
                line: start + 1,
                prog_type: "socket_filter".into(),
                maps: vec![],
                data: None,
                ctx: None,
                log_level: 1,
                prog_flags: None,
                expected_attach_type: None,
                test_run: true,
                unpriv: file.unpriv,
                insns: vec![],
                program: String::new(),
                expect: None,
                raw: vec![],
            };
            // Header.
            while i < lines.len() && lines[i].trim() != "--- program" {
                let l = lines[i].trim();
                if l.starts_with("=== ") || l.starts_with("--- ") {
                    return Err(err(i + 1, "expected `--- program` after the header".into()));
                }
                if !(l.is_empty() || l.starts_with('#')) {
                    let (k, v) = l
                        .split_once(':')
                        .ok_or_else(|| err(i + 1, format!("expected `key: value`, found `{l}`")))?;
                    let v = v.trim();
                    let bad = |m: String| err(i + 1, m);
                    match k.trim() {
                        "prog_type" => case.prog_type = v.to_string(),
                        "map" => case.maps.push(MapSpec::parse(v).map_err(bad)?),
                        "data" => case.data = Some(hex_field(v).map_err(bad)?),
                        "ctx" => case.ctx = Some(hex_field(v).map_err(bad)?),
                        "log_level" => {
                            case.log_level =
                                parse_u32(v).ok_or_else(|| bad(format!("bad log_level `{v}`")))?
                        }
                        "prog_flags" => case.prog_flags = Some(names_or_number(v)),
                        "test_run" => {
                            case.test_run = match v {
                                "true" => true,
                                "false" => false,
                                _ => {
                                    return Err(bad(format!("test_run: expected true or false, found `{v}`")))
                                }
                            }
                        }
                        "caps" => case.unpriv = parse_caps(v).map_err(bad)?,
                        "expected_attach_type" => {
                            case.expected_attach_type =
                                Some(parse_u32(v).map(|n| json!(n)).unwrap_or_else(|| json!(v)))
                        }
                        other => return Err(bad(format!("unknown header key `{other}`"))),
                    }
                }
                i += 1;
            }
            if i == lines.len() {
                return Err(err(start + 1, "case without `--- program`".into()));
            }
            i += 1;
            let prog_start = i;
            while i < lines.len() && !lines[i].starts_with("=== ") && lines[i].trim() != "--- kernel" {
                i += 1;
            }
            case.program = lines[prog_start..i].join("\n") + "\n";
            case.insns = assemble(&case.program).map_err(|(l, m)| err(prog_start + l, m))?;
            if case.insns.is_empty() {
                return Err(err(prog_start, "empty program".into()));
            }
            let mut raw_end = i;
            while raw_end > start && lines[raw_end - 1].trim().is_empty() {
                raw_end -= 1;
            }
            case.raw = lines[start..raw_end].iter().map(|s| s.to_string()).collect();
            if i < lines.len() && lines[i].trim() == "--- kernel" {
                i += 1;
                let k_start = i;
                while i < lines.len() && !lines[i].starts_with("=== ") {
                    i += 1;
                }
                case.expect =
                    Some(Outcome::parse(&lines[k_start..i]).map_err(|(l, m)| err(k_start + l + 1, m))?);
            }
            file.cases.push(case);
        }
        Ok(file)
    }

    /// The file's text with `outcomes[i]` as the `--- kernel` block of case
    /// `i` (or its old block where `None`) and `kernel` as the kernel line.
    pub fn render(&self, kernel: Option<&str>, outcomes: &[Option<Outcome>]) -> String {
        let mut out = String::new();
        let mut wrote_kernel = false;
        for l in &self.preamble {
            if l.starts_with("kernel:") {
                if let Some(k) = kernel {
                    out.push_str(&format!("kernel: {k}\n"));
                    wrote_kernel = true;
                    continue;
                }
            }
            out.push_str(l);
            out.push('\n');
        }
        if let (Some(k), false) = (kernel, wrote_kernel) {
            // A preamble ends before its blank line, if it has one.
            if out.ends_with("\n\n") {
                out.pop();
                out.push_str(&format!("kernel: {k}\n\n"));
            } else {
                out.push_str(&format!("kernel: {k}\n\n"));
            }
        }
        for (idx, c) in self.cases.iter().enumerate() {
            for l in &c.raw {
                out.push_str(l);
                out.push('\n');
            }
            let o = outcomes.get(idx).cloned().flatten().or_else(|| c.expect.clone());
            if let Some(o) = o {
                out.push_str("--- kernel\n");
                out.push_str(&o.to_text());
            }
            out.push('\n');
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }
}

/// The placeholder a `.raw` line assembles to before its bytes are put in
/// (`w9 = RAW_MAGIC + k` for the `k`-th raw line): one slot, so labels keep
/// their distances.
const RAW_MAGIC: i32 = 0x7ead_0000;

/// Assembles a program with [`bpf_core::asm::asm`], plus `.raw` lines for
/// encodings the assembler refuses to write (reserved fields, unknown
/// opcodes): `.raw code=0xe7 dst=0 src=0 off=0 imm=0`, each field optional
/// (0), numbers decimal or `0x` hex, `off` and `imm` may be negative.
/// `Err` has the 1-based line within `text` and a message.
pub fn assemble(text: &str) -> Result<Vec<BpfInsn>, (usize, String)> {
    let mut raws = Vec::new();
    let mut src = String::new();
    for (n, line) in text.lines().enumerate() {
        match line.trim_start().strip_prefix(".raw") {
            Some(rest) => {
                raws.push(parse_raw(rest).map_err(|m| (n + 1, m))?);
                src.push_str(&format!("w9 = {}\n", RAW_MAGIC + raws.len() as i32 - 1));
            }
            None => {
                src.push_str(line);
                src.push('\n');
            }
        }
    }
    let mut insns = asm(&src).map_err(|e| (e.line, e.kind.to_string()))?;
    for (k, raw) in raws.into_iter().enumerate() {
        let at = insns
            .iter()
            .position(|i| i.code == 0xb4 && i.regs == 9 && i.imm == RAW_MAGIC + k as i32)
            .ok_or((0, "a .raw placeholder went missing".to_string()))?;
        insns[at] = raw;
    }
    Ok(insns)
}

fn parse_raw(rest: &str) -> Result<BpfInsn, String> {
    let (mut code, mut dst, mut src, mut off, mut imm) = (0u8, 0u8, 0u8, 0i16, 0i32);
    for w in rest.split_whitespace() {
        let (k, v) = w.split_once('=').ok_or_else(|| format!(".raw: expected field=value, found `{w}`"))?;
        let (neg, mag) = match v.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, v),
        };
        let n = match mag.strip_prefix("0x") {
            Some(h) => i64::from_str_radix(h, 16),
            None => mag.parse::<i64>(),
        }
        .map_err(|_| format!(".raw: bad number `{v}`"))?;
        let n = if neg { -n } else { n };
        let fit = |lo: i64, hi: i64| {
            if (lo..=hi).contains(&n) {
                Ok(n)
            } else {
                Err(format!(".raw: {k}={v} out of range"))
            }
        };
        match k {
            "code" => code = fit(0, 0xff)? as u8,
            "dst" => dst = fit(0, 15)? as u8,
            "src" => src = fit(0, 15)? as u8,
            "off" => off = fit(i16::MIN as i64, u16::MAX as i64)? as u16 as i16,
            "imm" => imm = fit(i32::MIN as i64, u32::MAX as i64)? as u32 as i32,
            _ => return Err(format!(".raw: unknown field `{k}` (code, dst, src, off, imm)")),
        }
    }
    Ok(BpfInsn::new(code, dst, src, off, imm))
}

/// `caps: none` (an unprivileged loader: `true`) or `caps: root`.
fn parse_caps(v: &str) -> Result<bool, String> {
    match v {
        "none" => Ok(true),
        "root" => Ok(false),
        _ => Err(format!("caps: expected `none` or `root`, found `{v}`")),
    }
}

/// Hex with optional blanks, lower-cased, whitespace removed.
fn hex_field(v: &str) -> Result<String, String> {
    let h: String = v.split_whitespace().collect::<String>().to_ascii_lowercase();
    if h.len() % 2 != 0 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("bad hex `{v}`"));
    }
    Ok(h)
}

/// `any_alignment|sleepable` as a list of names, or a number.
fn names_or_number(v: &str) -> Value {
    match parse_u32(v) {
        Some(n) => json!(n),
        None => Value::Array(v.split('|').map(|s| json!(s.trim())).collect()),
    }
}

/// Reads every `*.bpft` file of `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<CorpusFile>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == EXT))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        files.push(CorpusFile::parse(&p, &text).map_err(|e| e.to_string())?);
    }
    Ok(files)
}

/// Every case of `files`, in order.
pub fn all_cases(files: &[CorpusFile]) -> Vec<&Case> {
    files.iter().flat_map(|f| f.cases.iter()).collect()
}

/// `kernel.unprivileged_bpf_disabled`.
const UNPRIV_SYSCTL: &str = "/proc/sys/kernel/unprivileged_bpf_disabled";

fn read_unpriv_sysctl() -> Result<u32, String> {
    let v = std::fs::read_to_string(UNPRIV_SYSCTL).map_err(|e| format!("{UNPRIV_SYSCTL}: {e}"))?;
    v.trim().parse().map_err(|_| format!("{UNPRIV_SYSCTL}: unexpected `{}`", v.trim()))
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Puts `kernel.unprivileged_bpf_disabled` back to the value it had when
/// dropped, whatever happened in between.
struct RestoreSysctl(u32);

impl Drop for RestoreSysctl {
    fn drop(&mut self) {
        if let Err(e) = std::fs::write(UNPRIV_SYSCTL, format!("{}\n", self.0)) {
            eprintln!("corpus: could not put {UNPRIV_SYSCTL} back to {}: {e}", self.0);
        }
    }
}

/// Runs `cases` through `kernel_oracle.py` as an unprivileged user, for
/// the corpus cases that say `caps: none`.
///
/// As root: `kernel.unprivileged_bpf_disabled` is set to 0 for the run and
/// put back afterwards (a value of 1 cannot be changed until reboot: then
/// this fails, and 1 is never written), and the oracle runs under `setpriv
/// --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all` with the
/// system's `/usr/bin/python3` (a per-user Python install is often not
/// readable by `nobody`). As another user: the oracle runs as that user,
/// which must have no capabilities, when the sysctl is already 0.
pub fn run_oracle_unprivileged(oracle: &Path, cases: &[Value]) -> Result<Vec<Value>, String> {
    let before = read_unpriv_sysctl()?;
    if effective_uid() != Some(0) {
        if before != 0 {
            return Err(format!(
                "unprivileged cases: {UNPRIV_SYSCTL} is {before}; recording them needs root (to set it to 0 \
                 for the run) or the sysctl at 0"
            ));
        }
        return crate::oracle::run_oracle(oracle, &[], cases);
    }
    if before == 1 {
        return Err(format!(
            "unprivileged cases: {UNPRIV_SYSCTL} is 1, which keeps unprivileged bpf() off until reboot; \
             they cannot be recorded on this machine"
        ));
    }
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .unwrap_or("python3");
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args([
        &format!("--reuid={UNPRIV_UID}"),
        &format!("--regid={UNPRIV_UID}"),
        "--clear-groups",
        "--inh-caps=-all",
        python,
    ]);
    // The unprivileged user may not be able to read the working directory.
    cmd.current_dir("/");
    let _restore = if before != 0 {
        std::fs::write(UNPRIV_SYSCTL, "0\n")
            .map_err(|e| format!("unprivileged cases: cannot set {UNPRIV_SYSCTL} to 0: {e}"))?;
        Some(RestoreSysctl(before))
    } else {
        None
    };
    let oracle = oracle.canonicalize().unwrap_or_else(|_| oracle.to_path_buf());
    crate::oracle::run_oracle_with(cmd, &oracle, &[], cases)
        .map_err(|e| format!("unprivileged cases (setpriv as uid {UNPRIV_UID}): {e}"))
}

/// Runs every case of `files` through `kernel_oracle.py` and rewrites each
/// file with the kernel's answers and the kernel's name. Returns a summary
/// line per file.
pub fn record(files: &[CorpusFile], oracle: &Path) -> Result<Vec<String>, String> {
    let env = crate::oracle::oracle_env(oracle)?;
    let kernel = format!("{} (kernel_oracle.py --env)", crate::oracle::env_line(&env));
    let mut summary = Vec::new();
    for f in files {
        let (unpriv, root): (Vec<&Case>, Vec<&Case>) = f.cases.iter().partition(|c| c.unpriv);
        let root_json: Vec<Value> = root.iter().map(|c| c.to_json()).collect();
        let unpriv_json: Vec<Value> = unpriv.iter().map(|c| c.to_json()).collect();
        let mut root_results =
            if root_json.is_empty() { vec![] } else { crate::oracle::run_oracle(oracle, &[], &root_json)? }
                .into_iter();
        let mut unpriv_results =
            if unpriv_json.is_empty() { vec![] } else { run_oracle_unprivileged(oracle, &unpriv_json)? }
                .into_iter();
        let outcomes: Vec<Option<Outcome>> = f
            .cases
            .iter()
            .map(|c| {
                let r = if c.unpriv { unpriv_results.next() } else { root_results.next() };
                r.map(|r| Outcome::from_result(&r, &c.insns))
            })
            .collect();
        let changed = f.cases.iter().zip(&outcomes).filter(|(c, o)| c.expect.as_ref() != o.as_ref()).count();
        let accepted =
            outcomes.iter().filter(|o| o.as_ref().is_some_and(|o| o.accepted == Some(true))).count();
        let text = f.render(Some(&kernel), &outcomes);
        std::fs::write(&f.path, text).map_err(|e| format!("{}: {e}", f.path.display()))?;
        summary.push(format!(
            "{}: {} cases ({} accepted, {} rejected), {} changed",
            f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            f.cases.len(),
            accepted,
            f.cases.len() - accepted,
            changed
        ));
    }
    Ok(summary)
}

/// `cargo xtask corpus [--dir DIR] [--emit] [--record]`.
///
/// Without options: parses every file, assembles every program and prints
/// the cases per section with their recorded verdicts. `--emit` prints the
/// cases as JSON lines instead (input for `kernel_oracle.py` or `bpftool
/// batch`). `--record` (or `UPDATE_EXPECT=1`) runs them through the live
/// kernel with `kernel_oracle.py` and rewrites the `--- kernel` blocks.
pub fn cmd_corpus(args: &[String]) -> Result<(), String> {
    let mut dir = default_dir();
    let (mut emit, mut rec) = (false, std::env::var_os("UPDATE_EXPECT").is_some());
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => dir = PathBuf::from(it.next().ok_or("--dir needs a value")?),
            "--emit" => emit = true,
            "--record" => rec = true,
            "--section" => only = Some(it.next().ok_or("--section needs a value")?.clone()),
            other => return Err(format!("corpus: unknown argument `{other}`")),
        }
    }
    let mut files = load_dir(&dir)?;
    if let Some(s) = &only {
        files.retain(|f| &f.section == s);
    }
    if emit {
        for c in all_cases(&files) {
            println!("{}", c.to_json());
        }
        return Ok(());
    }
    if rec {
        let oracle = crate::oracle::find_oracle()?;
        for line in record(&files, &oracle)? {
            println!("{line}");
        }
        return Ok(());
    }
    let (mut total, mut acc, mut rej, mut none) = (0, 0, 0, 0);
    for f in &files {
        let a =
            f.cases.iter().filter(|c| c.expect.as_ref().is_some_and(|e| e.accepted == Some(true))).count();
        let r =
            f.cases.iter().filter(|c| c.expect.as_ref().is_some_and(|e| e.accepted == Some(false))).count();
        let n = f.cases.len() - a - r;
        println!(
            "{:<14} {:>4} cases  {:>4} accepted  {:>4} rejected  {:>3} unrecorded",
            f.section,
            f.cases.len(),
            a,
            r,
            n
        );
        total += f.cases.len();
        acc += a;
        rej += r;
        none += n;
    }
    println!("{:<14} {total:>4} cases  {acc:>4} accepted  {rej:>4} rejected  {none:>3} unrecorded", "total");
    if let Some(k) = files.iter().find_map(|f| f.kernel.clone()) {
        println!("recorded on: {k}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# A test file.

=== ret42
# returns 42
prog_type: xdp
map: hash key_size=4 value_size=8 max_entries=16 init=0:7,1:bytes:0100000000000000
data: 00 11 22
--- program
    r0 = 42     # the answer
    exit

=== uninit
--- program
    r0 = r2
    exit
--- kernel
verdict: rejected EACCES
error_line: R2 !read_ok
log:
| 0: (bf) r0 = r2
| R2 !read_ok
";

    #[test]
    fn parse_and_render() {
        let f = CorpusFile::parse(Path::new("x/alu.bpft"), FILE).unwrap();
        assert_eq!(f.section, "alu");
        assert_eq!(f.cases.len(), 2);
        let c = &f.cases[0];
        assert_eq!((c.name.as_str(), c.prog_type.as_str(), c.line), ("ret42", "xdp", 3));
        assert_eq!(c.insns.len(), 2);
        assert_eq!(c.data.as_deref(), Some("001122"));
        let j = c.to_json();
        assert_eq!(j["name"], "alu/ret42");
        assert_eq!(j["insns"], "b70000002a0000009500000000000000");
        assert_eq!(j["maps"][0]["init"][1]["value"], "0100000000000000");
        assert_eq!(j["maps"][0]["init"][0]["key"], 0);
        assert!(c.expect.is_none());
        assert_eq!(f.cases[1].expect.as_ref().unwrap().error_line.as_deref(), Some("R2 !read_ok"));
        // Rendering with no new outcomes gives the file back, plus the kernel line.
        let again = f.render(None, &[]);
        assert_eq!(again, FILE);
        let k = f.render(Some("6.18 test"), &[]);
        assert!(k.starts_with("# A test file.\nkernel: 6.18 test\n\n=== ret42\n"), "{k}");
        let f2 = CorpusFile::parse(Path::new("x/alu.bpft"), &k).unwrap();
        assert_eq!(f2.kernel.as_deref(), Some("6.18 test"));
        assert_eq!(f2.render(Some("6.18 test"), &[]), k);
    }

    #[test]
    fn caps_none_makes_cases_unprivileged() {
        let text = "caps: none\n\n=== a\n--- program\nexit\n\n=== b\ncaps: root\n--- program\nexit\n";
        let f = CorpusFile::parse(Path::new("x/unpriv.bpft"), text).unwrap();
        assert!(f.unpriv);
        assert!(f.cases[0].unpriv && !f.cases[1].unpriv);
        assert_eq!(f.cases[0].to_json()["unpriv"], true);
        assert!(f.cases[1].to_json().get("unpriv").is_none());
        assert_eq!(f.render(None, &[]), text);
        let e = CorpusFile::parse(Path::new("t.bpft"), "=== a\ncaps: some\n--- program\nexit\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn errors_name_the_line() {
        let bad = "=== a\nprog_type: xdp\n--- program\n r0 = bogus\n exit\n";
        let e = CorpusFile::parse(Path::new("t.bpft"), bad).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let e = CorpusFile::parse(Path::new("t.bpft"), "=== a\nfrob: 1\n--- program\nexit\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.msg.contains("frob"));
        let e =
            CorpusFile::parse(Path::new("t.bpft"), "=== a\n--- program\nexit\n=== a\n--- program\nexit\n")
                .unwrap_err();
        assert!(e.msg.contains("twice"));
        let e = CorpusFile::parse(Path::new("t.bpft"), "=== a b\n--- program\nexit\n").unwrap_err();
        assert!(e.msg.contains("bad case name"));
    }
}

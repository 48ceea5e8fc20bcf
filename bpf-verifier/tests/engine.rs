//! Engine tests: programs in, verdict and verifier log out, checked
//! against the Linux 6.18 kernel.
//!
//! Each `tests/engine/*.case` file holds cases like
//!
//! ```text
//! == name
//! type xdp              # program type (default socket_filter)
//! level 2               # log_level (default 1)
//! map array 4 8 2       # maps, fd 0, 1, ... as kernel_oracle.py numbers them
//! prog
//!   r0 = 42             # bpf_core::asm text
//!   exit
//! expect accepted       # or an errno name: EACCES
//!   <the kernel's log, line by line>
//! ```
//!
//! The `expect` sections were recorded from the running kernel with
//! `kernel_oracle.py` (found by the `kernel-oracle` crate: `$KERNEL_ORACLE`
//! or `shared/tools` beside the checkout; the file header says which
//! kernel). Where that tool and `bpf()` are available the test
//! also loads every case into the live kernel and checks the recording is
//! still what it prints; `UPDATE_EXPECT=1` rewrites the recordings from the
//! live kernel. Map addresses in `ld_imm64` lines are compared as `PTR`.

use bpf_core::asm::asm;
use bpf_core::uapi::*;
use bpf_verifier::standalone::{named_shape_only_map, verify, VerifyOpts};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Debug, Default)]
struct Case {
    name: String,
    prog_type: String,
    level: u32,
    maps: Vec<(String, u32, u32, u32)>,
    prog: String,
    expect: String,
    log: Vec<String>,
}

fn parse(text: &str) -> (Vec<String>, Vec<Case>) {
    let mut header = Vec::new();
    let mut cases: Vec<Case> = Vec::new();
    let mut block: Option<&str> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            cases.push(Case {
                name: name.trim().into(),
                prog_type: "socket_filter".into(),
                level: 1,
                ..Default::default()
            });
            block = None;
            continue;
        }
        let Some(c) = cases.last_mut() else {
            header.push(line.to_string());
            continue;
        };
        if let Some(body) = line.strip_prefix("  ") {
            match block {
                Some("prog") => {
                    c.prog.push_str(body);
                    c.prog.push('\n');
                }
                Some("expect") => c.log.push(body.to_string()),
                _ => panic!("case {}: indented line outside prog/expect: {line}", c.name),
            }
            continue;
        }
        let mut words = line.split_whitespace();
        match words.next() {
            None => {}
            Some(w) if w.starts_with('#') => {}
            Some("type") => c.prog_type = words.next().expect("type name").into(),
            Some("level") => c.level = words.next().and_then(|l| l.parse().ok()).expect("level"),
            Some("map") => {
                let t = words.next().expect("map type").to_string();
                let n: Vec<u32> = words.map(|w| w.parse().expect("map size")).collect();
                c.maps.push((t, n[0], n[1], n[2]));
            }
            Some("prog") => block = Some("prog"),
            Some("expect") => {
                c.expect = words.next().expect("verdict").into();
                block = Some("expect");
            }
            Some(other) => panic!("case {}: unknown line `{other}`", c.name),
        }
    }
    (header, cases)
}

fn format_cases(header: &[String], cases: &[Case]) -> String {
    let mut out = String::new();
    for h in header {
        let _ = writeln!(out, "{h}");
    }
    for c in cases {
        let _ = writeln!(out, "== {}", c.name);
        if c.prog_type != "socket_filter" {
            let _ = writeln!(out, "type {}", c.prog_type);
        }
        if c.level != 1 {
            let _ = writeln!(out, "level {}", c.level);
        }
        for (t, k, v, m) in &c.maps {
            let _ = writeln!(out, "map {t} {k} {v} {m}");
        }
        let _ = writeln!(out, "prog");
        for l in c.prog.lines() {
            let _ = writeln!(out, "  {l}");
        }
        let _ = writeln!(out, "expect {}", c.expect);
        for l in &c.log {
            let _ = writeln!(out, "  {l}");
        }
        out.push('\n');
    }
    out
}

/// Map pointers differ between runs: `r1 = 0xffff...` becomes `r1 = PTR`,
/// and the padding before `;` that depends on its length is dropped.
fn normalize(line: &str) -> String {
    let Some(at) = line.find(" = 0x") else { return line.to_string() };
    if !line.contains("(18) r") {
        return line.to_string();
    }
    let hex_end = line[at + 5..].find(|c: char| !c.is_ascii_hexdigit()).map_or(line.len(), |e| at + 5 + e);
    if hex_end - (at + 5) < 6 {
        return line.to_string();
    }
    let rest = line[hex_end..].trim_start();
    if rest.is_empty() {
        format!("{} = PTR", &line[..at])
    } else {
        format!("{} = PTR {}", &line[..at], rest)
    }
}

struct Ours {
    verdict: String,
    log: Vec<String>,
}

fn run_ours(c: &Case) -> Ours {
    let insns = asm(&c.prog).unwrap_or_else(|e| panic!("case {}: {e}", c.name));
    let t = BpfProgType::from_name(&c.prog_type).unwrap_or_else(|| panic!("case {}: type", c.name));
    let maps = c
        .maps
        .iter()
        .enumerate()
        .map(|(i, (mt, k, v, m))| {
            let t = BpfMapType::from_name(mt).unwrap_or_else(|| panic!("case {}: map type {mt}", c.name));
            named_shape_only_map(&format!("m{i}"), t, *k, *v, *m)
        })
        .collect();
    let opts = VerifyOpts { log_level: c.level, ..Default::default() };
    let v = verify(t, &insns, maps, &opts);
    let verdict = match v.result {
        Ok(()) => "accepted".to_string(),
        Err(e) => format!("{e:?}"),
    };
    Ours { verdict, log: v.log.lines().map(normalize).collect() }
}

fn oracle_path() -> Option<PathBuf> {
    // $KERNEL_ORACLE, else shared/tools beside the checkout (or beside the
    // main checkout of a worktree)
    kernel_oracle::find_oracle().ok()
}

/// The string value of `"key": "..."` in one JSON line (enough JSON for
/// kernel_oracle.py's output).
fn json_str(line: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":");
    let at = line.find(&pat)? + pat.len();
    let rest = line[at..].trim_start();
    if rest.starts_with("null") {
        return None;
    }
    if let Some(r) = rest.strip_prefix("true") {
        let _ = r;
        return Some("true".into());
    }
    if rest.starts_with("false") {
        return Some("false".into());
    }
    let mut out = String::new();
    let mut chars = rest.strip_prefix('"')?.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'u' => {
                    let h: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                }
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
    None
}

/// Runs every case through the live kernel; `None` when that is not
/// possible here.
fn run_live(cases: &[Case]) -> Option<Vec<Ours>> {
    let oracle = oracle_path()?;
    let mut input = String::new();
    for (i, c) in cases.iter().enumerate() {
        let insns = asm(&c.prog).ok()?;
        let hex: String = insns_to_bytes(&insns).iter().map(|b| format!("{b:02x}")).collect();
        let maps: Vec<String> = c
            .maps
            .iter()
            .map(|(t, k, v, m)| {
                format!("{{\"type\":\"{t}\",\"key_size\":{k},\"value_size\":{v},\"max_entries\":{m}}}")
            })
            .collect();
        let _ = writeln!(
            input,
            "{{\"name\":\"c{i}\",\"prog_type\":\"{}\",\"insns\":\"{hex}\",\"log_level\":{},\"test_run\":false,\"maps\":[{}]}}",
            c.prog_type,
            c.level,
            maps.join(",")
        );
    }
    let mut child = Command::new("python3")
        .arg(&oracle)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    {
        use std::io::Write;
        child.stdin.take()?.write_all(input.as_bytes()).ok()?;
    }
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let res: Vec<Ours> = text
        .lines()
        .map(|l| {
            let verdict = if json_str(l, "accepted").as_deref() == Some("true") {
                "accepted".to_string()
            } else {
                json_str(l, "errno_name").unwrap_or_else(|| "unknown".into())
            };
            Ours { verdict, log: json_str(l, "log").unwrap_or_default().lines().map(normalize).collect() }
        })
        .collect();
    (res.len() == cases.len()).then_some(res)
}

fn diff(a: &[String], b: &[String]) -> String {
    let mut s = String::new();
    let n = a.len().max(b.len());
    for i in 0..n {
        let (x, y) = (a.get(i), b.get(i));
        if x != y {
            let _ = writeln!(s, "  line {}:\n    expected: {:?}\n    got:      {:?}", i + 1, x, y);
        }
    }
    s
}

#[test]
fn engine_cases_match_the_kernel() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("tests/engine").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "case"));
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let mut total = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("case file");
        let (header, mut cases) = parse(&text);
        total += cases.len();
        let live = run_live(&cases);
        match &live {
            Some(_) => eprintln!("{}: comparing with the live kernel", f.display()),
            None => eprintln!("{}: live kernel unavailable, using the recorded expectations", f.display()),
        }
        if update {
            let live = live.as_ref().expect("UPDATE_EXPECT needs the live kernel");
            for (c, l) in cases.iter_mut().zip(live) {
                c.expect = l.verdict.clone();
                c.log = l.log.clone();
            }
            std::fs::write(f, format_cases(&header, &cases)).expect("write case file");
        }
        for (i, c) in cases.iter().enumerate() {
            let ours = run_ours(c);
            if let Some(live) = &live {
                let l = &live[i];
                if l.verdict != c.expect || l.log != c.log {
                    failures.push(format!(
                        "{}: {}: the recording differs from the live kernel (verdict {} vs {}):\n{}",
                        f.display(),
                        c.name,
                        c.expect,
                        l.verdict,
                        diff(&c.log, &l.log)
                    ));
                }
            }
            if ours.verdict != c.expect || ours.log != c.log {
                failures.push(format!(
                    "{}: {}: verdict {} (kernel {}):\n{}",
                    f.display(),
                    c.name,
                    ours.verdict,
                    c.expect,
                    diff(&c.log, &ours.log)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {total} cases differ:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{total} engine cases match");
}

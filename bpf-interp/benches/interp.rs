//! `cargo xtask bench`: the interpreter on a set of workloads, beside rbpf
//! (its interpreter and its JIT) on the same programs, in the same run.
//!
//! Each workload is a raw eBPF program with its input memory. Engines:
//!
//! - `interp fast`: `INTERPRETERS[idx](ctx, prog)`, the kernel-shaped
//!   entry, on the program as the verifier would leave it (helpers called
//!   by `BPF_CALL_IMM`, bpf-to-bpf calls as `BPF_CALL_ARGS`).
//! - `interp checked`: `run_checked`, every access validated.
//! - `rbpf interp`, `rbpf jit`: rbpf 0.4 on the uapi program.
//!
//! Every engine must return the same r0 (checked before timing). The time
//! per run is the best of several batches of at least 50 ms; ns/insn
//! divides it by the instructions one run executes (counted by the checked
//! mode). Rows go to stdout as a table and to `target/bench/interp.json`.
//!
//! To add an engine: a variant of [`Engine`], its arm in [`Engine::prepare`].
//! To add a workload: a function returning a [`Workload`], listed in
//! [`workloads`].
//!
//! Arguments: an optional filter (substring of the workload name).

use bpf_core::helpers::bpf_call_imm;
use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size, BpfProg};
use bpf_core::uapi::*;
use bpf_interp::*;
use std::ffi::c_void;
use std::hint::black_box;
use std::time::{Duration, Instant};

type I = BpfInsn;

/// A program and its input.
struct Workload {
    name: &'static str,
    what: &'static str,
    /// Uapi form: helper ids, `BPF_PSEUDO_CALL`.
    insns: Vec<BpfInsn>,
    mem: Vec<u8>,
    /// The r0 every engine must return.
    expect: u64,
}

#[inline(never)]
extern "C" fn helper_add(a: u64, b: u64, _: u64, _: u64, _: u64) -> u64 {
    a.wrapping_add(b)
}
fn rbpf_helper_add(a: u64, b: u64, _: u64, _: u64, _: u64) -> u64 {
    a.wrapping_add(b)
}
const HELPER_ADD_ID: u32 = 1;

static HELPERS: [HelperDesc; 1] = [HelperDesc {
    id: HELPER_ADD_ID,
    name: "add",
    func: helper_add,
    args: [HelperArg::Anything, HelperArg::Anything, HelperArg::Unused, HelperArg::Unused, HelperArg::Unused],
    ret: HelperRet::Integer,
}];

fn sum_loop() -> Workload {
    const N: i32 = 100_000;
    Workload {
        name: "sum_loop",
        what: "r0 += i for i = N..1 (3 insns per iteration)",
        insns: vec![
            I::mov64_imm(0, 0),
            I::mov64_imm(1, N),
            I::alu64_reg(BPF_ADD, 0, 1),
            I::alu64_imm(BPF_SUB, 1, 1),
            I::jmp_imm(BPF_JNE, 1, 0, -3),
            I::exit(),
        ],
        mem: Vec::new(),
        expect: (N as u64) * (N as u64 + 1) / 2,
    }
}

fn mem_loop() -> Workload {
    // 16 passes over a 1 KiB buffer: load 8 bytes, store them to a stack
    // slot (64 slots, cycling), load them back, add.
    const PASSES: i32 = 16;
    let insns = vec![
        I::mov64_imm(0, 0),
        I::mov64_imm(8, PASSES),
        // pass:
        I::mov64_imm(7, 0),
        // loop:
        I::mov64_reg(2, 1),
        I::alu64_reg(BPF_ADD, 2, 7),
        I::ldx_mem(BPF_DW, 3, 2, 0),
        I::mov64_reg(4, 7),
        I::alu64_imm(BPF_AND, 4, 0x1f8),
        I::mov64_reg(5, 10),
        I::alu64_imm(BPF_ADD, 5, -512),
        I::alu64_reg(BPF_ADD, 5, 4),
        I::stx_mem(BPF_DW, 5, 3, 0),
        I::ldx_mem(BPF_DW, 3, 5, 0),
        I::alu64_reg(BPF_ADD, 0, 3),
        I::alu64_imm(BPF_ADD, 7, 8),
        I::jmp_imm(BPF_JNE, 7, 1024, -13),
        I::alu64_imm(BPF_SUB, 8, 1),
        I::jmp_imm(BPF_JNE, 8, 0, -16),
        I::exit(),
    ];
    let mem: Vec<u8> = (0..1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let sum = mem
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .fold(0u64, |a, w| a.wrapping_add(w))
        .wrapping_mul(PASSES as u64);
    Workload {
        name: "mem_loop",
        what: "1 KiB buffer -> stack ring -> sum, 16 passes",
        insns,
        mem,
        expect: sum,
    }
}

/// The kernel's `jhash()` (include/linux/jhash.h), the reference for the
/// eBPF version below.
fn jhash(key: &[u8], initval: u32) -> u32 {
    let (mut a, mut b, mut c) = {
        let v = 0xdead_beefu32.wrapping_add(key.len() as u32).wrapping_add(initval);
        (v, v, v)
    };
    let le = |k: &[u8]| {
        let mut w = [0u8; 4];
        w[..k.len()].copy_from_slice(k);
        u32::from_le_bytes(w)
    };
    let mut k = key;
    while k.len() > 12 {
        a = a.wrapping_add(le(&k[0..4]));
        b = b.wrapping_add(le(&k[4..8]));
        c = c.wrapping_add(le(&k[8..12]));
        // __jhash_mix
        a = a.wrapping_sub(c);
        a ^= c.rotate_left(4);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= a.rotate_left(6);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= b.rotate_left(8);
        b = b.wrapping_add(a);
        a = a.wrapping_sub(c);
        a ^= c.rotate_left(16);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= a.rotate_left(19);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= b.rotate_left(4);
        b = b.wrapping_add(a);
        k = &k[12..];
    }
    if k.is_empty() {
        return c;
    }
    a = a.wrapping_add(le(&k[..k.len().min(4)]));
    if k.len() > 4 {
        b = b.wrapping_add(le(&k[4..k.len().min(8)]));
    }
    if k.len() > 8 {
        c = c.wrapping_add(le(&k[8..]));
    }
    // __jhash_final
    c ^= b;
    c = c.wrapping_sub(b.rotate_left(14));
    a ^= c;
    a = a.wrapping_sub(c.rotate_left(11));
    b ^= a;
    b = b.wrapping_sub(a.rotate_left(25));
    c ^= b;
    c = c.wrapping_sub(b.rotate_left(16));
    a ^= c;
    a = a.wrapping_sub(c.rotate_left(4));
    b ^= a;
    b = b.wrapping_sub(a.rotate_left(14));
    c ^= b;
    c = c.wrapping_sub(b.rotate_left(24));
    c
}

fn jhash_1k() -> Workload {
    // r1 = key, r2 = bytes left, r3 = a, r4 = b, r5 = c, r6/r7 scratch.
    let (a, b, c) = (3u8, 4u8, 5u8);
    let mut p = Vec::new();
    // r6 = rol32(x, n)
    let rol = |p: &mut Vec<BpfInsn>, x: u8, n: i32| {
        p.push(I::mov32_reg(6, x));
        p.push(I::alu32_imm(BPF_LSH, 6, n));
        p.push(I::mov32_reg(7, x));
        p.push(I::alu32_imm(BPF_RSH, 7, 32 - n));
        p.push(I::alu32_reg(BPF_OR, 6, 7));
    };
    // a = b = c = 0xdeadbeef + 1024 + 0 (initval)
    p.push(I::mov32_imm(a, (0xdead_beefu32 + 1024) as i32));
    p.push(I::mov32_reg(b, a));
    p.push(I::mov32_reg(c, a));
    p.push(I::mov64_imm(2, 1024));
    let loop_start = p.len();
    p.push(I::ldx_mem(BPF_W, 6, 1, 0));
    p.push(I::alu32_reg(BPF_ADD, a, 6));
    p.push(I::ldx_mem(BPF_W, 6, 1, 4));
    p.push(I::alu32_reg(BPF_ADD, b, 6));
    p.push(I::ldx_mem(BPF_W, 6, 1, 8));
    p.push(I::alu32_reg(BPF_ADD, c, 6));
    // __jhash_mix: (x -= z; x ^= rol(z, n); z += y) for six rotations.
    for (x, y, z, n) in [(a, b, c, 4), (b, c, a, 6), (c, a, b, 8), (a, b, c, 16), (b, c, a, 19), (c, a, b, 4)]
    {
        p.push(I::alu32_reg(BPF_SUB, x, z));
        rol(&mut p, z, n);
        p.push(I::alu32_reg(BPF_XOR, x, 6));
        p.push(I::alu32_reg(BPF_ADD, z, y));
    }
    p.push(I::alu64_imm(BPF_ADD, 1, 12));
    p.push(I::alu64_imm(BPF_SUB, 2, 12));
    let back = loop_start as i16 - p.len() as i16 - 1;
    p.push(I::jmp_imm(BPF_JGT, 2, 12, back));
    // 1024 = 85 * 12 + 4: the tail is one word, added to a.
    p.push(I::ldx_mem(BPF_W, 6, 1, 0));
    p.push(I::alu32_reg(BPF_ADD, a, 6));
    // __jhash_final: (z ^= y; z -= rol(y, n)).
    for (z, y, n) in [(c, b, 14), (a, c, 11), (b, a, 25), (c, b, 16), (a, c, 4), (b, a, 14), (c, b, 24)] {
        p.push(I::alu32_reg(BPF_XOR, z, y));
        rol(&mut p, y, n);
        p.push(I::alu32_reg(BPF_SUB, z, 6));
    }
    p.push(I::mov64_reg(0, c));
    p.push(I::exit());
    let mem: Vec<u8> = (0..1024u32).map(|i| (i.wrapping_mul(40_503) >> 7) as u8).collect();
    let expect = u64::from(jhash(&mem, 0));
    Workload { name: "jhash_1k", what: "the kernel's jhash() over 1 KiB", insns: p, mem, expect }
}

fn helper_loop() -> Workload {
    const N: i32 = 50_000;
    Workload {
        name: "helper_loop",
        what: "r7 = add(r6, r7) helper call per iteration",
        insns: vec![
            I::mov64_imm(6, N),
            I::mov64_imm(7, 0),
            I::mov64_reg(1, 6),
            I::mov64_reg(2, 7),
            I::call_helper(HELPER_ADD_ID as i32),
            I::mov64_reg(7, 0),
            I::alu64_imm(BPF_SUB, 6, 1),
            I::jmp_imm(BPF_JNE, 6, 0, -6),
            I::mov64_reg(0, 7),
            I::exit(),
        ],
        mem: Vec::new(),
        expect: (N as u64) * (N as u64 + 1) / 2,
    }
}

fn call_loop() -> Workload {
    const N: i32 = 50_000;
    Workload {
        name: "bpf2bpf_calls",
        what: "r7 += f(r6) with f(x) = 3x + 1 a bpf-to-bpf call",
        insns: vec![
            I::mov64_imm(6, N),
            I::mov64_imm(7, 0),
            I::mov64_reg(1, 6),
            I::call_rel(5),
            I::alu64_reg(BPF_ADD, 7, 0),
            I::alu64_imm(BPF_SUB, 6, 1),
            I::jmp_imm(BPF_JNE, 6, 0, -5),
            I::mov64_reg(0, 7),
            I::exit(),
            // f:
            I::mov64_reg(0, 1),
            I::alu64_imm(BPF_MUL, 0, 3),
            I::alu64_imm(BPF_ADD, 0, 1),
            I::exit(),
        ],
        mem: Vec::new(),
        expect: (1..=N as u64).map(|x| 3 * x + 1).sum(),
    }
}

fn workloads() -> Vec<Workload> {
    vec![sum_loop(), mem_loop(), jhash_1k(), helper_loop(), call_loop()]
}

/// The engines compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    InterpFast,
    InterpChecked,
    RbpfInterp,
    RbpfJit,
}

impl Engine {
    const ALL: [Engine; 4] = [Engine::InterpFast, Engine::InterpChecked, Engine::RbpfInterp, Engine::RbpfJit];

    fn name(self) -> &'static str {
        match self {
            Engine::InterpFast => "interp fast",
            Engine::InterpChecked => "interp checked",
            Engine::RbpfInterp => "rbpf interp",
            Engine::RbpfJit => "rbpf jit",
        }
    }
}

/// One run of a workload on an engine, returning r0.
type Runner<'a> = Box<dyn FnMut() -> u64 + 'a>;

/// What one engine needs to run a workload, prepared once.
struct Prepared<'w> {
    w: &'w Workload,
    mem: Vec<u8>,
    prog: BpfProg,
    bytes: Vec<u8>,
}

impl<'w> Prepared<'w> {
    fn new(w: &'w Workload) -> Self {
        Prepared { w, mem: w.mem.clone(), prog: xlated(w), bytes: insns_to_bytes(&w.insns) }
    }

    /// A closure running the workload once on `engine`, or why there is none.
    fn runner(&mut self, engine: Engine) -> Result<Runner<'_>, String> {
        let w = self.w;
        let mem = &mut self.mem;
        match engine {
            Engine::InterpFast => {
                let prog = &self.prog;
                let run = INTERPRETERS[stack_index(prog.aux.stack_depth).expect("stack fits")];
                let ctx = mem.as_mut_ptr() as *const c_void;
                Ok(Box::new(move || run(black_box(ctx), black_box(prog))))
            }
            Engine::InterpChecked => {
                let cfg = RunConfig::new().with_mem(mem).with_helpers(HelperCalls::ById(&HELPERS));
                Ok(Box::new(move || run_checked(black_box(&w.insns), &cfg).unwrap_or(u64::MAX)))
            }
            Engine::RbpfInterp | Engine::RbpfJit => {
                let mut vm = rbpf::EbpfVmRaw::new(Some(&self.bytes)).map_err(|e| e.to_string())?;
                vm.register_helper(HELPER_ADD_ID, rbpf_helper_add).map_err(|e| e.to_string())?;
                if engine == Engine::RbpfJit {
                    vm.jit_compile().map_err(|e| e.to_string())?;
                    Ok(Box::new(move || {
                        // SAFETY: rbpf's JIT runs the program on `mem`, which
                        // outlives the closure; the programs here only touch
                        // `mem` and the stack (the checked mode ran each one
                        // before it is timed).
                        unsafe { vm.execute_program_jit(black_box(mem)) }.unwrap_or(u64::MAX)
                    }))
                } else {
                    Ok(Box::new(move || vm.execute_program(black_box(mem)).unwrap_or(u64::MAX)))
                }
            }
        }
    }
}

/// The workload as the verifier leaves it for the interpreter: helper
/// calls by `BPF_CALL_IMM`, bpf-to-bpf calls as `BPF_CALL_ARGS` with the
/// callee's stack depth (0 here), the main program's stack depth.
fn xlated(w: &Workload) -> BpfProg {
    let mut insns = w.insns.clone();
    for insn in &mut insns {
        if insn.is_helper_call() {
            insn.imm = bpf_call_imm(HELPERS[0].func).expect("helper within 2 GiB");
        } else if insn.is_pseudo_call() {
            bpf_patch_call_args(insn, 0);
        }
    }
    let mut prog = bpf_prog_alloc(bpf_prog_size(insns.len() as u32), 1, false, false);
    prog.set_insns(insns);
    prog.aux.stack_depth = 512;
    *prog
}

/// Best ns per run of each runner, measured in interleaved rounds (each
/// round times a batch of every engine in turn) so that a change of load
/// on the machine affects all engines alike. A batch lasts at least 30 ms.
fn time_all(expect: u64, runners: &mut [(Engine, Result<Runner<'_>, String>)]) -> Vec<Result<f64, String>> {
    let mut iters = vec![0u64; runners.len()];
    let mut best = vec![f64::INFINITY; runners.len()];
    let mut errs: Vec<Option<String>> = vec![None; runners.len()];
    for (k, (_, r)) in runners.iter_mut().enumerate() {
        let f = match r {
            Ok(f) => f,
            Err(e) => {
                errs[k] = Some(e.clone());
                continue;
            }
        };
        let got = f();
        if got != expect {
            errs[k] = Some(format!("returned {got:#x}, expected {expect:#x}"));
            continue;
        }
        let mut n = 1u64;
        loop {
            let t = Instant::now();
            for _ in 0..n {
                black_box(f());
            }
            if t.elapsed() >= Duration::from_millis(30) {
                break;
            }
            n *= 2;
        }
        iters[k] = n;
    }
    for _round in 0..7 {
        for (k, (_, r)) in runners.iter_mut().enumerate() {
            let (Ok(f), None) = (r, &errs[k]) else { continue };
            let t = Instant::now();
            for _ in 0..iters[k] {
                black_box(f());
            }
            best[k] = best[k].min(t.elapsed().as_nanos() as f64 / iters[k] as f64);
        }
    }
    (0..runners.len())
        .map(|k| match &errs[k] {
            Some(e) => Err(e.clone()),
            None => Ok(best[k]),
        })
        .collect()
}

/// One measurement.
struct Row {
    workload: &'static str,
    engine: &'static str,
    insns: u64,
    /// ns per run, or why there is none.
    ns: Result<f64, String>,
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut rows = Vec::new();
    println!("bpf-interp benchmarks (ns per executed instruction; lower is better)\n");
    for w in workloads() {
        if filter.as_deref().is_some_and(|f| !w.name.contains(f)) {
            continue;
        }
        let mut mem = w.mem.clone();
        let cfg = RunConfig::new().with_mem(&mut mem).with_helpers(HelperCalls::ById(&HELPERS));
        let stats = match run_checked_stats(&w.insns, &cfg) {
            Ok(s) if s.r0 == w.expect => s,
            other => panic!("{}: the checked mode gives {other:?}, expected r0 = {:#x}", w.name, w.expect),
        };
        println!("{}: {} ({} insns per run)", w.name, w.what, stats.insns);
        let mut prepared: Vec<Prepared> = Engine::ALL.iter().map(|_| Prepared::new(&w)).collect();
        let mut runners: Vec<_> =
            Engine::ALL.iter().zip(prepared.iter_mut()).map(|(&e, p)| (e, p.runner(e))).collect();
        let times = time_all(w.expect, &mut runners);
        drop(runners);
        for (e, ns) in Engine::ALL.into_iter().zip(times) {
            match &ns {
                Ok(ns) => println!(
                    "  {:<16} {:>10.3} ns/insn {:>14.0} ns/run",
                    e.name(),
                    ns / stats.insns as f64,
                    ns
                ),
                Err(why) => println!("  {:<16} {:>10} ({why})", e.name(), "n/a"),
            }
            rows.push(Row { workload: w.name, engine: e.name(), insns: stats.insns, ns });
        }
        let get = |e: Engine| rows.iter().rev().find(|r| r.workload == w.name && r.engine == e.name());
        if let (Some(Row { ns: Ok(ours), .. }), Some(Row { ns: Ok(rbpf), .. })) =
            (get(Engine::InterpFast), get(Engine::RbpfInterp))
        {
            let ratio = rbpf / ours;
            let verdict = if ratio >= 2.0 { "meets the 2x target" } else { "BELOW the 2x target" };
            println!("  rbpf interp / interp fast = {ratio:.2}x ({verdict})");
        }
        println!();
    }
    if let Err(e) = write_json(&rows) {
        eprintln!("bench: cannot write the JSON report: {e}");
    }
}

/// `target/bench/interp.json`: one object per row.
fn write_json(rows: &[Row]) -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let mut s = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let (ns, note) = match &r.ns {
            Ok(ns) => (format!("{ns:.1}"), String::new()),
            Err(e) => ("null".into(), e.replace('\\', "\\\\").replace('"', "\\\"")),
        };
        let per_insn = r.ns.as_ref().map_or("null".into(), |ns| format!("{:.4}", ns / r.insns as f64));
        s += &format!(
            "  {{\"workload\": \"{}\", \"engine\": \"{}\", \"insns_per_run\": {}, \"ns_per_run\": {ns}, \"ns_per_insn\": {per_insn}, \"note\": \"{note}\"}}{}\n",
            r.workload,
            r.engine,
            r.insns,
            if i + 1 < rows.len() { "," } else { "" }
        );
    }
    s += "]\n";
    std::fs::write(dir.join("interp.json"), s)
}

//! A structured random program generator for `cargo xtask kernel-diff`:
//! programs built from blocks the verifier has to reason about (ALU on
//! tracked registers, branches and bounded loops, stack stores and loads,
//! map lookups with and without NULL checks, packet access behind a
//! `data_end` check, ctx field reads, helper and bpf-to-bpf calls), with a
//! few deliberate mistakes (an uninitialised register, an out-of-bounds
//! offset, a missing check) so both verdicts occur.
//!
//! The same `(seed, index)` always gives the same program: the case names
//! carry them (`random/s{seed}/{index}`), and the recorded kernel results
//! committed for a fixed seed stay valid.

use bpf_core::asm::asm;
use bpf_core::uapi::{insns_to_bytes, BpfInsn};
use serde_json::{json, Value};

/// xorshift64*: small, fixed, good enough to pick program shapes.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is remapped: xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One generated case: its text (for reading) and the JSON case.
#[derive(Clone, Debug)]
pub struct GenCase {
    /// `random/s{seed}/{index}`.
    pub name: String,
    /// The program text.
    pub text: String,
    /// The assembled program.
    pub insns: Vec<BpfInsn>,
    /// The case in the oracle's JSON-lines format.
    pub json: Value,
}

struct Builder<'r> {
    rng: &'r mut Rng,
    lines: Vec<String>,
    /// Registers r0..r9 holding an initialised scalar.
    init: [bool; 10],
    labels: usize,
    prog_type: &'static str,
    has_map: bool,
    has_call: bool,
}

const ALU_OPS: [&str; 10] = ["+=", "-=", "*=", "|=", "&=", "^=", "<<=", ">>=", "s>>=", "/="];
const JMP_OPS: [&str; 10] = ["==", "!=", ">", ">=", "<", "<=", "s>", "s>=", "s<", "&"];

impl Builder<'_> {
    fn label(&mut self) -> String {
        self.labels += 1;
        format!("l{}", self.labels)
    }

    /// A scratch register r0-r5 or r7-r9 (r6 holds ctx).
    fn any_reg(&mut self) -> usize {
        *self.rng.pick(&[0, 1, 2, 3, 4, 5, 7, 8, 9])
    }

    /// Mostly an initialised register; 3% of the time any.
    fn src_reg(&mut self) -> usize {
        let inited: Vec<usize> = (0..10).filter(|&r| self.init[r] && r != 6).collect();
        if inited.is_empty() || self.rng.chance(3) {
            self.any_reg()
        } else {
            *self.rng.pick(&inited)
        }
    }

    fn imm(&mut self) -> i64 {
        match self.rng.below(4) {
            0 => self.rng.below(16) as i64,
            1 => self.rng.below(256) as i64 - 128,
            2 => self.rng.below(1 << 20) as i64,
            _ => (self.rng.next_u64() as i32) as i64,
        }
    }

    fn emit(&mut self, s: impl Into<String>) {
        self.lines.push(format!("    {}", s.into()));
    }

    fn block_alu(&mut self) {
        for _ in 0..1 + self.rng.below(4) {
            let dst = self.any_reg();
            if !self.init[dst] || self.rng.chance(20) {
                let v = self.imm();
                self.emit(format!("r{dst} = {v}"));
                self.init[dst] = true;
                continue;
            }
            let op = *self.rng.pick(&ALU_OPS);
            let w = if self.rng.chance(25) { "w" } else { "r" };
            if self.rng.chance(50) {
                let src = self.src_reg();
                if op == "/=" && !self.rng.chance(30) {
                    continue;
                }
                self.emit(format!("{w}{dst} {op} {w}{src}"));
            } else {
                let v = match op {
                    "<<=" | ">>=" | "s>>=" => self.rng.below(if w == "w" { 32 } else { 64 }) as i64,
                    "/=" => {
                        if self.rng.chance(10) {
                            0
                        } else {
                            1 + self.rng.below(100) as i64
                        }
                    }
                    _ => self.imm(),
                };
                self.emit(format!("{w}{dst} {op} {v}"));
            }
        }
    }

    fn block_branch(&mut self, depth: u32) {
        let a = self.src_reg();
        let op = *self.rng.pick(&JMP_OPS);
        let skip = self.label();
        if self.rng.chance(50) {
            let v = self.imm();
            let v = if v < 0 && !op.starts_with('s') { -v } else { v };
            self.emit(format!("if r{a} {op} {} goto {skip}", fmt_jmp_imm(v)));
        } else {
            let b = self.src_reg();
            self.emit(format!("if r{a} {op} r{b} goto {skip}"));
        }
        let saved = self.init;
        self.block(depth + 1);
        // Registers first written inside the skipped part are not
        // initialised on the other path.
        for (i, s) in saved.iter().enumerate() {
            self.init[i] &= *s;
        }
        self.lines.push(format!("{skip}:"));
    }

    fn block_loop(&mut self) {
        let c = *self.rng.pick(&[7usize, 8, 9]);
        let bound = if self.rng.chance(5) { 5000 } else { 20 };
        let n = 1 + self.rng.below(bound);
        let top = self.label();
        self.emit(format!("r{c} = 0"));
        self.init[c] = true;
        self.lines.push(format!("{top}:"));
        let d = *self.rng.pick(&[0usize, 1, 2, 3]);
        if !self.init[d] {
            self.emit(format!("r{d} = 0"));
            self.init[d] = true;
        }
        self.emit(format!("r{d} += r{c}"));
        self.emit(format!("r{c} += 1"));
        let op = *self.rng.pick(&["<", "!=", "<="]);
        self.emit(format!("if r{c} {op} {n} goto {top}"));
    }

    fn block_stack(&mut self) {
        let slot = 8 * (1 + self.rng.below(8) as i64);
        let off = if self.rng.chance(4) { -(slot + 3) } else { -slot };
        let off = if self.rng.chance(2) { -520 } else { off };
        let size = *self.rng.pick(&["u64", "u32", "u16", "u8"]);
        if self.rng.chance(50) {
            let v = self.imm();
            self.emit(format!("*({size} *)(r10 {off}) = {}", v as i32));
        } else {
            let r = self.src_reg();
            self.emit(format!("*({size} *)(r10 {off}) = r{r}"));
        }
        let dst = self.any_reg();
        let rsize = if self.rng.chance(80) { size } else { "u64" };
        self.emit(format!("r{dst} = *({rsize} *)(r10 {off})"));
        self.init[dst] = true;
    }

    fn block_map(&mut self) {
        self.has_map = true;
        let key = self.rng.below(6) as i64;
        self.emit(format!("*(u32 *)(r10 -4) = {key}"));
        self.emit("r2 = r10");
        self.emit("r2 += -4");
        self.emit("r1 = map[fd:0]");
        self.emit("call bpf_map_lookup_elem");
        for r in 1..=5 {
            self.init[r] = false;
        }
        self.init[0] = true;
        let out = self.label();
        let checked = !self.rng.chance(10);
        if checked {
            self.emit(format!("if r0 == 0 goto {out}"));
        }
        let off = if self.rng.chance(8) { 16 } else { 8 * self.rng.below(2) as i64 };
        if self.rng.chance(50) {
            self.emit(format!("r1 = *(u64 *)(r0 +{off})"));
        } else {
            self.emit(format!("r1 = *(u32 *)(r0 +{off})"));
        }
        self.init[1] = true;
        if self.rng.chance(50) {
            self.emit("r1 += 1");
            self.emit(format!("*(u64 *)(r0 +{off}) = r1"));
        }
        self.lines.push(format!("{out}:"));
        self.emit("r0 = 0");
        // r1 is set only on the non-NULL path.
        self.init[1] = !checked;
    }

    fn block_packet(&mut self) {
        let (data, end) = match self.prog_type {
            "xdp" => (0, 4),
            "sched_cls" => (76, 80),
            _ => return self.block_ctx(),
        };
        let n = 1 + self.rng.below(32) as i64;
        let out = self.label();
        self.emit(format!("r2 = *(u32 *)(r6 +{data})"));
        self.emit(format!("r3 = *(u32 *)(r6 +{end})"));
        self.emit("r4 = r2");
        self.emit(format!("r4 += {n}"));
        self.emit(format!("if r4 > r3 goto {out}"));
        let size = *self.rng.pick(&[1i64, 2, 4]);
        let in_range = self.rng.below((n - size + 1).max(1) as u64) as i64;
        let off = if self.rng.chance(10) { n } else { in_range };
        let sz = match size {
            1 => "u8",
            2 => "u16",
            _ => "u32",
        };
        self.emit(format!("r5 = *({sz} *)(r2 +{off})"));
        self.lines.push(format!("{out}:"));
        for r in 2..=5 {
            self.init[r] = r <= 4;
        }
    }

    fn block_ctx(&mut self) {
        let offs: &[i64] = match self.prog_type {
            "xdp" => &[12, 16, 20],
            "kprobe" => &[0, 8, 16, 104, 112, 160, 168],
            _ => &[0, 4, 8, 16, 32, 40, 48, 68, 72, 76],
        };
        let off = *self.rng.pick(offs);
        let dst = self.any_reg();
        let size = if self.prog_type == "kprobe" { "u64" } else { "u32" };
        self.emit(format!("r{dst} = *({size} *)(r6 +{off})"));
        self.init[dst] = true;
    }

    fn block_helper(&mut self) {
        let h = *self.rng.pick(&["bpf_ktime_get_ns", "bpf_get_prandom_u32", "bpf_get_smp_processor_id"]);
        self.emit(format!("call {h}"));
        // The helpers' results differ per run; keep the retval comparable.
        self.emit("r0 = 0");
        for r in 1..=5 {
            self.init[r] = false;
        }
        self.init[0] = true;
    }

    fn block_call(&mut self) {
        self.has_call = true;
        if !self.init[1] || self.rng.chance(50) {
            let v = self.imm();
            self.emit(format!("r1 = {v}"));
        }
        self.emit("call sub");
        for r in 1..=5 {
            self.init[r] = false;
        }
        self.init[0] = true;
    }

    fn block(&mut self, depth: u32) {
        let kinds = if depth > 1 { 3 } else { 9 };
        match self.rng.below(kinds) {
            0 | 1 => self.block_alu(),
            2 => self.block_stack(),
            3 => self.block_branch(depth),
            4 => self.block_loop(),
            5 => self.block_map(),
            6 => self.block_packet(),
            7 => {
                if self.rng.chance(50) {
                    self.block_helper()
                } else {
                    self.block_call()
                }
            }
            _ => self.block_ctx(),
        }
    }
}

/// The verifier prints a jump's immediate as `0x%x` of the 32-bit value
/// (signed forms with `%d`); the assembler reads either back.
fn fmt_jmp_imm(v: i64) -> String {
    format!("{}", v as i32)
}

/// Generates case `index` of `seed`.
pub fn gen_case(seed: u64, index: u64) -> GenCase {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(index).wrapping_add(1));
    let prog_type = *rng.pick(&["socket_filter", "sched_cls", "xdp", "kprobe"]);
    let mut b = Builder {
        rng: &mut rng,
        lines: vec![],
        init: [false; 10],
        labels: 0,
        prog_type,
        has_map: false,
        has_call: false,
    };
    b.init[1] = true;
    b.emit("r6 = r1");
    b.init[6] = true;
    for r in [0usize, 7, 8, 9] {
        if !b.rng.chance(8) {
            let v = b.imm();
            b.emit(format!("r{r} = {v}"));
            b.init[r] = true;
        }
    }
    let blocks = 2 + b.rng.below(7);
    for _ in 0..blocks {
        b.block(0);
    }
    if !b.init[0] || b.rng.chance(50) {
        b.emit("r0 = 0");
    }
    // Return a small value so test-run retvals compare.
    b.emit("r0 &= 0xff");
    b.emit("exit");
    if b.has_call {
        b.lines.push("sub:".into());
        b.emit("r0 = r1");
        b.emit("r0 += 1");
        b.emit("exit");
    }
    let text = b.lines.join("\n") + "\n";
    let has_map = b.has_map;
    let insns = asm(&text).unwrap_or_else(|e| panic!("generated program does not assemble ({e}):\n{text}"));
    let name = format!("random/s{seed}/{index}");
    let mut j = json!({
        "name": name, "prog_type": prog_type,
        "insns": crate::outcome::hex(&insns_to_bytes(&insns)),
        "meta": {"corpus": "random", "seed": seed, "index": index},
    });
    if has_map {
        let mt = if index % 2 == 0 { "array" } else { "hash" };
        j["maps"] = json!([{"type": mt, "key_size": 4, "value_size": 16, "max_entries": 4,
                            "init": [{"key": 1, "value": "0100000000000000ff00000000000000"}]}]);
    }
    GenCase { name, text, insns, json: j }
}

/// `count` cases of `seed`.
pub fn gen_cases(seed: u64, count: u64) -> Vec<GenCase> {
    (0..count).map(|i| gen_case(seed, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_assembles() {
        let a = gen_cases(7, 200);
        let b = gen_cases(7, 200);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.insns, y.insns);
        }
        assert_ne!(gen_case(7, 0).insns, gen_case(8, 0).insns);
        // every block kind shows up
        let all: String = a.iter().map(|c| c.text.clone()).collect();
        for needle in ["map[fd:0]", "call sub", "goto l", "r10 -", "r6 +", "call bpf_"] {
            assert!(all.contains(needle), "{needle}");
        }
    }
}

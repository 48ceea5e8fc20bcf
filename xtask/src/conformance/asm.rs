//! An assembler for the uBPF dialect the conformance suite writes its
//! programs in (`mov %r0, 1`, `ldxw %r0, [%r1+4]`, `lock fetch add
//! [%r10-8], %r1`, `call local f`, `jne %r0, 15, label`).
//!
//! This is not the project's assembler (`bpf_core::asm` takes the kernel's
//! `r0 = 1` syntax); it exists to read the suite. It refuses what the
//! suite's negative tests say an assembler must refuse: unknown mnemonics,
//! wrong operand counts, bad registers, immediates or offsets that do not
//! fit their field, unknown labels.
//!
//! Mnemonics: ALU `add sub mul div sdiv mod smod or and xor lsh rsh arsh
//! mov neg` with suffix `32` (32-bit) or none/`64` (64-bit); `movsx{8,16,32}
//! {32,64}`; `le{16,32,64}`, `be{16,32,64}`, `swap*`/`bswap*`; `lddw`;
//! `ldx{b,h,w,dw}`, `ldxs{b,h,w}`; `st{b,h,w,dw}`, `stx{b,h,w,dw}`; `ja`,
//! `ja32`, `j<cond>[32]`; `call N`, `call %rN`, `call local L`, `call helper
//! N`, `call runtime N`; `exit`; `lock [fetch] {add,and,or,xor,xchg,cmpxchg}
//! [32]`. Jump targets are labels or `+N`/`-N`; the label `exit` names the
//! first `exit` unless the program defines it.

use super::data::parse_u64;
use bpf_core::uapi::*;
use std::collections::HashMap;

/// A jump whose target label is resolved after the whole program is read.
struct Fixup {
    slot: usize,
    label: String,
    line: usize,
    in_imm: bool,
}

struct Asm {
    out: Vec<BpfInsn>,
    labels: HashMap<String, usize>,
    fixups: Vec<Fixup>,
    first_exit: Option<usize>,
}

fn reg(s: &str) -> Result<u8, String> {
    let n = s.strip_prefix("%r").ok_or_else(|| format!("Invalid register: {s}"))?;
    match n.parse::<u8>() {
        Ok(r) if r <= 10 && !n.starts_with('+') => Ok(r),
        _ => Err(format!("Invalid register: {s}")),
    }
}

/// A 32-bit immediate: decimal in `i32` range, or hex up to 32 bits.
fn imm32(s: &str) -> Result<i32, String> {
    let v = parse_u64(s)?;
    let neg = s.trim().starts_with('-');
    let hex = s.trim_start_matches(['-', '+']).starts_with("0x");
    let fits = if neg {
        (v as i64) >= i64::from(i32::MIN)
    } else if hex {
        v <= u64::from(u32::MAX)
    } else {
        v <= i32::MAX as u64
    };
    if !fits {
        return Err(format!("immediate `{s}` does not fit in 32 bits"));
    }
    Ok(v as u32 as i32)
}

/// A 16-bit signed offset.
fn off16(s: &str) -> Result<i16, String> {
    let v = parse_u64(s)? as i64;
    i16::try_from(v).map_err(|_| format!("offset `{s}` does not fit in 16 bits"))
}

/// `[%rN]`, `[%rN+off]`, `[%rN-off]`.
fn mem_operand(s: &str) -> Result<(u8, i16), String> {
    let inner = s
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| format!("Failed to decode register and offset: {s}"))?;
    match inner.find(['+', '-']) {
        Some(i) => Ok((reg(&inner[..i])?, off16(&inner[i..])?)),
        None => Ok((reg(inner)?, 0)),
    }
}

fn size_of_suffix(s: &str) -> Option<u8> {
    match s {
        "b" => Some(BPF_B),
        "h" => Some(BPF_H),
        "w" => Some(BPF_W),
        "dw" => Some(BPF_DW),
        _ => None,
    }
}

fn alu_op(name: &str) -> Option<(u8, i16)> {
    Some(match name {
        "add" => (BPF_ADD, 0),
        "sub" => (BPF_SUB, 0),
        "mul" => (BPF_MUL, 0),
        "div" => (BPF_DIV, 0),
        "sdiv" => (BPF_DIV, 1),
        "mod" => (BPF_MOD, 0),
        "smod" => (BPF_MOD, 1),
        "or" => (BPF_OR, 0),
        "and" => (BPF_AND, 0),
        "xor" => (BPF_XOR, 0),
        "lsh" => (BPF_LSH, 0),
        "rsh" => (BPF_RSH, 0),
        "arsh" => (BPF_ARSH, 0),
        "mov" => (BPF_MOV, 0),
        "neg" => (BPF_NEG, 0),
        _ => return None,
    })
}

fn jmp_op(name: &str) -> Option<u8> {
    Some(match name {
        "jeq" => BPF_JEQ,
        "jne" => BPF_JNE,
        "jgt" => BPF_JGT,
        "jge" => BPF_JGE,
        "jlt" => BPF_JLT,
        "jle" => BPF_JLE,
        "jsgt" => BPF_JSGT,
        "jsge" => BPF_JSGE,
        "jslt" => BPF_JSLT,
        "jsle" => BPF_JSLE,
        "jset" => BPF_JSET,
        _ => return None,
    })
}

fn want(mnemonic: &str, ops: &[&str], n: usize) -> Result<(), String> {
    if ops.len() == n {
        Ok(())
    } else {
        Err(format!("Invalid number of operands for {mnemonic}: expected {n}, got {}", ops.len()))
    }
}

impl Asm {
    /// A jump offset: `+N`/`-N`, or a label resolved later.
    fn target(&mut self, s: &str, line: usize, in_imm: bool) -> Result<i32, String> {
        if s.starts_with(['+', '-']) {
            let v = parse_u64(s)? as i64;
            return if in_imm {
                i32::try_from(v).map_err(|_| format!("jump offset `{s}` out of range"))
            } else {
                i16::try_from(v).map(i32::from).map_err(|_| format!("jump offset `{s}` out of range"))
            };
        }
        self.fixups.push(Fixup { slot: self.out.len(), label: s.to_string(), line, in_imm });
        Ok(0)
    }

    fn line(&mut self, text: &str, line: usize) -> Result<(), String> {
        let toks: Vec<&str> = text.split_whitespace().map(|t| t.strip_suffix(',').unwrap_or(t)).collect();
        let Some((&mnemonic, ops)) = toks.split_first() else { return Ok(()) };
        if ops.is_empty() {
            if let Some(label) = mnemonic.strip_suffix(':') {
                if label.is_empty() || self.labels.insert(label.to_string(), self.out.len()).is_some() {
                    return Err(format!("Duplicate or empty label `{label}`"));
                }
                return Ok(());
            }
        }
        let insn = self.insn(mnemonic, ops, line)?;
        self.out.extend(insn);
        Ok(())
    }

    fn insn(&mut self, m: &str, ops: &[&str], line: usize) -> Result<Vec<BpfInsn>, String> {
        // Byte swaps.
        for (prefix, code) in [
            ("be", BPF_ALU | BPF_END | BPF_TO_BE),
            ("le", BPF_ALU | BPF_END | BPF_TO_LE),
            ("bswap", BPF_ALU64 | BPF_END | BPF_TO_LE),
            ("swap", BPF_ALU64 | BPF_END | BPF_TO_LE),
        ] {
            if let Some(w @ ("16" | "32" | "64")) = m.strip_prefix(prefix) {
                want(m, ops, 1)?;
                return Ok(vec![BpfInsn::new(code, reg(ops[0])?, 0, 0, w.parse::<i32>().expect("16/32/64"))]);
            }
        }
        // Sign-extending moves: movsx<from><to>.
        if let Some(rest) = m.strip_prefix("movsx") {
            let (from, class) = match rest {
                "832" => (8, BPF_ALU),
                "1632" => (16, BPF_ALU),
                "864" => (8, BPF_ALU64),
                "1664" => (16, BPF_ALU64),
                "3264" => (32, BPF_ALU64),
                _ => return Err(format!("Invalid mnemonic: {m}")),
            };
            want(m, ops, 2)?;
            return Ok(vec![BpfInsn::new(class | BPF_MOV | BPF_X, reg(ops[0])?, reg(ops[1])?, from, 0)]);
        }
        // ALU.
        let (base, class) = if let Some(b) = m.strip_suffix("32") {
            (b, BPF_ALU)
        } else {
            (m.strip_suffix("64").unwrap_or(m), BPF_ALU64)
        };
        if let Some((op, off)) = alu_op(base) {
            let dst = reg(ops.first().copied().unwrap_or("")).map_err(|e| {
                if ops.is_empty() {
                    format!("Invalid number of operands for {m}")
                } else {
                    e
                }
            })?;
            if op == BPF_NEG {
                want(m, ops, 1)?;
                return Ok(vec![BpfInsn::new(class | BPF_NEG, dst, 0, 0, 0)]);
            }
            want(m, ops, 2)?;
            return Ok(vec![if ops[1].starts_with('%') {
                BpfInsn::new(class | op | BPF_X, dst, reg(ops[1])?, off, 0)
            } else {
                BpfInsn::new(class | op | BPF_K, dst, 0, off, imm32(ops[1])?)
            }]);
        }
        // Conditional jumps.
        let (base, class) = match m.strip_suffix("32") {
            Some(b) => (b, BPF_JMP32),
            None => (m, BPF_JMP),
        };
        if let Some(op) = jmp_op(base) {
            want(m, ops, 3)?;
            let dst = reg(ops[0])?;
            let off = self.target(ops[2], line, false)? as i16;
            return Ok(vec![if ops[1].starts_with('%') {
                BpfInsn::new(class | op | BPF_X, dst, reg(ops[1])?, off, 0)
            } else {
                BpfInsn::new(class | op | BPF_K, dst, 0, off, imm32(ops[1])?)
            }]);
        }
        match m {
            "exit" => {
                want(m, ops, 0)?;
                self.first_exit.get_or_insert(self.out.len());
                Ok(vec![BpfInsn::exit()])
            }
            "ja" => {
                want(m, ops, 1)?;
                Ok(vec![BpfInsn::ja(self.target(ops[0], line, false)? as i16)])
            }
            "ja32" => {
                want(m, ops, 1)?;
                let imm = self.target(ops[0], line, true)?;
                Ok(vec![BpfInsn::new(BPF_JMP32 | BPF_JA, 0, 0, 0, imm)])
            }
            "call" => match ops {
                [t] if t.starts_with('%') => {
                    Ok(vec![BpfInsn::new(BPF_JMP | BPF_CALL | BPF_X, reg(t)?, 0, 0, 0)])
                }
                [t] | ["helper", t] => Ok(vec![BpfInsn::call_helper(imm32(t)?)]),
                ["local", t] => {
                    let imm = self.target(t, line, true)?;
                    Ok(vec![BpfInsn::call_rel(imm)])
                }
                ["runtime", t] => {
                    Ok(vec![BpfInsn::new(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, imm32(t)?)])
                }
                _ => Err(format!("Invalid number of operands for {m}")),
            },
            "lddw" => {
                want(m, ops, 2)?;
                Ok(BpfInsn::ld_imm64(reg(ops[0])?, parse_u64(ops[1])?).to_vec())
            }
            "lock" => self.lock(ops),
            _ => self.load_store(m, ops),
        }
    }

    fn load_store(&mut self, m: &str, ops: &[&str]) -> Result<Vec<BpfInsn>, String> {
        let invalid = || format!("Invalid mnemonic: {m}");
        if let Some(sz) = m.strip_prefix("ldxs") {
            let size = size_of_suffix(sz).filter(|&s| s != BPF_DW).ok_or_else(invalid)?;
            want(m, ops, 2)?;
            let (src, off) = mem_operand(ops[1])?;
            return Ok(vec![BpfInsn::ldx_memsx(size, reg(ops[0])?, src, off)]);
        }
        if let Some(sz) = m.strip_prefix("ldx") {
            let size = size_of_suffix(sz).ok_or_else(invalid)?;
            want(m, ops, 2)?;
            let (src, off) = mem_operand(ops[1])?;
            return Ok(vec![BpfInsn::ldx_mem(size, reg(ops[0])?, src, off)]);
        }
        if let Some(sz) = m.strip_prefix("stx") {
            let size = size_of_suffix(sz).ok_or_else(invalid)?;
            want(m, ops, 2)?;
            let (dst, off) = mem_operand(ops[0])?;
            return Ok(vec![BpfInsn::stx_mem(size, dst, reg(ops[1])?, off)]);
        }
        if let Some(sz) = m.strip_prefix("st") {
            let size = size_of_suffix(sz).ok_or_else(invalid)?;
            want(m, ops, 2)?;
            let (dst, off) = mem_operand(ops[0])?;
            return Ok(vec![BpfInsn::st_mem(size, dst, off, imm32(ops[1])?)]);
        }
        Err(invalid())
    }

    /// `lock [fetch] <op>[32] [dst+off], src`.
    fn lock(&mut self, ops: &[&str]) -> Result<Vec<BpfInsn>, String> {
        let (fetch, rest) = match ops.split_first() {
            Some((&"fetch", rest)) => (true, rest),
            _ => (false, ops),
        };
        let [op, dst, src] = rest else {
            return Err("Invalid number of operands for lock".into());
        };
        let (name, size) = match op.strip_suffix("32") {
            Some(n) => (n, BPF_W),
            None => (*op, BPF_DW),
        };
        let imm = match name {
            "add" => BPF_ADD as i32,
            "and" => BPF_AND as i32,
            "or" => BPF_OR as i32,
            "xor" => BPF_XOR as i32,
            "xchg" => BPF_XCHG,
            "cmpxchg" => BPF_CMPXCHG,
            _ => return Err(format!("Invalid atomic operation: {op}")),
        } | if fetch { BPF_FETCH } else { 0 };
        let (dst, off) = mem_operand(dst)?;
        Ok(vec![BpfInsn::atomic_op(size, imm, dst, reg(src)?, off)])
    }
}

/// Assembles a program of the uBPF dialect.
pub fn assemble(text: &str) -> Result<Vec<BpfInsn>, String> {
    let mut a = Asm { out: Vec::new(), labels: HashMap::new(), fixups: Vec::new(), first_exit: None };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if !line.is_empty() {
            a.line(line, n + 1).map_err(|e| format!("line {}: {e}", n + 1))?;
        }
    }
    if let Some(exit) = a.first_exit {
        a.labels.entry("exit".into()).or_insert(exit);
    }
    for f in &a.fixups {
        let target =
            *a.labels.get(&f.label).ok_or_else(|| format!("line {}: Invalid label: {}", f.line, f.label))?;
        let rel = target as i64 - f.slot as i64 - 1;
        let insn = &mut a.out[f.slot];
        if f.in_imm {
            insn.imm = rel as i32;
        } else {
            insn.off =
                i16::try_from(rel).map_err(|_| format!("line {}: jump to {} too far", f.line, f.label))?;
        }
    }
    Ok(a.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let p = assemble(
            "mov %r0, 1\nmov32 %r1, -1\nldxw %r2, [%r1-4]\nstxdw [%r10-8], %r1\nlock fetch add32 [%r10-4], %r1\n\
             sdiv %r0, %r1\nmovsx1664 %r3, %r2\nbe16 %r0\nbswap64 %r0\nja32 +1\ncall 5\ncall %r2\nl:\njne %r0, 0, l\nexit",
        )
        .unwrap();
        assert_eq!(p[0], BpfInsn::mov64_imm(0, 1));
        assert_eq!(p[1], BpfInsn::mov32_imm(1, -1));
        assert_eq!(p[2], BpfInsn::ldx_mem(BPF_W, 2, 1, -4));
        assert_eq!(p[3], BpfInsn::stx_mem(BPF_DW, 10, 1, -8));
        assert_eq!(p[4], BpfInsn::atomic_op(BPF_W, BPF_ADD as i32 | BPF_FETCH, 10, 1, -4));
        assert_eq!(p[5], BpfInsn::new(BPF_ALU64 | BPF_DIV | BPF_X, 0, 1, 1, 0));
        assert_eq!(p[6], BpfInsn::new(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 16, 0));
        assert_eq!(p[7], BpfInsn::new(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 16));
        assert_eq!(p[8], BpfInsn::new(BPF_ALU64 | BPF_END | BPF_TO_LE, 0, 0, 0, 64));
        assert_eq!(p[9], BpfInsn::new(BPF_JMP32 | BPF_JA, 0, 0, 0, 1));
        assert_eq!(p[10], BpfInsn::call_helper(5));
        assert_eq!(p[11], BpfInsn::new(BPF_JMP | BPF_CALL | BPF_X, 2, 0, 0, 0));
        assert_eq!(p[12], BpfInsn::jmp_imm(BPF_JNE, 0, 0, -1));
    }

    #[test]
    fn refusals() {
        for bad in [
            "ldxq %r0, %r1",
            "ldxb %r0, %r1",
            "ldxb %r0, [%r1+0x10000]",
            "lddw %r0",
            "or %r0, %r50",
            "mov32 %r0, 0x100000000",
            "mov32 %r0, 2147483648",
            "ja NOT_A_LABEL",
            "lock or [%r10-8]",
            "lock",
        ] {
            assert!(assemble(bad).is_err(), "{bad}");
        }
    }
}

//! An assembler for the text [`crate::disasm`] prints: how tests, examples
//! and users write programs.
//!
//! One instruction per line, in the kernel's notation without the opcode
//! prefix (`r0 = 42`, `if r1 > 0x5 goto pc+2`, `lock *(u64 *)(r10 -8) += r1`,
//! `call bpf_map_lookup_elem#1`). Also accepted on a line:
//!
//! - the opcode prefix `(b7) r0 = 42`, checked against the assembled opcode;
//! - an index prefix `   0: (b7) r0 = 42` as [`crate::disasm::dump_xlated`]
//!   and the verifier log print it, checked against the instruction's slot;
//! - labels, `name:`, alone or before an instruction, usable wherever a
//!   target is: `goto name`, `if r1 > 0x5 goto name`, `gotol name`,
//!   `may_goto name`, `call name` (a bpf-to-bpf call) and `subprog[name]`;
//! - comments: `//` and `;` anywhere (so a verifier log line
//!   `0: (b7) r0 = 42   ; R0=42` reads as its instruction), `#` at the
//!   start of a line or after a blank (a `#` right after a name is part of
//!   `call name#id`); blank lines.
//!
//! The rules that make the text unambiguous:
//!
//! - `rN = 0x...` (an unsigned hex number) is `ld_imm64`, as the kernel
//!   prints its value with `0x%llx`; `rN = 42` or `rN = -1` (decimal or
//!   signed) is a 64-bit `mov`, printed with `%d`. `wN = ...` is always a
//!   32-bit `mov`.
//! - `call bpf_map_lookup_elem#1`, `call bpf_map_lookup_elem` and `call 1`
//!   are all helper call 1; `call name` is a bpf-to-bpf call when `name`
//!   is a label (labels win over helper names); `call pc+3` is the
//!   kernel's text of a bpf-to-bpf call; `call kernel-function#N` a kfunc
//!   call with BTF id `N`.
//! - Map references use [`crate::disasm::AsmCbs`]'s notation: `map[fd:N]`
//!   (`BPF_PSEUDO_MAP_FD`), `map[fd:N][0]+OFF` (`BPF_PSEUDO_MAP_VALUE`),
//!   `map[idx:N]` (`BPF_PSEUDO_MAP_IDX`), `map[idx:N]+OFF`
//!   (`BPF_PSEUDO_MAP_IDX_VALUE`), `subprog[+N]` (`BPF_PSEUDO_FUNC`),
//!   `btf_id[N]` / `btf_id[N][fd:M]` (`BPF_PSEUDO_BTF_ID`). `N` goes in the
//!   first slot's `imm`: a map fd for `bpf()`, and in test and
//!   `kernel_oracle.py` cases the map's index in the case's map list.
//!   bpftool's `map[id:N]` and `map[id:N][0]+OFF` assemble to the same
//!   encodings as the `fd` forms, so an xlated dump reads back.
//!
//! The guarantee, checked by the tests: `disasm(AsmCbs, asm(text)) == text`
//! for every line the disassembler prints, and `asm(disasm(AsmCbs, insns))
//! == insns` for every valid encoding (reserved fields zero, as the
//! verifier demands). Errors carry the line and column and never panic.

use crate::disasm::{func_id_by_name, func_id_name, __BPF_FUNC_MAX_ID};
use crate::uapi::*;
use std::collections::HashMap;
use std::fmt;

/// An assembler error: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    /// Line number, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub col: usize,
    /// What went wrong.
    pub kind: AsmErrorKind,
}

/// The kinds of [`AsmError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsmErrorKind {
    /// The text does not fit the grammar here.
    Expected {
        /// What the grammar allows at this point.
        expected: String,
        /// What the line has instead.
        found: String,
    },
    /// A character no token starts with.
    BadChar(char),
    /// A number that does not fit its field.
    OutOfRange {
        /// The field (`imm`, `off`, ...).
        what: &'static str,
        /// The number as written.
        value: String,
    },
    /// Two registers that the notation requires to be the same differ, or
    /// `r` and `w` registers are mixed.
    RegisterMismatch(String),
    /// A name after `call` that is neither a label nor a helper.
    UnknownCallTarget(String),
    /// `call name#id` where the helper called `name` has another id.
    HelperMismatch {
        /// The name written.
        name: String,
        /// The id written.
        id: i32,
    },
    /// A jump or `subprog[..]` target that no line defines.
    UnknownLabel(String),
    /// A label defined twice.
    DuplicateLabel {
        /// The label.
        name: String,
        /// The line of its first definition.
        first_line: usize,
    },
    /// A label spelled like a register or `pc`.
    ReservedLabel(String),
    /// A label's distance does not fit the jump's field.
    TargetOutOfRange {
        /// The label.
        label: String,
        /// The distance in instructions from the next one.
        distance: i64,
    },
    /// The `(xx)` prefix names another opcode than the text assembles to.
    PrefixMismatch {
        /// The opcode in the prefix.
        written: u8,
        /// The opcode of the instruction.
        assembled: u8,
    },
    /// The `N:` prefix is not the instruction's slot.
    IndexMismatch {
        /// The index written.
        written: u64,
        /// The slot the instruction occupies.
        slot: usize,
    },
    /// A line the disassembler prints for an invalid instruction
    /// (`BUG_..`, `(null)`): there is no encoding to assemble it to.
    NotAnInstruction(String),
}

impl fmt::Display for AsmErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsmErrorKind::Expected { expected, found } => write!(f, "expected {expected}, found {found}"),
            AsmErrorKind::BadChar(c) => write!(f, "unexpected character `{c}`"),
            AsmErrorKind::OutOfRange { what, value } => write!(f, "{value} does not fit in {what}"),
            AsmErrorKind::RegisterMismatch(m) => f.write_str(m),
            AsmErrorKind::UnknownCallTarget(n) => write!(f, "`{n}` is neither a label nor a helper"),
            AsmErrorKind::HelperMismatch { name, id } => {
                write!(f, "helper #{id} is {}, not {name}", func_id_name(*id))
            }
            AsmErrorKind::UnknownLabel(l) => write!(f, "no label `{l}`"),
            AsmErrorKind::DuplicateLabel { name, first_line } => {
                write!(f, "label `{name}` is already defined on line {first_line}")
            }
            AsmErrorKind::ReservedLabel(l) => {
                write!(f, "`{l}` cannot be a label: it reads as a register or pc")
            }
            AsmErrorKind::TargetOutOfRange { label, distance } => {
                write!(f, "label `{label}` is {distance} instructions away, too far for this jump")
            }
            AsmErrorKind::PrefixMismatch { written, assembled } => {
                write!(f, "prefix ({written:02x}) does not match the instruction's opcode ({assembled:02x})")
            }
            AsmErrorKind::IndexMismatch { written, slot } => {
                write!(f, "index {written}: does not match the instruction's slot {slot}")
            }
            AsmErrorKind::NotAnInstruction(t) => {
                write!(
                    f,
                    "`{t}` is what the disassembler prints for an invalid instruction; it has no encoding"
                )
            }
        }
    }
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.kind)
    }
}

impl std::error::Error for AsmError {}

/// Assembles a program: one instruction per line (see the module docs).
///
/// Labels may be used before they are defined. An `ld_imm64` takes two
/// slots, so indexes and jump distances count it twice.
pub fn asm(text: &str) -> Result<Vec<BpfInsn>, AsmError> {
    let mut insns: Vec<BpfInsn> = Vec::new();
    let mut labels: HashMap<String, (usize, usize)> = HashMap::new();
    let mut fixups: Vec<Fixup> = Vec::new();

    for (lineno, raw) in text.lines().enumerate() {
        let line = lineno + 1;
        let toks = lex(raw, line)?;
        let mut p = Parser { toks, pos: 0, line, end_col: raw.chars().count() + 1 };

        // `N:` index prefix.
        let mut index: Option<(u64, usize)> = None;
        if let (Some(Tok::Num { value, .. }), Some(Tok::Punct(":"))) = (p.tok(0), p.tok(1)) {
            index = Some((*value, p.col()));
            p.pos += 2;
        }
        // Labels.
        while let (Some(Tok::Ident(name)), Some(Tok::Punct(":"))) = (p.tok(0), p.tok(1)) {
            let name = name.clone();
            let col = p.col();
            if is_reserved_label(&name) {
                return Err(p.err_at(col, AsmErrorKind::ReservedLabel(name)));
            }
            if let Some(&(first_line, _)) = labels.get(&name) {
                return Err(p.err_at(col, AsmErrorKind::DuplicateLabel { name, first_line }));
            }
            labels.insert(name, (line, insns.len()));
            p.pos += 2;
        }
        if p.at_end() {
            if let Some((_, col)) = index {
                return Err(p.err_at(col, expected("an instruction after the index", "end of line")));
            }
            continue;
        }
        // `(xx)` opcode prefix.
        let mut prefix: Option<(u8, usize)> = None;
        if let Some(Tok::Prefix(code)) = p.tok(0) {
            prefix = Some((*code, p.col()));
            p.pos += 1;
        }
        let slot = insns.len();
        if let Some((written, col)) = index {
            if written != slot as u64 {
                return Err(p.err_at(col, AsmErrorKind::IndexMismatch { written, slot }));
            }
        }
        let parsed = p.insn()?;
        if !p.at_end() {
            return Err(p.err(expected("end of line", &p.describe())));
        }
        let first = parsed.insns[0];
        if let Some((written, col)) = prefix {
            if written != first.code {
                return Err(p.err_at(col, AsmErrorKind::PrefixMismatch { written, assembled: first.code }));
            }
        }
        if let Some((label, col, kind)) = parsed.fixup {
            fixups.push(Fixup { slot, line, col, label, kind });
        }
        insns.extend_from_slice(&parsed.insns);
    }

    for f in fixups {
        let err = |kind| AsmError { line: f.line, col: f.col, kind };
        let target = labels.get(&f.label).map(|&(_, slot)| slot as i64);
        let insn = &mut insns[f.slot];
        if let (FixKind::CallOrHelper, None) = (&f.kind, target) {
            match func_id_by_name(&f.label) {
                Some(id) => {
                    *insn = BpfInsn::call_helper(id);
                    continue;
                }
                None => return Err(err(AsmErrorKind::UnknownCallTarget(f.label))),
            }
        }
        let Some(target) = target else { return Err(err(AsmErrorKind::UnknownLabel(f.label))) };
        let distance = target - (f.slot as i64 + 1);
        let out_of_range = || err(AsmErrorKind::TargetOutOfRange { label: f.label.clone(), distance });
        match f.kind {
            FixKind::Off => insn.off = i16::try_from(distance).map_err(|_| out_of_range())?,
            FixKind::Imm => insn.imm = i32::try_from(distance).map_err(|_| out_of_range())?,
            FixKind::CallOrHelper => {
                *insn = BpfInsn::call_rel(i32::try_from(distance).map_err(|_| out_of_range())?);
            }
        }
    }
    Ok(insns)
}

fn is_reserved_label(name: &str) -> bool {
    name == "pc" || parse_reg(name).is_some()
}

/// A label named by an instruction: the name, its column and where the
/// distance goes.
type LabelRef = (String, usize, FixKind);

/// A target to fill in once every label is known.
struct Fixup {
    slot: usize,
    line: usize,
    col: usize,
    label: String,
    kind: FixKind,
}

enum FixKind {
    /// The label's distance goes in `off` (`goto`, `if`, `may_goto`).
    Off,
    /// The label's distance goes in `imm` (`gotol`, `subprog[..]`).
    Imm,
    /// `call name`: a bpf-to-bpf call if `name` is a label, else a helper.
    CallOrHelper,
}

// ---- lexer ----

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num {
        value: u64,
        hex: bool,
        text: String,
    },
    Punct(&'static str),
    /// `(b7)`: the opcode prefix (two hex digits in parentheses).
    Prefix(u8),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    col: usize,
}

/// Operators, longest first so that `<<=` wins over `<`.
const PUNCTS: &[&str] = &[
    "s>>=", "s/=", "s%=", "s>=", "s<=", "<<=", ">>=", "s>", "s<", "==", "!=", ">=", "<=", "+=", "-=", "*=",
    "/=", "|=", "&=", "%=", "^=", "=", ">", "<", "&", "(", ")", "[", "]", "*", ",", ":", "#", "+", "-",
];

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn lex(line: &str, lineno: usize) -> Result<Vec<Token>, AsmError> {
    let chars: Vec<char> = line.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == ';' || (c == '/' && chars.get(i + 1) == Some(&'/')) {
            break;
        }
        if c == '#' && (i == 0 || !is_ident_char(chars[i - 1])) {
            break;
        }
        // `(b7)` before anything but an index or labels: the opcode prefix.
        if c == '('
            && chars.len() >= i + 4
            && chars[i + 1].is_ascii_hexdigit()
            && chars[i + 2].is_ascii_hexdigit()
            && chars[i + 3] == ')'
            && prefix_allowed(&toks)
        {
            let hex: String = chars[i + 1..i + 3].iter().collect();
            let code = u8::from_str_radix(&hex, 16).unwrap_or(0);
            toks.push(Token { tok: Tok::Prefix(code), col });
            i += 4;
            continue;
        }
        if c == 's' && matches!(chars.get(i + 1), Some('>' | '<' | '/' | '%')) {
            if let Some(p) = match_punct(&chars[i..]) {
                toks.push(Token { tok: Tok::Punct(p), col });
                i += p.len();
                continue;
            }
        }
        if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            toks.push(Token { tok: Tok::Ident(chars[start..i].iter().collect()), col });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(h) => (h, 16),
                None => (text.as_str(), 10),
            };
            let value = u64::from_str_radix(digits, radix).map_err(|_| AsmError {
                line: lineno,
                col,
                kind: if digits.chars().all(|d| d.is_digit(radix)) && !digits.is_empty() {
                    AsmErrorKind::OutOfRange { what: "64 bits", value: text.clone() }
                } else {
                    AsmErrorKind::Expected { expected: "a number".into(), found: format!("`{text}`") }
                },
            })?;
            toks.push(Token { tok: Tok::Num { value, hex: radix == 16, text }, col });
            continue;
        }
        if let Some(p) = match_punct(&chars[i..]) {
            toks.push(Token { tok: Tok::Punct(p), col });
            i += p.len();
            continue;
        }
        return Err(AsmError { line: lineno, col, kind: AsmErrorKind::BadChar(c) });
    }
    Ok(toks)
}

/// The opcode prefix may follow only an `N:` index and `label:`s.
fn prefix_allowed(toks: &[Token]) -> bool {
    toks.chunks(2).all(|pair| {
        pair.len() == 2
            && matches!(pair[0].tok, Tok::Ident(_) | Tok::Num { .. })
            && pair[1].tok == Tok::Punct(":")
    })
}

fn match_punct(rest: &[char]) -> Option<&'static str> {
    PUNCTS.iter().copied().find(|p| p.chars().enumerate().all(|(k, pc)| rest.get(k) == Some(&pc)))
}

// ---- parser ----

/// One parsed line: its instruction(s) and, for a label target, the fixup.
struct Parsed {
    insns: Vec<BpfInsn>,
    fixup: Option<LabelRef>,
}

impl Parsed {
    fn one(insn: BpfInsn) -> Self {
        Parsed { insns: vec![insn], fixup: None }
    }
}

/// A register as written: `r1` (64-bit) or `w1` (32-bit), 0..15.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Reg {
    n: u8,
    w: bool,
}

fn parse_reg(s: &str) -> Option<Reg> {
    let (w, digits) = match s.as_bytes().first()? {
        b'r' => (false, &s[1..]),
        b'w' => (true, &s[1..]),
        _ => return None,
    };
    if digits.is_empty()
        || (digits.len() > 1 && digits.starts_with('0'))
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n: u8 = digits.parse().ok()?;
    (n <= 15).then_some(Reg { n, w })
}

fn expected(what: &str, found: &str) -> AsmErrorKind {
    AsmErrorKind::Expected { expected: what.to_string(), found: found.to_string() }
}

/// A jump or call target: relative (`pc+N`) or a label.
enum Target {
    Rel(i128),
    Label(String, usize),
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    line: usize,
    end_col: usize,
}

impl Parser {
    fn tok(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k).map(|t| &t.tok)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |t| t.col)
    }
    fn describe(&self) -> String {
        match self.tok(0) {
            None => "end of line".into(),
            Some(Tok::Ident(s)) => format!("`{s}`"),
            Some(Tok::Num { text, .. }) => format!("`{text}`"),
            Some(Tok::Punct(p)) => format!("`{p}`"),
            Some(Tok::Prefix(c)) => format!("`({c:02x})`"),
        }
    }
    fn err_at(&self, col: usize, kind: AsmErrorKind) -> AsmError {
        AsmError { line: self.line, col, kind }
    }
    fn err(&self, kind: AsmErrorKind) -> AsmError {
        self.err_at(self.col(), kind)
    }
    fn fail<T>(&self, what: &str) -> Result<T, AsmError> {
        Err(self.err(expected(what, &self.describe())))
    }
    fn is_punct(&self, p: &str) -> bool {
        matches!(self.tok(0), Some(Tok::Punct(q)) if *q == p)
    }
    fn eat_punct(&mut self, p: &str) -> bool {
        let hit = self.is_punct(p);
        if hit {
            self.pos += 1;
        }
        hit
    }
    fn punct(&mut self, p: &str) -> Result<(), AsmError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            self.fail(&format!("`{p}`"))
        }
    }
    fn is_ident(&self, s: &str) -> bool {
        matches!(self.tok(0), Some(Tok::Ident(t)) if t == s)
    }
    fn keyword(&mut self, s: &str) -> Result<(), AsmError> {
        if self.is_ident(s) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(&format!("`{s}`"))
        }
    }
    fn ident(&mut self, what: &str) -> Result<String, AsmError> {
        match self.tok(0) {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.fail(what),
        }
    }
    fn peek_reg(&self) -> Option<Reg> {
        match self.tok(0) {
            Some(Tok::Ident(s)) => parse_reg(s),
            _ => None,
        }
    }
    fn reg(&mut self) -> Result<Reg, AsmError> {
        match self.peek_reg() {
            Some(r) => {
                self.pos += 1;
                Ok(r)
            }
            None => self.fail("a register"),
        }
    }
    /// A register that must be a 64-bit `rN`.
    fn reg64(&mut self) -> Result<u8, AsmError> {
        let col = self.col();
        let r = self.reg()?;
        if r.w {
            return Err(
                self.err_at(col, AsmErrorKind::RegisterMismatch(format!("expected r{}, not w{}", r.n, r.n)))
            );
        }
        Ok(r.n)
    }
    /// A register of the same width as `like`.
    fn reg_like(&mut self, like: Reg) -> Result<u8, AsmError> {
        let col = self.col();
        let r = self.reg()?;
        if r.w != like.w {
            return Err(
                self.err_at(col, AsmErrorKind::RegisterMismatch("r and w registers are mixed".into()))
            );
        }
        Ok(r.n)
    }
    /// The register `want` again (`r1 = -r1`, `r1 = be16 r1`).
    fn same_reg(&mut self, want: Reg, why: &str) -> Result<(), AsmError> {
        let col = self.col();
        let r = self.reg()?;
        if r != want {
            let name = |r: Reg| format!("{}{}", if r.w { 'w' } else { 'r' }, r.n);
            return Err(self.err_at(
                col,
                AsmErrorKind::RegisterMismatch(format!("{why}: expected {}, found {}", name(want), name(r))),
            ));
        }
        Ok(())
    }
    /// An unsigned number as written, with its column.
    fn num(&mut self, what: &str) -> Result<(u64, bool, String, usize), AsmError> {
        match self.tok(0) {
            Some(Tok::Num { value, hex, text }) => {
                let r = (*value, *hex, text.clone(), self.col());
                self.pos += 1;
                Ok(r)
            }
            _ => self.fail(what),
        }
    }
    /// An optionally signed number as an `i64` (with its text and column).
    fn signed(&mut self, what: &str) -> Result<(i128, bool, String, usize), AsmError> {
        let col = self.col();
        let neg = if self.eat_punct("-") {
            true
        } else {
            self.eat_punct("+");
            false
        };
        let (v, hex, text, _) = self.num(what)?;
        let v = v as i128;
        Ok((if neg { -v } else { v }, hex, if neg { format!("-{text}") } else { text }, col))
    }
    fn out_of_range(&self, col: usize, what: &'static str, value: String) -> AsmError {
        self.err_at(col, AsmErrorKind::OutOfRange { what, value })
    }
    /// A 32-bit immediate: signed decimal (`%d`) or hex up to `0xffffffff`
    /// (`0x%x` of the `u32`).
    fn imm32(&mut self) -> Result<i32, AsmError> {
        let (v, hex, text, col) = self.signed("a number")?;
        if let Ok(i) = i32::try_from(v) {
            return Ok(i);
        }
        if hex && (0..=u32::MAX as i128).contains(&v) {
            return Ok(v as u32 as i32);
        }
        Err(self.out_of_range(col, "a 32-bit imm", text))
    }
    /// An unsigned 32-bit number (`%u`), stored as the `i32` of its bits.
    fn u32(&mut self, what: &'static str) -> Result<i32, AsmError> {
        let (v, _, text, col) = self.num("a number")?;
        u32::try_from(v).map(|v| v as i32).map_err(|_| self.out_of_range(col, what, text))
    }
    /// A signed 16-bit offset (`%+d`).
    fn off16(&mut self) -> Result<i16, AsmError> {
        let (v, _, text, col) = self.signed("an offset")?;
        i16::try_from(v).map_err(|_| self.out_of_range(col, "a 16-bit off", text))
    }
    /// `pc+N`, `pc-N` or a label.
    fn target(&mut self) -> Result<Target, AsmError> {
        let col = self.col();
        if self.is_ident("pc") && matches!(self.tok(1), Some(Tok::Punct("+" | "-"))) {
            self.pos += 1;
            let (v, _, _, _) = self.signed("a distance")?;
            return Ok(Target::Rel(v));
        }
        match self.tok(0) {
            Some(Tok::Ident(name)) if !is_reserved_label(name) => {
                let name = name.clone();
                self.pos += 1;
                Ok(Target::Label(name, col))
            }
            _ => self.fail("`pc+N`, `pc-N` or a label"),
        }
    }
    /// A target for a field of `bits` bits: the value, or 0 and a fixup.
    fn target_field(&mut self, kind: FixKind, bits: u32) -> Result<(i64, Option<LabelRef>), AsmError> {
        let col = self.col();
        match self.target()? {
            Target::Rel(v) => {
                let lim = 1i128 << (bits - 1);
                if v < -lim || v >= lim {
                    let what = if bits == 16 { "a 16-bit off" } else { "a 32-bit imm" };
                    return Err(self.out_of_range(col, what, v.to_string()));
                }
                Ok((v as i64, None))
            }
            Target::Label(name, col) => Ok((0, Some((name, col, kind)))),
        }
    }
    /// `(u32 *)`, `(s8 *)`: the access type, as (`BPF_SIZE`, sign-extending).
    fn size_cast(&mut self) -> Result<(u8, bool), AsmError> {
        self.punct("(")?;
        let size = self.size_name()?;
        self.punct("*")?;
        self.punct(")")?;
        Ok(size)
    }
    fn size_name(&mut self) -> Result<(u8, bool), AsmError> {
        let size = match self.tok(0) {
            Some(Tok::Ident(s)) => match s.as_str() {
                "u8" => (BPF_B, false),
                "u16" => (BPF_H, false),
                "u32" => (BPF_W, false),
                "u64" => (BPF_DW, false),
                "s8" => (BPF_B, true),
                "s16" => (BPF_H, true),
                "s32" => (BPF_W, true),
                "null" => return Err(self.err(AsmErrorKind::NotAnInstruction("(null)".into()))),
                _ => return self.fail("u8, u16, u32, u64, s8, s16 or s32"),
            },
            _ => return self.fail("u8, u16, u32, u64, s8, s16 or s32"),
        };
        self.pos += 1;
        Ok(size)
    }
    /// `(rN +OFF)`: a base register and an offset (`%+d`, may be omitted).
    fn mem_operand(&mut self) -> Result<(u8, i16), AsmError> {
        self.punct("(")?;
        let r = self.reg64()?;
        let off = if self.is_punct("+") || self.is_punct("-") { self.off16()? } else { 0 };
        self.punct(")")?;
        Ok((r, off))
    }
    /// An unsigned size for a load or store: `sN` is only for `ldx`.
    fn unsigned_size(&mut self) -> Result<u8, AsmError> {
        let col = self.col();
        let (size, sx) = self.size_cast()?;
        if sx {
            return Err(self.err_at(col, expected("an unsigned type (u8, u16, u32, u64)", "a signed one")));
        }
        Ok(size)
    }

    /// One instruction.
    fn insn(&mut self) -> Result<Parsed, AsmError> {
        let col = self.col();
        let word = match self.tok(0) {
            Some(Tok::Ident(s)) => s.clone(),
            Some(Tok::Punct("*")) => return self.store(),
            _ => return self.fail("an instruction"),
        };
        if word.starts_with("BUG_") {
            return Err(self.err(AsmErrorKind::NotAnInstruction(word)));
        }
        if let Some(dst) = parse_reg(&word) {
            self.pos += 1;
            return self.reg_insn(dst, col);
        }
        self.pos += 1;
        match word.as_str() {
            "exit" => Ok(Parsed::one(BpfInsn::exit())),
            "nospec" => Ok(Parsed::one(BpfInsn::new(BPF_ST | BPF_NOSPEC, 0, 0, 0, 0))),
            "goto" => {
                let (v, fix) = self.target_field(FixKind::Off, 16)?;
                Ok(Parsed { insns: vec![BpfInsn::ja(v as i16)], fixup: fix })
            }
            "gotol" => {
                let (v, fix) = self.target_field(FixKind::Imm, 32)?;
                Ok(Parsed { insns: vec![BpfInsn::new(BPF_JMP32 | BPF_JA, 0, 0, 0, v as i32)], fixup: fix })
            }
            "may_goto" => {
                let (v, fix) = self.target_field(FixKind::Off, 16)?;
                Ok(Parsed {
                    insns: vec![BpfInsn::new(BPF_JMP | BPF_JCOND, 0, BPF_MAY_GOTO, v as i16, 0)],
                    fixup: fix,
                })
            }
            "call" => self.call(),
            "if" => self.cond_jump(),
            "lock" => self.lock(),
            "store_release" => {
                self.punct("(")?;
                let size = self.unsigned_size()?;
                let (dst, off) = self.mem_operand()?;
                self.punct(",")?;
                let src = self.reg64()?;
                self.punct(")")?;
                Ok(Parsed::one(BpfInsn::atomic_op(size, BPF_STORE_REL, dst, src, off)))
            }
            _ => {
                self.pos -= 1;
                self.fail("an instruction")
            }
        }
    }

    /// `*(u32 *)(r1 +0) = r2` and `*(u32 *)(r1 +0) = 5`.
    fn store(&mut self) -> Result<Parsed, AsmError> {
        self.punct("*")?;
        let size = self.unsigned_size()?;
        let (dst, off) = self.mem_operand()?;
        self.punct("=")?;
        if self.peek_reg().is_some() {
            let src = self.reg64()?;
            Ok(Parsed::one(BpfInsn::stx_mem(size, dst, src, off)))
        } else {
            let imm = self.imm32()?;
            Ok(Parsed::one(BpfInsn::st_mem(size, dst, off, imm)))
        }
    }

    /// `lock *(u64 *)(r10 -8) += r1`.
    fn lock(&mut self) -> Result<Parsed, AsmError> {
        self.punct("*")?;
        let size = self.unsigned_size()?;
        let (dst, off) = self.mem_operand()?;
        let op = match self.tok(0) {
            Some(Tok::Punct("+=")) => BPF_ADD,
            Some(Tok::Punct("&=")) => BPF_AND,
            Some(Tok::Punct("|=")) => BPF_OR,
            Some(Tok::Punct("^=")) => BPF_XOR,
            _ => return self.fail("`+=`, `&=`, `|=` or `^=`"),
        };
        self.pos += 1;
        let src = self.reg64()?;
        Ok(Parsed::one(BpfInsn::atomic_op(size, op as i32, dst, src, off)))
    }

    /// `if r1 > 0x5 goto pc+2`, `if w1 s< w2 goto label`.
    fn cond_jump(&mut self) -> Result<Parsed, AsmError> {
        let dst = self.reg()?;
        let op = match self.tok(0) {
            Some(Tok::Punct(p)) => match *p {
                "==" => BPF_JEQ,
                ">" => BPF_JGT,
                ">=" => BPF_JGE,
                "&" => BPF_JSET,
                "!=" => BPF_JNE,
                "s>" => BPF_JSGT,
                "s>=" => BPF_JSGE,
                "<" => BPF_JLT,
                "<=" => BPF_JLE,
                "s<" => BPF_JSLT,
                "s<=" => BPF_JSLE,
                _ => return self.fail("a comparison"),
            },
            _ => return self.fail("a comparison"),
        };
        self.pos += 1;
        let class = if dst.w { BPF_JMP32 } else { BPF_JMP };
        let mut insn = if self.peek_reg().is_some() {
            let src = self.reg_like(dst)?;
            BpfInsn::new(class | op | BPF_X, dst.n, src, 0, 0)
        } else {
            let imm = self.imm32()?;
            BpfInsn::new(class | op | BPF_K, dst.n, 0, 0, imm)
        };
        self.keyword("goto")?;
        let (v, fixup) = self.target_field(FixKind::Off, 16)?;
        insn.off = v as i16;
        Ok(Parsed { insns: vec![insn], fixup })
    }

    /// `call bpf_map_lookup_elem#1`, `call name`, `call 1`, `call pc+3`,
    /// `call kernel-function#N`, `call unknown#N`.
    fn call(&mut self) -> Result<Parsed, AsmError> {
        let col = self.col();
        if self.is_ident("pc") && matches!(self.tok(1), Some(Tok::Punct("+" | "-"))) {
            let (v, _) = self.target_field(FixKind::CallOrHelper, 32)?;
            return Ok(Parsed::one(BpfInsn::call_rel(v as i32)));
        }
        if matches!(self.tok(0), Some(Tok::Num { .. })) {
            let id = self.u32("a helper id")?;
            return Ok(Parsed::one(BpfInsn::call_helper(id)));
        }
        let name = self.ident("a helper, a label or `pc+N`")?;
        if name == "kernel"
            && self.is_punct("-")
            && matches!(self.tok(1), Some(Tok::Ident(f)) if f == "function")
        {
            self.pos += 2;
            self.punct("#")?;
            let id = self.imm32()?;
            return Ok(Parsed::one(BpfInsn::new(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)));
        }
        if !self.eat_punct("#") {
            // A label (bpf-to-bpf) or a helper name, decided once every
            // label is known.
            return Ok(Parsed {
                insns: vec![BpfInsn::call_helper(0)],
                fixup: Some((name, col, FixKind::CallOrHelper)),
            });
        }
        let id = self.imm32()?;
        if name == "unknown" {
            // The kernel prints `unknown#N` for a helper id it does not know.
            if (0..__BPF_FUNC_MAX_ID as i32).contains(&id) {
                return Err(self.err_at(col, AsmErrorKind::HelperMismatch { name, id }));
            }
            return Ok(Parsed::one(BpfInsn::call_helper(id)));
        }
        match func_id_by_name(&name) {
            Some(known) if known == id => Ok(Parsed::one(BpfInsn::call_helper(id))),
            Some(_) => Err(self.err_at(col, AsmErrorKind::HelperMismatch { name, id })),
            None => Err(self.err_at(col, AsmErrorKind::UnknownCallTarget(name))),
        }
    }

    /// Everything that starts with a register.
    fn reg_insn(&mut self, dst: Reg, dst_col: usize) -> Result<Parsed, AsmError> {
        let class = if dst.w { BPF_ALU } else { BPF_ALU64 };
        let (op, off) = match self.tok(0) {
            Some(Tok::Punct("=")) => {
                self.pos += 1;
                return self.assign(dst, dst_col);
            }
            Some(Tok::Punct(p)) => match *p {
                "+=" => (BPF_ADD, 0),
                "-=" => (BPF_SUB, 0),
                "*=" => (BPF_MUL, 0),
                "/=" => (BPF_DIV, 0),
                "|=" => (BPF_OR, 0),
                "&=" => (BPF_AND, 0),
                "<<=" => (BPF_LSH, 0),
                ">>=" => (BPF_RSH, 0),
                "%=" => (BPF_MOD, 0),
                "^=" => (BPF_XOR, 0),
                "s>>=" => (BPF_ARSH, 0),
                "s/=" => (BPF_DIV, 1),
                "s%=" => (BPF_MOD, 1),
                _ => return self.fail("an assignment operator"),
            },
            _ => return self.fail("an assignment operator"),
        };
        self.pos += 1;
        if self.peek_reg().is_some() {
            let src = self.reg_like(dst)?;
            Ok(Parsed::one(BpfInsn::new(class | op | BPF_X, dst.n, src, off, 0)))
        } else {
            let imm = self.imm32()?;
            Ok(Parsed::one(BpfInsn::new(class | op | BPF_K, dst.n, 0, off, imm)))
        }
    }

    /// `rD = ...`: moves, loads, `ld_imm64`, byte swaps, atomics that
    /// return a value.
    fn assign(&mut self, dst: Reg, dst_col: usize) -> Result<Parsed, AsmError> {
        let class = if dst.w { BPF_ALU } else { BPF_ALU64 };
        let need_r = |p: &Self| -> Result<(), AsmError> {
            if dst.w {
                Err(p.err_at(
                    dst_col,
                    AsmErrorKind::RegisterMismatch(format!("expected r{}, not w{}", dst.n, dst.n)),
                ))
            } else {
                Ok(())
            }
        };
        // rD = rS / wD = wS
        if self.peek_reg().is_some() {
            let src = self.reg_like(dst)?;
            return Ok(Parsed::one(BpfInsn::new(class | BPF_MOV | BPF_X, dst.n, src, 0, 0)));
        }
        // rD = -rD (neg) or rD = -5 (mov)
        if self.is_punct("-") && matches!(self.tok(1), Some(Tok::Ident(s)) if parse_reg(s).is_some()) {
            self.pos += 1;
            self.same_reg(dst, "neg negates its own register")?;
            return Ok(Parsed::one(BpfInsn::new(class | BPF_NEG | BPF_K, dst.n, 0, 0, 0)));
        }
        // rD = 0x1122334455667788 (ld_imm64)
        if !dst.w && matches!(self.tok(0), Some(Tok::Num { hex: true, .. })) {
            let (v, _, _, _) = self.num("a number")?;
            return Ok(Parsed { insns: BpfInsn::ld_imm64(dst.n, v).to_vec(), fixup: None });
        }
        // rD = 42 (mov)
        if matches!(self.tok(0), Some(Tok::Num { .. } | Tok::Punct("-" | "+"))) {
            let imm = self.imm32()?;
            return Ok(Parsed::one(BpfInsn::new(class | BPF_MOV | BPF_K, dst.n, 0, 0, imm)));
        }
        // rD = (s8)rS (movsx)
        if self.is_punct("(") {
            self.pos += 1;
            let col = self.col();
            let (size, sx) = self.size_name()?;
            let off = match (size, sx) {
                (BPF_B, true) => 8,
                (BPF_H, true) => 16,
                (BPF_W, true) => 32,
                _ => return Err(self.err_at(col, expected("s8, s16 or s32", "an unsigned type"))),
            };
            self.punct(")")?;
            let src = self.reg_like(dst)?;
            return Ok(Parsed::one(BpfInsn::new(class | BPF_MOV | BPF_X, dst.n, src, off, 0)));
        }
        // rD = *(u32 *)(rS +off), rD = *(u32 *)skb[...]
        if self.eat_punct("*") {
            need_r(self)?;
            let (size, sx) = self.size_cast()?;
            if self.is_ident("skb") {
                return self.ld_skb(dst, dst_col, size, sx);
            }
            let (src, off) = self.mem_operand()?;
            let mode = if sx { BPF_MEMSX } else { BPF_MEM };
            return Ok(Parsed::one(BpfInsn::new(BPF_LDX | size | mode, dst.n, src, off, 0)));
        }
        // rD = &(void __percpu *)(rS)
        if self.eat_punct("&") {
            need_r(self)?;
            self.punct("(")?;
            self.keyword("void")?;
            self.keyword("__percpu")?;
            self.punct("*")?;
            self.punct(")")?;
            self.punct("(")?;
            let src = self.reg64()?;
            self.punct(")")?;
            return Ok(Parsed::one(BpfInsn::new(
                BPF_ALU64 | BPF_MOV | BPF_X,
                dst.n,
                src,
                crate::disasm::BPF_ADDR_PERCPU,
                0,
            )));
        }
        let word_col = self.col();
        let word = self.ident("a register, a number, a load or an operation")?;
        need_r(self)?;
        for (prefix, code) in [
            ("bswap", BPF_ALU64 | BPF_END | BPF_TO_LE),
            ("be", BPF_ALU | BPF_END | BPF_TO_BE),
            ("le", BPF_ALU | BPF_END | BPF_TO_LE),
        ] {
            if let Some(width) = word.strip_prefix(prefix) {
                if let Some(width) = self.swap_width(width, word_col)? {
                    self.same_reg(dst, "a byte swap works in place")?;
                    return Ok(Parsed::one(BpfInsn::new(code, dst.n, 0, 0, width)));
                }
            }
        }
        match word.as_str() {
            "addr_space_cast" => {
                self.punct("(")?;
                let src = self.reg64()?;
                self.punct(",")?;
                let (hi, _, text, col) = self.num("an address space")?;
                let hi = u16::try_from(hi).map_err(|_| self.out_of_range(col, "16 bits", text))?;
                self.punct(",")?;
                let (lo, _, text, col) = self.num("an address space")?;
                let lo = u16::try_from(lo).map_err(|_| self.out_of_range(col, "16 bits", text))?;
                self.punct(")")?;
                let imm = ((hi as u32) << 16 | lo as u32) as i32;
                Ok(Parsed::one(BpfInsn::new(
                    BPF_ALU64 | BPF_MOV | BPF_X,
                    dst.n,
                    src,
                    BPF_ADDR_SPACE_CAST,
                    imm,
                )))
            }
            "load_acquire" => {
                self.punct("(")?;
                let size = self.unsigned_size()?;
                let (src, off) = self.mem_operand()?;
                self.punct(")")?;
                Ok(Parsed::one(BpfInsn::atomic_op(size, BPF_LOAD_ACQ, dst.n, src, off)))
            }
            "map" => self.map_ref(dst.n),
            "subprog" => {
                self.punct("[")?;
                let (v, fixup) = self.target_field_subprog()?;
                self.punct("]")?;
                Ok(Parsed {
                    insns: BpfInsn::ld_imm64_raw(dst.n, BPF_PSEUDO_FUNC, v as u32 as u64).to_vec(),
                    fixup,
                })
            }
            "btf_id" => {
                self.punct("[")?;
                let id = self.u32("a 32-bit imm")?;
                self.punct("]")?;
                let mut fd = 0;
                if self.eat_punct("[") {
                    self.keyword("fd")?;
                    self.punct(":")?;
                    fd = self.u32("a 32-bit imm")?;
                    self.punct("]")?;
                }
                Ok(Parsed { insns: ld_imm64_pair(dst.n, BPF_PSEUDO_BTF_ID, id, fd), fixup: None })
            }
            _ => self.atomic_value(dst, dst_col, &word),
        }
    }

    /// The width of `be16`, `le32`, `bswap64`: the digits after the name
    /// (`digits`, from the word at `col`), or for `le-5` a `-` and a
    /// number after it. The kernel prints `imm` with `%d` whatever it is,
    /// so any 32-bit value reads back; `None` if this is no byte swap.
    fn swap_width(&mut self, digits: &str, col: usize) -> Result<Option<i32>, AsmError> {
        if digits.is_empty() {
            if !self.is_punct("-") || !matches!(self.tok(1), Some(Tok::Num { hex: false, .. })) {
                return Ok(None);
            }
            let (v, _, text, col) = self.signed("a width")?;
            return i32::try_from(v).map(Some).map_err(|_| self.out_of_range(col, "a 32-bit imm", text));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        digits
            .parse::<i32>()
            .map(Some)
            .map_err(|_| self.out_of_range(col, "a 32-bit imm", digits.to_string()))
    }

    /// `subprog[+N]` or `subprog[label]`.
    fn target_field_subprog(&mut self) -> Result<(i64, Option<LabelRef>), AsmError> {
        if matches!(self.tok(0), Some(Tok::Punct("+" | "-"))) {
            let (v, _, text, col) = self.signed("a distance")?;
            let v = i32::try_from(v).map_err(|_| self.out_of_range(col, "a 32-bit imm", text))?;
            return Ok((v as i64, None));
        }
        let col = self.col();
        match self.tok(0) {
            Some(Tok::Ident(name)) if !is_reserved_label(name) => {
                let name = name.clone();
                self.pos += 1;
                Ok((0, Some((name, col, FixKind::Imm))))
            }
            _ => self.fail("`+N`, `-N` or a label"),
        }
    }

    /// `map[fd:N]`, `map[id:N]`, `map[fd:N][0]+OFF`, `map[idx:N]`,
    /// `map[idx:N]+OFF`.
    fn map_ref(&mut self, dst: u8) -> Result<Parsed, AsmError> {
        self.punct("[")?;
        let kind = self.ident("`fd`, `id` or `idx`")?;
        if !matches!(kind.as_str(), "fd" | "id" | "idx") {
            self.pos -= 1;
            return self.fail("`fd`, `id` or `idx`");
        }
        self.punct(":")?;
        let n = self.u32("a 32-bit imm")?;
        self.punct("]")?;
        let insns = if kind == "idx" {
            if self.eat_punct("+") {
                let off = self.u32("a 32-bit imm")?;
                ld_imm64_pair(dst, BPF_PSEUDO_MAP_IDX_VALUE, n, off)
            } else {
                ld_imm64_pair(dst, BPF_PSEUDO_MAP_IDX, n, 0)
            }
        } else if self.eat_punct("[") {
            let col = self.col();
            let (z, _, _, _) = self.num("`0`")?;
            if z != 0 {
                return Err(self.err_at(col, expected("`0` (the one value of an array map)", &z.to_string())));
            }
            self.punct("]")?;
            self.punct("+")?;
            let off = self.u32("a 32-bit imm")?;
            ld_imm64_pair(dst, BPF_PSEUDO_MAP_VALUE, n, off)
        } else {
            ld_imm64_pair(dst, BPF_PSEUDO_MAP_FD, n, 0)
        };
        Ok(Parsed { insns, fixup: None })
    }

    /// `r0 = *(u32 *)skb[5]` (`BPF_ABS`), `r0 = *(u32 *)skb[r1 + 5]` (`BPF_IND`).
    fn ld_skb(&mut self, dst: Reg, dst_col: usize, size: u8, sx: bool) -> Result<Parsed, AsmError> {
        if sx {
            return self.fail("an unsigned type for a packet load");
        }
        if dst.n != 0 {
            return Err(
                self.err_at(dst_col, AsmErrorKind::RegisterMismatch("a packet load writes r0".into()))
            );
        }
        self.keyword("skb")?;
        self.punct("[")?;
        let insn = if self.peek_reg().is_some() {
            let src = self.reg64()?;
            let imm = if self.eat_punct("+") { self.imm32()? } else { -self.minus_imm()? };
            BpfInsn::new(BPF_LD | size | BPF_IND, 0, src, 0, imm)
        } else {
            let imm = self.imm32()?;
            BpfInsn::new(BPF_LD | size | BPF_ABS, 0, 0, 0, imm)
        };
        self.punct("]")?;
        Ok(Parsed::one(insn))
    }

    /// `- N` in `skb[r1 - N]` (accepted on input; the kernel prints `+ -N`).
    fn minus_imm(&mut self) -> Result<i32, AsmError> {
        self.punct("-")?;
        let (v, _, text, col) = self.num("a number")?;
        i32::try_from(v).map_err(|_| self.out_of_range(col, "a 32-bit imm", text))
    }

    /// `rS = atomic[64]_fetch_add((u64 *)(rD +off), rS)`,
    /// `r0 = atomic[64]_cmpxchg((u64 *)(rD +off), r0, rS)`,
    /// `rS = atomic[64]_xchg((u64 *)(rD +off), rS)`.
    fn atomic_value(&mut self, lhs: Reg, lhs_col: usize, word: &str) -> Result<Parsed, AsmError> {
        let word_col = self.toks[self.pos - 1].col;
        let (is64, op) = match word.strip_prefix("atomic64_") {
            Some(op) => (true, op),
            None => match word.strip_prefix("atomic_") {
                Some(op) => (false, op),
                None => {
                    self.pos -= 1;
                    return self.fail("a register, a number, a load or an operation");
                }
            },
        };
        let imm = match op {
            "fetch_add" => BPF_ADD as i32 | BPF_FETCH,
            "fetch_and" => BPF_AND as i32 | BPF_FETCH,
            "fetch_or" => BPF_OR as i32 | BPF_FETCH,
            "fetch_xor" => BPF_XOR as i32 | BPF_FETCH,
            "cmpxchg" => BPF_CMPXCHG,
            "xchg" => BPF_XCHG,
            _ => {
                self.pos -= 1;
                return self.fail("fetch_add, fetch_and, fetch_or, fetch_xor, cmpxchg or xchg");
            }
        };
        self.punct("(")?;
        // The column of the type name inside `(u64 *)`.
        let size_col = self.toks.get(self.pos + 1).map_or(self.end_col, |t| t.col);
        let size = self.unsigned_size()?;
        if is64 != (size == BPF_DW) {
            return Err(self.err_at(
                if is64 { word_col } else { size_col },
                AsmErrorKind::Expected {
                    expected: "atomic64_ with u64 and atomic_ with other sizes".into(),
                    found: word.to_string(),
                },
            ));
        }
        let (dst, off) = self.mem_operand()?;
        self.punct(",")?;
        let src = if imm == BPF_CMPXCHG {
            let r0 = Reg { n: 0, w: false };
            if lhs != r0 {
                return Err(
                    self.err_at(lhs_col, AsmErrorKind::RegisterMismatch("cmpxchg returns in r0".into()))
                );
            }
            self.same_reg(r0, "cmpxchg compares with r0")?;
            self.punct(",")?;
            self.reg64()?
        } else {
            self.same_reg(lhs, "the fetched value goes back to the source register")?;
            lhs.n
        };
        self.punct(")")?;
        Ok(Parsed::one(BpfInsn::atomic_op(size, imm, dst, src, off)))
    }
}

/// The two slots of an `ld_imm64` with pseudo source `src`.
fn ld_imm64_pair(dst: u8, src: u8, lo: i32, hi: i32) -> Vec<BpfInsn> {
    BpfInsn::ld_imm64_raw(dst, src, (lo as u32 as u64) | ((hi as u32 as u64) << 32)).to_vec()
}

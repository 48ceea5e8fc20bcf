//! [`GenProg`] to program text (the assembler's, the verifier log's) and
//! to a [`SoundCase`].
//!
//! The renderer keeps a rough idea of what each long-lived register holds
//! ([`Kind`]) so that a block uses a pointer where one was kept and
//! places its offsets relative to the right limit. The idea is only a
//! guess along the fall-through path (the verifier is path-sensitive, the
//! renderer is not): a wrong guess just makes another program, which the
//! verifier judges like any other.

use super::*;
use crate::soundness::case::{SoundCase, SoundMap};
use bpf_core::asm::asm;
use bpf_core::uapi::*;

/// An offset as an instruction's 16-bit `off` holds it.
fn o16(v: i64) -> i64 {
    v.clamp(-32768, 32767)
}

/// What a long-lived register is believed to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A number, with an upper bound when one is known.
    Scalar(Option<i64>),
    /// A map value pointer `off` bytes in, maybe NULL.
    MapVal { map: usize, off: i64, maybe_null: bool },
    /// A packet pointer `off` bytes past where `range` bytes were checked.
    Pkt { range: i64, off: i64 },
    /// `data_end`.
    PktEnd,
    /// The context.
    Ctx,
    /// `r10 + off`.
    Stack(i64),
}

impl Kind {
    fn is_ptr(self) -> bool {
        !matches!(self, Kind::Scalar(_) | Kind::PktEnd)
    }
}

const ALU_OPS: [&str; 12] = ["+=", "-=", "*=", "&=", "|=", "^=", "<<=", ">>=", "s>>=", "/=", "%=", "neg"];
const JMP_OPS: [&str; 11] = ["==", "!=", ">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "&"];
/// The stack slot a `bpf_get_prandom_u32()` result waits in for a block.
const PRANDOM_SLOT: i64 = -504;

/// A context field: offset, natural size, writable, what a load gives.
#[derive(Clone, Copy)]
struct Field {
    off: i64,
    size: i64,
    writable: bool,
    kind: Kind,
}

const fn f(off: i64, size: i64, writable: bool) -> Field {
    Field { off, size, writable, kind: Kind::Scalar(None) }
}

const SKB_FIELDS: [Field; 20] = [
    f(0, 4, false),
    f(4, 4, false),
    f(8, 4, true),
    f(12, 4, true),
    f(16, 4, false),
    f(24, 4, false),
    f(32, 4, true),
    f(36, 4, false),
    f(40, 4, false),
    f(44, 4, true),
    f(48, 4, true),
    f(64, 4, true),
    f(68, 4, false),
    f(72, 4, true),
    Field { off: 76, size: 4, writable: false, kind: Kind::Pkt { range: 0, off: 0 } },
    Field { off: 80, size: 4, writable: false, kind: Kind::PktEnd },
    f(84, 4, false),
    Field { off: 140, size: 4, writable: false, kind: Kind::Pkt { range: 0, off: 0 } },
    f(152, 8, true),
    f(188, 4, false),
];
const XDP_FIELDS: [Field; 5] = [
    Field { off: 0, size: 4, writable: false, kind: Kind::Pkt { range: 0, off: 0 } },
    Field { off: 4, size: 4, writable: false, kind: Kind::PktEnd },
    Field { off: 8, size: 4, writable: false, kind: Kind::Pkt { range: 0, off: 0 } },
    f(12, 4, false),
    f(16, 4, false),
];

struct R<'a> {
    p: &'a GenProg,
    lines: Vec<String>,
    subs: Vec<String>,
    labels: usize,
    pool: [Kind; 3],
    in_loop: bool,
    /// The loop counter's largest value inside the body of the loop being
    /// rendered.
    loop_max: Option<i64>,
}

/// The range `[min, max]` a variable offset takes.
type VRange = (i64, i64);

impl<'a> R<'a> {
    fn label(&mut self) -> String {
        self.labels += 1;
        format!("l{}", self.labels)
    }

    fn emit(&mut self, s: impl Into<String>) {
        self.lines.push(format!("    {}", s.into()));
    }

    fn place(&mut self, l: &str) {
        self.lines.push(format!("{l}:"));
    }

    /// The register of a long-lived slot: r7..r9, or r7..r8 inside a loop
    /// (r9 counts).
    fn slot(&self, p: Pool) -> usize {
        if self.in_loop {
            (p.0 % 2) as usize
        } else {
            (p.0 % 3) as usize
        }
    }

    fn reg(&self, p: Pool) -> usize {
        7 + self.slot(p)
    }

    fn kind(&self, p: Pool) -> Kind {
        self.pool[self.slot(p)]
    }

    fn set_kind(&mut self, p: Pool, k: Kind) {
        let s = self.slot(p);
        self.pool[s] = k;
    }

    fn skb(&self) -> bool {
        matches!(self.p.kind, ProgKind::SocketFilter | ProgKind::SchedCls | ProgKind::CgroupSkb)
    }

    fn fields(&self) -> Vec<Field> {
        match self.p.kind {
            ProgKind::Xdp => XDP_FIELDS.to_vec(),
            ProgKind::Kprobe => (0..=21).map(|i| f(8 * i, 8, false)).collect(),
            _ => SKB_FIELDS.to_vec(),
        }
    }

    /// An unknown number from the context: a scalar field's offset and size.
    fn scalar_field(&self, i: u8) -> (i64, Size) {
        let list: &[i64] = match self.p.kind {
            ProgKind::Xdp => &[12, 16],
            ProgKind::Kprobe => &[0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 104, 112, 160],
            _ => &[0, 8, 32, 68, 48, 4, 16, 40],
        };
        let size = if self.p.kind == ProgKind::Kprobe { Size::DW } else { Size::W };
        (list[i as usize % list.len()], size)
    }

    fn map(&self, m: u8) -> (usize, MapShape) {
        let i = m as usize % self.p.maps.len();
        (i, self.p.maps[i])
    }

    /// The offset of an access into `limit` bytes.
    fn off_of(a: Access, limit: i64) -> i64 {
        Self::off_var(a, limit, (0, 0), false)
    }

    /// The constant offset of an access into `limit` bytes through a
    /// pointer that already carries a variable part of at most `vmax`:
    /// an `End` edge is measured at the variable's maximum, a `Start` edge
    /// at its minimum (0). With `align` (the stack, atomics) the deltas
    /// are whole accesses, so only the bounds are wrong, not the alignment.
    fn off_var(a: Access, limit: i64, (vmin, vmax): VRange, align: bool) -> i64 {
        let sz = a.size.bytes();
        let d = |x: i16| if align { i64::from(x) * sz } else { i64::from(x) };
        let off = match a.edge {
            Edge::End(x) => limit - sz + d(x) - vmax,
            Edge::Start(x) => d(x) - vmin,
            Edge::Inside(k) => {
                let room = limit - sz - vmax + vmin;
                if room >= 0 {
                    (i64::from(k) % (room / sz + 1)) * sz - vmin
                } else {
                    -vmin
                }
            }
        };
        o16(off)
    }

    /// An access to the context through `base`: near a field of the type
    /// (its own size unless the access is off the field), a write to a
    /// writable field.
    fn ctx_access(&mut self, base: usize, a: Access, pick: usize) {
        let fl = self.fields();
        let w: Vec<Field> = fl.iter().copied().filter(|f| f.writable).collect();
        // A read-only context is mostly read (a write now and then).
        let a = Access { write: a.write && (!w.is_empty() || pick % 8 == 0), ..a };
        let fd = if a.write && !w.is_empty() { w[pick % w.len()] } else { fl[pick % fl.len()] };
        let d = match a.edge {
            Edge::End(d) | Edge::Start(d) => i64::from(d).clamp(-4, 4),
            Edge::Inside(_) => 0,
        };
        let size = if d == 0 {
            if fd.size == 8 {
                Size::DW
            } else {
                Size::W
            }
        } else {
            a.size
        };
        self.access(base, fd.off + d, Access { size, ..a });
    }

    /// One access through `base` at `off`.
    fn access(&mut self, base: usize, off: i64, a: Access) {
        let off = o16(off);
        let sz = a.size.name();
        if a.write {
            self.emit(format!("*({sz} *)(r{base} {off:+}) = 7"));
        } else {
            self.emit(format!("r5 = *({sz} *)(r{base} {off:+})"));
        }
    }

    /// Calls `bpf_get_prandom_u32` and parks the result for a variable
    /// offset that needs it (before the block sets up its pointers).
    fn pre_var(&mut self, var: Option<VarOff>) {
        if matches!(var, Some(VarOff { src: VarSrc::Prandom, .. })) {
            self.emit("call bpf_get_prandom_u32");
            self.emit(format!("*(u64 *)(r10 {PRANDOM_SLOT}) = r0"));
        }
    }

    /// Loads a variable offset's source into `dst`.
    fn var_src(&mut self, src: VarSrc, dst: usize, base: Option<usize>) {
        match src {
            VarSrc::Pool(p) if !self.kind(p).is_ptr() => {
                let r = self.reg(p);
                self.emit(format!("r{dst} = r{r}"));
            }
            VarSrc::Pool(p) => {
                // A pointer is no offset: a context field instead.
                let (off, size) = self.scalar_field(p.0);
                self.emit(format!("r{dst} = *({} *)(r6 +{off})", size.name()));
            }
            VarSrc::Ctx(i) => {
                let (off, size) = self.scalar_field(i);
                self.emit(format!("r{dst} = *({} *)(r6 +{off})", size.name()));
            }
            VarSrc::Prandom => self.emit(format!("r{dst} = *(u64 *)(r10 {PRANDOM_SLOT})")),
            VarSrc::Loaded(size) | VarSrc::LoadedSx(size) => match base {
                Some(b) => {
                    let t = if matches!(src, VarSrc::LoadedSx(_)) && size != Size::DW {
                        format!("s{}", size.bytes() * 8)
                    } else {
                        size.name().to_string()
                    };
                    self.emit(format!("r{dst} = *({t} *)(r{b} +0)"));
                }
                None => {
                    let (off, size) = self.scalar_field(0);
                    self.emit(format!("r{dst} = *({} *)(r6 +{off})", size.name()));
                }
            },
            VarSrc::Counter => self.emit(format!("r{dst} = r9")),
        }
    }

    /// Bounds `r` so that its maximum is `max` (or what the bound's
    /// shape allows nearest below it); returns the maximum reached.
    /// Jumps go to `skip`.
    fn bound(&mut self, r: usize, b: Bound, max: i64, skip: &str) -> i64 {
        let max = max.clamp(0, 1 << 20);
        match b {
            Bound::And => {
                let bits = 64 - (max as u64 + 1).leading_zeros() - 1;
                let mask = (1i64 << bits) - 1;
                self.emit(format!("r{r} &= {mask}"));
                mask
            }
            Bound::JgtU64 => {
                self.emit(format!("if r{r} > {max} goto {skip}"));
                max
            }
            Bound::JgtU32 => {
                self.emit(format!("if w{r} > {max} goto {skip}"));
                max
            }
            Bound::JsgtNoLower => {
                self.emit(format!("if r{r} s> {max} goto {skip}"));
                max
            }
            Bound::JsgtBoth => {
                self.emit(format!("if r{r} s< 0 goto {skip}"));
                self.emit(format!("if r{r} s> {max} goto {skip}"));
                max
            }
            Bound::JltOk => {
                let ok = self.label();
                self.emit(format!("if r{r} < {} goto {ok}", max + 1));
                self.emit(format!("goto {skip}"));
                self.place(&ok);
                max
            }
            Bound::Rsh => {
                let bits = 64 - (max as u64 + 1).leading_zeros() - 1;
                if bits == 0 {
                    self.emit(format!("r{r} = 0"));
                    0
                } else {
                    self.emit(format!("r{r} >>= {}", 64 - bits));
                    (1i64 << bits) - 1
                }
            }
            Bound::Mod => {
                self.emit(format!("r{r} %= {}", max + 1));
                max
            }
            Bound::JgeReg => {
                self.emit(format!("r4 = {}", max + 1));
                self.emit(format!("if r{r} >= r4 goto {skip}"));
                max
            }
            Bound::JeqConst => {
                self.emit(format!("if r{r} != {max} goto {skip}"));
                max
            }
            Bound::None => max,
        }
    }

    fn deriv(&mut self, r: usize, op: DerivOp) {
        match op {
            DerivOp::Add(k) => self.emit(format!("r{r} += {k}")),
            DerivOp::Sub(k) => self.emit(format!("r{r} -= {k}")),
            DerivOp::Mul(k) => self.emit(format!("r{r} *= {k}")),
            DerivOp::Lsh(k) => self.emit(format!("r{r} <<= {k}")),
            DerivOp::Rsh(k) => self.emit(format!("r{r} >>= {k}")),
            DerivOp::Arsh(k) => self.emit(format!("r{r} s>>= {k}")),
            DerivOp::And(k) => self.emit(format!("r{r} &= {k}")),
            DerivOp::Or(k) => self.emit(format!("r{r} |= {k}")),
            DerivOp::Xor(k) => self.emit(format!("r{r} ^= {k}")),
            DerivOp::W32Add(k) => self.emit(format!("w{r} += {k}")),
            DerivOp::Rsub(k) => {
                self.emit(format!("r4 = {k}"));
                self.emit(format!("r4 -= r{r}"));
                self.emit(format!("r{r} = r4"));
            }
            DerivOp::Div(k) => self.emit(format!("r{r} /= {k}")),
            DerivOp::Mod(k) => self.emit(format!("r{r} %= {k}")),
            DerivOp::Neg2 => {
                self.emit(format!("r{r} = -r{r}"));
                self.emit(format!("r{r} = -r{r}"));
            }
            DerivOp::Movsx8 => self.emit(format!("r{r} = (s8)r{r}")),
            DerivOp::ModReg(bits) | DerivOp::DivReg(bits) => {
                let (f, sz) = self.scalar_field(bits);
                self.emit(format!("r4 = *({} *)(r6 +{f})", sz.name()));
                self.emit(format!("r4 &= {}", (1 << bits.min(3)) - 1));
                let op = if matches!(op, DerivOp::ModReg(_)) { "%=" } else { "/=" };
                self.emit(format!("r{r} {op} r4"));
            }
            DerivOp::Be16 => self.emit(format!("r{r} = be16 r{r}")),
            DerivOp::Mov32 => self.emit(format!("w{r} = w{r}")),
            DerivOp::W32Mul(k) => self.emit(format!("w{r} *= {k}")),
        }
    }

    /// Bounds the value in `r` and applies the offset's operations;
    /// returns the range it then has: exact where the bound is a real one
    /// (every source value is evaluated through the operations), the
    /// intended one otherwise (the verifier should refuse those).
    fn bound_var(&mut self, r: usize, v: VarOff, target: i64, skip: &str) -> VRange {
        let ops: Vec<DerivOp> = v.ops.iter().flatten().copied().collect();
        let counter = v.src == VarSrc::Counter && v.bound == Bound::None;
        let (lo, hi, exact) = match (counter, self.loop_max) {
            (true, Some(m)) => (0, m, true),
            _ => {
                // With operations, the largest source bound whose result
                // still stays within the target.
                let want = if ops.is_empty() {
                    target
                } else {
                    let mut want = target.clamp(0, 4096);
                    while want > 0 {
                        let m = Self::bound_max(v.bound, want);
                        let lo = if v.bound == Bound::JeqConst { m } else { 0 };
                        if Self::eval_range(&ops, lo, m).is_some_and(|(a, b)| a >= -(1 << 16) && b <= target)
                        {
                            break;
                        }
                        want /= 2;
                    }
                    want
                };
                let m = self.bound(r, v.bound, want, skip);
                let lo = if v.bound == Bound::JeqConst { m } else { 0 };
                (lo, m, !matches!(v.bound, Bound::None | Bound::JgtU32 | Bound::JsgtNoLower))
            }
        };
        for op in &ops {
            self.deriv(r, *op);
        }
        if ops.is_empty() {
            return (lo, hi);
        }
        if !exact || hi - lo > 1 << 16 {
            return (0, target.max(0));
        }
        match Self::eval_range(&ops, lo, hi) {
            Some(range) if range.0 >= -(1 << 20) && range.1 <= 1 << 20 => range,
            _ => (0, target.max(0)),
        }
    }

    /// The range of `ops` applied to every value of `[lo, hi]` (signed).
    fn eval_range(ops: &[DerivOp], lo: i64, hi: i64) -> Option<VRange> {
        if hi < lo || hi - lo > 1 << 16 {
            return None;
        }
        let mut range = (i64::MAX, i64::MIN);
        for x in lo..=hi {
            let mut vals = vec![x as u64];
            for op in ops {
                vals = vals.iter().flat_map(|v| op.apply_all(*v)).collect();
            }
            for y in vals {
                range = (range.0.min(y as i64), range.1.max(y as i64));
            }
        }
        Some(range)
    }

    /// The maximum [`Self::bound`] gives for `want` (before the
    /// verifier's view of it).
    fn bound_max(b: Bound, want: i64) -> i64 {
        let want = want.clamp(0, 1 << 20);
        let bits = 64 - (want as u64 + 1).leading_zeros() - 1;
        match b {
            Bound::And => (1i64 << bits) - 1,
            Bound::Rsh if bits == 0 => 0,
            Bound::Rsh => (1i64 << bits) - 1,
            _ => want,
        }
    }

    /// Adds a bounded variable offset to `base` (through r1) so that the
    /// first access reaches `target` at the variable's maximum; returns
    /// its range.
    fn add_var(
        &mut self,
        v: VarOff,
        base: usize,
        target: i64,
        skip: &str,
        load_base: Option<usize>,
    ) -> VRange {
        self.var_src(v.src, 1, load_base);
        let r = self.bound_var(1, v, target, skip);
        self.emit(format!("r{base} += r1"));
        r
    }

    /// The accesses of a block through `base` into `limit` bytes, with a
    /// variable part of range `vr` already added.
    fn accesses(&mut self, base: usize, limit: i64, vr: VRange, list: &[Access], align: bool) {
        for a in list {
            let off = Self::off_var(*a, limit, vr, align);
            self.access(base, off, *a);
        }
    }

    /// The limit (bytes reachable from the pointer) a kind suggests.
    fn limit_of(&self, k: Kind) -> i64 {
        match k {
            Kind::MapVal { map, off, .. } => i64::from(self.p.maps[map].value_size) - off,
            Kind::Pkt { range, off } => range - off,
            Kind::Stack(off) => -off,
            Kind::Ctx => match self.p.kind {
                ProgKind::Xdp => 24,
                ProgKind::Kprobe => 168,
                _ => 192,
            },
            Kind::Scalar(_) | Kind::PktEnd => 8,
        }
    }

    fn leaf(&mut self, l: &Leaf) {
        match l {
            Leaf::Set { dst, src, imm } => {
                let r = self.reg(*dst);
                match src {
                    None => {
                        self.emit(format!("r{r} = {imm}"));
                        self.set_kind(*dst, Kind::Scalar((*imm >= 0).then_some(i64::from(*imm))));
                    }
                    Some(VarSrc::Prandom) => {
                        self.emit("call bpf_get_prandom_u32");
                        self.emit(format!("r{r} = r0"));
                        self.set_kind(*dst, Kind::Scalar(Some(u32::MAX as i64)));
                    }
                    Some(VarSrc::Pool(p)) => {
                        let k = self.kind(*p);
                        let s = self.reg(*p);
                        self.emit(format!("r{r} = r{s}"));
                        self.set_kind(*dst, k);
                    }
                    Some(s) => {
                        self.var_src(*s, r, None);
                        self.set_kind(*dst, Kind::Scalar(None));
                    }
                }
            }
            Leaf::Alu { dst, op, reg, imm, w32 } => {
                let r = self.reg(*dst);
                let k = self.kind(*dst);
                let op = ALU_OPS[*op as usize % ALU_OPS.len()];
                let w = if *w32 { "w" } else { "r" };
                if op == "neg" {
                    self.emit(format!("{w}{r} = -{w}{r}"));
                    self.set_kind(*dst, Kind::Scalar(None));
                    return;
                }
                match reg {
                    Some(p) => {
                        let s = self.reg(*p);
                        self.emit(format!("{w}{r} {op} {w}{s}"));
                        if !(k.is_ptr() && matches!(op, "+=" | "-=")) {
                            self.set_kind(*dst, Kind::Scalar(None));
                        }
                    }
                    None => {
                        let v = match op {
                            "<<=" | ">>=" | "s>>=" => imm.rem_euclid(if *w32 { 32 } else { 64 }),
                            _ => *imm,
                        };
                        self.emit(format!("{w}{r} {op} {v}"));
                        let nk = match (k, op) {
                            (Kind::MapVal { map, off, maybe_null }, "+=") => {
                                Kind::MapVal { map, off: off + i64::from(v), maybe_null }
                            }
                            (Kind::Pkt { range, off }, "+=") => Kind::Pkt { range, off: off + i64::from(v) },
                            (Kind::Stack(off), "+=") => Kind::Stack(off + i64::from(v)),
                            (Kind::Scalar(_), "&=") if v >= 0 => Kind::Scalar(Some(i64::from(v))),
                            (k, _) if k.is_ptr() && !*w32 && matches!(op, "+=" | "-=") => k,
                            _ => Kind::Scalar(None),
                        };
                        self.set_kind(*dst, nk);
                    }
                }
            }
            Leaf::BoundIt { dst, bound, max } => {
                let r = self.reg(*dst);
                let m = self.bound(r, *bound, i64::from(*max), "exit");
                self.set_kind(*dst, Kind::Scalar(Some(m)));
            }
            Leaf::Map { map, key, key_reg, check, var, accesses, keep } => {
                let (mi, shape) = self.map(*map);
                let limit = i64::from(shape.value_size);
                let out = self.label();
                self.pre_var(*var);
                match key_reg {
                    Some(p) => {
                        let r = self.reg(*p);
                        self.emit(format!("*(u32 *)(r10 -4) = r{r}"));
                    }
                    None => self.emit(format!("*(u32 *)(r10 -4) = {key}")),
                }
                self.emit("r2 = r10");
                self.emit("r2 += -4");
                self.emit(format!("r1 = map[fd:{mi}]"));
                self.emit("call bpf_map_lookup_elem");
                let proper = match check {
                    NullCheck::Eq => {
                        self.emit(format!("if r0 == 0 goto {out}"));
                        true
                    }
                    NullCheck::NeOk => {
                        let ok = self.label();
                        self.emit(format!("if r0 != 0 goto {ok}"));
                        self.emit(format!("goto {out}"));
                        self.place(&ok);
                        true
                    }
                    NullCheck::ViaCopy => {
                        self.emit("r3 = r0");
                        self.emit(format!("if r3 == 0 goto {out}"));
                        true
                    }
                    NullCheck::RegZero => {
                        self.emit("r3 = 0");
                        self.emit(format!("if r0 == r3 goto {out}"));
                        true
                    }
                    NullCheck::Missing | NullCheck::After => false,
                    NullCheck::WrongReg => {
                        self.emit(format!("if r7 == 0 goto {out}"));
                        false
                    }
                    NullCheck::Inverted => {
                        self.emit(format!("if r0 != 0 goto {out}"));
                        false
                    }
                };
                let target = accesses.first().map_or(0, |a| Self::off_of(*a, limit));
                let vr = match var {
                    Some(v) => self.add_var(*v, 0, target, &out, Some(0)),
                    None => (0, 0),
                };
                self.accesses(0, limit, vr, accesses, false);
                if *check == NullCheck::After {
                    self.emit(format!("if r0 == 0 goto {out}"));
                }
                if let Some(k) = keep {
                    let r = self.reg(*k);
                    self.emit(format!("r{r} = r0"));
                    self.set_kind(*k, Kind::MapVal { map: mi, off: 0, maybe_null: !proper });
                }
                self.place(&out);
            }
            Leaf::Packet { base, len, check, var, accesses, keep } => {
                self.packet(*base, *len, *check, *var, accesses, *keep)
            }
            Leaf::Stack { len, var, accesses } => {
                let limit = (i64::from(*len) / 8 * 8).clamp(8, 512);
                match var {
                    None => {
                        for a in accesses {
                            let off = Self::off_var(*a, limit, (0, 0), true) - limit;
                            self.access(10, off, *a);
                        }
                    }
                    Some(v) => {
                        let out = self.label();
                        self.pre_var(Some(*v));
                        self.emit("r2 = r10");
                        self.emit(format!("r2 += {}", -limit));
                        // A variable stack offset must keep the access aligned:
                        // bound the index, then scale it by the size.
                        let first = accesses.first().copied().unwrap_or(Access {
                            size: Size::B,
                            edge: Edge::End(0),
                            write: false,
                        });
                        let n = first.size.bytes();
                        let target = Self::off_of(first, limit);
                        self.var_src(v.src, 1, None);
                        let (lo, hi) = self.bound_var(1, *v, target / n, &out);
                        if n > 1 {
                            self.emit(format!("r1 <<= {}", n.trailing_zeros()));
                        }
                        self.emit("r2 += r1");
                        self.accesses(2, limit, (lo * n, hi * n), accesses, true);
                        self.place(&out);
                    }
                }
            }
            Leaf::Spill { what, slot, clobber, fill, access } => {
                let off = -16 - 8 * i64::from(*slot);
                let k = match what {
                    SpillWhat::Pool(p) => {
                        let r = self.reg(*p);
                        self.emit(format!("*(u64 *)(r10 {off}) = r{r}"));
                        self.kind(*p)
                    }
                    SpillWhat::Ctx => {
                        self.emit(format!("*(u64 *)(r10 {off}) = r6"));
                        Kind::Ctx
                    }
                    SpillWhat::Stack => {
                        self.emit("r1 = r10");
                        self.emit("r1 += -96");
                        self.emit(format!("*(u64 *)(r10 {off}) = r1"));
                        Kind::Stack(-96)
                    }
                    SpillWhat::Bounded(sz) => {
                        let (f, fsz) = self.scalar_field(1);
                        self.emit(format!("r1 = *({} *)(r6 +{f})", fsz.name()));
                        self.emit("r1 &= 15");
                        self.emit(format!("*({} *)(r10 {off}) = r1", sz.name()));
                        Kind::Scalar(Some(15))
                    }
                };
                match clobber {
                    Clobber::None => {}
                    Clobber::Store(sz, b) => {
                        let n = sz.bytes();
                        let at = off + (i64::from(*b) % 8) / n * n;
                        self.emit(format!("*({} *)(r10 {at}) = 0", sz.name()));
                    }
                    Clobber::Call => self.emit("call bpf_get_prandom_u32"),
                    Clobber::Callee(sz, b) => {
                        // The callee writes into the caller's slot.
                        let n = sz.bytes();
                        let at = (i64::from(*b) % 8) / n * n;
                        let name =
                            self.add_sub(&[format!("*({} *)(r1 +{at}) = 0", sz.name()), "r0 = 0".into()]);
                        self.emit("r1 = r10");
                        self.emit(format!("r1 += {off}"));
                        self.emit(format!("call {name}"));
                    }
                    Clobber::Helper => {
                        // The helper writes the slot (zeros at run time).
                        self.emit("r1 = r10");
                        self.emit(format!("r1 += {off}"));
                        self.emit("r2 = 8");
                        self.emit("r3 = r6");
                        self.emit("call bpf_probe_read_kernel");
                    }
                }
                self.emit(format!("r1 = *({} *)(r10 {off})", fill.name()));
                match k {
                    Kind::Scalar(Some(m)) => {
                        // A bounded scalar: an offset into a stack buffer.
                        self.emit("r2 = r10");
                        self.emit("r2 += -128");
                        self.emit("r2 += r1");
                        let o = Self::off_var(*access, 128, (0, m), true);
                        self.access(2, o, *access);
                    }
                    Kind::Scalar(None) | Kind::PktEnd => self.emit("r0 = r1"),
                    Kind::Ctx => self.ctx_access(1, *access, *slot as usize),
                    k => {
                        let o = Self::off_var(*access, self.limit_of(k), (0, 0), matches!(k, Kind::Stack(_)));
                        self.access(1, o, *access);
                    }
                }
            }
            Leaf::Ctx { field, delta, size, write, keep } => {
                let fl = self.fields();
                let fd = fl[*field as usize % fl.len()];
                let off = fd.off + i64::from(*delta);
                // Mostly the field's own size.
                let size = if *delta == 0 && matches!(size, Size::DW | Size::W) {
                    if fd.size == 8 {
                        Size::DW
                    } else {
                        Size::W
                    }
                } else {
                    *size
                };
                if *write {
                    // Mostly a field the type lets programs write.
                    let fd = if fd.writable || *delta != 0 {
                        fd
                    } else {
                        fl.iter().copied().filter(|f| f.writable).nth(*field as usize % 4).unwrap_or(fd)
                    };
                    let off = fd.off + i64::from(*delta);
                    let size = if *delta == 0 {
                        if fd.size == 8 {
                            Size::DW
                        } else {
                            Size::W
                        }
                    } else {
                        size
                    };
                    self.emit(format!("*({} *)(r6 {off:+}) = 7", size.name()));
                } else {
                    let r = keep.map_or(5, |k| self.reg(k));
                    self.emit(format!("r{r} = *({} *)(r6 {off:+})", size.name()));
                    if let Some(k) = keep {
                        self.set_kind(*k, if *delta == 0 { fd.kind } else { Kind::Scalar(None) });
                    }
                }
            }
            Leaf::UsePtr { reg, var, access } => {
                let k = self.kind(*reg);
                if !k.is_ptr() {
                    return;
                }
                let r = self.reg(*reg);
                if k == Kind::Ctx {
                    self.emit(format!("r2 = r{r}"));
                    self.ctx_access(2, *access, r);
                    return;
                }
                let limit = self.limit_of(k);
                let out = self.label();
                self.pre_var(*var);
                self.emit(format!("r2 = r{r}"));
                let target = Self::off_of(*access, limit);
                let vr = match var {
                    Some(v) => self.add_var(*v, 2, target, &out, Some(2)),
                    None => (0, 0),
                };
                let o = Self::off_var(*access, limit, vr, matches!(k, Kind::Stack(_)));
                self.access(2, o, *access);
                self.place(&out);
            }
            Leaf::Call { sub, arg, keep } => self.call(*sub, *arg, *keep),
            Leaf::Helper(h) => self.helper(*h),
            Leaf::Atomic { on, reg, access, fetch } => {
                let (_base, limit) = if *on == 0 || !self.kind(*reg).is_ptr() {
                    self.emit("r2 = r10");
                    self.emit("r2 += -64");
                    (2, 64)
                } else {
                    let r = self.reg(*reg);
                    self.emit(format!("r2 = r{r}"));
                    (2, self.limit_of(self.kind(*reg)))
                };
                // Read-modify-write atomics are 32 or 64 bits wide.
                let access =
                    Access { size: if access.size == Size::DW { Size::DW } else { Size::W }, ..*access };
                let off = Self::off_var(access, limit, (0, 0), true);
                let sz = access.size.name();
                let sfx = if access.size == Size::DW { "64" } else { "" };
                self.emit("r1 = 1");
                if *fetch {
                    self.emit(format!("r1 = atomic{sfx}_fetch_add(({sz} *)(r2 {off:+}), r1)"));
                } else {
                    self.emit(format!("lock *({sz} *)(r2 {off:+}) += r1"));
                }
            }
            Leaf::DirectValue { map, access } => {
                let (mi, shape) = self.map(*map);
                if shape.hash || shape.max_entries != 1 {
                    return;
                }
                let off = Self::off_of(*access, i64::from(shape.value_size)).max(0);
                self.emit(format!("r1 = map[fd:{mi}][0]+{off}"));
                self.access(1, 0, *access);
            }
        }
    }

    fn packet(
        &mut self,
        base: PktBase,
        len: u8,
        check: PktCheck,
        var: Option<VarOff>,
        list: &[Access],
        keep: Option<Pool>,
    ) {
        let len = i64::from(len);
        let out = self.label();
        match self.p.kind {
            ProgKind::Kprobe => {
                // No packet: the accesses go to pt_regs.
                for (i, a) in list.iter().enumerate() {
                    self.ctx_access(6, *a, len as usize + i);
                }
                return;
            }
            ProgKind::SocketFilter => {
                // LD_ABS / LD_IND: the load helpers check the length.
                self.pre_var(var);
                let vr = match var {
                    Some(v) => {
                        let target = list.first().map_or(0, |a| Self::off_of(*a, len));
                        self.var_src(v.src, 7, None);
                        self.bound_var(7, v, target, &out)
                    }
                    None => (0, 0),
                };
                for a in list {
                    let sz = if a.size == Size::DW { Size::W } else { a.size };
                    let off = Self::off_var(*a, len, vr, false);
                    if var.is_some() {
                        self.emit(format!("r0 = *({} *)skb[r7 + {}]", sz.name(), off as i32));
                    } else {
                        self.emit(format!("r0 = *({} *)skb[{}]", sz.name(), off as i32));
                    }
                }
                if var.is_some() {
                    self.set_kind(Pool(0), Kind::Scalar(None));
                }
                self.place(&out);
                return;
            }
            _ => {}
        }
        let meta = base == PktBase::Meta && self.p.kind != ProgKind::CgroupSkb;
        let (data, end) = match (self.p.kind, meta) {
            (ProgKind::Xdp, false) => (0, 4),
            (ProgKind::Xdp, true) => (8, 0),
            (_, false) => (76, 80),
            (_, true) => (140, 76),
        };
        self.pre_var(var);
        self.emit(format!("r2 = *(u32 *)(r6 +{data})"));
        self.emit(format!("r3 = *(u32 *)(r6 +{end})"));
        let target = list.first().map_or(0, |a| Self::off_of(*a, len));
        let mut vr = (0, 0);
        if let Some(v) = var.filter(|v| v.before_check) {
            vr = self.add_var(v, 2, target, &out, Some(2));
        }
        self.emit("r4 = r2");
        self.emit(format!("r4 += {len}"));
        match check {
            PktCheck::Gt | PktCheck::Reloaded => self.emit(format!("if r4 > r3 goto {out}")),
            PktCheck::LtSwapped => self.emit(format!("if r3 < r4 goto {out}")),
            PktCheck::Ge => self.emit(format!("if r4 >= r3 goto {out}")),
            PktCheck::GeOk => {
                let ok = self.label();
                self.emit(format!("if r3 >= r4 goto {ok}"));
                self.emit(format!("goto {out}"));
                self.place(&ok);
            }
            PktCheck::WrongDir => self.emit(format!("if r4 < r3 goto {out}")),
            PktCheck::WrongReg => self.emit(format!("if r2 > r3 goto {out}")),
            PktCheck::Missing => {}
        }
        if check == PktCheck::Reloaded {
            self.emit(format!("r2 = *(u32 *)(r6 +{data})"));
        }
        if let Some(v) = var.filter(|v| !v.before_check) {
            vr = self.add_var(v, 2, target, &out, Some(2));
        }
        // With the variable part added before the check, the check covers
        // `len` bytes from the moved pointer.
        let limit = len;
        let shift = if var.is_some_and(|v| v.before_check) { (0, 0) } else { vr };
        for a in list {
            let off = Self::off_var(*a, limit, shift, false);
            // cgroup skb programs may only read the packet (mostly honoured).
            let write = a.write && (self.p.kind != ProgKind::CgroupSkb || matches!(a.edge, Edge::Inside(7)));
            self.access(2, off, Access { write, ..*a });
        }
        if let Some(k) = keep {
            let r = self.reg(k);
            self.emit(format!("r{r} = r2"));
            self.set_kind(k, Kind::Pkt { range: len, off: 0 });
        }
        self.place(&out);
    }

    /// Adds a subprogram (its lines, an `exit` appended) and returns its
    /// label.
    fn add_sub(&mut self, body: &[String]) -> String {
        let name = format!("sub{}", self.subs.len());
        let mut v = vec![format!("{name}:")];
        v.extend(body.iter().map(|l| format!("    {l}")));
        v.push("    exit".into());
        self.subs.push(v.join("\n"));
        name
    }

    /// One arm of a join: puts `val` in `r`; returns what `r` then holds
    /// and, for a number, its range.
    fn join_arm(&mut self, r: usize, val: JoinVal) -> (Kind, VRange) {
        let direct = matches!(self.p.kind, ProgKind::Xdp | ProgKind::SchedCls | ProgKind::CgroupSkb);
        match val {
            JoinVal::Const(c) => {
                self.emit(format!("r{r} = {c}"));
                (Kind::Scalar(Some(i64::from(c))), (i64::from(c), i64::from(c)))
            }
            JoinVal::Pkt(len) if !direct => self.join_arm(r, JoinVal::Const(len)),
            JoinVal::Bounded(bits) => {
                let (f, sz) = self.scalar_field(bits);
                let mask = (1i64 << bits.min(6)) - 1;
                self.emit(format!("r{r} = *({} *)(r6 +{f})", sz.name()));
                self.emit(format!("r{r} &= {mask}"));
                (Kind::Scalar(Some(mask)), (0, mask))
            }
            JoinVal::MapVal { map, checked } => {
                let (mi, _) = self.map(map);
                self.emit("*(u32 *)(r10 -4) = 0");
                self.emit("r2 = r10");
                self.emit("r2 += -4");
                self.emit(format!("r1 = map[fd:{mi}]"));
                self.emit("call bpf_map_lookup_elem");
                if checked {
                    self.emit("if r0 == 0 goto exit");
                }
                self.emit(format!("r{r} = r0"));
                (Kind::MapVal { map: mi, off: 0, maybe_null: !checked }, (0, 0))
            }
            JoinVal::Pkt(len) => {
                let (data, end) = if self.p.kind == ProgKind::Xdp { (0, 4) } else { (76, 80) };
                self.emit(format!("r2 = *(u32 *)(r6 +{data})"));
                self.emit(format!("r3 = *(u32 *)(r6 +{end})"));
                self.emit("r4 = r2");
                self.emit(format!("r4 += {len}"));
                self.emit("if r4 > r3 goto exit");
                self.emit(format!("r{r} = r2"));
                (Kind::Pkt { range: i64::from(len), off: 0 }, (0, 0))
            }
            JoinVal::Stack(k) => {
                let off = -8 * (i64::from(k % 8) + 1);
                self.emit(format!("r{r} = r10"));
                self.emit(format!("r{r} += {off}"));
                (Kind::Stack(off), (0, 0))
            }
            JoinVal::Ctx => {
                self.emit(format!("r{r} = r6"));
                (Kind::Ctx, (0, 0))
            }
        }
    }

    /// The use after a join, made for what the first arm put in `r`.
    fn join_use(&mut self, r: usize, (k, vr): (Kind, VRange), access: Access) {
        match k {
            Kind::Scalar(_) | Kind::PktEnd => {
                // A number: an offset into a 64-byte stack buffer.
                let a = Access { size: Size::B, ..access };
                self.emit("r2 = r10");
                self.emit("r2 += -64");
                self.emit(format!("r2 += r{r}"));
                let off = Self::off_var(a, 64, vr, false);
                self.access(2, off, a);
            }
            Kind::Ctx => {
                self.emit(format!("r2 = r{r}"));
                self.ctx_access(2, access, r);
            }
            k => {
                self.emit(format!("r2 = r{r}"));
                let off = Self::off_var(access, self.limit_of(k), (0, 0), matches!(k, Kind::Stack(_)));
                self.access(2, off, access);
            }
        }
    }

    fn call(&mut self, sub: Sub, arg: Pool, keep: Option<Pool>) {
        let name = format!("sub{}", self.subs.len());
        let mut body = vec![format!("{name}:")];
        let line = |body: &mut Vec<String>, s: String| body.push(format!("    {s}"));
        let a = self.reg(arg);
        let mut ret_max = None;
        match sub {
            Sub::WriteCallerStack { len, access, bound } => {
                let len = i64::from(len.clamp(8, 64)) / 8 * 8;
                self.emit("r1 = r10");
                self.emit(format!("r1 += {}", -len));
                self.emit(format!("r2 = r{a}"));
                // The callee: bound r2 (scaled by the size, so the stack
                // access stays aligned), add it, write.
                let n = access.size.bytes();
                let target = Self::off_var(access, len, (0, 0), true);
                let mut sub_r = R {
                    p: self.p,
                    lines: Vec::new(),
                    subs: Vec::new(),
                    labels: self.labels + 1000,
                    pool: self.pool,
                    in_loop: false,
                    loop_max: None,
                };
                let skip = format!("{name}_ret");
                let m = sub_r.bound(2, bound, target / n, &skip) * n;
                if n > 1 {
                    sub_r.emit(format!("r2 <<= {}", n.trailing_zeros()));
                }
                sub_r.emit("r1 += r2");
                let sz = access.size.name();
                sub_r.emit(format!("*({sz} *)(r1 {:+}) = 1", Self::off_var(access, len, (0, m), true)));
                self.labels = sub_r.labels;
                for l in sub_r.lines {
                    body.push(l);
                }
                body.push(format!("{skip}:"));
                line(&mut body, "r0 = 0".into());
            }
            Sub::ReadThrough { what, pool, access } => {
                let pk = self.kind(pool);
                let off = match what % 3 {
                    0 => {
                        self.emit("r1 = r10");
                        self.emit("r1 += -64");
                        Self::off_var(access, 64, (0, 0), true)
                    }
                    1 if pk.is_ptr() && pk != Kind::Ctx => {
                        let r = self.reg(pool);
                        self.emit(format!("r1 = r{r}"));
                        Self::off_var(access, self.limit_of(pk), (0, 0), matches!(pk, Kind::Stack(_)))
                    }
                    _ => {
                        // The context: the callee reads a field.
                        self.emit("r1 = r6");
                        let fl = self.fields();
                        let fd = fl[usize::from(pool.0) % fl.len()];
                        fd.off
                    }
                };
                let size =
                    if what % 3 == 2 || (what % 3 == 1 && pk == Kind::Ctx) { Size::W } else { access.size };
                line(&mut body, format!("r0 = *({} *)(r1 {off:+})", size.name()));
            }
            Sub::Bounder { bits, add } => {
                self.emit(format!("r1 = r{a}"));
                let mask = (1i64 << bits.min(8)) - 1;
                line(&mut body, "r0 = r1".into());
                line(&mut body, format!("r0 &= {mask}"));
                line(&mut body, format!("r0 += {add}"));
                ret_max = Some(mask + i64::from(add));
            }
            Sub::OwnStack { access } => {
                let off = Self::off_var(access, 64, (0, 0), true) - 64;
                let sz = access.size.name();
                if access.write {
                    line(&mut body, format!("*({sz} *)(r10 {off:+}) = 1"));
                    line(&mut body, "r0 = 0".into());
                } else {
                    line(&mut body, format!("r0 = *({sz} *)(r10 {off:+})"));
                }
            }
        }
        line(&mut body, "exit".into());
        self.emit(format!("call {name}"));
        self.subs.push(body.join("\n"));
        if let Some(k) = keep {
            let r = self.reg(k);
            self.emit(format!("r{r} = r0"));
            self.set_kind(k, Kind::Scalar(ret_max));
        }
    }

    fn helper(&mut self, h: Helper) {
        match h {
            Helper::ProbeRead { len, delta, var } => {
                let len = i64::from(len.clamp(8, 64));
                let out = self.label();
                self.emit("r1 = r10");
                self.emit(format!("r1 += {}", -len));
                let size = len + i64::from(delta);
                match var {
                    Some(b) => {
                        let (f, sz) = self.scalar_field(2);
                        self.emit(format!("r2 = *({} *)(r6 +{f})", sz.name()));
                        self.bound(2, b, size, &out);
                    }
                    None => self.emit(format!("r2 = {size}")),
                }
                self.emit("r3 = r6");
                self.emit("call bpf_probe_read_kernel");
                self.place(&out);
            }
            Helper::MapUpdate { map, delta, key } => {
                let (mi, shape) = self.map(map);
                let k = (i64::from(shape.value_size) + i64::from(delta)).clamp(1, 512);
                self.emit(format!("*(u32 *)(r10 -4) = {key}"));
                self.emit("r2 = r10");
                self.emit("r2 += -4");
                self.emit("r3 = r10");
                self.emit(format!("r3 += {}", -k));
                self.emit(format!("r1 = map[fd:{mi}]"));
                self.emit("r4 = 0");
                self.emit("call bpf_map_update_elem");
            }
            Helper::MapDelete { map, key } => {
                let (mi, _) = self.map(map);
                self.emit(format!("*(u32 *)(r10 -4) = {key}"));
                self.emit("r2 = r10");
                self.emit("r2 += -4");
                self.emit(format!("r1 = map[fd:{mi}]"));
                self.emit("call bpf_map_delete_elem");
            }
            Helper::SkbLoadBytes { len, delta, off } => {
                if !self.skb() {
                    return;
                }
                let len = i64::from(len.clamp(8, 64));
                self.emit("r1 = r6");
                self.emit(format!("r2 = {off}"));
                self.emit("r3 = r10");
                self.emit(format!("r3 += {}", -len));
                self.emit(format!("r4 = {}", len + i64::from(delta)));
                self.emit("call bpf_skb_load_bytes");
            }
            Helper::PktChange { arg } => match self.p.kind {
                ProgKind::SchedCls => {
                    self.emit("r1 = r6");
                    self.emit(format!("r2 = {}", arg.unsigned_abs()));
                    self.emit("call bpf_skb_pull_data");
                }
                ProgKind::Xdp => {
                    self.emit("r1 = r6");
                    self.emit(format!("r2 = {arg}"));
                    self.emit("call bpf_xdp_adjust_head");
                }
                _ => {}
            },
            Helper::Prandom(p) => {
                self.emit("call bpf_get_prandom_u32");
                let r = self.reg(p);
                self.emit(format!("r{r} = r0"));
                self.set_kind(p, Kind::Scalar(Some(u32::MAX as i64)));
            }
        }
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Leaf(l) => self.leaf(l),
            Block::Branch { reg, op, imm, then, other } => {
                let r = self.reg(*reg);
                let op = JMP_OPS[*op as usize % JMP_OPS.len()];
                let (els, end) = (self.label(), self.label());
                self.emit(format!("if r{r} {op} {imm} goto {els}"));
                let before = self.pool;
                for l in then {
                    self.leaf(l);
                }
                let after_then = self.pool;
                self.emit(format!("goto {end}"));
                self.place(&els);
                self.pool = before;
                for l in other {
                    self.leaf(l);
                }
                // The renderer follows the `then` path.
                self.pool = after_then;
                self.place(&end);
            }
            Block::Join { cond, jset, dst, arms, access, spill } => {
                let r = self.reg(*dst);
                let (other, join) = (self.label(), self.label());
                let (f, sz) = self.scalar_field(*cond);
                self.emit(format!("r1 = *({} *)(r6 +{f})", sz.name()));
                if *jset {
                    self.emit(format!("if r1 & 1 goto {other}"));
                } else {
                    self.emit(format!("if r1 > 7 goto {other}"));
                }
                let first = self.join_arm(r, arms[0]);
                if *spill {
                    self.emit(format!("*(u64 *)(r10 -136) = r{r}"));
                }
                self.emit(format!("goto {join}"));
                self.place(&other);
                self.join_arm(r, arms[1]);
                if *spill {
                    self.emit(format!("*(u64 *)(r10 -136) = r{r}"));
                    self.emit(format!("r{r} = 0"));
                }
                self.place(&join);
                if *spill {
                    self.emit(format!("r{r} = *(u64 *)(r10 -136)"));
                }
                self.set_kind(*dst, first.0);
                self.join_use(r, first, *access);
            }
            Block::Loop { n, step, le, body } => {
                let top = self.label();
                self.emit("r9 = 0");
                self.place(&top);
                let outer = (self.in_loop, self.loop_max);
                // The body runs with r9 = 0, step, 2 * step... (a do-while).
                let (n, s) = (i64::from(*n), i64::from((*step).max(1)));
                let max = if *le {
                    n / s * s
                } else if n == 0 {
                    0
                } else {
                    (n - 1) / s * s
                };
                self.in_loop = true;
                self.loop_max = Some(max);
                for l in body {
                    self.leaf(l);
                }
                (self.in_loop, self.loop_max) = outer;
                self.emit(format!("r9 += {}", step.max(&1)));
                self.emit(format!("if r9 {} {n} goto {top}", if *le { "<=" } else { "<" }));
                self.pool[2] = Kind::Scalar(Some(n + s));
            }
        }
    }
}

impl ProgKind {
    /// `enum bpf_prog_type`.
    pub fn prog_type(self) -> BpfProgType {
        match self {
            ProgKind::SocketFilter => BPF_PROG_TYPE_SOCKET_FILTER,
            ProgKind::SchedCls => BPF_PROG_TYPE_SCHED_CLS,
            ProgKind::Xdp => BPF_PROG_TYPE_XDP,
            ProgKind::CgroupSkb => BPF_PROG_TYPE_CGROUP_SKB,
            ProgKind::Kprobe => BPF_PROG_TYPE_KPROBE,
        }
    }
}

/// The program's text (the assembler's notation, labels for jumps and
/// calls).
pub fn render_text(p: &GenProg) -> String {
    let mut r = R {
        p,
        lines: Vec::new(),
        subs: Vec::new(),
        labels: 0,
        pool: [Kind::Scalar(None); 3],
        in_loop: false,
        loop_max: None,
    };
    r.emit("r6 = r1");
    for (i, v) in p.init.iter().enumerate() {
        r.emit(format!("r{} = {v}", 7 + i));
        r.pool[i] = Kind::Scalar((*v >= 0).then_some(i64::from(*v)));
    }
    for b in &p.blocks {
        r.block(b);
    }
    r.place("exit");
    r.emit("r0 = 1");
    r.emit("exit");
    let mut text = r.lines.join("\n");
    for s in &r.subs {
        text.push('\n');
        text.push_str(s);
    }
    text.push('\n');
    text
}

/// The program as a case: its text assembled, its maps (hash maps start
/// with keys 0 and 1, arrays zeroed).
pub fn render(p: &GenProg, name: &str) -> Result<(String, SoundCase), String> {
    let text = render_text(p);
    let insns =
        asm(&text).map_err(|e| format!("{name}: the generated program does not assemble: {e}\n{text}"))?;
    let maps = p
        .maps
        .iter()
        .map(|m| SoundMap {
            map_type: if m.hash { BPF_MAP_TYPE_HASH.0 } else { BPF_MAP_TYPE_ARRAY.0 },
            key_size: 4,
            value_size: m.value_size,
            max_entries: m.max_entries,
            flags: if m.rdonly { BpfMapFlags::BPF_F_RDONLY_PROG.bits() } else { 0 },
            inner_map: None,
            init: if m.hash {
                (0..m.max_entries.min(2))
                    .map(|k| (k.to_le_bytes().to_vec(), (0..m.value_size).map(|i| i as u8 + 1).collect()))
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    let case = SoundCase {
        name: name.to_string(),
        prog_type: p.kind.prog_type(),
        insns,
        maps,
        data: None,
        ctx: None,
        expected_attach_type: 0,
        prog_flags: 0,
    };
    Ok((text, case))
}

//! A proptest generator of structured programs for the soundness check.
//!
//! A [`GenProg`] is a list of [`Block`]s, each a small idiom the verifier
//! has to reason about: ALU on tracked scalars, bounds made by masks,
//! shifts and compares, branches and bounded loops, stack accesses with
//! constant and variable offsets, spills and fills of pointers and of
//! bounded scalars, map lookups with and without NULL checks, map value
//! and packet accesses with constant and variable offsets, context
//! reads and writes, bpf-to-bpf calls passing pointers and bounds, and
//! helper calls with memory arguments. Long-lived values (pointers kept
//! across blocks, bounds made in one block and used in another) live in
//! r7..r9, the context in r6.
//!
//! The generator leans toward the verifier's edges rather than toward
//! programs that are trivially safe: every offset and bound is chosen
//! relative to the size of what it touches, mostly exactly at the limit,
//! often one byte past it or before it ([`Edge`]); every check has wrong
//! variants (the NULL check on the wrong register or inverted, a packet
//! check in the wrong direction or on the wrong pointer, a 32-bit compare
//! guarding a 64-bit offset, a signed bound without a lower bound, a
//! pointer spilled and then partly overwritten, a packet pointer used
//! after a helper that moves the packet). The verifier must refuse the
//! wrong ones; whatever it accepts must run clean in the checked mode.
//!
//! [`GenProg`] values come from [`gen_prog`], a proptest strategy, so a
//! failing program shrinks to a small one; [`render`] turns one into a
//! [`SoundCase`](super::SoundCase), and [`fuzz`] runs the check.

pub mod fuzz;
pub mod render;

use proptest::prelude::*;

pub use fuzz::{fuzz, sample, FuzzOpts, FuzzReport};
pub use render::render;

/// The program types generated, with how they reach the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgKind {
    /// `socket_filter`: no direct packet access; `LD_ABS`/`LD_IND`.
    SocketFilter,
    /// `sched_cls`: direct packet access, read and write, `data_meta`.
    SchedCls,
    /// `xdp`: direct packet access, read and write, metadata.
    Xdp,
    /// `cgroup_skb`: direct packet access, read only.
    CgroupSkb,
    /// `kprobe`: a `pt_regs` context, no packet.
    Kprobe,
}

/// One map of the program: `map[fd:N]` is the N-th.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapShape {
    /// A hash map (lookups of missing keys give NULL), else an array.
    pub hash: bool,
    /// `BPF_F_RDONLY_PROG`: the program may only read the values.
    pub rdonly: bool,
    /// `value_size`.
    pub value_size: u32,
    /// `max_entries`.
    pub max_entries: u32,
}

/// Access sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 1 byte.
    B,
    /// 2 bytes.
    H,
    /// 4 bytes.
    W,
    /// 8 bytes.
    DW,
}

impl Size {
    /// Bytes.
    pub fn bytes(self) -> i64 {
        match self {
            Size::B => 1,
            Size::H => 2,
            Size::W => 4,
            Size::DW => 8,
        }
    }
    /// `u8`...`u64`.
    pub fn name(self) -> &'static str {
        match self {
            Size::B => "u8",
            Size::H => "u16",
            Size::W => "u32",
            Size::DW => "u64",
        }
    }
}

/// Where an offset lies relative to the limits of what it touches: at the
/// last position the access fits (`End(0)`), that plus a delta (`End(1)`
/// is one byte past the end), at the start plus a delta (`Start(-1)` is
/// one byte before it), or somewhere inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// `limit - size + delta`.
    End(i16),
    /// `delta`.
    Start(i16),
    /// An aligned position inside, chosen by the number.
    Inside(u16),
}

/// One memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// Size.
    pub size: Size,
    /// Offset.
    pub edge: Edge,
    /// A store (of an immediate) rather than a load.
    pub write: bool,
}

/// A long-lived register: r7, r8 or r9 (the index modulo 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool(pub u8);

/// Where a variable offset comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarSrc {
    /// A long-lived register (whatever bounds it already has).
    Pool(Pool),
    /// A context field (an unknown number: length, mark, a register).
    Ctx(u8),
    /// `bpf_get_prandom_u32()`.
    Prandom,
    /// A byte of the map value or packet just checked (the pointer the
    /// block uses).
    Loaded(Size),
    /// The same, loaded sign-extending (`*(s8 *)`...).
    LoadedSx(Size),
    /// The counter of the enclosing loop (r9); outside a loop, r9.
    Counter,
}

/// How a variable offset is bounded before it is added to a pointer. The
/// bound's maximum is chosen so that the access ends at the limit plus
/// the access's [`Edge`] delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// `r &= mask` (a power of two minus one; the constant offset takes up
    /// the rest).
    And,
    /// `if r > max goto skip` (unsigned, 64-bit).
    JgtU64,
    /// `if w > max goto skip`: a 32-bit compare guarding a 64-bit offset.
    JgtU32,
    /// `if r s> max goto skip` without a lower bound.
    JsgtNoLower,
    /// `if r s< 0 goto skip; if r s> max goto skip`.
    JsgtBoth,
    /// `if r >= max + 1 goto skip` written as `if max + 1 > r` reversed:
    /// `if r < max + 1 goto ok; goto skip`.
    JltOk,
    /// `r >>= 64 - bits` (an unsigned shift leaves `bits` bits).
    Rsh,
    /// `r %= max + 1`.
    Mod,
    /// `r3 = max + 1; if r >= r3 goto skip`: a bound from a register
    /// compare.
    JgeReg,
    /// `if r != max goto skip`: the value is known exactly.
    JeqConst,
    /// Nothing: the value is used with the bounds it has.
    None,
}

/// An operation on a bounded value before it becomes an offset: the
/// generator computes the exact range of the result (by evaluating every
/// value of the bounded source), the verifier has to track it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DerivOp {
    /// `r += k`.
    Add(i16),
    /// `r -= k`.
    Sub(i16),
    /// `r *= k`.
    Mul(u8),
    /// `r <<= k`.
    Lsh(u8),
    /// `r >>= k`.
    Rsh(u8),
    /// `r s>>= k`.
    Arsh(u8),
    /// `r &= k`.
    And(u16),
    /// `r |= k`.
    Or(u8),
    /// `r ^= k`.
    Xor(u8),
    /// `w += k` (a 32-bit add: the result is zero-extended).
    W32Add(i16),
    /// `r3 = k; r3 -= r; r = r3`.
    Rsub(i16),
    /// `r /= k`.
    Div(u8),
    /// `r %= k`.
    Mod(u8),
    /// `r = -r; r = -r`.
    Neg2,
    /// `r = (s8)r` (sign-extending move).
    Movsx8,
    /// `r4 = field & (2^bits - 1); r %= r4` (a divisor that may be 0:
    /// then `r` is left as it is).
    ModReg(u8),
    /// `r4 = field & (2^bits - 1); r /= r4` (by 0: 0).
    DivReg(u8),
    /// `r = be16 r`.
    Be16,
    /// `w = w` (zero-extends the low half).
    Mov32,
    /// `w *= k`.
    W32Mul(u8),
}

impl DerivOp {
    /// What the instruction computes.
    pub fn apply(self, v: u64) -> u64 {
        match self {
            DerivOp::Add(k) => v.wrapping_add(k as i64 as u64),
            DerivOp::Sub(k) => v.wrapping_sub(k as i64 as u64),
            DerivOp::Mul(k) => v.wrapping_mul(u64::from(k)),
            DerivOp::Lsh(k) => v << (k % 64),
            DerivOp::Rsh(k) => v >> (k % 64),
            DerivOp::Arsh(k) => ((v as i64) >> (k % 64)) as u64,
            DerivOp::And(k) => v & u64::from(k),
            DerivOp::Or(k) => v | u64::from(k),
            DerivOp::Xor(k) => v ^ u64::from(k),
            DerivOp::W32Add(k) => u64::from((v as u32).wrapping_add(k as i32 as u32)),
            DerivOp::Rsub(k) => (k as i64 as u64).wrapping_sub(v),
            DerivOp::Div(k) => v.checked_div(u64::from(k)).unwrap_or(0),
            DerivOp::Mod(k) => {
                if k == 0 {
                    v
                } else {
                    v % u64::from(k)
                }
            }
            DerivOp::Neg2 => v,
            DerivOp::Movsx8 => v as i8 as i64 as u64,
            DerivOp::ModReg(_) | DerivOp::DivReg(_) => self.apply_all(v)[0],
            DerivOp::Be16 => u64::from((v as u16).swap_bytes()),
            DerivOp::Mov32 => u64::from(v as u32),
            DerivOp::W32Mul(k) => u64::from((v as u32).wrapping_mul(u32::from(k))),
        }
    }

    /// Every result the instruction can give for `v` (more than one when
    /// it reads a second, unknown register).
    pub fn apply_all(self, v: u64) -> Vec<u64> {
        match self {
            DerivOp::ModReg(bits) => {
                (0..1u64 << bits.min(3)).map(|d| if d == 0 { v } else { v % d }).collect()
            }
            DerivOp::DivReg(bits) => {
                (0..1u64 << bits.min(3)).map(|d| v.checked_div(d).unwrap_or(0)).collect()
            }
            op => vec![op.apply(v)],
        }
    }
}

/// A variable part of an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarOff {
    /// Its source.
    pub src: VarSrc,
    /// Its bound.
    pub bound: Bound,
    /// Added to the pointer before the packet check (the right order for
    /// packets) rather than after.
    pub before_check: bool,
    /// Operations on the bounded value before it is added.
    pub ops: [Option<DerivOp>; 2],
}

/// The NULL check after `bpf_map_lookup_elem`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullCheck {
    /// `if r0 == 0 goto out`.
    Eq,
    /// `if r0 != 0 goto ok; goto out; ok:`.
    NeOk,
    /// `r3 = r0; if r3 == 0 goto out`, then use r0 (the check carries
    /// over by id).
    ViaCopy,
    /// `r3 = 0; if r0 == r3 goto out`.
    RegZero,
    /// No check.
    Missing,
    /// `if r7 == 0 goto out`: the wrong register.
    WrongReg,
    /// `if r0 != 0 goto out`: the access is on the NULL path.
    Inverted,
    /// The access first, then the check.
    After,
}

/// The bounds check of a direct packet access: `r4 = r2 + len`, then
/// compare with `data_end` in r3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PktCheck {
    /// `if r4 > r3 goto out`.
    Gt,
    /// `if r3 < r4 goto out`.
    LtSwapped,
    /// `if r4 >= r3 goto out` (one byte stricter).
    Ge,
    /// `if r3 >= r4 goto ok; goto out; ok:`.
    GeOk,
    /// `if r4 < r3 goto out`: the wrong direction.
    WrongDir,
    /// `if r2 > r3 goto out`: checks `data`, not `data + len`.
    WrongReg,
    /// No check.
    Missing,
    /// The check, then `r2` loaded again from the context (a pointer with
    /// no range).
    Reloaded,
}

/// Which packet: from `data` or from `data_meta` (up to `data`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PktBase {
    /// `data` .. `data_end`.
    Data,
    /// `data_meta` .. `data` (tc and XDP).
    Meta,
}

/// What a pointer spilled to the stack is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpillWhat {
    /// A long-lived register (a pointer kept by an earlier block, or a
    /// scalar).
    Pool(Pool),
    /// The context (r6).
    Ctx,
    /// A stack pointer `r10 - 64`.
    Stack,
    /// A bounded scalar (`r8 & 15`), spilled at the given width and used
    /// as a stack offset after the fill.
    Bounded(Size),
}

/// What happens to the spilled slot before the fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clobber {
    /// Nothing.
    None,
    /// A store of this size at this byte of the slot.
    Store(Size, u8),
    /// A helper call in between (`bpf_get_prandom_u32`).
    Call,
    /// A callee gets a pointer to the slot and stores this size at this
    /// byte of it.
    Callee(Size, u8),
    /// `bpf_probe_read_kernel` writes the slot (zeros, at run time).
    Helper,
}

/// A bpf-to-bpf call: what the callee does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sub {
    /// `r2 &= mask; r1 += r2; *(size *)(r1 + off) = 1`: writes into the
    /// caller's stack buffer `r10 - len` (r1) at an offset bounded in the
    /// callee.
    WriteCallerStack {
        /// Bytes of the caller's buffer (8..=64).
        len: u8,
        /// The access.
        access: Access,
        /// The callee bounds r2 with this.
        bound: Bound,
    },
    /// Reads through the pointer in r1 (caller stack, map value kept in a
    /// long-lived register, or the context).
    ReadThrough {
        /// What the caller passes: 0 its stack, 1 a long-lived register,
        /// 2 the context.
        what: u8,
        /// The long-lived register for `what == 1`.
        pool: Pool,
        /// The access.
        access: Access,
    },
    /// Returns `r1 & mask` (the caller keeps it as a bound in a
    /// long-lived register).
    Bounder {
        /// `mask` bits (0..=8).
        bits: u8,
        /// Add this to the result.
        add: i8,
    },
    /// Uses its own stack at an edge.
    OwnStack {
        /// The access.
        access: Access,
    },
}

/// A helper call block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Helper {
    /// `bpf_probe_read_kernel(r10 - len, size, ctx)`.
    ProbeRead {
        /// Bytes of the stack buffer.
        len: u8,
        /// The size argument relative to `len`.
        delta: i16,
        /// A variable size (bounded) instead of a constant.
        var: Option<Bound>,
    },
    /// `bpf_map_update_elem(map, key, r10 - len, 0)`.
    MapUpdate {
        /// The map.
        map: u8,
        /// Bytes of the value buffer on the stack, relative to the value
        /// size.
        delta: i16,
        /// The key.
        key: u8,
    },
    /// `bpf_map_delete_elem(map, key)`.
    MapDelete {
        /// The map.
        map: u8,
        /// The key.
        key: u8,
    },
    /// `bpf_skb_load_bytes(ctx, off, r10 - len, n)` (skb types).
    SkbLoadBytes {
        /// Bytes of the stack buffer.
        len: u8,
        /// `n` relative to `len`.
        delta: i16,
        /// Packet offset.
        off: u8,
    },
    /// A helper that moves the packet: `bpf_skb_pull_data` (tc),
    /// `bpf_xdp_adjust_head` (XDP).
    PktChange {
        /// Its argument.
        arg: i16,
    },
    /// `bpf_get_prandom_u32()` into a long-lived register.
    Prandom(Pool),
}

/// A block of straight-line code (no nested blocks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// `pool = imm` or an unknown value.
    Set {
        /// The register.
        dst: Pool,
        /// An unknown source, or a constant.
        src: Option<VarSrc>,
        /// The constant.
        imm: i32,
    },
    /// ALU on a long-lived register (pointer arithmetic when it holds a
    /// pointer).
    Alu {
        /// The register.
        dst: Pool,
        /// Index into the ALU operators.
        op: u8,
        /// A register operand (another long-lived register) or `imm`.
        reg: Option<Pool>,
        /// The immediate.
        imm: i32,
        /// 32-bit.
        w32: bool,
    },
    /// Bound a long-lived register in place.
    BoundIt {
        /// The register.
        dst: Pool,
        /// How.
        bound: Bound,
        /// The maximum wanted (before the `Bound`'s own rounding).
        max: u16,
    },
    /// Look up a key and access the value.
    Map {
        /// The map.
        map: u8,
        /// The key (a constant), or from a long-lived register.
        key: u8,
        /// Key from a long-lived register.
        key_reg: Option<Pool>,
        /// The NULL check.
        check: NullCheck,
        /// A variable part of the offset.
        var: Option<VarOff>,
        /// The accesses.
        accesses: Vec<Access>,
        /// Keep the value pointer in a long-lived register.
        keep: Option<Pool>,
    },
    /// A direct packet access (or `LD_ABS` for socket filters, a context
    /// read for kprobes).
    Packet {
        /// Which packet.
        base: PktBase,
        /// Bytes checked.
        len: u8,
        /// The check.
        check: PktCheck,
        /// A variable part of the offset.
        var: Option<VarOff>,
        /// The accesses.
        accesses: Vec<Access>,
        /// Keep the packet pointer in a long-lived register.
        keep: Option<Pool>,
    },
    /// Stack accesses below r10.
    Stack {
        /// Bytes of the stack area (8..=512) the offsets are relative to.
        len: u16,
        /// A variable part of the offset.
        var: Option<VarOff>,
        /// The accesses.
        accesses: Vec<Access>,
    },
    /// A spill, maybe a clobber, a fill, and a use of what was filled.
    Spill {
        /// What is spilled.
        what: SpillWhat,
        /// The slot: `r10 - 8 * (slot + 1)`.
        slot: u8,
        /// What happens in between.
        clobber: Clobber,
        /// Fill with this size.
        fill: Size,
        /// The access through the filled value.
        access: Access,
    },
    /// A context read (or write) near a field.
    Ctx {
        /// Index into the type's field list.
        field: u8,
        /// Offset delta from the field.
        delta: i8,
        /// Size.
        size: Size,
        /// A write.
        write: bool,
        /// Keep the loaded value in a long-lived register.
        keep: Option<Pool>,
    },
    /// An access through a long-lived register, relative to what it is
    /// believed to hold.
    UsePtr {
        /// The register.
        reg: Pool,
        /// A variable part.
        var: Option<VarOff>,
        /// The access.
        access: Access,
    },
    /// A bpf-to-bpf call.
    Call {
        /// What the callee does.
        sub: Sub,
        /// The scalar passed in r2 (`WriteCallerStack`) or r1 (`Bounder`).
        arg: Pool,
        /// Keep r0 in a long-lived register.
        keep: Option<Pool>,
    },
    /// A helper call.
    Helper(Helper),
    /// An atomic add on the stack or a map value kept in a register.
    Atomic {
        /// 0: the stack, 1: a long-lived register.
        on: u8,
        /// The register.
        reg: Pool,
        /// Where.
        access: Access,
        /// `BPF_FETCH`.
        fetch: bool,
    },
    /// `r1 = map[fd:N][0]+off; r0 = *(size *)(r1 + 0)` (array maps).
    DirectValue {
        /// The map.
        map: u8,
        /// The access (its `Edge` gives `off`).
        access: Access,
    },
}

/// What one arm of a [`Block::Join`] puts in the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinVal {
    /// A small constant.
    Const(u8),
    /// An unknown value masked to `bits` bits.
    Bounded(u8),
    /// A value of map `map`, NULL-checked or not.
    MapVal {
        /// The map.
        map: u8,
        /// NULL-checked.
        checked: bool,
    },
    /// A packet pointer with `len` bytes checked.
    Pkt(u8),
    /// `r10 - 8 * (k + 1)`.
    Stack(u8),
    /// The context.
    Ctx,
}

/// A block: straight-line code, a branch, a bounded loop, or a join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Straight-line code.
    Leaf(Leaf),
    /// `if pool OP imm goto else`, two bodies.
    Branch {
        /// The register compared.
        reg: Pool,
        /// Index into the jump operators.
        op: u8,
        /// The immediate.
        imm: i32,
        /// Taken when the condition is false.
        then: Vec<Leaf>,
        /// Taken when it is true.
        other: Vec<Leaf>,
    },
    /// Two paths that put different things in one register and meet
    /// before a use that is safe for the first (the path the verifier
    /// explores first) and maybe not for the second: the state the
    /// verifier keeps where they meet must not let the second path be
    /// pruned (`states_equal`, precision marks).
    Join {
        /// Condition source: a context field index (see [`VarSrc::Ctx`]).
        cond: u8,
        /// `if r1 & 1` rather than `if r1 > 7`.
        jset: bool,
        /// The register.
        dst: Pool,
        /// The two arms (fall-through first).
        arms: [JoinVal; 2],
        /// The use after the join.
        access: Access,
        /// Each arm spills the register to the stack and the use fills it
        /// back (the stack slots, not the registers, must tell the paths
        /// apart).
        spill: bool,
    },
    /// `r9 = 0; top: body; r9 += step; if r9 < n goto top`.
    Loop {
        /// Iterations bound.
        n: u8,
        /// The step.
        step: u8,
        /// `<=` instead of `<`.
        le: bool,
        /// The body (r9 is the counter; [`VarSrc::Counter`] reads it).
        body: Vec<Leaf>,
    },
}

/// A generated program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenProg {
    /// Its type.
    pub kind: ProgKind,
    /// Its maps (one or two).
    pub maps: Vec<MapShape>,
    /// Initial values of r7, r8, r9.
    pub init: [i32; 3],
    /// The body.
    pub blocks: Vec<Block>,
}

// ---------------------------------------------------------------- strategies

fn pool() -> impl Strategy<Value = Pool> {
    (0u8..3).prop_map(Pool)
}

fn size() -> impl Strategy<Value = Size> {
    prop_oneof![2 => Just(Size::B), 2 => Just(Size::H), 3 => Just(Size::W), 3 => Just(Size::DW)]
}

/// Mostly exactly at the limit, often one off, sometimes further.
fn delta() -> impl Strategy<Value = i16> {
    prop_oneof![14 => Just(0i16), 5 => Just(-1i16), 2 => Just(1i16), 1 => -9i16..=9, 1 => -600i16..=600]
}

fn edge() -> impl Strategy<Value = Edge> {
    prop_oneof![5 => delta().prop_map(Edge::End), 2 => delta().prop_map(Edge::Start), 4 => any::<u16>().prop_map(Edge::Inside)]
}

fn access() -> impl Strategy<Value = Access> {
    (size(), edge(), prop::bool::weighted(0.35)).prop_map(|(size, edge, write)| Access { size, edge, write })
}

fn accesses() -> impl Strategy<Value = Vec<Access>> {
    prop::collection::vec(access(), 1..=2)
}

fn bound() -> impl Strategy<Value = Bound> {
    prop_oneof![
        2 => Just(Bound::JgeReg),
        1 => Just(Bound::JeqConst),
        6 => Just(Bound::And),
        6 => Just(Bound::JgtU64),
        1 => Just(Bound::JgtU32),
        1 => Just(Bound::JsgtNoLower),
        3 => Just(Bound::JsgtBoth),
        2 => Just(Bound::JltOk),
        2 => Just(Bound::Rsh),
        1 => Just(Bound::Mod),
        1 => Just(Bound::None),
    ]
}

fn var_src() -> impl Strategy<Value = VarSrc> {
    prop_oneof![
        4 => pool().prop_map(VarSrc::Pool),
        3 => any::<u8>().prop_map(VarSrc::Ctx),
        1 => Just(VarSrc::Prandom),
        3 => size().prop_map(VarSrc::Loaded),
        1 => size().prop_map(VarSrc::LoadedSx),
        2 => Just(VarSrc::Counter),
    ]
}

fn deriv_op() -> impl Strategy<Value = DerivOp> {
    prop_oneof![
        3 => (-16i16..=16).prop_map(DerivOp::Add),
        2 => (-16i16..=16).prop_map(DerivOp::Sub),
        2 => (0u8..=8).prop_map(DerivOp::Mul),
        2 => (0u8..=5).prop_map(DerivOp::Lsh),
        2 => (0u8..=4).prop_map(DerivOp::Rsh),
        1 => (0u8..=4).prop_map(DerivOp::Arsh),
        2 => any::<u16>().prop_map(|k| DerivOp::And(k % 512)),
        1 => (0u8..=15).prop_map(DerivOp::Or),
        1 => (0u8..=15).prop_map(DerivOp::Xor),
        2 => (-16i16..=16).prop_map(DerivOp::W32Add),
        2 => (-8i16..=300).prop_map(DerivOp::Rsub),
        1 => (0u8..=9).prop_map(DerivOp::Div),
        1 => (0u8..=9).prop_map(DerivOp::Mod),
        1 => Just(DerivOp::Neg2),
        1 => Just(DerivOp::Movsx8),
        2 => (0u8..=3).prop_map(DerivOp::ModReg),
        1 => (0u8..=3).prop_map(DerivOp::DivReg),
        1 => Just(DerivOp::Be16),
        1 => Just(DerivOp::Mov32),
        1 => (0u8..=9).prop_map(DerivOp::W32Mul),
    ]
}

fn var_off() -> impl Strategy<Value = Option<VarOff>> {
    let ops = prop_oneof![
        3 => Just([None, None]),
        2 => deriv_op().prop_map(|a| [Some(a), None]),
        1 => (deriv_op(), deriv_op()).prop_map(|(a, b)| [Some(a), Some(b)]),
    ];
    prop_oneof![
        3 => Just(None),
        2 => (var_src(), bound(), prop::bool::weighted(0.7), ops)
            .prop_map(|(src, bound, before_check, ops)| Some(VarOff { src, bound, before_check, ops })),
    ]
}

fn null_check() -> impl Strategy<Value = NullCheck> {
    prop_oneof![
        20 => Just(NullCheck::Eq),
        3 => Just(NullCheck::NeOk),
        3 => Just(NullCheck::ViaCopy),
        2 => Just(NullCheck::RegZero),
        1 => Just(NullCheck::Missing),
        1 => Just(NullCheck::WrongReg),
        1 => Just(NullCheck::Inverted),
        1 => Just(NullCheck::After),
    ]
}

fn pkt_check() -> impl Strategy<Value = PktCheck> {
    prop_oneof![
        16 => Just(PktCheck::Gt),
        3 => Just(PktCheck::LtSwapped),
        3 => Just(PktCheck::Ge),
        3 => Just(PktCheck::GeOk),
        1 => Just(PktCheck::WrongDir),
        1 => Just(PktCheck::WrongReg),
        1 => Just(PktCheck::Missing),
        1 => Just(PktCheck::Reloaded),
    ]
}

fn keep() -> impl Strategy<Value = Option<Pool>> {
    prop_oneof![3 => Just(None), 2 => pool().prop_map(Some)]
}

fn sub() -> impl Strategy<Value = Sub> {
    prop_oneof![
        (8u8..=64, access(), bound()).prop_map(|(len, access, bound)| Sub::WriteCallerStack {
            len,
            access,
            bound
        }),
        (0u8..3, pool(), access()).prop_map(|(what, pool, access)| Sub::ReadThrough { what, pool, access }),
        (0u8..=8, -2i8..=2).prop_map(|(bits, add)| Sub::Bounder { bits, add }),
        access().prop_map(|access| Sub::OwnStack { access }),
    ]
}

fn helper() -> impl Strategy<Value = Helper> {
    prop_oneof![
        3 => (8u8..=64, delta(), prop::option::weighted(0.4, bound()))
            .prop_map(|(len, delta, var)| Helper::ProbeRead { len, delta, var }),
        3 => (0u8..2, delta(), 0u8..10).prop_map(|(map, delta, key)| Helper::MapUpdate { map, delta, key }),
        2 => (0u8..2, 0u8..10).prop_map(|(map, key)| Helper::MapDelete { map, key }),
        2 => (8u8..=64, delta(), 0u8..64).prop_map(|(len, delta, off)| Helper::SkbLoadBytes { len, delta, off }),
        1 => (-64i16..=64).prop_map(|arg| Helper::PktChange { arg }),
        2 => pool().prop_map(Helper::Prandom),
    ]
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        3 => (pool(), prop::option::weighted(0.6, var_src()), -300i32..300)
            .prop_map(|(dst, src, imm)| Leaf::Set { dst, src, imm }),
        3 => (pool(), 0u8..12, prop::option::weighted(0.3, pool()), -70i32..=70, prop::bool::weighted(0.2))
            .prop_map(|(dst, op, reg, imm, w32)| Leaf::Alu { dst, op, reg, imm, w32 }),
        2 => (pool(), bound(), 0u16..80).prop_map(|(dst, bound, max)| Leaf::BoundIt { dst, bound, max }),
        6 => (0u8..2, 0u8..10, prop::option::weighted(0.2, pool()), null_check(), var_off(), accesses(), keep())
            .prop_map(|(map, key, key_reg, check, var, accesses, keep)| Leaf::Map {
                map, key, key_reg, check, var, accesses, keep
            }),
        6 => (prop::bool::weighted(0.15), 1u8..=64, pkt_check(), var_off(), accesses(), keep()).prop_map(
            |(meta, len, check, var, accesses, keep)| Leaf::Packet {
                base: if meta { PktBase::Meta } else { PktBase::Data },
                len, check, var, accesses, keep,
            }
        ),
        3 => (prop_oneof![Just(8u16), Just(16), Just(32), Just(64), 8u16..=512], var_off(), accesses())
            .prop_map(|(len, var, accesses)| Leaf::Stack { len, var, accesses }),
        3 => (
            prop_oneof![
                3 => pool().prop_map(SpillWhat::Pool),
                1 => Just(SpillWhat::Ctx),
                1 => Just(SpillWhat::Stack),
                2 => size().prop_map(SpillWhat::Bounded),
            ],
            0u8..8,
            prop_oneof![
                6 => Just(Clobber::None),
                1 => (size(), 0u8..8).prop_map(|(s, b)| Clobber::Store(s, b)),
                1 => Just(Clobber::Call),
                1 => (size(), 0u8..8).prop_map(|(s, b)| Clobber::Callee(s, b)),
                1 => Just(Clobber::Helper),
            ],
            prop_oneof![6 => Just(Size::DW), 1 => size()],
            access(),
        )
            .prop_map(|(what, slot, clobber, fill, access)| Leaf::Spill { what, slot, clobber, fill, access }),
        3 => (any::<u8>(), prop_oneof![10 => Just(0i8), 1 => -3i8..=3], size(), prop::bool::weighted(0.15), keep())
            .prop_map(|(field, delta, size, write, keep)| Leaf::Ctx { field, delta, size, write, keep }),
        3 => (pool(), var_off(), access()).prop_map(|(reg, var, access)| Leaf::UsePtr { reg, var, access }),
        2 => (sub(), pool(), keep()).prop_map(|(sub, arg, keep)| Leaf::Call { sub, arg, keep }),
        3 => helper().prop_map(Leaf::Helper),
        1 => (0u8..2, pool(), access(), any::<bool>()).prop_map(|(on, reg, access, fetch)| Leaf::Atomic {
            on, reg, access, fetch
        }),
        1 => (0u8..2, access()).prop_map(|(map, access)| Leaf::DirectValue { map, access }),
    ]
}

fn join_val() -> impl Strategy<Value = JoinVal> {
    prop_oneof![
        2 => (0u8..=64).prop_map(JoinVal::Const),
        2 => (0u8..=6).prop_map(JoinVal::Bounded),
        3 => (0u8..2, prop::bool::weighted(0.9)).prop_map(|(map, checked)| JoinVal::MapVal { map, checked }),
        2 => (1u8..=64).prop_map(JoinVal::Pkt),
        1 => (0u8..8).prop_map(JoinVal::Stack),
        1 => Just(JoinVal::Ctx),
    ]
}

/// Mostly two arms of the same kind (two constants, two maps, two packet
/// ranges...): what state pruning must tell apart; sometimes any two.
fn join_arms() -> impl Strategy<Value = [JoinVal; 2]> {
    prop_oneof![
        2 => [(0u8..=64).prop_map(JoinVal::Const), (0u8..=64).prop_map(JoinVal::Const)],
        2 => [(0u8..=6).prop_map(JoinVal::Bounded), (0u8..=6).prop_map(JoinVal::Bounded)],
        2 => (0u8..2, 0u8..2, prop::bool::weighted(0.9), prop::bool::weighted(0.9)).prop_map(|(a, b, ca, cb)| [
            JoinVal::MapVal { map: a, checked: ca },
            JoinVal::MapVal { map: b, checked: cb }
        ]),
        2 => [(1u8..=64).prop_map(JoinVal::Pkt), (1u8..=64).prop_map(JoinVal::Pkt)],
        1 => [(0u8..8).prop_map(JoinVal::Stack), (0u8..8).prop_map(JoinVal::Stack)],
        1 => [join_val(), join_val()],
    ]
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        2 => (any::<u8>(), any::<bool>(), pool(), join_arms(), access(), prop::bool::weighted(0.3))
            .prop_map(|(cond, jset, dst, arms, access, spill)| Block::Join { cond, jset, dst, arms, access, spill }),
        8 => leaf().prop_map(Block::Leaf),
        2 => (pool(), 0u8..11, -20i32..=80, prop::collection::vec(leaf(), 1..=3), prop::collection::vec(leaf(), 0..=2))
            .prop_map(|(reg, op, imm, then, other)| Block::Branch { reg, op, imm, then, other }),
        1 => (prop_oneof![1u8..=8, 1u8..=64], prop_oneof![4 => Just(1u8), 1 => 1u8..=8], any::<bool>(), prop::collection::vec(leaf(), 1..=2))
            .prop_map(|(n, step, le, body)| Block::Loop { n, step, le, body }),
    ]
}

fn map_shape() -> impl Strategy<Value = MapShape> {
    (
        prop::bool::weighted(0.4),
        prop_oneof![
            Just(4u32),
            Just(8),
            Just(12),
            Just(16),
            Just(24),
            Just(32),
            Just(48),
            Just(64),
            1u32..=80
        ],
        prop_oneof![Just(1u32), 1u32..=8],
    )
        .prop_flat_map(|(hash, value_size, max_entries)| {
            prop::bool::weighted(0.08).prop_map(move |rdonly| MapShape {
                hash,
                rdonly,
                value_size,
                max_entries,
            })
        })
}

/// The strategy of generated programs.
pub fn gen_prog() -> impl Strategy<Value = GenProg> {
    (
        prop_oneof![
            3 => Just(ProgKind::Xdp),
            3 => Just(ProgKind::SchedCls),
            2 => Just(ProgKind::SocketFilter),
            1 => Just(ProgKind::CgroupSkb),
            1 => Just(ProgKind::Kprobe),
        ],
        prop::collection::vec(map_shape(), 1..=2),
        [-4i32..=64, -4i32..=64, -4i32..=64],
        prop::collection::vec(block(), 1..=7),
    )
        .prop_map(|(kind, maps, init, blocks)| GenProg { kind, maps, init, blocks })
}

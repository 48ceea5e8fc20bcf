//! Mirrors `kernel/bpf/core.c:___bpf_prog_run()` (v6.18): the instruction
//! loop, its frames (`__bpf_prog_run<N>`, `__bpf_prog_run_args<N>`), calls,
//! tail calls and exit.
//!
//! One loop serves both memory modes. [`Mode::CHECKED`] is a constant, so
//! each mode is compiled separately and the fast mode carries none of the
//! checks: its loads and stores are raw pointer accesses, as the kernel's
//! are, and it trusts the verifier for every address, jump target and
//! helper immediate. The checked mode validates each of them against the
//! run's [`Env`] and stops with an [`InterpError`] instead.
//!
//! Where the kernel relies on the verifier's rewrites (division by zero
//! guarded by `do_misc_fixups`, shifts bounded by `check_alu_op`), both
//! modes compute the RFC 9669 result instead of trapping: `x / 0 = 0`,
//! `x % 0 = x`, shift counts masked to the operand width, `INT_MIN / -1 =
//! INT_MIN`, `INT_MIN % -1 = 0` (what the verifier's rewrite of a
//! division by -1 into a negation yields).

use crate::config::{InsnSet, MemRegion};
use crate::error::{Access, AccessFault, InterpError, InterpErrorKind};
use crate::helpers::{HelperArg, HelperCalls, HelperDesc, HelperRet};
use crate::opcodes::*;
use bpf_core::ctx::SkBuff;
use bpf_core::helpers::{bpf_call_target_addr, BpfHelperFn};
use bpf_core::maps::BpfMap;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::*;
use std::mem::{size_of, MaybeUninit};
use std::ptr;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering::SeqCst};
use std::sync::Arc;

/// A fault on its way out of the run (boxed: the `Ok` path stays small).
pub(crate) type Fault = Box<InterpError>;

/// The memory mode a loop is compiled for.
pub(crate) trait Mode: 'static {
    /// Validate every access, jump, call and register read.
    const CHECKED: bool;
    /// `interpreters[]` of this mode: a main frame per stack size.
    const MAIN: [MainFn; 16];
}

/// Trusts the verifier, as the kernel's interpreter does.
pub(crate) struct Fast;
/// Validates everything against the run's regions.
pub(crate) struct Checked;

/// A main-frame entry: `__bpf_prog_run<N>` with the run's state.
pub(crate) type MainFn = fn(&mut Env<'_>, [u64; 5], &[BpfInsn], u32) -> Result<u64, Fault>;

macro_rules! main_frames {
    ($m:ty) => {
        [
            frame::<$m, 32>,
            frame::<$m, 64>,
            frame::<$m, 96>,
            frame::<$m, 128>,
            frame::<$m, 160>,
            frame::<$m, 192>,
            frame::<$m, 224>,
            frame::<$m, 256>,
            frame::<$m, 288>,
            frame::<$m, 320>,
            frame::<$m, 352>,
            frame::<$m, 384>,
            frame::<$m, 416>,
            frame::<$m, 448>,
            frame::<$m, 480>,
            frame::<$m, 512>,
        ]
    };
}

impl Mode for Fast {
    const CHECKED: bool = false;
    const MAIN: [MainFn; 16] = main_frames!(Fast);
}

impl Mode for Checked {
    const CHECKED: bool = true;
    const MAIN: [MainFn; 16] = main_frames!(Checked);
}

/// `round_up(max(stack_depth, 1), 32) / 32 - 1`: the interpreter variant
/// for a stack depth, `None` above 512 bytes.
pub fn stack_index(stack_depth: u32) -> Option<usize> {
    let idx = (stack_depth.max(1).div_ceil(32) - 1) as usize;
    (idx < 16).then_some(idx)
}

/// How helper calls are made in this run.
pub(crate) enum Helpers<'c> {
    /// `__bpf_call_base + imm`, unchecked: the kernel's `JMP_CALL`.
    Kernel,
    /// See [`HelperCalls`].
    Calls(HelperCalls<'c>),
}

/// The state of one run, shared by all its frames.
pub(crate) struct Env<'c> {
    pub helpers: Helpers<'c>,
    pub set: InsnSet,
    /// Frames live (1 while only the main program runs).
    pub live: usize,
    /// Tail calls the current frame has taken (for error reports).
    pub tail_calls: u32,
    /// `call %rN` is accepted (helpers by id).
    pub callx: bool,
    // ---- checked mode only ----
    /// Regions from the config, then those helpers returned.
    pub regions: Vec<MemRegion>,
    /// `[fp - depth, fp)` of each live frame, innermost last.
    pub stacks: Vec<(u64, u64)>,
    /// Maps whose values may be accessed and that tail calls may use.
    pub maps: Vec<Arc<BpfMap>>,
    pub ctx: Option<u64>,
    pub skb: Option<u64>,
    pub budget: u64,
    pub limit: u64,
    pub check_uninit: bool,
    /// Map values only through pointers the run obtained (regions added
    /// by lookups and direct values), not any value of any map.
    pub strict_map_values: bool,
}

impl<'c> Env<'c> {
    /// The environment of the kernel's `interpreters[]`: nothing checked.
    pub(crate) fn kernel() -> Self {
        Env {
            helpers: Helpers::Kernel,
            set: InsnSet::Xlated,
            live: 0,
            tail_calls: 0,
            callx: false,
            regions: Vec::new(),
            stacks: Vec::new(),
            maps: Vec::new(),
            ctx: None,
            skb: None,
            budget: u64::MAX,
            limit: u64::MAX,
            check_uninit: false,
            strict_map_values: false,
        }
    }

    /// Lets the program reach the value at `addr` of `map` (a value a
    /// lookup returned, or a direct value), if the map vouches that one of
    /// its values lies there.
    pub(crate) fn add_map_value(&mut self, map: &BpfMap, addr: u64) {
        let len = u64::from(map.value_size);
        if len == 0 || !map.ops.contains_value(addr as usize, len as usize) {
            return;
        }
        if self.regions.iter().any(|r| r.start == addr && r.len == len) {
            return;
        }
        let name = String::from_utf8_lossy(&map.name).trim_end_matches('\0').to_string();
        self.regions.push(MemRegion {
            name: format!("a value of map {name:?}"),
            start: addr,
            len,
            writable: !map.map_flags.contains(BpfMapFlags::BPF_F_RDONLY_PROG),
        });
    }

    /// The direct value (`BPF_PSEUDO_MAP_VALUE`) of `map`, when it has one.
    pub(crate) fn add_direct_value(&mut self, map: &BpfMap) {
        if let Ok(addr) = map.ops.map_direct_value_addr(0) {
            self.add_map_value(map, addr);
        }
    }

    #[cold]
    pub(crate) fn fault(&self, insn: usize, kind: InterpErrorKind) -> Fault {
        Box::new(InterpError { insn, frame: self.live.saturating_sub(1), tail_calls: self.tail_calls, kind })
    }

    fn map_by_addr(&self, addr: u64) -> Option<&Arc<BpfMap>> {
        self.maps.iter().find(|m| Arc::as_ptr(m) as u64 == addr)
    }

    /// Is `[addr, addr + size)` something the program may `access`?
    fn check_mem(&self, addr: u64, size: u64, access: Access) -> Result<(), AccessFault> {
        let end = addr.checked_add(size).ok_or(AccessFault::Overflow)?;
        for &(lo, hi) in self.stacks.iter().rev() {
            if addr >= lo && end <= hi {
                return Ok(());
            }
        }
        for r in &self.regions {
            if r.contains(addr, end) {
                if access == Access::Write && !r.writable {
                    return Err(AccessFault::ReadOnly { region: r.name.clone() });
                }
                return Ok(());
            }
        }
        for m in self.maps.iter().filter(|_| !self.strict_map_values) {
            if m.ops.contains_value(addr as usize, size as usize) {
                if access == Access::Write && m.map_flags.contains(BpfMapFlags::BPF_F_RDONLY_PROG) {
                    return Err(AccessFault::ReadOnly {
                        region: "a value of a BPF_F_RDONLY_PROG map".into(),
                    });
                }
                return Ok(());
            }
        }
        for (k, &(lo, hi)) in self.stacks.iter().enumerate() {
            if addr >= lo && addr < hi {
                return Err(AccessFault::PastEnd {
                    region: format!("the stack of frame {k}"),
                    start: lo,
                    len: hi - lo,
                });
            }
        }
        for r in &self.regions {
            if addr >= r.start && addr - r.start < r.len {
                return Err(AccessFault::PastEnd { region: r.name.clone(), start: r.start, len: r.len });
            }
        }
        Err(AccessFault::NoRegion)
    }

    #[inline(never)]
    fn check(&self, pc: usize, addr: u64, size: u64, access: Access) -> Result<(), Fault> {
        self.check_mem(addr, size, access)
            .map_err(|fault| self.fault(pc, InterpErrorKind::BadAccess { addr, size, access, fault }))
    }
}

/// A frame's stack: `u64 stack[stack_size / sizeof(u64)]`, zeroed (a
/// privileged program may read stack it never wrote; the kernel leaves it
/// uninitialised, Rust may not).
#[repr(C, align(8))]
struct Stack<const N: usize>([u8; N]);

/// Stack for the callee frames of bpf-to-bpf calls: up to
/// `MAX_CALL_FRAMES - 1` frames of at most 512 bytes. Left uninitialised
/// until a call first reaches down into it; from then on a new callee
/// frame finds what earlier ones left there, as a kernel frame finds the
/// old contents of the C stack.
const ARENA: usize = (MAX_CALL_FRAMES - 1) * MAX_BPF_STACK as usize;

#[repr(C, align(8))]
struct Arena(MaybeUninit<[u8; ARENA]>);

/// Mirrors `kernel/bpf/core.c:__bpf_prog_run<STACK>()`: the main frame, a
/// `STACK`-byte stack with r10 at its top, r1..r5 from `args`, and room
/// for the frames of bpf-to-bpf calls.
///
/// The kernel runs a bpf-to-bpf call by recursing into
/// `interpreters_args[]`, a new C frame with its own registers and stack.
/// Here the loop keeps the caller's registers in an array and carves the
/// callee's stack from [`Arena`]: the same semantics (r1..r10 of the caller
/// come back unchanged, r0 carries the result, each frame has its own
/// zeroed stack of its rounded-up depth), without native recursion.
fn frame<M: Mode, const STACK: usize>(
    env: &mut Env<'_>,
    args: [u64; 5],
    code: &[BpfInsn],
    depth: u32,
) -> Result<u64, Fault> {
    let mut stack = Stack::<STACK>([0; STACK]);
    let mut arena = Arena(MaybeUninit::uninit());
    let fp = stack.0.as_mut_ptr() as u64 + STACK as u64;
    let arena_top = arena.0.as_mut_ptr() as u64 + ARENA as u64;
    env.live = 1;
    env.tail_calls = 0;
    if M::CHECKED {
        env.stacks.push((fp - u64::from(depth.min(STACK as u32)), fp));
    }
    let r = ___bpf_prog_run::<M>(env, args, fp, code, arena_top);
    if M::CHECKED {
        env.stacks.clear();
    }
    r
}

/// A caller's state, saved across a bpf-to-bpf call.
struct CallFrame {
    /// The caller's program (a tail call may have replaced the entry one).
    code: *const [BpfInsn],
    ret_pc: usize,
    /// r1..r10 of the caller.
    regs: [u64; 10],
    /// Where the caller's next callee frame would start.
    arena_sp: u64,
    init: u16,
    tail_call_cnt: u32,
    may_goto_cnt: u32,
}

/// The registers an instruction reads and writes (checked mode's
/// `!read_ok` tracking). Calls, tail calls, `LD_ABS` and exit are handled
/// at their handlers.
fn reg_use(insn: &BpfInsn) -> (u16, u16) {
    let d = 1u16 << insn.dst_reg();
    let s = 1u16 << insn.src_reg();
    let x = bpf_src(insn.code) == BPF_X;
    match bpf_class(insn.code) {
        BPF_ALU | BPF_ALU64 => match bpf_op(insn.code) {
            BPF_MOV => (if x { s } else { 0 }, d),
            BPF_NEG | BPF_END => (d, d),
            _ => (if x { d | s } else { d }, d),
        },
        BPF_LD if insn.is_ld_imm64() => (0, d),
        BPF_LD => (1 << 6 | if bpf_mode(insn.code) == BPF_IND { s } else { 0 }, 0),
        BPF_LDX => (s, d),
        BPF_ST => (d, 0),
        BPF_STX if bpf_mode(insn.code) == BPF_ATOMIC => match insn.imm {
            BPF_CMPXCHG => (d | s | 1, 1),
            BPF_LOAD_ACQ => (s, d),
            BPF_STORE_REL => (d | s, 0),
            imm if imm & BPF_FETCH != 0 => (d | s, s),
            _ => (d | s, 0),
        },
        BPF_STX => (d | s, 0),
        _ => match insn.code {
            JMP_JA | JMP32_JA | JMP_CALL | JMP_CALL_ARGS => (0, 0),
            JMP_CALLX => (d, 0),
            JMP_EXIT => (1, 0),
            JMP_TAIL_CALL => (1 << 1 | 1 << 2 | 1 << 3, 0),
            _ => (if x { d | s } else { d }, 0),
        },
    }
}

/// `r1..r5` are the caller-saved registers a call clobbers.
const CALLER_SAVED: u16 = 0b11_1110;

/// `BPF_MAX_LOOPS`: the iterations a `may_goto` allows.
const BPF_MAX_LOOPS: u32 = 8 * 1024 * 1024;

#[inline(always)]
fn load<M: Mode, T: Copy>(env: &Env<'_>, pc: usize, addr: u64) -> Result<T, Fault> {
    if M::CHECKED {
        env.check(pc, addr, size_of::<T>() as u64, Access::Read)?;
    }
    // SAFETY: fast mode: the verifier proved `addr` valid for this load
    // (check_mem_access); checked mode: `check` found it inside the stack of
    // a live frame, a region the config borrows for the run, or a value
    // of a map the run holds. Unaligned reads are allowed, as on x86.
    Ok(unsafe { ptr::read_unaligned(addr as usize as *const T) })
}

#[inline(always)]
fn store<M: Mode, T: Copy>(env: &Env<'_>, pc: usize, addr: u64, v: T) -> Result<(), Fault> {
    if M::CHECKED {
        env.check(pc, addr, size_of::<T>() as u64, Access::Write)?;
    }
    // SAFETY: as in `load`, for a write: the verifier (fast mode) or
    // `check` (checked mode) found the range writable.
    unsafe { ptr::write_unaligned(addr as usize as *mut T, v) };
    Ok(())
}

/// The target of a taken jump at `pc` with offset `off`.
#[inline(always)]
fn jump<M: Mode>(env: &Env<'_>, pc: usize, off: i64, len: usize) -> Result<usize, Fault> {
    let target = (pc as i64).wrapping_add(1).wrapping_add(off);
    if M::CHECKED && !(0..len as i64).contains(&target) {
        return Err(env.fault(pc, InterpErrorKind::JumpOutOfRange { target }));
    }
    Ok(target as usize)
}

#[inline(always)]
fn udiv64(a: u64, b: u64) -> u64 {
    a.checked_div(b).unwrap_or(0)
}
#[inline(always)]
fn umod64(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        a % b
    }
}
#[inline(always)]
fn sdiv64(a: u64, b: u64) -> u64 {
    if b == 0 {
        0
    } else {
        (a as i64).wrapping_div(b as i64) as u64
    }
}
#[inline(always)]
fn smod64(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        (a as i64).wrapping_rem(b as i64) as u64
    }
}
#[inline(always)]
fn udiv32(a: u64, b: u32) -> u64 {
    u64::from((a as u32).checked_div(b).unwrap_or(0))
}
#[inline(always)]
fn umod32(a: u64, b: u32) -> u64 {
    let a = a as u32;
    u64::from(if b == 0 { a } else { a % b })
}
#[inline(always)]
fn sdiv32(a: u64, b: u32) -> u64 {
    if b == 0 {
        0
    } else {
        u64::from((a as i32).wrapping_div(b as i32) as u32)
    }
}
#[inline(always)]
fn smod32(a: u64, b: u32) -> u64 {
    if b == 0 {
        u64::from(a as u32)
    } else {
        u64::from((a as i32).wrapping_rem(b as i32) as u32)
    }
}

/// Mirrors `kernel/bpf/core.c:___bpf_prog_run()` (v6.18).
///
/// Decodes and executes `entry` from its first instruction until the
/// main frame's `BPF_EXIT`, and returns r0. Bpf-to-bpf calls push the
/// caller onto `frames` and carve the callee's stack below `arena_top`;
/// tail calls replace the running program in the same frame.
#[inline(never)]
fn ___bpf_prog_run<M: Mode>(
    env: &mut Env<'_>,
    args: [u64; 5],
    fp: u64,
    entry: &[BpfInsn],
    arena_top: u64,
) -> Result<u64, Fault> {
    // `u64 regs[MAX_BPF_EXT_REG]` (16 here: every 4-bit register field
    // indexes it without a bounds check). A local array, so each access is
    // an offset from the stack pointer.
    let mut regs = [0u64; 16];
    regs[1..6].copy_from_slice(&args);
    regs[BPF_REG_FP as usize] = fp;
    let regs = &mut regs;
    // Programs reached by tail calls, kept alive until the run ends.
    let mut held: Vec<Arc<BpfProg>> = Vec::new();
    let mut code: &[BpfInsn] = entry;
    let mut len = code.len();
    let mut pc = 0usize;
    // Registers known to be written (checked mode): r1..r5 and r10.
    let mut init: u16 = CALLER_SAVED | 1 << BPF_REG_FP;
    let mut tail_call_cnt = 0u32;
    let mut may_goto_cnt = BPF_MAX_LOOPS;
    let mut frames: [MaybeUninit<CallFrame>; MAX_CALL_FRAMES - 1] =
        [const { MaybeUninit::uninit() }; MAX_CALL_FRAMES - 1];
    let mut depth = 0usize;
    let mut arena_sp = arena_top;
    let mut zeroed_to = arena_top;
    loop {
        let insn = if M::CHECKED {
            let Some(&insn) = code.get(pc) else {
                return Err(env.fault(pc.saturating_sub(1), InterpErrorKind::FellOffEnd));
            };
            if env.budget == 0 {
                return Err(env.fault(pc, InterpErrorKind::InsnLimit { limit: env.limit }));
            }
            env.budget -= 1;
            if env.check_uninit {
                let (reads, writes) = reg_use(&insn);
                let missing = reads & !init;
                if missing != 0 {
                    let reg = missing.trailing_zeros() as u8;
                    return Err(env.fault(pc, InterpErrorKind::UninitRegister { reg }));
                }
                init |= writes;
            }
            insn
        } else {
            // SAFETY: the verifier proved that every path stays inside the
            // program and ends in an exit (check_subprogs, check_cfg), so
            // `pc` is in bounds.
            unsafe { *code.get_unchecked(pc) }
        };
        // The fields are decoded in the arms that use them, so the dispatch
        // itself does no more than load the instruction and jump.
        let w = insn.to_u64();
        macro_rules! dst {
            () => {
                ((w >> 8) & 0x0f) as usize
            };
        }
        macro_rules! src {
            () => {
                ((w >> 12) & 0x0f) as usize
            };
        }
        macro_rules! off {
            () => {
                ((w >> 16) as u16 as i16)
            };
        }
        macro_rules! imm {
            () => {
                ((w >> 32) as u32 as i32)
            };
        }
        // IMM as the kernel's 64-bit operations see it: sign-extended.
        macro_rules! imm64 {
            () => {
                (imm!() as i64 as u64)
            };
        }

        // BPF_EXIT: return from the main frame, or back to the caller with
        // its registers, program and counters.
        macro_rules! exit_frame {
            () => {{
                if depth == 0 {
                    return Ok(regs[0]);
                }
                depth -= 1;
                // SAFETY: frames[..=depth] were written by the calls that
                // made them live; each is read once, here.
                let f = unsafe { frames[depth].assume_init_read() };
                regs[1..=10].copy_from_slice(&f.regs);
                // SAFETY: `f.code` is `entry` or a program in `held`, both
                // alive until this function returns.
                code = unsafe { &*f.code };
                len = code.len();
                pc = f.ret_pc + 1;
                arena_sp = f.arena_sp;
                init = (f.init & !CALLER_SAVED) | 1;
                tail_call_cnt = f.tail_call_cnt;
                may_goto_cnt = f.may_goto_cnt;
                env.live = depth + 1;
                env.tail_calls = tail_call_cnt;
                if M::CHECKED {
                    env.stacks.pop();
                }
                continue;
            }};
        }

        macro_rules! cond_jmp {
            ($taken:expr) => {
                if $taken {
                    pc = jump::<M>(env, pc, off!() as i64, len)?;
                    continue;
                }
            };
        }

        match insn.code {
            // ---- ALU ----
            ALU64_ADD_X => regs[dst!()] = regs[dst!()].wrapping_add(regs[src!()]),
            ALU64_ADD_K => regs[dst!()] = regs[dst!()].wrapping_add(imm64!()),
            ALU_ADD_X => regs[dst!()] = u64::from((regs[dst!()] as u32).wrapping_add(regs[src!()] as u32)),
            ALU_ADD_K => regs[dst!()] = u64::from((regs[dst!()] as u32).wrapping_add(imm!() as u32)),
            ALU64_SUB_X => regs[dst!()] = regs[dst!()].wrapping_sub(regs[src!()]),
            ALU64_SUB_K => regs[dst!()] = regs[dst!()].wrapping_sub(imm64!()),
            ALU_SUB_X => regs[dst!()] = u64::from((regs[dst!()] as u32).wrapping_sub(regs[src!()] as u32)),
            ALU_SUB_K => regs[dst!()] = u64::from((regs[dst!()] as u32).wrapping_sub(imm!() as u32)),
            ALU64_AND_X => regs[dst!()] &= regs[src!()],
            ALU64_AND_K => regs[dst!()] &= imm64!(),
            ALU_AND_X => regs[dst!()] = u64::from(regs[dst!()] as u32 & regs[src!()] as u32),
            ALU_AND_K => regs[dst!()] = u64::from(regs[dst!()] as u32 & imm!() as u32),
            ALU64_OR_X => regs[dst!()] |= regs[src!()],
            ALU64_OR_K => regs[dst!()] |= imm64!(),
            ALU_OR_X => regs[dst!()] = u64::from(regs[dst!()] as u32 | regs[src!()] as u32),
            ALU_OR_K => regs[dst!()] = u64::from(regs[dst!()] as u32 | imm!() as u32),
            ALU64_XOR_X => regs[dst!()] ^= regs[src!()],
            ALU64_XOR_K => regs[dst!()] ^= imm64!(),
            ALU_XOR_X => regs[dst!()] = u64::from(regs[dst!()] as u32 ^ regs[src!()] as u32),
            ALU_XOR_K => regs[dst!()] = u64::from(regs[dst!()] as u32 ^ imm!() as u32),
            ALU64_MUL_X => regs[dst!()] = regs[dst!()].wrapping_mul(regs[src!()]),
            ALU64_MUL_K => regs[dst!()] = regs[dst!()].wrapping_mul(imm64!()),
            ALU_MUL_X => regs[dst!()] = u64::from((regs[dst!()] as u32).wrapping_mul(regs[src!()] as u32)),
            ALU_MUL_K => regs[dst!()] = u64::from((regs[dst!()] as u32).wrapping_mul(imm!() as u32)),
            // Shifts: the count is masked to the width (the kernel masks
            // register counts; the verifier bounds immediate ones).
            ALU64_LSH_X => regs[dst!()] <<= regs[src!()] & 63,
            ALU64_LSH_K => regs[dst!()] <<= imm!() & 63,
            ALU_LSH_X => regs[dst!()] = u64::from((regs[dst!()] as u32) << (regs[src!()] & 31)),
            ALU_LSH_K => regs[dst!()] = u64::from((regs[dst!()] as u32) << (imm!() & 31)),
            ALU64_RSH_X => regs[dst!()] >>= regs[src!()] & 63,
            ALU64_RSH_K => regs[dst!()] >>= imm!() & 63,
            ALU_RSH_X => regs[dst!()] = u64::from((regs[dst!()] as u32) >> (regs[src!()] & 31)),
            ALU_RSH_K => regs[dst!()] = u64::from((regs[dst!()] as u32) >> (imm!() & 31)),
            ALU64_ARSH_X => regs[dst!()] = ((regs[dst!()] as i64) >> (regs[src!()] & 63)) as u64,
            ALU64_ARSH_K => regs[dst!()] = ((regs[dst!()] as i64) >> (imm!() & 63)) as u64,
            ALU_ARSH_X => regs[dst!()] = u64::from(((regs[dst!()] as i32) >> (regs[src!()] & 31)) as u32),
            ALU_ARSH_K => regs[dst!()] = u64::from(((regs[dst!()] as i32) >> (imm!() & 31)) as u32),
            ALU_NEG => regs[dst!()] = u64::from((regs[dst!()] as u32).wrapping_neg()),
            ALU64_NEG => regs[dst!()] = regs[dst!()].wrapping_neg(),
            // A `mov` with an offset the verifier refuses changes nothing
            // (the kernel's switch has no default).
            ALU_MOV_X => match off!() {
                0 => regs[dst!()] = u64::from(regs[src!()] as u32),
                8 => regs[dst!()] = u64::from(regs[src!()] as i8 as u32),
                16 => regs[dst!()] = u64::from(regs[src!()] as i16 as u32),
                _ => {}
            },
            ALU_MOV_K => regs[dst!()] = u64::from(imm!() as u32),
            ALU64_MOV_X => match off!() {
                0 => regs[dst!()] = regs[src!()],
                8 => regs[dst!()] = regs[src!()] as i8 as u64,
                16 => regs[dst!()] = regs[src!()] as i16 as u64,
                32 => regs[dst!()] = regs[src!()] as i32 as u64,
                _ => {}
            },
            ALU64_MOV_K => regs[dst!()] = imm64!(),
            LD_IMM_DW => {
                let hi = if M::CHECKED {
                    code.get(pc + 1).map_or(0, |n| n.imm)
                } else {
                    // SAFETY: the verifier checked that an ld_imm64 has its
                    // second slot (resolve_pseudo_ldimm64).
                    unsafe { code.get_unchecked(pc + 1).imm }
                };
                regs[dst!()] = u64::from(imm!() as u32) | u64::from(hi as u32) << 32;
                pc += 1;
            }
            ALU64_DIV_X => match off!() {
                0 => regs[dst!()] = udiv64(regs[dst!()], regs[src!()]),
                1 => regs[dst!()] = sdiv64(regs[dst!()], regs[src!()]),
                _ => {}
            },
            ALU64_DIV_K => match off!() {
                0 => regs[dst!()] = udiv64(regs[dst!()], imm64!()),
                1 => regs[dst!()] = sdiv64(regs[dst!()], imm64!()),
                _ => {}
            },
            ALU_DIV_X => match off!() {
                0 => regs[dst!()] = udiv32(regs[dst!()], regs[src!()] as u32),
                1 => regs[dst!()] = sdiv32(regs[dst!()], regs[src!()] as u32),
                _ => {}
            },
            ALU_DIV_K => match off!() {
                0 => regs[dst!()] = udiv32(regs[dst!()], imm!() as u32),
                1 => regs[dst!()] = sdiv32(regs[dst!()], imm!() as u32),
                _ => {}
            },
            ALU64_MOD_X => match off!() {
                0 => regs[dst!()] = umod64(regs[dst!()], regs[src!()]),
                1 => regs[dst!()] = smod64(regs[dst!()], regs[src!()]),
                _ => {}
            },
            ALU64_MOD_K => match off!() {
                0 => regs[dst!()] = umod64(regs[dst!()], imm64!()),
                1 => regs[dst!()] = smod64(regs[dst!()], imm64!()),
                _ => {}
            },
            ALU_MOD_X => match off!() {
                0 => regs[dst!()] = umod32(regs[dst!()], regs[src!()] as u32),
                1 => regs[dst!()] = smod32(regs[dst!()], regs[src!()] as u32),
                _ => {}
            },
            ALU_MOD_K => match off!() {
                0 => regs[dst!()] = umod32(regs[dst!()], imm!() as u32),
                1 => regs[dst!()] = smod32(regs[dst!()], imm!() as u32),
                _ => {}
            },
            // Byte order: `cpu_to_be*` swaps on this little-endian machine,
            // `cpu_to_le*` only truncates; ALU64 swaps unconditionally.
            ALU_END_TO_BE => match imm!() {
                16 => regs[dst!()] = u64::from((regs[dst!()] as u16).swap_bytes()),
                32 => regs[dst!()] = u64::from((regs[dst!()] as u32).swap_bytes()),
                64 => regs[dst!()] = regs[dst!()].swap_bytes(),
                _ => {}
            },
            ALU_END_TO_LE => match imm!() {
                16 => regs[dst!()] = u64::from(regs[dst!()] as u16),
                32 => regs[dst!()] = u64::from(regs[dst!()] as u32),
                _ => {}
            },
            ALU64_END_TO_LE => match imm!() {
                16 => regs[dst!()] = u64::from((regs[dst!()] as u16).swap_bytes()),
                32 => regs[dst!()] = u64::from((regs[dst!()] as u32).swap_bytes()),
                64 => regs[dst!()] = regs[dst!()].swap_bytes(),
                _ => {}
            },

            // ---- CALL ----
            JMP_CALL => {
                let rel = match insn.src_reg() {
                    0 => {
                        if !M::CHECKED && matches!(env.helpers, Helpers::Kernel) {
                            // The kernel's JMP_CALL, inline.
                            regs[0] = kernel_helper(imm!())(regs[1], regs[2], regs[3], regs[4], regs[5]);
                        } else {
                            call_helper::<M>(env, regs, imm!(), pc, &mut init)?;
                        }
                        pc += 1;
                        continue;
                    }
                    BPF_PSEUDO_CALL => imm!() as i64,
                    BPF_PSEUDO_KFUNC_CALL => {
                        return Err(env.fault(pc, InterpErrorKind::Unsupported { what: "a kfunc call" }));
                    }
                    _ => {
                        return Err(
                            env.fault(pc, InterpErrorKind::UnknownOpcode { code: insn.code, imm: imm!() })
                        )
                    }
                };
                // An unverified program's call: its callee's stack depth is
                // not known, so it gets the whole 512 bytes.
                let target = jump::<M>(env, pc, rel, len)?;
                enter_call::<M>(env, &mut depth, pc, MAX_BPF_STACK)?;
                push_caller(
                    &mut frames[depth - 1],
                    code,
                    pc,
                    regs,
                    arena_sp,
                    init,
                    tail_call_cnt,
                    may_goto_cnt,
                );
                arena_sp = callee_frame::<M>(env, regs, arena_sp, &mut zeroed_to, MAX_BPF_STACK);
                init = (init & CALLER_SAVED) | 1 << BPF_REG_FP;
                tail_call_cnt = 0;
                env.tail_calls = 0;
                may_goto_cnt = BPF_MAX_LOOPS;
                pc = target;
                continue;
            }
            JMP_CALLX => {
                if !env.callx {
                    return Err(
                        env.fault(pc, InterpErrorKind::UnknownOpcode { code: insn.code, imm: imm!() })
                    );
                }
                call_helper::<M>(env, regs, regs[dst!()] as i32, pc, &mut init)?;
            }
            // 0xe5 is BPF_CALL_ARGS once the verifier rewrote the program
            // (`off` the target, `imm` the callee's stack depth), and
            // `may_goto` (BPF_JCOND) before.
            JMP_CALL_ARGS => {
                if env.set == InsnSet::Xlated {
                    let target = jump::<M>(env, pc, off!() as i64, len)?;
                    let callee_depth = imm!() as u32;
                    enter_call::<M>(env, &mut depth, pc, callee_depth)?;
                    push_caller(
                        &mut frames[depth - 1],
                        code,
                        pc,
                        regs,
                        arena_sp,
                        init,
                        tail_call_cnt,
                        may_goto_cnt,
                    );
                    arena_sp = callee_frame::<M>(env, regs, arena_sp, &mut zeroed_to, callee_depth);
                    init = (init & CALLER_SAVED) | 1 << BPF_REG_FP;
                    tail_call_cnt = 0;
                    env.tail_calls = 0;
                    may_goto_cnt = BPF_MAX_LOOPS;
                    pc = target;
                    continue;
                } else if may_goto_cnt == 0 {
                    pc = jump::<M>(env, pc, off!() as i64, len)?;
                    continue;
                } else {
                    may_goto_cnt -= 1;
                }
            }
            JMP_TAIL_CALL => {
                if let Some(prog) = tail_call::<M>(env, regs, pc, &mut tail_call_cnt)? {
                    env.tail_calls = tail_call_cnt;
                    if M::CHECKED {
                        crate::validate::check_insns(prog.insns(), InsnSet::Xlated, false).map_err(
                            |mut e| {
                                e.frame = depth;
                                e.tail_calls = tail_call_cnt;
                                Box::new(e)
                            },
                        )?;
                        for m in &prog.aux.used_maps {
                            if env.map_by_addr(Arc::as_ptr(m) as u64).is_none() {
                                env.maps.push(m.clone());
                                if env.strict_map_values {
                                    env.add_direct_value(m);
                                }
                            }
                        }
                    }
                    let insns: *const [BpfInsn] = prog.insns();
                    held.push(prog);
                    // SAFETY: `held` keeps the program, and so its
                    // instructions, alive until this function returns, and
                    // a program behind an `Arc` is never modified; `code`
                    // does not outlive this function.
                    code = unsafe { &*insns };
                    len = code.len();
                    pc = 0;
                    // The target starts as a program does: only the context
                    // (r1) and the frame pointer are known to it.
                    init = 1 << 1 | 1 << BPF_REG_FP;
                    may_goto_cnt = BPF_MAX_LOOPS;
                    continue;
                }
            }
            JMP_JA => {
                pc = jump::<M>(env, pc, off!() as i64, len)?;
                continue;
            }
            JMP32_JA => {
                pc = jump::<M>(env, pc, imm!() as i64, len)?;
                continue;
            }
            JMP_EXIT => exit_frame!(),

            // ---- JMP ----
            JMP_JEQ_X => cond_jmp!(regs[dst!()] == regs[src!()]),
            JMP_JEQ_K => cond_jmp!(regs[dst!()] == imm64!()),
            JMP32_JEQ_X => cond_jmp!(regs[dst!()] as u32 == regs[src!()] as u32),
            JMP32_JEQ_K => cond_jmp!(regs[dst!()] as u32 == imm!() as u32),
            JMP_JNE_X => cond_jmp!(regs[dst!()] != regs[src!()]),
            JMP_JNE_K => cond_jmp!(regs[dst!()] != imm64!()),
            JMP32_JNE_X => cond_jmp!(regs[dst!()] as u32 != regs[src!()] as u32),
            JMP32_JNE_K => cond_jmp!(regs[dst!()] as u32 != imm!() as u32),
            JMP_JGT_X => cond_jmp!(regs[dst!()] > regs[src!()]),
            JMP_JGT_K => cond_jmp!(regs[dst!()] > imm64!()),
            JMP32_JGT_X => cond_jmp!(regs[dst!()] as u32 > regs[src!()] as u32),
            JMP32_JGT_K => cond_jmp!(regs[dst!()] as u32 > imm!() as u32),
            JMP_JLT_X => cond_jmp!(regs[dst!()] < regs[src!()]),
            JMP_JLT_K => cond_jmp!(regs[dst!()] < imm64!()),
            JMP32_JLT_X => cond_jmp!((regs[dst!()] as u32) < regs[src!()] as u32),
            JMP32_JLT_K => cond_jmp!((regs[dst!()] as u32) < imm!() as u32),
            JMP_JGE_X => cond_jmp!(regs[dst!()] >= regs[src!()]),
            JMP_JGE_K => cond_jmp!(regs[dst!()] >= imm64!()),
            JMP32_JGE_X => cond_jmp!(regs[dst!()] as u32 >= regs[src!()] as u32),
            JMP32_JGE_K => cond_jmp!(regs[dst!()] as u32 >= imm!() as u32),
            JMP_JLE_X => cond_jmp!(regs[dst!()] <= regs[src!()]),
            JMP_JLE_K => cond_jmp!(regs[dst!()] <= imm64!()),
            JMP32_JLE_X => cond_jmp!(regs[dst!()] as u32 <= regs[src!()] as u32),
            JMP32_JLE_K => cond_jmp!(regs[dst!()] as u32 <= imm!() as u32),
            JMP_JSET_X => cond_jmp!(regs[dst!()] & regs[src!()] != 0),
            JMP_JSET_K => cond_jmp!(regs[dst!()] & imm64!() != 0),
            JMP32_JSET_X => cond_jmp!(regs[dst!()] as u32 & regs[src!()] as u32 != 0),
            JMP32_JSET_K => cond_jmp!(regs[dst!()] as u32 & imm!() as u32 != 0),
            JMP_JSGT_X => cond_jmp!(regs[dst!()] as i64 > regs[src!()] as i64),
            JMP_JSGT_K => cond_jmp!(regs[dst!()] as i64 > imm!() as i64),
            JMP32_JSGT_X => cond_jmp!(regs[dst!()] as i32 > regs[src!()] as i32),
            JMP32_JSGT_K => cond_jmp!(regs[dst!()] as i32 > imm!()),
            JMP_JSLT_X => cond_jmp!((regs[dst!()] as i64) < regs[src!()] as i64),
            JMP_JSLT_K => cond_jmp!((regs[dst!()] as i64) < imm!() as i64),
            JMP32_JSLT_X => cond_jmp!((regs[dst!()] as i32) < regs[src!()] as i32),
            JMP32_JSLT_K => cond_jmp!((regs[dst!()] as i32) < imm!()),
            JMP_JSGE_X => cond_jmp!(regs[dst!()] as i64 >= regs[src!()] as i64),
            JMP_JSGE_K => cond_jmp!(regs[dst!()] as i64 >= imm!() as i64),
            JMP32_JSGE_X => cond_jmp!(regs[dst!()] as i32 >= regs[src!()] as i32),
            JMP32_JSGE_K => cond_jmp!(regs[dst!()] as i32 >= imm!()),
            JMP_JSLE_X => cond_jmp!(regs[dst!()] as i64 <= regs[src!()] as i64),
            JMP_JSLE_K => cond_jmp!(regs[dst!()] as i64 <= imm!() as i64),
            JMP32_JSLE_X => cond_jmp!(regs[dst!()] as i32 <= regs[src!()] as i32),
            JMP32_JSLE_K => cond_jmp!(regs[dst!()] as i32 <= imm!()),

            // ---- ST, STX and LDX ----
            // Speculation barrier: nothing to do without speculation to fence.
            ST_NOSPEC => {}
            STX_MEM_B => {
                store::<M, u8>(env, pc, regs[dst!()].wrapping_add(off!() as u64), regs[src!()] as u8)?
            }
            STX_MEM_H => {
                store::<M, u16>(env, pc, regs[dst!()].wrapping_add(off!() as u64), regs[src!()] as u16)?
            }
            STX_MEM_W => {
                store::<M, u32>(env, pc, regs[dst!()].wrapping_add(off!() as u64), regs[src!()] as u32)?
            }
            STX_MEM_DW => store::<M, u64>(env, pc, regs[dst!()].wrapping_add(off!() as u64), regs[src!()])?,
            ST_MEM_B => store::<M, u8>(env, pc, regs[dst!()].wrapping_add(off!() as u64), imm!() as u8)?,
            ST_MEM_H => store::<M, u16>(env, pc, regs[dst!()].wrapping_add(off!() as u64), imm!() as u16)?,
            ST_MEM_W => store::<M, u32>(env, pc, regs[dst!()].wrapping_add(off!() as u64), imm!() as u32)?,
            ST_MEM_DW => store::<M, u64>(env, pc, regs[dst!()].wrapping_add(off!() as u64), imm64!())?,
            LDX_MEM_B => {
                regs[dst!()] = u64::from(load::<M, u8>(env, pc, regs[src!()].wrapping_add(off!() as u64))?)
            }
            LDX_MEM_H => {
                regs[dst!()] = u64::from(load::<M, u16>(env, pc, regs[src!()].wrapping_add(off!() as u64))?)
            }
            LDX_MEM_W => {
                regs[dst!()] = u64::from(load::<M, u32>(env, pc, regs[src!()].wrapping_add(off!() as u64))?)
            }
            LDX_MEM_DW => regs[dst!()] = load::<M, u64>(env, pc, regs[src!()].wrapping_add(off!() as u64))?,
            LDX_MEMSX_B => {
                regs[dst!()] = load::<M, i8>(env, pc, regs[src!()].wrapping_add(off!() as u64))? as u64
            }
            LDX_MEMSX_H => {
                regs[dst!()] = load::<M, i16>(env, pc, regs[src!()].wrapping_add(off!() as u64))? as u64
            }
            LDX_MEMSX_W => {
                regs[dst!()] = load::<M, i32>(env, pc, regs[src!()].wrapping_add(off!() as u64))? as u64
            }
            LDX_PROBE_MEM_B | LDX_PROBE_MEM_H | LDX_PROBE_MEM_W | LDX_PROBE_MEM_DW | LDX_PROBE_MEMSX_B
            | LDX_PROBE_MEMSX_H | LDX_PROBE_MEMSX_W => {
                regs[dst!()] = probe_load::<M>(env, insn.code, regs[src!()].wrapping_add(off!() as u64));
            }
            STX_ATOMIC_B | STX_ATOMIC_H | STX_ATOMIC_W | STX_ATOMIC_DW => atomic::<M>(env, regs, &insn, pc)?,

            // ---- legacy packet access (rewritten by the verifier) ----
            LD_ABS_B | LD_ABS_H | LD_ABS_W | LD_IND_B | LD_IND_H | LD_IND_W => {
                let mut offset = imm64!();
                if bpf_mode(insn.code) == BPF_IND {
                    offset = regs[src!()].wrapping_add(offset);
                }
                let size = bpf_size_to_bytes(bpf_size(insn.code));
                let loaded = ld_abs::<M>(env, pc, regs[6], size, offset as u32 as i32)?;
                // The rewrite passes r1 = ctx, r2 = offset to the load
                // helper; r1..r5 are clobbered as by any call.
                regs[1] = regs[6];
                regs[2] = offset;
                init = (init & !CALLER_SAVED) | 1;
                match loaded {
                    Some(v) => regs[0] = v,
                    // Out of the packet: `w0 ^= w0; exit`.
                    // Out of the packet: the rewrite's `w0 ^= w0; exit`,
                    // which leaves the current function.
                    None => {
                        regs[0] = 0;
                        exit_frame!()
                    }
                }
            }

            // The kernel's `default_label`.
            code => return Err(env.fault(pc, InterpErrorKind::UnknownOpcode { code, imm: imm!() })),
        }
        pc += 1;
    }
}

/// `JMP_CALL` to a helper: `BPF_R0 = (__bpf_call_base + imm)(r1..r5)`, or
/// the helper with id `imm` for unverified programs.
fn call_helper<M: Mode>(
    env: &mut Env<'_>,
    regs: &mut [u64; 16],
    imm: i32,
    pc: usize,
    init: &mut u16,
) -> Result<(), Fault> {
    let args = [regs[1], regs[2], regs[3], regs[4], regs[5]];
    let (func, desc): (BpfHelperFn, Option<&HelperDesc>) = match &env.helpers {
        Helpers::Kernel => (kernel_helper(imm), None),
        Helpers::Calls(HelperCalls::CallImm(list)) => match list.iter().find(|h| h.call_imm() == Some(imm)) {
            Some(h) => (h.func, Some(h)),
            None if !M::CHECKED => (kernel_helper(imm), None),
            None => return Err(env.fault(pc, InterpErrorKind::UnknownHelper { imm })),
        },
        Helpers::Calls(HelperCalls::ById(list)) => match list.iter().find(|h| h.id as i64 == imm as i64) {
            Some(h) => (h.func, Some(h)),
            None => return Err(env.fault(pc, InterpErrorKind::UnknownHelper { imm })),
        },
        Helpers::Calls(HelperCalls::None) => {
            return Err(env.fault(pc, InterpErrorKind::UnknownHelper { imm }))
        }
    };
    if M::CHECKED {
        if let Some(desc) = desc {
            check_helper_args(env, regs, desc, pc, *init)?;
        }
    }
    regs[0] = func(args[0], args[1], args[2], args[3], args[4]);
    if M::CHECKED && env.strict_map_values && regs[0] != 0 {
        if let Some(desc) = desc.filter(|d| d.ret == HelperRet::MapValueOrNull) {
            // The value belongs to the map the helper was given.
            let map =
                desc.args.iter().position(|a| *a == HelperArg::MapPtr).and_then(|i| env.map_by_addr(args[i]));
            if let Some(map) = map.cloned() {
                env.add_map_value(&map, regs[0]);
            }
        }
    }
    if M::CHECKED && env.strict_map_values && regs[0] != 0 {
        if let Some(desc) = desc.filter(|d| d.ret == HelperRet::MapElemOrNull) {
            // The value inside the element belongs to the map in r1.
            let map =
                desc.args.iter().position(|a| *a == HelperArg::MapPtr).and_then(|i| env.map_by_addr(args[i]));
            if let Some(map) = map.cloned() {
                if let Some(off) = map.ops.map_gen_lookup_value_off() {
                    env.add_map_value(&map, regs[0].wrapping_add(u64::from(off)));
                }
            }
        }
    }
    if M::CHECKED {
        if let Some(HelperRet::MemOrNull { size, writable }) = desc.map(|d| d.ret) {
            if regs[0] != 0 {
                let name = format!("memory returned by {}", desc.map_or("a helper", |d| d.name));
                env.regions.push(MemRegion { name, start: regs[0], len: u64::from(size), writable });
            }
        }
        *init = (*init & !CALLER_SAVED) | 1;
    }
    Ok(())
}

/// `__bpf_call_base + imm` as a helper.
#[inline]
fn kernel_helper(imm: i32) -> BpfHelperFn {
    let addr = bpf_call_target_addr(imm);
    // SAFETY: only verified programs reach here (the fast mode trusts the
    // verifier), and do_misc_fixups wrote `imm = BPF_CALL_IMM(helper)`, so
    // `__bpf_call_base + imm` is the entry of a function with the
    // `BpfHelperFn` signature.
    unsafe { std::mem::transmute::<usize, BpfHelperFn>(addr) }
}

/// The checked mode's version of `check_func_arg`: each argument the
/// helper uses is initialised and points where its contract says.
fn check_helper_args(
    env: &Env<'_>,
    regs: &[u64; 16],
    desc: &HelperDesc,
    pc: usize,
    init: u16,
) -> Result<(), Fault> {
    let bad = |arg: usize, reason: String| {
        env.fault(
            pc,
            InterpErrorKind::BadHelperArg { helper: desc.name, arg: arg as u8, value: regs[arg], reason },
        )
    };
    let map_of = |arg: u8| -> Result<&Arc<BpfMap>, Fault> {
        let r = usize::from(arg.clamp(1, 5));
        env.map_by_addr(regs[r]).ok_or_else(|| bad(r, "is not a map of this run".into()))
    };
    for (k, arg) in desc.args.iter().enumerate() {
        let r = k + 1;
        if *arg == HelperArg::Unused {
            continue;
        }
        if env.check_uninit && init & (1 << r) == 0 {
            return Err(env.fault(pc, InterpErrorKind::UninitRegister { reg: r as u8 }));
        }
        let mem = |size: u64, access: Access| {
            if size == 0 {
                return Ok(());
            }
            env.check_mem(regs[r], size, access).map_err(|f| bad(r, format!("({size} bytes, {access}): {f}")))
        };
        match *arg {
            HelperArg::Unused | HelperArg::Anything => {}
            HelperArg::Ctx => {
                if env.ctx != Some(regs[r]) {
                    return Err(bad(r, "is not the context".into()));
                }
            }
            HelperArg::MapPtr => {
                map_of(r as u8)?;
            }
            HelperArg::MapKey { map_arg } => mem(u64::from(map_of(map_arg)?.key_size), Access::Read)?,
            HelperArg::MapValue { map_arg, write } => {
                mem(u64::from(map_of(map_arg)?.value_size), if write { Access::Write } else { Access::Read })?
            }
            HelperArg::Mem { size_arg, write } => {
                let size = regs[usize::from(size_arg.clamp(1, 5))];
                mem(size, if write { Access::Write } else { Access::Read })?
            }
            HelperArg::FixedMem { size, write } => {
                mem(u64::from(size), if write { Access::Write } else { Access::Read })?
            }
        }
    }
    Ok(())
}

/// The checks of a bpf-to-bpf call before its frame is made: the call
/// depth (the verifier bounds the chain in `check_max_stack_depth`; both
/// modes enforce it, so a bad program cannot overrun the frame array) and
/// the callee's stack depth. Counts the new frame.
fn enter_call<M: Mode>(
    env: &mut Env<'_>,
    depth: &mut usize,
    pc: usize,
    callee_depth: u32,
) -> Result<(), Fault> {
    if *depth + 1 >= MAX_CALL_FRAMES {
        return Err(env.fault(pc, InterpErrorKind::CallDepth { depth: *depth + 2 }));
    }
    if callee_depth > MAX_BPF_STACK {
        return Err(
            env.fault(pc, InterpErrorKind::Unsupported { what: "a callee stack deeper than 512 bytes" })
        );
    }
    *depth += 1;
    env.live = *depth + 1;
    Ok(())
}

/// Saves the caller's state in its frame slot.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn push_caller(
    slot: &mut MaybeUninit<CallFrame>,
    code: &[BpfInsn],
    pc: usize,
    regs: &[u64; 16],
    arena_sp: u64,
    init: u16,
    tail_call_cnt: u32,
    may_goto_cnt: u32,
) {
    let mut saved = [0u64; 10];
    for (k, r) in saved.iter_mut().enumerate() {
        // One 8-byte load per register: the registers were just written by
        // 8-byte stores, and a wider load would wait for them to reach the
        // cache instead of forwarding (a store-forwarding stall).
        // SAFETY: `k + 1` is in 1..=10, inside `regs`.
        *r = unsafe { ptr::read_volatile(regs.as_ptr().add(k + 1)) };
    }
    slot.write(CallFrame { code, ret_pc: pc, regs: saved, arena_sp, init, tail_call_cnt, may_goto_cnt });
}

/// Makes the callee's stack, `round_up(max(depth, 1), 32)` bytes just
/// below `arena_sp`, points r10 at its top, and returns where the next
/// callee frame would start. `zeroed_to` is the lowest arena address
/// initialised so far: a frame reaching below it gets the difference
/// zeroed (Rust may not read uninitialised memory; the kernel's stack just
/// holds old contents).
#[inline(always)]
fn callee_frame<M: Mode>(
    env: &mut Env<'_>,
    regs: &mut [u64; 16],
    arena_sp: u64,
    zeroed_to: &mut u64,
    callee_depth: u32,
) -> u64 {
    let size = u64::from(callee_depth.max(1).div_ceil(32) * 32);
    let lo = arena_sp - size;
    if lo < *zeroed_to {
        // SAFETY: `enter_call` allows at most MAX_CALL_FRAMES - 1 callee
        // frames of at most 512 bytes each, which is what `Arena` holds
        // below `arena_top`; `[lo, zeroed_to)` is inside it, below every
        // live frame.
        unsafe { ptr::write_bytes(lo as usize as *mut u8, 0, (*zeroed_to - lo) as usize) };
        *zeroed_to = lo;
    }
    regs[BPF_REG_FP as usize] = arena_sp;
    if M::CHECKED {
        env.stacks.push((arena_sp - u64::from(callee_depth), arena_sp));
    }
    lo
}

/// `JMP_TAIL_CALL`: r2 is the prog array, r3 the index. Returns the target
/// when the call is taken; falls through (returns `None`) when the index is
/// out of range, `MAX_TAIL_CALL_CNT` is reached or the slot is empty.
fn tail_call<M: Mode>(
    env: &Env<'_>,
    regs: &[u64; 16],
    pc: usize,
    tail_call_cnt: &mut u32,
) -> Result<Option<Arc<BpfProg>>, Fault> {
    let index = regs[3] as u32;
    let map: &BpfMap = if M::CHECKED {
        match env.map_by_addr(regs[2]) {
            Some(m) => m,
            None => return Err(env.fault(pc, InterpErrorKind::BadTailCallMap { value: regs[2] })),
        }
    } else {
        // SAFETY: the verifier proved r2 is a map pointer of the program's
        // used_maps (ARG_CONST_MAP_PTR of bpf_tail_call_proto), and
        // used_maps keeps the map alive while the program runs.
        unsafe { &*(regs[2] as usize as *const BpfMap) }
    };
    if index >= map.max_entries || *tail_call_cnt >= MAX_TAIL_CALL_CNT {
        return Ok(None);
    }
    *tail_call_cnt += 1;
    Ok(map.ops.tail_call_prog(index))
}

/// `LDX_PROBE_MEM*`: `bpf_probe_read_kernel_common()`, a load that yields
/// 0 instead of faulting. The checked mode reads only inside the run's
/// regions; the fast mode treats the first page as the unmapped NULL page
/// and trusts the rest (it cannot catch a fault as the kernel does).
fn probe_load<M: Mode>(env: &Env<'_>, code: u8, addr: u64) -> u64 {
    let size = u64::from(bpf_size_to_bytes(bpf_size(code)));
    let readable = if M::CHECKED {
        env.check_mem(addr, size, Access::Read).is_ok()
    } else {
        addr >= bpf_core::prog::PAGE_SIZE as u64
    };
    if !readable {
        return 0;
    }
    let sx = bpf_mode(code) == BPF_PROBE_MEMSX;
    // SAFETY: checked mode: `check_mem` found the range inside the run's
    // memory; fast mode: the verifier marks these loads as PTR_TO_BTF_ID
    // accesses of kernel objects that the program was given.
    unsafe {
        let p = addr as usize;
        match (size, sx) {
            (1, false) => u64::from(ptr::read_unaligned(p as *const u8)),
            (2, false) => u64::from(ptr::read_unaligned(p as *const u16)),
            (4, false) => u64::from(ptr::read_unaligned(p as *const u32)),
            (1, true) => ptr::read_unaligned(p as *const i8) as u64,
            (2, true) => ptr::read_unaligned(p as *const i16) as u64,
            (4, true) => ptr::read_unaligned(p as *const i32) as u64,
            _ => ptr::read_unaligned(p as *const u64),
        }
    }
}

/// `STX_ATOMIC_*`: the read-modify-write operations (W and DW only), and
/// load-acquire / store-release (every size).
fn atomic<M: Mode>(env: &Env<'_>, regs: &mut [u64; 16], insn: &BpfInsn, pc: usize) -> Result<(), Fault> {
    let dst = insn.dst_reg() as usize;
    let src = insn.src_reg() as usize;
    let size = bpf_size_to_bytes(bpf_size(insn.code));
    let unknown = || env.fault(pc, InterpErrorKind::UnknownOpcode { code: insn.code, imm: insn.imm });
    match insn.imm {
        BPF_LOAD_ACQ => {
            let addr = regs[src].wrapping_add(insn.off as u64);
            regs[dst] = atomic_access::<M>(env, pc, addr, size, Access::Read, |p| {
                // SAFETY: `atomic_access` hands out only aligned pointers to
                // memory valid for `size` bytes.
                unsafe {
                    match size {
                        1 => u64::from(AtomicU8::from_ptr(p.cast()).load(SeqCst)),
                        2 => u64::from(AtomicU16::from_ptr(p.cast()).load(SeqCst)),
                        4 => u64::from(AtomicU32::from_ptr(p.cast()).load(SeqCst)),
                        _ => AtomicU64::from_ptr(p.cast()).load(SeqCst),
                    }
                }
            })?;
            Ok(())
        }
        BPF_STORE_REL => {
            let addr = regs[dst].wrapping_add(insn.off as u64);
            let v = regs[src];
            atomic_access::<M>(env, pc, addr, size, Access::Write, |p| {
                // SAFETY: as above.
                unsafe {
                    match size {
                        1 => AtomicU8::from_ptr(p.cast()).store(v as u8, SeqCst),
                        2 => AtomicU16::from_ptr(p.cast()).store(v as u16, SeqCst),
                        4 => AtomicU32::from_ptr(p.cast()).store(v as u32, SeqCst),
                        _ => AtomicU64::from_ptr(p.cast()).store(v, SeqCst),
                    }
                }
                0
            })?;
            Ok(())
        }
        imm => {
            let op = imm & !BPF_FETCH;
            let fetch = imm & BPF_FETCH != 0;
            let known = matches!(op as u8, BPF_ADD | BPF_AND | BPF_OR | BPF_XOR) && op & !0xf0 == 0
                || imm == BPF_XCHG
                || imm == BPF_CMPXCHG;
            if !known || !(size == 4 || size == 8) {
                return Err(unknown());
            }
            let addr = regs[dst].wrapping_add(insn.off as u64);
            let v = regs[src];
            let r0 = regs[0];
            let old = atomic_access::<M>(env, pc, addr, size, Access::Write, |p| {
                // SAFETY: `atomic_access` hands out only aligned pointers to
                // memory valid and writable for `size` bytes.
                unsafe {
                    if size == 4 {
                        let a = AtomicU32::from_ptr(p.cast());
                        let v = v as u32;
                        u64::from(match imm {
                            BPF_XCHG => a.swap(v, SeqCst),
                            BPF_CMPXCHG => {
                                a.compare_exchange(r0 as u32, v, SeqCst, SeqCst).unwrap_or_else(|x| x)
                            }
                            _ => match op as u8 {
                                BPF_ADD => a.fetch_add(v, SeqCst),
                                BPF_AND => a.fetch_and(v, SeqCst),
                                BPF_OR => a.fetch_or(v, SeqCst),
                                _ => a.fetch_xor(v, SeqCst),
                            },
                        })
                    } else {
                        let a = AtomicU64::from_ptr(p.cast());
                        match imm {
                            BPF_XCHG => a.swap(v, SeqCst),
                            BPF_CMPXCHG => a.compare_exchange(r0, v, SeqCst, SeqCst).unwrap_or_else(|x| x),
                            _ => match op as u8 {
                                BPF_ADD => a.fetch_add(v, SeqCst),
                                BPF_AND => a.fetch_and(v, SeqCst),
                                BPF_OR => a.fetch_or(v, SeqCst),
                                _ => a.fetch_xor(v, SeqCst),
                            },
                        }
                    }
                }
            })?;
            if imm == BPF_CMPXCHG {
                regs[0] = old;
            } else if fetch {
                regs[src] = old;
            }
            Ok(())
        }
    }
}

/// Runs `f` on `addr` as an aligned atomic location of `size` bytes.
/// Checked mode: the range must be accessible and aligned. Fast mode: a
/// misaligned address (which the verifier refuses for atomics) is handled
/// without atomicity instead of being undefined behaviour.
fn atomic_access<M: Mode>(
    env: &Env<'_>,
    pc: usize,
    addr: u64,
    size: u32,
    access: Access,
    f: impl FnOnce(*mut u8) -> u64,
) -> Result<u64, Fault> {
    let size64 = u64::from(size);
    if M::CHECKED {
        env.check(pc, addr, size64, access)?;
        if addr % size64 != 0 {
            let fault = AccessFault::Misaligned;
            return Err(env.fault(pc, InterpErrorKind::BadAccess { addr, size: size64, access, fault }));
        }
        return Ok(f(addr as usize as *mut u8));
    }
    if addr % size64 == 0 {
        return Ok(f(addr as usize as *mut u8));
    }
    // Misaligned in fast mode: do the same operation on an aligned copy.
    let mut tmp = [0u64; 1];
    let p = addr as usize as *mut u8;
    let t = tmp.as_mut_ptr().cast::<u8>();
    // SAFETY: the verifier proved `[addr, addr + size)` valid (fast mode
    // trusts it); `tmp` holds 8 bytes, at least `size`.
    unsafe { ptr::copy_nonoverlapping(p, t, size as usize) };
    let old = f(t);
    // SAFETY: as above; writing back what the operation left in `tmp`.
    unsafe { ptr::copy_nonoverlapping(t, p, size as usize) };
    Ok(old)
}

/// `SKF_NET_OFF`: negative `LD_ABS` offsets from here are relative to the
/// network header.
const SKF_NET_OFF: i32 = -0x10_0000;
/// `SKF_LL_OFF`: negative offsets from here are relative to the MAC header.
const SKF_LL_OFF: i32 = -0x20_0000;

/// Mirrors `net/core/filter.c:bpf_skb_load_helper_convert_offset()`.
fn bpf_skb_load_helper_convert_offset(skb: &SkBuff, offset: i32) -> Option<i64> {
    let data_off = skb.data.wrapping_sub(skb.head) as i64;
    if offset >= 0 {
        return Some(offset.into());
    }
    if offset >= SKF_NET_OFF {
        // skb_network_offset(skb) = network header - data.
        return Some(i64::from(offset - SKF_NET_OFF) + i64::from(skb.network_header) - data_off);
    }
    // skb_mac_header_was_set(skb): mac_header != (u16)~0U.
    if offset >= SKF_LL_OFF && skb.mac_header != u16::MAX {
        return Some(i64::from(offset - SKF_LL_OFF) + i64::from(skb.mac_header) - data_off);
    }
    None
}

/// `LD_ABS` / `LD_IND` as `bpf_gen_ld_abs()` rewrites them: a call of
/// `bpf_skb_load_helper_{8,16,32}_no_cache(skb = r6, offset)`. The value is
/// read in network byte order; `None` when the bytes are not in the packet
/// (the rewritten program then returns 0). The packet is linear here, so
/// `skb_copy_bits` has nothing beyond the head to copy from.
fn ld_abs<M: Mode>(
    env: &Env<'_>,
    pc: usize,
    skb_addr: u64,
    size: u32,
    offset: i32,
) -> Result<Option<u64>, Fault> {
    if M::CHECKED && env.skb != Some(skb_addr) {
        return Err(env.fault(pc, InterpErrorKind::LdAbsWithoutSkb { r6: skb_addr }));
    }
    // SAFETY: checked mode: r6 is the run's `SkBuff`, borrowed by the
    // config; fast mode: the verifier proved r6 is the context
    // (check_ld_abs), a `SkBuff` for the program types that allow LD_ABS.
    let skb: SkBuff = unsafe { ptr::read_unaligned(skb_addr as usize as *const SkBuff) };
    let Some(off) = bpf_skb_load_helper_convert_offset(&skb, offset) else {
        return Ok(None);
    };
    let headlen = i64::from(skb.len) - i64::from(skb.data_len);
    if headlen - off < i64::from(size) {
        return Ok(None);
    }
    let addr = skb.data.wrapping_add(off as u64);
    let v = match size {
        1 => u64::from(load::<M, u8>(env, pc, addr)?),
        2 => u64::from(u16::from_be(load::<M, u16>(env, pc, addr)?)),
        _ => u64::from(u32::from_be(load::<M, u32>(env, pc, addr)?)),
    };
    Ok(Some(v))
}

/// Runs `code` from insn 0 in a main frame of `depth` stack bytes.
pub(crate) fn run_main<M: Mode>(
    env: &mut Env<'_>,
    args: [u64; 5],
    code: &[BpfInsn],
    depth: u32,
) -> Result<u64, Fault> {
    let Some(idx) = stack_index(depth) else {
        return Err(env.fault(0, InterpErrorKind::Unsupported { what: "a stack deeper than 512 bytes" }));
    };
    M::MAIN[idx](env, args, code, depth)
}

/// Mirrors `kernel/bpf/core.c:__bpf_prog_run<STACK>()`: the kernel-shaped
/// entry, `prog->bpf_func(ctx, insn)`, with r1 = ctx. Runs in the fast mode:
/// the program must have been verified and rewritten.
pub(crate) fn __bpf_prog_run<const STACK: usize>(ctx: *const std::ffi::c_void, prog: &BpfProg) -> u64 {
    let mut env = Env::kernel();
    // An unknown opcode is the kernel's `default_label`: BUG_ON, return 0.
    frame::<Fast, STACK>(&mut env, [ctx as u64, 0, 0, 0, 0], prog.insns(), STACK as u32).unwrap_or(0)
}

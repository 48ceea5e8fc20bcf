//! # bpf-interp
//!
//! Mirrors the interpreter of `kernel/bpf/core.c` of Linux v6.18:
//! `___bpf_prog_run`, the `interpreters[]` table chosen by stack depth,
//! bpf-to-bpf calls (`BPF_CALL_ARGS`, after [`bpf_patch_call_args`]), tail
//! calls through a prog array (`MAX_TAIL_CALL_CNT`), and exit.
//!
//! One difference of shape: the kernel runs a bpf-to-bpf call by recursing
//! into `interpreters_args[]`, a new C frame with its own registers and
//! stack. Here the loop saves the caller's r1..r10 in a frame array and
//! gives the callee a stack of its rounded-up depth carved from an arena
//! of the main frame: the same semantics, bounded by `MAX_CALL_FRAMES`
//! without native recursion, and cheaper.
//!
//! Two memory modes share one instruction loop:
//!
//! - **Fast** ([`INTERPRETERS`], [`run_fast`]): trusts the verifier as the
//!   kernel does. Loads and stores are raw pointer accesses; jump targets,
//!   helper immediates and map pointers are taken as given. Only for
//!   verified programs (or programs known to be well-formed).
//! - **Checked** ([`run_checked`]): validates every instruction before the
//!   run ([`validate::check_insns`]) and every load, store, atomic, jump,
//!   call, tail call and register read during it, against the regions of
//!   a [`RunConfig`]: the stack frames, the context, the packet, map values,
//!   test memory and memory helpers returned. It stops with an
//!   [`InterpError`] naming the instruction, the address, the size and the
//!   reason. It runs unverified programs (the conformance suite) and
//!   catches verifier soundness bugs in verified ones.
//!
//! ```
//! use bpf_interp::{run_checked, RunConfig};
//! use bpf_core::uapi::*;
//!
//! // r0 = 0; r0 += *(u8 *)(r1 + 8)  -- one byte past the 8-byte memory
//! let prog = [BpfInsn::mov64_imm(0, 0), BpfInsn::ldx_mem(BPF_B, 2, 1, 8), BpfInsn::exit()];
//! let mut mem = [0u8; 8];
//! let err = run_checked(&prog, &RunConfig::new().with_mem(&mut mem)).unwrap_err();
//! assert_eq!(err.insn, 1);
//! assert!(err.to_string().contains("invalid read of 1 bytes"));
//! ```
//!
//! Division and modulo by zero, and shifts by the width or more, give the
//! RFC 9669 results in both modes (the kernel relies on the verifier's
//! rewrites and bounds for them).
//!
//! What the interpreter runs beyond the kernel's jump table, because
//! unverified programs contain it: `LD_ABS`/`LD_IND` (which the verifier
//! rewrites into calls of `bpf_skb_load_helper_*`; here they read the
//! [`bpf_core::ctx::SkBuff`] in r6, with `SKF_NET_OFF`/`SKF_LL_OFF`
//! offsets), raw `BPF_PSEUDO_CALL` calls (a 512-byte callee frame), helper
//! calls by id, `may_goto` (`0xe5` in uapi programs), and the conformance
//! suite's `call %rN`.

#![warn(missing_docs)]

mod config;
mod error;
mod helpers;
mod interp;
pub mod opcodes;
pub mod validate;

pub use config::{InsnSet, MemRegion, RunConfig, DEFAULT_INSN_LIMIT};
pub use error::{Access, AccessFault, InterpError, InterpErrorKind};
pub use helpers::{HelperArg, HelperCalls, HelperDesc, HelperRet};
pub use interp::stack_index;

use bpf_core::prog::{BpfFunc, BpfProg, InterpFn};
use bpf_core::uapi::{BpfInsn, BPF_CALL_ARGS, BPF_JMP};
use interp::{Checked, Env, Fast, Helpers};
use std::ffi::c_void;

/// Mirrors `kernel/bpf/core.c:interpreters[]` (v6.18).
///
/// `___bpf_prog_run` specialised for a stack of 32, 64, ... 512 bytes;
/// `bpf_prog_select_func` picks entry `round_up(max(stack_depth, 1), 32) /
/// 32 - 1` (see [`interpreter_for_stack_depth`]). Each runs `prog` in the
/// fast mode with r1 = `ctx`, and returns r0. Only verified, rewritten
/// programs: helper calls go to `__bpf_call_base + imm`, tail calls through
/// the map pointer in r2. An opcode without a handler (the kernel's
/// `BUG_ON`) returns 0.
pub static INTERPRETERS: [InterpFn; 16] = [
    interp::__bpf_prog_run::<32>,
    interp::__bpf_prog_run::<64>,
    interp::__bpf_prog_run::<96>,
    interp::__bpf_prog_run::<128>,
    interp::__bpf_prog_run::<160>,
    interp::__bpf_prog_run::<192>,
    interp::__bpf_prog_run::<224>,
    interp::__bpf_prog_run::<256>,
    interp::__bpf_prog_run::<288>,
    interp::__bpf_prog_run::<320>,
    interp::__bpf_prog_run::<352>,
    interp::__bpf_prog_run::<384>,
    interp::__bpf_prog_run::<416>,
    interp::__bpf_prog_run::<448>,
    interp::__bpf_prog_run::<480>,
    interp::__bpf_prog_run::<512>,
];

/// Mirrors `kernel/bpf/core.c:__bpf_prog_ret0_warn()` (v6.18).
///
/// What `bpf_func` is when no interpreter fits (a stack deeper than 512
/// bytes, which `may_goto` can cause) and the JIT did not take the
/// program: it returns 0. The kernel also warns once; a warning needs a
/// global flag, which this workspace does not keep.
pub fn __bpf_prog_ret0_warn(_ctx: *const c_void, _prog: &BpfProg) -> u64 {
    0
}

/// The interpreter half of `kernel/bpf/core.c:bpf_prog_select_interpreter()`
/// (v6.18): `interpreters[round_up(max(depth, 1), 32) / 32 - 1]` as a
/// [`BpfFunc::Interpreter`], or [`BpfFunc::Ret0Warn`] when the depth needs
/// more than 512 bytes.
pub fn interpreter_for_stack_depth(stack_depth: u32) -> BpfFunc {
    match stack_index(stack_depth) {
        Some(idx) => BpfFunc::Interpreter { run: INTERPRETERS[idx], stack_size: (idx as u32 + 1) * 32 },
        None => BpfFunc::Ret0Warn,
    }
}

/// Mirrors `kernel/bpf/core.c:bpf_patch_call_args()` (v6.18).
///
/// Turns a bpf-to-bpf call (`BPF_PSEUDO_CALL`, `imm` = relative target)
/// into the interpreter's `BPF_JMP | BPF_CALL_ARGS`, as `fixup_call_args`
/// does when the program is not JITed. The kernel stores the address of
/// `interpreters_args[idx]` in `imm`; by this workspace's convention `imm`
/// keeps the callee's stack depth and the interpreter picks the frame from
/// it. The target moves to `off`.
pub fn bpf_patch_call_args(insn: &mut BpfInsn, stack_depth: u32) {
    insn.off = insn.imm as i16;
    insn.imm = stack_depth.max(1) as i32;
    insn.code = BPF_JMP | BPF_CALL_ARGS;
}

/// What a checked run measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunStats {
    /// r0 at exit.
    pub r0: u64,
    /// Instructions executed (all frames and tail calls).
    pub insns: u64,
}

fn env_for<'c>(cfg: &'c RunConfig<'_>) -> Env<'c> {
    let mut env = Env::kernel();
    env.helpers = Helpers::Calls(cfg.helpers);
    env.set = cfg.insn_set;
    env.callx = matches!(cfg.helpers, HelperCalls::ById(_)) && cfg.insn_set == InsnSet::Uapi;
    env.regions = cfg.regions.clone();
    env.maps = cfg.maps.clone();
    env.ctx = cfg.ctx;
    env.skb = cfg.skb;
    env.budget = cfg.insn_limit;
    env.limit = cfg.insn_limit;
    env.check_uninit = cfg.check_uninit_regs;
    env.strict_map_values = cfg.strict_map_values;
    if env.strict_map_values {
        for m in &cfg.maps {
            env.add_direct_value(m);
        }
    }
    env
}

/// Runs `insns` in the checked mode and returns r0.
///
/// First the static checks of [`validate::check_insns`] (unknown opcodes,
/// reserved fields, bad registers, jumps out of range, a last instruction
/// that is not an exit); then the run, which stops at the first access
/// outside the config's regions, jump out of the program, call deeper than
/// `MAX_CALL_FRAMES`, unknown helper, bad helper argument, read of an
/// uninitialised register or exhausted instruction budget. Never panics and
/// never touches memory the config does not name, whatever `insns` hold
/// (helpers are trusted to honour the [`HelperDesc`] contract they come
/// with).
pub fn run_checked(insns: &[BpfInsn], cfg: &RunConfig<'_>) -> Result<u64, InterpError> {
    run_checked_stats(insns, cfg).map(|s| s.r0)
}

/// [`run_checked`], also counting the instructions executed.
pub fn run_checked_stats(insns: &[BpfInsn], cfg: &RunConfig<'_>) -> Result<RunStats, InterpError> {
    let callx = matches!(cfg.helpers, HelperCalls::ById(_)) && cfg.insn_set == InsnSet::Uapi;
    validate::check_insns(insns, cfg.insn_set, callx)?;
    let mut env = env_for(cfg);
    let r0 = interp::run_main::<Checked>(&mut env, cfg.args, insns, cfg.stack_depth).map_err(|e| *e)?;
    Ok(RunStats { r0, insns: env.limit - env.budget })
}

/// Runs `insns` in the fast mode with a config's arguments, helpers and
/// instruction set (the regions and the budget are ignored: nothing is
/// checked). This is how an unverified but trusted program, such as a
/// conformance test, runs on the kernel's fast path with helpers by id.
///
/// Returns an error only where the kernel's interpreter would hit
/// `default_label`, call a helper it cannot resolve or nest calls too deep.
///
/// # Safety
///
/// Every load, store and jump of every path the program takes must be
/// valid: within the program, within memory that stays valid and unaliased
/// for the run (what the verifier proves). A program that loops forever
/// runs forever.
pub unsafe fn run_fast(insns: &[BpfInsn], cfg: &RunConfig<'_>) -> Result<u64, InterpError> {
    if insns.is_empty() {
        return Err(InterpError { insn: 0, frame: 0, tail_calls: 0, kind: InterpErrorKind::EmptyProgram });
    }
    let mut env = env_for(cfg);
    interp::run_main::<Fast>(&mut env, cfg.args, insns, cfg.stack_depth).map_err(|e| *e)
}

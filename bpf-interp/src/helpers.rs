//! How a run finds the helpers a program calls.
//!
//! A verified program calls a helper as the kernel's interpreter does:
//! `__bpf_call_base + imm`, where `do_misc_fixups` wrote
//! `imm = BPF_CALL_IMM(func)` ([`bpf_core::helpers::bpf_call_imm`]). An
//! unverified program (the conformance suite, a program under test before
//! the verifier saw it) still carries the helper's *id* in `imm`, so the
//! run resolves it through a table the caller provides.
//!
//! A [`HelperDesc`] also tells the checked mode what the helper does with
//! its arguments and what it returns, a small version of the kernel's
//! `struct bpf_func_proto`: pointer arguments are checked against the
//! regions of the run before the call, and memory a helper returns becomes
//! a region the program may use afterwards.

use bpf_core::helpers::{bpf_call_imm, BpfHelperFn};

/// What a helper does with one argument register (a subset of the
/// kernel's `enum bpf_arg_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelperArg {
    /// Not used: the register need not be initialised.
    Unused,
    /// Any value (`ARG_ANYTHING`).
    Anything,
    /// The program's context pointer (`ARG_PTR_TO_CTX`).
    Ctx,
    /// A map of the run (`ARG_CONST_MAP_PTR`).
    MapPtr,
    /// A key of the map in argument `map_arg` (`ARG_PTR_TO_MAP_KEY`):
    /// `key_size` readable bytes.
    MapKey {
        /// Argument register (1..=5) holding the map.
        map_arg: u8,
    },
    /// A value of the map in argument `map_arg` (`ARG_PTR_TO_MAP_VALUE`):
    /// `value_size` readable bytes.
    MapValue {
        /// Argument register (1..=5) holding the map.
        map_arg: u8,
    },
    /// Memory whose size is in argument `size_arg` (`ARG_PTR_TO_MEM` with
    /// `ARG_CONST_SIZE`).
    Mem {
        /// Argument register (1..=5) holding the size.
        size_arg: u8,
        /// The helper writes it (`MEM_UNINIT`/`MEM_WRITE`).
        write: bool,
    },
    /// Memory of a fixed size (`ARG_PTR_TO_FIXED_SIZE_MEM`).
    FixedMem {
        /// Bytes.
        size: u32,
        /// The helper writes it.
        write: bool,
    },
}

/// What a helper returns in r0 (a subset of `enum bpf_return_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelperRet {
    /// A number (`RET_INTEGER`, `RET_VOID`).
    Integer,
    /// A pointer to a value of one of the run's maps, or NULL
    /// (`RET_PTR_TO_MAP_VALUE_OR_NULL`): the maps already vouch for it.
    MapValueOrNull,
    /// A pointer to `size` bytes, or NULL (`RET_PTR_TO_MEM_OR_NULL`): the
    /// checked mode lets the program use them for the rest of the run.
    MemOrNull {
        /// Bytes the pointer covers.
        size: u32,
        /// The program may write them.
        writable: bool,
    },
}

/// One helper: its id, code and contract.
#[derive(Clone, Copy, Debug)]
pub struct HelperDesc {
    /// `enum bpf_func_id` value.
    pub id: u32,
    /// Name, for error messages (`"bpf_map_lookup_elem"`).
    pub name: &'static str,
    /// The code, called with r1..r5; its result goes to r0.
    pub func: BpfHelperFn,
    /// What each of r1..r5 must be.
    pub args: [HelperArg; 5],
    /// What r0 is after the call.
    pub ret: HelperRet,
}

impl HelperDesc {
    /// A helper that takes five arbitrary numbers and returns a number.
    pub const fn scalar(id: u32, name: &'static str, func: BpfHelperFn) -> Self {
        HelperDesc { id, name, func, args: [HelperArg::Anything; 5], ret: HelperRet::Integer }
    }

    /// `BPF_CALL_IMM(func)`: the `imm` a verified program calls it with.
    pub fn call_imm(&self) -> Option<i32> {
        bpf_call_imm(self.func)
    }
}

/// How `call imm` names its helper in the program being run.
#[derive(Clone, Copy, Debug, Default)]
pub enum HelperCalls<'a> {
    /// No helpers: every helper call is an error.
    #[default]
    None,
    /// Unverified programs: `imm` is the helper id, looked up in the slice.
    /// `call %rN` (`BPF_JMP | BPF_CALL | BPF_X`, the uBPF and conformance
    /// suite's indirect call; the kernel has no such instruction) looks up
    /// the id held in `rN` here too.
    ById(&'a [HelperDesc]),
    /// Verified programs, after `do_misc_fixups`: `imm` is
    /// `BPF_CALL_IMM(func)`. The checked mode accepts only the helpers in
    /// the slice; the fast mode calls `__bpf_call_base + imm` as the kernel
    /// does.
    ///
    /// A helper is known by its address, so the `func` here must be the
    /// one the rewrite took its `imm` from (the same table), and helpers
    /// should be `#[inline(never)]`: an optimised build may give a small
    /// function one copy per codegen unit, each with its own address.
    CallImm(&'a [HelperDesc]),
}

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

use bpf_core::helpers::proto::{arg, base_type, ret, MEM_FIXED_SIZE, MEM_UNINIT, MEM_WRITE, PTR_MAYBE_NULL};
use bpf_core::helpers::{bpf_call_imm, BpfFuncProto, BpfHelperFn};

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
    /// `value_size` bytes the helper reads, or writes.
    MapValue {
        /// Argument register (1..=5) holding the map.
        map_arg: u8,
        /// The helper writes it (`MEM_UNINIT`/`MEM_WRITE`: pop, peek).
        write: bool,
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
    /// An element of the hash map in r1, or NULL (`__htab_map_lookup_elem`,
    /// called by the lookup the verifier inlines): its value is
    /// `map_gen_lookup_value_off` bytes in, which the program adds before
    /// any access.
    MapElemOrNull,
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

    /// The checked mode's contract for a helper of the verifier's table
    /// (`struct bpf_func_proto`): map pointers, keys and values, memory with
    /// a size argument or a fixed size, the context. Arguments the checked
    /// mode cannot check (nullable pointers, BTF objects, dynptrs...) are
    /// taken as [`HelperArg::Anything`]; returns other than map values are
    /// [`HelperRet::Integer`] (the proto has no size for returned memory).
    pub fn from_proto(id: u32, name: &'static str, proto: &BpfFuncProto) -> Self {
        let mut args = [HelperArg::Unused; 5];
        let mut map_arg = 1u8;
        for (k, slot) in args.iter_mut().enumerate() {
            let t = proto.arg_type[k];
            let r = k as u8 + 1;
            let write = t & (MEM_WRITE | MEM_UNINIT) != 0;
            let next_is_size = proto
                .arg_type
                .get(k + 1)
                .is_some_and(|&n| matches!(base_type(n), arg::ARG_CONST_SIZE | arg::ARG_CONST_SIZE_OR_ZERO));
            *slot = match base_type(t) {
                arg::ARG_DONTCARE => HelperArg::Unused,
                _ if t & PTR_MAYBE_NULL != 0 => HelperArg::Anything,
                arg::ARG_CONST_MAP_PTR => {
                    map_arg = r;
                    HelperArg::MapPtr
                }
                arg::ARG_PTR_TO_MAP_KEY => HelperArg::MapKey { map_arg },
                arg::ARG_PTR_TO_MAP_VALUE => HelperArg::MapValue { map_arg, write },
                arg::ARG_PTR_TO_MEM if t & MEM_FIXED_SIZE != 0 => {
                    HelperArg::FixedMem { size: proto.arg_size[k], write }
                }
                arg::ARG_PTR_TO_MEM if next_is_size => HelperArg::Mem { size_arg: r + 1, write },
                arg::ARG_PTR_TO_CTX => HelperArg::Ctx,
                _ => HelperArg::Anything,
            };
        }
        let ret = if proto.ret_type == ret::RET_PTR_TO_MAP_VALUE_OR_NULL
            || proto.ret_type == ret::RET_PTR_TO_MAP_VALUE
        {
            HelperRet::MapValueOrNull
        } else {
            HelperRet::Integer
        };
        HelperDesc { id, name, func: proto.func, args, ret }
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

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn nop(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
        0
    }

    #[test]
    fn from_proto_maps_the_argument_types() {
        // bpf_map_update_elem(map, key, value, flags)
        let mut p = BpfFuncProto::new(nop);
        p.arg_type = [
            arg::ARG_CONST_MAP_PTR,
            arg::ARG_PTR_TO_MAP_KEY,
            arg::ARG_PTR_TO_MAP_VALUE,
            arg::ARG_ANYTHING,
            0,
        ];
        let d = HelperDesc::from_proto(2, "bpf_map_update_elem", &p);
        assert_eq!(
            d.args,
            [
                HelperArg::MapPtr,
                HelperArg::MapKey { map_arg: 1 },
                HelperArg::MapValue { map_arg: 1, write: false },
                HelperArg::Anything,
                HelperArg::Unused
            ]
        );
        // bpf_probe_read_kernel(dst, size, src): uninit memory sized by r2.
        p.arg_type = [arg::ARG_PTR_TO_UNINIT_MEM, arg::ARG_CONST_SIZE_OR_ZERO, arg::ARG_ANYTHING, 0, 0];
        p.ret_type = ret::RET_INTEGER;
        let d = HelperDesc::from_proto(113, "bpf_probe_read_kernel", &p);
        assert_eq!(d.args[0], HelperArg::Mem { size_arg: 2, write: true });
        assert_eq!(d.ret, HelperRet::Integer);
        // bpf_map_lookup_elem returns a map value or NULL.
        p.arg_type = [arg::ARG_CONST_MAP_PTR, arg::ARG_PTR_TO_MAP_KEY, 0, 0, 0];
        p.ret_type = ret::RET_PTR_TO_MAP_VALUE_OR_NULL;
        assert_eq!(HelperDesc::from_proto(1, "bpf_map_lookup_elem", &p).ret, HelperRet::MapValueOrNull);
        // bpf_map_pop_elem writes the value buffer.
        let d =
            HelperDesc::from_proto(88, "bpf_map_pop_elem", &bpf_core::helpers::maps::BPF_MAP_POP_ELEM_PROTO);
        assert_eq!(d.args[..2], [HelperArg::MapPtr, HelperArg::MapValue { map_arg: 1, write: true }]);
    }
}

//! The map helpers of `kernel/bpf/helpers.c` (v6.18): lookup, update,
//! delete, and push / pop / peek (queues and stacks), through the map's
//! [`BpfMapOps`](crate::maps::BpfMapOps).

use super::errno_ret;
use super::proto::{arg::*, ret::*, BpfFuncProto, MEM_UNINIT, MEM_WRITE};
use crate::maps::BpfMap;

/// A map and a key of its `key_size` at a verified address.
///
/// # Safety
/// `map` must be the address of a live [`BpfMap`] (the program holds it in
/// `used_maps`) and `key` must point at `key_size` readable bytes; the
/// verifier proves both for `ARG_CONST_MAP_PTR` and `ARG_PTR_TO_MAP_KEY`.
unsafe fn map_and_key<'a>(map: u64, key: u64) -> (&'a BpfMap, &'a [u8]) {
    // SAFETY: the caller's contract above.
    let map = unsafe { &*(map as usize as *const BpfMap) };
    // SAFETY: as above, `key_size` bytes are readable.
    let key = unsafe { std::slice::from_raw_parts(key as usize as *const u8, map.key_size as usize) };
    (map, key)
}

/// Mirrors `kernel/bpf/helpers.c:bpf_map_lookup_elem()`: a pointer to the
/// value in place, or NULL.
pub extern "C" fn bpf_map_lookup_elem(map: u64, key: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: the verifier checked r1 against ARG_CONST_MAP_PTR and r2
    // against ARG_PTR_TO_MAP_KEY (see `map_and_key`).
    let (map, key) = unsafe { map_and_key(map, key) };
    map.ops.map_lookup_elem(key).map_or(0, |p| p.as_ptr() as usize as u64)
}

/// Mirrors `kernel/bpf/helpers.c:bpf_map_update_elem()`.
pub extern "C" fn bpf_map_update_elem(map: u64, key: u64, value: u64, flags: u64, _: u64) -> u64 {
    // SAFETY: see `bpf_map_lookup_elem`; r3 was checked as
    // ARG_PTR_TO_MAP_VALUE: `value_size` readable bytes.
    let (map, key) = unsafe { map_and_key(map, key) };
    // SAFETY: as above.
    let value = unsafe { std::slice::from_raw_parts(value as usize as *const u8, map.value_size as usize) };
    errno_ret(map.ops.map_update_elem(key, value, flags))
}

/// Mirrors `kernel/bpf/helpers.c:bpf_map_delete_elem()`.
pub extern "C" fn bpf_map_delete_elem(map: u64, key: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: see `bpf_map_lookup_elem`.
    let (map, key) = unsafe { map_and_key(map, key) };
    errno_ret(map.ops.map_delete_elem(key))
}

/// `bpf_map_lookup_elem_proto`.
pub static BPF_MAP_LOOKUP_ELEM_PROTO: BpfFuncProto = BpfFuncProto {
    pkt_access: true,
    ret_type: RET_PTR_TO_MAP_VALUE_OR_NULL,
    arg_type: [ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY, ARG_DONTCARE, ARG_DONTCARE, ARG_DONTCARE],
    ..BpfFuncProto::new(bpf_map_lookup_elem)
};

/// `bpf_map_update_elem_proto`.
pub static BPF_MAP_UPDATE_ELEM_PROTO: BpfFuncProto = BpfFuncProto {
    pkt_access: true,
    ret_type: RET_INTEGER,
    arg_type: [ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY, ARG_PTR_TO_MAP_VALUE, ARG_ANYTHING, ARG_DONTCARE],
    ..BpfFuncProto::new(bpf_map_update_elem)
};

/// `bpf_map_delete_elem_proto`.
pub static BPF_MAP_DELETE_ELEM_PROTO: BpfFuncProto = BpfFuncProto {
    pkt_access: true,
    ret_type: RET_INTEGER,
    arg_type: [ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY, ARG_DONTCARE, ARG_DONTCARE, ARG_DONTCARE],
    ..BpfFuncProto::new(bpf_map_delete_elem)
};

/// A map and its `value_size` bytes at a verified address.
///
/// # Safety
/// `map` must be the address of a live [`BpfMap`] and `value` must point
/// at `value_size` bytes the helper may read (push) or write (pop, peek);
/// the verifier proves both for `ARG_CONST_MAP_PTR` and
/// `ARG_PTR_TO_MAP_VALUE` (with `MEM_UNINIT | MEM_WRITE` for pop and peek).
unsafe fn map_and_value<'a>(map: u64, value: u64) -> (&'a BpfMap, *mut u8) {
    // SAFETY: the caller's contract above.
    let map = unsafe { &*(map as usize as *const BpfMap) };
    (map, value as usize as *mut u8)
}

/// Mirrors `kernel/bpf/helpers.c:bpf_map_push_elem()`.
pub extern "C" fn bpf_map_push_elem(map: u64, value: u64, flags: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 was checked as ARG_CONST_MAP_PTR, r2 as
    // ARG_PTR_TO_MAP_VALUE: `value_size` readable bytes.
    let (map, p) = unsafe { map_and_value(map, value) };
    // SAFETY: as above.
    let value = unsafe { std::slice::from_raw_parts(p, map.value_size as usize) };
    errno_ret(map.ops.map_push_elem(value, flags))
}

/// Mirrors `kernel/bpf/helpers.c:bpf_map_pop_elem()`.
pub extern "C" fn bpf_map_pop_elem(map: u64, value: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: r1 was checked as ARG_CONST_MAP_PTR, r2 as
    // ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE: `value_size` bytes
    // the helper may write.
    let (map, p) = unsafe { map_and_value(map, value) };
    // SAFETY: as above.
    let value = unsafe { std::slice::from_raw_parts_mut(p, map.value_size as usize) };
    errno_ret(map.ops.map_pop_elem(value))
}

/// Mirrors `kernel/bpf/helpers.c:bpf_map_peek_elem()`.
pub extern "C" fn bpf_map_peek_elem(map: u64, value: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: as in `bpf_map_pop_elem`.
    let (map, p) = unsafe { map_and_value(map, value) };
    // SAFETY: as above.
    let value = unsafe { std::slice::from_raw_parts_mut(p, map.value_size as usize) };
    errno_ret(map.ops.map_peek_elem(value))
}

/// `bpf_map_push_elem_proto`.
pub static BPF_MAP_PUSH_ELEM_PROTO: BpfFuncProto = BpfFuncProto {
    pkt_access: true,
    ret_type: RET_INTEGER,
    arg_type: [ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_VALUE, ARG_ANYTHING, ARG_DONTCARE, ARG_DONTCARE],
    ..BpfFuncProto::new(bpf_map_push_elem)
};

/// `bpf_map_pop_elem_proto`: the value buffer need not be initialised,
/// the helper fills it (or zeroes it when the map is empty).
pub static BPF_MAP_POP_ELEM_PROTO: BpfFuncProto = BpfFuncProto {
    ret_type: RET_INTEGER,
    arg_type: [
        ARG_CONST_MAP_PTR,
        ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE,
        ARG_DONTCARE,
        ARG_DONTCARE,
        ARG_DONTCARE,
    ],
    ..BpfFuncProto::new(bpf_map_pop_elem)
};

/// `bpf_map_peek_elem_proto`.
pub static BPF_MAP_PEEK_ELEM_PROTO: BpfFuncProto = BpfFuncProto {
    ret_type: RET_INTEGER,
    arg_type: [
        ARG_CONST_MAP_PTR,
        ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE,
        ARG_DONTCARE,
        ARG_DONTCARE,
        ARG_DONTCARE,
    ],
    ..BpfFuncProto::new(bpf_map_peek_elem)
};

/// The body of `bpf_tail_call`, which never runs: `do_misc_fixups`
/// rewrites every call into `BPF_JMP | BPF_TAIL_CALL` (the kernel's
/// `bpf_tail_call()` is `BUG()`).
pub extern "C" fn bpf_tail_call(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// `bpf_tail_call_proto`.
pub static BPF_TAIL_CALL_PROTO: BpfFuncProto = BpfFuncProto {
    ret_type: RET_VOID,
    arg_type: [ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING, ARG_DONTCARE, ARG_DONTCARE],
    ..BpfFuncProto::new(bpf_tail_call)
};

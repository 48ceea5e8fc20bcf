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

/// Mirrors `kernel/bpf/hashtab.c:__htab_map_lookup_elem()` (v6.18): the
/// element (`struct htab_elem`) holding the key, or NULL. Programs call it
/// only through the lookup `do_misc_fixups` inlines for hash maps
/// (`htab_map_gen_lookup`), which adds the value's offset in the element.
pub extern "C" fn __htab_map_lookup_elem(map: u64, key: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: see `bpf_map_lookup_elem`: the inlined call keeps the
    // helper's verified r1 and r2.
    let (map, key) = unsafe { map_and_key(map, key) };
    map.ops.htab_lookup_elem_raw(key).map_or(0, |p| p.as_ptr() as usize as u64)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::{bpf_map_alloc, BpfMapAttr, BpfMapEnv};
    use crate::uapi::*;

    #[test]
    fn push_pop_peek_through_the_helpers() {
        let env =
            BpfMapEnv { nr_cpus: 2, bpf_capable: true, bypass_spec_v1: true, sys_admin: true, hash_seed: 0 };
        let attr = BpfMapAttr {
            map_type: BPF_MAP_TYPE_STACK,
            key_size: 0,
            value_size: 8,
            max_entries: 2,
            map_flags: 0,
            numa_node: crate::maps::NUMA_NO_NODE,
            map_extra: 0,
        };
        let m = bpf_map_alloc(&attr, &env).unwrap();
        let mp = &m as *const BpfMap as u64;
        let neg = |e: crate::Errno| (-i64::from(e.0)) as u64;
        // The value buffer the program would pass (stack in a real run).
        let p = Box::into_raw(Box::new(11u64));
        let b = p as u64;
        // SAFETY (the blocks below): `p` is a live, exclusively owned u64
        // until the `Box::from_raw` at the end.
        let set = |v: u64| unsafe { p.write(v) };
        let get = || unsafe { p.read() };
        assert_eq!(bpf_map_push_elem(mp, b, 0, 0, 0), 0);
        set(22);
        assert_eq!(bpf_map_push_elem(mp, b, 0, 0, 0), 0);
        assert_eq!(bpf_map_push_elem(mp, b, 0, 0, 0), neg(crate::errno::E2BIG));
        assert_eq!(bpf_map_push_elem(mp, b, 1, 0, 0), neg(crate::errno::EINVAL));
        set(0);
        assert_eq!(bpf_map_peek_elem(mp, b, 0, 0, 0), 0);
        assert_eq!(get(), 22);
        assert_eq!(bpf_map_pop_elem(mp, b, 0, 0, 0), 0);
        assert_eq!(bpf_map_pop_elem(mp, b, 0, 0, 0), 0);
        assert_eq!(get(), 11);
        assert_eq!(bpf_map_pop_elem(mp, b, 0, 0, 0), neg(crate::errno::ENOENT));
        assert_eq!(get(), 0);
        // SAFETY: `p` came from `Box::into_raw` above and is not used after.
        drop(unsafe { Box::from_raw(p) });
        // The verifier's view of them.
        assert_eq!(BPF_MAP_POP_ELEM_PROTO.arg_type[1], ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE);
        assert!(BPF_MAP_PUSH_ELEM_PROTO.pkt_access && !BPF_MAP_PEEK_ELEM_PROTO.pkt_access);
    }
}

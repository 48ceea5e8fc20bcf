//! Maps: `struct bpf_map` and its ops (`include/linux/bpf.h`), the
//! implementations of `kernel/bpf/arraymap.c`, `hashtab.c` and friends.
//!
//! A map's memory is stable for the map's lifetime: a pointer a program got
//! from `bpf_map_lookup_elem` stays valid while the program holds the map
//! (the program's `used_maps` keep it alive), as in the kernel.

use crate::errno::Errno;
use crate::prog::BpfProg;
use crate::uapi::{BpfMapFlags, BpfMapType, BPF_OBJ_NAME_LEN};
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU32};
use std::sync::Arc;

/// The per-type operations of a map (`struct bpf_map_ops`).
pub trait BpfMapOps: Send + Sync + fmt::Debug {
    /// `map_lookup_elem` as programs call it: a pointer to the value in
    /// place (for per-CPU maps, the current CPU's copy), or `None`.
    fn map_lookup_elem(&self, key: &[u8]) -> Option<NonNull<u8>>;
    /// `map_update_elem` with `BPF_ANY` / `BPF_NOEXIST` / `BPF_EXIST` flags.
    fn map_update_elem(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno>;
    /// `map_delete_elem`.
    fn map_delete_elem(&self, key: &[u8]) -> Result<(), Errno>;
    /// `map_get_next_key`: the key after `key`, or the first key for `None`.
    fn map_get_next_key(&self, key: Option<&[u8]>, next_key: &mut [u8]) -> Result<(), Errno>;
    /// The program in slot `index` of a prog_array, for `bpf_tail_call`.
    fn tail_call_prog(&self, _index: u32) -> Option<Arc<BpfProg>> {
        None
    }
    /// `map_direct_value_addr`: the address of the value at offset `off`
    /// for `BPF_PSEUDO_MAP_VALUE` (array maps only). Types without direct
    /// value access answer `EOPNOTSUPP`; the verifier turns that into its
    /// "no direct value access support for this map type" refusal.
    fn map_direct_value_addr(&self, _off: u32) -> Result<u64, Errno> {
        Err(crate::errno::EOPNOTSUPP)
    }
    /// Does `[addr, addr + len)` lie inside one value this map holds now?
    /// The interpreter's checked mode asks this of every access through a
    /// map-value pointer; the fast mode trusts the verifier instead.
    fn contains_value(&self, _addr: usize, _len: usize) -> bool {
        false
    }
}

/// `struct bpf_map`: the attributes common to every map, and its ops.
#[derive(Debug)]
pub struct BpfMap {
    /// `map_type`
    pub map_type: BpfMapType,
    /// `key_size`
    pub key_size: u32,
    /// `value_size`
    pub value_size: u32,
    /// `max_entries`
    pub max_entries: u32,
    /// `map_flags`
    pub map_flags: BpfMapFlags,
    /// `name`, NUL padded.
    pub name: [u8; BPF_OBJ_NAME_LEN],
    /// Id from `map_idr` (0 until allocated).
    pub id: AtomicU32,
    /// Set by `BPF_MAP_FREEZE`.
    pub frozen: AtomicBool,
    /// The type's implementation.
    pub ops: Box<dyn BpfMapOps>,
}

//! Maps: `struct bpf_map` and its ops (`include/linux/bpf.h`), the
//! implementations of `kernel/bpf/arraymap.c` and `hashtab.c`, and the
//! map-type table `bpf_map_types[]` that `map_create` consults.
//!
//! A map's memory is stable for the map's lifetime: a pointer a program got
//! from `bpf_map_lookup_elem` stays valid while the program holds the map
//! (the program's `used_maps` keep it alive), as in the kernel.
//!
//! Implemented types: `ARRAY`, `PERCPU_ARRAY`, `PROG_ARRAY`,
//! `PERF_EVENT_ARRAY` ([`arraymap`]), `HASH`, `PERCPU_HASH` ([`hashtab`]),
//! `QUEUE`, `STACK` ([`queue_stack_maps`]). The other types of `bpf_types.h`
//! are known (so their numbers are not "unknown type") but not modelled:
//! [`bpf_map_alloc_check`] refuses them with `ENOTSUPP`.

pub(crate) mod area;
pub mod arraymap;
pub mod hashtab;
pub mod jhash;
pub mod queue_stack_maps;

pub use area::BPF_MAP_AREA_MAX;

use crate::errno::{Errno, EINVAL, ENOTSUPP, EOPNOTSUPP};
use crate::prog::BpfProg;
use crate::runtime::BpfFreeHook;
use crate::uapi::*;
use parking_lot::Mutex;
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// `NUMA_NO_NODE`.
pub const NUMA_NO_NODE: i32 = -1;

/// `PCPU_MIN_UNIT_SIZE`: the largest value a per-CPU map may hold per CPU.
pub const PCPU_MIN_UNIT_SIZE: u32 = 32 * 1024;

/// `KMALLOC_MAX_SIZE` on x86-64 (`PAGE_SIZE << MAX_PAGE_ORDER`).
pub const KMALLOC_MAX_SIZE: u64 = 4096 << 10;

/// The per-type operations of a map (`struct bpf_map_ops`).
///
/// The first group is what programs call (through helpers, the tail-call
/// instruction and direct value access); the `*_sys` group is what the
/// `bpf()` system call calls, where per-CPU maps read and write every
/// CPU's copy at once and fd maps take and give object references.
pub trait BpfMapOps: Send + Sync + fmt::Debug {
    /// `map_lookup_elem` as programs call it: a pointer to the value in
    /// place (for per-CPU maps, the current CPU's copy), or `None`.
    fn map_lookup_elem(&self, key: &[u8]) -> Option<NonNull<u8>>;
    /// The offset of the value in what [`BpfMapOps::htab_lookup_elem_raw`]
    /// returns, for a map type whose `bpf_map_lookup_elem` the verifier
    /// inlines as `__htab_map_lookup_elem` and an add (`map_gen_lookup`);
    /// `None` for the others.
    fn map_gen_lookup_value_off(&self) -> Option<u32> {
        None
    }
    /// `map->bypass_spec_v1`: `array_map_alloc()` sets it from its
    /// creator's `bpf_bypass_spec_v1()` (here: the prog array, the only
    /// type where the verifier reads it); false for the others. Without
    /// it the verifier masks a tail call's index (`bpf_map_ptr_unpriv`).
    fn map_bypass_spec_v1(&self) -> bool {
        false
    }
    /// `__htab_map_lookup_elem`: the element holding `key` (its value is
    /// [`BpfMapOps::map_gen_lookup_value_off`] bytes in), or `None`.
    fn htab_lookup_elem_raw(&self, key: &[u8]) -> Option<NonNull<u8>> {
        let _ = key;
        None
    }
    /// `map_update_elem` with `BPF_ANY` / `BPF_NOEXIST` / `BPF_EXIST` flags.
    fn map_update_elem(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno>;
    /// `map_delete_elem`.
    fn map_delete_elem(&self, key: &[u8]) -> Result<(), Errno>;
    /// `map_get_next_key`: the key after `key`, or the first key for `None`.
    fn map_get_next_key(&self, key: Option<&[u8]>, next_key: &mut [u8]) -> Result<(), Errno>;
    /// `map_push_elem` (queue, stack): `value` goes in; `BPF_EXIST` makes
    /// room in a full map. Other types have no such op; the verifier lets
    /// only queues and stacks reach it, and the default answers
    /// `EOPNOTSUPP`.
    fn map_push_elem(&self, _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(EOPNOTSUPP)
    }
    /// `map_pop_elem` (queue, stack): the next element into `value`
    /// (`value_size` bytes), removed; `ENOENT` (and `value` zeroed) when
    /// empty.
    fn map_pop_elem(&self, _value: &mut [u8]) -> Result<(), Errno> {
        Err(EOPNOTSUPP)
    }
    /// `map_peek_elem` (queue, stack): as [`BpfMapOps::map_pop_elem`],
    /// without removing it.
    fn map_peek_elem(&self, _value: &mut [u8]) -> Result<(), Errno> {
        Err(EOPNOTSUPP)
    }
    /// `map_lookup_and_delete_elem` (hash maps) for the system call's
    /// `BPF_MAP_LOOKUP_AND_DELETE_ELEM`: the value of `key` (every CPU's
    /// copy for per-CPU maps) into `value`, and the element removed.
    /// Types without it answer `ENOTSUPP`, as `map_lookup_and_delete_elem()`
    /// does for them.
    fn map_lookup_and_delete_elem(&self, _key: &[u8], _value: &mut [u8], _flags: u64) -> Result<(), Errno> {
        Err(ENOTSUPP)
    }
    /// The perf event in slot `index` of a perf_event_array, as
    /// `__bpf_perf_event_output()` finds it: `E2BIG` for an index past
    /// `max_entries`, `ENOENT` for an empty slot, else what the output
    /// to that event gives. Other types answer `EINVAL` (the verifier
    /// lets no other map reach `bpf_perf_event_output`).
    fn perf_event_output(&self, _index: u64, _cpu: u32, _data: &[u8]) -> Result<(), Errno> {
        Err(EINVAL)
    }
    /// The program in slot `index` of a prog_array, for `bpf_tail_call`.
    fn tail_call_prog(&self, _index: u32) -> Option<Arc<BpfProg>> {
        None
    }
    /// `map_direct_value_addr`: the address of the value *base* for a
    /// `BPF_PSEUDO_MAP_VALUE` load at offset `off` (array maps only); `off`
    /// is only range-checked, and `resolve_pseudo_ldimm64` adds it, as in
    /// the kernel. Types without direct
    /// value access answer `EOPNOTSUPP`; the verifier turns that into its
    /// "no direct value access support for this map type" refusal. An array
    /// answers `ENOTSUPP` when it has more than one entry and `EINVAL` when
    /// `off` is past the value, as `array_map_direct_value_addr` does.
    fn map_direct_value_addr(&self, _off: u32) -> Result<u64, Errno> {
        Err(EOPNOTSUPP)
    }
    /// `map_direct_value_meta`: the offset inside the value of an address
    /// [`BpfMapOps::map_direct_value_addr`] gave out, or `None`. The
    /// `BPF_OBJ_GET_INFO_BY_FD` dump turns such addresses back into
    /// `(map id, offset)` with it.
    fn map_direct_value_meta(&self, _addr: u64) -> Option<u32> {
        None
    }
    /// Does `[addr, addr + len)` lie inside one value this map holds now?
    /// The interpreter's checked mode asks this of every access through a
    /// map-value pointer; the fast mode trusts the verifier instead.
    fn contains_value(&self, _addr: usize, _len: usize) -> bool {
        false
    }
    /// `bpf_map_copy_value()` for the system call: the value of `key` into
    /// `value`, which is [`BpfMap::bpf_map_value_size`] bytes (every CPU's
    /// copy for per-CPU maps, the program id for a prog_array).
    ///
    /// The default copies `value.len()` bytes from where
    /// [`BpfMapOps::map_lookup_elem`] points (`copy_map_value`), which is
    /// right for maps with one plain value per key; `ENOENT` when the key
    /// is absent.
    fn map_lookup_elem_sys(&self, key: &[u8], value: &mut [u8]) -> Result<(), Errno> {
        let p = self.map_lookup_elem(key).ok_or(crate::errno::ENOENT)?;
        // SAFETY: `map_lookup_elem` returns a pointer to the key's value,
        // which is `value_size` bytes, and the system call's buffer for a
        // map with one plain value per key is `value_size` bytes.
        unsafe { std::ptr::copy_nonoverlapping(p.as_ptr(), value.as_mut_ptr(), value.len()) };
        Ok(())
    }
    /// `bpf_map_update_value()` for the system call; `value` is
    /// [`BpfMap::bpf_map_value_size`] bytes. fd maps are updated through
    /// [`BpfMapOps::map_fd_update_prog`] instead.
    fn map_update_elem_sys(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        self.map_update_elem(key, value, flags)
    }
    /// The exchange step of `bpf_fd_array_map_update_elem()`: installs
    /// `prog` in slot `index` and returns the program it replaces. The
    /// caller has checked the flags, the index and the program's
    /// compatibility (`prog_fd_array_get_ptr`). Only prog_arrays have it.
    fn map_fd_update_prog(&self, _index: u32, _prog: Arc<BpfProg>) -> Result<Option<Arc<BpfProg>>, Errno> {
        Err(EINVAL)
    }
    /// `map_release_uref`: the last user reference (fd, pin) went away. A
    /// prog_array drops its programs here, which breaks the reference
    /// cycle program -> map -> program.
    fn map_release_uref(&self) {}
    /// `map_get_hash`: SHA-256 of the map's values (arrays only), for
    /// `bpf_map_info.hash`.
    fn map_get_hash(&self) -> Option<[u8; 32]> {
        None
    }
    /// `map_mem_usage`: bytes the map occupies (0 if the type does not say).
    fn map_mem_usage(&self) -> u64 {
        0
    }
}

/// `struct bpf_map_owner`: what the first program to use a prog_array
/// pinned down, so every later user (and every program in it) is
/// compatible (`__bpf_prog_map_compatible`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfMapOwner {
    /// `resolve_prog_type()` of the owner.
    pub prog_type: BpfProgType,
    /// The owner runs JIT code.
    pub jited: bool,
    /// The owner handles XDP frags.
    pub xdp_has_frags: bool,
    /// The owner is sleepable.
    pub sleepable: bool,
    /// The owner's expected attach type.
    pub expected_attach_type: BpfAttachType,
}

/// `struct bpf_map`: the attributes common to every map, and its ops.
pub struct BpfMap {
    /// `map_type`
    pub map_type: BpfMapType,
    /// `key_size`
    pub key_size: u32,
    /// `value_size`
    pub value_size: u32,
    /// `max_entries`
    pub max_entries: u32,
    /// `map_flags` (without the fd-only `BPF_F_RDONLY` / `BPF_F_WRONLY`).
    pub map_flags: BpfMapFlags,
    /// `name`, NUL padded.
    pub name: [u8; BPF_OBJ_NAME_LEN],
    /// Id from `map_idr` (0 until allocated).
    pub id: AtomicU32,
    /// Set by `BPF_MAP_FREEZE`.
    pub frozen: AtomicBool,
    /// The type's implementation.
    pub ops: Box<dyn BpfMapOps>,
    /// `map_extra` (bloom filter hashes, arena address; 0 here).
    pub map_extra: u64,
    /// `numa_node`.
    pub numa_node: i32,
    /// `excl_prog_sha`: the only program (by SHA-256 of its instructions)
    /// allowed to use the map, from `BPF_MAP_CREATE`'s `excl_prog_hash`.
    pub excl_prog_sha: Option<[u8; 32]>,
    /// `usercnt`: references from user space (fds, pins). When it drops to
    /// zero, [`BpfMapOps::map_release_uref`] runs.
    pub usercnt: AtomicU64,
    /// `owner`: set by the first program that uses a prog_array.
    pub owner: Mutex<Option<BpfMapOwner>>,
    /// What the kernel does when the last reference goes
    /// (`bpf_map_free_id`...): installed by `bpf-syscall`, run on drop.
    pub free_hook: Mutex<Option<BpfFreeHook<BpfMap>>>,
}

impl Drop for BpfMap {
    /// The last reference is gone (`bpf_map_put` reaching zero): run the
    /// kernel's release work (`bpf_map_free_id`...), if any was installed.
    fn drop(&mut self) {
        if let Some(hook) = self.free_hook.get_mut().take() {
            hook.run(self);
        }
    }
}

impl fmt::Debug for BpfMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BpfMap")
            .field("map_type", &self.map_type)
            .field("id", &self.id.load(Ordering::Relaxed))
            .field("key_size", &self.key_size)
            .field("value_size", &self.value_size)
            .field("max_entries", &self.max_entries)
            .field("map_flags", &self.map_flags)
            .field("name", &obj_name_str(&self.name))
            .field("ops", &self.ops)
            .finish()
    }
}

/// The attributes a map is created from (`union bpf_attr` of
/// `BPF_MAP_CREATE`, after `map_create`'s own checks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BpfMapAttr {
    /// `map_type`
    pub map_type: BpfMapType,
    /// `key_size`
    pub key_size: u32,
    /// `value_size`
    pub value_size: u32,
    /// `max_entries`
    pub max_entries: u32,
    /// `map_flags`, raw (unknown bits are the alloc checks' to refuse).
    pub map_flags: u32,
    /// `bpf_map_attr_numa_node(attr)`.
    pub numa_node: i32,
    /// `map_extra`
    pub map_extra: u64,
}

impl BpfMapAttr {
    /// Mirrors `include/linux/bpf.h:bpf_map_attr_numa_node()`: the node
    /// only counts with `BPF_F_NUMA_NODE`.
    pub fn from_create(a: &BpfAttrMapCreate) -> BpfMapAttr {
        let numa_node = if a.map_flags & BpfMapFlags::BPF_F_NUMA_NODE.bits() != 0 {
            a.numa_node as i32
        } else {
            NUMA_NO_NODE
        };
        BpfMapAttr {
            map_type: BpfMapType(a.map_type),
            key_size: a.key_size,
            value_size: a.value_size,
            max_entries: a.max_entries,
            map_flags: a.map_flags,
            numa_node,
            map_extra: a.map_extra,
        }
    }

    fn flags(&self) -> BpfMapFlags {
        BpfMapFlags::from_bits_retain(self.map_flags)
    }
}

/// What a map's allocation needs to know about the machine and the
/// creator (in the kernel: `num_possible_cpus()`, `capable()`,
/// `get_random_u32()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfMapEnv {
    /// `num_possible_cpus()`.
    pub nr_cpus: u32,
    /// `bpf_capable()` of the creator.
    pub bpf_capable: bool,
    /// `bpf_bypass_spec_v1()`: `perfmon_capable()` of the creator. Without
    /// it arrays are sized to a power of two and indexed through a mask.
    pub bypass_spec_v1: bool,
    /// `capable(CAP_SYS_ADMIN)` of the creator (`BPF_F_ZERO_SEED`).
    pub sys_admin: bool,
    /// `get_random_u32()` for the hash seed.
    pub hash_seed: u32,
}

/// `BPF_F_ACCESS_MASK`.
pub const BPF_F_ACCESS_MASK: BpfMapFlags = BpfMapFlags::BPF_F_RDONLY
    .union(BpfMapFlags::BPF_F_RDONLY_PROG)
    .union(BpfMapFlags::BPF_F_WRONLY)
    .union(BpfMapFlags::BPF_F_WRONLY_PROG);

/// Mirrors `include/linux/bpf.h:bpf_map_flags_access_ok()`: a map may not
/// be both read-only and write-only for programs.
pub fn bpf_map_flags_access_ok(flags: BpfMapFlags) -> bool {
    let both = BpfMapFlags::BPF_F_RDONLY_PROG | BpfMapFlags::BPF_F_WRONLY_PROG;
    flags & both != both
}

/// `IS_FD_PROG_ARRAY(map)` and the other fd maps: their syscall value is a
/// `u32` fd (or id), whatever `value_size` says.
pub fn is_fd_map(t: BpfMapType) -> bool {
    matches!(
        t,
        BPF_MAP_TYPE_PERF_EVENT_ARRAY
            | BPF_MAP_TYPE_CGROUP_ARRAY
            | BPF_MAP_TYPE_ARRAY_OF_MAPS
            | BPF_MAP_TYPE_PROG_ARRAY
            | BPF_MAP_TYPE_HASH_OF_MAPS
    )
}

/// Mirrors `include/linux/bpf.h:map_type_contains_progs()`.
pub fn map_type_contains_progs(t: BpfMapType) -> bool {
    matches!(t, BPF_MAP_TYPE_PROG_ARRAY | BPF_MAP_TYPE_DEVMAP | BPF_MAP_TYPE_CPUMAP)
}

fn is_percpu(t: BpfMapType) -> bool {
    matches!(
        t,
        BPF_MAP_TYPE_PERCPU_HASH
            | BPF_MAP_TYPE_LRU_PERCPU_HASH
            | BPF_MAP_TYPE_PERCPU_ARRAY
            | BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
    )
}

impl BpfMap {
    /// A map of `map_type` with its sizes, flags and ops, and every other
    /// field in its initial state (no name, id 0, not frozen, no owner, no
    /// user references). For maps built outside `map_create` (tests, tools
    /// that run programs without a kernel).
    pub fn new(
        map_type: BpfMapType,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        map_flags: BpfMapFlags,
        ops: Box<dyn BpfMapOps>,
    ) -> BpfMap {
        let attr = BpfMapAttr {
            map_type,
            key_size,
            value_size,
            max_entries,
            map_flags: map_flags.bits(),
            numa_node: NUMA_NO_NODE,
            map_extra: 0,
        };
        let mut m = BpfMap::from_attr(&attr, ops);
        m.map_flags = map_flags;
        m
    }

    /// Mirrors `kernel/bpf/syscall.c:bpf_map_init_from_attr()`: the common
    /// attributes; `BPF_F_RDONLY` / `BPF_F_WRONLY` belong to the fd, not
    /// the map (`bpf_map_flags_retain_permanent`).
    pub fn from_attr(attr: &BpfMapAttr, ops: Box<dyn BpfMapOps>) -> BpfMap {
        let keep = attr.flags() - (BpfMapFlags::BPF_F_RDONLY | BpfMapFlags::BPF_F_WRONLY);
        BpfMap {
            map_type: attr.map_type,
            key_size: attr.key_size,
            value_size: attr.value_size,
            max_entries: attr.max_entries,
            map_flags: keep,
            name: [0; BPF_OBJ_NAME_LEN],
            id: AtomicU32::new(0),
            frozen: AtomicBool::new(false),
            ops,
            map_extra: attr.map_extra,
            numa_node: attr.numa_node,
            excl_prog_sha: None,
            usercnt: AtomicU64::new(0),
            owner: Mutex::new(None),
            free_hook: Mutex::new(None),
        }
    }

    /// The map's id (`map->id`).
    pub fn id(&self) -> u32 {
        self.id.load(Ordering::Acquire)
    }

    /// The name up to its first NUL.
    pub fn name(&self) -> String {
        obj_name_str(&self.name)
    }

    /// Mirrors `kernel/bpf/syscall.c:bpf_map_value_size()`: the size of
    /// the value the system call moves. Per-CPU maps move every CPU's copy,
    /// each rounded up to 8 bytes; fd maps move a `u32`.
    pub fn bpf_map_value_size(&self, nr_cpus: u32) -> u32 {
        if is_percpu(self.map_type) {
            self.value_size.next_multiple_of(8) * nr_cpus
        } else if is_fd_map(self.map_type) {
            4
        } else {
            self.value_size
        }
    }

    /// Mirrors `bpf_map_inc_with_uref()`'s user half: one more fd or pin.
    pub fn bpf_map_inc_uref(&self) {
        self.usercnt.fetch_add(1, Ordering::AcqRel);
    }

    /// Mirrors `kernel/bpf/syscall.c:bpf_map_put_uref()`: one fd or pin
    /// fewer; the last one runs `map_release_uref`.
    pub fn bpf_map_put_uref(&self) {
        if self.usercnt.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.ops.map_release_uref();
        }
    }
}

/// Mirrors the `map_alloc_check` step of `map_create` (`kernel/bpf/
/// syscall.c`): `bpf_map_types[type]` (unknown -> `EINVAL`), then the
/// type's own `map_alloc_check`. Runs before the capability checks, so a
/// malformed attr is `EINVAL` even for an unprivileged caller.
pub fn bpf_map_alloc_check(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<(), Errno> {
    if crate::types::bpf_map_type_desc(attr.map_type).is_none() {
        return Err(EINVAL);
    }
    match attr.map_type {
        BPF_MAP_TYPE_ARRAY | BPF_MAP_TYPE_PERCPU_ARRAY => arraymap::array_map_alloc_check(attr),
        BPF_MAP_TYPE_PROG_ARRAY | BPF_MAP_TYPE_PERF_EVENT_ARRAY => arraymap::fd_array_map_alloc_check(attr),
        BPF_MAP_TYPE_HASH | BPF_MAP_TYPE_PERCPU_HASH => hashtab::htab_map_alloc_check(attr, env),
        BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK => queue_stack_maps::queue_stack_map_alloc_check(attr),
        // Listed in bpf_types.h but not modelled by this project.
        _ => Err(ENOTSUPP),
    }
}

/// Mirrors `ops->map_alloc(attr)` of `map_create`: allocates the map of
/// `attr.map_type` (after [`bpf_map_alloc_check`] passed). The name, id
/// and references are the caller's.
pub fn bpf_map_alloc(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<BpfMap, Errno> {
    let ops: Box<dyn BpfMapOps> = match attr.map_type {
        BPF_MAP_TYPE_ARRAY | BPF_MAP_TYPE_PERCPU_ARRAY => Box::new(arraymap::array_map_alloc(attr, env)?),
        BPF_MAP_TYPE_PROG_ARRAY => Box::new(arraymap::prog_array_map_alloc(attr, env)?),
        BPF_MAP_TYPE_PERF_EVENT_ARRAY => Box::new(arraymap::perf_event_array_map_alloc(attr, env)?),
        BPF_MAP_TYPE_HASH | BPF_MAP_TYPE_PERCPU_HASH => Box::new(hashtab::htab_map_alloc(attr, env)?),
        BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK => Box::new(queue_stack_maps::queue_stack_map_alloc(attr)?),
        _ => return Err(ENOTSUPP),
    };
    Ok(BpfMap::from_attr(attr, ops))
}

/// Reads the `u32` key of an array-like map; a short key reads as absent.
pub(crate) fn key_u32(key: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(key.get(..4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn env() -> BpfMapEnv {
        BpfMapEnv { nr_cpus: 2, bpf_capable: true, bypass_spec_v1: true, sys_admin: true, hash_seed: 0 }
    }

    /// A `BPF_MAP_CREATE` attr of the given shape, on no NUMA node.
    pub(crate) fn attr(t: BpfMapType, ks: u32, vs: u32, me: u32, flags: BpfMapFlags) -> BpfMapAttr {
        BpfMapAttr {
            map_type: t,
            key_size: ks,
            value_size: vs,
            max_entries: me,
            map_flags: flags.bits(),
            numa_node: NUMA_NO_NODE,
            map_extra: 0,
        }
    }

    #[test]
    fn alloc_check_refuses_unknown_and_unmodelled_types() {
        let a =
            |t| BpfMapAttr { map_type: t, key_size: 4, value_size: 4, max_entries: 1, ..Default::default() };
        assert_eq!(bpf_map_alloc_check(&a(BpfMapType(999)), &env()), Err(EINVAL));
        assert_eq!(bpf_map_alloc_check(&a(BPF_MAP_TYPE_UNSPEC), &env()), Err(EINVAL));
        assert_eq!(bpf_map_alloc_check(&a(BPF_MAP_TYPE_RINGBUF), &env()), Err(ENOTSUPP));
        assert_eq!(bpf_map_alloc_check(&a(BPF_MAP_TYPE_ARRAY), &env()), Ok(()));
    }

    #[test]
    fn value_size_for_the_syscall() {
        let attr = |t, vs| BpfMapAttr {
            map_type: t,
            key_size: 4,
            value_size: vs,
            max_entries: 2,
            ..Default::default()
        };
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_PERCPU_ARRAY, 5), &env()).unwrap();
        assert_eq!(m.bpf_map_value_size(2), 16);
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_PROG_ARRAY, 4), &env()).unwrap();
        assert_eq!(m.bpf_map_value_size(2), 4);
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_HASH, 5), &env()).unwrap();
        assert_eq!(m.bpf_map_value_size(2), 5);
    }

    #[test]
    fn fd_only_flags_are_not_kept() {
        let a = BpfMapAttr {
            map_type: BPF_MAP_TYPE_ARRAY,
            key_size: 4,
            value_size: 4,
            max_entries: 1,
            map_flags: (BpfMapFlags::BPF_F_RDONLY | BpfMapFlags::BPF_F_MMAPABLE).bits(),
            ..Default::default()
        };
        let m = bpf_map_alloc(&a, &env()).unwrap();
        assert_eq!(m.map_flags, BpfMapFlags::BPF_F_MMAPABLE);
    }
}

//! Mirrors `kernel/bpf/arraymap.c` (v6.18): `BPF_MAP_TYPE_ARRAY`,
//! `BPF_MAP_TYPE_PERCPU_ARRAY`, `BPF_MAP_TYPE_PROG_ARRAY` and
//! `BPF_MAP_TYPE_PERF_EVENT_ARRAY`.
//!
//! Every element of an array exists from creation: lookups never fail for
//! an index below `max_entries`, `BPF_NOEXIST` always fails, delete is
//! `EINVAL`. Values are `round_up(value_size, 8)` bytes apart in one
//! zeroed area; a per-CPU array keeps one copy per possible CPU.

use super::area::MapArea;
use super::{
    bpf_map_flags_access_ok, key_u32, BpfMapAttr, BpfMapEnv, BpfMapOps, BPF_F_ACCESS_MASK, NUMA_NO_NODE,
};
use super::{BpfMap, PCPU_MIN_UNIT_SIZE};
use crate::errno::{Errno, E2BIG, EEXIST, EINVAL, ENOENT, ENOMEM, ENOTSUPP};
use crate::prog::BpfProg;
use crate::run_ctx::BpfRunCtx;
use crate::sha256::sha256;
use crate::uapi::*;
use parking_lot::RwLock;
use std::ptr::NonNull;
use std::sync::Arc;

/// `ARRAY_CREATE_FLAG_MASK`.
pub const ARRAY_CREATE_FLAG_MASK: BpfMapFlags = BpfMapFlags::BPF_F_NUMA_NODE
    .union(BpfMapFlags::BPF_F_MMAPABLE)
    .union(BPF_F_ACCESS_MASK)
    .union(BpfMapFlags::BPF_F_PRESERVE_ELEMS)
    .union(BpfMapFlags::BPF_F_INNER_MAP);

/// Mirrors `kernel/bpf/arraymap.c:array_map_alloc_check()`.
///
/// Arrays are indexed by a `u32`, hold at least one non-empty value, and
/// only plain arrays may be mmap()ed or used as inner maps of any size.
pub fn array_map_alloc_check(attr: &BpfMapAttr) -> Result<(), Errno> {
    let percpu = attr.map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
    let flags = attr.flags();
    if attr.max_entries == 0
        || attr.key_size != 4
        || attr.value_size == 0
        || !(flags - ARRAY_CREATE_FLAG_MASK).is_empty()
        || !bpf_map_flags_access_ok(flags)
        || (percpu && attr.numa_node != NUMA_NO_NODE)
    {
        return Err(EINVAL);
    }
    if attr.map_type != BPF_MAP_TYPE_ARRAY
        && flags.intersects(BpfMapFlags::BPF_F_MMAPABLE | BpfMapFlags::BPF_F_INNER_MAP)
    {
        return Err(EINVAL);
    }
    if attr.map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY && flags.contains(BpfMapFlags::BPF_F_PRESERVE_ELEMS) {
        return Err(EINVAL);
    }
    // Avoid overflow on round_up(value_size).
    if attr.value_size > i32::MAX as u32 {
        return Err(E2BIG);
    }
    // A per-CPU value is bound by PCPU_MIN_UNIT_SIZE.
    if percpu && attr.value_size.next_multiple_of(8) > PCPU_MIN_UNIT_SIZE {
        return Err(E2BIG);
    }
    Ok(())
}

/// Mirrors `kernel/bpf/arraymap.c:fd_array_map_alloc_check()`: the value
/// of an fd array is the `u32` fd, and programs may neither only read nor
/// only write it.
pub fn fd_array_map_alloc_check(attr: &BpfMapAttr) -> Result<(), Errno> {
    if attr.value_size != 4 {
        return Err(EINVAL);
    }
    if attr.flags().intersects(BpfMapFlags::BPF_F_RDONLY_PROG | BpfMapFlags::BPF_F_WRONLY_PROG) {
        return Err(EINVAL);
    }
    array_map_alloc_check(attr)
}

/// The element count and index mask of `array_map_alloc()`: without
/// `bpf_bypass_spec_v1()` the array is rounded up to a power of two so a
/// speculated index stays inside it.
fn array_geometry(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<(u32, u32), Errno> {
    let m = u64::from(attr.max_entries - 1);
    let bits = 64 - m.leading_zeros();
    let index_mask = ((1u64 << bits) - 1) as u32;
    let mut max_entries = attr.max_entries;
    if !env.bypass_spec_v1 {
        max_entries = index_mask.wrapping_add(1);
        if max_entries < attr.max_entries {
            return Err(E2BIG);
        }
    }
    Ok((max_entries, index_mask))
}

/// A plain or per-CPU array (`struct bpf_array`).
#[derive(Debug)]
pub struct BpfArray {
    map_type: BpfMapType,
    value_size: u32,
    /// `round_up(value_size, 8)`.
    elem_size: u32,
    max_entries: u32,
    index_mask: u32,
    /// Copies per element: `num_possible_cpus()` for a per-CPU array, else 1.
    copies: u32,
    value: MapArea,
}

/// Mirrors `kernel/bpf/arraymap.c:array_map_alloc()` (plain and per-CPU).
pub fn array_map_alloc(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<BpfArray, Errno> {
    let percpu = attr.map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
    let elem_size = attr.value_size.next_multiple_of(8);
    let (max_entries, index_mask) = array_geometry(attr, env)?;
    let copies = if percpu { env.nr_cpus.max(1) } else { 1 };
    let bytes = u64::from(max_entries)
        .checked_mul(u64::from(elem_size))
        .and_then(|b| b.checked_mul(u64::from(copies)))
        .ok_or(ENOMEM)?;
    Ok(BpfArray {
        map_type: attr.map_type,
        value_size: attr.value_size,
        elem_size,
        max_entries: attr.max_entries,
        index_mask,
        copies,
        value: MapArea::new(bytes)?,
    })
}

impl BpfArray {
    /// Offset of element `index`'s copy for `cpu`.
    fn elem_off(&self, index: u32, cpu: u32) -> usize {
        let slot = u64::from(index & self.index_mask) * u64::from(self.copies) + u64::from(cpu % self.copies);
        (slot * u64::from(self.elem_size)) as usize
    }

    fn index(&self, key: &[u8]) -> Option<u32> {
        key_u32(key).filter(|&i| i < self.max_entries)
    }

    fn check_update_flags(&self, index: Option<u32>, flags: u64) -> Result<u32, Errno> {
        if flags & !BpfElemFlags::BPF_F_LOCK.bits() > BpfElemFlags::BPF_EXIST.bits() {
            return Err(EINVAL);
        }
        // All elements were preallocated: none can be inserted.
        let index = index.ok_or(E2BIG)?;
        if flags & BpfElemFlags::BPF_NOEXIST.bits() != 0 {
            return Err(EEXIST);
        }
        // No BTF, hence no bpf_spin_lock in any value.
        if flags & BpfElemFlags::BPF_F_LOCK.bits() != 0 {
            return Err(EINVAL);
        }
        Ok(index)
    }
}

impl BpfMapOps for BpfArray {
    /// Mirrors `array_map_lookup_elem()` / `percpu_array_map_lookup_elem()`.
    fn map_lookup_elem(&self, key: &[u8]) -> Option<NonNull<u8>> {
        let index = self.index(key)?;
        let cpu = if self.copies > 1 { BpfRunCtx::current_cpu() } else { 0 };
        self.value.at(self.elem_off(index, cpu), self.value_size as usize)
    }

    /// Mirrors `array_map_update_elem()`: the program's (or, for a plain
    /// array, the system call's) update of one copy.
    fn map_update_elem(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        let index = self.check_update_flags(self.index(key), flags)?;
        let cpu = if self.copies > 1 { BpfRunCtx::current_cpu() } else { 0 };
        let n = (self.value_size as usize).min(value.len());
        self.value.write(self.elem_off(index, cpu), &value[..n]);
        Ok(())
    }

    /// Mirrors `array_map_delete_elem()`: array elements cannot be deleted.
    fn map_delete_elem(&self, _key: &[u8]) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors `array_map_get_next_key()`: a missing or out-of-range key
    /// starts over at 0; the last index has no successor.
    fn map_get_next_key(&self, key: Option<&[u8]>, next_key: &mut [u8]) -> Result<(), Errno> {
        let index = key.and_then(key_u32).unwrap_or(u32::MAX);
        let next = if index >= self.max_entries {
            0
        } else if index == self.max_entries - 1 {
            return Err(ENOENT);
        } else {
            index + 1
        };
        next_key.get_mut(..4).ok_or(EINVAL)?.copy_from_slice(&next.to_le_bytes());
        Ok(())
    }

    /// Mirrors `array_map_direct_value_addr()`: only single-element plain
    /// arrays give out a value address, the value's base (the caller adds
    /// `off`, which must lie inside the value).
    fn map_direct_value_addr(&self, off: u32) -> Result<u64, Errno> {
        if self.map_type != BPF_MAP_TYPE_ARRAY {
            return Err(crate::errno::EOPNOTSUPP);
        }
        if self.max_entries != 1 {
            return Err(ENOTSUPP);
        }
        if off >= self.value_size {
            return Err(EINVAL);
        }
        Ok(self.value.base() as u64)
    }

    /// Mirrors `array_map_direct_value_meta()`.
    fn map_direct_value_meta(&self, addr: u64) -> Option<u32> {
        if self.map_type != BPF_MAP_TYPE_ARRAY || self.max_entries != 1 {
            return None;
        }
        let base = self.value.base() as u64;
        (addr >= base && addr < base + u64::from(self.elem_size)).then(|| (addr - base) as u32)
    }

    fn contains_value(&self, addr: usize, len: usize) -> bool {
        let Some(off) = self.value.offset_of(addr, len) else { return false };
        let in_elem = off % self.elem_size as usize;
        in_elem + len <= self.value_size as usize
    }

    /// Mirrors `bpf_map_copy_value()`: `copy_map_value()` of the element
    /// for a plain array, `bpf_percpu_array_copy()` (every CPU, 8-byte
    /// aligned) for a per-CPU array.
    fn map_lookup_elem_sys(&self, key: &[u8], value: &mut [u8]) -> Result<(), Errno> {
        let index = self.index(key).ok_or(ENOENT)?;
        if self.copies == 1 {
            let n = (self.value_size as usize).min(value.len());
            self.value.read(self.elem_off(index, 0), &mut value[..n]);
            return Ok(());
        }
        for (cpu, chunk) in value.chunks_mut(self.elem_size as usize).take(self.copies as usize).enumerate() {
            self.value.read(self.elem_off(index, cpu as u32), chunk);
        }
        Ok(())
    }

    /// Mirrors `bpf_map_update_value()`: `bpf_percpu_array_update()` for a
    /// per-CPU array (one 8-byte aligned value per CPU), the plain update
    /// otherwise.
    fn map_update_elem_sys(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        if self.copies == 1 {
            return self.map_update_elem(key, value, flags);
        }
        let index = self.check_update_flags(self.index(key), flags)?;
        let elem = self.elem_size as usize;
        let n = self.value_size as usize;
        for cpu in 0..self.copies {
            let src = value.get(cpu as usize * elem..).unwrap_or(&[]);
            self.value.write(self.elem_off(index, cpu), &src[..n.min(src.len())]);
        }
        Ok(())
    }

    /// Mirrors `array_map_get_hash()`: SHA-256 over every element.
    fn map_get_hash(&self) -> Option<[u8; 32]> {
        if self.map_type != BPF_MAP_TYPE_ARRAY {
            return None;
        }
        let n = self.elem_size as usize * self.max_entries as usize;
        let mut buf = vec![0u8; n];
        self.value.read(0, &mut buf);
        Some(sha256(&buf))
    }

    fn map_mem_usage(&self) -> u64 {
        self.value.len() as u64 + std::mem::size_of::<Self>() as u64
    }
}

/// A `BPF_MAP_TYPE_PROG_ARRAY`: slots of programs for `bpf_tail_call`.
#[derive(Debug)]
pub struct BpfProgArray {
    max_entries: u32,
    /// The creator's `bpf_bypass_spec_v1()` (`map->bypass_spec_v1`).
    bypass_spec_v1: bool,
    slots: RwLock<Box<[Option<Arc<BpfProg>>]>>,
}

/// Mirrors `kernel/bpf/arraymap.c:prog_array_map_alloc()`.
pub fn prog_array_map_alloc(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<BpfProgArray, Errno> {
    let (slots, _) = array_geometry(attr, env)?;
    if u64::from(slots) * 8 > super::BPF_MAP_AREA_MAX {
        return Err(ENOMEM);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(slots as usize).map_err(|_| ENOMEM)?;
    v.resize(slots as usize, None);
    Ok(BpfProgArray {
        max_entries: attr.max_entries,
        bypass_spec_v1: env.bypass_spec_v1,
        slots: RwLock::new(v.into_boxed_slice()),
    })
}

impl BpfProgArray {
    /// Mirrors `kernel/bpf/arraymap.c:prog_array_map_clear()`: empties every
    /// slot (the programs are dropped after the lock is released).
    pub fn prog_array_map_clear(&self) {
        let old: Vec<Arc<BpfProg>> = self.slots.write().iter_mut().filter_map(Option::take).collect();
        drop(old);
    }

    /// Number of occupied slots.
    pub fn occupied(&self) -> usize {
        self.slots.read().iter().filter(|s| s.is_some()).count()
    }
}

impl BpfMapOps for BpfProgArray {
    fn map_bypass_spec_v1(&self) -> bool {
        self.bypass_spec_v1
    }
    /// Programs cannot look into a prog_array (the verifier refuses it).
    fn map_lookup_elem(&self, _key: &[u8]) -> Option<NonNull<u8>> {
        None
    }

    /// Programs cannot update a prog_array; the system call goes through
    /// [`BpfMapOps::map_fd_update_prog`].
    fn map_update_elem(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors `fd_array_map_delete_elem()`.
    fn map_delete_elem(&self, key: &[u8]) -> Result<(), Errno> {
        let index = key_u32(key).ok_or(EINVAL)?;
        if index >= self.max_entries {
            return Err(E2BIG);
        }
        let old = self.slots.write()[index as usize].take();
        match old {
            Some(p) => {
                drop(p);
                Ok(())
            }
            None => Err(ENOENT),
        }
    }

    fn map_get_next_key(&self, key: Option<&[u8]>, next_key: &mut [u8]) -> Result<(), Errno> {
        let index = key.and_then(key_u32).unwrap_or(u32::MAX);
        let next = if index >= self.max_entries {
            0
        } else if index == self.max_entries - 1 {
            return Err(ENOENT);
        } else {
            index + 1
        };
        next_key.get_mut(..4).ok_or(EINVAL)?.copy_from_slice(&next.to_le_bytes());
        Ok(())
    }

    /// The `bpf_tail_call` lookup: out of range or empty is `None` (the
    /// call falls through).
    fn tail_call_prog(&self, index: u32) -> Option<Arc<BpfProg>> {
        if index >= self.max_entries {
            return None;
        }
        self.slots.read()[index as usize].clone()
    }

    /// Mirrors `bpf_fd_array_map_lookup_elem()` with
    /// `prog_fd_array_sys_lookup_elem()`: the system call sees the id.
    fn map_lookup_elem_sys(&self, key: &[u8], value: &mut [u8]) -> Result<(), Errno> {
        let index = key_u32(key).filter(|&i| i < self.max_entries).ok_or(ENOENT)?;
        let id = self.slots.read()[index as usize].as_ref().map(|p| p.aux.id).ok_or(ENOENT)?;
        value.get_mut(..4).ok_or(EINVAL)?.copy_from_slice(&id.to_le_bytes());
        Ok(())
    }

    fn map_update_elem_sys(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// The `xchg` of `bpf_fd_array_map_update_elem()`.
    fn map_fd_update_prog(&self, index: u32, prog: Arc<BpfProg>) -> Result<Option<Arc<BpfProg>>, Errno> {
        if index >= self.max_entries {
            return Err(E2BIG);
        }
        Ok(self.slots.write()[index as usize].replace(prog))
    }

    /// Mirrors `prog_array_map_release_uref()` -> `prog_array_map_clear()`.
    fn map_release_uref(&self) {
        self.prog_array_map_clear();
    }

    fn map_mem_usage(&self) -> u64 {
        self.slots.read().len() as u64 * 8 + std::mem::size_of::<Self>() as u64
    }
}

/// A `BPF_MAP_TYPE_PERF_EVENT_ARRAY`: slots of perf events, one per CPU
/// usually, that `bpf_perf_event_output` writes samples to.
///
/// A slot is filled from user space with the fd of a perf event
/// (`perf_event_fd_array_get_ptr`). This model has no `perf_event_open()`:
/// no fd of a task is a perf event, so `perf_event_get()` refuses every fd
/// with `EBADF` (as the kernel does for an fd that is not a perf event)
/// and every slot stays empty. Programs see what they see in the kernel
/// when no event is open on the slot: `-ENOENT`.
#[derive(Debug)]
pub struct BpfPerfEventArray {
    max_entries: u32,
    /// `max_entries` rounded as `array_map_alloc()` rounds it (the slots
    /// the kernel allocates).
    slots: u32,
}

/// Mirrors `array_map_alloc()` as `perf_event_array_map_ops` uses it: the
/// geometry (and `E2BIG`) of an array of `max_entries` pointers.
pub fn perf_event_array_map_alloc(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<BpfPerfEventArray, Errno> {
    let (slots, _) = array_geometry(attr, env)?;
    if u64::from(slots) * 8 > super::BPF_MAP_AREA_MAX {
        return Err(ENOMEM);
    }
    Ok(BpfPerfEventArray { max_entries: attr.max_entries, slots })
}

impl BpfMapOps for BpfPerfEventArray {
    /// Mirrors `fd_array_map_lookup_elem()`: programs cannot look into an
    /// fd array (the kernel's answer is `ERR_PTR(-EOPNOTSUPP)`; the
    /// verifier refuses the call first).
    fn map_lookup_elem(&self, _key: &[u8]) -> Option<NonNull<u8>> {
        None
    }

    /// Programs cannot update a perf_event_array (the verifier refuses
    /// `bpf_map_update_elem` on it).
    fn map_update_elem(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors `fd_array_map_delete_elem()`: `E2BIG` past the end, `ENOENT`
    /// for an empty slot (every slot, in this model).
    fn map_delete_elem(&self, key: &[u8]) -> Result<(), Errno> {
        let index = key_u32(key).ok_or(EINVAL)?;
        if index >= self.max_entries {
            return Err(E2BIG);
        }
        Err(ENOENT)
    }

    /// Mirrors `array_map_get_next_key()`.
    fn map_get_next_key(&self, key: Option<&[u8]>, next_key: &mut [u8]) -> Result<(), Errno> {
        let index = key.and_then(key_u32).unwrap_or(u32::MAX);
        let next = if index >= self.max_entries {
            0
        } else if index == self.max_entries - 1 {
            return Err(ENOENT);
        } else {
            index + 1
        };
        next_key.get_mut(..4).ok_or(EINVAL)?.copy_from_slice(&next.to_le_bytes());
        Ok(())
    }

    /// Mirrors `bpf_fd_array_map_lookup_elem()`: a perf_event_array has no
    /// `map_fd_sys_lookup_elem`, so the system call cannot read it
    /// (`ENOTSUPP`).
    fn map_lookup_elem_sys(&self, _key: &[u8], _value: &mut [u8]) -> Result<(), Errno> {
        Err(ENOTSUPP)
    }

    /// The system call updates fd arrays through `bpf-syscall`'s
    /// `bpf_fd_array_map_update_elem()`, which resolves the fd first.
    fn map_update_elem_sys(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors the slot lookup of `kernel/trace/bpf_trace.c:
    /// __bpf_perf_event_output()`: an index past the array is `E2BIG`, an
    /// empty slot `ENOENT` (no slot holds an event in this model).
    fn perf_event_output(&self, index: u64, _cpu: u32, _data: &[u8]) -> Result<(), Errno> {
        if index >= u64::from(self.max_entries) {
            return Err(E2BIG);
        }
        Err(ENOENT)
    }

    /// Mirrors `array_map_mem_usage()` for an array of pointers.
    fn map_mem_usage(&self) -> u64 {
        u64::from(self.slots) * 8 + std::mem::size_of::<Self>() as u64
    }
}

/// Mirrors the checks of `kernel/bpf/arraymap.c:bpf_fd_array_map_update_elem()`
/// before its exchange: only `BPF_ANY`, an index in range. The caller
/// then resolves the fd (`map_fd_get_ptr`) and calls
/// [`BpfMapOps::map_fd_update_prog`].
pub fn bpf_fd_array_map_update_check(map: &BpfMap, key: &[u8], flags: u64) -> Result<u32, Errno> {
    if flags != BpfElemFlags::BPF_ANY.bits() {
        return Err(EINVAL);
    }
    let index = key_u32(key).ok_or(EINVAL)?;
    if index >= map.max_entries {
        return Err(E2BIG);
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{attr, env};
    use super::super::*;
    use super::*;

    #[test]
    fn alloc_checks_are_the_kernels() {
        // Expectations recorded from Linux 6.18.44 (BPF_MAP_CREATE as root).
        let f = BpfMapFlags::empty();
        let check = |t, ks, vs, me, fl| bpf_map_alloc_check(&attr(t, ks, vs, me, fl), &env());
        for t in [
            BPF_MAP_TYPE_ARRAY,
            BPF_MAP_TYPE_PERCPU_ARRAY,
            BPF_MAP_TYPE_PROG_ARRAY,
            BPF_MAP_TYPE_PERF_EVENT_ARRAY,
        ] {
            assert_eq!(check(t, 4, 4, 1, f), Ok(()));
            assert_eq!(check(t, 0, 4, 1, f), Err(EINVAL));
            assert_eq!(check(t, 8, 4, 1, f), Err(EINVAL));
            assert_eq!(check(t, 4, 0, 1, f), Err(EINVAL));
            assert_eq!(check(t, 4, 4, 0, f), Err(EINVAL));
            assert_eq!(check(t, 4, 4, 1, BpfMapFlags::BPF_F_NO_PREALLOC), Err(EINVAL));
            assert_eq!(
                check(t, 4, 4, 1, BpfMapFlags::BPF_F_RDONLY_PROG | BpfMapFlags::BPF_F_WRONLY_PROG),
                Err(EINVAL)
            );
        }
        assert_eq!(check(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BpfMapFlags::BPF_F_MMAPABLE), Ok(()));
        assert_eq!(check(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, BpfMapFlags::BPF_F_MMAPABLE), Err(EINVAL));
        assert_eq!(check(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BpfMapFlags::BPF_F_INNER_MAP), Ok(()));
        assert_eq!(check(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 1, f), Err(EINVAL));
        assert_eq!(check(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 1, f), Err(EINVAL));
        let pe = |fl| check(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, fl);
        assert_eq!(pe(BpfMapFlags::BPF_F_PRESERVE_ELEMS), Ok(()));
        assert_eq!(pe(BpfMapFlags::BPF_F_RDONLY), Ok(()));
        assert_eq!(pe(BpfMapFlags::BPF_F_NUMA_NODE), Ok(()));
        for bad in [
            BpfMapFlags::BPF_F_RDONLY_PROG,
            BpfMapFlags::BPF_F_WRONLY_PROG,
            BpfMapFlags::BPF_F_MMAPABLE,
            BpfMapFlags::BPF_F_INNER_MAP,
        ] {
            assert_eq!(pe(bad), Err(EINVAL));
        }
        assert_eq!(check(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BpfMapFlags::BPF_F_PRESERVE_ELEMS), Err(EINVAL));
        assert_eq!(check(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 1, f), Ok(()));
        assert_eq!(check(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1, f), Err(E2BIG));
        assert_eq!(check(BPF_MAP_TYPE_ARRAY, 4, 32769, 1, f), Ok(()));
        assert_eq!(check(BPF_MAP_TYPE_ARRAY, 4, 1 << 31, 1, f), Err(E2BIG));
        let mut numa = attr(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, BpfMapFlags::BPF_F_NUMA_NODE);
        numa.numa_node = 0;
        assert_eq!(bpf_map_alloc_check(&numa, &env()), Err(EINVAL));
        numa.map_type = BPF_MAP_TYPE_ARRAY;
        assert_eq!(bpf_map_alloc_check(&numa, &env()), Ok(()));
    }

    #[test]
    fn unprivileged_arrays_round_up_and_can_overflow() {
        let mut e = env();
        e.bypass_spec_v1 = false;
        let a = array_map_alloc(&attr(BPF_MAP_TYPE_ARRAY, 4, 8, 5, BpfMapFlags::empty()), &e).unwrap();
        assert_eq!(a.index_mask, 7);
        assert_eq!(a.value.len(), 64);
        let big = attr(BPF_MAP_TYPE_ARRAY, 4, 4, (1 << 31) + 1, BpfMapFlags::empty());
        assert_eq!(array_map_alloc(&big, &e).unwrap_err(), E2BIG);
        assert_eq!(
            array_map_alloc(&attr(BPF_MAP_TYPE_ARRAY, 4, 1 << 20, 1 << 20, BpfMapFlags::empty()), &env())
                .unwrap_err(),
            ENOMEM
        );
    }

    #[test]
    fn array_elements_and_errnos() {
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BpfMapFlags::empty()), &env()).unwrap();
        let k = |i: u32| i.to_le_bytes();
        assert_eq!(m.ops.map_update_elem(&k(1), &7u64.to_le_bytes(), 0), Ok(()));
        assert_eq!(m.ops.map_update_elem(&k(1), &7u64.to_le_bytes(), 1), Err(EEXIST));
        assert_eq!(m.ops.map_update_elem(&k(1), &7u64.to_le_bytes(), 3), Err(EINVAL));
        assert_eq!(m.ops.map_update_elem(&k(1), &7u64.to_le_bytes(), 4), Err(EINVAL));
        assert_eq!(m.ops.map_update_elem(&k(9), &7u64.to_le_bytes(), 0), Err(E2BIG));
        assert_eq!(m.ops.map_update_elem(&k(9), &7u64.to_le_bytes(), 1), Err(E2BIG));
        let mut v = [0u8; 8];
        assert_eq!(m.ops.map_lookup_elem_sys(&k(1), &mut v), Ok(()));
        assert_eq!(u64::from_le_bytes(v), 7);
        assert_eq!(m.ops.map_lookup_elem_sys(&k(9), &mut v), Err(ENOENT));
        assert_eq!(m.ops.map_delete_elem(&k(1)), Err(EINVAL));
        let mut nk = [0u8; 4];
        assert_eq!(m.ops.map_get_next_key(None, &mut nk), Ok(()));
        assert_eq!(nk, k(0));
        assert_eq!(m.ops.map_get_next_key(Some(&k(3)), &mut nk), Err(ENOENT));
        assert_eq!(m.ops.map_get_next_key(Some(&k(9)), &mut nk), Ok(()));
        assert_eq!(nk, k(0));
        // The program's pointer sees the system call's write, and stays put.
        let p = m.ops.map_lookup_elem(&k(2)).unwrap();
        m.ops.map_update_elem(&k(2), &99u64.to_le_bytes(), 0).unwrap();
        // SAFETY: `p` points at 8 bytes of the live map's value area.
        assert_eq!(unsafe { p.as_ptr().cast::<u64>().read_unaligned() }, 99);
        assert_eq!(m.ops.map_lookup_elem(&k(2)), Some(p));
        assert!(m.ops.contains_value(p.as_ptr() as usize, 8));
        assert!(!m.ops.contains_value(p.as_ptr() as usize + 4, 8));
        assert_eq!(m.ops.map_direct_value_addr(0), Err(ENOTSUPP));
    }

    #[test]
    fn direct_value_access_of_a_single_element_array() {
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_ARRAY, 4, 12, 1, BpfMapFlags::empty()), &env()).unwrap();
        // The base comes back whatever `off` is (the verifier adds it), and
        // meta turns base + off back into off.
        let base = m.ops.map_direct_value_addr(0).unwrap();
        assert_eq!(m.ops.map_direct_value_addr(4), Ok(base));
        let a = base + 4;
        assert_eq!(m.ops.map_direct_value_meta(a), Some(4));
        assert_eq!(m.ops.map_direct_value_addr(12), Err(EINVAL));
        assert_eq!(m.ops.map_direct_value_meta(a + 100), None);
        let pc =
            bpf_map_alloc(&attr(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 1, BpfMapFlags::empty()), &env()).unwrap();
        assert_eq!(pc.ops.map_direct_value_addr(0), Err(crate::errno::EOPNOTSUPP));
    }

    #[test]
    fn percpu_array_copies() {
        let m =
            bpf_map_alloc(&attr(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, BpfMapFlags::empty()), &env()).unwrap();
        let mut all = vec![0u8; m.bpf_map_value_size(2) as usize];
        all[..4].copy_from_slice(&1u32.to_le_bytes());
        all[8..12].copy_from_slice(&2u32.to_le_bytes());
        m.ops.map_update_elem_sys(&0u32.to_le_bytes(), &all, 0).unwrap();
        let boot = std::time::Instant::now();
        let cpu1 = BpfRunCtx::new(1, 2, boot);
        let _g = cpu1.enter();
        let p = m.ops.map_lookup_elem(&0u32.to_le_bytes()).unwrap();
        // SAFETY: `p` points at the 4-byte value of CPU 1.
        assert_eq!(unsafe { p.as_ptr().cast::<u32>().read_unaligned() }, 2);
        m.ops.map_update_elem(&0u32.to_le_bytes(), &5u32.to_le_bytes(), 0).unwrap();
        let mut out = vec![0u8; 16];
        m.ops.map_lookup_elem_sys(&0u32.to_le_bytes(), &mut out).unwrap();
        assert_eq!(&out[..4], &1u32.to_le_bytes());
        assert_eq!(&out[8..12], &5u32.to_le_bytes());
    }

    #[test]
    fn perf_event_array_slots_are_empty() {
        // The live kernel, with no perf event in any slot.
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, BpfMapFlags::empty()), &env())
            .unwrap();
        let k = |i: u32| i.to_le_bytes();
        assert_eq!(m.bpf_map_value_size(2), 4);
        assert_eq!(m.ops.map_delete_elem(&k(0)), Err(ENOENT));
        assert_eq!(m.ops.map_delete_elem(&k(5)), Err(E2BIG));
        let mut v = [0u8; 4];
        assert_eq!(m.ops.map_lookup_elem_sys(&k(0), &mut v), Err(ENOTSUPP));
        assert_eq!(m.ops.map_lookup_elem(&k(0)), None);
        let mut nk = [0u8; 4];
        assert_eq!(m.ops.map_get_next_key(None, &mut nk), Ok(()));
        assert_eq!(nk, k(0));
        assert_eq!(m.ops.map_get_next_key(Some(&k(1)), &mut nk), Err(ENOENT));
        assert_eq!(m.ops.perf_event_output(1, 0, &[1, 2]), Err(ENOENT));
        assert_eq!(m.ops.perf_event_output(2, 0, &[]), Err(E2BIG));
        let a = bpf_map_alloc(&attr(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BpfMapFlags::empty()), &env()).unwrap();
        assert_eq!(a.ops.perf_event_output(0, 0, &[]), Err(EINVAL));
    }

    #[test]
    fn array_hash_covers_every_element() {
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BpfMapFlags::empty()), &env()).unwrap();
        assert_eq!(m.ops.map_get_hash(), Some(sha256(&[0u8; 16])));
        let h = bpf_map_alloc(&attr(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, BpfMapFlags::empty()), &env()).unwrap();
        assert_eq!(h.ops.map_get_hash(), None);
    }
}

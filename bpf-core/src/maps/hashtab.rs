//! Mirrors `kernel/bpf/hashtab.c` (v6.18): `BPF_MAP_TYPE_HASH` and
//! `BPF_MAP_TYPE_PERCPU_HASH`.
//!
//! The table has `roundup_pow_of_two(max_entries)` buckets; a key's bucket
//! is `htab_map_hash(key, key_size, hashrnd) & (n_buckets - 1)` and a new
//! element goes to the head of its bucket's list, as
//! `hlist_nulls_add_head_rcu` puts it. With `BPF_F_ZERO_SEED` the seed is
//! 0, so keys land in the kernel's buckets and `BPF_MAP_GET_NEXT_KEY`
//! returns them in the kernel's order.
//!
//! Elements live in slots that are allocated in chunks and never freed
//! before the map: a value pointer a program holds stays valid (a deleted
//! slot is reused for a later element, as the kernel's preallocated
//! elements are). Each bucket list is protected by one of a fixed set of
//! striped locks, standing for the kernel's per-bucket locks.

use super::area::MapArea;
use super::{bpf_map_flags_access_ok, BpfMapAttr, BpfMapEnv, BpfMapOps, BPF_F_ACCESS_MASK, KMALLOC_MAX_SIZE};
use super::{NUMA_NO_NODE, PCPU_MIN_UNIT_SIZE};
use crate::errno::{Errno, E2BIG, EEXIST, EINVAL, ENOENT, ENOMEM, ENOTSUPP, EPERM};
use crate::run_ctx::BpfRunCtx;
use crate::uapi::*;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// `HTAB_CREATE_FLAG_MASK`.
pub const HTAB_CREATE_FLAG_MASK: BpfMapFlags = BpfMapFlags::BPF_F_NO_PREALLOC
    .union(BpfMapFlags::BPF_F_NO_COMMON_LRU)
    .union(BpfMapFlags::BPF_F_NUMA_NODE)
    .union(BPF_F_ACCESS_MASK)
    .union(BpfMapFlags::BPF_F_ZERO_SEED);

/// `sizeof(struct htab_elem)` in v6.18 on x86-64, before the key.
pub const HTAB_ELEM_HEADER_SIZE: u64 = 48;

/// `sizeof(struct bucket)`.
const BUCKET_SIZE: u64 = 16;

/// Slots per chunk.
const CHUNK: u32 = 256;

/// Number of striped bucket locks.
const LOCKS: usize = 256;

/// Header of a slot: hash, next slot + 1 (0 ends the list), in use, in
/// the first 16 bytes, padded to the size of the kernel's `struct
/// htab_elem` header, so that the value is `HTAB_ELEM_HEADER_SIZE +
/// round_up(key_size, 8)` bytes into the slot, as the lookup
/// `htab_map_gen_lookup` inlines expects.
const HDR: usize = HTAB_ELEM_HEADER_SIZE as usize;

/// Mirrors `kernel/bpf/hashtab.c:htab_map_alloc_check()`.
///
/// Keys and values may not be empty, an element must stay kmalloc-able,
/// a per-CPU value is bound by `PCPU_MIN_UNIT_SIZE`, and zeroing the hash
/// seed needs `CAP_SYS_ADMIN`.
pub fn htab_map_alloc_check(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<(), Errno> {
    let percpu = matches!(attr.map_type, BPF_MAP_TYPE_PERCPU_HASH | BPF_MAP_TYPE_LRU_PERCPU_HASH);
    let lru = matches!(attr.map_type, BPF_MAP_TYPE_LRU_HASH | BPF_MAP_TYPE_LRU_PERCPU_HASH);
    let flags = attr.flags();
    let percpu_lru = flags.contains(BpfMapFlags::BPF_F_NO_COMMON_LRU);
    let prealloc = !flags.contains(BpfMapFlags::BPF_F_NO_PREALLOC);
    let zero_seed = flags.contains(BpfMapFlags::BPF_F_ZERO_SEED);

    // Guard against local DoS, and discourage production use.
    if zero_seed && !env.sys_admin {
        return Err(EPERM);
    }
    if !(flags - HTAB_CREATE_FLAG_MASK).is_empty() || !bpf_map_flags_access_ok(flags) {
        return Err(EINVAL);
    }
    if !lru && percpu_lru {
        return Err(EINVAL);
    }
    if lru && !prealloc {
        return Err(ENOTSUPP);
    }
    if attr.numa_node != NUMA_NO_NODE && (percpu || percpu_lru) {
        return Err(EINVAL);
    }
    if attr.max_entries == 0 || attr.key_size == 0 || attr.value_size == 0 {
        return Err(EINVAL);
    }
    // Bigger elements could not be moved by the system call.
    if u64::from(attr.key_size) + u64::from(attr.value_size) >= KMALLOC_MAX_SIZE - HTAB_ELEM_HEADER_SIZE {
        return Err(E2BIG);
    }
    if percpu && attr.value_size.next_multiple_of(8) > PCPU_MIN_UNIT_SIZE {
        return Err(E2BIG);
    }
    Ok(())
}

/// A hash table (`struct bpf_htab`).
pub struct BpfHtab {
    percpu: bool,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    n_buckets: u32,
    hashrnd: u32,
    /// Copies of the value per element (`num_possible_cpus()` if per-CPU).
    copies: u32,
    /// `round_up(key_size, 8)`.
    key_room: usize,
    /// `round_up(value_size, 8)`.
    value_room: usize,
    /// Bytes per slot: header, key, values.
    slot_size: usize,
    /// Bucket heads: slot index + 1, 0 for an empty bucket.
    heads: MapArea,
    locks: Box<[Mutex<()>]>,
    chunks: Box<[OnceLock<MapArea>]>,
    /// Chunk base address -> chunk index, for `contains_value`.
    chunk_by_addr: Mutex<BTreeMap<usize, u32>>,
    pool: Mutex<SlotPool>,
    /// Elements in the table (`htab->count`).
    count: AtomicU32,
}

#[derive(Debug, Default)]
struct SlotPool {
    never_used: u32,
    free: Vec<u32>,
}

impl std::fmt::Debug for BpfHtab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BpfHtab")
            .field("percpu", &self.percpu)
            .field("n_buckets", &self.n_buckets)
            .field("count", &self.count.load(Ordering::Relaxed))
            .finish()
    }
}

/// Mirrors `kernel/bpf/hashtab.c:htab_map_alloc()` for the hash types we
/// model (no LRU).
pub fn htab_map_alloc(attr: &BpfMapAttr, env: &BpfMapEnv) -> Result<BpfHtab, Errno> {
    let percpu = attr.map_type == BPF_MAP_TYPE_PERCPU_HASH;
    let n_buckets = attr.max_entries.checked_next_power_of_two().unwrap_or(0);
    // Prevent a zero-sized allocation and check for u32 overflow.
    if n_buckets == 0 || u64::from(n_buckets) > u64::from(u32::MAX) / BUCKET_SIZE {
        return Err(E2BIG);
    }
    let hashrnd = if BpfMapFlags::from_bits_retain(attr.map_flags).contains(BpfMapFlags::BPF_F_ZERO_SEED) {
        0
    } else {
        env.hash_seed
    };
    let copies = if percpu { env.nr_cpus.max(1) } else { 1 };
    let key_room = attr.key_size.next_multiple_of(8) as usize;
    let value_room = attr.value_size.next_multiple_of(8) as usize;
    let slot_size = HDR + key_room + value_room * copies as usize;
    // Extra elements let an update replace an element of a full table
    // (`htab_has_extra_elems`: every type but per-CPU and LRU).
    let extra = if percpu { 0 } else { env.nr_cpus.max(1) };
    let slots = u64::from(attr.max_entries) + u64::from(extra);
    if slots * slot_size as u64 > super::BPF_MAP_AREA_MAX {
        return Err(ENOMEM);
    }
    let nchunks = slots.div_ceil(u64::from(CHUNK)) as usize;
    let mut chunks = Vec::new();
    chunks.try_reserve_exact(nchunks).map_err(|_| ENOMEM)?;
    chunks.resize_with(nchunks, OnceLock::new);
    Ok(BpfHtab {
        percpu,
        key_size: attr.key_size,
        value_size: attr.value_size,
        max_entries: attr.max_entries,
        n_buckets,
        hashrnd,
        copies,
        key_room,
        value_room,
        slot_size,
        heads: MapArea::new(u64::from(n_buckets) * 4)?,
        locks: (0..LOCKS).map(|_| Mutex::new(())).collect(),
        chunks: chunks.into_boxed_slice(),
        chunk_by_addr: Mutex::new(BTreeMap::new()),
        pool: Mutex::new(SlotPool::default()),
        count: AtomicU32::new(0),
    })
}

/// A found element: its slot and the slot before it in the bucket list.
struct Found {
    slot: u32,
    prev: Option<u32>,
}

impl BpfHtab {
    fn slots_total(&self) -> u32 {
        (self.chunks.len() as u32) * CHUNK
    }

    fn chunk(&self, idx: usize) -> Option<&MapArea> {
        self.chunks.get(idx)?.get()
    }

    /// Pointer to the start of `slot`, allocating its chunk if needed.
    fn slot_ptr(&self, slot: u32) -> Option<NonNull<u8>> {
        let (c, i) = ((slot / CHUNK) as usize, (slot % CHUNK) as usize);
        let area = match self.chunk(c) {
            Some(a) => a,
            None => {
                let cell = self.chunks.get(c)?;
                let area = MapArea::new((CHUNK as usize * self.slot_size) as u64).ok()?;
                let a = cell.get_or_init(|| area);
                self.chunk_by_addr.lock().insert(a.base() as usize, c as u32);
                a
            }
        };
        area.at(i * self.slot_size, self.slot_size)
    }

    fn hdr(&self, slot: u32, word: usize) -> &AtomicU32 {
        let p = self.slot_ptr(slot).expect("slot of a live element");
        // SAFETY: every slot starts with a 16-byte header of four u32
        // words; slots are 8-byte aligned (chunks are, and slot sizes are
        // multiples of 8). The chunk lives as long as `self`.
        unsafe { &*(p.as_ptr().add(word * 4) as *const AtomicU32) }
    }

    fn head(&self, bucket: u32) -> &AtomicU32 {
        let p = self.heads.at(bucket as usize * 4, 4).expect("bucket in range");
        // SAFETY: `heads` holds n_buckets aligned u32 words and lives as
        // long as `self`.
        unsafe { &*(p.as_ptr() as *const AtomicU32) }
    }

    fn key_of(&self, slot: u32) -> &[u8] {
        let p = self.slot_ptr(slot).expect("slot of a live element");
        // SAFETY: the key follows the header inside the slot; it is only
        // rewritten while the slot is off every list (under the pool).
        unsafe { std::slice::from_raw_parts(p.as_ptr().add(HDR), self.key_size as usize) }
    }

    fn value_ptr(&self, slot: u32, cpu: u32) -> NonNull<u8> {
        let p = self.slot_ptr(slot).expect("slot of a live element");
        let off = HDR + self.key_room + (cpu % self.copies) as usize * self.value_room;
        // SAFETY: `off + value_room <= slot_size` by construction.
        unsafe { NonNull::new_unchecked(p.as_ptr().add(off)) }
    }

    fn bucket_of(&self, hash: u32) -> u32 {
        hash & (self.n_buckets - 1)
    }

    fn lock(&self, bucket: u32) -> parking_lot::MutexGuard<'_, ()> {
        self.locks[bucket as usize % LOCKS].lock()
    }

    fn next_of(&self, slot: u32) -> Option<u32> {
        self.hdr(slot, 1).load(Ordering::Acquire).checked_sub(1)
    }

    /// `lookup_elem_raw()`: walks the bucket list. Caller holds the lock.
    fn find(&self, bucket: u32, hash: u32, key: &[u8]) -> Option<Found> {
        let mut prev = None;
        let mut cur = self.head(bucket).load(Ordering::Acquire).checked_sub(1);
        while let Some(s) = cur {
            if self.hdr(s, 0).load(Ordering::Relaxed) == hash && self.key_of(s) == key {
                return Some(Found { slot: s, prev });
            }
            prev = Some(s);
            cur = self.next_of(s);
        }
        None
    }

    fn alloc_slot(&self) -> Option<u32> {
        let mut pool = self.pool.lock();
        if let Some(s) = pool.free.pop() {
            return Some(s);
        }
        if pool.never_used < self.slots_total() {
            let s = pool.never_used;
            self.slot_ptr(s)?;
            pool.never_used += 1;
            return Some(s);
        }
        None
    }

    fn free_slot(&self, slot: u32) {
        self.hdr(slot, 2).store(0, Ordering::Release);
        self.pool.lock().free.push(slot);
    }

    /// Unlinks `f` from its bucket. Caller holds the lock.
    fn unlink(&self, bucket: u32, f: &Found) {
        let next = self.hdr(f.slot, 1).load(Ordering::Acquire);
        match f.prev {
            Some(p) => self.hdr(p, 1).store(next, Ordering::Release),
            None => self.head(bucket).store(next, Ordering::Release),
        }
    }

    fn key_ok<'k>(&self, key: &'k [u8]) -> Option<&'k [u8]> {
        key.get(..self.key_size as usize)
    }

    /// Writes the values of a new or updated element: every CPU's copy
    /// from `value` when `onallcpus`, else the current CPU's (zeroing the
    /// others' for a new per-CPU element, as `pcpu_init_value` does).
    fn write_values(&self, slot: u32, value: &[u8], onallcpus: bool, new: bool) {
        let n = (self.value_size as usize).min(value.len());
        if !self.percpu {
            // SAFETY: `value_ptr` points at `value_room >= n` bytes of the slot.
            unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), self.value_ptr(slot, 0).as_ptr(), n) };
            return;
        }
        let cur = BpfRunCtx::current_cpu() % self.copies;
        for cpu in 0..self.copies {
            let dst = self.value_ptr(slot, cpu);
            if onallcpus {
                let src = value.get(cpu as usize * self.value_room..).unwrap_or(&[]);
                let m = (self.value_size as usize).min(src.len());
                // SAFETY: `dst` has `value_room` bytes; `src` is a distinct buffer.
                unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_ptr(), m) };
            } else if cpu == cur {
                // SAFETY: as above.
                unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), dst.as_ptr(), n) };
            } else if new {
                // SAFETY: `dst` has `value_room` bytes.
                unsafe { std::ptr::write_bytes(dst.as_ptr(), 0, self.value_room) };
            }
        }
    }

    /// Mirrors `htab_map_update_elem()` / `__htab_percpu_map_update_elem()`.
    fn update(&self, key: &[u8], value: &[u8], flags: u64, onallcpus: bool) -> Result<(), Errno> {
        if flags & !BpfElemFlags::BPF_F_LOCK.bits() > BpfElemFlags::BPF_EXIST.bits() {
            return Err(EINVAL);
        }
        // No BTF, hence no bpf_spin_lock in any value.
        if flags & BpfElemFlags::BPF_F_LOCK.bits() != 0 {
            return Err(EINVAL);
        }
        let key = self.key_ok(key).ok_or(EINVAL)?;
        let hash = super::jhash::htab_map_hash(key, self.hashrnd);
        let bucket = self.bucket_of(hash);
        let _g = self.lock(bucket);
        let old = self.find(bucket, hash, key);
        // check_flags()
        let mode = flags & !BpfElemFlags::BPF_F_LOCK.bits();
        if old.is_some() && mode == BpfElemFlags::BPF_NOEXIST.bits() {
            return Err(EEXIST);
        }
        if old.is_none() && mode == BpfElemFlags::BPF_EXIST.bits() {
            return Err(ENOENT);
        }
        if let (true, Some(o)) = (self.percpu, old.as_ref()) {
            // A per-CPU element is updated in place.
            self.write_values(o.slot, value, onallcpus, false);
            return Ok(());
        }
        if old.is_none() && self.count.load(Ordering::Acquire) >= self.max_entries {
            return Err(E2BIG);
        }
        let Some(slot) = self.alloc_slot() else {
            return match &old {
                Some(o) => {
                    self.write_values(o.slot, value, onallcpus, false);
                    Ok(())
                }
                None => Err(E2BIG),
            };
        };
        let p = self.slot_ptr(slot).ok_or(ENOMEM)?;
        // SAFETY: the slot is ours (popped from the pool, on no list); the
        // key room follows the 16-byte header.
        unsafe { std::ptr::copy_nonoverlapping(key.as_ptr(), p.as_ptr().add(HDR), key.len()) };
        self.write_values(slot, value, onallcpus, true);
        self.hdr(slot, 0).store(hash, Ordering::Relaxed);
        self.hdr(slot, 2).store(1, Ordering::Release);
        // Add the new element first, then drop the old one, so a
        // concurrent lookup always finds one of them.
        self.hdr(slot, 1).store(self.head(bucket).load(Ordering::Acquire), Ordering::Release);
        self.head(bucket).store(slot + 1, Ordering::Release);
        match old {
            Some(mut o) => {
                if o.prev.is_none() {
                    o.prev = Some(slot);
                }
                self.unlink(bucket, &o);
                self.free_slot(o.slot);
            }
            None => {
                self.count.fetch_add(1, Ordering::AcqRel);
            }
        }
        Ok(())
    }

    /// Number of elements.
    pub fn len(&self) -> u32 {
        self.count.load(Ordering::Acquire)
    }

    /// Is the table empty?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl BpfMapOps for BpfHtab {
    /// Mirrors `htab_map_lookup_elem()` / `htab_percpu_map_lookup_elem()`.
    fn map_lookup_elem(&self, key: &[u8]) -> Option<NonNull<u8>> {
        let key = self.key_ok(key)?;
        let hash = super::jhash::htab_map_hash(key, self.hashrnd);
        let bucket = self.bucket_of(hash);
        let _g = self.lock(bucket);
        let f = self.find(bucket, hash, key)?;
        let cpu = if self.percpu { BpfRunCtx::current_cpu() } else { 0 };
        Some(self.value_ptr(f.slot, cpu))
    }

    fn map_update_elem(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        self.update(key, value, flags, false)
    }

    /// Mirrors `htab_map_delete_elem()`.
    fn map_delete_elem(&self, key: &[u8]) -> Result<(), Errno> {
        let key = self.key_ok(key).ok_or(EINVAL)?;
        let hash = super::jhash::htab_map_hash(key, self.hashrnd);
        let bucket = self.bucket_of(hash);
        let _g = self.lock(bucket);
        let f = self.find(bucket, hash, key).ok_or(ENOENT)?;
        self.unlink(bucket, &f);
        self.free_slot(f.slot);
        self.count.fetch_sub(1, Ordering::AcqRel);
        Ok(())
    }

    /// Mirrors `htab_map_get_next_key()`: the next element of the key's
    /// bucket, else the first element of a later bucket; an absent key
    /// starts from the first bucket.
    fn map_get_next_key(&self, key: Option<&[u8]>, next_key: &mut [u8]) -> Result<(), Errno> {
        let ks = self.key_size as usize;
        let out = next_key.get_mut(..ks).ok_or(EINVAL)?;
        let mut first = 0u32;
        if let Some(key) = key.and_then(|k| self.key_ok(k)) {
            let hash = super::jhash::htab_map_hash(key, self.hashrnd);
            let bucket = self.bucket_of(hash);
            let g = self.lock(bucket);
            if let Some(f) = self.find(bucket, hash, key) {
                if let Some(n) = self.next_of(f.slot) {
                    out.copy_from_slice(self.key_of(n));
                    return Ok(());
                }
                first = bucket + 1;
            }
            drop(g);
        }
        for b in first..self.n_buckets {
            if self.head(b).load(Ordering::Acquire) == 0 {
                continue;
            }
            let _g = self.lock(b);
            if let Some(s) = self.head(b).load(Ordering::Acquire).checked_sub(1) {
                out.copy_from_slice(self.key_of(s));
                return Ok(());
            }
        }
        Err(ENOENT)
    }

    fn contains_value(&self, addr: usize, len: usize) -> bool {
        let chunk = {
            let m = self.chunk_by_addr.lock();
            match m.range(..=addr).next_back() {
                Some((_, &c)) => c,
                None => return false,
            }
        };
        let Some(area) = self.chunk(chunk as usize) else { return false };
        let Some(off) = area.offset_of(addr, len) else { return false };
        let slot = chunk * CHUNK + (off / self.slot_size) as u32;
        let in_slot = off % self.slot_size;
        if in_slot < HDR + self.key_room || self.hdr(slot, 2).load(Ordering::Acquire) == 0 {
            return false;
        }
        let in_value = (in_slot - HDR - self.key_room) % self.value_room;
        in_value + len <= self.value_size as usize
    }

    /// Mirrors `bpf_map_copy_value()`: `copy_map_value()` of the element,
    /// or `bpf_percpu_hash_copy()` (every CPU's copy, 8-byte aligned).
    fn map_lookup_elem_sys(&self, key: &[u8], value: &mut [u8]) -> Result<(), Errno> {
        let key = self.key_ok(key).ok_or(EINVAL)?;
        let hash = super::jhash::htab_map_hash(key, self.hashrnd);
        let bucket = self.bucket_of(hash);
        let _g = self.lock(bucket);
        let f = self.find(bucket, hash, key).ok_or(ENOENT)?;
        let per = if self.percpu { self.value_room } else { self.value_size as usize };
        for (cpu, chunk) in value.chunks_mut(per).take(self.copies as usize).enumerate() {
            let n = chunk.len().min(if self.percpu { self.value_room } else { self.value_size as usize });
            let src = self.value_ptr(f.slot, cpu as u32);
            // SAFETY: `src` has `value_room >= n` bytes; `chunk` is a Rust buffer.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), chunk.as_mut_ptr(), n) };
        }
        Ok(())
    }

    /// Mirrors `__htab_map_lookup_and_delete_elem()`: the value (every
    /// CPU's copy, 8-byte aligned, for a per-CPU hash) copied out and the
    /// element unlinked under one bucket lock. Without BTF no value holds a
    /// `bpf_spin_lock`, so `BPF_F_LOCK` is `EINVAL` (the system call
    /// refuses it first).
    fn map_lookup_and_delete_elem(&self, key: &[u8], value: &mut [u8], flags: u64) -> Result<(), Errno> {
        if flags & BpfElemFlags::BPF_F_LOCK.bits() != 0 {
            return Err(EINVAL);
        }
        let key = self.key_ok(key).ok_or(EINVAL)?;
        let hash = super::jhash::htab_map_hash(key, self.hashrnd);
        let bucket = self.bucket_of(hash);
        let _g = self.lock(bucket);
        let f = self.find(bucket, hash, key).ok_or(ENOENT)?;
        let per = if self.percpu { self.value_room } else { self.value_size as usize };
        for (cpu, chunk) in value.chunks_mut(per).take(self.copies as usize).enumerate() {
            let n = chunk.len().min(per);
            let src = self.value_ptr(f.slot, cpu as u32);
            // SAFETY: `src` has `value_room >= n` bytes; `chunk` is a Rust buffer.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), chunk.as_mut_ptr(), n) };
        }
        self.unlink(bucket, &f);
        self.free_slot(f.slot);
        self.count.fetch_sub(1, Ordering::AcqRel);
        Ok(())
    }

    /// Mirrors `bpf_map_update_value()`: `bpf_percpu_hash_update()` writes
    /// every CPU's copy.
    fn map_update_elem_sys(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        self.update(key, value, flags, true)
    }

    /// Mirrors `htab_map_gen_lookup()`'s layout: the value is this many
    /// bytes into the element `__htab_map_lookup_elem` returns (plain hash
    /// tables; a per-CPU one has a pointer there).
    fn map_gen_lookup_value_off(&self) -> Option<u32> {
        (!self.percpu).then_some((HDR + self.key_room) as u32)
    }

    /// Mirrors `__htab_map_lookup_elem()`: the element holding `key`.
    fn htab_lookup_elem_raw(&self, key: &[u8]) -> Option<NonNull<u8>> {
        if self.percpu {
            return None;
        }
        let key = self.key_ok(key)?;
        let hash = super::jhash::htab_map_hash(key, self.hashrnd);
        let bucket = self.bucket_of(hash);
        let _g = self.lock(bucket);
        let f = self.find(bucket, hash, key)?;
        self.slot_ptr(f.slot)
    }

    fn map_mem_usage(&self) -> u64 {
        let chunks = self.chunks.iter().filter(|c| c.get().is_some()).count() as u64;
        self.heads.len() as u64 + chunks * u64::from(CHUNK) * self.slot_size as u64
    }
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
        for t in [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH] {
            assert_eq!(check(t, 4, 4, 1, f), Ok(()));
            assert_eq!(check(t, 0, 4, 1, f), Err(EINVAL));
            assert_eq!(check(t, 8, 4, 1, f), Ok(()));
            assert_eq!(check(t, 4, 0, 1, f), Err(EINVAL));
            assert_eq!(check(t, 4, 4, 0, f), Err(EINVAL));
            assert_eq!(check(t, 4, 4, 1, BpfMapFlags::BPF_F_NO_PREALLOC), Ok(()));
            assert_eq!(check(t, 4, 4, 1, BpfMapFlags::BPF_F_MMAPABLE), Err(EINVAL));
            assert_eq!(check(t, 4, 4, 1, BpfMapFlags::BPF_F_NO_COMMON_LRU), Err(EINVAL));
            assert_eq!(check(t, 4, 4, 1, BpfMapFlags::BPF_F_ZERO_SEED), Ok(()));
        }
        assert_eq!(check(BPF_MAP_TYPE_HASH, 4, 4194251, 1, f), Ok(()));
        assert_eq!(check(BPF_MAP_TYPE_HASH, 4, 4194252, 1, f), Err(E2BIG));
        assert_eq!(check(BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 1, f), Err(E2BIG));
        let mut unpriv = env();
        unpriv.sys_admin = false;
        let zs = attr(BPF_MAP_TYPE_HASH, 4, 4, 1, BpfMapFlags::BPF_F_ZERO_SEED);
        assert_eq!(bpf_map_alloc_check(&zs, &unpriv), Err(EPERM));
        assert_eq!(bpf_map_alloc(&attr(BPF_MAP_TYPE_HASH, 4, 4, 1 << 31, f), &env()).unwrap_err(), E2BIG);
    }

    #[test]
    fn update_flags_and_capacity() {
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_HASH, 4, 8, 2, BpfMapFlags::empty()), &env()).unwrap();
        let k = |i: u32| i.to_le_bytes();
        let v = 7u64.to_le_bytes();
        assert_eq!(m.ops.map_update_elem(&k(1), &v, 0), Ok(()));
        assert_eq!(m.ops.map_update_elem(&k(1), &v, 1), Err(EEXIST));
        assert_eq!(m.ops.map_update_elem(&k(2), &v, 2), Err(ENOENT));
        assert_eq!(m.ops.map_update_elem(&k(1), &v, 3), Err(EINVAL));
        assert_eq!(m.ops.map_update_elem(&k(2), &v, 0), Ok(()));
        assert_eq!(m.ops.map_update_elem(&k(3), &v, 0), Err(E2BIG));
        // A full table still replaces an existing key.
        assert_eq!(m.ops.map_update_elem(&k(1), &9u64.to_le_bytes(), 0), Ok(()));
        let mut out = [0u8; 8];
        m.ops.map_lookup_elem_sys(&k(1), &mut out).unwrap();
        assert_eq!(u64::from_le_bytes(out), 9);
        assert_eq!(m.ops.map_lookup_elem_sys(&k(3), &mut out), Err(ENOENT));
        assert_eq!(m.ops.map_delete_elem(&k(3)), Err(ENOENT));
        assert_eq!(m.ops.map_delete_elem(&k(1)), Ok(()));
        assert_eq!(m.ops.map_update_elem(&k(3), &v, 0), Ok(()));
        // lookup-and-delete: the value comes out and the key is gone (as on
        // the live kernel: 77 then ENOENT).
        m.ops.map_update_elem(&k(4), &77u64.to_le_bytes(), BpfElemFlags::BPF_ANY.bits()).unwrap_err();
        assert_eq!(m.ops.map_lookup_and_delete_elem(&k(3), &mut out, 0), Ok(()));
        assert_eq!(u64::from_le_bytes(out), 7);
        assert_eq!(m.ops.map_lookup_and_delete_elem(&k(3), &mut out, 0), Err(ENOENT));
        assert_eq!(m.ops.map_lookup_and_delete_elem(&k(2), &mut out, 4), Err(EINVAL));
        assert_eq!(m.ops.map_update_elem(&k(3), &v, 0), Ok(()));
        let mut nk = [0u8; 4];
        // A key not in the table starts the walk over.
        assert_eq!(m.ops.map_get_next_key(Some(&k(77)), &mut nk), Ok(()));
    }

    #[test]
    fn walk_visits_every_key_once() {
        let m =
            bpf_map_alloc(&attr(BPF_MAP_TYPE_HASH, 4, 4, 64, BpfMapFlags::BPF_F_ZERO_SEED), &env()).unwrap();
        for i in 0..50u32 {
            m.ops.map_update_elem(&i.to_le_bytes(), &i.to_le_bytes(), 0).unwrap();
        }
        let mut seen = Vec::new();
        let mut key: Option<[u8; 4]> = None;
        let mut nk = [0u8; 4];
        while m.ops.map_get_next_key(key.as_ref().map(|k| &k[..]), &mut nk).is_ok() {
            seen.push(u32::from_le_bytes(nk));
            key = Some(nk);
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn values_stay_put_and_are_checked() {
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_HASH, 4, 12, 4, BpfMapFlags::empty()), &env()).unwrap();
        m.ops.map_update_elem(&1u32.to_le_bytes(), &[1; 12], 0).unwrap();
        let p = m.ops.map_lookup_elem(&1u32.to_le_bytes()).unwrap();
        assert!(m.ops.contains_value(p.as_ptr() as usize, 12));
        assert!(!m.ops.contains_value(p.as_ptr() as usize + 8, 8));
        assert!(!m.ops.contains_value(p.as_ptr() as usize - 4, 4));
        m.ops.map_delete_elem(&1u32.to_le_bytes()).unwrap();
        assert!(!m.ops.contains_value(p.as_ptr() as usize, 4));
    }

    #[test]
    fn percpu_hash_copies() {
        let m =
            bpf_map_alloc(&attr(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, BpfMapFlags::empty()), &env()).unwrap();
        let mut all = vec![0u8; 16];
        all[..4].copy_from_slice(&3u32.to_le_bytes());
        all[8..12].copy_from_slice(&4u32.to_le_bytes());
        m.ops.map_update_elem_sys(&1u32.to_le_bytes(), &all, 0).unwrap();
        let ctx = BpfRunCtx::new(1, 2, std::time::Instant::now());
        let _g = ctx.enter();
        let p = m.ops.map_lookup_elem(&1u32.to_le_bytes()).unwrap();
        // SAFETY: `p` points at CPU 1's 4-byte value.
        assert_eq!(unsafe { p.as_ptr().cast::<u32>().read_unaligned() }, 4);
        // A program's insert sets its CPU and zeroes the others.
        m.ops.map_update_elem(&2u32.to_le_bytes(), &9u32.to_le_bytes(), 0).unwrap();
        let mut out = vec![0xffu8; 16];
        m.ops.map_lookup_elem_sys(&2u32.to_le_bytes(), &mut out).unwrap();
        assert_eq!(&out[..4], &[0; 4]);
        assert_eq!(&out[8..12], &9u32.to_le_bytes());
    }

    fn walk(m: &BpfMap) -> Vec<String> {
        let ks = m.key_size as usize;
        let mut out = Vec::new();
        let mut key: Option<Vec<u8>> = None;
        let mut nk = vec![0u8; ks];
        while m.ops.map_get_next_key(key.as_deref(), &mut nk).is_ok() {
            out.push(nk.iter().map(|b| format!("{b:02x}")).collect::<String>());
            key = Some(nk.clone());
        }
        out
    }

    fn zero_seed(ks: u32, me: u32) -> BpfMap {
        bpf_map_alloc(&attr(BPF_MAP_TYPE_HASH, ks, 4, me, BpfMapFlags::BPF_F_ZERO_SEED), &env()).unwrap()
    }

    #[test]
    fn walk_order_is_the_kernels() {
        // BPF_MAP_GET_NEXT_KEY order with BPF_F_ZERO_SEED, recorded from
        // Linux 6.18.44 with the same inserts: it follows jhash/jhash2
        // buckets and head insertion.
        let m = zero_seed(4, 8);
        for i in [5u32, 1, 9, 3, 7, 2] {
            m.ops.map_update_elem(&i.to_le_bytes(), &i.to_le_bytes(), 0).unwrap();
        }
        assert_eq!(walk(&m), ["02000000", "07000000", "01000000", "09000000", "05000000", "03000000"]);

        let m = zero_seed(4, 64);
        for i in 0..40u32 {
            m.ops.map_update_elem(&(i * 7919).to_le_bytes(), &i.to_le_bytes(), 0).unwrap();
        }
        let expect = "9c590400 bd4b0200 f0ee0100 67160100 cffc0300 f1be0300 de3d0000 bc7b0000 df0d0200 \
                      45540100 8aa80200 68e60200 12b10100 78f70000 01d00100 02a00300 be1b0400 57050300 \
                      9b890200 ad3a0400 69b60400 56350100 79c70200 24620300 9ab90000 7a970400 8b780400 \
                      ac6a0200 ce2c0200 ab9a0000 13810300 23920100 cd5c0000 ef1e0000 35430300 34730100 \
                      89d80000 00000000 46240300 e0dd0300";
        assert_eq!(walk(&m).join(" "), expect.split_whitespace().collect::<Vec<_>>().join(" "));

        // A 6-byte key goes through jhash, not jhash2.
        let m = zero_seed(6, 16);
        for k in [*b"abcdef", [0; 6], [0xff; 6], *b"key001", [b'z', b'z', 1, 2, 3, 4]] {
            m.ops.map_update_elem(&k, &[0; 4], 0).unwrap();
        }
        assert_eq!(
            walk(&m),
            ["ffffffffffff", "000000000000", "6b6579303031", "7a7a01020304", "616263646566"]
        );

        let m = zero_seed(16, 32);
        for i in 0..10u64 {
            let mut k = i.to_le_bytes().to_vec();
            k.extend_from_slice(&(i * i).to_le_bytes());
            m.ops.map_update_elem(&k, &[0; 4], 0).unwrap();
        }
        let firsts: Vec<String> = walk(&m).iter().map(|k| k[..2].to_string()).collect();
        assert_eq!(firsts, ["05", "06", "09", "01", "04", "00", "08", "03", "02", "07"]);

        // Replacing an element puts the new one at the head of its bucket.
        let m = zero_seed(4, 2);
        for i in [0u32, 2] {
            m.ops.map_update_elem(&i.to_le_bytes(), &[0; 4], 0).unwrap();
        }
        assert_eq!(walk(&m), ["02000000", "00000000"]);
        m.ops.map_update_elem(&0u32.to_le_bytes(), &[1, 0, 0, 0], 0).unwrap();
        assert_eq!(walk(&m), ["00000000", "02000000"]);
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        #[derive(Clone, Debug)]
        enum Op {
            Update(u8, u32, u64),
            Delete(u8),
            Lookup(u8),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                (0u8..24, 0u32..4, any::<u32>()).prop_map(|(k, f, v)| Op::Update(k, f, u64::from(v))),
                (0u8..24).prop_map(Op::Delete),
                (0u8..24).prop_map(Op::Lookup),
            ]
        }

        proptest! {
            /// Any sequence of operations agrees with a plain map that has
            /// the kernel's rules (flags, capacity), and a walk visits every
            /// key exactly once.
            #[test]
            fn behaves_like_a_bounded_map(ops in proptest::collection::vec(op(), 0..200), percpu in any::<bool>()) {
                let t = if percpu { BPF_MAP_TYPE_PERCPU_HASH } else { BPF_MAP_TYPE_HASH };
                let m = bpf_map_alloc(&attr(t, 1, 8, 8, BpfMapFlags::empty()), &env()).unwrap();
                let mut model: BTreeMap<u8, u64> = BTreeMap::new();
                let vs = m.bpf_map_value_size(2) as usize;
                for op in ops {
                    match op {
                        Op::Update(k, flags, v) => {
                            let want = if flags > 2 {
                                Err(EINVAL)
                            } else if flags == 1 && model.contains_key(&k) {
                                Err(EEXIST)
                            } else if flags == 2 && !model.contains_key(&k) {
                                Err(ENOENT)
                            } else if !model.contains_key(&k) && model.len() >= 8 {
                                Err(E2BIG)
                            } else {
                                Ok(())
                            };
                            let mut value = vec![0u8; vs];
                            value[..8].copy_from_slice(&v.to_le_bytes());
                            let got = m.ops.map_update_elem_sys(&[k], &value, u64::from(flags));
                            prop_assert_eq!(got, want);
                            if got.is_ok() {
                                model.insert(k, v);
                            }
                        }
                        Op::Delete(k) => {
                            let want = if model.remove(&k).is_some() { Ok(()) } else { Err(ENOENT) };
                            prop_assert_eq!(m.ops.map_delete_elem(&[k]), want);
                        }
                        Op::Lookup(k) => {
                            let mut out = vec![0u8; vs];
                            let got = m.ops.map_lookup_elem_sys(&[k], &mut out).map(|()| u64::from_le_bytes(out[..8].try_into().unwrap()));
                            prop_assert_eq!(got, model.get(&k).copied().ok_or(ENOENT));
                        }
                    }
                }
                let mut seen = Vec::new();
                let mut key: Option<[u8; 1]> = None;
                let mut nk = [0u8; 1];
                while m.ops.map_get_next_key(key.as_ref().map(|k| &k[..]), &mut nk).is_ok() {
                    seen.push(nk[0]);
                    key = Some(nk);
                    prop_assert!(seen.len() <= 8);
                }
                seen.sort_unstable();
                prop_assert_eq!(seen, model.keys().copied().collect::<Vec<_>>());
            }
        }
    }
}

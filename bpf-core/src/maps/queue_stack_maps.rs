//! Mirrors `kernel/bpf/queue_stack_maps.c` (v6.18): `BPF_MAP_TYPE_QUEUE`
//! (FIFO) and `BPF_MAP_TYPE_STACK` (LIFO).
//!
//! Neither has keys (`key_size` is 0). Values go in with
//! `bpf_map_push_elem` (the system call's `BPF_MAP_UPDATE_ELEM`) and come
//! out with `bpf_map_pop_elem` / `bpf_map_peek_elem` (the system call's
//! `BPF_MAP_LOOKUP_AND_DELETE_ELEM` / `BPF_MAP_LOOKUP_ELEM`); the keyed
//! operations all fail. The elements live in a ring of `max_entries + 1`
//! slots: `head` is where the next push goes, `tail` the oldest element,
//! and one slot always stays free so that `head == tail` means empty.
//! Values are copied in and out, never pointed to, so programs hold no
//! pointer into the ring.

use super::area::MapArea;
use super::{bpf_map_flags_access_ok, BpfMapAttr, BpfMapOps, BPF_F_ACCESS_MASK, KMALLOC_MAX_SIZE};
use crate::errno::{Errno, E2BIG, EINVAL, ENOENT, ENOMEM};
use crate::uapi::*;
use parking_lot::Mutex;
use std::ptr::NonNull;

/// `QUEUE_STACK_CREATE_FLAG_MASK`.
pub const QUEUE_STACK_CREATE_FLAG_MASK: BpfMapFlags = BpfMapFlags::BPF_F_NUMA_NODE.union(BPF_F_ACCESS_MASK);

/// Mirrors `kernel/bpf/queue_stack_maps.c:queue_stack_map_alloc_check()`.
///
/// No key, a non-empty value, only NUMA and access flags; a value larger
/// than `KMALLOC_MAX_SIZE` could not be copied to user space (`E2BIG`).
/// The `CAP_BPF` check is `map_create`'s, after this one.
pub fn queue_stack_map_alloc_check(attr: &BpfMapAttr) -> Result<(), Errno> {
    let flags = attr.flags();
    if attr.max_entries == 0
        || attr.key_size != 0
        || attr.value_size == 0
        || !(flags - QUEUE_STACK_CREATE_FLAG_MASK).is_empty()
        || !bpf_map_flags_access_ok(flags)
    {
        return Err(EINVAL);
    }
    if u64::from(attr.value_size) > KMALLOC_MAX_SIZE {
        return Err(E2BIG);
    }
    Ok(())
}

/// The ring indices (`qs->head`, `qs->tail`), under `qs->lock`.
#[derive(Debug, Default)]
struct Ring {
    head: u32,
    tail: u32,
}

/// `struct bpf_queue_stack`: a queue or a stack.
#[derive(Debug)]
pub struct BpfQueueStack {
    /// Pop and peek take the oldest element (queue) or the newest (stack).
    lifo: bool,
    value_size: u32,
    /// `max_entries + 1`, as the kernel's `u32` (it wraps to 0 for
    /// `max_entries == U32_MAX`, which leaves a map that is always full
    /// and always empty, as in the kernel).
    size: u32,
    lock: Mutex<Ring>,
    elements: MapArea,
}

/// Mirrors `kernel/bpf/queue_stack_maps.c:queue_stack_map_alloc()`: one
/// area of `(max_entries + 1) * value_size` bytes.
pub fn queue_stack_map_alloc(attr: &BpfMapAttr) -> Result<BpfQueueStack, Errno> {
    let slots = u64::from(attr.max_entries) + 1;
    let bytes = slots.checked_mul(u64::from(attr.value_size)).ok_or(ENOMEM)?;
    Ok(BpfQueueStack {
        lifo: attr.map_type == BPF_MAP_TYPE_STACK,
        value_size: attr.value_size,
        size: attr.max_entries.wrapping_add(1),
        lock: Mutex::new(Ring::default()),
        elements: MapArea::new(bytes)?,
    })
}

impl BpfQueueStack {
    fn slot_off(&self, index: u32) -> usize {
        index as usize * self.value_size as usize
    }

    /// `queue_stack_map_is_full()`.
    fn is_full(&self, r: &Ring) -> bool {
        let mut head = r.head.wrapping_add(1);
        if head >= self.size {
            head = 0;
        }
        head == r.tail
    }

    /// Mirrors `__queue_map_get()` / `__stack_map_get()`: the oldest
    /// (queue) or newest (stack) element into `value`, removed if
    /// `delete`. An empty map zeroes `value` and answers `ENOENT`.
    fn get(&self, value: &mut [u8], delete: bool) -> Result<(), Errno> {
        let n = (self.value_size as usize).min(value.len());
        let value = &mut value[..n];
        let mut r = self.lock.lock();
        if r.head == r.tail {
            value.fill(0);
            return Err(ENOENT);
        }
        let index = if self.lifo {
            let i = r.head.wrapping_sub(1);
            if i >= self.size {
                self.size.wrapping_sub(1)
            } else {
                i
            }
        } else {
            r.tail
        };
        self.elements.read(self.slot_off(index), value);
        if delete {
            if self.lifo {
                r.head = index;
            } else {
                r.tail = r.tail.wrapping_add(1);
                if r.tail >= self.size {
                    r.tail = 0;
                }
            }
        }
        Ok(())
    }

    /// The number of elements held now.
    pub fn len(&self) -> u32 {
        let r = self.lock.lock();
        if r.head >= r.tail {
            r.head - r.tail
        } else {
            self.size - r.tail + r.head
        }
    }

    /// Does the map hold no element?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl BpfMapOps for BpfQueueStack {
    /// Mirrors `queue_stack_map_lookup_elem()`: there are no keys.
    fn map_lookup_elem(&self, _key: &[u8]) -> Option<NonNull<u8>> {
        None
    }

    /// Mirrors `queue_stack_map_update_elem()`: `EINVAL` (values are pushed).
    fn map_update_elem(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors `queue_stack_map_delete_elem()`: `EINVAL` (values are popped).
    fn map_delete_elem(&self, _key: &[u8]) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors `queue_stack_map_get_next_key()`: `EINVAL`.
    fn map_get_next_key(&self, _key: Option<&[u8]>, _next_key: &mut [u8]) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors `queue_stack_map_push_elem()`: `BPF_EXIST` makes room in a
    /// full map by dropping the oldest element; without it a full map is
    /// `E2BIG`. `BPF_NOEXIST` and unknown flags are `EINVAL`.
    fn map_push_elem(&self, value: &[u8], flags: u64) -> Result<(), Errno> {
        let replace = flags & BpfElemFlags::BPF_EXIST.bits() != 0;
        if flags & BpfElemFlags::BPF_NOEXIST.bits() != 0 || flags > BpfElemFlags::BPF_EXIST.bits() {
            return Err(EINVAL);
        }
        let mut r = self.lock.lock();
        if self.is_full(&r) {
            if !replace {
                return Err(E2BIG);
            }
            // advance the tail to overwrite the oldest element
            r.tail = r.tail.wrapping_add(1);
            if r.tail >= self.size {
                r.tail = 0;
            }
        }
        let n = (self.value_size as usize).min(value.len());
        self.elements.write(self.slot_off(r.head), &value[..n]);
        r.head = r.head.wrapping_add(1);
        if r.head >= self.size {
            r.head = 0;
        }
        Ok(())
    }

    /// Mirrors `queue_map_pop_elem()` / `stack_map_pop_elem()`.
    fn map_pop_elem(&self, value: &mut [u8]) -> Result<(), Errno> {
        self.get(value, true)
    }

    /// Mirrors `queue_map_peek_elem()` / `stack_map_peek_elem()`.
    fn map_peek_elem(&self, value: &mut [u8]) -> Result<(), Errno> {
        self.get(value, false)
    }

    /// Mirrors `queue_stack_map_mem_usage()`.
    fn map_mem_usage(&self) -> u64 {
        std::mem::size_of::<Self>() as u64 + self.elements.len() as u64
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
        for t in [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK] {
            let check = |ks, vs, me, fl| bpf_map_alloc_check(&attr(t, ks, vs, me, fl), &env());
            assert_eq!(check(0, 8, 4, f), Ok(()));
            assert_eq!(check(4, 8, 4, f), Err(EINVAL));
            assert_eq!(check(0, 0, 4, f), Err(EINVAL));
            assert_eq!(check(0, 8, 0, f), Err(EINVAL));
            assert_eq!(check(0, 8, 4, BpfMapFlags::BPF_F_NO_PREALLOC), Err(EINVAL));
            assert_eq!(check(0, 8, 4, BpfMapFlags::BPF_F_NUMA_NODE), Ok(()));
            for ok in [
                BpfMapFlags::BPF_F_RDONLY,
                BpfMapFlags::BPF_F_WRONLY,
                BpfMapFlags::BPF_F_RDONLY_PROG,
                BpfMapFlags::BPF_F_WRONLY_PROG,
            ] {
                assert_eq!(check(0, 8, 4, ok), Ok(()));
            }
            assert_eq!(
                check(0, 8, 4, BpfMapFlags::BPF_F_RDONLY_PROG | BpfMapFlags::BPF_F_WRONLY_PROG),
                Err(EINVAL)
            );
            for bad in
                [BpfMapFlags::BPF_F_MMAPABLE, BpfMapFlags::BPF_F_PRESERVE_ELEMS, BpfMapFlags::BPF_F_INNER_MAP]
            {
                assert_eq!(check(0, 8, 4, bad), Err(EINVAL));
            }
            assert_eq!(check(0, 4096 << 10, 1, f), Ok(()));
            assert_eq!(check(0, (4096 << 10) + 1, 1, f), Err(E2BIG));
            assert_eq!(check(0, 1 << 31, 1, f), Err(E2BIG));
        }
    }

    fn u64v(v: u64) -> [u8; 8] {
        v.to_le_bytes()
    }

    fn pop(m: &BpfMap) -> Result<u64, Errno> {
        let mut v = [0xffu8; 8];
        m.ops.map_pop_elem(&mut v).map(|()| u64::from_le_bytes(v)).inspect_err(|_| assert_eq!(v, [0; 8]))
    }

    #[test]
    fn queue_is_fifo_and_stack_is_lifo() {
        for (t, order) in [(BPF_MAP_TYPE_QUEUE, [1u64, 2, 3]), (BPF_MAP_TYPE_STACK, [3, 2, 1])] {
            let m = bpf_map_alloc(&attr(t, 0, 8, 3, BpfMapFlags::empty()), &env()).unwrap();
            for v in 1..=3 {
                m.ops.map_push_elem(&u64v(v), 0).unwrap();
            }
            assert_eq!(m.ops.map_push_elem(&u64v(4), 0), Err(E2BIG));
            let mut peek = [0u8; 8];
            m.ops.map_peek_elem(&mut peek).unwrap();
            assert_eq!(u64::from_le_bytes(peek), order[0]);
            for want in order {
                assert_eq!(pop(&m), Ok(want));
            }
            assert_eq!(pop(&m), Err(ENOENT));
            let mut v = [7u8; 8];
            assert_eq!(m.ops.map_peek_elem(&mut v), Err(ENOENT));
            assert_eq!(v, [0; 8]);
        }
    }

    #[test]
    fn push_with_exist_drops_the_oldest() {
        // The live kernel: 1, 2, 3 then BPF_EXIST 5 leaves 2, 3, 5.
        for (t, order) in [(BPF_MAP_TYPE_QUEUE, [2u64, 3, 5]), (BPF_MAP_TYPE_STACK, [5, 3, 2])] {
            let m = bpf_map_alloc(&attr(t, 0, 8, 3, BpfMapFlags::empty()), &env()).unwrap();
            for v in 1..=3 {
                m.ops.map_push_elem(&u64v(v), 0).unwrap();
            }
            assert_eq!(m.ops.map_push_elem(&u64v(9), BpfElemFlags::BPF_NOEXIST.bits()), Err(EINVAL));
            assert_eq!(m.ops.map_push_elem(&u64v(9), 3), Err(EINVAL));
            assert_eq!(m.ops.map_push_elem(&u64v(9), BpfElemFlags::BPF_F_LOCK.bits()), Err(EINVAL));
            m.ops.map_push_elem(&u64v(5), BpfElemFlags::BPF_EXIST.bits()).unwrap();
            for want in order {
                assert_eq!(pop(&m), Ok(want));
            }
            assert_eq!(pop(&m), Err(ENOENT));
        }
    }

    #[test]
    fn keyed_operations_fail() {
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_QUEUE, 0, 4, 2, BpfMapFlags::empty()), &env()).unwrap();
        assert_eq!(m.ops.map_lookup_elem(&[]), None);
        assert_eq!(m.ops.map_update_elem(&[], &[0; 4], 0), Err(EINVAL));
        assert_eq!(m.ops.map_delete_elem(&[]), Err(EINVAL));
        assert_eq!(m.ops.map_get_next_key(None, &mut []), Err(EINVAL));
        assert_eq!(m.ops.map_lookup_and_delete_elem(&[], &mut [0; 4], 0), Err(crate::errno::ENOTSUPP));
    }

    #[test]
    fn ring_wraps_around() {
        let m = bpf_map_alloc(&attr(BPF_MAP_TYPE_QUEUE, 0, 8, 2, BpfMapFlags::empty()), &env()).unwrap();
        for round in 0..10u64 {
            m.ops.map_push_elem(&u64v(2 * round), 0).unwrap();
            m.ops.map_push_elem(&u64v(2 * round + 1), 0).unwrap();
            assert_eq!(pop(&m), Ok(2 * round));
            assert_eq!(pop(&m), Ok(2 * round + 1));
        }
        let s = bpf_map_alloc(&attr(BPF_MAP_TYPE_STACK, 0, 8, 2, BpfMapFlags::empty()), &env()).unwrap();
        for round in 0..10u64 {
            s.ops.map_push_elem(&u64v(round), BpfElemFlags::BPF_EXIST.bits()).unwrap();
        }
        assert_eq!(pop(&s), Ok(9));
        assert_eq!(pop(&s), Ok(8));
        assert_eq!(pop(&s), Err(ENOENT));
    }

    proptest::proptest! {
        #[test]
        fn behaves_like_a_bounded_deque(
            ops in proptest::collection::vec((0u8..4, proptest::prelude::any::<u32>()), 0..200),
            lifo in proptest::prelude::any::<bool>(),
            cap in 1u32..6,
        ) {
            let t = if lifo { BPF_MAP_TYPE_STACK } else { BPF_MAP_TYPE_QUEUE };
            let qs = queue_stack_map_alloc(&attr(t, 0, 4, cap, BpfMapFlags::empty())).unwrap();
            let mut model = std::collections::VecDeque::new();
            for (op, v) in ops {
                let mut out = [0u8; 4];
                let want = match op {
                    0 | 1 => {
                        let exist = op == 1;
                        if model.len() as u32 == cap {
                            if exist { model.pop_front(); model.push_back(v); Ok(None) } else { Err(E2BIG) }
                        } else {
                            model.push_back(v);
                            Ok(None)
                        }
                    }
                    _ => {
                        let got = if lifo { model.back() } else { model.front() }.copied();
                        match got {
                            None => Err(ENOENT),
                            Some(x) => {
                                if op == 2 {
                                    if lifo { model.pop_back(); } else { model.pop_front(); }
                                }
                                Ok(Some(x))
                            }
                        }
                    }
                };
                let got = match op {
                    0 | 1 => {
                        let fl = if op == 1 { BpfElemFlags::BPF_EXIST.bits() } else { 0 };
                        qs.map_push_elem(&v.to_le_bytes(), fl).map(|()| None)
                    }
                    2 => qs.map_pop_elem(&mut out).map(|()| Some(u32::from_le_bytes(out))),
                    _ => qs.map_peek_elem(&mut out).map(|()| Some(u32::from_le_bytes(out))),
                };
                proptest::prop_assert_eq!(got, want);
                proptest::prop_assert_eq!(qs.len() as usize, model.len());
            }
        }
    }
}

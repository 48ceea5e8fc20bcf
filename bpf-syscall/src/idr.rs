//! `struct idr` as `prog_idr` and `map_idr` use it: ids handed out
//! cyclically in `[1, INT_MAX)`, each naming a live object.
//!
//! The table holds weak references: an id names its object from
//! `bpf_prog_alloc_id` until the object's last reference goes
//! (`bpf_prog_free_id`), and looking an object up by id takes a new
//! reference only if it is still alive (`bpf_prog_inc_not_zero`).

use bpf_core::errno::{Errno, ENOSPC};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

/// `INT_MAX`: ids are below it.
pub const IDR_END: u32 = i32::MAX as u32;

#[derive(Debug)]
struct IdrInner<T> {
    map: BTreeMap<u32, Weak<T>>,
    next: u32,
}

/// An id table (`struct idr` with its spinlock).
#[derive(Debug)]
pub struct Idr<T> {
    inner: Mutex<IdrInner<T>>,
}

impl<T> Default for Idr<T> {
    fn default() -> Self {
        Idr { inner: Mutex::new(IdrInner { map: BTreeMap::new(), next: 1 }) }
    }
}

impl<T> Idr<T> {
    /// Mirrors `lib/idr.c:idr_alloc_cyclic(idr, ptr, 1, INT_MAX)`: the
    /// first free id at or after the cursor, wrapping to 1; the cursor
    /// moves past it. The id is reserved for an object not yet published
    /// (lookups find nothing until [`Idr::idr_replace`]). `ENOSPC` when
    /// every id is taken.
    pub fn idr_alloc_cyclic(&self) -> Result<u32, Errno> {
        let mut idr = self.inner.lock();
        let start = idr.next.clamp(1, IDR_END - 1);
        let free_from = |idr: &IdrInner<T>, from: u32, to: u32| {
            let mut want = from;
            for &id in idr.map.range(from..to).map(|(k, _)| k) {
                if id != want {
                    break;
                }
                want += 1;
            }
            (want < to).then_some(want)
        };
        let id = free_from(&idr, start, IDR_END).or_else(|| free_from(&idr, 1, start)).ok_or(ENOSPC)?;
        idr.map.insert(id, Weak::new());
        idr.next = id + 1;
        Ok(id)
    }

    /// Mirrors `idr_replace()`: publishes the object behind a reserved id.
    pub fn idr_replace(&self, id: u32, obj: &Arc<T>) {
        if let Some(slot) = self.inner.lock().map.get_mut(&id) {
            *slot = Arc::downgrade(obj);
        }
    }

    /// Mirrors `idr_remove()`.
    pub fn idr_remove(&self, id: u32) {
        self.inner.lock().map.remove(&id);
    }

    /// Mirrors `idr_find()` + `bpf_prog_inc_not_zero()`: a new reference
    /// to the object of `id`, if it is published and still alive.
    pub fn idr_find(&self, id: u32) -> Option<Arc<T>> {
        let weak = self.inner.lock().map.get(&id)?.clone();
        weak.upgrade()
    }

    /// Mirrors `idr_get_next()`: the smallest id at or above `id` (alive
    /// or not, as the kernel's table still holds a dying object's id).
    pub fn idr_get_next(&self, id: u32) -> Option<u32> {
        self.inner.lock().map.range(id..).next().map(|(&k, _)| k)
    }

    /// Every id in the table.
    pub fn ids(&self) -> Vec<u32> {
        self.inner.lock().map.keys().copied().collect()
    }

    /// Number of ids in use.
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    /// No ids in use?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves the cursor, as a kernel that has handed out `next - 1` ids
    /// would have it (to study wrap-around).
    pub fn set_cursor(&self, next: u32) {
        self.inner.lock().next = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclic_ids_wrap_and_skip_used_ones() {
        let idr: Idr<u32> = Idr::default();
        assert_eq!(idr.idr_alloc_cyclic(), Ok(1));
        assert_eq!(idr.idr_alloc_cyclic(), Ok(2));
        idr.idr_remove(1);
        // Cyclic: a freed id is not reused before the cursor wraps.
        assert_eq!(idr.idr_alloc_cyclic(), Ok(3));
        idr.set_cursor(IDR_END - 1);
        assert_eq!(idr.idr_alloc_cyclic(), Ok(IDR_END - 1));
        assert_eq!(idr.idr_alloc_cyclic(), Ok(1));
        assert_eq!(idr.idr_alloc_cyclic(), Ok(4));
        let obj = Arc::new(7u32);
        assert_eq!(idr.idr_find(4), None, "reserved, not yet published");
        idr.idr_replace(4, &obj);
        assert_eq!(idr.idr_find(4).as_deref(), Some(&7));
        drop(obj);
        assert_eq!(idr.idr_find(4), None, "dying objects are not found");
        assert_eq!(idr.idr_get_next(4), Some(4));
        assert_eq!(idr.idr_get_next(5), Some(IDR_END - 1));
        assert_eq!(idr.ids(), vec![1, 2, 3, 4, IDR_END - 1]);
    }
}

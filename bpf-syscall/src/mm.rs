//! A task's user memory: the address space `bpf()`'s pointers point into.
//!
//! Memory is a set of mappings at made-up addresses, each readable and
//! optionally writable, separated by unmapped guard pages. A pointer that
//! is null, unmapped, runs off the end of its mapping, or (for writes)
//! points into a read-only mapping is an `EFAULT`, as `copy_from_user` and
//! `copy_to_user` report it.

use bpf_core::errno::{Errno, EFAULT, EINVAL};
use bpf_core::uaccess::UserMemory;
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// Where the first mapping goes.
const MMAP_BASE: u64 = 0x7f00_0000_0000;
/// Mappings are page-aligned with an unmapped page between them.
const PAGE: u64 = 4096;

#[derive(Debug)]
struct Vma {
    data: Vec<u8>,
    writable: bool,
}

#[derive(Debug)]
struct MmInner {
    vmas: BTreeMap<u64, Vma>,
    next: u64,
}

/// The address space of one task (`current->mm`).
#[derive(Debug)]
pub struct TaskMemory {
    inner: Mutex<MmInner>,
}

impl Default for TaskMemory {
    fn default() -> Self {
        TaskMemory::new()
    }
}

impl TaskMemory {
    /// An empty address space.
    pub fn new() -> TaskMemory {
        TaskMemory { inner: Mutex::new(MmInner { vmas: BTreeMap::new(), next: MMAP_BASE }) }
    }

    fn map(&self, data: Vec<u8>, writable: bool) -> u64 {
        let mut mm = self.inner.lock();
        let addr = mm.next;
        let len = (data.len() as u64).max(1);
        mm.next = addr + len.div_ceil(PAGE) * PAGE + PAGE;
        mm.vmas.insert(addr, Vma { data, writable });
        addr
    }

    /// Maps a writable copy of `bytes` and returns its address.
    pub fn alloc(&self, bytes: &[u8]) -> u64 {
        self.map(bytes.to_vec(), true)
    }

    /// Maps `len` zeroed writable bytes.
    pub fn alloc_zeroed(&self, len: usize) -> u64 {
        self.map(vec![0; len], true)
    }

    /// Maps a read-only copy of `bytes` (`copy_to_user` into it faults).
    pub fn alloc_ro(&self, bytes: &[u8]) -> u64 {
        self.map(bytes.to_vec(), false)
    }

    /// Unmaps the mapping that starts at `addr` (`EINVAL` if none does).
    pub fn free(&self, addr: u64) -> Result<(), Errno> {
        self.inner.lock().vmas.remove(&addr).map(|_| ()).ok_or(EINVAL)
    }

    /// Number of mappings.
    pub fn mappings(&self) -> usize {
        self.inner.lock().vmas.len()
    }

    /// Reads `len` bytes at `addr` (as the task itself would, ignoring
    /// nothing: unmapped memory is `EFAULT`).
    pub fn read(&self, addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
        let mut out = vec![0; len];
        self.copy_from_user(&mut out, addr)?;
        Ok(out)
    }

    /// Writes `bytes` at `addr` as the task itself would; unlike
    /// `copy_to_user`, a read-only mapping may be filled this way (the
    /// task set it up).
    pub fn write(&self, addr: u64, bytes: &[u8]) -> Result<(), Errno> {
        self.with_range(addr, bytes.len(), true, |vma, off| {
            vma.data[off..off + bytes.len()].copy_from_slice(bytes);
            Ok(())
        })
    }

    fn with_range<R>(
        &self,
        addr: u64,
        len: usize,
        ignore_prot: bool,
        f: impl FnOnce(&mut Vma, usize) -> Result<R, Errno>,
    ) -> Result<R, Errno> {
        let mut mm = self.inner.lock();
        let (&start, vma) = mm.vmas.range_mut(..=addr).next_back().ok_or(EFAULT)?;
        let off = (addr - start) as usize;
        let end = off.checked_add(len).ok_or(EFAULT)?;
        if end > vma.data.len() {
            return Err(EFAULT);
        }
        if !ignore_prot && !vma.writable {
            return Err(EFAULT);
        }
        f(vma, off)
    }
}

impl UserMemory for TaskMemory {
    /// Mirrors `copy_from_user()`: all of `[src, src + len)` must be mapped.
    fn copy_from_user(&self, dst: &mut [u8], src: u64) -> Result<(), Errno> {
        if dst.is_empty() {
            return Ok(());
        }
        self.with_range(src, dst.len(), true, |vma, off| {
            dst.copy_from_slice(&vma.data[off..off + dst.len()]);
            Ok(())
        })
    }

    /// Mirrors `copy_to_user()`: all of `[dst, dst + len)` must be mapped
    /// writable.
    fn copy_to_user(&self, dst: u64, src: &[u8]) -> Result<(), Errno> {
        if src.is_empty() {
            return Ok(());
        }
        self.with_range(dst, src.len(), false, |vma, off| {
            vma.data[off..off + src.len()].copy_from_slice(src);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pointers_fault() {
        let mm = TaskMemory::new();
        let a = mm.alloc(b"GPL\0");
        let ro = mm.alloc_ro(&[1, 2, 3, 4]);
        let mut b = [0u8; 4];
        assert_eq!(mm.copy_from_user(&mut b, a), Ok(()));
        assert_eq!(&b, b"GPL\0");
        assert_eq!(mm.copy_from_user(&mut b, 0), Err(EFAULT));
        assert_eq!(mm.copy_from_user(&mut b, a + 1), Err(EFAULT));
        assert_eq!(mm.copy_from_user(&mut b, u64::MAX - 1), Err(EFAULT));
        assert_eq!(mm.copy_from_user(&mut [], 0), Ok(()));
        assert_eq!(mm.copy_to_user(ro, &[9]), Err(EFAULT));
        assert_eq!(mm.copy_from_user(&mut b, ro), Ok(()));
        assert_eq!(mm.copy_to_user(a + 2, &[7, 7]), Ok(()));
        assert_eq!(mm.read(a, 4).unwrap(), vec![b'G', b'P', 7, 7]);
        assert_eq!(mm.strncpy_from_user(mm.alloc(b"Dual BSD/GPL\0junk"), 127).unwrap(), b"Dual BSD/GPL");
        mm.free(a).unwrap();
        assert_eq!(mm.copy_from_user(&mut b, a), Err(EFAULT));
        assert_eq!(mm.free(a), Err(EINVAL));
    }
}

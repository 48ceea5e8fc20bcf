//! Test support: a program builder, small maps implementing `BpfMapOps`
//! (an array with values in place, a prog array for tail calls), test
//! helpers and their descriptors.

#![allow(dead_code)]

use bpf_core::maps::{BpfMap, BpfMapOps};
use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size, BpfProg};
use bpf_core::uapi::*;
use bpf_core::Errno;
use bpf_interp::{HelperArg, HelperDesc, HelperRet};
use std::cell::UnsafeCell;
use std::fmt;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

/// Something that adds instructions to a program.
pub trait Emit {
    fn emit(self, out: &mut Vec<BpfInsn>);
}
impl Emit for BpfInsn {
    fn emit(self, out: &mut Vec<BpfInsn>) {
        out.push(self)
    }
}
impl<const N: usize> Emit for [BpfInsn; N] {
    fn emit(self, out: &mut Vec<BpfInsn>) {
        out.extend(self)
    }
}

/// `p![insn, ld_imm64 pair, insn...]`: a program.
#[macro_export]
macro_rules! p {
    ($($i:expr),* $(,)?) => {{
        let mut v: Vec<bpf_core::uapi::BpfInsn> = Vec::new();
        $( $crate::common::Emit::emit($i, &mut v); )*
        v
    }};
}

pub fn map(
    map_type: BpfMapType,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    ops: Box<dyn BpfMapOps>,
) -> Arc<BpfMap> {
    Arc::new(BpfMap::new(map_type, key_size, value_size, max_entries, BpfMapFlags::empty(), ops))
}

/// An array map: `max_entries` values of `value_size` bytes, in place.
pub struct TestArray {
    value_size: usize,
    max_entries: u32,
    data: UnsafeCell<Box<[u64]>>,
}

// SAFETY: test code; programs access the values through raw pointers as
// BPF programs do (the kernel's array map has the same contract), and the
// tests never hold references into `data` while a program runs.
unsafe impl Sync for TestArray {}
// SAFETY: as above.
unsafe impl Send for TestArray {}

impl fmt::Debug for TestArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TestArray({} x {})", self.max_entries, self.value_size)
    }
}

impl TestArray {
    pub fn new(value_size: u32, max_entries: u32) -> Self {
        let words = (value_size as usize).div_ceil(8) * max_entries as usize;
        TestArray {
            value_size: value_size as usize,
            max_entries,
            data: UnsafeCell::new(vec![0; words].into()),
        }
    }
    fn base(&self) -> *mut u8 {
        // SAFETY: only a raw pointer is formed; no reference escapes.
        unsafe { (*self.data.get()).as_mut_ptr().cast() }
    }
    fn stride(&self) -> usize {
        self.value_size.div_ceil(8) * 8
    }
}

impl BpfMapOps for TestArray {
    fn map_lookup_elem(&self, key: &[u8]) -> Option<NonNull<u8>> {
        let idx = u32::from_le_bytes(key.get(..4)?.try_into().ok()?);
        if idx >= self.max_entries {
            return None;
        }
        // SAFETY: idx < max_entries, so the offset is inside `data`.
        NonNull::new(unsafe { self.base().add(idx as usize * self.stride()) })
    }
    fn map_update_elem(&self, key: &[u8], value: &[u8], _flags: u64) -> Result<(), Errno> {
        let p = self.map_lookup_elem(key).ok_or(bpf_core::errno::E2BIG)?;
        let n = value.len().min(self.value_size);
        // SAFETY: `p` points to a value of `value_size` bytes.
        unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), p.as_ptr(), n) };
        Ok(())
    }
    fn map_delete_elem(&self, _key: &[u8]) -> Result<(), Errno> {
        Err(bpf_core::errno::EINVAL)
    }
    fn map_get_next_key(&self, _key: Option<&[u8]>, _next: &mut [u8]) -> Result<(), Errno> {
        Err(bpf_core::errno::ENOENT)
    }
    fn contains_value(&self, addr: usize, len: usize) -> bool {
        let base = self.base() as usize;
        let stride = self.stride();
        if addr < base || addr >= base + stride * self.max_entries as usize {
            return false;
        }
        let start = base + (addr - base) / stride * stride;
        addr + len <= start + self.value_size
    }
}

/// A prog array: slots of programs for `bpf_tail_call`.
#[derive(Debug, Default)]
pub struct TestProgArray {
    pub slots: Mutex<Vec<Option<Arc<BpfProg>>>>,
}

impl BpfMapOps for TestProgArray {
    fn map_lookup_elem(&self, _key: &[u8]) -> Option<NonNull<u8>> {
        None
    }
    fn map_update_elem(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(bpf_core::errno::EINVAL)
    }
    fn map_delete_elem(&self, _key: &[u8]) -> Result<(), Errno> {
        Err(bpf_core::errno::EINVAL)
    }
    fn map_get_next_key(&self, _key: Option<&[u8]>, _next: &mut [u8]) -> Result<(), Errno> {
        Err(bpf_core::errno::ENOENT)
    }
    fn tail_call_prog(&self, index: u32) -> Option<Arc<BpfProg>> {
        self.slots.lock().unwrap().get(index as usize).cloned().flatten()
    }
}

/// A prog array map of `max_entries` slots, filled from `progs`.
pub fn prog_array(max_entries: u32, progs: Vec<Option<Arc<BpfProg>>>) -> Arc<BpfMap> {
    let ops = TestProgArray { slots: Mutex::new(progs) };
    map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, max_entries, Box::new(ops))
}

/// A loaded-looking program: `insns`, `stack_depth`, `used_maps`.
pub fn prog(insns: Vec<BpfInsn>, stack_depth: u32, used_maps: Vec<Arc<BpfMap>>) -> Arc<BpfProg> {
    let mut p = bpf_prog_alloc(bpf_prog_size(insns.len() as u32), 1, false, false);
    p.set_insns(insns);
    p.aux.stack_depth = stack_depth;
    p.aux.used_maps = used_maps;
    Arc::from(p)
}

// ---- helpers ----
//
// `#[inline(never)]`: an optimised build may otherwise give a small
// function one copy per codegen unit, hence several addresses, and a helper
// is named by its address.

#[inline(never)]
pub extern "C" fn h_ret_arg1(r1: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    r1
}
#[inline(never)]
pub extern "C" fn h_sum(r1: u64, r2: u64, r3: u64, r4: u64, r5: u64) -> u64 {
    r1.wrapping_add(r2).wrapping_add(r3).wrapping_add(r4).wrapping_add(r5)
}

/// `bpf_map_lookup_elem(map, key)`.
#[inline(never)]
pub extern "C" fn h_map_lookup(map: u64, key: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: the checked mode validated r1 as a map of the run and r2 as
    // `key_size` readable bytes (HelperArg::MapPtr / MapKey); fast-mode
    // tests pass valid arguments.
    unsafe {
        let map = &*(map as usize as *const BpfMap);
        let key = std::slice::from_raw_parts(key as usize as *const u8, map.key_size as usize);
        map.ops.map_lookup_elem(key).map_or(0, |p| p.as_ptr() as u64)
    }
}

/// Returns a pointer to 16 bytes of a static scratch buffer, or NULL when
/// r1 is 0 (a `RET_PTR_TO_MEM_OR_NULL` helper).
#[inline(never)]
pub extern "C" fn h_scratch(r1: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    static SCRATCH: [u8; 16] =
        [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 9, 10, 11, 12, 13, 14, 15, 16];
    if r1 == 0 {
        0
    } else {
        SCRATCH.as_ptr() as u64
    }
}

const ANY: HelperArg = HelperArg::Anything;
const NO: HelperArg = HelperArg::Unused;

/// The helpers the tests call: ids 1 (map lookup), 5 (returns r1), 6
/// (sums r1..r5), 7 (scratch memory).
pub static TEST_HELPERS: [HelperDesc; 4] = [
    HelperDesc {
        id: 1,
        name: "bpf_map_lookup_elem",
        func: h_map_lookup,
        args: [HelperArg::MapPtr, HelperArg::MapKey { map_arg: 1 }, NO, NO, NO],
        ret: HelperRet::MapValueOrNull,
    },
    HelperDesc {
        id: 5,
        name: "ret_arg1",
        func: h_ret_arg1,
        args: [ANY, NO, NO, NO, NO],
        ret: HelperRet::Integer,
    },
    HelperDesc { id: 6, name: "sum5", func: h_sum, args: [ANY; 5], ret: HelperRet::Integer },
    HelperDesc {
        id: 7,
        name: "scratch",
        func: h_scratch,
        args: [ANY, NO, NO, NO, NO],
        ret: HelperRet::MemOrNull { size: 16, writable: false },
    },
];

/// Test memory aligned to 8 bytes (atomics need natural alignment).
pub struct AlignedMem {
    words: Vec<u64>,
    len: usize,
}

impl AlignedMem {
    pub fn new(bytes: &[u8]) -> Self {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        for (i, b) in bytes.iter().enumerate() {
            words[i / 8] |= u64::from(*b) << (8 * (i % 8));
        }
        AlignedMem { words, len: bytes.len() }
    }
    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `words` holds at least `len` bytes; u8 has no alignment
        // or validity requirements.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast::<u8>(), self.len) }
    }
}

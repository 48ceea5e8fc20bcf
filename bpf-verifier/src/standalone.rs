//! Running the verifier outside `bpf()`: a [`BpfVerifierIo`] with its own
//! memory, fd table and capabilities, and [`verify`], which loads a bare
//! instruction list the way `bpf_prog_load` would and returns the verdict
//! and the log. For tools and tests that want the verifier as a library.

use crate::{bpf_check, BpfVerifierIo};
use bpf_core::errno::{EBADF, EFAULT};
use bpf_core::maps::{BpfMap, BpfMapOps};
use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size, BpfProg};
use bpf_core::uaccess::UserMemory;
use bpf_core::uapi::*;
use bpf_core::Errno;
use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::Arc;

/// Where [`StandaloneIo`] maps the log buffer.
pub const LOG_BUF_ADDR: u64 = 0x1000_0000;
/// Where [`StandaloneIo`] maps the attr (for `log_true_size`).
pub const ATTR_ADDR: u64 = 0x2000_0000;
/// Where [`StandaloneIo`] maps `fd_array` (the fds of its maps in order).
pub const FD_ARRAY_ADDR: u64 = 0x3000_0000;

/// A loader with a flat memory of a log buffer and an attr, a table of
/// maps (fd = index) and chosen capabilities.
pub struct StandaloneIo {
    log: RefCell<Vec<u8>>,
    attr: RefCell<Vec<u8>>,
    /// Maps by fd.
    pub maps: Vec<Arc<BpfMap>>,
    /// `CAP_BPF`.
    pub bpf_capable: bool,
    /// `CAP_PERFMON`.
    pub perfmon_capable: bool,
    /// `nr_cpu_ids`.
    pub nr_cpu_ids: u32,
}

impl StandaloneIo {
    /// A privileged loader (root) with a log buffer of `log_size` bytes.
    pub fn new(log_size: usize, maps: Vec<Arc<BpfMap>>) -> Self {
        StandaloneIo {
            log: RefCell::new(vec![0; log_size]),
            attr: RefCell::new(vec![0; 256]),
            maps,
            bpf_capable: true,
            perfmon_capable: true,
            nr_cpu_ids: host_nr_cpu_ids(),
        }
    }
    /// The log as a string (up to the first NUL).
    pub fn log_string(&self) -> String {
        let b = self.log.borrow();
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    }
    /// `log_true_size` as `bpf_check` wrote it back.
    pub fn log_true_size(&self) -> u32 {
        let a = self.attr.borrow();
        u32::from_le_bytes([a[124], a[125], a[126], a[127]])
    }
}

impl UserMemory for StandaloneIo {
    fn copy_from_user(&self, dst: &mut [u8], src: u64) -> Result<(), Errno> {
        if src >= FD_ARRAY_ADDR {
            let fds: Vec<u8> = (0..self.maps.len() as i32).flat_map(i32::to_le_bytes).collect();
            let off = (src - FD_ARRAY_ADDR) as usize;
            let end = off.checked_add(dst.len()).ok_or(EFAULT)?;
            dst.copy_from_slice(fds.get(off..end).ok_or(EFAULT)?);
            return Ok(());
        }
        let (buf, base) = if src >= ATTR_ADDR { (&self.attr, ATTR_ADDR) } else { (&self.log, LOG_BUF_ADDR) };
        let b = buf.borrow();
        let off = src.checked_sub(base).ok_or(EFAULT)? as usize;
        dst.copy_from_slice(b.get(off..off.checked_add(dst.len()).ok_or(EFAULT)?).ok_or(EFAULT)?);
        Ok(())
    }
    fn copy_to_user(&self, dst: u64, src: &[u8]) -> Result<(), Errno> {
        if dst >= FD_ARRAY_ADDR {
            return Err(EFAULT);
        }
        let (buf, base) = if dst >= ATTR_ADDR { (&self.attr, ATTR_ADDR) } else { (&self.log, LOG_BUF_ADDR) };
        let mut b = buf.borrow_mut();
        let off = dst.checked_sub(base).ok_or(EFAULT)? as usize;
        let end = off.checked_add(src.len()).ok_or(EFAULT)?;
        b.get_mut(off..end).ok_or(EFAULT)?.copy_from_slice(src);
        Ok(())
    }
}

impl BpfVerifierIo for StandaloneIo {
    fn user(&self) -> &dyn UserMemory {
        self
    }
    fn bpf_map_get(&self, fd: i32) -> Result<Arc<BpfMap>, Errno> {
        usize::try_from(fd).ok().and_then(|i| self.maps.get(i)).cloned().ok_or(EBADF)
    }
    fn bpf_capable(&self) -> bool {
        self.bpf_capable
    }
    fn perfmon_capable(&self) -> bool {
        self.perfmon_capable
    }
    fn nr_cpu_ids(&self) -> u32 {
        self.nr_cpu_ids
    }
}

/// The host's possible CPUs (`/sys/devices/system/cpu/possible`, `0-N`),
/// or 1 when unknown.
pub fn host_nr_cpu_ids() -> u32 {
    std::fs::read_to_string("/sys/devices/system/cpu/possible")
        .ok()
        .and_then(|s| s.trim().rsplit(['-', ',']).next().and_then(|n| n.parse::<u32>().ok()))
        .map_or(1, |n| n + 1)
}

/// A map with the attributes the verifier checks and no storage: lookups
/// find nothing, updates fail. Enough to verify programs that use maps.
/// Direct value access (`BPF_PSEUDO_MAP_VALUE`) answers as an array map
/// does (`array_map_direct_value_addr`), from the shape it was made with.
#[derive(Debug)]
pub struct ShapeOnlyMap {
    map_type: BpfMapType,
    value_size: u32,
    max_entries: u32,
}

impl BpfMapOps for ShapeOnlyMap {
    fn map_lookup_elem(&self, _key: &[u8]) -> Option<NonNull<u8>> {
        None
    }
    fn map_update_elem(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(bpf_core::errno::EOPNOTSUPP)
    }
    fn map_delete_elem(&self, _key: &[u8]) -> Result<(), Errno> {
        Err(bpf_core::errno::EOPNOTSUPP)
    }
    fn map_get_next_key(&self, _key: Option<&[u8]>, _next_key: &mut [u8]) -> Result<(), Errno> {
        Err(bpf_core::errno::ENOENT)
    }
    /// Made as if by root: an array-backed shape bypasses Spectre v1
    /// (`array_map_alloc()`'s `bpf_bypass_spec_v1()`).
    fn map_bypass_spec_v1(&self) -> bool {
        true
    }
    fn map_direct_value_addr(&self, off: u32) -> Result<u64, Errno> {
        if self.map_type != BPF_MAP_TYPE_ARRAY {
            return Err(bpf_core::errno::EOPNOTSUPP);
        }
        if self.max_entries != 1 {
            return Err(bpf_core::errno::ENOTSUPP);
        }
        if off >= self.value_size {
            return Err(bpf_core::errno::EINVAL);
        }
        Ok(0x7000_0000)
    }
}

/// A [`ShapeOnlyMap`] of the given type and sizes.
pub fn shape_only_map(map_type: BpfMapType, key_size: u32, value_size: u32, max_entries: u32) -> Arc<BpfMap> {
    named_shape_only_map("", map_type, key_size, value_size, max_entries)
}

/// A [`ShapeOnlyMap`] with a name (the verifier log prints `map=NAME`).
pub fn named_shape_only_map(
    name: &str,
    map_type: BpfMapType,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
) -> Arc<BpfMap> {
    let mut m = BpfMap::new(
        map_type,
        key_size,
        value_size,
        max_entries,
        BpfMapFlags::empty(),
        Box::new(ShapeOnlyMap { map_type, value_size, max_entries }),
    );
    for (d, s) in m.name.iter_mut().zip(name.bytes().take(BPF_OBJ_NAME_LEN - 1)) {
        *d = s;
    }
    Arc::new(m)
}

/// What [`verify`] returns.
pub struct Verdict {
    /// `bpf_check`'s result.
    pub result: Result<(), Errno>,
    /// The log text.
    pub log: String,
    /// `log_true_size`.
    pub log_true_size: u32,
    /// The program as `bpf_check` left it.
    pub prog: Box<BpfProg>,
}

/// Options of [`verify`].
#[derive(Clone, Debug)]
pub struct VerifyOpts {
    /// `log_level`.
    pub log_level: u32,
    /// `log_size`.
    pub log_size: u32,
    /// `prog_flags`.
    pub prog_flags: u32,
    /// `expected_attach_type`.
    pub expected_attach_type: BpfAttachType,
    /// The program is GPL compatible.
    pub gpl: bool,
    /// `CAP_BPF`.
    pub bpf_capable: bool,
    /// `CAP_PERFMON`.
    pub perfmon_capable: bool,
    /// `prog->jit_requested` (the `bpf_jit_enable` sysctl; on by default,
    /// as on x86-64 kernels).
    pub jit_requested: bool,
    /// Pass the maps as `fd_array` too (as `kernel_oracle.py` does when a
    /// case has maps), so `map[idx:N]` references resolve.
    pub fd_array: bool,
}

impl Default for VerifyOpts {
    fn default() -> Self {
        VerifyOpts {
            log_level: 1,
            log_size: 16 << 20,
            prog_flags: 0,
            expected_attach_type: BpfAttachType(0),
            gpl: true,
            bpf_capable: true,
            perfmon_capable: true,
            jit_requested: true,
            fd_array: false,
        }
    }
}

/// Verifies `insns` as a program of type `prog_type`; map fds in
/// `ld_imm64` are indexes into `maps` (as in `kernel_oracle.py` cases).
pub fn verify(
    prog_type: BpfProgType,
    insns: &[BpfInsn],
    maps: Vec<Arc<BpfMap>>,
    opts: &VerifyOpts,
) -> Verdict {
    let mut io = StandaloneIo::new(opts.log_size as usize, maps);
    io.bpf_capable = opts.bpf_capable;
    io.perfmon_capable = opts.perfmon_capable;
    let mut prog = bpf_prog_alloc(bpf_prog_size(insns.len() as u32), 1, opts.jit_requested, false);
    prog.set_insns(insns.to_vec());
    prog.prog_type = prog_type;
    prog.expected_attach_type = opts.expected_attach_type;
    prog.gpl_compatible = opts.gpl;
    let attr = BpfAttrProgLoad {
        prog_type: prog_type.0,
        insn_cnt: insns.len() as u32,
        log_level: opts.log_level,
        log_size: if opts.log_level != 0 { opts.log_size } else { 0 },
        log_buf: if opts.log_level != 0 { LOG_BUF_ADDR } else { 0 },
        prog_flags: opts.prog_flags,
        expected_attach_type: opts.expected_attach_type.0,
        fd_array: if opts.fd_array { FD_ARRAY_ADDR } else { 0 },
        ..Default::default()
    };
    let result = bpf_check(&mut prog, &attr, ATTR_ADDR, 160, &io);
    Verdict { result, log: io.log_string(), log_true_size: io.log_true_size(), prog }
}

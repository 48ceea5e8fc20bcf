//! Mirrors `kernel/bpf/syscall.c` (v6.18): `__sys_bpf` and the commands
//! behind it, with `bpf_prog_load` calling the load sequence of
//! `LOAD_SEQUENCE.md` in the kernel's order.
//!
//! Every command reads its attributes from the calling task's memory as
//! `union bpf_attr` bytes, answers with the kernel's errno on the kernel's
//! path, and writes its results back to user memory the way the kernel
//! does (`put_user`, `copy_to_user`).
//!
//! Commands this project does not model (pinning, links, BTF, batch map
//! operations, iterators, tokens...) answer `ENOTSUPP`; unknown commands
//! answer `EINVAL`, as the kernel's default case does.

use crate::cgroup;
use crate::kernel::{BpfAudit, Kernel, PerfBpfEventType};
use crate::netdev;
use crate::task::{FMode, File, MapFile, Task};
use crate::test_run;
use bpf_core::errno::*;
use bpf_core::maps::arraymap::bpf_fd_array_map_update_check;
use bpf_core::maps::{bpf_map_alloc, bpf_map_alloc_check, BpfMap, BpfMapAttr, BpfMapEnv, NUMA_NO_NODE};
use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size, BpfFunc, BpfProg};
use bpf_core::runtime::{
    bpf_prog_kallsyms_add, bpf_prog_map_compatible, bpf_prog_select_runtime, BpfFreeHook,
};
use bpf_core::trace::BpfTrace;
use bpf_core::uaccess::UserMemory;
use bpf_core::uapi::*;
use bpf_verifier::BpfVerifierIo;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// `PAGE_SIZE`: larger attrs are refused outright.
const PAGE_SIZE: usize = 4096;

/// `BTF_MAX_TYPE`.
pub const BTF_MAX_TYPE: u32 = 0x000f_ffff;

/// `SHA256_DIGEST_SIZE`.
const SHA256_DIGEST_SIZE: u32 = 32;

/// Mirrors `kernel/bpf/syscall.c:bpf_check_uarg_tail_zero()`.
///
/// A caller may pass a struct larger than this kernel's (newer user space);
/// that is fine as long as every byte this kernel does not know is zero,
/// else `E2BIG`. More than a page is refused outright.
pub fn bpf_check_uarg_tail_zero(
    mem: &dyn UserMemory,
    uaddr: u64,
    expected_size: usize,
    actual_size: usize,
) -> Result<(), Errno> {
    if actual_size > PAGE_SIZE {
        return Err(E2BIG);
    }
    if actual_size <= expected_size {
        return Ok(());
    }
    let mut tail = vec![0u8; actual_size - expected_size];
    mem.copy_from_user(&mut tail, uaddr.checked_add(expected_size as u64).ok_or(EFAULT)?)?;
    if tail.iter().all(|&b| b == 0) {
        Ok(())
    } else {
        Err(E2BIG)
    }
}

/// Mirrors the `CHECK_ATTR(CMD)` macro: is any byte of `union bpf_attr`
/// after the command's last field non-zero?
pub fn check_attr(attr: &[u8; BPF_ATTR_SIZE], last_field_end: usize) -> bool {
    attr[last_field_end.min(BPF_ATTR_SIZE)..].iter().any(|&b| b != 0)
}

/// `*_LAST_FIELD` ends, in bytes, of the commands served here (v6.18).
mod last_field {
    pub const BPF_MAP_CREATE: usize = 92; // excl_prog_hash_size
    pub const BPF_MAP_LOOKUP_ELEM: usize = 32; // flags
    pub const BPF_MAP_UPDATE_ELEM: usize = 32; // flags
    pub const BPF_MAP_DELETE_ELEM: usize = 16; // key
    pub const BPF_MAP_GET_NEXT_KEY: usize = 24; // next_key
    pub const BPF_MAP_LOOKUP_AND_DELETE_ELEM: usize = 32; // flags
    pub const BPF_MAP_FREEZE: usize = 4; // map_fd
    pub const BPF_PROG_LOAD: usize = 168; // keyring_id
    pub const BPF_PROG_ATTACH: usize = 32; // expected_revision
    pub const BPF_PROG_DETACH: usize = 32; // expected_revision
    pub const BPF_PROG_TEST_RUN: usize = 76; // test.batch_size
    pub const BPF_OBJ_GET_NEXT_ID: usize = 8; // next_id
    pub const BPF_PROG_GET_FD_BY_ID: usize = 4; // prog_id
    pub const BPF_MAP_GET_FD_BY_ID: usize = 12; // open_flags
    pub const BPF_OBJ_GET_INFO_BY_FD: usize = 16; // info.info
}

/// Mirrors `kernel/bpf/syscall.c:__sys_bpf()`.
///
/// Checks the size (`bpf_check_uarg_tail_zero`), copies at most
/// `sizeof(union bpf_attr)` bytes from `uattr` in the task's memory (the
/// rest reads as zero), and dispatches on `cmd`. Returns what `bpf()`
/// returns: a new fd or 0, or the errno.
pub fn __sys_bpf(kernel: &Kernel, task: &Task, cmd: BpfCmd, uattr: u64, size: u32) -> Result<i32, Errno> {
    let mem = task.mem();
    bpf_check_uarg_tail_zero(mem, uattr, BPF_ATTR_SIZE, size as usize)?;
    let size = (size as usize).min(BPF_ATTR_SIZE);
    let mut attr = [0u8; BPF_ATTR_SIZE];
    mem.copy_from_user(&mut attr[..size], uattr)?;
    // security_bpf(): no LSM program is attached in this model.
    let mut trace = task.new_trace();
    let r = match cmd {
        BPF_MAP_CREATE => map_create(kernel, task, &mut attr),
        BPF_MAP_LOOKUP_ELEM => map_lookup_elem(kernel, task, &attr),
        BPF_MAP_UPDATE_ELEM => map_update_elem(kernel, task, &attr),
        BPF_MAP_DELETE_ELEM => map_delete_elem(task, &attr),
        BPF_MAP_GET_NEXT_KEY => map_get_next_key(task, &attr),
        BPF_MAP_LOOKUP_AND_DELETE_ELEM => map_lookup_and_delete_elem(kernel, task, &attr),
        BPF_MAP_FREEZE => map_freeze(task, &attr),
        BPF_PROG_LOAD => bpf_prog_load(kernel, task, &mut attr, uattr, size as u32, &mut trace),
        BPF_PROG_ATTACH => bpf_prog_attach(kernel, task, &attr),
        BPF_PROG_DETACH => bpf_prog_detach(kernel, task, &attr),
        BPF_PROG_TEST_RUN => bpf_prog_test_run(kernel, task, &attr, uattr),
        BPF_PROG_GET_NEXT_ID => {
            bpf_obj_get_next_id(task, &attr, uattr, |id| kernel.inner.prog_idr.idr_get_next(id))
        }
        BPF_MAP_GET_NEXT_ID => {
            bpf_obj_get_next_id(task, &attr, uattr, |id| kernel.inner.map_idr.idr_get_next(id))
        }
        BPF_PROG_GET_FD_BY_ID => bpf_prog_get_fd_by_id(kernel, task, &attr),
        BPF_MAP_GET_FD_BY_ID => bpf_map_get_fd_by_id(kernel, task, &attr),
        BPF_OBJ_GET_INFO_BY_FD => bpf_obj_get_info_by_fd(kernel, task, &attr, uattr),
        c if c.name().is_some() => Err(ENOTSUPP),
        _ => Err(EINVAL),
    };
    task.store_trace(trace);
    r
}

fn put_user_u32(mem: &dyn UserMemory, addr: u64, v: u32) -> Result<(), Errno> {
    mem.copy_to_user(addr, &v.to_le_bytes())
}

/// Mirrors `kernel/bpf/syscall.c:bpf_obj_name_cpy()`: a name is letters,
/// digits, `_` and `.`, NUL-terminated within its 16 bytes (`EINVAL`).
pub fn bpf_obj_name_cpy(src: &[u8; BPF_OBJ_NAME_LEN]) -> Result<[u8; BPF_OBJ_NAME_LEN], Errno> {
    let mut dst = [0u8; BPF_OBJ_NAME_LEN];
    for (i, &c) in src.iter().enumerate() {
        if c == 0 {
            return Ok(dst);
        }
        if !c.is_ascii_alphanumeric() && c != b'_' && c != b'.' {
            return Err(EINVAL);
        }
        dst[i] = c;
    }
    // No NUL within the field.
    Err(EINVAL)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_get_file_flag()`.
fn bpf_get_file_flag(flags: u32) -> Result<FMode, Errno> {
    let rd = flags & BpfMapFlags::BPF_F_RDONLY.bits() != 0;
    let wr = flags & BpfMapFlags::BPF_F_WRONLY.bits() != 0;
    match (rd, wr) {
        (true, true) => Err(EINVAL),
        (true, false) => Ok(FMode { read: true, write: false }),
        (false, true) => Ok(FMode { read: false, write: true }),
        (false, false) => Ok(FMode::RDWR),
    }
}

/// Mirrors `kernel/bpf/token.c:bpf_token_get_from_fd()`: no BPF token
/// exists in this model, so any fd is `EBADF` (not open) or `EINVAL` (not a
/// token).
fn bpf_token_get_from_fd(task: &Task, fd: i32) -> Errno {
    match task.fdget(fd) {
        Err(e) => e,
        Ok(_) => EINVAL,
    }
}

// ---------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------

/// Mirrors `__bpf_map_get(fdget(fd))`: the map file behind `fd`; `EBADF`
/// if none, `EINVAL` if it is not a map.
pub fn bpf_map_file_get(task: &Task, fd: u32) -> Result<Arc<MapFile>, Errno> {
    match task.fdget(fd as i32)? {
        File::Map(m) => Ok(m),
        _ => Err(EINVAL),
    }
}

/// Mirrors `map_get_sys_perms()`: a frozen map is read-only for the
/// system call, whatever the fd says.
fn map_get_sys_perms(f: &MapFile) -> FMode {
    let mut m = f.mode();
    if f.map().frozen.load(Ordering::Acquire) {
        m.write = false;
    }
    m
}

fn map_env(kernel: &Kernel, task: &Task) -> BpfMapEnv {
    let cred = task.cred();
    BpfMapEnv {
        nr_cpus: kernel.nr_cpus(),
        bpf_capable: cred.bpf_capable(),
        bypass_spec_v1: cred.perfmon_capable(),
        sys_admin: cred.capable(crate::cred::Caps::CAP_SYS_ADMIN),
        hash_seed: kernel.get_random_u32(),
    }
}

/// Mirrors `kernel/bpf/syscall.c:map_create()` (v6.18).
fn map_create(kernel: &Kernel, task: &Task, raw: &mut [u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_MAP_CREATE) {
        return Err(EINVAL);
    }
    let mut attr = BpfAttrMapCreate::from_bytes(raw);
    // Remember BPF_F_TOKEN_FD, then clear it so the per-type checks do not
    // trip on an unknown flag.
    let token_flag = attr.map_flags & BpfMapFlags::BPF_F_TOKEN_FD.bits() != 0;
    attr.map_flags &= !BpfMapFlags::BPF_F_TOKEN_FD.bits();

    if attr.btf_vmlinux_value_type_id != 0 {
        if attr.map_type != BPF_MAP_TYPE_STRUCT_OPS.0
            || attr.btf_key_type_id != 0
            || attr.btf_value_type_id != 0
        {
            return Err(EINVAL);
        }
    } else if attr.btf_key_type_id != 0 && attr.btf_value_type_id == 0 {
        return Err(EINVAL);
    }
    if attr.map_type != BPF_MAP_TYPE_BLOOM_FILTER.0
        && attr.map_type != BPF_MAP_TYPE_ARENA.0
        && attr.map_extra != 0
    {
        return Err(EINVAL);
    }
    let f_flags = bpf_get_file_flag(attr.map_flags)?;
    let mattr = BpfMapAttr::from_create(&attr);
    // One NUMA node (0) is online.
    if mattr.numa_node != NUMA_NO_NODE && mattr.numa_node != 0 {
        return Err(EINVAL);
    }
    let env = map_env(kernel, task);
    bpf_map_alloc_check(&mattr, &env)?;

    if token_flag {
        return Err(bpf_token_get_from_fd(task, attr.map_token_fd));
    }
    let cred = task.cred();
    // unprivileged_bpf_disabled blocks map creation for unprivileged users.
    if kernel.sysctls().unprivileged_bpf_disabled != 0 && !cred.bpf_capable() {
        return Err(EPERM);
    }
    // check privileged map type permissions: of the types modelled here,
    // queues and stacks need CAP_BPF; arrays (plain, per-CPU, prog,
    // perf_event) and hashes (plain, per-CPU) are of the unprivileged kind.
    if matches!(mattr.map_type, BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK) && !cred.bpf_capable() {
        return Err(EPERM);
    }

    if attr.map_ifindex != 0 {
        // bpf_map_offload_map_alloc(): only arrays and hashes, on a device
        // with an offload engine, of which there is none yet.
        if !cred.bpf_capable() {
            return Err(EPERM);
        }
        if mattr.map_type != BPF_MAP_TYPE_ARRAY && mattr.map_type != BPF_MAP_TYPE_HASH {
            return Err(EINVAL);
        }
        let dev = kernel.bpf_netdev(attr.map_ifindex).ok_or(EINVAL)?;
        if !dev.has_ndo_bpf {
            return Err(EOPNOTSUPP);
        }
        return Err(EINVAL);
    }

    let mut map = bpf_map_alloc(&mattr, &env)?;
    map.name = bpf_obj_name_cpy(&attr.map_name)?;

    if attr.btf_key_type_id != 0 || attr.btf_value_type_id != 0 || attr.btf_vmlinux_value_type_id != 0 {
        // btf_get_by_fd(): no BTF objects exist in this model.
        return Err(match task.fdget(attr.btf_fd as i32) {
            Err(e) => e,
            Ok(_) => EINVAL,
        });
    }
    if attr.excl_prog_hash != 0 {
        if attr.excl_prog_hash_size != SHA256_DIGEST_SIZE {
            return Err(EINVAL);
        }
        let mut sha = [0u8; 32];
        task.mem().copy_from_user(&mut sha, attr.excl_prog_hash)?;
        map.excl_prog_sha = Some(sha);
    } else if attr.excl_prog_hash_size != 0 {
        return Err(EINVAL);
    }
    // security_bpf_map_create(): no LSM.
    let map = Arc::new(map);
    bpf_map_alloc_id(kernel, &map)?;
    // bpf_map_new_fd(): the fd holds a user reference.
    task.fd_install(File::Map(Arc::new(MapFile::new(map, f_flags))))
}

/// Mirrors `kernel/bpf/syscall.c:bpf_map_alloc_id()`: publishes the map in
/// `map_idr` and arranges for its id to be freed with its last reference.
fn bpf_map_alloc_id(kernel: &Kernel, map: &Arc<BpfMap>) -> Result<(), Errno> {
    let id = kernel.inner.map_idr.idr_alloc_cyclic()?;
    map.id.store(id, Ordering::Release);
    let weak = kernel.downgrade();
    *map.free_hook.lock() = Some(BpfFreeHook::new(move |m: &BpfMap| {
        if let Some(k) = weak.upgrade() {
            k.bpf_map_put(m);
        }
    }));
    kernel.inner.map_idr.idr_replace(id, map);
    kernel.count(|s| s.maps_created += 1);
    Ok(())
}

/// Mirrors `__bpf_copy_key()`: the key from user memory; a map without
/// keys takes only a null pointer.
fn bpf_copy_key(mem: &dyn UserMemory, ukey: u64, key_size: u32) -> Result<Vec<u8>, Errno> {
    if key_size != 0 {
        let mut k = vec![0u8; key_size as usize];
        mem.copy_from_user(&mut k, ukey)?;
        return Ok(k);
    }
    if ukey != 0 {
        return Err(EINVAL);
    }
    Ok(Vec::new())
}

/// Mirrors `kernel/bpf/syscall.c:map_lookup_elem()`.
fn map_lookup_elem(kernel: &Kernel, task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_MAP_LOOKUP_ELEM) {
        return Err(EINVAL);
    }
    let attr = BpfAttrMapElem::from_bytes(raw);
    if attr.flags & !BpfElemFlags::BPF_F_LOCK.bits() != 0 {
        return Err(EINVAL);
    }
    let f = bpf_map_file_get(task, attr.map_fd)?;
    if !map_get_sys_perms(&f).read {
        return Err(EPERM);
    }
    let map = f.map();
    // No BTF, so no value has a bpf_spin_lock.
    if attr.flags & BpfElemFlags::BPF_F_LOCK.bits() != 0 {
        return Err(EINVAL);
    }
    let key = bpf_copy_key(task.mem(), attr.key, map.key_size)?;
    let mut value = vec![0u8; map.bpf_map_value_size(kernel.nr_cpus()) as usize];
    bpf_map_copy_value(kernel, task, map, &key, &mut value)?;
    task.mem().copy_to_user(attr.value, &value)?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_map_copy_value()`.
fn bpf_map_copy_value(
    kernel: &Kernel,
    task: &Task,
    map: &BpfMap,
    key: &[u8],
    value: &mut [u8],
) -> Result<(), Errno> {
    let ctx = crate::run_ctx(kernel, task);
    let _g = ctx.enter();
    if is_queue_stack(map) {
        return map.ops.map_peek_elem(value);
    }
    map.ops.map_lookup_elem_sys(key, value)
}

/// `BPF_MAP_TYPE_QUEUE` or `BPF_MAP_TYPE_STACK`: keyless maps the system
/// call peeks, pushes and pops.
fn is_queue_stack(map: &BpfMap) -> bool {
    matches!(map.map_type, BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK)
}

/// Mirrors `kernel/events/core.c:perf_event_get()`: the perf event behind
/// `fd`. This model has no `perf_event_open()`, so no fd is a perf event:
/// a missing fd and any other file are both `EBADF`, as in the kernel.
/// Returns the errno.
fn perf_event_get(task: &Task, fd: u32) -> Errno {
    match task.fdget(fd as i32) {
        Err(e) => e,
        Ok(_) => EBADF,
    }
}

/// Mirrors `kernel/bpf/syscall.c:map_update_elem()`.
fn map_update_elem(kernel: &Kernel, task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_MAP_UPDATE_ELEM) {
        return Err(EINVAL);
    }
    let attr = BpfAttrMapElem::from_bytes(raw);
    let f = bpf_map_file_get(task, attr.map_fd)?;
    if !map_get_sys_perms(&f).write {
        return Err(EPERM);
    }
    let map = f.map();
    if attr.flags & BpfElemFlags::BPF_F_LOCK.bits() != 0 {
        return Err(EINVAL);
    }
    let key = bpf_copy_key(task.mem(), attr.key, map.key_size)?;
    let mut value = vec![0u8; map.bpf_map_value_size(kernel.nr_cpus()) as usize];
    task.mem().copy_from_user(&mut value, attr.value)?;
    bpf_map_update_value(kernel, task, map, &key, &value, attr.flags)?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_map_update_value()`: a prog_array
/// takes a program fd (`bpf_fd_array_map_update_elem`), other maps a
/// value (every CPU's, for per-CPU maps).
fn bpf_map_update_value(
    kernel: &Kernel,
    task: &Task,
    map: &BpfMap,
    key: &[u8],
    value: &[u8],
    flags: u64,
) -> Result<(), Errno> {
    if map.map_type == BPF_MAP_TYPE_PROG_ARRAY {
        let index = bpf_fd_array_map_update_check(map, key, flags)?;
        let ufd = u32::from_le_bytes(value[..4].try_into().map_err(|_| EINVAL)?);
        // prog_fd_array_get_ptr()
        let prog = bpf_prog_get(task, ufd)?;
        if prog.prog_type == BPF_PROG_TYPE_EXT || !bpf_prog_map_compatible(map, &prog) {
            return Err(EINVAL);
        }
        let old = map.ops.map_fd_update_prog(index, prog)?;
        drop(old);
        return Ok(());
    }
    if map.map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY {
        // bpf_fd_array_map_update_elem() -> perf_event_fd_array_get_ptr()
        bpf_fd_array_map_update_check(map, key, flags)?;
        let ufd = u32::from_le_bytes(value[..4].try_into().map_err(|_| EINVAL)?);
        return Err(perf_event_get(task, ufd));
    }
    let ctx = crate::run_ctx(kernel, task);
    let _g = ctx.enter();
    if is_queue_stack(map) {
        return map.ops.map_push_elem(value, flags);
    }
    map.ops.map_update_elem_sys(key, value, flags)
}

/// Mirrors `kernel/bpf/syscall.c:map_delete_elem()`.
fn map_delete_elem(task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_MAP_DELETE_ELEM) {
        return Err(EINVAL);
    }
    let attr = BpfAttrMapElem::from_bytes(raw);
    let f = bpf_map_file_get(task, attr.map_fd)?;
    if !map_get_sys_perms(&f).write {
        return Err(EPERM);
    }
    let key = bpf_copy_key(task.mem(), attr.key, f.map().key_size)?;
    f.map().ops.map_delete_elem(&key)?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:map_get_next_key()`.
fn map_get_next_key(task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_MAP_GET_NEXT_KEY) {
        return Err(EINVAL);
    }
    let attr = BpfAttrMapElem::from_bytes(raw);
    let f = bpf_map_file_get(task, attr.map_fd)?;
    if !map_get_sys_perms(&f).read {
        return Err(EPERM);
    }
    let map = f.map();
    let key = if attr.key != 0 { Some(bpf_copy_key(task.mem(), attr.key, map.key_size)?) } else { None };
    let mut next = vec![0u8; map.key_size as usize];
    map.ops.map_get_next_key(key.as_deref(), &mut next)?;
    task.mem().copy_to_user(attr.next_key(), &next)?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:map_lookup_and_delete_elem()`: pops a
/// queue or stack (no flags allowed), removes a hash element and returns
/// its value; other types are `ENOTSUPP`. The fd must allow reading and
/// writing.
fn map_lookup_and_delete_elem(kernel: &Kernel, task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_MAP_LOOKUP_AND_DELETE_ELEM) {
        return Err(EINVAL);
    }
    let attr = BpfAttrMapElem::from_bytes(raw);
    if attr.flags & !BpfElemFlags::BPF_F_LOCK.bits() != 0 {
        return Err(EINVAL);
    }
    let f = bpf_map_file_get(task, attr.map_fd)?;
    let perms = map_get_sys_perms(&f);
    if !perms.read || !perms.write {
        return Err(EPERM);
    }
    let map = f.map();
    if attr.flags != 0 && is_queue_stack(map) {
        return Err(EINVAL);
    }
    // No BTF, so no value has a bpf_spin_lock.
    if attr.flags & BpfElemFlags::BPF_F_LOCK.bits() != 0 {
        return Err(EINVAL);
    }
    let key = bpf_copy_key(task.mem(), attr.key, map.key_size)?;
    let mut value = vec![0u8; map.bpf_map_value_size(kernel.nr_cpus()) as usize];
    let ctx = crate::run_ctx(kernel, task);
    let g = ctx.enter();
    let r = if is_queue_stack(map) {
        map.ops.map_pop_elem(&mut value)
    } else if matches!(map.map_type, BPF_MAP_TYPE_HASH | BPF_MAP_TYPE_PERCPU_HASH) {
        map.ops.map_lookup_and_delete_elem(&key, &mut value, attr.flags)
    } else {
        Err(ENOTSUPP)
    };
    drop(g);
    r?;
    task.mem().copy_to_user(attr.value, &value)?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:map_freeze()`: the system call may no
/// longer write the map (programs still may).
fn map_freeze(task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_MAP_FREEZE) {
        return Err(EINVAL);
    }
    let attr = BpfAttrMapElem::from_bytes(raw);
    let f = bpf_map_file_get(task, attr.map_fd)?;
    if !map_get_sys_perms(&f).write {
        return Err(EPERM);
    }
    if f.map().frozen.swap(true, Ordering::AcqRel) {
        return Err(EBUSY);
    }
    Ok(0)
}

// ---------------------------------------------------------------------------
// Programs
// ---------------------------------------------------------------------------

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_get()`: a new reference to the
/// program behind `fd`; `EBADF` if none, `EINVAL` if not a program.
pub fn bpf_prog_get(task: &Task, fd: u32) -> Result<Arc<BpfProg>, Errno> {
    match task.fdget(fd as i32)? {
        File::Prog(p) => Ok(p),
        _ => Err(EINVAL),
    }
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_get_type_dev()` without a
/// driver: the program must be of `ptype` and not offloaded.
pub fn bpf_prog_get_type(task: &Task, fd: u32, ptype: BpfProgType) -> Result<Arc<BpfProg>, Errno> {
    let p = bpf_prog_get(task, fd)?;
    if p.prog_type != ptype || p.aux.offload_requested {
        return Err(EINVAL);
    }
    Ok(p)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_load_fixup_attach_type()`.
///
/// Program types that once loaded without `expected_attach_type` and
/// now need one get their old default, so they can be checked at attach
/// time.
pub fn bpf_prog_load_fixup_attach_type(attr: &mut BpfAttrProgLoad) {
    match BpfProgType(attr.prog_type) {
        BPF_PROG_TYPE_CGROUP_SOCK if attr.expected_attach_type == 0 => {
            attr.expected_attach_type = BPF_CGROUP_INET_SOCK_CREATE.0;
        }
        BPF_PROG_TYPE_SK_REUSEPORT if attr.expected_attach_type == 0 => {
            attr.expected_attach_type = BPF_SK_REUSEPORT_SELECT.0;
        }
        _ => {}
    }
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_load_check_attach()`.
///
/// May this program type have an attach target (BTF id, target program)
/// at all, and is its expected attach type one it can be attached with?
/// `attach_btf` is whether a BTF object came with the load.
pub fn bpf_prog_load_check_attach(
    prog_type: BpfProgType,
    expected_attach_type: BpfAttachType,
    attach_btf: bool,
    btf_id: u32,
    dst_prog: Option<&BpfProg>,
) -> Result<(), Errno> {
    if btf_id != 0 {
        if btf_id > BTF_MAX_TYPE {
            return Err(EINVAL);
        }
        if !attach_btf && dst_prog.is_none() {
            return Err(EINVAL);
        }
        if !matches!(
            prog_type,
            BPF_PROG_TYPE_TRACING | BPF_PROG_TYPE_LSM | BPF_PROG_TYPE_STRUCT_OPS | BPF_PROG_TYPE_EXT
        ) {
            return Err(EINVAL);
        }
    }
    if attach_btf && (btf_id == 0 || dst_prog.is_some()) {
        return Err(EINVAL);
    }
    if dst_prog.is_some() && prog_type != BPF_PROG_TYPE_TRACING && prog_type != BPF_PROG_TYPE_EXT {
        return Err(EINVAL);
    }
    let ok =
        |types: &[BpfAttachType]| if types.contains(&expected_attach_type) { Ok(()) } else { Err(EINVAL) };
    match prog_type {
        BPF_PROG_TYPE_CGROUP_SOCK => ok(&[
            BPF_CGROUP_INET_SOCK_CREATE,
            BPF_CGROUP_INET_SOCK_RELEASE,
            BPF_CGROUP_INET4_POST_BIND,
            BPF_CGROUP_INET6_POST_BIND,
        ]),
        BPF_PROG_TYPE_CGROUP_SOCK_ADDR => ok(&[
            BPF_CGROUP_INET4_BIND,
            BPF_CGROUP_INET6_BIND,
            BPF_CGROUP_INET4_CONNECT,
            BPF_CGROUP_INET6_CONNECT,
            BPF_CGROUP_UNIX_CONNECT,
            BPF_CGROUP_INET4_GETPEERNAME,
            BPF_CGROUP_INET6_GETPEERNAME,
            BPF_CGROUP_UNIX_GETPEERNAME,
            BPF_CGROUP_INET4_GETSOCKNAME,
            BPF_CGROUP_INET6_GETSOCKNAME,
            BPF_CGROUP_UNIX_GETSOCKNAME,
            BPF_CGROUP_UDP4_SENDMSG,
            BPF_CGROUP_UDP6_SENDMSG,
            BPF_CGROUP_UNIX_SENDMSG,
            BPF_CGROUP_UDP4_RECVMSG,
            BPF_CGROUP_UDP6_RECVMSG,
            BPF_CGROUP_UNIX_RECVMSG,
        ]),
        BPF_PROG_TYPE_CGROUP_SKB => ok(&[BPF_CGROUP_INET_INGRESS, BPF_CGROUP_INET_EGRESS]),
        BPF_PROG_TYPE_CGROUP_SOCKOPT => ok(&[BPF_CGROUP_SETSOCKOPT, BPF_CGROUP_GETSOCKOPT]),
        BPF_PROG_TYPE_SK_LOOKUP => ok(&[BPF_SK_LOOKUP]),
        BPF_PROG_TYPE_SK_REUSEPORT => ok(&[BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE]),
        BPF_PROG_TYPE_NETFILTER => ok(&[BPF_NETFILTER]),
        BPF_PROG_TYPE_SYSCALL | BPF_PROG_TYPE_EXT if expected_attach_type.0 != 0 => Err(EINVAL),
        _ => Ok(()),
    }
}

/// Mirrors `kernel/bpf/syscall.c:is_net_admin_prog_type()`.
pub fn is_net_admin_prog_type(t: BpfProgType) -> bool {
    matches!(
        t,
        BPF_PROG_TYPE_SCHED_CLS
            | BPF_PROG_TYPE_SCHED_ACT
            | BPF_PROG_TYPE_XDP
            | BPF_PROG_TYPE_LWT_IN
            | BPF_PROG_TYPE_LWT_OUT
            | BPF_PROG_TYPE_LWT_XMIT
            | BPF_PROG_TYPE_LWT_SEG6LOCAL
            | BPF_PROG_TYPE_SK_SKB
            | BPF_PROG_TYPE_SK_MSG
            | BPF_PROG_TYPE_FLOW_DISSECTOR
            | BPF_PROG_TYPE_CGROUP_DEVICE
            | BPF_PROG_TYPE_CGROUP_SOCK
            | BPF_PROG_TYPE_CGROUP_SOCK_ADDR
            | BPF_PROG_TYPE_CGROUP_SOCKOPT
            | BPF_PROG_TYPE_CGROUP_SYSCTL
            | BPF_PROG_TYPE_SOCK_OPS
            | BPF_PROG_TYPE_EXT
            | BPF_PROG_TYPE_NETFILTER
    )
}

/// Mirrors `kernel/bpf/syscall.c:is_perfmon_prog_type()`.
pub fn is_perfmon_prog_type(t: BpfProgType) -> bool {
    matches!(
        t,
        BPF_PROG_TYPE_KPROBE
            | BPF_PROG_TYPE_TRACEPOINT
            | BPF_PROG_TYPE_PERF_EVENT
            | BPF_PROG_TYPE_RAW_TRACEPOINT
            | BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE
            | BPF_PROG_TYPE_TRACING
            | BPF_PROG_TYPE_LSM
            | BPF_PROG_TYPE_STRUCT_OPS
            | BPF_PROG_TYPE_EXT
    )
}

/// Mirrors `include/linux/license.h:license_is_gpl_compatible()`.
pub fn license_is_gpl_compatible(license: &[u8]) -> bool {
    matches!(
        license,
        b"GPL"
            | b"GPL v2"
            | b"GPL and additional rights"
            | b"Dual BSD/GPL"
            | b"Dual MIT/GPL"
            | b"Dual MPL/GPL"
    )
}

/// Mirrors `kernel/bpf/syscall.c:find_prog_type()`: `bpf_prog_types[type]`
/// (bounds-checked) must exist (`EINVAL`).
pub fn find_prog_type(t: BpfProgType, prog: &mut BpfProg) -> Result<(), Errno> {
    bpf_core::types::bpf_prog_type_desc(t).ok_or(EINVAL)?;
    prog.prog_type = t;
    Ok(())
}

/// Mirrors `include/linux/filter.h:bpf_jit_blinding_enabled()`.
fn bpf_jit_blinding_enabled(jit_requested: bool, harden: u32, bpf_capable: bool) -> bool {
    jit_requested && harden != 0 && !(harden == 1 && bpf_capable)
}

/// What `bpf_check` reaches outside the program: the loading task.
pub struct TaskVerifierIo<'a> {
    task: &'a Task,
    nr_cpu_ids: u32,
}

impl<'a> TaskVerifierIo<'a> {
    /// The verifier's view of `task`.
    pub fn new(task: &'a Task) -> Self {
        TaskVerifierIo { task, nr_cpu_ids: 1 }
    }

    /// The kernel's `nr_cpu_ids` (what `bpf_get_smp_processor_id()` may
    /// return is below it).
    pub fn with_nr_cpu_ids(mut self, n: u32) -> Self {
        self.nr_cpu_ids = n;
        self
    }
}

impl BpfVerifierIo for TaskVerifierIo<'_> {
    fn user(&self) -> &dyn UserMemory {
        self.task.mem()
    }
    fn bpf_map_get(&self, fd: i32) -> Result<Arc<BpfMap>, Errno> {
        Ok(bpf_map_file_get(self.task, fd as u32)?.map().clone())
    }
    fn bpf_capable(&self) -> bool {
        self.task.cred().bpf_capable()
    }
    fn perfmon_capable(&self) -> bool {
        self.task.cred().perfmon_capable()
    }
    fn sys_admin_capable(&self) -> bool {
        self.task.cred().capable(crate::cred::Caps::CAP_SYS_ADMIN)
    }
    fn nr_cpu_ids(&self) -> u32 {
        self.nr_cpu_ids
    }
}

/// The flags `bpf_prog_load` accepts in `prog_flags`.
const BPF_PROG_LOAD_FLAGS: BpfProgFlags = BpfProgFlags::all();

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_load()` (v6.18).
///
/// The load sequence, in the kernel's order: attribute and flag checks,
/// `bpf_prog_load_fixup_attach_type`, the capability and size checks, the
/// attach target, `bpf_prog_load_check_attach`, `bpf_prog_alloc`, the user
/// copies, `license_is_gpl_compatible`, `bpf_prog_dev_bound_init`,
/// `find_prog_type`, `bpf_obj_name_cpy`, `bpf_check`,
/// `bpf_prog_select_runtime`, `bpf_prog_alloc_id`, `bpf_prog_kallsyms_add`,
/// `perf_event_bpf_event`, `bpf_audit_prog`, `bpf_prog_new_fd`. A failure
/// unwinds through the kernel's labels (recorded in `trace`): nothing it
/// created stays behind.
pub fn bpf_prog_load(
    kernel: &Kernel,
    task: &Task,
    raw: &mut [u8; BPF_ATTR_SIZE],
    uattr: u64,
    uattr_size: u32,
    trace: &mut BpfTrace,
) -> Result<i32, Errno> {
    trace.call("bpf_prog_load");
    trace.nested(|t| bpf_prog_load_steps(kernel, task, raw, uattr, uattr_size, t))
}

fn fail<T>(trace: &mut BpfTrace, step: &'static str, e: Errno) -> Result<T, Errno> {
    trace.failed(step, e);
    Err(e)
}

fn bpf_prog_load_steps(
    kernel: &Kernel,
    task: &Task,
    raw: &mut [u8; BPF_ATTR_SIZE],
    uattr: u64,
    uattr_size: u32,
    trace: &mut BpfTrace,
) -> Result<i32, Errno> {
    trace.call("CHECK_ATTR");
    if check_attr(raw, last_field::BPF_PROG_LOAD) {
        return fail(trace, "CHECK_ATTR", EINVAL);
    }
    let mut attr = BpfAttrProgLoad::from_bytes(raw);
    let prog_type = BpfProgType(attr.prog_type);
    if attr.prog_flags & !BPF_PROG_LOAD_FLAGS.bits() != 0 {
        trace.call("prog_flags");
        return fail(trace, "prog_flags", EINVAL);
    }
    trace.call("bpf_prog_load_fixup_attach_type");
    bpf_prog_load_fixup_attach_type(&mut attr);
    if attr.prog_flags & BpfProgFlags::BPF_F_TOKEN_FD.bits() != 0 {
        trace.call("bpf_token_get_from_fd");
        return fail(trace, "bpf_token_get_from_fd", bpf_token_get_from_fd(task, attr.prog_token_fd));
    }

    // Capability and size checks (put_token on failure: no token here).
    let cred = task.cred();
    let bpf_cap = cred.bpf_capable();
    if kernel.sysctls().unprivileged_bpf_disabled != 0 && !bpf_cap {
        trace.call("sysctl_unprivileged_bpf_disabled");
        trace.failed("sysctl_unprivileged_bpf_disabled", EPERM);
        trace.label("put_token");
        return Err(EPERM);
    }
    let limit = if bpf_cap { BPF_COMPLEXITY_LIMIT_INSNS } else { BPF_MAXINSNS };
    if attr.insn_cnt == 0 || attr.insn_cnt > limit {
        trace.call("insn_cnt");
        trace.failed("insn_cnt", E2BIG);
        trace.label("put_token");
        return Err(E2BIG);
    }
    let perm =
        if prog_type != BPF_PROG_TYPE_SOCKET_FILTER && prog_type != BPF_PROG_TYPE_CGROUP_SKB && !bpf_cap {
            Some("bpf_capable")
        } else if is_net_admin_prog_type(prog_type) && !cred.net_capable() {
            Some("is_net_admin_prog_type")
        } else if is_perfmon_prog_type(prog_type) && !cred.perfmon_capable() {
            Some("is_perfmon_prog_type")
        } else {
            None
        };
    if let Some(step) = perm {
        trace.call(step);
        trace.failed(step, EPERM);
        trace.label("put_token");
        return Err(EPERM);
    }

    // The attach target: a program, or a BTF object (none exist here, and
    // there is no vmlinux BTF).
    let mut dst_prog = None;
    if attr.attach_prog_fd != 0 {
        trace.call("bpf_prog_get");
        match bpf_prog_get(task, attr.attach_prog_fd) {
            Ok(p) => dst_prog = Some(p),
            Err(_) => {
                trace.call("btf_get_by_fd");
                trace.failed("btf_get_by_fd", EINVAL);
                trace.label("put_token");
                return Err(EINVAL);
            }
        }
    } else if attr.attach_btf_id != 0 {
        trace.call("bpf_get_btf_vmlinux");
        trace.failed("bpf_get_btf_vmlinux", EINVAL);
        trace.label("put_token");
        return Err(EINVAL);
    }

    trace.call("bpf_prog_load_check_attach");
    if let Err(e) = bpf_prog_load_check_attach(
        prog_type,
        BpfAttachType(attr.expected_attach_type),
        false,
        attr.attach_btf_id,
        dst_prog.as_deref(),
    ) {
        trace.failed("bpf_prog_load_check_attach", e);
        trace.label("put_token");
        return Err(EINVAL);
    }

    // Plain bpf_prog allocation.
    let sysctls = kernel.sysctls();
    let jit_requested = sysctls.bpf_jit_enable != 0;
    let blinding = bpf_jit_blinding_enabled(jit_requested, sysctls.bpf_jit_harden, bpf_cap);
    trace.call("bpf_prog_alloc");
    trace.nested(|t| {
        t.call("bpf_prog_alloc_no_stats");
        t.call("alloc_percpu_gfp");
    });
    let mut prog =
        bpf_prog_alloc(bpf_prog_size(attr.insn_cnt), kernel.nr_cpus() as usize, jit_requested, blinding);
    prog.expected_attach_type = BpfAttachType(attr.expected_attach_type);
    prog.sleepable = attr.prog_flags & BpfProgFlags::BPF_F_SLEEPABLE.bits() != 0;
    prog.aux.attach_btf_id = attr.attach_btf_id;
    prog.aux.dst_prog = dst_prog;
    prog.aux.dev_bound = attr.prog_ifindex != 0;
    prog.aux.xdp_has_frags = attr.prog_flags & BpfProgFlags::BPF_F_XDP_HAS_FRAGS.bits() != 0;
    trace.call("get_current_user");
    prog.aux.uid = cred.uid;

    // The instructions and the license come from user memory.
    trace.call("copy_from_bpfptr");
    let mut bytes = vec![0u8; attr.insn_cnt as usize * 8];
    if let Err(e) = task.mem().copy_from_user(&mut bytes, attr.insns) {
        trace.failed("copy_from_bpfptr", e);
        trace.label("free_prog");
        return Err(EFAULT);
    }
    prog.set_insns(
        bytes.chunks_exact(8).map(|c| BpfInsn::from_bytes(c.try_into().expect("8 bytes"))).collect(),
    );
    trace.call("strncpy_from_bpfptr");
    let license = match task.mem().strncpy_from_user(attr.license, 127) {
        Ok(l) => l,
        Err(e) => {
            trace.failed("strncpy_from_bpfptr", e);
            trace.label("free_prog");
            return Err(EFAULT);
        }
    };
    trace.call("license_is_gpl_compatible");
    prog.gpl_compatible = license_is_gpl_compatible(&license);
    prog.aux.license = String::from_utf8_lossy(&license).into_owned();

    if attr.signature != 0 {
        // This kernel has no keyring to check a signature against.
        trace.call("bpf_prog_verify_signature");
        trace.failed("bpf_prog_verify_signature", EOPNOTSUPP);
        trace.label("free_prog");
        return Err(EOPNOTSUPP);
    }

    if prog.aux.dev_bound {
        trace.call("bpf_prog_dev_bound_init");
        let netdev = kernel.bpf_netdev(attr.prog_ifindex);
        if let Err(e) = kernel.runtime().offload.bpf_prog_dev_bound_init(&mut prog, &attr, netdev.as_ref()) {
            trace.failed("bpf_prog_dev_bound_init", e);
            trace.label("free_prog");
            return Err(e);
        }
    }

    trace.call("find_prog_type");
    if let Err(e) = find_prog_type(prog_type, &mut prog) {
        trace.failed("find_prog_type", e);
        return free_prog(kernel, trace, prog, e);
    }
    prog.aux.load_time = kernel.ktime_get_boottime_ns();
    trace.call("bpf_obj_name_cpy");
    match bpf_obj_name_cpy(&attr.prog_name) {
        Ok(n) => prog.aux.name = n,
        Err(e) => {
            trace.failed("bpf_obj_name_cpy", e);
            return free_prog(kernel, trace, prog, e);
        }
    }
    trace.call("security_bpf_prog_load");

    // Run the verifier.
    trace.call("bpf_check");
    let io = TaskVerifierIo::new(task).with_nr_cpu_ids(kernel.nr_cpus());
    if let Err(e) = bpf_verifier::bpf_check(&mut prog, &attr, uattr, uattr_size, &io) {
        trace.failed("bpf_check", e);
        return free_used_maps(kernel, trace, prog, e);
    }

    bpf_prog_load_publish(kernel, task, prog, trace)
}

/// The second half of `bpf_prog_load`, after `bpf_check` accepted the
/// program: `bpf_prog_select_runtime`, `bpf_prog_alloc_id`, then the
/// notifications and the fd. Split out so the steps after the verifier
/// can be exercised on programs built by hand.
pub(crate) fn bpf_prog_load_publish(
    kernel: &Kernel,
    task: &Task,
    prog: Box<BpfProg>,
    trace: &mut BpfTrace,
) -> Result<i32, Errno> {
    let bpf_cap = task.cred().bpf_capable();
    trace.call("bpf_prog_select_runtime");
    let rt = kernel.runtime();
    let (mut prog, r) = trace.nested(|t| bpf_prog_select_runtime(prog, &rt, t));
    if let Err(e) = r {
        trace.failed("bpf_prog_select_runtime", e);
        return free_used_maps(kernel, trace, prog, e);
    }

    trace.call("bpf_prog_alloc_id");
    let id = match kernel.inner.prog_idr.idr_alloc_cyclic() {
        Ok(id) => id,
        Err(e) => {
            trace.failed("bpf_prog_alloc_id", e);
            return free_used_maps(kernel, trace, prog, e);
        }
    };
    prog.aux.id = id;

    // Published from here on: the notifications come before the fd exists,
    // since a racing close of that fd could free the program, and every
    // later failure goes through bpf_prog_put.
    trace.call("bpf_prog_kallsyms_add");
    bpf_prog_kallsyms_add(&kernel.inner.kallsyms, &mut prog, bpf_cap);
    let weak = kernel.downgrade();
    prog.aux.free_hook = Some(BpfFreeHook::new(move |p: &BpfProg| {
        if let Some(k) = weak.upgrade() {
            k.bpf_prog_put_deferred(p);
        }
    }));
    let prog: Arc<BpfProg> = Arc::from(prog);
    kernel.inner.prog_idr.idr_replace(id, &prog);
    kernel.count(|s| s.progs_loaded += 1);
    trace.call("perf_event_bpf_event");
    kernel.inner.perf_event_bpf_event(&prog, PerfBpfEventType::ProgLoad, 0);
    trace.call("bpf_audit_prog");
    kernel.audit(id, BpfAudit::Load);

    trace.call("bpf_prog_new_fd");
    match bpf_prog_new_fd(task, prog) {
        Ok(fd) => Ok(fd),
        Err(e) => {
            trace.failed("bpf_prog_new_fd", e);
            trace.call("bpf_prog_put");
            Err(e)
        }
    }
}

/// The `free_used_maps:` label: `__bpf_prog_put_noref` frees the program,
/// its JIT image and its map references (by dropping it here), and
/// `bpf_prog_free_deferred` unbinds a device-bound one.
fn free_used_maps(kernel: &Kernel, trace: &mut BpfTrace, prog: Box<BpfProg>, e: Errno) -> Result<i32, Errno> {
    trace.label("free_used_maps");
    trace.call("__bpf_prog_put_noref");
    bpf_prog_free(kernel, prog);
    Err(e)
}

/// The `free_prog:` label after `bpf_prog_dev_bound_init` succeeded:
/// `bpf_prog_free`.
fn free_prog(kernel: &Kernel, trace: &mut BpfTrace, prog: Box<BpfProg>, e: Errno) -> Result<i32, Errno> {
    trace.label("free_prog");
    bpf_prog_free(kernel, prog);
    Err(e)
}

/// Mirrors `kernel/bpf/core.c:bpf_prog_free()` for a program that was
/// never published: a device-bound one leaves its device
/// (`bpf_prog_dev_bound_destroy`), then the memory, the JIT image and the
/// map references go.
fn bpf_prog_free(kernel: &Kernel, prog: Box<BpfProg>) {
    if prog.aux.dev_bound {
        kernel.config().offload.bpf_prog_dev_bound_destroy(&prog);
    }
    drop(prog);
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_new_fd()`: an fd holding the
/// reference. On failure the reference is put (`bpf_prog_put`), which for
/// a new program frees it.
pub fn bpf_prog_new_fd(task: &Task, prog: Arc<BpfProg>) -> Result<i32, Errno> {
    task.fd_install(File::Prog(prog))
}

// ---------------------------------------------------------------------------
// Attach
// ---------------------------------------------------------------------------

/// Mirrors `kernel/bpf/syscall.c:attach_type_to_prog_type()`.
pub fn attach_type_to_prog_type(t: BpfAttachType) -> BpfProgType {
    match t {
        BPF_CGROUP_INET_INGRESS | BPF_CGROUP_INET_EGRESS => BPF_PROG_TYPE_CGROUP_SKB,
        BPF_CGROUP_INET_SOCK_CREATE
        | BPF_CGROUP_INET_SOCK_RELEASE
        | BPF_CGROUP_INET4_POST_BIND
        | BPF_CGROUP_INET6_POST_BIND => BPF_PROG_TYPE_CGROUP_SOCK,
        BPF_CGROUP_INET4_BIND
        | BPF_CGROUP_INET6_BIND
        | BPF_CGROUP_INET4_CONNECT
        | BPF_CGROUP_INET6_CONNECT
        | BPF_CGROUP_UNIX_CONNECT
        | BPF_CGROUP_INET4_GETPEERNAME
        | BPF_CGROUP_INET6_GETPEERNAME
        | BPF_CGROUP_UNIX_GETPEERNAME
        | BPF_CGROUP_INET4_GETSOCKNAME
        | BPF_CGROUP_INET6_GETSOCKNAME
        | BPF_CGROUP_UNIX_GETSOCKNAME
        | BPF_CGROUP_UDP4_SENDMSG
        | BPF_CGROUP_UDP6_SENDMSG
        | BPF_CGROUP_UNIX_SENDMSG
        | BPF_CGROUP_UDP4_RECVMSG
        | BPF_CGROUP_UDP6_RECVMSG
        | BPF_CGROUP_UNIX_RECVMSG => BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
        BPF_CGROUP_SOCK_OPS => BPF_PROG_TYPE_SOCK_OPS,
        BPF_CGROUP_DEVICE => BPF_PROG_TYPE_CGROUP_DEVICE,
        BPF_SK_MSG_VERDICT => BPF_PROG_TYPE_SK_MSG,
        BPF_SK_SKB_STREAM_PARSER | BPF_SK_SKB_STREAM_VERDICT | BPF_SK_SKB_VERDICT => BPF_PROG_TYPE_SK_SKB,
        BPF_LIRC_MODE2 => BPF_PROG_TYPE_LIRC_MODE2,
        BPF_FLOW_DISSECTOR => BPF_PROG_TYPE_FLOW_DISSECTOR,
        BPF_CGROUP_SYSCTL => BPF_PROG_TYPE_CGROUP_SYSCTL,
        BPF_CGROUP_GETSOCKOPT | BPF_CGROUP_SETSOCKOPT => BPF_PROG_TYPE_CGROUP_SOCKOPT,
        BPF_TRACE_ITER | BPF_TRACE_RAW_TP | BPF_TRACE_FENTRY | BPF_TRACE_FEXIT | BPF_MODIFY_RETURN => {
            BPF_PROG_TYPE_TRACING
        }
        BPF_LSM_MAC => BPF_PROG_TYPE_LSM,
        BPF_SK_LOOKUP => BPF_PROG_TYPE_SK_LOOKUP,
        BPF_XDP => BPF_PROG_TYPE_XDP,
        BPF_LSM_CGROUP => BPF_PROG_TYPE_LSM,
        BPF_TCX_INGRESS | BPF_TCX_EGRESS | BPF_NETKIT_PRIMARY | BPF_NETKIT_PEER => BPF_PROG_TYPE_SCHED_CLS,
        _ => BPF_PROG_TYPE_UNSPEC,
    }
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_attach_check_attach_type()`.
pub fn bpf_prog_attach_check_attach_type(
    prog: &BpfProg,
    attach_type: BpfAttachType,
    net_admin: bool,
) -> Result<(), Errno> {
    match prog.prog_type {
        BPF_PROG_TYPE_CGROUP_SOCK
        | BPF_PROG_TYPE_CGROUP_SOCK_ADDR
        | BPF_PROG_TYPE_CGROUP_SOCKOPT
        | BPF_PROG_TYPE_SK_LOOKUP => {
            if attach_type == prog.expected_attach_type {
                Ok(())
            } else {
                Err(EINVAL)
            }
        }
        BPF_PROG_TYPE_CGROUP_SKB => {
            // Unprivileged users may load cgroup skb programs; attaching
            // them needs CAP_NET_ADMIN.
            if !net_admin {
                return Err(EPERM);
            }
            if attach_type_to_prog_type(attach_type) != prog.prog_type {
                return Err(EINVAL);
            }
            if prog.enforce_expected_attach_type && prog.expected_attach_type != attach_type {
                return Err(EINVAL);
            }
            Ok(())
        }
        BPF_PROG_TYPE_EXT => Ok(()),
        BPF_PROG_TYPE_NETFILTER if attach_type != BPF_NETFILTER => Err(EINVAL),
        BPF_PROG_TYPE_NETFILTER => Ok(()),
        BPF_PROG_TYPE_PERF_EVENT | BPF_PROG_TYPE_TRACEPOINT if attach_type != BPF_PERF_EVENT => Err(EINVAL),
        BPF_PROG_TYPE_PERF_EVENT | BPF_PROG_TYPE_TRACEPOINT => Ok(()),
        BPF_PROG_TYPE_KPROBE => {
            let eat = prog.expected_attach_type;
            for multi in [
                BPF_TRACE_KPROBE_MULTI,
                BPF_TRACE_KPROBE_SESSION,
                BPF_TRACE_UPROBE_MULTI,
                BPF_TRACE_UPROBE_SESSION,
            ] {
                if eat == multi && attach_type != multi {
                    return Err(EINVAL);
                }
            }
            if ![
                BPF_PERF_EVENT,
                BPF_TRACE_KPROBE_MULTI,
                BPF_TRACE_KPROBE_SESSION,
                BPF_TRACE_UPROBE_MULTI,
                BPF_TRACE_UPROBE_SESSION,
            ]
            .contains(&attach_type)
            {
                return Err(EINVAL);
            }
            Ok(())
        }
        BPF_PROG_TYPE_SCHED_CLS => {
            if [BPF_TCX_INGRESS, BPF_TCX_EGRESS, BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER].contains(&attach_type) {
                Ok(())
            } else {
                Err(EINVAL)
            }
        }
        _ => {
            let ptype = attach_type_to_prog_type(attach_type);
            if ptype == BPF_PROG_TYPE_UNSPEC || ptype != prog.prog_type {
                Err(EINVAL)
            } else {
                Ok(())
            }
        }
    }
}

/// `BPF_F_ATTACH_MASK_BASE`.
const BPF_F_ATTACH_MASK_BASE: BpfAttachFlags = BpfAttachFlags::BPF_F_ALLOW_OVERRIDE
    .union(BpfAttachFlags::BPF_F_ALLOW_MULTI)
    .union(BpfAttachFlags::BPF_F_REPLACE);

/// `BPF_F_ATTACH_MASK_MPROG`.
const BPF_F_ATTACH_MASK_MPROG: BpfAttachFlags = BpfAttachFlags::BPF_F_REPLACE
    .union(BpfAttachFlags::BPF_F_BEFORE)
    .union(BpfAttachFlags::BPF_F_AFTER)
    .union(BpfAttachFlags::BPF_F_ID)
    .union(BpfAttachFlags::BPF_F_LINK);

/// `bpf_mprog_supported()`: tc programs use the multi-program API.
fn bpf_mprog_supported(t: BpfProgType) -> bool {
    t == BPF_PROG_TYPE_SCHED_CLS
}

/// Cgroup program types (`is_cgroup_prog_type()`), which take the base
/// and the multi-program attach flags.
fn is_cgroup_prog_type(t: BpfProgType) -> bool {
    matches!(
        t,
        BPF_PROG_TYPE_CGROUP_DEVICE
            | BPF_PROG_TYPE_CGROUP_SKB
            | BPF_PROG_TYPE_CGROUP_SOCK
            | BPF_PROG_TYPE_CGROUP_SOCK_ADDR
            | BPF_PROG_TYPE_CGROUP_SOCKOPT
            | BPF_PROG_TYPE_CGROUP_SYSCTL
            | BPF_PROG_TYPE_SOCK_OPS
    )
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_attach()` (v6.18).
///
/// The attach type names the program type; the flags must suit the
/// attach point's API; the program must be of that type and pass
/// `bpf_prog_attach_check_attach_type`. Cgroups and the tc ingress/egress
/// hooks of network devices are modelled; other attach points answer
/// `ENOTSUPP`.
fn bpf_prog_attach(kernel: &Kernel, task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_PROG_ATTACH) {
        return Err(EINVAL);
    }
    let attr = BpfAttrProgAttach::from_bytes(raw);
    let attach_type = BpfAttachType(attr.attach_type);
    let ptype = attach_type_to_prog_type(attach_type);
    if ptype == BPF_PROG_TYPE_UNSPEC {
        return Err(EINVAL);
    }
    let flags = BpfAttachFlags::from_bits_retain(attr.attach_flags);
    if bpf_mprog_supported(ptype) {
        if !(flags - BPF_F_ATTACH_MASK_MPROG).is_empty() {
            return Err(EINVAL);
        }
    } else if is_cgroup_prog_type(ptype) {
        if !(flags - (BPF_F_ATTACH_MASK_BASE | BPF_F_ATTACH_MASK_MPROG)).is_empty() {
            return Err(EINVAL);
        }
    } else {
        if !(flags - BPF_F_ATTACH_MASK_BASE).is_empty() {
            return Err(EINVAL);
        }
        if attr.relative_fd != 0 || attr.expected_revision != 0 {
            return Err(EINVAL);
        }
    }
    let prog = bpf_prog_get_type(task, attr.attach_bpf_fd, ptype)?;
    if bpf_prog_attach_check_attach_type(&prog, attach_type, task.cred().net_capable()).is_err() {
        return Err(EINVAL);
    }
    if is_cgroup_prog_type(ptype) {
        cgroup::cgroup_bpf_prog_attach(kernel, task, &attr, ptype, prog)?;
        return Ok(0);
    }
    if ptype == BPF_PROG_TYPE_SCHED_CLS {
        if attach_type == BPF_TCX_INGRESS || attach_type == BPF_TCX_EGRESS {
            netdev::tcx_prog_attach(kernel, task, &attr, prog)?;
            return Ok(0);
        }
        // netkit devices are not modelled.
        return Err(ENODEV);
    }
    match ptype {
        BPF_PROG_TYPE_SK_SKB
        | BPF_PROG_TYPE_SK_MSG
        | BPF_PROG_TYPE_LIRC_MODE2
        | BPF_PROG_TYPE_FLOW_DISSECTOR => Err(ENOTSUPP),
        _ => Err(EINVAL),
    }
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_detach()` (v6.18).
fn bpf_prog_detach(kernel: &Kernel, task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_PROG_DETACH) {
        return Err(EINVAL);
    }
    let attr = BpfAttrProgAttach::from_bytes(raw);
    let attach_type = BpfAttachType(attr.attach_type);
    let ptype = attach_type_to_prog_type(attach_type);
    let flags = BpfAttachFlags::from_bits_retain(attr.attach_flags);
    let mut prog = None;
    if bpf_mprog_supported(ptype) {
        if !(flags - BPF_F_ATTACH_MASK_MPROG).is_empty() {
            return Err(EINVAL);
        }
        if attr.attach_bpf_fd != 0 {
            prog = Some(bpf_prog_get_type(task, attr.attach_bpf_fd, ptype)?);
        }
    } else if attr.attach_flags != 0 || attr.relative_fd != 0 || attr.expected_revision != 0 {
        return Err(EINVAL);
    }
    if is_cgroup_prog_type(ptype) {
        cgroup::cgroup_bpf_prog_detach(task, &attr, ptype)?;
        return Ok(0);
    }
    match ptype {
        BPF_PROG_TYPE_SCHED_CLS if attach_type == BPF_TCX_INGRESS || attach_type == BPF_TCX_EGRESS => {
            netdev::tcx_prog_detach(kernel, task, &attr, prog)?;
            Ok(0)
        }
        BPF_PROG_TYPE_SCHED_CLS => Err(ENODEV),
        BPF_PROG_TYPE_SK_SKB
        | BPF_PROG_TYPE_SK_MSG
        | BPF_PROG_TYPE_LIRC_MODE2
        | BPF_PROG_TYPE_FLOW_DISSECTOR => Err(ENOTSUPP),
        _ => Err(EINVAL),
    }
}

// ---------------------------------------------------------------------------
// Test run, ids, info
// ---------------------------------------------------------------------------

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_test_run()`: the context pointer
/// and size come together or not at all, then the program type's
/// `test_run` (types without one: `ENOTSUPP`).
fn bpf_prog_test_run(
    kernel: &Kernel,
    task: &Task,
    raw: &[u8; BPF_ATTR_SIZE],
    uattr: u64,
) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_PROG_TEST_RUN) {
        return Err(EINVAL);
    }
    let attr = BpfAttrTestRun::from_bytes(raw);
    if (attr.ctx_size_in != 0) != (attr.ctx_in != 0) || (attr.ctx_size_out != 0) != (attr.ctx_out != 0) {
        return Err(EINVAL);
    }
    let prog = bpf_prog_get(task, attr.prog_fd)?;
    test_run::test_run(kernel, task, &prog, &attr, uattr)?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_obj_get_next_id()`.
fn bpf_obj_get_next_id(
    task: &Task,
    raw: &[u8; BPF_ATTR_SIZE],
    uattr: u64,
    next: impl FnOnce(u32) -> Option<u32>,
) -> Result<i32, Errno> {
    let attr = BpfAttrGetId::from_bytes(raw);
    if check_attr(raw, last_field::BPF_OBJ_GET_NEXT_ID) || attr.start_id >= i32::MAX as u32 {
        return Err(EINVAL);
    }
    if !task.cred().capable(crate::cred::Caps::CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let id = next(attr.start_id + 1).ok_or(ENOENT)?;
    put_user_u32(task.mem(), uattr + 4, id)?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_get_fd_by_id()`.
fn bpf_prog_get_fd_by_id(kernel: &Kernel, task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_PROG_GET_FD_BY_ID) {
        return Err(EINVAL);
    }
    if !task.cred().capable(crate::cred::Caps::CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let id = BpfAttrGetId::from_bytes(raw).prog_id();
    // bpf_prog_by_id(): id 0 never names a program.
    let prog = if id == 0 { None } else { kernel.inner.prog_idr.idr_find(id) };
    bpf_prog_new_fd(task, prog.ok_or(ENOENT)?)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_map_get_fd_by_id()`.
fn bpf_map_get_fd_by_id(kernel: &Kernel, task: &Task, raw: &[u8; BPF_ATTR_SIZE]) -> Result<i32, Errno> {
    let attr = BpfAttrGetId::from_bytes(raw);
    let obj_flag_mask = (BpfMapFlags::BPF_F_RDONLY | BpfMapFlags::BPF_F_WRONLY).bits();
    if check_attr(raw, last_field::BPF_MAP_GET_FD_BY_ID) || attr.open_flags & !obj_flag_mask != 0 {
        return Err(EINVAL);
    }
    if !task.cred().capable(crate::cred::Caps::CAP_SYS_ADMIN) {
        return Err(EPERM);
    }
    let mode = bpf_get_file_flag(attr.open_flags)?;
    let map = kernel.inner.map_idr.idr_find(attr.start_id).ok_or(ENOENT)?;
    task.fd_install(File::Map(Arc::new(MapFile::new(map, mode))))
}

/// Mirrors `include/linux/filter.h:bpf_dump_raw_ok()` (`kallsyms_show_value`):
/// may this caller see kernel addresses in dumps?
pub fn bpf_dump_raw_ok(kernel: &Kernel, task: &Task) -> bool {
    let s = kernel.sysctls();
    match s.kptr_restrict {
        0 if s.perf_event_paranoid <= 1 => true,
        0 | 1 => task.cred().capable(crate::cred::Caps::CAP_SYSLOG),
        _ => false,
    }
}

/// The address `prog->bpf_func` holds: the JIT image, or the interpreter.
fn bpf_func_addr(prog: &BpfProg) -> u64 {
    match &prog.bpf_func {
        BpfFunc::Jited(r) | BpfFunc::Offloaded(r) => r.image().as_ptr() as u64,
        BpfFunc::Interpreter { run, .. } => *run as usize as u64,
        BpfFunc::Ret0Warn | BpfFunc::Unset => {
            bpf_core::runtime::__bpf_prog_ret0_warn as *const () as usize as u64
        }
    }
}

/// Mirrors `kernel/bpf/syscall.c:bpf_map_from_imm()`: which used map does
/// an `ld_imm64` address point at (the map itself, or one of its values)?
fn bpf_map_from_imm(prog: &BpfProg, addr: u64) -> Option<(u32, u8, u32)> {
    for map in &prog.aux.used_maps {
        if Arc::as_ptr(map) as u64 == addr {
            return Some((map.id(), BPF_PSEUDO_MAP_FD, 0));
        }
        if let Some(off) = map.ops.map_direct_value_meta(addr) {
            return Some((map.id(), BPF_PSEUDO_MAP_VALUE, off));
        }
    }
    None
}

/// Mirrors `kernel/bpf/syscall.c:bpf_insn_prepare_dump()`.
///
/// The rewritten program as user space may see it: tail calls read as
/// `call bpf_tail_call`, interpreter calls as plain calls (with the helper
/// address zeroed unless `raw_ok`), probe loads as plain loads, and map
/// addresses in `ld_imm64` as `(map id, offset)` with the pseudo source.
pub fn bpf_insn_prepare_dump(prog: &BpfProg, raw_ok: bool) -> Vec<BpfInsn> {
    let mut insns = prog.insns().to_vec();
    let mut i = 0;
    while i < insns.len() {
        let code = insns[i].code;
        if code == BPF_JMP | BPF_TAIL_CALL {
            insns[i].code = BPF_JMP | BPF_CALL;
            insns[i].imm = BPF_FUNC_tail_call.0 as i32;
        }
        if code == BPF_JMP | BPF_CALL || code == BPF_JMP | BPF_CALL_ARGS || code == BPF_JMP | BPF_TAIL_CALL {
            if code == BPF_JMP | BPF_CALL_ARGS {
                insns[i].code = BPF_JMP | BPF_CALL;
            }
            if !raw_ok {
                insns[i].imm = 0;
            }
            i += 1;
            continue;
        }
        if bpf_class(code) == BPF_LDX && bpf_mode(code) == BPF_PROBE_MEM {
            insns[i].code = BPF_LDX | bpf_size(code) | BPF_MEM;
            i += 1;
            continue;
        }
        // BPF_PROBE_MEM32 (0xa0): arena accesses.
        if matches!(bpf_class(code), BPF_LDX | BPF_STX | BPF_ST) && bpf_mode(code) == 0xa0 {
            insns[i].code = bpf_class(code) | bpf_size(code) | BPF_MEM;
            i += 1;
            continue;
        }
        if code != BPF_LD | BPF_IMM | BPF_DW || i + 1 >= insns.len() {
            i += 1;
            continue;
        }
        let imm = (u64::from(insns[i + 1].imm as u32) << 32) | u64::from(insns[i].imm as u32);
        if let Some((id, src, off)) = bpf_map_from_imm(prog, imm) {
            insns[i].set_src_reg(src);
            insns[i].imm = id as i32;
            insns[i + 1].imm = off as i32;
        }
        i += 1;
    }
    insns
}

/// Mirrors `kernel/bpf/syscall.c:bpf_obj_get_info_by_fd()`.
fn bpf_obj_get_info_by_fd(
    kernel: &Kernel,
    task: &Task,
    raw: &[u8; BPF_ATTR_SIZE],
    uattr: u64,
) -> Result<i32, Errno> {
    if check_attr(raw, last_field::BPF_OBJ_GET_INFO_BY_FD) {
        return Err(EINVAL);
    }
    let attr = BpfAttrInfo::from_bytes(raw);
    // An fd that is not open is EBADFD here, not EBADF.
    let file = task.fdget(attr.bpf_fd as i32).map_err(|_| EBADFD)?;
    match file {
        File::Prog(p) => bpf_prog_get_info_by_fd(kernel, task, &p, &attr, uattr),
        File::Map(m) => bpf_map_get_info_by_fd(task, m.map(), &attr, uattr),
        _ => Err(EINVAL),
    }?;
    Ok(0)
}

/// Mirrors `kernel/bpf/syscall.c:set_info_rec_size()`: record sizes the
/// caller names must be the kernel's, and are filled in.
fn set_info_rec_size(info: &mut BpfProgInfo) -> Result<(), Errno> {
    const FUNC_INFO: u32 = 8;
    const LINE_INFO: u32 = 16;
    const JITED_LINE_INFO: u32 = 8;
    if (info.nr_func_info != 0 || info.func_info_rec_size != 0) && info.func_info_rec_size != FUNC_INFO {
        return Err(EINVAL);
    }
    if (info.nr_line_info != 0 || info.line_info_rec_size != 0) && info.line_info_rec_size != LINE_INFO {
        return Err(EINVAL);
    }
    if (info.nr_jited_line_info != 0 || info.jited_line_info_rec_size != 0)
        && info.jited_line_info_rec_size != JITED_LINE_INFO
    {
        return Err(EINVAL);
    }
    info.func_info_rec_size = FUNC_INFO;
    info.line_info_rec_size = LINE_INFO;
    info.jited_line_info_rec_size = JITED_LINE_INFO;
    Ok(())
}

/// Mirrors `kernel/bpf/syscall.c:bpf_prog_get_info_by_fd()` (v6.18).
///
/// Fills `struct bpf_prog_info` from the program: type, id, tag, name,
/// load time, uid, map ids, run statistics, verified instructions, and for
/// a `CAP_BPF` caller the rewritten program (sanitised by
/// [`bpf_insn_prepare_dump`]) and the JIT image, each copied up to the room
/// the caller gave. Fields the caller set that the kernel does not fill
/// come back as they went in.
fn bpf_prog_get_info_by_fd(
    kernel: &Kernel,
    task: &Task,
    prog: &BpfProg,
    attr: &BpfAttrInfo,
    uattr: u64,
) -> Result<(), Errno> {
    let mem = task.mem();
    let uinfo = attr.info;
    bpf_check_uarg_tail_zero(mem, uinfo, BpfProgInfo::SIZE, attr.info_len as usize)?;
    let info_len = (attr.info_len as usize).min(BpfProgInfo::SIZE);
    let mut buf = vec![0u8; BpfProgInfo::SIZE];
    mem.copy_from_user(&mut buf[..info_len], uinfo)?;
    let mut info = BpfProgInfo::from_bytes(&buf);

    info.prog_type = prog.prog_type.0;
    info.id = prog.aux.id;
    info.load_time = prog.aux.load_time;
    info.created_by_uid = prog.aux.uid;
    info.gpl_compatible = u32::from(prog.gpl_compatible);
    info.tag = prog.tag();
    info.name = prog.aux.name;

    let ulen = info.nr_map_ids;
    info.nr_map_ids = prog.aux.used_maps.len() as u32;
    for (i, map) in prog.aux.used_maps.iter().take(ulen.min(info.nr_map_ids) as usize).enumerate() {
        put_user_u32(mem, info.map_ids + 4 * i as u64, map.id())?;
    }
    set_info_rec_size(&mut info)?;
    let stats = prog.stats.as_ref().map(|s| s.sum()).unwrap_or_default();
    info.run_time_ns = stats.nsecs;
    info.run_cnt = stats.cnt;
    info.recursion_misses = stats.misses;
    info.verified_insns = prog.aux.verified_insns;

    let raw_ok = bpf_dump_raw_ok(kernel, task);
    if !task.cred().bpf_capable() {
        info.jited_prog_len = 0;
        info.xlated_prog_len = 0;
        info.nr_jited_ksyms = 0;
        info.nr_jited_func_lens = 0;
        info.nr_func_info = 0;
        info.nr_line_info = 0;
        info.nr_jited_line_info = 0;
        return done(mem, uinfo, &info, info_len, uattr);
    }

    let ulen = info.xlated_prog_len;
    info.xlated_prog_len = prog.insn_size() as u32;
    if info.xlated_prog_len != 0 && ulen != 0 {
        if prog.blinded && !raw_ok {
            info.xlated_prog_insns = 0;
            return done(mem, uinfo, &info, info_len, uattr);
        }
        let dump: Vec<u8> = bpf_insn_prepare_dump(prog, raw_ok).iter().flat_map(|i| i.to_bytes()).collect();
        let n = ulen.min(info.xlated_prog_len) as usize;
        mem.copy_to_user(info.xlated_prog_insns, &dump[..n])?;
    }

    // Programs run by a device have no host image (bpf_prog_offload_info_fill).
    if prog.aux.offload_requested {
        info.ifindex = prog.aux.offload_ifindex;
        return done(mem, uinfo, &info, info_len, uattr);
    }

    let funcs: Vec<&BpfProg> =
        if prog.aux.func_cnt > 0 { prog.aux.func.iter().map(|f| &**f).collect() } else { vec![prog] };
    let image_of = |p: &BpfProg| -> Vec<u8> {
        match &p.bpf_func {
            BpfFunc::Jited(r) => r.image().to_vec(),
            _ => Vec::new(),
        }
    };
    let ulen = info.jited_prog_len;
    info.jited_prog_len = funcs.iter().map(|f| f.jited_len).sum();
    if info.jited_prog_len != 0 && ulen != 0 {
        if raw_ok {
            let mut free = ulen.min(info.jited_prog_len) as usize;
            let mut at = info.jited_prog_insns;
            for f in &funcs {
                let img = image_of(f);
                let n = img.len().min(f.jited_len as usize).min(free);
                mem.copy_to_user(at, &img[..n])?;
                at += n as u64;
                free -= n;
                if free == 0 {
                    break;
                }
            }
        } else {
            info.jited_prog_insns = 0;
        }
    }

    let ulen = info.nr_jited_ksyms;
    info.nr_jited_ksyms = funcs.len() as u32;
    if ulen != 0 {
        if raw_ok {
            for (i, f) in funcs.iter().take(ulen.min(info.nr_jited_ksyms) as usize).enumerate() {
                mem.copy_to_user(info.jited_ksyms + 8 * i as u64, &bpf_func_addr(f).to_le_bytes())?;
            }
        } else {
            info.jited_ksyms = 0;
        }
    }
    let ulen = info.nr_jited_func_lens;
    info.nr_jited_func_lens = funcs.len() as u32;
    if ulen != 0 {
        if raw_ok {
            for (i, f) in funcs.iter().take(ulen.min(info.nr_jited_func_lens) as usize).enumerate() {
                put_user_u32(mem, info.jited_func_lens + 4 * i as u64, f.jited_len)?;
            }
        } else {
            info.jited_func_lens = 0;
        }
    }
    info.attach_btf_id = prog.aux.attach_btf_id;
    // No BTF: no func_info, line_info or jited line info.
    info.nr_func_info = 0;
    info.nr_line_info = 0;
    info.nr_jited_line_info = 0;

    let ulen = info.nr_prog_tags;
    info.nr_prog_tags = funcs.len() as u32;
    for (i, f) in funcs.iter().take(ulen.min(info.nr_prog_tags) as usize).enumerate() {
        mem.copy_to_user(info.prog_tags + (BPF_TAG_SIZE * i) as u64, &f.tag())?;
    }
    done(mem, uinfo, &info, info_len, uattr)
}

/// The `done:` label: the info, then its length, go back to the caller.
fn done(
    mem: &dyn UserMemory,
    uinfo: u64,
    info: &BpfProgInfo,
    info_len: usize,
    uattr: u64,
) -> Result<(), Errno> {
    mem.copy_to_user(uinfo, &info.to_bytes()[..info_len])?;
    put_user_u32(mem, uattr + 4, info_len as u32)
}

/// Mirrors `kernel/bpf/syscall.c:bpf_map_get_info_by_fd()` (v6.18).
fn bpf_map_get_info_by_fd(task: &Task, map: &BpfMap, attr: &BpfAttrInfo, uattr: u64) -> Result<(), Errno> {
    let mem = task.mem();
    let uinfo = attr.info;
    bpf_check_uarg_tail_zero(mem, uinfo, BpfMapInfo::SIZE, attr.info_len as usize)?;
    let info_len = (attr.info_len as usize).min(BpfMapInfo::SIZE);
    let mut buf = vec![0u8; BpfMapInfo::SIZE];
    mem.copy_from_user(&mut buf[..info_len], uinfo)?;
    let mut info = BpfMapInfo::from_bytes(&buf);
    info.map_type = map.map_type.0;
    info.id = map.id();
    info.key_size = map.key_size;
    info.value_size = map.value_size;
    info.max_entries = map.max_entries;
    info.map_flags = map.map_flags.bits();
    info.map_extra = map.map_extra;
    info.name = map.name;
    info.btf_vmlinux_value_type_id = 0;
    if info.hash != 0 {
        // The map's hash (map_get_hash): arrays only, of the exact size,
        // once frozen.
        if map.map_type != BPF_MAP_TYPE_ARRAY {
            return Err(EINVAL);
        }
        if info.hash_size != SHA256_DIGEST_SIZE {
            return Err(EINVAL);
        }
        if !map.frozen.load(Ordering::Acquire) {
            return Err(EPERM);
        }
        let sha = map.ops.map_get_hash().ok_or(EINVAL)?;
        mem.copy_to_user(info.hash, &sha)?;
    } else if info.hash_size != 0 {
        return Err(EINVAL);
    }
    mem.copy_to_user(uinfo, &info.to_bytes()[..info_len])?;
    put_user_u32(mem, uattr + 4, info_len as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_licenses() {
        assert_eq!(bpf_obj_name_cpy(&obj_name("xdp.pass_1")), Ok(obj_name("xdp.pass_1")));
        assert_eq!(bpf_obj_name_cpy(&obj_name("a-b")), Err(EINVAL));
        assert_eq!(bpf_obj_name_cpy(&[b'a'; 16]), Err(EINVAL));
        assert_eq!(bpf_obj_name_cpy(&[0; 16]), Ok([0; 16]));
        for l in
            ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"]
        {
            assert!(license_is_gpl_compatible(l.as_bytes()), "{l}");
        }
        for l in ["", "MIT", "gpl", "GPL ", "Proprietary"] {
            assert!(!license_is_gpl_compatible(l.as_bytes()), "{l}");
        }
    }

    #[test]
    fn check_attach_matrix() {
        let c = |t, eat| bpf_prog_load_check_attach(t, eat, false, 0, None);
        assert_eq!(c(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS), Ok(()));
        assert_eq!(c(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_SOCK_CREATE), Err(EINVAL));
        assert_eq!(c(BPF_PROG_TYPE_SOCKET_FILTER, BpfAttachType(57)), Ok(()));
        assert_eq!(c(BPF_PROG_TYPE_SYSCALL, BPF_CGROUP_INET_EGRESS), Err(EINVAL));
        assert_eq!(c(BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP), Ok(()));
        assert_eq!(
            bpf_prog_load_check_attach(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, false, 5, None),
            Err(EINVAL)
        );
        assert_eq!(
            bpf_prog_load_check_attach(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true, 5, None),
            Ok(())
        );
        assert_eq!(
            bpf_prog_load_check_attach(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true, BTF_MAX_TYPE + 1, None),
            Err(EINVAL)
        );
        let mut a = BpfAttrProgLoad { prog_type: BPF_PROG_TYPE_CGROUP_SOCK.0, ..Default::default() };
        bpf_prog_load_fixup_attach_type(&mut a);
        assert_eq!(a.expected_attach_type, BPF_CGROUP_INET_SOCK_CREATE.0);
        let mut a = BpfAttrProgLoad { prog_type: BPF_PROG_TYPE_SK_REUSEPORT.0, ..Default::default() };
        bpf_prog_load_fixup_attach_type(&mut a);
        assert_eq!(a.expected_attach_type, BPF_SK_REUSEPORT_SELECT.0);
    }

    #[test]
    fn attach_types() {
        assert_eq!(attach_type_to_prog_type(BPF_CGROUP_INET_INGRESS), BPF_PROG_TYPE_CGROUP_SKB);
        assert_eq!(attach_type_to_prog_type(BPF_TCX_EGRESS), BPF_PROG_TYPE_SCHED_CLS);
        assert_eq!(attach_type_to_prog_type(BPF_PERF_EVENT), BPF_PROG_TYPE_UNSPEC);
        assert_eq!(attach_type_to_prog_type(BpfAttachType(999)), BPF_PROG_TYPE_UNSPEC);
    }
}

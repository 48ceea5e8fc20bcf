//! The calling task: credentials, file descriptor table, user memory.
//!
//! `bpf()` objects reach user space as file descriptors. Each open file
//! holds a reference to its object: closing the last fd of a program with
//! no other holder frees it (`bpf_prog_release` -> `bpf_prog_put`), and a
//! map fd also holds a *user* reference (`usercnt`), whose last release
//! empties a prog_array.

use crate::cgroup::Cgroup;
use crate::cred::Cred;
use crate::mm::TaskMemory;
use bpf_core::errno::{Errno, EBADF, EMFILE};
use bpf_core::maps::BpfMap;
use bpf_core::prog::BpfProg;
use bpf_core::trace::BpfTrace;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// The default `RLIMIT_NOFILE`.
pub const DEFAULT_NOFILE: u32 = 1024;

/// How a map fd was opened (`f_mode`): `BPF_F_RDONLY` / `BPF_F_WRONLY`
/// take a right away from the fd, and a frozen map refuses writes through
/// any fd (`map_get_sys_perms`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FMode {
    /// `FMODE_CAN_READ`.
    pub read: bool,
    /// `FMODE_CAN_WRITE`.
    pub write: bool,
}

impl FMode {
    /// `O_RDWR`.
    pub const RDWR: FMode = FMode { read: true, write: true };
}

/// An open map file: the map and one user reference to it.
#[derive(Debug)]
pub struct MapFile {
    map: Arc<BpfMap>,
    mode: FMode,
}

impl MapFile {
    /// Opens `map` with `mode`, taking a user reference
    /// (`bpf_map_inc_with_uref`'s user half).
    pub fn new(map: Arc<BpfMap>, mode: FMode) -> MapFile {
        map.bpf_map_inc_uref();
        MapFile { map, mode }
    }

    /// The map.
    pub fn map(&self) -> &Arc<BpfMap> {
        &self.map
    }

    /// The fd's access mode.
    pub fn mode(&self) -> FMode {
        self.mode
    }
}

impl Drop for MapFile {
    /// Mirrors `bpf_map_release()` -> `bpf_map_put_with_uref()`.
    fn drop(&mut self) {
        self.map.bpf_map_put_uref();
    }
}

/// What an fd refers to.
#[derive(Debug, Clone)]
pub enum File {
    /// A `bpf-prog` anon inode.
    Prog(Arc<BpfProg>),
    /// A `bpf-map` anon inode.
    Map(Arc<MapFile>),
    /// An open cgroup directory.
    Cgroup(Arc<Cgroup>),
    /// Anything else (a terminal, `/dev/null`...), named for messages.
    Other(&'static str),
}

#[derive(Debug)]
struct FdTable {
    files: BTreeMap<i32, File>,
    nofile: u32,
}

/// A task calling `bpf()`: `current`, with its `cred`, `files` and `mm`.
///
/// A `Task` may be shared by threads (they share the fd table and memory,
/// as threads of one process do).
#[derive(Debug)]
pub struct Task {
    cred: Mutex<Cred>,
    files: Mutex<FdTable>,
    mem: TaskMemory,
    cpu: AtomicU32,
    tracing: Mutex<Option<BpfTrace>>,
    trace_on: std::sync::atomic::AtomicBool,
}

impl Task {
    /// A task with `cred`, the three standard streams open and an empty
    /// address space.
    pub fn new(cred: Cred) -> Task {
        let mut files = BTreeMap::new();
        files.insert(0, File::Other("stdin"));
        files.insert(1, File::Other("stdout"));
        files.insert(2, File::Other("stderr"));
        Task {
            cred: Mutex::new(cred),
            files: Mutex::new(FdTable { files, nofile: DEFAULT_NOFILE }),
            mem: TaskMemory::new(),
            cpu: AtomicU32::new(0),
            tracing: Mutex::new(None),
            trace_on: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A root task.
    pub fn root() -> Task {
        Task::new(Cred::root())
    }

    /// The task's credentials (`current_cred()`).
    pub fn cred(&self) -> Cred {
        *self.cred.lock()
    }

    /// Changes the credentials (`commit_creds`).
    pub fn set_cred(&self, cred: Cred) {
        *self.cred.lock() = cred;
    }

    /// The task's memory (`current->mm`).
    pub fn mem(&self) -> &TaskMemory {
        &self.mem
    }

    /// The CPU the task runs on (`smp_processor_id()` in its `bpf()` calls).
    pub fn cpu(&self) -> u32 {
        self.cpu.load(Ordering::Relaxed)
    }

    /// Migrates the task to `cpu`.
    pub fn set_cpu(&self, cpu: u32) {
        self.cpu.store(cpu, Ordering::Relaxed);
    }

    /// Sets `RLIMIT_NOFILE`: fds at or above it cannot be allocated.
    pub fn set_nofile(&self, nofile: u32) {
        self.files.lock().nofile = nofile;
    }

    /// Mirrors `get_unused_fd_flags()` + `fd_install()`: the lowest free
    /// fd below `RLIMIT_NOFILE`, else `EMFILE`. On failure the file is
    /// dropped (outside the table's lock), releasing its reference.
    pub fn fd_install(&self, file: File) -> Result<i32, Errno> {
        let mut t = self.files.lock();
        let mut fd = 0i32;
        for &k in t.files.keys() {
            if k != fd {
                break;
            }
            fd += 1;
        }
        if fd as u32 >= t.nofile {
            drop(t);
            drop(file);
            return Err(EMFILE);
        }
        t.files.insert(fd, file);
        Ok(fd)
    }

    /// Mirrors `fdget()`: the file behind `fd` (a new reference), or
    /// `EBADF`.
    pub fn fdget(&self, fd: i32) -> Result<File, Errno> {
        self.files.lock().files.get(&fd).cloned().ok_or(EBADF)
    }

    /// Mirrors `close(fd)`: removes `fd` from the table and drops its
    /// reference (after releasing the table's lock, since dropping the last
    /// reference to a program runs the kernel's release work).
    pub fn close(&self, fd: i32) -> Result<(), Errno> {
        let file = self.files.lock().files.remove(&fd).ok_or(EBADF)?;
        drop(file);
        Ok(())
    }

    /// Number of open fds (including the three standard streams).
    pub fn fd_count(&self) -> usize {
        self.files.lock().files.len()
    }

    /// The open fds.
    pub fn fds(&self) -> Vec<i32> {
        self.files.lock().files.keys().copied().collect()
    }

    /// Opens a cgroup directory (`open("/sys/fs/cgroup/...")`).
    pub fn open_cgroup(&self, cgroup: &Arc<Cgroup>) -> Result<i32, Errno> {
        self.fd_install(File::Cgroup(cgroup.clone()))
    }

    /// Opens a file that is not a BPF object (for `EINVAL` / `EBADF` paths).
    pub fn open_other(&self, what: &'static str) -> Result<i32, Errno> {
        self.fd_install(File::Other(what))
    }

    /// Turns the load trace on or off for this task's `bpf()` calls. The
    /// last traced call's trace is kept per task ([`Task::take_trace`]):
    /// threads that trace concurrently should use a task each.
    pub fn set_tracing(&self, on: bool) {
        self.trace_on.store(on, Ordering::Relaxed);
    }

    /// Is the load trace on?
    pub fn tracing(&self) -> bool {
        self.trace_on.load(Ordering::Relaxed)
    }

    pub(crate) fn new_trace(&self) -> BpfTrace {
        BpfTrace::new(self.trace_on.load(Ordering::Relaxed))
    }

    pub(crate) fn store_trace(&self, t: BpfTrace) {
        if t.enabled() {
            *self.tracing.lock() = Some(t);
        }
    }

    /// The trace of the last traced `bpf()` call, taken out.
    pub fn take_trace(&self) -> Option<BpfTrace> {
        self.tracing.lock().take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_fd_and_rlimit() {
        let t = Task::root();
        assert_eq!(t.open_other("a"), Ok(3));
        assert_eq!(t.open_other("b"), Ok(4));
        t.close(3).unwrap();
        assert_eq!(t.close(3), Err(EBADF));
        assert_eq!(t.open_other("c"), Ok(3));
        t.set_nofile(5);
        assert_eq!(t.open_other("d"), Err(EMFILE));
        assert!(matches!(t.fdget(4), Ok(File::Other("b"))));
        assert!(matches!(t.fdget(9), Err(EBADF)));
        assert_eq!(t.fd_count(), 5);
    }
}

//! The project's own `bpf()` (`bpf-syscall`'s `Kernel` and a root `Task`)
//! as a [`BpfBackend`]: what `bpftool batch` runs cases through by
//! default.
//!
//! Not wired yet: `bpf-syscall`'s `Kernel`, `Task` and typed API are being
//! built on their own branch. Until they are on `main`, [`ProjectBpf::new`]
//! says so and `bpftool batch` runs only with `--host`.

use crate::batch::{BpfBackend, Errno, LoadReply, MapCreate, ProgInfo, ProgLoad, TestRun, TestRunReply};

/// The project's `bpf()`.
#[derive(Debug)]
pub struct ProjectBpf {
    _private: (),
}

/// Why the project's `bpf()` is not available.
pub const NOT_BUILT: &str =
    "the project's bpf() (bpf-syscall: Kernel, Task, typed API) is not on this branch yet; \
                             use --host to run the cases through the running kernel";

impl ProjectBpf {
    /// A fresh kernel and a root task, or why there is none.
    pub fn new() -> Result<ProjectBpf, String> {
        Err(NOT_BUILT.into())
    }
}

impl BpfBackend for ProjectBpf {
    fn map_create(&mut self, _attr: &MapCreate) -> Result<i32, Errno> {
        Err(38)
    }
    fn map_update_elem(&mut self, _fd: i32, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), Errno> {
        Err(38)
    }
    fn prog_load(&mut self, _attr: &ProgLoad, _log: &mut Vec<u8>) -> LoadReply {
        LoadReply { fd: Err(38), log_true_size: 0 }
    }
    fn prog_info(&mut self, _fd: i32) -> Result<ProgInfo, Errno> {
        Err(38)
    }
    fn test_run(&mut self, _attr: &TestRun) -> Result<TestRunReply, Errno> {
        Err(38)
    }
    fn close(&mut self, _fd: i32) {}
    fn possible_cpus(&self) -> usize {
        1
    }
    fn kern_version(&self) -> u32 {
        0
    }
}

//! The two `bpf()`s the report compares: the project's (`bpf-syscall`'s
//! `Kernel` through the typed `Bpf` API) and the running kernel's (the
//! real system call, through `bpftool`'s host backend). Both are driven
//! the same way: load an XDP program, ask whether it was JIT-compiled,
//! test-run it with `repeat`.

use super::progs::PROG_TYPE;
use bpf_core::uapi::{insns_to_bytes, BpfInsn};
use bpf_core::Errno;
use bpf_syscall::{Bpf, Kernel, KernelConfig, ProgLoadOpts, Sysctls, Task, TestRunOpts};
use bpftool::batch::{BpfBackend, ProgLoad, TestRun};
use bpftool::host::HostBpf;
use std::time::{Duration, Instant};

/// Log buffer size for loads with a log.
const LOG_SIZE: u32 = 1 << 20;

/// What one `BPF_PROG_LOAD` gave.
#[derive(Debug)]
pub struct Load {
    /// The fd, or the errno.
    pub fd: Result<i32, Errno>,
    /// The log (empty at log level 0).
    pub log: String,
    /// Time of the `bpf()` call alone (attr already built).
    pub elapsed: Duration,
}

/// One `bpf()`: what the report needs of it.
pub trait BpfSide {
    /// `BPF_PROG_LOAD` of `insns` as an XDP program, GPL, with a log
    /// buffer when `log_level` is not 0.
    fn load(&mut self, insns: &[BpfInsn], log_level: u32) -> Load;
    /// `jited_prog_len` of a loaded program.
    fn jited_len(&mut self, fd: i32) -> Result<u32, Errno>;
    /// `BPF_PROG_TEST_RUN` on `data` with `repeat`: (`retval`, `duration`
    /// = mean ns per run).
    fn test_run(&mut self, fd: i32, data: &[u8], repeat: u32) -> Result<(u32, u32), Errno>;
    /// `close(fd)`.
    fn close(&mut self, fd: i32);
}

/// The project's `bpf()`: a fresh [`Kernel`] and a root [`Task`].
pub struct OurBpf {
    kernel: Kernel,
    task: Task,
}

impl OurBpf {
    /// A kernel with `net.core.bpf_jit_enable` = `jit` (0: every program
    /// is interpreted; 1: the JIT is asked first).
    pub fn new(jit: bool) -> OurBpf {
        let config = KernelConfig {
            sysctls: Sysctls { bpf_jit_enable: u32::from(jit), ..Sysctls::default() },
            ..KernelConfig::default()
        };
        OurBpf { kernel: Kernel::with_config(config), task: Task::root() }
    }
}

impl BpfSide for OurBpf {
    fn load(&mut self, insns: &[BpfInsn], log_level: u32) -> Load {
        let opts = ProgLoadOpts {
            name: "bench".into(),
            log_level,
            log_size: if log_level != 0 { LOG_SIZE } else { 0 },
            ..ProgLoadOpts::new(PROG_TYPE, insns.to_vec())
        };
        let bpf = Bpf::new(&self.kernel, &self.task);
        let start = Instant::now();
        let out = bpf.prog_load(&opts);
        let elapsed = start.elapsed();
        Load { fd: out.result, log: out.log, elapsed }
    }

    fn jited_len(&mut self, fd: i32) -> Result<u32, Errno> {
        Ok(Bpf::new(&self.kernel, &self.task).prog_get_info(fd)?.info.jited_prog_len)
    }

    fn test_run(&mut self, fd: i32, data: &[u8], repeat: u32) -> Result<(u32, u32), Errno> {
        let opts = TestRunOpts { data_in: Some(data.to_vec()), repeat, ..TestRunOpts::default() };
        let out = Bpf::new(&self.kernel, &self.task).prog_test_run(fd, &opts)?;
        Ok((out.retval, out.duration))
    }

    fn close(&mut self, fd: i32) {
        // a bench fd that is already gone changes nothing measured
        let _ = self.task.close(fd);
    }
}

/// The running kernel's `bpf()`.
pub struct KernelBpf(HostBpf);

impl KernelBpf {
    /// Opens the real `bpf()`, or says why it is refused.
    pub fn open() -> Result<KernelBpf, String> {
        HostBpf::open().map(KernelBpf).map_err(|e| e.to_string())
    }
}

impl BpfSide for KernelBpf {
    fn load(&mut self, insns: &[BpfInsn], log_level: u32) -> Load {
        let attr = ProgLoad {
            prog_type: PROG_TYPE.0,
            insns: insns_to_bytes(insns),
            license: b"GPL".to_vec(),
            log_level,
            name: b"bench".to_vec(),
            ..ProgLoad::default()
        };
        let mut log = if log_level != 0 { vec![0u8; LOG_SIZE as usize] } else { Vec::new() };
        let start = Instant::now();
        let reply = self.0.prog_load(&attr, &mut log);
        let elapsed = start.elapsed();
        let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
        Load { fd: reply.fd.map_err(Errno), log: String::from_utf8_lossy(&log[..end]).into_owned(), elapsed }
    }

    fn jited_len(&mut self, fd: i32) -> Result<u32, Errno> {
        self.0.prog_info(fd, false).map(|i| i.jited_prog_len).map_err(Errno)
    }

    fn test_run(&mut self, fd: i32, data: &[u8], repeat: u32) -> Result<(u32, u32), Errno> {
        let attr = TestRun { prog_fd: fd, data_in: Some(data.to_vec()), repeat, ..TestRun::default() };
        self.0.test_run(&attr).map(|r| (r.retval, r.duration)).map_err(Errno)
    }

    fn close(&mut self, fd: i32) {
        self.0.close(fd);
    }
}

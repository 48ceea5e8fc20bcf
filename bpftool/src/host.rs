//! The running kernel's `bpf()`, through the real system call: the
//! [`BpfBackend`] of `bpftool batch --host` and of `cargo xtask
//! kernel-diff`'s kernel side. It works wherever this process may call
//! `bpf()` (root, or `CAP_BPF` with the perfmon and net-admin caps) and
//! needs nothing else (no Python, no `../shared`).
//!
//! Attributes are built with bpf-core's uapi layouts
//! ([`bpf_core::uapi::attr`]) and their pointers point into buffers this
//! module owns for the duration of the call.

use crate::batch::{
    obj_name16, BpfBackend, Errno, LoadReply, MapCreate, ProgInfo, ProgLoad, TestRun, TestRunReply,
};
use crate::project::UNPRIV_UID;
use bpf_core::uapi::attr::{BpfAttrInfo, BpfAttrMapElem, BpfAttrProgLoad, BpfAttrTestRun, BpfProgInfo};

const BPF_MAP_CREATE: i64 = 0;
const BPF_MAP_UPDATE_ELEM: i64 = 2;
const BPF_PROG_LOAD: i64 = 5;
const BPF_PROG_TEST_RUN: i64 = 10;
const BPF_OBJ_GET_INFO_BY_FD: i64 = 15;

/// The host kernel's `bpf()`.
#[derive(Debug)]
pub struct HostBpf {
    cpus: usize,
    kern_version: u32,
}

/// Why the host's `bpf()` cannot be used, as the oracle's start-up probe
/// says it.
#[derive(Debug, Clone)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(target_os = "linux")]
fn sys_bpf(cmd: i64, attr: &mut [u8]) -> Result<i64, Errno> {
    // SAFETY: `attr` is a live, writable buffer of `attr.len()` bytes for
    // the whole call; every pointer stored inside it points into buffers
    // the caller keeps alive until this returns. The kernel reads and
    // writes only within the sizes given.
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), attr.len() as libc::c_ulong) };
    if r < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL))
    } else {
        Ok(r)
    }
}

#[cfg(not(target_os = "linux"))]
fn sys_bpf(_cmd: i64, _attr: &mut [u8]) -> Result<i64, Errno> {
    Err(38) // ENOSYS
}

fn addr(b: &[u8]) -> u64 {
    if b.is_empty() {
        0
    } else {
        b.as_ptr() as u64
    }
}

impl HostBpf {
    /// Opens the host's `bpf()`: raises `RLIMIT_MEMLOCK` (old kernels
    /// charge maps to it) and loads `r0 = 0; exit` as a socket filter to
    /// see whether `bpf()` works here. `Err` says why not (`ENOSYS`,
    /// `EPERM`, ...).
    pub fn open() -> Result<HostBpf, Refused> {
        #[cfg(target_os = "linux")]
        {
            let inf = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
            // SAFETY: setrlimit reads the struct we pass; failure is harmless.
            unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &inf) };
        }
        let mut h = HostBpf { cpus: possible_cpus(), kern_version: kern_version() };
        let probe = ProgLoad {
            prog_type: 1,
            insns: [0xb7u8, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0].to_vec(),
            license: b"GPL".to_vec(),
            ..Default::default()
        };
        match h.prog_load(&probe, &mut Vec::new()).fd {
            Ok(fd) => {
                h.close(fd);
                Ok(h)
            }
            Err(38) => Err(Refused(
                "bpf() syscall not available (ENOSYS): kernel without CONFIG_BPF_SYSCALL, or blocked by seccomp"
                    .into(),
            )),
            Err(1) => Err(Refused(
                "bpf() not permitted (EPERM): run as root or with CAP_BPF (+CAP_PERFMON/CAP_NET_ADMIN); \
                 check kernel.unprivileged_bpf_disabled, seccomp, LSM/lockdown"
                    .into(),
            )),
            Err(e) => Err(Refused(format!(
                "trivial BPF_PROG_LOAD (socket_filter: r0=0; exit) failed with {}",
                crate::batch::errno_name(e).unwrap_or_default()
            ))),
        }
    }
}

/// `/sys/devices/system/cpu/possible` counted, as the oracle does.
pub fn possible_cpus() -> usize {
    let text = std::fs::read_to_string("/sys/devices/system/cpu/possible").unwrap_or_default();
    let mut n = 0;
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => match (a.parse::<usize>(), b.parse::<usize>()) {
                (Ok(a), Ok(b)) if b >= a => n += b - a + 1,
                _ => return std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            },
            None => n += 1,
        }
    }
    if n == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    } else {
        n
    }
}

/// `KERNEL_VERSION(a, b, c)` of the running kernel's release.
pub fn kern_version() -> u32 {
    let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let nums: Vec<u32> =
        rel.trim().split(|c: char| !c.is_ascii_digit()).take(3).map(|s| s.parse().unwrap_or(0)).collect();
    match nums.as_slice() {
        [a, b, c, ..] => (a << 16) + (b << 8) + (*c).min(255),
        [a, b] => (a << 16) + (b << 8),
        _ => 0,
    }
}

impl BpfBackend for HostBpf {
    fn map_create(&mut self, m: &MapCreate) -> Result<i32, Errno> {
        let attr = m.to_attr();
        sys_bpf(BPF_MAP_CREATE, &mut attr.to_bytes()).map(|fd| fd as i32)
    }

    fn map_update_elem(&mut self, fd: i32, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        let attr = BpfAttrMapElem { map_fd: fd as u32, key: addr(key), value: addr(value), flags };
        sys_bpf(BPF_MAP_UPDATE_ELEM, &mut attr.to_bytes()).map(|_| ())
    }

    fn prog_load(&mut self, p: &ProgLoad, log: &mut Vec<u8>) -> LoadReply {
        let mut license = p.license.clone();
        license.push(0);
        let attr = BpfAttrProgLoad {
            prog_type: p.prog_type,
            insn_cnt: (p.insns.len() / 8) as u32,
            insns: addr(&p.insns),
            license: addr(&license),
            log_level: p.log_level,
            log_size: log.len() as u32,
            log_buf: if log.is_empty() { 0 } else { log.as_mut_ptr() as u64 },
            kern_version: p.kern_version,
            prog_flags: p.prog_flags,
            prog_name: obj_name16(&p.name),
            expected_attach_type: p.expected_attach_type,
            attach_btf_id: p.attach_btf_id,
            fd_array: if p.fd_array.is_empty() { 0 } else { p.fd_array.as_ptr() as u64 },
            ..Default::default()
        };
        let mut bytes = attr.to_bytes();
        let fd = sys_bpf(BPF_PROG_LOAD, &mut bytes).map(|fd| fd as i32);
        LoadReply { fd, log_true_size: BpfAttrProgLoad::from_bytes(&bytes).log_true_size }
    }

    fn prog_info(&mut self, fd: i32, dump_xlated: bool) -> Result<ProgInfo, Errno> {
        let mut info = vec![0u8; BpfProgInfo::SIZE];
        let attr =
            BpfAttrInfo { bpf_fd: fd as u32, info_len: info.len() as u32, info: info.as_mut_ptr() as u64 };
        sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr.to_bytes())?;
        let i = BpfProgInfo::from_bytes(&info);
        let mut jited_func_lens = Vec::new();
        let mut xlated = None;
        let want_xlated = dump_xlated && i.xlated_prog_len > 0;
        if i.nr_jited_func_lens > 0 || want_xlated {
            // Second pass, as the oracle's: a fresh struct with only the
            // buffers wanted.
            let mut lens = vec![0u8; 4 * i.nr_jited_func_lens as usize];
            let mut xbuf = vec![0u8; if want_xlated { i.xlated_prog_len as usize } else { 0 }];
            let mut info2 = vec![0u8; BpfProgInfo::SIZE];
            let mut req = BpfProgInfo::default();
            if i.nr_jited_func_lens > 0 {
                req.nr_jited_func_lens = i.nr_jited_func_lens;
                req.jited_func_lens = lens.as_mut_ptr() as u64;
            }
            if want_xlated {
                req.xlated_prog_len = i.xlated_prog_len;
                req.xlated_prog_insns = xbuf.as_mut_ptr() as u64;
            }
            info2.copy_from_slice(&req.to_bytes());
            let attr2 = BpfAttrInfo {
                bpf_fd: fd as u32,
                info_len: info2.len() as u32,
                info: info2.as_mut_ptr() as u64,
            };
            if sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr2.to_bytes()).is_ok() {
                let got = BpfProgInfo::from_bytes(&info2);
                if i.nr_jited_func_lens > 0 {
                    jited_func_lens =
                        lens.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
                }
                if want_xlated && got.xlated_prog_insns != 0 {
                    xbuf.truncate((got.xlated_prog_len as usize).min(xbuf.len()));
                    xlated = Some(xbuf);
                }
            }
        }
        Ok(ProgInfo {
            jited_func_lens,
            xlated,
            id: i.id,
            tag: i.tag,
            xlated_prog_len: i.xlated_prog_len,
            jited_prog_len: i.jited_prog_len,
            verified_insns: i.verified_insns,
            nr_map_ids: i.nr_map_ids,
            nr_jited_ksyms: i.nr_jited_ksyms,
            gpl_compatible: i.gpl_compatible & 1 != 0,
        })
    }

    fn test_run(&mut self, t: &TestRun) -> Result<TestRunReply, Errno> {
        let data_in = t.data_in.clone().unwrap_or_default();
        let mut data_out = vec![0u8; t.data_out_size];
        let ctx_in = t.ctx_in.clone().unwrap_or_default();
        let mut ctx_out = vec![0u8; t.ctx_out_size];
        let attr = BpfAttrTestRun {
            prog_fd: t.prog_fd as u32,
            data_size_in: data_in.len() as u32,
            data_size_out: data_out.len() as u32,
            data_in: addr(&data_in),
            data_out: if data_out.is_empty() { 0 } else { data_out.as_mut_ptr() as u64 },
            repeat: t.repeat,
            ctx_size_in: ctx_in.len() as u32,
            ctx_size_out: ctx_out.len() as u32,
            ctx_in: addr(&ctx_in),
            ctx_out: if ctx_out.is_empty() { 0 } else { ctx_out.as_mut_ptr() as u64 },
            flags: t.flags,
            cpu: t.cpu,
            ..Default::default()
        };
        let mut bytes = attr.to_bytes();
        sys_bpf(BPF_PROG_TEST_RUN, &mut bytes)?;
        let a = BpfAttrTestRun::from_bytes(&bytes);
        Ok(TestRunReply {
            retval: a.retval,
            duration: a.duration,
            data_size_out: a.data_size_out,
            ctx_size_out: a.ctx_size_out,
        })
    }

    fn close(&mut self, fd: i32) {
        if fd >= 0 {
            #[cfg(target_os = "linux")]
            // SAFETY: closing an fd this backend got from bpf(); nothing
            // else in the process owns it.
            unsafe {
                libc::close(fd);
            }
        }
    }

    fn possible_cpus(&self) -> usize {
        self.cpus
    }

    fn kern_version(&self) -> u32 {
        self.kern_version
    }

    /// Unprivileged: this thread's effective uid becomes 65534 (the real
    /// and saved uids stay 0, so the kernel clears only the effective
    /// capabilities and root can come back); only this thread changes (the
    /// raw system call, not libc's process-wide `setresuid`). Refused
    /// unless this process is root and `kernel.unprivileged_bpf_disabled`
    /// is 0 (`cargo xtask corpus --record` sets it for its run only).
    fn set_unprivileged(&mut self, on: bool) -> Result<(), String> {
        set_thread_euid(if on { Some(UNPRIV_UID) } else { None })
    }
}

#[cfg(target_os = "linux")]
fn set_thread_euid(uid: Option<u32>) -> Result<(), String> {
    const KEEP: libc::c_long = -1;
    let setresuid = |euid: libc::c_long| {
        // SAFETY: setresuid takes three integers and touches no memory of
        // ours; the raw call changes the calling thread's credentials only.
        let r = unsafe { libc::syscall(libc::SYS_setresuid, KEEP, euid, KEEP) };
        if r < 0 {
            Err(std::io::Error::last_os_error().to_string())
        } else {
            Ok(())
        }
    };
    let Some(uid) = uid else { return setresuid(0) };
    let sysctl = std::fs::read_to_string("/proc/sys/kernel/unprivileged_bpf_disabled")
        .map_err(|e| format!("kernel.unprivileged_bpf_disabled: {e}"))?;
    if sysctl.trim() != "0" {
        return Err(format!(
            "kernel.unprivileged_bpf_disabled is {}: unprivileged bpf() is off on this machine",
            sysctl.trim()
        ));
    }
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    if !status.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0")) {
        return Err("not running as root: cannot switch to an unprivileged user and back".into());
    }
    setresuid(uid as libc::c_long)?;
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    let cap_eff_zero = status.lines().any(|l| {
        l.starts_with("CapEff:")
            && l.split_whitespace().nth(1).is_some_and(|v| v.trim_start_matches('0').is_empty())
    });
    if !cap_eff_zero {
        let _ = setresuid(0);
        return Err("effective capabilities remain after dropping to an unprivileged uid".into());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set_thread_euid(uid: Option<u32>) -> Result<(), String> {
    match uid {
        Some(_) => Err("unprivileged runs need Linux".into()),
        None => Ok(()),
    }
}

//! The project's own `bpf()` — `bpf-syscall`'s [`Kernel`] and a root
//! [`Task`], called through its typed API ([`Bpf`]) — as a
//! [`BpfBackend`]: what `bpftool batch` runs cases through by default.
//!
//! Each [`ProjectBpf`] is a fresh kernel: nothing is shared with another
//! batch, and fds, ids and maps live as long as it does.

use crate::batch::{BpfBackend, Errno, LoadReply, MapCreate, ProgInfo, ProgLoad, TestRun, TestRunReply};
use bpf_core::uapi::{insns_from_bytes, BpfInsn, BpfProgType};
use bpf_syscall::{Bpf, Cred, Kernel, MapCreateOpts, ProgLoadOpts, Task, TestRunOpts};

/// The project's `bpf()`: one kernel, one root task.
pub struct ProjectBpf {
    kernel: Kernel,
    task: Task,
    /// `kernel.unprivileged_bpf_disabled` before an unprivileged case set it to 0.
    saved_unpriv_sysctl: Option<u32>,
}

impl std::fmt::Debug for ProjectBpf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectBpf").field("nr_cpus", &self.kernel.nr_cpus()).finish()
    }
}

impl ProjectBpf {
    /// A fresh kernel and a root task. (`Result` for backends that can be
    /// unavailable; this one always is available.)
    pub fn new() -> Result<ProjectBpf, String> {
        Ok(ProjectBpf { kernel: Kernel::new(), task: Task::root(), saved_unpriv_sysctl: None })
    }

    fn bpf(&self) -> Bpf<'_> {
        Bpf::new(&self.kernel, &self.task)
    }
}

impl BpfBackend for ProjectBpf {
    fn map_create(&mut self, m: &MapCreate) -> Result<i32, Errno> {
        let opts = MapCreateOpts { attr: m.to_attr(), excl_prog_hash: None };
        self.bpf().map_create(&opts).map_err(|e| e.0)
    }

    fn map_update_elem(&mut self, fd: i32, key: &[u8], value: &[u8], flags: u64) -> Result<(), Errno> {
        self.bpf().map_update_elem(fd, key, value, flags).map_err(|e| e.0)
    }

    fn prog_load(&mut self, p: &ProgLoad, log: &mut Vec<u8>) -> LoadReply {
        let insns: Vec<BpfInsn> = insns_from_bytes(&p.insns).unwrap_or_default();
        let opts = ProgLoadOpts {
            prog_type: BpfProgType(p.prog_type),
            insns,
            license: String::from_utf8_lossy(&p.license).into_owned(),
            name: String::from_utf8_lossy(&p.name).into_owned(),
            expected_attach_type: p.expected_attach_type,
            prog_flags: p.prog_flags,
            log_level: p.log_level,
            log_size: log.len() as u32,
            kern_version: p.kern_version,
            attach_btf_id: p.attach_btf_id,
            fd_array: p.fd_array.clone(),
            ..Default::default()
        };
        let out = self.bpf().prog_load(&opts);
        let n = out.log.len().min(log.len().saturating_sub(1));
        log[..n].copy_from_slice(&out.log.as_bytes()[..n]);
        if n < log.len() {
            log[n] = 0;
        }
        LoadReply { fd: out.result.map_err(|e| e.0), log_true_size: out.log_true_size }
    }

    fn prog_info(&mut self, fd: i32, dump_xlated: bool) -> Result<ProgInfo, Errno> {
        let i = self.bpf().prog_get_info(fd).map_err(|e| e.0)?;
        // prog_get_info always asks for the dump; the kernel leaving
        // xlated_prog_insns at 0 is its refusal.
        let xlated = (dump_xlated && i.info.xlated_prog_len != 0 && i.info.xlated_prog_insns != 0)
            .then(|| i.xlated.iter().flat_map(|x| x.to_bytes()).collect());
        Ok(ProgInfo {
            id: i.info.id,
            tag: i.info.tag,
            xlated_prog_len: i.info.xlated_prog_len,
            jited_prog_len: i.info.jited_prog_len,
            verified_insns: i.info.verified_insns,
            nr_map_ids: i.info.nr_map_ids,
            nr_jited_ksyms: i.info.nr_jited_ksyms,
            gpl_compatible: i.info.gpl_compatible & 1 != 0,
            jited_func_lens: i.jited_func_lens,
            xlated,
        })
    }

    fn test_run(&mut self, t: &TestRun) -> Result<TestRunReply, Errno> {
        let opts = TestRunOpts {
            data_in: t.data_in.clone(),
            data_size_out: t.data_out_size as u32,
            ctx_in: t.ctx_in.clone(),
            ctx_size_out: t.ctx_out_size as u32,
            repeat: t.repeat,
            flags: t.flags,
            cpu: t.cpu,
            batch_size: 0,
        };
        let r = self.bpf().prog_test_run(t.prog_fd, &opts).map_err(|e| e.0)?;
        Ok(TestRunReply {
            retval: r.retval,
            duration: r.duration,
            data_size_out: r.data_size_out,
            ctx_size_out: r.ctx_size_out,
        })
    }

    fn close(&mut self, fd: i32) {
        let _ = self.bpf().close(fd);
    }

    fn possible_cpus(&self) -> usize {
        self.kernel.nr_cpus() as usize
    }

    fn kern_version(&self) -> u32 {
        crate::host::kern_version()
    }

    /// An unprivileged case runs as `nobody` (uid 65534, no capabilities)
    /// with `kernel.unprivileged_bpf_disabled` at 0, as the corpus records
    /// them; root again puts the sysctl back to what it was.
    fn set_unprivileged(&mut self, on: bool) -> Result<(), String> {
        let root = Cred::root();
        if on {
            self.saved_unpriv_sysctl = Some(self.kernel.sysctls().unprivileged_bpf_disabled);
            self.kernel
                .sysctl_write(&root, "kernel.unprivileged_bpf_disabled", 0)
                .map_err(|e| format!("kernel.unprivileged_bpf_disabled=0 refused ({e:?})"))?;
            self.task.set_cred(Cred::user(UNPRIV_UID));
        } else {
            self.task.set_cred(root);
            if let Some(v) = self.saved_unpriv_sysctl.take() {
                self.kernel
                    .sysctl_write(&root, "kernel.unprivileged_bpf_disabled", v as i64)
                    .map_err(|e| format!("kernel.unprivileged_bpf_disabled={v} refused ({e:?})"))?;
            }
        }
        Ok(())
    }
}

/// The uid unprivileged cases run as (`nobody`).
pub const UNPRIV_UID: u32 = 65534;

#[cfg(test)]
mod unpriv_tests {
    use super::*;
    use crate::batch::{run_case, BatchOpts};
    use serde_json::json;

    #[test]
    fn unpriv_cases_run_without_capabilities_and_root_comes_back() {
        // r1 = 0; l: r1 += 1; if r1 < 4 goto l; r0 = r1; exit: a bounded loop
        // root may load, a back-edge for an unprivileged loader
        let insns = "b701000000000000\
                     0701000001000000\
                     a501feff04000000\
                     bf10000000000000\
                     9500000000000000";
        let mut b = ProjectBpf::new().unwrap();
        let opts = BatchOpts { test_run: false, ..BatchOpts::default() };
        let unpriv = run_case(&mut b, &json!({"name": "u", "insns": insns, "unpriv": true}), 0, &opts);
        assert_eq!(unpriv["accepted"], false, "{unpriv:?}");
        assert_eq!(unpriv["error_line"], "back-edge from insn 2 to 1");
        assert_eq!(unpriv["unpriv"], true);
        let root = run_case(&mut b, &json!({"name": "r", "insns": insns}), 1, &opts);
        assert_eq!(root["accepted"], true, "{root:?}");
        // the project kernel's sysctl is back to its default
        assert_eq!(b.kernel.sysctls().unprivileged_bpf_disabled, 2);
        let xdp = run_case(&mut b, &json!({"insns": insns, "prog_type": "xdp", "unpriv": true}), 2, &opts);
        assert_eq!(xdp["errno_name"], "EPERM");
    }
}

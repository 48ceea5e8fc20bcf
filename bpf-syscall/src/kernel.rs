//! The `Kernel`: everything the kernel keeps in globals for `bpf()`.
//!
//! `prog_idr` and `map_idr`, the BPF kallsyms, the sysctls, the audit log,
//! the perf-event ring that `perf_event_bpf_event` writes to, the network
//! devices and cgroups programs attach to, and the JIT, interpreter and
//! offload code the kernel was built with. A `Kernel` is a cheap handle
//! (clones share one kernel); two `Kernel::new()` values are two
//! independent machines, so tests run in parallel.

use crate::cgroup::Cgroup;
use crate::cred::{Caps, Cred};
use crate::idr::Idr;
use crate::netdev::NetDevice;
use bpf_core::errno::{Errno, EINVAL, ENODEV, EPERM};
use bpf_core::maps::BpfMap;
use bpf_core::prog::BpfProg;
use bpf_core::run_ctx::TraceSink;
use bpf_core::runtime::{
    bpf_jit_kallsyms_enabled, bpf_prog_kallsyms_del_all, BpfInterpreters, BpfJit, BpfKallsyms, BpfKsym,
    BpfNetdev, BpfOffload, BpfRuntime,
};
use parking_lot::{Mutex, RwLock};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

/// The BPF sysctls (`/proc/sys/kernel/*bpf*`, `/proc/sys/net/core/bpf_jit_*`)
/// and the two that decide whether dumps show raw addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sysctls {
    /// `kernel.unprivileged_bpf_disabled`: 0 allows unprivileged socket
    /// filters, 1 forbids them for good, 2 (the default of
    /// `CONFIG_BPF_UNPRIV_DEFAULT_OFF`) forbids them until an admin says 0.
    pub unprivileged_bpf_disabled: u32,
    /// `net.core.bpf_jit_enable`: 0 interprets, 1 JITs, 2 JITs and dumps.
    pub bpf_jit_enable: u32,
    /// `net.core.bpf_jit_harden`: 1 blinds constants for unprivileged
    /// loaders, 2 for everyone.
    pub bpf_jit_harden: u32,
    /// `net.core.bpf_jit_kallsyms`: show JIT images in kallsyms.
    pub bpf_jit_kallsyms: u32,
    /// `kernel.bpf_stats_enabled`: count and time every run.
    pub bpf_stats_enabled: bool,
    /// `kernel.kptr_restrict`.
    pub kptr_restrict: u32,
    /// `kernel.perf_event_paranoid`.
    pub perf_event_paranoid: i32,
}

impl Default for Sysctls {
    /// The values of the Linux 6.18 machine this project models
    /// (`kernel_oracle.py --env`), with the kernel's default paranoia.
    fn default() -> Self {
        Sysctls {
            unprivileged_bpf_disabled: 2,
            bpf_jit_enable: 1,
            bpf_jit_harden: 0,
            bpf_jit_kallsyms: 1,
            bpf_stats_enabled: false,
            kptr_restrict: 0,
            perf_event_paranoid: 2,
        }
    }
}

/// `enum perf_bpf_event_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerfBpfEventType {
    /// `PERF_BPF_EVENT_PROG_LOAD` (1).
    ProgLoad = 1,
    /// `PERF_BPF_EVENT_PROG_UNLOAD` (2).
    ProgUnload = 2,
}

/// One record of the perf ring, as `perf_event_bpf_event` emits them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PerfRecord {
    /// `PERF_RECORD_KSYMBOL` of type BPF: a JIT image appeared or went.
    Ksymbol {
        /// Start of the image.
        addr: u64,
        /// Its length.
        len: u32,
        /// `PERF_RECORD_KSYMBOL_FLAGS_UNREGISTER`.
        unregister: bool,
        /// `bpf_prog_<tag>_<name>`.
        name: String,
    },
    /// `PERF_RECORD_BPF_EVENT`.
    BpfEvent {
        /// Load or unload.
        event: PerfBpfEventType,
        /// Event flags (0).
        flags: u16,
        /// The program id.
        id: u32,
        /// The program tag.
        tag: [u8; 8],
    },
}

/// `enum bpf_audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BpfAudit {
    /// `BPF_AUDIT_LOAD`.
    Load,
    /// `BPF_AUDIT_UNLOAD`.
    Unload,
}

/// One `AUDIT_BPF` record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// The program id.
    pub prog_id: u32,
    /// What happened.
    pub op: BpfAudit,
}

impl std::fmt::Display for AuditRecord {
    /// The record's text, as `bpf_audit_prog` formats it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            BpfAudit::Load => "LOAD",
            BpfAudit::Unload => "UNLOAD",
        };
        write!(f, "prog-id={} op={op}", self.prog_id)
    }
}

/// Counters of objects created and freed, to check that nothing leaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelStats {
    /// Programs published (given an id).
    pub progs_loaded: u64,
    /// Published programs whose last reference went.
    pub progs_freed: u64,
    /// Maps published.
    pub maps_created: u64,
    /// Published maps whose last reference went.
    pub maps_freed: u64,
}

/// What a kernel is built with.
#[derive(Clone)]
pub struct KernelConfig {
    /// `num_possible_cpus()`.
    pub nr_cpus: u32,
    /// Initial sysctls.
    pub sysctls: Sysctls,
    /// The arch JIT.
    pub jit: Arc<dyn BpfJit>,
    /// The interpreter table; `None` models `CONFIG_BPF_JIT_ALWAYS_ON`.
    pub interpreters: Option<&'static BpfInterpreters>,
    /// Device offload.
    pub offload: Arc<dyn BpfOffload>,
    /// `audit_enabled`.
    pub audit: bool,
    /// Records the perf ring keeps (the oldest are dropped).
    pub perf_ring_size: usize,
}

impl std::fmt::Debug for KernelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelConfig")
            .field("nr_cpus", &self.nr_cpus)
            .field("sysctls", &self.sysctls)
            .field("jit", &self.jit)
            .field("interpreters", &self.interpreters.is_some())
            .field("offload", &self.offload)
            .finish()
    }
}

impl Default for KernelConfig {
    /// Two CPUs (as the machines this project runs on), the x86-64 JIT,
    /// the interpreters of `bpf-interp` and the offload code of
    /// `bpf-offload`.
    fn default() -> Self {
        KernelConfig {
            nr_cpus: 2,
            sysctls: Sysctls::default(),
            jit: Arc::new(bpf_jit_x86::BpfJitX86),
            interpreters: default_interpreters(),
            offload: Arc::new(bpf_offload::BpfOffloadDevs::default()),
            audit: true,
            perf_ring_size: 4096,
        }
    }
}

/// The interpreter table of `bpf-interp`.
fn default_interpreters() -> Option<&'static BpfInterpreters> {
    Some(&bpf_interp::INTERPRETERS)
}

pub(crate) struct KernelInner {
    pub(crate) config: KernelConfig,
    pub(crate) sysctls: RwLock<Sysctls>,
    pub(crate) prog_idr: Idr<BpfProg>,
    pub(crate) map_idr: Idr<BpfMap>,
    pub(crate) kallsyms: BpfKallsyms,
    pub(crate) audit: Mutex<Vec<AuditRecord>>,
    pub(crate) perf: Mutex<VecDeque<PerfRecord>>,
    pub(crate) netdevs: RwLock<BTreeMap<u32, Arc<NetDevice>>>,
    pub(crate) cgroup_root: Arc<Cgroup>,
    pub(crate) next_cgroup_id: AtomicU64,
    pub(crate) boot: Instant,
    pub(crate) trace_pipe: TracePipe,
    pub(crate) rnd: Mutex<u64>,
    pub(crate) stats: Mutex<KernelStats>,
}

/// The kernel's trace pipe (`/sys/kernel/tracing/trace_pipe`), where
/// `bpf_trace_printk` writes.
#[derive(Debug, Default)]
pub struct TracePipe {
    lines: Mutex<Vec<String>>,
}

impl TraceSink for TracePipe {
    fn trace_printk(&self, line: &str) {
        self.lines.lock().push(line.to_string());
    }
}

impl TracePipe {
    /// Takes the lines written so far.
    pub fn drain(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock())
    }
}

/// One simulated machine's BPF state (see the module docs).
#[derive(Clone)]
pub struct Kernel {
    pub(crate) inner: Arc<KernelInner>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("config", &self.inner.config)
            .field("progs", &self.inner.prog_idr.len())
            .field("maps", &self.inner.map_idr.len())
            .finish()
    }
}

impl Default for Kernel {
    fn default() -> Self {
        Kernel::new()
    }
}

impl Kernel {
    /// A kernel with the default [`KernelConfig`].
    pub fn new() -> Kernel {
        Kernel::with_config(KernelConfig::default())
    }

    /// A kernel built with `config`. It has `lo` (ifindex 1) and the root
    /// cgroup.
    pub fn with_config(config: KernelConfig) -> Kernel {
        let seed = {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            t.as_nanos() as u64 ^ (Arc::as_ptr(&Arc::new(0u8)) as u64)
        };
        let inner = Arc::new(KernelInner {
            sysctls: RwLock::new(config.sysctls),
            config,
            prog_idr: Idr::default(),
            map_idr: Idr::default(),
            kallsyms: BpfKallsyms::default(),
            audit: Mutex::new(Vec::new()),
            perf: Mutex::new(VecDeque::new()),
            netdevs: RwLock::new(BTreeMap::new()),
            cgroup_root: Cgroup::new_root(),
            next_cgroup_id: AtomicU64::new(2),
            boot: Instant::now(),
            trace_pipe: TracePipe::default(),
            rnd: Mutex::new(seed | 1),
            stats: Mutex::new(KernelStats::default()),
        });
        let k = Kernel { inner };
        k.netdev_add("lo", false, 1);
        k
    }

    /// The configuration the kernel was built with.
    pub fn config(&self) -> &KernelConfig {
        &self.inner.config
    }

    /// `num_possible_cpus()`.
    pub fn nr_cpus(&self) -> u32 {
        self.inner.config.nr_cpus.max(1)
    }

    /// The JIT, interpreters and offload code, as `core.c` reaches them.
    pub fn runtime(&self) -> BpfRuntime<'_> {
        BpfRuntime {
            jit: &*self.inner.config.jit,
            interpreters: self.inner.config.interpreters,
            offload: &*self.inner.config.offload,
        }
    }

    /// The current sysctls.
    pub fn sysctls(&self) -> Sysctls {
        *self.inner.sysctls.read()
    }

    /// Writes a sysctl as `task` would (`echo v > /proc/sys/...`), with
    /// the kernel's handlers: `CAP_SYS_ADMIN` is required (`EPERM`),
    /// values outside the range are `EINVAL`, and
    /// `unprivileged_bpf_disabled` = 1 cannot be undone (`EPERM`).
    pub fn sysctl_write(&self, cred: &Cred, name: &str, value: i64) -> Result<(), Errno> {
        if !cred.capable(Caps::CAP_SYS_ADMIN) {
            return Err(EPERM);
        }
        let range =
            |lo: i64, hi: i64| if (lo..=hi).contains(&value) { Ok(value as u32) } else { Err(EINVAL) };
        let mut s = self.inner.sysctls.write();
        match name {
            "kernel.unprivileged_bpf_disabled" => {
                let v = range(0, 2)?;
                // bpf_unpriv_handler: once 1, always 1.
                if s.unprivileged_bpf_disabled == 1 && v != 1 {
                    return Err(EPERM);
                }
                s.unprivileged_bpf_disabled = v;
            }
            "net.core.bpf_jit_enable" => s.bpf_jit_enable = range(0, 2)?,
            "net.core.bpf_jit_harden" => s.bpf_jit_harden = range(0, 2)?,
            "net.core.bpf_jit_kallsyms" => s.bpf_jit_kallsyms = range(0, 1)?,
            "kernel.bpf_stats_enabled" => s.bpf_stats_enabled = range(0, 1)? == 1,
            "kernel.kptr_restrict" => s.kptr_restrict = range(0, 2)?,
            "kernel.perf_event_paranoid" => {
                s.perf_event_paranoid = i32::try_from(value).map_err(|_| EINVAL)?;
            }
            _ => return Err(EINVAL),
        }
        Ok(())
    }

    /// Mirrors `ktime_get_boottime_ns()`: nanoseconds since this kernel
    /// was created.
    pub fn ktime_get_boottime_ns(&self) -> u64 {
        self.inner.boot.elapsed().as_nanos() as u64
    }

    /// When the kernel "booted" (the clock `bpf_ktime_get_ns` counts from).
    pub fn boot(&self) -> Instant {
        self.inner.boot
    }

    /// Mirrors `get_random_u32()`.
    pub fn get_random_u32(&self) -> u32 {
        let mut s = self.inner.rnd.lock();
        // xorshift64*: plenty for hash seeds.
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }

    /// Ids of the loaded programs (`prog_idr`).
    pub fn prog_ids(&self) -> Vec<u32> {
        self.inner.prog_idr.ids()
    }

    /// Ids of the maps (`map_idr`).
    pub fn map_ids(&self) -> Vec<u32> {
        self.inner.map_idr.ids()
    }

    /// The program with id `id`, if alive.
    pub fn prog_by_id(&self, id: u32) -> Option<Arc<BpfProg>> {
        self.inner.prog_idr.idr_find(id)
    }

    /// The map with id `id`, if alive.
    pub fn map_by_id(&self, id: u32) -> Option<Arc<BpfMap>> {
        self.inner.map_idr.idr_find(id)
    }

    /// The `prog_idr` table itself (to move its cursor, for study).
    pub fn prog_idr(&self) -> &Idr<BpfProg> {
        &self.inner.prog_idr
    }

    /// The BPF symbols of kallsyms.
    pub fn kallsyms(&self) -> &BpfKallsyms {
        &self.inner.kallsyms
    }

    /// `/proc/kallsyms`' BPF lines, as a reader sees them: nothing when
    /// `bpf_jit_kallsyms_enabled()` is false.
    pub fn proc_kallsyms(&self) -> Vec<BpfKsym> {
        let s = self.sysctls();
        let enabled = bpf_jit_kallsyms_enabled(s.bpf_jit_kallsyms, s.bpf_jit_harden);
        (0..).map_while(|i| self.inner.kallsyms.bpf_get_kallsym(i, enabled).ok()).collect()
    }

    /// The audit log.
    pub fn audit_log(&self) -> Vec<AuditRecord> {
        self.inner.audit.lock().clone()
    }

    /// The perf ring's records.
    pub fn perf_records(&self) -> Vec<PerfRecord> {
        self.inner.perf.lock().iter().cloned().collect()
    }

    /// The trace pipe.
    pub fn trace_pipe(&self) -> &TracePipe {
        &self.inner.trace_pipe
    }

    /// Created/freed counters.
    pub fn stats(&self) -> KernelStats {
        *self.inner.stats.lock()
    }

    /// Adds a network device and returns its ifindex. `has_ndo_bpf`: the
    /// driver can take XDP programs (as `lo` cannot).
    pub fn netdev_add(&self, name: &str, has_ndo_bpf: bool, rx_queues: u32) -> u32 {
        let mut devs = self.inner.netdevs.write();
        let ifindex = devs.keys().next_back().map_or(1, |k| k + 1);
        devs.insert(ifindex, Arc::new(NetDevice::new(ifindex, name, has_ndo_bpf, rx_queues.max(1))));
        ifindex
    }

    /// Mirrors `dev_get_by_index()`.
    pub fn dev_get_by_index(&self, ifindex: u32) -> Result<Arc<NetDevice>, Errno> {
        self.inner.netdevs.read().get(&ifindex).cloned().ok_or(ENODEV)
    }

    /// The offload code's view of a device.
    pub(crate) fn bpf_netdev(&self, ifindex: u32) -> Option<BpfNetdev> {
        self.dev_get_by_index(ifindex).ok().map(|d| d.bpf_netdev())
    }

    /// The root cgroup.
    pub fn cgroup_root(&self) -> Arc<Cgroup> {
        self.inner.cgroup_root.clone()
    }

    /// Creates a cgroup under `parent` (`mkdir`).
    pub fn cgroup_mkdir(&self, parent: &Arc<Cgroup>, name: &str) -> Arc<Cgroup> {
        let id = self.inner.next_cgroup_id.fetch_add(1, Ordering::Relaxed);
        Cgroup::new_child(parent, id, name)
    }

    /// Records an audit event (`audit_log_start(..., AUDIT_BPF)`), when
    /// auditing is on.
    pub(crate) fn audit(&self, prog_id: u32, op: BpfAudit) {
        self.inner.bpf_audit_prog(prog_id, op);
    }

    pub(crate) fn downgrade(&self) -> Weak<KernelInner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn count(&self, f: impl FnOnce(&mut KernelStats)) {
        f(&mut self.inner.stats.lock());
    }
}

impl KernelInner {
    /// Mirrors `kernel/bpf/syscall.c:bpf_audit_prog()`.
    pub(crate) fn bpf_audit_prog(&self, prog_id: u32, op: BpfAudit) {
        if self.config.audit {
            self.audit.lock().push(AuditRecord { prog_id, op });
        }
    }

    fn perf_push(&self, r: PerfRecord) {
        let mut ring = self.perf.lock();
        if ring.len() >= self.config.perf_ring_size.max(1) {
            ring.pop_front();
        }
        ring.push_back(r);
    }

    /// Mirrors `kernel/events/core.c:perf_event_bpf_event()`: a
    /// `PERF_RECORD_KSYMBOL` for each JIT image of the program (none for an
    /// interpreted one), then the `PERF_RECORD_BPF_EVENT`.
    pub(crate) fn perf_event_bpf_event(&self, prog: &BpfProg, event: PerfBpfEventType, flags: u16) {
        let unregister = event == PerfBpfEventType::ProgUnload;
        let subs: Vec<&BpfProg> =
            if prog.aux.func.is_empty() { vec![prog] } else { prog.aux.func.iter().map(|f| &**f).collect() };
        for p in subs {
            if !p.aux.ksym_name.is_empty() {
                self.perf_push(PerfRecord::Ksymbol {
                    addr: p.aux.ksym_start,
                    len: p.jited_len,
                    unregister,
                    name: p.aux.ksym_name.clone(),
                });
            }
        }
        self.perf_push(PerfRecord::BpfEvent { event, flags, id: prog.aux.id, tag: prog.tag() });
    }

    /// Mirrors `kernel/bpf/syscall.c:bpf_prog_put_deferred()` and what it
    /// calls: the unload event, the audit record, `bpf_prog_free_id`, then
    /// `__bpf_prog_put_noref` (kallsyms) and the device unbinding of
    /// `bpf_prog_free_deferred`. The memory goes when the program drops.
    pub(crate) fn bpf_prog_put_deferred(&self, prog: &BpfProg) {
        self.perf_event_bpf_event(prog, PerfBpfEventType::ProgUnload, 0);
        self.bpf_audit_prog(prog.aux.id, BpfAudit::Unload);
        self.prog_idr.idr_remove(prog.aux.id);
        bpf_prog_kallsyms_del_all(&self.kallsyms, prog);
        if prog.aux.dev_bound {
            self.config.offload.bpf_prog_dev_bound_destroy(prog);
        }
        self.stats.lock().progs_freed += 1;
    }

    /// Mirrors `kernel/bpf/syscall.c:bpf_map_free_id()` as `bpf_map_put`
    /// calls it when the last reference goes.
    pub(crate) fn bpf_map_put(&self, map: &BpfMap) {
        self.map_idr.idr_remove(map.id());
        self.stats.lock().maps_freed += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_handlers() {
        let k = Kernel::new();
        let root = Cred::root();
        assert_eq!(k.sysctls().unprivileged_bpf_disabled, 2);
        assert_eq!(k.sysctl_write(&Cred::user(1), "kernel.unprivileged_bpf_disabled", 0), Err(EPERM));
        assert_eq!(k.sysctl_write(&root, "kernel.unprivileged_bpf_disabled", 3), Err(EINVAL));
        assert_eq!(k.sysctl_write(&root, "kernel.unprivileged_bpf_disabled", 0), Ok(()));
        assert_eq!(k.sysctl_write(&root, "kernel.unprivileged_bpf_disabled", 1), Ok(()));
        assert_eq!(k.sysctl_write(&root, "kernel.unprivileged_bpf_disabled", 0), Err(EPERM));
        assert_eq!(k.sysctl_write(&root, "net.core.bpf_jit_kallsyms", 2), Err(EINVAL));
        assert_eq!(k.sysctl_write(&root, "no.such.sysctl", 0), Err(EINVAL));
        assert_eq!(k.sysctl_write(&root, "kernel.bpf_stats_enabled", 1), Ok(()));
        assert!(k.sysctls().bpf_stats_enabled);
        assert_eq!(AuditRecord { prog_id: 7, op: BpfAudit::Load }.to_string(), "prog-id=7 op=LOAD");
        assert_eq!(k.dev_get_by_index(1).unwrap().name(), "lo");
        assert_ne!(k.get_random_u32(), k.get_random_u32());
    }
}

//! # bpf-offload
//!
//! Mirrors `kernel/bpf/offload.c` of Linux v6.18 (`bpf_prog_dev_bound_init`,
//! `bpf_prog_offload_compile`, the offload verifier hooks) and a simulated
//! device in the spirit of netdevsim.
//!
//! Built so far: [`BpfOffloadDevs`], the hook a `Kernel` is built with. It
//! binds XDP programs to devices whose driver has `ndo_bpf`
//! (`BPF_F_XDP_DEV_BOUND_ONLY`) and refuses offload requests as the kernel
//! does when the device has no offload engine. Simulated offload devices
//! come in a later issue.

#![warn(missing_docs)]

use bpf_core::errno::{Errno, EINVAL, EOPNOTSUPP};
use bpf_core::prog::BpfProg;
use bpf_core::runtime::{BpfNetdev, BpfOffload};
use bpf_core::uapi::*;
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// `struct bpf_offload_netdev`: a device programs are bound to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BpfOffloadNetdev {
    /// The device is an offload engine (`ondev->offdev`); none is yet.
    pub offdev: bool,
    /// Number of programs bound to it (the length of `ondev->progs`).
    pub progs: usize,
}

/// The offload state of one kernel: `offdevs`, the table of bound devices.
#[derive(Debug, Default)]
pub struct BpfOffloadDevs {
    netdevs: Mutex<BTreeMap<u32, BpfOffloadNetdev>>,
}

impl BpfOffloadDevs {
    /// Mirrors `bpf_offload_find_netdev()`: the entry of `ifindex`, if any
    /// program was bound to it.
    pub fn bpf_offload_find_netdev(&self, ifindex: u32) -> Option<BpfOffloadNetdev> {
        self.netdevs.lock().get(&ifindex).cloned()
    }
}

/// Mirrors `kernel/bpf/offload.c:bpf_dev_offload_check()`: only drivers
/// with `ndo_bpf` can take device-bound programs.
fn bpf_dev_offload_check(netdev: &BpfNetdev) -> Result<(), Errno> {
    if !netdev.has_ndo_bpf {
        return Err(EOPNOTSUPP);
    }
    Ok(())
}

impl BpfOffload for BpfOffloadDevs {
    /// Mirrors `kernel/bpf/offload.c:bpf_prog_dev_bound_init()` (v6.18).
    ///
    /// Only XDP and tc programs can be bound; `BPF_F_XDP_HAS_FRAGS` only
    /// with `BPF_F_XDP_DEV_BOUND_ONLY`, which tc programs may not use. The
    /// device must exist (`EINVAL`) and have `ndo_bpf` (`EOPNOTSUPP`). A
    /// program asking to be offloaded needs an offload engine behind the
    /// device (`EINVAL`: none exists yet); a program only bound to the
    /// device gets an entry in the table (`__bpf_prog_dev_bound_init`).
    fn bpf_prog_dev_bound_init(
        &self,
        prog: &mut BpfProg,
        attr: &BpfAttrProgLoad,
        netdev: Option<&BpfNetdev>,
    ) -> Result<(), Errno> {
        let t = BpfProgType(attr.prog_type);
        let flags = BpfProgFlags::from_bits_retain(attr.prog_flags);
        let allowed = BpfProgFlags::BPF_F_XDP_DEV_BOUND_ONLY | BpfProgFlags::BPF_F_XDP_HAS_FRAGS;
        if t != BPF_PROG_TYPE_SCHED_CLS && t != BPF_PROG_TYPE_XDP {
            return Err(EINVAL);
        }
        if !(flags - allowed).is_empty() {
            return Err(EINVAL);
        }
        // Frags only for programs bound to, not offloaded to, a device.
        let bound_only = flags.contains(BpfProgFlags::BPF_F_XDP_DEV_BOUND_ONLY);
        if flags.contains(BpfProgFlags::BPF_F_XDP_HAS_FRAGS) && !bound_only {
            return Err(EINVAL);
        }
        if t == BPF_PROG_TYPE_SCHED_CLS && bound_only {
            return Err(EINVAL);
        }
        let netdev = netdev.ok_or(EINVAL)?;
        bpf_dev_offload_check(netdev)?;
        prog.aux.offload_requested = !bound_only;

        // __bpf_prog_dev_bound_init()
        let mut table = self.netdevs.lock();
        let ondev = table.get(&netdev.ifindex);
        if prog.aux.offload_requested && !ondev.is_some_and(|o| o.offdev) {
            return Err(EINVAL);
        }
        let ondev = table.entry(netdev.ifindex).or_default();
        ondev.progs += 1;
        prog.aux.offload_ifindex = netdev.ifindex;
        Ok(())
    }

    /// Mirrors `bpf_prog_offload_compile()`: no device can translate a
    /// program yet.
    fn bpf_prog_offload_compile(&self, _prog: &mut BpfProg) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// Mirrors `bpf_prog_dev_bound_destroy()`: the program leaves its
    /// device's list.
    fn bpf_prog_dev_bound_destroy(&self, prog: &BpfProg) {
        let mut table = self.netdevs.lock();
        if let Some(o) = table.get_mut(&prog.aux.offload_ifindex) {
            o.progs = o.progs.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size};

    fn dev(ifindex: u32, ndo_bpf: bool) -> BpfNetdev {
        BpfNetdev { ifindex, name: format!("dev{ifindex}"), has_ndo_bpf: ndo_bpf, rx_queues: 1 }
    }

    #[test]
    fn errnos_are_the_kernels() {
        // Recorded from Linux 6.18.44: lo (no ndo_bpf) -> EOPNOTSUPP, a
        // missing ifindex -> EINVAL, eth0 bound-only -> ok, eth0 offload
        // -> EINVAL, a socket filter with an ifindex -> EINVAL.
        let devs = BpfOffloadDevs::default();
        let mut p = bpf_prog_alloc(bpf_prog_size(2), 1, true, false);
        let xdp = |flags: BpfProgFlags| BpfAttrProgLoad {
            prog_type: BPF_PROG_TYPE_XDP.0,
            prog_flags: flags.bits(),
            prog_ifindex: 4,
            ..Default::default()
        };
        let bound = BpfProgFlags::BPF_F_XDP_DEV_BOUND_ONLY;
        assert_eq!(devs.bpf_prog_dev_bound_init(&mut p, &xdp(bound), None), Err(EINVAL));
        assert_eq!(devs.bpf_prog_dev_bound_init(&mut p, &xdp(bound), Some(&dev(1, false))), Err(EOPNOTSUPP));
        assert_eq!(
            devs.bpf_prog_dev_bound_init(&mut p, &xdp(BpfProgFlags::empty()), Some(&dev(4, true))),
            Err(EINVAL)
        );
        let frags = BpfProgFlags::BPF_F_XDP_HAS_FRAGS;
        assert_eq!(devs.bpf_prog_dev_bound_init(&mut p, &xdp(frags), Some(&dev(4, true))), Err(EINVAL));
        let strict = BpfProgFlags::BPF_F_STRICT_ALIGNMENT | bound;
        assert_eq!(devs.bpf_prog_dev_bound_init(&mut p, &xdp(strict), Some(&dev(4, true))), Err(EINVAL));
        let mut sf = xdp(bound);
        sf.prog_type = BPF_PROG_TYPE_SOCKET_FILTER.0;
        assert_eq!(devs.bpf_prog_dev_bound_init(&mut p, &sf, Some(&dev(4, true))), Err(EINVAL));
        let mut tc = xdp(bound);
        tc.prog_type = BPF_PROG_TYPE_SCHED_CLS.0;
        assert_eq!(devs.bpf_prog_dev_bound_init(&mut p, &tc, Some(&dev(4, true))), Err(EINVAL));
        assert_eq!(devs.bpf_prog_dev_bound_init(&mut p, &xdp(bound | frags), Some(&dev(4, true))), Ok(()));
        assert!(!p.aux.offload_requested);
        assert_eq!(devs.bpf_offload_find_netdev(4), Some(BpfOffloadNetdev { offdev: false, progs: 1 }));
        devs.bpf_prog_dev_bound_destroy(&p);
        assert_eq!(devs.bpf_offload_find_netdev(4).unwrap().progs, 0);
    }
}

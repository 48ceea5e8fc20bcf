//! Cgroups as attach points (`kernel/bpf/cgroup.c`, v6.18): programs
//! attached per attach type with the `NONE` / `BPF_F_ALLOW_OVERRIDE` /
//! `BPF_F_ALLOW_MULTI` rules, the effective program list a cgroup inherits
//! from its ancestors, and the skb hooks that run it
//! (`__cgroup_bpf_run_filter_skb`).

use crate::cred::Cred;
use crate::kernel::Kernel;
use crate::skb::{Skb, NET_SKB_PAD, SKB_SHINFO_SIZE};
use crate::syscall::{bpf_prog_get, bpf_prog_get_type};
use crate::task::{File, Task};
use bpf_core::errno::{Errno, E2BIG, EBADF, EFAULT, EINVAL, ENOENT, EPERM, ESTALE};
use bpf_core::prog::BpfProg;
use bpf_core::runtime::bpf_prog_run;
use bpf_core::uapi::*;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `BPF_CGROUP_MAX_PROGS`.
pub const BPF_CGROUP_MAX_PROGS: usize = 64;

#[derive(Debug, Default)]
struct CgroupBpf {
    /// `progs[atype]`, in list order.
    progs: BTreeMap<u32, Vec<Arc<BpfProg>>>,
    /// `flags[atype]`: `BPF_F_ALLOW_OVERRIDE` / `BPF_F_ALLOW_MULTI` or 0.
    flags: BTreeMap<u32, u32>,
    /// `revisions[atype]`, starting at 1.
    revisions: BTreeMap<u32, u64>,
}

impl CgroupBpf {
    fn list(&mut self, atype: u32) -> &mut Vec<Arc<BpfProg>> {
        self.progs.entry(atype).or_default()
    }
    fn flags(&self, atype: u32) -> u32 {
        self.flags.get(&atype).copied().unwrap_or(0)
    }
    fn revision(&self, atype: u32) -> u64 {
        self.revisions.get(&atype).copied().unwrap_or(1)
    }
    fn len(&self, atype: u32) -> usize {
        self.progs.get(&atype).map_or(0, Vec::len)
    }
}

/// A cgroup (a directory of the cgroup2 hierarchy).
#[derive(Debug)]
pub struct Cgroup {
    id: u64,
    name: String,
    parent: Option<Arc<Cgroup>>,
    bpf: Mutex<CgroupBpf>,
}

/// What the egress skb hook tells the stack (`__cgroup_bpf_run_filter_skb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgroupEgress {
    /// `NET_XMIT_SUCCESS`: transmit.
    Success,
    /// `NET_XMIT_DROP`: drop, and notify congestion.
    Drop,
    /// `NET_XMIT_CN`: transmit, and notify congestion.
    Cn,
    /// Drop (`-EPERM`).
    Err(Errno),
}

impl Cgroup {
    pub(crate) fn new_root() -> Arc<Cgroup> {
        Arc::new(Cgroup { id: 1, name: String::new(), parent: None, bpf: Mutex::new(CgroupBpf::default()) })
    }

    pub(crate) fn new_child(parent: &Arc<Cgroup>, id: u64, name: &str) -> Arc<Cgroup> {
        Arc::new(Cgroup {
            id,
            name: name.to_string(),
            parent: Some(parent.clone()),
            bpf: Mutex::new(CgroupBpf::default()),
        })
    }

    /// The cgroup id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The path from the root (`/` for the root).
    pub fn path(&self) -> String {
        match &self.parent {
            None => "/".to_string(),
            Some(p) if p.parent.is_none() => format!("/{}", self.name),
            Some(p) => format!("{}/{}", p.path(), self.name),
        }
    }

    /// The parent cgroup.
    pub fn parent(&self) -> Option<&Arc<Cgroup>> {
        self.parent.as_ref()
    }

    /// Ids of the programs attached here for `attach_type`, the attach
    /// flags and the revision (what `BPF_PROG_QUERY` reports).
    pub fn query(&self, attach_type: BpfAttachType) -> (Vec<u32>, u32, u64) {
        let b = self.bpf.lock();
        let ids =
            b.progs.get(&attach_type.0).map(|v| v.iter().map(|p| p.aux.id).collect()).unwrap_or_default();
        (ids, b.flags(attach_type.0), b.revision(attach_type.0))
    }

    /// Mirrors `kernel/bpf/cgroup.c:compute_effective_progs()`: this
    /// cgroup's programs, then those of each ancestor that allows multiple
    /// programs (an ancestor's single or overridable program counts only
    /// when nothing below it is attached).
    pub fn effective(&self, attach_type: BpfAttachType) -> Vec<Arc<BpfProg>> {
        let atype = attach_type.0;
        let mut out: Vec<Arc<BpfProg>> = Vec::new();
        let mut p = Some(self);
        while let Some(c) = p {
            let b = c.bpf.lock();
            if out.is_empty() || b.flags(atype) & BpfAttachFlags::BPF_F_ALLOW_MULTI.bits() != 0 {
                if let Some(v) = b.progs.get(&atype) {
                    out.extend(v.iter().cloned());
                }
            }
            drop(b);
            p = c.parent.as_deref();
        }
        out
    }

    /// Mirrors `kernel/bpf/cgroup.c:hierarchy_allows_attach()`: the nearest
    /// ancestor with a program decides; it must allow overriding or
    /// multiple programs.
    fn hierarchy_allows_attach(&self, atype: u32) -> bool {
        let mut p = self.parent.as_deref();
        while let Some(c) = p {
            let b = c.bpf.lock();
            let flags = b.flags(atype);
            if flags & BpfAttachFlags::BPF_F_ALLOW_MULTI.bits() != 0 {
                return true;
            }
            if b.len(atype) == 1 {
                return flags & BpfAttachFlags::BPF_F_ALLOW_OVERRIDE.bits() != 0;
            }
            drop(b);
            p = c.parent.as_deref();
        }
        true
    }
}

/// Mirrors `cgroup_get_from_fd()`: the cgroup an open directory is;
/// anything else (or nothing) is `EBADF`.
fn cgroup_get_from_fd(task: &Task, fd: u32) -> Result<Arc<Cgroup>, Errno> {
    match task.fdget(fd as i32) {
        Ok(File::Cgroup(c)) => Ok(c),
        _ => Err(EBADF),
    }
}

/// Mirrors `bpf_get_anchor_prog()`: the program `BPF_F_BEFORE` /
/// `BPF_F_AFTER` is relative to, by fd or (`BPF_F_ID`) by id.
fn anchor_prog(
    kernel: &Kernel,
    task: &Task,
    flags: BpfAttachFlags,
    id_or_fd: u32,
) -> Result<Arc<BpfProg>, Errno> {
    if flags.contains(BpfAttachFlags::BPF_F_ID) {
        kernel.prog_by_id(id_or_fd).ok_or(ENOENT)
    } else {
        bpf_prog_get(task, id_or_fd)
    }
}

/// Mirrors `kernel/bpf/cgroup.c:get_prog_list()` + `insert_pl_to_hlist()`:
/// where in the list a new program goes.
fn insert_position(
    kernel: &Kernel,
    task: &Task,
    list: &[Arc<BpfProg>],
    flags: BpfAttachFlags,
    id_or_fd: u32,
) -> Result<usize, Errno> {
    let before = flags.contains(BpfAttachFlags::BPF_F_BEFORE);
    let after = flags.contains(BpfAttachFlags::BPF_F_AFTER);
    let is_id = flags.contains(BpfAttachFlags::BPF_F_ID);
    if flags.contains(BpfAttachFlags::BPF_F_LINK) {
        // Links are not modelled: a link anchor never resolves.
        return Err(EINVAL);
    }
    if is_id || id_or_fd != 0 {
        if before == after {
            return Err(EINVAL);
        }
        let anchor = anchor_prog(kernel, task, flags, id_or_fd)?;
        let i = list.iter().position(|p| Arc::ptr_eq(p, &anchor)).ok_or(ENOENT)?;
        return Ok(if before { i } else { i + 1 });
    }
    if !list.is_empty() && before && after {
        return Err(EINVAL);
    }
    Ok(if before { 0 } else { list.len() })
}

/// Mirrors `kernel/bpf/cgroup.c:cgroup_bpf_prog_attach()` and
/// `__cgroup_bpf_attach()` (v6.18) for programs (links are not modelled).
pub(crate) fn cgroup_bpf_prog_attach(
    kernel: &Kernel,
    task: &Task,
    attr: &BpfAttrProgAttach,
    ptype: BpfProgType,
    prog: Arc<BpfProg>,
) -> Result<(), Errno> {
    let cgrp = cgroup_get_from_fd(task, attr.target_fd)?;
    let flags = BpfAttachFlags::from_bits_retain(attr.attach_flags);
    let multi = flags.contains(BpfAttachFlags::BPF_F_ALLOW_MULTI);
    let replace_prog = if multi && flags.contains(BpfAttachFlags::BPF_F_REPLACE) {
        Some(bpf_prog_get_type(task, attr.replace_bpf_fd, ptype)?)
    } else {
        None
    };
    let saved_flags =
        attr.attach_flags & (BpfAttachFlags::BPF_F_ALLOW_OVERRIDE | BpfAttachFlags::BPF_F_ALLOW_MULTI).bits();
    if (flags.contains(BpfAttachFlags::BPF_F_ALLOW_OVERRIDE) && multi)
        || (flags.contains(BpfAttachFlags::BPF_F_REPLACE) && !multi)
    {
        return Err(EINVAL);
    }
    if flags.contains(BpfAttachFlags::BPF_F_REPLACE)
        && flags.intersects(BpfAttachFlags::BPF_F_BEFORE | BpfAttachFlags::BPF_F_AFTER)
    {
        return Err(EINVAL);
    }
    if replace_prog.is_some() != flags.contains(BpfAttachFlags::BPF_F_REPLACE) {
        return Err(EINVAL);
    }
    let atype = attr.attach_type;
    if attr.expected_revision != 0 && attr.expected_revision != cgrp.bpf.lock().revision(atype) {
        return Err(ESTALE);
    }
    if !cgrp.hierarchy_allows_attach(atype) {
        return Err(EPERM);
    }
    let old = {
        let mut b = cgrp.bpf.lock();
        if b.len(atype) != 0 && b.flags(atype) != saved_flags {
            // No non-overridable program on top of an overridable one, and
            // multiple programs only where multiple were allowed.
            return Err(EPERM);
        }
        if b.len(atype) >= BPF_CGROUP_MAX_PROGS {
            return Err(E2BIG);
        }
        // find_attach_entry()
        let list = b.list(atype);
        let slot = if !multi {
            if list.is_empty() {
                None
            } else {
                Some(0)
            }
        } else {
            if list.iter().any(|p| {
                Arc::ptr_eq(p, &prog) && !replace_prog.as_ref().is_some_and(|r| Arc::ptr_eq(r, &prog))
            }) {
                return Err(EINVAL);
            }
            match &replace_prog {
                Some(r) => Some(list.iter().position(|p| Arc::ptr_eq(p, r)).ok_or(ENOENT)?),
                None => None,
            }
        };
        let old = match slot {
            Some(i) => Some(std::mem::replace(&mut list[i], prog)),
            None => {
                let at = insert_position(kernel, task, list, flags, attr.relative_fd)?;
                list.insert(at, prog);
                None
            }
        };
        b.flags.insert(atype, saved_flags);
        let rev = b.revision(atype) + 1;
        b.revisions.insert(atype, rev);
        old
    };
    drop(old);
    Ok(())
}

/// Mirrors `kernel/bpf/cgroup.c:cgroup_bpf_prog_detach()` and
/// `__cgroup_bpf_detach()`: with one program attached (`NONE` /
/// `OVERRIDE`), whatever is attached goes, even with no or another fd;
/// with `MULTI` the fd must name an attached program.
pub(crate) fn cgroup_bpf_prog_detach(
    task: &Task,
    attr: &BpfAttrProgAttach,
    ptype: BpfProgType,
) -> Result<(), Errno> {
    let cgrp = cgroup_get_from_fd(task, attr.target_fd)?;
    let prog = bpf_prog_get_type(task, attr.attach_bpf_fd, ptype).ok();
    let atype = attr.attach_type;
    let old = {
        let mut b = cgrp.bpf.lock();
        if attr.expected_revision != 0 && attr.expected_revision != b.revision(atype) {
            return Err(ESTALE);
        }
        let multi = b.flags(atype) & BpfAttachFlags::BPF_F_ALLOW_MULTI.bits() != 0;
        let list = b.list(atype);
        // find_detach_entry()
        let i = if !multi {
            if list.is_empty() {
                return Err(ENOENT);
            }
            0
        } else {
            let p = prog.as_ref().ok_or(EINVAL)?;
            list.iter().position(|x| Arc::ptr_eq(x, p)).ok_or(ENOENT)?
        };
        let old = list.remove(i);
        let empty = list.is_empty();
        let rev = b.revision(atype) + 1;
        b.revisions.insert(atype, rev);
        if empty {
            // Last program gone: the flags reset.
            b.flags.insert(atype, 0);
        }
        old
    };
    drop(old);
    Ok(())
}

impl Kernel {
    /// Runs the effective programs of `cgroup` for `attach_type` on `skb`
    /// (`bpf_prog_run_array_cg`): every program runs; any that returns 0
    /// (bit 0 clear, with `ret_flags`) turns the result into `-EPERM`.
    fn run_array_cg(
        &self,
        cgroup: &Cgroup,
        attach_type: BpfAttachType,
        skb: &mut Skb,
        cred: &Cred,
        ret_flags: Option<&mut u32>,
    ) -> i32 {
        let progs = cgroup.effective(attach_type);
        let ctx = crate::run_ctx_for(self, 0, cred);
        let _g = ctx.enter();
        let stats = self.sysctls().bpf_stats_enabled;
        let mut retval = 0i32;
        let mut flags = 0u32;
        for p in &progs {
            // __bpf_prog_run_save_cb: the program's cb[] changes do not
            // outlive it.
            let saved_cb = skb.skb.cb;
            skb.bpf_compute_data_pointers();
            let mut r = bpf_prog_run(p, skb.ctx(), stats);
            skb.skb.cb = saved_cb;
            if ret_flags.is_some() {
                flags |= r >> 1;
                r &= 1;
            }
            if r == 0 && retval >= 0 {
                retval = -EPERM.0;
            }
        }
        if let Some(f) = ret_flags {
            *f = flags;
        }
        retval
    }

    fn cgroup_skb(&self, frame: &[u8]) -> Skb {
        let lo = self.dev_get_by_index(1).expect("lo exists");
        let mut skb = Skb::build(frame, NET_SKB_PAD, SKB_SHINFO_SIZE);
        skb.skb.protocol = skb.eth_type_trans(&lo);
        skb.skb_reset_network_header();
        skb
    }

    /// A packet (an Ethernet `frame`) is received by a socket in
    /// `cgroup`: `__cgroup_bpf_run_filter_skb` for `BPF_CGROUP_INET_INGRESS`
    /// runs the effective programs on the skb from its network header.
    /// `Ok(())` lets the packet in, `Err(EPERM)` drops it.
    pub fn cgroup_skb_ingress(&self, cgroup: &Cgroup, frame: &[u8], cred: &Cred) -> Result<(), Errno> {
        let mut skb = self.cgroup_skb(frame);
        let ret = self.run_array_cg(cgroup, BPF_CGROUP_INET_INGRESS, &mut skb, cred, None);
        if ret == 0 {
            Ok(())
        } else if ret < 0 {
            Err(Errno(-ret))
        } else {
            Err(EFAULT)
        }
    }

    /// A socket in `cgroup` sends `frame`: `__cgroup_bpf_run_filter_skb`
    /// for `BPF_CGROUP_INET_EGRESS`, where programs may return 0..3 (bit 1
    /// asks for congestion notification).
    pub fn cgroup_skb_egress(&self, cgroup: &Cgroup, frame: &[u8], cred: &Cred) -> CgroupEgress {
        let mut skb = self.cgroup_skb(frame);
        let mut flags = 0u32;
        let ret = self.run_array_cg(cgroup, BPF_CGROUP_INET_EGRESS, &mut skb, cred, Some(&mut flags));
        let cn = flags & 1 != 0;
        match (ret, cn) {
            (0, false) => CgroupEgress::Success,
            (0, true) => CgroupEgress::Cn,
            (_, true) => CgroupEgress::Drop,
            (r, false) if r < 0 => CgroupEgress::Err(Errno(-r)),
            _ => CgroupEgress::Err(EFAULT),
        }
    }
}

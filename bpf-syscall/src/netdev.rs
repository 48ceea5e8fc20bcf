//! Network devices as attach points: the tcx ingress and egress hooks
//! (`net/core/tcx.c`, `kernel/bpf/mprog.c`), and the packet path that runs
//! what is attached to them (`tcx_run`).

use crate::cred::Cred;
use crate::kernel::Kernel;
use crate::skb::{Skb, NET_SKB_PAD, SKB_SHINFO_SIZE};
use crate::syscall::{bpf_prog_get, bpf_prog_get_type};
use crate::task::Task;
use bpf_core::errno::{Errno, EEXIST, EINVAL, ENOENT, ERANGE, ESTALE};
use bpf_core::prog::BpfProg;
use bpf_core::runtime::{bpf_prog_run, BpfNetdev};
use bpf_core::uapi::*;
use parking_lot::Mutex;
use std::sync::Arc;

/// `bpf_mprog_max()`: programs per hook.
pub const BPF_MPROG_MAX: usize = 64;

/// A network device (`struct net_device`).
#[derive(Debug)]
pub struct NetDevice {
    ifindex: u32,
    name: String,
    has_ndo_bpf: bool,
    rx_queues: u32,
    dev_addr: [u8; 6],
    broadcast: [u8; 6],
    tcx_ingress: Mutex<Mprog>,
    tcx_egress: Mutex<Mprog>,
}

/// A multi-program hook (`struct bpf_mprog_entry` with its revision).
#[derive(Debug)]
pub struct Mprog {
    progs: Vec<Arc<BpfProg>>,
    revision: u64,
}

impl Default for Mprog {
    fn default() -> Self {
        Mprog { progs: Vec::new(), revision: 1 }
    }
}

/// `enum tcx_action_base`: what the tc hook decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcxAction {
    /// `TCX_NEXT` (-1): no opinion, the packet goes on.
    Next,
    /// `TCX_PASS` (0).
    Pass,
    /// `TCX_DROP` (2).
    Drop,
    /// `TCX_REDIRECT` (7).
    Redirect,
}

impl NetDevice {
    /// A device; `lo` has an all-zero address and broadcast address, as
    /// `ip link` shows.
    pub fn new(ifindex: u32, name: &str, has_ndo_bpf: bool, rx_queues: u32) -> NetDevice {
        let (dev_addr, broadcast) = if name == "lo" {
            ([0; 6], [0; 6])
        } else {
            ([0x02, 0, 0, 0, (ifindex >> 8) as u8, ifindex as u8], [0xff; 6])
        };
        NetDevice {
            ifindex,
            name: name.to_string(),
            has_ndo_bpf,
            rx_queues,
            dev_addr,
            broadcast,
            tcx_ingress: Mutex::new(Mprog::default()),
            tcx_egress: Mutex::new(Mprog::default()),
        }
    }

    /// `dev->ifindex`.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// `dev->name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `dev->dev_addr`.
    pub fn dev_addr(&self) -> [u8; 6] {
        self.dev_addr
    }

    /// `dev->broadcast`.
    pub fn broadcast(&self) -> [u8; 6] {
        self.broadcast
    }

    /// `dev->real_num_rx_queues`.
    pub fn rx_queues(&self) -> u32 {
        self.rx_queues
    }

    /// The offload code's view.
    pub fn bpf_netdev(&self) -> BpfNetdev {
        BpfNetdev {
            ifindex: self.ifindex,
            name: self.name.clone(),
            has_ndo_bpf: self.has_ndo_bpf,
            rx_queues: self.rx_queues,
        }
    }

    fn hook(&self, t: BpfAttachType) -> &Mutex<Mprog> {
        if t == BPF_TCX_EGRESS {
            &self.tcx_egress
        } else {
            &self.tcx_ingress
        }
    }

    /// Ids of the programs on a tcx hook, in run order, and its revision
    /// (what `BPF_PROG_QUERY` reports).
    pub fn tcx_query(&self, t: BpfAttachType) -> (Vec<u32>, u64) {
        let h = self.hook(t).lock();
        (h.progs.iter().map(|p| p.aux.id).collect(), h.revision)
    }
}

/// Mirrors `bpf_mprog_tuple_relative()`: the program `relative_fd` (or,
/// with `BPF_F_ID`, the id) names, for `BPF_F_BEFORE` / `BPF_F_AFTER`.
fn mprog_relative(
    kernel: &Kernel,
    task: &Task,
    flags: BpfAttachFlags,
    id_or_fd: u32,
    ptype: BpfProgType,
) -> Result<Option<Arc<BpfProg>>, Errno> {
    let id = flags.contains(BpfAttachFlags::BPF_F_ID);
    if flags.contains(BpfAttachFlags::BPF_F_LINK) {
        // No links in this model.
        return Err(if id { ENOENT } else { bpf_core::errno::EBADF });
    }
    if !id && id_or_fd == 0 {
        return Ok(None);
    }
    let p = if id { kernel.prog_by_id(id_or_fd).ok_or(ENOENT)? } else { bpf_prog_get(task, id_or_fd)? };
    if ptype != BPF_PROG_TYPE_UNSPEC && p.prog_type != ptype {
        return Err(EINVAL);
    }
    Ok(Some(p))
}

fn pos(h: &Mprog, p: &Arc<BpfProg>) -> Option<usize> {
    h.progs.iter().position(|x| Arc::ptr_eq(x, p))
}

/// Mirrors `kernel/bpf/mprog.c:bpf_mprog_attach()` for programs (links are
/// not modelled): duplicates are `EEXIST`, a stale revision `ESTALE`, a
/// full hook `ERANGE`; without flags the program goes last, with
/// `BPF_F_BEFORE` / `BPF_F_AFTER` before or after the relative program (or
/// first / last without one), with `BPF_F_REPLACE` in the place of
/// `replace`.
fn bpf_mprog_attach(
    h: &mut Mprog,
    prog: Arc<BpfProg>,
    replace: Option<Arc<BpfProg>>,
    flags: BpfAttachFlags,
    relative: Option<Arc<BpfProg>>,
    revision: u64,
) -> Result<(), Errno> {
    if revision != 0 && revision != h.revision {
        return Err(ESTALE);
    }
    if pos(h, &prog).is_some() {
        return Err(EEXIST);
    }
    let mut idx: Option<usize> = None;
    if flags.contains(BpfAttachFlags::BPF_F_REPLACE) {
        let old = replace.as_ref().ok_or(EINVAL)?;
        idx = Some(pos(h, old).ok_or(ENOENT)?);
    } else if h.progs.len() >= BPF_MPROG_MAX {
        return Err(ERANGE);
    }
    let before = flags.contains(BpfAttachFlags::BPF_F_BEFORE);
    let after = flags.contains(BpfAttachFlags::BPF_F_AFTER);
    let mut at = None;
    if before {
        at = Some(match &relative {
            Some(r) => pos(h, r).ok_or(ENOENT)?,
            None => 0,
        });
    }
    if after {
        let a = match &relative {
            Some(r) => pos(h, r).ok_or(ENOENT)? + 1,
            None => h.progs.len(),
        };
        if at.is_some_and(|b| b != a) {
            return Err(ERANGE);
        }
        at = Some(a);
    }
    if let Some(i) = idx {
        if at.is_some_and(|a| a != i && a != i + 1) {
            return Err(ERANGE);
        }
        h.progs[i] = prog;
    } else {
        let at = match at {
            Some(a) => a,
            None if relative.is_some() || !flags.is_empty() => return Err(EINVAL),
            None => h.progs.len(),
        };
        h.progs.insert(at, prog);
    }
    h.revision += 1;
    Ok(())
}

/// Mirrors `kernel/bpf/mprog.c:bpf_mprog_detach()` for programs: the
/// given program, else the first (`BPF_F_BEFORE`) or last one.
fn bpf_mprog_detach(
    h: &mut Mprog,
    prog: Option<Arc<BpfProg>>,
    flags: BpfAttachFlags,
    revision: u64,
) -> Result<Arc<BpfProg>, Errno> {
    if flags.contains(BpfAttachFlags::BPF_F_REPLACE) {
        return Err(EINVAL);
    }
    if revision != 0 && revision != h.revision {
        return Err(ESTALE);
    }
    if h.progs.is_empty() {
        return Err(ENOENT);
    }
    let i = match &prog {
        Some(p) => pos(h, p).ok_or(ENOENT)?,
        None if flags.contains(BpfAttachFlags::BPF_F_BEFORE) => 0,
        None => h.progs.len() - 1,
    };
    h.revision += 1;
    Ok(h.progs.remove(i))
}

/// Mirrors `net/core/tcx.c:tcx_prog_attach()`.
pub(crate) fn tcx_prog_attach(
    kernel: &Kernel,
    task: &Task,
    attr: &BpfAttrProgAttach,
    prog: Arc<BpfProg>,
) -> Result<(), Errno> {
    let dev = kernel.dev_get_by_index(attr.target_fd)?;
    let flags = BpfAttachFlags::from_bits_retain(attr.attach_flags);
    let replace = if flags.contains(BpfAttachFlags::BPF_F_REPLACE) {
        Some(bpf_prog_get_type(task, attr.replace_bpf_fd, prog.prog_type)?)
    } else {
        None
    };
    let relative = mprog_relative(kernel, task, flags, attr.relative_fd, prog.prog_type)?;
    let mut h = dev.hook(BpfAttachType(attr.attach_type)).lock();
    bpf_mprog_attach(&mut h, prog, replace, flags, relative, attr.expected_revision)
}

/// Mirrors `net/core/tcx.c:tcx_prog_detach()`.
pub(crate) fn tcx_prog_detach(
    kernel: &Kernel,
    _task: &Task,
    attr: &BpfAttrProgAttach,
    prog: Option<Arc<BpfProg>>,
) -> Result<(), Errno> {
    let dev = kernel.dev_get_by_index(attr.target_fd)?;
    let flags = BpfAttachFlags::from_bits_retain(attr.attach_flags);
    let old = {
        let mut h = dev.hook(BpfAttachType(attr.attach_type)).lock();
        bpf_mprog_detach(&mut h, prog, flags, attr.expected_revision)?
    };
    drop(old);
    Ok(())
}

/// Mirrors `include/net/tcx.h:tcx_action_code()`.
fn tcx_action_code(code: i32) -> TcxAction {
    match code {
        0 => TcxAction::Pass,
        2 => TcxAction::Drop,
        7 => TcxAction::Redirect,
        _ => TcxAction::Next,
    }
}

impl Kernel {
    /// A frame arrives on (`ingress`) or leaves (`!ingress`) device
    /// `ifindex`: the tcx hook runs its programs in order as `tcx_run`
    /// does, each on the skb with its MAC header (the whole frame), until
    /// one returns something other than `TCX_NEXT`. Returns the decision
    /// and the frame as the programs left it.
    pub fn tcx_run(
        &self,
        ifindex: u32,
        ingress: bool,
        frame: &[u8],
        cred: &Cred,
    ) -> Result<(TcxAction, Vec<u8>), Errno> {
        let dev = self.dev_get_by_index(ifindex)?;
        let progs = dev.hook(if ingress { BPF_TCX_INGRESS } else { BPF_TCX_EGRESS }).lock().progs.clone();
        let mut skb = Skb::build(frame, NET_SKB_PAD, SKB_SHINFO_SIZE);
        skb.skb.protocol = skb.eth_type_trans(&dev);
        skb.skb_reset_network_header();
        skb.skb.skb_iif = if ingress { ifindex } else { 0 };
        skb.skb.wire_len = skb.skb.len;
        // needs_mac: the programs see the frame from its MAC header.
        skb.skb_push(crate::skb::ETH_HLEN);
        let ctx = crate::run_ctx_for(self, 0, cred);
        let _g = ctx.enter();
        let stats = self.sysctls().bpf_stats_enabled;
        let mut ret = -1i32;
        for p in &progs {
            skb.bpf_compute_data_pointers();
            ret = bpf_prog_run(p, skb.ctx(), stats) as i32;
            if ret != -1 {
                break;
            }
        }
        let action = tcx_action_code(ret);
        if action == TcxAction::Pass {
            skb.skb.tc_index = skb.skb.tc_classid;
        }
        Ok((action, skb.data().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bpf_core::prog::{bpf_prog_alloc, bpf_prog_size};

    fn prog() -> Arc<BpfProg> {
        let mut p = bpf_prog_alloc(bpf_prog_size(1), 1, false, false);
        p.prog_type = BPF_PROG_TYPE_SCHED_CLS;
        Arc::from(p)
    }

    #[test]
    fn mprog_order_and_errnos() {
        // The sequence recorded from Linux 6.18.44 on a tcx hook.
        let (a, b, c) = (prog(), prog(), prog());
        let mut h = Mprog::default();
        let none = BpfAttachFlags::empty();
        bpf_mprog_attach(&mut h, a.clone(), None, none, None, 0).unwrap();
        assert_eq!(bpf_mprog_attach(&mut h, a.clone(), None, none, None, 0), Err(EEXIST));
        bpf_mprog_attach(&mut h, b.clone(), None, none, None, 0).unwrap();
        bpf_mprog_attach(&mut h, c.clone(), None, BpfAttachFlags::BPF_F_BEFORE, None, 0).unwrap();
        assert!(Arc::ptr_eq(&h.progs[0], &c));
        assert_eq!(h.revision, 4);
        bpf_mprog_detach(&mut h, Some(c.clone()), none, 0).unwrap();
        bpf_mprog_attach(&mut h, c.clone(), None, BpfAttachFlags::BPF_F_AFTER, Some(a.clone()), 0).unwrap();
        assert!(Arc::ptr_eq(&h.progs[1], &c));
        let last = bpf_mprog_detach(&mut h, None, none, 0).unwrap();
        assert!(Arc::ptr_eq(&last, &b));
        assert_eq!(bpf_mprog_attach(&mut h, b.clone(), None, none, None, 1), Err(ESTALE));
        bpf_mprog_attach(&mut h, b.clone(), Some(c.clone()), BpfAttachFlags::BPF_F_REPLACE, None, 0).unwrap();
        assert!(Arc::ptr_eq(&h.progs[1], &b));
        assert_eq!(h.revision, 8);
        assert_eq!(bpf_mprog_attach(&mut h, c.clone(), None, none, Some(a.clone()), 0), Err(EINVAL));
        let mut empty = Mprog::default();
        assert_eq!(bpf_mprog_detach(&mut empty, None, none, 0).unwrap_err(), ENOENT);
    }
}

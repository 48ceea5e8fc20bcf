//! Mirrors `net/bpf/test_run.c` (v6.18): `BPF_PROG_TEST_RUN`.
//!
//! A program runs on a context built from the caller's input: an skb for
//! socket filters, tc, cgroup skb and lwt programs, an `xdp_buff` for XDP,
//! the caller's bytes for raw tracepoint and syscall programs. The
//! program's return value, the packet and the context come back the way
//! the kernel returns them (`bpf_test_finish`, `bpf_ctx_finish`).
//!
//! Program types whose kernel `test_run` this project does not model
//! (flow dissector, sk_lookup, tracing, struct_ops, netfilter) answer
//! `ENOTSUPP`, like the types that have none.

use crate::kernel::Kernel;
use crate::skb::{RawBuf, Skb, ETH_HLEN, NET_IP_ALIGN, NET_SKB_PAD, PAGE_SIZE, SKB_SHINFO_SIZE};
use crate::syscall::bpf_check_uarg_tail_zero;
use crate::task::Task;
use bpf_core::ctx::{sk_buff_uapi as sk, xdp_md_uapi as xm, XdpBuff};
use bpf_core::errno::*;
use bpf_core::prog::BpfProg;
use bpf_core::runtime::bpf_prog_run;
use bpf_core::uaccess::UserMemory;
use bpf_core::uapi::*;
use std::ffi::c_void;
use std::time::Instant;

/// `XDP_PACKET_HEADROOM`.
pub const XDP_PACKET_HEADROOM: u32 = 256;
/// `sizeof(struct xdp_frame)`.
const XDP_FRAME_SIZE: u32 = 40;
/// `MAX_SKB_FRAGS`.
pub const MAX_SKB_FRAGS: usize = 17;
/// `TEST_XDP_MAX_BATCH`.
const TEST_XDP_MAX_BATCH: u32 = 256;
/// `GSO_LEGACY_MAX_SIZE`.
const GSO_LEGACY_MAX_SIZE: u32 = 65536;
/// `GSO_MAX_SEGS`.
const GSO_MAX_SEGS: u32 = 65535;
/// `MAX_BPF_FUNC_ARGS`.
const MAX_BPF_FUNC_ARGS: u32 = 12;

/// Offsets of the fields test-run writes back in `union bpf_attr`.
mod out {
    pub const RETVAL: u64 = 4;
    pub const DATA_SIZE_OUT: u64 = 12;
    pub const DURATION: u64 = 36;
    pub const CTX_SIZE_OUT: u64 = 44;
}

/// Dispatches to the program type's `test_run` (`prog->aux->ops->test_run`).
pub(crate) fn test_run(
    kernel: &Kernel,
    task: &Task,
    prog: &BpfProg,
    attr: &BpfAttrTestRun,
    uattr: u64,
) -> Result<(), Errno> {
    match prog.prog_type {
        BPF_PROG_TYPE_SOCKET_FILTER
        | BPF_PROG_TYPE_SCHED_CLS
        | BPF_PROG_TYPE_SCHED_ACT
        | BPF_PROG_TYPE_CGROUP_SKB
        | BPF_PROG_TYPE_LWT_IN
        | BPF_PROG_TYPE_LWT_OUT
        | BPF_PROG_TYPE_LWT_XMIT
        | BPF_PROG_TYPE_LWT_SEG6LOCAL => bpf_prog_test_run_skb(kernel, task, prog, attr, uattr),
        BPF_PROG_TYPE_XDP => bpf_prog_test_run_xdp(kernel, task, prog, attr, uattr),
        BPF_PROG_TYPE_RAW_TRACEPOINT => bpf_prog_test_run_raw_tp(kernel, task, prog, attr, uattr),
        BPF_PROG_TYPE_SYSCALL => bpf_prog_test_run_syscall(kernel, task, prog, attr, uattr),
        _ => Err(ENOTSUPP),
    }
}

/// Mirrors `net/bpf/test_run.c:bpf_test_run()`: runs the program `repeat`
/// times (at least once) and returns the last r0 and the mean time per
/// run in ns.
fn bpf_test_run(kernel: &Kernel, task: &Task, prog: &BpfProg, ctx: *const c_void, repeat: u32) -> (u32, u32) {
    let repeat = repeat.max(1);
    let run_ctx = crate::run_ctx(kernel, task);
    let _g = run_ctx.enter();
    let stats = kernel.sysctls().bpf_stats_enabled;
    let start = Instant::now();
    let mut retval = 0;
    for _ in 0..repeat {
        retval = bpf_prog_run(prog, ctx, stats);
    }
    let per_run = start.elapsed().as_nanos() / u128::from(repeat);
    (retval, u32::try_from(per_run).unwrap_or(u32::MAX))
}

/// Mirrors `net/bpf/test_run.c:bpf_test_init()`: the caller's packet after
/// `headroom` bytes in a buffer with room for `tailroom`; larger than a
/// page minus both is `EINVAL`.
fn bpf_test_init(
    task: &Task,
    attr: &BpfAttrTestRun,
    user_size: u32,
    size: u32,
    headroom: u32,
    tailroom: u32,
) -> Result<RawBuf, Errno> {
    if user_size as usize > PAGE_SIZE.saturating_sub((headroom + tailroom) as usize) {
        return Err(EINVAL);
    }
    let size = (size as usize).next_multiple_of(64);
    let mut buf = RawBuf::new(size + (headroom + tailroom) as usize);
    let mut data = vec![0u8; user_size as usize];
    task.mem().copy_from_user(&mut data, attr.data_in)?;
    buf.write(headroom as usize, &data);
    Ok(buf)
}

/// Mirrors `net/bpf/test_run.c:bpf_ctx_init()`: the caller's context, at
/// most `max_size` bytes (a longer one must be zero past that: `E2BIG`),
/// or `None` when neither `ctx_in` nor `ctx_out` is given.
fn bpf_ctx_init(task: &Task, attr: &BpfAttrTestRun, max_size: usize) -> Result<Option<Vec<u8>>, Errno> {
    if attr.ctx_in == 0 && attr.ctx_out == 0 {
        return Ok(None);
    }
    let mut data = vec![0u8; max_size];
    if attr.ctx_in != 0 {
        bpf_check_uarg_tail_zero(task.mem(), attr.ctx_in, max_size, attr.ctx_size_in as usize)?;
        let n = (attr.ctx_size_in as usize).min(max_size);
        task.mem().copy_from_user(&mut data[..n], attr.ctx_in)?;
    }
    Ok(Some(data))
}

/// Mirrors `net/bpf/test_run.c:bpf_ctx_finish()`: the context goes back,
/// cut to `ctx_size_out` (`ENOSPC`), with its full size.
fn bpf_ctx_finish(task: &Task, attr: &BpfAttrTestRun, uattr: u64, data: Option<&[u8]>) -> Result<(), Errno> {
    let Some(data) = data else { return Ok(()) };
    if attr.ctx_out == 0 {
        return Ok(());
    }
    let mut copy = data.len();
    let mut err = Ok(());
    if copy > attr.ctx_size_out as usize {
        copy = attr.ctx_size_out as usize;
        err = Err(ENOSPC);
    }
    let mem = task.mem();
    mem.copy_to_user(attr.ctx_out, &data[..copy]).map_err(|_| EFAULT)?;
    mem.copy_to_user(uattr + out::CTX_SIZE_OUT, &(data.len() as u32).to_le_bytes()).map_err(|_| EFAULT)?;
    err
}

/// Mirrors `net/bpf/test_run.c:bpf_test_finish()`: the output data (linear
/// part, then frags) cut to `data_size_out` (`ENOSPC`, after copying what
/// fits), its full size, the return value and the duration.
fn bpf_test_finish(
    task: &Task,
    attr: &BpfAttrTestRun,
    uattr: u64,
    linear: &[u8],
    frags: &[u8],
    retval: u32,
    duration: u32,
) -> Result<(), Errno> {
    let mem = task.mem();
    let size = linear.len() + frags.len();
    let mut copy = size;
    let mut err = Ok(());
    if attr.data_out != 0 && attr.data_size_out != 0 && copy > attr.data_size_out as usize {
        copy = attr.data_size_out as usize;
        err = Err(ENOSPC);
    }
    if attr.data_out != 0 {
        let Some(len) = copy.checked_sub(frags.len()) else { return Err(ENOSPC) };
        mem.copy_to_user(attr.data_out, &linear[..len.min(linear.len())]).map_err(|_| EFAULT)?;
        let rest = copy - len.min(linear.len());
        if rest > 0 {
            mem.copy_to_user(attr.data_out + len as u64, &frags[..rest.min(frags.len())])
                .map_err(|_| EFAULT)?;
        }
    }
    mem.copy_to_user(uattr + out::DATA_SIZE_OUT, &(size as u32).to_le_bytes()).map_err(|_| EFAULT)?;
    mem.copy_to_user(uattr + out::RETVAL, &retval.to_le_bytes()).map_err(|_| EFAULT)?;
    mem.copy_to_user(uattr + out::DURATION, &duration.to_le_bytes()).map_err(|_| EFAULT)?;
    err
}

fn rd32(b: &[u8], off: u32) -> u32 {
    u32::from_le_bytes(b[off as usize..off as usize + 4].try_into().expect("4 bytes"))
}
fn rd64(b: &[u8], off: u32) -> u64 {
    u64::from_le_bytes(b[off as usize..off as usize + 8].try_into().expect("8 bytes"))
}
fn wr32(b: &mut [u8], off: u32, v: u32) {
    b[off as usize..off as usize + 4].copy_from_slice(&v.to_le_bytes());
}
fn wr64(b: &mut [u8], off: u32, v: u64) {
    b[off as usize..off as usize + 8].copy_from_slice(&v.to_le_bytes());
}
fn range_is_zero(b: &[u8], from: u32, to: u32) -> bool {
    b[from as usize..to as usize].iter().all(|&x| x == 0)
}

/// Mirrors `net/bpf/test_run.c:convert___skb_to_skb()`: only `mark`,
/// `priority`, `ingress_ifindex`, `ifindex`, `cb`, `tstamp`, `wire_len`,
/// `gso_segs`, `gso_size` and `hwtstamp` may be set; they go into the skb.
#[allow(non_snake_case)]
fn convert___skb_to_skb(s: &mut Skb, ctx: Option<&[u8]>) -> Result<(), Errno> {
    if s.skb.len == 0 {
        return Err(EINVAL);
    }
    let Some(c) = ctx else { return Ok(()) };
    if !range_is_zero(c, 0, sk::MARK)
        || !range_is_zero(c, sk::MARK + 4, sk::PRIORITY)
        || !range_is_zero(c, sk::IFINDEX + 4, sk::CB)
        || !range_is_zero(c, sk::CB + 20, sk::TSTAMP)
        || !range_is_zero(c, sk::GSO_SEGS + 4, sk::GSO_SIZE)
        || !range_is_zero(c, sk::GSO_SIZE + 4, sk::HWTSTAMP)
        || !range_is_zero(c, sk::HWTSTAMP + 8, sk::SIZE)
    {
        return Err(EINVAL);
    }
    s.skb.mark = rd32(c, sk::MARK);
    s.skb.priority = rd32(c, sk::PRIORITY);
    s.skb.skb_iif = rd32(c, sk::INGRESS_IFINDEX);
    s.skb.tstamp = rd64(c, sk::TSTAMP);
    for i in 0..5 {
        s.skb.cb[i] = rd32(c, sk::CB + 4 * i as u32);
    }
    let wire_len = rd32(c, sk::WIRE_LEN);
    if wire_len == 0 {
        s.skb.wire_len = s.skb.len;
    } else {
        if wire_len < s.skb.len || wire_len > GSO_LEGACY_MAX_SIZE {
            return Err(EINVAL);
        }
        s.skb.wire_len = wire_len;
    }
    let gso_segs = rd32(c, sk::GSO_SEGS);
    if gso_segs > GSO_MAX_SEGS {
        return Err(EINVAL);
    }
    s.skb.gso_segs = gso_segs;
    s.skb.gso_size = rd32(c, sk::GSO_SIZE);
    s.skb.hwtstamp = rd64(c, sk::HWTSTAMP);
    Ok(())
}

/// Mirrors `net/bpf/test_run.c:convert_skb_to___skb()`.
#[allow(non_snake_case)]
fn convert_skb_to___skb(s: &Skb, c: &mut [u8]) {
    wr32(c, sk::MARK, s.skb.mark);
    wr32(c, sk::PRIORITY, s.skb.priority);
    wr32(c, sk::INGRESS_IFINDEX, s.skb.skb_iif);
    wr32(c, sk::IFINDEX, s.skb.ifindex);
    wr64(c, sk::TSTAMP, s.skb.tstamp);
    for i in 0..5 {
        wr32(c, sk::CB + 4 * i as u32, s.skb.cb[i]);
    }
    wr32(c, sk::WIRE_LEN, s.skb.wire_len);
    wr32(c, sk::GSO_SEGS, s.skb.gso_segs);
    wr64(c, sk::HWTSTAMP, s.skb.hwtstamp);
}

/// Mirrors `net/bpf/test_run.c:bpf_prog_test_run_skb()`.
///
/// The packet becomes an skb on `lo` (or the device `ctx->ifindex`
/// names). `eth_type_trans` pulls the Ethernet header: socket filters and
/// cgroup programs see the packet from the network header, tc programs
/// (`is_l2`) get the header pushed back and see the whole frame. After the
/// run, the header a non-L2 program did not see comes back zeroed in the
/// output.
fn bpf_prog_test_run_skb(
    kernel: &Kernel,
    task: &Task,
    prog: &BpfProg,
    attr: &BpfAttrTestRun,
    uattr: u64,
) -> Result<(), Errno> {
    let size = attr.data_size_in;
    if attr.flags & !BpfTestRunFlags::BPF_F_TEST_SKB_CHECKSUM_COMPLETE.bits() != 0
        || attr.cpu != 0
        || attr.batch_size != 0
    {
        return Err(EINVAL);
    }
    if (size as usize) < ETH_HLEN {
        return Err(EINVAL);
    }
    let headroom = (NET_SKB_PAD + NET_IP_ALIGN) as u32;
    let buf = bpf_test_init(task, attr, size, size, headroom, SKB_SHINFO_SIZE as u32)?;
    let mut ctx = bpf_ctx_init(task, attr, sk::SIZE as usize)?;
    let (is_l2, direct) = match prog.prog_type {
        BPF_PROG_TYPE_SCHED_CLS | BPF_PROG_TYPE_SCHED_ACT => (true, true),
        BPF_PROG_TYPE_LWT_IN | BPF_PROG_TYPE_LWT_OUT | BPF_PROG_TYPE_LWT_XMIT => (false, true),
        _ => (false, false),
    };
    let frame = buf.slice_at(buf.addr() + u64::from(headroom), size as usize).ok_or(EFAULT)?.to_vec();
    let mut s = Skb::build(&frame, headroom as usize, SKB_SHINFO_SIZE);
    drop(buf);
    let ifindex = ctx.as_deref().map_or(0, |c| rd32(c, sk::IFINDEX));
    let dev = if ifindex > 1 { kernel.dev_get_by_index(ifindex)? } else { kernel.dev_get_by_index(1)? };
    s.skb.protocol = s.eth_type_trans(&dev);
    s.skb_reset_network_header();
    if is_l2 {
        s.skb_push(ETH_HLEN);
    }
    if direct {
        s.bpf_compute_data_pointers();
    }
    convert___skb_to_skb(&mut s, ctx.as_deref())?;

    let (retval, duration) = bpf_test_run(kernel, task, prog, s.ctx(), attr.repeat);
    if !is_l2 {
        // The Ethernet header the program did not see comes back zeroed.
        s.skb_push(ETH_HLEN);
        let off = (s.skb.data - s.buf.addr()) as usize;
        s.buf.zero(off, ETH_HLEN);
    }
    if let Some(c) = ctx.as_deref_mut() {
        convert_skb_to___skb(&s, c);
    }
    let data = s.data().to_vec();
    bpf_test_finish(task, attr, uattr, &data, &[], retval, duration)?;
    bpf_ctx_finish(task, attr, uattr, ctx.as_deref())
}

/// Mirrors `net/bpf/test_run.c:xdp_convert_md_to_buff()`: the caller's
/// `xdp_md` picks the receive queue and where the data starts after the
/// metadata.
fn xdp_convert_md_to_buff(kernel: &Kernel, c: Option<&[u8]>, xdp: &mut XdpBuff) -> Result<(), Errno> {
    let Some(c) = c else { return Ok(()) };
    if rd32(c, xm::EGRESS_IFINDEX) != 0 {
        return Err(EINVAL);
    }
    let ingress = rd32(c, xm::INGRESS_IFINDEX);
    let rxq = rd32(c, xm::RX_QUEUE_INDEX);
    if ingress == 0 && rxq != 0 {
        return Err(EINVAL);
    }
    if ingress != 0 {
        let dev = kernel.dev_get_by_index(ingress)?;
        if rxq >= dev.rx_queues() {
            return Err(EINVAL);
        }
        xdp.ingress_ifindex = ingress;
        xdp.rx_queue_index = rxq;
    }
    xdp.data = xdp.data_meta + u64::from(rd32(c, xm::DATA));
    Ok(())
}

/// Mirrors `include/net/xdp.h:xdp_metalen_invalid()`: metadata is whole
/// words, at most `u8::MAX` bytes.
fn xdp_metalen_invalid(metalen: u32) -> bool {
    metalen % 4 != 0 || metalen > u32::from(u8::MAX)
}

/// Mirrors `net/bpf/test_run.c:bpf_prog_test_run_xdp()` (v6.18.y).
///
/// The packet goes into a page after `XDP_PACKET_HEADROOM` (minus any
/// metadata the caller's `xdp_md` asks for); what does not fit the page's
/// linear part, or lies past `ctx->data_end`, goes into page frags. The
/// output runs from `data_meta` to the end of the last frag.
fn bpf_prog_test_run_xdp(
    kernel: &Kernel,
    task: &Task,
    prog: &BpfProg,
    attr: &BpfAttrTestRun,
    uattr: u64,
) -> Result<(), Errno> {
    let flags = BpfTestRunFlags::from_bits_retain(attr.flags);
    let do_live = flags.contains(BpfTestRunFlags::BPF_F_TEST_XDP_LIVE_FRAMES);
    let tailroom = SKB_SHINFO_SIZE as u32;
    let mut headroom = XDP_PACKET_HEADROOM;
    let mut linear_sz = attr.data_size_in;
    let mut meta_sz = 0;
    if prog.expected_attach_type == BPF_XDP_DEVMAP || prog.expected_attach_type == BPF_XDP_CPUMAP {
        return Err(EINVAL);
    }
    if !(flags - BpfTestRunFlags::BPF_F_TEST_XDP_LIVE_FRAMES).is_empty() {
        return Err(EINVAL);
    }
    if prog.aux.dev_bound {
        return Err(EINVAL);
    }
    if do_live {
        if attr.batch_size > TEST_XDP_MAX_BATCH {
            return Err(E2BIG);
        }
    } else if attr.batch_size != 0 {
        return Err(EINVAL);
    }
    let mut ctx = bpf_ctx_init(task, attr, xm::SIZE as usize)?;
    if let Some(c) = ctx.as_deref() {
        // No user data may precede the metadata.
        if rd32(c, xm::DATA_META) != 0
            || rd32(c, xm::DATA_END) > attr.data_size_in
            || rd32(c, xm::DATA) > rd32(c, xm::DATA_END)
            || (do_live && (attr.data_out != 0 || attr.ctx_out != 0))
        {
            return Err(EINVAL);
        }
        meta_sz = rd32(c, xm::DATA);
        if xdp_metalen_invalid(meta_sz) || meta_sz > headroom - XDP_FRAME_SIZE {
            return Err(EINVAL);
        }
        // The metadata is allocated from the headroom.
        headroom -= meta_sz;
        linear_sz = rd32(c, xm::DATA_END);
    }
    if do_live {
        // Live frames are transmitted for real; this model has no wire.
        return Err(ENOTSUPP);
    }
    let max_linear_sz = PAGE_SIZE as u32 - headroom - tailroom;
    linear_sz = linear_sz.min(max_linear_sz);
    if attr.data_size_in.wrapping_sub(meta_sz) < ETH_HLEN as u32 || attr.data_size_in < meta_sz {
        return Err(EINVAL);
    }
    let buf = bpf_test_init(task, attr, linear_sz, max_linear_sz, headroom, tailroom)?;
    let base = buf.addr();
    let mut xdp = XdpBuff {
        data_hard_start: base,
        data_meta: base + u64::from(headroom),
        data: base + u64::from(headroom),
        data_end: base + u64::from(headroom + linear_sz),
        ingress_ifindex: 1,
        rx_queue_index: 0,
        egress_ifindex: 0,
        frame_sz: PAGE_SIZE as u32,
    };
    xdp_convert_md_to_buff(kernel, ctx.as_deref(), &mut xdp)?;

    // Whatever is past the linear part goes into page frags.
    let mut frags = Vec::new();
    if attr.data_size_in > linear_sz {
        let rest = (attr.data_size_in - linear_sz) as usize;
        if rest.div_ceil(PAGE_SIZE) > MAX_SKB_FRAGS {
            return Err(ENOMEM);
        }
        frags = vec![0u8; rest];
        task.mem().copy_from_user(&mut frags, attr.data_in + u64::from(linear_sz))?;
    }

    let xdp = Box::new(xdp);
    let (retval, duration) =
        bpf_test_run(kernel, task, prog, &*xdp as *const XdpBuff as *const c_void, attr.repeat);
    // xdp_convert_buff_to_md()
    if let Some(c) = ctx.as_deref_mut() {
        wr32(c, xm::DATA_META, 0);
        wr32(c, xm::DATA, (xdp.data - xdp.data_meta) as u32);
        wr32(c, xm::DATA_END, (xdp.data_end - xdp.data_meta) as u32);
    }
    let linear_len = xdp.data_end.checked_sub(xdp.data_meta).ok_or(EFAULT)? as usize;
    let linear = buf.slice_at(xdp.data_meta, linear_len).ok_or(EFAULT)?.to_vec();
    bpf_test_finish(task, attr, uattr, &linear, &frags, retval, duration)?;
    bpf_ctx_finish(task, attr, uattr, ctx.as_deref())
}

/// Mirrors `net/bpf/test_run.c:bpf_prog_test_run_raw_tp()`: the context is
/// the caller's array of up to 12 arguments; no data, no repeat; with
/// `BPF_F_TEST_RUN_ON_CPU` the run happens on `cpu`.
fn bpf_prog_test_run_raw_tp(
    kernel: &Kernel,
    task: &Task,
    prog: &BpfProg,
    attr: &BpfAttrTestRun,
    uattr: u64,
) -> Result<(), Errno> {
    if attr.data_in != 0
        || attr.data_out != 0
        || attr.ctx_out != 0
        || attr.duration != 0
        || attr.repeat != 0
        || attr.batch_size != 0
    {
        return Err(EINVAL);
    }
    if attr.ctx_size_in < prog.aux.max_ctx_offset || attr.ctx_size_in > MAX_BPF_FUNC_ARGS * 8 {
        return Err(EINVAL);
    }
    let on_cpu = attr.flags & BpfTestRunFlags::BPF_F_TEST_RUN_ON_CPU.bits() != 0;
    if !on_cpu && attr.cpu != 0 {
        return Err(EINVAL);
    }
    let mut ctx = vec![0u8; attr.ctx_size_in as usize];
    task.mem().copy_from_user(&mut ctx, attr.ctx_in)?;
    let cpu = if on_cpu { attr.cpu } else { task.cpu() };
    if cpu >= kernel.nr_cpus() {
        return Err(ENXIO);
    }
    let run_ctx = crate::run_ctx_for(kernel, cpu, &task.cred());
    let _g = run_ctx.enter();
    let p = if ctx.is_empty() { std::ptr::null() } else { ctx.as_ptr() as *const c_void };
    let retval = bpf_prog_run(prog, p, kernel.sysctls().bpf_stats_enabled);
    task.mem().copy_to_user(uattr + out::RETVAL, &retval.to_le_bytes()).map_err(|_| EFAULT)
}

/// Mirrors `net/bpf/test_run.c:bpf_prog_test_run_syscall()`: the program
/// runs once on (and may change) the caller's context, which is copied
/// back in place.
fn bpf_prog_test_run_syscall(
    kernel: &Kernel,
    task: &Task,
    prog: &BpfProg,
    attr: &BpfAttrTestRun,
    uattr: u64,
) -> Result<(), Errno> {
    if attr.data_in != 0
        || attr.data_out != 0
        || attr.ctx_out != 0
        || attr.duration != 0
        || attr.repeat != 0
        || attr.flags != 0
        || attr.batch_size != 0
    {
        return Err(EINVAL);
    }
    if attr.ctx_size_in < prog.aux.max_ctx_offset || attr.ctx_size_in > u32::from(u16::MAX) {
        return Err(EINVAL);
    }
    let mut ctx = vec![0u8; attr.ctx_size_in as usize];
    task.mem().copy_from_user(&mut ctx, attr.ctx_in)?;
    let run_ctx = crate::run_ctx(kernel, task);
    let _g = run_ctx.enter();
    let p = if ctx.is_empty() { std::ptr::null() } else { ctx.as_mut_ptr() as *const c_void };
    let retval = bpf_prog_run(prog, p, kernel.sysctls().bpf_stats_enabled);
    task.mem().copy_to_user(uattr + out::RETVAL, &retval.to_le_bytes()).map_err(|_| EFAULT)?;
    if !ctx.is_empty() {
        task.mem().copy_to_user(attr.ctx_in, &ctx).map_err(|_| EFAULT)?;
    }
    Ok(())
}

//! The steps after `bpf_check`, on programs built by hand as the verifier
//! would hand them over: runtime selection, ids, kallsyms, perf and audit
//! records, fds and their release, info dumps, test runs, prog_arrays,
//! attach points, and all of it from several threads at once.
//!
//! [`bpf_prog_load_publish`] is the second half of `bpf_prog_load`, so
//! these tests do not depend on what the verifier accepts yet. The programs
//! run on bpf-interp's interpreters and, where a test needs a JIT image, on
//! a stand-in JIT whose "image" runs the interpreter.

use crate::cgroup::CgroupEgress;
use crate::kernel::{BpfAudit, Kernel, KernelConfig, PerfBpfEventType, PerfRecord};
use crate::netdev::TcxAction;
use crate::syscall::{bpf_insn_prepare_dump, bpf_prog_load_publish};
use crate::task::Task;
use crate::{AttachOpts, Bpf, Caps, Cred, MapCreateOpts, TestRunOpts};
use bpf_core::ctx::{SkBuff, XdpBuff};
use bpf_core::errno::*;
use bpf_core::maps::BpfMap;
use bpf_core::prog::{bpf_prog_alloc, bpf_prog_calc_tag, bpf_prog_size, BpfFunc, BpfProg, BpfProgRunner};
use bpf_core::runtime::BpfJit;
use bpf_core::trace::BpfTrace;
use bpf_core::uapi::*;
use std::ffi::c_void;
use std::mem::offset_of;
use std::sync::Arc;

/// A JIT for tests: the "image" is 16 bytes of `ret`, run by the
/// interpreter with the largest stack.
#[derive(Debug)]
struct FakeJit;

#[derive(Debug)]
struct FakeImage(Vec<u8>);

impl BpfProgRunner for FakeImage {
    fn run(&self, ctx: *const c_void, prog: &BpfProg) -> u64 {
        bpf_interp::INTERPRETERS[15](ctx, prog)
    }
    fn image(&self) -> &[u8] {
        &self.0
    }
}

impl BpfJit for FakeJit {
    fn bpf_int_jit_compile(&self, mut prog: Box<BpfProg>) -> Box<BpfProg> {
        if !prog.jit_requested {
            return prog;
        }
        prog.jited = true;
        prog.jited_len = 16;
        prog.bpf_func = BpfFunc::Jited(Arc::new(FakeImage(vec![0xc3; 16])));
        prog
    }
}

fn kernel_with(jit: bool) -> Kernel {
    let mut c = KernelConfig::default();
    if jit {
        c.jit = Arc::new(FakeJit);
    }
    Kernel::with_config(c)
}

/// A program as `bpf_check` hands it to `bpf_prog_select_runtime`.
fn hand_prog(
    kernel: &Kernel,
    task: &Task,
    t: BpfProgType,
    insns: Vec<BpfInsn>,
    maps: Vec<Arc<BpfMap>>,
) -> Box<BpfProg> {
    let mut p = bpf_prog_alloc(
        bpf_prog_size(insns.len() as u32),
        kernel.nr_cpus() as usize,
        kernel.sysctls().bpf_jit_enable != 0,
        false,
    );
    p.prog_type = t;
    p.set_insns(insns);
    bpf_prog_calc_tag(&mut p);
    p.gpl_compatible = true;
    p.aux.uid = task.cred().uid;
    p.aux.name = obj_name("hand");
    p.aux.load_time = kernel.ktime_get_boottime_ns();
    p.aux.verified_insns = p.len;
    p.aux.used_maps = maps;
    p
}

fn publish(kernel: &Kernel, task: &Task, t: BpfProgType, insns: Vec<BpfInsn>) -> Result<i32, Errno> {
    bpf_prog_load_publish(kernel, task, hand_prog(kernel, task, t, insns, vec![]), &mut BpfTrace::off())
}

fn ret(v: i32) -> Vec<BpfInsn> {
    vec![BpfInsn::mov64_imm(0, v), BpfInsn::exit()]
}

fn ldx(size: u8, dst: u8, src: u8, off: usize) -> BpfInsn {
    BpfInsn::ldx_mem(size, dst, src, off as i16)
}

#[test]
fn publish_and_release() {
    let k = kernel_with(true);
    let t = Task::root();
    let mut trace = BpfTrace::new(true);
    trace.nested(|_| ());
    let fd = bpf_prog_load_publish(
        &k,
        &t,
        hand_prog(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(42), vec![]),
        &mut trace,
    )
    .unwrap();
    assert_eq!(
        trace.calls(),
        [
            "bpf_prog_select_runtime",
            "bpf_prog_select_interpreter",
            "bpf_prog_alloc_jited_linfo",
            "bpf_int_jit_compile",
            "bpf_prog_jit_attempt_done",
            "bpf_prog_lock_ro",
            "bpf_check_tail_call",
            "bpf_prog_alloc_id",
            "bpf_prog_kallsyms_add",
            "perf_event_bpf_event",
            "bpf_audit_prog",
            "bpf_prog_new_fd"
        ]
    );
    let id = k.prog_ids()[0];
    let prog = k.prog_by_id(id).unwrap();
    assert!(prog.jited);
    let sym = format!("bpf_prog_{}_hand", prog.tag_hex());
    assert_eq!(k.proc_kallsyms().iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), [sym.as_str()]);
    let (start, tag) = (prog.aux.ksym_start, prog.tag());
    drop(prog);
    assert_eq!(
        k.perf_records(),
        [
            PerfRecord::Ksymbol { addr: start, len: 16, unregister: false, name: sym.clone() },
            PerfRecord::BpfEvent { event: PerfBpfEventType::ProgLoad, flags: 0, id, tag },
        ]
    );
    assert_eq!(
        k.audit_log().iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        [format!("prog-id={id} op=LOAD")]
    );
    // A second reference through the id keeps it alive past the first fd.
    let bpf = Bpf::new(&k, &t);
    let fd2 = bpf.prog_get_fd_by_id(id).unwrap();
    bpf.close(fd).unwrap();
    assert_eq!(k.prog_ids(), [id]);
    bpf.close(fd2).unwrap();
    // bpf_prog_put: the unload events, the id, the symbol.
    assert!(k.prog_ids().is_empty());
    assert!(k.kallsyms().is_empty());
    assert_eq!(k.perf_records().len(), 4);
    assert_eq!(
        k.perf_records()[2],
        PerfRecord::Ksymbol { addr: start, len: 16, unregister: true, name: sym }
    );
    assert_eq!(
        k.perf_records()[3],
        PerfRecord::BpfEvent { event: PerfBpfEventType::ProgUnload, flags: 0, id, tag }
    );
    assert_eq!(k.audit_log().last().unwrap().op, BpfAudit::Unload);
    assert_eq!(bpf.prog_get_fd_by_id(id), Err(ENOENT));
    let s = k.stats();
    assert_eq!((s.progs_loaded, s.progs_freed), (1, 1));
}

#[test]
fn kallsyms_follow_capabilities_and_sysctls() {
    let k = kernel_with(true);
    // An interpreted program has no symbol (bpf_jit_enable = 0).
    k.sysctl_write(&Cred::root(), "net.core.bpf_jit_enable", 0).unwrap();
    let t = Task::root();
    let fd = publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(1)).unwrap();
    assert!(k.kallsyms().is_empty());
    assert!(!k.prog_by_id(k.prog_ids()[0]).unwrap().jited);
    k.sysctl_write(&Cred::root(), "net.core.bpf_jit_enable", 1).unwrap();
    // A loader without CAP_BPF gets no symbol either.
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 0).unwrap();
    let user = Task::new(Cred::user(1000));
    let ufd = publish(&k, &user, BPF_PROG_TYPE_SOCKET_FILTER, ret(1)).unwrap();
    assert!(k.kallsyms().is_empty());
    let rfd = publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(1)).unwrap();
    assert_eq!(k.kallsyms().len(), 1);
    // Hardening hides them from /proc/kallsyms (they stay registered).
    k.sysctl_write(&Cred::root(), "net.core.bpf_jit_harden", 1).unwrap();
    assert!(k.proc_kallsyms().is_empty());
    assert_eq!(k.kallsyms().len(), 1);
    for (task, fd) in [(&t, fd), (&user, ufd), (&t, rfd)] {
        task.close(fd).unwrap();
    }
    assert!(k.kallsyms().is_empty() && k.prog_ids().is_empty());
}

#[test]
fn failure_after_publishing_goes_through_bpf_prog_put() {
    let k = kernel_with(true);
    let t = Task::root();
    t.set_nofile(3);
    let mut trace = BpfTrace::new(true);
    let r = bpf_prog_load_publish(
        &k,
        &t,
        hand_prog(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(1), vec![]),
        &mut trace,
    );
    assert_eq!(r, Err(EMFILE));
    assert_eq!(trace.calls().last(), Some(&"bpf_prog_put"));
    // The program was visible, so it is unloaded the way a closed one is.
    assert!(k.prog_ids().is_empty() && k.kallsyms().is_empty());
    let events: Vec<_> = k
        .perf_records()
        .into_iter()
        .filter_map(|r| match r {
            PerfRecord::BpfEvent { event, .. } => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(events, [PerfBpfEventType::ProgLoad, PerfBpfEventType::ProgUnload]);
    assert_eq!(k.stats().progs_freed, 1);
}

#[test]
fn no_runtime_is_enotsupp_and_drops_map_references() {
    // No interpreter (CONFIG_BPF_JIT_ALWAYS_ON) and a JIT that declines.
    let k = Kernel::with_config(KernelConfig { interpreters: None, ..Default::default() });
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let mfd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).unwrap();
    let map = k.map_by_id(k.map_ids()[0]).unwrap();
    let refs = Arc::strong_count(&map);
    let mut trace = BpfTrace::new(true);
    let p = hand_prog(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(1), vec![map.clone()]);
    assert_eq!(Arc::strong_count(&map), refs + 1);
    trace.call("bpf_prog_load");
    assert_eq!(trace.nested(|t2| bpf_prog_load_publish(&k, &t, p, t2)), Err(ENOTSUPP));
    assert!(trace
        .arrow_chain()
        .ends_with("bpf_prog_select_runtime = -ENOTSUPP -> free_used_maps: -> __bpf_prog_put_noref"));
    assert_eq!(Arc::strong_count(&map), refs);
    assert!(k.prog_ids().is_empty() && k.perf_records().is_empty() && k.audit_log().is_empty());
    drop(map);
    bpf.close(mfd).unwrap();
}

#[test]
fn tail_call_maps_keep_their_owner() {
    let k = kernel_with(false);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let pa = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4)).unwrap();
    let map = k.map_by_id(k.map_ids()[0]).unwrap();
    // The first user makes the prog_array a socket filter one.
    let owner = hand_prog(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(1), vec![map.clone()]);
    let ofd = bpf_prog_load_publish(&k, &t, owner, &mut BpfTrace::off()).unwrap();
    let xdp = hand_prog(&k, &t, BPF_PROG_TYPE_XDP, ret(1), vec![map.clone()]);
    let mut trace = BpfTrace::new(true);
    assert_eq!(bpf_prog_load_publish(&k, &t, xdp, &mut trace), Err(EINVAL));
    assert!(trace.tree().contains("bpf_check_tail_call failed: -EINVAL"));
    // Members: same type only; the system call sees their ids.
    let member = publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(7)).unwrap();
    let other = publish(&k, &t, BPF_PROG_TYPE_XDP, ret(7)).unwrap();
    assert_eq!(bpf.map_update_elem(pa, &0u32.to_le_bytes(), &(other as u32).to_le_bytes(), 0), Err(EINVAL));
    bpf.map_update_elem(pa, &0u32.to_le_bytes(), &(member as u32).to_le_bytes(), 0).unwrap();
    let member_id = bpf.prog_id(member).unwrap();
    assert_eq!(bpf.map_lookup_elem(pa, &0u32.to_le_bytes()).unwrap(), member_id.to_le_bytes());
    assert_eq!(map.ops.tail_call_prog(0).unwrap().aux.id, member_id);
    // The member lives on in the map after its fd closes...
    bpf.close(member).unwrap();
    assert!(k.prog_ids().contains(&member_id));
    // ...until the map's last user reference goes: prog_array_map_clear,
    // even though the owner program still holds the map itself.
    bpf.close(pa).unwrap();
    assert!(!k.prog_ids().contains(&member_id));
    assert!(map.ops.tail_call_prog(0).is_none());
    drop(map);
    bpf.close(ofd).unwrap();
    bpf.close(other).unwrap();
    assert!(k.prog_ids().is_empty() && k.map_ids().is_empty());
}

#[test]
fn info_by_fd() {
    let k = kernel_with(true);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let mfd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 8, 1)).unwrap();
    let map = k.map_by_id(k.map_ids()[0]).unwrap();
    let map_id = map.id();
    // What resolve_pseudo_ldimm64 leaves for `map[fd:N][0]+4`: the base plus 4.
    let value = map.ops.map_direct_value_addr(4).unwrap() + 4;
    let [a, b] = BpfInsn::ld_imm64_raw(1, BPF_PSEUDO_MAP_FD, Arc::as_ptr(&map) as u64);
    let [c, d] = BpfInsn::ld_imm64_raw(2, BPF_PSEUDO_MAP_VALUE, value);
    let tail = BpfInsn::new(BPF_JMP | BPF_TAIL_CALL, 0, 0, 0, 0);
    let call_args = BpfInsn::new(BPF_JMP | BPF_CALL_ARGS, 0, 0, 1, 64);
    let helper = BpfInsn::new(BPF_JMP | BPF_CALL, 0, 0, 0, 12345);
    let insns = vec![a, b, c, d, tail, call_args, helper, BpfInsn::mov64_imm(0, 0), BpfInsn::exit()];
    let p = hand_prog(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, insns.clone(), vec![map.clone()]);
    let fd = bpf_prog_load_publish(&k, &t, p, &mut BpfTrace::off()).unwrap();
    let info = bpf.prog_get_info(fd).unwrap();
    let prog = k.prog_by_id(info.info.id).unwrap();
    assert_eq!(info.info.prog_type, BPF_PROG_TYPE_SOCKET_FILTER.0);
    assert_eq!(info.info.tag, prog.tag());
    assert_eq!(obj_name_str(&info.info.name), "hand");
    assert_eq!(info.info.xlated_prog_len, 9 * 8);
    assert_eq!(info.info.jited_prog_len, 16);
    assert_eq!(info.jited, vec![0xc3; 16]);
    assert_eq!(info.jited_func_lens, [16]);
    assert_eq!(info.map_ids, [map_id]);
    assert_eq!(info.prog_tags, [prog.tag()]);
    assert_eq!(info.info.verified_insns, 9);
    assert_eq!(info.info.gpl_compatible, 1);
    assert_eq!(
        (info.info.func_info_rec_size, info.info.line_info_rec_size, info.info.jited_line_info_rec_size),
        (8, 16, 8)
    );
    // The dump: map addresses become (id, offset), the tail call reads as
    // bpf_tail_call, interpreter calls as plain calls; helper addresses are
    // hidden from a reader who may not see kernel addresses.
    let x = &info.xlated;
    assert_eq!((x[0].src_reg(), x[0].imm, x[1].imm), (BPF_PSEUDO_MAP_FD, map_id as i32, 0));
    assert_eq!((x[2].src_reg(), x[2].imm, x[3].imm), (BPF_PSEUDO_MAP_VALUE, map_id as i32, 4));
    assert_eq!((x[4].code, x[4].imm), (BPF_JMP | BPF_CALL, 12));
    assert_eq!(x[5].code, BPF_JMP | BPF_CALL);
    assert_eq!(x[6].imm, 12345, "root has CAP_SYSLOG: raw addresses stay");
    let raw = bpf_insn_prepare_dump(&prog, true);
    assert_eq!(raw[6].imm, 12345);
    // Without CAP_BPF: no dumps, no lengths.
    let user = Task::new(Cred::user(1000));
    let ufd = user.fd_install(crate::task::File::Prog(prog.clone())).unwrap();
    let uinfo = Bpf::new(&k, &user).prog_get_info(ufd).unwrap();
    assert_eq!((uinfo.info.xlated_prog_len, uinfo.info.jited_prog_len), (0, 0));
    assert!(uinfo.xlated.is_empty());
    assert_eq!(uinfo.info.id, info.info.id);
    drop(prog);
    drop(map);
    user.close(ufd).unwrap();
    bpf.close(fd).unwrap();
    bpf.close(mfd).unwrap();
    assert!(k.prog_ids().is_empty() && k.map_ids().is_empty());
    // Statistics count runs while bpf_stats_enabled is on.
    let fd = publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(0)).unwrap();
    let pkt = [0u8; 64];
    bpf.prog_test_run(fd, &TestRunOpts::data(&pkt)).unwrap();
    assert_eq!(bpf.prog_get_info(fd).unwrap().info.run_cnt, 0);
    k.sysctl_write(&Cred::root(), "kernel.bpf_stats_enabled", 1).unwrap();
    bpf.prog_test_run(fd, &TestRunOpts { repeat: 5, ..TestRunOpts::data(&pkt) }).unwrap();
    let info = bpf.prog_get_info(fd).unwrap().info;
    assert_eq!(info.run_cnt, 5);
    assert!(info.run_time_ns > 0);
}

#[test]
fn xlated_dump_hides_helper_addresses_without_syslog() {
    let k = kernel_with(false);
    let t = Task::new(Cred::root().with_caps(Caps::all() - Caps::CAP_SYSLOG));
    let helper = BpfInsn::new(BPF_JMP | BPF_CALL, 0, 0, 0, 12345);
    let fd =
        publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, vec![helper, BpfInsn::mov64_imm(0, 0), BpfInsn::exit()])
            .unwrap();
    let bpf = Bpf::new(&k, &t);
    assert_eq!(bpf.prog_get_info(fd).unwrap().xlated[0].imm, 0);
    k.sysctl_write(&Cred::root(), "kernel.perf_event_paranoid", 1).unwrap();
    assert_eq!(bpf.prog_get_info(fd).unwrap().xlated[0].imm, 12345);
}

#[test]
fn prog_ids_walk() {
    let k = kernel_with(false);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let fds: Vec<i32> =
        (0..3).map(|i| publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(i)).unwrap()).collect();
    let mut ids = Vec::new();
    let mut id = 0;
    while let Ok(next) = bpf.prog_get_next_id(id) {
        ids.push(next);
        id = next;
    }
    assert_eq!(ids, k.prog_ids());
    assert_eq!(ids.len(), 3);
    let user = Task::new(Cred::user(1).with_caps(Caps::CAP_BPF));
    assert_eq!(Bpf::new(&k, &user).prog_get_fd_by_id(ids[0]), Err(EPERM));
    let raw = BpfAttrGetId { start_id: ids[0], next_id: 1, ..Default::default() };
    assert_eq!(bpf.sys_bpf(BPF_PROG_GET_FD_BY_ID, &raw.to_bytes()).0, Err(EINVAL));
    // Ids wrap around at INT_MAX, skipping those in use.
    k.prog_idr().set_cursor(i32::MAX as u32 - 1);
    let a = publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(0)).unwrap();
    let b = publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(0)).unwrap();
    assert_eq!(bpf.prog_id(a), Ok(i32::MAX as u32 - 1));
    assert_eq!(bpf.prog_id(b), Ok(4));
    for fd in fds.into_iter().chain([a, b]) {
        bpf.close(fd).unwrap();
    }
}

#[test]
fn test_run_skb() {
    let k = kernel_with(false);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let len = offset_of!(SkBuff, len);
    let pkt: Vec<u8> = (1..=64).collect();
    // Recorded from Linux 6.18.44 (ret42, skb->len): a socket filter sees
    // the packet without its Ethernet header, which comes back zeroed; tc
    // sees (and returns) the whole frame.
    let sf =
        publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, vec![ldx(BPF_W, 0, 1, len), BpfInsn::exit()]).unwrap();
    let out = bpf.prog_test_run(sf, &TestRunOpts::data(&pkt)).unwrap();
    assert_eq!(out.retval, 50);
    assert_eq!(out.data_size_out, 64);
    let mut expect = pkt.clone();
    expect[..14].fill(0);
    assert_eq!(out.data_out, expect);
    let cls = publish(&k, &t, BPF_PROG_TYPE_SCHED_CLS, vec![ldx(BPF_W, 0, 1, len), BpfInsn::exit()]).unwrap();
    let out = bpf.prog_test_run(cls, &TestRunOpts::data(&pkt)).unwrap();
    assert_eq!((out.retval, out.data_out), (64, pkt.clone()));
    // A tc program reads the packet through data / data_end and writes it.
    let data = offset_of!(SkBuff, data);
    let prog = vec![
        ldx(BPF_DW, 2, 1, data),
        ldx(BPF_B, 0, 2, 0),
        BpfInsn::mov64_imm(3, 0xee),
        BpfInsn::new(BPF_STX | BPF_B | BPF_MEM, 2, 3, 1, 0),
        BpfInsn::exit(),
    ];
    let w = publish(&k, &t, BPF_PROG_TYPE_SCHED_CLS, prog).unwrap();
    let out = bpf.prog_test_run(w, &TestRunOpts::data(&pkt)).unwrap();
    assert_eq!(out.retval, 1);
    assert_eq!(out.data_out[1], 0xee);
    // The __sk_buff context: allowed fields in, the skb's values out.
    let mut ctx = vec![0u8; 192];
    ctx[8..12].copy_from_slice(&77u32.to_le_bytes()); // mark
    ctx[32..36].copy_from_slice(&5u32.to_le_bytes()); // priority
    for i in 0..5u32 {
        ctx[48 + 4 * i as usize..52 + 4 * i as usize].copy_from_slice(&(i + 1).to_le_bytes());
    }
    let out = bpf
        .prog_test_run(
            sf,
            &TestRunOpts { ctx_in: Some(ctx.clone()), ctx_size_out: 192, ..TestRunOpts::data(&pkt) },
        )
        .unwrap();
    let mut want = ctx.clone();
    want[40..44].copy_from_slice(&1u32.to_le_bytes()); // ifindex: lo
    want[160..164].copy_from_slice(&50u32.to_le_bytes()); // wire_len
    assert_eq!(out.ctx_out, want);
    assert_eq!(out.ctx_size_out, 192);
    // Errnos recorded from 6.18.44.
    let run = |o: TestRunOpts| bpf.prog_test_run(sf, &o).map(|o| o.retval);
    let mut bad = ctx.clone();
    bad[0] = 1;
    assert_eq!(run(TestRunOpts { ctx_in: Some(bad), ..TestRunOpts::data(&pkt) }), Err(EINVAL));
    let mut long = vec![0u8; 200];
    assert_eq!(run(TestRunOpts { ctx_in: Some(long.clone()), ..TestRunOpts::data(&pkt) }), Ok(50));
    long[199] = 1;
    assert_eq!(run(TestRunOpts { ctx_in: Some(long), ..TestRunOpts::data(&pkt) }), Err(E2BIG));
    assert_eq!(
        bpf.prog_test_run(
            sf,
            &TestRunOpts { ctx_in: Some(ctx.clone()), ctx_size_out: 16, ..TestRunOpts::data(&pkt) }
        ),
        Err(ENOSPC)
    );
    assert_eq!(run(TestRunOpts { data_size_out: 10, ..TestRunOpts::data(&pkt) }), Err(ENOSPC));
    assert_eq!(run(TestRunOpts::data(&pkt[..13])), Err(EINVAL));
    assert_eq!(run(TestRunOpts::default()), Err(EINVAL));
    assert_eq!(run(TestRunOpts::data(&[0; 3712])), Ok(3698));
    assert_eq!(run(TestRunOpts::data(&[0; 3713])), Err(EINVAL));
    assert_eq!(run(TestRunOpts { flags: 2, ..TestRunOpts::data(&pkt) }), Err(EINVAL));
    assert_eq!(run(TestRunOpts { flags: 4, ..TestRunOpts::data(&pkt) }), Ok(50));
    assert_eq!(run(TestRunOpts { cpu: 1, ..TestRunOpts::data(&pkt) }), Err(EINVAL));
    assert_eq!(run(TestRunOpts { batch_size: 1, ..TestRunOpts::data(&pkt) }), Err(EINVAL));
    let mut ifx = vec![0u8; 192];
    ifx[40] = 9;
    assert_eq!(run(TestRunOpts { ctx_in: Some(ifx), ..TestRunOpts::data(&pkt) }), Err(ENODEV));
    let r = bpf
        .prog_test_run(sf, &TestRunOpts { repeat: 1000, data_size_out: 0, ..TestRunOpts::data(&pkt) })
        .unwrap();
    assert_eq!(r.retval, 50);
    // A context size without a pointer, and the other way round.
    let raw = BpfAttrTestRun { prog_fd: sf as u32, ctx_size_in: 8, ..Default::default() };
    assert_eq!(bpf.sys_bpf(BPF_PROG_TEST_RUN, &raw.to_bytes()).0, Err(EINVAL));
    let raw = BpfAttrTestRun { prog_fd: sf as u32, ctx_out: 8, ..Default::default() };
    assert_eq!(bpf.sys_bpf(BPF_PROG_TEST_RUN, &raw.to_bytes()).0, Err(EINVAL));
    // Bad data pointers.
    let raw = BpfAttrTestRun { prog_fd: sf as u32, data_size_in: 64, data_in: 8, ..Default::default() };
    assert_eq!(bpf.sys_bpf(BPF_PROG_TEST_RUN, &raw.to_bytes()).0, Err(EFAULT));
    let din = t.mem().alloc(&pkt);
    let raw = BpfAttrTestRun {
        prog_fd: sf as u32,
        data_size_in: 64,
        data_in: din,
        data_out: 8,
        data_size_out: 64,
        ..Default::default()
    };
    assert_eq!(bpf.sys_bpf(BPF_PROG_TEST_RUN, &raw.to_bytes()).0, Err(EFAULT));
    // Fds.
    assert_eq!(bpf.prog_test_run(999, &TestRunOpts::data(&pkt)), Err(EBADF));
    assert_eq!(bpf.prog_test_run(0, &TestRunOpts::data(&pkt)), Err(EINVAL));
    // Types without a test_run.
    let kp = publish(&k, &t, BPF_PROG_TYPE_KPROBE, ret(0)).unwrap();
    assert_eq!(bpf.prog_test_run(kp, &TestRunOpts::data(&pkt)), Err(ENOTSUPP));
}

#[test]
fn test_run_xdp() {
    let k = kernel_with(false);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let end = offset_of!(XdpBuff, data_end);
    let prog = vec![ldx(BPF_DW, 0, 1, end), BpfInsn::exit()];
    let fd = publish(&k, &t, BPF_PROG_TYPE_XDP, prog).unwrap();
    let pkt: Vec<u8> = (1..=64).collect();
    let out = bpf.prog_test_run(fd, &TestRunOpts::data(&pkt)).unwrap();
    assert_eq!((out.data_size_out, out.data_out.clone()), (64, pkt.clone()));
    let run = |o: TestRunOpts| bpf.prog_test_run(fd, &o);
    let xmd = |d: u32, e: u32, ifx: u32, rxq: u32, eg: u32| {
        let mut c = vec![0u8; 24];
        for (i, v) in [d, e, 0, ifx, rxq, eg].into_iter().enumerate() {
            c[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        c
    };
    // Metadata comes from the caller's buffer, before data.
    let mut with_meta = vec![0xaa; 8];
    with_meta.extend_from_slice(&pkt);
    let out = run(TestRunOpts {
        ctx_in: Some(xmd(8, 72, 0, 0, 0)),
        ctx_size_out: 24,
        ..TestRunOpts::data(&with_meta)
    })
    .unwrap();
    assert_eq!(out.data_size_out, 72);
    assert_eq!(out.data_out, with_meta);
    assert_eq!(out.ctx_out, xmd(8, 72, 0, 0, 0));
    // Recorded from 6.18.44: metadata of 4-byte words up to 216 bytes.
    let meta_run = |m: u32| {
        let mut d = vec![0u8; m as usize];
        d.extend_from_slice(&pkt);
        run(TestRunOpts { ctx_in: Some(xmd(m, m + 64, 0, 0, 0)), data_size_out: 0, ..TestRunOpts::data(&d) })
            .map(|o| o.data_size_out)
    };
    assert_eq!(meta_run(6), Err(EINVAL));
    assert_eq!(meta_run(216), Ok(280));
    assert_eq!(meta_run(220), Err(EINVAL));
    // data_end shorter than the data: the rest goes into a frag.
    let out =
        run(TestRunOpts { ctx_in: Some(xmd(0, 60, 0, 0, 0)), ctx_size_out: 24, ..TestRunOpts::data(&pkt) })
            .unwrap();
    assert_eq!((out.data_size_out, out.data_out.clone()), (64, pkt.clone()));
    assert_eq!(out.ctx_out, xmd(0, 60, 0, 0, 0));
    assert_eq!(
        run(TestRunOpts { ctx_in: Some(xmd(0, 70, 0, 0, 0)), ..TestRunOpts::data(&pkt) }),
        Err(EINVAL)
    );
    assert_eq!(
        run(TestRunOpts { ctx_in: Some(xmd(4, 14, 0, 0, 0)), ..TestRunOpts::data(&pkt[..14]) }),
        Err(EINVAL)
    );
    assert_eq!(
        run(TestRunOpts { ctx_in: Some(xmd(0, 64, 1, 1, 0)), ..TestRunOpts::data(&pkt) }),
        Err(EINVAL)
    );
    assert_eq!(
        run(TestRunOpts { ctx_in: Some(xmd(0, 64, 99, 0, 0)), ..TestRunOpts::data(&pkt) }),
        Err(ENODEV)
    );
    assert_eq!(
        run(TestRunOpts { ctx_in: Some(xmd(0, 64, 0, 1, 0)), ..TestRunOpts::data(&pkt) }),
        Err(EINVAL)
    );
    assert_eq!(
        run(TestRunOpts { ctx_in: Some(xmd(0, 64, 0, 0, 1)), ..TestRunOpts::data(&pkt) }),
        Err(EINVAL)
    );
    assert!(run(TestRunOpts { ctx_in: Some(xmd(0, 64, 1, 0, 0)), ..TestRunOpts::data(&pkt) }).is_ok());
    // Flags, batch, cpu.
    assert_eq!(run(TestRunOpts { flags: 1, ..TestRunOpts::data(&pkt) }), Err(EINVAL));
    assert_eq!(run(TestRunOpts { batch_size: 1, ..TestRunOpts::data(&pkt) }), Err(EINVAL));
    assert!(run(TestRunOpts { cpu: 1, ..TestRunOpts::data(&pkt) }).is_ok());
    assert_eq!(run(TestRunOpts::data(&pkt[..13])), Err(EINVAL));
    // Beyond the page's linear part: frags, up to MAX_SKB_FRAGS pages.
    let big: Vec<u8> = (0..5120u32).map(|i| i as u8).collect();
    let out = run(TestRunOpts { data_size_out: 5120, ..TestRunOpts::data(&big) }).unwrap();
    assert_eq!((out.data_size_out, out.data_out.len()), (5120, 5120));
    assert_eq!(out.data_out, big);
    let ok_max = vec![0u8; 3520 + 17 * 4096];
    assert!(run(TestRunOpts { data_size_out: 0, ..TestRunOpts::data(&ok_max) }).is_ok());
    let mut too_big = ok_max.clone();
    too_big.push(0);
    assert_eq!(run(TestRunOpts { data_size_out: 0, ..TestRunOpts::data(&too_big) }), Err(ENOMEM));
    assert_eq!(run(TestRunOpts { data_size_out: 100, ..TestRunOpts::data(&big) }), Err(ENOSPC));
}

#[test]
fn test_run_ctx_only_types() {
    let k = kernel_with(false);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    // raw_tp: r0 = ctx[1]
    let fd =
        publish(&k, &t, BPF_PROG_TYPE_RAW_TRACEPOINT, vec![ldx(BPF_DW, 0, 1, 8), BpfInsn::exit()]).unwrap();
    let args: Vec<u8> = [5u64, 9].iter().flat_map(|v| v.to_le_bytes()).collect();
    let out =
        bpf.prog_test_run(fd, &TestRunOpts { ctx_in: Some(args.clone()), ..Default::default() }).unwrap();
    assert_eq!(out.retval, 9);
    assert_eq!(
        bpf.prog_test_run(fd, &TestRunOpts { ctx_in: Some(args.clone()), repeat: 2, ..Default::default() }),
        Err(EINVAL)
    );
    assert_eq!(
        bpf.prog_test_run(fd, &TestRunOpts { ctx_in: Some(vec![0; 104]), ..Default::default() }),
        Err(EINVAL)
    );
    assert_eq!(
        bpf.prog_test_run(fd, &TestRunOpts { ctx_in: Some(args.clone()), cpu: 1, ..Default::default() }),
        Err(EINVAL)
    );
    let on = BpfTestRunFlags::BPF_F_TEST_RUN_ON_CPU.bits();
    assert!(bpf
        .prog_test_run(
            fd,
            &TestRunOpts { ctx_in: Some(args.clone()), cpu: 1, flags: on, ..Default::default() }
        )
        .is_ok());
    assert_eq!(
        bpf.prog_test_run(fd, &TestRunOpts { ctx_in: Some(args), cpu: 7, flags: on, ..Default::default() }),
        Err(ENXIO)
    );
    // syscall: writes its context, which comes back in place.
    let fd = publish(
        &k,
        &t,
        BPF_PROG_TYPE_SYSCALL,
        vec![
            BpfInsn::mov64_imm(2, 77),
            BpfInsn::new(BPF_STX | BPF_W | BPF_MEM, 1, 2, 0, 0),
            BpfInsn::mov64_imm(0, 3),
            BpfInsn::exit(),
        ],
    )
    .unwrap();
    let ctx = t.mem().alloc(&[0; 8]);
    let raw = BpfAttrTestRun { prog_fd: fd as u32, ctx_in: ctx, ctx_size_in: 8, ..Default::default() };
    let (r, after) = bpf.sys_bpf(BPF_PROG_TEST_RUN, &raw.to_bytes());
    assert_eq!(r, Ok(0));
    assert_eq!(BpfAttrTestRun::from_bytes(&after).retval, 3);
    assert_eq!(t.mem().read(ctx, 4).unwrap(), 77u32.to_le_bytes());
    assert_eq!(bpf.prog_test_run(fd, &TestRunOpts { repeat: 1, ..Default::default() }), Err(EINVAL));
}

#[test]
fn cgroup_attach_rules_and_packets() {
    let k = kernel_with(false);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let a = k.cgroup_mkdir(&k.cgroup_root(), "a");
    let b = k.cgroup_mkdir(&a, "b");
    let c = k.cgroup_mkdir(&b, "c");
    assert_eq!(c.path(), "/a/b/c");
    let (fa, fb, fc) = (t.open_cgroup(&a).unwrap(), t.open_cgroup(&b).unwrap(), t.open_cgroup(&c).unwrap());
    let cg = |r: i32| publish(&k, &t, BPF_PROG_TYPE_CGROUP_SKB, ret(r)).unwrap();
    let (p1, p2, p3) = (cg(1), cg(1), cg(0));
    let sf = publish(&k, &t, BPF_PROG_TYPE_SOCKET_FILTER, ret(1)).unwrap();
    let id = |fd| bpf.prog_id(fd).unwrap();
    let ing = BPF_CGROUP_INET_INGRESS;
    let none = AttachOpts::default();
    let multi = AttachOpts { flags: BpfAttachFlags::BPF_F_ALLOW_MULTI.bits(), ..none };
    let over = AttachOpts { flags: BpfAttachFlags::BPF_F_ALLOW_OVERRIDE.bits(), ..none };
    // The sequence recorded from Linux 6.18.44 on a cgroup2 hierarchy.
    assert_eq!(bpf.prog_attach(fa as u32, p1, ing, &none), Ok(()));
    assert_eq!(a.query(ing), (vec![id(p1)], 0, 2));
    assert_eq!(bpf.prog_attach(fa as u32, p2, ing, &none), Ok(()), "NONE replaces");
    assert_eq!(a.query(ing), (vec![id(p2)], 0, 3));
    assert_eq!(bpf.prog_attach(fa as u32, p3, ing, &multi), Err(EPERM));
    assert_eq!(bpf.prog_attach(fb as u32, p1, ing, &none), Err(EPERM), "parent has NONE");
    assert_eq!(bpf.prog_detach(fa as u32, 0, ing, &none), Ok(()));
    assert_eq!(a.query(ing), (vec![], 0, 4));
    assert_eq!(bpf.prog_attach(fa as u32, p1, ing, &over), Ok(()));
    assert_eq!(bpf.prog_attach(fb as u32, p2, ing, &none), Ok(()));
    assert_eq!(bpf.prog_attach(fc as u32, p3, ing, &none), Err(EPERM));
    assert_eq!(bpf.prog_detach(fb as u32, p2, ing, &none), Ok(()));
    assert_eq!(bpf.prog_detach(fb as u32, p2, ing, &none), Err(ENOENT));
    assert_eq!(bpf.prog_detach(fa as u32, p1, ing, &none), Ok(()));
    assert_eq!(bpf.prog_attach(fa as u32, p1, ing, &multi), Ok(()));
    assert_eq!(bpf.prog_attach(fa as u32, p2, ing, &multi), Ok(()));
    assert_eq!(bpf.prog_attach(fa as u32, p1, ing, &multi), Err(EINVAL), "twice");
    assert_eq!(bpf.prog_attach(fa as u32, p3, ing, &over), Err(EPERM));
    assert_eq!(bpf.prog_attach(fa as u32, p3, ing, &none), Err(EPERM));
    let before_p1 = AttachOpts {
        flags: (BpfAttachFlags::BPF_F_ALLOW_MULTI | BpfAttachFlags::BPF_F_BEFORE).bits(),
        relative_fd: p1 as u32,
        ..none
    };
    assert_eq!(bpf.prog_attach(fa as u32, p3, ing, &before_p1), Ok(()));
    assert_eq!(a.query(ing).0, vec![id(p3), id(p1), id(p2)]);
    let both = AttachOpts { flags: 3, ..none };
    assert_eq!(bpf.prog_attach(fb as u32, p3, ing, &both), Err(EINVAL));
    let replace_only = AttachOpts { flags: BpfAttachFlags::BPF_F_REPLACE.bits(), ..none };
    assert_eq!(bpf.prog_attach(fb as u32, p3, ing, &replace_only), Err(EINVAL));
    let repl = AttachOpts {
        flags: (BpfAttachFlags::BPF_F_ALLOW_MULTI | BpfAttachFlags::BPF_F_REPLACE).bits(),
        replace_fd: p1 as u32,
        ..none
    };
    assert_eq!(bpf.prog_attach(fb as u32, p3, ing, &repl), Err(ENOENT));
    assert_eq!(
        bpf.prog_attach(fa as u32, p3, ing, &AttachOpts { replace_fd: sf as u32, ..repl }),
        Err(EINVAL)
    );
    assert_eq!(bpf.prog_attach(fa as u32, sf, ing, &none), Err(EINVAL));
    assert_eq!(bpf.prog_attach(fa as u32, p1, BpfAttachType(999), &none), Err(EINVAL));
    assert_eq!(bpf.prog_attach(fa as u32, p1, BPF_XDP, &none), Err(EINVAL));
    assert_eq!(bpf.prog_attach(sf as u32, p1, ing, &none), Err(EBADF));
    assert_eq!(bpf.prog_attach(999, p1, ing, &none), Err(EBADF));
    assert_eq!(bpf.prog_attach(fa as u32, 999, ing, &none), Err(EBADF));
    assert_eq!(bpf.prog_attach(fa as u32, p1, ing, &AttachOpts { flags: 1 << 10, ..none }), Err(EINVAL));
    assert_eq!(bpf.prog_attach(fa as u32, p1, ing, &AttachOpts { relative_fd: 5, ..multi }), Err(EINVAL));
    assert_eq!(bpf.prog_detach(fa as u32, p1, ing, &multi), Err(EINVAL));
    assert_eq!(bpf.prog_detach(fa as u32, p1, BpfAttachType(999), &none), Err(EINVAL));
    assert_eq!(bpf.prog_detach(fa as u32, sf, ing, &none), Err(EINVAL));
    assert_eq!(bpf.prog_attach(fa as u32, p1, BPF_CGROUP_INET_EGRESS, &multi), Ok(()));
    assert_eq!(a.query(BPF_CGROUP_INET_EGRESS), (vec![id(p1)], 2, 2));
    // A stale revision.
    assert_eq!(
        bpf.prog_attach(fa as u32, p2, BPF_CGROUP_INET_EGRESS, &AttachOpts { expected_revision: 1, ..multi }),
        Err(ESTALE)
    );
    // Packets: effective programs of c are a's (MULTI); p3 returns 0.
    let frame = [0u8; 64];
    assert_eq!(c.effective(ing).len(), 3);
    assert_eq!(k.cgroup_skb_ingress(&c, &frame, &t.cred()), Err(EPERM));
    assert_eq!(k.cgroup_skb_egress(&c, &frame, &t.cred()), CgroupEgress::Success);
    bpf.prog_detach(fa as u32, p3, ing, &none).unwrap();
    assert_eq!(k.cgroup_skb_ingress(&c, &frame, &t.cred()), Ok(()));
    // cgroup skb programs load unprivileged but attach with CAP_NET_ADMIN.
    let net_less = Task::new(Cred::root().with_caps(Caps::CAP_BPF));
    let nfd = net_less.open_cgroup(&a).unwrap();
    let np = net_less.fd_install(crate::task::File::Prog(k.prog_by_id(id(p2)).unwrap())).unwrap();
    assert_eq!(
        Bpf::new(&k, &net_less).prog_attach(nfd as u32, np, BPF_CGROUP_INET_EGRESS, &multi),
        Err(EINVAL)
    );
    // Attached programs live as long as they are attached.
    let p2_id = id(p2);
    bpf.close(p2).unwrap();
    net_less.close(np).unwrap();
    assert!(k.prog_ids().contains(&p2_id));
    bpf.prog_detach(fa as u32, 0, ing, &none).unwrap_err();
    let p2_again = bpf.prog_get_fd_by_id(p2_id).unwrap();
    bpf.prog_detach(fa as u32, p2_again, ing, &none).unwrap();
    bpf.close(p2_again).unwrap();
    assert!(!k.prog_ids().contains(&p2_id));
}

#[test]
fn tcx_attach_and_packets() {
    let k = kernel_with(false);
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let eth = k.netdev_add("eth0", true, 1);
    // TCX_NEXT, then TCX_DROP.
    let next = publish(&k, &t, BPF_PROG_TYPE_SCHED_CLS, ret(-1)).unwrap();
    let drop_ = publish(&k, &t, BPF_PROG_TYPE_SCHED_CLS, ret(2)).unwrap();
    let none = AttachOpts::default();
    bpf.prog_attach(eth, next, BPF_TCX_INGRESS, &none).unwrap();
    let dev = k.dev_get_by_index(eth).unwrap();
    let frame = vec![0x11u8; 64];
    assert_eq!(k.tcx_run(eth, true, &frame, &t.cred()).unwrap(), (TcxAction::Next, frame.clone()));
    bpf.prog_attach(eth, drop_, BPF_TCX_INGRESS, &none).unwrap();
    assert_eq!(k.tcx_run(eth, true, &frame, &t.cred()).unwrap().0, TcxAction::Drop);
    assert_eq!(dev.tcx_query(BPF_TCX_INGRESS).1, 3);
    assert_eq!(bpf.prog_attach(eth, next, BPF_TCX_INGRESS, &none), Err(EEXIST));
    assert_eq!(bpf.prog_attach(999, next, BPF_TCX_EGRESS, &none), Err(ENODEV));
    assert_eq!(bpf.prog_attach(eth, next, BPF_TCX_EGRESS, &AttachOpts { flags: 2, ..none }), Err(EINVAL));
    let xdp = publish(&k, &t, BPF_PROG_TYPE_XDP, ret(2)).unwrap();
    assert_eq!(bpf.prog_attach(eth, xdp, BPF_TCX_INGRESS, &none), Err(EINVAL));
    assert_eq!(bpf.prog_detach(eth, next, BPF_TCX_EGRESS, &none), Err(ENOENT));
    // Detaching without a program takes the last one.
    bpf.prog_detach(eth, 0, BPF_TCX_INGRESS, &none).unwrap();
    assert_eq!(k.tcx_run(eth, true, &frame, &t.cred()).unwrap().0, TcxAction::Next);
    assert_eq!(k.tcx_run(eth, false, &frame, &t.cred()).unwrap().0, TcxAction::Next);
}

#[test]
fn concurrent_load_run_lookup_close() {
    // Several threads publish, run, find by id and close programs at once
    // while another walks the ids: every id is unique, every program is
    // freed exactly once, and the kernel ends empty.
    let k = kernel_with(true);
    let t = Task::root();
    const THREADS: usize = 4;
    const ROUNDS: usize = 40;
    let all_ids = parking_lot::Mutex::new(Vec::new());
    crossbeam_utils::thread::scope(|s| {
        for n in 0..THREADS {
            let (k, t, all_ids) = (&k, &t, &all_ids);
            s.spawn(move |_| {
                let bpf = Bpf::new(k, t);
                for i in 0..ROUNDS {
                    let v = (n * 1000 + i) as i32;
                    let fd = publish(k, t, BPF_PROG_TYPE_SOCKET_FILTER, ret(v)).unwrap();
                    let id = bpf.prog_id(fd).unwrap();
                    all_ids.lock().push(id);
                    let out = bpf.prog_test_run(fd, &TestRunOpts::data(&[0; 64])).unwrap();
                    assert_eq!(out.retval, v as u32);
                    let again = bpf.prog_get_fd_by_id(id).unwrap();
                    assert_eq!(bpf.prog_id(again), Ok(id));
                    bpf.close(fd).unwrap();
                    let out = bpf.prog_test_run(again, &TestRunOpts::data(&[0; 64])).unwrap();
                    assert_eq!(out.retval, v as u32);
                    bpf.close(again).unwrap();
                    // Gone, unless the walker holds it this instant.
                    match bpf.prog_get_fd_by_id(id) {
                        Err(ENOENT) => {}
                        Ok(fd) => bpf.close(fd).unwrap(),
                        Err(e) => panic!("{e}"),
                    }
                }
            });
        }
        let (k, t) = (&k, &t);
        s.spawn(move |_| {
            let bpf = Bpf::new(k, t);
            for _ in 0..200 {
                let mut id = 0;
                while let Ok(next) = bpf.prog_get_next_id(id) {
                    assert!(next > id);
                    if let Ok(fd) = bpf.prog_get_fd_by_id(next) {
                        bpf.close(fd).unwrap();
                    }
                    id = next;
                }
            }
        });
    })
    .unwrap();
    let mut ids = all_ids.into_inner();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are unique");
    assert_eq!(n, THREADS * ROUNDS);
    assert!(k.prog_ids().is_empty() && k.kallsyms().is_empty());
    let s = k.stats();
    assert_eq!((s.progs_loaded, s.progs_freed), (n as u64, n as u64));
    let unloads = k
        .perf_records()
        .iter()
        .filter(|r| matches!(r, PerfRecord::BpfEvent { event: PerfBpfEventType::ProgUnload, .. }))
        .count();
    assert_eq!(unloads, n);
    assert_eq!(t.fd_count(), 3);
}

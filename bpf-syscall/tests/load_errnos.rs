//! Every errno path of `bpf_prog_load` before and at `bpf_check`, each
//! checked to leave nothing behind: no program id, no kallsyms entry, no
//! fd, no perf or audit record, no mapping of the typed API, no map
//! reference.
//!
//! The expected errnos were recorded from Linux 6.18.44 (the
//! `kernel_oracle.py` machine) with the same attributes, except where a
//! comment says the path cannot be reached there.

mod common;

use bpf_core::errno::*;
use bpf_core::uapi::*;
use bpf_syscall::{__sys_bpf, Bpf, Caps, Cred, Kernel, MapCreateOpts, ProgLoadOpts, Task};
use common::{failed_step, labels, Snapshot};
use std::sync::Arc;

fn ret42() -> Vec<BpfInsn> {
    vec![BpfInsn::mov64_imm(0, 42), BpfInsn::exit()]
}

/// Loads with `opts` as `task`, checks the errno, the failing step and
/// that nothing leaked.
fn expect(kernel: &Kernel, task: &Task, opts: &ProgLoadOpts, errno: Errno, step: &str) {
    let before = Snapshot::take(kernel, task);
    let mut opts = opts.clone();
    opts.trace = true;
    let out = Bpf::new(kernel, task).prog_load(&opts);
    assert_eq!(out.result, Err(errno), "{step}");
    let trace = out.trace.expect("traced");
    assert_eq!(failed_step(&trace), Some((step, errno.0)), "{}", trace.arrow_chain());
    before.assert_unchanged(kernel, task, step);
}

fn root() -> (Kernel, Task) {
    (Kernel::new(), Task::root())
}

#[test]
fn attr_tail_must_be_zero() {
    let (k, t) = root();
    let before = Snapshot::take(&k, &t);
    let attr = BpfAttrProgLoad { prog_type: 1, insn_cnt: 2, ..Default::default() };
    let mut bytes = attr.to_bytes();
    bytes.extend_from_slice(&[0, 0, 0, 1]);
    let addr = t.mem().alloc(&bytes);
    assert_eq!(__sys_bpf(&k, &t, BPF_PROG_LOAD, addr, bytes.len() as u32), Err(E2BIG));
    // More than a page is refused whatever it holds.
    let big = t.mem().alloc_zeroed(4097);
    assert_eq!(__sys_bpf(&k, &t, BPF_PROG_LOAD, big, 4097), Err(E2BIG));
    // A zero tail is fine: the load goes on (to insn_cnt == 0 here).
    let zero = t.mem().alloc_zeroed(200);
    assert_eq!(__sys_bpf(&k, &t, BPF_PROG_LOAD, zero, 200), Err(E2BIG));
    // An attr pointer that faults.
    assert_eq!(__sys_bpf(&k, &t, BPF_PROG_LOAD, 0, 168), Err(EFAULT));
    assert_eq!(__sys_bpf(&k, &t, BPF_PROG_LOAD, addr + 4096, 168), Err(EFAULT));
    // A faulting tail is EFAULT, not E2BIG.
    let short = t.mem().alloc_zeroed(168);
    assert_eq!(__sys_bpf(&k, &t, BPF_PROG_LOAD, short, 176), Err(EFAULT));
    for a in [addr, big, zero, short] {
        t.mem().free(a).unwrap();
    }
    before.assert_unchanged(&k, &t, "tail");
    // A short attr reads as zero-extended: insn_cnt == 0.
    let tiny = t.mem().alloc(&1u32.to_le_bytes());
    assert_eq!(__sys_bpf(&k, &t, BPF_PROG_LOAD, tiny, 4), Err(E2BIG));
}

#[test]
fn unknown_prog_flags() {
    let (k, t) = root();
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    o.prog_flags = 1 << 10;
    expect(&k, &t, &o, EINVAL, "prog_flags");
}

#[test]
fn insn_counts() {
    let (k, t) = root();
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, vec![]);
    expect(&k, &t, &o, E2BIG, "insn_cnt");
    o.insns = vec![BpfInsn::exit(); BPF_COMPLEXITY_LIMIT_INSNS as usize + 1];
    expect(&k, &t, &o, E2BIG, "insn_cnt");
    // Without CAP_BPF the limit is BPF_MAXINSNS (with unprivileged BPF allowed).
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 0).unwrap();
    let user = Task::new(Cred::user(1000));
    o.insns = vec![BpfInsn::exit(); BPF_MAXINSNS as usize + 1];
    expect(&k, &user, &o, E2BIG, "insn_cnt");
    // Exactly BPF_MAXINSNS gets past the check (to the verifier).
    o.insns = vec![BpfInsn::exit(); BPF_MAXINSNS as usize];
    let out = Bpf::new(&k, &user).prog_load(&ProgLoadOpts { trace: true, ..o });
    assert!(out.trace.unwrap().calls().contains(&"bpf_check"));
}

#[test]
fn capabilities() {
    let k = Kernel::new();
    let sf = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    let xdp = ProgLoadOpts::new(BPF_PROG_TYPE_XDP, ret42());
    let kprobe = ProgLoadOpts::new(BPF_PROG_TYPE_KPROBE, ret42());
    let user = Task::new(Cred::user(1000));
    // kernel.unprivileged_bpf_disabled = 2 (the default): no CAP_BPF, no load.
    expect(&k, &user, &sf, EPERM, "sysctl_unprivileged_bpf_disabled");
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 0).unwrap();
    // Unprivileged, only socket filters and cgroup skb programs.
    expect(&k, &user, &xdp, EPERM, "bpf_capable");
    let cg = ProgLoadOpts {
        expected_attach_type: BPF_CGROUP_INET_INGRESS.0,
        ..ProgLoadOpts::new(BPF_PROG_TYPE_CGROUP_SKB, ret42())
    };
    let out = Bpf::new(&k, &user).prog_load(&ProgLoadOpts { trace: true, ..cg });
    assert!(out.trace.unwrap().calls().contains(&"bpf_check"), "cgroup skb passes the capability checks");
    // CAP_BPF alone: networking types need CAP_NET_ADMIN, tracing types CAP_PERFMON.
    let bpf_only = Task::new(Cred::user(1000).with_caps(Caps::CAP_BPF));
    expect(&k, &bpf_only, &xdp, EPERM, "is_net_admin_prog_type");
    expect(&k, &bpf_only, &kprobe, EPERM, "is_perfmon_prog_type");
    let net = Task::new(Cred::user(1000).with_caps(Caps::CAP_BPF | Caps::CAP_NET_ADMIN));
    expect(&k, &net, &kprobe, EPERM, "is_perfmon_prog_type");
    let out = Bpf::new(&k, &net).prog_load(&ProgLoadOpts { trace: true, ..xdp.clone() });
    assert!(out.trace.unwrap().calls().contains(&"bpf_check"));
    // CAP_SYS_ADMIN stands in for all of them.
    let admin = Task::new(Cred::user(1000).with_caps(Caps::CAP_SYS_ADMIN));
    let out = Bpf::new(&k, &admin).prog_load(&ProgLoadOpts { trace: true, ..kprobe });
    assert!(out.trace.unwrap().calls().contains(&"bpf_check"));
    // With unprivileged BPF disabled for good, CAP_BPF still loads.
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 1).unwrap();
    expect(&k, &user, &sf, EPERM, "sysctl_unprivileged_bpf_disabled");
    let out = Bpf::new(&k, &bpf_only).prog_load(&ProgLoadOpts { trace: true, ..sf });
    assert!(out.trace.unwrap().calls().contains(&"bpf_check"));
}

#[test]
fn attach_checks() {
    let (k, t) = root();
    // A cgroup skb program must expect an skb attach type.
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_CGROUP_SKB, ret42());
    o.expected_attach_type = BPF_CGROUP_INET_SOCK_CREATE.0;
    expect(&k, &t, &o, EINVAL, "bpf_prog_load_check_attach");
    // A syscall program may not expect any.
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SYSCALL, ret42());
    o.expected_attach_type = 1;
    expect(&k, &t, &o, EINVAL, "bpf_prog_load_check_attach");
    // A BTF attach target needs vmlinux BTF, which this model has none of.
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    o.attach_btf_id = 5;
    expect(&k, &t, &o, EINVAL, "bpf_get_btf_vmlinux");
    // attach_prog_fd that is no program (and no BTF object).
    let bpf = Bpf::new(&k, &t);
    let map = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).unwrap();
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    o.attach_prog_fd = map as u32;
    expect(&k, &t, &o, EINVAL, "btf_get_by_fd");
    o.attach_prog_fd = 999;
    expect(&k, &t, &o, EINVAL, "btf_get_by_fd");
    // Old cgroup sock programs get their default attach type and pass.
    let o = ProgLoadOpts { trace: true, ..ProgLoadOpts::new(BPF_PROG_TYPE_CGROUP_SOCK, ret42()) };
    assert!(bpf.prog_load(&o).trace.unwrap().calls().contains(&"bpf_check"));
}

#[test]
fn unknown_types() {
    let (k, t) = root();
    expect(&k, &t, &ProgLoadOpts::new(BpfProgType(999), ret42()), EINVAL, "find_prog_type");
    expect(&k, &t, &ProgLoadOpts::new(BPF_PROG_TYPE_UNSPEC, ret42()), EINVAL, "find_prog_type");
}

#[test]
fn bad_user_pointers() {
    let (k, t) = root();
    let bpf = Bpf::new(&k, &t);
    let before = Snapshot::take(&k, &t);
    let insns: Vec<u8> = ret42().iter().flat_map(|i| i.to_bytes()).collect();
    let code = t.mem().alloc(&insns);
    let gpl = t.mem().alloc(b"GPL\0");
    let load = |insns_ptr: u64, insn_cnt: u32, license: u64| {
        let attr =
            BpfAttrProgLoad { prog_type: 1, insn_cnt, insns: insns_ptr, license, ..Default::default() };
        t.set_tracing(true);
        let r = bpf.sys_bpf(BPF_PROG_LOAD, &attr.to_bytes()).0;
        if let Ok(fd) = r {
            // Loaded (with a verifier that accepts `r0 = 42; exit`): close it.
            t.close(fd).unwrap();
        }
        (r, t.take_trace().unwrap())
    };
    for (ptr, cnt, lic) in [(0, 2, gpl), (code + 8, 2, gpl), (code, 3, gpl)] {
        let (r, trace) = load(ptr, cnt, lic);
        assert_eq!(r, Err(EFAULT));
        assert_eq!(failed_step(&trace), Some(("copy_from_bpfptr", EFAULT.0)));
        assert_eq!(labels(&trace), ["free_prog"]);
    }
    for lic in [0, gpl + 4096, gpl + 2] {
        let (r, trace) = load(code, 2, lic);
        if lic == gpl + 2 {
            // "L\0" is a license (not GPL-compatible): the load goes on.
            assert!(trace.calls().contains(&"license_is_gpl_compatible"));
            continue;
        }
        assert_eq!(r, Err(EFAULT));
        assert_eq!(failed_step(&trace), Some(("strncpy_from_bpfptr", EFAULT.0)));
    }
    // An unterminated license is cut at 127 bytes, not a fault.
    let long = t.mem().alloc(&[b'G'; 127]);
    let (_, trace) = load(code, 2, long);
    assert!(trace.calls().contains(&"license_is_gpl_compatible"));
    for a in [code, gpl, long] {
        t.mem().free(a).unwrap();
    }
    before.assert_no_leak(&k, &t, "pointers");
}

#[test]
fn names_signatures_tokens() {
    let (k, t) = root();
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    o.name = "no spaces".into();
    expect(&k, &t, &o, EINVAL, "bpf_obj_name_cpy");
    // A program signature needs a keyring, which this kernel lacks (as the
    // recording machine: EOPNOTSUPP).
    let bpf = Bpf::new(&k, &t);
    let sig = t.mem().alloc(&[1; 16]);
    let insns: Vec<u8> = ret42().iter().flat_map(|i| i.to_bytes()).collect();
    let code = t.mem().alloc(&insns);
    let gpl = t.mem().alloc(b"GPL\0");
    let attr = BpfAttrProgLoad {
        prog_type: 1,
        insn_cnt: 2,
        insns: code,
        license: gpl,
        signature: sig,
        signature_size: 16,
        ..Default::default()
    };
    assert_eq!(bpf.sys_bpf(BPF_PROG_LOAD, &attr.to_bytes()).0, Err(EOPNOTSUPP));
    // BPF_F_TOKEN_FD with an fd that is no token.
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    o.prog_flags = BpfProgFlags::BPF_F_TOKEN_FD.bits();
    expect(&k, &t, &o, EINVAL, "bpf_token_get_from_fd");
}

#[test]
fn device_binding() {
    let devs = Arc::new(bpf_offload::BpfOffloadDevs::default());
    let k = Kernel::with_config(bpf_syscall::KernelConfig { offload: devs.clone(), ..Default::default() });
    let t = Task::root();
    // Recorded on 6.18.44: no such device EINVAL, lo (no ndo_bpf)
    // EOPNOTSUPP, offload to a device without an offload engine EINVAL,
    // a socket filter with an ifindex EINVAL.
    let eth = k.netdev_add("eth0", true, 1);
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_XDP, ret42());
    o.prog_ifindex = 99;
    expect(&k, &t, &o, EINVAL, "bpf_prog_dev_bound_init");
    o.prog_ifindex = 1;
    o.prog_flags = BpfProgFlags::BPF_F_XDP_DEV_BOUND_ONLY.bits();
    expect(&k, &t, &o, EOPNOTSUPP, "bpf_prog_dev_bound_init");
    o.prog_ifindex = eth;
    o.prog_flags = 0;
    expect(&k, &t, &o, EINVAL, "bpf_prog_dev_bound_init");
    let mut sf = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    sf.prog_ifindex = eth;
    expect(&k, &t, &sf, EINVAL, "bpf_prog_dev_bound_init");
    // Bound (not offloaded) to eth0, the program reaches the verifier;
    // when the verifier refuses it, the binding is undone.
    o.prog_flags = BpfProgFlags::BPF_F_XDP_DEV_BOUND_ONLY.bits();
    o.trace = true;
    let out = Bpf::new(&k, &t).prog_load(&o);
    if let Ok(fd) = out.result {
        assert_eq!(devs.bpf_offload_find_netdev(eth).map(|d| d.progs), Some(1));
        Bpf::new(&k, &t).close(fd).unwrap();
        assert_eq!(devs.bpf_offload_find_netdev(eth).map(|d| d.progs), Some(0), "unbound on release");
    } else {
        assert!(out.trace.unwrap().calls().contains(&"bpf_check"));
        assert_eq!(devs.bpf_offload_find_netdev(eth).map(|d| d.progs), Some(0), "unbound again");
    }
}

#[test]
fn refused_by_the_verifier_drops_its_map_references() {
    let (k, t) = root();
    let bpf = Bpf::new(&k, &t);
    let fd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 8, 4)).unwrap();
    let id = k.map_ids()[0];
    let map = k.map_by_id(id).unwrap();
    let refs = Arc::strong_count(&map);
    // r1 = map; r0 = *(u64 *)(r1 + 0) is refused (a map pointer is not
    // memory a program may read).
    let [a, b] = BpfInsn::ld_map_fd(1, fd);
    let insns = vec![a, b, BpfInsn::ldx_mem(BPF_DW, 0, 1, 0), BpfInsn::exit()];
    let before = Snapshot::take(&k, &t);
    let out = bpf.prog_load(&ProgLoadOpts {
        trace: true,
        log_level: 1,
        log_size: 4096,
        ..ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, insns)
    });
    assert!(out.result.is_err());
    let trace = out.trace.unwrap();
    assert_eq!(failed_step(&trace).map(|s| s.0), Some("bpf_check"));
    assert_eq!(labels(&trace), ["free_used_maps"]);
    before.assert_unchanged(&k, &t, "verifier refusal");
    assert_eq!(Arc::strong_count(&map), refs, "the program's map reference went with it");
    drop(map);
    bpf.close(fd).unwrap();
    assert!(k.map_ids().is_empty());
}

#[test]
fn trace_reads_as_the_load_sequence() {
    let (k, t) = root();
    let mut o = ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret42());
    o.name = "bad name".into();
    o.trace = true;
    let out = Bpf::new(&k, &t).prog_load(&o);
    assert_eq!(
        out.trace.unwrap().arrow_chain(),
        "bpf_prog_load -> CHECK_ATTR -> bpf_prog_load_fixup_attach_type -> bpf_prog_load_check_attach -> \
         bpf_prog_alloc -> get_current_user -> copy_from_bpfptr -> strncpy_from_bpfptr -> \
         license_is_gpl_compatible -> find_prog_type -> bpf_obj_name_cpy = -EINVAL -> free_prog:"
    );
}

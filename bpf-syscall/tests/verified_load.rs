//! `bpf_prog_load` all the way through: programs the verifier accepts,
//! the errno paths that need it (the log buffer), a failure after the
//! program was published, and many threads loading, running, finding and
//! closing programs at once.
//!
//! Expected errnos recorded from Linux 6.18.44 with the same attributes.

mod common;

use bpf_core::errno::*;
use bpf_core::uapi::*;
use bpf_syscall::{
    Bpf, Kernel, MapCreateOpts, PerfBpfEventType, PerfRecord, ProgLoadOpts, Task, TestRunOpts,
};
use common::{failed_step, labels, Snapshot};
use std::sync::Arc;

fn ret(v: i32) -> Vec<BpfInsn> {
    vec![BpfInsn::mov64_imm(0, v), BpfInsn::exit()]
}

#[test]
fn load_run_inspect_close() {
    let k = Kernel::new();
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let before = Snapshot::take(&k, &t);
    let out = bpf.prog_load(&ProgLoadOpts {
        name: "ret42".into(),
        trace: true,
        ..ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret(42))
    });
    let fd = out.result.expect("the verifier accepts r0 = 42; exit");
    let chain = out.trace.unwrap().arrow_chain();
    assert!(
        chain.ends_with(
            "bpf_check -> bpf_prog_select_runtime -> bpf_prog_alloc_id -> bpf_prog_kallsyms_add -> \
             perf_event_bpf_event -> bpf_audit_prog -> bpf_prog_new_fd"
        ),
        "{chain}"
    );
    let info = bpf.prog_get_info(fd).unwrap();
    assert_eq!(bpf_core::uapi::obj_name_str(&info.info.name), "ret42");
    // The tag the kernel reports for this program (6.18.44).
    assert_eq!(info.info.tag, [0x76, 0xb7, 0x61, 0xcd, 0xf4, 0x20, 0x38, 0x94]);
    assert_eq!(info.xlated, ret(42));
    assert_eq!(info.info.verified_insns, 2);
    assert_eq!(bpf.prog_test_run(fd, &TestRunOpts::data(&[0; 64])).unwrap().retval, 42);
    // The interpreter runs it (the JIT declines): no kallsyms entry.
    assert!(k.kallsyms().is_empty());
    assert_eq!(k.audit_log().len(), 1);
    bpf.close(fd).unwrap();
    assert!(k.prog_ids().is_empty());
    let events: Vec<_> = k
        .perf_records()
        .into_iter()
        .map(|r| match r {
            PerfRecord::BpfEvent { event, .. } => event,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(events, [PerfBpfEventType::ProgLoad, PerfBpfEventType::ProgUnload]);
    let s = Snapshot::take(&k, &t);
    assert_eq!((s.prog_ids, s.fds, s.mappings), (before.prog_ids, before.fds, before.mappings));
}

#[test]
fn short_log_is_enospc_and_frees_everything() {
    let k = Kernel::new();
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    let mfd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 8, 1)).unwrap();
    let map = k.map_by_id(k.map_ids()[0]).unwrap();
    let refs = Arc::strong_count(&map);
    // r1 = map (so the program holds a map reference when the log overflows).
    let [a, b] = BpfInsn::ld_map_fd(1, mfd);
    let insns = vec![a, b, BpfInsn::mov64_imm(0, 0), BpfInsn::exit()];
    let before = Snapshot::take(&k, &t);
    for level in [1, 2] {
        let out = bpf.prog_load(&ProgLoadOpts {
            log_level: level,
            log_size: 32,
            trace: true,
            ..ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, insns.clone())
        });
        assert_eq!(out.result, Err(ENOSPC), "log level {level}");
        let trace = out.trace.unwrap();
        assert_eq!(failed_step(&trace), Some(("bpf_check", ENOSPC.0)));
        assert_eq!(labels(&trace), ["free_used_maps"]);
        before.assert_unchanged(&k, &t, "ENOSPC");
        assert_eq!(Arc::strong_count(&map), refs);
    }
    // log_true_size: the size the whole log would need, written back into
    // the attr at its offset (140) even though the load failed, and nothing
    // else of the attr touched (fd_array at 120..128 stays 0).
    {
        let code: Vec<u8> = insns.iter().flat_map(|i| i.to_bytes()).collect();
        let code = t.mem().alloc(&code);
        let gpl = t.mem().alloc(b"GPL\0");
        let log = t.mem().alloc(&[0; 32]);
        let a = BpfAttrProgLoad {
            prog_type: 1,
            insn_cnt: 4,
            insns: code,
            license: gpl,
            log_level: 1,
            log_size: 32,
            log_buf: log,
            ..Default::default()
        };
        let (r, after) = bpf.sys_bpf(BPF_PROG_LOAD, &a.to_bytes());
        assert_eq!(r, Err(ENOSPC));
        let a = BpfAttrProgLoad::from_bytes(&after);
        assert!(a.log_true_size > 32, "log_true_size {}", a.log_true_size);
        assert_eq!(a.fd_array, 0, "only log_true_size is written back");
        for m in [code, gpl, log] {
            t.mem().free(m).unwrap();
        }
    }
    // The log attributes (recorded on 6.18.44).
    let o = |level, size, trace| ProgLoadOpts {
        log_level: level,
        log_size: size,
        trace,
        ..ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret(1))
    };
    let insns: Vec<u8> = ret(1).iter().flat_map(|i| i.to_bytes()).collect();
    let code = t.mem().alloc(&insns);
    let gpl = t.mem().alloc(b"GPL\0");
    let raw = |level: u32, size: u32, buf: u64| {
        let a = BpfAttrProgLoad {
            prog_type: 1,
            insn_cnt: 2,
            insns: code,
            license: gpl,
            log_level: level,
            log_size: size,
            log_buf: buf,
            ..Default::default()
        };
        bpf.sys_bpf(BPF_PROG_LOAD, &a.to_bytes()).0
    };
    let buf = t.mem().alloc(&[0; 64]);
    assert_eq!(raw(0, 64, buf), Err(EINVAL));
    assert_eq!(raw(1, 64, 0), Err(EINVAL));
    assert_eq!(raw(1, 64, 8), Err(EFAULT));
    assert_eq!(bpf.prog_load(&o(1, 8, false)).result, Err(ENOSPC));
    for a in [code, gpl, buf] {
        t.mem().free(a).unwrap();
    }
    before.assert_unchanged(&k, &t, "log attributes");
    drop(map);
    bpf.close(mfd).unwrap();
}

#[test]
fn no_fd_left_is_emfile_after_publishing() {
    let k = Kernel::new();
    let t = Task::root();
    let bpf = Bpf::new(&k, &t);
    t.set_nofile(3);
    let out = bpf
        .prog_load(&ProgLoadOpts { trace: true, ..ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret(1)) });
    assert_eq!(out.result, Err(EMFILE));
    assert_eq!(out.trace.unwrap().calls().last(), Some(&"bpf_prog_put"));
    assert!(k.prog_ids().is_empty());
    let s = k.stats();
    assert_eq!((s.progs_loaded, s.progs_freed), (1, 1));
}

#[test]
fn concurrent_load_run_lookup_close() {
    // Threads load, run, look up by id and close programs at once while
    // another walks the ids and opens what it finds: ids stay unique,
    // every program is freed once, and the counts return to zero.
    let k = Kernel::new();
    let t = Task::root();
    const THREADS: usize = 4;
    const ROUNDS: usize = 25;
    let ids = parking_lot::Mutex::new(Vec::new());
    crossbeam_utils::thread::scope(|s| {
        for n in 0..THREADS {
            let (k, t, ids) = (&k, &t, &ids);
            s.spawn(move |_| {
                let bpf = Bpf::new(k, t);
                for i in 0..ROUNDS {
                    let v = (n * 1000 + i) as i32;
                    let fd =
                        bpf.prog_load_fd(&ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, ret(v))).unwrap();
                    let id = bpf.prog_id(fd).unwrap();
                    ids.lock().push(id);
                    assert_eq!(bpf.prog_test_run(fd, &TestRunOpts::data(&[0; 64])).unwrap().retval, v as u32);
                    let again = bpf.prog_get_fd_by_id(id).unwrap();
                    bpf.close(fd).unwrap();
                    assert_eq!(
                        bpf.prog_test_run(again, &TestRunOpts::data(&[0; 64])).unwrap().retval,
                        v as u32
                    );
                    bpf.close(again).unwrap();
                }
            });
        }
        let (k, t) = (&k, &t);
        s.spawn(move |_| {
            let bpf = Bpf::new(k, t);
            for _ in 0..100 {
                let mut id = 0;
                while let Ok(next) = bpf.prog_get_next_id(id) {
                    if let Ok(fd) = bpf.prog_get_fd_by_id(next) {
                        bpf.close(fd).unwrap();
                    }
                    id = next;
                }
            }
        });
    })
    .unwrap();
    let mut ids = ids.into_inner();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((ids.len(), n), (THREADS * ROUNDS, THREADS * ROUNDS), "ids are unique");
    assert!(k.prog_ids().is_empty());
    let s = k.stats();
    assert_eq!((s.progs_loaded, s.progs_freed), (n as u64, n as u64));
    assert_eq!(t.fd_count(), 3);
}

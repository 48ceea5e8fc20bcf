//! Arbitrary `bpf()` calls never panic and never lose state.
//!
//! Each case makes one system call with an attr built from interesting
//! values (small numbers that are often fds, pointers to readable,
//! read-only and unmapped memory, all-ones, random words), then closes
//! every fd the call created. Afterwards every program id still in the
//! table must belong to a program some attach point holds, and every map
//! id to a map such a program uses: nothing leaks.

use bpf_core::uapi::*;
use bpf_syscall::{__sys_bpf, Bpf, Kernel, MapCreateOpts, Task};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Word {
    Small(u32, u32),
    Rw,
    Ro,
    Unmapped,
    Random(u64),
}

fn word() -> impl Strategy<Value = Word> {
    let small = prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(3),
        Just(4),
        Just(5),
        Just(6),
        0u32..64,
        Just(u32::MAX),
        any::<u32>()
    ];
    prop_oneof![
        6 => (small.clone(), small).prop_map(|(a, b)| Word::Small(a, b)),
        1 => Just(Word::Rw),
        1 => Just(Word::Ro),
        1 => Just(Word::Unmapped),
        1 => any::<u64>().prop_map(Word::Random),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_panic_no_leak(cmd in 0u32..40, words in proptest::collection::vec(word(), 0..25), size in prop_oneof![Just(168u32), 0u32..300]) {
        let k = Kernel::new();
        let t = Task::root();
        let bpf = Bpf::new(&k, &t);
        // Something for fds 3.. to name: a map, a prog_array, a cgroup.
        let map = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 8, 4)).unwrap();
        let pa = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4)).unwrap();
        let cg = k.cgroup_mkdir(&k.cgroup_root(), "fuzz");
        let cgfd = t.open_cgroup(&cg).unwrap();
        let baseline_fds = t.fds();
        // A buffer holding `r0 = 0; exit` (so a pointer to it is a program).
        let code: Vec<u8> = [BpfInsn::mov64_imm(0, 0), BpfInsn::exit()].iter().cycle().take(512).flat_map(|i| i.to_bytes()).collect();
        let rw = t.mem().alloc(&code);
        let ro = t.mem().alloc_ro(b"GPL\0GPL\0GPL\0GPL\0");
        let mut attr = Vec::new();
        for w in &words {
            let v = match *w {
                Word::Small(a, b) => u64::from(a) | u64::from(b) << 32,
                Word::Rw => rw,
                Word::Ro => ro,
                Word::Unmapped => rw + (1 << 20),
                Word::Random(r) => r,
            };
            attr.extend_from_slice(&v.to_le_bytes());
        }
        attr.resize(attr.len().max(size as usize), 0);
        let uattr = t.mem().alloc(&attr);
        let _ = __sys_bpf(&k, &t, BpfCmd(cmd), uattr, size);
        for fd in t.fds() {
            if !baseline_fds.contains(&fd) {
                t.close(fd).unwrap();
            }
        }
        for fd in [map, pa, cgfd] {
            t.close(fd).unwrap();
        }
        // What may remain: programs held by an attach point, and their maps.
        let mut attached = Vec::new();
        for at in 0..BpfAttachType::MAX {
            attached.extend(cg.query(BpfAttachType(at)).0);
        }
        let lo = k.dev_get_by_index(1).unwrap();
        attached.extend(lo.tcx_query(BPF_TCX_INGRESS).0);
        attached.extend(lo.tcx_query(BPF_TCX_EGRESS).0);
        for id in k.prog_ids() {
            prop_assert!(attached.contains(&id), "program {} leaked (cmd {})", id, cmd);
        }
        let used: Vec<u32> = k
            .prog_ids()
            .into_iter()
            .filter_map(|id| k.prog_by_id(id))
            .flat_map(|p| p.aux.used_maps.iter().map(|m| m.id()).collect::<Vec<_>>())
            .collect();
        for id in k.map_ids() {
            prop_assert!(used.contains(&id), "map {} leaked (cmd {})", id, cmd);
        }
        prop_assert!(k.prog_ids().len() <= attached.len());
    }
}

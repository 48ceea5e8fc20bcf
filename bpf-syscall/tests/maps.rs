//! The map commands through `bpf()`: creation checks, element operations,
//! fd permissions, freezing, info, ids and fds by id, and the lifetime of
//! a map (its id goes with its last reference).
//!
//! Expected errnos recorded from Linux 6.18.44 with the same attributes.

mod common;

use bpf_core::errno::*;
use bpf_core::sha256::sha256;
use bpf_core::uapi::*;
use bpf_syscall::{Bpf, Caps, Cred, Kernel, MapCreateOpts, Task};
use common::Snapshot;

fn k() -> (Kernel, Task) {
    (Kernel::new(), Task::root())
}

fn u32k(i: u32) -> [u8; 4] {
    i.to_le_bytes()
}

#[test]
fn create_errnos_leave_nothing() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let before = Snapshot::take(&k, &t);
    let arr = || MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
    let cases: Vec<(&str, MapCreateOpts, Errno)> = vec![
        ("rdonly|wronly", arr().flags(BpfMapFlags::BPF_F_RDONLY | BpfMapFlags::BPF_F_WRONLY), EINVAL),
        (
            "map_extra",
            MapCreateOpts { attr: BpfAttrMapCreate { map_extra: 1, ..arr().attr }, ..arr() },
            EINVAL,
        ),
        ("unknown type", MapCreateOpts::new(BpfMapType(99), 4, 4, 1), EINVAL),
        ("type 0", MapCreateOpts::new(BPF_MAP_TYPE_UNSPEC, 4, 4, 1), EINVAL),
        ("bad name", arr().name("x y"), EINVAL),
        ("key size", MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 8, 4, 1), EINVAL),
        ("no entries", MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 4, 0), EINVAL),
        ("hash elem too big", MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 4194252, 1), E2BIG),
        ("percpu value", MapCreateOpts::new(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1), E2BIG),
        ("value over INT_MAX", MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 1 << 31, 1), E2BIG),
        ("too many buckets", MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 4, 1 << 31), E2BIG),
        ("huge array", MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 1 << 20, 1 << 20), ENOMEM),
        ("prog array value", MapCreateOpts::new(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 1), EINVAL),
        (
            "btf key without value",
            MapCreateOpts { attr: BpfAttrMapCreate { btf_key_type_id: 1, ..arr().attr }, ..arr() },
            EINVAL,
        ),
        (
            "btf ids without a btf fd",
            MapCreateOpts {
                attr: BpfAttrMapCreate { btf_key_type_id: 1, btf_value_type_id: 2, btf_fd: 99, ..arr().attr },
                ..arr()
            },
            EBADF,
        ),
        (
            "numa node 1 (one node online)",
            MapCreateOpts {
                attr: BpfAttrMapCreate { numa_node: 1, ..arr().flags(BpfMapFlags::BPF_F_NUMA_NODE).attr },
                ..arr()
            },
            EINVAL,
        ),
        (
            "excl hash size without hash",
            MapCreateOpts { attr: BpfAttrMapCreate { excl_prog_hash_size: 32, ..arr().attr }, ..arr() },
            EINVAL,
        ),
        (
            "no map device",
            MapCreateOpts { attr: BpfAttrMapCreate { map_ifindex: 42, ..arr().attr }, ..arr() },
            EINVAL,
        ),
        (
            "lo has no ndo_bpf",
            MapCreateOpts { attr: BpfAttrMapCreate { map_ifindex: 1, ..arr().attr }, ..arr() },
            EOPNOTSUPP,
        ),
    ];
    for (what, opts, errno) in cases {
        assert_eq!(bpf.map_create(&opts), Err(errno), "{what}");
    }
    // A non-zero byte past the last field of BPF_MAP_CREATE.
    let mut raw = arr().attr.to_bytes();
    raw.resize(168, 0);
    raw[92] = 1;
    assert_eq!(bpf.sys_bpf(BPF_MAP_CREATE, &raw).0, Err(EINVAL));
    // excl_prog_hash: 32 bytes, readable.
    let attr = BpfAttrMapCreate { excl_prog_hash: 8, excl_prog_hash_size: 32, ..arr().attr };
    assert_eq!(bpf.sys_bpf(BPF_MAP_CREATE, &attr.to_bytes()).0, Err(EFAULT));
    let h = t.mem().alloc(&[0; 32]);
    let attr = BpfAttrMapCreate { excl_prog_hash: h, excl_prog_hash_size: 16, ..arr().attr };
    assert_eq!(bpf.sys_bpf(BPF_MAP_CREATE, &attr.to_bytes()).0, Err(EINVAL));
    t.mem().free(h).unwrap();
    before.assert_unchanged(&k, &t, "failed creates");
    let fd = bpf.map_create(&MapCreateOpts { excl_prog_hash: Some([7; 32]), ..arr() }).unwrap();
    assert_eq!(k.map_by_id(k.map_ids()[0]).unwrap().excl_prog_sha, Some([7; 32]));
    bpf.close(fd).unwrap();
}

#[test]
fn create_permissions() {
    let k = Kernel::new();
    let user = Task::new(Cred::user(1000));
    let bpf = Bpf::new(&k, &user);
    let hash = MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 4, 4);
    // unprivileged_bpf_disabled (2 by default) blocks map creation too.
    assert_eq!(bpf.map_create(&hash), Err(EPERM));
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 0).unwrap();
    let fd = bpf.map_create(&hash).unwrap();
    // A zeroed hash seed is for CAP_SYS_ADMIN only.
    assert_eq!(bpf.map_create(&hash.clone().flags(BpfMapFlags::BPF_F_ZERO_SEED)), Err(EPERM));
    // Malformed attributes are EINVAL before any capability check.
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 2).unwrap();
    assert_eq!(bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 0, 4, 4)), Err(EINVAL));
    // Without CAP_PERFMON an array is sized to a power of two; it still
    // holds exactly max_entries elements.
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 0).unwrap();
    let arr = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 5)).unwrap();
    assert_eq!(bpf.map_update_elem(arr, &u32k(4), &[1; 4], 0), Ok(()));
    assert_eq!(bpf.map_update_elem(arr, &u32k(5), &[1; 4], 0), Err(E2BIG));
    // Ids and fds by id need CAP_SYS_ADMIN.
    assert_eq!(bpf.map_get_next_id(0), Err(EPERM));
    assert_eq!(bpf.map_get_fd_by_id(1, 0), Err(EPERM));
    let capped = Task::new(Cred::user(1000).with_caps(Caps::CAP_BPF));
    assert_eq!(Bpf::new(&k, &capped).map_get_next_id(0), Err(EPERM));
    bpf.close(fd).unwrap();
    bpf.close(arr).unwrap();
}

#[test]
fn array_elements() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let fd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 8, 4)).unwrap();
    let v = 7u64.to_le_bytes();
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, BPF_ANY_FLAGS), Ok(()));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, 1), Err(EEXIST));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, 2), Ok(()));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, 3), Err(EINVAL));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, 4), Err(EINVAL));
    assert_eq!(bpf.map_update_elem(fd, &u32k(9), &v, 0), Err(E2BIG));
    assert_eq!(bpf.map_update_elem(fd, &u32k(9), &v, 1), Err(E2BIG));
    assert_eq!(bpf.map_lookup_elem(fd, &u32k(1)), Ok(v.to_vec()));
    assert_eq!(bpf.map_lookup_elem(fd, &u32k(9)), Err(ENOENT));
    assert_eq!(bpf.map_lookup_elem_flags(fd, &u32k(1), 1), Err(EINVAL));
    assert_eq!(bpf.map_lookup_elem_flags(fd, &u32k(1), 4), Err(EINVAL));
    assert_eq!(bpf.map_delete_elem(fd, &u32k(1)), Err(EINVAL));
    assert_eq!(bpf.map_get_next_key(fd, None), Ok(u32k(0).to_vec()));
    assert_eq!(bpf.map_get_next_key(fd, Some(&u32k(3))), Err(ENOENT));
    assert_eq!(bpf.map_get_next_key(fd, Some(&u32k(9))), Ok(u32k(0).to_vec()));
    assert_eq!(bpf.map_keys(fd).unwrap().len(), 4);
    // Bad pointers.
    let elem = |cmd, key: u64, value: u64| {
        let a = BpfAttrMapElem { map_fd: fd as u32, key, value, flags: 0 };
        bpf.sys_bpf(cmd, &a.to_bytes()).0
    };
    let key = t.mem().alloc(&u32k(1));
    let ro = t.mem().alloc_ro(&[0; 8]);
    assert_eq!(elem(BPF_MAP_LOOKUP_ELEM, 8, ro), Err(EFAULT));
    assert_eq!(elem(BPF_MAP_LOOKUP_ELEM, 0, ro), Err(EFAULT));
    assert_eq!(elem(BPF_MAP_LOOKUP_ELEM, key, 8), Err(EFAULT));
    assert_eq!(elem(BPF_MAP_LOOKUP_ELEM, key, ro), Err(EFAULT), "value buffer read-only");
    assert_eq!(elem(BPF_MAP_UPDATE_ELEM, key, 8), Err(EFAULT));
    assert_eq!(elem(BPF_MAP_GET_NEXT_KEY, key, ro), Err(EFAULT));
    // Fds that are no maps.
    assert_eq!(bpf.map_lookup_elem(999, &u32k(1)), Err(EBADF));
    let a = BpfAttrMapElem { map_fd: 0, key, value: ro, flags: 0 };
    assert_eq!(bpf.sys_bpf(BPF_MAP_LOOKUP_ELEM, &a.to_bytes()).0, Err(EINVAL));
    // A non-zero byte past BPF_MAP_DELETE_ELEM's last field (key).
    let a = BpfAttrMapElem { map_fd: fd as u32, key, value: 1, flags: 0 };
    assert_eq!(bpf.sys_bpf(BPF_MAP_DELETE_ELEM, &a.to_bytes()).0, Err(EINVAL));
    bpf.close(fd).unwrap();
}

const BPF_ANY_FLAGS: u64 = 0;

#[test]
fn hash_elements() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let fd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 8, 2)).unwrap();
    let v = 7u64.to_le_bytes();
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, 0), Ok(()));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, 1), Err(EEXIST));
    assert_eq!(bpf.map_update_elem(fd, &u32k(2), &v, 2), Err(ENOENT));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &v, 3), Err(EINVAL));
    assert_eq!(bpf.map_update_elem(fd, &u32k(2), &v, 0), Ok(()));
    assert_eq!(bpf.map_update_elem(fd, &u32k(3), &v, 0), Err(E2BIG));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &9u64.to_le_bytes(), 0), Ok(()));
    assert_eq!(bpf.map_lookup_elem(fd, &u32k(1)), Ok(9u64.to_le_bytes().to_vec()));
    assert_eq!(bpf.map_lookup_elem(fd, &u32k(3)), Err(ENOENT));
    assert_eq!(bpf.map_delete_elem(fd, &u32k(3)), Err(ENOENT));
    assert!(bpf.map_get_next_key(fd, Some(&u32k(3))).is_ok(), "a missing key restarts the walk");
    let mut keys = bpf.map_keys(fd).unwrap();
    keys.sort();
    assert_eq!(keys, vec![u32k(1).to_vec(), u32k(2).to_vec()]);
    assert_eq!(bpf.map_delete_elem(fd, &u32k(1)), Ok(()));
    assert_eq!(bpf.map_delete_elem(fd, &u32k(2)), Ok(()));
    assert_eq!(bpf.map_get_next_key(fd, None), Err(ENOENT));
    bpf.close(fd).unwrap();
}

#[test]
fn percpu_values_through_the_syscall() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let n = k.nr_cpus() as usize;
    for ty in [BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH] {
        let fd = bpf.map_create(&MapCreateOpts::new(ty, 4, 4, 2)).unwrap();
        let mut all = vec![0u8; 8 * n];
        for cpu in 0..n {
            all[8 * cpu..8 * cpu + 4].copy_from_slice(&(cpu as u32 + 10).to_le_bytes());
        }
        bpf.map_update_elem(fd, &u32k(1), &all, 0).unwrap();
        assert_eq!(bpf.map_lookup_elem(fd, &u32k(1)).unwrap(), all, "{ty:?}");
        bpf.close(fd).unwrap();
    }
}

#[test]
fn fd_permissions_and_freeze() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let ro = bpf
        .map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 4).flags(BpfMapFlags::BPF_F_RDONLY))
        .unwrap();
    assert_eq!(bpf.map_update_elem(ro, &u32k(1), &[1; 4], 0), Err(EPERM));
    assert!(bpf.map_lookup_elem(ro, &u32k(1)).is_ok());
    // The fd-only flag is not the map's.
    assert_eq!(bpf.map_get_info(ro).unwrap().map_flags, 0);
    let wo = bpf
        .map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 4).flags(BpfMapFlags::BPF_F_WRONLY))
        .unwrap();
    assert_eq!(bpf.map_lookup_elem(wo, &u32k(1)), Err(EPERM));
    assert_eq!(bpf.map_get_next_key(wo, None), Err(EPERM));
    assert_eq!(bpf.map_delete_elem(wo, &u32k(1)), Err(EINVAL));
    // Freezing: the system call may no longer write, and a second freeze
    // finds no write permission.
    let fd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 4, 4)).unwrap();
    assert_eq!(bpf.map_freeze(fd), Ok(()));
    assert_eq!(bpf.map_freeze(fd), Err(EPERM));
    assert_eq!(bpf.map_update_elem(fd, &u32k(1), &[1; 4], 0), Err(EPERM));
    assert_eq!(bpf.map_lookup_elem(fd, &u32k(1)), Err(ENOENT));
    assert_eq!(bpf.map_freeze(ro), Err(EPERM));
    let a = BpfAttrMapElem { map_fd: fd as u32, key: 1, ..Default::default() };
    assert_eq!(bpf.sys_bpf(BPF_MAP_FREEZE, &a.to_bytes()).0, Err(EINVAL));
    for f in [ro, wo, fd] {
        bpf.close(f).unwrap();
    }
}

#[test]
fn prog_array_takes_program_fds() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let pa = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4)).unwrap();
    let map = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).unwrap();
    assert_eq!(bpf.map_update_elem(pa, &u32k(0), &999u32.to_le_bytes(), 0), Err(EBADF));
    assert_eq!(bpf.map_update_elem(pa, &u32k(0), &(map as u32).to_le_bytes(), 0), Err(EINVAL));
    assert_eq!(bpf.map_update_elem(pa, &u32k(0), &(map as u32).to_le_bytes(), 1), Err(EINVAL));
    assert_eq!(bpf.map_update_elem(pa, &u32k(9), &(map as u32).to_le_bytes(), 0), Err(E2BIG));
    assert_eq!(bpf.map_delete_elem(pa, &u32k(1)), Err(ENOENT));
    assert_eq!(bpf.map_delete_elem(pa, &u32k(9)), Err(E2BIG));
    assert_eq!(bpf.map_lookup_elem(pa, &u32k(1)), Err(ENOENT));
    bpf.close(pa).unwrap();
    bpf.close(map).unwrap();
}

#[test]
fn map_info() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let fd = bpf
        .map_create(
            &MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 2)
                .name("counts")
                .flags(BpfMapFlags::BPF_F_RDONLY_PROG),
        )
        .unwrap();
    let info = bpf.map_get_info(fd).unwrap();
    assert_eq!(
        (info.map_type, info.key_size, info.value_size, info.max_entries, info.map_flags),
        (2, 4, 4, 2, BpfMapFlags::BPF_F_RDONLY_PROG.bits())
    );
    assert_eq!(obj_name_str(&info.name), "counts");
    assert_eq!(info.id, k.map_ids()[0]);
    // What the caller put in a field the kernel does not fill comes back.
    let junk = BpfMapInfo { netns_ino: 5, ifindex: 0x1234, ..Default::default() };
    let buf = t.mem().alloc(&junk.to_bytes());
    let attr = BpfAttrInfo { bpf_fd: fd as u32, info_len: BpfMapInfo::SIZE as u32, info: buf };
    assert_eq!(bpf.sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr.to_bytes()).0, Ok(0));
    let back = BpfMapInfo::from_bytes(&t.mem().read(buf, BpfMapInfo::SIZE).unwrap());
    assert_eq!((back.netns_ino, back.ifindex, back.map_type), (5, 0x1234, 2));
    // A shorter buffer gets that much; a longer one must be zero past the struct.
    let attr = BpfAttrInfo { bpf_fd: fd as u32, info_len: 8, info: buf };
    let (r, after) = bpf.sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr.to_bytes());
    assert_eq!((r, BpfAttrInfo::from_bytes(&after).info_len), (Ok(0), 8));
    let long = t.mem().alloc(&[0; 200]);
    t.mem().write(long + 199, &[1]).unwrap();
    let attr = BpfAttrInfo { bpf_fd: fd as u32, info_len: 200, info: long };
    assert_eq!(bpf.sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr.to_bytes()).0, Err(E2BIG));
    // Fds: not open is EBADFD, not a BPF object EINVAL.
    let attr = BpfAttrInfo { bpf_fd: 999, info_len: 8, info: buf };
    assert_eq!(bpf.sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr.to_bytes()).0, Err(EBADFD));
    let attr = BpfAttrInfo { bpf_fd: 0, info_len: 8, info: buf };
    assert_eq!(bpf.sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr.to_bytes()).0, Err(EINVAL));
    // The map's hash: arrays only, 32 bytes, once frozen.
    let hash = t.mem().alloc(&[0; 32]);
    let ask = |fd: i32, size: u32, ptr: u64| {
        let i = BpfMapInfo { hash: ptr, hash_size: size, ..Default::default() };
        t.mem().write(buf, &i.to_bytes()).unwrap();
        let attr = BpfAttrInfo { bpf_fd: fd as u32, info_len: BpfMapInfo::SIZE as u32, info: buf };
        bpf.sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr.to_bytes()).0
    };
    assert_eq!(ask(fd, 32, 0), Err(EINVAL));
    assert_eq!(ask(fd, 16, hash), Err(EINVAL));
    assert_eq!(ask(fd, 32, hash), Err(EPERM));
    bpf.map_freeze(fd).unwrap();
    assert_eq!(ask(fd, 32, hash), Ok(0));
    assert_eq!(t.mem().read(hash, 32).unwrap(), sha256(&[0; 16]).to_vec());
    let h = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 4, 2)).unwrap();
    assert_eq!(ask(h, 32, hash), Err(EINVAL));
    bpf.close(fd).unwrap();
    bpf.close(h).unwrap();
}

#[test]
fn ids_and_fds_by_id() {
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let a = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).unwrap();
    let b = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 4, 1)).unwrap();
    let ids = k.map_ids();
    assert_eq!(ids.len(), 2);
    assert_eq!(bpf.map_get_next_id(0), Ok(ids[0]));
    assert_eq!(bpf.map_get_next_id(ids[0]), Ok(ids[1]));
    assert_eq!(bpf.map_get_next_id(ids[1]), Err(ENOENT));
    assert_eq!(bpf.map_get_next_id(i32::MAX as u32), Err(EINVAL));
    assert_eq!(bpf.prog_get_next_id(0), Err(ENOENT));
    // A second fd holds the map alive after the first closes.
    let again = bpf.map_get_fd_by_id(ids[0], BpfMapFlags::BPF_F_RDONLY.bits()).unwrap();
    bpf.close(a).unwrap();
    assert_eq!(k.map_ids(), ids);
    assert_eq!(bpf.map_update_elem(again, &u32k(0), &[1; 4], 0), Err(EPERM), "opened read-only");
    bpf.close(again).unwrap();
    assert_eq!(k.map_ids(), vec![ids[1]]);
    assert_eq!(bpf.map_get_fd_by_id(ids[0], 0), Err(ENOENT));
    assert_eq!(bpf.map_get_fd_by_id(ids[1], 24), Err(EINVAL));
    assert_eq!(bpf.map_get_fd_by_id(ids[1], 1), Err(EINVAL));
    assert_eq!(bpf.prog_get_fd_by_id(0), Err(ENOENT));
    let raw = BpfAttrGetId { start_id: ids[1], fd_by_id_token_fd: 1, ..Default::default() };
    assert_eq!(bpf.sys_bpf(BPF_MAP_GET_FD_BY_ID, &raw.to_bytes()).0, Err(EINVAL));
    // New ids keep counting up (cyclic), a freed id is not reused at once.
    let c = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).unwrap();
    assert!(k.map_ids().last().unwrap() > &ids[1]);
    bpf.close(b).unwrap();
    bpf.close(c).unwrap();
    assert!(k.map_ids().is_empty());
    let s = k.stats();
    assert_eq!((s.maps_created, s.maps_freed), (3, 3));
    // Unsupported and unknown commands.
    assert_eq!(bpf.sys_bpf(BPF_OBJ_PIN, &[0; 16]).0, Err(ENOTSUPP));
    assert_eq!(bpf.sys_bpf(BpfCmd(999), &[0; 16]).0, Err(EINVAL));
}

#[test]
fn queue_stack_and_perf_event_array_create_errnos() {
    // Recorded from Linux 6.18.44 (BPF_MAP_CREATE as root).
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let before = Snapshot::take(&k, &t);
    let mut oks = Vec::new();
    for ty in [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK] {
        let q = |ks, vs, me| MapCreateOpts::new(ty, ks, vs, me);
        let cases: Vec<(&str, MapCreateOpts, Errno)> = vec![
            ("key", q(4, 8, 4), EINVAL),
            ("no value", q(0, 0, 4), EINVAL),
            ("no entries", q(0, 8, 0), EINVAL),
            ("no prealloc", q(0, 8, 4).flags(BpfMapFlags::BPF_F_NO_PREALLOC), EINVAL),
            ("mmapable", q(0, 8, 4).flags(BpfMapFlags::BPF_F_MMAPABLE), EINVAL),
            ("preserve elems", q(0, 8, 4).flags(BpfMapFlags::BPF_F_PRESERVE_ELEMS), EINVAL),
            ("inner map", q(0, 8, 4).flags(BpfMapFlags::BPF_F_INNER_MAP), EINVAL),
            (
                "rdonly|wronly prog",
                q(0, 8, 4).flags(BpfMapFlags::BPF_F_RDONLY_PROG | BpfMapFlags::BPF_F_WRONLY_PROG),
                EINVAL,
            ),
            ("value over KMALLOC_MAX_SIZE", q(0, (4096 << 10) + 1, 1), E2BIG),
            ("value 2 GiB", q(0, 1 << 31, 1), E2BIG),
            (
                "map_extra",
                MapCreateOpts { attr: BpfAttrMapCreate { map_extra: 1, ..q(0, 8, 4).attr }, ..q(0, 8, 4) },
                EINVAL,
            ),
        ];
        for (what, opts, errno) in cases {
            assert_eq!(bpf.map_create(&opts), Err(errno), "{ty:?} {what}");
        }
        oks.extend([q(0, 8, 4), q(0, 8, 4).flags(BpfMapFlags::BPF_F_RDONLY_PROG), q(0, 4096 << 10, 1)]);
    }
    let pe = |ks, vs, me| MapCreateOpts::new(BPF_MAP_TYPE_PERF_EVENT_ARRAY, ks, vs, me);
    let cases: Vec<(&str, MapCreateOpts, Errno)> = vec![
        ("no key", pe(0, 4, 2), EINVAL),
        ("key 8", pe(8, 4, 2), EINVAL),
        ("value 8", pe(4, 8, 2), EINVAL),
        ("no value", pe(4, 0, 2), EINVAL),
        ("no entries", pe(4, 4, 0), EINVAL),
        ("rdonly prog", pe(4, 4, 2).flags(BpfMapFlags::BPF_F_RDONLY_PROG), EINVAL),
        ("wronly prog", pe(4, 4, 2).flags(BpfMapFlags::BPF_F_WRONLY_PROG), EINVAL),
        ("mmapable", pe(4, 4, 2).flags(BpfMapFlags::BPF_F_MMAPABLE), EINVAL),
        ("inner map", pe(4, 4, 2).flags(BpfMapFlags::BPF_F_INNER_MAP), EINVAL),
        ("no prealloc", pe(4, 4, 2).flags(BpfMapFlags::BPF_F_NO_PREALLOC), EINVAL),
    ];
    for (what, opts, errno) in cases {
        assert_eq!(bpf.map_create(&opts), Err(errno), "perf_event_array {what}");
    }
    before.assert_unchanged(&k, &t, "failed creates");
    oks.extend([
        pe(4, 4, 2),
        pe(4, 4, 2).flags(BpfMapFlags::BPF_F_PRESERVE_ELEMS | BpfMapFlags::BPF_F_RDONLY),
    ]);
    for ok in oks {
        bpf.close(bpf.map_create(&ok).unwrap()).unwrap();
    }
}

#[test]
fn queues_and_stacks_need_cap_bpf() {
    let k = Kernel::new();
    k.sysctl_write(&Cred::root(), "kernel.unprivileged_bpf_disabled", 0).unwrap();
    let user = Task::new(Cred::user(1000));
    let bpf = Bpf::new(&k, &user);
    for ty in [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK] {
        // The attributes are checked first, the capability after.
        assert_eq!(bpf.map_create(&MapCreateOpts::new(ty, 4, 8, 4)), Err(EINVAL));
        assert_eq!(bpf.map_create(&MapCreateOpts::new(ty, 0, 8, 4)), Err(EPERM));
        let capped = Task::new(Cred::user(1000).with_caps(Caps::CAP_BPF));
        let b = Bpf::new(&k, &capped);
        b.close(b.map_create(&MapCreateOpts::new(ty, 0, 8, 4)).unwrap()).unwrap();
    }
    // A perf_event_array is of the unprivileged kind.
    let fd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2)).unwrap();
    bpf.close(fd).unwrap();
}

#[test]
fn queue_and_stack_through_the_syscall() {
    // The live kernel's answers for the same sequence (max_entries 3).
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let v = |x: u64| x.to_le_bytes().to_vec();
    for (ty, after_exist) in [(BPF_MAP_TYPE_QUEUE, [2u64, 3, 5]), (BPF_MAP_TYPE_STACK, [5, 3, 2])] {
        let fd = bpf.map_create(&MapCreateOpts::new(ty, 0, 8, 3)).unwrap();
        assert_eq!(bpf.map_peek_elem(fd), Err(ENOENT));
        // A key pointer for a keyless map is EINVAL.
        assert_eq!(bpf.map_lookup_elem(fd, &[0; 4]), Err(EINVAL));
        for x in 1..=3 {
            bpf.map_push_elem(fd, &v(x), 0).unwrap();
        }
        assert_eq!(bpf.map_push_elem(fd, &v(4), 0), Err(E2BIG));
        assert_eq!(bpf.map_push_elem(fd, &v(9), BpfElemFlags::BPF_NOEXIST.bits()), Err(EINVAL));
        assert_eq!(bpf.map_push_elem(fd, &v(9), 3), Err(EINVAL));
        assert_eq!(bpf.map_push_elem(fd, &v(9), BpfElemFlags::BPF_F_LOCK.bits()), Err(EINVAL));
        assert_eq!(bpf.map_push_elem(fd, &v(9), 8), Err(EINVAL));
        assert_eq!(bpf.map_update_elem(fd, &[0; 4], &v(9), 0), Err(EINVAL));
        bpf.map_push_elem(fd, &v(5), BpfElemFlags::BPF_EXIST.bits()).unwrap();
        assert_eq!(bpf.map_peek_elem(fd), Ok(v(after_exist[0])));
        assert_eq!(bpf.map_delete_elem(fd, &[]), Err(EINVAL));
        assert_eq!(bpf.map_get_next_key(fd, None), Err(EINVAL));
        for want in after_exist {
            assert_eq!(bpf.map_pop_elem(fd), Ok(v(want)));
        }
        assert_eq!(bpf.map_pop_elem(fd), Err(ENOENT));
        // BPF_MAP_LOOKUP_AND_DELETE_ELEM takes no flags on a queue/stack.
        let attr = BpfAttrMapElem { map_fd: fd as u32, key: 0, value: 0, flags: 1 };
        assert_eq!(bpf.sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &attr.to_bytes()).0, Err(EINVAL));
        let attr = BpfAttrMapElem { flags: BpfElemFlags::BPF_F_LOCK.bits(), ..attr };
        assert_eq!(bpf.sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &attr.to_bytes()).0, Err(EINVAL));
        // Frozen: no more pushes or pops, peeks still work.
        bpf.map_freeze(fd).unwrap();
        assert_eq!(bpf.map_push_elem(fd, &v(1), 0), Err(EPERM));
        assert_eq!(bpf.map_pop_elem(fd), Err(EPERM));
        assert_eq!(bpf.map_peek_elem(fd), Err(ENOENT));
        bpf.close(fd).unwrap();
        // A read-only fd may not push or pop, a write-only one not peek or pop.
        let ro = bpf.map_create(&MapCreateOpts::new(ty, 0, 8, 3).flags(BpfMapFlags::BPF_F_RDONLY)).unwrap();
        assert_eq!(bpf.map_push_elem(ro, &v(1), 0), Err(EPERM));
        assert_eq!(bpf.map_pop_elem(ro), Err(EPERM));
        let wo = bpf.map_create(&MapCreateOpts::new(ty, 0, 8, 3).flags(BpfMapFlags::BPF_F_WRONLY)).unwrap();
        assert_eq!(bpf.map_peek_elem(wo), Err(EPERM));
        assert_eq!(bpf.map_pop_elem(wo), Err(EPERM));
        bpf.close(ro).unwrap();
        bpf.close(wo).unwrap();
    }
}

#[test]
fn lookup_and_delete_on_hashes_and_others() {
    // The live kernel: a hash gives the value once, then ENOENT; arrays and
    // fd arrays have no lookup-and-delete (ENOTSUPP).
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let h = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_HASH, 4, 8, 4)).unwrap();
    assert_eq!(bpf.map_lookup_and_delete_elem(h, Some(&u32k(0))), Err(ENOENT));
    bpf.map_update_elem(h, &u32k(3), &77u64.to_le_bytes(), 0).unwrap();
    assert_eq!(bpf.map_lookup_and_delete_elem(h, Some(&u32k(3))), Ok(77u64.to_le_bytes().to_vec()));
    assert_eq!(bpf.map_lookup_and_delete_elem(h, Some(&u32k(3))), Err(ENOENT));
    let key = t.mem().alloc(&u32k(3));
    let attr = BpfAttrMapElem { map_fd: h as u32, key, value: 0, flags: 1 };
    assert_eq!(bpf.sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &attr.to_bytes()).0, Err(EINVAL));
    t.mem().free(key).unwrap();
    let ph = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4)).unwrap();
    let all: Vec<u8> = (0..k.nr_cpus()).flat_map(|c| [c as u8 + 1, 0, 0, 0, 0, 0, 0, 0]).collect();
    bpf.map_update_elem(ph, &u32k(1), &all, 0).unwrap();
    assert_eq!(bpf.map_lookup_and_delete_elem(ph, Some(&u32k(1))), Ok(all));
    assert_eq!(bpf.map_lookup_elem(ph, &u32k(1)), Err(ENOENT));
    let a = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).unwrap();
    assert_eq!(bpf.map_lookup_and_delete_elem(a, Some(&u32k(0))), Err(ENOTSUPP));
    let pe = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2)).unwrap();
    assert_eq!(bpf.map_lookup_and_delete_elem(pe, Some(&u32k(0))), Err(ENOTSUPP));
    for fd in [h, ph, a, pe] {
        bpf.close(fd).unwrap();
    }
}

#[test]
fn perf_event_array_through_the_syscall() {
    // The live kernel: no fd but a perf event's fits in a slot (EBADF,
    // whether the fd is open or not); the slots stay empty.
    let (k, t) = k();
    let bpf = Bpf::new(&k, &t);
    let fd = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2)).unwrap();
    let other = bpf.map_create(&MapCreateOpts::new(BPF_MAP_TYPE_ARRAY, 4, 4, 1)).unwrap();
    assert_eq!(bpf.map_update_elem(fd, &u32k(0), &u32k(other as u32), 0), Err(EBADF));
    assert_eq!(bpf.map_update_elem(fd, &u32k(0), &u32k(999), 0), Err(EBADF));
    assert_eq!(bpf.map_update_elem(fd, &u32k(0), &u32k(other as u32), 1), Err(EINVAL));
    assert_eq!(bpf.map_update_elem(fd, &u32k(0), &u32k(other as u32), 4), Err(EINVAL));
    assert_eq!(bpf.map_update_elem(fd, &u32k(5), &u32k(other as u32), 0), Err(E2BIG));
    assert_eq!(bpf.map_lookup_elem(fd, &u32k(0)), Err(ENOTSUPP));
    assert_eq!(bpf.map_lookup_elem(fd, &u32k(5)), Err(ENOTSUPP));
    assert_eq!(bpf.map_delete_elem(fd, &u32k(0)), Err(ENOENT));
    assert_eq!(bpf.map_delete_elem(fd, &u32k(5)), Err(E2BIG));
    assert_eq!(bpf.map_keys(fd), Ok(vec![u32k(0).to_vec(), u32k(1).to_vec()]));
    bpf.close(fd).unwrap();
    bpf.close(other).unwrap();
}

//! The layouts of `union bpf_attr` for the commands we serve, and the info
//! structs `BPF_OBJ_GET_INFO_BY_FD` fills, as in uapi `bpf.h` (v6.18).
//!
//! `union bpf_attr` is 168 bytes in v6.18. Each command reads its own
//! anonymous struct at offset 0; here each is a `#[repr(C)]` struct with
//! its own size and field-offset assertions (checked against the running
//! kernel's BTF). Structs are decoded from and encoded to little-endian
//! bytes field by field, so a short or odd buffer is never undefined
//! behaviour: missing bytes read as zero, as `copy_from_bpfptr` of a
//! smaller `size` leaves them.

use static_assertions::const_assert_eq;
use std::mem::{offset_of, size_of};

/// `sizeof(union bpf_attr)` in v6.18.
pub const BPF_ATTR_SIZE: usize = 168;

/// A plain-old-data field of a uapi struct: little-endian integers and
/// fixed byte arrays.
pub trait UapiField: Copy + Default {
    /// Reads the field at `off`; bytes past the end of `b` read as zero.
    fn read(b: &[u8], off: usize) -> Self;
    /// Writes the field at `off` into `b` (which must be large enough).
    fn write(&self, b: &mut [u8], off: usize);
}

fn read_n<const N: usize>(b: &[u8], off: usize) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = b.get(off + i).copied().unwrap_or(0);
    }
    out
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl UapiField for $t {
            fn read(b: &[u8], off: usize) -> Self {
                <$t>::from_le_bytes(read_n(b, off))
            }
            fn write(&self, b: &mut [u8], off: usize) {
                let bytes = self.to_le_bytes();
                b[off..off + bytes.len()].copy_from_slice(&bytes);
            }
        }
    )*};
}
int_field!(u8, u16, u32, u64, i16, i32, i64);

impl<const N: usize> UapiField for [u8; N]
where
    [u8; N]: Default,
{
    fn read(b: &[u8], off: usize) -> Self {
        read_n(b, off)
    }
    fn write(&self, b: &mut [u8], off: usize) {
        b[off..off + N].copy_from_slice(self);
    }
}

/// Declares a uapi struct: `#[repr(C)]`, `Default`, and byte codecs.
macro_rules! uapi_struct {
    (
        $(#[$m:meta])*
        pub struct $name:ident {
            $( $(#[$fm:meta])* pub $f:ident : $t:ty, )*
        }
    ) => {
        $(#[$m])*
        #[repr(C)]
        #[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fm])* pub $f: $t, )*
        }

        impl $name {
            /// Size of the C struct.
            pub const SIZE: usize = size_of::<$name>();

            /// Decodes the struct from little-endian bytes; a shorter
            /// buffer is zero-extended, a longer one's tail is ignored.
            pub fn from_bytes(b: &[u8]) -> Self {
                Self {
                    $( $f: <$t as UapiField>::read(b, offset_of!($name, $f)), )*
                }
            }

            /// Encodes the struct; padding bytes are zero.
            pub fn to_bytes(&self) -> Vec<u8> {
                let mut out = vec![0u8; Self::SIZE];
                $( UapiField::write(&self.$f, &mut out, offset_of!($name, $f)); )*
                out
            }

            /// Offset one past the struct's last field: `CHECK_ATTR`
            /// requires every byte of `union bpf_attr` from here on to be zero.
            pub const LAST_FIELD_END: usize = {
                let mut end = 0;
                $(
                    let e = offset_of!($name, $f) + size_of::<$t>();
                    if e > end { end = e; }
                )*
                end
            };
        }
    };
}

uapi_struct! {
    /// `BPF_MAP_CREATE` attributes.
    pub struct BpfAttrMapCreate {
        /// `enum bpf_map_type`
        pub map_type: u32,
        /// Size of a key in bytes.
        pub key_size: u32,
        /// Size of a value in bytes.
        pub value_size: u32,
        /// Maximum number of entries.
        pub max_entries: u32,
        /// `BPF_F_*` map flags.
        pub map_flags: u32,
        /// fd of the inner map of a map-in-map.
        pub inner_map_fd: u32,
        /// NUMA node (with `BPF_F_NUMA_NODE`).
        pub numa_node: u32,
        /// Name, NUL padded.
        pub map_name: [u8; 16],
        /// Device for offloaded maps.
        pub map_ifindex: u32,
        /// fd of the map's BTF.
        pub btf_fd: u32,
        /// BTF type of the key.
        pub btf_key_type_id: u32,
        /// BTF type of the value.
        pub btf_value_type_id: u32,
        /// vmlinux BTF type of a struct_ops value.
        pub btf_vmlinux_value_type_id: u32,
        /// Type-specific extra (bloom filter hashes, arena address).
        pub map_extra: u64,
        /// BTF object fd of the value type.
        pub value_type_btf_obj_fd: i32,
        /// BPF token fd.
        pub map_token_fd: i32,
        /// Pointer to the hash of the only program allowed to use the map.
        pub excl_prog_hash: u64,
        /// Size of `excl_prog_hash`.
        pub excl_prog_hash_size: u32,
    }
}
const_assert_eq!(BpfAttrMapCreate::SIZE, 96);
const_assert_eq!(offset_of!(BpfAttrMapCreate, map_name), 28);
const_assert_eq!(offset_of!(BpfAttrMapCreate, map_extra), 64);
const_assert_eq!(offset_of!(BpfAttrMapCreate, map_token_fd), 76);
const_assert_eq!(offset_of!(BpfAttrMapCreate, excl_prog_hash_size), 88);

uapi_struct! {
    /// `BPF_MAP_*_ELEM` and `BPF_MAP_GET_NEXT_KEY` attributes.
    pub struct BpfAttrMapElem {
        /// The map.
        pub map_fd: u32,
        /// Pointer to the key.
        pub key: u64,
        /// Pointer to the value, or to the next key for `GET_NEXT_KEY`.
        pub value: u64,
        /// `BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK`.
        pub flags: u64,
    }
}
const_assert_eq!(BpfAttrMapElem::SIZE, 32);
const_assert_eq!(offset_of!(BpfAttrMapElem, key), 8);
const_assert_eq!(offset_of!(BpfAttrMapElem, value), 16);
const_assert_eq!(offset_of!(BpfAttrMapElem, flags), 24);

impl BpfAttrMapElem {
    /// The `next_key` member of the union with `value`.
    pub fn next_key(&self) -> u64 {
        self.value
    }
}

uapi_struct! {
    /// `BPF_PROG_LOAD` attributes.
    pub struct BpfAttrProgLoad {
        /// `enum bpf_prog_type`
        pub prog_type: u32,
        /// Number of instructions.
        pub insn_cnt: u32,
        /// Pointer to the instructions.
        pub insns: u64,
        /// Pointer to the NUL-terminated license string.
        pub license: u64,
        /// Verbosity of the verifier log.
        pub log_level: u32,
        /// Size of the user log buffer.
        pub log_size: u32,
        /// Pointer to the user log buffer.
        pub log_buf: u64,
        /// Unused (was the kprobe kernel version check).
        pub kern_version: u32,
        /// `BPF_F_*` program flags.
        pub prog_flags: u32,
        /// Name, NUL padded.
        pub prog_name: [u8; 16],
        /// Device to bind or offload to.
        pub prog_ifindex: u32,
        /// `enum bpf_attach_type` the program expects.
        pub expected_attach_type: u32,
        /// fd of the program's BTF.
        pub prog_btf_fd: u32,
        /// Size of one func_info record.
        pub func_info_rec_size: u32,
        /// Pointer to func_info records.
        pub func_info: u64,
        /// Number of func_info records.
        pub func_info_cnt: u32,
        /// Size of one line_info record.
        pub line_info_rec_size: u32,
        /// Pointer to line_info records.
        pub line_info: u64,
        /// Number of line_info records.
        pub line_info_cnt: u32,
        /// BTF id of the attach target.
        pub attach_btf_id: u32,
        /// fd of the target program (`attach_prog_fd`) or of the target
        /// BTF object (`attach_btf_obj_fd`): a union in C.
        pub attach_prog_fd: u32,
        /// Number of CO-RE relocations.
        pub core_relo_cnt: u32,
        /// Pointer to an array of map (and BTF) fds.
        pub fd_array: u64,
        /// Pointer to CO-RE relocations.
        pub core_relos: u64,
        /// Size of one CO-RE relocation record.
        pub core_relo_rec_size: u32,
        /// Out: the log size needed to hold the whole log.
        pub log_true_size: u32,
        /// BPF token fd.
        pub prog_token_fd: i32,
        /// Number of entries of `fd_array`.
        pub fd_array_cnt: u32,
        /// Pointer to a signature of the program.
        pub signature: u64,
        /// Size of the signature.
        pub signature_size: u32,
        /// Keyring to check the signature against.
        pub keyring_id: i32,
    }
}
const_assert_eq!(BpfAttrProgLoad::SIZE, BPF_ATTR_SIZE);
const_assert_eq!(offset_of!(BpfAttrProgLoad, insns), 8);
const_assert_eq!(offset_of!(BpfAttrProgLoad, license), 16);
const_assert_eq!(offset_of!(BpfAttrProgLoad, log_buf), 32);
const_assert_eq!(offset_of!(BpfAttrProgLoad, prog_name), 48);
const_assert_eq!(offset_of!(BpfAttrProgLoad, expected_attach_type), 68);
const_assert_eq!(offset_of!(BpfAttrProgLoad, func_info), 80);
const_assert_eq!(offset_of!(BpfAttrProgLoad, attach_btf_id), 108);
const_assert_eq!(offset_of!(BpfAttrProgLoad, attach_prog_fd), 112);
const_assert_eq!(offset_of!(BpfAttrProgLoad, fd_array), 120);
const_assert_eq!(offset_of!(BpfAttrProgLoad, log_true_size), 140);
const_assert_eq!(offset_of!(BpfAttrProgLoad, prog_token_fd), 144);
const_assert_eq!(offset_of!(BpfAttrProgLoad, fd_array_cnt), 148);
const_assert_eq!(offset_of!(BpfAttrProgLoad, signature), 152);
const_assert_eq!(offset_of!(BpfAttrProgLoad, keyring_id), 164);

impl BpfAttrProgLoad {
    /// The `attach_btf_obj_fd` member of the union with `attach_prog_fd`.
    pub fn attach_btf_obj_fd(&self) -> u32 {
        self.attach_prog_fd
    }
}

uapi_struct! {
    /// `BPF_PROG_ATTACH` / `BPF_PROG_DETACH` attributes.
    pub struct BpfAttrProgAttach {
        /// Target cgroup fd or netdev ifindex (a union in C).
        pub target_fd: u32,
        /// The program to attach.
        pub attach_bpf_fd: u32,
        /// `enum bpf_attach_type`
        pub attach_type: u32,
        /// `BPF_F_ALLOW_OVERRIDE`, `BPF_F_ALLOW_MULTI`, ...
        pub attach_flags: u32,
        /// Program to replace with `BPF_F_REPLACE`.
        pub replace_bpf_fd: u32,
        /// Relative fd or id for `BPF_F_BEFORE`/`BPF_F_AFTER` (a union in C).
        pub relative_fd: u32,
        /// Expected revision of the attach point.
        pub expected_revision: u64,
    }
}
const_assert_eq!(BpfAttrProgAttach::SIZE, 32);
const_assert_eq!(offset_of!(BpfAttrProgAttach, attach_type), 8);
const_assert_eq!(offset_of!(BpfAttrProgAttach, relative_fd), 20);
const_assert_eq!(offset_of!(BpfAttrProgAttach, expected_revision), 24);

uapi_struct! {
    /// `BPF_PROG_TEST_RUN` attributes.
    pub struct BpfAttrTestRun {
        /// The program.
        pub prog_fd: u32,
        /// Out: the program's return value.
        pub retval: u32,
        /// Size of `data_in`.
        pub data_size_in: u32,
        /// In: size of `data_out`; out: size of the output data.
        pub data_size_out: u32,
        /// Pointer to the input packet.
        pub data_in: u64,
        /// Pointer to the output buffer.
        pub data_out: u64,
        /// Number of runs.
        pub repeat: u32,
        /// Out: average ns per run.
        pub duration: u32,
        /// Size of `ctx_in`.
        pub ctx_size_in: u32,
        /// In: size of `ctx_out`; out: size of the output context.
        pub ctx_size_out: u32,
        /// Pointer to the input context.
        pub ctx_in: u64,
        /// Pointer to the output context buffer.
        pub ctx_out: u64,
        /// `BPF_F_TEST_*` flags.
        pub flags: u32,
        /// CPU to run on, with `BPF_F_TEST_RUN_ON_CPU`.
        pub cpu: u32,
        /// Batch size for XDP live frames.
        pub batch_size: u32,
    }
}
const_assert_eq!(BpfAttrTestRun::SIZE, 80);
const_assert_eq!(offset_of!(BpfAttrTestRun, data_in), 16);
const_assert_eq!(offset_of!(BpfAttrTestRun, repeat), 32);
const_assert_eq!(offset_of!(BpfAttrTestRun, ctx_in), 48);
const_assert_eq!(offset_of!(BpfAttrTestRun, flags), 64);
const_assert_eq!(offset_of!(BpfAttrTestRun, batch_size), 72);
const_assert_eq!(BpfAttrTestRun::LAST_FIELD_END, 76);

uapi_struct! {
    /// `BPF_*_GET_NEXT_ID` and `BPF_*_GET_FD_BY_ID` attributes.
    pub struct BpfAttrGetId {
        /// `start_id` / `prog_id` / `map_id` / `btf_id` / `link_id` (a union in C).
        pub start_id: u32,
        /// Out: the next id.
        pub next_id: u32,
        /// `BPF_F_RDONLY` / `BPF_F_WRONLY` for map fds.
        pub open_flags: u32,
        /// BPF token fd.
        pub fd_by_id_token_fd: i32,
    }
}
const_assert_eq!(BpfAttrGetId::SIZE, 16);

impl BpfAttrGetId {
    /// The `prog_id` member of the union with `start_id`.
    pub fn prog_id(&self) -> u32 {
        self.start_id
    }
}

uapi_struct! {
    /// `BPF_OBJ_GET_INFO_BY_FD` attributes.
    pub struct BpfAttrInfo {
        /// The object.
        pub bpf_fd: u32,
        /// In: size of the user buffer; out: bytes written.
        pub info_len: u32,
        /// Pointer to the user buffer.
        pub info: u64,
    }
}
const_assert_eq!(BpfAttrInfo::SIZE, 16);

uapi_struct! {
    /// `struct bpf_prog_info`, filled by `BPF_OBJ_GET_INFO_BY_FD`.
    pub struct BpfProgInfo {
        /// `enum bpf_prog_type`
        pub prog_type: u32,
        /// Program id.
        pub id: u32,
        /// The 8-byte tag.
        pub tag: [u8; 8],
        /// Bytes of the JIT image.
        pub jited_prog_len: u32,
        /// Bytes of the rewritten program.
        pub xlated_prog_len: u32,
        /// Pointer to a buffer for the JIT image.
        pub jited_prog_insns: u64,
        /// Pointer to a buffer for the rewritten program.
        pub xlated_prog_insns: u64,
        /// Load time in ns since boot.
        pub load_time: u64,
        /// uid of the loader.
        pub created_by_uid: u32,
        /// In: room in `map_ids`; out: number of maps used.
        pub nr_map_ids: u32,
        /// Pointer to a `u32` array of map ids.
        pub map_ids: u64,
        /// Name, NUL padded.
        pub name: [u8; 16],
        /// Offload device.
        pub ifindex: u32,
        /// Bit 0: `gpl_compatible`.
        pub gpl_compatible: u32,
        /// Device of the netns of an offloaded program.
        pub netns_dev: u64,
        /// Inode of the netns of an offloaded program.
        pub netns_ino: u64,
        /// Number of JIT symbols (subprograms).
        pub nr_jited_ksyms: u32,
        /// Number of JIT function lengths.
        pub nr_jited_func_lens: u32,
        /// Pointer to a `u64` array of symbol addresses.
        pub jited_ksyms: u64,
        /// Pointer to a `u32` array of function lengths.
        pub jited_func_lens: u64,
        /// BTF id.
        pub btf_id: u32,
        /// Size of one func_info record.
        pub func_info_rec_size: u32,
        /// Pointer to func_info records.
        pub func_info: u64,
        /// Number of func_info records.
        pub nr_func_info: u32,
        /// Number of line_info records.
        pub nr_line_info: u32,
        /// Pointer to line_info records.
        pub line_info: u64,
        /// Pointer to JIT line info.
        pub jited_line_info: u64,
        /// Number of JIT line info records.
        pub nr_jited_line_info: u32,
        /// Size of one line_info record.
        pub line_info_rec_size: u32,
        /// Size of one JIT line info record.
        pub jited_line_info_rec_size: u32,
        /// Number of subprogram tags.
        pub nr_prog_tags: u32,
        /// Pointer to an array of 8-byte tags.
        pub prog_tags: u64,
        /// Total run time in ns (with stats enabled).
        pub run_time_ns: u64,
        /// Number of runs (with stats enabled).
        pub run_cnt: u64,
        /// Runs skipped by recursion protection.
        pub recursion_misses: u64,
        /// Instructions the verifier processed.
        pub verified_insns: u32,
        /// BTF object id of the attach target.
        pub attach_btf_obj_id: u32,
        /// BTF id of the attach target.
        pub attach_btf_id: u32,
    }
}
const_assert_eq!(BpfProgInfo::SIZE, 232);
const_assert_eq!(offset_of!(BpfProgInfo, load_time), 40);
const_assert_eq!(offset_of!(BpfProgInfo, name), 64);
const_assert_eq!(offset_of!(BpfProgInfo, gpl_compatible), 84);
const_assert_eq!(offset_of!(BpfProgInfo, nr_prog_tags), 180);
const_assert_eq!(offset_of!(BpfProgInfo, run_time_ns), 192);
const_assert_eq!(offset_of!(BpfProgInfo, verified_insns), 216);
const_assert_eq!(offset_of!(BpfProgInfo, attach_btf_id), 224);

uapi_struct! {
    /// `struct bpf_map_info`, filled by `BPF_OBJ_GET_INFO_BY_FD`.
    pub struct BpfMapInfo {
        /// `enum bpf_map_type`
        pub map_type: u32,
        /// Map id.
        pub id: u32,
        /// Key size.
        pub key_size: u32,
        /// Value size.
        pub value_size: u32,
        /// Maximum entries.
        pub max_entries: u32,
        /// Map flags.
        pub map_flags: u32,
        /// Name, NUL padded.
        pub name: [u8; 16],
        /// Offload device.
        pub ifindex: u32,
        /// vmlinux BTF value type id.
        pub btf_vmlinux_value_type_id: u32,
        /// Device of the netns.
        pub netns_dev: u64,
        /// Inode of the netns.
        pub netns_ino: u64,
        /// BTF id.
        pub btf_id: u32,
        /// BTF key type id.
        pub btf_key_type_id: u32,
        /// BTF value type id.
        pub btf_value_type_id: u32,
        /// vmlinux BTF id.
        pub btf_vmlinux_id: u32,
        /// Type-specific extra.
        pub map_extra: u64,
        /// Pointer to a buffer for the map's hash.
        pub hash: u64,
        /// Size of that buffer.
        pub hash_size: u32,
    }
}
const_assert_eq!(BpfMapInfo::SIZE, 104);
const_assert_eq!(offset_of!(BpfMapInfo, map_extra), 80);
const_assert_eq!(offset_of!(BpfMapInfo, hash_size), 96);

/// Copies a Rust string into a NUL-padded 16-byte name field, truncating
/// to 15 bytes so the NUL always fits.
pub fn obj_name(s: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    let n = s.len().min(15);
    out[..n].copy_from_slice(&s.as_bytes()[..n]);
    out
}

/// The string of a NUL-padded name field, up to its first NUL.
pub fn obj_name_str(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prog_load_round_trips_and_zero_extends() {
        let a = BpfAttrProgLoad {
            prog_type: 6,
            insn_cnt: 2,
            insns: 0x1000,
            keyring_id: -1,
            prog_name: obj_name("xdp_pass"),
            ..Default::default()
        };
        let b = a.to_bytes();
        assert_eq!(b.len(), 168);
        assert_eq!(BpfAttrProgLoad::from_bytes(&b), a);
        // An old, shorter attr leaves the new fields zero.
        let short = BpfAttrProgLoad::from_bytes(&b[..48]);
        assert_eq!(short.insns, 0x1000);
        assert_eq!(short.keyring_id, 0);
        assert_eq!(obj_name_str(&a.prog_name), "xdp_pass");
    }

    #[test]
    fn last_field_ends() {
        assert_eq!(BpfAttrProgLoad::LAST_FIELD_END, 168);
        assert_eq!(BpfAttrMapCreate::LAST_FIELD_END, 92);
        assert_eq!(BpfAttrMapElem::LAST_FIELD_END, 32);
        assert_eq!(BpfAttrInfo::LAST_FIELD_END, 16);
    }
}

//! Struct sizes from the running kernel's BTF (`/sys/kernel/btf/vmlinux`):
//! enough of the format (`include/uapi/linux/btf.h`) to walk the type
//! section and find a struct by name.
//!
//! The report uses them for what can be said of the kernel verifier's
//! memory: the kernel reports no per-load figure, but the sizes of the
//! objects `bpf_check` allocates are in its BTF.

use std::collections::HashMap;

/// `BTF_MAGIC`.
const BTF_MAGIC: u16 = 0xeb9f;
/// `BTF_KIND_STRUCT`.
const BTF_KIND_STRUCT: u32 = 4;

/// The sizes of the named structs of a BTF blob.
#[derive(Debug, Default)]
pub struct StructSizes(HashMap<String, u32>);

impl StructSizes {
    /// Reads `/sys/kernel/btf/vmlinux`.
    pub fn vmlinux() -> Result<StructSizes, String> {
        let path = "/sys/kernel/btf/vmlinux";
        let data = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        StructSizes::parse(&data).map_err(|e| format!("{path}: {e}"))
    }

    /// Parses a BTF blob (little-endian, as on x86-64).
    pub fn parse(data: &[u8]) -> Result<StructSizes, String> {
        let u16_at = |o: usize| data.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        let u32_at = |o: usize| data.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let short = || "truncated".to_string();
        if u16_at(0) != Some(BTF_MAGIC) {
            return Err("not little-endian BTF (bad magic)".into());
        }
        let hdr_len = u32_at(4).ok_or_else(short)? as usize;
        let type_off = u32_at(8).ok_or_else(short)? as usize;
        let type_len = u32_at(12).ok_or_else(short)? as usize;
        let str_off = u32_at(16).ok_or_else(short)? as usize;
        let str_len = u32_at(20).ok_or_else(short)? as usize;
        let types = data.get(hdr_len + type_off..hdr_len + type_off + type_len).ok_or_else(short)?;
        let strs = data.get(hdr_len + str_off..hdr_len + str_off + str_len).ok_or_else(short)?;
        let name = |off: usize| -> Option<String> {
            let s = strs.get(off..)?;
            let end = s.iter().position(|&b| b == 0)?;
            Some(String::from_utf8_lossy(&s[..end]).into_owned())
        };
        let t32 = |o: usize| types.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let mut sizes = HashMap::new();
        let mut o = 0;
        while o < types.len() {
            let (name_off, info, size) = match (t32(o), t32(o + 4), t32(o + 8)) {
                (Some(a), Some(b), Some(c)) => (a, b, c),
                _ => return Err(format!("type at byte {o} runs past the type section")),
            };
            let kind = (info >> 24) & 0x1f;
            let vlen = (info & 0xffff) as usize;
            // bytes after `struct btf_type`, per kind
            let extra = match kind {
                1 | 14 | 17 => 4,              // INT, VAR, DECL_TAG
                3 => 12,                       // ARRAY
                4 | 5 => 12 * vlen,            // STRUCT, UNION: btf_member
                6 => 8 * vlen,                 // ENUM
                13 => 8 * vlen,                // FUNC_PROTO: btf_param
                15 | 19 => 12 * vlen,          // DATASEC, ENUM64
                0 | 2 | 7..=12 | 16 | 18 => 0, // PTR, FWD, modifiers, FUNC, FLOAT, TYPE_TAG
                k => return Err(format!("unknown BTF kind {k}")),
            };
            if kind == BTF_KIND_STRUCT && name_off != 0 {
                if let Some(n) = name(name_off as usize) {
                    sizes.entry(n).or_insert(size);
                }
            }
            o += 12 + extra;
        }
        Ok(StructSizes(sizes))
    }

    /// `sizeof(struct name)`.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF blob with `int` and `struct pair { int a; int b; }`.
    fn blob() -> Vec<u8> {
        let strs = b"\0int\0pair\0a\0b\0".to_vec();
        let mut types = Vec::new();
        let mut put = |v: &[u32]| v.iter().for_each(|x| types.extend_from_slice(&x.to_le_bytes()));
        put(&[1, 1 << 24, 4, 32]); // [1] int, 32 bits
        put(&[5, (4 << 24) | 2, 8, 10, 1, 0, 12, 1, 32]); // [2] struct pair
        let mut b = Vec::new();
        b.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        b.extend_from_slice(&[1, 0]);
        for v in [24u32, 0, types.len() as u32, types.len() as u32, strs.len() as u32] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&types);
        b.extend_from_slice(&strs);
        b
    }

    #[test]
    fn finds_struct_sizes_and_refuses_bad_blobs() {
        let s = StructSizes::parse(&blob()).unwrap();
        assert_eq!(s.get("pair"), Some(8));
        assert_eq!(s.get("int"), None);
        assert!(StructSizes::parse(b"nope").is_err());
        let mut cut = blob();
        cut.truncate(40);
        assert!(StructSizes::parse(&cut).is_err());
    }

    #[test]
    fn the_running_kernel_has_the_verifier_structs_or_says_why_not() {
        match StructSizes::vmlinux() {
            Ok(s) => assert!(s.get("bpf_verifier_env").is_some_and(|n| n > 1000)),
            Err(e) => println!("vmlinux BTF unavailable here ({e}); checked the parser on a built blob only"),
        }
    }
}

//! The benchmark set: XDP programs in the assembler's text
//! (`progs/*.s`), the packet they run on, and the value each must return.
//!
//! One text per program, assembled once by `bpf_core::asm`; the same
//! instructions go to the project's `bpf()`, to the running kernel's and
//! to rbpf. The only difference is rbpf's (see [`rbpf_encoding`]): rbpf
//! has no program types and no verifier rewrites, so the two `xdp_md`
//! loads at the start of a program are given to it in the form the
//! kernel's `convert_ctx_accesses` turns them into.
//!
//! XDP because it has `BPF_PROG_TEST_RUN` with `repeat` and direct packet
//! access (socket filters have neither packet pointers nor stores to a
//! buffer), and every program here is valid for the kernel's verifier.

use bpf_core::asm::asm;
use bpf_core::uapi::*;

/// The program type of the whole set.
pub const PROG_TYPE: BpfProgType = BPF_PROG_TYPE_XDP;
/// Bytes of the test-run packet.
pub const PACKET_LEN: usize = 1024;
/// rbpf's stand-in for `struct xdp_buff`: where its metadata buffer holds
/// the packet's start and end (as `xdp_buff.data` and `.data_end`).
pub const RBPF_DATA_OFF: usize = 0;
/// See [`RBPF_DATA_OFF`].
pub const RBPF_DATA_END_OFF: usize = 8;

/// One benchmark program.
#[derive(Clone, Debug)]
pub struct BenchProg {
    /// Short name (the file name without `.s`).
    pub name: String,
    /// The first comment line of the text.
    pub what: String,
    /// The assembler text.
    pub text: String,
    /// The instructions, as `bpf()` receives them.
    pub insns: Vec<BpfInsn>,
    /// The return value every engine must give on [`packet`] (test-run's
    /// `retval`: r0 cut to 32 bits).
    pub expect: u32,
}

impl BenchProg {
    /// Assembles `text`; `what` is its first comment line.
    pub fn from_text(name: &str, text: &str, expect: u32) -> Result<BenchProg, String> {
        let insns = asm(text).map_err(|e| format!("{name}: {e}"))?;
        let what = text
            .lines()
            .find_map(|l| l.trim().strip_prefix('#'))
            .map(|l| l.trim().to_string())
            .unwrap_or_default();
        Ok(BenchProg { name: name.into(), what, text: text.into(), insns, expect })
    }
}

/// The packet every program runs on: 1 KiB of fixed pseudo-random bytes.
pub fn packet() -> Vec<u8> {
    (0..PACKET_LEN as u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

/// `r0 = 0; exit`: its time is each engine's fixed cost per run.
pub fn empty() -> BenchProg {
    BenchProg::from_text("empty", include_str!("progs/empty.s"), 0).expect("empty.s assembles")
}

/// The benchmark set, in report order. The last is the largest.
pub fn bench_set() -> Result<Vec<BenchProg>, String> {
    let pkt = packet();
    let jhash_text = include_str!("progs/jhash_1k.s");
    let n = 10_000u64;
    Ok(vec![
        BenchProg::from_text("sum_loop", include_str!("progs/sum_loop.s"), (n * (n + 1) / 2) as u32)?,
        BenchProg::from_text("mem_loop", include_str!("progs/mem_loop.s"), mem_loop_ref(&pkt))?,
        BenchProg::from_text("jhash_1k", jhash_text, jhash(&pkt, 0))?,
        BenchProg::from_text("helper_loop", include_str!("progs/helper_loop.s"), n as u32)?,
        BenchProg::from_text(
            "bpf2bpf_calls",
            include_str!("progs/bpf2bpf_calls.s"),
            (1..=n).map(|x| 3 * x + 1).sum::<u64>() as u32,
        )?,
        BenchProg::from_text("jhash_1k_unrolled", &unroll(jhash_text, "loop", 85)?, jhash(&pkt, 0))?,
    ])
}

/// `text` with its loop (the lines after label `label:` up to the jump
/// back to it) written out `times` times and the jump dropped, as clang's
/// `#pragma unroll` emits a counted loop. The first comment line says so.
pub fn unroll(text: &str, label: &str, times: usize) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let head = format!("{label}:");
    let start = lines.iter().position(|l| l.trim() == head).ok_or(format!("no label `{head}`"))?;
    let back = format!("goto {label}");
    let end = lines[start..]
        .iter()
        .position(|l| l.split('#').next().unwrap_or("").trim_end().ends_with(&back))
        .map(|i| start + i)
        .ok_or(format!("no jump back to `{label}`"))?;
    let mut out =
        vec![format!("# The same program with its loop unrolled {times} times (as `#pragma unroll` does).")];
    out.extend(lines[..start].iter().map(|l| l.to_string()));
    for _ in 0..times {
        out.extend(lines[start + 1..end].iter().map(|l| l.to_string()));
    }
    out.extend(lines[end + 1..].iter().map(|l| l.to_string()));
    Ok(out.join("\n") + "\n")
}

/// The instructions rbpf runs: `insns` with the leading loads of
/// `xdp_md->data` and `xdp_md->data_end` from the context (r1) written as
/// the kernel's `xdp_convert_ctx_access` writes them, 8-byte loads of
/// `xdp_buff.data` (offset 0) and `.data_end` (offset 8); rbpf's
/// metadata buffer is laid out so ([`RBPF_DATA_OFF`]). Any other context
/// access has no rbpf form and is an error.
pub fn rbpf_encoding(insns: &[BpfInsn]) -> Result<Vec<u8>, String> {
    let mut out = insns.to_vec();
    let ldx_w = BPF_LDX | BPF_MEM | BPF_W;
    for (i, insn) in out.iter_mut().enumerate() {
        if insn.code == ldx_w && insn.src_reg() == 1 && insn.dst_reg() != 1 {
            let off = match insn.off {
                0 => RBPF_DATA_OFF,
                4 => RBPF_DATA_END_OFF,
                o => return Err(format!("insn {i}: xdp_md access at offset {o} has no rbpf form")),
            };
            *insn = BpfInsn::ldx_mem(BPF_DW, insn.dst_reg(), 1, off as i16);
        } else {
            // the context is read only before r1 is first written
            break;
        }
    }
    Ok(insns_to_bytes(&out))
}

/// What `mem_loop.s` returns: the sum of the packet's little-endian u64
/// words, 16 times, cut to 32 bits.
fn mem_loop_ref(pkt: &[u8]) -> u32 {
    let sum = pkt
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .fold(0u64, u64::wrapping_add);
    sum.wrapping_mul(16) as u32
}

/// The kernel's `jhash()` (include/linux/jhash.h): the reference for
/// `jhash_1k.s`.
pub fn jhash(key: &[u8], initval: u32) -> u32 {
    let v = 0xdead_beefu32.wrapping_add(key.len() as u32).wrapping_add(initval);
    let (mut a, mut b, mut c) = (v, v, v);
    let le = |k: &[u8]| {
        let mut w = [0u8; 4];
        w[..k.len()].copy_from_slice(k);
        u32::from_le_bytes(w)
    };
    let mut k = key;
    while k.len() > 12 {
        a = a.wrapping_add(le(&k[0..4]));
        b = b.wrapping_add(le(&k[4..8]));
        c = c.wrapping_add(le(&k[8..12]));
        // __jhash_mix
        for (x, y, z, n) in
            [(0, 1, 2, 4), (1, 2, 0, 6), (2, 0, 1, 8), (0, 1, 2, 16), (1, 2, 0, 19), (2, 0, 1, 4)]
        {
            let mut r = [a, b, c];
            r[x] = r[x].wrapping_sub(r[z]);
            r[x] ^= r[z].rotate_left(n);
            r[z] = r[z].wrapping_add(r[y]);
            [a, b, c] = r;
        }
        k = &k[12..];
    }
    if k.is_empty() {
        return c;
    }
    a = a.wrapping_add(le(&k[..k.len().min(4)]));
    if k.len() > 4 {
        b = b.wrapping_add(le(&k[4..k.len().min(8)]));
    }
    if k.len() > 8 {
        c = c.wrapping_add(le(&k[8..]));
    }
    // __jhash_final
    for (z, y, n) in [(2, 1, 14), (0, 2, 11), (1, 0, 25), (2, 1, 16), (0, 2, 4), (1, 0, 14), (2, 1, 24)] {
        let mut r = [a, b, c];
        r[z] ^= r[y];
        r[z] = r[z].wrapping_sub(r[y].rotate_left(n));
        [a, b, c] = r;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jhash_matches_known_values() {
        // The kernel's jhash is Bob Jenkins' lookup3 hashlittle(); these
        // are the values lookup3.c's own self-test prints.
        assert_eq!(jhash(b"", 0), 0xdead_beef);
        assert_eq!(jhash(b"Four score and seven years ago", 0), 0x1777_0551);
        assert_eq!(jhash(b"Four score and seven years ago", 1), 0xcd62_8161);
    }

    #[test]
    fn every_program_assembles_and_unrolling_drops_only_the_loop() {
        let set = bench_set().unwrap();
        assert_eq!(set.len(), 6);
        let looped = set.iter().find(|p| p.name == "jhash_1k").unwrap();
        let unrolled = set.iter().find(|p| p.name == "jhash_1k_unrolled").unwrap();
        // 56 loop-body instructions (6 loads and adds, 6 mix steps of 8,
        // 2 counters), once in the loop, 85 times unrolled; the back jump gone
        let body = 6 + 6 * 8 + 2;
        assert_eq!(unrolled.insns.len(), looped.insns.len() - body - 1 + 85 * body);
        assert!(unrolled.what.contains("unrolled 85 times"));
        assert_eq!(set.iter().max_by_key(|p| p.insns.len()).unwrap().name, "jhash_1k_unrolled");
    }

    #[test]
    fn every_program_returns_its_reference_value_on_rbpfs_interpreter() {
        // rbpf's interpreter checks every memory access against the packet
        // and the stack: the programs and the Rust references agree.
        let pkt = packet();
        for p in bench_set().unwrap().iter().chain([&empty()]) {
            let code = rbpf_encoding(&p.insns).unwrap();
            let mut vm = crate::bench::rbpf::RbpfProg::new(&code, false, &pkt).unwrap();
            assert_eq!(vm.run().map(|r| r as u32), Ok(p.expect), "{}", p.name);
        }
    }

    #[test]
    fn rbpf_gets_the_kernels_rewrite_of_the_ctx_loads() {
        let p = BenchProg::from_text(
            "t",
            "r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr1 = r2\nr4 = *(u32 *)(r1 +4)\nexit",
            0,
        )
        .unwrap();
        let bytes = rbpf_encoding(&p.insns).unwrap();
        let got = insns_from_bytes(&bytes).unwrap();
        assert_eq!(got[0], BpfInsn::ldx_mem(BPF_DW, 2, 1, 0));
        assert_eq!(got[1], BpfInsn::ldx_mem(BPF_DW, 3, 1, 8));
        // r1 is the packet from here on: left alone
        assert_eq!(got[3], p.insns[3]);
        let bad = BenchProg::from_text("t", "r2 = *(u32 *)(r1 +8)\nexit", 0).unwrap();
        assert!(rbpf_encoding(&bad.insns).is_err());
    }
}

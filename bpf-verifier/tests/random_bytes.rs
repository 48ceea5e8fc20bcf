//! Any byte sequence given as instructions gets a verdict and an errno,
//! never a panic: random bytes, and random programs built from plausible
//! opcodes (which get much further into `do_check`).

use bpf_core::uapi::*;
use bpf_verifier::standalone::{shape_only_map, verify, VerifyOpts};
use proptest::prelude::*;

const TYPES: [BpfProgType; 6] = [
    BPF_PROG_TYPE_SOCKET_FILTER,
    BPF_PROG_TYPE_SCHED_CLS,
    BPF_PROG_TYPE_XDP,
    BPF_PROG_TYPE_KPROBE,
    BPF_PROG_TYPE_TRACEPOINT,
    BPF_PROG_TYPE_CGROUP_SKB,
];

fn run(t: usize, insns: &[BpfInsn], level: u32, log_size: u32) {
    let maps =
        vec![shape_only_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4), shape_only_map(BPF_MAP_TYPE_HASH, 8, 16, 16)];
    let opts = VerifyOpts { log_level: level, log_size, ..Default::default() };
    let v = verify(TYPES[t % TYPES.len()], insns, maps, &opts);
    if let Err(e) = v.result {
        assert!(e.0 > 0, "errno {e:?}");
    }
}

/// An insn from a plausible opcode with small registers and offsets.
fn plausible_insn() -> impl Strategy<Value = BpfInsn> {
    let codes: Vec<u8> = (0..=255u8).filter(|&c| bpf_verifier::bpf_opcode_in_insntable(c)).collect();
    (prop::sample::select(codes), 0u8..11, 0u8..11, -16i16..16, prop_oneof![-64i32..64, any::<i32>()])
        .prop_map(|(code, dst, src, off, imm)| {
            let off = if bpf_class(code) == BPF_STX || bpf_class(code) == BPF_ST || bpf_class(code) == BPF_LDX
            {
                off * 8
            } else {
                off
            };
            BpfInsn::new(code, dst, src, off, imm)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 8..256), t in 0usize..6, level in 0u32..3) {
        let mut b = bytes;
        b.truncate(b.len() / 8 * 8);
        let insns = insns_from_bytes(&b).expect("multiple of 8");
        run(t, &insns, level, 1 << 16);
    }

    #[test]
    fn plausible_programs_never_panic(mut insns in prop::collection::vec(plausible_insn(), 1..40), t in 0usize..6, level in 0u32..3, small_log in any::<bool>()) {
        insns.push(BpfInsn::mov64_imm(0, 0));
        insns.push(BpfInsn::exit());
        run(t, &insns, level, if small_log { 64 } else { 1 << 16 });
    }
}

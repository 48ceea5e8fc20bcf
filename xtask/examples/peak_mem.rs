//! Peak heap of one `bpf_check` of ours per benchmark program, measured
//! the way `cargo xtask bench` does (a counting global allocator), without
//! the timing runs: `cargo run -p xtask --example peak_mem [NAME]`. A
//! debug build allocates what a release build does, so it measures the
//! same. `PEAK_MEM_STATS=1` adds each program's `BPF_LOG_STATS` lines
//! (`peak_states`), `PEAK_MEM_SIZES=1` the verifier's struct sizes beside
//! the running kernel's (BTF).

use bpf_verifier::standalone::{verify, VerifyOpts};
use xtask::bench::counting::Counting;
use xtask::bench::{progs, PeakMem};

#[global_allocator]
static ALLOC: Counting = Counting::new();

fn main() {
    let only = std::env::args().nth(1);
    if std::env::var_os("PEAK_MEM_SIZES").is_some() {
        use bpf_verifier::state::*;
        if let Ok(b) = xtask::bench::btf::StructSizes::vmlinux() {
            for n in [
                "bpf_reg_state",
                "bpf_stack_state",
                "bpf_func_state",
                "bpf_verifier_state",
                "bpf_verifier_state_list",
                "bpf_insn_aux_data",
                "bpf_verifier_env",
                "bpf_verifier_stack_elem",
            ] {
                println!("kernel {n}: {:?}", b.get(n));
            }
        }
        println!(
            "ours reg {} stack {} func {} vstate {} sl {} aux {} elem {}",
            size_of::<BpfRegState>(),
            size_of::<BpfStackState>(),
            size_of::<BpfFuncState>(),
            size_of::<BpfVerifierState>(),
            size_of::<bpf_verifier::env::BpfVerifierStateList>(),
            size_of::<BpfInsnAuxData>(),
            size_of::<bpf_verifier::env::BpfVerifierStackElem>()
        );
    }
    let set = progs::bench_set().expect("the benchmark programs assemble");
    for p in set.iter().filter(|p| only.as_ref().map_or(true, |o| p.name.contains(o.as_str()))) {
        let vopts = VerifyOpts { log_level: 0, log_size: 0, ..VerifyOpts::default() };
        ALLOC.reset_peak();
        let v = verify(progs::PROG_TYPE, &p.insns, Vec::new(), &vopts);
        let peak = ALLOC.peak_since_reset();
        println!(
            "{:<22} {:>6} insns  {:>9.1} KiB  {:?}",
            p.name,
            p.insns.len(),
            peak as f64 / 1024.0,
            v.result
        );
        if std::env::var_os("PEAK_MEM_STATS").is_some() {
            let sopts = VerifyOpts { log_level: 4, log_size: 1 << 20, ..VerifyOpts::default() };
            print!("{}", verify(progs::PROG_TYPE, &p.insns, Vec::new(), &sopts).log);
        }
    }
}

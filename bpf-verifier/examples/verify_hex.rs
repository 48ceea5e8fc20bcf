//! Verifies one program given as hex and prints the verdict and the log,
//! for comparing with the running kernel by hand:
//!
//! ```sh
//! cargo run -p bpf-verifier --example verify_hex -- socket_filter 2 b70000002a0000009500000000000000
//! cargo run -p bpf-verifier --example verify_hex -- xdp 1 <hex> array:4:8:1
//! ```
//!
//! Maps are `type:key_size:value_size:max_entries`; the program refers to
//! the n-th one as fd `n`.

use bpf_core::uapi::*;
use bpf_verifier::standalone::{named_shape_only_map, verify, VerifyOpts};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: verify_hex <prog_type> <log_level> <hex insns> [type:ks:vs:max]...");
        std::process::exit(2);
    }
    let Some(prog_type) = BpfProgType::from_name(&args[0]) else {
        eprintln!("unknown program type {}", args[0]);
        std::process::exit(2);
    };
    let log_level: u32 = args[1].parse().unwrap_or(1);
    let bytes: Vec<u8> = (0..args[2].len() / 2)
        .filter_map(|i| u8::from_str_radix(&args[2][2 * i..2 * i + 2], 16).ok())
        .collect();
    let Some(insns) = insns_from_bytes(&bytes) else {
        eprintln!("hex is not a whole number of instructions");
        std::process::exit(2);
    };
    let maps = args[3..]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let p: Vec<&str> = m.split(':').collect();
            let t = BpfMapType::from_name(p[0]).unwrap_or(BPF_MAP_TYPE_ARRAY);
            let n = |i: usize| p.get(i).and_then(|v| v.parse().ok()).unwrap_or(4);
            // named as kernel_oracle.py names them
            named_shape_only_map(&format!("m{i}"), t, n(1), n(2), n(3))
        })
        .collect();
    // fd_array holds the maps when there are any, as kernel_oracle.py passes it
    let mut opts = VerifyOpts { log_level, fd_array: args.len() > 3, ..Default::default() };
    // EAT=<attach type name> sets expected_attach_type
    if let Some(t) = std::env::var("EAT").ok().and_then(|n| BpfAttachType::from_name(&n)) {
        opts.expected_attach_type = t;
    }
    // LOGSZ=<bytes> sets log_size
    if let Some(n) = std::env::var("LOGSZ").ok().and_then(|n| n.parse().ok()) {
        opts.log_size = n;
    }
    let v = verify(prog_type, &insns, maps, &opts);
    match v.result {
        Ok(()) => println!("accepted=True errno=None"),
        Err(e) => println!("accepted=False errno={e:?}"),
    }
    print!("{}", v.log);
    // XLATED=1 prints the rewritten program as hex on a last line
    if std::env::var_os("XLATED").is_some() && v.result.is_ok() {
        let b = bpf_core::uapi::insns_to_bytes(&v.prog.insnsi);
        println!("xlated {}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
    }
}

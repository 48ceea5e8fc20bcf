#[test]
fn dbg3() {
    let text = std::fs::read_to_string(std::env::var("PROG").unwrap()).unwrap();
    let t: u32 = std::env::var("PT").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let case = xtask::soundness::SoundCase {
        name: "x".into(),
        prog_type: bpf_core::uapi::BpfProgType(t),
        insns: bpf_core::asm::asm(&text).unwrap(),
        maps: vec![],
        data: None,
        ctx: None,
        expected_attach_type: 0,
        prog_flags: 0,
    };
    let o = xtask::soundness::CheckOpts { reasons: true, ..Default::default() };
    let r = xtask::soundness::check_case(&case, &o);
    println!("{:?} {:?} faults={}", r.verdict, r.error_line, r.faults);
    if let Some(f) = r.first_fault {
        println!("{f}");
    }
}
#[test]
fn json() {
    let text = std::fs::read_to_string(std::env::var("PROG").unwrap()).unwrap();
    let t = std::env::var("PTN").unwrap_or("sched_cls".into());
    let insns = bpf_core::asm::asm(&text).unwrap();
    println!(
        "JSON {}",
        serde_json::json!({"name": "x", "prog_type": t, "insns": xtask::outcome::hex(&bpf_core::uapi::insns_to_bytes(&insns))})
    );
}

//! `bpftool prog load`, run as a user runs it: the README's first command
//! on the bundled example, a refused program, and bad usage.

mod common;
use common::{bpftool, text};

/// What Linux 6.18.44 reports for `sum.s` loaded as a socket filter
/// (`kernel_oracle.py`, 2026-12-02): the level-1 log, the tag and the
/// test-run result. Only the duration differs from run to run.
#[test]
fn readme_example_loads_as_the_kernel_loads_it() {
    let out = bpftool(&["prog", "load", "bpftool/examples/sum.s", "trace"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let (head, run) = stdout.rsplit_once("test run: ").expect("a test-run line");
    assert!(run.starts_with("retval 500500 (0x7a314), duration "), "{run}");
    let chain = head.lines().nth(1).expect("the load sequence");
    assert!(chain.starts_with("bpf_prog_load -> CHECK_ATTR -> "), "{chain}");
    assert!(chain.contains(" -> bpf_check -> bpf_prog_select_runtime -> "), "{chain}");
    assert!(chain.ends_with(" -> bpf_prog_new_fd"), "{chain}");
    let rest: Vec<&str> = head.lines().skip(3).collect();
    assert_eq!(
        rest.join("\n"),
        "verifier log:
processed 3003 insns (limit 1000000) max_states_per_insn 4 total_states 51 peak_states 51 mark_read 0

1: socket_filter  name sum  tag 5e1d042180fa1c24
\txlated 48B  jited 0B (interpreter)  verified_insns 3003
   0: (b7) r0 = 0
   1: (b7) r1 = 1
   2: (0f) r0 += r1
   3: (07) r1 += 1
   4: (b5) if r1 <= 0x3e8 goto pc-3
   5: (95) exit"
    );
}

#[test]
fn refused_program_prints_the_log_and_the_errno() {
    let dir = std::env::temp_dir().join(format!("bpftool-prog-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("uninit.s");
    std::fs::write(&bad, "r0 = r2\nexit\n").unwrap();
    let out = bpftool(&["prog", "load", bad.to_str().unwrap(), "type", "xdp"]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "verifier log:\n0: R1=ctx() R10=fp0\n0: (bf) r0 = r2\nR2 !read_ok\n\
         processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
    );
    assert!(text(&out.stderr).contains("bpf(BPF_PROG_LOAD): EACCES"), "{}", text(&out.stderr));
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        &["prog", "load"][..],
        &["prog", "load", "bpftool/examples/sum.s", "type"][..],
        &["prog", "load", "bpftool/examples/sum.s", "type", "no_such_type"][..],
        &["prog", "load", "bpftool/examples/sum.s", "data_in", "abc"][..],
        &["prog", "load", "bpftool/examples/sum.s", "frob", "1"][..],
    ] {
        let out = bpftool(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
    let missing = bpftool(&["prog", "load", "no/such/file.s"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("no/such/file.s"));
}

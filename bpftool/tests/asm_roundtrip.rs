//! `bpftool prog asm-roundtrip`, run as a user runs it: the README's
//! first command on the bundled example, and its failures.

use std::process::{Command, Stdio};

mod common;
use common::{bpftool, root, text};

/// The bytes of `bpftool/examples/sum.s`: kernel_oracle.py's builtin
/// `sum_1_to_1000`, which Linux 6.18.44 accepts (3003 insns processed)
/// and runs to 500500.
const SUM_HEX: &str =
    "b700000000000000b7010000010000000f100000000000000701000001000000b501fdffe80300009500000000000000";

#[test]
fn readme_example_round_trips() {
    let out = bpftool(&["prog", "asm-roundtrip", "bpftool/examples/sum.s"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "   0: (b7) r0 = 0
   1: (b7) r1 = 1
   2: (0f) r0 += r1
   3: (07) r1 += 1
   4: (b5) if r1 <= 0x3e8 goto pc-3
   5: (95) exit
round trip: 6 instructions assemble, print and assemble back identically
"
    );
}

#[test]
fn example_is_the_program_the_kernel_accepts() {
    let src = std::fs::read_to_string(root().join("bpftool/examples/sum.s")).unwrap();
    let insns = bpf_core::asm::asm(&src).unwrap();
    let hex: String = bpf_core::uapi::insns_to_bytes(&insns).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, SUM_HEX);

    // And the live kernel, when there is one, still accepts it.
    let oracle = match kernel_oracle::find_oracle() {
        Ok(o) => o,
        Err(why) => {
            println!("sum.s: {why}; checked against the recorded bytes only");
            return;
        }
    };
    let mut child = Command::new("python3")
        .arg(&oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{{\"name\":\"sum\",\"insns\":\"{hex}\"}}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.code() == Some(2) {
        println!(
            "sum.s: bpf() refused ({}); checked against the recorded bytes only",
            text(&out.stderr).trim()
        );
        return;
    }
    let result = text(&out.stdout);
    assert!(result.contains("\"accepted\":true") || result.contains("\"accepted\": true"), "{result}");
    assert!(result.contains("\"retval\":500500") || result.contains("\"retval\": 500500"), "{result}");
    println!("sum.s: the live kernel accepts it and returns 500500");
}

#[test]
fn errors_name_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("bpftool-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.s");
    std::fs::write(&bad, "r0 = 0\nr1 = bogus\nexit\n").unwrap();
    let out = bpftool(&["prog", "asm-roundtrip", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "bpftool: {}:2:6: expected a register, a number, a load or an operation, found `bogus`\n",
            bad.display()
        )
    );
    assert!(out.stdout.is_empty());

    let missing = bpftool(&["prog", "asm-roundtrip", "no/such/file.s"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).starts_with("bpftool: no/such/file.s: "));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    for args in [&[][..], &["frob"][..], &["prog"][..], &["prog", "asm-roundtrip"][..]] {
        let out = bpftool(args);
        assert_eq!(out.status.code(), Some(2), "args {args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("usage:"), "args {args:?}");
    }
    assert!(bpftool(&["help"]).status.success());
}

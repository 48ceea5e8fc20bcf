//! Loads a program through `bpf(BPF_PROG_LOAD)` with the load trace on and
//! prints the kernel functions it passed through, then what
//! `BPF_OBJ_GET_INFO_BY_FD` and `BPF_PROG_TEST_RUN` report.
//!
//! ```sh
//! cargo run -p bpf-syscall --example load_trace
//! cargo run -p bpf-syscall --example load_trace -- 'r0 = r2' 'exit'   # a refused one
//! ```

use bpf_core::asm::asm;
use bpf_core::uapi::{obj_name_str, BPF_PROG_TYPE_SOCKET_FILTER};
use bpf_syscall::{Bpf, Kernel, ProgLoadOpts, Task, TestRunOpts};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = if args.is_empty() { "r0 = 42\nexit".to_string() } else { args.join("\n") };
    let insns = match asm(&text) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("load_trace: {e}");
            std::process::exit(2);
        }
    };
    let kernel = Kernel::new();
    let task = Task::root();
    let bpf = Bpf::new(&kernel, &task);
    let out = bpf.prog_load(&ProgLoadOpts {
        name: "traced".into(),
        log_level: 1,
        log_size: 1 << 16,
        trace: true,
        ..ProgLoadOpts::new(BPF_PROG_TYPE_SOCKET_FILTER, insns)
    });
    let trace = out.trace.expect("tracing was on");
    println!("{}\n", trace.arrow_chain());
    print!("{}", trace.tree());
    if !out.log.is_empty() {
        print!("\nverifier log:\n{}", out.log);
    }
    match out.result {
        Ok(fd) => {
            let info = bpf.prog_get_info(fd).expect("info of a loaded program");
            let tag: String = info.info.tag.iter().map(|b| format!("{b:02x}")).collect();
            println!(
                "\nprog id {} name {} tag {tag} xlated {} bytes jited {} bytes verified_insns {}",
                info.info.id,
                obj_name_str(&info.info.name),
                info.info.xlated_prog_len,
                info.info.jited_prog_len,
                info.info.verified_insns
            );
            match bpf.prog_test_run(fd, &TestRunOpts::data(&[0; 64])) {
                Ok(r) => println!("test run: retval {} ({} ns)", r.retval, r.duration),
                Err(e) => println!("test run: {e}"),
            }
        }
        Err(e) => println!("\nload failed: {e}"),
    }
}

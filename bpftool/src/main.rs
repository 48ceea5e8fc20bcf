//! # bpftool
//!
//! Mirrors `tools/bpf/bpftool`: the command line over the project's `bpf()`.
//! Not built yet: `batch` comes with its issue.

fn main() {
    eprintln!("bpftool: no command is built yet");
    std::process::exit(2);
}

//! The runner of `cargo xtask bench` (release build): the report of
//! `xtask::bench`, with a counting global allocator so that the peak
//! memory of a load can be measured.

use xtask::bench::counting::Counting;

#[global_allocator]
static ALLOC: Counting = Counting::new();

fn main() {
    // rbpf's JIT panics on programs larger than its code page; the report
    // catches that and says so, so the panic message is noise here.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.location().is_some_and(|l| l.file().contains("rbpf")) {
            default_hook(info);
        }
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = xtask::bench::run(&args, Some(&ALLOC)) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

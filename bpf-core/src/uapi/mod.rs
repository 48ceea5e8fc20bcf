//! uapi `linux/bpf.h` and `linux/bpf_common.h` (v6.18): what crosses the
//! user/kernel boundary of `bpf()`.

pub mod attr;
pub mod enums;
pub mod flags;
pub mod insn;

pub use attr::*;
pub use enums::*;
pub use flags::*;
pub use insn::*;

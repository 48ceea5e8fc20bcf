//! What stops a run: [`InterpError`], with the instruction it stopped at and
//! a typed [`InterpErrorKind`].
//!
//! The checked mode reports every unsafe step of an unverified (or wrongly
//! verified) program here instead of performing it: a load or store outside
//! the memory the program may touch, a jump out of the program, a call
//! nested too deep, a helper it cannot resolve. The fast mode trusts the
//! verifier and only reports what the kernel's interpreter would have hit
//! `default_label` (`BUG_ON`) for.

use bpf_core::errno::{Errno, E2BIG, EACCES, EINVAL, ENOTSUPP};
use std::fmt;

/// Why a run stopped. Carries the instruction index (in the program that
/// was running: the entry program, or the target of the last tail call),
/// the call frame and the kind of fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpError {
    /// Index of the faulting instruction in the running program.
    pub insn: usize,
    /// Call frame: 0 for the main program, 1.. for bpf-to-bpf callees.
    pub frame: usize,
    /// Tail calls taken in this frame before the fault (0: still the
    /// program the frame started in).
    pub tail_calls: u32,
    /// What went wrong.
    pub kind: InterpErrorKind,
}

/// The kind of memory access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A load (`LDX`, the read half of an atomic, a helper argument read).
    Read,
    /// A store (`ST`, `STX`, the write half of an atomic, a helper
    /// argument written).
    Write,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

/// Why an access was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessFault {
    /// The range lies in no region the program may touch.
    NoRegion,
    /// The range starts inside a region but runs past its end.
    PastEnd {
        /// Name of the region it starts in.
        region: String,
        /// First byte of the region.
        start: u64,
        /// Length of the region in bytes.
        len: u64,
    },
    /// A write to a region the program may only read.
    ReadOnly {
        /// Name of the region.
        region: String,
    },
    /// An atomic operation on an address not aligned to its size.
    Misaligned,
    /// `addr + size` overflows the address space.
    Overflow,
}

impl fmt::Display for AccessFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessFault::NoRegion => f.write_str("not in any region the program may access"),
            AccessFault::PastEnd { region, start, len } => {
                write!(f, "runs past the end of {region} ({start:#x}, {len} bytes)")
            }
            AccessFault::ReadOnly { region } => write!(f, "{region} is read-only"),
            AccessFault::Misaligned => f.write_str("misaligned atomic access"),
            AccessFault::Overflow => f.write_str("address range wraps around"),
        }
    }
}

/// What went wrong, with the data needed to understand it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterpErrorKind {
    /// The program has no instructions.
    EmptyProgram,
    /// The static checks refused the instruction before the run; the
    /// message is the kernel verifier's text for the same refusal where
    /// it has one (`"BPF_ALU uses reserved fields"`).
    InvalidInsn {
        /// The refusal, in the verifier's words.
        msg: String,
    },
    /// An opcode the interpreter has no handler for (the kernel's
    /// `default_label`: "unknown opcode %02x").
    UnknownOpcode {
        /// The opcode byte.
        code: u8,
        /// Its immediate (the atomic op or byte-swap width selects the
        /// handler for some opcodes).
        imm: i32,
    },
    /// A load or store the checked mode refused.
    BadAccess {
        /// First byte accessed.
        addr: u64,
        /// Bytes accessed.
        size: u64,
        /// Read or write.
        access: Access,
        /// Why it was refused.
        fault: AccessFault,
    },
    /// A jump whose target is outside the program.
    JumpOutOfRange {
        /// The target instruction index (may be negative).
        target: i64,
    },
    /// Execution ran past the last instruction.
    FellOffEnd,
    /// A bpf-to-bpf call would nest deeper than `MAX_CALL_FRAMES` (8).
    CallDepth {
        /// Frames that would be live.
        depth: usize,
    },
    /// A helper call whose immediate names no helper the run knows.
    UnknownHelper {
        /// The call's `imm` (a helper id for unverified programs, a
        /// `BPF_CALL_IMM` distance for verified ones).
        imm: i32,
    },
    /// A helper argument the checked mode refused.
    BadHelperArg {
        /// Helper name.
        helper: &'static str,
        /// Argument register (1..=5).
        arg: u8,
        /// Value of the register.
        value: u64,
        /// Why.
        reason: String,
    },
    /// A register read before anything was written to it (the verifier's
    /// "R%d !read_ok").
    UninitRegister {
        /// The register.
        reg: u8,
    },
    /// A tail call whose map register does not hold a map the run knows.
    BadTailCallMap {
        /// The value of r2.
        value: u64,
    },
    /// `LD_ABS`/`LD_IND` when r6 does not hold the run's socket buffer.
    LdAbsWithoutSkb {
        /// The value of r6.
        r6: u64,
    },
    /// A call the interpreter cannot make (kfunc calls need the JIT, as in
    /// the kernel).
    Unsupported {
        /// What.
        what: &'static str,
    },
    /// The run executed more instructions than its budget allows.
    InsnLimit {
        /// The budget.
        limit: u64,
    },
}

impl InterpError {
    /// The errno the kernel returns for the closest failure: `EINVAL` for
    /// malformed programs, `EACCES` for refused accesses (the verifier's
    /// answer to an unsafe access), `E2BIG` for exhausted budgets,
    /// `ENOTSUPP` for what only the JIT runs.
    pub fn errno(&self) -> Errno {
        match &self.kind {
            InterpErrorKind::EmptyProgram
            | InterpErrorKind::InvalidInsn { .. }
            | InterpErrorKind::UnknownOpcode { .. }
            | InterpErrorKind::JumpOutOfRange { .. }
            | InterpErrorKind::FellOffEnd
            | InterpErrorKind::UnknownHelper { .. } => EINVAL,
            InterpErrorKind::BadAccess { .. }
            | InterpErrorKind::BadHelperArg { .. }
            | InterpErrorKind::UninitRegister { .. }
            | InterpErrorKind::LdAbsWithoutSkb { .. }
            | InterpErrorKind::BadTailCallMap { .. } => EACCES,
            InterpErrorKind::CallDepth { .. } | InterpErrorKind::InsnLimit { .. } => E2BIG,
            InterpErrorKind::Unsupported { .. } => ENOTSUPP,
        }
    }
}

impl fmt::Display for InterpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "insn {}", self.insn)?;
        if self.frame > 0 {
            write!(f, " (frame {})", self.frame)?;
        }
        if self.tail_calls > 0 {
            write!(f, " (after {} tail calls)", self.tail_calls)?;
        }
        f.write_str(": ")?;
        match &self.kind {
            InterpErrorKind::EmptyProgram => f.write_str("empty program"),
            InterpErrorKind::InvalidInsn { msg } => f.write_str(msg),
            InterpErrorKind::UnknownOpcode { code, imm } => {
                write!(f, "unknown opcode {code:02x} (imm: {:#x})", *imm as u32)
            }
            InterpErrorKind::BadAccess { addr, size, access, fault } => {
                write!(f, "invalid {access} of {size} bytes at {addr:#x}: {fault}")
            }
            InterpErrorKind::JumpOutOfRange { target } => write!(f, "jump out of range to insn {target}"),
            InterpErrorKind::FellOffEnd => f.write_str("fell off the end of the program"),
            InterpErrorKind::CallDepth { depth } => {
                write!(f, "the call stack of {depth} frames is too deep")
            }
            InterpErrorKind::UnknownHelper { imm } => write!(f, "call to unknown helper (imm {imm})"),
            InterpErrorKind::BadHelperArg { helper, arg, value, reason } => {
                write!(f, "{helper}: R{arg}={value:#x} {reason}")
            }
            InterpErrorKind::UninitRegister { reg } => write!(f, "R{reg} !read_ok"),
            InterpErrorKind::BadTailCallMap { value } => {
                write!(f, "tail call through R2={value:#x}, which is not a map of this run")
            }
            InterpErrorKind::LdAbsWithoutSkb { r6 } => {
                write!(f, "LD_ABS/LD_IND needs R6 = the socket buffer, R6={r6:#x}")
            }
            InterpErrorKind::Unsupported { what } => write!(f, "{what} is not supported by the interpreter"),
            InterpErrorKind::InsnLimit { limit } => {
                write!(f, "instruction budget of {limit} exhausted")
            }
        }
    }
}

impl std::error::Error for InterpError {}

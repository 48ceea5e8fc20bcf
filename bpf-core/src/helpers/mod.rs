//! Helper functions as programs call them: the `BPF_CALL_x` signature and
//! `__bpf_call_base`.
//!
//! As in the kernel, `do_misc_fixups` turns a helper call's `imm` (the
//! func id) into the distance from [`__bpf_call_base`] to the helper's code
//! (`BPF_CALL_IMM`); the interpreter and the JIT call
//! `__bpf_call_base + imm`. Every helper is compiled into the same binary,
//! so the distance fits in 32 bits.
//!
//! [`proto`] holds `struct bpf_func_proto` and the argument/return type
//! vocabulary the verifier checks calls against; [`maps`], [`misc`] and
//! [`net`] the helpers themselves, each with its prototype (the verifier's
//! per-type `get_func_proto` picks among them).

pub mod maps;
pub mod misc;
pub mod net;
pub mod proto;

pub use proto::BpfFuncProto;

/// A helper's `int` result as the `u64` in r0: 0, or `-errno`.
pub fn errno_ret(r: Result<(), crate::Errno>) -> u64 {
    match r {
        Ok(()) => 0,
        Err(e) => (-i64::from(e.0)) as u64,
    }
}

/// A helper's machine-level signature: five `u64` arguments in r1..r5,
/// the result in r0. `extern "C"` so the JIT can call it directly.
pub type BpfHelperFn = extern "C" fn(u64, u64, u64, u64, u64) -> u64;

/// Mirrors `kernel/bpf/core.c:__bpf_call_base()`.
///
/// The anchor that helper-call immediates are relative to. It does nothing
/// and returns 0; only its address matters. `#[inline(never)]`, as the
/// kernel's is `noinline`: otherwise an optimised build may give each crate
/// that takes its address its own copy (small functions are inlinable
/// across crates), and an `imm` computed in one crate would call a wrong
/// address from another.
#[inline(never)]
pub extern "C" fn __bpf_call_base(_r1: u64, _r2: u64, _r3: u64, _r4: u64, _r5: u64) -> u64 {
    0
}

/// `BPF_CALL_IMM(f)`: the `imm` that makes a call instruction call `f`, or
/// `None` if `f` is not within 2 GiB of [`__bpf_call_base`] (the kernel
/// refuses such a call with `-ERANGE`).
pub fn bpf_call_imm(f: BpfHelperFn) -> Option<i32> {
    let delta = (f as usize as i64).wrapping_sub(call_base_addr() as i64);
    i32::try_from(delta).ok()
}

/// The address `__bpf_call_base + imm` that a rewritten call instruction
/// targets. Turning it back into a callable [`BpfHelperFn`] is the caller's
/// (unsafe) business: only an `imm` made by [`bpf_call_imm`] names a helper.
pub fn bpf_call_target_addr(imm: i32) -> usize {
    call_base_addr().wrapping_add(imm as isize as usize)
}

fn call_base_addr() -> usize {
    let base: BpfHelperFn = __bpf_call_base;
    base as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn add5(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
        a + b + c + d + e
    }

    #[test]
    fn call_imm_round_trips() {
        let imm = bpf_call_imm(add5).expect("same binary");
        let f: BpfHelperFn = add5;
        assert_eq!(bpf_call_target_addr(imm), f as usize);
        assert_eq!(bpf_call_imm(__bpf_call_base), Some(0));
    }
}

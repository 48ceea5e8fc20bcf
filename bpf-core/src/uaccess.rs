//! User memory, as `copy_from_user` / `copy_to_user` see it.
//!
//! `bpf()` takes pointers into the calling task's memory (`attr->insns`,
//! `license`, `log_buf`, map keys and values, test-run buffers). The kernel
//! copies through them and returns `EFAULT` when one is bad. Everything here
//! that reads or writes through a user pointer does it through
//! [`UserMemory`], implemented by the task model of `bpf-syscall`, so a bad
//! pointer is an `EFAULT`, never undefined behaviour.

use crate::errno::{Errno, EFAULT};

/// The address space of the task that called `bpf()`.
pub trait UserMemory {
    /// `copy_from_user(dst, src, len)`: fills `dst` from user address `src`.
    fn copy_from_user(&self, dst: &mut [u8], src: u64) -> Result<(), Errno>;
    /// `copy_to_user(dst, src, len)`: writes `src` at user address `dst`.
    fn copy_to_user(&self, dst: u64, src: &[u8]) -> Result<(), Errno>;

    /// `strncpy_from_user()`: the bytes of a NUL-terminated string at `src`,
    /// at most `max` bytes read (NUL excluded from the result). Returns
    /// `E2BIG`-free semantics as the kernel: a string without NUL in `max`
    /// bytes is cut at `max`.
    fn strncpy_from_user(&self, src: u64, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut byte = [0u8; 1];
        for i in 0..max as u64 {
            self.copy_from_user(&mut byte, src.checked_add(i).ok_or(EFAULT)?)?;
            if byte[0] == 0 {
                return Ok(out);
            }
            out.push(byte[0]);
        }
        Ok(out)
    }
}

/// A [`UserMemory`] with nothing mapped: every access faults.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoUserMemory;

impl UserMemory for NoUserMemory {
    fn copy_from_user(&self, _dst: &mut [u8], _src: u64) -> Result<(), Errno> {
        Err(EFAULT)
    }
    fn copy_to_user(&self, _dst: u64, _src: &[u8]) -> Result<(), Errno> {
        Err(EFAULT)
    }
}

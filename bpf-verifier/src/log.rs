//! Mirrors `kernel/bpf/log.c` (v6.18): the verifier log.
//!
//! The log is written straight into the loader's buffer (`log_buf`,
//! `log_size`) through [`UserMemory`], as the kernel writes with
//! `copy_to_user`. By default the buffer is a ring: when the log outgrows
//! it, the oldest bytes are overwritten, and [`bpf_vlog_finalize`] rotates
//! the buffer so it holds the *tail* of the log as one NUL-terminated
//! string and reports `ENOSPC`. With `BPF_LOG_FIXED` the head is kept
//! instead. `len_max` is the size the whole log would have needed
//! (`log_true_size`).

use bpf_core::errno::{EFAULT, EINVAL, ENOSPC};
use bpf_core::uaccess::UserMemory;
use bpf_core::Errno;

/// `BPF_LOG_LEVEL1`: the log of the failing path.
pub const BPF_LOG_LEVEL1: u32 = 1;
/// `BPF_LOG_LEVEL2`: every instruction of every path.
pub const BPF_LOG_LEVEL2: u32 = 2;
/// `BPF_LOG_STATS`: verification time and stack depth.
pub const BPF_LOG_STATS: u32 = 4;
/// `BPF_LOG_FIXED`: keep the head of the log instead of the tail.
pub const BPF_LOG_FIXED: u32 = 8;
/// `BPF_LOG_LEVEL`: either log level.
pub const BPF_LOG_LEVEL: u32 = BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2;
/// `BPF_LOG_MASK`: every level bit user space may set.
pub const BPF_LOG_MASK: u32 = BPF_LOG_LEVEL | BPF_LOG_STATS | BPF_LOG_FIXED;
/// `BPF_LOG_KERNEL`: the kernel's internal level (BTF errors to dmesg).
pub const BPF_LOG_KERNEL: u32 = BPF_LOG_MASK + 1;
/// `BPF_VERIFIER_TMP_LOG_SIZE`: one formatted message is cut at this size.
pub const BPF_VERIFIER_TMP_LOG_SIZE: usize = 1024;

/// `struct bpf_verifier_log`.
pub struct BpfVerifierLog<'a> {
    /// Logical position of the first byte still in the buffer.
    pub start_pos: u64,
    /// Logical end of the log (bytes written so far, rewinds included).
    pub end_pos: u64,
    /// User address of the buffer; `None` after a fault or when absent.
    pub ubuf: Option<u64>,
    /// `log_level`.
    pub level: u32,
    /// `log_size`.
    pub len_total: u32,
    /// The largest size the log ever needed, NUL included.
    pub len_max: u32,
    user: &'a dyn UserMemory,
}

impl std::fmt::Debug for BpfVerifierLog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BpfVerifierLog")
            .field("start_pos", &self.start_pos)
            .field("end_pos", &self.end_pos)
            .field("ubuf", &self.ubuf)
            .field("level", &self.level)
            .field("len_total", &self.len_total)
            .field("len_max", &self.len_max)
            .finish()
    }
}

/// Mirrors `kernel/bpf/log.c:bpf_verifier_log_attr_valid()`.
fn bpf_verifier_log_attr_valid(log: &BpfVerifierLog<'_>) -> bool {
    // ubuf and len_total come together or not at all
    if log.ubuf.is_some() != (log.len_total != 0) {
        return false;
    }
    // a buffer without a level is meaningless
    if log.ubuf.is_some() && log.level == 0 {
        return false;
    }
    if log.level & !BPF_LOG_MASK != 0 {
        return false;
    }
    if log.len_total > u32::MAX >> 2 {
        return false;
    }
    true
}

/// Mirrors `kernel/bpf/log.c:bpf_vlog_init()`.
///
/// Takes the log attributes of `BPF_PROG_LOAD`; insane ones (a buffer
/// without a level, a level without a size, unknown bits, more than 1 GiB)
/// are `EINVAL`.
pub fn bpf_vlog_init<'a>(
    user: &'a dyn UserMemory,
    log_level: u32,
    log_buf: u64,
    log_size: u32,
) -> Result<BpfVerifierLog<'a>, Errno> {
    let log = BpfVerifierLog {
        start_pos: 0,
        end_pos: 0,
        ubuf: (log_buf != 0).then_some(log_buf),
        level: log_level,
        len_total: log_size,
        len_max: 0,
        user,
    };
    if !bpf_verifier_log_attr_valid(&log) {
        return Err(EINVAL);
    }
    Ok(log)
}

impl<'a> BpfVerifierLog<'a> {
    /// A log that records nothing (level 0, no buffer).
    pub fn disabled(user: &'a dyn UserMemory) -> Self {
        BpfVerifierLog { start_pos: 0, end_pos: 0, ubuf: None, level: 0, len_total: 0, len_max: 0, user }
    }

    /// `bpf_verifier_log_needed()`.
    #[inline]
    pub fn needed(&self) -> bool {
        self.level != 0
    }

    /// Mirrors `kernel/bpf/log.c:bpf_vlog_update_len_max()`.
    fn update_len_max(&mut self, add_len: u32) {
        let len = self.end_pos + u64::from(add_len);
        if len > u64::from(u32::MAX) {
            self.len_max = u32::MAX;
        } else if len > u64::from(self.len_max) {
            self.len_max = len as u32;
        }
    }

    fn copy_out(&mut self, off: u64, bytes: &[u8]) -> bool {
        let Some(ubuf) = self.ubuf else { return false };
        if self.user.copy_to_user(ubuf.wrapping_add(off), bytes).is_err() {
            self.ubuf = None;
            return false;
        }
        true
    }

    /// Mirrors `kernel/bpf/log.c:bpf_verifier_vlog()`: appends one
    /// formatted message.
    pub fn vlog(&mut self, msg: &str) {
        if self.level == BPF_LOG_KERNEL {
            return;
        }
        // vscnprintf into the 1 KiB kbuf, then the terminating zero
        let mut kbuf: Vec<u8> = msg.as_bytes()[..msg.len().min(BPF_VERIFIER_TMP_LOG_SIZE - 1)].to_vec();
        kbuf.push(0);
        let n = kbuf.len() as u32;
        self.update_len_max(n);

        if self.level & BPF_LOG_FIXED != 0 {
            let mut new_n = 0u32;
            if self.end_pos < u64::from(self.len_total) {
                new_n = (u64::from(self.len_total) - self.end_pos).min(u64::from(n)) as u32;
                kbuf[new_n as usize - 1] = 0;
            }
            let cur_pos = self.end_pos;
            self.end_pos += u64::from(n - 1);
            if self.ubuf.is_some() && new_n != 0 {
                self.copy_out(cur_pos, &kbuf[..new_n as usize]);
            }
            return;
        }

        let new_end = self.end_pos + u64::from(n);
        let len_total = u64::from(self.len_total);
        let new_start =
            if new_end - self.start_pos >= len_total { new_end - len_total } else { self.start_pos };
        self.start_pos = new_start;
        self.end_pos = new_end - 1;
        if self.ubuf.is_none() {
            return;
        }
        let new_n = u64::from(n).min(len_total);
        let cur_pos = new_end - new_n;
        let buf_start = cur_pos % len_total;
        let mut buf_end = new_end % len_total;
        // buf_end is exclusive: zero means "right at the end of ubuf"
        if buf_end == 0 {
            buf_end = len_total;
        }
        let src = &kbuf[(u64::from(n) - new_n) as usize..];
        if buf_start < buf_end {
            self.copy_out(buf_start, &src[..(buf_end - buf_start) as usize]);
        } else {
            // the message wraps around the end of ubuf
            let first = (len_total - buf_start) as usize;
            if self.copy_out(buf_start, &src[..first]) {
                let tail = &kbuf[(u64::from(n) - buf_end) as usize..];
                self.copy_out(0, &tail[..buf_end as usize]);
            }
        }
    }

    /// Mirrors `kernel/bpf/log.c:bpf_vlog_reset()`: rewinds the log to
    /// `new_pos` (the verifier drops the log of a path that proved safe).
    pub fn reset(&mut self, new_pos: u64) {
        if new_pos > self.end_pos {
            return;
        }
        if !self.needed() || self.level == BPF_LOG_KERNEL {
            return;
        }
        // resetting beyond the current window preserved nothing useful
        self.end_pos = new_pos;
        if self.end_pos < self.start_pos {
            self.start_pos = self.end_pos;
        }
        if self.ubuf.is_none() {
            return;
        }
        let pos = if self.level & BPF_LOG_FIXED != 0 {
            self.end_pos + 1
        } else {
            new_pos % u64::from(self.len_total)
        };
        if pos < u64::from(self.len_total) {
            self.copy_out(pos, &[0]);
        }
    }

    /// Mirrors `kernel/bpf/log.c:bpf_vlog_reverse_ubuf()`: reverses
    /// `[start, end)` of the user buffer in place, a chunk at a time.
    fn reverse_ubuf(&mut self, mut start: u64, mut end: u64) -> Result<(), Errno> {
        const CHUNK: u64 = BPF_VERIFIER_TMP_LOG_SIZE as u64 / 2;
        let ubuf = self.ubuf.ok_or(EFAULT)?;
        let mut lbuf = vec![0u8; CHUNK as usize];
        let mut rbuf = vec![0u8; CHUNK as usize];
        while end - start > 1 {
            let sz = ((end - start) / 2).min(CHUNK) as usize;
            let (l, r) = (&mut lbuf[..sz], &mut rbuf[..sz]);
            self.user.copy_from_user(l, ubuf + start)?;
            self.user.copy_from_user(r, ubuf + end - sz as u64)?;
            l.reverse();
            r.reverse();
            self.user.copy_to_user(ubuf + start, r)?;
            self.user.copy_to_user(ubuf + end - sz as u64, l)?;
            start += sz as u64;
            end -= sz as u64;
        }
        Ok(())
    }

    /// `log->end_pos`, the position `bpf_vlog_reset` can rewind to.
    #[inline]
    pub fn pos(&self) -> u64 {
        self.end_pos
    }
}

/// Mirrors `kernel/bpf/log.c:bpf_vlog_finalize()`.
///
/// Rotates a wrapped buffer so it starts at its oldest byte, and returns
/// `log_true_size` (`len_max`) with the verdict on the log itself: `EFAULT`
/// if writing it faulted, `ENOSPC` if it did not fit.
pub fn bpf_vlog_finalize(log: &mut BpfVerifierLog<'_>) -> (u32, Result<(), Errno>) {
    if log.level == 0 || log.level == BPF_LOG_KERNEL {
        return (0, Ok(()));
    }
    if log.ubuf.is_some() && log.start_pos != 0 {
        // Three reversals rotate the ring left by start_pos % len_total.
        let len_total = u64::from(log.len_total);
        let sublen = len_total - log.start_pos % len_total;
        let r = log
            .reverse_ubuf(0, len_total)
            .and_then(|_| log.reverse_ubuf(0, sublen))
            .and_then(|_| log.reverse_ubuf(sublen, len_total));
        if r.is_err() {
            log.ubuf = None;
        }
    }
    let true_size = log.len_max;
    // A sane log has both a buffer and a size, or neither: otherwise a
    // copy faulted along the way.
    if log.ubuf.is_some() != (log.len_total != 0) {
        return (true_size, Err(EFAULT));
    }
    if log.ubuf.is_some() && log.len_max > log.len_total {
        return (true_size, Err(ENOSPC));
    }
    (true_size, Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// A task memory holding one buffer at address 0x1000.
    struct Buf(RefCell<Vec<u8>>);
    const BASE: u64 = 0x1000;
    impl UserMemory for Buf {
        fn copy_from_user(&self, dst: &mut [u8], src: u64) -> Result<(), Errno> {
            let b = self.0.borrow();
            let off = src.checked_sub(BASE).ok_or(EFAULT)? as usize;
            dst.copy_from_slice(b.get(off..off + dst.len()).ok_or(EFAULT)?);
            Ok(())
        }
        fn copy_to_user(&self, dst: u64, src: &[u8]) -> Result<(), Errno> {
            let mut b = self.0.borrow_mut();
            let off = dst.checked_sub(BASE).ok_or(EFAULT)? as usize;
            b.get_mut(off..off + src.len()).ok_or(EFAULT)?.copy_from_slice(src);
            Ok(())
        }
    }
    fn cstr(b: &[u8]) -> String {
        String::from_utf8_lossy(&b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]).into_owned()
    }

    #[test]
    fn attrs_are_checked() {
        let m = Buf(RefCell::new(vec![0; 16]));
        assert_eq!(bpf_vlog_init(&m, 0, BASE, 16).unwrap_err(), EINVAL);
        assert_eq!(bpf_vlog_init(&m, 1, BASE, 0).unwrap_err(), EINVAL);
        assert_eq!(bpf_vlog_init(&m, 1, 0, 16).unwrap_err(), EINVAL);
        assert_eq!(bpf_vlog_init(&m, 16, BASE, 16).unwrap_err(), EINVAL);
        assert!(bpf_vlog_init(&m, 1, 0, 0).is_ok());
    }

    #[test]
    fn rotating_log_keeps_the_tail() {
        let m = Buf(RefCell::new(vec![0xaa; 10]));
        let mut log = bpf_vlog_init(&m, 1, BASE, 10).unwrap();
        log.vlog("0123456789\n");
        log.vlog("abc\n");
        let (true_size, r) = bpf_vlog_finalize(&mut log);
        assert_eq!(r, Err(ENOSPC));
        assert_eq!(true_size, 16);
        assert_eq!(cstr(&m.0.borrow()), "6789\nabc\n");
    }

    #[test]
    fn fixed_log_keeps_the_head_and_reset_rewinds() {
        let m = Buf(RefCell::new(vec![0xaa; 8]));
        let mut log = bpf_vlog_init(&m, 1 | BPF_LOG_FIXED, BASE, 8).unwrap();
        log.vlog("abc");
        let p = log.pos();
        log.vlog("def");
        log.reset(p);
        log.vlog("0123456789");
        let (true_size, r) = bpf_vlog_finalize(&mut log);
        assert_eq!((true_size, r), (14, Err(ENOSPC)));
        assert_eq!(cstr(&m.0.borrow()), "abc0123");
    }

    #[test]
    fn fitting_log_is_ok_and_sized() {
        let m = Buf(RefCell::new(vec![0xaa; 64]));
        let mut log = bpf_vlog_init(&m, 2, BASE, 64).unwrap();
        log.vlog("hello ");
        log.vlog("world\n");
        assert_eq!(bpf_vlog_finalize(&mut log), (13, Ok(())));
        assert_eq!(cstr(&m.0.borrow()), "hello world\n");
        // level without buffer: sizes only
        let mut log = bpf_vlog_init(&m, 1, 0, 0).unwrap();
        log.vlog("abc\n");
        assert_eq!(bpf_vlog_finalize(&mut log), (5, Ok(())));
    }
}

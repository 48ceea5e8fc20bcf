//! Helpers that read the running task and CPU, from
//! `kernel/bpf/helpers.c` and `kernel/trace/bpf_trace.c` (v6.18): time,
//! random numbers, the CPU id, the current task's ids and name,
//! `bpf_trace_printk`, and the probe reads. The state they read is the
//! current [`BpfRunCtx`]; outside a run they answer zeroes.

use super::proto::{arg::*, ret::*, BpfFuncProto, MEM_RDONLY};
use crate::errno::{EFAULT, EINVAL};
use crate::run_ctx::BpfRunCtx;

fn neg(e: crate::Errno) -> u64 {
    (-i64::from(e.0)) as u64
}

/// Mirrors `kernel/bpf/helpers.c:bpf_ktime_get_ns()`: nanoseconds since boot.
pub extern "C" fn bpf_ktime_get_ns(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    BpfRunCtx::with_current(|c| c.map_or(0, |c| c.boot.elapsed().as_nanos() as u64))
}

/// Mirrors `kernel/bpf/helpers.c:bpf_ktime_get_boot_ns()`.
pub extern "C" fn bpf_ktime_get_boot_ns(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    bpf_ktime_get_ns(a, b, c, d, e)
}

/// Mirrors `kernel/bpf/helpers.c:bpf_ktime_get_coarse_ns()`: to the tick
/// (4 ms at `HZ=250`).
pub extern "C" fn bpf_ktime_get_coarse_ns(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    let ns = bpf_ktime_get_ns(a, b, c, d, e);
    ns - ns % 4_000_000
}

/// Mirrors `kernel/bpf/helpers.c:bpf_jiffies64()` (`HZ=250`).
pub extern "C" fn bpf_jiffies64(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    bpf_ktime_get_ns(a, b, c, d, e) / 4_000_000
}

/// Mirrors `kernel/bpf/core.c:bpf_user_rnd_u32()`: the next number of the
/// current CPU's generator (xorshift64*; the kernel's is a Tausworthe
/// generator: the sequence differs, the contract does not).
pub extern "C" fn bpf_get_prandom_u32(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    BpfRunCtx::with_current(|c| {
        let Some(c) = c else { return 0 };
        let mut x = c.prandom.get() | 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        c.prandom.set(x);
        u64::from((x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32)
    })
}

/// Mirrors `kernel/bpf/helpers.c:bpf_get_smp_processor_id()`.
pub extern "C" fn bpf_get_smp_processor_id(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    u64::from(BpfRunCtx::current_cpu())
}

/// Mirrors `kernel/bpf/helpers.c:bpf_get_numa_node_id()`: one node.
pub extern "C" fn bpf_get_numa_node_id(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    0
}

/// Mirrors `kernel/bpf/helpers.c:bpf_get_current_pid_tgid()`.
pub extern "C" fn bpf_get_current_pid_tgid(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    BpfRunCtx::with_current(|c| c.map_or(neg(EINVAL), |c| c.pid_tgid))
}

/// Mirrors `kernel/bpf/helpers.c:bpf_get_current_uid_gid()`.
pub extern "C" fn bpf_get_current_uid_gid(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    BpfRunCtx::with_current(|c| c.map_or(neg(EINVAL), |c| c.uid_gid))
}

/// Mirrors `kernel/bpf/helpers.c:bpf_get_current_comm()`: the task name,
/// NUL padded into `size` bytes.
pub extern "C" fn bpf_get_current_comm(buf: u64, size: u64, _: u64, _: u64, _: u64) -> u64 {
    let size = size as usize;
    // SAFETY: the verifier checked r1 as ARG_PTR_TO_UNINIT_MEM of the
    // size in r2 (ARG_CONST_SIZE): `size` writable bytes.
    let dst = unsafe { std::slice::from_raw_parts_mut(buf as usize as *mut u8, size) };
    BpfRunCtx::with_current(|c| {
        dst.fill(0);
        let Some(c) = c else { return neg(EINVAL) };
        let n = c.comm.iter().position(|&b| b == 0).unwrap_or(c.comm.len()).min(size.saturating_sub(1));
        dst[..n].copy_from_slice(&c.comm[..n]);
        0
    })
}

/// Formats `bpf_trace_printk`'s format with up to three arguments, as
/// `bpf_bprintf_prepare` accepts them: integers (`%d %i %u %x %X`, with
/// `l`/`ll`), `%c`, `%%`, pointers (`%p`, `%px`). A string argument would
/// need a fault-tolerant read of kernel memory: `%s` prints `(efault)`, as
/// the kernel does when that read fails.
fn format_printk(fmt: &[u8], args: [u64; 3]) -> Option<String> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        if c != b'%' {
            if !c.is_ascii() || (!c.is_ascii_graphic() && !c.is_ascii_whitespace()) {
                return None;
            }
            out.push(c as char);
            i += 1;
            continue;
        }
        i += 1;
        if fmt.get(i) == Some(&b'%') {
            out.push('%');
            i += 1;
            continue;
        }
        if next >= 3 {
            return None;
        }
        let arg = args[next];
        next += 1;
        let mut longs = 0;
        while fmt.get(i) == Some(&b'l') {
            longs += 1;
            i += 1;
        }
        let conv = *fmt.get(i)?;
        i += 1;
        let v = if longs == 0 { u64::from(arg as u32) } else { arg };
        let sv = if longs == 0 { i64::from(arg as i32) } else { arg as i64 };
        match conv {
            b'd' | b'i' => out.push_str(&sv.to_string()),
            b'u' => out.push_str(&v.to_string()),
            b'x' => out.push_str(&format!("{v:x}")),
            b'X' => out.push_str(&format!("{v:X}")),
            b'c' if longs == 0 => out.push(arg as u8 as char),
            b'p' => {
                if fmt.get(i) == Some(&b'x') {
                    i += 1;
                }
                out.push_str(&format!("{arg:#018x}"));
            }
            b's' if longs == 0 => out.push_str("(efault)"),
            _ => return None,
        }
    }
    Some(out)
}

/// Mirrors `kernel/trace/bpf_trace.c:bpf_trace_printk()`: one line to the
/// trace pipe; the number of bytes written, or `-EINVAL` for a format it
/// does not accept.
pub extern "C" fn bpf_trace_printk(fmt: u64, fmt_size: u64, a1: u64, a2: u64, a3: u64) -> u64 {
    // SAFETY: the verifier checked r1 as ARG_PTR_TO_MEM of the size in r2.
    let fmt = unsafe { std::slice::from_raw_parts(fmt as usize as *const u8, fmt_size as usize) };
    // the format must be NUL-terminated inside its size
    let Some(end) = fmt.iter().position(|&b| b == 0) else { return neg(EINVAL) };
    let Some(line) = format_printk(&fmt[..end], [a1, a2, a3]) else { return neg(EINVAL) };
    BpfRunCtx::with_current(|c| {
        if let Some(t) = c.and_then(|c| c.trace) {
            t.trace_printk(&line);
        }
    });
    line.len() as u64
}

/// Mirrors `mm/maccess.c` behind `bpf_probe_read_kernel()`: copy from an
/// arbitrary address without faulting. A user-space model cannot read an
/// arbitrary address safely, so every probe takes the fault path: the
/// destination is zeroed and `-EFAULT` returned, as the kernel does for an
/// unmapped address.
pub extern "C" fn bpf_probe_read_kernel(dst: u64, size: u64, _unsafe_ptr: u64, _: u64, _: u64) -> u64 {
    // SAFETY: the verifier checked r1 as ARG_PTR_TO_UNINIT_MEM of the size
    // in r2 (ARG_CONST_SIZE_OR_ZERO).
    let d = unsafe { std::slice::from_raw_parts_mut(dst as usize as *mut u8, size as usize) };
    d.fill(0);
    neg(EFAULT)
}

/// Mirrors `kernel/bpf/helpers.c:bpf_ktime_get_tai_ns()`: `CLOCK_TAI`,
/// the wall clock plus the kernel's TAI offset. The offset is 0 until a
/// time daemon sets it; this model keeps it at 0, so it reads the host's
/// wall clock.
pub extern "C" fn bpf_ktime_get_tai_ns(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// Mirrors `kernel/trace/bpf_trace.c:bpf_get_current_task()`: the address
/// of the current `task_struct`. This model has no task structures; the
/// value is an opaque kernel-looking address, the same for the same
/// thread id; 0 outside a run.
pub extern "C" fn bpf_get_current_task(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    BpfRunCtx::with_current(|c| c.map_or(0, |c| 0xffff_8880_0000_0000 | ((c.pid_tgid & 0xffff_ffff) << 13)))
}

/// Mirrors `bpf_probe_read_user()`: as [`bpf_probe_read_kernel`], every
/// read faults (no user address space is mapped behind a program run in
/// this model): the destination is zeroed and `-EFAULT` returned.
pub extern "C" fn bpf_probe_read_user(dst: u64, size: u64, ptr: u64, _: u64, _: u64) -> u64 {
    bpf_probe_read_kernel(dst, size, ptr, 0, 0)
}

/// Mirrors `bpf_probe_read_kernel_str()` / `bpf_probe_read_user_str()`
/// on the fault path: the destination is zeroed, `-EFAULT`.
pub extern "C" fn bpf_probe_read_kernel_str(dst: u64, size: u64, ptr: u64, _: u64, _: u64) -> u64 {
    bpf_probe_read_kernel(dst, size, ptr, 0, 0)
}

/// Mirrors `bpf_probe_read_user_str()` (see [`bpf_probe_read_kernel_str`]).
pub extern "C" fn bpf_probe_read_user_str(dst: u64, size: u64, ptr: u64, _: u64, _: u64) -> u64 {
    bpf_probe_read_kernel(dst, size, ptr, 0, 0)
}

/// Mirrors `bpf_probe_read_compat()` (x86: kernel first, then user), on
/// the fault path.
pub extern "C" fn bpf_probe_read_compat(dst: u64, size: u64, ptr: u64, _: u64, _: u64) -> u64 {
    bpf_probe_read_kernel(dst, size, ptr, 0, 0)
}

/// Mirrors `bpf_probe_read_compat_str()`, on the fault path.
pub extern "C" fn bpf_probe_read_compat_str(dst: u64, size: u64, ptr: u64, _: u64, _: u64) -> u64 {
    bpf_probe_read_kernel(dst, size, ptr, 0, 0)
}

macro_rules! proto {
    ($name:ident, $f:path, $ret:expr, [$($a:expr),*] $(, $field:ident : $v:expr)*) => {
        #[doc = concat!("`", stringify!($name), "` (its kernel `bpf_func_proto`).")]
        pub static $name: BpfFuncProto = {
            let mut arg_type = [ARG_DONTCARE; 5];
            let args: &[u32] = &[$($a),*];
            let mut i = 0;
            while i < args.len() {
                arg_type[i] = args[i];
                i += 1;
            }
            BpfFuncProto { ret_type: $ret, arg_type, $($field: $v,)* ..BpfFuncProto::new($f) }
        };
    };
}
pub(crate) use proto;

proto!(BPF_KTIME_GET_NS_PROTO, bpf_ktime_get_ns, RET_INTEGER, []);
proto!(BPF_KTIME_GET_BOOT_NS_PROTO, bpf_ktime_get_boot_ns, RET_INTEGER, []);
proto!(BPF_KTIME_GET_COARSE_NS_PROTO, bpf_ktime_get_coarse_ns, RET_INTEGER, []);
proto!(BPF_JIFFIES64_PROTO, bpf_jiffies64, RET_INTEGER, []);
proto!(BPF_GET_PRANDOM_U32_PROTO, bpf_get_prandom_u32, RET_INTEGER, []);
proto!(BPF_GET_SMP_PROCESSOR_ID_PROTO, bpf_get_smp_processor_id, RET_INTEGER, [], allow_fastcall: true);
proto!(BPF_GET_NUMA_NODE_ID_PROTO, bpf_get_numa_node_id, RET_INTEGER, []);
proto!(BPF_GET_CURRENT_PID_TGID_PROTO, bpf_get_current_pid_tgid, RET_INTEGER, []);
proto!(BPF_GET_CURRENT_UID_GID_PROTO, bpf_get_current_uid_gid, RET_INTEGER, []);
proto!(
    BPF_GET_CURRENT_COMM_PROTO,
    bpf_get_current_comm,
    RET_INTEGER,
    [ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE]
);
proto!(BPF_TRACE_PRINTK_PROTO, bpf_trace_printk, RET_INTEGER, [ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE], gpl_only: true);
proto!(BPF_PROBE_READ_KERNEL_PROTO, bpf_probe_read_kernel, RET_INTEGER, [ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING], gpl_only: true);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printk_formats() {
        assert_eq!(format_printk(b"x=%d y=%u", [(-3i64) as u64, 7, 0]).unwrap(), "x=-3 y=7");
        assert_eq!(format_printk(b"%llx %%", [0xabc, 0, 0]).unwrap(), "abc %");
        assert!(format_printk(b"%d %d %d %d", [0; 3]).is_none());
        assert!(format_printk(b"%q", [0; 3]).is_none());
    }
}

proto!(BPF_KTIME_GET_TAI_NS_PROTO, bpf_ktime_get_tai_ns, RET_INTEGER, []);
proto!(BPF_GET_CURRENT_TASK_PROTO, bpf_get_current_task, RET_INTEGER, [], gpl_only: true);
proto!(BPF_PROBE_READ_USER_PROTO, bpf_probe_read_user, RET_INTEGER, [ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING], gpl_only: true);
proto!(BPF_PROBE_READ_USER_STR_PROTO, bpf_probe_read_user_str, RET_INTEGER, [ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING], gpl_only: true);
proto!(BPF_PROBE_READ_KERNEL_STR_PROTO, bpf_probe_read_kernel_str, RET_INTEGER, [ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING], gpl_only: true);
proto!(BPF_PROBE_READ_COMPAT_PROTO, bpf_probe_read_compat, RET_INTEGER, [ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING], gpl_only: true);
proto!(BPF_PROBE_READ_COMPAT_STR_PROTO, bpf_probe_read_compat_str, RET_INTEGER, [ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING], gpl_only: true);

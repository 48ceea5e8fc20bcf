//! What a running program reaches besides its registers and memory: the
//! state the kernel keeps per CPU and in `current`.
//!
//! Helpers such as `bpf_get_smp_processor_id`, `bpf_get_prandom_u32`,
//! `bpf_ktime_get_ns` and `bpf_trace_printk` read per-CPU or per-task state
//! in the kernel. Here that state is a [`BpfRunCtx`] owned by whoever runs
//! the program (`BPF_PROG_TEST_RUN`, an attach point, a benchmark), and
//! made current for the duration of the run by [`BpfRunCtx::enter`]. Only
//! a thread-local *pointer* to the caller's value exists, the analogue of
//! the kernel's per-CPU `current`: nothing is shared between threads, so
//! two `Kernel` values and parallel tests never see each other's state.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;
use std::time::Instant;

/// Where `bpf_trace_printk` output goes (the kernel's trace pipe).
pub trait TraceSink: Sync {
    /// Appends one formatted line.
    fn trace_printk(&self, line: &str);
}

/// The state of one run: the CPU it is on and the task it runs for.
pub struct BpfRunCtx<'a> {
    /// `smp_processor_id()` during the run.
    pub cpu: u32,
    /// Number of possible CPUs (per-CPU maps hold one value for each).
    pub nr_cpus: u32,
    /// State of `bpf_user_rnd_u32` (the kernel's per-CPU `prandom` state).
    pub prandom: Cell<u64>,
    /// The clock `bpf_ktime_get_ns` counts from (the model's boot).
    pub boot: Instant,
    /// `current->tgid << 32 | current->pid`.
    pub pid_tgid: u64,
    /// `gid << 32 | uid` of `current`.
    pub uid_gid: u64,
    /// `current->comm`.
    pub comm: [u8; 16],
    /// The trace pipe, if the runner keeps one.
    pub trace: Option<&'a dyn TraceSink>,
}

impl<'a> BpfRunCtx<'a> {
    /// A context on `cpu` of `nr_cpus`, with the clock starting at `boot`.
    pub fn new(cpu: u32, nr_cpus: u32, boot: Instant) -> Self {
        BpfRunCtx {
            cpu,
            nr_cpus: nr_cpus.max(1),
            prandom: Cell::new(0x853c_49e6_748f_ea9b ^ u64::from(cpu)),
            boot,
            pid_tgid: 0,
            uid_gid: 0,
            comm: [0; 16],
            trace: None,
        }
    }

    /// Makes `self` the current context of this thread until the guard
    /// drops (contexts nest: the previous one is restored).
    pub fn enter(&self) -> BpfRunCtxGuard<'_> {
        let prev = CURRENT.with(|c| c.replace(self as *const BpfRunCtx<'_> as *const ()));
        BpfRunCtxGuard { prev, _ctx: PhantomData }
    }

    /// Runs `f` with the current context, or `None` outside any run.
    pub fn with_current<R>(f: impl FnOnce(Option<&BpfRunCtx<'_>>) -> R) -> R {
        let p = CURRENT.with(|c| c.get()) as *const BpfRunCtx<'_>;
        // SAFETY: `CURRENT` only ever holds null or the address of a
        // `BpfRunCtx` borrowed by a live `BpfRunCtxGuard` of this thread
        // (the guard restores the previous value before the borrow ends),
        // so a non-null pointer is valid for the duration of this call.
        f(unsafe { p.as_ref() })
    }

    /// The current CPU, 0 outside any run.
    pub fn current_cpu() -> u32 {
        Self::with_current(|c| c.map_or(0, |c| c.cpu))
    }
}

/// Restores the previous current context when dropped.
pub struct BpfRunCtxGuard<'a> {
    prev: *const (),
    _ctx: PhantomData<&'a ()>,
}

impl Drop for BpfRunCtxGuard<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

thread_local! {
    static CURRENT: Cell<*const ()> = const { Cell::new(ptr::null()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_nest_and_restore() {
        assert_eq!(BpfRunCtx::current_cpu(), 0);
        let boot = Instant::now();
        let outer = BpfRunCtx::new(1, 4, boot);
        {
            let _g = outer.enter();
            assert_eq!(BpfRunCtx::current_cpu(), 1);
            let inner = BpfRunCtx::new(3, 4, boot);
            {
                let _g2 = inner.enter();
                assert_eq!(BpfRunCtx::current_cpu(), 3);
            }
            assert_eq!(BpfRunCtx::current_cpu(), 1);
        }
        assert!(BpfRunCtx::with_current(|c| c.is_none()));
    }
}

//! rbpf 0.4 (crates.io), the user-space interpreter and JIT the project
//! measures itself against, on the same instructions (see
//! [`super::progs::rbpf_encoding`]).
//!
//! rbpf runs a program on a packet (`mem`) and a metadata buffer
//! (`mbuff`) passed in r1; the buffer here holds the packet's start and
//! end where the kernel's `struct xdp_buff` holds `data` and `data_end`.
//! rbpf 0.4's JIT compiles into a single 4 KiB page; a program whose code
//! does not fit makes it panic, which is caught and reported.
//! Helpers are plain functions registered by id: `bpf_get_prandom_u32`
//! (id 7) is the kernel's algorithm's shape, a per-thread xorshift.

use super::progs::{RBPF_DATA_END_OFF, RBPF_DATA_OFF};
use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// `BPF_FUNC_get_prandom_u32`.
const BPF_FUNC_GET_PRANDOM_U32: u32 = 7;

thread_local! {
    /// The helper's generator state (per thread, as the kernel's is per CPU).
    static PRANDOM: Cell<u64> = const { Cell::new(0x9e37_79b9_7f4a_7c15) };
}

/// `bpf_get_prandom_u32()` for rbpf.
fn rbpf_get_prandom_u32(_: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
    PRANDOM.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x >> 32
    })
}

/// A program in an rbpf VM, ready to run on a packet.
pub struct RbpfProg<'p> {
    vm: rbpf::EbpfVmMbuff<'p>,
    jit: bool,
    mem: Vec<u8>,
    mbuff: [u8; 16],
}

impl<'p> RbpfProg<'p> {
    /// Loads `code` (rbpf's encoding) into a VM; with `jit`, compiles it.
    /// `Err` is rbpf's message (its verifier's or its JIT's).
    pub fn new(code: &'p [u8], jit: bool, packet: &[u8]) -> Result<RbpfProg<'p>, String> {
        let mut vm = rbpf::EbpfVmMbuff::new(Some(code)).map_err(|e| e.to_string())?;
        vm.register_helper(BPF_FUNC_GET_PRANDOM_U32, rbpf_get_prandom_u32).map_err(|e| e.to_string())?;
        if jit {
            // rbpf 0.4's JIT writes into one 4 KiB page and asserts (panics)
            // when the code does not fit.
            let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.jit_compile()));
            match compiled {
                Ok(r) => r.map_err(|e| e.to_string())?,
                Err(_) => {
                    return Err("its JIT panicked: the code does not fit rbpf 0.4's one 4 KiB page \
                                (jit.rs: NUM_PAGES = 1)"
                        .into())
                }
            }
        }
        Ok(RbpfProg { vm, jit, mem: packet.to_vec(), mbuff: [0; 16] })
    }

    /// One run: r0, or rbpf's error.
    pub fn run(&mut self) -> Result<u64, String> {
        let start = self.mem.as_ptr() as u64;
        let end = start + self.mem.len() as u64;
        self.mbuff[RBPF_DATA_OFF..RBPF_DATA_OFF + 8].copy_from_slice(&start.to_le_bytes());
        self.mbuff[RBPF_DATA_END_OFF..RBPF_DATA_END_OFF + 8].copy_from_slice(&end.to_le_bytes());
        if self.jit {
            // rbpf ties the metadata buffer to the VM's lifetime; it only
            // passes the pointer to the compiled code for this call.
            let mbuff = self.mbuff.as_mut_ptr();
            // SAFETY: runs code rbpf's JIT compiled from a program that
            // reads only the packet (within the bounds it checks against
            // data_end), its stack and the metadata buffer, all alive
            // for the call; each program was run on rbpf's interpreter,
            // which checks every access, before it is timed (see
            // `super::measure`). The slice made from `mbuff` is the only
            // reference to that buffer while the call runs.
            unsafe {
                let mbuff: &'p mut [u8] = std::slice::from_raw_parts_mut(mbuff, 16);
                self.vm.execute_program_jit(&mut self.mem, mbuff).map_err(|e| e.to_string())
            }
        } else {
            self.vm.execute_program(&self.mem, &self.mbuff).map_err(|e| e.to_string())
        }
    }

    /// Runs it `n` times; the mean ns per run.
    pub fn time(&mut self, n: u64) -> f64 {
        let start = Instant::now();
        for _ in 0..n {
            black_box(self.run().ok());
        }
        start.elapsed().as_nanos() as f64 / n.max(1) as f64
    }

    /// How many runs last about `target`.
    pub fn calibrate(&mut self, target: Duration) -> u64 {
        let mut n = 1u64;
        loop {
            let start = Instant::now();
            for _ in 0..n {
                black_box(self.run().ok());
            }
            let t = start.elapsed();
            if t >= target / 4 || n >= 1 << 30 {
                let per = t.as_nanos().max(1) as f64 / n as f64;
                return ((target.as_nanos() as f64 / per) as u64).max(1);
            }
            n *= 4;
        }
    }
}

//! [`RunConfig`]: everything a run starts from besides the instructions.
//!
//! The kernel's interpreter needs only `ctx` and the program: the verifier
//! proved every access safe. A checked run proves nothing beforehand, so it
//! must be told what the program may touch: the regions below, the maps,
//! the helpers. A config borrows the memory it names for its lifetime `'a`,
//! so the borrow checker keeps that memory alive and unaliased while the
//! program may write it.

use crate::helpers::HelperCalls;
use bpf_core::ctx::{SkBuff, XdpBuff};
use bpf_core::maps::BpfMap;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::MAX_BPF_STACK;
use std::marker::PhantomData;
use std::mem::size_of;
use std::sync::Arc;

/// A range of memory a checked run lets the program access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemRegion {
    /// Name, for error messages (`"ctx"`, `"packet"`, `"mem"`).
    pub name: String,
    /// First byte.
    pub start: u64,
    /// Bytes.
    pub len: u64,
    /// The program may store to it.
    pub writable: bool,
}

impl MemRegion {
    /// Does `[addr, end)` lie inside the region?
    #[inline]
    pub fn contains(&self, addr: u64, end: u64) -> bool {
        addr >= self.start && end <= self.start.wrapping_add(self.len) && addr <= end
    }
}

/// Which instruction set the program is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InsnSet {
    /// What a loader hands to `BPF_PROG_LOAD`: uapi opcodes only, reserved
    /// fields zero, helper calls by id, bpf-to-bpf calls as
    /// `BPF_PSEUDO_CALL`, `LD_ABS`/`LD_IND`, and `0xe5` is `may_goto`.
    /// This is how the conformance suite and unverified programs run.
    #[default]
    Uapi,
    /// What the verifier leaves ("xlated"): kernel-internal opcodes too
    /// (`BPF_CALL_ARGS` as `0xe5`, `BPF_TAIL_CALL`, `BPF_NOSPEC`,
    /// `BPF_PROBE_MEM`), the auxiliary register r11, helper calls by
    /// `BPF_CALL_IMM`.
    Xlated,
}

/// Everything a run needs besides the instructions.
///
/// ```
/// use bpf_interp::{run_checked, HelperCalls, RunConfig};
/// use bpf_core::uapi::*;
///
/// // r0 = *(u32 *)(r1 + 0); exit
/// let prog = [BpfInsn::ldx_mem(BPF_W, 0, 1, 0), BpfInsn::exit()];
/// let mut mem = 7u32.to_le_bytes();
/// let cfg = RunConfig::new().with_mem(&mut mem);
/// assert_eq!(run_checked(&prog, &cfg), Ok(7));
/// ```
#[derive(Debug)]
pub struct RunConfig<'a> {
    /// r1..r5 at entry (r1 is normally the context pointer).
    pub args: [u64; 5],
    /// Memory besides the program's own stack that it may access.
    pub regions: Vec<MemRegion>,
    /// How helper calls are resolved.
    pub helpers: HelperCalls<'a>,
    /// Maps whose values the program may access and that tail calls may go
    /// through (besides the programs' own `used_maps`).
    pub maps: Vec<Arc<BpfMap>>,
    /// The context pointer helpers with an `ARG_PTR_TO_CTX` argument must
    /// get (normally `args[0]`).
    pub ctx: Option<u64>,
    /// The socket buffer that `LD_ABS` / `LD_IND` read through r6.
    pub skb: Option<u64>,
    /// Which instruction set the program is in.
    pub insn_set: InsnSet,
    /// Stack of the main frame in bytes: what the program may use below
    /// r10 (the verified `stack_depth`; 512 for unverified programs).
    pub stack_depth: u32,
    /// The checked mode stops after this many executed instructions.
    pub insn_limit: u64,
    /// The checked mode refuses reads of registers nothing wrote ("R%d
    /// !read_ok"), as the verifier does.
    pub check_uninit_regs: bool,
    /// Map values are reachable only through pointers the run obtained:
    /// the values `bpf_map_lookup_elem` (any helper returning a map value)
    /// returned, and the direct values (`BPF_PSEUDO_MAP_VALUE`) of the
    /// maps. Without it, any byte of any value of the run's maps is
    /// reachable, so an access that runs off one array element into the
    /// next goes unnoticed: the checker knows addresses, not which object a
    /// pointer came from. Off by default; the soundness check of verified
    /// programs turns it on.
    pub strict_map_values: bool,
    _borrows: PhantomData<&'a mut [u8]>,
}

/// Default instruction budget of a checked run: generous for real programs
/// (the verifier's complexity limit is one million *processed* insns, loops
/// run far more), small enough that a runaway program stops in seconds.
pub const DEFAULT_INSN_LIMIT: u64 = 1 << 28;

impl Default for RunConfig<'_> {
    fn default() -> Self {
        RunConfig {
            args: [0; 5],
            regions: Vec::new(),
            helpers: HelperCalls::None,
            maps: Vec::new(),
            ctx: None,
            skb: None,
            insn_set: InsnSet::Uapi,
            stack_depth: MAX_BPF_STACK,
            insn_limit: DEFAULT_INSN_LIMIT,
            check_uninit_regs: true,
            strict_map_values: false,
            _borrows: PhantomData,
        }
    }
}

impl<'a> RunConfig<'a> {
    /// An unverified-program run: uapi instructions, a 512-byte stack, no
    /// memory, no helpers, no maps.
    pub fn new() -> Self {
        Self::default()
    }

    /// A run of a verified program: xlated instructions, its verified
    /// stack depth, its `used_maps`. The caller adds the context
    /// ([`Self::with_skb`], [`Self::with_ctx_mem`]...) and the helpers
    /// ([`HelperCalls::CallImm`]).
    pub fn for_prog(prog: &BpfProg) -> Self {
        RunConfig {
            insn_set: InsnSet::Xlated,
            stack_depth: prog.aux.stack_depth,
            maps: prog.aux.used_maps.clone(),
            ..Self::default()
        }
    }

    /// The conformance suite's convention: r1 points to `mem`, r2 holds its
    /// length, and the program may read and write it.
    pub fn with_mem(mut self, mem: &'a mut [u8]) -> Self {
        let start = mem.as_mut_ptr() as u64;
        self.args[0] = start;
        self.args[1] = mem.len() as u64;
        self.regions.push(MemRegion { name: "mem".into(), start, len: mem.len() as u64, writable: true });
        self
    }

    /// r1 points to `ctx` (a context object the program reads and writes
    /// directly, as a rewritten program reads the kernel object).
    pub fn with_ctx_mem(mut self, ctx: &'a mut [u8]) -> Self {
        let start = ctx.as_mut_ptr() as u64;
        self.args[0] = start;
        self.ctx = Some(start);
        self.regions.push(MemRegion { name: "ctx".into(), start, len: ctx.len() as u64, writable: true });
        self
    }

    /// A socket buffer over `buf`: `skb->head` is the start of `buf`,
    /// `skb->data` is `data_off` bytes further, the packet runs to the end
    /// of `buf` (`len`, `data_end`). r1 points to the `SkBuff` (the context
    /// of a rewritten program, and what `LD_ABS`/`LD_IND` read through r6).
    /// The program may access the `SkBuff` and the whole buffer, headroom
    /// included. `data_off` past the end of `buf` is clamped to it.
    pub fn with_skb(mut self, skb: &'a mut SkBuff, buf: &'a mut [u8], data_off: usize) -> Self {
        let head = buf.as_mut_ptr() as u64;
        let data_off = data_off.min(buf.len());
        skb.head = head;
        skb.data = head + data_off as u64;
        skb.data_end = head + buf.len() as u64;
        skb.data_meta = skb.data;
        skb.len = (buf.len() - data_off) as u32;
        skb.data_len = 0;
        let ctx = skb as *mut SkBuff as u64;
        self.args[0] = ctx;
        self.ctx = Some(ctx);
        self.skb = Some(ctx);
        self.regions.push(MemRegion {
            name: "ctx".into(),
            start: ctx,
            len: size_of::<SkBuff>() as u64,
            writable: true,
        });
        self.regions.push(MemRegion {
            name: "packet".into(),
            start: head,
            len: buf.len() as u64,
            writable: true,
        });
        self
    }

    /// An XDP buffer over `buf`, like [`Self::with_skb`]: `data_hard_start`
    /// is the start of `buf`, `data` is `data_off` bytes further.
    pub fn with_xdp(mut self, xdp: &'a mut XdpBuff, buf: &'a mut [u8], data_off: usize) -> Self {
        let head = buf.as_mut_ptr() as u64;
        let data_off = data_off.min(buf.len());
        xdp.data_hard_start = head;
        xdp.data = head + data_off as u64;
        xdp.data_meta = xdp.data;
        xdp.data_end = head + buf.len() as u64;
        xdp.frame_sz = buf.len() as u32;
        let ctx = xdp as *mut XdpBuff as u64;
        self.args[0] = ctx;
        self.ctx = Some(ctx);
        self.regions.push(MemRegion {
            name: "ctx".into(),
            start: ctx,
            len: size_of::<XdpBuff>() as u64,
            writable: true,
        });
        self.regions.push(MemRegion {
            name: "packet".into(),
            start: head,
            len: buf.len() as u64,
            writable: true,
        });
        self
    }

    /// Lets the program also read `mem` (a region named `name`).
    pub fn with_ro_region(mut self, name: &str, mem: &'a [u8]) -> Self {
        self.regions.push(MemRegion {
            name: name.into(),
            start: mem.as_ptr() as u64,
            len: mem.len() as u64,
            writable: false,
        });
        self
    }

    /// Lets the program also read and write `mem` (a region named `name`).
    pub fn with_rw_region(mut self, name: &str, mem: &'a mut [u8]) -> Self {
        self.regions.push(MemRegion {
            name: name.into(),
            start: mem.as_mut_ptr() as u64,
            len: mem.len() as u64,
            writable: true,
        });
        self
    }

    /// Adds a region the config does not borrow.
    ///
    /// # Safety
    ///
    /// For the lifetime `'a`, `[region.start, region.start + region.len)`
    /// must be valid for reads (and writes when `writable`), and nothing
    /// else may access it while a run with this config is going on.
    pub unsafe fn with_raw_region(mut self, region: MemRegion) -> Self {
        self.regions.push(region);
        self
    }

    /// Sets how helper calls are resolved.
    pub fn with_helpers(mut self, helpers: HelperCalls<'a>) -> Self {
        self.helpers = helpers;
        self
    }

    /// Adds a map the program may use.
    pub fn with_map(mut self, map: Arc<BpfMap>) -> Self {
        self.maps.push(map);
        self
    }

    /// Sets r1..r5 (after the context helpers above, which set r1).
    pub fn with_args(mut self, args: [u64; 5]) -> Self {
        self.args = args;
        self
    }

    /// Sets the instruction set.
    pub fn with_insn_set(mut self, set: InsnSet) -> Self {
        self.insn_set = set;
        self
    }

    /// Sets the main frame's stack depth (at most 512 bytes are allocated;
    /// a larger depth is refused by the run).
    pub fn with_stack_depth(mut self, depth: u32) -> Self {
        self.stack_depth = depth;
        self
    }

    /// Reaches map values only through pointers the run obtained (see
    /// [`RunConfig::strict_map_values`]).
    pub fn with_strict_map_values(mut self) -> Self {
        self.strict_map_values = true;
        self
    }

    /// Sets the instruction budget of a checked run.
    pub fn with_insn_limit(mut self, limit: u64) -> Self {
        self.insn_limit = limit;
        self
    }
}

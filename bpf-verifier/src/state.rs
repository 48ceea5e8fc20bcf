//! The verifier's state, as `include/linux/bpf_verifier.h` (v6.18)
//! declares it: `struct bpf_reg_state`, `bpf_stack_state`,
//! `bpf_func_state`, `bpf_verifier_state`, `bpf_insn_aux_data`,
//! `bpf_subprog_info`, and the register type enum of `include/linux/bpf.h`.

use crate::tnum::{Tnum, TNUM_UNKNOWN};
pub use bpf_core::helpers::proto::{
    base_type, type_flag, MEM_ALLOC, MEM_PERCPU, MEM_RCU, MEM_RDONLY, MEM_RINGBUF, MEM_USER, NON_OWN_REF,
    PTR_MAYBE_NULL, PTR_TRUSTED, PTR_UNTRUSTED,
};
use bpf_core::uapi::{MAX_BPF_REG, MAX_CALL_FRAMES};

// ---- enum bpf_reg_type ----
/// The register was never written.
pub const NOT_INIT: u32 = 0;
/// A number, not a pointer.
pub const SCALAR_VALUE: u32 = 1;
/// The program context (r1 at entry).
pub const PTR_TO_CTX: u32 = 2;
/// A `struct bpf_map *` from `ld_imm64`.
pub const CONST_PTR_TO_MAP: u32 = 3;
/// Into a map value.
pub const PTR_TO_MAP_VALUE: u32 = 4;
/// Into a map key.
pub const PTR_TO_MAP_KEY: u32 = 5;
/// Into the stack (r10 plus an offset).
pub const PTR_TO_STACK: u32 = 6;
/// `skb->data_meta`.
pub const PTR_TO_PACKET_META: u32 = 7;
/// `skb->data`.
pub const PTR_TO_PACKET: u32 = 8;
/// `skb->data_end`.
pub const PTR_TO_PACKET_END: u32 = 9;
/// Flow dissector keys.
pub const PTR_TO_FLOW_KEYS: u32 = 10;
/// `struct bpf_sock *`.
pub const PTR_TO_SOCKET: u32 = 11;
/// `struct bpf_sock_common *`.
pub const PTR_TO_SOCK_COMMON: u32 = 12;
/// `struct bpf_tcp_sock *`.
pub const PTR_TO_TCP_SOCK: u32 = 13;
/// Writable tracepoint buffer.
pub const PTR_TO_TP_BUFFER: u32 = 14;
/// `struct xdp_sock *`.
pub const PTR_TO_XDP_SOCK: u32 = 15;
/// A kernel object described by BTF.
pub const PTR_TO_BTF_ID: u32 = 16;
/// Memory of a known size.
pub const PTR_TO_MEM: u32 = 17;
/// Into an arena.
pub const PTR_TO_ARENA: u32 = 18;
/// A read-only or read-write buffer.
pub const PTR_TO_BUF: u32 = 19;
/// A BPF function (callback).
pub const PTR_TO_FUNC: u32 = 20;
/// `const struct bpf_dynptr *`.
pub const CONST_PTR_TO_DYNPTR: u32 = 21;

/// `PTR_TO_MAP_VALUE | PTR_MAYBE_NULL`.
pub const PTR_TO_MAP_VALUE_OR_NULL: u32 = PTR_MAYBE_NULL | PTR_TO_MAP_VALUE;

/// `reg_type_str()` names of the base types.
pub fn reg_type_base_str(t: u32) -> &'static str {
    match base_type(t) {
        NOT_INIT => "?",
        SCALAR_VALUE => "scalar",
        PTR_TO_CTX => "ctx",
        CONST_PTR_TO_MAP => "map_ptr",
        PTR_TO_MAP_VALUE => "map_value",
        PTR_TO_STACK => "fp",
        PTR_TO_PACKET => "pkt",
        PTR_TO_PACKET_META => "pkt_meta",
        PTR_TO_PACKET_END => "pkt_end",
        PTR_TO_FLOW_KEYS => "flow_keys",
        PTR_TO_SOCKET => "sock",
        PTR_TO_SOCK_COMMON => "sock_common",
        PTR_TO_TCP_SOCK => "tcp_sock",
        PTR_TO_TP_BUFFER => "tp_buffer",
        PTR_TO_XDP_SOCK => "xdp_sock",
        PTR_TO_BTF_ID => "ptr_",
        PTR_TO_MEM => "mem",
        PTR_TO_ARENA => "arena",
        PTR_TO_BUF => "buf",
        PTR_TO_FUNC => "func",
        PTR_TO_MAP_KEY => "map_key",
        CONST_PTR_TO_DYNPTR => "dynptr_ptr",
        _ => "",
    }
}

/// Mirrors `kernel/bpf/verifier.c:reg_type_str()`: `map_value_or_null`,
/// `rdonly_mem`, `fp`...
pub fn reg_type_str(t: u32) -> String {
    let postfix = if t & PTR_MAYBE_NULL != 0 {
        if base_type(t) == PTR_TO_BTF_ID {
            "or_null_"
        } else {
            "_or_null"
        }
    } else {
        ""
    };
    let mut s = String::new();
    for (flag, p) in [
        (MEM_RDONLY, "rdonly_"),
        (MEM_RINGBUF, "ringbuf_"),
        (MEM_USER, "user_"),
        (MEM_PERCPU, "percpu_"),
        (MEM_RCU, "rcu_"),
        (PTR_UNTRUSTED, "untrusted_"),
        (PTR_TRUSTED, "trusted_"),
    ] {
        if t & flag != 0 {
            s.push_str(p);
        }
    }
    s.push_str(reg_type_base_str(t));
    s.push_str(postfix);
    s
}

/// `BPF_ADD_CONST64`: the id links a register to another one plus `off`
/// (64-bit add).
pub const BPF_ADD_CONST64: u32 = 1 << 31;
/// `BPF_ADD_CONST32`: the same after a 32-bit add.
pub const BPF_ADD_CONST32: u32 = 1 << 30;
/// `BPF_ADD_CONST`: either flag.
pub const BPF_ADD_CONST: u32 = BPF_ADD_CONST64 | BPF_ADD_CONST32;

/// `AT_PKT_END` / `BEYOND_PKT_END`: packet pointer compared with `data_end`.
pub const AT_PKT_END: i32 = -1;
/// The packet pointer is past `data_end`.
pub const BEYOND_PKT_END: i32 = -2;

/// `DEF_NOT_SUBREG`: the register's last write was 64-bit.
pub const DEF_NOT_SUBREG: i32 = 0;

/// A map the program uses, as an index into `env.used_maps`.
pub type MapIdx = u32;
/// No map.
pub const NO_MAP: MapIdx = u32::MAX;

/// `struct bpf_reg_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfRegState {
    /// `type`: base type and flags.
    pub type_: u32,
    /// Fixed offset of a pointer (`off`).
    pub off: i32,
    /// Packet pointers: bytes known readable past the pointer (`range`).
    pub range: i32,
    /// Map pointers and map values: the map (`map_ptr`).
    pub map_idx: MapIdx,
    /// Inner map identity (`map_uid`).
    pub map_uid: u32,
    /// `PTR_TO_MEM`: its size (`mem_size`).
    pub mem_size: u32,
    /// Pointers that may be NULL and linked scalars share an `id`.
    pub id: u32,
    /// A reference the program must release (`ref_obj_id`).
    pub ref_obj_id: u32,
    /// Known bits of the value or of the pointer's variable offset.
    pub var_off: Tnum,
    /// `smin_value`.
    pub smin_value: i64,
    /// `smax_value`.
    pub smax_value: i64,
    /// `umin_value`.
    pub umin_value: u64,
    /// `umax_value`.
    pub umax_value: u64,
    /// `s32_min_value`.
    pub s32_min_value: i32,
    /// `s32_max_value`.
    pub s32_max_value: i32,
    /// `u32_min_value`.
    pub u32_min_value: u32,
    /// `u32_max_value`.
    pub u32_max_value: u32,
    /// Frame the stack pointer points into (`frameno`; below
    /// `MAX_CALL_FRAMES`, so a byte: the struct stays at the kernel's 104
    /// bytes of payload without padding to 112).
    pub frameno: u8,
    /// Insn index + 1 of the last 32-bit write (`subreg_def`).
    pub subreg_def: i32,
    /// The value matters for safety: pruning must compare it (`precise`).
    pub precise: bool,
}

impl Default for BpfRegState {
    fn default() -> Self {
        BpfRegState {
            type_: NOT_INIT,
            off: 0,
            range: 0,
            map_idx: NO_MAP,
            map_uid: 0,
            mem_size: 0,
            id: 0,
            ref_obj_id: 0,
            var_off: Tnum::default(),
            smin_value: 0,
            smax_value: 0,
            umin_value: 0,
            umax_value: 0,
            s32_min_value: 0,
            s32_max_value: 0,
            u32_min_value: 0,
            u32_max_value: 0,
            frameno: 0,
            subreg_def: 0,
            precise: false,
        }
    }
}

/// `enum bpf_stack_slot_type`.
pub mod slot {
    /// Nothing written (`STACK_INVALID`).
    pub const STACK_INVALID: u8 = 0;
    /// A register was spilled here (`STACK_SPILL`).
    pub const STACK_SPILL: u8 = 1;
    /// Some written bytes (`STACK_MISC`).
    pub const STACK_MISC: u8 = 2;
    /// Known zero bytes (`STACK_ZERO`).
    pub const STACK_ZERO: u8 = 3;
    /// A dynptr (`STACK_DYNPTR`).
    pub const STACK_DYNPTR: u8 = 4;
    /// An iterator (`STACK_ITER`).
    pub const STACK_ITER: u8 = 5;
    /// Saved irq flags (`STACK_IRQ_FLAG`).
    pub const STACK_IRQ_FLAG: u8 = 6;
}

/// `slot_type_char[]` of the log.
pub fn slot_type_char(t: u8) -> char {
    match t {
        slot::STACK_INVALID => '?',
        slot::STACK_SPILL => 'r',
        slot::STACK_MISC => 'm',
        slot::STACK_ZERO => '0',
        slot::STACK_DYNPTR => 'd',
        slot::STACK_ITER => 'i',
        slot::STACK_IRQ_FLAG => 'f',
        _ => '?',
    }
}

/// `BPF_REG_SIZE`: a stack slot is 8 bytes.
pub const BPF_REG_SIZE: usize = 8;

/// `struct bpf_stack_state`: one 8-byte slot. `slot_type[7]` is the byte
/// at the slot's lowest address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BpfStackState {
    /// The register spilled here, when `slot_type` says `STACK_SPILL`.
    pub spilled_ptr: BpfRegState,
    /// Per-byte slot types.
    pub slot_type: [u8; BPF_REG_SIZE],
}

/// `struct bpf_retval_range`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BpfRetvalRange {
    /// Smallest value.
    pub minval: i32,
    /// Largest value.
    pub maxval: i32,
}

/// `BPF_MAIN_FUNC`: the callsite of the main program's frame.
pub const BPF_MAIN_FUNC: i32 = -1;

/// `struct bpf_func_state`: one frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpfFuncState {
    /// r0..r10.
    pub regs: [BpfRegState; MAX_BPF_REG],
    /// Index of the call insn that made this frame (`callsite`).
    pub callsite: i32,
    /// Depth of this frame (`frameno`).
    pub frameno: u32,
    /// Subprogram this frame runs (`subprogno`).
    pub subprogno: u32,
    /// `async_entry_cnt`.
    pub async_entry_cnt: u32,
    /// `callback_ret_range`.
    pub callback_ret_range: BpfRetvalRange,
    /// `in_callback_fn`.
    pub in_callback_fn: bool,
    /// `in_async_callback_fn`.
    pub in_async_callback_fn: bool,
    /// `in_exception_callback_fn`.
    pub in_exception_callback_fn: bool,
    /// `callback_depth`.
    pub callback_depth: u32,
    /// Slots, `stack[0]` right below the frame pointer.
    pub stack: Vec<BpfStackState>,
    /// Bytes of stack tracked (`allocated_stack`), a multiple of 8.
    pub allocated_stack: i32,
}

impl BpfFuncState {
    /// A frame with every register `NOT_INIT`.
    pub fn new(callsite: i32, frameno: u32, subprogno: u32) -> Self {
        BpfFuncState {
            regs: [BpfRegState::default(); MAX_BPF_REG],
            callsite,
            frameno,
            subprogno,
            async_entry_cnt: 0,
            callback_ret_range: BpfRetvalRange::default(),
            in_callback_fn: false,
            in_async_callback_fn: false,
            in_exception_callback_fn: false,
            callback_depth: 0,
            stack: Vec::new(),
            allocated_stack: 0,
        }
    }
}

/// `enum ref_state_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefStateType {
    /// An acquired pointer (`REF_TYPE_PTR`).
    Ptr,
    /// Saved irq flags (`REF_TYPE_IRQ`).
    Irq,
    /// A held lock (`REF_TYPE_LOCK`).
    Lock,
}

/// `struct bpf_reference_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfReferenceState {
    /// What it is.
    pub type_: RefStateType,
    /// `id`.
    pub id: u32,
    /// Insn that acquired it (`insn_idx`).
    pub insn_idx: i32,
}

/// `INSN_F_*` flags of a jump history entry.
pub mod insn_f {
    /// Mask of the frame number.
    pub const FRAMENO_MASK: u32 = 0x7;
    /// Mask of the stack slot index.
    pub const SPI_MASK: u32 = 0x3f;
    /// Shift of the stack slot index.
    pub const SPI_SHIFT: u32 = 3;
    /// The insn accessed the stack.
    pub const STACK_ACCESS: u32 = 1 << 9;
    /// The dst register was a stack pointer.
    pub const DST_REG_STACK: u32 = 1 << 10;
    /// The src register was a stack pointer.
    pub const SRC_REG_STACK: u32 = 1 << 11;
}

/// `struct bpf_insn_hist_entry` (was `bpf_jmp_history_entry`): 16 bytes,
/// `prev_idx` and the flags packed into one word as the kernel's bit
/// fields are (`prev_idx : 20`, `flags : 12`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BpfJmpHistoryEntry {
    /// Insn index.
    pub idx: u32,
    /// `prev_idx` in the low 20 bits, `INSN_F_*` above.
    prev_idx_flags: u32,
    /// Packed linked registers (`linked_regs`).
    pub linked_regs: u64,
}

/// Bits of `prev_idx` (an insn index is below one million).
const HIST_PREV_BITS: u32 = 20;
/// `prev_idx` mask; all ones stands for "no previous insn" (-1).
const HIST_PREV_MASK: u32 = (1 << HIST_PREV_BITS) - 1;

impl BpfJmpHistoryEntry {
    /// An entry for `idx`, reached from `prev_idx` (`u32::MAX`: none).
    pub fn new(idx: u32, prev_idx: u32, flags: u32, linked_regs: u64) -> Self {
        let prev = if prev_idx > HIST_PREV_MASK { HIST_PREV_MASK } else { prev_idx };
        BpfJmpHistoryEntry { idx, prev_idx_flags: prev | (flags << HIST_PREV_BITS), linked_regs }
    }
    /// Index of the insn executed before it (`prev_idx`; `u32::MAX`: none).
    pub fn prev_idx(&self) -> u32 {
        match self.prev_idx_flags & HIST_PREV_MASK {
            HIST_PREV_MASK => u32::MAX,
            p => p,
        }
    }
    /// `INSN_F_*`.
    pub fn flags(&self) -> u32 {
        self.prev_idx_flags >> HIST_PREV_BITS
    }
}

/// A state's `jmp_history`: its entries at 8 bytes each (`idx` and the
/// packed `prev_idx`/flags word), the `linked_regs` of the few entries
/// that have any kept beside them. Every checkpoint keeps the history of
/// its path segment for precision backtracking, so its size counts once
/// per explored state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JmpHistory {
    /// `idx` and `prev_idx_flags` of each entry, oldest first.
    entries: Vec<[u32; 2]>,
    /// `(entry, linked_regs)` of the entries whose `linked_regs` is not 0,
    /// by entry.
    linked: Vec<(u32, u64)>,
}

impl JmpHistory {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Entry `i`.
    pub fn get(&self, i: usize) -> Option<BpfJmpHistoryEntry> {
        let [idx, prev_idx_flags] = *self.entries.get(i)?;
        let linked_regs = self.linked_at(i).map_or(0, |k| self.linked[k].1);
        Some(BpfJmpHistoryEntry { idx, prev_idx_flags, linked_regs })
    }
    fn linked_at(&self, i: usize) -> Option<usize> {
        self.linked.binary_search_by_key(&(i as u32), |&(e, _)| e).ok()
    }
    /// Appends `e`.
    pub fn push(&mut self, e: BpfJmpHistoryEntry) {
        if e.linked_regs != 0 {
            self.linked.push((self.entries.len() as u32, e.linked_regs));
        }
        self.entries.push([e.idx, e.prev_idx_flags]);
    }
    /// Entry `i` gets `flags` added and `linked_regs` replaced; false if
    /// there is no entry `i`.
    pub fn update(&mut self, i: usize, flags: u32, linked_regs: u64) -> bool {
        let Some(w) = self.entries.get_mut(i) else { return false };
        w[1] |= flags << HIST_PREV_BITS;
        match (self.linked_at(i), linked_regs) {
            (Some(k), 0) => {
                self.linked.remove(k);
            }
            (Some(k), lr) => self.linked[k].1 = lr,
            (None, 0) => {}
            (None, lr) => {
                let at = self.linked.partition_point(|&(e, _)| e < i as u32);
                self.linked.insert(at, (i as u32, lr));
            }
        }
        true
    }
    /// Drops every entry (keeps the allocation).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.linked.clear();
    }
}

/// An index into the verifier's arena of explored states.
pub type StateId = usize;

/// `struct bpf_verifier_state`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpfVerifierState {
    /// Frames 0..=curframe.
    pub frame: Vec<BpfFuncState>,
    /// The checkpoint this state continues from (`parent`).
    pub parent: Option<StateId>,
    /// Paths from this state not yet explored to the end (`branches`).
    pub branches: u32,
    /// `insn_idx`.
    pub insn_idx: u32,
    /// Index of the current frame (`curframe`).
    pub curframe: u32,
    /// Acquired references, locks and irq flags (`refs`).
    pub refs: Vec<BpfReferenceState>,
    /// `active_locks`.
    pub active_locks: u32,
    /// `active_preempt_locks`.
    pub active_preempt_locks: u32,
    /// `active_irq_id`.
    pub active_irq_id: u32,
    /// `active_lock_id`.
    pub active_lock_id: u32,
    /// `active_rcu_locks`.
    pub active_rcu_lock: bool,
    /// Simulating a mispredicted branch (`speculative`).
    pub speculative: bool,
    /// `in_sleepable`.
    pub in_sleepable: bool,
    /// Dead registers and slots were cleared (`cleaned`).
    pub cleaned: bool,
    /// First insn of this state's own path segment (`first_insn_idx`).
    pub first_insn_idx: u32,
    /// Last insn of the segment (`last_insn_idx`).
    pub last_insn_idx: u32,
    /// Jumps and stack accesses since the parent (`jmp_history`).
    pub jmp_history: JmpHistory,
    /// `dfs_depth`.
    pub dfs_depth: u32,
    /// `callback_unroll_depth`.
    pub callback_unroll_depth: u32,
    /// `may_goto_depth`.
    pub may_goto_depth: u32,
}

impl BpfVerifierState {
    /// The current frame.
    #[inline]
    pub fn cur(&self) -> &BpfFuncState {
        &self.frame[self.curframe as usize]
    }
    /// The current frame, mutably.
    #[inline]
    pub fn cur_mut(&mut self) -> &mut BpfFuncState {
        let c = self.curframe as usize;
        &mut self.frame[c]
    }
}

/// `struct bpf_insn_aux_data`: what the verifier learns about one insn.
#[derive(Clone, Debug, Default)]
pub struct BpfInsnAuxData {
    /// Pointer type a load/store through ctx/socket saw (`ptr_type`).
    pub ptr_type: u32,
    /// Map of a helper call's first argument, or `map_index` of an ld_imm64.
    pub map_ptr_state: Option<MapIdx>,
    /// The call saw different maps on different paths (poisoned).
    pub map_ptr_poison: bool,
    /// The map pointer came from an unprivileged path.
    pub map_ptr_unpriv: bool,
    /// Constant key of `bpf_tail_call`/lookups, if one (`map_key_state`).
    pub map_key_state: u64,
    /// `ld_imm64` map index (`map_index`).
    pub map_index: u32,
    /// `BPF_PSEUDO_MAP_VALUE` offset (`map_off`).
    pub map_off: u32,
    /// The original insn index of a call, for `bpf_call` rewrites (`call_imm`).
    pub call_imm: i32,
    /// Size of the ctx field accessed (`ctx_field_size`).
    pub ctx_field_size: u32,
    /// The insn was reached (`seen`).
    pub seen: bool,
    /// The 32-bit result needs zero extension (`zext_dst`).
    pub zext_dst: bool,
    /// A state is checked for pruning here (`prune_point`).
    pub prune_point: bool,
    /// Jumps land here: record in the jump history (`jmp_point`).
    pub jmp_point: bool,
    /// Always make a checkpoint here (`force_checkpoint`).
    pub force_checkpoint: bool,
    /// The call invokes a callback (`calls_callback`).
    pub calls_callback: bool,
    /// Registers read at or after this insn (`live_regs_before`).
    pub live_regs_before: u16,
    /// Index in the original program (`orig_idx`).
    pub orig_idx: u32,
    /// Speculative execution must stop here (`nospec`).
    pub nospec: bool,
    /// A barrier after the insn (`nospec_result`).
    pub nospec_result: bool,
    /// How pointer arithmetic here is masked (`alu_state`, `BPF_ALU_*`).
    pub alu_state: u8,
    /// The masking limit (`alu_limit`).
    pub alu_limit: u32,
    /// `BPF_PROG_TYPE` specific conversion is needed (`needs_zext` etc.).
    pub needs_zext: bool,
    /// Strongly connected component (`scc`).
    pub scc: u32,
}

/// `struct bpf_subprog_info`.
#[derive(Clone, Debug, Default)]
pub struct BpfSubprogInfo {
    /// First insn (`start`).
    pub start: u32,
    /// Stack bytes used (`stack_depth`).
    pub stack_depth: u32,
    /// Extra stack for rewrites (`stack_extra`).
    pub stack_extra: u32,
    /// Index of its last `exit` (`exit_idx`).
    pub exit_idx: u32,
    /// Calls `bpf_tail_call` (`has_tail_call`).
    pub has_tail_call: bool,
    /// A tail call can be reached from it (`tail_call_reachable`).
    pub tail_call_reachable: bool,
    /// Uses `LD_ABS`/`LD_IND` (`has_ld_abs`).
    pub has_ld_abs: bool,
    /// Is a callback (`is_cb`).
    pub is_cb: bool,
    /// Is an async callback (`is_async_cb`).
    pub is_async_cb: bool,
    /// Is the exception callback (`is_exception_cb`).
    pub is_exception_cb: bool,
    /// Changes packet data (`changes_pkt_data`).
    pub changes_pkt_data: bool,
    /// May sleep (`might_sleep`).
    pub might_sleep: bool,
}

/// `BPF_MAX_SUBPROGS`.
pub const BPF_MAX_SUBPROGS: usize = 256;
/// `MAX_USED_MAPS`.
pub const MAX_USED_MAPS: usize = 64;
/// `BPF_MAX_VAR_OFF`: largest variable offset of a pointer.
pub const BPF_MAX_VAR_OFF: i64 = 1 << 29;
/// `BPF_MAX_VAR_SIZ`: largest variable size.
pub const BPF_MAX_VAR_SIZ: i64 = 1 << 29;
/// `MAX_PACKET_OFF`.
pub const MAX_PACKET_OFF: i64 = 0xffff;
/// `BPF_COMPLEXITY_LIMIT_JMP_SEQ`.
pub const BPF_COMPLEXITY_LIMIT_JMP_SEQ: usize = 8192;
/// `BPF_COMPLEXITY_LIMIT_STATES`.
pub const BPF_COMPLEXITY_LIMIT_STATES: usize = 64;
/// `MAX_CALL_FRAMES`, re-exported for frame arrays.
pub const MAX_FRAMES: usize = MAX_CALL_FRAMES;

/// An unknown scalar (`__mark_reg_unknown` without env).
pub fn unknown_scalar() -> BpfRegState {
    let mut r = BpfRegState { type_: SCALAR_VALUE, ..Default::default() };
    crate::bounds::__mark_reg_unbounded(&mut r);
    r.var_off = TNUM_UNKNOWN;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jmp_history_keeps_entries_and_their_linked_regs() {
        let mut h = JmpHistory::default();
        assert!(h.is_empty());
        h.push(BpfJmpHistoryEntry::new(5, u32::MAX, 0, 0));
        h.push(BpfJmpHistoryEntry::new(9, 5, insn_f::STACK_ACCESS, 0x1234));
        h.push(BpfJmpHistoryEntry::new(12, 9, 0, 0));
        assert_eq!(h.len(), 3);
        let e0 = h.get(0).unwrap();
        assert_eq!((e0.idx, e0.prev_idx(), e0.flags(), e0.linked_regs), (5, u32::MAX, 0, 0));
        let e1 = h.get(1).unwrap();
        assert_eq!((e1.idx, e1.prev_idx(), e1.flags(), e1.linked_regs), (9, 5, insn_f::STACK_ACCESS, 0x1234));
        // merge into the last entry: flags or-ed, linked_regs replaced
        assert!(h.update(2, insn_f::SRC_REG_STACK, 0x77));
        let e2 = h.get(2).unwrap();
        assert_eq!((e2.idx, e2.prev_idx(), e2.flags(), e2.linked_regs), (12, 9, insn_f::SRC_REG_STACK, 0x77));
        assert!(h.update(1, insn_f::DST_REG_STACK, 0));
        let e1 = h.get(1).unwrap();
        assert_eq!(e1.flags(), insn_f::STACK_ACCESS | insn_f::DST_REG_STACK);
        assert_eq!(e1.linked_regs, 0);
        assert_eq!(h.get(2).unwrap().linked_regs, 0x77);
        assert!(!h.update(3, 0, 0));
        assert!(h.get(3).is_none());
        h.clear();
        assert!(h.is_empty());
        assert!(h.get(0).is_none());
    }

    #[test]
    fn verifier_structs_are_no_larger_than_the_kernels() {
        // include/linux/bpf_verifier.h (v6.18, x86_64): 112, 120, 1280
        assert!(size_of::<BpfRegState>() <= 112);
        assert!(size_of::<BpfStackState>() <= 120);
        assert!(size_of::<BpfFuncState>() <= 1280);
        assert_eq!(size_of::<BpfJmpHistoryEntry>(), 16);
    }
}

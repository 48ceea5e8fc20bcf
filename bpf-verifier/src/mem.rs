//! Memory access rules of `kernel/bpf/verifier.c` (v6.18):
//! `check_mem_access` and what it dispatches to — the stack (slots,
//! spills and fills, variable offsets), the context (through the program
//! type's `is_valid_access`), packets (`data`/`data_end` ranges), map
//! values — plus alignment, loads/stores/atomics and `LD_ABS`.

use crate::bounds::*;
use crate::check::*;
use crate::env::{__is_pointer_value, verbose, BpfVerifierEnv};
use crate::ops::BpfInsnAccessAux;
use crate::state::*;
use crate::tnum::*;
use bpf_core::errno::*;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// `BPF_READ` (false) / `BPF_WRITE` (true) as a bool.
pub type IsWrite = bool;

/// `is_spillable_regtype()`.
pub fn is_spillable_regtype(t: u32) -> bool {
    matches!(
        base_type(t),
        PTR_TO_MAP_VALUE
            | PTR_TO_STACK
            | PTR_TO_CTX
            | PTR_TO_PACKET
            | PTR_TO_PACKET_META
            | PTR_TO_PACKET_END
            | PTR_TO_FLOW_KEYS
            | CONST_PTR_TO_MAP
            | PTR_TO_SOCKET
            | PTR_TO_SOCK_COMMON
            | PTR_TO_TCP_SOCK
            | PTR_TO_XDP_SOCK
            | PTR_TO_BTF_ID
            | PTR_TO_BUF
            | PTR_TO_MEM
            | PTR_TO_FUNC
            | PTR_TO_MAP_KEY
            | PTR_TO_ARENA
    )
}

/// `is_spilled_reg()`.
pub fn is_spilled_reg(s: &BpfStackState) -> bool {
    s.slot_type[BPF_REG_SIZE - 1] == slot::STACK_SPILL
}

/// `is_spilled_scalar_reg()`.
pub fn is_spilled_scalar_reg(s: &BpfStackState) -> bool {
    is_spilled_reg(s) && s.spilled_ptr.type_ == SCALAR_VALUE
}

/// `is_stack_slot_special()`.
fn is_stack_slot_special(s: &BpfStackState) -> bool {
    matches!(
        s.slot_type[BPF_REG_SIZE - 1],
        slot::STACK_SPILL | slot::STACK_DYNPTR | slot::STACK_ITER | slot::STACK_IRQ_FLAG
    )
}

/// `scrub_spilled_slot()`.
fn scrub_spilled_slot(t: &mut u8) {
    if *t != slot::STACK_INVALID {
        *t = slot::STACK_MISC;
    }
}

/// `scrub_special_slot()`: a write over a spilled register (or dynptr,
/// iterator, irq flag) destroys all of it, so no slot is left looking
/// spilled with its register gone.
fn scrub_special_slot(s: &mut BpfStackState) {
    s.spilled_ptr.type_ = NOT_INIT;
    if is_stack_slot_special(s) {
        s.slot_type.iter_mut().for_each(scrub_spilled_slot);
    }
}

/// `mark_stack_slot_misc()`.
fn mark_stack_slot_misc(t: &mut u8) {
    if *t == slot::STACK_ZERO || *t == slot::STACK_INVALID {
        return;
    }
    *t = slot::STACK_MISC;
}

/// `save_register_state()`: spill `reg` into slot `spi` over `size` bytes.
fn save_register_state(state: &mut BpfFuncState, spi: usize, reg: &BpfRegState, size: usize) {
    let s = &mut state.stack[spi];
    s.spilled_ptr = *reg;
    let mut i = BPF_REG_SIZE;
    while i > BPF_REG_SIZE - size {
        s.slot_type[i - 1] = slot::STACK_SPILL;
        i -= 1;
    }
    // below a narrow spill
    while i > 0 {
        mark_stack_slot_misc(&mut s.slot_type[i - 1]);
        i -= 1;
    }
}

/// `insn_stack_access_flags()`.
fn insn_stack_access_flags(frameno: u32, spi: usize) -> u32 {
    insn_f::STACK_ACCESS | ((spi as u32) << insn_f::SPI_SHIFT) | frameno
}

/// Mirrors `kernel/bpf/verifier.c:is_pkt_ptr_branch_taken()`.
pub fn is_pkt_ptr_branch_taken(dst_reg: &BpfRegState, src_reg: &BpfRegState, opcode: u8) -> i32 {
    let (pkt, opcode) = if src_reg.type_ == PTR_TO_PACKET_END {
        (dst_reg, opcode)
    } else if dst_reg.type_ == PTR_TO_PACKET_END {
        (src_reg, flip_opcode(opcode))
    } else {
        return -1;
    };
    if pkt.range >= 0 {
        return -1;
    }
    match opcode {
        BPF_JLE | BPF_JGT if pkt.range == BEYOND_PKT_END => return i32::from(opcode == BPF_JGT),
        BPF_JLT | BPF_JGE if pkt.range == BEYOND_PKT_END || pkt.range == AT_PKT_END => {
            return i32::from(opcode == BPF_JGE)
        }
        _ => {}
    }
    -1
}

/// Mirrors `kernel/bpf/verifier.c:find_good_pkt_pointers()`: after
/// `pkt + off <= pkt_end`, every pointer with the same id may access
/// `off` bytes.
fn find_good_pkt_pointers(
    vstate: &mut BpfVerifierState,
    dst_reg: &BpfRegState,
    t: u32,
    range_right_open: bool,
) {
    if dst_reg.off < 0 || (dst_reg.off == 0 && range_right_open) {
        return;
    }
    if dst_reg.umax_value > MAX_PACKET_OFF as u64
        || dst_reg.umax_value + dst_reg.off as u64 > MAX_PACKET_OFF as u64
    {
        // ptr + huge may be below pkt_end only by wrapping
        return;
    }
    let mut new_range = dst_reg.off;
    if range_right_open {
        new_range += 1;
    }
    for f in vstate.frame.iter_mut() {
        let apply = |r: &mut BpfRegState| {
            if r.type_ == t && r.id == dst_reg.id {
                r.range = r.range.max(new_range);
            }
        };
        f.regs.iter_mut().for_each(apply);
        for s in f.stack.iter_mut() {
            if is_spilled_reg(s) {
                apply(&mut s.spilled_ptr);
            }
        }
    }
}

/// Mirrors `kernel/bpf/verifier.c:mark_pkt_end()`.
fn mark_pkt_end(vstate: &mut BpfVerifierState, regn: u8, range_open: bool) {
    let reg = &mut vstate.cur_mut().regs[regn as usize];
    if reg.type_ != PTR_TO_PACKET {
        return;
    }
    reg.range = if range_open { BEYOND_PKT_END } else { AT_PKT_END };
}

/// `reg_is_init_pkt_pointer()`.
fn reg_is_init_pkt_pointer(reg: &BpfRegState, which: u32) -> bool {
    reg.type_ == which && reg.id == 0 && reg.off == 0 && reg.var_off.equals_const(0)
}

/// Mirrors `kernel/bpf/verifier.c:try_match_pkt_pointers()`: a compare of
/// a packet pointer with `data_end` (or `data_meta` with `data`) gives
/// the branch where it holds a readable range.
pub fn try_match_pkt_pointers(
    insn: &BpfInsn,
    dst_reg: &BpfRegState,
    src_reg: &BpfRegState,
    this_branch: &mut BpfVerifierState,
    other_branch: &mut BpfVerifierState,
    _id_gen: &mut u32,
) -> bool {
    if bpf_src(insn.code) != BPF_X || bpf_class(insn.code) == BPF_JMP32 {
        return false;
    }
    let (d, s) = (insn.dst_reg(), insn.src_reg());
    let dst_first = (dst_reg.type_ == PTR_TO_PACKET && src_reg.type_ == PTR_TO_PACKET_END)
        || (dst_reg.type_ == PTR_TO_PACKET_META && reg_is_init_pkt_pointer(src_reg, PTR_TO_PACKET));
    let src_first = (dst_reg.type_ == PTR_TO_PACKET_END && src_reg.type_ == PTR_TO_PACKET)
        || (reg_is_init_pkt_pointer(dst_reg, PTR_TO_PACKET) && src_reg.type_ == PTR_TO_PACKET_META);
    match bpf_op(insn.code) {
        BPF_JGT => {
            if dst_first {
                find_good_pkt_pointers(this_branch, dst_reg, dst_reg.type_, false);
                mark_pkt_end(other_branch, d, true);
            } else if src_first {
                find_good_pkt_pointers(other_branch, src_reg, src_reg.type_, true);
                mark_pkt_end(this_branch, s, false);
            } else {
                return false;
            }
        }
        BPF_JLT => {
            if dst_first {
                find_good_pkt_pointers(other_branch, dst_reg, dst_reg.type_, true);
                mark_pkt_end(this_branch, d, false);
            } else if src_first {
                find_good_pkt_pointers(this_branch, src_reg, src_reg.type_, false);
                mark_pkt_end(other_branch, s, true);
            } else {
                return false;
            }
        }
        BPF_JGE => {
            if dst_first {
                find_good_pkt_pointers(this_branch, dst_reg, dst_reg.type_, true);
                mark_pkt_end(other_branch, d, false);
            } else if src_first {
                find_good_pkt_pointers(other_branch, src_reg, src_reg.type_, false);
                mark_pkt_end(this_branch, s, true);
            } else {
                return false;
            }
        }
        BPF_JLE => {
            if dst_first {
                find_good_pkt_pointers(other_branch, dst_reg, dst_reg.type_, false);
                mark_pkt_end(this_branch, d, true);
            } else if src_first {
                find_good_pkt_pointers(this_branch, src_reg, src_reg.type_, true);
                mark_pkt_end(other_branch, s, false);
            } else {
                return false;
            }
        }
        _ => return false,
    }
    true
}

/// `bpf_map_flags_to_cap()`: (can read, can write).
fn map_caps(flags: BpfMapFlags) -> (bool, bool) {
    if flags.contains(BpfMapFlags::BPF_F_RDONLY_PROG) {
        (true, false)
    } else if flags.contains(BpfMapFlags::BPF_F_WRONLY_PROG) {
        (false, true)
    } else {
        (true, true)
    }
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:check_ptr_alignment()`.
    pub fn check_ptr_alignment(
        &mut self,
        reg: &BpfRegState,
        off: i32,
        size: i32,
        strict_alignment_once: bool,
    ) -> Result<(), Errno> {
        let mut strict = self.strict_alignment || strict_alignment_once;
        let desc = match reg.type_ {
            PTR_TO_PACKET | PTR_TO_PACKET_META => {
                if !strict || size == 1 {
                    return Ok(());
                }
                let ip_align = 2;
                let reg_off = tnum_add(reg.var_off, tnum_const((ip_align + reg.off + off) as i64 as u64));
                if !tnum_is_aligned(reg_off, size as u64) {
                    verbose!(
                        self,
                        "misaligned packet access off {}+{}+{}+{} size {}\n",
                        ip_align,
                        tnum_strn(reg.var_off),
                        reg.off,
                        off,
                        size
                    );
                    return Err(EACCES);
                }
                return Ok(());
            }
            PTR_TO_FLOW_KEYS => "flow keys ",
            PTR_TO_MAP_KEY => "key ",
            PTR_TO_MAP_VALUE => "value ",
            PTR_TO_CTX => "context ",
            PTR_TO_STACK => {
                // spill tracking relies on aligned stack accesses
                strict = true;
                "stack "
            }
            PTR_TO_SOCKET => "sock ",
            PTR_TO_SOCK_COMMON => "sock_common ",
            PTR_TO_TCP_SOCK => "tcp_sock ",
            PTR_TO_XDP_SOCK => "xdp_sock ",
            PTR_TO_ARENA => return Ok(()),
            _ => "",
        };
        if !strict || size == 1 {
            return Ok(());
        }
        let reg_off = tnum_add(reg.var_off, tnum_const((reg.off + off) as i64 as u64));
        if !tnum_is_aligned(reg_off, size as u64) {
            verbose!(
                self,
                "misaligned {}access off {}+{}+{} size {}\n",
                desc,
                tnum_strn(reg.var_off),
                reg.off,
                off,
                size
            );
            return Err(EACCES);
        }
        Ok(())
    }

    /// The frame a stack pointer points into (`func(env, reg)`).
    fn stack_frame_of(&self, reg: &BpfRegState) -> usize {
        reg.frameno as usize
    }

    /// Mirrors `kernel/bpf/verifier.c:grow_stack_state()`.
    fn grow_stack_state(&mut self, frame: usize, size: i64) {
        let size = ((size + 7) / 8 * 8) as usize;
        let n = size / BPF_REG_SIZE;
        let st = &mut self.cur_state.frame[frame];
        if st.stack.len() >= n {
            return;
        }
        st.stack.resize(n, BpfStackState::default());
        st.allocated_stack = size as i32;
        let sub = st.subprogno as usize;
        if (self.subprog_info[sub].stack_depth as usize) < size {
            self.subprog_info[sub].stack_depth = size as u32;
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_access_within_bounds()`.
    pub fn check_stack_access_within_bounds(
        &mut self,
        regno: u8,
        off: i32,
        access_size: i32,
        write: IsWrite,
    ) -> Result<(), Errno> {
        let reg = self.reg(regno);
        let frame = self.stack_frame_of(&reg);
        let err_extra = if write { " write to" } else { " read from" };
        let (min_off, max_off);
        if reg.var_off.is_const() {
            min_off = reg.var_off.value as i64 + i64::from(off);
            max_off = min_off + i64::from(access_size);
        } else {
            if reg.smax_value >= BPF_MAX_VAR_OFF || reg.smin_value <= -BPF_MAX_VAR_OFF {
                verbose!(self, "invalid unbounded variable-offset{} stack R{}\n", err_extra, regno);
                return Err(EACCES);
            }
            min_off = reg.smin_value + i64::from(off);
            max_off = reg.smax_value + i64::from(off) + i64::from(access_size);
        }
        // check_stack_slot_within_bounds()
        let min_valid = if write || self.allow_uninit_stack {
            -(MAX_BPF_STACK as i64)
        } else {
            -i64::from(self.cur_state.frame[frame].allocated_stack)
        };
        let mut err = if min_off < min_valid || min_off > -1 { Some(EACCES) } else { None };
        if err.is_none() && max_off > 0 {
            err = Some(EINVAL);
        }
        if err.is_none() && access_size < 0 {
            err = Some(EFAULT);
        }
        if let Some(e) = err {
            if reg.var_off.is_const() {
                verbose!(self, "invalid{} stack R{} off={} size={}\n", err_extra, regno, off, access_size);
            } else {
                verbose!(
                    self,
                    "invalid variable-offset{} stack R{} var_off={} off={} size={}\n",
                    err_extra,
                    regno,
                    tnum_strn(reg.var_off),
                    off,
                    access_size
                );
            }
            return Err(e);
        }
        self.grow_stack_state(frame, -min_off);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_write_fixed_off()`.
    fn check_stack_write_fixed_off(
        &mut self,
        frame: usize,
        off: i32,
        size: i32,
        value_regno: i32,
        insn_idx: i32,
    ) -> Result<(), Errno> {
        let slot = (-off - 1) as usize;
        let spi = slot / BPF_REG_SIZE;
        let insn = self.prog.insnsi[insn_idx as usize];
        let frameno = self.cur_state.frame[frame].frameno;
        let mut insn_flags = insn_stack_access_flags(frameno, spi);
        {
            let s = &self.cur_state.frame[frame].stack[spi];
            if !self.allow_ptr_leaks && is_spilled_reg(s) && !is_spilled_scalar_reg(s) && size != 8 {
                verbose!(self, "attempt to corrupt spilled pointer on stack\n");
                return Err(EACCES);
            }
        }
        let cf = self.curframe();
        let reg =
            if value_regno >= 0 { Some(self.cur_state.frame[cf].regs[value_regno as usize]) } else { None };
        if !self.bypass_spec_v4 {
            // Spectre v4: a store that may be bypassed over a typed slot
            // gets a barrier after it (the kernel looks at slot_type[0..size])
            let s = &self.cur_state.frame[frame].stack[spi];
            let sanitize = reg.is_some_and(|r| is_spillable_regtype(r.type_))
                || (0..size as usize)
                    .any(|i| s.slot_type[i] != slot::STACK_MISC && s.slot_type[i] != slot::STACK_ZERO);
            if sanitize {
                self.insn_aux_data[insn_idx as usize].nospec_result = true;
            }
        }
        if off % 8 == 0 && size == 8 {
            self.liveness.mark_stack_write(frameno, 1u64 << spi);
        }
        self.mark_stack_slot_scratched(spi);
        let is_st_mem = bpf_class(insn.code) == BPF_ST && bpf_mode(insn.code) == BPF_MEM;
        if let Some(mut r) = reg.filter(|r| off % 8 == 0 && r.type_ == SCALAR_VALUE && self.bpf_capable) {
            let fits = get_reg_width(&r) <= 8 * size as u32;
            if fits {
                self.assign_scalar_id_before_mov(&mut r);
                self.cur_state.frame[cf].regs[value_regno as usize] = r;
            }
            save_register_state(&mut self.cur_state.frame[frame], spi, &r, size as usize);
            if !fits {
                self.cur_state.frame[frame].stack[spi].spilled_ptr.id = 0;
            }
        } else if reg.is_none() && off % 8 == 0 && is_st_mem && self.bpf_capable {
            let mut tmp = BpfRegState::default();
            __mark_reg_known(&mut tmp, insn.imm as i64 as u64);
            tmp.type_ = SCALAR_VALUE;
            save_register_state(&mut self.cur_state.frame[frame], spi, &tmp, size as usize);
        } else if let Some(r) = reg.filter(|r| is_spillable_regtype(r.type_)) {
            if size != 8 {
                verbose!(self, "invalid size of register spill\n");
                return Err(EACCES);
            }
            if frame != cf && r.type_ == PTR_TO_STACK {
                verbose!(self, "cannot spill pointers to stack into stack frame of the caller\n");
                return Err(EINVAL);
            }
            save_register_state(&mut self.cur_state.frame[frame], spi, &r, size as usize);
        } else {
            let mut t = slot::STACK_MISC;
            {
                scrub_special_slot(&mut self.cur_state.frame[frame].stack[spi]);
            }
            if reg.as_ref().is_some_and(register_is_null) || (reg.is_none() && is_st_mem && insn.imm == 0) {
                // a misaligned zero spill: the register must stay zero
                self.mark_chain_precision(value_regno)?;
                t = slot::STACK_ZERO;
            }
            let s = &mut self.cur_state.frame[frame].stack[spi];
            for i in 0..size as usize {
                s.slot_type[(slot - i) % BPF_REG_SIZE] = t;
            }
            insn_flags = 0;
        }
        if insn_flags != 0 {
            self.push_jmp_history_cur(insn_flags, 0)?;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_write_var_off()`.
    fn check_stack_write_var_off(
        &mut self,
        frame: usize,
        ptr_regno: u8,
        off: i32,
        size: i32,
        value_regno: i32,
        insn_idx: i32,
    ) -> Result<(), Errno> {
        let insn = self.prog.insnsi[insn_idx as usize];
        let ptr = self.reg(ptr_regno);
        let min_off = ptr.smin_value + i64::from(off);
        let max_off = ptr.smax_value + i64::from(off) + i64::from(size);
        let value = if value_regno >= 0 { Some(self.reg(value_regno as u8)) } else { None };
        let is_st_mem = bpf_class(insn.code) == BPF_ST && bpf_mode(insn.code) == BPF_MEM;
        let writing_zero =
            value.as_ref().is_some_and(register_is_null) || (value.is_none() && is_st_mem && insn.imm == 0);
        let mut zero_used = false;
        for i in min_off..max_off {
            let slot = (-i - 1) as usize;
            let spi = slot / BPF_REG_SIZE;
            self.mark_stack_slot_scratched(spi);
            let s = &self.cur_state.frame[frame].stack[spi];
            let stype = s.slot_type[slot % BPF_REG_SIZE];
            if !self.allow_ptr_leaks && stype != slot::STACK_MISC && stype != slot::STACK_ZERO {
                verbose!(
                    self,
                    "spilled ptr in range of var-offset stack write; insn {}, ptr off: {}",
                    insn_idx,
                    i
                );
                return Err(EINVAL);
            }
            if writing_zero
                && stype == slot::STACK_SPILL
                && is_spilled_scalar_reg(s)
                && s.spilled_ptr.var_off.equals_const(0)
            {
                zero_used = true;
                continue;
            }
            // the whole slot goes, not only the bytes written: a slot left
            // spilled without its register would fail a later fill
            let s = &mut self.cur_state.frame[frame].stack[spi];
            scrub_special_slot(s);
            let stype = s.slot_type[slot % BPF_REG_SIZE];
            let mut new_type = slot::STACK_MISC;
            if writing_zero && stype == slot::STACK_ZERO {
                new_type = slot::STACK_ZERO;
                zero_used = true;
            }
            if stype == slot::STACK_INVALID && !self.allow_uninit_stack {
                verbose!(
                    self,
                    "uninit stack in range of var-offset write prohibited for !root; insn {}, off: {}",
                    insn_idx,
                    i
                );
                return Err(EINVAL);
            }
            self.cur_state.frame[frame].stack[spi].slot_type[slot % BPF_REG_SIZE] = new_type;
        }
        if zero_used {
            self.mark_chain_precision(value_regno)?;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:mark_reg_stack_read()`.
    fn mark_reg_stack_read(&mut self, frame: usize, min_off: i64, max_off: i64, dst_regno: u8) {
        let mut zeros = 0;
        for i in min_off..max_off {
            let slot = (-i - 1) as usize;
            let spi = slot / BPF_REG_SIZE;
            self.mark_stack_slot_scratched(spi);
            if self.cur_state.frame[frame].stack[spi].slot_type[slot % BPF_REG_SIZE] != slot::STACK_ZERO {
                break;
            }
            zeros += 1;
        }
        let cap = self.bpf_capable;
        let r = &mut self.regs()[dst_regno as usize];
        if zeros == max_off - min_off {
            __mark_reg_const_zero(cap, r);
        } else {
            __mark_reg_unknown(cap, r);
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_read_fixed_off()`.
    fn check_stack_read_fixed_off(
        &mut self,
        frame: usize,
        off: i32,
        size: i32,
        dst_regno: i32,
    ) -> Result<(), Errno> {
        let slot = (-off - 1) as usize;
        let spi = slot / BPF_REG_SIZE;
        let frameno = self.cur_state.frame[frame].frameno;
        let mut insn_flags = insn_stack_access_flags(frameno, spi);
        self.mark_stack_slot_scratched(spi);
        self.bpf_mark_stack_read(frameno, self.insn_idx as u32, 1u64 << spi);
        let s = self.cur_state.frame[frame].stack[spi];
        let stype = s.slot_type;
        let reg = s.spilled_ptr;
        let cf = self.curframe();
        let cap = self.bpf_capable;
        if is_spilled_reg(&s) {
            let mut spill_size = 1;
            let mut i = BPF_REG_SIZE - 1;
            while i > 0 && stype[i - 1] == slot::STACK_SPILL {
                spill_size += 1;
                i -= 1;
            }
            if size != 8 || spill_size != 8 {
                if reg.type_ != SCALAR_VALUE {
                    verbose!(self, "invalid size of register fill\n");
                    return Err(EACCES);
                }
                if dst_regno < 0 {
                    return Ok(());
                }
                if size <= spill_size && off % 8 == 0 {
                    let subreg_def = self.cur_state.frame[cf].regs[dst_regno as usize].subreg_def;
                    let mut src = reg;
                    if self.bpf_capable && size == 4 && spill_size == 4 && get_reg_width(&src) <= 32 {
                        self.assign_scalar_id_before_mov(&mut src);
                        self.cur_state.frame[frame].stack[spi].spilled_ptr = src;
                    }
                    let mut d = src;
                    d.subreg_def = subreg_def;
                    if get_reg_width(&src) > size as u32 * 8 {
                        d.id = 0;
                    }
                    self.cur_state.frame[cf].regs[dst_regno as usize] = d;
                } else {
                    let (mut spill_cnt, mut zero_cnt) = (0, 0);
                    for i in 0..size as usize {
                        let t = stype[(slot - i) % BPF_REG_SIZE];
                        match t {
                            slot::STACK_SPILL => spill_cnt += 1,
                            slot::STACK_MISC => {}
                            slot::STACK_ZERO => zero_cnt += 1,
                            slot::STACK_INVALID if self.allow_uninit_stack => {}
                            _ => {
                                verbose!(self, "invalid read from stack off {}+{} size {}\n", off, i, size);
                                return Err(EACCES);
                            }
                        }
                    }
                    let d = &mut self.cur_state.frame[cf].regs[dst_regno as usize];
                    if spill_cnt == size && reg.var_off.equals_const(0) {
                        __mark_reg_const_zero(cap, d);
                    } else if zero_cnt == size {
                        __mark_reg_const_zero(cap, d);
                        insn_flags = 0;
                    } else {
                        __mark_reg_unknown(cap, d);
                        insn_flags = 0;
                    }
                }
            } else if dst_regno >= 0 {
                // fill: restore the spilled register
                let mut src = reg;
                if self.bpf_capable {
                    self.assign_scalar_id_before_mov(&mut src);
                    self.cur_state.frame[frame].stack[spi].spilled_ptr = src;
                }
                self.cur_state.frame[cf].regs[dst_regno as usize] = src;
            } else if __is_pointer_value(self.allow_ptr_leaks, &reg) {
                verbose!(self, "leaking pointer from stack off {}\n", off);
                return Err(EACCES);
            }
        } else {
            for i in 0..size as usize {
                let t = stype[(slot - i) % BPF_REG_SIZE];
                if t == slot::STACK_MISC || t == slot::STACK_ZERO {
                    continue;
                }
                if t == slot::STACK_INVALID && self.allow_uninit_stack {
                    continue;
                }
                verbose!(self, "invalid read from stack off {}+{} size {}\n", off, i, size);
                return Err(EACCES);
            }
            if dst_regno >= 0 {
                self.mark_reg_stack_read(frame, i64::from(off), i64::from(off + size), dst_regno as u8);
            }
            insn_flags = 0;
        }
        if insn_flags != 0 {
            self.push_jmp_history_cur(insn_flags, 0)?;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_read()`.
    fn check_stack_read(&mut self, ptr_regno: u8, off: i32, size: i32, dst_regno: i32) -> Result<(), Errno> {
        let reg = self.reg(ptr_regno);
        let frame = self.stack_frame_of(&reg);
        let var_off = !reg.var_off.is_const();
        if dst_regno < 0 && var_off {
            verbose!(
                self,
                "variable offset stack pointer cannot be passed into helper function; var_off={} off={} size={}\n",
                tnum_strn(reg.var_off),
                off,
                size
            );
            return Err(EACCES);
        }
        if !var_off {
            let off = off.wrapping_add(reg.var_off.value as i32);
            self.check_stack_read_fixed_off(frame, off, size, dst_regno)
        } else {
            self.check_stack_range_initialized(ptr_regno, off, size, false, false, false)?;
            let min_off = reg.smin_value + i64::from(off);
            let max_off = reg.smax_value + i64::from(off);
            self.mark_reg_stack_read(frame, min_off, max_off + i64::from(size), dst_regno as u8);
            Ok(())
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_write()`.
    fn check_stack_write(
        &mut self,
        ptr_regno: u8,
        off: i32,
        size: i32,
        value_regno: i32,
        insn_idx: i32,
    ) -> Result<(), Errno> {
        let reg = self.reg(ptr_regno);
        let frame = self.stack_frame_of(&reg);
        if reg.var_off.is_const() {
            let off = off.wrapping_add(reg.var_off.value as i32);
            self.check_stack_write_fixed_off(frame, off, size, value_regno, insn_idx)
        } else {
            self.check_stack_write_var_off(frame, ptr_regno, off, size, value_regno, insn_idx)
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_stack_range_initialized()`:
    /// every byte a helper (or a variable-offset read) may touch holds
    /// data; a helper that writes (`write`) clobbers what it covers. With
    /// `raw_mode` (the helper fills uninitialised memory) only the bounds
    /// are checked.
    pub fn check_stack_range_initialized(
        &mut self,
        regno: u8,
        off: i32,
        access_size: i32,
        zero_size_allowed: bool,
        write: IsWrite,
        raw_mode: bool,
    ) -> Result<(), Errno> {
        let reg = self.reg(regno);
        let frame = self.stack_frame_of(&reg);
        let clobber = write;
        if access_size == 0 && !zero_size_allowed {
            verbose!(self, "invalid zero-sized read\n");
            return Err(EACCES);
        }
        self.check_stack_access_within_bounds(regno, off, access_size, write)?;
        let (min_off, max_off);
        let mut raw_mode = raw_mode;
        if reg.var_off.is_const() {
            min_off = reg.var_off.value as i64 + i64::from(off);
            max_off = min_off;
        } else {
            // variable offsets need Spectre masking support unprivileged
            if !self.bypass_spec_v1 {
                verbose!(
                    self,
                    "R{} variable offset stack access prohibited for !root, var_off={}\n",
                    regno,
                    tnum_strn(reg.var_off)
                );
                return Err(EACCES);
            }
            // only initialised buffers with a variable offset
            raw_mode = false;
            min_off = reg.smin_value + i64::from(off);
            max_off = reg.smax_value + i64::from(off);
        }
        if raw_mode {
            return Ok(());
        }
        let cap = self.bpf_capable;
        let frameno = self.cur_state.frame[frame].frameno;
        let mut i = min_off;
        while i < max_off + i64::from(access_size) {
            let slot = (-i - 1) as usize;
            let spi = slot / BPF_REG_SIZE;
            if i64::from(self.cur_state.frame[frame].allocated_stack) <= slot as i64 {
                verbose!(self, "allocated_stack too small\n");
                return Err(EFAULT);
            }
            let allow_uninit = self.allow_uninit_stack;
            let leaks = self.allow_ptr_leaks;
            let s = &mut self.cur_state.frame[frame].stack[spi];
            let stype = s.slot_type[slot % BPF_REG_SIZE];
            let ok = if stype == slot::STACK_MISC {
                true
            } else if stype == slot::STACK_ZERO || (stype == slot::STACK_INVALID && allow_uninit) {
                if clobber {
                    // the helper may write anything
                    s.slot_type[slot % BPF_REG_SIZE] = slot::STACK_MISC;
                }
                true
            } else if is_spilled_reg(s) && (s.spilled_ptr.type_ == SCALAR_VALUE || leaks) {
                if clobber {
                    __mark_reg_unknown(cap, &mut s.spilled_ptr);
                    s.slot_type.iter_mut().for_each(scrub_spilled_slot);
                }
                true
            } else {
                false
            };
            if !ok {
                if reg.var_off.is_const() {
                    verbose!(
                        self,
                        "invalid read from stack R{} off {}+{} size {}\n",
                        regno,
                        min_off,
                        i - min_off,
                        access_size
                    );
                } else {
                    verbose!(
                        self,
                        "invalid read from stack R{} var_off {}+{} size {}\n",
                        regno,
                        tnum_strn(reg.var_off),
                        i - min_off,
                        access_size
                    );
                }
                return Err(EACCES);
            }
            self.bpf_mark_stack_read(frameno, self.insn_idx as u32, 1u64 << spi);
            i += 1;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:__check_mem_access()`.
    pub fn __check_mem_access(
        &mut self,
        regno: u8,
        off: i32,
        size: i32,
        mem_size: u32,
        zero_size_allowed: bool,
    ) -> Result<(), Errno> {
        let size_ok = size > 0 || (size == 0 && zero_size_allowed);
        if off >= 0 && size_ok && off as u64 + size as u64 <= u64::from(mem_size) {
            return Ok(());
        }
        let reg = self.reg(regno);
        match reg.type_ {
            PTR_TO_MAP_KEY => {
                verbose!(
                    self,
                    "invalid access to map key, key_size={} off={} size={}\n",
                    mem_size,
                    off,
                    size
                );
            }
            PTR_TO_MAP_VALUE => {
                verbose!(
                    self,
                    "invalid access to map value, value_size={} off={} size={}\n",
                    mem_size,
                    off,
                    size
                );
            }
            PTR_TO_PACKET | PTR_TO_PACKET_META | PTR_TO_PACKET_END => {
                verbose!(
                    self,
                    "invalid access to packet, off={} size={}, R{}(id={},off={},r={})\n",
                    off,
                    size,
                    regno,
                    reg.id,
                    off,
                    mem_size as i32
                );
            }
            _ => {
                verbose!(self, "invalid access to memory, mem_size={} off={} size={}\n", mem_size, off, size);
            }
        }
        Err(EACCES)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_mem_region_access()`: both
    /// ends of a variable offset stay inside `[0, mem_size)`.
    pub fn check_mem_region_access(
        &mut self,
        regno: u8,
        off: i32,
        size: i32,
        mem_size: u32,
        zero_size_allowed: bool,
    ) -> Result<(), Errno> {
        let reg = self.reg(regno);
        if reg.smin_value < 0
            && (reg.smin_value == i64::MIN
                || i64::from(off) + reg.smin_value != i64::from((i64::from(off) + reg.smin_value) as i32)
                || reg.smin_value + i64::from(off) < 0)
        {
            verbose!(
                self,
                "R{} min value is negative, either use unsigned index or do a if (index >=0) check.\n",
                regno
            );
            return Err(EACCES);
        }
        if let Err(e) = self.__check_mem_access(
            regno,
            (reg.smin_value + i64::from(off)) as i32,
            size,
            mem_size,
            zero_size_allowed,
        ) {
            verbose!(self, "R{} min value is outside of the allowed memory range\n", regno);
            return Err(e);
        }
        if reg.umax_value >= BPF_MAX_VAR_OFF as u64 {
            verbose!(self, "R{} unbounded memory access, make sure to bounds check any such access\n", regno);
            return Err(EACCES);
        }
        if let Err(e) = self.__check_mem_access(
            regno,
            reg.umax_value.wrapping_add(off as i64 as u64) as i32,
            size,
            mem_size,
            zero_size_allowed,
        ) {
            verbose!(self, "R{} max value is outside of the allowed memory range\n", regno);
            return Err(e);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_map_access()`.
    pub fn check_map_access(
        &mut self,
        regno: u8,
        off: i32,
        size: i32,
        zero_size_allowed: bool,
        _helper: bool,
    ) -> Result<(), Errno> {
        let reg = self.reg(regno);
        let mem_size = self.map(reg.map_idx).value_size;
        self.check_mem_region_access(regno, off, size, mem_size, zero_size_allowed)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_packet_access()`.
    pub fn check_packet_access(
        &mut self,
        regno: u8,
        off: i32,
        size: i32,
        zero_size_allowed: bool,
    ) -> Result<(), Errno> {
        let reg = self.reg(regno);
        if reg.smin_value < 0 {
            verbose!(
                self,
                "R{} min value is negative, either use unsigned index or do a if (index >=0) check.\n",
                regno
            );
            return Err(EACCES);
        }
        let r = if reg.range < 0 {
            Err(EINVAL)
        } else {
            self.__check_mem_access(regno, off, size, reg.range as u32, zero_size_allowed)
        };
        if let Err(e) = r {
            verbose!(self, "R{} offset is outside of the packet\n", regno);
            return Err(e);
        }
        let m = (off as i64 + reg.umax_value as i64 + size as i64 - 1) as u32;
        self.prog.aux.max_pkt_offset = self.prog.aux.max_pkt_offset.max(m);
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:may_access_direct_pkt_data()`.
    pub fn may_access_direct_pkt_data(&mut self, pkt_access: Option<bool>, write: IsWrite) -> bool {
        let t = self.prog.prog_type;
        match t {
            BPF_PROG_TYPE_LWT_IN
            | BPF_PROG_TYPE_LWT_OUT
            | BPF_PROG_TYPE_LWT_SEG6LOCAL
            | BPF_PROG_TYPE_SK_REUSEPORT
            | BPF_PROG_TYPE_FLOW_DISSECTOR
            | BPF_PROG_TYPE_CGROUP_SKB
                if write =>
            {
                false
            }
            BPF_PROG_TYPE_LWT_IN
            | BPF_PROG_TYPE_LWT_OUT
            | BPF_PROG_TYPE_LWT_SEG6LOCAL
            | BPF_PROG_TYPE_SK_REUSEPORT
            | BPF_PROG_TYPE_FLOW_DISSECTOR
            | BPF_PROG_TYPE_CGROUP_SKB
            | BPF_PROG_TYPE_SCHED_CLS
            | BPF_PROG_TYPE_SCHED_ACT
            | BPF_PROG_TYPE_XDP
            | BPF_PROG_TYPE_LWT_XMIT
            | BPF_PROG_TYPE_SK_SKB
            | BPF_PROG_TYPE_SK_MSG => {
                if let Some(p) = pkt_access {
                    return p;
                }
                self.seen_direct_write = true;
                true
            }
            BPF_PROG_TYPE_CGROUP_SOCKOPT => {
                if write {
                    self.seen_direct_write = true;
                }
                true
            }
            _ => false,
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:__check_ptr_off_reg()`.
    pub fn __check_ptr_off_reg(
        &mut self,
        reg: &BpfRegState,
        regno: u8,
        fixed_off_ok: bool,
    ) -> Result<(), Errno> {
        if reg.off < 0 {
            verbose!(
                self,
                "negative offset {} ptr R{} off={} disallowed\n",
                reg_type_str(reg.type_),
                regno,
                reg.off
            );
            return Err(EACCES);
        }
        if !fixed_off_ok && reg.off != 0 {
            verbose!(
                self,
                "dereference of modified {} ptr R{} off={} disallowed\n",
                reg_type_str(reg.type_),
                regno,
                reg.off
            );
            return Err(EACCES);
        }
        if !reg.var_off.is_const() || reg.var_off.value != 0 {
            verbose!(
                self,
                "variable {} access var_off={} disallowed\n",
                reg_type_str(reg.type_),
                tnum_strn(reg.var_off)
            );
            return Err(EACCES);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_ctx_access()`.
    fn check_ctx_access(
        &mut self,
        insn_idx: i32,
        off: i32,
        size: i32,
        write: IsWrite,
        info: &mut BpfInsnAccessAux,
    ) -> Result<(), Errno> {
        if (self.ops.is_valid_access)(off, size, write, self.prog, info, self.caps()) {
            self.insn_aux_data[insn_idx as usize].ctx_field_size = info.ctx_field_size;
            if self.prog.aux.max_ctx_offset < (off + size) as u32 {
                self.prog.aux.max_ctx_offset = (off + size) as u32;
            }
            return Ok(());
        }
        verbose!(self, "invalid bpf_context access off={} size={}\n", off, size);
        Err(EACCES)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_sock_access()`: a read of a
    /// `struct bpf_sock` (or `bpf_tcp_sock`, `bpf_xdp_sock`) field.
    fn check_sock_access(
        &mut self,
        insn_idx: i32,
        regno: u8,
        reg: &BpfRegState,
        off: i32,
        size: i32,
    ) -> Result<(), Errno> {
        if reg.smin_value < 0 {
            verbose!(
                self,
                "R{} min value is negative, either use unsigned index or do a if (index >=0) check.\n",
                regno
            );
            return Err(EACCES);
        }
        let mut field_size = 0u32;
        let valid = match reg.type_ {
            PTR_TO_SOCK_COMMON => {
                crate::ops::filter::bpf_sock_common_is_valid_access(off, size, &mut field_size)
            }
            PTR_TO_SOCKET => crate::ops::filter::bpf_sock_is_valid_access(off, size, &mut field_size),
            PTR_TO_TCP_SOCK => crate::ops::filter::bpf_tcp_sock_is_valid_access(off, size),
            PTR_TO_XDP_SOCK => crate::ops::filter::bpf_xdp_sock_is_valid_access(off, size),
            _ => false,
        };
        if valid {
            self.insn_aux_data[insn_idx as usize].ctx_field_size = field_size;
            return Ok(());
        }
        verbose!(self, "R{} invalid {} access off={} size={}\n", regno, reg_type_str(reg.type_), off, size);
        Err(EACCES)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_mem_access()`: is `[reg + off,
    /// + size)` readable (or writable), and what does a load put in
    /// `value_regno`?
    #[allow(clippy::too_many_arguments)]
    pub fn check_mem_access(
        &mut self,
        insn_idx: i32,
        regno: u8,
        off: i32,
        bpf_size: u8,
        write: IsWrite,
        value_regno: i32,
        strict_alignment_once: bool,
        is_ldsx: bool,
    ) -> Result<(), Errno> {
        let size = bpf_size_to_bytes(bpf_size) as i32;
        let reg = self.reg(regno);
        self.check_ptr_alignment(&reg, off, size, strict_alignment_once)?;
        let off = off.wrapping_add(reg.off);
        let cap = self.bpf_capable;
        let t = reg.type_;
        if t == PTR_TO_MAP_VALUE {
            if write && value_regno >= 0 && self.is_pointer_value(value_regno as u8) {
                verbose!(self, "R{} leaks addr into map\n", value_regno);
                return Err(EACCES);
            }
            let map = self.map(reg.map_idx).clone();
            let (can_read, can_write) = map_caps(map.map_flags);
            if write && !can_write {
                verbose!(
                    self,
                    "write into map forbidden, value_size={} off={} size={}\n",
                    map.value_size,
                    off,
                    size
                );
                return Err(EACCES);
            }
            if !write && !can_read {
                verbose!(
                    self,
                    "read from map forbidden, value_size={} off={} size={}\n",
                    map.value_size,
                    off,
                    size
                );
                return Err(EACCES);
            }
            self.check_map_access(regno, off, size, false, false)?;
            if !write && value_regno >= 0 {
                self.mark_reg_unknown(value_regno as u8);
            }
        } else if t == PTR_TO_CTX {
            let mut info = BpfInsnAccessAux { reg_type: SCALAR_VALUE, is_ldsx, ctx_field_size: 0 };
            if write && value_regno >= 0 && self.is_pointer_value(value_regno as u8) {
                verbose!(self, "R{} leaks addr into ctx\n", value_regno);
                return Err(EACCES);
            }
            self.__check_ptr_off_reg(&reg, regno, false)?;
            self.check_ctx_access(insn_idx, off, size, write, &mut info)?;
            if !write && value_regno >= 0 {
                let v = value_regno as u8;
                if info.reg_type == SCALAR_VALUE {
                    self.mark_reg_unknown(v);
                } else {
                    self.mark_reg_known_zero(v);
                    if type_may_be_null(info.reg_type) {
                        let id = self.new_id();
                        self.regs()[v as usize].id = id;
                    }
                    self.regs()[v as usize].subreg_def = DEF_NOT_SUBREG;
                }
                self.regs()[v as usize].type_ = info.reg_type;
            }
        } else if t == PTR_TO_STACK {
            self.check_stack_access_within_bounds(regno, off, size, write)?;
            if write {
                self.check_stack_write(regno, off, size, value_regno, insn_idx)?;
            } else {
                self.check_stack_read(regno, off, size, value_regno)?;
            }
        } else if reg_is_pkt_pointer(&reg) {
            if write && !self.may_access_direct_pkt_data(None, true) {
                verbose!(self, "cannot write into packet\n");
                return Err(EACCES);
            }
            if write && value_regno >= 0 && self.is_pointer_value(value_regno as u8) {
                verbose!(self, "R{} leaks addr into packet\n", value_regno);
                return Err(EACCES);
            }
            self.check_packet_access(regno, off, size, false)?;
            if !write && value_regno >= 0 {
                self.mark_reg_unknown(value_regno as u8);
            }
        } else if matches!(t, PTR_TO_SOCKET | PTR_TO_SOCK_COMMON | PTR_TO_TCP_SOCK | PTR_TO_XDP_SOCK) {
            if write {
                verbose!(self, "R{} cannot write into {}\n", regno, reg_type_str(t));
                return Err(EACCES);
            }
            self.check_sock_access(insn_idx, regno, &reg, off, size)?;
            if value_regno >= 0 {
                self.mark_reg_unknown(value_regno as u8);
            }
        } else if t == CONST_PTR_TO_MAP {
            // bpf_map fields are described by the kernel's BTF, which this
            // model does not carry
            verbose!(self, "map_ptr access not supported without CONFIG_DEBUG_INFO_BTF\n");
            return Err(EACCES);
        } else if base_type(t) == PTR_TO_MEM && t & PTR_MAYBE_NULL == 0 {
            if t & MEM_RDONLY != 0 && write {
                verbose!(self, "R{} cannot write into {}\n", regno, reg_type_str(t));
                return Err(EACCES);
            }
            if write && value_regno >= 0 && self.is_pointer_value(value_regno as u8) {
                verbose!(self, "R{} leaks addr into mem\n", value_regno);
                return Err(EACCES);
            }
            self.check_mem_region_access(regno, off, size, reg.mem_size, false)?;
            if !write && value_regno >= 0 {
                self.mark_reg_unknown(value_regno as u8);
            }
        } else {
            verbose!(self, "R{} invalid mem access '{}'\n", regno, reg_type_str(t));
            return Err(EACCES);
        }
        if size < 8 && value_regno >= 0 && !write {
            let r = &mut self.regs()[value_regno as usize];
            if r.type_ == SCALAR_VALUE {
                if !is_ldsx {
                    coerce_reg_to_size(r, size as u32);
                } else {
                    coerce_reg_to_size_sx(r, size as u32);
                }
            }
        }
        let _ = cap;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:save_aux_ptr_type()`: one load or
    /// store insn must see the same kind of pointer on every path (the
    /// rewrite of a ctx access is per insn).
    pub fn save_aux_ptr_type(&mut self, t: u32, _allow_trust_mismatch: bool) -> Result<(), Errno> {
        let idx = self.insn_idx as usize;
        let prev = self.insn_aux_data[idx].ptr_type;
        let mismatch_ok = |t: u32| {
            !matches!(
                base_type(t),
                PTR_TO_CTX
                    | PTR_TO_SOCKET
                    | PTR_TO_SOCK_COMMON
                    | PTR_TO_TCP_SOCK
                    | PTR_TO_XDP_SOCK
                    | PTR_TO_BTF_ID
                    | PTR_TO_ARENA
            )
        };
        if prev == NOT_INIT {
            self.insn_aux_data[idx].ptr_type = t;
        } else if t != prev && (!mismatch_ok(t) || !mismatch_ok(prev)) {
            verbose!(self, "same insn cannot be used with different pointers\n");
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_load_mem()`.
    pub fn check_load_mem(
        &mut self,
        insn: &BpfInsn,
        strict_alignment_once: bool,
        is_ldsx: bool,
        allow_trust_mismatch: bool,
        ctx: &str,
    ) -> Result<(), Errno> {
        self.check_reg_arg(insn.src_reg(), SrcOp)?;
        self.check_reg_arg(insn.dst_reg(), DstOpNoMark)?;
        let src_type = self.reg(insn.src_reg()).type_;
        let idx = self.insn_idx;
        self.check_mem_access(
            idx,
            insn.src_reg(),
            i32::from(insn.off),
            bpf_size(insn.code),
            false,
            i32::from(insn.dst_reg()),
            strict_alignment_once,
            is_ldsx,
        )?;
        self.save_aux_ptr_type(src_type, allow_trust_mismatch)?;
        let mut r = self.reg(insn.dst_reg());
        self.reg_bounds_sanity_check(&mut r, ctx)?;
        self.regs()[insn.dst_reg() as usize] = r;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_store_reg()`.
    pub fn check_store_reg(&mut self, insn: &BpfInsn, strict_alignment_once: bool) -> Result<(), Errno> {
        self.check_reg_arg(insn.src_reg(), SrcOp)?;
        self.check_reg_arg(insn.dst_reg(), SrcOp)?;
        let dst_type = self.reg(insn.dst_reg()).type_;
        let idx = self.insn_idx;
        self.check_mem_access(
            idx,
            insn.dst_reg(),
            i32::from(insn.off),
            bpf_size(insn.code),
            true,
            i32::from(insn.src_reg()),
            strict_alignment_once,
            false,
        )?;
        self.save_aux_ptr_type(dst_type, false)
    }

    /// `atomic_ptr_type_ok()`.
    fn atomic_ptr_type_ok(&self, regno: u8) -> bool {
        let t = self.reg(regno).type_;
        !(t == PTR_TO_CTX
            || reg_is_pkt_pointer(&self.reg(regno))
            || t == PTR_TO_FLOW_KEYS
            || matches!(t, PTR_TO_SOCKET | PTR_TO_SOCK_COMMON | PTR_TO_TCP_SOCK | PTR_TO_XDP_SOCK)
            || t == PTR_TO_ARENA)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_atomic()` (with
    /// `check_atomic_rmw`, `check_atomic_load`, `check_atomic_store`).
    pub fn check_atomic(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let (dst, src) = (insn.dst_reg(), insn.src_reg());
        match insn.imm {
            0x00 | 0x01 | 0x50 | 0x51 | 0x40 | 0x41 | 0xa0 | 0xa1 | BPF_XCHG | BPF_CMPXCHG => {
                if bpf_size(insn.code) != BPF_W && bpf_size(insn.code) != BPF_DW {
                    verbose!(self, "invalid atomic operand size\n");
                    return Err(EINVAL);
                }
                self.check_reg_arg(src, SrcOp)?;
                self.check_reg_arg(dst, SrcOp)?;
                if insn.imm == BPF_CMPXCHG {
                    self.check_reg_arg(BPF_REG_0, SrcOp)?;
                    if self.is_pointer_value(BPF_REG_0) {
                        verbose!(self, "R{} leaks addr into mem\n", BPF_REG_0);
                        return Err(EACCES);
                    }
                }
                if self.is_pointer_value(src) {
                    verbose!(self, "R{} leaks addr into mem\n", src);
                    return Err(EACCES);
                }
                if !self.atomic_ptr_type_ok(dst) {
                    verbose!(
                        self,
                        "BPF_ATOMIC stores into R{} {} is not allowed\n",
                        dst,
                        reg_type_str(self.reg(dst).type_)
                    );
                    return Err(EACCES);
                }
                let load_reg: i32 = if insn.imm & BPF_FETCH != 0 {
                    let r = if insn.imm == BPF_CMPXCHG { BPF_REG_0 } else { src };
                    self.check_reg_arg(r, DstOp)?;
                    i32::from(r)
                } else {
                    -1
                };
                let idx = self.insn_idx;
                let size = bpf_size(insn.code);
                let off = i32::from(insn.off);
                self.check_mem_access(idx, dst, off, size, false, -1, true, false)?;
                if load_reg >= 0 {
                    self.check_mem_access(idx, dst, off, size, false, load_reg, true, false)?;
                }
                self.check_mem_access(idx, dst, off, size, true, -1, true, false)
            }
            BPF_LOAD_ACQ => {
                self.check_load_mem(insn, true, false, false, "atomic_load")?;
                if !self.atomic_ptr_type_ok(src) {
                    verbose!(
                        self,
                        "BPF_ATOMIC loads from R{} {} is not allowed\n",
                        src,
                        reg_type_str(self.reg(src).type_)
                    );
                    return Err(EACCES);
                }
                Ok(())
            }
            BPF_STORE_REL => {
                self.check_store_reg(insn, true)?;
                if !self.atomic_ptr_type_ok(dst) {
                    verbose!(
                        self,
                        "BPF_ATOMIC stores into R{} {} is not allowed\n",
                        dst,
                        reg_type_str(self.reg(dst).type_)
                    );
                    return Err(EACCES);
                }
                Ok(())
            }
            _ => {
                verbose!(self, "BPF_ATOMIC uses invalid atomic opcode {:02x}\n", insn.imm);
                Err(EINVAL)
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_ld_abs()`: the legacy packet
    /// loads, an implicit call that clobbers r1..r5 and needs the skb in r6.
    pub fn check_ld_abs(&mut self, insn: &BpfInsn) -> Result<(), Errno> {
        let mode = bpf_mode(insn.code);
        if !crate::ops::may_access_skb(self.prog.prog_type) {
            verbose!(self, "BPF_LD_[ABS|IND] instructions not allowed for this program type\n");
            return Err(EINVAL);
        }
        if insn.dst_reg() != 0
            || insn.off != 0
            || bpf_size(insn.code) == BPF_DW
            || (mode == BPF_ABS && insn.src_reg() != 0)
        {
            verbose!(self, "BPF_LD_[ABS|IND] uses reserved fields\n");
            return Err(EINVAL);
        }
        self.check_reg_arg(BPF_REG_6, SrcOp)?;
        self.check_resource_leak(false, false, "BPF_LD_[ABS|IND]")?;
        if self.reg(BPF_REG_6).type_ != PTR_TO_CTX {
            verbose!(self, "at the time of BPF_LD_ABS|IND R6 != pointer to skb\n");
            return Err(EINVAL);
        }
        if mode == BPF_IND {
            self.check_reg_arg(insn.src_reg(), SrcOp)?;
        }
        let r6 = self.reg(BPF_REG_6);
        self.__check_ptr_off_reg(&r6, BPF_REG_6, false)?;
        // clobbers caller-saved registers
        for r in BPF_REG_0..=BPF_REG_5 {
            self.mark_reg_not_init(r);
            self.check_reg_arg(r, DstOpNoMark)?;
        }
        self.mark_reg_unknown(BPF_REG_0);
        let idx = self.insn_idx;
        self.regs()[0].subreg_def = idx + 1;
        Ok(())
    }
}

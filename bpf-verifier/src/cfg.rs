//! The checks before simulation, from `kernel/bpf/verifier.c` (v6.18):
//! subprogram boundaries (`add_subprog_and_kfunc`, `check_subprogs`) and
//! the control-flow graph (`check_cfg`): every insn reachable, no jump out
//! of the program or into the middle of an `ld_imm64`, and the prune
//! points `do_check` will try.

use crate::env::{verbose, BpfVerifierEnv};
use crate::log::BPF_LOG_LEVEL2;
use crate::state::*;
use bpf_core::errno::*;
use bpf_core::uapi::*;
use bpf_core::Errno;

const DISCOVERED: u8 = 0x10;
const EXPLORED: u8 = 0x20;
const FALLTHROUGH: u8 = 1;
const BRANCH: u8 = 2;

enum Visit {
    Done,
    Keep,
}

impl<'a> BpfVerifierEnv<'a> {
    /// `find_subprog()`: index of the subprogram starting at `off`.
    pub fn find_subprog(&self, off: u32) -> Option<usize> {
        self.subprog_info[..self.subprog_cnt].binary_search_by_key(&off, |s| s.start).ok()
    }

    /// `bpf_find_containing_subprog()`.
    pub fn find_containing_subprog(&self, off: u32) -> usize {
        let mut i = 0;
        while i + 1 < self.subprog_cnt && self.subprog_info[i + 1].start <= off {
            i += 1;
        }
        i
    }

    /// Mirrors `kernel/bpf/verifier.c:add_subprog()`.
    fn add_subprog(&mut self, off: i64) -> Result<usize, Errno> {
        let insn_cnt = self.prog.insnsi.len() as i64;
        if off >= insn_cnt || off < 0 {
            verbose!(self, "call to invalid destination\n");
            return Err(EINVAL);
        }
        if let Some(i) = self.find_subprog(off as u32) {
            return Ok(i);
        }
        if self.subprog_cnt >= BPF_MAX_SUBPROGS {
            verbose!(self, "too many subprograms\n");
            return Err(E2BIG);
        }
        self.subprog_info.truncate(self.subprog_cnt);
        self.subprog_info.push(BpfSubprogInfo { start: off as u32, ..Default::default() });
        self.subprog_cnt += 1;
        self.subprog_info.sort_by_key(|s| s.start);
        Ok(self.subprog_cnt - 1)
    }

    /// Mirrors `kernel/bpf/verifier.c:add_subprog_and_kfunc()`: the entry
    /// plus every target of a bpf-to-bpf call or callback `ld_imm64`.
    pub fn add_subprog_and_kfunc(&mut self) -> Result<(), Errno> {
        self.subprog_info.clear();
        self.subprog_cnt = 0;
        self.add_subprog(0)?;
        for i in 0..self.prog.insnsi.len() {
            let insn = self.prog.insnsi[i];
            let pseudo_func = insn.is_ld_imm64() && insn.src_reg() == BPF_PSEUDO_FUNC;
            if !pseudo_func && !insn.is_pseudo_call() && !insn.is_kfunc_call() {
                continue;
            }
            if !self.bpf_capable {
                verbose!(
                    self,
                    "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN\n"
                );
                return Err(EPERM);
            }
            if pseudo_func || insn.is_pseudo_call() {
                self.add_subprog(i as i64 + i64::from(insn.imm) + 1)?;
            } else {
                self.add_kfunc_call(insn.imm, insn.off)?;
            }
        }
        // the fake "exit" subprog at the end
        let len = self.prog.insnsi.len() as u32;
        self.subprog_info.truncate(self.subprog_cnt);
        self.subprog_info.push(BpfSubprogInfo { start: len, ..Default::default() });
        if self.log.level & BPF_LOG_LEVEL2 != 0 {
            for i in 0..self.subprog_cnt {
                verbose!(self, "func#{} @{}\n", i, self.subprog_info[i].start);
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:add_kfunc_call()`: kernel functions
    /// are described by the kernel's BTF, which this model does not carry.
    fn add_kfunc_call(&mut self, func_id: i32, _offset: i16) -> Result<(), Errno> {
        verbose!(self, "kernel btf_id {} is not a function\n", func_id);
        Err(EINVAL)
    }

    /// Mirrors `kernel/bpf/verifier.c:check_subprogs()`: jumps stay inside
    /// their subprogram, and each subprogram ends in `exit` or a jump.
    pub fn check_subprogs(&mut self) -> Result<(), Errno> {
        let insn_cnt = self.prog.insnsi.len();
        let mut cur = 0usize;
        let mut start = self.subprog_info[0].start as i64;
        let mut end = self.subprog_info[1].start as i64;
        for i in 0..insn_cnt {
            let insn = self.prog.insnsi[i];
            let code = insn.code;
            if insn.is_helper_call() && insn.imm == 12 {
                self.subprog_info[cur].has_tail_call = true;
                self.subprog_info[cur].tail_call_reachable = true;
            }
            if bpf_class(code) == BPF_LD && (bpf_mode(code) == BPF_ABS || bpf_mode(code) == BPF_IND) {
                self.subprog_info[cur].has_ld_abs = true;
            }
            let is_jmp = bpf_class(code) == BPF_JMP || bpf_class(code) == BPF_JMP32;
            if is_jmp && bpf_op(code) != BPF_CALL {
                if bpf_op(code) == BPF_EXIT {
                    self.subprog_info[cur].exit_idx = i as u32;
                } else {
                    let off = if code == BPF_JMP32 | BPF_JA {
                        i as i64 + i64::from(insn.imm) + 1
                    } else {
                        i as i64 + i64::from(insn.off) + 1
                    };
                    if off < start || off >= end {
                        verbose!(self, "jump out of range from insn {} to {}\n", i, off);
                        return Err(EINVAL);
                    }
                }
            }
            if i as i64 == end - 1 {
                // no fall-through from one subprogram into the next
                if code != BPF_JMP | BPF_EXIT && code != BPF_JMP32 | BPF_JA && code != BPF_JMP | BPF_JA {
                    verbose!(self, "last insn is not an exit or jmp\n");
                    return Err(EINVAL);
                }
                start = end;
                cur += 1;
                if cur < self.subprog_cnt {
                    end = self.subprog_info[cur + 1].start as i64;
                }
            }
        }
        Ok(())
    }

    fn mark_prune_point(&mut self, idx: usize) {
        self.insn_aux_data[idx].prune_point = true;
    }
    fn mark_jmp_point(&mut self, idx: usize) {
        self.insn_aux_data[idx].jmp_point = true;
    }

    /// Mirrors `kernel/bpf/verifier.c:push_insn()`.
    fn push_insn(
        &mut self,
        t: usize,
        w: i64,
        e: u8,
        st: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Result<Visit, Errno> {
        if e == FALLTHROUGH && st[t] >= (DISCOVERED | FALLTHROUGH) {
            return Ok(Visit::Done);
        }
        if e == BRANCH && st[t] >= (DISCOVERED | BRANCH) {
            return Ok(Visit::Done);
        }
        if w < 0 || w >= self.prog.insnsi.len() as i64 {
            verbose!(self, "jump out of range from insn {} to {}\n", t, w);
            return Err(EINVAL);
        }
        let w = w as usize;
        if e == BRANCH {
            // a branch target is where states are compared
            self.mark_prune_point(w);
            self.mark_jmp_point(w);
        }
        if st[w] == 0 {
            // tree edge
            st[t] = DISCOVERED | e;
            st[w] = DISCOVERED;
            if stack.len() >= self.prog.insnsi.len() {
                return Err(E2BIG);
            }
            stack.push(w);
            return Ok(Visit::Keep);
        } else if st[w] & 0xf0 == DISCOVERED {
            if self.bpf_capable {
                // a loop: bounded later by do_check
                return Ok(Visit::Done);
            }
            verbose!(self, "back-edge from insn {} to {}\n", t, w);
            return Err(EINVAL);
        } else if st[w] == EXPLORED {
            // forward or cross edge
            st[t] = DISCOVERED | e;
        } else {
            verbose!(self, "verifier bug: insn state internal bug\n");
            return Err(EFAULT);
        }
        Ok(Visit::Done)
    }

    /// Mirrors `kernel/bpf/verifier.c:visit_func_call_insn()`.
    fn visit_func_call_insn(
        &mut self,
        t: usize,
        visit_callee: bool,
        st: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Result<Visit, Errno> {
        let sz = if self.prog.insnsi[t].is_ld_imm64() { 2 } else { 1 };
        let r = self.push_insn(t, (t + sz) as i64, FALLTHROUGH, st, stack)?;
        if let Visit::Keep = r {
            return Ok(r);
        }
        if t + sz < self.prog.insnsi.len() {
            self.mark_prune_point(t + sz);
            // a return from a subprogram is non-linear history
            self.mark_jmp_point(t + sz);
        }
        if visit_callee {
            self.mark_prune_point(t);
            let imm = i64::from(self.prog.insnsi[t].imm);
            return self.push_insn(t, t as i64 + imm + 1, BRANCH, st, stack);
        }
        Ok(Visit::Done)
    }

    /// Mirrors `kernel/bpf/verifier.c:visit_insn()`.
    fn visit_insn(&mut self, t: usize, st: &mut [u8], stack: &mut Vec<usize>) -> Result<Visit, Errno> {
        let insn = self.prog.insnsi[t];
        if insn.is_ld_imm64() && insn.src_reg() == BPF_PSEUDO_FUNC {
            return self.visit_func_call_insn(t, true, st, stack);
        }
        let class = bpf_class(insn.code);
        if class != BPF_JMP && class != BPF_JMP32 {
            let sz = if insn.is_ld_imm64() { 2 } else { 1 };
            return self.push_insn(t, (t + sz) as i64, FALLTHROUGH, st, stack);
        }
        match bpf_op(insn.code) {
            BPF_EXIT => Ok(Visit::Done),
            BPF_CALL => {
                if is_async_callback_calling_insn(&insn) {
                    self.mark_prune_point(t);
                }
                if is_sync_callback_calling_insn(&insn) {
                    // a checkpoint before the call, whether or not the
                    // helper is available to this program
                    self.insn_aux_data[t].calls_callback = true;
                    self.insn_aux_data[t].force_checkpoint = true;
                    self.mark_prune_point(t);
                    self.mark_jmp_point(t);
                }
                if insn.is_helper_call() {
                    if let Some(proto) = self.helper_proto(insn.imm) {
                        if proto.might_sleep {
                            let s = self.find_containing_subprog(t as u32);
                            self.subprog_info[s].might_sleep = true;
                        }
                    }
                    if crate::calls::bpf_helper_changes_pkt_data(insn.imm) {
                        let s = self.find_containing_subprog(t as u32);
                        self.subprog_info[s].changes_pkt_data = true;
                    }
                }
                self.visit_func_call_insn(t, insn.src_reg() == BPF_PSEUDO_CALL, st, stack)
            }
            BPF_JA => {
                let off = if class == BPF_JMP { i64::from(insn.off) } else { i64::from(insn.imm) };
                let r = self.push_insn(t, t as i64 + off + 1, FALLTHROUGH, st, stack)?;
                let w = t as i64 + off + 1;
                if w >= 0 && (w as usize) < self.prog.insnsi.len() {
                    self.mark_prune_point(w as usize);
                    self.mark_jmp_point(w as usize);
                }
                Ok(r)
            }
            _ => {
                // conditional jump: two edges
                self.mark_prune_point(t);
                if insn.code == BPF_JMP | BPF_JCOND {
                    self.insn_aux_data[t].force_checkpoint = true;
                }
                if let Visit::Keep = self.push_insn(t, t as i64 + 1, FALLTHROUGH, st, stack)? {
                    return Ok(Visit::Keep);
                }
                self.push_insn(t, t as i64 + i64::from(insn.off) + 1, BRANCH, st, stack)
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_cfg()`: a non-recursive DFS
    /// over the program. Every insn must be reachable, no jump may leave
    /// the program; back-edges are refused without `CAP_BPF` and left to
    /// `do_check` to bound otherwise.
    pub fn check_cfg(&mut self) -> Result<(), Errno> {
        let n = self.prog.insnsi.len();
        let mut st = vec![0u8; n];
        let mut stack = Vec::with_capacity(n);
        st[0] = DISCOVERED;
        stack.push(0usize);
        while let Some(&t) = stack.last() {
            match self.visit_insn(t, &mut st, &mut stack)? {
                Visit::Done => {
                    st[t] = EXPLORED;
                    stack.pop();
                }
                Visit::Keep => {}
            }
        }
        let mut i = 0;
        while i < n {
            if st[i] != EXPLORED {
                verbose!(self, "unreachable insn {}\n", i);
                return Err(EINVAL);
            }
            if self.prog.insnsi[i].is_ld_imm64() {
                if st[i + 1] != 0 {
                    verbose!(self, "jump into the middle of ldimm64 insn {}\n", i);
                    return Err(EINVAL);
                }
                i += 1;
            }
            i += 1;
        }
        self.prog.aux.changes_pkt_data = self.subprog_info[0].changes_pkt_data;
        self.prog.aux.might_sleep = self.subprog_info[0].might_sleep;
        Ok(())
    }
}

/// Mirrors `kernel/bpf/verifier.c:is_sync_callback_calling_insn()` for
/// helpers: calls whose callback runs before the helper returns.
fn is_sync_callback_calling_insn(insn: &BpfInsn) -> bool {
    use bpf_core::uapi::enums::*;
    insn.is_helper_call()
        && [BPF_FUNC_for_each_map_elem, BPF_FUNC_find_vma, BPF_FUNC_loop, BPF_FUNC_user_ringbuf_drain]
            .iter()
            .any(|f| f.0 as i32 == insn.imm)
}

/// Mirrors `kernel/bpf/verifier.c:is_async_callback_calling_insn()` for
/// helpers: `bpf_timer_set_callback`.
fn is_async_callback_calling_insn(insn: &BpfInsn) -> bool {
    insn.is_helper_call() && bpf_core::uapi::enums::BPF_FUNC_timer_set_callback.0 as i32 == insn.imm
}

//! Register liveness (`compute_live_registers` of `kernel/bpf/verifier.c`)
//! and stack liveness (`kernel/bpf/liveness.c`), v6.18.
//!
//! Register liveness is a classic backward data-flow pass over the CFG,
//! done once before `do_check`: a state may forget a register nothing will
//! read. Stack liveness is not built yet: every slot counts as alive,
//! which is sound but prunes less than the kernel and prints none of its
//! level-2 lines.

use crate::env::{verbose, BpfVerifierEnv};
use crate::log::BPF_LOG_LEVEL2;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// Registers r0..r5 (`ALL_CALLER_SAVED_REGS`).
const ALL_CALLER_SAVED_REGS: u16 = (1 << 6) - 1;

/// `struct bpf_liveness`: stack slot liveness (not tracked yet).
#[derive(Clone, Debug, Default)]
pub struct BpfLiveness {}

impl BpfLiveness {
    /// `bpf_reset_stack_write_marks()`.
    pub fn reset_stack_write_marks(&mut self, _insn_idx: u32) {}
    /// `bpf_commit_stack_write_marks()`.
    pub fn commit_stack_write_marks(&mut self) {}
    /// `bpf_mark_stack_write()`.
    pub fn mark_stack_write(&mut self, _frame: u32, _mask: u64) {}
    /// `bpf_mark_stack_read()`.
    pub fn mark_stack_read(&mut self, _frame: u32, _insn_idx: u32, _mask: u64) {}
    /// `bpf_stack_slot_alive()`: every slot may be read later.
    pub fn stack_slot_alive(&self, _frameno: u32, _spi: usize) -> bool {
        true
    }
}

/// `bpf_insn_successors()`: the insns that may run right after `idx`
/// (fall-through first), within the subprogram.
pub fn insn_successors(insns: &[BpfInsn], idx: usize) -> ([usize; 2], usize) {
    let insn = &insns[idx];
    let class = bpf_class(insn.code);
    let op = bpf_op(insn.code);
    let (can_jump, can_fall) = if class == BPF_JMP || class == BPF_JMP32 {
        match op {
            BPF_EXIT => (false, false),
            BPF_JA => (true, false),
            BPF_CALL => (false, true),
            _ => (true, true),
        }
    } else {
        (false, true)
    };
    let sz = if insn.is_ld_imm64() { 2 } else { 1 };
    let mut out = [0usize; 2];
    let mut n = 0;
    if can_fall {
        out[n] = idx + sz;
        n += 1;
    }
    if can_jump {
        let off = if insn.code == BPF_JMP32 | BPF_JA { insn.imm as i64 } else { i64::from(insn.off) };
        out[n] = (idx as i64 + off + 1) as usize;
        n += 1;
    }
    (out, n)
}

/// Mirrors `kernel/bpf/verifier.c:compute_insn_live_regs()`: registers an
/// insn reads (`use`) and writes (`def`).
fn compute_insn_live_regs(env: &BpfVerifierEnv<'_>, insn: &BpfInsn) -> (u16, u16) {
    let class = bpf_class(insn.code);
    let code = bpf_op(insn.code);
    let mode = bpf_mode(insn.code);
    let src = 1u16 << insn.src_reg();
    let dst = 1u16 << insn.dst_reg();
    let r0 = 1u16;
    let mut def = 0u16;
    let mut use_ = 0xffffu16;
    match class {
        BPF_LD => {
            if mode == BPF_IMM && bpf_size(insn.code) == BPF_DW {
                def = dst;
                use_ = 0;
            }
        }
        BPF_LDX => {
            if mode == BPF_MEM || mode == BPF_MEMSX {
                def = dst;
                use_ = src;
            }
        }
        BPF_ST => {
            if mode == BPF_MEM {
                def = 0;
                use_ = dst;
            }
        }
        BPF_STX => {
            if mode == BPF_MEM {
                def = 0;
                use_ = dst | src;
            } else if mode == BPF_ATOMIC {
                match insn.imm {
                    BPF_CMPXCHG => {
                        use_ = r0 | dst | src;
                        def = r0;
                    }
                    BPF_LOAD_ACQ => {
                        def = dst;
                        use_ = src;
                    }
                    BPF_STORE_REL => {
                        def = 0;
                        use_ = dst | src;
                    }
                    _ => {
                        use_ = dst | src;
                        def = if insn.imm & BPF_FETCH != 0 { src } else { 0 };
                    }
                }
            }
        }
        BPF_ALU | BPF_ALU64 => match code {
            BPF_END => {
                use_ = dst;
                def = dst;
            }
            BPF_MOV => {
                def = dst;
                use_ = if bpf_src(insn.code) == BPF_K { 0 } else { src };
            }
            _ => {
                def = dst;
                use_ = if bpf_src(insn.code) == BPF_K { dst } else { dst | src };
            }
        },
        _ => match code {
            BPF_JA => {
                def = 0;
                use_ = if bpf_src(insn.code) == BPF_X { dst } else { 0 };
            }
            BPF_JCOND => {
                def = 0;
                use_ = 0;
            }
            BPF_EXIT => {
                def = 0;
                use_ = r0;
            }
            BPF_CALL => {
                def = ALL_CALLER_SAVED_REGS;
                use_ = def & !1;
                if let Some(n) = env.call_summary_params(insn) {
                    use_ = ((1u32 << (n + 1)) - 2) as u16;
                }
            }
            _ => {
                def = 0;
                use_ = if bpf_src(insn.code) == BPF_K { dst } else { dst | src };
            }
        },
    }
    (use_, def)
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:compute_postorder()`: each
    /// subprogram's insns in DFS post order.
    pub fn compute_postorder(&mut self) -> Result<(), Errno> {
        let n = self.prog.insnsi.len();
        let mut state = vec![0u8; n];
        let mut postorder = Vec::with_capacity(n);
        let mut stack: Vec<usize> = Vec::with_capacity(n);
        const DISCOVERED: u8 = 1;
        const EXPLORED: u8 = 2;
        for i in 0..self.subprog_cnt {
            stack.clear();
            stack.push(self.subprog_info[i].start as usize);
            while let Some(&top) = stack.last() {
                state[top] |= DISCOVERED;
                if state[top] & EXPLORED != 0 {
                    postorder.push(top as u32);
                    stack.pop();
                    continue;
                }
                let (succ, cnt) = insn_successors(&self.prog.insnsi, top);
                for &s in &succ[..cnt] {
                    if s < n && state[s] == 0 {
                        stack.push(s);
                        state[s] |= DISCOVERED;
                    }
                }
                state[top] |= EXPLORED;
            }
        }
        self.insn_postorder = postorder;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:compute_live_registers()`: for each
    /// insn, the registers some later insn may read before writing
    /// (`live_regs_before`). Logged at level 2.
    pub fn compute_live_registers(&mut self) -> Result<(), Errno> {
        let n = self.prog.insnsi.len();
        let mut info: Vec<(u16, u16, u16, u16)> = Vec::with_capacity(n);
        for i in 0..n {
            let (u, d) = compute_insn_live_regs(self, &self.prog.insnsi[i]);
            info.push((u, d, 0, 0));
        }
        let mut changed = true;
        while changed {
            changed = false;
            for &idx in &self.insn_postorder {
                let idx = idx as usize;
                let (succ, cnt) = insn_successors(&self.prog.insnsi, idx);
                let mut new_out = 0u16;
                for &s in &succ[..cnt] {
                    if s < n {
                        new_out |= info[s].2;
                    }
                }
                let (use_, def, in_, out) = info[idx];
                let new_in = (new_out & !def) | use_;
                if new_out != out || new_in != in_ {
                    info[idx].2 = new_in;
                    info[idx].3 = new_out;
                    changed = true;
                }
            }
        }
        for (i, inf) in info.iter().enumerate() {
            self.insn_aux_data[i].live_regs_before = inf.2;
        }
        self.insn_postorder.clear();
        if self.log.level & BPF_LOG_LEVEL2 != 0 {
            verbose!(self, "Live regs before insn:\n");
            let mut i = 0;
            while i < n {
                let scc = self.insn_aux_data[i].scc;
                let mut line = if scc != 0 { format!("{scc:3} ") } else { "    ".to_string() };
                line.push_str(&format!("{i:3}: "));
                for j in 0..10 {
                    if self.insn_aux_data[i].live_regs_before & (1 << j) != 0 {
                        line.push_str(&j.to_string());
                    } else {
                        line.push('.');
                    }
                }
                line.push(' ');
                line.push_str(&bpf_core::disasm::print_bpf_insn(
                    &bpf_core::disasm::NoCbs,
                    &self.prog.insnsi,
                    i,
                    self.allow_ptr_leaks,
                ));
                line.push('\n');
                self.log.vlog(&line);
                if self.prog.insnsi[i].is_ld_imm64() {
                    i += 1;
                }
                i += 1;
            }
        }
        Ok(())
    }
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:compute_scc()`: the strongly
    /// connected components of the control-flow graph (the loops), found
    /// depth-first from insn 0. Components of two or more insns, or of one
    /// insn that jumps to itself, get ids from 1 in the order they
    /// complete; the id goes to `insn_aux_data[].scc`.
    pub fn compute_scc(&mut self) -> Result<(), Errno> {
        let n = self.prog.insnsi.len();
        let mut pre = vec![0u32; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        let mut next_preorder = 1u32;
        let mut next_scc_id = 1u32;
        for root in 0..n {
            if pre[root] != 0 {
                continue;
            }
            // (insn, next successor to look at)
            let mut dfs: Vec<(usize, usize)> = vec![(root, 0)];
            pre[root] = next_preorder;
            low[root] = next_preorder;
            next_preorder += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (t, ref mut k)) = dfs.last_mut() {
                let (succ, cnt) = insn_successors(&self.prog.insnsi, t);
                if *k < cnt {
                    let w = succ[*k];
                    *k += 1;
                    if w >= n {
                        continue;
                    }
                    if pre[w] == 0 {
                        pre[w] = next_preorder;
                        low[w] = next_preorder;
                        next_preorder += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        dfs.push((w, 0));
                    } else if on_stack[w] {
                        low[t] = low[t].min(pre[w]);
                    }
                    continue;
                }
                dfs.pop();
                if let Some(&(parent, _)) = dfs.last() {
                    low[parent] = low[parent].min(low[t]);
                }
                if low[t] == pre[t] {
                    // t is the root of a component
                    let mut members = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        members.push(w);
                        if w == t {
                            break;
                        }
                    }
                    let self_loop = {
                        let (succ, cnt) = insn_successors(&self.prog.insnsi, t);
                        succ[..cnt].contains(&t)
                    };
                    if members.len() >= 2 || self_loop {
                        for &w in &members {
                            self.insn_aux_data[w].scc = next_scc_id;
                        }
                        next_scc_id += 1;
                    }
                }
            }
        }
        Ok(())
    }
}

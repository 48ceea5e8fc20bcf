//! Register liveness (`compute_live_registers` of `kernel/bpf/verifier.c`)
//! and stack liveness (`kernel/bpf/liveness.c`), v6.18.
//!
//! Register liveness is a classic backward data-flow pass over the CFG,
//! done once before `do_check`: a state may forget a register nothing will
//! read. Stack liveness is gathered while `do_check` runs: each insn's
//! stack reads and full-slot writes are recorded per call chain, and at the
//! end of each path a backward fixed point gives, for every insn, the slots
//! that may still be read (`live_before`). A finished checkpoint forgets
//! the dead slots, so pruning compares only what matters.

use crate::env::{verbose, BpfVerifierEnv};
use crate::log::BPF_LOG_LEVEL2;
use crate::state::BpfVerifierState;
use bpf_core::uapi::*;
use bpf_core::Errno;

/// Registers r0..r5 (`ALL_CALLER_SAVED_REGS`).
const ALL_CALLER_SAVED_REGS: u16 = (1 << 6) - 1;

/// `struct callchain` of `kernel/bpf/liveness.c`: the call insns leading
/// to a frame, and the start of its subprogram.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Callchain {
    /// Call insn per outer frame; `callsites[curframe]` is the subprogram start.
    pub callsites: [u32; MAX_CALL_FRAMES],
    /// Subprogram start of each frame.
    pub sp_starts: [u32; MAX_CALL_FRAMES],
    /// Depth.
    pub curframe: u32,
}

/// `struct per_frame_masks`: stack slots of one frame at one insn.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerFrameMasks {
    /// Slots the insn may read (`may_read`).
    pub may_read: u64,
    /// Slots the insn surely writes (`must_write`).
    pub must_write: u64,
    /// Slots written by the insn or every path after it (`must_write_acc`).
    pub must_write_acc: u64,
    /// Slots that may be read at or after the insn (`live_before`).
    pub live_before: u64,
}

/// `struct func_instance`: the marks of one subprogram reached through
/// one call chain.
#[derive(Clone, Debug)]
pub struct FuncInstance {
    /// Its call chain.
    pub callchain: Callchain,
    /// Insns of the subprogram.
    pub insn_cnt: u32,
    /// Marks changed since the last fixed point.
    pub updated: bool,
    /// A `must_write` set shrank.
    pub must_write_dropped: bool,
    /// Per frame, per insn masks (allocated when a frame is first marked).
    pub frames: [Option<Vec<PerFrameMasks>>; MAX_CALL_FRAMES],
    /// Whether `must_write` was recorded for an insn yet.
    pub must_write_set: Vec<bool>,
}

/// `struct bpf_liveness`: stack slot liveness, per call chain.
#[derive(Clone, Debug, Default)]
pub struct BpfLiveness {
    /// Every instance, found by call chain.
    pub instances: Vec<FuncInstance>,
    /// Instance of the current state (`cur_instance`).
    pub cur_instance: Option<usize>,
    /// Writes of the insn being simulated, per frame (`write_masks_acc`).
    pub write_masks_acc: [u64; MAX_CALL_FRAMES],
    /// The insn they belong to (`write_insn_idx`).
    pub write_insn_idx: u32,
    /// `live_stack_query`: instances of the queried state's frames.
    pub query: Vec<usize>,
    /// Insn of the queried state.
    pub query_insn: u32,
}

impl BpfLiveness {
    /// `bpf_mark_stack_write()`.
    pub fn mark_stack_write(&mut self, frame: u32, mask: u64) {
        if let Some(m) = self.write_masks_acc.get_mut(frame as usize) {
            *m |= mask;
        }
    }
}

fn relative_idx(inst: &FuncInstance, insn_idx: u32) -> usize {
    (insn_idx - inst.callchain.sp_starts[inst.callchain.curframe as usize]) as usize
}

fn get_frame_masks(inst: &FuncInstance, frame: usize, insn_idx: u32) -> Option<&PerFrameMasks> {
    let i = relative_idx(inst, insn_idx);
    inst.frames[frame].as_ref().and_then(|f| f.get(i))
}

fn alloc_frame_masks(inst: &mut FuncInstance, frame: usize, insn_idx: u32) -> &mut PerFrameMasks {
    let n = inst.insn_cnt as usize;
    let i = relative_idx(inst, insn_idx);
    &mut inst.frames[frame].get_or_insert_with(|| vec![PerFrameMasks::default(); n])[i]
}

/// `fmt_callchain()`: `(0)`, `(5,12)`.
fn fmt_callchain(cc: &Callchain) -> String {
    let parts: Vec<String> = (0..=cc.curframe as usize).map(|i| cc.callsites[i].to_string()).collect();
    format!("({})", parts.join(","))
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
        let mut starts = Vec::with_capacity(self.subprog_cnt + 1);
        for i in 0..self.subprog_cnt {
            starts.push(postorder.len() as u32);
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
        starts.push(postorder.len() as u32);
        self.postorder_start = starts;
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
                    &crate::env::VerboseCbs,
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
        // sized once, as the kernel's kvcalloc()ed arrays are: a depth-first
        // walk holds at most n insns, so nothing grows (and reallocates)
        let mut pre = vec![0u32; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::with_capacity(n);
        // (insn, next successor to look at)
        let mut dfs: Vec<(u32, u32)> = Vec::with_capacity(n);
        let mut next_preorder = 1u32;
        let mut next_scc_id = 1u32;
        for root in 0..n {
            if pre[root] != 0 {
                continue;
            }
            dfs.push((root as u32, 0));
            pre[root] = next_preorder;
            low[root] = next_preorder;
            next_preorder += 1;
            stack.push(root as u32);
            on_stack[root] = true;
            while let Some(&mut (t, ref mut k)) = dfs.last_mut() {
                let t = t as usize;
                let (succ, cnt) = insn_successors(&self.prog.insnsi, t);
                if (*k as usize) < cnt {
                    let w = succ[*k as usize];
                    *k += 1;
                    if w >= n {
                        continue;
                    }
                    if pre[w] == 0 {
                        pre[w] = next_preorder;
                        low[w] = next_preorder;
                        next_preorder += 1;
                        stack.push(w as u32);
                        on_stack[w] = true;
                        dfs.push((w as u32, 0));
                    } else if on_stack[w] {
                        low[t] = low[t].min(pre[w]);
                    }
                    continue;
                }
                dfs.pop();
                if let Some(&(parent, _)) = dfs.last() {
                    let parent = parent as usize;
                    low[parent] = low[parent].min(low[t]);
                }
                if low[t] == pre[t] {
                    // t is the root of a component: it and everything
                    // above it on the stack
                    let at = stack.iter().rposition(|&w| w as usize == t).unwrap_or(0);
                    let self_loop = {
                        let (succ, cnt) = insn_successors(&self.prog.insnsi, t);
                        succ[..cnt].contains(&t)
                    };
                    let is_scc = stack.len() - at >= 2 || self_loop;
                    for &w in &stack[at..] {
                        on_stack[w as usize] = false;
                        if is_scc {
                            self.insn_aux_data[w as usize].scc = next_scc_id;
                        }
                    }
                    stack.truncate(at);
                    if is_scc {
                        next_scc_id += 1;
                    }
                }
            }
        }
        Ok(())
    }
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/liveness.c:compute_callchain()`.
    fn compute_callchain(&self, st: &BpfVerifierState, frameno: usize) -> Callchain {
        let mut cc = Callchain::default();
        for i in 0..=frameno {
            cc.sp_starts[i] = self.subprog_info[st.frame[i].subprogno as usize].start;
            if i < st.curframe as usize {
                cc.callsites[i] = st.frame[i + 1].callsite as u32;
            }
        }
        cc.curframe = frameno as u32;
        cc.callsites[frameno] = cc.sp_starts[frameno];
        cc
    }

    /// Mirrors `kernel/bpf/liveness.c:__lookup_instance()`: find or make
    /// the instance of a call chain.
    fn lookup_callchain_instance(&mut self, cc: &Callchain) -> usize {
        let same = |a: &Callchain| {
            a.curframe == cc.curframe && (0..=cc.curframe as usize).all(|i| a.callsites[i] == cc.callsites[i])
        };
        if let Some(i) = self.liveness.instances.iter().position(|x| same(&x.callchain)) {
            return i;
        }
        let start = cc.sp_starts[cc.curframe as usize];
        let sub = self.find_containing_subprog(start);
        let size = self.subprog_info[sub + 1].start - self.subprog_info[sub].start;
        self.liveness.instances.push(FuncInstance {
            callchain: *cc,
            insn_cnt: size,
            updated: false,
            must_write_dropped: false,
            frames: Default::default(),
            must_write_set: vec![false; size as usize],
        });
        self.liveness.instances.len() - 1
    }

    fn lookup_instance(&mut self, st: &BpfVerifierState, frameno: usize) -> usize {
        let cc = self.compute_callchain(st, frameno);
        self.lookup_callchain_instance(&cc)
    }

    /// `ensure_cur_instance()`.
    fn ensure_cur_instance(&mut self) -> usize {
        if let Some(i) = self.liveness.cur_instance {
            return i;
        }
        let st = std::mem::replace(&mut self.cur_state, Box::new(crate::env::empty_state()));
        let i = self.lookup_instance(&st, st.curframe as usize);
        self.cur_state = st;
        self.liveness.cur_instance = Some(i);
        i
    }

    /// `mark_stack_read()` of `kernel/bpf/liveness.c`.
    fn mark_stack_read_in(&mut self, inst: usize, frame: u32, insn_idx: u32, mask: u64) {
        let i = &mut self.liveness.instances[inst];
        let m = alloc_frame_masks(i, frame as usize, insn_idx);
        let new_may_read = m.may_read | mask;
        if new_may_read != m.may_read && (new_may_read | m.live_before) != m.live_before {
            i.updated = true;
        }
        let m = alloc_frame_masks(i, frame as usize, insn_idx);
        m.may_read |= mask;
    }

    /// Mirrors `kernel/bpf/liveness.c:bpf_mark_stack_read()`.
    pub fn bpf_mark_stack_read(&mut self, frame: u32, insn_idx: u32, mask: u64) {
        let inst = self.ensure_cur_instance();
        self.mark_stack_read_in(inst, frame, insn_idx, mask);
    }

    fn reset_stack_write_marks_in(&mut self, inst: usize, insn_idx: u32) {
        self.liveness.write_insn_idx = insn_idx;
        let cf = self.liveness.instances[inst].callchain.curframe as usize;
        for m in self.liveness.write_masks_acc.iter_mut().take(cf + 1) {
            *m = 0;
        }
    }

    /// Mirrors `kernel/bpf/liveness.c:bpf_reset_stack_write_marks()`.
    pub fn bpf_reset_stack_write_marks(&mut self, insn_idx: u32) {
        let inst = self.ensure_cur_instance();
        self.reset_stack_write_marks_in(inst, insn_idx);
    }

    /// Mirrors `kernel/bpf/liveness.c:commit_stack_write_marks()`: an insn
    /// surely writes what it wrote on every visit (intersection).
    fn commit_stack_write_marks_in(&mut self, inst: Option<usize>) {
        let Some(inst) = inst else { return };
        let widx = self.liveness.write_insn_idx;
        let acc = self.liveness.write_masks_acc;
        let i = &mut self.liveness.instances[inst];
        let idx = relative_idx(i, widx);
        if idx >= i.must_write_set.len() {
            return;
        }
        for (frame, &acc_mask) in acc.iter().enumerate().take(i.callchain.curframe as usize + 1) {
            let mut mask = acc_mask;
            if mask == 0 && !i.must_write_set[idx] {
                continue;
            }
            let set = i.must_write_set[idx];
            let m = alloc_frame_masks(i, frame, widx);
            let old = m.must_write;
            if set {
                mask &= old;
            }
            if old != mask {
                m.must_write = mask;
                i.updated = true;
            }
            if old & !mask != 0 {
                i.must_write_dropped = true;
            }
        }
        i.must_write_set[idx] = true;
        self.liveness.write_insn_idx = 0;
    }

    /// Mirrors `kernel/bpf/liveness.c:bpf_commit_stack_write_marks()`.
    pub fn bpf_commit_stack_write_marks(&mut self) {
        let inst = self.liveness.cur_instance;
        self.commit_stack_write_marks_in(inst);
    }

    /// `log_mask_change()`.
    fn log_mask_change(
        &mut self,
        cc: &Callchain,
        pfx: &str,
        frame: usize,
        insn_idx: u32,
        old: u64,
        new: u64,
    ) {
        let changed = old ^ new;
        if changed == 0 {
            return;
        }
        let ones = new & changed;
        let zeros = !new & changed;
        let mut line = format!("{} frame {} insn {} ", fmt_callchain(cc), frame, insn_idx);
        if ones != 0 {
            line.push_str(&format!("+{} {} ", pfx, crate::precision::fmt_stack_mask(ones)));
        }
        if zeros != 0 {
            line.push_str(&format!("-{} {}", pfx, crate::precision::fmt_stack_mask(zeros)));
        }
        line.push('\n');
        self.log.vlog(&line);
    }

    /// Mirrors `kernel/bpf/liveness.c:update_insn()`: one step of the
    /// backward fixed point.
    fn update_insn(&mut self, inst: usize, frame: usize, insn_idx: u32) -> bool {
        let (succ, cnt) = insn_successors(&self.prog.insnsi, insn_idx as usize);
        if cnt == 0 {
            return false;
        }
        let i = &self.liveness.instances[inst];
        let Some(&m) = get_frame_masks(i, frame, insn_idx) else { return false };
        let mut new_after = 0u64;
        let mut must_write_acc = u64::MAX;
        for &s in &succ[..cnt] {
            let sm = get_frame_masks(i, frame, s as u32).copied().unwrap_or_default();
            new_after |= sm.live_before;
            must_write_acc &= sm.must_write_acc;
        }
        must_write_acc |= m.must_write;
        let new_before = (new_after & !m.must_write) | m.may_read;
        let changed = new_before != m.live_before || must_write_acc != m.must_write_acc;
        if self.log.level & BPF_LOG_LEVEL2 != 0
            && (m.may_read != 0
                || m.must_write != 0
                || insn_idx == i.callchain.sp_starts[i.callchain.curframe as usize]
                || self.insn_aux_data[insn_idx as usize].prune_point)
        {
            let cc = i.callchain;
            self.log_mask_change(&cc, "live", frame, insn_idx, m.live_before, new_before);
            self.log_mask_change(&cc, "written", frame, insn_idx, m.must_write_acc, must_write_acc);
        }
        let i = &mut self.liveness.instances[inst];
        let m = alloc_frame_masks(i, frame, insn_idx);
        m.live_before = new_before;
        m.must_write_acc = must_write_acc;
        changed
    }

    /// Mirrors `kernel/bpf/liveness.c:update_instance()`.
    fn update_instance(&mut self, inst: usize) {
        let cc = self.liveness.instances[inst].callchain;
        let start = cc.sp_starts[cc.curframe as usize];
        if self.liveness.instances[inst].must_write_dropped {
            for f in self.liveness.instances[inst].frames.iter_mut().flatten() {
                for m in f.iter_mut() {
                    m.must_write_acc = 0;
                }
            }
        }
        let sub = self.find_containing_subprog(start);
        let po_start = self.postorder_start.get(sub).copied().unwrap_or(0) as usize;
        let po_end =
            self.postorder_start.get(sub + 1).copied().unwrap_or(self.insn_postorder.len() as u32) as usize;
        let mut cnt = 0;
        loop {
            cnt += 1;
            let mut changed = false;
            for frame in 0..=cc.curframe as usize {
                if self.liveness.instances[inst].frames[frame].is_none() {
                    continue;
                }
                for k in po_start..po_end {
                    let idx = self.insn_postorder[k];
                    changed |= self.update_insn(inst, frame, idx);
                }
            }
            if !changed {
                break;
            }
        }
        if self.log.level & BPF_LOG_LEVEL2 != 0 {
            let line = format!("{} live stack update done in {} iterations\n", fmt_callchain(&cc), cnt);
            self.log.vlog(&line);
        }
        if cc.curframe > 0 {
            self.propagate_to_outer_instance(inst);
        }
    }

    /// Mirrors `kernel/bpf/liveness.c:propagate_to_outer_instance()`: what
    /// a callee reads and surely writes of its callers' frames becomes a
    /// read and write of its call insn.
    fn propagate_to_outer_instance(&mut self, inst: usize) {
        let cc = self.liveness.instances[inst].callchain;
        let this_start = cc.sp_starts[cc.curframe as usize];
        let mut outer = cc;
        outer.callsites[outer.curframe as usize] = 0;
        outer.sp_starts[outer.curframe as usize] = 0;
        outer.curframe -= 1;
        outer.callsites[outer.curframe as usize] = outer.sp_starts[outer.curframe as usize];
        let outer_inst = self.lookup_callchain_instance(&outer);
        let callsite = cc.callsites[cc.curframe as usize - 1];
        self.reset_stack_write_marks_in(outer_inst, callsite);
        for frame in 0..cc.curframe as usize {
            let Some(m) = get_frame_masks(&self.liveness.instances[inst], frame, this_start).copied() else {
                continue;
            };
            self.liveness.mark_stack_write(frame as u32, m.must_write_acc);
            self.mark_stack_read_in(outer_inst, frame as u32, callsite, m.live_before);
        }
        self.commit_stack_write_marks_in(Some(outer_inst));
    }

    /// Mirrors `kernel/bpf/liveness.c:bpf_update_live_stack()`: at the end
    /// of a path, bring the marks of every frame's instance to a fixed
    /// point.
    pub fn bpf_update_live_stack(&mut self) {
        self.liveness.cur_instance = None;
        let st = std::mem::replace(&mut self.cur_state, Box::new(crate::env::empty_state()));
        for frame in (0..=st.curframe as usize).rev() {
            let inst = self.lookup_instance(&st, frame);
            if self.liveness.instances[inst].updated {
                self.update_instance(inst);
                let i = &mut self.liveness.instances[inst];
                i.updated = false;
                i.must_write_dropped = false;
            }
        }
        self.cur_state = st;
    }

    /// Mirrors `kernel/bpf/liveness.c:bpf_live_stack_query_init()`.
    pub fn bpf_live_stack_query_init(&mut self, st: &BpfVerifierState) {
        let mut q = Vec::with_capacity(st.curframe as usize + 1);
        for frame in 0..=st.curframe as usize {
            q.push(self.lookup_instance(st, frame));
        }
        self.liveness.query = q;
        self.liveness.query_insn = st.insn_idx;
    }

    /// Mirrors `kernel/bpf/liveness.c:bpf_stack_slot_alive()`: may slot
    /// `spi` of frame `frameno` be read after the queried state?
    pub fn bpf_stack_slot_alive(&self, frameno: u32, spi: usize) -> bool {
        let q = &self.liveness.query;
        let Some(&cur) = q.last() else { return true };
        let live = |inst: usize, insn: u32| {
            get_frame_masks(&self.liveness.instances[inst], frameno as usize, insn)
                .is_some_and(|m| m.live_before & (1u64 << spi) != 0)
        };
        if live(cur, self.liveness.query_insn) {
            return true;
        }
        let cur_cc = self.liveness.instances[cur].callchain;
        for (i, &inst) in q.iter().enumerate().take(q.len() - 1).skip(frameno as usize) {
            let callsite = cur_cc.callsites[i];
            let alive = if self.insn_aux_data[callsite as usize].calls_callback {
                live(inst, callsite)
            } else {
                live(inst, callsite + 1)
            };
            if alive {
                return true;
            }
        }
        false
    }
}

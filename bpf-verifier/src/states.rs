//! State exploration of `kernel/bpf/verifier.c` (v6.18): the stack of
//! branches still to explore (`push_stack`, `pop_stack`), the explored
//! states kept for pruning (`is_state_visited`), and the equivalence that
//! decides a path is already proven safe (`states_equal`, `regsafe`,
//! `stacksafe`, `refsafe`).

use crate::check::*;
use crate::env::{verbose, BpfVerifierEnv, BpfVerifierStackElem, BpfVerifierStateList, NO_STATE};
use crate::state::*;
use crate::tnum::*;
use bpf_core::errno::*;
use bpf_core::uapi::MAX_BPF_REG;
use bpf_core::Errno;

/// `enum exact_level`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExactLevel {
    /// Imprecise scalars and dead registers need not match.
    NotExact,
    /// Everything must match.
    Exact,
    /// Scalars are compared by range even when imprecise.
    RangeWithin,
}

/// `struct bpf_scc_callchain`: the call sites outside the loop, and the
/// loop (strongly connected component) itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SccCallchain {
    /// Call sites of the outer frames, 0-terminated.
    pub callsites: [u32; MAX_FRAMES - 1],
    /// The SCC id.
    pub scc: u32,
}

/// `struct bpf_scc_backedge`: a state inside a loop found equal to a
/// checkpoint whose precision marks were not final yet.
#[derive(Clone, Debug)]
pub struct SccBackedge {
    /// The state at the pruning point.
    pub state: BpfVerifierState,
    /// The checkpoint it matched (`equal_state`).
    pub equal_state: StateId,
}

/// `struct bpf_scc_visit`: one entry into a loop along a call chain.
#[derive(Clone, Debug)]
pub struct SccVisit {
    /// Which loop.
    pub callchain: SccCallchain,
    /// The checkpoint the loop was entered with, while exploring it.
    pub entry_state: Option<StateId>,
    /// Backedges to re-propagate when the loop is done.
    pub backedges: Vec<SccBackedge>,
}

/// `MAX_BACKEDGE_ITERS`.
const MAX_BACKEDGE_ITERS: usize = 64;

/// `BPF_ID_MAP_SIZE`: ids a state can hold.
const BPF_ID_MAP_SIZE: usize = (MAX_BPF_REG + 64) * MAX_FRAMES;

/// `struct bpf_idmap`: the old-to-current id correspondence of one
/// `states_equal` call.
pub struct IdMap {
    map: Vec<(u32, u32)>,
    tmp_id_gen: u32,
    /// `env->explore_alu_limits`: scalars must match exactly (see
    /// `sanitize::sanitize_ptr_alu`).
    explore_alu_limits: bool,
}

impl IdMap {
    fn new(id_gen: u32) -> Self {
        IdMap { map: Vec::with_capacity(16), tmp_id_gen: id_gen, explore_alu_limits: false }
    }
    /// Mirrors `kernel/bpf/verifier.c:check_ids()`: ids must map one to one.
    fn check_ids(&mut self, old_id: u32, cur_id: u32) -> bool {
        if (old_id != 0) != (cur_id != 0) {
            return false;
        }
        if old_id == 0 {
            return true;
        }
        for &(o, c) in &self.map {
            if o == old_id {
                return c == cur_id;
            }
            if c == cur_id {
                return false;
            }
        }
        if self.map.len() >= BPF_ID_MAP_SIZE {
            return false;
        }
        self.map.push((old_id, cur_id));
        true
    }
    /// Mirrors `kernel/bpf/verifier.c:check_scalar_ids()`: an unlinked
    /// current scalar gets a fresh id, so two old scalars linked to each
    /// other cannot both match it.
    fn check_scalar_ids(&mut self, old_id: u32, cur_id: u32) -> bool {
        if old_id == 0 {
            return true;
        }
        let cur_id = if cur_id != 0 {
            cur_id
        } else {
            self.tmp_id_gen += 1;
            self.tmp_id_gen
        };
        self.check_ids(old_id, cur_id)
    }
}

/// `range_within()`: every value of `cur` is a value of `old`.
pub fn range_within(old: &BpfRegState, cur: &BpfRegState) -> bool {
    old.umin_value <= cur.umin_value
        && old.umax_value >= cur.umax_value
        && old.smin_value <= cur.smin_value
        && old.smax_value >= cur.smax_value
        && old.u32_min_value <= cur.u32_min_value
        && old.u32_max_value >= cur.u32_max_value
        && old.s32_min_value <= cur.s32_min_value
        && old.s32_max_value >= cur.s32_max_value
}

/// The `memcmp(rold, rcur, offsetof(var_off))` part: type, fixed offset
/// and the map/range union.
fn head_equal(a: &BpfRegState, b: &BpfRegState) -> bool {
    a.type_ == b.type_
        && a.off == b.off
        && a.range == b.range
        && a.map_idx == b.map_idx
        && a.map_uid == b.map_uid
        && a.mem_size == b.mem_size
}

/// The `memcmp(rold, rcur, offsetof(id))` part: head, value and bounds.
fn value_equal(a: &BpfRegState, b: &BpfRegState) -> bool {
    head_equal(a, b)
        && a.var_off == b.var_off
        && a.smin_value == b.smin_value
        && a.smax_value == b.smax_value
        && a.umin_value == b.umin_value
        && a.umax_value == b.umax_value
        && a.s32_min_value == b.s32_min_value
        && a.s32_max_value == b.s32_max_value
        && a.u32_min_value == b.u32_min_value
        && a.u32_max_value == b.u32_max_value
}

/// Mirrors `kernel/bpf/verifier.c:regs_exact()`.
fn regs_exact(old: &BpfRegState, cur: &BpfRegState, idmap: &mut IdMap) -> bool {
    value_equal(old, cur)
        && idmap.check_ids(old.id, cur.id)
        && idmap.check_ids(old.ref_obj_id, cur.ref_obj_id)
}

/// Mirrors `kernel/bpf/verifier.c:regsafe()`: is everything `cur` may
/// hold allowed by what `old` was proven safe with?
pub fn regsafe(
    old: &BpfRegState,
    cur: &BpfRegState,
    idmap: &mut IdMap,
    exact: ExactLevel,
    precision: bool,
) -> bool {
    if exact == ExactLevel::Exact {
        return regs_exact(old, cur, idmap);
    }
    if old.type_ == NOT_INIT && (exact == ExactLevel::NotExact || cur.type_ == NOT_INIT) {
        // the explored path never read it
        return true;
    }
    if old.type_ != cur.type_ {
        return false;
    }
    match base_type(old.type_) {
        SCALAR_VALUE => {
            if idmap.explore_alu_limits {
                // masking limits may differ on any other value: exact match
                return value_equal(old, cur) && idmap.check_scalar_ids(old.id, cur.id);
            }
            // without precision tracking every scalar counts as precise
            if precision && !old.precise && exact == ExactLevel::NotExact {
                return true;
            }
            if (old.id & BPF_ADD_CONST) != (cur.id & BPF_ADD_CONST) {
                return false;
            }
            if old.id & BPF_ADD_CONST != 0 && old.off != cur.off {
                return false;
            }
            range_within(old, cur)
                && tnum_in(old.var_off, cur.var_off)
                && idmap.check_scalar_ids(old.id, cur.id)
        }
        PTR_TO_MAP_KEY | PTR_TO_MAP_VALUE | PTR_TO_MEM | PTR_TO_BUF | PTR_TO_TP_BUFFER => {
            head_equal(old, cur)
                && range_within(old, cur)
                && tnum_in(old.var_off, cur.var_off)
                && idmap.check_ids(old.id, cur.id)
                && idmap.check_ids(old.ref_obj_id, cur.ref_obj_id)
        }
        PTR_TO_PACKET_META | PTR_TO_PACKET => {
            if old.range < 0 || cur.range < 0 {
                if old.range != cur.range {
                    return false;
                }
            } else if old.range > cur.range {
                return false;
            }
            if old.off != cur.off {
                return false;
            }
            if !idmap.check_ids(old.id, cur.id) {
                return false;
            }
            range_within(old, cur) && tnum_in(old.var_off, cur.var_off)
        }
        PTR_TO_STACK => regs_exact(old, cur, idmap) && old.frameno == cur.frameno,
        PTR_TO_ARENA => true,
        _ => regs_exact(old, cur, idmap),
    }
}

/// `is_spilled_scalar_reg64()`.
fn is_spilled_scalar_reg64(s: &BpfStackState) -> bool {
    s.slot_type[0] == slot::STACK_SPILL && s.spilled_ptr.type_ == SCALAR_VALUE
}

impl<'a> BpfVerifierEnv<'a> {
    /// `is_stack_all_misc()`.
    fn is_stack_all_misc(&self, s: &BpfStackState) -> bool {
        s.slot_type
            .iter()
            .all(|&t| t == slot::STACK_MISC || (t == slot::STACK_INVALID && self.allow_uninit_stack))
    }

    /// `scalar_reg_for_stack()`.
    fn scalar_reg_for_stack(&self, s: &BpfStackState) -> Option<BpfRegState> {
        if is_spilled_scalar_reg64(s) {
            return Some(s.spilled_ptr);
        }
        if self.is_stack_all_misc(s) {
            let mut r = BpfRegState::default();
            crate::bounds::__mark_reg_unknown_imprecise(&mut r);
            return Some(r);
        }
        None
    }

    /// Mirrors `kernel/bpf/verifier.c:stacksafe()`.
    fn stacksafe(
        &self,
        old: &BpfFuncState,
        cur: &BpfFuncState,
        idmap: &mut IdMap,
        exact: ExactLevel,
    ) -> bool {
        let prec = self.precision_tracking();
        let mut i = 0usize;
        while i < old.allocated_stack as usize {
            let spi = i / BPF_REG_SIZE;
            let ot = old.stack[spi].slot_type[i % BPF_REG_SIZE];
            if exact == ExactLevel::Exact
                && (i >= cur.allocated_stack as usize || ot != cur.stack[spi].slot_type[i % BPF_REG_SIZE])
            {
                return false;
            }
            if ot == slot::STACK_INVALID || (self.allow_uninit_stack && ot == slot::STACK_MISC) {
                i += 1;
                continue;
            }
            if i >= cur.allocated_stack as usize {
                return false;
            }
            let ct = cur.stack[spi].slot_type[i % BPF_REG_SIZE];
            if let (Some(o), Some(c)) =
                (self.scalar_reg_for_stack(&old.stack[spi]), self.scalar_reg_for_stack(&cur.stack[spi]))
            {
                if !regsafe(&o, &c, idmap, exact, prec) {
                    return false;
                }
                i += BPF_REG_SIZE;
                continue;
            }
            if ot == slot::STACK_MISC && ct == slot::STACK_ZERO {
                i += 1;
                continue;
            }
            if ot != ct {
                return false;
            }
            if i % BPF_REG_SIZE != BPF_REG_SIZE - 1 {
                i += 1;
                continue;
            }
            match old.stack[spi].slot_type[BPF_REG_SIZE - 1] {
                slot::STACK_SPILL => {
                    if !regsafe(&old.stack[spi].spilled_ptr, &cur.stack[spi].spilled_ptr, idmap, exact, prec)
                    {
                        return false;
                    }
                }
                slot::STACK_MISC | slot::STACK_ZERO | slot::STACK_INVALID => {}
                _ => return false,
            }
            i += 1;
        }
        true
    }

    /// Mirrors `kernel/bpf/verifier.c:refsafe()`.
    fn refsafe(old: &BpfVerifierState, cur: &BpfVerifierState, idmap: &mut IdMap) -> bool {
        if old.refs.len() != cur.refs.len()
            || old.active_locks != cur.active_locks
            || old.active_preempt_locks != cur.active_preempt_locks
            || old.active_rcu_lock != cur.active_rcu_lock
        {
            return false;
        }
        if !idmap.check_ids(old.active_irq_id, cur.active_irq_id)
            || !idmap.check_ids(old.active_lock_id, cur.active_lock_id)
        {
            return false;
        }
        old.refs.iter().zip(&cur.refs).all(|(o, c)| idmap.check_ids(o.id, c.id) && o.type_ == c.type_)
    }

    /// `frame_insn_idx()`: where frame `i` of `st` is (its call insn for
    /// outer frames).
    pub fn frame_insn_idx(st: &BpfVerifierState, i: usize) -> u32 {
        if i == st.curframe as usize {
            st.insn_idx
        } else {
            st.frame[i + 1].callsite as u32
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:func_states_equal()`.
    fn func_states_equal(
        &self,
        old: &BpfFuncState,
        cur: &BpfFuncState,
        insn_idx: u32,
        idmap: &mut IdMap,
        exact: ExactLevel,
    ) -> bool {
        let live = self.insn_aux_data[insn_idx as usize].live_regs_before;
        let prec = self.precision_tracking();
        if old.callback_depth > cur.callback_depth {
            return false;
        }
        for i in 0..MAX_BPF_REG {
            if live & (1 << i) != 0 && !regsafe(&old.regs[i], &cur.regs[i], idmap, exact, prec) {
                return false;
            }
        }
        self.stacksafe(old, cur, idmap, exact)
    }

    /// Mirrors `kernel/bpf/verifier.c:states_equal()`.
    pub fn states_equal(&self, old: &BpfVerifierState, cur: &BpfVerifierState, exact: ExactLevel) -> bool {
        if old.curframe != cur.curframe {
            return false;
        }
        let mut idmap = IdMap::new(self.id_gen);
        idmap.explore_alu_limits = self.explore_alu_limits;
        // a speculative state never proves a real path safe
        if old.speculative && !cur.speculative {
            return false;
        }
        if old.in_sleepable != cur.in_sleepable {
            return false;
        }
        if !Self::refsafe(old, cur, &mut idmap) {
            return false;
        }
        for i in 0..=old.curframe as usize {
            let insn_idx = Self::frame_insn_idx(old, i);
            if old.frame[i].callsite != cur.frame[i].callsite {
                return false;
            }
            if !self.func_states_equal(&old.frame[i], &cur.frame[i], insn_idx, &mut idmap, exact) {
                return false;
            }
        }
        true
    }

    /// Precision marks are tracked and trusted by pruning.
    pub fn precision_tracking(&self) -> bool {
        crate::precision::PRECISION_TRACKING
    }

    /// `explored_state()`: the bucket of `idx` for the current callsite.
    pub fn explored_state(&self, idx: usize) -> usize {
        let callsite = self.cur_state.cur().callsite;
        ((idx as i32 ^ callsite) as u32 as usize) % self.prog.insnsi.len()
    }

    /// The state a list entry holds.
    pub fn sl_state(&self, id: StateId) -> &BpfVerifierState {
        &self.sl[id].as_ref().expect("live state").state
    }

    /// Mirrors `kernel/bpf/verifier.c:push_stack()`: queue `insn_idx` to be
    /// explored later from a copy of the current state. The caller adjusts
    /// the copy and hands it back with [`Self::replace_pushed`].
    pub fn push_stack(
        &mut self,
        insn_idx: i32,
        prev_insn_idx: i32,
        speculative: bool,
    ) -> Result<BpfVerifierState, Errno> {
        let mut st = self.cur_state.as_ref().clone();
        st.speculative |= speculative;
        self.stack_size += 1;
        if self.stack_size as usize > BPF_COMPLEXITY_LIMIT_JMP_SEQ {
            verbose!(self, "The sequence of {} jumps is too complex.\n", self.stack_size);
            return Err(E2BIG);
        }
        if let Some(p) = st.parent {
            if let Some(sl) = self.sl[p].as_mut() {
                sl.state.branches += 1;
            }
        }
        self.head.push(BpfVerifierStackElem {
            st: crate::env::empty_state(),
            insn_idx,
            prev_insn_idx,
            log_pos: self.log.end_pos,
        });
        Ok(st)
    }

    /// Stores the (adjusted) copy made by [`Self::push_stack`].
    pub fn replace_pushed(&mut self, st: BpfVerifierState) {
        if let Some(top) = self.head.last_mut() {
            top.st = st;
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:pop_stack()`: continue with the most
    /// recently queued branch; `pop_log` rewinds the log of the finished
    /// path. Returns `(prev_insn_idx, insn_idx)`, or `None` when done.
    pub fn pop_stack(&mut self, pop_log: bool) -> Option<(i32, i32)> {
        let e = self.head.pop()?;
        self.stack_size -= 1;
        if pop_log {
            self.log.reset(e.log_pos);
        }
        *self.cur_state = e.st;
        Some((e.prev_insn_idx, e.insn_idx))
    }

    /// `update_peak_states()`.
    pub(crate) fn update_peak_states(&mut self) {
        let cur = self.explored_states_size + self.free_list_size + self.num_backedges;
        self.peak_states = self.peak_states.max(cur);
    }

    /// Mirrors `kernel/bpf/verifier.c:maybe_free_verifier_state()`.
    fn maybe_free_verifier_state(&mut self, id: StateId) {
        let Some(sl) = self.sl[id].as_ref() else { return };
        if !sl.in_free_list || sl.state.branches != 0 || self.incomplete_read_marks(&sl.state) {
            return;
        }
        self.free_list.retain(|&x| x != id);
        self.sl[id] = None;
        self.free_list_size -= 1;
    }

    /// A checkpoint whose every path ended is no one's ancestor any more:
    /// precision backtracking, which walks the parents of the current
    /// state (or of a loop backedge), never reads its jump history again,
    /// unless its loop still holds backedges (`incomplete_read_marks`).
    /// The kernel's history is one array cut back as the depth-first walk
    /// returns, so it holds no such segments either.
    fn drop_finished_history(&mut self, id: StateId) {
        if self.incomplete_read_marks(self.sl_state(id)) {
            return;
        }
        if let Some(sl) = self.sl[id].as_mut() {
            sl.state.jmp_history = JmpHistory::default();
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:update_branch_counts()`: a path
    /// ended; states whose every branch ended become usable for pruning.
    pub fn update_branch_counts_cur(&mut self) -> Result<(), Errno> {
        // the current state itself is not in the arena
        self.cur_state.branches = self.cur_state.branches.saturating_sub(1);
        if self.cur_state.branches != 0 {
            return Ok(());
        }
        let mut st = self.cur_state.parent;
        let mut prev: Option<StateId> = None;
        while let Some(id) = st {
            let Some(sl) = self.sl[id].as_mut() else { break };
            sl.state.branches = sl.state.branches.saturating_sub(1);
            let br = sl.state.branches;
            let parent = sl.state.parent;
            if br != 0 {
                break;
            }
            self.maybe_exit_scc(id)?;
            self.drop_finished_history(id);
            if let Some(p) = prev {
                self.maybe_free_verifier_state(p);
            }
            prev = Some(id);
            st = parent;
        }
        if let Some(p) = prev {
            self.maybe_free_verifier_state(p);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:clean_live_states()`: forget dead
    /// registers (and stack slots) of finished states at `insn`.
    fn clean_live_states(&mut self, insn: usize) {
        let bucket = self.explored_state(insn);
        let ids = self.take_bucket_ids(bucket);
        for &id in ids.iter().rev() {
            let Some(sl) = self.sl[id].as_ref() else { continue };
            if sl.state.branches != 0 || sl.state.insn_idx as usize != insn || sl.state.cleaned {
                continue;
            }
            if !same_callsites(&sl.state, &self.cur_state) || self.incomplete_read_marks(&sl.state) {
                continue;
            }
            let mut st = self.sl[id].take().expect("present");
            self.clean_verifier_state(&mut st.state);
            self.sl[id] = Some(st);
        }
        self.bucket_scratch = ids;
    }

    /// Mirrors `kernel/bpf/verifier.c:clean_verifier_state()`.
    fn clean_verifier_state(&mut self, st: &mut BpfVerifierState) {
        self.bpf_live_stack_query_init(st);
        for i in 0..=st.curframe as usize {
            let ip = Self::frame_insn_idx(st, i);
            let live = self.insn_aux_data[ip as usize].live_regs_before;
            let cap = self.bpf_capable;
            let f = &mut st.frame[i];
            for r in 0..BPF_REG_FP_USIZE {
                if live & (1 << r) == 0 {
                    __mark_reg_not_init(cap, &mut f.regs[r]);
                }
            }
            let frameno = f.frameno;
            for (spi, s) in f.stack.iter_mut().enumerate() {
                if !self.bpf_stack_slot_alive(frameno, spi) {
                    __mark_reg_not_init(cap, &mut s.spilled_ptr);
                    s.slot_type = [slot::STACK_INVALID; BPF_REG_SIZE];
                }
            }
        }
        st.cleaned = true;
    }

    /// `states_maybe_looping()`.
    fn states_maybe_looping(old: &BpfVerifierState, cur: &BpfVerifierState) -> bool {
        let fr = old.curframe as usize;
        if fr != cur.curframe as usize {
            return false;
        }
        let (a, b) = (&old.frame[fr].regs, &cur.frame[fr].regs);
        a.iter().zip(b.iter()).all(|(x, y)| value_equal(x, y) && x.id == y.id && x.ref_obj_id == y.ref_obj_id)
    }

    /// Mirrors `kernel/bpf/verifier.c:compute_scc_callchain()`: the loop
    /// `st` is in, through its call chain, if any.
    pub fn compute_scc_callchain(&self, st: &BpfVerifierState) -> Option<SccCallchain> {
        let mut cc = SccCallchain::default();
        for i in 0..=st.curframe as usize {
            let insn_idx = Self::frame_insn_idx(st, i);
            let scc = self.insn_aux_data[insn_idx as usize].scc;
            if scc != 0 {
                cc.scc = scc;
                return Some(cc);
            } else if i < st.curframe as usize {
                cc.callsites[i] = insn_idx;
            } else {
                return None;
            }
        }
        None
    }

    fn scc_visit_lookup(&self, cc: &SccCallchain) -> Option<usize> {
        self.scc_visits.iter().position(|v| v.callchain == *cc)
    }

    /// `format_callchain()`: `(3,1)`.
    fn format_callchain(cc: &SccCallchain) -> String {
        let mut s = String::from("(");
        for &c in cc.callsites.iter().take_while(|&&c| c != 0) {
            s.push_str(&format!("{c},"));
        }
        s.push_str(&format!("{})", cc.scc));
        s
    }

    /// Mirrors `kernel/bpf/verifier.c:maybe_enter_scc()`: a checkpoint in a
    /// loop starts a visit of it.
    fn maybe_enter_scc(&mut self, id: StateId) {
        let Some(cc) = self.compute_scc_callchain(self.sl_state(id)) else { return };
        let v = match self.scc_visit_lookup(&cc) {
            Some(v) => v,
            None => {
                self.scc_visits.push(SccVisit { callchain: cc, entry_state: None, backedges: Vec::new() });
                self.scc_visits.len() - 1
            }
        };
        if self.scc_visits[v].entry_state.is_none() {
            self.scc_visits[v].entry_state = Some(id);
            if self.log.level & crate::log::BPF_LOG_LEVEL2 != 0 {
                verbose!(self, "SCC enter {}\n", Self::format_callchain(&cc));
            }
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:maybe_exit_scc()`: the visit ends
    /// when its entry checkpoint has no branch left; its backedges then
    /// carry their precision marks into the loop.
    fn maybe_exit_scc(&mut self, id: StateId) -> Result<(), Errno> {
        let Some(cc) = self.compute_scc_callchain(self.sl_state(id)) else { return Ok(()) };
        let Some(v) = self.scc_visit_lookup(&cc) else { return Ok(()) };
        if self.scc_visits[v].entry_state != Some(id) {
            return Ok(());
        }
        if self.log.level & crate::log::BPF_LOG_LEVEL2 != 0 {
            verbose!(self, "SCC exit {}\n", Self::format_callchain(&cc));
        }
        self.scc_visits[v].entry_state = None;
        self.num_backedges -= self.scc_visits[v].backedges.len() as u32;
        self.update_peak_states();
        self.propagate_backedges(v)
    }

    /// Mirrors `kernel/bpf/verifier.c:propagate_backedges()`: repeat until
    /// no backedge changes a precision mark.
    fn propagate_backedges(&mut self, v: usize) -> Result<(), Errno> {
        let backedges = std::mem::take(&mut self.scc_visits[v].backedges);
        let mut iter = 0;
        loop {
            iter += 1;
            if iter > MAX_BACKEDGE_ITERS {
                if self.log.level & crate::log::BPF_LOG_LEVEL2 != 0 {
                    verbose!(self, "propagate_backedges: too many iterations\n");
                }
                for b in backedges.iter().rev() {
                    self.scratch_state = Some(b.state.clone());
                    self.mark_all_scalars_precise_pub(Some(crate::precision::SCRATCH_STATE));
                }
                break;
            }
            let mut changed = false;
            // the kernel's list is newest first
            for b in backedges.iter().rev() {
                self.scratch_state = Some(b.state.clone());
                if self.sl.get(b.equal_state).is_some_and(|s| s.is_some()) {
                    changed |=
                        self.propagate_precision_from(b.equal_state, Some(crate::precision::SCRATCH_STATE))?;
                }
            }
            if !changed {
                break;
            }
        }
        self.scratch_state = None;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:add_scc_backedge()`.
    fn add_scc_backedge(&mut self, equal: StateId, backedge: SccBackedge) -> Result<(), Errno> {
        let Some(cc) = self.compute_scc_callchain(self.sl_state(equal)) else {
            verbose!(self, "verifier bug: add backedge: no SCC in verification path\n");
            return Err(EFAULT);
        };
        let Some(v) = self.scc_visit_lookup(&cc) else {
            verbose!(
                self,
                "verifier bug: add backedge: no visit info for call chain {}\n",
                Self::format_callchain(&cc)
            );
            return Err(EFAULT);
        };
        if self.log.level & crate::log::BPF_LOG_LEVEL2 != 0 {
            verbose!(self, "SCC backedge {}\n", Self::format_callchain(&cc));
        }
        self.scc_visits[v].backedges.push(backedge);
        self.num_backedges += 1;
        self.update_peak_states();
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:incomplete_read_marks()`: the state
    /// is in a loop whose exploration is not finished.
    pub fn incomplete_read_marks(&self, st: &BpfVerifierState) -> bool {
        let Some(cc) = self.compute_scc_callchain(st) else { return false };
        self.scc_visit_lookup(&cc).is_some_and(|v| !self.scc_visits[v].backedges.is_empty())
    }

    /// Mirrors `kernel/bpf/verifier.c:is_state_visited()`: prune when an
    /// explored state at `insn_idx` covers the current one; otherwise maybe
    /// remember the current state as a new checkpoint.
    pub fn is_state_visited(&mut self, insn_idx: usize) -> Result<bool, Errno> {
        let force_new_state = self.test_state_freq
            || self.insn_aux_data[insn_idx].force_checkpoint
            || self.cur_state.jmp_history.len() > 40;
        let mut add_new_state = force_new_state;
        if self.jmps_processed - self.prev_jmps_processed >= 2
            && self.insn_processed - self.prev_insn_processed >= 8
        {
            add_new_state = true;
        }
        self.clean_live_states(insn_idx);

        let bucket = self.explored_state(insn_idx);
        let mut states_cnt = 0u32;
        // newest first, as list_add puts them at the head
        let ids = self.take_bucket_ids(bucket);
        let mut k = 0;
        while k < ids.len() {
            let id = ids[k];
            k += 1;
            states_cnt += 1;
            let Some(sl) = self.sl[id].as_ref() else { continue };
            if sl.state.insn_idx as usize != insn_idx {
                continue;
            }
            let mut hit = false;
            let mut loop_ = false;
            if sl.state.branches != 0 {
                // still being explored: a loop back to it
                let is_may_goto =
                    self.prog.insnsi[insn_idx].code == bpf_core::uapi::BPF_JMP | bpf_core::uapi::BPF_JCOND;
                if is_may_goto
                    && sl.state.may_goto_depth != self.cur_state.may_goto_depth
                    && self.states_equal(&sl.state, &self.cur_state, ExactLevel::RangeWithin)
                {
                    loop_ = true;
                    hit = true;
                } else if Self::states_maybe_looping(&sl.state, &self.cur_state)
                    && self.states_equal(&sl.state, &self.cur_state, ExactLevel::Exact)
                    && sl.state.may_goto_depth == self.cur_state.may_goto_depth
                    && sl.state.callback_unroll_depth == self.cur_state.callback_unroll_depth
                {
                    verbose!(self, "infinite loop detected at insn {}\n", insn_idx);
                    verbose!(self, "cur state:");
                    let cur = self.cur_state.as_ref().clone();
                    self.print_verifier_state(&cur, cur.curframe as usize, true);
                    verbose!(self, "old state:");
                    let old = self.sl_state(id).clone();
                    self.print_verifier_state(&old, cur.curframe as usize, true);
                    return Err(EINVAL);
                } else {
                    // loop iterations differ: do not checkpoint too often
                    if !force_new_state
                        && self.jmps_processed - self.prev_jmps_processed < 20
                        && self.insn_processed - self.prev_insn_processed < 100
                    {
                        add_new_state = false;
                    }
                }
            } else {
                // inside a loop still being explored the precision marks are
                // not final: compare scalars by range, and remember the edge
                loop_ = self.incomplete_read_marks(&sl.state);
                let exact = if loop_ { ExactLevel::RangeWithin } else { ExactLevel::NotExact };
                if self.states_equal(self.sl_state(id), &self.cur_state, exact) {
                    hit = true;
                }
            }
            if hit {
                self.sl[id].as_mut().expect("present").hit_cnt += 1;
                if self.insn_aux_data[insn_idx].jmp_point {
                    self.push_jmp_history_cur(0, 0)?;
                }
                self.propagate_precision(id)?;
                if loop_ {
                    let mut st = self.cur_state.as_ref().clone();
                    st.insn_idx = insn_idx as u32;
                    self.add_scc_backedge(id, SccBackedge { state: st, equal_state: id })?;
                }
                self.bucket_scratch = ids;
                return Ok(true);
            }
            // miss
            let sl = self.sl[id].as_mut().expect("present");
            if add_new_state {
                sl.miss_cnt += 1;
            }
            let n =
                if self.insn_aux_data[insn_idx].force_checkpoint && sl.state.branches > 0 { 64 } else { 3 };
            if sl.miss_cnt > sl.hit_cnt * n + n {
                // unlikely to help pruning: evict
                sl.in_free_list = true;
                self.bucket_unlink(bucket, id);
                self.free_list.push(id);
                self.free_list_size += 1;
                self.explored_states_size -= 1;
                self.maybe_free_verifier_state(id);
            }
        }
        self.bucket_scratch = ids;
        if self.max_states_per_insn < states_cnt {
            self.max_states_per_insn = states_cnt;
        }
        if !self.bpf_capable && states_cnt as usize > BPF_COMPLEXITY_LIMIT_STATES {
            return Ok(false);
        }
        if !add_new_state {
            return Ok(false);
        }
        // remember the current state as a checkpoint
        self.total_states += 1;
        self.explored_states_size += 1;
        self.update_peak_states();
        self.prev_jmps_processed = self.jmps_processed;
        self.prev_insn_processed = self.insn_processed;
        if self.bpf_capable {
            self.mark_all_scalars_imprecise();
        }
        let mut new = self.cur_state.as_ref().clone();
        new.insn_idx = insn_idx as u32;
        let id = self.sl.len();
        let dfs_depth = new.dfs_depth;
        self.sl.push(Some(Box::new(BpfVerifierStateList {
            state: new,
            hit_cnt: 0,
            miss_cnt: 0,
            in_free_list: false,
            next: self.explored_states[bucket],
        })));
        self.explored_states[bucket] = id as u32;
        self.maybe_enter_scc(id);
        self.cur_state.parent = Some(id);
        self.cur_state.first_insn_idx = insn_idx as u32;
        self.cur_state.dfs_depth = dfs_depth + 1;
        self.cur_state.jmp_history.clear();
        Ok(false)
    }

    /// The states of a bucket of `explored_states`, newest first (the
    /// kernel's list order: `list_add` puts new ones at the head).
    fn bucket_ids(&self, bucket: usize) -> Vec<StateId> {
        let mut ids = Vec::new();
        self.bucket_ids_into(bucket, &mut ids);
        ids
    }

    /// [`Self::bucket_ids`] into the env's reused scratch vector; give it
    /// back with `self.bucket_scratch = ids` when done.
    fn take_bucket_ids(&mut self, bucket: usize) -> Vec<StateId> {
        let mut ids = std::mem::take(&mut self.bucket_scratch);
        self.bucket_ids_into(bucket, &mut ids);
        ids
    }

    fn bucket_ids_into(&self, bucket: usize, ids: &mut Vec<StateId>) {
        ids.clear();
        let mut id = self.explored_states[bucket];
        while id != NO_STATE {
            ids.push(id as StateId);
            id = self.sl[id as StateId].as_ref().map_or(NO_STATE, |sl| sl.next);
        }
    }

    /// `list_del()` of state `id` from its bucket.
    fn bucket_unlink(&mut self, bucket: usize, id: StateId) {
        let next = self.sl[id].as_ref().map_or(NO_STATE, |sl| sl.next);
        if self.explored_states[bucket] == id as u32 {
            self.explored_states[bucket] = next;
            return;
        }
        let mut cur = self.explored_states[bucket];
        while cur != NO_STATE {
            let Some(sl) = self.sl[cur as StateId].as_mut() else { return };
            if sl.next == id as u32 {
                sl.next = next;
                return;
            }
            cur = sl.next;
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:free_states()`.
    pub fn free_states(&mut self) {
        self.sl.clear();
        self.explored_states.fill(NO_STATE);
        self.free_list.clear();
        self.explored_states_size = 0;
        self.free_list_size = 0;
    }

    /// Mirrors `kernel/bpf/verifier.c:find_prev_entry()`: the explored
    /// state at `insn_idx` on the current path (for `may_goto` widening).
    pub fn find_prev_entry(&self, parent: Option<StateId>, insn_idx: u32) -> Option<StateId> {
        // `cur` is the current state's parent (a checkpoint)
        let cur = self.sl_state(parent?);
        let bucket = self.explored_state(insn_idx as usize);
        self.bucket_ids(bucket).into_iter().find(|&id| {
            self.sl[id].as_ref().is_some_and(|sl| {
                sl.state.insn_idx == insn_idx
                    && sl.state.branches != 0
                    && same_callsites(&sl.state, cur)
                    && sl.state.dfs_depth < cur.dfs_depth
            })
        })
    }

    /// Mirrors `kernel/bpf/verifier.c:widen_imprecise_scalars()`: scalars
    /// that differ from the previous iteration and are not precise become
    /// unknown, so a loop converges.
    pub fn widen_imprecise_scalars(&mut self, old: StateId, cur: &mut BpfVerifierState) {
        let old = self.sl_state(old).clone();
        let cap = self.bpf_capable;
        let mut idmap = IdMap::new(self.id_gen);
        idmap.explore_alu_limits = self.explore_alu_limits;
        for fr in (0..=old.curframe as usize).rev() {
            if fr >= cur.frame.len() {
                continue;
            }
            for i in 0..MAX_BPF_REG {
                let (o, c) = (old.frame[fr].regs[i], &mut cur.frame[fr].regs[i]);
                maybe_widen_reg(&o, c, &mut idmap, cap);
            }
            let n = old.frame[fr].stack.len().min(cur.frame[fr].stack.len());
            for spi in 0..n {
                if !is_spilled_reg_slot(&old.frame[fr].stack[spi])
                    || !is_spilled_reg_slot(&cur.frame[fr].stack[spi])
                {
                    continue;
                }
                let o = old.frame[fr].stack[spi].spilled_ptr;
                maybe_widen_reg(&o, &mut cur.frame[fr].stack[spi].spilled_ptr, &mut idmap, cap);
            }
        }
    }
}

const BPF_REG_FP_USIZE: usize = bpf_core::uapi::BPF_REG_FP as usize;

fn is_spilled_reg_slot(s: &BpfStackState) -> bool {
    s.slot_type[BPF_REG_SIZE - 1] == slot::STACK_SPILL
}

/// `maybe_widen_reg()`.
fn maybe_widen_reg(old: &BpfRegState, cur: &mut BpfRegState, idmap: &mut IdMap, bpf_capable: bool) {
    if old.type_ != SCALAR_VALUE || cur.type_ != SCALAR_VALUE || old.precise || cur.precise {
        return;
    }
    if regs_exact(old, cur, idmap) {
        return;
    }
    __mark_reg_unknown(bpf_capable, cur);
}

/// `same_callsites()`.
pub fn same_callsites(a: &BpfVerifierState, b: &BpfVerifierState) -> bool {
    if a.curframe != b.curframe {
        return false;
    }
    (0..=a.curframe as usize).all(|i| a.frame[i].callsite == b.frame[i].callsite)
}

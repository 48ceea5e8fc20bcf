//! # bpf-verifier
//!
//! Mirrors `kernel/bpf/verifier.c` of Linux v6.18, with `kernel/bpf/tnum.c`
//! and `kernel/bpf/log.c`: [`bpf_check`] walks every path of a program,
//! proves each memory access, helper call and jump safe, and rewrites the
//! program for the runtime. The phases run in the kernel's order (see
//! `../shared/docs/LOAD_SEQUENCE.md` section 2); each function names the
//! kernel function it mirrors.
//!
//! Modules, by concern: [`tnum`] and [`bounds`] (what is known about a
//! value), [`state`] (register, stack and frame states), [`log`] (the
//! verifier log), [`cfg`] (subprograms and the control-flow graph),
//! [`check`] (the simulation loop, ALU and jumps), [`mem`] (memory
//! access), [`calls`] (helpers and bpf-to-bpf calls), [`states`]
//! (pruning), [`precision`], [`liveness`], [`fixups`] (the rewrites), and
//! [`ops`] (per program type).

#![warn(missing_docs)]

pub mod bounds;
pub mod calls;
pub mod cfg;
pub mod check;
pub mod ctxconv;
pub mod env;
pub mod fixups;
pub mod liveness;
pub mod log;
pub mod mem;
pub mod ops;
pub mod precision;
pub mod sanitize;
pub mod standalone;
pub mod state;
pub mod states;
pub mod tnum;

use bpf_core::errno::*;
use bpf_core::maps::BpfMap;
use bpf_core::prog::{bpf_prog_calc_tag, BpfProg};
use bpf_core::uaccess::UserMemory;
use bpf_core::uapi::*;
use bpf_core::Errno;
use env::{verbose, BpfVerifierEnv};
use log::{bpf_vlog_finalize, bpf_vlog_init, BPF_LOG_STATS};
use state::*;
use std::sync::Arc;
use std::time::Instant;

/// What `bpf_check` reaches outside the program: the calling task's memory
/// (log buffer, `fd_array`), its fd table (map fds of `ld_imm64`) and its
/// capabilities. `bpf-syscall` implements it for a task.
pub trait BpfVerifierIo {
    /// The caller's memory.
    fn user(&self) -> &dyn UserMemory;
    /// `__bpf_map_get(fdget(fd))`: the map behind `fd`, `EBADF` if none,
    /// `EINVAL` if `fd` is not a map.
    fn bpf_map_get(&self, fd: i32) -> Result<Arc<BpfMap>, Errno>;
    /// `bpf_capable()` of the loader (`CAP_BPF` or `CAP_SYS_ADMIN`).
    fn bpf_capable(&self) -> bool;
    /// `perfmon_capable()` of the loader (`CAP_PERFMON` or `CAP_SYS_ADMIN`).
    fn perfmon_capable(&self) -> bool;
    /// `capable(CAP_SYS_ADMIN)` of the loader. Defaults to
    /// [`BpfVerifierIo::perfmon_capable`] for implementations that do not
    /// tell them apart.
    fn sys_admin_capable(&self) -> bool {
        self.perfmon_capable()
    }
    /// `nr_cpu_ids` of the kernel the program loads into (the bound of
    /// `bpf_get_smp_processor_id()`'s result). Defaults to 1.
    fn nr_cpu_ids(&self) -> u32 {
        1
    }
}

/// `offsetof(union bpf_attr, log_true_size)` in `BPF_PROG_LOAD`'s attr (140).
const LOG_TRUE_SIZE_OFFSET: u64 = std::mem::offset_of!(BpfAttrProgLoad, log_true_size) as u64;

/// `bpf_opcode_in_insntable()` of `kernel/bpf/core.c`: the opcodes eBPF
/// defines.
pub fn bpf_opcode_in_insntable(code: u8) -> bool {
    let class = bpf_class(code);
    match class {
        BPF_ALU | BPF_ALU64 => {
            let op = bpf_op(code);
            match op {
                BPF_ADD | BPF_SUB | BPF_AND | BPF_OR | BPF_LSH | BPF_RSH | BPF_XOR | BPF_MUL | BPF_MOV
                | BPF_ARSH | BPF_DIV | BPF_MOD => true,
                BPF_NEG => bpf_src(code) == BPF_K,
                BPF_END => class == BPF_ALU || bpf_src(code) == BPF_TO_LE,
                _ => false,
            }
        }
        BPF_JMP | BPF_JMP32 => {
            let op = bpf_op(code);
            match op {
                BPF_JEQ | BPF_JNE | BPF_JGT | BPF_JLT | BPF_JGE | BPF_JLE | BPF_JSGT | BPF_JSLT
                | BPF_JSGE | BPF_JSLE | BPF_JSET => true,
                BPF_JA => bpf_src(code) == BPF_K,
                BPF_CALL | BPF_EXIT | BPF_JCOND => class == BPF_JMP && bpf_src(code) == BPF_K,
                _ => false,
            }
        }
        BPF_STX => matches!(bpf_mode(code), BPF_MEM | BPF_ATOMIC),
        BPF_ST => bpf_mode(code) == BPF_MEM,
        BPF_LDX => match bpf_mode(code) {
            BPF_MEM => true,
            BPF_MEMSX => bpf_size(code) != BPF_DW,
            _ => false,
        },
        BPF_LD => match bpf_mode(code) {
            BPF_IMM => bpf_size(code) == BPF_DW,
            BPF_ABS | BPF_IND => bpf_size(code) != BPF_DW,
            _ => false,
        },
        _ => false,
    }
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:__add_used_map()`.
    fn add_used_map(&mut self, map: Arc<BpfMap>) -> Result<u32, Errno> {
        if let Some(i) = self.used_maps.iter().position(|m| Arc::ptr_eq(m, &map)) {
            return Ok(i as u32);
        }
        if self.used_maps.len() >= MAX_USED_MAPS {
            verbose!(
                self,
                "The total number of maps per program has reached the limit of {}\n",
                MAX_USED_MAPS
            );
            return Err(E2BIG);
        }
        self.used_maps.push(map);
        Ok(self.used_maps.len() as u32 - 1)
    }

    /// Mirrors `kernel/bpf/verifier.c:process_fd_array()`: maps named by
    /// `fd_array` with `fd_array_cnt` are bound to the program up front.
    fn process_fd_array(&mut self, attr: &BpfAttrProgLoad) -> Result<(), Errno> {
        if attr.fd_array_cnt == 0 {
            return Ok(());
        }
        if attr.fd_array == 0 {
            verbose!(self, "fd_array_cnt is non-zero, but fd_array is NULL\n");
            return Err(EINVAL);
        }
        if attr.fd_array_cnt >= (u32::MAX / 4) {
            return Err(EINVAL);
        }
        for i in 0..u64::from(attr.fd_array_cnt) {
            let mut b = [0u8; 4];
            self.io.user().copy_from_user(&mut b, attr.fd_array + i * 4)?;
            let fd = i32::from_le_bytes(b);
            match self.io.bpf_map_get(fd) {
                Ok(map) => {
                    self.add_used_map(map)?;
                }
                Err(_) => {
                    verbose!(self, "fd {} is not pointing to valid bpf_map or btf\n", fd);
                    return Err(EINVAL);
                }
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:resolve_pseudo_ldimm64()`: computes
    /// the tag, refuses unknown opcodes, and turns map fds in `ld_imm64`
    /// into map pointers (`used_maps` holds a reference).
    fn resolve_pseudo_ldimm64(&mut self, fd_array: u64) -> Result<(), Errno> {
        bpf_prog_calc_tag(self.prog);
        let n = self.prog.insnsi.len();
        let mut i = 0;
        while i < n {
            let insn = self.prog.insnsi[i];
            if bpf_class(insn.code) == BPF_LDX
                && ((bpf_mode(insn.code) != BPF_MEM && bpf_mode(insn.code) != BPF_MEMSX) || insn.imm != 0)
            {
                verbose!(self, "BPF_LDX uses reserved fields\n");
                return Err(EINVAL);
            }
            if insn.is_ld_imm64() {
                let next = self.prog.insnsi.get(i + 1).copied();
                let Some(next) = next.filter(|n| n.code == 0 && n.regs == 0 && n.off == 0) else {
                    verbose!(self, "invalid bpf_ld_imm64 insn\n");
                    return Err(EINVAL);
                };
                let src = insn.src_reg();
                if src == 0 {
                    i += 2;
                    continue;
                }
                if src == BPF_PSEUDO_BTF_ID {
                    // check_pseudo_btf_id(): this model has no module BTF
                    // objects, and its vmlinux BTF describes no kernel
                    // variable or function a program could take the address
                    // of, so every id is refused as the kernel refuses a type
                    // of another kind.
                    if next.imm != 0 {
                        verbose!(self, "invalid module BTF object FD specified.\n");
                        return Err(EINVAL);
                    }
                    verbose!(self, "pseudo btf_id {} in ldimm64 isn't KIND_VAR or KIND_FUNC\n", insn.imm);
                    return Err(EINVAL);
                }
                if src == BPF_PSEUDO_FUNC {
                    self.insn_aux_data[i].ptr_type = PTR_TO_FUNC;
                    i += 2;
                    continue;
                }
                match src {
                    BPF_PSEUDO_MAP_VALUE | BPF_PSEUDO_MAP_IDX_VALUE => {}
                    BPF_PSEUDO_MAP_FD | BPF_PSEUDO_MAP_IDX if next.imm == 0 => {}
                    _ => {
                        verbose!(self, "unrecognized bpf_ld_imm64 insn\n");
                        return Err(EINVAL);
                    }
                }
                let fd = match src {
                    BPF_PSEUDO_MAP_IDX_VALUE | BPF_PSEUDO_MAP_IDX => {
                        if fd_array == 0 {
                            verbose!(self, "fd_idx without fd_array is invalid\n");
                            return Err(EPROTO);
                        }
                        let mut b = [0u8; 4];
                        let at = fd_array.wrapping_add((insn.imm as u32 as u64) * 4);
                        self.io.user().copy_from_user(&mut b, at).map_err(|_| EFAULT)?;
                        i32::from_le_bytes(b)
                    }
                    _ => insn.imm,
                };
                let map = match self.io.bpf_map_get(fd) {
                    Ok(m) => m,
                    Err(e) => {
                        verbose!(self, "fd {} is not pointing to valid bpf_map\n", fd);
                        return Err(e);
                    }
                };
                let map_idx = self.add_used_map(map.clone())?;
                self.insn_aux_data[i].map_index = map_idx;
                let addr: u64 = if src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_IDX {
                    Arc::as_ptr(&map) as usize as u64
                } else {
                    let off = next.imm as u32;
                    if i64::from(off) >= BPF_MAX_VAR_OFF {
                        verbose!(self, "direct value offset of {} is not allowed\n", off);
                        return Err(EINVAL);
                    }
                    match map.ops.map_direct_value_addr(off) {
                        Ok(a) => {
                            self.insn_aux_data[i].map_off = off;
                            a.wrapping_add(u64::from(off))
                        }
                        Err(e) if e == EOPNOTSUPP => {
                            verbose!(self, "no direct value access support for this map type\n");
                            return Err(EINVAL);
                        }
                        Err(e) => {
                            verbose!(
                                self,
                                "invalid access to map value pointer, value_size={} off={}\n",
                                map.value_size,
                                off
                            );
                            return Err(e);
                        }
                    }
                };
                self.prog.insnsi[i].imm = addr as u32 as i32;
                self.prog.insnsi[i + 1].imm = (addr >> 32) as u32 as i32;
                i += 2;
                continue;
            }
            if !bpf_opcode_in_insntable(insn.code) {
                verbose!(self, "unknown opcode {:02x}\n", insn.code);
                return Err(EINVAL);
            }
            i += 1;
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_abnormal_return()`.
    fn check_abnormal_return(&mut self) -> Result<(), Errno> {
        for i in 1..self.subprog_cnt {
            if self.subprog_info[i].has_ld_abs {
                verbose!(self, "LD_ABS is not allowed in subprogs without BTF\n");
                return Err(EINVAL);
            }
            if self.subprog_info[i].has_tail_call {
                verbose!(self, "tail_call is not allowed in subprogs without BTF\n");
                return Err(EINVAL);
            }
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:check_attach_btf_id()` for programs
    /// without an attach target: only some types may sleep.
    fn check_attach_btf_id(&mut self) -> Result<(), Errno> {
        if self.prog.sleepable {
            verbose!(
                self,
                "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable\n"
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:do_check_main()`.
    fn do_check_main(&mut self) -> Result<(), Errno> {
        self.insn_idx = 0;
        self.do_check_common(0)?;
        self.prog.aux.stack_depth = self.subprog_info[0].stack_depth;
        Ok(())
    }

    /// Mirrors `kernel/bpf/verifier.c:print_verification_stats()`.
    fn print_verification_stats(&mut self) {
        if self.log.level & BPF_LOG_STATS != 0 {
            verbose!(self, "verification time {} usec\n", self.verification_time / 1000);
            verbose!(self, "stack depth ");
            for i in 0..self.subprog_cnt {
                let d = self.subprog_info[i].stack_depth;
                verbose!(self, "{}", d);
                if i + 1 < self.subprog_cnt {
                    verbose!(self, "+");
                }
            }
            verbose!(self, "\n");
        }
        verbose!(
            self,
            "processed {} insns (limit {}) max_states_per_insn {} total_states {} peak_states {} mark_read {}\n",
            self.insn_processed,
            BPF_COMPLEXITY_LIMIT_INSNS,
            self.max_states_per_insn,
            self.total_states,
            self.peak_states,
            self.longest_mark_read_walk
        );
    }
}

/// Mirrors `kernel/bpf/verifier.c:bpf_check()` (v6.18).
///
/// Proves `prog` safe and rewrites it for the runtime. `uattr` is the user
/// address of the `union bpf_attr` (for `log_true_size`), `uattr_size` its
/// size. On success the program holds its maps in `aux.used_maps`, its
/// stack depth, and instructions ready for the interpreter or a JIT.
pub fn bpf_check(
    prog: &mut Box<BpfProg>,
    attr: &BpfAttrProgLoad,
    uattr: u64,
    uattr_size: u32,
    io: &dyn BpfVerifierIo,
) -> Result<(), Errno> {
    let start_time = Instant::now();
    let Some(ops) = ops::bpf_verifier_ops(prog.prog_type) else {
        return Err(EINVAL);
    };
    let user = io.user();
    // the log attributes must be sane before anything is logged
    let log = bpf_vlog_init(user, attr.log_level, attr.log_buf, attr.log_size)?;
    let len = prog.insnsi.len();
    let is_priv = io.bpf_capable();
    let perfmon = io.perfmon_capable();
    let mut env = BpfVerifierEnv {
        prog: prog.as_mut(),
        ops,
        io,
        log,
        insn_aux_data: (0..len)
            .map(|i| BpfInsnAuxData { orig_idx: i as u32, ..Default::default() })
            .collect(),
        subprog_info: Vec::new(),
        subprog_cnt: 0,
        used_maps: Vec::new(),
        cur_state: Box::new(env::empty_state()),
        head: Vec::new(),
        sl: Vec::new(),
        explored_states: vec![env::NO_STATE; len.max(1)],
        bucket_scratch: Vec::new(),
        free_list: Vec::new(),
        id_gen: 0,
        insn_idx: 0,
        prev_insn_idx: -1,
        insn_processed: 0,
        prev_insn_processed: 0,
        jmps_processed: 0,
        prev_jmps_processed: 0,
        max_states_per_insn: 0,
        total_states: 0,
        peak_states: 0,
        explored_states_size: 0,
        free_list_size: 0,
        num_backedges: 0,
        longest_mark_read_walk: 0,
        stack_size: 0,
        bpf_capable: is_priv,
        allow_ptr_leaks: perfmon,
        allow_uninit_stack: perfmon,
        bypass_spec_v1: perfmon,
        bypass_spec_v4: perfmon,
        explore_alu_limits: false,
        strict_alignment: false,
        test_state_freq: false,
        test_reg_invariants: false,
        scratched_regs: 0,
        scratched_stack_slots: 0,
        prev_log_pos: 0,
        prev_insn_print_pos: 0,
        seen_direct_write: false,
        fake_reg: [BpfRegState::default(); 2],
        pass_cnt: 0,
        verification_time: 0,
        insn_postorder: Vec::new(),
        postorder_start: Vec::new(),
        bt: precision::BacktrackState::default(),
        cur_hist_ent: None,
        scc_visits: Vec::new(),
        scratch_state: None,
        liveness: liveness::BpfLiveness::default(),
    };

    let mut ret = verify(&mut env, attr);
    ret = ret.and_then(|_| env.rewrite());

    env.verification_time = start_time.elapsed().as_nanos() as u64;
    env.print_verification_stats();
    env.prog.aux.verified_insns = env.insn_processed;

    // the original error wins unless the log itself failed
    let (log_true_size, fin) = bpf_vlog_finalize(&mut env.log);
    if let Err(e) = fin {
        ret = Err(e);
    }
    if u64::from(uattr_size) >= LOG_TRUE_SIZE_OFFSET + 4
        && user.copy_to_user(uattr + LOG_TRUE_SIZE_OFFSET, &log_true_size.to_le_bytes()).is_err()
    {
        ret = Err(EFAULT);
    }
    if ret.is_ok() {
        env.convert_pseudo_ld_imm64();
        env.prog.aux.used_maps = std::mem::take(&mut env.used_maps);
    }
    ret
}

/// The checking phases of `bpf_check()`, up to `skip_full_check`.
fn verify(env: &mut BpfVerifierEnv<'_>, attr: &BpfAttrProgLoad) -> Result<(), Errno> {
    if env.prog.insnsi.is_empty() {
        return Err(EINVAL);
    }
    env.process_fd_array(attr)?;
    env.mark_verifier_state_clean();
    let flags = BpfProgFlags::from_bits_retain(attr.prog_flags);
    env.strict_alignment = flags.contains(BpfProgFlags::BPF_F_STRICT_ALIGNMENT);
    if flags.contains(BpfProgFlags::BPF_F_ANY_ALIGNMENT) {
        env.strict_alignment = false;
    }
    if env.bpf_capable {
        env.test_state_freq = flags.contains(BpfProgFlags::BPF_F_TEST_STATE_FREQ);
    }
    env.test_reg_invariants = flags.contains(BpfProgFlags::BPF_F_TEST_REG_INVARIANTS);

    if attr.func_info_cnt != 0 || attr.line_info_cnt != 0 {
        // check_btf_info_early(): needs a BTF object this model cannot load
        return Err(EINVAL);
    }
    env.add_subprog_and_kfunc()?;
    env.check_subprogs()?;
    env.check_abnormal_return()?;
    env.resolve_pseudo_ldimm64(attr.fd_array)?;
    env.check_cfg()?;
    env.compute_postorder()?;
    env.check_attach_btf_id()?;
    env.compute_scc()?;
    env.compute_live_registers()?;
    env.do_check_main()?;
    Ok(())
}

impl<'a> BpfVerifierEnv<'a> {
    /// The passes after `skip_full_check` in `bpf_check()`, in order.
    fn rewrite(&mut self) -> Result<(), Errno> {
        self.check_max_stack_depth()?;
        if self.bpf_capable {
            self.opt_hard_wire_dead_code_branches();
            self.opt_remove_dead_code()?;
            self.opt_remove_nops()?;
        } else {
            self.sanitize_dead_code();
        }
        self.convert_ctx_accesses()?;
        self.do_misc_fixups()?;
        // 32-bit optimisation after the patching, so patched insns count
        self.opt_subreg_zext_lo32_rnd_hi32()?;
        self.fixup_call_args()?;
        Ok(())
    }

    /// `round_up_stack_depth()`: the JIT rounds frames to 16 bytes, the
    /// interpreter to 32.
    fn round_up_stack_depth(&self, depth: u32) -> u32 {
        if self.prog.jit_requested {
            depth.div_ceil(16) * 16
        } else {
            depth.max(1).div_ceil(32) * 32
        }
    }

    /// Mirrors `kernel/bpf/verifier.c:check_max_stack_depth()` (with
    /// `check_max_stack_depth_subprog()`): along every chain of
    /// bpf-to-bpf calls the frames must fit in 512 bytes; a tail call
    /// reachable through calls marks the callers.
    fn check_max_stack_depth(&mut self) -> Result<(), Errno> {
        let mut depth: u32 = 0;
        let mut frame: usize = 0;
        let mut tail_call_reachable = false;
        let mut ret_insn = [0usize; MAX_CALL_FRAMES];
        let mut ret_prog = [0usize; MAX_CALL_FRAMES];
        let mut idx = 0usize;
        let mut i = self.subprog_info[0].start as usize;
        'process_func: loop {
            if idx != 0 && self.subprog_info[idx].has_tail_call && depth >= 256 {
                verbose!(
                    self,
                    "tail_calls are not allowed when call stack of previous frames is {} bytes. Too large\n",
                    depth
                );
                return Err(EACCES);
            }
            depth += self.round_up_stack_depth(self.subprog_info[idx].stack_depth);
            if depth > MAX_BPF_STACK {
                verbose!(self, "combined stack size of {} calls is {}. Too large\n", frame + 1, depth);
                return Err(EACCES);
            }
            'continue_func: loop {
                let end = self.subprog_info[idx + 1].start as usize;
                while i < end {
                    let insn = self.prog.insnsi[i];
                    let pseudo_func = insn.is_ld_imm64() && insn.src_reg() == BPF_PSEUDO_FUNC;
                    if !insn.is_pseudo_call() && !pseudo_func {
                        i += 1;
                        continue;
                    }
                    ret_insn[frame] = i + 1;
                    ret_prog[frame] = idx;
                    let next = (i as i64 + i64::from(insn.imm) + 1) as u32;
                    let Some(sidx) = self.find_subprog(next) else {
                        verbose!(self, "verifier bug: callee not found at insn {}\n", next);
                        return Err(EFAULT);
                    };
                    i = next as usize;
                    idx = sidx;
                    if self.subprog_info[idx].has_tail_call {
                        tail_call_reachable = true;
                    }
                    frame += 1;
                    if frame >= MAX_CALL_FRAMES {
                        verbose!(self, "the call stack of {} frames is too deep !\n", frame);
                        return Err(E2BIG);
                    }
                    continue 'process_func;
                }
                if tail_call_reachable {
                    for &p in ret_prog.iter().take(frame) {
                        self.subprog_info[p].tail_call_reachable = true;
                    }
                }
                if self.subprog_info[0].tail_call_reachable {
                    self.prog.aux.tail_call_reachable = true;
                }
                if frame == 0 {
                    return Ok(());
                }
                depth -= self.round_up_stack_depth(self.subprog_info[idx].stack_depth);
                frame -= 1;
                i = ret_insn[frame];
                idx = ret_prog[frame];
                continue 'continue_func;
            }
        }
    }
}

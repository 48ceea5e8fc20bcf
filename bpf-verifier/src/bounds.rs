//! Scalar bounds of `kernel/bpf/verifier.c` (v6.18): the five views of a
//! register's value (`var_off` and signed/unsigned 64/32-bit ranges), how
//! each ALU op moves them, how they sharpen each other
//! (`reg_bounds_sync`), and what a conditional jump teaches about them
//! (`regs_refine_cond_op`, `is_scalar_branch_taken`).
//!
//! Everything here is a pure function of register states; the verifier
//! glue (ids, precision, logging) lives in the callers.

use crate::state::BpfRegState;
use crate::tnum::*;
use bpf_core::uapi::*;

/// Mirrors `kernel/bpf/verifier.c:___mark_reg_known()`.
pub fn ___mark_reg_known(reg: &mut BpfRegState, imm: u64) {
    reg.var_off = tnum_const(imm);
    reg.smin_value = imm as i64;
    reg.smax_value = imm as i64;
    reg.umin_value = imm;
    reg.umax_value = imm;
    reg.s32_min_value = imm as i32;
    reg.s32_max_value = imm as i32;
    reg.u32_min_value = imm as u32;
    reg.u32_max_value = imm as u32;
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg_known()`: the variable part
/// is exactly `imm`; `off`, the map/range union, `id` and `ref_obj_id`
/// are cleared.
pub fn __mark_reg_known(reg: &mut BpfRegState, imm: u64) {
    reg.off = 0;
    reg.range = 0;
    reg.map_idx = crate::state::NO_MAP;
    reg.map_uid = 0;
    reg.mem_size = 0;
    reg.id = 0;
    reg.ref_obj_id = 0;
    ___mark_reg_known(reg, imm);
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg32_known()`.
pub fn __mark_reg32_known(reg: &mut BpfRegState, imm: u64) {
    reg.var_off = tnum_const_subreg(reg.var_off, imm as u32);
    reg.s32_min_value = imm as i32;
    reg.s32_max_value = imm as i32;
    reg.u32_min_value = imm as u32;
    reg.u32_max_value = imm as u32;
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg_unbounded()`.
pub fn __mark_reg_unbounded(reg: &mut BpfRegState) {
    __mark_reg64_unbounded(reg);
    __mark_reg32_unbounded(reg);
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg64_unbounded()`.
pub fn __mark_reg64_unbounded(reg: &mut BpfRegState) {
    reg.smin_value = i64::MIN;
    reg.smax_value = i64::MAX;
    reg.umin_value = 0;
    reg.umax_value = u64::MAX;
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg32_unbounded()`.
pub fn __mark_reg32_unbounded(reg: &mut BpfRegState) {
    reg.s32_min_value = i32::MIN;
    reg.s32_max_value = i32::MAX;
    reg.u32_min_value = 0;
    reg.u32_max_value = u32::MAX;
}

/// Mirrors `kernel/bpf/verifier.c:__mark_reg_unknown_imprecise()`.
pub fn __mark_reg_unknown_imprecise(reg: &mut BpfRegState) {
    reg.type_ = crate::state::SCALAR_VALUE;
    reg.off = 0;
    reg.range = 0;
    reg.map_idx = crate::state::NO_MAP;
    reg.map_uid = 0;
    reg.mem_size = 0;
    reg.id = 0;
    reg.ref_obj_id = 0;
    reg.var_off = TNUM_UNKNOWN;
    reg.frameno = 0;
    reg.precise = false;
    __mark_reg_unbounded(reg);
}

/// Mirrors `kernel/bpf/verifier.c:__update_reg32_bounds()`: what the
/// known bits of the low half say about its ranges.
pub fn __update_reg32_bounds(reg: &mut BpfRegState) {
    let v = tnum_subreg(reg.var_off);
    let (value, mask) = (v.value as u32, v.mask as u32);
    reg.s32_min_value = reg.s32_min_value.max((value | (mask & 0x8000_0000)) as i32);
    reg.s32_max_value = reg.s32_max_value.min((value | (mask & 0x7fff_ffff)) as i32);
    reg.u32_min_value = reg.u32_min_value.max(value);
    reg.u32_max_value = reg.u32_max_value.min(value | mask);
}

/// Mirrors `kernel/bpf/verifier.c:__update_reg64_bounds()`.
pub fn __update_reg64_bounds(reg: &mut BpfRegState) {
    let v = reg.var_off;
    reg.smin_value = reg.smin_value.max((v.value | (v.mask & (1 << 63))) as i64);
    reg.smax_value = reg.smax_value.min((v.value | (v.mask & !(1u64 << 63))) as i64);
    reg.umin_value = reg.umin_value.max(v.value);
    reg.umax_value = reg.umax_value.min(v.value | v.mask);

    // does the u64 range meet the tnum in a single value?
    let tmax = v.value | v.mask;
    let next = tnum_step(v, reg.umin_value);
    let umin_in_tnum = reg.umin_value & !v.mask == v.value;
    if umin_in_tnum && next > reg.umax_value {
        // only at umin
        ___mark_reg_known(reg, reg.umin_value);
    } else if !umin_in_tnum && next == tmax {
        // only at the tnum's largest member
        ___mark_reg_known(reg, tmax);
    } else if !umin_in_tnum && next <= reg.umax_value && tnum_step(v, next) > reg.umax_value {
        // only at the first member past umin
        ___mark_reg_known(reg, next);
    }
}

/// Mirrors `kernel/bpf/verifier.c:__update_reg_bounds()`.
pub fn __update_reg_bounds(reg: &mut BpfRegState) {
    __update_reg32_bounds(reg);
    __update_reg64_bounds(reg);
}

/// Mirrors `kernel/bpf/verifier.c:__reg32_deduce_bounds()`: sharpen the
/// 32-bit ranges from the 64-bit ones and from each other.
pub fn __reg32_deduce_bounds(reg: &mut BpfRegState) {
    // the low halves of a 64-bit range whose upper halves agree form a range
    if reg.umin_value >> 32 == reg.umax_value >> 32 {
        reg.u32_min_value = reg.u32_min_value.max(reg.umin_value as u32);
        reg.u32_max_value = reg.u32_max_value.min(reg.umax_value as u32);
        if (reg.umin_value as i32) <= (reg.umax_value as i32) {
            reg.s32_min_value = reg.s32_min_value.max(reg.umin_value as i32);
            reg.s32_max_value = reg.s32_max_value.min(reg.umax_value as i32);
        }
    }
    if reg.smin_value >> 32 == reg.smax_value >> 32 {
        if (reg.smin_value as u32) <= (reg.smax_value as u32) {
            reg.u32_min_value = reg.u32_min_value.max(reg.smin_value as u32);
            reg.u32_max_value = reg.u32_max_value.min(reg.smax_value as u32);
        }
        if (reg.smin_value as i32) <= (reg.smax_value as i32) {
            reg.s32_min_value = reg.s32_min_value.max(reg.smin_value as i32);
            reg.s32_max_value = reg.s32_max_value.min(reg.smax_value as i32);
        }
    }
    // upper halves are two consecutive numbers and the low halves go from
    // negative to positive: still a valid s32 range
    if ((reg.umin_value >> 32) as u32).wrapping_add(1) == (reg.umax_value >> 32) as u32
        && (reg.umin_value as i32) < 0
        && (reg.umax_value as i32) >= 0
    {
        reg.s32_min_value = reg.s32_min_value.max(reg.umin_value as i32);
        reg.s32_max_value = reg.s32_max_value.min(reg.umax_value as i32);
    }
    if ((reg.smin_value >> 32) as u32).wrapping_add(1) == (reg.smax_value >> 32) as u32
        && (reg.smin_value as i32) < 0
        && (reg.smax_value as i32) >= 0
    {
        reg.s32_min_value = reg.s32_min_value.max(reg.smin_value as i32);
        reg.s32_max_value = reg.s32_max_value.min(reg.smax_value as i32);
    }
    // a u32 range that does not cross the sign bit is an s32 range
    if (reg.u32_min_value as i32) <= (reg.u32_max_value as i32) {
        reg.s32_min_value = reg.s32_min_value.max(reg.u32_min_value as i32);
        reg.s32_max_value = reg.s32_max_value.min(reg.u32_max_value as i32);
    }
    // and an s32 range that does not cross it is a u32 range
    if (reg.s32_min_value as u32) <= (reg.s32_max_value as u32) {
        reg.u32_min_value = reg.u32_min_value.max(reg.s32_min_value as u32);
        reg.u32_max_value = reg.u32_max_value.min(reg.s32_max_value as u32);
    } else {
        // the s32 range wraps around the u32 domain's ends; a u32 range
        // touching only one end of it sharpens both (as in 64 bits)
        if reg.u32_max_value < reg.s32_min_value as u32 {
            reg.s32_min_value = reg.u32_min_value as i32;
            reg.u32_max_value = reg.u32_max_value.min(reg.s32_max_value as u32);
        } else if (reg.s32_max_value as u32) < reg.u32_min_value {
            reg.s32_max_value = reg.u32_max_value as i32;
            reg.u32_min_value = reg.u32_min_value.max(reg.s32_min_value as u32);
        }
    }
}

/// Mirrors `kernel/bpf/verifier.c:__reg64_deduce_bounds()`.
pub fn __reg64_deduce_bounds(reg: &mut BpfRegState) {
    if (reg.umin_value as i64) <= (reg.umax_value as i64) {
        reg.smin_value = reg.smin_value.max(reg.umin_value as i64);
        reg.smax_value = reg.smax_value.min(reg.umax_value as i64);
    }
    if (reg.smin_value as u64) <= (reg.smax_value as u64) {
        reg.umin_value = reg.umin_value.max(reg.smin_value as u64);
        reg.umax_value = reg.umax_value.min(reg.smax_value as u64);
    } else {
        // The s64 range wraps around the u64 domain's ends; a u64 range
        // touching only one end of it sharpens both.
        if reg.umax_value < reg.smin_value as u64 {
            reg.smin_value = reg.umin_value as i64;
            reg.umax_value = reg.umax_value.min(reg.smax_value as u64);
        } else if (reg.smax_value as u64) < reg.umin_value {
            reg.smax_value = reg.umax_value as i64;
            reg.umin_value = reg.umin_value.max(reg.smin_value as u64);
        }
    }
}

/// Mirrors `kernel/bpf/verifier.c:__reg_deduce_mixed_bounds()`: 64-bit
/// ranges from the 32-bit ones.
pub fn __reg_deduce_mixed_bounds(reg: &mut BpfRegState) {
    let new_umin = (reg.umin_value & !0xffff_ffff) | u64::from(reg.u32_min_value);
    let new_umax = (reg.umax_value & !0xffff_ffff) | u64::from(reg.u32_max_value);
    reg.umin_value = reg.umin_value.max(new_umin);
    reg.umax_value = reg.umax_value.min(new_umax);
    let new_smin = ((reg.smin_value as u64 & !0xffff_ffff) | u64::from(reg.u32_min_value)) as i64;
    let new_smax = ((reg.smax_value as u64 & !0xffff_ffff) | u64::from(reg.u32_max_value)) as i64;
    reg.smin_value = reg.smin_value.max(new_smin);
    reg.smax_value = reg.smax_value.min(new_smax);

    // after a sign-extending load: upper bits all zeros or all ones, and a
    // non-negative low half excludes the all-ones case
    if reg.s32_min_value >= 0
        && reg.smin_value >= i64::from(i32::MIN)
        && reg.smax_value <= i64::from(i32::MAX)
    {
        reg.smin_value = i64::from(reg.s32_min_value);
        reg.smax_value = i64::from(reg.s32_max_value);
        reg.umin_value = reg.s32_min_value as u64;
        reg.umax_value = reg.s32_max_value as u64;
        reg.var_off = tnum_intersect(reg.var_off, tnum_range(reg.smin_value as u64, reg.smax_value as u64));
    }
}

/// Mirrors `kernel/bpf/verifier.c:__reg_deduce_bounds()`.
pub fn __reg_deduce_bounds(reg: &mut BpfRegState) {
    __reg32_deduce_bounds(reg);
    __reg64_deduce_bounds(reg);
    __reg_deduce_mixed_bounds(reg);
}

/// Mirrors `kernel/bpf/verifier.c:__reg_bound_offset()`: known bits from
/// the unsigned ranges.
pub fn __reg_bound_offset(reg: &mut BpfRegState) {
    let var64_off = tnum_intersect(reg.var_off, tnum_range(reg.umin_value, reg.umax_value));
    let var32_off = tnum_intersect(
        tnum_subreg(var64_off),
        tnum_range(u64::from(reg.u32_min_value), u64::from(reg.u32_max_value)),
    );
    reg.var_off = tnum_or(tnum_clear_subreg(var64_off), var32_off);
}

/// Mirrors `kernel/bpf/verifier.c:reg_bounds_sync()`: let every view of
/// the value sharpen the others.
pub fn reg_bounds_sync(reg: &mut BpfRegState) {
    __update_reg_bounds(reg);
    __reg_deduce_bounds(reg);
    __reg_deduce_bounds(reg);
    __reg_bound_offset(reg);
    __update_reg_bounds(reg);
}

/// `__reg32_bound_s64()`.
fn __reg32_bound_s64(a: i32) -> bool {
    a >= 0
}

/// Mirrors `kernel/bpf/verifier.c:__reg_assign_32_into_64()`.
pub fn __reg_assign_32_into_64(reg: &mut BpfRegState) {
    reg.umin_value = u64::from(reg.u32_min_value);
    reg.umax_value = u64::from(reg.u32_max_value);
    if __reg32_bound_s64(reg.s32_min_value) && __reg32_bound_s64(reg.s32_max_value) {
        reg.smin_value = i64::from(reg.s32_min_value);
        reg.smax_value = i64::from(reg.s32_max_value);
    } else {
        reg.smin_value = 0;
        reg.smax_value = i64::from(u32::MAX);
    }
}

/// Mirrors `kernel/bpf/verifier.c:zext_32_to_64()`: a 32-bit result is
/// zero-extended into the register.
pub fn zext_32_to_64(reg: &mut BpfRegState) {
    reg.var_off = tnum_subreg(reg.var_off);
    __reg_assign_32_into_64(reg);
}

/// Mirrors `kernel/bpf/verifier.c:__reg_combine_64_into_32()`.
pub fn __reg_combine_64_into_32(reg: &mut BpfRegState) {
    __mark_reg32_unbounded(reg);
    if reg.smin_value >= i64::from(i32::MIN)
        && reg.smin_value <= i64::from(i32::MAX)
        && reg.smax_value >= i64::from(i32::MIN)
        && reg.smax_value <= i64::from(i32::MAX)
    {
        reg.s32_min_value = reg.smin_value as i32;
        reg.s32_max_value = reg.smax_value as i32;
    }
    if reg.umin_value <= u64::from(u32::MAX) && reg.umax_value <= u64::from(u32::MAX) {
        reg.u32_min_value = reg.umin_value as u32;
        reg.u32_max_value = reg.umax_value as u32;
    }
    reg_bounds_sync(reg);
}

/// Mirrors `kernel/bpf/verifier.c:coerce_reg_to_size()`: a load of `size`
/// bytes (< 8) zero-extends.
pub fn coerce_reg_to_size(reg: &mut BpfRegState, size: u32) {
    reg.var_off = tnum_cast(reg.var_off, size as u8);
    let mask = (1u64 << (size * 8)) - 1;
    if reg.umin_value & !mask == reg.umax_value & !mask {
        reg.umin_value &= mask;
        reg.umax_value &= mask;
    } else {
        reg.umin_value = 0;
        reg.umax_value = mask;
    }
    reg.smin_value = reg.umin_value as i64;
    reg.smax_value = reg.umax_value as i64;
    if size < 4 {
        __mark_reg32_unbounded(reg);
    }
    reg_bounds_sync(reg);
}

fn sext(v: u64, size: u32) -> i64 {
    match size {
        1 => v as i8 as i64,
        2 => v as i16 as i64,
        _ => v as i32 as i64,
    }
}

/// Mirrors `kernel/bpf/verifier.c:set_sext64_default_val()`.
fn set_sext64_default_val(reg: &mut BpfRegState, size: u32) {
    let (min, max) = match size {
        1 => (i8::MIN as i32, i8::MAX as i32),
        2 => (i16::MIN as i32, i16::MAX as i32),
        _ => (i32::MIN, i32::MAX),
    };
    reg.smin_value = i64::from(min);
    reg.s32_min_value = min;
    reg.smax_value = i64::from(max);
    reg.s32_max_value = max;
    reg.umin_value = 0;
    reg.u32_min_value = 0;
    reg.umax_value = u64::MAX;
    reg.u32_max_value = u32::MAX;
    reg.var_off = TNUM_UNKNOWN;
}

/// Mirrors `kernel/bpf/verifier.c:coerce_reg_to_size_sx()`: sign-extend
/// the low `size` bytes into 64 bits.
pub fn coerce_reg_to_size_sx(reg: &mut BpfRegState, size: u32) {
    let num_bits = size * 8;
    if reg.var_off.is_const() {
        let c = sext(reg.var_off.value, size) as u64;
        reg.var_off = tnum_const(c);
        reg.smax_value = c as i64;
        reg.smin_value = c as i64;
        reg.umax_value = c;
        reg.umin_value = c;
        reg.s32_max_value = c as i32;
        reg.s32_min_value = c as i32;
        reg.u32_max_value = c as u32;
        reg.u32_min_value = c as u32;
        return;
    }
    // the low 32 bits already hold a sign-extended value of that size:
    // they stay as they are, and the 64-bit value is their sign extension
    let (lo, hi) = (-(1i64 << (num_bits - 1)), (1i64 << (num_bits - 1)) - 1);
    if i64::from(reg.s32_min_value) >= lo && i64::from(reg.s32_max_value) <= hi {
        reg.var_off = tnum_range(i64::from(reg.s32_min_value) as u64, i64::from(reg.s32_max_value) as u64);
        reg.smin_value = i64::from(reg.s32_min_value);
        reg.smax_value = i64::from(reg.s32_max_value);
        reg.umin_value = 0;
        reg.umax_value = u64::MAX;
        reg_bounds_sync(reg);
        return;
    }
    let top_smax = ((reg.smax_value as u64) >> num_bits) << num_bits;
    let top_smin = ((reg.smin_value as u64) >> num_bits) << num_bits;
    if top_smax == top_smin {
        let init_max = sext(reg.smax_value as u64, size);
        let init_min = sext(reg.smin_value as u64, size);
        let s64_max = init_max.max(init_min);
        let s64_min = init_max.min(init_min);
        if (s64_max >= 0) == (s64_min >= 0) {
            reg.smin_value = s64_min;
            reg.s32_min_value = s64_min as i32;
            reg.smax_value = s64_max;
            reg.s32_max_value = s64_max as i32;
            reg.umin_value = s64_min as u64;
            reg.u32_min_value = s64_min as u32;
            reg.umax_value = s64_max as u64;
            reg.u32_max_value = s64_max as u32;
            reg.var_off = tnum_range(s64_min as u64, s64_max as u64);
            return;
        }
    }
    set_sext64_default_val(reg, size);
}

/// Mirrors `kernel/bpf/verifier.c:set_sext32_default_val()`.
fn set_sext32_default_val(reg: &mut BpfRegState, size: u32) {
    if size == 1 {
        reg.s32_min_value = i32::from(i8::MIN);
        reg.s32_max_value = i32::from(i8::MAX);
    } else {
        reg.s32_min_value = i32::from(i16::MIN);
        reg.s32_max_value = i32::from(i16::MAX);
    }
    reg.u32_min_value = 0;
    reg.u32_max_value = u32::MAX;
    reg.var_off = tnum_subreg(TNUM_UNKNOWN);
}

/// Mirrors `kernel/bpf/verifier.c:coerce_subreg_to_size_sx()`: sign-extend
/// the low `size` bytes into the low 32 bits.
pub fn coerce_subreg_to_size_sx(reg: &mut BpfRegState, size: u32) {
    let num_bits = size * 8;
    if reg.var_off.is_const() {
        let c = sext(u64::from(reg.var_off.value as u32), size);
        reg.var_off = tnum_const(c as u64);
        reg.s32_min_value = c as i32;
        reg.s32_max_value = c as i32;
        reg.u32_min_value = c as u32;
        reg.u32_max_value = c as u32;
        return;
    }
    let top_smax = ((reg.s32_max_value as u32) >> num_bits) << num_bits;
    let top_smin = ((reg.s32_min_value as u32) >> num_bits) << num_bits;
    if top_smax == top_smin {
        let init_max = sext(reg.s32_max_value as u32 as u64, size) as i32;
        let init_min = sext(reg.s32_min_value as u32 as u64, size) as i32;
        let s32_max = init_max.max(init_min);
        let s32_min = init_max.min(init_min);
        if (s32_min >= 0) == (s32_max >= 0) {
            reg.s32_min_value = s32_min;
            reg.s32_max_value = s32_max;
            reg.u32_min_value = s32_min as u32;
            reg.u32_max_value = s32_max as u32;
            reg.var_off = tnum_subreg(tnum_range(s32_min as i64 as u64, s32_max as i64 as u64));
            return;
        }
    }
    set_sext32_default_val(reg, size);
}

// ---- ALU ops on bounds (adjust_scalar_min_max_vals and helpers) ----

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_add()`.
pub fn scalar32_min_max_add(dst: &mut BpfRegState, src: &BpfRegState) {
    match (dst.s32_min_value.checked_add(src.s32_min_value), dst.s32_max_value.checked_add(src.s32_max_value))
    {
        (Some(a), Some(b)) => {
            dst.s32_min_value = a;
            dst.s32_max_value = b;
        }
        _ => {
            dst.s32_min_value = i32::MIN;
            dst.s32_max_value = i32::MAX;
        }
    }
    let (umin, min_of) = dst.u32_min_value.overflowing_add(src.u32_min_value);
    let (umax, max_of) = dst.u32_max_value.overflowing_add(src.u32_max_value);
    dst.u32_min_value = umin;
    dst.u32_max_value = umax;
    // all additions overflow or none do: the wrapped bounds stay ordered
    if !min_of && max_of {
        dst.u32_min_value = 0;
        dst.u32_max_value = u32::MAX;
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_add()`.
pub fn scalar_min_max_add(dst: &mut BpfRegState, src: &BpfRegState) {
    match (dst.smin_value.checked_add(src.smin_value), dst.smax_value.checked_add(src.smax_value)) {
        (Some(a), Some(b)) => {
            dst.smin_value = a;
            dst.smax_value = b;
        }
        _ => {
            dst.smin_value = i64::MIN;
            dst.smax_value = i64::MAX;
        }
    }
    let (umin, min_of) = dst.umin_value.overflowing_add(src.umin_value);
    let (umax, max_of) = dst.umax_value.overflowing_add(src.umax_value);
    dst.umin_value = umin;
    dst.umax_value = umax;
    if !min_of && max_of {
        dst.umin_value = 0;
        dst.umax_value = u64::MAX;
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_sub()`.
pub fn scalar32_min_max_sub(dst: &mut BpfRegState, src: &BpfRegState) {
    match (dst.s32_min_value.checked_sub(src.s32_max_value), dst.s32_max_value.checked_sub(src.s32_min_value))
    {
        (Some(a), Some(b)) => {
            dst.s32_min_value = a;
            dst.s32_max_value = b;
        }
        _ => {
            dst.s32_min_value = i32::MIN;
            dst.s32_max_value = i32::MAX;
        }
    }
    let (umin, min_uf) = dst.u32_min_value.overflowing_sub(src.u32_max_value);
    let (umax, max_uf) = dst.u32_max_value.overflowing_sub(src.u32_min_value);
    dst.u32_min_value = umin;
    dst.u32_max_value = umax;
    if min_uf && !max_uf {
        dst.u32_min_value = 0;
        dst.u32_max_value = u32::MAX;
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_sub()`.
pub fn scalar_min_max_sub(dst: &mut BpfRegState, src: &BpfRegState) {
    match (dst.smin_value.checked_sub(src.smax_value), dst.smax_value.checked_sub(src.smin_value)) {
        (Some(a), Some(b)) => {
            dst.smin_value = a;
            dst.smax_value = b;
        }
        _ => {
            dst.smin_value = i64::MIN;
            dst.smax_value = i64::MAX;
        }
    }
    let (umin, min_uf) = dst.umin_value.overflowing_sub(src.umax_value);
    let (umax, max_uf) = dst.umax_value.overflowing_sub(src.umin_value);
    dst.umin_value = umin;
    dst.umax_value = umax;
    if min_uf && !max_uf {
        dst.umin_value = 0;
        dst.umax_value = u64::MAX;
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_mul()`.
pub fn scalar32_min_max_mul(dst: &mut BpfRegState, src: &BpfRegState) {
    match (dst.u32_max_value.checked_mul(src.u32_max_value), dst.u32_min_value.checked_mul(src.u32_min_value))
    {
        (Some(hi), Some(lo)) => {
            dst.u32_max_value = hi;
            dst.u32_min_value = lo;
        }
        _ => {
            dst.u32_min_value = 0;
            dst.u32_max_value = u32::MAX;
        }
    }
    let p = [
        dst.s32_min_value.checked_mul(src.s32_min_value),
        dst.s32_min_value.checked_mul(src.s32_max_value),
        dst.s32_max_value.checked_mul(src.s32_min_value),
        dst.s32_max_value.checked_mul(src.s32_max_value),
    ];
    if p.iter().any(Option::is_none) {
        dst.s32_min_value = i32::MIN;
        dst.s32_max_value = i32::MAX;
    } else {
        let p = p.map(Option::unwrap);
        dst.s32_min_value = *p.iter().min().expect("4 products");
        dst.s32_max_value = *p.iter().max().expect("4 products");
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_mul()`.
pub fn scalar_min_max_mul(dst: &mut BpfRegState, src: &BpfRegState) {
    match (dst.umax_value.checked_mul(src.umax_value), dst.umin_value.checked_mul(src.umin_value)) {
        (Some(hi), Some(lo)) => {
            dst.umax_value = hi;
            dst.umin_value = lo;
        }
        _ => {
            dst.umin_value = 0;
            dst.umax_value = u64::MAX;
        }
    }
    let p = [
        dst.smin_value.checked_mul(src.smin_value),
        dst.smin_value.checked_mul(src.smax_value),
        dst.smax_value.checked_mul(src.smin_value),
        dst.smax_value.checked_mul(src.smax_value),
    ];
    if p.iter().any(Option::is_none) {
        dst.smin_value = i64::MIN;
        dst.smax_value = i64::MAX;
    } else {
        let p = p.map(Option::unwrap);
        dst.smin_value = *p.iter().min().expect("4 products");
        dst.smax_value = *p.iter().max().expect("4 products");
    }
}

/// `tnum_subreg_is_const()`.
pub fn tnum_subreg_is_const(t: Tnum) -> bool {
    tnum_subreg(t).is_const()
}

fn s32_from_u32_range(dst: &mut BpfRegState) {
    if (dst.u32_min_value as i32) <= (dst.u32_max_value as i32) {
        dst.s32_min_value = dst.u32_min_value as i32;
        dst.s32_max_value = dst.u32_max_value as i32;
    } else {
        dst.s32_min_value = i32::MIN;
        dst.s32_max_value = i32::MAX;
    }
}

fn s64_from_u64_range(dst: &mut BpfRegState) {
    if (dst.umin_value as i64) <= (dst.umax_value as i64) {
        dst.smin_value = dst.umin_value as i64;
        dst.smax_value = dst.umax_value as i64;
    } else {
        dst.smin_value = i64::MIN;
        dst.smax_value = i64::MAX;
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_and()` (`var_off`
/// already holds the result).
pub fn scalar32_min_max_and(dst: &mut BpfRegState, src: &BpfRegState) {
    let src_known = tnum_subreg_is_const(src.var_off);
    let dst_known = tnum_subreg_is_const(dst.var_off);
    let var32_off = tnum_subreg(dst.var_off);
    if src_known && dst_known {
        __mark_reg32_known(dst, var32_off.value);
        return;
    }
    dst.u32_min_value = var32_off.value as u32;
    dst.u32_max_value = dst.u32_max_value.min(src.u32_max_value);
    s32_from_u32_range(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_and()`.
pub fn scalar_min_max_and(dst: &mut BpfRegState, src: &BpfRegState) {
    if src.var_off.is_const() && dst.var_off.is_const() {
        let v = dst.var_off.value;
        __mark_reg_known(dst, v);
        return;
    }
    dst.umin_value = dst.var_off.value;
    dst.umax_value = dst.umax_value.min(src.umax_value);
    s64_from_u64_range(dst);
    __update_reg_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_or()`.
pub fn scalar32_min_max_or(dst: &mut BpfRegState, src: &BpfRegState) {
    let src_known = tnum_subreg_is_const(src.var_off);
    let dst_known = tnum_subreg_is_const(dst.var_off);
    let var32_off = tnum_subreg(dst.var_off);
    if src_known && dst_known {
        __mark_reg32_known(dst, var32_off.value);
        return;
    }
    dst.u32_min_value = dst.u32_min_value.max(src.u32_min_value);
    dst.u32_max_value = (var32_off.value | var32_off.mask) as u32;
    s32_from_u32_range(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_or()`.
pub fn scalar_min_max_or(dst: &mut BpfRegState, src: &BpfRegState) {
    if src.var_off.is_const() && dst.var_off.is_const() {
        let v = dst.var_off.value;
        __mark_reg_known(dst, v);
        return;
    }
    dst.umin_value = dst.umin_value.max(src.umin_value);
    dst.umax_value = dst.var_off.value | dst.var_off.mask;
    s64_from_u64_range(dst);
    __update_reg_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_xor()`.
pub fn scalar32_min_max_xor(dst: &mut BpfRegState, src: &BpfRegState) {
    let src_known = tnum_subreg_is_const(src.var_off);
    let dst_known = tnum_subreg_is_const(dst.var_off);
    let var32_off = tnum_subreg(dst.var_off);
    if src_known && dst_known {
        __mark_reg32_known(dst, var32_off.value);
        return;
    }
    dst.u32_min_value = var32_off.value as u32;
    dst.u32_max_value = (var32_off.value | var32_off.mask) as u32;
    s32_from_u32_range(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_xor()`.
pub fn scalar_min_max_xor(dst: &mut BpfRegState, src: &BpfRegState) {
    if src.var_off.is_const() && dst.var_off.is_const() {
        let v = dst.var_off.value;
        __mark_reg_known(dst, v);
        return;
    }
    dst.umin_value = dst.var_off.value;
    dst.umax_value = dst.var_off.value | dst.var_off.mask;
    s64_from_u64_range(dst);
    __update_reg_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:__scalar32_min_max_lsh()`.
fn __scalar32_min_max_lsh(dst: &mut BpfRegState, umin_val: u64, umax_val: u64) {
    dst.s32_min_value = i32::MIN;
    dst.s32_max_value = i32::MAX;
    // shifting the top bit out: nothing known
    if umax_val > 31 || u64::from(dst.u32_max_value) > 1u64 << (31 - umax_val) {
        dst.u32_min_value = 0;
        dst.u32_max_value = u32::MAX;
    } else {
        dst.u32_min_value <<= umin_val;
        dst.u32_max_value <<= umax_val;
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_lsh()`.
pub fn scalar32_min_max_lsh(dst: &mut BpfRegState, src: &BpfRegState) {
    let umax_val = u64::from(src.u32_max_value);
    let umin_val = u64::from(src.u32_min_value);
    let subreg = tnum_subreg(dst.var_off);
    __scalar32_min_max_lsh(dst, umin_val, umax_val);
    dst.var_off = tnum_subreg(tnum_lshift(subreg, umin_val as u8));
    __mark_reg64_unbounded(dst);
    __update_reg32_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:__scalar64_min_max_lsh()`.
fn __scalar64_min_max_lsh(dst: &mut BpfRegState, umin_val: u64, umax_val: u64) {
    // <<32 of a non-negative subreg (the sign-extension idiom) keeps signs
    dst.smax_value = if umin_val == 32 && umax_val == 32 && dst.s32_max_value >= 0 {
        i64::from(dst.s32_max_value) << 32
    } else {
        i64::MAX
    };
    dst.smin_value = if umin_val == 32 && umax_val == 32 && dst.s32_min_value >= 0 {
        i64::from(dst.s32_min_value) << 32
    } else {
        i64::MIN
    };
    if dst.umax_value > 1u64 << (63 - umax_val) {
        dst.umin_value = 0;
        dst.umax_value = u64::MAX;
    } else {
        dst.umin_value <<= umin_val;
        dst.umax_value <<= umax_val;
    }
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_lsh()`.
pub fn scalar_min_max_lsh(dst: &mut BpfRegState, src: &BpfRegState) {
    let umax_val = src.umax_value;
    let umin_val = src.umin_value;
    // the 64-bit part reads the unshifted 32-bit bounds: it goes first
    __scalar64_min_max_lsh(dst, umin_val, umax_val);
    __scalar32_min_max_lsh(dst, umin_val, umax_val);
    dst.var_off = tnum_lshift(dst.var_off, umin_val as u8);
    __update_reg_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_rsh()`.
pub fn scalar32_min_max_rsh(dst: &mut BpfRegState, src: &BpfRegState) {
    let subreg = tnum_subreg(dst.var_off);
    let umax_val = src.u32_max_value;
    let umin_val = src.u32_min_value;
    dst.s32_min_value = i32::MIN;
    dst.s32_max_value = i32::MAX;
    dst.var_off = tnum_rshift(subreg, umin_val as u8);
    dst.u32_min_value = dst.u32_min_value.checked_shr(umax_val).unwrap_or(0);
    dst.u32_max_value = dst.u32_max_value.checked_shr(umin_val).unwrap_or(0);
    __mark_reg64_unbounded(dst);
    __update_reg32_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_rsh()`.
pub fn scalar_min_max_rsh(dst: &mut BpfRegState, src: &BpfRegState) {
    let umax_val = src.umax_value;
    let umin_val = src.umin_value;
    dst.smin_value = i64::MIN;
    dst.smax_value = i64::MAX;
    dst.var_off = tnum_rshift(dst.var_off, umin_val as u8);
    dst.umin_value = dst.umin_value.checked_shr(umax_val as u32).unwrap_or(0);
    dst.umax_value = dst.umax_value.checked_shr(umin_val as u32).unwrap_or(0);
    __mark_reg32_unbounded(dst);
    __update_reg_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar32_min_max_arsh()` (the shift is
/// a known constant here).
pub fn scalar32_min_max_arsh(dst: &mut BpfRegState, src: &BpfRegState) {
    let umin_val = src.u32_min_value;
    dst.s32_min_value = dst.s32_min_value.wrapping_shr(umin_val);
    dst.s32_max_value = dst.s32_max_value.wrapping_shr(umin_val);
    dst.var_off = tnum_arshift(tnum_subreg(dst.var_off), umin_val as u8, 32);
    dst.u32_min_value = 0;
    dst.u32_max_value = u32::MAX;
    __mark_reg64_unbounded(dst);
    __update_reg32_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:scalar_min_max_arsh()`.
pub fn scalar_min_max_arsh(dst: &mut BpfRegState, src: &BpfRegState) {
    let umin_val = src.umin_value as u32;
    dst.smin_value = dst.smin_value.wrapping_shr(umin_val);
    dst.smax_value = dst.smax_value.wrapping_shr(umin_val);
    dst.var_off = tnum_arshift(dst.var_off, umin_val as u8, 64);
    dst.umin_value = 0;
    dst.umax_value = u64::MAX;
    __mark_reg32_unbounded(dst);
    __update_reg_bounds(dst);
}

/// Mirrors `kernel/bpf/verifier.c:is_safe_to_compute_dst_reg_range()`:
/// ops whose result bounds can be tracked (shifts only by a known amount
/// below the width).
pub fn is_safe_to_compute_dst_reg_range(code: u8, src: &BpfRegState) -> bool {
    let bitness: u64 = if bpf_class(code) == BPF_ALU64 { 64 } else { 32 };
    let src_is_const = if bitness == 32 {
        tnum_subreg_is_const(src.var_off)
            && src.s32_min_value == src.s32_max_value
            && src.u32_min_value == src.u32_max_value
    } else {
        src.var_off.is_const() && src.smin_value == src.smax_value && src.umin_value == src.umax_value
    };
    match bpf_op(code) {
        BPF_ADD | BPF_SUB | BPF_NEG | BPF_AND | BPF_XOR | BPF_OR | BPF_MUL => true,
        BPF_LSH | BPF_RSH | BPF_ARSH => src_is_const && src.umax_value < bitness,
        _ => false,
    }
}

/// The bounds part of `kernel/bpf/verifier.c:adjust_scalar_min_max_vals()`
/// for a scalar `dst op= src`, once the op is known trackable.
pub fn scalar_alu(dst: &mut BpfRegState, src: &BpfRegState, code: u8) {
    let alu32 = bpf_class(code) != BPF_ALU64;
    match bpf_op(code) {
        BPF_ADD => {
            scalar32_min_max_add(dst, src);
            scalar_min_max_add(dst, src);
            dst.var_off = tnum_add(dst.var_off, src.var_off);
        }
        BPF_SUB => {
            scalar32_min_max_sub(dst, src);
            scalar_min_max_sub(dst, src);
            dst.var_off = tnum_sub(dst.var_off, src.var_off);
        }
        BPF_NEG => {
            let old = *dst;
            __mark_reg_known(dst, 0);
            scalar32_min_max_sub(dst, &old);
            scalar_min_max_sub(dst, &old);
            dst.var_off = tnum_neg(old.var_off);
        }
        BPF_MUL => {
            dst.var_off = tnum_mul(dst.var_off, src.var_off);
            scalar32_min_max_mul(dst, src);
            scalar_min_max_mul(dst, src);
        }
        BPF_AND => {
            dst.var_off = tnum_and(dst.var_off, src.var_off);
            scalar32_min_max_and(dst, src);
            scalar_min_max_and(dst, src);
        }
        BPF_OR => {
            dst.var_off = tnum_or(dst.var_off, src.var_off);
            scalar32_min_max_or(dst, src);
            scalar_min_max_or(dst, src);
        }
        BPF_XOR => {
            dst.var_off = tnum_xor(dst.var_off, src.var_off);
            scalar32_min_max_xor(dst, src);
            scalar_min_max_xor(dst, src);
        }
        BPF_LSH => {
            if alu32 {
                scalar32_min_max_lsh(dst, src)
            } else {
                scalar_min_max_lsh(dst, src)
            }
        }
        BPF_RSH => {
            if alu32 {
                scalar32_min_max_rsh(dst, src)
            } else {
                scalar_min_max_rsh(dst, src)
            }
        }
        BPF_ARSH => {
            if alu32 {
                scalar32_min_max_arsh(dst, src)
            } else {
                scalar_min_max_arsh(dst, src)
            }
        }
        _ => {}
    }
    if alu32 {
        zext_32_to_64(dst);
    }
    reg_bounds_sync(dst);
}

// ---- conditional jumps ----

/// Mirrors `kernel/bpf/verifier.c:flip_opcode()`: the op with operands
/// swapped (`a < b` is `b > a`).
pub fn flip_opcode(opcode: u8) -> u8 {
    match opcode {
        BPF_JEQ | BPF_JNE | BPF_JSET => opcode,
        BPF_JGE => BPF_JLE,
        BPF_JGT => BPF_JLT,
        BPF_JLE => BPF_JGE,
        BPF_JLT => BPF_JGT,
        BPF_JSGE => BPF_JSLE,
        BPF_JSGT => BPF_JSLT,
        BPF_JSLE => BPF_JSGE,
        BPF_JSLT => BPF_JSGT,
        _ => 0,
    }
}

/// Mirrors `kernel/bpf/verifier.c:rev_opcode()`: the negated condition;
/// the negation of `JSET` is spelled `JSET | X`.
pub fn rev_opcode(opcode: u8) -> u8 {
    match opcode {
        BPF_JEQ => BPF_JNE,
        BPF_JNE => BPF_JEQ,
        BPF_JSET => BPF_JSET | BPF_X,
        x if x == BPF_JSET | BPF_X => BPF_JSET,
        BPF_JGE => BPF_JLT,
        BPF_JGT => BPF_JLE,
        BPF_JLE => BPF_JGT,
        BPF_JLT => BPF_JGE,
        BPF_JSGE => BPF_JSLT,
        BPF_JSGT => BPF_JSLE,
        BPF_JSLE => BPF_JSGT,
        BPF_JSLT => BPF_JSGE,
        _ => 0,
    }
}

/// `is_reg_const()`.
pub fn is_reg_const(reg: &BpfRegState, subreg32: bool) -> bool {
    reg.type_ == crate::state::SCALAR_VALUE
        && if subreg32 { tnum_subreg_is_const(reg.var_off) } else { reg.var_off.is_const() }
}

/// `reg_const_value()`.
pub fn reg_const_value(reg: &BpfRegState, subreg32: bool) -> u64 {
    if subreg32 {
        tnum_subreg(reg.var_off).value
    } else {
        reg.var_off.value
    }
}

/// Mirrors `kernel/bpf/verifier.c:is_scalar_branch_taken()`: 1 if the jump
/// is always taken, 0 if never, -1 if it depends.
pub fn is_scalar_branch_taken(reg1: &BpfRegState, reg2: &BpfRegState, opcode: u8, is_jmp32: bool) -> i32 {
    let (mut r1, mut r2) = (reg1, reg2);
    let sub = |t: Tnum| if is_jmp32 { tnum_subreg(t) } else { t };
    let mut t1 = sub(r1.var_off);
    let mut t2 = sub(r2.var_off);
    let u = |r: &BpfRegState| {
        if is_jmp32 {
            (u64::from(r.u32_min_value), u64::from(r.u32_max_value))
        } else {
            (r.umin_value, r.umax_value)
        }
    };
    let s = |r: &BpfRegState| {
        if is_jmp32 {
            (i64::from(r.s32_min_value), i64::from(r.s32_max_value))
        } else {
            (r.smin_value, r.smax_value)
        }
    };
    let (umin1, umax1) = u(r1);
    let (smin1, smax1) = s(r1);
    let (umin2, umax2) = u(r2);
    let (smin2, smax2) = s(r2);
    let disjoint32 = |a: &BpfRegState, b: &BpfRegState| {
        a.u32_min_value > b.u32_max_value
            || a.u32_max_value < b.u32_min_value
            || a.s32_min_value > b.s32_max_value
            || a.s32_max_value < b.s32_min_value
    };
    match opcode {
        BPF_JEQ | BPF_JNE => {
            let ne = i32::from(opcode == BPF_JNE);
            if t1.is_const() && t2.is_const() {
                return i32::from((t1.value == t2.value) != (opcode == BPF_JNE));
            }
            if !tnum_overlap(t1, t2) {
                return ne;
            }
            if umin1 > umax2 || umax1 < umin2 || smin1 > smax2 || smax1 < smin2 {
                return ne;
            }
            if !is_jmp32 && disjoint32(r1, r2) {
                return ne;
            }
        }
        BPF_JSET => {
            if !is_reg_const(r2, is_jmp32) {
                std::mem::swap(&mut r1, &mut r2);
                std::mem::swap(&mut t1, &mut t2);
            }
            if !is_reg_const(r2, is_jmp32) {
                return -1;
            }
            if (!t1.mask & t1.value) & t2.value != 0 {
                return 1;
            }
            if (t1.mask | t1.value) & t2.value == 0 {
                return 0;
            }
        }
        BPF_JGT => {
            if umin1 > umax2 {
                return 1;
            } else if umax1 <= umin2 {
                return 0;
            }
        }
        BPF_JSGT => {
            if smin1 > smax2 {
                return 1;
            } else if smax1 <= smin2 {
                return 0;
            }
        }
        BPF_JLT => {
            if umax1 < umin2 {
                return 1;
            } else if umin1 >= umax2 {
                return 0;
            }
        }
        BPF_JSLT => {
            if smax1 < smin2 {
                return 1;
            } else if smin1 >= smax2 {
                return 0;
            }
        }
        BPF_JGE => {
            if umin1 >= umax2 {
                return 1;
            } else if umax1 < umin2 {
                return 0;
            }
        }
        BPF_JSGE => {
            if smin1 >= smax2 {
                return 1;
            } else if smax1 < smin2 {
                return 0;
            }
        }
        BPF_JLE => {
            if umax1 <= umin2 {
                return 1;
            } else if umin1 > umax2 {
                return 0;
            }
        }
        BPF_JSLE => {
            if smax1 <= smin2 {
                return 1;
            } else if smin1 > smax2 {
                return 0;
            }
        }
        _ => {}
    }
    -1
}

/// Mirrors `kernel/bpf/verifier.c:regs_refine_cond_op()`: narrow both
/// registers to the values for which `reg1 op reg2` holds.
pub fn regs_refine_cond_op(reg1: &mut BpfRegState, reg2: &mut BpfRegState, opcode: u8, is_jmp32: bool) {
    let (mut r1, mut r2) = (reg1, reg2);
    let mut opcode = opcode;
    if matches!(opcode, BPF_JGE | BPF_JGT | BPF_JSGE | BPF_JSGT) {
        opcode = flip_opcode(opcode);
        std::mem::swap(&mut r1, &mut r2);
    }
    match opcode {
        BPF_JEQ => {
            if is_jmp32 {
                r1.u32_min_value = r1.u32_min_value.max(r2.u32_min_value);
                r1.u32_max_value = r1.u32_max_value.min(r2.u32_max_value);
                r1.s32_min_value = r1.s32_min_value.max(r2.s32_min_value);
                r1.s32_max_value = r1.s32_max_value.min(r2.s32_max_value);
                r2.u32_min_value = r1.u32_min_value;
                r2.u32_max_value = r1.u32_max_value;
                r2.s32_min_value = r1.s32_min_value;
                r2.s32_max_value = r1.s32_max_value;
                let t = tnum_intersect(tnum_subreg(r1.var_off), tnum_subreg(r2.var_off));
                r1.var_off = tnum_with_subreg(r1.var_off, t);
                r2.var_off = tnum_with_subreg(r2.var_off, t);
            } else {
                r1.umin_value = r1.umin_value.max(r2.umin_value);
                r1.umax_value = r1.umax_value.min(r2.umax_value);
                r1.smin_value = r1.smin_value.max(r2.smin_value);
                r1.smax_value = r1.smax_value.min(r2.smax_value);
                r2.umin_value = r1.umin_value;
                r2.umax_value = r1.umax_value;
                r2.smin_value = r1.smin_value;
                r2.smax_value = r1.smax_value;
                r1.var_off = tnum_intersect(r1.var_off, r2.var_off);
                r2.var_off = r1.var_off;
            }
        }
        BPF_JNE => {
            if !is_reg_const(r2, is_jmp32) {
                std::mem::swap(&mut r1, &mut r2);
            }
            if !is_reg_const(r2, is_jmp32) {
                return;
            }
            // a constant at the edge of the other range trims it
            let val = reg_const_value(r2, is_jmp32);
            if is_jmp32 {
                if r1.u32_min_value == val as u32 {
                    r1.u32_min_value = r1.u32_min_value.wrapping_add(1);
                }
                if r1.u32_max_value == val as u32 {
                    r1.u32_max_value = r1.u32_max_value.wrapping_sub(1);
                }
                if r1.s32_min_value == val as i32 {
                    r1.s32_min_value = r1.s32_min_value.wrapping_add(1);
                }
                if r1.s32_max_value == val as i32 {
                    r1.s32_max_value = r1.s32_max_value.wrapping_sub(1);
                }
            } else {
                if r1.umin_value == val {
                    r1.umin_value = r1.umin_value.wrapping_add(1);
                }
                if r1.umax_value == val {
                    r1.umax_value = r1.umax_value.wrapping_sub(1);
                }
                if r1.smin_value == val as i64 {
                    r1.smin_value = r1.smin_value.wrapping_add(1);
                }
                if r1.smax_value == val as i64 {
                    r1.smax_value = r1.smax_value.wrapping_sub(1);
                }
            }
        }
        BPF_JSET => {
            if !is_reg_const(r2, is_jmp32) {
                std::mem::swap(&mut r1, &mut r2);
            }
            if !is_reg_const(r2, is_jmp32) {
                return;
            }
            // only a single-bit mask says which bit is set
            let val = reg_const_value(r2, is_jmp32);
            if !val.is_power_of_two() {
                return;
            }
            if is_jmp32 {
                let t = tnum_or(tnum_subreg(r1.var_off), tnum_const(val));
                r1.var_off = tnum_with_subreg(r1.var_off, t);
            } else {
                r1.var_off = tnum_or(r1.var_off, tnum_const(val));
            }
        }
        x if x == BPF_JSET | BPF_X => {
            if !is_reg_const(r2, is_jmp32) {
                std::mem::swap(&mut r1, &mut r2);
            }
            if !is_reg_const(r2, is_jmp32) {
                return;
            }
            let val = reg_const_value(r2, is_jmp32);
            // forget the ranges first: on a dead branch the tnum may
            // contradict them
            __mark_reg_unbounded(r1);
            if is_jmp32 {
                let t = tnum_and(tnum_subreg(r1.var_off), tnum_const(!val));
                r1.var_off = tnum_with_subreg(r1.var_off, t);
            } else {
                r1.var_off = tnum_and(r1.var_off, tnum_const(!val));
            }
        }
        BPF_JLE => {
            if is_jmp32 {
                r1.u32_max_value = r1.u32_max_value.min(r2.u32_max_value);
                r2.u32_min_value = r1.u32_min_value.max(r2.u32_min_value);
            } else {
                r1.umax_value = r1.umax_value.min(r2.umax_value);
                r2.umin_value = r1.umin_value.max(r2.umin_value);
            }
        }
        BPF_JLT => {
            if is_jmp32 {
                r1.u32_max_value = r1.u32_max_value.min(r2.u32_max_value.wrapping_sub(1));
                r2.u32_min_value = r1.u32_min_value.wrapping_add(1).max(r2.u32_min_value);
            } else {
                r1.umax_value = r1.umax_value.min(r2.umax_value.wrapping_sub(1));
                r2.umin_value = r1.umin_value.wrapping_add(1).max(r2.umin_value);
            }
        }
        BPF_JSLE => {
            if is_jmp32 {
                r1.s32_max_value = r1.s32_max_value.min(r2.s32_max_value);
                r2.s32_min_value = r1.s32_min_value.max(r2.s32_min_value);
            } else {
                r1.smax_value = r1.smax_value.min(r2.smax_value);
                r2.smin_value = r1.smin_value.max(r2.smin_value);
            }
        }
        BPF_JSLT => {
            if is_jmp32 {
                r1.s32_max_value = r1.s32_max_value.min(r2.s32_max_value.wrapping_sub(1));
                r2.s32_min_value = r1.s32_min_value.wrapping_add(1).max(r2.s32_min_value);
            } else {
                r1.smax_value = r1.smax_value.min(r2.smax_value.wrapping_sub(1));
                r2.smin_value = r1.smin_value.wrapping_add(1).max(r2.smin_value);
            }
        }
        _ => {}
    }
}

/// `regs_refine_cond_op(reg, reg, ...)` with both operands the same
/// register, as the kernel runs it on aliased pointers: each update reads
/// what the previous one wrote.
pub fn regs_refine_cond_op_same(reg: &mut BpfRegState, opcode: u8, is_jmp32: bool) {
    let opcode = match opcode {
        BPF_JGE | BPF_JGT | BPF_JSGE | BPF_JSGT => flip_opcode(opcode),
        o => o,
    };
    match opcode {
        BPF_JEQ => {
            // min/max of a value with itself, var_off with itself: no change
        }
        BPF_JNE | BPF_JSET => {
            if !is_reg_const(reg, is_jmp32) {
                return;
            }
            let mut a = *reg;
            let mut b = *reg;
            regs_refine_cond_op(&mut a, &mut b, opcode, is_jmp32);
            *reg = a;
        }
        x if x == BPF_JSET | BPF_X => {
            if !is_reg_const(reg, is_jmp32) {
                return;
            }
            let val = reg_const_value(reg, is_jmp32);
            __mark_reg_unbounded(reg);
            if is_jmp32 {
                let t = tnum_and(tnum_subreg(reg.var_off), tnum_const(!val));
                reg.var_off = tnum_with_subreg(reg.var_off, t);
            } else {
                reg.var_off = tnum_and(reg.var_off, tnum_const(!val));
            }
        }
        BPF_JLE | BPF_JSLE => {}
        BPF_JLT => {
            if is_jmp32 {
                reg.u32_max_value = reg.u32_max_value.min(reg.u32_max_value.wrapping_sub(1));
                reg.u32_min_value = reg.u32_min_value.wrapping_add(1).max(reg.u32_min_value);
            } else {
                reg.umax_value = reg.umax_value.min(reg.umax_value.wrapping_sub(1));
                reg.umin_value = reg.umin_value.wrapping_add(1).max(reg.umin_value);
            }
        }
        BPF_JSLT => {
            if is_jmp32 {
                reg.s32_max_value = reg.s32_max_value.min(reg.s32_max_value.wrapping_sub(1));
                reg.s32_min_value = reg.s32_min_value.wrapping_add(1).max(reg.s32_min_value);
            } else {
                reg.smax_value = reg.smax_value.min(reg.smax_value.wrapping_sub(1));
                reg.smin_value = reg.smin_value.wrapping_add(1).max(reg.smin_value);
            }
        }
        _ => {}
    }
}

/// The invariant `reg_bounds_sanity_check()` enforces: the views of the
/// value agree. Returns the kernel's reason when they do not.
pub fn reg_bounds_invariant_violation(reg: &BpfRegState) -> Option<&'static str> {
    if reg.umin_value > reg.umax_value
        || reg.smin_value > reg.smax_value
        || reg.u32_min_value > reg.u32_max_value
        || reg.s32_min_value > reg.s32_max_value
    {
        return Some("range bounds violation");
    }
    if reg.var_off.is_const() {
        let u = reg.var_off.value;
        if reg.umin_value != u
            || reg.umax_value != u
            || reg.smin_value != u as i64
            || reg.smax_value != u as i64
        {
            return Some("const tnum out of sync with range bounds");
        }
    }
    if tnum_subreg_is_const(reg.var_off) {
        let u = tnum_subreg(reg.var_off).value as u32;
        if reg.u32_min_value != u
            || reg.u32_max_value != u
            || reg.s32_min_value != u as i32
            || reg.s32_max_value != u as i32
        {
            return Some("const subreg tnum out of sync with range bounds");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{unknown_scalar, SCALAR_VALUE};
    use proptest::prelude::*;

    /// Does `reg` admit the 64-bit value `v` in every view?
    fn admits(reg: &BpfRegState, v: u64) -> bool {
        reg.var_off.contains(v)
            && reg.umin_value <= v
            && v <= reg.umax_value
            && reg.smin_value <= v as i64
            && v as i64 <= reg.smax_value
            && reg.u32_min_value <= v as u32
            && v as u32 <= reg.u32_max_value
            && reg.s32_min_value <= v as i32
            && v as i32 <= reg.s32_max_value
    }

    /// A register holding `a` or `b` (and whatever lies between), built the
    /// way the verifier builds one: bounds from a range, then synced.
    fn reg_around(a: u64, b: u64, shape: u8) -> BpfRegState {
        let mut r = unknown_scalar();
        let (lo, hi) = (a.min(b), a.max(b));
        match shape % 3 {
            0 => {
                r.umin_value = lo;
                r.umax_value = hi;
            }
            1 => {
                let (lo, hi) = ((a as i64).min(b as i64), (a as i64).max(b as i64));
                r.smin_value = lo;
                r.smax_value = hi;
            }
            _ => {
                r.var_off = tnum_union(tnum_const(a), tnum_const(b));
            }
        }
        reg_bounds_sync(&mut r);
        r
    }

    fn interesting() -> impl Strategy<Value = u64> {
        prop_oneof![
            any::<u64>(),
            (0u64..300),
            (0u64..300).prop_map(|v| v.wrapping_neg()),
            (0u64..300).prop_map(|v| 0x8000_0000u64.wrapping_add(v).wrapping_sub(150)),
            (0u64..300).prop_map(|v| 0xffff_ffffu64.wrapping_add(v).wrapping_sub(150)),
            (0u64..300).prop_map(|v| (1u64 << 63).wrapping_add(v).wrapping_sub(150)),
        ]
    }

    fn concrete_alu(op: u8, alu32: bool, x: u64, y: u64) -> u64 {
        let r = match op {
            BPF_ADD => x.wrapping_add(y),
            BPF_SUB => x.wrapping_sub(y),
            BPF_MUL => x.wrapping_mul(y),
            BPF_AND => x & y,
            BPF_OR => x | y,
            BPF_XOR => x ^ y,
            BPF_NEG => x.wrapping_neg(),
            BPF_LSH => {
                if alu32 {
                    u64::from((x as u32) << (y & 31))
                } else {
                    x << (y & 63)
                }
            }
            BPF_RSH => {
                if alu32 {
                    u64::from((x as u32) >> (y & 31))
                } else {
                    x >> (y & 63)
                }
            }
            _ => {
                if alu32 {
                    ((x as i32) >> (y & 31)) as u32 as u64
                } else {
                    ((x as i64) >> (y & 63)) as u64
                }
            }
        };
        if alu32 {
            match op {
                BPF_ADD => u64::from((x as u32).wrapping_add(y as u32)),
                BPF_SUB => u64::from((x as u32).wrapping_sub(y as u32)),
                BPF_MUL => u64::from((x as u32).wrapping_mul(y as u32)),
                BPF_NEG => u64::from((x as u32).wrapping_neg()),
                _ => r & 0xffff_ffff,
            }
        } else {
            r
        }
    }

    proptest! {
        #[test]
        fn sync_never_excludes_a_member(a in interesting(), b in interesting(), shape in 0u8..3) {
            let r = reg_around(a, b, shape);
            prop_assert!(admits(&r, a), "{r:?} lost {a:#x}");
            prop_assert!(admits(&r, b), "{r:?} lost {b:#x}");
            prop_assert!(reg_bounds_invariant_violation(&r).is_none());
        }

        #[test]
        fn alu_bounds_are_sound(
            a in interesting(), b in interesting(), c in interesting(), d in interesting(),
            s1 in 0u8..3, s2 in 0u8..3, op in 0usize..10, alu32 in any::<bool>(), pick in any::<bool>(),
        ) {
            let ops = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_NEG, BPF_LSH, BPF_RSH, BPF_ARSH];
            let op = ops[op];
            let mut dst = reg_around(a, b, s1);
            let width = if alu32 { 32 } else { 64 };
            let (src, y) = if matches!(op, BPF_LSH | BPF_RSH | BPF_ARSH) {
                let k = c % width;
                let mut s = unknown_scalar();
                ___mark_reg_known(&mut s, k);
                (s, k)
            } else {
                (reg_around(c, d, s2), if pick { c } else { d })
            };
            let x = if pick { a } else { b };
            let code = op | if alu32 { BPF_ALU } else { BPF_ALU64 };
            prop_assume!(is_safe_to_compute_dst_reg_range(code, &src));
            scalar_alu(&mut dst, &src, code);
            let v = concrete_alu(op, alu32, x, y);
            prop_assert!(admits(&dst, v), "op {op:#x} alu32 {alu32}: {x:#x},{y:#x} -> {v:#x} not in {dst:?}");
        }

        #[test]
        fn branch_refinement_keeps_consistent_values(
            a in interesting(), b in interesting(), c in interesting(), d in interesting(),
            s1 in 0u8..3, s2 in 0u8..3, op in 0usize..11, jmp32 in any::<bool>(), p1 in any::<bool>(), p2 in any::<bool>(),
        ) {
            let ops = [BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE];
            let op = ops[op];
            let r1 = reg_around(a, b, s1);
            let r2 = reg_around(c, d, s2);
            let x = if p1 { a } else { b };
            let y = if p2 { c } else { d };
            let (xx, yy) = if jmp32 { (x & 0xffff_ffff, y & 0xffff_ffff) } else { (x, y) };
            let holds = match op {
                BPF_JEQ => xx == yy,
                BPF_JNE => xx != yy,
                BPF_JSET => xx & yy != 0,
                BPF_JGT => xx > yy,
                BPF_JGE => xx >= yy,
                BPF_JLT => xx < yy,
                BPF_JLE => xx <= yy,
                _ => {
                    let (sx, sy) = if jmp32 { (x as i32 as i64, y as i32 as i64) } else { (x as i64, y as i64) };
                    match op { BPF_JSGT => sx > sy, BPF_JSGE => sx >= sy, BPF_JSLT => sx < sy, _ => sx <= sy }
                }
            };
            let taken = is_scalar_branch_taken(&r1, &r2, op, jmp32);
            if taken == 1 { prop_assert!(holds); }
            if taken == 0 { prop_assert!(!holds); }
            // the branch the values take keeps them
            let (mut t1, mut t2) = (r1, r2);
            let eff = if holds { op } else { rev_opcode(op) };
            regs_refine_cond_op(&mut t1, &mut t2, eff, jmp32);
            reg_bounds_sync(&mut t1);
            reg_bounds_sync(&mut t2);
            prop_assert!(admits(&t1, x), "{op:#x} {holds} jmp32 {jmp32}: {x:#x} lost from {t1:?}");
            prop_assert!(admits(&t2, y), "{op:#x} {holds} jmp32 {jmp32}: {y:#x} lost from {t2:?}");
        }

        #[test]
        fn casts_are_sound(a in interesting(), b in interesting(), s in 0u8..3, size in prop::sample::select(vec![1u32, 2, 4]), pick in any::<bool>()) {
            let x = if pick { a } else { b };
            let mut r = reg_around(a, b, s);
            coerce_reg_to_size(&mut r, size);
            prop_assert!(admits(&r, x & ((1u64 << (size * 8)) - 1)));
            let mut r = reg_around(a, b, s);
            coerce_reg_to_size_sx(&mut r, size);
            reg_bounds_sync(&mut r);
            prop_assert!(admits(&r, sext(x, size) as u64));
        }
    }

    #[test]
    fn known_values() {
        let mut r = unknown_scalar();
        __mark_reg_known(&mut r, 42);
        assert_eq!(r.type_, SCALAR_VALUE);
        assert!(reg_bounds_invariant_violation(&r).is_none());
        let mut m = unknown_scalar();
        m.var_off = tnum_const(0xff);
        m.umin_value = 0xff;
        m.umax_value = 0xff;
        reg_bounds_sync(&mut m);
        let mut x = unknown_scalar();
        x.var_off = tnum_and(x.var_off, m.var_off);
        scalar_min_max_and(&mut x, &m);
        scalar32_min_max_and(&mut x, &m);
        reg_bounds_sync(&mut x);
        assert_eq!((x.umin_value, x.umax_value, x.smax_value, x.s32_max_value), (0, 255, 255, 255));
    }
}

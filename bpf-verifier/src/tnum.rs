//! Mirrors `kernel/bpf/tnum.c` (v6.18): tracked ("tristate") numbers.
//!
//! A [`Tnum`] says, bit by bit, what is known about a 64-bit value: a bit
//! whose `mask` bit is set is unknown, otherwise it equals the `value` bit.
//! Every operation returns a tnum that contains every concrete result the
//! operands could produce (`value & mask == 0` always holds). The verifier
//! keeps one in each register's `var_off`.

use std::fmt;

/// `struct tnum`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tnum {
    /// Known bits (zero where unknown).
    pub value: u64,
    /// Unknown bits.
    pub mask: u64,
}

/// `tnum_unknown`: nothing is known.
pub const TNUM_UNKNOWN: Tnum = Tnum { value: 0, mask: u64::MAX };

impl fmt::Debug for Tnum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:#x}; {:#x})", self.value, self.mask)
    }
}

/// `TNUM(v, m)`.
#[inline]
const fn tn(value: u64, mask: u64) -> Tnum {
    Tnum { value, mask }
}

/// `tnum_const()`: exactly `value`.
#[inline]
pub const fn tnum_const(value: u64) -> Tnum {
    tn(value, 0)
}

/// `tnum_range()`: the smallest tnum holding every value of `[min, max]`.
pub fn tnum_range(min: u64, max: u64) -> Tnum {
    let chi = min ^ max;
    let bits = 64 - chi.leading_zeros();
    // 1 << 64 is not a number: a range whose ends differ in bit 63 is unknown.
    if bits > 63 {
        return TNUM_UNKNOWN;
    }
    let delta = (1u64 << bits) - 1;
    tn(min & !delta, delta)
}

/// `tnum_lshift()`.
#[inline]
pub fn tnum_lshift(a: Tnum, shift: u8) -> Tnum {
    tn(a.value.wrapping_shl(u32::from(shift)), a.mask.wrapping_shl(u32::from(shift)))
}

/// `tnum_rshift()`.
#[inline]
pub fn tnum_rshift(a: Tnum, shift: u8) -> Tnum {
    tn(a.value.wrapping_shr(u32::from(shift)), a.mask.wrapping_shr(u32::from(shift)))
}

/// `tnum_arshift()`: arithmetic shift of a 32- or 64-bit value by the
/// smallest possible shift (a negative value shifted least stays most
/// negative, a positive one most positive).
pub fn tnum_arshift(a: Tnum, min_shift: u8, insn_bitness: u8) -> Tnum {
    let s = u32::from(min_shift);
    if insn_bitness == 32 {
        tn(((a.value as i32).wrapping_shr(s)) as u32 as u64, ((a.mask as i32).wrapping_shr(s)) as u32 as u64)
    } else {
        tn(((a.value as i64).wrapping_shr(s)) as u64, ((a.mask as i64).wrapping_shr(s)) as u64)
    }
}

/// `tnum_add()`: carries out of unknown bits make higher bits unknown.
pub fn tnum_add(a: Tnum, b: Tnum) -> Tnum {
    let sm = a.mask.wrapping_add(b.mask);
    let sv = a.value.wrapping_add(b.value);
    let sigma = sm.wrapping_add(sv);
    let chi = sigma ^ sv;
    let mu = chi | a.mask | b.mask;
    tn(sv & !mu, mu)
}

/// `tnum_sub()`.
pub fn tnum_sub(a: Tnum, b: Tnum) -> Tnum {
    let dv = a.value.wrapping_sub(b.value);
    let alpha = dv.wrapping_add(a.mask);
    let beta = dv.wrapping_sub(b.mask);
    let chi = alpha ^ beta;
    let mu = chi | a.mask | b.mask;
    tn(dv & !mu, mu)
}

/// `tnum_neg()`: `0 - a`.
pub fn tnum_neg(a: Tnum) -> Tnum {
    tnum_sub(tn(0, 0), a)
}

/// `tnum_and()`.
pub fn tnum_and(a: Tnum, b: Tnum) -> Tnum {
    let alpha = a.value | a.mask;
    let beta = b.value | b.mask;
    let v = a.value & b.value;
    tn(v, alpha & beta & !v)
}

/// `tnum_or()`.
pub fn tnum_or(a: Tnum, b: Tnum) -> Tnum {
    let v = a.value | b.value;
    let mu = a.mask | b.mask;
    tn(v, mu & !v)
}

/// `tnum_xor()`.
pub fn tnum_xor(a: Tnum, b: Tnum) -> Tnum {
    let v = a.value ^ b.value;
    let mu = a.mask | b.mask;
    tn(v & !mu, mu)
}

/// `tnum_mul()`: long multiplication over the bits of `a`; a known 1 adds
/// `b`, an unknown bit takes the union of adding and not adding it.
pub fn tnum_mul(mut a: Tnum, mut b: Tnum) -> Tnum {
    let mut acc = tn(0, 0);
    while a.value != 0 || a.mask != 0 {
        if a.value & 1 != 0 {
            acc = tnum_add(acc, b);
        } else if a.mask & 1 != 0 {
            acc = tnum_union(acc, tnum_add(acc, b));
        }
        a = tnum_rshift(a, 1);
        b = tnum_lshift(b, 1);
    }
    acc
}

/// `tnum_overlap()`: could `a` and `b` hold the same value? (They cannot
/// when a bit known in both differs.)
pub fn tnum_overlap(a: Tnum, b: Tnum) -> bool {
    let mu = !a.mask & !b.mask;
    (a.value & mu) == (b.value & mu)
}

/// `tnum_intersect()`: what is known from either of two descriptions of the
/// same value.
pub fn tnum_intersect(a: Tnum, b: Tnum) -> Tnum {
    let v = a.value | b.value;
    let mu = a.mask & b.mask;
    tn(v & !mu, mu)
}

/// `tnum_union()`: the smallest tnum holding every value of `a` and of `b`.
pub fn tnum_union(a: Tnum, b: Tnum) -> Tnum {
    let v = a.value & b.value;
    let mu = (a.value ^ b.value) | a.mask | b.mask;
    tn(v & !mu, mu)
}

/// Mirrors `kernel/bpf/tnum.c:tnum_step()`: the smallest member of `t`
/// larger than `z` (`t.value` when `z` is below every member, `tmax` when
/// `z` is at or past the largest).
pub fn tnum_step(t: Tnum, z: u64) -> u64 {
    let tmax = t.value | t.mask;
    if z >= tmax {
        return tmax;
    }
    if z < t.value {
        return t.value;
    }
    // The result agrees with z above some bit k, has 1 at k where z has 0,
    // and is the smallest member below k. Above k, z must not contradict
    // the known bits; the lowest such k gives the smallest result.
    let bad = (z ^ t.value) & !t.mask;
    let start = if bad == 0 { 0 } else { 63 - bad.leading_zeros() };
    for k in start..64 {
        let bit = 1u64 << k;
        if z & bit == 0 && (t.mask | t.value) & bit != 0 {
            let high = if k == 63 { 0 } else { z & !((bit << 1) - 1) };
            return high | bit | (t.value & (bit - 1));
        }
    }
    tmax
}

/// `tnum_cast()`: the low `size` bytes (`size` < 8).
pub fn tnum_cast(mut a: Tnum, size: u8) -> Tnum {
    let keep = if size >= 8 { u64::MAX } else { (1u64 << (u32::from(size) * 8)) - 1 };
    a.value &= keep;
    a.mask &= keep;
    a
}

/// `tnum_is_aligned()`: is every value a multiple of `size` (a power of two)?
pub fn tnum_is_aligned(a: Tnum, size: u64) -> bool {
    if size == 0 {
        return true;
    }
    (a.value | a.mask) & (size - 1) == 0
}

/// `tnum_in()`: is every value of `b` a value of `a`?
pub fn tnum_in(a: Tnum, mut b: Tnum) -> bool {
    if b.mask & !a.mask != 0 {
        return false;
    }
    b.value &= !a.mask;
    a.value == b.value
}

/// `tnum_sbin()`: 64 characters `0`, `1` or `x`, most significant first.
pub fn tnum_sbin(a: Tnum) -> String {
    (0..64)
        .rev()
        .map(|i| {
            if a.mask >> i & 1 != 0 {
                'x'
            } else if a.value >> i & 1 != 0 {
                '1'
            } else {
                '0'
            }
        })
        .collect()
}

/// Mirrors `kernel/bpf/log.c:tnum_strn()` (v6.18): `(value; mask)` in hex,
/// as the verifier log prints `var_off`; a known value prints alone, in
/// decimal up to `U16_MAX` and in hex above.
pub fn tnum_strn(a: Tnum) -> String {
    if a.mask == 0 {
        if a.value <= u64::from(u16::MAX) {
            return format!("{}", a.value);
        }
        return format!("{:#x}", a.value);
    }
    format!("({:#x}; {:#x})", a.value, a.mask)
}

/// `tnum_subreg()`: the low 32 bits.
pub fn tnum_subreg(a: Tnum) -> Tnum {
    tnum_cast(a, 4)
}

/// `tnum_clear_subreg()`: the high 32 bits, low half zero.
pub fn tnum_clear_subreg(a: Tnum) -> Tnum {
    tnum_lshift(tnum_rshift(a, 32), 32)
}

/// `tnum_with_subreg()`: the high half of `reg` with the low half of `subreg`.
pub fn tnum_with_subreg(reg: Tnum, subreg: Tnum) -> Tnum {
    tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg))
}

/// `tnum_const_subreg()`: the high half of `a` with a known low half.
pub fn tnum_const_subreg(a: Tnum, value: u32) -> Tnum {
    tnum_with_subreg(a, tnum_const(u64::from(value)))
}

impl Tnum {
    /// `tnum_is_const()`.
    #[inline]
    pub fn is_const(self) -> bool {
        self.mask == 0
    }
    /// `tnum_equals_const()`.
    #[inline]
    pub fn equals_const(self, b: u64) -> bool {
        self.is_const() && self.value == b
    }
    /// `tnum_is_unknown()`.
    #[inline]
    pub fn is_unknown(self) -> bool {
        self.mask == u64::MAX
    }
    /// `tnum_umin()`: the smallest value.
    #[inline]
    pub fn umin(self) -> u64 {
        self.value
    }
    /// `tnum_umax()`: the largest value.
    #[inline]
    pub fn umax(self) -> u64 {
        self.value | self.mask
    }
    /// Does `v` belong to this tnum?
    #[inline]
    pub fn contains(self, v: u64) -> bool {
        v & !self.mask == self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn step_is_the_next_member(v in 0u64..1024, m in 0u64..1024, z in 0u64..1100, hi in any::<bool>()) {
            // small tnums, optionally shifted to the top of the word
            let sh = if hi { 54 } else { 0 };
            let t = Tnum { value: (v & !m) << sh, mask: m << sh };
            let z = if hi { z << sh | (z & 0x3ff) } else { z };
            let tmax = t.value | t.mask;
            let want = if z >= tmax {
                tmax
            } else if z < t.value {
                t.value
            } else {
                // the members in increasing order: value | each subset of mask
                let mut best = tmax;
                let mut sub = t.mask;
                loop {
                    let x = t.value | sub;
                    if x > z && x < best { best = x; }
                    if sub == 0 { break; }
                    sub = (sub - 1) & t.mask;
                }
                best
            };
            prop_assert_eq!(tnum_step(t, z), want, "t={:?} z={:#x}", t, z);
        }
    }

    /// A random well-formed tnum and one of its members.
    fn tnum_and_member() -> impl Strategy<Value = (Tnum, u64)> {
        (any::<u64>(), any::<u64>(), any::<u64>(), 0u8..4).prop_map(|(v, m, pick, density)| {
            // vary how many bits are unknown: sparse masks matter most
            let m = match density {
                0 => m & m.rotate_left(7) & m.rotate_left(19),
                1 => m & m.rotate_left(13),
                2 => m,
                _ => m & 0xff,
            };
            let t = tn(v & !m, m);
            (t, t.value | (pick & m))
        })
    }

    #[test]
    fn range_and_strings() {
        assert_eq!(tnum_range(0, 255), tn(0, 0xff));
        assert_eq!(tnum_range(5, 5), tnum_const(5));
        assert_eq!(tnum_range(0, u64::MAX), TNUM_UNKNOWN);
        assert_eq!(tnum_strn(tn(0, 0xff)), "(0x0; 0xff)");
        assert_eq!(tnum_strn(tnum_const(65535)), "65535");
        assert_eq!(tnum_strn(tnum_const(-4i64 as u64)), "0xfffffffffffffffc");
        assert_eq!(tnum_sbin(tn(2, 1)).trim_start_matches('0'), "1x");
        assert!(tnum_in(tn(0, 0xff), tnum_const(3)));
        assert!(!tnum_in(tnum_const(3), tn(0, 0xff)));
        assert_eq!(tnum_mul(tn(1, 2), tn(3, 0)), tn(1, 0xa)); // x1 * 11 = x0x1
    }

    proptest! {
        #[test]
        fn binary_ops_are_sound(((a, x), (b, y)) in (tnum_and_member(), tnum_and_member())) {
            prop_assert!(tnum_add(a, b).contains(x.wrapping_add(y)));
            prop_assert!(tnum_sub(a, b).contains(x.wrapping_sub(y)));
            prop_assert!(tnum_mul(a, b).contains(x.wrapping_mul(y)));
            prop_assert!(tnum_and(a, b).contains(x & y));
            prop_assert!(tnum_or(a, b).contains(x | y));
            prop_assert!(tnum_xor(a, b).contains(x ^ y));
            prop_assert!(tnum_union(a, b).contains(x) && tnum_union(a, b).contains(y));
            if x == y {
                prop_assert!(tnum_overlap(a, b));
                prop_assert!(tnum_intersect(a, b).contains(x));
            }
            prop_assert!(tnum_in(a, tnum_const(x)));
        }

        #[test]
        fn unary_ops_are_sound((a, x) in tnum_and_member(), s in 0u8..64, s32 in 0u8..32, size in 1u8..8) {
            prop_assert!(tnum_neg(a).contains(x.wrapping_neg()));
            prop_assert!(tnum_lshift(a, s).contains(x << s));
            prop_assert!(tnum_rshift(a, s).contains(x >> s));
            prop_assert!(tnum_arshift(a, s, 64).contains(((x as i64) >> s) as u64));
            prop_assert!(tnum_arshift(a, s32, 32).contains(((x as i32) >> s32) as u32 as u64));
            prop_assert!(tnum_cast(a, size).contains(x & ((1u64 << (size * 8)) - 1)));
            prop_assert!(tnum_subreg(a).contains(x as u32 as u64));
            prop_assert!(tnum_clear_subreg(a).contains(x & !0xffff_ffff));
            prop_assert!(tnum_range(x.min(a.umax()), x.max(a.umax())).contains(x));
            prop_assert!(a.umin() <= x && x <= a.umax());
        }

        #[test]
        fn with_subreg_is_sound(((a, x), (b, y)) in (tnum_and_member(), tnum_and_member())) {
            let v = (x & !0xffff_ffff) | (y & 0xffff_ffff);
            prop_assert!(tnum_with_subreg(a, b).contains(v));
            prop_assert!(tnum_const_subreg(a, y as u32).contains(v));
        }
    }
}

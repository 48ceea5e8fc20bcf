//! Bob Jenkins' lookup3 hash as `include/linux/jhash.h` (v6.18) provides it.
//!
//! `hashtab.c` picks a key's bucket with `jhash2` (keys that are a whole
//! number of `u32`s) or `jhash`. Using the same function, with the seed
//! zeroed by `BPF_F_ZERO_SEED`, puts every key in the same bucket as the
//! kernel does, so `BPF_MAP_GET_NEXT_KEY` walks a hash map in the kernel's
//! order.

/// `JHASH_INITVAL`: an arbitrary starting value.
pub const JHASH_INITVAL: u32 = 0xdead_beef;

#[inline]
fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

#[inline]
fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

/// Mirrors `include/linux/jhash.h:jhash()`: hashes `key` byte-wise.
pub fn jhash(key: &[u8], initval: u32) -> u32 {
    let mut a = JHASH_INITVAL.wrapping_add(key.len() as u32).wrapping_add(initval);
    let (mut b, mut c) = (a, a);
    let mut k = key;
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    while k.len() > 12 {
        a = a.wrapping_add(word(&k[0..4]));
        b = b.wrapping_add(word(&k[4..8]));
        c = c.wrapping_add(word(&k[8..12]));
        mix(&mut a, &mut b, &mut c);
        k = &k[12..];
    }
    if k.is_empty() {
        return c;
    }
    // The tail: each byte lands in the lane and position `jhash` gives it.
    for (i, &byte) in k.iter().enumerate() {
        let v = u32::from(byte) << ((i % 4) * 8);
        match i / 4 {
            0 => a = a.wrapping_add(v),
            1 => b = b.wrapping_add(v),
            _ => c = c.wrapping_add(v),
        }
    }
    final_mix(&mut a, &mut b, &mut c);
    c
}

/// Mirrors `include/linux/jhash.h:jhash2()`: hashes `key` as `u32` words.
pub fn jhash2(key: &[u32], initval: u32) -> u32 {
    let mut a = JHASH_INITVAL.wrapping_add((key.len() as u32) << 2).wrapping_add(initval);
    let (mut b, mut c) = (a, a);
    let mut k = key;
    while k.len() > 3 {
        a = a.wrapping_add(k[0]);
        b = b.wrapping_add(k[1]);
        c = c.wrapping_add(k[2]);
        mix(&mut a, &mut b, &mut c);
        k = &k[3..];
    }
    match k.len() {
        0 => return c,
        3 => {
            c = c.wrapping_add(k[2]);
            b = b.wrapping_add(k[1]);
            a = a.wrapping_add(k[0]);
        }
        2 => {
            b = b.wrapping_add(k[1]);
            a = a.wrapping_add(k[0]);
        }
        _ => a = a.wrapping_add(k[0]),
    }
    final_mix(&mut a, &mut b, &mut c);
    c
}

/// Mirrors `kernel/bpf/hashtab.c:htab_map_hash()`: `jhash2` when the key is
/// a whole number of words, `jhash` otherwise.
pub fn htab_map_hash(key: &[u8], hashrnd: u32) -> u32 {
    if key.len() % 4 == 0 {
        let words: Vec<u32> =
            key.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
        jhash2(&words, hashrnd)
    } else {
        jhash(key, hashrnd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jhash2_and_jhash_agree_on_word_keys() {
        // lookup3's hashword() and hashlittle() give the same value for the
        // same little-endian bytes when the length is a multiple of 4.
        for len in [1usize, 2, 3, 4, 5, 7] {
            let bytes: Vec<u8> = (0..len * 4).map(|i| (i * 37 + 11) as u8).collect();
            let words: Vec<u32> =
                bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
            assert_eq!(jhash(&bytes, 7), jhash2(&words, 7), "len {len}");
        }
        assert_eq!(jhash(&[], 0), JHASH_INITVAL);
        assert_ne!(htab_map_hash(&[1, 0, 0, 0], 0), htab_map_hash(&[2, 0, 0, 0], 0));
    }
}

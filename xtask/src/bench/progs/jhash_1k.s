# The kernel's jhash() (include/linux/jhash.h) over the 1 KiB packet,
# initval 0; r0 = the hash. 85 rounds of __jhash_mix over 12-byte blocks,
# then the 4-byte tail and __jhash_final.
#
# r1 = the packet, r2 = bytes left, w3/w4/w5 = a/b/c, r6/r7 scratch;
# rol32(x, n) is the five instructions w6 = x << n | x >> (32 - n).
        r2 = *(u32 *)(r1 +0)            # xdp_md->data
        r3 = *(u32 *)(r1 +4)            # xdp_md->data_end
        r1 = r2
        r1 += 1024
        r0 = 0
        if r1 > r3 goto out             # the packet is shorter than 1 KiB
        r1 = r2
        w3 = -559037713                 # a = b = c = 0xdeadbeef + 1024 + initval
        w4 = w3
        w5 = w3
        r2 = 1024
loop:
        r6 = *(u32 *)(r1 +0)
        w3 += w6
        r6 = *(u32 *)(r1 +4)
        w4 += w6
        r6 = *(u32 *)(r1 +8)
        w5 += w6
        # __jhash_mix: w3 -= w5; w3 ^= rol32(w5, 4); w5 += w4
        w3 -= w5
        w6 = w5
        w6 <<= 4
        w7 = w5
        w7 >>= 28
        w6 |= w7
        w3 ^= w6
        w5 += w4
        # __jhash_mix: w4 -= w3; w4 ^= rol32(w3, 6); w3 += w5
        w4 -= w3
        w6 = w3
        w6 <<= 6
        w7 = w3
        w7 >>= 26
        w6 |= w7
        w4 ^= w6
        w3 += w5
        # __jhash_mix: w5 -= w4; w5 ^= rol32(w4, 8); w4 += w3
        w5 -= w4
        w6 = w4
        w6 <<= 8
        w7 = w4
        w7 >>= 24
        w6 |= w7
        w5 ^= w6
        w4 += w3
        # __jhash_mix: w3 -= w5; w3 ^= rol32(w5, 16); w5 += w4
        w3 -= w5
        w6 = w5
        w6 <<= 16
        w7 = w5
        w7 >>= 16
        w6 |= w7
        w3 ^= w6
        w5 += w4
        # __jhash_mix: w4 -= w3; w4 ^= rol32(w3, 19); w3 += w5
        w4 -= w3
        w6 = w3
        w6 <<= 19
        w7 = w3
        w7 >>= 13
        w6 |= w7
        w4 ^= w6
        w3 += w5
        # __jhash_mix: w5 -= w4; w5 ^= rol32(w4, 4); w4 += w3
        w5 -= w4
        w6 = w4
        w6 <<= 4
        w7 = w4
        w7 >>= 28
        w6 |= w7
        w5 ^= w6
        w4 += w3
        r1 += 12
        r2 -= 12
        if r2 > 0xc goto loop
        r6 = *(u32 *)(r1 +0)            # the tail: 1024 = 85 * 12 + 4
        w3 += w6
        # __jhash_final: w5 ^= w4; w5 -= rol32(w4, 14)
        w5 ^= w4
        w6 = w4
        w6 <<= 14
        w7 = w4
        w7 >>= 18
        w6 |= w7
        w5 -= w6
        # __jhash_final: w3 ^= w5; w3 -= rol32(w5, 11)
        w3 ^= w5
        w6 = w5
        w6 <<= 11
        w7 = w5
        w7 >>= 21
        w6 |= w7
        w3 -= w6
        # __jhash_final: w4 ^= w3; w4 -= rol32(w3, 25)
        w4 ^= w3
        w6 = w3
        w6 <<= 25
        w7 = w3
        w7 >>= 7
        w6 |= w7
        w4 -= w6
        # __jhash_final: w5 ^= w4; w5 -= rol32(w4, 16)
        w5 ^= w4
        w6 = w4
        w6 <<= 16
        w7 = w4
        w7 >>= 16
        w6 |= w7
        w5 -= w6
        # __jhash_final: w3 ^= w5; w3 -= rol32(w5, 4)
        w3 ^= w5
        w6 = w5
        w6 <<= 4
        w7 = w5
        w7 >>= 28
        w6 |= w7
        w3 -= w6
        # __jhash_final: w4 ^= w3; w4 -= rol32(w3, 14)
        w4 ^= w3
        w6 = w3
        w6 <<= 14
        w7 = w3
        w7 >>= 18
        w6 |= w7
        w4 -= w6
        # __jhash_final: w5 ^= w4; w5 -= rol32(w4, 24)
        w5 ^= w4
        w6 = w4
        w6 <<= 24
        w7 = w4
        w7 >>= 8
        w6 |= w7
        w5 -= w6
        r0 = r5
out:
        exit

# 16 passes over the 1 KiB packet: load 8 bytes, store them to a stack
# slot (64 slots of the 512-byte stack, cycling), load them back, add.
# r0 = the sum of the packet's 128 little-endian u64 words, times 16.
        r2 = *(u32 *)(r1 +0)            # xdp_md->data
        r3 = *(u32 *)(r1 +4)            # xdp_md->data_end
        r1 = r2
        r1 += 1024
        r0 = 0
        if r1 > r3 goto out             # the packet is shorter than 1 KiB
        r1 = r2                         # r1 = the packet
        r8 = 16                         # passes left
pass:
        r7 = 0                          # offset in the packet
word:
        r2 = r1
        r2 += r7
        r3 = *(u64 *)(r2 +0)
        r4 = r7
        r4 &= 504                       # 0x1f8: the slot's offset
        r5 = r10
        r5 += -512
        r5 += r4
        *(u64 *)(r5 +0) = r3
        r3 = *(u64 *)(r5 +0)
        r0 += r3
        r7 += 8
        if r7 != 0x400 goto word
        r8 -= 1
        if r8 != 0x0 goto pass
out:
        exit

# 10000 calls of bpf_get_prandom_u32 in a loop; r0 = the number of calls.
# Measures the helper-call path (argument set-up, call, return).
        r6 = 10000
        r7 = 0
loop:
        call bpf_get_prandom_u32#7
        r7 += 1
        r6 -= 1
        if r6 != 0x0 goto loop
        r0 = r7
        exit

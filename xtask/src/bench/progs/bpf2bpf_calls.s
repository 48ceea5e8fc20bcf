# r0 = sum of f(i) for i = 10000..1, f(x) = 3x + 1 a bpf-to-bpf call.
        r6 = 10000
        r7 = 0
loop:
        r1 = r6
        call f
        r7 += r0
        r6 -= 1
        if r6 != 0x0 goto loop
        r0 = r7
        exit
f:
        r0 = r1
        r0 *= 3
        r0 += 1
        exit

# r0 = 10000 + 9999 + ... + 1: three instructions per iteration.
#
# A bounded loop: the verifier walks every iteration (r1 is a known
# constant on each), about 30,000 processed instructions.
        r0 = 0
        r1 = 10000
loop:
        r0 += r1
        r1 -= 1
        if r1 != 0x0 goto loop
        exit

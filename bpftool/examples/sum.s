# Sum of 1..1000: the README's first example.
#
#   cargo run -p bpftool -- prog load bpftool/examples/sum.s trace
#   cargo run -p bpftool -- prog asm-roundtrip bpftool/examples/sum.s
#
# A bounded loop: the verifier walks all 1000 iterations and accepts it
# (it is kernel_oracle.py's builtin `sum_1_to_1000`; the kernel processes
# 3003 insns, as ours does); run, it returns 500500 in r0.

        r0 = 0                  # sum
        r1 = 1                  # i
loop:
        r0 += r1                # sum += i
        r1 += 1                 # i++
        if r1 <= 0x3e8 goto loop    # while i <= 1000
        exit

# Programs whose tag (bpf_prog_calc_tag) is compared with the kernel's.
#
# `== name {json}` starts a program; the JSON object is merged into the
# kernel_oracle.py case (prog_type, maps). In `map[fd:N]` / `map[idx:N]`,
# N is the index of the map in the case's "maps" list.
# Expected tags: kernel_tags.txt (regenerate with UPDATE_EXPECT=1).

== ret42
r0 = 42
exit

== ret0_alu32
w0 = 0
exit

== sum_1_to_10
# a bounded loop
r0 = 0
r1 = 1
loop:
r0 += r1
r1 += 1
if r1 <= 0xa goto loop
exit

== ld_imm64_const
r1 = 0x1122334455667788
r0 = r1
r0 >>= 32
exit

== map_fd_lookup_hash {"maps":[{"type":"hash","key_size":4,"value_size":8,"max_entries":4}]}
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[fd:0]
call bpf_map_lookup_elem#1
if r0 == 0x0 goto out
r0 = *(u64 *)(r0 +0)
out:
exit

# The same program naming the second of two maps: the fd is cleared
# before hashing, so the kernel reports the same tag.
== map_fd_lookup_hash_second_map {"maps":[{"type":"array","key_size":4,"value_size":8,"max_entries":1},{"type":"hash","key_size":4,"value_size":8,"max_entries":4}]}
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[fd:1]
call bpf_map_lookup_elem#1
if r0 == 0x0 goto out
r0 = *(u64 *)(r0 +0)
out:
exit

== map_fd_update_array {"maps":[{"type":"array","key_size":4,"value_size":8,"max_entries":2}]}
*(u32 *)(r10 -4) = 1
*(u64 *)(r10 -16) = 42
r1 = map[fd:0]
r2 = r10
r2 += -4
r3 = r10
r3 += -16
r4 = 0
call bpf_map_update_elem
r0 = 0
exit

== map_fd_two_maps {"maps":[{"type":"array","key_size":4,"value_size":8,"max_entries":1},{"type":"hash","key_size":4,"value_size":8,"max_entries":4}]}
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[fd:0]
call bpf_map_lookup_elem
r6 = r0
r2 = r10
r2 += -4
r1 = map[fd:1]
call bpf_map_lookup_elem
r0 = 0
if r6 == 0x0 goto out
r0 = *(u64 *)(r6 +0)
out:
exit

== map_value_direct {"maps":[{"type":"array","key_size":4,"value_size":8,"max_entries":1}]}
r1 = map[fd:0][0]+0
r0 = *(u64 *)(r1 +0)
exit

== map_value_offset {"maps":[{"type":"array","key_size":4,"value_size":16,"max_entries":1}]}
r1 = map[fd:0][0]+8
r0 = *(u32 *)(r1 +4)
exit

== map_value_offset_second_map {"maps":[{"type":"array","key_size":4,"value_size":8,"max_entries":1},{"type":"array","key_size":4,"value_size":16,"max_entries":1}]}
r1 = map[fd:1][0]+8
r0 = *(u32 *)(r1 +4)
exit

== map_idx_lookup {"maps":[{"type":"array","key_size":4,"value_size":8,"max_entries":1}]}
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[idx:0]
call bpf_map_lookup_elem#1
r0 = 0
exit

# BPF_PSEUDO_MAP_IDX keeps its imm in the hash: another index, another tag.
== map_idx_lookup_second_map {"maps":[{"type":"array","key_size":4,"value_size":8,"max_entries":1},{"type":"array","key_size":4,"value_size":8,"max_entries":1}]}
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[idx:1]
call bpf_map_lookup_elem#1
r0 = 0
exit

== map_idx_value {"maps":[{"type":"array","key_size":4,"value_size":16,"max_entries":1}]}
r1 = map[idx:0]+4
r0 = *(u32 *)(r1 +0)
exit

== bpf_to_bpf_call
r1 = 5
call double
exit
double:
r0 = r1
r0 += r1
exit

== nested_calls
call f
exit
f:
call g
r0 += 1
exit
g:
r0 = 1
exit

== alu_and_stores
r1 = 100
r1 *= 3
r1 /= 7
r1 %= 5
r1 |= 0x10
r1 &= 255
r1 ^= 1
r1 <<= 2
r1 >>= 1
r1 s>>= 1
w2 = w1
w2 -= 3
*(u8 *)(r10 -1) = r1
*(u16 *)(r10 -4) = r1
*(u32 *)(r10 -8) = r2
*(u64 *)(r10 -16) = r1
r0 = *(u32 *)(r10 -8)
exit

== jmp32_and_jumps
w1 = 7
w0 = 0
if w1 s> 0x3 goto big
w0 = 1
big:
if w1 != w0 goto done
w0 = 2
done:
goto end
end:
exit

== atomics_on_stack
*(u64 *)(r10 -8) = 0
r1 = 1
lock *(u64 *)(r10 -8) += r1
r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)
r0 = 0
r2 = 5
r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)
r3 = 9
r3 = atomic64_xchg((u64 *)(r10 -8), r3)
r0 = r3
exit

== isa_v4
r1 = -3
r2 = (s8)r1
r1 s/= 2
r3 = 258
r3 = bswap16 r3
*(u8 *)(r10 -1) = -1
r4 = *(s8 *)(r10 -1)
gotol pc+0
r0 = r4
exit

== ld_abs_ind
r6 = r1
r0 = *(u8 *)skb[0]
r7 = 2
r0 = *(u16 *)skb[r7 + 0]
r0 = *(u32 *)skb[0]
exit

== xdp_bounds_check {"prog_type":"xdp"}
r2 = *(u32 *)(r1 +4)
r1 = *(u32 *)(r1 +0)
r3 = r1
r3 += 14
r0 = 2
if r3 > r2 goto out
r0 = *(u8 *)(r1 +12)
r0 = 2
out:
exit

== helpers
call bpf_ktime_get_ns
r6 = r0
call bpf_get_prandom_u32
r0 += r6
exit

== may_goto_loop
r0 = 0
loop:
may_goto done
r0 += 1
goto loop
done:
exit

== tail_call {"maps":[{"type":"prog_array","key_size":4,"value_size":4,"max_entries":1}]}
r2 = map[fd:0]
r3 = 0
call bpf_tail_call#12
r0 = 0
exit

== endian
r0 = 258
r0 = be16 r0
r0 = le32 r0
exit

== acquire_release
*(u64 *)(r10 -8) = 0
r1 = 7
store_release((u64 *)(r10 -8), r1)
r0 = load_acquire((u64 *)(r10 -8))
exit

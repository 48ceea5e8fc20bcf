# Programs loaded and run both here (bpf-syscall) and in the kernel
# (kernel_oracle.py), and compared: verdict and errno, tag, xlated dump,
# verified_insns, BPF_PROG_TEST_RUN's retval and output packet, and the
# maps afterwards.
#
# `== name {json}` starts a program; the JSON object is merged into the
# kernel_oracle.py case (prog_type, maps, data). In `map[fd:N]`, N is the
# index of the map in the case's "maps" list. Without "data" a program
# runs on 64 zero bytes, as the oracle's default.
# Expected results: oracle_expected.jsonl (regenerate with UPDATE_EXPECT=1).

== ret42 {"prog_type": "socket_filter"}
r0 = 42
exit

== skb_len_socket_filter {"prog_type": "socket_filter"}
# __sk_buff->len: the Ethernet header is pulled first.
r0 = *(u32 *)(r1 +0)
exit

== skb_len_sched_cls {"prog_type": "sched_cls"}
r0 = *(u32 *)(r1 +0)
exit

== skb_protocol_sched_cls {"prog_type": "sched_cls", "data": "ffffffffffff02000000000108004500001c0001000040110000c0a80001c0a800ff0035003500080000"}
r0 = *(u32 *)(r1 +16)
exit

== cgroup_skb_pass {"prog_type": "cgroup_skb"}
r0 = 1
exit

== xdp_pass {"prog_type": "xdp"}
r0 = 2
exit

== xdp_read_byte {"prog_type": "xdp", "data": "00112233445566778899aabbccddeeff"}
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r0 = 0
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u8 *)(r2 +13)
out:
exit

== xdp_write_byte {"prog_type": "xdp", "data": "00112233445566778899aabbccddeeff"}
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r0 = 1
r4 = r2
r4 += 2
if r4 > r3 goto out
*(u8 *)(r2 +1) = 127
r0 = 3
out:
exit

== sum_1_to_1000 {"prog_type": "socket_filter"}
r0 = 0
r1 = 1
loop:
r0 += r1
r1 += 1
if r1 <= 0x3e8 goto loop
exit

== ld_imm64 {"prog_type": "socket_filter"}
r0 = 0x1122334455667788
r0 >>= 32
exit

== alu32_wraps {"prog_type": "socket_filter"}
w0 = -1
w0 += 2
exit

== div_by_zero_reg {"prog_type": "socket_filter"}
r0 = 5
r1 = 0
r0 /= r1
exit

== mod_by_zero_reg {"prog_type": "socket_filter"}
r0 = 77
r1 = 0
r0 %= r1
exit

== stack_roundtrip {"prog_type": "socket_filter"}
r1 = 7
*(u64 *)(r10 -8) = r1
r0 = *(u64 *)(r10 -8)
exit

== bpf_to_bpf_call {"prog_type": "socket_filter"}
r1 = 4
call sub
r0 += 1
exit
sub:
r0 = r1
r0 *= 3
exit

== hash_lookup_hit {"prog_type": "socket_filter", "maps": [{"type": "hash", "key_size": 4, "value_size": 8, "max_entries": 4, "init": [{"key": 1, "value": 7}]}]}
*(u32 *)(r10 -4) = 1
r2 = r10
r2 += -4
r1 = map[fd:0]
call bpf_map_lookup_elem#1
r1 = r0
r0 = 0
if r1 == 0x0 goto out
r0 = *(u64 *)(r1 +0)
out:
exit

== hash_lookup_miss {"prog_type": "socket_filter", "maps": [{"type": "hash", "key_size": 4, "value_size": 8, "max_entries": 4}]}
*(u32 *)(r10 -4) = 1
r2 = r10
r2 += -4
r1 = map[fd:0]
call bpf_map_lookup_elem#1
r1 = r0
r0 = 99
if r1 == 0x0 goto out
r0 = *(u64 *)(r1 +0)
out:
exit

== array_counter {"prog_type": "socket_filter", "maps": [{"type": "array", "key_size": 4, "value_size": 8, "max_entries": 2, "init": [{"key": 0, "value": 41}]}]}
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[fd:0]
call bpf_map_lookup_elem#1
if r0 == 0x0 goto out
r1 = *(u64 *)(r0 +0)
r1 += 1
*(u64 *)(r0 +0) = r1
r0 = r1
out:
exit

== hash_update_from_prog {"prog_type": "socket_filter", "maps": [{"type": "hash", "key_size": 4, "value_size": 4, "max_entries": 4}]}
*(u32 *)(r10 -4) = 5
*(u32 *)(r10 -8) = 55
r1 = map[fd:0]
r2 = r10
r2 += -4
r3 = r10
r3 += -8
r4 = 0
call bpf_map_update_elem#2
exit

== tail_call_empty_slot {"prog_type": "socket_filter", "maps": [{"type": "prog_array", "key_size": 4, "value_size": 4, "max_entries": 2}]}
r2 = map[fd:0]
r3 = 0
call bpf_tail_call#12
r0 = 9
exit

== kprobe_has_no_test_run {"prog_type": "kprobe"}
r0 = 0
exit

== reject_uninit_register {"prog_type": "socket_filter"}
r0 = r2
exit

== reject_jump_out_of_range {"prog_type": "socket_filter"}
r0 = 0
goto pc+5
exit

== reject_no_exit {"prog_type": "socket_filter"}
r0 = 0

== reject_lookup_without_null_check {"prog_type": "socket_filter", "maps": [{"type": "hash", "key_size": 4, "value_size": 8, "max_entries": 4}]}
*(u32 *)(r10 -4) = 1
r2 = r10
r2 += -4
r1 = map[fd:0]
call bpf_map_lookup_elem#1
r0 = *(u64 *)(r0 +0)
exit

== reject_stack_out_of_bounds {"prog_type": "socket_filter"}
r1 = 1
*(u64 *)(r10 -520) = r1
r0 = 0
exit

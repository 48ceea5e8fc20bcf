//! Context rewrites: `kernel/bpf/verifier.c:convert_ctx_accesses()` and
//! the per-type `convert_ctx_access` of `net/core/filter.c` (v6.18).
//!
//! A program reads `struct __sk_buff` or `struct xdp_md` (uapi); each
//! access becomes a load or store of the matching field of this project's
//! kernel objects, [`SkBuff`] and [`XdpBuff`]. The offsets differ from the
//! kernel's `struct sk_buff`, so the rewritten instructions do too; which
//! fields, sizes and narrow-load masks follow the kernel.
//!
//! The socket fields of `__sk_buff` (`family`, the addresses and ports)
//! read [`bpf_core::ctx::Sock`] through `skb->sk` (0 without a socket);
//! loads through a `struct bpf_sock` pointer stay as they are, `Sock`
//! having that layout.

use crate::env::{verbose, BpfVerifierEnv};
use crate::state::*;
use bpf_core::ctx::{sk_buff_uapi as sk, xdp_md_uapi as xm, SkBuff, XdpBuff};
use bpf_core::errno::*;
use bpf_core::prog::BpfProg;
use bpf_core::uapi::*;
use bpf_core::Errno;
use std::mem::offset_of;

/// `BPF_EMIT_STORE(size, si, off)`: the store of `si` moved to `off`.
fn emit_store(size: u8, si: &BpfInsn, off: usize) -> BpfInsn {
    if bpf_class(si.code) == BPF_STX {
        BpfInsn::stx_mem(size, si.dst_reg(), si.src_reg(), off as i16)
    } else {
        BpfInsn::st_mem(size, si.dst_reg(), off as i16, si.imm)
    }
}

/// A load or store of the field at `off` of `size` bytes.
fn ld_st(write: bool, si: &BpfInsn, size: u8, off: usize, target_size: &mut u32) -> Vec<BpfInsn> {
    *target_size = bpf_size_to_bytes(size);
    if write {
        vec![emit_store(size, si, off)]
    } else {
        vec![BpfInsn::ldx_mem(size, si.dst_reg(), si.src_reg(), off as i16)]
    }
}

/// `PKT_TYPE_MAX`: the mask of `sk_buff`'s 3-bit `pkt_type`.
const PKT_TYPE_MAX: i32 = 7;

/// `MIN_NAPI_ID`: `napi_id` values below it are not NAPI ids.
const MIN_NAPI_ID: i32 = 257;

/// `NO_QUEUE_MAPPING`.
const NO_QUEUE_MAPPING: i32 = 0xffff;

/// `INSN_BUF_SIZE`: the most insns one rewrite may produce.
const INSN_BUF_SIZE: usize = 32;

/// `CLONED_MASK`: `skb->cloned` in its byte.
const CLONED_MASK: i32 = 1;

/// Mirrors `net/core/filter.c:bpf_noop_prologue()` (v6.18).
///
/// The prologue of program types that may write packet data directly but
/// never see a cloned packet (XDP, cgroup skb): nothing.
pub fn bpf_noop_prologue(_direct_write: bool, _prog: &BpfProg) -> Vec<BpfInsn> {
    Vec::new()
}

/// Mirrors `net/core/filter.c:bpf_unclone_prologue()` (v6.18).
///
/// A program that writes packet data directly must not write into a
/// buffer it shares with a clone: when `skb->cloned` is set, the prologue
/// calls `bpf_skb_pull_data(skb, 0)` to get a private copy, and returns
/// `drop_verdict` if that fails. The last insn is the program's first.
fn bpf_unclone_prologue(direct_write: bool, prog: &BpfProg, drop_verdict: i32) -> Vec<BpfInsn> {
    if !direct_write {
        return Vec::new();
    }
    vec![
        // if (!skb->cloned) goto start;
        BpfInsn::ldx_mem(BPF_B, BPF_REG_6, BPF_REG_1, offset_of!(SkBuff, cloned) as i16),
        BpfInsn::alu32_imm(BPF_AND, BPF_REG_6, CLONED_MASK),
        BpfInsn::jmp_imm(BPF_JEQ, BPF_REG_6, 0, 7),
        // ret = bpf_skb_pull_data(skb, 0);
        BpfInsn::mov64_reg(BPF_REG_6, BPF_REG_1),
        BpfInsn::new(BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_2, BPF_REG_2, 0, 0),
        BpfInsn::new(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_pull_data.0 as i32),
        // if (!ret) goto restore; return drop_verdict;
        BpfInsn::jmp_imm(BPF_JEQ, BPF_REG_0, 0, 2),
        BpfInsn::mov32_imm(BPF_REG_0, drop_verdict),
        BpfInsn::exit(),
        // restore:
        BpfInsn::mov64_reg(BPF_REG_1, BPF_REG_6),
        // start:
        prog.insnsi[0],
    ]
}

/// Mirrors `net/core/filter.c:tc_cls_act_prologue()` (v6.18): the unclone
/// prologue, dropping the packet (`TC_ACT_SHOT`) when it cannot be made
/// private.
pub fn tc_cls_act_prologue(direct_write: bool, prog: &BpfProg) -> Vec<BpfInsn> {
    bpf_unclone_prologue(direct_write, prog, bpf_core::helpers::net::TC_ACT_SHOT as i32)
}

/// Mirrors `net/core/filter.c:bpf_convert_ctx_access()`: a `__sk_buff`
/// field as a field of [`SkBuff`].
pub fn bpf_convert_ctx_access(
    write: bool,
    si: &BpfInsn,
    _prog: &BpfProg,
    target_size: &mut u32,
) -> Vec<BpfInsn> {
    let off = si.off as i32 as u32;
    macro_rules! f {
        ($field:ident, $size:expr) => {
            ld_st(write, si, $size, offset_of!(SkBuff, $field), target_size)
        };
    }
    match off {
        sk::LEN => f!(len, BPF_W),
        sk::PKT_TYPE => {
            // the kernel's pkt_type is a 3-bit field of its byte
            let mut v = f!(pkt_type, BPF_B);
            v.push(BpfInsn::alu32_imm(BPF_AND, si.dst_reg(), PKT_TYPE_MAX));
            v
        }
        sk::MARK => f!(mark, BPF_W),
        sk::QUEUE_MAPPING => {
            if write {
                *target_size = 2;
                let o = offset_of!(SkBuff, queue_mapping);
                if bpf_class(si.code) == BPF_ST && si.imm >= NO_QUEUE_MAPPING {
                    // an invalid queue is not stored
                    return vec![BpfInsn::ja(0)];
                }
                let mut v = Vec::new();
                if bpf_class(si.code) == BPF_STX {
                    v.push(BpfInsn::jmp_imm(BPF_JGE, si.src_reg(), NO_QUEUE_MAPPING, 1));
                }
                v.push(emit_store(BPF_H, si, o));
                v
            } else {
                f!(queue_mapping, BPF_H)
            }
        }
        sk::PROTOCOL => f!(protocol, BPF_H),
        sk::VLAN_PRESENT => {
            // a tag is present when vlan_proto and vlan_tci (the kernel's
            // vlan_all word) are not both 0
            *target_size = 4;
            vec![
                BpfInsn::ldx_mem(BPF_W, si.dst_reg(), si.src_reg(), offset_of!(SkBuff, vlan_proto) as i16),
                BpfInsn::jmp_imm(BPF_JEQ, si.dst_reg(), 0, 1),
                BpfInsn::mov32_imm(si.dst_reg(), 1),
            ]
        }
        sk::VLAN_TCI => f!(vlan_tci, BPF_H),
        sk::VLAN_PROTO => f!(vlan_proto, BPF_H),
        sk::PRIORITY => f!(priority, BPF_W),
        sk::INGRESS_IFINDEX => f!(skb_iif, BPF_W),
        sk::IFINDEX => f!(ifindex, BPF_W),
        sk::TC_INDEX => f!(tc_index, BPF_H),
        o if (sk::CB..sk::CB + 20).contains(&o) => {
            // cb[] keeps the access size
            let at = offset_of!(SkBuff, cb) + (o - sk::CB) as usize;
            let v = ld_st(write, si, bpf_size(si.code), at, target_size);
            *target_size = 0;
            v
        }
        sk::HASH => f!(hash, BPF_W),
        sk::TC_CLASSID => f!(tc_classid, BPF_H),
        sk::DATA => f!(data, BPF_DW),
        sk::DATA_META => f!(data_meta, BPF_DW),
        sk::DATA_END => f!(data_end, BPF_DW),
        sk::NAPI_ID => {
            // ids below MIN_NAPI_ID are sender_cpu values, not NAPI ids
            let mut v = f!(napi_id, BPF_W);
            v.push(BpfInsn::jmp_imm(BPF_JGE, si.dst_reg(), MIN_NAPI_ID, 1));
            v.push(BpfInsn::mov64_imm(si.dst_reg(), 0));
            v
        }
        sk::TSTAMP => f!(tstamp, BPF_DW),
        sk::WIRE_LEN => f!(wire_len, BPF_W),
        sk::GSO_SEGS => f!(gso_segs, BPF_W),
        sk::SK => f!(sk, BPF_DW),
        sk::GSO_SIZE => f!(gso_size, BPF_W),
        sk::TSTAMP_TYPE => f!(tstamp_type, BPF_B),
        sk::HWTSTAMP => f!(hwtstamp, BPF_DW),
        _ => sk_field_load(si, off, target_size),
    }
}

/// The socket fields of `__sk_buff` (`family` to `local_port`, readable by
/// cgroup skb programs): the kernel loads `skb->sk` and then the `struct
/// sock_common` field, trusting the socket to be there. This model's
/// packets may come without one, so a NULL `sk` skips the second load and
/// reads 0.
fn sk_field_load(si: &BpfInsn, off: u32, target_size: &mut u32) -> Vec<BpfInsn> {
    use bpf_core::ctx::Sock;
    let dst = si.dst_reg();
    let (size, at) = match off {
        sk::FAMILY => (BPF_W, offset_of!(Sock, family)),
        sk::REMOTE_IP4 => (BPF_W, offset_of!(Sock, dst_ip4)),
        sk::LOCAL_IP4 => (BPF_W, offset_of!(Sock, src_ip4)),
        o if (sk::REMOTE_IP6..sk::REMOTE_IP6 + 16).contains(&o) => {
            (BPF_W, offset_of!(Sock, dst_ip6) + (o - sk::REMOTE_IP6) as usize)
        }
        o if (sk::LOCAL_IP6..sk::LOCAL_IP6 + 16).contains(&o) => {
            (BPF_W, offset_of!(Sock, src_ip6) + (o - sk::LOCAL_IP6) as usize)
        }
        sk::REMOTE_PORT => (BPF_H, offset_of!(Sock, dst_port)),
        _ => (BPF_W, offset_of!(Sock, src_port)),
    };
    // the kernel's field sizes: skc_family and the ports are 16 bits
    *target_size = match off {
        sk::FAMILY | sk::REMOTE_PORT | sk::LOCAL_PORT => 2,
        _ => 4,
    };
    let mut v = vec![
        BpfInsn::ldx_mem(BPF_DW, dst, si.src_reg(), offset_of!(SkBuff, sk) as i16),
        BpfInsn::jmp_imm(BPF_JEQ, dst, 0, 1),
        BpfInsn::ldx_mem(size, dst, dst, at as i16),
    ];
    if off == sk::REMOTE_PORT {
        // the port in network order in the upper half, as the kernel
        // gives it on little-endian machines
        v.push(BpfInsn::alu32_imm(BPF_LSH, dst, 16));
    }
    v
}

/// Mirrors `net/core/filter.c:xdp_convert_ctx_access()`: an `xdp_md`
/// field as a field of [`XdpBuff`].
pub fn xdp_convert_ctx_access(
    write: bool,
    si: &BpfInsn,
    _prog: &BpfProg,
    target_size: &mut u32,
) -> Vec<BpfInsn> {
    macro_rules! f {
        ($field:ident, $size:expr) => {
            ld_st(write, si, $size, offset_of!(XdpBuff, $field), target_size)
        };
    }
    match si.off as i32 as u32 {
        xm::DATA => f!(data, BPF_DW),
        xm::DATA_META => f!(data_meta, BPF_DW),
        xm::DATA_END => f!(data_end, BPF_DW),
        xm::INGRESS_IFINDEX => f!(ingress_ifindex, BPF_W),
        xm::RX_QUEUE_INDEX => f!(rx_queue_index, BPF_W),
        _ => f!(egress_ifindex, BPF_W),
    }
}

/// `bpf_ctx_off_adjust_machine()`.
fn bpf_ctx_off_adjust_machine(size: u32) -> u32 {
    if size > 8 && size % 8 == 0 {
        8
    } else {
        size
    }
}

impl<'a> BpfVerifierEnv<'a> {
    /// Mirrors `kernel/bpf/verifier.c:convert_ctx_accesses()`: every load
    /// and store through the context becomes the program type's access to
    /// the kernel object; a narrow load reads the whole field, then shifts
    /// and masks.
    pub fn convert_ctx_accesses(&mut self) -> Result<(), Errno> {
        let mut i = 0usize;
        if self.ops.gen_prologue.is_some() || self.seen_direct_write {
            let Some(gen_prologue) = self.ops.gen_prologue else {
                verbose!(self, "verifier bug: gen_prologue is null\n");
                return Err(EFAULT);
            };
            let p = gen_prologue(self.seen_direct_write, self.prog);
            if p.len() >= INSN_BUF_SIZE {
                verbose!(self, "verifier bug: prologue is too long\n");
                return Err(EFAULT);
            }
            if !p.is_empty() {
                self.bpf_patch_insn_data(0, &p)?;
                // the prologue's own insns are not ctx accesses to convert
                i = p.len() - 1;
            }
        }
        while i < self.prog.insnsi.len() {
            // Spectre v1: a barrier before an insn the speculative walk
            // could not get past; the insn itself may still be patched
            // below (and get a barrier after it)
            if self.insn_aux_data[i].nospec {
                let p = [BpfInsn::st_nospec(), self.prog.insnsi[i]];
                self.bpf_patch_insn_data(i, &p)?;
                i += 1;
            }
            let insn = self.prog.insnsi[i];
            let code = insn.code;
            let write = match bpf_class(code) {
                BPF_LDX if bpf_mode(code) == BPF_MEM || bpf_mode(code) == BPF_MEMSX => false,
                BPF_STX | BPF_ST if bpf_mode(code) == BPF_MEM => true,
                _ => {
                    i += 1;
                    continue;
                }
            };
            // Spectre v4 (and a cut of the v1 walk): a barrier after a
            // store the verifier marked
            if write && self.insn_aux_data[i].nospec_result {
                let p = [insn, BpfInsn::st_nospec()];
                self.bpf_patch_insn_data(i, &p)?;
                i += 2;
                continue;
            }
            let ptr_type = self.insn_aux_data[i].ptr_type;
            // bpf_sock_convert_ctx_access() and friends turn a read of a
            // struct bpf_sock field into a read of struct sock; this
            // model's sockets (bpf_core::ctx::Sock) have the bpf_sock
            // layout, so the load stays as it is.
            if ptr_type != PTR_TO_CTX {
                i += 1;
                continue;
            }
            let Some(convert) = self.ops.convert_ctx_access else {
                i += 1;
                continue;
            };
            let ctx_field_size = self.insn_aux_data[i].ctx_field_size;
            let size = bpf_size_to_bytes(bpf_size(code));
            let mode = bpf_mode(code);
            let is_narrower_load = size < ctx_field_size;
            let size_default = bpf_ctx_off_adjust_machine(ctx_field_size);
            let off = insn.off;
            let mut si = insn;
            if is_narrower_load {
                if write {
                    verbose!(self, "verifier bug: narrow ctx access misconfigured\n");
                    return Err(EFAULT);
                }
                let size_code = match ctx_field_size {
                    4 => BPF_W,
                    8 => BPF_DW,
                    _ => BPF_H,
                };
                si.off = off & !(size_default as i16 - 1);
                si.code = BPF_LDX | BPF_MEM | size_code;
            }
            let mut target_size = 0u32;
            let mut buf = convert(write, &si, self.prog, &mut target_size);
            if buf.is_empty() || (ctx_field_size != 0 && target_size == 0) {
                verbose!(self, "verifier bug: error during ctx access conversion ({})\n", buf.len());
                return Err(EFAULT);
            }
            if is_narrower_load && size < target_size {
                let shift = ((off as u32 & (size_default - 1)) * 8) as i32;
                if ctx_field_size <= 4 {
                    if shift != 0 {
                        buf.push(BpfInsn::alu32_imm(BPF_RSH, insn.dst_reg(), shift));
                    }
                    buf.push(BpfInsn::alu32_imm(BPF_AND, insn.dst_reg(), ((1u64 << (size * 8)) - 1) as i32));
                } else {
                    if shift != 0 {
                        buf.push(BpfInsn::alu64_imm(BPF_RSH, insn.dst_reg(), shift));
                    }
                    buf.push(BpfInsn::alu32_imm(BPF_AND, insn.dst_reg(), ((1u64 << (size * 8)) - 1) as i32));
                }
            }
            if mode == BPF_MEMSX {
                buf.push(BpfInsn::new(
                    BPF_ALU64 | BPF_MOV | BPF_X,
                    insn.dst_reg(),
                    insn.dst_reg(),
                    (size * 8) as i16,
                    0,
                ));
            }
            let n = buf.len();
            self.bpf_patch_insn_data(i, &buf)?;
            i += n;
        }
        Ok(())
    }
}

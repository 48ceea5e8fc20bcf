//! Program contexts: the uapi views programs are written against
//! (`struct __sk_buff`, `struct xdp_md`) and this project's model of the
//! kernel objects behind them (`struct sk_buff`, `struct xdp_buff`).
//!
//! A program reads `__sk_buff` fields; the verifier's
//! `convert_ctx_accesses` rewrites each access into a load from the kernel
//! object, as `net/core/filter.c:bpf_convert_ctx_access()` does. The test-run
//! code (`net/bpf/test_run.c` in `bpf-syscall`) builds these objects.
//! Pointers inside them are host addresses stored as `u64`, so the structs
//! stay plain `#[repr(C)]` data that programs load from directly.

use static_assertions::const_assert_eq;
use std::mem::{offset_of, size_of};

/// Offsets of `struct __sk_buff` (uapi, v6.18; 192 bytes).
pub mod sk_buff_uapi {
    #![allow(missing_docs)]
    pub const LEN: u32 = 0;
    pub const PKT_TYPE: u32 = 4;
    pub const MARK: u32 = 8;
    pub const QUEUE_MAPPING: u32 = 12;
    pub const PROTOCOL: u32 = 16;
    pub const VLAN_PRESENT: u32 = 20;
    pub const VLAN_TCI: u32 = 24;
    pub const VLAN_PROTO: u32 = 28;
    pub const PRIORITY: u32 = 32;
    pub const INGRESS_IFINDEX: u32 = 36;
    pub const IFINDEX: u32 = 40;
    pub const TC_INDEX: u32 = 44;
    /// `cb[5]`, 20 bytes.
    pub const CB: u32 = 48;
    pub const HASH: u32 = 68;
    pub const TC_CLASSID: u32 = 72;
    pub const DATA: u32 = 76;
    pub const DATA_END: u32 = 80;
    pub const NAPI_ID: u32 = 84;
    pub const FAMILY: u32 = 88;
    pub const REMOTE_IP4: u32 = 92;
    pub const LOCAL_IP4: u32 = 96;
    /// `remote_ip6[4]`, 16 bytes.
    pub const REMOTE_IP6: u32 = 100;
    /// `local_ip6[4]`, 16 bytes.
    pub const LOCAL_IP6: u32 = 116;
    pub const REMOTE_PORT: u32 = 132;
    pub const LOCAL_PORT: u32 = 136;
    pub const DATA_META: u32 = 140;
    /// `flow_keys` pointer, 8 bytes.
    pub const FLOW_KEYS: u32 = 144;
    pub const TSTAMP: u32 = 152;
    pub const WIRE_LEN: u32 = 160;
    pub const GSO_SEGS: u32 = 164;
    /// `sk` pointer, 8 bytes.
    pub const SK: u32 = 168;
    pub const GSO_SIZE: u32 = 176;
    pub const TSTAMP_TYPE: u32 = 180;
    pub const HWTSTAMP: u32 = 184;
    /// `sizeof(struct __sk_buff)`.
    pub const SIZE: u32 = 192;
}

/// Offsets of `struct xdp_md` (uapi, v6.18; 24 bytes).
pub mod xdp_md_uapi {
    #![allow(missing_docs)]
    pub const DATA: u32 = 0;
    pub const DATA_END: u32 = 4;
    pub const DATA_META: u32 = 8;
    pub const INGRESS_IFINDEX: u32 = 12;
    pub const RX_QUEUE_INDEX: u32 = 16;
    pub const EGRESS_IFINDEX: u32 = 20;
    /// `sizeof(struct xdp_md)`.
    pub const SIZE: u32 = 24;
}

/// This project's `struct sock`: the fields programs read through `struct
/// bpf_sock` (a `PTR_TO_SOCKET` / `PTR_TO_SOCK_COMMON`), laid out as
/// `struct bpf_sock` itself, so the verifier leaves such loads as they are
/// (the kernel's `bpf_sock_convert_ctx_access` turns each into a load of
/// the `struct sock` field). [`SkBuff::sk`] points at one, or is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sock {
    /// `sk_bound_dev_if`.
    pub bound_dev_if: u32,
    /// `sk_family`.
    pub family: u32,
    /// `sk_type`.
    pub type_: u32,
    /// `sk_protocol`.
    pub protocol: u32,
    /// `sk_mark`.
    pub mark: u32,
    /// `sk_priority`.
    pub priority: u32,
    /// `sk_rcv_saddr` (network order, as in memory).
    pub src_ip4: u32,
    /// `sk_v6_rcv_saddr`.
    pub src_ip6: [u32; 4],
    /// `skc_num`: the local port, host order.
    pub src_port: u32,
    /// `skc_dport`: the remote port, network order.
    pub dst_port: u16,
    /// Zero padding of `struct bpf_sock`.
    pub _pad: u16,
    /// `sk_daddr`.
    pub dst_ip4: u32,
    /// `sk_v6_daddr`.
    pub dst_ip6: [u32; 4],
    /// `sk_state`.
    pub state: u32,
    /// `sk_rx_queue_mapping`, -1 when unset.
    pub rx_queue_mapping: i32,
}

static_assertions::const_assert_eq!(std::mem::size_of::<Sock>(), 80);

impl Sock {
    /// `TCP_CLOSE`.
    pub const TCP_CLOSE: u32 = 7;

    /// Mirrors the socket `net/bpf/test_run.c:bpf_prog_test_run_skb()`
    /// gives the packet: `sk_alloc(AF_UNSPEC)` and `sock_init_data(NULL,
    /// sk)` (closed, no receive queue), then for an IPv4 or IPv6 packet
    /// (`protocol`, network order as in `skb->protocol`) the family and
    /// the addresses of the network header `l3` when it is whole.
    /// Checked against 6.18.44: an IPv4 packet reads family 2, state 7,
    /// rx_queue_mapping -1 and the header's source address.
    pub fn test_run_dummy(protocol: u16, l3: &[u8]) -> Sock {
        let mut s = Sock { state: Self::TCP_CLOSE, rx_queue_mapping: -1, ..Default::default() };
        let word = |b: &[u8]| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
        match u16::from_be(protocol) {
            0x0800 => {
                s.family = 2;
                if l3.len() >= 20 {
                    s.src_ip4 = word(&l3[12..16]);
                    s.dst_ip4 = word(&l3[16..20]);
                }
            }
            0x86dd => {
                s.family = 10;
                if l3.len() >= 40 {
                    for i in 0..4 {
                        s.src_ip6[i] = word(&l3[8 + 4 * i..12 + 4 * i]);
                        s.dst_ip6[i] = word(&l3[24 + 4 * i..28 + 4 * i]);
                    }
                }
            }
            _ => {}
        }
        s
    }
}

/// This project's `struct sk_buff`: the fields programs reach through
/// `__sk_buff`. The packet is always linear (`data_len == 0`).
///
/// Fields the kernel's `bpf_convert_ctx_access()` loads straight from the
/// `struct sk_buff` sit at the running v6.18 x86-64 kernel's offsets, so
/// the translated program (`xlated_prog_insns`) shows the kernel's
/// offsets: `sk` 24, `tstamp` 32, the `qdisc_skb_cb` in `cb[]` at 40
/// (`pkt_len` 40, `tc_classid` 46, `data[]` 48, `bpf_skb_data_end`'s
/// `data_meta` 72 and `data_end` 80), `len` 112, `queue_mapping` 124,
/// `pkt_type` 128, `tc_index` 132, `priority` 140, `skb_iif` 144, `hash`
/// 148, `vlan_proto` 152, `vlan_tci` 154, `napi_id` 156, `mark` 164,
/// `protocol` 176, `head` 192, `data` 200. Fields the kernel reaches
/// through another object (`dev->ifindex`, `skb_shinfo(skb)`) live in
/// space the kernel uses for fields programs never see.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkBuff {
    /// `next`, `prev`, `dev` (not modelled).
    pub _pad0: [u8; 24],
    /// `skb->sk`, or 0.
    pub sk: u64,
    /// `skb->tstamp`.
    pub tstamp: u64,
    /// `qdisc_skb_cb(skb)->pkt_len`, seen as `wire_len`.
    pub wire_len: u32,
    /// `slave_dev_queue_mapping` (not modelled).
    pub _pad1: u16,
    /// `qdisc_skb_cb(skb)->tc_classid`.
    pub tc_classid: u16,
    /// `qdisc_skb_cb(skb)->data[]`, seen as `__sk_buff.cb[5]`.
    pub cb: [u32; 5],
    /// The rest of `qdisc_skb_cb`.
    pub _pad2: u32,
    /// Start of the metadata area before `data` (`bpf_skb_data_end`'s
    /// `data_meta`).
    pub data_meta: u64,
    /// End of the linear data (`bpf_skb_data_end(skb)->data_end`).
    pub data_end: u64,
    /// `skb_hwtstamps(skb)->hwtstamp`.
    pub hwtstamp: u64,
    /// `skb->dev->ifindex`.
    pub ifindex: u32,
    /// `skb_shinfo(skb)->gso_segs`.
    pub gso_segs: u32,
    /// `skb_shinfo(skb)->gso_size`.
    pub gso_size: u32,
    /// `skb->mac_header` offset from `head`.
    pub mac_header: u16,
    /// `skb->network_header` offset from `head`.
    pub network_header: u16,
    /// `skb->len`: bytes from `data` to the end of the packet.
    pub len: u32,
    /// `skb->data_len`: bytes not in the linear part (always 0 here).
    pub data_len: u32,
    /// `mac_len`, `hdr_len` (not modelled).
    pub _pad3: u32,
    /// `skb->queue_mapping`.
    pub queue_mapping: u16,
    /// The byte holding `skb->cloned` (bit 0, `CLONED_MASK`); this model's
    /// packets are never cloned, so it stays 0.
    pub cloned: u8,
    /// The other flags (not modelled).
    pub _pad4: u8,
    /// `skb->pkt_type` (the low 3 bits of the kernel's byte).
    pub pkt_type: u8,
    /// `skb->tstamp_type`.
    pub tstamp_type: u8,
    /// Padding.
    pub _pad5: [u8; 2],
    /// `skb->tc_index`.
    pub tc_index: u16,
    /// `alloc_cpu` and the other fields before `priority` (not modelled).
    pub _pad6: [u8; 6],
    /// `skb->priority`.
    pub priority: u32,
    /// `skb->skb_iif`.
    pub skb_iif: u32,
    /// `skb->hash`.
    pub hash: u32,
    /// `skb->vlan_proto` (network byte order).
    pub vlan_proto: u16,
    /// `skb->vlan_tci`.
    pub vlan_tci: u16,
    /// `skb->napi_id`.
    pub napi_id: u32,
    /// `secmark` (not modelled).
    pub _pad7: u32,
    /// `skb->mark`.
    pub mark: u32,
    /// `reserved_tailroom`, `inner_*` (not modelled).
    pub _pad8: u64,
    /// `skb->protocol` (network byte order).
    pub protocol: u16,
    /// The header offsets and `tail`/`end` (not modelled).
    pub _pad9: [u8; 14],
    /// `skb->head`: start of the buffer.
    pub head: u64,
    /// `skb->data`: first byte the program sees.
    pub data: u64,
}
const_assert_eq!(size_of::<SkBuff>() % 8, 0);
const_assert_eq!(offset_of!(SkBuff, sk), 24);
const_assert_eq!(offset_of!(SkBuff, tstamp), 32);
const_assert_eq!(offset_of!(SkBuff, wire_len), 40);
const_assert_eq!(offset_of!(SkBuff, tc_classid), 46);
const_assert_eq!(offset_of!(SkBuff, cb), 48);
const_assert_eq!(offset_of!(SkBuff, data_meta), 72);
const_assert_eq!(offset_of!(SkBuff, data_end), 80);
const_assert_eq!(offset_of!(SkBuff, len), 112);
const_assert_eq!(offset_of!(SkBuff, queue_mapping), 124);
const_assert_eq!(offset_of!(SkBuff, cloned), 126);
const_assert_eq!(offset_of!(SkBuff, pkt_type), 128);
const_assert_eq!(offset_of!(SkBuff, tc_index), 132);
const_assert_eq!(offset_of!(SkBuff, priority), 140);
const_assert_eq!(offset_of!(SkBuff, skb_iif), 144);
const_assert_eq!(offset_of!(SkBuff, hash), 148);
const_assert_eq!(offset_of!(SkBuff, vlan_proto), 152);
const_assert_eq!(offset_of!(SkBuff, vlan_tci), 154);
const_assert_eq!(offset_of!(SkBuff, napi_id), 156);
const_assert_eq!(offset_of!(SkBuff, mark), 164);
const_assert_eq!(offset_of!(SkBuff, protocol), 176);
const_assert_eq!(offset_of!(SkBuff, head), 192);
const_assert_eq!(offset_of!(SkBuff, data), 200);

/// This project's `struct xdp_buff`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XdpBuff {
    /// `xdp->data`.
    pub data: u64,
    /// `xdp->data_end`.
    pub data_end: u64,
    /// `xdp->data_meta`.
    pub data_meta: u64,
    /// `xdp->data_hard_start`.
    pub data_hard_start: u64,
    /// `xdp->rxq->dev->ifindex`.
    pub ingress_ifindex: u32,
    /// `xdp->rxq->queue_index`.
    pub rx_queue_index: u32,
    /// `xdp->txq->dev->ifindex` (devmap programs only).
    pub egress_ifindex: u32,
    /// `xdp->frame_sz`.
    pub frame_sz: u32,
}
const_assert_eq!(size_of::<XdpBuff>(), 48);

//! What one checked run starts from: the packet, the context fields, the
//! map contents and the CPU ([`Inputs`]), either the case's own (what its
//! `BPF_PROG_TEST_RUN` would use) or drawn at random within what the
//! kernel's test run and the program type allow, biased toward the edges:
//! short packets, empty maps, keys that are missing, metadata in front of
//! an XDP packet.

use super::case::{SoundCase, SoundMap};
use crate::gen::Rng;
use bpf_core::ctx::sk_buff_uapi as sk;
use bpf_core::uapi::*;
use std::fmt::Write as _;

/// `ETH_HLEN`: the shortest packet `BPF_PROG_TEST_RUN` takes.
pub const ETH_HLEN: usize = 14;
/// The longest skb packet test-run takes: `PAGE_SIZE - NET_SKB_PAD -
/// SKB_DATA_ALIGN(sizeof(struct skb_shared_info))`.
pub const SKB_MAX_DATA: usize = 4096 - 64 - 320;
/// The longest linear XDP packet: `PAGE_SIZE - XDP_PACKET_HEADROOM -
/// SKB_DATA_ALIGN(sizeof(struct skb_shared_info))`.
pub const XDP_MAX_DATA: usize = 4096 - 256 - 320;
/// `sizeof(struct pt_regs)`: a kprobe's context.
pub const PT_REGS_SIZE: usize = 168;
/// The tracepoint record the verifier lets a program read
/// (`PERF_MAX_TRACE_SIZE` as the verifier's `tp_prog_is_valid_access`
/// bounds it).
pub const TP_CTX_SIZE: usize = 8192;
/// `MAX_BPF_FUNC_ARGS * 8`: a raw tracepoint's argument array.
pub const RAW_TP_CTX_SIZE: usize = 96;
/// Array maps with at most this many entries are rewritten whole before
/// a run; larger ones only at the chosen keys.
pub const ARRAY_RESET_MAX: u32 = 256;

/// The label of [`Inputs::of_case`].
pub const CASE_INPUTS: &str = "case inputs";

/// How a program type is run: what its context is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxKind {
    /// An skb (`struct __sk_buff` rewritten to `SkBuff`): socket filter,
    /// tc, cgroup skb, lwt. `l2`: the program sees the Ethernet header
    /// (tc); `direct`: direct packet access (`data`/`data_end`).
    Skb {
        /// The packet starts at the MAC header.
        l2: bool,
        /// `bpf_compute_data_pointers()` is done.
        direct: bool,
    },
    /// An XDP buffer (`struct xdp_md` rewritten to `XdpBuff`).
    Xdp,
    /// A block of bytes the program reads as it is (kprobe `pt_regs`,
    /// a tracepoint record, raw tracepoint arguments), read-only.
    Raw {
        /// Bytes.
        size: usize,
    },
}

impl CtxKind {
    /// The context of a program type, as `BPF_PROG_TEST_RUN` (or, where
    /// it has none, the attach point) builds it.
    pub fn of(t: BpfProgType) -> CtxKind {
        match t {
            BPF_PROG_TYPE_SCHED_CLS | BPF_PROG_TYPE_SCHED_ACT => CtxKind::Skb { l2: true, direct: true },
            BPF_PROG_TYPE_LWT_IN | BPF_PROG_TYPE_LWT_OUT | BPF_PROG_TYPE_LWT_XMIT => {
                CtxKind::Skb { l2: false, direct: true }
            }
            // cgroup skb programs read data/data_end: their attach point
            // computes them (bpf_compute_and_save_data_end), test-run does not.
            BPF_PROG_TYPE_CGROUP_SKB => CtxKind::Skb { l2: false, direct: true },
            BPF_PROG_TYPE_SOCKET_FILTER | BPF_PROG_TYPE_LWT_SEG6LOCAL => {
                CtxKind::Skb { l2: false, direct: false }
            }
            BPF_PROG_TYPE_XDP => CtxKind::Xdp,
            BPF_PROG_TYPE_KPROBE => CtxKind::Raw { size: PT_REGS_SIZE },
            BPF_PROG_TYPE_TRACEPOINT => CtxKind::Raw { size: TP_CTX_SIZE },
            _ => CtxKind::Raw { size: RAW_TP_CTX_SIZE },
        }
    }
}

/// The `struct sk_buff` fields a run sets besides the packet: those
/// test-run takes from `ctx_in`, and others an skb may carry on the way
/// in (hash, VLAN tag, queue, tc index...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkbFields {
    /// `mark`.
    pub mark: u32,
    /// `priority`.
    pub priority: u32,
    /// `skb_iif` (`ingress_ifindex`).
    pub ingress_ifindex: u32,
    /// `tstamp`.
    pub tstamp: u64,
    /// `cb[5]`.
    pub cb: [u32; 5],
    /// `wire_len` beyond `len` (0: `wire_len == len`).
    pub wire_len_extra: u32,
    /// `gso_segs`.
    pub gso_segs: u32,
    /// `gso_size`.
    pub gso_size: u32,
    /// `hwtstamp`.
    pub hwtstamp: u64,
    /// `hash`.
    pub hash: u32,
    /// `vlan_tci`.
    pub vlan_tci: u16,
    /// `vlan_present`.
    pub vlan_present: u8,
    /// `queue_mapping`.
    pub queue_mapping: u16,
    /// `tc_index`.
    pub tc_index: u16,
    /// `tc_classid`.
    pub tc_classid: u16,
    /// `napi_id`.
    pub napi_id: u32,
}

impl SkbFields {
    /// The fields `convert___skb_to_skb` takes from a test-run `ctx_in`
    /// (`struct __sk_buff`); the others stay 0.
    pub fn from_ctx_in(c: &[u8]) -> SkbFields {
        let rd32 = |off: u32| -> u32 {
            c.get(off as usize..off as usize + 4).map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()))
        };
        let rd64 = |off: u32| u64::from(rd32(off)) | u64::from(rd32(off + 4)) << 32;
        SkbFields {
            mark: rd32(sk::MARK),
            priority: rd32(sk::PRIORITY),
            ingress_ifindex: rd32(sk::INGRESS_IFINDEX),
            tstamp: rd64(sk::TSTAMP),
            cb: [0, 1, 2, 3, 4].map(|i| rd32(sk::CB + 4 * i)),
            gso_segs: rd32(sk::GSO_SEGS),
            gso_size: rd32(sk::GSO_SIZE),
            hwtstamp: rd64(sk::HWTSTAMP),
            ..SkbFields::default()
        }
    }
}

/// The entries a map holds when a run starts: it is emptied (an array:
/// zeroed) and these are written. `None` leaves the map as it is.
pub type MapContents = Option<Vec<(Vec<u8>, Vec<u8>)>>;

/// Everything one checked run starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inputs {
    /// `case inputs`, `random #3`...
    pub label: String,
    /// The packet as test-run's `data_in` takes it (for XDP the metadata
    /// comes first, [`Self::xdp_meta`] bytes of it).
    pub data: Vec<u8>,
    /// XDP: bytes of metadata in front of the packet (a multiple of 4).
    pub xdp_meta: u32,
    /// skb types: the other fields of the skb.
    pub skb: SkbFields,
    /// [`CtxKind::Raw`] types: the context bytes.
    pub raw_ctx: Vec<u8>,
    /// Per map of the case, what it holds.
    pub maps: Vec<MapContents>,
    /// The CPU the run is on (per-CPU maps, `bpf_get_smp_processor_id`).
    pub cpu: u32,
}

impl Inputs {
    /// The case's own inputs: its packet (64 zero bytes when it gives
    /// none, padded to `ETH_HLEN`, as `bpftool batch` does), its context,
    /// its maps as created, CPU 0.
    pub fn of_case(case: &SoundCase) -> Inputs {
        let kind = CtxKind::of(case.prog_type);
        let mut data = case.data.clone().unwrap_or_else(|| vec![0; 64]);
        if data.len() < ETH_HLEN {
            data.resize(ETH_HLEN, 0);
        }
        let mut inputs = Inputs {
            label: CASE_INPUTS.into(),
            data,
            xdp_meta: 0,
            skb: SkbFields::default(),
            raw_ctx: Vec::new(),
            maps: vec![None; case.maps.len()],
            cpu: 0,
        };
        match (kind, &case.ctx) {
            (CtxKind::Skb { .. }, Some(c)) => inputs.skb = SkbFields::from_ctx_in(c),
            (CtxKind::Xdp, Some(c)) if c.len() >= 8 => {
                let meta = u32::from_le_bytes(c[0..4].try_into().unwrap());
                if meta % 4 == 0 && meta <= 32 && inputs.data.len() >= meta as usize + ETH_HLEN {
                    inputs.xdp_meta = meta;
                }
            }
            (CtxKind::Raw { size }, c) => {
                let mut raw = c.clone().unwrap_or_default();
                raw.resize(size, 0);
                inputs.raw_ctx = raw;
            }
            _ => {}
        }
        inputs
    }

    /// Random inputs for `case` on a kernel with `nr_cpus` CPUs.
    pub fn random(case: &SoundCase, rng: &mut Rng, nr_cpus: u32, label: String) -> Inputs {
        let kind = CtxKind::of(case.prog_type);
        let max = if kind == CtxKind::Xdp { XDP_MAX_DATA } else { SKB_MAX_DATA };
        let xdp_meta = if kind == CtxKind::Xdp && rng.chance(30) { 4 * (1 + rng.below(8) as u32) } else { 0 };
        let len = packet_len(rng, max);
        let mut data = random_bytes(rng, xdp_meta as usize + len);
        if rng.chance(40) && data.len() >= xdp_meta as usize + 34 {
            // An IPv4 frame: programs that parse headers get past the first checks.
            let p = xdp_meta as usize;
            data[p + 12] = 0x08;
            data[p + 13] = 0x00;
            data[p + 14] = 0x45;
        }
        let skb = if matches!(kind, CtxKind::Skb { .. }) { random_skb(rng) } else { SkbFields::default() };
        let raw_ctx = match kind {
            CtxKind::Raw { size } => random_bytes(rng, size),
            _ => Vec::new(),
        };
        let keys = candidate_keys(case);
        let maps = case.maps.iter().map(|m| random_map(rng, m, &keys)).collect();
        let cpu = rng.below(u64::from(nr_cpus.max(1))) as u32;
        Inputs { label, data, xdp_meta, skb, raw_ctx, maps, cpu }
    }

    /// One paragraph saying what the run started from.
    pub fn describe(&self, kind: CtxKind) -> String {
        let mut s = format!("{}: ", self.label);
        match kind {
            CtxKind::Skb { .. } => {
                let _ = write!(s, "packet of {} bytes {}", self.data.len(), preview(&self.data));
                let _ = write!(s, ", skb fields {:?}", self.skb);
            }
            CtxKind::Xdp => {
                let _ = write!(
                    s,
                    "packet of {} bytes after {} bytes of metadata {}",
                    self.data.len() - self.xdp_meta as usize,
                    self.xdp_meta,
                    preview(&self.data)
                );
            }
            CtxKind::Raw { size } => {
                let _ = write!(s, "context of {size} bytes {}", preview(&self.raw_ctx));
            }
        }
        let _ = write!(s, ", cpu {}", self.cpu);
        for (i, m) in self.maps.iter().enumerate() {
            match m {
                None => {
                    let _ = write!(s, "; map {i} as created");
                }
                Some(e) if e.is_empty() => {
                    let _ = write!(s, "; map {i} empty");
                }
                Some(e) => {
                    let list: Vec<String> =
                        e.iter().map(|(k, v)| format!("{}:{}", crate::outcome::hex(k), preview(v))).collect();
                    let _ = write!(s, "; map {i} = {{{}}}", list.join(", "));
                }
            }
        }
        s
    }
}

fn preview(b: &[u8]) -> String {
    let shown = crate::outcome::hex(&b[..b.len().min(24)]);
    if b.len() > 24 {
        format!("{shown}..")
    } else {
        shown
    }
}

/// Packet lengths: mostly short (where `data_end` checks bite), some at
/// the classic header boundaries, a few long ones up to `max`.
fn packet_len(rng: &mut Rng, max: usize) -> usize {
    match rng.below(100) {
        0..=39 => ETH_HLEN + rng.below(67) as usize,
        40..=59 => *rng.pick(&[14usize, 15, 16, 17, 20, 22, 24, 30, 32, 33, 34, 38, 42, 54, 60, 64, 65]),
        60..=84 => 80 + rng.below(520) as usize,
        _ => ETH_HLEN + rng.below((max - ETH_HLEN + 1) as u64) as usize,
    }
}

fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    match rng.below(4) {
        0 => vec![0; n],
        1 => (0..n).map(|_| if rng.chance(50) { 0xff } else { rng.below(256) as u8 }).collect(),
        _ => (0..n).map(|_| rng.below(256) as u8).collect(),
    }
}

fn random_u32(rng: &mut Rng) -> u32 {
    match rng.below(4) {
        0 => 0,
        1 => rng.below(16) as u32,
        2 => u32::MAX - rng.below(4) as u32,
        _ => rng.next_u64() as u32,
    }
}

fn random_skb(rng: &mut Rng) -> SkbFields {
    let mut f = SkbFields::default();
    if rng.chance(20) {
        return f;
    }
    f.mark = random_u32(rng);
    f.priority = random_u32(rng);
    f.ingress_ifindex = if rng.chance(50) { 1 } else { 0 };
    f.tstamp = rng.next_u64() >> rng.below(64);
    f.cb = [0; 5].map(|_| random_u32(rng));
    f.wire_len_extra = if rng.chance(70) { 0 } else { rng.below(2000) as u32 };
    f.gso_segs = rng.below(65536) as u32;
    f.gso_size = random_u32(rng);
    f.hwtstamp = rng.next_u64();
    f.hash = random_u32(rng);
    f.vlan_present = rng.chance(30) as u8;
    f.vlan_tci = rng.next_u64() as u16;
    f.queue_mapping = rng.below(8) as u16;
    f.tc_index = rng.next_u64() as u16;
    f.tc_classid = rng.next_u64() as u16;
    f.napi_id = random_u32(rng);
    f
}

/// Keys a program is likely to look up: small numbers, the constants it
/// stores or moves, and the keys the case starts with.
fn candidate_keys(case: &SoundCase) -> Vec<u64> {
    let mut keys: Vec<u64> = (0..8).collect();
    for i in &case.insns {
        let is_const = matches!(bpf_class(i.code), BPF_ST) || i.code == (BPF_ALU64 | BPF_MOV | BPF_K);
        if is_const && (0..1 << 20).contains(&i.imm) {
            keys.push(i.imm as u64);
        }
    }
    for m in &case.maps {
        for (k, _) in &m.init {
            let mut b = [0u8; 8];
            let n = k.len().min(8);
            b[..n].copy_from_slice(&k[..n]);
            keys.push(u64::from_le_bytes(b));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

const HASH_TYPES: [BpfMapType; 4] =
    [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH];
const ARRAY_TYPES: [BpfMapType; 2] = [BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY];

/// Per-CPU maps take one 8-byte-rounded copy of the value per CPU through
/// the system call.
pub fn is_percpu(map_type: u32) -> bool {
    matches!(
        BpfMapType(map_type),
        BPF_MAP_TYPE_PERCPU_HASH | BPF_MAP_TYPE_PERCPU_ARRAY | BPF_MAP_TYPE_LRU_PERCPU_HASH
    )
}

/// Is the map one whose contents a run sets (hash or array)?
pub fn resettable(map_type: u32) -> bool {
    HASH_TYPES.contains(&BpfMapType(map_type)) || ARRAY_TYPES.contains(&BpfMapType(map_type))
}

/// The bytes `BPF_MAP_UPDATE_ELEM` takes for `value` (every CPU's copy
/// for a per-CPU map).
pub fn syscall_value(m: &SoundMap, value: &[u8], nr_cpus: u32) -> Vec<u8> {
    if !is_percpu(m.map_type) {
        return value.to_vec();
    }
    let one = (m.value_size as usize).next_multiple_of(8);
    let mut out = Vec::with_capacity(one * nr_cpus as usize);
    for _ in 0..nr_cpus {
        let mut v = value.to_vec();
        v.resize(one, 0);
        out.extend(v);
    }
    out
}

fn random_map(rng: &mut Rng, m: &SoundMap, keys: &[u64]) -> MapContents {
    if !resettable(m.map_type) {
        return None;
    }
    let is_hash = HASH_TYPES.contains(&BpfMapType(m.map_type));
    let roll = rng.below(100);
    if roll < 20 {
        // As the case created it (but reset: earlier runs may have written).
        return Some(m.init.clone());
    }
    if roll < 40 && is_hash {
        return Some(Vec::new());
    }
    let n = 1 + rng.below(u64::from(m.max_entries.clamp(1, 8)));
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for _ in 0..n {
        let k = if rng.chance(85) { *rng.pick(keys) } else { rng.next_u64() };
        let mut key = k.to_le_bytes().to_vec();
        key.resize(m.key_size as usize, 0);
        if entries.iter().any(|(e, _)| *e == key) {
            continue;
        }
        let value = random_bytes(rng, m.value_size as usize);
        entries.push((key, value));
    }
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(t: BpfProgType) -> SoundCase {
        SoundCase {
            name: "t".into(),
            prog_type: t,
            insns: vec![BpfInsn::st_mem(BPF_W, 10, -4, 77), BpfInsn::exit()],
            maps: vec![SoundMap {
                map_type: 1,
                key_size: 4,
                value_size: 8,
                max_entries: 4,
                flags: 0,
                inner_map: None,
                init: vec![],
            }],
            data: None,
            ctx: None,
            expected_attach_type: 0,
            prog_flags: 0,
        }
    }

    #[test]
    fn random_inputs_stay_within_test_run_limits() {
        let mut rng = Rng::new(3);
        let mut saw_key_77 = false;
        let mut saw_empty = false;
        for t in [BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_KPROBE] {
            let c = case(t);
            for k in 0..300 {
                let i = Inputs::random(&c, &mut rng, 2, format!("random #{k}"));
                let kind = CtxKind::of(t);
                match kind {
                    CtxKind::Xdp => {
                        let pkt = i.data.len() - i.xdp_meta as usize;
                        assert!((ETH_HLEN..=XDP_MAX_DATA).contains(&pkt) && i.xdp_meta % 4 == 0);
                    }
                    CtxKind::Skb { .. } => assert!((ETH_HLEN..=SKB_MAX_DATA).contains(&i.data.len())),
                    CtxKind::Raw { size } => assert_eq!(i.raw_ctx.len(), size),
                }
                assert!(i.cpu < 2);
                let m = i.maps[0].as_ref().unwrap();
                saw_empty |= m.is_empty();
                saw_key_77 |= m.iter().any(|(k, _)| k == &77u32.to_le_bytes());
                assert!(m.len() <= 4);
            }
        }
        assert!(saw_key_77 && saw_empty);
    }

    #[test]
    fn case_inputs_pad_the_packet() {
        let mut c = case(BPF_PROG_TYPE_SOCKET_FILTER);
        c.data = Some(vec![1, 2]);
        assert_eq!(Inputs::of_case(&c).data.len(), ETH_HLEN);
        c.data = None;
        assert_eq!(Inputs::of_case(&c).data, vec![0; 64]);
    }
}

//! Packet buffers for programs: `struct sk_buff` construction as
//! `net/core/skbuff.c` and `net/ethernet/eth.c:eth_type_trans()` do it, and
//! the raw buffer an XDP frame lives in.
//!
//! A program reads and writes packet bytes through raw pointers
//! (`skb->data` .. `data_end`), so the packet lives in a heap block of its
//! own that stays put while the program runs; the [`SkBuff`] the program's
//! context points at is boxed for the same reason.

use crate::netdev::NetDevice;
use bpf_core::ctx::SkBuff;
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ptr::NonNull;

/// `ETH_HLEN`.
pub const ETH_HLEN: usize = 14;
/// `NET_SKB_PAD`: headroom of a freshly built skb (`max(32, L1_CACHE_BYTES)`).
pub const NET_SKB_PAD: usize = 64;
/// `NET_IP_ALIGN` on x86-64.
pub const NET_IP_ALIGN: usize = 0;
/// `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` on x86-64.
pub const SKB_SHINFO_SIZE: usize = 320;
/// `PAGE_SIZE`.
pub const PAGE_SIZE: usize = 4096;

/// `PACKET_HOST` and friends (`skb->pkt_type`).
pub mod pkt_type {
    /// To us.
    pub const PACKET_HOST: u8 = 0;
    /// To all.
    pub const PACKET_BROADCAST: u8 = 1;
    /// To a group.
    pub const PACKET_MULTICAST: u8 = 2;
    /// To someone else.
    pub const PACKET_OTHERHOST: u8 = 3;
}

/// A zeroed heap block that does not move, for packet data.
pub struct RawBuf {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the block is owned memory; it is only shared with a program run
// on the thread that owns the `RawBuf`.
unsafe impl Send for RawBuf {}

impl RawBuf {
    /// `len` zeroed bytes (at least 1), 64-byte aligned.
    pub fn new(len: usize) -> RawBuf {
        let len = len.max(1);
        let layout = Layout::from_size_align(len, 64).expect("packet sizes are small");
        // SAFETY: `layout` has a non-zero size.
        let p = unsafe { alloc_zeroed(layout) };
        RawBuf { ptr: NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(layout)), len }
    }

    /// Address of the first byte.
    pub fn addr(&self) -> u64 {
        self.ptr.as_ptr() as u64
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the block is empty (never: it has at least one byte).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes at `[addr, addr + len)`, if that lies inside the block.
    pub fn slice_at(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let off = usize::try_from(addr.checked_sub(self.addr())?).ok()?;
        if off.checked_add(len)? > self.len {
            return None;
        }
        // SAFETY: the range was checked to lie inside the block, which lives
        // as long as `self`; no program runs while the slice is borrowed.
        Some(unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(off), len) })
    }

    /// Copies `src` to offset `off` (which must fit).
    pub fn write(&mut self, off: usize, src: &[u8]) {
        assert!(off + src.len() <= self.len, "write inside the buffer");
        // SAFETY: the range is inside the block (asserted) and `src` is a
        // distinct buffer.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr().add(off), src.len()) };
    }

    /// Zeroes `[off, off + len)` (which must fit).
    pub fn zero(&mut self, off: usize, len: usize) {
        assert!(off + len <= self.len, "zero inside the buffer");
        // SAFETY: the range is inside the block (asserted).
        unsafe { std::ptr::write_bytes(self.ptr.as_ptr().add(off), 0, len) };
    }
}

impl Drop for RawBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this size and alignment.
        unsafe { dealloc(self.ptr.as_ptr(), Layout::from_size_align_unchecked(self.len, 64)) };
    }
}

/// An skb with its data: the buffer, and the boxed `struct sk_buff` a
/// program's context points at.
pub struct Skb {
    /// `skb->head` .. `skb->end` (and the shared info after it).
    pub buf: RawBuf,
    /// The `struct sk_buff`.
    pub skb: Box<SkBuff>,
}

impl Skb {
    /// `slab_build_skb()` + `skb_reserve(headroom)` + `__skb_put(len)`:
    /// `frame` copied after `headroom` bytes, with room for `tailroom`.
    pub fn build(frame: &[u8], headroom: usize, tailroom: usize) -> Skb {
        let size = frame.len().next_multiple_of(64);
        let mut buf = RawBuf::new(headroom + size + tailroom);
        buf.write(headroom, frame);
        let head = buf.addr();
        let skb = SkBuff {
            head,
            data: head + headroom as u64,
            len: frame.len() as u32,
            mac_header: headroom as u16,
            network_header: headroom as u16,
            ..Default::default()
        };
        Skb { buf, skb: Box::new(skb) }
    }

    /// Mirrors `net/ethernet/eth.c:eth_type_trans()`: sets the device,
    /// resets the MAC header, pulls the Ethernet header, classifies the
    /// destination (`pkt_type`) and returns the protocol (as stored, in
    /// network byte order).
    pub fn eth_type_trans(&mut self, dev: &NetDevice) -> u16 {
        let eth = self.data().get(..ETH_HLEN).map(|h| h.to_vec()).unwrap_or_else(|| vec![0; ETH_HLEN]);
        self.skb.ifindex = dev.ifindex();
        self.skb.mac_header = (self.skb.data - self.skb.head) as u16;
        self.skb_pull(ETH_HLEN);
        let dest: [u8; 6] = eth[..6].try_into().expect("6 bytes");
        if dest != dev.dev_addr() {
            self.skb.pkt_type = if dest[0] & 1 != 0 {
                if dest == dev.broadcast() {
                    pkt_type::PACKET_BROADCAST
                } else {
                    pkt_type::PACKET_MULTICAST
                }
            } else {
                pkt_type::PACKET_OTHERHOST
            };
        }
        let proto = [eth[12], eth[13]];
        // eth_proto_is_802_3(): a real EtherType.
        if u16::from_be_bytes(proto) >= 0x0600 {
            return u16::from_ne_bytes(proto);
        }
        // Novell raw 802.3 (0xFFFF), else 802.2 LLC.
        let sap = self.data().get(..2).map(|s| [s[0], s[1]]);
        if sap == Some([0xff, 0xff]) {
            u16::from_ne_bytes(0x0001u16.to_be_bytes())
        } else {
            u16::from_ne_bytes(0x0004u16.to_be_bytes())
        }
    }

    /// `skb_reset_network_header()`.
    pub fn skb_reset_network_header(&mut self) {
        self.skb.network_header = (self.skb.data - self.skb.head) as u16;
    }

    /// `__skb_pull()`: drops `n` bytes from the front.
    pub fn skb_pull(&mut self, n: usize) {
        let n = n.min(self.skb.len as usize);
        self.skb.data += n as u64;
        self.skb.len -= n as u32;
    }

    /// `__skb_push()`: gives back `n` bytes at the front.
    pub fn skb_push(&mut self, n: usize) {
        self.skb.data -= n as u64;
        self.skb.len += n as u32;
    }

    /// Mirrors `include/linux/filter.h:bpf_compute_data_pointers()`: the
    /// `data_meta` / `data_end` direct packet access uses.
    pub fn bpf_compute_data_pointers(&mut self) {
        self.skb.data_meta = self.skb.data;
        self.skb.data_end = self.skb.data + u64::from(self.skb.len - self.skb.data_len);
    }

    /// The bytes from `skb->data` for `skb->len`, if the skb still points
    /// inside its buffer.
    pub fn data(&self) -> &[u8] {
        self.buf.slice_at(self.skb.data, self.skb.len as usize).unwrap_or(&[])
    }

    /// The context pointer a program gets.
    pub fn ctx(&self) -> *const std::ffi::c_void {
        &*self.skb as *const SkBuff as *const std::ffi::c_void
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eth_type_trans_pulls_and_classifies() {
        let lo = NetDevice::new(1, "lo", false, 1);
        let mut frame = vec![0u8; 64];
        frame[12] = 0x08;
        let mut s = Skb::build(&frame, NET_SKB_PAD, SKB_SHINFO_SIZE);
        let proto = s.eth_type_trans(&lo);
        assert_eq!(proto.to_ne_bytes(), [0x08, 0x00]);
        assert_eq!(s.skb.len, 50);
        assert_eq!(s.skb.pkt_type, pkt_type::PACKET_HOST);
        assert_eq!(s.skb.mac_header, 64);
        s.skb_push(ETH_HLEN);
        s.bpf_compute_data_pointers();
        assert_eq!(s.skb.data_end - s.skb.data, 64);
        assert_eq!(s.data(), &frame[..]);
        let mut mc = frame.clone();
        mc[0] = 1;
        let mut s = Skb::build(&mc, NET_SKB_PAD, 0);
        s.eth_type_trans(&lo);
        assert_eq!(s.skb.pkt_type, pkt_type::PACKET_MULTICAST);
    }
}

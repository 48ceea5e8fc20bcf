//! Flag words of uapi `bpf.h` (v6.18) as `bitflags` types.

use bitflags::bitflags;

bitflags! {
    /// `prog_flags` of `BPF_PROG_LOAD`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BpfProgFlags: u32 {
        /// Check alignment strictly even where the arch does not need it.
        const BPF_F_STRICT_ALIGNMENT = 1 << 0;
        /// Skip alignment checks (testing only).
        const BPF_F_ANY_ALIGNMENT = 1 << 1;
        /// Randomise the upper 32 bits of sub-register writes (testing).
        const BPF_F_TEST_RND_HI32 = 1 << 2;
        /// Checkpoint states at every insn (testing the pruning).
        const BPF_F_TEST_STATE_FREQ = 1 << 3;
        /// The program may sleep.
        const BPF_F_SLEEPABLE = 1 << 4;
        /// An XDP program that handles multi-buffer frames.
        const BPF_F_XDP_HAS_FRAGS = 1 << 5;
        /// An XDP program bound to a device but not offloaded.
        const BPF_F_XDP_DEV_BOUND_ONLY = 1 << 6;
        /// Check register-bound invariants after every step (testing).
        const BPF_F_TEST_REG_INVARIANTS = 1 << 7;
        /// `prog_token_fd` holds a BPF token.
        const BPF_F_TOKEN_FD = 1 << 16;
    }
}

bitflags! {
    /// `map_flags` of `BPF_MAP_CREATE` (and `open_flags` of `GET_FD_BY_ID`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BpfMapFlags: u32 {
        /// Do not preallocate hash elements.
        const BPF_F_NO_PREALLOC = 1 << 0;
        /// One LRU list per CPU.
        const BPF_F_NO_COMMON_LRU = 1 << 1;
        /// `numa_node` is valid.
        const BPF_F_NUMA_NODE = 1 << 2;
        /// Read-only from user space.
        const BPF_F_RDONLY = 1 << 3;
        /// Write-only from user space.
        const BPF_F_WRONLY = 1 << 4;
        /// Stack trace map stores build ids.
        const BPF_F_STACK_BUILD_ID = 1 << 5;
        /// Zero the hash seed (testing).
        const BPF_F_ZERO_SEED = 1 << 6;
        /// Read-only for programs.
        const BPF_F_RDONLY_PROG = 1 << 7;
        /// Write-only for programs.
        const BPF_F_WRONLY_PROG = 1 << 8;
        /// Clone local storage on fork.
        const BPF_F_CLONE = 1 << 9;
        /// The array may be mmap()ed.
        const BPF_F_MMAPABLE = 1 << 10;
        /// Keep perf event array entries when the fd closes.
        const BPF_F_PRESERVE_ELEMS = 1 << 11;
        /// May be an inner map of different sizes.
        const BPF_F_INNER_MAP = 1 << 12;
        /// Created as a link (struct_ops).
        const BPF_F_LINK = 1 << 13;
        /// `path_fd` is valid (OBJ_PIN / OBJ_GET).
        const BPF_F_PATH_FD = 1 << 14;
        /// `value_type_btf_obj_fd` is valid.
        const BPF_F_VTYPE_BTF_OBJ_FD = 1 << 15;
        /// `map_token_fd` holds a BPF token.
        const BPF_F_TOKEN_FD = 1 << 16;
        /// Arena: fault on access to an unallocated page.
        const BPF_F_SEGV_ON_FAULT = 1 << 17;
        /// Arena: no user-space address conversion.
        const BPF_F_NO_USER_CONV = 1 << 18;
    }
}

bitflags! {
    /// `flags` of `BPF_MAP_UPDATE_ELEM` and friends.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BpfElemFlags: u64 {
        /// Create the element only if it does not exist.
        const BPF_NOEXIST = 1;
        /// Update the element only if it exists.
        const BPF_EXIST = 2;
        /// Take the value's spin lock.
        const BPF_F_LOCK = 4;
    }
}

impl BpfElemFlags {
    /// `BPF_ANY`: create or update.
    pub const BPF_ANY: BpfElemFlags = BpfElemFlags::empty();
}

bitflags! {
    /// `log_level` of `BPF_PROG_LOAD`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BpfLogLevel: u32 {
        /// Log the path to an error, and states at branch points.
        const BPF_LOG_LEVEL1 = 1;
        /// Log every instruction with its state.
        const BPF_LOG_LEVEL2 = 2;
        /// Print verification statistics.
        const BPF_LOG_STATS = 4;
        /// Fixed-size log: stop when full instead of rotating.
        const BPF_LOG_FIXED = 8;
    }
}

impl BpfLogLevel {
    /// `BPF_LOG_LEVEL`: either verbosity bit.
    pub const BPF_LOG_LEVEL: BpfLogLevel = BpfLogLevel::BPF_LOG_LEVEL1.union(BpfLogLevel::BPF_LOG_LEVEL2);
    /// `BPF_LOG_MASK`: every user-settable bit.
    pub const BPF_LOG_MASK: BpfLogLevel = BpfLogLevel::all();
    /// `BPF_LOG_KERNEL`: the internal level used for kernel-side logs.
    pub const BPF_LOG_KERNEL_BITS: u32 = BpfLogLevel::BPF_LOG_MASK.bits() + 1;
}

bitflags! {
    /// `flags` of `BPF_PROG_TEST_RUN`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BpfTestRunFlags: u32 {
        /// Run on `cpu`.
        const BPF_F_TEST_RUN_ON_CPU = 1 << 0;
        /// XDP: transmit frames for real.
        const BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
        /// skb: compute `CHECKSUM_COMPLETE`.
        const BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 1 << 2;
    }
}

bitflags! {
    /// `attach_flags` of `BPF_PROG_ATTACH`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BpfAttachFlags: u32 {
        /// A program below may override this one.
        const BPF_F_ALLOW_OVERRIDE = 1 << 0;
        /// Several programs may be attached.
        const BPF_F_ALLOW_MULTI = 1 << 1;
        /// Replace `replace_bpf_fd`.
        const BPF_F_REPLACE = 1 << 2;
        /// Insert before `relative_fd`.
        const BPF_F_BEFORE = 1 << 3;
        /// Insert after `relative_fd`.
        const BPF_F_AFTER = 1 << 4;
        /// `relative_fd` is an id.
        const BPF_F_ID = 1 << 5;
        /// The relative object is a link.
        const BPF_F_LINK = 1 << 13;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_uapi() {
        assert_eq!(BpfProgFlags::all().bits(), 0x1_00ff);
        assert_eq!(BpfLogLevel::BPF_LOG_MASK.bits(), 15);
        assert_eq!(BpfMapFlags::BPF_F_INNER_MAP.bits(), 4096);
        assert_eq!(BpfElemFlags::BPF_ANY.bits(), 0);
    }
}
